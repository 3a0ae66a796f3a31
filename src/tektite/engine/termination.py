"""Reading what steps report back: termination messages and the results sidecar's log.

A step's container ends with a termination message: a JSON list of
``{"key", "value", "type"}`` entries (``pkg/result/result.go``), optionally deflated and
base64-encoded behind a ``tknz:`` prefix. The controller reads it as Tekton's
``pkg/termination/parse.go`` does: entries that decode to nothing are dropped, the last
entry per key wins, and the result is sorted by key. With ``results-from: sidecar-logs``
the results arrive instead as JSON lines in the log of the ``tekton-log-results``
sidecar (``internal/sidecarlogresults``).

Parsing follows Go's ``encoding/json`` into Tekton's structs rather than Python's json
defaults: field names match case-insensitively, unknown fields are ignored, ``null``
leaves a field empty, and the entry ``type`` accepts Tekton's ints as well as the legacy
string names. :func:`encode_results` writes entries back exactly as ``json.Marshal``
does, because the rewritten message is shown in the TaskRun's step states.

The step wrapper (``tektite.entrypoint``) has its own writer: it is frozen into a
stand-alone binary and imports nothing of Tektite, so the controller side lives here.
"""

from __future__ import annotations

import binascii
import json
import zlib
from typing import Any

import msgspec

# One Go-compatible JSON string encoder, shared with the step wrapper that writes these
# messages (the wrapper imports nothing of tektite, so the engine imports from it).
from tektite.entrypoint.termination import go_json_string

__all__ = [
    "COMPRESSED_PREFIX",
    "INTERNAL_TEKTON_RESULT",
    "MAX_DECOMPRESSED_SIZE",
    "STEP_ARTIFACTS_RESULT",
    "STEP_RESULT",
    "TASK_RUN_ARTIFACTS_RESULT",
    "TASK_RUN_RESULT",
    "UNKNOWN_RESULT",
    "RunResult",
    "SidecarLogError",
    "TerminationMessageError",
    "decode_results",
    "decompress_message",
    "encode_results",
    "go_json_loads",
    "go_json_string",
    "parse_message",
    "parse_sidecar_log_results",
    "split_sidecar_result_name",
]

# result.ResultType values. 2 is reserved (it was the PipelineResource result type).
TASK_RUN_RESULT = 1
INTERNAL_TEKTON_RESULT = 3
STEP_RESULT = 4
STEP_ARTIFACTS_RESULT = 5
TASK_RUN_ARTIFACTS_RESULT = 6
UNKNOWN_RESULT = 10

# Entrypoints older than the int encoding wrote the type by name; a controller upgraded
# while such a step runs must still read them.
_LEGACY_TYPES = {
    "StepResult": STEP_RESULT,
    "TaskRunResult": TASK_RUN_RESULT,
    "InternalTektonResult": INTERNAL_TEKTON_RESULT,
    "StepArtifactsResult": STEP_ARTIFACTS_RESULT,
    "TaskRunArtifactsResult": TASK_RUN_ARTIFACTS_RESULT,
}

COMPRESSED_PREFIX = "tknz:"
MAX_DECOMPRESSED_SIZE = 128 * 1024
"""Decompressed messages above this are refused (a guard against deflate bombs)."""

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


class RunResult(msgspec.Struct, frozen=True):
    """One entry of a termination message (``result.RunResult``)."""

    key: str = ""
    value: str = ""
    type: int = 0
    resource_name: str = ""
    """Only ever set by PipelineResources of old releases; kept so such messages
    round-trip unchanged."""

    def is_empty(self) -> bool:
        """Whether every field is at its zero value (what Go compares against)."""
        return not (self.key or self.value or self.type or self.resource_name)


class TerminationMessageError(ValueError):
    """A termination message that cannot be read; ``str()`` is the reason."""


class SidecarLogError(ValueError):
    """A line of the results sidecar's log that cannot be used.

    ``size_exceeded`` is set when a result is larger than ``max-result-size``: Tekton then
    fails the TaskRun with ``TaskRunResultLargerThanAllowedLimit`` instead of retrying.
    """

    def __init__(
        self, message: str, *, size_exceeded: bool = False, partial: tuple[RunResult, ...] = ()
    ) -> None:
        super().__init__(message)
        self.size_exceeded = size_exceeded
        self.partial = partial
        """The lines read before a too-long one: Tekton still uses them."""


# -- Go-compatible JSON ------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; Go's decoder does not.
    raise ValueError(f"invalid character {name[0]!r} looking for beginning of value")


