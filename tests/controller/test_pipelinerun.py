"""End to end on the embedded control plane (SQLite store, host runtime, real processes):
PipelineRuns fan out and in with results, skip on when expressions, fail with finally
still running, ignore a failure with ``onError: continue``, get cancelled and time out,
each ending with Tekton's exact reason and message."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tektite.api.config import Config
from tektite.embedded import Embedded, embedded
from tektite.local_runs import condition, create_all, is_done, wait_done

During = Callable[[Embedded, dict[str, Any]], Awaitable[None]]


def step(script: str, name: str = "run") -> dict[str, Any]:
    return {"name": name, "image": "busybox", "script": script}


def task(
    name: str,
    script: str,
    *,
    results: tuple[str, ...] = (),
    params: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A PipelineTask with an embedded taskSpec of one step that declares ``results``
    and takes ``params`` (name → value given by the PipelineTask)."""
    spec: dict[str, Any] = {"steps": [step(script)]}
    if results:
        spec["results"] = [{"name": r} for r in results]
    out: dict[str, Any] = {"name": name, "taskSpec": spec, **fields}
    if params:
        spec["params"] = [{"name": p} for p in params]
        out["params"] = [{"name": p, "value": v} for p, v in params.items()]
    return out


def pipelinerun(name: str, pipeline_spec: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": name},
        "spec": {"pipelineSpec": pipeline_spec, **spec},
    }


class Outcome:
    """The PipelineRun as finally stored, and its child TaskRuns by pipeline task."""

    def __init__(self, run: dict[str, Any], children: dict[str, dict[str, Any]]) -> None:
        self.run = run
        self.children = children

    @property
    def condition(self) -> tuple[str, str, str]:
        c = condition(self.run)
        return c.get("status", ""), c.get("reason", ""), c.get("message", "")

    def child_condition(self, pipeline_task: str) -> tuple[str, str, str]:
        c = condition(self.children[pipeline_task])
        return c.get("status", ""), c.get("reason", ""), c.get("message", "")


async def run_one(root: Path, obj: dict[str, Any], during: During | None = None) -> Outcome:
    async with embedded(Config(), "host", root) as env:
        (created,) = create_all(env.store, [obj], "default", notes=io.StringIO())
        name = created["metadata"]["name"]
        if during is not None:
            await during(env, created)
        assert await wait_done(env.store, [created], asyncio.Event(), timeout=60)
        # The children are reconciled on their own: wait until they have ended too, so
        # that the test leaves nothing running.
        selector = f"tekton.dev/pipelineRun={name}"
        for _ in range(500):
            children = env.store.list("TaskRun", "default", label_selector=selector)
            if all(is_done(c) for c in children):
                break
            await asyncio.sleep(0.02)
        final = env.store.get("PipelineRun", "default", name)
        assert final is not None
        # Done is done: another pass changes nothing.
        await env.controller.pipelineruns.reconcile("default", name)
        again = env.store.get("PipelineRun", "default", name)
        assert again is not None
        assert again["metadata"]["resourceVersion"] == final["metadata"]["resourceVersion"]
        by_task = {c["metadata"]["labels"]["tekton.dev/pipelineTask"]: c for c in children}
        return Outcome(final, by_task)


async def when_running(env: Embedded, pipeline_task: str) -> None:
    """Wait until the first step of ``pipeline_task``'s TaskRun runs."""
    for _ in range(1000):
        for tr in env.store.list("TaskRun", "default"):
            labels = tr["metadata"].get("labels") or {}
            steps = [s for s in (tr.get("status") or {}).get("steps") or () if "running" in s]
            if labels.get("tekton.dev/pipelineTask") == pipeline_task and steps:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{pipeline_task} never started")


def test_fan_out_fan_in_with_results(tmp_path: Path) -> None:
    spec = {
        "params": [{"name": "who", "default": "world"}],
        "results": [{"name": "joined", "value": "$(tasks.join.results.out)"}],
        "tasks": [
            task("a", "printf 'a:$(params.who)' > $(results.out.path)", results=("out",)),
            task("b", "printf b > $(results.out.path)", results=("out",)),
            task(
                "join",
                "printf '%s+%s' $(params.x) $(params.y) > $(results.out.path)",
                results=("out",),
                params={"x": "$(tasks.a.results.out)", "y": "$(tasks.b.results.out)"},
            ),
        ],
    }
    out = asyncio.run(run_one(tmp_path, pipelinerun("fan", spec)))
    assert out.condition == (
        "True",
        "Succeeded",
        "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0",
    )
    status = out.run["status"]
    assert status["results"] == [{"name": "joined", "value": "a:world+b"}]
    refs = status["childReferences"]
    assert sorted((r["name"], r["pipelineTaskName"]) for r in refs) == [
        ("fan-a", "a"),
        ("fan-b", "b"),
        ("fan-join", "join"),
    ]
    assert status["startTime"] and status["completionTime"]
    assert status["pipelineSpec"]["tasks"][0]["name"] == "a"
    join = out.children["join"]
    assert join["metadata"]["ownerReferences"][0]["kind"] == "PipelineRun"
    assert join["metadata"]["ownerReferences"][0]["uid"] == out.run["metadata"]["uid"]
    # The fan-in started only after both producers had finished.
    assert join["status"]["startTime"] >= out.children["a"]["status"]["completionTime"]


