"""In-process unit tests of the pure pieces: Go-compatible encodings and parsers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tektite.entrypoint.errors import StepError
from tektite.entrypoint.gostyle import go_quote, go_timestamp
from tektite.entrypoint.paths import TektonPaths
from tektite.entrypoint.substitution import (
    parse_result_value,
    parse_step_expression,
    replace_command_and_args,
)
from tektite.entrypoint.termination import (
    RunResult,
    decode_results,
    encode_results,
    go_json_string,
    parse_message,
)
from tektite.entrypoint.waiter import Backoff, CancelWatch
from tektite.entrypoint.when import WhenExpression, allows_execution, parse_when_expressions


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "CET-1")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_started_at_format_in_utc(utc: None) -> None:
    assert go_timestamp(1_700_000_000_123_999_999) == "2023-11-14T22:13:20.123Z"


def test_started_at_format_with_an_offset(berlin: None) -> None:
    assert go_timestamp(1_700_000_000_000_000_000) == "2023-11-14T23:13:20.000+01:00"


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("plain", '"plain"'),
        ("<a&b>", '"\\u003ca\\u0026b\\u003e"'),
        ('q"\\', '"q\\"\\\\"'),
        ("\n\r\t\b\f", '"\\n\\r\\t\\b\\f"'),
        ("\x00\x1f\x7f", '"\\u0000\\u001f\x7f"'),
        ("é\u2028\u2029😀", '"é\\u2028\\u2029😀"'),
        ("bad\udcff", '"bad\ufffd"'),
    ],
)
def test_json_strings_are_encoded_like_go(text: str, encoded: str) -> None:
    assert go_json_string(text) == encoded


def test_run_results_encode_like_go_structs() -> None:
    results = [RunResult("a", "1", 1), RunResult("b", "", 0), RunResult("c", "x", 3, "res")]
    assert encode_results(results) == (
        '[{"key":"a","value":"1","type":1},{"key":"b","value":""},'
        '{"key":"c","value":"x","resourceName":"res","type":3}]'
    )


def test_decoding_accepts_legacy_types_case_and_nulls() -> None:
    decoded = decode_results(
        '[{"Key":"a","VALUE":"1","type":"TaskRunResult"},{"key":"b","type":"StepResult"},'
        '{"key":"c","type":"Whatever"},null,{"key":"d","value":null,"type":null,"extra":1}]'
    )
    assert decoded == [
        RunResult("a", "1", 1),
        RunResult("b", "", 4),
        RunResult("c", "", 10),
        RunResult("", "", 0),
        RunResult("d", "", 0),
    ]
    assert decode_results("null") == []


@pytest.mark.parametrize(
    "text", ['{"key":"a"}', '[{"key":1}]', '[{"type":1.5}]', '[{"type":true}]', "[1]", "[NaN]"]
)
def test_decoding_rejects_what_go_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        decode_results(text)


def test_parse_message_dedups_sorts_and_drops_empty_entries() -> None:
    message = (
        '[{"key":"b","value":"1","type":1},{"key":"a","value":"x","type":4},'
        '{"key":"","value":""},{"key":"b","value":"2","type":1}]'
    )
    assert parse_message(message) == [RunResult("a", "x", 4), RunResult("b", "2", 1)]
    assert parse_message("") == []
    with pytest.raises(ValueError, match=r"^parsing message json: "):
        parse_message("{")


def test_go_quote() -> None:
    assert go_quote('a"b\\c\n\x01é') == '"a\\"b\\\\c\\n\\x01é"'


def test_backoff_starts_fast_and_caps_at_50ms() -> None:
    backoff = Backoff()
    intervals = [backoff.next_interval() for _ in range(8)]
    assert intervals[:5] == [0.002, 0.004, 0.008, 0.016, 0.032]
    assert intervals[5:] == [0.05, 0.05, 0.05]


def test_cancel_watch_needs_content(tmp_path: Path) -> None:
    cancel = tmp_path / "cancel"
    watch = CancelWatch(str(cancel))
    assert watch.poll() is False
    cancel.write_text("")
    assert watch.poll() is False
    cancel.write_text("CANCEL")
    assert watch.poll() is True
    assert watch.next_interval() is None  # done watching


def test_cancel_watch_gives_up_on_an_err_twin(tmp_path: Path) -> None:
    (tmp_path / "cancel.err").write_text("")
    watch = CancelWatch(str(tmp_path / "cancel"))
    assert watch.poll() is False
    assert watch.next_interval() is None


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("", "string", ""),
        ("plain text", "string", "plain text"),
        ('"quoted"', "string", "quoted"),
        ("null", "string", ""),
        ("42", "string", "42"),
        ('["a", "b"]\n', "array", ["a", "b"]),
        ("[1, 2]", "string", "[1, 2]"),
        (' ["a"]', "string", ' ["a"]'),
        ('{"k": "v"}', "object", {"k": "v"}),
        ('{"k": 1}', "string", '{"k": 1}'),
    ],
)
def test_result_values_are_typed_like_param_values(raw: str, kind: str, value: object) -> None:
    parsed = parse_result_value(raw)
    assert parsed.kind == kind
    actual = {"string": parsed.string, "array": parsed.array, "object": parsed.object}[kind]
    assert actual == value


def test_step_expressions() -> None:
    string = parse_step_expression("steps.s.results.r")
    assert (string.step, string.result, string.kind, string.index) == ("s", "r", "string", None)
    star = parse_step_expression("steps.s.results.r[*]")
    assert (star.result, star.kind, star.index) == ("r", "array", None)
    indexed = parse_step_expression("steps.s.results.r[12]")
    assert (indexed.result, indexed.kind, indexed.index) == ("r", "array", 12)
    obj = parse_step_expression("steps.s.results.r.key")
    assert (obj.result, obj.kind, obj.key) == ("r", "object", "key")
    with pytest.raises(StepError, match=r'^must be one of the form 1\). "tasks\.'):
        parse_step_expression("steps.s.results.r.a.b")
    with pytest.raises(StepError, match=r'^must be one of the form 1\). "steps\.'):
        parse_step_expression("steps.s.x.results")


def test_command_substitution_expands_arrays(tmp_path: Path) -> None:
    paths = TektonPaths(str(tmp_path))
    result = tmp_path / "steps" / "step-s" / "results" / "list"
    result.parent.mkdir(parents=True)
    result.write_text('["x","y"]')
    assert replace_command_and_args(["cmd", "$(steps.s.results.list[*])", "z"], paths) == [
        "cmd",
        "x",
        "y",
        "z",
    ]
    # An empty array leaves an empty argument, as Tekton does.
    result.write_text("[]")
    assert replace_command_and_args(["$(steps.s.results.list[*])"], paths) == [""]


def test_when_semantics() -> None:
    assert WhenExpression("a", "in", ["a"]).is_true()
    assert not WhenExpression("a", "in", ["b"]).is_true()
    assert WhenExpression("a", "notin", ["b"]).is_true()
    assert not WhenExpression("a", "notin", ["a"]).is_true()
    assert WhenExpression("a", "whatever", ["b"]).is_true()  # anything but "in" is notin
    assert allows_execution([]) is True
    assert allows_execution([WhenExpression("a", "in", ["a"]), WhenExpression("b", "in", [])]) is (
        False
    )


def test_when_json_parsing() -> None:
    parsed = parse_when_expressions(
        '[{"input":"i","operator":"in","values":["v"]},{"cel":"true"},null]'
    )
    assert [(w.input, w.operator, w.values, w.cel) for w in parsed] == [
        ("i", "in", ["v"], ""),
        ("", "", [], "true"),
        ("", "", [], ""),
    ]
    with pytest.raises(ValueError):
        parse_when_expressions('[{"values":"notalist"}]')


def test_main_returns_the_exit_status_the_os_would_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tektite.entrypoint.main import main

    monkeypatch.setenv("TEKTITE_TEKTON_DIR", str(tmp_path / "tekton"))
    flags = ["-post_file", str(tmp_path / "out"), "-termination_path", str(tmp_path / "term")]
    flags += ["-step_metadata_dir", str(tmp_path / "status")]
    assert main([*flags, "-entrypoint", "sh", "--", "-c", "kill -9 $$"]) == 255
    assert main([*flags, "-entrypoint", "sh", "--", "-c", "exit 300"]) == 300 & 0xFF
    assert main(["-no-such-flag"]) == 1
