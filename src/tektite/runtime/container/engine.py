"""The podman / docker command line, driven through asyncio subprocesses.

``Engine`` knows the handful of verbs the container runtime needs — image exists,
pull, inspect; create, start (attached), exec, stop, remove; pods/sandboxes — and
turns a failing command into ``EngineError`` carrying the command's own error text.
Both flavours share the code; where they differ (podman pods vs. docker's
``--network container:``; podman's ``passthrough`` log driver) ``flavour`` decides.

No daemon socket is used: the CLI is the interface, as the design asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PODMAN = "podman"
DOCKER = "docker"
FLAVOURS = (PODMAN, DOCKER)
LABEL_OWNER = "tektite.owner"
LABEL_POD = "tektite.pod"


class EngineError(Exception):
    """A podman/docker command failed; ``message`` is its error text, one line."""

    def __init__(self, argv: Sequence[str], code: int, message: str) -> None:
        self.argv = list(argv)
        self.code = code
        self.message = message
        super().__init__(message)


class EngineUnavailable(Exception):
    """No usable engine of this flavour here (the message says why)."""


def _lines(text: str) -> list[str]:
    """The lines of an engine's output that say something: docker ends its errors with
    a line sending the user to ``--help``."""
    lines = [line.strip() for line in text.splitlines()]
    return [
        line
        for line in lines
        if line and not (line.startswith("Run '") and line.endswith("' for more information"))
    ]


def _error_line(line: str) -> str | None:
    """The engine's own error in ``line`` without its prefix (podman's ``Error: …``,
    docker's ``docker: Error response from daemon: …``), else None."""
    line = line.removeprefix("docker: ")
    for prefix in ("Error response from daemon: ", "Error: "):
        if line.startswith(prefix):
            return line[len(prefix) :]
    return None


def engine_error(output: str) -> str:
    """The engine's error ending ``output`` (a container's log that ended with the
    engine's exit status 125): "" when its last line is not one."""
    lines = _lines(output)
    return (_error_line(lines[-1]) if lines else None) or ""


def _error_text(stderr: bytes) -> str:
    """The last error line of a podman/docker failure (else its last line)."""
    lines = _lines(stderr.decode("utf-8", "replace"))
    for line in reversed(lines):
        found = _error_line(line)
        if found is not None:
            return found
    return lines[-1] if lines else ""


@dataclass(frozen=True)
class ImageInfo:
    """What an image's config says (``podman image inspect``)."""

    id: str
    entrypoint: list[str]
    cmd: list[str]
    user: str
    platform: str
    repo_digests: list[str]


_PROBED: dict[tuple[str, str], str] = {}


PROBE_CACHE_SECONDS = 3600.0


def probe_engine(flavour: str, binary: str | None = None, cache_dir: Path | None = None) -> str:
    """The engine binary if ``flavour`` can run containers here; else EngineUnavailable.

    ``docker`` needs its daemon (``docker info``); ``podman`` needs nothing running,
    only a working ``podman info``. A success is remembered for the process and, for
    podman, for an hour in ``cache_dir`` (until the binary or its configuration
    changes): ``podman info`` costs a quarter of a second at every ``tektite run``.
    """
    known = _PROBED.get((flavour, binary or ""))
    if known is not None:
        return known
    stamp_file = cache_dir / f"probe-{flavour}" if cache_dir and flavour == PODMAN else None
    path = binary or shutil.which(flavour)
    stamp = _probe_stamp(path) if path else ""
    if stamp_file is not None and path and _fresh(stamp_file, stamp):
        _PROBED[(flavour, binary or "")] = path
        return path
    path, store = _probe(flavour, binary)
    _PROBED[(flavour, binary or "")] = path
    if stamp_file is not None:
        with contextlib.suppress(OSError):
            stamp_file.parent.mkdir(parents=True, exist_ok=True)
            stamp_file.with_suffix(".store").write_text(store)
            stamp_file.write_text(stamp)
    return path


