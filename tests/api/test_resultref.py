"""Tests for tektite.api.resultref; cases lifted from Tekton's resultref_test.go (v1 and
pkg/internal/resultref), result_validation_test.go and param_types_test.go unless marked."""

from __future__ import annotations

import pytest

from tektite.api.resultref import (
    RESULT_NAME_FORMAT,
    STEP_RESULT_NOT_ALLOWED_MESSAGE,
    ParsedResult,
    ResultRef,
    ResultRefError,
    contains_execution_status_ref,
    contains_execution_status_references,
    contains_step_result_ref,
    execution_status_task_name,
    extract_step_result_name,
    is_valid_result_name,
    looks_like_contains_result_refs,
    looks_like_result_ref,
    looks_like_step_result_ref,
    new_result_refs,
    parse_result_name,
    parse_step_expression,
    parse_task_and_result_name,
    parse_task_expression,
    result_refs_in_strings,
    task_contains_result,
    validate_no_step_result_reference,
)
from tektite.api.variables import (
    VariableError,
    get_var_substitution_expressions,
    param_value_expressions,
)

ALL_FORMS = (
    'must be one of the form 1). "tasks.<taskName>.results.<resultName>"; '
    '2). "tasks.<taskName>.results.<objectResultName>.<individualAttribute>"; '
    '3). "steps.<stepName>.results.<resultName>"; '
    '4). "steps.<stepName>.results.<objectResultName>.<individualAttribute>"'
)
TASK_FORMS = (
    'must be one of the form 1). "tasks.<taskName>.results.<resultName>"; '
    '2). "tasks.<taskName>.results.<objectResultName>.<individualAttribute>"'
)
STEP_FORMS = (
    'must be one of the form 1). "steps.<stepName>.results.<resultName>"; '
    '2). "steps.<stepName>.results.<objectResultName>.<individualAttribute>"'
)


def _first_expression(value: str) -> str:
    return get_var_substitution_expressions(value)[0]


@pytest.mark.parametrize(
    ("value", "want", "error"),
    [
        (
            "$(steps.sumSteps.results.sumResult)",
            ParsedResult("sumSteps", "sumResult", "string"),
            None,
        ),
        (
            "$(steps.sumSteps.results.sumResult[1000])",
            ParsedResult("sumSteps", "sumResult", "array", array_idx=1000),
            None,
        ),
        (
            "$(steps.sumSteps.results.sumResult[*])",
            ParsedResult("sumSteps", "sumResult", "array"),
            None,
        ),
        (
            "$(steps.sumSteps.results.sumResult.sum)",
            ParsedResult("sumSteps", "sumResult", "object", object_key="sum"),
            None,
        ),
        ("$(steps.sumSteps.results.sumResult.foo.bar)", None, ALL_FORMS),
        ("$(tasks.sumSteps.results.sumResult.foo.bar)", None, STEP_FORMS),
    ],
)
def test_parse_step_expression(value: str, want: ParsedResult | None, error: str | None) -> None:
    expression = _first_expression(value)
    if error is None:
        assert parse_step_expression(expression) == want
    else:
        with pytest.raises(ResultRefError) as excinfo:
            parse_step_expression(expression)
        assert str(excinfo.value) == error


