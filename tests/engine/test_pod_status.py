"""Pod status → TaskRun status, as Tekton's ``pkg/pod/status.go`` computes it.

Most cases are lifted from ``pkg/pod/status_test.go`` (test and case names kept in the
ids); the rest pin behaviour described in the reference (§1.7, §4.1, §5.3–§5.6) with
values from Tekton's code: results validation from ``validate_taskrun.go`` and the
sidecar-log size failure from ``taskrun.go``.

Expected statuses are written in Tekton's JSON shape and compared as models, so that a
field at its zero value (``exitCode: 0``) compares equal however it is serialised.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from tektite.api.models import TaskRun, TaskRunStatus, TaskSpec
from tektite.engine.pod_status import (
    convert_pod_status,
    did_task_run_fail,
    failure_message,
    failure_reason,
    is_pod_done,
    is_sidecar_status_running,
    make_taskrun_status,
    reconcile_pod_status,
    sidecars_ready,
    sidecars_to_stop,
    stopped_sidecar_states,
    update_step_statuses_from_pod,
    validate_taskrun_results,
)

NOW = datetime(2022, 1, 1, tzinfo=UTC)
NOW_TEXT = "2022-01-01T00:00:00Z"
START = "2010-01-01T01:01:01Z"

Json = dict[str, Any]


def _condition(status: str, reason: str, message: str) -> Json:
    return {
        "type": "Succeeded",
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": NOW_TEXT,
    }


RUNNING = [_condition("Unknown", "Running", "Not all Steps in the Task have finished executing")]
SUCCESS = [_condition("True", "Succeeded", "All Steps have completed executing")]


def _failure(reason: str, message: str) -> list[Json]:
    return [_condition("False", reason, message)]


def _pending(reason: str, message: str) -> list[Json]:
    return [_condition("Unknown", reason, message)]


def _done(**fields: Any) -> Json:
    """The fields every finished status of these cases has."""
    return {"completionTime": NOW_TEXT, "artifacts": {}, **fields}


def _taskrun(body: Json | None = None) -> TaskRun:
    return msgspec.convert(
        {"metadata": {"name": "task-run", "namespace": "foo"}, **(body or {})}, TaskRun
    )


def _spec(body: Json | None = None) -> TaskSpec:
    return msgspec.convert(body or {}, TaskSpec)


def _pod(status: Json, containers: list[str] | None = None, name: str = "pod") -> Json:
    pod: Json = {"metadata": {"name": name, "namespace": "foo"}, "status": status}
    if containers is not None:
        pod["spec"] = {"containers": [{"name": c} for c in containers]}
    return pod


def _terminated(name: str, image_id: str = "", **terminated: Any) -> Json:
    status: Json = {"name": name, "state": {"terminated": terminated}}
    if image_id:
        status["imageID"] = image_id
    return status


def _status(body: Json) -> TaskRunStatus:
    # Go's test fixtures leave ExitCode at its zero value; Kubernetes JSON always
    # carries it (no omitempty), and so does Tektite's model.
    for step in body.get("steps") or ():
        terminated = step.get("terminated")
        if terminated is not None:
            terminated.setdefault("exitCode", 0)
    return msgspec.convert(body, TaskRunStatus)


# -- TestMakeTaskRunStatus -----------------------------------------------------------------

MAKE_TASKRUN_STATUS_CASES = [
    pytest.param({}, None, {"conditions": RUNNING}, id="empty"),
    pytest.param(
        {
            "initContainerStatuses": [{"imageID": "ignored"}],
            "containerStatuses": [_terminated("step-state-name", exitCode=123)],
        },
        None,
        {
            "conditions": RUNNING,
            "steps": [
                {
                    "terminated": {"exitCode": 123},
                    "name": "state-name",
                    "container": "step-state-name",
                }
            ],
        },
        id="ignore-creds-init",
    ),
    pytest.param(
        {
            "initContainerStatuses": [{"imageID": "ignoreme"}, {"imageID": "ignoreme"}],
            "containerStatuses": [_terminated("step-state-name", "image-id", exitCode=123)],
        },
        None,
        {
            "conditions": RUNNING,
            "steps": [
                {
                    "terminated": {"exitCode": 123},
                    "name": "state-name",
                    "container": "step-state-name",
                    "imageID": "image-id",
                }
            ],
        },
        id="ignore-init-containers",
    ),
    pytest.param(
        {"phase": "Succeeded", "containerStatuses": [_terminated("step-step-push", "image-id")]},
        None,
        _done(
            conditions=SUCCESS,
            steps=[
                {
                    "terminated": {"exitCode": 0},
                    "name": "step-push",
                    "container": "step-step-push",
                    "imageID": "image-id",
                }
            ],
        ),
        id="success",
    ),
    pytest.param(
        {
            "phase": "Running",
            "containerStatuses": [{"name": "step-running-step", "state": {"running": {}}}],
        },
        None,
        {
            "conditions": RUNNING,
            "steps": [{"running": {}, "name": "running-step", "container": "step-running-step"}],
        },
        id="running",
    ),
    pytest.param(
        {
            "phase": "Failed",
            "initContainerStatuses": [{"imageID": "ignore-me"}],
            "containerStatuses": [_terminated("step-failure", "image-id", exitCode=123)],
        },
        None,
        _done(
            conditions=_failure("StepFailed", '"step-failure" exited with code 123'),
            steps=[
                {
                    "terminated": {"exitCode": 123},
                    "name": "failure",
                    "container": "step-failure",
                    "imageID": "image-id",
                }
            ],
        ),
        id="failure-terminated",
    ),
    pytest.param(
        {"phase": "Failed", "message": "boom"},
        None,
        _done(conditions=_failure("Failed", "boom")),
        id="failure-message",
    ),
    pytest.param(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                _terminated("step-step-push", "image-id", reason="OOMKilled", exitCode=0)
            ],
        },
        None,
        _done(
            conditions=_failure("StepOOM", "OOMKilled"),
            steps=[
                {
                    "terminated": {"reason": "OOMKilled", "exitCode": 0},
                    "name": "step-push",
                    "container": "step-step-push",
                    "imageID": "image-id",
                }
            ],
        ),
        id="failed with OOM",
    ),
    pytest.param(
        {"phase": "Failed"},
        None,
        _done(conditions=_failure("Failed", "build failed for unspecified reasons.")),
        id="failure-unspecified",
    ),
    pytest.param(
        {
            "phase": "Pending",
            "initContainerStatuses": [{}],
            "containerStatuses": [
                {"name": "step-status-name", "state": {"waiting": {"message": "i'm pending"}}}
            ],
        },
        None,
        {
            "conditions": _pending(
                "Pending", 'build step "step-status-name" is pending with reason "i\'m pending"'
            ),
            "steps": [
                {
                    "waiting": {"message": "i'm pending"},
                    "name": "status-name",
                    "container": "step-status-name",
                }
            ],
        },
        id="pending-waiting-message",
    ),
    pytest.param(
        {
            "phase": "Pending",
            "conditions": [{"status": "Unknown", "type": "the type", "message": "the message"}],
        },
        None,
        {
            "conditions": _pending(
                "Pending", 'pod status "the type":"Unknown"; message: "the message"'
            )
        },
        id="pending-pod-condition",
    ),
    pytest.param(
        {"phase": "Pending", "message": "pod status message"},
        None,
        {"conditions": _pending("Pending", "pod status message")},
        id="pending-message",
    ),
    pytest.param(
        {"phase": "Pending"},
        None,
        {"conditions": _pending("Pending", "Pending")},
        id="pending-no-message",
    ),
    pytest.param(
        {
            "phase": "Pending",
            "conditions": [
                {
                    "reason": "Unschedulable",
                    "message": "0/1 nodes are available: 1 Insufficient cpu.",
                }
            ],
        },
        None,
        {
            "conditions": _pending(
                "ExceededNodeResources", "TaskRun Pod exceeded available resources"
            )
        },
        id="pending-not-enough-node-resources",
    ),
    pytest.param(
        {
            "phase": "Pending",
            "containerStatuses": [{"state": {"waiting": {"reason": "CreateContainerConfigError"}}}],
        },
        None,
        {
            # Failed, hence done (artifacts), but no completionTime: Tekton sets that only
            # when the steps are over.
            "conditions": _failure(
                "CreateContainerConfigError", "Failed to create pod due to config error"
            ),
            "artifacts": {},
        },
        id="pending-CreateContainerConfigError",
    ),
    pytest.param(
        {
            "phase": "Running",
            "containerStatuses": [
                {"name": "step-running-step", "state": {"running": {}}},
                {
                    "name": "sidecar-running",
                    "imageID": "image-id",
                    "state": {"running": {}},
                    "ready": True,
                },
            ],
        },
        None,
        {
            "conditions": RUNNING,
            "steps": [{"running": {}, "name": "running-step", "container": "step-running-step"}],
            "sidecars": [
                {
                    "running": {},
                    "name": "running",
                    "imageID": "image-id",
                    "container": "sidecar-running",
                }
            ],
        },
        id="with-sidecar-running",
    ),
    pytest.param(
        {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "step-waiting-step",
                    "state": {
                        "waiting": {"reason": "PodInitializing", "message": "PodInitializing"}
                    },
                },
                {
                    "name": "sidecar-waiting",
                    "imageID": "image-id",
                    "state": {
                        "waiting": {"reason": "PodInitializing", "message": "PodInitializing"}
                    },
                    "ready": True,
                },
            ],
        },
        None,
        {
            "conditions": RUNNING,
            "steps": [
                {
                    "waiting": {"reason": "PodInitializing", "message": "PodInitializing"},
                    "name": "waiting-step",
                    "container": "step-waiting-step",
                }
            ],
            "sidecars": [
                {
                    "waiting": {"reason": "PodInitializing", "message": "PodInitializing"},
                    "name": "waiting",
                    "imageID": "image-id",
                    "container": "sidecar-waiting",
                }
            ],
        },
        id="with-sidecar-waiting",
    ),
    pytest.param(
        {
            "phase": "Running",
            "containerStatuses": [
                {"name": "step-running-step", "state": {"running": {}}},
                {
                    "name": "sidecar-error",
                    "imageID": "image-id",
                    "state": {"terminated": {"exitCode": 1, "reason": "Error", "message": "Error"}},
                    "ready": True,
                },
            ],
        },
        None,
        {
            "conditions": RUNNING,
            "steps": [{"running": {}, "name": "running-step", "container": "step-running-step"}],
            "sidecars": [
                {
                    "terminated": {"exitCode": 1, "reason": "Error", "message": "Error"},
                    "name": "error",
                    "imageID": "image-id",
                    "container": "sidecar-error",
                }
            ],
        },
        id="with-sidecar-terminated",
    ),
    pytest.param(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                _terminated(
                    "step-foo",
                    message='[{"key":"digest","value":"sha256:12345","resourceName":"source-image"}]',
                )
            ],
        },
        None,
        _done(
            conditions=SUCCESS,
            steps=[
                {
                    "terminated": {
                        "message": '[{"key":"digest","value":"sha256:12345",'
                        '"resourceName":"source-image"}]'
                    },
                    "name": "foo",
                    "container": "step-foo",
                }
            ],
        ),
        id="image resource that should not populate resourcesResult",
    ),
    pytest.param(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                _terminated(
                    "step-bar",
                    message='[{"key":"resultName","value":"resultValue", "type":1}, '
                    '{"key":"digest","value":"sha256:1234","resourceName":"source-image"}]',
                )
            ],
        },
        None,
        _done(
            conditions=SUCCESS,
            steps=[
                {
                    "terminated": {
                        "message": '[{"key":"digest","value":"sha256:1234",'
                        '"resourceName":"source-image"},'
                        '{"key":"resultName","value":"resultValue","type":1}]'
                    },
                    "name": "bar",
                    "container": "step-bar",
                }
            ],
            results=[{"name": "resultName", "type": "string", "value": "resultValue"}],
        ),
        id="test result with pipeline result",
    ),
    pytest.param(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                _terminated(
                    "step-one",
                    message='[{"key":"resultNameOne","value":"resultValueOne", "type":1}, '
                    '{"key":"resultNameTwo","value":"resultValueTwo", "type":1}]',
                ),
                _terminated(
                    "step-two",
                    message='[{"key":"resultNameOne","value":"resultValueThree","type":1},'
                    '{"key":"resultNameTwo","value":"resultValueTwo","type":1}]',
                ),
            ],
        },
        None,
        _done(
            conditions=SUCCESS,
            steps=[
                {
                    "terminated": {
                        "message": '[{"key":"resultNameOne","value":"resultValueOne","type":1},'
                        '{"key":"resultNameTwo","value":"resultValueTwo","type":1}]'
                    },
                    "name": "one",
                    "container": "step-one",
                },
                {
                    "terminated": {
                        "message": '[{"key":"resultNameOne","value":"resultValueThree","type":1},'
                        '{"key":"resultNameTwo","value":"resultValueTwo","type":1}]'
                    },
                    "name": "two",
                    "container": "step-two",
                },
            ],
            results=[
                {"name": "resultNameOne", "type": "string", "value": "resultValueThree"},
                {"name": "resultNameTwo", "type": "string", "value": "resultValueTwo"},
            ],
        ),
        id="two test results",
    ),
    pytest.param(
        {
            "phase": "Running",
            "containerStatuses": [
                _terminated("step-one", reason="OOMKilled", exitCode=137),
                {"name": "step-two", "state": {}},
            ],
        },
        None,
        _done(
            conditions=_failure("StepOOM", '"step-one" exited with code 137: OOMKilled'),
            steps=[
                {
                    "terminated": {"reason": "OOMKilled", "exitCode": 137},
                    "name": "one",
                    "container": "step-one",
                },
                {"name": "two", "container": "step-two"},
            ],
        ),
        id="oom occurred in the pod",
    ),
    pytest.param(
        {
            "phase": "Failed",
            "containerStatuses": [
                _terminated(
                    "step-task-result",
                    message='[{"key":"resultName","value":"resultValue", "type":1}]',
                )
            ],
        },
        None,
        _done(
            conditions=_failure("Failed", "build failed for unspecified reasons."),
            steps=[
                {
                    "terminated": {
                        "message": '[{"key":"resultName","value":"resultValue","type":1}]'
                    },
                    "name": "task-result",
                    "container": "step-task-result",
                }
            ],
            results=[{"name": "resultName", "type": "string", "value": "resultValue"}],
        ),
        id="the failed task show task results",
    ),
    pytest.param(
        {"phase": "Failed", "containerStatuses": [_terminated("step-mango")]},
        None,
        _done(
            conditions=_failure("Failed", "build failed for unspecified reasons."),
            steps=[{"terminated": {}, "name": "mango", "container": "step-mango"}],
        ),
        id="taskrun status set to failed if task fails",
    ),
    pytest.param(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                _terminated(
                    "step-pineapple", message='[{"invalid":"resultName","invalid":"resultValue"}]'
                )
            ],
        },
        None,
        _done(
            conditions=SUCCESS,
            steps=[{"terminated": {}, "name": "pineapple", "container": "step-pineapple"}],
        ),
        id="termination message not adhering to RunResult format is filtered from taskrun "
        "termination message",
    ),
    pytest.param(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                _terminated(
                    "step-pear",
                    message='[{"key":"resultNameOne","value":"","type":3}, '
                    '{"key":"resultNameThree","value":"","type":1}]',
                )
            ],
        },
        None,
        _done(
            conditions=SUCCESS,
            steps=[
                {
                    "terminated": {"message": '[{"key":"resultNameThree","value":"","type":1}]'},
                    "name": "pear",
                    "container": "step-pear",
                }
            ],
            results=[{"name": "resultNameThree", "type": "string", "value": ""}],
        ),
        id="filter internaltektonresult",
    ),
    pytest.param(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                _terminated(
                    "step-pear",
                    message='[{"key":"resultNameTwo","value":"","type":"InternalTektonResult"}, '
                    '{"key":"resultNameThree","value":"","type":"TaskRunResult"}]',
                )
            ],
        },
        None,
        _done(
            conditions=SUCCESS,
            steps=[
                {
                    "terminated": {"message": '[{"key":"resultNameThree","value":"","type":1}]'},
                    "name": "pear",
                    "container": "step-pear",
                }
            ],
            results=[{"name": "resultNameThree", "type": "string", "value": ""}],
        ),
        id="filter internaltektonresult with `type` as string",
    ),
    pytest.param(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                _terminated("step-second"),
                _terminated("step-fourth"),
                _terminated("step-"),
                _terminated("step-first"),
                _terminated("step-third"),
            ],
        },
        ["step-first", "step-second", "step-third", "step-", "step-fourth"],
        _done(
            conditions=SUCCESS,
            steps=[
                {"terminated": {}, "name": "first", "container": "step-first"},
                {"terminated": {}, "name": "second", "container": "step-second"},
                {"terminated": {}, "name": "third", "container": "step-third"},
                {"terminated": {}, "name": "", "container": "step-"},
                {"terminated": {}, "name": "fourth", "container": "step-fourth"},
            ],
        ),
        id="correct TaskRun status step order regardless of pod container status order",
    ),
    pytest.param(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                _terminated(
                    "step-first",
                    message='[{"key":"ExitCode","value":"11","type":"InternalTektonResult"}]',
                ),
                _terminated("step-second"),
            ],
        },
        ["step-first", "step-second"],
        _done(
            conditions=SUCCESS,
            steps=[
                {
                    "terminated": {"exitCode": 11},
                    "terminationReason": "Continued",
                    "name": "first",
                    "container": "step-first",
                },
                {"terminated": {"exitCode": 0}, "name": "second", "container": "step-second"},
            ],
        ),
        id="include non zero exit code in a container termination message if entrypoint is "
        "set to ignore the error",
    ),
    pytest.param(
        {
            "phase": "Pending",
            "containerStatuses": [
                {
                    "name": "step-first",
                    "state": {
                        "waiting": {
                            "reason": "ImagePullBackOff",
                            "message": "Back-off pulling image xxxxxxx",
                        }
                    },
                }
            ],
        },
        ["step-first"],
        {
            "conditions": _pending(
                "PullImageFailed",
                'build step "step-first" is pending with reason "Back-off pulling image xxxxxxx"',
            ),
            "steps": [
                {
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": "Back-off pulling image xxxxxxx",
                    },
                    "name": "first",
                    "container": "step-first",
                }
            ],
        },
        id="when pod is pending because of pulling image then the error should bubble up to "
        "taskrun status",
    ),
    pytest.param(
        {
            "phase": "Failed",
            "initContainerStatuses": [_terminated("init-A", "init-image-id-A", exitCode=1)],
            "containerStatuses": [
                {
                    "name": "step-A",
                    "imageID": "image-id-A",
                    "state": {"waiting": {"reason": "PodInitializing"}},
                }
            ],
        },
        ["step-A"],
        _done(
            conditions=_failure(
                "InitContainerFailed", 'init container failed, "init-A" exited with code 1'
            ),
            steps=[
                {
                    "waiting": {"reason": "PodInitializing"},
                    "name": "A",
                    "container": "step-A",
                    "imageID": "image-id-A",
                }
            ],
        ),
        id="report init container err message when container from step PodInitializing and "
        "init container failed",
    ),
    pytest.param(
        {
            "phase": "Failed",
            "reason": "Evicted",
            "message": 'Usage of EmptyDir volume "ws-b6dfk" exceeds the limit "10Gi".',
            "containerStatuses": [_terminated("step-A", exitCode=137)],
        },
        ["step-A"],
        _done(
            conditions=_failure(
                "PodEvicted", 'Usage of EmptyDir volume "ws-b6dfk" exceeds the limit "10Gi".'
            ),
            steps=[{"terminated": {"exitCode": 137}, "name": "A", "container": "step-A"}],
        ),
        id="report pod evicted err message when pod was evicted and containers have failure "
        "messages",
    ),
    pytest.param(
        {
            "phase": "Failed",
            "containerStatuses": [_terminated("step-A", exitCode=137, reason="OOMKilled")],
        },
        ["step-A"],
        _done(
            conditions=_failure("StepOOM", '"step-A" exited with code 137: OOMKilled'),
            steps=[
                {
                    "terminated": {"exitCode": 137, "reason": "OOMKilled"},
                    "name": "A",
                    "container": "step-A",
                }
            ],
        ),
        id="report StepOOM reason when step container was OOM-killed",
    ),
    pytest.param(
        {
            "phase": "Failed",
            "containerStatuses": [
                _terminated("step-A", exitCode=0),
                _terminated("sidecar-logging", exitCode=137, reason="OOMKilled"),
            ],
        },
        ["step-A", "sidecar-logging"],
        _done(
            conditions=_failure("SidecarOOM", '"sidecar-logging" exited with code 137: OOMKilled'),
            steps=[{"terminated": {"exitCode": 0}, "name": "A", "container": "step-A"}],
            sidecars=[
                {
                    "terminated": {"exitCode": 137, "reason": "OOMKilled"},
                    "name": "logging",
                    "container": "sidecar-logging",
                }
            ],
        ),
        id="report SidecarOOM reason when sidecar was OOM-killed",
    ),
    pytest.param(
        {
            "phase": "Failed",
            "initContainerStatuses": [_terminated("prepare", exitCode=255, reason="Error")],
            "containerStatuses": [
                {"name": "step-A", "state": {"waiting": {"reason": "PodInitializing"}}}
            ],
        },
        ["step-A"],
        _done(
            conditions=_failure(
                "InitContainerFailed",
                'init container failed, "prepare" exited with code 255: Error',
            ),
            steps=[{"waiting": {"reason": "PodInitializing"}, "name": "A", "container": "step-A"}],
        ),
        id="report InitContainerFailed reason when prepare init container fails",
    ),
    pytest.param(
        {
            "phase": "Failed",
            "initContainerStatuses": [_terminated("prepare", exitCode=137, reason="OOMKilled")],
            "containerStatuses": [
                {"name": "step-A", "state": {"waiting": {"reason": "PodInitializing"}}}
            ],
        },
        ["step-A"],
        _done(
            conditions=_failure(
                "InitContainerOOM",
                'init container failed, "prepare" exited with code 137: OOMKilled',
            ),
            steps=[{"waiting": {"reason": "PodInitializing"}, "name": "A", "container": "step-A"}],
        ),
        id="report InitContainerOOM reason when prepare init container is OOM-killed",
    ),
    pytest.param(
        {
            "phase": "Failed",
            "containerStatuses": [
                _terminated("step-A", exitCode=0),
                _terminated("sidecar-logging", exitCode=1, reason="Error"),
            ],
        },
        ["step-A", "sidecar-logging"],
        _done(
            conditions=_failure("SidecarFailed", '"sidecar-logging" exited with code 1: Error'),
            steps=[{"terminated": {"exitCode": 0}, "name": "A", "container": "step-A"}],
            sidecars=[
                {
                    "terminated": {"exitCode": 1, "reason": "Error"},
                    "name": "logging",
                    "container": "sidecar-logging",
                }
            ],
        ),
        id="TestMakeTaskRunStatus_SidecarFailed",
    ),
]


@pytest.mark.parametrize(("pod_status", "containers", "want"), MAKE_TASKRUN_STATUS_CASES)
def test_make_taskrun_status(pod_status: Json, containers: list[str] | None, want: Json) -> None:
    taskrun = _taskrun({"status": {"startTime": START}})
    got = make_taskrun_status(taskrun, _pod(pod_status, containers), _spec(), now=NOW)
    assert got == _status({"podName": "pod", "startTime": START, **want})
    # The TaskRun given is left as it was.
    assert taskrun.status == _status({"startTime": START})


def test_step_provenance_is_kept_by_step_name() -> None:
    """TaskRun status steps ordering based on pod spec containers."""
    taskrun = _taskrun(
        {
            "status": {
                "startTime": START,
                "steps": [
                    {
                        "name": "second-remote",
                        "provenance": {
                            "refSource": {"uri": "test-uri", "digest": {"sha256": "digest"}}
                        },
                    },
                    {"name": "fourth-remote"},
                    {"name": "fifth-remote", "provenance": {}},
                ],
            }
        }
    )
    names = ["first-inline", "second-remote", "third-inline", "-inline", "fourth-remote"]
    names.append("fifth-remote")
    order = ["second-remote", "fourth-remote", "-inline", "first-inline", "fifth-remote"]
    order.append("third-inline")
    pod = _pod(
        {"phase": "Succeeded", "containerStatuses": [_terminated("step-" + n) for n in order]},
        ["step-" + n for n in names],
    )
    got = make_taskrun_status(taskrun, pod, _spec(), now=NOW)
    assert got.steps is not None
    assert [s.name for s in got.steps] == names
    provenances = [s.provenance.to_dict() if s.provenance else None for s in got.steps]
    assert provenances == [
        None,
        {"refSource": {"uri": "test-uri", "digest": {"sha256": "digest"}}},
        None,
        None,
        None,
        {},
    ]


def test_unparsable_termination_message_is_reported_and_kept() -> None:
    """TestMakeRunStatusJSONError."""
    pod = _pod(
        {
            "phase": "Failed",
            "containerStatuses": [
                _terminated("step-this-step-might-panic", "image"),
                _terminated("step-foo", "image"),
                _terminated(
                    "step-non-json",
                    "image",
                    exitCode=1,
                    message="this is a non-json termination message. dont panic!",
                ),
                _terminated("step-after-non-json", "image"),
            ],
        },
        ["step-non-json", "step-after-non-json", "step-this-step-might-panic", "step-foo"],
    )
    outcome = convert_pod_status(_taskrun(), pod, _spec(), now=NOW)
    assert outcome.errors
    assert outcome.errors[0].startswith("parsing message json: ")
    assert outcome.status == _status(
        _done(
            conditions=_failure("StepFailed", '"step-non-json" exited with code 1'),
            podName="pod",
            steps=[
                {
                    "terminated": {
                        "exitCode": 1,
                        "message": "this is a non-json termination message. dont panic!",
                    },
                    "name": "non-json",
                    "container": "step-non-json",
                    "imageID": "image",
                },
                {
                    "terminated": {},
                    "name": "after-non-json",
                    "container": "step-after-non-json",
                    "imageID": "image",
                },
                {
                    "terminated": {},
                    "name": "this-step-might-panic",
                    "container": "step-this-step-might-panic",
                    "imageID": "image",
                },
                {"terminated": {}, "name": "foo", "container": "step-foo", "imageID": "image"},
            ],
        )
    )


# -- TestMakeTaskRunStatus_StepResults / Alpha / StepArtifacts ----------------------------

STEP_RESULTS_CASES = [
    pytest.param(
        '[{"key":"uri","value":"https://foo.bar\\n","type":4}]',
        {
            "results": [
                {
                    "name": "task-result",
                    "type": "string",
                    "value": "$(steps.one.results.uri)",
                }
            ],
            "steps": [{"name": "one", "results": [{"name": "uri", "type": "string"}]}],
        },
        [{"name": "uri", "type": "string", "value": "https://foo.bar\n"}],
        [{"name": "task-result", "type": "string", "value": "https://foo.bar\n"}],
        id="step results string type",
    ),
    pytest.param(
        '[{"key":"array","value":"[\\"hello\\",\\"world\\"]","type":4}]',
        {
            "results": [
                {"name": "resultName", "type": "array", "value": "$(steps.one.results.array)"}
            ],
            "steps": [{"name": "one", "results": [{"name": "array", "type": "array"}]}],
        },
        [{"name": "array", "type": "array", "value": ["hello", "world"]}],
        [{"name": "resultName", "type": "array", "value": ["hello", "world"]}],
        id="step results array type",
    ),
    pytest.param(
        '[{"key":"digest","value":"sha256:1234","type":4},'
        '{"key":"resultName","value":"resultValue","type":4}]',
        {
            "results": [
                {
                    "name": "resultDigest",
                    "type": "string",
                    "value": "$(steps.one.results.digest)",
                }
            ],
            "steps": [
                {
                    "name": "one",
                    "results": [
                        {"name": "digest", "type": "string"},
                        {"name": "resultName", "type": "string"},
                    ],
                }
            ],
        },
        [
            {"name": "digest", "type": "string", "value": "sha256:1234"},
            {"name": "resultName", "type": "string", "value": "resultValue"},
        ],
        [{"name": "resultDigest", "type": "string", "value": "sha256:1234"}],
        id="filter task results from step results",
    ),
]


@pytest.mark.parametrize(("message", "spec", "step_results", "results"), STEP_RESULTS_CASES)
def test_step_results(
    message: str, spec: Json, step_results: list[Json], results: list[Json]
) -> None:
    taskrun = _taskrun({"spec": {"taskSpec": spec}})
    pod = _pod(
        {"phase": "Succeeded", "containerStatuses": [_terminated("step-one", message=message)]}
    )
    got = make_taskrun_status(taskrun, pod, taskrun.spec.task_spec, now=NOW)
    assert got == _status(
        _done(
            conditions=SUCCESS,
            podName="pod",
            steps=[
                {
                    "terminated": {"message": message},
                    "name": "one",
                    "container": "step-one",
                    "results": step_results,
                }
            ],
            results=results,
        )
    )


ALPHA_CASES = [
    pytest.param(
        '[{"key":"resultName","value":"", "type":1}, '
        '{"key":"digest","value":"sha256:1234","resourceName":"source-image"}]',
        [{"name": "resultName", "type": "string"}],
        '[{"key":"digest","value":"sha256:1234","resourceName":"source-image"},'
        '{"key":"resultName","value":"","type":1}]',
        [{"name": "resultName", "type": "string", "value": ""}],
        id="test empty result",
    ),
    pytest.param(
        '[{"key":"resultName","value":"hello", "type":1}, '
        '{"key":"digest","value":"sha256:1234","resourceName":"source-image"}]',
        [{"name": "resultName", "type": "string"}],
        '[{"key":"digest","value":"sha256:1234","resourceName":"source-image"},'
        '{"key":"resultName","value":"hello","type":1}]',
        [{"name": "resultName", "type": "string", "value": "hello"}],
        id="test string result",
    ),
    pytest.param(
        '[{"key":"resultName","value":"[\\"hello\\",\\"world\\"]", "type":1}, '
        '{"key":"digest","value":"sha256:1234","resourceName":"source-image"}]',
        [{"name": "resultName", "type": "array"}],
        '[{"key":"digest","value":"sha256:1234","resourceName":"source-image"},'
        '{"key":"resultName","value":"[\\"hello\\",\\"world\\"]","type":1}]',
        [{"name": "resultName", "type": "array", "value": ["hello", "world"]}],
        id="test array result",
    ),
    pytest.param(
        '[{"key":"resultName","value":"{\\"hello\\":\\"world\\"}", "type":1}, '
        '{"key":"digest","value":"sha256:1234","resourceName":"source-image"}]',
        [{"name": "resultName", "type": "object"}],
        '[{"key":"digest","value":"sha256:1234","resourceName":"source-image"},'
        '{"key":"resultName","value":"{\\"hello\\":\\"world\\"}","type":1}]',
        [{"name": "resultName", "type": "object", "value": {"hello": "world"}}],
        id="test object result",
    ),
    pytest.param(
        '[{"key":"resultName","value":"{\\"hello\\":\\"world\\"}", "type":1}, '
        '{"key":"resultName2","value":"[\\"hello\\",\\"world\\"]", "type":1}]',
        [{"name": "resultName", "type": "string"}, {"name": "resultName2", "type": "string"}],
        '[{"key":"resultName","value":"{\\"hello\\":\\"world\\"}","type":1},'
        '{"key":"resultName2","value":"[\\"hello\\",\\"world\\"]","type":1}]',
        [
            {"name": "resultName", "type": "string", "value": '{"hello":"world"}'},
            {"name": "resultName2", "type": "string", "value": '["hello","world"]'},
        ],
        id="test string result with json emitted results",
    ),
    pytest.param(
        '[{"key":"a","value":"[1,2]","type":1},{"key":"b","value":"\\"quoted\\"","type":1},'
        '{"key":"c","value":"null","type":1},{"key":"d","value":"[\\"x\\",null]","type":1},'
        '{"key":"e","value":" [\\"x\\"]","type":1},{"key":"f","value":"[\\"x\\"]\\n","type":1}]',
        [],
        '[{"key":"a","value":"[1,2]","type":1},{"key":"b","value":"\\"quoted\\"","type":1},'
        '{"key":"c","value":"null","type":1},{"key":"d","value":"[\\"x\\",null]","type":1},'
        '{"key":"e","value":" [\\"x\\"]","type":1},{"key":"f","value":"[\\"x\\"]\\n","type":1}]',
        [
            {"name": "a", "type": "string", "value": "[1,2]"},
            {"name": "b", "type": "string", "value": "quoted"},
            {"name": "c", "type": "string", "value": ""},
            {"name": "d", "type": "array", "value": ["x", ""]},
            {"name": "e", "type": "string", "value": ' ["x"]'},
            {"name": "f", "type": "array", "value": ["x"]},
        ],
        id="undeclared results decoded as ParamValue.UnmarshalJSON does",
    ),
]


@pytest.mark.parametrize(("message", "declared", "shown", "results"), ALPHA_CASES)
def test_task_results_typed_by_declaration(
    message: str, declared: list[Json], shown: str, results: list[Json]
) -> None:
    """TestMakeTaskRunStatusAlpha."""
    taskrun = _taskrun({"status": {"startTime": START}})
    pod = _pod(
        {"phase": "Succeeded", "containerStatuses": [_terminated("step-bar", message=message)]}
    )
    got = make_taskrun_status(taskrun, pod, _spec({"results": declared}), now=NOW)
    assert got == _status(
        _done(
            conditions=SUCCESS,
            podName="pod",
            startTime=START,
            steps=[{"terminated": {"message": shown}, "name": "bar", "container": "step-bar"}],
            results=results,
        )
    )


PROVENANCE = (
    '{\n  "inputs":[\n    {\n      "name":"input-artifacts",\n      "values":[\n        {\n'
    '          "uri":"git:jjjsss",\n          "digest":{\n            "sha256":'
    '"b35cacccfdb1e24dc497d15d553891345fd155713ffe647c281c583269eaaae0"\n          }\n'
    "        }\n      ]\n    }\n  ],\n"
    '  "outputs":[\n    {\n      "name":"build-results",\n      "values":[\n        {\n'
    '          "uri":"pkg:balba",\n          "digest":{\n            "sha256":'
    '"df85b9e3983fe2ce20ef76ad675ecf435cc99fc9350adc54fa230bae8c32ce48",\n'
    '            "sha1":"95588b8f34c31eb7d62c92aaa4e6506639b06ef2"\n          }\n'
    "        }\n      ]\n    }\n  ]\n}\n"
)


def test_step_artifacts() -> None:
    """TestMakeTaskRunStatus_StepArtifacts: step artifacts show on the step and the run."""
    from tektite.engine.termination import RunResult, encode_results

    message = encode_results(
        [RunResult("/tekton/run/0/status/artifacts/provenance.json", PROVENANCE, 5)]
    )
    taskrun = _taskrun({"spec": {"taskSpec": {"steps": [{"name": "one"}]}}})
    pod = _pod(
        {"phase": "Succeeded", "containerStatuses": [_terminated("step-one", message=message)]}
    )
    got = make_taskrun_status(taskrun, pod, taskrun.spec.task_spec, now=NOW)
    inputs = [
        {
            "name": "input-artifacts",
            "values": [
                {
                    "digest": {
                        "sha256": "b35cacccfdb1e24dc497d15d553891345fd155713ffe647c281c583269eaaae0"
                    },
                    "uri": "git:jjjsss",
                }
            ],
        }
    ]
    outputs = [
        {
            "name": "build-results",
            "values": [
                {
                    "digest": {
                        "sha1": "95588b8f34c31eb7d62c92aaa4e6506639b06ef2",
                        "sha256": (
                            "df85b9e3983fe2ce20ef76ad675ecf435cc99fc9350adc54fa230bae8c32ce48"
                        ),
                    },
                    "uri": "pkg:balba",
                }
            ],
        }
    ]
    assert got == _status(
        {
            "conditions": SUCCESS,
            "podName": "pod",
            "completionTime": NOW_TEXT,
            "steps": [
                {
                    "terminated": {"message": message},
                    "name": "one",
                    "container": "step-one",
                    "inputs": inputs,
                    "outputs": outputs,
                }
            ],
            "artifacts": {"inputs": inputs, "outputs": outputs},
        }
    )


# -- TestMakeRunStatus_OnError -------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_error", "reason"),
    [
        pytest.param("continue", "FailureIgnored", id="onError: continue"),
        pytest.param("stopAndFail", "Failed", id="onError: stopAndFail"),
        pytest.param(None, "Failed", id="stand alone TaskRun"),
    ],
)
def test_on_error_annotation(on_error: str | None, reason: str) -> None:
    metadata: Json = {"name": "task-run", "namespace": "foo"}
    if on_error is not None:
        metadata["annotations"] = {"pipeline.tekton.dev/pipeline-task-on-error": on_error}
    taskrun = msgspec.convert({"metadata": metadata}, TaskRun)
    got = make_taskrun_status(
        taskrun, _pod({"phase": "Failed", "message": "boom"}), _spec(), now=NOW
    )
    assert got.conditions == _status({"conditions": _failure(reason, "boom")}).conditions


# -- TestGetStepTerminationReasonFromContainerStatus, step start times ---------------------


@pytest.mark.parametrize(
    ("message", "exit_code", "reason", "want_reason", "want_exit_code"),
    [
        pytest.param(
            '[{"key":"StartedAt","value":"2023-11-26T19:53:29.452Z","type":3},'
            '{"key":"Reason","value":"Skipped","type":3}]',
            1,
            "Error",
            "Skipped",
            1,
            id="Step skipped",
        ),
        pytest.param(
            '[{"key":"StartedAt","value":"2023-11-26T19:53:29.452Z","type":3},'
            '{"key":"ExitCode","value":"1","type":3}]',
            0,
            "Completed",
            "Continued",
            1,
            id="Step continued",
        ),
        pytest.param(
            '[{"key":"StartedAt","value":"2023-11-26T19:53:29.452Z","type":3},'
            '{"key":"Reason","value":"TimeoutExceeded","type":3}]',
            1,
            "Error",
            "TimeoutExceeded",
            1,
            id="Step timedout",
        ),
        pytest.param(
            '[{"key":"StartedAt","value":"2023-11-26T19:53:29.452Z","type":3}]',
            0,
            "Completed",
            "Completed",
            0,
            id="Step completed",
        ),
        pytest.param(
            '[{"key":"StartedAt","value":"2023-11-26T19:53:29.452Z","type":3}]',
            1,
            "Error",
            "Error",
            1,
            id="Step error",
        ),
        pytest.param(
            '[{"key":"StartedAt","value":"2023-11-26T19:53:29.452Z","type":3},'
            '{"key":"Reason","value":"Cancelled","type":3}]',
            9,
            "Error",
            "Cancelled",
            9,
            id="Step cancelled",
        ),
    ],
)
def test_termination_reason(
    message: str, exit_code: int, reason: str, want_reason: str, want_exit_code: int
) -> None:
    pod = _pod(
        {
            "phase": "Failed",
            "containerStatuses": [
                _terminated(
                    "step-1",
                    "image-id-1",
                    message=message,
                    exitCode=exit_code,
                    reason=reason,
                    startedAt="2023-11-26T19:53:30Z",
                )
            ],
        },
        ["step-1"],
    )
    got = make_taskrun_status(_taskrun({"status": {"startTime": START}}), pod, _spec(), now=NOW)
    assert got.steps is not None
    step = got.steps[0]
    assert step.termination_reason == want_reason
    assert step.terminated is not None
    assert step.terminated.exit_code == want_exit_code
    # The wrapper's start time (when the command began, not the container) replaces the
    # container's, in Kubernetes' whole-second form; internal entries leave the message.
    assert step.terminated.started_at == "2023-11-26T19:53:29Z"
    assert step.terminated.message == ""


def test_exit_code_in_results_overrides_container_exit_code() -> None:
    """The ExitCode entry is what the step's command returned under onError: continue."""
    pod = _pod(
        {
            "phase": "Running",
            "containerStatuses": [
                _terminated("step-bar-0", message='[{"key":"ExitCode","value":"1","type":3}]')
            ],
        }
    )
    pod_before = msgspec.json.decode(msgspec.json.encode(pod))
    got = make_taskrun_status(_taskrun(), pod, _spec(), now=NOW)
    assert got.steps is not None and got.steps[0].terminated is not None
    assert got.steps[0].terminated.exit_code == 1
    # The Pod given is not changed (TestSetTaskRunStatusBasedOnStepStatus).
    assert pod == pod_before


