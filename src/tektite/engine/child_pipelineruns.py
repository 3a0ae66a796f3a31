"""The child PipelineRuns a PipelineRun creates for a PipelineTask that runs a Pipeline
(pipelines in pipelines, alpha), and what Tekton says when it cannot cancel or time
them out.

Port of ``createChildPipelineRuns``/``createChildPipelineRun``,
``getChildPipelineRunWorkspaces``, ``detectPipelineRefCycle``,
``createChildResourceLabels``/``createChildResourceAnnotations``
(``pkg/reconciler/pipelinerun/pipelinerun.go``) and of ``cancel.go``/``timeout.go``'s
``getChildObjectsFromPRStatusForTaskNames``.

What Tekton does, and so what this does:

- one child per run name (``<pr>-<task>``; ``-<i>`` per matrix combination, each with
  the same params: Tekton does not pass a combination to a child pipeline);
- the child is owned by the parent (controller reference), labelled with the parent's
  labels plus ``tekton.dev/pipelineRun``, ``pipelineRunUID``, ``pipelineTask`` and
  ``memberOf`` (``tekton.dev/pipeline`` is the referenced Pipeline's name), annotated
  with the parent's annotations but ``chains.tekton.dev/*``;
- its spec: the parent's ``taskRunTemplate``, the PipelineTask's params, its workspaces
  mapped onto the parent's bindings (a binding the parent lacks is left out: the child
  then fails on its own), and the ``pipelineRef`` as written or the embedded spec. The
  PipelineTask's ``timeout`` and ``retries`` and the parent's ``timeouts`` are *not*
  passed on;
- a ``pipelineRef`` to a Pipeline already running among the ancestors fails the parent
  with ``CreateRunFailed`` (``detected cycle in pipeline-in-pipeline: ...``);
- cancellation and timeouts are *not* passed on: Tekton's cancel and timeout patches
  know TaskRuns and CustomRuns only, so a parent with a child PipelineRun in its
  ``childReferences`` reports ``PipelineRunCouldntCancel`` / ``PipelineRunCouldntTimeOut``
  (``found child objects of unknown kinds: map[<name>:PipelineRun]``) and retries.

Pure: no I/O, no clock; ancestors are read through a lookup the caller provides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import msgspec

from tektite.api.config import Config
from tektite.api.errors import go_quote
from tektite.api.models import (
    ChildStatusReference,
    ObjectMeta,
    PipelineRun,
    PipelineRunSpec,
    PipelineSpec,
    PipelineTask,
    TaskRun,
    WorkspaceBinding,
)
from tektite.engine.child_taskruns import (
    CREATE_RUN_FAILED,
    MEMBER_OF_LABEL_KEY,
    PIPELINE_RUN_LABEL_KEY,
    PIPELINE_RUN_UID_LABEL_KEY,
    PIPELINE_TASK_LABEL_KEY,
    RESERVED_ANNOTATION_RE,
    owner_reference,
    task_workspace_binding,
)
from tektite.engine.pipeline_apply import apply_pipeline_task_contexts, is_matrixed
from tektite.engine.resolve_pipelinerun import (
    INVALID_MATRIX_PARAMETER_TYPES,
    PIPELINE_LABEL_KEY,
    USER_ERROR,
    PipelineRunFailure,
    ResolvedPipelineTask,
    run_names,
    validate_parameter_types_in_matrix,
)

__all__ = [
    "COULDNT_CANCEL",
    "COULDNT_TIME_OUT",
    "AncestorLookup",
    "build_child_pipeline_run",
    "build_child_pipeline_runs",
    "child_pipeline_run_annotations",
    "child_pipeline_run_labels",
    "child_pipeline_run_workspaces",
    "couldnt_cancel_message",
    "couldnt_time_out_message",
    "detect_pipeline_ref_cycle",
    "unknown_child_kinds_error",
]

COULDNT_CANCEL = "PipelineRunCouldntCancel"
COULDNT_TIME_OUT = "PipelineRunCouldntTimeOut"

_KNOWN_CHILD_KINDS = ("TaskRun", "CustomRun")
_PIPELINE_RUN_KIND = "PipelineRun"

AncestorLookup = Callable[[str], ObjectMeta | None]
"""The metadata of the PipelineRun of that name in the run's namespace, or None."""


# -- metadata ------------------------------------------------------------------------------------


