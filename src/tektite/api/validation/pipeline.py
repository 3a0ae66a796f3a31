"""Validation of Pipelines (Tekton's ``pipeline_validation.go`` and the PipelineTask rules
of ``pipeline_types.go``, ``param_types.go``, ``pipelineref_validation.go``).

:func:`validate_pipeline` is the admission check of a ``Pipeline`` object;
:func:`validate_pipeline_spec` the check of a spec alone, also used for a PipelineRun's
embedded ``pipelineSpec`` and a PipelineTask's ``pipelineSpec``. As in Tekton, only a
``Pipeline`` object requires every ``$(params.x)`` and workspace it uses to be declared
(an embedded spec may use what its run propagates).

Messages, paths and even Tekton's quirks are reproduced because users (and tests) see
them; where a quirk is surprising, the function says so. The public helpers
:func:`pipeline_task_result_refs` and :func:`pipeline_task_deps` are the pipeline-task
dependency rules the engine shares.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from tektite.api.config import ALPHA, BETA
from tektite.api.dag import DagError, build
from tektite.api.durations import GoDurationError, parse_duration_ns
from tektite.api.errors import (
    FieldError,
    err_disallowed_fields,
    err_generic,
    err_invalid_value,
    err_missing_one_of,
    err_multiple_one_of,
    go_quote,
    go_sprint,
)
from tektite.api.merge import merge_steps_with_step_template
from tektite.api.models import (
    EnvVar,
    Param,
    ParamSpec,
    Pipeline,
    PipelineResult,
    PipelineSpec,
    PipelineTask,
    PipelineWorkspaceDeclaration,
    Sidecar,
    Step,
)
from tektite.api.resultref import (
    PIPELINE_TASKS_AGGREGATE_STATUS,
    ResultRef,
    contains_execution_status_ref,
    contains_execution_status_references,
    execution_status_task_name,
    looks_like_contains_result_refs,
    looks_like_result_ref,
    new_result_refs,
    task_contains_result,
)
from tektite.api.validation.context import (
    ValidationContext,
    dns1123_label_errors,
    require_api_fields,
)
from tektite.api.validation.matrix import (
    is_matrixed,
    validate_matrix,
    validate_matrix_param_usage,
)
from tektite.api.validation.metadata import validate_object_metadata
from tektite.api.validation.params import (
    sort_by_type,
    to_field_error,
    validate_duplicate_parameters,
    validate_param_specs,
    validate_param_values_variables,
    validate_usage_of_declared_parameters,
)
from tektite.api.validation.refs import validate_pipeline_ref, validate_task_ref
from tektite.api.validation.when import (
    validate_when_expressions,
    validate_when_param_usage,
    when_expression_variables,
)
from tektite.api.variables import (
    extract_array_indexing_params_expressions,
    extract_index_string,
    get_var_substitution_expressions,
    param_value_expressions,
    validate_no_references_to_unknown_variables,
    validate_variable_prefix,
)

__all__ = [
    "extract_all_params",
    "get_indexing_references_to_array_params",
    "pipeline_task_deps",
    "pipeline_task_result_refs",
    "validate_execution_status_variables",
    "validate_final_tasks",
    "validate_graph",
    "validate_pipeline",
    "validate_pipeline_context_variables",
    "validate_pipeline_parameter_usage",
    "validate_pipeline_parameter_variables",
    "validate_pipeline_ref_result_references_disallowed",
    "validate_pipeline_results",
    "validate_pipeline_spec",
    "validate_pipeline_task",
    "validate_pipeline_task_parameter_usage",
    "validate_pipeline_tasks",
    "validate_pipeline_tasks_workspaces_usage",
    "validate_pipeline_workspaces_declarations",
    "validate_tasks_and_finally_section",
    "validate_var_substitution_expressions",
]

_PIPELINE_TASK_NAME_DETAILS = (
    "Pipeline Task name must be a valid DNS Label."
    "For more info refer to https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names"
)
_ON_ERROR_DETAILS = 'PipelineTask OnError must be either "continue" or "stopAndFail"'
_TASK_ARTIFACT_RE = re.compile(r"\$\(tasks\.([^.]+)\.(?:inputs|outputs)\.([^.)]+)\)")
_VALID_TASK_KINDS = ("", "Task")
_CONTEXT_NAMES: tuple[tuple[str, frozenset[str]], ...] = (
    (r"context\.pipelineRun", frozenset({"name", "namespace", "uid"})),
    (r"context\.pipeline", frozenset({"name"})),
    (r"context\.pipelineTask", frozenset({"retries"})),
)


# -- values and references of a pipeline task --------------------------------------------


def _param_values(params: Iterable[Param]) -> list[str]:
    """Every string inside the params' values (Tekton's ``Params.extractValues``)."""
    values: list[str] = []
    for param in params:
        value = param.value
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, list):
            values.extend(value)
        else:
            values.extend(value.values())
    return values


def extract_all_params(pt: PipelineTask) -> list[Param]:
    """``params``, then ``matrix.params``, then every ``matrix.include`` entry's params."""
    params = list(pt.params or ())
    if pt.matrix is not None:
        params.extend(pt.matrix.params or ())
        for include in pt.matrix.include or ():
            params.extend(include.params or ())
    return params


