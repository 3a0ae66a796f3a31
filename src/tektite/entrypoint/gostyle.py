"""Go-shaped text: log lines, quoting, OS error messages and timestamps.

Tekton's entrypoint is a Go program. What it prints to a step's stderr and the
error texts it produces (``open /x: no such file or directory``) are part of
the behaviour users see in step logs and tests assert on, so the wrapper
formats them the way Go's ``log``, ``log/slog``, ``strconv.Quote`` and
``os.PathError`` do.
"""

from __future__ import annotations

import errno
import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

# Go's time layout "2006-01-02T15:04:05.000Z07:00": RFC 3339 with milliseconds
# (truncated, not rounded) and "Z" for a zero UTC offset.
_NS_PER_S = 1_000_000_000
_NS_PER_MS = 1_000_000


def go_timestamp(now_ns: int | None = None) -> str:
    """Format a time (default: now, local zone as Go's time.Now) as Tekton's StartedAt."""
    ns = time.time_ns() if now_ns is None else now_ns
    secs, rem = divmod(ns, _NS_PER_S)
    tm = time.localtime(secs)
    offset = tm.tm_gmtoff or 0
    if offset == 0:
        zone = "Z"
    else:
        sign = "+" if offset > 0 else "-"
        hours, minutes = divmod(abs(offset) // 60, 60)
        zone = f"{sign}{hours:02d}:{minutes:02d}"
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', tm)}.{rem // _NS_PER_MS:03d}{zone}"


_QUOTE_ESCAPES = {
    0x07: "\\a",
    0x08: "\\b",
    0x0C: "\\f",
    0x0A: "\\n",
    0x0D: "\\r",
    0x09: "\\t",
    0x0B: "\\v",
    0x5C: "\\\\",
    0x22: '\\"',
}


def go_quote(text: str) -> str:
    """Quote a string like Go's ``strconv.Quote`` / ``%q`` (printable Unicode kept)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        escaped = _QUOTE_ESCAPES.get(code)
        if escaped is not None:
            out.append(escaped)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xDC80 <= code <= 0xDCFF:
            # A byte that was not valid UTF-8 (kept by surrogateescape): Go prints it as \xNN.
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x80 or ch.isprintable():
            out.append(ch)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def errno_text(error: OSError) -> str:
    """Return Go's text for an errno: libc's message with a lower-case first letter."""
    if error.errno is None:
        return str(error)
    message = os.strerror(error.errno)
    return message[:1].lower() + message[1:]


def path_error(op: str, path: str, error: OSError) -> str:
    """Format an OS error like Go's ``*os.PathError``: ``<op> <path>: <errno text>``."""
    return f"{op} {path}: {errno_text(error)}"


def read_op(error: OSError) -> str:
    """The Go op name for a failed ``os.ReadFile``: opening a directory succeeds in Go
    and the *read* fails, while Python already fails to open it."""
    return "read" if error.errno == errno.EISDIR else "open"


def _write_stderr(line: str) -> None:
    # One write(2) per line, unbuffered, like Go's logger: lines from the wrapper and
    # the child interleave sanely on the shared stderr.
    data = line.encode("utf-8", "surrogateescape")
    while data:
        try:
            written = os.write(2, data)
        except OSError:
            return
        data = data[written:]


def _log_stamp() -> str:
    return time.strftime("%Y/%m/%d %H:%M:%S")


def log_line(message: str) -> str:
    """A line as Go's ``log.Print`` writes it: ``2006/01/02 15:04:05 message\\n``."""
    line = f"{_log_stamp()} {message}"
    return line if line.endswith("\n") else line + "\n"


def log(message: str) -> None:
    """Print a line like Go's ``log.Print`` on stderr (``log_line``)."""
    _write_stderr(log_line(message))


def _slog_value(value: str) -> str:
    # slog's text form quotes a value only when it is empty or has spaces, '=',
    # quotes or unprintable characters.
    if not value:
        return '""'
    for ch in value:
        if ch in ' ="' or (not ch.isprintable() and ch != "\\"):
            return go_quote(value)
    return value


def slog(level: str, message: str, attrs: Iterable[tuple[str, str]] = ()) -> None:
    """Print a line like Go's default ``log/slog`` handler: ``<stamp> LEVEL msg k=v``."""
    parts = [f"{_log_stamp()} {level} {message}"]
    parts.extend(f"{key}={_slog_value(value)}" for key, value in attrs)
    _write_stderr(" ".join(parts) + "\n")
