"""Test support for the container runtimes: is podman usable here, the local images.

No registry is reachable from the build machines, so the container tests run local
images built from Debian's packages by ``scripts/build-images`` (``scripts/test`` builds
them before pytest; ``ensure_test_images`` builds them too, once per session, when a test
needs them and they are missing or stale):

- ``BUSYBOX``: Debian's ``busybox-static`` with a link per applet, ``CMD ["sh"]``;
- ``DEBIAN``: a Debian minbase with bash, coreutils, procps (``ps``), python3 (and
  ``python``), perl, nodejs, ``CMD ["bash"]``;
- ``SCRATCH_STATIC``: nothing but ``/static-tool``, a static C program (no shell, no
  libc, no ``/tmp``); ``/static-tool print TEXT write FILE TEXT exit CODE`` runs those
  operations in order (each optional), ``ENTRYPOINT ["/static-tool"]``.

``TEST_IMAGE_MAP`` maps the public images of Tekton's examples
(``conformance/tekton-examples/v1``) onto them, as ``--image-map`` rules: a source
written without tag or digest matches every tag and digest of its repository
(``runtime.image_map``). Images of the examples deliberately left unmapped, because no
local image can stand in for them, are in ``UNMAPPED_IMAGES`` with the reason.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUILD_IMAGES = REPO / "scripts" / "build-images"

BUSYBOX = "localhost/tektite/busybox:latest"
DEBIAN = "localhost/tektite/debian:latest"
SCRATCH_STATIC = "localhost/tektite/scratch-static:latest"
TEST_IMAGES = (BUSYBOX, DEBIAN, SCRATCH_STATIC)

_BUSYBOX_LIKE = (
    "busybox",
    "mirror.gcr.io/busybox",
    "cgr.dev/chainguard/busybox",
    # Alpine's userland is busybox; its examples use sh/ash and coreutils applets.
    "alpine",
    "mirror.gcr.io/alpine",
)
_DEBIAN_LIKE = (
    "ubuntu",
    "mirror.gcr.io/ubuntu",
    "debian",
    "mirror.gcr.io/debian",
    "bash",
    "mirror.gcr.io/bash",
    "python",
    "mirror.gcr.io/python",
    "mirror.gcr.io/library/python",
    "perl",
    "mirror.gcr.io/perl",
    # node:lts-alpine3.20 too: its example runs "#!/usr/bin/env sh" and node.
    "node",
    "mirror.gcr.io/node",
)
TEST_IMAGE_MAP: dict[str, str] = {
    **dict.fromkeys(_BUSYBOX_LIKE, BUSYBOX),
    **dict.fromkeys(_DEBIAN_LIKE, DEBIAN),
}
"""Public image (repository, any tag/digest) → local test image."""

UNMAPPED_IMAGES: dict[str, str] = {
    "mirror.gcr.io/alpine/git": "needs git, sshd and ash together (authenticating-git-"
    "commands, git volumes)",
    "gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init": "Tekton's "
    "git-init image; its examples clone from github.com (network)",
    "ghcr.io/tektoncd-catalog/git-clone": "clones from github.com (network)",
    "gcr.io/cloud-builders/git": "clones from github.com (network)",
    "ghcr.io/tektoncd/plumbing/alpine-git-nonroot": "clones from github.com (network)",
    "gcr.io/go-containerregistry/crane": "pulls from a registry (network)",
    "ghcr.io/tektoncd/catalog/upstream/tasks/skopeo-copy": "copies between registries (network)",
    "mirror.gcr.io/library/docker": "docker-in-docker sidecar (privileged daemon)",
    "mcr.microsoft.com/windows/nanoserver": "a Windows image",
    "ghcr.io/tektoncd/pipeline/nop-8eac7c133edad5df719dc37b36b62482": "Tekton's nop "
    "image: the runtime's own nop image stands in for it",
    "gcr.io/kaniko-project/executor": "kaniko builds and pushes an image (registry)",
}
"""Public images of the examples with no local stand-in, and why."""


@functools.cache
def container_engine_skip_reason() -> str | None:
    """None when podman runs containers here, else why not (for ``pytest.skip``)."""
    podman = shutil.which("podman")
    if podman is None:
        return "no podman here (scripts/setup-containers installs it with apt-get)"
    try:
        info = subprocess.run(
            [podman, "info", "--format", "{{.Host.OCIRuntime.Name}}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"podman does not answer here: {error}"
    if info.returncode != 0:
        lines = (info.stderr or info.stdout).strip().splitlines()
        return f"podman does not work here: {lines[-1] if lines else info.returncode}"
    return None


def _missing_images(podman: str) -> list[str]:
    return [
        image
        for image in TEST_IMAGES
        if subprocess.run(
            [podman, "image", "exists", image], capture_output=True, check=False
        ).returncode
        != 0
    ]


@functools.cache
def _build_images() -> str | None:
    """Run ``scripts/build-images`` (cheap when cached); None, or why images are missing."""
    reason = container_engine_skip_reason()
    if reason is not None:
        return reason
    podman = shutil.which("podman") or "podman"
    build = subprocess.run(
        [str(BUILD_IMAGES)], capture_output=True, text=True, timeout=1800, check=False
    )
    missing = _missing_images(podman)
    if missing:
        tail = "; ".join(build.stderr.strip().splitlines()[-3:])
        return f"local test images {', '.join(missing)} could not be built: {tail}"
    return None


def ensure_test_images() -> None:
    """Build the local test images once per session; skip the calling test (naming the
    reason) when podman does not run here or an image could not be built."""
    reason = _build_images()
    if reason is not None:
        pytest.skip(reason)


def docker_skip_reason() -> str | None:
    """Why the docker runtime cannot run here (no client, no daemon answering), or None.
    ``scripts/setup-docker`` installs docker and starts its daemon."""
    from tektite.runtime.container.engine import EngineUnavailable, probe_engine

    try:
        probe_engine("docker")
    except EngineUnavailable as error:
        return f"{error} (scripts/setup-docker sets docker up)"
    return None


def _image_id(engine: str, image: str) -> str:
    found = subprocess.run(
        [engine, "image", "inspect", "--format", "{{.Id}}", image],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip().removeprefix("sha256:") if found.returncode == 0 else ""


@functools.cache
def _copy_to_docker(images: tuple[str, ...]) -> str | None:
    """Copy each of ``images`` from podman's store into docker's (``podman save | docker
    load``) where docker has another image or none by that name; None, or why not."""
    for image in images:
        wanted = _image_id("podman", image)
        if not wanted:
            return f"{image} is not in podman's store"
        if _image_id("docker", image) == wanted:
            continue
        save = subprocess.Popen(["podman", "save", image], stdout=subprocess.PIPE)
        load = subprocess.run(
            ["docker", "load", "-q"], stdin=save.stdout, capture_output=True, text=True, check=False
        )
        save.wait()
        if save.returncode != 0 or load.returncode != 0:
            return f"could not copy {image} into docker: {load.stderr.strip()[-300:]}"
    return None


def ensure_docker_images(*images: str) -> None:
    """The local test images ``images`` (default: ``TEST_IMAGES``), built with podman,
    in docker's own store; skips the calling test, naming the reason, where docker or
    podman cannot run here."""
    reason = docker_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    ensure_test_images()
    reason = _copy_to_docker(images or TEST_IMAGES)
    if reason is not None:
        pytest.skip(reason)


def ensure_engine_images(engine: str) -> None:
    """The local test images in ``engine``'s store (``podman`` or ``docker``); skips
    the calling test, naming the reason, where that engine cannot run here."""
    if engine == "docker":
        ensure_docker_images()
    else:
        ensure_test_images()


def image_map_rules() -> list[str]:
    """``TEST_IMAGE_MAP`` as ``SRC=DST`` rules (for ``--image-map`` / the env var)."""
    return [f"{source}={target}" for source, target in TEST_IMAGE_MAP.items()]
