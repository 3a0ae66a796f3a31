"""Tekton's ``workingdirinit`` (``cmd/workingdirinit``): create the steps' working dirs.

Each argument that is a relative path, or an absolute one under ``/workspace/``, is
created with its parents (mode 0755); other absolute paths are left alone, since they
belong to the step's image. The first failure ends the program as Go's ``log.Fatalf``
does: a timestamped line on standard error and exit status 1. Standard library only,
so it runs frozen in images with no shell.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
import sys

from tektite.entrypoint.gostyle import go_quote, log, path_error
from tektite.entrypoint.paths import tekton_paths

WORKSPACE = "/workspace"


def _workspace_root() -> str:
    # In the host runtime's rewrite mode /workspace reaches this program as its host
    # path, the directory beside the rewritten /tekton root.
    tekton = tekton_paths().root
    if tekton != "/tekton":
        return posixpath.join(posixpath.dirname(tekton), "workspace")
    return WORKSPACE


def mkdir_all(path: str) -> None:
    """Go's ``os.MkdirAll(path, 0755)``, with its errors: an existing non-directory
    anywhere on the way fails as ``mkdir <that path>: not a directory``."""
    try:
        info = os.stat(path)
    except OSError:
        pass
    else:
        if stat.S_ISDIR(info.st_mode):
            return
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), path)
    parent = path.rstrip("/")
    parent = parent[: parent.rfind("/") + 1].rstrip("/") if "/" in parent else ""
    if parent:
        mkdir_all(parent)
    try:
        os.mkdir(path, 0o755)
    except OSError:
        # "dir/." and races: fine when a directory is there now.
        if os.path.isdir(path) and not os.path.islink(path):
            return
        raise


def main(argv: list[str]) -> int:
    """Create each working directory in ``argv`` (without the program name)."""
    workspace = posixpath.normpath(_workspace_root())
    for argument in argv:
        path = posixpath.normpath(argument)
        if posixpath.isabs(path) and not path.startswith(workspace + "/"):
            continue
        try:
            mkdir_all(path)
        except OSError as error:
            failed = error.filename if isinstance(error.filename, str) else path
            log(f"Failed to mkdir {go_quote(path)}: {path_error('mkdir', failed, error)}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
