"""Which watch events make the controller queue a pass: a TaskRun's event that is only
the status its own reconciler wrote does not; a Pod reported again unchanged does not;
every other change does.

The store is the real SQLite store; the runtime is a scripted stand-in (only the
sequence of ``watch`` keys and ``get_pod`` answers matters here, no Pod runs).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from tektite.api.config import Config
from tektite.controller.manager import COUNTED_END_WITHIN, POD_CHANGE_WITHIN, Controller
from tektite.controller.taskrun import pod_state
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

    def own(event: WatchEvent) -> bool:
        return ctl._taskrun_change(event).own_write

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


def test_labels_a_pass_wrote_after_its_status_are_its_own_write(tmp_path: Path) -> None:
    """The first pass writes the status, then (Tekton's syncMetadata) the Task's labels:
    neither event needs a pass. Labels written by someone else do."""
    ctl = controller(tmp_path)
    key = ("default", "tr")

    def own(event: WatchEvent) -> bool:
        return ctl._taskrun_change(event).own_write

    assert not own(WatchEvent("ADDED", taskrun({}), "1"))
    ctl.taskruns.written[key] = RUNNING
    assert own(WatchEvent("MODIFIED", taskrun(RUNNING, version="2"), "2"))
    labelled = taskrun(RUNNING, version="3")
    labelled["metadata"]["labels"] = {"tekton.dev/task": "t"}
    assert not own(WatchEvent("MODIFIED", labelled, "3"))  # not recorded as written
    ctl.taskruns.written_metadata[key] = ({"tekton.dev/task": "t", "x": "y"}, {})
    relabelled = taskrun(RUNNING, version="4")
    relabelled["metadata"]["labels"] = {"tekton.dev/task": "t", "x": "y"}
    assert own(WatchEvent("MODIFIED", relabelled, "4"))
    other = taskrun(RUNNING, version="5")
    other["metadata"]["labels"] = {"tekton.dev/task": "t", "x": "z"}
    assert not own(WatchEvent("MODIFIED", other, "5"))


def test_a_child_taskrun_queues_its_pipelinerun_only_when_that_can_move_it(
    tmp_path: Path,
) -> None:
    """Its creation, a change by someone (spec, labels), its end and its deletion queue
    a pass over its PipelineRun; a status that only says more about it while it runs
    (Pending, Running, its steps) does not, nor its own pass's labels (below)."""
    ctl = controller(tmp_path)

    def moves(event: WatchEvent) -> bool:
        return ctl._taskrun_change(event).moves_pipelinerun

    pending = {"conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Pending"}]}
    assert moves(WatchEvent("ADDED", taskrun({}), "1"))
    assert not moves(WatchEvent("MODIFIED", taskrun(pending, version="2"), "2"))
    assert not moves(WatchEvent("MODIFIED", taskrun(RUNNING, version="3"), "3"))
    assert moves(WatchEvent("MODIFIED", taskrun(RUNNING, "TaskRunCancelled", "4"), "4"))
    assert not moves(
        WatchEvent("MODIFIED", taskrun({**RUNNING, "podName": "p"}, "TaskRunCancelled", "5"), "5")
    )
    assert moves(WatchEvent("MODIFIED", taskrun(DONE, "TaskRunCancelled", "6"), "6"))
    assert moves(WatchEvent("MODIFIED", taskrun(DONE, "TaskRunCancelled", "7"), "7"))
    assert moves(WatchEvent("DELETED", taskrun(DONE, "TaskRunCancelled", "7"), "8"))


class PodKeeper(ScriptedRuntime):
    """Keeps the Pods created (no process runs); ``on_create`` runs at each creation."""

    def __init__(self, on_create: Callable[[], None] | None = None) -> None:
        super().__init__([])
        self.pods: dict[PodKey, Pod] = {}
        self.on_create = on_create

    async def create_pod(self, pod: Pod) -> None:
        meta = pod["metadata"]
        self.pods[PodKey(meta["namespace"], meta["name"])] = pod
        if self.on_create is not None:
            self.on_create()

    async def get_pod(self, key: PodKey) -> Pod | None:
        return self.pods.get(key)


