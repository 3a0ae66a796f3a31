"""Busybox-based images see busybox as their shell on the host; other images do not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from host_helpers import RuntimeFactory, phase_is, read_logs, run, terminated, wait_for
from tekton_pod import DictCluster, Step, tekton_pod

from tektite.runtime.launch_plan import (
    BusyboxShell,
    find_busybox,
    is_busybox_image,
    shebang,
    through_busybox,
)
from tektite.runtime.protocol import Pod, PodKey

ALPINE = (
    "mirror.gcr.io/alpine@sha256:25109184c71bdad752c8312a8623239686a9a2071e8825f20acb8f2198c3f659"
)
UBUNTU = (
    "mirror.gcr.io/ubuntu@sha256:0d39fcc8335d6d74d5502f6df2d30119ff4790ebbb60b364818d5112d9e3e932"
)
# Prints which shell runs it: dash refuses "==" in "[", busybox's ash accepts it.
WHICH_SHELL = "if [ a == a ] 2>/dev/null; then echo busybox; else echo dash; fi\n"


def needs_busybox() -> None:
    """Skip (saying why) when the host has no busybox (scripts/setup-host installs it)."""
    if find_busybox() is None:
        reason = "no busybox on this host (run scripts/setup-host)"
        print(reason)
        pytest.skip(reason)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("busybox", True),
        ("alpine", True),
        ("busybox:1.36", True),
        ("alpine:3.20", True),
        ("mirror.gcr.io/alpine", True),
        ("mirror.gcr.io/busybox@sha256:b3255e7dfbcd10cb367af0d409747d511aeb66dfac98cf30e97", True),
        (ALPINE, True),
        ("docker.io/library/busybox:latest", True),
        ("localhost:5000/alpine:edge@sha256:abc", True),
        ("cgr.dev/chainguard/busybox@sha256:6202d571", True),
        ("mirror.gcr.io/alpine/git:v2.26.2", False),
        ("mirror.gcr.io/bash", False),
        ("mirror.gcr.io/node:lts-alpine3.20", False),
        ("ghcr.io/tektoncd/plumbing/alpine-git-nonroot:latest", False),
        ("busybox-extras", False),
        (UBUNTU, False),
        ("", False),
    ],
)
def test_busybox_image_rule(image: str, expected: bool) -> None:
    assert is_busybox_image(image) is expected


def test_shebang_is_split_as_linux_splits_it(tmp_path: Path) -> None:
    cases = {
        "plain": (b"#!/bin/sh\necho\n", ("/bin/sh", [])),
        "spaced": (b"#! /bin/sh -e  \n", ("/bin/sh", ["-e"])),
        "one-argument": (b"#!/usr/bin/env ash -x\n", ("/usr/bin/env", ["ash -x"])),
        "no-newline": (b"#!/bin/sh", ("/bin/sh", [])),
        "binary": (b"\x7fELF\x02", None),
    }
    for name, (content, expected) in cases.items():
        (tmp_path / name).write_bytes(content)
        assert shebang(str(tmp_path / name)) == expected, name
    assert shebang(str(tmp_path / "missing")) is None


def test_only_bin_sh_commands_go_through_busybox(tmp_path: Path) -> None:
    script = tmp_path / "script"
    script.write_text("#!/bin/sh -e\necho hi\n")
    bash = tmp_path / "bash-script"
    bash.write_text("#!/usr/bin/env bash\necho hi\n")
    sh = "/applets/sh"
    assert through_busybox(["/bin/sh", "-c", "x"], sh) == [sh, "-c", "x"]
    assert through_busybox([str(script), "a"], sh) == [sh, "-e", str(script), "a"]
    assert through_busybox([str(bash), "a"], sh) == [str(bash), "a"]
    assert through_busybox(["sh", "-c", "x"], sh) == ["sh", "-c", "x"]  # found on PATH
    assert through_busybox([], sh) == []


def test_applet_directory(tmp_path: Path) -> None:
    needs_busybox()
    shell = BusyboxShell.create(tmp_path / "busybox", "/nonexistent")
    assert shell is not None
    names = set(os.listdir(shell.applets))
    # With nothing on PATH every applet is "missing", except those that would act
    # on the host itself.
    assert {"ash", "sh", "ls", "wget"} <= names
    assert not {"reboot", "poweroff", "insmod", "mount"} & names
    assert os.readlink(shell.sh) == shell.binary
    assert os.stat(shell.applets).st_mode & 0o777 == 0o755
    host = BusyboxShell.create(tmp_path / "busybox", os.environ.get("PATH", ""))
    assert host is not None
    names = set(os.listdir(host.applets))
    assert {"ash", "sh"} <= names
    assert "ls" not in names  # the host has its own
    # Named by content: runtimes needing the same links share one directory.
    assert host.applets != shell.applets
    again = BusyboxShell.create(tmp_path / "busybox", os.environ.get("PATH", ""))
    assert again is not None and again.applets == host.applets


def test_busybox_images_see_busybox_as_their_shell(
    open_runtime: RuntimeFactory, cluster: DictCluster, mode: str
) -> None:
    """Commands, #!/bin/sh scripts (direct and through the step wrapper) and ``ash`` of
    busybox/alpine containers run busybox; an ubuntu container keeps the host's sh."""
    needs_busybox()
    cluster.config_maps[("default", "scripts")] = {
        "which.sh": ("#!/bin/sh\n" + WHICH_SHELL).encode()
    }
    commands = {
        "bb-script": ("busybox", ["/cfg/which.sh"]),
        "bb-sh": ("busybox:1.36", ["/bin/sh", "-c", WHICH_SHELL]),
        "alpine-ash": (ALPINE, ["ash", "-c", "echo ash:$0"]),
        "alpine-path": ("alpine", ["sh", "-c", 'command -v ash; echo "$PATH"']),
        "ubuntu-script": (UBUNTU, ["/cfg/which.sh"]),
        "ubuntu-sh": (UBUNTU, ["/bin/sh", "-c", WHICH_SHELL]),
        "ubuntu-path": (UBUNTU, ["sh", "-c", 'command -v ash; echo "$PATH"']),
    }
    plain: Pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "shells", "namespace": "default"},
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 2,
            "volumes": [{"name": "cfg", "configMap": {"name": "scripts", "defaultMode": 0o755}}],
            "containers": [
                {
                    "name": name,
                    "image": image,
                    "command": command,
                    "volumeMounts": [{"name": "cfg", "mountPath": "/cfg"}],
                }
                for name, (image, command) in commands.items()
            ],
        },
    }
    steps = [
        Step("preamble", script=WHICH_SHELL, extra={"image": ALPINE}),
        Step(
            "env-ash",
            script="#!/usr/bin/env ash\necho ash:$0\n" + WHICH_SHELL,
            extra={"image": "alpine:3.20"},
        ),
        Step("ubuntu", script=WHICH_SHELL, extra={"image": UBUNTU}),
    ]
    tekton = tekton_pod("tekton-shells-pod", steps)

    async def scenario() -> tuple[dict[str, str], dict[str, str], str]:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain)
            await runtime.create_pod(tekton)
            plain_key = PodKey("default", "shells")
            tekton_key = PodKey("default", "tekton-shells-pod")
            await wait_for(runtime, plain_key, phase_is("Succeeded", "Failed"))
            pod = await wait_for(runtime, tekton_key, phase_is("Succeeded", "Failed"))
            for name in ("step-preamble", "step-env-ash", "step-ubuntu"):
                assert terminated(pod, name)["exitCode"] == 0, name
            applets = runtime.busybox
            assert applets is not None
            return (
                {name: await read_logs(runtime, plain_key, name) for name in commands},
                {
                    name: await read_logs(runtime, tekton_key, f"step-{name}")
                    for name in ("preamble", "env-ash", "ubuntu")
                },
                applets.applets,
            )

    logs, step_logs, applets = run(scenario())
    assert logs["bb-script"] == "busybox\n"
    assert logs["bb-sh"] == "busybox\n"
    assert logs["alpine-ash"] == "ash:ash\n"
    found_ash, path = logs["alpine-path"].splitlines()
    assert found_ash == f"{applets}/ash"
    assert path.split(":")[0] == applets
    assert logs["ubuntu-script"] == "dash\n"
    assert logs["ubuntu-sh"] == "dash\n"
    assert applets not in logs["ubuntu-path"]
    assert step_logs["preamble"] == "busybox\n"
    assert step_logs["env-ash"].splitlines()[1] == "busybox"
    assert step_logs["env-ash"].startswith("ash:")
    assert step_logs["ubuntu"] == "dash\n"
