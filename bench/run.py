"""Run every benchmark: ``.venv/bin/python bench/run.py``.

Each line prints the measured figure, a baseline measured in the same run on the same
machine, their ratio, and the issue's target. Nothing here asserts: machines are noisy.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_api, bench_pipeline, bench_store, bench_taskrun


def main() -> None:
    """Run all benchmarks in order."""
    bench_api.main()
    bench_store.main()
    bench_taskrun.main()
    bench_pipeline.main()


if __name__ == "__main__":
    main()
