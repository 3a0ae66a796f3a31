"""The PipelineRun state machine, lifted from Tekton's ``pipelinerunstate_test.go``
(conditions and their messages, execution queue, finally, task status, skipped tasks,
child references) and from the reconciler's ``runNextSchedulableTask``."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from tektite.api.dag import DagError
from tektite.api.models import ChildStatusReference, PipelineResult, PipelineRun, PipelineTask
from tektite.engine.pipeline_facts import (
    PipelineRunFacts,
    PipelineRunTimeouts,
    SkipReason,
    get_reason,
    is_cancelled,
    is_cancelled_for_timeout,
    is_failure,
    is_running,
    is_successful,
)
from tektite.engine.pipeline_skip import skip
from tektite.engine.pipeline_state import (
    adjust_start_time,
    any_dag_task_running,
    awaited_task_runs,
    completed_or_skipped_dag_tasks,
    couldnt_get_pipeline_result_message,
    dag_candidates,
    dag_execution_queue,
    get_child_references,
    get_final_tasks,
    get_pipeline_condition_status,
    get_pipeline_final_task_status,
    get_pipeline_task_status,
    get_skipped_tasks,
    get_task_run_names,
    is_before_first_task_run,
    is_final_task_started,
    pipeline_run_results,
    plan_next_tasks,
    tasks_to_time_out,
)
from tests.engine.pipeline_fixtures import (
    MATRIXED,
    MYTASK1,
    MYTASK2,
    MYTASK4,
    MYTASK5,
    MYTASK6,
    MYTASK7,
    MYTASK10,
    MYTASK11,
    MYTASK12,
    MYTASK15,
    NOW,
    Task,
    cancelled,
    cancelled_for_timeout,
    facts,
    failed,
    new_taskrun,
    pt,
    scheduled,
    started,
    succeeded,
    task,
    taskrun,
    to_be_retried,
    when,
)

NONE_STARTED = [task(MYTASK1), task(MYTASK2)]
ONE_STARTED = [task(MYTASK1, started("pipelinerun-mytask1")), task(MYTASK2)]
ONE_FINISHED = [task(MYTASK1, succeeded("pipelinerun-mytask1")), task(MYTASK2)]
ONE_FAILED = [task(MYTASK1, failed("pipelinerun-mytask1")), task(MYTASK2)]
FINAL_SCHEDULED = [
    task(MYTASK1, succeeded("pipelinerun-mytask1")),
    task(MYTASK2, scheduled("pipelinerun-mytask2")),
]
ALL_FINISHED = [
    task(MYTASK1, succeeded("pipelinerun-mytask1")),
    task(MYTASK2, succeeded("pipelinerun-mytask1")),
]
TASK_CANCELLED = [task(MYTASK5, cancelled("pipelinerun-mytask1", status="", retried=True))]


def _message(
    status: str,
    succeeded_: int = 0,
    incomplete: int = 0,
    skipped: int = 0,
    failed_: int = 0,
    cancelled_: int = 0,
) -> str:
    """Tekton's ``getExpectedMessage``."""
    completed = succeeded_ + failed_ + cancelled_
    if status == "Unknown":
        return (
            f"Tasks Completed: {completed} (Failed: {failed_}, Cancelled {cancelled_}), "
            f"Incomplete: {incomplete}, Skipped: {skipped}"
        )
    return (
        f"Tasks Completed: {completed} (Failed: {failed_}, Cancelled {cancelled_}), "
        f"Skipped: {skipped}"
    )


def _condition(f: PipelineRunFacts, name: str = "somepipelinerun") -> tuple[str, str, str]:
    c = get_pipeline_condition_status(f, name, NOW)
    assert c.type == "Succeeded"
    assert c.last_transition_time is None
    return c.status, c.reason, c.message


# -- per-task predicates (TestIsFailure, TestIsCancelled, TestIsCancelledForTimeout...) ----


@pytest.mark.parametrize(
    ("runs", "successful", "failure", "cancelled_", "for_timeout", "running"),
    [
        pytest.param([], False, False, False, False, False, id="not-started"),
        pytest.param([started("a")], False, False, False, False, True, id="running"),
        pytest.param([succeeded("a")], True, False, False, False, False, id="succeeded"),
        pytest.param([failed("a")], False, True, False, False, False, id="failed"),
        pytest.param([failed("a", retried=True)], False, True, False, False, False, id="retried"),
        pytest.param([cancelled("a")], False, True, True, False, False, id="cancelled"),
        pytest.param(
            [cancelled("a", status="")], False, False, False, False, True, id="cancelled-not-failed"
        ),
        pytest.param(
            [cancelled_for_timeout("a")], False, True, True, True, False, id="cancelled-for-timeout"
        ),
        pytest.param(
            [cancelled_for_timeout("a", status="Unknown")],
            False,
            False,
            False,
            False,
            True,
            id="cancelled-for-timeout-still-running",
        ),
        pytest.param(
            [new_taskrun("a", spec_status="TaskRunCancelled")],
            False,
            False,
            False,
            False,
            True,
            id="cancelled-by-spec",
        ),
        pytest.param(
            [succeeded("a"), succeeded("b")],
            True,
            False,
            False,
            False,
            False,
            id="matrix-succeeded",
        ),
        pytest.param(
            [succeeded("a"), started("b")],
            False,
            False,
            False,
            False,
            True,
            id="matrix-one-running",
        ),
        pytest.param(
            [failed("a"), failed("b")], False, True, False, False, False, id="matrix-failed"
        ),
        pytest.param(
            [failed("a"), started("b")],
            False,
            False,
            False,
            False,
            True,
            id="matrix-one-failed-one-running",
        ),
        pytest.param(
            [to_be_retried("a", retried=True), failed("b", retried=True)],
            False,
            False,
            False,
            False,
            True,
            id="matrix-one-to-be-retried",
        ),
        pytest.param(
            [cancelled("a"), succeeded("b")],
            False,
            True,
            True,
            False,
            False,
            id="matrix-one-cancelled-one-done",
        ),
        pytest.param(
            [cancelled("a"), started("b")],
            False,
            False,
            False,
            False,
            True,
            id="matrix-one-cancelled-one-running",
        ),
        pytest.param(
            [cancelled_for_timeout("a"), succeeded("b")],
            False,
            True,
            True,
            True,
            False,
            id="matrix-one-cancelled-for-timeout-one-done",
        ),
    ],
)
def test_task_predicates(
    runs: list[Any],
    successful: bool,
    failure: bool,
    cancelled_: bool,
    for_timeout: bool,
    running: bool,
) -> None:
    t = task(MATRIXED, *runs)
    assert is_successful(t) is successful
    assert is_failure(t) is failure
    assert is_cancelled(t) is cancelled_
    assert is_cancelled_for_timeout(t) is for_timeout
    assert is_running(t) is running


