"""What only docker shows (the end-to-end tests of ``test_engines`` and Tekton's examples
in ``tests/conformance`` run on docker as on podman). Skipped, with the reason, where
docker cannot run (``scripts/setup-docker`` sets it up)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.container_images import BUSYBOX, ensure_docker_images
from tests.runtime.container.conftest import run_on_engine, taskrun


def test_a_step_killed_for_want_of_memory_is_oom_killed_on_docker(tmp_path: Path) -> None:
    """docker reports the kernel's OOM kill of any process of a container (here the step
    wrapper's child): the step ends ``OOMKilled``, as containerd reports it on a
    cluster, and the TaskRun ``StepOOM`` (Tekton's ``TaskRunReasonStepOOM``). podman
    here reports no OOM kill at all (``container/pod.py``)."""
    ensure_docker_images(BUSYBOX)
    outcome = asyncio.run(
        run_on_engine(
            taskrun(
                "oom",
                {
                    "taskSpec": {
                        "steps": [
                            {
                                "name": "eat",
                                "image": "busybox",
                                "computeResources": {"limits": {"memory": "20Mi"}},
                                "script": "dd if=/dev/zero of=/dev/null bs=60M count=1",
                            }
                        ]
                    }
                },
            ),
            tmp_path / "home",
            runtime="docker",
        )
    )
    assert outcome.condition["reason"] == "StepOOM", outcome.run["status"]
    assert outcome.condition["message"] == '"step-eat" exited with code 137: OOMKilled'
    step = outcome.run["status"]["steps"][0]
    assert (step["terminated"]["exitCode"], step["terminated"]["reason"]) == (137, "OOMKilled")
