"""``tektite taskrun logs`` / ``tektite pipelinerun logs``: tkn's log readers, over the
log files the runtime keeps and the runs in the store.

The runtime writes each container's output to
``<data_dir>/logs/<namespace>/<pod>/<container>.log`` and keeps it after the Pod is
gone, so logs are read from those files — after the run ended, with or without a
controller running, from any process. Which containers a Pod had and whether they have
ended comes from the TaskRun's status (``steps``, ``sidecars``, ``retriesStatus``),
as tkn reads it from the Pod.

The output is tkn's: ``[step] line`` for a TaskRun, ``[task : step] line`` for a
PipelineRun, a blank line after each step, tkn's rainbow colours on a terminal, and
tkn's error lines on standard error (``task X has failed: …``, ``container step-x has
failed …``, the PipelineRun's failure message last).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from tektite.cli.common import namespace_option, open_store, use_color
from tektite.runtime.logfile import follow_log, log_path, pod_log_dir
from tektite.store.protocol import Store

if TYPE_CHECKING:
    from tektite.store.sqlite import SqliteStore

_F = TypeVar("_F", bound=Callable[..., Any])

# tkn's palette (fatih/color FgHi*): green, yellow, blue, magenta, cyan; red is errors.
_PALETTE = (92, 93, 94, 95, 96)
_RED = 91
POLL_SECONDS = 0.05
ACTIVITY_TIMEOUT = 10.0
"""tkn's ``activityTimeout``: how long a reader waits with nothing happening."""
INIT_ORDER = ("prepare", "place-scripts", "working-dir-initializer")
"""Tekton's init containers, in the order its Pod builder adds them."""


class LogError(Exception):
    """An error tkn returns from its reader: printed as ``Error: …``, exit status 1."""