def first_pass(
    tmp_path: Path, during: Callable[[SqliteStore], None] | None = None
) -> tuple[Controller, list[WatchEvent]]:
    """The first pass over a TaskRun of Task ``t`` (``during``: done to the store while
    the pass creates the Pod): the controller and the events since the TaskRun's
    creation."""
    store = SqliteStore(tmp_path / "db")
    runtime = PodKeeper(None if during is None else lambda: during(store))
    ctl = Controller(store, runtime, Config())
    task: dict[str, Any] = {"apiVersion": "tekton.dev/v1", "kind": "Task"}
    task["metadata"] = {"name": "t", "namespace": "default"}
    task["spec"] = {"steps": [{"name": "s", "image": "busybox", "command": ["true"]}]}
    store.create(task)
    new = {k: v for k, v in taskrun({}).items() if k != "status"}
    created = store.create({**new, "metadata": {"name": "tr", "namespace": "default"}})
    assert not ctl._taskrun_change(WatchEvent("ADDED", created, "1")).own_write
    since = store.resource_version()
    asyncio.run(ctl.taskruns.reconcile("default", "tr"))
    return ctl, store.events_since(since)


def test_the_first_pass_writes_status_and_labels_as_one_change(tmp_path: Path) -> None:
    """Its status and Tekton's syncMetadata labels go in one write: one event, the
    reconciler's own (no pass for it)."""
    ctl, events = first_pass(tmp_path)
    (event,) = events
    assert event.object["metadata"]["labels"]["tekton.dev/task"] == "t"
    assert event.object["status"]["podName"] == "tr-pod"
    assert event.object["status"]["conditions"][0]["reason"] == "Running"
    change = ctl._taskrun_change(event)
    assert change.own_write
    # Nothing a PipelineRun reads changed (a status under way, the Task's labels):
    assert not change.moves_pipelinerun
    relabelled = {**event.object, "metadata": dict(event.object["metadata"])}
    relabelled["metadata"]["labels"] = {"by": "someone else"}
    assert ctl._taskrun_change(WatchEvent("MODIFIED", relabelled, "9")).moves_pipelinerun


def test_a_write_by_another_during_the_first_pass_is_kept(tmp_path: Path) -> None:
    """When someone else wrote the TaskRun during the pass, the one write conflicts: the
    status and the labels then go one by one onto the latest version, and the other
    writer's change stays."""

    def annotate(store: SqliteStore) -> None:
        current = store.get("TaskRun", "default", "tr")
        assert current is not None
        current["metadata"]["annotations"] = {"someone": "else"}
        store.update(current)

    ctl, events = first_pass(tmp_path, annotate)
    assert len(events) == 3  # the other writer's, then the status, then the labels
    final = ctl.store.get("TaskRun", "default", "tr")
    assert final is not None
    assert final["metadata"]["annotations"] == {"someone": "else"}
    assert final["metadata"]["labels"]["tekton.dev/task"] == "t"
    assert final["status"]["podName"] == "tr-pod"


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
    queued = watch_pods(tmp_path, script)
    assert [key for key, _ in queued] == [("TaskRun", "default", "tr")] * 4


def test_the_pod_as_its_taskruns_last_pass_read_it_is_not_queued(tmp_path: Path) -> None:
    """The pass that creates the Pod reads it back and works from it, as Tekton's does:
    the runtime's report of the Pod in that state needs no pass (it would find what
    that pass found). The Pod's next state does, as before."""
    ctl, _ = first_pass(tmp_path)
    key = PodKey("default", "tr-pod")
    keeper = ctl.runtime
    assert isinstance(keeper, PodKeeper)
    created = keeper.pods[key]
    assert ctl.taskruns.pods_read[("default", "tr")] == pod_state(created)
    running = {**created, "status": {"phase": "Running"}}
    queued = watch_pods(tmp_path, [(key, created), (key, running)], ctl)
    assert queued == [(("TaskRun", "default", "tr"), "soon")]
    # A state the last pass did not read is queued, even the one it read before.
    ctl.taskruns.pods_read[("default", "tr")] = pod_state(running)
    assert watch_pods(tmp_path, [(key, created)], ctl) == [(("TaskRun", "default", "tr"), "soon")]


