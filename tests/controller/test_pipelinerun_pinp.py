"""Pipelines in pipelines (alpha) end to end on the embedded control plane (SQLite store,
host runtime, real processes): a PipelineTask with ``pipelineRef``/``pipelineSpec``
makes a child PipelineRun named, owned and labelled as Tekton makes it, recorded in the
parent's ``childReferences``; the child's outcome is the task's; a ``pipelineRef`` cycle
fails with ``CreateRunFailed``; and cancelling the parent does what Tekton's cancel does
with a child PipelineRun (``PipelineRunCouldntCancel``)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest

from tektite.api.config import Config
from tektite.embedded import Embedded, embedded
from tektite.local_runs import condition, create_all, is_done, wait_done


def pipeline(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "Pipeline",
        "metadata": {"name": name},
        "spec": spec,
    }


def script_task(name: str, script: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "taskSpec": {"steps": [{"name": "run", "image": "busybox", "script": script}]},
        **fields,
    }


def pipelinerun(name: str, pipeline_name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {
            "name": name,
            "labels": {"team": "a"},
            "annotations": {"note": "n", "chains.tekton.dev/signed": "true"},
        },
        "spec": {"pipelineRef": {"name": pipeline_name}, **spec},
    }


def cond(obj: dict[str, Any] | None) -> tuple[str, str, str]:
    c = condition(obj or {})
    return c.get("status", ""), c.get("reason", ""), c.get("message", "")


async def settle(env: Embedded) -> None:
    """Wait until every run in the store has ended, so the test leaves nothing running."""
    for _ in range(1000):
        runs = [*env.store.list("TaskRun", "default"), *env.store.list("PipelineRun", "default")]
        if all(is_done(r) for r in runs):
            return
        await asyncio.sleep(0.02)


async def run(root: Path, objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Create ``objects`` (the PipelineRun last), wait for it, return every PipelineRun."""
    async with embedded(Config.alpha_ci(), "host", root) as env:
        created = create_all(env.store, objects, "default", notes=io.StringIO())
        assert await wait_done(env.store, [created[-1]], asyncio.Event(), timeout=60)
        await settle(env)
        return {pr["metadata"]["name"]: pr for pr in env.store.list("PipelineRun", "default")}


def test_child_pipelinerun_is_named_owned_labelled_and_referenced(tmp_path: Path) -> None:
    child = pipeline(
        "child-pipeline",
        params=[{"name": "who"}],
        workspaces=[{"name": "src"}],
        tasks=[
            script_task(
                "hello",
                "echo hello $(params.who) > $(workspaces.src.path)/out",
                workspaces=[{"name": "src", "workspace": "src"}],
            )
        ],
    )
    parent = pipeline(
        "parent-pipeline",
        tasks=[
            script_task("first", "true"),
            {
                "name": "nested",
                "runAfter": ["first"],
                "pipelineRef": {"name": "child-pipeline"},
                "params": [{"name": "who", "value": "you"}],
                "workspaces": [{"name": "src", "workspace": "ws", "subPath": "sub"}],
            },
        ],
        workspaces=[{"name": "ws"}],
    )
    prs = asyncio.run(
        run(
            tmp_path,
            [
                child,
                parent,
                pipelinerun("pr", "parent-pipeline", workspaces=[{"name": "ws", "emptyDir": {}}]),
            ],
        )
    )
    assert set(prs) == {"pr", "pr-nested"}
    top, nested = prs["pr"], prs["pr-nested"]
    assert cond(top) == (
        "True",
        "Succeeded",
        "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0",
    )
    assert cond(nested) == (
        "True",
        "Succeeded",
        "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0",
    )
    meta = nested["metadata"]
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "name": "pr",
            "uid": top["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert meta["labels"] == {
        "team": "a",
        "tekton.dev/pipeline": "child-pipeline",
        "tekton.dev/pipelineRun": "pr",
        "tekton.dev/pipelineRunUID": top["metadata"]["uid"],
        "tekton.dev/pipelineTask": "nested",
        "tekton.dev/memberOf": "tasks",
    }
    assert meta["annotations"] == {"note": "n"}
    spec = nested["spec"]
    assert spec["pipelineRef"] == {"name": "child-pipeline"}
    assert spec["params"] == [{"name": "who", "value": "you"}]
    assert spec["workspaces"] == [{"name": "src", "subPath": "sub", "emptyDir": {}}]
    # Stored as Tekton's webhook defaults it.
    assert spec["timeouts"] == {"pipeline": "1h0m0s"}
    assert spec["taskRunTemplate"] == {"serviceAccountName": "default"}
    assert top["status"]["childReferences"] == [
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "name": "pr-first",
            "pipelineTaskName": "first",
        },
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "name": "pr-nested",
            "pipelineTaskName": "nested",
        },
    ]
    # The child's own TaskRun belongs to the child, not to the parent.
    assert nested["status"]["childReferences"] == [
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "name": "pr-nested-hello",
            "pipelineTaskName": "hello",
        }
    ]


