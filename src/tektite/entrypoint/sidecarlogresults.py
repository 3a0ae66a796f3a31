"""Tekton's ``sidecarlogresults`` program: the ``tekton-log-results`` sidecar.

With ``results-from: sidecar-logs`` Tekton adds a sidecar running this program instead
of reading results from the steps' termination messages (which Kubernetes caps at
4 KiB). It waits until every step has posted ``/tekton/run/<i>/out`` — or until one
posted ``out.err``, after which no further step runs — and then prints each declared
result that was written, one JSON object a line, as Go's ``json.Encoder`` writes them::

    {"name":"<task result>","value":"<file content>","type":"task"}
    {"name":"<step container>.<step result>","value":"...","type":"step"}
    {"name":"<step container>","value":"<provenance JSON>","type":"stepArtifact"}

The controller reads that log once the steps are done (``internal/sidecarlogresults``;
``cmd/sidecarlogresults/main.go``). Flags are Tekton's, parsed as Go's ``flag``
package does: ``-results-dir`` (default ``/tekton/results``), ``-result-names``
(comma separated), ``-step-results`` (JSON object: step container → result names),
``-step-names`` (step containers whose ``provenance.json`` to print) and
``-kubernetes-sidecar-mode`` (stay up after printing until SIGTERM/SIGINT, as a native
Kubernetes sidecar must). ``SIDECAR_LOG_POLLING_INTERVAL`` (a Go duration, default
``100ms``) paces the wait.

Go reads the result files concurrently, so its output order varies; here task results
come in the order named, then step results by step name. Like the step wrapper, this
module uses only the standard library and nothing else of Tektite, and honours
``$TEKTITE_TEKTON_DIR`` (the ``/tekton`` root of the host runtime's rewrite mode).
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ROOT_ENV = "TEKTITE_TEKTON_DIR"
DEFAULT_ROOT = "/tekton"
DEFAULT_RESULTS_DIR = "/tekton/results"
INTERVAL_ENV = "SIDECAR_LOG_POLLING_INTERVAL"
DEFAULT_INTERVAL = "100ms"

TASK_RESULT = "task"
STEP_RESULT = "step"
STEP_ARTIFACT = "stepArtifact"

# (name, kind, default, usage) as cmd/sidecarlogresults/main.go declares them.
_FLAGS: tuple[tuple[str, str, str, str], ...] = (
    (
        "kubernetes-sidecar-mode",
        "bool",
        "false",
        "If true, wait indefinitely after processing results (for Kubernetes native "
        "sidecar support)",
    ),
    (
        "result-names",
        "string",
        "",
        "comma separated result names to expect from the steps running in the pod. eg. foo,bar,baz",
    ),
    (
        "results-dir",
        "string",
        DEFAULT_RESULTS_DIR,
        "Path to the results directory. Default is /tekton/results",
    ),
    ("step-names", "string", "", "comma separated step names. eg. foo,bar,baz"),
    (
        "step-results",
        "string",
        "",
        "json containing a map of step Name as key and list of result Names. "
        'eg. {"stepName":["foo","bar","baz"]}',
    ),
)
_KINDS = {name: kind for name, kind, _, _ in _FLAGS}
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class Fatal(Exception):
    """What Go's ``log.Fatal`` would print before exiting 1."""


class FlagError(Exception):
    """A malformed command line (Go prints it with the usage and exits 2)."""


# ------------------------------------------------------------------ Go-shaped helpers


