"""``tektite serve``: a real daemon process on a data directory; CLI commands in other
processes create runs it reconciles and read their logs from the files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tektite.controller_lock import holder
from tests.cli.runs_support import condition, get, seed, started_name, tektite


class Daemon:
    """A ``tektite serve`` subprocess, its standard error in a file."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.err_path = home.parent / f"serve-{time.monotonic_ns()}.err"
        self._err = open(self.err_path, "w")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, "TEKTITE_HOME": str(home), "TEKTITE_RUNTIME": "host"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tektite", "serve"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._err,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = holder(home)
            if found is not None and found.pid == self.proc.pid and "serving" in self.err:
                return
            assert self.proc.poll() is None, self.err
            time.sleep(0.05)
        raise AssertionError(f"serve did not start: {self.err}")

    @property
    def err(self) -> str:
        return self.err_path.read_text()

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        code = self.proc.wait(timeout=60)
        self._err.close()
        return code


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    seed(h)
    return h


@pytest.fixture
def daemon(home: Path) -> Iterator[Daemon]:
    d = Daemon(home)
    try:
        yield d
    finally:
        d.stop(signal.SIGKILL)


def wait_done(home: Path, kind: str, name: str, timeout: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c = condition(get(home, kind, name))
        if c.get("status") in ("True", "False"):
            return c
        time.sleep(0.05)
    raise AssertionError(f"{kind} {name} did not finish")


def test_start_only_creates_and_the_daemon_runs_it(home: Path, daemon: Daemon) -> None:
    result = tektite(["t", "start", "greet", "-p", "who=daemon"], home)
    assert result.returncode == 0, result.stderr
    name = started_name(result.stdout, "TaskRun")
    assert result.stdout == (
        f"TaskRun started: {name}\n\nIn order to track the TaskRun progress run:\n"
        f"tektite taskrun logs {name} -f -n default\n"
    )
    assert result.stderr == ""  # not run in this process
    follow = tektite(["tr", "logs", name, "-f"], home)
    assert follow.stdout == "[say] hello, daemon\n[say] second line\n\n[done] done\n\n"
    assert wait_done(home, "TaskRun", name)["reason"] == "Succeeded"
    again = tektite(["tr", "logs", name], home)
    assert again.stdout == follow.stdout


def test_showlog_with_a_daemon_follows_live_pipeline_logs(home: Path, daemon: Daemon) -> None:
    result = tektite(["p", "start", "pipe", "--showlog", "-E", "-p", "who=live"], home)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    name = started_name(result.stdout, "PipelineRun")
    assert result.stdout == (
        f"PipelineRun started: {name}\nWaiting for logs to be available...\n"
        "[first : say] hello, live\n[first : say] second line\n\n[first : done] done\n\n"
        "[second : say] hello, again\n[second : say] second line\n\n[second : done] done\n\n"
    )


def test_a_second_daemon_refuses(home: Path, daemon: Daemon) -> None:
    result = tektite(["serve"], home, timeout=30)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: tektite serve (pid {daemon.proc.pid}) already runs the controller on "
        f"{home}: not starting a second one\n"
    )


def test_tektite_run_while_a_daemon_runs_says_why_in_one_line(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    run_file = tmp_path / "tr.yaml"
    run_file.write_text(
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: beside-daemon}\n"
        "spec:\n  taskSpec:\n    steps:\n    - {name: s, image: busybox, script: 'true'}\n"
    )
    result = tektite(["run", "--runtime", "host", str(run_file)], home, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"Error: tektite serve (pid {daemon.proc.pid}) already runs the controller on {home}: "
        "`tektite run` runs its own controller;"
    ), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert get(home, "TaskRun", "beside-daemon") is None  # nothing was created


def test_kill_9_frees_the_lock_and_runs_go_on_without_a_daemon(home: Path, daemon: Daemon) -> None:
    daemon.stop(signal.SIGKILL)
    # The pid is still in the file, but nobody holds the lock.
    assert (home / "controller.lock").read_text() == f"{daemon.proc.pid} serve\n"
    assert holder(home) is None
    restarted = Daemon(home)
    try:
        assert (
            f"INFO tektite.serve: pid {daemon.proc.pid} in {home}/controller.lock is stale: "
            "that controller ended without stopping\n"
        ) in restarted.err
    finally:
        assert restarted.stop() == 0
    result = tektite(["t", "start", "greet", "-p", "who=alone", "--showlog"], home)
    assert result.returncode == 0, result.stderr
    assert "tektite: no tektite serve is running" in result.stderr
    assert "[say] hello, alone\n" in result.stdout


def test_runs_created_while_no_daemon_ran_are_picked_up(home: Path) -> None:
    """A TaskRun stored with no controller anywhere waits; the daemon then runs it."""
    seed(
        home,
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: waiting}\n"
        "spec:\n  taskRef: {name: greet}\n  params: [{name: who, value: later}]\n",
    )
    assert condition(get(home, "TaskRun", "waiting")) == {}
    d = Daemon(home)
    try:
        assert wait_done(home, "TaskRun", "waiting")["reason"] == "Succeeded"
    finally:
        assert d.stop(signal.SIGINT) == 0
    assert tektite(["tr", "logs", "waiting"], home).stdout.startswith("[say] hello, later\n")


def test_cancel_through_the_daemon_and_sigterm_stops_cleanly(home: Path, daemon: Daemon) -> None:
    name = started_name(tektite(["t", "start", "sleepy"], home).stdout, "TaskRun")
    deadline = time.monotonic() + 30
    log = home / "logs/default" / f"{name}-pod" / "step-nap.log"
    while not (log.exists() and "going to sleep" in log.read_text()):
        assert time.monotonic() < deadline, daemon.err
        time.sleep(0.05)
    cancelled = tektite(["tr", "cancel", name], home)
    assert (cancelled.returncode, cancelled.stdout) == (0, f"TaskRun cancelled: {name}\n")
    c = wait_done(home, "TaskRun", name)
    assert (c["status"], c["reason"]) == ("False", "TaskRunCancelled")
    # A second sleeper is running when the daemon is told to stop.
    other = started_name(tektite(["t", "start", "sleepy"], home).stdout, "TaskRun")
    log = home / "logs/default" / f"{other}-pod" / "step-nap.log"
    while not (log.exists() and "going to sleep" in log.read_text()):
        assert time.monotonic() < deadline + 30, daemon.err
        time.sleep(0.05)
    assert daemon.stop(signal.SIGTERM) == 0
    err = daemon.err
    assert f"SIGTERM: stopping; Pods of 1 running TaskRun(s) are killed: default/{other}" in err
    assert err.rstrip().endswith("INFO tektite.serve: stopped")
    assert holder(home) is None
    assert (home / "controller.lock").read_text() == ""
