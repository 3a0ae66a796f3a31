"""The launcher service and its children, driven through ``Spawner``."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from host_helpers import run

from tektite.runtime import launcher, mounts
from tektite.runtime import spawner as spawner_module
from tektite.runtime.host import install_shim
from tektite.runtime.launcher import fork_into_cgroup, place_scripts_blocks
from tektite.runtime.pod_dirs import DirPlan
from tektite.runtime.proctree import CgroupRoot
from tektite.runtime.spawner import Spawner, prestart_service


def spec(tmp_path: Path, argv: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "argv": argv,
        "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GREETING": "hi"},
        "cwd": str(tmp_path),
        "namespace": None,
        "uid": None,
        "gid": None,
        "groups": None,
        "shim": None,
        "python_path": str(Path(__file__).resolve().parents[2] / "src"),
        "error_file": str(tmp_path / "error"),
        **extra,
    }


def spawn_and_wait(spawner: Spawner, launch: dict[str, Any], output: Path) -> int:
    async def scenario() -> int:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            process = spawner.spawn(launch, fd, None)
        finally:
            os.close(fd)
        pid = await process.started
        assert pid > 0
        return await asyncio.wait_for(process.exited, 20)

    return run(scenario())


def test_spawn_exec_env_cwd_and_errors(tmp_path: Path) -> None:
    spawner = Spawner()
    try:
        out = tmp_path / "out"
        code = spawn_and_wait(
            spawner,
            spec(tmp_path, ["sh", "-c", 'echo "$GREETING $(pwd)"; echo err >&2; exit 5']),
            out,
        )
        assert code == 5
        assert out.read_text() == f"hi {tmp_path}\nerr\n"
        missing = tmp_path / "missing"
        code = spawn_and_wait(spawner, spec(tmp_path, ["/no/such/thing"]), missing)
        assert code == 128
        assert (tmp_path / "error").read_text() == (
            'unable to start container process: exec: "/no/such/thing": no such file or directory'
        )
        deep = tmp_path / "new" / "dir"
        code = spawn_and_wait(spawner, spec(tmp_path, ["pwd"], cwd=str(deep)), tmp_path / "pwd")
        assert (code, (tmp_path / "pwd").read_text()) == (0, f"{deep}\n")
    finally:
        spawner.close()


def test_the_first_spawner_takes_the_prestarted_service(tmp_path: Path) -> None:
    """``prestart_service`` starts a service that the next Spawner uses (the one after
    starts its own); one nobody takes ends once its channel closes."""
    prestart_service()
    prestarted = spawner_module._prestarted
    assert prestarted is not None
    first, second = Spawner(), Spawner()
    try:
        first.start()
        assert first._service is prestarted[0] and spawner_module._prestarted is None
        second.start()
        assert second._service is not None and second._service.pid != prestarted[0].pid
        out = tmp_path / "out"
        assert spawn_and_wait(first, spec(tmp_path, ["sh", "-c", "echo taken"]), out) == 0
        assert out.read_text() == "taken\n"
    finally:
        first.close()
        second.close()
    prestart_service()
    unused = spawner_module._prestarted
    assert unused is not None
    spawner_module._prestarted = None
    unused[1].close()
    assert unused[0].wait(timeout=20) == 0


def test_spawned_processes_die_with_the_service(tmp_path: Path) -> None:
    spawner = Spawner()

    async def scenario() -> int:
        fd = os.open(tmp_path / "log", os.O_WRONLY | os.O_CREAT)
        try:
            process = spawner.spawn(spec(tmp_path, ["sleep", "31337.75"]), fd, None)
        finally:
            os.close(fd)
        pid = await process.started
        spawner.close()
        for _ in range(200):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return pid
            await asyncio.sleep(0.02)
        raise AssertionError("the child outlived the service")

    assert run(scenario()) > 0


def test_a_dead_service_is_replaced(tmp_path: Path) -> None:
    spawner = Spawner()

    async def scenario() -> tuple[int, int]:
        fd = os.open(tmp_path / "log", os.O_WRONLY | os.O_CREAT)
        try:
            long = spawner.spawn(spec(tmp_path, ["sleep", "31337.875"]), fd, None)
            await long.started
            assert spawner._service is not None
            spawner._service.kill()  # the service dies under a running container
            lost = await asyncio.wait_for(long.exited, 10)
            again = spawner.spawn(spec(tmp_path, ["true"]), fd, None)
        finally:
            os.close(fd)
        return lost, await asyncio.wait_for(again.exited, 10)

    try:
        assert run(scenario()) == (-9, 0)
    finally:
        spawner.close()


def dir_plan(tmp_path: Path, *, scratch: bool) -> DirPlan:
    pod = tmp_path / "pods" / "ns" / "p"
    return DirPlan(
        pod_dir=str(pod),
        scratch=str(tmp_path / "shm" / "ns" / "p") if scratch else None,
        internal=str(pod / ".tektite"),
        internal_dirs=["state", "errors", "termination"],
        termination_files=[str(pod / ".tektite" / "termination" / "step-a")],
        log_dir=str(tmp_path / "logs" / "ns" / "p"),
        logs=["prepare.log", "step-a.log"],
        empty_dirs=[str(pod / "tekton-internal-workspace")],
    )


def test_the_service_makes_a_pods_directories_and_log_files(tmp_path: Path) -> None:
    """What ``pod_dirs.make`` does, asked of the real service: the link to the scratch
    directory, the internal directories, fresh empty logs (an earlier Pod's removed),
    the emptyDir at its mode; an existing tree is kept."""
    logs = tmp_path / "logs" / "ns" / "p"
    logs.mkdir(parents=True)
    (logs / "old.log").write_text("an earlier Pod of the same name\n")
    (logs / "notes.txt").write_text("not a log\n")
    spawner = Spawner()

    async def scenario() -> None:
        plan = dir_plan(tmp_path, scratch=True)
        await asyncio.wait_for(spawner.make_dirs(plan), 10)
        await asyncio.wait_for(spawner.make_dirs(plan), 10)  # again: the same tree

    try:
        run(scenario())
    finally:
        spawner.close()
    internal = tmp_path / "pods" / "ns" / "p" / ".tektite"
    assert os.readlink(internal) == str(tmp_path / "shm" / "ns" / "p")
    assert sorted(os.listdir(internal)) == ["errors", "state", "termination"]
    termination = internal / "termination" / "step-a"
    assert termination.read_bytes() == b""
    assert stat.S_IMODE(termination.stat().st_mode) == 0o666
    assert sorted(os.listdir(logs)) == ["notes.txt", "prepare.log", "step-a.log"]
    assert (logs / "step-a.log").read_bytes() == b""
    assert stat.S_IMODE((logs / "step-a.log").stat().st_mode) == 0o644
    workspace = tmp_path / "pods" / "ns" / "p" / "tekton-internal-workspace"
    assert stat.S_IMODE(workspace.stat().st_mode) == 0o777


def test_a_pods_directories_that_cannot_be_made_fail_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "pods").write_text("a file where the Pods' directory should be\n")
    spawner = Spawner()

    async def scenario() -> OSError:
        try:
            await asyncio.wait_for(spawner.make_dirs(dir_plan(tmp_path, scratch=False)), 10)
        except OSError as error:
            return error
        raise AssertionError("the directories were made")

    try:
        error = run(scenario())
    finally:
        spawner.close()
    assert "Not a directory" in str(error) and str(tmp_path / "pods") in str(error)


def test_requests_to_a_busy_service_wait_without_blocking_the_loop(tmp_path: Path) -> None:
    """A stopped service reads nothing: requests beyond what its channel holds wait in
    the spawner, then go in order once it runs again. (Were sends blocking, the loop
    would hang until the watchdog lets the service go on, and nothing would have
    waited in the spawner.)"""
    spawner = Spawner()
    count = 600

    async def scenario() -> tuple[int, list[Path]]:
        spawner._ensure_service()
        service = spawner._service
        assert service is not None
        # A first answer: the service is up and has read the channel once.
        await asyncio.wait_for(spawner.make_dirs(dir_plan(tmp_path / "first", scratch=False)), 10)
        os.kill(service.pid, signal.SIGSTOP)
        watchdog = threading.Timer(10, os.kill, (service.pid, signal.SIGCONT))
        watchdog.start()
        try:
            made = [
                spawner.make_dirs(dir_plan(tmp_path / f"p{i}", scratch=False)) for i in range(count)
            ]
            waiting = len(spawner._outbox)
        finally:
            watchdog.cancel()
            os.kill(service.pid, signal.SIGCONT)
        await asyncio.wait_for(asyncio.gather(*made), 60)
        return waiting, [
            tmp_path / f"p{i}" / "logs" / "ns" / "p" / "step-a.log" for i in range(count)
        ]

    try:
        waiting, logs = run(scenario())
    finally:
        spawner.close()
    assert waiting > 0
    assert all(log.exists() for log in logs)
    assert not spawner._outbox


def test_go_gate(tmp_path: Path) -> None:
    spawner = Spawner()

    async def scenario() -> tuple[bool, int]:
        read_end, write_end = os.pipe()
        fd = os.open(tmp_path / "log", os.O_WRONLY | os.O_CREAT)
        try:
            process = spawner.spawn(spec(tmp_path, ["true"]), fd, read_end)
        finally:
            os.close(fd)
            os.close(read_end)
        await process.started
        await asyncio.sleep(0.3)
        # Forked, but its command has not started: not running yet (the kubelet's
        # running is after the exec).
        held = not process.exited.done() and not process.running.done()
        os.write(write_end, b"1")
        os.close(write_end)
        await asyncio.wait_for(process.running, 10)
        return held, await asyncio.wait_for(process.exited, 10)

    try:
        assert run(scenario()) == (True, 0)
    finally:
        spawner.close()


def test_a_child_that_never_runs_its_command_is_reported_running_then_exited(
    tmp_path: Path,
) -> None:
    """The service's ``R`` comes before its ``X`` even for a child that died before its
    exec (a missing command): running is done before exited."""
    spawner = Spawner()

    async def scenario() -> tuple[bool, int]:
        fd = os.open(tmp_path / "log", os.O_WRONLY | os.O_CREAT)
        try:
            process = spawner.spawn(spec(tmp_path, ["/no/such/command"]), fd, None)
        finally:
            os.close(fd)
        code = await asyncio.wait_for(process.exited, 10)
        return process.running.done() and process.running.exception() is None, code

    try:
        assert run(scenario()) == (True, 128)
    finally:
        spawner.close()


def place_scripts_program(files: dict[str, str], entrypoint: str) -> str:
    program = ""
    for path, script in files.items():
        encoded = base64.b64encode(script.encode()).decode()
        program += (
            f'scriptfile="{path}"\n'
            "touch ${scriptfile} && chmod +x ${scriptfile}\n"
            "cat > ${scriptfile} << '_EOF_'\n"
            f"{encoded}\n"
            "_EOF_\n"
            f'{entrypoint} decode-script "${{scriptfile}}"\n'
        )
    return program


def test_place_scripts_recognised_only_exactly(tmp_path: Path) -> None:
    shim = install_shim(tmp_path / "bin")
    entry = str(tmp_path / "bin" / "entrypoint")
    env = {"PATH": "/usr/bin:/bin"}
    program = place_scripts_program({"/s/script-0": "echo a", "/s/script-1": "echo b"}, entry)
    blocks = place_scripts_blocks(["sh", "-c", program], env, shim)
    assert blocks == [
        ("/s/script-0", base64.b64encode(b"echo a").decode()),
        ("/s/script-1", base64.b64encode(b"echo b").decode()),
    ]
    assert place_scripts_blocks(["sh", "-c", program + "echo extra\n"], env, shim) is None
    assert place_scripts_blocks(["bash", "-c", program], env, shim) is None
    other = place_scripts_program({"/s/x": "echo"}, "/usr/bin/true")
    assert place_scripts_blocks(["sh", "-c", other], env, shim) is None
    spaced = place_scripts_program({"/s/has space": "echo"}, entry)
    assert place_scripts_blocks(["sh", "-c", spaced], env, shim) is None


def test_place_scripts_emulation_matches_sh(tmp_path: Path) -> None:
    """The in-process place-scripts gives the files, modes and log lines sh gives."""
    shim = install_shim(tmp_path / "bin")
    entry = str(tmp_path / "bin" / "entrypoint")
    results = {}
    for flavour in ("emulated", "sh"):
        scripts = tmp_path / flavour
        scripts.mkdir()
        program = place_scripts_program(
            {str(scripts / "one"): "#!/bin/sh\necho one\n", str(scripts / "two"): "é ü"}, entry
        )
        if flavour == "sh":
            program = "true\n" + program  # no longer the exact program: real sh runs it
        spawner = Spawner()
        try:
            log = tmp_path / f"{flavour}.log"
            launch = spec(tmp_path, ["sh", "-c", program], shim=shim)
            code = spawn_and_wait(spawner, launch, log)
        finally:
            spawner.close()
        lines = [line.split(" ", 2)[2] for line in log.read_text().splitlines()]
        results[flavour] = (
            code,
            [line.replace(flavour, "X") for line in lines],
            {p.name: (p.read_bytes(), oct(p.stat().st_mode)) for p in sorted(scripts.iterdir())},
        )
    assert results["emulated"] == results["sh"]
    code, lines, files = results["emulated"]
    assert code == 0
    assert lines == [f"Decoded script {tmp_path}/X/one", f"Decoded script {tmp_path}/X/two"]
    assert files["one"][0] == b"#!/bin/sh\necho one\n"
    assert files["two"][0] == "é ü".encode()


@pytest.mark.skipif(
    mounts.detect_mode()[0] != mounts.NAMESPACE, reason="needs mount namespaces (root)"
)
def test_a_probe_joins_only_a_container_whose_namespaces_are_set_up(tmp_path: Path) -> None:
    """A container's process exists from its fork, before it has made its own mount
    namespace: a probe joining it then must fail (and be tried again), not run in the
    host's view of the files. Set up (own namespaces, the Pod's hostname), it runs."""
    spawner = Spawner()
    marker = tmp_path / "only-on-the-host"
    marker.write_text("")

    def probe(pid: int, hostname: str | None) -> tuple[int, str]:
        launch = spec(tmp_path, ["sh", "-c", f"test -f {marker}"], join_pid=pid)
        launch["join_hostname"] = hostname
        code = spawn_and_wait(spawner, launch, tmp_path / "probe.out")
        return code, (tmp_path / "error").read_text() if code == 128 else ""

    async def start(launch: dict[str, Any]) -> int:
        fd = os.open(tmp_path / "log", os.O_WRONLY | os.O_CREAT)
        try:
            process = spawner.spawn(launch, fd, None)
        finally:
            os.close(fd)
        return await process.started

    namespace = {"tmpfs": [], "mounts": [], "hostname": "probed-pod"}
    try:
        plain = run(start(spec(tmp_path, ["sleep", "30"])))  # never sets anything up
        isolated = run(start(spec(tmp_path, ["sleep", "30"], namespace=namespace)))
        time.sleep(0.5)  # its set-up is done
        not_yet = probe(plain, "probed-pod")
        ready = probe(isolated, "probed-pod")
    finally:
        spawner.close()
    assert not_yet[0] == 128 and "are not set up yet" in not_yet[1]
    assert ready == (0, "")  # the host's files are still visible: no mount hides them


def _cgroup_of(pid: int) -> str:
    with open(f"/proc/{pid}/cgroup", encoding="utf-8") as handle:
        return next(line[3:].strip() for line in handle if line.startswith("0::"))


@pytest.fixture
def cgroups() -> Iterator[CgroupRoot]:
    """A runtime's cgroup v2 directory (root and cgroup v2 with cgroup.kill only)."""
    root = CgroupRoot.create()
    if root is None:
        pytest.skip("needs root and a cgroup v2 hierarchy with cgroup.kill")
    yield root
    for child in root.path.iterdir():
        if child.is_dir():
            child.rmdir()
    root.path.rmdir()


