"""Defaulting of Tasks, StepActions, param declarations and result declarations.

Port of Tekton's ``task_defaults.go``, ``ParamSpec.SetDefaults`` (``param_types.go``),
``result_defaults.go`` and ``v1beta1/stepaction_defaults.go``. Everything mutates in
place, as Tekton's ``SetDefaults`` does, and is idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence

from tektite.api.config import Config
from tektite.api.models import (
    ParamSpec,
    PropertySpec,
    StepAction,
    StepResult,
    Task,
    TaskResult,
    TaskSpec,
    param_value_type,
)

__all__ = [
    "default_param_spec",
    "default_param_specs",
    "default_step_result",
    "default_stepaction",
    "default_task",
    "default_task_result",
    "default_task_spec",
]


def _default_property_types(properties: dict[str, PropertySpec] | None) -> None:
    if properties is None:
        return
    for key, prop in properties.items():
        if not prop.type:
            properties[key] = PropertySpec(type="string")


def default_param_spec(spec: ParamSpec) -> None:
    """Infer a param's type: as written; else ``object`` when it has properties; else
    ``string`` without a default; else the default value's own type. Property types
    default to ``string``."""
    if spec.type:
        _default_property_types(spec.properties)
    elif spec.properties is not None:
        spec.type = "object"
        _default_property_types(spec.properties)
    elif spec.default is None:
        spec.type = "string"
    else:
        spec.type = param_value_type(spec.default)


def default_param_specs(specs: Sequence[ParamSpec] | None) -> None:
    """:func:`default_param_spec` for each declaration."""
    for spec in specs or ():
        default_param_spec(spec)


def default_task_result(result: TaskResult) -> None:
    """A result's type: ``object`` when it has properties, else ``string``; property
    types default to ``string``."""
    if not result.type:
        result.type = "object" if result.properties is not None else "string"
    _default_property_types(result.properties)


def default_step_result(result: StepResult) -> None:
    """As :func:`default_task_result`, for a step's or StepAction's result."""
    if not result.type:
        result.type = "object" if result.properties is not None else "string"
    _default_property_types(result.properties)


def default_task_spec(spec: TaskSpec, config: Config) -> None:
    """Tekton's ``TaskSpec.SetDefaults``: a step ``ref`` with neither name nor resolver
    gets ``default-resolver-type``; params and task results get their types.

    Step results are left as they are (Tekton does not default them in a Task).
    """
    for step in spec.steps or ():
        ref = step.ref
        if ref is not None and not ref.name and not ref.resolver:
            ref.resolver = config.defaults.default_resolver_type
    default_param_specs(spec.params)
    for result in spec.results or ():
        default_task_result(result)


def default_task(task: Task, config: Config) -> None:
    """Tekton's ``Task.SetDefaults``."""
    default_task_spec(task.spec, config)


def default_stepaction(action: StepAction, config: Config) -> None:
    """Tekton's ``StepAction.SetDefaults``: param and result types (``config`` is unused;
    the signature matches the other kinds')."""
    default_param_specs(action.spec.params)
    for result in action.spec.results or ():
        default_step_result(result)
