"""The lexer (Go's text/template/parse lex.go): tokens and the state machine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import TypeAlias

from tektite.api.errors import go_quote


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
