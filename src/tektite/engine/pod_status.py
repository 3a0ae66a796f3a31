"""A TaskRun's status read from its Pod: Tekton's ``pkg/pod/status.go``.

Every runtime reports the Pod in Kubernetes' own shape (``status.phase``,
``containerStatuses[].state.{waiting,running,terminated}``, ``initContainerStatuses``,
``conditions``), so this one conversion serves them all. :func:`make_taskrun_status`
is ``MakeTaskRunStatus``: it lists the steps in task order with their termination
messages decoded (start time and exit code taken from the step wrapper, internal
entries removed from the shown message, ``terminationReason`` refined), lists the
sidecars, collects task and step results once the run is done, and sets the
``Succeeded`` condition with Tekton's reasons and messages.

:func:`reconcile_pod_status` adds what the reconciler does around it: a result larger
than ``max-result-size`` fails the run, and results that contradict their declarations
fail it with ``TaskRunValidationFailed`` (``validateTaskRunResults``).

The sidecar helpers the reconciler uses live here too: :func:`sidecars_ready` (when to
release the first step), :func:`sidecars_to_stop` and :func:`stopped_sidecar_states`
(teardown once the steps are done).

Nothing here does I/O or reads a clock. The results sidecar's log, which Tekton fetches
itself with ``results-from: sidecar-logs``, is passed in as ``sidecar_logs``.

Input TaskRuns and TaskSpecs are expected to be defaulted (result types filled in), as
they are by the time Tekton's reconciler converts a Pod.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec

from tektite.api.copying import copy_model
from tektite.api.errors import go_quote, go_sprint
from tektite.api.models import (
    Artifact,
    Artifacts,
    ArtifactValue,
    ContainerStateRunning,
    ContainerStateTerminated,
    ContainerStateWaiting,
    Provenance,
    SidecarState,
    Step,
    StepResult,
    StepState,
    TaskResult,
    TaskRun,
    TaskRunStatus,
    TaskSpec,
)
from tektite.api.models import RunResult as TaskRunResult
from tektite.engine.entrypoint_args import READY_ANNOTATION, READY_ANNOTATION_VALUE
from tektite.engine.names import SIDECAR_PREFIX, STEP_PREFIX, container_name
from tektite.engine.taskrun_state import (
    REASON_FAILED,
    REASON_FAILED_VALIDATION,
    REASON_RESULT_LARGER_THAN_ALLOWED_LIMIT,
    REASON_RUNNING,
    REASON_SUCCEEDED,
    USER_ERROR_LABEL,
    fail_taskrun,
    format_time,
    is_done,
    mark_resource_failed,
    set_succeeded_condition,
    succeeded_condition,
)
from tektite.engine.termination import (
    INTERNAL_TEKTON_RESULT,
    STEP_ARTIFACTS_RESULT,
    STEP_RESULT,
    TASK_RUN_ARTIFACTS_RESULT,
    TASK_RUN_RESULT,
    RunResult,
    SidecarLogError,
    TerminationMessageError,
    encode_results,
    go_json_loads,
    parse_message,
    parse_sidecar_log_results,
    split_sidecar_result_name,
)

__all__ = [
    "MESSAGE_RUNNING",
    "MESSAGE_SUCCEEDED",
    "ON_ERROR_ANNOTATION",
    "REASON_CREATE_CONTAINER_CONFIG_ERROR",
    "REASON_EXCEEDED_NODE_RESOURCES",
    "REASON_FAILURE_IGNORED",
    "REASON_INIT_CONTAINER_FAILED",
    "REASON_INIT_CONTAINER_OOM",
    "REASON_POD_EVICTED",
    "REASON_POD_PENDING",
    "REASON_PULL_IMAGE_FAILED",
    "REASON_SIDECAR_FAILED",
    "REASON_SIDECAR_OOM",
    "REASON_STEP_FAILED",
    "REASON_STEP_OOM",
    "RESULTS_SIDECAR_CONTAINER",
    "TERMINATION_REASON_CANCELLED",
    "TERMINATION_REASON_CONTINUED",
    "TERMINATION_REASON_SKIPPED",
    "TERMINATION_REASON_TIMEOUT_EXCEEDED",
    "PodStatusOutcome",
    "convert_pod_status",
    "did_task_run_fail",
    "failure_message",
    "failure_reason",
    "is_container_sidecar",
    "is_container_step",
    "is_pod_done",
    "is_pod_exceeding_node_resources",
    "is_sidecar_status_running",
    "make_taskrun_status",
    "reconcile_pod_status",
    "sidecars_ready",
    "sidecars_to_stop",
    "stopped_sidecar_states",
    "update_step_statuses_from_pod",
    "validate_taskrun_results",
]

Pod = dict[str, Any]
_Json = dict[str, Any]

MESSAGE_RUNNING = "Not all Steps in the Task have finished executing"
MESSAGE_SUCCEEDED = "All Steps have completed executing"

# Condition reasons derived from the Pod (v1.TaskRunReason and pkg/pod constants).
REASON_STEP_FAILED = "StepFailed"
REASON_STEP_OOM = "StepOOM"
REASON_SIDECAR_FAILED = "SidecarFailed"
REASON_SIDECAR_OOM = "SidecarOOM"
REASON_INIT_CONTAINER_FAILED = "InitContainerFailed"
REASON_INIT_CONTAINER_OOM = "InitContainerOOM"
REASON_POD_EVICTED = "PodEvicted"
REASON_FAILURE_IGNORED = "FailureIgnored"
REASON_POD_PENDING = "Pending"
REASON_EXCEEDED_NODE_RESOURCES = "ExceededNodeResources"
REASON_PULL_IMAGE_FAILED = "PullImageFailed"
REASON_CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"

# Step terminationReason values the step wrapper reports (pkg/pod/pod.go).
TERMINATION_REASON_SKIPPED = "Skipped"
TERMINATION_REASON_TIMEOUT_EXCEEDED = "TimeoutExceeded"
TERMINATION_REASON_CONTINUED = "Continued"
TERMINATION_REASON_CANCELLED = "Cancelled"

ON_ERROR_ANNOTATION = "pipeline.tekton.dev/pipeline-task-on-error"
"""Set by the PipelineRun reconciler on TaskRuns of a PipelineTask with ``onError``."""

RESULTS_SIDECAR_CONTAINER = "sidecar-tekton-log-results"
RESULTS_FROM_SIDECAR_LOGS = "sidecar-logs"

_OOM_KILLED = "OOMKilled"
_EVICTED = "Evicted"
_SUBPATH_ERROR = "failed to create subPath directory"
_IMAGE_ERROR_REASONS = frozenset(
    {
        "ImagePullBackOff",
        "ImageInspectError",
        "ErrImagePull",
        "ErrImageNeverPull",
        "RegistryUnavailable",
        "InvalidImageName",
    }
)


# -- container names -----------------------------------------------------------------------


def is_container_step(name: str) -> bool:
    """``IsContainerStep``: the container runs a step (``step-`` prefix)."""
    return name.startswith(STEP_PREFIX)


def is_container_sidecar(name: str) -> bool:
    """``IsContainerSidecar``: the container is a declared sidecar (``sidecar-`` prefix);
    injected sidecars (a service mesh proxy) have neither prefix."""
    return name.startswith(SIDECAR_PREFIX)


def _trim(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name


# -- reading the Pod -----------------------------------------------------------------------


def _pod_status(pod: Pod) -> _Json:
    status: _Json = pod.get("status") or {}
    return status


def _state(cs: _Json) -> _Json:
    state: _Json = cs.get("state") or {}
    return state


def _terminated(cs: _Json) -> _Json | None:
    terminated: _Json | None = _state(cs).get("terminated")
    return terminated


def _waiting(cs: _Json) -> _Json | None:
    waiting: _Json | None = _state(cs).get("waiting")
    return waiting


def _is_oom_killed(cs: _Json) -> bool:
    return ((_terminated(cs) or {}).get("reason") or "") == _OOM_KILLED


def _exit_code(cs: _Json) -> int:
    return int((_terminated(cs) or {}).get("exitCode") or 0)


def _container_statuses(pod: Pod) -> list[_Json]:
    return list(_pod_status(pod).get("containerStatuses") or ())


def _init_container_statuses(pod: Pod) -> list[_Json]:
    return list(_pod_status(pod).get("initContainerStatuses") or ())


def _sorted_container_statuses(pod: Pod) -> list[_Json]:
    """``sortPodContainerStatuses``: statuses in the order of the Pod's containers (the
    task's step order). A container without a status gets an empty one, as in Tekton."""
    statuses = _container_statuses(pod)
    by_name = {cs.get("name") or "": cs for cs in statuses}
    for i, container in enumerate((pod.get("spec") or {}).get("containers") or ()):
        if i < len(statuses):
            statuses[i] = by_name.get(container.get("name") or "", {})
    return statuses


