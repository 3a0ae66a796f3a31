"""The step lifecycle of reference §5.3/§5.4: outcomes, ordering, skips, timeout, cancel."""

from __future__ import annotations

import os
import re
import signal
import time

from entrypoint_pod import STARTED_AT, Pod, wait_until


def test_success_writes_post_file_exit_code_and_started_at(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0, "-entrypoint", "sh", "--", "-c", "echo hello"))

    assert result.returncode == 0
    assert result.stdout == "hello\n"
    assert result.stderr == ""
    assert pod.post_file(0).read_text() == ""
    assert not pod.post_file(0).with_name("out.err").exists()
    assert (pod.status_dir(0) / "exitCode").read_text() == "0"
    assert (pod.status_dir(0) / "results").is_dir()
    assert (pod.status_dir(0) / "artifacts").is_dir()
    message = pod.message(0)
    assert [entry["key"] for entry in message] == ["StartedAt"]
    assert message[0]["type"] == 3
    assert re.match(STARTED_AT, message[0]["value"])


def test_failure_exits_with_the_same_code_and_writes_err(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0, "-entrypoint", "sh", "--", "-c", "exit 3"))

    assert result.returncode == 3
    assert result.stderr == ""
    assert pod.post_file(0).with_name("out.err").exists()
    assert not pod.post_file(0).exists()
    assert not (pod.status_dir(0) / "exitCode").exists()
    assert pod.entries(0) == [("StartedAt", "<time>", 3)]


def test_on_error_continue_exits_zero_and_records_the_code(pod: Pod) -> None:
    flags = pod.step_flags(0, "-on_error", "continue", "-entrypoint", "sh", "--", "-c", "exit 3")
    result = pod.run(flags)

    assert result.returncode == 0
    assert pod.post_file(0).exists()
    assert not pod.post_file(0).with_name("out.err").exists()
    assert (pod.status_dir(0) / "exitCode").read_text() == "3"
    assert pod.entries(0) == [("StartedAt", "<time>", 3), ("ExitCode", "3", 3)]


def test_stop_and_fail_is_an_ordinary_failure(pod: Pod) -> None:
    flags = pod.step_flags(0, "-on_error", "stopAndFail", "-entrypoint", "sh", "--", "-c", "exit 4")
    result = pod.run(flags)

    assert result.returncode == 4
    assert pod.post_file(0).with_name("out.err").exists()


def test_steps_run_in_order_through_wait_files(pod: Pod) -> None:
    log = pod.base / "order.log"
    second = pod.start(pod.step_flags(1, "-entrypoint", "sh", "--", "-c", f"echo 1 >> {log}"))
    time.sleep(0.3)
    assert second.poll() is None  # still waiting for step 0's post file
    assert not log.exists()

    first = pod.run(pod.step_flags(0, "-entrypoint", "sh", "--", "-c", f"echo 0 >> {log}"))

    assert first.returncode == 0
    assert second.wait(timeout=10) == 0
    assert log.read_text() == "0\n1\n"
    assert pod.post_file(1).exists()


def test_waiting_step_starts_promptly_after_the_previous_one(pod: Pod) -> None:
    # Tekton polls once a second; Tektite polls within 50 ms.
    marker = pod.base / "started"
    waiting = pod.start(pod.step_flags(1, "-entrypoint", "touch", "--", str(marker)))
    time.sleep(0.5)  # let the poll interval back off to its maximum
    pod.post_file(0).parent.mkdir(parents=True)
    posted = time.monotonic()
    pod.post_file(0).write_text("")
    wait_until(marker.exists)
    assert time.monotonic() - posted < 0.5
    assert waiting.wait(timeout=10) == 0


def test_a_previous_failure_skips_the_step(pod: Pod) -> None:
    pod.run_dir(0).mkdir(parents=True)
    pod.post_file(0).with_name("out.err").write_text("")
    marker = pod.base / "ran"

    result = pod.run(pod.step_flags(1, "-entrypoint", "touch", "--", str(marker)))

    assert result.returncode == 1
    assert not marker.exists()
    assert pod.post_file(1).with_name("out.err").exists()
    assert not pod.post_file(1).exists()
    assert result.stderr.endswith(" Skipping step because a previous step failed\n")
    assert pod.entries(1) == [("StartedAt", "<time>", 3), ("Reason", "Skipped", 3)]


