"""What a PipelineRun reconcile pass knows: Tekton's ``PipelineRunFacts``
(``pkg/reconciler/pipelinerun/resources``) as plain data.

This module holds the data model and the predicates that only look at a task's own
child TaskRuns (succeeded, failed, cancelled, running, the reason a finally task sees).
The decisions that need the whole graph live in :mod:`tektite.engine.pipeline_skip`
(skipping) and :mod:`tektite.engine.pipeline_state` (scheduling and status); result
references in :mod:`tektite.engine.pipeline_results`.

A task of the state is anything shaped like Tekton's ``ResolvedPipelineTask`` (see
:class:`PipelineTaskState`). A matrixed PipelineTask has several child TaskRuns;
Tekton aggregates them: the task succeeded when all of them did, failed when one failed
and all are done, and so on. Retries are the TaskRun's own business (a retried TaskRun
stays ``Unknown`` until its last attempt), so nothing here counts attempts.

Pipelines in pipelines (alpha): a PipelineTask with ``pipelineRef``/``pipelineSpec`` runs
child PipelineRuns instead of TaskRuns (:func:`child_pipeline_runs`). Tekton reads their
``Succeeded`` condition for success, failure, running and the reason, but its
``isCancelled``, ``isCancelledForTimeOut`` and ``isScheduled`` look at TaskRuns only, so
for such a task they are always false; the same holds here. Custom tasks
(``CustomRun``) are not modelled: Tektite has no CustomRun type yet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from tektite.api.dag import Graph, build
from tektite.api.durations import parse_duration_ns
from tektite.api.models import (
    Condition,
    PipelineRun,
    PipelineTask,
    TaskRun,
)
from tektite.api.validation.pipeline import pipeline_task_deps
from tektite.engine.taskrun_state import succeeded_condition

__all__ = [
    "CONDITION_SUCCEEDED",
    "DEFAULT_PIPELINE_TIMEOUT",
    "ON_ERROR_CONTINUE",
    "SPEC_STATUS_CANCELLED",
    "SPEC_STATUS_CANCELLED_RUN_FINALLY",
    "SPEC_STATUS_STOPPED_RUN_FINALLY",
    "TASKRUN_CANCELLED_BY_PIPELINE_MSG",
    "TASKRUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG",
    "TASKRUN_REASON_CANCELLED",
    "PipelineRunFacts",
    "PipelineRunTimeouts",
    "PipelineTaskState",
    "SkipReason",
    "child_pipeline_runs",
    "get_reason",
    "have_any_task_runs_failed",
    "is_cancelled",
    "is_cancelled_for_timeout",
    "is_child_pipeline",
    "is_failure",
    "is_running",
    "is_scheduled",
    "is_successful",
    "is_task_run_done",
    "is_task_run_failure",
    "is_task_run_successful",
    "task_name",
]

CONDITION_SUCCEEDED = "Succeeded"

SPEC_STATUS_CANCELLED = "Cancelled"
SPEC_STATUS_CANCELLED_RUN_FINALLY = "CancelledRunFinally"
SPEC_STATUS_STOPPED_RUN_FINALLY = "StoppedRunFinally"

ON_ERROR_CONTINUE = "continue"

TASKRUN_REASON_CANCELLED = "TaskRunCancelled"
TASKRUN_CANCELLED_BY_PIPELINE_MSG = (
    "TaskRun cancelled as the PipelineRun it belongs to has been cancelled."
)
TASKRUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG = (
    "TaskRun cancelled as the PipelineRun it belongs to has timed out."
)

DEFAULT_PIPELINE_TIMEOUT = timedelta(minutes=60)
"""``default-timeout-minutes`` when config-defaults does not set it."""


class SkipReason(StrEnum):
    """Tekton's ``SkippingReason``: the text users see in ``status.skippedTasks``."""

    WHEN_EXPRESSIONS = "When Expressions evaluated to false"
    PARENT_TASKS = "Parent Tasks were skipped"
    STOPPING = "PipelineRun was stopping"
    GRACEFULLY_CANCELLED = "PipelineRun was gracefully cancelled"
    GRACEFULLY_STOPPED = "PipelineRun was gracefully stopped"
    MISSING_RESULTS = "Results were missing"
    PIPELINE_TIMED_OUT = "PipelineRun timeout has been reached"
    TASKS_TIMED_OUT = "PipelineRun Tasks timeout has been reached"
    FINALLY_TIMED_OUT = "PipelineRun Finally timeout has been reached"
    EMPTY_ARRAY_IN_MATRIX_PARAMS = "Matrix Parameters have an empty array"


