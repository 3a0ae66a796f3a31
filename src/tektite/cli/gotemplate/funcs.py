"""The builtin functions (Go's funcs.go) plus kubectl's ``exists`` and
``base64decode``."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .fmt import _PLAIN, _format, _Printf, _sprint, _sprintln
from .values import (
    _NO_VALUE,
    _Box,
    _go_string,
    _go_string_bytes,
    _go_type,
    _indirect,
    _indirect_interface,
    _is_go_int,
    _truth,
    _Uint8,
)


class _CallError(Exception):
    """A function's error: the executor reports it as ``error calling NAME: …``."""


_VALUE, _ANY, _STRING = "reflect.Value", "interface {}", "string"
"""How a function takes an argument: as a reflect.Value (the value as it is), as an
interface{} (nil for no value), or as a string."""


@dataclass(frozen=True)
class _Func:
    params: tuple[str, ...]
    variadic: str | None
    impl: Callable[..., Any]


def _unbox_any(value: Any) -> Any:
    """An interface{} argument as fmt or a Go function sees it: its content."""
    if isinstance(value, _Box):
        return value.value
    return None if value is _NO_VALUE else value


def _index_arg(index: Any, cap: int) -> int:
    if not _is_go_int(index):
        if index is _NO_VALUE:
            raise _CallError("cannot index slice/array with nil")
        raise _CallError(f"cannot index slice/array with type {_go_type(index)}")
    if index < 0 or index > cap:
        raise _CallError(f"index out of range: {index}")
    return int(index)


def _index(item: Any, *indexes: Any) -> Any:
    item = _indirect_interface(item)
    if item is _NO_VALUE:
        raise _CallError("index of untyped nil")
    for raw in indexes:
        index = _indirect_interface(raw)
        item, is_nil = _indirect(item)
        if is_nil:
            raise _CallError("index of nil pointer")
        if isinstance(item, (list, str)):
            length = len(item) if isinstance(item, list) else len(_go_string_bytes(item))
            x = _index_arg(index, length)
            if x == length:  # past indexArg's check; reflect's Index panics
                kind = "slice" if isinstance(item, list) else "string"
                raise _CallError(f"reflect: {kind} index out of range")
            item = _Box(item[x]) if isinstance(item, list) else _Uint8(_go_string_bytes(item)[x])
        elif isinstance(item, dict):
            if index is _NO_VALUE:
                raise _CallError("value is nil; should be of type string")
            if not isinstance(index, str):
                raise _CallError(f"value has type {_go_type(index)}; should be string")
            # A missing key gives the zero value of interface{}: a nil one.
            item = _Box(item.get(index))
        else:
            raise _CallError(f"can't index item of type {_go_type(item)}")
    return item


def _slice(item: Any, *indexes: Any) -> Any:
    item = _indirect_interface(item)
    if item is _NO_VALUE:
        raise _CallError("slice of untyped nil")
    if len(indexes) > 3:
        raise _CallError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise _CallError("cannot 3-index slice a string")
        data: bytes | list[Any] = _go_string_bytes(item)
    elif isinstance(item, list):
        data = item
    else:
        raise _CallError(f"can't slice item of type {_go_type(item)}")
    bounds = [0, len(data)]
    for i, index in enumerate(indexes):  # (not dug: a boxed index is refused)
        x = _index_arg(index, len(data))
        if i < 2:
            bounds[i] = x
        else:
            bounds.append(x)
    if bounds[0] > bounds[1]:
        raise _CallError(f"invalid slice index: {bounds[0]} > {bounds[1]}")
    if len(bounds) == 3 and bounds[1] > bounds[2]:
        raise _CallError(f"invalid slice index: {bounds[1]} > {bounds[2]}")
    part = data[bounds[0] : bounds[1]]
    return _go_string(part) if isinstance(part, bytes) else part


def _len(item: Any) -> int:
    item, is_nil = _indirect(item)
    if is_nil:
        raise _CallError("len of nil pointer")
    if item is _NO_VALUE:  # Go asks the invalid Value its type, and reflect panics
        raise _CallError("reflect: call of reflect.Value.Type on zero Value")
    if isinstance(item, str):
        return len(_go_string_bytes(item))
    if isinstance(item, (list, dict)):
        return len(item)
    raise _CallError(f"len of type {_go_type(item)}")


def _not(arg: Any) -> bool:
    return not _truth(arg)