def test_fork_into_cgroup_starts_the_child_in_its_cgroup(cgroups: CgroupRoot) -> None:
    """The child is a member of its cgroup from its first instruction (it joins nothing:
    ``clone3`` put it there), and the parent stays where it was."""
    target = cgroups.path / "child"
    read_end, write_end = os.pipe()
    pid = fork_into_cgroup(str(target))
    if pid == 0:
        os.write(write_end, _cgroup_of(os.getpid()).encode())
        os._exit(0)
    os.close(write_end)
    seen = os.read(read_end, 4096).decode()
    os.close(read_end)
    assert os.waitpid(pid, 0)[1] == 0
    assert seen.endswith("/" + target.relative_to(cgroups.path.parent).as_posix())
    assert _cgroup_of(os.getpid()) != seen


def test_fork_into_a_directory_that_is_no_cgroup_is_refused(tmp_path: Path) -> None:
    """``clone3`` refuses a directory that is not a cgroup v2 one: OSError, no child, and
    the service falls back to forking and joining (later cgroups still try ``clone3``)."""
    with pytest.raises(OSError):
        fork_into_cgroup(str(tmp_path / "plain"))
    assert launcher._clone3 is not False


def test_a_container_of_the_service_runs_in_its_cgroup(tmp_path: Path, cgroups: CgroupRoot) -> None:
    """The service makes the container's cgroup and starts it there: the command sees
    itself in it; with its last process gone, the service removes it."""
    target = cgroups.tracker("c").path
    spawner = Spawner()
    try:
        out = tmp_path / "out"
        code = spawn_and_wait(
            spawner, spec(tmp_path, ["cat", "/proc/self/cgroup"], cgroup=str(target)), out
        )
    finally:
        spawner.close()
    assert code == 0
    line = next(x for x in out.read_text().splitlines() if x.startswith("0::"))
    assert line.endswith("/" + target.relative_to(cgroups.path.parent).as_posix())
    deadline = time.monotonic() + 5  # removed just after the exit is reported
    while target.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not target.exists()


