"""Param declarations and param references, shared by Tasks, Pipelines and StepActions.

Port of the param rules in Tekton's ``param_types.go`` and ``task_validation.go``:

* **declarations** (``ParamSpec``): allowed types, default value of the declared type,
  object properties, unique names, name format, ``enum`` rules;
* **references from steps** (``$(params.x)`` in a step's fields): declared names, object
  keys, whole arrays only isolated in ``command``/``args``, whole arrays/objects not in
  string fields;
* **references from param values** (a PipelineTask's ``params``, matrix, when): the
  same rules applied to values that may themselves be ``$(params...)`` references.

Paths are relative to where Tekton's functions return them; each function says what its
caller adds (``.via_field("params")`` and so on). Tekton validates the steps *after*
merging the stepTemplate into them (``TaskSpec.Validate`` merges in place), so callers
pass merged steps (:func:`tektite.api.merge.merge_steps_with_step_template`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence

from tektite.api.errors import FieldError, err_generic, err_invalid_value, err_missing_field
from tektite.api.models import Param, ParamSpec, Step, param_value_type
from tektite.api.validation.context import ValidationContext
from tektite.api.variables import (
    VariableError,
    validate_no_references_to_entire_prohibited_variables,
    validate_no_references_to_prohibited_variables,
    validate_no_references_to_unknown_variables,
    validate_variable_reference_is_isolated,
    validate_whole_array_or_object_ref_in_string_variable,
)

__all__ = [
    "ALL_PARAM_TYPES",
    "OBJECT_VARIABLE_NAME_FORMAT",
    "STRING_AND_ARRAY_VARIABLE_NAME_FORMAT",
    "find_dups",
    "sort_by_type",
    "to_field_error",
    "validate_array_variable",
    "validate_duplicate_parameters",
    "validate_name_format",
    "validate_no_duplicate_names",
    "validate_object_params_have_properties",
    "validate_object_variable",
    "validate_param_enums",
    "validate_param_specs",
    "validate_param_string_value",
    "validate_param_type",
    "validate_param_types",
    "validate_param_values_variables",
    "validate_parameter_variables",
    "validate_step_variables",
    "validate_steps_array_usage",
    "validate_steps_object_usage",
    "validate_steps_variables",
    "validate_string_variable",
    "validate_usage_of_declared_parameters",
]

ALL_PARAM_TYPES = ("string", "array", "object")

STRING_AND_ARRAY_VARIABLE_NAME_FORMAT = "^[_a-zA-Z][_a-zA-Z0-9.-]*$"
OBJECT_VARIABLE_NAME_FORMAT = "^[_a-zA-Z][_a-zA-Z0-9-]*$"
# Used with fullmatch: Python's "$" would also accept a trailing newline.
_STRING_AND_ARRAY_NAME_RE = re.compile(r"[_a-zA-Z][_a-zA-Z0-9.-]*")
_OBJECT_NAME_RE = re.compile(r"[_a-zA-Z][_a-zA-Z0-9-]*")

_STRING_AND_ARRAY_NAME_DETAILS = (
    "String/Array Names: \nMust only contain alphanumeric characters, hyphens (-), "
    "underscores (_), and dots (.)\nMust begin with a letter or an underscore (_)"
)
_OBJECT_NAME_DETAILS = (
    "Object Names: \nMust only contain alphanumeric characters, hyphens (-), underscores "
    "(_) \nMust begin with a letter or an underscore (_)"
)

ObjectKeys = Mapping[str, Collection[str]]
"""Declared object params and their keys: ``{"gitrepo": ["url", "commit"]}``."""


def to_field_error(err: VariableError | None) -> FieldError:
    """A :mod:`tektite.api.variables` failure as Tekton's error with an empty path,
    ready for ``via_field`` (empty when ``err`` is ``None``)."""
    if err is None:
        return FieldError()
    return FieldError(err.message, [""], err.details)


def find_dups(values: Iterable[str]) -> list[str]:
    """The values that occur more than once, in order of their second occurrence."""
    seen: set[str] = set()
    dups: list[str] = []
    for v in values:
        if v in seen and v not in dups:
            dups.append(v)
        seen.add(v)
    return dups


def sort_by_type(
    specs: Sequence[ParamSpec] | None,
) -> tuple[list[ParamSpec], list[ParamSpec], list[ParamSpec]]:
    """Split params into (string, array, object) ones; unknown types count as string."""
    strings: list[ParamSpec] = []
    arrays: list[ParamSpec] = []
    objects: list[ParamSpec] = []
    for p in specs or ():
        if p.type == "array":
            arrays.append(p)
        elif p.type == "object":
            objects.append(p)
        else:
            strings.append(p)
    return strings, arrays, objects


# -- declarations --------------------------------------------------------------------------


def validate_param_type(spec: ParamSpec) -> FieldError:
    """Tekton's ``ParamSpec.ValidateType``: a known type, a default of that type and
    string-typed object properties. Paths are relative to ``params``."""
    if spec.type not in ALL_PARAM_TYPES:
        return err_invalid_value(spec.type, f"{spec.name}.type")
    if spec.default is not None:
        default_type = param_value_type(spec.default)
        if default_type != spec.type:
            return FieldError(
                f'"{spec.type}" type does not match default value\'s type: "{default_type}"',
                [f"{spec.name}.type", f"{spec.name}.default.type"],
            )
    invalid_keys = sorted(k for k, p in (spec.properties or {}).items() if p.type != "string")
    if invalid_keys:
        return FieldError(
            f"The value type specified for these keys [{' '.join(invalid_keys)}] is invalid",
            [f"{spec.name}.properties"],
        )
    return FieldError()


def validate_param_types(specs: Sequence[ParamSpec] | None) -> FieldError:
    """Tekton's ``ValidateParameterTypes``; the caller adds ``params``."""
    errs = FieldError()
    for spec in specs or ():
        errs = errs.also(validate_param_type(spec))
    return errs


