"""Finding and killing every process of a container.

In a Pod, all processes of a container die with it: when its main process exits the
PID namespace is torn down, and deleting the Pod kills the container's cgroup. A host
process tree has neither, so each container gets a tracker:

- ``CgroupTracker`` (root, cgroup v2 with ``cgroup.kill``): each container starts in a
  cgroup of its own (the launcher service forks it into it, see ``launcher``), so every
  descendant — even one that double-forks and calls ``setsid`` — stays in it, and
  ``cgroup.kill`` kills them all at once;
- ``SessionTracker`` otherwise: the launcher starts a new session, and the tracker scans
  ``/proc`` for processes of that session or descending from a process seen before.
  A daemon that leaves the session *and* is re-parented before a scan escapes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path


def _proc_table() -> list[tuple[int, int, int]]:
    """(pid, ppid, session id) of every process, from ``/proc/<pid>/stat``."""
    table: list[tuple[int, int, int]] = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        # The command name is in parentheses and may itself contain ") ".
        fields = data[data.rfind(b")") + 2 :].split()
        if len(fields) < 4:
            continue
        table.append((int(name), int(fields[1]), int(fields[3])))
    return table


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        return


class SessionTracker:
    """The processes of a container, found by session id and parentage."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self._known: set[int] = {root_pid}

    @property
    def cgroup(self) -> str | None:
        """No cgroup: the launcher stays in the runtime's."""
        return None

    def members(self) -> list[int]:
        """Live processes of the container (the root included while it lives)."""
        table = _proc_table()
        children: dict[int, list[int]] = {}
        found: set[int] = set()
        for pid, ppid, sid in table:
            children.setdefault(ppid, []).append(pid)
            if sid == self.root_pid or pid in self._known:
                found.add(pid)
        pending = list(found)
        while pending:
            for child in children.get(pending.pop(), []):
                if child not in found:
                    found.add(child)
                    pending.append(child)
        live = {pid for pid, _, _ in table}
        self._known = (self._known | found) & live
        return sorted(found & live)

    def kill_all(self) -> bool:
        """SIGKILL every member; return True if there were any."""
        members = self.members()
        # Stop them first so none can fork a new child between scan and kill.
        for pid in members:
            _kill(pid, signal.SIGSTOP)
        members = self.members()
        for pid in members:
            _kill(pid, signal.SIGKILL)
        return bool(members)

    def close(self) -> bool:
        """Nothing to release."""
        return True


class CgroupTracker:
    """The processes of a container, as the members of its own cgroup v2."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self.closed = False
        """Removed: the processes it tracked are gone (a container started again gets a
        new tracker), so later calls need no system call."""
        if create:
            path.mkdir()

    @property
    def cgroup(self) -> str | None:
        """The directory the launcher service starts the container in."""
        return str(self.path)

    def members(self) -> list[int]:
        """Live processes in the cgroup."""
        if self.closed:
            return []
        try:
            text = (self.path / "cgroup.procs").read_text()
        except OSError:
            return []
        return [int(line) for line in text.split()]

    def kill_all(self) -> bool:
        """SIGKILL everything in the cgroup at once; return True if it was populated."""
        if not self.members():
            return False
        try:
            (self.path / "cgroup.kill").write_text("1")
        except OSError:
            for pid in self.members():
                _kill(pid, signal.SIGKILL)
        return True

    def close(self) -> bool:
        """Remove the cgroup; False while it is still busy (killed processes take a
        moment to leave it), so the caller can try again."""
        if self.closed:
            return True
        try:
            self.path.rmdir()
        except FileNotFoundError:
            pass
        except OSError:
            return False
        self.closed = True
        return True


def _cgroup2_mount() -> str | None:
    try:
        with open("/proc/self/mounts", encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 3 and fields[2] == "cgroup2":
                    return fields[1]
    except OSError:
        return None
    return None


def _own_cgroup() -> str | None:
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("0::"):
                    return line[3:].strip()
    except OSError:
        return None
    return None


class CgroupRoot:
    """A cgroup v2 directory for one runtime, beside the runtime's own cgroup members."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls) -> CgroupRoot | None:
        """Make ``tektite-<pid>-<id>`` under our cgroup; None when cgroup v2 cannot be used.

        Empty cgroups left by runtimes whose process is gone are removed first.
        """
        if os.geteuid() != 0:
            return None
        mount = _cgroup2_mount()
        own = _own_cgroup()
        if mount is None or own is None:
            return None
        parent = Path(mount) / own.lstrip("/")
        _collect_stale(parent)
        path = parent / f"tektite-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            path.mkdir()
        except OSError:
            return None
        if not (path / "cgroup.kill").exists():
            path.rmdir()
            return None
        return cls(path)

    def tracker(self, name: str) -> CgroupTracker:
        """A per-container cgroup named ``name`` (unique within the runtime), which the
        launcher service creates as it forks the container into it (and removes once
        its last process is gone): costly kernel work, better done beside the runtime's
        event loop."""
        return CgroupTracker(self.path / name, create=False)

    def close(self, wait: float = 2.0) -> None:
        """Kill anything left and remove every cgroup of the runtime (waiting up to
        ``wait`` seconds for killed processes to leave)."""
        children = [child for child in self.path.iterdir() if child.is_dir()]
        trackers = [CgroupTracker(child, create=False) for child in children]
        for tracker in trackers:
            tracker.kill_all()
        deadline = time.monotonic() + wait
        while True:
            trackers = [tracker for tracker in trackers if not tracker.close()]
            if not trackers or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        with contextlib.suppress(OSError):
            self.path.rmdir()


def _collect_stale(parent: Path) -> None:
    """Remove empty ``tektite-<pid>-*`` cgroups of processes that no longer exist."""
    try:
        entries = list(parent.glob("tektite-*-*"))
    except OSError:
        return
    for entry in entries:
        pid_text = entry.name.split("-")[1]
        if not pid_text.isdigit() or os.path.exists(f"/proc/{pid_text}"):
            continue
        for child in [c for c in entry.iterdir() if c.is_dir()]:
            with contextlib.suppress(OSError):
                child.rmdir()
        with contextlib.suppress(OSError):
            entry.rmdir()


Tracker = SessionTracker | CgroupTracker