def test_step_skipped_after_failure() -> None:
    """§5.4: a failing step makes every later one exit 1 as Skipped; the run's failure
    message names the first failing container, in step order."""
    started = '{"key":"StartedAt","value":"2023-11-26T19:53:29.452Z","type":3}'
    skipped = f'[{started},{{"key":"Reason","value":"Skipped","type":3}}]'
    pod = _pod(
        {
            "phase": "Failed",
            "containerStatuses": [
                _terminated("step-third", exitCode=1, reason="Error", message=skipped),
                _terminated("step-second", exitCode=1, reason="Error", message=skipped),
                _terminated("step-first", exitCode=2, reason="Error", message=f"[{started}]"),
            ],
        },
        ["step-first", "step-second", "step-third"],
    )
    got = make_taskrun_status(_taskrun(), pod, _spec(), now=NOW)
    assert (
        got.conditions
        == _status(
            {"conditions": _failure("StepFailed", '"step-first" exited with code 2: Error')}
        ).conditions
    )
    assert got.steps is not None
    assert [(s.name, s.termination_reason) for s in got.steps] == [
        ("first", "Error"),
        ("second", "Skipped"),
        ("third", "Skipped"),
    ]


def test_step_timeout_failure_message() -> None:
    pod = _pod(
        {
            "phase": "Failed",
            "containerStatuses": [
                _terminated(
                    "step-slow",
                    exitCode=1,
                    reason="Error",
                    message='[{"key":"Reason","value":"TimeoutExceeded","type":3}]',
                )
            ],
        }
    )
    got = make_taskrun_status(_taskrun(), pod, _spec(), now=NOW)
    assert (
        got.conditions
        == _status(
            {
                "conditions": _failure(
                    "StepFailed",
                    '"step-slow" exited because the step exceeded the specified timeout limit',
                )
            }
        ).conditions
    )


