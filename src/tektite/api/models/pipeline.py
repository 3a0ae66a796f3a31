"""Pipeline and its PipelineTasks."""

from typing import Literal

import msgspec

from tektite.api.models._base import JsonObj, Model, TopLevelModel
from tektite.api.models.common import (
    Matrix,
    Param,
    ParamSpec,
    PipelineRef,
    PipelineResult,
    PipelineTaskMetadata,
    PipelineWorkspaceDeclaration,
    TaskRef,
    WhenExpression,
    WorkspacePipelineTaskBinding,
)
from tektite.api.models.meta import ObjectMeta
from tektite.api.models.task import TaskSpec


class EmbeddedTask(TaskSpec):
    """A PipelineTask's inline ``taskSpec``: a TaskSpec, or a custom task's raw spec."""

    api_version: str = ""
    kind: str = ""
    spec: JsonObj | None = None
    metadata: PipelineTaskMetadata | None = None


class PipelineTask(Model):
    """One node of a Pipeline: a Task to run with its params, workspaces and guards."""

    name: str = ""
    display_name: str = ""
    description: str = ""
    task_ref: TaskRef | None = None
    task_spec: EmbeddedTask | None = None
    when: list[WhenExpression] | None = None
    retries: int = 0
    run_after: list[str] | None = None
    params: list[Param] | None = None
    matrix: Matrix | None = None
    workspaces: list[WorkspacePipelineTaskBinding] | None = None
    timeout: str | None = None
    pipeline_ref: PipelineRef | None = None
    pipeline_spec: "PipelineSpec | None" = None
    on_error: str = ""


class PipelineSpec(Model):
    """A Pipeline's tasks, finally tasks, params, workspaces and results."""

    display_name: str = ""
    description: str = ""
    tasks: list[PipelineTask] | None = None
    params: list[ParamSpec] | None = None
    workspaces: list[PipelineWorkspaceDeclaration] | None = None
    results: list[PipelineResult] | None = None
    finally_: list[PipelineTask] | None = msgspec.field(default=None, name="finally")


class Pipeline(TopLevelModel):
    """``tekton.dev/v1`` Pipeline."""

    api_version: Literal["tekton.dev/v1"] = "tekton.dev/v1"
    kind: Literal["Pipeline"] = "Pipeline"
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: PipelineSpec = msgspec.field(default_factory=PipelineSpec)
