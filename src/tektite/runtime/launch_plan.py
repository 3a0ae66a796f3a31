"""A manifest container turned into a launcher spec: what to run, where, as whom.

``LaunchPlanner`` does, once per container, what the kubelet and the container
runtime do before a container starts: pick the command (with the host runtime's image
rules), resolve the environment (``container_env``), ``$(VAR)``-expand command and
args (``k8s_expand``), resolve volume mounts and the termination-message file, choose
user and working directory, and lay the paths out for the runtime's mode (``mounts``):
a mount plan for namespace mode, or rewritten paths for rewrite mode. It also tells
whether the container is a step the runtime can *gate* (see ``host_pod``).
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tektite.entrypoint.flags import FlagError, HelpRequested, parse_flags, split_command_args
from tektite.runtime import mounts as mount_modes
from tektite.runtime.container_env import ContainerConfigError, resolve_env
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
from tektite.runtime.protocol import ClusterData, Pod, PodKey
from tektite.runtime.volumes import HostVolume

ENTRYPOINT_BINARY = "/tekton/bin/entrypoint"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Images:
    """The images the host runtime treats specially."""

    entrypoint: str
    shell: str
    nop: str


@dataclass
class LaunchPlan:
    """How to start one container (``spec`` goes to the launcher as is)."""

    spec: dict[str, Any]
    rewriter: Rewriter | None = None
    """Rewrite mode: maps container paths in probe commands too."""
    wait_files: list[str] = field(default_factory=list)
    """Host paths a gated step waits for; empty when the step is not gated."""
    wait_content: bool = False


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
        self.view = internal / "view"
        self.view_targets: dict[str, str] = {}

    def termination_file(self, name: str) -> Path:
        """The host file behind a container's ``terminationMessagePath``."""
        return self.internal / "termination" / name

    def error_file(self, name: str) -> Path:
        """Where the launcher writes why a container could not start."""
        return self.internal / "errors" / name

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
        command, args = expand_command(resolved[0], resolved[1], declared)
        argv = command + args
        mounts = container_mounts(container, volumes, declared)
        termination_file = self.termination_file(name)
        termination_file.write_bytes(b"")
        os.chmod(termination_file, 0o666)  # a runAsUser step must be able to write it
        termination_path = str(
            container.get("terminationMessagePath") or mount_modes.DEFAULT_TERMINATION_PATH
        )
        uid, gid, groups = self._user(container)
        meta = self.pod["metadata"]
        hostname = str(self.pod["spec"].get("hostname") or meta.get("name", ""))[:63]
        env = {"PATH": os.environ.get("PATH") or DEFAULT_PATH, "HOSTNAME": hostname}
        env.update(declared)
        if "HOME" not in env:
            try:
                env["HOME"] = pwd.getpwuid(os.geteuid() if uid is None else uid).pw_dir
            except KeyError:
                env["HOME"] = "/"
        working_dir = str(container.get("workingDir") or "")
        if not working_dir:
            # No image WORKDIR to fall back on: use the Pod's /workspace when mounted.
            working_dir = "/workspace" if any(m.target == "/workspace" for m in mounts) else "/"
        extra = [Mount(str(termination_file), termination_path, False, True)]
        if container.get("image") == self.images.entrypoint or argv[:1] == [KO_APP + "/entrypoint"]:
            extra.append(Mount(str(self.shim_dir), KO_APP, True, False))
        all_mounts = mounts + extra
        namespace: dict[str, Any] | None = None
        rewriter: Rewriter | None = None
        if self.mode == mount_modes.NAMESPACE:
            layout = namespace_plan(all_mounts, self.mountpoints.tops())
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
                "error_file": str(self.error_file(name)),
            },
            rewriter=rewriter,
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
        if image == self.images.entrypoint:
            return [KO_APP + "/entrypoint"], args
        if image == self.images.shell:
            # busybox-like shell images have no ENTRYPOINT and CMD ["sh"].
            return (args, []) if args else (["sh"], [])
        raise ContainerConfigError(
            f'the host runtime cannot run the default entrypoint of image "{image}": '
            "the container has no command; use the podman or docker runtime",
            permanent=True,
        )

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

    def _rewriter(
        self, mounts: list[Mount], termination_path: str, termination_file: Path
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
        rewriter.add(termination_path, str(termination_file))
        return rewriter

    def _plan_gate(self, launch: LaunchPlan, argv: list[str], mounts: list[Mount]) -> None:
        """Gate a step whose entrypoint waits for files the runtime can see."""
        if len(argv) < 2:
            return
        expected = ENTRYPOINT_BINARY
        if self.mode != mount_modes.NAMESPACE:
            expected = str(self.view / ENTRYPOINT_BINARY.lstrip("/"))
        if argv[0] != expected:
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
