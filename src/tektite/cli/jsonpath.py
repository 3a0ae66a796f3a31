"""kubectl's JSONPath templates, for ``-o jsonpath=TEMPLATE`` (tkn and kubectl take it).

A port of client-go's ``util/jsonpath`` (its parser and executor) to decoded JSON: the
same grammar — text with ``{…}`` actions holding ``.field`` (``\\.`` escapes a dot),
``[n]``, ``[start:end:step]``, ``[*]``, ``['key']``, unions ``[a,b]``, ``..``
(recursive descent), ``*``, filters ``[?(@.x == "y")]`` (``==``, ``!=``, ``<``,
``<=``, ``>``, ``>=``, or a bare path: "exists"), ``{range …}…{end}`` and quoted
literals (``{"\\n"}``) — with the same errors, and the same output: the results of one
action separated by spaces, maps and lists as ``json.Marshal`` writes them (compact,
keys sorted), other values as Go prints them (``<nil>`` for null, Go's float text).

Missing keys yield nothing, as kubectl's printer allows them by default. One
difference, on purpose: ``*`` and ``..`` visit a map's values in the object's order,
where Go's order is random. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from tektite.api.yamlio import dump_json, go_format_float, marshal_json

__all__ = ["JSONPathError", "Template", "parse"]


class JSONPathError(ValueError):
    """A template that does not parse, or one that fails on the data."""


# -- the syntax tree ------------------------------------------------------------------


@dataclass(eq=False)
class _List:
    nodes: list[Node] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class _Text:
    text: str


@dataclass(frozen=True, eq=False)
class _Field:
    name: str


@dataclass(frozen=True)
class _Bound:
    value: int = 0
    known: bool = False
    derived: bool = False
    """The end of ``[n]``: ``n + 1``, which ``[-1]`` turns into the length."""


@dataclass(frozen=True, eq=False)
class _Array:
    start: _Bound
    end: _Bound
    step: _Bound


@dataclass(frozen=True, eq=False)
class _Filter:
    left: _List
    right: _List
    operator: str


@dataclass(frozen=True, eq=False)
class _Literal:
    value: bool | int | float


@dataclass(frozen=True, eq=False)
class _Wildcard:
    pass


@dataclass(frozen=True, eq=False)
class _Recursive:
    pass


@dataclass(frozen=True, eq=False)
class _Union:
    lists: list[_List]


@dataclass(frozen=True, eq=False)
class _Identifier:
    name: str


Node: TypeAlias = (
    _List | _Text | _Field | _Array | _Filter | _Literal | _Wildcard | _Recursive | _Union
) | _Identifier


# -- parsing --------------------------------------------------------------------------

_DICT_KEY = re.compile(r"'([^']*)'")
_SLICE = re.compile(r"(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?")
_COMPARISON = re.compile(r"([^!<>=]+)([!<>=]+)(.+?)")
_TERMINATORS = frozenset(" \t\r\n.,[]$@{}")
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}


def parse(template: str) -> Template:
    """The template, parsed; ``JSONPathError`` says why it does not parse (client-go's
    messages: ``unterminated array``, ``unclosed action``…)."""
    return Template(template, _Parser(template).parse())


def _parse_action(text: str) -> _List:
    """client-go's ``parseAction``: ``text`` parsed as the inside of one action."""
    first = _Parser("{" + text + "}").parse().nodes[0]
    assert isinstance(first, _List)
    return first


def _is_alphanumeric(char: str) -> bool:
    return char == "_" or char.isalpha() or char.isdecimal()


