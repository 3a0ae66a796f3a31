"""Validation of StepActions (Tekton's ``v1beta1/stepaction_validation.go``).

A StepAction may only use params it declares itself (Task params reach it through the
step's ``params``), may not use ``$(params.*)`` in its script, and may only mention its
own results. ``tekton.dev/v1alpha1`` StepActions are also checked for param defaults
that reference undeclared params or each other in a cycle, as that version does.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from tektite.api.config import ALPHA
from tektite.api.errors import FieldError, err_invalid_value, err_missing_field, go_quote
from tektite.api.models import ParamSpec, StepAction, StepActionSpec
from tektite.api.validation.context import ValidationContext, require_api_fields
from tektite.api.validation.k8s_json import check_container
from tektite.api.validation.metadata import validate_object_metadata
from tektite.api.validation.params import (
    sort_by_type,
    to_field_error,
    validate_name_format,
    validate_no_duplicate_names,
    validate_object_params_have_properties,
    validate_param_types,
)
from tektite.api.validation.results import (
    validate_step_results,
    validate_stepaction_results_variables,
)
from tektite.api.variables import (
    VariableError,
    extract_variable_expressions,
    extract_variables_from_string,
    validate_no_references_to_entire_prohibited_variables,
    validate_no_references_to_prohibited_variables,
    validate_no_references_to_unknown_variables,
    validate_variable_reference_is_isolated,
)

__all__ = ["validate_stepaction", "validate_stepaction_spec"]

_V1ALPHA1 = "tekton.dev/v1alpha1"

_Check = Callable[[str, str, Collection[str]], VariableError | None]
"""The shape of the reference checks of :mod:`tektite.api.variables`."""


def validate_stepaction(action: StepAction, ctx: ValidationContext) -> FieldError:
    """Tekton's ``StepAction.Validate``: metadata and spec."""
    errs = validate_object_metadata(action.metadata).via_field("metadata")
    spec_errs = validate_stepaction_spec(action.spec, ctx)
    if action.api_version == _V1ALPHA1:
        spec_errs = spec_errs.also(_validate_default_parameter_references(action.spec.params))
    return errs.also(spec_errs.via_field("spec"))


def validate_stepaction_spec(spec: StepActionSpec, ctx: ValidationContext) -> FieldError:
    """Tekton's ``StepActionSpec.Validate`` (v1beta1); paths are relative to the spec."""
    errs = FieldError()
    if not spec.image:
        errs = errs.also(err_missing_field("Image"))
    if spec.script:
        if spec.command:
            errs = errs.also(FieldError("script cannot be used with command", ["script"]))
        if spec.script.strip().startswith("#!win"):
            errs = errs.also(
                require_api_fields(ctx, "windows script support", ALPHA).via_field("script")
            )
        _, present, problem = extract_variables_from_string(spec.script, "params")
        if problem or present:
            errs = errs.also(
                FieldError("param substitution in scripts is not allowed.", ["script"])
            )
    errs = errs.also(check_container(spec))
    errs = errs.also(_validate_usage_of_declared_parameters(spec))
    errs = errs.also(validate_param_types(spec.params).via_field("params"))
    errs = errs.also(_validate_parameter_variables(spec))
    errs = errs.also(validate_stepaction_results_variables(spec.results, spec.script))
    errs = errs.also(validate_step_results(spec.results).via_field("results"))
    return errs.also(_validate_volume_mounts(spec).via_field("volumeMounts"))


def _walk(
    spec: StepActionSpec,
    string_check: _Check,
    list_check: _Check,
    prefix: str,
    names: Collection[str],
) -> FieldError:
    """Apply a reference check to every field of a StepAction that may hold one."""

    def in_string(value: str | None) -> FieldError:
        return to_field_error(string_check(value or "", prefix, names))

    errs = in_string(spec.image).via_field("image")
    errs = errs.also(in_string(spec.script).via_field("script"))
    for i, cmd in enumerate(spec.command or ()):
        errs = errs.also(
            to_field_error(list_check(cmd, prefix, names)).via_field_index("command", i)
        )
    for i, arg in enumerate(spec.args or ()):
        errs = errs.also(to_field_error(list_check(arg, prefix, names)).via_field_index("args", i))
    for env in spec.env or ():
        errs = errs.also(in_string(env.value).via_field_key("env", env.name))
    for i, vm in enumerate(spec.volume_mounts or ()):
        errs = errs.also(in_string(vm.name).via_field_index("volumeMounts", i))
    return errs


