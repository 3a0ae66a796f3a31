"""A host-runtime Pod's directories and log files, made by the launcher service.

The runtime asks the launcher service (``launcher.py``, ``Spawner.make_dirs``) to carry
out a Pod's ``DirPlan`` instead of doing it on its event loop: on a disk, creating a
file or directory can cost up to a millisecond of kernel time (ext4 without a journal
searches its inode bitmap past every inode deleted in the last minutes), and a
fan-out of a hundred Pods would otherwise spend it between the passes that start
them. The service is another process, so this runs beside the runtime's loop (a
thread would wait for the interpreter lock after each system call).

Standard library only: the launcher service imports it.
"""

from __future__ import annotations

import os
from typing import TypedDict

EMPTY_DIR_MODE = 0o777
"""An emptyDir volume's mode: the kubelet's emptyDir is world-writable."""
LOG_MODE = 0o644
"""A container's log file's mode."""
TERMINATION_MODE = 0o666


class DirPlan(TypedDict):
    """What ``make`` creates for a Pod, in this order."""

    pod_dir: str
    """The Pod's directory on disk."""
    scratch: str | None
    """Where ``internal`` links to (on tmpfs); None: ``internal`` is a directory."""
    internal: str
    """The Pod's ``.tektite`` directory (``host_state``)."""
    internal_dirs: list[str]
    """Directories made in ``internal``."""
    termination_files: list[str]
    """The containers' termination message files (empty, writable by any user: a
    ``runAsUser`` step must be able to write its own)."""
    log_dir: str
    """The Pod's log directory: its old ``*.log`` files are removed."""
    logs: list[str]
    """Log files created (empty) in ``log_dir``."""
    empty_dirs: list[str]
    """The emptyDir and ephemeral volumes (``volumes.empty_directories``)."""


def make(plan: DirPlan) -> None:
    """Create what ``plan`` lists; existing directories are kept. Raises OSError."""
    scratch = plan["scratch"]
    if scratch is not None:
        make_dir(plan["pod_dir"])
        link_pod_dir(plan["internal"], scratch)
    make_dir(plan["internal"])
    for name in plan["internal_dirs"]:
        make_dir(os.path.join(plan["internal"], name))
    for path in plan["termination_files"]:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, TERMINATION_MODE))
        os.chmod(path, TERMINATION_MODE)  # whatever the umask
    log_dir = plan["log_dir"]
    if os.path.isdir(log_dir):
        # A Pod of the same name ran before: its logs are not this one's.
        for old in os.listdir(log_dir):
            if old.endswith(".log"):
                os.unlink(os.path.join(log_dir, old))
    make_dir(log_dir)
    for name in plan["logs"]:
        os.close(os.open(os.path.join(log_dir, name), os.O_WRONLY | os.O_CREAT, LOG_MODE))
    for directory in plan["empty_dirs"]:
        make_empty_dir(directory)


def make_dir(directory: str | os.PathLike[str]) -> None:
    """``os.makedirs(directory, exist_ok=True)`` in one system call when the parent
    exists, as it mostly does here (a hundred Pods make a thousand directories)."""
    try:
        os.mkdir(directory)
    except FileNotFoundError:
        os.makedirs(directory, exist_ok=True)
    except FileExistsError:
        if not os.path.isdir(directory):
            raise


def make_empty_dir(directory: str | os.PathLike[str]) -> None:
    """An emptyDir volume's directory (kept as it is when it exists)."""
    make_dir(directory)
    os.chmod(directory, EMPTY_DIR_MODE)


def link_pod_dir(link: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Create the Pod's scratch directory ``target`` and make ``link`` (its
    ``.tektite``) point to it, replacing a stale link (a Pod of the same name whose
    scratch is gone)."""
    make_dir(target)
    for _ in range(3):
        try:
            os.symlink(target, link)
            return
        except FileExistsError:
            if os.path.islink(link):
                if os.readlink(link) == os.fspath(target):
                    return
                os.unlink(link)
            else:
                raise
        except FileNotFoundError:
            os.makedirs(os.path.dirname(os.fspath(link)), exist_ok=True)
