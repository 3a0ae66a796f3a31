"""The TaskRun reconciler: Tekton's ``ReconcileKind`` for TaskRuns.

Level-triggered and idempotent: each pass reads the TaskRun and its Pod and moves the
TaskRun one step closer to done — start the clock, resolve what it runs, create the Pod
(deterministic name, so a pass after a crash finds it instead of making another; a Pod
the runtime lost is never made again, the run fails with ``TaskRunPodLost``), release
the first step once sidecars are ready, copy the Pod's state into the status, retry, time
out or cancel. Every decision is one of the engine's pure functions; this module only
reads and writes (Store, PodRuntime) around them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from tektite.api.config import Config
from tektite.api.models import Condition, ObjectMeta, TaskRun, TaskRunStatus, TaskSpec
from tektite.api.objects import InvalidObject, decode
from tektite.controller.adapters import account_objects
from tektite.controller.status_update import update_own_status
from tektite.engine import taskrun_state as state
from tektite.engine.admission import complete_pod, creds_for_run, pod_creation_failure
from tektite.engine.creds import CredsInitError, missing_secrets_message
from tektite.engine.image_lookup import image_lookups
from tektite.engine.pod import PodBuildError, PodImages, build_pod
from tektite.engine.pod_status import (
    RESULTS_FROM_SIDECAR_LOGS,
    RESULTS_SIDECAR_CONTAINER,
    is_container_step,
    reconcile_pod_status,
    sidecars_ready,
    sidecars_to_stop,
    stopped_sidecar_states,
)
from tektite.engine.pod_validation import pod_invalid_message
from tektite.engine.resolve_taskrun import ResolvedTaskRun, TaskRunFailure, resolve_taskrun
from tektite.engine.substitution import apply_credentials_path
from tektite.engine.workspaces import claim_from_template
from tektite.runtime.ignored_fields import ignored_pod_fields, ignored_pod_fields_message
from tektite.runtime.protocol import Pod, PodKey, PodRuntime, PodRuntimeError
from tektite.store.errors import AlreadyExists, Conflict, Invalid, NotFound
from tektite.store.protocol import Store

log = logging.getLogger(__name__)

READY_ANNOTATION = "tekton.dev/ready"
READY_VALUE = "READY"
CANCEL_ANNOTATION = "tekton.dev/cancel"
CANCEL_VALUE = "CANCEL"
REASON_POD_LOST = "TaskRunPodLost"
"""Tektite's: the Pod of a running TaskRun is gone (never recreated)."""


PodState = tuple[Any, Any]
"""A Pod's ``status`` and ``metadata``: what a pass over its TaskRun reads of it."""


def pod_state(pod: Pod) -> PodState:
    """The parts of ``pod`` that change while it runs, of what a pass over its TaskRun
    reads (of its spec, the pass reads only what never changes: the containers' order)."""
    return pod.get("status"), pod.get("metadata") or {}


@dataclass(frozen=True)
class Requeue:
    """Reconcile this key again after ``after`` seconds (None: only on a change)."""

    after: float | None = None


