"""End to end on the embedded control plane (SQLite store, host runtime, real processes):
the timeouts (``timeouts.tasks``, ``timeouts.finally``, a task's ``timeout``), graceful
cancellation (``CancelledRunFinally``) and stopping (``StoppedRunFinally``) and the
labels of PipelineRuns and their TaskRuns, each against what Tekton's reconciler
(``pkg/reconciler/pipelinerun``) gives for the same run: reasons, messages, the
interim reasons while ``finally`` runs, and which TaskRuns were cancelled how."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

from tektite.api.config import Config
from tektite.embedded import Embedded, embedded
from tektite.local_runs import condition, create_all, is_done, wait_done
from tektite.store.errors import Conflict
from tests.controller.test_pipelinerun import (
    Outcome,
    pipelinerun,
    run_one,
    step,
    task,
    when_running,
)

TIMED_OUT_MSG = "TaskRun cancelled as the PipelineRun it belongs to has timed out."
CANCELLED_MSG = "TaskRun cancelled as the PipelineRun it belongs to has been cancelled."


async def wait_reason(env: Embedded, name: str, reason: str) -> dict[str, str]:
    """The PipelineRun's condition once its reason is ``reason``."""
    for _ in range(1000):
        current = env.store.get("PipelineRun", "default", name)
        c = condition(current or {})
        if c.get("reason") == reason:
            return c
        await asyncio.sleep(0.01)
    raise AssertionError(f"PipelineRun {name} never had reason {reason}")


async def set_spec_status(env: Embedded, name: str, value: str | None) -> None:
    """Set (or, with None, clear) ``spec.status``, as ``kubectl patch`` would: retried
    when the controller wrote the run in between."""
    for _ in range(20):
        current = env.store.get("PipelineRun", "default", name)
        assert current is not None
        if value is None:
            current["spec"].pop("status", None)
        else:
            current["spec"]["status"] = value
        try:
            env.store.update(current)
            return
        except Conflict:
            await asyncio.sleep(0.01)
    raise AssertionError(f"could not update PipelineRun {name}")


def test_tasks_timeout_cancels_running_tasks_and_runs_finally(tmp_path: Path) -> None:
    spec = {
        "tasks": [task("slow", "sleep 30")],
        "finally": [
            task(
                "report",
                "sleep 0.5; echo $(params.s)",
                params={
                    "s": "$(tasks.slow.status)",
                    "r": "$(tasks.slow.reason)",
                    "all": "$(tasks.status)",
                },
            )
        ],
    }
    interim: dict[str, str] = {}

    async def watch(env: Embedded, created: dict[str, Any]) -> None:
        interim.update(await wait_reason(env, "tt", "PipelineRunTimeoutRunningFinally"))

    run = pipelinerun("tt", spec, timeouts={"pipeline": "1m", "tasks": "2s"})
    out = asyncio.run(run_one(tmp_path, run, watch))
    # From the timeout until finally is done (pipelinerunstate.go:
    # ReasonTimedOutRunningFinally): first while the cancelled task is still stopping,
    # then, once it has, it counts as failed.
    assert interim["status"] == "Unknown"
    assert interim["message"] in (
        "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0",
        "Tasks Completed: 1 (Failed: 1, Cancelled 0), Incomplete: 1, Skipped: 0",
    )
    assert out.condition == (
        "False",
        "PipelineRunTimeout",
        'PipelineRun "tt" failed due to tasks failed to finish within "2s"',
    )
    slow = out.children["slow"]
    assert slow["spec"]["status"] == "TaskRunCancelled"
    assert slow["spec"]["statusMessage"] == TIMED_OUT_MSG
    assert out.child_condition("slow") == (
        "False",
        "TaskRunCancelled",
        f'TaskRun "tt-slow" was cancelled. {TIMED_OUT_MSG}',
    )
    assert out.child_condition("report")[:2] == ("True", "Succeeded")
    assert out.children["report"]["spec"]["params"] == [
        {"name": "s", "value": "Failed"},
        {"name": "r", "value": "TaskRunCancelled"},
        {"name": "all", "value": "Failed"},
    ]
    assert out.run["status"]["finallyStartTime"]


def test_tasks_timeout_skips_tasks_not_started(tmp_path: Path) -> None:
    # "first" is cancelled by the tasks timeout; onError: continue keeps the run from
    # stopping, so "second" is skipped for the timeout once its parent is done. (The
    # finally task keeps the run going after the timeout: without one, the pass that
    # cancels "first" ends the run, before "second" could be considered.)
    spec = {
        "tasks": [
            task("first", "sleep 30", onError="continue"),
            task("second", "echo never", runAfter=["first"]),
        ],
        "finally": [task("cleanup", "echo cleaning")],
    }
    run = pipelinerun("ts", spec, timeouts={"pipeline": "1m", "tasks": "2s"})
    out = asyncio.run(run_one(tmp_path, run))
    assert out.condition == (
        "False",
        "PipelineRunTimeout",
        'PipelineRun "ts" failed due to tasks failed to finish within "2s"',
    )
    assert out.children["first"]["spec"]["statusMessage"] == TIMED_OUT_MSG
    assert set(out.children) == {"first", "cleanup"}
    assert [(s["name"], s["reason"]) for s in out.run["status"]["skippedTasks"]] == [
        ("second", "PipelineRun Tasks timeout has been reached")
    ]


