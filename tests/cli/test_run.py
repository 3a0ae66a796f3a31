"""``tektite run`` as a user runs it: a real process, real files, the host runtime."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

TEKTITE = [sys.executable, "-m", "tektite"]


OK_RUN = (
    "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: ok}\nspec:\n  taskSpec:\n"
    "    steps:\n    - {name: s, image: busybox, script: 'true'}\n"
)


def run(args: list[str], home: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TEKTITE_HOME": str(home)}
    return subprocess.run(
        [*TEKTITE, *args], env=env, capture_output=True, text=True, timeout=120, **kw
    )


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def test_bundled_example_runs_and_streams_logs(tmp_path: Path) -> None:
    result = run(["run", str(REPO / "examples/hello-taskrun.yaml")], tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "[hello-taskrun/read] hello, world\n" in result.stdout
    assert "TaskRun hello-taskrun succeeded: Succeeded: All Steps have completed executing" in (
        result.stdout
    )
    log = tmp_path / "home/logs/default/hello-taskrun-pod/step-read.log"
    assert log.read_text() == "hello, world"


def test_output_json_and_params(tmp_path: Path) -> None:
    result = run(
        ["run", str(REPO / "examples/hello-taskrun.yaml"), "-p", "who=tektite", "-o", "json"],
        tmp_path / "home",
    )
    assert result.returncode == 0, result.stderr
    obj = json.loads(result.stdout)
    assert obj["kind"] == "TaskRun"
    assert obj["status"]["results"] == [
        {"name": "message", "type": "string", "value": "hello, tektite"}
    ]
    assert "[hello-taskrun/read] hello, tektite" in result.stderr


def test_output_jsonpath(tmp_path: Path) -> None:
    """-o takes what the other commands' -o takes: a JSONPath template runs on the final
    run; a bad one is refused before anything runs."""
    example = str(REPO / "examples/hello-taskrun.yaml")
    template = "jsonpath={.status.results[0].value} {.status.conditions[0].reason}"
    result = run(["run", example, "-p", "who=tektite", "-o", template], tmp_path / "home")
    assert (result.returncode, result.stdout) == (0, "hello, tektite Succeeded")
    refused = run(["run", example, "-o", "jsonpath={.status["], tmp_path / "home")
    assert refused.returncode == 1
    assert refused.stderr == "Error: error parsing jsonpath {.status[, unterminated array\n"


def test_a_second_run_of_the_same_file_gets_a_new_name(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(["run", str(REPO / "examples/hello-taskrun.yaml")], home).returncode == 0
    again = run(["run", str(REPO / "examples/hello-taskrun.yaml")], home)
    assert again.returncode == 0
    assert "TaskRun hello-taskrun exists already; this run is hello-taskrun-" in again.stderr


def test_failing_run_exits_1(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "fail.yaml",
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: f}\nspec:\n  taskSpec:\n"
        "    steps:\n    - {name: s, image: busybox, script: 'exit 2'}\n",
    )
    result = run(["run", str(f)], tmp_path / "home")
    assert result.returncode == 1
    assert 'TaskRun f failed: StepFailed: "step-s" exited with code 2: Error' in result.stdout


def test_the_summary_shows_each_step_as_tkn_describe_does(tmp_path: Path) -> None:
    """A step that never started is shown with its waiting reason (tkn's
    ``stepReasonExists``), not as running: here one that needs a Secret that does not
    exist (the TaskRun fails with Tekton's config error)."""
    f = write(
        tmp_path,
        "secret.yaml",
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: s}\nspec:\n  taskSpec:\n"
        "    steps:\n    - name: s\n      image: busybox\n      script: 'true'\n"
        "      env:\n      - name: P\n"
        "        valueFrom: {secretKeyRef: {name: missing, key: k}}\n",
    )
    result = run(["run", str(f)], tmp_path / "home")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        "TaskRun s failed: CreateContainerConfigError: Failed to create pod due to config error"
        in lines
    )
    assert "  s                        CreateContainerConfigError exit -" in lines


def test_invalid_file_is_refused_before_anything_runs(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "bad.yaml",
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: b}\nspec:\n  taskSpec:\n"
        "    steps:\n    - {name: s, image: busybox, script: 'true', onError: sometimes}\n",
    )
    result = run(["run", str(f)], tmp_path / "home")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert 'TaskRun/b: invalid value: "sometimes": spec.taskSpec.steps[0].onError' in (
        result.stderr
    )
    assert not (tmp_path / "home" / "tektite.db").exists()


