"""The TaskRun's own state transitions: start, pending, cancel, timeout, failure, retry.

Ports of the pure parts of Tekton's TaskRun reconciler (``pkg/reconciler/taskrun/
taskrun.go``) and of the ``TaskRunStatus`` helpers (``pkg/apis/pipeline/v1/
taskrun_types.go``), with Knative's condition bookkeeping (``apis.ConditionSet``).

Every function works on the reconciler's working copy of the TaskRun and updates
``taskrun.status`` in place, as Tekton's reconciler does before it writes the status
back. None reads a clock: the current time is always the ``now`` argument, so a
reconcile pass is reproducible and testable.

The order in which Tekton's ``ReconcileKind`` applies these is::

    previous = succeeded_condition(taskrun)     # before anything else
    initialize_conditions(taskrun, now)          # not started and not pending
    if is_done(taskrun): ...                     # stop sidecars, nothing else
    if is_cancelled(taskrun): fail_taskrun(taskrun, REASON_CANCELLED,
                                           cancel_message(taskrun, previous), now)
    elif is_pending(taskrun): mark_pending(taskrun, now)
    elif is_timed_out(taskrun, now, default_timeout): fail_taskrun(... timeout_message ...)
    elif (failure := check_pod_failed(...)): fail_taskrun(taskrun, *failure, now)
    else: reconcile the Pod (``tektite.engine.pod_status.reconcile_pod_status``)
    retry_if_needed(taskrun, now)                # after every path that may fail it
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from tektite.api.durations import MICROSECOND, format_duration_ns, parse_duration_ns
from tektite.api.errors import go_quote
from tektite.api.models import (
    Condition,
    ContainerStateTerminated,
    TaskRun,
    TaskRunStatus,
)
from tektite.engine.names import child_name

__all__ = [
    "CONDITION_SUCCEEDED",
    "REASON_CANCELLED",
    "REASON_CREATE_CONTAINER_CONFIG_ERROR",
    "REASON_FAILED",
    "REASON_FAILED_VALIDATION",
    "REASON_IMAGE_PULL_FAILED",
    "REASON_PENDING",
    "REASON_POD_CREATION_FAILED",
    "REASON_RESULT_LARGER_THAN_ALLOWED_LIMIT",
    "REASON_RUNNING",
    "REASON_STARTED",
    "REASON_SUCCEEDED",
    "REASON_TIMED_OUT",
    "REASON_TO_BE_RETRIED",
    "USER_ERROR_LABEL",
    "PodFailure",
    "append_previous_condition_context",
    "archive_for_retry",
    "cancel_message",
    "check_pod_failed",
    "fail_taskrun",
    "format_time",
    "get_timeout",
    "has_started",
    "initialize_conditions",
    "is_cancelled",
    "is_done",
    "is_pending",
    "is_pod_archived",
    "is_retriable",
    "is_timed_out",
    "mark_pending",
    "mark_resource_failed",
    "mark_resource_ongoing",
    "parse_time",
    "pod_name",
    "retry_count",
    "retry_if_needed",
    "set_succeeded_condition",
    "should_retry",
    "succeeded_condition",
    "terminate_steps_in_pod",
    "timeout_message",
]

CONDITION_SUCCEEDED = "Succeeded"

# v1.TaskRunReason values this module sets (pod_status sets the pod-derived ones).
REASON_STARTED = "Started"
REASON_RUNNING = "Running"
REASON_SUCCEEDED = "Succeeded"
REASON_FAILED = "Failed"
REASON_TO_BE_RETRIED = "ToBeRetried"
REASON_CANCELLED = "TaskRunCancelled"
REASON_TIMED_OUT = "TaskRunTimeout"
REASON_PENDING = "TaskRunPending"
REASON_IMAGE_PULL_FAILED = "TaskRunImagePullFailed"
REASON_CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"
REASON_POD_CREATION_FAILED = "PodCreationFailed"
REASON_FAILED_VALIDATION = "TaskRunValidationFailed"
REASON_RESULT_LARGER_THAN_ALLOWED_LIMIT = "TaskRunResultLargerThanAllowedLimit"

SPEC_STATUS_CANCELLED = "TaskRunCancelled"
SPEC_STATUS_PENDING = "TaskRunPending"

USER_ERROR_LABEL = "[User error] "
"""Prefixed to failure messages the user is responsible for (``pipelineErrors``)."""

DEFAULT_TIMEOUT = timedelta(minutes=60)
"""``default-timeout-minutes`` when config-defaults does not set it."""


# -- times ---------------------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """A ``metav1.Time`` as Kubernetes writes it: RFC 3339 in UTC, whole seconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """An RFC 3339 timestamp from a Kubernetes object (``2022-01-01T00:00:00Z``)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _nanoseconds(delta: timedelta) -> int:
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros * MICROSECOND


# -- Knative conditions --------------------------------------------------------------------


def _status(taskrun: TaskRun) -> TaskRunStatus:
    if taskrun.status is None:
        taskrun.status = TaskRunStatus()
    return taskrun.status


def succeeded_condition(taskrun: TaskRun | TaskRunStatus) -> Condition | None:
    """The ``Succeeded`` condition, or None before the first reconcile."""
    status = taskrun.status if isinstance(taskrun, TaskRun) else taskrun
    for condition in (status.conditions if status else None) or ():
        if condition.type == CONDITION_SUCCEEDED:
            return condition
    return None


def set_succeeded_condition(
    status: TaskRunStatus,
    state: str,
    reason: str,
    message: str,
    now: datetime,
) -> Condition:
    """Knative's ``SetCondition`` for ``Succeeded``: an identical condition keeps its
    ``lastTransitionTime``; any change stamps ``now``. Returns the condition in force."""
    new = Condition(type=CONDITION_SUCCEEDED, status=state, reason=reason, message=message)
    others: list[Condition] = []
    for condition in status.conditions or ():
        if condition.type != CONDITION_SUCCEEDED:
            others.append(condition)
            continue
        new.last_transition_time = condition.last_transition_time
        if new == condition:
            return condition
    new.last_transition_time = format_time(now)
    others.append(new)
    # Knative keeps conditions sorted by type for kubectl's sake.
    status.conditions = sorted(others, key=lambda c: c.type)
    return new


def mark_resource_ongoing(status: TaskRunStatus, reason: str, message: str, now: datetime) -> None:
    """``MarkResourceOngoing``: ``Succeeded=Unknown`` with this reason and message."""
    set_succeeded_condition(status, "Unknown", reason, message, now)


def mark_resource_failed(status: TaskRunStatus, reason: str, message: str, now: datetime) -> None:
    """``MarkResourceFailed``: ``Succeeded=False``, and ``completionTime`` set to the
    condition's transition time.

    ``message`` is the error text as Tekton shows it, ``[User error] `` label included
    when the error is the user's.
    """
    condition = set_succeeded_condition(status, "False", reason, message, now)
    status.completion_time = condition.last_transition_time


def _go_sprintf_without_args(text: str) -> str:
    """``fmt.Sprintf(text)`` with no arguments.

    Knative's ``MarkUnknown`` formats its message argument, and Tekton passes the failure
    message there when it schedules a retry, so a ``%`` in it prints as Go prints a verb
    without an operand (``100%s`` → ``100%!s(MISSING)``).
    """
    if "%" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        i += 1
        while i < n and text[i] in "#0+- ":
            i += 1
        bad_index = False
        if i < n and text[i] == "[":
            close = text.find("]", i)
            bad_index = True
            i = n if close < 0 else close + 1
        if i < n and text[i] == "*":
            out.append("%!(BADWIDTH)")
            i += 1
        else:
            while i < n and text[i].isdigit():
                i += 1
        if i < n and text[i] == ".":
            i += 1
            if i < n and text[i] == "*":
                out.append("%!(BADPREC)")
                i += 1
            else:
                while i < n and text[i].isdigit():
                    i += 1
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = text[i]
        i += 1
        if verb == "%":
            out.append("%")
        elif bad_index:
            out.append(f"%!{verb}(BADINDEX)")
        else:
            out.append(f"%!{verb}(MISSING)")
    return "".join(out)


# -- predicates ----------------------------------------------------------------------------


def is_done(taskrun: TaskRun) -> bool:
    """``IsDone``: the ``Succeeded`` condition exists and is not ``Unknown``."""
    condition = succeeded_condition(taskrun)
    return condition is not None and condition.status != "Unknown"


def has_started(taskrun: TaskRun) -> bool:
    """``HasStarted``: a ``startTime`` is set."""
    return bool(taskrun.status and taskrun.status.start_time)


def is_cancelled(taskrun: TaskRun) -> bool:
    """``spec.status`` asks for cancellation."""
    return taskrun.spec.status == SPEC_STATUS_CANCELLED


def is_pending(taskrun: TaskRun) -> bool:
    """``spec.status`` holds the TaskRun back."""
    return taskrun.spec.status == SPEC_STATUS_PENDING


def retry_count(taskrun: TaskRun) -> int:
    """The attempts archived so far: ``$(context.task.retry-count)``."""
    return len((taskrun.status.retries_status if taskrun.status else None) or ())


def is_retriable(taskrun: TaskRun) -> bool:
    """``IsRetriable``: fewer archived attempts than ``spec.retries``."""
    return retry_count(taskrun) < taskrun.spec.retries


# -- start and pending ---------------------------------------------------------------------


def initialize_conditions(taskrun: TaskRun, now: datetime) -> bool:
    """Start the TaskRun's clock on its first reconcile (not while it is pending).

    Sets ``startTime`` to ``now`` (or to ``creationTimestamp`` when the controller's
    clock is behind it), adds ``Succeeded=Unknown`` if missing and gives it reason
    ``Started``, keeping any message (a retried run keeps its ``ToBeRetried`` message).
    Returns whether anything was done.
    """
    if has_started(taskrun) or is_pending(taskrun):
        return False
    status = _status(taskrun)
    status.start_time = format_time(now)
    if succeeded_condition(status) is None:
        set_succeeded_condition(status, "Unknown", "", "", now)
    current = succeeded_condition(status)
    assert current is not None
    set_succeeded_condition(status, current.status, REASON_STARTED, current.message, now)
    created = taskrun.metadata.creation_timestamp
    if created and now < parse_time(created):
        status.start_time = created
    return True


def mark_pending(taskrun: TaskRun, now: datetime) -> None:
    """``Succeeded=Unknown``, ``TaskRunPending``, ``TaskRun "<name>" is pending``."""
    mark_resource_ongoing(
        _status(taskrun),
        REASON_PENDING,
        f"TaskRun {go_quote(taskrun.metadata.name)} is pending",
        now,
    )


# -- timeouts ------------------------------------------------------------------------------


def get_timeout(taskrun: TaskRun, default_timeout: timedelta = DEFAULT_TIMEOUT) -> int:
    """``GetTimeout`` in nanoseconds: ``spec.timeout``, else the configured default."""
    if taskrun.spec.timeout is None:
        return _nanoseconds(default_timeout)
    return parse_duration_ns(taskrun.spec.timeout)


def is_timed_out(
    taskrun: TaskRun, now: datetime, default_timeout: timedelta = DEFAULT_TIMEOUT
) -> bool:
    """``HasTimedOut``: started, with a non-zero timeout, and running longer than it."""
    if not has_started(taskrun):
        return False
    timeout = get_timeout(taskrun, default_timeout)
    if timeout == 0:
        return False
    assert taskrun.status is not None and taskrun.status.start_time is not None
    return _nanoseconds(now - parse_time(taskrun.status.start_time)) > timeout


def append_previous_condition_context(previous: Condition | None, message: str) -> str:
    """Keep why the TaskRun was stuck when it is then cancelled or timed out.

    Adds ``\\nPrevious status: [<reason>] <message>`` unless the previous reason says
    nothing more than that the run was under way (``Started``, ``Running``,
    ``TaskRunPending``) or it had no message.
    """
    if previous is None:
        return message
    if previous.reason in (REASON_STARTED, REASON_RUNNING, REASON_PENDING):
        return message
    if previous.message:
        return f"{message}\nPrevious status: [{previous.reason}] {previous.message}"
    return message


def cancel_message(taskrun: TaskRun, previous: Condition | None) -> str:
    """``TaskRun "<name>" was cancelled. <spec.statusMessage>`` plus the previous status
    (``previous`` is the condition as it was when the reconcile pass began)."""
    message = (
        f"TaskRun {go_quote(taskrun.metadata.name)} was cancelled. {taskrun.spec.status_message}"
    )
    return append_previous_condition_context(previous, message)


def timeout_message(
    taskrun: TaskRun,
    previous: Condition | None,
    default_timeout: timedelta = DEFAULT_TIMEOUT,
) -> str:
    """``TaskRun "<name>" failed to finish within "<timeout>"`` (Go's duration text,
    ``1h0m0s``) plus the previous status."""
    timeout = format_duration_ns(get_timeout(taskrun, default_timeout))
    message = (
        f"TaskRun {go_quote(taskrun.metadata.name)} failed to finish within {go_quote(timeout)}"
    )
    return append_previous_condition_context(previous, message)


# -- failing -------------------------------------------------------------------------------


def terminate_steps_in_pod(taskrun: TaskRun, reason: str) -> None:
    """Show still-running and still-waiting steps as terminated by the TaskRun's end.

    Each becomes ``terminated`` with exit code 1, ``reason`` (the TaskRun's reason, as
    Tekton does) as both container reason and ``terminationReason``, and the message
    ``Step <name> terminated as pod <pod> is terminated``. A running step keeps its start
    time; a waiting one gets the TaskRun's creation time. Both finish at
    ``completionTime``.
    """
    status = _status(taskrun)
    for step in status.steps or ():
        message = f"Step {step.name} terminated as pod {status.pod_name} is terminated"
        if step.running is not None:
            step.terminated = ContainerStateTerminated(
                exit_code=1,
                started_at=step.running.started_at,
                finished_at=status.completion_time,
                reason=reason,
                message=message,
            )
            step.termination_reason = reason
            step.running = None
        if step.waiting is not None:
            step.terminated = ContainerStateTerminated(
                exit_code=1,
                started_at=taskrun.metadata.creation_timestamp,
                finished_at=status.completion_time,
                reason=reason,
                message=message,
            )
            step.termination_reason = reason
            step.waiting = None


def fail_taskrun(taskrun: TaskRun, reason: str, message: str, now: datetime) -> None:
    """``failTaskRun``: ``Succeeded=False`` with ``reason`` and ``message``,
    ``completionTime`` = ``now``, and, once a Pod exists, its unfinished steps shown as
    terminated (:func:`terminate_steps_in_pod`).

    The caller then deletes the Pod (or, with ``keep-pod-on-cancel``, annotates it for
    cancellation when the reason is a cancel or a timeout).
    """
    status = _status(taskrun)
    mark_resource_failed(status, reason, message, now)
    status.completion_time = format_time(now)
    if not status.pod_name:
        return
    terminate_steps_in_pod(taskrun, reason)


# -- pod failures seen in waiting containers -----------------------------------------------


class PodFailure(NamedTuple):
    """Why a TaskRun fails because of its Pod: a TaskRun reason and Tekton's message."""

    reason: str
    message: str