def test_finally_timeout_cancels_finally_tasks(tmp_path: Path) -> None:
    spec = {
        "tasks": [task("quick", "echo done")],
        "finally": [task("slow-cleanup", "sleep 30"), task("fast-cleanup", "echo ok")],
    }
    run = pipelinerun("ft", spec, timeouts={"pipeline": "1m", "finally": "2s"})
    out = asyncio.run(run_one(tmp_path, run))
    # A TaskRun cancelled for a timeout counts as failed, not cancelled.
    assert out.condition == (
        "False",
        "Failed",
        "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 0",
    )
    cleanup = out.children["slow-cleanup"]
    assert cleanup["spec"]["statusMessage"] == TIMED_OUT_MSG
    assert out.child_condition("slow-cleanup") == (
        "False",
        "TaskRunCancelled",
        f'TaskRun "ft-slow-cleanup" was cancelled. {TIMED_OUT_MSG}',
    )
    assert out.child_condition("fast-cleanup")[:2] == ("True", "Succeeded")
    assert out.child_condition("quick")[:2] == ("True", "Succeeded")


def test_pipeline_timeout_skips_finally(tmp_path: Path) -> None:
    spec = {
        "tasks": [task("slow", "sleep 30")],
        "finally": [task("cleanup", "echo never")],
    }
    run = pipelinerun("pt", spec, timeouts={"pipeline": "2s"})
    out = asyncio.run(run_one(tmp_path, run))
    assert out.condition == (
        "False",
        "PipelineRunTimeout",
        'PipelineRun "pt" failed to finish within "2s"',
    )
    # The pass that sees the timeout cancels the running task and ends the run at once:
    # finally never starts, and is not listed as skipped either (the DAG was not done).
    assert set(out.children) == {"slow"}
    assert out.children["slow"]["spec"]["statusMessage"] == TIMED_OUT_MSG
    assert "skippedTasks" not in out.run["status"]
    assert "finallyStartTime" not in out.run["status"]


def test_task_timeout(tmp_path: Path) -> None:
    spec = {"tasks": [task("slow", "sleep 30", timeout="1s")]}
    out = asyncio.run(run_one(tmp_path, pipelinerun("tto", spec)))
    assert out.condition == (
        "False",
        "Failed",
        "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0",
    )
    child = out.children["slow"]
    assert child["spec"]["timeout"] == "1s"
    assert "status" not in child["spec"]
    assert out.child_condition("slow") == (
        "False",
        "TaskRunTimeout",
        'TaskRun "tto-slow" failed to finish within "1s"',
    )


def test_cancelled_run_finally(tmp_path: Path) -> None:
    spec = {
        "tasks": [task("sleeps", "sleep 30"), task("later", "echo no", runAfter=["sleeps"])],
        "finally": [task("cleanup", "sleep 0.5; echo cleaning")],
    }
    interim: dict[str, str] = {}

    async def cancel(env: Embedded, created: dict[str, Any]) -> None:
        await when_running(env, "sleeps")
        await set_spec_status(env, "gc", "CancelledRunFinally")
        interim.update(await wait_reason(env, "gc", "CancelledRunningFinally"))

    out = asyncio.run(run_one(tmp_path, pipelinerun("gc", spec), cancel))
    assert interim["status"] == "Unknown"
    assert out.condition == ("False", "Cancelled", 'PipelineRun "gc" was cancelled')
    sleeps = out.children["sleeps"]
    assert sleeps["spec"]["statusMessage"] == CANCELLED_MSG
    assert out.child_condition("sleeps") == (
        "False",
        "TaskRunCancelled",
        f'TaskRun "gc-sleeps" was cancelled. {CANCELLED_MSG}',
    )
    # Finally ran; the task after the cancelled one never did. Once "sleeps" has
    # ended (failed), the run counts as stopping, which is the first skip reason.
    assert out.child_condition("cleanup")[:2] == ("True", "Succeeded")
    assert set(out.children) == {"sleeps", "cleanup"}
    assert [(s["name"], s["reason"]) for s in out.run["status"]["skippedTasks"]] == [
        ("later", "PipelineRun was stopping")
    ]