def test_a_pod_change_the_run_waits_on_is_queued_at_once_others_soon(tmp_path: Path) -> None:
    """A Pod's changes that end or move its TaskRun on (a container terminated, the Pod
    finished, sidecars ready while the steps wait for the ``ready`` annotation) queue a
    pass at once; the others (scheduled, init containers, containers running) queue one
    within ``POD_CHANGE_WITHIN``, so that a burst of them makes one pass."""
    key = PodKey("default", "tr-pod")

    def pod(phase: str, containers: dict[str, str], ready: bool = False) -> Pod:
        meta: dict[str, Any] = {"name": key.name, "labels": {"tekton.dev/taskRun": "tr"}}
        if ready:
            meta["annotations"] = {"tekton.dev/ready": "READY"}
        statuses = [
            {"name": name, "ready": state == "running", "state": {state: {}}}
            for name, state in containers.items()
        ]
        return {"metadata": meta, "status": {"phase": phase, "containerStatuses": statuses}}

    sidecar_waiting = {"sidecar-db": "waiting", "step-a": "waiting", "step-b": "waiting"}
    sidecar_running = {"sidecar-db": "running", "step-a": "waiting", "step-b": "waiting"}
    script: list[tuple[PodKey, Pod | None]] = [
        (key, pod("Pending", sidecar_waiting)),  # soon
        (key, pod("Running", sidecar_waiting)),  # soon: the sidecar is not ready
        (key, pod("Running", sidecar_running)),  # at once: the steps wait for the pass
        (key, pod("Running", {**sidecar_running, "step-a": "running"}, ready=True)),  # soon
        (key, pod("Running", {**sidecar_running, "step-a": "terminated"}, ready=True)),  # now
        (key, pod("Running", {**sidecar_running, "step-b": "terminated"}, ready=True)),  # now
        (key, pod("Succeeded", {"sidecar-db": "terminated", "step-b": "terminated"}, True)),
    ]
    queued = watch_pods(tmp_path, script)
    assert [how for _, how in queued] == ["soon", "soon", "now", "soon", "now", "now", "now"]


def record_queue(ctl: Controller, within: float) -> list[tuple[Any, str]]:
    """The keys ``ctl`` queues from now on, each with ``now`` or ``soon`` (its queue
    replaced: nothing is processed); ``within``: the delay every ``soon`` must have."""
    queued: list[tuple[Any, str]] = []
    ctl.queue.add = lambda key: queued.append((key, "now"))  # type: ignore[method-assign]

    def add_soon(key: Any, delay: float) -> None:
        assert delay == within
        queued.append((key, "soon"))

    ctl.queue.add_soon = add_soon  # type: ignore[method-assign]
    return queued


def watch_pods(
    tmp_path: Path, script: list[tuple[PodKey, Pod | None]], ctl: Controller | None = None
) -> list[tuple[Any, str]]:
    """The passes the controller's Pod watch queues for ``script``: ``now`` or ``soon``
    (``ctl``: a controller to use, its runtime replaced by the script)."""
    if ctl is None:
        ctl = controller(tmp_path, ScriptedRuntime(script))
    else:
        ctl.runtime = ScriptedRuntime(script)  # type: ignore[assignment]
    queued = record_queue(ctl, POD_CHANGE_WITHIN)
    asyncio.run(ctl._watch_pods())
    return queued


def pipelinerun() -> dict[str, Any]:
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": "pr", "namespace": "default"},
        "spec": {
            "pipelineSpec": {
                "tasks": [
                    {
                        "name": "a",
                        "taskSpec": {
                            "steps": [{"name": "s", "image": "busybox", "script": "true"}]
                        },
                    }
                ]
            }
        },
    }


def test_a_pipelinerun_pass_s_own_writes_and_children_queue_no_pass_over_it(
    tmp_path: Path,
) -> None:
    """A pass creates the first TaskRun, then writes the run's status (naming it) and
    labels: none of these events calls for another pass over the run (a pass would see
    what that pass saw). A change by someone else, or a TaskRun the run's status does
    not name, does."""
    store = SqliteStore(tmp_path / "db")
    ctl = Controller(store, PodKeeper(), Config())
    created = store.create(pipelinerun())
    assert not ctl._pipelinerun_own_write(WatchEvent("ADDED", created, "1"))
    since = store.resource_version()
    asyncio.run(ctl.pipelineruns.reconcile("default", "pr"))
    events = store.events_since(since)
    assert [(e.type, e.object["kind"]) for e in events] == [
        ("ADDED", "TaskRun"),
        ("MODIFIED", "PipelineRun"),
        ("MODIFIED", "PipelineRun"),  # syncMetadata: the tekton.dev/pipeline label
    ]
    added, status, labels = events
    assert not ctl._taskrun_change(added).moves_pipelinerun
    assert ctl._pipelinerun_own_write(status)
    assert ctl._pipelinerun_own_write(labels)

    since = store.resource_version()
    latest = store.get("PipelineRun", "default", "pr")
    assert latest is not None
    latest["spec"]["status"] = "Cancelled"
    store.update(latest)
    stray = {k: v for k, v in taskrun({}).items() if k != "status"}
    stray["metadata"] = {
        "name": "stray",
        "namespace": "default",
        "labels": {"tekton.dev/pipelineRun": "pr"},
    }
    store.create(stray)
    cancel, other = store.events_since(since)
    assert not ctl._pipelinerun_own_write(cancel)
    assert ctl._taskrun_change(other).moves_pipelinerun


