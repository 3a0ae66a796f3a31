"""The podman (or docker) containers of one data directory, for tests that kill a runtime.

A ``ContainerRuntime`` labels its containers ``tektite.owner=<hash of its data
directory>-<random>``: the hash is shared by every runtime on that directory (the one
killed and the one that adopts its Pods), and by no test running at the same time on
another directory. Filtering by Pod name instead would touch the containers of a
concurrent run of the same test.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from tektite.runtime.container.engine import LABEL_OWNER


def _owned(home: Path, listing: list[str], field: str) -> list[str]:
    prefix = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:12] + "-"
    # (podman's templates index the labels; docker's have a function for one.)
    label = (
        f'{{{{.Label "{LABEL_OWNER}"}}}}'
        if listing[0] == "docker"
        else f'{{{{index .Labels "{LABEL_OWNER}"}}}}'
    )
    done = subprocess.run(
        [*listing, "--filter", f"label={LABEL_OWNER}", "--format", f"{{{{.{field}}}}} {label}"],
        capture_output=True,
        text=True,
        check=False,
    )
    found = [line.partition(" ") for line in done.stdout.splitlines()]
    return [name for name, _, owner in found if owner.startswith(prefix)]


def data_dir_containers(home: Path, engine: str = "podman") -> list[str]:
    """Names of the containers (any state) of the runtimes on data directory ``home``
    (on docker, the Pods' sandboxes too: each is a container)."""
    return _owned(home, [engine, "ps", "-a"], "Names")


def data_dir_sandboxes(home: Path, engine: str = "podman") -> list[str]:
    """Names of the podman pods (sandboxes) of the runtimes on data directory ``home``;
    none on docker, whose sandboxes are containers."""
    return _owned(home, ["podman", "pod", "ps"], "Name") if engine == "podman" else []


def remove_leftovers(home: Path, engine: str) -> None:
    """Remove the containers (and podman pods) the runtimes on ``home`` left."""
    remove(data_dir_containers(home, engine), engine)
    for sandbox in data_dir_sandboxes(home, engine):
        subprocess.run(["podman", "pod", "rm", "-f", sandbox], capture_output=True, check=False)


def remove(names: list[str], engine: str = "podman") -> None:
    """Remove these containers (or podman pods), whatever their state."""
    if names:
        now = ["-t", "0"] if engine == "podman" else []  # (docker's rm -f kills at once)
        subprocess.run([engine, "rm", "-f", *now, *names], capture_output=True, check=False)