def test_stopped_run_finally(tmp_path: Path) -> None:
    spec = {
        "tasks": [task("sleeps", "sleep 1.5"), task("later", "echo no", runAfter=["sleeps"])],
        "finally": [task("cleanup", "echo cleaning")],
    }
    interim: dict[str, str] = {}

    async def stop(env: Embedded, created: dict[str, Any]) -> None:
        await when_running(env, "sleeps")
        await set_spec_status(env, "gs", "StoppedRunFinally")
        interim.update(await wait_reason(env, "gs", "StoppedRunningFinally"))

    out = asyncio.run(run_one(tmp_path, pipelinerun("gs", spec), stop))
    # The running task was left to finish; nothing new started but finally.
    assert interim["status"] == "Unknown"
    assert interim["message"] in (
        "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 1",
        "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 1",
    )
    assert out.condition == ("False", "Cancelled", 'PipelineRun "gs" was cancelled')
    assert "status" not in out.children["sleeps"]["spec"]
    assert out.child_condition("sleeps")[:2] == ("True", "Succeeded")
    assert out.child_condition("cleanup")[:2] == ("True", "Succeeded")
    assert [(s["name"], s["reason"]) for s in out.run["status"]["skippedTasks"]] == [
        ("later", "PipelineRun was gracefully stopped")
    ]


def test_stopped_run_finally_with_a_failure_fails(tmp_path: Path) -> None:
    spec = {
        "tasks": [task("fails", "sleep 0.5; exit 3"), task("other", "sleep 1.5")],
        "finally": [task("cleanup", "echo cleaning")],
    }

    async def stop(env: Embedded, created: dict[str, Any]) -> None:
        await when_running(env, "fails")
        await set_spec_status(env, "gsf", "StoppedRunFinally")

    out = asyncio.run(run_one(tmp_path, pipelinerun("gsf", spec), stop))
    # A failure wins over the graceful stop (Failed, not Cancelled); the running
    # "other" was not cancelled by the stop and ran to its end.
    assert out.condition == (
        "False",
        "Failed",
        "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 0",
    )
    assert out.child_condition("other")[:2] == ("True", "Succeeded")
    assert out.child_condition("fails")[:2] == ("False", "StepFailed")


async def run_with_definitions(
    root: Path, definitions: list[dict[str, Any]], run: dict[str, Any]
) -> Outcome:
    """Create the Tasks/Pipelines, then run ``run`` to its end (as :func:`run_one`)."""
    async with embedded(Config(), "host", root) as env:
        created = create_all(env.store, [*definitions, run], "default", notes=io.StringIO())
        pr = created[-1]
        name = pr["metadata"]["name"]
        assert await wait_done(env.store, [pr], asyncio.Event(), timeout=60)
        selector = f"tekton.dev/pipelineRun={name}"
        for _ in range(500):
            children = env.store.list("TaskRun", "default", label_selector=selector)
            if children and all(is_done(c) for c in children):
                break
            await asyncio.sleep(0.02)
        final = env.store.get("PipelineRun", "default", name)
        assert final is not None
        by_task = {c["metadata"]["labels"]["tekton.dev/pipelineTask"]: c for c in children}
        return Outcome(final, by_task)


def test_labels_of_the_run_and_its_task_runs(tmp_path: Path) -> None:
    greet = {
        "apiVersion": "tekton.dev/v1",
        "kind": "Task",
        "metadata": {
            "name": "greet",
            "labels": {"app": "greeter", "mine": "from-task"},
            "annotations": {"task-note": "t"},
        },
        "spec": {"steps": [step("echo hello")]},
    }
    pipeline = {
        "apiVersion": "tekton.dev/v1",
        "kind": "Pipeline",
        "metadata": {
            "name": "greetings",
            "labels": {"team": "a", "mine": "from-pipeline"},
            "annotations": {"pipeline-note": "p"},
        },
        "spec": {
            "tasks": [{"name": "hello", "taskRef": {"name": "greet"}}],
            "finally": [{"name": "bye", "taskRef": {"name": "greet"}}],
        },
    }
    run = {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": "lbl", "labels": {"mine": "x"}},
        "spec": {"pipelineRef": {"name": "greetings"}},
    }
    out = asyncio.run(run_with_definitions(tmp_path, [greet, pipeline], run))
    assert out.condition[:2] == ("True", "Succeeded")
    meta = out.run["metadata"]
    # propagatePipelineNameLabelToPipelineRun and storePipelineSpecAndMergeMeta, written
    # back by syncMetadata: the Pipeline's labels under the run's own.
    assert meta["labels"] == {"mine": "x", "team": "a", "tekton.dev/pipeline": "greetings"}
    assert meta["annotations"]["pipeline-note"] == "p"
    uid = meta["uid"]
    for pipeline_task, member_of in (("hello", "tasks"), ("bye", "finally")):
        child = out.children[pipeline_task]["metadata"]
        # createChildResourceLabels, then the TaskRun reconciler's
        # storeTaskSpecAndMergeMeta (the Task's labels under the run's, tekton.dev/task).
        assert child["labels"] == {
            "app": "greeter",
            "mine": "x",
            "team": "a",
            "tekton.dev/pipeline": "greetings",
            "tekton.dev/pipelineRun": "lbl",
            "tekton.dev/pipelineRunUID": uid,
            "tekton.dev/pipelineTask": pipeline_task,
            "tekton.dev/memberOf": member_of,
            "tekton.dev/task": "greet",
        }
        assert child["annotations"]["pipeline-note"] == "p"
        assert child["annotations"]["task-note"] == "t"


