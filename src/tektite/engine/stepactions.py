"""StepAction resolution: the concrete step a step with a ``ref`` runs.

Port of ``resolveStepRef`` and ``applyStepActionParameters``
(``pkg/reconciler/taskrun/resources/{taskspec,apply}.go``) and
``validateStepHasStepActionParameters`` (``validate_params.go``).

The StepAction's body is filled in with param values in this precedence: the step's own
``params`` (after the TaskRun's params were substituted into them), then StepAction
defaults that reference other params (resolved iteratively), then plain defaults. A step
param whose value is a step-result reference (``$(steps.s.results.r)``) turns every use
of that param into the same reference, for the entrypoint to resolve at run time.

Errors carry Tekton's message text; the caller wraps them as Tekton does
(``failed to resolve step ref for step "<name>" (index <i>): ...``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import cast

import msgspec

from tektite.api.defaults.task import default_param_specs, default_step_result
from tektite.api.models import (
    Param,
    ParamSpec,
    ParamValue,
    Step,
    StepAction,
    StepActionSpec,
    TaskRun,
    TaskSpec,
)
from tektite.api.resultref import ResultRefError, parse_step_expression
from tektite.api.variables import extract_variable_expressions, go_quote
from tektite.engine.substitution import (
    PARAM_PATTERNS,
    apply_step_replacements,
    param_key,
    replace_params_variables,
    replacements_from_default_params,
    replacements_from_params,
    task_param_replacements,
)

__all__ = [
    "StepActionError",
    "apply_stepaction_parameters",
    "param_name_from_replacement_key",
    "resolve_step_ref",
    "stepaction_to_step",
    "validate_step_has_stepaction_parameters",
]


class StepActionError(ValueError):
    """A step cannot be resolved against its StepAction; ``str()`` is Tekton's text."""


def _go_list(items: Sequence[str]) -> str:
    """Go's ``%v`` of a string slice."""
    return "[" + " ".join(items) + "]"


def validate_step_has_stepaction_parameters(
    step_params: Sequence[Param] | None, stepaction_params: Sequence[ParamSpec] | None
) -> None:
    """The step must pass only params the StepAction declares, and all those without a
    default; raise :class:`StepActionError` otherwise (extra params are reported first)."""
    declared = {p.name for p in stepaction_params or ()}
    provided = {p.name for p in step_params or ()}
    extra = [p.name for p in step_params or () if p.name not in declared]
    if extra:
        raise StepActionError(f"extra params passed by Step to StepAction: {_go_list(extra)}")
    missing = [
        p.name for p in stepaction_params or () if p.default is None and p.name not in provided
    ]
    if missing:
        raise StepActionError(f"non-existent params in Step: {_go_list(missing)}")


def stepaction_to_step(spec: StepActionSpec) -> Step:
    """Tekton's ``StepActionSpec.ToStep``: the container part of a StepAction."""
    return Step(
        image=spec.image,
        command=spec.command,
        args=spec.args,
        working_dir=spec.working_dir,
        script=spec.script,
        env=spec.env,
        volume_mounts=spec.volume_mounts,
        security_context=spec.security_context,
        results=spec.results,
    )


# Tekton's substitutionToParamNamePatterns; Go's \w is ASCII only.
_PARAM_NAME_FROM_KEY = tuple(
    re.compile(p)
    for p in (
        r"^params\.([0-9A-Za-z_]+)$",
        r'^params\["([^"]+)"\]$',
        r"^params\['([^']+)'\]$",
        r"^inputs\.params\.([0-9A-Za-z_]+)$",
    )
)


def param_name_from_replacement_key(key: str) -> str:
    """Tekton's ``paramNameFromReplacementKey``: the param a key spells, else the key."""
    for regex in _PARAM_NAME_FROM_KEY:
        match = regex.search(key)
        if match:
            return match.group(1)
    return key


def _check_for_duplicate_keys(strings: Mapping[str, str], arrays: Mapping[str, object]) -> None:
    """A key both a string and an array means the step passed a value of another type
    than the StepAction's default; the first such key in sorted order is reported."""
    for key in sorted(strings):
        if key in arrays:
            raise StepActionError(
                f"invalid parameter substitution: {param_name_from_replacement_key(key)}. "
                "Please check the types of the default value and the passed value"
            )


def _string_val(value: ParamValue) -> str:
    """Go's ``ParamValue.StringVal``: empty for arrays and objects."""
    return value if isinstance(value, str) else ""


def _resolve_values(
    step_params: Sequence[Param] | None, defaults: Sequence[ParamSpec]
) -> dict[str, ParamValue]:
    """Each StepAction param's value: the step's, else its default, defaults that
    reference other params being resolved once what they reference is known."""
    provided = {p.name: cast(ParamValue, p.value) for p in step_params or ()}
    processed: dict[str, ParamValue] = {}
    pending: dict[str, list[str]] = {}
    for p in defaults:
        if p.name in provided:
            processed[p.name] = provided[p.name]
        elif p.default is None:
            continue
        elif isinstance(p.default, str) and "$(params." in p.default:
            pending[p.name] = [
                m.removeprefix("$(params.").removesuffix(")")
                for m in extract_variable_expressions(p.default, "params")
            ]
        else:
            processed[p.name] = cast(ParamValue, p.default)
    raw_defaults = {p.name: p.default for p in defaults}
    while pending:
        progressed = False
        unresolved: dict[str, str] = {}
        for name in list(pending):
            refs = pending[name]
            missing = next((r for r in refs if r not in processed), None)
            if missing is not None:
                unresolved[name] = missing
                continue
            value = cast(str, raw_defaults[name])
            for ref in refs:
                value = value.replace(f"$(params.{ref})", _string_val(processed[ref]))
            processed[name] = value
            del pending[name]
            progressed = True
        if not progressed:
            for name, ref in unresolved.items():
                if ref not in raw_defaults:
                    raise StepActionError(
                        f'parameter "{name}" references non-existent parameter "{ref}"'
                    )
                break
            raise StepActionError("circular dependency detected in parameter references")
    return processed


