"""What the host and container runtimes share as ``PodRuntime``s: the Pods they run on
this machine, by key, their watchers, and their logs on disk.

``LocalRuntime`` answers the protocol's requests about one Pod from its ``KubeletPod``;
each runtime says how a Pod is made (``_new_pod``) and deleted (``_delete``), and what
must happen before any request is answered (``_ready``: adopting the Pods a runtime that
died left).
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from tektite.api.copying import copy_json
from tektite.runtime.kubelet_pod import KubeletPod
from tektite.runtime.logfile import check_log_request, follow_log, log_path
from tektite.runtime.pod_events import PodEvents
from tektite.runtime.pod_status import admit_pod
from tektite.runtime.protocol import Pod, PodKey, PodRuntimeError

LOG_POLL_SECONDS = 0.05
"""How often a followed log is read again while its container runs."""

P = TypeVar("P", bound=KubeletPod[Any])


class LocalRuntime(ABC, Generic[P]):
    """The ``PodRuntime`` requests answered from the Pods this process runs."""

    def __init__(self, data_dir: Path) -> None:
        self._pods: dict[PodKey, P] = {}
        self._events = PodEvents()
        """Tells the watchers (``watch``) which Pod changed."""
        self._data_dir = data_dir

    @abstractmethod
    async def _ready(self) -> None:
        """Before any request is answered: adopt the Pods a runtime that died on this
        data directory left, if it has not been done."""

    @abstractmethod
    def _new_pod(self, manifest: Pod) -> P:
        """The runtime's Pod for ``manifest`` (not started)."""

    @abstractmethod
    async def _delete(self, key: PodKey, run: P) -> None:
        """Delete ``run``, then forget it and tell the watchers."""

    @property
    def data_dir(self) -> Path:
        """Where Pods and logs live."""
        return self._data_dir

    def log_path(self, key: PodKey, container: str) -> Path:
        """The log file of a container (kept after the Pod is deleted)."""
        return log_path(self._data_dir, key.namespace, key.name, container)

    async def create_pod(self, pod: Pod) -> None:
        """Start running ``pod``; raises ``AlreadyExists`` for a known name."""
        await self._ready()
        manifest: Pod = copy_json(pod)
        key = admit_pod(manifest, self._pods)
        run = self._new_pod(manifest)
        self._pods[key] = run
        run.start()
        self._events.notify(key)

    async def get_pod(self, key: PodKey) -> Pod | None:
        """The Pod with its current status, or None."""
        await self._ready()
        run = self._pods.get(key)
        return None if run is None else run.pod_json()

    async def delete_pod(self, key: PodKey) -> None:
        """Stop every container of the Pod (SIGTERM, grace, SIGKILL) and forget it;
        returns once that is done (a second call waits for the same deletion)."""
        await self._ready()
        run = self._pods.get(key)
        if run is None:
            return
        if run.deletion is None:
            run.deletion = asyncio.get_running_loop().create_task(self._delete(key, run))
        # The deletion runs as its own task: a caller cancelled meanwhile (a reconciler
        # being stopped) neither interrupts it half-way nor loses its cancellation.
        await asyncio.shield(run.deletion)

    async def _existing(self, key: PodKey) -> P:
        await self._ready()
        run = self._pods.get(key)
        if run is None:
            raise PodRuntimeError("NotFound", f'pods "{key.name}" not found')
        return run

    async def set_annotations(self, key: PodKey, annotations: dict[str, str]) -> None:
        """Merge annotations; downward-API files are rewritten."""
        (await self._existing(key)).set_annotations(annotations)

    async def stop_containers(self, key: PodKey, containers: list[str]) -> None:
        """Stop running containers as Tekton's nop-image swap does."""
        await (await self._existing(key)).stop(containers)

    async def watch(self) -> AsyncIterator[PodKey]:
        """Yield a Pod's key each time one of its containers changes state."""
        await self._ready()
        # (Closed with this generator: the watcher is gone at once, not at collection.)
        async with contextlib.aclosing(self._events.follow()) as keys:
            async for key in keys:
                yield key

    async def logs(self, key: PodKey, container: str, *, follow: bool) -> AsyncIterator[bytes]:
        """A container's output; with ``follow``, until the container has terminated."""
        await self._ready()
        run = self._pods.get(key)
        path = self.log_path(key, container)
        known = None if run is None else run.find(container) is not None
        check_log_request(key, container, path, known)
        async for chunk in follow_log(
            path,
            follow=follow,
            finished=lambda: self._finished(key, container),
            wait=lambda: self._log_wait(key, container),
        ):
            yield chunk

    async def _log_wait(self, key: PodKey, container: str) -> None:
        """Until there may be more of a followed log to read."""
        await asyncio.sleep(LOG_POLL_SECONDS)

    def _finished(self, key: PodKey, container: str) -> bool:
        run = self._pods.get(key)
        return run is None or run.finished(container)
