"""The docker flavour shares the podman runtime's code; where a docker engine runs, a
busybox step runs on it end to end. Skipped, with the reason, where none runs (the build
machines have the docker client only)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from tektite.runtime.container.engine import EngineUnavailable, probe_engine
from tests.container_images import BUSYBOX, container_engine_skip_reason, ensure_test_images
from tests.runtime.container.conftest import run_on_podman, taskrun


def _docker_or_skip() -> None:
    try:
        probe_engine("docker")
    except EngineUnavailable as error:
        pytest.skip(str(error))


def test_busybox_step_on_docker(tmp_path: Path) -> None:
    _docker_or_skip()
    reason = container_engine_skip_reason()
    if reason is not None:
        pytest.skip(f"the test images are built with podman: {reason}")
    ensure_test_images()
    # docker has its own image store: copy the local image into it.
    save = subprocess.Popen(["podman", "save", BUSYBOX], stdout=subprocess.PIPE)
    subprocess.run(["docker", "load"], stdin=save.stdout, check=True, capture_output=True)
    save.wait()
    outcome = asyncio.run(
        run_on_podman(
            taskrun(
                "dk",
                {
                    "taskSpec": {
                        "sidecars": [{"name": "s", "image": "busybox", "script": "sleep 100"}],
                        "steps": [{"name": "hi", "image": "busybox", "script": "echo docker"}],
                    }
                },
            ),
            tmp_path / "home",
            runtime="docker",
        )
    )
    assert outcome.condition["reason"] == "Succeeded", outcome.run["status"]
    assert outcome.logs["default/dk-pod/step-hi.log"] == "docker\n"
