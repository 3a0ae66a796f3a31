"""The controller: informers over the Store and the PodRuntime feeding a work queue that
drives the reconcilers, as Tekton's controller manager does with Knative's machinery."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from tektite.api.config import Config
from tektite.controller.queue import WorkQueue
from tektite.controller.retention import RetentionController, logs_root
from tektite.controller.taskrun import Requeue, TaskRunReconciler, pod_state
from tektite.engine.pod import PodImages
from tektite.engine.pod_status import needs_prompt_pass
from tektite.runtime.protocol import PodKey, PodRuntime
from tektite.store.errors import StoreError
from tektite.store.protocol import Store, WatchEvent

if TYPE_CHECKING:
    from tektite.controller.pipelinerun import PipelineRunReconciler

log = logging.getLogger(__name__)

Key = tuple[str, str, str]
"""(kind, namespace, name) of an object to reconcile."""

TASKRUN_LABEL = "tekton.dev/taskRun"
PIPELINERUN_LABEL = "tekton.dev/pipelineRun"
_MAX_BACKOFF = 30.0
POD_CHANGE_WITHIN = 0.25
"""At most this many seconds between a Pod's change that is not urgent
(``needs_prompt_pass``) and its TaskRun's pass: a Pod's burst of changes as it starts
(init containers running and done, steps running) makes one pass. (A kubelet reports
container changes up to a second late: its PLEG relists every second.)"""
COUNTED_END_WITHIN = 0.25
"""At most this many seconds between a child TaskRun's successful end that only adds to
the count of its PipelineRun's Running message (``awaited_task_runs``) and the pass
that counts it: a fan-in's hundred ends make a few passes, not one per end, each over
every task of the run."""


def utc_now() -> datetime:
    """The controller's default clock."""
    return datetime.now(UTC)


class TaskRunChange(NamedTuple):
    """What one watch event of a TaskRun calls for."""

    own_write: bool
    """Only the status (and ``syncMetadata``'s labels) its reconciler just wrote: a pass
    over it would find what that pass left (changes of its Pod have their own events),
    so none is queued. Any other change (spec, labels, annotations, deletion, a status
    written by someone else) needs one."""
    moves_pipelinerun: bool
    """It can change what a pass over its PipelineRun does: its creation or deletion, a
    change of anything but its status by someone else, or its end. A status that only
    says more about a run under way (its Pod, its steps, Pending or Running), or the
    Task's labels its own first pass copies onto it (``syncMetadata``), changes nothing
    a PipelineRun reads, and such events would each cost a pass over all its tasks."""
    succeeded: bool
    """It moves its PipelineRun only by ending well (``success_needs_pass`` says whether
    that calls for a pass at once)."""


class _Writer(Protocol):
    """What a reconciler records of its own writes, by (namespace, name)."""

    written: dict[tuple[str, str], dict[str, Any]]
    """The status its last pass wrote."""
    written_metadata: dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]]
    """The labels and annotations its last pass wrote (``syncMetadata``)."""


