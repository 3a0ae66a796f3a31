"""Making a ``ContainerRuntime`` for a flavour, when that engine runs here."""

from __future__ import annotations

from pathlib import Path

from tektite.engine.pod import PodImages
from tektite.runtime.container.engine import (
    PODMAN,
    Engine,
    EngineUnavailable,
    images_file,
    probe_engine,
)
from tektite.runtime.container.image_cache import ImageInfoCache
from tektite.runtime.container.runtime import ContainerRuntime
from tektite.runtime.image_map import ImageMap
from tektite.runtime.protocol import ClusterData

__all__ = ["EngineUnavailable", "container_runtime"]


def container_runtime(
    flavour: str,
    root: Path,
    cluster: ClusterData,
    images: PodImages,
    image_map: ImageMap,
) -> ContainerRuntime:
    """A ``ContainerRuntime`` on ``flavour`` (``podman``/``docker``); EngineUnavailable
    says why that engine cannot run containers here."""
    cache_dir = root / "cache"
    binary = probe_engine(flavour, cache_dir=cache_dir)
    store = images_file(cache_dir) if flavour == PODMAN else None
    return ContainerRuntime(
        root,
        cluster,
        Engine(flavour, binary),
        nop_image=images.nop,
        shell_image=images.shell,
        image_map=image_map,
        pod_images=images,
        image_cache=ImageInfoCache(cache_dir, store) if store is not None else None,
    )
