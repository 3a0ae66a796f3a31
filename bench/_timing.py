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


def paired_process_walls(
    baseline: Sequence[str], measured: Sequence[str], repeat: int = 7
) -> tuple[float, float]:
    """Median wall times of ``baseline`` and ``measured``, run alternately (one of each,
    ``repeat`` times, after one warm-up each): a machine whose speed drifts during the
    benchmark then slows both alike instead of whichever ran in the slow period."""

    def timed(argv: Sequence[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return time.perf_counter() - t0

    timed(baseline)
    timed(measured)
    pairs = [(timed(baseline), timed(measured)) for _ in range(repeat)]
    return statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs)


def report(name: str, value: float, baseline: float, target: float | None = None) -> None:
    """Print one benchmark line: the figure, the baseline, their ratio, and the target."""
    line = f"{name:<44} {value * 1000:9.1f} ms   baseline {baseline * 1000:8.1f} ms   "
    line += f"ratio {value / baseline:6.2f}x"
    if target is not None:
        line += f"   target ≤ {target * 1000:.0f} ms {'ok' if value <= target else 'MISSED'}"
    print(line)