def _env_expressions(env: Sequence[EnvVar] | None) -> list[str]:
    found: list[str] = []
    for var in env or ():
        found += get_var_substitution_expressions(var.value or "")
        source = var.value_from or {}
        for ref_kind in ("secretKeyRef", "configMapKeyRef"):
            ref = source.get(ref_kind)
            if isinstance(ref, Mapping):
                found += get_var_substitution_expressions(str(ref.get("key") or ""))
                found += get_var_substitution_expressions(str(ref.get("name") or ""))
    return found


def _container_expressions(c: Step | Sidecar) -> list[str]:
    """References in a step's or sidecar's fields (Tekton's ``GetVarSubstitutionExpressions``)."""
    found: list[str] = []
    for text in (c.name, c.image, c.image_pull_policy, c.script, c.working_dir):
        found += get_var_substitution_expressions(text)
    for text in (*(c.command or ()), *(c.args or ())):
        found += get_var_substitution_expressions(text)
    return found + _env_expressions(c.env)


def pipeline_task_result_refs(pt: PipelineTask) -> list[ResultRef]:
    """Every task/finally result reference in the task's params (matrix included), when
    expressions and embedded steps/sidecars (Tekton's ``PipelineTaskResultRefs``)."""
    expressions: list[str] = []
    for param in extract_all_params(pt):
        expressions += param_value_expressions(param.value)
    for we in pt.when or ():
        expressions += when_expression_variables(we)
    if pt.task_spec is not None:
        # Tekton sees the steps merged with the stepTemplate (validation merges in place).
        steps = merge_steps_with_step_template(pt.task_spec.step_template, pt.task_spec.steps)
        for step in steps:
            expressions += _container_expressions(step)
        for sidecar in pt.task_spec.sidecars or ():
            expressions += _container_expressions(sidecar)
    return new_result_refs(expressions)


def pipeline_task_deps(pt: PipelineTask) -> list[str]:
    """Tasks that must finish first: result-reference producers ∪ ``runAfter``, sorted."""
    deps = {ref.pipeline_task for ref in pipeline_task_result_refs(pt)}
    deps.update(pt.run_after or ())
    return sorted(deps)


@dataclass(frozen=True, slots=True)
class _DagNode:
    """A pipeline task as :mod:`tektite.api.dag` sees it."""

    name: str
    dependencies: tuple[str, ...]

    def deps(self) -> tuple[str, ...]:
        return self.dependencies


# -- entry points ----------------------------------------------------------------------------


def validate_pipeline(p: Pipeline, ctx: ValidationContext) -> FieldError:
    """A ``Pipeline`` object: metadata, spec, and declared use of params and workspaces."""
    errs = validate_object_metadata(p.metadata).via_field("metadata")
    errs = errs.also(validate_pipeline_spec(p.spec, ctx).via_field("spec"))
    # A Pipeline created on its own cannot rely on params or workspaces propagated from
    # a run: everything it uses must be declared.
    errs = errs.also(validate_pipeline_parameter_usage(p.spec, ctx).via_field("spec"))
    errs = errs.also(_validate_pipeline_workspaces_usage(p.spec).via_field("spec"))
    return errs


def _is_empty_spec(spec: PipelineSpec) -> bool:
    return not (
        spec.display_name
        or spec.description
        or spec.tasks
        or spec.params
        or spec.workspaces
        or spec.results
        or spec.finally_
    )


