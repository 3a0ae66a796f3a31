"""Kubernetes label selectors: parsing, matching, and label key/value validation.

A port of apimachinery's ``labels.Parse`` (``pkg/labels/selector.go``): the same grammar
(``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``, ``a notin (x)``, ``a``, ``!a``, and the
rarely used ``a>1`` / ``a<1``), the same lexer quirks (``in``/``notin`` are plain words
where a value is expected, ``x in ()`` means the empty value) and the same error text,
because ``tkn … --label`` and ``kubectl -l`` users read these messages. Written by hand:
no Python package parses Kubernetes selectors with Kubernetes' messages.

Label key and value validation lives in ``tektite.api.k8s_names``; the store's
metadata checks are ``tektite.api.object_meta``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

import msgspec

from tektite.api.k8s_names import (
    aggregate,
    field_invalid,
    label_key_errors,
    label_value_errors,
)
from tektite.store.errors import InvalidSelector

__all__ = [
    "Operator",
    "Requirement",
    "Selector",
    "label_key_errors",
    "label_value_errors",
    "parse",
    "selector_from_set",
]


# -- selectors -----------------------------------------------------------------------


class Operator(enum.StrEnum):
    """apimachinery's ``selection.Operator`` values."""

    DOES_NOT_EXIST = "!"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    IN = "in"
    NOT_EQUALS = "!="
    NOT_IN = "notin"
    EXISTS = "exists"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


_INT64 = re.compile(r"^[+-]?[0-9]+$")


def _parse_int64(text: str) -> int | None:
    """Go's ``strconv.ParseInt(s, 10, 64)``, or None where Go returns an error."""
    if not _INT64.match(text):
        return None
    n = int(text)
    return n if -(2**63) <= n < 2**63 else None