def test_pipeline_label_of_an_embedded_pipeline(tmp_path: Path) -> None:
    spec = {"tasks": [task("hello", "echo hi")]}
    named = pipelinerun("plain", spec)
    generated = pipelinerun("", spec)
    del generated["metadata"]["name"]
    generated["metadata"]["generateName"] = "nightly-"
    out = asyncio.run(run_with_definitions(tmp_path / "a", [], named))
    assert out.run["metadata"]["labels"]["tekton.dev/pipeline"] == "plain"
    assert out.children["hello"]["metadata"]["labels"]["tekton.dev/pipeline"] == "plain"
    # With generateName, one value for all runs: the generateName without its dash.
    out = asyncio.run(run_with_definitions(tmp_path / "b", [], generated))
    assert out.run["metadata"]["name"].startswith("nightly-")
    assert out.run["metadata"]["labels"]["tekton.dev/pipeline"] == "nightly"
    assert "tekton.dev/task" not in out.children["hello"]["metadata"]["labels"]


def test_pending_run_s_timeout_starts_when_it_starts(tmp_path: Path) -> None:
    spec = {"tasks": [task("hello", "echo hi")]}
    released: list[str] = []

    async def hold(env: Embedded, created: dict[str, Any]) -> None:
        pending = await wait_reason(env, "held", "PipelineRunPending")
        assert pending == {
            "type": "Succeeded",
            "status": "Unknown",
            "reason": "PipelineRunPending",
            "message": 'PipelineRun "held" is pending',
            "lastTransitionTime": pending["lastTransitionTime"],
        }
        # Longer than the pipeline timeout: counted from the creation, it would be over.
        await asyncio.sleep(2.5)
        current = env.store.get("PipelineRun", "default", "held")
        assert current is not None and "startTime" not in (current.get("status") or {})
        released.append(env.controller.pipelineruns.clock().strftime("%Y-%m-%dT%H:%M:%SZ"))
        await set_spec_status(env, "held", None)

    run = pipelinerun("held", spec, status="PipelineRunPending", timeouts={"pipeline": "2s"})
    out = asyncio.run(run_one(tmp_path, run, hold))
    assert out.condition == (
        "True",
        "Succeeded",
        "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0",
    )
    assert out.run["status"]["startTime"] >= released[0]


def test_cancelling_a_pending_run(tmp_path: Path) -> None:
    spec = {"tasks": [task("hello", "echo hi")]}

    async def cancel(env: Embedded, created: dict[str, Any]) -> None:
        await wait_reason(env, "never", "PipelineRunPending")
        await set_spec_status(env, "never", "Cancelled")

    run = pipelinerun("never", spec, status="PipelineRunPending")
    out = asyncio.run(run_one(tmp_path, run, cancel))
    # The cancel check comes before the pending one in ReconcileKind.
    assert out.condition == ("False", "Cancelled", 'PipelineRun "never" was cancelled')
    assert out.children == {}
    assert out.run["status"]["startTime"]


def test_a_child_the_store_refuses_fails_the_run_with_create_run_failed(tmp_path: Path) -> None:
    """Tekton's handleRunCreationError: an Invalid answer of the API server to a child's
    creation fails the run with ``CreateRunFailed`` and the API server's message; the
    tasks created before it run to their end. It used to fail every pass for ever
    (found by mutating the conformance examples: a taskSpec label not fit for a label)."""
    refused = task("refused", "true")
    refused["taskSpec"]["metadata"] = {"labels": {"app": "$(params.greeting)"}}
    obj = pipelinerun("lbl", {"tasks": [task("ok", "true"), refused]})
    outcome = asyncio.run(run_one(tmp_path, obj))
    assert outcome.condition == (
        "False",
        "CreateRunFailed",
        'TaskRun.tekton.dev "lbl-refused" is invalid: metadata.labels: Invalid value: '
        '"$(params.greeting)": a valid label must be an empty string or consist of '
        "alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
        "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    )
    assert outcome.child_condition("ok")[:2] == ("True", "Succeeded")
    assert "refused" not in outcome.children
    # Tekton returns from the pass before it sets childReferences, and a run that is
    # done is not reconciled again: the status names no child.
    assert "childReferences" not in outcome.run["status"]
