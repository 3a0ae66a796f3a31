"""Validation of ``when`` expressions (Tekton's ``when_validation.go``).

A when expression is either ``input`` + ``operator`` (``in``/``notin``) + ``values``,
or a ``cel`` expression alone (behind ``enable-cel-in-whenexpression``), which must
compile in an empty CEL environment: at admission nothing is substituted yet, so a
reference must be quoted (``'$(params.branch)' == 'main'``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from tektite.api.cel import compile_check
from tektite.api.errors import (
    FieldError,
    err_generic,
    err_invalid_value,
    err_missing_field,
    go_quote,
)
from tektite.api.models import WhenExpression
from tektite.api.validation.context import ValidationContext
from tektite.api.validation.params import (
    ObjectKeys,
    validate_array_variable,
    validate_string_variable,
)
from tektite.api.variables import array_reference, get_var_substitution_expressions

__all__ = [
    "VALID_WHEN_OPERATORS",
    "validate_when_expression",
    "validate_when_expressions",
    "validate_when_param_usage",
    "when_expression_variables",
]

VALID_WHEN_OPERATORS = ("in", "notin")


def when_expression_variables(we: WhenExpression) -> list[str]:
    """The reference bodies in ``input``, ``cel`` and ``values`` (``$(a.b)`` → ``a.b``)."""
    found = get_var_substitution_expressions(we.input)
    found += get_var_substitution_expressions(we.cel)
    for value in we.values or ():
        found += get_var_substitution_expressions(value)
    return found


def _go_struct_text(we: WhenExpression) -> str:
    """Go's ``%v`` of a ``*WhenExpression``: ``&{input operator [values] cel}``."""
    values = " ".join(we.values or ())
    return f"&{{{we.input} {we.operator} [{values}] {we.cel}}}"


def validate_when_expression(we: WhenExpression, ctx: ValidationContext) -> FieldError:
    """One expression; paths are relative to the expression itself."""
    if we.cel:
        if not ctx.config.features.enable_cel_in_whenexpression:
            return err_generic(
                "feature flag enable-cel-in-whenexpression should be set to true to use "
                f"CEL: {we.cel} in WhenExpression",
                "",
            )
        if we.input or we.operator or we.values:
            return err_generic(
                "cel and input+operator+values cannot be set in one WhenExpression: "
                + _go_struct_text(we)
            )
        problem = compile_check(we.cel)
        if problem is not None:
            # Tekton passes the expression and the error as *paths* of a generic
            # error whose message keeps its format verbs; reproduced as users see it.
            return err_generic("invalid cel expression: %s with err: %s", we.cel, problem)
        return FieldError()
    if not we.input and not we.operator and not we.values:
        return err_missing_field("")
    if we.operator not in VALID_WHEN_OPERATORS:
        return err_invalid_value(
            f"operator {go_quote(we.operator)} is not recognized. valid operators: "
            + ",".join(VALID_WHEN_OPERATORS),
            "",
        )
    if not we.values:
        return err_invalid_value("expecting non-empty values field", "")
    return FieldError()


def validate_when_expressions(
    whens: Sequence[WhenExpression] | None, ctx: ValidationContext
) -> FieldError:
    """A ``when`` list; paths start at ``when`` (``when[0]``)."""
    errs = FieldError()
    for index, we in enumerate(whens or ()):
        errs = errs.also(validate_when_expression(we, ctx).via_index(index))
    return errs.via_field("when")


def validate_when_param_usage(
    whens: Sequence[WhenExpression] | None,
    prefix: str,
    names: Collection[str],
    array_names: Collection[str],
    object_keys: ObjectKeys,
) -> FieldError:
    """Param references in ``input`` (a string) and ``values`` (strings, or a whole array
    ``$(params.arr[*])`` that expands into values); paths ``when[i].input|values``."""
    errs = FieldError()
    for index, we in enumerate(whens or ()):
        if "$(" in we.input:
            errs = errs.also(
                validate_string_variable(we.input, prefix, names, array_names, object_keys)
                .via_field("input")
                .via_field_index("when", index)
            )
        for value in we.values or ():
            if "$(" not in value:
                continue
            check = (
                validate_array_variable
                if array_reference(value) in array_names
                else validate_string_variable
            )
            errs = errs.also(
                check(value, prefix, names, array_names, object_keys)
                .via_field("values")
                .via_field_index("when", index)
            )
    return errs