def test_a_store_that_is_not_a_database_is_named_and_left_alone(tmp_path: Path) -> None:
    """A damaged database file: one line naming it (it was an "internal error"), for
    ``run`` and for the commands that only read the store; the file is not touched."""
    home = tmp_path / "home"
    home.mkdir()
    damaged = home / "tektite.db"
    damaged.write_bytes(b"\x00not sqlite\xff" * 100)
    f = write(tmp_path, "ok.yaml", OK_RUN)
    for args in (["run", str(f)], ["taskrun", "list"], ["pipelinerun", "list"]):
        result = run(args, home)
        assert result.returncode == 1
        assert result.stderr == f"Error: cannot open the store {damaged}: file is not a database\n"
    assert damaged.read_bytes() == b"\x00not sqlite\xff" * 100


def test_a_data_directory_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("a file where the data directory should be")
    result = run(["run", str(write(tmp_path, "ok.yaml", OK_RUN))], home)
    assert result.returncode == 1
    assert result.stderr == f"Error: cannot use the data directory {home}: File exists\n"


def test_a_run_kind_of_another_group_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """A PipelineRun whose apiVersion is not Tekton's is not a PipelineRun: kubectl's
    refusal, where it used to be stored and then break every reconcile pass (and the
    run never ended). Found by mutating the conformance examples."""
    f = write(
        tmp_path,
        "group.yaml",
        "apiVersion: example.com/v1\nkind: PipelineRun\nmetadata: {name: g}\n"
        "spec:\n  pipelineSpec:\n    tasks: []\n",
    )
    result = run(["run", str(f)], tmp_path / "home")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        'PipelineRun/g: no matches for kind "PipelineRun" in version "example.com/v1": '
        f"apiVersion, kind\n  at {f} (document 0, line 1)\n"
    )
    assert not (tmp_path / "home" / "tektite.db").exists()


def test_a_label_the_store_would_refuse_stops_the_file_before_anything_is_stored(
    tmp_path: Path,
) -> None:
    """The Task comes first and is valid; the run's annotation is no annotation key.
    The store used to refuse the run after it had stored the Task."""
    f = write(
        tmp_path,
        "annotated.yaml",
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\n"
        "spec:\n  steps: [{name: s, image: busybox, script: 'true'}]\n---\n"
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: r, annotations: {'a b': x}}\n"
        "spec: {taskRef: {name: t}}\n",
    )
    result = run(["run", str(f)], tmp_path / "home")
    assert result.returncode == 1
    assert result.stderr.startswith(
        'TaskRun/r: Invalid value: "a b": name part must consist of alphanumeric characters'
    )
    assert result.stderr.endswith(f": metadata.annotations\n  at {f} (document 1, line 7)\n")
    assert not (tmp_path / "home" / "tektite.db").exists()


def test_a_label_the_store_refuses_is_a_warning_and_the_run_still_ends(tmp_path: Path) -> None:
    """Tekton labels a PipelineRun with the cluster resolver's ``name`` param before it
    resolves anything; a value that is no label value is refused by the API server, and
    Tekton's deferred syncMetadata logs a warning. The run's status is written
    regardless: it fails for its pipeline, with no traceback (there was one, and the
    pass was retried for ever). Found by mutating the conformance examples."""
    f = write(
        tmp_path,
        "label.yaml",
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\nspec:\n"
        "  pipelineRef:\n    resolver: cluster\n    params:\n"
        "    - {name: kind, value: pipeline}\n    - {name: name, value: 'not a label!'}\n",
    )
    result = run(["run", str(f)], tmp_path / "home")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "PipelineRun r failed: CouldntGetPipeline: " in result.stdout
    assert (
        'Failed to sync PipelineRun metadata: PipelineRun.tekton.dev "r" is invalid: '
        'metadata.labels: Invalid value: "not a label!": a valid label must be'
    ) in result.stderr


