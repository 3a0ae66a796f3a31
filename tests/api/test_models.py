"""The model modules keep their annotations evaluated (see ``tektite.api.models._base``)."""

from __future__ import annotations
import __future__

import importlib
import pkgutil

import msgspec
import pytest

import tektite.api.models as models
from tektite.api.models import PipelineTask, TaskRunStatus

MODULES = sorted(f"{models.__name__}.{info.name}" for info in pkgutil.iter_modules(models.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_a_model_module_does_not_postpone_its_annotations(name: str) -> None:
    """Postponed (string) annotations are compiled one by one at a Struct's first decode
    in each process: several milliseconds of every ``tektite run``."""
    module = importlib.import_module(name)
    assert getattr(module, "annotations", None) is not __future__.annotations


def test_the_quoted_forward_references_decode() -> None:
    task = msgspec.convert(
        {"name": "t", "pipelineSpec": {"tasks": [{"name": "inner", "taskRef": {"name": "x"}}]}},
        PipelineTask,
    )
    assert task.pipeline_spec is not None
    assert task.pipeline_spec.tasks[0].name == "inner"
    status = msgspec.convert({"retriesStatus": [{"podName": "p-retry0"}]}, TaskRunStatus)
    assert status.retries_status is not None
    assert status.retries_status[0].pod_name == "p-retry0"