def test_termination_message_too_large() -> None:
    """When the results exceed 4096 bytes the step wrapper cannot write them and exits 1
    (its log says ``Termination message is above max allowed size 4096, caused by large
    task result.``); its message keeps only StartedAt. Tekton shows a plain step failure,
    and no result."""
    pod = _pod(
        {
            "phase": "Failed",
            "containerStatuses": [
                _terminated(
                    "step-big",
                    exitCode=1,
                    reason="Error",
                    message='[{"key":"StartedAt","value":"2023-11-26T19:53:29.452Z","type":3}]',
                )
            ],
        }
    )
    spec = _spec({"results": [{"name": "big", "type": "string"}]})
    got = make_taskrun_status(_taskrun(), pod, spec, now=NOW)
    assert (
        got.conditions
        == _status(
            {"conditions": _failure("StepFailed", '"step-big" exited with code 1: Error')}
        ).conditions
    )
    assert got.results is None
    assert got.steps is not None and got.steps[0].terminated is not None
    assert got.steps[0].terminated.message == ""


def test_results_only_once_done() -> None:
    message = '[{"key":"r","value":"v","type":1},{"key":"s","value":"w","type":4}]'
    pod = _pod(
        {
            "phase": "Running",
            "containerStatuses": [
                _terminated("step-one", message=message),
                {"name": "step-two", "state": {"running": {}}},
            ],
        }
    )
    spec = _spec({"steps": [{"name": "one", "results": [{"name": "s", "type": "string"}]}]})
    got = make_taskrun_status(_taskrun(), pod, spec, now=NOW)
    assert got.results is None
    assert got.steps is not None and got.steps[0].results is None
    # The shown message is rewritten even before the end.
    assert got.steps[0].terminated is not None
    assert got.steps[0].terminated.message == message
    assert got.artifacts is None
    assert got.completion_time is None


