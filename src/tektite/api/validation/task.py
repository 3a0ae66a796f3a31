"""Validation of Tasks and task specs (Tekton's ``task_validation.go``).

:func:`validate_task` is ``Task.Validate``; :func:`validate_task_spec` is
``TaskSpec.Validate``, also used for specs embedded in TaskRuns and PipelineTasks.

Tekton merges the stepTemplate into the steps *in place* during ``TaskSpec.Validate``,
so every check after the merge (step rules, param and context references, result paths,
and the declared-params check of ``Task.Validate``) sees merged steps; the workspace
checks before it see the steps as written. That order is kept here.
"""

from __future__ import annotations

from collections.abc import Sequence

from tektite.api.config import BETA
from tektite.api.errors import FieldError, err_generic, err_missing_field, go_quote
from tektite.api.merge import merge_steps_with_step_template
from tektite.api.models import (
    Step,
    StepTemplate,
    Task,
    TaskSpec,
    Volume,
    WorkspaceDeclaration,
    WorkspaceUsage,
)
from tektite.api.validation.container import clean_path, validate_sidecars, validate_steps
from tektite.api.validation.context import ValidationContext, require_api_fields
from tektite.api.validation.k8s_json import check_container, check_volumes
from tektite.api.validation.metadata import validate_object_metadata
from tektite.api.validation.params import (
    validate_param_types,
    validate_parameter_variables,
    validate_steps_variables,
    validate_usage_of_declared_parameters,
)
from tektite.api.validation.results import validate_task_results, validate_task_results_variables

__all__ = [
    "TASKRUN_CONTEXT_NAMES",
    "TASK_CONTEXT_NAMES",
    "validate_declared_workspaces",
    "validate_task",
    "validate_task_context_variables",
    "validate_task_spec",
    "validate_volumes",
    "validate_workspace_usages",
]

TASKRUN_CONTEXT_NAMES = frozenset({"name", "namespace", "uid"})
"""``$(context.taskRun.<x>)`` names a Task may use."""
TASK_CONTEXT_NAMES = frozenset({"name", "retry-count"})
"""``$(context.task.<x>)`` names a Task may use."""


def validate_task(task: Task, ctx: ValidationContext) -> FieldError:
    """Tekton's ``Task.Validate``: metadata, the spec, and — a Task object gets no
    propagated params — every ``$(params.x)`` its steps use must be declared."""
    spec = task.spec
    steps = merge_steps_with_step_template(spec.step_template, spec.steps)
    errs = validate_object_metadata(task.metadata).via_field("metadata")
    errs = errs.also(_validate_spec(spec, steps, ctx).via_field("spec"))
    return errs.also(
        validate_usage_of_declared_parameters(steps, spec.params, ctx).via_field("spec")
    )


def validate_task_spec(spec: TaskSpec, ctx: ValidationContext) -> FieldError:
    """Tekton's ``TaskSpec.Validate``; paths are relative to the spec.

    Params used but not declared are *not* reported here (they may be propagated from
    a run); callers that need that check use
    :func:`~tektite.api.validation.params.validate_usage_of_declared_parameters` on the
    merged steps (:func:`~tektite.api.merge.merge_steps_with_step_template`).
    """
    steps = merge_steps_with_step_template(spec.step_template, spec.steps)
    return _validate_spec(spec, steps, ctx)


def _validate_spec(spec: TaskSpec, steps: Sequence[Step], ctx: ValidationContext) -> FieldError:
    errs = FieldError()
    if not spec.steps:
        errs = errs.also(err_missing_field("steps"))
    errs = errs.also(validate_volumes(spec.volumes).via_field("volumes"))
    errs = errs.also(
        validate_declared_workspaces(spec.workspaces, spec.steps, spec.step_template).via_field(
            "workspaces"
        )
    )
    errs = errs.also(validate_workspace_usages(spec, ctx))
    errs = errs.also(_check_json(spec))
    errs = errs.also(validate_steps(steps, ctx).via_field("steps"))
    errs = errs.also(validate_sidecars(spec.sidecars).via_field("sidecars"))
    errs = errs.also(validate_param_types(spec.params).via_field("params"))
    errs = errs.also(validate_parameter_variables(steps, spec.params, ctx))
    errs = errs.also(validate_task_context_variables(steps))
    errs = errs.also(validate_task_results_variables(steps, spec.results))
    return errs.also(validate_task_results(spec.results).via_field("results"))