class TaskRunReconciler:
    """Reconciles one TaskRun per call; safe to call any number of times."""

    def __init__(
        self,
        store: Store,
        runtime: PodRuntime,
        config: Config,
        *,
        images: PodImages | None = None,
        clock: Callable[[], datetime],
    ) -> None:
        from tektite.controller.adapters import StoreLookup

        self.store = store
        self.runtime = runtime
        self.config = config
        self.images = images or PodImages()
        self.clock = clock
        self.lookup = StoreLookup(store)
        self.written: dict[tuple[str, str], dict[str, Any]] = {}
        """The status each TaskRun's last pass wrote (its own write's watch event needs
        no pass: see ``Controller``)."""
        self.written_metadata: dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]] = {}
        """The labels and annotations a pass last wrote (``syncMetadata``), likewise."""
        self.pods_read: dict[tuple[str, str], PodState] = {}
        """The state of its Pod (``pod_state``) each TaskRun's last pass worked from: the
        runtime's report of that very state needs no pass (see ``Controller``)."""

    @property
    def default_timeout(self) -> timedelta:
        """``default-timeout-minutes`` as a duration."""
        return timedelta(minutes=self.config.defaults.default_timeout_minutes)

    async def reconcile(self, namespace: str, name: str) -> Requeue:
        """One pass over the TaskRun ``namespace/name``."""
        raw = self.store.get("TaskRun", namespace, name)
        if raw is None:
            return Requeue()
        try:
            decoded = decode(raw)
        except InvalidObject as e:
            log.error("TaskRun %s/%s cannot be decoded: %s", namespace, name, e)
            return Requeue()
        assert isinstance(decoded, TaskRun)
        tr = decoded
        # A snapshot as plain JSON: an order of magnitude cheaper than a deepcopy of the
        # Structs, and what is written anyway when the pass changed it.
        before = _status_json(tr)
        try:
            requeue = await self._reconcile(tr)
        finally:
            after = _status_json(tr)
            meta = raw.get("metadata") or {}
            stored = (meta.get("labels") or {}, meta.get("annotations") or {})
            metadata_changed = (tr.metadata.labels, tr.metadata.annotations) != stored
            # Both changed (the first pass): one write, unless someone else wrote meanwhile.
            together = (
                after != before
                and metadata_changed
                and self._save_all(raw, after or {}, tr.metadata, stored)
            )
            if after != before and not together:
                self._save_status(raw, after)
            if metadata_changed and not together:
                # Tekton's syncMetadata, after the status (whose write needs the
                # version read at the start).
                from tektite.controller.adapters import sync_own_metadata

                sync_own_metadata(
                    self.store,
                    "TaskRun",
                    namespace,
                    name,
                    tr.metadata.labels,
                    tr.metadata.annotations,
                    self.written_metadata,
                )
        return requeue

    # -- the pass ---------------------------------------------------------------------------

    async def _reconcile(self, tr: TaskRun) -> Requeue:
        now = self.clock()
        previous = _copy_condition(state.succeeded_condition(tr))

        if state.is_done(tr):
            await self._stop_sidecars(tr)
            return Requeue()
        if state.is_cancelled(tr):
            await self._fail(tr, state.REASON_CANCELLED, state.cancel_message(tr, previous), now)
            return Requeue()
        if state.is_pending(tr):
            if (
                state.succeeded_condition(tr) is None
                or previous is None
                or (previous.reason != state.REASON_PENDING)
            ):
                state.mark_pending(tr, now)
            return Requeue()
        state.initialize_conditions(tr, now)

        key = PodKey(tr.metadata.namespace, state.pod_name(tr))
        if state.is_timed_out(tr, now, self.default_timeout):
            pod = await self.runtime.get_pod(key) if tr.status and tr.status.pod_name else None
            if pod is not None:
                from tektite.engine.pod_status import update_step_statuses_from_pod

                update_step_statuses_from_pod(tr, pod, now=now)
            message = state.timeout_message(tr, previous, self.default_timeout)
            await self._fail(tr, state.REASON_TIMED_OUT, message, now)
            return Requeue()

        pod = await self.runtime.get_pod(key)
        if (
            pod is None
            and tr.status is not None
            and tr.status.pod_name == key.name
            and self.runtime.name != "kubernetes"
        ):
            # Tekton creates the Pod again. A local runtime adopts its Pods after a
            # restart, so one it does not have is lost (deleted under the run, or its
            # runtime cannot adopt): creating it again would run its steps twice.
            await self._fail(tr, REASON_POD_LOST, pod_lost_message(tr, key), now)
            return Requeue()
        if pod is None:
            resolved = resolve_taskrun(tr, self.lookup, self.config)
            if isinstance(resolved, TaskRunFailure):
                state.mark_resource_failed(_status(tr), resolved.reason, resolved.message, now)
                _status(tr).completion_time = state.format_time(now)
                return Requeue()
            _status(tr).task_spec = resolved.task_spec
            # storeTaskSpecAndMergeMeta: the Task's labels (tekton.dev/task) and
            # annotations go on the TaskRun too.
            tr.metadata.labels = resolved.merged_labels(tr.metadata.labels)
            tr.metadata.annotations = resolved.merged_annotations(tr.metadata.annotations)
            failure = await self._create_pod(tr, resolved, key)
            if failure is not None:
                state.mark_resource_failed(_status(tr), failure.reason, failure.message, now)
                _status(tr).completion_time = state.format_time(now)
                return Requeue()
            pod = await self.runtime.get_pod(key)
            if pod is None:
                return Requeue(after=0.05)

        annotations = pod.get("metadata", {}).get("annotations") or {}
        if annotations.get(READY_ANNOTATION) != READY_VALUE:
            dead = sidecar_failed_before_ready(pod)
            if dead is not None:
                # Tekton counts a dead sidecar as "ready" and starts the steps anyway;
                # Tektite fails the run at once and says which sidecar died.
                reconcile_pod_status(tr, pod, _status(tr).task_spec, now=now)
                await self._fail(tr, "SidecarFailed", dead, now)
                return Requeue()
            if sidecars_ready(pod):
                await self.runtime.set_annotations(key, {READY_ANNOTATION: READY_VALUE})

        self.pods_read[(tr.metadata.namespace, tr.metadata.name)] = pod_state(pod)
        spec = _status(tr).task_spec
        features = self.config.features
        reconcile_pod_status(
            tr,
            pod,
            spec,
            now=now,
            results_from=features.results_from,
            max_result_size=features.max_result_size,
            sidecar_logs=await self._results_sidecar_log(key, pod),
            # With native sidecars the run is only done once they have ended, which
            # is also when the results sidecar's log is complete.
            enable_kubernetes_sidecar=features.enable_kubernetes_sidecar,
        )
        if not state.is_done(tr):
            pod_failure = state.check_pod_failed(tr, pod, now)
            if pod_failure is not None:
                await self._fail(tr, pod_failure.reason, pod_failure.message, now)
                return Requeue()
        if state.is_done(tr):
            if state.retry_if_needed(tr, now):
                await self.runtime.delete_pod(key)
                return Requeue(after=0)
            await self._stop_sidecars(tr, pod)
            return Requeue()
        return Requeue(after=self._remaining(tr, now))

    # -- effects ----------------------------------------------------------------------------

    async def _create_pod(
        self, tr: TaskRun, resolved: ResolvedTaskRun, key: PodKey
    ) -> TaskRunFailure | None:
        """Create claims from templates, then the Pod; a failure says why the run fails."""
        # The run the Pod is built from: the TaskRun with what resolution added. A new
        # metadata and spec, the rest shared (build_pod only reads it).
        meta = tr.metadata
        template = resolved.pod_template
        run = msgspec.structs.replace(
            tr,
            metadata=msgspec.structs.replace(
                meta,
                labels=resolved.merged_labels(meta.labels),
                annotations=resolved.merged_annotations(meta.annotations),
            ),
            spec=msgspec.structs.replace(
                tr.spec,
                workspaces=resolved.workspaces or None,
                pod_template=tr.spec.pod_template if template is None else template,
            ),
        )
        self._create_claims(tr)
        # Tekton substitutes $(credentials.path) only when it builds the Pod.
        spec = apply_credentials_path(resolved.task_spec)
        # The ServiceAccount's annotated Secrets (creds-init) and the LimitRanges.
        objects = account_objects(
            self.store, run.metadata.namespace, run.spec.service_account_name or ""
        )
        try:
            creds = creds_for_run(objects, self.config.features)
            pod = build_pod(
                run,
                spec,
                self._pod_config(),
                images=self.images,
                image_commands=await self._image_commands(run, spec),
                creds_init=creds.creds,
            )
        except (PodBuildError, CredsInitError) as e:
            error = str(e) if isinstance(e, PodBuildError) else f"translating TaskSpec to Pod: {e}"
            return TaskRunFailure(*pod_creation_failure(run, error))
        if creds.missing_secrets:
            log.warning("TaskRun %s: %s", key.name, missing_secrets_message(creds.missing_secrets))
        pod = complete_pod(pod, objects)
        local = self.runtime.name != "kubernetes"  # no API server to check the Pod
        invalid = pod_invalid_message(pod) if local else None
        if invalid is not None:
            return TaskRunFailure(*pod_creation_failure(run, invalid))
        ignored = ignored_pod_fields(pod) if local else []
        if ignored and not (tr.status and tr.status.retries_status):
            meta = run.metadata
            log.warning(ignored_pod_fields_message("TaskRun", meta.namespace, meta.name, ignored))
        try:
            await self.runtime.create_pod(pod)
        except PodRuntimeError as e:
            if e.reason != "AlreadyExists":
                return TaskRunFailure(e.reason, e.message)
        _status(tr).pod_name = key.name
        return None

    def _pod_config(self) -> Config:
        """The configuration Pods are built with. A runtime on one machine runs only the
        containers it is given: no admission webhook injects sidecars there, so
        ``running-in-environment-with-injected-sidecars`` cannot apply, and a Pod with no
        sidecars is ready at once, as Tekton builds it with that flag off (its first step
        does not wait for a pass of this reconciler to set ``tekton.dev/ready``)."""
        features = self.config.features
        if self.runtime.name == "kubernetes" or not (
            features.running_in_environment_with_injected_sidecars
        ):
            return self.config
        local = dataclasses.replace(features, running_in_environment_with_injected_sidecars=False)
        return dataclasses.replace(self.config, features=local)

    async def _image_commands(
        self, run: TaskRun, spec: TaskSpec
    ) -> dict[str, dict[str, list[str]]] | None:
        """Tekton's entrypoint lookup of the images of steps without a command, when
        the runtime has images to look into (podman/docker); None otherwise."""
        lookup = getattr(self.runtime, "image_commands", None)
        if lookup is None:
            return None
        wanted = image_lookups(run, spec)
        if not wanted:
            return None
        commands: dict[str, dict[str, list[str]]] = await lookup(wanted)
        return commands

    def _create_claims(self, tr: TaskRun) -> None:
        owner = _owner_reference(tr)
        for binding in tr.spec.workspaces or ():
            claim = claim_from_template(binding, owner, tr.metadata.namespace)
            if claim is None:
                continue
            with contextlib.suppress(AlreadyExists):
                self.store.create(claim)

    async def _results_sidecar_log(self, key: PodKey, pod: dict[str, Any]) -> str | None:
        """With ``results-from: sidecar-logs``, the log of the ``tekton-log-results``
        sidecar once the steps are done (it prints the results only then); None when
        there is nothing to read yet, or no such sidecar.

        Tekton fetches this log on every pass; before the steps are done it is empty,
        so reading it only afterwards gives the same status for less work. The run is
        not done before the sidecar has ended, so the last read sees the whole log.
        """
        if self.config.features.results_from != RESULTS_FROM_SIDECAR_LOGS:
            return None
        spec = pod.get("spec") or {}
        declared = [*(spec.get("containers") or ()), *(spec.get("initContainers") or ())]
        if not any(c.get("name") == RESULTS_SIDECAR_CONTAINER for c in declared):
            return None
        if not _steps_done(pod):
            return None
        try:
            chunks = [
                chunk
                async for chunk in self.runtime.logs(key, RESULTS_SIDECAR_CONTAINER, follow=False)
            ]
        except PodRuntimeError as e:
            log.warning("cannot read the results of Pod %s/%s: %s", key.namespace, key.name, e)
            return None
        # The engine measures result sizes in bytes: keep undecodable bytes as they are.
        return b"".join(chunks).decode("utf-8", "surrogateescape")

    async def _fail(self, tr: TaskRun, reason: str, message: str, now: datetime) -> None:
        """``failTaskRun``: mark the run failed and stop its Pod — deleted, or, for a
        cancel or a timeout with ``keep-pod-on-cancel``, annotated so that each step's
        entrypoint cancels its step (through the downward ``cancel`` file)."""
        state.fail_taskrun(tr, reason, message, now)
        if not tr.status or not tr.status.pod_name:
            return
        key = PodKey(tr.metadata.namespace, tr.status.pod_name)
        cancelling = reason in (state.REASON_CANCELLED, state.REASON_TIMED_OUT)
        if not (cancelling and self.config.features.keep_pod_on_cancel):
            await self.runtime.delete_pod(key)
            return
        try:
            await self.runtime.set_annotations(key, {CANCEL_ANNOTATION: CANCEL_VALUE})
        except PodRuntimeError as e:
            if e.reason != "NotFound":  # Tekton ignores a Pod that is already gone
                raise

    async def _stop_sidecars(self, tr: TaskRun, pod: dict[str, Any] | None = None) -> None:
        """Tekton swaps running sidecars to the nop image once the steps are done."""
        if not tr.status or not tr.status.pod_name:
            return
        key = PodKey(tr.metadata.namespace, tr.status.pod_name)
        pod = pod or await self.runtime.get_pod(key)
        if pod is None:
            return
        running = sidecars_to_stop(pod, results_from=self.config.features.results_from)
        if running:
            await self.runtime.stop_containers(key, running)
            pod = await self.runtime.get_pod(key)
        if pod is not None and tr.status.sidecars:
            tr.status.sidecars = stopped_sidecar_states(pod) or tr.status.sidecars

    def _remaining(self, tr: TaskRun, now: datetime) -> float | None:
        """Seconds until the TaskRun times out (None: no timeout)."""
        timeout_ns = state.get_timeout(tr, self.default_timeout)
        if timeout_ns == 0 or not tr.status or not tr.status.start_time:
            return None
        started = state.parse_time(tr.status.start_time)
        left = started + timedelta(microseconds=timeout_ns / 1000) - now
        return max(0.0, left.total_seconds()) + 0.001

    def _save_all(
        self,
        raw: dict[str, Any],
        status: dict[str, Any],
        pass_meta: ObjectMeta,
        stored: tuple[dict[str, str], dict[str, str]],
    ) -> bool:
        """The status and what ``syncMetadata`` would write (the pass's labels and
        annotations merged into the ``stored`` ones) in one write, onto the version read
        at the start of the pass. False on a conflict: the caller then writes them one
        by one, each onto the latest version (and on labels the store refuses: the
        status is then written without them)."""
        meta = raw.get("metadata") or {}
        key = (str(meta.get("namespace", "")), str(meta.get("name", "")))
        labels, annotations = stored
        written = ({**labels, **pass_meta.labels}, {**annotations, **pass_meta.annotations})
        self.written[key] = status
        self.written_metadata[key] = written
        body = {**raw, "metadata": {**meta, "labels": written[0], "annotations": written[1]}}
        try:
            self.store.update_with_status({**body, "status": status})
            return True
        except NotFound:
            return True  # gone: nothing to write either way
        except (Conflict, Invalid):
            # Invalid: labels the API server refuses; the status alone must still land.
            self.written.pop(key, None)
            self.written_metadata.pop(key, None)
            return False

    def _save_status(self, raw: dict[str, Any], status: dict[str, Any] | None) -> None:
        """Write the status back, onto the latest version on a conflict, as Knative's
        reconcilers do (``status_update``): what this pass did is never forgotten."""
        update_own_status(self.store, raw, status or {}, self.written)


