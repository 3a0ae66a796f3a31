"""Read and write Kubernetes YAML exactly as ``kubectl create -f`` does.

kubectl does not hand a file to a YAML library and take what comes back. It goes
through four steps, and each leaves a mark on what a Tekton controller finally sees.
This module repeats them, so that Tektite reads a file the way a cluster would:

1. **Documents are split by text, not by the YAML parser.** ``k8s.io/apimachinery``'s
   ``YAMLReader`` cuts the stream at every line that *starts with* ``---``; anything on
   that line after the dashes other than a comment is an error ("invalid Yaml document
   separator"). CRLF line ends become LF. Each piece is then parsed on its own, and only
   its first YAML document is read (text after a ``...`` end marker is ignored).
   A stream whose first non-blank character is ``{`` is read as a stream of JSON
   values first, falling back to YAML where JSON stops, as the ``YAMLOrJSONDecoder``
   does.
2. **Each document is decoded by go-yaml v2** (YAML 1.1 with go-yaml's own scalar
   rules): ``y``/``n``/``yes``/``on``/``off`` … are booleans, timestamps stay strings,
   ``0777`` is octal, ``0x1F`` hex, ``1_000`` is 1000, ``08`` is the float 8.0, ``<<``
   merges are applied in order (a merge overrides keys written before it), and
   excessive alias expansion ("billion laughs") is refused.
3. **sigs.k8s.io/yaml converts that to JSON**: non-string mapping keys become strings
   (``true`` → ``"true"``, ``1`` → ``"1"``, ``1.5`` → ``"1.5"``, formatted as float32),
   a null key is an error, and so is any infinity or NaN (JSON has neither).
4. **The API machinery decodes the JSON**: a number is an ``int64`` when its JSON text is
   an integer that fits, otherwise a ``float64``. So ``1.0`` arrives as the integer 1
   and ``18446744073709551615`` as a float.

Every value in a loaded object is therefore one of ``dict[str, ...]``, ``list``,
``str``, ``bool``, ``None``, ``int`` (within int64) or a finite ``float``.

Two deliberate differences from kubectl, both stricter: a key written twice in one
mapping is an error (go-yaml v2 silently keeps the last; go-yaml v3 and Kubernetes'
strict field validation refuse it), and nesting deeper than :data:`MAX_DEPTH` levels is
refused (go-yaml allows 10000; libyaml, which we parse with, stops at 1000).

Writing goes the other way: :func:`dump_yaml` produces ``kubectl get -o yaml``-style
block YAML that reads back to the same value, :func:`dump_json` the ``-o json`` form,
and :func:`go_json_scalar_text` the text Go's ``json.Marshal`` prints for a scalar.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import dataclasses
import io
import json
import math
import os
import re
import struct
from collections.abc import Iterator
from typing import IO, Any, Final, NoReturn, TypeAlias

import yaml
from yaml.emitter import Emitter
from yaml.error import Mark, MarkedYAMLError
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner
from yaml.serializer import Serializer

try:  # libyaml is in every PyYAML wheel we install; a pure-Python path stays as backup.
    from yaml._yaml import CEmitter, CParser

    HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - only without libyaml
    HAVE_LIBYAML = False

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_DEPTH",
    "Document",
    "Source",
    "YamlLoadError",
    "dump_json",
    "dump_yaml",
    "go_format_float",
    "go_json_scalar_text",
    "load_documents",
    "marshal_json",
    "resolve_plain_scalar",
]

DEFAULT_MAX_BYTES: Final = 16 * 1024 * 1024
"""Inputs larger than this many bytes are refused before any parsing."""

MAX_DEPTH: Final = 256
"""Deepest nesting of mappings/lists accepted (and produced) by this module.

