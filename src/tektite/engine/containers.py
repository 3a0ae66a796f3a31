"""Steps and sidecars as Kubernetes container JSON, and the small ``corev1`` objects the
Pod builder makes (volume mounts, emptyDir volumes, security contexts).

Everything here is Kubernetes JSON (``dict``), shaped as Go's encoder writes the
``corev1`` structs: fields in their Go order and empty fields left out (``omitempty``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

import msgspec

from tektite.api.models import Sidecar, Step

__all__ = [
    "CONTAINER_FIELD_ORDER",
    "JsonDict",
    "SecurityContextConfig",
    "clean_path",
    "empty_dir_volume",
    "order_container_fields",
    "sidecar_to_container",
    "step_to_container",
    "volume_mount",
]

JsonDict = dict[str, Any]

# corev1.Container's fields in declaration order (its JSON encoding order).
CONTAINER_FIELD_ORDER = (
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "resizePolicy",
    "restartPolicy",
    "volumeMounts",
    "volumeDevices",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
    "securityContext",
    "stdin",
    "stdinOnce",
    "tty",
)

# Step.ToK8sContainer / Sidecar.ToK8sContainer: which Tekton fields become container fields
# (only the resources field is renamed).
_STEP_FIELDS = (
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "envFrom",
    "env",
    "computeResources",
    "volumeMounts",
    "volumeDevices",
    "imagePullPolicy",
    "securityContext",
)
_SIDECAR_FIELDS = (
    *_STEP_FIELDS,
    "ports",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "stdin",
    "stdinOnce",
    "tty",
    "restartPolicy",
)


def _is_empty(value: object) -> bool:
    # Go's omitempty: false, 0, "", nil and empty collections are not encoded.
    return value is None or value is False or value == "" or value == [] or value == {}


def order_container_fields(container: Mapping[str, Any]) -> JsonDict:
    """``container`` with its fields in ``corev1.Container`` order and empty ones dropped."""
    ordered = {k: container[k] for k in CONTAINER_FIELD_ORDER if k in container}
    ordered.update((k, v) for k, v in container.items() if k not in ordered)
    return {k: v for k, v in ordered.items() if not _is_empty(v)}


# corev1.VolumeMount's fields in declaration order.
_VOLUME_MOUNT_FIELD_ORDER = (
    "name",
    "readOnly",
    "recursiveReadOnly",
    "mountPath",
    "subPath",
    "mountPropagation",
    "subPathExpr",
)


def _omit_empty_fields(
    item: Any, order: tuple[str, ...] = (), pointers: tuple[str, ...] = ()
) -> Any:
    """``item`` as Go encodes its struct: fields in ``order`` first, empty ones left out
    but the ``pointers`` that are set (omitempty keeps a pointer to an empty struct)."""
    if not isinstance(item, dict):
        return item
    ordered = {k: item[k] for k in order if k in item}
    ordered.update((k, v) for k, v in item.items() if k not in ordered)
    return {
        k: v
        for k, v in ordered.items()
        if not _is_empty(v) or (k in pointers and v is not None and v is not False)
    }


def _to_container(body: Mapping[str, Any], fields: tuple[str, ...]) -> JsonDict:
    out: JsonDict = {}
    for key in fields:
        if key in body:
            out["resources" if key == "computeResources" else key] = body[key]
    # The models keep what was written (``readOnly: false``, ``value: ""``); Go's encoder
    # would leave those out of list items too.
    if "env" in out:
        # (``valueFrom: {}`` stays: the API server refuses a source that names nothing.)
        out["env"] = [_omit_empty_fields(item, pointers=("valueFrom",)) for item in out["env"]]
    if "volumeMounts" in out:
        out["volumeMounts"] = [
            _omit_empty_fields(item, _VOLUME_MOUNT_FIELD_ORDER) for item in out["volumeMounts"]
        ]
    return order_container_fields(out)


def step_to_container(step: Step) -> JsonDict:
    """``Step.ToK8sContainer``: the step's container fields (Tekton's own fields such as
    ``script``, ``timeout`` or ``onError`` are not part of the container)."""
    return _to_container(step.to_dict(), _STEP_FIELDS)


def sidecar_to_container(sidecar: Sidecar) -> JsonDict:
    """``Sidecar.ToK8sContainer``: the sidecar's container fields."""
    return _to_container(sidecar.to_dict(), _SIDECAR_FIELDS)


def volume_mount(
    name: str, mount_path: str, *, read_only: bool = False, sub_path: str = ""
) -> JsonDict:
    """A ``corev1.VolumeMount`` (``readOnly`` and ``subPath`` only when set)."""
    mount: JsonDict = {"name": name}
    if read_only:
        mount["readOnly"] = True
    mount["mountPath"] = mount_path
    if sub_path:
        mount["subPath"] = sub_path
    return mount


def empty_dir_volume(name: str, *, medium: str = "") -> JsonDict:
    """A volume backed by an ``emptyDir`` (in memory when ``medium`` is ``Memory``)."""
    return {"name": name, "emptyDir": {"medium": medium} if medium else {}}


def clean_path(path: str) -> str:
    """Go's ``filepath.Clean`` on Linux (unlike ``posixpath.normpath``, a leading ``//``
    collapses to ``/`` and the empty path is ``.``)."""
    cleaned = posixpath.normpath(path) if path else "."
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


class SecurityContextConfig(msgspec.Struct, frozen=True):
    """``SecurityContextConfig``: whether Tekton's own init containers (and the results
    sidecar) get a restricted security context (``set-security-context``), with a read-only
    root filesystem (``set-security-context-read-only-root-filesystem``)."""

    set_security_context: bool = False
    set_read_only_root_filesystem: bool = False

    def security_context(self, windows: bool) -> JsonDict:
        """``GetSecurityContext``: what satisfies the "restricted" Pod security standard
        (Windows nodes only support ``runAsNonRoot``)."""
        if windows:
            return {"runAsNonRoot": True}
        context: JsonDict = {"capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True}
        if self.set_read_only_root_filesystem:
            context["readOnlyRootFilesystem"] = True
        context["allowPrivilegeEscalation"] = False
        context["seccompProfile"] = {"type": "RuntimeDefault"}
        return context
