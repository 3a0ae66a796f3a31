"""``tektite task|taskrun|pipeline|pipelinerun describe`` against a real SqliteStore.

Each scenario rebuilds one of tkn's describe tests (``pkg/cmd/*/describe*_test.go``)
and expects the text of its ``testdata/*.golden`` file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tektite.cli import formatting as fmt
from tektite.cli.describe import render_pipelinerun
from tests.cli.seed import Seed, at, cond, tektite, ts


@pytest.fixture
def seed(tmp_path: Path) -> Iterator[Seed]:
    s = Seed(tmp_path / "home")
    yield s
    s.close()


def _children(*names: tuple[str, str]) -> list[dict[str, str]]:
    return [
        {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": n, "pipelineTaskName": t}
        for n, t in names
    ]


def test_pipelinerun_with_timeouts_and_skipped_tasks(seed: Seed) -> None:
    """TestPipelineRunDescribeWithTimeouts.golden: no clock advance, so a TaskRun that
    starts in ten minutes is ``-10 minutes ago``, as durafmt prints it."""
    seed.add(
        "TaskRun",
        "tr-1",
        status={
            "conditions": cond("False", "Failed"),
            "startTime": ts(at()),
            "completionTime": ts(at(minutes=5)),
        },
    )
    seed.add(
        "TaskRun",
        "tr-2",
        status={
            "conditions": cond("True", "Succeeded"),
            "startTime": ts(at(minutes=10)),
            "completionTime": ts(at(minutes=17)),
        },
    )
    seed.add(
        "PipelineRun",
        "pipeline-run",
        spec={
            "pipelineRef": {"name": "pipeline"},
            "timeouts": {"pipeline": "1h", "tasks": "50m"},
            "params": [
                {"name": "p-1", "value": "somethingdifferent"},
                {"name": "p-2", "value": ["booms", "booms", "booms"]},
            ],
        },
        status={
            "conditions": cond("True", "Succeeded"),
            "startTime": ts(at()),
            "completionTime": ts(at(minutes=20)),
            "childReferences": _children(("tr-1", "t-1"), ("tr-2", "t-2")),
            "skippedTasks": [
                {
                    "name": f"task-should-be-skipped-{i}",
                    "reason": "When Expressions evaluated to false",
                }
                for i in (1, 2, 3)
            ],
        },
    )
    result = tektite(seed.home, at(), "pr", "describe", "pipeline-run", "-n", "ns")
    assert result.exit_code == 0, result.output
    assert (
        result.stdout
        == """\
Name:           pipeline-run
Namespace:      ns
Pipeline Ref:   pipeline

Status

STARTED         DURATION   STATUS
0 seconds ago   20m0s      Succeeded

Timeouts
 Pipeline:   1h0m0s
 Tasks:      50m0s

Params

 NAME   VALUE
 p-1    somethingdifferent
 p-2    [booms booms booms]

Taskruns

 NAME   TASK NAME   STARTED           DURATION   STATUS
 tr-2   t-2         -10 minutes ago   7m0s       Succeeded
 tr-1   t-1         0 seconds ago     5m0s       Failed

Skipped Tasks

 NAME
 task-should-be-skipped-1
 task-should-be-skipped-2
 task-should-be-skipped-3
"""
    )


def test_pipelinerun_cancelled_with_message(seed: Seed) -> None:
    """TestPipelineRunDescribe_cancelled_pipelinerun_multiple_taskrun.golden."""
    for name, start in (("tr-1", 1), ("tr-2", 2)):
        seed.add(
            "TaskRun",
            name,
            status={
                "conditions": cond("False", "TaskRunCancelled", f'TaskRun "{name}" was cancelled'),
                "startTime": ts(at(minutes=start)),
                "completionTime": ts(at(minutes=start + 2)),
            },
        )
    seed.add(
        "PipelineRun",
        "pipeline-run",
        labels={"tekton.dev/pipeline": "pipeline"},
        spec={"pipelineRef": {"name": "pipeline"}, "timeouts": {"pipeline": "1h0m0s"}},
        status={
            "conditions": cond(
                "False", "PipelineRunCancelled", 'PipelineRun "pipeline-run" was cancelled'
            ),
            "startTime": ts(at()),
            "completionTime": ts(at(minutes=5)),
            "childReferences": _children(("tr-1", "t-1"), ("tr-2", "t-2")),
        },
    )
    result = tektite(seed.home, at(minutes=10), "pr", "desc", "pipeline-run", "-n", "ns")
    assert (
        result.stdout
        == """\