def pod_lost_message(tr: TaskRun, key: PodKey) -> str:
    """Why a TaskRun whose Pod vanished fails instead of starting it again."""
    return (
        f'pod "{key.name}" of TaskRun "{tr.metadata.name}" was lost: the runtime no '
        "longer has it (it was deleted, or the runtime restarted without it); it is not "
        "created again, so that no step runs twice"
    )


def sidecar_failed_before_ready(pod: dict[str, Any]) -> str | None:
    """Why the steps must not start: a sidecar exited non-zero before the first step was
    released (None when every sidecar is alive or finished cleanly)."""
    for status in (pod.get("status") or {}).get("containerStatuses") or ():
        name = str(status.get("name", ""))
        terminated = (status.get("state") or {}).get("terminated")
        if name.startswith("sidecar-") and terminated and terminated.get("exitCode"):
            reason = terminated.get("reason") or "Error"
            return (
                f"sidecar {name.removeprefix('sidecar-')!r} exited with code "
                f"{terminated['exitCode']} ({reason}) before it was ready; the steps were "
                "not started"
            )
    return None


def _steps_done(pod: dict[str, Any]) -> bool:
    """Every step container has terminated, or the Pod has ended."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return True
    if status.get("phase") != "Running":
        return False
    steps = [
        cs
        for cs in status.get("containerStatuses") or ()
        if is_container_step(cs.get("name") or "")
    ]
    return bool(steps) and all("terminated" in (cs.get("state") or {}) for cs in steps)


def _status_json(tr: TaskRun) -> dict[str, Any] | None:
    return tr.status.to_dict() if tr.status is not None else None


def _status(tr: TaskRun) -> TaskRunStatus:
    if tr.status is None:
        tr.status = TaskRunStatus()
    return tr.status


def _copy_condition(c: Condition | None) -> Condition | None:
    # Shallow is enough: its fields are all strings.
    return msgspec.structs.replace(c) if c is not None else None


def _owner_reference(tr: TaskRun) -> dict[str, Any]:
    return {
        "apiVersion": tr.api_version,
        "kind": tr.kind,
        "name": tr.metadata.name,
        "uid": tr.metadata.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }
