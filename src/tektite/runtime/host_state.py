"""What the host runtime keeps on disk so that a restarted runtime can adopt its Pods.

Crash safety of the embedded control plane: when the process running the controller
and the ``HostRuntime`` dies (``kill -9``, an OOM kill, a crash), its Pods do not die
with it, as Pods do not die with Tekton's controller. The containers run on: the
launcher service that forked them lives in its own session, notices that its runtime
is gone (the channel closes without the ``K`` of a deliberate shutdown), keeps reaping
its children, records each exit, and leaves after the last one. A step that was
pre-started but not yet released sees its *go* pipe close and exits without running
anything. Logs are files opened for appending by the containers themselves, so every
line written meanwhile is kept.

A restarted runtime on the same data directory adopts every Pod whose owner is gone
and carries on as the dead runtime would have. Per Pod, under
``<data_dir>/pods/<namespace>/<name>/.tektite/``:

- ``pod.json``: the manifest (with its current annotations: ``tekton.dev/ready``, a
  cancel) and the Pod's ``startTime``, rewritten whenever they change;
- ``owner.lock``: ``flock``-ed by the live runtime that runs the Pod. The kernel drops
  the lock when that process dies, so a Pod whose lock can be taken has no runtime,
  and a runtime never adopts the Pods of another live one;
- ``state/<container>.pid``: ``<pid> <start time> <cgroup>``, written by the container's
  launcher as it starts (removed by a pre-started step that was never released);
- ``state/<container>.exit``: the raw wait status, written by whoever reaps the
  process (the launcher service, before or after the restart).

Adopting a Pod reads each container in order: an ``.exit`` file means it terminated
(its exit code, termination message and log are read as if the runtime had seen it
end); a live process whose start time matches is running and is watched (``pidfd``)
until its exit is recorded; no ``.pid`` file means it never started, and it starts now,
once what it waits for is there. A ``.pid`` file whose process is gone without a
recorded exit (the launcher service was killed too, or the machine rebooted) is what
the kubelet reports for a container whose state is lost: terminated with exit code
137, reason ``ContainerStatusUnknown``, so the TaskRun fails and says so. Nothing is
run a second time.

Where tmpfs is at hand (``/dev/shm``), ``.tektite`` is a symlink to the Pod's directory
in a private scratch directory there (``scratch_root``), which also holds the volumes
that need not be on disk (all but the emptyDirs that may hold the user's data,
``volumes.keeps_data``): creating and removing a Pod's dozen small directories and
state files then costs no journalled disk writes. The scratch survives the runtime's
process, so a crash is adopted as above; after a reboot it is gone, and the TaskRuns
of such Pods fail with ``TaskRunPodLost`` instead (their processes died with the
machine either way).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import stat
import time
from pathlib import Path
from typing import Any

import msgspec

from tektite.runtime.launcher import EXIT_SUFFIX, PID_SUFFIX
from tektite.runtime.protocol import Pod
from tektite.runtime.spawner import LaunchedProcess

MANIFEST = "pod.json"
ENGINE_FILE = "engine"
"""Present beside the manifest when a container engine (podman/docker) runs the Pod:
its own runtime adopts it, never the host runtime (which would run its steps again)."""
OWNER_LOCK = "owner.lock"
STATE_DIR = "state"
LOST_REASON = "ContainerStatusUnknown"
LOST_MESSAGE = "The container could not be located when the pod was terminated"
LOST_EXIT_CODE = 137
# How long an adopted process's exit may take to be recorded by its reaper after the
# process is gone, before it counts as lost.
_EXIT_RECORD_WAIT = 2.0
_POLL = 0.02


def state_prefix(internal: Path, container: str) -> Path:
    """The path prefix of a container's state files (``.pid``, ``.exit``)."""
    return internal / STATE_DIR / container


def clear_state(prefix: Path) -> None:
    """Forget a container's previous state files before it is started."""
    for suffix in (PID_SUFFIX, EXIT_SUFFIX):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{prefix}{suffix}")