def test_a_child_s_success_that_only_counts_queues_its_pipelinerun_soon(
    tmp_path: Path,
) -> None:
    """A child TaskRun's success queues a pass over its PipelineRun at once when it can
    start a task or end the run: it is the last running parent of a task waiting, or
    the last child running. Any other success only adds to the count of the Running
    message: its pass comes within ``COUNTED_END_WITHIN``, with the other ends
    meanwhile (a fan-in's hundred ends would otherwise make as many passes over
    every task). A failure, and a success some other change comes with, queue one at
    once."""
    store = SqliteStore(tmp_path / "db")
    ctl = Controller(store, PodKeeper(), Config())
    run = pipelinerun()
    (only,) = run["spec"]["pipelineSpec"]["tasks"]
    tasks = [{**only, "name": name} for name in ("a", "b", "c", "d", "e")]
    tasks.append({**only, "name": "x", "runAfter": ["a", "b"]})
    run["spec"]["pipelineSpec"]["tasks"] = tasks
    created = store.create(run)
    since = store.resource_version()
    asyncio.run(ctl.pipelineruns.reconcile("default", "pr"))
    ctl._pipelinerun_own_write(WatchEvent("ADDED", created, since))
    queued = record_queue(ctl, COUNTED_END_WITHIN)
    for event in store.events_since(since):  # the pass's own: the children created
        ctl._queue_passes(event)
    assert [key for key, _ in queued if key[0] == "PipelineRun"] == []

    def end(task: str, status: str = "True", labels: dict[str, str] | None = None) -> str:
        """How the end of the TaskRun of ``task`` queues its PipelineRun."""
        current = store.get("TaskRun", "default", f"pr-{task}")
        assert current is not None
        current["status"] = {"conditions": [{"type": "Succeeded", "status": status}]}
        if labels:
            current["metadata"]["labels"].update(labels)
            current = store.update(current)
        else:
            current = store.update_status(current)
        queued.clear()
        ctl._queue_passes(WatchEvent("MODIFIED", current, current["metadata"]["resourceVersion"]))
        ((key, how),) = [(key, how) for key, how in queued if key[0] == "PipelineRun"]
        assert key == ("PipelineRun", "default", "pr")
        return how

    assert end("c") == "soon"  # nothing waits for c alone
    assert end("a") == "soon"  # x still waits for b
    assert end("b") == "now"  # x can start
    assert end("d", "False") == "now"  # a failure: the run may stop
    assert end("e", labels={"by": "someone"}) == "now"  # and more than an end
    # A pass records anew what the run waits for; until then, every end asks for one.
    ctl.pipelineruns.awaited.clear()
    assert end("c") == "now"


def commits_of_first_pass(tmp_path: Path, tasks: int) -> int:
    """The store transactions the first pass over a PipelineRun of ``tasks``
    independent tasks commits (the store's connection traced)."""
    store = SqliteStore(tmp_path / f"db-{tasks}")
    ctl = Controller(store, PodKeeper(), Config())
    run = pipelinerun()
    (only,) = run["spec"]["pipelineSpec"]["tasks"]
    run["spec"]["pipelineSpec"]["tasks"] = [{**only, "name": f"t{i}"} for i in range(tasks)]
    store.create(run)
    statements: list[str] = []
    store._conn().set_trace_callback(statements.append)
    asyncio.run(ctl.pipelineruns.reconcile("default", "pr"))
    created = store.list("TaskRun", "default")
    assert len(created) == tasks
    return sum(1 for s in statements if s.strip().upper() == "COMMIT")


def test_the_taskruns_a_pass_starts_are_one_commit(tmp_path: Path) -> None:
    """A fan-out's TaskRuns are created in one transaction, not one each: the pass
    commits as often for eight independent tasks as for one."""
    assert commits_of_first_pass(tmp_path, 8) == commits_of_first_pass(tmp_path, 1)