Real manifests stay far below it; it keeps every recursive walk of a loaded object,
here and downstream, well inside Python's default recursion limit of 1000.
"""

Source: TypeAlias = str | bytes | bytearray | memoryview | os.PathLike[str] | IO[str] | IO[bytes]

# --------------------------------------------------------------------------------------
# Public types


class YamlLoadError(ValueError):
    """Why a file could not be read as Kubernetes objects, and where.

    ``str()`` is a single line: ``tasks.yaml: document 2 (line 14, column 3): mapping
    values are not allowed in this context``. ``index`` is the 0-based document in the
    stream, ``line``/``column`` are 1-based; any of them may be ``None``.
    """

    def __init__(
        self,
        file: str,
        message: str,
        index: int | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.file = file
        # Messages quote libyaml, json and document text; keep the promise of one line.
        self.message = re.sub(r"[ \t]*[\r\n\x85\u2028\u2029]+[ \t]*", " ", message)
        self.index = index
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.line is not None:
            where = f"line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
        if self.index is not None:
            head = f"document {self.index}" + (f" ({where})" if where else "")
        else:
            head = where
        return f"{self.file}: {head}: {self.message}" if head else f"{self.file}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle through their args; ours has a richer constructor.
        return (YamlLoadError, (self.file, self.message, self.index, self.line, self.column))


@dataclasses.dataclass(frozen=True, slots=True)
class Document:
    """One Kubernetes object read from a file.

    ``index`` is the 0-based YAML document in the stream and ``line`` the 1-based line
    where its mapping starts. For an object that came from the ``items`` of a List,
    ``index`` and ``line`` are the List's and ``item`` is the position in ``items``.
    """

    file: str
    index: int
    line: int
    obj: dict[str, Any]
    item: int | None = None

    @property
    def location(self) -> str:
        """``file: document N (line L)`` or ``… item I`` — a prefix for messages."""
        where = f"{self.file}: document {self.index} (line {self.line})"
        return where if self.item is None else f"{where}, item {self.item}"


# --------------------------------------------------------------------------------------
# Scalar resolution, as go-yaml v2's resolve.go does it

_P: Final = "tag:yaml.org,2002:"
_STR: Final = _P + "str"
_INT: Final = _P + "int"
_FLOAT: Final = _P + "float"
_BOOL: Final = _P + "bool"
_NULL: Final = _P + "null"
_TIMESTAMP: Final = _P + "timestamp"
_BINARY: Final = _P + "binary"
_MERGE: Final = _P + "merge"
_SEQ: Final = _P + "seq"
_MAP: Final = _P + "map"
# The tag our composer gives untagged plain scalars: resolved later, in one place.
_PLAIN: Final = "tag:tektite,2024:plain"
_RESOLVABLE: Final = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP})

_INT64_MIN: Final = -(2**63)
_INT64_LIMIT: Final = 2**63
_UINT64_LIMIT: Final = 2**64

# go-yaml looks at the first byte to decide which parsers are worth trying:
# S(ign), D(igit), M(ap lookup only) and '.'; anything else is a string at once.
_HINTS: Final[dict[str, str]] = {
    **dict.fromkeys("+-", "S"),
    **dict.fromkeys("0123456789", "D"),
    **dict.fromkeys("yYnNtTfFoO~", "M"),
    ".": ".",
}
_WORDS: Final[dict[str, tuple[str, Any]]] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
                    (_BOOL, True)),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"),
                    (_BOOL, False)),
    **dict.fromkeys(("~", "null", "Null", "NULL"), (_NULL, None)),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), (_FLOAT, math.nan)),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), (_FLOAT, math.inf)),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), (_FLOAT, -math.inf)),
}  # fmt: skip

# yamlStyleFloat in resolve.go, matched after underscores are removed.
_YAML_FLOAT: Final = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
# What Go's strconv.ParseFloat accepts when the text starts with '.': digits with
# single underscores between them (Go literal syntax), optional exponent.
_DOT_FLOAT: Final = re.compile(r"\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?")
_DIGITS_OF_BASE: Final[dict[int, re.Pattern[str]]] = {
    2: re.compile(r"[01]+"),
    8: re.compile(r"[0-7]*"),  # empty: the bare "0" of base-0 parsing
    10: re.compile(r"[0-9]+"),
    16: re.compile(r"[0-9a-fA-F]+"),
}
_BASE_PREFIX: Final = {"b": 2, "B": 2, "o": 8, "O": 8, "x": 16, "X": 16}
# go-yaml v2's allowedTimestampFormats, as time.Parse reads those layouts.
_TIMESTAMP_RE: Final = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?"
    r"(?:Z|[+-]([0-9]{2}):([0-9]{2}))"
    r"| +([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?)?"
)
_BASE60_FLOAT: Final = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")


def _go_parse_uint(s: str) -> int | None:
    """strconv.ParseUint(s, 0, 64): base from the prefix (0b, 0o, 0x, or 0 = octal)."""
    if not s:
        return None
    base, body = 10, s
    if s[0] == "0":
        prefix_base = _BASE_PREFIX.get(s[1]) if len(s) >= 3 else None
        base, body = (prefix_base, s[2:]) if prefix_base else (8, s[1:])
    if not _DIGITS_OF_BASE[base].fullmatch(body):
        return None
    value = int(body, base) if body else 0
    return value if value < _UINT64_LIMIT else None


def _go_parse_int(s: str, base: int = 0) -> int | None:
    """strconv.ParseInt(s, base, 64) for base 0 or 2 (the only ones go-yaml uses)."""
    negative = s[:1] == "-"
    body = s[1:] if s[:1] in ("+", "-") else s
    if base == 0:
        magnitude = _go_parse_uint(body)
    else:
        magnitude = int(body, base) if _DIGITS_OF_BASE[base].fullmatch(body) else None
    if magnitude is None:
        return None
    if negative:
        return -magnitude if magnitude <= _INT64_LIMIT else None
    return magnitude if magnitude < _INT64_LIMIT else None


def _is_timestamp(s: str) -> bool:
    """go-yaml v2 parseTimestamp: does time.Parse accept s in one of its layouts?"""
    m = _TIMESTAMP_RE.fullmatch(s)
    if m is None:
        return False
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:
        # Year 0 is a leap year in Go's proleptic calendar, as 2000 is.
        return False
    for hour, minute, second in ((m[4], m[5], m[6]), (m[9], m[10], m[11])):
        if hour and not (int(hour) < 24 and int(minute) < 60 and int(second) < 60):
            return False
    # time.Parse accepts zone offsets up to 24:60 (it uses > rather than >=).
    return not m[7] or (int(m[7]) <= 24 and int(m[8]) <= 60)


def _resolve(text: str, timestamps: bool = True) -> tuple[str, Any]:
    """go-yaml v2 ``resolve("", text)``: the tag and Go value of a plain scalar.

    Timestamps resolve to their text (go-yaml hands them to ``interface{}`` as strings).
    Integers are Python ints within uint64 range; floats may be infinite or NaN here.
    """
    if not text:
        return _NULL, None
    hint = _HINTS.get(text[0])
    if hint is None:
        return _STR, text
    word = _WORDS.get(text)
    if word is not None:
        return word
    if hint == "M":
        return _STR, text
    if hint == ".":
        if _DOT_FLOAT.fullmatch(text):
            value = float(text.replace("_", ""))
            if not math.isinf(value):  # Go's ParseFloat reports overflow as an error
                return _FLOAT, value
        return _STR, text
    if timestamps and _is_timestamp(text):
        return _TIMESTAMP, text
    plain = text.replace("_", "")
    number = _go_parse_int(plain)
    if number is None:
        number = _go_parse_uint(plain)  # 2**63 … 2**64-1
    if number is not None:
        return _INT, number
    if _YAML_FLOAT.fullmatch(plain):
        value = float(plain)
        if not math.isinf(value):
            return _FLOAT, value
    # resolve.go's own binary fallbacks; base-0 parsing above covers everything but
    # odd spellings such as "0b-101" (-5).
    if plain.startswith("0b"):
        number = _go_parse_int(plain[2:], 2)
        if number is None and _DIGITS_OF_BASE[2].fullmatch(plain[2:]):
            number = int(plain[2:], 2)
            number = number if number < _UINT64_LIMIT else None
        if number is not None:
            return _INT, number
    elif plain.startswith("-0b"):
        number = _go_parse_int("-" + plain[3:], 2)
        if number is not None:
            return _INT, number
    return _STR, text


def resolve_plain_scalar(text: str) -> Any:
    """What an unquoted YAML scalar means to kubectl's YAML decoder (go-yaml v2).

    Returns ``None``, a ``bool``, an ``int`` (up to uint64), a ``float`` (possibly
    infinite or NaN) or the text itself (timestamps included). This is the raw go-yaml
    value, before the JSON step that :func:`load_documents` also applies.
    """
    return _resolve(text)[1]


def _is_base60_float(s: str) -> bool:
    # go-yaml v2 quotes these on output "for compatibility with other parsers".
    return (
        bool(s)
        and (s[0] in "+-" or s[0].isdigit())
        and ":" in s
        and bool(_BASE60_FLOAT.fullmatch(s))
    )


# --------------------------------------------------------------------------------------
# Go number formatting (strconv.FormatFloat and encoding/json)


def _shortest_digits(f: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of a finite f > 0, and the point position.

    f == 0.DIGITS × 10**point. Python's repr and Go's FormatFloat(-1) both produce the
    shortest digit string that reads back to the same double.
    """
    mantissa, _, exponent = repr(f).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    significant = digits.lstrip("0")
    point = len(whole) + (int(exponent) if exponent else 0) - (len(digits) - len(significant))
    return significant.rstrip("0") or "0", point


