"""Create a run and see it through, with or without ``tektite serve``.

When a daemon holds the data directory's controller lock, the run is only created:
the daemon runs it, and ``--showlog`` follows its logs from the log files. When no
controller runs, this process runs the embedded controller itself until the run has
ended (Ctrl-C cancels the run, as ``tektite run`` does) — taking the same lock, so the
daemon and an in-process controller never reconcile at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import click

from tektite.api.config import Config
from tektite.cli.logs import LogError, Reader, Writer, exit_status
from tektite.controller_lock import SERVE, ControllerBusy, Holder, holder
from tektite.local_runs import cancel, condition, wait_done, wait_settled
from tektite.runtime.image_map import ImageMap

PROGRAM = "tektite"
"""How the hints name the command (tkn's say ``tkn``)."""


@dataclass
class Launch:
    """How to see a new run through."""

    config: Config
    runtime: str = "auto"
    image_map: ImageMap | None = None
    show_log: bool = False
    output: str | None = None
    exit_with_error: bool = False
    color: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)


def started_lines(kind: str, name: str, namespace: str, show_log: bool) -> str:
    """tkn's lines after creating a run."""
    text = f"{kind} started: {name}\n"
    if not show_log:
        text += (
            f"\nIn order to track the {kind} progress run:\n"
            f"{PROGRAM} {kind.lower()} logs {name} -f -n {namespace}\n"
        )
    return text


def launch(run: dict[str, Any], how: Launch) -> int:
    """Create ``run`` and follow it as ``how`` says; the exit status."""
    from tektite.embedded import RuntimeUnavailable, data_dir
    from tektite.store.errors import StoreError

    root = data_dir()
    try:
        return asyncio.run(_launch(run, how, root))
    except KeyboardInterrupt:
        return 130
    except (RuntimeUnavailable, StoreError) as e:
        raise click.ClickException(str(e)) from None


async def _launch(run: dict[str, Any], how: Launch, root: Path) -> int:
    from tektite.embedded import embedded

    busy = holder(root)
    if busy is not None:
        return await _elsewhere(run, how, busy)
    async with contextlib.AsyncExitStack() as stack:
        try:
            env = await stack.enter_async_context(
                embedded(how.config, how.runtime, root, image_map=how.image_map)
            )
        except ControllerBusy as e:  # a daemon started meanwhile
            env = None
            busy = e.holder
        if env is None:
            return await _elsewhere(run, how, busy)
        return await _in_process(env, run, how)
    raise AssertionError("unreachable")


def _create(store: Any, run: dict[str, Any]) -> dict[str, Any]:
    from tektite.store.errors import StoreError

    try:
        created: dict[str, Any] = store.create(run)
    except StoreError as e:
        raise click.ClickException(str(e)) from None
    return created


def _announce(created: dict[str, Any], how: Launch) -> None:
    from tektite.cli.start_format import print_run

    meta = created["metadata"]
    if how.output:
        print_run(created, how.output, how.out)
    else:
        how.out.write(started_lines(created["kind"], meta["name"], meta["namespace"], how.show_log))
    how.out.flush()


def _reader(store: Any, root: Any, created: dict[str, Any], how: Launch) -> Reader:
    pipeline = created["kind"] == "PipelineRun"
    writer = Writer(how.out, how.err, pipeline=pipeline, color=how.color)
    return Reader(store, root, created["metadata"]["namespace"], writer, follow=True)


async def _follow(reader: Reader, created: dict[str, Any], how: Launch) -> None:
    how.out.write("Waiting for logs to be available...\n")
    how.out.flush()
    name = created["metadata"]["name"]
    try:
        if created["kind"] == "PipelineRun":
            await reader.pipelinerun(name)
        else:
            await reader.taskrun(name)
    except LogError as e:
        reader.writer.error(f"Error: {e}")


def _final_status(store: Any, created: dict[str, Any], how: Launch) -> int:
    if how.exit_with_error:
        meta = created["metadata"]
        return exit_status(store, created["kind"], meta["namespace"], meta["name"])
    return 0


async def _elsewhere(run: dict[str, Any], how: Launch, busy: Holder | None) -> int:
    """Another process runs the controller: create the run, follow it from files."""
    from tektite.store.sqlite import SqliteStore

    store = SqliteStore(SqliteStore.default_path())
    try:
        created = _create(store, run)
        _announce(created, how)
        if busy is not None and busy.role != SERVE:
            how.err.write(
                f"{PROGRAM}: no {PROGRAM} serve is running; {busy.describe()} runs the "
                "controller, and this run proceeds only while it does\n"
            )
        if how.show_log and not how.output:
            await _follow(_reader(store, store.path.parent, created, how), created, how)
        return _final_status(store, created, how)
    finally:
        store.close()


async def _in_process(env: Any, run: dict[str, Any], how: Launch) -> int:
    """No controller runs: run it here until the run has ended."""
    created = _create(env.store, run)
    kind, name = created["kind"], created["metadata"]["name"]
    _announce(created, how)
    how.err.write(
        f"{PROGRAM}: no {PROGRAM} serve is running: running {kind} {name} in this process "
        "until it ends (Ctrl-C cancels it)\n"
    )
    how.err.flush()
    loop = asyncio.get_running_loop()
    interrupted = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, interrupted.set)
    follower = None
    if how.show_log and not how.output:
        reader = _reader(env.store, env.root, created, how)
        reader.is_done = interrupted.is_set
        follower = asyncio.create_task(_follow(reader, created, how))
    try:
        finished = await wait_done(env.store, [created], interrupted)
        if not finished:
            how.err.write(f"{PROGRAM}: interrupted: cancelling {kind} {name}\n")
            cancel(env.store, [created])
            await wait_settled(env.store, [created], timeout=10)
        if follower is not None:
            await asyncio.wait({follower}, timeout=5)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        if follower is not None:
            follower.cancel()
    final = env.store.get(kind, created["metadata"]["namespace"], name) or created
    if not how.show_log:
        c = condition(final)
        verdict = {"True": "succeeded", "False": "failed"}.get(c.get("status", ""), "unfinished")
        how.err.write(
            f"{PROGRAM}: {kind} {name} {verdict}: {c.get('reason', '')}: {c.get('message', '')}\n"
        )
    if not finished:
        return 130
    return _final_status(env.store, created, how)
