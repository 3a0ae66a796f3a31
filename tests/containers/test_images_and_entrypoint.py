"""The local test images and the step-wrapper bundle, run by a real podman.

Everything here is real: images built by ``scripts/build-images`` from Debian's
packages, the bundle built by ``tektite.runtime.build_entrypoint`` (Debian's python3,
its libraries and dynamic loader, a static launcher), containers run by podman with the
Pod's ``/tekton`` directory bind-mounted. The container tests skip, naming the reason,
where podman cannot run here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tektite.runtime import build_entrypoint
from tektite.runtime.entrypoint_binary import (
    KO_APP_DIR,
    KO_APP_PATHS,
    SUPPORT_DIR,
    EntrypointBinaryUnavailable,
    entrypoint_bundle,
    install_entrypoint,
    program_command,
)
from tests.container_images import (
    BUSYBOX,
    DEBIAN,
    SCRATCH_STATIC,
    TEST_IMAGE_MAP,
    container_engine_skip_reason,
    ensure_test_images,
)

SRC = Path(__file__).resolve().parents[2] / "src"
STARTED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# Nothing but /tekton is writable and there is no /tmp the wrapper could use.
READ_ONLY = ("--read-only", "--read-only-tmpfs=false")
OTHER_USER = ("--user", "1000:1000")  # a Pod's securityContext.runAsUser: 1000

needs_podman = pytest.mark.skipif(
    container_engine_skip_reason() is not None,
    reason=str(container_engine_skip_reason()),
)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The step-wrapper bundle, as a runtime gets it (built once per machine)."""
    data_dir = tmp_path_factory.mktemp("data")
    try:
        return entrypoint_bundle(data_dir)
    except EntrypointBinaryUnavailable as error:
        if shutil.which("apt-get") is None:  # not a Debian-like machine: say so
            pytest.skip(f"step-wrapper bundle unavailable here: {error}")
        raise


@pytest.fixture(scope="module")
def images() -> None:
    """The local test images, built (or found cached) once."""
    ensure_test_images()