def test_failing_child_fails_the_parent(tmp_path: Path) -> None:
    parent = pipeline(
        "parent-pipeline",
        tasks=[
            {
                "name": "nested",
                "pipelineSpec": {"tasks": [script_task("boom", "exit 3")]},
            }
        ],
    )
    # A finally task sees the child pipeline's execution status.
    parent["spec"]["finally"] = [
        {
            "name": "report",
            "params": [
                {"name": "one", "value": "$(tasks.nested.status)"},
                {"name": "all", "value": "$(tasks.status)"},
            ],
            "taskSpec": {
                "params": [{"name": "one"}, {"name": "all"}],
                "steps": [
                    {
                        "name": "run",
                        "image": "busybox",
                        "script": "test '$(params.one)' = Failed && test '$(params.all)' = Failed",
                    }
                ],
            },
        }
    ]
    prs = asyncio.run(run(tmp_path, [parent, pipelinerun("pr", "parent-pipeline")]))
    assert cond(prs["pr-nested"]) == (
        "False",
        "Failed",
        "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0",
    )
    assert cond(prs["pr"]) == (
        "False",
        "Failed",
        "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0",
    )


def test_pipeline_ref_cycle_fails_with_create_run_failed(tmp_path: Path) -> None:
    # a runs b, b runs a: the check in b's run finds a above it.
    a = pipeline("a", tasks=[{"name": "to-b", "pipelineRef": {"name": "b"}}])
    b = pipeline("b", tasks=[{"name": "to-a", "pipelineRef": {"name": "a"}}])
    prs = asyncio.run(run(tmp_path, [a, b, pipelinerun("pr", "a")]))
    assert set(prs) == {"pr", "pr-to-b"}
    assert cond(prs["pr-to-b"]) == (
        "False",
        "CreateRunFailed",
        'detected cycle in pipeline-in-pipeline: pipeline "a" is already running in '
        "ancestor chain [b]",
    )
    assert cond(prs["pr"]) == (
        "False",
        "Failed",
        "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0",
    )


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        (
            "cancel",
            (
                "Unknown",
                "PipelineRunCouldntCancel",
                'PipelineRun "pr" was cancelled but had errors trying to cancel TaskRuns '
                "and/or Runs: found child objects of unknown kinds: map[pr-nested:PipelineRun]",
            ),
        ),
        (
            "timeout",
            (
                "Unknown",
                "PipelineRunCouldntTimeOut",
                'PipelineRun "pr" was timed out but had errors trying to time out TaskRuns '
                "and/or Runs: found child objects of unknown kinds: map[pr-nested:PipelineRun]",
            ),
        ),
    ],
)
def test_cancel_or_timeout_of_a_parent_with_a_child_pipelinerun(
    tmp_path: Path, how: str, expected: tuple[str, str, str]
) -> None:
    """Tekton's cancel and timeout patches know TaskRuns and CustomRuns only: the parent
    stays Unknown (``PipelineRunCouldntCancel`` / ``PipelineRunCouldntTimeOut``, retried)
    and the child keeps running until it is cancelled itself."""
    parent = pipeline(
        "parent-pipeline",
        tasks=[{"name": "nested", "pipelineSpec": {"tasks": [script_task("wait", "sleep 30")]}}],
    )
    timeouts = {"timeouts": {"pipeline": "2s"}} if how == "timeout" else {}

    async def scenario() -> tuple[tuple[str, str, str], dict[str, Any] | None]:
        async with embedded(Config.alpha_ci(), "host", tmp_path) as env:
            create_all(
                env.store,
                [parent, pipelinerun("pr", "parent-pipeline", **timeouts)],
                "default",
                notes=io.StringIO(),
            )
            for _ in range(1000):
                tr = env.store.get("TaskRun", "default", "pr-nested-wait")
                if tr and any("running" in s for s in (tr.get("status") or {}).get("steps") or ()):
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the child's TaskRun never started")
            if how == "cancel":
                _set_spec_status(env, "pr", "Cancelled")
            for _ in range(500):
                if cond(env.store.get("PipelineRun", "default", "pr"))[1] == expected[1]:
                    break
                await asyncio.sleep(0.02)
            got = cond(env.store.get("PipelineRun", "default", "pr"))
            nested = env.store.get("PipelineRun", "default", "pr-nested")
            # End the test: cancel the child itself.
            _set_spec_status(env, "pr-nested", "Cancelled")
            for _ in range(1000):
                child = env.store.get("PipelineRun", "default", "pr-nested")
                if child is not None and is_done(child):
                    break
                await asyncio.sleep(0.02)
            await settle_children(env)
            return got, nested

    got, nested = asyncio.run(scenario())
    assert got == expected
    # Nothing was passed on to the child: it was still running, uncancelled.
    assert nested is not None
    assert "status" not in nested["spec"]
    assert cond(nested)[0] == "Unknown"


async def settle_children(env: Embedded) -> None:
    """Wait until every TaskRun has ended (the parent itself never ends here)."""
    for _ in range(1000):
        if all(is_done(r) for r in env.store.list("TaskRun", "default")):
            return
        await asyncio.sleep(0.02)


def _set_spec_status(env: Embedded, name: str, status: str) -> None:
    from tektite.store.errors import Conflict

    for _ in range(10):
        raw = env.store.get("PipelineRun", "default", name)
        assert raw is not None
        raw["spec"]["status"] = status
        try:
            env.store.update(raw)
            return
        except Conflict:
            continue
    raise AssertionError(f"could not cancel {name}")
