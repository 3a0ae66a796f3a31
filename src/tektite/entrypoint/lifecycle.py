"""The step lifecycle (reference §5.3; Tekton's ``Entrypointer.Go``).

wait for the previous step -> record StartedAt -> substitute step results ->
evaluate ``when`` -> run -> post file / exitCode -> results -> termination message.

``Entrypointer.go`` returns the error that decides the exit code (see main.py)
instead of exiting itself, so each branch reads like Tekton's.
"""

from __future__ import annotations

import os
import time

from tektite.entrypoint import termination
from tektite.entrypoint.errors import (
    ChildExitError,
    ContextError,
    DebugBeforeStepError,
    FatalError,
    GoPanic,
    SkipError,
    StepError,
)
from tektite.entrypoint.flags import RESULT_FROM_TERMINATION_MESSAGE
from tektite.entrypoint.gostyle import go_quote, go_timestamp, log, path_error, slog
from tektite.entrypoint.results import read_artifacts, read_results
from tektite.entrypoint.runner import run_command
from tektite.entrypoint.termination import RunResult, internal
from tektite.entrypoint.waiter import CancelWatch, wait_for_file
from tektite.entrypoint.when import allows_execution

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tektite.entrypoint.paths import TektonPaths
    from tektite.entrypoint.when import WhenExpression

CONTINUE_ON_ERROR = "continue"
FAIL_ON_ERROR = "stopAndFail"

REASON_SKIPPED = "Skipped"
REASON_CANCELLED = "Cancelled"
REASON_TIMEOUT_EXCEEDED = "TimeoutExceeded"

BREAKPOINT_EXIT_SUFFIX = ".breakpointexit"
BREAKPOINT_BEFORE_STEP_SUFFIX = ".beforestepexit"
# Go's syscall.SIGKILL.String(): what the exitCode file says after a cancel.
KILLED = "killed"


def write_file(path: str, content: str) -> None:
    """Create/truncate ``path`` (parents created) with ``content``; failures are fatal."""
    if not path:
        return
    parent = os.path.dirname(path) or "."
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as error:
        failed = error.filename if isinstance(error.filename, str) else parent
        raise FatalError(
            f"Error creating parent directory of {go_quote(path)}: "
            + path_error("mkdir", failed, error)
        ) from None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    except OSError as error:
        raise FatalError(f"Creating {go_quote(path)}: {path_error('open', path, error)}") from None
    try:
        if content:
            os.write(fd, content.encode("utf-8"))
    except OSError as error:
        raise FatalError(f"Writing {go_quote(path)}: {path_error('write', path, error)}") from None
    finally:
        os.close(fd)


