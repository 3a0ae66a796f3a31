"""``HostRuntime``: run a Pod manifest's containers as local processes.

Each Pod gets ``<data_dir>/pods/<namespace>/<name>/`` with one directory per volume
(see ``volumes``; where there is tmpfs, its ``.tektite`` and the volumes that need not
be on disk live there: ``host_state.scratch_root``, turned off by
``TEKTITE_POD_SCRATCH=disk``), and each container's output goes to
``<data_dir>/logs/<namespace>/<pod>/<container>.log`` (stdout and stderr interleaved
in order), which outlives the Pod. When the runtime closes, its Pods' directories move
to a ``trash`` directory on their filesystem, emptied without waiting. Container
images are not pulled or run, with three exceptions:

- containers of the *entrypoint image* run Tektite's step wrapper as
  ``/ko-app/entrypoint``: the runtime installs a small shim executable at
  ``<data_dir>/ko-app/entrypoint`` that runs ``sys.executable -I -S`` on the in-tree
  ``tektite.entrypoint``, so Tekton's ``prepare`` init container copies it to
  ``/tekton/bin/entrypoint`` exactly as it copies the Go binary; likewise containers of
  the *sidecar-log-results image* (``results-from: sidecar-logs``) run
  ``/ko-app/sidecarlogresults`` (``tektite.entrypoint.sidecarlogresults``) and those
  of the *working-dir-init image* ``/ko-app/workingdirinit`` (a container whose
  command is one of these programs gets them whatever its image);
- containers of the *nop image* without a command exit 0 at once;
- containers of the *shell image* without a command run their args (busybox's
  ``CMD ["sh"]``).

Any other container without ``command`` would need its image's ENTRYPOINT: it stays
waiting with ``CreateContainerConfigError`` and says to use podman or docker.

Busybox-based images (``busybox``, ``alpine``; see ``launch_plan.is_busybox_image``)
get busybox as their shell when the host has it (Debian's ``busybox`` package;
``scripts/setup-host`` installs it): their ``PATH`` starts with a per-runtime directory
of applet links (``ash``, ``sh``, and what the host lacks) and ``/bin/sh`` is busybox
(bind-mounted in namespace mode; in rewrite mode ``/bin/sh`` commands and ``#!/bin/sh``
scripts are run through the applet). Without busybox they see the host's ``sh``.

How containers see their volumes at the ``mountPath``s — private mount namespaces
when running as root, path rewriting otherwise — is described in ``mounts``; the mode
is picked once per runtime and shown as ``runtime.mode``. How a Pod runs (init
containers, sidecars, pre-started steps, probes, teardown) is in ``host_pod``.

Crash safety: Pods outlive the runtime's process. If it dies without ``close`` (``kill
-9``), the containers run on and their exits are recorded on disk; a runtime started
later on the same data directory adopts those Pods and carries them on, and a container
whose process vanished without a recorded exit is reported terminated with
``ContainerStatusUnknown``, as the kubelet does (``host_state`` has the details).
``close`` kills every Pod.

Not reproduced, because a host process is not a container: the root filesystem is the
host's (writes outside volumes land on the host); there is no image ``ENV``, ``USER``
or ``WORKDIR`` (``PATH`` comes from the runtime, ``HOME`` from the user's passwd entry,
and the working directory defaults to the Pod's ``/workspace`` mount, else ``/``);
every Pod shares the host network (two Pods listening on one port collide);
``resources`` are not enforced, so no container ends ``OOMKilled``; ``imageID`` is
empty; ``grpc`` probes are TCP connects; ``restartPolicy`` is always ``Never``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path

import tektite
from tektite.runtime import host_state
from tektite.runtime import mounts as mount_modes
from tektite.runtime.host_pod import HostContext, PodRun
from tektite.runtime.launch_plan import DEFAULT_PATH, BusyboxShell
from tektite.runtime.local_runtime import LOG_POLL_SECONDS, LocalRuntime
from tektite.runtime.mounts import HostMountpoints
from tektite.runtime.proctree import CgroupRoot
from tektite.runtime.protocol import ClusterData, Pod, PodKey
from tektite.runtime.spawner import Spawner
from tektite.runtime.volumes import empty_trash, move_to_trash, remove_pod_dir, remove_pod_dirs

# Linux reads at most this much of a "#!" line (BINPRM_BUF_SIZE, 256 with the newline).
_SHEBANG_LIMIT = 255
LOG_IDLE_POLL_SECONDS = 0.2
"""How often the log of a container that has not started yet is looked at."""


def entrypoint_shim(python: str, source_root: str) -> str:
    """The shim's text: a ``#!`` line running the step wrapper from ``source_root``.

    The whole program sits on the ``#!`` line (``python -ISc<code>``) so the kernel
    never needs read permission: the wrapper's ``init`` copies it with mode 0311, as
    Tekton copies its binary. A path too long for that falls back to a script body
    (which then needs read permission, i.e. root).
    """
    code = (
        "import sys;del sys.argv[0];"
        f"sys.path[:0]=[{source_root!r}];"
        "import tektite.entrypoint.__main__ as m;m._run()"
    )
    line = f"#!{python} -ISc{code}"
    if len(line) < _SHEBANG_LIMIT and not any(char.isspace() for char in python):
        return line + "\n"
    return (
        f"#!{python} -IS\n"
        f"import sys\nsys.path[:0] = [{source_root!r}]\n"
        "import tektite.entrypoint.__main__ as m\nm._run()\n"
    )


def install_shim(directory: Path) -> str:
    """Write the runtime's ``/ko-app`` programs into ``directory`` (the ``entrypoint``
    shim, ``sidecarlogresults``, ``workingdirinit``); return the entrypoint shim's text."""
    source_root = str(Path(tektite.__file__).resolve().parent.parent)
    text = entrypoint_shim(sys.executable, source_root)
    directory.mkdir(parents=True, exist_ok=True)
    _install(directory / "entrypoint", text)
    _install(directory / "sidecarlogresults", program_shim(sys.executable, source_root))
    # Tekton's working-dir-initializer image holds /ko-app/workingdirinit, which creates
    # each relative working directory or one under /workspace/ (cmd/workingdirinit).
    _install(directory / "workingdirinit", _WORKINGDIRINIT)
    return text