def validate_pipeline_spec(spec: PipelineSpec, ctx: ValidationContext) -> FieldError:
    """A PipelineSpec (Tekton's ``PipelineSpec.Validate``); paths relative to the spec."""
    tasks = spec.tasks or []
    finally_ = spec.finally_ or []
    params = spec.params or []
    errs = _validate_beta_fields(spec, ctx)
    if _is_empty_spec(spec):
        errs = errs.also(
            err_generic(
                "expected at least one, got none",
                "description",
                "params",
                "resources",
                "tasks",
                "workspaces",
            )
        )
    errs = errs.also(validate_pipeline_tasks(tasks, finally_, ctx))
    errs = errs.also(validate_graph(tasks))
    errs = errs.also(validate_pipeline_parameter_variables(tasks, params, ctx).via_field("tasks"))
    errs = errs.also(
        validate_pipeline_parameter_variables(finally_, params, ctx).via_field("finally")
    )
    errs = errs.also(validate_pipeline_context_variables(tasks).via_field("tasks"))
    errs = errs.also(validate_pipeline_context_variables(finally_).via_field("finally"))
    errs = errs.also(validate_execution_status_variables(tasks, finally_))
    errs = errs.also(validate_pipeline_workspaces_declarations(spec.workspaces or []))
    errs = errs.also(validate_pipeline_results(spec.results or [], tasks, finally_))
    errs = errs.also(validate_pipeline_ref_result_references_disallowed(tasks, finally_))
    errs = errs.also(validate_tasks_and_finally_section(spec))
    errs = errs.also(validate_final_tasks(tasks, finally_))
    errs = errs.also(_validate_when_expressions(tasks, finally_, ctx))
    errs = errs.also(_validate_artifact_reference(tasks, finally_, ctx))
    errs = errs.also(validate_matrix(tasks, ctx).via_field("tasks"))
    errs = errs.also(validate_matrix(finally_, ctx).via_field("finally"))
    errs = errs.also(validate_var_substitution_expressions(tasks, "tasks"))
    errs = errs.also(validate_var_substitution_expressions(finally_, "finally"))
    return errs


def _validate_beta_fields(spec: PipelineSpec, ctx: ValidationContext) -> FieldError:
    errs = FieldError()
    # Tekton reports finally tasks under "tasks[i]" too.
    for pts in (spec.tasks or (), spec.finally_ or ()):
        for index, pt in enumerate(pts):
            if pt.task_ref is None:
                continue
            task_errs = FieldError()
            if pt.task_ref.resolver:
                task_errs = task_errs.also(require_api_fields(ctx, "taskref.resolver", BETA))
            if pt.task_ref.params:
                task_errs = task_errs.also(require_api_fields(ctx, "taskref.params", BETA))
            errs = errs.also(task_errs.via_field_index("tasks", index))
    return errs


# -- pipeline tasks ----------------------------------------------------------------------------


def validate_pipeline_tasks(
    tasks: Sequence[PipelineTask], finally_: Sequence[PipelineTask], ctx: ValidationContext
) -> FieldError:
    """Names (valid, unique across tasks and finally) and each task's own rules."""
    seen: set[str] = set()
    errs = FieldError()
    for field, pts in (("tasks", tasks), ("finally", finally_)):
        for index, pt in enumerate(pts):
            errs = errs.also(_validate_name(pt).via_field_index(field, index))
            if pt.name in seen:
                errs = errs.also(err_multiple_one_of("name").via_field_index(field, index))
            seen.add(pt.name)
            errs = errs.also(validate_pipeline_task(pt, ctx).via_field_index(field, index))
    return errs


def _validate_name(pt: PipelineTask) -> FieldError:
    if dns1123_label_errors(pt.name):
        return FieldError(
            f"invalid value {go_quote(pt.name)}", ["name"], _PIPELINE_TASK_NAME_DETAILS
        )
    return FieldError()


def _is_custom_task(pt: PipelineTask) -> bool:
    """A taskRef/taskSpec with an apiVersion, or with a kind other than Task."""
    if pt.task_ref is not None and (
        pt.task_ref.kind not in _VALID_TASK_KINDS or pt.task_ref.api_version
    ):
        return True
    return pt.task_spec is not None and (
        pt.task_spec.kind not in _VALID_TASK_KINDS or bool(pt.task_spec.api_version)
    )


def validate_pipeline_task(pt: PipelineTask, ctx: ValidationContext) -> FieldError:
    """One task's own rules (Tekton's ``PipelineTask.Validate``), name excluded."""
    errs = _validate_ref_or_spec(pt, ctx)
    errs = errs.also(_validate_enabled_inline_spec(pt, ctx))
    errs = errs.also(_validate_embedded_or_type(pt))
    errs = errs.also(_validate_on_error(pt, ctx))
    errs = errs.also(_validate_timeout(pt))
    if _is_custom_task(pt):
        return errs.also(_validate_custom_task(pt))
    return errs.also(_validate_task(pt, ctx))


