"""Helpers for the step wrapper tests: a Tekton root in a temp dir and a step runner.

Every test runs the real ``python -m tektite.entrypoint`` as a subprocess against
real files; nothing is mocked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

STARTED_AT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


class Pod:
    """A fake Pod's file layout: ``<tmp>/tekton`` is the Tekton root (TEKTITE_TEKTON_DIR)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base / "tekton"
        self.root.mkdir()
        (self.root / "results").mkdir()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TZ": "UTC",
            "TEKTITE_TEKTON_DIR": str(self.root),
            "HOME": str(base / "home"),
        }

    # --- paths ----------------------------------------------------------------

    def run_dir(self, index: int) -> Path:
        return self.root / "run" / str(index)

    def post_file(self, index: int) -> Path:
        return self.run_dir(index) / "out"

    def status_dir(self, index: int) -> Path:
        return self.run_dir(index) / "status"

    def termination(self, index: int) -> Path:
        return self.base / f"termination-{index}"

    def step_flags(self, index: int, *extra: str, wait: bool = True) -> list[str]:
        """The flags Tekton's Pod builder generates for step ``index``."""
        flags = []
        if index > 0 and wait:
            flags += ["-wait_file", str(self.post_file(index - 1))]
        flags += [
            "-post_file",
            str(self.post_file(index)),
            "-termination_path",
            str(self.termination(index)),
            "-step_metadata_dir",
            str(self.status_dir(index)),
        ]
        return flags + list(extra)

    def write_step_result(self, step: str, name: str, content: str) -> Path:
        """Write a result as an earlier step would, reachable via steps/step-<s>."""
        path = self.root / "steps" / f"step-{step}" / "results" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        return path

    # --- running --------------------------------------------------------------

    def command(self, args: list[str]) -> list[str]:
        return [sys.executable, "-m", "tektite.entrypoint", *args]

    def run(
        self, args: list[str], env: dict[str, str] | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run the wrapper to completion, capturing output."""
        return subprocess.run(
            self.command(args),
            cwd=self.base,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start the wrapper in the background."""
        return subprocess.Popen(
            self.command(args),
            cwd=self.base,
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    # --- reading --------------------------------------------------------------

    def message(self, index: int) -> list[dict[str, Any]]:
        """The parsed termination message of step ``index``."""
        data: list[dict[str, Any]] = json.loads(self.termination(index).read_text())
        return data

    def entries(self, index: int) -> list[tuple[str, str, int]]:
        """(key, value, type) of the termination message, StartedAt's value elided."""
        return [
            (e["key"], "<time>" if e["key"] == "StartedAt" else e["value"], e.get("type", 0))
            for e in self.message(index)
        ]


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    """Poll ``predicate`` until it is true, failing the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached in time")
        time.sleep(0.01)
