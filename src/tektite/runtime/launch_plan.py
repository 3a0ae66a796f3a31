"""A manifest container turned into a launcher spec: what to run, where, as whom.

``LaunchPlanner`` does, once per container, what the kubelet and the container
runtime do before a container starts: pick the command (with the host runtime's image
rules), resolve the environment (``container_env``), ``$(VAR)``-expand command and
args (``k8s_expand``), resolve volume mounts and the termination-message file, choose
user and working directory, and lay the paths out for the runtime's mode (``mounts``):
a mount plan for namespace mode, or rewritten paths for rewrite mode. It also tells
whether the container is a step the runtime can *gate* (see ``host_pod``).

Programs of Tekton's own images live in ``/ko-app`` (``entrypoint``,
``sidecarlogresults``, ``workingdirinit``): the runtime provides Tektite's versions in
its shim directory, which a container sees at ``/ko-app`` when its image is one of those
images or its command is one of those programs.

Containers of busybox-based images (:func:`is_busybox_image`) see busybox as their
shell when the host has a busybox binary (:class:`BusyboxShell`): their ``PATH`` starts
with a directory of busybox applet links (``ash``, ``sh`` and the applets the host
lacks), and ``/bin/sh`` is busybox — bind-mounted over it in namespace mode; in rewrite
mode ``/bin/sh`` and ``#!/bin/sh`` scripts given as the command are run through the
applet link instead. Other images see the host unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import msgspec

from tektite.entrypoint.flags import FlagError, HelpRequested, parse_flags, split_command_args
from tektite.runtime import mounts as mount_modes
from tektite.runtime.container_env import ContainerConfigError, resolve_env
from tektite.runtime.creds_home import copies_credentials, private_home
from tektite.runtime.k8s_expand import expand_command
from tektite.runtime.mounts import (
    KO_APP,
    TEKTON_ROOT,
    HostMountpoints,
    Mount,
    Rewriter,
    build_view,
    container_mounts,
    namespace_plan,
)
from tektite.runtime.non_root import check_run_as_non_root
from tektite.runtime.protocol import ClusterData, Pod, PodKey
from tektite.runtime.volumes import HostVolume

ENTRYPOINT_BINARY = "/tekton/bin/entrypoint"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


_DISTROLESS_NONROOT = "65532"
HOST_PROGRAMS = ("entrypoint", "sidecarlogresults", "workingdirinit")
"""The ``/ko-app`` programs of Tekton's images that the runtime provides."""


class Images(msgspec.Struct, frozen=True):
    """The images the host runtime treats specially ("" for one it does not know)."""

    entrypoint: str
    shell: str
    nop: str
    sidecar_log_results: str = ""
    working_dir_init: str = ""

    def program(self, image: str) -> str | None:
        """The ``/ko-app`` program that is ``image``'s ENTRYPOINT, if it is one of ours."""
        for program, known in (
            ("entrypoint", self.entrypoint),
            ("sidecarlogresults", self.sidecar_log_results),
            ("workingdirinit", self.working_dir_init),
        ):
            if known and image == known:
                return program
        return None


def is_busybox_image(image: str) -> bool:
    """Whether ``image`` is a busybox-based image whose shell is busybox's ``ash``.

    The rule: the image's repository name, without registry, path, tag or digest, is
    ``busybox`` or ``alpine`` — ``busybox``, ``alpine:3.20``,
    ``mirror.gcr.io/alpine@sha256:…``, ``cgr.dev/chainguard/busybox``. Images merely
    built on Alpine (``alpine/git``, ``bash``, ``node:lts-alpine``) are not matched:
    their own programs (git, bash, node) are what runs, not the shell.
    """
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return name in ("busybox", "alpine")


