"""Validation of PipelineRuns (Tekton's ``pipelinerun_validation.go``).

:func:`validate_pipelinerun` is the admission check of a ``PipelineRun``: metadata,
exactly one of ``pipelineRef``/``pipelineSpec``, the embedded spec (validated together
with the run's params, which its tasks may use without declaring them), params (unique,
no task result references), the ``timeouts`` arithmetic, ``taskRunSpecs``, ``status``,
workspace bindings, the pod template's forbidden env, and, on update, what may change.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from tektite.api.durations import MINUTE, format_duration_ns
from tektite.api.errors import (
    FieldError,
    err_disallowed_fields,
    err_generic,
    err_invalid_value,
    err_missing_one_of,
    err_multiple_one_of,
    go_quote,
)
from tektite.api.models import (
    Param,
    ParamSpec,
    PipelineRun,
    PipelineRunSpec,
    PipelineTask,
    PipelineTaskRunSpec,
    PropertySpec,
    TimeoutFields,
)
from tektite.api.resultref import (
    looks_like_contains_result_refs,
    looks_like_result_ref,
    new_result_refs,
)
from tektite.api.validation.context import ValidationContext
from tektite.api.validation.k8s_json import check_pod_template, check_workspace_bindings
from tektite.api.validation.metadata import validate_object_metadata
from tektite.api.validation.refs import validate_parameters, validate_pipeline_ref
from tektite.api.validation.taskrun import (
    combine_param_spec,
    has_started,
    is_done,
    param_spec_from_param,
    parse_timeout,
    semantically_equal,
    validate_overrides,
    validate_pod_template_env,
    validate_propagated_params,
)
from tektite.api.validation.workspaces import validate_workspace_binding
from tektite.api.variables import param_value_expressions

__all__ = [
    "PIPELINERUN_CANCELLED",
    "PIPELINERUN_CANCELLED_RUN_FINALLY",
    "PIPELINERUN_PENDING",
    "PIPELINERUN_STOPPED_RUN_FINALLY",
    "validate_pipelinerun",
    "validate_pipelinerun_spec",
    "validate_pipelinerun_update",
]

PIPELINERUN_CANCELLED = "Cancelled"
PIPELINERUN_CANCELLED_RUN_FINALLY = "CancelledRunFinally"
PIPELINERUN_STOPPED_RUN_FINALLY = "StoppedRunFinally"
PIPELINERUN_PENDING = "PipelineRunPending"
_SPEC_STATUSES = (
    PIPELINERUN_CANCELLED,
    PIPELINERUN_CANCELLED_RUN_FINALLY,
    PIPELINERUN_STOPPED_RUN_FINALLY,
    PIPELINERUN_PENDING,
)
_NO_TIMEOUT = 0


def validate_pipelinerun(
    pr: PipelineRun, ctx: ValidationContext, baseline: PipelineRun | None = None
) -> FieldError:
    """Tekton's ``PipelineRun.Validate``. ``baseline`` is the stored object on update
    (``ctx.is_create`` false), for the rules on what may change."""
    errs = validate_object_metadata(pr.metadata).via_field("metadata")
    start_time = pr.status.start_time if pr.status is not None else None
    if pr.spec.status == PIPELINERUN_PENDING and has_started(start_time):
        errs = errs.also(
            err_invalid_value("PipelineRun cannot be Pending after it is started", "spec.status")
        )
    return errs.also(validate_pipelinerun_spec(pr.spec, ctx, baseline).via_field("spec"))


def validate_pipelinerun_spec(
    spec: PipelineRunSpec, ctx: ValidationContext, baseline: PipelineRun | None = None
) -> FieldError:
    """Tekton's ``PipelineRunSpec.Validate``; paths are relative to ``spec``."""
    errs = FieldError()
    if not ctx.is_create and baseline is not None:
        errs = errs.also(validate_pipelinerun_update(spec, baseline, ctx))
    if spec.pipeline_ref is None and spec.pipeline_spec is None:
        errs = errs.also(err_missing_one_of("pipelineRef", "pipelineSpec"))
    if spec.pipeline_ref is not None and spec.pipeline_spec is not None:
        errs = errs.also(err_multiple_one_of("pipelineRef", "pipelineSpec"))
    if spec.pipeline_ref is not None:
        errs = errs.also(validate_pipeline_ref(spec.pipeline_ref, ctx).via_field("pipelineRef"))
    if spec.pipeline_spec is not None:
        if ctx.config.features.inline_spec_disabled("pipelinerun"):
            errs = errs.also(err_disallowed_fields("pipelineSpec"))
        # Imported here: the Pipeline rules are only needed for runs with embedded specs.
        from tektite.api.validation.pipeline import validate_pipeline_spec

        errs = errs.also(
            validate_pipeline_spec(spec.pipeline_spec, ctx.propagating()).via_field("pipelineSpec")
        )
    errs = errs.also(_validate_params(spec.params))
    errs = errs.also(_validate_inline_parameters(spec, ctx))
    errs = errs.also(_validate_timeouts(spec.timeouts, ctx))
    for i, trs in enumerate(spec.task_run_specs or ()):
        errs = errs.also(
            _validate_task_run_spec(trs, spec.timeouts, ctx).via_index(i).via_field("taskRunSpecs")
        )
    if spec.status and spec.status not in _SPEC_STATUSES:
        errs = errs.also(
            err_invalid_value(
                f"{spec.status} should be {PIPELINERUN_CANCELLED}, "
                f"{PIPELINERUN_CANCELLED_RUN_FINALLY}, {PIPELINERUN_STOPPED_RUN_FINALLY} or "
                f"{PIPELINERUN_PENDING}",
                "status",
            )
        )
    last_index: dict[str, int] = {}
    for i, ws in enumerate(spec.workspaces or ()):
        errs = errs.also(validate_workspace_binding(ws).via_field_index("workspaces", i))
        if ws.name in last_index:
            errs = errs.also(
                err_generic(
                    f"workspace {go_quote(ws.name)} provided by pipelinerun more than once, "
                    f"at index {last_index[ws.name]} and {i}",
                    "name",
                ).via_field_index("workspaces", i)
            )
        # Tekton remembers the last index a name was seen at.
        last_index[ws.name] = i
    if spec.task_run_template.pod_template is not None:
        errs = errs.also(
            validate_pod_template_env(ctx, spec.task_run_template.pod_template).via_field(
                "taskRunTemplate"
            )
        )
        errs = errs.also(
            check_pod_template(spec.task_run_template.pod_template).via_field(
                "taskRunTemplate", "podTemplate"
            )
        )
    return errs.also(check_workspace_bindings(spec.workspaces))


