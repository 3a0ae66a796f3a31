"""Work done in child processes by the multi-process store test (importable by spawn)."""

from __future__ import annotations

from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from tektite.store.errors import Conflict
from tektite.store.sqlite import SqliteStore


def increment(store: SqliteStore, tag: str) -> int:
    """Add one to the shared counter and to this worker's own count, retrying on
    Conflict as a controller does; returns how many conflicts it met."""
    conflicts = 0
    while True:
        counter = store.get("ConfigMap", "default", "counter")
        assert counter is not None
        data: dict[str, Any] = counter["data"]
        data["n"] = str(int(data["n"]) + 1)
        data[tag] = str(int(data.get(tag, "0")) + 1)
        try:
            store.update(counter)
            return conflicts
        except Conflict:
            conflicts += 1


def work(path: str, tag: str, runs: int, start: Barrier, results: Any) -> None:
    """Create and status-update ``runs`` TaskRuns, bumping the shared counter after each."""
    store = SqliteStore(Path(path))
    start.wait()
    conflicts = 0
    for i in range(runs):
        run = store.create(
            {
                "apiVersion": "tekton.dev/v1",
                "kind": "TaskRun",
                "metadata": {"name": f"{tag}-{i}", "labels": {"worker": tag}},
                "spec": {"taskRef": {"name": "t"}},
            }
        )
        store.update_status({**run, "status": {"worker": tag, "i": i}})
        conflicts += increment(store, tag)
    store.close()
    results.put((tag, conflicts))