# Applets that act on the machine (kernel modules, devices, consoles, init, file
# systems, network configuration, logging daemons). In a container they act on the
# container or lack the privilege; as host processes they would act on the host, so
# they get no link even where the host lacks them.
_MACHINE_APPLETS = frozenset(
    {
        "acpid",
        "adjtimex",
        "blkdiscard",
        "blockdev",
        "brctl",
        "chvt",
        "deallocvt",
        "depmod",
        "devmem",
        "dumpkmap",
        "fdisk",
        "freeramdisk",
        "fsfreeze",
        "fstrim",
        "getty",
        "halt",
        "hwclock",
        "i2cdetect",
        "i2cdump",
        "i2cget",
        "i2cset",
        "i2ctransfer",
        "ifconfig",
        "ifdown",
        "ifup",
        "init",
        "insmod",
        "ip",
        "ipneigh",
        "klogd",
        "linuxrc",
        "loadfont",
        "loadkmap",
        "losetup",
        "mdev",
        "mkdosfs",
        "mke2fs",
        "mkswap",
        "modprobe",
        "mount",
        "nameif",
        "nuke",
        "openvt",
        "partprobe",
        "pivot_root",
        "poweroff",
        "reboot",
        "resume",
        "rmmod",
        "route",
        "run-init",
        "setkeycodes",
        "swapoff",
        "swapon",
        "switch_root",
        "sysctl",
        "syslogd",
        "ubirename",
        "udhcpc",
        "udhcpd",
        "uevent",
        "umount",
        "vconfig",
        "watchdog",
    }
)
_BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")


