"""Pod fields that mean nothing when every Pod runs on this one machine.

A ``podTemplate`` (of the TaskRun, the PipelineRun's ``taskRunTemplate`` or
``config-defaults``) lands in the Pod's spec. Scheduling fields choose a node, and there
is only one; others configure what a kubelet sets up per Pod (cluster DNS, host
aliases, the service account token, a runtime class). Local runtimes accept them, run
the Pod anyway and say once which were ignored: :func:`ignored_pod_fields`.

Fields that local runtimes do honour (``securityContext``, ``volumes``, ``env``,
``imagePullSecrets``, ``hostNetwork`` where the runtime can) are not listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["IGNORED_POD_FIELDS", "ignored_pod_fields", "ignored_pod_fields_message"]

IGNORED_POD_FIELDS = (
    # Scheduling: there is one node.
    "nodeSelector",
    "affinity",
    "tolerations",
    "schedulerName",
    "priorityClassName",
    "topologySpreadConstraints",
    # What a kubelet sets up for a Pod and a local runtime does not.
    "runtimeClassName",
    "dnsPolicy",
    "dnsConfig",
    "hostAliases",
    "automountServiceAccountToken",
    "enableServiceLinks",
    "hostUsers",
)
"""``PodSpec`` fields a local runtime ignores, in ``PodSpec`` order of importance."""


def ignored_pod_fields(pod: Mapping[str, Any], honoured: frozenset[str] = frozenset()) -> list[str]:
    """The ``spec`` fields of ``pod`` set to something that a local runtime ignores
    (minus those the runtime says it ``honoured``), in :data:`IGNORED_POD_FIELDS` order.

    A value Kubernetes would take by default anyway is not reported: ``dnsPolicy:
    ClusterFirst``, ``enableServiceLinks: true``, ``automountServiceAccountToken``
    absent, empty lists and maps.
    """
    spec = pod.get("spec") or {}
    out = []
    for name in IGNORED_POD_FIELDS:
        if name in honoured:
            continue
        value = spec.get(name)
        if value is None or value == {} or value == [] or value == "":
            continue
        if (name, value) in (("dnsPolicy", "ClusterFirst"), ("enableServiceLinks", True)):
            continue
        out.append(name)
    return out


def ignored_pod_fields_message(kind: str, namespace: str, name: str, fields: list[str]) -> str:
    """The one line said about a run whose Pod has ignored fields."""
    return (
        f"tektite: {kind} {namespace}/{name}: pod fields with no meaning on one machine "
        f"are ignored: {', '.join(fields)}"
    )