def _go_rune(char: str) -> str:
    """Go's ``%#U``: ``U+0021 '!'``."""
    code = f"U+{ord(char):04X}"
    return f"{code} '{char}'" if char.isprintable() else code


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.start = 0
        self.width = 0

    # The scanner: ``next`` returns "" at the end; ``backup`` undoes one ``next``.
    def next(self) -> str:
        if self.pos >= len(self.text):
            self.width = 0
            return ""
        self.width = 1
        self.pos += 1
        return self.text[self.pos - 1]

    def peek(self) -> str:
        char = self.next()
        self.backup()
        return char

    def backup(self) -> None:
        self.pos -= self.width

    def consume(self) -> str:
        value = self.text[self.start : self.pos]
        self.start = self.pos
        return value

    def parse(self) -> _List:
        root = _List()
        while True:
            opening = self.text.find("{", self.pos)
            if opening < 0:
                if self.pos < len(self.text):
                    root.nodes.append(_Text(self.text[self.pos :]))
                return root
            if opening > self.start:
                root.nodes.append(_Text(self.text[self.start : opening]))
            self.pos = self.start = opening + 1
            action = _List()
            root.nodes.append(action)
            self._inside_action(action)

    def _inside_action(self, cur: _List) -> None:
        while True:
            if self.text.startswith("}", self.pos):
                self.pos += 1
                self.start = self.pos
                return
            if self.text.startswith("[?(", self.pos):
                self._filter(cur)
                continue
            if self.text.startswith("..", self.pos):
                self._recursive(cur)
                continue
            char = self.next()
            if char in ("", "\r", "\n"):
                raise JSONPathError("unclosed action")
            if char in " @$":  # a space, or the current object: nothing to add
                self.consume()
            elif char == "[":
                self._array(cur)
            elif char in "\"'":
                self._quote(cur, char)
            elif char == ".":
                self._field(cur)
            elif char in "+-" or char.isdecimal():
                self.backup()
                self._number(cur)
            elif _is_alphanumeric(char):
                self.backup()
                self._identifier(cur)
            else:
                raise JSONPathError(f"unrecognized character in action: {_go_rune(char)}")

    def _identifier(self, cur: _List) -> None:
        while True:
            char = self.next()
            if char == "" or char in _TERMINATORS:
                self.backup()
                break
        value = self.consume()
        cur.nodes.append(
            _Literal(value == "true") if value in ("true", "false") else _Identifier(value)
        )

    def _recursive(self, cur: _List) -> None:
        if cur.nodes and isinstance(cur.nodes[-1], _Recursive):
            raise JSONPathError("invalid multiple recursive descent")
        self.pos += 2
        self.consume()
        cur.nodes.append(_Recursive())
        if _is_alphanumeric(self.peek()):
            self._field(cur)

    def _number(self, cur: _List) -> None:
        if self.peek() in ("+", "-"):
            self.next()
        while True:
            char = self.next()
            if char != "." and not char.isdecimal():
                self.backup()
                break
        value = self.consume()
        number: int | float
        try:
            number = int(value)
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                raise JSONPathError(f"cannot parse number {value}") from None
        cur.nodes.append(_Literal(number))

    def _array(self, cur: _List) -> None:
        while True:
            char = self.next()
            if char in ("", "\n"):
                raise JSONPathError("unterminated array")
            if char == "]":
                break
        text = self.consume()[1:-1]
        if text == "*":
            text = ":"
        parts = text.split(",")
        if len(parts) > 1:
            cur.nodes.append(_Union([_parse_action(f"[{part.strip(' ')}]") for part in parts]))
            return
        key = _DICT_KEY.fullmatch(text)
        if key is not None:
            cur.nodes.extend(_parse_action("." + key.group(1)).nodes)
            return
        found = _SLICE.fullmatch(text)
        if found is None:
            raise JSONPathError(f"invalid array index {text}")
        bounds: list[_Bound] = []
        for i, group in enumerate(found.groups()):
            if group:
                number = group[1:] if i > 0 else group
                if i > 0 and not number:
                    bounds.append(_Bound())
                    continue
                try:
                    bounds.append(_Bound(int(number), known=True))
                except ValueError:
                    raise JSONPathError(f"array index {number} is not a number") from None
            elif i == 1:
                bounds.append(_Bound(bounds[0].value + 1, known=True, derived=True))
            else:
                bounds.append(_Bound())
        cur.nodes.append(_Array(*bounds))

    def _filter(self, cur: _List) -> None:
        self.pos += len("[?(")
        self.consume()
        begin = end = False
        pair = ""
        while True:
            char = self.next()
            if char in ("", "\n"):
                raise JSONPathError("unterminated filter")
            if char in "\"'":
                if not begin:
                    begin, pair = True, char
                    continue
                if self.text[self.pos - 2] != "\\" and char == pair:
                    end = True
            elif char == ")" and begin == end:
                break
        if self.next() != "]":
            raise JSONPathError("unclosed array expect ]")
        text = self.consume()[:-2]
        comparison = _COMPARISON.fullmatch(text)
        if comparison is None:
            cur.nodes.append(_Filter(_parse_action(text), _List(), "exists"))
        else:
            left, operator, right = comparison.groups()
            cur.nodes.append(_Filter(_parse_action(left), _parse_action(right), operator))

    def _quote(self, cur: _List, end: str) -> None:
        while True:
            char = self.next()
            if char in ("", "\n"):
                raise JSONPathError("unterminated quoted string")
            if char == end and self.text[self.pos - 2] != "\\":
                break
        value = self.consume()
        try:
            cur.nodes.append(_Text(_unquote(value)))
        except ValueError:
            raise JSONPathError(f"unquote string {value} error invalid syntax") from None

    def _field(self, cur: _List) -> None:
        self.consume()
        while True:
            char = self.next()
            if char == "\\":
                self.next()
            elif char == "" or char in _TERMINATORS:
                self.backup()
                break
        value = self.consume()
        cur.nodes.append(_Wildcard() if value == "*" else _Field(value.replace("\\", "")))


