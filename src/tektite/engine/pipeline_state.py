"""The PipelineRun state machine: what to start next and what the status says.

Port of Tekton's ``pipelinerunstate.go`` and of the pure part of the reconciler's
``runNextSchedulableTask``. One reconcile pass goes::

    facts = PipelineRunFacts.build(state, spec.tasks, spec.finally_, ...)
    plan = plan_next_tasks(facts, now, pr_name)   # records validation failures in facts
    for scheduled in plan.tasks:                  # create the TaskRuns, then
        facts.replace_task(task_with_its_new_runs)
    facts.reset_skip_cache()
    condition = get_pipeline_condition_status(facts, pr_name, now)
    child_refs = get_child_references(facts, now)
    skipped = get_skipped_tasks(facts, now)
    if condition.status != "Unknown":
        results, error = pipeline_run_results(facts, spec.results, now)

Everything takes the current time ``now``; nothing reads a clock or does I/O. The
skip logic is in :mod:`tektite.engine.pipeline_skip`, result references in
:mod:`tektite.engine.pipeline_results`; this module re-exports their public names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import msgspec

from tektite.api.dag import get_candidate_tasks
from tektite.api.durations import MICROSECOND, format_duration_ns
from tektite.api.models import (
    ChildStatusReference,
    Condition,
    PipelineResult,
    PipelineRun,
    PipelineRunResult,
    PipelineTask,
    SkippedTask,
    TaskRun,
)
from tektite.api.variables import apply_replacements, go_quote
from tektite.engine.names import child_name
from tektite.engine.pipeline_apply import apply_pipeline_task_state_context
from tektite.engine.pipeline_facts import (
    CONDITION_SUCCEEDED,
    DEFAULT_PIPELINE_TIMEOUT,
    ON_ERROR_CONTINUE,
    SPEC_STATUS_CANCELLED,
    SPEC_STATUS_CANCELLED_RUN_FINALLY,
    SPEC_STATUS_STOPPED_RUN_FINALLY,
    TASKRUN_CANCELLED_BY_PIPELINE_MSG,
    TASKRUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG,
    PipelineRunFacts,
    PipelineRunTimeouts,
    PipelineTaskState,
    SkipReason,
    child_pipeline_runs,
    get_reason,
    have_any_task_runs_failed,
    is_cancelled,
    is_cancelled_for_timeout,
    is_failure,
    is_running,
    is_scheduled,
    is_successful,
    is_task_run_done,
    task_name,
)
from tektite.engine.pipeline_results import (
    MissingResultFromCompletedTaskError,
    ResolvedResultRef,
    UnresolvedResultError,
    apply_task_results_to_pipeline_results,
    check_missing_result_references,
    get_task_runs_results,
    resolution_view,
    resolve_result_refs,
    results_cache,
    results_index_error,
    substitute_results,
    validate_array_results_index,
)
from tektite.engine.pipeline_skip import (
    PIPELINE_TASK_STATE_NONE,
    PIPELINE_TASKS_AGGREGATE_STATUS,
    CelEvaluationError,
    check_dag_tasks_done,
    check_final_tasks_done,
    check_parents_done,
    evaluate_cel,
    finally_skip_view,
    get_pipeline_final_task_status,
    get_pipeline_task_status,
    is_done,
    is_finally_skipped,
    is_stopping,
    skip,
    when_allows_execution,
)
from tektite.engine.taskrun_state import parse_time

__all__ = [
    "CONDITION_SUCCEEDED",
    "DEFAULT_PIPELINE_TIMEOUT",
    "PIPELINE_TASKS_AGGREGATE_STATUS",
    "PIPELINE_TASK_STATE_NONE",
    "REASON_CANCELLED",
    "REASON_CANCELLED_RUNNING_FINALLY",
    "REASON_CEL_EVALUATION_FAILED",
    "REASON_COMPLETED",
    "REASON_COULDNT_GET_PIPELINE_RESULT",
    "REASON_FAILED",
    "REASON_FAILED_VALIDATION",
    "REASON_RUNNING",
    "REASON_STOPPED_RUNNING_FINALLY",
    "REASON_STOPPING",
    "REASON_SUCCEEDED",
    "REASON_TIMED_OUT",
    "REASON_TIMED_OUT_RUNNING_FINALLY",
    "SPEC_STATUS_CANCELLED",
    "SPEC_STATUS_CANCELLED_RUN_FINALLY",
    "SPEC_STATUS_STOPPED_RUN_FINALLY",
    "TASKRUN_CANCELLED_BY_PIPELINE_MSG",
    "TASKRUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG",
    "CelEvaluationError",
    "MissingResultFromCompletedTaskError",
    "NextTasks",
    "PipelineRunFacts",
    "PipelineRunTimeouts",
    "PipelineTaskState",
    "ResolvedResultRef",
    "ScheduledTask",
    "SkipReason",
    "TaskCounts",
    "UnresolvedResultError",
    "adjust_start_time",
    "any_dag_task_running",
    "apply_task_results_to_pipeline_results",
    "awaited_task_runs",
    "cel_evaluation_failed_message",
    "check_dag_tasks_done",
    "check_final_tasks_done",
    "check_missing_result_references",
    "check_parents_done",
    "completed_or_skipped_dag_tasks",
    "couldnt_get_pipeline_result_message",
    "count_tasks",
    "dag_candidates",
    "dag_execution_queue",
    "evaluate_cel",
    "get_child_references",
    "get_final_tasks",
    "get_pipeline_condition_status",
    "get_pipeline_final_task_status",
    "get_pipeline_task_status",
    "get_reason",
    "get_skipped_tasks",
    "get_task_run_names",
    "get_task_runs_results",
    "have_any_task_runs_failed",
    "is_before_first_task_run",
    "is_cancelled",
    "is_cancelled_for_timeout",
    "is_done",
    "is_failure",
    "is_final_task_started",
    "is_finally_skipped",
    "is_running",
    "is_scheduled",
    "is_stopping",
    "is_successful",
    "pipeline_run_results",
    "plan_next_tasks",
    "resolution_view",
    "resolve_result_refs",
    "results_cache",
    "results_index_error",
    "skip",
    "substitute_results",
    "task_name",
    "tasks_to_time_out",
    "validate_array_results_index",
    "when_allows_execution",
]

# v1.PipelineRunReason values this module decides.
REASON_RUNNING = "Running"
REASON_SUCCEEDED = "Succeeded"
REASON_COMPLETED = "Completed"
REASON_FAILED = "Failed"
REASON_CANCELLED = "Cancelled"
REASON_TIMED_OUT = "PipelineRunTimeout"
REASON_STOPPING = "PipelineRunStopping"
REASON_TIMED_OUT_RUNNING_FINALLY = "PipelineRunTimeoutRunningFinally"
REASON_CANCELLED_RUNNING_FINALLY = "CancelledRunningFinally"
REASON_STOPPED_RUNNING_FINALLY = "StoppedRunningFinally"
REASON_FAILED_VALIDATION = "PipelineValidationFailed"
REASON_CEL_EVALUATION_FAILED = "CELEvaluationFailed"
REASON_COULDNT_GET_PIPELINE_RESULT = "CouldntGetPipelineResult"

_USER_ERROR_LABEL = "[User error] "
_MAX_VALIDATION_MESSAGE_BYTES = 1024


# -- scheduling ------------------------------------------------------------------------------


def _unscheduled(state: Iterable[PipelineTaskState], names: set[str]) -> list[PipelineTaskState]:
    """Tekton's ``getNextTasks``: the named tasks without any child run, in state order."""
    return [
        t for t in state if task_name(t) in names and not t.task_runs and not child_pipeline_runs(t)
    ]