def _shortest_digits32(f: float) -> tuple[str, int]:
    """Like :func:`_shortest_digits` for a value that is exactly a float32."""
    for precision in range(9):
        text = f"{f:.{precision}e}"
        if _to_float32(float(text)) == f:
            break
    mantissa, _, exponent = text.partition("e")
    return mantissa.replace(".", "").rstrip("0") or "0", int(exponent) + 1


def _to_float32(f: float) -> float:
    try:
        return float(struct.unpack("f", struct.pack("f", f))[0])
    except OverflowError:  # Go's float32(x) rounds to ±Inf instead of failing
        return math.copysign(math.inf, f)


def _fixed(digits: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * -point + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return digits[:point] + "." + digits[point:]


def _exponent(digits: str, point: int, pad: bool) -> str:
    exp = point - 1
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    magnitude = f"{abs(exp):02d}" if pad else str(abs(exp))
    return f"{mantissa}e{'-' if exp < 0 else '+'}{magnitude}"


def go_format_float(f: float, bits: int = 64) -> str:
    """strconv.FormatFloat(f, 'g', -1, bits), which is also what ``fmt.Print`` writes
    for a float; infinities and NaN as go-yaml prints them (.inf etc.)."""
    if bits == 32:
        f = _to_float32(f)
    if math.isnan(f):
        return ".nan"
    if math.isinf(f):
        return ".inf" if f > 0 else "-.inf"
    sign = "-" if math.copysign(1.0, f) < 0 else ""
    if f == 0:
        return sign + "0"
    digits, point = (_shortest_digits32 if bits == 32 else _shortest_digits)(abs(f))
    # Shortest 'g' switches to an exponent below 1e-4 and from 1e6 on ("eprec = 6").
    if point - 1 < -4 or point - 1 >= 6:
        return sign + _exponent(digits, point, pad=True)
    return sign + _fixed(digits, point)


def _go_json_float(f: float) -> str:
    """encoding/json's float64 text: ES6-like, 'e' form below 1e-6 and from 1e21."""
    if not math.isfinite(f):
        go = "NaN" if math.isnan(f) else ("+Inf" if f > 0 else "-Inf")
        raise ValueError(f"json: unsupported value: {go}")
    sign = "-" if math.copysign(1.0, f) < 0 else ""
    if f == 0:
        return sign + "0"
    digits, point = _shortest_digits(abs(f))
    if abs(f) < 1e-6 or abs(f) >= 1e21:
        # Go writes e-07 and then "cleans up e-09 to e-9": no padding is left.
        return sign + _exponent(digits, point, pad=False)
    return sign + _fixed(digits, point)


def _json_number(f: float) -> int | float:
    """The number the API server holds after a JSON round trip of a float64.

    Its JSON text is decoded as int64 when it is an integer literal that fits.
    """
    text = _go_json_float(f)
    if "." not in text and "e" not in text:
        whole = int(text)
        if _INT64_MIN <= whole < _INT64_LIMIT:
            return whole
    return f


_HTML_ESCAPES: Final = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_HTML_UNSAFE: Final = re.compile("[<>&\u2028\u2029]")


def _go_json_string(s: str) -> str:
    """json.Marshal of a Go string: like Python's, plus Go's HTML-safe escapes."""
    text = json.dumps(s, ensure_ascii=False)
    if _HTML_UNSAFE.search(text):
        text = _HTML_UNSAFE.sub(lambda m: _HTML_ESCAPES[m[0]], text)
    return text


def go_json_scalar_text(value: Any) -> str:
    """The text Go's ``json.Marshal`` prints for a decoded YAML scalar.

    ``True`` → ``true``, ``7`` → ``7``, ``1.0`` → ``1``, ``1.5`` → ``1.5``,
    ``1e21`` → ``1e+21``, ``1e-7`` → ``1e-7`` (encoding/json strips the exponent's
    leading zero), ``None`` → ``null``, a string → its JSON literal with Go's escapes
    (``"a\\u0026b"``). Tekton's ParamValue keeps a non-string scalar as exactly this
    text, so a param ``value: 1.50`` becomes the string ``"1.5"``; for a string value
    ParamValue keeps the string itself, not this quoted form.

    Raises ``ValueError`` for infinities and NaN (as json.Marshal fails) and
    ``TypeError`` for anything that is not a scalar.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_json_float(value)
    if isinstance(value, str):
        return _go_json_string(value)
    raise TypeError(f"not a YAML scalar: {type(value).__name__}")


# --------------------------------------------------------------------------------------
# Composition: libyaml builds the node graph; we only decide what a scalar's tag is.


class _GoTags:
    """Tag decisions made the way go-yaml makes them, for libyaml's composer/emitter.

    The C composer asks ``resolve`` for the tag of every untagged node. PyYAML's regex
    resolvers would apply YAML 1.1 as PyYAML reads it (no y/n, timestamps, ``=`` …);
    instead plain scalars get a marker tag and are resolved by :func:`_resolve` when
    the value is built, and every other untagged scalar is a string. The emitter asks
    the same question to learn whether a string may be written unquoted.
    """

    emitting = False

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if self.emitting:
                return _plain_tag(value) if implicit[0] else _STR
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is SequenceNode else _MAP

    # Both call these around every node for PyYAML's path resolvers, which we do not
    # use; no-ops are cheaper than the base class's checks.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


class _PyParser(Reader, Scanner, Parser):
    """PyYAML's pure-Python parser: the event source when libyaml is missing."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)

    def dispose(self) -> None:
        pass


class _PyEmitter(_GoTags, Emitter, Serializer):
    """PyYAML's pure-Python emitter and serializer: the writer when libyaml is missing."""

    emitting = True

    def __init__(self, stream: IO[str], **options: Any) -> None:
        Emitter.__init__(self, stream, **options)
        Serializer.__init__(self)

    def dispose(self) -> None:
        pass


_C_COMPOSER: Any = None  # the libyaml composer class, if there is libyaml
_EVENT_PARSER: Any = _PyParser  # what _compose_from_events reads events from
_EMITTER: Any = _PyEmitter

if HAVE_LIBYAML:

    class _CComposer(_GoTags, CParser):
        """libyaml's parser and composer, with go-yaml's view of tags."""

    class _CEmitter(_GoTags, CEmitter):
        """libyaml's emitter, told which plain scalars go-yaml would misread."""

        emitting = True

    _C_COMPOSER = _EVENT_PARSER = _CComposer
    _EMITTER = _CEmitter


class _Fail(Exception):
    """A problem in a document, at a mark relative to the document's first line."""

    def __init__(self, message: str, mark: Any) -> None:  # a yaml.error or libyaml Mark
        super().__init__(message)
        self.message = message
        self.mark = mark


def _compose_from_events(parser: Any) -> Node | None:
    """Compose the first document from parser events, without recursion.

    Used where the C composer would differ from go-yaml: an anchor name used twice
    (go-yaml lets the later one win, PyYAML raises) and the "!" tag (which the C
    composer cannot tell from no tag); and when libyaml is missing. Follows the
    composer in PyYAML's _yaml.pyx otherwise. About twice as slow as the C composer.
    """
    parser.get_event()  # StreamStart
    if parser.check_event(StreamEndEvent):
        return None
    parser.get_event()  # DocumentStart
    anchors: dict[str, Node] = {}
    stack: list[tuple[CollectionNode, list[Node]]] = []  # node, pending mapping key
    root: Node | None = None
    while True:
        event = parser.get_event()
        assert event is not None  # libyaml ends the stream only after the document
        start: Any = event.start_mark  # libyaml's Mark type, which the stubs keep apart
        end: Any = event.end_mark
        node: Node
        if isinstance(event, AliasEvent):
            if event.anchor not in anchors:
                raise _Fail(f"unknown anchor '{event.anchor}' referenced", start)
            node = anchors[event.anchor]
        elif isinstance(event, ScalarEvent):
            tag = event.tag
            if tag is None:
                tag = _PLAIN if event.implicit[0] else _STR
            elif tag == "!":
                tag = _STR  # go-yaml: "!" is no tag it can resolve, so the text stays
            node = ScalarNode(tag, event.value, start, end, event.style)
        elif isinstance(event, CollectionStartEvent):
            is_seq = isinstance(event, SequenceStartEvent)
            tag = event.tag
            if tag is None or tag == "!":
                tag = _SEQ if is_seq else _MAP
            cls = SequenceNode if is_seq else MappingNode
            node = cls(tag, [], start, None, event.flow_style)
        else:  # SequenceEnd / MappingEnd
            done, _ = stack.pop()
            done.end_mark = end
            if not stack:
                return root
            continue
        if isinstance(event, (ScalarEvent, CollectionStartEvent)) and event.anchor is not None:
            anchors[event.anchor] = node  # a repeated anchor name now means this node
        if not stack:
            root = node
        else:
            parent, pending = stack[-1]
            if isinstance(parent, SequenceNode):
                parent.value.append(node)
            elif not pending:
                pending.append(node)
            else:
                parent.value.append((pending.pop(), node))
        if isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            assert isinstance(node, CollectionNode)
            if len(stack) >= MAX_DEPTH:
                raise _Fail(f"nesting deeper than {MAX_DEPTH} levels", start)
            stack.append((node, []))
        elif not stack:
            return root


# A "!" non-specific tag: libyaml reports "! 12" exactly like a plain "12", but go-yaml
# keeps it as the string "12". Only parser events show the difference.
_BANG: Final = re.compile(r"!(?=[\s\]},]|\Z)")  # starts with a literal: a fast search


def _may_have_bare_bang_tag(text: str) -> bool:
    # A "!" that stands alone where a node may start. Shell tests in scripts
    # ("[ ! -f x ]") match too; they only cost the slower composer.
    return any(m.start() == 0 or text[m.start() - 1] in " \t\n[{," for m in _BANG.finditer(text))


def _compose(text: str) -> Node | None:
    """The node graph of the first YAML document in text, or None if it has none."""
    if _C_COMPOSER is not None and not _may_have_bare_bang_tag(text):
        parser = _C_COMPOSER(text)
        try:
            if not parser.check_node():
                return None
            node: Node | None = parser.get_node()
            return node
        except yaml.composer.ComposerError as err:
            if (err.context or "").startswith("found duplicate anchor"):
                pass  # go-yaml accepts this: compose again below
            elif err.problem == "found undefined alias" and err.problem_mark is not None:
                name = _alias_name_at(text, err.problem_mark)
                raise _Fail(f"unknown anchor '{name}' referenced", err.problem_mark) from None
            else:
                raise
        finally:
            parser.dispose()
    parser = _EVENT_PARSER(text)
    try:
        return _compose_from_events(parser)
    finally:
        parser.dispose()


def _alias_name_at(text: str, mark: Mark) -> str:
    line = text.split("\n")[mark.line] if mark.line < text.count("\n") + 1 else ""
    m = re.match(r"\*([^\s,\[\]{}]+)", line[mark.column :])
    return m[1] if m else "?"


# --------------------------------------------------------------------------------------
# Building values: go-yaml v2's decoder + sigs.k8s.io/yaml's JSON conversion


def _allowed_alias_ratio(count: int) -> float:
    # go-yaml v2 decode.go: allowedAliasRatio.
    if count <= 400_000:
        return 0.99
    if count >= 4_000_000:
        return 0.10
    return 0.99 - 0.89 * (count - 400_000) / 3_600_000


def _b64_to_text(node: ScalarNode) -> str:
    """!!binary: base64 → bytes → the string Go's json.Marshal makes of those bytes."""
    try:
        # Go's StdEncoding skips CR and LF, and is otherwise strict (padding required).
        data = base64.b64decode(re.sub(r"[\r\n]", "", node.value), validate=True)
    except (binascii.Error, ValueError):
        raise _Fail("!!binary value contains invalid base64 data", node.start_mark) from None
    # json.Marshal replaces each byte of invalid UTF-8 with U+FFFD.
    return re.sub("[\udc80-\udcff]", "\ufffd", data.decode("utf-8", "surrogateescape"))


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_P) :] if tag.startswith(_P) else tag


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a mapping" if isinstance(value, dict) else type(value).__name__


