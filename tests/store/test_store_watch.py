"""Watches: the events table, resuming from a resourceVersion, Expired, and wake-ups
from the same thread, another thread and another process."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path

import pytest

from tektite.store import sqlite as sqlite_module
from tektite.store.errors import BadRequest, Expired
from tektite.store.protocol import WatchEvent
from tektite.store.sqlite import SqliteStore

from ._objects import configmap, taskrun
from .conftest import Clock


def _summary(events: list[WatchEvent]) -> list[tuple[str, str, str]]:
    return [(e.type, e.object["kind"], e.object["metadata"]["name"]) for e in events]


async def _take(
    store: SqliteStore,
    n: int,
    kinds: list[str] | None,
    since: str | None = None,
    namespace: str | None = None,
) -> list[WatchEvent]:
    """The first ``n`` events of a watch."""
    out: list[WatchEvent] = []
    async for event in store.watch(kinds, since, namespace=namespace):
        out.append(event)
        if len(out) == n:
            break
    return out


def test_events_since(store: SqliteStore) -> None:
    tr = store.create(taskrun("a"))
    store.create(configmap("c"))
    store.update_status({**tr, "status": {"n": 1}})
    store.delete("TaskRun", "default", "a")
    events = store.events_since("0")
    assert _summary(events) == [
        ("ADDED", "TaskRun", "a"),
        ("ADDED", "ConfigMap", "c"),
        ("MODIFIED", "TaskRun", "a"),
        ("DELETED", "TaskRun", "a"),
    ]
    assert [e.resource_version for e in events] == ["1", "2", "3", "4"]
    assert all(e.object["metadata"]["resourceVersion"] == e.resource_version for e in events)
    assert events[2].object["status"] == {"n": 1}  # the state at that version
    assert _summary(store.events_since("2", ["TaskRun"])) == [
        ("MODIFIED", "TaskRun", "a"),
        ("DELETED", "TaskRun", "a"),
    ]
    assert store.events_since("4") == []
    assert store.events_since("99") == []
    assert store.events_since("0", []) == []


def test_watchers_share_each_change_decoded_once(store: SqliteStore) -> None:
    """Every watcher of a process reads the same changes: each is decoded once and the
    watchers get the same (read-only) object; only the last few hundred are kept."""
    tr = store.create(taskrun("a"))
    store.update_status({**tr, "status": {"n": 1}})
    first, second = store.events_since("0"), store.events_since("0", ["TaskRun"])
    assert [e.object for e in first] == [e.object for e in second]
    assert all(a.object is b.object for a, b in zip(first, second, strict=True))
    for i in range(sqlite_module._RECENT_EVENTS + 50):
        store.create(configmap(f"c{i}"))
    assert len(store.events_since("0")) == sqlite_module._RECENT_EVENTS + 52
    assert len(store._recent_events) == sqlite_module._RECENT_EVENTS


def test_bad_resource_version(store: SqliteStore) -> None:
    with pytest.raises(BadRequest) as info:
        store.events_since("abc")
    assert str(info.value) == (
        'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax'
    )


def test_old_events_are_trimmed_and_expire(db_path: Path, clock: Clock) -> None:
    with SqliteStore(db_path, clock=clock, event_retention=5) as store:
        obj = store.create(configmap("c", {"n": "0"}))
        for i in range(1, 20):
            obj["data"]["n"] = str(i)
            obj = store.update(obj)
        assert store.resource_version() == "20"
        assert [e.resource_version for e in store.events_since("15")] == [
            str(v) for v in range(16, 21)
        ]
        with pytest.raises(Expired) as info:
            store.events_since("14")
        assert str(info.value) == "too old resource version: 14 (15)"
        assert (info.value.code, info.value.reason) == (410, "Expired")

        async def watch_expired() -> None:
            await _take(store, 1, None, "3")

        with pytest.raises(Expired):
            asyncio.run(watch_expired())
        count = store._conn().execute("SELECT count(*) FROM events").fetchone()[0]
        assert count == 5


def test_trimming_is_batched_for_large_retention(db_path: Path, clock: Clock) -> None:
    with SqliteStore(db_path, clock=clock, event_retention=100) as store:
        for i in range(125):
            store.create(configmap(f"c{i}"))
        # Trimmed every 10 writes: at 120 to the last 100, and nothing since.
        with pytest.raises(Expired, match=r"\(20\)$"):
            store.events_since("19")
        assert len(store.events_since("20")) == 105


def test_watch_from_a_version_then_live(store: SqliteStore) -> None:
    first = store.create(taskrun("a"))
    store.create(configmap("ignored"))

    async def scenario() -> list[WatchEvent]:
        task = asyncio.create_task(
            _take(store, 3, ["TaskRun"], first["metadata"]["resourceVersion"])
        )
        await asyncio.sleep(0.05)
        store.update_status({**first, "status": {"n": 1}})
        store.create(configmap("still-ignored"))
        store.create(taskrun("b"))
        await asyncio.sleep(0.05)
        store.delete("TaskRun", "default", "b")
        return await asyncio.wait_for(task, 10)

    assert _summary(asyncio.run(scenario())) == [
        ("MODIFIED", "TaskRun", "a"),
        ("ADDED", "TaskRun", "b"),
        ("DELETED", "TaskRun", "b"),
    ]


def test_watch_without_version_lists_first(store: SqliteStore) -> None:
    store.create(taskrun("a"))
    store.create(taskrun("b", namespace="other"))
    store.create(configmap("c"))
    snapshot_rv = store.resource_version()

    async def scenario() -> list[WatchEvent]:
        task = asyncio.create_task(_take(store, 3, ["TaskRun", "ConfigMap"], namespace="default"))
        await asyncio.sleep(0.05)
        store.create(taskrun("d", namespace="other"))
        store.create(taskrun("e"))
        return await asyncio.wait_for(task, 10)

    events = asyncio.run(scenario())
    assert _summary(events) == [
        ("ADDED", "TaskRun", "a"),
        ("ADDED", "ConfigMap", "c"),
        ("ADDED", "TaskRun", "e"),
    ]
    # Synthetic events carry the snapshot's version: resuming from them is gap-free.
    assert [e.resource_version for e in events[:2]] == [snapshot_rv, snapshot_rv]
    assert events[0].object["metadata"]["resourceVersion"] == "1"


def test_same_process_writes_wake_watchers_at_once(db_path: Path, clock: Clock) -> None:
    # A long poll interval: only the in-process notification can deliver in time.
    with SqliteStore(db_path, clock=clock, poll_interval=60) as store:

        async def scenario() -> float:
            task = asyncio.create_task(_take(store, 2, None, store.resource_version()))
            await asyncio.sleep(0.05)
            store.create(configmap("a"))
            # A write from another thread, through its own connection.
            thread = threading.Thread(target=store.create, args=(configmap("b"),))
            start = time.perf_counter()
            thread.start()
            await asyncio.wait_for(task, 10)
            thread.join()
            return time.perf_counter() - start

        assert asyncio.run(scenario()) < 5


def test_another_store_on_the_same_file_wakes_watchers(db_path: Path, clock: Clock) -> None:
    with (
        SqliteStore(db_path, clock=clock, poll_interval=60) as watcher,
        SqliteStore(db_path, clock=clock) as writer,
    ):

        async def scenario() -> list[WatchEvent]:
            task = asyncio.create_task(_take(watcher, 1, ["ConfigMap"], "0"))
            await asyncio.sleep(0.05)
            writer.create(configmap("a"))
            return await asyncio.wait_for(task, 10)

        assert _summary(asyncio.run(scenario())) == [("ADDED", "ConfigMap", "a")]


def test_another_process_wakes_watchers(db_path: Path, clock: Clock) -> None:
    with SqliteStore(db_path, clock=clock, poll_interval=0.05) as store:
        since = store.resource_version()
        script = (
            "import sys; from pathlib import Path; from tektite.store.sqlite import SqliteStore\n"
            "s = SqliteStore(Path(sys.argv[1]))\n"
            "s.create({'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'x'}})\n"
        )

        async def scenario() -> list[WatchEvent]:
            task = asyncio.create_task(_take(store, 1, ["ConfigMap"], since))
            await asyncio.sleep(0.05)
            proc = await asyncio.create_subprocess_exec(sys.executable, "-c", script, str(db_path))
            assert await proc.wait() == 0
            return await asyncio.wait_for(task, 10)

        assert _summary(asyncio.run(scenario())) == [("ADDED", "ConfigMap", "x")]


def test_watch_batches_long_histories(store: SqliteStore) -> None:
    for i in range(2501):
        store.create(configmap(f"c{i}"))

    events = asyncio.run(asyncio.wait_for(_take(store, 2500, ["ConfigMap"], "1"), 30))
    assert [int(e.resource_version) for e in events] == list(range(2, 2502))
