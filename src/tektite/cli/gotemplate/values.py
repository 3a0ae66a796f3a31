"""Go's value model: the reflect.Value distinctions a template's output shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Go's reflect.Value distinctions that show in output or messages are kept:
# - _NO_VALUE is the invalid Value (a missing map key): it prints "<no value>".
# - _Box(v) is a Value of kind Interface (what indexing a map[string]interface{} or a
#   []interface{} returns); _Box(None) is a nil interface{} (a JSON null). Errors
#   name its type "interface {}", and a pipeline "digs" it to its content.
# - Everything else is a concrete value: str, float (float64), int (Go int, from
#   literals, len and range), _Uint8 (a string's byte), bool, dict, list.


class _NoValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<no value>"


_NO_VALUE = _NoValue()


class _Missing:
    """text/template's missingVal: no final value comes from a previous command."""

    __slots__ = ()


_MISSING = _Missing()


@dataclass(frozen=True, slots=True)
class _Box:
    value: Any


class _Uint8(int):
    """A byte of a string (``index "abc" 0``), which Go types uint8."""


def _from_json(value: Any) -> Any:
    """What ``json.Unmarshal`` into ``interface{}`` gives: every number a float64."""
    if isinstance(value, dict):
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _dig(value: Any) -> Any:
    """evalPipeline's "dig down one level" of an interface{}: a nil one is invalid."""
    if isinstance(value, _Box):
        return _NO_VALUE if value.value is None else value.value
    return value


_indirect_interface = _dig  # same rule for Go's indirectInterface on our values


def _indirect(value: Any) -> tuple[Any, bool]:
    """Go's ``indirect``: the value inside interfaces, and whether one was nil."""
    if isinstance(value, _Box):
        if value.value is None:
            return value, True
        return value.value, False
    return value, False


def _go_type(value: Any) -> str:
    """The Go type of a value, as reflect names it."""
    if isinstance(value, _Box):
        return "interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, _Uint8):
        return "uint8"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    return "<nil>"


def _is_go_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_true(value: Any) -> bool:
    """Go's ``isTrue`` of a concrete value (or the invalid one)."""
    if value is _NO_VALUE or value is None:
        return False
    if isinstance(value, (str, list, dict)):
        return len(value) > 0
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    return True


def _truth(value: Any) -> bool:
    return _is_true(_indirect_interface(value))


def _go_string_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _go_string(data: bytes) -> str:
    # A Go string may hold any bytes; Python text cannot.
    return data.decode("utf-8", "replace")