def completed_or_skipped_dag_tasks(facts: PipelineRunFacts, now: datetime) -> list[str]:
    """Names of the DAG tasks that are done (succeeded, failed, skipped or invalid)."""
    return [
        task_name(t)
        for t in facts.state
        if facts.is_dag_task(task_name(t)) and is_done(t, facts, now)
    ]


def dag_candidates(facts: PipelineRunFacts, now: datetime) -> list[PipelineTaskState]:
    """Tekton's ``DAGExecutionQueue``: unscheduled DAG tasks whose parents are all done.

    Empty when the run is cancelled (also gracefully), stopping or gracefully stopped.
    A skipped task counts as done, so it is never a candidate. Raises ``DagError`` for
    an inconsistent state, as Tekton does.
    """
    if facts.is_cancelled() or facts.is_gracefully_cancelled():
        return []
    candidates = get_candidate_tasks(facts.tasks_graph, completed_or_skipped_dag_tasks(facts, now))
    if is_stopping(facts) or facts.is_gracefully_stopped():
        return []
    return _unscheduled(facts.state, candidates)


def dag_execution_queue(facts: PipelineRunFacts, now: datetime) -> list[PipelineTaskState]:
    """The DAG tasks to start now: :func:`dag_candidates` that are not skipped.

    The same as the candidates unless the facts changed since the skip decisions were
    cached (Tekton re-checks ``Skip`` just before creating runs).
    """
    return [t for t in dag_candidates(facts, now) if skip(t, facts, now) is None]


