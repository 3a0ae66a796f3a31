"""Tekton's file-only init containers done on the host (``runtime.host_init``),
checked against the containers the Pod builder really makes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tektite.api.models import Sidecar, Step, TaskBreakpoints, TaskRunDebug
from tektite.engine.containers import SecurityContextConfig
from tektite.engine.names import SeededNameGenerator
from tektite.engine.scripts import convert_scripts
from tektite.runtime import host_init
from tektite.runtime.volumes import HostVolume


def _volume(tmp_path: Path, name: str) -> HostVolume:
    path = tmp_path / name
    path.mkdir(parents=True, exist_ok=True)
    return HostVolume(name, "emptyDir", str(path), False, owned=True)


def test_place_scripts_writes_what_the_shell_program_would(tmp_path: Path) -> None:
    steps = [
        Step(name="a", image="busybox", script="echo 'quoted $HOME' \"x\"\n_EOF_\n"),
        Step(name="b", image="busybox", script="#!/usr/bin/env python3\nprint(1)"),
    ]
    sidecars = [Sidecar(name="s", image="busybox", script="sleep 1")]
    converted = convert_scripts(
        "busybox",
        "",
        steps,
        sidecars,
        TaskRunDebug(breakpoints=TaskBreakpoints(on_failure="enabled")),
        SecurityContextConfig(),
        SeededNameGenerator("seed"),
    )
    init = converted.init_container
    assert init is not None
    volumes = {
        "tekton-internal-scripts": _volume(tmp_path / "host", "tekton-internal-scripts"),
        "tekton-internal-bin": _volume(tmp_path / "host", "tekton-internal-bin"),
        "tekton-internal-debug-scripts": _volume(tmp_path / "host", "debug"),
    }
    assert host_init.place_scripts(init, volumes)
    placed = {
        str(p.relative_to(tmp_path / "host")): p
        for p in sorted((tmp_path / "host").rglob("*"))
        if p.is_file()
    }
    # The same program run by a real shell, with /tekton rewritten to a second tree
    # and decode-script replaced by base64 -d (what the entrypoint's subcommand does).
    program = init["args"][1].replace("/tekton/scripts", str(tmp_path / "sh/scripts"))
    program = program.replace("/tekton/debug/scripts", str(tmp_path / "sh/debug"))
    program = program.replace(
        '/tekton/bin/entrypoint decode-script "${scriptfile}"',
        'base64 -d < "${scriptfile}" > "${scriptfile}.d" && cat "${scriptfile}.d" > '
        '"${scriptfile}" && rm "${scriptfile}.d"',
    )
    (tmp_path / "sh/scripts").mkdir(parents=True)
    (tmp_path / "sh/debug").mkdir(parents=True)
    subprocess.run(["sh", "-c", program], check=True)
    expected = {
        str(p.relative_to(tmp_path / "sh")): p for p in sorted((tmp_path / "sh").rglob("*"))
    }
    renamed = {
        key.replace("tekton-internal-scripts", "scripts"): value for key, value in placed.items()
    }
    assert sorted(renamed) == sorted(k for k, v in expected.items() if v.is_file())
    for key, path in renamed.items():
        assert path.read_bytes() == expected[key].read_bytes(), key
        assert os.stat(path).st_mode & 0o777 == 0o755


def test_unknown_program_is_left_to_the_container(tmp_path: Path) -> None:
    volumes = {"tekton-internal-scripts": _volume(tmp_path, "tekton-internal-scripts")}
    container = {
        "name": "place-scripts",
        "command": ["sh"],
        "args": ["-c", "echo hi > /tekton/scripts/x\n"],
        "volumeMounts": [{"name": "tekton-internal-scripts", "mountPath": "/tekton/scripts"}],
    }
    assert not host_init.place_scripts(container, volumes)
    assert not list((tmp_path / "tekton-internal-scripts").iterdir())


def test_prepare_links_the_binary_and_the_step_directories(tmp_path: Path) -> None:
    # A stand-in step-wrapper bundle: a launcher and its support directory.
    binary = tmp_path / "bundle"
    (binary / ".tektite" / "lib").mkdir(parents=True)
    (binary / "entrypoint").write_bytes(b"\x7fELF")
    (binary / ".tektite" / "lib" / "libc.so.6").write_bytes(b"libc")
    volumes = {
        "tekton-internal-bin": _volume(tmp_path, "bin"),
        "tekton-internal-steps": _volume(tmp_path, "steps"),
    }
    container = {
        "name": "prepare",
        "command": [
            "/ko-app/entrypoint",
            "init",
            "/ko-app/entrypoint",
            "/tekton/bin/entrypoint",
            "step-a",
            "step-b",
        ],
        "volumeMounts": [
            {"name": "tekton-internal-bin", "mountPath": "/tekton/bin"},
            {"name": "tekton-internal-steps", "mountPath": "/tekton/steps"},
        ],
    }
    assert host_init.is_prepare(container)
    assert host_init.prepare(container, volumes, host_init.bundle_installer(binary)) is None
    assert (tmp_path / "bin/entrypoint").read_bytes() == b"\x7fELF"
    # Hard links, not copies: the same files as the bundle's.
    assert (tmp_path / "bin/entrypoint").stat().st_ino == (binary / "entrypoint").stat().st_ino
    assert (tmp_path / "bin/.tektite/lib/libc.so.6").read_bytes() == b"libc"
    assert os.readlink(tmp_path / "steps/step-b") == "/tekton/run/1/status"
    assert os.readlink(tmp_path / "steps/0") == "/tekton/run/0/status"


def test_working_dir_init_creates_only_workspace_directories(tmp_path: Path) -> None:
    volumes = {"tekton-internal-workspace": _volume(tmp_path, "ws")}
    container = {
        "name": "working-dir-initializer",
        "command": ["/ko-app/workingdirinit"],
        "args": ["rel/dir", "/workspace/abs", "/elsewhere"],
        "workingDir": "/workspace",
        "volumeMounts": [{"name": "tekton-internal-workspace", "mountPath": "/workspace"}],
    }
    assert host_init.is_working_dir_init(container)
    assert host_init.working_dir_init(container, volumes) is None
    assert (tmp_path / "ws/rel/dir").is_dir()
    assert (tmp_path / "ws/abs").is_dir()
    assert not (tmp_path / "elsewhere").exists()