def test_already_failed_condition_is_not_reset_to_running() -> None:
    taskrun = _taskrun(
        {"status": {"conditions": _failure("TaskRunValidationFailed", "bad"), "startTime": START}}
    )
    pod = _pod(
        {"phase": "Running", "containerStatuses": [{"name": "step-a", "state": {"running": {}}}]}
    )
    got = make_taskrun_status(taskrun, pod, _spec(), now=NOW)
    # Only a Running pod's phase sets Running again; the first step does not.
    assert got.conditions == _status({"conditions": RUNNING}).conditions


def test_unchanged_condition_keeps_transition_time() -> None:
    earlier = "2021-06-01T00:00:00Z"
    running = {**RUNNING[0], "lastTransitionTime": earlier}
    taskrun = _taskrun({"status": {"conditions": [running]}})
    pod = _pod({"phase": "Running"})
    got = make_taskrun_status(taskrun, pod, _spec(), now=NOW)
    assert got.conditions is not None
    assert got.conditions[0].last_transition_time == earlier


# -- sidecar logs, native sidecars ---------------------------------------------------------


def _sidecar_logs_taskrun() -> TaskRun:
    return _taskrun(
        {
            "status": {
                "podName": "pod",
                "taskSpec": {"results": [{"name": "resultName", "type": "string"}]},
            }
        }
    )