def _unknown(spec: StepActionSpec, prefix: str, names: Collection[str]) -> FieldError:
    """Tekton's ``validateStepActionVariables``."""
    check = validate_no_references_to_unknown_variables
    return _walk(spec, check, check, prefix, names)


def _validate_usage_of_declared_parameters(spec: StepActionSpec) -> FieldError:
    _, _, objects = sort_by_type(spec.params)
    errs = _unknown(spec, "params", frozenset(p.name for p in spec.params or ()))
    for p in objects:
        errs = errs.also(_unknown(spec, rf"params\.{p.name}", frozenset(p.properties or {})))
    whole = validate_no_references_to_entire_prohibited_variables
    object_names = frozenset(p.name for p in objects)
    errs = errs.also(_walk(spec, whole, whole, "params", object_names))
    return errs.also(validate_object_params_have_properties(spec.params))


def _validate_parameter_variables(spec: StepActionSpec) -> FieldError:
    errs = validate_no_duplicate_names(spec.params)
    strings, arrays, objects = sort_by_type(spec.params)
    errs = errs.also(validate_name_format([p.name for p in strings + arrays], objects))
    array_names = frozenset(p.name for p in arrays)
    return errs.also(
        _walk(
            spec,
            validate_no_references_to_prohibited_variables,
            validate_variable_reference_is_isolated,
            "params",
            array_names,
        )
    )


def _validate_volume_mounts(spec: StepActionSpec) -> FieldError:
    """Each volumeMount name must be exactly one declared ``$(params.x)``; the first
    malformed name ends the check, as in Tekton."""
    names = frozenset(p.name for p in spec.params or ())
    errs = FieldError()
    for i, vm in enumerate(spec.volume_mounts or ()):
        matches = extract_variable_expressions(vm.name, "params")
        if len(matches) != 1 or matches[0] != vm.name:
            return errs.also(
                err_invalid_value(
                    vm.name, "name", "expect the Name to be a single param reference"
                ).via_index(i)
            )
        err = validate_no_references_to_unknown_variables(vm.name, "params", names)
        errs = errs.also(to_field_error(err).via_index(i))
    return errs


def _validate_default_parameter_references(params: Sequence[ParamSpec] | None) -> FieldError:
    """v1alpha1's ``validateDefaultParameterReferences``: a default may reference other
    params only if they are declared and the references do not form a cycle."""
    declared = frozenset(p.name for p in params or ())
    errs = FieldError()
    resolved: set[str] = set()
    pending: dict[str, list[str]] = {}
    for p in params or ():
        default = p.default if isinstance(p.default, str) else ""
        matches = extract_variable_expressions(default, "params") if p.default is not None else []
        if not matches:
            resolved.add(p.name)
            continue
        referenced = []
        undefined = False
        for match in matches:
            name = match.removeprefix("$(params.").removesuffix(")")
            if name not in declared:
                undefined = True
                errs = errs.also(
                    FieldError(
                        f"param {go_quote(p.name)} default value references param "
                        f"{go_quote(name)} which is not defined",
                        ["params"],
                    )
                )
            referenced.append(name)
        if not undefined:
            pending[p.name] = referenced
    while pending:
        ready = [n for n, refs in pending.items() if all(r in resolved for r in refs)]
        if not ready:
            for name in pending:
                errs = errs.also(
                    FieldError(
                        f"param {go_quote(name)} default value has a circular dependency",
                        ["params"],
                    )
                )
            break
        for name in ready:
            resolved.add(name)
            del pending[name]
    return errs
