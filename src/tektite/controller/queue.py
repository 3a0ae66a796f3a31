"""A work queue of object keys, as client-go's: each key is processed by one worker at
a time, duplicates collapse, and keys can be requeued after a delay (timeouts) or
*soon* (a burst of changes that need no prompt pass collapses into one)."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class WorkQueue(Generic[K]):
    """Keys waiting to be reconciled; ``get``/``done`` bracket one key's processing."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[K] = asyncio.Queue()
        self._queued: set[K] = set()
        self._processing: set[K] = set()
        self._dirty: set[K] = set()  # added while being processed: requeue after done
        self._timers: dict[K, asyncio.TimerHandle] = {}
        self._soon: dict[K, asyncio.TimerHandle] = {}

    def add(self, key: K) -> None:
        """Queue ``key`` unless it is already waiting."""
        soon = self._soon.pop(key, None)
        if soon is not None:
            # The pass queued now reads the object after the change that asked for it.
            soon.cancel()
        if key in self._processing:
            self._dirty.add(key)
            return
        if key not in self._queued:
            self._queued.add(key)
            self._queue.put_nowait(key)

    def add_after(self, key: K, delay: float) -> None:
        """Queue ``key`` after ``delay`` seconds (an earlier pending timer wins)."""
        loop = asyncio.get_running_loop()
        when = loop.time() + max(0.0, delay)
        timer = self._timers.get(key)
        if timer is not None and not timer.cancelled() and timer.when() <= when:
            return
        if timer is not None:
            timer.cancel()
        self._timers[key] = loop.call_at(when, self._fire, key)

    def add_soon(self, key: K, within: float) -> None:
        """Queue ``key`` at the latest ``within`` seconds from now: every change that
        arrives meanwhile is covered by that one pass, and an ``add`` brings it forward.
        Unlike ``add_after``, a later call never postpones an earlier one."""
        if key in self._queued or key in self._soon:
            return
        if key in self._processing and key in self._dirty:
            return
        loop = asyncio.get_running_loop()
        self._soon[key] = loop.call_later(max(0.0, within), self._fire_soon, key)

    def _fire_soon(self, key: K) -> None:
        self._soon.pop(key, None)
        self.add(key)

    def _fire(self, key: K) -> None:
        self._timers.pop(key, None)
        self.add(key)

    async def get(self) -> K:
        """The next key to process (waits for one)."""
        key = await self._queue.get()
        self._queued.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: K) -> None:
        """Processing of ``key`` finished; requeue it if it changed meanwhile."""
        self._processing.discard(key)
        if key in self._dirty:
            self._dirty.discard(key)
            self.add(key)

    def close(self) -> None:
        """Cancel pending timers."""
        for timer in (*self._timers.values(), *self._soon.values()):
            timer.cancel()
        self._timers.clear()
        self._soon.clear()
