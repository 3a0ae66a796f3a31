"""``results-from: sidecar-logs``: Tekton's ``sidecarlogresults`` program, the host
runtime running it, and the TaskRun reconciler reading its log; and ``keep-pod-on-cancel``
cancelling a TaskRun through the entrypoint instead of deleting its Pod."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest
from host_helpers import RuntimeFactory, read_logs, run, statuses, terminated, wait_for
from tekton_pod import Step, tekton_pod

from tektite.api.config import Config, FeatureFlags
from tektite.api.defaults import set_defaults
from tektite.api.models import TaskRun
from tektite.embedded import Embedded, embedded
from tektite.entrypoint import sidecarlogresults as slr
from tektite.local_runs import condition, create_all, wait_done
from tektite.runtime.protocol import Pod, PodKey

PROGRAM = Path(slr.__file__)
RESULTS_IMAGE = "ghcr.io/tektoncd/pipeline/sidecarlogresults:test"


def run_program(
    root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 10
) -> subprocess.CompletedProcess[bytes]:
    """The program as a container runs it, with ``root`` as its ``/tekton``."""
    return subprocess.run(
        [sys.executable, "-I", "-S", str(PROGRAM), *args],
        capture_output=True,
        timeout=timeout,
        check=False,
        env={"TEKTITE_TEKTON_DIR": str(root), **(env or {})},
    )


def tekton_root(tmp_path: Path, steps: int) -> Path:
    root = tmp_path / "tekton"
    for index in range(steps):
        (root / "run" / str(index)).mkdir(parents=True)
    (root / "results").mkdir()
    (root / "steps").mkdir()
    return root


# ------------------------------------------------------------------ the program


def test_results_are_printed_as_go_encodes_them() -> None:
    assert slr.encode_result("r", b'a<b>&"\\\n\t\x01\x7f\xe2\x80\xa8 \xff\xe2\x82', "task") == (
        b'{"name":"r","value":"a\\u003cb\\u003e\\u0026\\"\\\\\\n\\t\\u0001\x7f\\u2028 '
        b'\\ufffd\\ufffd\\ufffd","type":"task"}\n'
    )
    assert slr.encode_result("s.r", "\ufffdé", "step") == (
        '{"name":"s.r","value":"\ufffdé","type":"step"}\n'.encode()
    )


def test_flags_follow_go() -> None:
    assert slr.parse_flags(["--results-dir=/r", "-result-names", "a,b", "rest", "-x"]) == {
        "kubernetes-sidecar-mode": "false",
        "result-names": "a,b",
        "results-dir": "/r",
        "step-names": "",
        "step-results": "",
    }
    # Tekton appends "-kubernetes-sidecar-mode true": a bool flag takes no separate
    # value, so "true" is the first argument and parsing stops there.
    parsed = slr.parse_flags(["-step-results", "{}", "-kubernetes-sidecar-mode", "true"])
    assert parsed["kubernetes-sidecar-mode"] == "true"
    for bad, message in (
        (["-nope"], "flag provided but not defined: -nope"),
        (["-result-names"], "flag needs an argument: -result-names"),
        (
            ["-kubernetes-sidecar-mode=yes"],
            'invalid boolean value "yes" for -kubernetes-sidecar-mode: parse error',
        ),
        (["---x"], "bad flag syntax: ---x"),
    ):
        with pytest.raises(slr.FlagError, match=message):
            slr.parse_flags(bad)
    assert "  -results-dir string\n    \tPath to the results directory. Default is " in (
        slr.usage("p")
    )


def test_durations_follow_go() -> None:
    assert slr.parse_duration("100ms") == pytest.approx(0.1)
    assert slr.parse_duration("1m1.5s") == pytest.approx(61.5)
    assert slr.parse_duration("0") == 0
    assert slr.parse_duration("-2us") == pytest.approx(-2e-6)
    for bad, message in (
        ("", 'time: invalid duration ""'),
        ("10", 'time: missing unit in duration "10"'),
        ("1x", 'time: unknown unit "x" in duration "1x"'),
        (".s", 'time: invalid duration ".s"'),
    ):
        with pytest.raises(ValueError, match=message):
            slr.parse_duration(bad)


def test_step_results_flag_is_decoded_as_go_decodes_it() -> None:
    assert slr.parse_step_results('{"step-a":["x","y"],"step-b":null}') == {
        "step-a": ["x", "y"],
        "step-b": [],
    }
    assert slr.parse_step_results("null") == {}
    for bad, message in (
        ("", "unexpected end of JSON input"),
        ("[]", r"json: cannot unmarshal array into Go value of type map\[string\]\[\]string"),
        ('{"a":"b"}', r"json: cannot unmarshal string into Go value of type \[\]string"),
        ("{x}", "invalid character 'x' looking for beginning of object key string"),
    ):
        with pytest.raises(slr.Fatal, match=message):
            slr.parse_step_results(bad)


def test_artifacts_are_decoded_and_marshalled_as_go_does() -> None:
    text = (
        b'{"Outputs":[{"name":"img","values":[{"uri":"u<1>","digest":{"sha256":"d","md5":"m"}}],'
        b'"buildOutput":true},{"name":"","values":[]}],"inputs":null,"other":1}'
    )
    assert json.loads(slr.artifacts_json(text)) == {
        "outputs": [
            {
                "name": "img",
                "values": [{"digest": {"md5": "m", "sha256": "d"}, "uri": "u<1>"}],
                "buildOutput": True,
            },
            {},
        ]
    }
    assert "\\u003c1\\u003e" in slr.artifacts_json(text)
    assert slr.artifacts_json(b"{}") == "{}"
    with pytest.raises(slr.Fatal, match="invalid artifacts : "):
        slr.artifacts_json(b'{"outputs":"x"}')


def test_program_waits_for_every_step_then_prints(tmp_path: Path) -> None:
    root = tekton_root(tmp_path, 2)
    (root / "results" / "first").write_text("one")
    (root / "results" / "empty").write_text("")
    (root / "steps" / "step-a" / "results").mkdir(parents=True)
    (root / "steps" / "step-a" / "results" / "sr").write_text('["x"]')
    (root / "steps" / "step-a" / "artifacts").mkdir()
    (root / "steps" / "step-a" / "artifacts" / "provenance.json").write_text(
        '{"outputs":[{"name":"o"}]}'
    )
    args = [
        "-results-dir",
        str(root / "results"),
        "-result-names",
        "first,missing,empty",
        "-step-names",
        "step-a,step-b",
        "-step-results",
        '{"step-a":["sr","none"]}',
    ]
    process = subprocess.Popen(
        [sys.executable, "-I", "-S", str(PROGRAM), *args],
        stdout=subprocess.PIPE,
        env={"TEKTITE_TEKTON_DIR": str(root), "SIDECAR_LOG_POLLING_INTERVAL": "10ms"},
    )
    try:
        time.sleep(0.3)
        (root / "run" / "0" / "out").touch()
        time.sleep(0.2)
        assert process.poll() is None, "it must wait for the last step"
        (root / "run" / "1" / "out").touch()
        output, _ = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert output.decode().splitlines() == [
        '{"name":"first","value":"one","type":"task"}',
        '{"name":"empty","value":"","type":"task"}',
        '{"name":"step-a.sr","value":"[\\"x\\"]","type":"step"}',
        '{"name":"step-a","value":"{\\"outputs\\":[{\\"name\\":\\"o\\"}]}","type":"stepArtifact"}',
    ]


def test_a_failed_step_ends_the_wait(tmp_path: Path) -> None:
    root = tekton_root(tmp_path, 3)
    (root / "run" / "0" / "out.err").touch()  # steps 1 and 2 will never run
    (root / "results" / "r").write_text("partial")
    done = run_program(
        root, "-results-dir", str(root / "results"), "-result-names", "r", "-step-results", "{}"
    )
    assert (done.returncode, done.stdout) == (0, b'{"name":"r","value":"partial","type":"task"}\n')


def test_program_failures_are_go_shaped(tmp_path: Path) -> None:
    root = tekton_root(tmp_path, 1)
    (root / "run" / "0" / "out").touch()
    missing_flag = run_program(root)
    assert missing_flag.returncode == 1
    assert missing_flag.stderr.decode().endswith(" unexpected end of JSON input\n")
    bad_interval = run_program(
        root, "-step-results", "{}", env={"SIDECAR_LOG_POLLING_INTERVAL": "soon"}
    )
    assert bad_interval.returncode == 1
    assert bad_interval.stderr.decode().endswith(
        ' error getting polling interval: time: invalid duration "soon"\n'
    )
    no_run_dir = run_program(tmp_path / "nowhere", "-step-results", "{}")
    assert no_run_dir.returncode == 1
    assert no_run_dir.stderr.decode().endswith(
        " error while waiting for the steps to finish  error parsing the run dir  "
        f"open {tmp_path}/nowhere/run: no such file or directory\n"
    )
    unknown = run_program(root, "-bogus")
    assert unknown.returncode == 2
    assert unknown.stderr.decode().startswith("flag provided but not defined: -bogus\nUsage of ")
    (root / "results" / "dir").mkdir()
    unreadable = run_program(
        root, "-results-dir", str(root / "results"), "-result-names", "dir", "-step-results", "{}"
    )
    # Go's program blocks on its results channel: the runtime reports a deadlock.
    assert unreadable.returncode == 2
    assert unreadable.stderr == b"fatal error: all goroutines are asleep - deadlock!\n"


def test_native_sidecar_mode_waits_for_sigterm_even_if_it_came_early(tmp_path: Path) -> None:
    root = tekton_root(tmp_path, 1)
    (root / "results" / "r").write_text("v")
    process = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-S",
            str(PROGRAM),
            "-results-dir",
            str(root / "results"),
            "-result-names",
            "r",
            "-step-results",
            "{}",
            "-kubernetes-sidecar-mode",
            "true",
        ],
        stdout=subprocess.PIPE,
        env={"TEKTITE_TEKTON_DIR": str(root)},
    )
    try:
        time.sleep(0.3)
        process.terminate()  # Kubernetes stops native sidecars once the steps end
        time.sleep(0.2)
        assert process.poll() is None, "SIGTERM before the results were printed is kept"
        (root / "run" / "0" / "out").touch()
        output, _ = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert output == b'{"name":"r","value":"v","type":"task"}\n'


# ------------------------------------------------------------------ the host runtime


def results_sidecar(name: str, image: str, *, command: bool) -> dict[str, Any]:
    """Tekton's ``tekton-log-results`` sidecar (``createResultsSidecar``)."""
    flags = [
        "-results-dir",
        "/tekton/results",
        "-result-names",
        "greeting,missing",
        "-step-names",
        "",
        "-step-results",
        '{"step-write":["sr"]}',
    ]
    mounts = [
        {
            "name": f"tekton-internal-run-{index}",
            "mountPath": f"/tekton/run/{index}",
            "readOnly": True,
        }
        for index in range(2)
    ]
    mounts += [
        {"name": "tekton-internal-results", "mountPath": "/tekton/results"},
        {"name": "tekton-internal-steps", "mountPath": "/tekton/steps", "readOnly": True},
    ]
    sidecar: dict[str, Any] = {
        "name": name,
        "image": image,
        "env": [{"name": "SIDECAR_LOG_POLLING_INTERVAL", "value": "10ms"}],
        "volumeMounts": mounts,
    }
    if command:
        sidecar["command"] = ["/ko-app/sidecarlogresults", *flags]
    else:
        sidecar["args"] = flags  # the image's ENTRYPOINT is /ko-app/sidecarlogresults
    return sidecar