_POD_FAILURE_REASONS = frozenset(
    {"ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"}
)
# ErrImagePull is left out on purpose: the kubelet retries it and moves on to
# ImagePullBackOff, so it is not yet a failure.

_GRACE_CONDITIONS = ("Initialized", "PodReadyToStartContainers")


def _within_grace(pod: dict[str, Any], now: datetime, grace: timedelta) -> bool:
    """Whether the Pod became ready to start containers less than ``grace`` ago."""
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") in _GRACE_CONDITIONS:
            changed = condition.get("lastTransitionTime")
            # A condition without a time counts as long ago, as Go's zero time does.
            if changed and now - parse_time(changed) < grace:
                return True
    return False


def _container_failure(
    taskrun: TaskRun,
    waiting_reason: str,
    waiting_message: str,
    name: str,
    image_id: str,
    kind: str,
    pod: dict[str, Any] | None,
    now: datetime,
    image_pull_backoff_timeout: timedelta,
    create_container_error_timeout: timedelta,
) -> PodFailure | None:
    tr = go_quote(taskrun.metadata.name)
    who = f"the {kind} {go_quote(name)} in TaskRun {tr}"
    pod_name = taskrun.status.pod_name if taskrun.status else ""
    not_found = f"pods {go_quote(pod_name)} not found"
    if waiting_reason == "ImagePullBackOff":
        if image_pull_backoff_timeout:
            if pod is None:
                return PodFailure(
                    REASON_IMAGE_PULL_FAILED,
                    f"{who} failed to pull the image {go_quote(image_id)}. "
                    f'Failed to get pod with error: "{not_found}."',
                )
            if _within_grace(pod, now, image_pull_backoff_timeout):
                return None
        return PodFailure(
            REASON_IMAGE_PULL_FAILED,
            f"{who} failed to pull the image {go_quote(image_id)}. "
            f'The pod errored with the message: "{waiting_message}."',
        )
    if (
        waiting_reason in ("CreateContainerConfigError", "CreateContainerError")
        and "context deadline exceeded" in waiting_message
        and create_container_error_timeout
    ):
        # A container runtime under load (CRI-O) may recover: give it a grace period.
        if pod is None:
            return PodFailure(
                REASON_POD_CREATION_FAILED,
                f'{who} failed to start. Failed to get pod with error: "{not_found}."',
            )
        if _within_grace(pod, now, create_container_error_timeout):
            return None
    if waiting_reason == "CreateContainerConfigError":
        return PodFailure(
            REASON_CREATE_CONTAINER_CONFIG_ERROR,
            f'{who} failed to start. The pod errored with the message: "{waiting_message}."',
        )
    if waiting_reason == "InvalidImageName":
        return PodFailure(
            REASON_IMAGE_PULL_FAILED,
            f"{who} failed to pull the image {go_quote(image_id)}. "
            f'The pod errored with the message: "{waiting_message}."',
        )
    return PodFailure(
        REASON_POD_CREATION_FAILED,
        f'{who} failed to start. The pod errored with the message: "{waiting_message}."',
    )