def _unquote(quoted: str) -> str:
    """client-go's ``UnquoteExtend``: Go's ``strconv.Unquote`` for ``"…"`` and ``'…'``
    alike. Raises ValueError on what Go refuses."""
    quote, body = quoted[0], quoted[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == quote:
            raise ValueError(quoted)
        if char != "\\":
            out.append(char)
            i += 1
            continue
        if i + 1 >= len(body):
            raise ValueError(quoted)
        escape = body[i + 1]
        i += 2
        if escape in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[escape])
        elif escape == quote:
            out.append(quote)
        elif escape in "xuU":
            size = {"x": 2, "u": 4, "U": 8}[escape]
            digits = body[i : i + size]
            if len(digits) != size or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError(quoted)
            out.append(chr(int(digits, 16)))
            i += size
        elif escape in "01234567":
            digits = body[i - 1 : i + 2]
            if len(digits) != 3 or not all(c in "01234567" for c in digits):
                raise ValueError(quoted)
            if int(digits, 8) > 255:
                raise ValueError(quoted)
            out.append(chr(int(digits, 8)))
            i += 2
        else:
            raise ValueError(quoted)
    return "".join(out)


# -- execution ------------------------------------------------------------------------


@dataclass
class Template:
    """A parsed template (``parse``)."""

    source: str
    root: _List

    def execute(self, data: Any, *, allow_missing_keys: bool = True, as_json: bool = False) -> str:
        """The template's text for ``data`` (decoded JSON). ``as_json``: each action's
        results as one indented JSON list (``-o jsonpath-as-json``). Raises
        ``JSONPathError`` with client-go's message when the data does not fit."""
        run = _Run(allow_missing_keys)
        out: list[str] = []
        for results in run.find(data, self.root.nodes):
            if as_json:
                out.append(dump_json(list(results), sort_keys=True))
                continue
            out.append(" ".join(_text(value) for value in results))
        return "".join(out)


def _text(value: Any) -> str:
    """A result as client-go prints it: JSON for maps and lists, else ``fmt.Print``."""
    if isinstance(value, (dict, list)):
        return marshal_json(value)
    return _go_print(value)


def _go_print(value: Any) -> str:
    """Go's ``fmt.Print`` of decoded JSON (``%v``): ``map[k:v]`` with sorted keys."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_format_float(value)
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_print(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_print(item) for item in value) + "]"
    return str(value)


def _go_type(value: Any) -> str:
    """The Go type of a decoded JSON value, as client-go's errors name it."""
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    return "string"


def _children(value: Any) -> list[Any]:
    """What ``*`` yields: a map's values, a list's items, a string's bytes (Go indexes
    a string by byte)."""
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return list(value.encode())
    return []


_BOOL, _INT, _FLOAT, _STRING = "bool", "int", "float", "string"


def _kind(value: Any) -> str:
    """text/template's ``basicKind``."""
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, int):
        return _INT
    if isinstance(value, float):
        return _FLOAT
    if isinstance(value, str):
        return _STRING
    raise JSONPathError("invalid type for comparison")


def _equal(left: Any, right: Any) -> bool:
    if _kind(left) != _kind(right):
        raise JSONPathError("incompatible types for comparison")
    return bool(left == right)


def _less(left: Any, right: Any) -> bool:
    kind = _kind(left)
    if kind != _kind(right):
        raise JSONPathError("incompatible types for comparison")
    if kind == _BOOL:
        raise JSONPathError("invalid type for comparison")
    return bool(left < right)


def _not_equal(left: Any, right: Any) -> bool:
    return not _equal(left, right)


def _less_equal(left: Any, right: Any) -> bool:
    return _less(left, right) or _equal(left, right)


def _greater(left: Any, right: Any) -> bool:
    return not _less_equal(left, right)


def _greater_equal(left: Any, right: Any) -> bool:
    return not _less(left, right)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": _equal,
    "!=": _not_equal,
    "<": _less,
    "<=": _less_equal,
    ">": _greater,
    ">=": _greater_equal,
}


