"""``tektite task|taskrun|pipeline|pipelinerun describe``: tkn's describe layouts.

Each renderer builds the text tkn's Go template (``pkg/cmd/task/describe.go``,
``pkg/taskrun/description.go``, ``pkg/cmd/pipeline/describe.go``,
``pkg/pipelinerun/description.go``) produces, blank lines and all, then lays it out
with Go's tabwriter rules. With colour on, headings get tkn's emoji and rows its
bullets.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

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
from tektite.cli.list_cmd import PIPELINE_LABEL, TASK_LABEL, sort_runs, task_ref_kind

if TYPE_CHECKING:
    from tektite.store.protocol import Store

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

Obj = dict[str, Any]


# -- pieces shared by the four layouts ---------------------------------------------------


def _meta_lines(obj: Obj, style: fmt.Style, labels: bool) -> str:
    """``Labels:`` and ``Annotations:`` blocks (sorted, as Go ranges over maps), the
    kubectl last-applied annotation left out."""
    meta = obj.get("metadata") or {}
    out = ""
    if labels and meta.get("labels"):
        out += f"\n{style.bold('Labels')}:"
        for k in sorted(meta["labels"]):
            out += f"\n {k}={meta['labels'][k]}"
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    if annotations:
        out += f"\n{style.bold('Annotations')}:"
        for k in sorted(annotations):
            out += f"\n {k}={annotations[k]}"
    return out


def _name_lines(meta: Obj, style: fmt.Style) -> str:
    """The ``Name:`` and ``Namespace:`` lines every layout starts with."""
    return (
        f"{style.bold('Name')}:\t{meta['name']}\n"
        f"{style.bold('Namespace')}:\t{meta.get('namespace', '')}"
    )


def _heading(style: fmt.Style, section: str, title: str) -> str:
    return f"\n\n{style.emoji(section)}{style.heading(title)}"


def _param_rows(params: list[Obj], style: fmt.Style) -> str:
    out = ""
    for p in params:
        out += f"\n {style.bullet(str(p.get('name', '')))}\t{fmt.param_value(p.get('value'))}"
    return out


def _run_workspaces(workspaces: list[Obj], style: fmt.Style) -> str:
    out = ""
    for ws in workspaces:
        sub = ws.get("subPath") or fmt.DASH
        out += f"\n {style.bullet(str(ws.get('name', '')))}\t{sub}\t{fmt.workspace_binding(ws)}"
    return out


def _spec_params(params: list[Obj], style: fmt.Style) -> str:
    """A Task's or Pipeline's declared params: NAME, TYPE, DESCRIPTION, DEFAULT VALUE."""
    out = "\n NAME\tTYPE\tDESCRIPTION\tDEFAULT VALUE"
    for p in params:
        default = p.get("default")
        value = fmt.DASH if default is None else fmt.param_value(default)
        out += (
            f"\n {style.bullet(str(p.get('name', '')))}\t{p.get('type', '')}\t"
            f"{fmt.format_desc(p.get('description'))}\t{value}"
        )
    return out


def _spec_tail(spec: Obj, style: fmt.Style) -> str:
    """The Results and Workspaces sections of a Task or Pipeline."""
    out = ""
    if spec.get("results"):
        out += _heading(style, "results", "Results\n") + "\n NAME\tDESCRIPTION"
        for r in spec["results"]:
            name = style.bullet(str(r.get("name", "")))
            out += f"\n {name}\t{fmt.format_desc(r.get('description'))}"
    if spec.get("workspaces"):
        out += _heading(style, "workspaces", "Workspaces\n") + "\n NAME\tDESCRIPTION\tOPTIONAL"
        for w in spec["workspaces"]:
            out += (
                f"\n {style.bullet(str(w.get('name', '')))}\t"
                f"{fmt.format_desc(w.get('description'))}\t{fmt.go_value(bool(w.get('optional')))}"
            )
    return out


def _status(obj: Obj) -> Obj:
    status = obj.get("status")
    return status if isinstance(status, dict) else {}


def _first_condition(obj: Obj) -> Obj:
    conditions = _status(obj).get("conditions")
    return conditions[0] if isinstance(conditions, list) and conditions else {}


# -- the four layouts ------------------------------------------------------------------


def render_task(task: Obj, taskruns: list[Obj], at: datetime, style: fmt.Style) -> str:
    """``tkn task describe``; ``taskruns`` are the runs labelled with the Task."""
    meta, spec = task["metadata"], task.get("spec") or {}
    out = _name_lines(meta, style)
    if spec.get("description"):
        out += f"\n{style.bold('Description')}:\t{spec['description']}"
    version = (meta.get("labels") or {}).get("app.kubernetes.io/version", "")
    if version:
        out += f"\n{style.bold('Version')}:    \t{version}"
    out += _meta_lines(task, style, labels=False)
    if spec.get("params"):
        out += _heading(style, "params", "Params\n") + _spec_params(spec["params"], style)
    out += _spec_tail(spec, style)
    steps = spec.get("steps") or []
    if steps:
        out += _heading(style, "steps", "Steps\n")
        for i, step in enumerate(steps):
            # formatted.AutoStepName: its counter advances on every call.
            out += f"\n {style.bullet(str(step.get('name') or f'unnamed-{i}'))}"
    if taskruns:
        out += _heading(style, "taskruns", "Taskruns\n") + "\nNAME\tSTARTED\tDURATION\tSTATUS\n"
        for tr in taskruns:
            st = _status(tr)
            out += (
                f"{tr['metadata']['name']}\t{fmt.age(st.get('startTime'), at)}\t"
                f"{fmt.duration(st.get('startTime'), st.get('completionTime'))}\t"
                f"{fmt.condition(st.get('conditions'), style)}\n"
            )
    return fmt.tabwrite(out + "\n")


def _step_start(state: Obj) -> tuple[int, str]:
    for key in ("terminated", "running"):
        if state.get(key) is not None:
            return (1, str((state[key] or {}).get("startedAt") or ""))
    return (2, "")


def render_taskrun(tr: Obj, at: datetime, style: fmt.Style) -> str:
    """``tkn taskrun describe``."""
    meta, spec, status = tr["metadata"], tr.get("spec") or {}, _status(tr)
    out = _name_lines(meta, style)
    ref = (spec.get("taskRef") or {}).get("name")
    if ref:
        out += f"\n{style.bold('Task Ref')}:\t{ref}"
    if spec.get("serviceAccountName"):
        out += f"\n{style.bold('Service Account')}:\t{spec['serviceAccountName']}"
    timeout = fmt.go_duration(spec.get("timeout"))
    if timeout and timeout != "0s":
        out += f"\n{style.bold('Timeout')}:\t{timeout}"
    out += _meta_lines(tr, style, labels=True)
    out += _heading(style, "status", "Status") + "\n\nSTARTED \tDURATION \tSTATUS\n"
    out += (
        f"{fmt.age(status.get('startTime'), at)}\t"
        f"{fmt.duration(status.get('startTime'), status.get('completionTime'))}\t"
        f"{fmt.condition(status.get('conditions'), style)}"
    )
    first = _first_condition(tr)
    if first.get("status") == "False" and first.get("message"):
        out += f"\n\n{style.heading('Message')}\n\n{first['message']}"
    if spec.get("params"):
        out += (
            _heading(style, "params", "Params")
            + "\n\n NAME\tVALUE"
            + _param_rows(spec["params"], style)
        )
    if status.get("results"):
        out += _heading(style, "results", "Results") + "\n\n NAME\tVALUE"
        for r in status["results"]:
            out += f"\n {style.bullet(str(r.get('name', '')))}\t{fmt.result_value(r.get('value'))}"
    if spec.get("workspaces"):
        out += (
            _heading(style, "workspaces", "Workspaces") + "\n\n NAME\tSUB PATH\tWORKSPACE BINDING"
        )
        out += _run_workspaces(spec["workspaces"], style)
    steps = status.get("steps") or []
    if steps:
        # sortStepStatesByStartTime puts steps that have not started last.
        ordered = sorted(steps, key=_step_start)
        out += _heading(style, "steps", "Steps") + "\n\n NAME\tSTATUS"
        for s in ordered:
            out += f"\n {style.bullet(str(s.get('name', '')))}\t{fmt.step_state(s, style)}"
    sidecars = status.get("sidecars") or []
    if sidecars:
        out += _heading(style, "sidecars", "Sidecars") + "\n\n NAME\tSTATUS"
        for s in sidecars:
            out += f"\n {style.bullet(str(s.get('name', '')))}\t{fmt.step_state(s, style)}"
    return fmt.tabwrite(out + "\n")


def _task_ref_name(task: Obj) -> str:
    ref = task.get("taskRef")
    return str(ref.get("name", "")) if isinstance(ref, dict) else "EMBEDDED"


def _param_summary(params: list[Obj], specs: list[Obj]) -> str:
    """``formatted.Param``: a pipeline task's params on one line, ``$(params.x)``
    references shown as the pipeline param's default (or its type)."""
    if not params:
        return fmt.DASH

    def resolve(text: str) -> str:
        if "$" not in text:
            return text
        name = text.replace("$", "").replace("(", "").replace(")", "").replace("params.", "")
        for spec in specs:
            if spec.get("name") == name:
                default = spec.get("default")
                if default is None:
                    return str(spec.get("type", ""))
                if isinstance(default, str):
                    return default
                if isinstance(default, list):
                    return " ".join(str(v) for v in default)
                if isinstance(default, dict):
                    return "{" + ",".join(f"{k}:{v}" for k, v in default.items()) + "}"
        return ""

    parts = []
    for p in params:
        value = p.get("value")
        if isinstance(value, list):
            text = "[" + "".join(
                f" {resolve(str(v))}" + (" ]" if j == len(value) - 1 else ",")
                for j, v in enumerate(value)
            )
        elif isinstance(value, dict):
            items = list(value.items())
            text = "{" + "".join(
                f" {k}: {resolve(str(v))}" + (" }" if j == len(items) - 1 else " ,")
                for j, (k, v) in enumerate(items)
            )
        else:
            text = resolve(str(value if value is not None else ""))
        parts.append(f"{p.get('name', '')}: {text}")
    return ", ".join(parts)


