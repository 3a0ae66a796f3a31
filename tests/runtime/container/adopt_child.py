"""The process that ``test_adopt`` kills: a bare ``ContainerRuntime`` (no controller)
running one Pod of three steps on podman or docker, one step at a time (``window=1``).

``python adopt_child.py <home> running <engine>`` prints ``RUNNING`` once the first step has
started (it appends to ``<home>/marks/one``) and waits to be killed, with the other two
steps created but not started. ``python adopt_child.py <home> ended`` prints ``ENDED``
once every container of the Pod has ended and the runtime has removed them.
``sidecar`` is ``running`` with a sidecar (``server``) in the Pod's sandbox.
``created`` prints ``CREATED`` once steps two and three exist and step one — which its
own ``podman run`` creates — is about to start, with that start held back (as if the
kill came just before it).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from tektite.runtime.container.engine import Engine
from tektite.runtime.container.pod import ContainerPod
from tektite.runtime.container.runtime import ContainerRuntime
from tektite.runtime.protocol import PodKey
from tests.container_images import BUSYBOX

KEY = PodKey("default", "adopt")
SECRET = b"s3cr3t-value"


class Cluster:
    """One Secret (``creds``/``token``); no ConfigMaps or claims."""

    def config_map(self, namespace: str, name: str) -> dict[str, bytes] | None:
        """No ConfigMaps."""
        return None

    def secret(self, namespace: str, name: str) -> dict[str, bytes] | None:
        """The ``creds`` Secret."""
        return {"token": SECRET} if name == "creds" else None

    def claim_directory(self, namespace: str, claim_name: str) -> str | None:
        """No claims."""
        return None


def _step(name: str, script: str) -> dict[str, Any]:
    return {
        "name": f"step-{name}",
        "image": BUSYBOX,
        "command": ["sh", "-c", f"echo started >> /marks/{name}\n{script}"],
        "env": [
            {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}
        ],
        "volumeMounts": [{"name": "marks", "mountPath": "/marks"}],
    }


def pod(home: Path, sleep: float, sidecar: bool = False) -> dict[str, Any]:
    """Step one sleeps across the kill, prints the Secret and fails with a message."""
    one = (
        f"echo a-one\nsleep {sleep}\necho t=$TOKEN\necho b-one\n"
        "printf msg-one > /dev/termination-log\nexit 3"
    )
    return {
        "metadata": {"name": KEY.name, "namespace": KEY.namespace},
        "spec": {
            "restartPolicy": "Never",
            "volumes": [{"name": "marks", "hostPath": {"path": str(home / "marks")}}],
            "containers": [
                *([_sidecar()] if sidecar else []),
                _step("one", one),
                _step("two", "echo a-two"),
                _step("three", "echo a-three"),
            ],
        },
    }


def _sidecar() -> dict[str, Any]:
    return {
        "name": "server",
        "image": BUSYBOX,
        "command": ["sh", "-c", "echo serving; exec sleep 3600"],
    }


def runtime(home: Path, engine: str) -> ContainerRuntime:
    """The runtime on ``home`` (the test makes a second one after the kill)."""
    return ContainerRuntime(
        home, Cluster(), Engine(engine), nop_image=BUSYBOX, shell_image=BUSYBOX, window=1
    )


async def main(home: Path, phase: str, engine: str) -> None:
    """Create the Pod and report as ``phase`` says; then wait to be killed."""
    (home / "marks").mkdir(parents=True, exist_ok=True)
    run = runtime(home, engine)
    internal = home / "pods" / KEY.namespace / KEY.name / ".tektite"
    if phase == "created":

        async def held(self: ContainerPod, container: Any) -> None:
            print("CREATED", flush=True)
            await asyncio.sleep(3600)

        ContainerPod._start = held  # type: ignore[method-assign]
        await run.create_pod(pod(home, 3))
        await asyncio.sleep(3600)
    await run.create_pod(pod(home, 0 if phase == "ended" else 3, phase == "sidecar"))
    while True:
        if phase != "ended" and (home / "marks" / "one").exists():
            break
        if phase == "ended" and (internal / "status.json").exists():
            break
        await asyncio.sleep(0.02)
    if phase == "ended":
        while not run._pods[KEY].removal_done:  # the containers are removed
            await asyncio.sleep(0.02)
    print("RUNNING" if phase == "running" else "ENDED", flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3]))