_ARRAY_INDEX_PATTERNS = (
    # Tekton's paramIndexRegexPatterns (the name is inserted unescaped, as in Go).
    r"\$\(params.{name}\[([0-9]*)\*?\]\)",
    r"\$\(params\[{quoted}\]\[([0-9]*)\*?\]\)",
    r"\$\(params\['{name}'\]\[([0-9]*)\*?\]\)",
)


def _array_index_usages(step: Step, name: str, target: str) -> dict[str, str]:
    """``$(params.<name>[i])`` in the step's command, args and env → ``$(<target>[i])``."""
    texts = [*(step.command or ()), *(step.args or ()), *(e.value or "" for e in step.env or ())]
    out: dict[str, str] = {}
    for pattern in _ARRAY_INDEX_PATTERNS:
        regex = re.compile(pattern.format(name=name, quoted=go_quote(name)))
        for text in texts:
            for match in regex.finditer(text):
                if match.group(1):
                    key = match.group(0).removeprefix("$(").removesuffix(")")
                    out[key] = f"$({target}[{match.group(1)}])"
    return out


def _step_result_replacements(
    step: Step, step_params: Sequence[Param] | None, defaults: Sequence[ParamSpec]
) -> dict[str, str]:
    """Tekton's ``replacementsFromStepResults``: a param passed a step result becomes
    that reference wherever the StepAction uses the param."""
    out: dict[str, str] = {}
    for sp in step_params or ():
        value = sp.value
        if not (isinstance(value, str) and value.startswith("$(steps.")):
            continue
        try:
            ref = parse_step_expression(value.removeprefix("$(").removesuffix(")"))
        except ResultRefError as err:
            raise StepActionError(str(err)) from None
        target = f"steps.{ref.resource_name}.results.{ref.result_name}"
        for d in defaults:
            if d.name != sp.name:
                continue
            if d.type == "object":
                for key in d.properties or {}:
                    out[f"params.{d.name}.{key}"] = f"$({target}.{key})"
            elif d.type == "array":
                for pattern in PARAM_PATTERNS:
                    out[f"{param_key(pattern, d.name)}[*]"] = f"$({target}[*])"
                out.update(_array_index_usages(step, d.name, target))
            else:
                for pattern in PARAM_PATTERNS:
                    out[param_key(pattern, d.name)] = value
    return out


def apply_stepaction_parameters(
    step: Step,
    task_spec: TaskSpec,
    taskrun: TaskRun,
    step_params: Sequence[Param] | None,
    defaults: Sequence[ParamSpec] | None,
) -> Step:
    """Tekton's ``applyStepActionParameters``: substitute param values into the step
    made from a StepAction (``step``), given the step's ``params`` and the StepAction's
    declarations (``defaults``). Raises :class:`StepActionError`."""
    specs = list(defaults or ())
    if step_params is not None:
        task = task_param_replacements(taskrun.spec.params, task_spec.params)
        step_params = replace_params_variables(step_params, *task)
    values = _resolve_values(step_params, specs)
    r = replacements_from_default_params(specs)
    given = replacements_from_params(Param(name=n, value=v) for n, v in values.items())
    r.strings.update(given.strings)
    r.arrays.update(given.arrays)
    # Object replacements are not needed: a step's fields take strings and arrays only.
    r.strings.update(_step_result_replacements(step, step_params, specs))
    _check_for_duplicate_keys(r.strings, r.arrays)
    return apply_step_replacements(step, r.strings, r.arrays)


def resolve_step_ref(step: Step, action: StepAction, task_spec: TaskSpec, taskrun: TaskRun) -> Step:
    """Tekton's ``resolveStepRef`` once the StepAction is fetched: the concrete step.

    The image, securityContext and workingDir come from the StepAction; command, args,
    script, env, volumeMounts and results from the StepAction when it sets them, else
    from the step; everything else (name, onError, timeout, when, workspaces, resources,
    stdout/stderrConfig…) stays the step's. ``ref`` and ``params`` are cleared.
    """
    action_spec = msgspec.convert(msgspec.to_builtins(action.spec), StepActionSpec)
    default_param_specs(action_spec.params)  # StepActionSpec.SetDefaults, on the copy
    for result in action_spec.results or ():
        default_step_result(result)
    validate_step_has_stepaction_parameters(step.params, action_spec.params)
    filled = apply_stepaction_parameters(
        stepaction_to_step(action_spec), task_spec, taskrun, step.params, action_spec.params
    )
    updates: dict[str, object] = {
        "image": filled.image,
        "security_context": filled.security_context,
        "working_dir": filled.working_dir,
        "ref": None,
        "params": None,
    }
    if filled.command:
        updates["command"] = filled.command
    if filled.args:
        updates["args"] = filled.args
    if filled.script:
        updates["script"] = filled.script
    if filled.env is not None:
        updates["env"] = filled.env
    if filled.volume_mounts:
        updates["volume_mounts"] = filled.volume_mounts
    if filled.results:
        updates["results"] = filled.results
    resolved = msgspec.convert(msgspec.to_builtins(step), Step)
    return msgspec.structs.replace(resolved, **updates)
