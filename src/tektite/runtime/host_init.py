"""Tekton's init containers done on the host, where their effect is plain file work.

Starting a container costs a few hundred milliseconds (and a host runtime process, with
its mount namespace and cgroup, several milliseconds: a hundred-task pipeline pays it a
hundred times); three of Tekton's init containers only write files into the Pod's
volumes, which the runtime can do directly before any container starts, with the same
result:

- ``prepare`` (``entrypoint init SRC DST STEPS…``): the runtime's step wrapper at
  ``/tekton/bin/entrypoint`` (for containers the launcher of the step-wrapper bundle,
  with the bundle's ``.tektite`` support directory beside it, all hard-linked; for the
  host runtime its shim) and the ``/tekton/steps/<step>`` and ``/tekton/steps/<i>``
  links to ``/tekton/run/<i>/status``;
- ``place-scripts``: when its program is exactly what ``engine.scripts`` writes (one
  block per script: a base64 heredoc then ``decode-script``; the debug helpers' plain
  heredocs), each script file is written decoded with mode 0755; any other program
  (PowerShell for ``#!win``) makes :func:`place_scripts` return False and the init
  container then runs in its image;
- ``working-dir-initializer`` (``workingdirinit DIRS…``): each directory that is
  relative or under ``/workspace/`` is created (0755) in the ``/workspace`` volume.

Each is recognised by name *and* by its exact command, so a user's init container of
the same name is never mistaken for Tekton's.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tektite.runtime.volumes import HostVolume

PREPARE = "prepare"
PLACE_SCRIPTS = "place-scripts"
WORKING_DIR_INIT = "working-dir-initializer"
ENTRYPOINT_PATH = "/tekton/bin/entrypoint"
KO_APP = "/ko-app"
_TEKTON_RUN = "/tekton/run"

_SCRIPT_BLOCK = re.compile(
    r'scriptfile="(?P<path>/[^"\n$`\\]+)"\n'
    r"touch \$\{scriptfile\} && chmod \+x \$\{scriptfile\}\n"
    r"cat > \$\{scriptfile\} << '_EOF_'\n"
    r"(?P<data>[A-Za-z0-9+/=]*)\n"
    r"_EOF_\n"
    r'/tekton/bin/entrypoint decode-script "\$\{scriptfile\}"\n'
)
_DEBUG_BLOCK = re.compile(
    r'tmpfile="(?P<path>/[^"\n$`\\]+)"\n'
    r"touch \$\{tmpfile\} && chmod \+x \$\{tmpfile\}\n"
    r"cat > \$\{tmpfile\} << '(?P<delim>[A-Za-z0-9-]+)'\n"
    r"(?P<body>.*?)\n"
    r"(?P=delim)\n",
    re.DOTALL,
)


def host_path(path: str, mounts: list[tuple[str, str]]) -> str | None:
    """The host file for container ``path`` through the deepest of ``mounts``
    (``(container path, host path)`` pairs); None when no mount covers it."""
    best: tuple[str, str] | None = None
    for target, source in mounts:
        prefix = target.rstrip("/") + "/"
        if (path == target or path.startswith(prefix)) and (
            best is None or len(target) > len(best[0])
        ):
            best = (target, source)
    if best is None:
        return None
    return best[1] + path[len(best[0].rstrip("/")) :]


def _mounts(container: dict[str, Any], volumes: dict[str, HostVolume]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for entry in container.get("volumeMounts") or []:
        volume = volumes.get(str(entry.get("name", "")))
        if volume is None or entry.get("subPath") or entry.get("subPathExpr"):
            continue
        pairs.append((os.path.normpath(str(entry.get("mountPath", ""))), volume.path))
    return pairs


def is_prepare(container: dict[str, Any]) -> bool:
    """Tekton's ``prepare`` init container (``/ko-app/entrypoint init …``)."""
    command = [str(part) for part in container.get("command") or []]
    return (
        container.get("name") == PREPARE
        and command[:4] == ["/ko-app/entrypoint", "init", "/ko-app/entrypoint", ENTRYPOINT_PATH]
        and not container.get("args")
    )


