"""The API server's checks of an object's metadata (apimachinery's ``ValidateObjectMeta``
with its exact messages), whatever the kind.

The store applies them to every write; ``tektite validate`` (and so ``run``, ``create``
and ``apply``, which check a file first) applies them too, so that a label the store
would refuse is reported with the file's other errors before anything is written.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from tektite.api.k8s_names import (
    dns1123_label_errors,
    dns1123_subdomain_errors,
    field_invalid,
    label_key_errors,
    label_value_errors,
)

MAX_ANNOTATIONS_BYTES = 256 * 1024
"""``TotalAnnotationSizeLimitB``: keys and values of an object's annotations together."""
_PATH_SEGMENT_KINDS = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})


def object_name_errors(kind: str, name: str, prefix: bool = False) -> list[str]:
    """The API server's name rule of ``kind`` (most kinds: a DNS subdomain); ``prefix``:
    the name is a prefix a generated suffix follows (a ``generateName``), which may end
    in ``-``."""
    if kind in _PATH_SEGMENT_KINDS:
        if not prefix and name in (".", ".."):
            return [f"may not be '{name}'"]
        return [f"may not contain '{c}'" for c in "/%" if c in name]
    if prefix and len(name) > 1 and name.endswith("-"):
        # maskTrailingDash, whose quirk is kept: it drops the last two characters.
        name = name[:-2] + "a"
    if kind == "Namespace":
        return dns1123_label_errors(name)
    return dns1123_subdomain_errors(name)


# Label keys and values repeat across objects (tekton.dev/pipeline=…): validate each once.
@functools.lru_cache(maxsize=4096)
def _label_key_msgs(key: str) -> tuple[str, ...]:
    return tuple(label_key_errors(key))


@functools.lru_cache(maxsize=4096)
def _label_value_msgs(value: str) -> tuple[str, ...]:
    return tuple(label_value_errors(value))


def object_meta_errors(kind: str, meta: Mapping[str, Any], namespaced: bool) -> list[str]:
    """``ValidateObjectMeta``'s messages (``path: Invalid value: …``), as the API server
    checks every object it stores, in its order: names, namespace, then
    :func:`metadata_field_errors`. ``meta["namespace"]`` must be set when
    ``namespaced``."""
    errs = name_errors(kind, meta)
    if namespaced:
        errs += namespace_errors(meta["namespace"])
    return errs + metadata_field_errors(meta)


def name_errors(kind: str, meta: Mapping[str, Any]) -> list[str]:
    """The API server's checks of ``name`` and ``generateName`` (a name is generated
    from ``generateName`` before the API server checks it; a file has none yet)."""
    errs: list[str] = []
    generate = meta.get("generateName") or ""
    if generate:
        for msg in object_name_errors(kind, generate, True):
            errs.append(field_invalid("metadata.generateName", generate, msg))
    name = meta.get("name") or ""
    if not name and not generate:  # the store generates it before these checks
        errs.append("metadata.name: Required value: name or generateName is required")
    for msg in object_name_errors(kind, name) if name else ():
        errs.append(field_invalid("metadata.name", name, msg))
    return errs


def namespace_errors(namespace: str) -> list[str]:
    """The API server's check of a namespaced object's ``namespace``."""
    return [
        field_invalid("metadata.namespace", namespace, m) for m in dns1123_label_errors(namespace)
    ]


def metadata_field_errors(meta: Mapping[str, Any]) -> list[str]:
    """The API server's checks of labels, annotations and owner references: what
    Tekton's webhook leaves to it."""
    errs: list[str] = []
    for key, value in sorted((meta.get("labels") or {}).items()):
        errs.extend(field_invalid("metadata.labels", key, m) for m in _label_key_msgs(key))
        errs.extend(field_invalid("metadata.labels", value, m) for m in _label_value_msgs(value))
    annotations = meta.get("annotations") or {}
    for key in sorted(annotations):
        errs.extend(
            field_invalid("metadata.annotations", key, m) for m in _label_key_msgs(key.lower())
        )
    if (
        sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items())
        > MAX_ANNOTATIONS_BYTES
    ):
        errs.append(
            f"metadata.annotations: Too long: may not be more than {MAX_ANNOTATIONS_BYTES} bytes"
        )
    for ref in meta.get("ownerReferences") or []:
        version = str(ref.get("apiVersion") or "").rpartition("/")[2]
        if not version:
            errs.append(
                field_invalid(
                    "metadata.ownerReferences.apiVersion",
                    ref.get("apiVersion") or "",
                    "version must not be empty",
                )
            )
        for field in ("kind", "name", "uid"):
            if not ref.get(field):
                errs.append(
                    field_invalid(f"metadata.ownerReferences.{field}", "", "must not be empty")
                )
    return errs