def go_json_loads(text: str) -> Any:
    """``json.loads`` restricted to what Go's decoder accepts (no NaN/Infinity)."""
    return json.loads(text, parse_constant=_reject_constant)


def _string_field(value: Any, field: str) -> str:
    if value is None:  # JSON null leaves a Go string untouched
        return ""
    if not isinstance(value, str):
        raise TerminationMessageError(
            f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
            f"RunResult.{field} of type string"
        )
    return value


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def _result_type(value: Any) -> int:
    """``ResultType.UnmarshalJSON``: an int, or one of the legacy names (others: 10)."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        if _INT64_MIN <= value <= _INT64_MAX:
            return value
    elif isinstance(value, str):
        return _LEGACY_TYPES.get(value, UNKNOWN_RESULT)
    raise TerminationMessageError("unsupported value type, neither int nor string")


def _fold(name: str) -> str:
    # Go matches JSON keys to struct fields case-insensitively (with Unicode folding,
    # so the Kelvin sign matches "k"); casefold gives the same answers for these names.
    return name.casefold()


def decode_results(text: str) -> list[RunResult]:
    """Decode a JSON termination message as Go fills ``[]result.RunResult``.

    Raises :class:`TerminationMessageError` for invalid JSON or mistyped fields.
    """
    try:
        data = go_json_loads(text)
    except ValueError as error:
        raise TerminationMessageError(str(error)) from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise TerminationMessageError(
            f"json: cannot unmarshal {_json_kind(data)} into Go value of type []result.RunResult"
        )
    entries: list[RunResult] = []
    for item in data:
        if item is None:
            entries.append(RunResult())
            continue
        if not isinstance(item, dict):
            raise TerminationMessageError(
                f"json: cannot unmarshal {_json_kind(item)} into Go value of type result.RunResult"
            )
        key = value = resource_name = ""
        result_type = 0
        for name, field in item.items():
            folded = _fold(name)
            if folded == "key":
                key = _string_field(field, "key")
            elif folded == "value":
                value = _string_field(field, "value")
            elif folded == "resourcename":
                resource_name = _string_field(field, "resourceName")
            elif folded == "type":
                result_type = _result_type(field)
        entries.append(RunResult(key, value, result_type, resource_name))
    return entries


def encode_results(results: list[RunResult]) -> str:
    """``json.Marshal([]result.RunResult)``: field order key, value, resourceName, type,
    the last two omitted when empty."""
    items = []
    for entry in results:
        fields = [f'"key":{go_json_string(entry.key)}', f'"value":{go_json_string(entry.value)}']
        if entry.resource_name:
            fields.append(f'"resourceName":{go_json_string(entry.resource_name)}')
        if entry.type:
            fields.append(f'"type":{entry.type}')
        items.append("{" + ",".join(fields) + "}")
    return "[" + ",".join(items) + "]"


# -- termination messages ----------------------------------------------------------------


def decompress_message(message: str) -> str:
    """Undo the ``tknz:`` encoding: unpadded standard base64 of raw deflate.

    Raises :class:`TerminationMessageError` (``base64 decode: ...``, ``flate decompress:
    ...``, or the 128 KiB limit).
    """
    encoded = message[len(COMPRESSED_PREFIX) :].encode("utf-8", "surrogateescape")
    # Go's RawStdEncoding skips CR/LF and refuses padding.
    encoded = encoded.replace(b"\r", b"").replace(b"\n", b"")
    bad = next((i for i, b in enumerate(encoded) if b == 0x3D), None)
    if bad is not None or len(encoded) % 4 == 1:
        offset = bad if bad is not None else len(encoded) - 1
        raise TerminationMessageError(f"base64 decode: illegal base64 data at input byte {offset}")
    try:
        deflated = binascii.a2b_base64(encoded + b"=" * (-len(encoded) % 4), strict_mode=True)
    except binascii.Error:
        offset = next(
            (i for i, b in enumerate(encoded) if not (chr(b).isalnum() or b in b"+/")),
            len(encoded),
        )
        raise TerminationMessageError(
            f"base64 decode: illegal base64 data at input byte {offset}"
        ) from None
    inflater = zlib.decompressobj(-15)
    try:
        output = inflater.decompress(deflated, MAX_DECOMPRESSED_SIZE + 1)
    except zlib.error as error:
        raise TerminationMessageError(f"flate decompress: {error}") from None
    if len(output) > MAX_DECOMPRESSED_SIZE:
        raise TerminationMessageError(
            f"decompressed termination message exceeds {MAX_DECOMPRESSED_SIZE} byte limit"
        )
    if not inflater.eof:
        # The stream ended before its final block, which Go's reader reports this way.
        raise TerminationMessageError("flate decompress: unexpected EOF")
    return output.decode("utf-8", "replace")


def parse_message(message: str) -> list[RunResult]:
    """``termination.ParseMessage``: the entries of a step's termination message.

    An empty message has no entries. Compressed (``tknz:``) messages are detected and
    inflated. Entries whose fields are all empty are dropped, the last entry per key wins,
    and the entries are sorted by key. Raises :class:`TerminationMessageError` with
    Tekton's prefixes (``decompressing termination message: ...``, ``parsing message
    json: ..., msg: ...``).
    """
    if not message:
        return []
    text = message
    if message.startswith(COMPRESSED_PREFIX):
        try:
            text = decompress_message(message)
        except TerminationMessageError as error:
            raise TerminationMessageError(f"decompressing termination message: {error}") from None
    try:
        entries = decode_results(text)
    except TerminationMessageError as error:
        shown = text if len(text) <= 256 else text[:256] + "...(truncated)"
        raise TerminationMessageError(f"parsing message json: {error}, msg: {shown}") from None
    latest: dict[str, RunResult] = {}
    for entry in entries:
        if not entry.is_empty():
            latest[entry.key] = entry
    return [latest[key] for key in sorted(latest)]


# -- results sidecar logs ----------------------------------------------------------------

_SIDECAR_TYPES = {
    "task": TASK_RUN_RESULT,
    "step": STEP_RESULT,
    "stepArtifact": STEP_ARTIFACTS_RESULT,
    "taskArtifact": TASK_RUN_ARTIFACTS_RESULT,
}

SIZE_EXCEEDED = "results size exceeds configured limit"
"""The text of Tekton's ``sidecarlogresults.ErrSizeExceeded``."""


