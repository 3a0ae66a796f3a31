"""A container's environment as the kubelet resolves it."""

from __future__ import annotations

from typing import Any

import pytest
from tekton_pod import DictCluster

from tektite.runtime.container_env import (
    ContainerConfigError,
    field_ref_value,
    parse_quantity,
    resolve_env,
)

POD: dict[str, Any] = {
    "metadata": {
        "name": "pod-1",
        "namespace": "team",
        "uid": "1234-abcd",
        "labels": {"app": "web"},
        "annotations": {"tekton.dev/ready": "READY"},
    },
    "spec": {"serviceAccountName": "builder"},
}


@pytest.fixture
def cluster() -> DictCluster:
    data = DictCluster()
    data.config_maps[("team", "settings")] = {"MODE": b"fast", "LEVEL": b"3"}
    data.secrets[("team", "creds")] = {"TOKEN": b"t0k\xc3\xa9n"}
    return data


def test_order_and_expansion(cluster: DictCluster) -> None:
    container = {
        "envFrom": [
            {"configMapRef": {"name": "settings"}, "prefix": "CFG_"},
            {"secretRef": {"name": "creds"}},
        ],
        "env": [
            {"name": "FIRST", "value": "one"},
            {"name": "SECOND", "value": "$(FIRST)-two-$(LATER)-$(CFG_MODE)-$$(FIRST)"},
            {"name": "LATER", "value": "later"},
            {"name": "EMPTY"},
            {"name": "CFG_MODE", "value": "overridden"},
        ],
    }
    env = resolve_env(POD, container, cluster)
    assert env == {
        "CFG_MODE": "overridden",
        "CFG_LEVEL": "3",
        "TOKEN": "t0kén",
        "FIRST": "one",
        "SECOND": "one-two-$(LATER)-fast-$(FIRST)",
        "LATER": "later",
        "EMPTY": "",
    }


def test_value_from(cluster: DictCluster) -> None:
    container = {
        "resources": {"limits": {"memory": "64Mi", "cpu": "1500m"}},
        "env": [
            {"name": "CM", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "LEVEL"}}},
            {"name": "SEC", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "TOKEN"}}},
            {"name": "NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "UID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}},
            {
                "name": "APP",
                "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}},
            },
            {
                "name": "READY",
                "valueFrom": {
                    "fieldRef": {"fieldPath": "metadata.annotations['tekton.dev/ready']"}
                },
            },
            {"name": "SA", "valueFrom": {"fieldRef": {"fieldPath": "spec.serviceAccountName"}}},
            {
                "name": "MEM_MI",
                "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}},
            },
            {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
            {
                "name": "OPT",
                "valueFrom": {
                    "configMapKeyRef": {"name": "settings", "key": "NOPE", "optional": True}
                },
            },
        ],
    }
    env = resolve_env(POD, container, cluster)
    assert env == {
        "CM": "3",
        "SEC": "t0kén",
        "NAME": "pod-1",
        "NS": "team",
        "UID": "1234-abcd",
        "APP": "web",
        "READY": "READY",
        "SA": "builder",
        "MEM_MI": "64",
        "CPU": "2",
    }


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}},
            'configmaps "nope" not found',
        ),
        (
            {"name": "X", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}},
            'secrets "nope" not found',
        ),
        (
            {"name": "X", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "k"}}},
            "couldn't find key k in ConfigMap team/settings",
        ),
        (
            {"name": "X", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "k"}}},
            "couldn't find key k in Secret team/creds",
        ),
    ],
)
def test_missing_sources(cluster: DictCluster, entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ContainerConfigError) as raised:
        resolve_env(POD, {"env": [entry]}, cluster)
    assert raised.value.message == message
    assert not raised.value.permanent


def test_env_from_missing(cluster: DictCluster) -> None:
    optional = {"envFrom": [{"configMapRef": {"name": "gone", "optional": True}}]}
    assert resolve_env(POD, optional, cluster) == {}
    with pytest.raises(ContainerConfigError, match='secrets "gone" not found'):
        resolve_env(POD, {"envFrom": [{"secretRef": {"name": "gone"}}]}, cluster)


def test_field_refs() -> None:
    assert field_ref_value(POD, "metadata.labels['missing']") == ""
    assert field_ref_value(POD, "status.podIP") == "127.0.0.1"
    with pytest.raises(ContainerConfigError):
        field_ref_value(POD, "spec.nothing")


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1.0), ("500m", 0.5), ("1Ki", 1024.0), ("2M", 2e6), ("1.5Gi", 1.5 * 2**30)],
)
def test_quantities(text: str, value: float) -> None:
    assert parse_quantity(text) == value
