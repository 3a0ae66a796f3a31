"""What the host and container runtimes' Pods share: the kubelet's bookkeeping of one Pod.

``KubeletPod`` keeps the containers' records and from them the Pod's phase and status;
it runs the init containers in order, retries the volumes while one is missing, applies
``activeDeadlineSeconds`` and ``terminationGracePeriodSeconds``, Tekton's sidecar stop
and annotation changes. How a container's process is made, run and stopped is each
runtime's own (``host_pod.PodRun``, ``container.pod.ContainerPod``): they implement the
abstract methods, ``start``, ``pod_json``, ``_new_container``, ``_materialise_volumes``,
``_start_init`` and ``_terminate``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import signal
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from tektite.runtime import host_state
from tektite.runtime.logfile import pod_log_dir
from tektite.runtime.pod_status import (
    COMPLETED,
    CONTAINER_CREATING,
    ERROR,
    FAILED,
    NOP_STOP_MESSAGE,
    POD_INITIALIZING,
    Conditions,
    ContainerRecord,
    local_pod_status,
    now_rfc3339,
    pod_phase,
)
from tektite.runtime.protocol import ClusterData, Pod, PodKey
from tektite.runtime.volumes import HostVolume, VolumeError, refresh_downward

DEFAULT_GRACE_SECONDS = 30.0
"""``terminationGracePeriodSeconds`` when the Pod does not say."""
CONFIG_RETRY_SECONDS = 2.0
"""How often what is missing (a volume's ConfigMap, a container's Secret) is looked for
again, as the kubelet retries."""
DEADLINE_REASON = "DeadlineExceeded"
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"


class PodContainer(Protocol):
    """What ``KubeletPod`` reads of a container of either runtime."""

    spec: dict[str, Any]
    record: ContainerRecord
    exited: asyncio.Future[None]
    """Done once the container has ended (for good)."""
    stop_requested: bool
    """Tekton stopped it (``stop``): it ends as replaced by the nop image."""

    @property
    def name(self) -> str: ...

    @property
    def native_sidecar(self) -> bool: ...

    @property
    def is_step(self) -> bool: ...

    @property
    def alive(self) -> bool:
        """Its process runs."""

    @property
    def process(self) -> object | None:
        """Its process, once started."""


class KubeletContext(Protocol):
    """What ``KubeletPod`` reads of the context every Pod of a runtime shares."""

    @property
    def data_dir(self) -> Path: ...

    @property
    def cluster(self) -> ClusterData: ...

    @property
    def nop_image(self) -> str: ...

    @property
    def max_grace_seconds(self) -> float | None:
        """A cap on every Pod's grace period (None: none)."""

    @property
    def notify(self) -> Callable[[PodKey], None]:
        """Tells the runtime's watchers that a Pod changed."""


C = TypeVar("C", bound=PodContainer)


def pod_key(pod: Pod) -> PodKey:
    """The Pod's namespace (``default`` when unset) and name."""
    meta = pod.get("metadata") or {}
    return PodKey(str(meta.get("namespace") or "default"), str(meta.get("name", "")))


