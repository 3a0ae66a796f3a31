"""CLI benchmark: ``tektite pr list`` over 10,000 stored PipelineRuns (target ≤ 0.5 s
wall, the issue's), and ``tektite pr describe`` of one of them.

Baseline, measured in the same run: a Python process that opens the same store and
lists the same PipelineRuns (``SqliteStore.list``) and exits — the floor any CLI built
on this store pays (interpreter start, imports, reading and decoding every run). The
ratio is the price of the command itself: click, sorting, formatting the table.

The CPU-time line is the same measurement in CPU seconds, which a machine shared with
other work does not inflate the way it inflates wall time.

Run: ``.venv/bin/python -m bench.bench_cli`` (or through ``bench/run.py``).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._timing import process_wall, report
from tektite.store.sqlite import SqliteStore

RUNS = 10_000
LIST_TARGET_SECONDS = 0.5


def _pipelinerun(i: int) -> dict[str, Any]:
    """A PipelineRun of realistic size."""
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {
            "name": f"build-run-{i:05d}",
            "namespace": "default",
            "labels": {"tekton.dev/pipeline": f"build-{i % 20}"},
            "annotations": {"pipeline.tekton.dev/release": "v1.0.0"},
        },
        "spec": {
            "pipelineRef": {"name": f"build-{i % 20}"},
            "params": [{"name": f"p{j}", "value": f"value-{j}" * 3} for j in range(6)],
            "timeouts": {"pipeline": "1h0m0s"},
            "taskRunTemplate": {"serviceAccountName": "default"},
            "workspaces": [{"name": "source", "persistentVolumeClaim": {"claimName": "src"}}],
        },
    }


def _status(i: int) -> dict[str, Any]:
    minute = i % 60
    return {
        "conditions": [
            {
                "type": "Succeeded",
                "status": "True" if i % 7 else "False",
                "reason": "Succeeded" if i % 7 else "Failed",
                "message": "Tasks Completed: 4 (Failed: 0, Cancelled 0), Skipped: 0",
                "lastTransitionTime": f"2024-05-01T12:{minute:02d}:40Z",
            }
        ],
        "startTime": f"2024-05-{1 + i % 28:02d}T12:{minute:02d}:00Z",
        "completionTime": f"2024-05-{1 + i % 28:02d}T12:{minute:02d}:40Z",
        "childReferences": [
            {
                "apiVersion": "tekton.dev/v1",
                "kind": "TaskRun",
                "name": f"build-run-{i:05d}-{t}",
                "pipelineTaskName": t,
            }
            for t in ("fetch", "compile", "test", "publish")
        ],
        "results": [{"name": "digest", "value": "sha256:" + "1" * 64}],
    }


def fill(home: Path) -> None:
    """Store ``RUNS`` PipelineRuns with their statuses under ``home``."""
    with SqliteStore(home / "tektite.db") as store:
        for i in range(RUNS):
            obj = store.create(_pipelinerun(i))
            obj["status"] = _status(i)
            store.update_status(obj)


def process_cpu(argv: Sequence[str], repeat: int = 7) -> float:
    """Median CPU time (user + system) of running ``argv``: unlike wall time, it does
    not grow when other processes share the cores."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def main() -> None:
    """Measure and print ``tektite pr list`` against the bare store list."""
    with tempfile.TemporaryDirectory(prefix="tektite-bench-cli-") as tmp:
        home = Path(tmp)
        fill(home)
        os.environ["TEKTITE_HOME"] = str(home)
        os.environ["TEKTITE_NOW"] = "2024-06-01T00:00:00Z"
        bare_list = [
            sys.executable,
            "-c",
            "import os, pathlib; from tektite.store.sqlite import SqliteStore; "
            "s = SqliteStore(pathlib.Path(os.environ['TEKTITE_HOME']) / 'tektite.db'); "
            "s.list('PipelineRun', 'default')",
        ]
        baseline = process_wall(bare_list)
        tektite = [sys.executable, "-m", "tektite"]
        listed = process_wall([*tektite, "pr", "list"])
        report(f"tektite pr list ({RUNS} PipelineRuns)", listed, baseline, LIST_TARGET_SECONDS)
        report(
            "tektite pr list, CPU time (user + sys)",
            process_cpu([*tektite, "pr", "list"]),
            process_cpu(bare_list),
            LIST_TARGET_SECONDS,
        )
        described = process_wall([*tektite, "pr", "describe", "build-run-04242"])
        report("tektite pr describe (one of them)", described, baseline)


if __name__ == "__main__":
    main()