@pytest.mark.parametrize(
    ("log_sidecar_state", "want"),
    [
        pytest.param({}, RUNNING, id="test sidecar not completed"),
        pytest.param({"terminated": {"exitCode": 0}}, SUCCESS, id="test sidecar already completed"),
    ],
)
def test_sidecar_logs_wait_for_results_sidecar(log_sidecar_state: Json, want: list[Json]) -> None:
    """TestMakeTaskRunStatus_SidecarNotCompleted."""
    pod = _pod(
        {
            "phase": "Running",
            "containerStatuses": [
                _terminated("step-bar"),
                {"name": "sidecar-tekton-log-results", "state": log_sidecar_state},
            ],
        },
        ["step-bar", "sidecar-tekton-log-results"],
    )
    spec = _spec({"results": [{"name": "resultName", "type": "string"}]})
    got = make_taskrun_status(
        _sidecar_logs_taskrun(), pod, spec, now=NOW, results_from="sidecar-logs", sidecar_logs=""
    )
    assert got.conditions == _status({"conditions": want}).conditions


def test_sidecar_logs_results() -> None:
    pod = _pod(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                _terminated("step-bar"),
                _terminated("sidecar-tekton-log-results"),
            ],
        }
    )
    spec = _spec(
        {
            "results": [
                {"name": "resultName", "type": "string"},
                {"name": "fromStep", "type": "string", "value": "$(steps.bar.results.out)"},
            ],
            "steps": [{"name": "bar", "results": [{"name": "out", "type": "string"}]}],
        }
    )
    logs = (
        '{"name":"resultName","value":"hello","type":"task"}\n'
        '{"name":"step-bar.out","value":"[\\"x\\"]","type":"step"}\n'
    )
    got = make_taskrun_status(
        _sidecar_logs_taskrun(), pod, spec, now=NOW, results_from="sidecar-logs", sidecar_logs=logs
    )
    assert (
        got.results
        == _status(
            {
                "results": [
                    {"name": "resultName", "type": "string", "value": "hello"},
                    {"name": "fromStep", "type": "string", "value": '["x"]'},
                ]
            }
        ).results
    )
    assert got.steps is not None
    want_steps = _status(
        {"steps": [{"results": [{"name": "out", "type": "string", "value": '["x"]'}]}]}
    ).steps
    assert want_steps is not None
    assert got.steps[0].results == want_steps[0].results