def validate_no_duplicate_names(specs: Sequence[ParamSpec] | None) -> FieldError:
    """``parameter appears more than once`` at ``params[<name>]`` (path included)."""
    errs = FieldError()
    for dup in find_dups(p.name for p in specs or ()):
        errs = errs.also(
            err_generic("parameter appears more than once", "").via_field_key("params", dup)
        )
    return errs


def validate_param_enums(specs: Sequence[ParamSpec] | None, ctx: ValidationContext) -> FieldError:
    """Tekton's ``validateParamEnums`` (flag, string type, unique values, default in the
    enum); paths are ``[<name>]``, the caller adds ``params``."""
    errs = FieldError()
    enabled = ctx.config.features.enable_param_enum
    for p in specs or ():
        if not p.enum:
            continue
        if not enabled:
            errs = errs.also(
                err_generic(
                    "feature flag `enable-param-enum` should be set to true to use Enum", ""
                ).via_key(p.name)
            )
        if p.type != "string":
            errs = errs.also(
                err_generic("enum can only be set with string type param", "").via_key(p.name)
            )
        for dup in find_dups(p.enum):
            errs = errs.also(
                err_generic(f"parameter enum value {dup} appears more than once", "").via_key(
                    p.name
                )
            )
        if isinstance(p.default, str) and p.default and p.default not in p.enum:
            errs = errs.also(
                err_generic(f"param default value {p.default} not in the enum list", "").via_key(
                    p.name
                )
            )
    return errs


def validate_name_format(
    string_and_array_names: Iterable[str], object_specs: Sequence[ParamSpec]
) -> FieldError:
    """Tekton's ``ValidateNameFormat``: name rules for string/array params and for object
    params and their keys; the error is at ``params`` (path included)."""
    errs = FieldError()
    invalid = [
        n for n in sorted(set(string_and_array_names)) if not _STRING_AND_ARRAY_NAME_RE.fullmatch(n)
    ]
    if invalid:
        errs = errs.also(
            FieldError(
                "The format of following array and string variable names is invalid: "
                f"[{' '.join(invalid)}]",
                ["params"],
                _STRING_AND_ARRAY_NAME_DETAILS,
            )
        )
    invalid_objects: dict[str, list[str]] = {}
    for obj in object_specs:
        if not _OBJECT_NAME_RE.fullmatch(obj.name):
            invalid_objects[obj.name] = []
        for key in sorted(obj.properties or {}):
            if not _OBJECT_NAME_RE.fullmatch(key):
                invalid_objects.setdefault(obj.name, []).append(key)
    if invalid_objects:
        # Go prints the map with %s: keys sorted, each list in brackets.
        shown = " ".join(
            f"{name}:[{' '.join(keys)}]" for name, keys in sorted(invalid_objects.items())
        )
        errs = errs.also(
            FieldError(
                f"Object param name and key name format is invalid: map[{shown}]",
                ["params"],
                _OBJECT_NAME_DETAILS,
            )
        )
    return errs