def _with_sorted_statuses(pod: Pod) -> Pod:
    """The Pod as Tekton sees it after sorting its container statuses in place."""
    status = dict(_pod_status(pod))
    status["containerStatuses"] = _sorted_container_statuses(pod)
    return {**pod, "status": status}


# -- sidecars ------------------------------------------------------------------------------


def sidecars_ready(pod: Pod) -> bool:
    """``SidecarsReady``: the Pod is running and every container that is not a step
    (injected ones included) is running and ready, or has terminated.

    Once true, the reconciler sets the ``tekton.dev/ready`` annotation that releases the
    first step.
    """
    status = _pod_status(pod)
    if status.get("phase") != "Running":
        return False
    for cs in status.get("containerStatuses") or ():
        if is_container_step(cs.get("name") or ""):
            continue
        state = _state(cs)
        if state.get("running") is not None and cs.get("ready"):
            continue
        if state.get("terminated") is not None:
            continue
        return False
    return True


def needs_prompt_pass(before: Any, pod: Pod) -> bool:
    """Whether a change of the Pod (its status was ``before``) calls for its TaskRun's
    pass at once rather than a moment later with the changes that follow: the Pod
    finished, one of its containers (a step, a sidecar) terminated, or its sidecars are
    ready and the steps wait for the pass that releases them (``sidecars_ready``).
    Anything else — the Pod scheduled, init containers running or done, containers
    waiting or running — changes nothing the run waits on.
    """
    after = _pod_status(pod)
    before = before if isinstance(before, dict) else {}
    phase = after.get("phase")
    if phase in ("Succeeded", "Failed") and before.get("phase") != phase:
        return True
    if not _terminated_containers(after) <= _terminated_containers(before):
        return True
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    return annotations.get(READY_ANNOTATION) != READY_ANNOTATION_VALUE and sidecars_ready(pod)


def _terminated_containers(status: dict[str, Any]) -> set[str]:
    """Names of the (non-init) containers of a Pod status that have terminated."""
    return {
        str(c.get("name"))
        for c in status.get("containerStatuses") or ()
        if isinstance(c, dict) and "terminated" in (c.get("state") or {})
    }


def sidecars_to_stop(pod: Pod, *, results_from: str = "termination-message") -> list[str]:
    """The containers Tekton stops once the steps are done: every running container that
    is not a step (injected ones included), except the results sidecar when results are
    read from its log. Tekton swaps their image for ``nop``; runtimes stop them."""
    if _pod_status(pod).get("phase") != "Running":
        return []
    names = []
    for cs in _container_statuses(pod):
        name = cs.get("name") or ""
        if results_from == RESULTS_FROM_SIDECAR_LOGS and name == RESULTS_SIDECAR_CONTAINER:
            continue
        if not is_container_step(name) and _state(cs).get("running") is not None:
            names.append(name)
    return names


def is_sidecar_status_running(taskrun: TaskRun) -> bool:
    """``IsSidecarStatusRunning``: some sidecar of the status has not terminated."""
    sidecars = (taskrun.status.sidecars if taskrun.status else None) or ()
    return any(sidecar.terminated is None for sidecar in sidecars)


def stopped_sidecar_states(pod: Pod) -> list[SidecarState]:
    """``updateStoppedSidecarStatus``: sidecar states after the nop swap.

    A sidecar the kubelet restarted with the nop image has its real end in
    ``lastState.terminated``; it is shown terminated with reason ``Completed`` and the
    message ``Sidecar container successfully stopped by nop image``.
    """
    states = []
    for cs in _container_statuses(pod):
        name = cs.get("name") or ""
        if not is_container_sidecar(name):
            continue
        last = (cs.get("lastState") or {}).get("terminated")
        state = _state(cs)
        if last is not None:
            # The kubelet restarted it with the nop image; its real end is the last state.
            state = {
                "terminated": {
                    "exitCode": last.get("exitCode"),
                    "reason": "Completed",
                    "message": "Sidecar container successfully stopped by nop image",
                    "startedAt": last.get("startedAt"),
                    "finishedAt": last.get("finishedAt"),
                    "containerID": last.get("containerID"),
                }
            }
        states.append(_sidecar_state(cs, state))
    return states