@pytest.mark.parametrize(
    ("value", "want", "error"),
    [
        (
            "$(tasks.sumTasks.results.sumResult)",
            ParsedResult("sumTasks", "sumResult", "string"),
            None,
        ),
        (
            "$(tasks.sumTasks.results.sumResult[1000])",
            ParsedResult("sumTasks", "sumResult", "array", array_idx=1000),
            None,
        ),
        (
            "$(tasks.sumTasks.results.sumResult[*])",
            ParsedResult("sumTasks", "sumResult", "array"),
            None,
        ),
        (
            "$(tasks.sumTasks.results.sumResult.sum)",
            ParsedResult("sumTasks", "sumResult", "object", object_key="sum"),
            None,
        ),
        ("$(tasks.sumTasks.results.sumResult.foo.bar)", None, ALL_FORMS),
        ("$(nottasks.sumTasks.results.sumResult.foo.bar)", None, TASK_FORMS),
        # Tektite: finally refs parse too (used by pipeline results).
        ("$(finally.f.results.r)", ParsedResult("f", "r", "string"), None),
    ],
)
def test_parse_task_expression(value: str, want: ParsedResult | None, error: str | None) -> None:
    expression = _first_expression(value)
    if error is None:
        assert parse_task_expression(expression) == want
    else:
        with pytest.raises(ResultRefError) as excinfo:
            parse_task_expression(expression)
        assert str(excinfo.value) == error


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("anArrayResult[1]", ("anArrayResult", "1")),
        ("anArrayResult[*]", ("anArrayResult", "*")),
        ("plain", ("plain", "")),
    ],
)
def test_parse_result_name(name: str, want: tuple[str, str]) -> None:
    assert parse_result_name(name) == want


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("$(tasks.sumTask.results.sumResult)", [ResultRef("sumTask", "sumResult")]),
        ("$(tasks.sumTask.results.sumResult[*])", [ResultRef("sumTask", "sumResult")]),
        (
            "$(tasks.sumTask.results.sumResult.key1)",
            [ResultRef("sumTask", "sumResult", property="key1")],
        ),
        (
            "$(tasks.sumTask.results.sumResult[1])",
            [ResultRef("sumTask", "sumResult", results_index=1)],
        ),
        (
            "$(tasks.sumTask.results.imageresult.digest), and another one "
            "$(tasks.sumTask.results.imageresult.tag)",
            [
                ResultRef("sumTask", "imageresult", property="digest"),
                ResultRef("sumTask", "imageresult", property="tag"),
            ],
        ),
        (
            "sum-will-go-here -> $(tasks.sumTask.results.sumResult)",
            [ResultRef("sumTask", "sumResult")],
        ),
        (
            "$(tasks.sumTask1.results.sumResult) and another $(tasks.sumTask2.results.sumResult), "
            "last one $(tasks.sumTask3.results.sumResult.key1)",
            [
                ResultRef("sumTask1", "sumResult"),
                ResultRef("sumTask2", "sumResult"),
                ResultRef("sumTask3", "sumResult", property="key1"),
            ],
        ),
        (
            "$(params.param) $(tasks.sumTask1.results.sumResult) and another "
            "$(tasks.sumTask2.results.sumResult), "
            "last one $(tasks.sumTask3.results.sumResult.key1)",
            [
                ResultRef("sumTask1", "sumResult"),
                ResultRef("sumTask2", "sumResult"),
                ResultRef("sumTask3", "sumResult", property="key1"),
            ],
        ),
        ("$(task.sumTasks.results.sumResult)", []),
        ("$(tasks.sumTasks.result.sumResult)", []),
        ("$(tasks.sumTasks.result.sumResult.key.extra)", []),
        ("$(params.paramName)", []),
        (
            "good -> $(tasks.sumTask1.results.sumResult) bad-> $(task.sumTask2.results.sumResult)",
            [ResultRef("sumTask1", "sumResult")],
        ),
        ("$(tasks.sum-task.results.sum-result)", [ResultRef("sum-task", "sum-result")]),
        ("$(tasks.sum-task.results.sum_result)", [ResultRef("sum-task", "sum_result")]),
        # Tektite: too many components is skipped, not an error.
        ("$(tasks.a.results.r.k.extra)", []),
    ],
)
def test_new_result_refs(value: str, want: list[ResultRef]) -> None:
    assert new_result_refs(get_var_substitution_expressions(value)) == want


def test_new_result_refs_in_array_and_object_values() -> None:
    array = ["$(tasks.sumTask.results.sumResult)", "$(tasks.sumTask2.results.sumResult2)"]
    assert new_result_refs(param_value_expressions(array)) == [
        ResultRef("sumTask", "sumResult"),
        ResultRef("sumTask2", "sumResult2"),
    ]
    assert new_result_refs(param_value_expressions(["1", "$(tasks.t2.results.r2)"])) == [
        ResultRef("t2", "r2")
    ]
    obj = {
        "key1": "$(tasks.sumTask1.results.sumResult1)",
        "key2": "$(tasks.sumTask2.results.sumResult2) and another one "
        "$(tasks.sumTask3.results.sumResult3)",
        "key3": "no ref here",
    }
    assert new_result_refs(param_value_expressions(obj)) == [
        ResultRef("sumTask1", "sumResult1"),
        ResultRef("sumTask2", "sumResult2"),
        ResultRef("sumTask3", "sumResult3"),
    ]


def test_result_refs_in_strings() -> None:
    # TestPipelineTaskResultRefs, flattened: every string of a pipeline task in order.
    values = [
        "$(tasks.pt1.results.r1)",
        "$(tasks.pt2.results.r2)",
        "$(tasks.pt3.results.r3)",
        "$(tasks.pt4.results.r4)",
        "x $(params.p) $(tasks.pt5.results.r5[*])",
    ]
    assert result_refs_in_strings(values) == [
        ResultRef("pt1", "r1"),
        ResultRef("pt2", "r2"),
        ResultRef("pt3", "r3"),
        ResultRef("pt4", "r4"),
        ResultRef("pt5", "r5"),
    ]