def get_final_tasks(facts: PipelineRunFacts, now: datetime) -> list[PipelineTaskState]:
    """Unscheduled finally tasks, once every DAG task is done (``GetFinalTasks``)."""
    if not check_dag_tasks_done(facts, now):
        return []
    finals = {task_name(t) for t in facts.state if facts.is_final_task(task_name(t))}
    return _unscheduled(facts.state, finals)


def is_final_task_started(facts: PipelineRunFacts, now: datetime) -> bool:
    """The DAG is done and some finally task has a child run."""
    return check_dag_tasks_done(facts, now) and any(
        facts.is_final_task(task_name(t)) and is_scheduled(t) for t in facts.state
    )


def any_dag_task_running(facts: PipelineRunFacts) -> bool:
    """Some DAG task has a run that is not finished (Tekton's ``facts.IsRunning``)."""
    return any(facts.is_dag_task(task_name(t)) and is_running(t) for t in facts.state)


def awaited_task_runs(facts: PipelineRunFacts) -> list[set[str]]:
    """The names of the child TaskRuns still running, in the groups whose ends a pass
    waits for: one per task not started yet, the running TaskRuns of its parents (it
    may start once they have all ended), and one of them all (once they have all
    ended, the finally tasks start or the run ends). Empty when none is running.

    While a TaskRun that ends well leaves another member in each of its groups, a pass
    would only count it among the completed tasks of the Running condition's message:
    the controller then coalesces such ends into a later pass (``Controller``). Any
    other end, and any other change, still asks for a pass at once.
    """
    running = {
        task_name(t): {tr.metadata.name for tr in t.task_runs if not is_task_run_done(tr)}
        for t in facts.state
    }
    everything = set().union(*running.values())
    if not everything:
        return []
    groups = [everything]
    for t in facts.state:
        node = facts.tasks_graph.nodes.get(task_name(t))
        if node is None or t.task_runs or child_pipeline_runs(t):
            continue  # a finally task (it waits for them all), or started
        awaited = set().union(*(running.get(parent.key, ()) for parent in node.prev))
        if awaited:
            groups.append(awaited)
    return groups


def tasks_to_time_out(facts: PipelineRunFacts, now: datetime) -> list[PipelineTaskState]:
    """Running tasks the reconciler cancels for a timeout before scheduling.

    Before finally has started: the running DAG tasks once the tasks timeout elapsed.
    After: the running finally tasks once the finally timeout elapsed. (The pipeline
    timeout cancels every child; that is the caller's separate step.)
    """
    if facts.timeouts.finally_start_time is None:
        if not facts.have_tasks_timed_out(now):
            return []
        return [t for t in facts.state if not facts.is_final_task(task_name(t)) and is_running(t)]
    if not facts.has_finally_timed_out(now):
        return []
    return [t for t in facts.state if facts.is_final_task(task_name(t)) and is_running(t)]