class _Builder:
    """Turns one document's nodes into JSON-ready Python values.

    Per document, as go-yaml's decoder is per ``Unmarshal`` call. Every node reached
    through an alias is decoded again (copies, as in Go); ``count``/``alias_count``
    replay go-yaml's guard against alias bombs.
    """

    def __init__(self, line_offset: int, track_aliases: bool) -> None:
        self.line_offset = line_offset
        self.track = track_aliases  # no '*' in the text means no alias anywhere
        self.seen: set[int] = set()
        self.active: set[int] = set()
        self.count = 0
        self.alias_count = 0
        self.alias_depth = 0

    def _tick(self, node: Node) -> None:
        self.count += 1
        if self.alias_depth:
            self.alias_count += 1
            if (
                self.alias_count > 100
                and self.count > 1000
                and self.alias_count / self.count > _allowed_alias_ratio(self.count)
            ):
                raise _Fail("document contains excessive aliasing", node.start_mark)

    def value(self, node: Node, depth: int) -> Any:
        """The JSON-ready value of any node (a mapping value, list item or document).

        One Python frame per level of nesting (no helper frames in between), so that
        MAX_DEPTH levels stay far from the interpreter's recursion limit.
        """
        aliased = False
        if self.track:
            node_id = id(node)
            if node_id in self.seen:  # reached through an alias: decode it again
                if node_id in self.active:
                    raise _Fail("an alias refers to the anchor that contains it", node.start_mark)
                self._tick(node)  # go-yaml counts the alias node, then its target
                self.alias_depth += 1
                aliased = True
            else:
                self.seen.add(node_id)
        self._tick(node)
        cls = node.__class__
        result: Any
        if cls is ScalarNode:
            text = node.value
            if node.tag is _PLAIN and text and text[0] not in _HINTS:
                result = text  # the common case: a word, a name, an image, a script …
            elif node.tag == _STR:
                result = text
            else:
                result = self._json_scalar(node)
        else:
            if depth >= MAX_DEPTH:
                raise _Fail(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark)
            if self.track:
                self.active.add(id(node))
            if cls is SequenceNode:
                result = []
                for child in node.value:
                    result.append(self.value(child, depth + 1))
            else:
                result = {}
                explicit: set[str] | None = None  # keys written here, once merged into
                for key_node, value_node in node.value:
                    if (
                        key_node.__class__ is ScalarNode
                        and key_node.value == "<<"
                        and (key_node.tag is _PLAIN or key_node.tag == _MERGE)
                    ):
                        if explicit is None:
                            explicit = set(result)
                        self._merge(value_node, result, depth)
                        continue
                    key = self._key(key_node)
                    if key in result and (explicit is None or key in explicit):
                        self._duplicate(node, key_node, key)
                    if explicit is not None:
                        explicit.add(key)
                    result[key] = self.value(value_node, depth + 1)
            if self.track:
                self.active.discard(id(node))
        if aliased:
            self.alias_depth -= 1
        return result

    def _scalar(self, node: Node) -> Any:
        """The Go value of a scalar node (what go-yaml stores in an interface{})."""
        tag = node.tag
        text: str = node.value
        if tag is _PLAIN:
            if not text:
                return None
            if text[0] not in _HINTS:  # the common case: a word, a path, an image …
                return text
            return _resolve(text)[1]
        if tag == _STR:
            return text
        if tag == _BINARY:
            assert isinstance(node, ScalarNode)
            return _b64_to_text(node)
        if tag not in _RESOLVABLE:
            return text  # go-yaml ignores tags it does not know: !foo x is "x"
        # An explicit standard tag must agree with what the text resolves to.
        rtag, value = _resolve(text, timestamps=tag == _TIMESTAMP)
        if rtag == tag:
            return value
        if tag == _FLOAT and rtag == _INT and _INT64_MIN <= value < _INT64_LIMIT:
            return float(value)
        raise _Fail(
            f"cannot decode {_short_tag(rtag)} `{text}` as a {_short_tag(tag)}", node.start_mark
        )

    def _json_scalar(self, node: Node) -> Any:
        value = self._scalar(node)
        if value.__class__ is str or value is None or value.__class__ is bool:
            return value
        if value.__class__ is int:
            # JSON decoding in the API machinery: an int beyond int64 becomes a float64.
            return value if _INT64_MIN <= value < _INT64_LIMIT else float(value)
        try:
            return _json_number(value)
        except ValueError as err:  # sigs.k8s.io/yaml's json.Marshal refuses ±Inf and NaN
            raise _Fail(str(err), node.start_mark) from None

    def _key(self, node: Node) -> str:
        """A mapping key as sigs.k8s.io/yaml writes it into JSON."""
        if self.track and id(node) in self.seen:
            self._tick(node)  # an alias used as a key
        elif self.track:
            self.seen.add(id(node))
        self._tick(node)
        if node.__class__ is not ScalarNode:
            what = "a list" if node.__class__ is SequenceNode else "a mapping"
            raise _Fail(f"invalid map key: {what} cannot be a key", node.start_mark)
        value = self._scalar(node)
        if value.__class__ is str:
            return str(value)
        if value is None:
            raise _Fail("unsupported map key: null (JSON keys must be strings)", node.start_mark)
        if value.__class__ is bool:
            return "true" if value else "false"
        if value.__class__ is int:
            if value >= _INT64_LIMIT:  # go-yaml gives uint64, which has no case there
                raise _Fail(f"unsupported map key of type: uint64, key: {value}", node.start_mark)
            return str(value)
        return go_format_float(value, bits=32)  # float keys: FormatFloat(k, 'g', -1, 32)

    def _merge(self, node: Node, out: dict[str, Any], depth: int) -> None:
        # go-yaml v2 writes merged keys into the map when it meets "<<", so they
        # override keys written before it and are overridden by keys after it. For a
        # list, the maps are applied last to first: the first one wins.
        if node.__class__ is MappingNode:
            out.update(self.value(node, depth))
        elif node.__class__ is SequenceNode and not (self.track and id(node) in self.seen):
            # (An alias to a list is refused; only a list written in place may merge.)
            if self.track:
                self.seen.add(id(node))
            for item in reversed(node.value):
                if item.__class__ is not MappingNode:
                    break
                out.update(self.value(item, depth))
            else:
                return
            raise _Fail("map merge requires map or sequence of maps as the value", item.start_mark)
        else:
            raise _Fail("map merge requires map or sequence of maps as the value", node.start_mark)

    def _duplicate(self, mapping: Node, dup: Node, key: str) -> NoReturn:
        first = dup
        for key_node, _ in mapping.value:
            if key_node is dup:
                break
            try:
                same = self._key(key_node) == key
            except _Fail:
                same = False
            if same:
                first = key_node
                break
        line = first.start_mark.line + self.line_offset + 1
        quoted = json.dumps(key, ensure_ascii=False)
        raise _Fail(f"mapping key {quoted} already defined at line {line}", dup.start_mark)


