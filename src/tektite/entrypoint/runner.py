"""Running the step's command: its own process group, signals, timeout, cancel, tee.

The child is started with ``posix_spawn`` in a new process group (so a timeout
or cancel can kill everything it started), with stdout/stderr inherited or, when
``-stdout_path``/``-stderr_path`` are set, piped and copied both to the
wrapper's own stream and to the file (append mode). Every catchable signal but
SIGCHLD that reaches the wrapper while the child runs is forwarded to the group.

One single-threaded ``poll`` loop waits for the child (through a pidfd where the
kernel has one), copies tee'd output, and checks the deadline and the cancel
file; there is no helper thread to start, which keeps the wrapper's start-up
cost low.
"""

from __future__ import annotations

import os
import select
import time

from tektite.entrypoint.errors import ChildExitError, ContextError, StepError
from tektite.entrypoint.gostyle import errno_text, go_quote, path_error
from tektite.entrypoint.waiter import Backoff

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

    from tektite.entrypoint.waiter import CancelWatch

# The public ``signal`` module builds IntEnums at import time (it pulls in ``enum``,
# several milliseconds per step); ``_signal`` is the C module it wraps, with the
# same functions and constants as plain ints.
_signal: Any = __import__("_signal")

# Signals that are never forwarded: uncatchable ones, SIGCHLD (ours, about the
# child), and faults a real crash of the wrapper itself would raise.
_NOT_FORWARDED = frozenset(
    getattr(_signal, name)
    for name in ("SIGKILL", "SIGSTOP", "SIGCHLD", "SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL")
    if hasattr(_signal, name)
)
# Python itself ignores these; the child must get the default disposition back.
_RESET_IN_CHILD = tuple(
    getattr(_signal, name) for name in ("SIGPIPE", "SIGXFSZ") if hasattr(_signal, name)
)
_READ_SIZE = 65536


def _kill_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except OSError:
        return  # the group is already gone


class _SignalForwarder:
    """Forwards signals to the child's process group while the child runs."""

    def __init__(self) -> None:
        self._group = 0
        self._pending: list[int] = []
        self._previous: dict[int, object] = {}

    def install(self) -> None:
        for signum in sorted(_signal.valid_signals()):
            if signum in _NOT_FORWARDED:
                continue
            try:
                self._previous[signum] = _signal.signal(signum, self._handle)
            except (OSError, ValueError, RuntimeError):
                continue  # a signal the platform will not let us catch

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._group:
            self._send(signum)
        else:
            self._pending.append(signum)  # arrived before the child existed

    def _send(self, signum: int) -> None:
        _kill_group(self._group, signum)

    def attach(self, group: int) -> None:
        self._group = group
        pending, self._pending = self._pending, []
        for signum in pending:
            self._send(signum)

    def restore(self) -> None:
        for signum, previous in self._previous.items():
            try:
                _signal.signal(signum, previous)
            except (OSError, ValueError, TypeError, RuntimeError):
                _signal.signal(signum, _signal.SIG_DFL)
        self._previous.clear()


class _Context:
    """Go's step context: done at the deadline or when the cancel file fills."""

    def __init__(self, deadline: float | None, cancel: CancelWatch | None) -> None:
        self.deadline = deadline
        self.cancel = cancel
        self.reason: str | None = None
        self._next_cancel_check = time.monotonic()

    def check(self) -> bool:
        """Update and return whether the context is done."""
        if self.reason is not None:
            return True
        now = time.monotonic()
        if self.deadline is not None and now >= self.deadline:
            self.reason = ContextError.DEADLINE
        elif self.cancel is not None and now >= self._next_cancel_check:
            if self.cancel.poll():
                self.reason = ContextError.CANCELED
            else:
                interval = self.cancel.next_interval()
                self._next_cancel_check = now + interval if interval is not None else float("inf")
        return self.reason is not None

    def seconds_to_next_check(self) -> float | None:
        """How long the event loop may sleep before the context must be checked again."""
        now = time.monotonic()
        candidates = [self._next_cancel_check - now] if self.cancel is not None else []
        if self.deadline is not None:
            candidates.append(self.deadline - now)
        finite = [c for c in candidates if c != float("inf")]
        return max(0.0, min(finite)) if finite else None


class _Tee:
    """Copies one of the child's output pipes to our stream and a log file."""

    def __init__(self, read_fd: int, stream_fd: int, log_fd: int) -> None:
        self.read_fd = read_fd
        self.stream_fd = stream_fd
        self.log_fd = log_fd
        self.stream_ok = True

    def pump(self) -> bool:
        """Copy one chunk; return False at end of file."""
        try:
            chunk = os.read(self.read_fd, _READ_SIZE)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        if self.stream_ok:
            self.stream_ok = _write_all(self.stream_fd, chunk)
        _write_all(self.log_fd, chunk)
        return True


def _write_all(fd: int, data: bytes) -> bool:
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        return False
    return True