def _rfc3339(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


class ContainerState(msgspec.Struct, frozen=True):
    """A container's process as recorded on disk."""

    pid: int
    start_ticks: str
    cgroup: str
    started_at: str
    exit_status: int | None
    """The raw wait status, once its reaper recorded it."""
    finished_at: str | None

    @property
    def alive(self) -> bool:
        """The recorded process still runs (the same process, not a reused pid)."""
        return (
            self.exit_status is None
            and self.pid > 0
            and process_start_ticks(self.pid) == self.start_ticks
        )


def read_state(prefix: Path) -> ContainerState | None:
    """The container's recorded state; None when it never started."""
    pid_file = f"{prefix}{PID_SUFFIX}"
    try:
        text = Path(pid_file).read_text()
        started = os.stat(pid_file).st_mtime
    except OSError:
        return None
    fields = text.split()
    if len(fields) < 2 or not fields[0].isdigit():
        # Caught being written (or torn): the container started, its pid is unknown.
        # Counted as started, so that it is never started a second time.
        fields = ["0", ""]
    status, finished = read_exit(prefix)
    return ContainerState(
        pid=int(fields[0]),
        start_ticks=fields[1],
        cgroup=fields[2] if len(fields) > 2 else "",
        started_at=_rfc3339(started),
        exit_status=status,
        finished_at=finished,
    )


def read_exit(prefix: Path) -> tuple[int | None, str | None]:
    """The recorded wait status and when it was recorded, or (None, None)."""
    exit_file = f"{prefix}{EXIT_SUFFIX}"
    try:
        text = Path(exit_file).read_text().strip()
        finished = os.stat(exit_file).st_mtime
    except OSError:
        return None, None
    if not text.lstrip("-").isdigit():
        return None, None
    return int(text), _rfc3339(finished)


def process_start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks (``/proc/<pid>/stat`` field 22)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
        fields = data[data.rfind(b")") + 2 :].split()
        if fields[0] == b"Z":  # a zombie has exited: only its reaper is missing
            return None
        return fields[19].decode()
    except (OSError, IndexError):
        return None


class AdoptedProcess(LaunchedProcess):
    """A container process started by a runtime that died: not our child, so its exit
    is learnt from a ``pidfd`` (or polling) and its status from the ``.exit`` file its
    reaper writes. ``lost`` is set when no status was ever recorded."""

    def __init__(self, loop: asyncio.AbstractEventLoop, state: ContainerState, prefix: Path):
        super().__init__(loop)
        self._loop = loop
        self._prefix = prefix
        self._start_ticks = state.start_ticks
        self._pidfd: int | None = None
        self._gone_at = 0.0
        self.lost = False
        if state.pid > 0:  # (never 0: os.kill(0, …) would signal our own group)
            self._set_pid(state.pid)
        if not state.alive:
            loop.call_soon(self._collect)  # gone already (or the pid is another's now)
            return
        with contextlib.suppress(AttributeError, OSError):
            self._pidfd = os.pidfd_open(state.pid)
        if self._pidfd is not None:
            loop.add_reader(self._pidfd, self._on_pidfd)
        else:
            loop.call_soon(self._poll)

    def _on_pidfd(self) -> None:
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        self._collect()

    def _poll(self) -> None:
        if process_start_ticks(self.pid or 0) == self._start_ticks:
            self._loop.call_later(_POLL, self._poll)
            return
        self._collect()

    def _collect(self) -> None:
        status, _ = read_exit(self._prefix)
        if status is not None:
            self._set_exit(os.waitstatus_to_exitcode(status))
            return
        now = time.monotonic()
        if not self._gone_at:
            self._gone_at = now
        if now - self._gone_at < _EXIT_RECORD_WAIT:
            self._loop.call_later(_POLL, self._collect)
            return
        self.lost = True
        self._set_exit(-signal.SIGKILL)

    def close(self) -> None:
        """Stop watching (the process is left alone)."""
        if self._pidfd is not None:
            with contextlib.suppress(ValueError, RuntimeError):
                self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None


# -- where Pod directories live ---------------------------------------------------------

SHM = Path("/dev/shm")
_SCRATCH_GRACE = 60.0
_DATA_DIR_FILE = ".data-dir"


def scratch_root(data_dir: Path, shm: Path = SHM) -> Path | None:
    """The tmpfs directory holding ``data_dir``'s Pod directories (created if need be),
    or None when there is no usable tmpfs: then they live under ``data_dir/pods``.

    ``<shm>/tektite-<uid>`` must be a directory of this user that nobody else can
    write (``/dev/shm`` is world-writable: someone may have planted it); below it, one
    directory per data directory (a hash of its path).
    """
    if os.environ.get("TEKTITE_POD_SCRATCH") == "disk" or not os.access(shm, os.W_OK):
        return None
    base = shm / f"tektite-{os.geteuid()}"
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(base, 0o700)
        info = os.lstat(base)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
            return None
        root = base / hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
        root.mkdir(mode=0o700, exist_ok=True)
        owner = root / _DATA_DIR_FILE
        if not owner.exists():
            owner.write_text(str(data_dir))
    except OSError:
        return None
    _sweep_scratch(base, root)
    return root


def _sweep_scratch(base: Path, keep: Path) -> None:
    """Remove the scratch of data directories that no longer exist (a temporary one
    deleted without its runtime closing, e.g. after a crash): nothing could ever adopt
    those Pods, and tmpfs is memory. A scratch with a Pod a live runtime owns stays."""
    for root in base.iterdir():
        if root == keep:
            continue
        try:
            data_dir = (root / _DATA_DIR_FILE).read_text()
        except OSError:
            continue  # being made, or not ours to judge
        if os.path.exists(data_dir):
            continue
        held = []
        try:
            for scratch in root.glob("*/*"):
                fd = claim(scratch)
                if fd is None:
                    break  # a live runtime still runs one of its Pods
                held.append(fd)
            else:
                shutil.rmtree(root, ignore_errors=True)
        except OSError:
            pass
        finally:
            for fd in held:
                os.close(fd)


def collect_scratch(root: Path, pods_dir: Path) -> None:
    """Remove scratch Pod directories no ``.tektite`` link leads to any more (the Pod's
    directory was deleted while the runtime was down) and that no live runtime owns."""
    for scratch in root.glob("*/*"):
        link = pods_dir / scratch.parent.name / scratch.name / ".tektite"
        with contextlib.suppress(OSError):
            if os.readlink(link) == str(scratch):
                continue
        try:
            if time.time() - os.stat(scratch).st_mtime < _SCRATCH_GRACE:
                continue  # another runtime on this data directory may be making it
            fd = claim(scratch)
        except OSError:
            continue
        if fd is None:
            continue  # a live runtime runs it
        shutil.rmtree(scratch, ignore_errors=True)
        os.close(fd)


def lost_pod_dirs(pods_dir: Path, root: Path) -> list[Path]:
    """Pod directories whose ``.tektite`` link leads into the scratch ``root`` but to
    nothing: their scratch is gone (a reboot empties tmpfs). No runtime can adopt or
    own them any more (their TaskRuns fail with ``TaskRunPodLost``); only their
    directory on disk is left. (A Pod's scratch is made before its link, and a closing
    runtime moves the link away before the scratch: a live Pod never looks lost.)"""
    lost: list[Path] = []
    prefix = str(root) + os.sep
    for namespace in _subdirectories(pods_dir):
        for pod_dir in _subdirectories(namespace):
            link = pod_dir / ".tektite"
            try:
                target = os.readlink(link)
            except OSError:
                continue  # none, or a real directory (a Pod of an earlier version)
            if target.startswith(prefix) and not os.path.lexists(target):
                lost.append(pod_dir)
    return lost


def _subdirectories(directory: Path) -> list[Path]:
    try:
        with os.scandir(directory) as entries:
            return [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def prune_scratch(root: Path) -> None:
    """Remove ``root`` and its namespace directories if they are empty (a runtime
    closing leaves nothing behind on tmpfs)."""
    with contextlib.suppress(OSError):
        names = os.listdir(root)
        for namespace in names:
            with contextlib.suppress(OSError):
                os.rmdir(root / namespace)
        if not set(os.listdir(root)) - {_DATA_DIR_FILE}:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(root / _DATA_DIR_FILE)
            os.rmdir(root)


# -- the Pod's manifest and owner ----------------------------------------------------------


def save_pod(internal: Path, pod: Pod, start_time: str) -> None:
    """Write the manifest (and the Pod's start time) atomically."""
    target = internal / MANIFEST
    temporary = internal / f".{MANIFEST}.tmp"
    temporary.write_bytes(msgspec.json.encode({"pod": pod, "startTime": start_time}))
    os.replace(temporary, target)


def claim(internal: Path) -> int | None:
    """Take the Pod's owner lock; its fd (keep it open), or None if a live runtime
    holds it."""
    fd = os.open(internal / OWNER_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


class Orphan(msgspec.Struct, frozen=True):
    """A Pod left by a runtime that died, now claimed by this one."""

    pod: Pod
    start_time: str
    owner_fd: int


def claim_orphans(pods_dir: Path, engine: str = "") -> list[Orphan]:
    """Claim every Pod under ``<data_dir>/pods`` whose runtime is gone and that
    ``engine`` ran ("": the host runtime, whose Pods record no engine)."""
    found: list[Orphan] = []
    for manifest in sorted(pods_dir.glob(f"*/*/.tektite/{MANIFEST}")):
        internal = manifest.parent
        if saved_engine(internal) != engine:
            continue
        fd = claim(internal)
        if fd is None:
            continue
        try:
            saved: dict[str, Any] = msgspec.json.decode(manifest.read_bytes())
            pod = saved["pod"]
            start_time = str(saved.get("startTime") or "")
            if not isinstance(pod, dict):
                raise ValueError("not a Pod")
        except (OSError, ValueError, KeyError, TypeError, msgspec.DecodeError):
            os.close(fd)
            continue
        found.append(Orphan(pod, start_time, fd))
    return found


def save_engine(internal: Path, flavour: str) -> None:
    """Record that container engine ``flavour`` runs the Pod (before its manifest)."""
    temporary = internal / f".{ENGINE_FILE}.tmp"
    temporary.write_text(flavour)
    os.replace(temporary, internal / ENGINE_FILE)


def saved_engine(internal: Path) -> str:
    """The engine that ran the Pod ("" when not recorded: a host runtime Pod)."""
    try:
        return (internal / ENGINE_FILE).read_text().strip()
    except OSError:
        return ""