# --------------------------------------------------------------------------------------
# Reading input

_SEPARATOR: Final = re.compile(r"^---(.*)$", re.MULTILINE)
_JSON_SPACE: Final = re.compile(r"[ \t\n\r]*")
_JSON_START: Final = re.compile(r"\s*\{")


def _size_text(n: int) -> str:
    """``16 MiB (16777216 bytes)``, or just ``100 bytes`` when that says it all."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit} ({n} bytes)"
    return f"{n} bytes"


def _too_big(name: str, what: str, size: int | None, cap: int) -> YamlLoadError:
    limit = f"the {_size_text(cap)} limit"
    if size is None:  # a stream, or a str too long to be worth measuring exactly
        return YamlLoadError(name, f"{what} is larger than {limit}; not parsing it")
    return YamlLoadError(name, f"{what} is {_size_text(size)}, over {limit}; not parsing it")


def _read_source(source: Source, name: str, max_bytes: int) -> str:
    """Text of the source, size-checked before parsing, as str without a BOM."""
    data: str | bytes
    if isinstance(source, str):
        # A str is YAML text. Characters never outnumber UTF-8 bytes, so a long string
        # is refused before encoding; the encode also finds lone surrogates.
        if len(source) > max_bytes:
            raise _too_big(name, "input", len(source) if source.isascii() else None, max_bytes)
        if not source.isascii():
            try:
                size = len(source.encode("utf-8"))
            except UnicodeEncodeError as err:
                line, column = _position(source, err.start)
                raise YamlLoadError(
                    name,
                    f"not valid Unicode text: lone surrogate U+{ord(source[err.start]):04X}",
                    line=line,
                    column=column,
                ) from None
            if size > max_bytes:
                raise _too_big(name, "input", size, max_bytes)
        data = source
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > max_bytes:
            raise _too_big(name, "input", len(data), max_bytes)
    elif isinstance(source, os.PathLike):
        try:
            with open(source, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > max_bytes:
                    raise _too_big(name, "file", size, max_bytes)
                data = fh.read(max_bytes + 1)  # st_size is 0 for pipes and /proc files
        except OSError as err:
            raise YamlLoadError(name, f"cannot read file: {err.strerror or err}") from None
        if len(data) > max_bytes:
            raise _too_big(name, "file", None, max_bytes)
    else:
        try:
            data = source.read(max_bytes + 1)
        except UnicodeDecodeError as err:  # a text-mode file decoding as it reads
            raise YamlLoadError(name, f"not valid UTF-8: {err.reason}") from None
        except (OSError, ValueError) as err:
            raise YamlLoadError(name, f"cannot read input: {err}") from None
        if len(data) > max_bytes:
            raise _too_big(name, "input", None, max_bytes)
        if isinstance(data, str):
            return _read_source(data, name, max_bytes)
    if isinstance(data, bytes):
        raw = data
        try:
            data = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            line = raw.count(b"\n", 0, err.start) + 1
            column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
            raise YamlLoadError(
                name,
                f"not valid UTF-8 (byte 0x{raw[err.start]:02x}: {err.reason})",
                line=line,
                column=column,
            ) from None
    return data.removeprefix("\ufeff")


def _position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _chunks(text: str, base_line: int) -> Iterator[tuple[int, str]]:
    """(first line, text) of each document, split at lines starting with "---".

    The separator lines themselves belong to no document, as in apimachinery's
    YAMLReader; empty pieces (two separators in a row) are no document at all.
    """
    start = 0
    line = 0  # 0-based line of `start`
    for m in _SEPARATOR.finditer(text):
        sep_line = line + text.count("\n", start, m.start())
        if m.start() > start:
            yield base_line + line, text[start : m.start()]
        rest = m[1].strip()
        if rest and not rest.startswith("#"):  # kubectl has read the documents before it
            raise _SeparatorError(rest, base_line + sep_line + 1)
        start = m.end() + 1
        line = sep_line + 1
    if start < len(text):
        yield base_line + line, text[start:]


class _SeparatorError(Exception):
    def __init__(self, rest: str, line: int) -> None:
        super().__init__(rest)
        self.rest = rest
        self.line = line


def _yaml_error(name: str, index: int, offset: int, chunk: str, err: Exception) -> YamlLoadError:
    """A YamlLoadError for anything raised while parsing one document."""
    if isinstance(err, _Fail):
        mark = err.mark
        if mark is None:
            return YamlLoadError(name, err.message, index)
        return YamlLoadError(name, err.message, index, mark.line + offset + 1, mark.column + 1)
    if isinstance(err, yaml.reader.ReaderError):
        # libyaml reports a byte offset into the UTF-8 text, PyYAML's reader a character
        # offset into the str.
        prefix = chunk[: err.position]
        if err.encoding != "unicode":
            prefix = chunk.encode("utf-8")[: err.position].decode("utf-8", "replace")
        line, column = _position(prefix, len(prefix))
        char = err.character
        shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        return YamlLoadError(name, f"{err.reason} (found {shown})", index, line + offset, column)
    if isinstance(err, MarkedYAMLError):
        # libyaml: "did not find expected key (while parsing a block mapping at …)".
        message = err.problem or err.context or "invalid YAML"
        mark = err.problem_mark or err.context_mark
        context, ctx = err.context, err.context_mark
        if context and err.problem:
            if ctx is not None and not (
                mark is not None and (ctx.line, ctx.column) == (mark.line, mark.column)
            ):
                context += f" at line {ctx.line + offset + 1}, column {ctx.column + 1}"
            message += f" ({context})"
        if mark is None:
            return YamlLoadError(name, message, index)
        return YamlLoadError(name, message, index, mark.line + offset + 1, mark.column + 1)
    if isinstance(err, RecursionError):
        return YamlLoadError(name, "nesting too deep to read", index, offset + 1)
    if isinstance(err, MemoryError):
        return YamlLoadError(name, "out of memory while reading the document", index, offset + 1)
    return YamlLoadError(name, f"internal error: {type(err).__name__}: {err}", index, offset + 1)


def _load_yaml(text: str, name: str, base_line: int, index: int) -> Iterator[tuple[int, int, Any]]:
    """(index, line, value) of every document with content; value may be None."""
    try:
        for offset, chunk in _chunks(text, base_line):
            try:
                node = _compose(chunk)
                if node is None:
                    continue  # only comments, blank lines or directives
                value = _Builder(offset, "*" in chunk).value(node, 0)
            except Exception as err:  # each becomes a located YamlLoadError
                raise _yaml_error(name, index, offset, chunk, err) from None
            yield index, node.start_mark.line + offset + 1, value
            index += 1
    except _SeparatorError as err:
        raise YamlLoadError(
            name, f"invalid Yaml document separator: {err.rest}", index, err.line, 1
        ) from None


class _JsonDuplicate(Exception):
    pass


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):  # refused as in YAML (Go's decoder keeps the last)
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                quoted = json.dumps(key, ensure_ascii=False)
                raise _JsonDuplicate(f"mapping key {quoted} already defined")
            seen.add(key)
    return out


def _json_int(text: str) -> int | float:
    value = int(text)
    return value if _INT64_MIN <= value < _INT64_LIMIT else float(value)


def _json_float(text: str) -> int | float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text} is out of range")
    # The API server decodes "1.0" as a float64 and every client then re-encodes it
    # as 1, which the next reader decodes as an int64: settle it now, as for YAML.
    return _json_number(value)


class _JsonSyntax(Exception):
    """Not JSON as Go reads it (NaN, Infinity): the stream continues as YAML."""


def _json_constant(text: str) -> NoReturn:
    raise _JsonSyntax(f"invalid character {text[0]!r} looking for beginning of value")


_JSON_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_json_pairs,
    parse_int=_json_int,
    parse_float=_json_float,
    parse_constant=_json_constant,
)


def _check_json_value(value: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH, as for YAML (without recursing)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= MAX_DEPTH:
            raise ValueError(f"nesting deeper than {MAX_DEPTH} levels")
        for child in children:
            stack.append((child, depth + 1))


_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _fix_surrogates(value: Any) -> Any:
    """Go's json decoder turns a lone surrogate escape (\\ud800) into U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_fix_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_fix_surrogates(k): _fix_surrogates(v) for k, v in value.items()}
    return value


