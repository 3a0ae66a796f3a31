"""``podman create`` arguments from a manifest container (``container.plan``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tektite.runtime.container.plan import plan_container, resource_args, security_args
from tektite.runtime.container_env import ContainerConfigError
from tektite.runtime.volumes import HostVolume
from tests.runtime.tekton_pod import DictCluster

POD: dict[str, Any] = {
    "metadata": {"name": "p", "namespace": "ns", "uid": "u-1"},
    "spec": {"securityContext": {"runAsUser": 1000, "supplementalGroups": [5]}},
}


def test_container_context_wins_over_the_pod_s() -> None:
    args = security_args(POD, {"securityContext": {"runAsUser": 0, "runAsGroup": 7}}, "")
    assert args == ["--user", "0:7", "--group-add", "5"]
    assert security_args(POD, {}, "")[:2] == ["--user", "1000"]


def test_run_as_non_root_is_checked_against_the_image_user() -> None:
    container = {"name": "c", "securityContext": {"runAsNonRoot": True}}
    with pytest.raises(ContainerConfigError) as raised:
        security_args({"metadata": POD["metadata"], "spec": {}}, container, "root")
    assert raised.value.message == (
        'container has runAsNonRoot and image will run as root (pod: "p_ns(u-1)", container: c)'
    )
    assert security_args({"metadata": {}, "spec": {}}, container, "1001") == []


def test_limits_become_engine_limits() -> None:
    container = {"resources": {"limits": {"memory": "64Mi", "cpu": "500m"}}}
    assert resource_args(container) == ["--memory", str(64 * 2**20), "--cpus", "0.5"]


def test_secret_values_stay_off_the_command_line(tmp_path: Path) -> None:
    cluster = DictCluster(secrets={("ns", "s"): {"token": b"hunter2"}})
    volume = HostVolume("ws", "emptyDir", str(tmp_path / "ws"), False, owned=True)
    os.makedirs(volume.path)
    plan = plan_container(
        pod=POD,
        container={
            "name": "c",
            "image": "busybox",
            "command": ["sh", "-c"],
            "args": ["echo $(GREETING)"],
            "env": [
                {"name": "GREETING", "value": "hi"},
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token"}}},
            ],
            "volumeMounts": [{"name": "ws", "mountPath": "/workspace", "readOnly": True}],
            "workingDir": "/workspace/src",
        },
        volumes={"ws": volume},
        cluster=cluster,
        name="tektite-c",
        image="localhost/tektite/busybox:latest",
        image_user="",
        termination_file=tmp_path / "term",
        join=[],
        hostname="p",
        labels={"tektite.owner": "o"},
        passthrough=True,
    )
    assert "hunter2" not in " ".join(plan.args)
    assert plan.env["TOKEN"] == "hunter2"
    assert plan.args[plan.args.index("TOKEN") - 1] == "-e"
    assert f"{volume.path}:/workspace:ro" in plan.args
    assert f"{tmp_path / 'term'}:/dev/termination-log" in plan.args
    image_at = plan.args.index("localhost/tektite/busybox:latest")
    assert plan.args[image_at + 1 :] == ["echo hi"]  # args, $(VAR)-expanded
    assert plan.args[image_at - 2 : image_at] == ["--entrypoint", '["sh", "-c"]']
    assert plan.args[plan.args.index("--workdir") : plan.args.index("--workdir") + 2] == [
        "--workdir",
        "/workspace/src",
    ]


def test_docker_takes_the_executable_as_entrypoint_and_the_rest_after_the_image(
    tmp_path: Path,
) -> None:
    """docker's ``--entrypoint`` is one executable (podman's may be a JSON list): the
    rest of ``command`` goes after the image, before ``args``. Given a JSON list, docker
    tried to run a file called ``["sh", "-c"]``."""

    def args(container: dict[str, Any]) -> list[str]:
        plan = plan_container(
            pod=POD,
            container={"name": "c", "image": "busybox", **container},
            volumes={},
            cluster=DictCluster(),
            name="tektite-c",
            image="bb",
            image_user="",
            termination_file=tmp_path / "term",
            join=[],
            hostname="p",
            labels={},
            passthrough=False,
            json_entrypoint=False,
        )
        return (
            plan.args[plan.args.index("--entrypoint") :]
            if "--entrypoint" in plan.args
            else (plan.args[plan.args.index("bb") :])
        )

    both = {"command": ["sh", "-c"], "args": ["echo hi"]}
    assert args(both) == ["--entrypoint", "sh", "bb", "-c", "echo hi"]
    assert args({"command": ["/bin/true"]}) == ["--entrypoint", "/bin/true", "bb"]
    assert args({"args": ["x"]}) == ["bb", "x"]  # the image's ENTRYPOINT runs
