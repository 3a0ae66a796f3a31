"""Validation of TaskRuns (Tekton's ``taskrun_validation.go``).

:func:`validate_taskrun` is the admission check of a ``TaskRun``: metadata, exactly one
of ``taskRef``/``taskSpec``, the embedded spec (validated together with the run's params,
which it may use without declaring them), params, workspace bindings, debug,
``stepSpecs``/``sidecarSpecs``/``computeResources``, ``status``/``statusMessage``,
retries, timeout, the pod template's forbidden env, and, on update, what may change.

The run-level helpers shared with PipelineRuns (step specs, forbidden env, inline param
propagation) live here too, as they do in Tekton.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from tektite.api.config import ALPHA, BETA
from tektite.api.durations import GoDurationError, format_duration_ns, parse_duration_ns
from tektite.api.errors import (
    FieldError,
    err_disallowed_fields,
    err_generic,
    err_invalid_value,
    err_missing_field,
    err_missing_one_of,
    err_multiple_one_of,
)
from tektite.api.models import (
    Condition,
    Param,
    ParamSpec,
    PodTemplate,
    PropertySpec,
    ResourceRequirements,
    Step,
    TaskRun,
    TaskRunDebug,
    TaskRunSpec,
    TaskRunStepSpec,
    param_value_type,
)
from tektite.api.validation.context import ValidationContext, require_api_fields
from tektite.api.validation.k8s_json import check_pod_template, check_workspace_bindings
from tektite.api.validation.metadata import validate_object_metadata
from tektite.api.validation.refs import validate_parameters, validate_task_ref
from tektite.api.validation.workspaces import (
    validate_no_duplicate_names,
    validate_workspace_bindings,
)

__all__ = [
    "TASKRUN_CANCELLED",
    "TASKRUN_PENDING",
    "combine_param_spec",
    "has_started",
    "is_done",
    "param_spec_from_param",
    "parse_timeout",
    "semantically_equal",
    "validate_debug",
    "validate_overrides",
    "validate_pod_template_env",
    "validate_propagated_params",
    "validate_step_specs",
    "validate_taskrun",
    "validate_taskrun_compute_resources",
    "validate_taskrun_spec",
    "validate_taskrun_update",
]

TASKRUN_CANCELLED = "TaskRunCancelled"
TASKRUN_PENDING = "TaskRunPending"
ENABLED_ON_FAILURE_BREAKPOINT = "enabled"


# -- helpers shared with PipelineRuns ------------------------------------------------------------


def has_started(start_time: str | None) -> bool:
    """A run has started once its status has a ``startTime``."""
    return bool(start_time)


def is_done(conditions: Sequence[Condition] | None) -> bool:
    """Knative's ``IsDone``: a ``Succeeded`` condition exists and is not ``Unknown``."""
    for c in conditions or ():
        if c.type == "Succeeded":
            return c.status != "Unknown"
    return False


def parse_timeout(value: str | None, field: str) -> tuple[int | None, FieldError]:
    """A ``metav1.Duration`` field in nanoseconds (``None`` when unset).

    Tekton never sees an unparsable duration (decoding the object fails first); it is
    reported here at the field with Go's parse error.
    """
    if value is None:
        return None, FieldError()
    try:
        return parse_duration_ns(value), FieldError()
    except GoDurationError as e:
        return None, err_invalid_value(str(e), field)


def validate_pod_template_env(ctx: ValidationContext, template: PodTemplate) -> FieldError:
    """``default-forbidden-env`` names may not be set by a pod template
    (``PodTemplate.Env``, a path Tekton spells this way)."""
    forbidden = ctx.config.defaults.default_forbidden_env
    errs = FieldError()
    if not forbidden:
        return errs
    for env in template.env or ():
        if env.name in forbidden:
            errs = errs.also(
                err_invalid_value(
                    f"PodTemplate cannot update a forbidden env: {env.name}", "PodTemplate.Env"
                )
            )
    return errs


