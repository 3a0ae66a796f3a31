"""The container runtime end to end, on podman and on docker (each test runs on both):
TaskRuns through the embedded control plane, run in real containers of the local test
images (``tests.container_images``).

Skipped, with the reason, where an engine cannot run containers.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.container_images import BUSYBOX, SCRATCH_STATIC
from tests.runtime.container.conftest import Outcome, leftover_containers, taskrun

Run = Callable[..., Outcome]


def test_busybox_step_runs_with_its_logs_and_results(engine_run: Run) -> None:
    outcome = engine_run(
        taskrun(
            "bb",
            {
                "taskSpec": {
                    "results": [{"name": "who"}],
                    "steps": [
                        {
                            "name": "hello",
                            "image": "busybox",
                            "script": "echo hello from $(hostname)\n"
                            "ls /bin/busybox\n"
                            "printf me > $(results.who.path)\n",
                        }
                    ],
                }
            },
        )
    )
    assert outcome.condition["reason"] == "Succeeded", outcome.run["status"]
    assert outcome.run["status"]["results"] == [{"name": "who", "type": "string", "value": "me"}]
    log = outcome.logs["default/bb-pod/step-hello.log"]
    assert log == "hello from bb-pod\n/bin/busybox\n"
    step = outcome.step("hello")
    assert step["terminated"]["exitCode"] == 0
    assert step["terminated"]["containerID"].startswith(f"{outcome.engine}://")
    assert step["imageID"]  # the local image's ID, as the kubelet reports it
    assert leftover_containers(outcome) == []


def test_scratch_image_with_only_a_static_binary(engine_run: Run) -> None:
    """No shell, no libc, no /tmp: the static step wrapper still runs the step, and the
    exit code and results come back through the termination message."""
    outcome = engine_run(
        taskrun(
            "scratch",
            {
                "taskSpec": {
                    "results": [{"name": "r"}],
                    "steps": [
                        {
                            "name": "write",
                            "image": SCRATCH_STATIC,
                            "command": ["/static-tool"],
                            "args": ["print", "static", "write", "/tekton/results/r", "v1"],
                        },
                        {
                            "name": "fail",
                            "image": SCRATCH_STATIC,
                            "command": ["/static-tool"],
                            "args": ["exit", "3"],
                            "onError": "continue",
                        },
                    ],
                }
            },
        )
    )
    assert outcome.condition["reason"] == "Succeeded", outcome.run["status"]
    assert outcome.run["status"]["results"] == [{"name": "r", "type": "string", "value": "v1"}]
    assert outcome.step("write")["terminated"]["exitCode"] == 0
    failed = outcome.step("fail")["terminated"]
    assert failed["exitCode"] == 3
    assert failed["reason"] == "Completed"  # onError: continue
    assert outcome.logs["default/scratch-pod/step-write.log"] == "static\n"


def test_image_entrypoint_runs_when_the_step_has_no_command(engine_run: Run) -> None:
    outcome = engine_run(
        taskrun(
            "ep",
            {
                "taskSpec": {
                    "steps": [
                        {
                            "name": "own",
                            "image": SCRATCH_STATIC,
                            "args": ["print", "via-entrypoint"],
                        }
                    ]
                }
            },
        )
    )
    assert outcome.condition["reason"] == "Succeeded", outcome.run["status"]
    assert outcome.logs["default/ep-pod/step-own.log"] == "via-entrypoint\n"


def test_sidecar_is_reachable_on_localhost(engine_run: Run) -> None:
    outcome = engine_run(
        taskrun(
            "side",
            {
                "taskSpec": {
                    "sidecars": [
                        {
                            "name": "web",
                            "image": "busybox",
                            "script": "mkdir -p /www && echo served > /www/index.html\n"
                            "exec httpd -f -p 8080 -h /www\n",
                            "readinessProbe": {
                                "tcpSocket": {"port": 8080},
                                "periodSeconds": 1,
                            },
                        }
                    ],
                    "steps": [
                        {
                            "name": "get",
                            "image": "busybox",
                            "script": "wget -qO- http://localhost:8080/index.html",
                        }
                    ],
                }
            },
        )
    )
    assert outcome.condition["reason"] == "Succeeded", (outcome.run["status"], outcome.logs)
    assert outcome.logs["default/side-pod/step-get.log"] == "served\n"
    sidecar = outcome.run["status"]["sidecars"][0]
    assert sidecar["name"] == "web"
    assert sidecar["terminated"]["exitCode"] == 0  # stopped after the steps
    assert leftover_containers(outcome) == []


def test_exec_probe_runs_inside_the_sidecar(engine_run: Run) -> None:
    outcome = engine_run(
        taskrun(
            "probe",
            {
                "taskSpec": {
                    "sidecars": [
                        {
                            "name": "slow",
                            "image": "busybox",
                            "script": "sleep 2; touch /tmp/ready; exec sleep 1000",
                            "readinessProbe": {
                                "exec": {"command": ["cat", "/tmp/ready"]},
                                "periodSeconds": 1,
                            },
                        }
                    ],
                    "steps": [{"name": "s", "image": "busybox", "script": "echo after"}],
                }
            },
        )
    )
    assert outcome.condition["reason"] == "Succeeded", outcome.run["status"]
    sidecar_started = outcome.run["status"]["sidecars"][0]["terminated"]["startedAt"]
    step_started = outcome.step("s")["terminated"]["startedAt"]
    assert step_started >= sidecar_started


def test_pull_failure_fails_the_taskrun(engine_run: Run) -> None:
    outcome = engine_run(
        taskrun(
            "pull",
            {
                "taskSpec": {
                    "steps": [
                        {"image": "localhost/tektite/no-such-image:1", "script": "echo never"}
                    ]
                }
            },
        )
    )
    condition = outcome.condition
    assert condition["status"] == "False"
    assert condition["reason"] == "TaskRunImagePullFailed"
    prefix = (
        'the step "unnamed-0" in TaskRun "pull" failed to pull the image "". The pod errored '
        'with the message: "Back-off pulling image "localhost/tektite/no-such-image:1": '
        'failed to pull image "localhost/tektite/no-such-image:1": '
    )
    assert condition["message"].startswith(prefix), condition["message"]
    assert leftover_containers(outcome) == []


def test_never_pull_policy_with_a_missing_image(engine_run: Run) -> None:
    """The kubelet reports ErrImageNeverPull, which Tekton does not fail on: the run
    waits (condition PullImageFailed) until its timeout."""
    outcome = engine_run(
        taskrun(
            "never",
            {
                "timeout": "5s",
                "taskSpec": {
                    "steps": [
                        {
                            "name": "s",
                            "image": "localhost/tektite/absent:1",
                            "imagePullPolicy": "Never",
                            "script": "echo never",
                        }
                    ]
                },
            },
        ),
        timeout=60,
    )
    assert outcome.condition["reason"] == "TaskRunTimeout", outcome.run["status"]
    assert "default/never-pod/step-s.log" not in outcome.logs  # it never ran
    assert leftover_containers(outcome) == []


def test_never_pull_policy_shows_the_kubelet_s_waiting_state(engine_run: Run) -> None:
    outcome = engine_run(
        taskrun(
            "never2",
            {
                "taskSpec": {
                    "steps": [
                        {
                            "name": "s",
                            "image": "localhost/tektite/absent:1",
                            "imagePullPolicy": "Never",
                            "script": "echo never",
                        }
                    ]
                },
            },
        ),
        timeout=8,  # Tekton does not fail on ErrImageNeverPull: look while it waits
    )
    assert not outcome.finished
    assert outcome.pod is not None
    waiting = outcome.pod["status"]["containerStatuses"][0]["state"]["waiting"]
    assert outcome.condition["reason"] == "PullImageFailed", outcome.run["status"]
    assert waiting == {
        "reason": "ErrImageNeverPull",
        "message": 'Container image "localhost/tektite/absent:1" is not present with pull '
        "policy of Never",
    }


def test_timeout_removes_every_container(engine_run: Run) -> None:
    outcome = engine_run(
        taskrun(
            "slow",
            {
                "timeout": "3s",
                "taskSpec": {
                    "sidecars": [{"name": "s", "image": BUSYBOX, "script": "exec sleep 1000"}],
                    "steps": [{"name": "sleep", "image": "busybox", "script": "sleep 1000"}],
                },
            },
        ),
        timeout=60,
    )
    assert outcome.condition["reason"] == "TaskRunTimeout", outcome.run["status"]
    assert leftover_containers(outcome) == []


def test_always_pull_policy_pulls_even_a_present_image(engine_run: Run) -> None:
    """``Always`` pulls although the image is in local storage: with no registry the
    pull fails, as the kubelet's would."""
    outcome = engine_run(
        taskrun(
            "always",
            {
                "taskSpec": {
                    "steps": [
                        {
                            "name": "s",
                            "image": BUSYBOX,
                            "imagePullPolicy": "Always",
                            "script": "echo never",
                        }
                    ]
                }
            },
        )
    )
    assert outcome.condition["reason"] == "TaskRunImagePullFailed", outcome.run["status"]
    assert f'Back-off pulling image "{BUSYBOX}"' in outcome.condition["message"]


