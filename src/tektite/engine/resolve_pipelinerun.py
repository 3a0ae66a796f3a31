"""What a PipelineRun runs: its Pipeline fetched (or embedded), checked against the run,
substituted, and each PipelineTask's Task resolved.

Port of the first half of the PipelineRun reconciler's ``reconcile``
(``pkg/reconciler/pipelinerun/pipelinerun.go``) with ``pipelinespec.GetPipelineData``,
``resources/pipelineref.go``, ``resources/pipelinerunresolution.go``
(``ResolvePipelineTask``, the run names), ``resources/validate_params.go`` and
``resources/validate_dependencies.go``. The checks run in Tekton's order and a failure
is a :class:`PipelineRunFailure` carrying the ``Succeeded=False`` reason and message
Tekton sets — ``[User error] `` included where Tekton labels the error as the user's.

Objects come from a :class:`PipelineLookup` (the store, or the objects of a file).
Remote resolution (``resolver:`` on a pipelineRef or taskRef) needs resolver
controllers Tektite does not run: such a reference fails with ``CouldntGetPipeline`` /
``CouldntGetTask`` naming the resolver, unless ``status.pipelineSpec`` (or the TaskRun's
``status.taskSpec``) already holds the spec, which Tekton then uses instead of fetching.

Result references of tasks that have already run are *not* applied here: the caller
(the PipelineRunFacts side) resolves them and applies them with
:func:`tektite.engine.pipeline_apply.apply_task_results` before building TaskRuns.

Pure: nothing here reads files, the network or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast

import msgspec

from tektite.api.config import BETA, Config
from tektite.api.copying import copy_model
from tektite.api.dag import DagError, Graph, build
from tektite.api.defaults.pipeline import default_pipeline_spec
from tektite.api.defaults.runs import default_pipelinerun_spec
from tektite.api.defaults.task import default_task_spec
from tektite.api.errors import FieldError, err_generic, err_invalid_value
from tektite.api.matrix import count_combinations, get_all_params
from tektite.api.models import (
    ChildStatusReference,
    Param,
    ParamSpec,
    ParamValue,
    Pipeline,
    PipelineRun,
    PipelineRunStatus,
    PipelineSpec,
    PipelineTask,
    PipelineWorkspaceDeclaration,
    Task,
    TaskRun,
    TaskSpec,
    param_value_type,
)
from tektite.api.resultref import ResultRef, looks_like_contains_result_refs, new_result_refs
from tektite.api.validation.context import ValidationContext, require_api_fields
from tektite.api.validation.pipeline import (
    get_indexing_references_to_array_params,
    pipeline_task_deps,
    pipeline_task_result_refs,
    validate_pipeline_spec,
)
from tektite.api.variables import (
    VARIABLE_SUBSTITUTION_RE,
    extract_index,
    extract_index_string,
    extract_variables_from_string,
    go_quote,
    param_value_expressions,
    trim_array_index,
)
from tektite.engine.names import child_name, restrict_length
from tektite.engine.pipeline_apply import (
    ParamResolutionError,
    apply_contexts,
    apply_parameters,
    apply_parameters_to_workspace_bindings,
    apply_workspaces,
    embedded_task_spec,
    is_matrixed,
)

__all__ = [
    "COULDNT_GET_PIPELINE",
    "COULDNT_GET_TASK",
    "INVALID_GRAPH",
    "INVALID_MATRIX_PARAMETER_TYPES",
    "INVALID_PARAM_VALUE",
    "INVALID_PIPELINE_RESULT_REFERENCE",
    "INVALID_TASK_RESULT_REFERENCE",
    "INVALID_TASK_RUN_SPECS",
    "INVALID_WORKSPACE_BINDINGS",
    "OBJECT_PARAMETER_MISS_KEYS",
    "PARAMETER_MISSING",
    "PARAMETER_TYPE_MISMATCH",
    "PARAM_ARRAY_INDEXING_INVALID",
    "PIPELINE_LABEL_KEY",
    "PIPELINE_VALIDATION_FAILED",
    "REQUIRED_WORKSPACE_MARKED_OPTIONAL",
    "USER_ERROR",
    "PipelineLookup",
    "PipelineRunFailure",
    "PipelineRunSource",
    "ReferenceNotFoundError",
    "ResolutionCache",
    "ResolvedPipelineRun",
    "ResolvedPipelineTask",
    "ResolvedTask",
    "TaskRunSource",
    "is_custom_task",
    "new_run_names",
    "pipeline_name_label",
    "resolve_pipeline_task",
    "resolve_pipelinerun",
    "run_names",
    "validate_enum_param",
    "validate_object_param_required_keys",
    "validate_optional_workspaces",
    "validate_param_array_index",
    "validate_param_enum_subset",
    "validate_param_types_matching",
    "validate_parameter_types_in_matrix",
    "validate_pipeline_results",
    "validate_pipeline_task_results",
    "validate_required_parameters_provided",
    "validate_resolved_task",
    "validate_task_run_specs",
    "validate_workspace_bindings",
]

COULDNT_GET_PIPELINE = "CouldntGetPipeline"
COULDNT_GET_TASK = "CouldntGetTask"
INVALID_GRAPH = "PipelineInvalidGraph"
PIPELINE_VALIDATION_FAILED = "PipelineValidationFailed"
PARAMETER_MISSING = "ParameterMissing"
PARAMETER_TYPE_MISMATCH = "ParameterTypeMismatch"
INVALID_PARAM_VALUE = "InvalidParamValue"
OBJECT_PARAMETER_MISS_KEYS = "ObjectParameterMissKeys"
PARAM_ARRAY_INDEXING_INVALID = "ParamArrayIndexingInvalid"
INVALID_WORKSPACE_BINDINGS = "InvalidWorkspaceBindings"
INVALID_TASK_RUN_SPECS = "InvalidTaskRunSpecs"
INVALID_TASK_RESULT_REFERENCE = "InvalidTaskResultReference"
INVALID_PIPELINE_RESULT_REFERENCE = "InvalidPipelineResultReference"
REQUIRED_WORKSPACE_MARKED_OPTIONAL = "RequiredWorkspaceMarkedOptional"
INVALID_MATRIX_PARAMETER_TYPES = "InvalidMatrixParameterTypes"

USER_ERROR = "[User error] "
"""Tekton's ``LabelUserError`` prefix: the whole message of a failure caused by the user."""

PIPELINE_LABEL_KEY = "tekton.dev/pipeline"
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_TASK_RUN_KIND = "TaskRun"
_CUSTOM_RUN_KIND = "CustomRun"
_PIPELINE_RUN_KIND = "PipelineRun"


class PipelineLookup(Protocol):
    """Where referenced Pipelines and Tasks are read from (``kind`` is ``"Pipeline"`` or
    ``"Task"``); ``None`` when there is no such object."""

    def get(self, kind: str, namespace: str, name: str) -> object | None:
        """The object, or ``None``."""
        ...


