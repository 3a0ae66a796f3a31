"""The pure tkn formatters: hako/durafmt's quirks, Go durations, and Go's tabwriter
column blocks (what the list and describe goldens rely on)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tektite.cli import formatting as fmt

S = 1_000_000_000


@pytest.mark.parametrize(
    ("ns", "limit", "text"),
    [
        (0, 0, "0 seconds"),
        (0, 1, "0 seconds"),
        (90 * 60 * S, 0, "1 hour 30 minutes"),
        (90 * 60 * S, 1, "1 hour"),
        (1_500_000_000, 0, "1 second 500 milliseconds"),
        (-600 * S, 1, "-10 minutes"),
        (8 * 86400 * S, 0, "1 week 1 day"),
        (400 * 86400 * S, 1, "1 year"),
        (2_500, 0, "2 microseconds"),
        (2 * 3600 * S + 1, 0, "2 hours"),
    ],
)
def test_durafmt(ns: int, limit: int, text: str) -> None:
    assert fmt.durafmt(ns, limit) == text


def test_age_uses_the_largest_unit_only() -> None:
    now = datetime(2024, 4, 4, 12, 0, 30, 250_000, tzinfo=UTC)
    assert fmt.age("2024-04-04T12:00:30Z", now) == "250 milliseconds ago"
    assert fmt.age("2024-04-04T11:00:00Z", now) == "1 hour ago"
    assert fmt.age("2024-04-04T12:05:30Z", now) == "-4 minutes ago"
    assert fmt.age(None, now) == "---"
    assert fmt.age("not a time", now) == "---"
    # the fast path and durafmt agree
    for seconds in (1, 59, 60, 3599, 86400 * 13, 86400 * 800):
        start = datetime.fromtimestamp(now.timestamp() - seconds, UTC).replace(microsecond=0)
        delta = round((now - start).total_seconds() * 1_000_000) * 1000
        assert fmt.age(start, now) == fmt.durafmt(delta, 1) + " ago"


def test_durations_and_timeouts() -> None:
    assert fmt.duration("2024-01-01T00:00:00Z", "2024-01-01T01:02:03Z") == "1h2m3s"
    assert fmt.duration("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z") == "0s"
    assert fmt.duration("2024-01-01T00:00:00Z", None) == "---"
    assert fmt.duration("2024-01-01T00:01:00Z", "2024-01-01T00:00:00Z") == "-1m0s"
    assert fmt.go_duration("1h") == "1h0m0s"
    assert fmt.timeout("1h30m") == "1 hour 30 minutes"
    assert fmt.timeout(None) == "---"


def test_format_desc_and_values() -> None:
    assert fmt.format_desc("a test task to test description") == "a test task to test..."
    assert fmt.format_desc("exactly twenty chars") == "exactly twenty chars"
    assert fmt.go_value({"b": "2", "a": ["x", "y"]}) == "map[a:[x y] b:2]"
    assert fmt.result_value({"b": "2", "a": "1"}) == '{"a":"1","b":"2"}'
    assert fmt.result_value(["a", "b"]) == "a, b"


def test_tabwriter_blocks() -> None:
    """A line without tabs ends a column block; the last cell is never padded."""
    text = "a\tb\nlonger\tc\nno tabs\nx\ty\n"
    assert fmt.tabwrite(text) == "a        b\nlonger   c\nno tabs\nx   y\n"
    # Blocks nest per column: "key  value" (two cells) splits the second column in two.
    text = "k\tv\tz\nkey\tvalue\nk2\tv2\tz2\n"
    assert fmt.tabwrite(text) == "k     v   z\nkey   value\nk2    v2   z2\n"
    # TabIndent: leading empty cells become tabs.
    assert fmt.tabwrite("\tindented\tx\nab\tc\ty\n") == "\tindented   x\nab   c          y\n"
