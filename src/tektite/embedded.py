"""The embedded control plane: a SQLite store, a local PodRuntime and the controller,
all in one process, under one data directory."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tektite.api.config import Config
from tektite.controller.adapters import StoreClusterData
from tektite.controller.manager import Controller
from tektite.controller_lock import IN_PROCESS, controller_lock
from tektite.engine.pod import PodImages
from tektite.runtime.image_map import ImageMap
from tektite.runtime.protocol import PodRuntime
from tektite.store.errors import Unavailable
from tektite.store.sqlite import SqliteStore

RUNTIMES = ("auto", "podman", "docker", "host")
"""``auto`` picks podman, then docker, then host: the first that runs here."""


def data_dir() -> Path:
    """``$TEKTITE_HOME``, else ``$XDG_DATA_HOME/tektite`` (``~/.local/share/tektite``)."""
    home = os.environ.get("TEKTITE_HOME")
    if home:
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tektite"


class RuntimeUnavailable(Exception):
    """The requested runtime cannot run on this machine (the message says why)."""


def make_runtime(
    name: str,
    root: Path,
    store: SqliteStore,
    images: PodImages,
    image_map: ImageMap | None = None,
) -> PodRuntime:
    """The PodRuntime called ``name`` (``auto``: podman, docker, else host), with
    image names rewritten by ``image_map`` (default: ``$TEKTITE_IMAGE_MAP``)."""
    if image_map is None:
        image_map = ImageMap.from_sources()
    if name in ("auto", "podman", "docker"):
        from tektite.runtime.container.select import EngineUnavailable, container_runtime

        for flavour in ("podman", "docker") if name == "auto" else (name,):
            try:
                return container_runtime(
                    flavour, root, StoreClusterData(store, root), images, image_map
                )
            except EngineUnavailable as error:
                if name != "auto":
                    raise RuntimeUnavailable(f"runtime {name}: {error}") from None
        name = "host"
    if name == "host":
        from tektite.runtime.host import HostRuntime
        from tektite.runtime.image_map import mapped_pod_images
        from tektite.runtime.mapped import MappedImages

        images = mapped_pod_images(images, image_map)
        host = HostRuntime(
            root,
            StoreClusterData(store, root),
            entrypoint_image=images.entrypoint,
            shell_image=images.shell,
            nop_image=images.nop,
            sidecar_log_results_image=images.sidecar_log_results,
            working_dir_init_image=images.working_dir_init,
        )
        return MappedImages(host, image_map) if image_map else host
    raise RuntimeUnavailable(f"unknown runtime {name!r} (available: {', '.join(RUNTIMES)})")


@dataclass
class Embedded:
    """A running embedded control plane."""

    root: Path
    store: SqliteStore
    runtime: PodRuntime
    controller: Controller


@contextlib.asynccontextmanager
async def embedded(
    config: Config,
    runtime: str = "host",
    root: Path | None = None,
    role: str = IN_PROCESS,
    image_map: ImageMap | None = None,
) -> AsyncIterator[Embedded]:
    """Open the store, start the runtime and the controller; stop them on exit (Pods
    still running are killed). Holds the data directory's controller lock meanwhile:
    ``ControllerBusy`` when another process (``tektite serve``) runs the controller."""
    root = root or data_dir()
    _make_data_dir(root)
    with controller_lock(root, role):
        async with _embedded(config, runtime, root, image_map) as env:
            yield env


def _make_data_dir(root: Path) -> None:
    """The data directory, owner-only; the store's ``Unavailable`` when it cannot be
    made (the lock file, the store, logs and Pods all live there)."""
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise Unavailable(f"cannot use the data directory {root}: {e.strerror or e}") from None


@contextlib.asynccontextmanager
async def _embedded(
    config: Config, runtime: str, root: Path, image_map: ImageMap | None = None
) -> AsyncIterator[Embedded]:
    store = SqliteStore(root / "tektite.db")
    images = PodImages()
    pod_runtime = make_runtime(runtime, root, store, images, image_map)
    controller = Controller(store, pod_runtime, config, images=images)
    task = asyncio.create_task(controller.run(), name="controller")
    try:
        yield Embedded(root, store, pod_runtime, controller)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await pod_runtime.close()
        store.close()
