"""kubectl's Go templates, for ``-o go-template=TEMPLATE`` (tkn and kubectl take it).

A port of Go's ``text/template`` (its lexer, parser and executor, Go 1.25) as kubectl's
``GoTemplatePrinter`` (``k8s.io/cli-runtime/pkg/printers/template.go``) uses it: one
template named ``output``, Go's builtin functions plus kubectl's ``exists`` and
``base64decode``, run on the object as ``json.Unmarshal`` decodes it into
``interface{}`` (so every number is a ``float64``; :meth:`Template.execute` converts).

The grammar is Go's: text and ``{{ }}`` actions, trim markers (``{{- `` and `` -}}``
eat the whitespace next to them), comments ``{{/* */}}``, string literals (``"…"``
with Go's escapes, and raw ``…``), numbers and character constants, ``true``,
``false``, ``nil``, ``.``, fields ``.a.b``, variables ``$``, ``$x``, ``$x.a``,
parenthesized pipelines and ``(…).a``, pipelines with ``|``, declarations
``$x := …`` and assignments ``$x = …``; ``if``/``else if``/``else``, ``range``
(``$i, $e :=``; lists in order, maps by sorted key, integers; ``{{else}}`` when
empty; ``break``/``continue``), ``with``/``else with``/``else``, and ``define``,
``template`` and ``block``. The functions are ``and``, ``or`` (short-circuit: the
deciding operand), ``not``, ``len``, ``index``, ``slice``, ``print``, ``printf``,
``println``, ``eq``, ``ne``, ``lt``, ``le``, ``gt``, ``ge``, ``html``, ``js``,
``urlquery``, ``call``, ``exists`` and ``base64decode``; values print as ``fmt``
prints them (``%v``: ``map[a:1 b:x]`` with sorted keys, ``[a b]``, ``<nil>``,
float64 in Go's shortest ``%g``, so ``1e+06``), and ``printf`` takes Go's verbs,
flags, widths, precisions, ``*`` and ``[n]``.

Semantics follow Go's reflection rules closely, because they show in the output: a
missing map key is Go's invalid value, printed ``<no value>`` (and a field of it is
again no value), while a JSON ``null`` reached through a field is a nil
``interface{}`` (a field of it is the error ``nil pointer evaluating interface
{}.NAME``; printed alone, the pipeline digs it to no value too); a field of a string
or number is ``can't evaluate field NAME in type interface {}``. Parse errors read
``template: output:LINE: MESSAGE`` and execution errors ``template:
output:LINE:COL: executing "output" at <NODE>: MESSAGE`` with Go's byte column, node
text and message.

Known differences from Go, all in rare corners:

- The kubernetes source this follows also gives the printer the ``sprig`` library
  (Masterminds/sprig: ``default``, ``upper``, ``b64enc``…); only kubectl's own two
  functions are here.
- Complex numbers (``1i``, ``1+2i``) are refused at parse time.
- ``slice`` takes a list's capacity to be its length (Go's decoder leaves spare
  capacity that ``slice x 1 N`` can reach into).
- ``printf``: ``%p``, and ``%x``/``%b`` of a float with a precision or a subnormal
  value, are approximate.
- Nesting deeper than Python's stack allows fails with Go's messages (``max
  expression depth exceeded`` when parsing, ``exceeded maximum template depth`` for
  templates that call themselves) before Go's own limits.
- When execution fails, Go has already written the output that came before the
  error; here the error replaces all of it.
- ``base64decode`` output that is not UTF-8 has its bad bytes replaced.
- ``eq``/``lt``' "incompatible types" message names both types, as Go ≥ 1.25 does
  (earlier Go printed only ``incompatible types for comparison``).

Pure: no I/O.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, NoReturn, TypeAlias

from tektite.api.errors import go_quote
from tektite.api.yamlio import go_format_float

__all__ = ["NAME", "GoTemplateError", "Template", "go_value_text", "parse"]

NAME = "output"
"""The name kubectl gives the template; every message carries it."""

_MAX_EXEC_DEPTH = 100000
_MAX_PAREN_DEPTH = 10000


class GoTemplateError(ValueError):
    """A template that does not parse, or one that fails on the data; the message is
    Go's ``err.Error()``."""


# -- values ---------------------------------------------------------------------------
#
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


# -- lexing ---------------------------------------------------------------------------


class _T(IntEnum):
    """text/template/parse's itemType; the keywords come after KEYWORD."""

    ERROR = 0
    BOOL = 1
    CHAR = 2
    CHAR_CONSTANT = 3
    COMMENT = 4
    COMPLEX = 5
    ASSIGN = 6
    DECLARE = 7
    EOF = 8
    FIELD = 9
    IDENTIFIER = 10
    LEFT_DELIM = 11
    LEFT_PAREN = 12
    NUMBER = 13
    PIPE = 14
    RAW_STRING = 15
    RIGHT_DELIM = 16
    RIGHT_PAREN = 17
    SPACE = 18
    STRING = 19
    TEXT = 20
    VARIABLE = 21
    KEYWORD = 22
    BLOCK = 23
    BREAK = 24
    CONTINUE = 25
    DOT = 26
    DEFINE = 27
    ELSE = 28
    END = 29
    IF = 30
    NIL = 31
    RANGE = 32
    TEMPLATE = 33
    WITH = 34


_KEYWORDS = {
    "block": _T.BLOCK,
    "break": _T.BREAK,
    "continue": _T.CONTINUE,
    "define": _T.DEFINE,
    "else": _T.ELSE,
    "end": _T.END,
    "if": _T.IF,
    "range": _T.RANGE,
    "nil": _T.NIL,
    "template": _T.TEMPLATE,
    "with": _T.WITH,
}

_LEFT_DELIM, _RIGHT_DELIM = "{{", "}}"
_LEFT_COMMENT, _RIGHT_COMMENT = "/*", "*/"
_SPACE_CHARS = " \t\r\n"
_TRIM_MARKER_LEN = 2  # the "-" and the space next to it


@dataclass(frozen=True, slots=True)
class _Token:
    typ: _T
    pos: int
    val: str
    line: int

    def __str__(self) -> str:
        # Go's item.String(), which parse errors quote.
        if self.typ == _T.EOF:
            return "EOF"
        if self.typ == _T.ERROR:
            return self.val
        if self.typ > _T.KEYWORD:
            return f"<{self.val}>"
        if len(self.val) > 10:
            return f"{go_quote(self.val[:10])}..."
        return go_quote(self.val)


def _is_space(char: str) -> bool:
    return char != "" and char in _SPACE_CHARS


def _is_alphanumeric(char: str) -> bool:
    return char == "_" or char.isalpha() or char.isdecimal()


def _go_rune(char: str) -> str:
    """Go's ``%#U``: ``U+0021 '!'``."""
    code = f"U+{ord(char):04X}"
    return f"{code} '{char}'" if char.isprintable() else code


def _has_left_trim_marker(text: str, pos: int) -> bool:
    return len(text) >= pos + 2 and text[pos] == "-" and _is_space(text[pos + 1])


def _has_right_trim_marker(text: str, pos: int) -> bool:
    return len(text) >= pos + 2 and _is_space(text[pos]) and text[pos + 1] == "-"


_StateFn: TypeAlias = "Callable[[], _StateFn | None]"