@pytest.mark.parametrize(
    ("runs", "reason"),
    [
        pytest.param([], "", id="not-started"),
        pytest.param([succeeded("a")], "Succeeded", id="succeeded"),
        pytest.param([failed("a")], "Failed", id="failed"),
        pytest.param([cancelled("a")], "TaskRunCancelled", id="cancelled"),
        pytest.param([taskrun("a", "False", "FailureIgnored")], "FailureIgnored", id="ignored"),
        pytest.param(
            [succeeded("a"), failed("b", reason="StepFailed")],
            "StepFailed",
            id="matrix-first-unsuccessful",
        ),
        pytest.param([succeeded("a"), succeeded("b")], "Succeeded", id="matrix-all-succeeded"),
        pytest.param([scheduled("a")], "", id="no-condition"),
    ],
)
def test_get_reason(runs: list[Any], reason: str) -> None:
    assert get_reason(task(MATRIXED, *runs)) == reason


# -- TestGetPipelineConditionStatus --------------------------------------------------------

_TASK_RETRIED = [task(MYTASK4, cancelled("pipelinerun-mytask4", status="", retried=True))]
_CANCELLED_FAILED = [task(MYTASK5, cancelled("pipelinerun-mytask5"))]
_CANCELLED_FOR_TIMEOUT = [task(MYTASK5, cancelled_for_timeout("pipelinerun-mytask5"))]
_CANCELLED = [task(MYTASK4, taskrun("", "False", "TaskRunCancelled"))]
_ONE_FAILURE_RUNNING = [
    task(MYTASK6, succeeded("successfulTaskRun")),
    task(MYTASK7, started("runningTaskRun")),
    task(MYTASK1, failed("failedTaskRun")),
]
_ONE_FAILURE_ONE_CANCEL = [*_ONE_FAILURE_RUNNING, *_CANCELLED]
_NOT_RUNNING_ONE_FAILED = [
    task(MYTASK6, succeeded("successfulTaskRun")),
    task(MYTASK7),
    task(MYTASK1, failed("failedTaskRun")),
]

CONDITION_CASES: list[tuple[str, list[Task], list[Task], str, str, str, str]] = [
    (
        "no-tasks-started",
        NONE_STARTED,
        [],
        "",
        "Unknown",
        "Running",
        _message("Unknown", incomplete=2),
    ),
    (
        "no-tasks-started-pipeline-run-gracefully-cancelled",
        NONE_STARTED,
        [],
        "CancelledRunFinally",
        "False",
        "Cancelled",
        'PipelineRun "somepipelinerun" was cancelled',
    ),
    (
        "no-tasks-started-pipeline-run-with-finally-gracefully-cancelled",
        NONE_STARTED,
        NONE_STARTED,
        "CancelledRunFinally",
        "Unknown",
        "CancelledRunningFinally",
        _message("Unknown", incomplete=2),
    ),
    (
        "no-tasks-started-pipeline-run-with-finally-gracefully-stopped",
        NONE_STARTED,
        NONE_STARTED,
        "StoppedRunFinally",
        "Unknown",
        "StoppedRunningFinally",
        _message("Unknown", incomplete=2),
    ),
    (
        "one-task-started",
        ONE_STARTED,
        [],
        "",
        "Unknown",
        "Running",
        _message("Unknown", incomplete=2),
    ),
    (
        "one-task-finished",
        ONE_FINISHED,
        [],
        "",
        "Unknown",
        "Running",
        _message("Unknown", succeeded_=1, incomplete=1),
    ),
    (
        "one-task-finished-pipeline-run-gracefully-stopped",
        ONE_FINISHED,
        [],
        "StoppedRunFinally",
        "False",
        "Cancelled",
        'PipelineRun "somepipelinerun" was cancelled',
    ),
    (
        "one-task-failed",
        ONE_FAILED,
        [],
        "",
        "False",
        "Failed",
        _message("False", failed_=1, skipped=1),
    ),
    ("all-finished", ALL_FINISHED, [], "", "True", "Succeeded", _message("True", succeeded_=2)),
    (
        "one-retry-needed",
        _TASK_RETRIED,
        [],
        "",
        "Unknown",
        "Running",
        _message("Unknown", incomplete=1),
    ),
    (
        "task-that-was-cancelled",
        _CANCELLED_FAILED,
        [],
        "",
        "False",
        "Cancelled",
        _message("False", cancelled_=1),
    ),
    (
        "task-that-was-cancelled-for-timeout",
        _CANCELLED_FOR_TIMEOUT,
        [],
        "",
        "False",
        "Failed",
        _message("False", failed_=1),
    ),
    (
        "tasks-with-one-failed-task",
        _ONE_FAILURE_RUNNING,
        [],
        "",
        "Unknown",
        "PipelineRunStopping",
        _message("Unknown", succeeded_=1, failed_=1, incomplete=1),
    ),
    (
        "tasks-with-one-failed-task-one-cancelled",
        _ONE_FAILURE_ONE_CANCEL,
        [],
        "",
        "Unknown",
        "PipelineRunStopping",
        _message("Unknown", succeeded_=1, failed_=1, incomplete=1, cancelled_=1),
    ),
    (
        "task-not-started-with-passed-parent-one-failed",
        _NOT_RUNNING_ONE_FAILED,
        [],
        "",
        "False",
        "Failed",
        _message("False", succeeded_=1, failed_=1, skipped=1),
    ),
    (
        "cancelled-task-should-result-in-cancelled-pipeline",
        _CANCELLED,
        [],
        "",
        "False",
        "Cancelled",
        _message("False", cancelled_=1),
    ),
]


@pytest.mark.parametrize(
    ("state", "finally_", "spec_status", "status", "reason", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CONDITION_CASES],
)
def test_get_pipeline_condition_status(
    state: list[Task],
    finally_: list[Task],
    spec_status: str,
    status: str,
    reason: str,
    message: str,
) -> None:
    # As in Tekton's test, a task may sit in both graphs (dagFromState of the finally state).
    f = facts(state, dag=state, finally_=finally_, spec_status=spec_status)
    assert _condition(f) == (status, reason, message)


_DAG_SUCCEEDED_FINAL_FAILED = ([task(MYTASK1, succeeded("t0"))], [task(MYTASK2, failed("f"))])
_DAG_FAILED_FINAL_NOT_STARTED = ([task(MYTASK1, failed("t0"))], [task(MYTASK2)])
_DAG_FAILED_FINAL_FAILED = ([task(MYTASK1, failed("t0"))], [task(MYTASK2, failed("f"))])
_DAG_FAILED_FINAL_SKIPPED = ([task(MYTASK1, failed("t0"))], [task(MYTASK15)])


@pytest.mark.parametrize(
    ("dag", "finals", "status", "reason", "message"),
    [
        pytest.param(
            *_DAG_SUCCEEDED_FINAL_FAILED,
            "False",
            "Failed",
            _message("False", succeeded_=1, failed_=1),
            id="dag-succeeded-final-failed",
        ),
        pytest.param(
            *_DAG_FAILED_FINAL_NOT_STARTED,
            "Unknown",
            "Running",
            _message("Unknown", failed_=1, incomplete=1),
            id="dag-failed-final-not-started",
        ),
        pytest.param(
            *_DAG_FAILED_FINAL_FAILED,
            "False",
            "Failed",
            _message("False", failed_=2),
            id="dag-failed-final-failed",
        ),
        pytest.param(
            *_DAG_FAILED_FINAL_SKIPPED,
            "False",
            "Failed",
            _message("False", failed_=1, skipped=1),
            id="dag-failed-final-skipped",
        ),
    ],
)
def test_get_pipeline_condition_status_with_final_tasks(
    dag: list[Task], finals: list[Task], status: str, reason: str, message: str
) -> None:
    f = facts([*dag, *finals], dag=dag, finally_=finals)
    assert _condition(f, "pipelinerun-final-tasks") == (status, reason, message)