class Controller:
    """Runs the reconcilers until cancelled."""

    def __init__(
        self,
        store: Store,
        runtime: PodRuntime,
        config: Config,
        *,
        clock: Callable[[], datetime] = utc_now,
        images: PodImages | None = None,
        workers: int = 4,
    ) -> None:
        self.store = store
        self.runtime = runtime
        self.queue: WorkQueue[Key] = WorkQueue()
        self.taskruns = TaskRunReconciler(store, runtime, config, images=images, clock=clock)
        self._config = config
        self._clock = clock
        self._pipelineruns: PipelineRunReconciler | None = None
        self._workers = workers
        self._failures: dict[Key, int] = {}
        self._seen: dict[tuple[str, str, str], dict[str, Any]] = {}
        """Each run (kind, namespace, name) as last seen by the store watch, but its
        status and version."""
        self.retention = RetentionController(
            store, runtime, clock=clock, log_root=logs_root(runtime)
        )

    @property
    def pipelineruns(self) -> PipelineRunReconciler:
        """The PipelineRun reconciler, built on first use: a file of TaskRuns alone
        never pays for importing the pipeline engine (a fair share of `tektite run`)."""
        if self._pipelineruns is None:
            from tektite.controller.pipelinerun import PipelineRunReconciler

            self._pipelineruns = PipelineRunReconciler(self.store, self._config, clock=self._clock)
        return self._pipelineruns

    async def run(self) -> None:
        """Watch, queue and reconcile until the task is cancelled."""
        tasks = [
            asyncio.create_task(self._watch_store(), name="watch-store"),
            asyncio.create_task(self._watch_pods(), name="watch-pods"),
            asyncio.create_task(self.retention.run(), name="retention"),
            *(asyncio.create_task(self._work(), name=f"worker-{i}") for i in range(self._workers)),
        ]
        try:
            await asyncio.gather(*tasks)
        except Exception:
            # Nothing reconciles any more: say so at once (the caller sees it only when
            # it stops the controller).
            log.exception("the controller stopped")
            raise
        finally:
            for t in tasks:
                t.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(*tasks, return_exceptions=True)
            self.queue.close()

    async def _watch_store(self) -> None:
        async for event in self.store.watch(["TaskRun", "PipelineRun"]):
            self._queue_passes(event)

    def _queue_passes(self, event: WatchEvent) -> None:
        """Queue the passes a run's watch event calls for."""
        kind = event.object.get("kind", "")
        meta = event.object.get("metadata", {})
        namespace = meta.get("namespace", "")
        # A child's change is its PipelineRun's business too (Tekton's controller
        # watches the runs owned by PipelineRuns): a child PipelineRun's (pipelines in
        # pipelines) always, a TaskRun's when it can change what the pass does.
        owner = (meta.get("labels") or {}).get(PIPELINERUN_LABEL)
        if kind == "TaskRun":
            change = self._taskrun_change(event)
            if not change.own_write:
                self.queue.add((kind, namespace, meta["name"]))
            if owner and change.moves_pipelinerun:
                parent = ("PipelineRun", namespace, owner)
                if change.succeeded and not self.pipelineruns.success_needs_pass(
                    namespace, owner, meta["name"]
                ):
                    self.queue.add_soon(parent, COUNTED_END_WITHIN)
                else:
                    self.queue.add(parent)
            return
        if not self._pipelinerun_own_write(event):
            self.queue.add((kind, namespace, meta["name"]))
        if owner and owner != meta["name"]:
            self.queue.add(("PipelineRun", namespace, owner))

    def _taskrun_change(self, event: WatchEvent) -> TaskRunChange:
        """What a TaskRun's event calls for (see ``TaskRunChange``), from the TaskRun as
        last seen, but its status and version."""
        obj = event.object
        own, changed = self._own_write(event, self.taskruns)
        status = obj.get("status") or {}
        ended = event.type == "DELETED" or _finished(status)
        moved = changed and not own and not self._created_by_its_pipelinerun(event)
        succeeded = ended and not moved and event.type != "DELETED" and _succeeded(status) == "True"
        return TaskRunChange(own_write=own, moves_pipelinerun=ended or moved, succeeded=succeeded)

    def _created_by_its_pipelinerun(self, event: WatchEvent) -> bool:
        """Whether a TaskRun's event is its creation by its PipelineRun's last pass, which
        wrote it into its ``childReferences``: that pass saw it as created, so a pass
        now would see what it saw."""
        obj = event.object
        if event.type != "ADDED" or obj.get("status") or self._pipelineruns is None:
            return False
        meta = obj.get("metadata") or {}
        owner = (meta.get("labels") or {}).get(PIPELINERUN_LABEL)
        written = self._pipelineruns.written.get((str(meta.get("namespace", "")), str(owner)))
        name = meta.get("name")
        return written is not None and any(
            ref.get("name") == name and ref.get("kind") == "TaskRun"
            for ref in written.get("childReferences") or ()
        )

    def _pipelinerun_own_write(self, event: WatchEvent) -> bool:
        """Whether a PipelineRun's event is only what its own reconciler's pass just
        wrote (its status, then ``syncMetadata``'s labels): the pass that wrote it found
        nothing more to do, and a pass over the same run and the same children would
        do the same, so none is queued (it would run ahead of the work that pass
        queued: the Pods of the TaskRuns it created). Any other change needs one."""
        return self._own_write(event, self.pipelineruns)[0]

    def _own_write(self, event: WatchEvent, reconciler: _Writer) -> tuple[bool, bool]:
        """Whether a run's event is its ``reconciler``'s own write (see
        ``TaskRunChange.own_write``), and whether anything but its status changed
        since the run was last seen."""
        obj = event.object
        kind = str(obj.get("kind", ""))
        key = _key(obj)
        if event.type == "DELETED":
            self._forget(kind, key, reconciler)
            return False, True
        rest = _without_status(obj)
        previous, self._seen[(kind, *key)] = self._seen.get((kind, *key)), rest
        written = reconciler.written.get(key)
        same = previous == rest or _only_metadata_written(
            previous, rest, reconciler.written_metadata.get(key)
        )
        own = same and written is not None and obj.get("status") == written
        if own and written is not None and _finished(written):
            # Done: forget it (a later event is simply reconciled), so that a daemon
            # does not keep every run it ever ran.
            self._forget(kind, key, reconciler)
        return own, previous != rest

    def _forget(self, kind: str, key: tuple[str, str], reconciler: _Writer) -> None:
        self._seen.pop((kind, *key), None)
        reconciler.written.pop(key, None)
        reconciler.written_metadata.pop(key, None)
        if kind == "TaskRun":
            self.taskruns.pods_read.pop(key, None)

    async def _watch_pods(self) -> None:
        last: dict[PodKey, tuple[Any, Any]] = {}
        async for key in self.runtime.watch():
            pod = await self.runtime.get_pod(key)
            if pod is None:
                last.pop(key, None)
            else:
                # A runtime may report a Pod again with nothing changed: the pass the
                # first report queued reads the Pod after it, so it sees this state.
                state = pod_state(pod)
                before = last.get(key)
                if before == state:
                    continue
                last[key] = state
            labels = (pod or {}).get("metadata", {}).get("labels") or {}
            owner = labels.get(TASKRUN_LABEL)
            if not owner:
                continue
            if pod is not None and self.taskruns.pods_read.get((key.namespace, owner)) == state:
                # What its TaskRun's last pass worked from (the Pod as that pass created
                # it, typically): a pass now would find what that one found.
                continue
            if pod is not None and not needs_prompt_pass(before and before[0], pod):
                self.queue.add_soon(("TaskRun", key.namespace, owner), POD_CHANGE_WITHIN)
            else:
                self.queue.add(("TaskRun", key.namespace, owner))

    async def _reconcile(self, key: Key) -> Requeue:
        kind, namespace, name = key
        if kind == "PipelineRun":
            return await self.pipelineruns.reconcile(namespace, name)
        return await self.taskruns.reconcile(namespace, name)

    def _retry_later(self, key: Key) -> int:
        """Requeue ``key`` after a failed pass, with exponential backoff as client-go's
        rate-limited queue does; the number of failures in a row."""
        n = self._failures.get(key, 0) + 1
        self._failures[key] = n
        self.queue.add_after(key, min(_MAX_BACKOFF, 0.05 * 2**n))
        return n

    async def _work(self) -> None:
        while True:
            key = await self.queue.get()
            try:
                requeue = await self._reconcile(key)
                self._failures.pop(key, None)
                if requeue.after is not None:
                    self.queue.add_after(key, requeue.after)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is None or current.cancelling():
                    raise
                # Not this worker being stopped: a cancellation leaking out of the
                # reconcile. Ending the worker would stop the controller: retry instead.
                n = self._retry_later(key)
                log.error("reconciling %s/%s/%s was cancelled (attempt %d)", *key, n)
            except StoreError as error:
                # A write the store refused: an API error with its own message, not a
                # bug; one line, as knative logs a reconcile error, and retried.
                n = self._retry_later(key)
                log.error("reconciling %s/%s/%s failed (attempt %d): %s", *key, n, error)
            except Exception:
                # A bug or a transient failure: log it and try again later, with backoff,
                # as client-go's rate-limited queue does.
                n = self._retry_later(key)
                log.exception("reconciling %s/%s/%s failed (attempt %d)", *key, n)
            finally:
                self.queue.done(key)
            # Let the loop run between passes: a queue that never empties would otherwise
            # keep every other task (the runtime starting the Pods just created) waiting.
            await asyncio.sleep(0)


