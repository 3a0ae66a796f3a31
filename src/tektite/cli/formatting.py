"""tkn's text formats, as pure functions: ages, durations, statuses, tables.

Each function reproduces one of tkn's ``pkg/formatted`` helpers (and the Go library
behind it) exactly, because scripts parse tkn's output:

- :func:`age` is ``formatted.Age``: ``durafmt.ParseShort(now - t) + " ago"`` — only the
  largest unit (``59 minutes ago``, ``1 day ago``, ``0 seconds ago``), ``---`` if unset;
- :func:`duration` is ``formatted.Duration``: Go's ``Duration.String`` of
  ``end - start`` (``1m0s``, ``1h2m3s``), ``---`` if either is unset;
- :func:`timeout` is ``formatted.Timeout``: the full ``durafmt`` text (``5 minutes``);
- :func:`condition` is ``formatted.Condition``: ``Succeeded``, ``Failed(Reason)``,
  ``Cancelled(PipelineRunCancelled)``, ``---``;
- :func:`tabwrite` is Go's ``text/tabwriter`` as tkn configures it
  (``NewWriter(out, 0, 5, 3, ' ', TabIndent)``).

Nothing here reads a clock or the environment: callers pass ``now`` and ``color``.
Timestamps are read as ``metav1.Time`` holds them after the API server has stored
them, that is to the second.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from tektite.api.durations import format_duration_ns, parse_duration_ns

__all__ = [
    "DASH",
    "PLAIN",
    "Style",
    "age",
    "by_name",
    "condition",
    "durafmt",
    "duration",
    "format_desc",
    "go_duration",
    "go_value",
    "last_run",
    "newest_first_key",
    "param_value",
    "parse_time",
    "result_value",
    "sort_newest_first",
    "tabwrite",
    "timeout",
    "workspace_binding",
]

DASH = "---"
"""tkn's placeholder for a value that is not there."""

_NS_PER_US = 1_000
# durafmt's units, largest first: (singular, plural, microseconds, short form)
_UNITS: tuple[tuple[str, str, int, str], ...] = (
    ("year", "years", 365 * 24 * 3600 * 10**6, "y"),
    ("week", "weeks", 7 * 24 * 3600 * 10**6, "w"),
    ("day", "days", 24 * 3600 * 10**6, "d"),
    ("hour", "hours", 3600 * 10**6, "h"),
    ("minute", "minutes", 60 * 10**6, "m"),
    ("second", "seconds", 10**6, "s"),
    ("millisecond", "milliseconds", 1000, "ms"),
    ("microsecond", "microseconds", 1, "µs"),
)


