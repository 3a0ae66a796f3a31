"""Crash safety on the podman and docker runtimes (each test runs on both): ``kill -9``
of the process running the controller during a run, then a restart on the same data
directory.

Everything is real: the controller runs in a child process (``crash_child.py`` with
``podman`` or ``docker``) on a SQLite store, and the steps run in containers of the
local test images. Each step appends a line to a mark file (a hostPath volume) when it
starts, so a step that ran twice shows it.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.container_images import image_map_rules
from tests.controller.crash_support import (
    CHILD,
    assert_failed_as_lost,
    assert_finished_once,
)
from tests.runtime.container.leftovers import data_dir_containers, remove


def _env() -> dict[str, str]:
    return {**os.environ, "TEKTITE_IMAGE_MAP": ",".join(image_map_rules())}


def _start_and_kill(home: Path, engine: str) -> None:
    """Run the first controller until the first steps run, then SIGKILL it."""
    process = subprocess.Popen(
        [sys.executable, str(CHILD), "start", str(home), engine],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout=120), "the first controller never started the steps"
        line = process.stdout.readline()
        assert line.startswith("RUNNING "), (line, process.stderr and process.stderr.read())
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def _resume(home: Path, engine: str) -> None:
    done = subprocess.run(
        [sys.executable, str(CHILD), "resume", str(home), engine],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=_env(),
    )
    assert done.stdout.strip() == "DONE", done.stderr[-3000:]


def _until_logged(home: Path, pod: str, step: str, line: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        path = home / "logs" / "default" / pod / f"step-{step}.log"
        if path.exists() and line in path.read_text().splitlines():
            return True
        time.sleep(0.1)
    return False


def test_runs_finish_after_the_controller_is_killed(tmp_path: Path, engine: str) -> None:
    """The containers running at the kill finish meanwhile (their output still reaches
    the logs); the restarted controller adopts their Pods, reads how they ended,
    starts the remaining steps and tasks once, and keeps every log line."""
    home = tmp_path / "home"
    _start_and_kill(home, engine)
    # Written by the steps while no controller runs at all.
    assert _until_logged(home, "crash-tr-pod", "tr-one", "b-tr-one", 30)
    assert _until_logged(home, "crash-pr-first-pod", "pr-first", "b-pr-first", 30)
    _resume(home, engine)

    assert_finished_once(home)
    # The finished Pods were deleted at the end: no container is left behind.
    assert data_dir_containers(home, engine) == []


def test_runs_fail_clearly_when_their_containers_are_gone(tmp_path: Path, engine: str) -> None:
    """The first controller's containers are removed along with it: the restarted
    controller reports the lost step as the kubelet does and fails the runs; nothing
    is rerun."""
    home = tmp_path / "home"
    _start_and_kill(home, engine)
    names = data_dir_containers(home, engine)
    assert names, "the killed controller's containers should still exist"
    remove(names, engine)
    _resume(home, engine)

    assert_failed_as_lost(home)
