"""What the API server's Pod validation refuses in a Pod Tekton built, for the runtimes
that have no API server (host, podman/docker).

Only the rules a TaskRun can break through fields Tektite passes on as they are: the
object a volume names (a secret volume without ``secretName``), volume mounts (of a
volume that does not exist, or twice at one path), and user and group IDs of the Pod's
and the containers' security contexts (``runAsUser: -1`` from a pod template). On
Kubernetes the API server itself refuses such a Pod, and the TaskRun fails with
``PodCreationFailed`` and its message; this gives the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tektite.api.errors import go_quote
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
    volumes = spec.get("volumes") or []
    # ValidatePodSpec's order: volumes, containers, init containers, the Pod's context.
    errors = _volume_errors(volumes)
    names = {volume.get("name") for volume in volumes}
    for field in ("containers", "initContainers"):
        for i, container in enumerate(spec.get(field) or ()):
            path = f"spec.{field}[{i}]"
            errors += _mount_errors(container.get("volumeMounts") or [], names, path)
            context = container.get("securityContext") or {}
            errors += _id_errors(context, f"{path}.securityContext", _CONTAINER_IDS)
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


# The field naming the object or path each of these volume kinds needs (validateVolumes).
_VOLUME_REQUIRED = {
    "secret": "secretName",
    "configMap": "name",
    "persistentVolumeClaim": "claimName",
    "hostPath": "path",
}


def _volume_errors(volumes: list[dict[str, Any]]) -> list[str]:
    errors = []
    for i, volume in enumerate(volumes):
        for kind, field in _VOLUME_REQUIRED.items():
            source = volume.get(kind)
            if isinstance(source, Mapping) and not source.get(field):
                errors.append(f"spec.volumes[{i}].{kind}.{field}: Required value")
    return errors


def _mount_errors(mounts: list[dict[str, Any]], volumes: set[Any], path: str) -> list[str]:
    """``ValidateVolumeMounts``: each mount names a volume of the Pod, at its own path."""
    errors = []
    paths: set[str] = set()
    for i, mount in enumerate(mounts):
        at = f"{path}.volumeMounts[{i}]"
        name = mount.get("name") or ""
        if not name:
            errors.append(f"{at}.name: Required value")
        if name not in volumes:
            errors.append(f"{at}.name: Not found: {go_quote(name)}")
        mount_path = mount.get("mountPath") or ""
        if not mount_path:
            errors.append(f"{at}.mountPath: Required value")
        if mount_path in paths:
            errors.append(field_invalid(f"{at}.mountPath", mount_path, "must be unique"))
        paths.add(mount_path)
    return errors


def _id_errors(context: Mapping[str, Any], path: str, fields: tuple[str, ...]) -> list[str]:
    return [
        field_invalid(f"{path}.{field}", context[field], _RANGE)
        for field in fields
        if context.get(field) is not None and not _valid_id(context[field])
    ]


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and 0 <= value <= _MAX_ID
