"""What the API server's Pod validation refuses in a Pod Tekton built, for the runtimes
that have no API server (host, podman/docker).

Only the rules a TaskRun can break through fields Tektite passes on as they are: user
and group IDs of the Pod's and the containers' security contexts (``runAsUser: -1``
from a pod template). On Kubernetes the API server itself refuses such a Pod, and the
TaskRun fails with ``PodCreationFailed`` and its message; this gives the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tektite.api.k8s_names import aggregate, field_invalid

_MAX_ID = 2**31 - 1
_RANGE = f"must be between 0 and {_MAX_ID}, inclusive"  # validation.InclusiveRangeError
# In the order of ValidateSecurityContext and validatePodSpecSecurityContext.
_CONTAINER_IDS = ("runAsUser", "runAsGroup")
_POD_IDS = ("fsGroup", "runAsUser", "runAsGroup")


def pod_invalid_message(pod: Mapping[str, Any]) -> str | None:
    """``Pod "<name>" is invalid: …`` as the API server refuses ``pod``; None when it
    passes these rules."""
    spec = pod.get("spec") or {}
    errors: list[str] = []
    # ValidatePodSpec's order: containers, init containers, then the Pod's context.
    for field in ("containers", "initContainers"):
        for i, container in enumerate(spec.get(field) or ()):
            path = f"spec.{field}[{i}].securityContext"
            errors += _id_errors(container.get("securityContext") or {}, path, _CONTAINER_IDS)
    context = spec.get("securityContext") or {}
    errors += _id_errors(context, "spec.securityContext", _POD_IDS)
    for i, group in enumerate(context.get("supplementalGroups") or ()):
        if not _valid_id(group):
            path = f"spec.securityContext.supplementalGroups[{i}]"
            errors.append(field_invalid(path, group, _RANGE))
    if not errors:
        return None
    name = (pod.get("metadata") or {}).get("name", "")
    return f'Pod "{name}" is invalid: {aggregate(errors)}'


def _id_errors(context: Mapping[str, Any], path: str, fields: tuple[str, ...]) -> list[str]:
    return [
        field_invalid(f"{path}.{field}", context[field], _RANGE)
        for field in fields
        if context.get(field) is not None and not _valid_id(context[field])
    ]


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and 0 <= value <= _MAX_ID