_INVALID_KIND, _BOOL_KIND, _INT_KIND, _UINT_KIND, _FLOAT_KIND, _STRING_KIND = range(6)


def _basic_kind(value: Any) -> int:
    if isinstance(value, bool):
        return _BOOL_KIND
    if isinstance(value, _Uint8):
        return _UINT_KIND
    if isinstance(value, int):
        return _INT_KIND
    if isinstance(value, float):
        return _FLOAT_KIND
    if isinstance(value, str):
        return _STRING_KIND
    return _INVALID_KIND


def _eq(arg1: Any, *arg2: Any) -> bool:
    arg1 = _indirect_interface(arg1)
    if not arg2:
        raise _CallError("missing argument for comparison")
    k1 = _basic_kind(arg1)
    for raw in arg2:
        arg = _indirect_interface(raw)
        k2 = _basic_kind(arg)
        if k1 != k2:
            if {k1, k2} == {_INT_KIND, _UINT_KIND}:  # ints compare across signedness
                truth = arg1 == arg
            elif arg1 is not _NO_VALUE and arg is not _NO_VALUE:
                raise _CallError(
                    f"incompatible types for comparison: {_go_type(arg1)} and {_go_type(arg)}"
                )
            else:
                truth = False
        elif k1 != _INVALID_KIND:
            truth = arg1 == arg
        else:  # maps, lists, no value
            one_missing = arg1 is _NO_VALUE or arg is _NO_VALUE
            if type(arg1) is not type(arg) and not one_missing:
                raise _CallError(
                    f"non-comparable types {_format(arg1, 's', _PLAIN, 0)}: "
                    f"{_go_type(arg1)}, {_go_type(arg)}: {_format(arg, 'v', _PLAIN, 0)}"
                )
            if one_missing:
                truth = arg1 is arg
            else:
                raise _CallError(
                    f"non-comparable type {_format(arg, 's', _PLAIN, 0)}: {_go_type(arg)}"
                )
        if truth:
            return True
    return False


def _ne(arg1: Any, arg2: Any) -> bool:
    return not _eq(arg1, arg2)


def _lt(arg1: Any, arg2: Any) -> bool:
    arg1 = _indirect_interface(arg1)
    k1 = _basic_kind(arg1)
    if k1 == _INVALID_KIND:
        raise _CallError("invalid type for comparison")
    arg2 = _indirect_interface(arg2)
    k2 = _basic_kind(arg2)
    if k2 == _INVALID_KIND:
        raise _CallError("invalid type for comparison")
    if k1 != k2:
        if {k1, k2} == {_INT_KIND, _UINT_KIND}:
            return bool(arg1 < arg2)
        raise _CallError(
            f"incompatible types for comparison: {_go_type(arg1)} and {_go_type(arg2)}"
        )
    if k1 == _BOOL_KIND:
        raise _CallError("invalid type for comparison")
    return bool(arg1 < arg2)


def _le(arg1: Any, arg2: Any) -> bool:
    return _lt(arg1, arg2) or _eq(arg1, arg2)


def _gt(arg1: Any, arg2: Any) -> bool:
    return not _le(arg1, arg2)


def _ge(arg1: Any, arg2: Any) -> bool:
    return not _lt(arg1, arg2)


def _eval_args(args: tuple[Any, ...]) -> str:
    """text/template's evalArgs: Sprint, but a nil argument is "<no value>"."""
    values = [_unbox_any(a) for a in args]
    if len(values) == 1 and isinstance(values[0], str):
        return values[0]
    return _sprint(["<no value>" if v is None else v for v in values])


def _html(*args: Any) -> str:
    text = _eval_args(args)
    for char, entity in (
        ("&", "&amp;"),
        ("\0", "\ufffd"),
        ('"', "&#34;"),
        ("'", "&#39;"),
        ("<", "&lt;"),
        (">", "&gt;"),
    ):
        text = text.replace(char, entity)
    return text


_JS_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "<": "\\u003C",
    ">": "\\u003E",
    "&": "\\u0026",
    "=": "\\u003D",
}


def _js(*args: Any) -> str:
    out = []
    for char in _eval_args(args):
        if char in _JS_ESCAPES:
            out.append(_JS_ESCAPES[char])
        elif char < " ":
            out.append(f"\\u00{ord(char):02X}")
        elif char.isascii() or char.isprintable():
            out.append(char)
        else:
            out.append(f"\\u{ord(char):04X}")
    return "".join(out)