def test_failure_propagates_down_the_chain(pod: Pod) -> None:
    first = pod.run(pod.step_flags(0, "-entrypoint", "false"))
    second = pod.run(pod.step_flags(1, "-entrypoint", "true"))
    third = pod.run(pod.step_flags(2, "-entrypoint", "true"))

    assert (first.returncode, second.returncode, third.returncode) == (1, 1, 1)
    for index in range(3):
        assert pod.post_file(index).with_name("out.err").exists()
    assert pod.entries(2) == [("StartedAt", "<time>", 3), ("Reason", "Skipped", 3)]


def test_all_wait_files_of_a_comma_list_are_awaited(pod: Pod) -> None:
    first, second = pod.base / "a", pod.base / "b"
    flags = ["-wait_file", f"{first},{second}", *pod.step_flags(0, "-entrypoint", "true")]
    step = pod.start(flags)
    first.write_text("")
    time.sleep(0.2)
    assert step.poll() is None
    second.write_text("")
    assert step.wait(timeout=10) == 0


def test_wait_file_content_needs_a_non_empty_file(pod: Pod) -> None:
    ready = pod.root / "downward" / "ready"
    ready.parent.mkdir()
    ready.write_text("")
    step = pod.start(
        ["-wait_file", str(ready), "-wait_file_content", *pod.step_flags(0, "-entrypoint", "true")]
    )
    time.sleep(0.2)
    assert step.poll() is None
    ready.write_text("READY")
    assert step.wait(timeout=10) == 0


def test_timeout_kills_the_step(pod: Pod) -> None:
    started = time.monotonic()
    result = pod.run(pod.step_flags(0, "-timeout", "200ms", "-entrypoint", "sleep", "--", "10"))

    assert time.monotonic() - started < 5
    assert result.returncode == 1
    assert result.stderr.endswith(" context deadline exceeded\n")
    assert pod.post_file(0).with_name("out.err").exists()
    assert not (pod.status_dir(0) / "exitCode").exists()
    assert pod.entries(0) == [("StartedAt", "<time>", 3), ("Reason", "TimeoutExceeded", 3)]


def _is_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1].startswith("Z")  # a zombie is dead
    except FileNotFoundError:
        return True


def test_timeout_kills_the_whole_process_group(pod: Pod) -> None:
    pid_file = pod.base / "grandchild.pid"
    script = f"sleep 30 & echo $! > {pid_file}; wait"
    result = pod.run(pod.step_flags(0, "-timeout=300ms", "-entrypoint", "sh", "--", "-c", script))

    assert result.returncode == 1
    grandchild = int(pid_file.read_text())
    wait_until(lambda: _is_gone(grandchild), timeout=5)


def test_negative_timeout_fails_without_running(pod: Pod) -> None:
    marker = pod.base / "ran"
    result = pod.run(pod.step_flags(0, "-timeout=-1s", "-entrypoint", "touch", "--", str(marker)))

    assert result.returncode == 1
    assert not marker.exists()
    assert result.stderr.endswith(" Error executing command: negative timeout specified\n")
    assert pod.post_file(0).with_name("out.err").exists()
    assert pod.entries(0) == [("StartedAt", "<time>", 3)]


def test_zero_timeout_means_no_timeout(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0, "-timeout", "0", "-entrypoint", "sleep", "--", "0.2"))
    assert result.returncode == 0


def test_cancel_file_cancels_a_running_step(pod: Pod) -> None:
    ready = pod.base / "ready"
    step = pod.start(pod.step_flags(0, "-entrypoint", "sh", "--", "-c", f"touch {ready}; sleep 30"))
    wait_until(ready.exists)
    cancel = pod.root / "downward" / "cancel"
    cancel.parent.mkdir()
    cancel.write_text("CANCEL")

    assert step.wait(timeout=10) == 9
    assert step.stderr is not None
    assert step.stderr.read().endswith(" Step was cancelled\n")
    assert (pod.status_dir(0) / "exitCode").read_text() == "killed"
    assert pod.post_file(0).with_name("out.err").exists()
    assert pod.entries(0) == [("StartedAt", "<time>", 3), ("Reason", "Cancelled", 3)]


def test_an_empty_cancel_file_does_not_cancel(pod: Pod) -> None:
    cancel = pod.root / "downward" / "cancel"
    cancel.parent.mkdir()
    cancel.write_text("")
    result = pod.run(pod.step_flags(0, "-entrypoint", "sleep", "--", "0.2"))
    assert result.returncode == 0


def test_command_not_found(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0, "-entrypoint", "no-such-command-xyz"))

    assert result.returncode == 1
    assert result.stderr.endswith(
        ' Error executing command: exec: "no-such-command-xyz": '
        "executable file not found in $PATH\n"
    )
    assert pod.post_file(0).with_name("out.err").exists()


