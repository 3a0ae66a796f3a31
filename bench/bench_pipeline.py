"""A 100-task fan-out/fan-in PipelineRun of ``true`` steps on the host runtime.

Baseline, measured in the same run: 100 parallel ``sh -c true`` processes. The figure of
interest is the scheduling overhead per task, ``(pipeline - baseline) / 100``, and the
peak memory (max RSS) of the ``tektite run`` process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._timing import wall

VENV_BIN = Path(sys.executable).parent
TASKS = 100


def pipeline_yaml(fan_out: int) -> str:
    """``start`` → ``fan_out`` parallel tasks → ``end``: ``fan_out + 2`` tasks (as JSON,
    which is YAML too)."""
    task = {
        "apiVersion": "tekton.dev/v1",
        "kind": "Task",
        "metadata": {"name": "t"},
        "spec": {"steps": [{"name": "s", "image": "busybox", "command": ["true"]}]},
    }
    middle = [f"m{i}" for i in range(fan_out)]
    tasks = [{"name": "start", "taskRef": {"name": "t"}}]
    tasks += [{"name": m, "runAfter": ["start"], "taskRef": {"name": "t"}} for m in middle]
    tasks += [{"name": "end", "runAfter": middle, "taskRef": {"name": "t"}}]
    run = {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"generateName": "fan-"},
        "spec": {"pipelineSpec": {"tasks": tasks}},
    }
    return json.dumps(task) + "\n---\n" + json.dumps(run) + "\n"


def main() -> None:
    """Run the pipeline benchmark."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TEKTITE_HOME": str(Path(tmp) / "home")}
        spec = Path(tmp) / "fan.yaml"
        spec.write_text(pipeline_yaml(TASKS - 2))

        def baseline() -> None:
            procs = [subprocess.Popen(["sh", "-c", "true"]) for _ in range(TASKS)]
            for p in procs:
                p.wait()

        base = wall(baseline, repeat=3)
        rss_file = Path(tmp) / "rss"
        # GNU time reports the peak RSS of the tektite process itself; the process's
        # own figure, not one polluted by other children of this benchmark process.
        tektite = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file)]
        tektite += [str(VENV_BIN / "tektite"), "run", "--runtime", "host", str(spec)]
        started = time.perf_counter()
        result = subprocess.run(tektite, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        peak_kb = int(rss_file.read_text().split()[-1])
        if result.returncode != 0:
            sys.exit(f"bench: the pipeline failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        per_task = (elapsed - base) / TASKS
        print(
            f"{'100-task fan-out/fan-in PipelineRun':<44} {elapsed * 1000:9.1f} ms   baseline "
            f"{base * 1000:8.1f} ms   per task {per_task * 1000:6.1f} ms   target ≤ 10 ms "
            f"{'ok' if per_task <= 0.010 else 'MISSED'}"
        )
        print(
            f"{'peak memory (max RSS of tektite run)':<44} {peak_kb / 1024:9.1f} MB   "
            f"target ≤ 200 MB {'ok' if peak_kb / 1024 <= 200 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
