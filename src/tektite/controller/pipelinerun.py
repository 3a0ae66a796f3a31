"""The PipelineRun reconciler: Tekton's ``ReconcileKind``/``reconcile`` for PipelineRuns
(``pkg/reconciler/pipelinerun/pipelinerun.go``, ``cancel.go``, ``timeout.go``).

Level-triggered and idempotent: each pass reads the PipelineRun and its child TaskRuns,
resolves what it runs, and moves it one step on — start the clock, cancel, time out,
create the claims of its volumeClaimTemplates, create the TaskRuns that are ready
(deterministic names: a pass after a crash finds them instead of making others), and
write the condition, childReferences, skippedTasks and results. Every decision is one
of the engine's pure functions; the effects (Store writes) are the ``_`` methods at the
bottom. The status is written once, at the end of the pass. Child TaskRuns are run by
the TaskRun reconciler, child PipelineRuns (pipelines in pipelines) by this one; their
changes bring the PipelineRun back here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import msgspec

from tektite.api.config import Config
from tektite.api.defaults.runs import default_pipelinerun
from tektite.api.errors import go_quote
from tektite.api.models import (
    Artifacts,
    Condition,
    ObjectMeta,
    PipelineRun,
    PipelineRunStatus,
    RunResult,
    TaskRun,
)
from tektite.api.objects import InvalidObject, decode
from tektite.controller.adapters import StorePipelineLookup, sync_own_metadata
from tektite.controller.status_update import update_own_status
from tektite.controller.taskrun import Requeue
from tektite.engine import pipeline_state as ps
from tektite.engine.child_pipelineruns import (
    COULDNT_CANCEL,
    COULDNT_TIME_OUT,
    build_child_pipeline_runs,
    couldnt_cancel_message,
    couldnt_time_out_message,
    unknown_child_kinds_error,
)
from tektite.engine.child_taskruns import (
    CREATE_RUN_FAILED,
    PIPELINE_RUN_LABEL_KEY,
    build_task_runs,
    cancelled,
    workspace_claims,
)
from tektite.engine.pipeline_apply import apply_results_to_workspace_bindings, is_matrixed
from tektite.engine.pipeline_facts import (
    PipelineRunFacts,
    PipelineRunTimeouts,
    is_task_run_done,
)
from tektite.engine.pipeline_results import get_task_runs_artifacts
from tektite.engine.resolve_pipelinerun import (
    PIPELINE_LABEL_KEY,
    PipelineRunFailure,
    ResolutionCache,
    ResolvedPipelineRun,
    ResolvedPipelineTask,
    pipeline_name_label,
    resolve_pipelinerun,
)
from tektite.engine.taskrun_state import format_time, parse_time
from tektite.store.errors import AlreadyExists, BadRequest, Conflict, Invalid, NotFound
from tektite.store.protocol import Store

log = logging.getLogger(__name__)

SPEC_STATUS_PENDING = "PipelineRunPending"
REASON_STARTED = "Started"
REASON_PENDING = "PipelineRunPending"


class PipelineRunReconciler:
    """Reconciles one PipelineRun per call; safe to call any number of times."""

    def __init__(self, store: Store, config: Config, *, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.lookup = StorePipelineLookup(store)
        # Per PipelineRun uid: resolution reused between passes, and decoded children.
        self._caches: dict[str, _RunCache] = {}
        self.written: dict[tuple[str, str], dict[str, Any]] = {}
        """The status each PipelineRun's last pass wrote (its own write's watch event
        needs no pass: see ``Controller``)."""
        self.written_metadata: dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]] = {}
        """The labels and annotations a pass last wrote (``syncMetadata``), likewise."""
        self.awaited: dict[tuple[str, str], list[set[str]]] = {}
        """Per PipelineRun under way, its last pass's ``awaited_task_runs``, less the
        TaskRuns seen ending well since (``success_needs_pass``)."""

    @property
    def default_timeout(self) -> timedelta:
        """``default-timeout-minutes`` as a duration."""
        return timedelta(minutes=self.config.defaults.default_timeout_minutes)

    async def reconcile(self, namespace: str, name: str) -> Requeue:
        """One pass over the PipelineRun ``namespace/name``."""
        self.awaited.pop((namespace, name), None)
        raw = self.store.get("PipelineRun", namespace, name)
        if raw is None:
            return Requeue()
        try:
            decoded = decode(raw)
        except InvalidObject as e:
            log.error("PipelineRun %s/%s cannot be decoded: %s", namespace, name, e)
            return Requeue()
        assert isinstance(decoded, PipelineRun)
        pr = decoded
        # The encoded status, not a deep copy: the copy cost more than the rest of a pass.
        before = msgspec.json.encode(pr.status)
        try:
            requeue = self._reconcile(pr)
        finally:
            if msgspec.json.encode(pr.status) != before:
                self._save_status(raw, pr)
            meta = raw.get("metadata") or {}
            if pr.metadata.labels != (meta.get("labels") or {}) or pr.metadata.annotations != (
                meta.get("annotations") or {}
            ):
                # After the status, whose write needs the version read at the start.
                sync_own_metadata(
                    self.store,
                    "PipelineRun",
                    namespace,
                    name,
                    pr.metadata.labels,
                    pr.metadata.annotations,
                    self.written_metadata,
                )
            if _is_done(pr):
                self._caches.pop(pr.metadata.uid, None)
        return requeue

    # -- the pass ---------------------------------------------------------------------------

    def _reconcile(self, pr: PipelineRun) -> Requeue:
        now = self.clock()
        name = pr.metadata.name
        status = _status(pr)
        if _is_done(pr):
            # Tekton cleans up affinity assistants here; claims are owned by the run and
            # go when it is deleted, so there is nothing to do.
            return Requeue()
        pending = pr.spec.status == SPEC_STATUS_PENDING
        if not status.start_time and not pending:
            _initialize(pr, now)
        # propagatePipelineNameLabelToPipelineRun, before the cancel and pending checks.
        label = pipeline_name_label(pr)
        if label is not None:
            pr.metadata.labels[PIPELINE_LABEL_KEY] = label
        if pr.spec.status == ps.SPEC_STATUS_CANCELLED:
            self._cancel_children(pr, self._children(pr).values())
            error = unknown_child_kinds_error(status.child_references)
            if error is not None:
                # Tekton's cancel patches TaskRuns and CustomRuns only: with a child
                # PipelineRun the run stays Unknown and the cancel is retried.
                _mark(status, "Unknown", COULDNT_CANCEL, couldnt_cancel_message(name, [error]), now)
                return Requeue(after=_RETRY_AFTER)
            _mark(
                status,
                "False",
                ps.REASON_CANCELLED,
                f"PipelineRun {go_quote(name)} was cancelled",
                now,
            )
            return Requeue()
        if pending:
            _mark(
                status, "Unknown", REASON_PENDING, f"PipelineRun {go_quote(name)} is pending", now
            )
            return Requeue()

        # Read by name, as Tekton's resolution asks its lister: listing by label would
        # scan every TaskRun of the namespace, the history of earlier runs included.
        children = _TaskRunReader(self, pr)
        resolved = resolve_pipelinerun(
            pr,
            self.lookup,
            self.config,
            task_runs=children,
            cache=self._cache(pr).resolution,
            pipeline_runs=_PipelineRunReader(self, pr),
        )
        if isinstance(resolved, PipelineRunFailure):
            _mark(status, "False", resolved.reason, resolved.message, now)
            return Requeue()
        status.pipeline_spec = resolved.pipeline_spec
        # storePipelineSpecAndMergeMeta: the Pipeline's labels and annotations.
        pr.metadata.labels = dict(resolved.pipeline_run.metadata.labels)
        pr.metadata.annotations = dict(resolved.pipeline_run.metadata.annotations)
        facts = self._facts(pr, resolved)

        if facts.is_gracefully_cancelled() and ps.any_dag_task_running(facts):
            self._cancel_children(pr, [tr for t in facts.state for tr in t.task_runs])
            error = unknown_child_kinds_error(status.child_references)
            if error is not None:
                _mark(status, "Unknown", COULDNT_CANCEL, couldnt_cancel_message(name, [error]), now)
                return Requeue(after=_RETRY_AFTER)
        if ps.is_before_first_task_run(facts.state):
            self._create_claims(resolved.pipeline_run)
        to_time_out = ps.tasks_to_time_out(facts, now)
        self._cancel_children(pr, [tr for t in to_time_out for tr in t.task_runs], timed_out=True)
        if to_time_out:
            names = [ps.task_name(t) for t in to_time_out]
            if unknown_child_kinds_error(status.child_references, names) is not None:
                # Tekton returns an error here, leaving the status as it was: retry.
                return Requeue(after=_RETRY_AFTER)

        plan = ps.plan_next_tasks(facts, now, name)
        if plan.cel_error is not None:
            _mark(status, "False", ps.REASON_CEL_EVALUATION_FAILED, plan.cel_error, now)
            return Requeue()
        if plan.finally_start_time is not None and not status.finally_start_time:
            status.finally_start_time = format_time(plan.finally_start_time)
        failure = self._start_tasks(resolved, facts, plan)
        if failure is not None:
            _mark(status, "False", failure.reason, failure.message, now)
            return Requeue()
        facts.reset_skip_cache()

        if facts.has_timed_out(now):
            self._cancel_children(pr, self._children(pr).values(), timed_out=True)
            error = unknown_child_kinds_error(status.child_references)
            if error is not None:
                message = couldnt_time_out_message(name, [error])
                _mark(status, "Unknown", COULDNT_TIME_OUT, message, now)
                return Requeue(after=_RETRY_AFTER)
        condition = ps.get_pipeline_condition_status(facts, name, now)
        _mark(status, condition.status, condition.reason, condition.message, now)
        if status.start_time:
            start = ps.adjust_start_time(facts.state, parse_time(status.start_time))
            status.start_time = format_time(start)
        status.child_references = ps.get_child_references(facts, now) or None
        status.skipped_tasks = ps.get_skipped_tasks(facts, now) or None
        if condition.status != "Unknown":
            results, error = ps.pipeline_run_results(facts, resolved.pipeline_spec.results, now)
            status.results = results or None
            if error is not None:
                message = ps.couldnt_get_pipeline_result_message(name, error)
                _mark(status, "False", ps.REASON_COULDNT_GET_PIPELINE_RESULT, message, now)
            return Requeue()
        self.awaited[(pr.metadata.namespace, name)] = ps.awaited_task_runs(facts)
        return Requeue(after=_next_deadline(facts.timeouts, now))

    def success_needs_pass(self, namespace: str, name: str, taskrun: str) -> bool:
        """Whether the child TaskRun ``taskrun``, seen ending well, lets a pass over the
        PipelineRun ``namespace/name`` do more than count it (``awaited_task_runs``):
        it is the last of a group its last pass waited for, or no pass since recorded
        what it waits for. False when that pass had already seen it end."""
        groups = self.awaited.get((namespace, name))
        if groups is None:
            return True
        for group in groups:
            group.discard(taskrun)
            if not group:
                return True
        return False

    def _facts(self, pr: PipelineRun, resolved: ResolvedPipelineRun) -> PipelineRunFacts:
        """Tekton's ``PipelineRunFacts`` of this pass."""
        status = _status(pr)
        timeouts = PipelineRunTimeouts.from_pipelinerun(
            resolved.pipeline_run,
            default_timeout=self.default_timeout,
            start_time=parse_time(status.start_time) if status.start_time else None,
            finally_start_time=(
                parse_time(status.finally_start_time) if status.finally_start_time else None
            ),
        )
        return PipelineRunFacts(
            state=list(resolved.tasks),
            tasks_graph=resolved.tasks_graph,
            finally_graph=resolved.finally_graph,
            spec_status=pr.spec.status or "",
            timeouts=timeouts,
        )

    def _start_tasks(
        self, resolved: ResolvedPipelineRun, facts: PipelineRunFacts, plan: ps.NextTasks
    ) -> PipelineRunFailure | None:
        """Build and create the TaskRuns of the tasks ``plan`` schedules, recording them
        in ``facts`` so that the status computed next sees them."""
        if not plan.tasks:
            return None
        results = ps.get_task_runs_results(facts)
        artifacts = get_task_runs_artifacts(facts)
        run = resolved.pipeline_run
        # Tekton's ApplyResultsToWorkspaceBindings: bindings may name earlier results.
        # (A copy: the resolved run is shared with later passes.)
        workspaces = apply_results_to_workspace_bindings(results, run.spec.workspaces)
        run = msgspec.structs.replace(
            run, spec=msgspec.structs.replace(run.spec, workspaces=workspaces)
        )
        matrix_runs = {
            ps.task_name(t): list(t.task_runs) for t in facts.state if is_matrixed(t.pipeline_task)
        }
        by_name = {t.pipeline_task.name: t for t in resolved.tasks}
        # One write for the lot: a fan-out's hundred TaskRuns (a matrix's combinations)
        # are one commit.
        with self.store.batch():
            try:
                started = self._create_children(plan, by_name, run, results, artifacts, matrix_runs)
            except (Invalid, BadRequest) as error:
                # handleRunCreationError: the API server refused a child (a label from
                # a taskSpec's metadata, say); no retry can help. As in Tekton, the
                # pass ends there: the children created before it are not recorded.
                return PipelineRunFailure(CREATE_RUN_FAILED, str(error))
        if isinstance(started, PipelineRunFailure):
            return started
        facts.replace_task(*started)
        return None

    def _create_children(
        self,
        plan: ps.NextTasks,
        by_name: Mapping[str, ResolvedPipelineTask],
        run: PipelineRun,
        results: Mapping[str, Sequence[RunResult]],
        artifacts: Mapping[str, Artifacts | None],
        matrix_runs: Mapping[str, list[TaskRun]],
    ) -> list[ps.PipelineTaskState] | PipelineRunFailure:
        """Build and create the children of each task ``plan`` schedules: the tasks with
        their children. The store's refusal of a child is raised."""
        started: list[ps.PipelineTaskState] = []
        for scheduled in plan.tasks:
            task = by_name[ps.task_name(scheduled.task)]
            ready = msgspec.structs.replace(task, pipeline_task=scheduled.pipeline_task)
            if task.is_child_pipeline:
                children = build_child_pipeline_runs(
                    run,
                    ready,
                    self.config,
                    ancestors=self._ancestor_reader(run),
                    matrix_task_runs=matrix_runs,
                )
                if isinstance(children, PipelineRunFailure):
                    return children
                created_runs = [self._create_child_pipeline_run(c) for c in children]
                started.append(msgspec.structs.replace(task, child_pipeline_runs=created_runs))
                continue
            if task.resolved_task is None:
                # Custom tasks: Tektite has no controller for them.
                return PipelineRunFailure(
                    CREATE_RUN_FAILED,
                    f"pipeline task {go_quote(task.pipeline_task.name)} runs a custom task, "
                    "which Tektite cannot run",
                )
            built = build_task_runs(
                run,
                ready,
                self.config,
                task_run_results=results,
                artifacts=artifacts,
                matrix_task_runs=matrix_runs,
            )
            if isinstance(built, PipelineRunFailure):
                return built
            created = [self._create_task_run(tr) for tr in built]
            started.append(msgspec.structs.replace(task, task_runs=created))
        return started

    # -- effects ----------------------------------------------------------------------------

    def _children(self, pr: PipelineRun) -> dict[str, TaskRun]:
        """The run's TaskRuns by name: those labelled with it and owned by it (a run of
        an earlier PipelineRun of the same name is not adopted), and those its
        ``childReferences`` name."""
        ns = pr.metadata.namespace
        selector = f"{PIPELINE_RUN_LABEL_KEY}={pr.metadata.name}"
        raws = self.store.list("TaskRun", ns, label_selector=selector)
        owned = [r for r in raws if _is_child(r, pr)]
        named = {r["metadata"]["name"] for r in owned}
        for ref in (pr.status.child_references if pr.status else None) or ():
            if ref.kind == "TaskRun" and ref.name not in named:
                raw = self.store.get("TaskRun", ns, ref.name)
                if raw is not None:
                    owned.append(raw)
        out: dict[str, TaskRun] = {}
        for raw in owned:
            tr = self._decoded_child(pr, raw)
            if tr is not None:
                out[tr.metadata.name] = tr
        return out

    def _decoded_child(self, pr: PipelineRun, raw: dict[str, Any]) -> TaskRun | None:
        """The stored TaskRun as a model (None if it does not decode). Decoding is most
        of the cost of reading the children: a TaskRun whose resourceVersion did not
        change since the last pass is the model decoded then."""
        return _decode_cached(self._cache(pr).children, raw, TaskRun)

    def _decoded_child_pipeline_run(
        self, pr: PipelineRun, raw: dict[str, Any]
    ) -> PipelineRun | None:
        """A child PipelineRun as a model, decoded once per resourceVersion."""
        return _decode_cached(self._cache(pr).child_pipeline_runs, raw, PipelineRun)

    def _cache(self, pr: PipelineRun) -> _RunCache:
        """The caches of this PipelineRun (by uid), made on first use."""
        uid = pr.metadata.uid
        cache = self._caches.get(uid)
        if cache is None:
            if len(self._caches) >= _MAX_CACHED_RUNS:
                # Runs that vanished without a last pass: forget the oldest.
                self._caches.pop(next(iter(self._caches)))
            cache = self._caches[uid] = _RunCache()
        return cache

    def _cancel_children(
        self, pr: PipelineRun, task_runs: Iterable[TaskRun], *, timed_out: bool = False
    ) -> None:
        """Tekton's cancel/timeout patch (``spec.status: TaskRunCancelled`` and the
        ``statusMessage``) on each unfinished TaskRun; one already done keeps its
        outcome."""
        for tr in task_runs:
            if is_task_run_done(tr) or tr.spec.status:
                continue
            patched = cancelled(tr, timed_out=timed_out)
            for _ in range(3):  # a conflict with the TaskRun reconciler's write: retry
                raw = self.store.get("TaskRun", pr.metadata.namespace, tr.metadata.name)
                if raw is None:
                    break
                raw["spec"]["status"] = patched.spec.status
                raw["spec"]["statusMessage"] = patched.spec.status_message
                try:
                    self.store.update(raw)
                    break
                except Conflict:
                    continue
                except NotFound:
                    break

    def _create_claims(self, pr: PipelineRun) -> None:
        """The claims of the run's volumeClaimTemplates, owned by the run."""
        for claim in workspace_claims(pr, self.config):
            with contextlib.suppress(AlreadyExists):
                self.store.create(claim)

    def _create_task_run(self, tr: TaskRun) -> TaskRun:
        """Create a child TaskRun; one that exists already (an earlier pass created it and
        its status was not saved) is taken as it is."""
        try:
            raw = self.store.create(tr.to_dict())
        except AlreadyExists:
            existing = self.store.get("TaskRun", tr.metadata.namespace, tr.metadata.name)
            if existing is None:
                return tr
            raw = existing
        created = decode(raw)
        assert isinstance(created, TaskRun)
        return created

    def _create_child_pipeline_run(self, child: PipelineRun) -> PipelineRun:
        """Create a child PipelineRun (pipelines in pipelines); one that exists already
        is taken as it is, as for TaskRuns. It is stored defaulted, as Tekton's
        mutating webhook stores it (``timeouts.pipeline``, the service account...)."""
        default_pipelinerun(child, self.config)
        try:
            raw = self.store.create(child.to_dict())
        except AlreadyExists:
            existing = self.store.get("PipelineRun", child.metadata.namespace, child.metadata.name)
            if existing is None:
                return child
            raw = existing
        created = decode(raw)
        assert isinstance(created, PipelineRun)
        return created

    def _ancestor_reader(self, pr: PipelineRun) -> Callable[[str], ObjectMeta | None]:
        """The metadata of a PipelineRun of ``pr``'s namespace, for the cycle check of
        ``pipelineRef`` children (Tekton walks its lister up the owner chain)."""

        def read(name: str) -> ObjectMeta | None:
            raw = self.store.get("PipelineRun", pr.metadata.namespace, name)
            if raw is None:
                return None
            try:
                return msgspec.convert(raw.get("metadata") or {}, ObjectMeta)
            except msgspec.ValidationError:
                return None

        return read

    def _save_status(self, raw: dict[str, Any], pr: PipelineRun) -> None:
        """Write the status back, onto the latest version on a conflict, as Knative's
        reconcilers do (``status_update``)."""
        update_own_status(self.store, raw, pr.status.to_dict() if pr.status else {}, self.written)


