"""Timing helpers shared by the benchmarks: medians of repeated wall-clock runs."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Sequence


def wall(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``fn()`` in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def process_wall(argv: Sequence[str], repeat: int = 7) -> float:
    """Median wall time of running ``argv`` to completion (output discarded)."""

    def run() -> None:
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    run()  # warm the page cache
    return wall(run, repeat)


def report(name: str, value: float, baseline: float, target: float | None = None) -> None:
    """Print one benchmark line: the figure, the baseline, their ratio, and the target."""
    line = f"{name:<44} {value * 1000:9.1f} ms   baseline {baseline * 1000:8.1f} ms   "
    line += f"ratio {value / baseline:6.2f}x"
    if target is not None:
        line += f"   target ≤ {target * 1000:.0f} ms {'ok' if value <= target else 'MISSED'}"
    print(line)
