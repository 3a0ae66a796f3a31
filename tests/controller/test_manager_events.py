"""Which watch events make the controller queue a pass: a TaskRun's event that is only
the status its own reconciler wrote does not; a Pod reported again unchanged does not;
every other change does.

The store is the real SQLite store; the runtime is a scripted stand-in (only the
sequence of ``watch`` keys and ``get_pod`` answers matters here, no Pod runs).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tektite.api.config import Config
from tektite.controller.manager import Controller
from tektite.runtime.protocol import Pod, PodKey
from tektite.store.protocol import WatchEvent
from tektite.store.sqlite import SqliteStore

RUNNING = {"conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Running"}]}
DONE = {"conditions": [{"type": "Succeeded", "status": "True", "reason": "Succeeded"}]}


class ScriptedRuntime:
    """Reports the given Pod keys, answering ``get_pod`` from a script."""

    name = "scripted"

    def __init__(self, script: list[tuple[PodKey, Pod | None]]) -> None:
        self.script = script
        self.current: Pod | None = None

    async def watch(self) -> AsyncIterator[PodKey]:
        for key, pod in self.script:
            self.current = pod
            yield key

    async def get_pod(self, key: PodKey) -> Pod | None:
        return self.current


def taskrun(status: dict[str, Any], spec_status: str = "", version: str = "1") -> dict[str, Any]:
    spec: dict[str, Any] = {"taskRef": {"name": "t"}}
    if spec_status:
        spec["status"] = spec_status
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {"name": "tr", "namespace": "default", "resourceVersion": version},
        "spec": spec,
        "status": status,
    }


def controller(tmp_path: Path, runtime: Any = None) -> Controller:
    store = SqliteStore(tmp_path / "db")
    return Controller(store, runtime or ScriptedRuntime([]), Config())


def test_own_status_write_is_not_queued_other_changes_are(tmp_path: Path) -> None:
    ctl = controller(tmp_path)
    key = ("default", "tr")
    own = ctl._own_status_write
    assert not own(WatchEvent("ADDED", taskrun({}), "1"))  # first sight: reconciled
    ctl.taskruns.written[key] = RUNNING
    assert own(WatchEvent("MODIFIED", taskrun(RUNNING, version="2"), "2"))
    # A cancel keeps the status the reconciler wrote but changes the spec.
    assert not own(WatchEvent("MODIFIED", taskrun(RUNNING, "TaskRunCancelled", "3"), "3"))
    # A status written by someone else.
    assert not own(WatchEvent("MODIFIED", taskrun(DONE, "TaskRunCancelled", "4"), "4"))
    ctl.taskruns.written[key] = DONE
    assert own(WatchEvent("MODIFIED", taskrun(DONE, "TaskRunCancelled", "5"), "5"))
    # Done: forgotten, so that the next event (whatever it is) is reconciled.
    assert key not in ctl.taskruns.written
    assert not own(WatchEvent("MODIFIED", taskrun(DONE, "TaskRunCancelled", "6"), "6"))
    assert not own(WatchEvent("DELETED", taskrun(DONE, "TaskRunCancelled", "6"), "7"))


def test_a_pod_reported_again_unchanged_is_not_queued(tmp_path: Path) -> None:
    key = PodKey("default", "tr-pod")

    def pod(phase: str, **annotations: str) -> Pod:
        meta = {"name": key.name, "labels": {"tekton.dev/taskRun": "tr"}}
        return {"metadata": {**meta, "annotations": annotations}, "status": {"phase": phase}}

    script: list[tuple[PodKey, Pod | None]] = [
        (key, pod("Pending")),
        (key, pod("Pending")),  # the same again: no pass
        (key, pod("Running")),
        (key, pod("Running", **{"tekton.dev/ready": "READY"})),
        (key, pod("Running", **{"tekton.dev/ready": "READY"})),  # again: no pass
        (key, None),  # deleted (no labels left to name its owner)
        (key, pod("Running", **{"tekton.dev/ready": "READY"})),  # anew: a pass
    ]
    ctl = controller(tmp_path, ScriptedRuntime(script))
    queued: list[tuple[str, str, str]] = []
    ctl.queue.add = queued.append  # type: ignore[method-assign]
    asyncio.run(ctl._watch_pods())
    assert queued == [("TaskRun", "default", "tr")] * 4
