"""Run mutated conformance examples with ``tektite run``: a search for hangs and
tracebacks in the run path. Not part of the suite (it runs for minutes and is random
by design); the suite's ``tests/api/test_fuzz.py`` covers validation alone.

Each example the runtime runs (its skip list) is mutated 1-3 nodes at a time (a node
deleted, replaced by another type or an odd string, a list or mapping grown); a mutant
that ``tektite validate`` still accepts is run on the runtime with a time limit. Runs
that print a traceback, an internal error or a failed reconcile pass, end with another
status than 0 or 1, or outlive the limit are written to the report with their output.
Examples whose scripts could change the machine (``rm``, ``mv``, ``chmod``, ``/etc/``)
are left out, as are those that sleep.

    .venv/bin/python -m tests.fuzz_runs SEED MUTANTS_PER_EXAMPLE REPORT [host|podman]

A timeout is not always a defect: a Pod waiting for a ConfigMap, Secret or claim that
does not exist waits on a cluster too, until the run's timeout.
"""

from __future__ import annotations

import collections
import copy
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from tektite.api.load import check_text
from tests.conformance import podman_support
from tests.conformance.host_support import HOST_SKIPS
from tests.conftest import shared_dir

KINDS = ("TaskRun", "PipelineRun", "Task", "Pipeline", "StepAction")
VALUES: list[Any] = [
    None, 0, -1, 1, 2**63, 1.5, 3.0, "", " ", "x", "0", "-1", "1e3", "10m", "0s", "1h",
    "-1s", "true", "10Mi", "A_B", "x" * 70, "a" * 300, "é\u0000", "*", "[", "{", "in",
    "notin", "Finally", "$(", "$(params.x)", "$(params.x[0])", "$(params.a[*])",
    "$(params['a'])", "$(params.greeting)", "$(tasks.a.results.b[*])",
    "$(tasks.t.results.r.key)", "$(tasks.status)", "$(context.taskRun.name)",
    "$(context.pipelineRun.name)", "$(workspaces.w.path)", "$(steps.s.results.r)",
    "$(results.r.path)", [], {}, ["a"], [1], [None], [""], ["$(params.x[*])"],
    {"a": 1}, {"a": None}, {"": ""}, {"a": "$(params.x)"}, {"name": "x"},
    [{"name": "x"}], [{"name": "x", "value": 1}],
    [{"input": "a", "operator": "in", "values": ["a"]}], True, False,
]  # fmt: skip
# A redirection into a substituted path too: a mutant that empties the path writes to
# the host's root (``> $(workspaces.w.path)/foo`` became ``> /foo``; the host runtime
# shares the host's file system).
DANGEROUS = re.compile(r"\brm\b|\bmv\b|chmod|chown|\bdd\b|mkfs|>\s*/|>\s*\$\(|sudo|/etc/")
HANGS_ANYWAY = ("csi-workspace", "git-volume")  # volumes nothing here can mount
BAD_OUTPUT = ("Traceback", "internal error", "failed (attempt")


def nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of every node below ``value``."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += nodes(child, (*path, index))
    return found


def mutate(doc: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], str]:
    """A copy of ``doc`` with one node changed, and what was done."""
    doc = copy.deepcopy(doc)
    path = rng.choice([p for p in nodes(doc) if p])
    parent: Any = doc
    for key in path[:-1]:
        parent = parent[key]
    where = ".".join(map(str, path))
    value = parent[path[-1]]
    roll = rng.random()
    if roll < 0.2 and isinstance(parent, dict):
        del parent[path[-1]]
        return doc, f"del {where}"
    if roll < 0.3 and isinstance(value, dict):
        value[rng.choice(["name", "value", "type", "default", "when", "params", "x"])] = rng.choice(
            VALUES
        )
        return doc, f"add {where}"
    if roll < 0.3 and isinstance(value, list):
        value.append(copy.deepcopy(rng.choice([*VALUES, *value[:1]])))
        return doc, f"append {where}"
    parent[path[-1]] = copy.deepcopy(rng.choice(VALUES))
    return doc, f"set {where}"


def mutants(
    examples: Path, seed: int, per_example: int, runtime: str
) -> list[tuple[str, list[str], str]]:
    """(example, what was changed, YAML) of mutants that still validate."""
    rng = random.Random(seed)
    skips = HOST_SKIPS if runtime == "host" else podman_support.PODMAN_SKIPS
    found = []
    for path in sorted(examples.rglob("*.yaml")):
        name = str(path.relative_to(examples))
        text = path.read_text()
        if name in skips or DANGEROUS.search(text) or "sleep" in text:
            continue
        if any(part in name for part in HANGS_ANYWAY):
            continue
        docs = [d for d in yaml.safe_load_all(text) if d]
        for _ in range(per_example):
            for _attempt in range(20):
                changed: list[str] = []
                out = []
                for doc in docs:
                    if doc.get("kind") in KINDS and rng.random() < 0.8:
                        for _ in range(rng.randint(1, 3)):
                            doc, how = mutate(doc, rng)
                            changed.append(how)
                    out.append(doc)
                mutant = yaml.safe_dump_all(out)
                try:
                    if all(c.valid for c in check_text(mutant, name)):
                        found.append((name, changed, mutant))
                        break
                except Exception:  # unreadable YAML: try another mutant
                    continue
    return found


def run(runtime: str, job: tuple[str, list[str], str]) -> tuple[str, list[str], object, str]:
    """Run one mutant; its example, changes, exit status (or TIMEOUT) and output."""
    name, changed, text = job
    home = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    spec = Path(home) / "run.yaml"
    spec.write_text(text)
    env = {**os.environ, "TEKTITE_HOME": f"{home}/home"}
    if runtime != "host":
        rules = podman_support.PODMAN_IMAGE_MAP.items()
        env["TEKTITE_IMAGE_MAP"] = ",".join(f"{a}={b}" for a, b in rules)
    command = [sys.executable, "-m", "tektite", "run", "--runtime", runtime, str(spec)]
    try:
        done = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=40 if runtime == "host" else 90,
            cwd=home,
        )
        status: object = done.returncode
        output = done.stdout + done.stderr
    except subprocess.TimeoutExpired as expired:
        status = "TIMEOUT"
        output = "".join(
            part.decode("utf-8", "replace") if isinstance(part, bytes) else part or ""
            for part in (expired.stdout, expired.stderr)
        )
    shutil.rmtree(home, ignore_errors=True)
    return name, changed, status, output


def main(argv: list[str]) -> int:
    """Run the fuzzer (see the module docstring)."""
    seed, per_example, report = int(argv[0]), int(argv[1]), Path(argv[2])
    runtime = argv[3] if len(argv) > 3 else "host"
    shared = shared_dir()
    if shared is None:
        sys.exit("fuzz_runs: Tekton's examples are not found (../shared, or $TEKTITE_SHARED)")
    jobs = mutants(shared / "conformance" / "tekton-examples" / "v1", seed, per_example, runtime)
    print(f"{len(jobs)} mutants", flush=True)
    statuses: collections.Counter[object] = collections.Counter()
    with report.open("w") as out, ThreadPoolExecutor(2 if runtime == "host" else 1) as pool:
        for name, changed, status, output in pool.map(lambda j: run(runtime, j), jobs):
            statuses[status] += 1
            if status not in (0, 1) or any(mark in output for mark in BAD_OUTPUT):
                out.write(f"=== {name} {changed} status={status}\n{output[-3000:]}\n")
                out.flush()
    print(dict(statuses))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
