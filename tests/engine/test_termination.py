"""Termination messages and results-sidecar logs, read as Tekton's controller reads them.

Cases are lifted from ``pkg/termination/parse_test.go``, ``pkg/result/result_test.go``
and ``internal/sidecarlogresults/sidecarlogresults_test.go``.
"""

from __future__ import annotations

import base64
import zlib

import pytest

from tektite.engine.termination import (
    INTERNAL_TEKTON_RESULT,
    STEP_ARTIFACTS_RESULT,
    STEP_RESULT,
    TASK_RUN_ARTIFACTS_RESULT,
    TASK_RUN_RESULT,
    UNKNOWN_RESULT,
    RunResult,
    SidecarLogError,
    TerminationMessageError,
    decode_results,
    encode_results,
    parse_message,
    parse_sidecar_log_results,
    split_sidecar_result_name,
)


def _compress(text: str) -> str:
    """What the step wrapper writes with compression on: raw deflate, unpadded base64."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = deflater.compress(text.encode()) + deflater.flush()
    return "tknz:" + base64.b64encode(raw).decode().rstrip("=")


# -- parse_message (TestParseMessage) ------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "want"),
    [
        pytest.param(
            '[{"key": "digest","value":"hereisthedigest"},{"key":"foo","value":"bar"}]',
            [RunResult("digest", "hereisthedigest"), RunResult("foo", "bar")],
            id="valid message",
        ),
        pytest.param(
            '[{"invalid": "digest","value":"hereisthedigest"},{"key":"foo","value":"bar"}]',
            [RunResult("", "hereisthedigest"), RunResult("foo", "bar")],
            id="invalid key in message",
        ),
        pytest.param("", [], id="empty message"),
        pytest.param(
            """[
            {"key":"foo","value":"first"},
            {"key":"foo","value":"middle"},
            {"key":"foo","value":"last"}]""",
            [RunResult("foo", "last")],
            id="duplicate keys",
        ),
        pytest.param(
            """[
            {"key":"foo","value":"first"},
            {},
            {"key":"foo","value":"middle"},
            {"key":"foo","value":"last"}]""",
            [RunResult("foo", "last")],
            id="duplicate keys with incorrect result",
        ),
        pytest.param(
            """[
            {"key":"zzz","value":"last"},
            {"key":"ddd","value":"middle"},
            {"key":"aaa","value":"first"}]""",
            [RunResult("aaa", "first"), RunResult("ddd", "middle"), RunResult("zzz", "last")],
            id="sorted by key",
        ),
        pytest.param(
            '[{"key":"digest","value":"sha256:abc123","type":1},'
            '{"key":"url","value":"https://example.com","type":1}]',
            [
                RunResult("digest", "sha256:abc123", TASK_RUN_RESULT),
                RunResult("url", "https://example.com", TASK_RUN_RESULT),
            ],
            id="plain JSON still works",
        ),
        pytest.param(
            '[{"KEY":"a","Value":"b","TYPE":4}]',
            [RunResult("a", "b", STEP_RESULT)],
            id="field names match case-insensitively as in Go",
        ),
        pytest.param(
            '[{"key":"a","value":"b","resourceName":"source-image"}]',
            [RunResult("a", "b", 0, "source-image")],
            id="resourceName of old releases is kept",
        ),
        pytest.param(
            '[null, {"key":"a","value":null,"type":null}]',
            [RunResult("a", "")],
            id="null leaves fields empty",
        ),
        pytest.param("null", [], id="null message"),
    ],
)
def test_parse_message(message: str, want: list[RunResult]) -> None:
    assert parse_message(message) == want


@pytest.mark.parametrize(
    ("data", "want"),
    [
        pytest.param(
            '{"key":"resultName","value":"resultValue", "type": "TaskRunResult"}',
            RunResult("resultName", "resultValue", TASK_RUN_RESULT),
            id="type defined as string - TaskRunResult",
        ),
        pytest.param(
            '{"key":"resultName","value":"resultValue", "type": "StepResult"}',
            RunResult("resultName", "resultValue", STEP_RESULT),
            id="type defined as string - StepResult",
        ),
        pytest.param(
            '{"key":"resultName","value":"", "type": "InternalTektonResult"}',
            RunResult("resultName", "", INTERNAL_TEKTON_RESULT),
            id="type defined as string - InternalTektonResult",
        ),
        pytest.param(
            '{"key":"resultName","value":"", "type": "StepArtifactsResult"}',
            RunResult("resultName", "", STEP_ARTIFACTS_RESULT),
            id="type defined as string - StepArtifactsResultType",
        ),
        pytest.param(
            '{"key":"resultName","value":"", "type": "TaskRunArtifactsResult"}',
            RunResult("resultName", "", TASK_RUN_ARTIFACTS_RESULT),
            id="type defined as string - TaskRunArtifactResult",
        ),
        pytest.param(
            '{"key":"resultName","value":"", "type": 1}',
            RunResult("resultName", "", TASK_RUN_RESULT),
            id="type defined as int",
        ),
        pytest.param(
            '{"key":"resultName","value":"", "type": "SomethingNew"}',
            RunResult("resultName", "", UNKNOWN_RESULT),
            id="unknown type name is UnknownResultType",
        ),
    ],
)
def test_result_type_unmarshal(data: str, want: RunResult) -> None:
    assert decode_results(f"[{data}]") == [want]


def test_compressed_message_is_detected() -> None:
    """TestParseMessage_CompressedAutoDetect."""
    entries = [
        RunResult(
            "image-digest-" + chr(ord("a") + i),
            "gcr.io/project/image@sha256:abcdef1234567890abcdef1234567890abcdef1234567890"
            "abcdef1234567890",
            TASK_RUN_RESULT,
        )
        for i in reversed(range(20))
    ]
    message = _compress(encode_results(entries))
    assert message.startswith("tknz:")
    assert parse_message(message) == sorted(entries, key=lambda e: e.key)


@pytest.mark.parametrize(
    ("message", "prefix"),
    [
        pytest.param("invalid JSON", "parsing message json", id="invalid JSON"),
        pytest.param(
            "tknz:not-valid-base64!!!",
            "decompressing termination message",
            id="compressed prefix with invalid base64",
        ),
        pytest.param(
            "tknz:aGVsbG8gd29ybGQ",
            "decompressing termination message",
            id="compressed prefix with valid base64 but invalid flate",
        ),
        pytest.param(
            "tknz:", "decompressing termination message", id="compressed prefix with empty payload"
        ),
        pytest.param('[{"key": 1}]', "parsing message json", id="key of the wrong type"),
        pytest.param('[{"type": 1.5}]', "parsing message json", id="type neither int nor string"),
        pytest.param('[{"type": true}]', "parsing message json", id="type is a bool"),
        pytest.param("[NaN]", "parsing message json", id="NaN is not JSON to Go"),
        pytest.param('{"key":"a"}', "parsing message json", id="an object, not a list"),
    ],
)
def test_parse_message_invalid(message: str, prefix: str) -> None:
    with pytest.raises(TerminationMessageError) as raised:
        parse_message(message)
    assert str(raised.value).startswith(prefix)


def test_parse_message_error_shows_message_truncated() -> None:
    with pytest.raises(TerminationMessageError) as raised:
        parse_message("x" * 300)
    assert str(raised.value).endswith(", msg: " + "x" * 256 + "...(truncated)")


def test_compressed_message_size_limit() -> None:
    big = _compress(encode_results([RunResult("a", "b" * (128 * 1024))]))
    with pytest.raises(TerminationMessageError) as raised:
        parse_message(big)
    assert str(raised.value) == (
        "decompressing termination message: decompressed termination message exceeds "
        "131072 byte limit"
    )


# -- encode_results: Go's json.Marshal ----------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "want"),
    [
        pytest.param([], "[]", id="empty"),
        pytest.param(
            [RunResult("digest", "sha256:1234", 0, "source-image"), RunResult("r", "v", 1)],
            '[{"key":"digest","value":"sha256:1234","resourceName":"source-image"},'
            '{"key":"r","value":"v","type":1}]',
            id="field order and omitempty",
        ),
        pytest.param(
            [RunResult("k", "<a&b>\n\t\b\f\x01\u2028é", 4)],
            '[{"key":"k","value":"\\u003ca\\u0026b\\u003e\\n\\t\\b\\f\\u0001\\u2028é","type":4}]',
            id="HTML-safe escapes, UTF-8 kept",
        ),
    ],
)
def test_encode_results(entries: list[RunResult], want: str) -> None:
    assert encode_results(entries) == want


# -- sidecar logs -------------------------------------------------------------------------


def test_sidecar_log_results() -> None:
    logs = (
        '{"name":"result1","value":"foo","type":"task"}\n'
        '{"name":"step-foo.res","value":"bar","type":"step"}\r\n'
        '{"name":"step-foo","value":"{}","type":"stepArtifact"}\n'
        '{"name":"","value":"{}","type":"taskArtifact"}\n'
    )
    assert parse_sidecar_log_results(logs, 4096) == [
        RunResult("result1", "foo", TASK_RUN_RESULT),
        RunResult("step-foo.res", "bar", STEP_RESULT),
        RunResult("step-foo", "{}", STEP_ARTIFACTS_RESULT),
        RunResult("", "{}", TASK_RUN_ARTIFACTS_RESULT),
    ]


@pytest.mark.parametrize(
    ("logs", "max_size", "want", "size_exceeded"),
    [
        pytest.param(
            '{"name":"result1","value":"foo","type":"task"}\n',
            1,
            "46 bytes results size exceeds configured limit of 1 bytes",
            True,
            id="line larger than max-result-size",
        ),
        pytest.param(
            '{"name":"result1","value":"foo","type":"bad"}\n',
            4096,
            "invalid sidecar result type bad. Must be task or step or stepArtifact",
            False,
            id="unknown type",
        ),
        pytest.param(
            '{"name":"result1","value":1,"type":"task"}\n',
            4096,
            'invalid result "result1": json: cannot unmarshal number into Go struct field '
            "SidecarLogResult.value of type string",
            False,
            id="value not a string",
        ),
    ],
)
def test_sidecar_log_errors(logs: str, max_size: int, want: str, size_exceeded: bool) -> None:
    with pytest.raises(SidecarLogError) as raised:
        parse_sidecar_log_results(logs, max_size)
    assert str(raised.value) == want
    assert raised.value.size_exceeded is size_exceeded


def test_sidecar_log_size_error_keeps_earlier_results() -> None:
    logs = '{"name":"a","value":"1","type":"task"}\n' + '{"name":"b","value":"' + "x" * 80 + '"}\n'
    with pytest.raises(SidecarLogError) as raised:
        parse_sidecar_log_results(logs, 60)
    assert raised.value.partial == (RunResult("a", "1", TASK_RUN_RESULT),)


def test_split_sidecar_result_name() -> None:
    """TestGetStepResultsFromSidecarLogs(_Error)."""
    assert split_sidecar_result_name("step-foo.step-res") == ("step-foo", "step-res")
    assert split_sidecar_result_name("step-foo.a.b") == ("step-foo", "a.b")
    with pytest.raises(ValueError) as raised:
        split_sidecar_result_name("step-foo-step-res")
    assert str(raised.value) == (
        "invalid string step-foo-step-res : expected somtthing that looks like "
        "<stepName>.<resultName>"
    )