def _timeouts(spec: dict[str, str], started_ago: timedelta) -> PipelineRunTimeouts:
    pr = msgspec.convert({"spec": {"timeouts": spec}}, PipelineRun)
    return PipelineRunTimeouts.from_pipelinerun(pr, start_time=NOW - started_ago)


def test_pipeline_timeout() -> None:
    f = facts(ONE_FINISHED)
    f.timeouts = _timeouts({"pipeline": "1m"}, timedelta(minutes=2))
    assert _condition(f, "pipelinerun-no-tasks-started") == (
        "False",
        "PipelineRunTimeout",
        'PipelineRun "pipelinerun-no-tasks-started" failed to finish within "1m0s"',
    )


def test_default_pipeline_timeout() -> None:
    f = facts(ONE_FINISHED)
    f.timeouts = _timeouts({}, timedelta(minutes=61))
    assert _condition(f, "pr")[2] == 'PipelineRun "pr" failed to finish within "1h0m0s"'


def test_tasks_timeout_without_finally() -> None:
    f = facts(ONE_FINISHED)
    f.timeouts = _timeouts({"tasks": "1m"}, timedelta(minutes=2))
    assert _condition(f, "pipelinerun-no-tasks-started") == (
        "False",
        "PipelineRunTimeout",
        'PipelineRun "pipelinerun-no-tasks-started" failed due to tasks failed to finish '
        'within "1m0s"',
    )


@pytest.mark.parametrize(
    ("dag", "finals", "timeouts", "status", "reason"),
    [
        pytest.param(
            [task(MYTASK1, cancelled("t0"))],
            [task(MYTASK2)],
            {"pipeline": "2m", "finally": "1m"},
            "Unknown",
            "PipelineRunTimeoutRunningFinally",
            id="finally-not-started-keeps-running",
        ),
        pytest.param(
            [task(MYTASK1, cancelled("t0"))],
            [task(MYTASK2, succeeded("final"))],
            {"pipeline": "2m", "finally": "1m"},
            "False",
            "PipelineRunTimeout",
            id="finally-done-fails",
        ),
        pytest.param(
            [task(MYTASK1, started("t0"))],
            [],
            {"pipeline": "2m", "finally": "1m"},
            "False",
            "PipelineRunTimeout",
            id="no-finally-fails",
        ),
        pytest.param(
            [task(MYTASK1, cancelled("t0"))],
            [task(MYTASK2)],
            {"pipeline": "2m", "tasks": "1m"},
            "Unknown",
            "PipelineRunTimeoutRunningFinally",
            id="explicit-tasks-timeout",
        ),
    ],
)
def test_tasks_timed_out_running_finally(
    dag: list[Task], finals: list[Task], timeouts: dict[str, str], status: str, reason: str
) -> None:
    f = facts([*dag, *finals], dag=dag, finally_=finals)
    f.timeouts = _timeouts(timeouts, timedelta(seconds=90))
    c = get_pipeline_condition_status(f, "pipelinerun-tasks-timeout-finally", NOW)
    assert (c.status, c.reason) == (status, reason)


def test_on_error_continue_failure_is_ignored() -> None:
    state = [
        task(pt("failed task ignored", onError="continue"), failed("pipelinerun-mytask1")),
        task(MYTASK1, succeeded("pipelinerun-mytask1")),
    ]
    assert _condition(facts(state), "pipelinerun-onError-continue") == (
        "True",
        "Succeeded",
        "Tasks Completed: 2 (Failed: 1 (Ignored: 1), Cancelled 0), Skipped: 0",
    )


def test_completed_when_a_task_was_skipped() -> None:
    state = [task(MYTASK1, succeeded("a")), task(MYTASK11)]
    assert _condition(facts(state)) == ("True", "Completed", _message("True", 1, skipped=1))


def test_stopping_after_a_cancelled_task() -> None:
    state = [task(MYTASK1, cancelled("a")), task(MYTASK2, started("b"))]
    assert _condition(facts(state)) == (
        "Unknown",
        "PipelineRunStopping",
        _message("Unknown", incomplete=1, cancelled_=1),
    )


def test_finally_timeout_skip_fails_the_run() -> None:
    dag = [task(MYTASK1, succeeded("a"))]
    finals = [task(MYTASK2)]
    f = facts(
        [*dag, *finals],
        dag=dag,
        finally_=finals,
        finally_start_time=NOW - timedelta(minutes=5),
        finally_timeout=timedelta(minutes=4),
    )
    assert _condition(f) == ("False", "Failed", _message("False", succeeded_=1, skipped=1))


def test_finally_skipped_by_pipeline_timeout_is_a_plain_skip() -> None:
    # Only a Finally-timeout skip counts as "skipped due to timeout" for a finally task.
    dag = [task(MYTASK1, succeeded("a"))]
    finals = [task(MYTASK2)]
    f = facts(
        [*dag, *finals],
        dag=dag,
        finally_=finals,
        start_time=NOW - timedelta(minutes=5),
        pipeline_timeout=timedelta(minutes=4),
    )
    # The pipeline timeout itself wins in the condition.
    assert _condition(f)[1] == "PipelineRunTimeout"


def test_validation_failed_condition() -> None:
    state = [task(MYTASK1, succeeded("a")), task(MYTASK2)]
    f = facts(state)
    f.validation_failed["mytask2"] = "boom"
    f.validation_failed["a-first"] = "first"
    assert _condition(f) == (
        "False",
        "PipelineValidationFailed",
        "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0, Failed Validation: 1 "
        "(first; boom)",
    )


def test_validation_failed_message_is_truncated() -> None:
    state = [task(MYTASK1)]
    f = facts(state)
    f.validation_failed["mytask1"] = "x" * 1023 + "é"
    message = _condition(f)[2]
    assert message.endswith("(" + "x" * 1023 + "\ufffd...)")


# -- scheduling (TestDAGExecutionQueue*, TestGetFinalTasks, TestIsFinalTaskStarted) --------

_CREATED = task(pt("createdtask"))
_RUNNING = task(pt("runningtask"), new_taskrun("runningtask"))
_SUCCESSFUL = task(pt("successfultask"), succeeded("successfultask"))
_FAILED = task(pt("failedtask"), failed("failedtask"))


