"""One program for the three ``/ko-app`` binaries, and ``workingdirinit``.

``workingdirinit`` runs as a real subprocess against real directories, as Tekton's
``cmd/workingdirinit`` would in a Pod (with the Tekton root moved by
``TEKTITE_TEKTON_DIR``, so ``/workspace`` is the directory beside it).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tektite.entrypoint import multicall

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.mark.parametrize(
    ("argv", "program", "args"),
    [
        (["/ko-app/entrypoint", "init", "a", "b"], "entrypoint", ["init", "a", "b"]),
        (["/tekton/bin/entrypoint", "-post_file", "p"], "entrypoint", ["-post_file", "p"]),
        (["/ko-app/sidecarlogresults", "-h"], "sidecarlogresults", ["-h"]),
        (["/ko-app/workingdirinit", "/workspace/x"], "workingdirinit", ["/workspace/x"]),
        (["tektite-entrypoint-0123", "-h"], "entrypoint", ["-h"]),
        (["x", "--tektite-program=workingdirinit", "a"], "workingdirinit", ["a"]),
        (["x", "--tektite-program=entrypoint", "-h"], "entrypoint", ["-h"]),
        (["x", "--tektite-program=nope", "a"], "", ["a"]),
        ([], "entrypoint", []),
    ],
)
def test_the_name_picks_the_program(argv: list[str], program: str, args: list[str]) -> None:
    assert multicall.select(argv) == (program, args)


def run(module: str, args: list[str], cwd: Path, root: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TEKTITE_TEKTON_DIR": str(root)}
    env["PYTHONPATH"] = str(SRC)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_unknown_program_is_refused(tmp_path: Path) -> None:
    done = run("tektite.entrypoint.multicall", ["--tektite-program=nope"], tmp_path, tmp_path)
    assert done.returncode == 2
    assert "unknown program in --tektite-program=; one of entrypoint" in done.stderr


def test_workingdirinit_creates_relative_and_workspace_dirs_only(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    outside = tmp_path / "outside"
    args = [f"{workspace}/a/b", "rel/c", str(outside / "d"), f"{workspace}/../escape"]
    done = run("tektite.entrypoint.multicall", ["--tektite-program=workingdirinit", *args],
               cwd, tmp_path / "tekton")  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert (workspace / "a" / "b").is_dir()
    assert oct((workspace / "a" / "b").stat().st_mode & 0o777) == oct(0o755 & ~_umask())
    assert (cwd / "rel" / "c").is_dir()
    # Absolute paths outside /workspace belong to the image: left alone, as in Tekton.
    assert not outside.exists()
    assert not (tmp_path / "escape").exists()


def test_workingdirinit_fails_as_go_does(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "file").write_text("")
    target = f"{workspace}/file/sub"
    done = run(
        "tektite.entrypoint.workingdirinit", [target, "later"], tmp_path, tmp_path / "tekton"
    )
    assert done.returncode == 1
    # log.Fatalf("Failed to mkdir %q: %v", p, err): MkdirAll names the file in the way.
    line = rf'^\d{{4}}/\d\d/\d\d \d\d:\d\d:\d\d Failed to mkdir "{re.escape(target)}": '
    line += rf"mkdir {re.escape(str(workspace / 'file'))}: not a directory\n$"
    assert re.match(line, done.stderr), done.stderr
    assert not (tmp_path / "later").exists()  # the first failure ends the program


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_wrapper_imports_only_the_standard_library() -> None:
    """What the static executable is frozen from must need nothing but the stdlib
    (the build venv has no other package) and no other part of tektite."""
    package = SRC / "tektite" / "entrypoint"
    found: dict[str, set[str]] = {}
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if not (
                    name.split(".")[0] in sys.stdlib_module_names
                    or name == "tektite.entrypoint"
                    or name.startswith("tektite.entrypoint.")
                ):
                    found.setdefault(path.name, set()).add(name)
    assert found == {}
