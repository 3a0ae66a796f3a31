"""Go's fmt as templates use it: ``%v`` printing, ``printf``, ``print``/``println``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tektite.api.errors import go_quote
from tektite.api.yamlio import go_format_float

from .values import _dig, _from_json, _go_string_bytes, _go_type, _is_go_int


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
