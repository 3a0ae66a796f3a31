"""Run one of Tekton's example files on the embedded control plane, as Tekton's CI does:
create the whole file in a fresh namespace and wait for its first run."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

from tektite.api.config import Config
from tektite.api.load import check_file
from tektite.embedded import embedded
from tektite.local_runs import RUN_KINDS, condition, create_all, wait_done
from tektite.runtime.image_map import ImageMap


def config_for(path: Path) -> Config:
    """Tekton's CI flags for the example's directory: ``alpha/`` files run in its alpha
    CI, ``beta/`` files in its beta CI, the others with the defaults."""
    if "alpha" in path.parts:
        return Config.alpha_ci()
    if "beta" in path.parts:
        return Config.beta_ci()
    return Config()


async def run_example(
    path: Path,
    root: Path,
    timeout: float = 120,
    runtime: str = "host",
    image_map: ImageMap | None = None,
) -> tuple[dict[str, Any], str]:
    """Run ``path`` on ``runtime`` (images rewritten by ``image_map``); return its first
    run as finally stored, and a report of every run (conditions, step states, logs) to
    explain a failure."""
    config = config_for(path)
    checked = check_file(path, config)
    bad = [f"{c.name}: {c.errors.render()}" for c in checked if not c.valid]
    assert not bad, bad
    objects = [c.obj.to_dict() for c in checked if c.obj is not None]
    async with embedded(config, runtime, root, image_map=image_map) as env:
        created = create_all(env.store, objects, "default", notes=io.StringIO())
        runs = [o for o in created if o["kind"] in RUN_KINDS]
        finished = await wait_done(env.store, runs, asyncio.Event(), timeout=timeout)
        final = [
            env.store.get(r["kind"], r["metadata"]["namespace"], r["metadata"]["name"]) or r
            for r in runs
        ]
        report = [f"finished: {finished}"]
        for run in final:
            report.append(f"{run['kind']}/{run['metadata']['name']}: {condition(run)}")
            for step in (run.get("status") or {}).get("steps") or ():
                report.append(f"  step {step}")
        logs = env.root / "logs" / "default"
        for log in sorted(logs.rglob("*.log")) if logs.exists() else []:
            report.append(f"--- {log.relative_to(logs)}\n{log.read_text(errors='replace')[-2000:]}")
        return final[0], "\n".join(report)