def test_command_path_that_does_not_exist(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0, "-entrypoint", "/no/such/file"))

    assert result.returncode == 1
    assert result.stderr.endswith(
        " Error executing command: fork/exec /no/such/file: no such file or directory\n"
    )


def test_a_child_killed_by_a_signal_exits_255_like_go(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0, "-entrypoint", "sh", "--", "-c", "kill -KILL $$"))
    assert result.returncode == 255
    assert pod.post_file(0).with_name("out.err").exists()

    continued = pod.run(
        pod.step_flags(
            1, "-on_error", "continue", "-entrypoint", "sh", "--", "-c", "kill -9 $$", wait=False
        )
    )
    assert continued.returncode == 0
    assert (pod.status_dir(1) / "exitCode").read_text() == "-1"


def test_signals_are_forwarded_to_the_child(pod: Pod) -> None:
    ready = pod.base / "ready"
    got = pod.base / "got"
    script = f"trap 'echo TERM > {got}; exit 7' TERM; touch {ready}; while :; do sleep 0.05; done"
    step = pod.start(pod.step_flags(0, "-entrypoint", "sh", "--", "-c", script))
    wait_until(ready.exists)

    step.send_signal(signal.SIGTERM)

    assert step.wait(timeout=10) == 7
    assert got.read_text() == "TERM\n"
    assert pod.post_file(0).with_name("out.err").exists()


def test_no_command_at_all_succeeds(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0))
    assert result.returncode == 0
    assert pod.post_file(0).exists()


def test_breakpoint_on_failure_waits_for_the_user_and_uses_their_exit_code(pod: Pod) -> None:
    step = pod.start(pod.step_flags(0, "-breakpoint_on_failure", "-entrypoint", "false"))
    time.sleep(0.3)
    assert step.poll() is None  # waiting for the debugger
    assert not pod.post_file(0).exists()
    assert not pod.post_file(0).with_name("out.err").exists()

    pod.post_file(0).with_name("out.breakpointexit").write_text("4\n")

    assert step.wait(timeout=10) == 4
    assert step.stderr is not None
    assert "Breakpoint exiting with exit code 4" in step.stderr.read()


def test_breakpoint_on_failure_ignores_a_previous_failure(pod: Pod) -> None:
    pod.run_dir(0).mkdir(parents=True)
    pod.post_file(0).with_name("out.err").write_text("")
    result = pod.run(pod.step_flags(1, "-breakpoint_on_failure", "-entrypoint", "true"))
    assert result.returncode == 0
    assert pod.post_file(1).exists()


def test_debug_before_step_waits_then_runs(pod: Pod) -> None:
    marker = pod.base / "ran"
    step = pod.start(
        pod.step_flags(0, "-debug_before_step", "-entrypoint", "touch", "--", str(marker))
    )
    time.sleep(0.3)
    assert not marker.exists()
    pod.run_dir(0).mkdir(parents=True, exist_ok=True)
    pod.post_file(0).with_name("out.beforestepexit").write_text("")
    assert step.wait(timeout=10) == 0
    assert marker.exists()


def test_debug_before_step_fail_continue_skips_the_step(pod: Pod) -> None:
    pod.run_dir(0).mkdir(parents=True)
    pod.post_file(0).with_name("out.beforestepexit.err").write_text("")
    marker = pod.base / "ran"

    result = pod.run(
        pod.step_flags(0, "-debug_before_step", "-entrypoint", "touch", "--", str(marker))
    )

    assert result.returncode == 1
    assert not marker.exists()
    assert pod.post_file(0).with_name("out.err").exists()
    assert result.stderr.endswith(
        " Skipping execute step script because before step breakpoint fail-continue\n"
    )


def test_credentials_in_tekton_creds_are_copied_to_home(pod: Pod) -> None:
    creds = pod.root / "creds"
    (creds / ".ssh").mkdir(parents=True)
    (creds / ".ssh" / "id_rsa").write_text("KEY")
    (creds / ".gitconfig").write_text("[user]\n")
    (creds / "ignored").write_text("x")
    home = pod.base / "home"
    home.mkdir()

    result = pod.run(pod.step_flags(0, "-entrypoint", "true"))

    assert result.returncode == 0
    assert (home / ".ssh" / "id_rsa").read_text() == "KEY"
    assert (home / ".gitconfig").read_text() == "[user]\n"
    assert not (home / "ignored").exists()
    assert os.stat(home / ".gitconfig").st_mode & 0o777 == 0o600