def check_pod_failed(
    taskrun: TaskRun,
    pod: dict[str, Any] | None,
    now: datetime,
    *,
    image_pull_backoff_timeout: timedelta = timedelta(0),
    create_container_error_timeout: timedelta = timedelta(0),
) -> PodFailure | None:
    """``checkPodFailed``: a step or sidecar whose container cannot start fails the run.

    Reads the ``waiting`` states already in ``taskrun.status`` (steps first, then
    sidecars). ``ImagePullBackOff`` and ``InvalidImageName`` give
    ``TaskRunImagePullFailed``; ``CreateContainerConfigError`` gives
    ``CreateContainerConfigError``; ``CreateContainerError`` gives ``PodCreationFailed``.
    With ``default-imagepullbackoff-timeout`` (or, for ``context deadline exceeded``
    errors, ``default-create-container-error-timeout``) set, the failure waits that long
    after the Pod's ``Initialized``/``PodReadyToStartContainers`` transition; ``pod`` is
    the live Pod read for that (None when it could not be found).
    """
    status = taskrun.status
    if status is None:
        return None
    candidates = [(s.waiting, s.name, s.image_id, "step") for s in status.steps or ()]
    candidates += [(s.waiting, s.name, s.image_id, "sidecar") for s in status.sidecars or ()]
    for waiting, name, image_id, kind in candidates:
        if waiting is None or waiting.reason not in _POD_FAILURE_REASONS:
            continue
        failure = _container_failure(
            taskrun,
            waiting.reason,
            waiting.message,
            name,
            image_id,
            kind,
            pod,
            now,
            image_pull_backoff_timeout,
            create_container_error_timeout,
        )
        if failure is not None:
            return failure
    return None


