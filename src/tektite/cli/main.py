"""The ``tektite`` command: a group whose subcommands are imported only when used.

``tektite --help`` must answer in well under 0.2 s, so this module imports nothing but
click (and ``process_end``, which imports nothing); each subcommand lives in its own
module, loaded on demand.
"""

from __future__ import annotations

import gc
import os
import sys
from importlib import import_module

import click

from tektite import process_end

# name → (module, attribute, one-line help shown by `tektite --help`)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": (
        "tektite.cli.run",
        "run",
        "Create the objects of a file and run its TaskRuns and PipelineRuns.",
    ),
    "validate": (
        "tektite.cli.validate",
        "validate",
        "Check Tekton YAML as Tekton's admission webhook would.",
    ),
    "task": ("tektite.cli.tree", "task", "Manage Tasks (t)."),
    "taskrun": ("tektite.cli.tree", "taskrun", "Manage TaskRuns (tr)."),
    "pipeline": ("tektite.cli.tree", "pipeline", "Manage pipelines (p)."),
    "pipelinerun": ("tektite.cli.tree", "pipelinerun", "Manage PipelineRuns (pr)."),
    "apply": ("tektite.cli.kubectl", "apply", "Create or update the objects of a file."),
    "create": ("tektite.cli.kubectl", "create", "Create the objects of a file."),
    "get": ("tektite.cli.kubectl", "get", "Print objects of a kind, as kubectl get."),
    "delete": ("tektite.cli.kubectl", "delete", "Delete the objects of a file, or by kind/name."),
    "serve": ("tektite.cli.serve", "serve", "Run the controller as a local daemon."),
}

# alias → command name (tkn's group aliases)
_ALIASES: dict[str, str] = {
    "t": "task",
    "tasks": "task",
    "tr": "taskrun",
    "taskruns": "taskrun",
    "p": "pipeline",
    "pipelines": "pipeline",
    "pr": "pipelinerun",
    "pipelineruns": "pipelinerun",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _COMMANDS.get(_ALIASES.get(cmd_name, cmd_name))
        if entry is None:
            return None
        module, attr, _ = entry
        command = getattr(import_module(module), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Use the static help text so that listing commands imports none of them.
        rows = [(name, help_) for name, (_, _, help_) in sorted(_COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tektite", prog_name="tektite")
def cli() -> None:
    """Tektite: run Tekton Pipelines (Task, TaskRun, Pipeline, PipelineRun, StepAction)
    on one machine or a Kubernetes cluster."""


def main() -> None:
    """Console entry point: no Python traceback reaches the user unless asked for."""
    # The youngest generation collected every 100,000 allocations instead of 700: a
    # run's many short-lived objects are freed by reference counting, so a collection
    # only finds live ones (each costs ~1 ms per 10,000 of them). In a 100-task
    # `tektite run`, collecting cost 80-120 ms of CPU with the default, 20-27 ms with
    # 10,000 and 1-2 ms with this; the peak memory (40 MB) is the same for all three.
    gc.set_threshold(100_000, 10, 10)
    process_end.end_by_os_exit()
    try:
        cli.main(prog_name="tektite", standalone_mode=True)
    except KeyboardInterrupt:
        _exit(130)
    except SystemExit as e:
        _exit(e.code)
    except Exception as e:  # a bug: say so in one line, keep the traceback on request
        if os.environ.get("TEKTITE_DEBUG"):
            raise
        click.echo(
            f"tektite: internal error: {type(e).__name__}: {e} "
            "(set TEKTITE_DEBUG=1 for the traceback)",
            err=True,
        )
        _exit(70)
    _exit(0)


def _exit(code: object) -> None:
    """Leave without the interpreter's teardown (40-70 ms of a one-step `tektite run`,
    freeing every module): each command has stopped its processes by the time it
    returns, and left to this exit only what the exit undoes (``process_end``), so only
    the standard streams need flushing."""
    status = code if isinstance(code, int) else (0 if code is None else 1)
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # as SystemExit("message") prints it
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`tektite ... | head`)
            status = status or 1
    os._exit(status)
