"""One Pod's life in podman/docker: volumes, init containers, sidecars, steps, teardown.

``ContainerPod`` is the kubelet of one Pod. It materialises the volumes as host
directories (``volumes``, shared with the host runtime), runs the init containers in
order — Tekton's ``prepare``, ``place-scripts`` and ``working-dir-initializer`` as
host-side file work when they are exactly Tekton's (``host_init``), any other in its
image — then creates every app container and starts the sidecars and the steps.
Status is kept per container in a ``ContainerRecord`` and rendered in Kubernetes'
shape (``pod_status``), exactly as the host runtime renders it.

The Pod's network namespace: when the Pod has sidecars, a sandbox (a podman pod; for
docker an infra container) holds it and every container joins it, so ``localhost``
reaches a sidecar. Without sidecars the steps, which run one after another and whose
processes die with their container, cannot tell a shared namespace from their own;
each then gets its own, with the Pod's hostname, which saves the sandbox's start.

Steps are started the Kubernetes way as far as anyone can see: once the init
containers are done every step is reported running and waits in Tekton's entrypoint
for its turn. Under the hood at most ``window`` steps are started ahead at a time
(creating them all is done at once, up front), so a TaskRun of many steps does not
start dozens of containers that would only wait.

Image pulls follow ``imagePullPolicy`` (``Always``, ``IfNotPresent``, ``Never``; when
the manifest does not say, ``IfNotPresent``: the API server's ``Always`` for ``:latest``
would make every run on an offline machine fail). A failed pull shows the container
``waiting`` with ``ErrImagePull``, then ``ImagePullBackOff`` while it is retried with
the kubelet's back-off (10 s doubling to 5 min); ``Never`` with a missing image shows
``ErrImageNeverPull``.

Containers are removed, with the sandbox, once every container has ended (the
Pod's final status is saved first), or when the Pod is deleted — always: the runtime
deletes every Pod on close, and if a deletion fails a final sweep removes whatever
carries its owner label. They are not created with ``--rm``: an ended container keeps
its exit code in the engine, so a runtime restarted after a crash of the controller
adopts the Pod and carries it on (``resume``; ``pod_state`` has the details).

Not reproduced:

- ``OOMKilled`` where the engine does not report it. A failed container whose
  ``State.OOMKilled`` the engine sets ends ``OOMKilled``, as containerd reports it:
  docker does for a kill of any process of the container (the step wrapper's child
  included). Here podman (``runc``, cgroupfs on cgroup v1) reports none at all, not
  even of the first process (``podman run --memory 20m busybox dd bs=60M …``: exit code
  137, ``OOMKilled`` false): such a step ends with exit code 137, reason ``Error``.
- Sidecars run under a tiny init (``--init``), so one whose command cannot be executed
  ends with exit code 1 and the init's message in its log rather than the kubelet's
  ``StartError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import ctypes
import os
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tektite.engine.names import STEP_PREFIX
from tektite.engine.pod import PodImages
from tektite.runtime import host_init, host_state
from tektite.runtime.container import pod_state
from tektite.runtime.container.engine import (
    LABEL_OWNER,
    LABEL_POD,
    Engine,
    EngineError,
    ImageInfo,
    engine_error,
)
from tektite.runtime.container.plan import plan_container
from tektite.runtime.container_env import ContainerConfigError
from tektite.runtime.image_map import ImageMap
from tektite.runtime.kubelet_pod import CONFIG_RETRY_SECONDS, KubeletPod, pod_key
from tektite.runtime.mounts import Mount
from tektite.runtime.pod_status import (
    COMPLETED,
    CREATE_CONTAINER_CONFIG_ERROR,
    ERROR,
    MAX_TERMINATION_MESSAGE,
    OOM_KILLED,
    START_ERROR,
    ContainerRecord,
    log_tail,
    read_limited,
)
from tektite.runtime.probes import ProbeOutcome, start_probes
from tektite.runtime.protocol import ClusterData, Pod, PodKey
from tektite.runtime.volumes import HostVolume, VolumeError, materialise_volumes
from tektite.runtime.volumes import remove_pod_dir as _remove_pod_dir

START_WAIT_SECONDS = 30.0
PULL_BACKOFF_START = 10.0
PULL_BACKOFF_MAX = 300.0
ERR_IMAGE_PULL = "ErrImagePull"
IMAGE_PULL_BACKOFF = "ImagePullBackOff"
ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull"


@dataclass
class PodContext:
    """What every Pod of one ``ContainerRuntime`` shares."""

    data_dir: Path
    cluster: ClusterData
    engine: Engine
    image_map: ImageMap
    owner: str
    """The owner label value of this runtime's containers."""
    nop_image: str
    infra_image: str
    """docker's sandbox image (needs ``sleep``); podman uses its own pause image."""
    entrypoint_binary: Callable[[], Awaitable[Path]]
    images: Callable[[str, str, str, str | None], Awaitable[ImageInfo]]
    """``(image, policy, shown name, auth file)`` → its config, pulling as the policy
    says (with the auth file's credentials); raises ``PullError``."""
    pod_images: PodImages
    """Tekton's own images: those of the ``/ko-app`` programs run the shell image with
    the step-wrapper bundle mounted at ``/ko-app``."""
    notify: Callable[[PodKey], None]
    mask_patterns: Callable[[Pod], list[bytes]]
    start_relay: Callable[[Path, list[bytes]], tuple[Any, int]] | None = None
    window: int = 2
    max_grace_seconds: float | None = None
    authfile: Callable[[Pod], Awaitable[str | None]] | None = None