def _validate_ref_or_spec(pt: PipelineTask, ctx: ValidationContext) -> FieldError:
    errs = FieldError()
    present: list[str] = []
    if pt.task_ref is not None:
        present.append("taskRef")
    if pt.task_spec is not None:
        present.append("taskSpec")
    if pt.pipeline_ref is not None:
        errs = errs.also(require_api_fields(ctx, "pipelineRef", ALPHA))
        present.append("pipelineRef")
    if pt.pipeline_spec is not None:
        errs = errs.also(require_api_fields(ctx, "pipelineSpec", ALPHA))
        present.append("pipelineSpec")
    if len(present) > 1:
        errs = errs.also(err_generic("expected exactly one, got multiple", *present))
    elif not present:
        if ctx.config.features.enable_api_fields == ALPHA:
            errs = errs.also(
                err_missing_one_of("taskRef", "taskSpec", "pipelineRef", "pipelineSpec")
            )
        else:
            errs = errs.also(err_missing_one_of("taskRef", "taskSpec"))
    return errs


def _validate_enabled_inline_spec(pt: PipelineTask, ctx: ValidationContext) -> FieldError:
    if not ctx.config.features.inline_spec_disabled("pipeline"):
        return FieldError()
    errs = FieldError()
    if pt.task_spec is not None:
        errs = errs.also(err_disallowed_fields("taskSpec"))
    if pt.pipeline_spec is not None:
        errs = errs.also(err_disallowed_fields("pipelineSpec"))
    return errs


def _validate_embedded_or_type(pt: PipelineTask) -> FieldError:
    """An embedded Task (it has steps) must not also carry apiVersion/kind."""
    spec = pt.task_spec
    if spec is None or not spec.steps:
        return FieldError()
    errs = FieldError()
    if spec.api_version:
        errs = errs.also(
            err_generic(
                "taskSpec.apiVersion cannot be specified when using taskSpec.steps",
                "taskSpec.apiVersion",
            )
        )
    if spec.kind:
        errs = errs.also(
            err_generic(
                "taskSpec.kind cannot be specified when using taskSpec.steps", "taskSpec.kind"
            )
        )
    return errs


def _validate_on_error(pt: PipelineTask, ctx: ValidationContext) -> FieldError:
    # A "$(params...)" value is only checked after substitution, at run time.
    if not pt.on_error or pt.on_error.startswith("$(params"):
        return FieldError()
    errs = require_api_fields(ctx, "OnError", BETA)
    if pt.on_error not in ("continue", "stopAndFail"):
        errs = errs.also(err_invalid_value(pt.on_error, "OnError", _ON_ERROR_DETAILS))
    if pt.on_error == "continue" and pt.retries > 0:
        errs = errs.also(
            err_generic(
                'PipelineTask OnError cannot be set to "continue" when Retries is greater than 0'
            )
        )
    return errs


def _validate_timeout(pt: PipelineTask) -> FieldError:
    """Kubernetes rejects an unparsable ``metav1.Duration`` while decoding, before Tekton's
    webhook runs (which has no other rule for a task's timeout); report Go's parse error
    at the field instead."""
    if pt.timeout is None:
        return FieldError()
    try:
        parse_duration_ns(pt.timeout)
    except GoDurationError as err:
        return err_invalid_value(str(err), "timeout")
    return FieldError()


def _is_valid_api_version(api_version: str) -> bool:
    parts = api_version.split("/")
    return len(parts) == 2 and bool(parts[0]) and bool(parts[1])


def _validate_custom_task(pt: PipelineTask) -> FieldError:
    errs = FieldError()
    for field, ref in (("taskRef", pt.task_ref), ("taskSpec", pt.task_spec)):
        if ref is None:
            continue
        noun = "ref" if field == "taskRef" else "spec"
        if not ref.kind:
            errs = errs.also(
                err_invalid_value(f"custom task {noun} must specify kind", f"{field}.kind")
            )
        if not ref.api_version:
            errs = errs.also(
                err_invalid_value(
                    f"custom task {noun} must specify apiVersion", f"{field}.apiVersion"
                )
            )
        elif not _is_valid_api_version(ref.api_version):
            errs = errs.also(
                err_invalid_value(
                    f"invalid apiVersion format {go_quote(ref.api_version)}, must be in the "
                    'format "group/version"',
                    f"{field}.apiVersion",
                )
            )
    return errs


def _validate_task(pt: PipelineTask, ctx: ValidationContext) -> FieldError:
    errs = FieldError()
    if pt.task_spec is not None:
        # Imported here: the Task rules module is large and only needed for inline specs.
        from tektite.api.validation.task import validate_task_spec

        errs = errs.also(validate_task_spec(pt.task_spec, ctx.propagating()).via_field("taskSpec"))
    if pt.task_ref is not None:
        errs = errs.also(validate_task_ref(pt.task_ref, ctx).via_field("taskRef"))
    if pt.pipeline_ref is not None:
        errs = errs.also(validate_pipeline_ref(pt.pipeline_ref, ctx).via_field("pipelineRef"))
    if pt.pipeline_spec is not None:
        errs = errs.also(validate_pipeline_spec(pt.pipeline_spec, ctx).via_field("pipelineSpec"))
    return errs


