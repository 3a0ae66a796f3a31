"""``tektite taskrun logs`` / ``tektite pipelinerun logs``: tkn's log lines, read from the
log files the runtime keeps, after the run ended and with no controller running."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runs_support import condition, get, seed, started_name, tektite


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One data directory with a succeeded and a failed TaskRun and PipelineRun, run by
    ``start`` (each ran the controller in its own process, now gone)."""
    home = tmp_path_factory.mktemp("logs") / "home"
    home.mkdir()
    seed(home)
    names = {}
    for key, args in {
        "greet": ["t", "start", "greet", "-p", "who=you"],
        "fail": ["t", "start", "fail"],
        "pipe": ["p", "start", "pipe"],
        "broken": ["p", "start", "broken"],
    }.items():
        result = tektite(args, home)
        assert result.returncode == 0, result.stderr
        kind = "TaskRun" if args[0] == "t" else "PipelineRun"
        names[key] = started_name(result.stdout, kind)
    return home, names


def test_taskrun_logs_after_the_run(runs: tuple[Path, dict[str, str]]) -> None:
    home, names = runs
    result = tektite(["taskrun", "logs", names["greet"]], home)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[say] hello, you\n[say] second line\n\n[done] done\n\n"
    assert result.stderr == ""
    # The Pod is long gone; the files stay.
    assert (home / "logs/default" / f"{names['greet']}-pod" / "step-say.log").is_file()


def test_all_shows_init_containers_first_and_step_filters(
    runs: tuple[Path, dict[str, str]],
) -> None:
    home, names = runs
    every = tektite(["tr", "logs", names["greet"], "-a"], home)
    assert every.returncode == 0, every.stderr
    blocks = every.stdout.split("\n\n")
    assert blocks[0].startswith("[prepare] ")
    assert blocks[1].startswith("[place-scripts] ")
    assert every.stdout.endswith("[say] hello, you\n[say] second line\n\n[done] done\n\n")
    one = tektite(["tr", "logs", names["greet"], "-s", "done"], home)
    assert one.stdout == "[done] done\n\n"
    both = tektite(["tr", "logs", names["greet"], "-a", "-s", "done"], home)
    assert both.returncode == 1
    assert both.stderr == "Error: option --all and option --step are not compatible\n"
    bare = tektite(["tr", "logs", names["greet"], "--no-prefix"], home)
    assert bare.stdout == "hello, you\nsecond line\n\ndone\n\n"


def test_failed_taskrun_says_so_like_tkn(runs: tuple[Path, dict[str, str]]) -> None:
    home, names = runs
    result = tektite(["tr", "logs", names["fail"]], home)
    assert result.returncode == 0
    # The second step never ran: tkn stops at the container that exited with 1.
    assert result.stdout == "[boom] about to fail\n\n"
    message = condition(get(home, "TaskRun", names["fail"]))["message"]
    assert result.stderr == (f"task fail has failed: {message}\ncontainer step-boom has failed \n")


def test_last_and_not_found(runs: tuple[Path, dict[str, str]]) -> None:
    home, _ = runs
    result = tektite(["tr", "logs", "nope"], home)
    assert result.returncode == 1
    assert result.stderr == 'Error: Unable to get TaskRun: taskruns.tekton.dev "nope" not found\n'
    pr = tektite(["pr", "logs", "nope"], home)
    assert pr.stderr == 'Error: pipelineruns.tekton.dev "nope" not found\n'
    ambiguous = tektite(["pr", "logs"], home)
    assert ambiguous.returncode == 1
    assert "give a name, or --last for the newest" in ambiguous.stderr
    empty = tektite(["pr", "logs", "-n", "elsewhere"], home)
    assert (empty.returncode, empty.stdout) == (0, "No PipelineRuns found")
    none = tektite(["tr", "logs", "-n", "elsewhere"], home)
    assert (none.returncode, none.stderr) == (1, "Error: No TaskRuns found\n")


def test_task_and_pipeline_logs_show_their_runs_like_tkn(
    runs: tuple[Path, dict[str, str]],
) -> None:
    """``tkn task logs`` / ``tkn pipeline logs``: the run named, else the Task's or
    Pipeline's run (the only one, or the newest with --last), as its own logs command
    prints it."""
    home, names = runs

    def shown(*args: str) -> tuple[int, str, str]:
        result = tektite(list(args), home)
        return result.returncode, result.stdout, result.stderr

    greet = shown("task", "logs", "greet", names["greet"])
    assert greet == shown("tr", "logs", names["greet"])
    assert greet[:2] == (0, "[say] hello, you\n[say] second line\n\n[done] done\n\n")
    # Task fail's newest run is the one the Pipeline broken made (tkn's LastRun).
    newest = f"{names['broken']}-bad"
    last = shown("task", "logs", "fail", "--last")
    assert last == shown("tr", "logs", newest)
    assert last[1] == "[boom] about to fail\n\n" and "task bad has failed" in last[2]
    # greet has run three times: with no terminal to choose at, say how to choose.
    several = shown("task", "logs", "greet")
    assert several[0] == 1 and "give a name, or --last for the newest" in several[2]
    pipe = tektite(["pipelinerun", "logs", names["pipe"]], home).stdout
    for args in (["pipe"], ["pipe", "-L"], ["pipe", names["pipe"]]):
        result = tektite(["pipeline", "logs", *args], home)
        assert (result.returncode, result.stdout, result.stderr) == (0, pipe, ""), args
    bare = tektite(["p", "logs", "pipe", "--no-prefix"], home)
    assert bare.stdout.startswith("hello, world\n")


