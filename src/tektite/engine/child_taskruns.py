"""The TaskRuns a PipelineRun creates for a ready PipelineTask, and the patches it sends
them when it is cancelled or times out.

Port of ``createTaskRuns``/``createTaskRun`` and their helpers in
``pkg/reconciler/pipelinerun/pipelinerun.go`` (labels and annotations, timeout,
workspaces, ``GetTaskRunSpec``), the PVC and affinity-assistant names of
``affinity_assistant.go``/``pkg/reconciler/volumeclaim``, and the cancel/timeout patches
of ``cancel.go``/``timeout.go``. The per-task steps ``runNextSchedulableTask`` performs
just before creating (``PropagateResults``, ``PropagateArtifacts``, the matrix type
check) are part of :func:`build_task_runs`.

What to schedule (DAG, skips, when, result resolution) is PipelineRunFacts' business:
the caller passes a task that is ready, with its result references already applied
(:func:`tektite.engine.pipeline_apply.apply_task_results`). Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from tektite.api.config import Config
from tektite.api.defaults.runs import merge_pod_template_with_default
from tektite.api.durations import MINUTE, GoDurationError, format_duration_ns, parse_duration_ns
from tektite.api.errors import go_quote
from tektite.api.matrix import fan_out
from tektite.api.models import (
    Artifacts,
    ObjectMeta,
    OwnerReference,
    Param,
    PersistentVolumeClaimVolumeSource,
    PipelineRun,
    PipelineSpec,
    PipelineTask,
    PipelineTaskRunSpec,
    RunResult,
    TaskRun,
    TaskRunSpec,
    WorkspaceBinding,
    WorkspacePipelineTaskBinding,
)
from tektite.api.variables import apply_replacements
from tektite.engine.pipeline_apply import (
    apply_pipeline_task_contexts,
    context_replacements,
    embedded_task_spec,
    is_matrixed,
    propagate_artifacts,
    propagate_results,
)
from tektite.engine.pipeline_facts import (
    TASKRUN_CANCELLED_BY_PIPELINE_MSG,
    TASKRUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG,
)
from tektite.engine.resolve_pipelinerun import (
    INVALID_MATRIX_PARAMETER_TYPES,
    INVALID_PARAM_VALUE,
    USER_ERROR,
    PipelineRunFailure,
    ResolvedPipelineTask,
    ResolvedTask,
    run_names,
    validate_enum_param,
    validate_parameter_types_in_matrix,
)
from tektite.engine.workspaces import (
    WorkspaceError,
    claim_from_template,
    find_workspaces_used_by_task,
    pvc_name_from_template,
)

__all__ = [
    "AFFINITY_ASSISTANT_ANNOTATION",
    "CREATE_RUN_FAILED",
    "MEMBER_OF_LABEL_KEY",
    "PIPELINE_RUN_LABEL_KEY",
    "PIPELINE_RUN_UID_LABEL_KEY",
    "PIPELINE_TASK_LABEL_KEY",
    "PIPELINE_TASK_ON_ERROR_ANNOTATION",
    "RESERVED_ANNOTATION_RE",
    "TASK_RUN_CANCELLED",
    "TASK_RUN_CANCELLED_BY_PIPELINE_MSG",
    "TASK_RUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG",
    "ChildRunError",
    "affinity_assistant_name",
    "build_task_run",
    "build_task_runs",
    "cancel_patch",
    "cancelled",
    "child_annotations",
    "child_labels",
    "combined_sub_path",
    "finally_timeout_ns",
    "owner_reference",
    "task_run_spec",
    "task_run_timeout",
    "task_run_workspaces",
    "task_workspace_binding",
    "tasks_timeout_ns",
    "workspace_claims",
]

PIPELINE_RUN_LABEL_KEY = "tekton.dev/pipelineRun"
PIPELINE_RUN_UID_LABEL_KEY = "tekton.dev/pipelineRunUID"
PIPELINE_TASK_LABEL_KEY = "tekton.dev/pipelineTask"
MEMBER_OF_LABEL_KEY = "tekton.dev/memberOf"
PIPELINE_TASK_ON_ERROR_ANNOTATION = "pipeline.tekton.dev/pipeline-task-on-error"
AFFINITY_ASSISTANT_ANNOTATION = "pipeline.tekton.dev/affinity-assistant"
CREATE_RUN_FAILED = "CreateRunFailed"

TASK_RUN_CANCELLED = "TaskRunCancelled"
"""``TaskRunSpecStatusCancelled``: the ``spec.status`` that cancels a TaskRun."""
# The messages live with the PipelineRunFacts that recognise them on the children.
TASK_RUN_CANCELLED_BY_PIPELINE_MSG = TASKRUN_CANCELLED_BY_PIPELINE_MSG
TASK_RUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG = TASKRUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG

RESERVED_ANNOTATION_RE = re.compile(r"(chains.tekton.dev)/.*")
"""Tekton's ``TektonReservedAnnotationExpr``: annotations not passed on to children
(searched, not anchored, as Go's ``MatchString``)."""
_AFFINITY_ASSISTANT_COMPONENT = "affinity-assistant"
_VOLUME_NAME_MAX_LENGTH = 63


class ChildRunError(ValueError):
    """A TaskRun cannot be made (a permanent error: the PipelineRun fails with
    ``CreateRunFailed`` and this message)."""


# -- cancellation --------------------------------------------------------------------------


def cancel_patch(*, timed_out: bool = False) -> list[dict[str, str]]:
    """The JSON patch the PipelineRun sends each child TaskRun when it is cancelled
    (``cancelTaskRunPatchBytes``) or has timed out (``timeoutTaskRunPatchBytes``)."""
    message = (
        TASK_RUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG
        if timed_out
        else TASK_RUN_CANCELLED_BY_PIPELINE_MSG
    )
    return [
        {"op": "add", "path": "/spec/status", "value": TASK_RUN_CANCELLED},
        {"op": "add", "path": "/spec/statusMessage", "value": message},
    ]


def cancelled(task_run: TaskRun, *, timed_out: bool = False) -> TaskRun:
    """``task_run`` with :func:`cancel_patch` applied."""
    message = (
        TASK_RUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG
        if timed_out
        else TASK_RUN_CANCELLED_BY_PIPELINE_MSG
    )
    spec = msgspec.structs.replace(task_run.spec, status=TASK_RUN_CANCELLED, status_message=message)
    return msgspec.structs.replace(task_run, spec=spec)


# -- what the PipelineRun says about one task ----------------------------------------------------


def task_run_spec(pr: PipelineRun, pipeline_task: str) -> PipelineTaskRunSpec:
    """Tekton's ``PipelineRun.GetTaskRunSpec``: ``taskRunTemplate`` overridden by the
    task's ``taskRunSpecs`` entry (pod templates merged, the entry's fields winning)."""
    template = pr.spec.task_run_template
    out = PipelineTaskRunSpec(
        pipeline_task_name=pipeline_task,
        service_account_name=template.service_account_name,
        pod_template=template.pod_template,
    )
    for entry in pr.spec.task_run_specs or ():
        if entry.pipeline_task_name != pipeline_task:
            continue
        out = PipelineTaskRunSpec(
            pipeline_task_name=pipeline_task,
            service_account_name=entry.service_account_name or out.service_account_name,
            pod_template=merge_pod_template_with_default(entry.pod_template, out.pod_template),
            step_specs=entry.step_specs,
            sidecar_specs=entry.sidecar_specs,
            metadata=entry.metadata,
            compute_resources=entry.compute_resources,
            timeout=entry.timeout,
        )
    return out


def _ns(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_duration_ns(value)
    except GoDurationError:
        return None  # refused by admission; not reachable from a stored run


def tasks_timeout_ns(pr: PipelineRun) -> int | None:
    """Tekton's ``PipelineRun.TasksTimeout``: ``timeouts.tasks``, else ``pipeline −
    finally`` when both are set and neither is 0, else ``None``."""
    t = pr.spec.timeouts
    if t is None:
        return None
    if t.tasks is not None:
        return _ns(t.tasks)
    pipeline, final = _ns(t.pipeline), _ns(t.finally_)
    if pipeline is not None and final is not None:
        return None if pipeline == 0 or final == 0 else pipeline - final
    return None


def finally_timeout_ns(pr: PipelineRun) -> int | None:
    """Tekton's ``PipelineRun.FinallyTimeout``: ``timeouts.finally``, else ``pipeline −
    tasks`` when both are set and neither is 0, else ``None``."""
    t = pr.spec.timeouts
    if t is None:
        return None
    if t.finally_ is not None:
        return _ns(t.finally_)
    pipeline, tasks = _ns(t.pipeline), _ns(t.tasks)
    if pipeline is not None and tasks is not None:
        return None if pipeline == 0 or tasks == 0 else pipeline - tasks
    return None


def task_run_timeout(
    pr: PipelineRun, pt: PipelineTask, config: Config, *, is_final: bool
) -> str | None:
    """The ``spec.timeout`` of a child TaskRun (``createTaskRun``): the PipelineTask's
    timeout, else the run's tasks/finally timeout only when it is 0 or exceeds
    ``default-timeout-minutes`` (``pipelineRunTimeout``); a ``taskRunSpecs`` timeout
    overrides both. ``None`` leaves the TaskRun's default to its webhook. Durations are
    written as Go prints them (``1h0m0s``)."""
    timeout: int | None = _ns(pt.timeout)
    if timeout is None:
        run_timeout = finally_timeout_ns(pr) if is_final else tasks_timeout_ns(pr)
        default = config.defaults.default_timeout_minutes * MINUTE
        if run_timeout is not None and (run_timeout == 0 or run_timeout > default):
            timeout = run_timeout
    override = _ns(task_run_spec(pr, pt.name).timeout)
    if override is not None:
        timeout = override
    return None if timeout is None else format_duration_ns(timeout)


# -- metadata ------------------------------------------------------------------------------------


def owner_reference(pr: PipelineRun) -> OwnerReference:
    """Knative's ``kmeta.NewControllerRef``: the PipelineRun as controlling owner."""
    return OwnerReference(
        api_version="tekton.dev/v1",
        kind="PipelineRun",
        name=pr.metadata.name,
        uid=pr.metadata.uid,
        controller=True,
        block_owner_deletion=True,
    )


def _member_of(spec: PipelineSpec | None, name: str) -> str:
    """Tekton's ``memberOfLookup``: ``tasks``, ``finally`` or ``""``."""
    if spec is None:
        return ""
    if any(pt.name == name for pt in spec.tasks or ()):
        return "tasks"
    if any(pt.name == name for pt in spec.finally_ or ()):
        return "finally"
    return ""


def _add_missing(into: dict[str, str], added: Mapping[str, str] | None) -> None:
    """Tekton's ``addMetadataByPrecedence``: keys already there win."""
    for key, value in (added or {}).items():
        into.setdefault(key, value)


def child_labels(pr: PipelineRun, pt: PipelineTask) -> dict[str, str]:
    """Tekton's ``combineTaskRunAndTaskSpecLabels``: the taskRunSpecs entry's labels win
    over the PipelineRun's (with ``tekton.dev/pipelineRun``, ``pipelineRunUID``,
    ``pipelineTask`` and ``memberOf`` over them), which win over the embedded
    taskSpec's. ``memberOf`` is looked up in ``status.pipelineSpec``."""
    labels: dict[str, str] = {}
    metadata = task_run_spec(pr, pt.name).metadata
    _add_missing(labels, metadata.labels if metadata is not None else None)
    run_labels = dict(pr.metadata.labels)
    run_labels[PIPELINE_RUN_LABEL_KEY] = pr.metadata.name
    run_labels[PIPELINE_RUN_UID_LABEL_KEY] = pr.metadata.uid
    if pt.name:
        run_labels[PIPELINE_TASK_LABEL_KEY] = pt.name
    member_of = _member_of(pr.status.pipeline_spec if pr.status else None, pt.name)
    if member_of:
        run_labels[MEMBER_OF_LABEL_KEY] = member_of
    _add_missing(labels, run_labels)
    if pt.task_spec is not None and pt.task_spec.metadata is not None:
        _add_missing(labels, pt.task_spec.metadata.labels)
    return labels


def child_annotations(pr: PipelineRun, pt: PipelineTask) -> dict[str, str]:
    """Tekton's ``combineTaskRunAndTaskSpecAnnotations``: same precedence as the labels;
    the PipelineRun's ``chains.tekton.dev/*`` annotations are not passed on."""
    annotations: dict[str, str] = {}
    metadata = task_run_spec(pr, pt.name).metadata
    _add_missing(annotations, metadata.annotations if metadata is not None else None)
    _add_missing(
        annotations,
        {k: v for k, v in pr.metadata.annotations.items() if not RESERVED_ANNOTATION_RE.search(k)},
    )
    if pt.task_spec is not None and pt.task_spec.metadata is not None:
        _add_missing(annotations, pt.task_spec.metadata.annotations)
    return annotations


# -- workspaces ----------------------------------------------------------------------------------


def combined_sub_path(workspace_sub_path: str, pipeline_task_sub_path: str) -> str:
    """Tekton's ``combinedSubPath``: either one, or both joined as Go's ``filepath.Join``."""
    if not workspace_sub_path:
        return pipeline_task_sub_path
    if not pipeline_task_sub_path:
        return workspace_sub_path
    joined = posixpath.normpath(f"{workspace_sub_path}/{pipeline_task_sub_path}")
    # Go's Clean folds a leading "//" too; POSIX normpath keeps it.
    return "/" + joined.lstrip("/") if joined.startswith("//") else joined


def affinity_assistant_name(pipeline_workspace: str, pipeline_run: str) -> str:
    """Tekton's ``GetAffinityAssistantName``: ``affinity-assistant-<10 hex of sha256>``."""
    digest = hashlib.sha256((pipeline_workspace + pipeline_run).encode()).hexdigest()
    return f"{_AFFINITY_ASSISTANT_COMPONENT}-{digest[:10]}"


def _sanitize_volume_name(name: str) -> str:
    """Tekton's ``sanitizeVolumeName``."""
    if len(name) <= _VOLUME_NAME_MAX_LENGTH:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name[: _VOLUME_NAME_MAX_LENGTH - 11]}-{digest}"


def _template_name(binding: WorkspaceBinding) -> str:
    template = binding.volume_claim_template
    name = ((template.metadata if template is not None else None) or {}).get("name", "")
    return name if isinstance(name, str) else ""


def _per_pipeline_run(config: Config) -> bool:
    return config.features.coschedule in ("pipelineruns", "isolate-pipelinerun")


def task_workspace_binding(
    pr: PipelineRun, wb: WorkspaceBinding, task_workspace: str, sub_path: str, config: Config
) -> WorkspaceBinding:
    """Tekton's ``taskWorkspaceByWorkspaceVolumeSource``: the run's binding renamed, its
    subPath joined with the task's; a claim template becomes the claim made from it."""
    combined = combined_sub_path(wb.sub_path, sub_path)
    if wb.volume_claim_template is None:
        return msgspec.structs.replace(wb, name=task_workspace, sub_path=combined)
    claim = pvc_name_from_template(_template_name(wb), wb.name, pr.metadata.uid)
    if _per_pipeline_run(config):
        # The claim comes from the per-PipelineRun affinity assistant's StatefulSet.
        aa_name = affinity_assistant_name("", pr.metadata.name)
        claim = f"{_sanitize_volume_name(claim)}-{aa_name}-0"
    return WorkspaceBinding(
        name=task_workspace,
        sub_path=combined,
        persistent_volume_claim=PersistentVolumeClaimVolumeSource(claim_name=claim),
    )


def _propagated_workspaces(pt: PipelineTask) -> list[WorkspacePipelineTaskBinding]:
    """Tekton's ``propagateWorkspaces``: workspaces an embedded taskSpec uses without the
    task binding them are bound under the same name (sorted; Tekton's order is a Go map's).
    """
    bindings = list(pt.workspaces or ())
    if pt.task_spec is None:
        return bindings
    try:
        used = find_workspaces_used_by_task(embedded_task_spec(pt.task_spec))
    except WorkspaceError as err:
        raise ChildRunError(str(err)) from None
    bound = {b.name for b in bindings}
    return bindings + [
        WorkspacePipelineTaskBinding(name=name) for name in sorted(used) if name not in bound
    ]


def task_run_workspaces(
    pr: PipelineRun, pt: PipelineTask, resolved: ResolvedTask | None, config: Config
) -> tuple[list[WorkspaceBinding] | None, str]:
    """Tekton's ``getTaskrunWorkspaces``: the TaskRun's bindings and the name of the last
    pipeline workspace bound to a claim (for the affinity assistant).

    Raises :class:`ChildRunError` when a required task workspace is not bound by the run.
    ``$(context.pipelineRun.*)`` in the subPaths is replaced, ``$(context.pipeline.name)``
    by the pipelineRef's name only (``""`` for an embedded spec), as in Tekton.
    """
    run_bindings = {b.name: b for b in pr.spec.workspaces or ()}
    out: list[WorkspaceBinding] = []
    claim_workspace = ""
    for ws in _propagated_workspaces(pt):
        pipeline_workspace = ws.workspace or ws.name
        binding = run_bindings.get(pipeline_workspace)
        if binding is not None:
            if binding.persistent_volume_claim is not None or binding.volume_claim_template:
                claim_workspace = pipeline_workspace
            out.append(task_workspace_binding(pr, binding, ws.name, ws.sub_path, config))
            continue
        declared = resolved.task_spec.workspaces if resolved is not None else None
        if not any(d.name == ws.name and d.optional for d in declared or ()):
            raise ChildRunError(
                f"expected workspace {go_quote(pipeline_workspace)} to be provided by "
                f"pipelinerun for pipeline task {go_quote(pt.name)}"
            )
    ref = pr.spec.pipeline_ref
    replacements = context_replacements(ref.name if ref is not None else "", pr)
    out = [
        msgspec.structs.replace(b, sub_path=apply_replacements(b.sub_path, replacements))
        for b in out
    ]
    return (out or None), claim_workspace


def _affinity_assistant_annotation(config: Config, claim_workspace: str, pr_name: str) -> str:
    """Tekton's ``getAffinityAssistantAnnotationVal``."""
    coschedule = config.features.coschedule
    if coschedule == "workspaces" and claim_workspace:
        return affinity_assistant_name(claim_workspace, pr_name)
    if coschedule in ("pipelineruns", "isolate-pipelinerun"):
        return affinity_assistant_name("", pr_name)
    return ""


def workspace_claims(pr: PipelineRun, config: Config) -> list[dict[str, Any]]:
    """The PersistentVolumeClaims the PipelineRun creates from its ``volumeClaimTemplate``
    bindings before the first TaskRun (``createOrUpdateAffinityAssistantsAndPVCs``), owned
    by the run. With a per-PipelineRun affinity assistant the StatefulSet makes them
    instead, so there are none here."""
    if _per_pipeline_run(config):
        return []
    owner = msgspec.to_builtins(owner_reference(pr))
    claims = [
        claim_from_template(b, owner, pr.metadata.namespace) for b in pr.spec.workspaces or ()
    ]
    return [c for c in claims if c is not None]


# -- the TaskRuns ----------------------------------------------------------------------------------


def build_task_run(
    name: str,
    params: Sequence[Param] | None,
    pr: PipelineRun,
    pt: PipelineTask,
    resolved: ResolvedTask,
    config: Config,
    *,
    is_final: bool,
) -> TaskRun:
    """Tekton's ``createTaskRun`` once ``ApplyPipelineTaskContexts`` is done: ``params``
    (the matrix combination, if any) followed by the task's params; retries; service
    account, pod template, step/sidecar specs and compute resources from the run's
    ``taskRunTemplate``/``taskRunSpecs``; the onError and affinity-assistant
    annotations; the timeout; the taskRef (a referenced Task) or the resolved taskSpec;
    the workspaces. Raises :class:`ChildRunError`."""
    overrides = task_run_spec(pr, pt.name)
    annotations = child_annotations(pr, pt)
    if pt.on_error == "continue":
        annotations[PIPELINE_TASK_ON_ERROR_ANNOTATION] = "continue"
    all_params = [*(params or ()), *(pt.params or ())]
    spec = TaskRunSpec(
        retries=pt.retries,
        params=all_params or None,
        service_account_name=overrides.service_account_name,
        pod_template=overrides.pod_template,
        step_specs=overrides.step_specs,
        sidecar_specs=overrides.sidecar_specs,
        compute_resources=overrides.compute_resources,
        timeout=task_run_timeout(pr, pt, config, is_final=is_final),
    )
    if resolved.task_name:
        # The whole ref, as written (it may carry resolver params).
        spec.task_ref = pt.task_ref
    else:
        spec.task_spec = resolved.task_spec
    spec.workspaces, claim_workspace = task_run_workspaces(pr, pt, resolved, config)
    assistant = _affinity_assistant_annotation(config, claim_workspace, pr.metadata.name)
    if assistant:
        annotations[AFFINITY_ASSISTANT_ANNOTATION] = assistant
    meta = ObjectMeta(
        name=name,
        namespace=pr.metadata.namespace,
        owner_references=[owner_reference(pr)],
        labels=child_labels(pr, pt),
        annotations=annotations,
    )
    return TaskRun(
        metadata=meta,
        # A deep copy: the spec must not share objects with the PipelineRun.
        spec=msgspec.convert(msgspec.to_builtins(spec), TaskRunSpec),
    )


def build_task_runs(
    pr: PipelineRun,
    task: ResolvedPipelineTask,
    config: Config,
    *,
    task_run_results: Mapping[str, Sequence[RunResult]] | None = None,
    artifacts: Mapping[str, Artifacts | None] | None = None,
    matrix_task_runs: Mapping[str, Sequence[TaskRun]] | None = None,
    state: Sequence[PipelineTask] | None = None,
) -> list[TaskRun] | PipelineRunFailure:
    """The TaskRuns to create for a ready task, as ``runNextSchedulableTask`` and
    ``createTaskRuns`` make them, or why the PipelineRun fails instead.

    ``pr`` is the run as :func:`tektite.engine.resolve_pipelinerun.resolve_pipelinerun`
    left it (with result references applied to its workspace bindings, see
    :func:`tektite.engine.pipeline_apply.apply_results_to_workspace_bindings`); ``task``
    has its result references applied. ``task_run_results`` (by pipeline task) are
    propagated into an embedded taskSpec, as are ``artifacts``; ``matrix_task_runs`` (by
    pipeline task) give ``$(tasks.<t>.matrix.<r>.length)``; ``state`` are the pipeline
    tasks whose matrix types Tekton re-checks (default: this one). One TaskRun per name
    in ``task.run_names`` (one per matrix combination), each with its combination's
    params.
    """
    resolved = task.resolved_task
    if resolved is None:
        raise ValueError(f"pipeline task {task.pipeline_task.name!r} does not run a Task")
    resolved = ResolvedTask(
        propagate_artifacts(
            propagate_results(resolved.task_spec, task_run_results or {}), artifacts or {}
        ),
        resolved.task_name,
        resolved.kind,
    )
    pt = task.pipeline_task
    if is_matrixed(pt):
        error = validate_parameter_types_in_matrix(state if state is not None else [pt])
        if error:
            # Tekton's format has two verbs for one argument: Go prints the quoted error
            # and "%!v(MISSING)".
            return PipelineRunFailure(
                INVALID_MATRIX_PARAMETER_TYPES,
                f"{USER_ERROR}Failed to validate matrix {go_quote(error)} with error %!v(MISSING)",
            )
    combinations = fan_out(pt.matrix) if is_matrixed(pt) else []
    names = task.run_names or run_names(
        pr.status.child_references if pr.status else None, pt.name, pr.metadata.name, 1
    )
    if config.features.enable_param_enum:
        for i in range(len(names)):
            params = [*(combinations[i] if i < len(combinations) else ()), *(pt.params or ())]
            error = validate_enum_param(params, resolved.task_spec.params)
            if error:
                return PipelineRunFailure(
                    INVALID_PARAM_VALUE,
                    f"{USER_ERROR}Invalid param value from PipelineTask {go_quote(pt.name)}: "
                    f"{error}",
                )
    out: list[TaskRun] = []
    for i, name in enumerate(names):
        # createTaskRun applies the pipelineTask context variables for each TaskRun,
        # after the matrix was fanned out.
        ready = apply_pipeline_task_contexts(
            pt, pr.status.pipeline_spec if pr.status else None, matrix_task_runs
        )
        combination = combinations[i] if i < len(combinations) else None
        try:
            out.append(
                build_task_run(
                    name, combination, pr, ready, resolved, config, is_final=task.is_final
                )
            )
        except ChildRunError as err:
            return PipelineRunFailure(CREATE_RUN_FAILED, str(err))
    return out