def _sidecar_line(line: str, max_result_size: int) -> RunResult:
    try:
        data = go_json_loads(line)
    except ValueError as error:
        # Go checks the syntax before decoding anything, so no name is known yet.
        raise SidecarLogError(f'invalid result "": {error}') from None
    if not isinstance(data, dict):
        raise SidecarLogError(
            f'invalid result "": json: cannot unmarshal {_json_kind(data)} into Go value '
            "of type sidecarlogresults.SidecarLogResult"
        )
    fields = {"name": "", "value": "", "type": ""}
    type_error = ""
    for key, value in data.items():
        folded = _fold(key)
        if folded not in fields:
            continue
        if value is None:
            continue
        if not isinstance(value, str):
            # Go keeps decoding after a mistyped field and reports the first one.
            type_error = type_error or (
                f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
                f"SidecarLogResult.{folded} of type string"
            )
            continue
        fields[folded] = value
    if type_error:
        raise SidecarLogError(f'invalid result "{fields["name"]}": {type_error}')
    if len(line.encode("utf-8", "surrogateescape")) > max_result_size:
        raise SidecarLogError(
            f'invalid result "{fields["name"]}": {SIZE_EXCEEDED} of {max_result_size}',
            size_exceeded=True,
        )
    result_type = _SIDECAR_TYPES.get(fields["type"])
    if result_type is None:
        raise SidecarLogError(
            f"invalid sidecar result type {fields['type']}. Must be task or step or stepArtifact"
        )
    return RunResult(fields["name"], fields["value"], result_type)


def parse_sidecar_log_results(logs: str, max_result_size: int) -> list[RunResult]:
    """The results the ``tekton-log-results`` sidecar printed, one JSON object a line.

    A line longer than ``max_result_size`` bytes raises :class:`SidecarLogError` with
    ``size_exceeded`` set and Tekton's text (``<n> bytes results size exceeds configured
    limit of <max> bytes``); a malformed line raises it without.
    """
    lines = logs.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline ending the last line does not start another
    results: list[RunResult] = []
    for raw in lines:
        line = raw[:-1] if raw.endswith("\r") else raw
        size = len(line.encode("utf-8", "surrogateescape"))
        if size > max_result_size:
            raise SidecarLogError(
                f"{size} bytes {SIZE_EXCEEDED} of {max_result_size} bytes",
                size_exceeded=True,
                partial=tuple(results),
            )
        results.append(_sidecar_line(line, max_result_size))
    return results


def split_sidecar_result_name(name: str) -> tuple[str, str]:
    """``<step container>.<result>`` → the two parts; the sidecar names step results so.

    Raises ValueError with Tekton's message (its typo included) when there is no dot.
    """
    step, dot, result = name.partition(".")
    if not dot:
        raise ValueError(
            f"invalid string {name} : expected somtthing that looks like <stepName>.<resultName>"
        )
    return step, result
