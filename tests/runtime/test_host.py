"""HostRuntime end to end: real processes, real files, both path modes."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from host_helpers import (
    RuntimeFactory,
    needs_root,
    phase_is,
    read_logs,
    run,
    run_to_end,
    statuses,
    terminated,
    wait_for,
)
from tekton_pod import NOP_IMAGE, SHELL_IMAGE, DictCluster, Step, tekton_pod

from tektite.runtime import host_pod, mounts
from tektite.runtime.host import HostRuntime, entrypoint_shim
from tektite.runtime.protocol import Pod, PodKey, PodRuntime, PodRuntimeError

TIMESTAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def plain_pod(name: str, containers: list[dict[str, Any]], **spec: Any) -> Pod:
    """A non-Tekton Pod."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 2,
            "containers": containers,
            **spec,
        },
    }


def processes_with(token: str, program: str = "") -> list[int]:
    """Pids of live processes whose command line contains ``token`` (and whose argv[0]
    is ``program``, when given)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                cmdline = handle.read()
            with open(f"/proc/{name}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if program and os.path.basename(cmdline.split(b"\0", 1)[0]) != program.encode():
            continue
        if token.encode() in cmdline and state != b"Z":
            found.append(int(name))
    return found


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached in time")
        time.sleep(0.02)


# ---------------------------------------------------------------------------------
# the full Tekton-shaped Pod


SIDECAR = {
    "name": "sidecar-db",
    "image": "busybox",
    "command": ["sh", "-c", 'sleep 0.3; echo started; touch "$READY_FILE"; exec sleep 1000'],
    "env": [{"name": "READY_FILE", "value": "/shared/ready"}],
    "volumeMounts": [{"name": "shared", "mountPath": "/shared"}],
    "readinessProbe": {
        "exec": {"command": ["sh", "-c", "test -f /shared/ready"]},
        "periodSeconds": 1,
    },
}


def full_pod() -> Pod:
    first = Step(
        "write",
        # Paths reach the script through env and args, which both modes map.
        script=(
            'echo "to stdout"\n'
            'echo "to stderr" >&2\n'
            'printf hello > "$RESULTS/greeting"\n'
            'printf "%s" "$1" > "$SHARED/from-args"\n'
        ),
        command=[],
        args=["$(GREETING) $$(NOT_EXPANDED)"],
        env=[
            {"name": "RESULTS", "value": "/tekton/results"},
            {"name": "SHARED", "value": "/shared"},
            {"name": "GREETING", "value": "hi"},
        ],
        volume_mounts=[{"name": "shared", "mountPath": "/shared"}],
    )
    second = Step(
        "read",
        script=(
            'cat "$SHARED/from-args"; echo\n'
            'echo "cm=$FROM_CM secret=$FROM_SECRET pod=$POD_NAME prefixed=$APP_level"\n'
            'cat "$CFG/greeting.txt"; echo\n'
            'cat "$SEC/token"; echo\n'
            'stat -c %a "$CFG/greeting.txt"\n'
        ),
        env=[
            {"name": "SHARED", "value": "/shared"},
            {"name": "CFG", "value": "/etc/cfg"},
            {"name": "SEC", "value": "/etc/sec"},
            {
                "name": "FROM_CM",
                "valueFrom": {"configMapKeyRef": {"name": "app", "key": "greeting"}},
            },
            {
                "name": "FROM_SECRET",
                "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}},
            },
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        ],
        volume_mounts=[
            {"name": "shared", "mountPath": "/shared"},
            {"name": "cfg", "mountPath": "/etc/cfg", "readOnly": True},
            {"name": "sec", "mountPath": "/etc/sec"},
        ],
        extra={"envFrom": [{"prefix": "APP_", "configMapRef": {"name": "app"}}]},
    )
    return tekton_pod(
        "full-pod",
        [first, second],
        sidecars=[SIDECAR],
        results=["greeting"],
        volumes=[
            {"name": "shared", "emptyDir": {}},
            {
                "name": "cfg",
                "configMap": {
                    "name": "app",
                    "items": [{"key": "greeting", "path": "greeting.txt", "mode": 0o600}],
                },
            },
            {"name": "sec", "secret": {"secretName": "creds", "defaultMode": 0o400}},
        ],
    )


def test_tekton_pod_runs_to_completion(
    open_runtime: RuntimeFactory, cluster: DictCluster, mode: str
) -> None:
    cluster.config_maps[("default", "app")] = {"greeting": b"hello-cm", "level": b"debug"}
    cluster.secrets[("default", "creds")] = {"token": b"s3cret"}
    key = PodKey("default", "full-pod")
    seen_waiting_for_ready: list[bool] = []

    async def scenario() -> tuple[Pod, dict[str, str], Pod | None, str, HostRuntime]:
        async with open_runtime() as runtime:
            assert runtime.mode == mode
            await runtime.create_pod(full_pod())

            async def release_when_ready(pod: Pod) -> None:
                sidecar = statuses(pod).get("sidecar-db", {})
                annotations = pod["metadata"].get("annotations", {})
                ready = pod["status"]["phase"] == "Running" and sidecar.get("ready")
                if ready and "tekton.dev/ready" not in annotations:
                    step = statuses(pod)["step-write"]["state"]
                    seen_waiting_for_ready.append("running" in step)
                    await runtime.set_annotations(key, {"tekton.dev/ready": "READY"})

            def steps_done(pod: Pod) -> bool:
                return all(
                    "terminated" in statuses(pod)[name]["state"]
                    for name in ("step-write", "step-read")
                )

            pod = await wait_for(runtime, key, steps_done, on_change=release_when_ready)
            assert pod["status"]["phase"] == "Running"  # the sidecar still runs
            await runtime.stop_containers(key, ["sidecar-db"])
            pod = await wait_for(runtime, key, phase_is("Succeeded", "Failed"))
            logs = {
                name: await read_logs(runtime, key, name)
                for name in ("prepare", "place-scripts", "step-write", "step-read", "sidecar-db")
            }
            pod_dir = runtime.data_dir / "pods" / "default" / "full-pod"
            assert pod_dir.is_dir()
            await runtime.delete_pod(key)
            assert not pod_dir.exists()
            after = await runtime.get_pod(key)
            kept = await read_logs(runtime, key, "step-write")
            return pod, logs, after, kept, runtime

    pod, logs, after, kept, _ = run(scenario())
    status = pod["status"]
    assert status["phase"] == "Succeeded", json.dumps(status, indent=1)
    assert seen_waiting_for_ready == [True]
    assert status["startTime"]
    for name in ("prepare", "place-scripts"):
        state = terminated(pod, name, init=True)
        assert (state["exitCode"], state["reason"]) == (0, "Completed")
        assert statuses(pod, init=True)[name]["ready"] is True
    write = terminated(pod, "step-write")
    assert (write["exitCode"], write["reason"]) == (0, "Completed")
    message = {entry["key"]: entry for entry in json.loads(write["message"])}
    assert message["greeting"]["value"] == "hello"
    assert message["greeting"]["type"] == 1
    assert "StartedAt" in message
    read = terminated(pod, "step-read")
    assert (read["exitCode"], read["reason"]) == (0, "Completed")
    for state in (write, read):
        for field in ("startedAt", "finishedAt"):
            assert __import__("re").match(TIMESTAMP, state[field])
        assert state["containerID"].startswith("host://")
    sidecar = statuses(pod)["sidecar-db"]
    assert sidecar["state"]["terminated"]["exitCode"] == 0
    assert sidecar["state"]["terminated"]["message"] == (
        "Sidecar container successfully stopped by nop image"
    )
    assert sidecar["lastState"]["terminated"]["exitCode"] == 0
    assert sidecar["restartCount"] == 1
    assert sidecar["image"] == NOP_IMAGE
    assert "Entrypoint initialization" in logs["prepare"]
    assert "Decoded script" in logs["place-scripts"]
    assert logs["step-write"] == "to stdout\nto stderr\n"
    # The Secret's value is masked in the log (tektite.runtime.masking).
    assert logs["step-read"].splitlines() == [
        "hi $(NOT_EXPANDED)",
        "cm=hello-cm secret=*** pod=full-pod prefixed=debug",
        "hello-cm",
        "***",
        "600",
    ]
    assert logs["sidecar-db"] == "started\n"
    assert after is None
    assert kept == "to stdout\nto stderr\n"


def test_failing_step_skips_the_rest(open_runtime: RuntimeFactory) -> None:
    steps = [
        Step("ok", script="echo fine"),
        Step("boom", script="echo failing >&2\nexit 3"),
        Step("never", script="echo never"),
    ]

    async def scenario() -> tuple[Pod, list[str]]:
        async with open_runtime() as runtime:
            return await run_to_end(
                runtime, tekton_pod("failing", steps), "step-boom", "step-never"
            )

    pod, (boom_log, never_log) = run(scenario())
    assert pod["status"]["phase"] == "Failed"
    assert terminated(pod, "step-ok")["exitCode"] == 0
    boom = terminated(pod, "step-boom")
    assert (boom["exitCode"], boom["reason"]) == (3, "Error")
    never = terminated(pod, "step-never")
    assert (never["exitCode"], never["reason"]) == (1, "Error")
    skipped = {entry["key"]: entry["value"] for entry in json.loads(never["message"])}
    assert skipped["Reason"] == "Skipped"
    assert boom_log == "failing\n"
    assert "Skipping step because a previous step failed" in never_log
    assert "never" not in never_log.replace("step-never", "")


@pytest.mark.parametrize("cgroups", [True, False], ids=["cgroup-or-session", "session"])
def test_delete_kills_the_whole_process_tree(open_runtime: RuntimeFactory, cgroups: bool) -> None:
    token = "31337.25"

    async def scenario() -> tuple[list[int], list[int], bool]:
        async with open_runtime(cgroups=cgroups) as runtime:
            # A daemon that leaves the session is only caught by the cgroup tracker.
            escape = f"(setsid sleep {token} &)\n" if runtime.tracks_cgroups else ""
            script = f"sleep {token} &\nsleep {token} &\n{escape}sleep {token}\n"
            key = PodKey("default", "tree")
            await runtime.create_pod(tekton_pod("tree", [Step("long", script=script)]))
            expected = 4 if escape else 3
            await wait_for(
                runtime,
                key,
                lambda pod: "running" in statuses(pod)["step-long"]["state"],
            )
            deadline = time.monotonic() + 15
            while len(processes_with(token)) < expected and time.monotonic() < deadline:
                await __import__("asyncio").sleep(0.05)
            before = processes_with(token)
            await runtime.delete_pod(key)
            return before, processes_with(token), bool(escape)

    before, after, escaped = run(scenario())
    assert len(before) == (4 if escaped else 3)
    assert after == []


def test_cancelled_caller_of_delete_stays_cancelled(open_runtime: RuntimeFactory) -> None:
    """A reconciler stopped while it deletes a Pod must see its cancellation (else it
    never stops); the deletion itself still finishes, and a later call waits for it."""
    import asyncio

    token = "31337.75"
    containers = [
        {
            "name": "stubborn",
            "image": "busybox",
            "command": ["sh", "-c", f"trap '' TERM; sleep {token}"],
        }
    ]

    async def scenario() -> tuple[bool, Pod | None, list[int]]:
        async with open_runtime() as runtime:
            key = PodKey("default", "stubborn")
            await runtime.create_pod(
                plain_pod("stubborn", containers, terminationGracePeriodSeconds=1)
            )
            deadline = time.monotonic() + 15
            # Until ``sleep`` runs, the shell may not have run its ``trap`` yet: a
            # SIGTERM would end it at once, and the deletion before its cancellation.
            while not processes_with(token, "sleep") and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            caller = asyncio.create_task(runtime.delete_pod(key))
            await asyncio.sleep(0.2)  # inside the grace period: SIGTERM is ignored
            caller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await caller
            await runtime.delete_pod(key)
            return caller.cancelled(), await runtime.get_pod(key), processes_with(token)

    cancelled, pod, left = run(scenario())
    assert cancelled
    assert pod is None
    assert left == []


@pytest.mark.parametrize("cgroups", [True, False], ids=["cgroup-or-session", "session"])
def test_leftover_processes_die_with_their_container(
    open_runtime: RuntimeFactory, cgroups: bool
) -> None:
    token = "31337.5"
    key = PodKey("default", "leftover")

    async def scenario() -> Pod:
        async with open_runtime(cgroups=cgroups) as runtime:
            script = f"sleep {token} &\necho started background\n"
            await runtime.create_pod(tekton_pod("leftover", [Step("bg", script=script)]))
            return await wait_for(runtime, key, phase_is("Succeeded", "Failed"))

    pod = run(scenario())
    assert pod["status"]["phase"] == "Succeeded"
    wait_until(lambda: processes_with(token) == [])


def test_init_container_failure_fails_the_pod(open_runtime: RuntimeFactory) -> None:
    pod = plain_pod(
        "init-fails",
        [{"name": "main", "image": "busybox", "command": ["sh", "-c", "echo never"]}],
        initContainers=[
            {"name": "first", "image": "busybox", "command": ["sh", "-c", "echo bad >&2; exit 7"]},
            {"name": "second", "image": "busybox", "command": ["true"]},
        ],
    )
    key = PodKey("default", "init-fails")

    async def scenario() -> Pod:
        async with open_runtime() as runtime:
            await runtime.create_pod(pod)
            return await wait_for(runtime, key, phase_is("Failed", "Succeeded"))

    result = run(scenario())
    assert result["status"]["phase"] == "Failed"
    first = terminated(result, "first", init=True)
    assert (first["exitCode"], first["reason"]) == (7, "Error")
    assert statuses(result, init=True)["second"]["state"] == {
        "waiting": {"reason": "PodInitializing"}
    }
    assert statuses(result)["main"]["state"] == {"waiting": {"reason": "PodInitializing"}}
    initialized = {c["type"]: c for c in result["status"]["conditions"]}["Initialized"]
    assert initialized["status"] == "False"


def test_termination_message_and_fallback_to_logs(open_runtime: RuntimeFactory) -> None:
    containers = [
        {
            "name": "writes",
            "image": "busybox",
            "command": ["sh", "-c", 'printf "all good" > /dev/termination-log'],
        },
        {
            "name": "falls-back",
            "image": "busybox",
            "command": ["sh", "-c", "echo line1; echo last words; exit 2"],
            "terminationMessagePolicy": "FallbackToLogsOnError",
        },
    ]
    key = PodKey("default", "messages")

    async def scenario() -> Pod:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("messages", containers))
            return await wait_for(runtime, key, phase_is("Failed", "Succeeded"))

    pod = run(scenario())
    falls_back = terminated(pod, "falls-back")
    assert falls_back["message"] == "line1\nlast words"
    assert falls_back["exitCode"] == 2
    writes = terminated(pod, "writes")
    assert (writes["exitCode"], writes["message"]) == (0, "all good")


def test_termination_message_path_is_per_container(open_runtime: RuntimeFactory) -> None:
    containers = [
        {
            "name": name,
            "image": "busybox",
            "command": ["sh", "-c", f'printf "{name}" > /dev/termination-log'],
        }
        for name in ("one", "two")
    ]
    key = PodKey("default", "term")

    async def scenario() -> Pod:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("term", containers))
            return await wait_for(runtime, key, phase_is("Failed", "Succeeded"))

    pod = run(scenario())
    assert terminated(pod, "one")["message"] == "one"
    assert terminated(pod, "two")["message"] == "two"
    assert (
        not Path("/dev/termination-log").exists()
        or Path("/dev/termination-log").stat().st_size == 0
    )


def test_container_without_command_needs_a_container_engine(
    open_runtime: RuntimeFactory,
) -> None:
    containers: list[dict[str, Any]] = [
        {"name": "image-default", "image": "alpine:3"},
        {"name": "nop", "image": NOP_IMAGE},
        {"name": "shell", "image": SHELL_IMAGE, "args": ["echo", "from busybox"]},
    ]
    key = PodKey("default", "no-command")

    async def scenario() -> tuple[Pod, str]:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("no-command", containers))

            def settled(pod: Pod) -> bool:
                found = statuses(pod)
                return (
                    "terminated" in found["nop"]["state"]
                    and "terminated" in (found["shell"]["state"])
                    and "waiting" in found["image-default"]["state"]
                )

            pod = await wait_for(runtime, key, settled)
            return pod, await read_logs(runtime, key, "shell")

    pod, shell_log = run(scenario())
    waiting = statuses(pod)["image-default"]["state"]["waiting"]
    assert waiting["reason"] == "CreateContainerConfigError"
    assert "podman or docker" in waiting["message"]
    assert pod["status"]["phase"] == "Pending"
    assert terminated(pod, "nop")["exitCode"] == 0
    assert terminated(pod, "shell")["exitCode"] == 0
    assert shell_log == "from busybox\n"


def test_missing_config_map_is_a_config_error_unless_optional(
    open_runtime: RuntimeFactory,
) -> None:
    containers = [
        {
            "name": "strict",
            "image": "busybox",
            "command": ["true"],
            "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}],
        },
        {
            "name": "relaxed",
            "image": "busybox",
            "command": ["sh", "-c", 'echo "X=${X-unset}"'],
            "env": [
                {
                    "name": "X",
                    "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k", "optional": True}},
                }
            ],
        },
    ]
    key = PodKey("default", "config")

    async def scenario() -> tuple[Pod, str]:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("config", containers))
            pod = await wait_for(
                runtime,
                key,
                lambda pod: (
                    "terminated" in statuses(pod)["relaxed"]["state"]
                    and "waiting" in statuses(pod)["strict"]["state"]
                    and statuses(pod)["strict"]["state"]["waiting"]["reason"]
                    == "CreateContainerConfigError"
                ),
            )
            return pod, await read_logs(runtime, key, "relaxed")

    pod, relaxed = run(scenario())
    assert statuses(pod)["strict"]["state"]["waiting"]["message"] == ('configmaps "nope" not found')
    assert relaxed == "X=unset\n"


def test_a_pod_whose_directories_cannot_be_made_waits_with_the_reason(
    open_runtime: RuntimeFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The launcher service makes the Pod's directories (``pod_dirs``); while it cannot,
    the Pod is ContainerCreating with the reason on its first container, as for a
    missing volume, and it runs once they can be made."""
    monkeypatch.setattr(host_pod, "CONFIG_RETRY_SECONDS", 0.1)
    blocked = tmp_path / "data" / "logs" / "default"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the namespace's log directory should be\n")
    containers = [{"name": "ok", "image": "busybox", "command": ["sh", "-c", "echo ran"]}]
    key = PodKey("default", "no-dirs")

    async def scenario() -> tuple[Pod, Pod, str]:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("no-dirs", containers))
            waiting = await wait_for(
                runtime,
                key,
                lambda pod: bool(statuses(pod)["ok"]["state"].get("waiting", {}).get("message")),
            )
            blocked.unlink()
            done = await wait_for(runtime, key, phase_is("Succeeded"))
            return waiting, done, await read_logs(runtime, key, "ok")

    waiting, done, log = run(scenario())
    state = statuses(waiting)["ok"]["state"]["waiting"]
    assert state["reason"] == "ContainerCreating"
    assert "Not a directory" in state["message"] and str(blocked) in state["message"]
    assert waiting["status"]["phase"] == "Pending"
    assert terminated(done, "ok")["exitCode"] == 0
    assert log == "ran\n"


