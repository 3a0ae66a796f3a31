"""Go's ``time.Duration`` text format: ``time.ParseDuration`` and ``Duration.String``.

Tekton's timeouts are ``metav1.Duration`` values: users write ``"1h30m"``, ``"90s"`` or
``"0"``; Tekton prints them back in Go's canonical form (``1h30m0s``) in objects and in
messages such as ``TaskRun "x" failed to finish within "1m0s"``. Both directions are
reproduced here byte for byte, including Go's error messages, because users see them.

Python's ``datetime.timedelta`` neither parses this syntax nor prints this form, and no
maintained package matches Go's edge cases (fractions of hours, ``µs``, overflow,
error texts), hence this small hand-written port of ``src/time/format.go``.

Durations are integers of nanoseconds at the core, as in Go; :func:`parse_go_duration`
and :func:`format_go_duration` are the float-seconds conveniences the engine uses.
"""

from __future__ import annotations

__all__ = [
    "HOUR",
    "MAX_DURATION_NS",
    "MICROSECOND",
    "MILLISECOND",
    "MINUTE",
    "NANOSECOND",
    "SECOND",
    "GoDurationError",
    "format_duration_ns",
    "format_go_duration",
    "parse_duration_ns",
    "parse_go_duration",
]

NANOSECOND = 1
MICROSECOND = 1000 * NANOSECOND
MILLISECOND = 1000 * MICROSECOND
SECOND = 1000 * MILLISECOND
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

MAX_DURATION_NS = (1 << 63) - 1
"""The largest ``time.Duration`` (about 292 years)."""

_OVERFLOW = 1 << 63

# Unit names are matched on UTF-8 bytes, as Go scans the string byte by byte.
_UNITS: dict[bytes, int] = {
    b"ns": NANOSECOND,
    b"us": MICROSECOND,
    "µs".encode(): MICROSECOND,  # U+00B5 micro sign
    "μs".encode(): MICROSECOND,  # U+03BC Greek small letter mu
    b"ms": MILLISECOND,
    b"s": SECOND,
    b"m": MINUTE,
    b"h": HOUR,
}

_DIGITS = b"0123456789"


class GoDurationError(ValueError):
    """A string ``time.ParseDuration`` refuses; ``str(err)`` is Go's error text."""


def _quote(raw: bytes) -> str:
    """The ``time`` package's own ``quote``: ``%q``-like, non-ASCII bytes as ``\\xNN``."""
    out = ['"']
    for b in raw:
        if b >= 0x80 or b < 0x20:
            out.append(f"\\x{b:02x}")
        elif b in (0x22, 0x5C):  # '"' and '\\'
            out.append("\\" + chr(b))
        else:
            out.append(chr(b))
    out.append('"')
    return "".join(out)


def _leading_int(s: bytes) -> tuple[int, bytes]:
    """Consume ``[0-9]*``; raise on overflow past 1<<63 (Go's ``errLeadingInt``)."""
    x = 0
    i = 0
    while i < len(s) and s[i] in _DIGITS:
        if x > _OVERFLOW // 10:
            raise OverflowError
        x = x * 10 + (s[i] - 0x30)
        if x > _OVERFLOW:
            raise OverflowError
        i += 1
    return x, s[i:]


def _leading_fraction(s: bytes) -> tuple[int, float, bytes]:
    """Consume ``[0-9]*`` after a dot, silently dropping precision that would overflow."""
    x = 0
    scale = 1.0
    overflow = False
    i = 0
    while i < len(s) and s[i] in _DIGITS:
        if not overflow:
            if x > MAX_DURATION_NS // 10:
                overflow = True
            else:
                y = x * 10 + (s[i] - 0x30)
                if y > _OVERFLOW:
                    overflow = True
                else:
                    x = y
                    scale *= 10
        i += 1
    return x, scale, s[i:]


def parse_duration_ns(text: str) -> int:
    """Go's ``time.ParseDuration``: the duration in nanoseconds.

    Raises :class:`GoDurationError` with Go's message (``time: invalid duration "abc"``,
    ``time: missing unit in duration "1"``, ``time: unknown unit "d" in duration "1d"``).
    """
    orig = text.encode("utf-8", "surrogateescape")
    s = orig
    invalid = f"time: invalid duration {_quote(orig)}"
    neg = False
    if s and s[0] in b"-+":
        neg = s[0] == 0x2D
        s = s[1:]
    if s == b"0":
        return 0
    if not s:
        raise GoDurationError(invalid)
    total = 0
    while s:
        if not (s[0] == 0x2E or s[0] in _DIGITS):
            raise GoDurationError(invalid)
        before = len(s)
        try:
            v, s = _leading_int(s)
        except OverflowError:
            raise GoDurationError(invalid) from None
        pre = before != len(s)
        f, scale, post = 0, 1.0, False
        if s and s[0] == 0x2E:
            s = s[1:]
            before = len(s)
            f, scale, s = _leading_fraction(s)
            post = before != len(s)
        if not pre and not post:
            raise GoDurationError(invalid)
        i = 0
        while i < len(s) and not (s[i] == 0x2E or s[i] in _DIGITS):
            i += 1
        if i == 0:
            raise GoDurationError(f"time: missing unit in duration {_quote(orig)}")
        unit_text, s = s[:i], s[i:]
        unit = _UNITS.get(unit_text)
        if unit is None:
            raise GoDurationError(
                f"time: unknown unit {_quote(unit_text)} in duration {_quote(orig)}"
            )
        if v > _OVERFLOW // unit:
            raise GoDurationError(invalid)
        v *= unit
        if f > 0:
            # Go computes the fraction in float64 and truncates it (uint64 conversion).
            v += int(float(f) * (float(unit) / scale))
            if v > _OVERFLOW:
                raise GoDurationError(invalid)
        total += v
        if total > _OVERFLOW:
            raise GoDurationError(invalid)
    if neg:
        return -total
    if total > MAX_DURATION_NS:
        raise GoDurationError(invalid)
    return total


def parse_go_duration(text: str) -> float:
    """Go's ``time.ParseDuration``, in seconds (see :func:`parse_duration_ns`)."""
    return parse_duration_ns(text) / SECOND


def _frac(v: int, prec: int) -> tuple[str, int]:
    """Go's ``fmtFrac``: ``.ddd`` of ``v / 10**prec`` without trailing zeros."""
    digits = []
    printing = False
    for _ in range(prec):
        digit = v % 10
        printing = printing or digit != 0
        if printing:
            digits.append(str(digit))
        v //= 10
    text = "." + "".join(reversed(digits)) if printing else ""
    return text, v


def format_duration_ns(ns: int) -> str:
    """Go's ``Duration.String`` (``1h0m0s``, ``1m30s``, ``1.5s``, ``500ms``, ``0s``)."""
    neg = ns < 0
    u = -ns if neg else ns
    if u < SECOND:
        if u == 0:
            return "0s"
        if u < MICROSECOND:
            prec, unit = 0, "ns"
        elif u < MILLISECOND:
            prec, unit = 3, "µs"
        else:
            prec, unit = 6, "ms"
        frac, u = _frac(u, prec)
        text = f"{u}{frac}{unit}"
    else:
        frac, u = _frac(u, 9)
        text = f"{u % 60}{frac}s"
        u //= 60
        if u > 0:
            text = f"{u % 60}m{text}"
            u //= 60
            if u > 0:
                text = f"{u}h{text}"
    return "-" + text if neg else text


def format_go_duration(seconds: float) -> str:
    """Go's ``Duration.String`` of a duration given in seconds."""
    return format_duration_ns(round(seconds * SECOND))