def test_host_runtime_runs_the_results_sidecar(open_runtime: RuntimeFactory) -> None:
    """By its command (any image) or by its image (no command), in both path modes."""
    results_env = [
        {"name": "GREETING", "value": "/tekton/results/greeting"},
        {"name": "STEP_RESULT", "value": "/tekton/steps/step-write/results/sr"},
    ]
    pod = tekton_pod(
        "results-pod",
        [
            Step(
                "write",
                script='printf hello > "$GREETING"\nprintf \'["a"]\' > "$STEP_RESULT"',
                env=results_env,
            ),
            Step("after", script="echo done"),
        ],
        sidecars=[
            results_sidecar("sidecar-tekton-log-results", "any/image", command=True),
            results_sidecar("sidecar-by-image", RESULTS_IMAGE, command=False),
        ],
        results=["greeting", "missing"],
    )
    key = PodKey("default", "results-pod")

    async def scenario() -> tuple[Pod, dict[str, str]]:
        async with open_runtime(sidecar_log_results_image=RESULTS_IMAGE) as runtime:
            await runtime.create_pod(pod)

            async def release(current: Pod) -> None:
                annotations = current["metadata"].get("annotations") or {}
                sidecars = [
                    statuses(current).get(n, {})
                    for n in ("sidecar-tekton-log-results", "sidecar-by-image")
                ]
                ready = current["status"]["phase"] == "Running" and all(
                    s.get("ready") for s in sidecars
                )
                if ready and "tekton.dev/ready" not in annotations:
                    await runtime.set_annotations(key, {"tekton.dev/ready": "READY"})

            final = await wait_for(
                runtime,
                key,
                lambda p: p["status"]["phase"] in ("Succeeded", "Failed"),
                on_change=release,
            )
            names = ("sidecar-tekton-log-results", "sidecar-by-image", "step-write")
            return final, {n: await read_logs(runtime, key, n) for n in names}

    final, logs = run(scenario())
    assert final["status"]["phase"] == "Succeeded", logs
    expected = (
        '{"name":"greeting","value":"hello","type":"task"}\n'
        '{"name":"step-write.sr","value":"[\\"a\\"]","type":"step"}\n'
    )
    assert logs["sidecar-tekton-log-results"] == expected
    assert logs["sidecar-by-image"] == expected
    for name in ("sidecar-tekton-log-results", "sidecar-by-image"):
        assert terminated(final, name)["exitCode"] == 0


