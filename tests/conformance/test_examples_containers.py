"""Tekton's TaskRun and PipelineRun examples reach Succeeded=True on podman and on docker.

Every example of ``taskruns/`` and ``pipelineruns/`` (``no-ci`` aside) not listed in
``podman_support.PODMAN_SKIPS`` runs in real containers, its public images mapped onto
the local test images (``podman_support.PODMAN_IMAGE_MAP``): once on podman, once on
docker (the images copied into docker's store). Skipped, with the reason, where that
engine cannot run containers (``scripts/setup-containers``, ``scripts/setup-docker``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tektite.runtime.image_map import ImageMap
from tests.conformance.podman_support import (
    BASH_IMAGE,
    PODMAN_IMAGE_MAP,
    PODMAN_SKIPS,
    ensure_podman_images,
)
from tests.conformance.runner import run_example
from tests.conformance.test_examples_api import _FILES, _id
from tests.container_images import TEST_IMAGES, ensure_docker_images

EXAMPLE_FILES = [
    f
    for f in _FILES
    if ("taskruns" in f.parts or "pipelineruns" in f.parts)
    and "no-ci" not in f.parts
    and _id(f) not in PODMAN_SKIPS
]


def test_skip_list_names_real_files() -> None:
    ids = {_id(f) for f in _FILES}
    assert set(PODMAN_SKIPS) <= ids, set(PODMAN_SKIPS) - ids


@pytest.mark.parametrize("engine", ["podman", "docker"])
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=_id)
def test_example_succeeds_in_containers(engine: str, path: Path, tmp_path: Path) -> None:
    ensure_podman_images()
    if engine == "docker":
        ensure_docker_images(*TEST_IMAGES, BASH_IMAGE)
    run, report = asyncio.run(
        run_example(path, tmp_path, runtime=engine, image_map=ImageMap(PODMAN_IMAGE_MAP))
    )
    conditions = (run.get("status") or {}).get("conditions") or [{}]
    assert conditions[0].get("status") == "True", report
