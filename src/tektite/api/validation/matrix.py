"""Validation of PipelineTask ``matrix`` (Tekton's ``matrix_types.go`` and the matrix
parts of ``pipeline_validation.go``).

Rules: matrix is a beta field; its combination count must not exceed
``default-max-matrix-combinations-count``; param names are unique within
``matrix.params`` and within each include entry; a param cannot be both in ``params``
and in the matrix; a matrixed task's results may only be consumed whole (``[*]``) and
must then be declared as strings.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from tektite.api.config import BETA
from tektite.api.errors import (
    FieldError,
    err_generic,
    err_invalid_value,
    err_multiple_one_of,
    err_out_of_bounds,
)
from tektite.api.matrix import count_combinations, get_all_params, has_include, has_params
from tektite.api.models import Matrix, PipelineTask, TaskResult, param_value_type
from tektite.api.resultref import (
    ResultRef,
    looks_like_contains_result_refs,
    looks_like_result_ref,
    new_result_refs,
)
from tektite.api.validation.context import ValidationContext, require_api_fields
from tektite.api.validation.params import (
    ObjectKeys,
    validate_array_variable,
    validate_duplicate_parameters,
    validate_string_variable,
)
from tektite.api.variables import param_value_expressions

__all__ = [
    "is_matrixed",
    "validate_matrix",
    "validate_matrix_param_usage",
    "validate_parameter_types_in_matrix",
    "validate_pipeline_task_matrix",
    "validate_task_results_from_matrixed_tasks_consumed",
]


def is_matrixed(pt: PipelineTask) -> bool:
    """Whether the task fans out (matrix params or include entries)."""
    return has_params(pt.matrix) or has_include(pt.matrix)


def _validate_combinations_count(matrix: Matrix, ctx: ValidationContext) -> FieldError:
    count = count_combinations(matrix)
    maximum = ctx.config.defaults.default_max_matrix_combinations_count
    if count > maximum:
        return err_out_of_bounds(count, 0, maximum, "matrix")
    return FieldError()


def _validate_unique_params(matrix: Matrix) -> FieldError:
    errs = FieldError()
    for index, include in enumerate(matrix.include or ()):
        errs = errs.also(
            validate_duplicate_parameters(include.params).via_field(
                f"matrix.include[{index}].params"
            )
        )
    if matrix.params:
        errs = errs.also(validate_duplicate_parameters(matrix.params).via_field("matrix.params"))
    return errs


def _validate_param_in_one_of_matrix_or_params(pt: PipelineTask) -> FieldError:
    matrix_names = {param.name for param in get_all_params(pt.matrix)}
    errs = FieldError()
    for param in pt.params or ():
        if param.name in matrix_names:
            errs = errs.also(err_multiple_one_of(f"matrix[{param.name}]", f"params[{param.name}]"))
    return errs


def validate_pipeline_task_matrix(pt: PipelineTask, ctx: ValidationContext) -> FieldError:
    """One task's matrix (Tekton's ``PipelineTask.validateMatrix``); paths relative to it."""
    errs = FieldError()
    if is_matrixed(pt) and pt.matrix is not None:
        errs = errs.also(require_api_fields(ctx, "matrix", BETA))
        errs = errs.also(_validate_combinations_count(pt.matrix, ctx))
        errs = errs.also(_validate_unique_params(pt.matrix))
    return errs.also(_validate_param_in_one_of_matrix_or_params(pt))


def validate_matrix_param_usage(
    matrix: Matrix,
    prefix: str,
    names: Collection[str],
    array_names: Collection[str],
    object_keys: ObjectKeys,
) -> FieldError:
    """Param references in include params (strings) and matrix params (array items).

    Paths as Tekton builds them: ``matrix.include.params[i]`` (no include index) and
    ``matrix.params[<name>].value[i]``.
    """
    errs = FieldError()
    for include in matrix.include or ():
        for index, param in enumerate(include.params or ()):
            text = param.value if isinstance(param.value, str) else ""
            if "$(" in text:
                errs = errs.also(
                    validate_string_variable(text, prefix, names, array_names, object_keys)
                    .via_field_index("", index)
                    .via_field("matrix.include.params", "")
                )
    for param in matrix.params or ():
        items = param.value if isinstance(param.value, list) else []
        for index, item in enumerate(items):
            if "$(" in item:
                errs = errs.also(
                    validate_array_variable(item, prefix, names, array_names, object_keys)
                    .via_field_index("value", index)
                    .via_field_key("matrix.params", param.name)
                )
    return errs


def _matrixed_refs_consumed(
    expressions: list[str], by_name: dict[str, PipelineTask]
) -> tuple[list[ResultRef], FieldError]:
    errs = FieldError()
    matrixed: list[str] = []
    for expression in expressions:
        if not looks_like_result_ref(expression):
            continue
        producer = by_name.get(expression.split(".")[1])
        if producer is not None and is_matrixed(producer):
            if not expression.endswith("[*]"):
                errs = errs.also(
                    err_generic(
                        "A matrixed pipelineTask can only be consumed in aggregate using [*] "
                        "notation, but is currently set to " + expression
                    )
                )
            matrixed.append(expression)
    return new_result_refs(matrixed), errs


def _string_results_only(results: Sequence[TaskResult] | None, name: str) -> FieldError:
    errs = FieldError()
    for result in results or ():
        if result.name == name and result.type != "string":
            errs = errs.also(
                err_invalid_value(
                    "Matrixed PipelineTasks emitting results must have an underlying type "
                    f"string, but result {name} has type {result.type} in pipelineTask",
                    "",
                )
            )
    return errs


def validate_task_results_from_matrixed_tasks_consumed(
    tasks: Sequence[PipelineTask],
) -> FieldError:
    """Results of matrixed tasks must be consumed with ``[*]`` and be strings.

    Faithful to Tekton: only task ``params`` are inspected, the check stops at the first
    param with a bad reference, the string-type check uses the references of the *last*
    param that has any, and a ``taskRef`` producer is looked up among the pipeline tasks
    by the ref's name (so only embedded specs can be checked).
    """
    by_name = {task.name: task for task in tasks}
    refs: list[ResultRef] = []
    for task in tasks:
        for param in task.params or ():
            expressions = param_value_expressions(param.value)
            if not any(looks_like_result_ref(e) for e in expressions):
                continue
            refs, errs = _matrixed_refs_consumed(expressions, by_name)
            if errs:
                return errs
    errs = FieldError()
    for ref in refs:
        producer = by_name.get(ref.pipeline_task)
        if producer is None:
            continue
        if producer.task_ref is not None:
            referenced = by_name.get(producer.task_ref.name)
            if referenced is not None and referenced.task_spec is not None:
                errs = errs.also(_string_results_only(referenced.task_spec.results, ref.result))
        elif producer.task_spec is not None:
            errs = errs.also(_string_results_only(producer.task_spec.results, ref.result))
    return errs


def validate_matrix(tasks: Sequence[PipelineTask], ctx: ValidationContext) -> FieldError:
    """Every task's matrix plus matrixed-result consumption (Tekton's ``validateMatrix``);
    paths start at the task index (``[0].matrix``), callers add ``tasks``/``finally``."""
    errs = FieldError()
    for index, task in enumerate(tasks):
        errs = errs.also(validate_pipeline_task_matrix(task, ctx).via_index(index))
    return errs.also(validate_task_results_from_matrixed_tasks_consumed(tasks))


def validate_parameter_types_in_matrix(tasks: Sequence[PipelineTask]) -> str | None:
    """Run-time check after substitution (Tekton's ``ValidateParameterTypesInMatrix``):
    matrix params must be arrays and include params strings. A matrix param still holding
    a result reference (a matrixed producer's results, resolved later) is let through.
    Returns Tekton's message for the first offending param, or ``None``.
    """
    for task in tasks:
        matrix = task.matrix
        if matrix is None:
            continue
        for include in matrix.include or ():
            for param in include.params or ():
                kind = param_value_type(param.value)
                if kind != "string":
                    return (
                        f'parameters of type string only are allowed, but param "{param.name}" '
                        f'has type "{kind}" in pipelineTask "{task.name}"'
                    )
        for param in matrix.params or ():
            kind = param_value_type(param.value)
            if kind == "array":
                continue
            if looks_like_contains_result_refs(param_value_expressions(param.value)):
                continue
            return (
                f'parameters of type array only are allowed, but param "{param.name}" has type '
                f'"{kind}" in pipelineTask "{task.name}"'
            )
    return None