def _urlquery(*args: Any) -> str:
    return urllib.parse.quote_plus(_eval_args(args), safe="")


def _print(*args: Any) -> str:
    return _sprint([_unbox_any(a) for a in args])


def _printf(text: str, *args: Any) -> str:
    return _Printf([_unbox_any(a) for a in args]).run(text)


def _println(*args: Any) -> str:
    return _sprintln([_unbox_any(a) for a in args])


def _exists(item: Any, *indices: Any) -> bool:
    """kubectl's exists: whether ``index`` would find a non-nil value."""
    value = _unbox_any(item)
    current: Any = _NO_VALUE if value is None else value
    for raw in indices:
        index = _unbox_any(raw)
        current, is_nil = _indirect(current)
        if is_nil:
            return False
        if isinstance(current, (list, str)):
            if not _is_go_int(index):
                return False
            data = current if isinstance(current, list) else _go_string_bytes(current)
            if index < 0 or index >= len(data):
                return False
            current = _Box(data[index]) if isinstance(data, list) else _Uint8(data[index])
        elif isinstance(current, dict):
            key = "" if index is None else index  # a nil key is the key type's zero
            if not isinstance(key, str):
                return False
            current = _Box(current.get(key))
        else:
            return False
    return not _indirect(current)[1]


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUES = {ord(c): i for i, c in enumerate(_B64)}


def _go_base64_decode(text: str) -> bytes:
    """encoding/base64.StdEncoding.DecodeString, with Go's error offsets (it skips
    newlines, and wants its padding)."""
    src = _go_string_bytes(text)
    out = bytearray()
    si, n = 0, len(src)

    def corrupt(offset: int) -> _CallError:
        return _CallError(f"base64 decode failed: illegal base64 data at input byte {offset}")

    while True:
        quantum = [0, 0, 0, 0]
        size = 4
        j = 0
        finished = False
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise corrupt(si - j)
            byte = src[si]
            si += 1
            if byte in _B64_VALUES:
                quantum[j] = _B64_VALUES[byte]
                j += 1
                continue
            if byte in (10, 13):
                continue
            if byte != ord("="):
                raise corrupt(si - 1)
            if j in (0, 1):
                raise corrupt(si - 1)
            if j == 2:  # "==" is expected
                while si < n and src[si] in (10, 13):
                    si += 1
                if si == n:
                    raise corrupt(n)
                if src[si] != ord("="):
                    raise corrupt(si - 1)
                si += 1
            while si < n and src[si] in (10, 13):
                si += 1
            if si < n:
                raise corrupt(si)  # trailing garbage
            size, finished = j, True
            break
        value = quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3]
        out += bytes([value >> 16 & 0xFF, value >> 8 & 0xFF, value & 0xFF])[: size - 1]
        if finished:
            return bytes(out)


def _base64decode(text: str) -> str:
    return _go_string(_go_base64_decode(text))


def _special(*_: Any) -> Any:  # and, or and call: evaluated by the executor
    raise AssertionError("unreachable")


_FUNCS: dict[str, _Func] = {
    "and": _Func((_VALUE,), _VALUE, _special),
    "call": _Func((_VALUE,), _VALUE, _special),
    "html": _Func((), _ANY, _html),
    "index": _Func((_VALUE,), _VALUE, _index),
    "slice": _Func((_VALUE,), _VALUE, _slice),
    "js": _Func((), _ANY, _js),
    "len": _Func((_VALUE,), None, _len),
    "not": _Func((_VALUE,), None, _not),
    "or": _Func((_VALUE,), _VALUE, _special),
    "print": _Func((), _ANY, _print),
    "printf": _Func((_STRING,), _ANY, _printf),
    "println": _Func((), _ANY, _println),
    "urlquery": _Func((), _ANY, _urlquery),
    "eq": _Func((_VALUE,), _VALUE, _eq),
    "ge": _Func((_VALUE, _VALUE), None, _ge),
    "gt": _Func((_VALUE, _VALUE), None, _gt),
    "le": _Func((_VALUE, _VALUE), None, _le),
    "lt": _Func((_VALUE, _VALUE), None, _lt),
    "ne": _Func((_VALUE, _VALUE), None, _ne),
    # kubectl's
    "exists": _Func((_ANY,), _ANY, _exists),
    "base64decode": _Func((_STRING,), None, _base64decode),
}
