"""Builders for the pipeline state tests, after the helpers of Tekton's
``pipelinerunresolution_test.go`` (``makeSucceeded``, ``makeFailed``, ``withCancelled``...).

A TaskRun's ``Succeeded`` condition is built as Tekton's tests build it: ``newTaskRun``
gives a condition of type ``Succeeded`` whose status is empty, which Knative counts as
done but neither successful nor failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from tektite.api.models import PipelineRun, PipelineTask, TaskRun
from tektite.engine.pipeline_facts import (
    TASKRUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG,
    PipelineRunFacts,
    PipelineRunTimeouts,
)

NOW = datetime(2022, 1, 1, 0, 0, 0, tzinfo=UTC)
"""The fixed "current time" of every test."""


@dataclass
class Task:
    """The smallest :class:`PipelineTaskState`: a PipelineTask and its TaskRuns."""

    pipeline_task: PipelineTask
    task_runs: list[TaskRun] = field(default_factory=list)
    child_pipeline_runs: list[PipelineRun] = field(default_factory=list)


def pt(name: str, **fields: Any) -> PipelineTask:
    """A PipelineTask from Tekton's JSON field names; ``taskRef`` defaults to ``task``."""
    body: dict[str, Any] = {"name": name, "taskRef": {"name": "task"}, **fields}
    return msgspec.convert(body, PipelineTask)


def when(input_: str, operator: str, *values: str) -> dict[str, Any]:
    """A when expression in JSON form."""
    return {"input": input_, "operator": operator, "values": list(values)}


def taskrun(
    name: str,
    status: str | None = "",
    reason: str = "",
    *,
    results: Mapping[str, Any] | None = None,
    spec_status: str = "",
    status_message: str = "",
    params: Mapping[str, Any] | None = None,
    retried: bool = False,
    created: str | None = None,
    message: str = "",
) -> TaskRun:
    """A TaskRun whose ``Succeeded`` condition has ``status`` (``None``: no condition)."""
    status_body: dict[str, Any] = {}
    if status is not None:
        condition: dict[str, Any] = {"type": "Succeeded", "status": status}
        if reason:
            condition["reason"] = reason
        if message:
            condition["message"] = message
        status_body["conditions"] = [condition]
    if results is not None:
        status_body["results"] = [{"name": k, "value": v} for k, v in results.items()]
    if retried:
        status_body["retriesStatus"] = [{"conditions": [{"type": "Succeeded", "status": "False"}]}]
    spec: dict[str, Any] = {}
    if spec_status:
        spec["status"] = spec_status
    if status_message:
        spec["statusMessage"] = status_message
    if params is not None:
        spec["params"] = [{"name": k, "value": v} for k, v in params.items()]
    metadata: dict[str, Any] = {"name": name, "namespace": "namespace"}
    if created is not None:
        metadata["creationTimestamp"] = created
    return msgspec.convert({"metadata": metadata, "spec": spec, "status": status_body}, TaskRun)


def new_taskrun(name: str, **kw: Any) -> TaskRun:
    """Tekton's ``newTaskRun``: a ``Succeeded`` condition with an empty status."""
    return taskrun(name, "", **kw)


def scheduled(name: str, **kw: Any) -> TaskRun:
    """Tekton's ``makeScheduled``: no condition yet."""
    return taskrun(name, None, **kw)


def started(name: str, **kw: Any) -> TaskRun:
    """Tekton's ``makeStarted``: ``Succeeded=Unknown``."""
    return taskrun(name, "Unknown", **kw)


def succeeded(name: str, **kw: Any) -> TaskRun:
    """Tekton's ``makeSucceeded``: ``Succeeded=True``, reason ``Succeeded``."""
    return taskrun(name, "True", "Succeeded", **kw)


def failed(name: str, reason: str = "Failed", **kw: Any) -> TaskRun:
    """Tekton's ``makeFailed``: ``Succeeded=False``, reason ``Failed``."""
    return taskrun(name, "False", reason, **kw)