def render_pipeline(pipeline: Obj, runs: list[Obj], at: datetime, style: fmt.Style) -> str:
    """``tkn pipeline describe``; ``runs`` are the PipelineRuns labelled with it."""
    meta, spec = pipeline["metadata"], pipeline.get("spec") or {}
    out = _name_lines(meta, style)
    if spec.get("description"):
        out += f"\n{style.bold('Description')}:\t{spec['description']}"
    out += _meta_lines(pipeline, style, labels=False)
    if spec.get("params"):
        out += _heading(style, "params", "Params\n") + _spec_params(spec["params"], style)
    out += _spec_tail(spec, style)
    if spec.get("tasks"):
        out += _heading(style, "tasks", "Tasks\n") + "\n NAME\tTASKREF\tRUNAFTER\tTIMEOUT\tPARAMS"
        for t in spec["tasks"]:
            out += (
                f"\n {style.bullet(str(t.get('name', '')))}\t{_task_ref_name(t)}\t"
                f"{', '.join(t.get('runAfter') or [])}\t{fmt.timeout(t.get('timeout'))}\t"
                f"{_param_summary(t.get('params') or [], spec.get('params') or [])}"
            )
    if runs:
        out += (
            _heading(style, "pipelineruns", "PipelineRuns\n") + "\n NAME\tSTARTED\tDURATION\tSTATUS"
        )
        for r in runs:
            st = _status(r)
            out += (
                f"\n {style.bullet(r['metadata']['name'])}\t{fmt.age(st.get('startTime'), at)}\t"
                f"{fmt.duration(st.get('startTime'), st.get('completionTime'))}\t"
                f"{fmt.condition(st.get('conditions'), style)}"
            )
    return fmt.tabwrite(out + "\n")