def _load_json_then_yaml(text: str, name: str) -> Iterator[tuple[int, int, Any]]:
    """kubectl's YAMLOrJSONDecoder for a stream that starts with '{'.

    JSON values are read one after another; where JSON decoding fails, the rest of the
    stream is read as YAML. If that YAML's first document fails too, the JSON error is
    the one reported, as kubectl does.
    """
    pos = _skip_json_space(text, 0)
    index = 0
    may_have_surrogates = "\\ud" in text.lower()
    json_error: YamlLoadError | None = None
    while pos < len(text):
        line, column = _position(text, pos)
        try:
            value, end = _JSON_DECODER.raw_decode(text, pos)
            _check_json_value(value)
        except json.JSONDecodeError as err:
            json_error = YamlLoadError(name, f"json: {err.msg}", index, err.lineno, err.colno)
        except _JsonSyntax as err:
            json_error = YamlLoadError(name, f"json: {err}", index, line, column)
        except (_JsonDuplicate, ValueError) as err:
            raise YamlLoadError(name, str(err), index, line, column) from None
        except RecursionError:
            raise YamlLoadError(name, "nesting too deep to read", index, line, column) from None
        if json_error is not None:
            break
        if may_have_surrogates:
            value = _fix_surrogates(value)
        yield index, line, value
        index += 1
        pos = _skip_json_space(text, end)
    if json_error is None:
        return
    # kubectl hands the YAML decoder whatever the JSON decoder left unread.
    try:
        yield from _load_yaml(text[pos:], name, text.count("\n", 0, pos), index)
    except YamlLoadError as err:
        raise (json_error if err.index == index else err) from None