# -- graph ---------------------------------------------------------------------------------------


def validate_graph(tasks: Sequence[PipelineTask]) -> FieldError:
    """The DAG of ``tasks`` (finally excluded): no duplicates, cycles or unknown parents."""
    nodes = [_DagNode(pt.name, tuple(pipeline_task_deps(pt))) for pt in tasks]
    try:
        build(nodes)
    except DagError as err:
        return err_invalid_value(err.message, "tasks")
    return FieldError()


# -- param declarations and pipeline-task param usage -------------------------------------------


def validate_pipeline_parameter_variables(
    tasks: Sequence[PipelineTask], params: Sequence[ParamSpec], ctx: ValidationContext
) -> FieldError:
    """Pipeline param declarations and duplicate task params (Tekton's
    ``ValidatePipelineParameterVariables``); task paths start at ``[i]``."""
    errs = validate_param_specs(params, ctx)
    for index, task in enumerate(tasks):
        errs = errs.also(
            validate_duplicate_parameters(task.params).via_field("params").via_index(index)
        )
    return errs


_PARAMS = "params"


def validate_pipeline_task_parameter_usage(
    tasks: Sequence[PipelineTask], params: Sequence[ParamSpec]
) -> FieldError:
    """Every ``$(params...)`` in task params, matrix and when expressions must name a
    declared param and use it according to its type; paths start at ``[i]``."""
    _, arrays, objects = sort_by_type(params)
    names = frozenset(spec.name for spec in params)
    array_names = frozenset(spec.name for spec in arrays)
    object_keys = {spec.name: frozenset(spec.properties or ()) for spec in objects}
    errs = FieldError()
    for index, task in enumerate(tasks):
        task_errs = validate_param_values_variables(
            task.params, _PARAMS, names, array_names, object_keys
        )
        if is_matrixed(task) and task.matrix is not None:
            task_errs = task_errs.also(
                validate_matrix_param_usage(task.matrix, _PARAMS, names, array_names, object_keys)
            )
        task_errs = task_errs.also(
            validate_when_param_usage(task.when, _PARAMS, names, array_names, object_keys)
        )
        errs = errs.also(task_errs.via_index(index))
        errs = errs.also(
            validate_duplicate_parameters(task.params).via_field("params").via_index(index)
        )
    return errs


def _validate_embedded_param_usage(
    tasks: Sequence[PipelineTask], params: Sequence[ParamSpec], field: str, ctx: ValidationContext
) -> FieldError:
    errs = FieldError()
    for index, task in enumerate(tasks):
        spec = task.task_spec
        if spec is None:
            continue
        # Tekton checks the steps after TaskSpec.Validate merged the stepTemplate into
        # them in place, so the merged steps are what it sees here.
        steps = merge_steps_with_step_template(spec.step_template, spec.steps)
        declared = [*(spec.params or ()), *params]
        errs = errs.also(
            validate_usage_of_declared_parameters(steps, declared, ctx).via_field_index(
                field, index
            )
        )
    return errs


def validate_pipeline_parameter_usage(spec: PipelineSpec, ctx: ValidationContext) -> FieldError:
    """Params used by a Pipeline object must be declared (embedded task specs included)."""
    params = spec.params or []
    tasks, finally_ = spec.tasks or [], spec.finally_ or []
    errs = _validate_embedded_param_usage(tasks, params, "tasks", ctx)
    errs = errs.also(_validate_embedded_param_usage(finally_, params, "finally", ctx))
    errs = errs.also(validate_pipeline_task_parameter_usage(tasks, params).via_field("tasks"))
    return errs.also(validate_pipeline_task_parameter_usage(finally_, params).via_field("finally"))


# -- context variables, execution status, variable prefixes --------------------------------------


def validate_pipeline_context_variables(tasks: Sequence[PipelineTask]) -> FieldError:
    """``$(context.pipelineRun|pipeline|pipelineTask.x)`` must name a known key.

    Faithful to Tekton, which overwrites its list of values in the loop: only the *last*
    task's params are checked, and errors carry the path ``value`` with no task index.
    """
    values = _param_values(extract_all_params(tasks[-1])) if tasks else []
    errs = FieldError()
    for prefix, names in _CONTEXT_NAMES:
        for value in values:
            errs = errs.also(
                to_field_error(
                    validate_no_references_to_unknown_variables(value, prefix, names)
                ).via_field("value")
            )
    return errs


