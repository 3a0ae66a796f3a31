"""Mount plans (namespace mode), host mountpoints and path rewriting (fallback mode)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tektite.runtime.container_env import ContainerConfigError
from tektite.runtime.mounts import (
    HostMountpoints,
    Mount,
    Rewriter,
    build_view,
    container_mounts,
    namespace_plan,
)
from tektite.runtime.volumes import HostVolume


def volume(name: str, path: Path, read_only: bool = False) -> HostVolume:
    path.mkdir(parents=True, exist_ok=True)
    return HostVolume(name, "emptyDir", str(path), read_only, owned=True)


def test_container_mounts_sub_paths(tmp_path: Path) -> None:
    volumes = {
        "data": volume("data", tmp_path / "data"),
        "cfg": volume("cfg", tmp_path / "cfg", read_only=True),
    }
    (tmp_path / "cfg" / "file.txt").write_text("x")
    container = {
        "name": "c",
        "volumeMounts": [
            {"name": "data", "mountPath": "/work/", "subPath": "a/b"},
            {"name": "data", "mountPath": "/logs", "subPathExpr": "logs/$(POD)"},
            {"name": "cfg", "mountPath": "/etc/file.txt", "subPath": "file.txt"},
            {"name": "data", "mountPath": "/ro", "readOnly": True},
        ],
    }
    mounts = container_mounts(container, volumes, {"POD": "p1"})
    assert mounts == [
        Mount(str(tmp_path / "data" / "a" / "b"), "/work", False, False),
        Mount(str(tmp_path / "data" / "logs" / "p1"), "/logs", False, False),
        Mount(str(tmp_path / "cfg" / "file.txt"), "/etc/file.txt", True, True),
        Mount(str(tmp_path / "data"), "/ro", True, False),
    ]
    assert (tmp_path / "data" / "logs" / "p1").is_dir()
    with pytest.raises(ContainerConfigError, match='cannot find volume "nope"'):
        container_mounts({"volumeMounts": [{"name": "nope", "mountPath": "/x"}]}, volumes, {})
    with pytest.raises(ContainerConfigError, match="subPath"):
        container_mounts(
            {"volumeMounts": [{"name": "data", "mountPath": "/x", "subPath": "../up"}]},
            volumes,
            {},
        )


def test_namespace_plan(tmp_path: Path) -> None:
    missing_top = f"/tektite-test-{os.getpid()}"
    mounts = [
        Mount("/src/run0", f"{missing_top}/run/0", False, False),
        Mount("/src/ws", "/workspace-test-x", False, False),
        Mount("/src/nested", "/workspace-test-x/source", False, False),
        Mount("/src/term", f"{missing_top}/termination", False, True),
        Mount("/src/etc", str(tmp_path / "exists" / "conf"), True, False),
    ]
    (tmp_path / "exists").mkdir()
    plan = namespace_plan(mounts, set())
    order = [m.target for m in plan.mounts]
    assert order.index("/workspace-test-x") < order.index("/workspace-test-x/source")
    assert plan.tmpfs == [missing_top]
    assert sorted(plan.host_dirs) == sorted(
        [missing_top, "/workspace-test-x", str(tmp_path / "exists" / "conf")]
    )
    assert plan.host_files == []
    # A top this runtime created earlier is still covered by a tmpfs.
    again = namespace_plan(mounts[:1], {missing_top})
    assert again.tmpfs == [missing_top]


def test_a_working_dir_outside_the_volumes_is_made_in_the_container(tmp_path: Path) -> None:
    """``workingDir: /a/path/too/far`` (Tekton's workingdir example) used to be made on
    the host and left there: its missing top is covered by a tmpfs like a mountpoint's,
    so the container makes it there. One under a volume, or under a directory the host
    has, is left as it was."""
    missing_top = f"/tektite-test-{os.getpid()}"
    volume = [Mount("/src/ws", "/workspace-test-y", False, False)]
    plan = namespace_plan(volume, set(), f"{missing_top}/path/too/far")
    assert plan.tmpfs == [missing_top]
    assert plan.host_dirs == ["/workspace-test-y", missing_top]
    for kept in ("/workspace-test-y/sub", str(tmp_path / "sub"), "/"):
        plan = namespace_plan(volume, set(), kept)
        assert (plan.tmpfs, plan.host_dirs) == ([], ["/workspace-test-y"])


def test_a_top_another_runtime_just_made_covers_the_working_dir(tmp_path: Path) -> None:
    """Two runtimes at once: one makes a top-level mountpoint a moment after the other
    read ``tops()`` (on a lock file left by an earlier run, so the registry's listing
    did not change). ``tops()`` is stale then; the working directory's top must still
    be seen as Tektite's, or the container makes ``workingDir`` on the host and it stays
    there (found by the run fuzzer: Tekton's workingdir example, run twice at once,
    left ``/a/path/too/far`` in 12 of 60 tries)."""
    if not os.access("/", os.W_OK):
        pytest.skip("needs to make a directory at / (root)")
    top = f"/tektite-race-{os.getpid()}"
    registry = tmp_path / "registry"
    first, second = HostMountpoints(registry), HostMountpoints(registry)
    second.acquire("earlier", [top], [])  # an earlier run leaves the lock file behind
    second.release("earlier")
    assert not os.path.exists(top)
    assert top not in first.tops()  # read now, and remembered
    second.acquire("pod", [top], [])
    try:
        assert os.path.isdir(top)
        assert top not in first.tops()  # stale: the registry's listing is unchanged
        working_dir = f"{top}/path/too/far"
        tops = first.virtual_tops(working_dir)
        assert top in tops
        assert namespace_plan([], tops, working_dir).tmpfs == [top]
        # A directory the host has is not covered.
        assert str(tmp_path) not in first.virtual_tops(str(tmp_path / "sub"))
    finally:
        second.release("pod")
    assert not os.path.exists(top)


def test_a_path_that_cannot_be_made_is_left_unmarked(tmp_path: Path) -> None:
    """``acquire`` marks a path before making it (so that whoever sees it exist knows it
    is Tektite's): when a file is in the way the mark is taken back, and the file is
    never taken for Tektite's (``collect_stale`` would remove an empty one)."""
    registry = tmp_path / "registry"
    blocker = tmp_path / "file"
    blocker.write_text("")
    mountpoints = HostMountpoints(registry)
    mountpoints.acquire("pod", [str(blocker / "dir")], [])
    assert not mountpoints._marked_now(str(blocker / "dir"))
    mountpoints.release("pod")
    HostMountpoints(registry).collect_stale()
    assert blocker.is_file()


def test_host_mountpoints_are_reference_counted(tmp_path: Path) -> None:
    registry = HostMountpoints(tmp_path / "registry")
    made = tmp_path / "a" / "b"
    file = tmp_path / "a" / "f"
    registry.acquire("pod-1", [str(made)], [str(file)])
    registry.acquire("pod-2", [str(made)], [])
    assert made.is_dir() and file.is_file()
    registry.release("pod-1")
    assert made.is_dir() and not file.exists()
    (made / "content").write_text("kept")
    registry.release("pod-2")
    assert (made / "content").exists()  # not empty: left alone
    (made / "content").unlink()
    pre_existing = tmp_path / "pre"
    pre_existing.mkdir()
    registry.acquire("pod-3", [str(pre_existing / "inner")], [])
    registry.release("pod-3")
    assert pre_existing.is_dir() and not (pre_existing / "inner").exists()
    registry.close()


def test_a_file_in_the_way_is_left_to_the_container_s_mount(tmp_path: Path) -> None:
    """A file where a mountpoint's parent directory must be (``/foo`` a file, a volume
    at ``/foo/bar/baz``) used to raise out of the Pod's set-up, which then waited
    unseen: the other mountpoints are made, and the container's own mount fails and
    says so (a StartError, as with runc)."""
    registry = HostMountpoints(tmp_path / "registry")
    in_the_way = tmp_path / "foo"
    in_the_way.write_text("\n")
    other = tmp_path / "baz" / "quux"
    registry.acquire("pod", [str(in_the_way / "bar" / "baz"), str(other)], [])
    assert in_the_way.is_file() and other.is_dir()
    registry.release("pod")
    assert in_the_way.is_file() and not other.exists()
    registry.close()


def test_stale_mountpoints_are_collected(tmp_path: Path) -> None:
    """A runtime that ended without releasing leaves marked paths; the next one
    removes those nobody holds (only if empty)."""
    crashed = HostMountpoints(tmp_path / "registry")
    crashed.acquire("pod", [str(tmp_path / "top" / "inner")], [str(tmp_path / "top" / "f")])
    (tmp_path / "kept").mkdir()
    crashed.acquire("pod", [str(tmp_path / "kept" / "busy")], [])
    (tmp_path / "kept" / "busy" / "data").write_text("x")
    crashed.close()  # its locks go, as when its process ends
    HostMountpoints(tmp_path / "registry").collect_stale()
    assert not (tmp_path / "top").exists()
    assert (tmp_path / "kept" / "busy" / "data").exists()


def test_host_mountpoints_are_shared_between_runtimes(tmp_path: Path) -> None:
    """A second runtime (its own lock fds, like another process) keeps a path alive."""
    first = HostMountpoints(tmp_path / "registry")
    second = HostMountpoints(tmp_path / "registry")
    top = tmp_path / "top"
    first.acquire("pod-a", [str(top)], [])
    second.acquire("pod-b", [str(top)], [])
    first.release("pod-a")
    assert top.is_dir()  # still in use by the other runtime
    second.release("pod-b")
    assert not top.exists()
    first.close()
    second.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/workspace", "/H/ws"),
        ("/workspace/src/file", "/H/ws/src/file"),
        ("--dir=/workspace/x", "--dir=/H/ws/x"),
        ("a:/tekton/bin:b", "a:/V/tekton/bin:b"),
        ("/tekton/termination", "/T/term"),
        ("/tekton/termination-x", "/V/tekton/termination-x"),
        ("/workspaces", "/workspaces"),
        ("x/workspace", "x/workspace"),
        ("QUJD/tekton/bin", "QUJD/tekton/bin"),
        ("'/workspace' \"/tekton\"", "'/H/ws' \"/V/tekton\""),
        ("cd /workspace && ls /tekton/results", "cd /H/ws && ls /V/tekton/results"),
    ],
)
def test_rewriter(text: str, expected: str) -> None:
    rewriter = Rewriter()
    rewriter.add("/tekton", "/V/tekton")
    rewriter.add("/workspace/", "/H/ws")
    rewriter.add("/tekton/termination", "/T/term")
    assert rewriter.rewrite(text) == expected


def test_view(tmp_path: Path) -> None:
    sources = {name: tmp_path / "src" / name for name in ("ws", "bin", "nested")}
    for path in sources.values():
        path.mkdir(parents=True)
    placed: dict[str, str] = {}
    view = tmp_path / "view"
    build_view(
        view,
        [
            Mount(str(sources["ws"]), "/workspace", False, False),
            Mount(str(sources["nested"]), "/workspace/source", False, False),
            Mount(str(sources["bin"]), "/tekton/bin", True, False),
        ],
        placed,
    )
    build_view(view, [Mount(str(tmp_path), "/tekton/bin", False, False)], placed)
    assert os.readlink(view / "tekton" / "bin") == str(sources["bin"])
    assert os.readlink(sources["ws"] / "source") == str(sources["nested"])
    assert placed["/tekton/bin"] == str(sources["bin"])
