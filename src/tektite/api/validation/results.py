"""Result declarations: TaskResult and StepResult (Tekton's ``result_validation.go``),
and the ``$(results.<r>.path)`` / ``$(step.results.<r>.path)`` references in scripts."""

from __future__ import annotations

from collections.abc import Sequence

from tektite.api.errors import (
    FieldError,
    err_invalid_key_name,
    err_invalid_value,
    err_missing_field,
    go_quote,
)
from tektite.api.models import PropertySpec, Step, StepResult, TaskResult, param_value_type
from tektite.api.resultref import (
    RESULT_NAME_FORMAT,
    ResultRefError,
    extract_step_result_name,
    is_valid_result_name,
)
from tektite.api.validation.context import dns1123_label_errors
from tektite.api.validation.params import to_field_error
from tektite.api.variables import validate_no_references_to_unknown_variables

__all__ = [
    "RESULT_NAME_DETAILS",
    "validate_step_result",
    "validate_step_results",
    "validate_step_results_variables",
    "validate_stepaction_results_variables",
    "validate_task_result",
    "validate_task_results",
    "validate_task_results_variables",
]

RESULT_NAME_DETAILS = (
    "Name must consist of alphanumeric characters, '-', '_', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my-name',  or 'my_name', regex used for "
    f"validation is '{RESULT_NAME_FORMAT}')"
)

_STEP_NAME_DETAILS = (
    "stepName in $(steps.<stepName>.results.<resultName>) must be a valid DNS Label, For "
    "more info refer to https://kubernetes.io/docs/concepts/overview/working-with-objects/"
    "names/#names"
)
_RESULT_NAME_IN_VALUE_DETAILS = (
    "resultName in $(steps.<stepName>.results.<resultName>) must consist of alphanumeric "
    "characters, '-', '_', and must start and end with an alphanumeric character (e.g. "
    "'MyName',  or 'my-name',  or 'my_name', regex used for validation is "
    f"'{RESULT_NAME_FORMAT}')"
)


def _invalid_property_keys(properties: dict[str, PropertySpec] | None) -> str:
    """Go's ``%v`` of the keys whose type is not string (sorted: Go's order is random)."""
    keys = sorted(k for k, p in (properties or {}).items() if p.type != "string")
    return f"[{' '.join(keys)}]" if keys else ""


def _validate_task_result_value(result: TaskResult) -> FieldError:
    """``value`` must be a string of the form ``$(steps.<step>.results.<result>)``."""
    value = result.value
    if value is None:
        return FieldError()
    value_type = param_value_type(value)
    if value_type != "string":
        return FieldError(
            f'Invalid Type. Wanted string but got: "{value_type}"', [f"{result.name}.type"]
        )
    errs = FieldError()
    if isinstance(value, str) and value:
        try:
            step_name, result_name = extract_step_result_name(value)
        except ResultRefError as err:
            return FieldError(str(err), [f"{result.name}.value"])
        if dns1123_label_errors(step_name):
            errs = errs.also(
                FieldError(
                    f"invalid extracted step name {go_quote(step_name)}",
                    [f"{result.name}.value"],
                    _STEP_NAME_DETAILS,
                )
            )
        if not is_valid_result_name(result_name):
            errs = errs.also(
                FieldError(
                    f"invalid extracted result name {go_quote(result_name)}",
                    [f"{result.name}.value"],
                    _RESULT_NAME_IN_VALUE_DETAILS,
                )
            )
    return errs


def validate_task_result(result: TaskResult) -> FieldError:
    """Tekton's ``TaskResult.Validate``: name format, type, object properties, ``value``.
    Paths are relative to the result (``name``, ``type``, ``<name>.properties``)."""
    if not is_valid_result_name(result.name):
        return err_invalid_key_name(result.name, "name", RESULT_NAME_DETAILS)
    errs = FieldError()
    if result.type == "object":
        if result.properties is None:
            errs = errs.also(err_missing_field(f"{result.name}.properties"))
        elif keys := _invalid_property_keys(result.properties):
            errs = errs.also(
                FieldError(
                    f"The value type specified for these keys {keys} is invalid, the type "
                    "must be string",
                    [f"{result.name}.properties"],
                )
            )
    elif result.type not in ("array", "", "string"):
        # An empty type is accepted: results created before types existed have none.
        errs = errs.also(err_invalid_value(result.type, "type", "type must be string"))
    return errs.also(_validate_task_result_value(result))


def validate_task_results(results: Sequence[TaskResult] | None) -> FieldError:
    """Every task result, at ``[i]``; the caller adds ``results``."""
    errs = FieldError()
    for i, result in enumerate(results or ()):
        errs = errs.also(validate_task_result(result).via_index(i))
    return errs


def validate_step_result(result: StepResult) -> FieldError:
    """Tekton's ``StepResult.Validate``: name format, type, object properties."""
    if not is_valid_result_name(result.name):
        return err_invalid_key_name(result.name, "name", RESULT_NAME_DETAILS)
    if result.type == "object":
        if result.properties is None:
            return err_missing_field(f"{result.name}.properties")
        if keys := _invalid_property_keys(result.properties):
            return FieldError(
                f"the value type specified for these keys {keys} is invalid, the type must be "
                "string",
                [f"{result.name}.properties"],
            )
        return FieldError()
    if result.type in ("array", "", "string"):
        return FieldError()
    return err_invalid_value(result.type, "type", f"invalid type {result.type}")


def validate_step_results(results: Sequence[StepResult] | None) -> FieldError:
    """Tekton's ``ValidateStepResults``: every step result, at ``[i]``; the caller adds
    ``results``."""
    errs = FieldError()
    for i, result in enumerate(results or ()):
        errs = errs.also(validate_step_result(result).via_index(i))
    return errs


def validate_step_results_variables(
    results: Sequence[StepResult] | None, script: str
) -> FieldError:
    """Tekton's ``ValidateStepResultsVariables``: ``$(step.results.<r>.path)`` in the
    script must name a declared step result; at ``script``."""
    names = frozenset(r.name for r in results or ())
    err = validate_no_references_to_unknown_variables(script, "step.results", names)
    return to_field_error(err).via_field("script")


def validate_stepaction_results_variables(
    results: Sequence[StepResult] | None, script: str
) -> FieldError:
    """Tekton's ``ValidateStepActionResultsVariables``: as
    :func:`validate_step_results_variables`, and ``$(results.<r>.path)`` too."""
    names = frozenset(r.name for r in results or ())
    errs = validate_step_results_variables(results, script)
    err = validate_no_references_to_unknown_variables(script, "results", names)
    return errs.also(to_field_error(err).via_field("script"))


def validate_task_results_variables(
    steps: Sequence[Step] | None, results: Sequence[TaskResult] | None
) -> FieldError:
    """Tekton's ``validateTaskResultsVariables``: ``$(results.<r>.path)`` in each step's
    script must name a declared task result; at ``steps[i].script``."""
    names = frozenset(r.name for r in results or ())
    errs = FieldError()
    for i, step in enumerate(steps or ()):
        err = validate_no_references_to_unknown_variables(step.script, "results", names)
        errs = errs.also(to_field_error(err).via_field("script").via_field_index("steps", i))
    return errs
