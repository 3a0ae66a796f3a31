"""``tektite task|taskrun|pipeline|pipelinerun delete`` against a real SqliteStore.

Scenarios and expected texts follow tkn's ``pkg/cmd/*/delete_test.go``: the y/n prompt,
``--all``, ``--keep``, ``--keep-since``, ``--ignore-running``, ``-p``/``-t`` and
``--trs``/``--prs``. Each test also checks what is left in the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.seed import Seed, at, cond, tektite, ts

NOW = at(hours=2)


@pytest.fixture
def seed(tmp_path: Path) -> Iterator[Seed]:
    """TestPipelineRunDelete's objects: three finished runs of ``pipeline``, one without
    a status, one pending, one running, one Unknown/Pending."""
    s = Seed(tmp_path / "home")
    s.add("Pipeline", "pipeline", created=at(minutes=-5))
    done = {
        "conditions": cond("True", "Succeeded"),
        "startTime": ts(at()),
        "completionTime": ts(at(minutes=10)),
    }
    label = {"tekton.dev/pipeline": "pipeline"}
    spec = {"pipelineRef": {"name": "pipeline"}}
    for name, status in [
        ("pipeline-run-1", done),
        ("pipeline-run-2", done),
        ("pipeline-run-3", done),
        ("pipeline-run-4", None),
        ("pipeline-run-5", {"conditions": cond("True", "Pending")}),
        ("pipeline-run-6", {"conditions": cond("True", "Running"), "startTime": ts(at())}),
        ("pipeline-run-7", {"conditions": cond("Unknown", "Pending"), "startTime": ts(at())}),
    ]:
        s.add("PipelineRun", name, labels=label, spec=spec, status=status)
    yield s
    s.close()


def left(seed: Seed, kind: str = "PipelineRun") -> list[str]:
    return sorted(o["metadata"]["name"] for o in seed.store.list(kind, "ns"))


ALL_RUNS = [f"pipeline-run-{i}" for i in range(1, 8)]


def test_force_and_prompt(seed: Seed) -> None:
    r = tektite(seed.home, NOW, "pr", "rm", "pipeline-run-1", "-n", "ns", "-f")
    assert (r.exit_code, r.stdout) == (0, 'PipelineRuns deleted: "pipeline-run-1"\n')
    r = tektite(seed.home, NOW, "pr", "delete", "pipeline-run-2", "-n", "ns", input="n\n")
    assert r.exit_code == 1
    assert r.stdout == 'Are you sure you want to delete PipelineRun(s) "pipeline-run-2" (y/n): '
    assert r.stderr == 'Error: canceled deleting PipelineRun(s) "pipeline-run-2"\n'
    r = tektite(seed.home, NOW, "pr", "rm", "pipeline-run-2", "-n", "ns", input="maybe\ny\n")
    assert r.exit_code == 0
    assert r.stdout == (
        'Are you sure you want to delete PipelineRun(s) "pipeline-run-2" (y/n): '
        'Please enter (y/n): PipelineRuns deleted: "pipeline-run-2"\n'
    )
    assert left(seed) == ALL_RUNS[2:]


def test_missing_names(seed: Seed) -> None:
    r = tektite(seed.home, NOW, "pr", "rm", "nonexistent", "nonexistent2", "-n", "ns")
    assert r.exit_code == 1
    assert r.stderr == (
        'Error: pipelineruns.tekton.dev "nonexistent" not found; '
        'pipelineruns.tekton.dev "nonexistent2" not found\n'
    )
    # One found, one not: the found one goes, then the error.
    r = tektite(seed.home, NOW, "pr", "rm", "nonexistent", "pipeline-run-1", "-n", "ns", "-f")
    assert r.exit_code == 1
    assert r.stdout == 'PipelineRuns deleted: "pipeline-run-1"\n'
    assert r.stderr == 'Error: pipelineruns.tekton.dev "nonexistent" not found\n'
    r = tektite(seed.home, NOW, "pr", "rm", "-n", "ns")
    assert r.stderr == (
        "Error: must provide PipelineRun name(s) or use --pipeline flag or --all flag to use "
        "delete\n"
    )
    r = tektite(seed.home, NOW, "tr", "rm", "-n", "ns")
    assert r.stderr == "Error: must provide TaskRun name(s) or use --all flag with delete\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all", "-f", "--keep", "-1"], "keep option should not be lower than 0"),
        (["-f", "--keep-since", "-1"], "keep-since option should not be lower than 0"),
        (
            ["-f", "--keep-since", "-1", "--keep", "-1"],
            "keep and keep-since option should not be lower than 0",
        ),
        (
            ["pipeline-run-1", "--all"],
            "--all flag should not have any arguments or flags specified with it",
        ),
        (
            ["pipeline-run-1", "--keep", "2"],
            "--keep flag should not have any arguments specified with it",
        ),
        (
            ["-f", "--keep-since", "1", "--all", "-p", "foobar"],
            "--keep or --keep-since, --all and --pipeline cannot be used together",
        ),
    ],
)
def test_flag_errors(seed: Seed, args: list[str], message: str) -> None:
    r = tektite(seed.home, NOW, "pr", "delete", "-n", "ns", *args)
    assert (r.exit_code, r.stderr) == (1, f"Error: {message}\n")
    assert left(seed) == ALL_RUNS


def test_runs_of_a_pipeline(seed: Seed) -> None:
    """Only finished runs go (--ignore-running defaults to true)."""
    r = tektite(seed.home, NOW, "pr", "rm", "--pipeline", "pipeline", "-n", "ns", input="y\n")
    assert r.stdout == (
        'Are you sure you want to delete all PipelineRuns related to Pipeline "pipeline" (y/n): '
        'All PipelineRuns(Completed) associated with Pipeline "pipeline" deleted in namespace '
        '"ns"\n'
    )
    assert left(seed) == ALL_RUNS[3:]
    assert left(seed, "Pipeline") == ["pipeline"]
    r = tektite(seed.home, NOW, "pr", "rm", "-p", "non-existing-pipeline", "-n", "ns", "-f")
    assert r.stderr == 'Error: no PipelineRuns associated with Pipeline "non-existing-pipeline"\n'


def test_runs_of_a_pipeline_keep(seed: Seed) -> None:
    r = tektite(
        seed.home, NOW, "pr", "rm", "--pipeline", "pipeline", "-n", "ns", "--keep", "2", input="y\n"
    )
    assert r.stdout == (
        'Are you sure you want to delete all PipelineRuns related to Pipeline "pipeline" keeping '
        "2 PipelineRuns (y/n): All but 2 PipelineRuns(Completed) associated with Pipeline "
        '"pipeline" deleted in namespace "ns"\n'
    )
    assert left(seed) == ["pipeline-run-1", "pipeline-run-2", *ALL_RUNS[3:]]
    r = tektite(seed.home, NOW, "pr", "rm", "-p", "pipeline", "-n", "ns", "--keep", "2", "-f")
    assert (
        r.stdout == "Associated PipelineRun (2) for Pipeline:pipeline is/are equal to keep (2) \n"
    )
    r = tektite(seed.home, NOW, "pr", "rm", "-p", "pipeline", "-n", "ns", "--keep", "5", "-f")
    assert r.stdout == "There is/are only 2 PipelineRun(s) associated for Pipeline: pipeline \n"


def test_all(seed: Seed) -> None:
    r = tektite(seed.home, NOW, "pr", "delete", "--all", "-n", "ns", input="y\n")
    assert r.stdout == (
        'Are you sure you want to delete all PipelineRuns in namespace "ns" (y/n): '
        'All PipelineRuns(Completed) deleted in namespace "ns"\n'
    )
    assert left(seed) == ALL_RUNS[3:]
    r = tektite(seed.home, NOW, "pr", "rm", "--all", "-n", "ns", "--ignore-running=false", "-f")
    assert r.stdout == 'All PipelineRuns deleted in namespace "ns"\n'
    assert left(seed) == []


def test_all_keep(seed: Seed) -> None:
    r = tektite(seed.home, NOW, "pr", "delete", "--all", "-f", "--keep", "2", "-n", "ns")
    assert r.stdout == 'All but 2 PipelineRuns(Completed) deleted in namespace "ns"\n'
    assert left(seed) == ["pipeline-run-1", "pipeline-run-2", *ALL_RUNS[3:]]


def test_keep_since(seed: Seed) -> None:
    """Runs completed more than N minutes before now go; --keep then keeps N newest."""
    r = tektite(seed.home, at(minutes=30), "pr", "delete", "-f", "--keep-since", "60", "-n", "ns")
    assert (
        r.stdout == '0 expired PipelineRuns(Completed) has been deleted in namespace "ns", kept 3\n'
    )
    assert left(seed) == ALL_RUNS
    r = tektite(
        seed.home, NOW, "pr", "delete", "-f", "--keep-since", "60", "--keep", "2", "-n", "ns"
    )
    assert r.stdout == '1 PipelineRuns(Completed) has been deleted in namespace "ns", kept 2\n'
    assert left(seed) == ["pipeline-run-1", "pipeline-run-2", *ALL_RUNS[3:]]
    r = tektite(
        seed.home, NOW, "pr", "delete", "-f", "-p", "pipeline", "--keep-since", "60", "-n", "ns"
    )
    assert r.stdout == (
        'All but 2 expired PipelineRuns(Completed) associated with Pipeline "pipeline" deleted '
        'in namespace "ns"\n'
    )
    assert left(seed) == ALL_RUNS[3:]


def test_keep_since_prompt_wording(seed: Seed) -> None:
    r = tektite(
        seed.home, NOW, "pr", "delete", "--keep-since", "5", "--keep", "1", "-n", "ns", input="n\n"
    )
    assert r.stdout == (
        'Are you sure you want to delete all PipelineRuns in namespace "ns" except for ones '
        "created in last 5 minutes and keeping 1 PipelineRuns (y/n): "
    )
    assert r.stderr == "Error: canceled deleting PipelineRun(s) \n"


def _task_and_runs(seed: Seed) -> tuple[dict[str, object], dict[str, object]]:
    seed.add("Task", "task-1")
    seed.add("Task", "task-2")
    label = {"tekton.dev/task": "task-1"}
    spec = {"taskRef": {"name": "task-1", "kind": "Task"}}
    done = {
        "conditions": cond("True", "Succeeded"),
        "startTime": ts(at()),
        "completionTime": ts(at(minutes=1)),
    }
    running_pr = seed.add(
        "PipelineRun",
        "running-pr",
        status={"conditions": cond("Unknown", "Running"), "startTime": ts(at())},
    )
    a = seed.add("TaskRun", "tr-1", labels=label, spec=spec, status=done)
    b = seed.add("TaskRun", "tr-2", labels=label, spec=spec, status=done, owner=running_pr)
    return a, b


def test_taskruns_of_a_running_pipelinerun(seed: Seed) -> None:
    """--ignore-running-pipelinerun keeps them out of --all; by name they need a y."""
    _task_and_runs(seed)
    r = tektite(seed.home, NOW, "tr", "rm", "--all", "-f", "-n", "ns")
    assert r.stdout == 'All 1 TaskRuns(Completed) deleted in namespace "ns"\n'
    assert left(seed, "TaskRun") == ["tr-2"]
    r = tektite(seed.home, NOW, "tr", "rm", "tr-2", "-n", "ns", input="y\nn\n")
    assert r.stdout == (
        'Are you sure you want to delete TaskRun(s) "tr-2" (y/n): TaskRun(s): tr-2 attached to '
        "PipelineRun is still running deleting will restart the completed taskrun. Proceed (y/n): "
    )
    assert left(seed, "TaskRun") == ["tr-2"]
    r = tektite(seed.home, NOW, "tr", "rm", "tr-2", "-n", "ns", "-f")
    assert r.stdout == (
        'warning: Taskrun tr-2 related pipelinerun still running.\nTaskRuns deleted: "tr-2"\n'
    )
    assert left(seed, "TaskRun") == []


def test_taskruns_keep(seed: Seed) -> None:
    """--keep implies --all; the newest finished TaskRuns stay."""
    _task_and_runs(seed)
    r = tektite(seed.home, NOW, "tr", "rm", "--keep", "1", "-n", "ns", input="y\n")
    assert r.stdout == (
        'Are you sure you want to delete all TaskRuns in namespace "ns" keeping 1 TaskRuns '
        '(y/n): All but 1 TaskRuns(Completed) deleted in namespace "ns"\n'
    )
    # tr-2 belongs to a running PipelineRun, so only tr-1 was a candidate, and kept.
    assert left(seed, "TaskRun") == ["tr-1", "tr-2"]


def test_taskruns_of_a_task(seed: Seed) -> None:
    _task_and_runs(seed)
    r = tektite(
        seed.home,
        NOW,
        "tr",
        "rm",
        "-t",
        "task-1",
        "-f",
        "-n",
        "ns",
        "--ignore-running-pipelinerun=false",
    )
    assert r.stdout == (
        'All 2 TaskRuns(Completed) associated with Task "task-1" deleted in namespace "ns"\n'
    )
    assert left(seed, "TaskRun") == []


def test_task_with_trs(seed: Seed) -> None:
    _task_and_runs(seed)
    r = tektite(seed.home, NOW, "t", "rm", "task-1", "--trs", "-n", "ns", input="y\n")
    assert r.stdout == (
        'Are you sure you want to delete Task(s) "task-1" and related resources (y/n): '
        'TaskRuns deleted: "tr-1", "tr-2"\nTasks deleted: "task-1"\n'
    )
    assert left(seed, "Task") == ["task-2"]
    assert left(seed, "TaskRun") == []
    r = tektite(seed.home, NOW, "task", "delete", "task-2", "--trs", "-f", "-n", "ns")
    assert r.stdout == 'Tasks deleted: "task-2"\n'
    assert r.stderr == 'Error: no TaskRuns associated with Task "task-2"\n'
    r = tektite(seed.home, NOW, "t", "rm", "--all", "--trs", "-n", "ns")
    assert r.stderr == (
        "Error: --all flag should not have any arguments or flags specified with it\n"
    )


def test_task_all_and_prompt(seed: Seed) -> None:
    _task_and_runs(seed)
    r = tektite(seed.home, NOW, "t", "rm", "task-1", "-n", "ns", input="y\n")
    assert r.stdout == (
        'Are you sure you want to delete Task(s) "task-1" (y/n): Tasks deleted: "task-1"\n'
    )
    r = tektite(seed.home, NOW, "t", "rm", "--all", "-n", "ns", input="y\n")
    assert r.stdout == (
        'Are you sure you want to delete all Tasks in namespace "ns" (y/n): '
        'All Tasks deleted in namespace "ns"\n'
    )
    assert left(seed, "Task") == []
    assert left(seed, "TaskRun") == ["tr-1", "tr-2"]  # without --trs the runs stay
    r = tektite(seed.home, NOW, "t", "rm", "nope", "-n", "ns")
    assert r.stderr == 'Error: tasks.tekton.dev "nope" not found\n'


def test_pipeline_with_prs_cascades_to_taskruns(seed: Seed) -> None:
    """--prs deletes the runs; the store's owner references take their TaskRuns too."""
    run = seed.store.get("PipelineRun", "ns", "pipeline-run-1")
    assert run is not None
    seed.add(
        "TaskRun",
        "pipeline-run-1-build",
        labels={"tekton.dev/pipelineRun": "pipeline-run-1"},
        owner=run,
    )
    r = tektite(seed.home, NOW, "p", "rm", "pipeline", "--prs", "-f", "-n", "ns")
    assert r.exit_code == 0, r.output
    assert r.stdout == (
        "PipelineRuns deleted: "
        + ", ".join(f'"{n}"' for n in ALL_RUNS)
        + '\nPipelines deleted: "pipeline"\n'
    )
    assert left(seed) == []
    assert left(seed, "TaskRun") == []
    assert left(seed, "Pipeline") == []
