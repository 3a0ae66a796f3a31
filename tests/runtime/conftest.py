"""Fixtures for the host runtime tests: both path modes, a runtime per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from host_helpers import DETECTED, RuntimeFactory
from tekton_pod import ENTRYPOINT_IMAGE, NOP_IMAGE, SHELL_IMAGE, DictCluster

from tektite.runtime import mounts
from tektite.runtime.host import HostRuntime


@pytest.fixture(params=[mounts.NAMESPACE, mounts.REWRITE])
def mode(request: pytest.FixtureRequest) -> str:
    """Each test runs in both path modes; namespace mode needs root and unshare."""
    wanted: str = request.param
    if wanted == mounts.NAMESPACE and DETECTED[0] != mounts.NAMESPACE:
        reason = f"namespace mode unavailable: {DETECTED[1]}"
        print(reason)
        pytest.skip(reason)
    return wanted


@pytest.fixture
def cluster() -> DictCluster:
    """An empty dict-backed ClusterData."""
    return DictCluster()


@pytest.fixture
def open_runtime(tmp_path: Path, cluster: DictCluster, mode: str) -> RuntimeFactory:
    """``async with open_runtime() as rt``: a HostRuntime in the test's mode, closed after."""

    @asynccontextmanager
    async def factory(**options: Any) -> AsyncIterator[HostRuntime]:
        runtime = HostRuntime(
            tmp_path / "data",
            cluster,
            entrypoint_image=ENTRYPOINT_IMAGE,
            shell_image=SHELL_IMAGE,
            nop_image=NOP_IMAGE,
            mode=mode,
            **options,
        )
        try:
            yield runtime
        finally:
            await runtime.close()

    return factory
