"""Labels the store refuses, written by a reconcile pass (Tekton's ``syncMetadata``).

A real SQLite store; the TaskRun reconciler's runtime is a stand-in carrying a name
only (no Pod is created: these writes depend on nothing else).
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tektite.api.config import Config
from tektite.api.models import ObjectMeta
from tektite.controller.adapters import sync_own_metadata
from tektite.controller.manager import utc_now
from tektite.controller.taskrun import TaskRunReconciler
from tektite.store.sqlite import SqliteStore

BAD = {"tekton.dev/pipeline": "not a label!"}


def stored_run(store: SqliteStore, kind: str) -> dict[str, Any]:
    return store.create(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": kind,
            "metadata": {"name": "r", "namespace": "default", "labels": {"a": "b"}},
            "spec": {},
        }
    )


def test_sync_of_a_refused_label_is_a_warning_and_writes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteStore(tmp_path / "db")
    before = stored_run(store, "PipelineRun")
    written: dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]] = {}
    with caplog.at_level(logging.WARNING):
        sync_own_metadata(store, "PipelineRun", "default", "r", BAD, {}, written)
    assert store.get("PipelineRun", "default", "r") == before
    assert written == {}
    assert [r.getMessage() for r in caplog.records] == [
        'Failed to sync PipelineRun metadata: PipelineRun.tekton.dev "r" is invalid: '
        'metadata.labels: Invalid value: "not a label!": a valid label must be an empty '
        "string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
        "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
        "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    ]


def test_taskrun_status_and_refused_labels_fall_back_to_separate_writes(tmp_path: Path) -> None:
    """The one-write path (status and labels together) must not lose the status when
    the labels are refused: it reports False, and the caller writes them one by one."""
    store = SqliteStore(tmp_path / "db")
    runtime: Any = SimpleNamespace(name="host")
    reconciler = TaskRunReconciler(store, runtime, Config(), clock=utc_now)
    raw = stored_run(store, "TaskRun")
    status = {"podName": "r-pod"}
    pass_meta = ObjectMeta(name="r", namespace="default", labels=BAD)
    assert not reconciler._save_all(raw, status, pass_meta, ({"a": "b"}, {}))
    assert store.get("TaskRun", "default", "r") == raw
    assert reconciler.written == {}
    assert reconciler.written_metadata == {}