def test_sidecar_log_result_too_large_fails_the_run() -> None:
    """TestReconcile_validateLargerResultsSidecarLogs_invalid: taskrun results too large."""
    taskrun = _sidecar_logs_taskrun()
    pod = _pod(
        {"phase": "Running", "containerStatuses": [{"name": "step-a", "state": {"running": {}}}]}
    )
    spec = _spec({"results": [{"name": "result1", "type": "string"}]})
    errors = reconcile_pod_status(
        taskrun,
        pod,
        spec,
        now=NOW,
        results_from="sidecar-logs",
        max_result_size=1,
        sidecar_logs='{"name":"result1","value":"foo","type":"task"}\n',
    )
    assert errors == ()
    assert taskrun.status is not None
    assert (
        taskrun.status.conditions
        == _status(
            {
                "conditions": _failure(
                    "TaskRunResultLargerThanAllowedLimit",
                    '[User error]  TaskRun ""task-run"" failed: 46 bytes results size exceeds '
                    "configured limit of 1 bytes",
                )
            }
        ).conditions
    )
    assert taskrun.status.completion_time == NOW_TEXT


def test_sidecar_log_bad_json_keeps_running() -> None:
    """TestReconcile_validateLargerResultsSidecarLogs_invalid: taskrun results bad json."""
    taskrun = _sidecar_logs_taskrun()
    pod = _pod(
        {"phase": "Running", "containerStatuses": [{"name": "step-a", "state": {"running": {}}}]}
    )
    errors = reconcile_pod_status(
        taskrun, pod, _spec(), now=NOW, results_from="sidecar-logs", sidecar_logs="faaalse\n"
    )
    assert errors and errors[0].startswith('invalid result "": ')
    assert taskrun.status is not None and taskrun.status.conditions is not None
    assert taskrun.status.conditions[0].reason == "Running"