Name:           pipeline-run
Namespace:      ns
Pipeline Ref:   pipeline
Labels:
 tekton.dev/pipeline=pipeline

Status

STARTED          DURATION   STATUS
10 minutes ago   5m0s       Cancelled(PipelineRunCancelled)

Message

PipelineRun "pipeline-run" was cancelled
TaskRun(s) cancelled: tr-1, tr-2

Timeouts
 Pipeline:   1h0m0s

Taskruns

 NAME   TASK NAME   STARTED         DURATION   STATUS
 tr-2   t-2         8 minutes ago   2m0s       Cancelled(TaskRunCancelled)
 tr-1   t-1         9 minutes ago   2m0s       Cancelled(TaskRunCancelled)
"""
    )


def test_pipelinerun_workspaces_results_annotations(seed: Seed) -> None:
    """TestPipelineRunDescribe_with_workspaces.golden, plus annotations (the kubectl
    last-applied one hidden) and a service account."""
    seed.add(
        "TaskRun",
        "tr-1",
        status={
            "conditions": cond("False", "Failed"),
            "startTime": ts(at(minutes=10)),
            "completionTime": ts(at(minutes=15)),
        },
    )
    seed.add(
        "PipelineRun",
        "pipeline-run",
        annotations={
            "tekton.dev/tags": "testing",
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
        },
        spec={
            "pipelineRef": {"name": "pipeline"},
            "taskRunTemplate": {"serviceAccountName": "builder"},
            "params": [{"name": "p-1", "value": "somethingdifferent"}],
            "workspaces": [
                {"name": "test", "subPath": "test", "emptyDir": {}},
                {"name": "configmap", "configMap": {"name": "bar"}},
                {"name": "secret", "secret": {"secretName": "foobar"}},
            ],
        },
        status={
            "conditions": cond("True", "Succeeded"),
            "startTime": ts(at()),
            "completionTime": ts(at(minutes=20)),
            "childReferences": _children(("tr-1", "t-1")),
            "results": [
                {"name": "result-1", "value": "value-1"},
                {"name": "result-2", "value": "value-2"},
            ],
        },
    )
    result = tektite(
        seed.home, at(minutes=10), "pipelinerun", "describe", "pipeline-run", "-n", "ns"
    )
    assert (
        result.stdout
        == """\
Name:              pipeline-run
Namespace:         ns
Pipeline Ref:      pipeline
Service Account:   builder
Annotations:
 tekton.dev/tags=testing

Status

STARTED          DURATION   STATUS
10 minutes ago   20m0s      Succeeded

Params

 NAME   VALUE
 p-1    somethingdifferent

Results

 NAME       VALUE
 result-1   value-1
 result-2   value-2

Workspaces

 NAME        SUB PATH   WORKSPACE BINDING
 test        test       EmptyDir (emptyDir=)
 configmap   ---        ConfigMap (config=bar)
 secret      ---        Secret (secret=foobar)

Taskruns

 NAME   TASK NAME   STARTED         DURATION   STATUS
 tr-1   t-1         0 seconds ago   5m0s       Failed
"""
    )


def test_pipelinerun_zero_timeout(seed: Seed) -> None:
    """TestPipelineRunDescribe_zero_timeout.golden."""
    seed.add(
        "PipelineRun",
        "pipeline-run-zero-timeout",
        spec={"pipelineRef": {"name": "pipeline-zero-timeout"}, "timeouts": {"pipeline": "0s"}},
    )
    r = tektite(seed.home, at(), "pr", "desc", "pipeline-run-zero-timeout", "-n", "ns")
    assert (
        r.stdout
        == """\
Name:           pipeline-run-zero-timeout
Namespace:      ns
Pipeline Ref:   pipeline-zero-timeout

Status

