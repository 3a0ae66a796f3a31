"""The step-wrapper bundle, for runtimes that run steps in their images.

``entrypoint_bundle(data_dir)`` returns one directory, ``<data_dir>/bin/tektite-
entrypoint-<hash>/`` (built by ``tektite.runtime.build_entrypoint``), that is Tekton's
three ``/ko-app`` programs (``tektite.entrypoint.multicall``) for any image, with no
shell, libc, Python or ``/tmp`` needed in it:

- mount the directory read-only at ``/ko-app`` (``KO_APP_DIR``): ``/ko-app/entrypoint``
  (the step wrapper), ``/ko-app/sidecarlogresults`` and ``/ko-app/workingdirinit`` are
  its launchers, each running the program of its name;
- ``install_entrypoint(bundle, <dir>/entrypoint)`` puts the launcher and its support
  directory (``SUPPORT_DIR``) into another directory by hard links, as Tekton's
  ``prepare`` init container copies the entrypoint into ``/tekton/bin``.

A launcher finds the bundle's support files beside its own path, at whatever path it is
mounted or linked; a launcher alone (a single-file bind mount) cannot run. Any other
name than the three runs the entrypoint; ``program_command`` picks the program whatever
the name.

``$TEKTITE_ENTRYPOINT_BUNDLE`` names a prebuilt bundle directory to use instead;
otherwise the bundle for the current sources is built once per machine
(``scripts/build-entrypoint``) and hard-linked into the data directory.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from tektite.runtime import build_entrypoint

ENV_VAR = "TEKTITE_ENTRYPOINT_BUNDLE"
ENTRYPOINT = "entrypoint"
SIDECARLOGRESULTS = "sidecarlogresults"
WORKINGDIRINIT = "workingdirinit"
PROGRAMS = (ENTRYPOINT, SIDECARLOGRESULTS, WORKINGDIRINIT)
KO_APP_DIR = "/ko-app"
"""Where Tekton's images keep their programs: mount the bundle directory there."""
KO_APP_PATHS: dict[str, str] = {name: f"{KO_APP_DIR}/{name}" for name in PROGRAMS}
"""Each program's path in Tekton's images; a Pod's commands name these paths."""
SUPPORT_DIR = build_entrypoint.SUPPORT_DIR
"""The launcher's companion directory (interpreter, libraries, modules), beside it."""
_STALE_SECONDS = 24 * 3600
"""Bundles of other sources older than this are dropped from a data directory; younger
ones may be mounted in the containers of another Tektite process."""


class EntrypointBinaryUnavailable(Exception):
    """The step-wrapper bundle cannot be had here; the message says what to do."""


def entrypoint_bundle(data_dir: Path, *, build: bool = True) -> Path:
    """The step-wrapper bundle directory for the current sources, under
    ``<data_dir>/bin/``; built (a few seconds, once per machine and source version)
    when missing and ``build`` is true.

    With ``$TEKTITE_ENTRYPOINT_BUNDLE`` set, that directory is returned as it is.
    Raises ``EntrypointBinaryUnavailable`` when it cannot be found or built.
    """
    configured = os.environ.get(ENV_VAR)
    if configured:
        path = Path(configured)
        if not is_bundle(path):
            raise EntrypointBinaryUnavailable(
                f"{ENV_VAR}={configured}: not a step-wrapper bundle (a directory with an "
                f"executable {ENTRYPOINT} and {SUPPORT_DIR}/); unset it to build one with "
                "scripts/build-entrypoint"
            )
        return path
    target = data_dir / "bin" / build_entrypoint.bundle_name()
    if target.is_dir():
        return target
    cached = build_entrypoint.cached_bundle()
    if not cached.is_dir():
        if not build:
            raise EntrypointBinaryUnavailable(
                f"the step-wrapper bundle {cached} is not built: run scripts/build-"
                "entrypoint (python -m tektite.runtime.build_entrypoint) or set "
                f"{ENV_VAR} to a prebuilt one"
            )
        try:
            cached = build_entrypoint.build()
        except build_entrypoint.BuildError as error:
            raise EntrypointBinaryUnavailable(
                f"cannot build the step-wrapper bundle: {error}\n"
                "It needs Debian's python3, gcc and libc6-dev (apt-get); or set "
                f"{ENV_VAR} to a prebuilt bundle."
            ) from None
        target = target.with_name(cached.name)  # installing python3 changes the key
    _install_bundle(cached, target)
    return target


def is_bundle(path: Path) -> bool:
    """Whether ``path`` looks like a step-wrapper bundle directory."""
    launcher = path / ENTRYPOINT
    return (
        launcher.is_file()
        and os.access(launcher, os.X_OK)
        and (path / SUPPORT_DIR / "python3").is_file()
    )


def install_entrypoint(bundle: Path, target: Path) -> None:
    """Make ``target`` the bundle's launcher, with the bundle's support directory beside
    it (``target.parent / SUPPORT_DIR``), by hard links (copies across file systems).

    ``target`` may have any name (``entrypoint`` for ``/tekton/bin/entrypoint``); an
    existing file there and an existing support directory are replaced.
    """
    directory = target.parent
    directory.mkdir(parents=True, exist_ok=True)
    support = directory / SUPPORT_DIR
    staged = directory / f".{SUPPORT_DIR}.{os.getpid()}.tmp"
    shutil.rmtree(staged, ignore_errors=True)
    _link_tree(bundle / SUPPORT_DIR, staged)
    if support.exists():
        shutil.rmtree(support)
    os.rename(staged, support)
    temporary = directory / f".{target.name}.{os.getpid()}.tmp"
    _link_file(bundle / ENTRYPOINT, temporary)
    os.replace(temporary, target)


def _install_bundle(source: Path, target: Path) -> None:
    """Put the bundle ``source`` at ``target`` (complete or not at all), dropping the
    data directory's old bundles of other sources."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(staged, ignore_errors=True)
    _link_tree(source, staged)
    try:
        os.rename(staged, target)
    except OSError:  # installed by another process meanwhile
        shutil.rmtree(staged, ignore_errors=True)
        if not target.is_dir():
            raise
    now = time.time()
    for old in target.parent.glob(build_entrypoint.BUNDLE_PREFIX + "*"):
        if old != target and old.is_dir() and old.stat().st_mtime < now - _STALE_SECONDS:
            shutil.rmtree(old, ignore_errors=True)


def _link_tree(source: Path, target: Path) -> None:
    """Recreate the directory tree ``source`` at ``target`` with hard-linked files
    (directories 0755)."""
    target.mkdir(mode=0o755)
    os.chmod(target, 0o755)  # whatever the umask
    for entry in sorted(os.scandir(source), key=lambda entry: entry.name):
        if entry.is_dir(follow_symlinks=False):
            _link_tree(Path(entry.path), target / entry.name)
        else:
            _link_file(Path(entry.path), target / entry.name)


def _link_file(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system: copy it
        shutil.copyfile(source, target)
        os.chmod(target, source.stat().st_mode & 0o777)


def program_command(launcher: Path | str, program: str) -> list[str]:
    """The command running ``program`` (one of ``PROGRAMS``) from a bundle's launcher
    ``launcher`` whatever the launcher's file name; its arguments follow."""
    if program not in PROGRAMS:
        raise ValueError(f"unknown program {program!r}: one of {', '.join(PROGRAMS)}")
    return [str(launcher), f"--tektite-program={program}"]