def prepare(
    container: dict[str, Any],
    volumes: dict[str, HostVolume],
    install: Callable[[Path], None],
) -> str | None:
    """Do ``prepare``'s work: ``install`` puts the runtime's step wrapper at the host
    path of ``/tekton/bin/entrypoint`` (:func:`bundle_installer` for containers), then
    the step links; return an error message, or None when done."""
    command = [str(part) for part in container.get("command") or []]
    mounts = _mounts(container, volumes)
    target = host_path(ENTRYPOINT_PATH, mounts)
    steps_dir = host_path("/tekton/steps", mounts)
    if target is None or steps_dir is None:
        return "prepare: /tekton/bin and /tekton/steps must be mounted"
    try:
        install(Path(target))
        os.makedirs(steps_dir, exist_ok=True)
        for index, name in enumerate(command[4:]):
            run = f"{_TEKTON_RUN}/{index}/status"
            for link in (os.path.join(steps_dir, name), os.path.join(steps_dir, str(index))):
                if not os.path.lexists(link):
                    os.symlink(run, link)
    except OSError as error:
        return f"prepare: {error}"
    return None


def bundle_installer(entrypoint_bundle: Path) -> Callable[[Path], None]:
    """Install the launcher of the step-wrapper bundle ``entrypoint_bundle`` with its
    support directory (hard-linked), as containers need it."""
    # Imported here: the host runtime, which installs its shim instead, never needs it.
    from tektite.runtime.entrypoint_binary import install_entrypoint

    return lambda target: install_entrypoint(entrypoint_bundle, target)


def place_scripts(container: dict[str, Any], volumes: dict[str, HostVolume]) -> bool:
    """Write the scripts of a ``place-scripts`` container; False when its program is
    not one this function knows exactly (the container must then run)."""
    if container.get("name") != PLACE_SCRIPTS:
        return False
    command = [str(part) for part in container.get("command") or []]
    args = [str(part) for part in container.get("args") or []]
    if command != ["sh"] or len(args) != 2 or args[0] != "-c":
        return False
    program = args[1]
    mounts = _mounts(container, volumes)
    files: list[tuple[str, bytes]] = []
    position = 0
    while position < len(program):
        found = _SCRIPT_BLOCK.match(program, position)
        if found is not None:
            try:
                content = base64.b64decode(found.group("data"), validate=True)
            except (binascii.Error, ValueError):
                return False
        else:
            found = _DEBUG_BLOCK.match(program, position)
            if found is None:
                return False
            content = (found.group("body") + "\n").encode()
        target = host_path(found.group("path"), mounts)
        if target is None:
            return False
        files.append((target, content))
        position = found.end()
    for target, content in files:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content)
        os.chmod(target, 0o755)
    return True


def is_working_dir_init(container: dict[str, Any]) -> bool:
    """Tekton's ``working-dir-initializer`` (``/ko-app/workingdirinit DIRS…``)."""
    command = [str(part) for part in container.get("command") or []]
    return container.get("name") == WORKING_DIR_INIT and command == ["/ko-app/workingdirinit"]


def working_dir_init(container: dict[str, Any], volumes: dict[str, HostVolume]) -> str | None:
    """Create the working directories; return an error message, or None when done."""
    mounts = _mounts(container, volumes)
    base = str(container.get("workingDir") or "/workspace")
    for directory in [str(part) for part in container.get("args") or []]:
        path = os.path.normpath(os.path.join(base, directory))
        if not (path.startswith("/workspace/") or not directory.startswith("/")):
            continue
        target = host_path(path, mounts)
        if target is None:
            continue
        try:
            os.makedirs(target, mode=0o755, exist_ok=True)
        except OSError as error:
            return f"workingdirinit: {error}"
    return None
