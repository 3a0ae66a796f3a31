"""Helpers for the host runtime tests (run a coroutine, wait for a Pod state, read
statuses and logs)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pytest

from tektite.runtime import mounts
from tektite.runtime.host import HostRuntime
from tektite.runtime.protocol import Pod, PodKey

T = TypeVar("T")

DETECTED = mounts.detect_mode()

RuntimeFactory = Callable[..., Any]
"""``open_runtime(**options)``: an async context manager yielding a HostRuntime."""


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a fresh event loop (no pytest-asyncio here)."""
    return asyncio.run(coroutine)


def needs_root() -> None:
    """Skip (saying why) unless running as root."""
    if os.geteuid() != 0:
        reason = "needs root"
        print(reason)
        pytest.skip(reason)


async def wait_for(
    runtime: HostRuntime,
    key: PodKey,
    predicate: Callable[[Pod], bool],
    timeout: float = 20.0,
    on_change: Callable[[Pod], Awaitable[None]] | None = None,
) -> Pod:
    """Watch until ``predicate(pod)`` holds; ``on_change`` sees every version first."""

    async def loop() -> Pod:
        watch: AsyncIterator[PodKey] = runtime.watch()
        try:
            pod = await runtime.get_pod(key)
            assert pod is not None
            while True:
                if on_change is not None:
                    await on_change(pod)
                if predicate(pod):
                    return pod
                while await anext(watch) != key:
                    pass
                fresh = await runtime.get_pod(key)
                assert fresh is not None, "the Pod disappeared"
                pod = fresh
        finally:
            await watch.aclose()  # type: ignore[attr-defined]

    return await asyncio.wait_for(loop(), timeout)


def phase_is(*phases: str) -> Callable[[Pod], bool]:
    """Predicate: the Pod's phase is one of ``phases``."""
    return lambda pod: pod["status"]["phase"] in phases


def statuses(pod: Pod, init: bool = False) -> dict[str, dict[str, Any]]:
    """Container statuses by name."""
    field = "initContainerStatuses" if init else "containerStatuses"
    return {status["name"]: status for status in pod["status"].get(field, [])}


def terminated(pod: Pod, name: str, init: bool = False) -> dict[str, Any]:
    """The terminated state of a container (fails if it has not terminated)."""
    state = statuses(pod, init)[name]["state"]
    assert "terminated" in state, state
    result: dict[str, Any] = state["terminated"]
    return result


async def read_logs(runtime: HostRuntime, key: PodKey, container: str) -> str:
    """A container's whole log."""
    chunks = [chunk async for chunk in runtime.logs(key, container, follow=False)]
    return b"".join(chunks).decode()


async def run_to_end(runtime: HostRuntime, pod: Pod, *containers: str) -> tuple[Pod, list[str]]:
    """Create ``pod`` and wait until it has ended: the Pod then, and the whole logs of
    ``containers``."""
    meta = pod["metadata"]
    key = PodKey(meta.get("namespace") or "default", meta["name"])
    await runtime.create_pod(pod)
    ended = await wait_for(runtime, key, phase_is("Succeeded", "Failed"))
    return ended, [await read_logs(runtime, key, name) for name in containers]