# -- params -------------------------------------------------------------------------------------


def _validate_params(params: Sequence[Param] | None) -> FieldError:
    """Names unique; values may not use task results, which a run cannot know."""
    if not params:
        return FieldError()
    errs = validate_parameters(params).via_field("params")
    for p in params:
        expressions = param_value_expressions(p.value)
        if not looks_like_contains_result_refs(expressions):
            continue
        refs = [e for e in expressions if looks_like_result_ref(e)]
        if new_result_refs(refs):
            errs = errs.also(
                err_invalid_value(
                    f"cannot use result expressions in [{' '.join(refs)}] as PipelineRun "
                    "parameter values",
                    "value",
                ).via_field_key("params", p.name)
            )
    return errs


def _add_pipeline_task_params(combined: dict[str, ParamSpec], params: Sequence[Param]) -> None:
    """Tekton's ``appendPipelineTaskParams``: a task's params count as declared too; an
    object value adds its keys to an already known param."""
    for p in params:
        known = combined.get(p.name)
        if known is None:
            combined[p.name] = param_spec_from_param(p)
            continue
        if isinstance(p.value, dict):
            default = dict(known.default) if isinstance(known.default, dict) else {}
            default.update(p.value)
            properties = dict(known.properties or {})
            properties.update({k: PropertySpec(type="string") for k in p.value})
            combined[p.name] = msgspec.structs.replace(
                known,
                default=default if isinstance(known.default, dict) else known.default,
                properties=properties,
            )