# -- completion and failure ----------------------------------------------------------------


def _containers_completed(pod: Pod, include: list[str]) -> bool:
    status = _pod_status(pod)
    statuses = status.get("containerStatuses") or ()
    if not statuses or status.get("phase") not in ("Running", "Succeeded"):
        return False
    for cs in statuses:
        name = cs.get("name") or ""
        if (is_container_step(name) or name in include) and _terminated(cs) is None:
            return False
    return True


def _pod_completed(pod: Pod) -> bool:
    """``isPodCompleted``: the Pod ended, or a step was OOM-killed (the Pod may stay
    Running until its deadline, but the run cannot succeed any more)."""
    if _pod_status(pod).get("phase") in ("Succeeded", "Failed"):
        return True
    return any(
        is_container_step(cs.get("name") or "")
        and _terminated(cs) is not None
        and _is_oom_killed(cs)
        for cs in _container_statuses(pod)
    )


def _init_containers_done(pod: Pod) -> bool:
    """``areInitContainersDone``: with native sidecars, completion also waits for them."""
    status = _pod_status(pod)
    if status.get("phase") == "Failed":
        return True
    statuses = status.get("initContainerStatuses") or ()
    if not statuses or status.get("phase") not in ("Running", "Succeeded"):
        return False
    return all(_terminated(cs) is not None for cs in statuses)


def is_pod_done(
    pod: Pod,
    *,
    results_from: str = "termination-message",
    enable_kubernetes_sidecar: bool = False,
) -> bool:
    """Whether the TaskRun's steps are over: every step container terminated (and the
    results sidecar, when results come from its log), or the Pod ended, or a step was
    OOM-killed. With native Kubernetes sidecars, init containers must be done too."""
    include = [RESULTS_SIDECAR_CONTAINER] if results_from == RESULTS_FROM_SIDECAR_LOGS else []
    done = _containers_completed(pod, include) or _pod_completed(pod)
    if enable_kubernetes_sidecar:
        done = done and _init_containers_done(pod)
    return done


def did_task_run_fail(pod: Pod) -> bool:
    """``DidTaskRunFail``: the Pod failed, or a step exited non-zero or was OOM-killed.

    A step skipped after an earlier failure exits 1, so it counts too.
    """
    if _pod_status(pod).get("phase") == "Failed":
        return True
    return any(
        _names_step(cs)
        and _terminated(cs) is not None
        and (_exit_code(cs) != 0 or _is_oom_killed(cs))
        for cs in _container_statuses(pod)
    )


def _names_sidecar(cs: _Json) -> bool:
    return is_container_sidecar(cs.get("name") or "")


def _names_step(cs: _Json) -> bool:
    return is_container_step(cs.get("name") or "")


# Separate passes rather than one scan, so that priority does not depend on the order
# of the containers (an init container failing first must not hide a sidecar OOM).
_INIT_CONTAINER_FAILURES: tuple[tuple[Callable[[_Json], bool], str], ...] = (
    (lambda cs: _is_oom_killed(cs) and _names_sidecar(cs), REASON_SIDECAR_OOM),
    (lambda cs: _is_oom_killed(cs) and not _names_sidecar(cs), REASON_INIT_CONTAINER_OOM),
    (lambda cs: _exit_code(cs) != 0 and _names_sidecar(cs), REASON_SIDECAR_FAILED),
    (lambda cs: _exit_code(cs) != 0 and not _names_sidecar(cs), REASON_INIT_CONTAINER_FAILED),
)
_CONTAINER_FAILURES: tuple[tuple[Callable[[_Json], bool], str], ...] = (
    (lambda cs: _is_oom_killed(cs) and _names_sidecar(cs), REASON_SIDECAR_OOM),
    (lambda cs: _is_oom_killed(cs) and _names_step(cs), REASON_STEP_OOM),
    (lambda cs: _exit_code(cs) != 0 and _names_sidecar(cs), REASON_SIDECAR_FAILED),
    (lambda cs: _exit_code(cs) != 0 and _names_step(cs), REASON_STEP_FAILED),
)


class _FailureInfo(msgspec.Struct, frozen=True):
    reason: str
    container: _Json | None = None
    is_init: bool = False


def _failure_info(pod: Pod) -> _FailureInfo:
    """``getFailureInfo``: the failure's class and the container that caused it.

    Priority: eviction; then among init containers a sidecar OOM, an internal init
    container OOM, a sidecar failure, an internal init container failure; then among
    the others a sidecar OOM, a step OOM, a sidecar failure, a step failure (a crashed
    sidecar is the likelier root cause). Otherwise the generic ``Failed``.
    """
    if _pod_status(pod).get("reason") == _EVICTED:
        return _FailureInfo(REASON_POD_EVICTED)
    init = [cs for cs in _init_container_statuses(pod) if _terminated(cs) is not None]
    for matches, reason in _INIT_CONTAINER_FAILURES:
        for cs in init:
            if matches(cs):
                return _FailureInfo(reason, cs, is_init=True)
    regular = [cs for cs in _container_statuses(pod) if _terminated(cs) is not None]
    for matches, reason in _CONTAINER_FAILURES:
        for cs in regular:
            if matches(cs):
                return _FailureInfo(reason, cs)
    return _FailureInfo(REASON_FAILED)


def failure_reason(pod: Pod) -> str:
    """The ``Succeeded=False`` reason of a failed Pod (``StepFailed``, ``StepOOM``,
    ``SidecarFailed``, ``SidecarOOM``, ``InitContainerFailed``, ``InitContainerOOM``,
    ``PodEvicted`` or ``Failed``). Container statuses are read in the given order;
    :func:`make_taskrun_status` first puts them in step order."""
    return _failure_info(pod).reason