def _go_quote(text: str) -> str:
    """Go's ``%q`` for the plain strings that appear here."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _reason(error: OSError) -> str:
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]


def _path_error(op: str, path: str, error: OSError) -> str:
    return f"{op} {path}: {_reason(error)}"


_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_ESCAPED = re.compile("[<>&\u2028\u2029]")
_INVALID_BYTE = re.compile("[\udc80-\udcff]")


def go_json_string(data: bytes | str) -> str:
    """A JSON string literal as Go's ``encoding/json`` writes it: HTML characters and
    U+2028/U+2029 escaped, and each byte that is not valid UTF-8 as ``\\ufffd``."""
    text = data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else data
    literal = json.dumps(text, ensure_ascii=False)
    literal = _ESCAPED.sub(lambda found: _ESCAPES[found.group()], literal)
    return _INVALID_BYTE.sub(lambda _: "\\ufffd", literal)


def encode_result(name: str, value: bytes | str, kind: str) -> bytes:
    """One ``SidecarLogResult`` line, as ``json.NewEncoder(w).Encode`` writes it."""
    line = (
        f'{{"name":{go_json_string(name)},"value":{go_json_string(value)},'
        f'"type":{go_json_string(kind)}}}\n'
    )
    return line.encode("utf-8")


_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")


def parse_duration(text: str) -> float:
    """Go's ``time.ParseDuration``, in seconds; ValueError carries Go's message."""
    invalid = ValueError(f"time: invalid duration {_go_quote(text)}")
    rest = text
    negative = rest[:1] == "-"
    if rest[:1] in ("-", "+"):
        rest = rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        raise invalid
    total = 0
    while rest:
        found = _DURATION_PART.match(rest)
        assert found is not None  # every part of the pattern may be empty
        whole, fraction, unit = found.group(1), found.group(2), found.group(3)
        if not whole and not fraction:
            raise invalid
        if not unit:
            raise ValueError(f"time: missing unit in duration {_go_quote(text)}")
        scale = _UNITS.get(unit)
        if scale is None:
            raise ValueError(f"time: unknown unit {_go_quote(unit)} in duration {_go_quote(text)}")
        total += int(whole or "0") * scale
        if fraction:
            total += int(int(fraction) * scale / 10 ** len(fraction))
        if total > (1 << 63) - (0 if negative else 1):
            raise invalid
        rest = rest[found.end() :]
    return (-total if negative else total) / 1e9


# ------------------------------------------------------------------ flags


def usage(program: str) -> str:
    """Go's ``flag.PrintDefaults`` text for this program."""
    lines = [f"Usage of {program}:"]
    for name, kind, default, text in _FLAGS:
        head = f"  -{name}" + ("" if kind == "bool" else f" {kind}")
        body = text
        if kind == "string" and default:
            body += f" (default {_go_quote(default)})"
        lines.append(f"{head}\n    \t{body}")
    return "\n".join(lines) + "\n"


def parse_flags(args: list[str]) -> dict[str, str]:
    """Go ``flag`` parsing: ``-name value``, ``-name=value``, one or two dashes; bools
    only as ``-name`` or ``-name=value``; stops at ``--`` or the first non-flag.

    Raises FlagError (Go's text), or KeyError("help") for ``-h``/``-help``.
    """
    values = {name: default for name, _, default, _ in _FLAGS}
    index = 0
    while index < len(args):
        arg = args[index]
        if len(arg) < 2 or arg[0] != "-":
            break
        dashes = 2 if arg[1] == "-" else 1
        if arg == "--":
            break
        name = arg[dashes:]
        if not name or name[0] in "-=":
            raise FlagError(f"bad flag syntax: {arg}")
        index += 1
        value: str | None = None
        if "=" in name[1:]:
            name, value = name.split("=", 1)
        kind = _KINDS.get(name)
        if kind is None:
            if name in ("h", "help"):
                raise KeyError("help")
            raise FlagError(f"flag provided but not defined: -{name}")
        if kind == "bool":
            if value is not None and value not in _TRUE and value not in _FALSE:
                raise FlagError(
                    f"invalid boolean value {_go_quote(value)} for -{name}: parse error"
                )
            values[name] = "true" if value is None or value in _TRUE else "false"
            continue
        if value is None:
            if index >= len(args):
                raise FlagError(f"flag needs an argument: -{name}")
            value = args[index]
            index += 1
        values[name] = value
    return values


_JSON_KIND = {dict: "object", list: "array", str: "string", bool: "bool", int: "number"}


