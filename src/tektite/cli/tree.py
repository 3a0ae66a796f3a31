"""tkn's resource groups — ``task|t``, ``taskrun|tr``, ``pipeline|p``, ``pipelinerun|pr``
— as lazy click groups.

Each group's verbs come from :data:`VERBS`, a table mapping ``(group, verb)`` to the
module and attribute holding the click command, and its one-line help; a verb's module
is imported only when the verb runs, so ``tektite pr --help`` stays fast. Adding a verb
is adding one row. Verb aliases (tkn's ``ls``, ``desc``, ``rm``) are in
:data:`VERB_ALIASES` and work for every group.
"""

from __future__ import annotations

from importlib import import_module

import click

# group → (its aliases, as tkn's cobra commands declare them; one-line help)
GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "task": (("t", "tasks"), "Manage Tasks"),
    "taskrun": (("tr", "taskruns"), "Manage TaskRuns"),
    "pipeline": (("p", "pipelines"), "Manage pipelines"),
    "pipelinerun": (("pr", "pipelineruns"), "Manage PipelineRuns"),
}

# verb alias → verb (tkn: list|ls, describe|desc, delete|rm)
VERB_ALIASES: dict[str, str] = {"ls": "list", "desc": "describe", "rm": "delete"}

# (group, verb) → (module, attribute, one-line help as tkn words it)
VERBS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("task", "list"): ("tektite.cli.list_cmd", "task_list", "Lists Tasks in a namespace"),
    ("taskrun", "list"): ("tektite.cli.list_cmd", "taskrun_list", "Lists TaskRuns in a namespace"),
    ("pipeline", "list"): (
        "tektite.cli.list_cmd",
        "pipeline_list",
        "Lists Pipelines in a namespace",
    ),
    ("pipelinerun", "list"): (
        "tektite.cli.list_cmd",
        "pipelinerun_list",
        "Lists PipelineRuns in a namespace",
    ),
    ("task", "describe"): (
        "tektite.cli.describe",
        "task_describe",
        "Describe a Task in a namespace",
    ),
    ("taskrun", "describe"): (
        "tektite.cli.describe",
        "taskrun_describe",
        "Describe a TaskRun in a namespace",
    ),
    ("pipeline", "describe"): (
        "tektite.cli.describe",
        "pipeline_describe",
        "Describes a Pipeline in a namespace",
    ),
    ("pipelinerun", "describe"): (
        "tektite.cli.describe",
        "pipelinerun_describe",
        "Describe a PipelineRun in a namespace",
    ),
    ("task", "delete"): ("tektite.cli.delete", "task_delete", "Delete Tasks in a namespace"),
    ("taskrun", "delete"): (
        "tektite.cli.delete",
        "taskrun_delete",
        "Delete TaskRuns in a namespace",
    ),
    ("pipeline", "delete"): (
        "tektite.cli.delete",
        "pipeline_delete",
        "Delete Pipelines in a namespace",
    ),
    ("pipelinerun", "delete"): (
        "tektite.cli.delete",
        "pipelinerun_delete",
        "Delete PipelineRuns in a namespace",
    ),
    ("task", "start"): ("tektite.cli.start", "task_start", "Start Tasks"),
    ("pipeline", "start"): ("tektite.cli.start", "pipeline_start", "Start Pipelines"),
    ("task", "logs"): ("tektite.cli.logs", "task_logs", "Show Task logs"),
    ("pipeline", "logs"): ("tektite.cli.logs", "pipeline_logs", "Show Pipeline logs"),
    ("taskrun", "logs"): ("tektite.cli.logs", "taskrun_logs", "Show TaskRuns logs"),
    ("pipelinerun", "logs"): (
        "tektite.cli.logs",
        "pipelinerun_logs",
        "Show the logs of a PipelineRun",
    ),
    ("taskrun", "cancel"): (
        "tektite.cli.cancel",
        "taskrun_cancel",
        "Cancel a TaskRun in a namespace",
    ),
    ("pipelinerun", "cancel"): (
        "tektite.cli.cancel",
        "pipelinerun_cancel",
        "Cancel a PipelineRun in a namespace",
    ),
}


class ResourceGroup(click.Group):
    """One tkn resource group whose verbs are looked up in :data:`VERBS` on demand.

    ``-n/--namespace`` may also be given before the verb (``tektite pr -n ns ls``), as
    tkn's persistent flag allows; verbs read it through ``cli.common.namespace_option``.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(verb for group, verb in VERBS if group == self.name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        verb = VERB_ALIASES.get(cmd_name, cmd_name)
        entry = VERBS.get((str(self.name), verb))
        if entry is None:
            return None
        module, attr, _ = entry
        command = getattr(import_module(module), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Static help text: listing the verbs imports none of their modules.
        rows = [
            (verb, help_)
            for (group, verb), (_, _, help_) in sorted(VERBS.items())
            if group == self.name
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


NAMESPACE_KEY = "tektite.namespace"
"""Where a group-level ``-n`` is kept in ``click.Context.meta`` for its verbs."""
NO_COLOR_KEY = "tektite.no_color"
"""Set in ``click.Context.meta`` by the group-level ``-C/--no-color``."""


def _group(name: str) -> ResourceGroup:
    aliases, help_ = GROUPS[name]

    def callback(namespace: str | None, no_color: bool) -> None:
        meta = click.get_current_context().meta
        if namespace:
            meta[NAMESPACE_KEY] = namespace
        if no_color:
            meta[NO_COLOR_KEY] = True

    return ResourceGroup(
        name=name,
        callback=callback,
        help=f"{help_} (aliases: {', '.join(aliases)}).",
        short_help=help_,
        context_settings={"help_option_names": ["-h", "--help"]},
        params=[
            click.Option(
                ["-n", "--namespace"],
                default=None,
                metavar="NS",
                help="Namespace to use (default: default).",
            ),
            click.Option(["-C", "--no-color"], is_flag=True, help="Disable coloring."),
        ],
    )


task = _group("task")
taskrun = _group("taskrun")
pipeline = _group("pipeline")
pipelinerun = _group("pipelinerun")
