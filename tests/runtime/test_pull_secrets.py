"""The Pod's pull Secrets merged into one podman/docker auth file, as the kubelet's
``MakeDockerKeyring`` reads them: over the real SQLite store (``StoreClusterData``,
which knows Secret types) and over a dict-backed ``ClusterData`` without types."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from tekton_pod import DictCluster

from tektite.controller.adapters import StoreClusterData
from tektite.runtime.pull_secrets import (
    PullAuth,
    PullSecretsError,
    pull_auth,
    pull_secret_names,
)
from tektite.store.sqlite import SqliteStore


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def pod(*pulls: str, namespace: str = "team") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "step-a", "image": "reg.example/app"}]}
    if pulls:
        spec["imagePullSecrets"] = [{"name": p} for p in pulls]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": namespace},
        "spec": spec,
    }


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "t.db")


def add(store: SqliteStore, name: str, kind: str, **data: str) -> None:
    store.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": kind,
            "metadata": {"name": name, "namespace": "team"},
            "data": {k: b64(v) for k, v in data.items()},
        }
    )


CONFIG_JSON = "kubernetes.io/dockerconfigjson"
DOCKERCFG = "kubernetes.io/dockercfg"


def test_names_in_order_without_empty_ones() -> None:
    p = pod("a", "b")
    p["spec"]["imagePullSecrets"].append({})
    assert pull_secret_names(p) == ["a", "b"]
    assert pull_secret_names(pod()) == []


def test_merged_auth_file(store: SqliteStore, tmp_path: Path) -> None:
    add(
        store,
        "json",
        CONFIG_JSON,
        **{
            ".dockerconfigjson": json.dumps(
                {
                    "auths": {
                        "reg.example": {"username": "u1", "password": "p1"},
                        "https://index.docker.io/v1/": {"auth": b64("hub:tok")},
                    }
                }
            )
        },
    )
    # .dockercfg is the auths map itself; an unpadded auth is accepted, as the kubelet does.
    add(
        store,
        "cfg",
        DOCKERCFG,
        **{
            ".dockercfg": json.dumps(
                {
                    "reg.example": {"auth": b64("late:comer")},
                    "quay.io": {"auth": b64("q:uay").rstrip("="), "email": "me@x"},
                }
            )
        },
    )
    cluster = StoreClusterData(store, tmp_path)
    result = pull_auth(pod("json", "cfg", "gone"), cluster)
    assert result.missing == ("gone",)
    assert result.auths == {
        "reg.example": {"auth": b64("u1:p1")},  # the first Secret wins
        "https://index.docker.io/v1/": {"auth": b64("hub:tok")},
        "quay.io": {"auth": b64("q:uay"), "email": "me@x"},
    }
    text = result.config_json()
    assert text is not None and json.loads(text) == {"auths": result.auths}


def test_only_docker_typed_secrets_count_when_types_are_known(
    store: SqliteStore, tmp_path: Path
) -> None:
    config = json.dumps({"auths": {"reg.example": {"auth": b64("a:b")}}})
    add(store, "opaque", "Opaque", **{".dockerconfigjson": config})
    add(store, "wrong-key", CONFIG_JSON, **{".dockercfg": '{"x": {"auth": "eDp5"}}'})
    result = pull_auth(pod("opaque", "wrong-key"), StoreClusterData(store, tmp_path))
    assert result == PullAuth({}, ())
    assert result.config_json() is None


def test_without_types_the_key_decides() -> None:
    cluster = DictCluster(
        secrets={
            ("team", "s"): {".dockerconfigjson": b'{"auths": {"r.io": {"auth": "eDp5"}}}'},
            ("team", "plain"): {"token": b"abc"},
        }
    )
    assert pull_auth(pod("s", "plain"), cluster).auths == {"r.io": {"auth": "eDp5"}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", 'Secret "bad": .dockerconfigjson is not valid JSON: '),
        ('{"auths": []}', 'Secret "bad": .dockerconfigjson does not hold a map of registries'),
        (
            json.dumps({"auths": {"r.io": {"auth": b64("nocolon")}}}),
            'Secret "bad": auth of "r.io": error parsing auth: username and password '
            "must be separated by a ':'",
        ),
    ],
)
def test_invalid_secret_fails_the_pull(
    store: SqliteStore, tmp_path: Path, data: str, message: str
) -> None:
    add(store, "bad", CONFIG_JSON, **{".dockerconfigjson": data})
    with pytest.raises(PullSecretsError) as error:
        pull_auth(pod("bad"), StoreClusterData(store, tmp_path))
    assert str(error.value).startswith(message)