def test_a_removed_cgroup_is_not_looked_at_again(cgroups: CgroupRoot) -> None:
    """Once its cgroup is gone (the service removed it, or ``close`` did), a tracker
    answers from memory: a closing runtime asks every container's tracker to kill and
    remove what is left, which costs two system calls each otherwise."""
    tracker = cgroups.tracker("gone")
    tracker.path.mkdir()
    assert tracker.members() == [] and not tracker.closed
    assert tracker.close() and tracker.closed and not tracker.path.exists()
    tracker.path.mkdir()  # a later container's cgroup of the same name: not this one's
    try:
        assert tracker.close() and tracker.path.exists()
        assert not tracker.kill_all()
    finally:
        tracker.path.rmdir()
    late = cgroups.tracker("never-made")  # removed by the service before close
    assert late.close() and late.closed


def test_namespace_check_agrees_with_detection() -> None:
    probe = subprocess.run(
        [sys.executable, "-I", "-S", str(mounts.LAUNCHER), "--check-namespaces"],
        capture_output=True,
        check=False,
    )
    detected, why = mounts.detect_mode()
    if os.geteuid() == 0:
        assert (probe.returncode == 0) == (detected == mounts.NAMESPACE), why
    else:
        assert detected == mounts.REWRITE and why == "not running as root"


