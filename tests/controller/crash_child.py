"""The process that ``test_crash_restart`` kills: the embedded control plane running a
TaskRun and a PipelineRun on the host runtime.

``python crash_child.py start <home>`` creates the runs, prints ``RUNNING <launcher
pid>`` once the first step of each is running (each step appends a line to a mark file
under ``<home>/marks`` when it starts, so the parent can count how often it ran), then
waits to be killed. ``python crash_child.py resume <home>`` opens the same data
directory, waits until every run and child has ended, and prints ``DONE``.
``python crash_child.py serve <home> <count>`` runs the controller for TaskRuns that
another process creates and cancels (``test_crash_concurrent_updates``).
A last argument ``podman`` or ``docker`` runs ``start``/``resume`` on that runtime instead
(``test_crash_restart_containers``; the mark files are then in a hostPath volume and the
printed pid is 0).
"""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path
from typing import Any

from tektite.api.config import Config
from tektite.embedded import embedded
from tektite.local_runs import create_all, is_done, wait_settled

TASKRUN = "crash-tr"
PIPELINERUN = "crash-pr"


def _step(name: str, marks: Path, *, sleep: float) -> dict[str, Any]:
    """A step that records its start, then (with ``sleep``) outlives the kill."""
    script = f"echo a-{name}\necho started >> {marks / name}\n"
    if sleep:
        script += f"sleep {sleep}\n"
    script += f"echo b-{name}\n"
    return {"name": name, "image": "busybox", "script": script}


def _in_containers(task: dict[str, Any], marks: Path) -> dict[str, Any]:
    """The task with ``marks`` mounted at the same path into its steps (hostPath)."""
    for step in task["steps"]:
        step["volumeMounts"] = [{"name": "marks", "mountPath": str(marks)}]
    task["volumes"] = [{"name": "marks", "hostPath": {"path": str(marks)}}]
    return task


def objects(marks: Path, runtime: str = "host") -> list[dict[str, Any]]:
    """A 2-step TaskRun and a PipelineRun of two tasks in sequence."""
    if runtime != "host":
        taskrun, pipelinerun = objects(marks)
        _in_containers(taskrun["spec"]["taskSpec"], marks)
        for task in pipelinerun["spec"]["pipelineSpec"]["tasks"]:
            _in_containers(task["taskSpec"], marks)
        return [taskrun, pipelinerun]
    taskrun = {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {"name": TASKRUN},
        "spec": {
            "taskSpec": {
                "steps": [
                    _step("tr-one", marks, sleep=3),
                    _step("tr-two", marks, sleep=0),
                ]
            }
        },
    }
    pipelinerun = {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": PIPELINERUN},
        "spec": {
            "pipelineSpec": {
                "tasks": [
                    {"name": "first", "taskSpec": {"steps": [_step("pr-first", marks, sleep=3)]}},
                    {
                        "name": "second",
                        "runAfter": ["first"],
                        "taskSpec": {"steps": [_step("pr-second", marks, sleep=0)]},
                    },
                ]
            }
        },
    }
    return [taskrun, pipelinerun]


async def start(home: Path, runtime: str = "host") -> None:
    """Create the runs and wait (to be killed) once their first steps are running."""
    marks = home / "marks"
    marks.mkdir(parents=True, exist_ok=True)
    async with embedded(Config(), runtime, home) as env:
        create_all(env.store, objects(marks, runtime), "default", notes=io.StringIO())
        while not ((marks / "tr-one").exists() and (marks / "pr-first").exists()):
            await asyncio.sleep(0.02)
        if runtime != "host":
            print("RUNNING 0", flush=True)
            await asyncio.sleep(3600)
        spawner = env.runtime._context.spawner  # type: ignore[attr-defined]
        service = spawner._service
        print(f"RUNNING {service.pid if service else 0}", flush=True)
        await asyncio.sleep(3600)


async def resume(home: Path, runtime: str = "host") -> None:
    """Reopen the data directory and wait until everything has ended."""
    async with embedded(Config(), runtime, home) as env:
        runs = [
            {"kind": "TaskRun", "metadata": {"namespace": "default", "name": TASKRUN}},
            {"kind": "PipelineRun", "metadata": {"namespace": "default", "name": PIPELINERUN}},
        ]
        settled = await wait_settled(env.store, runs, timeout=60)
        print("DONE" if settled else "TIMEOUT", flush=True)


async def serve(home: Path, count: int) -> None:
    """Run the controller until ``count`` TaskRuns (created by another process) exist
    and have all ended."""
    async with embedded(Config(), "host", home) as env:
        print("SERVING", flush=True)
        (controller,) = [t for t in asyncio.all_tasks() if t.get_name() == "controller"]
        while True:
            runs = env.store.list("TaskRun", "default")
            if len(runs) >= count and all(is_done(r) for r in runs):
                break
            if controller.done():  # it must run until cancelled: say why it stopped
                controller.print_stack(file=sys.stderr)
                print(f"controller ended: {controller.exception()!r}", file=sys.stderr)
                print("DEAD", flush=True)
                return
            await asyncio.sleep(0.05)
        print("DONE", flush=True)


def main(argv: list[str]) -> None:
    """``start|resume <home> [runtime]`` or ``serve <home> <count>``."""
    phase, home, *rest = argv
    if phase == "serve":
        asyncio.run(serve(Path(home), int(rest[0])))
        return
    runtime = rest[0] if rest else "host"
    asyncio.run(start(Path(home), runtime) if phase == "start" else resume(Path(home), runtime))


if __name__ == "__main__":
    main(sys.argv[1:])