@pytest.mark.parametrize(
    ("spec_status", "state", "expected"),
    [
        pytest.param("Cancelled", [_CREATED, _RUNNING, _SUCCESSFUL], [], id="cancelled"),
        pytest.param(
            "CancelledRunFinally", [_CREATED, _RUNNING, _SUCCESSFUL], [], id="gracefully-cancelled"
        ),
        pytest.param(
            "StoppedRunFinally", [_CREATED, _RUNNING, _SUCCESSFUL], [], id="gracefully-stopped"
        ),
        pytest.param("", [_CREATED, _RUNNING, _SUCCESSFUL], ["createdtask"], id="running"),
        pytest.param("", [_CREATED, _RUNNING, _SUCCESSFUL, _FAILED], [], id="stopped"),
        pytest.param("", [_SUCCESSFUL, _FAILED], [], id="all-finished"),
    ],
)
def test_dag_execution_queue(spec_status: str, state: list[Task], expected: list[str]) -> None:
    f = facts(state, spec_status=spec_status)
    assert [t.pipeline_task.name for t in dag_candidates(f, NOW)] == expected
    assert [t.pipeline_task.name for t in dag_execution_queue(f, NOW)] == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(None, None, ["task-1"], id="not-started"),
        pytest.param(new_taskrun("task-1"), None, [], id="first-running"),
        pytest.param(succeeded("task-1"), None, ["task-2"], id="first-succeeded"),
        pytest.param(failed("task-1"), None, [], id="first-failed"),
        pytest.param(succeeded("task-1"), new_taskrun("task-2"), [], id="second-running"),
        pytest.param(succeeded("task-1"), succeeded("task-2"), [], id="second-succeeded"),
        pytest.param(succeeded("task-1"), failed("task-2"), [], id="second-failed"),
    ],
)
def test_dag_execution_queue_sequential_tasks(first: Any, second: Any, expected: list[str]) -> None:
    state = [
        task(pt("task-1"), *([first] if first else [])),
        task(pt("task-2", runAfter=["task-1"]), *([second] if second else [])),
    ]
    f = facts(state)
    assert [t.pipeline_task.name for t in dag_execution_queue(f, NOW)] == expected


def test_skipped_tasks_count_as_done_not_as_candidates() -> None:
    f = facts([task(MYTASK10), task(MYTASK11)])
    assert completed_or_skipped_dag_tasks(f, NOW) == ["mytask11"]
    assert [t.pipeline_task.name for t in dag_candidates(f, NOW)] == ["mytask10"]
    assert [t.pipeline_task.name for t in dag_execution_queue(f, NOW)] == ["mytask10"]


def test_inconsistent_state_is_a_dag_error() -> None:
    # A task marked done whose parent is not: Tekton's GetCandidateTasks refuses it.
    child = task(pt("child", runAfter=["parent"]), succeeded("child"))
    f = facts([task(pt("parent")), child])
    with pytest.raises(DagError):
        dag_candidates(f, NOW)


def _large_dependency_state() -> list[Task]:
    state = [task(pt("t1"))]
    for i in range(2, 400):
        parent = 1 if i <= 10 else (i - 10 if i % 10 == 0 else i - i % 10)
        params = [{"name": c, "value": f"$(tasks.t{parent}.results.{c})"} for c in "abcdefghij"]
        state.append(task(pt(f"t{i}", params=params)))
    return state


@pytest.mark.parametrize(
    ("state", "spec_status", "expected"),
    [
        pytest.param(NONE_STARTED, "", [], id="no-tasks-started"),
        pytest.param(
            NONE_STARTED,
            "CancelledRunFinally",
            ["mytask1", "mytask2"],
            id="no-tasks-started-run-cancelled-gracefully",
        ),
        pytest.param(ONE_STARTED, "", [], id="one-task-started"),
        pytest.param(
            ONE_STARTED,
            "StoppedRunFinally",
            ["mytask2"],
            id="one-task-started-run-stopped-gracefully",
        ),
        pytest.param(ONE_FINISHED, "", ["mytask1"], id="one-task-finished"),
        pytest.param(
            ONE_FINISHED, "Cancelled", ["mytask1"], id="one-task-finished-run-cancelled-forcefully"
        ),
        pytest.param(ONE_FAILED, "", ["mytask1", "mytask2"], id="one-task-failed"),
        pytest.param(ALL_FINISHED, "", ["mytask1", "mytask2"], id="all-finished"),
    ],
)
def test_completed_or_skipped_dag_tasks(
    state: list[Task], spec_status: str, expected: list[str]
) -> None:
    assert completed_or_skipped_dag_tasks(facts(state, spec_status=spec_status), NOW) == expected


def test_large_dependency_graph_is_fast() -> None:
    state = _large_dependency_state()
    f = facts(state)
    start = time.perf_counter()
    assert completed_or_skipped_dag_tasks(f, NOW) == []
    assert [t.pipeline_task.name for t in dag_execution_queue(f, NOW)] == ["t1"]
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(
    ("state", "dag_names", "final_names", "expected_finals", "started_"),
    [
        pytest.param(ONE_STARTED, ["mytask1", "mytask2"], [], [], False, id="no-final-tasks"),
        pytest.param(NONE_STARTED, ["mytask1"], ["mytask2"], [], False, id="dag-not-started"),
        pytest.param(ONE_STARTED, ["mytask1"], ["mytask2"], [], False, id="dag-not-finished"),
        pytest.param(ONE_FINISHED, ["mytask1"], ["mytask2"], ["mytask2"], False, id="dag-done"),
        pytest.param(ONE_FAILED, ["mytask1"], ["mytask2"], ["mytask2"], False, id="dag-failed"),
        pytest.param(FINAL_SCHEDULED, ["mytask1"], ["mytask2"], [], True, id="final-scheduled"),
        pytest.param(ALL_FINISHED, ["mytask1"], ["mytask2"], [], True, id="final-done"),
    ],
)
def test_get_final_tasks_and_is_final_task_started(
    state: list[Task],
    dag_names: list[str],
    final_names: list[str],
    expected_finals: list[str],
    started_: bool,
) -> None:
    by_name = {t.pipeline_task.name: t for t in state}
    f = facts(
        state,
        dag=[by_name[n] for n in dag_names],
        finally_=[by_name[n] for n in final_names],
    )
    assert [t.pipeline_task.name for t in get_final_tasks(f, NOW)] == expected_finals
    assert is_final_task_started(f, NOW) is started_


def test_any_dag_task_running() -> None:
    assert any_dag_task_running(facts(ONE_STARTED))
    assert not any_dag_task_running(facts(ONE_FINISHED))
    assert not any_dag_task_running(facts(ONE_FAILED))
    assert not any_dag_task_running(facts(ALL_FINISHED))


def test_awaited_task_runs_group_the_running_children_by_what_waits_for_them() -> None:
    """One group per task not started yet (its parents' running TaskRuns), and one of
    every running TaskRun (finally, the run's end): a success that leaves a member in
    each of its groups only counts towards the Running message."""
    a, b, c = pt("a"), pt("b"), pt("c")
    x = pt("x", runAfter=["a", "b"])
    y = pt("y", runAfter=["x"])  # its parent has not started: nothing it waits on runs
    z = pt("z", runAfter=["c"])
    matrixed = pt("m")
    w = pt("w", runAfter=["m"])
    final = pt("final")
    dag = [
        task(a, started("pr-a")),
        task(b, started("pr-b")),
        task(c, succeeded("pr-c")),
        task(x),
        task(y),
        task(z),
        task(matrixed, succeeded("pr-m-0"), started("pr-m-1"), started("pr-m-2")),
        task(w),
    ]
    finals = [task(final)]
    groups = awaited_task_runs(facts([*dag, *finals], dag=dag, finally_=finals))
    assert groups == [
        {"pr-a", "pr-b", "pr-m-1", "pr-m-2"},
        {"pr-a", "pr-b"},  # x
        {"pr-m-1", "pr-m-2"},  # w: every combination of the matrix
    ]
    # z waits on a task that is done: the pass that saw it end started z, or will.