def _member_of(spec: PipelineSpec | None, name: str) -> str:
    """Tekton's ``memberOfLookup``."""
    if spec is None:
        return ""
    if any(pt.name == name for pt in spec.tasks or ()):
        return "tasks"
    if any(pt.name == name for pt in spec.finally_ or ()):
        return "finally"
    return ""


def child_pipeline_run_labels(
    pr: PipelineRun, pt: PipelineTask, pipeline_name: str
) -> dict[str, str]:
    """``createChildResourceLabels(pr, pt.Name, true)`` with ``tekton.dev/pipeline`` set to
    the referenced Pipeline's name (``pipeline_name``; kept from the parent when ``""``).
    ``memberOf`` is looked up in ``status.pipelineSpec``."""
    labels = dict(pr.metadata.labels)
    labels[PIPELINE_RUN_LABEL_KEY] = pr.metadata.name
    labels[PIPELINE_RUN_UID_LABEL_KEY] = pr.metadata.uid
    if pt.name:
        labels[PIPELINE_TASK_LABEL_KEY] = pt.name
    member_of = _member_of(pr.status.pipeline_spec if pr.status else None, pt.name)
    if member_of:
        labels[MEMBER_OF_LABEL_KEY] = member_of
    if pipeline_name:
        labels[PIPELINE_LABEL_KEY] = pipeline_name
    return labels


def child_pipeline_run_annotations(pr: PipelineRun) -> dict[str, str]:
    """``createChildResourceAnnotations``: the parent's, but Tekton's reserved ones."""
    return {
        k: v for k, v in pr.metadata.annotations.items() if not RESERVED_ANNOTATION_RE.search(k)
    }


# -- workspaces ------------------------------------------------------------------------------------


def child_pipeline_run_workspaces(
    pr: PipelineRun, pt: PipelineTask, config: Config
) -> list[WorkspaceBinding] | None:
    """``getChildPipelineRunWorkspaces``: each of the PipelineTask's workspaces bound to the
    parent's binding it names (renamed, subPaths joined, a claim template turned into its
    claim, as for TaskRuns). A binding the parent lacks is left out: Tekton leaves the
    check to the child PipelineRun."""
    if not pt.workspaces:
        return None
    parent = {b.name: b for b in pr.spec.workspaces or ()}
    out: list[WorkspaceBinding] = []
    for ws in pt.workspaces:
        binding = parent.get(ws.workspace or ws.name)
        if binding is None:
            continue
        out.append(task_workspace_binding(pr, binding, ws.name, ws.sub_path, config))
    return out


# -- cycles ----------------------------------------------------------------------------------------


def _controller_pipeline_run(meta: ObjectMeta) -> str | None:
    """The name of the PipelineRun controlling ``meta`` (``metav1.GetControllerOf``)."""
    for ref in meta.owner_references:
        if ref.controller:
            return ref.name if ref.kind == _PIPELINE_RUN_KIND else None
    return None


def detect_pipeline_ref_cycle(
    pr: PipelineRun, target: str, ancestors: AncestorLookup
) -> str | None:
    """``detectPipelineRefCycle``: the error when Pipeline ``target`` is already running
    in the chain of PipelineRuns from ``pr`` up its controlling owners (matched by the
    ``tekton.dev/pipeline`` label), else None."""
    current: ObjectMeta | None = pr.metadata
    visited: list[str] = []
    seen: set[str] = set()
    while current is not None:
        name = current.labels.get(PIPELINE_LABEL_KEY, "")
        if name == target:
            return (
                f"detected cycle in pipeline-in-pipeline: pipeline {go_quote(target)} is "
                f"already running in ancestor chain [{' '.join(visited)}]"
            )
        if name:
            visited.append(name)
        owner = _controller_pipeline_run(current)
        # An ownerReference loop cannot exist in Kubernetes; stop rather than spin.
        if owner is None or owner in seen:
            break
        seen.add(owner)
        current = ancestors(owner)
    return None


# -- the child PipelineRuns ------------------------------------------------------------------------


def build_child_pipeline_run(
    name: str, pr: PipelineRun, task: ResolvedPipelineTask, pt: PipelineTask, config: Config
) -> PipelineRun:
    """The child PipelineRun ``name`` for ``pt`` (its contexts applied) as
    ``createChildPipelineRun`` makes it."""
    spec = PipelineRunSpec(
        task_run_template=pr.spec.task_run_template,
        params=pt.params or None,
        workspaces=child_pipeline_run_workspaces(pr, pt, config),
    )
    if pt.pipeline_ref is not None:
        spec.pipeline_ref = pt.pipeline_ref
    else:
        spec.pipeline_spec = task.child_pipeline_spec
    meta = ObjectMeta(
        name=name,
        namespace=pr.metadata.namespace,
        owner_references=[owner_reference(pr)],
        labels=child_pipeline_run_labels(pr, pt, task.child_pipeline_name),
        annotations=child_pipeline_run_annotations(pr),
    )
    # A deep copy: the spec must not share objects with the parent (or the cache).
    return PipelineRun(
        metadata=meta, spec=msgspec.convert(msgspec.to_builtins(spec), PipelineRunSpec)
    )


