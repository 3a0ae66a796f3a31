"""Reading a container's log file as the local runtimes keep it, for ``PodRuntime.logs``
and the CLI's log readers: what the API server answers to a log request, and the
file read (and followed) from the start."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from tektite.runtime.protocol import PodKey, PodRuntimeError

CHUNK = 1 << 16


def pod_log_dir(data_dir: Path, namespace: str, pod: str) -> Path:
    """Where a Pod's container logs are kept, after the Pod too:
    ``<data_dir>/logs/<namespace>/<pod>``."""
    return data_dir / "logs" / namespace / pod


def log_path(data_dir: Path, namespace: str, pod: str, container: str) -> Path:
    """A container's log file (``pod_log_dir``)."""
    return pod_log_dir(data_dir, namespace, pod) / f"{container}.log"


def read_from(path: Path, offset: int) -> bytes:
    """Up to ``CHUNK`` bytes of ``path`` from ``offset``; b"" when it cannot be read."""
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read(CHUNK)
    return b""


def check_log_request(key: PodKey, container: str, path: Path, has_container: bool | None) -> None:
    """The API server's refusals of a log request: ``NotFound`` for a Pod that is gone
    and left no log, ``BadRequest`` for a container the Pod does not have.
    ``has_container`` is None when the Pod is gone."""
    if has_container is None and not path.exists():
        raise PodRuntimeError("NotFound", f'pods "{key.name}" not found')
    if has_container is False:
        raise PodRuntimeError(
            "BadRequest", f"container {container} is not valid for pod {key.name}"
        )


async def follow_log(
    path: Path,
    *,
    follow: bool,
    finished: Callable[[], bool],
    wait: Callable[[], Awaitable[None]],
) -> AsyncIterator[bytes]:
    """``path`` from its start; with ``follow``, on until ``finished()`` (checked before
    each read, so that what was written before the end is still read), calling
    ``wait()`` between reads."""
    offset = 0
    while True:
        done = not follow or finished()
        chunk = read_from(path, offset)
        while chunk:
            offset += len(chunk)
            yield chunk
            chunk = read_from(path, offset)
        if done:
            return
        await wait()
