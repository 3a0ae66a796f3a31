"""Result references, lifted from Tekton's ``resultrefresolution_test.go``,
``TestPipelineRunState_GetResultsFuncs``, ``TestCreateResultsCacheMatrixedTaskRuns`` and
``apply_test.go``'s ``TestApply*ResultsToPipelineResults*``."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.models import PipelineResult, PipelineRunResult, PipelineTask, RunResult
from tektite.api.resultref import ResultRef
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
    validate_array_results_index,
)
from tests.engine.pipeline_fixtures import (
    MATRIXED,
    Task,
    cancelled,
    cancelled_for_timeout,
    facts,
    pt,
    started,
    task,
    taskrun,
    when,
)


def _ok(name: str, **results: Any) -> Any:
    return taskrun(name, "True", results=results)


def _bad(name: str, **results: Any) -> Any:
    return taskrun(name, "False", results=results)


# Tekton's pipelineRunState fixture (resultrefresolution_test.go), by index.
A_TASK = task(pt("aTask", taskRef={"name": "aTask"}), _ok("aTaskRun", aResult="aResultValue"))
C_TASK = task(
    pt("cTask", params=[{"name": "cParam", "value": "$(tasks.cTask.results.cResult[1])"}]),
    _ok("cTaskRun", cResult=["arrayResultOne", "arrayResultTwo"]),
)
D_TASK = task(
    pt("dTask", params=[{"name": "dParam", "value": "$(tasks.dTask.results.dResult[3])"}]),
    _ok("dTaskRun", dResult=["arrayResultOne", "arrayResultTwo"]),
)
E_TASK = task(pt("eTask"), _bad("eTaskRun", eResult="eResultValue"))
K_TASK = task(
    pt(
        "kTask",
        matrix={
            "include": [
                {
                    "name": "build-1",
                    "params": [
                        {"name": "NAME", "value": "image-1"},
                        {"name": "DOCKERFILE", "value": "path/to/Dockerfile1"},
                    ],
                },
                {
                    "name": "build-2",
                    "params": [
                        {"name": "NAME", "value": "image-2"},
                        {"name": "DOCKERFILE", "value": "path/to/Dockerfile2"},
                    ],
                },
            ]
        },
    ),
    _ok("kTaskRun-0", **{"IMAGE-DIGEST": "123"}),
    _ok("kTaskRun-1", **{"IMAGE-DIGEST": "345"}),
)
L_TASK = task(
    pt("lTask", params=[{"name": "jParam", "value": "$(tasks.does-not-exist.results.some-result)"}])
)
N_TASK = task(pt("nTask", matrix={"include": [{}]}), _ok("nTaskRun", nResult="one"))

STATE = [A_TASK, C_TASK, D_TASK, E_TASK, K_TASK, L_TASK, N_TASK]
BY_NAME = {t.pipeline_task.name: t for t in STATE}


def _b(**fields: Any) -> PipelineTask:
    return pt("bTask", taskRef={"name": "bTask"}, **fields)


def _param(value: Any) -> list[dict[str, Any]]:
    return [{"name": "bParam", "value": value}]


def _ref(task_name: str, result: str, index: int | None = None) -> ResultRef:
    return ResultRef(pipeline_task=task_name, result=result, results_index=index)


RESOLVE_CASES: list[tuple[str, PipelineTask, list[ResolvedResultRef] | str]] = [
    (
        "params",
        _b(params=_param("$(tasks.aTask.results.aResult)")),
        [ResolvedResultRef("aResultValue", _ref("aTask", "aResult"), "aTaskRun")],
    ),
    (
        "array-indexing",
        STATE[1].pipeline_task,
        [
            ResolvedResultRef(
                ["arrayResultOne", "arrayResultTwo"], _ref("cTask", "cResult", 1), "cTaskRun"
            )
        ],
    ),
    (
        "matrix-whole-array-references",
        pt(
            "gTask",
            matrix={
                "params": [
                    {"name": "dResults", "value": "$(tasks.dTask.results.dResult[*])"},
                    {"name": "cResults", "value": "$(tasks.cTask.results.cResult[*])"},
                ]
            },
        ),
        [
            ResolvedResultRef(
                ["arrayResultOne", "arrayResultTwo"], _ref("cTask", "cResult"), "cTaskRun"
            ),
            ResolvedResultRef(
                ["arrayResultOne", "arrayResultTwo"], _ref("dTask", "dResult"), "dTaskRun"
            ),
        ],
    ),
    (
        "matrix-missing-array-result",
        pt(
            "iTask",
            matrix={
                "params": [
                    {"name": "iDoNotExist", "value": "$(tasks.dTask.results.iDoNotExist[*])"}
                ]
            },
        ),
        "dTask",
    ),
    (
        "when-expressions",
        _b(when=[when("$(tasks.aTask.results.aResult)", "in", "$(tasks.aTask.results.aResult)")]),
        [ResolvedResultRef("aResultValue", _ref("aTask", "aResult"), "aTaskRun")],
    ),
    ("no-result-references", A_TASK.pipeline_task, []),
    (
        "missing-result-in-when-expression",
        _b(
            when=[
                when(
                    "$(tasks.aTask.results.missingResult)",
                    "in",
                    "$(tasks.aTask.results.missingResult)",
                )
            ]
        ),
        "aTask",
    ),
    (
        "missing-result-in-params",
        _b(params=_param("$(tasks.aTask.results.missingResult)")),
        "aTask",
    ),
    (
        "failed-taskrun-results-are-usable",
        pt("fTask", params=[{"name": "fParam", "value": "$(tasks.eTask.results.eResult)"}]),
        [ResolvedResultRef("eResultValue", _ref("eTask", "eResult"), "eTaskRun")],
    ),
    (
        "matrix-emitting-results",
        pt(
            "hTask",
            params=[{"name": "image-digest", "value": "$(tasks.kTask.results.IMAGE-DIGEST)[*]"}],
        ),
        [ResolvedResultRef(["123", "345"], _ref("kTask", "IMAGE-DIGEST"), "kTaskRun-1")],
    ),
    (
        "matrix-emitting-results-missing",
        pt(
            "iTask",
            params=[{"name": "image-digest", "value": "$(tasks.kTask.results.I-DO-NOT-EXIST)[*]"}],
        ),
        "kTask",
    ),
    (
        "single-element-matrix",
        pt("oTask", params=[{"name": "oParam", "value": "$(tasks.nTask.results.nResult)"}]),
        [ResolvedResultRef(["one"], _ref("nTask", "nResult"), "nTaskRun")],
    ),
]


@pytest.mark.parametrize(
    ("target", "expected"), [pytest.param(t, e, id=n) for n, t, e in RESOLVE_CASES]
)
def test_resolve_result_refs(target: PipelineTask, expected: list[ResolvedResultRef] | str) -> None:
    if isinstance(expected, str):
        with pytest.raises(UnresolvedResultError) as err:
            resolve_result_refs(BY_NAME, target)
        assert err.value.pipeline_task == expected
    else:
        assert resolve_result_refs(BY_NAME, target) == expected


@pytest.mark.parametrize(
    ("target", "message"),
    [
        pytest.param(
            pt("x", params=[{"name": "p", "value": "$(tasks.nope.results.r)"}]),
            'could not find task "nope" referenced by result',
            id="unknown-task",
        ),
        pytest.param(
            pt("x", params=[{"name": "p", "value": "$(tasks.lTask.results.r)"}]),
            'task "lTask" referenced by result was not finished',
            id="not-finished",
        ),
        pytest.param(
            _b(params=_param("$(tasks.aTask.results.missingResult)")),
            "Invalid task result reference: Could not find result with name missingResult "
            "for pipeline task aTask",
            id="missing-result",
        ),
        pytest.param(
            pt("x", params=[{"name": "p", "value": "$(tasks.kTask.results.nope[*])"}]),
            "Invalid task result reference: Could not find result with name nope for task kTask",
            id="missing-matrix-result",
        ),
    ],
)
def test_resolve_result_refs_messages(target: PipelineTask, message: str) -> None:
    with pytest.raises(UnresolvedResultError, match=None) as err:
        resolve_result_refs(BY_NAME, target)
    assert str(err.value) == message


def test_matrix_results_are_gathered_in_taskrun_name_order() -> None:
    # Tekton sorts the TaskRuns by name, lexicographically.
    producer = task(
        MATRIXED,
        *[_ok(f"pr-task-{i}", r=str(i)) for i in range(12)],
    )
    target = pt("c", params=[{"name": "p", "value": "$(tasks.task.results.r[*])"}])
    [ref] = resolve_result_refs({"task": producer}, target)
    assert ref.value == ["0", "1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9"]


# -- CheckMissingResultReferences -----------------------------------------------------------

CHECK_CASES: list[tuple[str, PipelineTask, str | None]] = [
    ("params", _b(params=_param("$(tasks.aTask.results.aResult)")), None),
    ("array-params", STATE[1].pipeline_task, None),
    (
        "when-expression-missing",
        _b(
            when=[
                when(
                    "$(tasks.aTask.results.missingResult)",
                    "in",
                    "$(tasks.aTask.results.missingResult)",
                )
            ]
        ),
        'task "aTask" completed successfully but did not emit the result "missingResult", '
        'which is referenced by task "bTask"',
    ),
    (
        "params-missing",
        _b(params=_param("$(tasks.aTask.results.missingResult)")),
        'task "aTask" completed successfully but did not emit the result "missingResult", '
        'which is referenced by task "bTask"',
    ),
    ("no-references", A_TASK.pipeline_task, None),
    (
        "failed-taskrun",
        pt("fTask", params=[{"name": "fParam", "value": "$(tasks.eTask.results.eResult)"}]),
        None,
    ),
    (
        "matrix-missing-whole-array",
        pt(
            "iTask",
            matrix={
                "params": [
                    {"name": "iDoNotExist", "value": "$(tasks.dTask.results.iDoNotExist[*])"}
                ]
            },
        ),
        'task "dTask" completed successfully but did not emit the result "iDoNotExist", '
        'which is referenced by task "iTask"',
    ),
    (
        "unknown-task",
        L_TASK.pipeline_task,
        'Result reference error: Could not find ref "does-not-exist" in internal pipelineRunState',
    ),
    (
        "no-taskruns",
        pt("mTask", params=[{"name": "mParam", "value": "$(tasks.lTask.results.aResult)"}]),
        'Result reference error: Internal result ref "lTask" has zero-length TaskRuns',
    ),
]


@pytest.mark.parametrize(
    ("target", "expected"), [pytest.param(t, e, id=n) for n, t, e in CHECK_CASES]
)
def test_check_missing_result_references(target: PipelineTask, expected: str | None) -> None:
    assert check_missing_result_references(BY_NAME, target) == expected


@pytest.mark.parametrize(
    ("producer_run", "params", "expected"),
    [
        pytest.param(
            taskrun("producer-taskrun", "True", results={}),
            {"input": "$(tasks.producer.results.expected-result)"},
            'task "producer" completed successfully but did not emit the result '
            '"expected-result", which is referenced by task "consumer"',
            id="succeeded-missing",
        ),
        pytest.param(
            taskrun("producer-taskrun", "False", results={}),
            {"input": "$(tasks.producer.results.expected-result)"},
            "Invalid task result reference: Could not find result with name expected-result "
            "for pipeline task producer",
            id="failed-missing",
        ),
        pytest.param(
            taskrun("producer-taskrun", "True", results={"expected-result": "some-value"}),
            {"input": "$(tasks.producer.results.expected-result)"},
            None,
            id="present",
        ),
        pytest.param(
            taskrun("producer-taskrun", "True", results={"result-a": "value-a"}),
            {
                "input-a": "$(tasks.producer.results.result-a)",
                "input-b": "$(tasks.producer.results.result-b)",
            },
            'task "producer" completed successfully but did not emit the result "result-b", '
            'which is referenced by task "consumer"',
            id="partial",
        ),
        pytest.param(
            None,
            {"input": "$(tasks.producer.results.some-result)"},
            'Result reference error: Internal result ref "producer" has zero-length TaskRuns',
            id="zero-taskruns",
        ),
    ],
)
def test_check_missing_result_references_uninitialized_results(
    producer_run: Any, params: dict[str, str], expected: str | None
) -> None:
    producer = task(pt("producer", taskRef={"name": "producer-task"}))
    if producer_run is not None:
        producer.task_runs.append(producer_run)
    consumer = pt(
        "consumer",
        taskRef={"name": "consumer-task"},
        params=[{"name": k, "value": v} for k, v in params.items()],
    )
    assert check_missing_result_references({"producer": producer}, consumer) == expected


def test_missing_result_error_text() -> None:
    err = MissingResultFromCompletedTaskError("a", "r", "b")
    assert str(err) == (
        'task "a" completed successfully but did not emit the result "r", '
        'which is referenced by task "b"'
    )


# -- validateArrayResultsIndex --------------------------------------------------------------


@pytest.mark.parametrize(
    ("refs", "expected"),
    [
        pytest.param([([], None)], None, id="empty-array"),
        pytest.param(
            [([], 1)],
            "array Result Index 1 for Task aTask Result aResult is out of bound of size 0",
            id="reference-empty-array",
        ),
        pytest.param([(["a", "b", "c"], 1)], None, id="in-bounds"),
        pytest.param(
            [(["a", "b"], 2)],
            "array Result Index 2 for Task aTask Result aResult is out of bound of size 2",
            id="out-of-bounds",
        ),
        pytest.param(
            [(["a", "b", "c"], 1), (["a", "b"], 2)],
            "array Result Index 2 for Task aTask Result aResult is out of bound of size 2",
            id="in-and-out-of-bounds",
        ),
    ],
)
def test_validate_array_results_index(
    refs: list[tuple[list[str], int | None]], expected: str | None
) -> None:
    resolved = [
        ResolvedResultRef(value, _ref("aTask", "aResult", index), "aTaskRun")
        for value, index in refs
    ]
    assert validate_array_results_index(resolved) == expected


def test_results_index_error_over_the_state() -> None:
    producer = task(pt("dTask"), _ok("dTaskRun", dResult=["arrayResultOne", "arrayResultTwo"]))
    fine = task(pt("c", params=[{"name": "p", "value": "$(tasks.dTask.results.dResult[1])"}]))
    beyond = task(pt("d", params=[{"name": "p", "value": "$(tasks.dTask.results.dResult[3])"}]))
    assert results_index_error(facts([producer, fine])) is None
    assert results_index_error(facts([producer, fine, beyond])) == (
        "array Result Index 3 for Task dTask Result dResult is out of bound of size 2"
    )


# -- resolution-time view -------------------------------------------------------------------


def test_resolution_view_substitutes_only_when_everything_resolves() -> None:
    consumer = task(
        pt(
            "b",
            displayName="uses $(tasks.aTask.results.aResult)",
            params=[{"name": "p", "value": "$(tasks.aTask.results.aResult)"}],
            when=[when("$(tasks.aTask.results.aResult)", "in", "aResultValue")],
        )
    )
    f = facts([A_TASK, consumer])
    view = resolution_view(f, consumer)
    assert view.display_name == "uses aResultValue"
    assert view.params is not None and view.params[0].value == "aResultValue"
    assert view.when is not None and view.when[0].input == "aResultValue"

    partial = task(
        pt(
            "c",
            params=[
                {"name": "p", "value": "$(tasks.aTask.results.aResult)"},
                {"name": "q", "value": "$(tasks.aTask.results.missing)"},
            ],
        )
    )
    f = facts([A_TASK, partial])
    assert resolution_view(f, partial) is partial.pipeline_task


# -- results of the state (GetTaskRunsResults, createResultsCacheMatrixedTaskRuns) ----------


def test_results_cache() -> None:
    run = taskrun(
        "matrix-task-with-results",
        None,
        results={"browser": "chrome"},
    )
    assert run.status is not None
    run.status.results = [
        RunResult(name="browser", type="string", value="chrome"),
        RunResult(name="browser", type="string", value="safari"),
        RunResult(name="platform", type="string", value="linux"),
    ]
    assert results_cache(task(MATRIXED, run)) == {
        "browser": ["chrome", "safari"],
        "platform": ["linux"],
    }
    empty = taskrun("matrix-task-with-results", None)
    assert empty.status is not None
    empty.status.results = [RunResult(name="")]
    assert results_cache(task(MATRIXED, empty)) == {"": [""]}


def _matrix_producer() -> Task:
    return task(
        pt(
            "matrixed-task-with-results-cache",
            matrix={
                "params": [
                    {"name": "foobar", "value": ["foo", "bar"]},
                    {"name": "quxbaz", "value": ["qux", "baz"]},
                ]
            },
        ),
        _ok("matrixed-task-run-0", browser="chrome", platform="linux"),
        _ok("matrixed-task-run-1", browser="safari"),
        _ok("matrixed-task-run-2"),
        _ok("matrixed-task-run-3"),
    )


def test_get_task_runs_results() -> None:
    matrixed = _matrix_producer()
    consumer = task(
        pt(
            "consumer",
            params=[
                {
                    "name": "p",
                    "value": "$(tasks.matrixed-task-with-results-cache.results.browser[*])",
                }
            ],
        )
    )
    state = [
        task(pt("successful-task-with-results-1"), _ok("a", foo="oof", bar="rab")),
        task(pt("successful-task-without-results-1"), taskrun("b", "True")),
        task(pt("failed-task-1"), _bad("c", **{"fail-foo": "fail-oof"})),
        task(pt("cancelled-task-1"), cancelled("d", results={"cancel-foo": "cancel-oof"})),
        task(
            pt("timedout-task-1"),
            cancelled_for_timeout("e", results={"timeout-foo": "timeout-oof"}),
        ),
        task(pt("incomplete-task-1"), started("f", results={"unknown-foo": "unknown-oof"})),
        task(pt("nil-taskrun-1")),
        matrixed,
        consumer,
    ]
    got = get_task_runs_results(facts(state))
    assert {k: [(r.name, r.type, r.value) for r in v] for k, v in got.items()} == {
        "matrixed-task-with-results-cache": [
            ("browser", "array", ["chrome", "safari"]),
            ("platform", "array", ["linux"]),
        ],
        "successful-task-without-results-1": [],
        "successful-task-with-results-1": [("foo", "", "oof"), ("bar", "", "rab")],
        "failed-task-1": [("fail-foo", "", "fail-oof")],
        "cancelled-task-1": [("cancel-foo", "", "cancel-oof")],
        "timedout-task-1": [("timeout-foo", "", "timeout-oof")],
    }


def test_matrixed_results_need_a_consumer() -> None:
    # Tekton only builds the aggregated results while resolving a consumer: with none,
    # GetTaskRunsResults has nothing for the matrixed task.
    assert get_task_runs_results(facts([_matrix_producer()])) == {}


# -- ApplyTaskResultsToPipelineResults ------------------------------------------------------


def _results(*pairs: tuple[str, Any]) -> list[PipelineResult]:
    return [msgspec.convert({"name": n, "value": v}, PipelineResult) for n, v in pairs]


def _task_results(mapping: dict[str, dict[str, Any]]) -> dict[str, list[RunResult]]:
    return {
        t: [RunResult(name=n, value=v) for n, v in results.items()]
        for t, results in mapping.items()
    }


def _values(results: list[PipelineRunResult]) -> list[tuple[str, Any]]:
    return [(r.name, r.value) for r in results]


SUCCESS_CASES: list[
    tuple[
        str, list[tuple[str, Any]], dict[str, dict[str, Any]], dict[str, str], list[tuple[str, Any]]
    ]
] = [
    (
        "non-reference-results",
        [("pipeline-result-1", "resultName")],
        {"pt1": {"foo": ["do", "rae", "mi"]}},
        {},
        [],
    ),
    (
        "apply-array-results",
        [("pipeline-result-1", "$(tasks.pt1.results.foo[*])")],
        {"pt1": {"foo": ["do", "rae", "mi"]}},
        {},
        [("pipeline-result-1", ["do", "rae", "mi"])],
    ),
    (
        "apply-array-indexing-results",
        [("pipeline-result-1", "$(tasks.pt1.results.foo[1])")],
        {"pt1": {"foo": ["do", "rae", "mi"]}},
        {},
        [("pipeline-result-1", "rae")],
    ),
    (
        "apply-object-results",
        [("pipeline-result-1", "$(tasks.pt1.results.foo[*])")],
        {"pt1": {"foo": {"key1": "val1", "key2": "val2"}}},
        {},
        [("pipeline-result-1", {"key1": "val1", "key2": "val2"})],
    ),
    (
        "object-results-from-array-indexing-and-object-element",
        [
            (
                "pipeline-result-1",
                {"pkey1": "$(tasks.pt1.results.foo.key1)", "pkey2": "$(tasks.pt2.results.bar[1])"},
            )
        ],
        {"pt1": {"foo": {"key1": "val1", "key2": "val2"}}, "pt2": {"bar": ["do", "rae", "mi"]}},
        {},
        [("pipeline-result-1", {"pkey1": "val1", "pkey2": "rae"})],
    ),
    (
        "array-results-from-array-indexing-and-object-element",
        [("pipeline-result-1", ["$(tasks.pt1.results.foo.key1)", "$(tasks.pt2.results.bar[1])"])],
        {"pt1": {"foo": {"key1": "val1", "key2": "val2"}}, "pt2": {"bar": ["do", "rae", "mi"]}},
        {},
        [("pipeline-result-1", ["val1", "rae"])],
    ),
    (
        "apply-object-element",
        [("pipeline-result-1", "$(tasks.pt1.results.foo.key1)")],
        {"pt1": {"foo": {"key1": "val1", "key2": "val2"}}},
        {},
        [("pipeline-result-1", "val1")],
    ),
    (
        "multiple-array-results-multiple-successful-tasks",
        [
            ("pipeline-result-1", "$(tasks.pt1.results.foo[*])"),
            ("pipeline-result-2", "$(tasks.pt2.results.bar[*])"),
        ],
        {"pt1": {"foo": ["do", "rae"]}, "pt2": {"bar": ["do", "rae", "mi"]}},
        {},
        [("pipeline-result-1", ["do", "rae"]), ("pipeline-result-2", ["do", "rae", "mi"])],
    ),
    ("no-pipeline-results-no-returned-results", [], {"pt1": {"foo": "bar"}}, {}, []),
    (
        "multiple-results-multiple-successful-tasks",
        [
            ("pipeline-result-1", "$(tasks.pt1.results.foo)"),
            (
                "pipeline-result-2",
                "$(tasks.pt1.results.foo), $(tasks.pt2.results.baz), $(tasks.pt1.results.bar), "
                "$(tasks.pt2.results.baz), $(tasks.pt1.results.foo)",
            ),
        ],
        {"pt1": {"foo": "do", "bar": "mi"}, "pt2": {"baz": "rae"}},
        {},
        [("pipeline-result-1", "do"), ("pipeline-result-2", "do, rae, mi, rae, do")],
    ),
    (
        "multiple-results-skipped-and-normal-tasks",
        [
            ("pipeline-result-1", "$(tasks.skippedTask.results.foo)"),
            (
                "pipeline-result-2",
                "$(tasks.skippedTask.results.foo), $(tasks.normaltask.results.baz)",
            ),
        ],
        {"normaltask": {"baz": "rae"}},
        {"tasks.skippedTask.status": "None"},
        [],
    ),
    (
        "unsuccessful-taskrun-no-results",
        [("foo", "$(tasks.pt1.results.foo)")],
        {},
        {"tasks.pt1.status": "Failed"},
        [],
    ),
    (
        "unsuccessful-taskrun-no-returned-result-object-ref",
        [("foo", "$(tasks.pt1.results.foo.key1)")],
        {},
        {"tasks.pt1.status": "Failed"},
        [],
    ),
    (
        "unsuccessful-taskrun-with-results",
        [("foo", "$(tasks.pt1.results.foo[*])")],
        {"pt1": {"foo": ["do", "rae", "mi"]}},
        {"tasks.pt1.status": "Failed"},
        [("foo", ["do", "rae", "mi"])],
    ),
    (
        "finally-single-string-result",
        [("pipeline-result-1", "$(finally.pt1.results.foo)")],
        {"pt1": {"foo": "do"}},
        {},
        [("pipeline-result-1", "do")],
    ),
    (
        "finally-single-array-result",
        [("pipeline-result-1", "$(finally.pt1.results.foo[*])")],
        {"pt1": {"foo": ["do", "rae"]}},
        {},
        [("pipeline-result-1", ["do", "rae"])],
    ),
    (
        "finally-object-results",
        [("pipeline-result-1", "$(finally.pt1.results.foo[*])")],
        {"pt1": {"foo": {"key1": "val1", "key2": "val2"}}},
        {},
        [("pipeline-result-1", {"key1": "val1", "key2": "val2"})],
    ),
    # Tekton's own quirk: a whole array result named without [*] gives its first element.
    (
        "array-without-index",
        [("r", "$(tasks.pt1.results.foo)")],
        {"pt1": {"foo": ["do", "rae"]}},
        {},
        [("r", "do")],
    ),
]


@pytest.mark.parametrize(
    ("results", "task_results", "status", "expected"),
    [pytest.param(r, t, s, e, id=n) for n, r, t, s, e in SUCCESS_CASES],
)
def test_apply_task_results_to_pipeline_results_success(
    results: list[tuple[str, Any]],
    task_results: dict[str, dict[str, Any]],
    status: dict[str, str],
    expected: list[tuple[str, Any]],
) -> None:
    got, error = apply_task_results_to_pipeline_results(
        _results(*results), _task_results(task_results), status
    )
    assert error is None
    assert _values(got) == expected


ERROR_CASES: list[
    tuple[str, list[tuple[str, Any]], dict[str, dict[str, Any]], list[tuple[str, Any]], str]
] = [
    (
        "array-index-out-of-bound",
        [("pipeline-result-1", "$(tasks.pt1.results.foo[4])")],
        {"pt1": {"foo": ["do", "rae", "mi"]}},
        [],
        "[pipeline-result-1]",
    ),
    (
        "object-reference-key-not-exist",
        [("pipeline-result-1", "$(tasks.pt1.results.foo.key3)")],
        {"pt1": {"foo": {"key1": "val1", "key2": "val2"}}},
        [],
        "[pipeline-result-1]",
    ),
    (
        "object-results-resultname-not-exist",
        [("pipeline-result-1", "$(tasks.pt1.results.bar.key1)")],
        {"pt1": {"foo": {"key1": "val1"}}},
        [],
        "[pipeline-result-1]",
    ),
    (
        "invalid-result-variable",
        [("foo", "$(tasks.pt1_results.foo)")],
        {"pt1": {"foo": "bar"}},
        [],
        "[foo]",
    ),
    ("no-taskrun-results", [("foo", "$(tasks.pt1.results.foo)")], {"pt1": {}}, [], "[foo]"),
    (
        "invalid-taskrun-name",
        [("foo", "$(tasks.pt1.results.foo)")],
        {"definitely-not-pt1": {"foo": "bar"}},
        [],
        "[foo]",
    ),
    (
        "invalid-result-name",
        [("foo", "$(tasks.pt1.results.foo)")],
        {"pt1": {"definitely-not-foo": "bar"}},
        [],
        "[foo]",
    ),
    (
        "unsuccessful-taskrun-no-returned-result",
        [("foo", "$(tasks.pt1.results.foo)")],
        {},
        [],
        "[foo]",
    ),
    (
        "mixed-success-tasks-some-returned-results",
        [("foo", "$(tasks.pt1.results.foo)"), ("bar", "$(tasks.pt2.results.bar)")],
        {"pt2": {"bar": "rae"}},
        [("bar", "rae")],
        "[foo]",
    ),
    (
        "wrong-result-reference-expression",
        [("foo", "$(tasks.task.results.foo.foo.foo)")],
        {},
        [],
        "[foo]",
    ),
    (
        "referencing-invalid-finally-task",
        [("pipeline-result-1", "$(finally.pt2.results.foo)")],
        {"pt1": {"foo": "do"}},
        [],
        "[pipeline-result-1]",
    ),
    ("two-part-reference", [("r", "$(tasks.pt1)")], {}, [], "[r]"),
]


@pytest.mark.parametrize(
    ("results", "task_results", "expected", "names"),
    [pytest.param(r, t, e, n, id=i) for i, r, t, e, n in ERROR_CASES],
)
def test_apply_task_results_to_pipeline_results_error(
    results: list[tuple[str, Any]],
    task_results: dict[str, dict[str, Any]],
    expected: list[tuple[str, Any]],
    names: str,
) -> None:
    got, error = apply_task_results_to_pipeline_results(
        _results(*results), _task_results(task_results), {}
    )
    assert error == f"invalid pipelineresults {names}, the referenced results don't exist"
    assert _values(got) == expected