def validate_step_specs(specs: Sequence[TaskRunStepSpec]) -> FieldError:
    """``stepSpecs``/``sidecarSpecs``: names required and unique ignoring case; paths are
    relative to the list."""
    errs = FieldError()
    names = []
    for i, spec in enumerate(specs):
        if not spec.name:
            errs = errs.also(err_missing_field("name").via_index(i))
        else:
            names.append(spec.name)
    # Indexes count only the named specs, as in Tekton.
    return errs.also(validate_no_duplicate_names(names, True))


def _has_resources(r: ResourceRequirements) -> bool:
    return bool(r.limits or r.requests or r.claims)


def validate_taskrun_compute_resources(
    compute_resources: ResourceRequirements | None, step_specs: Sequence[TaskRunStepSpec] | None
) -> FieldError:
    """Task-level ``computeResources`` exclude step-level ones in ``stepSpecs``."""
    if compute_resources is None:
        return FieldError()
    if any(_has_resources(s.compute_resources) for s in step_specs or ()):
        return err_multiple_one_of("stepSpecs.resources", "computeResources")
    return FieldError()


def validate_overrides(
    ctx: ValidationContext,
    step_specs: Sequence[TaskRunStepSpec] | None,
    sidecar_specs: Sequence[TaskRunStepSpec] | None,
    compute_resources: ResourceRequirements | None,
) -> FieldError:
    """The beta ``stepSpecs``/``sidecarSpecs``/``computeResources`` of a TaskRun or of a
    PipelineRun's ``taskRunSpecs`` entry."""
    errs = FieldError()
    if step_specs is not None:
        errs = errs.also(require_api_fields(ctx, "stepSpecs", BETA).via_field("stepSpecs"))
        errs = errs.also(validate_step_specs(step_specs).via_field("stepSpecs"))
    if sidecar_specs is not None:
        errs = errs.also(require_api_fields(ctx, "sidecarSpecs", BETA).via_field("sidecarSpecs"))
        errs = errs.also(validate_step_specs(sidecar_specs).via_field("sidecarSpecs"))
    if compute_resources is not None:
        errs = errs.also(
            require_api_fields(ctx, "computeResources", BETA).via_field("computeResources")
        )
        errs = errs.also(validate_taskrun_compute_resources(compute_resources, step_specs))
    return errs


def param_spec_from_param(p: Param) -> ParamSpec:
    """Tekton's ``createParamSpecFromParam``: a param given by a run, seen as a declaration
    (its value as default, its value's type, string properties for an object's keys)."""
    value: Any = p.value
    properties = None
    if isinstance(value, dict):
        value = dict(value)
        properties = {k: PropertySpec(type="string") for k in value}
    elif isinstance(value, list):
        value = list(value)
    return ParamSpec(
        name=p.name, type=param_value_type(p.value), default=value, properties=properties
    )


def combine_param_spec(declared: ParamSpec, combined: dict[str, ParamSpec]) -> FieldError:
    """Tekton's ``combineParamSpec``: merge a declaration into the params a run provides.

    A provided object param takes the declared default's keys and must be declared with
    ``properties`` (``missing field(s): <p>.properties``); a declaration nobody provides
    is taken as is. ``combined`` is updated in place.
    """
    provided = combined.get(declared.name)
    if provided is None:
        combined[declared.name] = declared
        return FieldError()
    default = provided.default
    if isinstance(declared.default, dict):
        # Only the keys matter here; a provided array or string keeps its own type.
        if isinstance(default, dict):
            default = {**default, **declared.default}
        if declared.properties is None:
            return err_missing_field(f"{declared.name}.properties")
    properties = provided.properties
    if provided.type == "object":
        if declared.properties is None:
            return err_missing_field(f"{declared.name}.properties")
        properties = declared.properties
    combined[declared.name] = msgspec.structs.replace(
        provided, default=default, properties=properties
    )
    return FieldError()


def validate_propagated_params(
    steps: Sequence[Step], params: Sequence[ParamSpec], ctx: ValidationContext
) -> FieldError:
    """Param rules for steps of an embedded spec, with run params counted as declared."""
    # Imported here: the param rules are only needed for runs with embedded specs.
    from tektite.api.validation.params import (
        validate_param_types,
        validate_parameter_variables,
        validate_usage_of_declared_parameters,
    )

    errs = validate_param_types(params)
    errs = errs.also(validate_parameter_variables(steps, params, ctx))
    return errs.also(validate_usage_of_declared_parameters(steps, params, ctx))