def _skip_json_space(text: str, pos: int) -> int:
    match = _JSON_SPACE.match(text, pos)
    return match.end() if match else pos


def load_documents(
    source: Source,
    name: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_empty: bool = False,
) -> list[Document]:
    """Read every Kubernetes object in a file as ``kubectl create -f`` would.

    ``source`` is the YAML (or JSON) *text* as ``str``/``bytes``, a path
    (``os.PathLike``, e.g. ``Path``) or an open file; ``name`` is how messages refer to
    it (default: the path, the file's name, or ``<string>``). Reading stdin is the
    caller's job: read it and pass the text with ``name="-"`` or ``"<stdin>"``.

    Returns one :class:`Document` per object, in file order. Empty documents are
    skipped; an object with ``items`` (``kind: List``, ``TaskList`` …) is replaced by
    its items, as kubectl does, and an item without ``kind`` and ``apiVersion`` gets the
    List's ``apiVersion`` and its kind without the ``List`` suffix.

    Raises :class:`YamlLoadError`, and nothing else, for any problem: input over
    ``max_bytes`` (checked before reading it all), undecodable bytes, YAML/JSON syntax,
    a document that is not a mapping, duplicate keys, and — unless ``allow_empty`` — a
    file with no objects.
    """
    display = name if name is not None else _default_name(source)
    try:
        text = _read_source(source, display, max_bytes)
        if "\r" in text:
            text = text.replace("\r\n", "\n")  # LineReader drops the CR of CRLF
        if _JSON_START.match(text):
            values: Iterator[tuple[int, int, Any]] = _load_json_then_yaml(text, display)
        else:
            values = _load_yaml(text, display, 0, 0)
        documents: list[Document] = []
        seen_any = False
        for index, line, value in values:
            seen_any = True
            if value is None:
                continue  # kubectl skips documents that decode to null
            documents.extend(_objects(display, index, line, value))
    except YamlLoadError:
        raise
    except Exception as err:  # the promise: callers catch exactly one exception type
        raise YamlLoadError(display, f"internal error: {type(err).__name__}: {err}") from err
    if not documents and not allow_empty:
        if not text.strip():
            reason = "the file is empty"
        elif not seen_any:
            reason = "the file has only comments"
        else:
            reason = "every document is empty or an empty List"
        raise YamlLoadError(display, f"no objects found ({reason})")
    return documents


def _default_name(source: Source) -> str:
    if isinstance(source, os.PathLike):
        return os.fspath(source)
    if isinstance(source, (str, bytes, bytearray, memoryview)):
        return "<string>"
    file_name = getattr(source, "name", None)
    return file_name if isinstance(file_name, str) else "<stream>"


