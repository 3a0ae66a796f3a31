"""The base of every model: Tekton's JSON names, strict types, unknown fields refused.

Models mirror the Go types of ``tekton.dev`` field by field, as msgspec Structs. JSON
names come from the snake_case attribute names (``run_after`` ↔ ``runAfter``) unless a Go
name is not plain camelCase (``imageID``), where the name is given explicitly.

Why msgspec rather than pydantic (DESIGN.md's first choice): building the ~60 pydantic
models cost ~300 ms at import, more than the whole budget of ``tektite validate`` on one
file; msgspec Structs import in a few milliseconds, decode strictly and report the path
of the first bad field.
"""

from __future__ import annotations

import json
import math
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
    map) the user sees this text.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(go_json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(str(k), ensure_ascii=False)}:{go_json_text(v)}"
                for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
            )
            + "}"
        )
    return json.dumps(str(value))


def _go_float(f: float) -> str:
    """``encoding/json``'s float format: shortest repr, 'f' unless the exponent is extreme."""
    if math.isinf(f) or math.isnan(f):
        # Go's encoder refuses these; the closest honest text is YAML's spelling.
        return ".nan" if math.isnan(f) else (".inf" if f > 0 else "-.inf")
    if f == int(f) and abs(f) < 1e21:
        return str(int(f))
    r = repr(f)
    if "e" in r:
        mantissa, exp = r.split("e")
        e = int(exp)
        if -7 < e < 21:
            return format(f, "f").rstrip("0").rstrip(".")
        sign = "-" if e < 0 else "+"
        return f"{mantissa}e{sign}{abs(e):02d}"
    return r


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