def test_missing_working_dirs_are_created(engine_run: Run) -> None:
    outcome = engine_run(
        taskrun(
            "wd",
            {
                "taskSpec": {
                    "steps": [
                        {
                            "name": "image",
                            "image": "busybox",
                            "workingDir": "/made/here",
                            "script": "pwd",
                        },
                        {
                            "name": "volume",
                            "image": "busybox",
                            "workingDir": "/workspace/a/b",
                            "script": "pwd",
                        },
                    ]
                }
            },
        )
    )
    assert outcome.condition["reason"] == "Succeeded", outcome.run["status"]
    assert outcome.logs["default/wd-pod/step-image.log"] == "/made/here\n"
    assert outcome.logs["default/wd-pod/step-volume.log"] == "/workspace/a/b\n"


def test_a_nul_byte_in_a_steps_args_is_a_start_error(engine_run: Run) -> None:
    """No engine command line (nor execve) can carry a NUL byte: the kubelet's
    StartError, as on the host runtime. The runtime used to die on Python's ValueError
    and the run never ended."""
    step = {"name": "a", "image": "busybox", "command": ["echo"], "args": ["x\0y"]}
    outcome = engine_run(taskrun("nul", {"taskSpec": {"steps": [step]}}))
    assert (outcome.condition["reason"], outcome.condition["message"]) == (
        "StepFailed",
        '"step-a" exited with code 128: StartError',
    )
    assert outcome.step("a")["terminated"]["message"] == (
        'unable to start container process: exec: "/tekton/bin/entrypoint": invalid argument'
    )
    assert leftover_containers(outcome) == []