def _container_failure_message(cs: _Json) -> str:
    """``extractContainerFailureMessage``."""
    terminated = _terminated(cs)
    if terminated is None:
        return ""
    name = cs.get("name") or ""
    try:
        entries = parse_message(terminated.get("message") or "")
    except TerminationMessageError:
        entries = []
    for entry in entries:
        if (
            entry.type == INTERNAL_TEKTON_RESULT
            and entry.key == "Reason"
            and entry.value == TERMINATION_REASON_TIMEOUT_EXCEEDED
        ):
            return f"{go_quote(name)} exited because the step exceeded the specified timeout limit"
    code = _exit_code(cs)
    if code != 0:
        reason = terminated.get("reason") or ""
        if reason:
            return f"{go_quote(name)} exited with code {code}: {reason}"
        return f"{go_quote(name)} exited with code {code}"
    return ""


def failure_message(pod: Pod) -> str:
    """``getFailureMessage``: what the ``Succeeded=False`` condition says.

    The eviction message for an evicted Pod; else ``"<container>" exited with code N``
    (``: <reason>`` added when the container has one, ``init container failed, `` before
    it for an init container, or ``"<container>" exited because the step exceeded the
    specified timeout limit``) for the container :func:`failure_reason` blames; else the
    Pod's message; else ``OOMKilled``; else ``build failed for unspecified reasons.``.
    """
    status = _pod_status(pod)
    if status.get("reason") == _EVICTED:
        return str(status.get("message") or "")
    info = _failure_info(pod)
    if info.container is not None:
        message = _container_failure_message(info.container)
        if message:
            return "init container failed, " + message if info.is_init else message
    if status.get("message"):
        return str(status["message"])
    if any(
        (_names_step(cs) or _names_sidecar(cs))
        and _terminated(cs) is not None
        and _is_oom_killed(cs)
        for cs in _container_statuses(pod)
    ):
        return _OOM_KILLED
    return "build failed for unspecified reasons."


# -- pending -------------------------------------------------------------------------------


def is_pod_exceeding_node_resources(pod: Pod) -> bool:
    """``IsPodExceedingNodeResources``: unschedulable for want of ``Insufficient`` CPU,
    memory…"""
    return any(
        c.get("reason") == "Unschedulable" and "Insufficient" in (c.get("message") or "")
        for c in _pod_status(pod).get("conditions") or ()
    )


def _any_waiting(pod: Pod, predicate: Any) -> bool:
    for cs in _init_container_statuses(pod) + _container_statuses(pod):
        waiting = _waiting(cs)
        if waiting is not None and predicate(waiting):
            return True
    return False


def _is_config_error(pod: Pod) -> bool:
    # A subPath directory that cannot be created yet may still appear: not an error.
    return _any_waiting(
        pod,
        lambda w: (
            w.get("reason") == REASON_CREATE_CONTAINER_CONFIG_ERROR
            and _SUBPATH_ERROR not in (w.get("message") or "")
        ),
    )


def _is_subpath_directory_error(pod: Pod) -> bool:
    for cs in _container_statuses(pod):
        waiting = _waiting(cs)
        if (
            waiting is not None
            and waiting.get("reason") == REASON_CREATE_CONTAINER_CONFIG_ERROR
            and _SUBPATH_ERROR in (waiting.get("message") or "")
        ):
            return True
    return False


def _is_pull_image_error(pod: Pod) -> bool:
    return _any_waiting(pod, lambda w: w.get("reason") in _IMAGE_ERROR_REASONS)


def _waiting_message(pod: Pod) -> str:
    """``getWaitingMessage``: the first waiting container's message, else the first
    pod condition that is not true, else the Pod's message, else ``Pending``."""
    for cs in _container_statuses(pod):
        waiting = _waiting(cs)
        if waiting is not None and waiting.get("message"):
            return (
                f"build step {go_quote(cs.get('name') or '')} is pending with reason "
                f"{go_quote(waiting['message'])}"
            )
    status = _pod_status(pod)
    for condition in status.get("conditions") or ():
        if condition.get("status") != "True":
            return (
                f"pod status {go_quote(condition.get('type') or '')}:"
                f"{go_quote(condition.get('status') or '')}; message: "
                f"{go_quote(condition.get('message') or '')}"
            )
    if status.get("message"):
        return str(status["message"])
    return "Pending"


def _update_incomplete(trs: TaskRunStatus, pod: Pod, now: datetime) -> None:
    phase = _pod_status(pod).get("phase")
    if phase == "Running":
        set_succeeded_condition(trs, "Unknown", REASON_RUNNING, MESSAGE_RUNNING, now)
    elif phase == "Pending":
        if is_pod_exceeding_node_resources(pod):
            set_succeeded_condition(
                trs,
                "Unknown",
                REASON_EXCEEDED_NODE_RESOURCES,
                "TaskRun Pod exceeded available resources",
                now,
            )
        elif _is_subpath_directory_error(pod):
            set_succeeded_condition(
                trs,
                "Unknown",
                REASON_POD_PENDING,
                "Waiting for subPath directory creation to complete",
                now,
            )
        elif _is_config_error(pod):
            set_succeeded_condition(
                trs,
                "False",
                REASON_CREATE_CONTAINER_CONFIG_ERROR,
                "Failed to create pod due to config error",
                now,
            )
        elif _is_pull_image_error(pod):
            set_succeeded_condition(
                trs, "Unknown", REASON_PULL_IMAGE_FAILED, _waiting_message(pod), now
            )
        else:
            set_succeeded_condition(trs, "Unknown", REASON_POD_PENDING, _waiting_message(pod), now)


def _update_completed(trs: TaskRunStatus, pod: Pod, on_error: str, now: datetime) -> None:
    if did_task_run_fail(pod):
        message = failure_message(pod)
        reason = REASON_FAILURE_IGNORED if on_error == "continue" else failure_reason(pod)
        set_succeeded_condition(trs, "False", reason, message, now)
    else:
        set_succeeded_condition(trs, "True", REASON_SUCCEEDED, MESSAGE_SUCCEEDED, now)
    trs.completion_time = format_time(now)


# -- results -------------------------------------------------------------------------------