def is_before_first_task_run(state: Iterable[PipelineTaskState]) -> bool:
    """No child run (TaskRun or child PipelineRun) exists yet."""
    return not any(t.task_runs or child_pipeline_runs(t) for t in state)


class ScheduledTask(msgspec.Struct, frozen=True):
    """A task to create runs for, with its PipelineTask as the runs must see it."""

    task: PipelineTaskState
    pipeline_task: PipelineTask


class NextTasks(msgspec.Struct):
    """What one pass schedules (the pure part of Tekton's ``runNextSchedulableTask``).

    ``tasks`` are to be created now, DAG tasks first, each with its PipelineTask as the
    TaskRuns must see it (results substituted; finally tasks also the DAG's execution
    status). ``validation_failed`` maps tasks whose result references failed validation
    to the error (also recorded in the facts). ``finally_start_time`` is set when
    ``status.finallyStartTime`` must be stamped now. ``cel_error`` is the condition
    message when a finally task's CEL could not be evaluated: the run fails with
    ``CELEvaluationFailed`` and nothing is created.
    """

    tasks: list[ScheduledTask] = msgspec.field(default_factory=list)
    validation_failed: dict[str, str] = msgspec.field(default_factory=dict)
    finally_start_time: datetime | None = None
    cel_error: str | None = None


def plan_next_tasks(
    facts: PipelineRunFacts, now: datetime, pipelinerun_name: str = ""
) -> NextTasks:
    """Decide which child runs to create in this pass.

    Like Tekton's reconciler this records, in ``facts``, the tasks that fail result
    validation (they count as done, so finally may start in the same pass) and the
    finally start time. It keeps the skip cache, as Tekton does within the pass.
    """
    plan = NextTasks()
    queue: list[ScheduledTask] = []
    for task in dag_candidates(facts, now):
        error = check_missing_result_references(facts.by_name, resolution_view(facts, task))
        if error is None:
            queue.append(ScheduledTask(task, resolution_view(facts, task)))
            continue
        plan.validation_failed[task_name(task)] = error
        facts.validation_failed[task_name(task)] = error
    if plan.validation_failed:
        # One invalid task stops every DAG task of this pass; finally may still run.
        queue = []

    finals = get_final_tasks(facts, now)
    if finals:
        status = get_pipeline_task_status(facts, now)
        for task in finals:
            pt = apply_pipeline_task_state_context(resolution_view(facts, task), status)
            try:
                refs = resolve_result_refs(facts.by_name, pt)
            except UnresolvedResultError:
                continue  # skipped below as "Results were missing"
            pt = substitute_results(pt, refs)
            try:
                evaluate_cel(pt)
            except CelEvaluationError as err:
                plan.cel_error = cel_evaluation_failed_message(pipelinerun_name, str(err))
                return plan
            queue.append(ScheduledTask(task, pt))

    starts_finally = is_final_task_started(facts, now) or any(
        facts.is_final_task(task_name(s.task)) for s in queue
    )
    if facts.timeouts.finally_start_time is None and starts_finally:
        plan.finally_start_time = now
        facts.set_finally_start_time(now)

    plan.tasks = [
        s
        for s in queue
        if skip(s.task, facts, now) is None and is_finally_skipped(s.task, facts, now) is None
    ]
    return plan


# -- the Succeeded condition -----------------------------------------------------------------


class TaskCounts(msgspec.Struct):
    """How many tasks ended which way (Tekton's ``pipelineRunStatusCount``)."""

    succeeded: int = 0
    failed: int = 0
    ignored_failed: int = 0
    cancelled: int = 0
    skipped: int = 0
    skipped_due_to_timeout: int = 0
    validation_failed: int = 0
    incomplete: int = 0