def _open_log(path: str) -> int:
    """Open a stdout/stderr copy file for appending, creating parent directories."""
    parent = os.path.dirname(path)
    if parent:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as error:
            failed = error.filename if isinstance(error.filename, str) else parent
            raise StepError(
                "error creating parent directory: " + path_error("mkdir", failed, error)
            ) from None
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise StepError(f"error opening {path}: {path_error('open', path, error)}") from None


def _is_executable(path: str) -> bool:
    try:
        return not os.path.isdir(path) and os.access(path, os.X_OK)
    except OSError:
        return False


def look_path(name: str) -> str:
    """Resolve the command like Go's ``exec.Command``: PATH search only without a slash."""
    if not name:
        raise StepError("exec: no command")
    if "/" in name:
        return name
    search = os.environ.get("PATH", "")
    for directory in search.split(":") if search else []:
        candidate = os.path.join(directory or ".", name)
        if _is_executable(candidate):
            if not os.path.isabs(candidate):
                raise StepError(
                    f"exec: {go_quote(name)}: cannot run executable found relative to "
                    "current directory"
                )
            return candidate
    raise StepError(f"exec: {go_quote(name)}: executable file not found in $PATH")


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None  # old kernel or a seccomp profile without pidfd_open


def _supervise(pid: int, tees: list[_Tee], context: _Context) -> int:
    """Wait for the child and its output pipes; kill the group when the context ends."""
    poller = select.poll()
    by_fd = {tee.read_fd: tee for tee in tees}
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    pidfd = _pidfd(pid)
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    fallback = Backoff()
    status: int | None = None
    killed = False
    try:
        while status is None or by_fd:
            timeout = context.seconds_to_next_check()
            if status is None and pidfd is None:
                interval = fallback.next_interval()
                timeout = interval if timeout is None else min(timeout, interval)
            events = poller.poll(None if timeout is None else max(1, int(timeout * 1000 + 0.5)))
            for fd, _ in events:
                if fd == pidfd:
                    poller.unregister(fd)
                    os.close(fd)
                    pidfd = None
                    status = os.waitpid(pid, 0)[1]
                elif fd in by_fd and not by_fd[fd].pump():
                    poller.unregister(fd)
                    del by_fd[fd]
            if status is None and pidfd is None:
                reaped, wait_status = os.waitpid(pid, os.WNOHANG)
                if reaped:
                    status = wait_status
            if not killed and context.check():
                killed = True
                _kill_group(pid, _signal.SIGKILL)
    finally:
        if pidfd is not None:
            os.close(pidfd)
    assert status is not None  # the loop only ends once the child was reaped
    return status


def run_command(
    command: list[str],
    stdout_path: str = "",
    stderr_path: str = "",
    deadline: float | None = None,
    cancel: CancelWatch | None = None,
) -> None:
    """Run ``command`` to completion as the step's process.

    Returns normally when it exits 0 (or when there is no command at all, as in
    Tekton). Raises ContextError when the deadline passed or the step was
    cancelled (the group is killed), ChildExitError for a non-zero exit, and
    StepError when it could not be started.
    """
    if not command:
        return
    context = _Context(deadline, cancel)
    log_fds: list[int] = []
    pipe_fds: list[int] = []
    forwarder = _SignalForwarder()
    try:
        tees: list[_Tee] = []
        file_actions: list[tuple[int, int, int]] = []
        for target, path in ((1, stdout_path), (2, stderr_path)):
            if not path:
                continue
            log_fd = _open_log(path)
            log_fds.append(log_fd)
            read_fd, write_fd = os.pipe()
            pipe_fds.extend((read_fd, write_fd))
            tees.append(_Tee(read_fd, target, log_fd))
            file_actions.append((os.POSIX_SPAWN_DUP2, write_fd, target))
        forwarder.install()
        if context.check():
            raise ContextError(context.reason or ContextError.CANCELED)
        executable = command[0]
        try:
            executable = look_path(executable)
            pid = os.posix_spawn(
                executable,
                command,
                os.environ,
                file_actions=file_actions,
                setpgroup=0,
                setsigdef=_RESET_IN_CHILD,
                setsigmask=(),
            )
        except OSError as error:
            if context.check():
                raise ContextError(context.reason or ContextError.CANCELED) from None
            raise StepError(f"fork/exec {executable}: {errno_text(error)}") from None
        except StepError:
            if context.check():
                raise ContextError(context.reason or ContextError.CANCELED) from None
            raise
        forwarder.attach(pid)
        # Only the child may hold the write ends, or we would never see end of file.
        for fd in pipe_fds[1::2]:
            os.close(fd)
        del pipe_fds[1::2]
        status = _supervise(pid, tees, context)
    finally:
        forwarder.restore()
        for fd in log_fds + pipe_fds:
            os.close(fd)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return
    if context.check():
        raise ContextError(context.reason or ContextError.CANCELED)
    if code < 0:
        raise ChildExitError(-1, -code)  # Go reports -1 for a signal death
    raise ChildExitError(code)