def _status_refs_disallowed(expressions: Collection[str], path: str) -> FieldError:
    if contains_execution_status_references(expressions):
        return err_invalid_value(
            "pipeline tasks can not refer to execution status of any other pipeline task or "
            "aggregate status of tasks",
            path,
        )
    return FieldError()


def _status_refs_to_known_tasks(
    expressions: Collection[str], names: Collection[str], path: str
) -> FieldError:
    errs = FieldError()
    if looks_like_contains_result_refs(expressions):
        return errs
    for expression in expressions:
        if expression == PIPELINE_TASKS_AGGREGATE_STATUS:
            continue
        if contains_execution_status_ref(expression):
            task = execution_status_task_name(expression)
            if task not in names:
                errs = errs.also(
                    err_invalid_value(f"pipeline task {task} is not defined in the pipeline", path)
                )
    return errs


def validate_execution_status_variables(
    tasks: Sequence[PipelineTask], finally_: Sequence[PipelineTask]
) -> FieldError:
    """``$(tasks.x.status|reason)`` and ``$(tasks.status)``: only in finally, and only
    naming DAG tasks."""
    names = {pt.name for pt in tasks}
    errs = FieldError()
    for field, pts in (("tasks", tasks), ("finally", finally_)):
        for index, pt in enumerate(pts):
            task_errs = FieldError()
            for param in pt.params or ():
                expressions = param_value_expressions(param.value)
                if not expressions:
                    continue
                problem = (
                    _status_refs_disallowed(expressions, "value")
                    if field == "tasks"
                    else _status_refs_to_known_tasks(expressions, names, "value")
                )
                task_errs = task_errs.also(problem.via_field_key("params", param.name))
            for when_index, we in enumerate(pt.when or ()):
                expressions = when_expression_variables(we)
                if not expressions:
                    continue
                problem = (
                    _status_refs_disallowed(expressions, "")
                    if field == "tasks"
                    else _status_refs_to_known_tasks(expressions, names, "")
                )
                task_errs = task_errs.also(problem.via_field_index("when", when_index))
            errs = errs.also(task_errs.via_index(index).via_field(field))
    return errs


def _prefix_errors(expressions: Iterable[str], path: str) -> FieldError:
    errs = FieldError()
    for expression in expressions:
        problem = validate_variable_prefix(expression)
        if problem is not None:
            errs = errs.also(err_invalid_value(problem.message, path))
    return errs


def validate_var_substitution_expressions(tasks: Sequence[PipelineTask], field: str) -> FieldError:
    """References in params, when and matrix must start with a pipeline prefix, so that
    a shell ``$(cmd)`` is not silently taken for a Tekton variable."""
    errs = FieldError()
    for index, task in enumerate(tasks):
        task_errs = FieldError()
        for param in task.params or ():
            task_errs = task_errs.also(
                _prefix_errors(param_value_expressions(param.value), "value").via_field_key(
                    "params", param.name
                )
            )
        for when_index, we in enumerate(task.when or ()):
            task_errs = task_errs.also(
                _prefix_errors(when_expression_variables(we), "").via_field_index(
                    "when", when_index
                )
            )
        if is_matrixed(task) and task.matrix is not None:
            for param in task.matrix.params or ():
                task_errs = task_errs.also(
                    _prefix_errors(param_value_expressions(param.value), "value").via_field_key(
                        "matrix.params", param.name
                    )
                )
            for include_index, include in enumerate(task.matrix.include or ()):
                for param in include.params or ():
                    task_errs = task_errs.also(
                        _prefix_errors(param_value_expressions(param.value), "value")
                        .via_field_key("params", param.name)
                        .via_field_index("matrix.include", include_index)
                    )
        errs = errs.also(task_errs.via_field_index(field, index))
    return errs


# -- workspaces ----------------------------------------------------------------------------------


def validate_pipeline_workspaces_declarations(
    workspaces: Sequence[PipelineWorkspaceDeclaration],
) -> FieldError:
    """Pipeline workspace names are non-empty and unique."""
    errs = FieldError()
    seen: set[str] = set()
    for index, ws in enumerate(workspaces):
        if not ws.name:
            errs = errs.also(
                err_invalid_value(f"workspace {index} has empty name", "").via_field_index(
                    "workspaces", index
                )
            )
        if ws.name in seen:
            errs = errs.also(
                err_invalid_value(
                    f"workspace with name {go_quote(ws.name)} appears more than once", ""
                ).via_field_index("workspaces", index)
            )
        seen.add(ws.name)
    return errs