def test_task_and_pipeline_logs_errors_like_tkn(runs: tuple[Path, dict[str, str]]) -> None:
    home, _ = runs

    def error(*args: str) -> tuple[int, str, str]:
        result = tektite(list(args), home)
        return result.returncode, result.stdout, result.stderr

    assert error("task", "logs", "nope") == (
        1,
        "",
        'Error: tasks.tekton.dev "nope" not found\n',
    )
    assert error("pipeline", "logs", "nope") == (
        1,
        "",
        'Error: pipelines.tekton.dev "nope" not found\n',
    )
    limit = "Error: limit was 0 but must be a positive number\n"
    assert error("task", "logs", "greet", "--limit", "0") == (1, "", limit)
    assert error("t", "logs", "a", "b", "c") == (1, "", "Error: too many arguments\n")
    # Never run: an error for a Task, a message (and exit 0) for a Pipeline.
    assert error("task", "logs", "sleepy") == (1, "", "Error: no TaskRuns found for Task sleepy\n")
    assert error("task", "logs", "sleepy", "--last") == (
        1,
        "",
        "Error: no TaskRuns related to Task sleepy found in namespace default\n",
    )
    # Several Tasks and no terminal to choose at: say how to choose.
    several = error("task", "logs")
    assert several[0] == 1 and "give a name" in several[2]
    assert error("task", "logs", "-n", "elsewhere") == (
        1,
        "",
        "Error: no Tasks found in namespace elsewhere\n",
    )
    assert error("pipeline", "logs", "-n", "elsewhere") == (
        0,
        "No Pipelines found in namespace elsewhere",
        "",
    )


def test_pipelinerun_logs_in_pipeline_order(runs: tuple[Path, dict[str, str]]) -> None:
    home, names = runs
    result = tektite(["pipelinerun", "logs", names["pipe"]], home)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
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
    only = tektite(["pr", "logs", names["pipe"], "-t", "second"], home)
    assert only.stdout.startswith("[second : say] hello, again\n")
    assert "[first" not in only.stdout
    missing = tektite(["pr", "logs", names["pipe"], "-t", "nope"], home)
    assert missing.returncode == 1
    assert missing.stderr == (
        "Error: passed filtered tasks: [nope] is not available, "
        "available tasks are: [first second]\n"
    )


def test_failed_pipelinerun_ends_with_its_message_and_exit_code(
    runs: tuple[Path, dict[str, str]],
) -> None:
    home, names = runs
    result = tektite(["pr", "logs", names["broken"], "-E"], home)
    assert result.returncode == 1
    assert result.stdout == (
        "[ok : say] hello, ok\n[ok : say] second line\n\n[ok : done] done\n\n"
        "[bad : boom] about to fail\n\n"
    )
    bad = get(home, "PipelineRun", names["broken"])
    child = next(
        c["name"] for c in bad["status"]["childReferences"] if c["pipelineTaskName"] == "bad"
    )  # type: ignore[index]
    child_message = condition(get(home, "TaskRun", child))["message"]
    assert result.stderr == (
        f"task bad has failed: {child_message}\n"
        "failed to get logs for task bad : container step-boom has failed \n"
        f"{condition(bad)['message']}\n"
    )
    ok = tektite(["pr", "logs", names["pipe"], "-E"], home)
    assert ok.returncode == 0
    only_failed = tektite(["pr", "logs", names["broken"], "--log-failed"], home)
    assert only_failed.stdout == "[bad : boom] about to fail\n\n"
    none_failed = tektite(["pr", "logs", names["pipe"], "--log-failed"], home)
    assert none_failed.returncode == 1
    assert none_failed.stderr == (
        f"Error: no failed TaskRuns found in PipelineRun {names['pipe']}\n"
    )


def test_follow_a_finished_run_prints_everything(runs: tuple[Path, dict[str, str]]) -> None:
    home, names = runs
    result = tektite(["pr", "logs", "-f", names["pipe"]], home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n\n") == 4


def test_following_a_run_nobody_runs_says_so(tmp_path: Path) -> None:
    """A TaskRun stored while no controller runs: ``-f`` warns, then gives up after
    tkn's 10 s of inactivity with tkn's error."""
    home = tmp_path / "home"
    home.mkdir()
    seed(home)
    seed(
        home,
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: waiting}\n"
        "spec:\n  taskRef: {name: greet}\n  params: [{name: who, value: x}]\n",
    )
    result = tektite(["tr", "logs", "-f", "waiting"], home)
    assert result.returncode == 1
    assert result.stderr == (
        f"tektite: no controller runs on {home}: TaskRun waiting will not progress until "
        "one does (tektite serve, or a tektite start --showlog)\n"
        "Error: task greet has not started yet or pod for task not yet available\n"
    )
    assert result.stdout == ""


def test_writer_colours_steps_like_tkns_rainbow() -> None:
    """On a terminal each step name keeps the colour it first got from tkn's palette
    (hi-green, hi-yellow, …); errors are hi-red on standard error."""
    import io

    from tektite.cli.logs import Writer

    out, err = io.StringIO(), io.StringIO()
    w = Writer(out, err, pipeline=True, color=True)
    w.line("build", "clone", "a")
    w.line("build", "compile", "b")
    w.line("test", "clone", "c")
    w.error("boom")
    assert out.getvalue() == (
        "\x1b[92m[build : clone] \x1b[0ma\n"
        "\x1b[93m[build : compile] \x1b[0mb\n"
        "\x1b[92m[test : clone] \x1b[0mc\n"
    )
    assert err.getvalue() == "\x1b[91mboom\x1b[0m\n"
