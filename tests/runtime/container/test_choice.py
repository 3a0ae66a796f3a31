"""Runtime choice: ``--runtime auto|podman|docker|host`` and ``--image-map``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tektite.engine.pod import PodImages
from tektite.store.sqlite import SqliteStore
from tests.container_images import BUSYBOX, container_engine_skip_reason, ensure_test_images

TEKTITE = [sys.executable, "-m", "tektite"]
TASKRUN = (
    "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: hi}\nspec:\n  taskSpec:\n"
    "    steps:\n    - {name: s, image: busybox, script: 'echo hi from $(hostname)'}\n"
)


def _tektite(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "TEKTITE_RUNTIME"}
    environ.update(TEKTITE_HOME=str(home), **env)
    return subprocess.run(
        [*TEKTITE, *args], env=environ, capture_output=True, text=True, timeout=180, check=False
    )


def test_auto_picks_podman_and_says_so(tmp_path: Path) -> None:
    reason = container_engine_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    ensure_test_images()
    (tmp_path / "tr.yaml").write_text(TASKRUN)
    done = _tektite(
        ["run", str(tmp_path / "tr.yaml"), "--image-map", f"busybox={BUSYBOX}"], tmp_path / "h"
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0].startswith("tektite: runtime podman, data in ")
    assert "[hi/s] hi from hi-pod" in done.stdout


def test_image_map_from_the_environment(tmp_path: Path) -> None:
    reason = container_engine_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    ensure_test_images()
    (tmp_path / "tr.yaml").write_text(TASKRUN)
    done = _tektite(
        ["run", "--runtime", "podman", str(tmp_path / "tr.yaml")],
        tmp_path / "h",
        TEKTITE_IMAGE_MAP=f"alpine=x, busybox={BUSYBOX}",
    )
    assert done.returncode == 0, done.stderr


def test_malformed_image_map_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "tr.yaml").write_text(TASKRUN)
    done = _tektite(["run", str(tmp_path / "tr.yaml"), "--image-map", "busybox"], tmp_path / "h")
    assert done.returncode == 1
    assert done.stderr == "Error: --image-map: expected SRC=DST, got 'busybox'\n"


def test_docker_without_its_daemon_is_refused_with_the_reason(tmp_path: Path) -> None:
    """The client is sent to a socket no daemon listens on (``DOCKER_HOST``), whether or
    not docker's daemon runs here."""
    if shutil.which("docker") is None:
        pytest.skip("no docker client here")
    (tmp_path / "tr.yaml").write_text(TASKRUN)
    done = _tektite(
        ["run", "--runtime", "docker", str(tmp_path / "tr.yaml")],
        tmp_path / "h",
        DOCKER_HOST=f"unix://{tmp_path / 'no-daemon.sock'}",
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0] == (
        "Error: runtime docker: docker cannot run containers here: Cannot connect to the "
        f"Docker daemon at unix://{tmp_path / 'no-daemon.sock'}. Is the docker daemon running?"
    )


def test_auto_falls_back_to_host_without_an_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No engine is simulated by hiding the binaries from ``shutil.which`` (a fake:
    the machine has podman)."""
    from tektite.embedded import make_runtime
    from tektite.runtime.container import engine as engine_module

    monkeypatch.setattr(shutil, "which", lambda *_a, **_k: None)
    # A probe earlier in this process found podman and remembers it: forget that.
    monkeypatch.setattr(engine_module, "_PROBED", {})
    store = SqliteStore(tmp_path / "db")
    try:
        runtime = make_runtime("auto", tmp_path, store, PodImages())
        assert runtime.name == "host"
        import asyncio

        asyncio.run(runtime.close())
    finally:
        store.close()


def test_ctrl_c_cancels_and_removes_the_containers(tmp_path: Path) -> None:
    reason = container_engine_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    ensure_test_images()
    import signal
    import time
    import uuid

    name = f"cancel-{uuid.uuid4().hex[:6]}"
    (tmp_path / "tr.yaml").write_text(
        TASKRUN.replace("name: hi}", f"name: {name}}}").replace(
            "'echo hi from $(hostname)'", "'echo started; sleep 300'"
        )
    )
    environ = {k: v for k, v in os.environ.items() if k != "TEKTITE_RUNTIME"}
    environ.update(TEKTITE_HOME=str(tmp_path / "h"), TEKTITE_IMAGE_MAP=f"busybox={BUSYBOX}")
    proc = subprocess.Popen(
        [*TEKTITE, "run", "--runtime", "podman", str(tmp_path / "tr.yaml")],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = tmp_path / f"h/logs/default/{name}-pod/step-s.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "started" not in (
        log.read_text() if log.exists() else ""
    ):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "TaskRunCancelled" in out, out
    left = subprocess.run(
        [
            "podman",
            "ps",
            "-a",
            "--filter",
            f"name=tektite-default-{name}",
            "--format",
            "{{.Names}}",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert left == []