_MAX_CACHED_RUNS = 256
_RETRY_AFTER = 5.0
"""Seconds before retrying a pass that failed as Tekton's does (it returns an error and
its work queue retries): cancelling or timing out a run with child PipelineRuns."""


class _ChildReader:
    """The PipelineRun's TaskRuns (or child PipelineRuns, by ``kind``) by name, as
    resolution asks for them: those its ``childReferences`` name (read together when
    the reader is made), and those of its own making (owned by it; a run of an earlier
    PipelineRun of the same name is not adopted; read when asked for), as
    :meth:`_children` finds."""

    def __init__(self, reconciler: PipelineRunReconciler, pr: PipelineRun, kind: str) -> None:
        self._reconciler = reconciler
        self._pr = pr
        self._kind = kind
        refs = (pr.status.child_references if pr.status else None) or ()
        self._referenced = {ref.name for ref in refs if ref.kind == kind}
        # The children the status names, in one read: resolution asks for each of them.
        self._known = (
            reconciler.store.get_many(kind, pr.metadata.namespace, self._referenced)
            if self._referenced
            else {}
        )

    def _raw(self, name: str) -> dict[str, Any] | None:
        pr = self._pr
        if name in self._referenced:
            raw = self._known.get(name)
        else:
            raw = self._reconciler.store.get(self._kind, pr.metadata.namespace, name)
        if raw is None:
            return None
        if name not in self._referenced and not _is_child(raw, pr):
            return None
        return raw


