"""Why a PipelineTask is not run: Tekton's ``Skip`` and ``IsFinallySkipped``.

A DAG task is checked in this order, the first match giving the reason
(``pipelinerunresolution.go: skip``):

1. a finally task, a task already scheduled, or one that failed validation: not skipped;
2. the PipelineRun is stopping (a DAG task failed, ``onError`` not ``continue``);
3. ``spec.status: CancelledRunFinally`` / 4. ``StoppedRunFinally``;
5. its parents are done and its when expressions are false;
6. a parent was skipped for any reason other than its when expressions;
7. its parents are done, its result references cannot be resolved, and either it has
   ``onError: continue`` or the producer was skipped by its when expressions;
8. the pipeline timeout, 9. the tasks timeout has elapsed (parents done);
10. a matrix param is an empty array.

A finally task is only considered once every DAG task is done: missing results, when
expressions, pipeline timeout, finally timeout, empty matrix array.

The decisions take the current time ``now`` and are cached in the facts for that
instant. Where Tekton substitutes resolved results into the task while deciding (and
``$(tasks.<t>.status)`` values into finally tasks before deciding), these functions
work on a substituted copy and leave the state untouched.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from tektite.api.cel import CelError, evaluate
from tektite.api.models import PipelineTask, WhenExpression
from tektite.engine.pipeline_apply import apply_pipeline_task_state_context
from tektite.engine.pipeline_facts import (
    ON_ERROR_CONTINUE,
    PipelineRunFacts,
    PipelineTaskState,
    SkipReason,
    get_reason,
    have_any_task_runs_failed,
    is_failure,
    is_scheduled,
    is_successful,
    task_name,
)
from tektite.engine.pipeline_results import (
    UnresolvedResultError,
    has_result_references,
    resolution_view,
    resolve_result_refs,
    substitute_results,
)

__all__ = [
    "PIPELINE_TASKS_AGGREGATE_STATUS",
    "PIPELINE_TASK_STATE_NONE",
    "CelEvaluationError",
    "check_dag_tasks_done",
    "check_final_tasks_done",
    "check_parents_done",
    "evaluate_cel",
    "finally_skip_view",
    "get_pipeline_final_task_status",
    "get_pipeline_task_status",
    "is_done",
    "is_finally_skipped",
    "is_stopping",
    "skip",
    "when_allows_execution",
]

PIPELINE_TASK_STATE_NONE = "None"
"""``$(tasks.<t>.status)`` of a task that did not run (not started or skipped)."""

PIPELINE_TASKS_AGGREGATE_STATUS = "tasks.status"


# -- when expressions ----------------------------------------------------------------------


class CelEvaluationError(ValueError):
    """A ``when[].cel`` expression failed to compile or to give a boolean."""


def evaluate_cel(pt: PipelineTask) -> dict[str, bool]:
    """Evaluate the task's CEL when expressions (Tekton's ``EvaluateCEL``).

    Raises :class:`CelEvaluationError` with the error text; the caller fails the
    PipelineRun with ``CELEvaluationFailed``.
    """
    results: dict[str, bool] = {}
    for we in pt.when or ():
        if not we.cel or we.cel in results:
            continue
        try:
            value = evaluate(we.cel)
        except CelError as err:
            raise CelEvaluationError(str(err)) from None
        if not isinstance(value, bool):
            raise CelEvaluationError(f"The CEL expression {we.cel} is not evaluated to a boolean")
        results[we.cel] = value
    return results


@lru_cache(maxsize=1024)
def _cel_true(expression: str) -> bool:
    # An expression that does not evaluate to true does not allow execution; the
    # reconciler has already failed the run for expressions that cannot be evaluated.
    try:
        return evaluate(expression) is True
    except CelError:
        return False


def _is_true(we: WhenExpression) -> bool:
    found = we.input in (we.values or ())
    # Anything but "in" behaves as "notin" (a CEL expression has no operator).
    return found if we.operator == "in" else not found


def when_allows_execution(whens: list[WhenExpression] | None) -> bool:
    """All when expressions hold (Tekton's ``WhenExpressions.AllowsExecution``).

    Pass the expressions after substitution: an unresolved ``$(...)`` input is compared
    literally, as Tekton does.
    """
    return all(_is_true(we) and (not we.cel or _cel_true(we.cel)) for we in whens or ())


# -- done-ness --------------------------------------------------------------------------------


def is_done(task: PipelineTaskState, facts: PipelineRunFacts, now: datetime) -> bool:
    """Skipped, succeeded, failed or validation-failed (what scheduling calls done)."""
    return (
        skip(task, facts, now) is not None
        or is_successful(task)
        or is_failure(task)
        or facts.is_validation_failed(task_name(task))
    )


def check_parents_done(task: PipelineTaskState, facts: PipelineRunFacts, now: datetime) -> bool:
    """Every parent in the DAG is done; always true for a finally task."""
    name = task_name(task)
    if facts.is_final_task(name):
        return True
    node = facts.tasks_graph.nodes.get(name)
    if node is None:
        return True
    by_name = facts.by_name
    return all(p.key in by_name and is_done(by_name[p.key], facts, now) for p in node.prev)


def check_dag_tasks_done(facts: PipelineRunFacts, now: datetime) -> bool:
    """Every DAG task is done (succeeded, failed, skipped or validation-failed)."""
    return all(is_done(t, facts, now) for t in facts.state if facts.is_dag_task(task_name(t)))


def check_final_tasks_done(facts: PipelineRunFacts, now: datetime) -> bool:
    """Every finally task is done in the same sense (a skipped finally task is not)."""
    return all(is_done(t, facts, now) for t in facts.state if facts.is_final_task(task_name(t)))


def is_stopping(facts: PipelineRunFacts) -> bool:
    """No new DAG task will start: one failed or failed validation, ``onError`` not ``continue``.

    Cached in the facts: every skip decision asks, and the answer only changes with the
    state (which resets the cache) or a new validation failure.
    """
    seen = len(facts.validation_failed)
    if facts.stopping_cache is not None and facts.stopping_cache[0] == seen:
        return facts.stopping_cache[1]
    stopping = any(
        facts.is_dag_task(task_name(t))
        and (is_failure(t) or facts.is_validation_failed(task_name(t)))
        and t.pipeline_task.on_error != ON_ERROR_CONTINUE
        for t in facts.state
    )
    facts.stopping_cache = (seen, stopping)
    return stopping


# -- DAG tasks -------------------------------------------------------------------------------


def _results_missing(
    task: PipelineTaskState, pt: PipelineTask, facts: PipelineRunFacts, now: datetime
) -> tuple[bool, PipelineTask]:
    """Tekton's ``skipBecauseResultReferencesAreMissing`` (parents known to be done).

    Returns whether the task is skipped and the task with its results substituted when
    they all resolved (Tekton substitutes them in place at this point).
    """
    if not has_result_references(pt):
        return False, pt
    try:
        refs = resolve_result_refs(facts.by_name, pt)
    except UnresolvedResultError as err:
        producer = facts.by_name.get(err.pipeline_task)
        if producer is not None and (
            pt.on_error == ON_ERROR_CONTINUE
            or facts.is_final_task(task_name(task))
            or skip(producer, facts, now) is SkipReason.WHEN_EXPRESSIONS
        ):
            return True, pt
        return False, pt
    return False, substitute_results(pt, refs)


def _has_empty_matrix_array(pt: PipelineTask) -> bool:
    matrix = pt.matrix
    if matrix is None or not (matrix.params or matrix.include):
        return False
    return any(isinstance(p.value, list) and not p.value for p in matrix.params or ())


def _parent_skipped(task: PipelineTaskState, facts: PipelineRunFacts, now: datetime) -> bool:
    node = facts.tasks_graph.nodes.get(task_name(task))
    if node is None:
        return False
    for parent in node.prev:
        parent_task = facts.by_name.get(parent.key)
        if parent_task is None:
            continue
        reason = skip(parent_task, facts, now)
        # "Guard only the task": a parent skipped by its own when expressions does not
        # skip its children.
        if reason is not None and reason is not SkipReason.WHEN_EXPRESSIONS:
            return True
    return False


def _skip(task: PipelineTaskState, facts: PipelineRunFacts, now: datetime) -> SkipReason | None:
    name = task_name(task)
    if facts.is_final_task(name) or is_scheduled(task) or facts.is_validation_failed(name):
        return None
    if is_stopping(facts):
        return SkipReason.STOPPING
    if facts.is_gracefully_cancelled():
        return SkipReason.GRACEFULLY_CANCELLED
    if facts.is_gracefully_stopped():
        return SkipReason.GRACEFULLY_STOPPED
    pt = resolution_view(facts, task)
    parents_done = check_parents_done(task, facts, now)
    if parents_done and not when_allows_execution(pt.when):
        return SkipReason.WHEN_EXPRESSIONS
    if _parent_skipped(task, facts, now):
        return SkipReason.PARENT_TASKS
    if parents_done:
        missing, pt = _results_missing(task, pt, facts, now)
        if missing:
            return SkipReason.MISSING_RESULTS
        if facts.has_timed_out(now):
            return SkipReason.PIPELINE_TIMED_OUT
        if facts.have_tasks_timed_out(now):
            return SkipReason.TASKS_TIMED_OUT
    if _has_empty_matrix_array(pt):
        return SkipReason.EMPTY_ARRAY_IN_MATRIX_PARAMS
    return None


def skip(task: PipelineTaskState, facts: PipelineRunFacts, now: datetime) -> SkipReason | None:
    """Why the DAG task will not run, or ``None`` (Tekton's ``Skip``).

    Always ``None`` for finally tasks (see :func:`is_finally_skipped`).
    """
    facts.use_cache_for(now)
    name = task_name(task)
    if name not in facts.skip_cache:
        facts.skip_cache[name] = _skip(task, facts, now)
    return facts.skip_cache[name]


# -- finally tasks ---------------------------------------------------------------------------


def _status_value(task: PipelineTaskState) -> str:
    if is_successful(task):
        return "Succeeded"
    if have_any_task_runs_failed(task):
        return "Failed"
    return PIPELINE_TASK_STATE_NONE


def get_pipeline_task_status(facts: PipelineRunFacts, now: datetime) -> dict[str, str]:
    """The execution-status values finally tasks may use.

    ``tasks.<t>.status`` (``Succeeded``, ``Failed`` or ``None``) and ``tasks.<t>.reason``
    for every DAG task, and ``tasks.status``: ``None`` until all DAG tasks are done, then
    ``Failed`` if a task failed, ``Completed`` if one was skipped, else ``Succeeded``.
    """
    status: dict[str, str] = {}
    dag_tasks = [t for t in facts.state if facts.is_dag_task(task_name(t))]
    for t in dag_tasks:
        status[f"tasks.{task_name(t)}.status"] = _status_value(t)
        status[f"tasks.{task_name(t)}.reason"] = get_reason(t)
    aggregate = PIPELINE_TASK_STATE_NONE
    if check_dag_tasks_done(facts, now):
        aggregate = "Succeeded"
        for t in dag_tasks:
            if have_any_task_runs_failed(t):
                aggregate = "Failed"
                break
            if skip(t, facts, now) is not None:
                aggregate = "Completed"
    status[PIPELINE_TASKS_AGGREGATE_STATUS] = aggregate
    return status


def get_pipeline_final_task_status(facts: PipelineRunFacts) -> dict[str, str]:
    """``tasks.<t>.status`` of every finally task (for ``finally.<t>.results`` checks)."""
    return {
        f"tasks.{task_name(t)}.status": _status_value(t)
        for t in facts.state
        if facts.is_final_task(task_name(t))
    }


def _finally_decision(
    task: PipelineTaskState, facts: PipelineRunFacts, now: datetime
) -> tuple[SkipReason | None, PipelineTask]:
    pt = resolution_view(facts, task)
    if is_scheduled(task):
        return None, pt
    # The cheap test first: asking every DAG task whether the DAG is done is quadratic.
    if not (facts.is_final_task(task_name(task)) and check_dag_tasks_done(facts, now)):
        return None, pt
    # Tekton substitutes the DAG tasks' execution status into a finally task before
    # deciding on it (runNextSchedulableTask); the results follow in the skip check.
    pt = apply_pipeline_task_state_context(pt, get_pipeline_task_status(facts, now))
    missing, pt = _results_missing(task, pt, facts, now)
    if missing:
        return SkipReason.MISSING_RESULTS, pt
    if not when_allows_execution(pt.when):
        return SkipReason.WHEN_EXPRESSIONS, pt
    if facts.has_timed_out(now):
        return SkipReason.PIPELINE_TIMED_OUT, pt
    if facts.has_finally_timed_out(now):
        return SkipReason.FINALLY_TIMED_OUT, pt
    if _has_empty_matrix_array(pt):
        return SkipReason.EMPTY_ARRAY_IN_MATRIX_PARAMS, pt
    return None, pt


def is_finally_skipped(
    task: PipelineTaskState, facts: PipelineRunFacts, now: datetime
) -> SkipReason | None:
    """Why the finally task will not run, or ``None`` (``IsFinallySkipped``).

    Only decided once every DAG task is done; always ``None`` for DAG tasks and for
    tasks already scheduled.
    """
    facts.use_cache_for(now)
    name = task_name(task)
    if name not in facts.finally_skip_cache:
        facts.finally_skip_cache[name] = _finally_decision(task, facts, now)[0]
    return facts.finally_skip_cache[name]


def finally_skip_view(
    task: PipelineTaskState, facts: PipelineRunFacts, now: datetime
) -> PipelineTask:
    """The finally task as its skip decision saw it (status and results substituted)."""
    return _finally_decision(task, facts, now)[1]