def validate_object_params_have_properties(specs: Sequence[ParamSpec] | None) -> FieldError:
    """``missing field(s): <name>.properties`` for object params without properties."""
    errs = FieldError()
    for p in specs or ():
        if p.type == "object" and p.properties is None:
            errs = errs.also(err_missing_field(f"{p.name}.properties"))
    return errs


def validate_param_specs(specs: Sequence[ParamSpec] | None, ctx: ValidationContext) -> FieldError:
    """The declaration checks Tasks and Pipelines share: types (``params.<p>.type``),
    duplicates (``params[<p>]``) and enums (``params[<p>]``). Paths start at ``params``.

    Tasks and StepActions also check the name format (:func:`validate_name_format`,
    via :func:`validate_parameter_variables`); Pipelines do not.
    """
    errs = validate_param_types(specs).via_field("params")
    errs = errs.also(validate_no_duplicate_names(specs))
    return errs.also(validate_param_enums(specs, ctx).via_field("params"))


# -- references from steps ----------------------------------------------------------------


def validate_step_variables(step: Step, prefix: str, names: Collection[str]) -> FieldError:
    """Tekton's ``validateStepVariables``: references under ``prefix`` in the step's
    fields must name one of ``names``. Paths are relative to the step."""

    def check(value: str | None) -> FieldError:
        return to_field_error(
            validate_no_references_to_unknown_variables(value or "", prefix, names)
        )

    errs = check(step.name).via_field("name")
    errs = errs.also(check(step.image).via_field("image"))
    errs = errs.also(check(step.working_dir).via_field("workingDir"))
    errs = errs.also(check(step.script).via_field("script"))
    for i, cmd in enumerate(step.command or ()):
        errs = errs.also(check(cmd).via_field_index("command", i))
    for i, arg in enumerate(step.args or ()):
        errs = errs.also(check(arg).via_field_index("args", i))
    for env in step.env or ():
        errs = errs.also(check(env.value).via_field_key("env", env.name))
    for i, vm in enumerate(step.volume_mounts or ()):
        # Tekton spells these paths "volumeMount", "MountPath" and "SubPath" here.
        errs = errs.also(check(vm.name).via_field("name").via_field_index("volumeMount", i))
        errs = errs.also(
            check(vm.mount_path).via_field("MountPath").via_field_index("volumeMount", i)
        )
        errs = errs.also(check(vm.sub_path).via_field("SubPath").via_field_index("volumeMount", i))
    return errs.also(check(step.on_error).via_field("onError"))


def validate_steps_variables(
    steps: Sequence[Step] | None, prefix: str, names: Collection[str]
) -> FieldError:
    """Tekton's ``validateVariables``: :func:`validate_step_variables` for every step, at
    ``steps[i]``."""
    errs = FieldError()
    for i, step in enumerate(steps or ()):
        errs = errs.also(validate_step_variables(step, prefix, names).via_field_index("steps", i))
    return errs