class _TaskRunReader(_ChildReader):
    """The PipelineRun's TaskRuns by name."""

    def __init__(self, reconciler: PipelineRunReconciler, pr: PipelineRun) -> None:
        super().__init__(reconciler, pr, "TaskRun")

    def get(self, name: str, /) -> TaskRun | None:
        """The TaskRun ``name`` if it is one of this run's, else None."""
        raw = self._raw(name)
        return None if raw is None else self._reconciler._decoded_child(self._pr, raw)


class _PipelineRunReader(_ChildReader):
    """The PipelineRun's child PipelineRuns by name (pipelines in pipelines)."""

    def __init__(self, reconciler: PipelineRunReconciler, pr: PipelineRun) -> None:
        super().__init__(reconciler, pr, "PipelineRun")

    def get(self, name: str, /) -> PipelineRun | None:
        """The child PipelineRun ``name`` if it is one of this run's, else None."""
        raw = self._raw(name)
        if raw is None:
            return None
        return self._reconciler._decoded_child_pipeline_run(self._pr, raw)


_Child = TypeVar("_Child", TaskRun, PipelineRun)


def _decode_cached(
    known: dict[tuple[str, str], tuple[str, _Child]], raw: dict[str, Any], kind: type[_Child]
) -> _Child | None:
    """``raw`` decoded as ``kind`` (None if it does not decode), reusing the model in
    ``known`` while its resourceVersion is unchanged."""
    meta = raw.get("metadata") or {}
    key = (str(meta.get("name", "")), str(meta.get("uid", "")))
    version = str(meta.get("resourceVersion", ""))
    cached = known.get(key)
    if cached is not None and version and cached[0] == version:
        return cached[1]
    try:
        obj = decode(raw)
    except InvalidObject:
        return None
    if not isinstance(obj, kind):
        return None
    known[key] = (version, obj)
    return obj