def test_start_error_for_a_missing_executable(open_runtime: RuntimeFactory) -> None:
    containers = [{"name": "missing", "image": "busybox", "command": ["no-such-binary-xyz"]}]
    key = PodKey("default", "start-error")

    async def scenario() -> Pod:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("start-error", containers))
            return await wait_for(runtime, key, phase_is("Failed", "Succeeded"))

    pod = run(scenario())
    state = terminated(pod, "missing")
    assert (state["exitCode"], state["reason"]) == (128, "StartError")
    assert 'exec: "no-such-binary-xyz": executable file not found in $PATH' in (state["message"])


def test_logs_follow_until_the_container_ends(open_runtime: RuntimeFactory) -> None:
    containers = [
        {
            "name": "talker",
            "image": "busybox",
            "command": ["sh", "-c", "echo one; sleep 0.3; echo two"],
        }
    ]
    key = PodKey("default", "talk")

    async def scenario() -> bytes:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("talk", containers))
            await wait_for(
                runtime, key, lambda pod: "waiting" not in statuses(pod)["talker"]["state"]
            )
            chunks = [chunk async for chunk in runtime.logs(key, "talker", follow=True)]
            return b"".join(chunks)

    assert run(scenario()) == b"one\ntwo\n"


def test_api_errors(open_runtime: RuntimeFactory) -> None:
    containers = [{"name": "c", "image": "busybox", "command": ["sleep", "5"]}]
    key = PodKey("default", "dup")

    async def scenario() -> list[str]:
        reasons = []
        async with open_runtime() as runtime:
            assert await runtime.get_pod(PodKey("default", "ghost")) is None
            await runtime.create_pod(plain_pod("dup", containers))
            for action in (
                runtime.create_pod(plain_pod("dup", containers)),
                runtime.set_annotations(PodKey("default", "ghost"), {"a": "b"}),
            ):
                try:
                    await action
                except PodRuntimeError as error:
                    reasons.append(f"{error.reason}: {error.message}")
            try:
                async for _ in runtime.logs(key, "nope", follow=False):
                    pass
            except PodRuntimeError as error:
                reasons.append(error.reason)
            await runtime.delete_pod(key)
            await runtime.delete_pod(key)  # idempotent
        return reasons

    assert run(scenario()) == [
        'AlreadyExists: pods "dup" already exists',
        'NotFound: pods "ghost" not found',
        "BadRequest",
    ]


