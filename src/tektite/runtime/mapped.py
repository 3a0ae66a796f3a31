"""``MappedImages``: a PodRuntime whose Pods have their images rewritten first.

The container runtime applies its ``ImageMap`` itself (the Pod keeps the names it was
given; only what the engine runs changes). A runtime that does not know about image
maps — the host runtime, which recognises some images by name (busybox-based images
get busybox as their shell) — is wrapped in this instead: every container image of a
Pod is rewritten before the Pod reaches it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from tektite.runtime.image_map import ImageMap, rewrite_pod_images
from tektite.runtime.protocol import Pod, PodKey, PodRuntime


class MappedImages:
    """Wraps ``inner``, rewriting the images of each Pod it creates."""

    def __init__(self, inner: PodRuntime, image_map: ImageMap) -> None:
        self.inner = inner
        self.image_map = image_map
        self.name = inner.name

    def __getattr__(self, attribute: str) -> Any:
        # Runtime-specific extras (data_dir, log_path, mode, ...) stay reachable.
        return getattr(self.inner, attribute)

    async def create_pod(self, pod: Pod) -> None:
        """Create ``pod`` with its images rewritten."""
        await self.inner.create_pod(rewrite_pod_images(pod, self.image_map))

    async def get_pod(self, key: PodKey) -> Pod | None:
        """The inner runtime's Pod."""
        return await self.inner.get_pod(key)

    async def delete_pod(self, key: PodKey) -> None:
        """Delete through the inner runtime."""
        await self.inner.delete_pod(key)

    async def set_annotations(self, key: PodKey, annotations: dict[str, str]) -> None:
        """Annotate through the inner runtime."""
        await self.inner.set_annotations(key, annotations)

    async def stop_containers(self, key: PodKey, containers: list[str]) -> None:
        """Stop through the inner runtime."""
        await self.inner.stop_containers(key, containers)

    def watch(self) -> AsyncIterator[PodKey]:
        """The inner runtime's watch."""
        return self.inner.watch()

    def logs(self, key: PodKey, container: str, *, follow: bool) -> AsyncIterator[bytes]:
        """The inner runtime's logs."""
        return self.inner.logs(key, container, follow=follow)

    async def close(self) -> None:
        """Close the inner runtime."""
        await self.inner.close()
