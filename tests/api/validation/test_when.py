"""When expressions, from Tekton's ``when_validation_test.go`` (plus exact messages)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, FeatureFlags
from tektite.api.models import WhenExpression
from tektite.api.validation.context import ValidationContext
from tektite.api.validation.when import (
    validate_when_expressions,
    validate_when_param_usage,
    when_expression_variables,
)

CEL_CTX = ValidationContext(Config(features=FeatureFlags(enable_cel_in_whenexpression=True)))


def whens(*items: dict[str, Any]) -> list[WhenExpression]:
    return [msgspec.convert(item, WhenExpression) for item in items]


@pytest.mark.parametrize(
    "items",
    [
        pytest.param([{"input": "foo", "operator": "in", "values": ["foo"]}], id="in"),
        pytest.param([{"input": "foo", "operator": "notin", "values": ["bar"]}], id="notin"),
        pytest.param(
            [{"input": "$(tasks.a-task.results.output)", "operator": "in", "values": ["bar"]}],
            id="result reference input",
        ),
        pytest.param([{"operator": "in", "values": [""]}], id="missing input defaults to empty"),
        pytest.param([], id="no expressions"),
    ],
)
def test_valid(items: list[dict[str, Any]]) -> None:
    assert not validate_when_expressions(whens(*items), ValidationContext())


@pytest.mark.parametrize(
    ("items", "want"),
    [
        pytest.param(
            [{"input": "foo", "operator": "exists", "values": ["foo"]}],
            'invalid value: operator "exists" is not recognized. valid operators: in,notin: '
            "when[0]",
            id="invalid operator",
        ),
        pytest.param(
            [{"input": "foo", "operator": "in", "values": []}],
            "invalid value: expecting non-empty values field: when[0]",
            id="empty values",
        ),
        pytest.param(
            [{"input": "foo", "values": ["foo"]}],
            'invalid value: operator "" is not recognized. valid operators: in,notin: when[0]',
            id="missing operator",
        ),
        pytest.param(
            [{"input": "foo", "operator": "notin"}],
            "invalid value: expecting non-empty values field: when[0]",
            id="missing values",
        ),
        pytest.param([{}], "missing field(s): when[0]", id="missing when expression"),
        pytest.param(
            [
                {"input": "a", "operator": "in", "values": ["a"]},
                {},
                {"operator": "In", "values": ["x"]},
            ],
            'invalid value: operator "In" is not recognized. valid operators: in,notin: when[2]\n'
            "missing field(s): when[1]",
            id="errors indexed per expression",
        ),
    ],
)
def test_invalid(items: list[dict[str, Any]], want: str) -> None:
    assert validate_when_expressions(whens(*items), ValidationContext()).render() == want


@pytest.mark.parametrize(
    "cel",
    [
        " 'foo' == 'foo' ",
        " 'foo' != 'foo' ",
        "'foo' in ['foo', 'bar']",
        "!('foo' in ['foo', 'bar'])",
        "'release/v1'.matches('release/.*')",
        "'$(params.foo)' in ['foo', 'bar']",
    ],
)
def test_cel_valid(cel: str) -> None:
    assert not validate_when_expressions(whens({"cel": cel}), CEL_CTX)


def test_cel_feature_flag_not_set() -> None:
    got = validate_when_expressions(whens({"cel": " 'foo' == 'foo' "}), ValidationContext())
    assert got.render() == (
        "feature flag enable-cel-in-whenexpression should be set to true to use CEL:  "
        "'foo' == 'foo'  in WhenExpression: when[0]"
    )


def test_cel_unquoted_reference() -> None:
    # Tekton passes the expression and the CEL error as the error's *paths*; they are
    # then prefixed and split on dots like any path.
    got = validate_when_expressions(whens({"cel": " $(params.foo) == 'foo' "}), CEL_CTX)
    assert got.render() == (
        "invalid cel expression: %s with err: %s: when[0]. $(params.foo) == 'foo' , "
        "when[0].ERROR: <input>:1:2: Syntax error: token recognition error at: '$'\n"
        " |  $(params.foo) == 'foo' \n"
        " | .^"
    )


def test_cel_variables_not_declared() -> None:
    got = validate_when_expressions(whens({"cel": " params.foo == 'foo' "}), CEL_CTX).render()
    assert got.startswith(
        "invalid cel expression: %s with err: %s: when[0]. params.foo == 'foo' , "
        "when[0].ERROR: <input>:1:"
    )
    assert "undeclared reference to 'params" in got


def test_cel_with_input_operator_values() -> None:
    got = validate_when_expressions(
        whens({"cel": "'foo' != 'foo'", "input": "foo", "operator": "in", "values": ["foo"]}),
        CEL_CTX,
    )
    assert got.render() == (
        "cel and input+operator+values cannot be set in one WhenExpression: "
        "&{foo in [foo] 'foo' != 'foo'}: "
    )


def test_when_expression_variables() -> None:
    (we,) = whens(
        {
            "input": "$(tasks.a.results.r)",
            "operator": "in",
            "values": ["$(params.x)", "plain", "$(params.arr[*])"],
            "cel": "'$(context.pipelineRun.name)' == 'x'",
        }
    )
    assert when_expression_variables(we) == [
        "tasks.a.results.r",
        "context.pipelineRun.name",
        "params.x",
        "params.arr[*]",
    ]


@pytest.mark.parametrize(
    ("item", "want"),
    [
        ({"input": "$(params.s)", "operator": "in", "values": ["$(params.arr[*])"]}, ""),
        (
            {"input": "$(params.arr)", "operator": "in", "values": ["x"]},
            'variable type invalid in "$(params.arr)": when[0].input',
        ),
        (
            {"input": "x", "operator": "in", "values": ["a-$(params.arr[*])"]},
            'variable type invalid in "a-$(params.arr[*])": when[0].values',
        ),
        (
            {"input": "$(params.obj.nope)", "operator": "in", "values": ["$(params.missing)"]},
            'non-existent variable in "$(params.missing)": when[0].values\n'
            'non-existent variable in "$(params.obj.nope)": when[0].input',
        ),
    ],
)
def test_when_param_usage(item: dict[str, Any], want: str) -> None:
    got = validate_when_param_usage(
        whens(item), "params", {"s", "arr", "obj"}, {"arr"}, {"obj": {"key"}}
    )
    assert got.render() == want
