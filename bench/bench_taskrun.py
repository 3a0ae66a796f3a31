"""TaskRun benchmarks on the host runtime, as whole ``tektite run`` processes.

Baselines measured in the same run: ``sh -c true`` (what one step does, without Tektite)
for the one-step TaskRun; the one-step TaskRun itself for the 50-step one (the figure is
the cost of each extra step).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bench._timing import process_wall, report

VENV_BIN = Path(sys.executable).parent


def taskrun_yaml(name: str, steps: int) -> str:
    """A TaskRun of ``steps`` steps that each run ``true``."""
    body = "".join(
        f'    - name: s{i}\n      image: busybox\n      command: ["true"]\n' for i in range(steps)
    )
    return (
        "apiVersion: tekton.dev/v1\nkind: TaskRun\n"
        f"metadata: {{name: {name}}}\nspec:\n  taskSpec:\n    steps:\n{body}"
    )


def main() -> None:
    """Run the TaskRun benchmarks."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TEKTITE_HOME"] = str(Path(tmp) / "home")
        one, fifty = Path(tmp) / "one.yaml", Path(tmp) / "fifty.yaml"
        one.write_text(taskrun_yaml("one", 1))
        fifty.write_text(taskrun_yaml("fifty", 50))
        tektite = str(VENV_BIN / "tektite")
        base = process_wall(["sh", "-c", "true"])
        t1 = process_wall([tektite, "run", "--runtime", "host", str(one)], repeat=5)
        report("one-step TaskRun (tektite run, host)", t1, base, target=0.5)
        t50 = process_wall([tektite, "run", "--runtime", "host", str(fifty)], repeat=3)
        per_step = (t50 - t1) / 49
        print(
            f"{'50-step TaskRun':<44} {t50 * 1000:9.1f} ms   per extra step "
            f"{per_step * 1000:6.1f} ms   target ≤ 30 ms {'ok' if per_step <= 0.03 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