def _validate_inline_parameters(spec: PipelineRunSpec, ctx: ValidationContext) -> FieldError:
    """Params used by the embedded spec's tasks must be declared somewhere: by the
    pipeline, by a task's params or embedded spec, or given by the run (Tekton's
    ``validateInlineParameters``). Paths are relative to ``spec``."""
    pipeline_spec = spec.pipeline_spec
    if pipeline_spec is None:
        return FieldError()
    combined: dict[str, ParamSpec] = {}
    for p in spec.params or ():
        combined[p.name] = param_spec_from_param(p)
    errs = FieldError()
    for declared in pipeline_spec.params or ():
        errs = errs.also(combine_param_spec(declared, combined))
    tasks: Sequence[PipelineTask] = pipeline_spec.tasks or ()
    for pt in tasks:
        _add_pipeline_task_params(combined, pt.params or ())
        if pt.task_spec is not None and pt.task_spec.params is not None:
            for declared in pt.task_spec.params:
                errs = errs.also(combine_param_spec(declared, combined))
    if pipeline_spec.tasks is None:
        return errs
    params = list(combined.values())
    for pt in tasks:
        if pt.task_spec is not None and pt.task_spec.steps is not None:
            errs = errs.also(validate_propagated_params(pt.task_spec.steps, params, ctx))
    # Imported here: the Pipeline rules are only needed for runs with embedded specs.
    from tektite.api.validation.pipeline import (
        validate_pipeline_parameter_variables,
        validate_pipeline_task_parameter_usage,
    )

    errs = errs.also(validate_pipeline_parameter_variables(tasks, params, ctx))
    return errs.also(validate_pipeline_task_parameter_usage(tasks, params))


# -- timeouts -----------------------------------------------------------------------------------


def _validate_timeouts(timeouts: TimeoutFields | None, ctx: ValidationContext) -> FieldError:
    """Each timeout ≥ 0; tasks, finally and their sum within the pipeline timeout."""
    if timeouts is None:
        return FieldError()
    errs = FieldError()
    values: dict[str, int | None] = {}
    for field, value in (
        ("tasks", timeouts.tasks),
        ("finally", timeouts.finally_),
        ("pipeline", timeouts.pipeline),
    ):
        ns, parse_err = parse_timeout(value, f"timeouts.{field}")
        errs = errs.also(parse_err)
        values[field] = ns
        if ns is not None and ns < 0:
            errs = errs.also(
                err_invalid_value(f"{format_duration_ns(ns)} should be >= 0", f"timeouts.{field}")
            )
    pipeline = values["pipeline"]
    if pipeline is not None:
        limit, message = pipeline, "should be <= pipeline duration"
    elif timeouts.pipeline is not None:
        return errs  # unparsable: already reported
    else:
        # Tekton converts the default number of minutes to a Duration without the minute
        # unit, so the "default" limit is that many nanoseconds.
        limit = ctx.config.defaults.default_timeout_minutes
        message = "should be <= default timeout duration"
    return errs.also(_validate_within(values["tasks"], values["finally"], limit, message))


def _validate_within(
    tasks: int | None, finally_: int | None, limit: int, message: str
) -> FieldError:
    """Tekton's ``validatePipelineTimeout``."""
    errs = FieldError()
    for field, value in (("tasks", tasks), ("finally", finally_)):
        if value is None:
            continue
        text = format_duration_ns(value)
        too_long = value > limit and limit != _NO_TIMEOUT
        if value == _NO_TIMEOUT and limit != _NO_TIMEOUT:
            too_long = True
            text += " (no timeout)"
        if too_long:
            errs = errs.also(err_invalid_value(f"{text} {message}", f"timeouts.{field}"))
    if tasks is not None and finally_ is not None and tasks + finally_ > limit:
        sum_message = f"{format_duration_ns(tasks)} + {format_duration_ns(finally_)} {message}"
        errs = errs.also(err_invalid_value(sum_message, "timeouts.tasks"))
        errs = errs.also(err_invalid_value(sum_message, "timeouts.finally"))
    return errs


