"""A ``ContainerRuntime`` restarted after its process was killed (``kill -9``) adopts
that process's Pods: statuses rebuilt from the engine, the steps not started yet started
once, output written meanwhile kept (and masked), lost containers reported as the
kubelet does.

Everything is real: the first runtime runs in a child process (``adopt_child.py``)
on podman (or docker) and is SIGKILLed; the second one runs here on the same data
directory. Each test runs on both engines.
"""

from __future__ import annotations

import asyncio
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tektite.runtime.pod_status import now_rfc3339
from tests.runtime.container import adopt_child
from tests.runtime.container.adopt_child import KEY, runtime
from tests.runtime.container.leftovers import data_dir_containers, data_dir_sandboxes, remove

CHILD = Path(__file__).with_name("adopt_child.py")
REPO = Path(__file__).resolve().parents[3]
STEPS_ENDED = {
    "step-one": (3, "Error", "msg-one"),
    "step-two": (0, "Completed", ""),
    "step-three": (0, "Completed", ""),
}
"""How the adopted Pod's steps end (exit code, reason, message), whenever the kill."""
EACH_STEP_RAN_ONCE = {"one": 1, "two": 1, "three": 1}
"""The steps' marks: every step ran exactly once, across the kill."""


def _start_and_kill(home: Path, phase: str, engine: str) -> None:
    """Run the first runtime until ``phase`` is reached, then SIGKILL it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(home), phase, engine],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    try:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout=60), "the first runtime never got there"
        line = process.stdout.readline()
        assert line.strip() in ("RUNNING", "ENDED", "CREATED"), (
            line,
            process.stderr and process.stderr.read(),
        )
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


async def _adopt(home: Path, engine: str, *, sidecars: tuple[str, ...] = ()) -> dict[str, Any]:
    """A second runtime on ``home``: the Pod once every container has ended (the
    ``sidecars`` are stopped as Tekton does once the steps have ended); then deleted."""
    second = runtime(home, engine)
    try:
        deadline = time.monotonic() + 60
        while True:
            pod = await second.get_pod(KEY)
            assert pod is not None, "the restarted runtime did not adopt the Pod"
            statuses = pod["status"]["containerStatuses"]
            steps = [s for s in statuses if s["name"] not in sidecars]
            if sidecars and all("terminated" in s["state"] for s in steps):
                await second.stop_containers(KEY, list(sidecars))
                sidecars = ()
            if all("terminated" in s["state"] for s in statuses):
                break
            assert time.monotonic() < deadline, statuses
            await asyncio.sleep(0.1)
        await second.delete_pod(KEY)
        assert await second.get_pod(KEY) is None
        return pod
    finally:
        await second.close()


def _terminated(pod: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {
        s["name"]: (
            s["state"]["terminated"]["exitCode"],
            s["state"]["terminated"]["reason"],
            s["state"]["terminated"].get("message", ""),
        )
        for s in pod["status"]["containerStatuses"]
    }


def _marks(home: Path) -> dict[str, int]:
    return {path.name: len(path.read_text().splitlines()) for path in (home / "marks").iterdir()}


def _log(home: Path, container: str) -> str:
    return (home / "logs" / KEY.namespace / KEY.name / f"{container}.log").read_text()


def test_adopted_pod_runs_on_and_starts_each_step_once(tmp_path: Path, engine: str) -> None:
    """Killed while step one runs (two and three created, not started): step one's
    exit code, times and termination message come from the engine, its line written while
    no runtime ran is in the log (masked), and two and three run once, in order."""
    home = tmp_path / "home"
    _start_and_kill(home, "running", engine)
    killed_at = now_rfc3339()
    pod = asyncio.run(_adopt(home, engine))

    assert _marks(home) == EACH_STEP_RAN_ONCE
    assert _terminated(pod) == STEPS_ENDED
    statuses = {s["name"]: s["state"]["terminated"] for s in pod["status"]["containerStatuses"]}
    assert statuses["step-one"]["startedAt"] <= killed_at  # started by the first runtime
    assert statuses["step-one"]["finishedAt"] >= killed_at  # it ended meanwhile
    assert statuses["step-two"]["finishedAt"] <= statuses["step-three"]["finishedAt"]
    assert pod["status"]["phase"] == "Failed"
    assert _log(home, "step-one") == "a-one\nt=***\nb-one\n"
    assert adopt_child.SECRET.decode() not in _log(home, "step-one")
    assert _log(home, "step-two") == "a-two\n"
    assert _log(home, "step-three") == "a-three\n"
    assert data_dir_containers(home, engine) == []  # the deletion removed the adopted containers


def test_a_container_gone_without_a_record_is_reported_lost(tmp_path: Path, engine: str) -> None:
    """Step one's container is removed behind the runtimes' back: the kubelet's
    ``ContainerStatusUnknown`` (137), and the steps after it never start."""
    home = tmp_path / "home"
    _start_and_kill(home, "running", engine)
    remove(data_dir_containers(home, engine), engine)
    pod = asyncio.run(_adopt(home, engine))

    lost = "The container could not be located when the pod was terminated"
    assert _terminated(pod)["step-one"] == (137, "ContainerStatusUnknown", lost)
    assert _terminated(pod)["step-two"][:2] == (137, "ContainerStatusUnknown")
    assert _marks(home) == {"one": 1}
    assert pod["status"]["phase"] == "Failed"


def test_a_step_whose_own_run_never_began_is_run_once_by_the_restarted_runtime(
    tmp_path: Path, engine: str
) -> None:
    """Step one is created by the ``podman run`` that starts it; the kill came before
    that run began (steps two and three existed already): the restarted runtime creates
    and runs it, and every step runs exactly once."""
    home = tmp_path / "home"
    _start_and_kill(home, "created", engine)
    assert not (home / "marks" / "one").exists()
    pod = asyncio.run(_adopt(home, engine))

    assert _terminated(pod) == STEPS_ENDED
    assert _marks(home) == EACH_STEP_RAN_ONCE


def test_a_pod_that_ended_before_the_restart_keeps_its_status(tmp_path: Path, engine: str) -> None:
    """Every container ended and was removed before the kill: the restarted runtime
    still reports how each ended (the saved status), and runs nothing again."""
    home = tmp_path / "home"
    _start_and_kill(home, "ended", engine)
    assert data_dir_containers(home, engine) == []
    pod = asyncio.run(_adopt(home, engine))

    assert _terminated(pod) == STEPS_ENDED
    assert _marks(home) == EACH_STEP_RAN_ONCE
    assert _log(home, "step-one") == "a-one\nt=***\nb-one\n"


def test_an_adopted_sidecar_is_followed_and_stopped(tmp_path: Path, engine: str) -> None:
    """A running sidecar (in the Pod's sandbox) is adopted with the steps: it runs
    until the steps have ended and is then stopped as Tekton's nop-image swap shows."""
    home = tmp_path / "home"
    _start_and_kill(home, "sidecar", engine)
    pod = asyncio.run(_adopt(home, engine, sidecars=("server",)))

    assert _terminated(pod) == {
        "server": (0, "Completed", "Sidecar container successfully stopped by nop image"),
        **STEPS_ENDED,
    }
    assert _marks(home) == EACH_STEP_RAN_ONCE
    assert _log(home, "server") == "serving\n"
    assert data_dir_containers(home, engine) == []
    assert data_dir_sandboxes(home, engine) == []
