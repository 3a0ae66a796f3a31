"""The watchers of a local runtime's Pods (``PodRuntime.watch``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from tektite.runtime.protocol import PodKey


class PodEvents:
    """Tells each watcher which Pods changed; several changes of one Pod in one burst
    (containers often change together) are told once."""

    def __init__(self) -> None:
        self._watchers: set[asyncio.Queue[PodKey]] = set()
        self._pending: dict[PodKey, None] = {}

    def notify(self, key: PodKey) -> None:
        """Pod ``key`` changed: its watchers hear of it once this burst is over."""
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending[key] = None

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        for key in pending:
            for queue in self._watchers:
                queue.put_nowait(key)

    async def follow(self) -> AsyncGenerator[PodKey, None]:
        """The key of each Pod that changes from now on, until the caller stops."""
        queue: asyncio.Queue[PodKey] = asyncio.Queue()
        self._watchers.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._watchers.discard(queue)
