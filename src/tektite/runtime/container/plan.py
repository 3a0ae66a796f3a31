"""A manifest container turned into ``podman create`` / ``docker create`` arguments.

What the kubelet and the CRI do before a container starts: resolve the environment
(``container_env``: env, envFrom, valueFrom from ConfigMaps, Secrets and the Pod),
``$(VAR)``-expand command and args (``k8s_expand``), resolve the volume mounts with
``subPath``/``readOnly`` (``mounts.container_mounts``), bind the container's own
termination-message file, and translate ``workingDir``, ``securityContext`` and
``resources.limits`` into engine flags.

Kubernetes' command rules map onto the engine's: ``command`` replaces the image's
ENTRYPOINT (and drops its CMD), ``args`` replace CMD; with neither, the image's own
ENTRYPOINT and CMD run.

Environment values never appear on the engine's command line (where ``ps`` would show
a Secret's value): each variable is passed as ``-e NAME`` and its value through the
engine process's own environment — except the few names that would change how the
engine itself runs, which go on the command line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tektite.runtime.container_env import parse_quantity, resolve_env
from tektite.runtime.k8s_expand import expand_command
from tektite.runtime.mounts import DEFAULT_TERMINATION_PATH, Mount, container_mounts
from tektite.runtime.non_root import check_run_as_non_root
from tektite.runtime.protocol import ClusterData, Pod
from tektite.runtime.volumes import HostVolume

# Variables the engine process itself reads: never set them in its environment.
_ENGINE_VARIABLES = frozenset(
    {
        "PATH",
        "HOME",
        "TMPDIR",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "XDG_RUNTIME_DIR",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "CONTAINERS_CONF",
        "CONTAINERS_STORAGE_CONF",
        "CONTAINERS_REGISTRIES_CONF",
        "CONTAINER_HOST",
        "DOCKER_HOST",
        "DOCKER_CONFIG",
        "REGISTRY_AUTH_FILE",
        "STORAGE_DRIVER",
        "STORAGE_OPTS",
        "TZ",
    }
)


@dataclass
class CreatePlan:
    """How to create one container."""

    args: list[str]
    """Arguments after ``create`` (name, flags, image, args)."""
    env: dict[str, str]
    """The engine process's environment (carries the ``-e NAME`` values)."""
    termination_file: Path
    mounts: list[Mount] = field(default_factory=list)


def _valid_env(env: dict[str, str]) -> dict[str, str]:
    # execve cannot carry a name with "=" or NUL; the container runtime drops those.
    return {
        name: value
        for name, value in env.items()
        if name and "=" not in name and "\0" not in name and "\0" not in value
    }


def security_args(pod: Pod, container: dict[str, Any], image_user: str) -> list[str]:
    """``securityContext`` (the container's over the Pod's) as engine flags.

    ``runAsNonRoot`` is checked as the kubelet checks it: against ``runAsUser``, else
    the image's USER; a root or non-numeric image user fails with the kubelet's message.
    """
    pod_context: dict[str, Any] = (pod.get("spec") or {}).get("securityContext") or {}
    own: dict[str, Any] = container.get("securityContext") or {}
    uid = own.get("runAsUser", pod_context.get("runAsUser"))
    gid = own.get("runAsGroup", pod_context.get("runAsGroup"))
    check_run_as_non_root(pod, container, image_user)
    args: list[str] = []
    if uid is not None or gid is not None:
        # Without runAsGroup the engine picks the user's group as the CRI does.
        user = str(int(uid)) if uid is not None else image_user.split(":", 1)[0] or "0"
        if gid is not None:
            user += f":{int(gid)}"
        args += ["--user", user]
    for group in pod_context.get("supplementalGroups") or []:
        args += ["--group-add", str(int(group))]
    if own.get("privileged"):
        args.append("--privileged")
    if own.get("readOnlyRootFilesystem"):
        args.append("--read-only")
    if own.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    capabilities: dict[str, Any] = own.get("capabilities") or {}
    for cap in capabilities.get("add") or []:
        args += ["--cap-add", str(cap)]
    for cap in capabilities.get("drop") or []:
        args += ["--cap-drop", str(cap)]
    return args