def child_taskruns(
    pr: Obj, lookup: Callable[[str], Obj | None]
) -> list[tuple[str, str, Obj | None]]:
    """``(TaskRun name, pipeline task name, TaskRun or None)`` for each child TaskRun
    named in ``status.childReferences``, in tkn's order: not started first, then
    newest start first."""
    children: list[tuple[str, str, Obj | None]] = []
    for ref in _status(pr).get("childReferences") or []:
        if ref.get("kind") == "TaskRun":
            children.append((ref["name"], ref.get("pipelineTaskName", ""), lookup(ref["name"])))

    def key(child: tuple[str, str, Obj | None]) -> tuple[int, int]:
        return fmt.newest_first_key(child[2] or {})

    return sorted(children, key=key)


def render_pipelinerun(
    pr: Obj, children: list[tuple[str, str, Obj | None]], at: datetime, style: fmt.Style
) -> str:
    """``tkn pipelinerun describe``; ``children`` from :func:`child_taskruns`."""
    meta, spec, status = pr["metadata"], pr.get("spec") or {}, _status(pr)
    out = _name_lines(meta, style)
    ref = (spec.get("pipelineRef") or {}).get("name")
    if ref:
        out += f"\n{style.bold('Pipeline Ref')}:\t{ref}"
    sa = (spec.get("taskRunTemplate") or {}).get("serviceAccountName")
    if sa:
        out += f"\n{style.bold('Service Account')}:\t{sa}"
    out += _meta_lines(pr, style, labels=True)
    out += _heading(style, "status", "Status\n") + "\nSTARTED\tDURATION\tSTATUS\n"
    out += (
        f"{fmt.age(status.get('startTime'), at)}\t"
        f"{fmt.duration(status.get('startTime'), status.get('completionTime'))}\t"
        f"{fmt.condition(status.get('conditions'), style)}"
    )
    first = _first_condition(pr)
    if first.get("status") == "False":
        # hasFailed: the condition's message, then the failed child TaskRuns.
        failed = sorted(
            name
            for name, _, tr in children
            if tr is not None and _first_condition(tr).get("status") == "False"
        )
        message = str(first.get("message") or "")
        if failed:
            message += f"\nTaskRun(s) cancelled: {', '.join(failed)}"
        if message:
            out += _heading(style, "message", "Message\n") + f"\n{message}"
    timeouts = spec.get("timeouts")
    if isinstance(timeouts, dict):  # set, even empty: Go tests the pointer
        out += _heading(style, "timeouts", "Timeouts")
        for key, title in (("pipeline", "Pipeline"), ("tasks", "Tasks"), ("finally", "Finally")):
            if timeouts.get(key) is not None:
                out += f"\n {style.bold(title)}:\t{fmt.go_duration(timeouts[key])}"
    if spec.get("params"):
        out += (
            _heading(style, "params", "Params\n")
            + "\n NAME\tVALUE"
            + _param_rows(spec["params"], style)
        )
    if status.get("results"):
        out += _heading(style, "results", "Results\n") + "\n NAME\tVALUE"
        for r in status["results"]:
            value = r.get("value")
            shown = (
                value
                if isinstance(value, str)
                else fmt.go_value(value if isinstance(value, list) else [])
            )
            out += f"\n {style.bullet(str(r.get('name', '')))}\t{shown}"
    if spec.get("workspaces"):
        out += (
            _heading(style, "workspaces", "Workspaces\n") + "\n NAME\tSUB PATH\tWORKSPACE BINDING"
        )
        out += _run_workspaces(spec["workspaces"], style)
    if children:
        out += (
            _heading(style, "taskruns", "Taskruns\n")
            + "\n NAME\tTASK NAME\tSTARTED\tDURATION\tSTATUS"
        )
        for name, task_name, tr in children:
            if tr is None:
                continue  # checkTRStatus: a TaskRun that could not be read is left out
            st = _status(tr)
            out += (
                f"\n {style.bullet(name)}\t{task_name}\t{fmt.age(st.get('startTime'), at)}\t"
                f"{fmt.duration(st.get('startTime'), st.get('completionTime'))}\t"
                f"{fmt.condition(st.get('conditions'), style)}"
            )
    if status.get("skippedTasks"):
        out += _heading(style, "skippedtasks", "Skipped Tasks\n") + "\n NAME"
        for t in status["skippedTasks"]:
            out += f"\n {style.bullet(str(t.get('name', '')))}"
    return fmt.tabwrite(out + "\n")


