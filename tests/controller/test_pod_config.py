"""Which configuration the TaskRun reconciler builds Pods with, per runtime.

The runtimes here are stand-ins that only carry a ``name`` (no Pod is created): the
decision depends on nothing else.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tektite.api.config import Config
from tektite.api.models import Sidecar
from tektite.controller.manager import utc_now
from tektite.controller.taskrun import TaskRunReconciler
from tektite.engine.pod import is_pod_ready_immediately
from tektite.store.sqlite import SqliteStore


def reconciler(tmp_path: Path, runtime_name: str, config: Config) -> TaskRunReconciler:
    runtime: Any = SimpleNamespace(name=runtime_name)
    return TaskRunReconciler(SqliteStore(tmp_path / "db"), runtime, config, clock=utc_now)


def test_a_local_runtime_has_no_injected_sidecars_so_a_pod_without_any_is_ready_at_once(
    tmp_path: Path,
) -> None:
    features = reconciler(tmp_path, "host", Config())._pod_config().features
    assert not features.running_in_environment_with_injected_sidecars
    assert is_pod_ready_immediately(features, [])
    # Declared sidecars still gate the first step (await-sidecar-readiness).
    assert not is_pod_ready_immediately(features, [Sidecar(name="db", image="redis")])


def test_kubernetes_keeps_the_flag_as_configured(tmp_path: Path) -> None:
    config = Config()
    assert reconciler(tmp_path, "kubernetes", config)._pod_config() is config
    assert not is_pod_ready_immediately(config.features, [])
    off = dataclasses.replace(
        config,
        features=dataclasses.replace(
            config.features, running_in_environment_with_injected_sidecars=False
        ),
    )
    assert reconciler(tmp_path, "podman", off)._pod_config() is off
