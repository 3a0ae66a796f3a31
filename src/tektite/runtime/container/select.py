"""Making a ``ContainerRuntime`` for a flavour, when that engine runs here."""

from __future__ import annotations

from pathlib import Path

from tektite.engine.pod import PodImages
from tektite.runtime.container.engine import Engine, EngineUnavailable, probe_engine
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
    binary = probe_engine(flavour, cache_dir=root / "cache")
    return ContainerRuntime(
        root,
        cluster,
        Engine(flavour, binary),
        nop_image=images.nop,
        shell_image=images.shell,
        image_map=image_map,
        pod_images=images,
    )
