"""Shared test fixtures: where Tekton's example corpus lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


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
