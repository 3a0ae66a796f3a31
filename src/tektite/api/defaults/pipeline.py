"""Defaulting of Pipelines (Tekton's ``pipeline_defaults.go``).

Tekton's webhook fills in each pipeline param's type (and its properties' types), a
``taskRef``'s kind (``Task``) or, for a ref with neither name nor resolver, the
configured ``default-resolver-type``, and the defaults of embedded ``taskSpec``s. It
leaves pipeline results, nested ``pipelineSpec``s and everything else untouched.
"""

from __future__ import annotations

from tektite.api.config import Config
from tektite.api.defaults.task import default_param_specs, default_task_spec
from tektite.api.models import Pipeline, PipelineSpec, PipelineTask

__all__ = ["default_pipeline", "default_pipeline_spec", "default_pipeline_task"]


def default_pipeline_task(pt: PipelineTask, config: Config) -> None:
    """A task's ref kind or default resolver, and its embedded spec's defaults."""
    ref = pt.task_ref
    if ref is not None:
        if not ref.name and not ref.resolver:
            ref.resolver = config.defaults.default_resolver_type
        if not ref.kind and not ref.resolver:
            ref.kind = "Task"
    if pt.task_spec is not None:
        default_task_spec(pt.task_spec, config)


def default_pipeline_spec(spec: PipelineSpec, config: Config) -> None:
    """Default a PipelineSpec in place (also used for a PipelineRun's ``pipelineSpec``)."""
    default_param_specs(spec.params)
    for pt in (*(spec.tasks or ()), *(spec.finally_ or ())):
        default_pipeline_task(pt, config)


def default_pipeline(p: Pipeline, config: Config) -> None:
    """Default a Pipeline in place, as Tekton's mutating webhook does."""
    default_pipeline_spec(p.spec, config)
