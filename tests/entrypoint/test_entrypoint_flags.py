"""Go ``flag`` compatible parsing, Go durations, and choosing the command."""

from __future__ import annotations

import json

import pytest
from entrypoint_pod import Pod

from tektite.entrypoint.errors import FatalError
from tektite.entrypoint.flags import (
    FlagError,
    HelpRequested,
    parse_flags,
    parse_go_duration,
    split_command_args,
)
from tektite.entrypoint.main import current_platform, select_command_for_platform

SECOND = 1_000_000_000


@pytest.mark.parametrize(
    ("text", "nanoseconds"),
    [
        ("0", 0),
        ("-0", 0),
        ("90s", 90 * SECOND),
        ("1h30m", 5400 * SECOND),
        ("1.5h", 5400 * SECOND),
        ("500ms", SECOND // 2),
        (".5s", SECOND // 2),
        ("1.s", SECOND),
        ("-1s", -SECOND),
        ("+2m", 120 * SECOND),
        ("1µs", 1000),
        ("1μs", 1000),
        ("3us", 3000),
        ("7ns", 7),
        ("1h2m3s4ms5us6ns", 3723004005006),
        ("9223372036854775807ns", (1 << 63) - 1),
        ("-9223372036854775808ns", -(1 << 63)),
        ("1.0000000000000000000001s", SECOND),
    ],
)
def test_go_durations(text: str, nanoseconds: int) -> None:
    assert parse_go_duration(text) == nanoseconds


@pytest.mark.parametrize(
    "text", ["", "1", "1d", "s", ".s", "1..5s", "-", "9223372036854775808ns", "1h-2m", " 1s"]
)
def test_bad_go_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_go_duration(text)


def test_split_at_first_double_dash() -> None:
    assert split_command_args(["-post_file", "x", "--", "a", "--", "b"]) == (
        ["-post_file", "x"],
        ["a", "--", "b"],
    )
    assert split_command_args(["-post_file", "x"]) == (["-post_file", "x"], [])
    # A leading "--" is not a split point in Tekton: the flag parser eats it.
    assert split_command_args(["--", "init", "a", "b"]) == (["--", "init", "a", "b"], [])


def test_flag_forms() -> None:
    options, rest = parse_flags(
        [
            "-post_file",
            "p",
            "--termination_path=t",
            "-timeout=1m",
            "--wait_file_content",
            "-breakpoint_on_failure=false",
            "-debug_before_step=T",
            "-results",
            "a,b",
            "-basic-git=s=https://x",
            "-basic-git",
            "s2=https://y",
            "positional",
            "-on_error",
            "continue",
        ],
        "/tekton/termination",
    )
    assert options.post_file == "p"
    assert options.termination_path == "t"
    assert options.timeout == 60 * SECOND
    assert options.wait_file_content is True
    assert options.breakpoint_on_failure is False
    assert options.debug_before_step is True
    assert options.results == "a,b"
    assert options.credentials == {"basic-git": ["s=https://x", "s2=https://y"]}
    assert options.on_error == ""  # parsing stopped at the first positional argument
    assert rest == ["positional", "-on_error", "continue"]


def test_defaults() -> None:
    options, rest = parse_flags([], "/root/termination")
    assert options.termination_path == "/root/termination"
    assert options.result_from == "termination-message"
    assert options.timeout == 0
    assert rest == []


def test_a_bool_flag_does_not_take_the_next_argument() -> None:
    options, rest = parse_flags(["-wait_file_content", "false"], "t")
    assert options.wait_file_content is True
    assert rest == ["false"]


def test_single_dash_is_positional_and_double_dash_ends_flags() -> None:
    assert parse_flags(["-", "-post_file", "x"], "t")[1] == ["-", "-post_file", "x"]
    options, rest = parse_flags(["-post_file", "x", "--", "-results", "r"], "t")
    assert (options.post_file, rest) == ("x", ["-results", "r"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-bogus"], "flag provided but not defined: -bogus"),
        (["--bogus=1"], "flag provided but not defined: -bogus"),
        (["-post_file"], "flag needs an argument: -post_file"),
        (
            ["-wait_file_content=maybe"],
            'invalid boolean value "maybe" for -wait_file_content: parse error',
        ),
        (["-timeout", "5x"], 'invalid value "5x" for flag -timeout: parse error'),
        (["---post_file=x"], "bad flag syntax: ---post_file=x"),
        (["-=x"], "bad flag syntax: -=x"),
    ],
)
def test_flag_errors(args: list[str], message: str) -> None:
    with pytest.raises(FlagError) as caught:
        parse_flags(args, "t")
    assert str(caught.value) == message


def test_help_flag() -> None:
    with pytest.raises(HelpRequested):
        parse_flags(["-help"], "t")


def test_unknown_flag_is_one_line_and_exit_1(pod: Pod) -> None:
    result = pod.run(["-post_file", "x", "-nope", "--", "true"])
    assert result.returncode == 1
    assert result.stderr == "flag provided but not defined: -nope\n"
    assert result.stdout == ""


def test_help_exits_zero(pod: Pod) -> None:
    result = pod.run(["-h"])
    assert result.returncode == 0
    assert result.stderr.startswith("Usage: entrypoint [flags] -- <command> [args...]\n")


def test_entrypoint_flag_with_args(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0, "-entrypoint", "echo", "--", "a", "b"))
    assert (result.returncode, result.stdout) == (0, "a b\n")


def test_without_entrypoint_the_first_arg_is_the_command(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0, "--", "echo", "x"))
    assert (result.returncode, result.stdout) == (0, "x\n")


