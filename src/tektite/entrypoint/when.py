"""Step ``when`` expressions, evaluated inside the step after step-result substitution.

The Pod builder passes a step's ``when`` list as JSON in ``--when_expressions``.
Semantics follow Tekton's ``WhenExpressions.AllowsExecution``: every expression
must hold; ``in`` means the input equals one of the values and any other
operator is treated as ``notin``; an expression with ``cel`` must also have its
CEL program evaluate to ``true``.

CEL itself is behind ``evaluate_cel`` so a real evaluator (cel-expr-python) can be
plugged in without touching the lifecycle; see that function.
"""

from __future__ import annotations

import os

from tektite.entrypoint.errors import StepError
from tektite.entrypoint.gostyle import go_quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    CelEvaluator = Callable[[str], object]

# "module:function" of a CEL evaluator to use; wins over the built-in backend module.
CEL_EVALUATOR_ENV = "TEKTITE_CEL_EVALUATOR"
# Optional module inside this package exposing ``evaluate(expression: str) -> object``.
CEL_BACKEND_MODULE = "tektite.entrypoint.cel_backend"


class WhenExpression:
    """One step ``when`` expression: ``{input, operator, values, cel}``."""

    __slots__ = ("cel", "input", "operator", "values")

    def __init__(
        self,
        input: str = "",
        operator: str = "",
        values: list[str] | None = None,
        cel: str = "",
    ) -> None:
        self.input = input
        self.operator = operator
        self.values = list(values or [])
        self.cel = cel

    def is_true(self) -> bool:
        """``in``: input is one of the values; any other operator: it is none of them."""
        found = self.input in self.values
        return found if self.operator == "in" else not found

    def __repr__(self) -> str:
        return (
            f"WhenExpression(input={self.input!r}, operator={self.operator!r}, "
            f"values={self.values!r}, cel={self.cel!r})"
        )


def _string(value: object, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"json: cannot unmarshal into Go struct field WhenExpression.{field}")
    return value


def parse_when_expressions(text: str) -> list[WhenExpression]:
    """Decode the ``--when_expressions`` JSON; ValueError when it is malformed."""
    import json

    data = json.loads(text)
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValueError("json: cannot unmarshal into Go value of type v1.WhenExpressions")
    whens = []
    for entry in data:
        when = WhenExpression()
        if entry is None:
            whens.append(when)
            continue
        if not isinstance(entry, dict):
            raise ValueError("json: cannot unmarshal into Go value of type v1.WhenExpression")
        for key, value in entry.items():
            field = key.lower()  # Go matches JSON keys to fields case-insensitively
            if field == "input":
                when.input = _string(value, "input")
            elif field == "operator":
                when.operator = _string(value, "operator")
            elif field == "cel":
                when.cel = _string(value, "cel")
            elif field == "values":
                if value is None:
                    when.values = []
                elif isinstance(value, list):
                    when.values = [_string(item, "values") for item in value]
                else:
                    raise ValueError(
                        "json: cannot unmarshal into Go struct field WhenExpression.values"
                    )
        whens.append(when)
    return whens


class CelUnavailableError(StepError):
    """No CEL evaluator is installed in this wrapper."""


def _load_evaluator() -> CelEvaluator | None:
    import importlib

    spec = os.environ.get(CEL_EVALUATOR_ENV, "")
    if spec:
        module_name, _, function_name = spec.partition(":")
        module = importlib.import_module(module_name)
        evaluator: CelEvaluator = getattr(module, function_name or "evaluate")
        return evaluator
    try:
        module = importlib.import_module(CEL_BACKEND_MODULE)
    except ModuleNotFoundError as error:
        if error.name != CEL_BACKEND_MODULE:
            raise
        return None
    backend: CelEvaluator = module.evaluate
    return backend


def evaluate_cel(expression: str) -> object:
    """Evaluate a CEL expression in an empty environment, as Tekton's entrypoint does.

    This is the single integration point for a CEL engine. It uses, in order, the
    ``module:function`` named by ``$TEKTITE_CEL_EVALUATOR``, then
    ``tektite.entrypoint.cel_backend.evaluate`` if that module exists. The
    evaluator returns the value of the expression and raises on compile or
    evaluation errors (the exception text becomes the step's error). Without any
    evaluator the step fails with a CelUnavailableError.
    """
    try:
        evaluator = _load_evaluator()
    except (ImportError, AttributeError) as error:
        raise CelUnavailableError(f"cannot load CEL evaluator: {error}") from None
    if evaluator is None:
        raise CelUnavailableError(
            f"cannot evaluate CEL expression {go_quote(expression)}: "
            "no CEL evaluator is available in this entrypoint"
        )
    return evaluator(expression)


def allows_execution(whens: list[WhenExpression]) -> bool:
    """Decide whether the step runs; raises StepError for a failing CEL expression."""
    evaluated: dict[str, bool] = {}
    for when in whens:
        if not when.cel:
            continue
        if when.cel in evaluated:
            continue  # the same program is evaluated once
        try:
            outcome = evaluate_cel(when.cel)
        except StepError:
            raise
        except Exception as error:
            raise StepError(str(error)) from None
        if not isinstance(outcome, bool):
            raise StepError(f"the CEL expression {when.cel} is not evaluated to a boolean")
        if not outcome:
            return False
        evaluated[when.cel] = True
    return all(when.is_true() and (not when.cel or evaluated[when.cel]) for when in whens)
