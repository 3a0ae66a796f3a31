"""The termination message: ``[{"key","value","type"}]`` written to the termination path.

Kubernetes reports at most 4096 bytes of it, so the byte length that is checked
must be the one Tekton would produce: the JSON is encoded exactly as Go's
``encoding/json`` encodes ``[]result.RunResult`` (field order, ``omitempty``,
HTML-safe escapes), not with Python's defaults. New entries are appended to what
the file already holds; the reader (``parse_message``) keeps the last value per key.
"""

from __future__ import annotations

import os

from tektite.entrypoint.errors import MessageLengthError, StepError
from tektite.entrypoint.gostyle import path_error, read_op, slog

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

# result.ResultType values (pkg/result/result.go).
TASK_RUN_RESULT = 1
INTERNAL_TEKTON_RESULT = 3
STEP_RESULT = 4
STEP_ARTIFACTS_RESULT = 5
TASK_RUN_ARTIFACTS_RESULT = 6
UNKNOWN_RESULT = 10

# Older entrypoints wrote the type as a string; keep reading those.
_LEGACY_TYPES = {
    "StepResult": STEP_RESULT,
    "TaskRunResult": TASK_RUN_RESULT,
    "InternalTektonResult": INTERNAL_TEKTON_RESULT,
    "StepArtifactsResult": STEP_ARTIFACTS_RESULT,
    "TaskRunArtifactsResult": TASK_RUN_ARTIFACTS_RESULT,
}

MAX_MESSAGE_LENGTH = 4096
COMPRESSED_PREFIX = "tknz:"
MAX_DECOMPRESSED_SIZE = 128 * 1024


class RunResult:
    """One entry of the termination message."""

    __slots__ = ("key", "resource_name", "type", "value")

    def __init__(self, key: str, value: str, result_type: int = 0, resource_name: str = "") -> None:
        self.key = key
        self.value = value
        self.type = result_type
        self.resource_name = resource_name

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunResult):
            return NotImplemented
        return (self.key, self.value, self.type, self.resource_name) == (
            other.key,
            other.value,
            other.type,
            other.resource_name,
        )

    def __hash__(self) -> int:
        return hash((self.key, self.value, self.type, self.resource_name))

    def __repr__(self) -> str:
        return f"RunResult(key={self.key!r}, value={self.value!r}, type={self.type})"


def internal(key: str, value: str) -> RunResult:
    """An internal Tekton entry (StartedAt, ExitCode, Reason)."""
    return RunResult(key, value, INTERNAL_TEKTON_RESULT)


# --- Go-compatible JSON encoding -------------------------------------------------

_ESCAPES: dict[int, str] = {code: f"\\u{code:04x}" for code in range(0x20)}
_ESCAPES.update(
    {
        0x08: "\\b",
        0x0C: "\\f",
        0x0A: "\\n",
        0x0D: "\\r",
        0x09: "\\t",
        0x22: '\\"',
        0x5C: "\\\\",
        # Go escapes these so JSON can be embedded in HTML/JS.
        0x3C: "\\u003c",
        0x3E: "\\u003e",
        0x26: "\\u0026",
        0x2028: "\\u2028",
        0x2029: "\\u2029",
    }
)


def _without_surrogates(text: str) -> str:
    # Bytes that were not UTF-8 (kept as lone surrogates) become U+FFFD, as Go does.
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def go_json_string(text: str) -> str:
    """Encode a string as Go's ``json.Marshal`` does."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _without_surrogates(text)
    return '"' + text.translate(_ESCAPES) + '"'


def encode_results(results: Iterable[RunResult]) -> str:
    """Marshal run results as Go's ``json.Marshal([]result.RunResult)``."""
    items = []
    for item in results:
        fields = [f'"key":{go_json_string(item.key)}', f'"value":{go_json_string(item.value)}']
        if item.resource_name:
            fields.append(f'"resourceName":{go_json_string(item.resource_name)}')
        if item.type:
            fields.append(f'"type":{item.type}')
        items.append("{" + ",".join(fields) + "}")
    return "[" + ",".join(items) + "]"


# --- decoding ---------------------------------------------------------------------


def _reject_constant(name: str) -> object:
    raise ValueError(f"invalid character {name!r} looking for beginning of value")


def _string_field(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"json: cannot unmarshal into Go struct field RunResult.{name}")
    return value


