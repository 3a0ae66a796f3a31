"""Where the host runtime keeps a Pod's directories: its ``.tektite`` and Tekton's small
volumes on tmpfs (``host_state.scratch_root``), the emptyDirs that may hold the user's
data on disk. Real directories, real processes; skipped where there is no /dev/shm."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from host_helpers import RuntimeFactory, phase_is, run, wait_for
from test_host import plain_pod

from tektite.runtime import host_state, pod_dirs
from tektite.runtime.protocol import PodKey
from tektite.runtime.volumes import keeps_data

needs_shm = pytest.mark.skipif(
    not os.access(host_state.SHM, os.W_OK), reason="no writable /dev/shm here"
)


@pytest.mark.parametrize(
    ("volume", "on_disk"),
    [
        ({"name": "src", "emptyDir": {}}, True),
        ({"name": "tekton-internal-workspace", "emptyDir": {}}, True),
        ({"name": "scratch", "ephemeral": {"volumeClaimTemplate": {}}}, True),
        ({"name": "cache", "emptyDir": {"medium": "Memory"}}, False),
        ({"name": "tekton-internal-bin", "emptyDir": {}}, False),
        ({"name": "tekton-internal-run-0", "emptyDir": {}}, False),
        ({"name": "tekton-creds-init-home-0", "emptyDir": {"medium": "Memory"}}, False),
        ({"name": "cfg", "configMap": {"name": "cfg"}}, False),
        ({"name": "data", "persistentVolumeClaim": {"claimName": "c"}}, False),
    ],
)
def test_keeps_data(volume: dict[str, object], on_disk: bool) -> None:
    assert keeps_data(volume) is on_disk


def test_scratch_root_refuses_a_base_others_can_write(tmp_path: Path) -> None:
    shm = tmp_path / "shm"
    shm.mkdir()
    base = shm / f"tektite-{os.geteuid()}"
    base.mkdir(mode=0o777)
    os.chmod(base, 0o777)  # (mkdir's mode goes through the umask)
    assert host_state.scratch_root(tmp_path / "data", shm) is None
    os.chmod(base, 0o700)
    root = host_state.scratch_root(tmp_path / "data", shm)
    assert root is not None and root.parent == base
    assert host_state.scratch_root(tmp_path / "data", shm) == root  # stable per data dir
    assert host_state.scratch_root(tmp_path / "other", shm) != root


def test_scratch_root_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "shm").mkdir()
    monkeypatch.setenv("TEKTITE_POD_SCRATCH", "disk")
    assert host_state.scratch_root(tmp_path / "data", tmp_path / "shm") is None


def test_collect_scratch_removes_only_unlinked_unowned_old_dirs(tmp_path: Path) -> None:
    root, pods = tmp_path / "root", tmp_path / "pods"
    linked, orphan, owned, young = (root / "ns" / name for name in ("a", "b", "c", "d"))
    for scratch in (linked, orphan, owned, young):
        scratch.mkdir(parents=True)
    (pods / "ns" / "a").mkdir(parents=True)
    pod_dirs.link_pod_dir(pods / "ns" / "a" / ".tektite", linked)
    held = host_state.claim(owned)
    assert held is not None
    old = time.time() - 3600
    for scratch in (linked, orphan, owned):
        os.utime(scratch, (old, old))
    try:
        host_state.collect_scratch(root, pods)
        assert sorted(p.name for p in (root / "ns").iterdir()) == ["a", "c", "d"]
    finally:
        os.close(held)


def test_lost_pod_dirs_are_those_whose_scratch_is_gone(tmp_path: Path) -> None:
    root, pods = tmp_path / "root", tmp_path / "pods"
    for name in ("alive", "lost", "elsewhere", "real"):
        (pods / "ns" / name).mkdir(parents=True)
    (root / "ns" / "alive").mkdir(parents=True)
    pod_dirs.link_pod_dir(pods / "ns" / "alive" / ".tektite", root / "ns" / "alive")
    os.symlink(root / "ns" / "lost", pods / "ns" / "lost" / ".tektite")  # after a reboot
    # A link out of this scratch root is not this runtime's to judge.
    os.symlink(tmp_path / "other" / "x", pods / "ns" / "elsewhere" / ".tektite")
    (pods / "ns" / "real" / ".tektite").mkdir()  # a Pod of an earlier version
    (pods / "ns" / "no-link").mkdir()
    assert host_state.lost_pod_dirs(pods, root) == [pods / "ns" / "lost"]
    assert host_state.lost_pod_dirs(tmp_path / "none", root) == []


@needs_shm
def test_a_pod_whose_scratch_is_gone_leaves_no_directory_behind(
    open_runtime: RuntimeFactory,
) -> None:
    """A reboot empties /dev/shm: a Pod that was running has lost its scratch, and its
    TaskRun fails with TaskRunPodLost. Its directory on disk (the user's emptyDirs) can
    serve nothing any more; the next runtime on the data directory removes it."""

    async def start(lost: tuple[str, ...] = ()) -> Path:
        async with open_runtime() as runtime:
            scratch = host_state.scratch_root(runtime.data_dir)
            assert scratch is not None
            for name in lost:
                pod_dir = runtime.data_dir / "pods" / "default" / name
                (pod_dir / "ws").mkdir(parents=True)
                (pod_dir / "ws" / "data").write_text("x")
                os.symlink(scratch / "default" / name, pod_dir / ".tektite")
            return runtime.data_dir

    data_dir = run(start(("was-running",)))
    assert (data_dir / "pods" / "default" / "was-running").is_dir()  # made after the start
    run(start())
    assert not (data_dir / "pods" / "default" / "was-running").exists()


def test_scratch_of_a_deleted_data_dir_is_swept(tmp_path: Path) -> None:
    """A temporary data directory deleted without its runtime closing leaves its
    scratch behind: the next runtime (of any data directory) removes it, unless a live
    runtime still owns one of its Pods."""
    shm = tmp_path / "shm"
    shm.mkdir()
    gone, busy, alive = (tmp_path / name for name in ("gone", "busy", "alive"))
    for data_dir in (gone, busy, alive):
        data_dir.mkdir()
    roots = {}
    for data_dir in (gone, busy, alive):
        root = host_state.scratch_root(data_dir, shm)
        assert root is not None
        (root / "ns" / "pod").mkdir(parents=True)
        roots[data_dir] = root
    held = host_state.claim(roots[busy] / "ns" / "pod")
    assert held is not None
    try:
        gone.rmdir()
        busy.rmdir()
        host_state.scratch_root(tmp_path / "next", shm)
        assert not roots[gone].exists()
        assert roots[busy].exists() and roots[alive].exists()
    finally:
        os.close(held)


def test_link_pod_dir_replaces_a_stale_link(tmp_path: Path) -> None:
    link = tmp_path / "pod" / ".tektite"
    link.parent.mkdir()
    os.symlink(tmp_path / "gone", link)
    pod_dirs.link_pod_dir(link, tmp_path / "scratch")
    assert os.readlink(link) == str(tmp_path / "scratch")
    assert (tmp_path / "scratch").is_dir()


@needs_shm
def test_pod_internals_on_tmpfs_user_data_on_disk(open_runtime: RuntimeFactory) -> None:
    key = PodKey("default", "scratchy")
    containers = [
        {
            "name": "write",
            "image": "busybox",
            "command": ["sh", "-c", "echo kept > /data/file && echo small > /tekton/bin/file"],
            "volumeMounts": [
                {"name": "src", "mountPath": "/data"},
                {"name": "tekton-internal-bin", "mountPath": "/tekton/bin"},
            ],
        }
    ]
    volumes = [
        {"name": "src", "emptyDir": {}},
        {"name": "tekton-internal-bin", "emptyDir": {}},
    ]

    async def scenario() -> tuple[str, list[Path], Path, bool]:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("scratchy", containers, volumes=volumes))
            pod = await wait_for(runtime, key, phase_is("Succeeded", "Failed"))
            assert pod["status"]["phase"] == "Succeeded", pod["status"]
            pod_dir = runtime.data_dir / "pods" / "default" / "scratchy"
            internal = pod_dir / ".tektite"
            target = Path(os.readlink(internal))
            layout = [
                pod_dir / "src" / "file",
                internal / "volumes" / "tekton-internal-bin" / "file",
                target,
            ]
            found = [p for p in layout if p.exists()]
            on_shm = str(target).startswith(str(host_state.SHM))
            src_on_disk = not (pod_dir / "src").is_symlink()
            await runtime.delete_pod(key)
            assert on_shm and src_on_disk
            return "ok", found, target, pod_dir.exists()

    result, found, target, pod_dir_left = run(scenario())
    assert result == "ok"
    assert len(found) == 3  # the user's file on disk, Tekton's on tmpfs
    assert not target.exists() and not pod_dir_left  # both removed with the Pod


def test_closing_moves_pods_to_the_trash_which_empties_itself(
    open_runtime: RuntimeFactory,
) -> None:
    """At close a Pod's disk directory goes to ``<data_dir>/trash`` at once (out of any
    runtime's sight), its tmpfs part to a trash on tmpfs; the trashes empty without the
    runtime waiting, and whatever a stopped runtime left there goes at the next start."""
    containers = [{"name": "c", "image": "busybox", "command": ["true"]}]
    volumes = [{"name": "src", "emptyDir": {}}]

    async def scenario() -> tuple[Path, Path, Path]:
        async with open_runtime() as runtime:
            await runtime.create_pod(plain_pod("closing", containers, volumes=volumes))
            await wait_for(runtime, PodKey("default", "closing"), phase_is("Succeeded"))
            pod_dir = runtime.data_dir / "pods" / "default" / "closing"
            scratch = Path(os.readlink(pod_dir / ".tektite"))
        return runtime.data_dir, pod_dir, scratch

    data_dir, pod_dir, scratch = run(scenario())
    assert not pod_dir.exists() and not scratch.exists()

    def emptied(trash: Path) -> bool:
        deadline = time.monotonic() + 20
        while trash.exists() and os.listdir(trash) and time.monotonic() < deadline:
            time.sleep(0.05)
        return not trash.exists() or not os.listdir(trash)

    # The scratch (tmpfs) has its own trash, beside the data directories' roots.
    assert emptied(data_dir / "trash") and emptied(scratch.parents[2] / "trash")
    left = data_dir / "trash" / "left-by-a-stopped-runtime" / "0"
    (left / "ws").mkdir(parents=True)
    (left / "ws" / "file").write_text("x")

    async def restart() -> None:
        async with open_runtime():  # the same data directory
            pass

    run(restart())
    assert emptied(data_dir / "trash")
