"""The kubelet's ``runAsNonRoot`` check (``verifyRunAsNonRoot``), for every runtime.

The kubelet refuses to start a container whose effective ``runAsNonRoot`` is true when
it would run as root: its ``runAsUser`` (the container's over the Pod's) is 0, or it has
none and the image's user is root or not numeric. The container then waits with
``CreateContainerConfigError`` and the kubelet's message, which Tekton turns into the
TaskRun's failure.
"""

from __future__ import annotations

from typing import Any

from tektite.runtime.container_env import ContainerConfigError
from tektite.runtime.protocol import Pod


def check_run_as_non_root(pod: Pod, container: dict[str, Any], image_user: str) -> None:
    """Raise the kubelet's ``ContainerConfigError`` when ``container`` of ``pod`` may not
    start; ``image_user`` is the image's USER (``uid[:gid]`` or a name; empty: root)."""
    pod_context: dict[str, Any] = (pod.get("spec") or {}).get("securityContext") or {}
    own: dict[str, Any] = container.get("securityContext") or {}
    if not own.get("runAsNonRoot", pod_context.get("runAsNonRoot")):
        return
    meta: dict[str, Any] = pod.get("metadata") or {}
    where = (
        f'(pod: "{meta.get("name", "")}_{meta.get("namespace", "default")}'
        f'({meta.get("uid", "")})", container: {container.get("name", "")})'
    )
    uid = own.get("runAsUser", pod_context.get("runAsUser"))
    if uid is not None:
        if int(uid) == 0:
            raise ContainerConfigError(
                f"container's runAsUser breaks non-root policy {where}", permanent=True
            )
        return
    user = image_user.split(":", 1)[0]
    if user in ("", "0", "root"):
        raise ContainerConfigError(
            f"container has runAsNonRoot and image will run as root {where}", permanent=True
        )
    if not user.isdigit():
        raise ContainerConfigError(
            f"container has runAsNonRoot and image has non-numeric user ({user}), "
            f"cannot verify user is non-root {where}",
            permanent=True,
        )