def program_shim(python: str, source_root: str) -> str:
    """The ``sidecarlogresults`` program: ``tektite.entrypoint.sidecarlogresults`` run
    by ``python`` (a one-line ``#!`` program when it fits, as the entrypoint shim)."""
    code = (
        "import sys;del sys.argv[0];"
        f"sys.path[:0]=[{source_root!r}];"
        "import tektite.entrypoint.sidecarlogresults as m;"
        "sys.exit(m.main(sys.argv[1:],sys.argv[0]))"
    )
    line = f"#!{python} -ISc{code}"
    if len(line) < _SHEBANG_LIMIT and not any(char.isspace() for char in python):
        return line + "\n"
    return (
        f"#!{python} -IS\n"
        f"import sys\nsys.path[:0] = [{source_root!r}]\n"
        "import tektite.entrypoint.sidecarlogresults as m\n"
        "sys.exit(m.main(sys.argv[1:], sys.argv[0]))\n"
    )


def _install(target: Path, text: str) -> None:
    """Write an executable atomically (a running container may be executing the old one)."""
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text)
    os.chmod(temporary, 0o755)
    os.replace(temporary, target)


_WORKINGDIRINIT = """#!/bin/sh
# In rewrite mode /workspace reaches this program as its host path: the view's.
ws=/workspace
[ -n "$TEKTITE_TEKTON_DIR" ] && ws="${TEKTITE_TEKTON_DIR%/tekton}/workspace"
for d in "$@"; do
  case "$d" in
    "$ws"/*|[!/]*) mkdir -p -m 0755 "$d" || exit 1 ;;
  esac
done
"""


TRASH = "trash"
"""Under the data directory (and beside the scratch roots): closed Pods' directories,
being removed (``volumes.remove_pod_dirs``)."""