def to_be_retried(name: str, **kw: Any) -> TaskRun:
    """Tekton's ``makeToBeRetried``: ``Succeeded=Unknown``, reason ``ToBeRetried``."""
    return taskrun(name, "Unknown", "ToBeRetried", **kw)


def cancelled(name: str, status: str = "False", **kw: Any) -> TaskRun:
    """Tekton's ``withCancelled(makeFailed(...))``: reason ``TaskRunCancelled``."""
    return taskrun(name, status, "TaskRunCancelled", **kw)


def cancelled_for_timeout(name: str, status: str = "False", **kw: Any) -> TaskRun:
    """Tekton's ``withCancelledForTimeout``: cancelled by the PipelineRun's timeout."""
    return taskrun(
        name,
        status,
        "TaskRunCancelled",
        status_message=TASKRUN_CANCELLED_BY_PIPELINE_TIMEOUT_MSG,
        **kw,
    )


def task(pipeline_task: PipelineTask, *runs: TaskRun) -> Task:
    """A task of the state."""
    return Task(pipeline_task, list(runs))


def facts(
    state: Sequence[Task],
    *,
    dag: Iterable[Task] | None = None,
    finally_: Iterable[Task] = (),
    spec_status: str = "",
    start_time: datetime | None = None,
    finally_start_time: datetime | None = None,
    pipeline_timeout: timedelta | None = None,
    tasks_timeout: timedelta | None = None,
    finally_timeout: timedelta | None = None,
) -> PipelineRunFacts:
    """Facts over ``state``; the DAG holds ``dag`` (default: every task not in ``finally_``),
    as Tekton's ``dagFromState`` does."""
    finals = [t.pipeline_task for t in finally_]
    final_names = {p.name for p in finals}
    dag_tasks = (
        [t.pipeline_task for t in dag]
        if dag is not None
        else [t.pipeline_task for t in state if t.pipeline_task.name not in final_names]
    )
    return PipelineRunFacts.build(
        state,
        dag_tasks,
        finals,
        spec_status=spec_status,
        timeouts=PipelineRunTimeouts(
            start_time=start_time,
            finally_start_time=finally_start_time,
            pipeline=pipeline_timeout,
            tasks=tasks_timeout,
            finally_=finally_timeout,
        ),
    )


# Tekton's ``pts`` (pipelinerunresolution_test.go), the entries these tests use.
MYTASK1 = pt("mytask1")
MYTASK2 = pt("mytask2")
MYTASK4 = pt("mytask4", retries=1)
MYTASK5 = pt("mytask5", taskRef={"name": "cancelledTask"}, retries=2)
MYTASK6 = pt("mytask6")
MYTASK7 = pt("mytask7", taskRef={"name": "taskWithOneParent"}, runAfter=["mytask6"])
MYTASK8 = pt("mytask8", taskRef={"name": "taskWithTwoParents"}, runAfter=["mytask1", "mytask6"])
MYTASK10 = pt("mytask10", when=[when("foo", "in", "foo", "bar")])
MYTASK11 = pt("mytask11", when=[when("foo", "notin", "foo", "bar")])
MYTASK12 = pt("mytask12", when=[when("foo", "in", "foo", "bar")], runAfter=["mytask1"])
MYTASK15 = pt(
    "mytask15",
    taskRef={"name": "taskWithReferenceToTaskResult"},
    params=[{"name": "param1", "value": "$(tasks.mytask1.results.result1)"}],
)
MYTASK16 = pt("mytask16", matrix={"params": [{"name": "browser", "value": ["safari", "chrome"]}]})
MYTASK17 = pt("mytask17", matrix={"params": [{"name": "browser", "value": ["safari", "chrome"]}]})

MATRIXED = pt(
    "task",
    matrix={"params": [{"name": "browser", "value": ["safari", "chrome"]}]},
)