@pytest.mark.parametrize(
    ("values", "want"),
    [
        (["$(tasks.sumTasks.results.sumResult)"], True),
        (["$(task.sumTasks.results.sumResult)"], False),
        (["$(tasks.sumTasks.result.sumResult)"], False),
        (["$(sumTasks.results.sumResult)"], False),
        (["tasks.sumTasks.results.sumResult"], False),
        (["$(params.someParam)"], False),
        (["$(tasks.sumTasks.results.sumResult) $(task.sumTasks.results.sumResult)"], True),
        (["$(tasks.sumTask.results.sumResult)", "$(tasks.sumTask2.results.sumResult2)"], True),
        (["$(tasks.sumTasks.sumResult)"], False),
        (["$(finally.f.results.r)"], True),
    ],
)
def test_looks_like_contains_result_refs(values: list[str], want: bool) -> None:
    expressions = [e for v in values for e in get_var_substitution_expressions(v)]
    assert looks_like_contains_result_refs(expressions) is want


def test_looks_like_step_result_ref() -> None:
    assert looks_like_step_result_ref("steps.s.results.r")
    assert not looks_like_step_result_ref("steps.s.result.r")
    assert not looks_like_result_ref("steps.s.results.r")


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("a", True),
        ("MyName", True),
        ("my-name", True),
        ("my_name", True),
        ("my.name1", True),
        ("-a", False),
        ("a-", False),
        ("a_", False),
        ("", False),
        ("a\n", False),
        ("a b", False),
    ],
)
def test_is_valid_result_name(name: str, valid: bool) -> None:
    assert is_valid_result_name(name) is valid


def test_result_name_format_text() -> None:
    assert RESULT_NAME_FORMAT == r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"


@pytest.mark.parametrize(
    ("expression", "want"),
    [
        ("tasks.a.status", True),
        ("tasks.a.reason", True),
        ("tasks.status", True),
        ("tasks.a.results.status", True),  # loose on its own; see the plural helper
        ("params.status", False),
        ("tasks.a.statuses", False),
    ],
)
def test_contains_execution_status_ref(expression: str, want: bool) -> None:
    assert contains_execution_status_ref(expression) is want


def test_contains_execution_status_references() -> None:
    assert contains_execution_status_references(["tasks.a.status"])
    assert contains_execution_status_references(["params.x", "tasks.status"])
    # Any result reference disables the check, as in Tekton.
    assert not contains_execution_status_references(["tasks.a.status", "tasks.b.results.r"])
    assert not contains_execution_status_references(["params.x"])


def test_execution_status_task_name() -> None:
    assert execution_status_task_name("tasks.build.status") == "build"
    assert execution_status_task_name("tasks.build.reason") == "build"


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("$(tasks.matrix-emitting-results.matrix.length)", ("matrix-emitting-results", "")),
        ("$(tasks.myTask.matrix.ResultName.length)", ("myTask", "ResultName")),
        ("", ("", "")),
        ("$(new_image)", ("", "")),
        ("$(image.name)", ("", "")),
        ("$(tasks.producer.results.digest) $(tasks.matrixed.matrix.length)", ("matrixed", "")),
        (
            "$(tasks.producer.results.digest) $(tasks.matrixed.matrix.myresult.length)",
            ("matrixed", "myresult"),
        ),
    ],
)
def test_parse_task_and_result_name(value: str, want: tuple[str, str]) -> None:
    assert parse_task_and_result_name(get_var_substitution_expressions(value)) == want


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("$(tasks.a.results.r)", True),
        # Text after a reference lands in the parsed result name, so it passes ...
        ("$(tasks.a.results.r) - $(tasks.b.results.s)", True),
        # ... but text before the first "$" is a malformed piece.
        ("v: $(tasks.a.results.r)", False),
        ("$(tasks.a.results.r)$(finally.f.results.s)", True),
        ("$(tasks.missing.results.r)", False),
        ("$(finally.a.results.r)", False),
        ("$(params.x)", False),
        ("", True),
    ],
)
def test_task_contains_result(value: str, want: bool) -> None:
    assert task_contains_result(value, {"a", "b"}, {"f"}) is want


def test_step_result_references() -> None:
    assert contains_step_result_ref("echo $(steps.s1.results.r1)")
    assert contains_step_result_ref("$(steps.s1.results.r1[*])")
    assert not contains_step_result_ref("$(step.results.r1.path)")
    assert not contains_step_result_ref("$(params.x)")
    assert validate_no_step_result_reference("$(steps.s.results.r)") == VariableError(
        "stepResult substitutions are only allowed in env, command and args. Found usage in"
    )
    assert STEP_RESULT_NOT_ALLOWED_MESSAGE.endswith("Found usage in")
    assert validate_no_step_result_reference("image:latest") is None


def test_extract_step_result_name() -> None:
    assert extract_step_result_name("$(steps.Foo.results.Bar)") == ("Foo", "Bar")
    with pytest.raises(ResultRefError) as excinfo:
        extract_step_result_name("not valid")
    assert str(excinfo.value) == (
        "Could not extract step name and result name. Expected value to look like "
        '$(steps.<stepName>.results.<resultName>) but got "not valid"'
    )
