"""Retention applied on a real SqliteStore with an injected clock: runs, their TaskRuns,
Pods and log directories go; the rest stays.

The PodRuntime here only records ``delete_pod`` calls (a fake: no Pod runs in these
tests; the host runtime's own deletion is tested with it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tektite.controller.retention import RetentionController, logs_root
from tektite.runtime.protocol import Pod, PodKey
from tektite.store.sqlite import SqliteStore


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class RecordingRuntime:
    """Records the Pods it is asked to delete."""

    name = "recording"

    def __init__(self) -> None:
        self.deleted: list[PodKey] = []

    async def delete_pod(self, key: PodKey) -> None:
        self.deleted.append(key)

    async def create_pod(self, pod: Pod) -> None:  # pragma: no cover - unused
        raise NotImplementedError

    async def get_pod(self, key: PodKey) -> Pod | None:  # pragma: no cover - unused
        return None

    async def set_annotations(self, key: PodKey, annotations: dict[str, str]) -> None:
        raise NotImplementedError  # pragma: no cover - unused

    async def stop_containers(self, key: PodKey, containers: list[str]) -> None:
        raise NotImplementedError  # pragma: no cover - unused

    async def watch(self) -> AsyncIterator[PodKey]:  # pragma: no cover - unused
        if False:
            yield PodKey("", "")

    async def logs(  # pragma: no cover - unused
        self, key: PodKey, container: str, *, follow: bool
    ) -> AsyncIterator[bytes]:
        if False:
            yield b""

    async def close(self) -> None:  # pragma: no cover - unused
        return None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "tektite.db", clock=clock) as s:
        yield s


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def finish(
    store: SqliteStore, obj: dict[str, Any], ok: bool, when: datetime, **status: Any
) -> None:
    current = store.get(obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"])
    assert current is not None
    current["status"] = {
        "completionTime": _stamp(when),
        "conditions": [
            {
                "type": "Succeeded",
                "status": "True" if ok else "False",
                "reason": "Succeeded" if ok else "Failed",
                "lastTransitionTime": _stamp(when),
            }
        ],
        **status,
    }
    store.update_status(current)


def pipelinerun(store: SqliteStore, name: str, pipeline: str = "build", ns: str = "default") -> Any:
    return store.create(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": {"tekton.dev/pipeline": pipeline},
            },
            "spec": {"pipelineRef": {"name": pipeline}},
        }
    )


def child(store: SqliteStore, pr: dict[str, Any], task: str) -> Any:
    name = f"{pr['metadata']['name']}-{task}"
    return store.create(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "metadata": {
                "name": name,
                "namespace": pr["metadata"]["namespace"],
                "labels": {"tekton.dev/pipelineRun": pr["metadata"]["name"]},
                "ownerReferences": [
                    {
                        "apiVersion": "tekton.dev/v1",
                        "kind": "PipelineRun",
                        "name": pr["metadata"]["name"],
                        "uid": pr["metadata"]["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {"taskRef": {"name": task}},
        }
    )


def taskrun(store: SqliteStore, name: str, task: str = "lint", ns: str = "default") -> Any:
    return store.create(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "metadata": {"name": name, "namespace": ns, "labels": {"tekton.dev/task": task}},
            "spec": {"taskRef": {"name": task}},
        }
    )


def config_map(store: SqliteStore, ns: str, name: str, key: str, text: str) -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}}
    current = store.get("ConfigMap", ns, name)
    if current is None:
        store.create({**obj, "data": {key: text}})
    else:
        current["data"] = {key: text}
        store.update(current)


def global_config(store: SqliteStore, text: str) -> None:
    config_map(store, "tekton-pipelines", "tekton-pruner-default-spec", "global-config", text)


def logs_for(root: Path, ns: str, pod: str) -> Path:
    directory = root / "logs" / ns / pod
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "step-a.log").write_text("output\n")
    return directory


def names(store: SqliteStore, kind: str) -> list[str]:
    return sorted(o["metadata"]["name"] for o in store.list(kind, None))


def make(
    store: SqliteStore, clock: Clock, root: Path
) -> tuple[RetentionController, RecordingRuntime]:
    runtime = RecordingRuntime()
    controller = RetentionController(store, runtime, clock=clock, log_root=root / "logs")
    return controller, runtime


def test_history_limit_deletes_the_pipelinerun_its_taskruns_pods_and_logs(
    store: SqliteStore, clock: Clock, tmp_path: Path
) -> None:
    global_config(store, "successfulHistoryLimit: 1")
    dirs = {}
    for i in (1, 2):
        pr = pipelinerun(store, f"build-{i}")
        for task in ("compile", "test"):
            tr = child(store, pr, task)
            pod = f"{tr['metadata']['name']}-pod"
            dirs[pod] = logs_for(tmp_path, "default", pod)
            finish(store, tr, True, clock(), podName=pod)
        finish(store, pr, True, clock())
        clock.advance(60)
    controller, runtime = make(store, clock, tmp_path)

    deleted, next_check = asyncio.run(controller.prune())

    assert [(d.kind, d.name, d.reason) for d in deleted] == [
        (
            "PipelineRun",
            "build-1",
            "successfulHistoryLimit=1 (tekton-pruner-default-spec): 1 newer successful "
            'PipelineRuns of Pipeline "build"',
        )
    ]
    assert next_check is None
    assert names(store, "PipelineRun") == ["build-2"]
    assert names(store, "TaskRun") == ["build-2-compile", "build-2-test"]
    assert sorted(k.name for k in runtime.deleted) == ["build-1-compile-pod", "build-1-test-pod"]
    assert not dirs["build-1-compile-pod"].exists()
    assert not dirs["build-1-test-pod"].exists()
    assert (dirs["build-2-compile-pod"] / "step-a.log").read_text() == "output\n"
    # A second pass has nothing left to do.
    assert asyncio.run(controller.prune()) == ([], None)


def test_ttl_expires_with_the_clock_and_per_task_settings_apply(
    store: SqliteStore, clock: Clock, tmp_path: Path
) -> None:
    global_config(store, "ttlSecondsAfterFinished: 3600")
    config_map(
        store,
        "default",
        "tekton-pruner-namespace-spec",
        "ns-config",
        "taskRuns:\n- name: lint\n  ttlSecondsAfterFinished: 60\n",
    )
    lint = taskrun(store, "lint-1")
    other = taskrun(store, "unit-1", task="unit")
    finish(store, lint, True, clock(), podName="lint-1-pod")
    finish(store, other, False, clock(), podName="unit-1-pod")
    lint_logs = logs_for(tmp_path, "default", "lint-1-pod")
    unit_logs = logs_for(tmp_path, "default", "unit-1-pod")
    controller, runtime = make(store, clock, tmp_path)

    assert asyncio.run(controller.prune()) == ([], clock() + timedelta(seconds=60))
    clock.advance(61)
    deleted, next_check = asyncio.run(controller.prune())
    assert [d.name for d in deleted] == ["lint-1"]
    assert deleted[0].reason == (
        "ttlSecondsAfterFinished=60 (tekton-pruner-namespace-spec (name lint)): finished 1m1s ago"
    )
    assert next_check == clock() - timedelta(seconds=61) + timedelta(seconds=3600)
    assert not lint_logs.exists() and unit_logs.exists()
    clock.advance(3600)
    assert [d.name for d in asyncio.run(controller.prune())[0]] == ["unit-1"]
    assert not unit_logs.exists()
    assert runtime.deleted == [PodKey("default", "lint-1-pod"), PodKey("default", "unit-1-pod")]


def test_an_invalid_configmap_stops_pruning_with_one_clear_error(
    store: SqliteStore, clock: Clock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    global_config(store, "historyLimit: lots")
    for i in range(3):
        finish(store, taskrun(store, f"t{i}"), True, clock())
    controller, _ = make(store, clock, tmp_path)
    with caplog.at_level(logging.ERROR, "tektite.controller.retention"):
        assert asyncio.run(controller.prune()) == ([], None)
        assert asyncio.run(controller.prune()) == ([], None)
    assert [r.getMessage() for r in caplog.records] == [
        "retention: ConfigMap tekton-pipelines/tekton-pruner-default-spec: global-config: "
        "historyLimit: must be an integer, not 'lots' (nothing is pruned there until it is fixed)"
    ]
    assert names(store, "TaskRun") == ["t0", "t1", "t2"]
    # A broken namespace ConfigMap only stops its namespace.
    global_config(store, "historyLimit: 1")
    config_map(store, "default", "tekton-pruner-namespace-spec", "ns-config", "pipelineRuns: 3")
    finish(store, taskrun(store, "o1", ns="team"), True, clock())
    clock.advance(1)
    finish(store, taskrun(store, "o2", ns="team"), True, clock())
    assert [d.name for d in asyncio.run(controller.prune())[0]] == ["o1"]
    assert names(store, "TaskRun") == ["o2", "t0", "t1", "t2"]


def test_the_loop_prunes_when_a_run_finishes_and_when_the_config_changes(
    store: SqliteStore, clock: Clock, tmp_path: Path
) -> None:
    """``run()`` as the controller starts it: no polling needed for either trigger."""

    async def scenario() -> None:
        controller, _ = make(store, clock, tmp_path)
        controller.interval = 3600  # only the watch can trigger passes in this test
        task = asyncio.create_task(controller.run())
        try:
            first = taskrun(store, "a1")
            finish(store, first, True, clock())
            await asyncio.sleep(0.1)
            assert names(store, "TaskRun") == ["a1"]  # nothing configured: kept
            global_config(store, "successfulHistoryLimit: 1")
            clock.advance(1)
            second = taskrun(store, "a2")
            finish(store, second, True, clock())
            await _until(lambda: names(store, "TaskRun") == ["a2"])
            # The config going to 0 prunes at once too, without any run finishing.
            global_config(store, "successfulHistoryLimit: 0")
            await _until(lambda: names(store, "TaskRun") == [])
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())


async def _until(predicate: Any, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_logs_root_of_a_local_runtime(tmp_path: Path) -> None:
    class Local:
        data_dir = tmp_path

    assert logs_root(Local()) == tmp_path / "logs"
    assert logs_root(RecordingRuntime()) is None


def test_the_embedded_controller_prunes_real_runs_and_their_logs(tmp_path: Path) -> None:
    """The whole thing: SqliteStore, controller, host runtime, real step processes."""
    from tektite.api.config import Config
    from tektite.embedded import embedded
    from tektite.local_runs import wait_done

    def taskrun_doc(name: str) -> dict[str, Any]:
        return {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "taskSpec": {"steps": [{"name": "s", "image": "busybox", "script": "echo hi"}]}
            },
        }

    async def scenario() -> None:
        root = tmp_path / "home"
        async with embedded(Config(), "host", root) as env:
            global_config(env.store, "historyLimit: 1")
            first = env.store.create(taskrun_doc("one"))
            assert await wait_done(env.store, [first], asyncio.Event(), timeout=60)
            pod = env.store.get("TaskRun", "default", "one")["status"]["podName"]  # type: ignore[index]
            assert (root / "logs/default" / pod / "step-s.log").read_text() == "hi\n"
            second = env.store.create(taskrun_doc("two"))
            assert await wait_done(env.store, [second], asyncio.Event(), timeout=60)
            # The run goes from the store first, then its Pod, then its logs.
            await _until(lambda: not (root / "logs/default" / pod).exists())
            assert names(env.store, "TaskRun") == ["two"]
            assert await env.runtime.get_pod(PodKey("default", pod)) is None
            assert (root / "logs/default/two-pod/step-s.log").read_text() == "hi\n"

    asyncio.run(scenario())


def test_a_tasks_pruner_annotation_reaches_its_runs_and_prunes_them(tmp_path: Path) -> None:
    """No ConfigMap at all: the limit comes from the Task, copied onto each TaskRun by
    the TaskRun reconciler (as Tekton copies a Task's annotations)."""
    from tektite.api.config import Config
    from tektite.embedded import embedded
    from tektite.local_runs import wait_done

    task = {
        "apiVersion": "tekton.dev/v1",
        "kind": "Task",
        "metadata": {
            "name": "greet",
            "namespace": "default",
            "annotations": {"pruner.tekton.dev/successfulHistoryLimit": "1"},
        },
        "spec": {"steps": [{"name": "s", "image": "busybox", "script": "echo hi"}]},
    }

    def run_of(name: str) -> dict[str, Any]:
        return {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"taskRef": {"name": "greet"}},
        }

    async def scenario() -> None:
        async with embedded(Config(), "host", tmp_path / "home") as env:
            env.store.create(task)
            for name in ("g1", "g2"):
                created = env.store.create(run_of(name))
                assert await wait_done(env.store, [created], asyncio.Event(), timeout=60)
            await _until(lambda: names(env.store, "TaskRun") == ["g2"])
            kept = env.store.get("TaskRun", "default", "g2")
            assert kept is not None
            annotations = kept["metadata"]["annotations"]
            assert annotations["pruner.tekton.dev/successfulHistoryLimit"] == "1"

    asyncio.run(scenario())