# ------------------------------------------------------------------ the reconciler


def taskrun(name: str, spec: dict[str, Any], config: Config) -> dict[str, Any]:
    tr = msgspec.convert(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "metadata": {"name": name},
            "spec": spec,
        },
        TaskRun,
    )
    set_defaults(tr, config)
    return tr.to_dict()


async def run_taskrun(
    root: Path, config: Config, obj: dict[str, Any], during: Any = None
) -> tuple[dict[str, Any], Any]:
    """Run ``obj`` on the embedded control plane; return it as finally stored, and
    what ``during(env, created)`` returned."""
    async with embedded(config, "host", root) as env:
        (created,) = create_all(env.store, [obj], "default", notes=io.StringIO())
        extra = await during(env, created) if during is not None else None
        assert await wait_done(env.store, [created], asyncio.Event(), timeout=60)
        final = env.store.get("TaskRun", "default", created["metadata"]["name"])
        assert final is not None
        return final, extra


BIG = "head -c 3000 /dev/zero | tr '\\0' x > $(results.{}.path)"


def test_results_larger_than_a_termination_message(tmp_path: Path) -> None:
    """5 × 3000 bytes: far above the 4096-byte termination message, each result within
    max-result-size, so they come through the results sidecar."""
    config = Config.beta_ci()
    names = [f"r{index}" for index in range(5)]
    obj = taskrun(
        "large",
        {
            "taskSpec": {
                "results": [{"name": n} for n in names],
                "steps": [
                    {
                        "name": "one",
                        "image": "busybox",
                        "script": "\n".join(BIG.format(n) for n in names[:2]),
                    },
                    {
                        "name": "two",
                        "image": "busybox",
                        "script": "\n".join(BIG.format(n) for n in names[2:]),
                    },
                ],
            }
        },
        config,
    )
    final, _ = asyncio.run(run_taskrun(tmp_path, config, obj))
    c = condition(final)
    assert (c["status"], c["reason"]) == ("True", "Succeeded"), c
    results = {r["name"]: r["value"] for r in final["status"]["results"]}
    assert results == {n: "x" * 3000 for n in names}
    (sidecar,) = final["status"]["sidecars"]
    assert sidecar["name"] == "tekton-log-results"
    assert sidecar["terminated"]["exitCode"] == 0


