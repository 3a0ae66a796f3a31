"""How a host process sees its Pod's volumes at their ``mountPath``s.

Two modes, chosen once per runtime (``detect_mode``):

``namespace`` (root, and ``unshare(CLONE_NEWNS)`` works)
    Each container runs in its own private mount namespace: the launcher bind-mounts
    every volume directory at its ``mountPath`` (``subPath`` honoured, ``readOnly``
    remounted read-only) and the container's own termination-message file at its
    ``terminationMessagePath``, so literal ``/workspace/...`` and ``/tekton/...`` paths
    work exactly as in a Pod. A mount needs a mountpoint: when the top directory of a
    ``mountPath`` is missing on the host (``/tekton``, ``/workspace``, ``/ko-app``), it
    is created empty on the host and, unless it is itself a mount, covered with a
    private tmpfs inside the namespace, so the deeper mountpoints never touch the host.
    Mountpoints under existing host directories (``/etc/app/config``) are created on
    the host. Everything created on the host is reference-counted across Pods and
    across runtime processes (``HostMountpoints``) and removed again, only if still
    empty, when the last Pod using it is deleted.

``rewrite`` (no root or no mount namespaces)
    Paths cannot be remapped, so the runtime rewrites them: the known mount-path
    prefixes (every ``mountPath`` of the container, ``/tekton``, ``/ko-app`` and the
    termination-message path) are replaced by host paths in ``command``, ``args``,
    ``env`` values and ``workingDir``, and ``TEKTITE_TEKTON_DIR`` points the step
    wrapper at the Pod's ``/tekton``. The host paths go through a per-Pod *view*
    directory of symlinks mirroring the mount tree, so paths built from ``/tekton``
    (the wrapper's ``/tekton/steps/<step>`` links) resolve in every container.
    Limitations: literal paths inside scripts, files and program defaults are not
    rewritten (a script that writes ``/workspace/out`` fails); ``readOnly`` is not
    enforced; a prefix is only recognised at a path boundary; a ``runAsUser`` container
    must be able to traverse the data directory, since its paths lead through it.
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import msgspec

from tektite.runtime.container_env import ContainerConfigError
from tektite.runtime.k8s_expand import expand_subpath
from tektite.runtime.volumes import HostVolume

NAMESPACE = "namespace"
REWRITE = "rewrite"
MODES = (NAMESPACE, REWRITE)

TEKTON_ROOT = "/tekton"
KO_APP = "/ko-app"
DEFAULT_TERMINATION_PATH = "/dev/termination-log"

LAUNCHER = Path(__file__).with_name("launcher.py")


_started_check: tuple[int, int] | str | None = None
"""The namespace check ``start_mode_check`` forked: (pid, read end of its report), or
why it could not be forked."""


def start_mode_check() -> None:
    """Start the check ``detect_mode`` makes, now, in a child of this process: its
    ~20 ms (the child loads ctypes, then sets up a mount namespace) then overlap the
    caller's own start-up, and ``detect_mode`` only collects the answer. Nothing to do
    where the check does not apply (not Linux, not root), or when one is under way."""
    global _started_check
    if _started_check is None and _check_applies() is None:
        _started_check = _fork_check()


def detect_mode() -> tuple[str, str]:
    """Return (mode, why): ``namespace`` if we are root and a child can unshare a mount
    namespace and bind-mount in it, else ``rewrite`` with the reason."""
    global _started_check
    not_applicable = _check_applies()
    if not_applicable is not None:
        return REWRITE, not_applicable
    started, _started_check = _started_check, None
    if started is None:
        started = _fork_check()
    if isinstance(started, str):
        return REWRITE, f"cannot run the namespace check: {started}"
    pid, read_end = started
    with os.fdopen(read_end, "rb") as reader:
        why = reader.read().decode("utf-8", "replace").strip()
    _, wait_status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    if code != 0:
        return REWRITE, f"mount namespaces unavailable: {why or f'exit {code}'}"
    return NAMESPACE, "root with mount namespaces"


def _check_applies() -> str | None:
    """Why mount namespaces cannot be used here without trying, or None."""
    if not sys.platform.startswith("linux"):
        return "mount namespaces need Linux"
    if os.geteuid() != 0:
        return "not running as root"
    return None


def _fork_check() -> tuple[int, int] | str:
    """Fork the check (a few ms, against ~50 ms for a fresh interpreter): unshare()
    would change this process's own namespace. (pid, read end of the child's report),
    or why the fork failed."""
    from tektite.runtime.launcher import check_namespaces

    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError as error:
        os.close(read_end)
        os.close(write_end)
        return str(error)
    if pid == 0:  # pragma: no cover - the child only reports through the pipe
        status = 1
        try:
            os.close(read_end)
            os.dup2(write_end, 2)
            status = check_namespaces()
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


class Mount(msgspec.Struct, frozen=True):
    """One bind mount of a container: host ``source`` at container ``target``."""

    source: str
    target: str
    read_only: bool
    is_file: bool


def _clean(path: str) -> str:
    return os.path.normpath(path) if path.startswith("/") else "/" + os.path.normpath(path)


def container_mounts(
    container: dict[str, Any], volumes: dict[str, HostVolume], env: dict[str, str]
) -> list[Mount]:
    """The container's ``volumeMounts`` resolved to host paths (subPath/subPathExpr
    directories are created in the volume when missing, as the kubelet does)."""
    mounts: list[Mount] = []
    for entry in container.get("volumeMounts") or []:
        name = str(entry.get("name", ""))
        volume = volumes.get(name)
        if volume is None:
            raise ContainerConfigError(f'cannot find volume "{name}" to mount into container')
        target = _clean(str(entry.get("mountPath", "")))
        sub = str(entry.get("subPath") or "")
        if entry.get("subPathExpr"):
            sub = expand_subpath(str(entry["subPathExpr"]), env)
        source = volume.path
        if sub:
            if sub.startswith("/") or ".." in sub.split("/"):
                raise ContainerConfigError(
                    f"failed to prepare subPath for volumeMount {name!r} of container "
                    f"{container.get('name')!r}"
                )
            source = os.path.join(volume.path, sub)
            if not os.path.lexists(source):
                os.makedirs(source, mode=0o777, exist_ok=True)
        read_only = bool(entry.get("readOnly")) or volume.read_only
        # Only a subPath or a hostPath can be a file: every other volume is a directory.
        is_file = bool(sub or volume.kind == "hostPath") and os.path.isfile(source)
        mounts.append(Mount(source, target, read_only, is_file))
    return mounts


def _depth(path: str) -> int:
    return 0 if path == "/" else path.count("/")


def _covered(path: str, targets: set[str]) -> bool:
    """Whether a proper ancestor of ``path`` is one of ``targets``."""
    parent = os.path.dirname(path)
    while parent != "/":
        if parent in targets:
            return True
        parent = os.path.dirname(parent)
    return False


class NamespacePlan(msgspec.Struct):
    """What the launcher mounts, and which host mountpoints must exist first."""

    tmpfs: list[str]
    mounts: list[Mount]
    host_dirs: list[str]
    host_files: list[str]


def _top(path: str) -> str:
    """The top-level directory of absolute ``path``: ``/a`` of ``/a/b`` (``/`` of ``/``)."""
    return "/" + path.split("/")[1]


def namespace_plan(
    mounts: list[Mount], virtual_tops: set[str], working_dir: str = ""
) -> NamespacePlan:
    """Order the mounts parents-first and work out the host mountpoints they need.

    ``virtual_tops`` are top-level directories this runtime created on the host for
    earlier containers: they are treated as missing, so every container covers them
    with its own tmpfs instead of creating mountpoints inside them on the host.
    ``working_dir`` (made by the container when missing, as a container runtime makes
    it in the image's file system) is covered the same way when its top-level
    directory is missing and no volume holds it: ``workingDir: /a/path/too/far`` then
    leaves nothing on the host.
    """
    ordered = sorted(mounts, key=lambda mount: _depth(mount.target))
    targets = {mount.target for mount in ordered}
    tmpfs: list[str] = []
    host_dirs: list[str] = []
    host_files: list[str] = []
    for mount in ordered:
        target = mount.target
        if target == "/":
            continue
        top = _top(target)
        if top in virtual_tops or not os.path.lexists(top):
            if top not in host_dirs:
                host_dirs.append(top)
            if top not in targets and top not in tmpfs:
                tmpfs.append(top)
            continue
        if _covered(target, targets) or os.path.lexists(target):
            continue
        parent = os.path.dirname(target)
        if not os.path.lexists(parent) and parent not in host_dirs:
            host_dirs.append(parent)
        (host_files if mount.is_file else host_dirs).append(target)
    if working_dir.startswith("/") and working_dir != "/" and working_dir not in targets:
        top = _top(working_dir)
        missing = top in virtual_tops or not os.path.lexists(top)
        if missing and not _covered(working_dir, targets) and top not in tmpfs:
            if top not in host_dirs:
                host_dirs.append(top)
            if top not in targets:
                tmpfs.append(top)
    return NamespacePlan(tmpfs, ordered, host_dirs, host_files)


def default_registry() -> Path:
    """Where runtimes on this host coordinate the mountpoints they create."""
    run = Path("/run")
    if os.access(run, os.W_OK):
        return run / "tektite" / "mountpoints"
    return Path(tempfile.gettempdir()) / f"tektite-mountpoints-{os.geteuid()}"


class HostMountpoints:
    """Mountpoints Tektite created on the host, reference-counted across Pods and
    across runtimes.

    Removing a directory that is a mountpoint in another mount namespace silently
    detaches that mount there (Linux >= 3.18), so a mountpoint may only go once nobody
    uses it. Within a runtime, Pods are counted; between runtimes (several Tektite
    processes, parallel test runs) every user holds a shared ``flock`` on a lock file
    per path in ``registry``, and a path is removed only under an exclusive lock,
    only if still empty. A lock file containing ``1`` marks a path Tektite created.
    """

    def __init__(self, registry: Path | None = None) -> None:
        self._registry = registry or default_registry()
        self._users: dict[str, set[object]] = {}
        self._locks: dict[str, int] = {}
        self._marks = 0  # bumped whenever this runtime marks or unmarks a path
        self._tops: tuple[int, int, set[str]] | None = None

    def _lock_file(self, path: str) -> Path:
        return self._registry / (quote(path, safe="") + ".lock")

    def _share(self, path: str) -> int:
        """Hold a shared lock on ``path`` (once per runtime); return its fd."""
        fd = self._locks.get(path)
        if fd is None:
            self._registry.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._lock_file(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_SH)
            self._locks[path] = fd
        return fd

    def _drop(self, path: str) -> None:
        fd = self._locks.pop(path, None)
        if fd is not None:
            os.close(fd)  # closing releases the lock

    @staticmethod
    def _marked(fd: int) -> bool:
        return os.pread(fd, 1, 0) == b"1"

    def tops(self) -> set[str]:
        """Top-level directories (``/tekton``) that Tektite created on this host.

        Read again only when the registry gained or lost a lock file, or this runtime
        marked or unmarked one (it is asked for every container): a mark made meanwhile
        by another runtime on an existing lock file is seen later, which only changes
        how the next containers' mountpoints are laid out, not whether they work.
        """
        try:
            version = os.stat(self._registry).st_mtime_ns
        except OSError:
            return set()
        cached = self._tops
        if cached is not None and cached[:2] == (version, self._marks):
            return {path for path in cached[2] if os.path.isdir(path)}
        found = self._read_tops()
        self._tops = (version, self._marks, found)
        return set(found)

    def virtual_tops(self, working_dir: str) -> set[str]:
        """``tops()``, with the top-level directory of ``working_dir`` when it is
        missing from the host or one Tektite made there, read now: a container makes
        its missing ``workingDir`` in that directory (``namespace_plan``), so a stale
        answer (another runtime made it a moment ago, on an existing lock file) would
        have it made on the host, and left there."""
        found = self.tops()
        top = _top(working_dir) if working_dir.startswith("/") else "/"
        if top != "/" and self._missing_or_ours(top):
            found.add(top)
        return found

    def _missing_or_ours(self, path: str) -> bool:
        # ``acquire`` marks a path before making it and ``release`` unmarks it after
        # removing it: a path seen to exist and then found unmarked is the host's,
        # unless it went (or went and came back) meanwhile, which a second look shows.
        for _ in range(3):
            if not os.path.lexists(path) or self._marked_now(path):
                return True
            if os.path.lexists(path) and not self._marked_now(path):
                return False
        return False

    def _marked_now(self, path: str) -> bool:
        try:
            fd = os.open(self._lock_file(path), os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            return self._marked(fd)
        finally:
            os.close(fd)

    def _read_tops(self) -> set[str]:
        found: set[str] = set()
        try:
            names = os.listdir(self._registry)
        except OSError:
            return found
        for name in names:
            path = unquote(name.removesuffix(".lock"))
            if path.count("/") != 1 or not os.path.isdir(path):
                continue
            try:
                with open(self._registry / name, "rb") as handle:
                    if handle.read(1) == b"1":
                        found.add(path)
            except OSError:
                continue
        return found

    def collect_stale(self) -> None:
        """Remove empty mountpoints that Tektite created and no runtime holds any more
        (left by a runtime process that ended without closing)."""
        try:
            names = os.listdir(self._registry)
        except OSError:
            return
        paths = sorted((unquote(name.removesuffix(".lock")) for name in names), key=_depth)
        for path in reversed(paths):  # deepest first
            if path in self._locks:
                continue
            try:
                fd = os.open(self._lock_file(path), os.O_RDWR | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if self._marked(fd):
                    if os.path.isdir(path) and not os.path.islink(path):
                        os.rmdir(path)
                    elif os.path.isfile(path) and os.path.getsize(path) == 0:
                        os.unlink(path)
                    os.ftruncate(fd, 0)
                    self._marks += 1
            except OSError:
                pass  # in use, not empty or already gone
            finally:
                os.close(fd)

    def acquire(self, user: object, dirs: list[str], files: list[str]) -> None:
        """Make sure ``dirs`` and (empty) ``files`` exist on the host, for ``user``;
        paths that existed and were not made by Tektite are never touched. A path that
        cannot be made (a file in the way of a directory) is left to the container's
        own mount, which then fails and says so, as runc's does (``StartError``)."""
        for path in [*dirs, *files]:
            chain = []
            probe = path
            while probe != "/":
                chain.append(probe)
                probe = os.path.dirname(probe)
            for step in reversed(chain):  # parents first
                fd = self._share(step)
                if not os.path.lexists(step):
                    # Marked before it exists: whoever sees it then knows it is Tektite's.
                    os.pwrite(fd, b"1", 0)
                    try:
                        if step == path and path in files:
                            with open(step, "ab"):
                                pass
                        else:
                            os.makedirs(step, mode=0o755, exist_ok=True)
                    except OSError:
                        os.ftruncate(fd, 0)  # what is in the way is the host's
                        self._drop(step)
                        break
                    self._marks += 1
                if self._marked(fd):
                    self._users.setdefault(step, set()).add(user)
                else:
                    self._drop(step)  # a real host path: not ours to track

    def release(self, user: object) -> None:
        """Forget ``user``; remove what no runtime uses any more, deepest first, if empty."""
        unused = []
        for path, users in self._users.items():
            users.discard(user)
            if not users:
                unused.append(path)
        for path in sorted(unused, key=_depth, reverse=True):
            del self._users[path]
            fd = self._locks.get(path)
            if fd is None:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._drop(path)  # another runtime still uses it
                continue
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    os.rmdir(path)
                elif os.path.isfile(path) and os.path.getsize(path) == 0:
                    os.unlink(path)
                os.ftruncate(fd, 0)
                self._marks += 1
            except OSError:
                pass  # not empty (or busy): leave it, still marked as ours
            self._drop(path)

    def close(self) -> None:
        """Release every lock (the paths stay)."""
        for path in list(self._locks):
            self._drop(path)


# ---------------------------------------------------------------------------
# rewrite mode


_BEFORE = r"(?<![A-Za-z0-9_.+/\-])"
_AFTER = r"(?![A-Za-z0-9_.+\-])"


class Rewriter(msgspec.Struct):
    """Replaces container path prefixes with host paths at path boundaries."""

    prefixes: dict[str, str] = msgspec.field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    def add(self, container_path: str, host_path: str) -> None:
        """Map ``container_path`` (and everything under it) to ``host_path``."""
        self.prefixes[_clean(container_path)] = host_path
        self._pattern = None

    def rewrite(self, text: str) -> str:
        """``text`` with every recognised container path replaced by its host path."""
        if not self.prefixes:
            return text
        if self._pattern is None:
            ordered = sorted(self.prefixes, key=len, reverse=True)
            alternatives = "|".join(re.escape(prefix) for prefix in ordered)
            self._pattern = re.compile(f"{_BEFORE}({alternatives}){_AFTER}")
        return self._pattern.sub(lambda found: self.prefixes[found.group(1)], text)


def build_view(view: Path, mounts: list[Mount], placed: dict[str, str]) -> None:
    """Add symlinks ``view/<target>`` → source for ``mounts`` to a Pod's view.

    ``placed`` (target → source of the links made so far) is updated; a target that
    is already placed keeps its first source.
    """
    (view / TEKTON_ROOT.lstrip("/")).mkdir(parents=True, exist_ok=True)
    for mount in sorted(mounts, key=lambda mount: _depth(mount.target)):
        if mount.target in placed or mount.target == "/":
            continue
        link = view / mount.target.lstrip("/")
        link.parent.mkdir(parents=True, exist_ok=True)
        if not os.path.lexists(link):
            os.symlink(mount.source, link)
        placed[mount.target] = mount.source