def _kind(value: object) -> str:
    return "number" if isinstance(value, float) else _JSON_KIND.get(type(value), "null")


_PY_TO_GO_SYNTAX = {
    "Expecting value": "looking for beginning of value",
    "Expecting property name enclosed in double quotes": (
        "looking for beginning of object key string"
    ),
    "Expecting ':' delimiter": "after object key",
    "Extra data": "after top-level value",
}


def _quote_char(char: str) -> str:
    """Go's ``quoteChar`` of encoding/json."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return "'" + json.dumps(char, ensure_ascii=False)[1:-1] + "'"


def _go_json_error(error: json.JSONDecodeError) -> str:
    """Go's ``json.Unmarshal`` syntax error text for the common mistakes."""
    document = error.doc
    if error.pos >= len(document.rstrip(" \t\r\n")):
        return "unexpected end of JSON input"
    quoted = _quote_char(document[error.pos])
    context = _PY_TO_GO_SYNTAX.get(error.msg, "after object key:value pair")
    return f"invalid character {quoted} {context}"


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError("Expecting value", name, 0)


def _go_json_loads(text: str, prefix: str) -> Any:
    """``json.loads`` with Go's strictness (no NaN/Infinity) and Go's error text."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        if error.doc != text:  # from _reject_constant: the position is not known
            char = _quote_char(error.doc[0])
            raise Fatal(
                f"{prefix}invalid character {char} looking for beginning of value"
            ) from None
        raise Fatal(prefix + _go_json_error(error)) from None


def parse_step_results(text: str) -> dict[str, list[str]]:
    """``-step-results`` decoded as Go decodes it into ``map[string][]string``."""
    data = _go_json_loads(text, "")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Fatal(
            f"json: cannot unmarshal {_kind(data)} into Go value of type map[string][]string"
        )
    decoded: dict[str, list[str]] = {}
    for step, names in data.items():
        if names is None:
            decoded[step] = []
            continue
        if not isinstance(names, list):
            raise Fatal(f"json: cannot unmarshal {_kind(names)} into Go value of type []string")
        for name in names:
            if name is not None and not isinstance(name, str):
                raise Fatal(f"json: cannot unmarshal {_kind(name)} into Go value of type string")
        decoded[step] = ["" if name is None else name for name in names]
    return decoded


# ------------------------------------------------------------------ waiting


def _is_file(path: str) -> bool:
    """Go's ``fileExists``: it exists and is not a directory. Only a missing file is
    "no"; any other error (``EACCES``, ``ENOTDIR``) is raised, as Go reports it."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise Fatal(
            "error checking for file existence " + _path_error("stat", path, error)
        ) from None
    return not stat.S_ISDIR(info.st_mode)


def polling_interval() -> float:
    """``SIDECAR_LOG_POLLING_INTERVAL`` in seconds (``100ms`` when unset)."""
    text = os.environ.get(INTERVAL_ENV) or DEFAULT_INTERVAL
    try:
        return parse_duration(text)
    except ValueError as error:
        raise Fatal(f"error getting polling interval: {error}") from None


def wait_for_steps(run_dir: str, interval: float) -> None:
    """``waitForStepsToFinish``: until each ``<run_dir>/<i>/out`` exists, or any step
    posted ``out.err`` (no later step will run). Errors carry Go's wrapped text."""
    try:
        entries = sorted(os.listdir(run_dir))
    except OSError as error:
        raise Fatal("error parsing the run dir  " + _path_error("open", run_dir, error)) from None
    pending = [os.path.join(run_dir, entry, "out") for entry in entries]
    while pending:
        for post in list(pending):
            try:
                exists = _is_file(post)
            except Fatal as error:
                raise Fatal(f"error checking for out file's existence {error}") from None
            if exists:
                pending.remove(post)
                continue
            if _is_file(post + ".err"):
                return
        if interval > 0:  # Go polls without pause for an interval <= 0
            time.sleep(interval)


