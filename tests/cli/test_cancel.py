"""``tektite taskrun cancel`` / ``tektite pipelinerun cancel [--grace …]``: tkn's
messages, ``spec.status`` set in the real store, and the controller acting on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runs_support import condition, get, seed, started_name, tektite

PENDING = """\
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: tr-pending}
spec:
  taskRef: {name: greet}
  params: [{name: who, value: x}]
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: pr-pending}
spec:
  pipelineRef: {name: pipe}
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: pr-graceful}
spec:
  pipelineRef: {name: pipe}
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: pr-stopped}
spec:
  pipelineRef: {name: pipe}
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    seed(h)
    seed(h, PENDING)  # stored while no controller runs: they wait
    return h


def test_cancel_sets_spec_status(home: Path) -> None:
    result = tektite(["taskrun", "cancel", "tr-pending"], home)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "TaskRun cancelled: tr-pending\n",
        "",
    )
    assert get(home, "TaskRun", "tr-pending")["spec"]["status"] == "TaskRunCancelled"  # type: ignore[index]
    for name, args, status in (
        ("pr-pending", [], "Cancelled"),
        ("pr-graceful", ["--grace", "CancelledRunFinally"], "CancelledRunFinally"),
        ("pr-stopped", ["--grace", "stoppedrunfinally"], "StoppedRunFinally"),
    ):
        result = tektite(["pr", "cancel", name, *args], home)
        assert (result.returncode, result.stdout) == (0, f"PipelineRun cancelled: {name}\n")
        assert get(home, "PipelineRun", name)["spec"]["status"] == status  # type: ignore[index]


def test_the_next_controller_finishes_the_cancelled_runs(home: Path) -> None:
    assert tektite(["tr", "cancel", "tr-pending"], home).returncode == 0
    assert tektite(["pr", "cancel", "pr-pending"], home).returncode == 0
    # Any command that runs the controller in-process reconciles every waiting run.
    started = tektite(["t", "start", "greet", "-p", "who=next"], home)
    assert started.returncode == 0, started.stderr
    tr = condition(get(home, "TaskRun", "tr-pending"))
    assert (tr["status"], tr["reason"]) == ("False", "TaskRunCancelled")
    pr = condition(get(home, "PipelineRun", "pr-pending"))
    assert (pr["status"], pr["reason"]) == ("False", "Cancelled")


def test_cancel_errors(home: Path) -> None:
    done = started_name(tektite(["t", "start", "greet", "-p", "who=x"], home).stdout, "TaskRun")
    result = tektite(["tr", "cancel", done], home)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: failed to cancel TaskRun {done}: TaskRun has already finished execution\n"
    )
    pr = started_name(tektite(["p", "start", "pipe"], home).stdout, "PipelineRun")
    result = tektite(["pr", "cancel", pr], home)
    assert result.stderr == (
        f"Error: failed to cancel PipelineRun {pr}: PipelineRun has already finished execution\n"
    )
    missing = tektite(["tr", "cancel", "nope"], home)
    assert (missing.returncode, missing.stderr) == (1, "Error: failed to find TaskRun: nope\n")
    missing = tektite(["pr", "cancel", "nope", "-n", "other"], home)
    assert missing.stderr == "Error: failed to find PipelineRun: nope\n"
