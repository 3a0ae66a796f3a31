"""``tektite serve``: the embedded controller as a long-lived local daemon.

It holds the data directory's controller lock (``<data_dir>/controller.lock``, an
``flock`` with the daemon's pid in it) for as long as it runs, so a second daemon — or
a CLI command that would run the controller itself — sees it and leaves the
reconciling to it. The kernel drops the lock when the daemon dies, even by
``kill -9``: the pid left in the file is then known to be stale.

Runs created by any process (``tektite task start``, ``tektite create -f``…) are
picked up through the store's watch, including those created while no controller ran.

Stopping (SIGTERM or SIGINT): the controller stops and the Pods still running are
killed — with the host runtime they are this process's children, so nobody could watch
them after it exits. Their runs stay as they were in the store and are taken up again
by the next controller (a restarted ``serve``, or a CLI command), as after a crash.
Log lines go to standard error.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tektite.cli.options import config_options, load_config, runtime_options
from tektite.controller_lock import lock_path, stale_holder

if TYPE_CHECKING:
    from tektite.api.config import Config
    from tektite.runtime.image_map import ImageMap
    from tektite.store.protocol import Store

log = logging.getLogger("tektite.serve")


@click.command()
@runtime_options
@click.option("-v", "--verbose", is_flag=True, help="Log at debug level.")
@config_options
def serve(runtime: str, image_maps: tuple[str, ...], verbose: bool, **config_args: object) -> None:
    """Run the controller as a daemon on the data directory until stopped."""
    from tektite.controller_lock import ControllerBusy
    from tektite.embedded import RuntimeUnavailable, data_dir
    from tektite.runtime.image_map import ImageMap, ImageMapError
    from tektite.store.errors import StoreError

    config = load_config(config_args)
    try:
        image_map = ImageMap.from_sources(image_maps)
    except ImageMapError as e:
        raise click.ClickException(str(e)) from None
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    root = data_dir()
    try:
        code = asyncio.run(_serve(config, runtime, root, image_map))
    except ControllerBusy as e:
        raise click.ClickException(f"{e}: not starting a second one") from None
    except (RuntimeUnavailable, StoreError) as e:
        raise click.ClickException(str(e)) from None
    sys.exit(code)


async def _serve(config: Config, runtime: str, root: Path, image_map: ImageMap) -> int:
    from tektite.controller_lock import SERVE
    from tektite.embedded import embedded

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[str] = []

    def on_signal(signum: signal.Signals) -> None:
        received.append(signum.name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    stale = stale_holder(root)
    if stale is not None:
        log.info(
            "pid %s in %s is stale: that controller ended without stopping",
            stale.pid,
            lock_path(root),
        )
    try:
        async with embedded(config, runtime, root, role=SERVE, image_map=image_map) as env:
            log.info(
                "serving %s (pid %d, runtime %s); lock file %s",
                env.root,
                os.getpid(),
                env.runtime.name,
                lock_path(env.root),
            )
            await stop.wait()
            running = _running_taskruns(env.store)
            log.info(
                "%s: stopping; Pods of %d running TaskRun(s) are killed: %s",
                received[0],
                len(running),
                ", ".join(running) or "none",
            )
    except asyncio.CancelledError:
        if not stop.is_set():
            raise
        # The runtime's Pod deletion was interrupted from inside (seen when a Pod is
        # killed while it is still starting): say so rather than print a traceback.
        log.error("stopped, but the runtime did not confirm that every Pod was killed")
        return 1
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    log.info("stopped")
    return 0


def _running_taskruns(store: Store) -> list[str]:
    """``namespace/name`` of the TaskRuns whose Pod is running."""
    from tektite.local_runs import is_done

    return [
        f"{r['metadata']['namespace']}/{r['metadata']['name']}"
        for r in store.list("TaskRun")
        if (r.get("status") or {}).get("podName") and not is_done(r)
    ]