# -- the commands ----------------------------------------------------------------------


def _pick(kind: str, names: list[str], namespace: str) -> str:
    """The one object of a namespace, or the user's choice on a terminal (tkn asks
    with a select prompt), or an error naming what to pass."""
    if not names:
        raise fail(f"no {kind}s found")
    if len(names) == 1:
        return names[0].split()[0]
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise fail(
            f"{len(names)} {kind}s in namespace {namespace}: give the name of one "
            "(or --last for the newest run)"
        )
    for i, n in enumerate(names, 1):
        click.echo(f"{i}) {n}")
    choice = click.prompt(f"Select {kind.lower()}", type=click.IntRange(1, len(names)))
    return names[choice - 1].split()[0]


def _run_to_describe(
    store: Store, kind: str, namespace: str, last: bool, limit: int, at: datetime
) -> str | None:
    """The run ``describe`` shows when no name is given: the newest with ``--last``,
    else the one the user picks among the newest ``limit``. None (and tkn's line said)
    when ``--last`` finds no run."""
    runs = store.list(kind, namespace)
    if last:
        if not runs:
            sys.stdout.write(f"No {kind}s present in namespace {namespace}\n")
            return None
        return str(sort_runs(runs, False)[0]["metadata"]["name"])
    if limit <= 0:  # tkn lists none, then refuses the limit
        raise fail(f"limit was {limit} but must be a positive number")
    return _pick(kind, _run_choices(runs, at, limit), namespace)


