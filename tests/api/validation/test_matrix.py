"""Matrix validation, from Tekton's ``TestPipelineTask_ValidateMatrix``,
``TestMatrixIncompatibleAPIVersions`` and ``Test_validateMatrix``."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, Defaults, FeatureFlags
from tektite.api.models import PipelineTask
from tektite.api.validation.context import ValidationContext
from tektite.api.validation.matrix import (
    is_matrixed,
    validate_matrix,
    validate_parameter_types_in_matrix,
    validate_pipeline_task_matrix,
)


def ctx(api_fields: str = "beta", max_combinations: int = 4) -> ValidationContext:
    return ValidationContext(
        Config(
            features=FeatureFlags(enable_api_fields=api_fields),
            defaults=Defaults(default_max_matrix_combinations_count=max_combinations),
        )
    )


def task(**fields: Any) -> PipelineTask:
    return msgspec.convert(fields, PipelineTask)


def arr(name: str, *values: str) -> dict[str, Any]:
    return {"name": name, "value": list(values)}


def string(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "value": value}


PIPELINE_TASK_CASES = [
    pytest.param(
        task(
            name="task",
            matrix={"params": [arr("foobar", "foo", "bar")]},
            params=[arr("foobar", "foo", "bar")],
        ),
        "expected exactly one, got both: matrix[foobar], params[foobar]",
        id="parameter duplicated in matrix.params and pipelinetask.params",
    ),
    pytest.param(
        task(
            name="task",
            matrix={
                "include": [{"name": "duplicate-param", "params": [string("duplicate", "foo")]}]
            },
            params=[arr("duplicate", "foo", "bar")],
        ),
        "expected exactly one, got both: matrix[duplicate], params[duplicate]",
        id="parameter duplicated in matrix.include.params and pipelinetask.params",
    ),
    pytest.param(
        task(
            name="task",
            matrix={"params": [arr("foobar", "foo", "bar"), arr("foobar", "foo-1", "bar-1")]},
        ),
        'parameter names must be unique, the parameter "foobar" is also defined at: '
        "matrix.params[1].name",
        id="duplicate parameters in matrix.params",
    ),
    pytest.param(
        task(
            name="task",
            matrix={"params": [arr("foobar", "foo", "bar")]},
            params=[arr("barfoo", "bar", "foo")],
        ),
        "",
        id="parameters unique in matrix and params",
    ),
    pytest.param(
        task(
            name="task",
            matrix={
                "include": [
                    {
                        "name": "invalid-include",
                        "params": [string("foobar", "foo"), string("foobar", "foo-1")],
                    }
                ]
            },
        ),
        'parameter names must be unique, the parameter "foobar" is also defined at: '
        "matrix.include[0].params[1].name",
        id="duplicate parameters in matrix.include.params",
    ),
    pytest.param(
        task(
            name="task",
            params=[arr("foobar", "foo", "bar"), arr("barfoo", "bar", "foo")],
            matrix={
                "params": [
                    string("foo", "$(params.foobar[*])"),
                    string("bar", "$(params.barfoo[*])"),
                ]
            },
        ),
        "",
        id="parameters in matrix contain references to param arrays",
    ),
    pytest.param(
        task(
            name="task", matrix={"params": [arr("a-param", "$(tasks.foo-task.results.a-result)")]}
        ),
        "",
        id="parameters in matrix contain result references",
    ),
    pytest.param(
        task(
            name="task",
            matrix={
                "params": [
                    arr("platform", "linux", "mac", "windows"),
                    arr("browser", "chrome", "firefox", "safari"),
                ]
            },
        ),
        "expected 0 <= 9 <= 4: matrix",
        id="count of combinations exceeds the maximum",
    ),
    pytest.param(
        task(
            name="task",
            matrix={
                "params": [arr("platform", "linux", "mac"), arr("browser", "chrome", "firefox")]
            },
        ),
        "",
        id="count of combinations equals the maximum",
    ),
    pytest.param(
        task(
            name="task",
            matrix={
                "params": [arr(f"p{i}", "a", "b") for i in range(64)],
            },
        ),
        "expected 0 <= 9223372036854775807 <= 4: matrix",
        id="count overflows and is capped",
    ),
    pytest.param(
        task(
            name="task",
            matrix={
                "params": [arr("platform", "linux", "mac")],
                "include": [
                    {"params": [string("platform", "windows")]},
                    {"params": [string("platform", "bsd")]},
                    {"params": [string("platform", "plan9")]},
                ],
            },
        ),
        "expected 0 <= 5 <= 4: matrix",
        id="include combinations count towards the maximum",
    ),
]


@pytest.mark.parametrize(("pt", "want"), PIPELINE_TASK_CASES)
def test_validate_pipeline_task_matrix(pt: PipelineTask, want: str) -> None:
    assert validate_pipeline_task_matrix(pt, ctx()).render() == want


MATRIXED = task(
    name="a-task", taskRef={"name": "a-task"}, matrix={"params": [arr("a-param", "foo", "bar")]}
)


@pytest.mark.parametrize(
    ("api_fields", "want"),
    [
        ("alpha", ""),
        ("beta", ""),
        (
            "stable",
            'matrix requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is '
            '"stable": ',
        ),
    ],
)
def test_matrix_api_versions(api_fields: str, want: str) -> None:
    assert validate_pipeline_task_matrix(MATRIXED, ctx(api_fields)).render() == want


def test_is_matrixed() -> None:
    assert not is_matrixed(task(name="a"))
    assert not is_matrixed(task(name="a", matrix={}))
    assert is_matrixed(task(name="a", matrix={"params": [arr("p", "x")]}))
    assert is_matrixed(
        task(name="a", matrix={"include": [{"name": "i", "params": [string("p", "x")]}]})
    )


# -- validate_matrix over a task list (Test_validateMatrix) ---------------------------------

ECHO_ARRAY_URL = {
    "name": "echoarrayurl",
    "taskSpec": {
        "params": [{"name": "url", "type": "array"}],
        "steps": [
            {"name": "use-environments", "image": "bash:latest", "args": ["$(params.url[*])"]}
        ],
    },
}


def embedded_with_result(name: str, result: str, result_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "taskSpec": {
            "params": [{"name": "platform"}, {"name": "browser"}],
            "results": [{"name": result, "type": result_type}],
            "steps": [{"name": "produce", "image": "alpine", "script": "echo"}],
        },
        **extra,
    }


PLATFORM_BROWSER = {"params": [arr("platform", "linux", "mac"), arr("browser", "chrome", "safari")]}


def consumer(name: str, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "taskRef": {"name": "echoarrayurl"},
        "params": [string("b-param", value)],
        **extra,
    }


TASK_LIST_CASES = [
    pytest.param(
        [
            {
                "name": "a-task",
                "taskRef": {"name": "a-task"},
                "matrix": {"params": [arr("foobar", "foo", "bar")]},
                "params": [arr("foobar", "foo", "bar")],
            }
        ],
        "expected exactly one, got both: [0].matrix[foobar], [0].params[foobar]",
        id="parameter in both matrix and params",
    ),
    pytest.param(
        [
            {
                "name": "a-task",
                "taskRef": {"name": "a-task"},
                "matrix": {"params": [arr("foobar", "foo", "bar")]},
                "params": [arr("barfoo", "bar", "foo")],
            }
        ],
        "",
        id="parameters unique in matrix and params",
    ),
    pytest.param(
        [
            {
                "name": "a-task",
                "taskRef": {"name": "a-task"},
                "matrix": {"params": [arr("a-param", "$(tasks.foo-task.results.a-result)")]},
            },
            {
                "name": "b-task",
                "taskRef": {"name": "b-task"},
                "matrix": {"params": [arr("b-param", "$(tasks.bar-task.results.b-result)")]},
            },
        ],
        "",
        id="parameters in matrix contain results references",
    ),
    pytest.param(
        [
            {
                "name": "a-task",
                "taskRef": {"name": "a-task"},
                "matrix": {
                    "params": [arr("a-param", "$(tasks.foo-task.results.a-task-results[*])")]
                },
            }
        ],
        "",
        id="parameters in matrix contain whole array results references",
    ),
    pytest.param(
        [
            {
                "name": "a-task",
                "taskRef": {"name": "a-task"},
                "matrix": {"params": [arr("a-param", "foo", "bar")]},
            },
            {
                "name": "b-task",
                "taskRef": {"name": "b-task"},
                "params": [arr("b-param", "$(tasks.a-task.results.a-result[*])")],
            },
        ],
        "",
        id="results from matrixed task consumed in tasks through parameters",
    ),
    pytest.param(
        [
            {
                "name": "a-task",
                "taskRef": {"name": "a-task"},
                "matrix": {"params": [arr("a-param", "foo", "bar")]},
            },
            {
                "name": "b-task",
                "taskRef": {"name": "b-task"},
                "when": [
                    {
                        "input": "foo",
                        "operator": "in",
                        "values": ["$(tasks.a-task.results.a-result[*])"],
                    }
                ],
            },
        ],
        "",
        id="results from matrixed task consumed in tasks through when expressions",
    ),
    pytest.param(
        [
            {
                "name": "a-task",
                "taskRef": {"name": "a-task"},
                "matrix": {"params": [arr("a-param", "foo", "bar")]},
            },
            {
                "name": "b-task",
                "taskRef": {"name": "b-task"},
                # Only params are checked: a when expression may index a matrixed result.
                "when": [
                    {
                        "input": "$(tasks.a-task.results.a-result[0])",
                        "operator": "in",
                        "values": ["x"],
                    }
                ],
            },
        ],
        "",
        id="when expressions are not checked for aggregate consumption",
    ),
    pytest.param(
        [
            {
                "name": "matrix-emitting-results",
                "taskRef": {"name": "taskwithresult"},
                "matrix": PLATFORM_BROWSER,
            },
            embedded_with_result("taskwithresult", "report-url", "string"),
            consumer(
                "task-consuming-results", "$(tasks.matrix-emitting-results.results.report-url[*])"
            ),
            ECHO_ARRAY_URL,
        ],
        "",
        id="valid matrix emitting string results consumed in aggregate",
    ),
    pytest.param(
        [
            {
                "name": "matrix-emitting-results",
                "taskRef": {"name": "taskwithresult"},
                "matrix": PLATFORM_BROWSER,
            },
            {
                "name": "task-consuming-results",
                "taskSpec": ECHO_ARRAY_URL["taskSpec"],
                "params": [
                    string("b-param", "$(tasks.matrix-emitting-results.results.report-url[*])")
                ],
            },
        ],
        "",
        id="valid matrix emitting string results consumed in aggregate (embedded taskSpec)",
    ),
    pytest.param(
        [
            {
                "name": "matrix-emitting-results",
                "taskRef": {"name": "taskwithresult"},
                "matrix": PLATFORM_BROWSER,
            },
            embedded_with_result("taskwithresult", "report-url", "string"),
            consumer(
                "task-consuming-results", "$(tasks.matrix-emitting-results.results.report-url[0])"
            ),
            ECHO_ARRAY_URL,
        ],
        "A matrixed pipelineTask can only be consumed in aggregate using [*] notation, but is "
        "currently set to tasks.matrix-emitting-results.results.report-url[0]: ",
        id="invalid matrix results consumed using array indexing",
    ),
    pytest.param(
        [
            embedded_with_result(
                "matrix-emitting-results-embedded", "array-result", "array", matrix=PLATFORM_BROWSER
            ),
            embedded_with_result("taskwithresult", "array-result", "array"),
            consumer(
                "task-consuming-results",
                "$(tasks.matrix-emitting-results-embedded.results.array-result[*])",
            ),
            ECHO_ARRAY_URL,
        ],
        "invalid value: Matrixed PipelineTasks emitting results must have an underlying type "
        "string, but result array-result has type array in pipelineTask: ",
        id="invalid matrix emitting array results (embedded taskSpec)",
    ),
    pytest.param(
        [
            embedded_with_result(
                "matrix-emitting-results-embedded", "array-result", "array", matrix=PLATFORM_BROWSER
            ),
            embedded_with_result(
                "task-consuming-results",
                "report-url",
                "string",
                params=[
                    string(
                        "b-param", "$(tasks.matrix-emitting-results-embedded.results.report-url[0])"
                    )
                ],
            ),
        ],
        "A matrixed pipelineTask can only be consumed in aggregate using [*] notation, but is "
        "currently set to tasks.matrix-emitting-results-embedded.results.report-url[0]: ",
        id="invalid matrix results consumed using array indexing (embedded taskSpec)",
    ),
    pytest.param(
        [
            {
                "name": "matrix-emitting-results",
                "taskRef": {"name": "taskwithresult"},
                "matrix": PLATFORM_BROWSER,
            },
            embedded_with_result("taskwithresult", "array-result", "array"),
            consumer(
                "task-consuming-results", "$(tasks.matrix-emitting-results.results.array-result[*])"
            ),
        ],
        "invalid value: Matrixed PipelineTasks emitting results must have an underlying type "
        "string, but result array-result has type array in pipelineTask: ",
        id="invalid matrix emitting array results (taskRef resolved among pipeline tasks)",
    ),
    pytest.param(
        [
            {
                "name": "matrix-emitting-results",
                "taskRef": {"name": "taskwithresult"},
                "matrix": PLATFORM_BROWSER,
            },
            embedded_with_result("taskwithresult", "array-result", "array"),
            consumer("c1", "$(tasks.matrix-emitting-results.results.array-result[*])"),
            consumer("c2", "no references here"),
            consumer("c3", "$(tasks.taskwithresult.results.array-result)"),
        ],
        "",
        id="only the last param with result references is type-checked (Tekton quirk)",
    ),
]


@pytest.mark.parametrize(("tasks", "want"), TASK_LIST_CASES)
def test_validate_matrix(tasks: list[dict[str, Any]], want: str) -> None:
    pts = [task(**t) for t in tasks]
    assert validate_matrix(pts, ctx()).render() == want


# -- run-time parameter types (TestValidatePipelineParameterTypes) -----------------------------

OBJECT_VALUE = {"url": "$(params.myObject.non-exist-key)", "commit": "$(params.myString)"}


@pytest.mark.parametrize(
    ("matrix", "want"),
    [
        pytest.param(
            {"params": [arr("foobar", "foo", "bar"), arr("barfoo", "bar", "foo")]},
            None,
            id="arrays",
        ),
        pytest.param(
            {"params": [string("foo", "foo"), string("bar", "bar")]},
            'parameters of type array only are allowed, but param "foo" has type "string" in '
            'pipelineTask "task"',
            id="strings in matrix params",
        ),
        pytest.param(
            {
                "include": [
                    {"name": "build-1", "params": [string("foo", "foo"), string("bar", "bar")]}
                ]
            },
            None,
            id="strings in include",
        ),
        pytest.param(
            {
                "include": [
                    {"name": "build-1", "params": [arr("foobar", "foo", "bar"), arr("barfoo", "b")]}
                ]
            },
            'parameters of type string only are allowed, but param "foobar" has type "array" in '
            'pipelineTask "task"',
            id="arrays in include",
        ),
        pytest.param(
            {
                "include": [
                    {
                        "name": "build-1",
                        "params": [
                            {"name": "barfoo", "value": OBJECT_VALUE},
                            {"name": "foobar", "value": OBJECT_VALUE},
                        ],
                    }
                ]
            },
            'parameters of type string only are allowed, but param "barfoo" has type "object" in '
            'pipelineTask "task"',
            id="objects in include",
        ),
        pytest.param(
            {"params": [string("foo", "$(tasks.matrix-emitting.results.r[*])")]},
            None,
            id="result reference waiting for a matrixed producer",
        ),
    ],
)
def test_validate_parameter_types_in_matrix(matrix: dict[str, Any], want: str | None) -> None:
    assert validate_parameter_types_in_matrix([task(name="task", matrix=matrix)]) == want