class Requirement(msgspec.Struct, frozen=True):
    """One ``key op values`` term; ``values`` are sorted and unique, as Kubernetes keeps
    them."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this term (``notin``/``!=`` match absent keys)."""
        op = self.operator
        if op in (Operator.IN, Operator.EQUALS, Operator.DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (Operator.NOT_IN, Operator.NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op is Operator.EXISTS:
            return self.key in labels
        if op is Operator.DOES_NOT_EXIST:
            return self.key not in labels
        if self.key not in labels or len(self.values) != 1:
            return False
        have, want = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
        if have is None or want is None:
            return False
        return have > want if op is Operator.GREATER_THAN else have < want

    def __str__(self) -> str:
        op = self.operator
        if op is Operator.EXISTS:
            return self.key
        if op is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        values = ",".join(self.values)
        if op in (Operator.IN, Operator.NOT_IN):
            return f"{self.key} {op.value} ({values})"
        sym = {Operator.GREATER_THAN: ">", Operator.LESS_THAN: "<"}.get(op, op.value)
        return f"{self.key}{sym}{values}"


class Selector(msgspec.Struct, frozen=True):
    """A conjunction of requirements, sorted by key; the empty selector matches
    everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether an object with these labels is selected."""
        have = labels or {}
        return all(r.matches(have) for r in self.requirements)

    def empty(self) -> bool:
        """Whether this selector selects everything."""
        return not self.requirements

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def selector_from_set(labels: Mapping[str, str]) -> Selector:
    """The selector matching exactly these labels (``labels.SelectorFromSet``)."""
    reqs = (Requirement(k, Operator.EQUALS, (v,)) for k, v in labels.items())
    return Selector(tuple(sorted(reqs, key=lambda r: r.key)))


# The lexer and parser follow selector.go token for token so that errors name the same
# token Kubernetes names.


class _Tok(enum.Enum):
    ERROR = enum.auto()
    END = enum.auto()
    CLOSED_PAR = enum.auto()
    COMMA = enum.auto()
    DOES_NOT_EXIST = enum.auto()
    DOUBLE_EQUALS = enum.auto()
    EQUALS = enum.auto()
    GREATER_THAN = enum.auto()
    IDENTIFIER = enum.auto()
    IN = enum.auto()
    LESS_THAN = enum.auto()
    NOT_EQUALS = enum.auto()
    NOT_IN = enum.auto()
    OPEN_PAR = enum.auto()


_STRING_TO_TOKEN = {
    ")": _Tok.CLOSED_PAR,
    ",": _Tok.COMMA,
    "!": _Tok.DOES_NOT_EXIST,
    "==": _Tok.DOUBLE_EQUALS,
    "=": _Tok.EQUALS,
    ">": _Tok.GREATER_THAN,
    "in": _Tok.IN,
    "<": _Tok.LESS_THAN,
    "!=": _Tok.NOT_EQUALS,
    "notin": _Tok.NOT_IN,
    "(": _Tok.OPEN_PAR,
}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt"
_TOKEN_OPERATORS = {
    _Tok.IN: Operator.IN,
    _Tok.EQUALS: Operator.EQUALS,
    _Tok.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS,
    _Tok.GREATER_THAN: Operator.GREATER_THAN,
    _Tok.LESS_THAN: Operator.LESS_THAN,
    _Tok.NOT_IN: Operator.NOT_IN,
    _Tok.NOT_EQUALS: Operator.NOT_EQUALS,
}


def _lex(text: str) -> list[tuple[_Tok, str]]:
    """Split ``text`` into tokens, ending with ``END``."""
    items: list[tuple[_Tok, str]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= n:
            items.append((_Tok.END, ""))
            return items
        if text[pos] in _SPECIAL:
            # Longest special-symbol run that is still a known token ("!=" before "!").
            buf, last, end = "", None, pos
            while end < n and text[end] in _SPECIAL:
                buf += text[end]
                if buf in _STRING_TO_TOKEN:
                    last = (_STRING_TO_TOKEN[buf], buf)
                elif last is not None:
                    break
                end += 1
            if last is None:
                items.append((_Tok.ERROR, f"error expected: keyword found '{buf}'"))
            else:
                items.append(last)
                end = pos + len(last[1])
            pos = end
            continue
        start = pos
        while pos < n and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
            pos += 1
        word = text[start:pos]
        items.append((_STRING_TO_TOKEN.get(word, _Tok.IDENTIFIER), word))


class _Parser:
    """selector.go's ``Parser``: lookahead/consume over the scanned tokens."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    def _get(self, at: int, values: bool) -> tuple[_Tok, str]:
        tok, lit = self.items[at]
        # Where a value is expected, "in"/"notin" are ordinary words.
        if values and tok in (_Tok.IN, _Tok.NOT_IN):
            tok = _Tok.IDENTIFIER
        return tok, lit

    def lookahead(self, values: bool = True) -> tuple[_Tok, str]:
        return self._get(self.pos, values)

    def consume(self, values: bool = True) -> tuple[_Tok, str]:
        self.pos += 1
        return self._get(self.pos - 1, values)

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self.lookahead()
            if tok in (_Tok.IDENTIFIER, _Tok.DOES_NOT_EXIST):
                try:
                    reqs.append(self.requirement())
                except _ParseError as e:
                    raise _ParseError(f"unable to parse requirement: {e}") from None
                t, lit2 = self.consume()
                if t is _Tok.END:
                    return reqs
                if t is _Tok.COMMA:
                    t2, l2 = self.lookahead()
                    if t2 not in (_Tok.IDENTIFIER, _Tok.DOES_NOT_EXIST):
                        raise _ParseError(f"found '{l2}', expected: identifier after ','")
                else:
                    raise _ParseError(f"found '{lit2}', expected: ',' or 'end of string'")
            elif tok is _Tok.END:
                return reqs
            else:
                raise _ParseError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def requirement(self) -> Requirement:
        key, op = self.key_and_inferred_operator()
        if op is not None:
            return Requirement(key, op)
        op = self.operator()
        if op in (Operator.IN, Operator.NOT_IN):
            values = self.value_set()
        else:
            values = self.exact_value()
        return _new_requirement(key, op, sorted(values))

    def key_and_inferred_operator(self) -> tuple[str, Operator | None]:
        op: Operator | None = None
        tok, lit = self.consume()
        if tok is _Tok.DOES_NOT_EXIST:
            op = Operator.DOES_NOT_EXIST
            tok, lit = self.consume()
        if tok is not _Tok.IDENTIFIER:
            raise _ParseError(f"found '{lit}', expected: identifier")
        errs = label_key_errors(lit)
        if errs:
            raise _ParseError(field_invalid("<nil>", lit, "; ".join(errs)))
        if self.lookahead()[0] in (_Tok.END, _Tok.COMMA) and op is None:
            op = Operator.EXISTS
        return lit, op

    def operator(self) -> Operator:
        tok, lit = self.consume(values=False)
        if tok in _TOKEN_OPERATORS:
            return _TOKEN_OPERATORS[tok]
        raise _ParseError(f"found '{lit}', expected: {_BINARY_OPERATORS}")

    def value_set(self) -> set[str]:
        tok, lit = self.consume()
        if tok is not _Tok.OPEN_PAR:
            raise _ParseError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead()
        if tok in (_Tok.IDENTIFIER, _Tok.COMMA):
            values = self.identifiers()
            if self.consume()[0] is not _Tok.CLOSED_PAR:
                raise _ParseError(f"found '{lit}', expected: ')'")
            return values
        if tok is _Tok.CLOSED_PAR:
            self.consume()
            return {""}
        raise _ParseError(f"found '{lit}', expected: ',', ')' or identifier")

    def identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.consume()
            if tok is _Tok.IDENTIFIER:
                values.add(lit)
                tok2, lit2 = self.lookahead()
                if tok2 is _Tok.COMMA:
                    continue
                if tok2 is _Tok.CLOSED_PAR:
                    return values
                raise _ParseError(f"found '{lit2}', expected: ',' or ')'")
            if tok is _Tok.COMMA:
                # "(,", ",," and ",)" each stand for the empty value.
                if not values:
                    values.add("")
                tok2 = self.lookahead()[0]
                if tok2 is _Tok.CLOSED_PAR:
                    values.add("")
                    return values
                if tok2 is _Tok.COMMA:
                    self.consume()
                    values.add("")
            else:
                raise _ParseError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        if self.lookahead()[0] in (_Tok.END, _Tok.COMMA):
            return {""}
        tok, lit = self.consume()
        if tok is _Tok.IDENTIFIER:
            return {lit}
        raise _ParseError(f"found '{lit}', expected: identifier")


class _ParseError(Exception):
    pass


def _new_requirement(key: str, op: Operator, values: list[str]) -> Requirement:
    """apimachinery's ``NewRequirement`` checks for the values a parse can produce."""
    errs: list[str] = []
    if op in (Operator.GREATER_THAN, Operator.LESS_THAN):
        if len(values) != 1:
            errs.append(
                field_invalid(
                    "values", values, "for 'Gt', 'Lt' operators, exactly one value is required"
                )
            )
        for i, v in enumerate(values):
            if _parse_int64(v) is None:
                errs.append(
                    field_invalid(
                        f"values[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer"
                    )
                )
    for i, v in enumerate(values):
        msgs = label_value_errors(v)
        if msgs:
            errs.append(field_invalid(f"values[{i}][{key}]", v, "; ".join(msgs)))
    if errs:
        raise _ParseError(aggregate(errs))
    return Requirement(key, op, tuple(values))


def parse(selector: str) -> Selector:
    """Parse a label selector as ``labels.Parse`` does; raise ``InvalidSelector`` with
    Kubernetes' message (``unable to parse requirement: …``, ``found 'x', expected: …``).
    """
    try:
        reqs = _Parser(selector).parse()
    except _ParseError as e:
        raise InvalidSelector(str(e)) from None
    return Selector(tuple(sorted(reqs, key=lambda r: r.key)))
