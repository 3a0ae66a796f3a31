"""``tektite task|taskrun|pipeline|pipelinerun list``: tkn's tables.

The columns, ages, durations and statuses are tkn's (``pkg/cmd/*/list.go``); rows are
laid out by Go's tabwriter rules (:func:`formatting.tabwrite`).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast

import click

from tektite.cli import formatting as fmt
from tektite.cli.common import (
    fail,
    namespace_option,
    now,
    open_store,
    output_option,
    print_objects,
    use_color,
)

if TYPE_CHECKING:
    from tektite.store.sqlite import SqliteStore

TASK_LABEL = "tekton.dev/task"
PIPELINE_LABEL = "tekton.dev/pipeline"


def _common_list_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--no-headers", is_flag=True, help="Do not print column headers with output.")(
        f
    )
    f = click.option(
        "-A", "--all-namespaces", "all_namespaces", is_flag=True, help="List from all namespaces."
    )(f)
    f = output_option(f)
    return namespace_option(f)


class _Condition(TypedDict, total=False):
    status: Any
    reason: Any


class _RunStatus(TypedDict, total=False):
    startTime: Any
    completionTime: Any
    conditions: list[_Condition]


class _Meta(TypedDict, total=False):
    name: str
    namespace: str
    creationTimestamp: Any


class _RunSpec(TypedDict, total=False):
    taskRef: Any


class RunSummary(TypedDict, total=False):
    """The fields of a run its table row needs (the rest of the JSON is skipped)."""

    metadata: _Meta
    spec: _RunSpec
    status: _RunStatus


def task_ref_kind(run: dict[str, Any]) -> str | None:
    """The kind of a TaskRun's ``taskRef`` (Tekton defaults it to ``Task``); None for a
    run with an embedded spec. tkn's ``FilterByRef`` keeps ``Task`` ones, because the
    ``tekton.dev/task`` label is set for every kind."""
    ref = (run.get("spec") or {}).get("taskRef")
    return str(ref.get("kind") or "Task") if isinstance(ref, dict) else None


def run_summaries(
    store: SqliteStore, kind: str, namespace: str | None, selector: str | None
) -> list[dict[str, Any]]:
    """The runs as :class:`RunSummary` dicts: decoding only these fields from the
    stored JSON is several times cheaper than building whole objects (``pr list``
    over 10,000 runs must answer in half a second)."""
    list_json = getattr(store, "list_json", None)
    if list_json is None:  # a store without raw JSON access
        return store.list(kind, namespace, label_selector=selector)
    import msgspec

    summary = msgspec.json.Decoder(RunSummary)
    whole = msgspec.json.Decoder(dict[str, Any])
    out: list[dict[str, Any]] = []
    gc.disable()  # no collections while 10,000 young dicts are built
    try:
        for body in list_json(kind, namespace, label_selector=selector):
            try:
                out.append(cast("dict[str, Any]", summary.decode(body)))
            except msgspec.ValidationError:  # an odd shape: decode it all, format leniently
                out.append(whole.decode(body))
    finally:
        gc.enable()
    return out


def sort_runs(runs: list[dict[str, Any]], all_namespaces: bool) -> list[dict[str, Any]]:
    """tkn's order: by namespace with ``-A``, then not-started first, then newest start."""

    def key(run: dict[str, Any]) -> tuple[str, int, int, str, str]:
        meta = run["metadata"]
        ns = meta.get("namespace", "")
        # Equal starts keep the API server's order: namespace, then name.
        return (ns if all_namespaces else "", *fmt.newest_first_key(run), ns, meta["name"])

    return sorted(runs, key=key)


def run_row(run: dict[str, Any], at: datetime, style: fmt.Style) -> str:
    """``AGE\\tDURATION\\tSTATUS`` of a run, as tkn's run tables print them."""
    status = run.get("status") or {}
    start = status.get("startTime")
    return (
        f"{fmt.age(start, at)}\t{fmt.duration(start, status.get('completionTime'))}\t"
        f"{fmt.condition(status.get('conditions'), style)}"
    )


def _list_runs(
    kind: str,
    parent_kind: str,
    parent_label: str,
    parent: str | None,
    namespace: str,
    limit: int,
    label: str | None,
    reverse: bool,
    all_namespaces: bool,
    no_headers: bool,
    output: str | None,
) -> None:
    if limit < 0:
        raise fail(f"limit was {limit} but must be a positive number")
    if parent and label:
        raise fail(
            f"failed to list {kind}s from namespace {namespace}: "
            f"specifying a {parent_kind} and labels are not compatible"
        )
    selector = f"{parent_label}={parent}" if parent else label
    from tektite.store.errors import InvalidSelector

    with open_store() as store:
        try:
            ns = None if all_namespaces else namespace
            if output:
                runs = store.list(kind, ns, label_selector=selector)
            else:
                runs = run_summaries(store, kind, ns, selector)
        except InvalidSelector as e:
            raise fail(f"failed to list {kind}s from namespace {namespace}: {e}") from None
    if kind == "TaskRun" and parent:
        runs = [r for r in runs if task_ref_kind(r) == "Task"]
    runs = sort_runs(runs, all_namespaces)
    if 0 < limit < len(runs):
        runs = runs[:limit]
    if reverse:
        runs.reverse()
    if output:
        print_objects(runs, output, f"{kind}List")
        return
    if not runs:
        sys.stdout.write(f"No {kind}s found\n")
        return
    at, style = now(), fmt.Style(use_color())
    lines: list[str] = []
    if not no_headers:
        lines.append(("NAMESPACE\t" if all_namespaces else "") + "NAME\tSTARTED\tDURATION\tSTATUS")
    for r in runs:
        meta = r["metadata"]
        prefix = f"{meta.get('namespace', '')}\t" if all_namespaces else ""
        lines.append(f"{prefix}{meta['name']}\t{run_row(r, at, style)}")
    sys.stdout.write(fmt.tabwrite("\n".join(lines) + "\n"))