def _result_value(text: str) -> tuple[str, Any]:
    """``ParamValue.UnmarshalJSON`` of a result's raw text: a JSON string list is an
    array, a JSON string map an object, a JSON string its content, anything else the
    text itself."""
    if not text:
        return "string", ""
    try:
        data = go_json_loads(text)
    except ValueError:
        return "string", text
    # Go decodes null into a string as "nothing to do", leaving "".
    if (
        text[0] == "["
        and isinstance(data, list)
        and all(item is None or isinstance(item, str) for item in data)
    ):
        return "array", [item or "" for item in data]
    if (
        text[0] == "{"
        and isinstance(data, dict)
        and all(item is None or isinstance(item, str) for item in data.values())
    ):
        return "object", {key: item or "" for key, item in data.items()}
    if data is None:
        return "string", ""
    if isinstance(data, str):
        return "string", data
    return "string", text


def _filter_results(
    results: list[RunResult],
    spec_results: list[TaskResult],
    step_results: list[StepResult],
) -> tuple[list[TaskRunResult], list[TaskRunResult], list[RunResult]]:
    """``filterResults``: task results and step results typed against their
    declarations (declared ``string``: the raw text; otherwise decoded), and the entries
    to show in the step's message (all but the internal ones)."""
    needed = {r.name: r.type for r in spec_results}
    needed_step = {r.name: r.type for r in step_results}
    task_results: list[TaskRunResult] = []
    step_run_results: list[TaskRunResult] = []
    shown: list[RunResult] = []
    for entry in results:
        if entry.type in (TASK_RUN_RESULT, STEP_RESULT):
            declared = needed if entry.type == TASK_RUN_RESULT else needed_step
            if declared.get(entry.key) == "string":
                kind, value = "string", entry.value
            else:
                kind, value = _result_value(entry.value)
            target = task_results if entry.type == TASK_RUN_RESULT else step_run_results
            target.append(TaskRunResult(name=entry.key, type=kind, value=value))
            shown.append(entry)
        elif entry.type != INTERNAL_TEKTON_RESULT:
            shown.append(entry)
    return task_results, step_run_results, shown


_STEP_RESULT_REF = re.compile(r"\$\(steps\.(.*?)\.results\.(.*?)\)")


def _step_results_fetched_by_task(container: str, spec_results: list[TaskResult]) -> dict[str, str]:
    """``findStepResultsFetchedByTask``: step result name → the task result declared as
    ``value: $(steps.<step>.results.<result>)`` of this step's container."""
    needed: dict[str, str] = {}
    for declared in spec_results:
        value = declared.value
        if isinstance(value, str) and value:
            match = _STEP_RESULT_REF.search(value)
            if match is None:
                raise ValueError(
                    "Could not extract step name and result name. Expected value to look "
                    "like $(steps.<stepName>.results.<resultName>) but got "
                    f'"{value}"'
                )
            if container_name(match.group(1)) == container:
                needed[match.group(2)] = declared.name
    return needed


def _task_results_from_step_results(
    step_run_results: list[TaskRunResult], needed: dict[str, str]
) -> list[TaskRunResult]:
    return [
        TaskRunResult(name=needed[r.name], type=r.type, value=copy.copy(r.value))
        for r in step_run_results
        if r.name in needed
    ]


def _remove_duplicate_results(results: list[TaskRunResult] | None) -> list[TaskRunResult] | None:
    """First position, last value, for each result name."""
    if not results:
        return None
    latest: dict[str, TaskRunResult] = {}
    for result in results:
        latest[result.name] = result
    return list(latest.values())


_ENTRYPOINT_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})(Z|[+-]\d{2}:\d{2})"
)


def _parse_started_at(value: str) -> datetime:
    """The step wrapper's start time, ``2006-01-02T15:04:05.000Z07:00``."""
    match = _ENTRYPOINT_TIME.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        year, month, day, hour, minute, second, millis = (int(g) for g in match.groups()[:7])
        zone = match.group(8)
        tz = UTC
        if zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
        return datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=tz)
    except ValueError:
        raise ValueError(
            f"could not parse time value {go_quote(value)} in StartedAt field: parsing time "
            f'{go_quote(value)} as "2006-01-02T15:04:05.000Z07:00": cannot parse '
            f"{go_quote(value)}"
        ) from None


_INT32 = re.compile(r"[+-]?[0-9]+")


def _parse_exit_code(value: str) -> int:
    """``strconv.ParseInt(value, 10, 32)``."""
    if _INT32.fullmatch(value) and -(1 << 31) <= int(value) < (1 << 31):
        return int(value)
    raise ValueError(f"could not parse int value {go_quote(value)} in ExitCode field")


def _termination_reason(container_reason: str, from_results: str, exit_code: int | None) -> str:
    """``getTerminationReason``: the wrapper's reason (Skipped, TimeoutExceeded,
    Cancelled), else ``Continued`` when it recorded an exit code, else the container's."""
    if from_results:
        return from_results
    if exit_code is not None:
        return TERMINATION_REASON_CONTINUED
    return container_reason


# -- artifacts -----------------------------------------------------------------------------


def _json_str(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"json: cannot unmarshal into Go struct field {where} of type string")
    return value


def _decode_artifact_list(value: Any) -> list[Artifact] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValueError("json: cannot unmarshal into Go struct field of type []v1.Artifact")
    artifacts = []
    for item in value:
        artifact = Artifact()
        for key, field_value in (item or {}).items():
            folded = key.casefold()
            if folded == "name":
                artifact.name = _json_str(field_value, "Artifact.name")
            elif folded == "buildoutput":
                artifact.build_output = bool(field_value)
            elif folded == "values" and field_value is not None:
                values = []
                for raw in field_value:
                    entry = ArtifactValue()
                    for vkey, vvalue in (raw or {}).items():
                        vfolded = vkey.casefold()
                        if vfolded == "uri":
                            entry.uri = _json_str(vvalue, "ArtifactValue.uri")
                        elif vfolded == "digest" and vvalue is not None:
                            entry.digest = {
                                k: _json_str(v, "ArtifactValue.digest") for k, v in vvalue.items()
                            }
                    values.append(entry)
                artifact.values = values
        artifacts.append(artifact)
    return artifacts


def _decode_artifacts_into(text: str, artifacts: Artifacts) -> None:
    """``json.Unmarshal`` of a provenance file into ``artifacts`` (fields present
    replace those already there). Raises ValueError."""
    data = go_json_loads(text)
    if data is None:
        return
    if not isinstance(data, dict):
        raise ValueError("json: cannot unmarshal into Go value of type v1.Artifacts")
    for key, value in data.items():
        folded = key.casefold()
        if folded == "inputs":
            artifacts.inputs = _decode_artifact_list(value)
        elif folded == "outputs":
            artifacts.outputs = _decode_artifact_list(value)


