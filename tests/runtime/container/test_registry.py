"""Pulls from a real registry, on podman and on docker: a private image is pulled with
the Pod's ``imagePullSecrets`` and runs; without them the pull is refused and the
TaskRun fails as Tekton's does.

The registry is Debian's ``docker-registry`` (``distribution``), on 127.0.0.1 over plain
HTTP with htpasswd authentication, holding the local busybox image pushed from podman.
podman is told the registry is insecure through ``CONTAINERS_REGISTRIES_CONF`` (docker
treats 127.0.0.0/8 as insecure by default). Before each run the image is removed from
the engine's store, so every pull is a real one.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.container_images import (
    BUSYBOX,
    container_engine_skip_reason,
    ensure_test_images,
)
from tests.runtime.container.conftest import Outcome, run_on_engine

USER, PASSWORD = "tek", "s3cret"


def _htpasswd_line() -> str:
    # (crypt is deprecated, yet the one bcrypt at hand: libxcrypt's, with no package.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    return f"{USER}:{crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH))}\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``localhost:<port>``: a registry holding ``tektite/busybox:1`` behind a password."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.skip("no docker-registry here (scripts/setup-containers installs it)")
    reason = container_engine_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    ensure_test_images()
    root = tmp_path_factory.mktemp("registry")
    port = _free_port()
    (root / "htpasswd").write_text(_htpasswd_line())
    config = {
        "version": 0.1,
        "log": {"level": "error"},
        "storage": {"filesystem": {"rootdirectory": str(root / "data")}},
        "http": {"addr": f"127.0.0.1:{port}"},
        "auth": {"htpasswd": {"realm": "tektite-test", "path": str(root / "htpasswd")}},
    }
    (root / "config.yml").write_text(yaml.safe_dump(config))
    server = subprocess.Popen(
        [binary, "serve", str(root / "config.yml")],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "registry.log", "wb"),  # noqa: SIM115 (the server's, until it ends)
    )
    location = f"localhost:{port}"
    conf = root / "registries.conf"
    conf.write_text(f'[[registry]]\nlocation = "{location}"\ninsecure = true\n')
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONTAINERS_REGISTRIES_CONF", str(conf))
        try:
            _wait_for(f"http://{location}/v2/", server)
            pushed = subprocess.run(
                [
                    *("podman", "push", "-q", "--tls-verify=false"),
                    *("--creds", f"{USER}:{PASSWORD}", BUSYBOX, f"{location}/tektite/busybox:1"),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            assert pushed.returncode == 0, pushed.stderr
            yield location
        finally:
            server.terminate()
            server.wait()


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # 401: it answers
        except OSError:
            assert server.poll() is None, "the registry exited"
            assert time.monotonic() < deadline, "the registry never answered"
            time.sleep(0.05)


def _run(engine: str, location: str, tmp_path: Path, *, secret: str | None) -> Outcome:
    image = f"{location}/tektite/busybox:1"
    # Not in the engine's store: the run must pull it.
    subprocess.run([engine, "rmi", "-f", image], capture_output=True, check=False)
    documents = []
    spec: dict[str, object] = {
        "taskSpec": {"steps": [{"name": "s", "image": image, "script": "echo pulled"}]}
    }
    if secret is not None:
        auth = base64.b64encode(f"{USER}:{secret}".encode()).decode()
        config = json.dumps({"auths": {location: {"auth": auth}}})
        documents.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "pull"},
                "type": "kubernetes.io/dockerconfigjson",
                "data": {".dockerconfigjson": base64.b64encode(config.encode()).decode()},
            }
        )
        spec["podTemplate"] = {"imagePullSecrets": [{"name": "pull"}]}
    documents.append(
        {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "pr"}, "spec": spec}
    )
    text = yaml.safe_dump_all(documents)
    return asyncio.run(run_on_engine(text, tmp_path / "home", runtime=engine, timeout=120))


def test_a_private_image_is_pulled_with_the_pod_s_pull_secret(
    engine: str, registry: str, tmp_path: Path
) -> None:
    outcome = _run(engine, registry, tmp_path, secret=PASSWORD)
    assert outcome.condition["reason"] == "Succeeded", outcome.run["status"]
    assert outcome.logs["default/pr-pod/step-s.log"] == "pulled\n"
    present = subprocess.run(
        [engine, "image", "inspect", f"{registry}/tektite/busybox:1"], capture_output=True
    )
    assert present.returncode == 0  # pulled into the engine's store


@pytest.mark.parametrize("secret", [None, "wrong"], ids=["no-secret", "wrong-password"])
def test_a_refused_pull_fails_the_taskrun(
    engine: str, registry: str, tmp_path: Path, secret: str | None
) -> None:
    """Tekton's ``TaskRunImagePullFailed`` once the kubelet backs off; the message ends
    with the engine's own reason (a cluster's containerd words it otherwise)."""
    outcome = _run(engine, registry, tmp_path, secret=secret)
    image = f"{registry}/tektite/busybox:1"
    condition = outcome.condition
    assert condition["reason"] == "TaskRunImagePullFailed", outcome.run["status"]
    prefix = (
        'the step "s" in TaskRun "pr" failed to pull the image "". The pod errored with the '
        f'message: "Back-off pulling image "{image}": failed to pull image "{image}": '
    )
    assert condition["message"].startswith(prefix), condition["message"]
    refusal = {
        ("podman", None): "unauthorized: authentication required",
        ("podman", "wrong"): "unauthorized: authentication required",
        ("docker", None): "no basic auth credentials",
        ("docker", "wrong"): "unauthorized: authentication required",
    }[engine, secret]
    assert refusal in condition["message"], condition["message"]
    assert "default/pr-pod/step-s.log" not in outcome.logs  # nothing ran
