"""TaskRun and PipelineRun, with their statuses."""

from typing import Literal

import msgspec

from tektite.api.models._base import Model, StrMap, TopLevelModel
from tektite.api.models.common import (
    Artifact,
    Artifacts,
    Param,
    PipelineRef,
    PipelineRunResult,
    PipelineTaskMetadata,
    Provenance,
    RunResult,
    TaskRef,
    WhenExpression,
    WorkspaceBinding,
)
from tektite.api.models.k8s import PodTemplate, ResourceRequirements
from tektite.api.models.meta import Condition, ObjectMeta
from tektite.api.models.pipeline import PipelineSpec
from tektite.api.models.task import TaskSpec

# -- TaskRun ------------------------------------------------------------------------------


class TaskBreakpoints(Model):
    """Debug breakpoints (alpha)."""

    on_failure: str = ""
    before_steps: list[str] | None = None


class TaskRunDebug(Model):
    """A TaskRun's debug settings (alpha)."""

    breakpoints: TaskBreakpoints | None = None


class TaskRunStepSpec(Model):
    """Per-step (or per-sidecar) compute resources override."""

    name: str
    compute_resources: ResourceRequirements = msgspec.field(default_factory=ResourceRequirements)


class TaskRunSpec(Model):
    """What a TaskRun runs and how."""

    debug: TaskRunDebug | None = None
    params: list[Param] | None = None
    service_account_name: str = ""
    task_ref: TaskRef | None = None
    task_spec: TaskSpec | None = None
    status: str = ""
    status_message: str = ""
    retries: int = 0
    timeout: str | None = None
    pod_template: PodTemplate | None = None
    workspaces: list[WorkspaceBinding] | None = None
    step_specs: list[TaskRunStepSpec] | None = None
    sidecar_specs: list[TaskRunStepSpec] | None = None
    compute_resources: ResourceRequirements | None = None
    managed_by: str | None = None


class ContainerStateWaiting(Model):
    """``corev1.ContainerStateWaiting``."""

    reason: str = ""
    message: str = ""


class ContainerStateRunning(Model):
    """``corev1.ContainerStateRunning``."""

    started_at: str | None = None


class ContainerStateTerminated(Model):
    """``corev1.ContainerStateTerminated``."""

    exit_code: int  # always present, as in Kubernetes (no omitempty)
    signal: int | None = None
    reason: str = ""
    message: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    container_id: str = msgspec.field(default="", name="containerID")


class _ContainerState(Model):
    waiting: ContainerStateWaiting | None = None
    running: ContainerStateRunning | None = None
    terminated: ContainerStateTerminated | None = None
    name: str = ""
    container: str = ""
    image_id: str = msgspec.field(default="", name="imageID")


class StepState(_ContainerState):
    """A step's container state, results and Tekton's termination reason."""

    results: list[RunResult] | None = None
    provenance: Provenance | None = None
    termination_reason: str = ""
    inputs: list[Artifact] | None = None
    outputs: list[Artifact] | None = None


class SidecarState(_ContainerState):
    """A sidecar's container state."""


class TaskRunStatus(Model):
    """A TaskRun's observed state."""

    observed_generation: int | None = None
    conditions: list[Condition] | None = None
    annotations: StrMap | None = None
    pod_name: str = ""
    start_time: str | None = None
    completion_time: str | None = None
    steps: list[StepState] | None = None
    retries_status: "list[TaskRunStatus] | None" = None
    results: list[RunResult] | None = None
    artifacts: Artifacts | None = None
    sidecars: list[SidecarState] | None = None
    task_spec: TaskSpec | None = None
    provenance: Provenance | None = None
    span_context: StrMap | None = None


class TaskRun(TopLevelModel):
    """``tekton.dev/v1`` TaskRun."""

    api_version: Literal["tekton.dev/v1"] = "tekton.dev/v1"
    kind: Literal["TaskRun"] = "TaskRun"
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: TaskRunSpec = msgspec.field(default_factory=TaskRunSpec)
    status: TaskRunStatus | None = None


# -- PipelineRun --------------------------------------------------------------------------


class TimeoutFields(Model):
    """A PipelineRun's timeouts."""

    pipeline: str | None = None
    tasks: str | None = None
    finally_: str | None = msgspec.field(default=None, name="finally")


class PipelineTaskRunTemplate(Model):
    """Defaults for every TaskRun of a PipelineRun."""

    pod_template: PodTemplate | None = None
    service_account_name: str = ""


class PipelineTaskRunSpec(Model):
    """Per-PipelineTask overrides of the TaskRun created for it."""

    pipeline_task_name: str = ""
    service_account_name: str = ""
    pod_template: PodTemplate | None = None
    step_specs: list[TaskRunStepSpec] | None = None
    sidecar_specs: list[TaskRunStepSpec] | None = None
    metadata: PipelineTaskMetadata | None = None
    compute_resources: ResourceRequirements | None = None
    timeout: str | None = None


class PipelineRunSpec(Model):
    """What a PipelineRun runs and how."""

    pipeline_ref: PipelineRef | None = None
    pipeline_spec: PipelineSpec | None = None
    params: list[Param] | None = None
    status: str = ""
    timeouts: TimeoutFields | None = None
    task_run_template: PipelineTaskRunTemplate = msgspec.field(
        default_factory=PipelineTaskRunTemplate
    )
    workspaces: list[WorkspaceBinding] | None = None
    task_run_specs: list[PipelineTaskRunSpec] | None = None
    managed_by: str | None = None


class ChildStatusReference(Model):
    """A child run of a PipelineRun."""

    api_version: str = ""
    kind: str = ""
    name: str = ""
    display_name: str = ""
    pipeline_task_name: str = ""
    when_expressions: list[WhenExpression] | None = None


class SkippedTask(Model):
    """A PipelineTask that was skipped, and why."""

    name: str
    reason: str = ""
    when_expressions: list[WhenExpression] | None = None


class PipelineRunStatus(Model):
    """A PipelineRun's observed state."""

    observed_generation: int | None = None
    conditions: list[Condition] | None = None
    annotations: StrMap | None = None
    start_time: str | None = None
    completion_time: str | None = None
    results: list[PipelineRunResult] | None = None
    pipeline_spec: PipelineSpec | None = None
    skipped_tasks: list[SkippedTask] | None = None
    child_references: list[ChildStatusReference] | None = None
    finally_start_time: str | None = None
    provenance: Provenance | None = None
    span_context: StrMap | None = None


class PipelineRun(TopLevelModel):
    """``tekton.dev/v1`` PipelineRun."""

    api_version: Literal["tekton.dev/v1"] = "tekton.dev/v1"
    kind: Literal["PipelineRun"] = "PipelineRun"
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: PipelineRunSpec = msgspec.field(default_factory=PipelineRunSpec)
    status: PipelineRunStatus | None = None