def _step_usage_errors(
    step: Step, prefix: str, names: Collection[str], *, objects: bool
) -> FieldError:
    """Whole-array (``objects=False``) or whole-object usage in one step's fields."""
    if objects:
        string_check = validate_no_references_to_entire_prohibited_variables
        list_check = validate_no_references_to_entire_prohibited_variables
    else:
        string_check = validate_no_references_to_prohibited_variables
        list_check = validate_variable_reference_is_isolated

    def in_string(value: str | None) -> FieldError:
        return to_field_error(string_check(value or "", prefix, names))

    def in_list(value: str) -> FieldError:
        return to_field_error(list_check(value, prefix, names))

    errs = in_string(step.name).via_field("name")
    errs = errs.also(in_string(step.image).via_field("image"))
    errs = errs.also(in_string(step.working_dir).via_field("workingDir"))
    errs = errs.also(in_string(step.script).via_field("script"))
    for i, cmd in enumerate(step.command or ()):
        errs = errs.also(in_list(cmd).via_field_index("command", i))
    for i, arg in enumerate(step.args or ()):
        errs = errs.also(in_list(arg).via_field_index("args", i))
    for env in step.env or ():
        errs = errs.also(in_string(env.value).via_field_key("env", env.name))
    for i, vm in enumerate(step.volume_mounts or ()):
        errs = errs.also(in_string(vm.name).via_field("name").via_field_index("volumeMount", i))
        errs = errs.also(
            in_string(vm.mount_path).via_field("mountPath").via_field_index("volumeMount", i)
        )
        errs = errs.also(
            in_string(vm.sub_path).via_field("subPath").via_field_index("volumeMount", i)
        )
    return errs


def _steps_usage_errors(
    steps: Sequence[Step] | None, prefix: str, names: Collection[str], *, objects: bool
) -> FieldError:
    errs = FieldError()
    for i, step in enumerate(steps or ()):
        # Tekton adds "steps[i]" to everything collected so far, not only to this step's
        # errors, so an error in step 0 of 3 is reported at steps[2].steps[1].steps[0].
        errs = errs.also(_step_usage_errors(step, prefix, names, objects=objects)).via_field_index(
            "steps", i
        )
    return errs


def validate_steps_array_usage(
    steps: Sequence[Step] | None, prefix: str, array_names: Collection[str]
) -> FieldError:
    """Tekton's ``validateArrayUsage``: whole arrays only as a whole ``command``/``args``
    item, never in string fields."""
    return _steps_usage_errors(steps, prefix, array_names, objects=False)


def validate_steps_object_usage(
    steps: Sequence[Step] | None, object_specs: Sequence[ParamSpec]
) -> FieldError:
    """Tekton's ``validateObjectUsage``: ``$(params.obj.key)`` must name a declared key and
    whole objects may not be referenced in step fields."""
    errs = FieldError()
    for p in object_specs:
        keys = frozenset(p.properties or {})
        errs = errs.also(validate_steps_variables(steps, rf"params\.{p.name}", keys))
    names = frozenset(p.name for p in object_specs)
    return errs.also(_steps_usage_errors(steps, "params", names, objects=True))


def validate_parameter_variables(
    steps: Sequence[Step] | None, specs: Sequence[ParamSpec] | None, ctx: ValidationContext
) -> FieldError:
    """Tekton's ``ValidateParameterVariables``: unique names, enums, name format and
    whole-array usage in the steps. Paths start at ``params`` / ``steps``."""
    errs = validate_no_duplicate_names(specs)
    errs = errs.also(validate_param_enums(specs, ctx).via_field("params"))
    strings, arrays, objects = sort_by_type(specs)
    names = [p.name for p in strings] + [p.name for p in arrays]
    errs = errs.also(validate_name_format(names, objects))
    array_names = frozenset(p.name for p in arrays)
    return errs.also(validate_steps_array_usage(steps, "params", array_names))


def validate_usage_of_declared_parameters(
    steps: Sequence[Step] | None, specs: Sequence[ParamSpec] | None, ctx: ValidationContext
) -> FieldError:
    """Tekton's ``ValidateUsageOfDeclaredParameters``: every ``$(params.x)`` in the steps
    is declared, object keys exist, objects are not used whole, object params declare
    ``properties``. Paths start at ``steps`` (and ``<p>.properties``)."""
    _, _, objects = sort_by_type(specs)
    names = frozenset(p.name for p in specs or ())
    errs = validate_steps_variables(steps, "params", names)
    errs = errs.also(validate_steps_object_usage(steps, objects))
    return errs.also(validate_object_params_have_properties(specs))


# -- references from param values ---------------------------------------------------------


