"""Pod volumes materialised as host directories."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from tekton_pod import DictCluster

from tektite.runtime.volumes import (
    VolumeError,
    materialise_volumes,
    refresh_downward,
    remove_pod_dir,
    remove_pod_dirs,
)


def pod(volumes: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", **meta},
        "spec": {
            "containers": [{"name": "c", "resources": {"limits": {"cpu": "2"}}}],
            "volumes": volumes,
        },
    }


@pytest.fixture
def cluster(tmp_path: Path) -> DictCluster:
    data = DictCluster()
    data.config_maps[("ns", "cm")] = {"a.txt": b"alpha", "b.txt": b"beta"}
    data.secrets[("ns", "sec")] = {"user": b"admin", "pass": b"\x00\x01secret"}
    data.claims[("ns", "claim")] = str(tmp_path / "claims" / "claim")
    return data


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_empty_dir_and_claim(tmp_path: Path, cluster: DictCluster) -> None:
    volumes = materialise_volumes(
        pod(
            [
                {"name": "scratch", "emptyDir": {}},
                {"name": "memory", "emptyDir": {"medium": "Memory"}},
                {"name": "data", "persistentVolumeClaim": {"claimName": "claim", "readOnly": True}},
            ]
        ),
        tmp_path / "pod",
        cluster,
    )
    assert mode_of(Path(volumes["scratch"].path)) == 0o777
    assert volumes["scratch"].owned and not volumes["scratch"].read_only
    assert volumes["data"].path == str(tmp_path / "claims" / "claim")
    assert volumes["data"].read_only and not volumes["data"].owned
    remove_pod_dir(tmp_path / "pod")
    assert not (tmp_path / "pod").exists()
    assert (tmp_path / "claims" / "claim").is_dir()


def test_config_map_and_secret_files(tmp_path: Path, cluster: DictCluster) -> None:
    volumes = materialise_volumes(
        pod(
            [
                {"name": "all", "configMap": {"name": "cm"}},
                {
                    "name": "some",
                    "configMap": {
                        "name": "cm",
                        "defaultMode": 0o440,
                        "items": [
                            {"key": "a.txt", "path": "sub/dir/first"},
                            {"key": "b.txt", "path": "second", "mode": 0o400},
                        ],
                    },
                },
                {"name": "sec", "secret": {"secretName": "sec", "defaultMode": 0o600}},
            ]
        ),
        tmp_path / "pod",
        cluster,
    )
    everything = Path(volumes["all"].path)
    assert sorted(os.listdir(everything)) == ["a.txt", "b.txt"]
    assert (everything / "a.txt").read_bytes() == b"alpha"
    assert mode_of(everything / "a.txt") == 0o644
    some = Path(volumes["some"].path)
    assert (some / "sub" / "dir" / "first").read_bytes() == b"alpha"
    assert mode_of(some / "sub" / "dir" / "first") == 0o440
    assert mode_of(some / "second") == 0o400
    assert not (some / "b.txt").exists()
    secret = Path(volumes["sec"].path)
    assert (secret / "pass").read_bytes() == b"\x00\x01secret"
    assert mode_of(secret / "user") == 0o600
    assert volumes["all"].read_only and volumes["sec"].read_only


@pytest.mark.parametrize(
    ("volume", "message"),
    [
        (
            {"name": "v", "configMap": {"name": "missing"}},
            'MountVolume.SetUp failed for volume "v" : configmaps "missing" not found',
        ),
        (
            {"name": "v", "secret": {"secretName": "missing"}},
            'MountVolume.SetUp failed for volume "v" : secrets "missing" not found',
        ),
        (
            {"name": "v", "configMap": {"name": "cm", "items": [{"key": "zz", "path": "x"}]}},
            'MountVolume.SetUp failed for volume "v" : '
            "configmap references non-existent config key: zz",
        ),
        (
            {"name": "v", "persistentVolumeClaim": {"claimName": "nope"}},
            'MountVolume.SetUp failed for volume "v" : persistentvolumeclaim "nope" not found',
        ),
    ],
)
def test_missing_sources(
    tmp_path: Path, cluster: DictCluster, volume: dict[str, Any], message: str
) -> None:
    with pytest.raises(VolumeError) as raised:
        materialise_volumes(pod([volume]), tmp_path / "pod", cluster)
    assert raised.value.message == message
    assert not raised.value.permanent


def test_optional_sources_and_unsupported(tmp_path: Path, cluster: DictCluster) -> None:
    volumes = materialise_volumes(
        pod(
            [
                {"name": "o1", "configMap": {"name": "missing", "optional": True}},
                {
                    "name": "o2",
                    "secret": {
                        "secretName": "sec",
                        "optional": True,
                        "items": [{"key": "nope", "path": "n"}, {"key": "user", "path": "u"}],
                    },
                },
            ]
        ),
        tmp_path / "pod",
        cluster,
    )
    assert os.listdir(volumes["o1"].path) == []
    assert os.listdir(volumes["o2"].path) == ["u"]
    with pytest.raises(VolumeError) as raised:
        materialise_volumes(pod([{"name": "n", "nfs": {"server": "x"}}]), tmp_path / "p2", cluster)
    assert raised.value.permanent
    assert "does not support nfs volumes" in raised.value.message


def test_downward_api_and_refresh(tmp_path: Path, cluster: DictCluster) -> None:
    manifest = pod(
        [
            {
                "name": "down",
                "downwardAPI": {
                    "items": [
                        {
                            "path": "ready",
                            "fieldRef": {"fieldPath": "metadata.annotations['tekton.dev/ready']"},
                        },
                        {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                        {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}},
                        {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
                        {
                            "path": "cpu",
                            "resourceFieldRef": {"containerName": "c", "resource": "limits.cpu"},
                        },
                    ]
                },
            },
            {
                "name": "proj",
                "projected": {
                    "defaultMode": 0o444,
                    "sources": [
                        {"configMap": {"name": "cm", "items": [{"key": "a.txt", "path": "a"}]}},
                        {"secret": {"name": "sec", "items": [{"key": "user", "path": "u"}]}},
                        {
                            "downwardAPI": {
                                "items": [
                                    {"path": "ns", "fieldRef": {"fieldPath": "metadata.namespace"}}
                                ]
                            }
                        },
                        {"serviceAccountToken": {"path": "token"}},
                    ],
                },
            },
        ],
        labels={"b": "2", "a": 'quo"te\n'},
        annotations={},
    )
    volumes = materialise_volumes(manifest, tmp_path / "pod", cluster)
    down = Path(volumes["down"].path)
    assert (down / "ready").read_text() == ""
    assert (down / "labels").read_text() == 'a="quo\\"te\\n"\nb="2"'
    assert (down / "name").read_text() == "p"
    assert (down / "cpu").read_text() == "2"
    projected = Path(volumes["proj"].path)
    assert sorted(os.listdir(projected)) == ["a", "ns", "token", "u"]
    assert (projected / "ns").read_text() == "ns"
    assert mode_of(projected / "a") == 0o444
    manifest["metadata"]["annotations"] = {"tekton.dev/ready": "READY"}
    refresh_downward(manifest, volumes, cluster)
    assert (down / "ready").read_text() == "READY"
    assert (down / "annotations").read_text() == 'tekton.dev/ready="READY"'


def test_host_path(tmp_path: Path, cluster: DictCluster) -> None:
    target = tmp_path / "host" / "made"
    volumes = materialise_volumes(
        pod([{"name": "h", "hostPath": {"path": str(target), "type": "DirectoryOrCreate"}}]),
        tmp_path / "pod",
        cluster,
    )
    assert target.is_dir()
    assert volumes["h"].path == str(target) and not volumes["h"].owned
    with pytest.raises(VolumeError, match="is not a directory"):
        materialise_volumes(
            pod([{"name": "h", "hostPath": {"path": str(tmp_path / "none"), "type": "Directory"}}]),
            tmp_path / "pod2",
            cluster,
        )


def test_pod_dirs_are_removed_without_following_links(tmp_path: Path) -> None:
    """Several Pods' directories, removed in place: all gone; data reached through a
    symlink (a claim, a hostPath) is kept. With a trash, each
    Pod's directories are moved there at once and the trash empties by itself."""
    kept = tmp_path / "claim"
    kept.mkdir()
    (kept / "data").write_text("keep me")

    def pods(prefix: str) -> list[list[Path]]:
        made = []
        for i in range(7):
            pod_dir = tmp_path / prefix / "pods" / f"p{i}"
            scratch = tmp_path / prefix / "scratch" / f"p{i}"
            (scratch / "volumes" / "v").mkdir(parents=True)
            (scratch / "volumes" / "v" / "f").write_text("x")
            pod_dir.mkdir(parents=True)
            (pod_dir / ".tektite").symlink_to(scratch)
            (pod_dir / "ws").symlink_to(kept)
            made.append([pod_dir, scratch])
        return made

    in_place = pods("a")
    asyncio.run(remove_pod_dirs(in_place))
    assert not [p for pod in in_place for p in pod if os.path.lexists(p)]
    # A trash for each directory of a Pod; the scratch one on the scratch's filesystem.
    trash = [tmp_path / "b" / "trash", tmp_path / "b" / "scratch-trash"]
    trashed = pods("b")
    asyncio.run(remove_pod_dirs(trashed, trash))
    # Gone from where they were as soon as the call returns; the trash, soon after.
    assert not [p for pod in trashed for p in pod if os.path.lexists(p)]
    deadline = time.monotonic() + 20
    while any(os.listdir(t) for t in trash) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [os.listdir(t) for t in trash] == [[], []]
    assert (kept / "data").read_text() == "keep me"


def test_a_directory_of_only_these_pods_is_moved_whole(tmp_path: Path) -> None:
    """Where a namespace's directory holds nothing but the Pods removed, it goes to the
    trash in one rename (a disk pays for each); one that also holds another Pod (say,
    of a runtime that died) keeps it, and only these Pods go."""
    trash = [tmp_path / "trash"]

    def pods(namespace: str, names: list[str]) -> list[list[Path]]:
        made = [tmp_path / "pods" / namespace / name for name in names]
        for pod_dir in made:
            (pod_dir / "ws").mkdir(parents=True)
        return [[pod_dir] for pod_dir in made]

    alone = pods("alone", ["a", "b"])
    shared = pods("shared", ["c", "d"])
    (tmp_path / "pods" / "shared" / "orphan").mkdir()
    asyncio.run(remove_pod_dirs([*alone, *shared], trash))
    assert not (tmp_path / "pods" / "alone").exists()
    assert sorted(os.listdir(tmp_path / "pods" / "shared")) == ["orphan"]
    deadline = time.monotonic() + 20
    while os.listdir(trash[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert os.listdir(trash[0]) == []