STARTED   DURATION   STATUS
---       ---        ---

Timeouts
 Pipeline:   0s
"""
    )


def test_pipelinerun_last_output_and_errors(seed: Seed) -> None:
    """--last picks tkn's newest (a run not started yet first); -o yaml|json prints
    the object; a missing one is tkn's error line."""
    r = tektite(seed.home, at(), "pr", "describe", "--last", "-n", "ns")
    assert r.stdout == "No PipelineRuns present in namespace ns\n"
    seed.add("PipelineRun", "old", status={"conditions": cond("True"), "startTime": ts(at())})
    seed.add(
        "PipelineRun", "new", status={"conditions": cond("True"), "startTime": ts(at(minutes=1))}
    )
    r = tektite(seed.home, at(minutes=5), "pr", "describe", "--last", "-n", "ns")
    assert r.stdout.startswith("Name:        new\n")
    assert "4 minutes ago" in r.stdout
    doc = json.loads(tektite(seed.home, at(), "pr", "desc", "old", "-n", "ns", "-o", "json").stdout)
    assert (doc["kind"], doc["metadata"]["name"]) == ("PipelineRun", "old")
    y = tektite(seed.home, at(), "pr", "desc", "old", "-n", "ns", "-o", "yaml").stdout
    assert y.startswith("apiVersion: tekton.dev/v1\nkind: PipelineRun\n")
    status = "jsonpath={.metadata.name}: {.status.conditions[0].status}"
    r = tektite(seed.home, at(), "pr", "desc", "--last", "-n", "ns", "-o", status)
    assert (r.exit_code, r.stdout) == (0, "new: True")
    r = tektite(seed.home, at(), "pr", "desc", "bar", "-n", "ns")
    assert (r.exit_code, r.stderr) == (1, 'Error: failed to find pipelinerun "bar"\n')
    r = tektite(seed.home, at(), "pr", "desc", "-n", "ns")
    assert r.exit_code == 1
    assert r.stderr == (
        "Error: 2 PipelineRuns in namespace ns: give the name of one (or --last for the newest "
        "run)\n"
    )


def test_taskrun_failed(seed: Seed) -> None:
    """TestTaskRunDescribe_failed.golden (note tkn's ``STARTED `` header cells)."""
    seed.add(
        "TaskRun",
        "tr-1",
        spec={"taskRef": {"name": "t1"}, "timeout": "1h"},
        status={
            "conditions": cond("False", "Failed", "Testing tr failed"),
            "startTime": ts(at(minutes=2)),
            "completionTime": ts(at(minutes=5)),
        },
    )
    r = tektite(seed.home, at(minutes=10), "tr", "desc", "tr-1", "-n", "ns")
    assert (
        r.stdout
        == """\
Name:        tr-1
Namespace:   ns
Task Ref:    t1
Timeout:     1h0m0s

Status

STARTED         DURATION    STATUS
8 minutes ago   3m0s        Failed

Message

Testing tr failed
"""
    )


def test_taskrun_steps_and_sidecars(seed: Seed) -> None:
    """TestTaskRunDescribe_step_sidecar_status_defaults_and_failures.golden, and a
    waiting step sorted after started ones."""
    seed.add(
        "TaskRun",
        "tr-1",
        spec={
            "taskRef": {"name": "t1"},
            "timeout": "1h0m0s",
            "params": [{"name": "input", "value": "param"}, {"name": "input2", "value": "param2"}],
        },
        status={
            "conditions": cond("False", "Failed"),
            "startTime": ts(at(seconds=20)),
            "steps": [
                {"name": "step1", "terminated": {"reason": "Error", "exitCode": 1}},
                {"name": "step2"},
            ],
            "sidecars": [
                {"name": "sidecar1", "terminated": {"reason": "Error", "exitCode": 1}},
                {"name": "sidecar2"},
            ],
        },
    )
    seed.add(
        "TaskRun",
        "tr-2",
        status={
            "steps": [
                {"name": "wait", "waiting": {"reason": "PodInitializing"}},
                {"name": "run", "running": {"startedAt": ts(at())}},
            ]
        },
    )
    r = tektite(seed.home, at(minutes=10), "taskrun", "describe", "tr-1", "-n", "ns")
    assert (
        r.stdout
        == """\
Name:        tr-1
Namespace:   ns
Task Ref:    t1
Timeout:     1h0m0s

Status

STARTED         DURATION    STATUS
9 minutes ago   ---         Failed

Params

 NAME     VALUE
 input    param
 input2   param2

Steps

 NAME    STATUS
 step1   Error
 step2   ---

Sidecars

 NAME       STATUS
 sidecar1   Error
 sidecar2   ---
"""
    )
    r = tektite(seed.home, at(minutes=10), "tr", "desc", "tr-2", "-n", "ns")
    assert r.stdout.endswith(" NAME   STATUS\n run    Running\n wait   PodInitializing\n")


