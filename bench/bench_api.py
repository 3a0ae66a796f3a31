"""API benchmarks: the example corpus in one process; CLI start-up as whole processes.

Baselines, measured in the same run: parsing the same YAML with PyYAML's C loader and
nothing else (for the corpus), and a bare ``python -c pass`` (for the processes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from bench._timing import process_wall, report, wall

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def corpus_files() -> list[Path]:
    """Tekton's example corpus beside the repository."""
    root = REPO.parent / "shared" / "conformance" / "tekton-examples" / "v1"
    files = sorted(root.rglob("*.yaml"))
    if not files:
        sys.exit(f"bench: Tekton's examples not found under {root}")
    return files


def bench_corpus() -> None:
    """Load + convert + default + validate every example, in one process."""
    from tektite.api.config import Config
    from tektite.api.load import check_file

    files = corpus_files()
    alpha = Config.alpha_ci()

    def ours() -> None:
        for f in files:
            check_file(f, alpha)

    def baseline() -> None:
        for f in files:
            list(yaml.load_all(f.read_bytes(), Loader=yaml.CSafeLoader))

    ours()  # import everything once: the target is about steady-state work
    report(f"corpus check ({len(files)} files)", wall(ours), wall(baseline), target=1.0)


def bench_cli() -> None:
    """``tektite --help`` and ``tektite validate FILE`` as whole processes."""
    tektite = str(VENV_BIN / "tektite")
    python = sys.executable
    base = process_wall([python, "-c", "pass"])
    report("tektite --help", process_wall([tektite, "--help"]), base, target=0.2)
    one = str(corpus_files()[0])
    report("tektite validate <one file>", process_wall([tektite, "validate", one]), base, 0.5)


def main() -> None:
    """Run the API benchmarks."""
    bench_corpus()
    bench_cli()


if __name__ == "__main__":
    main()