# -- one PipelineTask and its child runs -------------------------------------------------


class PipelineTaskState(Protocol):
    """What the state machine reads of a resolved PipelineTask.

    :class:`tektite.engine.resolve_pipelinerun.ResolvedPipelineTask` is one: the
    PipelineTask as in ``status.pipelineSpec`` (params and context substituted; task
    results are substituted here, when they can be resolved) and its existing child
    TaskRuns, one per matrix combination, in run-name order. Whether a task is a
    ``finally`` task is decided by the graphs in :class:`PipelineRunFacts`, as in Tekton.
    """

    @property
    def pipeline_task(self) -> PipelineTask:
        """The PipelineTask."""
        ...

    @property
    def task_runs(self) -> Sequence[TaskRun]:
        """Its child TaskRuns that exist."""
        ...

    @property
    def child_pipeline_runs(self) -> Sequence[PipelineRun]:
        """Its child PipelineRuns that exist (pipelines in pipelines)."""
        ...


def task_name(task: PipelineTaskState) -> str:
    """The PipelineTask's name."""
    return task.pipeline_task.name


def is_child_pipeline(task: PipelineTaskState) -> bool:
    """Tekton's ``IsChildPipeline``: the PipelineTask has a ``pipelineRef``/``pipelineSpec``."""
    pt = task.pipeline_task
    return pt.pipeline_spec is not None or pt.pipeline_ref is not None


def child_pipeline_runs(task: PipelineTaskState) -> Sequence[PipelineRun]:
    """The task's child PipelineRuns (empty unless it is a child pipeline)."""
    return task.child_pipeline_runs if is_child_pipeline(task) else ()


_Run = TaskRun | PipelineRun


def _runs(task: PipelineTaskState) -> Sequence[_Run]:
    """The runs whose conditions decide the task: its child PipelineRuns for a child
    pipeline, else its TaskRuns (Tekton's per-kind branches of ``isSuccessful`` etc.)."""
    if is_child_pipeline(task):
        return task.child_pipeline_runs
    return task.task_runs


def _succeeded(run: _Run) -> Condition | None:
    """The ``Succeeded`` condition of a TaskRun or PipelineRun."""
    for condition in (run.status.conditions if run.status else None) or ():
        if condition.type == CONDITION_SUCCEEDED:
            return condition
    return None


def _run_successful(run: _Run) -> bool:
    condition = _succeeded(run)
    return condition is not None and condition.status == "True"


def _run_failure(run: _Run) -> bool:
    condition = _succeeded(run)
    return condition is not None and condition.status == "False"


def _run_done(run: _Run) -> bool:
    condition = _succeeded(run)
    return condition is not None and condition.status != "Unknown"


def is_task_run_successful(taskrun: TaskRun) -> bool:
    """``TaskRun.IsSuccessful``: ``Succeeded=True``."""
    condition = succeeded_condition(taskrun)
    return condition is not None and condition.status == "True"


def is_task_run_failure(taskrun: TaskRun) -> bool:
    """``TaskRun.IsFailure``: ``Succeeded=False``."""
    condition = succeeded_condition(taskrun)
    return condition is not None and condition.status == "False"


