"""Fixtures for the step wrapper tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from entrypoint_pod import Pod


@pytest.fixture
def pod(tmp_path: Path) -> Pod:
    """A fresh Tekton root for one test."""
    return Pod(tmp_path)
