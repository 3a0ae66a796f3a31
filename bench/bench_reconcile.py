"""Reconcile throughput: TaskRuns reconciled per second by the controller, from
creation to ``Succeeded``, with an instant runtime.

The runtime here is a fake, on purpose: ``InstantRuntime`` completes every Pod the
moment it is created — every container terminated with exit code 0, reported in
Kubernetes' status shape — so the figure is the controller's own cost (watching the
store, the work queue, resolving the TaskRun, building the Pod, converting its status,
writing the status back), not the cost of running steps. Everything else is real: the
``Controller`` with its workers, a ``SqliteStore`` on disk, Tekton's Pod builder.

Baseline, measured in the same run on the same disk: the same number of TaskRuns
written straight to a ``SqliteStore`` — one create and two status updates each (the
``Running`` and the ``Succeeded`` status a reconciled run gets), with no reconciling.
The ratio is what reconciling costs over the bare writes it implies. The issue's
target is ≥ 100 TaskRuns/s (Tekton's default controller lags at 2–3/s).

Run: ``.venv/bin/python -m bench.bench_reconcile`` (or through ``bench/run.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tektite.api.config import Config
from tektite.controller.manager import Controller
from tektite.local_runs import create_all, is_done
from tektite.runtime.pod_events import PodEvents
from tektite.runtime.pod_status import now_rfc3339
from tektite.runtime.protocol import Pod, PodKey, PodRuntimeError
from tektite.store.sqlite import SqliteStore

RUNS = 400
TARGET_RUNS_PER_SECOND = 100.0


def taskrun(i: int) -> dict[str, Any]:
    """A TaskRun of two steps with a param, a result and a workspace, as users write."""
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {"name": f"bench-{i}", "namespace": "default", "labels": {"app": "bench"}},
        "spec": {
            "params": [{"name": "who", "value": f"run-{i}"}],
            "workspaces": [{"name": "src", "emptyDir": {}}],
            "taskSpec": {
                "params": [{"name": "who", "default": "world"}],
                "results": [{"name": "greeting"}],
                "workspaces": [{"name": "src"}],
                "steps": [
                    {
                        "name": "hello",
                        "image": "busybox",
                        "script": "echo hello $(params.who) > $(results.greeting.path)",
                    },
                    {
                        "name": "list",
                        "image": "busybox",
                        "command": ["ls"],
                        "args": ["$(workspaces.src.path)"],
                    },
                ],
            },
        },
    }


class InstantRuntime:
    """A fake ``PodRuntime``: every Pod has completed by the time it is created."""

    name = "instant"

    def __init__(self) -> None:
        self._pods: dict[PodKey, Pod] = {}
        self._events = PodEvents()

    async def create_pod(self, pod: Pod) -> None:
        """Record the Pod with a ``Succeeded`` status."""
        meta = pod["metadata"]
        key = PodKey(meta.get("namespace") or "default", meta["name"])
        if key in self._pods:
            raise PodRuntimeError("AlreadyExists", f'pods "{key.name}" already exists')
        # Kept as given, not copied: the reconciler built it for this call alone.
        now = now_rfc3339()

        def done(container: dict[str, Any], init: bool) -> dict[str, Any]:
            terminated = {"exitCode": 0, "reason": "Completed", "startedAt": now}
            terminated["finishedAt"] = now
            return {
                "name": container["name"],
                "state": {"terminated": terminated},
                "ready": init,
                "restartCount": 0,
                "image": container.get("image", ""),
                "imageID": "",
                "started": False,
            }

        spec = pod.get("spec") or {}
        pod["status"] = {
            "phase": "Succeeded",
            "startTime": now,
            "initContainerStatuses": [done(c, True) for c in spec.get("initContainers") or ()],
            "containerStatuses": [done(c, False) for c in spec.get("containers") or ()],
        }
        self._pods[key] = pod
        self._events.notify(key)

    async def get_pod(self, key: PodKey) -> Pod | None:
        """The recorded Pod (the reconciler does not modify what it reads)."""
        return self._pods.get(key)

    async def delete_pod(self, key: PodKey) -> None:
        """Forget the Pod."""
        self._pods.pop(key, None)

    async def set_annotations(self, key: PodKey, annotations: dict[str, str]) -> None:
        """Merge annotations."""
        pod = self._pods.get(key)
        if pod is None:
            raise PodRuntimeError("NotFound", f'pods "{key.name}" not found')
        meta = pod["metadata"]
        meta["annotations"] = {**(meta.get("annotations") or {}), **annotations}

    async def stop_containers(self, key: PodKey, containers: list[str]) -> None:
        """Nothing runs: nothing to stop."""

    async def watch(self) -> AsyncIterator[PodKey]:
        """Keys of created Pods, as the local runtimes tell them (``PodEvents``)."""
        async with contextlib.aclosing(self._events.follow()) as keys:
            async for key in keys:
                yield key

    async def logs(self, key: PodKey, container: str, *, follow: bool) -> AsyncIterator[bytes]:
        """No output."""
        empty: tuple[bytes, ...] = ()
        for chunk in empty:
            yield chunk

    async def close(self) -> None:
        """Nothing to release."""


def _rate_line(name: str, ours: float, baseline: float, target: float) -> None:
    line = f"{name:<44} {ours:9.0f} /s    baseline {baseline:8.0f} /s    "
    line += f"ratio {baseline / ours:6.2f}x slower"
    line += f"   target ≥ {target:.0f}/s {'ok' if ours >= target else 'MISSED'}"
    print(line)


def baseline(directory: Path, runs: list[dict[str, Any]]) -> float:
    """Seconds to create each run in a store and write two statuses to it."""
    running = {"conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Running"}]}
    succeeded = {"conditions": [{"type": "Succeeded", "status": "True", "reason": "Succeeded"}]}
    with SqliteStore(directory / "baseline.db") as store:
        start = time.perf_counter()
        for run in runs:
            obj = store.create(copy.deepcopy(run))
            obj["status"] = running
            obj = store.update_status(obj)
            obj["status"] = succeeded
            store.update_status(obj)
        return time.perf_counter() - start


async def reconcile_all(directory: Path, runs: list[dict[str, Any]]) -> float:
    """Seconds from starting the controller until every run has succeeded."""
    with SqliteStore(directory / "tektite.db") as store:
        create_all(store, copy.deepcopy(runs), "default", notes=io.StringIO())
        since = store.resource_version()
        controller = Controller(store, InstantRuntime(), Config())
        pending = {run["metadata"]["name"] for run in runs}
        start = time.perf_counter()
        task = asyncio.create_task(controller.run())
        try:
            async for event in store.watch(["TaskRun"], since):
                if is_done(event.object):
                    pending.discard(event.object["metadata"]["name"])
                    if not pending:
                        break
            elapsed = time.perf_counter() - start
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        failed = [
            obj["metadata"]["name"]
            for obj in store.list("TaskRun", "default")
            if obj["status"]["conditions"][0]["status"] != "True"
        ]
        assert not failed, f"runs did not succeed: {failed[:3]}"
        return elapsed


def main() -> None:
    """Measure and print the reconcile rate against the bare store writes."""
    runs = [taskrun(i) for i in range(RUNS)]
    with tempfile.TemporaryDirectory(prefix="tektite-bench-") as tmp:
        base = baseline(Path(tmp), runs)
        ours = asyncio.run(reconcile_all(Path(tmp), runs))
    _rate_line(
        f"TaskRuns reconciled ({RUNS}, instant runtime)",
        RUNS / ours,
        RUNS / base,
        TARGET_RUNS_PER_SECOND,
    )


if __name__ == "__main__":
    main()