def _merge_artifacts(into: Artifacts, other: Artifacts | None) -> None:
    """``Artifacts.Merge``: values are added per artifact name, without duplicates; an
    output once marked ``buildOutput`` stays so. (Tekton iterates Go maps here, so its
    order varies; Tektite keeps first-seen order.)"""
    inputs: dict[str, list[ArtifactValue]] = {}
    for artifact in into.inputs or ():
        inputs[artifact.name] = list(artifact.values or ())
    outputs: dict[str, Artifact] = {}
    for artifact in into.outputs or ():
        outputs[artifact.name] = Artifact(
            name=artifact.name,
            values=list(artifact.values or ()),
            build_output=artifact.build_output,
        )
    if other is not None:
        for artifact in other.inputs or ():
            bucket = inputs.setdefault(artifact.name, [])
            for value in artifact.values or ():
                if value not in bucket:
                    bucket.append(value)
        for artifact in other.outputs or ():
            out = outputs.setdefault(
                artifact.name,
                Artifact(name=artifact.name, values=[], build_output=artifact.build_output),
            )
            if artifact.build_output:
                out.build_output = True
            for value in artifact.values or ():
                if value not in (out.values or []):
                    out.values = [*(out.values or []), value]
    into.inputs = [Artifact(name=k, values=v or None) for k, v in inputs.items()] or None
    into.outputs = [
        Artifact(name=a.name, values=a.values or None, build_output=a.build_output)
        for a in outputs.values()
    ] or None


def _artifacts_path_referenced(steps: list[Step]) -> bool:
    """Whether a step writes step artifacts (then the results sidecar reports them)."""
    for step in steps:
        path = f"/tekton/steps/{container_name(step.name)}/artifacts/provenance.json"
        unresolved = "$(step.artifacts.path)"
        texts = [step.script, *(step.args or ()), *(step.command or ())]
        texts += [env.value or "" for env in step.env or ()]
        if any(path in text or unresolved in text for text in texts):
            return True
    return False


# -- the conversion ------------------------------------------------------------------------


class PodStatusOutcome(msgspec.Struct, frozen=True):
    """A TaskRun status made from a Pod, and what went wrong reading it.

    ``errors`` are Tekton's error texts (unreadable termination messages, bad result
    references…); Tekton logs them and reconciles again, keeping the status.
    ``result_size_exceeded`` marks a sidecar-log result above ``max-result-size``.
    """

    status: TaskRunStatus
    errors: tuple[str, ...] = ()
    result_size_exceeded: bool = False


def _container_state(
    state: _Json,
) -> tuple[
    ContainerStateWaiting | None, ContainerStateRunning | None, ContainerStateTerminated | None
]:
    waiting = running = terminated = None
    if state.get("waiting") is not None:
        w = state["waiting"]
        waiting = ContainerStateWaiting(
            reason=w.get("reason") or "", message=w.get("message") or ""
        )
    if state.get("running") is not None:
        running = ContainerStateRunning(started_at=state["running"].get("startedAt"))
    if state.get("terminated") is not None:
        t = state["terminated"]
        terminated = ContainerStateTerminated(
            exit_code=int(t.get("exitCode") or 0),
            signal=t.get("signal"),
            reason=t.get("reason") or "",
            message=t.get("message") or "",
            started_at=t.get("startedAt"),
            finished_at=t.get("finishedAt"),
            container_id=t.get("containerID") or "",
        )
    return waiting, running, terminated


def _sidecar_state(cs: _Json, state: _Json) -> SidecarState:
    name = cs.get("name") or ""
    waiting, running, terminated = _container_state(state)
    return SidecarState(
        waiting=waiting,
        running=running,
        terminated=terminated,
        name=_trim(name, SIDECAR_PREFIX),
        container=name,
        image_id=cs.get("imageID") or "",
    )


def _spec_results(taskrun: TaskRun, spec: TaskSpec | None) -> list[TaskResult]:
    results = list((taskrun.spec.task_spec.results if taskrun.spec.task_spec else None) or ())
    if spec is not None:
        results += spec.results or ()
    return results


def convert_pod_status(
    taskrun: TaskRun,
    pod: Pod,
    spec: TaskSpec | None,
    *,
    now: datetime,
    results_from: str = "termination-message",
    max_result_size: int = 4096,
    sidecar_logs: str | None = None,
    enable_kubernetes_sidecar: bool = False,
) -> PodStatusOutcome:
    """``MakeTaskRunStatus``, with the errors it reports. ``taskrun`` is not changed.

    ``spec`` is the resolved TaskSpec; ``sidecar_logs`` the log of the results sidecar
    when ``results_from`` is ``sidecar-logs`` (None: not read).
    """
    # Only the status is written: the rest of the run (and the status's taskSpec, which
    # is only read) is shared instead of deep-copied, most of the cost of a pass.
    trs = _status_copy(taskrun.status)
    tr = msgspec.structs.replace(taskrun, status=trs)
    condition = succeeded_condition(trs)
    if condition is None or condition.status == "Unknown":
        set_succeeded_condition(trs, "Unknown", REASON_RUNNING, MESSAGE_RUNNING, now)

    pod = _with_sorted_statuses(pod)
    if is_pod_done(
        pod, results_from=results_from, enable_kubernetes_sidecar=enable_kubernetes_sidecar
    ):
        on_error = tr.metadata.annotations.get(ON_ERROR_ANNOTATION, "")
        _update_completed(trs, pod, on_error, now)
    else:
        _update_incomplete(trs, pod, now)

    trs.pod_name = str((pod.get("metadata") or {}).get("name") or "")
    step_statuses = [
        cs for cs in _container_statuses(pod) if is_container_step(cs.get("name") or "")
    ]
    sidecar_statuses = [
        cs for cs in _container_statuses(pod) if is_container_sidecar(cs.get("name") or "")
    ]
    sidecar_statuses += [
        cs for cs in _init_container_statuses(pod) if is_container_sidecar(cs.get("name") or "")
    ]

    errors: list[str] = []
    size_exceeded = _set_step_states(
        tr,
        step_statuses,
        str(_pod_status(pod).get("phase") or ""),
        spec,
        errors,
        results_from=results_from,
        max_result_size=max_result_size,
        sidecar_logs=sidecar_logs,
    )
    sidecars = [_sidecar_state(cs, _state(cs)) for cs in sidecar_statuses]
    trs.sidecars = sidecars or None
    trs.results = _remove_duplicate_results(trs.results)
    return PodStatusOutcome(trs, tuple(errors), size_exceeded)