class PullError(Exception):
    """An image could not be made present: ``reason`` is the kubelet's waiting reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class Container:
    """One container of a ContainerPod."""

    spec: dict[str, Any]
    init: bool
    record: ContainerRecord
    engine_name: str
    exited: asyncio.Future[None]
    image: str = ""
    """The image actually run (after the image map)."""
    image_id: str = ""
    image_user: str = ""
    created: bool = False
    process: asyncio.subprocess.Process | None = None
    relay: Any = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop_requested: bool = False
    started_mono: float = 0.0
    probes_started: bool = False
    termination_file: Path | None = None
    adopted: bool = False
    """Started by a runtime that died: ``process`` is an engine ``wait`` and the exit
    code is read from the engine."""
    run_args: list[str] | None = None
    """Created and started by one ``run`` when its turn comes (``_run_app_containers``):
    the arguments, with ``run_env`` the engine process's environment."""
    run_env: dict[str, str] = field(default_factory=dict)
    start_error: str = ""
    """Why no engine can start its process (a NUL byte in its command line, which
    execve refuses): the kubelet's StartError when its turn comes."""

    @property
    def name(self) -> str:
        """The manifest's container name."""
        return str(self.spec.get("name", ""))

    @property
    def startable(self) -> bool:
        """Created, or planned for the ``run`` that creates and starts it."""
        return self.created or self.run_args is not None or bool(self.start_error)

    @property
    def native_sidecar(self) -> bool:
        """A restartable init container (``restartPolicy: Always``)."""
        return self.init and self.spec.get("restartPolicy") == "Always"

    @property
    def is_step(self) -> bool:
        """Tekton's ``IsContainerStep``."""
        return self.name.startswith(STEP_PREFIX)

    @property
    def alive(self) -> bool:
        """Its engine process runs."""
        return self.process is not None and self.process.returncode is None