def test_result_above_max_result_size(tmp_path: Path) -> None:
    config = Config(
        features=FeatureFlags.from_map({"results-from": "sidecar-logs", "max-result-size": "1024"})
    )
    obj = taskrun(
        "too-large",
        {
            "taskSpec": {
                "results": [{"name": "big"}],
                "steps": [{"name": "write", "image": "busybox", "script": BIG.format("big")}],
            }
        },
        config,
    )
    final, _ = asyncio.run(run_taskrun(tmp_path, config, obj))
    c = condition(final)
    assert (c["status"], c["reason"]) == ("False", "TaskRunResultLargerThanAllowedLimit")
    # 3039 bytes: the sidecar's line {"name":"big","value":"<3000 bytes>","type":"task"}.
    assert c["message"] == (
        '[User error]  TaskRun ""too-large"" failed: 3039 bytes results size exceeds '
        "configured limit of 1024 bytes"
    )


def test_keep_pod_on_cancel_cancels_through_the_entrypoint(tmp_path: Path) -> None:
    """The Pod is annotated, not deleted: the entrypoint kills the running step (exit 9,
    Cancelled), later steps are skipped, the results sidecar still ends; the TaskRun is
    TaskRunCancelled at once."""
    config = Config.beta_ci()
    obj = taskrun(
        "cancel-me",
        {
            "taskSpec": {
                "results": [{"name": "r"}],
                "steps": [
                    {
                        "name": "sleep",
                        "image": "busybox",
                        "script": "echo -n v > $(results.r.path)\nsleep 30",
                    },
                    {"name": "after", "image": "busybox", "script": "echo never"},
                ],
            }
        },
        config,
    )

    async def cancel_then_watch_pod(env: Embedded, created: dict[str, Any]) -> tuple[Pod, float]:
        name = created["metadata"]["name"]
        for _ in range(1000):
            current = env.store.get("TaskRun", "default", name)
            assert current is not None
            steps = (current.get("status") or {}).get("steps") or []
            if steps and "running" in steps[0]:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the step never started")
        await asyncio.sleep(0.3)  # let the script write its result and start sleeping
        current["spec"]["status"] = "TaskRunCancelled"
        env.store.update(current)
        started = time.monotonic()
        key = PodKey("default", f"{name}-pod")
        pod = await wait_for(
            env.runtime,  # type: ignore[arg-type]
            key,
            lambda p: all("terminated" in s["state"] for s in p["status"]["containerStatuses"]),
            timeout=20,
        )
        return pod, time.monotonic() - started

    final, (pod, took) = asyncio.run(run_taskrun(tmp_path, config, obj, cancel_then_watch_pod))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "TaskRunCancelled",
        'TaskRun "cancel-me" was cancelled. ',
    )
    assert took < 10, "the step was cancelled, not waited for"
    assert pod["metadata"]["annotations"]["tekton.dev/cancel"] == "CANCEL"
    sleep = terminated(pod, "step-sleep")
    assert sleep["exitCode"] == 9
    assert {"key": "Reason", "value": "Cancelled", "type": 3} in json.loads(sleep["message"])
    after = terminated(pod, "step-after")
    assert after["exitCode"] == 1
    assert {"key": "Reason", "value": "Skipped", "type": 3} in json.loads(after["message"])
    assert terminated(pod, "sidecar-tekton-log-results")["exitCode"] == 0
    steps = final["status"]["steps"]
    assert [s["terminated"]["reason"] for s in steps] == ["TaskRunCancelled"] * 2