# -- TaskRun ------------------------------------------------------------------------------------


def validate_taskrun(
    tr: TaskRun, ctx: ValidationContext, baseline: TaskRun | None = None
) -> FieldError:
    """Tekton's ``TaskRun.Validate``. ``baseline`` is the stored object on update
    (``ctx.is_create`` false), for the rules on what may change."""
    errs = validate_object_metadata(tr.metadata).via_field("metadata")
    start_time = tr.status.start_time if tr.status is not None else None
    if tr.spec.status == TASKRUN_PENDING and has_started(start_time):
        errs = errs.also(
            err_invalid_value("TaskRun cannot be Pending after it is started", "spec.status")
        )
    return errs.also(validate_taskrun_spec(tr.spec, ctx, baseline).via_field("spec"))


def validate_taskrun_spec(
    spec: TaskRunSpec, ctx: ValidationContext, baseline: TaskRun | None = None
) -> FieldError:
    """Tekton's ``TaskRunSpec.Validate``; paths are relative to ``spec``."""
    errs = FieldError()
    if not ctx.is_create and baseline is not None:
        errs = errs.also(validate_taskrun_update(spec, baseline, ctx))
    if spec.task_ref is None and spec.task_spec is None:
        errs = errs.also(err_missing_one_of("taskRef", "taskSpec"))
    if spec.task_ref is not None and spec.task_spec is not None:
        errs = errs.also(err_multiple_one_of("taskRef", "taskSpec"))
    if spec.task_ref is not None:
        errs = errs.also(validate_task_ref(spec.task_ref, ctx).via_field("taskRef"))
    if spec.task_spec is not None:
        if ctx.config.features.inline_spec_disabled("taskrun"):
            errs = errs.also(err_disallowed_fields("taskSpec"))
        # Imported here: the Task rules are only needed for runs with embedded specs.
        from tektite.api.validation.task import validate_task_spec

        errs = errs.also(
            validate_task_spec(spec.task_spec, ctx.propagating()).via_field("taskSpec")
        )
    errs = errs.also(validate_parameters(spec.params).via_field("params"))
    errs = errs.also(_validate_inline_parameters(spec, ctx))
    errs = errs.also(validate_workspace_bindings(spec.workspaces).via_field("workspaces"))
    if spec.debug is not None:
        errs = errs.also(require_api_fields(ctx, "debug", ALPHA).via_field("debug"))
        errs = errs.also(validate_debug(spec.debug).via_field("debug"))
    errs = errs.also(
        validate_overrides(ctx, spec.step_specs, spec.sidecar_specs, spec.compute_resources)
    )
    if spec.status and spec.status not in (TASKRUN_CANCELLED, TASKRUN_PENDING):
        errs = errs.also(
            err_invalid_value(
                f"{spec.status} should be {TASKRUN_CANCELLED} or {TASKRUN_PENDING}", "status"
            )
        )
    if not spec.status and spec.status_message:
        errs = errs.also(
            err_invalid_value(
                "statusMessage should not be set if status is not set, but it is currently "
                f"set to {spec.status_message}",
                "statusMessage",
            )
        )
    if spec.retries < 0:
        errs = errs.also(err_invalid_value(f"{spec.retries} should be >= 0", "retries"))
    if spec.pod_template is not None:
        errs = errs.also(validate_pod_template_env(ctx, spec.pod_template))
        errs = errs.also(check_pod_template(spec.pod_template).via_field("podTemplate"))
    errs = errs.also(check_workspace_bindings(spec.workspaces))
    timeout, timeout_err = parse_timeout(spec.timeout, "timeout")
    errs = errs.also(timeout_err)
    if timeout is not None and timeout < 0:
        errs = errs.also(
            err_invalid_value(f"{format_duration_ns(timeout)} should be >= 0", "timeout")
        )
    return errs


