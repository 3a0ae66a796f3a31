"""The error kinds of the step lifecycle; each maps to one of Tekton's exit paths.

Tekton's ``main`` switches on the Go error type returned by ``Entrypointer.Go`` to
pick the exit code and the log line; these classes play the same role.
"""

from __future__ import annotations


class StepError(Exception):
    """Any error that ends the step; the default case: ``.err`` post file, exit 1."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SkipError(StepError):
    """A wait file's ``.err`` twin exists: a previous step failed, so skip (exit 1)."""

    def __init__(self) -> None:
        super().__init__("error file present, bail and skip the step")


class DebugBeforeStepError(StepError):
    """The user chose fail-continue at a debug-before-step breakpoint (exit 1)."""

    def __init__(self) -> None:
        super().__init__(
            "before step breakpoint error file, user decided to skip the current step execution"
        )


class ContextError(StepError):
    """The step's timeout expired or the step was cancelled (Go's context errors)."""

    DEADLINE = "context deadline exceeded"
    CANCELED = "context canceled"

    @property
    def cancelled(self) -> bool:
        """True for cancellation (exit 9), false for a timeout (exit 1)."""
        return self.message == self.CANCELED


class ChildExitError(StepError):
    """The command exited non-zero; ``exit_code`` is -1 when a signal killed it (as Go)."""

    def __init__(self, exit_code: int, signal_number: int | None = None) -> None:
        if signal_number is not None:
            # Go prints the signal's description, e.g. "signal: killed".
            name = __import__("_signal").strsignal(signal_number) or str(signal_number)
            text = "signal: " + name[:1].lower() + name[1:]
        else:
            text = f"exit status {exit_code}"
        super().__init__(text)
        self.exit_code = exit_code


class MessageLengthError(StepError):
    """The termination message would exceed Kubernetes' 4096-byte limit (exit 1)."""

    def __init__(self) -> None:
        super().__init__(
            "Termination message is above max allowed size 4096, caused by large task result."
        )


class FatalError(Exception):
    """Go's ``log.Fatal``: log the message and exit 1 at once, skipping deferred writes."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class GoPanic(Exception):
    """A Go runtime panic in Tekton (e.g. an array index out of range): exit 2.

    Deferred writes still happen (Go runs deferred calls while panicking), but no
    post file is written, exactly as in Tekton.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