def _is_child(raw: dict[str, Any], pr: PipelineRun) -> bool:
    """Labelled with the run and owned by it (by uid, when the run has one)."""
    meta = raw.get("metadata") or {}
    if (meta.get("labels") or {}).get(PIPELINE_RUN_LABEL_KEY) != pr.metadata.name:
        return False
    uid = pr.metadata.uid
    return not uid or any(o.get("uid") == uid for o in meta.get("ownerReferences") or ())


@dataclasses.dataclass
class _RunCache:
    """What the reconciler keeps between passes over one PipelineRun. Only an
    optimisation: every pass still reads the run and its children from the store."""

    resolution: ResolutionCache = dataclasses.field(default_factory=ResolutionCache)
    children: dict[tuple[str, str], tuple[str, TaskRun]] = dataclasses.field(default_factory=dict)
    child_pipeline_runs: dict[tuple[str, str], tuple[str, PipelineRun]] = dataclasses.field(
        default_factory=dict
    )


# -- status helpers --------------------------------------------------------------------------


def _status(pr: PipelineRun) -> PipelineRunStatus:
    if pr.status is None:
        pr.status = PipelineRunStatus()
    return pr.status


def _condition(pr: PipelineRun) -> Condition | None:
    for c in (pr.status.conditions if pr.status else None) or ():
        if c.type == ps.CONDITION_SUCCEEDED:
            return c
    return None


