"""The base of every model: Tekton's JSON names, strict types, unknown fields refused.

Models mirror the Go types of ``tekton.dev`` field by field, as msgspec Structs. JSON
names come from the snake_case attribute names (``run_after`` ↔ ``runAfter``) unless a Go
name is not plain camelCase (``imageID``), where the name is given explicitly.

Why msgspec rather than pydantic (DESIGN.md's first choice): building the ~60 pydantic
models cost ~300 ms at import, more than the whole budget of ``tektite validate`` on one
file; msgspec Structs import in a few milliseconds, decode strictly and report the path
of the first bad field.

The model modules do not use ``from __future__ import annotations``: msgspec builds a
Struct's decoder at its first decode in each process, and string annotations must then
be compiled and evaluated one by one (~8 ms for a PipelineRun's ~300, in every
``tektite run``). Evaluated when the class is made, they cost nothing more. A reference
to a class defined later is quoted.
"""

from typing import Any

import msgspec

JsonObj = dict[str, Any]
"""A Kubernetes sub-object kept as plain JSON (securityContext, probes, affinity, …)."""

StrMap = dict[str, str]

ParamValue = str | list[str] | dict[str, str]
"""A param or result value: a string, an array of strings or an object of strings.

Struct fields holding one are declared ``Any`` because Tekton accepts any JSON there and
decodes it itself (see :func:`decode_param_value`, applied in ``__post_init__``).
"""


class Model(
    msgspec.Struct,
    rename="camel",
    forbid_unknown_fields=True,
    omit_defaults=True,
    kw_only=True,
):
    """Base of every Tekton type: camelCase JSON names, strict types, unknown fields are
    errors, and fields at their default are omitted when dumped (as Go's ``omitempty``)."""

    def to_dict(self) -> JsonObj:
        """The JSON form with Tekton's field names."""
        out: JsonObj = msgspec.to_builtins(self)
        return out


class TopLevelModel(Model):
    """A whole Kubernetes object: ``apiVersion`` and ``kind`` are always dumped, first,
    even though they equal their defaults."""

    api_version: str = ""
    kind: str = ""

    def to_dict(self) -> JsonObj:
        """The JSON form, ``apiVersion`` and ``kind`` first."""
        body: JsonObj = msgspec.to_builtins(self)
        body.pop("apiVersion", None)
        body.pop("kind", None)
        return {"apiVersion": self.api_version, "kind": self.kind, **body}


def go_json_text(value: Any) -> str:
    """The JSON text Go's encoder would produce for a decoded YAML value.

    kubectl sends YAML to the API server as JSON; where Tekton falls back to "the raw
    JSON as a string" (a ParamValue that is neither a string, a string list nor a string
    map) the user sees this text. Maps are printed with sorted keys, as Go does.
    """
    # Imported here: only odd param values need it, and yamlio loads the YAML parser.
    from tektite.api.yamlio import go_json_scalar_text

    if isinstance(value, list):
        return "[" + ",".join(go_json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return (
            "{"
            + ",".join(f"{go_json_scalar_text(str(k))}:{go_json_text(v)}" for k, v in items)
            + "}"
        )
    try:
        return go_json_scalar_text(value)
    except (TypeError, ValueError):
        # Infinities/NaN never reach here from YAML (the loader refuses them, as kubectl
        # does); for values built in code, fall back to Python's text.
        return str(value)


def decode_param_value(value: Any) -> ParamValue:
    """Tekton's ``ParamValue.UnmarshalJSON``: string list → array, string map → object,
    a string stays a string, anything else becomes its JSON text."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(value)
    if value is None:
        return ""
    return go_json_text(value)


def param_value_type(value: ParamValue) -> str:
    """Tekton's ``ParamValue.Type``: ``string``, ``array`` or ``object``."""
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"
