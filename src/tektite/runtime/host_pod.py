"""One Pod's life on the host: volumes, init containers, sidecars, steps, teardown.

``PodRun`` is the kubelet of a single Pod. It materialises the volumes (``volumes``),
runs the init containers one by one to completion, starts the sidecars, then the
steps, and keeps a ``ContainerRecord`` per container from which ``pod_json`` renders
the status (``pod_status``). ``LaunchPlanner`` (``launch_plan``) turns each container
into a launcher spec; the launcher service (``spawner``/``launcher``) forks it.

Steps are started the Kubernetes way as far as anyone can see: after the init
containers, every step container is reported ``running`` at once and blocks on its
wait file. Under the hood a step whose command is Tekton's entrypoint with
``-wait_file`` is *gated*: its process is forked ahead (at most ``prewarm`` steps
ahead), set up, and held on a pipe; it is released the moment the file(s) it waits
for are ready, which the runtime notices from the previous container's exit or a 2 ms
poll. The wrapper then finds its wait already satisfied, so ordering is still decided
by the files alone, but no start-up and no back-off sleep sits between two steps.

When a container's main process exits, whatever it left running is killed, as the
end of a container's PID namespace does (``proctree``); deleting the Pod sends SIGTERM
to every main process, waits ``terminationGracePeriodSeconds``, then kills every
process of every container.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from tektite.api.copying import copy_json
from tektite.engine.names import STEP_PREFIX
from tektite.entrypoint.gostyle import log_line
from tektite.entrypoint.subcommands import COPY_PERMISSIONS, ENTRYPOINT_INITIALIZED
from tektite.runtime import host_init, host_state
from tektite.runtime import mounts as mount_modes
from tektite.runtime.container_env import ContainerConfigError
from tektite.runtime.kubelet_pod import CONFIG_RETRY_SECONDS, KubeletPod
from tektite.runtime.launch_plan import BusyboxShell, Images, LaunchPlanner, through_busybox
from tektite.runtime.masking import Relay, open_log, relay_finished
from tektite.runtime.mounts import HostMountpoints, Rewriter
from tektite.runtime.pod_dirs import DirPlan
from tektite.runtime.pod_status import (
    COMPLETED,
    CREATE_CONTAINER_CONFIG_ERROR,
    ERROR,
    MAX_TERMINATION_MESSAGE,
    START_ERROR,
    ContainerRecord,
    log_tail,
    read_limited,
)
from tektite.runtime.probes import ProbeOutcome, start_probes
from tektite.runtime.proctree import CgroupRoot, CgroupTracker, SessionTracker, Tracker
from tektite.runtime.protocol import ClusterData, Pod, PodKey
from tektite.runtime.spawner import LaunchedProcess, Spawner
from tektite.runtime.volumes import (
    HostVolume,
    empty_directories,
    materialise_volumes,
    remove_pod_dir,
)

WAIT_FILE_POLL_SECONDS = 0.05
"""How often a gated step's wait files are checked besides the Pod's own changes. A
wait file is written by the step before it (which then exits) or by the runtime (the
``ready`` annotation), and both wake the step driver; the poll only catches a file
written behind the runtime's back."""


class HostContext(msgspec.Struct):
    """What every Pod of one ``HostRuntime`` shares."""

    data_dir: Path
    cluster: ClusterData
    mode: str
    entrypoint_image: str
    shell_image: str
    nop_image: str
    shim_dir: Path
    shim: str
    python_path: str
    mountpoints: HostMountpoints
    cgroups: CgroupRoot | None
    spawner: Spawner
    prewarm: int
    max_grace_seconds: float | None
    notify: Callable[[PodKey], None]
    """Tells the runtime's watchers that a Pod changed."""
    sidecar_log_results_image: str = ""
    working_dir_init_image: str = ""
    busybox: BusyboxShell | None = None
    """Busybox-based images' shell (None: the host has no busybox)."""
    scratch: Path | None = None
    """Where Pod directories live on tmpfs (``host_state.scratch_root``; None: under
    ``<data_dir>/pods``)."""