def test_awaited_task_runs_of_a_run_with_nothing_running() -> None:
    assert awaited_task_runs(facts(ONE_FINISHED)) == []
    assert awaited_task_runs(facts(ALL_FINISHED)) == []
    # A running finally task is awaited by the run's end.
    dag = [task(MYTASK1, succeeded("a"))]
    finals = [task(MYTASK2, started("f"))]
    assert awaited_task_runs(facts([*dag, *finals], dag=dag, finally_=finals)) == [{"f"}]


def test_tasks_to_time_out() -> None:
    dag = [task(MYTASK1, started("a")), task(MYTASK6, succeeded("b"))]
    finals = [task(MYTASK2, started("f"))]
    state = [*dag, *finals]

    def names(f: PipelineRunFacts) -> list[str]:
        return [t.pipeline_task.name for t in tasks_to_time_out(f, NOW)]

    ago = NOW - timedelta(minutes=5)
    minute = timedelta(minutes=1)
    assert names(facts(state, dag=dag, finally_=finals, start_time=ago)) == []
    f = facts(state, dag=dag, finally_=finals, start_time=ago, tasks_timeout=minute)
    assert names(f) == ["mytask1"]
    f = facts(
        state,
        dag=dag,
        finally_=finals,
        start_time=ago,
        tasks_timeout=minute,
        finally_start_time=NOW - timedelta(seconds=30),
        finally_timeout=minute,
    )
    assert names(f) == []
    f.timeouts = PipelineRunTimeouts(
        start_time=ago, finally_start_time=ago, tasks=minute, finally_=minute
    )
    assert names(f) == ["mytask2"]


def test_is_before_first_task_run() -> None:
    assert is_before_first_task_run(NONE_STARTED)
    assert not is_before_first_task_run(ONE_STARTED)
    assert not is_before_first_task_run([task(MATRIXED, scheduled("a"), scheduled("b"))])


# -- plan_next_tasks (runNextSchedulableTask) ----------------------------------------------


def test_plan_schedules_ready_dag_tasks_with_results_substituted() -> None:
    producer = task(pt("producer"), succeeded("pr-producer", results={"r": "v"}))
    consumer = task(pt("consumer", params=[{"name": "p", "value": "$(tasks.producer.results.r)"}]))
    skipped = task(pt("guarded", when=[when("a", "in", "b")]))
    f = facts([producer, consumer, skipped])
    plan = plan_next_tasks(f, NOW, "pr")
    assert [s.task.pipeline_task.name for s in plan.tasks] == ["consumer"]
    assert plan.tasks[0].task is consumer
    params = plan.tasks[0].pipeline_task.params
    assert params is not None and params[0].value == "v"
    assert plan.validation_failed == {}
    assert plan.finally_start_time is None


def test_plan_records_missing_result_as_validation_failure() -> None:
    producer = task(pt("producer"), succeeded("pr-producer", results={}))
    consumer = task(pt("consumer", params=[{"name": "p", "value": "$(tasks.producer.results.r)"}]))
    other = task(pt("other"))
    final = task(pt("final"))
    f = facts([producer, consumer, other, final], finally_=[final])
    plan = plan_next_tasks(f, NOW, "pr")
    message = (
        'task "producer" completed successfully but did not emit the result "r", '
        'which is referenced by task "consumer"'
    )
    assert plan.validation_failed == {"consumer": message}
    assert f.validation_failed == {"consumer": message}
    # Nothing from the DAG this pass; finally waits for "other" (cached as not done).
    assert plan.tasks == []
    f.reset_skip_cache()
    assert get_pipeline_condition_status(f, "pr", NOW).reason == "Running"
    assert skip(other, f, NOW) is SkipReason.STOPPING
    # The next pass sees the failure again; with every DAG task done, finally runs.
    f2 = facts([producer, consumer, other, final], finally_=[final])
    f2.validation_failed["consumer"] = message
    plan2 = plan_next_tasks(f2, NOW, "pr")
    assert [s.task.pipeline_task.name for s in plan2.tasks] == ["final"]
    assert plan2.finally_start_time == NOW
    assert f2.timeouts.finally_start_time == NOW


def test_plan_validation_failure_ends_the_run() -> None:
    producer = task(pt("producer"), succeeded("pr-producer", results={}))
    consumer = task(pt("consumer", params=[{"name": "p", "value": "$(tasks.producer.results.r)"}]))
    f = facts([producer, consumer])
    plan_next_tasks(f, NOW, "pr")
    f.reset_skip_cache()
    assert _condition(f, "pr") == (
        "False",
        "PipelineValidationFailed",
        "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0, Failed Validation: 1 "
        '(task "producer" completed successfully but did not emit the result "r", which is '
        'referenced by task "consumer")',
    )


def test_plan_finally_gets_status_and_results() -> None:
    dag = [task(pt("a"), succeeded("pr-a", results={"r": "x"}))]
    final = task(
        pt(
            "final",
            params=[
                {"name": "s", "value": "$(tasks.a.status)"},
                {"name": "why", "value": "$(tasks.a.reason)"},
                {"name": "all", "value": "$(tasks.status)"},
                {"name": "r", "value": "$(tasks.a.results.r)"},
            ],
        )
    )
    skipped_final = task(pt("skipped-final", when=[when("$(tasks.a.status)", "in", "Failed")]))
    missing_final = task(pt("missing", params=[{"name": "r", "value": "$(tasks.a.results.no)"}]))
    f = facts(
        [*dag, final, skipped_final, missing_final],
        dag=dag,
        finally_=[final, skipped_final, missing_final],
    )
    plan = plan_next_tasks(f, NOW, "pr")
    assert [s.task.pipeline_task.name for s in plan.tasks] == ["final"]
    params = plan.tasks[0].pipeline_task.params
    assert params is not None
    assert [p.value for p in params] == ["Succeeded", "Succeeded", "Succeeded", "x"]
    assert plan.finally_start_time == NOW
    skipped_tasks = get_skipped_tasks(f, NOW)
    assert [(s.name, s.reason) for s in skipped_tasks] == [
        ("skipped-final", "When Expressions evaluated to false"),
        ("missing", "Results were missing"),
    ]
    assert skipped_tasks[0].when_expressions is not None
    assert skipped_tasks[0].when_expressions[0].input == "Succeeded"
    assert skipped_tasks[1].when_expressions is None


