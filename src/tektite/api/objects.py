"""Turn a JSON-like mapping into a typed object, as the API server and webhook would.

``decode`` picks the model from ``apiVersion``/``kind``, converts ``v1beta1`` Tekton
objects to ``v1`` first, and reports any structural problem (unknown field, wrong type,
missing required field) as a :class:`~tektite.api.errors.FieldError` with the field's
path, wrapped in :class:`InvalidObject`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from tektite.api.errors import FieldError, err_missing_field, go_quote
from tektite.api.models import (
    KubeObject,
    ObjectMeta,
    Pipeline,
    PipelineRun,
    StepAction,
    Task,
    TaskRun,
    TektonObject,
)

TEKTON_GROUP = "tekton.dev"
_T = TypeVar("_T")

_V1_KINDS: dict[str, type[TektonObject]] = {
    "Task": Task,
    "TaskRun": TaskRun,
    "Pipeline": Pipeline,
    "PipelineRun": PipelineRun,
}
_STEPACTION_VERSIONS = ("tekton.dev/v1beta1", "tekton.dev/v1alpha1")
_CORE_KINDS = frozenset(
    {"ConfigMap", "LimitRange", "PersistentVolumeClaim", "Secret", "ServiceAccount"}
)
"""Kubernetes kinds the controller and runtimes read (all of the core ``v1`` group)."""


class InvalidObject(ValueError):
    """An object that cannot be decoded or does not validate.

    ``errors`` is the field error tree; ``str()`` renders it as Knative does.
    """

    def __init__(self, errors: FieldError, kind: str = "", name: str = "") -> None:
        super().__init__(errors.render())
        self.errors = errors
        self.kind = kind
        self.name = name


def object_name(obj: TektonObject | KubeObject) -> str:
    """``Kind/name`` as ``tektite validate`` prints it."""
    meta = obj.metadata
    return f"{obj.kind}/{meta.name or meta.generate_name or '<unnamed>'}"


def is_tekton(api_version: str) -> bool:
    """Whether ``api_version`` is of the ``tekton.dev`` group."""
    return api_version.split("/", 1)[0] == TEKTON_GROUP


def decode(raw: Mapping[str, Any]) -> TektonObject | KubeObject:
    """Decode one Kubernetes object; raise :class:`InvalidObject` when it is malformed."""
    api_version = raw.get("apiVersion")
    kind = raw.get("kind")
    name = _raw_name(raw)
    missing = [f for f, v in (("apiVersion", api_version), ("kind", kind)) if not v]
    if missing:
        raise InvalidObject(err_missing_field(*missing), str(kind or ""), name)
    if not isinstance(api_version, str) or not isinstance(kind, str):
        raise InvalidObject(
            FieldError("apiVersion and kind must be strings", ["apiVersion", "kind"]),
            str(kind),
            name,
        )
    if not is_tekton(api_version):
        # The store keys objects by kind alone, so a Task or a Secret of another group
        # would be taken for Tekton's or the core one: refused as the API server refuses
        # a kind it does not serve in that version.
        if (
            kind in _V1_KINDS
            or kind == "StepAction"
            or (kind in _CORE_KINDS and api_version != "v1")
        ):
            raise _no_matches(kind, api_version, name)
        return _decode_kube(raw, api_version, kind, name)
    model = _model_for(api_version, kind)
    if model is None:
        raise _no_matches(kind, api_version, name)
    data: Mapping[str, Any] = raw
    if api_version == "tekton.dev/v1beta1" and kind in _V1_KINDS:
        from tektite.api.convert import v1beta1_to_v1

        data = v1beta1_to_v1(raw)
    return _convert(data, model, kind, name)


def _no_matches(kind: str, api_version: str, name: str) -> InvalidObject:
    """kubectl's refusal of a kind the API server does not serve in ``api_version``."""
    return InvalidObject(
        FieldError(
            f"no matches for kind {go_quote(kind)} in version {go_quote(api_version)}",
            ["apiVersion", "kind"],
        ),
        kind,
        name,
    )


def _model_for(api_version: str, kind: str) -> type[TektonObject] | None:
    if kind == "StepAction":
        return StepAction if api_version in _STEPACTION_VERSIONS else None
    if api_version in ("tekton.dev/v1", "tekton.dev/v1beta1"):
        return _V1_KINDS.get(kind)
    return None


