"""The image-map matching rule (``runtime.image_map``)."""

from __future__ import annotations

import pytest

from tektite.engine.pod import PodImages
from tektite.runtime.image_map import (
    ImageMap,
    ImageMapError,
    mapped_pod_images,
    parse_ref,
    rewrite_pod_images,
)

LOCAL = "localhost/tektite/busybox:latest"


def test_docker_hub_defaults_make_one_reference() -> None:
    for name in (
        "busybox",
        "busybox:latest",
        "docker.io/busybox",
        "index.docker.io/library/busybox",
    ):
        assert parse_ref(name).normalized == "docker.io/library/busybox:latest"
    assert parse_ref("localhost:5000/a/b:1").repository == "localhost:5000/a/b"
    assert parse_ref("gcr.io/x/y@sha256:ab").normalized == "gcr.io/x/y@sha256:ab"


def test_exact_then_normalized_then_repository() -> None:
    images = ImageMap.parse(
        ["busybox=" + LOCAL, "ubuntu=deb", "docker.io/library/ubuntu:22.04=jammy", "alpine:3=a3"]
    )
    assert images.rewrite("busybox") == LOCAL
    assert images.rewrite("docker.io/library/busybox:latest") == LOCAL
    assert images.rewrite("busybox:1.36") == LOCAL  # SRC without tag: any tag
    assert images.rewrite("busybox@sha256:0123") == LOCAL  # and any digest
    assert images.rewrite("ubuntu:22.04") == "jammy"  # the more specific rule wins
    assert images.rewrite("ubuntu:24.04") == "deb"
    assert images.rewrite("alpine:3") == "a3"
    assert images.rewrite("alpine:3.20") == "alpine:3.20"  # a tagged SRC matches its tag only
    assert images.rewrite("gcr.io/busybox") == "gcr.io/busybox"  # another registry
    assert images.rewrite("cgr.dev/chainguard/busybox") == "cgr.dev/chainguard/busybox"


def test_environment_then_command_line() -> None:
    env = {"TEKTITE_IMAGE_MAP": "busybox=a, ubuntu=b"}
    images = ImageMap.from_sources(["busybox=c"], environ=env)
    assert images.rewrite("busybox") == "c"
    assert images.rewrite("ubuntu") == "b"
    assert not ImageMap.from_sources([], environ={})


@pytest.mark.parametrize("rule", ["busybox", "=x", "busybox="])
def test_malformed_rule_is_named(rule: str) -> None:
    with pytest.raises(ImageMapError, match=f"--image-map: expected SRC=DST, got {rule!r}"):
        ImageMap.parse([rule])


def test_pods_and_tekton_images_are_rewritten() -> None:
    images = ImageMap.parse(["busybox=" + LOCAL])
    pod = {"spec": {"initContainers": [{"image": "busybox"}], "containers": [{"image": "x"}]}}
    rewritten = rewrite_pod_images(pod, images)
    assert rewritten["spec"]["initContainers"][0]["image"] == LOCAL
    assert rewritten["spec"]["containers"][0]["image"] == "x"
    assert pod["spec"]["initContainers"][0]["image"] == "busybox"  # the original is kept
    assert mapped_pod_images(PodImages(), images).shell == LOCAL