def _run_list_command(kind: str, parent_kind: str, parent_label: str) -> click.Command:
    @click.command(name="list")
    @click.argument("parent", required=False, metavar=f"[{parent_kind.upper()}]")
    @click.option(
        "--limit",
        default=0,
        type=int,
        help=f"Limits the number of {kind}s. If the limit value is 0 returns all.",
    )
    @click.option(
        "-l",
        "--label",
        default=None,
        help="A selector (label query) to filter on, supports '=', '==', and '!='.",
    )
    @click.option("--reverse", is_flag=True, help=f"List {kind}s in reverse order.")
    @_common_list_options
    def command(
        parent: str | None,
        limit: int,
        label: str | None,
        reverse: bool,
        namespace: str,
        all_namespaces: bool,
        no_headers: bool,
        output: str | None,
    ) -> None:
        _list_runs(
            kind,
            parent_kind,
            parent_label,
            parent,
            namespace,
            limit,
            label,
            reverse,
            all_namespaces,
            no_headers,
            output,
        )

    command.help = (
        f"Lists {kind}s in a namespace, newest first; with {parent_kind.upper()}, only "
        f"the runs of that {parent_kind}."
    )
    return command


taskrun_list = _run_list_command("TaskRun", "Task", TASK_LABEL)
pipelinerun_list = _run_list_command("PipelineRun", "Pipeline", PIPELINE_LABEL)


@click.command(name="list")
@_common_list_options
def task_list(namespace: str, all_namespaces: bool, no_headers: bool, output: str | None) -> None:
    """Lists Tasks in a namespace."""
    with open_store() as store:
        tasks = fmt.by_name(store.list("Task", None if all_namespaces else namespace))
    if output:
        print_objects(tasks, output, "TaskList")
        return
    if not tasks:
        sys.stdout.write("No Tasks found\n")
        return
    at = now()
    lines: list[str] = []
    if not no_headers:
        lines.append(("NAMESPACE\t" if all_namespaces else "") + "NAME\tDESCRIPTION\tAGE")
    for t in tasks:
        meta = t["metadata"]
        prefix = f"{meta.get('namespace', '')}\t" if all_namespaces else ""
        desc = fmt.format_desc((t.get("spec") or {}).get("description"))
        lines.append(
            f"{prefix}{meta['name']}\t{desc}\t{fmt.age(meta.get('creationTimestamp'), at)}"
        )
    sys.stdout.write(fmt.tabwrite("\n".join(lines) + "\n"))


@click.command(name="list")
@_common_list_options
def pipeline_list(
    namespace: str, all_namespaces: bool, no_headers: bool, output: str | None
) -> None:
    """Lists Pipelines in a namespace, each with its last PipelineRun."""
    with open_store() as store:
        pipelines = fmt.by_name(store.list("Pipeline", None if all_namespaces else namespace))
        if output:
            print_objects(pipelines, output, "PipelineList")
            return
        runs_by_pipeline: dict[tuple[str, str], list[dict[str, Any]]] = {}
        if pipelines:
            for r in store.list("PipelineRun", None if all_namespaces else namespace):
                owner = (r["metadata"].get("labels") or {}).get(PIPELINE_LABEL)
                if owner is not None:
                    key = (r["metadata"].get("namespace", ""), owner)
                    runs_by_pipeline.setdefault(key, []).append(r)
    if not pipelines:
        sys.stdout.write("No Pipelines found\n")
        return
    at, style = now(), fmt.Style(use_color())
    lines: list[str] = []
    if not no_headers:
        lines.append(
            ("NAMESPACE\t" if all_namespaces else "")
            + "NAME\tAGE\tLAST RUN\tSTARTED\tDURATION\tSTATUS"
        )
    for p in pipelines:
        meta = p["metadata"]
        prefix = f"{meta.get('namespace', '')}\t" if all_namespaces else ""
        created = fmt.age(meta.get("creationTimestamp"), at)
        last = fmt.last_run(runs_by_pipeline.get((meta.get("namespace", ""), meta["name"]), []))
        if last is None:
            lines.append(f"{prefix}{meta['name']}\t{created}\t---\t---\t---\t---")
        else:
            lines.append(
                f"{prefix}{meta['name']}\t{created}\t{last['metadata']['name']}\t"
                f"{run_row(last, at, style)}"
            )
    sys.stdout.write(fmt.tabwrite("\n".join(lines) + "\n"))