def podman(
    *args: str, timeout: float = 120, remove: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``podman args``; never pulls (``--pull never`` is added to every ``run``, and
    ``--rm`` unless ``remove`` is False)."""
    command = ["podman", *args]
    if args and args[0] == "run":
        command[2:2] = [*(["--rm"] if remove else []), "--pull", "never", "--network", "none"]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def tekton_root(base: Path) -> Path:
    """A Pod's ``/tekton`` directory: ``results`` and the first step's ``run/0``,
    writable by any user (the containers may run as another one)."""
    root = base / "tekton"
    (root / "results").mkdir(parents=True)
    (root / "run" / "0").mkdir(parents=True)
    for path in (root, root / "results", root / "run", root / "run" / "0"):
        os.chmod(path, 0o777)
    return root


def step_flags(root: str, *extra: str) -> list[str]:
    """The flags Tekton's Pod builder gives step 0, with the Tekton root at ``root``."""
    return [
        "-post_file",
        f"{root}/run/0/out",
        "-termination_path",
        f"{root}/termination",
        "-step_metadata_dir",
        f"{root}/run/0/status",
        *extra,
    ]


def run_wrapper(
    bundle: Path, image: str, tekton: Path, args: Sequence[str], *options: str
) -> subprocess.CompletedProcess[str]:
    """Run the wrapper as ``/ko-app/entrypoint`` (the bundle mounted read-only at
    ``/ko-app``) in ``image`` with ``tekton`` at /tekton."""
    return podman(
        "run",
        "-v",
        f"{bundle}:{KO_APP_DIR}:ro",
        "-v",
        f"{tekton}:/tekton",
        *options,
        "--entrypoint",
        KO_APP_PATHS["entrypoint"],
        image,
        *args,
    )


def termination(path: Path) -> dict[str, str]:
    """The termination message as ``{key: value}``; ``StartedAt`` checked and dropped."""
    entries = json.loads(path.read_text())
    message = {entry["key"]: entry["value"] for entry in entries}
    assert STARTED_AT.match(message.pop("StartedAt")), entries
    return message


# --- the images ---------------------------------------------------------------------


@needs_podman
def test_busybox_image_runs_its_shell(images: None) -> None:
    assert podman("run", BUSYBOX, "true").returncode == 0
    done = podman("run", BUSYBOX, "sh", "-c", "echo $((6 * 7)) $(basename /bin/ash)")
    assert (done.returncode, done.stdout) == (0, "42 ash\n")
    # Docker Hub's busybox runs "sh" when given no command.
    inspect = podman("image", "inspect", "--format", "{{json .Config.Cmd}}", BUSYBOX)
    assert json.loads(inspect.stdout) == ["sh"]


@needs_podman
def test_debian_image_has_the_examples_interpreters(images: None) -> None:
    done = podman(
        "run",
        DEBIAN,
        "bash",
        "-c",
        "python -c 'print(6 * 7)' && perl -e 'print 43, qq(\\n)' && node -e 'console.log(44)'"
        " && ps -o comm= -p $$ && exit 0",  # not last: bash would exec ps
    )
    assert (done.returncode, done.stdout) == (0, "42\n43\n44\nbash\n"), done.stderr
    inspect = podman("image", "inspect", "--format", "{{json .Config.Cmd}}", DEBIAN)
    assert json.loads(inspect.stdout) == ["bash"]


@needs_podman
def test_scratch_image_has_only_its_static_binary(images: None) -> None:
    done = podman("run", SCRATCH_STATIC, "print", "hi", "exit", "4")
    assert (done.returncode, done.stdout) == (4, "hi\n")
    no_shell = podman("run", "--entrypoint", "/bin/sh", SCRATCH_STATIC, "-c", "true")
    assert no_shell.returncode != 0
    assert "/bin/sh" in no_shell.stderr


def test_image_map_covers_the_examples_images() -> None:
    """Every mapped repository of the examples points at one of the local images."""
    assert TEST_IMAGE_MAP["mirror.gcr.io/ubuntu"] == DEBIAN
    assert TEST_IMAGE_MAP["mirror.gcr.io/alpine"] == BUSYBOX
    assert set(TEST_IMAGE_MAP.values()) == {BUSYBOX, DEBIAN}


# --- the step-wrapper bundle in images --------------------------------------------------


@needs_podman
def test_wrapper_runs_a_step_in_busybox(bundle: Path, images: None, tmp_path: Path) -> None:
    tekton = tekton_root(tmp_path)
    script = "printf v > /tekton/results/r; echo out; echo err >&2; env; exit 3"
    done = run_wrapper(
        bundle,
        BUSYBOX,
        tekton,
        step_flags("/tekton", "-results", "r", "-entrypoint", "sh", "--", "-c", script),
        *READ_ONLY,
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout.startswith("out\n")
    assert "err\n" in done.stderr
    # The step's environment is the container's: the wrapper adds no variable (no
    # LD_LIBRARY_PATH, PYTHON*, LC_CTYPE of a locale coercion).
    plain = podman("run", BUSYBOX, "sh", "-c", "env")  # sh adds PWD and SHLVL
    names = {line.split("=", 1)[0] for line in done.stdout.splitlines()[1:] if "=" in line}
    assert names == {line.split("=", 1)[0] for line in plain.stdout.splitlines()}
    assert (tekton / "run" / "0" / "out.err").exists()
    assert not (tekton / "run" / "0" / "out").exists()
    # Tekton writes exitCode only for a success or an onError: continue step.
    assert not (tekton / "run" / "0" / "status" / "exitCode").exists()
    assert termination(tekton / "termination") == {"r": "v"}


@needs_podman
def test_wrapper_runs_in_scratch_read_only_as_another_user(
    bundle: Path, images: None, tmp_path: Path
) -> None:
    """No shell, no libc, no /tmp in the image, a read-only root, uid 1000: the bundle
    brings everything it needs and writes only under /tekton."""
    tekton = tekton_root(tmp_path)
    tool = ["/static-tool", "print", "hello", "write", "/tekton/results/answer", "42"]
    done = run_wrapper(
        bundle,
        SCRATCH_STATIC,
        tekton,
        step_flags("/tekton", "-results", "answer", "-entrypoint", tool[0], "--", *tool[1:]),
        *READ_ONLY,
        *OTHER_USER,
    )
    assert (done.returncode, done.stdout) == (0, "hello\n"), done.stderr
    assert (tekton / "run" / "0" / "out").stat().st_uid == 1000
    assert (tekton / "run" / "0" / "status" / "exitCode").read_text() == "0"
    assert termination(tekton / "termination") == {"answer": "42"}

    failing = tekton_root(tmp_path / "failing")
    done = run_wrapper(
        bundle,
        SCRATCH_STATIC,
        failing,
        step_flags("/tekton", "-entrypoint", "/static-tool", "--", "exit", "7"),
        *READ_ONLY,
        *OTHER_USER,
    )
    assert done.returncode == 7, done.stderr
    assert (failing / "run" / "0" / "out.err").exists()
    assert not (failing / "run" / "0" / "status" / "exitCode").exists()

    continued = tekton_root(tmp_path / "continued")
    done = run_wrapper(
        bundle,
        SCRATCH_STATIC,
        continued,
        step_flags(
            "/tekton", "-on_error", "continue", "-entrypoint", "/static-tool", "--", "exit", "7"
        ),
        *READ_ONLY,
        *OTHER_USER,
    )
    assert done.returncode == 0, done.stderr
    assert (continued / "run" / "0" / "out").exists()
    assert (continued / "run" / "0" / "status" / "exitCode").read_text() == "7"
    assert termination(continued / "termination") == {"ExitCode": "7"}


@needs_podman
def test_bundle_runs_from_any_path(bundle: Path, images: None, tmp_path: Path) -> None:
    """The launcher finds its support files beside itself: at /tekton/bin (hard-linked
    there as the ``prepare`` init container does) and at any other mount path."""
    tekton = tekton_root(tmp_path)
    install_entrypoint(bundle, tekton / "bin" / "entrypoint")
    tool = ["/static-tool", "write", "/tekton/results/a", "from-bin"]
    done = podman(
        "run",
        *READ_ONLY,
        "-v",
        f"{tekton}:/tekton",
        "--entrypoint",
        "/tekton/bin/entrypoint",
        SCRATCH_STATIC,
        *step_flags("/tekton", "-results", "a", "-entrypoint", tool[0], "--", *tool[1:]),
    )
    assert done.returncode == 0, done.stderr
    assert termination(tekton / "termination") == {"a": "from-bin"}

    elsewhere = tekton_root(tmp_path / "elsewhere")
    tool = ["/static-tool", "write", "/tekton/results/a", "from-opt"]
    done = podman(
        "run",
        *READ_ONLY,
        *OTHER_USER,
        "-v",
        f"{bundle}:/opt/some/where:ro",
        "-v",
        f"{elsewhere}:/tekton",
        "--entrypoint",
        "/opt/some/where/entrypoint",
        SCRATCH_STATIC,
        *step_flags("/tekton", "-results", "a", "-entrypoint", tool[0], "--", *tool[1:]),
    )
    assert done.returncode == 0, done.stderr
    assert termination(elsewhere / "termination") == {"a": "from-opt"}


@needs_podman
def test_launcher_alone_says_what_it_misses(bundle: Path, images: None, tmp_path: Path) -> None:
    """The documented limit: the launcher without its bundle directory cannot run."""
    done = podman(
        "run",
        "-v",
        f"{bundle / 'entrypoint'}:/ko-app/entrypoint:ro",
        "--entrypoint",
        "/ko-app/entrypoint",
        SCRATCH_STATIC,
        "-entrypoint",
        "/static-tool",
    )
    assert done.returncode == 127
    assert f"/ko-app/{SUPPORT_DIR}/lib/" in done.stderr
    assert f"needs its bundle's {SUPPORT_DIR} directory" in done.stderr


@needs_podman
def test_one_bundle_serves_the_three_ko_app_programs(
    bundle: Path, images: None, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    done = podman(
        "run",
        *READ_ONLY,
        "-v",
        f"{bundle}:{KO_APP_DIR}:ro",
        "-v",
        f"{workspace}:/workspace",
        "--workdir",
        "/workspace",
        "--entrypoint",
        KO_APP_PATHS["workingdirinit"],
        SCRATCH_STATIC,
        "/workspace/a/b",
        "relative/c",
        "/elsewhere",
    )
    assert done.returncode == 0, done.stderr
    assert (workspace / "a" / "b").is_dir()
    assert (workspace / "relative" / "c").is_dir()

    usage = podman(
        "run",
        "-v",
        f"{bundle}:{KO_APP_DIR}:ro",
        "--entrypoint",
        KO_APP_PATHS["sidecarlogresults"],
        BUSYBOX,
        "-h",
    )
    # Go's flag package prints "Usage of <argv[0]>:" for -h.
    assert usage.stderr.startswith(f"Usage of {KO_APP_PATHS['sidecarlogresults']}:\n")
    assert "-results-dir" in usage.stderr


@needs_podman
def test_container_stop_signal_reaches_the_step(bundle: Path, images: None, tmp_path: Path) -> None:
    """``podman stop`` signals PID 1, which is the wrapper itself (the launcher execs,
    it does not fork): the wrapper forwards SIGTERM to the step and exits as Tekton's
    entrypoint does for a step killed by a signal (255, ``out.err``)."""
    tekton = tekton_root(tmp_path)
    name = f"tektite-test-stop-{os.getpid()}"
    script = "touch /tekton/started; exec sleep 60"
    created = podman(
        "run",
        "-d",
        "--name",
        name,
        *READ_ONLY,
        *OTHER_USER,
        "-v",
        f"{bundle}:{KO_APP_DIR}:ro",
        "-v",
        f"{tekton}:/tekton",
        "--entrypoint",
        KO_APP_PATHS["entrypoint"],
        BUSYBOX,
        *step_flags("/tekton", "-entrypoint", "sh", "--", "-c", script),
        remove=False,  # its exit code is read once it has stopped
    )
    assert created.returncode == 0, created.stderr
    try:
        deadline = time.monotonic() + 60
        while not (tekton / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tekton / "started").exists()
        started = time.monotonic()
        # The kernel drops signals PID 1 has no handler for: no handler, no stop
        # before the 30 s timeout's SIGKILL (exit 137).
        stopped = podman("stop", "-t", "30", name)
        assert stopped.returncode == 0, stopped.stderr
        assert time.monotonic() - started < 20
        # From the stopped container's record (a ``podman wait`` beside the stop of a
        # ``--rm`` container once found it removed already).
        inspected = podman("inspect", "--format", "{{.State.ExitCode}}", name)
        assert inspected.returncode == 0, inspected.stderr
        exit_code = int(inspected.stdout.strip())
    finally:
        podman("rm", "-f", name)
    assert exit_code == 255
    assert sorted(path.name for path in (tekton / "run" / "0").iterdir()) == ["out.err", "status"]


# --- the bundle against the in-tree module ------------------------------------------


def run_on_host(
    command: list[str], base: Path, args: list[str]
) -> tuple[int, str, str, dict[str, object]]:
    """Run a wrapper ``command`` on the host against ``base/tekton``; its observable output."""
    root = tekton_root(base)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TZ": "UTC",
        "TEKTITE_TEKTON_DIR": str(root),
        "PYTHONPATH": str(SRC),
    }
    done = subprocess.run(
        [*command, *step_flags(str(root), *args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    files = sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
    state: dict[str, object] = {"files": files, "termination": termination(root / "termination")}
    return done.returncode, done.stdout, done.stderr.replace(str(root), "<root>"), state


def test_bundle_behaves_as_the_in_tree_module(bundle: Path, tmp_path: Path) -> None:
    """The same step through the bundle and ``python -m tektite.entrypoint``."""
    script = 'printf "%s" "$1" > "$2"; echo stdout; echo stderr >&2; exit 5'
    results = "{root}/results/r"

    def args(base: Path) -> list[str]:
        target = results.format(root=base / "tekton")
        return ["-results", "r", "-entrypoint", "sh", "--", "-c", script, "sh", "v", target]

    launcher = str(bundle / "entrypoint")
    bundled = run_on_host([launcher], tmp_path / "bundled", args(tmp_path / "bundled"))
    module = run_on_host(
        [sys.executable, "-m", "tektite.entrypoint"], tmp_path / "module", args(tmp_path / "module")
    )
    assert bundled == module
    assert bundled[0] == 5
    assert bundled[3]["termination"] == {"r": "v"}


@pytest.mark.parametrize("locale", [None, "C"])
def test_bundle_leaves_the_step_environment_alone(
    bundle: Path, tmp_path: Path, locale: str | None
) -> None:
    """A step's PYTHONPATH/PYTHONHOME (a Python image sets them) must not reach the
    wrapper's own interpreter, and the step gets its environment unchanged: not even
    the LC_CTYPE=C.UTF-8 Python sets for itself in a "C" locale (PEP 538)."""
    root = tekton_root(tmp_path)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TEKTITE_TEKTON_DIR": str(root),
        "PYTHONHOME": str(tmp_path / "nowhere"),
        "PYTHONPATH": str(tmp_path / "nowhere"),
    }
    if locale is not None:
        env["LC_CTYPE"] = locale
    done = subprocess.run(
        [str(bundle / "entrypoint"), *step_flags(str(root), "-entrypoint", "env")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.splitlines()) == sorted(f"{k}={v}" for k, v in env.items())


def test_program_command_picks_the_program_whatever_the_name(bundle: Path, tmp_path: Path) -> None:
    launcher = tmp_path / "any-name"
    install_entrypoint(bundle, launcher)
    done = subprocess.run(
        [*program_command(launcher, "sidecarlogresults"), "-h"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stderr.startswith(f"Usage of {launcher}:\n")
    assert "-results-dir" in done.stderr
    with pytest.raises(ValueError, match="unknown program 'nope'"):
        program_command(launcher, "nope")


def test_bundle_is_cached_by_source_hash(bundle: Path) -> None:
    if os.environ.get("TEKTITE_ENTRYPOINT_BUNDLE"):
        pytest.skip("TEKTITE_ENTRYPOINT_BUNDLE names a prebuilt bundle")
    assert bundle.name == build_entrypoint.bundle_name()
    cached = build_entrypoint.cached_bundle()
    assert cached.is_dir()
    # The data directory's copy is hard links to the machine's cached files.
    python = Path(SUPPORT_DIR) / "python3"
    assert (bundle / python).stat().st_ino == (cached / python).stat().st_ino
    # The key covers every source of the wrapper and the build itself.
    names = {path.name for path in build_entrypoint.entrypoint_sources()}
    assert {
        "main.py",
        "multicall.py",
        "sidecarlogresults.py",
        "build_entrypoint.py",
        "entrypoint_stdlib.py",
    } <= names


def test_sigterm_reaches_the_step_as_with_the_module(bundle: Path, tmp_path: Path) -> None:
    """SIGTERM to the launcher's process (the wrapper, after two execs) reaches the
    step exactly as it does through ``python -m tektite.entrypoint``."""
    outcomes = []
    for name, command in (
        ("bundled", [str(bundle / "entrypoint")]),
        ("module", [sys.executable, "-m", "tektite.entrypoint"]),
    ):
        root = tekton_root(tmp_path / name)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TEKTITE_TEKTON_DIR": str(root)}
        env["PYTHONPATH"] = str(SRC)
        ready = root / "started"
        args = ["-entrypoint", "sh", "--", "-c", f"touch {ready}; exec sleep 60"]
        process = subprocess.Popen([*command, *step_flags(str(root), *args)], env=env)
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        outcomes.append(
            (process.wait(timeout=30), sorted(p.name for p in (root / "run" / "0").iterdir()))
        )
    assert outcomes[0] == outcomes[1]
    assert outcomes[0] == (255, ["out.err", "status"])  # sleep 60 did not run out
