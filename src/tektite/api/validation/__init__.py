"""Tekton's admission validation for every kind (``*_validation.go`` in Tekton).

:func:`validate` is the one entry point: it returns an empty (falsy)
:class:`~tektite.api.errors.FieldError` when the object is valid. It expects a defaulted
object (see :mod:`tektite.api.defaults`), as Tekton's webhook defaults before validating.
"""

from __future__ import annotations

from tektite.api.errors import FieldError
from tektite.api.models import Pipeline, PipelineRun, StepAction, Task, TaskRun, TektonObject
from tektite.api.validation.context import ValidationContext


def validate(obj: TektonObject, ctx: ValidationContext | None = None) -> FieldError:
    """Validate ``obj`` as Tekton's ``validation.webhook.pipeline.tekton.dev`` would."""
    ctx = ctx or ValidationContext()
    # Imported here so that loading one kind's rules does not load every kind's.
    if isinstance(obj, Task):
        from tektite.api.validation.task import validate_task

        return validate_task(obj, ctx)
    if isinstance(obj, Pipeline):
        from tektite.api.validation.pipeline import validate_pipeline

        return validate_pipeline(obj, ctx)
    if isinstance(obj, TaskRun):
        from tektite.api.validation.taskrun import validate_taskrun

        return validate_taskrun(obj, ctx)
    if isinstance(obj, PipelineRun):
        from tektite.api.validation.pipelinerun import validate_pipelinerun

        return validate_pipelinerun(obj, ctx)
    if isinstance(obj, StepAction):
        from tektite.api.validation.stepaction import validate_stepaction

        return validate_stepaction(obj, ctx)
    raise TypeError(f"not a Tekton object: {type(obj).__name__}")


__all__ = ["ValidationContext", "validate"]
