"""Waiting on files: the previous step's post file, breakpoints, and the cancel file.

Steps are sequenced only through files (reference §5.4). Tekton polls once a
second; Tektite's host runtime aims at <=30 ms of overhead per step, so we poll
after 2 ms and double the pause up to 50 ms. A stat() costs microseconds, so the
faster polling is cheap.
"""

from __future__ import annotations

import os
import time

from tektite.entrypoint.errors import SkipError, StepError
from tektite.entrypoint.gostyle import go_quote, path_error, slog

FIRST_POLL_S = 0.002
MAX_POLL_S = 0.050


class Backoff:
    """Poll intervals: 2 ms, doubling, capped at 50 ms."""

    __slots__ = ("_next",)

    def __init__(self) -> None:
        self._next = FIRST_POLL_S

    def next_interval(self) -> float:
        """Return the pause before the next poll and lengthen the one after it."""
        interval = self._next
        self._next = min(interval * 2, MAX_POLL_S)
        return interval


def _is_ready(path: str, expect_content: bool) -> bool:
    """True if ``path`` exists (and is non-empty when content is expected)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise StepError(
            f"waiting for {go_quote(path)}: {path_error('stat', path, error)}"
        ) from None
    return not expect_content or info.st_size > 0


def _exists(path: str) -> bool:
    try:
        os.stat(path)
    except OSError:
        return False
    return True


def wait_for_file(path: str, expect_content: bool, breakpoint_on_failure: bool) -> None:
    """Block until ``path`` exists (non-empty if ``expect_content``).

    Raises SkipError when ``<path>.err`` appears instead (unless breakpoint-on-failure
    is on, where a failed previous step must not stop the debugging session), and
    StepError when the file cannot be stat'ed. An empty path returns at once.
    """
    if not path:
        return
    backoff = Backoff()
    while True:
        if _is_ready(path, expect_content):
            return
        if _exists(path + ".err"):
            if breakpoint_on_failure:
                return
            raise SkipError()
        time.sleep(backoff.next_interval())


class CancelWatch:
    """Non-blocking watcher of the downward-API ``cancel`` file.

    Tekton cancels a running step once that file has content. The runner calls
    ``poll`` from its event loop at ``next_interval`` pauses instead of running a
    thread, which keeps the wrapper single-threaded and cheap to start.
    """

    __slots__ = ("_active", "_backoff", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self._backoff = Backoff()
        self._active = bool(path)

    def next_interval(self) -> float | None:
        """Seconds until the next poll, or None once watching has stopped."""
        return self._backoff.next_interval() if self._active else None

    def poll(self) -> bool:
        """Return True once the cancel file has content."""
        if not self._active:
            return False
        try:
            if _is_ready(self.path, True):
                self._active = False
                return True
            if _exists(self.path + ".err"):
                # Tekton's watcher uses the generic file waiter, which gives up on a
                # ".err" twin with the skip error; it then only logs and stops watching.
                raise SkipError()
        except StepError as error:
            self._active = False
            slog("ERROR", "Error while waiting for cancellation", [("error", str(error))])
        return False