def _validate_task_run_spec(
    trs: PipelineTaskRunSpec, timeouts: TimeoutFields | None, ctx: ValidationContext
) -> FieldError:
    """One ``taskRunSpecs`` entry (Tekton's ``validateTaskRunSpec``); paths relative to it."""
    errs = validate_overrides(ctx, trs.step_specs, trs.sidecar_specs, trs.compute_resources)
    if trs.pod_template is not None:
        errs = errs.also(validate_pod_template_env(ctx, trs.pod_template))
        errs = errs.also(check_pod_template(trs.pod_template).via_field("podTemplate"))
    return errs.also(_validate_task_run_spec_timeout(trs.timeout, timeouts, ctx))


def _non_negative(value: str | None, default_ns: int) -> tuple[int | None, FieldError]:
    """Tekton's ``validateTimeout``: unset means the default; negative is an error at
    ``timeout`` (whichever timeout it is). Unparsable is ``None`` without error: it is
    reported where it is written."""
    if value is None:
        return default_ns, FieldError()
    ns, parse_err = parse_timeout(value, "timeout")
    if parse_err or ns is None:
        return None, FieldError()
    if ns < 0:
        return None, err_invalid_value(f"{format_duration_ns(ns)} should be >= 0", "timeout")
    return ns, FieldError()


def _validate_task_run_spec_timeout(
    timeout: str | None, timeouts: TimeoutFields | None, ctx: ValidationContext
) -> FieldError:
    """A task's timeout fits in the tasks timeout, else the pipeline's, else the default."""
    if timeout is None:
        return FieldError()
    default_ns = ctx.config.defaults.default_timeout_minutes * MINUTE
    own, parse_err = parse_timeout(timeout, "timeout")
    if parse_err or own is None:
        return parse_err
    if own < 0:
        return err_invalid_value(f"{format_duration_ns(own)} should be >= 0", "timeout")
    if timeouts is not None and timeouts.tasks is not None:
        limit, err = _non_negative(timeouts.tasks, default_ns)
        source = "pipeline tasks duration"
    elif timeouts is not None and timeouts.pipeline is not None:
        limit, err = _non_negative(timeouts.pipeline, default_ns)
        source = "pipeline duration"
    else:
        limit, err, source = default_ns, FieldError(), "default pipeline duration"
    if err or limit is None:
        return err
    if limit != _NO_TIMEOUT and own > limit:
        return err_invalid_value(
            f"{format_duration_ns(own)} should be <= {source} {format_duration_ns(limit)}",
            "timeout",
        )
    return FieldError()


# -- updates ------------------------------------------------------------------------------------


def validate_pipelinerun_update(
    spec: PipelineRunSpec, baseline: PipelineRun, ctx: ValidationContext
) -> FieldError:
    """Tekton's ``PipelineRunSpec.ValidateUpdate``: ``managedBy`` never changes; once the
    run is done nothing changes but re-defaulting; before, only ``status``.

    Paths are as Tekton writes them inside the spec (``spec.managedBy``), so the full
    PipelineRun reports ``spec.spec.managedBy``.
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
        from tektite.api.defaults.runs import default_pipelinerun_spec

        redefaulted = msgspec.convert(msgspec.to_builtins(old), PipelineRunSpec)
        default_pipelinerun_spec(redefaulted, ctx.config)
        if semantically_equal(redefaulted, spec):
            return FieldError()
        return errs.also(
            err_invalid_value("Once the PipelineRun is complete, no updates are allowed", "")
        )
    unchanged = msgspec.structs.replace(old, status=spec.status, managed_by=spec.managed_by)
    if not semantically_equal(unchanged, spec):
        errs = errs.also(
            err_invalid_value(
                "Once the PipelineRun has started, only status updates are allowed", ""
            )
        )
    return errs
