"""The CEL wrapper: admission compile check and evaluation."""

from __future__ import annotations

import pytest

from tektite.api.cel import CelError, compile_check, evaluate


@pytest.mark.parametrize(
    "expression",
    [
        " 'foo' == 'foo' ",
        " 'foo' != 'foo' ",
        "'foo' in ['foo', 'bar']",
        "!('foo' in ['foo', 'bar'])",
        "'release/v1'.matches('release/.*')",
        "'$(params.foo)' in ['foo', 'bar']",
    ],
)
def test_compile_check_valid(expression: str) -> None:
    assert compile_check(expression) is None


def test_compile_check_unquoted_reference() -> None:
    assert compile_check(" $(params.foo) == 'foo' ") == (
        "ERROR: <input>:1:2: Syntax error: token recognition error at: '$'\n"
        " |  $(params.foo) == 'foo' \n"
        " | .^"
    )


def test_compile_check_undeclared_variable() -> None:
    problem = compile_check(" params.foo == 'foo' ")
    assert problem is not None
    assert problem.startswith("ERROR: <input>:1:")
    assert "undeclared reference to 'params" in problem


def test_compile_check_type_error() -> None:
    problem = compile_check("'a' + 1")
    assert problem is not None
    assert "found no matching overload for '_+_' applied to '(string, int)'" in problem


@pytest.mark.parametrize(
    ("expression", "activation", "want"),
    [
        ("'foo' == 'foo'", None, True),
        ("'foo' in ['bar']", None, False),
        ("x * 2 + 1", {"x": 4}, 9),
        ("body.ref.startsWith('refs/heads/')", {"body": {"ref": "refs/heads/main"}}, True),
        ("[1, 'a']", None, [1, "a"]),
        ("{'k': 'v'}", {}, {"k": "v"}),
        ("'main'", None, "main"),
    ],
)
def test_evaluate(expression: str, activation: dict[str, object] | None, want: object) -> None:
    assert evaluate(expression, activation) == want


def test_evaluate_runtime_error() -> None:
    with pytest.raises(CelError, match="divide by zero"):
        evaluate("1 / 0")


def test_evaluate_compile_error() -> None:
    with pytest.raises(CelError, match="Syntax error"):
        evaluate("1 +")


def test_evaluate_unbound_variable_is_a_compile_error() -> None:
    with pytest.raises(CelError, match="undeclared reference"):
        evaluate("x == 1", {"y": 1})