def test_plan_finally_cel_error() -> None:
    dag = [task(pt("a"), succeeded("pr-a"))]
    final = task(pt("final", when=[{"cel": "1 + 1"}]))
    f = facts([*dag, final], dag=dag, finally_=[final])
    plan = plan_next_tasks(f, NOW, "pr")
    assert plan.tasks == []
    assert plan.cel_error == (
        "[User error] Error evaluating CEL pr: The CEL expression 1 + 1 is not evaluated to a "
        "boolean"
    )


def test_plan_keeps_existing_finally_start_time() -> None:
    dag = [task(pt("a"), succeeded("pr-a"))]
    finals = [task(pt("f1"), started("pr-f1")), task(pt("f2"))]
    earlier = NOW - timedelta(minutes=1)
    f = facts([*dag, *finals], dag=dag, finally_=finals, finally_start_time=earlier)
    plan = plan_next_tasks(f, NOW, "pr")
    assert [s.task.pipeline_task.name for s in plan.tasks] == ["f2"]
    assert plan.finally_start_time is None
    assert f.timeouts.finally_start_time == earlier


def test_replace_task_after_creation() -> None:
    state = [task(MYTASK1), task(MYTASK2)]
    f = facts(state)
    plan = plan_next_tasks(f, NOW, "pr")
    assert [s.task.pipeline_task.name for s in plan.tasks] == ["mytask1", "mytask2"]
    f.replace_task(Task(MYTASK1, [scheduled("pr-mytask1")]))
    assert f.by_name["mytask1"].task_runs[0].metadata.name == "pr-mytask1"
    assert _condition(f)[2] == _message("Unknown", incomplete=2)


# -- GetPipelineTaskStatus / GetPipelineFinalTaskStatus -------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        pytest.param(
            NONE_STARTED,
            {"mytask1": ("None", ""), "mytask2": ("None", ""), "all": "None"},
            id="no-tasks-started",
        ),
        pytest.param(
            ONE_STARTED,
            {"mytask1": ("None", ""), "mytask2": ("None", ""), "all": "None"},
            id="one-task-started",
        ),
        pytest.param(
            ONE_FINISHED,
            {"mytask1": ("Succeeded", "Succeeded"), "mytask2": ("None", ""), "all": "None"},
            id="one-task-finished",
        ),
        pytest.param(
            ONE_FAILED,
            {"mytask1": ("Failed", "Failed"), "mytask2": ("None", ""), "all": "Failed"},
            id="one-task-failed",
        ),
        pytest.param(
            ALL_FINISHED,
            {
                "mytask1": ("Succeeded", "Succeeded"),
                "mytask2": ("Succeeded", "Succeeded"),
                "all": "Succeeded",
            },
            id="all-finished",
        ),
        pytest.param(
            [task(MYTASK10)],
            {"mytask10": ("None", ""), "all": "None"},
            id="when-passed-not-started",
        ),
        pytest.param(
            [task(MYTASK11)],
            {"mytask11": ("None", ""), "all": "Completed"},
            id="when-failed-skipped",
        ),
        pytest.param(
            [task(MYTASK1, started("a")), task(MYTASK12)],
            {"mytask1": ("None", ""), "mytask12": ("None", ""), "all": "None"},
            id="when-task-with-parent-started",
        ),
        pytest.param(
            TASK_CANCELLED,
            {"mytask5": ("None", "TaskRunCancelled"), "all": "None"},
            id="task-cancelled",
        ),
        pytest.param(
            [task(MYTASK11), task(MYTASK1, failed("pipelinerun-mytask1"))],
            {"mytask1": ("Failed", "Failed"), "mytask11": ("None", ""), "all": "Failed"},
            id="one-skipped-one-failed",
        ),
    ],
)
def test_get_pipeline_task_status(state: list[Task], expected: dict[str, Any]) -> None:
    want: dict[str, str] = {"tasks.status": expected.pop("all")}
    for name, (status, reason) in expected.items():
        want[f"tasks.{name}.status"] = status
        want[f"tasks.{name}.reason"] = reason
    assert get_pipeline_task_status(facts(state), NOW) == want


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        pytest.param(NONE_STARTED, {"mytask1": "None", "mytask2": "None"}, id="none-started"),
        pytest.param(ONE_FINISHED, {"mytask1": "Succeeded", "mytask2": "None"}, id="one-done"),
        pytest.param(ONE_FAILED, {"mytask1": "Failed", "mytask2": "None"}, id="one-failed"),
        pytest.param(ALL_FINISHED, {"mytask1": "Succeeded", "mytask2": "Succeeded"}, id="all"),
        pytest.param([task(MYTASK11)], {"mytask11": "None"}, id="when-skipped"),
        pytest.param(TASK_CANCELLED, {"mytask5": "None"}, id="task-cancelled"),
    ],
)
def test_get_pipeline_final_task_status(state: list[Task], expected: dict[str, str]) -> None:
    f = facts(state, dag=[], finally_=state)
    assert get_pipeline_final_task_status(f) == {
        f"tasks.{name}.status": value for name, value in expected.items()
    }


# -- GetSkippedTasks ------------------------------------------------------------------------


def test_get_skipped_tasks_stopping() -> None:
    state = [task(MYTASK1, failed("a")), task(MYTASK15)]
    skipped = get_skipped_tasks(facts(state), NOW)
    assert [msgspec.to_builtins(s) for s in skipped] == [
        {"name": "mytask15", "reason": "PipelineRun was stopping"}
    ]


def test_get_skipped_tasks_missing_results_finally() -> None:
    state = [task(MYTASK1, failed("task0taskrun")), task(MYTASK15)]
    f = facts(state, dag=state[:1], finally_=state[1:])
    assert [msgspec.to_builtins(s) for s in get_skipped_tasks(f, NOW)] == [
        {"name": "mytask15", "reason": "Results were missing"}
    ]


def test_get_skipped_tasks_when_expressions_finally() -> None:
    state = [task(MYTASK11)]
    f = facts(state, dag=[], finally_=state)
    assert [msgspec.to_builtins(s) for s in get_skipped_tasks(f, NOW)] == [
        {
            "name": "mytask11",
            "reason": "When Expressions evaluated to false",
            "whenExpressions": [{"input": "foo", "operator": "notin", "values": ["foo", "bar"]}],
        }
    ]


def test_get_skipped_dag_tasks_carry_their_when_expressions() -> None:
    state = [task(MYTASK1, failed("a")), task(MYTASK12)]
    skipped = get_skipped_tasks(facts(state), NOW)
    assert [msgspec.to_builtins(s) for s in skipped] == [
        {
            "name": "mytask12",
            "reason": "PipelineRun was stopping",
            "whenExpressions": [{"input": "foo", "operator": "in", "values": ["foo", "bar"]}],
        }
    ]


# -- GetChildReferences ---------------------------------------------------------------------


def _refs(state: list[Task]) -> list[dict[str, Any]]:
    f = facts(state, dag=[])
    refs: list[ChildStatusReference] = get_child_references(f, NOW)
    return [msgspec.to_builtins(r) for r in refs]


def test_child_references_none() -> None:
    assert _refs([]) == []
    assert _refs([task(pt("unresolved-task-1"))]) == []


