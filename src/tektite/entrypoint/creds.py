"""Credentials prepared by the legacy creds-init contract, copied into ``$HOME``.

Tekton's entrypoint copies ``.docker``, ``.gitconfig``, ``.git-credentials`` and
``.ssh`` from ``/tekton/creds`` into the step user's home so git and docker find
them. A missing ``/tekton/creds`` is normal and costs one stat().
"""

from __future__ import annotations

import os
import stat

from tektite.entrypoint.gostyle import go_quote, log, path_error

CREDS_INIT_CREDENTIALS = (".docker", ".gitconfig", ".git-credentials", ".ssh")
_DIR_PERMISSIONS = 0o700
_FILE_PERMISSIONS = 0o600


class _CopyError(Exception):
    pass


def _copy_tree(source: str, destination: str) -> None:
    try:
        info = os.lstat(source)
    except FileNotFoundError:
        return
    except OSError as error:
        raise _CopyError(
            "unable to read source file info: " + path_error("lstat", source, error)
        ) from None
    if stat.S_ISDIR(info.st_mode):
        try:
            os.makedirs(destination, _DIR_PERMISSIONS, exist_ok=True)
        except OSError as error:
            raise _CopyError(
                "unable to create destination directory: " + path_error("mkdir", destination, error)
            ) from None
        try:
            names = os.listdir(source)
        except OSError as error:
            raise _CopyError(
                "unable to read subdirectories of source: "
                + path_error("readdirent", source, error)
            ) from None
        for name in names:
            _copy_tree(os.path.join(source, name), os.path.join(destination, name))
        return
    try:
        with open(source, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return
    except OSError as error:
        raise _CopyError("unable to open source: " + path_error("open", source, error)) from None
    try:
        fd = os.open(destination, os.O_RDWR | os.O_CREAT | os.O_TRUNC, _FILE_PERMISSIONS)
    except OSError as error:
        raise _CopyError(
            "unable to open destination: " + path_error("open", destination, error)
        ) from None
    try:
        os.write(fd, data)
    except OSError as error:
        raise _CopyError(
            "error copying from source to destination: " + path_error("write", destination, error)
        ) from None
    finally:
        os.close(fd)


def copy_creds_to_home(creds_dir: str) -> None:
    """Copy the creds-init credentials found in ``creds_dir`` into ``$HOME`` (best effort)."""
    try:
        if not os.path.isdir(creds_dir):
            return
    except OSError:
        return
    home = os.environ.get("HOME", "")
    if not home:
        log(
            "non-fatal error copying credentials: "
            + go_quote("error getting the user's home directory: $HOME is not defined")
        )
        return
    for name in CREDS_INIT_CREDENTIALS:
        try:
            _copy_tree(os.path.join(creds_dir, name), os.path.join(home, name))
        except _CopyError as error:
            log(
                f"warning: unsuccessful cred copy: {go_quote(name)} from {go_quote(creds_dir)} "
                f"to {go_quote(home)}: {error}"
            )
