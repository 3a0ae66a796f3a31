"""The TaskRun's own transitions, as Tekton's TaskRun reconciler makes them.

Cases are lifted from ``pkg/reconciler/taskrun/taskrun_test.go`` (``TestFailTaskRun``,
``TestReconcileRetry``, ``TestReconcileTimeouts``, ``TestReconcileOnCancelledTaskRun*``,
``TestReconcileOnTimedOutTaskRun*``, ``TestAppendPreviousConditionContext``,
``TestReconcilePodFailures``, ``TestReconcileContainerFailures``,
``TestReconcileCreateContainerErrorTimeout``) and from ``taskrun_types.go``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from tektite.api.models import Condition, TaskRun, TaskRunStatus
from tektite.engine.taskrun_state import (
    PodFailure,
    append_previous_condition_context,
    archive_for_retry,
    cancel_message,
    check_pod_failed,
    fail_taskrun,
    format_time,
    initialize_conditions,
    is_done,
    is_pod_archived,
    is_timed_out,
    mark_pending,
    pod_name,
    retry_count,
    retry_if_needed,
    should_retry,
    succeeded_condition,
    terminate_steps_in_pod,
    timeout_message,
)

NOW = datetime(2022, 1, 1, tzinfo=UTC)
NOW_TEXT = "2022-01-01T00:00:00Z"

Json = dict[str, Any]


def _taskrun(
    name: str, spec: Json | None = None, status: Json | None = None, **meta: Any
) -> TaskRun:
    body: Json = {"metadata": {"name": name, "namespace": "foo", **meta}, "spec": spec or {}}
    if status is not None:
        body["status"] = status
    return msgspec.convert(body, TaskRun)


def _status(body: Json) -> TaskRunStatus:
    return msgspec.convert(body, TaskRunStatus)


def _cond(status: str, reason: str, message: str = "", when: str = NOW_TEXT) -> Json:
    return {
        "type": "Succeeded",
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": when,
    }


# -- start, pending ------------------------------------------------------------------------


def test_initialize_conditions_starts_the_clock() -> None:
    taskrun = _taskrun("tr")
    assert initialize_conditions(taskrun, NOW)
    assert taskrun.status == _status(
        {"startTime": NOW_TEXT, "conditions": [_cond("Unknown", "Started")]}
    )
    # Once started, nothing changes any more (TestReconcile_DoesntChangeStartTime).
    assert not initialize_conditions(taskrun, NOW + timedelta(hours=1))
    assert taskrun.status.start_time == NOW_TEXT


def test_initialize_conditions_not_before_creation() -> None:
    """The controller's clock may be behind the API server's: start at creation then."""
    taskrun = _taskrun("tr", creationTimestamp="2022-01-01T00:00:05Z")
    initialize_conditions(taskrun, NOW)
    assert taskrun.status is not None
    assert taskrun.status.start_time == "2022-01-01T00:00:05Z"


def test_initialize_conditions_waits_while_pending() -> None:
    taskrun = _taskrun("tr", {"status": "TaskRunPending"})
    assert not initialize_conditions(taskrun, NOW)
    assert taskrun.status is None


def test_initialize_conditions_of_a_retried_run_keeps_its_message() -> None:
    """Start a ToBeRetried TaskRun: the reason becomes Started, the message stays."""
    taskrun = _taskrun(
        "test-taskrun-to-be-retried",
        {"retries": 1},
        {
            "conditions": [_cond("Unknown", "ToBeRetried", "boom", "2021-12-31T00:00:00Z")],
            "retriesStatus": [{"conditions": [_cond("False", "TimedOut")]}],
        },
    )
    initialize_conditions(taskrun, NOW)
    assert taskrun.status is not None
    assert (
        taskrun.status.conditions
        == _status({"conditions": [_cond("Unknown", "Started", "boom")]}).conditions
    )
    assert pod_name(taskrun) == "test-taskrun-to-be-retried-pod-retry1"


def test_mark_pending() -> None:
    """TestReconcileOnPendingTaskRun."""
    taskrun = _taskrun("test-taskrun-run-pending", {"status": "TaskRunPending"})
    mark_pending(taskrun, NOW)
    assert taskrun.status == _status(
        {
            "conditions": [
                _cond("Unknown", "TaskRunPending", 'TaskRun "test-taskrun-run-pending" is pending')
            ]
        }
    )
    assert not is_done(taskrun)


# -- timeouts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timeout", "start", "now", "want"),
    [
        pytest.param("10s", "2021-12-31T23:59:45Z", NOW, True, id="taskrun with timeout"),
        pytest.param(None, "2021-12-31T22:59:00Z", NOW, True, id="taskrun with default timeout"),
        pytest.param(None, "2021-12-31T23:01:00Z", NOW, False, id="within the default timeout"),
        pytest.param("0s", "2000-01-01T00:00:00Z", NOW, False, id="timeout 0 disables it"),
        pytest.param("10s", None, NOW, False, id="not started"),
        pytest.param("10s", "2021-12-31T23:59:50Z", NOW, False, id="exactly the timeout"),
        pytest.param(
            "10s",
            "2021-12-31T23:59:50Z",
            NOW + timedelta(microseconds=1),
            True,
            id="just past the timeout",
        ),
    ],
)
def test_is_timed_out(timeout: str | None, start: str | None, now: datetime, want: bool) -> None:
    spec = {"timeout": timeout} if timeout is not None else {}
    status = {"startTime": start} if start else {}
    assert is_timed_out(_taskrun("tr", spec, status), now) is want


def test_is_timed_out_with_configured_default() -> None:
    taskrun = _taskrun("tr", {}, {"startTime": "2021-12-31T23:58:00Z"})
    assert is_timed_out(taskrun, NOW, timedelta(minutes=1))
    assert not is_timed_out(taskrun, NOW, timedelta(minutes=5))
    assert not is_timed_out(taskrun, NOW, timedelta(0))


@pytest.mark.parametrize(
    ("name", "timeout", "default", "want"),
    [
        pytest.param(
            "test-taskrun-timeout",
            "10s",
            timedelta(minutes=60),
            'TaskRun "test-taskrun-timeout" failed to finish within "10s"',
            id="taskrun with timeout",
        ),
        pytest.param(
            "test-taskrun-default-timeout-60-minutes",
            None,
            timedelta(minutes=60),
            'TaskRun "test-taskrun-default-timeout-60-minutes" failed to finish within "1h0m0s"',
            id="taskrun with default timeout",
        ),
        pytest.param(
            "tr",
            "90m",
            timedelta(minutes=60),
            'TaskRun "tr" failed to finish within "1h30m0s"',
            id="Go duration text",
        ),
        pytest.param(
            "tr",
            None,
            timedelta(seconds=1.5),
            'TaskRun "tr" failed to finish within "1.5s"',
            id="configured default",
        ),
    ],
)
def test_timeout_message(name: str, timeout: str | None, default: timedelta, want: str) -> None:
    spec = {"timeout": timeout} if timeout is not None else {}
    assert timeout_message(_taskrun(name, spec), None, default) == want


QUOTA = 'TaskRun Pod exceeded available resources: pods "test-pod" is forbidden: exceeded quota'


def test_timeout_preserves_previous_condition() -> None:
    """TestReconcileOnTimedOutTaskRunPreservesPreviousCondition."""
    taskrun = _taskrun(
        "test-taskrun-quota-then-timedout",
        {"timeout": "10s"},
        {
            "conditions": [_cond("Unknown", "ExceededResourceQuota", QUOTA)],
            "startTime": "2021-12-31T23:59:45Z",
        },
    )
    previous = succeeded_condition(taskrun)
    assert is_timed_out(taskrun, NOW)
    fail_taskrun(taskrun, "TaskRunTimeout", timeout_message(taskrun, previous), NOW)
    assert taskrun.status is not None
    assert (
        taskrun.status.conditions
        == _status(
            {
                "conditions": [
                    _cond(
                        "False",
                        "TaskRunTimeout",
                        'TaskRun "test-taskrun-quota-then-timedout" failed to finish within "10s"\n'
                        f"Previous status: [ExceededResourceQuota] {QUOTA}",
                    )
                ]
            }
        ).conditions
    )


# -- cancellation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status_message", "previous", "want"),
    [
        pytest.param(
            "test-taskrun-run-cancelled",
            "Test cancellation message.",
            _cond("Unknown", ""),
            'TaskRun "test-taskrun-run-cancelled" was cancelled. Test cancellation message.',
            id="TestReconcileOnCancelledTaskRun",
        ),
        pytest.param(
            "test-taskrun-run-timedout",
            "TaskRun cancelled as pipeline has been cancelled.",
            None,
            'TaskRun "test-taskrun-run-timedout" was cancelled. TaskRun cancelled as pipeline '
            "has been cancelled.",
            id="TestReconcileOnTimedOutTaskRun",
        ),
        pytest.param(
            "test-taskrun-run-retry-canceled",
            "",
            _cond("Unknown", "Running", "TaskRun was running"),
            'TaskRun "test-taskrun-run-retry-canceled" was cancelled. ',
            id="no status message",
        ),
        pytest.param(
            "test-taskrun-quota-then-cancelled",
            "TaskRun cancelled as the PipelineRun it belongs to has timed out.",
            _cond("Unknown", "ExceededResourceQuota", QUOTA),
            'TaskRun "test-taskrun-quota-then-cancelled" was cancelled. TaskRun cancelled as the '
            "PipelineRun it belongs to has timed out.\n"
            f"Previous status: [ExceededResourceQuota] {QUOTA}",
            id="TestReconcileOnCancelledTaskRunPreservesPreviousCondition",
        ),
    ],
)
def test_cancel(name: str, status_message: str, previous: Json | None, want: str) -> None:
    spec = {"status": "TaskRunCancelled", "statusMessage": status_message}
    status: Json = {"podName": f"{name}-pod"}
    if previous is not None:
        status["conditions"] = [previous]
    taskrun = _taskrun(name, spec, status)
    before = succeeded_condition(taskrun)
    # The first reconcile of a run that never started initialises it first; the message
    # still looks at the condition as it was before that.
    initialize_conditions(taskrun, NOW)
    fail_taskrun(taskrun, "TaskRunCancelled", cancel_message(taskrun, before), NOW)
    assert taskrun.status is not None
    assert (
        taskrun.status.conditions
        == _status({"conditions": [_cond("False", "TaskRunCancelled", want)]}).conditions
    )
    assert taskrun.status.completion_time == NOW_TEXT
    assert is_done(taskrun)
    assert not should_retry(taskrun)


@pytest.mark.parametrize(
    ("previous", "want"),
    [
        pytest.param(None, "TaskRun was cancelled", id="no previous condition"),
        pytest.param(
            ("Started", "some message"),
            "TaskRun was cancelled",
            id="previous reason is Started - skip",
        ),
        pytest.param(
            ("Running", "Not all Steps in the Task have finished executing"),
            "TaskRun was cancelled",
            id="previous reason is Running - skip",
        ),
        pytest.param(
            ("TaskRunPending", "TaskRun is pending"),
            "TaskRun was cancelled",
            id="previous reason is Pending - skip",
        ),
        pytest.param(
            ("ExceededResourceQuota", QUOTA),
            "TaskRun was cancelled\nPrevious status: [ExceededResourceQuota] " + QUOTA,
            id="previous reason is ExceededResourceQuota - preserve",
        ),
        pytest.param(
            ("TaskRunImagePullFailed", "The step image failed to pull"),
            "TaskRun was cancelled\nPrevious status: [TaskRunImagePullFailed] The step image "
            "failed to pull",
            id="previous reason is ImagePullBackOff - preserve",
        ),
        pytest.param(
            ("SomeReason", ""),
            "TaskRun was cancelled",
            id="previous condition has empty message - skip",
        ),
        pytest.param(
            ("Pending", 'build step "step-a" is pending with reason "x"'),
            'TaskRun was cancelled\nPrevious status: [Pending] build step "step-a" is pending '
            'with reason "x"',
            id="a pending pod is worth keeping (only TaskRunPending is skipped)",
        ),
    ],
)
def test_append_previous_condition_context(previous: tuple[str, str] | None, want: str) -> None:
    condition = None
    if previous is not None:
        condition = Condition(
            type="Succeeded", status="Unknown", reason=previous[0], message=previous[1]
        )
    assert append_previous_condition_context(condition, "TaskRun was cancelled") == want


# -- failTaskRun ---------------------------------------------------------------------------

TERMINATED_BY = "Step  terminated as pod foo-is-bar is terminated"


def _terminated_step(reason: str, started_at: str | None = None) -> Json:
    terminated: Json = {
        "exitCode": 1,
        "reason": reason,
        "message": TERMINATED_BY,
        "finishedAt": NOW_TEXT,
    }
    if started_at is not None:
        terminated["startedAt"] = started_at
    return {"terminationReason": reason, "terminated": terminated}


FAIL_CASES = [
    pytest.param(
        {"spec": {"status": "TaskRunCancelled", "statusMessage": "Test cancellation message."}},
        {"conditions": [{"status": "Unknown", "type": "Succeeded"}]},
        "some reason",
        "some message",
        None,
        id="no-pod-scheduled",
    ),
    pytest.param(
        {"spec": {"status": "TaskRunCancelled"}},
        {"conditions": [{"status": "Unknown", "type": "Succeeded"}], "podName": "foo-is-bar"},
        "some reason",
        "some message",
        None,
        id="pod-scheduled",
    ),
    pytest.param(
        {"spec": {"status": "TaskRunCancelled", "statusMessage": "Test cancellation message."}},
        {
            "conditions": [{"status": "Unknown", "type": "Succeeded"}],
            "podName": "foo-is-bar",
            "steps": [{"running": {"startedAt": "2022-01-01T00:00:00Z"}}],
        },
        "TaskRunCancelled",
        "TaskRun test-taskrun-run-cancel was cancelled. Test cancellation message.",
        [_terminated_step("TaskRunCancelled", "2022-01-01T00:00:00Z")],
        id="step-status-update-cancel",
    ),
    pytest.param(
        {"spec": {"timeout": "10s"}},
        {
            "conditions": [{"status": "Unknown", "type": "Succeeded"}],
            "podName": "foo-is-bar",
            "steps": [{"running": {"startedAt": "2022-01-01T00:00:00Z"}}],
        },
        "TaskRunTimeout",
        "TaskRun test-taskrun-run-timeout failed to finish within 10s",
        [_terminated_step("TaskRunTimeout", "2022-01-01T00:00:00Z")],
        id="step-status-update-timeout",
    ),
    pytest.param(
        {"spec": {"timeout": "10s"}},
        {
            "conditions": [{"status": "Unknown", "type": "Succeeded"}],
            "podName": "foo-is-bar",
            "steps": [
                {
                    "terminated": {
                        "exitCode": 0,
                        "finishedAt": "2022-01-01T00:00:00Z",
                        "reason": "Completed",
                        "startedAt": "2022-01-01T00:00:00Z",
                    }
                },
                {"running": {"startedAt": "2022-01-01T00:00:00Z"}},
                {"running": {"startedAt": "2022-01-01T00:00:00Z"}},
            ],
        },
        "TaskRunTimeout",
        "TaskRun test-taskrun-run-timeout-multiple-steps failed to finish within 10s",
        [
            {
                "terminated": {
                    "exitCode": 0,
                    "finishedAt": "2022-01-01T00:00:00Z",
                    "reason": "Completed",
                    "startedAt": "2022-01-01T00:00:00Z",
                }
            },
            _terminated_step("TaskRunTimeout", "2022-01-01T00:00:00Z"),
            _terminated_step("TaskRunTimeout", "2022-01-01T00:00:00Z"),
        ],
        id="step-status-update-multiple-steps",
    ),
    pytest.param(
        {"spec": {"timeout": "10s"}, "creationTimestamp": "2021-12-31T23:59:00Z"},
        {
            "conditions": [{"status": "Unknown", "type": "Succeeded"}],
            "podName": "foo-is-bar",
            "steps": [{"waiting": {"reason": "PodInitializing"}}] * 3,
        },
        "TaskRunTimeout",
        "TaskRun test-taskrun-run-timeout-multiple-steps-waiting failed to finish within 10s",
        # A waiting step never started: it is shown starting at the TaskRun's creation.
        [_terminated_step("TaskRunTimeout", "2021-12-31T23:59:00Z")] * 3,
        id="step-status-update-multiple-steps-waiting-state",
    ),
    pytest.param(
        {"spec": {}},
        {
            "conditions": [{"status": "True", "type": "Succeeded"}],
            "podName": "foo-is-bar",
            "steps": [
                {
                    "terminated": {
                        "exitCode": 12,
                        "finishedAt": "2022-01-01T00:00:00Z",
                        "reason": "Completed",
                        "startedAt": "2022-01-01T00:00:00Z",
                    },
                    "terminationReason": "Completed",
                },
                {"running": {"startedAt": "2022-01-01T00:00:00Z"}},
            ],
        },
        "TaskRunTimeout",
        "TaskRun test-taskrun-run-timeout-multiple-steps failed to finish within 10s",
        [
            {
                "terminated": {
                    "exitCode": 12,
                    "finishedAt": "2022-01-01T00:00:00Z",
                    "reason": "Completed",
                    "startedAt": "2022-01-01T00:00:00Z",
                },
                "terminationReason": "Completed",
            },
            _terminated_step("TaskRunTimeout", "2022-01-01T00:00:00Z"),
        ],
        id="step-status-update-with-multiple-steps-and-some-continue-on-error",
    ),
]


@pytest.mark.parametrize(("taskrun", "status", "reason", "message", "steps"), FAIL_CASES)
def test_fail_taskrun(
    taskrun: Json, status: Json, reason: str, message: str, steps: list[Json] | None
) -> None:
    """TestFailTaskRun."""
    tr = _taskrun(
        "test-taskrun-run-failed",
        taskrun["spec"],
        status,
        **(
            {"creationTimestamp": taskrun["creationTimestamp"]}
            if "creationTimestamp" in taskrun
            else {}
        ),
    )
    steps_before = tr.status.steps if tr.status else None
    fail_taskrun(tr, reason, message, NOW)
    assert tr.status is not None
    assert (
        tr.status.conditions
        == _status({"conditions": [_cond("False", reason, message)]}).conditions
    )
    assert tr.status.completion_time == NOW_TEXT
    if steps is None:
        assert tr.status.steps == steps_before
    else:
        assert tr.status.steps == _status({"steps": steps}).steps


def test_terminate_steps_names_step_and_pod() -> None:
    tr = _taskrun(
        "tr",
        {},
        {
            "podName": "tr-pod",
            "completionTime": NOW_TEXT,
            "steps": [{"name": "build", "container": "step-build", "running": {}}],
        },
    )
    terminate_steps_in_pod(tr, "TaskRunCancelled")
    assert tr.status is not None and tr.status.steps is not None
    assert tr.status.steps[0].to_dict() == {
        "terminated": {
            "exitCode": 1,
            "reason": "TaskRunCancelled",
            "message": "Step build terminated as pod tr-pod is terminated",
            "finishedAt": NOW_TEXT,
        },
        "name": "build",
        "container": "step-build",
        "terminationReason": "TaskRunCancelled",
    }


# -- pod failures in waiting states --------------------------------------------------------

IMAGEPULL_TASKRUN: Json = {
    "podName": "pod-1",
    "sidecars": [
        {
            "container": "step-unnamed-0",
            "name": "unnamed-0",
            "running": {"startedAt": "2022-06-09T10:13:41Z"},
        },
        {"container": "step-unnamed-1", "name": "unnamed-1", "imageID": "whatever"},
    ],
    "steps": [{"container": "step-unnamed-2", "name": "unnamed-2", "imageID": "whatever"}],
}


def _imagepull_taskrun(failure: str, reason: str, message: str) -> TaskRun:
    tr = _taskrun("test-imagepull-fail", {}, IMAGEPULL_TASKRUN)
    assert tr.status is not None and tr.status.steps and tr.status.sidecars
    waiting = msgspec.convert({"reason": reason, "message": message}, type(_waiting_model()))
    if failure == "step":
        tr.status.steps[0].waiting = waiting
    else:
        tr.status.sidecars[1].waiting = waiting
    return tr


def _waiting_model() -> Any:
    from tektite.api.models import ContainerStateWaiting

    return ContainerStateWaiting()


def _pod_with_condition(condition_type: str, changed: datetime) -> Json:
    return {
        "metadata": {"name": "pod-1", "namespace": "foo"},
        "status": {
            "conditions": [{"type": condition_type, "lastTransitionTime": format_time(changed)}]
        },
    }


@pytest.mark.parametrize(
    ("reason", "message", "failure", "backoff", "pod", "want"),
    [
        pytest.param(
            "ImagePullBackOff",
            'Back-off pulling image "whatever"',
            "sidecar",
            timedelta(0),
            None,
            'the sidecar "unnamed-1" in TaskRun "test-imagepull-fail" failed to pull the image '
            '"whatever". The pod errored with the message: "Back-off pulling image "whatever"."',
            id="image pull failed sidecar",
        ),
        pytest.param(
            "InvalidImageName",
            'Invalid image "whatever"',
            "sidecar",
            timedelta(0),
            None,
            'the sidecar "unnamed-1" in TaskRun "test-imagepull-fail" failed to pull the image '
            '"whatever". The pod errored with the message: "Invalid image "whatever"."',
            id="invalid image sidecar",
        ),
        pytest.param(
            "ImagePullBackOff",
            'Back-off pulling image "whatever"',
            "step",
            timedelta(0),
            None,
            'the step "unnamed-2" in TaskRun "test-imagepull-fail" failed to pull the image '
            '"whatever". The pod errored with the message: "Back-off pulling image "whatever"."',
            id="image pull failed step",
        ),
        pytest.param(
            "ImagePullBackOff",
            'Back-off pulling image "whatever"',
            "sidecar",
            timedelta(seconds=5),
            _pod_with_condition("Initialized", NOW),
            None,
            id="image pull failure for the sidecar with non-zero imagePullBackOff timeout",
        ),
        pytest.param(
            "ImagePullBackOff",
            'Back-off pulling image "whatever"',
            "step",
            timedelta(seconds=5),
            _pod_with_condition("PodReadyToStartContainers", NOW - timedelta(seconds=4)),
            None,
            id="image pull failure for the step within the imagePullBackOff timeout",
        ),
        pytest.param(
            "ImagePullBackOff",
            'Back-off pulling image "whatever"',
            "step",
            timedelta(seconds=5),
            _pod_with_condition("Initialized", NOW - timedelta(seconds=6)),
            'the step "unnamed-2" in TaskRun "test-imagepull-fail" failed to pull the image '
            '"whatever". The pod errored with the message: "Back-off pulling image "whatever"."',
            id="image pull failure for the step past the imagePullBackOff timeout",
        ),
        pytest.param(
            "ImagePullBackOff",
            'pods "pod-1" not found',
            "sidecar",
            timedelta(minutes=5),
            None,
            'the sidecar "unnamed-1" in TaskRun "test-imagepull-fail" failed to pull the image '
            '"whatever". Failed to get pod with error: "pods "pod-1" not found."',
            id="image pull failure for the sidecar with non-zero imagePullBackOff timeout and "
            "no pod",
        ),
        pytest.param(
            "InvalidImageName",
            'Invalid image "whatever"',
            "step",
            timedelta(hours=5),
            _pod_with_condition("Initialized", NOW),
            'the step "unnamed-2" in TaskRun "test-imagepull-fail" failed to pull the image '
            '"whatever". The pod errored with the message: "Invalid image "whatever"."',
            id="invalid image step with non-zero imagePullBackOff timeout",
        ),
    ],
)
def test_check_pod_failed_image_pull(
    reason: str,
    message: str,
    failure: str,
    backoff: timedelta,
    pod: Json | None,
    want: str | None,
) -> None:
    """TestReconcilePodFailures."""
    tr = _imagepull_taskrun(failure, reason, message)
    got = check_pod_failed(tr, pod, NOW, image_pull_backoff_timeout=backoff)
    assert got == (None if want is None else PodFailure("TaskRunImagePullFailed", want))


@pytest.mark.parametrize(
    ("reason", "message", "kind", "want_reason", "want_message"),
    [
        pytest.param(
            "CreateContainerConfigError",
            'configmap "config-for-testing" not found',
            "step",
            "CreateContainerConfigError",
            'the step "alpine" in TaskRun "test-container-failure" failed to start. The pod '
            'errored with the message: "configmap "config-for-testing" not found."',
            id="CreateContainerConfigError for step - missing configmap",
        ),
        pytest.param(
            "CreateContainerConfigError",
            'secret "secret-for-testing" not found',
            "sidecar",
            "CreateContainerConfigError",
            'the sidecar "busybox" in TaskRun "test-container-failure" failed to start. The pod '
            'errored with the message: "secret "secret-for-testing" not found."',
            id="CreateContainerConfigError for sidecar - missing secret",
        ),
        pytest.param(
            "CreateContainerError",
            "failed to create container",
            "step",
            "PodCreationFailed",
            'the step "alpine" in TaskRun "test-container-failure" failed to start. The pod '
            'errored with the message: "failed to create container."',
            id="CreateContainerError for step",
        ),
        pytest.param(
            "CreateContainerError",
            "failed to create container",
            "sidecar",
            "PodCreationFailed",
            'the sidecar "busybox" in TaskRun "test-container-failure" failed to start. The pod '
            'errored with the message: "failed to create container."',
            id="CreateContainerError for sidecar",
        ),
        pytest.param(
            "InvalidImageName",
            "invalid image reference",
            "step",
            "TaskRunImagePullFailed",
            'the step "alpine" in TaskRun "test-container-failure" failed to pull the image '
            '"docker.io/library/alpine:latest". The pod errored with the message: "invalid '
            'image reference."',
            id="InvalidImageName for step",
        ),
        pytest.param(
            "InvalidImageName",
            "invalid image reference",
            "sidecar",
            "TaskRunImagePullFailed",
            'the sidecar "busybox" in TaskRun "test-container-failure" failed to pull the image '
            '"docker.io/library/busybox:latest". The pod errored with the message: "invalid '
            'image reference."',
            id="InvalidImageName for sidecar",
        ),
        pytest.param(
            "ErrImagePull", "retrying", "step", None, None, id="ErrImagePull is transient"
        ),
    ],
)
def test_check_pod_failed_container_errors(
    reason: str, message: str, kind: str, want_reason: str | None, want_message: str | None
) -> None:
    """TestReconcileContainerFailures."""
    tr = _taskrun(
        "test-container-failure",
        {},
        {
            "podName": "test-pod",
            "sidecars": [
                {
                    "container": "sidecar-busybox",
                    "name": "busybox",
                    "imageID": "docker.io/library/busybox:latest",
                }
            ],
            "steps": [
                {
                    "container": "step-alpine",
                    "name": "alpine",
                    "imageID": "docker.io/library/alpine:latest",
                }
            ],
        },
    )
    assert tr.status is not None and tr.status.steps and tr.status.sidecars
    target = tr.status.steps[0] if kind == "step" else tr.status.sidecars[0]
    target.waiting = msgspec.convert({"reason": reason, "message": message}, type(_waiting_model()))
    got = check_pod_failed(tr, None, NOW)
    want = None if want_reason is None else PodFailure(want_reason, want_message or "")
    assert got == want


@pytest.mark.parametrize(
    ("reason", "message", "timeout", "age", "want"),
    [
        pytest.param(
            "CreateContainerConfigError",
            "context deadline exceeded",
            timedelta(minutes=5),
            timedelta(minutes=1),
            None,
            id="CreateContainerConfigError context deadline exceeded within timeout",
        ),
        pytest.param(
            "CreateContainerConfigError",
            "context deadline exceeded",
            timedelta(minutes=5),
            timedelta(minutes=10),
            "CreateContainerConfigError",
            id="CreateContainerConfigError context deadline exceeded timeout exceeded",
        ),
        pytest.param(
            "CreateContainerError",
            "context deadline exceeded",
            timedelta(minutes=5),
            timedelta(minutes=1),
            None,
            id="CreateContainerError context deadline exceeded within timeout",
        ),
        pytest.param(
            "CreateContainerError",
            "context deadline exceeded",
            timedelta(minutes=5),
            timedelta(minutes=10),
            "PodCreationFailed",
            id="CreateContainerError context deadline exceeded timeout exceeded",
        ),
        pytest.param(
            "CreateContainerConfigError",
            "context deadline exceeded",
            timedelta(0),
            timedelta(0),
            "CreateContainerConfigError",
            id="CreateContainerConfigError context deadline exceeded timeout disabled",
        ),
        pytest.param(
            "CreateContainerConfigError",
            'configmap "config-for-testing" not found',
            timedelta(minutes=5),
            timedelta(minutes=1),
            "CreateContainerConfigError",
            id="CreateContainerConfigError non-timeout message with timeout configured",
        ),
    ],
)
def test_check_pod_failed_create_container_grace(
    reason: str, message: str, timeout: timedelta, age: timedelta, want: str | None
) -> None:
    """TestReconcileCreateContainerErrorTimeout."""
    tr = _taskrun(
        "test-create-container-error",
        {},
        {
            "podName": "test-pod",
            "steps": [
                {
                    "container": "step-alpine",
                    "name": "alpine",
                    "imageID": "docker.io/library/alpine:latest",
                    "waiting": {"reason": reason, "message": message},
                }
            ],
        },
    )
    pod = _pod_with_condition("Initialized", NOW - age)
    got = check_pod_failed(tr, pod, NOW, create_container_error_timeout=timeout)
    assert (got.reason if got else None) == want


# -- retries -------------------------------------------------------------------------------


def test_no_retry_on_cancellation() -> None:
    tr = _taskrun(
        "test-taskrun-run-retry-canceled",
        {"retries": 1, "status": "TaskRunCancelled"},
        {"startTime": "2021-12-31T23:59:59Z", "conditions": [_cond("Unknown", "Running")]},
    )
    fail_taskrun(tr, "TaskRunCancelled", cancel_message(tr, succeeded_condition(tr)), NOW)
    assert not retry_if_needed(tr, NOW)
    assert tr.status is not None
    assert (
        tr.status.conditions
        == _status(
            {
                "conditions": [
                    _cond(
                        "False",
                        "TaskRunCancelled",
                        'TaskRun "test-taskrun-run-retry-canceled" was cancelled. ',
                    )
                ]
            }
        ).conditions
    )
    assert tr.status.start_time == "2021-12-31T23:59:59Z"
    assert tr.status.completion_time == NOW_TEXT


def test_retry_on_timeout() -> None:
    message = 'TaskRun "test-taskrun-run-retry-timedout" failed to finish within "10s"'
    tr = _taskrun(
        "test-taskrun-run-retry-timedout",
        {"retries": 1, "timeout": "10s"},
        {"startTime": "2021-12-31T00:00:00Z", "conditions": [_cond("Unknown", "Running", message)]},
    )
    previous = succeeded_condition(tr)
    assert is_timed_out(tr, NOW)
    fail_taskrun(tr, "TaskRunTimeout", timeout_message(tr, previous), NOW)
    assert should_retry(tr)
    assert retry_if_needed(tr, NOW)
    assert tr.status == _status(
        {
            "conditions": [_cond("Unknown", "ToBeRetried", message)],
            "retriesStatus": [
                {
                    "conditions": [_cond("False", "TaskRunTimeout", message)],
                    "startTime": "2021-12-31T00:00:00Z",
                    "completionTime": NOW_TEXT,
                }
            ],
        }
    )
    assert retry_count(tr) == 1
    assert pod_name(tr) == "test-taskrun-run-retry-timedout-pod-retry1"
    # The attempt is spent: a second failure is final.
    fail_taskrun(tr, "TaskRunTimeout", message, NOW)
    assert not should_retry(tr)


def test_retry_on_pod_failure() -> None:
    message = (
        'the step "unamed-0" in TaskRun "test-taskrun-run-retry-pod-failure" failed to pull the '
        'image "". The pod errored with the message: "."'
    )
    tr = _taskrun(
        "test-taskrun-run-retry-pod-failure",
        {"retries": 1},
        {
            "startTime": "2021-12-31T23:59:59Z",
            "podName": "test-taskrun-run-retry-pod-failure-pod",
            "steps": [
                {
                    "container": "step-unamed-0",
                    "name": "unamed-0",
                    "waiting": {"reason": "ImagePullBackOff"},
                }
            ],
        },
    )
    failure = check_pod_failed(tr, None, NOW)
    assert failure == PodFailure("TaskRunImagePullFailed", message)
    fail_taskrun(tr, failure.reason, failure.message, NOW)
    retry_if_needed(tr, NOW)
    terminated_steps = [
        {
            "container": "step-unamed-0",
            "name": "unamed-0",
            "terminated": {
                "exitCode": 1,
                "finishedAt": NOW_TEXT,
                "reason": "TaskRunImagePullFailed",
                "message": "Step unamed-0 terminated as pod test-taskrun-run-retry-pod-failure-pod "
                "is terminated",
            },
            "terminationReason": "TaskRunImagePullFailed",
        }
    ]
    assert tr.status == _status(
        {
            "conditions": [_cond("Unknown", "ToBeRetried", message)],
            "steps": terminated_steps,
            "retriesStatus": [
                {
                    "conditions": [_cond("False", "TaskRunImagePullFailed", message)],
                    "startTime": "2021-12-31T23:59:59Z",
                    "completionTime": NOW_TEXT,
                    "podName": "test-taskrun-run-retry-pod-failure-pod",
                    "steps": terminated_steps,
                }
            ],
        }
    )


def test_retry_clears_the_results() -> None:
    tr = _taskrun(
        "test-taskrun-with-results-to-be-retried",
        {"retries": 1},
        {
            "startTime": "2021-12-31T23:59:59Z",
            "results": [{"name": "aResult", "type": "string", "value": "aResultValue"}],
            "conditions": [_cond("False", "Failed", "", "2021-12-31T23:59:59Z")],
        },
    )
    assert retry_if_needed(tr, NOW)
    assert tr.status == _status(
        {
            "conditions": [_cond("Unknown", "ToBeRetried")],
            "retriesStatus": [
                {
                    "conditions": [_cond("False", "Failed", "", "2021-12-31T23:59:59Z")],
                    "results": [{"name": "aResult", "type": "string", "value": "aResultValue"}],
                    "startTime": "2021-12-31T23:59:59Z",
                }
            ],
        }
    )


def test_archived_attempts_do_not_nest() -> None:
    tr = _taskrun(
        "tr",
        {"retries": 3},
        {
            "podName": "tr-pod-retry1",
            "conditions": [_cond("False", "StepFailed", '"step-a" exited with code 1')],
            "retriesStatus": [{"podName": "tr-pod"}],
        },
    )
    archive_for_retry(tr, NOW)
    assert tr.status is not None and tr.status.retries_status is not None
    assert [a.pod_name for a in tr.status.retries_status] == ["tr-pod", "tr-pod-retry1"]
    assert all(a.retries_status is None for a in tr.status.retries_status)
    assert pod_name(tr) == "tr-pod-retry2"
    assert is_pod_archived("tr-pod-retry1", tr.status)
    assert not is_pod_archived("tr-pod-retry2", tr.status)


@pytest.mark.parametrize(
    ("message", "want"),
    [
        pytest.param("plain", "plain", id="no verbs"),
        pytest.param("100% done", "100%!d(MISSING)one", id="space flag and verb"),
        pytest.param("50%% off", "50% off", id="escaped percent"),
        pytest.param("ends with %", "ends with %!(NOVERB)", id="trailing percent"),
        pytest.param("%s and %v", "%!s(MISSING) and %!v(MISSING)", id="verbs"),
    ],
)
def test_retry_message_goes_through_sprintf(message: str, want: str) -> None:
    """Knative's MarkUnknown formats the message it is given, with no arguments."""
    tr = _taskrun("tr", {"retries": 1}, {"conditions": [_cond("False", "Failed", message)]})
    retry_if_needed(tr, NOW)
    condition = succeeded_condition(tr)
    assert condition is not None and condition.message == want


@pytest.mark.parametrize(
    ("name", "retries", "want"),
    [
        pytest.param("test-taskrun", 0, "test-taskrun-pod", id="first attempt"),
        pytest.param("test-taskrun", 2, "test-taskrun-pod-retry2", id="third attempt"),
        pytest.param(
            "a" * 60,
            0,
            "a" * 27 + "cc7ed669cf88f201c3297c6a91e1d18d" + "-pod",
            id="long name hashed as Knative ChildName",
        ),
        pytest.param(
            "a" * 60,
            1,
            "a" * 20 + "cc7ed669cf88f201c3297c6a91e1d18d" + "-pod-retry1",
            id="long name, retry",
        ),
    ],
)
def test_pod_name(name: str, retries: int, want: str) -> None:
    tr = _taskrun(name, {}, {"retriesStatus": [{}] * retries} if retries else None)
    got = pod_name(tr)
    assert got == want
    assert len(got) <= 63