class ContainerRun:
    """One container of a PodRun: its spec, record, process and probes."""

    def __init__(self, spec: dict[str, Any], *, init: bool) -> None:
        self.spec = spec
        self.name = str(spec.get("name", ""))
        self.init = init
        self.native_sidecar = init and spec.get("restartPolicy") == "Always"
        self.record = ContainerRecord(self.name, str(spec.get("image", "")), init=init)
        self.launch: dict[str, Any] | None = None
        self.process: LaunchedProcess | None = None
        self.tracker: Tracker | None = None
        self.go_fd: int | None = None
        self.gated = False
        self.wait_files: list[str] = []
        self.wait_content = False
        self.rewriter: Rewriter | None = None
        self.busybox_sh: str | None = None
        self.exited: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.tasks: list[asyncio.Task[None]] = []
        self.stop_requested = False
        self.started_mono = 0.0
        self.probes_started = False
        self.relay: Relay | None = None
        """The masking relay its output goes through (a Pod with secrets, ``masking``)."""

    @property
    def is_step(self) -> bool:
        """Tekton's ``IsContainerStep``: the name starts with ``step-``."""
        return self.name.startswith(STEP_PREFIX)

    @property
    def alive(self) -> bool:
        """A process exists and has not exited."""
        return self.process is not None and self.process.returncode is None