def _status_copy(status: TaskRunStatus | None) -> TaskRunStatus:
    """A copy of ``status`` to write to; its ``taskSpec`` is shared (read-only here)."""
    if status is None:
        return TaskRunStatus()
    copied = copy_model(msgspec.structs.replace(status, task_spec=None))
    copied.task_spec = status.task_spec
    return copied


def _set_step_states(
    tr: TaskRun,
    step_statuses: list[_Json],
    phase: str,
    spec: TaskSpec | None,
    errors: list[str],
    *,
    results_from: str,
    max_result_size: int,
    sidecar_logs: str | None,
) -> bool:
    """``setTaskRunStatusBasedOnStepStatus``; returns whether a result was too large."""
    trs = tr.status
    assert trs is not None
    spec_results = _spec_results(tr, spec)
    steps = list((spec.steps if spec else None) or ())
    size_exceeded = False

    sidecar_results: list[RunResult] = []
    if results_from == RESULTS_FROM_SIDECAR_LOGS:
        declared = trs.task_spec is not None and trs.task_spec.results is not None
        if (declared or _artifacts_path_referenced(steps)) and phase != "Pending":
            try:
                sidecar_results = parse_sidecar_log_results(sidecar_logs or "", max_result_size)
            except SidecarLogError as error:
                errors.append(str(error))
                size_exceeded = size_exceeded or error.size_exceeded
                sidecar_results = list(error.partial)

    done = is_done(tr)
    task_results, _, _ = _filter_results(
        [r for r in sidecar_results if r.type == TASK_RUN_RESULT], spec_results, []
    )
    if done:
        trs.results = [*(trs.results or ()), *task_results]
        task_artifacts = Artifacts()
        try:
            for entry in sidecar_results:
                if entry.type == TASK_RUN_ARTIFACTS_RESULT:
                    _decode_artifacts_into(entry.value, task_artifacts)
                    break
        except ValueError as error:
            errors.append(str(error))
        else:
            trs.artifacts = task_artifacts

    provenances: dict[str, Provenance | None] = {s.name: s.provenance for s in trs.steps or ()}
    states: list[StepState] = []
    for cs in step_statuses:
        name = cs.get("name") or ""
        waiting, running, terminated = _container_state(_state(cs))
        step_run_results: list[TaskRunResult] = []
        step_results = [
            r for step in steps if container_name(step.name) == name for r in step.results or ()
        ]
        try:
            needed = _step_results_fetched_by_task(name, spec_results)
        except ValueError as error:
            errors.append(str(error))
            needed = {}

        from_sidecar: list[RunResult] = []
        for entry in sidecar_results:
            if entry.type != STEP_RESULT:
                continue
            try:
                step_of, result_name = split_sidecar_result_name(entry.key)
            except ValueError as error:
                errors.append(str(error))
                from_sidecar = []
                break
            if step_of == name:
                from_sidecar.append(RunResult(result_name, entry.value, entry.type))
        _, sidecar_step_results, _ = _filter_results(from_sidecar, spec_results, step_results)
        if done:
            step_run_results += sidecar_step_results
            trs.results = [
                *(trs.results or ()),
                *_task_results_from_step_results(sidecar_step_results, needed),
            ]

        step_artifacts = Artifacts()
        try:
            for entry in sidecar_results:
                if entry.key == name and entry.type == STEP_ARTIFACTS_RESULT:
                    _decode_artifacts_into(entry.value, step_artifacts)
                    break
        except ValueError as error:
            errors.append(str(error))

        termination_reason = ""
        if terminated is not None and terminated.message:
            try:
                entries = parse_message(terminated.message)
            except TerminationMessageError as error:
                errors.append(str(error))
            else:
                termination_reason = _apply_termination_message(
                    tr,
                    terminated,
                    entries,
                    _StepResults(spec_results, step_results, needed, step_run_results),
                    step_artifacts,
                    errors,
                )
        states.append(
            StepState(
                waiting=waiting,
                running=running,
                terminated=terminated,
                name=_trim(name, STEP_PREFIX),
                container=name,
                image_id=cs.get("imageID") or "",
                results=step_run_results or None,
                provenance=provenances.get(_trim(name, STEP_PREFIX)),
                termination_reason=termination_reason,
                inputs=step_artifacts.inputs,
                outputs=step_artifacts.outputs,
            )
        )
    if states:
        trs.steps = states
    return size_exceeded


class _StepResults(msgspec.Struct, frozen=True):
    """What one step's results are read against, and where they are collected."""

    spec_results: list[TaskResult]
    declared: list[StepResult]
    needed: dict[str, str]
    """Step result name → the task result that copies it."""
    collected: list[TaskRunResult]


def _apply_termination_message(
    tr: TaskRun,
    terminated: ContainerStateTerminated,
    entries: list[RunResult],
    results: _StepResults,
    step_artifacts: Artifacts,
    errors: list[str],
) -> str:
    """Fold one step's decoded termination message into its state and the run's
    results; returns the step's ``terminationReason``."""
    trs = tr.status
    assert trs is not None
    try:
        for entry in entries:
            if entry.type == STEP_ARTIFACTS_RESULT:
                _decode_artifacts_into(entry.value, step_artifacts)
                break
    except ValueError as error:
        errors.append(str(error))
    started_at: datetime | None = None
    exit_code: int | None = None
    # StartedAt and ExitCode are recognised by key alone, as in Tekton.
    started = next((e for e in entries if e.key == "StartedAt"), None)
    if started is not None:
        try:
            started_at = _parse_started_at(started.value)
        except ValueError as error:
            errors.append(str(error))
    code = next((e for e in entries if e.key == "ExitCode"), None)
    if code is not None:
        try:
            exit_code = _parse_exit_code(code.value)
        except ValueError as error:
            errors.append(str(error))

    task_results, step_run_res, shown = _filter_results(
        entries, results.spec_results, results.declared
    )
    if is_done(tr):
        results.collected.extend(step_run_res)
        task_results += _task_results_from_step_results(step_run_res, results.needed)
        trs.results = [*(trs.results or ()), *task_results]
        task_artifacts = Artifacts()
        try:
            for entry in shown:
                if entry.type == TASK_RUN_ARTIFACTS_RESULT:
                    _decode_artifacts_into(entry.value, task_artifacts)
                    break
        except ValueError as error:
            errors.append(str(error))
        if trs.artifacts is None:
            trs.artifacts = Artifacts()
        _merge_artifacts(trs.artifacts, task_artifacts)
        _merge_artifacts(trs.artifacts, step_artifacts)
    terminated.message = encode_results(shown) if shown else ""
    if started_at is not None:
        terminated.started_at = format_time(started_at)
    if exit_code is not None:
        terminated.exit_code = exit_code
    from_results = next(
        (e.value for e in entries if e.type == INTERNAL_TEKTON_RESULT and e.key == "Reason"), ""
    )
    return _termination_reason(terminated.reason, from_results, exit_code)