def test_child_references_single_task() -> None:
    state = [
        task(
            pt(
                "single-task-1",
                displayName="Human readable name for single-task-1",
                when=[when("foo", "in", "foo", "bar")],
            ),
            taskrun("single-task-run", None),
        )
    ]
    assert _refs(state) == [
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "name": "single-task-run",
            "displayName": "Human readable name for single-task-1",
            "pipelineTaskName": "single-task-1",
            "whenExpressions": [{"input": "foo", "operator": "in", "values": ["foo", "bar"]}],
        }
    ]


def _matrixed(display_name: str, include: list[dict[str, Any]] | None = None) -> PipelineTask:
    matrix: dict[str, Any] = {
        "params": [
            {"name": "foobar", "value": ["foo", "bar"]},
            {"name": "quxbaz", "value": ["qux", "baz"]},
        ]
    }
    if include is not None:
        matrix["include"] = include
    fields: dict[str, Any] = {"matrix": matrix}
    if display_name:
        fields["displayName"] = display_name
    return pt("matrixed-task", **fields)


def _run(index: int, **params: str) -> Any:
    return taskrun(f"matrixed-task-run-{index}", None, params=params)


def test_child_references_matrixed_task_display_names() -> None:
    state = [
        task(
            _matrixed("Matrixed Task $(params.foobar) and $(params.quxbaz)"),
            _run(0, foobar="foo", quxbaz="qux"),
            _run(1, foobar="foo", quxbaz="baz"),
            _run(2, foobar="bar", quxbaz="qux"),
            _run(3, foobar="bar", quxbaz="baz"),
        )
    ]
    assert [r["displayName"] for r in _refs(state)] == [
        "Matrixed Task foo and qux",
        "Matrixed Task foo and baz",
        "Matrixed Task bar and qux",
        "Matrixed Task bar and baz",
    ]


def test_child_references_unresolved_matrixed_task() -> None:
    assert _refs([task(_matrixed("Matrixed Task"))]) == []


def test_child_references_include_names() -> None:
    include = [
        {
            "name": "Execute a random case for foo",
            "params": [{"name": "foobar", "value": "foo"}, {"name": "random", "value": "random"}],
        },
        {"name": "Does not exist", "params": [{"name": "foobar", "value": "foo-does-not-exist"}]},
    ]
    state = [
        task(
            _matrixed("Matrixed Task $(params.foobar) and $(params.quxbaz)", include),
            _run(0, foobar="foo", quxbaz="qux", random="random"),
            _run(1, foobar="foo", quxbaz="baz", random="random"),
            _run(2, foobar="bar", quxbaz="qux"),
            _run(3, foobar="bar", quxbaz="baz"),
            _run(4, foobar="foo-does-not-exist"),
        )
    ]
    assert [r["displayName"] for r in _refs(state)] == [
        "Execute a random case for foo",
        "Execute a random case for foo",
        "Matrixed Task bar and qux",
        "Matrixed Task bar and baz",
        "Does not exist",
    ]


def test_child_references_several_include_names() -> None:
    include = [
        {
            "name": "additional name for foo",
            "params": [{"name": "foobar", "value": "foo"}, {"name": "random1", "value": "random"}],
        },
        {
            "name": "one more additional name for foo",
            "params": [{"name": "foobar", "value": "foo"}, {"name": "random2", "value": "random"}],
        },
    ]
    state = [
        task(
            _matrixed("Matrixed Task $(params.foobar) and $(params.quxbaz)", include),
            _run(0, foobar="foo", quxbaz="qux", random1="random", random2="random"),
            _run(1, foobar="foo", quxbaz="baz", random1="random", random2="random"),
            _run(2, foobar="bar", quxbaz="qux"),
            _run(3, foobar="bar", quxbaz="baz"),
        )
    ]
    assert [r["displayName"] for r in _refs(state)] == [
        "additional name for foo one more additional name for foo",
        "additional name for foo one more additional name for foo",
        "Matrixed Task bar and qux",
        "Matrixed Task bar and baz",
    ]


def test_child_references_when_expressions_reference_task_results() -> None:
    state = [
        task(
            pt("task1", displayName="Task 1"),
            taskrun(
                "task-generate-results",
                "True",
                results={
                    "string-result": "value1",
                    "array-result": ["array-value1", "array-value2"],
                },
            ),
        ),
        task(
            pt(
                "task2",
                displayName="Task 2 with $(tasks.task1.results.string-result) and "
                "$(tasks.task1.results.array-result[1])",
                when=[
                    when("$(tasks.task1.results.string-result)", "in", "value1"),
                    when("$(tasks.task1.results.array-result[1])", "in", "array-value2"),
                ],
            ),
            taskrun("task-reference-previous-result", "False"),
        ),
    ]
    assert _refs(state) == [
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "name": "task-generate-results",
            "displayName": "Task 1",
            "pipelineTaskName": "task1",
        },
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "name": "task-reference-previous-result",
            "displayName": "Task 2 with value1 and array-value2",
            "pipelineTaskName": "task2",
            "whenExpressions": [
                {"input": "value1", "operator": "in", "values": ["value1"]},
                {"input": "array-value2", "operator": "in", "values": ["array-value2"]},
            ],
        },
    ]


# -- pipeline results ------------------------------------------------------------------------


def _pipeline_results(*pairs: tuple[str, Any]) -> list[PipelineResult]:
    return [msgspec.convert({"name": n, "value": v}, PipelineResult) for n, v in pairs]


def test_pipeline_run_results() -> None:
    dag = [
        task(pt("a"), succeeded("pr-a", results={"r": "x", "arr": ["1", "2"]})),
        task(pt("skipped", when=[when("a", "in", "b")])),
    ]
    finals = [task(pt("f"), succeeded("pr-f", results={"fr": "y"}))]
    f = facts([*dag, *finals], dag=dag, finally_=finals)
    results, error = pipeline_run_results(
        f,
        _pipeline_results(
            ("plain", "$(tasks.a.results.r)"),
            ("whole", "$(tasks.a.results.arr[*])"),
            ("from-finally", "$(finally.f.results.fr)"),
            ("from-skipped", "$(tasks.skipped.results.r)"),
        ),
        NOW,
    )
    assert error is None
    assert [(r.name, r.value) for r in results] == [
        ("plain", "x"),
        ("whole", ["1", "2"]),
        ("from-finally", "y"),
    ]


def test_pipeline_run_results_missing_from_successful_task() -> None:
    f = facts([task(pt("a"), succeeded("pr-a", results={}))])
    results, error = pipeline_run_results(f, _pipeline_results(("r", "$(tasks.a.results.r)")), NOW)
    assert results == []
    assert error == "invalid pipelineresults [r], the referenced results don't exist"
    assert couldnt_get_pipeline_result_message("pr", error) == (
        "Failed to get PipelineResult from TaskRun Results for PipelineRun pr: invalid "
        "pipelineresults [r], the referenced results don't exist"
    )