def _check_json(spec: TaskSpec) -> FieldError:
    """The API server's decoding of the containers' and volumes' JSON fields, as
    written (before the step template is merged in)."""
    errs = FieldError()
    for i, step in enumerate(spec.steps or ()):
        errs = errs.also(check_container(step).via_field_index("steps", i))
    if spec.step_template is not None:
        errs = errs.also(check_container(spec.step_template).via_field("stepTemplate"))
    for i, sidecar in enumerate(spec.sidecars or ()):
        errs = errs.also(check_container(sidecar).via_field_index("sidecars", i))
    return errs.also(check_volumes(spec.volumes))


def validate_volumes(volumes: Sequence[Volume] | None) -> FieldError:
    """Tekton's ``ValidateVolumes``: unique names, at ``[i].name``."""
    errs = FieldError()
    seen: set[str] = set()
    for i, volume in enumerate(volumes or ()):
        if volume.name in seen:
            errs = errs.also(
                err_generic(
                    f"multiple volumes with same name {go_quote(volume.name)}", "name"
                ).via_index(i)
            )
        seen.add(volume.name)
    return errs


def validate_declared_workspaces(
    workspaces: Sequence[WorkspaceDeclaration] | None,
    steps: Sequence[Step] | None,
    step_template: StepTemplate | None,
) -> FieldError:
    """Tekton's ``validateDeclaredWorkspaces``: unique names, and mount paths clashing
    neither with each other nor with the steps' or stepTemplate's volumeMounts.
    Paths are ``[i].name`` / ``[i].mountpath``."""
    mount_paths: set[str] = set()
    for step in steps or ():
        mount_paths.update(clean_path(vm.mount_path) for vm in step.volume_mounts or ())
    if step_template is not None:
        mount_paths.update(clean_path(vm.mount_path) for vm in step_template.volume_mounts or ())
    errs = FieldError()
    names: set[str] = set()
    for i, ws in enumerate(workspaces or ()):
        if ws.name in names:
            errs = errs.also(
                err_generic(f"workspace name {go_quote(ws.name)} must be unique", "name").via_index(
                    i
                )
            )
        names.add(ws.name)
        mount_path = clean_path(ws.mount_path or f"/workspace/{ws.name}")
        if mount_path in mount_paths:
            errs = errs.also(
                err_generic(
                    f"workspace mount path {go_quote(mount_path)} must be unique", "mountpath"
                ).via_index(i)
            )
        mount_paths.add(mount_path)
    return errs


def validate_workspace_usages(spec: TaskSpec, ctx: ValidationContext) -> FieldError:
    """Tekton's ``validateWorkspaceUsages``: step and sidecar ``workspaces`` are beta and
    must name declared workspaces. Paths start at ``steps`` / ``sidecars``."""
    declared = frozenset(ws.name for ws in spec.workspaces or ())
    errs = _workspace_usage_errors(
        [s.workspaces for s in spec.steps or ()], declared, "steps", "step", ctx
    )
    return errs.also(
        _workspace_usage_errors(
            [s.workspaces for s in spec.sidecars or ()], declared, "sidecars", "sidecar", ctx
        )
    )


def _workspace_usage_errors(
    usages: Sequence[Sequence[WorkspaceUsage] | None],
    declared: frozenset[str],
    field: str,
    kind: str,
    ctx: ValidationContext,
) -> FieldError:
    errs = FieldError()
    for i, items in enumerate(usages):
        if items:
            errs = errs.also(
                require_api_fields(ctx, f"{kind} workspaces", BETA).via_field_index(field, i)
            )
        for j, usage in enumerate(items or ()):
            if usage.name not in declared:
                errs = errs.also(
                    err_generic(f"undefined workspace {go_quote(usage.name)}", "name")
                    .via_field_index("workspaces", j)
                    .via_field_index(field, i)
                )
    return errs


def validate_task_context_variables(steps: Sequence[Step] | None) -> FieldError:
    """Tekton's ``validateTaskContextVariables``: only known ``$(context.taskRun.*)`` and
    ``$(context.task.*)`` names. Paths start at ``steps``."""
    errs = validate_steps_variables(steps, r"context\.taskRun", TASKRUN_CONTEXT_NAMES)
    return errs.also(validate_steps_variables(steps, r"context\.task", TASK_CONTEXT_NAMES))
