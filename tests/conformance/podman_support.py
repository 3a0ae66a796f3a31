"""Which of Tekton's example runs the podman runtime does not run, and why.

The one list for podman, like ``host_support`` for the host runtime: the podman
conformance tests run every other TaskRun/PipelineRun example of ``taskruns/`` (top
level, ``beta/``, ``alpha/``) and ``pipelineruns/`` with the public images mapped onto
the local test images (``tests.container_images.TEST_IMAGE_MAP``), and expect
``Succeeded=True``. The list only shrinks; classes are those of reference §7.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.container_images import BUSYBOX, DEBIAN, TEST_IMAGE_MAP, ensure_test_images

N = "needs the network or a remote resolver (git, hub, bundles, a registry)"
G = "clones a GitHub repository with the git-clone image's /ko-app/git-init (network, class N)"
C = "a git server over ssh in an alpine/git sidecar: no local stand-in for that image"

PODMAN_SKIPS: dict[str, str] = {
    "taskruns/authenticating-git-commands.yaml": C,
    "taskruns/beta/authenticating-git-commands.yaml": C,
    "taskruns/dind-sidecar.yaml": "needs a privileged docker daemon sidecar (class X)",
    "taskruns/beta/bundles-resolver.yaml": N,
    "taskruns/beta/git-resolver.yaml": N,
    "taskruns/beta/hub-resolver.yaml": N,
    "taskruns/beta/stepaction-git-resolver.yaml": N,
    "taskruns/alpha/step-stream-results.yaml": N + " (the crane image talks to a registry)",
    "taskruns/alpha/step-stream-workspace.yaml": N + " (the crane image talks to a registry)",
    "pipelineruns/pipelinerun.yaml": G + "; then builds and pushes an image with kaniko",
    "pipelineruns/pipelinerun-with-final-tasks.yaml": G,
    "pipelineruns/beta/git-resolver.yaml": N,
    "pipelineruns/beta/http-resolver.yaml": N,
    "pipelineruns/beta/http-resolver-credentials.yaml": N,
}


# -- the images of the podman conformance run ---------------------------------------------

BASH_IMAGE = "localhost/tektite/bash:latest"
"""The Debian test image with the ENTRYPOINT of Docker's official ``bash`` image
(``docker-entrypoint.sh``: run ``bash "$@"`` when the first argument is an option or
there is none, else run the arguments as a command). Tekton's examples give ``bash``
steps ``args`` only (class E): what runs then is exactly this script."""

_BASH_ENTRYPOINT = """#!/usr/bin/env bash
set -Eeuo pipefail

# first arg is `-f` or `--some-option`, or there are no args: run them through bash
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
	exec bash "$@"
fi

exec "$@"
"""
_BASH_CONTAINERFILE = f"""FROM {DEBIAN}
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["bash"]
LABEL tektite.entrypoint-sha={hashlib.sha256(_BASH_ENTRYPOINT.encode()).hexdigest()[:16]}
"""

NOP_IMAGE = "ghcr.io/tektoncd/pipeline/nop-8eac7c133edad5df719dc37b36b62482"
"""Tekton's nop image (``entrypoint-resolution``): its only job is to exit 0. Busybox
stands in: without a command its ``CMD ["sh"]`` reads an empty standard input and exits 0."""

PODMAN_IMAGE_MAP: dict[str, str] = {
    **TEST_IMAGE_MAP,
    "bash": BASH_IMAGE,
    "mirror.gcr.io/bash": BASH_IMAGE,
    NOP_IMAGE: BUSYBOX,
}


@functools.cache
def _build_bash_image() -> str | None:
    label = _BASH_CONTAINERFILE.rsplit("=", 1)[1].strip()
    found = subprocess.run(
        [
            "podman",
            "image",
            "inspect",
            "--format",
            '{{index .Labels "tektite.entrypoint-sha"}}',
            BASH_IMAGE,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    base = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Id}}", DEBIAN],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    parent = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Parent}}", BASH_IMAGE],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if found.returncode == 0 and found.stdout.strip() == label and (not parent or parent == base):
        return None
    with tempfile.TemporaryDirectory() as context:
        script = Path(context) / "docker-entrypoint.sh"
        script.write_text(_BASH_ENTRYPOINT)
        script.chmod(0o755)
        (Path(context) / "Containerfile").write_text(_BASH_CONTAINERFILE)
        built = subprocess.run(
            ["podman", "build", "-q", "-t", BASH_IMAGE, context],
            capture_output=True,
            text=True,
            check=False,
        )
    if built.returncode != 0:
        return f"could not build {BASH_IMAGE}: {built.stderr.strip().splitlines()[-1:]}"
    return None


def ensure_podman_images() -> None:
    """The local test images and the bash image; skips the test (saying why) when podman
    cannot run here or an image cannot be built."""
    ensure_test_images()
    reason = _build_bash_image()
    if reason is not None:
        pytest.skip(reason)