def validate_pipeline_tasks_workspaces_usage(
    workspaces: Sequence[PipelineWorkspaceDeclaration], tasks: Sequence[PipelineTask]
) -> FieldError:
    """Task workspace bindings name declared pipeline workspaces, once each; paths start
    at ``[i]``."""
    declared = {ws.name for ws in workspaces}
    errs = FieldError()
    for index, pt in enumerate(tasks):
        bound: set[str] = set()
        task_errs = FieldError()
        for ws_index, binding in enumerate(pt.workspaces or ()):
            if binding.name in bound:
                task_errs = task_errs.also(
                    err_generic(
                        f"workspace name {go_quote(binding.name)} must be unique", ""
                    ).via_field_index("workspaces", ws_index)
                )
            wanted = binding.workspace or binding.name
            if wanted not in declared:
                task_errs = task_errs.also(
                    err_invalid_value(
                        f"pipeline task {go_quote(pt.name)} expects workspace with name "
                        f"{go_quote(wanted)} but none exists in pipeline spec",
                        "",
                    ).via_field_index("workspaces", ws_index)
                )
            bound.add(binding.name)
        errs = errs.also(task_errs.via_index(index))
    return errs


def _validate_pipeline_workspaces_usage(spec: PipelineSpec) -> FieldError:
    workspaces = spec.workspaces or []
    errs = validate_pipeline_tasks_workspaces_usage(workspaces, spec.tasks or []).via_field("tasks")
    return errs.also(
        validate_pipeline_tasks_workspaces_usage(workspaces, spec.finally_ or []).via_field(
            "finally"
        )
    )


# -- pipeline results ----------------------------------------------------------------------------


def _go_result_refs_text(refs: Sequence[ResultRef]) -> str:
    """Go prints a ``[]*ResultRef`` as pointer addresses; show the referenced fields
    instead, in Go's ``&{...}`` struct notation."""
    parts = []
    for ref in refs:
        index = "<nil>" if ref.results_index is None else str(ref.results_index)
        parts.append(f"&{{{ref.pipeline_task} {ref.result} {index} {ref.property}}}")
    return "[" + " ".join(parts) + "]"


def validate_pipeline_results(
    results: Sequence[PipelineResult],
    tasks: Sequence[PipelineTask],
    finally_: Sequence[PipelineTask],
) -> FieldError:
    """Pipeline result values must be references to results of existing tasks."""
    task_names = {pt.name for pt in tasks}
    finally_names = {pt.name for pt in finally_}
    errs = FieldError()
    for index, result in enumerate(results):
        expressions = param_value_expressions(result.value)
        result_errs = FieldError()
        if not expressions:
            result_errs = result_errs.also(
                err_invalid_value(
                    "expected pipeline results to be task result expressions but no expressions "
                    "were found",
                    "value",
                )
            )
        if not looks_like_contains_result_refs(expressions):
            result_errs = result_errs.also(
                err_invalid_value(
                    "expected pipeline results to be task result expressions but an invalid "
                    "expressions was found",
                    "value",
                )
            )
        refs_like = [e for e in expressions if looks_like_result_ref(e)]
        refs = new_result_refs(refs_like)
        if len(refs_like) != len(refs):
            result_errs = result_errs.also(
                err_invalid_value(
                    f"expected all of the expressions {go_sprint(refs_like)} to be result "
                    f"expressions but only {_go_result_refs_text(refs)} were",
                    "value",
                )
            )
        text = result.value if isinstance(result.value, str) else ""
        if not task_contains_result(text, task_names, finally_names):
            result_errs = result_errs.also(
                err_invalid_value("referencing a nonexistent task", "value")
            )
        errs = errs.also(result_errs.via_field_index("results", index))
    return errs


def validate_pipeline_ref_result_references_disallowed(
    tasks: Sequence[PipelineTask], finally_: Sequence[PipelineTask]
) -> FieldError:
    """Results of pipelines-in-pipelines tasks cannot be referenced (not propagated yet)."""
    child_pipelines = {
        pt.name for pt in tasks if pt.pipeline_ref is not None or pt.pipeline_spec is not None
    }
    if not child_pipelines:
        return FieldError()
    errs = FieldError()
    for field, pts in (("tasks", tasks), ("finally", finally_)):
        for index, pt in enumerate(pts):
            for ref in pipeline_task_result_refs(pt):
                if ref.pipeline_task in child_pipelines:
                    errs = errs.also(
                        err_invalid_value(
                            f"result reference to pipelineTask {go_quote(ref.pipeline_task)} is "
                            "not supported: referenced task uses pipelineRef or pipelineSpec and "
                            "result propagation from child Pipelines is not yet implemented",
                            "",
                        ).via_field_index(field, index)
                    )
    return errs


