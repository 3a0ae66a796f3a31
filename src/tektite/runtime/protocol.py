"""The PodRuntime seam: whoever runs a Pod manifest and reports its status.

A TaskRun becomes one Kubernetes Pod manifest (``tektite.engine.pod``), identical for
every runtime. A runtime runs it — the kubelet through the API server, podman/docker
containers, or host processes — and reports the Pod's status in Kubernetes' own shape
(``status.phase``, ``status.containerStatuses[].state.terminated{exitCode, reason,
message, startedAt, finishedAt}``, …), so the TaskRun reconciler reads every runtime the
same way. Pods and statuses are plain JSON dicts, exactly as the Kubernetes API has them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

Pod = dict[str, Any]
"""A ``v1`` Pod as JSON: ``{"apiVersion": "v1", "kind": "Pod", "metadata", "spec", "status"}``."""


class PodRuntimeError(Exception):
    """A Pod could not be created or acted on.

    ``reason`` is the Kubernetes/Tekton reason a TaskRun would report (for example
    ``PodCreationFailed`` or ``TaskRunImagePullFailed``); ``message`` is human text.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class PodKey:
    """Identifies a Pod."""

    namespace: str
    name: str


class PodRuntime(Protocol):
    """Runs Pods and reports their status. All methods are idempotent."""

    name: str
    """``host``, ``podman``, ``docker`` or ``kubernetes``: shown to users."""

    async def create_pod(self, pod: Pod) -> None:
        """Start running ``pod`` and return at once (the containers run on).

        Creating a Pod whose name already exists raises ``PodRuntimeError`` with reason
        ``AlreadyExists``. Volumes named in the manifest that need host data
        (ConfigMap/Secret/PVC) are resolved by the runtime through its ``VolumeSource``.
        """
        ...

    async def get_pod(self, key: PodKey) -> Pod | None:
        """The Pod with its current ``status``, or None when there is no such Pod."""
        ...

    async def delete_pod(self, key: PodKey) -> None:
        """Kill every container of the Pod (whole process trees) and forget it."""
        ...

    async def set_annotations(self, key: PodKey, annotations: dict[str, str]) -> None:
        """Merge annotations into the Pod; downward-API volumes see the new values
        (how ``tekton.dev/ready`` releases the first step, and ``tekton.dev/cancel``)."""
        ...

    async def stop_containers(self, key: PodKey, containers: list[str]) -> None:
        """Stop still-running containers (sidecars after the last step, as Tekton's
        nop-image swap does); they are then reported terminated with exit code 0."""
        ...

    def watch(self) -> AsyncIterator[PodKey]:
        """Yield the key of a Pod each time its status may have changed."""
        ...

    def logs(self, key: PodKey, container: str, *, follow: bool) -> AsyncIterator[bytes]:
        """A container's output (stdout and stderr interleaved, as ``kubectl logs``).

        With ``follow``, keeps yielding until the container has terminated.
        """
        ...

    async def close(self) -> None:
        """Release resources; running Pods are killed."""
        ...


class ClusterData(Protocol):
    """What a local runtime needs from the store to materialise a Pod, as the kubelet
    reads it from the API server: ConfigMaps, Secrets and PersistentVolumeClaims."""

    def config_map(self, namespace: str, name: str) -> dict[str, bytes] | None:
        """The ConfigMap's ``data`` (UTF-8 encoded) and ``binaryData`` merged, or None."""
        ...

    def secret(self, namespace: str, name: str) -> dict[str, bytes] | None:
        """The Secret's decoded ``data`` merged with ``stringData``, or None."""
        ...

    def claim_directory(self, namespace: str, claim_name: str) -> str | None:
        """The host directory backing a PersistentVolumeClaim (created on first use),
        or None if no such claim exists."""
        ...