def test_native_sidecars_wait_for_init_containers() -> None:
    """TestMakeTaskRunStatus_KubernetesNativeSidecar: sidecar not completed."""
    pod = _pod(
        {
            "phase": "Running",
            "initContainerStatuses": [{"name": "sidecar-a", "state": {"running": {}}}],
            "containerStatuses": [_terminated("step-foo")],
        }
    )
    assert is_pod_done(pod)
    assert not is_pod_done(pod, enable_kubernetes_sidecar=True)
    got = make_taskrun_status(_taskrun(), pod, _spec(), now=NOW, enable_kubernetes_sidecar=True)
    assert got.conditions == _status({"conditions": RUNNING}).conditions
    assert got.sidecars is not None and got.sidecars[0].container == "sidecar-a"
    pod["status"]["initContainerStatuses"][0]["state"] = {"terminated": {"exitCode": 0}}
    got = make_taskrun_status(_taskrun(), pod, _spec(), now=NOW, enable_kubernetes_sidecar=True)
    assert got.conditions == _status({"conditions": SUCCESS}).conditions


# -- failure classes (Test_getFailureInfo, MultiFailurePriority) ---------------------------


def _t(name: str, code: int, reason: str = "") -> Json:
    return _terminated(name, exitCode=code, **({"reason": reason} if reason else {}))


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        pytest.param({"phase": "Failed", "reason": "Evicted"}, "PodEvicted", "", id="pod evicted"),
        pytest.param(
            {"phase": "Failed", "initContainerStatuses": [_t("prepare", 137, "OOMKilled")]},
            "InitContainerOOM",
            'init container failed, "prepare" exited with code 137: OOMKilled',
            id="init container OOM",
        ),
        pytest.param(
            {"phase": "Failed", "initContainerStatuses": [_t("prepare", 1, "Error")]},
            "InitContainerFailed",
            'init container failed, "prepare" exited with code 1: Error',
            id="init container failed (non-OOM)",
        ),
        pytest.param(
            {"phase": "Failed", "initContainerStatuses": [_t("sidecar-logging", 137, "OOMKilled")]},
            "SidecarOOM",
            'init container failed, "sidecar-logging" exited with code 137: OOMKilled',
            id="sidecar OOM in init container (native sidecar)",
        ),
        pytest.param(
            {"phase": "Failed", "initContainerStatuses": [_t("sidecar-logging", 1, "Error")]},
            "SidecarFailed",
            'init container failed, "sidecar-logging" exited with code 1: Error',
            id="sidecar failed in init container (native sidecar, non-OOM)",
        ),
        pytest.param(
            {"phase": "Failed", "containerStatuses": [_t("step-build", 137, "OOMKilled")]},
            "StepOOM",
            '"step-build" exited with code 137: OOMKilled',
            id="step OOM",
        ),
        pytest.param(
            {"phase": "Failed", "containerStatuses": [_t("sidecar-logging", 137, "OOMKilled")]},
            "SidecarOOM",
            '"sidecar-logging" exited with code 137: OOMKilled',
            id="sidecar OOM in regular container",
        ),
        pytest.param(
            {"phase": "Failed", "containerStatuses": [_t("sidecar-logging", 1, "Error")]},
            "SidecarFailed",
            '"sidecar-logging" exited with code 1: Error',
            id="sidecar failed (non-OOM, regular container)",
        ),
        pytest.param(
            {"phase": "Failed", "containerStatuses": [_t("step-build", 1)]},
            "StepFailed",
            '"step-build" exited with code 1',
            id="step failed (non-OOM)",
        ),
        pytest.param(
            {"phase": "Failed"},
            "Failed",
            "build failed for unspecified reasons.",
            id="generic failure (no containers failed)",
        ),
        pytest.param(
            {
                "phase": "Failed",
                "containerStatuses": [
                    _t("step-build", 137, "OOMKilled"),
                    _t("sidecar-logging", 137, "OOMKilled"),
                ],
            },
            "SidecarOOM",
            '"sidecar-logging" exited with code 137: OOMKilled',
            id="step OOM + sidecar OOM (sidecar listed second) -> SidecarOOM",
        ),
        pytest.param(
            {
                "phase": "Failed",
                "containerStatuses": [_t("step-build", 1), _t("sidecar-logging", 1)],
            },
            "SidecarFailed",
            '"sidecar-logging" exited with code 1',
            id="step failed + sidecar failed -> SidecarFailed",
        ),
        pytest.param(
            {
                "phase": "Failed",
                "initContainerStatuses": [_t("prepare", 1, "Error")],
                "containerStatuses": [_t("step-build", 137, "OOMKilled")],
            },
            "InitContainerFailed",
            'init container failed, "prepare" exited with code 1: Error',
            id="init container failed + step OOM -> InitContainerFailed",
        ),
        pytest.param(
            {
                "phase": "Failed",
                "initContainerStatuses": [
                    _t("prepare", 1, "Error"),
                    _t("sidecar-logging", 137, "OOMKilled"),
                ],
            },
            "SidecarOOM",
            'init container failed, "sidecar-logging" exited with code 137: OOMKilled',
            id="init container failed at index 0 + sidecar OOM at index 1 -> SidecarOOM",
        ),
        pytest.param(
            {
                "phase": "Failed",
                "reason": "Evicted",
                "message": "The node was low on resource: memory.",
                "containerStatuses": [
                    _t("step-build", 137, "OOMKilled"),
                    _t("sidecar-logging", 1),
                ],
            },
            "PodEvicted",
            "The node was low on resource: memory.",
            id="eviction + container failures -> PodEvicted",
        ),
    ],
)
def test_failure_classes(status: Json, reason: str, message: str) -> None:
    pod = _pod(status)
    assert did_task_run_fail(pod)
    assert failure_reason(pod) == reason
    assert failure_message(pod) == message


# -- subPath errors (TestIsSubPathDirectoryError, ..._SubPathError) ------------------------


@pytest.mark.parametrize(
    ("waiting", "want"),
    [
        pytest.param(
            {
                "reason": "CreateContainerConfigError",
                "message": "failed to create subPath directory",
            },
            _pending("Pending", "Waiting for subPath directory creation to complete"),
            id="subPath directory error should mark as running",
        ),
        pytest.param(
            {"reason": "CreateContainerConfigError", "message": "some other config error"},
            _failure("CreateContainerConfigError", "Failed to create pod due to config error"),
            id="other config error should mark as failure",
        ),
    ],
)
def test_subpath_directory_error(waiting: Json, want: list[Json]) -> None:
    pod = _pod({"phase": "Pending", "containerStatuses": [{"state": {"waiting": waiting}}]})
    got = make_taskrun_status(_taskrun(), pod, _spec(), now=NOW)
    assert got.conditions == _status({"conditions": want}).conditions


# -- sidecars ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "want"),
    [
        pytest.param([{"name": "step-ignore-me"}] * 3, True, id="no sidecars"),
        pytest.param(
            [
                {"name": "step-ignore-me"},
                {
                    "name": "sidecar-bar",
                    "ready": True,
                    "state": {"running": {"startedAt": NOW_TEXT}},
                },
                {"name": "step-ignore-me"},
                {"name": "sidecar-stopped-baz", "state": {"terminated": {"exitCode": 99}}},
                {"name": "step-ignore-me"},
            ],
            True,
            id="both sidecars ready",
        ),
        pytest.param(
            [
                {"name": "step-ignore-me"},
                {
                    "name": "sidecar-ready",
                    "ready": True,
                    "state": {"running": {"startedAt": NOW_TEXT}},
                },
                {"name": "step-ignore-me"},
                {"name": "sidecar-unready", "state": {"waiting": {}}},
                {"name": "step-ignore-me"},
            ],
            False,
            id="one sidecar ready, one not running",
        ),
        pytest.param(
            [
                {"name": "step-ignore-me"},
                {
                    "name": "sidecar-running-not-ready",
                    "ready": False,
                    "state": {"running": {"startedAt": NOW_TEXT}},
                },
                {"name": "step-ignore-me"},
            ],
            False,
            id="one sidecar running but not ready",
        ),
        pytest.param(
            [{"name": "istio-proxy", "ready": False, "state": {"running": {}}}],
            False,
            id="injected sidecars count too",
        ),
    ],
)
def test_sidecars_ready(statuses: list[Json], want: bool) -> None:
    assert sidecars_ready(_pod({"phase": "Running", "containerStatuses": statuses})) is want


