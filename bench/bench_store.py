"""Store benchmark: TaskRun creates and status updates per second, and listing 10,000.

Baseline, measured in the same run on the same disk: raw ``sqlite3`` with the same
settings (WAL, ``synchronous=NORMAL``, one transaction per write) inserting the same
JSON and then updating the row with the status JSON, and a bare ``SELECT`` + decode of
the same rows for the list. The ratio is the price of the Store's semantics (metadata,
resourceVersions, events for watches, owner index, selectors).

Run: ``.venv/bin/python -m bench.bench_store`` (or through ``bench/run.py``).
"""

from __future__ import annotations

import gc
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec

from bench._timing import report, wall
from tektite.store.sqlite import SqliteStore

RUNS = 10_000
TARGET_RUNS_PER_SECOND = 100.0  # the issue's floor; SQLite allows far more
LIST_TARGET_SECONDS = 0.5


def _taskrun(i: int) -> dict[str, Any]:
    """A TaskRun of realistic size, as a PipelineRun's child."""
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {
            "name": f"build-run-{i}",
            "namespace": "default",
            "labels": {
                "tekton.dev/pipeline": f"build-{i % 20}",
                "tekton.dev/pipelineRun": f"build-run-{i // 4}",
                "tekton.dev/pipelineTask": "compile",
                "tekton.dev/task": "compile",
            },
            "annotations": {"pipeline.tekton.dev/release": "v1.0.0"},
        },
        "spec": {
            "taskRef": {"name": "compile", "kind": "Task"},
            "params": [{"name": f"p{j}", "value": f"value-{j}" * 3} for j in range(6)],
            "serviceAccountName": "default",
            "timeout": "1h0m0s",
            "workspaces": [{"name": "source", "persistentVolumeClaim": {"claimName": "src"}}],
        },
    }


def _status(i: int) -> dict[str, Any]:
    return {
        "conditions": [
            {
                "type": "Succeeded",
                "status": "True",
                "reason": "Succeeded",
                "message": "All Steps have completed executing",
                "lastTransitionTime": "2024-05-01T12:00:10Z",
            }
        ],
        "podName": f"build-run-{i}-pod",
        "startTime": "2024-05-01T12:00:00Z",
        "completionTime": "2024-05-01T12:00:10Z",
        "steps": [
            {
                "name": f"step-{j}",
                "container": f"step-step-{j}",
                "imageID": "docker.io/library/busybox@sha256:" + "0" * 64,
                "terminated": {"exitCode": 0, "reason": "Completed"},
            }
            for j in range(3)
        ],
        "results": [{"name": "digest", "type": "string", "value": "sha256:" + "1" * 64}],
    }


def _rate_line(name: str, ours: float, baseline: float, target: float | None = None) -> None:
    """One line of operations per second (higher is better), baseline and ratio."""
    line = f"{name:<44} {ours:9.0f} /s    baseline {baseline:8.0f} /s    "
    line += f"ratio {baseline / ours:6.2f}x slower"
    if target is not None:
        line += f"   target ≥ {target:.0f}/s {'ok' if ours >= target else 'MISSED'}"
    print(line)


def _baseline(path: Path, runs: list[dict[str, Any]], statuses: list[Any]) -> tuple[float, float]:
    """Seconds for raw inserts of the same JSON, then raw updates with the status."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    encode = msgspec.json.encode
    start = time.perf_counter()
    for i, run in enumerate(runs):
        conn.execute("INSERT INTO t (id, body) VALUES (?, ?)", (i, encode(run)))
    inserted = time.perf_counter()
    for i, run in enumerate(runs):
        conn.execute("UPDATE t SET body = ? WHERE id = ?", (encode({**run, **statuses[i]}), i))
    updated = time.perf_counter()
    conn.close()
    return inserted - start, updated - inserted


def _ours(
    store: SqliteStore, runs: list[dict[str, Any]], statuses: list[Any]
) -> tuple[float, float]:
    """Seconds for ``RUNS`` creates, then for their status updates."""
    start = time.perf_counter()
    created = [store.create(run) for run in runs]
    mid = time.perf_counter()
    for obj, status in zip(created, statuses, strict=True):
        obj["status"] = status["status"]
        store.update_status(obj)
    return mid - start, time.perf_counter() - mid


def main() -> None:
    """Measure and print the store's figures against raw SQLite."""
    runs = [_taskrun(i) for i in range(RUNS)]
    statuses = [{"status": _status(i)} for i in range(RUNS)]
    with tempfile.TemporaryDirectory(prefix="tektite-bench-") as tmp:
        base_create, base_update = _baseline(Path(tmp) / "raw.db", runs, statuses)
        with SqliteStore(Path(tmp) / "tektite.db") as store:
            create, update = _ours(store, runs, statuses)
            _rate_line(f"store create ({RUNS} TaskRuns)", RUNS / create, RUNS / base_create)
            _rate_line("store update_status", RUNS / update, RUNS / base_update)
            _rate_line(
                "TaskRun create + status update, end to end",
                RUNS / (create + update),
                RUNS / (base_create + base_update),
                TARGET_RUNS_PER_SECOND,
            )

            raw = sqlite3.connect(Path(tmp) / "raw.db")
            decode = msgspec.json.decode

            def raw_list() -> list[Any]:
                rows = raw.execute("SELECT body FROM t ORDER BY id").fetchall()
                # Decoded with the collector paused and returned, as the store does, so
                # both pay the same collections afterwards: a fair floor.
                gc.disable()
                try:
                    return [decode(b) for (b,) in rows]
                finally:
                    gc.enable()

            listed = wall(lambda: store.list("TaskRun", "default"))
            report(f"store list ({RUNS} TaskRuns)", listed, wall(raw_list), LIST_TARGET_SECONDS)
            selected = wall(
                lambda: store.list("TaskRun", label_selector="tekton.dev/pipeline=build-3")
            )
            report("store list, label selector (1 in 20)", selected, wall(raw_list))
            since = str(int(store.resource_version()) - 1000)
            report(
                "events_since (last 1000 changes)",
                wall(lambda: store.events_since(since, ["TaskRun"])),
                wall(lambda: [decode(b) for (b,) in raw.execute("SELECT body FROM t LIMIT 1000")]),
            )
            raw.close()


if __name__ == "__main__":
    main()