def is_task_run_done(taskrun: TaskRun) -> bool:
    """``TaskRun.IsDone``: a ``Succeeded`` condition that is not ``Unknown``."""
    condition = succeeded_condition(taskrun)
    return condition is not None and condition.status != "Unknown"


def _cancelled(taskrun: TaskRun) -> bool:
    condition = succeeded_condition(taskrun)
    return (
        condition is not None
        and condition.status == "False"
        and condition.reason == TASKRUN_REASON_CANCELLED
    )


def is_scheduled(task: PipelineTaskState) -> bool:
    """At least one child TaskRun exists.

    Tekton's ``isScheduled`` counts TaskRuns only: a child pipeline is never
    "scheduled", which matters to the skip rules (a running child pipeline can be
    reported as skipped once the run is stopping, as in Tekton).
    """
    return bool(task.task_runs)


def is_successful(task: PipelineTaskState) -> bool:
    """Every child run succeeded (and there is at least one)."""
    runs = _runs(task)
    return bool(runs) and all(_run_successful(r) for r in runs)


def have_any_task_runs_failed(task: PipelineTaskState) -> bool:
    """Some child run is ``Succeeded=False``, whether or not the others are done
    (Tekton's ``haveAnyRunsFailed``)."""
    return any(_run_failure(r) for r in _runs(task))


def is_failure(task: PipelineTaskState) -> bool:
    """A child run failed and all of them are done.

    True also for ``onError: continue`` tasks: whether the failure fails the run is the
    caller's question (see ``is_stopping`` and the condition counts).
    """
    runs = _runs(task)
    if not runs:
        return False
    return have_any_task_runs_failed(task) and all(_run_done(r) for r in runs)


def is_cancelled(task: PipelineTaskState) -> bool:
    """A child TaskRun ended ``TaskRunCancelled`` and all of them are done (never for a
    child pipeline: Tekton looks at TaskRuns only)."""
    if not task.task_runs:
        return False
    done = all(is_task_run_done(tr) for tr in task.task_runs)
    return done and any(_cancelled(tr) for tr in task.task_runs)


def is_cancelled_for_timeout(task: PipelineTaskState) -> bool:
    """Like :func:`is_cancelled`, for a TaskRun the PipelineRun cancelled on timeout.

    Such tasks count as failed, not cancelled, in the PipelineRun's condition.
    """
    if not task.task_runs:
        return False
    done = all(is_task_run_done(tr) for tr in task.task_runs)
    return done and any(
        _cancelled(tr) and tr.spec.status_message == TASKRUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG
        for tr in task.task_runs
    )


def is_running(task: PipelineTaskState) -> bool:
    """Scheduled (a child run exists), and neither successful nor failed yet."""
    return bool(_runs(task)) and not is_successful(task) and not is_failure(task)


def _first_condition(run: _Run) -> Condition | None:
    # Tekton reads Conditions[0], whatever its type.
    conditions = run.status.conditions if run.status else None
    return conditions[0] if conditions else None


def get_reason(task: PipelineTaskState) -> str:
    """``$(tasks.<t>.reason)``: the first unsuccessful run's reason, else the first run's.

    ``""`` when the task has no run (skipped or not started).
    """
    runs = _runs(task)
    for run in runs:
        condition = _first_condition(run)
        if not _run_successful(run) and condition is not None:
            return condition.reason
    if runs:
        condition = _first_condition(runs[0])
        if condition is not None:
            return condition.reason
    return ""


# -- timeouts --------------------------------------------------------------------------------


