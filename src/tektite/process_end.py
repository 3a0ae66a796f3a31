"""How this process ends: by ``os._exit`` (the CLI's entry point, ``cli.main``) or not.

A process that ends by ``os._exit`` right after its command returns need not undo what
the exit undoes anyway: freeing a run's objects one by one (~8 ms of a 100-task
``tektite run``), or closing the store's SQLite connections, of which the last one
checkpoints the write-ahead log into the database and syncs it to disk (10-20 ms on a
disk, at the end of every command; the automatic checkpoints during writes do that
work, and the next process to open the database rebuilds the log's index, ~2 ms).
A process that goes on (``tektite serve`` between runs, the tests, a library user)
cleans up as usual: nothing here changes unless :func:`end_by_os_exit` was called.
"""

from __future__ import annotations

_by_os_exit = False
_kept: list[object] = []


def end_by_os_exit() -> None:
    """Say that this process ends by ``os._exit`` once its command returns."""
    global _by_os_exit
    _by_os_exit = True


def ends_by_os_exit() -> bool:
    """Whether this process ends by ``os._exit`` (see :func:`end_by_os_exit`)."""
    return _by_os_exit


def keep_until_exit(obj: object) -> None:
    """Keep ``obj`` referenced until the process ends by ``os._exit`` (it is then never
    freed piece by piece); in any other process, do nothing."""
    if _by_os_exit:
        _kept.append(obj)
