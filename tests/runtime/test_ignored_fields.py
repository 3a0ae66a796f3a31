"""``podTemplate`` fields a local runtime cannot honour are named, once, in a fixed order."""

from __future__ import annotations

from typing import Any

from tektite.runtime.ignored_fields import (
    IGNORED_POD_FIELDS,
    ignored_pod_fields,
    ignored_pod_fields_message,
)


def pod(**spec: Any) -> dict[str, Any]:
    return {"spec": {"containers": [{"name": "step-a"}], **spec}}


def test_scheduling_fields_are_reported_in_podspec_order() -> None:
    p = pod(
        tolerations=[{"key": "k", "operator": "Exists"}],
        affinity={"nodeAffinity": {}},
        nodeSelector={"disk": "ssd"},
        schedulerName="custom",
        priorityClassName="high",
        topologySpreadConstraints=[{"maxSkew": 1}],
        runtimeClassName="gvisor",
    )
    assert ignored_pod_fields(p) == [
        "nodeSelector",
        "affinity",
        "tolerations",
        "schedulerName",
        "priorityClassName",
        "topologySpreadConstraints",
        "runtimeClassName",
    ]


def test_defaults_and_empty_values_are_not_reported() -> None:
    p = pod(
        dnsPolicy="ClusterFirst",
        enableServiceLinks=True,
        nodeSelector={},
        tolerations=[],
        securityContext={"runAsUser": 1000},
        imagePullSecrets=[{"name": "r"}],
        volumes=[{"name": "v", "emptyDir": {}}],
    )
    assert ignored_pod_fields(p) == []
    assert ignored_pod_fields(pod(dnsPolicy="None", enableServiceLinks=False)) == [
        "dnsPolicy",
        "enableServiceLinks",
    ]


def test_a_runtime_may_honour_some() -> None:
    p = pod(hostAliases=[{"ip": "127.0.0.1", "hostnames": ["x"]}], affinity={"a": 1})
    assert ignored_pod_fields(p, honoured=frozenset({"hostAliases"})) == ["affinity"]
    assert "hostNetwork" not in IGNORED_POD_FIELDS  # the host runtime is on the host network


def test_message() -> None:
    assert ignored_pod_fields_message("TaskRun", "ns", "run", ["affinity", "tolerations"]) == (
        "tektite: TaskRun ns/run: pod fields with no meaning on one machine are ignored: "
        "affinity, tolerations"
    )