def find_busybox() -> str | None:
    """The host's busybox binary (Debian's ``busybox`` or ``busybox-static``), resolved."""
    for candidate in (*_BUSYBOX_CANDIDATES, shutil.which("busybox")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.realpath(candidate)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _busybox_applets(binary: str, cache_dir: Path) -> list[str] | None:
    """``busybox --list``, sorted; cached in ``cache_dir`` per binary (path, size and
    mtime), since every runtime start would otherwise exec busybox for it."""
    info = os.stat(binary)
    stamp = hashlib.sha256(f"{binary}:{info.st_size}:{info.st_mtime_ns}".encode()).hexdigest()
    cache = cache_dir / f".applets-{stamp[:16]}"
    with contextlib.suppress(OSError):
        return cache.read_text().split()
    try:
        listing = subprocess.run(
            [binary, "--list"], capture_output=True, timeout=10, check=True, env={}
        ).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return None
    applets = sorted(set(listing.split()))
    temporary = cache.with_name(f"{cache.name}.{os.getpid()}")
    temporary.write_text("\n".join(applets) + "\n")
    os.replace(temporary, cache)
    return applets


def _executables_on(search_path: str, names: list[str]) -> set[str]:
    """Those of ``names`` that ``shutil.which`` would find on ``search_path`` (one
    directory listing each, instead of a stat per name per directory)."""
    wanted, found = set(names), set[str]()
    for directory in search_path.split(os.pathsep):
        with contextlib.suppress(OSError), os.scandir(directory or ".") as entries:
            for entry in entries:
                if entry.name in wanted and entry.name not in found and _is_executable(entry):
                    found.add(entry.name)
    return found


def _is_executable(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file() and os.access(entry.path, os.X_OK)
    except OSError:
        return False


class BusyboxShell(msgspec.Struct, frozen=True):
    """What busybox-based images see: ``binary`` as ``/bin/sh`` and ``applets`` (a
    per-runtime directory of links to it) first on ``PATH``."""

    binary: str
    applets: str
    binds_over_host_sh: bool = False
    """The host's ``/bin/sh`` is another shell (dash, on Debian): the binary is bound
    over it in a busybox-based image's containers (as found when the runtime starts)."""

    @property
    def sh(self) -> str:
        """The ``sh`` applet link (busybox picks the applet from ``argv[0]``)."""
        return os.path.join(self.applets, "sh")

    @classmethod
    def create(cls, fallback_base: Path, search_path: str) -> BusyboxShell | None:
        """Make the applet directory; None when the host has no usable busybox.

        The directory must be reachable by any ``runAsUser``, so as root it lives
        under ``/run/tektite/busybox``, else under ``fallback_base`` (the data
        directory: without root there is no other user). It is named by its content and
        shared by every runtime needing the same links; it is never removed (tmpfs
        clears ``/run`` at boot). ``search_path`` is the ``PATH`` the containers get, to
        find the applets the host lacks.
        """
        binary = find_busybox()
        if binary is None:
            return None
        base = Path("/run/tektite/busybox")
        if os.geteuid() != 0 or not os.access("/run", os.W_OK):
            base = fallback_base
        try:
            base.mkdir(parents=True, exist_ok=True)
            os.chmod(base, 0o755)
            applets = _busybox_applets(binary, base)
            if applets is None:
                return None
            for entry in os.listdir(base):
                owner = entry.split("-", 1)[0]
                if owner.isdigit() and not _alive(int(owner)):
                    shutil.rmtree(base / entry, ignore_errors=True)
            on_path = _executables_on(search_path, applets)
            links = [
                applet
                for applet in applets
                if "/" not in applet
                and (
                    applet in ("sh", "ash")
                    or (applet not in _MACHINE_APPLETS and applet not in on_path)
                )
            ]
            # Shared by every runtime that would make the same links (named by their
            # content), so a start costs no symlinks and nothing is left to clean up.
            key = hashlib.sha256("\0".join([binary, *links]).encode()).hexdigest()[:16]
            directory = str(base / f"applets-{key}")
            if not os.path.isdir(directory):
                building = tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=base)
                os.chmod(building, 0o755)
                for applet in links:
                    os.symlink(binary, os.path.join(building, applet))
                try:
                    os.rename(building, directory)
                except OSError:  # another runtime made it meanwhile
                    shutil.rmtree(building, ignore_errors=True)
        except OSError:
            return None
        host_sh = os.path.lexists("/bin/sh") and os.path.realpath("/bin/sh") != binary
        return cls(binary, directory, host_sh)


_SHEBANG = re.compile(rb"#![ \t]*([^ \t\n]+)[ \t]*([^\n]*?)[ \t]*(?:\n|$)")


def shebang(path: str) -> tuple[str, list[str]] | None:
    """The interpreter of a ``#!`` file and its optional argument, split as Linux
    splits the line (everything after the interpreter is one argument)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(256)
    except OSError:
        return None
    found = _SHEBANG.match(head)
    if found is None:
        return None
    argument = found.group(2)
    return os.fsdecode(found.group(1)), [os.fsdecode(argument)] if argument else []


def through_busybox(command: list[str], sh: str) -> list[str]:
    """``command`` as a busybox image runs it: ``/bin/sh`` itself, or a script whose
    ``#!`` line names ``/bin/sh``, goes to the ``sh`` applet link ``sh``."""
    if not command:
        return command
    program = command[0]
    if program == "/bin/sh":
        return [sh, *command[1:]]
    if program.startswith("/"):
        found = shebang(program)
        if found is not None and found[0] == "/bin/sh":
            return [sh, *found[1], program, *command[1:]]
    return command


class LaunchPlan(msgspec.Struct):
    """How to start one container (``spec`` goes to the launcher as is)."""

    spec: dict[str, Any]
    rewriter: Rewriter | None = None
    """Rewrite mode: maps container paths in probe commands too."""
    wait_files: list[str] = msgspec.field(default_factory=list)
    """Host paths a gated step waits for; empty when the step is not gated."""
    wait_content: bool = False
    busybox_sh: str | None = None
    """Rewrite mode, busybox image: the ``sh`` applet that runs ``/bin/sh`` commands."""


def _valid_env(env: dict[str, str]) -> dict[str, str]:
    # execve cannot carry a name with "=" or NUL; the container runtime drops those.
    return {
        name: value
        for name, value in env.items()
        if name and "=" not in name and "\0" not in name and "\0" not in value
    }


class LaunchPlanner:
    """Builds ``LaunchPlan``s for the containers of one Pod."""

    def __init__(
        self,
        *,
        pod: Pod,
        key: PodKey,
        cluster: ClusterData,
        mode: str,
        images: Images,
        shim_dir: Path,
        shim: str,
        python_path: str,
        mountpoints: HostMountpoints,
        internal: Path,
        busybox: BusyboxShell | None = None,
    ) -> None:
        self.pod = pod
        self.key = key
        self.cluster = cluster
        self.mode = mode
        self.images = images
        self.shim_dir = shim_dir
        self.shim = shim
        self.python_path = python_path
        self.mountpoints = mountpoints
        self.internal = internal
        self.busybox = busybox
        self.view = internal / "view"
        self.view_targets: dict[str, str] = {}
        # Strings: each container's start and end asks for these (``pathlib`` costs).
        self._termination_dir = os.path.join(internal, "termination")
        self._errors_dir = os.path.join(internal, "errors")

    def termination_file(self, name: str) -> str:
        """The host file behind a container's ``terminationMessagePath``."""
        return os.path.join(self._termination_dir, name)

    def error_file(self, name: str) -> str:
        """Where the launcher writes why a container could not start."""
        return os.path.join(self._errors_dir, name)

    def plan(
        self, container: dict[str, Any], volumes: dict[str, HostVolume], *, init: bool
    ) -> LaunchPlan | None:
        """The plan for ``container``; None when there is nothing to run (nop image).

        Raises ContainerConfigError as the kubelet would refuse to start it.
        """
        name = str(container.get("name", ""))
        resolved = self._command(container)
        if resolved is None:
            return None
        declared = resolve_env(self.pod, container, self.cluster)
        # After the environment, as the kubelet's generateContainerConfig checks them.
        check_run_as_non_root(self.pod, container, self._image_user(container))
        command, args = expand_command(resolved[0], resolved[1], declared)
        argv = command + args
        # The launcher keeps SIGTERM pending until the program handles it (launcher.py).
        results_program = argv[:1] == [f"{KO_APP}/sidecarlogresults"]
        mounts = container_mounts(container, volumes, declared)
        termination_file = self.termination_file(name)  # made with the Pod (pod_dirs)
        termination_path = str(
            container.get("terminationMessagePath") or mount_modes.DEFAULT_TERMINATION_PATH
        )
        uid, gid, groups = self._user(container)
        meta = self.pod["metadata"]
        hostname = str(self.pod["spec"].get("hostname") or meta.get("name", ""))[:63]
        env = {"PATH": os.environ.get("PATH") or DEFAULT_PATH, "HOSTNAME": hostname}
        env.update(declared)
        home_mount: Mount | None = None
        if "HOME" not in env:
            try:
                env["HOME"] = pwd.getpwuid(os.geteuid() if uid is None else uid).pw_dir
            except KeyError:
                env["HOME"] = "/"
            if copies_credentials(container):
                # The entrypoint copies credentials into $HOME: never the user's own.
                env["HOME"], target = private_home(
                    self.internal / "homes" / name,
                    env["HOME"],
                    uid,
                    gid,
                    can_mount=self.mode == mount_modes.NAMESPACE,
                )
                if target is not None:
                    home_mount = Mount(str(self.internal / "homes" / name), target, False, False)
        working_dir = str(container.get("workingDir") or "")
        # No image WORKDIR to fall back on: use the Pod's /workspace when mounted. A
        # relative workingDir is taken from there too (where Tekton's
        # working-dir-initializer creates it), never from the runtime's own directory.
        default_dir = "/workspace" if any(m.target == "/workspace" for m in mounts) else "/"
        working_dir = os.path.join(default_dir, working_dir) if working_dir else default_dir
        extra = [Mount(termination_file, termination_path, False, True)]
        image = str(container.get("image", ""))
        if self.images.program(image) or argv[:1] in ([f"{KO_APP}/{p}"] for p in HOST_PROGRAMS):
            extra.append(Mount(str(self.shim_dir), KO_APP, True, False))
        busybox = self.busybox if is_busybox_image(image) else None
        namespaced = self.mode == mount_modes.NAMESPACE
        if busybox is not None and namespaced and busybox.binds_over_host_sh:
            # The bind follows the /bin/sh symlink: inside this container's own mount
            # namespace the file it names (dash, on Debian) is busybox.
            extra.append(Mount(busybox.binary, "/bin/sh", True, True))
        all_mounts = mounts + extra + ([home_mount] if home_mount is not None else [])
        namespace: dict[str, Any] | None = None
        rewriter: Rewriter | None = None
        if self.mode == mount_modes.NAMESPACE:
            tops = self.mountpoints.virtual_tops(working_dir)
            layout = namespace_plan(all_mounts, tops, working_dir)
            self.mountpoints.acquire(self.key, layout.host_dirs, layout.host_files)
            namespace = {
                "tmpfs": layout.tmpfs,
                "mounts": [[m.source, m.target, m.read_only, m.is_file] for m in layout.mounts],
                "hostname": hostname,
            }
        else:
            rewriter = self._rewriter(mounts, termination_path, termination_file)
            argv = [rewriter.rewrite(part) for part in argv]
            env = {key: rewriter.rewrite(value) for key, value in env.items()}
            working_dir = rewriter.rewrite(working_dir)
            env["TEKTITE_TEKTON_DIR"] = str(self.view / TEKTON_ROOT.lstrip("/"))
        busybox_sh: str | None = None
        if busybox is not None:
            env["PATH"] = busybox.applets + os.pathsep + env.get("PATH", "")
            if self.mode != mount_modes.NAMESPACE:
                busybox_sh = busybox.sh
                argv = self._through_busybox(argv, busybox_sh)
        launch = LaunchPlan(
            spec={
                "argv": argv,
                "env": _valid_env(env),
                "cwd": working_dir,
                "namespace": namespace,
                "uid": uid,
                "gid": gid,
                "groups": groups,
                "shim": self.shim,
                "python_path": self.python_path,
                "error_file": self.error_file(name),
                "hold_stop_signals": results_program,
            },
            rewriter=rewriter,
            busybox_sh=busybox_sh,
        )
        if not init:
            self._plan_gate(launch, argv, all_mounts if namespace is not None else [])
        return launch

    def _command(self, container: dict[str, Any]) -> tuple[list[str], list[str]] | None:
        """Command and args, with the host runtime's rules for command-less images."""
        image = str(container.get("image", ""))
        command = [str(part) for part in container.get("command") or []]
        args = [str(part) for part in container.get("args") or []]
        if image == self.images.nop and not command:
            return None
        if command:
            return command, args
        program = self.images.program(image)
        if program is not None:  # a ko image: ENTRYPOINT ["/ko-app/<program>"]
            return [f"{KO_APP}/{program}"], args
        if image == self.images.shell:
            # busybox-like shell images have no ENTRYPOINT and CMD ["sh"].
            return (args, []) if args else (["sh"], [])
        raise ContainerConfigError(
            f'the host runtime cannot run the default entrypoint of image "{image}": '
            "the container has no command; use the podman or docker runtime",
            permanent=True,
        )

    def _image_user(self, container: dict[str, Any]) -> str:
        """The user a container without ``runAsUser`` runs as, for the kubelet's
        ``runAsNonRoot`` check: Tekton's own ko images are built on distroless
        ``nonroot`` (65532), as on a cluster; anything else runs as the runtime's user."""
        image = str(container.get("image", ""))
        if image == self.images.nop or self.images.program(image) is not None:
            return _DISTROLESS_NONROOT
        return str(os.geteuid())

    def runs_as_runtime_user(self, container: dict[str, Any]) -> bool:
        """Whether ``container`` runs as the runtime's own user and groups."""
        return self._user(container) == (None, None, None)

    def _user(self, container: dict[str, Any]) -> tuple[int | None, int | None, list[int] | None]:
        if os.geteuid() != 0:
            return None, None, None  # cannot switch users: runAsUser is ignored
        pod_context: dict[str, Any] = self.pod["spec"].get("securityContext") or {}
        own: dict[str, Any] = container.get("securityContext") or {}
        uid = own.get("runAsUser", pod_context.get("runAsUser"))
        gid = own.get("runAsGroup", pod_context.get("runAsGroup"))
        groups = pod_context.get("supplementalGroups")
        if uid is not None and gid is None:
            try:
                gid = pwd.getpwuid(int(uid)).pw_gid
            except KeyError:
                gid = 0  # no such user here: the container runtime's default group
        if uid is None and gid is None and groups is None:
            return None, None, None
        return (
            None if uid is None else int(uid),
            None if gid is None else int(gid),
            [int(g) for g in groups or []],
        )

    def _wrapper_path(self) -> str:
        """Where a step's command names Tekton's entrypoint, in this runtime's mode."""
        if self.mode == mount_modes.NAMESPACE:
            return ENTRYPOINT_BINARY
        return str(self.view / ENTRYPOINT_BINARY.lstrip("/"))

    def _through_busybox(self, argv: list[str], sh: str) -> list[str]:
        """Rewrite mode: run ``/bin/sh`` commands of a busybox image through ``sh``; for
        a step, the command the entrypoint runs (its ``-entrypoint`` flag)."""
        if argv[:1] != [self._wrapper_path()]:
            return through_busybox(argv, sh)
        flag_args, command_args = split_command_args(argv[1:])
        try:
            options, positional = parse_flags(flag_args, "")
        except (FlagError, HelpRequested):
            return argv
        if positional or not options.entrypoint:
            return argv
        command = through_busybox([options.entrypoint, *command_args], sh)
        if command[0] == options.entrypoint:
            return argv
        # Go's flag package keeps the last value of a repeated flag.
        return [argv[0], *flag_args, "-entrypoint", command[0], "--", *command[1:]]

    def _rewriter(
        self, mounts: list[Mount], termination_path: str, termination_file: str
    ) -> Rewriter:
        build_view(self.view, mounts, self.view_targets)
        rewriter = Rewriter()
        rewriter.add(TEKTON_ROOT, str(self.view / TEKTON_ROOT.lstrip("/")))
        rewriter.add(KO_APP, str(self.shim_dir))
        for mount in mounts:
            if self.view_targets.get(mount.target) == mount.source:
                rewriter.add(mount.target, str(self.view / mount.target.lstrip("/")))
            else:  # another container holds a different volume at this path
                rewriter.add(mount.target, mount.source)
        rewriter.add(termination_path, termination_file)
        return rewriter

    def _plan_gate(self, launch: LaunchPlan, argv: list[str], mounts: list[Mount]) -> None:
        """Gate a step whose entrypoint waits for files the runtime can see."""
        if len(argv) < 2 or argv[0] != self._wrapper_path():
            return
        flag_args, _ = split_command_args(argv[1:])
        try:
            options, positional = parse_flags(flag_args, "")
        except (FlagError, HelpRequested):
            return
        if positional or not options.wait_file:
            return
        host_files: list[str] = []
        for name in options.wait_file.split(","):
            if not name:
                continue
            # Rewrite mode: the flag already holds a host path.
            host = host_path(name, mounts) if mounts else name
            if host is None:
                return  # waits on a file only the container sees: let it wait itself
            host_files.append(host)
        launch.wait_files = host_files
        launch.wait_content = options.wait_file_content


def host_path(path: str, mounts: list[Mount]) -> str | None:
    """Where a container path lives on the host, through the deepest covering mount."""
    best: Mount | None = None
    for mount in mounts:
        prefix = mount.target.rstrip("/") + "/"
        if (path == mount.target or path.startswith(prefix)) and (
            best is None or len(mount.target) > len(best.target)
        ):
            best = mount
    if best is None:
        return None
    return best.source + path[len(best.target.rstrip("/")) :]
