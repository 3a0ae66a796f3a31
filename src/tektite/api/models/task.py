"""Task, its steps, step template and sidecars; StepAction."""

from typing import Literal

import msgspec

from tektite.api.models._base import JsonObj, Model, TopLevelModel
from tektite.api.models.common import (
    Param,
    ParamSpec,
    StepActionRef,
    StepOutputConfig,
    StepResult,
    TaskResult,
    WhenExpression,
    WorkspaceDeclaration,
    WorkspaceUsage,
)
from tektite.api.models.k8s import (
    ContainerPort,
    EnvFromSource,
    EnvVar,
    ResourceRequirements,
    Volume,
    VolumeDevice,
    VolumeMount,
)
from tektite.api.models.meta import ObjectMeta


class _ContainerFields(Model):
    """The container fields common to steps, the step template and sidecars."""

    image: str = ""
    command: list[str] | None = None
    args: list[str] | None = None
    working_dir: str = ""
    env_from: list[EnvFromSource] | None = None
    env: list[EnvVar] | None = None
    compute_resources: ResourceRequirements | None = None
    volume_mounts: list[VolumeMount] | None = None
    volume_devices: list[VolumeDevice] | None = None
    image_pull_policy: str = ""
    security_context: JsonObj | None = None


class StepTemplate(_ContainerFields):
    """Container defaults merged into every step of a Task."""


class Step(_ContainerFields):
    """One sequential step of a Task: a container, plus Tekton's step fields."""

    name: str = ""
    display_name: str = ""
    script: str = ""
    timeout: str | None = None
    workspaces: list[WorkspaceUsage] | None = None
    on_error: str = ""
    stdout_config: StepOutputConfig | None = None
    stderr_config: StepOutputConfig | None = None
    ref: StepActionRef | None = None
    params: list[Param] | None = None
    results: list[StepResult] | None = None
    when: list[WhenExpression] | None = None


class Sidecar(_ContainerFields):
    """A container running beside the steps for the whole TaskRun."""

    name: str = ""
    ports: list[ContainerPort] | None = None
    liveness_probe: JsonObj | None = None
    readiness_probe: JsonObj | None = None
    startup_probe: JsonObj | None = None
    lifecycle: JsonObj | None = None
    termination_message_path: str = ""
    termination_message_policy: str = ""
    stdin: bool = False
    stdin_once: bool = False
    tty: bool = False
    script: str = ""
    workspaces: list[WorkspaceUsage] | None = None
    restart_policy: str | None = None


class TaskSpec(Model):
    """What a Task does: params, steps, sidecars, volumes, workspaces, results."""

    params: list[ParamSpec] | None = None
    display_name: str = ""
    description: str = ""
    steps: list[Step] | None = None
    volumes: list[Volume] | None = None
    step_template: StepTemplate | None = None
    sidecars: list[Sidecar] | None = None
    workspaces: list[WorkspaceDeclaration] | None = None
    results: list[TaskResult] | None = None


class Task(TopLevelModel):
    """``tekton.dev/v1`` Task."""

    api_version: Literal["tekton.dev/v1"] = "tekton.dev/v1"
    kind: Literal["Task"] = "Task"
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: TaskSpec = msgspec.field(default_factory=TaskSpec)


class StepActionSpec(Model):
    """What a StepAction runs: one step's container, params and results."""

    description: str = ""
    image: str = ""
    command: list[str] | None = None
    args: list[str] | None = None
    env: list[EnvVar] | None = None
    script: str = ""
    working_dir: str = ""
    params: list[ParamSpec] | None = None
    results: list[StepResult] | None = None
    security_context: JsonObj | None = None
    volume_mounts: list[VolumeMount] | None = None


class StepAction(TopLevelModel):
    """``tekton.dev/v1beta1`` (or ``v1alpha1``) StepAction."""

    api_version: Literal["tekton.dev/v1beta1", "tekton.dev/v1alpha1"] = "tekton.dev/v1beta1"
    kind: Literal["StepAction"] = "StepAction"
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    spec: StepActionSpec = msgspec.field(default_factory=StepActionSpec)