def _objects(file: str, index: int, line: int, value: Any) -> list[Document]:
    if not isinstance(value, dict):
        raise YamlLoadError(
            file,
            f"expected a mapping (a Kubernetes object), got {_describe(value)}",
            index,
            line,
        )
    if "items" not in value:
        return [Document(file, index, line, value)]
    # apimachinery's unstructured decoder treats any object with "items" as a List.
    items = value["items"]
    if items is None:
        return []
    if not isinstance(items, list):
        message = f"items of a List must be a list, got {_describe(items)}"
        raise YamlLoadError(file, message, index, line)
    list_kind = value.get("kind")
    item_kind = list_kind.removesuffix("List") if isinstance(list_kind, str) else ""
    api_version = value.get("apiVersion")
    documents = []
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise YamlLoadError(
                file,
                f"item {position} of the List: expected a mapping (a Kubernetes object), "
                f"got {_describe(item)}",
                index,
                line,
            )
        if not item.get("kind") and not item.get("apiVersion") and item_kind:
            item = {"apiVersion": api_version, "kind": item_kind, **item}
        documents.append(Document(file, index, line, item, position))
    return documents


# --------------------------------------------------------------------------------------
# Writing


def _plain_tag(text: str) -> str:
    tag = _resolve(text)[0]
    if tag == _STR and (text == "<<" or _is_base60_float(text)):
        # "<<" unquoted is a merge key; base-60 floats are quoted by go-yaml too.
        return _MERGE
    return tag


def _yaml_number_text(value: int | float) -> str:
    """How kubectl -o yaml prints a number: JSON text re-read by go-yaml, re-printed."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return go_format_float(value)  # kubectl would fail; .inf/.nan is the honest YAML
    text = _go_json_float(value)
    if "." not in text and "e" not in text and -(2**63) <= int(text) < _UINT64_LIMIT:
        return str(int(text))
    return go_format_float(value)


def _yaml_node(value: Any, depth: int) -> Node:
    if isinstance(value, str):
        if "\n" in value:
            style: str | None = "|"  # libyaml falls back to quotes when | can't hold it
        elif _plain_tag(value) == _STR:
            style = None
        else:
            style = '"'
        return ScalarNode(_STR, value, style=style)
    if value is None:
        return ScalarNode(_NULL, "null")
    if isinstance(value, bool):
        return ScalarNode(_BOOL, "true" if value else "false")
    if isinstance(value, (int, float)):
        text = _yaml_number_text(value)
        return ScalarNode(_plain_tag(text), text)
    if depth >= MAX_DEPTH:
        raise ValueError(f"cannot dump: nesting deeper than {MAX_DEPTH} levels")
    # Loops, not comprehensions: one Python frame per level of nesting.
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            pairs.append((_yaml_node(_key_text(key), depth), _yaml_node(item, depth + 1)))
        return MappingNode(_MAP, pairs, flow_style=False)
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            items.append(_yaml_node(item, depth + 1))
        return SequenceNode(_SEQ, items, flow_style=False)
    raise TypeError(f"cannot dump a {type(value).__name__} as YAML")


def _key_text(key: Any) -> str:
    """A dict key for output: strings as they are, other scalars as their JSON text."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _go_json_float(key)
    if key is None or isinstance(key, (bool, int)):
        return go_json_scalar_text(key)
    raise TypeError(f"mapping keys must be strings, not {type(key).__name__}")


def dump_yaml(obj: Any, *, width: int = 80) -> str:
    """Block-style YAML of a JSON-like value, as ``kubectl get -o yaml`` writes it.

    Two-space indentation, list items at their key's column, keys in insertion order
    (kubectl sorts them), no anchors or aliases, non-ASCII text as is, lines folded at
    ``width`` like go-yaml's default. Strings that go-yaml would read as something else
    (``"yes"``, ``"y"``, ``"1"``, ``"2024-01-01"``, ``""`` …) are double-quoted, and
    multi-line strings are ``|`` blocks when that keeps them exact, so
    ``load_documents(dump_yaml(x))`` gives ``x`` back.

    Raises ``TypeError`` for values that are not JSON-like (dict, list, tuple, str,
    int, float, bool, None) and ``ValueError`` when nested deeper than
    :data:`MAX_DEPTH`.
    """
    node = _yaml_node(obj, 0)
    stream = io.StringIO()
    emitter = _EMITTER(stream, indent=2, width=width, allow_unicode=True, line_break="\n")
    try:
        emitter.open()
        emitter.serialize(node)
        emitter.close()
    finally:
        emitter.dispose()
    return stream.getvalue()


def dump_json(obj: Any, *, indent: int = 4, sort_keys: bool = False) -> str:
    """JSON as ``kubectl get -o json`` writes it (Go's ``json.MarshalIndent``).

    Four-space indentation and a final newline, keys in insertion order (kubectl
    sorts them; ``sort_keys``: sorted, as Go sorts a map's), Go's number text (``1.0``
    → ``1``, ``1e-7`` → ``1e-7``) and Go's escapes of ``<``, ``>``, ``&``, U+2028 and
    U+2029.

    Raises ``ValueError`` for infinities/NaN (as Go does) and for nesting deeper than
    :data:`MAX_DEPTH`, ``TypeError`` for values that are not JSON-like.
    """
    parts: list[str] = []
    _json_write(obj, parts, "\n", " " * indent, 0, sort_keys=sort_keys)
    parts.append("\n")
    return "".join(parts)


def marshal_json(obj: Any) -> str:
    """Go's ``json.Marshal`` of decoded JSON: compact, each object's keys sorted (as Go
    sorts a map's), Go's number text and escapes. Raises as :func:`dump_json`."""
    parts: list[str] = []
    _json_write(obj, parts, "", "", 0, colon=":", sort_keys=True)
    return "".join(parts)


def _json_write(
    value: Any,
    out: list[str],
    newline: str,
    step: str,
    depth: int,
    *,
    colon: str = ": ",
    sort_keys: bool = False,
) -> None:
    if isinstance(value, str):
        out.append(_go_json_string(value))
    elif value is None or isinstance(value, (bool, int, float)):
        out.append(go_json_scalar_text(value))
    elif depth >= MAX_DEPTH:
        raise ValueError(f"cannot dump: nesting deeper than {MAX_DEPTH} levels")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + step
        out.append("{")
        items = (
            sorted(value.items(), key=lambda kv: _key_text(kv[0])) if sort_keys else value.items()
        )
        for i, (key, item) in enumerate(items):
            out.append(("," if i else "") + inner + _go_json_string(_key_text(key)) + colon)
            _json_write(item, out, inner, step, depth + 1, colon=colon, sort_keys=sort_keys)
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + step
        out.append("[")
        for i, item in enumerate(value):
            out.append(("," if i else "") + inner)
            _json_write(item, out, inner, step, depth + 1, colon=colon, sort_keys=sort_keys)
        out.append(newline + "]")
    else:
        raise TypeError(f"cannot dump a {type(value).__name__} as JSON")
