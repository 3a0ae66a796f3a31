"""Shared test fixtures: where Tekton's example corpus lives, and each container engine
in turn."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["podman", "docker"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each container engine in turn, with the local test images in its store; the test
    skips, naming the reason, where that engine cannot run. Afterwards whatever
    containers (and podman pods) the runtimes on ``tmp_path / "home"`` left are removed."""
    from tests.container_images import ensure_engine_images
    from tests.runtime.container.leftovers import remove_leftovers

    name: str = request.param
    ensure_engine_images(name)
    yield name
    remove_leftovers(tmp_path / "home", name)


def shared_dir() -> Path | None:
    """``../shared`` beside the clone (CI lays a copy there), or ``$TEKTITE_SHARED``."""
    env = os.environ.get("TEKTITE_SHARED")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared"]:
        if (candidate / "conformance").is_dir():
            return candidate
    return None


def examples_dir() -> Path:
    """Tekton's ``examples/v1``; the test session fails loudly if it is missing."""
    shared = shared_dir()
    if shared is None:
        pytest.fail(
            "Tekton's examples are not found: expected ../shared/conformance beside the "
            "repository (or set TEKTITE_SHARED)"
        )
    return shared / "conformance" / "tekton-examples" / "v1"
