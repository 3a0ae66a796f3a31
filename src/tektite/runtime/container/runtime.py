"""``ContainerRuntime``: a PodRuntime running each Pod's containers in podman or docker.

Each Pod gets ``<data_dir>/pods/<namespace>/<name>/`` with one directory per volume,
bind-mounted into the containers at their ``mountPath``s (``subPath``, ``readOnly``
honoured), and each container's output goes to
``<data_dir>/logs/<namespace>/<pod>/<container>.log`` (stdout and stderr interleaved;
masked when the Pod uses Secrets), which outlives the Pod — the same layout as the
host runtime. Tekton's step wrapper runs in every image from a self-contained bundle
(``entrypoint_binary``) whose launcher the ``prepare`` init container's host-side
equivalent places at ``/tekton/bin/entrypoint``. How one Pod runs is in ``pod``.

A runtime restarted on the same data directory after its process died (``kill -9``
of the controller) adopts that process's Pods and carries them on: no step runs twice
and every log line written meanwhile is kept (``pod_state``). Until then, nothing is
answered: every call first waits for the adoption.

Images are rewritten by the runtime's ``ImageMap`` before use; ``image_commands`` is
Tekton's entrypoint lookup for steps without ``command`` (the controller passes the
result to the Pod builder as ``TEKTON_PLATFORM_COMMANDS``).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tektite.engine.image_lookup import image_command
from tektite.engine.pod import PodImages
from tektite.runtime import host_state
from tektite.runtime.container.engine import (
    Engine,
    EngineError,
    ImageInfo,
)
from tektite.runtime.container.image_cache import ImageInfoCache
from tektite.runtime.container.pod import (
    ERR_IMAGE_NEVER_PULL,
    ERR_IMAGE_PULL,
    ContainerPod,
    PodContext,
    PullError,
)
from tektite.runtime.image_map import ImageMap
from tektite.runtime.local_runtime import LocalRuntime
from tektite.runtime.protocol import ClusterData, Pod, PodKey


def _mask_patterns(pod: Pod, cluster: ClusterData) -> list[bytes]:
    try:
        from tektite.runtime.masking import mask_patterns, secret_values
    except ImportError:  # secret masking not available in this build
        return []
    return mask_patterns(secret_values(pod, cluster))


class ContainerRuntime(LocalRuntime[ContainerPod]):
    """A ``PodRuntime`` running containers with the podman or docker CLI."""

    def __init__(
        self,
        data_dir: Path,
        cluster: ClusterData,
        engine: Engine,
        *,
        nop_image: str,
        shell_image: str = "busybox",
        image_map: ImageMap | None = None,
        window: int = 2,
        max_grace_seconds: float | None = None,
        entrypoint_binary: Path | None = None,
        pod_images: PodImages | None = None,
        image_cache: ImageInfoCache | None = None,
    ) -> None:
        """Create the runtime. ``entrypoint_binary`` overrides the step-wrapper bundle
        directory (built on first use otherwise); ``window`` is how many steps are started
        ahead; ``max_grace_seconds`` caps ``terminationGracePeriodSeconds``."""
        data_dir = Path(data_dir).resolve()
        for sub in ("pods", "logs"):
            (data_dir / sub).mkdir(parents=True, exist_ok=True)
        super().__init__(data_dir)
        self.engine = engine
        self.name = engine.flavour
        self.cluster = cluster
        self.image_map = image_map or ImageMap()
        self.nop_image = nop_image
        self._binary = entrypoint_binary
        self._binary_task: asyncio.Future[Path] | None = None
        self._pulls: dict[tuple[str, str | None], asyncio.Future[None]] = {}
        self._infos: dict[str, ImageInfo] = {}
        self._image_cache = image_cache
        owner = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
        self.owner = f"{owner}-{uuid.uuid4().hex[:8]}"
        self._context = PodContext(
            data_dir=data_dir,
            cluster=cluster,
            engine=engine,
            image_map=self.image_map,
            owner=self.owner,
            nop_image=nop_image,
            infra_image=shell_image,
            entrypoint_binary=self._entrypoint_binary,
            images=self._ensure_image,
            pod_images=pod_images or PodImages(shell=shell_image, nop=nop_image),
            notify=self._events.notify,
            mask_patterns=lambda pod: _mask_patterns(pod, cluster),
            start_relay=_relay_starter(),
            window=window,
            max_grace_seconds=max_grace_seconds,
        )
        # Pods of a runtime that died on this data directory run on: adopt them.
        self._orphans = host_state.claim_orphans(data_dir / "pods", engine.flavour)
        self._adoption: asyncio.Future[None] | None = None

    async def _adopt(self) -> None:
        """Adopt the claimed Pods (once; every call waits for it to be done)."""
        if self._adoption is None:
            if not self._orphans:
                return
            self._adoption = asyncio.ensure_future(self._adopt_all())
        await asyncio.shield(self._adoption)

    async def _adopt_all(self) -> None:
        orphans, self._orphans = self._orphans, []
        runs = []
        for orphan in orphans:
            run = ContainerPod(self._context, orphan.pod)
            self._pods[run.key] = run
            runs.append(run)
        outcomes = await asyncio.gather(
            *(run.resume(o.start_time, o.owner_fd) for run, o in zip(runs, orphans, strict=True)),
            return_exceptions=True,
        )
        for run, outcome in zip(runs, outcomes, strict=True):
            if isinstance(outcome, Exception):
                # Not adoptable (its files or the engine failed us): the Pod is lost,
                # which its TaskRun reports (TaskRunPodLost); nothing is run again.
                self._pods.pop(run.key, None)
                if run.owner_fd is not None:
                    os.close(run.owner_fd)
                    run.owner_fd = None
            self._events.notify(run.key)

    # ------------------------------------------------------------------ shared services

    async def _entrypoint_binary(self) -> Path:
        if self._binary is not None:
            return self._binary
        if self._binary_task is None:
            loop = asyncio.get_running_loop()
            self._binary_task = loop.run_in_executor(None, _build_entrypoint, self.data_dir)
        self._binary = await asyncio.shield(self._binary_task)
        return self._binary

    async def _ensure_image(
        self, image: str, policy: str, shown: str, authfile: str | None = None
    ) -> ImageInfo:
        """Make ``image`` present as ``policy`` says; its config. PullError says why not."""
        if policy != "Always":
            info = await self._inspect(image)
            if info is not None:
                return info
            if policy == "Never":
                raise PullError(
                    ERR_IMAGE_NEVER_PULL,
                    f'Container image "{shown}" is not present with pull policy of Never',
                )
        key = (image, authfile)
        pending = self._pulls.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._pull(image, authfile))
            self._pulls[key] = pending
        try:
            await asyncio.shield(pending)
        finally:
            if pending.done():
                self._pulls.pop(key, None)
        self._infos.pop(image, None)
        info = await self._inspect(image)
        if info is None:
            raise PullError(ERR_IMAGE_PULL, f'image "{image}" is not present after its pull')
        return info

    async def _pull(self, image: str, authfile: str | None) -> None:
        try:
            await self.engine.pull(image, authfile)
        except EngineError as error:
            raise PullError(
                ERR_IMAGE_PULL, f'failed to pull image "{image}": {error.message}'
            ) from None

    async def _inspect(self, image: str) -> ImageInfo | None:
        info = self._infos.get(image)
        if info is not None:
            return info
        cache = self._image_cache
        info = cache.get(image) if cache is not None else None
        if info is None:
            identity = cache.identity() if cache is not None else None
            try:
                info = await self.engine.inspect_image(image)
            except (EngineError, ValueError):
                return None
            if cache is not None:
                cache.put(image, info, identity)
        self._infos[image] = info
        return info

    async def image_commands(self, lookups: Mapping[str, bool]) -> dict[str, dict[str, list[str]]]:
        """Tekton's entrypoint lookup: for each image (→ whether its step has args),
        ``{platform: command}`` from the image's config, pulling it when absent. Images
        that cannot be found are left out (their container then fails to pull)."""

        async def one(image: str, has_args: bool) -> tuple[str, dict[str, list[str]] | None]:
            try:
                info = await self._ensure_image(
                    self.image_map.rewrite(image), "IfNotPresent", image
                )
            except PullError:
                return image, None
            return image, {info.platform: image_command(info.entrypoint, info.cmd, has_args)}

        found = await asyncio.gather(*(one(i, a) for i, a in lookups.items()))
        return {image: commands for image, commands in found if commands is not None}

    # ------------------------------------------------------------------ PodRuntime

    async def _ready(self) -> None:
        await self._adopt()

    def _new_pod(self, manifest: Pod) -> ContainerPod:
        return ContainerPod(self._context, manifest)

    async def _delete(self, key: PodKey, run: ContainerPod) -> None:
        try:
            await run.delete()
        finally:
            self._pods.pop(key, None)
            self._events.notify(key)

    async def close(self) -> None:
        """Delete every Pod; if one could not be, remove whatever is left with this
        runtime's label."""
        await self._adopt()
        outcomes = await asyncio.gather(
            *(self.delete_pod(key) for key in list(self._pods)), return_exceptions=True
        )
        if not any(isinstance(outcome, BaseException) for outcome in outcomes):
            return
        containers, pods = await self.engine.owned(self.owner)
        await self.engine.remove(containers)
        for sandbox in pods:
            await self.engine.remove_sandbox(sandbox)


def _build_entrypoint(data_dir: Path) -> Path:
    """The step-wrapper bundle directory (built on first use; ``entrypoint_bundle``)."""
    from tektite.runtime.entrypoint_binary import entrypoint_bundle

    built: Path = entrypoint_bundle(data_dir)
    return built


def _relay_starter() -> Any:
    try:
        from tektite.runtime.masking import start_relay
    except ImportError:
        return None
    return start_relay