def images_file(cache_dir: Path) -> Path | None:
    """podman's list of local images (``<graphroot>/<driver>-images/images.json``), as
    its last probe in ``cache_dir`` found it: rewritten whenever an image is added,
    removed or (un)tagged, so its identity tells whether what was inspected still holds.
    None when unknown."""
    try:
        root, _, driver = (cache_dir / f"probe-{PODMAN}.store").read_text().partition("\n")
    except OSError:
        return None
    if not root.startswith("/") or not driver.strip():
        return None
    return Path(root) / f"{driver.strip()}-images" / "images.json"


def _probe_stamp(binary: str) -> str:
    """What a cached probe depends on: the binary and podman's configuration files."""
    parts = [binary]
    for path in (binary, "/etc/containers/containers.conf", "/etc/containers/storage.conf"):
        with contextlib.suppress(OSError):
            parts.append(f"{path}:{os.stat(path).st_mtime_ns}")
    return "\n".join(parts)


def _fresh(stamp_file: Path, stamp: str) -> bool:
    try:
        age = time.time() - stamp_file.stat().st_mtime
        return 0 <= age < PROBE_CACHE_SECONDS and stamp_file.read_text() == stamp
    except OSError:
        return False


def _probe(flavour: str, binary: str | None) -> tuple[str, str]:
    """The engine's binary, and for podman its storage's graph root and driver (two
    lines); EngineUnavailable says why it cannot run containers."""
    if flavour not in FLAVOURS:
        raise EngineUnavailable(f"unknown container engine {flavour!r}")
    path = binary or shutil.which(flavour)
    if path is None:
        raise EngineUnavailable(f"no {flavour} here ({flavour} is not on PATH)")
    try:
        done = subprocess.run(
            [path, "info", "--format", _PODMAN_INFO if flavour == PODMAN else "{{.OSType}}"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise EngineUnavailable(f"{flavour} info failed: {error}") from None
    if done.returncode != 0:
        raise EngineUnavailable(f"{flavour} cannot run containers here: {_error_text(done.stderr)}")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return path, "\n".join(lines[1:3]) if flavour == PODMAN else ""


# Cheap fields only: the full JSON computes storage statistics (seconds).
_PODMAN_INFO = "{{.Host.OS}}\n{{.Store.GraphRoot}}\n{{.Store.GraphDriverName}}"


class Engine:
    """One podman or docker CLI."""

    def __init__(self, flavour: str, binary: str | None = None) -> None:
        if flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {FLAVOURS}, not {flavour!r}")
        self.flavour = flavour
        self.binary = binary or shutil.which(flavour) or flavour

    @property
    def passthrough_logs(self) -> bool:
        """podman can hand its own stdout/stderr to the container (no copying)."""
        return self.flavour == PODMAN

    @property
    def json_entrypoint(self) -> bool:
        """podman takes a whole command as ``--entrypoint`` (a JSON list); docker only
        the executable."""
        return self.flavour == PODMAN

    async def run(
        self,
        args: Sequence[str],
        *,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> tuple[int, bytes, bytes]:
        """Run ``<engine> args``; return (code, stdout, stderr). ``check`` raises
        EngineError when the code is not 0."""
        argv = [self.binary, *args]
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise EngineError(argv, -1, f"{self.flavour} {args[0]}: timed out") from None
        except asyncio.CancelledError:
            if process.returncode is None:
                process.kill()
                await process.wait()
            raise
        code = process.returncode
        assert code is not None
        if check and code != 0:
            raise EngineError(argv, code, _error_text(err) or f"exit status {code}")
        return code, out, err

    # -- images --------------------------------------------------------------------------

    async def image_exists(self, image: str) -> bool:
        """Whether ``image`` is in local storage."""
        if self.flavour == PODMAN:
            code, _, _ = await self.run(["image", "exists", image], check=False)
            return code == 0
        code, _, _ = await self.run(["image", "inspect", "--format", "{{.Id}}", image], check=False)
        return code == 0

    async def pull(self, image: str, authfile: str | None = None) -> None:
        """Pull ``image``; EngineError says why it failed."""
        args = ["pull", "-q"]
        if authfile and self.flavour == PODMAN:
            args += ["--authfile", authfile]
        env = None
        if authfile and self.flavour == DOCKER:
            # docker reads credentials from $DOCKER_CONFIG/config.json only.
            env = {**os.environ, "DOCKER_CONFIG": os.path.dirname(authfile)}
        await self.run([*args, image], env=env)

    async def inspect_image(self, image: str) -> ImageInfo:
        """The image's config; EngineError when it is not present."""
        _, out, _ = await self.run(["image", "inspect", image])
        data: list[dict[str, Any]] = json.loads(out or b"[]")
        if not data:
            raise EngineError([self.binary, "image", "inspect", image], 1, "no such image")
        item = data[0]
        config = item.get("Config") or {}
        # Tekton leaves the CPU variant out of the key (tektoncd/pipeline#10073).
        platform = f"{item.get('Os') or 'linux'}/{item.get('Architecture') or 'amd64'}"
        return ImageInfo(
            id=str(item.get("Id") or ""),
            entrypoint=[str(p) for p in config.get("Entrypoint") or []],
            cmd=[str(p) for p in config.get("Cmd") or []],
            user=str(config.get("User") or ""),
            platform=platform,
            repo_digests=[str(d) for d in item.get("RepoDigests") or []],
        )

    # -- sandboxes (the Pod's shared network namespace) ------------------------------------

    async def create_sandbox(
        self, name: str, hostname: str, labels: Mapping[str, str], infra_image: str
    ) -> str:
        """Create and start the Pod's network namespace holder; return what containers
        join it with (``--pod X`` for podman, ``--network container:X`` for docker)."""
        label_args = [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]
        if self.flavour == PODMAN:
            await self.run(["pod", "create", "--name", name, "--hostname", hostname, *label_args])
            await self.run(["pod", "start", name])
            return name
        await self.run(
            [
                "run",
                "-d",
                "--name",
                name,
                "--hostname",
                hostname,
                # The containers join its IPC namespace (``join_args``): docker's
                # default for a container is a private one nothing else may join.
                "--ipc",
                "shareable",
                *label_args,
                "--entrypoint",
                "sleep",
                infra_image,
                "2147483647",
            ]
        )
        return name

    def join_args(self, sandbox: str) -> list[str]:
        """Arguments putting a container into ``sandbox``."""
        if self.flavour == PODMAN:
            return ["--pod", sandbox]
        return ["--network", f"container:{sandbox}", "--ipc", f"container:{sandbox}"]

    async def remove_sandbox(self, sandbox: str) -> None:
        """Remove the sandbox (and, for podman, whatever containers are left in it)."""
        if self.flavour == PODMAN:
            await self.run(["pod", "rm", "-f", sandbox], check=False)
        else:
            await self.run(["rm", "-f", sandbox], check=False)

    # -- containers ------------------------------------------------------------------------

    async def create(self, args: Sequence[str], env: Mapping[str, str]) -> None:
        """``create`` a container (its name is among ``args``); ``env`` is the engine
        process's environment, from which ``-e NAME`` arguments take their values."""
        await self.run(["create", *args], env=env)

    async def make_directory(self, name: str, path: str) -> None:
        """Create directory ``path`` in created container ``name``'s file system, as
        the kubelet's runtime creates a missing ``workingDir`` (docker does it itself;
        podman 4 refuses to start instead)."""
        if self.flavour != PODMAN:
            return
        _, out, _ = await self.run(["mount", name])
        root = out.decode().strip()
        if root:
            os.makedirs(os.path.join(root, path.lstrip("/")), mode=0o755, exist_ok=True)

    async def start_attached(self, name: str, log_fd: int) -> asyncio.subprocess.Process:
        """Start container ``name`` with its output going to ``log_fd``; the returned
        process ends when the container does, with its exit code."""
        if self.flavour == PODMAN:
            # The passthrough log driver hands this process's stdout/stderr to the
            # container: it writes straight into the log file.
            args = ["start", "--attach", name]
        else:
            args = ["start", "--attach", name]
        return await asyncio.create_subprocess_exec(
            self.binary,
            *args,
            stdin=subprocess.DEVNULL,
            stdout=log_fd,
            stderr=log_fd,
        )

    async def run_attached(
        self, args: Sequence[str], env: Mapping[str, str], log_fd: int
    ) -> asyncio.subprocess.Process:
        """``run`` a container (``create`` arguments ``args``) attached, its output going
        to ``log_fd``: ``create`` and ``start_attached`` in one engine process."""
        return await asyncio.create_subprocess_exec(
            self.binary,
            "run",
            *args,
            stdin=subprocess.DEVNULL,
            stdout=log_fd,
            stderr=log_fd,
            env=dict(env),
        )

    async def status(self, name: str) -> str:
        """A container's ``State.Status`` (``created``, ``running``, ``exited``, …);
        "" when it cannot be read."""
        code, out, _ = await self.run(
            ["container", "inspect", "--format", "{{.State.Status}}", name], check=False
        )
        return out.decode().strip() if code == 0 else ""

    async def container_state(self, name: str) -> dict[str, Any]:
        """``State`` of a container (ExitCode, StartedAt, FinishedAt, OOMKilled, Error)."""
        _, out, _ = await self.run(["container", "inspect", name])
        data: list[dict[str, Any]] = json.loads(out or b"[]")
        if not data:
            return {}
        state: dict[str, Any] = data[0].get("State") or {}
        state["Id"] = data[0].get("Id") or ""
        return state

    async def states(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``State`` (with ``Id``) of each of the containers that exists, by name."""
        if not names:
            return {}
        _, out, _ = await self.run(["container", "inspect", *names], check=False)
        try:
            data = json.loads(out or b"[]")
        except ValueError:
            return {}
        found: dict[str, dict[str, Any]] = {}
        for item in data if isinstance(data, list) else []:
            state: dict[str, Any] = dict(item.get("State") or {})
            state["Id"] = item.get("Id") or ""
            found[str(item.get("Name") or "").lstrip("/")] = state
        return found

    async def wait_process(self, name: str) -> asyncio.subprocess.Process:
        """A ``wait`` process for container ``name``: it ends once the container has
        (the exit code is then read with ``states``)."""
        return await asyncio.create_subprocess_exec(
            self.binary,
            "wait",
            name,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def exec(self, name: str, argv: Sequence[str], timeout: float) -> tuple[int, bytes]:
        """Run ``argv`` inside container ``name``; (exit code, output). A timeout gives
        code -1."""
        process = await asyncio.create_subprocess_exec(
            self.binary,
            "exec",
            name,
            *argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            return -1, b""
        return process.returncode or 0, out

    async def stop(self, names: Sequence[str], grace: float) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        if names:
            await self.run(["stop", "-t", str(max(0, int(grace))), *names], check=False)

    async def kill(self, names: Sequence[str]) -> None:
        """SIGKILL the containers at once."""
        if names:
            await self.run(["kill", *names], check=False)

    async def remove(self, names: Sequence[str]) -> None:
        """Remove containers, running or not (missing ones are fine)."""
        if not names:
            return
        args = ["rm", "-f"]
        if self.flavour == PODMAN:
            args += ["-t", "0", "--ignore"]
        await self.run([*args, *names], check=False)

    async def owned(self, owner: str) -> tuple[list[str], list[str]]:
        """Containers and podman pods labelled as ``owner``'s (for a final sweep)."""
        _, out, _ = await self.run(
            ["ps", "-a", "--filter", f"label={LABEL_OWNER}={owner}", "--format", "{{.Names}}"],
            check=False,
        )
        containers = [line for line in out.decode().split() if line]
        pods: list[str] = []
        if self.flavour == PODMAN:
            _, out, _ = await self.run(
                ["pod", "ps", "--filter", f"label={LABEL_OWNER}={owner}", "--format", "{{.Name}}"],
                check=False,
            )
            pods = [line for line in out.decode().split() if line]
        return containers, pods