class KubeletPod(ABC, Generic[C]):
    """The kubelet for one Pod, but for how its containers run."""

    def __init__(self, context: KubeletContext, pod: Pod) -> None:
        self.context = context
        self.pod = pod
        pod.setdefault("metadata", {})
        spec: dict[str, Any] = pod.setdefault("spec", {})
        self.key = pod_key(pod)
        self.dir = context.data_dir / "pods" / self.key.namespace / self.key.name
        self.internal = self.dir / ".tektite"
        """The Pod's own state (``host_state``)."""
        self.log_dir = pod_log_dir(context.data_dir, self.key.namespace, self.key.name)
        self.init_containers = [
            self._new_container(c, True) for c in spec.get("initContainers") or []
        ]
        self.containers = [self._new_container(c, False) for c in spec.get("containers") or []]
        for container in self.containers:
            container.record.wait(POD_INITIALIZING if self.init_containers else CONTAINER_CREATING)
        if self.init_containers:
            self.init_containers[0].record.wait(POD_INITIALIZING)
        self.volumes: dict[str, HostVolume] = {}
        self.start_time = now_rfc3339()
        self.initialized = False
        self.init_failed = False
        self.reason = ""
        self.message = ""
        self.conditions = Conditions()
        self.wake = asyncio.Event()
        """Set at every change (``changed``): what waits for a container's state waits
        on it."""
        self.task: asyncio.Task[None] | None = None
        """The Pod's main task."""
        self.deadline_task: asyncio.Task[None] | None = None
        self.deletion: asyncio.Task[None] | None = None
        """The Pod's deletion, once asked for."""
        self.owner_fd: int | None = None
        """The Pod's owner lock (``host_state.claim``), held while this runtime runs it."""
        self.lost = False
        """A container of an adopted Pod vanished without a recorded exit: the Pod fails
        (the steps after it would wait for it forever)."""

    @abstractmethod
    def start(self) -> None:
        """Start the Pod's main task: it sets the Pod up and runs its containers."""

    @abstractmethod
    def pod_json(self) -> Pod:
        """The manifest with its current ``status`` (for reading only)."""

    @abstractmethod
    def _new_container(self, spec: dict[str, Any], init: bool) -> C:
        """The runtime's container for the manifest's ``spec``."""

    @abstractmethod
    async def _start_init(self, container: C) -> None:
        """Make init container ``container`` run (or end), without waiting for it."""

    @abstractmethod
    async def _terminate(self, containers: list[C], grace: float) -> None:
        """Stop the running ``containers``: SIGTERM, ``grace`` seconds, then SIGKILL.
        Begins with ``_end_unstarted``."""

    # ------------------------------------------------------------------ status

    def all_containers(self) -> list[C]:
        """Init containers then app containers."""
        return [*self.init_containers, *self.containers]

    def find(self, name: str) -> C | None:
        """The container called ``name``."""
        for container in self.all_containers():
            if container.name == name:
                return container
        return None

    def finished(self, name: str) -> bool:
        """Whether container ``name`` has ended (or is not one of the Pod's)."""
        found = self.find(name)
        return found is None or found.record.terminated is not None

    def phase(self) -> str:
        """The Pod phase now."""
        if self.reason == DEADLINE_REASON or self.lost:
            return FAILED
        return pod_phase(
            [c.record for c in self.init_containers],
            [c.record for c in self.containers],
            init_failed=self.init_failed,
            initialized=self.initialized,
        )

    def _status(
        self, init_statuses: list[dict[str, Any]], statuses: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The Pod's ``status`` with these container statuses (the runtime's records)."""
        return local_pod_status(
            self.conditions,
            phase=self.phase(),
            initialized=self.initialized,
            start_time=self.start_time,
            init=[c.record for c in self.init_containers],
            containers=[c.record for c in self.containers],
            init_statuses=init_statuses,
            statuses=statuses,
            reason=self.reason,
            message=self.message,
        )

    def _invalidate(self) -> None:
        """The Pod's status is no longer what was last read: a runtime that keeps it
        between changes forgets it here (``changed`` also tells the watchers)."""

    def changed(self) -> None:
        """Something of the Pod changed: wake what waits on it, and tell the watchers."""
        self._invalidate()
        self.wake.set()
        self.context.notify(self.key)

    def _persist(self) -> None:
        """Save the manifest for a restarted runtime (``host_state``)."""
        with contextlib.suppress(OSError):  # the Pod is being deleted
            host_state.save_pod(self.internal, self.pod, self.start_time)

    # ------------------------------------------------------------------ starting

    def _not_created(self, message: str) -> None:
        """The Pod cannot be set up yet: the kubelet only says ContainerCreating (the
        cause is an event); the message is kept on the first container to be seen."""
        everything = self.all_containers()
        if everything:
            everything[0].record.wait(CONTAINER_CREATING, message)
        self.changed()

    @abstractmethod
    def _materialise_volumes(self) -> dict[str, HostVolume]:
        """The Pod's volumes on the host (``volumes.materialise_volumes``); raises
        VolumeError or OSError."""

    async def _setup_volumes(self) -> bool:
        """Materialise the volumes, retrying as the kubelet does while one is missing;
        False when one never can be."""
        while True:
            try:
                self.volumes = self._materialise_volumes()
                return True
            except (VolumeError, OSError) as error:
                self._not_created(error.message if isinstance(error, VolumeError) else str(error))
                if isinstance(error, VolumeError) and error.permanent:
                    return False
            await asyncio.sleep(CONFIG_RETRY_SECONDS)

    async def _run_init_containers(self) -> bool:
        """Run the init containers one after the other, as the kubelet does; then the
        Pod is initialized and its app containers are being created. False when one
        failed: the Pod has failed."""
        for container in self.init_containers:
            container.record.wait(CONTAINER_CREATING)
            self.changed()
            await self._start_init(container)
            await self._await_init(container)
            if self.init_failed:
                self.changed()
                return False
        self.initialized = True
        for container in self.containers:
            container.record.wait(CONTAINER_CREATING)
        self.changed()
        return True

    async def _await_init(self, container: C) -> None:
        """Wait for an init container: until it ends, or for a restartable one (a native
        sidecar) until it starts (and passes its startup probe)."""
        if container.native_sidecar:
            while not container.record.started and container.record.terminated is None:
                self.wake.clear()
                await self.wake.wait()
            if container.record.terminated is None:
                return
        # Shielded: cancelling the Pod's task (its deletion) must not cancel the future
        # itself, which the deletion then waits on.
        await asyncio.shield(container.exited)
        terminated = container.record.terminated
        if terminated is None or terminated.exit_code != 0:
            self.init_failed = True

    async def _stop_native_sidecars(self) -> None:
        """The app containers have ended: stop the restartable init containers."""
        for container in self.init_containers:
            if container.native_sidecar and container.alive:
                await self._terminate([container], self._grace())
        self.changed()

    # ------------------------------------------------------------------ stopping

    def _grace(self) -> float:
        """The Pod's termination grace period, in seconds."""
        grace = self.pod["spec"].get("terminationGracePeriodSeconds")
        seconds = float(grace) if isinstance(grace, int | float) else DEFAULT_GRACE_SECONDS
        if self.context.max_grace_seconds is not None:
            seconds = min(seconds, self.context.max_grace_seconds)
        return seconds

    async def _exceed_deadline(self) -> None:
        """``activeDeadlineSeconds`` passed: the Pod fails, and its containers are killed."""
        self.reason = DEADLINE_REASON
        self.message = DEADLINE_MESSAGE
        self._invalidate()  # failed from now on, before its containers are killed
        if self.task is not None:
            self.task.cancel()
        await self._terminate(self.all_containers(), self._grace())
        self.changed()

    def _end_unstarted(self, containers: list[C]) -> None:
        """A container shown running whose process never started (a gated step, one the
        engine has yet to run) ends as a killed process would, or as stopped."""
        for container in containers:
            if container.process is None and container.record.state == "running":
                if container.stop_requested:
                    self._end_as_stopped(container)
                else:
                    container.record.terminate(128 + signal.SIGKILL, ERROR, "")
                if not container.exited.done():
                    container.exited.set_result(None)
                self.changed()

    def _end_as_stopped(self, container: C) -> None:
        """What the kubelet shows once the nop image replaced a container: a restart
        that exited 0, the stopped run kept as ``lastState``."""
        record = container.record
        record.terminate(0, COMPLETED, NOP_STOP_MESSAGE)
        record.last_terminated = copy.copy(record.terminated)
        record.restart_count += 1
        record.image = self.context.nop_image

    async def stop(self, names: list[str]) -> None:
        """Tekton's sidecar stop: running containers end as if replaced by the nop image."""
        chosen = [
            c for c in self.all_containers() if c.name in names and c.record.state == "running"
        ]
        for container in chosen:
            container.stop_requested = True
        stopped = {c.name for c in chosen}
        spec = dict(self.pod["spec"])  # a new spec: readers may share the old one
        spec["containers"] = [
            {**item, "image": self.context.nop_image} if item.get("name") in stopped else item
            for item in spec.get("containers") or []
        ]
        self.pod["spec"] = spec
        self._invalidate()
        self._persist()
        await self._terminate(chosen, self._grace())

    # ------------------------------------------------------------------ metadata

    def set_annotations(self, annotations: dict[str, str]) -> None:
        """Merge annotations and rewrite the downward-API files (a container sees the
        new files in its volume's directory)."""
        meta = self.pod["metadata"]
        meta["annotations"] = {**(meta.get("annotations") or {}), **annotations}
        self._persist()
        if self.volumes:
            refresh_downward(self.pod, self.volumes, self.context.cluster)
        self.changed()