def build_child_pipeline_runs(
    pr: PipelineRun,
    task: ResolvedPipelineTask,
    config: Config,
    *,
    ancestors: AncestorLookup | None = None,
    matrix_task_runs: Mapping[str, Sequence[TaskRun]] | None = None,
    state: Sequence[PipelineTask] | None = None,
) -> list[PipelineRun] | PipelineRunFailure:
    """The child PipelineRuns to create for a ready child-pipeline task, or why the parent
    fails instead (``runNextSchedulableTask`` then ``createChildPipelineRuns``).

    ``pr`` is the parent as resolution left it (see
    :func:`tektite.engine.child_taskruns.build_task_runs`); ``ancestors`` reads the
    PipelineRuns above it for the cycle check (None: ``pr`` has none);
    ``matrix_task_runs`` give ``$(tasks.<t>.matrix.<r>.length)``; ``state`` are the
    pipeline tasks whose matrix types Tekton re-checks (default: this one).
    """
    pt = task.pipeline_task
    if is_matrixed(pt):
        error = validate_parameter_types_in_matrix(state if state is not None else [pt])
        if error:
            # As for TaskRuns: Tekton's format has one argument for two verbs.
            return PipelineRunFailure(
                INVALID_MATRIX_PARAMETER_TYPES,
                f"{USER_ERROR}Failed to validate matrix {go_quote(error)} with error %!v(MISSING)",
            )
    names = task.run_names or run_names(
        pr.status.child_references if pr.status else None,
        pt.name,
        pr.metadata.name,
        1,
        _PIPELINE_RUN_KIND,
    )
    out: list[PipelineRun] = []
    for name in names:
        ready = apply_pipeline_task_contexts(
            pt, pr.status.pipeline_spec if pr.status else None, matrix_task_runs
        )
        if ready.pipeline_ref is not None and task.child_pipeline_name:
            cycle = detect_pipeline_ref_cycle(
                pr, task.child_pipeline_name, ancestors or (lambda _name: None)
            )
            if cycle is not None:
                return PipelineRunFailure(CREATE_RUN_FAILED, cycle)
        out.append(build_child_pipeline_run(name, pr, task, ready, config))
    return out


# -- cancel and timeout ----------------------------------------------------------------------------


def unknown_child_kinds_error(
    child_refs: Iterable[ChildStatusReference] | None, task_names: Iterable[str] = ()
) -> str | None:
    """``getChildObjectsFromPRStatusForTaskNames``' error: the children (of the named
    pipeline tasks; all when none are named) that are neither TaskRuns nor CustomRuns —
    child PipelineRuns, which Tekton's cancel and timeout patches do not handle."""
    wanted = set(task_names)
    unknown = {
        ref.name: ref.kind
        for ref in child_refs or ()
        if (not wanted or ref.pipeline_task_name in wanted) and ref.kind not in _KNOWN_CHILD_KINDS
    }
    if not unknown:
        return None
    # Go's %v of a map: keys sorted.
    shown = " ".join(f"{k}:{unknown[k]}" for k in sorted(unknown))
    return f"found child objects of unknown kinds: map[{shown}]"


def couldnt_cancel_message(pipelinerun_name: str, errors: Sequence[str]) -> str:
    """The ``PipelineRunCouldntCancel`` (``Succeeded=Unknown``) condition message."""
    return (
        f"PipelineRun {go_quote(pipelinerun_name)} was cancelled but had errors trying to "
        f"cancel TaskRuns and/or Runs: {chr(10).join(errors)}"
    )


def couldnt_time_out_message(pipelinerun_name: str, errors: Sequence[str]) -> str:
    """The ``PipelineRunCouldntTimeOut`` (``Succeeded=Unknown``) condition message."""
    return (
        f"PipelineRun {go_quote(pipelinerun_name)} was timed out but had errors trying to "
        f"time out TaskRuns and/or Runs: {chr(10).join(errors)}"
    )