def _duration(text: str | None) -> timedelta | None:
    if text is None:
        return None
    return timedelta(microseconds=parse_duration_ns(text) // 1000)


@dataclass(frozen=True, slots=True)
class PipelineRunTimeouts:
    """The PipelineRun's start times and its three timeouts.

    ``pipeline`` is the effective pipeline timeout (the default applied); ``tasks`` and
    ``finally_`` are Tekton's ``TasksTimeout()`` / ``FinallyTimeout()`` (derived from the
    other two when unset). A zero duration means "no timeout"; ``None`` means unset.
    """

    start_time: datetime | None = None
    finally_start_time: datetime | None = None
    pipeline: timedelta | None = None
    tasks: timedelta | None = None
    finally_: timedelta | None = None

    @classmethod
    def from_pipelinerun(
        cls,
        pipelinerun: PipelineRun,
        *,
        default_timeout: timedelta = DEFAULT_PIPELINE_TIMEOUT,
        start_time: datetime | None = None,
        finally_start_time: datetime | None = None,
    ) -> PipelineRunTimeouts:
        """The timeouts of ``pipelinerun`` as Tekton computes them.

        Start times are passed parsed (the controller owns timestamp parsing).
        Raises ``GoDurationError`` for a malformed duration (admission refuses those).
        """
        fields = pipelinerun.spec.timeouts
        pipeline = _duration(fields.pipeline) if fields else None
        tasks = _duration(fields.tasks) if fields else None
        finally_ = _duration(fields.finally_) if fields else None
        zero = timedelta(0)
        effective_tasks = tasks
        if tasks is None and pipeline is not None and finally_ is not None:
            effective_tasks = None if zero in (pipeline, finally_) else pipeline - finally_
        effective_finally = finally_
        if finally_ is None and pipeline is not None and tasks is not None:
            effective_finally = None if zero in (pipeline, tasks) else pipeline - tasks
        return cls(
            start_time=start_time,
            finally_start_time=finally_start_time,
            pipeline=pipeline if pipeline is not None else default_timeout,
            tasks=effective_tasks,
            finally_=effective_finally,
        )


def _elapsed_beyond(start: datetime | None, timeout: timedelta | None, now: datetime) -> bool:
    """``clock.Since(start) > timeout`` for a set, non-zero timeout."""
    if start is None or not timeout:
        return False
    return now - start > timeout


# -- the facts of one pass ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _GraphTask:
    name: str
    dependencies: tuple[str, ...]

    def deps(self) -> tuple[str, ...]:
        return self.dependencies


@dataclass(eq=False)
class PipelineRunFacts:
    """Everything one reconcile pass decides from (Tekton's ``PipelineRunFacts``).

    ``state`` lists the tasks in Tekton's order (tasks already started first).
    ``tasks_graph`` holds the DAG tasks, ``finally_graph`` the finally tasks (no edges);
    a task is a finally task when it is a node of ``finally_graph``.
    ``validation_failed`` maps the tasks whose result references failed validation in
    this pass to the error text (Tekton's ``ValidationFailedTask`` and
    ``ValidationFailedErrors``).

    Skip decisions are cached per task for one ``now``, as Tekton caches them for a
    pass; :meth:`reset_skip_cache` forgets them after the state changed, and
    :meth:`replace_task` swaps in a task whose runs were just created.
    """

    state: list[PipelineTaskState]
    tasks_graph: Graph
    finally_graph: Graph = field(default_factory=Graph)
    spec_status: str = ""
    timeouts: PipelineRunTimeouts = field(default_factory=PipelineRunTimeouts)
    validation_failed: dict[str, str] = field(default_factory=dict)
    skip_cache: dict[str, SkipReason | None] = field(default_factory=dict, repr=False)
    finally_skip_cache: dict[str, SkipReason | None] = field(default_factory=dict, repr=False)
    view_cache: dict[str, PipelineTask] = field(default_factory=dict, repr=False)
    stopping_cache: tuple[int, bool] | None = field(default=None, repr=False)
    """``is_stopping`` of this state, with the count of validation failures it saw
    (those only grow within a pass, and a new one may make the run stop)."""
    cache_time: datetime | None = field(default=None, repr=False)
    _by_name: dict[str, PipelineTaskState] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        state: Iterable[PipelineTaskState],
        tasks: Sequence[PipelineTask],
        finally_tasks: Sequence[PipelineTask] = (),
        *,
        spec_status: str = "",
        timeouts: PipelineRunTimeouts | None = None,
    ) -> PipelineRunFacts:
        """Facts for ``state`` with both graphs built from the pipeline's task lists.

        Raises ``DagError`` for an invalid graph (admission refuses those).
        """
        tasks_graph = build([_GraphTask(t.name, tuple(pipeline_task_deps(t))) for t in tasks])
        finally_graph = build([_GraphTask(t.name, ()) for t in finally_tasks], {})
        return cls(
            state=list(state),
            tasks_graph=tasks_graph,
            finally_graph=finally_graph,
            spec_status=spec_status,
            timeouts=timeouts if timeouts is not None else PipelineRunTimeouts(),
        )

    @property
    def by_name(self) -> Mapping[str, PipelineTaskState]:
        """Tekton's ``State.ToMap()``: task name → task (the last one of a name wins)."""
        if self._by_name is None:
            self._by_name = {task_name(t): t for t in self.state}
        return self._by_name

    def replace_task(self, *tasks: PipelineTaskState) -> None:
        """Put each of ``tasks`` in place of the state's task of the same name (e.g. with
        the TaskRuns just created) and forget every cached decision."""
        by_name = {task_name(t): t for t in tasks}
        self.state = [by_name.get(task_name(t), t) for t in self.state]
        self._by_name = None
        self.reset_skip_cache()

    def is_final_task(self, name: str) -> bool:
        """The task is a node of the finally graph."""
        return name in self.finally_graph.nodes

    def is_dag_task(self, name: str) -> bool:
        """The task is a node of the DAG."""
        return name in self.tasks_graph.nodes

    def has_final_tasks(self) -> bool:
        """The pipeline has ``finally`` tasks."""
        return bool(self.finally_graph.nodes)

    def reset_skip_cache(self) -> None:
        """Forget cached decisions (Tekton's ``ResetSkippedCache``)."""
        self.skip_cache.clear()
        self.finally_skip_cache.clear()
        self.view_cache.clear()
        self.stopping_cache = None

    def use_cache_for(self, now: datetime) -> None:
        """Keep the skip caches only while ``now`` is the same instant."""
        if self.cache_time != now:
            self.reset_skip_cache()
            self.cache_time = now

    def is_cancelled(self) -> bool:
        """``spec.status: Cancelled``."""
        return self.spec_status == SPEC_STATUS_CANCELLED

    def is_gracefully_cancelled(self) -> bool:
        """``spec.status: CancelledRunFinally``."""
        return self.spec_status == SPEC_STATUS_CANCELLED_RUN_FINALLY

    def is_gracefully_stopped(self) -> bool:
        """``spec.status: StoppedRunFinally``."""
        return self.spec_status == SPEC_STATUS_STOPPED_RUN_FINALLY

    def is_validation_failed(self, name: str) -> bool:
        """The task failed result-reference validation in this pass."""
        return name in self.validation_failed

    def has_timed_out(self, now: datetime) -> bool:
        """``PipelineRun.HasTimedOut``: the pipeline timeout elapsed since the start."""
        return _elapsed_beyond(self.timeouts.start_time, self.timeouts.pipeline, now)

    def have_tasks_timed_out(self, now: datetime) -> bool:
        """``PipelineRun.HaveTasksTimedOut``: the tasks timeout elapsed since the start."""
        return _elapsed_beyond(self.timeouts.start_time, self.timeouts.tasks, now)

    def has_finally_timed_out(self, now: datetime) -> bool:
        """``PipelineRun.HasFinallyTimedOut``: the finally timeout elapsed since finally began."""
        return _elapsed_beyond(self.timeouts.finally_start_time, self.timeouts.finally_, now)

    def set_finally_start_time(self, moment: datetime) -> None:
        """Record when the first finally task was scheduled (kept if already set)."""
        if self.timeouts.finally_start_time is None:
            self.timeouts = dataclasses.replace(self.timeouts, finally_start_time=moment)