# ------------------------------------------------------------------ results


def _write(data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(1, view) :]


class _Deadlock(Exception):
    """A result file could not be read: Go's program then blocks for ever on its
    results channel (the error is never printed)."""


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError:
        raise _Deadlock() from None


def look_for_results(
    run_dir: str,
    results_dir: str,
    result_names: list[str],
    steps_dir: str,
    step_results: dict[str, list[str]],
) -> None:
    """``LookForResults``: wait for the steps, then print every result file found."""
    interval = polling_interval()
    try:
        wait_for_steps(run_dir, interval)
    except Fatal as error:
        raise Fatal(f"error while waiting for the steps to finish  {error}") from None
    failed = False
    for name in result_names:
        try:
            value = _read(os.path.join(results_dir, name))
        except _Deadlock:
            failed = True
            continue
        if value is not None:
            _write(encode_result(name, value, TASK_RESULT))
    for step in sorted(step_results):
        for name in step_results[step]:
            try:
                value = _read(os.path.join(steps_dir, step, "results", name))
            except _Deadlock:
                failed = True
                continue
            if value is not None:
                _write(encode_result(f"{step}.{name}", value, STEP_RESULT))
    if failed:
        raise _Deadlock()


def _fields(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Go's struct decoding: keys matched case-insensitively, unknown keys ignored,
    ``null`` leaves the zero value."""
    known = {name.lower(): name for name in names}
    found: dict[str, Any] = {}
    for key, value in data.items():
        name = known.get(key.lower())
        if name is not None and value is not None:
            found[name] = value
    return found


def _type_error(value: object, struct: str, path: str, go_type: str) -> Fatal:
    return Fatal(
        f"invalid artifacts : json: cannot unmarshal {_kind(value)} into Go struct field "
        f"{struct}.{path} of type {go_type}"
    )


def _artifact_list(items: object, path: str) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise _type_error(items, "Artifacts", path, "[]v1.Artifact")
    artifacts: list[dict[str, Any]] = []
    for item in items:
        if item is None:
            artifacts.append({})
            continue
        if not isinstance(item, dict):
            raise _type_error(item, "Artifacts", path, "v1.Artifact")
        fields = _fields(item, ("name", "values", "buildOutput"))
        artifact: dict[str, Any] = {}
        name = fields.get("name", "")
        if not isinstance(name, str):
            raise _type_error(name, "Artifact", f"{path}.name", "string")
        if name:
            artifact["name"] = name
        values = fields.get("values", [])
        if not isinstance(values, list):
            raise _type_error(values, "Artifact", f"{path}.values", "[]v1.ArtifactValue")
        decoded_values = [_artifact_value(value, f"{path}.values") for value in values]
        if decoded_values:
            artifact["values"] = decoded_values
        build_output = fields.get("buildOutput", False)
        if not isinstance(build_output, bool):
            raise _type_error(build_output, "Artifact", f"{path}.buildOutput", "bool")
        if build_output:
            artifact["buildOutput"] = True
        artifacts.append(artifact)
    return artifacts


def _artifact_value(value: object, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _type_error(value, "Artifact", path, "v1.ArtifactValue")
    fields = _fields(value, ("digest", "uri"))
    decoded: dict[str, Any] = {}
    digest = fields.get("digest", {})
    if not isinstance(digest, dict):
        raise _type_error(digest, "ArtifactValue", f"{path}.digest", "map[v1.Algorithm]string")
    for text in digest.values():
        if text is not None and not isinstance(text, str):
            raise _type_error(text, "ArtifactValue", f"{path}.digest", "string")
    if digest:
        decoded["digest"] = {key: digest[key] or "" for key in sorted(digest)}
    uri = fields.get("uri", "")
    if not isinstance(uri, str):
        raise _type_error(uri, "ArtifactValue", f"{path}.uri", "string")
    if uri:
        decoded["uri"] = uri
    return decoded


def artifacts_json(content: bytes) -> str:
    """``provenance.json`` decoded into ``v1.Artifacts`` and marshalled again, as Go
    does it (fields in struct order, empty ones left out, map keys sorted)."""
    # Go's decoder turns each byte that is not UTF-8 into U+FFFD.
    text = _INVALID_BYTE.sub("\ufffd", content.decode("utf-8", "surrogateescape"))
    data = _go_json_loads(text, "invalid artifacts : ")
    if data is not None and not isinstance(data, dict):
        raise Fatal(
            f"invalid artifacts : json: cannot unmarshal {_kind(data)} into Go value of "
            "type v1.Artifacts"
        )
    fields = _fields(data or {}, ("inputs", "outputs"))
    marshalled: dict[str, Any] = {}
    for key in ("inputs", "outputs"):
        if key in fields:
            items = _artifact_list(fields[key], key)
            if items:
                marshalled[key] = items
    text = json.dumps(marshalled, ensure_ascii=False, separators=(",", ":"))
    return _ESCAPED.sub(lambda found: _ESCAPES[found.group()], text)


def look_for_artifacts(names: list[str], run_dir: str, steps_dir: str) -> None:
    """``LookForArtifacts``: print each named step's ``provenance.json``, if any."""
    wait_for_steps(run_dir, polling_interval())
    for name in names:
        path = os.path.join(steps_dir, name, "artifacts", "provenance.json")
        if not _is_file(path):
            continue
        try:
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError as error:
            raise Fatal(
                "error reading the results file " + _path_error("open", path, error)
            ) from None
        _write(encode_result(name, artifacts_json(content), STEP_ARTIFACT))


# ------------------------------------------------------------------ main


def _log_fatal(message: str) -> int:
    stamp = time.strftime("%Y/%m/%d %H:%M:%S")
    sys.stderr.write(f"{stamp} {message}\n")
    sys.stderr.flush()
    return 1


def main(argv: list[str] | None = None, program: str = "sidecarlogresults") -> int:
    """Run the program with ``argv`` (without the program name); return the exit code."""
    args = sys.argv[1:] if argv is None else argv
    # Go's defaults: SIGPIPE and SIGINT end the process (Python would raise instead).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        flags = parse_flags(args)
    except KeyError:
        sys.stderr.write(usage(program))
        return 0
    except FlagError as error:
        sys.stderr.write(f"{error}\n{usage(program)}")
        return 2
    native = flags["kubernetes-sidecar-mode"] == "true"
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    # signal.Notify in native mode: a SIGTERM that arrives while the results are still
    # being printed must not end the program; it is kept pending and ends the final
    # wait. The host runtime starts this program with both already blocked, so that
    # one sent during interpreter start-up is kept too; otherwise they act at once.
    how = signal.SIG_BLOCK if native else signal.SIG_UNBLOCK
    signal.pthread_sigmask(how, stop_signals)
    root = os.environ.get(ROOT_ENV) or DEFAULT_ROOT
    run_dir = os.path.join(root, "run")
    steps_dir = os.path.join(root, "steps")
    results_dir = flags["results-dir"]
    if results_dir == DEFAULT_RESULTS_DIR:  # the default lives under the /tekton root too
        results_dir = os.path.join(root, "results")
    names = flags["result-names"].split(",") if flags["result-names"] else []
    try:
        step_results = parse_step_results(flags["step-results"])
        look_for_results(run_dir, results_dir, names, steps_dir, step_results)
        producers = flags["step-names"].split(",") if flags["step-names"] else []
        look_for_artifacts(producers, run_dir, steps_dir)
    except Fatal as error:
        return _log_fatal(str(error))
    except _Deadlock:
        if native:
            # Go's signal goroutine keeps the runtime from declaring a deadlock: the
            # program hangs, ignoring SIGTERM, until it is killed.
            while True:
                signal.pause()
        sys.stderr.write("fatal error: all goroutines are asleep - deadlock!\n")
        return 2
    if native:
        signal.sigwait(stop_signals)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:], sys.argv[0]))