def count_tasks(facts: PipelineRunFacts, now: datetime) -> TaskCounts:
    """Classify every task, first match wins: succeeded, cancelled by the pipeline's
    timeout (counted failed), cancelled, failed (ignored with ``onError: continue``),
    validation-failed, skipped by a timeout, skipped, else incomplete."""
    counts = TaskCounts()
    for t in facts.state:
        reason = skip(t, facts, now)
        finally_reason = is_finally_skipped(t, facts, now)
        if is_successful(t):
            counts.succeeded += 1
        elif is_cancelled_for_timeout(t):
            counts.failed += 1
        elif is_cancelled(t):
            counts.cancelled += 1
        elif is_failure(t):
            if t.pipeline_task.on_error == ON_ERROR_CONTINUE:
                counts.ignored_failed += 1
            else:
                counts.failed += 1
        elif facts.is_validation_failed(task_name(t)):
            counts.validation_failed += 1
        elif (
            reason in (SkipReason.PIPELINE_TIMED_OUT, SkipReason.TASKS_TIMED_OUT)
            or finally_reason is SkipReason.FINALLY_TIMED_OUT
        ):
            counts.skipped += 1
            counts.skipped_due_to_timeout += 1
        elif reason is not None or finally_reason is not None:
            counts.skipped += 1
        else:
            counts.incomplete += 1
    return counts