class Entrypointer:
    """Everything one step needs: what to run and the files that sequence it."""

    def __init__(
        self,
        paths: TektonPaths,
        command: list[str],
        *,
        wait_files: list[str] | None = None,
        wait_file_content: bool = False,
        post_file: str = "",
        termination_path: str = "",
        results: list[str] | None = None,
        step_results: list[str] | None = None,
        timeout_ns: int = 0,
        when: list[WhenExpression] | None = None,
        breakpoint_on_failure: bool = False,
        debug_before_step: bool = False,
        on_error: str = "",
        step_metadata_dir: str = "",
        result_from: str = RESULT_FROM_TERMINATION_MESSAGE,
        compress_termination_message: bool = False,
        stdout_path: str = "",
        stderr_path: str = "",
    ) -> None:
        self.paths = paths
        self.command = command
        self.wait_files = wait_files or []
        self.wait_file_content = wait_file_content
        self.post_file = post_file
        self.termination_path = termination_path
        self.results = results or []
        self.step_results = step_results or []
        self.timeout_ns = timeout_ns
        self.when = when or []
        self.breakpoint_on_failure = breakpoint_on_failure
        self.debug_before_step = debug_before_step
        self.on_error = on_error
        self.step_metadata_dir = step_metadata_dir
        self.result_from = result_from
        self.compress = compress_termination_message
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path

    # --- files ------------------------------------------------------------------

    def write_post_file(self, failed: bool) -> None:
        """Write ``<post_file>`` (or ``<post_file>.err`` when ``failed``), empty."""
        if self.post_file:
            write_file(self.post_file + (".err" if failed else ""), "")

    def write_exit_code_file(self, content: str) -> None:
        """Write ``<step_metadata_dir>/exitCode``, which later steps can read."""
        write_file(os.path.join(self.step_metadata_dir, "exitCode"), content)

    def write_termination_message(self, entries: list[RunResult]) -> None:
        """Append entries to the termination message (MessageLengthError/StepError)."""
        termination.write_message(self.termination_path, entries, self.compress)

    # --- the lifecycle ------------------------------------------------------------

    def go(self) -> StepError | None:
        """Run the whole lifecycle; return the error that decides the exit code."""
        output: list[RunResult] = []
        try:
            error = self._go(output)
        except GoPanic:
            self._write_output(output)  # Go runs deferred calls while panicking
            raise
        self._write_output(output)
        return error

    def _write_output(self, output: list[RunResult]) -> None:
        # The termination message is (re)written whatever happened; if even that
        # fails, Tekton dies with log.Fatalf.
        try:
            self.write_termination_message(output)
        except StepError as error:
            raise FatalError(f"Error while writing message: {error}") from None

    def _go(self, output: list[RunResult]) -> StepError | None:
        for sub in ("results", "artifacts"):
            directory = os.path.join(self.step_metadata_dir, sub)
            try:
                os.makedirs(directory, exist_ok=True)
            except OSError as mkdir_error:
                name = mkdir_error.filename
                failed = name if isinstance(name, str) else directory
                return StepError(path_error("mkdir", failed, mkdir_error))

        for wait_file in self.wait_files:
            try:
                wait_for_file(wait_file, self.wait_file_content, self.breakpoint_on_failure)
            except StepError as wait_error:
                # Write our own .err so that the steps after us bail out too
                # (not while debugging, where the user decides).
                if not self.breakpoint_on_failure:
                    self.write_post_file(failed=True)
                output.append(internal("StartedAt", go_timestamp()))
                if isinstance(wait_error, SkipError):
                    output.append(internal("Reason", REASON_SKIPPED))
                return wait_error

        error: StepError | None = None
        if self.debug_before_step:
            error = self._wait_before_step_debug()

        output.append(internal("StartedAt", go_timestamp()))

        if self.timeout_ns < 0:
            error = StepError("negative timeout specified")
        if error is None:
            self._substitute()
            deadline = time.monotonic() + self.timeout_ns / 1e9 if self.timeout_ns > 0 else None
            cancel = CancelWatch(self.paths.downward_cancel)
            try:
                allowed = allows_execution(self.when)
            except StepError as when_failure:
                error = when_failure
            else:
                if not allowed:
                    slog(
                        "INFO", "Step was skipped due to when expressions were evaluated to false."
                    )
                    output.append(internal("Reason", REASON_SKIPPED))
                    self.write_post_file(failed=False)
                    self.write_exit_code_file("0")
                    return None
                error = self._run(deadline, cancel)

        self._record_outcome(error, output)
        return self._collect_results(error, output)

    def _run(self, deadline: float | None, cancel: CancelWatch) -> StepError | None:
        try:
            run_command(self.command, self.stdout_path, self.stderr_path, deadline, cancel)
        except StepError as error:
            return error
        return None

    def _substitute(self) -> None:
        # Both substitutions only log their errors, as in Tekton: the command
        # then runs with the references left as they were.
        from tektite.entrypoint import substitution

        try:
            substitution.replace_env(self.paths)
            substitution.replace_when(self.when, self.paths)
            self.command = substitution.replace_command_and_args(self.command, self.paths)
        except StepError as error:
            slog("ERROR", "Error while substituting step results:", [("error", str(error))])
        try:
            self.command = substitution.apply_artifact_substitutions(self.command, self.paths)
        except StepError as error:
            slog("ERROR", "Error while substituting step artifacts:", [("error", str(error))])

    def _record_outcome(self, error: StepError | None, output: list[RunResult]) -> None:
        """Post file, exitCode file and Reason/ExitCode entries for each outcome."""
        if isinstance(error, DebugBeforeStepError):
            self.write_post_file(failed=True)
        elif isinstance(error, ContextError) and error.cancelled:
            slog("INFO", "Step was canceling")
            output.append(internal("Reason", REASON_CANCELLED))
            self.write_post_file(failed=True)
            self.write_exit_code_file(KILLED)
        elif isinstance(error, ContextError):
            self.write_post_file(failed=True)
            output.append(internal("Reason", REASON_TIMEOUT_EXCEEDED))
        elif error is not None and self.breakpoint_on_failure:
            slog("INFO", "Skipping writing to PostFile")
        elif self.on_error == CONTINUE_ON_ERROR and isinstance(error, ChildExitError):
            exit_code = str(error.exit_code)
            output.append(internal("ExitCode", exit_code))
            self.write_post_file(failed=False)
            self.write_exit_code_file(exit_code)
        elif error is None:
            self.write_post_file(failed=False)
            self.write_exit_code_file("0")
        else:
            self.write_post_file(failed=True)

    def _collect_results(
        self, error: StepError | None, output: list[RunResult]
    ) -> StepError | None:
        """Report result files; a failure here replaces the step's own error, as in Tekton."""
        sources = (
            (self.results, self.paths.results, termination.TASK_RUN_RESULT),
            (
                self.step_results,
                os.path.join(self.step_metadata_dir, "results"),
                termination.STEP_RESULT,
            ),
        )
        for names, directory, result_type in sources:
            if not names or not names[0]:
                continue
            try:
                found = read_results(names, directory, result_type)
                if self.result_from == RESULT_FROM_TERMINATION_MESSAGE and found:
                    self.write_termination_message(found)
            except StepError as read_error:
                slog(
                    "ERROR",
                    "Error while substituting step artifacts:",
                    [("error", str(read_error))],
                )
                return read_error
        if self.result_from == RESULT_FROM_TERMINATION_MESSAGE:
            output.extend(
                read_artifacts(
                    os.path.join(self.step_metadata_dir, "artifacts", "provenance.json"),
                    termination.STEP_ARTIFACTS_RESULT,
                    "step",
                )
            )
            output.extend(
                read_artifacts(
                    os.path.join(self.paths.artifacts, "provenance.json"),
                    termination.TASK_RUN_ARTIFACTS_RESULT,
                    "task",
                )
            )
        return error

    # --- debugging --------------------------------------------------------------

    def _wait_before_step_debug(self) -> StepError | None:
        log(
            "debug before step breakpoint has taken effect, waiting for user's decision:\n"
            "1) continue, use cmd: /tekton/debug/scripts/debug-beforestep-continue\n"
            "2) fail-continue, use cmd: /tekton/debug/scripts/debug-beforestep-fail-continue"
        )
        exit_file = self.post_file + BREAKPOINT_BEFORE_STEP_SUFFIX
        try:
            wait_for_file(exit_file, False, False)
        except StepError:
            failure = DebugBeforeStepError()
            log(f"error occurred while waiting for {exit_file} : {failure}")
            return failure
        return None

    def breakpoint_exit_code(self) -> int | None:
        """With breakpoint-on-failure, wait for ``<post_file>.breakpointexit``; its code.

        Returns None when breakpoints are off.
        """
        if not self.breakpoint_on_failure:
            return None
        log(
            "debug onFailure breakpoint has taken effect, waiting for user's decision:\n"
            "1) continue, use cmd: /tekton/debug/scripts/debug-continue\n"
            "2) fail-continue, use cmd: /tekton/debug/scripts/debug-fail-continue"
        )
        exit_file = self.post_file + BREAKPOINT_EXIT_SUFFIX
        try:
            wait_for_file(exit_file, False, False)
        except StepError as error:
            log(f"error occurred while waiting for {exit_file} : {error}")
        return _read_breakpoint_exit_code(exit_file)


_MAX_INT = (1 << 63) - 1


def _read_breakpoint_exit_code(path: str) -> int:
    """Parse the exit code the user wrote; 0 if there is none, so later steps still run."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        log(
            "error occurred while reading breakpoint exit code : "
            f"breakpoint postfile {path} not found"
        )
        return 0
    except OSError:
        raw = ""  # Go parses whatever it read, i.e. nothing
    text = raw[:-1] if raw.endswith("\n") else raw
    log("Breakpoint exiting with exit code " + text)
    # strconv.Atoi: an optional sign and ASCII digits, nothing else.
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not (digits.isascii() and digits.isdigit()):
        log(
            "error occurred while reading breakpoint exit code : "
            f"strconv.Atoi: parsing {go_quote(text)}: invalid syntax"
        )
        return 0
    code = int(text)
    if not -_MAX_INT - 1 <= code <= _MAX_INT:
        log(
            "error occurred while reading breakpoint exit code : "
            f"strconv.Atoi: parsing {go_quote(text)}: value out of range"
        )
        return _MAX_INT if code > 0 else -_MAX_INT - 1
    return code