def _run_choices(runs: list[Obj], at: datetime, limit: int) -> list[str]:
    """tkn's ``GetAll…Runs``: ``name started 5 minutes ago``, newest first."""
    return [
        f"{r['metadata']['name']} started {fmt.age(_status(r).get('startTime'), at)}"
        for r in sort_runs(runs, False)[:limit]
    ]


@click.command(name="describe")
@click.argument("name", required=False)
@output_option
@namespace_option
def task_describe(name: str | None, output: str | None, namespace: str) -> None:
    """Describe a Task in a namespace."""
    with open_store() as store:
        if name is None:
            name = _pick(
                "Task",
                [t["metadata"]["name"] for t in fmt.by_name(store.list("Task", namespace))],
                namespace,
            )
        task = store.get("Task", namespace, name)
        if task is None:
            raise fail(f'failed to get Task {name}: tasks.tekton.dev "{name}" not found')
        if output:
            print_objects([task], output, None)
            return
        runs = store.list("TaskRun", namespace, label_selector=f"{TASK_LABEL}={name}")
    # FilterByRef: only runs of a namespaced Task (the label is on every kind).
    runs = [r for r in runs if task_ref_kind(r) == "Task"]
    sys.stdout.write(render_task(task, sort_runs(runs, False), now(), fmt.Style(use_color())))


@click.command(name="describe")
@click.argument("name", required=False)
@output_option
@click.option("-L", "--last", is_flag=True, help="Show description for last TaskRun.")
@click.option("--limit", default=5, type=int, help="Lists number of TaskRuns when selecting one.")
@namespace_option
def taskrun_describe(
    name: str | None, output: str | None, last: bool, limit: int, namespace: str
) -> None:
    """Describe a TaskRun in a namespace."""
    at = now()
    with open_store() as store:
        if name is None:
            name = _run_to_describe(store, "TaskRun", namespace, last, limit, at)
            if name is None:
                return
        tr = store.get("TaskRun", namespace, name)
    if tr is None:
        raise fail(f'failed to get TaskRun {name}: taskruns.tekton.dev "{name}" not found')
    if output:
        print_objects([tr], output, None)
        return
    sys.stdout.write(render_taskrun(tr, at, fmt.Style(use_color())))


@click.command(name="describe")
@click.argument("name", required=False)
@output_option
@namespace_option
def pipeline_describe(name: str | None, output: str | None, namespace: str) -> None:
    """Describes a Pipeline in a namespace."""
    with open_store() as store:
        if name is None:
            names = [p["metadata"]["name"] for p in fmt.by_name(store.list("Pipeline", namespace))]
            name = _pick("Pipeline", names, namespace)
        pipeline = store.get("Pipeline", namespace, name)
        if pipeline is None:
            raise fail(f'pipelines.tekton.dev "{name}" not found')
        if output:
            print_objects([pipeline], output, None)
            return
        runs = store.list("PipelineRun", namespace, label_selector=f"{PIPELINE_LABEL}={name}")
    sys.stdout.write(
        render_pipeline(pipeline, sort_runs(runs, False), now(), fmt.Style(use_color()))
    )


@click.command(name="describe")
@click.argument("name", required=False)
@output_option
@click.option("-L", "--last", is_flag=True, help="Show description for last PipelineRun.")
@click.option(
    "--limit", default=5, type=int, help="Lists number of PipelineRuns when selecting one."
)
@namespace_option
def pipelinerun_describe(
    name: str | None, output: str | None, last: bool, limit: int, namespace: str
) -> None:
    """Describe a PipelineRun in a namespace."""
    at = now()
    with open_store() as store:
        if name is None:
            name = _run_to_describe(store, "PipelineRun", namespace, last, limit, at)
            if name is None:
                return
        pr = store.get("PipelineRun", namespace, name)
        if pr is None:
            raise fail(f'failed to find pipelinerun "{name}"')
        if output:
            print_objects([pr], output, None)
            return
        ns = namespace
        children = child_taskruns(pr, lambda n: store.get("TaskRun", ns, n))
    sys.stdout.write(render_pipelinerun(pr, children, at, fmt.Style(use_color())))
