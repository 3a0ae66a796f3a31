"""``tektite task start`` / ``tektite pipeline start``: tkn's flags, run objects and
lines, on a real SqliteStore with the host runtime (no daemon: the command runs the
controller itself)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.cli.runs_support import condition, get, seed, started_name, tektite


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    seed(h)
    return h


def test_dry_run_yaml_is_tkns_taskrun(home: Path, tmp_path: Path) -> None:
    template = tmp_path / "pod.yaml"
    template.write_text("securityContext:\n  runAsUser: 1000\n")
    result = tektite(
        [
            "task", "start", "greet", "--dry-run",
            "-p", "who=you", "-p", "names=x,y", "-p", "point=x:1, z: 2",
            "-s", "builder", "--timeout", "90s", "-l", "team=a",
            "-w", "name=scratch,emptyDir=", "--prefix-name", "mine",
            "--pod-template", str(template),
        ],
        home,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "apiVersion: tekton.dev/v1\n"
        "kind: TaskRun\n"
        "metadata:\n"
        "  generateName: mine-\n"
        "  labels:\n"
        "    team: a\n"
        "  namespace: default\n"
        "spec:\n"
        "  params:\n"
        "  - name: names\n"
        "    value:\n"
        "    - x\n"
        '    - "y"\n'
        "  - name: point\n"
        "    value:\n"
        '      x: "1"\n'
        '      z: "2"\n'
        "  - name: who\n"
        "    value: you\n"
        "  podTemplate:\n"
        "    securityContext:\n"
        "      runAsUser: 1000\n"
        "  serviceAccountName: builder\n"
        "  taskRef:\n"
        "    name: greet\n"
        "  timeout: 1m30s\n"
        "  workspaces:\n"
        "  - emptyDir: {}\n"
        "    name: scratch\n"
        "status:\n"
        '  podName: ""\n'
    )
    # Nothing was created.
    assert get(home, "TaskRun", "mine-") is None


def test_dry_run_json_is_go_ordered_with_tabs(home: Path) -> None:
    result = tektite(
        [
            "p", "start", "pipe", "--dry-run", "-o", "json", "-p", "who=x", "-s", "sa1",
            "--pipeline-timeout", "1h", "--tasks-timeout", "30m",
        ],
        home,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "{\n"
        '\t"kind": "PipelineRun",\n'
        '\t"apiVersion": "tekton.dev/v1",\n'
        '\t"metadata": {\n'
        '\t\t"generateName": "pipe-run-",\n'
        '\t\t"namespace": "default"\n'
        "\t},\n"
        '\t"spec": {\n'
        '\t\t"pipelineRef": {\n'
        '\t\t\t"name": "pipe"\n'
        "\t\t},\n"
        '\t\t"params": [\n'
        "\t\t\t{\n"
        '\t\t\t\t"name": "who",\n'
        '\t\t\t\t"value": "x"\n'
        "\t\t\t}\n"
        "\t\t],\n"
        '\t\t"timeouts": {\n'
        '\t\t\t"pipeline": "1h0m0s",\n'
        '\t\t\t"tasks": "30m0s"\n'
        "\t\t},\n"
        '\t\t"taskRunTemplate": {\n'
        '\t\t\t"serviceAccountName": "sa1"\n'
        "\t\t}\n"
        "\t},\n"
        '\t"status": {}\n'
        "}\n"
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["t", "start", "nope"], "Task name nope does not exist in namespace default"),
        (["p", "start", "nope", "-n", "ci"], "Pipeline name nope does not exist in namespace ci"),
        (["t", "start"], "either a Task name or a --filename argument must be supplied"),
        (["p", "start"], "missing Pipeline name"),
        (
            ["t", "start", "-f", "task.json"],
            "invalid file format for task.json: .yaml or .yml file extension and format required",
        ),
        (
            ["p", "start", "-f", "p.yaml", "--last"],
            "cannot use --last option with --filename option",
        ),
        (
            ["t", "start", "greet"],
            "param 'who' of Task greet has no value and no default: pass it with -p who=VALUE",
        ),
        (
            ["t", "start", "greet", "-p", "who=a", "-p", "nope=1"],
            "param 'nope' not present in spec",
        ),
        (["t", "start", "greet", "-p", "who"], "invalid input format for param parameter: who"),
        (
            ["t", "start", "greet", "-p", "who=a", "-p", "point=x"],
            "invalid input format for param parameter: point=x",
        ),
        (
            ["t", "start", "needs-ws"],
            "workspace 'src' of Task needs-ws is not bound: pass it with "
            "-w name=src,emptyDir= (or claimName=, config=, secret=)",
        ),
        (
            ["t", "start", "greet", "-p", "who=a", "--timeout", "soon"],
            'time: invalid duration "soon"',
        ),
        (
            ["t", "start", "greet", "-o", "json", "--showlog"],
            "cannot use --output option with --showlog option",
        ),
        (
            ["t", "start", "greet", "-o", "toml"],
            "output format specified is toml but must be yaml or json",
        ),
        (
            ["t", "start", "greet", "--last", "--use-taskrun", "x"],
            "using --last and --use-taskrun are not compatible",
        ),
        (
            ["p", "start", "pipe", "--last", "--use-pipelinerun", "x"],
            "option --last and option --use-pipelinerun can't be specify together",
        ),
        (
            ["t", "start", "greet", "--last", "--use-param-defaults"],
            "cannot use --last or --use-taskrun options with --use-param-defaults option",
        ),
        (
            ["t", "start", "greet", "--last"],
            "no TaskRuns related to Task greet found in namespace default",
        ),
        (
            ["p", "start", "pipe", "--last"],
            "no pipelineruns related to pipeline pipe found in namespace default",
        ),
        (["t", "start", "greet", "--use-taskrun", "gone"], 'taskruns.tekton.dev "gone" not found'),
    ],
)
def test_errors_are_tkns_one_line(home: Path, args: list[str], error: str) -> None:
    result = tektite(args, home)
    assert result.returncode == 1
    assert result.stderr == f"Error: {error}\n"
    assert result.stdout == ""


def test_start_without_daemon_runs_in_process_and_prints_tkns_lines(home: Path) -> None:
    result = tektite(["task", "start", "greet", "-p", "who=you"], home)
    assert result.returncode == 0, result.stderr
    name = started_name(result.stdout, "TaskRun")
    assert re.fullmatch(r"greet-run-[a-z0-9]{5}", name)
    assert result.stdout == (
        f"TaskRun started: {name}\n"
        "\n"
        "In order to track the TaskRun progress run:\n"
        f"tektite taskrun logs {name} -f -n default\n"
    )
    assert result.stderr == (
        f"tektite: no tektite serve is running: running TaskRun {name} in this process "
        "until it ends (Ctrl-C cancels it)\n"
        f"tektite: TaskRun {name} succeeded: Succeeded: All Steps have completed executing\n"
    )
    run = get(home, "TaskRun", name)
    assert run is not None
    assert run["metadata"]["generateName"] == "greet-run-"
    assert run["spec"]["params"] == [{"name": "who", "value": "you"}]
    assert condition(run)["reason"] == "Succeeded"
    # The controller went away with the command: the lock is free again.
    from tektite.controller_lock import holder

    assert holder(home) is None


def test_showlog_follows_the_steps(home: Path) -> None:
    result = tektite(["t", "start", "greet", "-p", "who=me", "--showlog"], home)
    assert result.returncode == 0, result.stderr
    name = started_name(result.stdout, "TaskRun")
    assert result.stdout == (
        f"TaskRun started: {name}\n"
        "Waiting for logs to be available...\n"
        "[say] hello, me\n"
        "[say] second line\n"
        "\n"
        "[done] done\n"
        "\n"
    )


def test_pipeline_showlog_prefixes_task_and_step_and_exit_code(home: Path) -> None:
    result = tektite(["pipeline", "start", "pipe", "--showlog", "-E"], home)
    assert result.returncode == 0, result.stderr
    name = started_name(result.stdout, "PipelineRun")
    assert result.stdout == (
        f"PipelineRun started: {name}\n"
        "Waiting for logs to be available...\n"
        "[first : say] hello, world\n"
        "[first : say] second line\n"
        "\n"
        "[first : done] done\n"
        "\n"
        "[second : say] hello, again\n"
        "[second : say] second line\n"
        "\n"
        "[second : done] done\n"
        "\n"
    )
    failed = tektite(["p", "start", "broken", "--showlog", "-E"], home)
    assert failed.returncode == 1  # tkn's -E: 1 when the PipelineRun failed
    assert "[bad : boom] about to fail\n" in failed.stdout
    assert "failed to get logs for task bad : container step-boom has failed \n" in failed.stderr
    pr = get(home, "PipelineRun", started_name(failed.stdout, "PipelineRun"))
    assert failed.stderr.endswith(condition(pr)["message"] + "\n")


def test_last_and_use_taskrun_reuse_the_spec(home: Path) -> None:
    first = tektite(["t", "start", "greet", "-p", "who=first", "-p", "greeting=hi"], home)
    assert first.returncode == 0, first.stderr
    name = started_name(first.stdout, "TaskRun")
    for args in (["--last"], ["--use-taskrun", name]):
        again = tektite(["t", "start", "greet", *args, "--dry-run", "-s", "other"], home)
        assert again.returncode == 0, again.stderr
        assert "  generateName: greet-run-\n" in again.stdout
        assert "  - name: greeting\n    value: hi\n  - name: who\n    value: first\n" in (
            again.stdout
        )
        assert "  serviceAccountName: other\n" in again.stdout


def test_output_name_of_a_created_pipelinerun(home: Path) -> None:
    result = tektite(["p", "start", "pipe", "-o", "name"], home)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"pipe-run-[a-z0-9]{5}\n", result.stdout)
    assert condition(get(home, "PipelineRun", result.stdout.strip()))["status"] == "True"


def test_prompts_on_a_terminal(home: Path) -> None:
    """Standard input is a pseudo-terminal, as a user's would be."""
    master, slave = os.openpty()
    try:
        # who, then greeting/names/point keep their defaults (Enter), optional workspace: N
        os.write(master, b"you\n\n\n\nN\n")
        result = tektite(["t", "start", "greet", "--dry-run"], home, stdin=slave)
    finally:
        os.close(slave)
        os.close(master)
    assert result.returncode == 0, result.stderr
    assert "Value for param `who` of type `string`?" in result.stderr
    assert "Value for param `greeting` of type `string`? (Default is `hello`)" in result.stderr
    assert "Value for param `names` of type `array`? (Default is `a`)" in result.stderr
    assert "Value for param `point` of type `object`? (Default is `map[x:0 z:0]`)" in (
        result.stderr
    )
    assert "optional workspace `scratch`" in result.stderr
    assert (
        "  - name: greeting\n    value: hello\n"
        "  - name: names\n    value:\n    - a\n"
        '  - name: point\n    value:\n      x: "0"\n      z: "0"\n'
        "  - name: who\n    value: you\n"
    ) in result.stdout