# -- finally -------------------------------------------------------------------------------------


def validate_tasks_and_finally_section(spec: PipelineSpec) -> FieldError:
    """``finally`` needs at least one task in ``tasks``."""
    if spec.finally_ and not spec.tasks:
        return err_invalid_value(
            f"spec.tasks is empty but spec.finally has {len(spec.finally_)} tasks", "finally"
        )
    return FieldError()


def _finally_result_refs(
    expressions: Collection[str],
    task_names: Collection[str],
    finally_names: Collection[str],
    path: str,
) -> FieldError:
    errs = FieldError()
    if not looks_like_contains_result_refs(expressions):
        return errs
    for ref in new_result_refs(expressions):
        producer = ref.pipeline_task
        if producer in finally_names:
            errs = errs.also(
                err_invalid_value(
                    "invalid task result reference, final task has task result reference from "
                    f"a final task {producer}",
                    path,
                )
            )
        elif producer not in task_names:
            errs = errs.also(
                err_invalid_value(
                    "invalid task result reference, final task has task result reference from "
                    f"a task {producer} which is not defined in the pipeline",
                    path,
                )
            )
    return errs


def validate_final_tasks(
    tasks: Sequence[PipelineTask], finally_: Sequence[PipelineTask]
) -> FieldError:
    """Finally tasks: no ``runAfter``; result references only to DAG tasks."""
    errs = FieldError()
    for index, pt in enumerate(finally_):
        if pt.run_after:
            errs = errs.also(
                err_invalid_value(
                    f"no runAfter allowed under spec.finally, final task {pt.name} has runAfter "
                    "specified",
                    "",
                ).via_field_index("finally", index)
            )
    task_names = {pt.name for pt in tasks}
    finally_names = {pt.name for pt in finally_}
    for index, pt in enumerate(finally_):
        for param in pt.params or ():
            expressions = param_value_expressions(param.value)
            if expressions:
                errs = errs.also(
                    _finally_result_refs(expressions, task_names, finally_names, "value")
                    .via_field_key("params", param.name)
                    .via_field_index("finally", index)
                )
        for when_index, we in enumerate(pt.when or ()):
            expressions = when_expression_variables(we)
            if expressions:
                errs = errs.also(
                    _finally_result_refs(expressions, task_names, finally_names, "")
                    .via_field_index("when", when_index)
                    .via_field_index("finally", index)
                )
    return errs


# -- when expressions and artifacts --------------------------------------------------------------


def _validate_when_expressions(
    tasks: Sequence[PipelineTask], finally_: Sequence[PipelineTask], ctx: ValidationContext
) -> FieldError:
    errs = FieldError()
    for field, pts in (("tasks", tasks), ("finally", finally_)):
        for index, pt in enumerate(pts):
            errs = errs.also(validate_when_expressions(pt.when, ctx).via_field_index(field, index))
    return errs


def _validate_artifact_reference(
    tasks: Sequence[PipelineTask], finally_: Sequence[PipelineTask], ctx: ValidationContext
) -> FieldError:
    """``$(tasks.x.inputs|outputs.y)`` needs ``enable-artifacts``; the first use is reported."""
    if ctx.config.features.enable_artifacts:
        return FieldError()
    for field, pts in (("tasks", tasks), ("finally", finally_)):
        for index, pt in enumerate(pts):
            if any(_TASK_ARTIFACT_RE.search(v) for v in _param_values(pt.params or ())):
                return (
                    err_generic(
                        "feature flag enable-artifacts should be set to true to use artifacts "
                        "feature.",
                        "",
                    )
                    .via_field("params")
                    .via_field_index(field, index)
                )
    return FieldError()


# -- array indexing ------------------------------------------------------------------------------


def get_indexing_references_to_array_params(spec: PipelineSpec) -> set[str]:
    """Every ``$(params.x[i])`` in task params, matrix params, workspace sub-paths and when
    expressions (finally: params, matrix params and when), for the run-time bounds check."""
    texts: list[str] = []
    for field, pts in (("tasks", spec.tasks or ()), ("finally", spec.finally_ or ())):
        for pt in pts:
            texts += _param_values(pt.params or ())
            if is_matrixed(pt) and pt.matrix is not None:
                texts += _param_values(pt.matrix.params or ())
            if field == "tasks":
                texts += [ws.sub_path for ws in pt.workspaces or ()]
            for we in pt.when or ():
                texts.append(we.input)
                texts += we.values or []
    return {
        expression
        for text in texts
        for expression in extract_array_indexing_params_expressions(text)
        if extract_index_string(expression)
    }
