"""Skip decisions, lifted from Tekton's ``pipelinerunresolution_test.go``
(``TestIsSkipped``, ``TestSkipBecauseParentTaskWasSkipped``,
``TestResolvedPipelineRunTask_IsFinallySkipped*``, ``TestEvaluateCEL_*``).

Tekton's tables only assert "skipped or not"; these also assert the reason, which
follows from the order of checks in ``skip``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tektite.api.models import PipelineTask, TaskRun
from tektite.engine.pipeline_facts import SkipReason
from tektite.engine.pipeline_skip import (
    CelEvaluationError,
    check_dag_tasks_done,
    evaluate_cel,
    is_done,
    is_finally_skipped,
    is_stopping,
    skip,
    when_allows_execution,
)
from tests.engine.pipeline_fixtures import (
    MYTASK1,
    MYTASK2,
    MYTASK5,
    MYTASK6,
    MYTASK7,
    MYTASK8,
    MYTASK10,
    MYTASK11,
    MYTASK12,
    NOW,
    Task,
    cancelled,
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

WHEN = SkipReason.WHEN_EXPRESSIONS
PARENT = SkipReason.PARENT_TASKS
STOPPING = SkipReason.STOPPING
MISSING = SkipReason.MISSING_RESULTS
PIPELINE_TIMEOUT = SkipReason.PIPELINE_TIMED_OUT
TASKS_TIMEOUT = SkipReason.TASKS_TIMED_OUT
FINALLY_TIMEOUT = SkipReason.FINALLY_TIMED_OUT
EMPTY = SkipReason.EMPTY_ARRAY_IN_MATRIX_PARAMS

ONE_FAILED = [task(MYTASK1, failed("pipelinerun-mytask1")), task(MYTASK2)]
ONE_FINISHED = [task(MYTASK1, succeeded("pipelinerun-mytask1")), task(MYTASK2)]
ONE_STARTED = [task(MYTASK1, started("pipelinerun-mytask1")), task(MYTASK2)]
FINAL_SCHEDULED = [
    task(MYTASK1, succeeded("pipelinerun-mytask1")),
    task(MYTASK2, scheduled("pipelinerun-mytask2")),
]
TASK_CANCELLED = [task(MYTASK5, cancelled("pipelinerun-mytask1", status="", retried=True))]

MYTASK18 = pt("mytask18", runAfter=["mytask11"])
MYTASK19 = pt("mytask19", runAfter=["mytask18"])
MYTASK20 = pt(
    "mytask20", params=[{"name": "commit", "value": "$(tasks.mytask11.results.missingResult)"}]
)
MYTASK21 = pt("mytask21", runAfter=["mytask20"])
MYTASK22 = pt(
    "mytask22",
    when=[when("$(tasks.mytask11.results.missingResult)", "in", "expectedResult")],
)
MYTASK23 = pt("mytask23", runAfter=["mytask22"])


def _matrix_task(name: str, *arrays: list[str]) -> PipelineTask:
    params = [{"name": f"p{i}", "value": values} for i, values in enumerate(arrays)]
    return pt(name, matrix={"params": params})


IS_SKIPPED_CASES: list[tuple[str, list[Task], dict[str, SkipReason | None], dict[str, object]]] = [
    ("tasks-failed", ONE_FAILED, {"mytask1": None, "mytask2": STOPPING}, {}),
    ("tasks-passed", ONE_FINISHED, {"mytask1": None, "mytask2": None}, {}),
    ("tasks-cancelled", TASK_CANCELLED, {"mytask5": None}, {}),
    ("tasks-scheduled", FINAL_SCHEDULED, {"mytask1": None, "mytask2": None}, {}),
    (
        "tasks-parent-failed",
        [task(MYTASK6, failed("pipelinerun-mytask1")), task(MYTASK7)],
        {"mytask7": STOPPING},
        {},
    ),
    (
        "tasks-parent-cancelled",
        [task(MYTASK6, cancelled("pipelinerun-mytask1")), task(MYTASK7)],
        {"mytask7": STOPPING},
        {},
    ),
    (
        "tasks-grandparent-failed",
        [
            task(MYTASK6, failed("pipelinerun-mytask1")),
            task(MYTASK7),
            task(pt("mytask10", runAfter=["mytask7"])),
        ],
        {"mytask10": STOPPING},
        {},
    ),
    (
        "tasks-parents-failed-passed",
        [
            task(MYTASK6, succeeded("pipelinerun-mytask1")),
            task(MYTASK1, failed("pipelinerun-mytask1")),
            task(MYTASK8),
        ],
        {"mytask8": STOPPING},
        {},
    ),
    (
        "task-failed-pipeline-stopping",
        [
            task(MYTASK1, failed("pipelinerun-mytask1")),
            task(MYTASK6, started("pipelinerun-mytask2")),
            task(MYTASK7),
        ],
        {"mytask7": STOPPING},
        {},
    ),
    ("tasks-when-expressions-passed", [task(MYTASK10)], {"mytask10": None}, {}),
    ("tasks-when-expression-failed", [task(MYTASK11)], {"mytask11": WHEN}, {}),
    (
        "when-expression-task-but-without-parent-done",
        [task(MYTASK1), task(MYTASK12)],
        {"mytask12": None},
        {},
    ),
    (
        "tasks-when-expressions",
        [task(MYTASK11), task(MYTASK18)],
        {"mytask11": WHEN, "mytask18": None},
        {},
    ),
    (
        "tasks-when-expressions-run-multiple-dependent-tasks",
        [task(MYTASK11), task(MYTASK18), task(MYTASK19)],
        {"mytask11": WHEN, "mytask18": None, "mytask19": None},
        {},
    ),
    (
        "tasks-when-expressions-run-multiple-ordering-and-resource-dependent-tasks",
        [
            task(MYTASK11),
            task(MYTASK18),
            task(MYTASK19),
            task(MYTASK20),
            task(MYTASK21),
            task(MYTASK22),
            task(MYTASK23),
        ],
        {
            "mytask11": WHEN,
            "mytask18": None,
            "mytask19": None,
            "mytask20": MISSING,
            "mytask21": PARENT,
            "mytask22": WHEN,
            "mytask23": None,
        },
        {},
    ),
    (
        "pipeline-tasks-timeout-not-reached",
        ONE_STARTED,
        {"mytask1": None, "mytask2": None},
        {"start_time": NOW - timedelta(minutes=5), "tasks_timeout": timedelta(minutes=10)},
    ),
    (
        "pipeline-timeout-not-reached",
        ONE_STARTED,
        {"mytask1": None, "mytask2": None},
        {"start_time": NOW - timedelta(minutes=5), "pipeline_timeout": timedelta(minutes=10)},
    ),
    (
        "pipeline-tasks-timeout-reached",
        ONE_STARTED,
        {"mytask1": None, "mytask2": TASKS_TIMEOUT},
        {"start_time": NOW - timedelta(minutes=5), "tasks_timeout": timedelta(minutes=4)},
    ),
    (
        "pipeline-timeout-reached",
        ONE_STARTED,
        {"mytask1": None, "mytask2": PIPELINE_TIMEOUT},
        {"start_time": NOW - timedelta(minutes=5), "pipeline_timeout": timedelta(minutes=4)},
    ),
    (
        "matrix-params-contain-empty-arr",
        [
            task(_matrix_task("mytask1", ["foo", "bar"])),
            task(_matrix_task("mytask2", [])),
            task(_matrix_task("mytask3", ["foo", "bar"], [])),
        ],
        {"mytask1": None, "mytask2": EMPTY, "mytask3": EMPTY},
        {},
    ),
]


@pytest.mark.parametrize(
    ("state", "expected", "options"),
    [pytest.param(s, e, o, id=name) for name, s, e, o in IS_SKIPPED_CASES],
)
def test_is_skipped(
    state: list[Task], expected: dict[str, SkipReason | None], options: dict[str, object]
) -> None:
    f = facts(state, **options)  # type: ignore[arg-type]
    for name, reason in expected.items():
        assert skip(f.by_name[name], f, NOW) == reason, name


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        pytest.param([task(MYTASK1), task(MYTASK12)], {"mytask12": None}, id="parent-not-done"),
        pytest.param(
            [task(MYTASK11), task(MYTASK18), task(MYTASK19)],
            {"mytask11": None, "mytask18": None, "mytask19": None},
            id="when-skips-do-not-cascade",
        ),
    ],
)
def test_skip_because_parent_task_was_skipped(
    state: list[Task], expected: dict[str, SkipReason | None]
) -> None:
    # Tekton tests skipBecauseParentTaskWasSkipped alone: no task here has a parent
    # skipped for a reason other than its when expressions.
    f = facts(state)
    for name in expected:
        reason = skip(f.by_name[name], f, NOW)
        assert reason is not PARENT


def test_gracefully_cancelled_and_stopped_skip_unscheduled_dag_tasks() -> None:
    state = [task(MYTASK1, succeeded("pr-mytask1")), task(MYTASK2)]
    cancelled_facts = facts(state, spec_status="CancelledRunFinally")
    assert skip(state[1], cancelled_facts, NOW) is SkipReason.GRACEFULLY_CANCELLED
    assert skip(state[0], cancelled_facts, NOW) is None
    stopped_facts = facts(state, spec_status="StoppedRunFinally")
    assert skip(state[1], stopped_facts, NOW) is SkipReason.GRACEFULLY_STOPPED


def test_stopping_wins_over_graceful_cancel_and_when() -> None:
    state = [task(MYTASK1, failed("pr-mytask1")), task(MYTASK11)]
    f = facts(state, spec_status="CancelledRunFinally")
    assert skip(state[1], f, NOW) is STOPPING


def test_on_error_continue_failure_does_not_stop() -> None:
    ignored = pt("ignored", onError="continue")
    state = [task(ignored, failed("pr-ignored")), task(pt("next", runAfter=["ignored"]))]
    f = facts(state)
    assert not is_stopping(f)
    assert skip(state[1], f, NOW) is None


def test_validation_failed_task_stops_and_is_done() -> None:
    state = [task(MYTASK1), task(MYTASK2)]
    f = facts(state)
    f.validation_failed["mytask1"] = "boom"
    assert is_stopping(f)
    assert skip(state[0], f, NOW) is None
    assert is_done(state[0], f, NOW)
    assert skip(state[1], f, NOW) is STOPPING


def test_missing_results_with_on_error_continue() -> None:
    # The producer failed (ignored) without writing its result; the consumer continues
    # on error, so it is skipped rather than failing validation.
    producer = pt("producer", onError="continue")
    consumer = pt(
        "consumer",
        onError="continue",
        params=[{"name": "p", "value": "$(tasks.producer.results.r)"}],
    )
    state = [task(producer, failed("pr-producer")), task(consumer)]
    f = facts(state)
    assert skip(state[1], f, NOW) is MISSING


def test_unresolvable_results_without_on_error_are_not_a_skip() -> None:
    # The scheduler's result validation deals with this one (PipelineValidationFailed).
    producer = pt("producer", onError="continue")
    consumer = pt("consumer", params=[{"name": "p", "value": "$(tasks.producer.results.r)"}])
    state = [task(producer, failed("pr-producer")), task(consumer)]
    assert skip(state[1], facts(state), NOW) is None


def test_missing_results_only_in_matrix_params_are_not_looked_at() -> None:
    # Tekton's hasResultReferences reads Params twice instead of Matrix.Params.
    producer = pt("producer", when=[when("a", "in", "b")])
    consumer = pt(
        "consumer",
        matrix={"params": [{"name": "p", "value": "$(tasks.producer.results.r[*])"}]},
    )
    state = [task(producer), task(consumer)]
    f = facts(state)
    assert skip(state[0], f, NOW) is WHEN
    assert skip(state[1], f, NOW) is None


def test_results_substituted_before_empty_matrix_check() -> None:
    producer = pt("producer")
    consumer = pt(
        "consumer",
        params=[{"name": "x", "value": "$(tasks.producer.results.one)"}],
        matrix={"params": [{"name": "p", "value": "$(tasks.producer.results.none[*])"}]},
    )
    state = [
        task(producer, succeeded("pr-producer", results={"one": "1", "none": []})),
        task(consumer),
    ]
    assert skip(state[1], facts(state), NOW) is EMPTY


def test_when_expressions_see_resolved_results() -> None:
    producer = pt("producer")
    consumer = pt("consumer", when=[when("$(tasks.producer.results.r)", "in", "yes")])
    ok = [task(producer, succeeded("pr-producer", results={"r": "yes"})), task(consumer)]
    assert skip(ok[1], facts(ok), NOW) is None
    no = [task(producer, succeeded("pr-producer", results={"r": "no"})), task(consumer)]
    assert skip(no[1], facts(no), NOW) is WHEN


def test_skip_decision_is_cached_for_one_instant() -> None:
    state = [task(MYTASK1, started("pr-mytask1")), task(MYTASK2)]
    f = facts(state, start_time=NOW, tasks_timeout=timedelta(minutes=1))
    assert skip(state[1], f, NOW) is None
    assert f.skip_cache == {"mytask2": None}
    later = NOW + timedelta(minutes=2)
    assert skip(state[1], f, later) is TASKS_TIMEOUT


# -- is_done / checkDAGTasksDone (TestPipelineRunFacts_CheckDAGTasksDoneDone) -------------


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        # makeRetried leaves the condition's status empty: neither succeeded nor failed.
        pytest.param([cancelled("tr", status="", retried=True)], False, id="cancelled-by-status"),
        pytest.param(
            [new_taskrun("tr", spec_status="TaskRunCancelled", retried=True)],
            False,
            id="cancelled-by-spec",
        ),
        pytest.param([started("tr")], False, id="running"),
        pytest.param([succeeded("tr")], True, id="succeeded"),
        pytest.param([to_be_retried("tr", retried=True)], False, id="to-be-retried"),
        pytest.param([], False, id="no-taskrun"),
        pytest.param([cancelled("tr")], True, id="cancelled-failed-with-retries"),
    ],
)
def test_check_dag_tasks_done(runs: list[TaskRun], expected: bool) -> None:
    state = [task(MYTASK5, *runs)]
    f = facts(state)
    assert is_done(state[0], f, NOW) is expected
    assert check_dag_tasks_done(f, NOW) is expected


# -- finally tasks (TestResolvedPipelineRunTask_IsFinallySkipped) --------------------------

_DAG_TASK = pt("dag-task")
_FINALS = [
    pt("final-task-1", params=[{"name": "commit", "value": "$(tasks.dag-task.results.commit)"}]),
    pt(
        "final-task-2",
        params=[{"name": "commit", "value": "$(tasks.dag-task.results.missingResult)"}],
    ),
    pt("final-task-3", when=[when("foo", "notin", "bar")]),
    pt("final-task-4", when=[when("foo", "in", "bar")]),
    pt("final-task-5", when=[when("$(tasks.dag-task.results.commit)", "in", "SHA2")]),
    pt("final-task-6", when=[when("$(tasks.dag-task.results.missing)", "in", "none")]),
    pt("final-task-7", matrix={"params": [{"name": "platform", "value": []}]}),
]

_NO_TIMEOUT = {
    "final-task-1": None,
    "final-task-2": MISSING,
    "final-task-3": None,
    "final-task-4": WHEN,
    "final-task-5": None,
    "final-task-6": MISSING,
    "final-task-7": EMPTY,
}


def _timed_out(reason: SkipReason) -> dict[str, SkipReason | None]:
    return {
        "final-task-1": reason,
        "final-task-2": MISSING,
        "final-task-3": reason,
        "final-task-4": WHEN,
        "final-task-5": reason,
        "final-task-6": MISSING,
        "final-task-7": reason,
    }


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param({}, _NO_TIMEOUT, id="no-finally-timeout"),
        pytest.param(
            {
                "finally_start_time": NOW - timedelta(minutes=5),
                "finally_timeout": timedelta(minutes=10),
            },
            _NO_TIMEOUT,
            id="finally-timeout-not-yet-reached",
        ),
        pytest.param(
            {"start_time": NOW - timedelta(minutes=5), "pipeline_timeout": timedelta(minutes=10)},
            _NO_TIMEOUT,
            id="pipeline-timeout-not-yet-reached",
        ),
        pytest.param(
            {
                "finally_start_time": NOW - timedelta(minutes=5),
                "finally_timeout": timedelta(minutes=4),
            },
            _timed_out(FINALLY_TIMEOUT),
            id="finally-timeout-passed",
        ),
        pytest.param(
            {"start_time": NOW - timedelta(minutes=5), "pipeline_timeout": timedelta(minutes=4)},
            _timed_out(PIPELINE_TIMEOUT),
            id="pipeline-timeout-passed",
        ),
    ],
)
def test_is_finally_skipped(
    options: dict[str, object], expected: dict[str, SkipReason | None]
) -> None:
    dag = task(_DAG_TASK, taskrun("dag-task", "True", results={"commit": "SHA2"}))
    finals = [task(p) for p in _FINALS]
    options = {"start_time": NOW, "finally_start_time": NOW, **options}
    f = facts([dag, *finals], dag=[dag], finally_=finals, **options)  # type: ignore[arg-type]
    for final in finals:
        name = final.pipeline_task.name
        assert is_finally_skipped(final, f, NOW) == expected[name], name
    assert skip(finals[0], f, NOW) is None  # Skip never skips a finally task


def test_finally_not_decided_before_dag_is_done() -> None:
    dag = task(_DAG_TASK, started("dag-task"))
    final = task(pt("final", when=[when("foo", "in", "bar")]))
    f = facts([dag, final], dag=[dag], finally_=[final])
    assert is_finally_skipped(final, f, NOW) is None


@pytest.mark.parametrize(
    "final_run",
    [
        pytest.param(taskrun("final-task", "Unknown"), id="task-started"),
        pytest.param(scheduled("final-task"), id="task-scheduled"),
    ],
)
def test_is_finally_skipped_by_condition(final_run: object) -> None:
    dag = task(_DAG_TASK, taskrun("dag-task", "True"))
    final = task(
        pt("final-task", when=[when("$(tasks.dag-task.status)", "in", "Succeeded")]),
        final_run,  # type: ignore[arg-type]
    )
    f = facts([dag, final], dag=[dag], finally_=[final])
    assert is_finally_skipped(final, f, NOW) is None


@pytest.mark.parametrize(
    ("dag_run", "expected"),
    [
        pytest.param(taskrun("dag-task", "True", "Succeeded"), None, id="status-succeeded"),
        pytest.param(failed("dag-task"), WHEN, id="status-failed"),
    ],
)
def test_finally_when_sees_execution_status(dag_run: object, expected: SkipReason | None) -> None:
    # Tekton substitutes $(tasks.<t>.status) into finally tasks before deciding.
    dag = task(_DAG_TASK, dag_run)  # type: ignore[arg-type]
    final = task(
        pt(
            "final-task",
            when=[
                when("$(tasks.dag-task.status)", "in", "Succeeded"),
                when("$(tasks.status)", "in", "Succeeded"),
            ],
        )
    )
    f = facts([dag, final], dag=[dag], finally_=[final])
    assert is_finally_skipped(final, f, NOW) == expected


# -- when expressions and CEL (TestEvaluateCEL_*) -----------------------------------------


@pytest.mark.parametrize(
    ("cels", "expected"),
    [
        pytest.param([""], {}, id="empty"),
        pytest.param(["'foo'=='foo'"], {"'foo'=='foo'": True}, id="equal"),
        pytest.param(["'bar'!='foo'"], {"'bar'!='foo'": True}, id="not-equal"),
        pytest.param(["'foo' in ['foo', 'bar']"], {"'foo' in ['foo', 'bar']": True}, id="in"),
        pytest.param(
            ["!('duh' in ['foo', 'bar'])"], {"!('duh' in ['foo', 'bar'])": True}, id="not-in"
        ),
        pytest.param(["'0.95'>'0.9'"], {"'0.95'>'0.9'": True}, id="greater-than"),
        pytest.param(["'0.85'<'0.9'"], {"'0.85'<'0.9'": True}, id="less-than"),
        pytest.param(["'foo'=='foo'||false"], {"'foo'=='foo'||false": True}, id="or"),
        pytest.param(["'foo'=='foo'&&true"], {"'foo'=='foo'&&true": True}, id="and"),
        pytest.param(
            ["'release/v1'.matches('release/.*')"],
            {"'release/v1'.matches('release/.*')": True},
            id="regex",
        ),
        pytest.param(
            ["'foo'=='foo'", "'foo'!='foo'", "'foo'!='bar'"],
            {"'foo'!='bar'": True, "'foo'!='foo'": False, "'foo'=='foo'": True},
            id="multiple",
        ),
    ],
)
def test_evaluate_cel_valid(cels: list[str], expected: dict[str, bool]) -> None:
    assert evaluate_cel(pt("t", when=[{"cel": c} for c in cels])) == expected


@pytest.mark.parametrize(
    "cel",
    [
        pytest.param("$(params.foo)=='foo'", id="compile-error"),
        pytest.param("{'blue': '0x000080', 'red': '0xFF0000'}['red']", id="not-a-boolean"),
    ],
)
def test_evaluate_cel_invalid(cel: str) -> None:
    with pytest.raises(CelEvaluationError):
        evaluate_cel(pt("t", when=[{"cel": cel}]))


def test_evaluate_cel_not_boolean_message() -> None:
    expression = "{'blue': '0x000080', 'red': '0xFF0000'}['red']"
    with pytest.raises(CelEvaluationError) as err:
        evaluate_cel(pt("t", when=[{"cel": expression}]))
    assert str(err.value) == f"The CEL expression {expression} is not evaluated to a boolean"


@pytest.mark.parametrize(
    ("whens", "allowed"),
    [
        pytest.param([], True, id="none"),
        pytest.param([when("foo", "in", "foo", "bar")], True, id="in"),
        pytest.param([when("foo", "notin", "foo", "bar")], False, id="notin"),
        pytest.param([when("", "notin", "a")], True, id="empty-input-notin"),
        pytest.param([when("foo", "in", "foo"), when("bar", "in", "foo")], False, id="anded"),
        pytest.param([{"cel": "'a' == 'a'"}], True, id="cel-true"),
        pytest.param([{"cel": "'a' == 'b'"}], False, id="cel-false"),
        pytest.param([{"cel": "1 + 1"}], False, id="cel-not-boolean"),
        pytest.param([{"cel": "$(params.x) == 'a'"}], False, id="cel-invalid"),
    ],
)
def test_when_allows_execution(whens: list[dict[str, object]], allowed: bool) -> None:
    assert when_allows_execution(pt("t", when=whens).when) is allowed


def test_cel_when_skips_task() -> None:
    state = [task(pt("t", when=[{"cel": "'$(x)' == 'y'"}]))]
    f = facts(state)
    assert skip(state[0], f, NOW) is WHEN