class PodRun(KubeletPod[ContainerRun]):
    """The kubelet for one Pod whose containers are processes on this host."""

    context: HostContext

    def __init__(self, context: HostContext, pod: Pod) -> None:
        super().__init__(context, pod)
        meta = pod["metadata"]
        self.scratch: Path | None = None
        """Where ``internal`` links to on tmpfs (None: it is on disk). Paths go through
        the link, so what containers see does not depend on where it lives."""
        if context.scratch is not None and not (
            os.path.isdir(self.internal) and not os.path.islink(self.internal)
        ):  # (a real directory: a Pod of an earlier version, adopted where it is)
            self.scratch = context.scratch / self.key.namespace / self.key.name
        self.deadline: asyncio.TimerHandle | None = None
        """``activeDeadlineSeconds`` from the start (a timer: most Pods end first)."""
        self.planner = LaunchPlanner(
            pod=pod,
            key=self.key,
            cluster=context.cluster,
            mode=context.mode,
            images=Images(
                context.entrypoint_image,
                context.shell_image,
                context.nop_image,
                context.sidecar_log_results_image,
                context.working_dir_init_image,
            ),
            shim_dir=context.shim_dir,
            shim=context.shim,
            python_path=context.python_path,
            mountpoints=context.mountpoints,
            internal=self.internal,
            busybox=context.busybox,
        )
        self.uid_prefix = str(meta.get("uid") or uuid.uuid4())[:8]
        self.adopted = False
        """Taken over from a runtime that died (``resume``)."""
        self.lost_task: asyncio.Task[None] | None = None
        self.dirs_made: asyncio.Future[None] | None = None
        """The launcher service's making of the Pod's directories, once asked for."""
        self._json: Pod | None = None
        """What ``pod_json`` answers until the Pod changes (``changed``)."""

    def _new_container(self, spec: dict[str, Any], init: bool) -> ContainerRun:
        return ContainerRun(spec, init=init)

    # ------------------------------------------------------------------ status

    def _manifest_copy(self) -> Pod:
        # Its spec (with ~n² volume mounts for n steps) is shared, never changed in place
        # (``stop`` replaces it); its metadata, which ``set_annotations`` changes, is
        # copied.
        pod = dict(self.pod)
        pod["metadata"] = copy_json(self.pod["metadata"])
        return pod

    def pod_json(self) -> Pod:
        """The manifest with its current ``status``: the same object until the Pod
        changes (every reader only reads it; the watch, the TaskRun's pass and the log
        follower each ask after every change)."""
        if self._json is None:
            self._json = self._current_json()
        return self._json

    def _current_json(self) -> Pod:
        pod = self._manifest_copy()
        pod["status"] = self._status(
            [c.record.to_json() for c in self.init_containers],
            [c.record.to_json() for c in self.containers],
        )
        return pod

    def _invalidate(self) -> None:
        self._json = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the Pod's main task, which has the Pod's directories made first."""
        self.task = asyncio.get_running_loop().create_task(self._main())
        deadline = self.pod["spec"].get("activeDeadlineSeconds")
        if isinstance(deadline, int) and 0 < deadline < 2**31 - 1:
            self.deadline = asyncio.get_running_loop().call_later(deadline, self._deadline_reached)

    def resume(self, start_time: str, owner_fd: int) -> None:
        """Adopt the Pod of a runtime that died (``host_state``): run it on from the
        state its containers left on disk; its logs are kept."""
        self.adopted = True
        self.owner_fd = owner_fd
        self.start_time = start_time or self.start_time
        (self.internal / host_state.STATE_DIR).mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.task = asyncio.get_running_loop().create_task(self._main())

    def _dir_plan(self) -> DirPlan:
        return DirPlan(
            pod_dir=str(self.dir),
            scratch=None if self.scratch is None else str(self.scratch),
            internal=str(self.internal),
            internal_dirs=["launch", "termination", "errors", host_state.STATE_DIR],
            termination_files=[
                self.planner.termination_file(container.name) for container in self.all_containers()
            ],
            log_dir=str(self.log_dir),
            logs=[f"{container.name}.log" for container in self.all_containers()],
            empty_dirs=empty_directories(self.pod, self.dir, self._scratch_volumes()),
        )

    async def _make_dirs(self) -> None:
        """Have the launcher service make the Pod's directories (``pod_dirs``), retrying
        while it cannot; then claim the Pod and save its manifest. All before any
        process starts: a runtime restarting after a crash finds the Pod."""
        while True:
            try:
                self.dirs_made = self.context.spawner.make_dirs(self._dir_plan())
                # Shielded: a deletion cancelling this task waits for the service's
                # answer before it removes the directories (``delete``).
                await asyncio.shield(self.dirs_made)
                break
            except OSError as error:
                self._not_created(str(error))
            await asyncio.sleep(CONFIG_RETRY_SECONDS)
        self.owner_fd = host_state.claim(self.internal)
        self._persist()

    async def _main(self) -> None:
        if not self.adopted:
            await self._make_dirs()
        if not await self._setup_volumes() or not await self._run_init_containers():
            return
        loop = asyncio.get_running_loop()
        # Sidecars first, then the steps.
        for container in sorted(self.containers, key=lambda c: c.is_step):
            container.tasks.append(loop.create_task(self._prepare_app(container)))
        await self._drive_steps()
        await self._stop_native_sidecars()

    def _scratch_volumes(self) -> Path | None:
        """Where volumes go that need not be on disk (``volumes.keeps_data``)."""
        return None if self.scratch is None else self.internal / "volumes"

    def _materialise_volumes(self) -> dict[str, HostVolume]:
        return materialise_volumes(
            self.pod,
            self.dir,
            self.context.cluster,
            self._scratch_volumes(),
            # Made by ``_make_dirs``; not for a Pod adopted from a runtime that died.
            empty_dirs_made=not self.adopted,
        )

    async def _start_init(self, container: ContainerRun) -> None:
        if self._init_on_host(container):
            return
        await self._configure(container)
        if self.adopted and self._resume_container(container):
            pass  # picked up where the runtime that died left it
        elif container.launch is None:  # nop image
            self._complete_without_process(container)
        else:
            self._spawn(container, gated=False)

    async def _prepare_app(self, container: ContainerRun) -> None:
        await self._configure(container)
        if self.adopted and self._resume_container(container):
            return
        if container.launch is None:
            self._complete_without_process(container)
        elif container.gated:
            # Reported running now, like every container of a started Pod; the process
            # itself is pre-started or released by _drive_steps.
            self._mark_running(container, self._container_id())
        else:
            self._spawn(container, gated=False)

    async def _configure(self, container: ContainerRun) -> None:
        """Resolve the container's launch spec, retrying while its config is missing."""
        while True:
            try:
                plan = self.planner.plan(container.spec, self.volumes, init=container.init)
                if plan is None:
                    container.launch = None
                else:
                    container.launch = plan.spec
                    container.rewriter = plan.rewriter
                    container.busybox_sh = plan.busybox_sh
                    container.gated = bool(plan.wait_files)
                    container.wait_files = plan.wait_files
                    container.wait_content = plan.wait_content
                return
            except ContainerConfigError as error:
                container.record.wait(CREATE_CONTAINER_CONFIG_ERROR, error.message)
                self.changed()
                if error.permanent:
                    await asyncio.Future()  # can never start: wait for the Pod's deletion
            await asyncio.sleep(CONFIG_RETRY_SECONDS)

    def _deadline_reached(self) -> None:
        self.deadline_task = asyncio.get_running_loop().create_task(self._exceed_deadline())

    # ------------------------------------------------------------------ configuration

    def _container_id(self) -> str:
        return "host://" + uuid.uuid4().hex

    # ------------------------------------------------------------------ processes

    def _complete_without_process(self, container: ContainerRun) -> None:
        container.record.run(self._container_id())
        container.record.terminate(0, COMPLETED, "")
        if not container.exited.done():
            container.exited.set_result(None)
        self.changed()

    def _init_on_host(self, container: ContainerRun) -> bool:
        """Tekton's ``prepare`` done here instead of in a process (``host_init``), with
        the outcome and the log line the process would have given; False when the
        container must run (not exactly Tekton's, another user, rewrite mode, where
        the step links would name paths the steps do not see)."""
        spec = container.spec
        if (
            not host_init.is_prepare(spec)
            or self.planner.mode != mount_modes.NAMESPACE
            or not self.planner.runs_as_runtime_user(spec)
        ):
            return False
        container.record.run(self._container_id())
        error = host_init.prepare(spec, self.volumes, self._install_entrypoint)
        output = log_line(ENTRYPOINT_INITIALIZED) if error is None else f"{error}\n"
        with (
            contextlib.suppress(OSError),
            open(self.log_dir / f"{container.name}.log", "ab") as log,
        ):
            log.write(output.encode())
        if error is None:
            container.record.terminate(0, COMPLETED, "")
        else:
            container.record.terminate(1, ERROR, "")
        if not container.exited.done():
            container.exited.set_result(None)
        self.changed()
        return True

    def _install_entrypoint(self, target: Path) -> None:
        """``/tekton/bin/entrypoint`` as ``entrypoint init`` copies it: the runtime's
        shim, created with Tekton's mode 0311 (the launcher recognises its bytes)."""
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, COPY_PERMISSIONS)
        try:
            os.write(fd, self.planner.shim.encode())
        finally:
            os.close(fd)

    def _mark_running(self, container: ContainerRun, container_id: str) -> None:
        record = container.record
        record.run(container_id)
        record.started = container.spec.get("startupProbe") is None
        record.ready = self._initially_ready(container)
        container.started_mono = time.monotonic()
        if not container.probes_started:
            container.probes_started = True
            self._start_probes(container)
        self.changed()

    def _spawn(self, container: ContainerRun, *, gated: bool) -> None:
        assert container.launch is not None
        spec = dict(container.launch)
        read_end: int | None = None
        if gated:
            read_end, container.go_fd = os.pipe()
        tracker: Tracker | None = None
        if self.context.cgroups is not None:
            try:
                tracker = self.context.cgroups.tracker(f"{self.uid_prefix}-{container.name}")
                spec["cgroup"] = tracker.cgroup
            except OSError:
                tracker = None
        Path(spec["error_file"]).unlink(missing_ok=True)
        prefix = host_state.state_prefix(self.internal, container.name)
        host_state.clear_state(prefix)
        spec["state"] = str(prefix)
        log_path = self.log_dir / f"{container.name}.log"
        try:
            process = self._launch(spec, log_path, read_end, container)
        except OSError as error:
            if container.record.started_at is None:
                container.record.run(self._container_id())
            container.record.terminate(128, START_ERROR, str(error))
            if not container.exited.done():
                container.exited.set_result(None)
            self.changed()
            return
        container.process = process
        if tracker is not None:
            container.tracker = tracker
        else:
            process.started.add_done_callback(
                lambda started: self._track_session(container, started)
            )
        if container.record.started_at is None:
            if container.is_step:
                # Steps are shown running as soon as the Pod starts (they all wait on
                # their entrypoint), as the kubelet shows them.
                self._mark_running(container, self._container_id())
            else:
                # Anything else runs once its command does, as the kubelet reports a
                # container running once its runtime started it (runc's start returns
                # at the exec): a sidecar counts as ready, and releases the steps, no
                # earlier than its own command runs.
                process.running.add_done_callback(lambda _: self._started(container))
        process.exited.add_done_callback(lambda _: self._exited(container))

    def _started(self, container: ContainerRun) -> None:
        if container.record.started_at is None and container.record.terminated is None:
            self._mark_running(container, self._container_id())

    def _exited(self, container: ContainerRun) -> None:
        """The process exited; with a masking relay, its output is complete in the log
        only once its relay stream has ended (``_on_exit`` may read the log's tail)."""
        if container.relay is None:
            self._on_exit(container)
            return
        if container.tracker is not None:
            container.tracker.kill_all()  # leftovers would hold the relay's pipe open
        task = asyncio.get_running_loop().create_task(relay_finished(container.relay, 5.0))
        task.add_done_callback(lambda _: self._on_exit(container))
        container.tasks.append(task)

    def _resume_container(self, container: ContainerRun) -> bool:
        """In an adopted Pod, watch a container that was started before the restart
        until its recorded exit; False when it never started (start it now)."""
        if container.launch is None:
            return False
        prefix = host_state.state_prefix(self.internal, container.name)
        found = host_state.read_state(prefix)
        if found is None:
            return False
        container.gated = False  # it was released, or it would not have a .pid file
        process = host_state.AdoptedProcess(asyncio.get_running_loop(), found, prefix)
        container.process = process
        if found.cgroup:
            container.tracker = CgroupTracker(Path(found.cgroup), create=False)
        elif found.pid > 0:
            container.tracker = SessionTracker(found.pid)
        self._mark_running(container, self._container_id())
        container.record.started_at = found.started_at
        finished_at = found.finished_at
        process.exited.add_done_callback(
            lambda _: self._on_adopted_exit(container, process, finished_at)
        )
        return True

    def _on_adopted_exit(
        self, container: ContainerRun, process: host_state.AdoptedProcess, finished_at: str | None
    ) -> None:
        self._on_exit(container)
        record = container.record
        if process.lost and not container.stop_requested:
            # Gone with no exit recorded: what the kubelet says of a lost container.
            record.terminate(
                host_state.LOST_EXIT_CODE, host_state.LOST_REASON, host_state.LOST_MESSAGE
            )
            # The Pod fails: the steps after a lost one would wait for it forever.
            self.lost = True
            if self.lost_task is None:
                self.lost_task = asyncio.get_running_loop().create_task(self._stop_lost())
        elif finished_at and record.terminated is not None:
            record.terminated.finished_at = finished_at  # it ended before the restart

    async def _stop_lost(self) -> None:
        await self._terminate([c for c in self.all_containers() if c.alive or c.gated], 0.0)
        self.changed()

    @staticmethod
    def _track_session(container: ContainerRun, started: asyncio.Future[int]) -> None:
        if not started.cancelled() and started.exception() is None:
            container.tracker = SessionTracker(started.result())

    def _launch(
        self,
        spec: dict[str, Any],
        output: Path,
        go_read_fd: int | None,
        container: ContainerRun | None = None,
    ) -> LaunchedProcess:
        """Fork a launcher for ``spec`` with stdout/stderr appended to ``output`` (through
        a masking relay for a ``container`` of a Pod with secrets); the child gets
        ``go_read_fd`` (closed here once handed over)."""
        if container is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
            log_fd = os.open(output, flags, 0o644)
        else:
            cluster = self.context.cluster
            log_fd, container.relay = open_log(output, self.pod, container.name, cluster)
        try:
            return self.context.spawner.spawn(spec, log_fd, go_read_fd)
        finally:
            os.close(log_fd)
            if go_read_fd is not None:
                os.close(go_read_fd)

    def _initially_ready(self, container: ContainerRun) -> bool:
        if container.init and not container.native_sidecar:
            return False
        return (
            container.spec.get("readinessProbe") is None
            and container.spec.get("startupProbe") is None
        )

    def _release(self, container: ContainerRun) -> None:
        """Let a gated step go: a pre-started launcher gets its byte, else it starts now."""
        container.gated = False
        if container.process is None:
            self._spawn(container, gated=False)
            return
        if container.go_fd is not None:
            with contextlib.suppress(OSError):
                os.write(container.go_fd, b"1")
            os.close(container.go_fd)
            container.go_fd = None

    def _on_exit(self, container: ContainerRun) -> None:
        assert container.process is not None and container.launch is not None
        code = container.process.returncode
        assert code is not None
        exit_code = code if code >= 0 else 128 - code  # killed by signal N: 128+N
        if container.go_fd is not None:
            os.close(container.go_fd)
            container.go_fd = None
        error = read_limited(Path(container.launch["error_file"]), MAX_TERMINATION_MESSAGE)
        record = container.record
        if container.stop_requested:
            self._end_as_stopped(container)
        elif exit_code == 128 and error:
            record.terminate(exit_code, START_ERROR, error.decode("utf-8", "replace"))
        else:
            message = read_limited(
                self.planner.termination_file(container.name), MAX_TERMINATION_MESSAGE
            ).decode("utf-8", "replace")
            policy = container.spec.get("terminationMessagePolicy")
            if not message and exit_code != 0 and policy == "FallbackToLogsOnError":
                message = log_tail(self.log_dir / f"{container.name}.log")
            record.terminate(exit_code, COMPLETED if exit_code == 0 else ERROR, message)
        for task in container.tasks:
            task.cancel()
        if not container.exited.done():
            container.exited.set_result(None)
        self.changed()
        # In a Pod the container's other processes die with its main process.
        asyncio.get_running_loop().call_soon(self._reap_leftovers, container)

    @staticmethod
    def _reap_leftovers(container: ContainerRun, attempt: int = 0) -> None:
        tracker = container.tracker
        if tracker is None:
            return
        if attempt == 0:
            tracker.kill_all()
        if not tracker.close() and attempt < 100:
            # Killed processes leave their cgroup a moment later: try again soon.
            asyncio.get_running_loop().call_later(
                0.02, PodRun._reap_leftovers, container, attempt + 1
            )

    # ------------------------------------------------------------------ steps

    def _wait_satisfied(self, container: ContainerRun) -> bool:
        """The entrypoint's wait rule: each file in turn ready, or its ``.err`` twin."""
        for path in container.wait_files:
            try:
                info = os.stat(path)
            except OSError:
                info = None
            if info is not None and (not container.wait_content or info.st_size > 0):
                continue
            return os.path.lexists(path + ".err")
        return True

    async def _drive_steps(self) -> None:
        """Release gated steps as their wait files appear, until every app container
        has terminated."""
        while not all(c.exited.done() for c in self.containers):
            pending = [
                c
                for c in self.containers
                if c.gated and c.record.terminated is None and not c.exited.done()
            ]
            for container in pending:
                if self._wait_satisfied(container):
                    self._release(container)
            pending = [c for c in pending if c.gated]
            for container in pending[: self.context.prewarm]:
                if container.process is None:
                    self._spawn(container, gated=True)
            timeout = WAIT_FILE_POLL_SECONDS if pending else None
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout)

    # ------------------------------------------------------------------ probes

    def _start_probes(self, container: ContainerRun) -> None:
        """The kubelet's probe workers (``probes.start_probes``): exec probes through
        the launcher, network probes from the host (the Pod's network is the host's)."""
        start_probes(
            container,
            exec_check=lambda command, timeout: self._exec_probe(container, command, timeout),
            in_network=None,
            changed=self.changed,
            kill=lambda: self._terminate([container], self._grace()),
        )

    async def _exec_probe(
        self, container: ContainerRun, command: list[str], timeout: float
    ) -> ProbeOutcome:
        """Run ``command`` in the container's view (namespaces, user, cwd, env) through
        the launcher; it passes when it exits 0 within ``timeout``."""
        process = container.process
        if process is None or process.pid is None or container.launch is None:
            return False, "container is not running"
        spec = dict(container.launch)
        rewriter = container.rewriter
        argv = [rewriter.rewrite(part) for part in command] if rewriter else command
        if container.busybox_sh is not None:
            argv = through_busybox(argv, container.busybox_sh)
        spec["argv"] = argv
        spec["namespace"] = None
        spec["shim"] = None
        spec["cgroup"] = None
        spec["hold_stop_signals"] = False
        spec["error_file"] = self.planner.error_file(f"{container.name}.probe")
        if self.context.mode == mount_modes.NAMESPACE:
            spec["join_pid"] = process.pid
            spec["join_hostname"] = (container.launch.get("namespace") or {}).get("hostname")
        output_file = self.internal / "launch" / f"{container.name}.probe.out"
        output_file.unlink(missing_ok=True)
        probe = self._launch(spec, output_file, None)
        try:
            code = await asyncio.wait_for(asyncio.shield(probe.exited), timeout)
        except TimeoutError:
            pid = await probe.started
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            await probe.exited
            return False, f"command timed out after {timeout:g}s"
        text = read_limited(output_file, 10240).decode("utf-8", "replace")
        return code == 0, text

    # ------------------------------------------------------------------ stopping

    async def _terminate(self, containers: list[ContainerRun], grace: float) -> None:
        """SIGTERM the main processes, wait up to ``grace``, then kill every process."""
        self._end_unstarted(containers)
        live = [c for c in containers if c.alive]
        for container in live:
            assert container.process is not None
            if container.go_fd is not None:  # never released: nothing of the user runs
                container.process.kill()
            else:
                container.process.send_signal(signal.SIGTERM)
        if live:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(asyncio.shield(c.exited) for c in live)), grace
                )
        for container in live:
            if container.tracker is not None:
                container.tracker.kill_all()
            if container.alive and container.process is not None:
                container.process.kill()
        if live:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*(asyncio.shield(c.exited) for c in live)), 10
                )

    async def delete(self, *, remove: bool = True) -> list[Path]:
        """Kill every container and remove the Pod's directories (logs are kept); with
        ``remove=False`` they are returned for the caller to remove instead (the link
        to the scratch directory first: then no orphan is ever seen), and the Pod stays
        claimed until the caller's ``release_claim``."""
        if self.deadline is not None:
            self.deadline.cancel()
        for task in (self.task, self.deadline_task, self.lost_task):
            while task is not None and not task.done():
                # Again until it ends: Python 3.11's wait_for drops a cancellation that
                # arrives as the awaited event fires (the Pod's task would then wait
                # for containers that only this deletion stops). asyncio.wait, not
                # "await task" under suppress(CancelledError): that would also swallow
                # a cancellation of this coroutine itself.
                task.cancel()
                await asyncio.wait({task}, timeout=0.1)
            if task is not None and not task.cancelled():
                task.exception()  # retrieved: a failure of the Pod's task is not an error here
        if self.dirs_made is not None:
            # The service may still be making them: its answer comes first.
            if not self.dirs_made.done():
                await asyncio.wait({self.dirs_made})
            if not self.dirs_made.cancelled():
                self.dirs_made.exception()  # retrieved: a failure here is no error
        await self._terminate(self.all_containers(), self._grace())
        for container in self.all_containers():
            for task in container.tasks:
                task.cancel()
            if container.go_fd is not None:
                os.close(container.go_fd)
                container.go_fd = None
            if container.tracker is not None:
                container.tracker.kill_all()
                for _ in range(100):  # killed processes leave their cgroup a moment later
                    if container.tracker.close():
                        break
                    await asyncio.sleep(0.01)
        dirs = [self.dir] if self.scratch is None else [self.dir, self.scratch]
        self.context.mountpoints.release(self.key)
        if not remove:
            return dirs
        for path in dirs:
            remove_pod_dir(path)
        self.release_claim()
        return []

    def release_claim(self) -> None:
        """Let go of the Pod's owner lock (``host_state.claim``), once its directories
        are gone: until then no other runtime may take it for an orphan."""
        if self.owner_fd is not None:
            os.close(self.owner_fd)
            self.owner_fd = None