def test_run_as_user(open_runtime: RuntimeFactory) -> None:
    needs_root()
    containers = [
        {
            "name": "who",
            "image": "busybox",
            "command": ["sh", "-c", "echo $(id -u):$(id -g)"],
            "securityContext": {"runAsUser": 1234, "runAsGroup": 2345},
        }
    ]

    async def scenario() -> list[str]:
        async with open_runtime() as runtime:
            return (await run_to_end(runtime, plain_pod("who", containers), "who"))[1]

    assert run(scenario()) == ["1234:2345\n"]


def test_tekton_step_as_another_user(open_runtime: RuntimeFactory, mode: str) -> None:
    """The wrapper binary is mode 0311, and this interpreter may live where user 2000
    cannot read (/root): the step must still start."""
    needs_root()
    if mode == mounts.REWRITE:
        # Rewritten paths lead through the data directory (here under pytest's 0700
        # tmp): another user must be able to traverse it, which namespace mode avoids.
        pytest.skip("rewrite mode needs a data directory user 2000 can traverse")
    steps = [
        Step("first", script="id -u"),
        Step("second", script="id -u", extra={"securityContext": {"runAsUser": 2000}}),
    ]

    async def scenario() -> tuple[Pod, list[str]]:
        async with open_runtime() as runtime:
            return await run_to_end(
                runtime, tekton_pod("as-user", steps), "step-first", "step-second"
            )

    pod, logs = run(scenario())
    assert pod["status"]["phase"] == "Succeeded", logs
    assert logs == ["0\n", "2000\n"]


