"""What the crash tests (host, podman and docker) read back after a restart, and the outcomes
they expect: the same for every runtime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tektite.local_runs import children, condition
from tektite.store.sqlite import SqliteStore

CHILD = Path(__file__).with_name("crash_child.py")
STEPS = ("tr-one", "tr-two", "pr-first", "pr-second")


def marks(home: Path) -> dict[str, int]:
    """How many times each step started."""
    return {
        step: len((home / "marks" / step).read_text().splitlines())
        for step in STEPS
        if (home / "marks" / step).exists()
    }


def log(home: Path, pod: str, step: str) -> str:
    return (home / "logs" / "default" / pod / f"step-{step}.log").read_text()


def stored(home: Path) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    with SqliteStore(home / "tektite.db") as store:
        taskrun = store.get("TaskRun", "default", "crash-tr")
        pipelinerun = store.get("PipelineRun", "default", "crash-pr")
        assert taskrun is not None and pipelinerun is not None
        return taskrun, pipelinerun, children(store, pipelinerun)


def cond(obj: dict[str, Any]) -> tuple[str, str, str]:
    c = condition(obj)
    return c.get("status", ""), c.get("reason", ""), c.get("message", "")


def terminated(taskrun: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    out = {}
    for step in taskrun["status"].get("steps") or ():
        ended = step.get("terminated") or {}
        out[step["name"]] = (ended.get("exitCode"), ended.get("reason"))
    return out


def assert_finished_once(home: Path) -> None:
    """Both runs succeeded, every step started once, and every log line is kept."""
    assert marks(home) == dict.fromkeys(STEPS, 1)
    # Lines written while no controller ran are kept, and nothing was written twice.
    assert log(home, "crash-tr-pod", "tr-one") == "a-tr-one\nb-tr-one\n"
    assert log(home, "crash-tr-pod", "tr-two") == "a-tr-two\nb-tr-two\n"
    assert log(home, "crash-pr-first-pod", "pr-first") == "a-pr-first\nb-pr-first\n"
    assert log(home, "crash-pr-second-pod", "pr-second") == "a-pr-second\nb-pr-second\n"

    taskrun, pipelinerun, child_runs = stored(home)
    assert cond(taskrun) == ("True", "Succeeded", "All Steps have completed executing")
    assert terminated(taskrun) == {"tr-one": (0, "Completed"), "tr-two": (0, "Completed")}
    assert cond(pipelinerun) == (
        "True",
        "Succeeded",
        "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0",
    )
    assert sorted(c["metadata"]["name"] for c in child_runs) == [
        "crash-pr-first",
        "crash-pr-second",
    ]


def assert_failed_as_lost(home: Path) -> None:
    """The first steps are reported lost as the kubelet reports them and fail both
    runs; nothing ran again."""
    assert marks(home) == {"tr-one": 1, "pr-first": 1}
    assert log(home, "crash-tr-pod", "tr-one") == "a-tr-one\n"
    assert log(home, "crash-pr-first-pod", "pr-first") == "a-pr-first\n"

    taskrun, pipelinerun, child_runs = stored(home)
    lost = '"step-tr-one" exited with code 137: ContainerStatusUnknown'
    assert cond(taskrun) == ("False", "StepFailed", lost)
    step = next(s for s in taskrun["status"]["steps"] if s["name"] == "tr-one")
    assert step["terminated"]["exitCode"] == 137
    assert step["terminated"]["reason"] == "ContainerStatusUnknown"
    assert step["terminated"]["message"] == (
        "The container could not be located when the pod was terminated"
    )
    assert [c["metadata"]["name"] for c in child_runs] == ["crash-pr-first"]
    assert cond(child_runs[0]) == (
        "False",
        "StepFailed",
        '"step-pr-first" exited with code 137: ContainerStatusUnknown',
    )
    assert cond(pipelinerun) == (
        "False",
        "Failed",
        "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 1",
    )