def test_a_namespace_check_started_early_gives_detection_its_answer() -> None:
    """``start_mode_check`` forks the check at once (``prestart_service`` does, so its
    ~20 ms overlap a command's start-up); ``detect_mode`` takes that answer, the same as
    a check of its own, and reaps the child."""
    alone = mounts.detect_mode()
    mounts.start_mode_check()
    started = mounts._started_check
    if os.geteuid() != 0:
        assert started is None  # not root: nothing to check
    else:
        assert isinstance(started, tuple)
        mounts.start_mode_check()  # one at a time
        assert mounts._started_check is started
    assert mounts.detect_mode() == alone
    assert mounts._started_check is None
    if isinstance(started, tuple):
        with pytest.raises(ChildProcessError):
            os.waitpid(started[0], os.WNOHANG)  # reaped


def test_prewarm_list_covers_every_import_of_the_step_wrapper() -> None:
    """The launcher pre-imports the wrapper's function-level imports from a fixed list
    (so a container running as another user never needs to read the library); every
    absolute import in the wrapper's sources must be either tektite's or on that list."""
    import ast

    import tektite.entrypoint
    from tektite.runtime.launcher import _WRAPPER_LAZY_IMPORTS

    package = Path(tektite.entrypoint.__file__).parent
    missing = set()
    for source in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ("tektite", "__future__") or name in sys.builtin_module_names:
                    continue
                if name not in _WRAPPER_LAZY_IMPORTS:
                    missing.add(f"{source.name}: {name}")
    assert not missing, sorted(missing)