def test_sidecars_ready_needs_a_running_pod() -> None:
    assert not sidecars_ready(_pod({"phase": "Pending", "containerStatuses": []}))


def test_sidecars_to_stop() -> None:
    statuses = [
        {"name": "step-a", "state": {"running": {}}},
        {"name": "sidecar-db", "state": {"running": {}}},
        {"name": "istio-proxy", "state": {"running": {}}},
        {"name": "sidecar-done", "state": {"terminated": {"exitCode": 0}}},
        {"name": "sidecar-tekton-log-results", "state": {"running": {}}},
    ]
    pod = _pod({"phase": "Running", "containerStatuses": statuses})
    assert sidecars_to_stop(pod) == ["sidecar-db", "istio-proxy", "sidecar-tekton-log-results"]
    assert sidecars_to_stop(pod, results_from="sidecar-logs") == ["sidecar-db", "istio-proxy"]
    assert sidecars_to_stop(_pod({"phase": "Succeeded", "containerStatuses": statuses})) == []


def test_stopped_sidecar_states() -> None:
    pod = _pod(
        {
            "containerStatuses": [
                {"name": "step-a", "state": {"terminated": {"exitCode": 0}}},
                {
                    "name": "sidecar-db",
                    "imageID": "db-id",
                    "state": {"running": {"startedAt": NOW_TEXT}},
                    "lastState": {
                        "terminated": {
                            "exitCode": 0,
                            "reason": "Error",
                            "startedAt": "2021-12-31T23:00:00Z",
                            "finishedAt": NOW_TEXT,
                            "containerID": "docker://1",
                        }
                    },
                },
                {"name": "sidecar-web", "state": {"running": {"startedAt": NOW_TEXT}}},
            ]
        }
    )
    states = stopped_sidecar_states(pod)
    assert [s.to_dict() for s in states] == [
        {
            "terminated": {
                "exitCode": 0,
                "reason": "Completed",
                "message": "Sidecar container successfully stopped by nop image",
                "startedAt": "2021-12-31T23:00:00Z",
                "finishedAt": NOW_TEXT,
                "containerID": "docker://1",
            },
            "name": "db",
            "container": "sidecar-db",
            "imageID": "db-id",
        },
        {"running": {"startedAt": NOW_TEXT}, "name": "web", "container": "sidecar-web"},
    ]
    taskrun = _taskrun()
    taskrun.status = TaskRunStatus(sidecars=states)
    assert is_sidecar_status_running(taskrun)


# -- results against declarations (validateTaskRunResults) ---------------------------------

RESULTS_TASK = {
    "results": [
        {"name": "aResult", "type": "array"},
        {
            "name": "objectResult",
            "type": "object",
            "properties": {"url": {"type": "string"}, "commit": {"type": "string"}},
        },
    ]
}


@pytest.mark.parametrize(
    ("results", "error", "kept"),
    [
        pytest.param(
            [
                {"name": "aResult", "type": "string", "value": "aResultValue"},
                {"name": "objectResult", "type": "string", "value": "objectResultValue"},
            ],
            "Provided results don't match declared results; may be invalid JSON or missing "
            'result declaration:  "aResult": task result is expected to be "array" type but '
            'was initialized to a different type "string", "objectResult": task result is '
            'expected to be "object" type but was initialized to a different type "string"',
            None,
            id="taskrun results type mismatched",
        ),
        pytest.param(
            [
                {"name": "aResult", "type": "array", "value": ["1", "2"]},
                {"name": "objectResult", "type": "object", "value": {"url": "abc"}},
            ],
            "missing keys for these results which are required in TaskResult's properties "
            "map[objectResult:[commit]]",
            [
                {"name": "aResult", "type": "array", "value": ["1", "2"]},
                {"name": "objectResult", "type": "object", "value": {"url": "abc"}},
            ],
            id="taskrun results object miss key",
        ),
        pytest.param(
            [
                {"name": "aResult", "type": "array", "value": ["1"]},
                {"name": "objectResult", "type": "object", "value": {"url": "a", "commit": "b"}},
                {"name": "undeclared", "type": "string", "value": "x"},
            ],
            None,
            [
                {"name": "aResult", "type": "array", "value": ["1"]},
                {"name": "objectResult", "type": "object", "value": {"url": "a", "commit": "b"}},
                {"name": "undeclared", "type": "string", "value": "x"},
            ],
            id="valid",
        ),
    ],
)
def test_validate_taskrun_results(
    results: list[Json], error: str | None, kept: list[Json] | None
) -> None:
    taskrun = _taskrun({"status": {"results": results}})
    assert validate_taskrun_results(taskrun, _spec(RESULTS_TASK)) == error
    assert taskrun.status is not None
    assert taskrun.status.results == _status({"results": kept}).results


def test_reconcile_pod_status_fails_on_mismatched_results() -> None:
    message = '[{"key":"aResult","value":"not json","type":1}]'
    pod = _pod(
        {"phase": "Succeeded", "containerStatuses": [_terminated("step-a", message=message)]}
    )
    taskrun = _taskrun()
    errors = reconcile_pod_status(taskrun, pod, _spec(RESULTS_TASK), now=NOW)
    want = (
        "Provided results don't match declared results; may be invalid JSON or missing "
        'result declaration:  "aResult": task result is expected to be "array" type but was '
        'initialized to a different type "string"'
    )
    assert errors == (want,)
    assert taskrun.status is not None
    assert (
        taskrun.status.conditions
        == _status(
            {"conditions": _failure("TaskRunValidationFailed", "[User error] " + want)}
        ).conditions
    )
    assert taskrun.status.results is None
    assert taskrun.status.completion_time == NOW_TEXT


def test_update_step_statuses_from_pod() -> None:
    taskrun = _taskrun(
        {
            "status": {
                "conditions": RUNNING,
                "podName": "pod",
                "taskSpec": {"steps": [{"name": "step1"}, {"name": "step2"}]},
            }
        }
    )
    pod = _pod(
        {
            "phase": "Running",
            "containerStatuses": [
                {"name": "step-step1", "state": {"running": {"startedAt": "2021-12-31T23:59:30Z"}}},
                {"name": "step-step2", "state": {"waiting": {"reason": "PodInitializing"}}},
            ],
        }
    )
    update_step_statuses_from_pod(taskrun, pod, now=NOW)
    assert taskrun.status is not None and taskrun.status.steps is not None
    assert [s.to_dict() for s in taskrun.status.steps] == [
        {
            "running": {"startedAt": "2021-12-31T23:59:30Z"},
            "name": "step1",
            "container": "step-step1",
        },
        {"waiting": {"reason": "PodInitializing"}, "name": "step2", "container": "step-step2"},
    ]
    assert taskrun.status.conditions == _status({"conditions": RUNNING}).conditions


@pytest.mark.parametrize(
    ("started_at", "want", "error"),
    [
        pytest.param("2023-11-26T20:53:29.452+01:00", "2023-11-26T19:53:29Z", None, id="offset"),
        pytest.param("2023-11-26T19:53:29.999Z", "2023-11-26T19:53:29Z", None, id="truncated"),
        pytest.param(
            "2023-11-26T19:53:29Z",
            "2023-11-26T19:53:30Z",
            'could not parse time value "2023-11-26T19:53:29Z" in StartedAt field',
            id="milliseconds are required",
        ),
        pytest.param(
            "2023-02-30T19:53:29.000Z",
            "2023-11-26T19:53:30Z",
            'could not parse time value "2023-02-30T19:53:29.000Z" in StartedAt field',
            id="no such day",
        ),
    ],
)
def test_started_at_from_the_step_wrapper(started_at: str, want: str, error: str | None) -> None:
    message = f'[{{"key":"StartedAt","value":"{started_at}","type":3}}]'
    pod = _pod(
        {
            "phase": "Running",
            "containerStatuses": [
                _terminated("step-a", message=message, startedAt="2023-11-26T19:53:30Z")
            ],
        }
    )
    outcome = convert_pod_status(_taskrun(), pod, _spec(), now=NOW)
    steps = outcome.status.steps
    assert steps is not None and steps[0].terminated is not None
    assert steps[0].terminated.started_at == want
    if error is None:
        assert outcome.errors == ()
    else:
        assert outcome.errors[0].startswith(error)