class PipelineRunSource(Protocol):
    """The PipelineRun's child PipelineRuns by name (pipelines in pipelines), as
    :class:`TaskRunSource` gives its TaskRuns."""

    def get(self, name: str, /) -> PipelineRun | None:
        """The child PipelineRun ``name`` of this PipelineRun, or ``None``."""
        ...


class TaskRunSource(Protocol):
    """The PipelineRun's TaskRuns by name (a ``dict`` is one); resolution asks only for
    the names of the runs of each task, as Tekton's reconciler asks its lister."""

    def get(self, name: str, /) -> TaskRun | None:
        """The TaskRun ``name`` of this PipelineRun, or ``None``."""
        ...


class PipelineRunFailure(msgspec.Struct, frozen=True):
    """Why a PipelineRun cannot go on: its ``Succeeded=False`` condition's reason and
    message."""

    reason: str
    message: str


class ResolvedTask(msgspec.Struct, frozen=True):
    """Tekton's ``resources.ResolvedTask``: the (defaulted) spec a PipelineTask runs."""

    task_spec: TaskSpec
    task_name: str = ""
    """The referenced Task's name; ``""`` for an embedded taskSpec."""
    kind: str = ""
    """The taskRef's kind (``Task``); ``""`` for an embedded taskSpec."""


class ResolvedPipelineTask(msgspec.Struct, frozen=True):
    """A PipelineTask with what it runs and the names of its child runs (the resolution
    half of Tekton's ``ResolvedPipelineTask``; the run state lives in PipelineRunFacts)."""

    pipeline_task: PipelineTask
    """As in ``status.pipelineSpec``: params, context and workspaces substituted."""
    is_final: bool = False
    resolved_task: ResolvedTask | None = None
    """``None`` for custom tasks and child pipelines."""
    run_names: list[str] = msgspec.field(default_factory=list)
    """The names of its TaskRuns (CustomRuns, child PipelineRuns): existing ones from
    ``status.childReferences``, else ``<pr>-<task>`` (``-<i>`` per matrix combination)."""
    task_runs: list[TaskRun] = msgspec.field(default_factory=list)
    """Those of its TaskRuns that exist."""
    custom_task: bool = False
    child_pipeline_spec: PipelineSpec | None = None
    """The spec of a child pipeline (pipelines-in-pipelines, alpha)."""
    child_pipeline_name: str = ""
    """The referenced child Pipeline's name (``ResolvedPipeline.PipelineName``); ``""``
    for an embedded pipelineSpec."""
    child_pipeline_runs: list[PipelineRun] = msgspec.field(default_factory=list)
    """Those of its child PipelineRuns that exist."""

    @property
    def is_child_pipeline(self) -> bool:
        """Whether the task runs a Pipeline (``pipelineRef``/``pipelineSpec``)."""
        return _is_child_pipeline(self.pipeline_task)


class ResolvedPipelineRun(msgspec.Struct, frozen=True):
    """Everything resolution decides, ready for PipelineRunFacts and TaskRun creation."""

    pipeline_run: PipelineRun
    """The run as the reconciler holds it afterwards: defaulted, labels and annotations
    merged with the Pipeline's (``tekton.dev/pipeline`` set), workspace bindings with
    params substituted and ``status.pipelineSpec`` set."""
    pipeline_name: str
    pipeline_namespace: str
    pipeline_spec: PipelineSpec
    """``status.pipelineSpec``: params, context and ``workspaces.*.bound`` substituted."""
    tasks: list[ResolvedPipelineTask]
    """Tasks already started first, then the others (Tekton's state order)."""
    tasks_graph: Graph
    finally_graph: Graph

    def task(self, name: str) -> ResolvedPipelineTask | None:
        """The resolved task named ``name``, if any."""
        return next((t for t in self.tasks if t.pipeline_task.name == name), None)


