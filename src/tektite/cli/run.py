"""``tektite run FILE``: create every object of a file and run its runs to completion.

Logs stream live as ``[task/step] line``; then a short summary. With ``-o json|yaml`` the
final run objects (status included) go to standard output and everything else to
standard error. The exit status is 0 only when every run succeeded.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from typing import Any, TextIO

import click

from tektite import process_end
from tektite.cli.common import output_option, print_objects
from tektite.cli.options import config_options, load_config, runtime_options
from tektite.local_runs import (
    RUN_KINDS,
    cancel,
    children,
    condition,
    create_all,
    is_done,
    succeeded,
    wait_done,
    wait_settled,
)
from tektite.runtime.image_map import ImageMap

_COLORS = (36, 33, 35, 32, 34, 91, 96, 93)


@click.command()
@click.argument("file", metavar="FILE|-")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a param of the run(s); a list as NAME=a,b,c is not split.",
)
@click.option(
    "-w",
    "--workspace",
    "workspaces",
    multiple=True,
    metavar="name=W,emptyDir=|claimName=C|config=CM|secret=S|volumeClaimTemplateFile=F",
    help="Bind a workspace of the run(s), in tkn's syntax.",
)
@click.option("-n", "--namespace", default="default", show_default=True)
@runtime_options
@output_option
@config_options
def run(
    file: str,
    params: tuple[str, ...],
    workspaces: tuple[str, ...],
    namespace: str,
    runtime: str,
    image_maps: tuple[str, ...],
    output: str | None,
    **config_args: object,
) -> None:
    """Create every object in FILE and run its TaskRuns and PipelineRuns."""
    if runtime == "host":
        from tektite.runtime.spawner import prestart_service

        prestart_service()  # warms up while the file is read and the engine imported
    from tektite.api.load import check_file, check_text
    from tektite.api.yamlio import YamlLoadError
    from tektite.cli.validate import print_invalid
    from tektite.runtime.image_map import ImageMapError

    config = load_config(config_args)
    try:
        image_map = ImageMap.from_sources(image_maps)
    except ImageMapError as e:
        raise click.ClickException(str(e)) from None
    try:
        checked = (
            check_text(sys.stdin.buffer.read(), "<stdin>", config)
            if file == "-"
            else check_file(file, config)
        )
    except YamlLoadError as e:
        raise click.ClickException(str(e)) from None
    invalid = [c for c in checked if not c.valid]
    if invalid:
        for c in invalid:
            print_invalid(c, sys.stderr)
        sys.exit(1)
    objects = [c.obj.to_dict() for c in checked if c.obj is not None]
    runs = [o for o in objects if o.get("kind") in RUN_KINDS]
    if not runs:
        raise click.ClickException(f"{file}: no TaskRun or PipelineRun to run")
    for o in runs:
        _apply_params(o, params)
        _apply_workspaces(o, workspaces)
    logs = sys.stderr if output else sys.stdout
    from tektite.controller_lock import ControllerBusy
    from tektite.embedded import RuntimeUnavailable
    from tektite.store.errors import StoreError

    try:
        code = asyncio.run(_run(objects, namespace, runtime, config, logs, output, image_map))
    except (RuntimeUnavailable, StoreError) as e:
        raise click.ClickException(str(e)) from None
    except ControllerBusy as e:
        # Nothing was created: the lock is taken before the store is written.
        raise click.ClickException(
            f"{e}: `tektite run` runs its own controller; stop it, or create the runs "
            "with `tektite create -f FILE` and follow them with `tektite pipelinerun "
            "logs -f` / `tektite taskrun logs -f`"
        ) from None
    sys.exit(code)


async def _run(
    objects: list[dict[str, Any]],
    namespace: str,
    runtime: str,
    config: Any,
    logs: TextIO,
    output: str | None,
    image_map: ImageMap | None = None,
) -> int:
    from tektite.embedded import embedded

    colors = logs.isatty()
    async with embedded(config, runtime, image_map=image_map) as env:
        started = time.monotonic()
        print(f"tektite: runtime {env.runtime.name}, data in {env.root}", file=sys.stderr)
        created = create_all(env.store, objects, namespace)
        runs = [o for o in created if o["kind"] in RUN_KINDS]
        ended = asyncio.Event()
        streams = [
            asyncio.create_task(_stream_logs(env, r, i, logs, colors, ended))
            for i, r in enumerate(runs)
        ]
        loop = asyncio.get_running_loop()
        interrupted = asyncio.Event()
        loop.add_signal_handler(signal.SIGINT, interrupted.set)
        try:
            finished = await wait_done(env.store, runs, interrupted)
            if not finished:
                print("tektite: interrupted: cancelling", file=sys.stderr)
                cancel(env.store, runs)
                # Wait for the children of a PipelineRun too, so nothing keeps running.
                await wait_settled(env.store, runs, timeout=10)
        finally:
            loop.remove_signal_handler(signal.SIGINT)
            ended.set()
            await asyncio.wait(streams, timeout=2)
            for s in streams:
                s.cancel()
        final = [
            env.store.get(r["kind"], r["metadata"]["namespace"], r["metadata"]["name"])
            for r in runs
        ]
        final_runs = [f for f in final if f is not None]
        # The run's objects (the runtime's Pods, the controller's caches) are not freed
        # one by one when this returns if the process exits right after.
        process_end.keep_until_exit(env)
        _summary(env.store, final_runs, time.monotonic() - started, sys.stderr if output else logs)
        if output:
            print_objects(final_runs, output, None)
        if not finished:
            return 130
        return 0 if all(succeeded(r) for r in final_runs) else 1


def _apply_params(run: dict[str, Any], params: tuple[str, ...]) -> None:
    if not params:
        return
    spec = run.setdefault("spec", {})
    current = spec.setdefault("params", [])
    for p in params:
        name, sep, value = p.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {p!r}", param_hint="-p")
        current[:] = [x for x in current if x.get("name") != name]
        current.append({"name": name, "value": value})


def _apply_workspaces(run: dict[str, Any], workspaces: tuple[str, ...]) -> None:
    """The ``-w`` values (tkn's syntax) merged into the run's workspace bindings."""
    from tektite.cli import workspace_flag

    if not workspaces:
        return
    spec = run.setdefault("spec", {})
    spec["workspaces"] = workspace_flag.merge(list(spec.get("workspaces") or ()), workspaces)


# -- logs -----------------------------------------------------------------------------------


async def _stream_logs(
    env: Any, run: dict[str, Any], index: int, out: TextIO, colors: bool, ended: asyncio.Event
) -> None:
    """Print the steps' output of a run as it runs: a TaskRun's as ``[task/step] line``,
    a PipelineRun's TaskRuns' as ``[pipelineTask/step] line`` (those of a child
    PipelineRun as ``[childTask/pipelineTask/step] line``), in parallel.
    ``ended`` is set once every run is done (or stopped)."""
    meta = run["metadata"]
    if run["kind"] != "PipelineRun":
        label = (meta.get("labels") or {}).get("tekton.dev/task", meta["name"])
        color = _COLORS[index % len(_COLORS)]
        await _stream_taskrun(env, meta["namespace"], meta["name"], label, color, out, colors)
        return
    streams: dict[str, asyncio.Task[None]] = {}
    pods: set[str] = set()
    polls = 0
    try:
        while True:
            # Told, not read: reading the PipelineRun (its status holds the whole
            # pipelineSpec and a reference per child) each poll cost more than the rest.
            done = ended.is_set()
            polls += 1
            # The children's Pods come from one listing (a stream per child polling
            # the store for its Pod cost more than the children's own work), made
            # every few polls: a log is followed from its start whenever that is.
            listed = _task_runs_below(env.store, run) if done or polls % 4 == 1 else []
            for label, child in listed:
                name = child["metadata"]["name"]
                for pod_name, steps in _attempt_pods(child):
                    if pod_name in pods:
                        continue
                    pods.add(pod_name)
                    if name not in streams:
                        color = _COLORS[(index + len(streams)) % len(_COLORS)]
                    else:
                        color = _COLORS[(index + list(streams).index(name)) % len(_COLORS)]
                    # A retry's Pod follows the previous Pod's logs of the same child.
                    pod = (meta["namespace"], pod_name, label, color)
                    streams[name] = asyncio.create_task(
                        _stream_after(streams.get(name), env, pod, steps, out, colors)
                    )
            if done:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ended.wait(), 0.05)
        if streams:
            await asyncio.gather(*streams.values())
    finally:
        for s in streams.values():
            s.cancel()


def _task_runs_below(
    store: Any, run: dict[str, Any], prefix: str = ""
) -> list[tuple[str, dict[str, Any]]]:
    """The TaskRuns a PipelineRun runs, each with the label its lines are printed with:
    its pipeline task, after that of each child PipelineRun it runs in (pipelines in
    pipelines: ``child/task``)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for child in children(store, run):
        meta = child["metadata"]
        label = prefix + (meta.get("labels") or {}).get("tekton.dev/pipelineTask", meta["name"])
        if child["kind"] == "PipelineRun":
            found += _task_runs_below(store, child, label + "/")
        else:
            found.append((label, child))
    return found


def _attempt_pods(taskrun: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The Pods of a TaskRun's attempts, oldest first (a retry may have come between
    two listings), each with its step containers as far as the status knows them."""
    status = taskrun.get("status") or {}
    found = []
    for attempt in [*(status.get("retriesStatus") or ()), status]:
        if attempt.get("podName"):
            steps = [s["container"] for s in attempt.get("steps") or () if s.get("container")]
            found.append((str(attempt["podName"]), steps))
    return found


async def _stream_taskrun(
    env: Any, ns: str, name: str, label: str, color: int, out: TextIO, colors: bool
) -> None:
    """Follow the step containers of each Pod of the TaskRun (a retry makes another)."""
    seen: set[str] = set()
    while True:
        current = env.store.get("TaskRun", ns, name)
        if current is None:
            return
        status = current.get("status") or {}
        pod_name = status.get("podName")
        if pod_name and pod_name not in seen:
            seen.add(pod_name)
            await _stream_pod(env, ns, pod_name, label, color, out, colors)
            continue
        if is_done(current):
            return
        await asyncio.sleep(0.02)


async def _stream_pod(
    env: Any,
    ns: str,
    pod_name: str,
    label: str,
    color: int,
    out: TextIO,
    colors: bool,
    known: list[str] | None = None,
) -> None:
    """Follow the step containers of one Pod, one after the other (``known``: its
    containers as the TaskRun's status lists them, for a Pod deleted already)."""
    from tektite.runtime.protocol import PodKey, PodRuntimeError

    key = PodKey(ns, pod_name)
    pod = await env.runtime.get_pod(key)
    containers = [c["name"] for c in ((pod or {}).get("spec") or {}).get("containers", [])]
    if pod is None:
        containers = known or []
    for container in containers:
        if not container.startswith("step-"):
            continue
        prefix = f"[{label}/{container.removeprefix('step-')}] "
        if colors:
            prefix = f"\x1b[{color}m{prefix}\x1b[0m"
        try:
            await _copy_lines(env.runtime.logs(key, container, follow=True), prefix, out)
        except PodRuntimeError:
            continue  # a Pod deleted already, whose step never started: no log


async def _stream_after(
    previous: asyncio.Task[None] | None,
    env: Any,
    pod: tuple[str, str, str, int],
    steps: list[str],
    out: TextIO,
    colors: bool,
) -> None:
    """Follow ``pod`` (namespace, name, label, color; ``steps``: its step containers
    as known) once ``previous`` (the same child's earlier Pod) has been followed."""
    if previous is not None:
        await previous
    await _stream_pod(env, *pod, out, colors, steps)


async def _copy_lines(chunks: Any, prefix: str, out: TextIO) -> None:
    pending = b""
    async for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            out.write(prefix + line.decode("utf-8", "replace") + "\n")
        out.flush()
    if pending:
        out.write(prefix + pending.decode("utf-8", "replace") + "\n")
        out.flush()


# -- reporting ------------------------------------------------------------------------------


def _summary(store: Any, runs: list[dict[str, Any]], elapsed: float, out: TextIO) -> None:
    from tektite.cli.formatting import step_state

    for r in runs:
        c = condition(r)
        verdict = {"True": "succeeded", "False": "failed"}.get(c.get("status", ""), "unfinished")
        out.write(
            f"{r['kind']} {r['metadata']['name']} {verdict}: "
            f"{c.get('reason', '')}: {c.get('message', '')}\n"
        )
        if r["kind"] == "PipelineRun":
            for line in pipeline_tree(r, children(store, r)):
                out.write(line + "\n")
            continue
        for step in (r.get("status") or {}).get("steps") or ():
            term = step.get("terminated") or {}
            reason = step.get("terminationReason") or step_state(step)
            out.write(
                f"  {step.get('name', ''):<24} {reason:<16} exit {term.get('exitCode', '-')}\n"
            )
    out.write(f"done in {elapsed:.2f}s\n")
    out.flush()


def pipeline_tree(run: dict[str, Any], task_runs: list[dict[str, Any]]) -> list[str]:
    """The PipelineRun's tasks in pipeline order (finally last), each with its outcome,
    reason and duration; a skipped task with why; a failed one with its message."""
    status = run.get("status") or {}
    spec = status.get("pipelineSpec") or (run.get("spec") or {}).get("pipelineSpec") or {}
    skipped = {s["name"]: s.get("reason", "") for s in status.get("skippedTasks") or ()}
    by_task: dict[str, list[dict[str, Any]]] = {}
    for tr in task_runs:
        label = (tr["metadata"].get("labels") or {}).get("tekton.dev/pipelineTask", "")
        by_task.setdefault(label, []).append(tr)
    rows: list[tuple[str, str, str, str, str]] = []
    for section in ("tasks", "finally"):
        for pt in spec.get(section) or ():
            name = pt["name"] if section == "tasks" else f"{pt['name']} (finally)"
            runs = by_task.get(pt["name"], [])
            if pt["name"] in skipped:
                rows.append((name, "Skipped", skipped[pt["name"]], "", ""))
            elif not runs:
                rows.append((name, "NotRun", "", "", ""))
            for tr in runs:
                c = condition(tr)
                outcome = {"True": "Succeeded", "False": "Failed"}.get(
                    c.get("status", ""), "Running"
                )
                message = c.get("message", "") if outcome == "Failed" else ""
                label = name if len(runs) == 1 else f"{name} [{tr['metadata']['name']}]"
                rows.append((label, outcome, c.get("reason", ""), _duration(tr), message))
    width = max((len(r[0]) for r in rows), default=0)
    lines = []
    for i, (name, outcome, reason, duration, message) in enumerate(rows):
        branch = "└─" if i == len(rows) - 1 else "├─"
        lines.append(f"  {branch} {name:<{width}}  {outcome:<9}  {reason:<24} {duration}".rstrip())
        if message:
            indent = "   " if i == len(rows) - 1 else "│  "
            lines.append(f"  {indent} {message}")
    return lines


def _duration(obj: dict[str, Any]) -> str:
    """completionTime - startTime, as ``3s`` (timestamps have whole seconds)."""
    from tektite.engine.taskrun_state import parse_time

    status = obj.get("status") or {}
    start, end = status.get("startTime"), status.get("completionTime")
    if not start or not end:
        return ""
    return f"{(parse_time(end) - parse_time(start)).total_seconds():.0f}s"