def _is_done(pr: PipelineRun) -> bool:
    c = _condition(pr)
    return c is not None and c.status in ("True", "False")


def _initialize(pr: PipelineRun, now: datetime) -> None:
    """``InitializeConditions``: ``startTime`` (not before the creation, should the
    clock be behind) and ``Succeeded=Unknown``/``Started``."""
    status = _status(pr)
    start = now
    created = pr.metadata.creation_timestamp
    if created and parse_time(created) > now:
        start = parse_time(created)
    status.start_time = format_time(start)
    if _condition(pr) is None:
        _mark(status, "Unknown", REASON_STARTED, "", now)


def _mark(status: PipelineRunStatus, state: str, reason: str, message: str, now: datetime) -> None:
    """Knative's ``SetCondition`` for ``Succeeded`` (an unchanged condition keeps its
    ``lastTransitionTime``), and ``MarkSucceeded``/``MarkFailed``'s ``completionTime``."""
    new = Condition(type=ps.CONDITION_SUCCEEDED, status=state, reason=reason, message=message)
    others: list[Condition] = []
    current: Condition | None = None
    for c in status.conditions or ():
        if c.type == ps.CONDITION_SUCCEEDED:
            current = c
        else:
            others.append(c)
    if current is not None:
        new.last_transition_time = current.last_transition_time
    if new != current:
        new.last_transition_time = format_time(now)
    status.conditions = sorted([*others, new], key=lambda c: c.type)
    if state != "Unknown":
        status.completion_time = new.last_transition_time


def _next_deadline(timeouts: PipelineRunTimeouts, now: datetime) -> float | None:
    """Seconds until the nearest pipeline, tasks or finally deadline (None: none)."""
    deadlines: list[datetime] = []
    if timeouts.start_time is not None:
        if timeouts.pipeline:
            deadlines.append(timeouts.start_time + timeouts.pipeline)
        if timeouts.tasks and timeouts.finally_start_time is None:
            deadlines.append(timeouts.start_time + timeouts.tasks)
    if timeouts.finally_start_time is not None and timeouts.finally_:
        deadlines.append(timeouts.finally_start_time + timeouts.finally_)
    if not deadlines:
        return None
    # Just past the deadline: the timeout checks are strict (elapsed > timeout).
    return max(0.0, (min(deadlines) - now).total_seconds()) + 0.01
