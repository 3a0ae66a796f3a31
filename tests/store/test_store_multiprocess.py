"""Several processes and threads writing one store file at once: nothing is lost."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from tektite.store.sqlite import SqliteStore

from ._objects import configmap
from ._workers import increment, work

RUNS = 150


def test_two_processes_create_and_update_concurrently(db_path: Path) -> None:
    with SqliteStore(db_path) as store:
        store.create(configmap("counter", {"n": "0"}))
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=work, args=(str(db_path), tag, RUNS, start, results))
        for tag in ("p1", "p2")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    conflicts = dict(results.get(timeout=5) for _ in procs)
    assert set(conflicts) == {"p1", "p2"}

    with SqliteStore(db_path) as store:
        counter = store.get("ConfigMap", "default", "counter")
        assert counter is not None
        assert counter["data"] == {"n": str(2 * RUNS), "p1": str(RUNS), "p2": str(RUNS)}
        for tag in ("p1", "p2"):
            runs = store.list("TaskRun", label_selector=f"worker={tag}")
            assert [r["metadata"]["name"] for r in runs] == [f"{tag}-{i}" for i in range(RUNS)]
            assert [r["status"] for r in runs] == [{"worker": tag, "i": i} for i in range(RUNS)]
        # Every write got its own resourceVersion and event, with no gap and no repeat:
        # the counter's create, then per run a create, a status update and an increment.
        total = 1 + 3 * 2 * RUNS
        assert store.resource_version() == str(total)
        events = store.events_since("0")
        assert [int(e.resource_version) for e in events] == list(range(1, total + 1))
        assert sum(e.object["kind"] == "ConfigMap" for e in events) == 1 + 2 * RUNS


def test_threads_share_one_store(store: SqliteStore) -> None:
    store.create(configmap("counter", {"n": "0"}))
    per_thread = 50

    def bump(tag: str) -> None:
        for _ in range(per_thread):
            increment(store, tag)

    threads = [threading.Thread(target=bump, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    counter = store.get("ConfigMap", "default", "counter")
    assert counter is not None
    assert counter["data"]["n"] == str(4 * per_thread)
    assert all(counter["data"][f"t{i}"] == str(per_thread) for i in range(4))


def _write_from_forked_child(store: SqliteStore) -> None:
    store.create(configmap("from-child"))


def test_a_store_used_across_fork(store: SqliteStore) -> None:
    # The child must open its own connection instead of reusing the parent's.
    store.create(configmap("before-fork"))
    child = multiprocessing.get_context("fork").Process(
        target=_write_from_forked_child, args=(store,)
    )
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert store.get("ConfigMap", "default", "from-child") is not None
    assert store.create(configmap("after-fork"))["metadata"]["resourceVersion"] == "3"