def test_positional_args_before_double_dash_are_ignored_like_go(pod: Pod) -> None:
    result = pod.run([*pod.step_flags(0, "-entrypoint", "echo"), "dropped", "--", "kept"])
    assert (result.returncode, result.stdout) == (0, "kept\n")


def test_step_args_starting_with_init_are_not_a_subcommand(pod: Pod) -> None:
    # examples/v1/taskruns/5080-entrypoint-init-regression.yaml
    result = pod.run(pod.step_flags(0, "-entrypoint", "echo", "--", "init", "foo", "bar"))

    assert result.returncode == 0
    assert result.stdout == "init foo bar\n"
    assert "Entrypoint initialization" not in result.stderr
    assert pod.post_file(0).exists()
    assert not (pod.base / "bar").exists()


def test_platform_commands_env_gives_the_command(pod: Pod) -> None:
    commands = {current_platform(): ["echo", "from-image"]}
    result = pod.run(
        pod.step_flags(0, "--", "arg"), env={"TEKTON_PLATFORM_COMMANDS": json.dumps(commands)}
    )
    assert (result.returncode, result.stdout) == (0, "from-image arg\n")


def test_platform_commands_without_this_platform_is_fatal(pod: Pod) -> None:
    result = pod.run(
        pod.step_flags(0, "--", "arg"),
        env={"TEKTON_PLATFORM_COMMANDS": '{"plan9/mips": ["echo"]}'},
    )
    assert result.returncode == 1
    assert result.stderr.endswith(f' could not find command for platform "{current_platform()}"\n')
    assert not pod.post_file(0).exists()


def test_platform_selection_drops_the_last_component() -> None:
    commands = {"linux/arm64": ["a"], "linux": ["b"]}
    assert select_command_for_platform(commands, "linux/arm64/v8") == ["a"]
    assert select_command_for_platform(commands, "linux/amd64") == ["b"]
    with pytest.raises(FatalError):
        select_command_for_platform(commands, "windows/amd64")


def test_enable_spire_is_refused(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0, "-enable_spire", "-entrypoint", "true"))
    assert result.returncode == 1
    assert result.stderr.endswith(
        " Error: SPIRE is disabled in this build, but enableSpire was set to true. "
        "Please recompile with SPIRE support.\n"
    )


def test_credential_flag_without_its_secret_is_a_flag_error(pod: Pod) -> None:
    # Go's flag.Value.Set reads the Secret while parsing: a missing one fails the step.
    result = pod.run(pod.step_flags(0, "-ssh-git=secret=github.com", "-entrypoint", "true"))
    assert result.returncode == 1
    key = pod.root / "creds-secrets" / "secret" / "ssh-privatekey"
    assert result.stderr == (
        f'invalid value "secret=github.com" for flag -ssh-git: open {key}: '
        "no such file or directory\n"
    )
