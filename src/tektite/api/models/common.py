"""Tekton types shared by Tasks, Pipelines and runs: params, results, workspaces, refs."""

from typing import Any

from tektite.api.models._base import Model, decode_param_value
from tektite.api.models.k8s import (
    ConfigMapVolumeSource,
    CSIVolumeSource,
    EmptyDirVolumeSource,
    PersistentVolumeClaimTemplate,
    PersistentVolumeClaimVolumeSource,
    ProjectedVolumeSource,
    SecretVolumeSource,
)


class PropertySpec(Model):
    """The type of one key of an object param or result."""

    type: str = ""


class ParamSpec(Model):
    """A declared input of a Task or Pipeline."""

    name: str
    type: str = ""
    description: str = ""
    properties: dict[str, PropertySpec] | None = None
    default: Any = None
    enum: list[str] | None = None

    def __post_init__(self) -> None:
        if self.default is not None:
            self.default = decode_param_value(self.default)


class Param(Model):
    """A value given for a param."""

    name: str
    value: Any

    def __post_init__(self) -> None:
        self.value = decode_param_value(self.value)


class ResolverRef(Model):
    """Fields shared by refs that may name a remote resolver."""

    resolver: str = ""
    params: list[Param] | None = None


class TaskRef(ResolverRef):
    """A reference to a Task (by name, or through a resolver)."""

    name: str = ""
    kind: str = ""
    api_version: str = ""


class PipelineRef(ResolverRef):
    """A reference to a Pipeline."""

    name: str = ""
    api_version: str = ""


class StepActionRef(ResolverRef):
    """A step's ``ref`` to a StepAction."""

    name: str = ""


class TaskResult(Model):
    """A result declared by a Task."""

    name: str
    type: str = ""
    properties: dict[str, PropertySpec] | None = None
    description: str = ""
    value: Any = None

    def __post_init__(self) -> None:
        if self.value is not None:
            self.value = decode_param_value(self.value)


class StepResult(Model):
    """A result declared by a Step or StepAction."""

    name: str
    type: str = ""
    properties: dict[str, PropertySpec] | None = None
    description: str = ""


class PipelineResult(Model):
    """A result declared by a Pipeline, computed from task results."""

    name: str
    type: str = ""
    description: str = ""
    value: Any = ""

    def __post_init__(self) -> None:
        self.value = decode_param_value(self.value)


class RunResult(Model):
    """``TaskRunResult`` / ``TaskRunStepResult``: a result value in a run's status."""

    name: str
    type: str = ""
    value: Any = ""

    def __post_init__(self) -> None:
        self.value = decode_param_value(self.value)


class PipelineRunResult(Model):
    """A pipeline result value in a PipelineRun's status."""

    name: str
    value: Any = ""

    def __post_init__(self) -> None:
        self.value = decode_param_value(self.value)


class WorkspaceDeclaration(Model):
    """A workspace a Task declares."""

    name: str
    description: str = ""
    mount_path: str = ""
    read_only: bool = False
    optional: bool = False


class PipelineWorkspaceDeclaration(Model):
    """A workspace a Pipeline declares."""

    name: str
    description: str = ""
    optional: bool = False


class WorkspacePipelineTaskBinding(Model):
    """Maps a pipeline workspace onto a task's workspace."""

    name: str
    workspace: str = ""
    sub_path: str = ""


class WorkspaceUsage(Model):
    """A step's or sidecar's use of an (isolated) workspace."""

    name: str
    mount_path: str = ""


class WorkspaceBinding(Model):
    """A run's binding of a workspace to exactly one volume source."""

    name: str
    sub_path: str = ""
    volume_claim_template: PersistentVolumeClaimTemplate | None = None
    persistent_volume_claim: PersistentVolumeClaimVolumeSource | None = None
    empty_dir: EmptyDirVolumeSource | None = None
    config_map: ConfigMapVolumeSource | None = None
    secret: SecretVolumeSource | None = None
    projected: ProjectedVolumeSource | None = None
    csi: CSIVolumeSource | None = None


class WhenExpression(Model):
    """A guard: ``input`` ``in``/``notin`` ``values``, or a ``cel`` expression."""

    input: str = ""
    operator: str = ""
    values: list[str] | None = None
    cel: str = ""


class IncludeParams(Model):
    """An explicit matrix combination."""

    name: str = ""
    params: list[Param] | None = None


class Matrix(Model):
    """A PipelineTask's fan-out."""

    params: list[Param] | None = None
    include: list[IncludeParams] | None = None


class PipelineTaskMetadata(Model):
    """Labels and annotations copied onto a child run."""

    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class StepOutputConfig(Model):
    """Where a step's stdout or stderr is also written."""

    path: str = ""


class ArtifactValue(Model):
    """One artifact value (alpha)."""

    digest: dict[str, str] | None = None
    uri: str = ""


class Artifact(Model):
    """A named artifact with its values (alpha)."""

    name: str = ""
    values: list[ArtifactValue] | None = None
    build_output: bool = False


class Artifacts(Model):
    """A run's artifacts (alpha)."""

    inputs: list[Artifact] | None = None
    outputs: list[Artifact] | None = None


class Provenance(Model):
    """Where a run's spec came from and which feature flags were in force."""

    ref_source: dict[str, object] | None = None
    feature_flags: dict[str, object] | None = None
