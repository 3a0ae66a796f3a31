"""Crash safety of the embedded control plane (issue 6, point 2): ``kill -9`` of the
process running the controller during a run, then a restart on the same data directory.

Everything is real: the controller runs in a child process (``crash_child.py``) on a
SQLite store and the host runtime, with real step processes. Each step appends a line
to a mark file when it starts, so a step that ran twice shows it.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tektite.local_runs import children, condition
from tektite.store.sqlite import SqliteStore

CHILD = Path(__file__).with_name("crash_child.py")
STEPS = ("tr-one", "tr-two", "pr-first", "pr-second")


def _start_and_kill(home: Path) -> int:
    """Run the first controller until the first steps run, then SIGKILL it; return
    the pid of its launcher service (which outlives it)."""
    process = subprocess.Popen(
        [sys.executable, str(CHILD), "start", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout=60), "the first controller never started the steps"
        line = process.stdout.readline()
        assert line.startswith("RUNNING "), (line, process.stderr and process.stderr.read())
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    return int(line.split()[1])


def _resume(home: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(CHILD), "resume", str(home)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip() == "DONE", done.stderr[-3000:]


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it, from ``/proc``."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            data = Path(f"/proc/{name}/stat").read_bytes()
        except OSError:
            continue
        parents[int(name)] = int(data[data.rfind(b")") + 2 :].split()[1])
    found = [root]
    for pid in found:
        found.extend(child for child, parent in parents.items() if parent == pid)
    return found


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _marks(home: Path) -> dict[str, int]:
    """How many times each step started."""
    return {
        step: len((home / "marks" / step).read_text().splitlines())
        for step in STEPS
        if (home / "marks" / step).exists()
    }


def _log(home: Path, pod: str, step: str) -> str:
    return (home / "logs" / "default" / pod / f"step-{step}.log").read_text()


def _stored(home: Path) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    with SqliteStore(home / "tektite.db") as store:
        taskrun = store.get("TaskRun", "default", "crash-tr")
        pipelinerun = store.get("PipelineRun", "default", "crash-pr")
        assert taskrun is not None and pipelinerun is not None
        return taskrun, pipelinerun, children(store, pipelinerun)


def _cond(obj: dict[str, Any]) -> tuple[str, str, str]:
    c = condition(obj)
    return c.get("status", ""), c.get("reason", ""), c.get("message", "")


def _terminated(taskrun: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    out = {}
    for step in taskrun["status"].get("steps") or ():
        terminated = step.get("terminated") or {}
        out[step["name"]] = (terminated.get("exitCode"), terminated.get("reason"))
    return out


def test_runs_finish_after_the_controller_is_killed(tmp_path: Path, launchers: list[int]) -> None:
    """The steps running at the kill finish meanwhile; the restarted controller adopts
    their Pods, starts the remaining steps and tasks once, and keeps every log line."""
    home = tmp_path / "home"
    launcher = _start_and_kill(home)
    launchers.append(launcher)
    # The steps run on without their controller (the launcher service outlives it).
    assert not _gone(launcher, 0.2)
    _resume(home)

    assert _marks(home) == dict.fromkeys(STEPS, 1)
    # Lines written while no controller ran are kept, and nothing was written twice.
    assert _log(home, "crash-tr-pod", "tr-one") == "a-tr-one\nb-tr-one\n"
    assert _log(home, "crash-tr-pod", "tr-two") == "a-tr-two\nb-tr-two\n"
    assert _log(home, "crash-pr-first-pod", "pr-first") == "a-pr-first\nb-pr-first\n"
    assert _log(home, "crash-pr-second-pod", "pr-second") == "a-pr-second\nb-pr-second\n"

    taskrun, pipelinerun, child_runs = _stored(home)
    assert _cond(taskrun) == ("True", "Succeeded", "All Steps have completed executing")
    assert _terminated(taskrun) == {"tr-one": (0, "Completed"), "tr-two": (0, "Completed")}
    assert _cond(pipelinerun) == (
        "True",
        "Succeeded",
        "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0",
    )
    assert sorted(c["metadata"]["name"] for c in child_runs) == [
        "crash-pr-first",
        "crash-pr-second",
    ]
    # The old launcher service left once its last container had exited.
    assert _gone(launcher, 10)


def test_runs_fail_clearly_when_their_processes_are_gone(
    tmp_path: Path, launchers: list[int]
) -> None:
    """Everything the first controller started dies with it (here: its launcher
    service and every container process are killed too): the restarted controller
    reports the lost step as the kubelet does and fails the runs; nothing is rerun."""
    home = tmp_path / "home"
    launcher = _start_and_kill(home)
    launchers.append(launcher)
    for pid in _descendants(launcher):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert _gone(launcher, 10)
    _resume(home)

    assert _marks(home) == {"tr-one": 1, "pr-first": 1}
    assert _log(home, "crash-tr-pod", "tr-one") == "a-tr-one\n"
    assert _log(home, "crash-pr-first-pod", "pr-first") == "a-pr-first\n"

    taskrun, pipelinerun, child_runs = _stored(home)
    lost = '"step-tr-one" exited with code 137: ContainerStatusUnknown'
    assert _cond(taskrun) == ("False", "StepFailed", lost)
    step = next(s for s in taskrun["status"]["steps"] if s["name"] == "tr-one")
    assert step["terminated"]["exitCode"] == 137
    assert step["terminated"]["reason"] == "ContainerStatusUnknown"
    assert step["terminated"]["message"] == (
        "The container could not be located when the pod was terminated"
    )
    assert [c["metadata"]["name"] for c in child_runs] == ["crash-pr-first"]
    assert _cond(child_runs[0]) == (
        "False",
        "StepFailed",
        '"step-pr-first" exited with code 137: ContainerStatusUnknown',
    )
    assert _cond(pipelinerun) == (
        "False",
        "Failed",
        "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 1",
    )


@pytest.fixture
def launchers() -> Iterator[list[int]]:
    """Launcher services a test started: whatever a failed test left of them and
    their containers is killed afterwards."""
    started: list[int] = []
    yield started
    for launcher in started:
        for pid in _descendants(launcher):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_a_run_whose_pod_is_gone_fails_and_is_not_rerun(
    tmp_path: Path, launchers: list[int]
) -> None:
    """Pods the restarted runtime cannot find at all (their processes and their
    directories are gone): Tekton would create them again; Tektite fails the TaskRuns
    with ``TaskRunPodLost`` rather than run their steps a second time."""
    home = tmp_path / "home"
    launcher = _start_and_kill(home)
    launchers.append(launcher)
    for pid in _descendants(launcher):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert _gone(launcher, 10)
    shutil.rmtree(home / "pods" / "default")
    _resume(home)

    assert _marks(home) == {"tr-one": 1, "pr-first": 1}
    assert _log(home, "crash-tr-pod", "tr-one") == "a-tr-one\n"
    taskrun, pipelinerun, child_runs = _stored(home)
    assert _cond(taskrun) == (
        "False",
        "TaskRunPodLost",
        'pod "crash-tr-pod" of TaskRun "crash-tr" was lost: the runtime no longer has it '
        "(it was deleted, or the runtime restarted without it); it is not created again, "
        "so that no step runs twice",
    )
    assert [c["metadata"]["name"] for c in child_runs] == ["crash-pr-first"]
    assert _cond(child_runs[0])[:2] == ("False", "TaskRunPodLost")
    assert _cond(pipelinerun)[:2] == ("False", "Failed")
