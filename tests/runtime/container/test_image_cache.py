"""Image configs kept across ``tektite run`` processes (``container.image_cache``): used
while podman's list of local images is unchanged, inspected again once it changes."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tektite.runtime.container.engine import ImageInfo
from tektite.runtime.container.image_cache import ImageInfoCache
from tests.container_images import BUSYBOX, container_engine_skip_reason, ensure_test_images

INFO = ImageInfo("sha256:1", ["/bin/app"], ["serve"], "1000", "linux/amd64", ["r@sha256:2"])


def rewrite(path: Path, text: str) -> None:
    """As podman writes its image list: a new file renamed over the old one."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def test_answers_hold_while_the_image_list_is_the_same_file(tmp_path: Path) -> None:
    images = tmp_path / "overlay-images" / "images.json"
    images.parent.mkdir()
    rewrite(images, "[]")
    cache = ImageInfoCache(tmp_path / "cache", images)
    assert cache.get("app") is None
    cache.put("app", INFO, cache.identity())
    # Another process (a later tektite run) reads it back.
    assert ImageInfoCache(tmp_path / "cache", images).get("app") == INFO
    rewrite(images, "[{}]")  # an image added, removed or tagged
    assert ImageInfoCache(tmp_path / "cache", images).get("app") is None


def test_an_answer_older_than_a_change_of_the_list_is_not_kept(tmp_path: Path) -> None:
    images = tmp_path / "images.json"
    rewrite(images, "[]")
    cache = ImageInfoCache(tmp_path / "cache", images)
    before = cache.identity()
    rewrite(images, "[{}]")  # changed while the inspection ran
    cache.put("app", INFO, before)
    assert ImageInfoCache(tmp_path / "cache", images).get("app") is None


def test_nothing_is_cached_without_an_image_list(tmp_path: Path) -> None:
    cache = ImageInfoCache(tmp_path / "cache", tmp_path / "missing.json")
    cache.put("app", INFO, cache.identity())
    assert cache.get("app") is None
    assert not (tmp_path / "cache").exists()


def test_a_second_run_does_not_inspect_a_tag_does(tmp_path: Path) -> None:
    """Through the real podman, behind a wrapper that logs each command it is given."""
    reason = container_engine_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    ensure_test_images()
    real = subprocess.run(["which", "podman"], capture_output=True, text=True).stdout.strip()
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    wrapper = bin_dir / "podman"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    tag = f"localhost/tektite/cache-test-{uuid.uuid4().hex[:8]}:latest"
    (tmp_path / "tr.yaml").write_text(
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {generateName: c-}\nspec:\n"
        "  taskSpec:\n    steps:\n    - {name: s, image: busybox, command: ['true']}\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k != "TEKTITE_RUNTIME"},
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "TEKTITE_HOME": str(tmp_path / "home"),
        "TEKTITE_IMAGE_MAP": f"busybox={BUSYBOX}",
    }

    def inspections() -> int:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "tektite",
                "run",
                "--runtime",
                "podman",
                str(tmp_path / "tr.yaml"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        lines = calls.read_text().splitlines()
        calls.unlink()
        return sum(line.startswith("image inspect") for line in lines)

    try:
        assert inspections() == 1
        assert inspections() == 0
        subprocess.run([real, "tag", BUSYBOX, tag], check=True)
        assert inspections() == 1
    finally:
        subprocess.run([real, "rmi", tag], capture_output=True, check=False)