def _validate_inline_parameters(spec: TaskRunSpec, ctx: ValidationContext) -> FieldError:
    """Params used by an embedded spec's steps must be declared by it or given by the run
    (Tekton's ``validateInlineParameters``); paths are relative to ``spec``."""
    if spec.task_spec is None:
        return FieldError()
    combined: dict[str, ParamSpec] = {}
    for p in spec.params or ():
        combined[p.name] = param_spec_from_param(p)
    errs = FieldError()
    for declared in spec.task_spec.params or ():
        errs = errs.also(combine_param_spec(declared, combined))
    if spec.task_spec.steps is not None:
        errs = errs.also(
            validate_propagated_params(spec.task_spec.steps, list(combined.values()), ctx)
        )
    return errs


def validate_debug(debug: TaskRunDebug) -> FieldError:
    """Breakpoints: ``onFailure`` only ``enabled``, ``beforeSteps`` unique."""
    errs = FieldError()
    bp = debug.breakpoints
    if bp is None:
        return errs
    if not bp.on_failure:
        errs = errs.also(
            err_invalid_value(
                "onFailure breakpoint is empty, it is only allowed to be set as enabled",
                "breakpoints.onFailure",
            )
        )
    elif bp.on_failure != ENABLED_ON_FAILURE_BREAKPOINT:
        errs = errs.also(
            err_invalid_value(
                f"{bp.on_failure} is not a valid onFailure breakpoint value, onFailure "
                "breakpoint is only allowed to be set as enabled",
                "breakpoints.onFailure",
            )
        )
    seen: set[str] = set()
    for i, step in enumerate(bp.before_steps or ()):
        if step in seen:
            errs = errs.also(
                err_generic(
                    f"before step must be unique, the same step: {step} is defined multiple "
                    "times at",
                    f"breakpoints.beforeSteps[{i}]",
                )
            )
        seen.add(step)
    return errs


# -- updates ------------------------------------------------------------------------------------


def semantically_equal(a: Any, b: Any) -> bool:
    """Kubernetes' ``equality.Semantic.DeepEqual``: as ``==``, except that an empty list
    or map equals a missing one."""
    if isinstance(a, msgspec.Struct) or isinstance(b, msgspec.Struct):
        if type(a) is not type(b):
            return False
        return all(semantically_equal(getattr(a, f), getattr(b, f)) for f in a.__struct_fields__)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(semantically_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(semantically_equal(a[k], b[k]) for k in a)
    if a is None or b is None:
        other = b if a is None else a
        return other is None or (isinstance(other, (list, dict)) and not other)
    return bool(a == b)


def validate_taskrun_update(
    spec: TaskRunSpec, baseline: TaskRun, ctx: ValidationContext
) -> FieldError:
    """Tekton's ``TaskRunSpec.ValidateUpdate``: ``managedBy`` never changes; once the run
    is done nothing changes but re-defaulting; before, only ``status``/``statusMessage``.

    Paths are as Tekton writes them inside the spec (``spec.managedBy``), so the full
    TaskRun reports ``spec.spec.managedBy``.
    """
    errs = FieldError()
    old = baseline.spec
    if old.managed_by != spec.managed_by:
        errs = errs.also(err_invalid_value("managedBy is immutable", "spec.managedBy"))
    conditions = baseline.status.conditions if baseline.status is not None else None
    if is_done(conditions):
        if semantically_equal(old, spec):
            return FieldError()
        # Imported here: defaulting is only needed to compare specs of finished runs.
        from tektite.api.defaults.runs import default_taskrun_spec

        redefaulted = msgspec.convert(msgspec.to_builtins(old), TaskRunSpec)
        default_taskrun_spec(redefaulted, ctx.config)
        if semantically_equal(redefaulted, spec):
            return FieldError()
        return errs.also(
            err_invalid_value("Once the TaskRun is complete, no updates are allowed", "")
        )
    unchanged = msgspec.structs.replace(
        old, status=spec.status, status_message=spec.status_message, managed_by=spec.managed_by
    )
    if not semantically_equal(unchanged, spec):
        errs = errs.also(
            err_invalid_value(
                "Once the TaskRun has started, only status and statusMessage updates are allowed",
                "",
            )
        )
    return errs