class Writer:
    """tkn's log writer: prefixes, colours, a blank line after each step, errors."""

    def __init__(self, out: TextIO, err: TextIO, *, pipeline: bool, color: bool) -> None:
        self.out = out
        self.err = err
        self.pipeline = pipeline
        self.color = color
        self.prefix = True
        self._colors: dict[str, int] = {}

    def _paint(self, code: int, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def line(self, task: str, step: str, text: str) -> None:
        """One log line of ``step``."""
        prefix = ""
        if self.prefix:
            code = self._colors.setdefault(step, _PALETTE[len(self._colors) % len(_PALETTE)])
            label = f"[{task} : {step}] " if self.pipeline else f"[{step}] "
            prefix = self._paint(code, label)
        self.out.write(f"{prefix}{text}\n")

    def end_of_step(self) -> None:
        """tkn's ``EOFLOG``: an empty line after a step's output."""
        self.out.write("\n")
        self.out.flush()

    def error(self, message: str) -> None:
        """An error line on standard error (red on a terminal)."""
        self.out.flush()
        self.err.write(self._paint(_RED, message) + "\n" if self.color else message + "\n")
        self.err.flush()

    def note(self, message: str) -> None:
        """A plain line on standard error (tkn writes these without colour)."""
        self.out.flush()
        self.err.write(message + "\n")
        self.err.flush()


@dataclass
class Reader:
    """What to read and how: tkn's ``LogOptions`` and ``Reader`` fields."""

    store: Store
    root: Path
    namespace: str
    writer: Writer
    follow: bool = False
    all_steps: bool = False
    steps: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    failed_only: bool = False
    activity_timeout: float = ACTIVITY_TIMEOUT
    task: str = ""
    number: int = 0
    is_done: Callable[[], bool] = field(default=lambda: False)
    """Extra stop condition for following (set when the caller's run was cancelled)."""

    # -- TaskRuns ------------------------------------------------------------------------

    async def taskrun(self, name: str) -> None:
        """Print a TaskRun's logs (tkn's ``readTaskLog`` and its writer)."""
        tr = self.store.get("TaskRun", self.namespace, name)
        if tr is None:
            raise LogError(f'Unable to get TaskRun: taskruns.tekton.dev "{name}" not found')
        task = self.task or _task_name(tr, self.number)
        if not _done(tr) and self.follow:
            await self._live_taskrun(name, task, tr)
        else:
            await self._available_taskrun(name, task, tr)

    async def _available_taskrun(self, name: str, task: str, tr: dict[str, Any]) -> None:
        status = tr.get("status") or {}
        if not status.get("startTime"):
            raise LogError(f"task {task} has not started yet")
        failed = _condition(tr)
        if failed.get("status") == "False":
            self.writer.note(f"task {task} has failed: {failed.get('message', '')}")
        if not status.get("podName"):
            raise LogError(f"pod for taskrun {name} not available yet")
        pods = [r.get("podName", "") for r in status.get("retriesStatus") or ()]
        pods.append(status["podName"])
        for pod in pods:
            await self._pod(name, task, pod, follow=False)

    async def _live_taskrun(self, name: str, task: str, tr: dict[str, Any]) -> None:
        seen: list[str] = []
        loop = asyncio.get_running_loop()
        last_change = loop.time()
        version = tr["metadata"].get("resourceVersion")
        while True:
            status = tr.get("status") or {}
            pods = [r.get("podName", "") for r in status.get("retriesStatus") or ()]
            if status.get("podName"):
                pods.append(status["podName"])
            for pod in pods:
                if pod and pod not in seen:
                    seen.append(pod)
                    await self._pod(name, task, pod, follow=True)
                    last_change = loop.time()
            if _done(tr) or self.is_done():
                return
            if seen and not _retry_pending(tr):
                return
            if loop.time() - last_change > self.activity_timeout:
                failed = _condition(tr)
                if failed.get("status") == "False":
                    raise LogError(f"task {task} has failed: {failed.get('message', '')}")
                raise LogError(f"task {task} has not started yet or pod for task not yet available")
            await asyncio.sleep(POLL_SECONDS)
            current = self.store.get("TaskRun", self.namespace, name)
            if current is None:
                return
            if current["metadata"].get("resourceVersion") != version:
                version = current["metadata"].get("resourceVersion")
                last_change = loop.time()
            tr = current

    async def _pod(self, name: str, task: str, pod: str, *, follow: bool) -> None:
        """tkn's ``readPodLogs`` for one Pod: its steps one after the other."""
        directory = pod_log_dir(self.root, self.namespace, pod)
        tr = self.store.get("TaskRun", self.namespace, name) or {}
        if follow:
            tr = await self._wait_for_containers(name, pod, tr)
        containers = _pod_containers(tr, pod)
        if containers is None and not directory.is_dir():
            self._error(
                task,
                f'task {task} failed: pods "{pod}" not found. '
                f"Run tektite tr desc {name} for more details",
            )
            return
        steps = _filter_steps(containers or [], directory, self.all_steps, self.steps)
        if not steps:
            self._error(task, f"no steps found for task {task}")
            return
        for step, container in steps:
            state = _container_state(tr, pod, container)
            if (
                not follow
                and not directory.joinpath(f"{container}.log").exists()
                and (state is None or "waiting" in state)
            ):
                continue  # tkn skips steps that never started
            await self._copy(name, pod, task, step, container, follow)
            self.writer.end_of_step()
            current = self.store.get("TaskRun", self.namespace, name) or tr
            failure = _container_failure(_container_state(current, pod, container), container)
            if failure:
                self._error(task, failure)
                return

    def _error(self, task: str, message: str) -> None:
        """An error of the log stream; a PipelineRun's reader names the task (tkn's
        ``pipeLogs``)."""
        if self.writer.pipeline:
            message = f"failed to get logs for task {task} : {message}"
        self.writer.error(message)

    async def _wait_for_containers(self, name: str, pod: str, tr: dict[str, Any]) -> dict[str, Any]:
        """tkn's ``Pod.Wait``: until the TaskRun's status lists the Pod's containers."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.activity_timeout
        while _pod_containers(tr, pod) is None and not _done(tr) and loop.time() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            tr = self.store.get("TaskRun", self.namespace, name) or tr
        return tr

    async def _copy(
        self, name: str, pod: str, task: str, step: str, container: str, follow: bool
    ) -> None:
        """Print a container's log; when following, until the container has ended."""
        path = log_path(self.root, self.namespace, pod, container)

        async def wait() -> None:
            self.writer.out.flush()
            await asyncio.sleep(POLL_SECONDS)

        pending = b""
        async for chunk in follow_log(
            path, follow=follow, finished=lambda: self._ended(name, pod, container), wait=wait
        ):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self.writer.line(task, step, line.decode("utf-8", "replace"))
        self.writer.out.flush()
        if pending:
            self.writer.line(task, step, pending.decode("utf-8", "replace"))

    def _ended(self, name: str, pod: str, container: str) -> bool:
        tr = self.store.get("TaskRun", self.namespace, name)
        if tr is None or _done(tr) or self.is_done():
            return True
        state = _container_state(tr, pod, container)
        if state is None:
            # Not listed: an init container (they end before the steps start) or a Pod
            # of an earlier attempt.
            return (tr.get("status") or {}).get("podName") != pod or bool(
                (tr.get("status") or {}).get("steps")
            )
        return "terminated" in state

    # -- PipelineRuns --------------------------------------------------------------------

    async def pipelinerun(self, name: str) -> None:
        """Print a PipelineRun's logs (tkn's ``readPipelineLog`` and its writer)."""
        pr = self.store.get("PipelineRun", self.namespace, name)
        if pr is None:
            raise LogError(f'pipelineruns.tekton.dev "{name}" not found')
        if not _done(pr) and self.follow and not self.failed_only:
            await self._live_pipelinerun(name)
        else:
            await self._available_pipelinerun(name)
        pr = self.store.get("PipelineRun", self.namespace, name) or pr
        failed = _condition(pr)
        if failed.get("status") == "False":
            self.writer.error(str(failed.get("message", "")))

    async def _live_pipelinerun(self, name: str) -> None:
        started: dict[str, asyncio.Task[None]] = {}
        try:
            while True:
                pr = self.store.get("PipelineRun", self.namespace, name)
                if pr is None:
                    break
                for child, task in _children(pr):
                    if child in started or (self.tasks and task not in self.tasks):
                        continue
                    if self.store.get("TaskRun", self.namespace, child) is None:
                        continue  # referenced before it is stored: next round
                    # The readers of runs that have ended finish first, so that a run
                    # that starts after another (runAfter) is printed after it even
                    # when it is over before that reader's next look at its log.
                    await self._drain_ended(started)
                    reader = replace(self, task=task, number=len(started) + 1)
                    started[child] = asyncio.create_task(reader._pipe(child))
                if _done(pr) or self.is_done():
                    break
                await asyncio.sleep(POLL_SECONDS)
            if started:
                await asyncio.gather(*started.values())
        finally:
            for t in started.values():
                t.cancel()

    async def _drain_ended(self, readers: dict[str, asyncio.Task[None]]) -> None:
        """Wait for the readers whose TaskRun has ended (they finish within one poll)."""
        ending = [
            reader
            for name, reader in readers.items()
            if not reader.done() and _done(self.store.get("TaskRun", self.namespace, name) or {})
        ]
        if ending:
            await asyncio.wait(ending)

    async def _pipe(self, taskrun: str) -> None:
        """tkn's ``pipeLogs``: one TaskRun of the PipelineRun, its errors prefixed."""
        try:
            await self.taskrun(taskrun)
        except LogError as e:
            self.writer.error(str(e))

    async def _available_pipelinerun(self, name: str) -> None:
        await self._wait_until_available(name)
        pr = self.store.get("PipelineRun", self.namespace, name)
        if pr is None:
            raise LogError(f'pipelineruns.tekton.dev "{name}" not found')
        ordered = self._ordered_tasks(pr)
        runs = [(tr, task) for tr, task in ordered if not self.tasks or task in self.tasks]
        if not runs and self.tasks:
            available = " ".join(task for _, task in ordered)
            raise LogError(
                f"passed filtered tasks: [{' '.join(self.tasks)}] is not available, "
                f"available tasks are: [{available}]"
            )
        if self.failed_only:
            # tkn's FilterByStatus: only the TaskRuns whose Succeeded condition is False.
            runs = [
                (tr, task)
                for tr, task in runs
                if _condition(self.store.get("TaskRun", self.namespace, tr) or {}).get("status")
                == "False"
            ]
            if not runs:
                raise LogError(f"no failed TaskRuns found in PipelineRun {name}")
        for i, (tr, task) in enumerate(runs):
            reader = replace(self, task=task, number=i + 1)
            await reader._pipe(tr)

    async def _wait_until_available(self, name: str) -> None:
        """tkn's ``waitUntilAvailable``: a running PipelineRun is waited for, as long as
        something happens to it at least every ``activity_timeout`` seconds."""
        pr = self.store.get("PipelineRun", self.namespace, name)
        if pr is None or not _condition(pr) or _done(pr):
            return
        loop = asyncio.get_running_loop()
        version = pr["metadata"].get("resourceVersion")
        last_change = loop.time()
        first = True
        while True:
            await asyncio.sleep(POLL_SECONDS)
            pr = self.store.get("PipelineRun", self.namespace, name)
            if pr is None or _done(pr):
                return
            if pr["metadata"].get("resourceVersion") != version:
                version = pr["metadata"].get("resourceVersion")
                last_change = loop.time()
                if first:
                    first = False
                    self.writer.out.write("Pipeline still running ...\n")
            elif loop.time() - last_change > self.activity_timeout:
                message = _condition(pr).get("message", "")
                self.writer.out.write(f"PipelineRun is still running: {message}\n")
                return

    def _ordered_tasks(self, pr: dict[str, Any]) -> list[tuple[str, str]]:
        """The PipelineRun's TaskRuns in the order of its pipeline's tasks, then
        finally (tkn's ``SortTasksBySpecOrder``)."""
        spec = (pr.get("status") or {}).get("pipelineSpec") or (pr.get("spec") or {}).get(
            "pipelineSpec"
        )
        if not spec:
            ref = (pr.get("spec") or {}).get("pipelineRef") or {}
            pipeline = self.store.get("Pipeline", self.namespace, ref.get("name", ""))
            if pipeline is None:
                if ref.get("name"):
                    raise LogError(f'pipelines.tekton.dev "{ref["name"]}" not found')
                raise LogError(
                    f"pipelinerun {pr['metadata']['name']} did not provide "
                    "PipelineRef or PipelineSpec"
                )
            spec = pipeline.get("spec") or {}
        children = _children(pr)
        ordered: list[tuple[str, str]] = []
        for pt in [*(spec.get("tasks") or ()), *(spec.get("finally") or ())]:
            ordered.extend(sorted((c, t) for c, t in children if t == pt.get("name")))
        return ordered


# -- reading the TaskRun's status ------------------------------------------------------------


def _condition(run: dict[str, Any]) -> dict[str, Any]:
    for c in (run.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Succeeded":
            return dict(c)
    return {}


def _done(run: dict[str, Any]) -> bool:
    return _condition(run).get("status") in ("True", "False")


def _task_name(tr: dict[str, Any], number: int) -> str:
    """tkn's ``formTaskName``: the pipeline task, else the Task referenced."""
    labels = tr["metadata"].get("labels") or {}
    if "tekton.dev/pipelineTask" in labels:
        return str(labels["tekton.dev/pipelineTask"])
    ref = (tr.get("spec") or {}).get("taskRef") or {}
    if ref.get("name"):
        return str(ref["name"])
    return f"Task {number}"


def _retry_pending(tr: dict[str, Any]) -> bool:
    """tkn's ``areRetriesScheduled``: the run is not done and has retries left."""
    retries = int((tr.get("spec") or {}).get("retries") or 0)
    return not _done(tr) and len((tr.get("status") or {}).get("retriesStatus") or ()) < retries


def _attempt(tr: dict[str, Any], pod: str) -> dict[str, Any] | None:
    """The status of the attempt that ran ``pod`` (the current one or a retry)."""
    status = tr.get("status") or {}
    if status.get("podName") == pod:
        return dict(status)
    for retry in status.get("retriesStatus") or ():
        if retry.get("podName") == pod:
            return dict(retry)
    return None


def _pod_containers(tr: dict[str, Any], pod: str) -> list[tuple[str, str]] | None:
    """``(step name, container)`` of the Pod's containers, steps then sidecars as the
    Pod builder orders them; None while the status does not list them yet."""
    attempt = _attempt(tr, pod)
    if attempt is None or not attempt.get("steps"):
        return None
    out = []
    for s in [*(attempt.get("steps") or ()), *(attempt.get("sidecars") or ())]:
        container = str(s.get("container") or "")
        if container:
            out.append((container.removeprefix("step-"), container))
    return out


def _container_state(tr: dict[str, Any], pod: str, container: str) -> dict[str, Any] | None:
    attempt = _attempt(tr, pod) or {}
    for s in [*(attempt.get("steps") or ()), *(attempt.get("sidecars") or ())]:
        if s.get("container") == container:
            return dict(s)
    return None


def _container_failure(state: dict[str, Any] | None, container: str) -> str:
    """tkn's ``Container.Status``: a container that exited with status 1 failed."""
    term = (state or {}).get("terminated") or {}
    if term.get("exitCode") != 1:
        return ""
    msg = ""
    if term.get("reason") and term["reason"] != "Error":
        msg += " : " + str(term["reason"])
    if term.get("message") and term["message"] != "Error":
        msg += " : " + str(term["message"])
    return f"container {container} has failed {msg}"


def _filter_steps(
    containers: list[tuple[str, str]], directory: Path, all_steps: bool, wanted: tuple[str, ...]
) -> list[tuple[str, str]]:
    """tkn's ``filterSteps``: init containers first with ``--all``, then the steps
    (only those named with ``--step``)."""
    steps: list[tuple[str, str]] = []
    if all_steps:
        known = {c for _, c in containers}
        files = sorted(p.stem for p in directory.glob("*.log")) if directory.is_dir() else []
        inits = [f for f in files if f not in known]
        inits.sort(key=lambda n: (INIT_ORDER.index(n) if n in INIT_ORDER else len(INIT_ORDER), n))
        steps.extend((n.removeprefix("step-"), n) for n in inits)
    if not wanted:
        return steps + containers
    return steps + [(s, c) for s, c in containers if s in wanted]


def _children(pr: dict[str, Any]) -> list[tuple[str, str]]:
    """``(TaskRun name, pipeline task)`` of the PipelineRun's child TaskRuns."""
    refs = (pr.get("status") or {}).get("childReferences") or ()
    return [
        (str(r["name"]), str(r.get("pipelineTaskName", "")))
        for r in refs
        if r.get("kind", "TaskRun") == "TaskRun" and r.get("name")
    ]


# -- choosing the run ----------------------------------------------------------------------


def pick_run(
    store: Store,
    kind: str,
    namespace: str,
    last: bool,
    limit: int,
    label_selector: str | None = None,
) -> str | None:
    """tkn's ``askRunName``: the only or newest run with ``--last``, else a prompt
    listing the newest ``limit`` runs (only on a terminal)."""
    from tektite.cli.common import now
    from tektite.cli.formatting import age, sort_newest_first

    listed = store.list(kind, namespace, label_selector=label_selector)
    runs = sort_newest_first(listed)[: max(limit, 0) or None]
    if not runs:
        return None
    if len(runs) == 1 or last:
        return str(runs[0]["metadata"]["name"])
    moment = now()
    options = [
        f"{r['metadata']['name']} started {age((r.get('status') or {}).get('startTime'), moment)}"
        for r in runs
    ]
    hint = f"{len(runs)} {kind}s in namespace {namespace}: give a name, or --last for the newest"
    return str(runs[_prompt(kind.lower(), options, hint)]["metadata"]["name"])


def _prompt(what: str, options: list[str], hint: str) -> int:
    """The index of the option chosen at tkn's ``Select <what>`` prompt; only on a
    terminal (elsewhere ``hint`` is the error)."""
    if not sys.stdin.isatty():
        raise click.ClickException(hint)
    for i, option in enumerate(options, 1):
        click.echo(f"{i}) {option}", err=True)
    return int(click.prompt(f"Select {what}", type=click.IntRange(1, len(options)), err=True)) - 1


def run_of(
    store: Store, parent_kind: str, names: tuple[str, ...], namespace: str, last: bool, limit: int
) -> str | None:
    """Which run ``tkn task logs`` / ``tkn pipeline logs`` show (``parent_kind`` Task or
    Pipeline; ``names``: ``[PARENT [RUN]]``): the run named; else that of the Task or
    Pipeline named (or the only one, or one chosen at a prompt) that ``--last`` or
    ``askRunName`` picks. None, once tkn's message is printed, when a Pipeline or its
    runs are missing (tkn exits 0 then; for a Task it is an error)."""
    from tektite.cli.common import fail, last_pipelinerun, last_taskrun

    task = parent_kind == "Task"
    resource = "tasks.tekton.dev" if task else "pipelines.tekton.dev"
    if len(names) == 1 and store.get(parent_kind, namespace, names[0]) is None:
        raise fail(f'{resource} "{names[0]}" not found')
    if (task or len(names) < 2) and limit <= 0:
        raise fail(f"limit was {limit} but must be a positive number")
    if len(names) > 2:
        raise fail("too many arguments")
    if len(names) == 2:
        return names[1]
    if names:
        parent = names[0]
    else:
        parents = sorted(str(o["metadata"]["name"]) for o in store.list(parent_kind, namespace))
        if not parents:
            if task:
                raise fail(f"no Tasks found in namespace {namespace}")
            sys.stdout.write(f"No Pipelines found in namespace {namespace}")
            return None
        hint = f"{len(parents)} {parent_kind}s in namespace {namespace}: give a name"
        parent = parents[0] if len(parents) == 1 else parents[_prompt(parent_kind, parents, hint)]
    if last:
        latest = (last_taskrun if task else last_pipelinerun)(store, parent, namespace)
        return str(latest["metadata"]["name"])
    run_kind = "TaskRun" if task else "PipelineRun"
    selector = f"tekton.dev/{parent_kind.lower()}={parent}"
    name = pick_run(store, run_kind, namespace, False, limit, selector)
    if name is None:
        if task:
            raise fail(f"no TaskRuns found for Task {parent}")
        sys.stdout.write(f"No PipelineRuns found for Pipeline {parent}")
    return name


# -- the commands ----------------------------------------------------------------------------


def run_reader(kind: str, name: str, reader: Reader) -> None:
    """Read a run's logs to the end; ``LogError`` becomes tkn's ``Error:`` line."""
    try:
        if kind == "TaskRun":
            asyncio.run(reader.taskrun(name))
        else:
            asyncio.run(reader.pipelinerun(name))
    except LogError as e:
        raise click.ClickException(str(e)) from None
    except KeyboardInterrupt:
        sys.exit(130)


def warn_if_nobody_runs_it(store: Store, root: Path, kind: str, namespace: str, name: str) -> None:
    """Following a run that no controller will ever advance would wait for nothing:
    say so (tkn cannot have this case: a cluster always runs its controller)."""
    from tektite.controller_lock import holder

    run = store.get(kind, namespace, name)
    if run is not None and not _done(run) and holder(root) is None:
        click.echo(
            f"tektite: no controller runs on {root}: {kind} {name} will not progress "
            "until one does (tektite serve, or a tektite start --showlog)",
            err=True,
        )


def exit_status(store: Store, kind: str, namespace: str, name: str) -> int:
    """tkn's ``-E``: 0 succeeded, 1 failed, 2 unknown."""
    run = store.get(kind, namespace, name) or {}
    c = _condition(run)
    if not c:
        return 2
    return 1 if c.get("status") == "False" else 0


def show_logs(
    store: SqliteStore,
    kind: str,
    namespace: str,
    name: str,
    *,
    follow: bool,
    all_steps: bool,
    prefix: bool = True,
    steps: tuple[str, ...] = (),
    tasks: tuple[str, ...] = (),
    failed_only: bool = False,
) -> None:
    """Print the logs of the ``kind`` (TaskRun or PipelineRun) ``name`` as ``tkn
    taskrun logs`` / ``tkn pipelinerun logs`` do."""
    if follow:
        warn_if_nobody_runs_it(store, store.path.parent, kind, namespace, name)
    writer = Writer(sys.stdout, sys.stderr, pipeline=kind == "PipelineRun", color=use_color())
    writer.prefix = prefix
    reader = Reader(
        store,
        store.path.parent,
        namespace,
        writer,
        follow=follow,
        all_steps=all_steps,
        steps=steps,
        tasks=tasks,
        failed_only=failed_only,
    )
    run_reader(kind, name, reader)


# The options the logs commands share, as tkn spells them.
_FOLLOW = click.option("-f", "--follow", is_flag=True, help="stream live logs")
_ALL_STEPS = click.option(
    "-a",
    "--all",
    "all_steps",
    is_flag=True,
    help="show all logs including init steps injected by tekton",
)


def _last(kind: str) -> Callable[[_F], _F]:
    return click.option("-L", "--last", is_flag=True, help=f"show logs for last {kind}")


def _limit(kind: str) -> Callable[[_F], _F]:
    return click.option("--limit", default=5, show_default=True, help=f"lists number of {kind}s")


def _prefix(source: str) -> Callable[[_F], _F]:
    return click.option(
        "--prefix/--no-prefix",
        default=True,
        help=f"prefix each log line with the log source ({source})",
    )


@click.command("logs")
@click.argument("name", required=False)
@_FOLLOW
@_last("TaskRun")
@_ALL_STEPS
@click.option("-s", "--step", "steps", multiple=True, help="show logs for mentioned steps only")
@_prefix("step name")
@_limit("TaskRun")
@namespace_option
def taskrun_logs(
    name: str | None,
    follow: bool,
    last: bool,
    all_steps: bool,
    steps: tuple[str, ...],
    prefix: bool,
    limit: int,
    namespace: str,
) -> None:
    """Show TaskRuns logs."""
    if steps and all_steps:
        raise click.ClickException("option --all and option --step are not compatible")
    steps = tuple(s for v in steps for s in v.split(",") if s)
    with open_store() as store:
        if not name:
            name = pick_run(store, "TaskRun", namespace, last, limit)
            if name is None:
                raise click.ClickException("No TaskRuns found")
        show_logs(
            store,
            "TaskRun",
            namespace,
            name,
            follow=follow,
            all_steps=all_steps,
            prefix=prefix,
            steps=steps,
        )


@click.command("logs")
@click.argument("name", required=False)
@_FOLLOW
@_last("PipelineRun")
@_ALL_STEPS
@click.option("-t", "--task", "tasks", multiple=True, help="show logs for mentioned Tasks only")
@_prefix("task name and step name")
@click.option(
    "-E",
    "--exit-with-pipelinerun-error",
    "exit_with_error",
    is_flag=True,
    help="exit with pipelinerun to the unix shell, 0 if success, 1 if error, 2 on unknown status",
)
@click.option("--log-failed", "failed_only", is_flag=True, help="show logs for failed tasks only")
@_limit("PipelineRun")
@namespace_option
def pipelinerun_logs(
    name: str | None,
    follow: bool,
    last: bool,
    all_steps: bool,
    tasks: tuple[str, ...],
    prefix: bool,
    exit_with_error: bool,
    failed_only: bool,
    limit: int,
    namespace: str,
) -> None:
    """Show the logs of a PipelineRun."""
    tasks = tuple(t for v in tasks for t in v.split(",") if t)
    with open_store() as store:
        if not name:
            name = pick_run(store, "PipelineRun", namespace, last, limit)
            if name is None:
                sys.stdout.write("No PipelineRuns found")  # tkn: no newline, exit 0
                return
        show_logs(
            store,
            "PipelineRun",
            namespace,
            name,
            follow=follow,
            all_steps=all_steps,
            prefix=prefix,
            tasks=tasks,
            failed_only=failed_only,
        )
        if exit_with_error:
            sys.exit(exit_status(store, "PipelineRun", namespace, name))


@click.command("logs")
@click.argument("names", nargs=-1, metavar="[TASK [TASKRUN]]")
@_FOLLOW
@_last("TaskRun")
@_ALL_STEPS
@_limit("TaskRun")
@namespace_option
def task_logs(
    names: tuple[str, ...], follow: bool, last: bool, all_steps: bool, limit: int, namespace: str
) -> None:
    """Show Task logs: of the TaskRun named, else of the Task's newest with --last, else
    of one chosen among its newest."""
    with open_store() as store:
        name = run_of(store, "Task", names, namespace, last, limit)
        if name is not None:
            show_logs(store, "TaskRun", namespace, name, follow=follow, all_steps=all_steps)


@click.command("logs")
@click.argument("names", nargs=-1, metavar="[PIPELINE [PIPELINERUN]]")
@_FOLLOW
@_last("PipelineRun")
@_ALL_STEPS
@_limit("PipelineRun")
@_prefix("task name and step name")
@namespace_option
def pipeline_logs(
    names: tuple[str, ...],
    follow: bool,
    last: bool,
    all_steps: bool,
    limit: int,
    prefix: bool,
    namespace: str,
) -> None:
    """Show Pipeline logs: of the PipelineRun named, else of the Pipeline's newest with
    --last, else of one chosen among its newest."""
    with open_store() as store:
        name = run_of(store, "Pipeline", names, namespace, last, limit)
        if name is not None:
            show_logs(
                store,
                "PipelineRun",
                namespace,
                name,
                follow=follow,
                all_steps=all_steps,
                prefix=prefix,
            )
