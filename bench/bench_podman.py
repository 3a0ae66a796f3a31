"""TaskRun benchmarks on the podman runtime, as whole ``tektite run`` processes.

Baseline measured in the same run: a raw ``podman run --rm IMAGE true`` of the same
local busybox image. Two figures:

- the cost of each extra step: (6-step TaskRun - 1-step TaskRun) / 5, against the raw
  run (target ≤ 1.3× raw);
- a one-step TaskRun end to end, against the raw run (target ≤ raw + 0.5 s): as a
  whole ``tektite run`` process (Python start, store, controller, Pod, step, cleanup),
  and on a control plane already running (creation to ``Succeeded``).

Skipped, saying why, where podman cannot run containers or the local image is missing.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._timing import paired_process_walls, process_wall, report

VENV_BIN = Path(sys.executable).parent
IMAGE = "localhost/tektite/busybox:latest"


def taskrun_yaml(name: str, steps: int) -> str:
    """A TaskRun of ``steps`` busybox steps that each run ``true``."""
    body = "".join(
        f'    - name: s{i}\n      image: busybox\n      command: ["true"]\n' for i in range(steps)
    )
    return (
        "apiVersion: tekton.dev/v1\nkind: TaskRun\n"
        f"metadata: {{name: {name}}}\nspec:\n  taskSpec:\n    steps:\n{body}"
    )


def _unavailable() -> str | None:
    podman = shutil.which("podman")
    if podman is None:
        return "no podman here"
    exists = subprocess.run([podman, "image", "exists", IMAGE], check=False)
    if exists.returncode != 0:
        return f"no local image {IMAGE} (scripts/build-images builds it)"
    return None


def main() -> None:
    """Run the podman benchmarks."""
    reason = _unavailable()
    if reason is not None:
        print(f"{'podman benchmarks':<44} skipped: {reason}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TEKTITE_HOME"] = str(Path(tmp) / "home")
        os.environ["TEKTITE_IMAGE_MAP"] = f"busybox={IMAGE}"
        one, six = Path(tmp) / "one.yaml", Path(tmp) / "six.yaml"
        one.write_text(taskrun_yaml("one", 1))
        six.write_text(taskrun_yaml("six", 6))
        tektite = str(VENV_BIN / "tektite")
        raw, t1 = paired_process_walls(
            ["podman", "run", "--rm", IMAGE, "true"],
            [tektite, "run", "--runtime", "podman", str(one)],
            repeat=7,
        )
        t6 = process_wall([tektite, "run", "--runtime", "podman", str(six)], repeat=3)
        per_step = (t6 - t1) / 5
        report("podman: per extra step (6-step - 1-step)/5", per_step, raw, target=1.3 * raw)
        report("podman: one-step TaskRun (tektite run)", t1, raw, target=raw + 0.5)
        warm = asyncio.run(_warm_taskrun(Path(tmp) / "warm", repeat=5))
        report("podman: one-step TaskRun (running control plane)", warm, raw, target=raw + 0.5)


async def _warm_taskrun(root: Path, repeat: int) -> float:
    """Median time from creating a one-step TaskRun to its ``Succeeded`` condition, on
    a control plane that is already running (as under ``tektite serve``)."""
    from tektite.api.config import Config
    from tektite.api.load import check_text
    from tektite.embedded import embedded
    from tektite.local_runs import create_all, wait_done

    times: list[float] = []
    async with embedded(Config(), "podman", root) as env:
        for index in range(repeat + 1):
            checked = check_text(taskrun_yaml(f"warm{index}", 1).encode(), "bench", Config())
            objects = [c.obj.to_dict() for c in checked if c.obj is not None]
            started = time.perf_counter()
            created = create_all(env.store, objects, "default", notes=io.StringIO())
            await wait_done(env.store, created, asyncio.Event(), timeout=120)
            if index:  # the first one warms the image cache
                times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    main()
