"""Helpers for the podman runtime tests: run a TaskRun through the embedded control
plane on podman (real containers, real controller, SQLite store)."""

from __future__ import annotations

import asyncio
import io
import subprocess
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tektite.api.config import Config
from tektite.api.load import check_text
from tektite.embedded import embedded
from tektite.local_runs import RUN_KINDS, create_all, wait_done
from tektite.runtime.image_map import ImageMap
from tektite.runtime.protocol import PodKey
from tests.container_images import (
    TEST_IMAGE_MAP,
)


@dataclass
class Outcome:
    """A finished run: the stored object, its logs, and the runtime's owner label."""

    run: dict[str, Any]
    logs: dict[str, str]
    owner: str
    finished: bool
    pod: dict[str, Any] | None = None
    """The run's Pod as the runtime last reported it (before the runtime closed)."""
    engine: str = "podman"
    """The engine it ran on."""

    @property
    def condition(self) -> dict[str, Any]:
        """The ``Succeeded`` condition."""
        return ((self.run.get("status") or {}).get("conditions") or [{}])[0]

    def step(self, name: str) -> dict[str, Any]:
        """The step state called ``name``."""
        for step in (self.run.get("status") or {}).get("steps") or []:
            if step.get("name") == name:
                return dict(step)
        raise AssertionError(f"no step {name}: {self.run.get('status')}")


async def run_on_engine(
    text: str,
    root: Path,
    *,
    timeout: float = 90,
    config: Config | None = None,
    runtime: str = "podman",
) -> Outcome:
    """Create every object of ``text`` and wait for its first run (on ``runtime``)."""
    config = config or Config()
    checked = check_text(text.encode(), "test.yaml", config)
    bad = [c.errors.render() for c in checked if not c.valid]
    assert not bad, bad
    objects = [c.obj.to_dict() for c in checked if c.obj is not None]
    async with embedded(config, runtime, root, image_map=ImageMap(TEST_IMAGE_MAP)) as env:
        owner = str(getattr(env.runtime, "owner", ""))
        created = create_all(env.store, objects, "default", notes=io.StringIO())
        runs = [o for o in created if o["kind"] in RUN_KINDS]
        finished = await wait_done(env.store, runs, asyncio.Event(), timeout=timeout)
        first = runs[0]
        final = env.store.get(first["kind"], "default", first["metadata"]["name"]) or first
        pod_name = (final.get("status") or {}).get("podName")
        pod = await env.runtime.get_pod(PodKey("default", pod_name)) if pod_name else None
    logs = {
        str(path.relative_to(root / "logs")): path.read_text(errors="replace")
        for path in sorted((root / "logs").rglob("*.log"))
    }
    return Outcome(final, logs, owner, finished, pod, runtime)


def leftover_containers(outcome: Outcome) -> list[str]:
    """The containers (and podman pods) still carrying the run's runtime's owner label."""
    label = f"label=tektite.owner={outcome.owner}"
    listing = [outcome.engine, "ps", "-a", "--filter", label, "--format", "{{.Names}}"]
    names = subprocess.run(listing, capture_output=True, text=True, check=False).stdout.split()
    if outcome.engine != "podman":
        return names  # (docker's sandboxes are containers)
    pods = subprocess.run(
        ["podman", "pod", "ps", "--filter", label, "--format", "{{.Name}}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return names + pods


@pytest.fixture
def engine_run(engine: str, tmp_path: Path) -> Callable[..., Outcome]:
    """``engine_run(yaml_text, timeout=…)``: run it on podman, then (a second test) on
    docker (the ``engine`` fixture)."""

    def run(text: str, **options: Any) -> Outcome:
        coroutine: Coroutine[Any, Any, Outcome] = run_on_engine(
            text, tmp_path / "home", runtime=engine, **options
        )
        return asyncio.run(coroutine)

    return run


def taskrun(name: str, spec: dict[str, Any]) -> str:
    """A TaskRun document as YAML."""
    return yaml.safe_dump(
        {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": name}, "spec": spec}
    )