@pytest.mark.timeout(60)
def test_ctrl_c_cancels_and_leaves_nothing_running(tmp_path: Path) -> None:
    # A sleep with a duration no other process uses, so pgrep finds only this step.
    marker = f"sleep 300.{os.getpid()}"
    f = write(
        tmp_path,
        "slow.yaml",
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: slow}\nspec:\n  taskSpec:\n"
        f"    steps:\n    - {{name: s, image: busybox, script: '{marker}'}}\n",
    )
    env = {**os.environ, "TEKTITE_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [*TEKTITE, "run", str(f), "-o", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _running(marker):
        time.sleep(0.05)
    assert _running(marker), "the step never started"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    obj = json.loads(out)
    condition = obj["status"]["conditions"][0]
    assert (condition["status"], condition["reason"]) == ("False", "TaskRunCancelled")
    assert not _running(marker)


def _running(marker: str) -> bool:
    return subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0


def test_pipelinerun_streams_child_logs_and_prints_a_tree(tmp_path: Path) -> None:
    result = run(["run", str(REPO / "examples/hello-pipelinerun.yaml")], tmp_path / "home")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[greet-first/say] hello, world\n" in out
    assert "[greet-second/say] hello, tektite\n" in out
    assert "[join/join] hello, world / hello, tektite\n" in out
    assert "[report/report] pipeline tasks finished: Succeeded\n" in out
    assert (
        "PipelineRun hello-run succeeded: Succeeded: "
        "Tasks Completed: 4 (Failed: 0, Cancelled 0), Skipped: 0\n"
    ) in out
    tree = [line.split() for line in out.splitlines() if line.lstrip().startswith(("├", "└"))]
    assert [t[1:4] for t in tree] == [
        ["greet-first", "Succeeded", "Succeeded"],
        ["greet-second", "Succeeded", "Succeeded"],
        ["join", "Succeeded", "Succeeded"],
        ["report", "(finally)", "Succeeded"],
    ]


def test_pipelinerun_streams_the_logs_of_a_child_pipelineruns_tasks(tmp_path: Path) -> None:
    """Pipelines in pipelines (alpha): the child PipelineRun's TaskRuns are followed
    too, their lines prefixed with the child's pipeline task before their own."""
    spec = write(
        tmp_path,
        "nested.yaml",
        """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: outer}
spec:
  pipelineSpec:
    tasks:
      - name: inner
        pipelineSpec:
          tasks:
            - name: hello
              taskSpec:
                steps:
                  - {name: echo, image: busybox, script: 'echo "from the child"'}
      - name: after
        runAfter: [inner]
        taskSpec:
          steps:
            - {name: echo, image: busybox, script: 'echo "from the parent"'}
""",
    )
    result = run(["run", "--alpha", str(spec)], tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "[inner/hello/echo] from the child\n" in result.stdout
    assert "[after/echo] from the parent\n" in result.stdout


def test_pipelinerun_failure_tree_shows_skips_and_exits_1(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "p.yaml",
        """apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: p}
spec:
  pipelineSpec:
    tasks:
    - {name: bad, taskSpec: {steps: [{name: s, image: busybox, script: 'exit 4'}]}}
    - name: never
      when: [{input: a, operator: in, values: [b]}]
      taskSpec: {steps: [{name: s, image: busybox, script: 'true'}]}
""",
    )
    result = run(["run", str(f), "-o", "yaml"], tmp_path / "home")
    assert result.returncode == 1
    assert "reason: Failed" in result.stdout
    assert "[bad/s]" not in result.stdout  # logs go to stderr with -o
    lines = [line.split(None, 4) for line in result.stderr.splitlines() if "─ " in line]
    assert lines[0][1:4] == ["bad", "Failed", "StepFailed"]
    assert lines[1][1:3] == ["never", "Skipped"]
    # Tekton re-decides skips on every pass: once "bad" failed, stopping wins over when.
    assert " ".join(lines[1][3:]) == "PipelineRun was stopping"


def test_ctrl_c_cancels_a_pipelinerun_and_leaves_nothing_running(tmp_path: Path) -> None:
    marker = f"sleep 301.{os.getpid()}"
    f = write(
        tmp_path,
        "slowp.yaml",
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: slowp}\nspec:\n"
        "  pipelineSpec:\n    tasks:\n    - name: t\n      taskSpec:\n"
        f"        steps:\n        - {{name: s, image: busybox, script: '{marker}'}}\n",
    )
    env = {**os.environ, "TEKTITE_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [*TEKTITE, "run", str(f), "-o", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _running(marker):
        time.sleep(0.05)
    assert _running(marker), "the step never started"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    obj = json.loads(out)
    condition = obj["status"]["conditions"][0]
    assert (condition["status"], condition["reason"], condition["message"]) == (
        "False",
        "Cancelled",
        'PipelineRun "slowp" was cancelled',
    )
    assert "TaskRunCancelled" in err  # the child's line in the tree
    assert not _running(marker)