class _Lexer:
    """Go's lexer, driven one item at a time by the parser (so an error further on is
    not seen before a parse error earlier, as in Go). Positions are indexes into the
    text; lines count from 1."""

    def __init__(self, text: str) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.at_eof = False
        self.paren_depth = 0
        self.line = 1
        self.start_line = 1
        self.item = _Token(_T.EOF, 0, "EOF", 1)
        self.inside_action = False

    def next_item(self) -> _Token:
        self.item = _Token(_T.EOF, self.pos, "EOF", self.start_line)
        state: _StateFn | None = self._inside if self.inside_action else self._text
        while state is not None:
            state = state()
        return self.item

    # The scanner. next returns "" at the end.
    def _next(self) -> str:
        if self.pos >= len(self.input):
            self.at_eof = True
            return ""
        char = self.input[self.pos]
        self.pos += 1
        if char == "\n":
            self.line += 1
        return char

    def _peek(self) -> str:
        char = self._next()
        self._backup()
        return char

    def _backup(self) -> None:
        if not self.at_eof and self.pos > 0:
            self.pos -= 1
            if self.input[self.pos] == "\n":
                self.line -= 1

    def _this_item(self, typ: _T) -> _Token:
        item = _Token(typ, self.start, self.input[self.start : self.pos], self.start_line)
        self.start = self.pos
        self.start_line = self.line
        return item

    def _emit(self, typ: _T) -> None:
        self.item = self._this_item(typ)

    def _emit_item(self, item: _Token) -> None:
        self.item = item

    def _ignore(self) -> None:
        self.line += self.input.count("\n", self.start, self.pos)
        self.start = self.pos
        self.start_line = self.line

    def _accept(self, valid: str) -> bool:
        char = self._next()
        if char != "" and char in valid:
            return True
        self._backup()
        return False

    def _accept_run(self, valid: str) -> None:
        while True:
            char = self._next()
            if char == "" or char not in valid:
                break
        self._backup()

    def _errorf(self, message: str) -> None:
        self.item = _Token(_T.ERROR, self.start, message, self.start_line)
        # Go empties the input so that the next item is EOF.
        self.start = self.pos = 0
        self.input = ""

    def _at_right_delim(self) -> tuple[bool, bool]:
        if _has_right_trim_marker(self.input, self.pos) and self.input.startswith(
            _RIGHT_DELIM, self.pos + _TRIM_MARKER_LEN
        ):
            return True, True
        if self.input.startswith(_RIGHT_DELIM, self.pos):
            return True, False
        return False, False

    def _at_terminator(self) -> bool:
        char = self._peek()
        if _is_space(char) or char in ("", ".", ",", "|", ":", ")", "("):
            return True
        return self.input.startswith(_RIGHT_DELIM, self.pos)

    # State functions: each returns the next one, or None once it has set self.item.
    def _text(self) -> _StateFn | None:
        x = self.input.find(_LEFT_DELIM, self.pos)
        if x >= 0:
            if x > self.pos:
                self.pos = x
                trim = 0
                if _has_left_trim_marker(self.input, self.pos + len(_LEFT_DELIM)):
                    text = self.input[self.start : self.pos]
                    trim = len(text) - len(text.rstrip(_SPACE_CHARS))
                self.pos -= trim
                self.line += self.input.count("\n", self.start, self.pos)
                item = self._this_item(_T.TEXT)
                self.pos += trim
                self._ignore()
                if item.val:
                    self._emit_item(item)
                    return None
            return self._left_delim
        self.pos = len(self.input)
        if self.pos > self.start:
            self.line += self.input.count("\n", self.start, self.pos)
            self._emit(_T.TEXT)
            return None
        self._emit(_T.EOF)
        return None

    def _left_delim(self) -> _StateFn | None:
        self.pos += len(_LEFT_DELIM)
        after = _TRIM_MARKER_LEN if _has_left_trim_marker(self.input, self.pos) else 0
        if self.input.startswith(_LEFT_COMMENT, self.pos + after):
            self.pos += after
            self._ignore()
            return self._comment
        item = self._this_item(_T.LEFT_DELIM)
        self.inside_action = True
        self.pos += after
        self._ignore()
        self.paren_depth = 0
        self._emit_item(item)
        return None

    def _comment(self) -> _StateFn | None:
        self.pos += len(_LEFT_COMMENT)
        x = self.input.find(_RIGHT_COMMENT, self.pos)
        if x < 0:
            self._errorf("unclosed comment")
            return None
        self.pos = x + len(_RIGHT_COMMENT)
        delim, trim = self._at_right_delim()
        if not delim:
            self._errorf("comment ends before closing delimiter")
            return None
        self.line += self.input.count("\n", self.start, self.pos)
        self._this_item(_T.COMMENT)  # kubectl does not parse comments into the tree
        if trim:
            self.pos += _TRIM_MARKER_LEN
        self.pos += len(_RIGHT_DELIM)
        if trim:
            self.pos += self._left_trim_length()
        self._ignore()
        return self._text

    def _left_trim_length(self) -> int:
        rest = self.input[self.pos :]
        return len(rest) - len(rest.lstrip(_SPACE_CHARS))

    def _right_delim(self) -> _StateFn | None:
        _, trim = self._at_right_delim()
        if trim:
            self.pos += _TRIM_MARKER_LEN
            self._ignore()
        self.pos += len(_RIGHT_DELIM)
        item = self._this_item(_T.RIGHT_DELIM)
        if trim:
            self.pos += self._left_trim_length()
            self._ignore()
        self.inside_action = False
        self._emit_item(item)
        return None

    def _inside(self) -> _StateFn | None:
        delim, _ = self._at_right_delim()
        if delim:
            if self.paren_depth == 0:
                return self._right_delim
            self._errorf("unclosed left paren")
            return None
        char = self._next()
        if char == "":
            self._errorf("unclosed action")
            return None
        if _is_space(char):
            self._backup()  # the space may start " -}}"
            return self._space
        simple = {"=": _T.ASSIGN, "|": _T.PIPE}
        if char in simple:
            self._emit(simple[char])
            return None
        if char == ":":
            if self._next() != "=":
                self._errorf("expected :=")
                return None
            self._emit(_T.DECLARE)
            return None
        quotes = {'"': self._quote, "`": self._raw_quote, "$": self._variable, "'": self._char}
        if char in quotes:
            return quotes[char]
        if char == ".":
            # ".field", unless a digit follows: then "." starts a number.
            if self.pos < len(self.input) and not ("0" <= self.input[self.pos] <= "9"):
                return self._field
            self._backup()
            return self._number
        if char in "+-" or "0" <= char <= "9":
            self._backup()
            return self._number
        if _is_alphanumeric(char):
            self._backup()
            return self._identifier
        if char == "(":
            self.paren_depth += 1
            self._emit(_T.LEFT_PAREN)
            return None
        if char == ")":
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self._errorf("unexpected right paren")
                return None
            self._emit(_T.RIGHT_PAREN)
            return None
        if char.isascii() and char.isprintable():
            self._emit(_T.CHAR)
            return None
        self._errorf(f"unrecognized character in action: {_go_rune(char)}")
        return None

    def _space(self) -> _StateFn | None:
        count = 0
        while _is_space(self._peek()):
            self._next()
            count += 1
        # A trim-marked closing delimiter starts with a space: leave that one to it.
        if _has_right_trim_marker(self.input, self.pos - 1) and self.input.startswith(
            _RIGHT_DELIM, self.pos - 1 + _TRIM_MARKER_LEN
        ):
            self._backup()
            if count == 1:
                return self._right_delim
        self._emit(_T.SPACE)
        return None

    def _identifier(self) -> _StateFn | None:
        while True:
            char = self._next()
            if _is_alphanumeric(char):
                continue
            self._backup()
            word = self.input[self.start : self.pos]
            if not self._at_terminator():
                self._errorf(f"bad character {_go_rune(char)}")
                return None
            if word in _KEYWORDS:
                self._emit(_KEYWORDS[word])
            elif word in ("true", "false"):
                self._emit(_T.BOOL)
            else:
                self._emit(_T.IDENTIFIER)
            return None

    def _field(self) -> _StateFn | None:
        return self._field_or_variable(_T.FIELD)

    def _variable(self) -> _StateFn | None:
        if self._at_terminator():  # "$" alone
            self._emit(_T.VARIABLE)
            return None
        return self._field_or_variable(_T.VARIABLE)

    def _field_or_variable(self, typ: _T) -> _StateFn | None:
        if self._at_terminator():  # "." or "$" alone
            self._emit(_T.VARIABLE if typ == _T.VARIABLE else _T.DOT)
            return None
        while True:
            char = self._next()
            if not _is_alphanumeric(char):
                self._backup()
                break
        if not self._at_terminator():
            self._errorf(f"bad character {_go_rune(char)}")
            return None
        self._emit(typ)
        return None

    def _quoted(self, quote: str, typ: _T, message: str) -> _StateFn | None:
        while True:
            char = self._next()
            if char == "\\":
                if self._next() not in ("", "\n"):
                    continue
                self._errorf(message)
                return None
            if char in ("", "\n"):
                self._errorf(message)
                return None
            if char == quote:
                break
        self._emit(typ)
        return None

    def _char(self) -> _StateFn | None:
        return self._quoted("'", _T.CHAR_CONSTANT, "unterminated character constant")

    def _quote(self) -> _StateFn | None:
        return self._quoted('"', _T.STRING, "unterminated quoted string")

    def _raw_quote(self) -> _StateFn | None:
        while True:
            char = self._next()
            if char == "":
                self._errorf("unterminated raw quoted string")
                return None
            if char == "`":
                break
        self._emit(_T.RAW_STRING)
        return None

    def _number(self) -> _StateFn | None:
        if not self._scan_number():
            self._errorf(f"bad number syntax: {go_quote(self.input[self.start : self.pos])}")
            return None
        if self._peek() in ("+", "-"):
            # A complex constant, 1+2i: no spaces, and it must end in "i".
            if not self._scan_number() or self.input[self.pos - 1] != "i":
                self._errorf(f"bad number syntax: {go_quote(self.input[self.start : self.pos])}")
                return None
            self._emit(_T.COMPLEX)
            return None
        self._emit(_T.NUMBER)
        return None

    def _scan_number(self) -> bool:
        self._accept("+-")
        digits = "0123456789_"
        if self._accept("0"):
            if self._accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self._accept("oO"):
                digits = "01234567_"
            elif self._accept("bB"):
                digits = "01_"
        self._accept_run(digits)
        if self._accept("."):
            self._accept_run(digits)
        if len(digits) == 10 + 1 and self._accept("eE"):
            self._accept("+-")
            self._accept_run("0123456789_")
        if len(digits) == 16 + 6 + 1 and self._accept("pP"):
            self._accept("+-")
            self._accept_run("0123456789_")
        self._accept("i")
        if _is_alphanumeric(self._peek()):
            self._next()
            return False
        return True