def test_taskrun_results_workspaces_and_not_found(seed: Seed) -> None:
    """TestTaskRunDescribe_With_Workspaces.golden; results trimmed as tkn trims them."""
    seed.add(
        "TaskRun",
        "tr-1",
        labels={"tekton.dev/task": "task-1"},
        spec={
            "taskRef": {"name": "task-1"},
            "workspaces": [
                {"name": "test", "subPath": "test", "emptyDir": {}},
                {"name": "configmap", "configMap": {"name": "bar"}},
                {"name": "secret", "secret": {"secretName": "foobar"}},
            ],
        },
        status={
            "conditions": cond("False", "Failed"),
            "startTime": ts(at()),
            "completionTime": ts(at(minutes=5)),
            "results": [
                {"name": "result-1", "type": "string", "value": "value-1\n"},
                {"name": "result-2", "type": "string", "value": "value-2"},
            ],
        },
    )
    r = tektite(seed.home, at(minutes=10), "tr", "desc", "tr-1", "-n", "ns")
    assert (
        r.stdout
        == """\
Name:        tr-1
Namespace:   ns
Task Ref:    task-1
Labels:
 tekton.dev/task=task-1

Status

STARTED          DURATION    STATUS
10 minutes ago   5m0s        Failed

Results

 NAME       VALUE
 result-1   value-1
 result-2   value-2

Workspaces

 NAME        SUB PATH   WORKSPACE BINDING
 test        test       EmptyDir (emptyDir=)
 configmap   ---        ConfigMap (config=bar)
 secret      ---        Secret (secret=foobar)
"""
    )
    r = tektite(seed.home, at(), "tr", "desc", "--last", "-n", "elsewhere")
    assert r.stdout == "No TaskRuns present in namespace elsewhere\n"
    for kind in ("tr", "pr"):
        r = tektite(seed.home, at(), kind, "desc", "--limit", "0", "-n", "ns")
        assert (r.exit_code, r.stderr) == (1, "Error: limit was 0 but must be a positive number\n")
    r = tektite(seed.home, at(), "tr", "desc", "nope", "-n", "ns")
    assert r.stderr == 'Error: failed to get TaskRun nope: taskruns.tekton.dev "nope" not found\n'
    # The only TaskRun of a namespace needs no name.
    only = tektite(seed.home, at(minutes=10), "tr", "desc", "-n", "ns")
    assert only.stdout.startswith("Name:        tr-1\n")