def make_taskrun_status(
    taskrun: TaskRun,
    pod: Pod,
    spec: TaskSpec | None,
    *,
    now: datetime,
    results_from: str = "termination-message",
    max_result_size: int = 4096,
    sidecar_logs: str | None = None,
    enable_kubernetes_sidecar: bool = False,
) -> TaskRunStatus:
    """``MakeTaskRunStatus``: the TaskRun's status as its Pod shows it at ``now``.

    See :func:`convert_pod_status` for the errors Tekton reports alongside.
    """
    return convert_pod_status(
        taskrun,
        pod,
        spec,
        now=now,
        results_from=results_from,
        max_result_size=max_result_size,
        sidecar_logs=sidecar_logs,
        enable_kubernetes_sidecar=enable_kubernetes_sidecar,
    ).status


def update_step_statuses_from_pod(
    taskrun: TaskRun,
    pod: Pod,
    *,
    now: datetime,
    results_from: str = "termination-message",
    max_result_size: int = 4096,
    sidecar_logs: str | None = None,
) -> None:
    """``updateStepStatusesFromPod``: refresh only ``status.steps`` from the Pod, as Tekton
    does just before timing a run out, so no step is left without a state."""
    spec = taskrun.status.task_spec if taskrun.status else None
    status = make_taskrun_status(
        taskrun,
        pod,
        spec,
        now=now,
        results_from=results_from,
        max_result_size=max_result_size,
        sidecar_logs=sidecar_logs,
    )
    if taskrun.status is None:
        taskrun.status = TaskRunStatus()
    taskrun.status.steps = status.steps


# -- results against their declarations ----------------------------------------------------


def validate_taskrun_results(taskrun: TaskRun, spec: TaskSpec | None) -> str | None:
    """``validateTaskRunResults``: results whose type differs from the declaration are
    removed from the status and reported; then object results missing a declared key.

    Returns the error text (without the ``[User error]`` label) or None.
    """
    status = taskrun.status
    if status is None:
        return None
    spec_results = _spec_results(taskrun, spec)
    needed = {r.name: r.type for r in spec_results}
    mismatched: dict[str, str] = {}
    kept = []
    for result in status.results or ():
        want = needed.get(result.name)
        if want is not None and want != result.type:
            mismatched[result.name] = (
                f'task result is expected to be "{want}" type but was initialized to a '
                f'different type "{result.type}"'
            )
        else:
            kept.append(result)
    status.results = kept or None
    if mismatched:
        listed = ",".join(sorted(f' "{name}": {why}' for name, why in mismatched.items()))
        return (
            "Provided results don't match declared results; may be invalid JSON or missing "
            f"result declaration: {listed}"
        )

    needed_keys: dict[str, list[str]] = {}
    for declared in spec_results:
        if declared.type == "object":
            # Go walks the properties map in random order; sorted keeps messages stable.
            needed_keys.setdefault(declared.name, []).extend(sorted(declared.properties or {}))
    missing: dict[str, list[str]] = {}
    for result in status.results or ():
        # An empty object provides no keys, and Tekton then checks nothing.
        if result.name not in needed_keys or not isinstance(result.value, dict):
            continue
        if not result.value:
            continue
        absent = [k for k in needed_keys[result.name] if k not in result.value]
        if absent:
            missing[result.name] = absent
    if missing:
        return (
            "missing keys for these results which are required in TaskResult's properties "
            f"{go_sprint(missing)}"
        )
    return None


def reconcile_pod_status(
    taskrun: TaskRun,
    pod: Pod,
    spec: TaskSpec | None,
    *,
    now: datetime,
    results_from: str = "termination-message",
    max_result_size: int = 4096,
    sidecar_logs: str | None = None,
    enable_kubernetes_sidecar: bool = False,
) -> tuple[str, ...]:
    """The status part of Tekton's ``reconcile``: ``taskrun.status`` becomes the Pod's
    view (:func:`make_taskrun_status`), then

    - a sidecar-log result above ``max-result-size`` fails the run with
      ``TaskRunResultLargerThanAllowedLimit`` and ``[User error]  TaskRun ""<name>""
      failed: <error>`` (Tekton's doubled space and quotes);
    - otherwise, if reading the Pod gave no error, results that contradict their
      declarations fail it with ``TaskRunValidationFailed``.

    Returns the errors met (Tekton then reconciles again); ``()`` when all went well.
    """
    outcome = convert_pod_status(
        taskrun,
        pod,
        spec,
        now=now,
        results_from=results_from,
        max_result_size=max_result_size,
        sidecar_logs=sidecar_logs,
        enable_kubernetes_sidecar=enable_kubernetes_sidecar,
    )
    taskrun.status = outcome.status
    if outcome.errors:
        if outcome.result_size_exceeded:
            joined = "\n".join(outcome.errors)
            message = (
                f'{USER_ERROR_LABEL} TaskRun "{go_quote(taskrun.metadata.name)}" failed: {joined}'
            )
            fail_taskrun(taskrun, REASON_RESULT_LARGER_THAN_ALLOWED_LIMIT, message, now)
            return ()
        return outcome.errors
    error = validate_taskrun_results(taskrun, spec)
    if error is not None:
        mark_resource_failed(
            taskrun.status, REASON_FAILED_VALIDATION, USER_ERROR_LABEL + error, now
        )
        return (error,)
    return ()