class ContainerPod(KubeletPod[Container]):
    """The kubelet for one Pod whose containers an engine runs."""

    context: PodContext

    def __init__(self, context: PodContext, pod: Pod) -> None:
        key = pod_key(pod)
        uid = str((pod.get("metadata") or {}).get("uid") or "")
        self.prefix = f"tektite-{key.namespace}-{key.name}"[:200] + f"-{uid[:8]}"
        """What the engine's names of the Pod's containers start with."""
        super().__init__(context, pod)
        spec = pod["spec"]
        meta = pod["metadata"]
        self.sandbox: str | None = None
        self.sandbox_task: asyncio.Task[str | None] | None = None
        self.hostname = str(spec.get("hostname") or meta.get("name", ""))[:63]
        self.labels = {
            LABEL_OWNER: context.owner,
            LABEL_POD: f"{self.key.namespace}.{self.key.name}",
        }
        self.patterns: list[bytes] = []
        self.removed = False
        self.removal_done = False
        self.early_images: dict[str, asyncio.Task[ImageInfo]] = {}
        self.final: dict[str, Any] | None = None
        """The saved final status of an adopted Pod whose containers had all ended."""
        self.lost_tasks: set[asyncio.Task[None]] = set()

    def _new_container(self, spec: dict[str, Any], init: bool) -> Container:
        name = str(spec.get("name", ""))
        return Container(
            spec=spec,
            init=init,
            record=ContainerRecord(name, str(spec.get("image", "")), init=init),
            engine_name=f"{self.prefix}-{name}",
            exited=asyncio.get_running_loop().create_future(),
        )

    # ------------------------------------------------------------------ status

    def _status_of(self, container: Container) -> dict[str, Any]:
        data = container.record.to_json()
        if container.image_id and container.record.state != "waiting":
            data["imageID"] = container.image_id
        return data

    def pod_json(self) -> Pod:
        """The manifest with its current ``status``."""
        pod: Pod = copy.deepcopy(self.pod)
        if self.final is not None:
            pod["status"] = copy.deepcopy(self.final)
            return pod
        pod["status"] = self._status(
            [self._status_of(c) for c in self.init_containers],
            [self._status_of(c) for c in self.containers],
        )
        return pod

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Prepare the directories and start the Pod's main task."""
        for sub in ("termination", "cid", pod_state.STARTED):
            (self.internal / sub).mkdir(parents=True, exist_ok=True)
        if self.log_dir.exists():
            for old in self.log_dir.glob("*.log"):
                old.unlink()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # Before any container starts: a runtime restarting after a crash finds the Pod.
        self.owner_fd = host_state.claim(self.internal)
        host_state.save_engine(self.internal, self.context.engine.flavour)
        self._persist()
        self._run(self._main())

    def _run(self, main: Coroutine[Any, Any, None], *, adopted: bool = False) -> None:
        loop = asyncio.get_running_loop()
        self.task = loop.create_task(main)
        deadline = self.pod["spec"].get("activeDeadlineSeconds")
        if isinstance(deadline, int) and 0 < deadline < 2**31 - 1:
            left = float(deadline)
            started = pod_state.rfc3339_seconds(self.start_time) if adopted else None
            if started is not None:
                left -= time.time() - started  # the Pod's deadline runs from its start
            self.deadline_task = loop.create_task(self._deadline(max(0.0, left)))

    def finished(self, name: str) -> bool:
        """Whether container ``name`` has ended (or is not one of the Pod's)."""
        return self.final is not None or super().finished(name)

    # ------------------------------------------------------------------ adoption

    async def resume(self, start_time: str, owner_fd: int) -> None:
        """Adopt the Pod of a runtime that died (``pod_state``): rebuild the containers'
        statuses from the engine, then carry the Pod on without starting any step a
        second time. Returns once the statuses are rebuilt."""
        self.owner_fd = owner_fd
        self.start_time = start_time or self.start_time
        for sub in ("termination", "cid", pod_state.STARTED):
            (self.internal / sub).mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.final = pod_state.read_final(self.internal)
        if self.final is not None:
            return  # it had ended; its containers may be left: the deletion removes them
        engine = self.context.engine
        states = await engine.states([c.engine_name for c in self.all_containers()])
        await self._settle_starts(states)
        if not pod_state.all_created(self.internal):
            # No step had started: nothing that must run only once has run. Start over.
            await engine.remove(list(states))
            if self._needs_sandbox():
                await engine.remove_sandbox(f"{self.prefix}-pod")
            for old in self.log_dir.glob("*.log"):
                old.unlink()
            self._run(self._main(), adopted=True)
            return
        self.patterns = self.context.mask_patterns(self.pod)
        self.initialized = True
        if self._needs_sandbox():
            self.sandbox = f"{self.prefix}-pod"
        for container in self.all_containers():
            self._adopt_state(container, states.get(container.engine_name))
        with contextlib.suppress(VolumeError, OSError):
            # For the downward-API files only: every container exists already.
            self.volumes = materialise_volumes(self.pod, self.dir, self.context.cluster)
        self._run(self._resume_main(), adopted=True)
        self.changed()

    async def _settle_starts(self, states: dict[str, dict[str, Any]]) -> None:
        """A container whose start the dead runtime had begun may still look never
        started: let that start finish (or show it never will) before deciding, so
        that it is not started a second time."""
        deadline = time.monotonic() + pod_state.START_SETTLE_SECONDS
        while True:
            pending = [
                c.engine_name
                for c in self.all_containers()
                if c.engine_name in states
                and str(states[c.engine_name].get("Status", "")) in pod_state.NOT_STARTED
                and pod_state.start_begun(self.internal, c.name)
            ]
            if not pending or time.monotonic() > deadline:
                return
            await asyncio.sleep(0.1)
            states.update(await self.context.engine.states(pending))

    def _adopt_state(self, container: Container, state: dict[str, Any] | None) -> None:
        """Rebuild one container's record from its engine state (None: it is gone)."""
        flavour = self.context.engine.flavour
        record = container.record
        container.termination_file = self.internal / "termination" / container.name
        if state is None:
            if container.init and not container.native_sidecar:
                # Tekton's init containers ran as host-side file work (no container);
                # any init container had succeeded, or no step would have started.
                record.run(f"{flavour}://host-{container.engine_name}", self.start_time)
                record.terminate(0, COMPLETED, "")
            elif container.name in self._run_at_start() and not pod_state.start_begun(
                self.internal, container.name
            ):
                # A step that its own ``run`` was to create, and that run never began:
                # it has not run. Shown waiting for its turn, as a created step would be;
                # ``_resume_main`` creates it.
                self._mark_running(container, "")
                return
            else:
                self._lose(container)
            if not container.exited.done():
                container.exited.set_result(None)
            return
        container.created = True
        container_id = f"{flavour}://{state.get('Id') or container.engine_name}"
        record.container_id = container_id
        if str(state.get("Status", "")) in pod_state.NOT_STARTED:
            if container.is_step:
                self._mark_running(container, container_id)  # waits for its turn
            return
        container.adopted = True
        # Tekton's sidecar stop rewrites the image in the saved manifest.
        container.stop_requested = (
            not container.is_step and container.spec.get("image") == self.context.nop_image
        )
        self._mark_running(container, container_id)
        record.started_at = pod_state.engine_time(state.get("StartedAt")) or self.start_time

    def _lose(self, container: Container) -> None:
        """What the kubelet reports of a container whose state is lost; the Pod fails
        (the steps after a lost one would wait for it forever)."""
        record = container.record
        if record.started_at is None:
            record.run(record.container_id, self.start_time)
        record.terminate(host_state.LOST_EXIT_CODE, host_state.LOST_REASON, host_state.LOST_MESSAGE)
        self.lost = True

    async def _resume_main(self) -> None:
        """The rest of an adopted Pod's life (``_main`` once its containers exist)."""
        loop = asyncio.get_running_loop()
        for container in self.all_containers():
            if container.adopted:
                process = await self.context.engine.wait_process(container.engine_name)
                container.process = process
                container.tasks.append(loop.create_task(self._wait_exit(container)))
        if self.lost:
            await self._stop_lost()
        else:
            for container in [*self.init_containers, *self.containers]:
                if (
                    not container.is_step
                    and container.created
                    and container.process is None
                    and container.record.terminated is None
                ):
                    await self._start(container)
            for container in self.containers:
                if container.is_step and not container.created and not container.exited.done():
                    # (One that cannot be made says why; the steps then wait for deletion.)
                    await self._prepare(container)
            await self._start_steps([c for c in self.containers if c.is_step])
        await self._stop_native_sidecars()
        await self._remove_when_all_exited()

    async def _stop_lost(self) -> None:
        """Stop what still runs (or waits to) once a container is lost."""
        await self._terminate(
            [c for c in self.all_containers() if c.alive or c.record.state == "running"], 0.0
        )
        self.changed()

    def _needs_sandbox(self) -> bool:
        # Tekton's results sidecar only reads files: it needs no shared network.
        sidecars = [
            c
            for c in [*self.containers, *(c for c in self.init_containers if c.native_sidecar)]
            if not c.is_step and self._program(c)[0] != "sidecarlogresults"
        ]
        return bool(sidecars)

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        if self._needs_sandbox():
            self.sandbox_task = loop.create_task(self._make_sandbox())
        # The app containers' images are looked at (and pulled as their policy says)
        # while the volumes and init containers are prepared: their outcome only shows
        # in the containers' statuses once the init containers are done.
        for container in self.containers:
            image = str(container.spec.get("image", ""))
            if self._program(container)[1]:
                image = self.context.pod_images.shell
            policy = str(container.spec.get("imagePullPolicy") or "IfNotPresent")
            self.early_images[container.name] = loop.create_task(
                self._early_image(self.context.image_map.rewrite(image), policy, image)
            )
        if not await self._setup_volumes():
            return
        self.patterns = self.context.mask_patterns(self.pod)
        if not await self._run_init_containers():
            return
        if self.sandbox_task is not None:
            self.sandbox = await self.sandbox_task
            if self.sandbox is None:
                return
        await self._run_app_containers()
        await self._stop_native_sidecars()
        await self._remove_when_all_exited()

    async def _remove_when_all_exited(self) -> None:
        """Once every container has exited (sidecars are stopped after the steps),
        remove them and the sandbox at once instead of at the Pod's deletion: the
        statuses and logs are kept by the runtime, not the engine."""
        await asyncio.gather(*(c.exited for c in self.all_containers() if c.created))
        # The engine forgets the containers now: a restarted runtime reads this instead.
        pod_state.save_final(self.internal, self.pod_json()["status"])
        await self._remove_all()

    async def _remove_all(self, *, everything: bool = False) -> None:
        """Remove the Pod's containers and the sandbox (``everything``: also those
        whose creation may have been interrupted, when the Pod is deleted)."""
        if self.removed:
            return
        self.removed = True
        engine = self.context.engine
        names = [c.engine_name for c in self.all_containers() if everything or c.created]
        if names:
            await engine.remove(names)
        if self._needs_sandbox():
            await engine.remove_sandbox(f"{self.prefix}-pod")
        self.removal_done = True

    async def _make_sandbox(self) -> str | None:
        name = f"{self.prefix}-pod"
        try:
            return await self.context.engine.create_sandbox(
                name,
                self.hostname,
                self.labels,
                self.context.image_map.rewrite(self.context.infra_image),
            )
        except EngineError as error:
            for container in self.all_containers():
                if container.record.state == "waiting":
                    container.record.wait(
                        "CreateContainerError", f"creating the Pod sandbox: {error.message}"
                    )
            self.changed()
            return None

    def _materialise_volumes(self) -> dict[str, HostVolume]:
        return materialise_volumes(self.pod, self.dir, self.context.cluster)

    def _complete_on_host(self, container: Container, error: str | None) -> None:
        container.record.run(f"{self.context.engine.flavour}://host-{container.engine_name}")
        if error is None:
            container.record.terminate(0, COMPLETED, "")
        else:
            container.record.terminate(1, ERROR, error)
            with (
                contextlib.suppress(OSError),
                open(self.log_dir / f"{container.name}.log", "ab") as handle,
            ):
                handle.write(error.encode() + b"\n")
        if not container.exited.done():
            container.exited.set_result(None)
        self.changed()

    async def _start_init(self, container: Container) -> None:
        spec = container.spec
        handled = True
        if host_init.is_prepare(spec):
            try:
                binary = await self.context.entrypoint_binary()
            except Exception as error:  # any failure to provide it fails the container
                self._complete_on_host(container, f"the step wrapper is unavailable: {error}")
            else:
                self._complete_on_host(
                    container,
                    host_init.prepare(spec, self.volumes, host_init.bundle_installer(binary)),
                )
        elif host_init.is_working_dir_init(spec):
            self._complete_on_host(container, host_init.working_dir_init(spec, self.volumes))
        elif host_init.place_scripts(spec, self.volumes):
            self._complete_on_host(container, None)
        else:
            handled = False
        if not handled:
            if not await self._prepare(container):
                await asyncio.Future()  # can never start: wait for the Pod's deletion
            await self._start(container)

    async def _run_app_containers(self) -> None:
        loop = asyncio.get_running_loop()
        sidecars = [c for c in self.containers if not c.is_step]
        steps = [c for c in self.containers if c.is_step]
        first = self._run_at_start()
        prepared = {
            c.name: loop.create_task(self._prepare(c, run_later=c.name in first))
            for c in [*sidecars, *steps]
        }
        for container in sidecars:
            container.tasks.append(loop.create_task(self._start_when(container, prepared)))
        # Every step is shown running at once (they all wait on their entrypoint);
        # they are started in order, at most ``window`` ahead.
        for container in steps:
            container.tasks.append(loop.create_task(self._start_when(container, prepared)))
        await asyncio.gather(*prepared.values())
        pod_state.mark_created(self.internal)  # from now on a restart must not start over
        await self._start_steps(steps)

    def _run_at_start(self) -> set[str]:
        """The steps started at once, which the engine process that starts them also
        creates (``run``): one engine start-up less on the way to the first step. Every
        other container exists before any starts (a restart must know what ran)."""
        steps = [c.name for c in self.containers if c.is_step]
        return set(steps[: max(1, self.context.window)])

    async def _start_steps(self, steps: list[Container]) -> None:
        """Start the created steps not started yet, in order, at most ``window`` ahead;
        return once every app container has ended."""
        window = max(1, self.context.window)
        started = [c for c in steps if c.process is not None]
        for container in steps:
            if container.process is not None or self.lost:
                continue
            ahead = [c for c in started if not c.exited.done()]
            while len(ahead) >= window:
                await asyncio.wait([c.exited for c in ahead], return_when=asyncio.FIRST_COMPLETED)
                ahead = [c for c in ahead if not c.exited.done()]
            if container.startable and container.record.terminated is None and not self.lost:
                await self._start(container)
                started.append(container)
        await asyncio.gather(
            *(c.exited for c in self.containers if c.startable),
            return_exceptions=True,
        )
        if not all(c.exited.done() for c in self.containers):
            await asyncio.Future()  # a container never started: wait for the deletion

    async def _start_when(self, container: Container, prepared: dict[str, Any]) -> None:
        """Sidecars start as soon as they are created; steps are shown running."""
        if not await prepared[container.name]:
            return
        if container.is_step:
            if container.record.state == "waiting":
                self._mark_running(container, "")
            return
        await self._start(container)

    def _program(self, container: Container) -> tuple[str | None, bool]:
        """The ``/ko-app`` program the container runs (None: none) and whether its
        image is one of Tekton's own (then the shell image stands in for it)."""
        images = self.context.pod_images
        image = str(container.spec.get("image", ""))
        for program, own in (
            ("entrypoint", images.entrypoint),
            ("sidecarlogresults", images.sidecar_log_results),
            ("workingdirinit", images.working_dir_init),
        ):
            if image == own:
                return program, True
        command = [str(part) for part in container.spec.get("command") or []]
        for program in ("entrypoint", "sidecarlogresults", "workingdirinit"):
            if command[:1] == [f"{host_init.KO_APP}/{program}"]:
                return program, False
        return None, False

    async def _prepare(self, container: Container, *, run_later: bool = False) -> bool:
        """Pull (as the policy says) and create the container; False when it cannot be
        (its record then says why). ``run_later``: only plan it, for ``_start`` to
        create and start it at once (when its working directory needs no engine call
        beforehand)."""
        spec = container.spec
        image = str(spec.get("image", ""))
        _, own_image = self._program(container)
        if own_image:
            image = self.context.pod_images.shell
        mapped = self.context.image_map.rewrite(image)
        policy = str(spec.get("imagePullPolicy") or "IfNotPresent")
        backoff = PULL_BACKOFF_START
        early = self.early_images.pop(container.name, None)
        while True:
            try:
                if early is not None:
                    lookup, early = early, None
                    info = await lookup
                else:
                    info = await self.context.images(mapped, policy, image, self._authfile())
                break
            except PullError as error:
                if error.reason == ERR_IMAGE_NEVER_PULL:
                    container.record.wait(error.reason, error.message)
                    self.changed()
                    return False
                container.record.wait(ERR_IMAGE_PULL, error.message)
                self.changed()
                await asyncio.sleep(0.2)
                container.record.wait(
                    IMAGE_PULL_BACKOFF, f'Back-off pulling image "{image}": {error.message}'
                )
                self.changed()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, PULL_BACKOFF_MAX)
        container.image = mapped
        digest = next((d for d in info.repo_digests), "")
        container.image_id = digest or (
            info.id if info.id.startswith("sha256:") else f"sha256:{info.id}"
        )
        container.image_user = info.user
        while True:
            try:
                await self._create(container, run_later=run_later)
                return True
            except ContainerConfigError as error:
                container.record.wait(CREATE_CONTAINER_CONFIG_ERROR, error.message)
                self.changed()
                if error.permanent:
                    return False
            except EngineError as error:
                container.record.wait("CreateContainerError", error.message)
                self.changed()
                return False
            await asyncio.sleep(CONFIG_RETRY_SECONDS)

    async def _early_image(self, mapped: str, policy: str, image: str) -> ImageInfo:
        return await self.context.images(mapped, policy, image, self._authfile())

    def _authfile(self) -> str | None:
        """The Pod's pull Secrets (``imagePullSecrets``) as an auth file; None without
        any. PullError when one is not valid docker configuration."""
        if not (self.pod.get("spec") or {}).get("imagePullSecrets"):
            return None
        from tektite.runtime.pull_secrets import PullSecretsError, pull_auth

        try:
            text = pull_auth(self.pod, self.context.cluster).config_json()
        except PullSecretsError as error:
            raise PullError(ERR_IMAGE_PULL, str(error)) from None
        if text is None:
            return None
        path = self.internal / "auth" / "config.json"  # docker reads <dir>/config.json
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        return str(path)

    async def _create(self, container: Container, *, run_later: bool = False) -> None:
        termination = self.internal / "termination" / container.name
        join = self.context.engine.join_args(self.sandbox) if self.sandbox else []
        extra: list[str] = []
        program, own_image = self._program(container)
        if program is not None:
            # The step-wrapper bundle: /ko-app/<program> are its launchers.
            bundle = await self.context.entrypoint_binary()
            extra += ["-v", f"{bundle}:{host_init.KO_APP}:ro"]
        if (not container.is_step and not container.init) or container.native_sidecar:
            # A sidecar's own process is often PID 1 without a SIGTERM handler (a
            # shell, sleep): a tiny init forwards the signal so that stopping it does
            # not always wait out the whole grace period.
            extra.append("--init")
        spec = container.spec
        if program is not None and own_image and not spec.get("command"):
            # The shell image standing in for Tekton's has not its ENTRYPOINT.
            spec = {**spec, "command": [f"{host_init.KO_APP}/{program}"]}
        plan = plan_container(
            pod=self.pod,
            container=spec,
            volumes=self.volumes,
            cluster=self.context.cluster,
            name=container.engine_name,
            image=container.image,
            image_user=container.image_user,
            termination_file=termination,
            join=join,
            hostname=self.hostname,
            labels=self.labels,
            passthrough=self.context.engine.passthrough_logs,
            json_entrypoint=self.context.engine.json_entrypoint,
            extra=extra,
        )
        container.termination_file = plan.termination_file
        if any("\0" in part for part in plan.args) or any("\0" in i for i in plan.env.items()):
            # Neither the engine's command line nor execve can carry it.
            program = (spec.get("command") or [container.image])[0]
            container.start_error = (
                f'unable to start container process: exec: "{program}": invalid argument'
            )
            return
        cid_file = self.internal / "cid" / container.name
        cid_file.unlink(missing_ok=True)
        args = ["--cidfile", str(cid_file), *plan.args]
        if run_later and self._working_dir_on_host(spec, plan.mounts):
            await self._make_working_dir(container, spec, plan.mounts)
            container.run_args, container.run_env = args, dict(plan.env)
            return
        await self.context.engine.create(args, plan.env)
        container.created = True
        await self._make_working_dir(container, spec, plan.mounts)
        self._read_container_id(container)

    def _read_container_id(self, container: Container) -> None:
        """The engine's ID of the created container (``--cidfile``), as ``containerID``."""
        try:
            cid = (self.internal / "cid" / container.name).read_text().strip()
        except OSError:
            cid = ""
        flavour = self.context.engine.flavour
        container.record.container_id = f"{flavour}://{cid or container.engine_name}"

    @staticmethod
    def _working_dir_on_host(spec: dict[str, Any], mounts: list[Mount]) -> bool:
        """Whether the container's ``workingDir`` is ``/`` or in one of its volumes
        (made on the host), so that no engine call is needed before it starts."""
        working_dir = os.path.normpath(str(spec.get("workingDir") or "/"))
        pairs = [(mount.target, mount.source) for mount in mounts if not mount.is_file]
        return working_dir == "/" or host_init.host_path(working_dir, pairs) is not None

    async def _make_working_dir(
        self, container: Container, spec: dict[str, Any], mounts: list[Mount]
    ) -> None:
        """Create a missing ``workingDir``: in its volume when one holds it, else in the
        container's own file system."""
        working_dir = os.path.normpath(str(spec.get("workingDir") or "/"))
        if working_dir == "/":
            return
        pairs = [(mount.target, mount.source) for mount in mounts if not mount.is_file]
        on_host = host_init.host_path(working_dir, pairs)
        try:
            if on_host is not None:
                os.makedirs(on_host, mode=0o755, exist_ok=True)
            else:
                await self.context.engine.make_directory(container.engine_name, working_dir)
        except (OSError, EngineError):
            pass  # the engine then says why the container cannot start

    # ------------------------------------------------------------------ processes

    def _start_failed(self, container: Container, message: str) -> None:
        """The kubelet's StartError: the process could not be started."""
        if container.record.started_at is None:
            container.record.run(container.record.container_id)
        container.record.terminate(128, START_ERROR, message)
        if not container.exited.done():
            container.exited.set_result(None)
        self.changed()

    async def _start(self, container: Container) -> None:
        """Start a created container attached to its log file (or masking relay)."""
        if container.start_error:
            self._start_failed(container, container.start_error)
            return
        log_path = self.log_dir / f"{container.name}.log"
        relay_fd: int | None = None
        if self.patterns and self.context.start_relay is not None:
            container.relay, relay_fd = self.context.start_relay(log_path, self.patterns)
            log_fd = relay_fd
        else:
            log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        try:
            pod_state.begin_start(self.internal, container.name)
            if container.run_args is not None:
                process = await self.context.engine.run_attached(
                    container.run_args, container.run_env, log_fd
                )
                container.created = True
            else:
                process = await self.context.engine.start_attached(container.engine_name, log_fd)
        except OSError as error:
            self._start_failed(container, str(error))
            return
        finally:
            os.close(log_fd)
        container.process = process
        if not container.is_step:
            # A sidecar counts as running (and, without probes, ready: the steps may
            # start) only once its process runs, as the kubelet reports it.
            await self._until_running(container)
        if container.record.started_at is None:
            self._mark_running(container, container.record.container_id)
        container.tasks.append(asyncio.get_running_loop().create_task(self._wait_exit(container)))

    async def _until_running(self, container: Container) -> None:
        process = container.process
        deadline = time.monotonic() + START_WAIT_SECONDS
        while process is not None and process.returncode is None:
            status = await self.context.engine.status(container.engine_name)
            if status not in ("created", "configured", "initialized", ""):
                return  # running, or already ended
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.02)

    def _mark_running(self, container: Container, container_id: str) -> None:
        record = container.record
        record.run(container_id or record.container_id)
        record.started = container.spec.get("startupProbe") is None
        record.ready = self._initially_ready(container)
        container.started_mono = time.monotonic()
        self.changed()

    def _initially_ready(self, container: Container) -> bool:
        if container.init and not container.native_sidecar:
            return False
        return (
            container.spec.get("readinessProbe") is None
            and container.spec.get("startupProbe") is None
        )

    async def _wait_exit(self, container: Container) -> None:
        process = container.process
        assert process is not None
        if not container.probes_started:
            container.probes_started = True
            container.started_mono = time.monotonic()
            self._start_probes(container)
        code = await process.wait()
        record = container.record
        if not record.container_id:  # created by its ``run``: known only now
            self._read_container_id(container)
        finished_at: str | None = None
        state: dict[str, Any] | None = None
        if container.adopted:
            # The engine's wait ended: the container has exited, or it is gone.
            name = container.engine_name
            state = (await self.context.engine.states([name])).get(name)
            if state is None or str(state.get("Status", "")) not in ("exited", "stopped", "dead"):
                if not container.stop_requested:
                    self._lose(container)
                    self._end_wait(container)
                    self._stop_lost_soon()
                    return
                state = {}
            code = int(state.get("ExitCode") or 0)
            finished_at = pod_state.engine_time(state.get("FinishedAt"))
        if container.relay is not None:
            # The relay ends at end of file: once it has, the log is complete.
            with contextlib.suppress(Exception):
                await asyncio.get_running_loop().run_in_executor(None, container.relay.wait)
        log = self.log_dir / f"{container.name}.log"
        engine_failed = engine_error(log_tail(log)) if code == 125 else ""
        if container.stop_requested:
            self._end_as_stopped(container)
        elif engine_failed:
            # The engine could not start the process (its own error, exit status 125):
            # what the kubelet reports as StartError.
            record.terminate(128, START_ERROR, engine_failed)
        else:
            message = read_limited(container.termination_file, MAX_TERMINATION_MESSAGE).decode(
                "utf-8", "replace"
            )
            policy = container.spec.get("terminationMessagePolicy")
            if not message and code != 0 and policy == "FallbackToLogsOnError":
                message = log_tail(log)
            reason = COMPLETED if code == 0 else ERROR
            if code != 0 and await self._oom_killed(container, state):
                reason = OOM_KILLED
            record.terminate(code, reason, message)
        if finished_at and record.terminated is not None:
            record.terminated.finished_at = finished_at  # it ended before the restart
        self._end_wait(container)

    async def _oom_killed(self, container: Container, state: dict[str, Any] | None) -> bool:
        """Whether the engine saw the kernel kill a process of the container for want of
        memory (``state``: its ``State``, when already read). Asked of failed containers
        only (a success that survived an OOM kill of a child ends ``Completed`` here; the
        kubelet would say ``OOMKilled``): one engine call per exit is not free."""
        if state is None:
            name = container.engine_name
            state = (await self.context.engine.states([name])).get(name) or {}
        return state.get("OOMKilled") is True

    def _end_wait(self, container: Container) -> None:
        for task in container.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        if not container.exited.done():
            container.exited.set_result(None)
        self.changed()

    def _stop_lost_soon(self) -> None:
        task = asyncio.get_running_loop().create_task(self._stop_lost())
        self.lost_tasks.add(task)
        task.add_done_callback(self.lost_tasks.discard)

    # ------------------------------------------------------------------ probes

    def _start_probes(self, container: Container) -> None:
        """The kubelet's probe workers (``probes.start_probes``): exec probes through
        the engine, network probes from inside the Pod's network namespace."""

        async def exec_check(command: list[str], timeout: float) -> ProbeOutcome:
            code, out = await self.context.engine.exec(container.engine_name, command, timeout)
            if code == -1:
                return False, f"command timed out after {timeout:g}s"
            return code == 0, out.decode("utf-8", "replace")

        start_probes(
            container,
            exec_check=exec_check,
            in_network=lambda check: self._in_network(container, check),
            changed=self.changed,
            kill=lambda: self._terminate([container], self._grace()),
        )

    async def _in_network(
        self, container: Container, check: Callable[[], Awaitable[ProbeOutcome]]
    ) -> ProbeOutcome:
        """Run a network probe from inside the container's network namespace, as the
        kubelet's probes reach the Pod's IP (here: its loopback)."""
        try:
            state = await self.context.engine.container_state(container.engine_name)
        except (EngineError, ValueError) as error:
            return False, str(error)
        pid = int(state.get("Pid") or 0)
        if pid <= 0:
            return False, "container is not running"
        future: asyncio.Future[ProbeOutcome] = asyncio.get_running_loop().create_future()
        loop = asyncio.get_running_loop()

        def run() -> None:
            try:
                outcome = _run_in_netns(pid, check)
            except Exception as error:  # reported as a failed probe
                outcome = (False, str(error))
            loop.call_soon_threadsafe(_settle, future, outcome)

        threading.Thread(target=run, daemon=True).start()
        return await future

    # ------------------------------------------------------------------ stopping

    async def _deadline(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._exceed_deadline()

    async def _terminate(self, containers: list[Container], grace: float) -> None:
        """Stop the running containers (SIGTERM, ``grace``, SIGKILL); containers shown
        running but never started end as killed."""
        self._end_unstarted(containers)
        live = [c for c in containers if c.alive]
        if not live:
            return
        await self.context.engine.stop([c.engine_name for c in live], grace)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(asyncio.shield(c.exited) for c in live)), 10)

    async def delete(self) -> None:
        """Stop every container, remove them and the sandbox, and the Pod's directory
        (logs are kept)."""
        if self.removed and self.task is not None and not self.task.done():
            # Every container has exited and their removal is under way: let it end.
            await asyncio.wait({self.task})
        for task in (self.task, self.deadline_task):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.wait({task})
            if task is not None and not task.cancelled():
                task.exception()
        if self.sandbox_task is not None and not self.sandbox_task.done():
            self.sandbox_task.cancel()
            await asyncio.wait({self.sandbox_task})
        early = list(self.early_images.values())
        self.early_images.clear()
        for lookup in early:
            lookup.cancel()
        if early:
            await asyncio.wait(early)
            for lookup in early:
                if not lookup.cancelled():
                    lookup.exception()  # retrieved: the Pod is going away
        try:
            await self._terminate(self.all_containers(), self._grace())
        finally:
            for container in self.all_containers():
                for task in container.tasks:
                    task.cancel()
            if not self.removal_done:
                self.removed = False  # no early removal, or it was interrupted
                await self._remove_all(everything=True)
            for container in self.all_containers():
                if container.process is not None and container.process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        container.process.kill()
            _remove_pod_dir(self.dir)
            if self.owner_fd is not None:
                os.close(self.owner_fd)
                self.owner_fd = None


_CLONE_NEWNET = 0x40000000


def _settle(future: asyncio.Future[ProbeOutcome], outcome: ProbeOutcome) -> None:
    if not future.done():
        future.set_result(outcome)


async def _await(check: Callable[[], Awaitable[ProbeOutcome]]) -> ProbeOutcome:
    return await check()


def _run_in_netns(pid: int, check: Callable[[], Awaitable[ProbeOutcome]]) -> ProbeOutcome:
    """Run ``check`` on a private event loop in this (fresh) thread, after moving the
    thread into the network namespace of process ``pid``. The thread ends afterwards,
    so its namespace never leaks to other work."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(fd, _CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            return False, f"setns: {os.strerror(error)}"
    finally:
        os.close(fd)
    return asyncio.run(_await(check))