def test_cancel_annotation_reaches_the_running_step(open_runtime: RuntimeFactory) -> None:
    """``keep-pod-on-cancel`` on the runtime: the ``tekton.dev/cancel`` annotation is
    projected into ``/tekton/downward/cancel`` and the step's entrypoint kills it."""
    pod = tekton_pod("cancel-pod", [Step("sleep", script="echo started\nsleep 30")])
    for volume in pod["spec"]["volumes"]:
        if volume["name"] == "tekton-internal-downward":
            volume["downwardAPI"]["items"].append(
                {
                    "path": "cancel",
                    "fieldRef": {"fieldPath": "metadata.annotations['tekton.dev/cancel']"},
                }
            )
    key = PodKey("default", "cancel-pod")

    async def scenario() -> tuple[Pod, float]:
        async with open_runtime() as runtime:
            await runtime.create_pod(pod)
            for _ in range(500):
                if await read_logs(runtime, key, "step-sleep") == "started\n":
                    break
                await asyncio.sleep(0.01)
            started = time.monotonic()
            await runtime.set_annotations(key, {"tekton.dev/cancel": "CANCEL"})
            final = await wait_for(runtime, key, lambda p: p["status"]["phase"] == "Failed")
            return final, time.monotonic() - started

    final, took = run(scenario())
    step = terminated(final, "step-sleep")
    assert step["exitCode"] == 9
    assert {"key": "Reason", "value": "Cancelled", "type": 3} in json.loads(step["message"])
    assert took < 10


