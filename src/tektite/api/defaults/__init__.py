"""Tekton's defaulting (the mutating webhook, ``*_defaults.go`` in Tekton).

:func:`set_defaults` fills in what Tekton's webhook fills in (param and result types,
timeouts, service account, …) in place, reading the configuration maps.
"""

from __future__ import annotations

from tektite.api.config import Config
from tektite.api.models import Pipeline, PipelineRun, StepAction, Task, TaskRun, TektonObject


def set_defaults(obj: TektonObject, config: Config | None = None) -> None:
    """Default ``obj`` in place as Tekton's ``webhook.pipeline.tekton.dev`` would."""
    config = config or Config()
    if isinstance(obj, Task):
        from tektite.api.defaults.task import default_task

        default_task(obj, config)
    elif isinstance(obj, Pipeline):
        from tektite.api.defaults.pipeline import default_pipeline

        default_pipeline(obj, config)
    elif isinstance(obj, TaskRun):
        from tektite.api.defaults.runs import default_taskrun

        default_taskrun(obj, config)
    elif isinstance(obj, PipelineRun):
        from tektite.api.defaults.runs import default_pipelinerun

        default_pipelinerun(obj, config)
    elif isinstance(obj, StepAction):
        from tektite.api.defaults.task import default_stepaction

        default_stepaction(obj, config)
    else:
        raise TypeError(f"not a Tekton object: {type(obj).__name__}")


__all__ = ["set_defaults"]
