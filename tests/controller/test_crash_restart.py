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

import pytest

from tests.controller.crash_support import (
    CHILD,
    assert_failed_as_lost,
    assert_finished_once,
    cond,
    log,
    marks,
    stored,
)


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


def test_runs_finish_after_the_controller_is_killed(tmp_path: Path, launchers: list[int]) -> None:
    """The steps running at the kill finish meanwhile; the restarted controller adopts
    their Pods, starts the remaining steps and tasks once, and keeps every log line."""
    home = tmp_path / "home"
    launcher = _start_and_kill(home)
    launchers.append(launcher)
    # The steps run on without their controller (the launcher service outlives it).
    assert not _gone(launcher, 0.2)
    _resume(home)

    assert_finished_once(home)
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

    assert_failed_as_lost(home)


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

    assert marks(home) == {"tr-one": 1, "pr-first": 1}
    assert log(home, "crash-tr-pod", "tr-one") == "a-tr-one\n"
    taskrun, pipelinerun, child_runs = stored(home)
    assert cond(taskrun) == (
        "False",
        "TaskRunPodLost",
        'pod "crash-tr-pod" of TaskRun "crash-tr" was lost: the runtime no longer has it '
        "(it was deleted, or the runtime restarted without it); it is not created again, "
        "so that no step runs twice",
    )
    assert [c["metadata"]["name"] for c in child_runs] == ["crash-pr-first"]
    assert cond(child_runs[0])[:2] == ("False", "TaskRunPodLost")
    assert cond(pipelinerun)[:2] == ("False", "Failed")