def resource_args(container: dict[str, Any]) -> list[str]:
    """``resources.limits`` as the engine's cgroup limits (memory bytes, CPUs)."""
    limits: dict[str, Any] = (container.get("resources") or {}).get("limits") or {}
    args: list[str] = []
    if limits.get("memory") is not None:
        args += ["--memory", str(int(parse_quantity(str(limits["memory"]))))]
    if limits.get("cpu") is not None:
        cpus = parse_quantity(str(limits["cpu"]))
        if cpus > 0:
            args += ["--cpus", f"{cpus:g}"]
    return args


def plan_container(
    *,
    pod: Pod,
    container: dict[str, Any],
    volumes: dict[str, HostVolume],
    cluster: ClusterData,
    name: str,
    image: str,
    image_user: str,
    termination_file: Path,
    join: list[str],
    hostname: str,
    labels: dict[str, str],
    passthrough: bool,
    json_entrypoint: bool = True,
    extra: list[str] | None = None,
) -> CreatePlan:
    """The ``create`` arguments for ``container``, to run ``image`` as ``name``.
    ``json_entrypoint``: the engine takes a whole command as ``--entrypoint`` (podman's
    JSON list); else only the executable (docker), the rest going after the image.

    Raises ContainerConfigError as the kubelet would refuse to create it.
    """
    declared = resolve_env(pod, container, cluster)
    command = [str(part) for part in container.get("command") or []]
    arguments = [str(part) for part in container.get("args") or []]
    command, arguments = expand_command(command, arguments, declared)
    mounts = container_mounts(container, volumes, declared)
    termination_file.parent.mkdir(parents=True, exist_ok=True)
    termination_file.write_bytes(b"")
    os.chmod(termination_file, 0o666)  # a runAsUser container must be able to write it
    termination_path = str(container.get("terminationMessagePath") or DEFAULT_TERMINATION_PATH)

    # No --rm: an ended container keeps its exit code in the engine until the Pod
    # removes it, so a runtime restarted after a crash can still read it.
    args = ["--name", name, "--pull", "never"]
    for key, value in labels.items():
        args += ["--label", f"{key}={value}"]
    if passthrough:
        args += ["--log-driver", "passthrough"]
    args += join
    if not any(part.startswith("--pod") for part in join) and "--network" not in join:
        args += ["--hostname", hostname]
    for mount in mounts:
        option = f"{mount.source}:{mount.target}"
        if mount.read_only:
            option += ":ro"
        args += ["-v", option]
    args += ["-v", f"{termination_file}:{termination_path}"]
    args += extra or []
    engine_env = {
        key: value
        for key, value in os.environ.items()
        if key in _ENGINE_VARIABLES or key.startswith(("CONTAINERS_", "XDG_"))
    }
    for key, value in _valid_env(declared).items():
        if key in _ENGINE_VARIABLES or key.startswith(("CONTAINERS_", "XDG_", "DOCKER_")):
            args += ["-e", f"{key}={value}"]
        else:
            args += ["-e", key]
            engine_env[key] = value
    working_dir = str(container.get("workingDir") or "")
    if working_dir:
        args += ["--workdir", working_dir]
    args += security_args(pod, container, image_user)
    args += resource_args(container)
    if container.get("stdin"):
        args.append("-i")
    if command and json_entrypoint:
        args += ["--entrypoint", json.dumps(command)]
        command = []
    elif command:
        # docker: an --entrypoint clears the image's CMD too, as Kubernetes' command does.
        args += ["--entrypoint", command[0]]
        command = command[1:]
    args.append(image)
    args += command
    args += arguments
    return CreatePlan(args, engine_env, termination_file, mounts)
