"""Tekton's PipelineRun examples reach Succeeded=True on the host runtime."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conformance.host_support import HOST_SKIPS
from tests.conformance.runner import run_example
from tests.conformance.test_examples_api import _FILES, _id

PIPELINERUN_FILES = [
    f
    for f in _FILES
    if "pipelineruns" in f.parts and "no-ci" not in f.parts and _id(f) not in HOST_SKIPS
]


@pytest.mark.parametrize("path", PIPELINERUN_FILES, ids=_id)
def test_pipelinerun_example_succeeds_on_host(path: Path, tmp_path: Path) -> None:
    run, report = asyncio.run(run_example(path, tmp_path))
    conditions = (run.get("status") or {}).get("conditions") or [{}]
    assert conditions[0].get("status") == "True", report