class HostRuntime(LocalRuntime[PodRun]):
    """A ``PodRuntime`` that runs containers as host processes."""

    name = "host"

    def __init__(
        self,
        data_dir: Path,
        cluster: ClusterData,
        *,
        entrypoint_image: str,
        shell_image: str,
        nop_image: str,
        mode: str | None = None,
        prewarm: int = 2,
        max_grace_seconds: float | None = None,
        cgroups: bool = True,
        sidecar_log_results_image: str = "",
        working_dir_init_image: str = "",
        busybox: bool = True,
    ) -> None:
        """Create the runtime; ``mode`` forces ``namespace`` or ``rewrite`` (default:
        detected). ``prewarm`` is how many gated steps are pre-started;
        ``max_grace_seconds`` caps ``terminationGracePeriodSeconds``; ``cgroups=False``
        tracks container processes by session even where cgroup v2 is usable. The
        sidecar-log-results and working-dir-init images (Tekton's ``PodImages``) run the
        runtime's programs without a command; ``busybox=False`` turns off the busybox
        shell of busybox-based images."""
        data_dir = Path(data_dir).resolve()
        for sub in ("pods", "logs"):
            (data_dir / sub).mkdir(parents=True, exist_ok=True)
        if mode is None:
            mode, self.mode_reason = mount_modes.detect_mode()
        elif mode not in mount_modes.MODES:
            raise ValueError(f"mode must be one of {mount_modes.MODES}, not {mode!r}")
        else:
            self.mode_reason = "chosen by the caller"
        self.mode = mode
        shim_dir = data_dir / "ko-app"
        shim = install_shim(shim_dir)
        spawner = Spawner()
        spawner.start()  # the launcher service warms up while the first Pod is prepared
        mountpoints = HostMountpoints()
        # Pods of a runtime that died on this data directory run on: adopt them.
        self._orphans = host_state.claim_orphans(data_dir / "pods")
        scratch = host_state.scratch_root(data_dir)
        if scratch is not None:
            host_state.collect_scratch(scratch, data_dir / "pods")
            lost = host_state.lost_pod_dirs(data_dir / "pods", scratch)
            for left in move_to_trash(lost, data_dir / TRASH) if lost else ():
                remove_pod_dir(left)
        empty_trash(*self._trash(data_dir, scratch))  # what a runtime that was stopped left
        if mode == mount_modes.NAMESPACE and not self._orphans:
            # (With orphans, their containers' mountpoints may look unused until they
            # are planned again: removing one would detach it under them.)
            mountpoints.collect_stale()
        shell = None
        if busybox:
            search_path = os.environ.get("PATH") or DEFAULT_PATH
            shell = BusyboxShell.create(data_dir / "busybox", search_path)
        super().__init__(data_dir)
        self._context = HostContext(
            data_dir=data_dir,
            cluster=cluster,
            mode=mode,
            entrypoint_image=entrypoint_image,
            shell_image=shell_image,
            nop_image=nop_image,
            shim_dir=shim_dir,
            shim=shim,
            python_path=str(Path(tektite.__file__).resolve().parent.parent),
            mountpoints=mountpoints,
            cgroups=CgroupRoot.create() if cgroups else None,
            spawner=spawner,
            prewarm=max(0, prewarm),
            max_grace_seconds=max_grace_seconds,
            notify=self._events.notify,
            sidecar_log_results_image=sidecar_log_results_image,
            working_dir_init_image=working_dir_init_image,
            busybox=shell,
            scratch=scratch,
        )

    def _adopt(self) -> None:
        """Run on the Pods claimed from a runtime that died (``host_state``); once, on
        the event loop, before anything else looks at the Pods."""
        orphans, self._orphans = self._orphans, []
        for orphan in orphans:
            run = PodRun(self._context, orphan.pod)
            self._pods[run.key] = run
            run.resume(orphan.start_time, orphan.owner_fd)
            self._events.notify(run.key)

    @property
    def busybox(self) -> BusyboxShell | None:
        """The shell busybox-based images get (None: the host has no busybox)."""
        return self._context.busybox

    @property
    def tracks_cgroups(self) -> bool:
        """Whether container processes are tracked by cgroup (else by session)."""
        return self._context.cgroups is not None

    async def _ready(self) -> None:
        if self._orphans:
            self._adopt()

    def _new_pod(self, manifest: Pod) -> PodRun:
        return PodRun(self._context, manifest)

    async def _delete(
        self, key: PodKey, run: PodRun, leftovers: list[list[Path]] | None = None
    ) -> None:
        """Delete ``run``; its directories are added to ``leftovers`` instead of being
        removed when given (``close``)."""
        left = await run.delete(remove=leftovers is None)
        if leftovers is not None:
            leftovers.append(left)
        self._pods.pop(key, None)
        self._events.notify(key)

    async def _log_wait(self, key: PodKey, container: str) -> None:
        """Until there may be more to read: the next poll, or the container's end (its
        last output is then read at once, not a poll later)."""
        run = self._pods.get(key)
        found = run.find(container) if run is not None else None
        if found is None or found.exited.done():
            await asyncio.sleep(LOG_POLL_SECONDS)
            return
        # (Many Pods run at once: their waiting steps need no 20 polls a second.)
        poll = LOG_POLL_SECONDS if found.process is not None else LOG_IDLE_POLL_SECONDS
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(found.exited), poll)

    @staticmethod
    def _trash(data_dir: Path, scratch: Path | None) -> list[Path | None]:
        """Where a closing runtime moves a Pod's directories (its directory on disk,
        then its scratch: see ``remove_pod_dirs``): a trash on each filesystem. The
        scratch's is beside the data directories' scratch roots, where no sweep of
        them looks."""
        return [data_dir / TRASH, None if scratch is None else scratch.parent / TRASH]

    async def close(self) -> None:
        """Kill every running Pod and release the runtime's cgroups."""
        for orphan in self._orphans:  # claimed but never looked at: leave them be
            os.close(orphan.owner_fd)
        self._orphans = []
        # The Pods' directories go at the end, each moved to a trash on its filesystem
        # (one rename; the trash is emptied without waiting): removing a hundred Pods'
        # directories, in Python or even by `rm`, costs more than the rest of closing.
        leftovers: list[list[Path]] = []
        runs = list(self._pods.items())
        for key, run in runs:
            if run.deletion is None:
                run.deletion = asyncio.get_running_loop().create_task(
                    self._delete(key, run, leftovers)
                )
        await asyncio.gather(*(asyncio.shield(run.deletion) for _, run in runs if run.deletion))
        await remove_pod_dirs(leftovers, self._trash(self.data_dir, self._context.scratch))
        for _, run in runs:
            run.release_claim()
        self._context.spawner.close()
        self._context.mountpoints.close()
        if self._context.cgroups is not None:
            self._context.cgroups.close()
        if self._context.scratch is not None:
            host_state.prune_scratch(self._context.scratch)