def parse_time(text: object) -> datetime | None:
    """A ``metav1.Time`` from its RFC 3339 text, to the second; None when unset or
    unreadable (tkn prints ``---`` for both)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=0)


def _between(start: datetime, end: datetime) -> int:
    """``end - start`` in nanoseconds (Go's ``Time.Sub``)."""
    delta = end - start
    return ((delta.days * 86_400 + delta.seconds) * 10**6 + delta.microseconds) * _NS_PER_US


def durafmt(ns: int, limit_first_n: int = 0) -> str:
    """``durafmt.Parse(d).String()`` (``limit_first_n=0``) or ``ParseShort`` (1).

    Mirrors hako/durafmt's quirks: a negative duration keeps its ``-`` on the first
    number only, a zero duration reads ``0 seconds``, units below a microsecond vanish.
    """
    go_text = format_duration_ns(ns)
    out = ""
    if go_text.startswith("-"):
        out = "-"
        ns = -ns
    remaining = ns // _NS_PER_US
    parts: list[str] = []
    for singular, plural, size, short in _UNITS:
        value, remaining = divmod(remaining, size)
        if value > 1:
            parts.append(f"{value} {plural}")
        elif value == 1:
            parts.append(f"{value} {singular}")
        elif ns == 0 and go_text in (f"0{short}", f"-0{short}"):
            parts.append(f"0 {plural}")
    text = out + " ".join(parts)
    if limit_first_n > 0:
        words = text.split(" ")
        if len(words) > limit_first_n * 2:
            text = " ".join(words[: limit_first_n * 2])
    return text


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECONDS_CACHE: dict[str, int | None] = {}


def _epoch_seconds(t: object) -> int | None:
    """Whole seconds since the epoch of a ``metav1.Time`` (its text or a datetime)."""
    if isinstance(t, datetime):
        moment: datetime | None = t if t.tzinfo else t.replace(tzinfo=UTC)
    elif isinstance(t, str) and t:
        if t in _SECONDS_CACHE:  # runs of a busy hour share their timestamps
            return _SECONDS_CACHE[t]
        moment = parse_time(t)
        value = None if moment is None else (moment - _EPOCH) // _ONE_SECOND
        if len(_SECONDS_CACHE) < 100_000:
            _SECONDS_CACHE[t] = value
        return value
    else:
        return None
    return None if moment is None else (moment.replace(microsecond=0) - _EPOCH) // _ONE_SECOND


_ONE_SECOND = timedelta(seconds=1)
_ONE_US = timedelta(microseconds=1)


def _largest_unit(us: int) -> str:
    """``durafmt.ParseShort(d).String()`` for ``d`` in microseconds: the largest
    non-zero unit alone (``0 seconds`` for zero, ``-`` kept on negatives)."""
    if us == 0:
        return "0 seconds"
    sign = "-" if us < 0 else ""
    us = abs(us)
    for singular, plural, size, _ in _UNITS:
        if us >= size:
            value = us // size
            return f"{sign}{value} {singular if value == 1 else plural}"
    return sign  # unreachable for whole microseconds


def age(t: object, now: datetime) -> str:
    """``formatted.Age``: how long ago ``t`` was, in its largest unit, or ``---``."""
    start = _epoch_seconds(t)
    if start is None:
        return DASH
    return _largest_unit((now - _EPOCH) // _ONE_US - start * 1_000_000) + " ago"


def _go_seconds(seconds: int) -> str:
    """Go's ``Duration.String`` of a whole number of seconds (``1h2m3s``, ``0s``)."""
    if seconds < 0:
        return "-" + _go_seconds(-seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{s}s"
    hours, m = divmod(minutes, 60)
    return f"{hours}h{m}m{s}s"


def duration(start: object, end: object) -> str:
    """``formatted.Duration``: ``end - start`` as Go prints durations, or ``---``."""
    t1, t2 = _epoch_seconds(start), _epoch_seconds(end)
    if t1 is None or t2 is None:
        return DASH
    return _go_seconds(t2 - t1)


def go_duration(text: object) -> str:
    """A ``metav1.Duration`` as Go prints it (``1h0m0s``); the text itself if it does
    not parse, "" if unset."""
    if not isinstance(text, str) or not text:
        return ""
    try:
        return format_duration_ns(parse_duration_ns(text))
    except ValueError:
        return text


def timeout(text: object) -> str:
    """``formatted.Timeout``: a ``metav1.Duration`` in words (``5 minutes``), or ``---``."""
    if not isinstance(text, str) or not text:
        return DASH
    try:
        return durafmt(parse_duration_ns(text))
    except ValueError:
        return text


class Style:
    """tkn's colours and emoji (``formatted.DecorateAttr``/``ColorStatus``); plain text
    when ``color`` is off, as tkn is when its output is not a terminal."""

    _EMOJI: ClassVar[dict[str, str]] = {
        "params": "⚓ ",
        "tasks": "🗒  ",
        "pipelineruns": "⛩  ",
        "status": "🌡️  ",
        "steps": "🦶 ",
        "message": "💌 ",
        "taskruns": "🗂  ",
        "sidecars": "🚗 ",
        "results": "📝 ",
        "workspaces": "📂 ",
        "skippedtasks": "⏭️  ",
        "timeouts": "⏱  ",
    }
    # fatih/color's FgHi* codes for tkn's ConditionColor map
    _STATUS: ClassVar[dict[str, int]] = {
        "Failed": 91,
        "Succeeded": 92,
        "Running": 94,
        "Cancelled": 93,
        "Completed": 95,
        "Pending": 93,
        "Started": 96,
    }

    def __init__(self, color: bool) -> None:
        self.color = color

    def emoji(self, section: str) -> str:
        """The emoji before a describe section's heading ("" without colour)."""
        return self._EMOJI.get(section, "") if self.color else ""

    def heading(self, text: str) -> str:
        """A section heading: underlined bold (fatih/color joins the codes: ``4;1``)."""
        return f"\x1b[4;1m{text}\x1b[0m" if self.color else text

    def bold(self, text: str) -> str:
        """A bold key (``Name``, ``Namespace``…)."""
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    def bullet(self, text: str) -> str:
        """A table row's first cell: ``∙ name`` with colour on."""
        return f"∙ {text}" if self.color else text

    def status(self, word: str) -> str:
        """``formatted.ColorStatus``: the status word in its colour."""
        if not self.color:
            return word
        code = self._STATUS.get(word)
        # color.New(0) for unknown words still wraps the text in a reset sequence.
        return f"\x1b[{code or 0}m{word}\x1b[0m"


PLAIN = Style(False)


def step_state(state: Mapping[str, Any], style: Style = PLAIN) -> str:
    """tkn's ``stepReasonExists``: a step's (or sidecar's) Waiting reason, ``Running``,
    or its Terminated reason."""
    if state.get("waiting") is not None:
        return style.status(str((state["waiting"] or {}).get("reason", "")))
    if state.get("running") is not None:
        return style.status("Running")
    if state.get("terminated") is not None:
        return style.status(str((state["terminated"] or {}).get("reason", "")))
    return style.status(DASH)


_CONDITION_WORDS = {"False": "Failed", "True": "Succeeded", "Unknown": "Running"}


def condition(conditions: object, style: Style = PLAIN) -> str:
    """``formatted.Condition``: the first condition as ``Status(Reason)``."""
    if not isinstance(conditions, list) or not conditions or not isinstance(conditions[0], dict):
        return DASH
    c = conditions[0]
    status = _CONDITION_WORDS.get(str(c.get("status", "")), "")
    reason = str(c.get("reason") or "")
    if reason == "Completed" and status == "Succeeded":
        return style.status(status)
    if reason and reason != status:
        if reason in ("PipelineRunCancelled", "TaskRunCancelled", "Cancelled"):
            if reason == "Cancelled":
                return style.status("Cancelled")
            return style.status("Cancelled") + f"({reason})"
        if reason in ("PipelineRunStopping", "TaskRunStopping"):
            return style.status("Failed") + f"({reason})"
        if reason in (
            "CreateContainerConfigError",
            "ExceededNodeResources",
            "ExceededResourceQuota",
        ):
            return style.status("Pending") + f"({reason})"
        if reason == "PipelineRunPending":
            return style.status("Pending")
        return style.status(status) + f"({reason})"
    return style.status(status)


def format_desc(desc: object) -> str:
    """``formatted.FormatDesc``: a description cut to 19 characters plus ``...`` when
    longer than 20 (Go slices bytes; so does this, on the UTF-8 text)."""
    text = desc if isinstance(desc, str) else ""
    raw = text.encode()
    if len(raw) > 20:
        return raw[:19].decode(errors="ignore") + "..."
    return text


def go_value(value: object) -> str:
    """A value as Go's ``fmt`` prints it in a template: ``[a b c]`` for a slice,
    ``map[k:v]`` (keys sorted) for a map, ``true``/``false`` for a bool."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    if value is None:
        return "<nil>"
    return str(value)


def param_value(value: object) -> str:
    """A Param's value in a describe table: the string, ``[a b]`` or ``map[k:v]``."""
    if isinstance(value, str):
        return value
    return go_value(value if value is not None else "")


def result_value(value: object) -> str:
    """``formatted.Result``: a string without its final newline, an array joined by
    ``, ``, an object as compact JSON (Go sorts the keys)."""
    if isinstance(value, str):
        return value.removesuffix("\n")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return "<invalid result type>"


def _items(items: object) -> str:
    out = ""
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict):
            out += f",item={item.get('key', '')}={item.get('path', '')}"
    return out


def workspace_binding(ws: Mapping[str, Any]) -> str:
    """``formatted.Workspace``: ``EmptyDir (emptyDir=)``, ``ConfigMap (config=cm)``…"""
    if ws.get("volumeClaimTemplate") is not None:
        return "VolumeClaimTemplate"
    if ws.get("persistentVolumeClaim") is not None:
        return (
            f"PersistentVolumeClaim (claimName={ws['persistentVolumeClaim'].get('claimName', '')})"
        )
    if ws.get("emptyDir") is not None:
        medium = (ws["emptyDir"] or {}).get("medium", "")
        return f"EmptyDir (emptyDir={medium if medium in ('Memory', 'HugePages') else ''})"
    if ws.get("configMap") is not None:
        cm = ws["configMap"]
        return f"ConfigMap (config={cm.get('name', '')}{_items(cm.get('items'))})"
    if ws.get("secret") is not None:
        secret = ws["secret"]
        return f"Secret (secret={secret.get('secretName', '')}{_items(secret.get('items'))})"
    if ws.get("csi") is not None:
        return f"CSI (Driver={ws['csi'].get('driver', '')})"
    return ""


def newest_first_key(run: Mapping[str, Any]) -> tuple[int, int]:
    """The sort key of tkn's ``SortByStartTime``: runs not started yet first, then
    the newest start first."""
    status = run.get("status")
    start = _epoch_seconds(status.get("startTime") if isinstance(status, dict) else None)
    return (0, 0) if start is None else (1, -start)


def sort_newest_first(runs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """tkn's ``SortByStartTime``; ties keep their order (the API server lists by name)."""
    return sorted(runs, key=newest_first_key)


def by_name(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API server's list order: by namespace, then name."""
    return sorted(
        objects, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"])
    )


def last_run(runs: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """tkn's ``LastRun``: the run created last, the first of equals in the API server's
    list order (``by_name``)."""
    latest: dict[str, Any] | None = None
    for r in by_name(runs):
        if latest is None or (parse_time(r["metadata"].get("creationTimestamp")) or _EPOCH) > (
            parse_time(latest["metadata"].get("creationTimestamp")) or _EPOCH
        ):
            latest = r
    return latest


_EPOCH = datetime.fromisoformat("0001-01-01T00:00:00+00:00")


def tabwrite(text: str, minwidth: int = 0, padding: int = 3, tabwidth: int = 5) -> str:
    """Go's ``text/tabwriter`` with ``padchar ' '`` and ``TabIndent``, as tkn uses it.

    Cells are tab-terminated; a column is as wide as its widest cell plus
    ``padding``, computed per *column block* (consecutive lines that have a cell in
    that column), so a line without tabs ends every block above it. The text after
    a line's last tab is not aligned. Widths count runes, as Go does.
    """
    lines = [line.split("\t") for line in text.split("\n")]
    body = lines[:-1] if lines and lines[-1] == [""] else lines
    counts = {len(cells) for cells in body}
    if len(counts) == 1 and all(cells[0] for cells in body):
        # One block (every line has as many cells, none starting empty, so TabIndent
        # never applies), as in every list table: the general algorithm gives the same,
        # far more slowly.
        return _one_block(body, minwidth, padding) + ("\n" if body is not lines else "")
    out: list[str] = []
    _format(lines, 0, len(lines), [], out, minwidth, padding, tabwidth)
    return "\n".join(out)


def _one_block(lines: list[list[str]], minwidth: int, padding: int) -> str:
    columns = len(lines[0]) - 1
    widths = [
        max(minwidth, max(len(cells[j]) for cells in lines) + padding) for j in range(columns)
    ]
    return "\n".join(
        "".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=False)) + cells[-1]
        for cells in lines
    )


def _format(
    lines: Sequence[list[str]],
    line0: int,
    line1: int,
    widths: list[int],
    out: list[str],
    minwidth: int,
    padding: int,
    tabwidth: int,
) -> None:
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write_lines(lines, line0, this, widths, out, tabwidth)
        line0 = this
        width = minwidth
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + padding)
            this += 1
        widths.append(width)
        _format(lines, line0, this, widths, out, minwidth, padding, tabwidth)
        widths.pop()
        line0 = this
    _write_lines(lines, line0, line1, widths, out, tabwidth)


def _write_lines(
    lines: Sequence[list[str]],
    line0: int,
    line1: int,
    widths: list[int],
    out: list[str],
    tabwidth: int,
) -> None:
    for i in range(line0, line1):
        cells = lines[i]
        parts: list[str] = []
        leading = True  # TabIndent: leading empty cells are written as tabs
        for j, cell in enumerate(cells):
            if j < len(widths):
                if not cell and leading:
                    cellw = (widths[j] + tabwidth - 1) // tabwidth * tabwidth
                    parts.append("\t" * ((cellw + tabwidth - 1) // tabwidth))
                    continue
                leading = False
                parts.append(cell + " " * (widths[j] - len(cell)))
            else:
                leading = False
                parts.append(cell)
        out.append("".join(parts))
