"""Start-up of the step-wrapper bundle, the part of every container step it adds.

The bundle (``tektite.runtime.build_entrypoint``: a static launcher execs Debian's
python3 through the bundled dynamic loader) starts the wrapper at each step; the
baseline, measured in the same run, is the in-tree wrapper started by this Python the
way the host runtime's shim starts it (``python -I -S``). When the cache still holds
an executable of the former build (PyInstaller + staticx, which unpacked itself into
/tmp at every start), it is measured too. All run the step ``true`` with Tekton's
flags. Wall time and CPU time (user + system of the processes) are printed; CPU is the
figure that counts when cores are shared. Skipped, saying why, where the bundle is not
built.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench._timing import process_wall, report
from tektite.runtime import build_entrypoint

SRC = Path(build_entrypoint.__file__).resolve().parents[2]


def _cpu(argv: Sequence[str], env: dict[str, str], repeat: int = 15) -> float:
    """Mean CPU seconds (user + system, children) of running ``argv``."""
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(repeat):
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used / repeat


def _former_executable() -> Path | None:
    """The PyInstaller + staticx executable of the former build, if still cached."""
    found = sorted((build_entrypoint.cache_dir() / "bin").glob("tektite-entrypoint-*"))
    return found[-1] if found else None


def main() -> None:
    """Print the wrapper's start-up: bundle (and former executable) against the module."""
    bundle = Path(os.environ.get("TEKTITE_ENTRYPOINT_BUNDLE") or build_entrypoint.cached_bundle())
    if not (bundle / "entrypoint").exists():
        print(f"entrypoint bundle start-up: skipped ({bundle} not built: scripts/build-entrypoint)")
        return
    with tempfile.TemporaryDirectory() as base:
        root = Path(base) / "tekton"
        (root / "run" / "0").mkdir(parents=True)
        flags = ["-post_file", f"{root}/run/0/out", "-step_metadata_dir",
                 f"{root}/run/0/status", "-entrypoint", "true"]  # fmt: skip
        module = [sys.executable, "-I", "-S", "-c",
                  f"import sys; sys.path[:0] = [{str(SRC)!r}]; "
                  "import tektite.entrypoint.__main__ as m; m._run()", *flags]  # fmt: skip
        commands = {"bundle": [str(bundle / "entrypoint"), *flags]}
        former = _former_executable()
        if former is not None:
            commands["former onefile+staticx"] = [str(former), *flags]
        # process_wall runs with this environment; the wrapper reads its root from it.
        os.environ["TEKTITE_TEKTON_DIR"] = str(root)
        env = dict(os.environ)
        try:
            module_wall, module_cpu = process_wall(module), _cpu(module, env)
            for name, command in commands.items():
                report(f"entrypoint {name} start-up (wall)", process_wall(command), module_wall)
                report(f"entrypoint {name} start-up (CPU)", _cpu(command, env), module_cpu)
        finally:
            del os.environ["TEKTITE_TEKTON_DIR"]


if __name__ == "__main__":  # python -m bench.bench_entrypoint_binary
    main()