# -- literals -------------------------------------------------------------------------

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
_HEX = "0123456789abcdefABCDEF"


def _unquote_char(text: str, quote: str) -> tuple[int, bool, str]:
    """Go's ``strconv.UnquoteChar``: the value of the first character of ``text``,
    whether it is a single byte (``\\x`` and octal escapes are) rather than a rune,
    and the rest. Raises ValueError ("invalid syntax")."""
    char = text[0]
    if char == quote and quote in "'\"":
        raise ValueError("invalid syntax")
    if char != "\\":
        return ord(char), False, text[1:]
    if len(text) <= 1:
        raise ValueError("invalid syntax")
    escape, rest = text[1], text[2:]
    if escape in _SIMPLE_ESCAPES:
        return ord(_SIMPLE_ESCAPES[escape]), False, rest
    if escape in "xuU":
        size = {"x": 2, "u": 4, "U": 8}[escape]
        digits = rest[:size]
        if len(digits) < size or not all(c in _HEX for c in digits):
            raise ValueError("invalid syntax")
        code = int(digits, 16)
        if escape == "x":
            return code, True, rest[size:]
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise ValueError("invalid syntax")
        return code, False, rest[size:]
    if escape in "01234567":
        digits = escape + rest[:2]
        if len(digits) < 3 or not all(c in "01234567" for c in digits):
            raise ValueError("invalid syntax")
        code = int(digits, 8)
        if code > 255:
            raise ValueError("invalid syntax")
        return code, True, rest[2:]
    if escape in "'\"":
        if escape != quote:
            raise ValueError("invalid syntax")
        return ord(escape), False, rest
    raise ValueError("invalid syntax")


def _go_unquote(quoted: str) -> str:
    """Go's ``strconv.Unquote`` of a string literal; raises ValueError."""
    if len(quoted) < 2 or quoted[0] != quoted[-1]:
        raise ValueError("invalid syntax")
    quote, body = quoted[0], quoted[1:-1]
    if quote == "`":
        if "`" in body:
            raise ValueError("invalid syntax")
        return body.replace("\r", "")  # Go drops carriage returns from raw strings
    if quote != '"' or "\n" in body:
        raise ValueError("invalid syntax")
    out = bytearray()
    while body:
        code, is_byte, body = _unquote_char(body, quote)
        out += bytes([code]) if is_byte else _go_string_bytes(chr(code))
    return _go_string(bytes(out))


def _underscore_ok(text: str) -> bool:
    """strconv's underscoreOK: underscores only between digits (a base prefix counts
    as a digit)."""
    saw = "^"
    i = 0
    if text[:1] in ("+", "-"):
        text = text[1:]
    hexadecimal = False
    if len(text) >= 2 and text[0] == "0" and text[1].lower() in "box":
        i, saw, hexadecimal = 2, "0", text[1].lower() == "x"
    while i < len(text):
        char = text[i]
        i += 1
        if char.isdigit() or (hexadecimal and char.lower() in "abcdef"):
            saw = "0"
            continue
        if char == "_":
            if saw != "0":
                return False
            saw = "_"
            continue
        if saw == "_":
            return False
        saw = "!"
    return saw != "_"


def _go_parse_uint(text: str) -> int | None:
    """strconv.ParseUint(text, 0, 64)."""
    if not text or text[0] in "+-":
        return None
    if "_" in text and not _underscore_ok(text):
        return None
    digits, base = text.replace("_", ""), 10
    if len(digits) > 1 and digits[0] == "0":
        prefix = digits[1].lower()
        base = {"x": 16, "o": 8, "b": 2}.get(prefix, 8)
        digits = digits[2:] if prefix in "xob" else digits[1:]
    if not digits:
        return None
    try:
        value = int(digits, base)
    except ValueError:
        return None
    return value if value < 1 << 64 else None


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64)."""
    negative = text[:1] == "-"
    body = text[1:] if text[:1] in ("+", "-") else text
    value = _go_parse_uint(body)
    if value is None:
        return None
    value = -value if negative else value
    return value if -(1 << 63) <= value < 1 << 63 else None


def _go_parse_float(text: str) -> float | None:
    """strconv.ParseFloat(text, 64) for what the lexer lets through."""
    if "_" in text and not _underscore_ok(text):
        return None
    body = text.replace("_", "")
    try:
        if body.lstrip("+-")[:2].lower() == "0x":
            value = float.fromhex(body)
        else:
            value = float(body)
    except ValueError:
        return None
    return value if math.isfinite(value) else None  # Go: out of range is an error


# -- the syntax tree ------------------------------------------------------------------


@dataclass(eq=False)
class _ListNode:
    pos: int
    nodes: list[_Node] = field(default_factory=list)

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)


@dataclass(eq=False)
class _TextNode:
    pos: int
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False)
class _PipeNode:
    pos: int
    line: int
    is_assign: bool = False
    decl: list[_VariableNode] = field(default_factory=list)
    cmds: list[_CommandNode] = field(default_factory=list)

    def __str__(self) -> str:
        decl = ", ".join(str(v) for v in self.decl) + " := " if self.decl else ""
        return decl + " | ".join(str(c) for c in self.cmds)


@dataclass(eq=False)
class _ActionNode:
    pos: int
    line: int
    pipe: _PipeNode

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass(eq=False)
class _CommandNode:
    pos: int
    args: list[_Node] = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, _PipeNode) else str(a) for a in self.args)


@dataclass(eq=False)
class _IdentifierNode:
    pos: int
    ident: str

    def __str__(self) -> str:
        return self.ident


@dataclass(eq=False)
class _VariableNode:
    pos: int
    ident: list[str]

    def __str__(self) -> str:
        return ".".join(self.ident)


@dataclass(eq=False)
class _DotNode:
    pos: int

    def __str__(self) -> str:
        return "."


@dataclass(eq=False)
class _NilNode:
    pos: int

    def __str__(self) -> str:
        return "nil"


@dataclass(eq=False)
class _FieldNode:
    pos: int
    ident: list[str]

    def __str__(self) -> str:
        return "".join("." + name for name in self.ident)


@dataclass(eq=False)
class _ChainNode:
    pos: int
    node: _Node
    fields: list[str]

    def __str__(self) -> str:
        head = f"({self.node})" if isinstance(self.node, _PipeNode) else str(self.node)
        return head + "".join("." + name for name in self.fields)


@dataclass(eq=False)
class _BoolNode:
    pos: int
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(eq=False)
class _NumberNode:
    pos: int
    text: str
    value: int | float
    """The ideal constant: float when written with . e or p, else int."""
    overflows: bool = False
    """Only a uint64 holds it: using it fails with "overflows int"."""

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False)
class _StringNode:
    pos: int
    quoted: str
    text: str

    def __str__(self) -> str:
        return self.quoted


@dataclass(eq=False)
class _EndNode:
    pos: int

    def __str__(self) -> str:
        return "{{end}}"


@dataclass(eq=False)
class _ElseNode:
    pos: int
    line: int

    def __str__(self) -> str:
        return "{{else}}"


@dataclass(eq=False)
class _BranchNode:
    """if, range or with."""

    kind: str
    pos: int
    line: int
    pipe: _PipeNode
    list: _ListNode
    else_list: _ListNode | None

    def __str__(self) -> str:
        text = f"{{{{{self.kind} {self.pipe}}}}}{self.list}"
        if self.else_list is not None:
            text += f"{{{{else}}}}{self.else_list}"
        return text + "{{end}}"


@dataclass(eq=False)
class _BreakNode:
    pos: int
    line: int

    def __str__(self) -> str:
        return "{{break}}"


@dataclass(eq=False)
class _ContinueNode:
    pos: int
    line: int

    def __str__(self) -> str:
        return "{{continue}}"


@dataclass(eq=False)
class _TemplateNode:
    pos: int
    line: int
    name: str
    pipe: _PipeNode | None

    def __str__(self) -> str:
        pipe = f" {self.pipe}" if self.pipe is not None else ""
        return f"{{{{template {go_quote(self.name)}{pipe}}}}}"


_Node: TypeAlias = (
    _ListNode
    | _TextNode
    | _PipeNode
    | _ActionNode
    | _CommandNode
    | _IdentifierNode
    | _VariableNode
    | _DotNode
    | _NilNode
    | _FieldNode
    | _ChainNode
    | _BoolNode
    | _NumberNode
    | _StringNode
    | _EndNode
    | _ElseNode
    | _BranchNode
    | _BreakNode
    | _ContinueNode
    | _TemplateNode
)

_NOT_EXECUTABLE = (_BoolNode, _DotNode, _NilNode, _NumberNode, _StringNode)


def _is_empty_tree(node: _Node | None) -> bool:
    """parse.IsEmptyTree: nothing but space (or comments)."""
    if node is None:
        return True
    if isinstance(node, _ListNode):
        return all(_is_empty_tree(n) for n in node.nodes)
    if isinstance(node, _TextNode):
        return not node.text.strip()
    return False


def _number_node(pos: int, text: str, typ: _T) -> _NumberNode:
    """parse's newNumber, then exec's idealConstant (the only way a template uses a
    number here). Raises ValueError with Go's message."""
    if typ == _T.CHAR_CONSTANT:
        code, _, tail = _unquote_char(text[1:], "'")
        if tail != "'":
            raise ValueError(f"malformed character constant: {text}")
        return _NumberNode(pos, text, code)
    if typ == _T.COMPLEX or (text.endswith("i") and _go_parse_float(text[:-1]) is not None):
        raise ValueError(f"complex constants are not supported: {text}")
    unsigned = _go_parse_uint(text)
    signed = _go_parse_int(text)
    is_float = signed is not None or unsigned is not None
    float_value = float(signed if signed is not None else unsigned or 0)
    if not is_float:
        parsed = _go_parse_float(text)
        if parsed is not None:
            if not any(c in text for c in ".eEpP"):
                raise ValueError(f"integer overflow: {go_quote(text)}")
            is_float, float_value = True, parsed
            if float_value == int(float_value) and -(1 << 63) <= float_value < 1 << 63:
                signed = int(float_value)
            if float_value == int(float_value) and 0 <= float_value < 1 << 64:
                unsigned = int(float_value)
    if not is_float:
        raise ValueError(f"illegal number syntax: {go_quote(text)}")
    hex_int = (
        len(text) > 2 and text[0] == "0" and text[1] in "xX" and not any(c in text for c in "pP")
    )
    if not hex_int and any(c in text for c in ".eEpP"):
        return _NumberNode(pos, text, float_value)
    if signed is not None:
        return _NumberNode(pos, text, signed)
    return _NumberNode(pos, text, 0, overflows=True)


