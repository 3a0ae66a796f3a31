"""Two writers on one store at once (issue 6, Done-when: "two processes creating and
updating runs at once against one store: nothing lost, conflicts retried").

The store alone is covered by ``tests/store/test_store_multiprocess.py``. Here the
writers are the real ones: the controller in one process writing statuses as it
reconciles, and ``tektite taskrun cancel``'s code in another creating runs and writing
``spec.status`` — the race Tekton users hit when they cancel a run that is starting.
"""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tektite.cli.cancel import cancel_run
from tektite.controller.status_update import update_status
from tektite.local_runs import condition
from tektite.store.sqlite import SqliteStore

CHILD = Path(__file__).with_name("crash_child.py")
RUNS = 8


def _taskrun(name: str, marks: Path) -> dict[str, Any]:
    script = f"echo started >> {marks / name}\nsleep 30\n"
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"taskSpec": {"steps": [{"name": "run", "image": "busybox", "script": script}]}},
    }


def _wait_line(process: subprocess.Popen[str], expected: str, timeout: float, log: Path) -> None:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    ready = selector.select(timeout=timeout)
    line = process.stdout.readline().strip() if ready else ""
    assert line == expected, f"no {expected} from the controller:\n{log.read_text()[-3000:]}"


def _wait_status(store: SqliteStore, name: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while not (store.get("TaskRun", "default", name) or {}).get("status"):
        assert time.monotonic() < deadline, f"{name} never reconciled:\n{log.read_text()[-3000:]}"
        time.sleep(0.002)


def test_cancels_race_the_controller_and_none_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs are created and cancelled from this process while they start in the
    controller's: every run ends cancelled, with the controller's status kept."""
    home = tmp_path / "home"
    marks = home / "marks"
    marks.mkdir(parents=True)
    monkeypatch.setenv("TEKTITE_HOME", str(home))
    log = tmp_path / "controller.log"
    controller = subprocess.Popen(
        [sys.executable, str(CHILD), "serve", str(home), str(RUNS)],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    try:
        _wait_line(controller, "SERVING", 60, log)
        with SqliteStore(home / "tektite.db") as store:
            for i in range(RUNS):
                name = f"conc-{i}"
                store.create(_taskrun(name, marks))
                # Cancel while the controller writes the run's first statuses.
                _wait_status(store, name, log)
                cancel_run("TaskRun", "default", name, "TaskRunCancelled")
        _wait_line(controller, "DONE", 120, log)
    finally:
        # Interrupted, the controller deletes its Pods (killed, they would run on).
        controller.send_signal(signal.SIGINT)
        try:
            controller.wait(30)
        except subprocess.TimeoutExpired:
            controller.kill()
            controller.wait()

    with SqliteStore(home / "tektite.db") as store:
        runs = {r["metadata"]["name"]: r for r in store.list("TaskRun", "default")}
    assert sorted(runs) == sorted(f"conc-{i}" for i in range(RUNS))
    for name, run in runs.items():
        c = condition(run)
        assert (c.get("status"), c.get("reason")) == ("False", "TaskRunCancelled"), name
        assert c.get("message", "").startswith(f'TaskRun "{name}" was cancelled. '), name
        assert run["spec"]["status"] == "TaskRunCancelled"
        # The controller's own writes survived the race too.
        assert run["status"].get("startTime") and run["status"].get("completionTime"), name
    for mark in marks.iterdir():
        assert mark.read_text() == "started\n", mark.name  # no step ran twice


def test_a_status_write_after_a_concurrent_spec_update_keeps_both(tmp_path: Path) -> None:
    """The reconciler's write of a status computed from an older version: it conflicts,
    is retried on the latest version, and the cancel written meanwhile stays."""
    with SqliteStore(tmp_path / "tektite.db") as store:
        read = store.create(_taskrun("race", tmp_path))
        latest = store.get("TaskRun", "default", "race")
        assert latest is not None
        latest["spec"]["status"] = "TaskRunCancelled"
        store.update(latest)  # the CLI's cancel lands between the read and the write
        status = {"podName": "race-pod", "startTime": "2024-05-01T12:00:00Z"}
        assert update_status(store, read, status)
        stored = store.get("TaskRun", "default", "race")
        assert stored is not None
        assert stored["spec"]["status"] == "TaskRunCancelled"
        assert stored["status"] == status
        # Deleted and created anew under the same name: not the run this status is for.
        store.delete("TaskRun", "default", "race")
        store.create(_taskrun("race", tmp_path))
        assert not update_status(store, read, {"podName": "stale"})
        again = store.get("TaskRun", "default", "race")
        assert again is not None and "podName" not in (again.get("status") or {})