def test_task_full(seed: Seed) -> None:
    """TestTaskDescribe_Full.golden: params with and without defaults, steps (an
    unnamed one too), the Task's runs newest first, and the trailing blank line."""
    seed.add(
        "Task",
        "task-1",
        labels={"app.kubernetes.io/version": "0.1"},
        spec={
            "description": "a test description",
            "params": [
                {"name": "myarg", "type": "string"},
                {"name": "myarray", "type": "array"},
                {"name": "print", "type": "string", "default": "somethingdifferent"},
                {"name": "output", "type": "array", "default": ["booms", "booms", "booms"]},
            ],
            "steps": [{"name": "hello", "image": "busybox"}, {"name": "exit", "image": "busybox"}],
        },
    )
    label = {"tekton.dev/task": "task-1"}
    spec = {"taskRef": {"name": "task-1", "kind": "Task"}}
    seed.add(
        "TaskRun",
        "tr-1",
        labels=label,
        spec=spec,
        status={
            "conditions": cond("False", "Failed"),
            "startTime": ts(at(minutes=-20)),
            "completionTime": ts(at(minutes=-15)),
        },
    )
    seed.add(
        "TaskRun",
        "tr-2",
        labels=label,
        spec=spec,
        status={
            "conditions": cond("True", "Succeeded"),
            "startTime": ts(at(minutes=-10)),
            "completionTime": ts(at(minutes=-3)),
        },
    )
    r = tektite(seed.home, at(), "t", "desc", "task-1", "-n", "ns")
    assert (
        r.stdout
        == """\
Name:          task-1
Namespace:     ns
Description:   a test description
Version:       0.1

Params

 NAME      TYPE     DESCRIPTION   DEFAULT VALUE
 myarg     string                 ---
 myarray   array                  ---
 print     string                 somethingdifferent
 output    array                  [booms booms booms]

Steps

 hello
 exit

Taskruns

NAME   STARTED          DURATION   STATUS
tr-2   10 minutes ago   7m0s       Succeeded
tr-1   20 minutes ago   5m0s       Failed

"""
    )
    # The only Task of a namespace needs no name; a missing one is tkn's error.
    assert tektite(seed.home, at(), "task", "describe", "-n", "ns").stdout == r.stdout
    r = tektite(seed.home, at(), "t", "desc", "nope", "-n", "ns")
    assert r.stderr == 'Error: failed to get Task nope: tasks.tekton.dev "nope" not found\n'


def test_pipeline_with_runs(seed: Seed) -> None:
    """TestPipelineDescribe_with_spec_multiple_param_run.golden."""
    seed.add(
        "Pipeline",
        "pipeline",
        spec={
            "params": [
                {"name": "pipeline-param", "type": "string", "default": "somethingdifferent"},
                {"name": "rev-param", "type": "array", "default": ["booms", "booms", "booms"]},
                {"name": "pipeline-param", "type": "string"},
                {"name": "rev-param2", "type": "array"},
            ],
            "tasks": [
                {
                    "name": "task",
                    "taskRef": {"name": "taskref"},
                    "runAfter": ["one", "two"],
                    "timeout": "5m",
                    "params": [{"name": "param", "value": "value"}],
                }
            ],
        },
    )
    seed.add(
        "PipelineRun",
        "pipeline-run-1",
        labels={"tekton.dev/pipeline": "pipeline"},
        status={
            "conditions": cond("True", "Succeeded"),
            "startTime": ts(at(minutes=-15)),
            "completionTime": ts(at(minutes=-10)),
        },
    )
    r = tektite(seed.home, at(), "p", "desc", "pipeline", "-n", "ns")
    assert (
        r.stdout
        == """\
Name:        pipeline
Namespace:   ns

Params

 NAME             TYPE     DESCRIPTION   DEFAULT VALUE
 pipeline-param   string                 somethingdifferent
 rev-param        array                  [booms booms booms]
 pipeline-param   string                 ---
 rev-param2       array                  ---

Tasks

 NAME   TASKREF   RUNAFTER   TIMEOUT     PARAMS
 task   taskref   one, two   5 minutes   param: value

PipelineRuns

 NAME             STARTED          DURATION   STATUS
 pipeline-run-1   15 minutes ago   5m0s       Succeeded
"""
    )
    r = tektite(seed.home, at(), "p", "desc", "nope", "-n", "ns")
    assert r.stderr == 'Error: pipelines.tekton.dev "nope" not found\n'


def test_colour_adds_emoji_and_bullets() -> None:
    """With colour on (a terminal), headings get tkn's emoji and rows its bullet."""
    pr = {
        "metadata": {"name": "pr", "namespace": "ns"},
        "spec": {"params": [{"name": "p", "value": "v"}]},
        "status": {"conditions": cond("True", "Succeeded")},
    }
    text = render_pipelinerun(pr, [], at(), fmt.Style(True))
    assert "🌡️  \x1b[4;1mStatus\n\x1b[0m" in text
    assert "⚓ \x1b[4;1mParams\n\x1b[0m" in text
    assert " ∙ p" in text
    assert "\x1b[92mSucceeded\x1b[0m" in text