def validate_duplicate_parameters(params: Sequence[Param] | None) -> FieldError:
    """Tekton's ``Params.validateDuplicateParameters``: at ``[i].name``; the caller adds
    ``params``."""
    errs = FieldError()
    seen: set[str] = set()
    for i, p in enumerate(params or ()):
        if p.name in seen:
            errs = errs.also(
                err_generic(
                    f'parameter names must be unique, the parameter "{p.name}" is also defined at',
                    f"[{i}].name",
                )
            )
        seen.add(p.name)
    return errs


def validate_object_variable(value: str, prefix: str, object_keys: ObjectKeys) -> FieldError:
    """Tekton's ``validateObjectVariable``: object keys must be declared and whole objects
    may not be used. The path is empty."""
    errs = FieldError()
    for name, keys in object_keys.items():
        errs = errs.also(
            to_field_error(
                validate_no_references_to_unknown_variables(value, rf"{prefix}\.{name}", keys)
            )
        )
    return errs.also(
        to_field_error(
            validate_no_references_to_entire_prohibited_variables(value, prefix, object_keys.keys())
        )
    )


def validate_string_variable(
    value: str,
    prefix: str,
    string_vars: Collection[str],
    array_vars: Collection[str],
    object_keys: ObjectKeys,
) -> FieldError:
    """Tekton's ``validateStringVariable``: a field that takes strings (declared params,
    object keys; no whole arrays or objects). The path is empty."""
    errs = to_field_error(validate_no_references_to_unknown_variables(value, prefix, string_vars))
    errs = errs.also(validate_object_variable(value, prefix, object_keys))
    return errs.also(
        to_field_error(validate_no_references_to_prohibited_variables(value, prefix, array_vars))
    )


def validate_array_variable(
    value: str,
    prefix: str,
    string_vars: Collection[str],
    array_vars: Collection[str],
    object_keys: ObjectKeys,
) -> FieldError:
    """Tekton's ``validateArrayVariable``: an array item (whole arrays allowed when the
    item is exactly the reference). The path is empty."""
    errs = to_field_error(validate_no_references_to_unknown_variables(value, prefix, string_vars))
    errs = errs.also(validate_object_variable(value, prefix, object_keys))
    return errs.also(
        to_field_error(validate_variable_reference_is_isolated(value, prefix, array_vars))
    )


def validate_param_string_value(
    param: Param,
    prefix: str,
    names: Collection[str],
    array_names: Collection[str],
    object_keys: ObjectKeys,
) -> FieldError:
    """Tekton's ``validateParamStringValue``: a string value may be exactly a whole
    array/object reference (``$(params.arr[*])``); else it is a string field. Paths are
    ``params[<name>]``."""
    value = param.value if isinstance(param.value, str) else ""
    isolated, err = validate_whole_array_or_object_ref_in_string_variable(
        param.name, value, prefix, names
    )
    if isolated:
        return to_field_error(err).via_field_key(prefix, param.name)
    return validate_string_variable(value, prefix, names, array_names, object_keys).via_field_key(
        "params", param.name
    )


def validate_param_values_variables(
    params: Sequence[Param] | None,
    prefix: str,
    names: Collection[str],
    array_names: Collection[str],
    object_keys: ObjectKeys,
) -> FieldError:
    """Tekton's ``validatePipelineParametersVariablesInTaskParameters``: the references
    inside param values (a PipelineTask's ``params``). Paths start at ``params``:
    ``params[<p>]``, ``params[<p>].value[i]``, ``params[<p>].properties[<k>]``."""
    errs = validate_duplicate_parameters(params).via_field("params")
    for p in params or ():
        if isinstance(p.value, list):
            for i, item in enumerate(p.value):
                errs = errs.also(
                    validate_array_variable(item, prefix, names, array_names, object_keys)
                    .via_field_index("value", i)
                    .via_field_key("params", p.name)
                )
        elif isinstance(p.value, dict):
            for key, item in p.value.items():
                errs = errs.also(
                    validate_string_variable(item, prefix, names, array_names, object_keys)
                    .via_field_key("properties", key)
                    .via_field_key("params", p.name)
                )
        else:
            errs = errs.also(
                validate_param_string_value(p, prefix, names, array_names, object_keys)
            )
    return errs
