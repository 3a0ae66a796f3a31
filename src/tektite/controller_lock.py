"""Who runs the controller on a data directory: the lock every controller holds.

Exactly one process may reconcile the runs of a data directory at a time — a
``tektite serve`` daemon, or a CLI command running the controller in-process because no
daemon is there. Whoever does holds an exclusive ``flock`` on ``<data_dir>/controller.lock``
and writes its pid and role into that file. The kernel releases the lock when the
holder dies, even by ``kill -9``, so a pid left in the file by a dead process is
recognised as stale: the file's *lock*, not its content, says whether a controller
runs. Other commands only probe the lock to learn whether they must run the controller
themselves.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LOCK_FILE = "controller.lock"
_ATTEMPTS = 5

SERVE = "serve"
"""Role of a ``tektite serve`` daemon."""
IN_PROCESS = "in-process"
"""Role of a CLI command running the controller for its own run."""


@dataclass(frozen=True)
class Holder:
    """The process holding the controller lock, as written in the lock file."""

    pid: int | None
    role: str

    def describe(self) -> str:
        """``tektite serve (pid 123)``: who runs the controller, for messages."""
        who = "tektite serve" if self.role == SERVE else "another tektite command"
        return f"{who} (pid {self.pid})" if self.pid else who


class ControllerLock:
    """The held lock; :meth:`release` (or process exit) frees it."""

    def __init__(self, path: Path, fd: int, stale: Holder | None) -> None:
        self.path = path
        self._fd: int | None = fd
        self.stale = stale
        """What a dead previous holder left in the file (None if nothing)."""

    def release(self) -> None:
        """Empty the file and unlock it (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the only descriptor drops the flock

    def __enter__(self) -> ControllerLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_path(root: Path) -> Path:
    """The lock file of a data directory."""
    return root / LOCK_FILE


def _open(root: Path) -> int:
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_CLOEXEC: no exec'd child (the launcher service, a step) may inherit the lock
    # and keep it after the controller died.
    return os.open(lock_path(root), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def _read(fd: int) -> Holder | None:
    try:
        text = os.pread(fd, 256, 0).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not text:
        return None
    pid_text, _, role = text.partition(" ")
    pid = int(pid_text) if pid_text.isdigit() else None
    return Holder(pid, role.strip() or SERVE)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def try_acquire(root: Path, role: str) -> ControllerLock | None:
    """Take the controller lock of ``root`` for this process, or None when another
    process holds it. The file then says ``<pid> <role>``."""
    fd = _open(root)
    # A probe by :func:`holder` holds the lock for microseconds: a few quick retries
    # tell it from a controller, which holds it for as long as it runs.
    for attempt in range(_ATTEMPTS):
        if _try_flock(fd):
            break
        if attempt == _ATTEMPTS - 1:
            os.close(fd)
            return None
        time.sleep(0.01)
    stale = _read(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} {role}\n".encode(), 0)
    return ControllerLock(lock_path(root), fd, stale)


def stale_holder(root: Path) -> Holder | None:
    """What the lock file says when nobody holds the lock: the pid of a controller
    that died without releasing it (``kill -9``), or None."""
    if not lock_path(root).exists() or holder(root) is not None:
        return None
    fd = _open(root)
    try:
        return _read(fd)
    finally:
        os.close(fd)


def holder(root: Path) -> Holder | None:
    """Who holds the controller lock of ``root`` (None: no controller runs; a pid
    still in the file then belongs to a dead process)."""
    if not lock_path(root).exists():
        return None
    fd = _open(root)
    try:
        if _try_flock(fd):
            return None  # closing the descriptor below drops the probe's lock
        return _read(fd) or Holder(None, SERVE)
    finally:
        os.close(fd)


class ControllerBusy(Exception):
    """Another process runs the controller on this data directory."""

    def __init__(self, root: Path, by: Holder | None) -> None:
        self.root = root
        self.holder = by
        who = by.describe() if by else "another process"
        super().__init__(f"{who} already runs the controller on {root}")


@contextlib.contextmanager
def controller_lock(root: Path, role: str) -> Iterator[ControllerLock]:
    """Hold the controller lock of ``root`` for the block; ``ControllerBusy`` if taken."""
    lock = try_acquire(root, role)
    if lock is None:
        raise ControllerBusy(root, holder(root))
    with lock:
        yield lock