class _Failed(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.failure = PipelineRunFailure(reason, message)


def _user(reason: str, message: str) -> _Failed:
    return _Failed(reason, USER_ERROR + message)


def _go_list(items: Sequence[str]) -> str:
    """Go's ``%v`` / ``%s`` of a ``[]string``."""
    return "[" + " ".join(items) + "]"


def _go_map_of_lists(m: Mapping[str, Sequence[str]]) -> str:
    """Go's ``%v`` of a ``map[string][]string`` (keys sorted, as fmt prints maps)."""
    return "map[" + " ".join(f"{k}:{_go_list(m[k])}" for k in sorted(m)) + "]"


def _no_resolver(resolver: str) -> str:
    return (
        f"resolver {go_quote(resolver)} is not available: Tektite resolves references by "
        "name only, from its own objects; remote resolution is not supported"
    )


def _is_child_pipeline(pt: PipelineTask) -> bool:
    return pt.pipeline_spec is not None or pt.pipeline_ref is not None


def is_custom_task(pt: PipelineTask) -> bool:
    """Tekton's ``TaskRef.IsCustomTask() || EmbeddedTask.IsCustomTask()``: a ref or spec
    with both ``apiVersion`` and ``kind``."""
    ref, spec = pt.task_ref, pt.task_spec
    return bool(ref is not None and ref.api_version and ref.kind) or bool(
        spec is not None and spec.api_version and spec.kind
    )


# -- names ----------------------------------------------------------------------------------


def new_run_names(pipeline_task: str, pipeline_run: str, count: int) -> list[str]:
    """Tekton's ``getNewRunNames``: ``<pr>-<task>`` for a single run, else
    ``<pr>-<task>-<i>``, shortened (kmeta.ChildName) so the index always survives."""
    if count == 1:
        return [child_name(pipeline_run, f"-{pipeline_task}")]
    names = []
    for i in range(count):
        name = child_name(pipeline_run, f"-{pipeline_task}-{i}")
        if not name.endswith(f"-{i}"):
            longest = 63 - len(f"-{count}")
            name = f"{child_name(pipeline_run, f'-{pipeline_task}')[:longest]}-{i}"
        names.append(name)
    return names


def run_names(
    child_refs: Sequence[ChildStatusReference] | None,
    pipeline_task: str,
    pipeline_run: str,
    count: int,
    kind: str = _TASK_RUN_KIND,
) -> list[str]:
    """Tekton's ``GetNamesOfTaskRuns`` (``getNamesOfCustomRuns``,
    ``GetNamesOfChildPipelineRuns`` with ``kind``): the names already recorded in
    ``status.childReferences`` for the task, else :func:`new_run_names`."""
    known = [
        ref.name
        for ref in child_refs or ()
        if ref.kind == kind and ref.pipeline_task_name == pipeline_task
    ]
    return known or new_run_names(pipeline_task, pipeline_run, count)


# -- labels -----------------------------------------------------------------------------------


def pipeline_name_label(pr: PipelineRun) -> str | None:
    """The ``tekton.dev/pipeline`` label ``propagatePipelineNameLabelToPipelineRun`` gives
    a run that has none (``None`` when it already has one, or names no pipeline)."""
    if PIPELINE_LABEL_KEY in pr.metadata.labels:
        return None
    ref, spec = pr.spec.pipeline_ref, pr.spec.pipeline_spec
    if ref is not None and ref.name:
        return ref.name
    if spec is not None:
        if pr.metadata.generate_name:
            # A stable value for all runs of one anonymous pipeline.
            return restrict_length(pr.metadata.generate_name) or pr.metadata.name
        return pr.metadata.name
    if ref is not None and ref.resolver:
        values = {p.name: p.value for p in ref.params or ()}
        if values.get("kind") == "pipeline":
            name = values.get("name")
            return name if isinstance(name, str) else ""
        return pr.metadata.name
    return None


def _merge_metadata(pr: PipelineRun, pipeline_meta: Any, generate_name: str) -> None:
    """Tekton's ``storePipelineSpecAndMergeMeta`` (first reconcile): the Pipeline's labels
    and annotations under the run's, and ``tekton.dev/pipeline`` named after it."""
    labels = {**pipeline_meta.labels, **pr.metadata.labels}
    if pipeline_meta.name and (not labels.get(PIPELINE_LABEL_KEY) or not generate_name):
        labels[PIPELINE_LABEL_KEY] = pipeline_meta.name
    annotations = {k: v for k, v in pipeline_meta.annotations.items() if k != _LAST_APPLIED}
    pr.metadata.labels = labels
    pr.metadata.annotations = {**annotations, **pr.metadata.annotations}


# -- fetching ---------------------------------------------------------------------------------


class _PipelineData(msgspec.Struct):
    name: str
    namespace: str
    spec: PipelineSpec


def _fetch_pipeline(pr: PipelineRun, lookup: PipelineLookup) -> _PipelineData:
    """``GetPipelineData`` with ``GetPipelineFunc`` (status.pipelineSpec, then local)."""
    ref, namespace = pr.spec.pipeline_ref, pr.metadata.namespace
    stored = pr.status.pipeline_spec if pr.status is not None else None
    prefix = f"Error retrieving pipeline for pipelinerun {namespace}/{pr.metadata.name}: "
    if ref is not None and ref.name:
        if stored is not None:
            return _PipelineData(ref.name, namespace, copy_model(stored))
        if ref.resolver:
            raise _Failed(COULDNT_GET_PIPELINE, prefix + _no_resolver(ref.resolver))
        cause = f"error when getting Pipeline for PipelineRun {pr.metadata.name}: "
        if not namespace:
            cause += f"must specify namespace to resolve reference to pipeline {ref.name}"
            raise _Failed(COULDNT_GET_PIPELINE, prefix + cause)
        pipeline = lookup.get("Pipeline", namespace, ref.name)
        if not isinstance(pipeline, Pipeline):
            cause += (
                f"tekton client cannot get pipeline {ref.name} from local cluster: "
                f"pipelines.tekton.dev {go_quote(ref.name)} not found"
            )
            raise _Failed(COULDNT_GET_PIPELINE, prefix + cause)
        pipeline = copy_model(pipeline)
        if stored is None:
            _merge_metadata(pr, pipeline.metadata, pipeline.metadata.generate_name)
        return _PipelineData(
            pipeline.metadata.name, pipeline.metadata.namespace or namespace, pipeline.spec
        )
    if pr.spec.pipeline_spec is not None:
        if stored is None:
            _merge_metadata(pr, pr.metadata, pr.metadata.generate_name)
        return _PipelineData(pr.metadata.name, namespace, copy_model(pr.spec.pipeline_spec))
    if ref is not None and ref.resolver:
        if stored is not None:
            return _PipelineData("", namespace, copy_model(stored))
        raise _Failed(COULDNT_GET_PIPELINE, prefix + _no_resolver(ref.resolver))
    raise _Failed(
        COULDNT_GET_PIPELINE,
        prefix + f"pipelineRun {pr.metadata.name} not providing PipelineRef or PipelineSpec",
    )


class ReferenceNotFoundError(LookupError):
    """A referenced Task or child Pipeline cannot be had (Tekton's ``TaskNotFoundError`` /
    ``PipelineNotFoundError``); ``str()`` is Tekton's text."""

    def __init__(self, kind: str, name: str, cause: str) -> None:
        super().__init__(f"Couldn't retrieve {kind} {go_quote(name)}: {cause}")


def _error_log_name(resolver: str, params: Sequence[Param] | None) -> str:
    """Tekton's ``GenerateErrorLogString``: how a nameless remote ref is named in errors."""
    text = f"resolver type {resolver}\n"
    for p in params or ():
        value = p.value
        if p.name == "name":
            shown = value if isinstance(value, str) else msgspec.json.encode(value).decode()
            text += f"name = {shown}\n"
        if p.name == "url":
            text += f"url = {value if isinstance(value, str) else ''}\n"
    return text


def _fetch_task(
    pt: PipelineTask, namespace: str, lookup: PipelineLookup, *, clone: bool = True
) -> Task:
    ref = pt.task_ref
    assert ref is not None
    name = ref.name if ref.name.strip() else _error_log_name(ref.resolver, ref.params)
    if ref.resolver:
        raise ReferenceNotFoundError("Task", name, _no_resolver(ref.resolver))
    if not namespace:
        raise ReferenceNotFoundError(
            "Task", name, f"must specify namespace to resolve reference to task {ref.name}"
        )
    if not ref.name:
        raise ReferenceNotFoundError("Task", name, "resource name may not be empty")
    task = lookup.get("Task", namespace, ref.name)
    if not isinstance(task, Task):
        raise ReferenceNotFoundError(
            "Task", name, f"tasks.tekton.dev {go_quote(ref.name)} not found"
        )
    return copy_model(task) if clone else task


def _resolve_task(
    pt: PipelineTask, task_run: TaskRun | None, namespace: str, lookup: PipelineLookup
) -> ResolvedTask:
    """Tekton's ``resolveTask`` (defaults applied by the caller)."""
    if pt.task_ref is not None:
        stored = task_run.status.task_spec if task_run and task_run.status else None
        if stored is not None:
            # The spec the TaskRun recorded is the source of truth once it exists.
            return ResolvedTask(copy_model(stored), pt.task_ref.name, pt.task_ref.kind)
        task = _fetch_task(pt, namespace, lookup)
        return ResolvedTask(task.spec, task.metadata.name, pt.task_ref.kind)
    if pt.task_spec is not None:
        return ResolvedTask(embedded_task_spec(pt.task_spec))
    raise ValueError(
        f"PipelineTask {go_quote(pt.name)} must specify one of TaskRef, TaskSpec, "
        "PipelineRef, or PipelineSpec"
    )


def _resolve_child_pipeline(
    pt: PipelineTask, namespace: str, lookup: PipelineLookup
) -> tuple[PipelineSpec, str]:
    """The child pipeline's spec and, for a pipelineRef, the Pipeline's name."""
    if pt.pipeline_spec is not None:
        return pt.pipeline_spec, ""
    ref = pt.pipeline_ref
    assert ref is not None
    name = ref.name if ref.name.strip() else _error_log_name(ref.resolver, ref.params)
    if ref.resolver:
        raise ReferenceNotFoundError("Pipeline", name, _no_resolver(ref.resolver))
    if not namespace:
        cause = f"must specify namespace to resolve reference to pipeline {ref.name}"
        raise ReferenceNotFoundError("Pipeline", name, cause)
    pipeline = lookup.get("Pipeline", namespace, ref.name)
    if not isinstance(pipeline, Pipeline):
        cause = (
            f"tekton client cannot get pipeline {ref.name} from local cluster: "
            f"pipelines.tekton.dev {go_quote(ref.name)} not found"
        )
        raise ReferenceNotFoundError("Pipeline", name, cause)
    return copy_model(pipeline.spec), pipeline.metadata.name


def resolve_pipeline_task(
    pt: PipelineTask,
    pr: PipelineRun,
    lookup: PipelineLookup,
    config: Config,
    *,
    task_runs: TaskRunSource | None = None,
    is_final: bool = False,
    memo: dict[tuple[str, ...], ResolvedTask] | None = None,
    own_refs: Sequence[ChildStatusReference] | None = None,
    pipeline_runs: PipelineRunSource | None = None,
) -> ResolvedPipelineTask:
    """Tekton's ``ResolvePipelineTask`` without the result references (see the module
    docstring): the run names, the existing TaskRuns (``task_runs`` by name) and the
    defaulted TaskSpec. Raises :class:`ReferenceNotFoundError` (missing Task or child
    Pipeline) or ``ValueError`` (a task with nothing to run). With ``memo``, resolved
    specs are shared between calls while their source is unchanged (treat them as
    read-only). ``own_refs``, when given, are the run's ``childReferences`` of this
    task (the caller grouped them once for all tasks). A child pipeline's existing
    PipelineRuns are read from ``pipeline_runs`` by name."""
    if own_refs is not None:
        child_refs: Sequence[ChildStatusReference] | None = own_refs
    else:
        child_refs = pr.status.child_references if pr.status is not None else None
    count = count_combinations(pt.matrix) if is_matrixed(pt) else 1
    namespace = pr.metadata.namespace
    if _is_child_pipeline(pt):
        names = run_names(child_refs, pt.name, pr.metadata.name, count, _PIPELINE_RUN_KIND)
        # setChildPipelineRunsAndResolvedPipeline: the existing runs, then the Pipeline.
        runs = [pipeline_runs.get(name) if pipeline_runs is not None else None for name in names]
        spec, pipeline_name = _resolve_child_pipeline(pt, namespace, lookup)
        return ResolvedPipelineTask(
            pt,
            is_final,
            None,
            names,
            child_pipeline_spec=spec,
            child_pipeline_name=pipeline_name,
            child_pipeline_runs=[r for r in runs if r is not None],
        )
    if is_custom_task(pt):
        names = run_names(child_refs, pt.name, pr.metadata.name, count, _CUSTOM_RUN_KIND)
        return ResolvedPipelineTask(pt, is_final, None, names, custom_task=True)
    names = run_names(child_refs, pt.name, pr.metadata.name, count)
    existing = [task_runs.get(name) if task_runs is not None else None for name in names]
    found = [tr for tr in existing if tr is not None]
    # Tekton resolves once per run name, the last one winning.
    last = existing[-1] if existing else None
    if memo is None:
        resolved = _resolve_task(pt, last, namespace, lookup)
        default_task_spec(resolved.task_spec, config)
    else:
        resolved = _memoized_task(pt, last, namespace, lookup, config, memo)
    return ResolvedPipelineTask(pt, is_final, resolved, names, found)


def _refs_by_task(
    refs: Sequence[ChildStatusReference],
) -> dict[str, list[ChildStatusReference]]:
    """``childReferences`` grouped by pipeline task."""
    grouped: dict[str, list[ChildStatusReference]] = {}
    for ref in refs:
        grouped.setdefault(ref.pipeline_task_name, []).append(ref)
    return grouped


def _memoized_task(
    pt: PipelineTask,
    task_run: TaskRun | None,
    namespace: str,
    lookup: PipelineLookup,
    config: Config,
    memo: dict[tuple[str, ...], ResolvedTask],
) -> ResolvedTask:
    """:func:`_resolve_task` and the defaults, reused while their source is unchanged:
    the TaskRun's recorded spec (by content), the referenced Task (by uid and
    resourceVersion), or the embedded spec of this PipelineTask."""
    key: tuple[str, ...]
    task: Task | None = None
    if pt.task_ref is not None:
        stored = task_run.status.task_spec if task_run and task_run.status else None
        if stored is not None:
            key = (
                "stored",
                pt.task_ref.name,
                pt.task_ref.kind,
                msgspec.json.encode(stored).decode(),
            )
        else:
            task = _fetch_task(pt, namespace, lookup, clone=False)
            meta = task.metadata
            key = ("task", pt.task_ref.kind, meta.name, meta.uid, meta.resource_version)
    else:
        key = ("embedded", pt.name)
    resolved = memo.get(key)
    if resolved is None:
        if task is not None:
            resolved = ResolvedTask(
                copy_model(task.spec), task.metadata.name, pt.task_ref.kind if pt.task_ref else ""
            )
        else:
            resolved = _resolve_task(pt, task_run, namespace, lookup)
        default_task_spec(resolved.task_spec, config)
        memo[key] = resolved
    return resolved


# -- checks of the run against the Pipeline ---------------------------------------------------


def validate_required_parameters_provided(
    specs: Sequence[ParamSpec] | None, params: Sequence[Param] | None
) -> str | None:
    """Tekton's ``ValidateRequiredParametersProvided``: params without a default must be
    given by the PipelineRun."""
    provided = {p.name for p in params or ()}
    missing = [s.name for s in specs or () if s.default is None and s.name not in provided]
    if missing:
        return f"pipelineRun missing parameters: {_go_list(missing)}"
    return None


def validate_param_types_matching(
    specs: Sequence[ParamSpec] | None, params: Sequence[Param] | None
) -> str | None:
    """Tekton's ``ValidateParamTypesMatching``: a PipelineRun value must have the type the
    Pipeline declares."""
    types = {s.name: s.type for s in specs or ()}
    wrong = [
        p.name
        for p in params or ()
        if p.name in types and param_value_type(cast(ParamValue, p.value)) != types[p.name]
    ]
    if wrong:
        return f"parameters have inconsistent types : {_go_list(wrong)}"
    return None


def validate_enum_param(
    params: Sequence[Param] | None, specs: Sequence[ParamSpec] | None
) -> str | None:
    """Tekton's ``ValidateEnumParam``: a non-empty string value must be in the enum."""
    enums = {s.name: s.enum for s in specs or () if s.enum}
    for p in params or ():
        if not isinstance(p.value, str) or p.value == "":
            continue
        allowed = enums.get(p.name)
        if allowed is not None and p.value not in allowed:
            return f"param `{p.name}` value: {p.value} is not in the enum list"
    return None


def _missing_object_keys(
    specs: Sequence[ParamSpec] | None, params: Sequence[Param] | None
) -> dict[str, list[str]]:
    """Tekton's ``MissingKeysObjectParamNames``."""
    needed: dict[str, list[str]] = {}
    provided: dict[str, list[str]] = {}
    for s in specs or ():
        if s.type != "object":
            continue
        if s.properties:
            needed[s.name] = list(s.properties)
        if isinstance(s.default, dict):
            provided.setdefault(s.name, []).extend(s.default)
    for p in params or ():
        if isinstance(p.value, dict):
            provided.setdefault(p.name, []).extend(p.value)
    out: dict[str, list[str]] = {}
    for name, keys in provided.items():
        if name in needed:
            missed = [k for k in needed[name] if k not in keys]
            if missed:
                out[name] = missed
    return out


def validate_object_param_required_keys(
    specs: Sequence[ParamSpec] | None, params: Sequence[Param] | None
) -> str | None:
    """Tekton's ``ValidateObjectParamRequiredKeys``."""
    missing = _missing_object_keys(specs, params)
    if missing:
        return f"pipelineRun missing object keys for parameters: {_go_map_of_lists(missing)}"
    return None


def validate_param_array_index(spec: PipelineSpec, params: Sequence[Param] | None) -> str | None:
    """Tekton's ``ValidateParamArrayIndex``: ``$(params.a[i])`` past the end of the array
    (the PipelineRun's value, else the default)."""
    lengths = {s.name: len(s.default) for s in spec.params or () if isinstance(s.default, list)}
    lengths.update({p.name: len(p.value) for p in params or () if isinstance(p.value, list)})
    out_of_bounds = set()
    for ref in get_indexing_references_to_array_params(spec):
        try:
            index = extract_index(extract_index_string(ref))
        except ValueError:
            index = 0
        names, _, _ = extract_variables_from_string(trim_array_index(ref), "params")
        length = lengths.get(names[0]) if names else None
        if length is not None and index >= length:
            out_of_bounds.add(ref)
    if out_of_bounds:
        return f"non-existent param references:{_go_list(sorted(out_of_bounds))}"
    return None


def validate_workspace_bindings(spec: PipelineSpec, pr: PipelineRun) -> str | None:
    """Tekton's ``ValidateWorkspaceBindings``: every required pipeline workspace is bound."""
    bound = {b.name for b in pr.spec.workspaces or ()}
    for ws in spec.workspaces or ():
        if not ws.optional and ws.name not in bound:
            return (
                f"pipeline requires workspace with name {go_quote(ws.name)} be provided by "
                "pipelinerun"
            )
    return None


def validate_task_run_specs(spec: PipelineSpec, pr: PipelineRun) -> str | None:
    """Tekton's ``ValidateTaskRunSpecs``: taskRunSpecs must name tasks of the Pipeline."""
    names = {pt.name for pt in (*(spec.tasks or ()), *(spec.finally_ or ()))}
    for trs in pr.spec.task_run_specs or ():
        if trs.pipeline_task_name not in names:
            return (
                "pipelineRun's taskrunSpecs defined wrong taskName: "
                f"{go_quote(trs.pipeline_task_name)}, does not exist in Pipeline"
            )
    return None


def _validate_on_error(pt: PipelineTask, ctx: ValidationContext) -> FieldError:
    """Tekton's ``PipelineTask.ValidateOnError`` (``isParamRefs`` values are skipped)."""
    if not pt.on_error or pt.on_error.startswith("$(params"):
        return FieldError()
    errs = require_api_fields(ctx, "OnError", BETA)
    if pt.on_error not in ("continue", "stopAndFail"):
        errs = errs.also(
            err_invalid_value(
                pt.on_error,
                "OnError",
                'PipelineTask OnError must be either "continue" or "stopAndFail"',
            )
        )
    if pt.on_error == "continue" and pt.retries > 0:
        errs = errs.also(
            err_generic(
                'PipelineTask OnError cannot be set to "continue" when Retries is greater than 0'
            )
        )
    return errs


# -- checks against the resolved tasks ----------------------------------------------------------


def _param_errors(
    specs: Sequence[ParamSpec] | None, params: Sequence[Param], matrix_params: Sequence[Param]
) -> str | None:
    """Tekton's ``validateParams`` (``pkg/reconciler/taskrun``) with matrix params."""
    if specs is None:
        return None
    provided = {p.name for p in (*params, *matrix_params)}
    missing = [s.name for s in specs if s.name not in provided and s.default is None]
    if missing:
        return f"missing values for these params which have no default values: {_go_list(missing)}"
    types = {s.name: s.type for s in specs}
    wrong = []
    for p in params:
        want = types.get(p.name)
        if want is None:
            continue  # extra params are ignored
        value = cast(ParamValue, p.value)
        got = param_value_type(value)
        # "$(tasks.t.results.r[*])" passed as a string turns into an array later.
        if (
            got == "string"
            and want in ("array", "object")
            and VARIABLE_SUBSTITUTION_RE.search(cast(str, value))
        ):
            continue
        if got != want:
            wrong.append(p.name)
    wrong += [p.name for p in matrix_params if p.name in types and types[p.name] != "string"]
    if wrong:
        return f"param types don't match the user-specified type: {_go_list(wrong)}"
    missing_keys = _missing_object_keys(specs, params)
    if missing_keys:
        return (
            "missing keys for these params which are required in ParamSpec's properties "
            + _go_map_of_lists(missing_keys)
        )
    return None


def validate_resolved_task(pt: PipelineTask, resolved: ResolvedTask) -> str | None:
    """Tekton's ``ValidateResolvedTask``: the task's params (and matrix params) against
    the resolved Task's declarations."""
    error = _param_errors(
        resolved.task_spec.params, list(pt.params or ()), get_all_params(pt.matrix)
    )
    if error:
        return f"invalid input params for task {resolved.task_name}: {error}"
    return None


def validate_param_enum_subset(
    params: Sequence[Param] | None, pipeline_params: Sequence[ParamSpec] | None, rt: ResolvedTask
) -> str | None:
    """Tekton's ``ValidateParamEnumSubset``: a pipeline param passed whole to a task param
    with an enum must have an enum that is a subset of the task's."""
    by_name = {s.name: s for s in pipeline_params or ()}
    task_specs = {s.name: s for s in rt.task_spec.params or ()}
    for p in params or ():
        value = p.value if isinstance(p.value, str) else ""
        names, present, error = extract_variables_from_string(value, "params")
        if error:
            return f"unexpected error in ExtractVariablesFromString: {error}"
        if not present or len(names) > 1:
            continue
        pipeline_param = by_name.get(trim_array_index(names[0]))
        task_param = task_specs.get(p.name)
        task_enum = (task_param.enum if task_param else None) or []
        # Tekton returns (does not continue) here: later params are not checked.
        if pipeline_param is None or pipeline_param.type != "string" or not task_enum:
            return None
        pipeline_enum = pipeline_param.enum or []
        if not pipeline_enum:
            return (
                f'pipeline param "{pipeline_param.name}" has no enum, but referenced in '
                f'"{rt.task_name}" task has enums: {_go_list(task_enum)}'
            )
        if not set(pipeline_enum) <= set(task_enum):
            return (
                f'pipeline param "{pipeline_param.name}" enum: {_go_list(pipeline_enum)} is not '
                f'a subset of the referenced in "{rt.task_name}" task param enum: '
                f"{_go_list(task_enum)}"
            )
    return None


def _result_ref_error(ref: ResultRef, by_name: Mapping[str, ResolvedPipelineTask]) -> str | None:
    """Tekton's ``validateResultRef``."""
    target = by_name.get(ref.pipeline_task)
    if target is None:
        return f"referenced pipeline task {go_quote(ref.pipeline_task)} does not exist"
    if target.custom_task:
        return None  # a custom task's results are only known once it runs
    if target.resolved_task is None:
        return (
            f"unable to validate result referencing pipeline task {go_quote(ref.pipeline_task)}:"
            " task spec not found"
        )
    if not any(r.name == ref.result for r in target.resolved_task.task_spec.results or ()):
        return (
            f"{go_quote(ref.result)} is not a named result returned by pipeline task "
            f"{go_quote(ref.pipeline_task)}"
        )
    return None


def validate_pipeline_task_results(tasks: Sequence[ResolvedPipelineTask]) -> str | None:
    """Tekton's ``ValidatePipelineTaskResults``: every referenced result is declared by
    the referenced task's resolved spec."""
    by_name = {t.pipeline_task.name: t for t in tasks}
    for t in tasks:
        for ref in pipeline_task_result_refs(t.pipeline_task):
            error = _result_ref_error(ref, by_name)
            if error:
                return (
                    f"invalid result reference in pipeline task {go_quote(t.pipeline_task.name)}:"
                    f" {error}"
                )
    return None


def validate_pipeline_results(
    spec: PipelineSpec, tasks: Sequence[ResolvedPipelineTask]
) -> str | None:
    """Tekton's ``ValidatePipelineResults``: the same check for pipeline results."""
    by_name = {t.pipeline_task.name: t for t in tasks}
    for result in spec.results or ():
        refs = new_result_refs(param_value_expressions(cast(ParamValue, result.value)))
        for ref in refs:
            error = _result_ref_error(ref, by_name)
            if error:
                return f"invalid pipeline result {go_quote(result.name)}: {error}"
    return None


def validate_optional_workspaces(
    workspaces: Sequence[PipelineWorkspaceDeclaration] | None,
    tasks: Sequence[ResolvedPipelineTask],
) -> str | None:
    """Tekton's ``ValidateOptionalWorkspaces``: an optional pipeline workspace may only go
    to task workspaces that are optional too."""
    optional = {ws.name for ws in workspaces or () if ws.optional}
    for t in tasks:
        for binding in t.pipeline_task.workspaces or ():
            if t.resolved_task is None or binding.workspace not in optional:
                continue
            for declared in t.resolved_task.task_spec.workspaces or ():
                if declared.name == binding.name and not declared.optional:
                    return (
                        f"pipeline workspace {go_quote(binding.workspace)} is marked optional "
                        f"but pipeline task {go_quote(t.pipeline_task.name)} requires it be "
                        "provided"
                    )
    return None


def validate_parameter_types_in_matrix(tasks: Sequence[PipelineTask]) -> str | None:
    """Tekton's ``ValidateParameterTypesInMatrix``, after results are applied: include
    params must be strings, matrix params arrays (or still hold result references)."""
    for pt in tasks:
        matrix = pt.matrix
        if matrix is None:
            continue
        for include in matrix.include or ():
            for p in include.params or ():
                kind = param_value_type(cast(ParamValue, p.value))
                if kind != "string":
                    return (
                        f'parameters of type string only are allowed, but param "{p.name}" has '
                        f'type "{kind}" in pipelineTask "{pt.name}"'
                    )
        for p in matrix.params or ():
            value = cast(ParamValue, p.value)
            kind = param_value_type(value)
            if kind == "array":
                continue
            if looks_like_contains_result_refs(param_value_expressions(value)):
                continue
            return (
                f'parameters of type array only are allowed, but param "{p.name}" has '
                f'type "{kind}" in pipelineTask "{pt.name}"'
            )
    return None


# -- entry point --------------------------------------------------------------------------------


class _DagNode(msgspec.Struct, frozen=True):
    name: str
    dependencies: tuple[str, ...]

    def deps(self) -> tuple[str, ...]:
        return self.dependencies


def _graphs(spec: PipelineSpec, namespace: str, name: str) -> tuple[Graph, Graph]:
    prefix = f"PipelineRun {namespace}/{name}'s Pipeline DAG is invalid"
    tasks = [_DagNode(pt.name, tuple(pipeline_task_deps(pt))) for pt in spec.tasks or ()]
    try:
        tasks_graph = build(tasks)
    except DagError as err:
        raise _user(INVALID_GRAPH, f"{prefix}: {err.message}") from None
    final = [_DagNode(pt.name, ()) for pt in spec.finally_ or ()]
    try:
        finally_graph = build(final, {})
    except DagError as err:
        raise _user(INVALID_GRAPH, f"{prefix} for finally clause: {err.message}") from None
    return tasks_graph, finally_graph


def _validate_run(pr: PipelineRun, data: _PipelineData, config: Config) -> None:
    """The checks between fetching the spec and substituting it, in Tekton's order."""
    spec, params = data.spec, pr.spec.params
    ns, name = pr.metadata.namespace, pr.metadata.name
    pipeline = f"{ns}/{data.name}"
    errs = validate_pipeline_spec(spec, ValidationContext(config=config))
    if errs:
        raise _user(
            PIPELINE_VALIDATION_FAILED,
            f"Pipeline {data.namespace}/{data.name} can't be Run; it has an invalid spec: {errs}",
        )
    error = validate_required_parameters_provided(spec.params, params)
    if error:
        raise _user(
            PARAMETER_MISSING,
            f"PipelineRun {ns}/{name} is missing some parameters required by Pipeline "
            f"{pipeline}: {error}",
        )
    error = validate_param_types_matching(spec.params, params)
    if error:
        raise _user(
            PARAMETER_TYPE_MISMATCH,
            f"PipelineRun {ns}/{name} parameters have mismatching types with Pipeline "
            f"{pipeline}'s parameters: {error}",
        )
    if config.features.enable_param_enum:
        error = validate_enum_param(params, spec.params)
        if error:
            raise _user(
                INVALID_PARAM_VALUE,
                f"PipelineRun {ns}/{name} parameters have invalid value: {error}",
            )
    error = validate_object_param_required_keys(spec.params, params)
    if error:
        raise _user(
            OBJECT_PARAMETER_MISS_KEYS,
            f"PipelineRun {ns}/{name} parameters is missing object keys required by Pipeline "
            f"{pipeline}'s parameters: {error}",
        )
    error = validate_param_array_index(spec, params)
    if error:
        raise _user(
            PARAM_ARRAY_INDEXING_INVALID,
            f"PipelineRun {ns}/{name} failed validation: failed to validate Pipeline "
            f"{pipeline}'s parameter which has an invalid index while referring to an array: "
            f"{error}",
        )
    error = validate_workspace_bindings(spec, pr)
    if error:
        raise _user(
            INVALID_WORKSPACE_BINDINGS,
            f"PipelineRun {ns}/{name} doesn't bind Pipeline {pipeline}'s Workspaces "
            f"correctly: {error}",
        )
    error = validate_task_run_specs(spec, pr)
    if error:
        raise _user(
            INVALID_TASK_RUN_SPECS,
            f"PipelineRun {ns}/{name} doesn't define taskRunSpecs correctly: {error}",
        )


def _substitute(pr: PipelineRun, data: _PipelineData, config: Config) -> PipelineSpec:
    """Params, context and workspaces, then the re-check of substituted onError values."""
    try:
        spec = apply_parameters(data.spec, pr)
    except ParamResolutionError as err:
        raise _user(
            PIPELINE_VALIDATION_FAILED,
            f"Failed to apply parameters to Pipeline {pr.metadata.namespace}/{data.name}: {err}",
        ) from None
    spec = apply_contexts(spec, data.name, pr)
    spec = apply_workspaces(spec, pr)
    ctx = ValidationContext(config=config)
    errs = FieldError()
    for pt in (*(spec.tasks or ()), *(spec.finally_ or ())):
        errs = errs.also(_validate_on_error(pt, ctx))
    if errs:
        raise _user(
            PIPELINE_VALIDATION_FAILED,
            f"Pipeline {data.namespace}/{data.name} can't be Run; it has an invalid spec: {errs}",
        )
    return spec


def _resolve_tasks(
    pr: PipelineRun,
    spec: PipelineSpec,
    data: _PipelineData,
    lookup: PipelineLookup,
    config: Config,
    task_runs: TaskRunSource | None,
    memo: dict[tuple[str, ...], ResolvedTask] | None = None,
    pipeline_runs: PipelineRunSource | None = None,
) -> list[ResolvedPipelineTask]:
    """Resolve tasks already started first, then the others, as Tekton's two passes."""
    child_refs = pr.status.child_references if pr.status is not None else None
    started = {ref.pipeline_task_name for ref in child_refs or ()}
    by_task = _refs_by_task(child_refs or ())
    entries = [(pt, False) for pt in spec.tasks or ()] + [(pt, True) for pt in spec.finally_ or ()]
    ordered = [e for e in entries if e[0].name in started]
    ordered += [e for e in entries if e[0].name not in started]
    out = []
    for pt, is_final in ordered:
        try:
            out.append(
                resolve_pipeline_task(
                    pt,
                    pr,
                    lookup,
                    config,
                    task_runs=task_runs,
                    is_final=is_final,
                    memo=memo,
                    own_refs=by_task.get(pt.name, ()),
                    pipeline_runs=pipeline_runs,
                )
            )
        except ReferenceNotFoundError as err:
            what = "child Pipelines" if _is_child_pipeline(pt) else "Tasks"
            reason = COULDNT_GET_PIPELINE if _is_child_pipeline(pt) else COULDNT_GET_TASK
            raise _Failed(
                reason,
                f"Pipeline {data.namespace}/{data.name} can't be Run; it contains {what} that "
                f"don't exist: {err}",
            ) from None
        except ValueError as err:
            raise _user(
                PIPELINE_VALIDATION_FAILED,
                f"PipelineRun {data.namespace}/{pr.metadata.name} can't be Run; couldn't "
                f"resolve all references: {err}",
            ) from None
    return out


def _validate_resolved(
    pr: PipelineRun,
    original: PipelineSpec,
    spec: PipelineSpec,
    tasks: Sequence[ResolvedPipelineTask],
    config: Config,
) -> None:
    originals = [*(original.tasks or ()), *(original.finally_ or ())]
    for i, t in enumerate(tasks):
        if t.resolved_task is None:
            continue
        error = validate_resolved_task(t.pipeline_task, t.resolved_task)
        if error:
            raise _user(
                PIPELINE_VALIDATION_FAILED,
                f"Validation failed for pipelinerun {pr.metadata.name} with error {error}",
            )
        if config.features.enable_param_enum and i < len(originals):
            # Tekton indexes the original tasks by the state's position, as here.
            error = validate_param_enum_subset(originals[i].params, spec.params, t.resolved_task)
            if error:
                raise _user(
                    PIPELINE_VALIDATION_FAILED,
                    f"Validation failed for pipelinerun with error {error}",
                )


def _validate_before_first_run(
    pr: PipelineRun, spec: PipelineSpec, tasks: Sequence[ResolvedPipelineTask]
) -> None:
    error = validate_pipeline_task_results(tasks)
    if error:
        raise _Failed(INVALID_TASK_RESULT_REFERENCE, error)
    error = validate_pipeline_results(spec, tasks)
    if error:
        raise _Failed(
            INVALID_PIPELINE_RESULT_REFERENCE,
            f"Failed to resolve pipeline result reference for {go_quote(pr.metadata.name)} "
            f"with error {error}",
        )
    error = validate_optional_workspaces(spec.workspaces, tasks)
    if error:
        raise _user(
            REQUIRED_WORKSPACE_MARKED_OPTIONAL, f"Optional workspace not supported by task: {error}"
        )


def _is_before_first_run(pr: PipelineRun, tasks: Sequence[ResolvedPipelineTask]) -> bool:
    """Tekton's ``IsBeforeFirstTaskRun``. CustomRuns and child PipelineRuns are not fetched
    here: any recorded in ``status.childReferences`` counts as started."""
    if any(t.task_runs or t.child_pipeline_runs for t in tasks):
        return False
    child_refs = pr.status.child_references if pr.status is not None else None
    return not any(ref.kind != _TASK_RUN_KIND for ref in child_refs or ())


class _RunStage(msgspec.Struct, frozen=True):
    """What resolution decides from the PipelineRun and its Pipeline alone."""

    pipeline_run: PipelineRun
    data: _PipelineData
    original: PipelineSpec
    spec: PipelineSpec
    tasks_graph: Graph
    finally_graph: Graph


class ResolutionCache(msgspec.Struct):
    """What :func:`resolve_pipelinerun` may reuse from an earlier pass over the same
    PipelineRun, so that a pass per child TaskRun event does not redo the work.

    The run-level part (defaults, the Pipeline and its validation, substitution, the
    graphs) is kept while the run's uid, ``generation``, labels, annotations and
    whether ``status.pipelineSpec`` is recorded are unchanged; resolved Task specs
    while their source is (see :func:`resolve_pipeline_task`). Cached objects are
    shared between passes: callers must not mutate what resolution returns.
    """

    run_key: tuple[object, ...] | None = None
    run_stage: _RunStage | None = None
    tasks: dict[tuple[str, ...], ResolvedTask] = msgspec.field(default_factory=dict)


def _run_key(pr: PipelineRun) -> tuple[object, ...]:
    meta = pr.metadata
    return (
        meta.uid,
        meta.name,
        meta.namespace,
        meta.generation,
        tuple(sorted(meta.labels.items())),
        tuple(sorted(meta.annotations.items())),
        _stored_spec_matters(pr) and pr.status is not None and pr.status.pipeline_spec is not None,
    )


def _stored_spec_matters(pr: PipelineRun) -> bool:
    """Whether a stored ``status.pipelineSpec`` can change what :func:`_resolve_run`
    makes of ``pr``. It is the spec of a referenced pipeline (``_fetch_pipeline``); for
    an embedded spec it only means the first pass's ``_merge_metadata`` is skipped,
    which merges the run's own labels and annotations into themselves and changes
    nothing, unless it renames the ``tekton.dev/pipeline`` label of a run without
    ``generateName`` (so the first pass's cached work serves the next ones)."""
    ref, meta = pr.spec.pipeline_ref, pr.metadata
    if pr.spec.pipeline_spec is None or (ref is not None and ref.name):
        return True
    label = meta.labels.get(PIPELINE_LABEL_KEY) or pipeline_name_label(pr)
    return not meta.generate_name and label != meta.name


def _resolve_run(pipeline_run: PipelineRun, lookup: PipelineLookup, config: Config) -> _RunStage:
    """The run-level part of :func:`resolve_pipelinerun`; raises :class:`_Failed`."""
    pr: PipelineRun = copy_model(pipeline_run)
    default_pipelinerun_spec(pr.spec, config)
    label = pipeline_name_label(pr)
    if label is not None:
        pr.metadata.labels[PIPELINE_LABEL_KEY] = label
    if pr.status is None:
        pr.status = PipelineRunStatus()
    data = _fetch_pipeline(pr, lookup)
    default_pipeline_spec(data.spec, config)
    if pr.status.pipeline_spec is None:
        pr.status.pipeline_spec = data.spec
    graphs = _graphs(data.spec, pr.metadata.namespace, pr.metadata.name)
    _validate_run(pr, data, config)
    pr.spec.workspaces = apply_parameters_to_workspace_bindings(pr)
    original = copy_model(data.spec)
    spec = _substitute(pr, data, config)
    pr.status.pipeline_spec = spec
    return _RunStage(pr, data, original, spec, graphs[0], graphs[1])


def resolve_pipelinerun(
    pipeline_run: PipelineRun,
    lookup: PipelineLookup,
    config: Config,
    *,
    task_runs: TaskRunSource | None = None,
    cache: ResolutionCache | None = None,
    pipeline_runs: PipelineRunSource | None = None,
) -> ResolvedPipelineRun | PipelineRunFailure:
    """Resolve what ``pipeline_run`` runs, or say why it cannot run.

    Follows ``reconcile`` up to the first scheduling round: default the run; label it with
    its pipeline; fetch the Pipeline (``status.pipelineSpec``, the lookup, or the embedded
    spec) and merge its metadata; build the task and finally graphs; validate the spec,
    required params, param types, enums (``enable-param-enum``), object keys, array
    indexes, workspace bindings and taskRunSpecs names; substitute params into the
    workspace bindings; substitute params, context and ``workspaces.*.bound`` into the
    spec (stored as ``status.pipelineSpec``) and re-check ``onError``; resolve each task's
    Task; validate each task's params against it; and, before the first TaskRun exists,
    the result references, pipeline results and optional workspaces.

    ``task_runs`` are the PipelineRun's existing TaskRuns by name (a dict, or anything
    that reads one by name): a referenced Task is then read from the TaskRun's
    ``status.taskSpec``, and the run counts as started. ``pipeline_runs`` are its
    child PipelineRuns by name (pipelines in pipelines).
    Pending runs and cancellation are the caller's business (Tekton checks them first).
    With a ``cache`` (one per PipelineRun), work whose inputs did not change since the
    last call is reused; the result is then shared with later calls and is read-only.
    """
    try:
        if cache is None:
            stage = _resolve_run(pipeline_run, lookup, config)
            memo = None
        else:
            key = _run_key(pipeline_run)
            if cache.run_stage is None or cache.run_key != key:
                cache.run_stage, cache.run_key = None, None
                cache.tasks.clear()
                cache.run_stage, cache.run_key = _resolve_run(pipeline_run, lookup, config), key
            stage = cache.run_stage
            memo = cache.tasks
        pr = stage.pipeline_run
        if cache is not None:
            # This pass's status (childReferences name the runs) over the cached run.
            current = pipeline_run.status or PipelineRunStatus()
            status = msgspec.structs.replace(current, pipeline_spec=stage.spec)
            pr = msgspec.structs.replace(pr, status=status)
        spec, data = stage.spec, stage.data
        tasks = _resolve_tasks(pr, spec, data, lookup, config, task_runs, memo, pipeline_runs)
        _validate_resolved(pr, stage.original, spec, tasks, config)
        if _is_before_first_run(pr, tasks):
            _validate_before_first_run(pr, spec, tasks)
    except _Failed as failed:
        return failed.failure
    return ResolvedPipelineRun(
        pipeline_run=pr,
        pipeline_name=data.name,
        pipeline_namespace=data.namespace,
        pipeline_spec=spec,
        tasks=tasks,
        tasks_graph=stage.tasks_graph,
        finally_graph=stage.finally_graph,
    )