# -- retries -------------------------------------------------------------------------------


def should_retry(taskrun: TaskRun) -> bool:
    """The attempt failed, was not cancelled, and retries are left."""
    condition = succeeded_condition(taskrun)
    return (
        condition is not None
        and condition.status == "False"
        and not is_cancelled(taskrun)
        and is_retriable(taskrun)
    )


def archive_for_retry(taskrun: TaskRun, now: datetime) -> None:
    """``retryTaskRun``: archive this attempt and schedule the next one.

    The whole status (its own ``retriesStatus`` left out) is appended to
    ``retriesStatus``; ``startTime``, ``completionTime``, ``podName`` and ``results`` are
    cleared; the condition becomes ``Unknown``/``ToBeRetried`` with the failure's message.
    The next reconcile starts the run again in Pod ``<name>-pod-retry<N>``.
    """
    status = _status(taskrun)
    condition = succeeded_condition(status)
    message = condition.message if condition else ""
    archived = copy.deepcopy(status)
    archived.retries_status = None
    status.retries_status = [*(status.retries_status or ()), archived]
    status.start_time = None
    status.completion_time = None
    status.pod_name = ""
    status.results = None
    set_succeeded_condition(
        status, "Unknown", REASON_TO_BE_RETRIED, _go_sprintf_without_args(message), now
    )


def retry_if_needed(taskrun: TaskRun, now: datetime) -> bool:
    """What Tekton does after every reconcile pass: archive a failed attempt for a retry
    when :func:`should_retry`. Returns whether it did."""
    if not should_retry(taskrun):
        return False
    archive_for_retry(taskrun, now)
    return True


def pod_name(taskrun: TaskRun) -> str:
    """The Pod of the current attempt: ``<name>-pod``, then ``<name>-pod-retry<N>``,
    shortened with Knative's ``ChildName`` rule to fit 63 characters."""
    suffix = "-pod"
    retries = retry_count(taskrun)
    if retries > 0:
        suffix += f"-retry{retries}"
    return child_name(taskrun.metadata.name, suffix)


def is_pod_archived(pod_name: str, status: TaskRunStatus) -> bool:
    """Whether the Pod belongs to an archived attempt (so it must not be adopted)."""
    return any(archived.pod_name == pod_name for archived in status.retries_status or ())
