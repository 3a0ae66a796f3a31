"""A Pod's ``imagePullSecrets`` become the auth file the engine's pull is given (the
file itself is checked here; ``test_registry`` pulls with it from a real registry)."""

from __future__ import annotations

import asyncio
import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from tektite.engine.pod import PodImages
from tektite.runtime.container.engine import Engine
from tektite.runtime.container.pod import ERR_IMAGE_PULL, ContainerPod, PodContext, PullError
from tektite.runtime.image_map import ImageMap
from tests.runtime.tekton_pod import DictCluster


def _pod(secrets: list[str]) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": "ns", "uid": "0123456789"},
        "spec": {
            "imagePullSecrets": [{"name": n} for n in secrets],
            "containers": [{"name": "step-a", "image": "registry.example/x"}],
        },
    }


def _context(tmp_path: Path, cluster: DictCluster) -> PodContext:
    async def unused(*_: Any) -> Any:
        raise AssertionError("not called")

    return PodContext(
        data_dir=tmp_path,
        cluster=cluster,
        engine=Engine("podman", "podman"),
        image_map=ImageMap(),
        owner="o",
        nop_image="nop",
        infra_image="busybox",
        entrypoint_binary=unused,
        images=unused,
        pod_images=PodImages(),
        notify=lambda _key: None,
        mask_patterns=lambda _pod: [],
    )


def test_pull_secrets_become_the_pull_s_auth_file(tmp_path: Path) -> None:
    auth = base64.b64encode(b"me:pw").decode()
    config = json.dumps({"auths": {"registry.example": {"auth": auth}}}).encode()
    cluster = DictCluster(secrets={("ns", "regcred"): {".dockerconfigjson": config}})

    async def main() -> str | None:
        pod = ContainerPod(_context(tmp_path, cluster), _pod(["missing", "regcred"]))
        return pod._authfile()

    path = asyncio.run(main())
    assert path is not None
    assert json.loads(Path(path).read_text()) == {"auths": {"registry.example": {"auth": auth}}}
    assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600


def test_invalid_pull_secret_fails_the_pull(tmp_path: Path) -> None:
    cluster = DictCluster(secrets={("ns", "bad"): {".dockerconfigjson": b"{not json"}})

    async def main() -> None:
        pod = ContainerPod(_context(tmp_path, cluster), _pod(["bad"]))
        pod._authfile()

    with pytest.raises(PullError) as raised:
        asyncio.run(main())
    assert raised.value.reason == ERR_IMAGE_PULL