def _duration_text(duration: timedelta | None) -> str:
    duration = duration or timedelta(0)
    micros = (duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds
    return format_duration_ns(micros * MICROSECOND)


def _truncate_bytes(text: str, limit: int) -> str:
    raw = text.encode()
    if len(raw) <= limit:
        return text
    # Go slices the bytes and JSON encoding then turns each stray byte of a cut
    # character into U+FFFD.
    cut = raw[:limit].decode(errors="surrogateescape")
    cut = "".join("\ufffd" if "\udc80" <= ch <= "\udcff" else ch for ch in cut)
    return cut + "..."


def _validation_details(facts: PipelineRunFacts) -> str:
    errors = "; ".join(facts.validation_failed[name] for name in sorted(facts.validation_failed))
    return _truncate_bytes(errors, _MAX_VALIDATION_MESSAGE_BYTES)


def _condition(status: str, reason: str, message: str) -> Condition:
    return Condition(type=CONDITION_SUCCEEDED, status=status, reason=reason, message=message)


def _final_condition(
    facts: PipelineRunFacts, counts: TaskCounts, pipelinerun_name: str
) -> Condition:
    completed = counts.succeeded + counts.failed + counts.cancelled + counts.ignored_failed
    total_failed = counts.failed + counts.ignored_failed
    if counts.ignored_failed > 0:
        failed = f"{total_failed} (Ignored: {counts.ignored_failed})"
    else:
        failed = str(total_failed)
    message = (
        f"Tasks Completed: {completed} (Failed: {failed}, Cancelled {counts.cancelled}), "
        f"Skipped: {counts.skipped}"
    )
    if counts.validation_failed > 0:
        message += f", Failed Validation: {counts.validation_failed}"
        if facts.validation_failed:
            message += f" ({_validation_details(facts)})"
    status = "True"
    reason = REASON_COMPLETED if counts.skipped > 0 else REASON_SUCCEEDED
    if counts.validation_failed > 0:
        status, reason = "False", REASON_FAILED_VALIDATION
    elif counts.failed > 0 or counts.skipped_due_to_timeout > 0:
        status, reason = "False", REASON_FAILED
    elif facts.is_gracefully_cancelled() or facts.is_gracefully_stopped():
        status, reason = "False", REASON_CANCELLED
        message = f"PipelineRun {go_quote(pipelinerun_name)} was cancelled"
    elif counts.cancelled > 0:
        status, reason = "False", REASON_CANCELLED
    return _condition(status, reason, message)


def get_pipeline_condition_status(
    facts: PipelineRunFacts, pipelinerun_name: str, now: datetime
) -> Condition:
    """The PipelineRun's ``Succeeded`` condition (Tekton's ``GetPipelineConditionStatus``).

    The pipeline timeout wins; the tasks timeout fails the run only once finally is
    done (or absent). When no task is incomplete the run ends: validation failures,
    then failures (or tasks skipped by a timeout), then a graceful cancel/stop, then
    cancelled tasks decide; else it succeeded (``Completed`` when something was
    skipped). Otherwise it is running, possibly in an interim state. The condition
    carries no ``lastTransitionTime``; the caller's ``Mark*`` step sets it.
    """
    quoted_name = go_quote(pipelinerun_name)
    if facts.has_timed_out(now):
        return _condition(
            "False",
            REASON_TIMED_OUT,
            f"PipelineRun {quoted_name} failed to finish within "
            f"{go_quote(_duration_text(facts.timeouts.pipeline))}",
        )
    tasks_timed_out = facts.have_tasks_timed_out(now)
    if tasks_timed_out and (not facts.has_final_tasks() or check_final_tasks_done(facts, now)):
        return _condition(
            "False",
            REASON_TIMED_OUT,
            f"PipelineRun {quoted_name} failed due to tasks failed to finish within "
            f"{go_quote(_duration_text(facts.timeouts.tasks))}",
        )

    counts = count_tasks(facts, now)
    if counts.incomplete == 0:
        return _final_condition(facts, counts, pipelinerun_name)

    reason = REASON_RUNNING
    if tasks_timed_out and facts.has_final_tasks() and not check_final_tasks_done(facts, now):
        reason = REASON_TIMED_OUT_RUNNING_FINALLY
    elif facts.is_gracefully_cancelled():
        reason = REASON_CANCELLED_RUNNING_FINALLY
    elif facts.is_gracefully_stopped():
        reason = REASON_STOPPED_RUNNING_FINALLY
    elif counts.cancelled > 0 or (counts.failed > 0 and check_final_tasks_done(facts, now)):
        reason = REASON_STOPPING
    completed = counts.succeeded + counts.failed + counts.cancelled + counts.ignored_failed
    return _condition(
        "Unknown",
        reason,
        f"Tasks Completed: {completed} (Failed: {counts.failed}, Cancelled {counts.cancelled}), "
        f"Incomplete: {counts.incomplete}, Skipped: {counts.skipped}",
    )


def cel_evaluation_failed_message(pipelinerun_name: str, error: str) -> str:
    """The ``CELEvaluationFailed`` condition message (the error is a user error)."""
    return f"{_USER_ERROR_LABEL}Error evaluating CEL {pipelinerun_name}: {error}"


def couldnt_get_pipeline_result_message(pipelinerun_name: str, error: str) -> str:
    """The ``CouldntGetPipelineResult`` condition message."""
    return (
        f"Failed to get PipelineResult from TaskRun Results for PipelineRun "
        f"{pipelinerun_name}: {error}"
    )


# -- status fields ---------------------------------------------------------------------------


def _display_name(pt: PipelineTask, run: TaskRun | PipelineRun) -> str:
    replacements = {
        f"params.{p.name}": p.value for p in run.spec.params or () if isinstance(p.value, str)
    }
    display_name = apply_replacements(pt.display_name, replacements) if pt.display_name else ""
    if pt.matrix is not None:
        names = ""
        for include in pt.matrix.include or ():
            if not include.name:
                continue
            matches = True
            for param in include.params or ():
                value = replacements.get(f"params.{param.name}")
                if value is None or (isinstance(param.value, str) and param.value != value):
                    matches = False
                    break
            if matches:
                names = f"{names} {apply_replacements(include.name, replacements)}"
        if names:
            display_name = names.strip()
    return display_name


def get_child_references(facts: PipelineRunFacts, now: datetime) -> list[ChildStatusReference]:
    """``status.childReferences``: one entry per existing TaskRun or child PipelineRun
    (``kind: PipelineRun``, ``apiVersion: tekton.dev/v1``), in state order.

    Display names get the run's string params substituted; a matrixed task's
    runs are named after the ``matrix.include`` entries they match. When expressions
    are reported with the results of finished tasks substituted.
    """
    refs: list[ChildStatusReference] = []
    for task in facts.state:
        pt = resolution_view(facts, task)
        pipeline_runs = child_pipeline_runs(task)
        if pipeline_runs:
            # Tekton's switch: a task's child PipelineRuns, else its TaskRuns.
            for pipelinerun in pipeline_runs:
                refs.append(
                    ChildStatusReference(
                        api_version="tekton.dev/v1",
                        kind="PipelineRun",
                        name=pipelinerun.metadata.name,
                        display_name=_display_name(pt, pipelinerun),
                        pipeline_task_name=task_name(task),
                        when_expressions=pt.when,
                    )
                )
            continue
        for taskrun in task.task_runs:
            refs.append(
                ChildStatusReference(
                    api_version="tekton.dev/v1",
                    kind="TaskRun",
                    name=taskrun.metadata.name,
                    display_name=_display_name(pt, taskrun),
                    pipeline_task_name=task_name(task),
                    when_expressions=pt.when,
                )
            )
    return refs


def get_skipped_tasks(facts: PipelineRunFacts, now: datetime) -> list[SkippedTask]:
    """``status.skippedTasks``, in state order.

    A skipped DAG task carries its when expressions whatever the reason; a skipped
    finally task only when they are the reason.
    """
    skipped: list[SkippedTask] = []
    for task in facts.state:
        name = task_name(task)
        reason = skip(task, facts, now)
        if reason is not None:
            whens = resolution_view(facts, task).when
            skipped.append(SkippedTask(name=name, reason=reason.value, when_expressions=whens))
        finally_reason = is_finally_skipped(task, facts, now)
        if finally_reason is not None:
            entry = SkippedTask(name=name, reason=finally_reason.value)
            if finally_reason is SkipReason.WHEN_EXPRESSIONS:
                entry.when_expressions = finally_skip_view(task, facts, now).when
            skipped.append(entry)
    return skipped


def pipeline_run_results(
    facts: PipelineRunFacts, results: Sequence[PipelineResult] | None, now: datetime
) -> tuple[list[PipelineRunResult], str | None]:
    """``status.results`` once the run has finished, and the error if some could not be
    computed (the run then fails with ``CouldntGetPipelineResult``, see
    :func:`couldnt_get_pipeline_result_message`)."""
    if not results:
        return [], None  # (what follows reads every task's status and results)
    status = {**get_pipeline_task_status(facts, now), **get_pipeline_final_task_status(facts)}
    return apply_task_results_to_pipeline_results(results, get_task_runs_results(facts), status)


def adjust_start_time(state: Iterable[PipelineTaskState], start_time: datetime) -> datetime:
    """Move the start time back to the earliest child run's creation, if earlier."""
    adjusted = start_time
    for task in state:
        runs: list[TaskRun | PipelineRun] = [*child_pipeline_runs(task), *task.task_runs]
        for run in runs:
            created = run.metadata.creation_timestamp
            if created is not None and parse_time(created) < adjusted:
                adjusted = parse_time(created)
    return adjusted


def get_task_run_names(
    child_refs: Iterable[ChildStatusReference] | None,
    pipeline_task_name: str,
    pipelinerun_name: str,
    count: int,
) -> list[str]:
    """The TaskRun names of a PipelineTask (Tekton's ``GetNamesOfTaskRuns``).

    Names already recorded in ``status.childReferences`` are kept; otherwise
    ``<pr>-<task>``, or ``<pr>-<task>-<i>`` per matrix combination when there are
    several (shortened to 63 characters with the index kept).
    """
    known = [
        ref.name
        for ref in child_refs or ()
        if ref.kind == "TaskRun" and ref.pipeline_task_name == pipeline_task_name
    ]
    if known:
        return known
    if count == 1:
        return [child_name(pipelinerun_name, f"-{pipeline_task_name}")]
    names: list[str] = []
    for index in range(count):
        name = child_name(pipelinerun_name, f"-{pipeline_task_name}-{index}")
        if not name.endswith(f"-{index}"):
            longest = 63 - len(f"-{count}")
            name = f"{child_name(pipelinerun_name, f'-{pipeline_task_name}')[:longest]}-{index}"
        names.append(name)
    return names
