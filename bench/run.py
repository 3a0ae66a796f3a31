"""Run every benchmark: ``.venv/bin/python bench/run.py``.

Each line prints the measured figure, a baseline measured in the same run on the same
machine, their ratio, and the issue's target. Nothing here asserts: machines are noisy.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (
    bench_api,
    bench_cli,
    bench_entrypoint_binary,
    bench_masking,
    bench_pipeline,
    bench_podman,
    bench_reconcile,
    bench_store,
    bench_taskrun,
)


def main() -> None:
    """Run all benchmarks in order."""
    bench_api.main()
    bench_store.main()
    bench_reconcile.main()
    bench_taskrun.main()
    bench_pipeline.main()
    bench_podman.main()
    bench_entrypoint_binary.main()
    bench_cli.main()
    bench_masking.main()


if __name__ == "__main__":
    main()