def test_ctrl_c_cancels_the_in_process_run(home: Path) -> None:
    import signal
    import sys
    import time

    env = {**os.environ, "TEKTITE_HOME": str(home), "TEKTITE_RUNTIME": "host"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tektite", "t", "start", "sleepy", "--showlog"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "going to sleep" in line:
            break
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    name = started_name("".join(lines), "TaskRun")
    assert f"tektite: interrupted: cancelling TaskRun {name}\n" in err
    assert condition(get(home, "TaskRun", name))["reason"] == "TaskRunCancelled"


def test_filename_runs_an_inline_spec(home: Path, tmp_path: Path) -> None:
    task = tmp_path / "local.yaml"
    task.write_text(
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: local}\nspec:\n"
        "  params: [{name: word, default: hi}]\n"
        "  steps:\n  - {name: echo, image: busybox, script: 'echo $(params.word) from file'}\n"
    )
    dry = tektite(["t", "start", "-f", str(task), "--dry-run"], home)
    assert dry.returncode == 0, dry.stderr
    assert "  generateName: local-run-\n" in dry.stdout
    assert "  taskSpec:\n" in dry.stdout and "taskRef" not in dry.stdout
    result = tektite(["t", "start", "-f", str(task), "-p", "word=hello", "--showlog"], home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("Waiting for logs to be available...\n[echo] hello from file\n\n")