def test_native_results_sidecar_stopped_at_once_still_prints(
    open_runtime: RuntimeFactory,
) -> None:
    """Enable-kubernetes-sidecar: the results sidecar is a restartable init container
    that the runtime stops as soon as the main containers end — here before the
    program has even started up. The stop is kept pending until the results are out."""
    mounts = [
        {"name": "run-0", "mountPath": "/tekton/run/0"},
        {"name": "results", "mountPath": "/tekton/results"},
    ]
    sidecar = {
        "name": "sidecar-tekton-log-results",
        "image": RESULTS_IMAGE,
        "restartPolicy": "Always",
        "args": ["-result-names", "r", "-step-results", "{}", "-kubernetes-sidecar-mode", "true"],
        "volumeMounts": mounts,
    }
    main = {
        "name": "step-quick",
        "image": "busybox",
        "command": ["sh", "-c", "printf v > /tekton/results/r && touch /tekton/run/0/out"],
        "volumeMounts": mounts,
    }
    pod: Pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "native", "namespace": "default"},
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 5,
            "initContainers": [sidecar],
            "containers": [main],
            "volumes": [{"name": "run-0", "emptyDir": {}}, {"name": "results", "emptyDir": {}}],
        },
    }
    key = PodKey("default", "native")

    async def scenario() -> tuple[Pod, str]:
        async with open_runtime(sidecar_log_results_image=RESULTS_IMAGE) as runtime:
            await runtime.create_pod(pod)
            final = await wait_for(
                runtime,
                key,
                lambda p: (
                    "terminated" in statuses(p, init=True)["sidecar-tekton-log-results"]["state"]
                ),
            )
            return final, await read_logs(runtime, key, "sidecar-tekton-log-results")

    final, log = run(scenario())
    assert terminated(final, "sidecar-tekton-log-results", init=True)["exitCode"] == 0, log
    assert log == '{"name":"r","value":"v","type":"task"}\n'
