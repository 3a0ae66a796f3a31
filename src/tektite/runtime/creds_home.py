"""A private ``$HOME`` for host-process steps that receive credentials.

In a Pod each container has its own filesystem, so when Tekton's entrypoint copies the
creds-init credentials (``.gitconfig``, ``.git-credentials``, ``.ssh/``, ``.docker/``)
into ``$HOME`` it writes into that container only. A host process shares the host's
filesystem: with the user's passwd home as ``$HOME`` it would overwrite the user's own
``~/.gitconfig`` and ``~/.ssh``. So a container whose entrypoint gets creds-init flags,
and whose Pod does not set ``HOME``, gets a fresh directory of its own: bind-mounted over
its passwd home where the runtime has mount namespaces (``$HOME`` keeps its usual value,
as in an image), else named by ``$HOME``; a user without a passwd home gets the Pod's
``/tekton/home`` volume (Tekton's ``$HOME`` before it stopped setting one).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["CREDS_INIT_FLAGS", "copies_credentials", "private_home"]

CREDS_INIT_FLAGS = ("-basic-git=", "-ssh-git=", "-basic-docker=", "-docker-config=", "-docker-cfg=")
"""The entrypoint flags of Tekton's ``credsInit`` (``pkg/credentials``)."""
TEKTON_HOME = "/tekton/home"
"""Tekton's ``tekton-internal-home`` volume, mounted in every step."""


def copies_credentials(container: Mapping[str, Any]) -> bool:
    """Whether the container's entrypoint is given creds-init credentials to copy into
    ``$HOME`` (a creds-init flag before the ``--`` that starts the step's own args)."""
    names = tuple(flag.lstrip("-") for flag in CREDS_INIT_FLAGS)
    for arg in container.get("args") or ():
        text = str(arg)
        if text == "--":
            return False
        # Go's flag package takes "-name=value" and "--name=value" alike.
        if text.startswith("-") and text.lstrip("-").startswith(names):
            return True
    return False


def private_home(
    directory: Path,
    passwd_home: str,
    uid: int | None,
    gid: int | None,
    *,
    can_mount: bool,
) -> tuple[str, str | None]:
    """Where the container's ``$HOME`` is: ``(HOME, bind mount target or None)``.

    With mount namespaces (``can_mount``): ``directory`` (created, mode 0700, owned by the
    container's user) mounted over an existing passwd home other than ``/``; for a user
    without one, Tekton's per-Pod home volume ``/tekton/home`` (the user could not reach
    a directory inside the runtime's data directory, and a container would give it
    ``/``). Without mount namespaces (no user switching): ``directory`` itself.
    """
    if can_mount and (passwd_home in ("", "/") or not os.path.isdir(passwd_home)):
        return TEKTON_HOME, None
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    if uid is not None or gid is not None:
        os.chown(directory, -1 if uid is None else uid, -1 if gid is None else gid)
    if can_mount:
        return passwd_home, passwd_home
    return str(directory), None