class _Tree:
    """One template's parser (Go's parse.Tree); ``define`` and ``block`` bodies get
    their own, sharing the lexer and the set of named trees."""

    def __init__(self, name: str, text: str, lexer: _Lexer, trees: dict[str, _Tree]) -> None:
        self.name = name
        self.text = text
        self.lex = lexer
        self.trees = trees
        self.root = _ListNode(0)
        # Three-token lookahead. token[0] is always the latest item lexed, whose
        # line parse errors report.
        self.token = [_Token(_T.EOF, 0, "EOF", 1)] * 3
        self.peek_count = 0
        self.vars = ["$"]
        self.action_line = 0
        self.range_depth = 0
        self.paren_depth = 0

    # -- the token stream
    def next(self) -> _Token:
        if self.peek_count > 0:
            self.peek_count -= 1
        else:
            self.token[0] = self.lex.next_item()
        return self.token[self.peek_count]

    def backup(self) -> None:
        self.peek_count += 1

    def backup2(self, t1: _Token) -> None:
        self.token[1] = t1
        self.peek_count = 2

    def backup3(self, t2: _Token, t1: _Token) -> None:
        self.token[1] = t1
        self.token[2] = t2
        self.peek_count = 3

    def peek(self) -> _Token:
        if self.peek_count > 0:
            return self.token[self.peek_count - 1]
        self.peek_count = 1
        self.token[0] = self.lex.next_item()
        return self.token[0]

    def next_non_space(self) -> _Token:
        while True:
            token = self.next()
            if token.typ != _T.SPACE:
                return token

    def peek_non_space(self) -> _Token:
        token = self.next_non_space()
        self.backup()
        return token

    # -- errors
    def errorf(self, message: str) -> NoReturn:
        raise GoTemplateError(f"template: {NAME}:{self.token[0].line}: {message}")

    def expect(self, expected: _T, context: str) -> _Token:
        token = self.next_non_space()
        if token.typ != expected:
            self.unexpected(token, context)
        return token

    def unexpected(self, token: _Token, context: str) -> NoReturn:
        if token.typ == _T.ERROR:
            extra = ""
            if self.action_line not in (0, token.line):
                extra = f" in action started at {NAME}:{self.action_line}"
                if token.val.endswith(" action"):
                    extra = extra[len(" in action") :]  # not "action in action"
            self.errorf(f"{token}{extra}")
        self.errorf(f"unexpected {token} in {context}")

    # -- the grammar
    def parse(self) -> None:
        """The top level: text and actions to EOF, and ``define``s."""
        self.root = _ListNode(self.peek().pos)
        while self.peek().typ != _T.EOF:
            if self.peek().typ == _T.LEFT_DELIM:
                delim = self.next()
                if self.next_non_space().typ == _T.DEFINE:
                    _Tree("definition", self.text, self.lex, self.trees).parse_definition()
                    continue
                self.backup2(delim)
            node = self.text_or_action()
            if isinstance(node, (_EndNode, _ElseNode)):
                self.errorf(f"unexpected {node}")
            self.root.nodes.append(node)

    def add(self) -> None:
        """Enter this tree in the set, unless a non-empty one has its name."""
        tree = self.trees.get(self.name)
        if tree is None or _is_empty_tree(tree.root):
            self.trees[self.name] = self
            return
        if not _is_empty_tree(self.root):
            self.errorf(f"template: multiple definition of template {go_quote(self.name)}")

    def parse_definition(self) -> None:
        context = "define clause"
        token = self.next_non_space()
        if token.typ not in (_T.STRING, _T.RAW_STRING):
            self.unexpected(token, context)
        try:
            self.name = _go_unquote(token.val)
        except ValueError as e:
            self.errorf(str(e))
        self.expect(_T.RIGHT_DELIM, context)
        self.root, end = self.item_list()
        if not isinstance(end, _EndNode):
            self.errorf(f"unexpected {end} in {context}")
        self.add()

    def item_list(self) -> tuple[_ListNode, _Node]:
        """Text and actions up to an ``{{end}}`` or ``{{else}}``, returned apart."""
        nodes = _ListNode(self.peek_non_space().pos)
        while self.peek_non_space().typ != _T.EOF:
            node = self.text_or_action()
            if isinstance(node, (_EndNode, _ElseNode)):
                return nodes, node
            nodes.nodes.append(node)
        self.errorf("unexpected EOF")

    def text_or_action(self) -> _Node:
        token = self.next_non_space()
        if token.typ == _T.TEXT:
            return _TextNode(token.pos, token.val)
        if token.typ == _T.LEFT_DELIM:
            self.action_line = token.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        self.unexpected(token, "input")

    def action(self) -> _Node:
        token = self.next_non_space()
        controls: dict[_T, Callable[[], _Node]] = {
            _T.BLOCK: self.block_control,
            _T.ELSE: self.else_control,
            _T.END: self.end_control,
            _T.IF: lambda: self.parse_control("if"),
            _T.RANGE: lambda: self.parse_control("range"),
            _T.TEMPLATE: self.template_control,
            _T.WITH: lambda: self.parse_control("with"),
        }
        if token.typ in controls:
            return controls[token.typ]()
        if token.typ in (_T.BREAK, _T.CONTINUE):
            return self.loop_control(token)
        self.backup()
        token = self.peek()
        # Variables declared here are not popped: they last until the {{end}}.
        return _ActionNode(token.pos, token.line, self.pipeline("command", _T.RIGHT_DELIM))

    def loop_control(self, keyword: _Token) -> _Node:
        name = "{{" + keyword.val + "}}"
        token = self.next_non_space()
        if token.typ != _T.RIGHT_DELIM:
            self.unexpected(token, name)
        if self.range_depth == 0:
            self.errorf(f"{name} outside {{{{range}}}}")
        if keyword.typ == _T.BREAK:
            return _BreakNode(keyword.pos, keyword.line)
        return _ContinueNode(keyword.pos, keyword.line)

    def pipeline(self, context: str, end: _T) -> _PipeNode:
        token = self.peek_non_space()
        pipe = _PipeNode(token.pos, token.line)
        while True:  # declarations: "$x :=", "$x =", "$i, $e :="
            var = self.peek_non_space()
            if var.typ != _T.VARIABLE:
                break
            self.next()
            # Spaces are tokens, so "$x foo" needs three tokens of lookahead to
            # tell an argument from a declaration.
            after = self.peek()
            following = self.peek_non_space()
            if following.typ in (_T.ASSIGN, _T.DECLARE):
                pipe.is_assign = following.typ == _T.ASSIGN
                self.next_non_space()
                pipe.decl.append(_VariableNode(var.pos, var.val.split(".")))
                self.vars.append(var.val)
            elif following.typ == _T.CHAR and following.val == ",":
                self.next_non_space()
                pipe.decl.append(_VariableNode(var.pos, var.val.split(".")))
                self.vars.append(var.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (_T.VARIABLE, _T.RIGHT_DELIM, _T.RIGHT_PAREN):
                        continue  # the second variable of a range
                    self.errorf("range can only initialize variables")
                self.errorf(f"too many declarations in {context}")
            elif after.typ == _T.SPACE:
                self.backup3(var, after)
            else:
                self.backup2(var)
            break
        while True:
            token = self.next_non_space()
            if token.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if token.typ in (
                _T.BOOL,
                _T.CHAR_CONSTANT,
                _T.COMPLEX,
                _T.DOT,
                _T.FIELD,
                _T.IDENTIFIER,
                _T.NUMBER,
                _T.NIL,
                _T.RAW_STRING,
                _T.STRING,
                _T.VARIABLE,
                _T.LEFT_PAREN,
            ):
                self.backup()
                pipe.cmds.append(self.command())
            else:
                self.unexpected(token, context)

    def check_pipeline(self, pipe: _PipeNode, context: str) -> None:
        if not pipe.cmds:
            self.errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            if isinstance(cmd.args[0], _NOT_EXECUTABLE):
                self.errorf(f"non executable command in pipeline stage {i + 2}")

    def parse_control(self, context: str) -> _BranchNode:
        """if, range and with: the pipeline, the list, and the else list."""
        mark = len(self.vars)
        try:
            pipe = self.pipeline(context, _T.RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            body, next_node = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(next_node, _ElseNode):
                # "{{else if …}}" is "{{else}}{{if …}}…{{end}}" whose {{end}} also
                # ends this one; likewise "{{else with …}}".
                if context in ("if", "with") and self.peek().typ == (
                    _T.IF if context == "if" else _T.WITH
                ):
                    self.next()
                    else_list = _ListNode(next_node.pos, [self.parse_control(context)])
                else:
                    else_list, next_node = self.item_list()
                    if not isinstance(next_node, _EndNode):
                        self.errorf(f"expected end; found {next_node}")
            return _BranchNode(context, pipe.pos, pipe.line, pipe, body, else_list)
        finally:
            del self.vars[mark:]

    def end_control(self) -> _Node:
        return _EndNode(self.expect(_T.RIGHT_DELIM, "end").pos)

    def else_control(self) -> _Node:
        peek = self.peek_non_space()
        if peek.typ in (_T.IF, _T.WITH):  # left pending for parse_control
            return _ElseNode(peek.pos, peek.line)
        token = self.expect(_T.RIGHT_DELIM, "else")
        return _ElseNode(token.pos, token.line)

    def block_control(self) -> _Node:
        context = "block clause"
        token = self.next_non_space()
        name = self.template_name(token, context)
        pipe = self.pipeline(context, _T.RIGHT_DELIM)
        block = _Tree(name, self.text, self.lex, self.trees)
        block.root, end = block.item_list()
        if not isinstance(end, _EndNode):
            self.errorf(f"unexpected {end} in {context}")
        block.add()
        return _TemplateNode(token.pos, token.line, name, pipe)

    def template_control(self) -> _Node:
        context = "template clause"
        token = self.next_non_space()
        name = self.template_name(token, context)
        pipe = None
        if self.next_non_space().typ != _T.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, _T.RIGHT_DELIM)
        return _TemplateNode(token.pos, token.line, name, pipe)

    def template_name(self, token: _Token, context: str) -> str:
        if token.typ not in (_T.STRING, _T.RAW_STRING):
            self.unexpected(token, context)
        try:
            return _go_unquote(token.val)
        except ValueError as e:
            self.errorf(str(e))

    def command(self) -> _CommandNode:
        """Space-separated operands, up to a ``|`` (consumed) or the end (not)."""
        cmd = _CommandNode(self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            token = self.next()
            if token.typ == _T.SPACE:
                continue
            if token.typ in (_T.RIGHT_DELIM, _T.RIGHT_PAREN):
                self.backup()
            elif token.typ != _T.PIPE:
                self.unexpected(token, "operand")
            break
        if not cmd.args:
            self.errorf("empty command")
        return cmd

    def operand(self) -> _Node | None:
        """A term and the fields that follow it (``.a.b``, ``$x.a``, ``(…).a``)."""
        node = self.term()
        if node is None or self.peek().typ != _T.FIELD:
            return node
        # Go gives the chained node the position of its first following field.
        pos = self.peek().pos
        fields = []
        while self.peek().typ == _T.FIELD:
            fields.append(self.next().val[1:])
        if isinstance(node, _FieldNode):
            return _FieldNode(pos, node.ident + fields)
        if isinstance(node, _VariableNode):
            return _VariableNode(pos, node.ident + fields)
        if isinstance(node, _NOT_EXECUTABLE):
            self.errorf(f"unexpected . after term {go_quote(str(node))}")
        return _ChainNode(pos, node, fields)

    def term(self) -> _Node | None:
        token = self.next_non_space()
        typ = token.typ
        if typ == _T.IDENTIFIER:
            if token.val not in _FUNCS:
                self.errorf(f"function {go_quote(token.val)} not defined")
            return _IdentifierNode(token.pos, token.val)
        if typ == _T.DOT:
            return _DotNode(token.pos)
        if typ == _T.NIL:
            return _NilNode(token.pos)
        if typ == _T.VARIABLE:
            if token.val not in self.vars:
                self.errorf(f"undefined variable {go_quote(token.val)}")
            return _VariableNode(token.pos, [token.val])
        if typ == _T.FIELD:
            return _FieldNode(token.pos, [token.val[1:]])
        if typ == _T.BOOL:
            return _BoolNode(token.pos, token.val == "true")
        if typ in (_T.CHAR_CONSTANT, _T.COMPLEX, _T.NUMBER):
            try:
                return _number_node(token.pos, token.val, typ)
            except ValueError as e:
                self.errorf(str(e))
        if typ == _T.LEFT_PAREN:
            if self.paren_depth >= _MAX_PAREN_DEPTH:
                self.errorf("max expression depth exceeded")
            self.paren_depth += 1
            try:
                return self.pipeline("parenthesized pipeline", _T.RIGHT_PAREN)
            finally:
                self.paren_depth -= 1
        if typ in (_T.STRING, _T.RAW_STRING):
            try:
                return _StringNode(token.pos, token.val, _go_unquote(token.val))
            except ValueError as e:
                self.errorf(str(e))
        self.backup()
        return None


def parse(source: str) -> Template:
    """The template, parsed as kubectl parses it (named ``output``, with its
    functions); ``GoTemplateError`` carries Go's message, e.g. ``template: output:1:
    unclosed action``."""
    trees: dict[str, _Tree] = {}
    tree = _Tree(NAME, source, _Lexer(source), trees)
    try:
        tree.parse()
    except RecursionError:  # Python's stack is shallower than Go's limit
        raise GoTemplateError(
            f"template: {NAME}:{tree.token[0].line}: max expression depth exceeded"
        ) from None
    tree.add()
    return Template(source, {name: t.root for name, t in trees.items()})


# -- fmt ------------------------------------------------------------------------------


@dataclass
class _Spec:
    """One ``%`` directive's flags, width and precision (Go's fmt.fmtFlags)."""

    minus: bool = False
    plus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    plus_v: bool = False
    sharp_v: bool = False
    width: int | None = None
    prec: int | None = None


_PLAIN = _Spec()


def _pad(text: str, spec: _Spec) -> str:
    """fmt's pad: to the width in runes, on the left (zeros with the 0 flag) or right."""
    if not spec.width or len(text) >= spec.width:
        return text
    fill = spec.width - len(text)
    if spec.minus:
        return text + " " * fill
    return ("0" if spec.zero else " ") * fill + text


def _bad_verb(value: Any, verb: str) -> str:
    if value is None:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({_go_type(value)}={_format(value, 'v', _PLAIN, 0)})"


def _fmt_integer(value: int, verb: str, spec: _Spec) -> str:
    base = {"b": 2, "o": 8, "O": 8, "x": 16, "X": 16}.get(verb, 10)
    negative = value < 0
    magnitude = -value if negative else value
    if spec.prec is not None:
        if spec.prec == 0 and value == 0:
            return " " * (spec.width or 0)
        precision = spec.prec
    elif spec.zero and not spec.minus and spec.width:
        precision = spec.width - (1 if negative or spec.plus or spec.space else 0)
    else:
        precision = 0
    digits = {2: f"{magnitude:b}", 8: f"{magnitude:o}", 16: f"{magnitude:x}"}.get(
        base, str(magnitude)
    )
    if verb == "X":
        digits = digits.upper()
    digits = digits.rjust(precision, "0")
    if spec.sharp:
        if base == 2:
            digits = "0b" + digits
        elif base == 8 and not digits.startswith("0"):
            digits = "0" + digits
        elif base == 16:
            digits = ("0X" if verb == "X" else "0x") + digits
    if verb == "O":
        digits = "0o" + digits
    sign = "-" if negative else "+" if spec.plus else " " if spec.space else ""
    # Zero padding was done as precision: pad what is left with spaces.
    return _pad(sign + digits, _Spec(minus=spec.minus, width=spec.width))


def _quote_rune(code: int) -> str:
    """strconv.QuoteRune."""
    char = chr(code) if 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return "'" + go_quote(char)[1:-1] + "'"


def _fmt_int_verb(value: int, verb: str, spec: _Spec) -> str:
    if verb in "vdbOoxX":
        return _fmt_integer(value, "d" if verb == "v" else verb, spec)
    if verb == "c":
        valid = 0 <= value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF
        return _pad(chr(value) if valid else "\ufffd", spec)
    if verb == "q":
        return _pad(_quote_rune(value), spec)
    if verb == "U":
        text = f"U+{value:04X}" if value >= 0 else f"U+{value & (1 << 64) - 1:04X}"
        if spec.sharp and 0 <= value <= 0x10FFFF and chr(value).isprintable():
            text += f" '{chr(value)}'"
        return _pad(text, spec)
    return _bad_verb(value, verb)


def _hex_float(value: float, upper: bool) -> str:
    """strconv's %x of a float64, shortest: ``0x1.8p+01``."""
    if value == 0:
        text = "-0x0p+00" if math.copysign(1.0, value) < 0 else "0x0p+00"
    else:
        mantissa, _, exponent = value.hex().partition("p")
        whole, _, fraction = mantissa.partition(".")
        fraction = fraction.rstrip("0")
        number = int(exponent)
        text = f"{whole}{'.' + fraction if fraction else ''}p{'-' if number < 0 else '+'}"
        text += f"{abs(number):02d}"
    return text.upper() if upper else text


def _ftoa(value: float, verb: str, prec: int) -> str:
    """strconv.FormatFloat(value, verb, prec, 64)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if verb in "gG":
        if prec < 0:
            text = go_format_float(value)
        else:
            text = f"{value:.{max(prec, 1)}g}"  # C's %g is Go's 'g' with a precision
        return text.upper() if verb == "G" else text
    if verb in "eE":
        return f"{value:.{max(prec, 0)}{verb}}"
    if verb in "xX":
        return _hex_float(value, verb == "X")
    if verb == "b":
        if value == 0:
            return "0p-1074"
        mantissa, exponent = math.frexp(abs(value))
        sign = "-" if value < 0 else ""
        return f"{sign}{int(mantissa * (1 << 53))}p{exponent - 53:+d}"
    return f"{value:.{max(prec, 0)}f}"


def _fmt_float(value: float, verb: str, spec: _Spec) -> str:
    defaults = {"v": ("g", -1), "g": ("g", -1), "G": ("G", -1), "x": ("x", -1)}
    defaults |= {"X": ("X", -1), "b": ("b", -1), "e": ("e", 6), "E": ("E", 6)}
    defaults |= {"f": ("f", 6), "F": ("f", 6)}
    if verb not in defaults:
        return _bad_verb(value, verb)
    fmt_verb, prec = defaults[verb]
    if spec.prec is not None:
        prec = spec.prec
    num = _ftoa(value, fmt_verb, prec)
    num = num if num[0] in "+-" else "+" + num
    if spec.space and num[0] == "+" and not spec.plus:
        num = " " + num[1:]
    if num[1] in "IN":  # infinities and NaN are not zero-padded
        if num[1] == "N" and not spec.space and not spec.plus:
            num = num[1:]
        return _pad(num, _Spec(minus=spec.minus, width=spec.width))
    if spec.plus or num[0] != "+":
        if spec.zero and spec.width and spec.width > len(num):
            return num[0] + "0" * (spec.width - len(num)) + num[1:]
        return _pad(num, spec)
    return _pad(num[1:], spec)


def _fmt_sbx(data: bytes, verb: str, spec: _Spec) -> str:
    """fmt's %x / %X of a string's bytes."""
    digits = "0123456789ABCDEF" if verb == "X" else "0123456789abcdef"
    prefix = "0X" if verb == "X" else "0x"
    length = len(data) if spec.prec is None else min(len(data), spec.prec)
    if length == 0:
        return " " * (spec.width or 0)
    width = 2 * length
    if spec.space:
        width = width * 2 if spec.sharp else width
        width += length - 1
    elif spec.sharp:
        width += 2
    out = []
    if spec.width and spec.width > width and not spec.minus:
        out.append(" " * (spec.width - width))
    if spec.sharp:
        out.append(prefix)
    for i in range(length):
        if spec.space and i > 0:
            out.append(" " + (prefix if spec.sharp else ""))
        out.append(digits[data[i] >> 4] + digits[data[i] & 0xF])
    if spec.width and spec.width > width and spec.minus:
        out.append(" " * (spec.width - width))
    return "".join(out)


def _fmt_string(value: str, verb: str, spec: _Spec) -> str:
    if verb == "v" and spec.sharp_v:
        return _pad(go_quote(value), spec)
    if verb in "vs":
        return _pad(value if spec.prec is None else value[: spec.prec], spec)
    if verb in "xX":
        return _fmt_sbx(_go_string_bytes(value), verb, spec)
    if verb == "q":
        text = value if spec.prec is None else value[: spec.prec]
        if spec.sharp and "`" not in text and all(c == "\t" or c.isprintable() for c in text):
            return _pad(f"`{text}`", spec)
        quoted = go_quote(text)
        if spec.plus:
            quoted = quoted.encode("ascii", "backslashreplace").decode()
        return _pad(quoted, spec)
    return _bad_verb(value, verb)


def _format(value: Any, verb: str, spec: _Spec, depth: int) -> str:
    """fmt's printArg (depth 0) and printValue (inside maps and lists) of a value."""
    if value is None:
        if depth > 0:
            return "interface {}(nil)" if spec.sharp_v else "<nil>"
        if verb in "vT":
            return _pad("<nil>", spec)
        return _bad_verb(value, verb)
    if verb == "T" and depth == 0:
        return _pad(_go_type(value), spec)
    if isinstance(value, bool):
        if verb in "tv":
            return _pad("true" if value else "false", spec)
        return _bad_verb(value, verb)
    if isinstance(value, int):
        return _fmt_int_verb(value, verb, spec)
    if isinstance(value, float):
        return _fmt_float(value, verb, spec)
    if isinstance(value, str):
        return _fmt_string(value, verb, spec)
    if isinstance(value, dict):
        items = [
            f"{_format(k, verb, spec, depth + 1)}:{_format(value[k], verb, spec, depth + 1)}"
            for k in sorted(value)
        ]
        if spec.sharp_v:
            return "map[string]interface {}{" + ", ".join(items) + "}"
        return "map[" + " ".join(items) + "]"
    if isinstance(value, list):
        items = [_format(item, verb, spec, depth + 1) for item in value]
        if spec.sharp_v:
            return "[]interface {}{" + ", ".join(items) + "}"
        return "[" + " ".join(items) + "]"
    return _bad_verb(value, verb)


def _sprint(args: list[Any]) -> str:
    """fmt.Sprint: a space between operands when neither is a string."""
    out = []
    previous_string = False
    for i, arg in enumerate(args):
        is_string = isinstance(arg, str)
        if i > 0 and not is_string and not previous_string:
            out.append(" ")
        out.append(_format(arg, "v", _PLAIN, 0))
        previous_string = is_string
    return "".join(out)


def _sprintln(args: list[Any]) -> str:
    return " ".join(_format(arg, "v", _PLAIN, 0) for arg in args) + "\n"


def _parse_num(text: str, start: int) -> tuple[int | None, int]:
    """fmt's parsenum: the decimal number at start, if any, and where it ends."""
    end, number = start, 0
    while end < len(text) and "0" <= text[end] <= "9":
        if number > 1_000_000:  # Go gives up on numbers this large
            return None, len(text)
        number = number * 10 + int(text[end])
        end += 1
    return (number if end > start else None), end


@dataclass
class _Printf:
    """fmt.Sprintf's state: doPrintf."""

    args: list[Any]
    arg_num: int = 0
    reordered: bool = False
    good_arg_num: bool = True

    def arg_number(self, text: str, i: int) -> tuple[int, bool]:
        """An ``[n]`` at i: sets the next argument; returns where it ends and
        whether there was one."""
        if i >= len(text) or text[i] != "[":
            return i, False
        self.reordered = True
        close = text.find("]", i + 1)
        if close < 0:
            self.good_arg_num = False
            return i + 1, False
        number, end = _parse_num(text, i + 1)
        if number is None or end != close:
            self.good_arg_num = False
            return close + 1, False
        if 0 <= number - 1 < len(self.args):
            self.arg_num = number - 1
            return close + 1, True
        self.good_arg_num = False
        return close + 1, True

    def int_from_arg(self) -> int | None:
        """A ``*`` width or precision: the next argument, if it is a Go int."""
        value = None
        if self.arg_num < len(self.args):
            arg = _dig(self.args[self.arg_num])
            if _is_go_int(arg) and -1_000_000 <= arg <= 1_000_000:
                value = int(arg)
            self.arg_num += 1
        return value

    def run(self, text: str) -> str:
        out: list[str] = []
        i, end = 0, len(text)
        while i < end:
            self.good_arg_num = True
            start = i
            while i < end and text[i] != "%":
                i += 1
            out.append(text[start:i])
            if i >= end:
                break
            i += 1
            spec = _Spec()
            while i < end and text[i] in "#0+- ":
                flag = text[i]
                if flag == "#":
                    spec.sharp = True
                elif flag == "0":
                    spec.zero = not spec.minus  # zero padding only on the left
                elif flag == "+":
                    spec.plus = True
                elif flag == "-":
                    spec.minus, spec.zero = True, False
                else:
                    spec.space = True
                i += 1
            i, after_index = self.arg_number(text, i)
            if i < end and text[i] == "*":
                i += 1
                spec.width = self.int_from_arg()
                if spec.width is None:
                    out.append("%!(BADWIDTH)")
                elif spec.width < 0:
                    spec.width, spec.minus, spec.zero = -spec.width, True, False
                after_index = False
            else:
                spec.width, i = _parse_num(text, i)
                if after_index and spec.width is not None:
                    self.good_arg_num = False
            if i < end and text[i] == ".":
                i += 1
                if after_index:
                    self.good_arg_num = False
                i, after_index = self.arg_number(text, i)
                if i < end and text[i] == "*":
                    i += 1
                    spec.prec = self.int_from_arg()
                    if spec.prec is not None and spec.prec < 0:
                        spec.prec = None
                    if spec.prec is None:
                        out.append("%!(BADPREC)")
                    after_index = False
                else:
                    spec.prec, i = _parse_num(text, i)
                    if spec.prec is None:
                        spec.prec = 0
            if not after_index:
                i, after_index = self.arg_number(text, i)
            if i >= end:
                out.append("%!(NOVERB)")
                break
            verb = text[i]
            i += 1
            if verb == "%":
                out.append("%")
            elif not self.good_arg_num:
                out.append(f"%!{verb}(BADINDEX)")
            elif self.arg_num >= len(self.args):
                out.append(f"%!{verb}(MISSING)")
            else:
                if verb == "v":
                    spec.sharp_v, spec.sharp = spec.sharp, False
                    spec.plus_v, spec.plus = spec.plus, False
                out.append(_format(self.args[self.arg_num], verb, spec, 0))
                self.arg_num += 1
        if not self.reordered and self.arg_num < len(self.args):
            extra = [
                "<nil>" if a is None else f"{_go_type(a)}={_format(a, 'v', _PLAIN, 0)}"
                for a in self.args[self.arg_num :]
            ]
            out.append("%!(EXTRA " + ", ".join(extra) + ")")
        return "".join(out)


def go_value_text(data: Any) -> str:
    """Go's ``fmt.Sprintf("%+v", x)`` of decoded JSON once ``json.Unmarshal`` has made
    every number a float64: what kubectl prints as the object given to the template."""
    return _format(_from_json(data), "v", _Spec(plus_v=True), 0)


# -- the functions --------------------------------------------------------------------


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


# -- execution ------------------------------------------------------------------------


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


@dataclass
class Template:
    """A parsed template (``parse``): its text and its named trees."""

    source: str
    trees: dict[str, _ListNode]

    def execute(self, data: Any) -> str:
        """The template's text for ``data`` (decoded JSON: its numbers are made
        float64, as kubectl's JSON round trip makes them). Raises ``GoTemplateError``
        with Go's message when the data does not fit."""
        value = _from_json(data)
        top = _NO_VALUE if value is None else value
        state = _State(self, NAME, [], [("$", top)], 0)
        state.walk(top, self.trees[NAME])
        return "".join(state.out)


class _State:
    """One execution (Go's exec.state): the output, the variable stack, and the node
    being evaluated, for error messages."""

    def __init__(
        self,
        template: Template,
        name: str,
        out: list[str],
        variables: list[tuple[str, Any]],
        depth: int,
    ) -> None:
        self.template = template
        self.name = name
        self.out = out
        self.vars = variables
        self.depth = depth
        self.node: _Node | None = None

    # -- errors
    def at(self, node: _Node) -> None:
        self.node = node

    def errorf(self, message: str) -> NoReturn:
        if self.node is None:
            raise GoTemplateError(f"template: {self.name}: {message}")
        # Go's ErrorContext: the line, and the column as a byte offset in it.
        before = self.template.source[: self.node.pos]
        newline = before.rfind("\n")
        column = len(_go_string_bytes(before[newline + 1 :]))
        line = 1 + before.count("\n")
        raise GoTemplateError(
            f"template: {NAME}:{line}:{column}: executing {go_quote(self.name)} "
            f"at <{self.node}>: {message}"
        )

    # -- variables
    def mark(self) -> int:
        return len(self.vars)

    def pop(self, mark: int) -> None:
        del self.vars[mark:]

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        self.errorf(f"undefined variable: {name}")

    def set_top_var(self, n: int, value: Any) -> None:
        self.vars[-n] = (self.vars[-n][0], value)

    def var_value(self, name: str) -> Any:
        for var, value in reversed(self.vars):
            if var == name:
                return value
        self.errorf(f"undefined variable: {name}")

    # -- walking the tree
    def walk(self, dot: Any, node: _Node) -> None:
        self.at(node)
        if isinstance(node, _ActionNode):
            # Variables declared here persist, and the action prints nothing.
            value = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, value)
        elif isinstance(node, _ListNode):
            for inner in node.nodes:
                self.walk(dot, inner)
        elif isinstance(node, _TextNode):
            self.out.append(node.text)
        elif isinstance(node, _BranchNode):
            if node.kind == "range":
                self.walk_range(dot, node)
            else:
                self.walk_if_or_with(dot, node)
        elif isinstance(node, _BreakNode):
            raise _Break
        elif isinstance(node, _ContinueNode):
            raise _Continue
        elif isinstance(node, _TemplateNode):
            self.walk_template(dot, node)
        else:
            self.errorf(f"unknown node: {node}")

    def walk_if_or_with(self, dot: Any, node: _BranchNode) -> None:
        mark = self.mark()
        try:
            value = self.eval_pipeline(dot, node.pipe)
            if _is_true(_indirect_interface(value)):
                self.walk(value if node.kind == "with" else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            self.pop(mark)

    def walk_range(self, dot: Any, node: _BranchNode) -> None:
        self.at(node)
        outer = self.mark()
        try:
            value = _indirect(self.eval_pipeline(dot, node.pipe))[0]
            mark = self.mark()
            decl = node.pipe.decl
            items: list[tuple[Any, Any]]
            if isinstance(value, list):
                items = list(enumerate(_Box(v) for v in value))
            elif isinstance(value, dict):
                items = [(k, _Box(value[k])) for k in sorted(value)]
            elif _is_go_int(value):  # Go ≥ 1.22 ranges over an integer
                if len(decl) > 1:
                    self.errorf(f"can't use {value} to iterate over more than one variable")
                items = [(i, i) for i in range(value)]
            elif value is _NO_VALUE:  # like an empty map
                items = []
            else:
                self.errorf(f"range can't iterate over {_format(value, 'v', _PLAIN, 0)}")
            try:
                for index, element in items:
                    self.range_once(node, mark, index, element)
            except _Break:
                return
            if not items and node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            self.pop(outer)

    def range_once(self, node: _BranchNode, mark: int, index: Any, element: Any) -> None:
        decl = node.pipe.decl
        if decl:
            if node.pipe.is_assign:
                self.set_var(decl[0].ident[0], index if len(decl) > 1 else element)
            else:
                self.set_top_var(1, element)
        if len(decl) > 1:
            if node.pipe.is_assign:
                self.set_var(decl[1].ident[0], element)
            else:
                self.set_top_var(2, index)
        try:
            self.walk(element, node.list)
        except _Continue:
            pass
        finally:
            self.pop(mark)

    def walk_template(self, dot: Any, node: _TemplateNode) -> None:
        self.at(node)
        tree = self.template.trees.get(node.name)
        if tree is None:
            self.errorf(f"template {go_quote(node.name)} not defined")
        if self.depth == _MAX_EXEC_DEPTH:
            self.errorf(f"exceeded maximum template depth ({_MAX_EXEC_DEPTH})")
        dot = self.eval_pipeline(dot, node.pipe)  # its variables persist here
        # No dynamic scoping: the template sees only $.
        inner = _State(self.template, node.name, self.out, [("$", dot)], self.depth + 1)
        try:
            inner.walk(dot, tree)
        except RecursionError:
            self.errorf(f"exceeded maximum template depth ({_MAX_EXEC_DEPTH})")

    def print_value(self, node: _Node, value: Any) -> None:
        self.at(node)
        if value is _NO_VALUE:
            self.out.append("<no value>")
        else:
            self.out.append(_format(value, "v", _PLAIN, 0))

    # -- evaluating pipelines, commands and their arguments
    def eval_pipeline(self, dot: Any, pipe: _PipeNode | None) -> Any:
        if pipe is None:
            return _NO_VALUE
        self.at(pipe)
        value: Any = _MISSING
        for cmd in pipe.cmds:
            # The previous value is this command's final argument; an interface{}
            # result is dug down to what it holds.
            value = _dig(self.eval_command(dot, cmd, value))
        for var in pipe.decl:
            if pipe.is_assign:
                self.set_var(var.ident[0], value)
            else:
                self.vars.append((var.ident[0], value))
        return value

    def not_a_function(self, args: list[_Node], final: Any) -> None:
        if len(args) > 1 or final is not _MISSING:
            self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: _CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, _FieldNode):
            return self.eval_field_node(dot, first, cmd.args, final)
        if isinstance(first, _ChainNode):
            return self.eval_chain_node(dot, first, cmd.args, final)
        if isinstance(first, _IdentifierNode):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, _PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, _VariableNode):
            return self.eval_variable_node(dot, first, cmd.args, final)
        self.at(first)
        self.not_a_function(cmd.args, final)
        if isinstance(first, _BoolNode):
            return first.value
        if isinstance(first, _DotNode):
            return dot
        if isinstance(first, _NilNode):
            self.errorf("nil is not a command")
        if isinstance(first, _NumberNode):
            return self.ideal_constant(first)
        if isinstance(first, _StringNode):
            return first.text
        self.errorf(f"can't evaluate command {go_quote(str(first))}")

    def ideal_constant(self, node: _NumberNode) -> Any:
        self.at(node)
        if node.overflows:
            self.errorf(f"{node.text} overflows int")
        return node.value

    def eval_field_node(self, dot: Any, node: _FieldNode, args: list[_Node], final: Any) -> Any:
        self.at(node)
        return self.eval_field_chain(dot, dot, node, node.ident, args, final)

    def eval_chain_node(self, dot: Any, node: _ChainNode, args: list[_Node], final: Any) -> Any:
        self.at(node)
        if isinstance(node.node, _NilNode):
            self.errorf(f"indirection through explicit nil in {node}")
        receiver = self.eval_arg(dot, None, node.node)
        return self.eval_field_chain(dot, receiver, node, node.fields, args, final)

    def eval_variable_node(
        self, dot: Any, node: _VariableNode, args: list[_Node], final: Any
    ) -> Any:
        self.at(node)
        value = self.var_value(node.ident[0])
        if len(node.ident) == 1:
            self.not_a_function(args, final)
            return value
        return self.eval_field_chain(dot, value, node, node.ident[1:], args, final)

    def eval_field_chain(
        self,
        dot: Any,
        receiver: Any,
        node: _Node,
        names: list[str],
        args: list[_Node],
        final: Any,
    ) -> Any:
        for name in names[:-1]:
            receiver = self.eval_field(name, [], _MISSING, receiver)
        return self.eval_field(names[-1], args, final, receiver)

    def eval_field(self, name: str, args: list[_Node], final: Any, receiver: Any) -> Any:
        if receiver is _NO_VALUE:  # missingkey=default: no value, no error
            return _NO_VALUE
        typ = _go_type(receiver)
        value, is_nil = _indirect(receiver)
        if is_nil:
            self.errorf(f"nil pointer evaluating {typ}.{name}")
        if isinstance(value, dict):
            if len(args) > 1 or final is not _MISSING:
                self.errorf(f"{name} is not a method but has arguments")
            return _Box(value[name]) if name in value else _NO_VALUE
        self.errorf(f"can't evaluate field {name} in type {typ}")

    def eval_function(
        self,
        dot: Any,
        node: _IdentifierNode,
        cmd: _Node,
        args: list[_Node] | None,
        final: Any,
    ) -> Any:
        self.at(node)
        function = _FUNCS.get(node.ident)
        if function is None:
            self.errorf(f"{go_quote(node.ident)} is not a defined function")
        return self.eval_call(dot, function, cmd, node.ident, args, final)

    def eval_call(
        self,
        dot: Any,
        function: _Func,
        node: _Node,
        name: str,
        arg_nodes: list[_Node] | None,
        final: Any,
    ) -> Any:
        args = arg_nodes[1:] if arg_nodes else []  # the first is the function
        num_in = len(args) + (final is not _MISSING)
        params, variadic = function.params, function.variadic
        if variadic is not None:
            num_fixed = len(params)
            if num_in < num_fixed:
                self.errorf(
                    f"wrong number of args for {name}: want at least {num_fixed} got {len(args)}"
                )
        else:
            num_fixed = len(args)
            if num_in != len(params):
                self.errorf(f"wrong number of args for {name}: want {len(params)} got {num_in}")
        if name in ("and", "or"):
            # They short-circuit, and return the deciding operand itself.
            value: Any = _NO_VALUE
            for arg in args:
                value = self.eval_arg(dot, _VALUE, arg)
                if _truth(value) == (name == "or"):
                    return value
            if final is not _MISSING:
                value = self.validate_type(final, _VALUE)
            return value
        argv = [self.eval_arg(dot, params[i], args[i]) for i in range(min(num_fixed, len(args)))]
        if variadic is not None:
            argv += [self.eval_arg(dot, variadic, arg) for arg in args[num_fixed:]]
        if final is not _MISSING:
            if variadic is None:
                kind = params[-1]
            elif num_in - 1 < num_fixed:
                kind = params[num_in - 1]
            else:
                kind = variadic
            argv.append(self.validate_type(final, kind))
        try:
            if name == "call":
                return self.call(args, argv)
            return function.impl(*argv)
        except _CallError as e:
            self.at(node)
            self.errorf(f"error calling {name}: {e}")

    @staticmethod
    def call(args: list[_Node], argv: list[Any]) -> Any:
        """``call``: the data holds no functions, so it only fails, as Go does."""
        function = _indirect_interface(argv[0])
        if function is _NO_VALUE:
            raise _CallError("call of nil")
        callee = str(args[0]) if args else ""
        raise _CallError(f"non-function {callee} of type {_go_type(function)}")

    def validate_type(self, value: Any, kind: str | None) -> Any:
        """An argument as a parameter of that kind takes it (Go's validateType)."""
        if value is _NO_VALUE:
            if kind is None or kind == _VALUE:
                return _NO_VALUE
            if kind == _ANY:
                return _Box(None)  # the zero interface{}: nil
            self.errorf(f"invalid value; expected {kind}")
        if kind == _STRING:
            inner = value
            if isinstance(value, _Box):
                if value.value is None:
                    self.errorf("wrong type for value; expected string; got interface {}")
                inner = value.value
            if not isinstance(inner, str):
                self.errorf(f"wrong type for value; expected string; got {_go_type(inner)}")
            return inner
        return value

    def eval_arg(self, dot: Any, kind: str | None, node: _Node) -> Any:
        self.at(node)
        if isinstance(node, _DotNode):
            return self.validate_type(dot, kind)
        if isinstance(node, _NilNode):
            if kind == _VALUE:
                return _NO_VALUE
            if kind == _ANY:
                return _Box(None)
            self.errorf(f"cannot assign nil to {kind}")
        if isinstance(node, _FieldNode):
            return self.validate_type(self.eval_field_node(dot, node, [node], _MISSING), kind)
        if isinstance(node, _VariableNode):
            return self.validate_type(self.eval_variable_node(dot, node, [], _MISSING), kind)
        if isinstance(node, _PipeNode):
            return self.validate_type(self.eval_pipeline(dot, node), kind)
        if isinstance(node, _IdentifierNode):
            return self.validate_type(self.eval_function(dot, node, node, None, _MISSING), kind)
        if isinstance(node, _ChainNode):
            return self.validate_type(self.eval_chain_node(dot, node, [], _MISSING), kind)
        if kind == _STRING:
            if isinstance(node, _StringNode):
                return node.text
            self.errorf(f"expected string; found {node}")
        # reflect.Value and interface{} take any constant
        if isinstance(node, _BoolNode):
            return node.value
        if isinstance(node, _NumberNode):
            return self.ideal_constant(node)
        if isinstance(node, _StringNode):
            return node.text
        self.errorf(f"can't handle assignment of {node} to empty interface argument")