def _type_field(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _LEGACY_TYPES.get(value, UNKNOWN_RESULT)
    raise ValueError("unsupported value type, neither int nor string")


def decode_results(text: str) -> list[RunResult]:
    """Unmarshal a JSON termination message the way Go fills ``[]result.RunResult``.

    Field names match case-insensitively, unknown fields are ignored, a ``null``
    entry is a zero entry; any type mismatch raises ValueError.
    """
    import json  # only needed when a message already exists

    data = json.loads(text, parse_constant=_reject_constant)
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValueError("json: cannot unmarshal into Go value of type []result.RunResult")
    results = []
    for entry in data:
        if entry is None:
            results.append(RunResult("", ""))
            continue
        if not isinstance(entry, dict):
            raise ValueError("json: cannot unmarshal into Go value of type result.RunResult")
        item = RunResult("", "")
        for name, value in entry.items():
            lowered = name.lower()
            if lowered == "key":
                item.key = _string_field(value, "key")
            elif lowered == "value":
                item.value = _string_field(value, "value")
            elif lowered == "resourcename":
                item.resource_name = _string_field(value, "resourceName")
            elif lowered == "type":
                item.type = _type_field(value)
        results.append(item)
    return results


def compress_message(json_text: bytes) -> bytes:
    """Deflate (best compression) and base64 (no padding) behind the ``tknz:`` prefix."""
    import binascii
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(json_text) + compressor.flush()
    encoded = binascii.b2a_base64(deflated, newline=False).rstrip(b"=")
    return COMPRESSED_PREFIX.encode() + encoded


def decompress_message(data: bytes) -> bytes:
    """Undo ``compress_message``; refuses more than 128 KiB of output (decompression bombs)."""
    import binascii
    import zlib

    encoded = data[len(COMPRESSED_PREFIX) :]
    if b"=" in encoded:
        raise ValueError("base64 decode: illegal base64 data")
    try:
        deflated = binascii.a2b_base64(encoded + b"=" * (-len(encoded) % 4), strict_mode=True)
    except binascii.Error as error:
        raise ValueError(f"base64 decode: {error}") from None
    decompressor = zlib.decompressobj(-15)
    try:
        output = decompressor.decompress(deflated, MAX_DECOMPRESSED_SIZE + 1)
    except zlib.error as error:
        raise ValueError(f"flate decompress: {error}") from None
    if len(output) > MAX_DECOMPRESSED_SIZE:
        raise ValueError(
            f"decompressed termination message exceeds {MAX_DECOMPRESSED_SIZE} byte limit"
        )
    return output


# What this process last wrote, so appending again (results, then the deferred
# StartedAt write) need not re-parse our own JSON (and import json) every time.
_last_written: tuple[bytes, list[RunResult]] | None = None


def _parse_existing(data: bytes) -> list[RunResult]:
    if _last_written is not None and _last_written[0] == data:
        return list(_last_written[1])
    if data.startswith(COMPRESSED_PREFIX.encode()):
        data = decompress_message(data)
    return decode_results(data.decode("utf-8", "replace"))


# --- writing and reading ----------------------------------------------------------


def write_message(path: str, results: list[RunResult], compress: bool = False) -> None:
    """Append ``results`` to the termination message at ``path``.

    Existing content is kept in front (unless it cannot be parsed, when it is
    replaced). Raises MessageLengthError when the output would exceed 4096 bytes,
    leaving the file untouched, and StepError for I/O failures.
    """
    try:
        with open(path, "rb") as handle:
            existing = handle.read()
    except FileNotFoundError:
        existing = b""
    except OSError as error:
        raise StepError(path_error(read_op(error), path, error)) from None
    if existing.strip():
        try:
            results = _parse_existing(existing) + results
        except (ValueError, UnicodeError) as error:
            if compress:
                # Only worth a warning when compression is on: a malformed compressed
                # payload would otherwise vanish silently.
                slog(
                    "WARN",
                    "Failed to parse existing termination message, previous results will be lost",
                    [("error", str(error)), ("path", path)],
                )
    output = encode_results(results).encode("utf-8")
    if compress:
        compressed = compress_message(output)
        # Base64 can make small, high-entropy messages bigger than plain JSON.
        if len(compressed) < len(output):
            output = compressed
    if len(output) > MAX_MESSAGE_LENGTH:
        raise MessageLengthError()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except OSError as error:
        raise StepError(path_error("open", path, error)) from None
    try:
        # No fsync (Tekton calls Sync): the kubelet or host runtime reads the file
        # after the process exits, through the same page cache, and a sync costs
        # milliseconds per step.
        view = memoryview(output)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as error:
        raise StepError(path_error("write", path, error)) from None
    finally:
        os.close(fd)
    global _last_written
    _last_written = (output, list(results))


def parse_message(message: str) -> list[RunResult]:
    """Read a termination message as Tekton's controller does.

    Accepts plain or ``tknz:``-compressed JSON, drops all-empty entries, keeps the
    last entry per key and sorts by key. Raises ValueError on malformed input.
    """
    if not message:
        return []
    text = message
    if message.startswith(COMPRESSED_PREFIX):
        try:
            text = decompress_message(message.encode("utf-8", "surrogateescape")).decode(
                "utf-8", "replace"
            )
        except ValueError as error:
            raise ValueError(f"decompressing termination message: {error}") from None
    try:
        entries = decode_results(text)
    except ValueError as error:
        shown = text if len(text) <= 256 else text[:256] + "...(truncated)"
        raise ValueError(f"parsing message json: {error}, msg: {shown}") from None
    latest: dict[str, RunResult] = {}
    for entry in entries:
        if entry != RunResult("", ""):
            latest[entry.key] = entry
    return [latest[key] for key in sorted(latest)]