def _only_metadata_written(
    previous: dict[str, Any] | None,
    rest: dict[str, Any],
    written: tuple[dict[str, str], dict[str, str]] | None,
) -> bool:
    """Whether ``rest`` differs from ``previous`` only by the labels and annotations the
    reconciler itself wrote (``written``): its ``syncMetadata`` after a status write."""
    if previous is None or written is None:
        return False
    meta = rest.get("metadata") or {}
    labels, annotations = written
    if (meta.get("labels") or {}) != labels or (meta.get("annotations") or {}) != annotations:
        return False

    def without_metadata(obj: dict[str, Any]) -> dict[str, Any]:
        kept = dict(obj.get("metadata") or {})
        kept.pop("labels", None)
        kept.pop("annotations", None)
        return {**obj, "metadata": kept}

    return without_metadata(previous) == without_metadata(rest)


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace", "")), str(meta.get("name", "")))


def _without_status(obj: dict[str, Any]) -> dict[str, Any]:
    """The object but its status and resourceVersion: what changes only when someone
    changes the run itself."""
    rest = {k: v for k, v in obj.items() if k != "status"}
    meta = obj.get("metadata") or {}
    rest["metadata"] = {k: v for k, v in meta.items() if k != "resourceVersion"}
    return rest


def _succeeded(status: dict[str, Any]) -> str | None:
    """The ``status`` of a TaskRun status's ``Succeeded`` condition (None without one)."""
    for c in status.get("conditions") or ():
        if c.get("type") == "Succeeded":
            return str(c.get("status"))
    return None


def _finished(status: dict[str, Any]) -> bool:
    """Whether a TaskRun status has its final ``Succeeded`` condition."""
    return _succeeded(status) in ("True", "False")
