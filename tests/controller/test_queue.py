"""The controller's work queue: duplicates collapse, a key is processed by one worker at
a time, ``add_after`` requeues later, ``add_soon`` gathers a burst into one pass."""

from __future__ import annotations

import asyncio

from tektite.controller.queue import WorkQueue


async def drain(queue: WorkQueue[str], seconds: float) -> list[str]:
    """Keys got from ``queue`` within ``seconds`` (each marked done at once)."""
    got: list[str] = []

    async def take() -> None:
        while True:
            key = await queue.get()
            got.append(key)
            queue.done(key)

    task = asyncio.create_task(take())
    await asyncio.sleep(seconds)
    task.cancel()
    return got


def test_duplicates_collapse_and_a_key_changed_while_processed_comes_back() -> None:
    async def scenario() -> tuple[str, list[str]]:
        queue: WorkQueue[str] = WorkQueue()
        queue.add("a")
        queue.add("a")
        first = await queue.get()
        queue.add("a")  # changed while being processed: once more, after done
        queue.done(first)
        return first, await drain(queue, 0.01)

    assert asyncio.run(scenario()) == ("a", ["a"])


def test_add_soon_gathers_a_burst_into_one_pass_and_is_never_postponed() -> None:
    async def scenario() -> tuple[list[str], float]:
        loop = asyncio.get_running_loop()
        queue: WorkQueue[str] = WorkQueue()
        start = loop.time()
        queue.add_soon("a", 0.3)
        await asyncio.sleep(0.25)
        queue.add_soon("a", 0.3)  # must not push the first one back (to 0.55)
        key = await queue.get()
        after = loop.time() - start
        queue.done(key)
        return [key, *await drain(queue, 0.4)], after

    keys, after = asyncio.run(scenario())
    assert keys == ["a"]
    # Wide margins: a loaded machine may run the loop late by a fraction of a second.
    assert 0.3 <= after < 0.55


def test_add_brings_a_soon_pass_forward_and_replaces_it() -> None:
    async def scenario() -> list[str]:
        queue: WorkQueue[str] = WorkQueue()
        queue.add_soon("a", 0.05)
        queue.add("a")
        return await drain(queue, 0.1)

    assert asyncio.run(scenario()) == ["a"]


def test_add_soon_of_a_queued_key_adds_nothing() -> None:
    async def scenario() -> list[str]:
        queue: WorkQueue[str] = WorkQueue()
        queue.add("a")
        queue.add_soon("a", 0.01)
        return await drain(queue, 0.05)

    assert asyncio.run(scenario()) == ["a"]