def test_working_dir_is_created(open_runtime: RuntimeFactory) -> None:
    containers = [
        {
            "name": "wd",
            "image": "busybox",
            "command": ["sh", "-c", "touch here"],
            "workingDir": "/data/deep/dir",
            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
        }
    ]
    key = PodKey("default", "wd")

    async def scenario() -> tuple[Pod, bool]:
        async with open_runtime() as runtime:
            await runtime.create_pod(
                plain_pod("wd", containers, volumes=[{"name": "data", "emptyDir": {}}])
            )
            pod = await wait_for(runtime, key, phase_is("Succeeded", "Failed"))
            volume = runtime.data_dir / "pods" / "default" / "wd" / "data"
            return pod, (volume / "deep" / "dir" / "here").exists()

    pod, created = run(scenario())
    assert pod["status"]["phase"] == "Succeeded"
    assert created


def test_relative_working_dir_is_under_workspace(
    open_runtime: RuntimeFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an image WORKDIR, a relative workingDir is taken from the default one
    (/workspace), never from the runtime's own working directory."""
    monkeypatch.chdir(tmp_path)
    containers = [
        {
            "name": "wd",
            "image": "busybox",
            "command": ["sh", "-c", "touch here"],
            "workingDir": "rel/dir",
            "volumeMounts": [{"name": "ws", "mountPath": "/workspace"}],
        }
    ]
    key = PodKey("default", "relwd")

    async def scenario() -> tuple[Pod, bool]:
        async with open_runtime() as runtime:
            await runtime.create_pod(
                plain_pod("relwd", containers, volumes=[{"name": "ws", "emptyDir": {}}])
            )
            pod = await wait_for(runtime, key, phase_is("Succeeded", "Failed"))
            volume = runtime.data_dir / "pods" / "default" / "relwd" / "ws"
            return pod, (volume / "rel" / "dir" / "here").exists()

    pod, created = run(scenario())
    assert pod["status"]["phase"] == "Succeeded"
    assert created
    assert not (tmp_path / "rel").exists()


def test_working_dir_initializer_runs_the_runtime_program(open_runtime: RuntimeFactory) -> None:
    """Tekton's working-dir-initializer: ``/ko-app/workingdirinit`` is the runtime's."""
    init = {
        "name": "working-dir-initializer",
        "image": "ghcr.io/tektoncd/pipeline/workingdirinit:test",
        "command": ["/ko-app/workingdirinit"],
        "args": ["rel/dir", "/workspace/abs", "/elsewhere"],
        "workingDir": "/workspace",
        "volumeMounts": [{"name": "ws", "mountPath": "/workspace"}],
    }
    main = {"name": "main", "image": "busybox", "command": ["true"]}
    key = PodKey("default", "wdinit")

    async def scenario() -> tuple[Pod, list[bool]]:
        async with open_runtime() as runtime:
            await runtime.create_pod(
                plain_pod(
                    "wdinit",
                    [main],
                    initContainers=[init],
                    volumes=[{"name": "ws", "emptyDir": {}}],
                )
            )
            pod = await wait_for(runtime, key, phase_is("Succeeded", "Failed"))
            volume = runtime.data_dir / "pods" / "default" / "wdinit" / "ws"
            return pod, [(volume / "rel" / "dir").is_dir(), (volume / "abs").is_dir()]

    pod, made = run(scenario())
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    assert made == [True, True]
    assert not os.path.exists("/elsewhere")  # only relative or /workspace/ paths


def test_downward_api(open_runtime: RuntimeFactory) -> None:
    containers = [
        {
            "name": "show",
            "image": "busybox",
            "command": [
                "sh",
                "-c",
                'cat "$INFO/labels"; echo; cat "$INFO/team"; echo "|$NS|$UID_SET"',
            ],
            "env": [
                {"name": "INFO", "value": "/info"},
                {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                {
                    "name": "UID_SET",
                    "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}},
                },
            ],
            "volumeMounts": [{"name": "info", "mountPath": "/info"}],
        }
    ]
    pod = plain_pod(
        "downward",
        containers,
        volumes=[
            {
                "name": "info",
                "downwardAPI": {
                    "items": [
                        {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                        {
                            "path": "team",
                            "fieldRef": {"fieldPath": "metadata.annotations['team']"},
                        },
                    ]
                },
            }
        ],
    )
    pod["metadata"]["labels"] = {"app": "web", "tier": 'say "hi"'}
    pod["metadata"]["annotations"] = {"team": "blue"}

    async def scenario() -> list[str]:
        async with open_runtime() as runtime:
            return (await run_to_end(runtime, pod, "show"))[1]

    assert run(scenario()) == ['app="web"\ntier="say \\"hi\\""\nblue|default|web\n']


def test_active_deadline(open_runtime: RuntimeFactory) -> None:
    containers = [{"name": "slow", "image": "busybox", "command": ["sleep", "30"]}]
    key = PodKey("default", "deadline")

    async def scenario() -> Pod:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("deadline", containers, activeDeadlineSeconds=1))
            return await wait_for(runtime, key, phase_is("Failed"), timeout=15)

    pod = run(scenario())
    assert pod["status"]["reason"] == "DeadlineExceeded"
    state = terminated(pod, "slow")
    assert state["reason"] == "Error"
    assert state["exitCode"] in (137, 143)


def test_many_steps_run_in_order(open_runtime: RuntimeFactory) -> None:
    steps = [Step(f"s{index}", script=f"echo {index}") for index in range(12)]

    async def scenario() -> tuple[Pod, list[str]]:
        async with open_runtime() as runtime:
            names = [f"step-s{i}" for i in range(12)]
            return await run_to_end(runtime, tekton_pod("many", steps), *names)

    pod, logs = run(scenario())
    assert pod["status"]["phase"] == "Succeeded"
    assert logs == [f"{index}\n" for index in range(12)]
    started = [
        next(
            entry["value"]
            for entry in json.loads(terminated(pod, f"step-s{index}")["message"])
            if entry["key"] == "StartedAt"
        )
        for index in range(12)
    ]
    assert started == sorted(started)


def test_namespace_mode_literal_paths_and_cleanup(open_runtime: RuntimeFactory, mode: str) -> None:
    if mode != mounts.NAMESPACE:
        pytest.skip("literal /workspace and /tekton paths need namespace mode")
    # (No /ko-app: only the prepare init container mounts it, and the runtime does
    # prepare's work itself.)
    existed = {path: os.path.lexists(path) for path in ("/tekton", "/workspace")}
    steps = [
        Step("one", script="echo data > /workspace/file\nprintf v > /tekton/results/r"),
        Step(
            "two",
            script="cat /workspace/file\nls /tekton/steps\nhostname\n",
        ),
    ]
    key = PodKey("default", "literal")

    async def scenario() -> tuple[Pod, str, dict[str, bool]]:
        async with open_runtime() as runtime:
            await runtime.create_pod(tekton_pod("literal", steps, results=["r"]))
            pod = await wait_for(runtime, key, phase_is("Succeeded", "Failed"))
            log = await read_logs(runtime, key, "step-two")
            during = {path: os.path.lexists(path) for path in existed}
            await runtime.delete_pod(key)
            return pod, log, during

    pod, log, during = run(scenario())
    assert pod["status"]["phase"] == "Succeeded", log
    assert log.splitlines()[:6] == ["data", "0", "1", "step-one", "step-two", "literal"]
    assert during == {path: True for path in existed}
    for path, was in existed.items():
        if was or not os.path.lexists(path):
            continue
        # Still there: only allowed while another Tektite runtime on this host uses it.
        lock = mounts.default_registry() / (quote(path, safe="") + ".lock")
        with open(lock, "rb") as handle, pytest.raises(BlockingIOError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_rewrite_mode_maps_args_env_and_tekton_dir(open_runtime: RuntimeFactory, mode: str) -> None:
    if mode != mounts.REWRITE:
        pytest.skip("path rewriting is the fallback mode")
    containers = [
        {
            "name": "show",
            "image": "busybox",
            "command": ["sh", "-c", 'echo "$1|$DATA|$TEKTITE_TEKTON_DIR"; pwd', "--", "/data/x"],
            "env": [{"name": "DATA", "value": "/data"}],
            "workingDir": "/data",
            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
        }
    ]
    key = PodKey("default", "rewrite")

    async def scenario() -> tuple[str, Path]:
        async with open_runtime() as runtime:
            await runtime.create_pod(
                plain_pod("rewrite", containers, volumes=[{"name": "data", "emptyDir": {}}])
            )
            await wait_for(runtime, key, phase_is("Succeeded", "Failed"))
            return await read_logs(runtime, key, "show"), runtime.data_dir

    log, data_dir = run(scenario())
    view = data_dir / "pods" / "default" / "rewrite" / ".tektite" / "view"
    first, second = log.splitlines()
    assert first == f"{view}/data/x|{view}/data|{view}/tekton"
    assert Path(second).resolve() == (data_dir / "pods/default/rewrite/data").resolve() or (
        second == f"{view}/data"
    )


def test_http_readiness_and_startup_probes(open_runtime: RuntimeFactory) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = (
        "import http.server,sys,time;time.sleep(0.3);"
        f"http.server.HTTPServer(('127.0.0.1',{port}),http.server.SimpleHTTPRequestHandler)"
        ".serve_forever()"
    )
    containers = [
        {
            "name": "web",
            "image": "python",
            "command": [__import__("sys").executable, "-c", server],
            "ports": [{"name": "http", "containerPort": port}],
            "startupProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 1},
            "readinessProbe": {"httpGet": {"path": "/", "port": port}, "periodSeconds": 1},
        }
    ]
    key = PodKey("default", "web")
    observed: list[tuple[bool, bool]] = []

    async def scenario() -> Pod:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("web", containers))

            async def record(pod: Pod) -> None:
                web = statuses(pod)["web"]
                if "running" in web["state"]:
                    observed.append((web["started"], web["ready"]))

            pod = await wait_for(
                runtime, key, lambda pod: statuses(pod)["web"]["ready"], on_change=record
            )
            await runtime.delete_pod(key)
            return pod

    pod = run(scenario())
    assert observed[0] == (False, False)
    assert statuses(pod)["web"]["started"] is True
    conditions = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
    assert conditions["Ready"] == "True"


def test_sidecar_dying_before_ready_is_reported(open_runtime: RuntimeFactory) -> None:
    sidecar = {
        "name": "sidecar-crash",
        "image": "busybox",
        "command": ["sh", "-c", "echo dying; exit 4"],
        "readinessProbe": {"exec": {"command": ["true"]}, "initialDelaySeconds": 5},
    }
    key = PodKey("default", "crash")

    async def scenario() -> Pod:
        async with open_runtime() as runtime:
            await runtime.create_pod(
                tekton_pod("crash", [Step("s", script="true")], sidecars=[sidecar])
            )
            pod = await wait_for(
                runtime, key, lambda pod: "terminated" in statuses(pod)["sidecar-crash"]["state"]
            )
            await runtime.delete_pod(key)
            return pod

    pod = run(scenario())
    state = terminated(pod, "sidecar-crash")
    assert (state["exitCode"], state["reason"]) == (4, "Error")
    assert statuses(pod)["sidecar-crash"]["ready"] is False
    assert "running" in statuses(pod)["step-s"]["state"]  # still waiting for READY


def test_native_sidecar_init_container(open_runtime: RuntimeFactory) -> None:
    pod = plain_pod(
        "native",
        [{"name": "main", "image": "busybox", "command": ["sh", "-c", "sleep 0.2"]}],
        initContainers=[
            {
                "name": "proxy",
                "image": "busybox",
                "restartPolicy": "Always",
                "command": ["sleep", "1000"],
            },
            {"name": "setup", "image": "busybox", "command": ["true"]},
        ],
    )
    key = PodKey("default", "native")
    running_alongside: list[bool] = []

    async def scenario() -> Pod:
        async with open_runtime() as runtime:
            await runtime.create_pod(pod)

            async def record(seen: Pod) -> None:
                main = statuses(seen)["main"]["state"]
                proxy = statuses(seen, init=True)["proxy"]["state"]
                if "running" in main:
                    running_alongside.append("running" in proxy)

            return await wait_for(runtime, key, phase_is("Succeeded", "Failed"), on_change=record)

    result = run(scenario())
    assert result["status"]["phase"] == "Succeeded"
    assert running_alongside and all(running_alongside)
    assert terminated(result, "setup", init=True)["exitCode"] == 0
    assert "terminated" in statuses(result, init=True)["proxy"]["state"]


def test_shim_is_a_single_shebang_line() -> None:
    text = entrypoint_shim("/usr/bin/python3", "/opt/src")
    assert text.count("\n") == 1
    assert text.startswith("#!/usr/bin/python3 -ISc")
    assert "sys.path[:0]=['/opt/src']" in text
    long = entrypoint_shim("/usr/bin/python3", "/x" * 200)
    assert long.startswith("#!/usr/bin/python3 -IS\n")


def test_mode_is_detected_once(tmp_path: Path) -> None:
    runtime = HostRuntime(
        tmp_path,
        DictCluster(),
        entrypoint_image="e",
        shell_image="s",
        nop_image="n",
    )
    expected = mounts.detect_mode()[0]
    assert runtime.mode == expected
    checked: PodRuntime = runtime  # mypy: HostRuntime implements the protocol
    assert checked.name == "host"
    with pytest.raises(ValueError):
        HostRuntime(
            tmp_path, DictCluster(), entrypoint_image="e", shell_image="s", nop_image="n", mode="x"
        )
    run(runtime.close())


def test_prepare_is_done_by_the_runtime_as_the_container_would(
    open_runtime: RuntimeFactory, mode: str
) -> None:
    """In namespace mode the runtime does ``prepare``'s work itself (``host_init``):
    the init container still reports a clean exit, logs Tekton's line, and the steps
    find the entrypoint and their ``/tekton/steps`` links."""
    if mode != mounts.NAMESPACE:
        pytest.skip("prepare runs as a process in rewrite mode")
    steps = [Step("a", script="ls /tekton/steps; test -x /tekton/bin/entrypoint && echo ok")]

    async def scenario() -> tuple[Pod, list[str]]:
        async with open_runtime() as runtime:
            return await run_to_end(runtime, tekton_pod("prep", steps), "prepare", "step-a")

    pod, (prepare_log, step_log) = run(scenario())
    state = terminated(pod, "prepare", init=True)
    assert (state["exitCode"], state["reason"]) == (0, "Completed")
    assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Entrypoint initialization\n", prepare_log)
    assert step_log.splitlines() == ["0", "step-a", "ok"]


def test_a_prepare_done_by_the_runtime_that_fails_fails_the_pod(
    open_runtime: RuntimeFactory, mode: str
) -> None:
    """``prepare`` done on the host (``host_init``) that fails is an init container
    that failed, as its process's failure would be: the Pod fails at once, and the next
    init container never starts. (``place-scripts`` used to run after it.)"""
    if mode != mounts.NAMESPACE:
        pytest.skip("prepare runs as a process in rewrite mode")
    pod = tekton_pod("prep-fails", [Step("a", script="echo ran")])
    prepare = pod["spec"]["initContainers"][0]
    assert prepare["name"] == "prepare"
    prepare["volumeMounts"] = [
        m for m in prepare["volumeMounts"] if m["mountPath"] != "/tekton/steps"
    ]

    async def scenario() -> Pod:
        async with open_runtime() as runtime:
            await runtime.create_pod(pod)
            return await wait_for(runtime, PodKey("default", "prep-fails"), phase_is("Failed"))

    failed = run(scenario())
    state = terminated(failed, "prepare", init=True)
    assert (state["exitCode"], state["reason"]) == (1, "Error")
    waiting = {"waiting": {"reason": "PodInitializing"}}
    assert statuses(failed, init=True)["place-scripts"]["state"] == waiting
    assert statuses(failed)["step-a"]["state"] == waiting
    initialized = next(c for c in failed["status"]["conditions"] if c["type"] == "Initialized")
    assert initialized["message"] == "containers with incomplete status: [prepare place-scripts]"
