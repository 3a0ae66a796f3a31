"""End to end on the embedded control plane (SQLite store, host runtime, real processes):
a failing, a timed-out, a step-timed-out, a cancelled and a retried TaskRun each end with
Tekton's exact reason and message."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import msgspec

from tektite.api.config import Config
from tektite.api.defaults import set_defaults
from tektite.api.models import TaskRun
from tektite.embedded import Embedded, embedded
from tektite.local_runs import condition, create_all, is_done, wait_done


def taskrun(name: str, steps: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    tr = msgspec.convert(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "metadata": {"name": name},
            "spec": {"taskSpec": {"steps": steps}, **spec},
        },
        TaskRun,
    )
    set_defaults(tr, Config())
    return tr.to_dict()


async def run_one(root: Path, obj: dict[str, Any], during: Any = None) -> dict[str, Any]:
    async with embedded(Config(), "host", root) as env:
        (created,) = create_all(env.store, [obj], "default", notes=io.StringIO())
        if during is not None:
            await during(env, created)
        assert await wait_done(env.store, [created], asyncio.Event(), timeout=60)
        final = env.store.get("TaskRun", "default", created["metadata"]["name"])
        assert final is not None
        return final


def test_failing_step(tmp_path: Path) -> None:
    obj = taskrun(
        "fails",
        [
            {"name": "fail", "image": "busybox", "script": "echo failing\nexit 3"},
            {"name": "after", "image": "busybox", "script": "echo never"},
        ],
    )
    final = asyncio.run(run_one(tmp_path, obj))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "StepFailed",
        '"step-fail" exited with code 3: Error',
    )
    fail, after = final["status"]["steps"]
    assert fail["terminated"]["exitCode"] == 3
    assert fail["terminated"]["reason"] == "Error"
    assert after["terminated"]["exitCode"] == 1
    assert after["terminationReason"] == "Skipped"
    assert final["status"]["completionTime"]


def test_taskrun_timeout(tmp_path: Path) -> None:
    obj = taskrun(
        # 5s: long enough that the step is running when the timeout strikes, even on a
        # loaded machine (otherwise Tekton rightly appends "Previous status: [Pending]").
        "slow",
        [{"name": "sleep", "image": "busybox", "script": "sleep 30"}],
        timeout="5s",
    )
    final = asyncio.run(run_one(tmp_path, obj))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "TaskRunTimeout",
        'TaskRun "slow" failed to finish within "5s"',
    )
    (step,) = final["status"]["steps"]
    assert step["terminated"]["exitCode"] == 1
    assert step["terminated"]["reason"] == "TaskRunTimeout"
    assert step["terminated"]["message"] == "Step sleep terminated as pod slow-pod is terminated"


def test_step_timeout(tmp_path: Path) -> None:
    obj = taskrun(
        "step-slow", [{"name": "sleep", "image": "busybox", "script": "sleep 30", "timeout": "1s"}]
    )
    final = asyncio.run(run_one(tmp_path, obj))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "StepFailed",
        '"step-sleep" exited because the step exceeded the specified timeout limit',
    )
    (step,) = final["status"]["steps"]
    assert step["terminationReason"] == "TimeoutExceeded"


def test_cancelled(tmp_path: Path) -> None:
    obj = taskrun("cancel-me", [{"name": "sleep", "image": "busybox", "script": "sleep 30"}])

    async def cancel_when_running(env: Embedded, created: dict[str, Any]) -> None:
        for _ in range(500):
            current = env.store.get("TaskRun", "default", "cancel-me")
            assert current is not None
            steps = (current.get("status") or {}).get("steps") or []
            if steps and "running" in steps[0]:
                current["spec"]["status"] = "TaskRunCancelled"
                env.store.update(current)
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the step never started")

    final = asyncio.run(run_one(tmp_path, obj, cancel_when_running))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "TaskRunCancelled",
        'TaskRun "cancel-me" was cancelled. ',
    )
    (step,) = final["status"]["steps"]
    assert step["terminated"]["reason"] == "TaskRunCancelled"


def test_retries(tmp_path: Path) -> None:
    obj = taskrun(
        "retry",
        [
            {
                "name": "fail",
                "image": "busybox",
                "script": "echo try $(context.task.retry-count)\nexit 1",
            }
        ],
        retries=2,
    )
    final = asyncio.run(run_one(tmp_path, obj))
    assert is_done(final)
    c = condition(final)
    assert (c["status"], c["reason"]) == ("False", "StepFailed")
    archived = final["status"]["retriesStatus"]
    assert len(archived) == 2
    assert [a["conditions"][0]["reason"] for a in archived] == ["StepFailed", "StepFailed"]
    assert [a["podName"] for a in archived] == ["retry-pod", "retry-pod-retry1"]
    assert final["status"]["podName"] == "retry-pod-retry2"


def test_sidecar_dying_before_ready_fails_the_run_without_starting_steps(tmp_path: Path) -> None:
    obj = taskrun(
        "sidecar-dies",
        [{"name": "use", "image": "busybox", "script": "echo used > /workspace/used"}],
    )
    obj["spec"]["taskSpec"]["sidecars"] = [
        {
            "name": "db",
            "image": "busybox",
            "script": "exit 4",
            # Never ready: a probe that can pass would race the exit (the kubelet
            # probes a container as soon as it runs).
            "readinessProbe": {"exec": {"command": ["false"]}, "periodSeconds": 1},
        }
    ]
    final = asyncio.run(run_one(tmp_path, obj))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "SidecarFailed",
        "sidecar 'db' exited with code 4 (Error) before it was ready; the steps were not started",
    )
    (step,) = final["status"]["steps"]
    assert step["terminated"]["reason"] == "SidecarFailed"
    assert (
        step["terminated"]["message"] == "Step use terminated as pod sidecar-dies-pod is terminated"
    )


def test_a_pod_the_api_server_would_refuse_fails_with_its_message(tmp_path: Path) -> None:
    """``runAsUser: -1`` decodes, but Kubernetes' Pod validation refuses the Pod: the
    run fails with ``PodCreationFailed`` and the API server's words (it used to start,
    and its first container failed to switch users)."""
    obj = taskrun(
        "uid",
        [{"name": "s", "image": "busybox", "script": "true"}],
        podTemplate={"securityContext": {"runAsUser": -1, "fsGroup": -2}},
    )
    final = asyncio.run(run_one(tmp_path, obj))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "PodCreationFailed",
        'failed to create task run pod "uid": Pod "uid-pod" is invalid: '
        "[spec.securityContext.fsGroup: Invalid value: -2: must be between 0 and 2147483647, "
        "inclusive, spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and "
        "2147483647, inclusive]. Maybe invalid TaskSpec",
    )


def test_run_as_non_root_as_root_is_the_kubelets_config_error(tmp_path: Path) -> None:
    """The kubelet refuses ``runAsNonRoot`` with ``runAsUser: 0`` (``verifyRunAsNonRoot``),
    and Tekton fails the run; the host runtime used to run the step as root."""
    context = {"runAsNonRoot": True, "runAsUser": 0}
    obj = taskrun(
        "root", [{"name": "s", "image": "busybox", "script": "true", "securityContext": context}]
    )
    final = asyncio.run(run_one(tmp_path, obj))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "CreateContainerConfigError",
        "Failed to create pod due to config error",
    )
    [step] = final["status"]["steps"]
    assert step["waiting"]["reason"] == "CreateContainerConfigError"
    assert step["waiting"]["message"].startswith(
        "container's runAsUser breaks non-root policy (pod: \"root-pod_default("
    )
    assert step["waiting"]["message"].endswith("container: step-s)")


def test_a_mount_of_a_volume_that_does_not_exist_fails_the_pods_creation(tmp_path: Path) -> None:
    """Tekton's webhook lets a mount of an undeclared volume through; the API server
    refuses the Pod. The host runtime used to wait with a config error instead."""
    obj = taskrun(
        "mount",
        [
            {
                "name": "s",
                "image": "busybox",
                "script": "true",
                "volumeMounts": [{"name": "nope", "mountPath": "/data"}],
            }
        ],
    )
    final = asyncio.run(run_one(tmp_path, obj))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "PodCreationFailed",
        'failed to create task run pod "mount": Pod "mount-pod" is invalid: '
        'spec.containers[0].volumeMounts[0].name: Not found: "nope". Maybe invalid TaskSpec',
    )


def test_a_nul_byte_in_a_steps_args_is_a_start_error(tmp_path: Path) -> None:
    """execve refuses a NUL byte, so on a cluster the container runtime cannot start the
    step's process (its entrypoint): StartError, exit 128. The wrapper used to start and
    die of Python's ValueError, exit 1."""
    obj = taskrun("nul", [{"name": "a", "image": "busybox", "command": ["echo"], "args": ["x\0y"]}])
    final = asyncio.run(run_one(tmp_path, obj))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "StepFailed",
        '"step-a" exited with code 128: StartError',
    )
    [step] = final["status"]["steps"]
    message = step["terminated"]["message"]  # the wrapper's path depends on the mode
    assert message.startswith('unable to start container process: exec: "/')
    assert message.endswith('/bin/entrypoint": invalid argument')