class _Run:
    """One execution: client-go's ``JSONPath`` state, ``range`` bookkeeping included."""

    def __init__(self, allow_missing_keys: bool) -> None:
        self.allow_missing_keys = allow_missing_keys
        self.begin_range = 0
        self.in_range = 0
        self.end_range = 0
        self.last_end: Node | None = None

    def find(self, data: Any, nodes: list[Node]) -> list[list[Any]]:
        """``FindResults``: each top-level node's results, ``range`` blocks repeated
        for each value of their range."""
        found: list[list[Any]] = []
        i = 0
        while i < len(nodes):
            node = nodes[i]
            results = self.walk([data], node)
            if 0 < self.end_range <= self.in_range:
                self.end_range -= 1
                self.last_end = node
                break
            if self.begin_range > 0:
                self.begin_range -= 1
                self.in_range += 1
                if results:
                    for value in results:
                        found.extend(self.find(value, nodes[i + 1 :]))
                else:
                    # Still walked, so that the position reaches the range's end.
                    self.find(None, nodes[i + 1 :])
                self.in_range -= 1
                for k in range(i + 1, len(nodes)):
                    if nodes[k] is self.last_end:
                        i = k
                        break
                i += 1
                continue
            found.append(results)
            i += 1
        return found

    def walk(self, values: list[Any], node: Node) -> list[Any]:
        if isinstance(node, _List):
            for inner in node.nodes:
                values = self.walk(values, inner)
            return values
        if isinstance(node, _Text):
            return [node.text]
        if isinstance(node, _Field):
            return self._field(values, node)
        if isinstance(node, _Array):
            return self._array(values, node)
        if isinstance(node, _Filter):
            return self._filter(values, node)
        if isinstance(node, _Literal):
            return [node.value for _ in values]
        if isinstance(node, _Wildcard):
            return [child for value in values if value is not None for child in _children(value)]
        if isinstance(node, _Recursive):
            return self._recursive(values)
        if isinstance(node, _Union):
            return [result for inner in node.lists for result in self.walk(values, inner)]
        return self._identifier(values, node)

    def _identifier(self, values: list[Any], node: _Identifier) -> list[Any]:
        if node.name == "range":
            self.begin_range += 1
            return values
        if node.name == "end":
            if self.in_range > 0:
                self.end_range += 1
                return []
            raise JSONPathError("not in range, nothing to end")
        raise JSONPathError(f"unrecognized identifier {node.name}")

    def _field(self, values: list[Any], node: _Field) -> list[Any]:
        results = [
            value[node.name] for value in values if isinstance(value, dict) and node.name in value
        ]
        if not results and values and not self.allow_missing_keys:
            raise JSONPathError(f"{node.name} is not found")
        return results

    def _array(self, values: list[Any], node: _Array) -> list[Any]:
        results: list[Any] = []
        for value in values:
            if value is None:
                continue
            if not isinstance(value, list):
                raise JSONPathError(f"{_go_type(value)} is not array or slice")
            length = len(value)
            start = node.start.value if node.start.known else 0
            if start < 0:
                start += length
            end = node.end.value if node.end.known else length
            if end < 0 or (end == 0 and node.end.derived):
                end += length
            if end == start:
                return results  # (client-go stops there, whatever values follow)
            if start >= length or start < 0:
                raise JSONPathError(f"array index out of bounds: index {start}, length {length}")
            if end > length or end < 0:
                raise JSONPathError(f"array index out of bounds: index {end - 1}, length {length}")
            if start > end:
                raise JSONPathError(f"starting index {start} is greater than ending index {end}")
            step = 1
            if node.step.known:
                if node.step.value <= 0:
                    raise JSONPathError("step must be > 0")
                step = node.step.value
            results.extend(value[start:end:step])
        return results

    def _recursive(self, values: list[Any]) -> list[Any]:
        results: list[Any] = []
        for value in values:
            if value is None:
                continue
            children = _children(value)
            if children:
                results.append(value)
                results.extend(self._recursive(children))
        return results

    def _filter(self, values: list[Any], node: _Filter) -> list[Any]:
        results: list[Any] = []
        for value in values:
            if not isinstance(value, list):
                raise JSONPathError(
                    f"{_go_print(value)} is not array or slice and cannot be filtered"
                )
            for item in value:
                if node.operator == "exists":
                    try:
                        lefts = self.walk([item], node.left)
                    except JSONPathError:
                        continue
                    if lefts:
                        results.append(item)
                    continue
                lefts = self.walk([item], node.left)
                if not lefts:
                    continue
                if len(lefts) > 1:
                    raise JSONPathError("can only compare one element at a time")
                rights = self.walk([item], node.right)
                if not rights:
                    continue
                if len(rights) > 1:
                    raise JSONPathError("can only compare one element at a time")
                compare = _COMPARE.get(node.operator)
                if compare is None:
                    raise JSONPathError(f"unrecognized filter operator {node.operator}")
                if compare(lefts[0], rights[0]):
                    results.append(item)
        return results