def test_when_expressions_skip(tmp_path: Path) -> None:
    skipped_when = [{"input": "yes", "operator": "in", "values": ["no"]}]
    spec = {
        "tasks": [
            task("runs", "echo hi"),
            task("skipped", "echo never", when=skipped_when),
        ]
    }
    out = asyncio.run(run_one(tmp_path, pipelinerun("skip", spec)))
    assert out.condition == (
        "True",
        "Completed",
        "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 1",
    )
    assert out.run["status"]["skippedTasks"] == [
        {
            "name": "skipped",
            "reason": "When Expressions evaluated to false",
            "whenExpressions": skipped_when,
        }
    ]
    assert set(out.children) == {"runs"}


def test_failing_task_runs_finally(tmp_path: Path) -> None:
    spec = {
        "tasks": [
            task("fails", "exit 2"),
            task("after", "echo never", runAfter=["fails"]),
        ],
        "finally": [
            task("report", "echo tasks: $(params.s)", params={"s": "$(tasks.status)"}),
        ],
    }
    out = asyncio.run(run_one(tmp_path, pipelinerun("fail", spec)))
    assert out.condition == (
        "False",
        "Failed",
        "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1",
    )
    assert out.child_condition("fails")[:2] == ("False", "StepFailed")
    assert out.child_condition("report")[0] == "True"
    assert out.children["report"]["spec"]["params"] == [{"name": "s", "value": "Failed"}]
    assert out.run["status"]["finallyStartTime"]
    assert [(s["name"], s["reason"]) for s in out.run["status"]["skippedTasks"]] == [
        ("after", "PipelineRun was stopping")
    ]


def test_on_error_continue(tmp_path: Path) -> None:
    spec = {
        "tasks": [
            task("fails", "exit 1", onError="continue"),
            task("after", "echo still here", runAfter=["fails"]),
        ]
    }
    out = asyncio.run(run_one(tmp_path, pipelinerun("cont", spec)))
    assert out.condition == (
        "True",
        "Succeeded",
        "Tasks Completed: 2 (Failed: 1 (Ignored: 1), Cancelled 0), Skipped: 0",
    )
    assert out.child_condition("after")[0] == "True"
    annotations = out.children["fails"]["metadata"]["annotations"]
    assert annotations["pipeline.tekton.dev/pipeline-task-on-error"] == "continue"


def test_cancelled(tmp_path: Path) -> None:
    spec = {"tasks": [task("sleeps", "sleep 30"), task("later", "echo no", runAfter=["sleeps"])]}

    async def cancel(env: Embedded, created: dict[str, Any]) -> None:
        await when_running(env, "sleeps")
        current = env.store.get("PipelineRun", "default", "cancel-me")
        assert current is not None
        current["spec"]["status"] = "Cancelled"
        env.store.update(current)

    out = asyncio.run(run_one(tmp_path, pipelinerun("cancel-me", spec), cancel))
    assert out.condition == ("False", "Cancelled", 'PipelineRun "cancel-me" was cancelled')
    assert set(out.children) == {"sleeps"}
    child = out.children["sleeps"]
    assert child["spec"]["status"] == "TaskRunCancelled"
    assert child["spec"]["statusMessage"] == (
        "TaskRun cancelled as the PipelineRun it belongs to has been cancelled."
    )
    assert out.child_condition("sleeps") == (
        "False",
        "TaskRunCancelled",
        'TaskRun "cancel-me-sleeps" was cancelled. '
        "TaskRun cancelled as the PipelineRun it belongs to has been cancelled.",
    )


def test_pipeline_timeout(tmp_path: Path) -> None:
    spec = {"tasks": [task("sleeps", "sleep 30")]}
    run = pipelinerun("slow", spec, timeouts={"pipeline": "2s"})
    out = asyncio.run(run_one(tmp_path, run))
    assert out.condition == (
        "False",
        "PipelineRunTimeout",
        'PipelineRun "slow" failed to finish within "2s"',
    )
    child = out.children["sleeps"]
    assert child["spec"]["statusMessage"] == (
        "TaskRun cancelled as the PipelineRun it belongs to has timed out."
    )
    assert out.child_condition("sleeps")[:2] == ("False", "TaskRunCancelled")


def test_pending_then_started(tmp_path: Path) -> None:
    spec = {"tasks": [task("hello", "echo hi")]}

    async def release(env: Embedded, created: dict[str, Any]) -> None:
        for _ in range(500):
            current = env.store.get("PipelineRun", "default", "later")
            assert current is not None
            if condition(current).get("reason") == "PipelineRunPending":
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("never pending")
        assert condition(current)["message"] == 'PipelineRun "later" is pending'
        assert not (current.get("status") or {}).get("startTime")
        assert env.store.list("TaskRun", "default") == []
        del current["spec"]["status"]
        env.store.update(current)

    out = asyncio.run(
        run_one(tmp_path, pipelinerun("later", spec, status="PipelineRunPending"), release)
    )
    assert out.condition[:2] == ("True", "Succeeded")


def test_resolution_failure(tmp_path: Path) -> None:
    run = pipelinerun("nothing", {})
    del run["spec"]["pipelineSpec"]
    run["spec"]["pipelineRef"] = {"name": "missing"}
    out = asyncio.run(run_one(tmp_path, run))
    status, reason, _ = out.condition
    assert (status, reason) == ("False", "CouldntGetPipeline")
    assert out.run["status"]["completionTime"]