def _raw_name(raw: Mapping[str, Any]) -> str:
    meta = raw.get("metadata")
    if isinstance(meta, Mapping):
        n = meta.get("name") or meta.get("generateName") or ""
        return n if isinstance(n, str) else ""
    return ""


def _decode_kube(raw: Mapping[str, Any], api_version: str, kind: str, name: str) -> KubeObject:
    meta = _convert(raw.get("metadata") or {}, ObjectMeta, kind, name, prefix="metadata")
    body = {k: v for k, v in raw.items() if k not in ("apiVersion", "kind", "metadata")}
    return KubeObject(api_version=api_version, kind=kind, metadata=meta, body=body)


def _convert(data: Any, model: type[_T], kind: str, name: str, prefix: str = "") -> _T:
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError as first:
        if "unknown field" in str(first):
            # Go's encoding/json accepts a key that matches a field name but for case
            # (`mountpath` for `mountPath`), and Tekton's examples rely on it. Rare, so
            # the type-directed rewrite runs only after the fast strict decode failed.
            try:
                return msgspec.convert(fold_field_names(data, model), model)
            except msgspec.ValidationError as second:
                first = second
        err = decode_error_to_field_error(str(first))
        raise InvalidObject(err.via_field(prefix) if prefix else err, kind, name) from None


@functools.cache
def _struct_info(model: type) -> tuple[dict[str, str], dict[str, msgspec.inspect.Type]]:
    info = msgspec.inspect.type_info(model)
    assert isinstance(info, msgspec.inspect.StructType)
    names = {f.encode_name.lower(): f.encode_name for f in info.fields}
    types = {f.encode_name: f.type for f in info.fields}
    return names, types


def fold_field_names(data: Any, model: type) -> Any:
    """A copy of ``data`` whose keys are renamed to ``model``'s field names where they
    differ only by case, recursively, as Go's JSON decoder matches them."""
    return _fold(data, msgspec.inspect.type_info(model))


def _fold(data: Any, t: msgspec.inspect.Type) -> Any:
    if isinstance(t, msgspec.inspect.StructType) and isinstance(data, dict):
        names, types = _struct_info(t.cls)
        out = {}
        for key, value in data.items():
            if isinstance(key, str) and key not in types:
                key = names.get(key.lower(), key)
            field_type = types.get(key)
            out[key] = _fold(value, field_type) if field_type is not None else value
        return out
    if isinstance(t, msgspec.inspect.UnionType):
        for member in t.types:
            if isinstance(
                member,
                msgspec.inspect.StructType | msgspec.inspect.ListType | msgspec.inspect.DictType,
            ):
                folded = _fold(data, member)
                if folded is not data:
                    return folded
        return data
    if isinstance(t, msgspec.inspect.ListType) and isinstance(data, list):
        return [_fold(v, t.item_type) for v in data]
    if isinstance(t, msgspec.inspect.DictType) and isinstance(data, dict):
        return {k: _fold(v, t.value_type) for k, v in data.items()}
    return data


_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]*)`$")
_EXPECTED = re.compile(r"^Expected `(?P<want>[^`]*)`, got `(?P<got>[^`]*)`$")


def decode_error_to_field_error(text: str) -> FieldError:
    """Turn msgspec's message (``... - at `$.spec.steps[0]```) into a field error."""
    path = ""
    m = _AT.search(text)
    if m:
        path = m["path"].lstrip(".")
        text = text[: m.start()]
    if m := _UNKNOWN.match(text):
        return FieldError(f"unknown field {go_quote(m['field'])}", [_join(path, m["field"])])
    if m := _MISSING.match(text):
        return err_missing_field(_join(path, m["field"]))
    if m := _EXPECTED.match(text):
        want = _type_words(m["want"])
        return FieldError(f"invalid value: expected {want}, got {_type_words(m['got'])}", [path])
    return FieldError(f"invalid value: {text}", [path])


def _join(path: str, field: str) -> str:
    return f"{path}.{field}" if path else field


def _type_words(t: str) -> str:
    words = {
        "str": "a string",
        "int": "an integer",
        "float": "a number",
        "bool": "a boolean",
        "array": "a list",
        "object": "a mapping",
        "null": "null",
    }
    parts = [p.strip() for p in t.split("|")]
    return " or ".join(words.get(p, p) for p in parts if p != "null") or words.get(t, t)
