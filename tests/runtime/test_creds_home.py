"""A host-process step that receives creds-init credentials gets a private ``$HOME``
(real directories; the bind mount itself is exercised end to end in
``tests/controller/test_credentials_host.py``)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tektite.runtime.creds_home import copies_credentials, private_home


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (["-post_file", "/tekton/run/0/out", "-basic-git=s=https://h", "--", "x"], True),
        (["--docker-config=s", "--"], True),  # Go's flag package takes two dashes too
        (["-docker-cfg=s"], True),
        (["-post_file", "x", "--", "-ssh-git=s=h"], False),  # the step's own argument
        (["-basic-gitx", "--"], False),
        ([], False),
    ],
)
def test_copies_credentials(args: list[str], want: bool) -> None:
    assert copies_credentials({"name": "step-a", "args": args}) is want


def test_private_home_mounted_over_the_passwd_home(tmp_path: Path) -> None:
    passwd_home = tmp_path / "root"
    passwd_home.mkdir()
    home, target = private_home(
        tmp_path / "homes" / "step-a", str(passwd_home), None, None, can_mount=True
    )
    assert (home, target) == (str(passwd_home), str(passwd_home))
    assert stat.S_IMODE((tmp_path / "homes" / "step-a").stat().st_mode) == 0o700


@pytest.mark.parametrize("passwd_home", ["/", "/nonexistent-home"])
def test_user_without_a_home_gets_the_pods_home_volume(tmp_path: Path, passwd_home: str) -> None:
    directory = tmp_path / "homes" / "step-a"
    assert private_home(directory, passwd_home, 4242, 0, can_mount=True) == ("/tekton/home", None)
    assert not directory.exists()


def test_without_mounts_home_names_the_directory(tmp_path: Path) -> None:
    directory = tmp_path / "homes" / "step-a"
    assert private_home(directory, str(tmp_path), None, None, can_mount=False) == (
        str(directory),
        None,
    )
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a directory's owner needs root")
def test_private_home_belongs_to_the_container_user(tmp_path: Path) -> None:
    directory = tmp_path / "homes" / "step-a"
    passwd_home = tmp_path / "home"
    passwd_home.mkdir()
    private_home(directory, str(passwd_home), 1000, 1000, can_mount=True)
    info = directory.stat()
    assert (info.st_uid, info.st_gid) == (1000, 1000)