def test_pipeline_run_results_from_matrixed_task() -> None:
    producer = task(
        MATRIXED,
        succeeded("pr-task-0", results={"r": "a"}),
        succeeded("pr-task-1", results={"r": "b"}),
    )
    consumer = task(
        pt("c", params=[{"name": "p", "value": "$(tasks.task.results.r[*])"}]), succeeded("pr-c")
    )
    f = facts([producer, consumer])
    results, error = pipeline_run_results(
        f, _pipeline_results(("all", "$(tasks.task.results.r[*])")), NOW
    )
    assert error is None
    assert [(r.name, r.value) for r in results] == [("all", ["a", "b"])]


# -- misc -----------------------------------------------------------------------------------


def test_adjust_start_time() -> None:
    later = "2022-01-01T00:00:05Z"
    earlier = "2021-12-31T23:59:00Z"
    state = [
        task(MYTASK1, succeeded("a", created=later)),
        task(MYTASK2, succeeded("b", created=earlier)),
    ]
    assert adjust_start_time(state, NOW) == NOW - timedelta(minutes=1)
    assert adjust_start_time([task(MYTASK1, succeeded("a", created=later))], NOW) == NOW
    assert adjust_start_time([], NOW) == NOW


@pytest.mark.parametrize(
    ("refs", "count", "expected"),
    [
        pytest.param([], 1, ["mypipelinerun-mytask"], id="new"),
        pytest.param(
            [{"kind": "TaskRun", "name": "existing", "pipelineTaskName": "mytask"}],
            1,
            ["existing"],
            id="existing",
        ),
        pytest.param(
            [],
            3,
            ["mypipelinerun-mytask-0", "mypipelinerun-mytask-1", "mypipelinerun-mytask-2"],
            id="matrix",
        ),
        pytest.param(
            [{"kind": "CustomRun", "name": "custom", "pipelineTaskName": "mytask"}],
            1,
            ["mypipelinerun-mytask"],
            id="other-kinds-ignored",
        ),
    ],
)
def test_get_task_run_names(refs: list[dict[str, str]], count: int, expected: list[str]) -> None:
    child_refs = [msgspec.convert(r, ChildStatusReference) for r in refs]
    assert get_task_run_names(child_refs, "mytask", "mypipelinerun", count) == expected


def test_get_task_run_names_long_matrix() -> None:
    pr_name = "p" * 50
    names = get_task_run_names(None, "a-long-pipeline-task", pr_name, 12)
    assert all(len(n) <= 63 for n in names)
    assert [n.rsplit("-", 1)[1] for n in names] == [str(i) for i in range(12)]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({}, (timedelta(hours=1), None, None), id="defaults"),
        pytest.param(
            {"pipeline": "2m", "finally": "1m"},
            (timedelta(minutes=2), timedelta(minutes=1), timedelta(minutes=1)),
            id="tasks-derived",
        ),
        pytest.param(
            {"pipeline": "2m", "tasks": "90s"},
            (timedelta(minutes=2), timedelta(seconds=90), timedelta(seconds=30)),
            id="finally-derived",
        ),
        pytest.param(
            {"pipeline": "0", "finally": "1m"},
            (timedelta(0), None, timedelta(minutes=1)),
            id="no-pipeline-timeout",
        ),
        pytest.param(
            {"tasks": "5m"}, (timedelta(hours=1), timedelta(minutes=5), None), id="tasks-only"
        ),
    ],
)
def test_timeouts_from_pipelinerun(
    spec: dict[str, str], expected: tuple[timedelta, timedelta | None, timedelta | None]
) -> None:
    t = _timeouts(spec, timedelta(0))
    assert (t.pipeline, t.tasks, t.finally_) == expected


def test_resolved_pipeline_task_of_the_resolver_fits() -> None:
    # The resolution step's ResolvedPipelineTask is a PipelineTaskState.
    from tektite.engine.resolve_pipelinerun import ResolvedPipelineTask

    state = [
        ResolvedPipelineTask(pipeline_task=MYTASK1, task_runs=[succeeded("pr-mytask1")]),
        ResolvedPipelineTask(pipeline_task=MYTASK2),
    ]
    f = PipelineRunFacts.build(state, [MYTASK1, MYTASK2])
    assert [t.pipeline_task.name for t in dag_execution_queue(f, NOW)] == ["mytask2"]
    assert get_pipeline_condition_status(f, "pr", NOW).message == _message(
        "Unknown", succeeded_=1, incomplete=1
    )


# -- a whole run, pass by pass --------------------------------------------------------------


def _pass(
    state: list[Task], dag: list[str], finals: list[str], **options: Any
) -> tuple[PipelineRunFacts, list[str], Any]:
    """One reconcile pass: plan, "create" the runs (no status yet), then the condition."""
    by_name = {t.pipeline_task.name: t for t in state}
    f = facts(
        state,
        dag=[by_name[n] for n in dag],
        finally_=[by_name[n] for n in finals],
        **options,
    )
    plan = plan_next_tasks(f, NOW, "pr")
    created = [s.task.pipeline_task.name for s in plan.tasks]
    for scheduled_task in plan.tasks:
        name = scheduled_task.pipeline_task.name
        f.replace_task(Task(scheduled_task.pipeline_task, [scheduled(f"pr-{name}")]))
    f.reset_skip_cache()
    return f, created, get_pipeline_condition_status(f, "pr", NOW)


def test_a_run_pass_by_pass() -> None:
    a = pt("a")
    b = pt("b", params=[{"name": "p", "value": "$(tasks.a.results.r)"}])
    guarded = pt("guarded", when=[when("$(tasks.a.results.r)", "notin", "v")])
    after_guarded = pt("after-guarded", runAfter=["guarded"])
    fin = pt("fin", params=[{"name": "s", "value": "$(tasks.status)"}])
    dag, finals = ["a", "b", "guarded", "after-guarded"], ["fin"]

    state = [Task(a), Task(b), Task(guarded), Task(after_guarded), Task(fin)]
    f, created, c = _pass(state, dag, finals)
    assert created == ["a"]
    assert (c.status, c.reason) == ("Unknown", "Running")

    state[0] = Task(a, [succeeded("pr-a", results={"r": "v"})])
    f, created, c = _pass(state, dag, finals)
    assert created == ["b", "after-guarded"]  # a when-skip guards only its own task
    assert [s.name for s in get_skipped_tasks(f, NOW)] == ["guarded"]
    assert c.message == _message("Unknown", succeeded_=1, incomplete=3, skipped=1)

    state[1] = Task(b, [succeeded("pr-b")])
    state[3] = Task(after_guarded, [succeeded("pr-after-guarded")])
    f, created, c = _pass(state, dag, finals)
    assert created == ["fin"]
    params = f.by_name["fin"].pipeline_task.params
    assert params is not None and params[0].value == "Completed"

    state[4] = Task(fin, [succeeded("pr-fin")])
    f, created, c = _pass(state, dag, finals)
    assert created == []
    assert (c.status, c.reason, c.message) == (
        "True",
        "Completed",
        _message("True", succeeded_=4, skipped=1),
    )
    assert [r.pipeline_task_name for r in get_child_references(f, NOW)] == [
        "a",
        "b",
        "after-guarded",
        "fin",
    ]
