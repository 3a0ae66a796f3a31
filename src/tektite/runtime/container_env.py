"""A container's environment as the kubelet builds it (``makeEnvironmentVariables``).

Order of evaluation, as in the kubelet:

1. ``envFrom`` sources in order (ConfigMap / Secret keys, with ``prefix``);
2. ``env`` entries in order: a ``value`` is ``$(VAR)``-expanded against the variables
   defined so far; ``valueFrom`` reads a Secret/ConfigMap key, a ``fieldRef`` of the Pod
   or a ``resourceFieldRef`` (not expanded).

A missing non-optional source fails the container with ``CreateContainerConfigError``
and the kubelet's message (``configmaps "x" not found``, ``couldn't find key k in
ConfigMap ns/x``); an optional one is skipped and the variable is not set at all.
"""

from __future__ import annotations

import math
import os
import re
import socket
from typing import Any

from tektite.runtime.k8s_expand import expand, mapping_for
from tektite.runtime.protocol import ClusterData, Pod

HOST_IP = "127.0.0.1"


class ContainerConfigError(Exception):
    """The container cannot be configured; ``message`` is the kubelet's text.

    ``permanent`` errors cannot go away by themselves (the kubelet would retry a
    missing ConfigMap, but never an image this runtime cannot run).
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def _decode(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")


_KEYED = re.compile(r"^metadata\.(labels|annotations)\['(.*)'\]$", re.DOTALL)


def field_ref_value(pod: Pod, field_path: str) -> str:
    """The value of a Pod ``fieldRef`` usable in env (``ExtractFieldPathAsString`` plus
    the kubelet's ``podFieldSelectorRuntimeValue``)."""
    meta: dict[str, Any] = pod.get("metadata") or {}
    spec: dict[str, Any] = pod.get("spec") or {}
    keyed = _KEYED.match(field_path)
    if keyed:
        section: dict[str, str] = meta.get(keyed.group(1)) or {}
        return str(section.get(keyed.group(2), ""))
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": spec.get("nodeName") or socket.gethostname(),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.hostIP": HOST_IP,
        "status.hostIPs": HOST_IP,
        "status.podIP": HOST_IP,
        "status.podIPs": HOST_IP,
    }
    if field_path in simple:
        return str(simple[field_path])
    raise ContainerConfigError(f'unsupported fieldPath: "{field_path}"')


_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")
_SUFFIX = {
    "": 1.0,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
}


def parse_quantity(text: str) -> float:
    """A Kubernetes resource quantity (``500m``, ``1Gi``, ``2``) as a number."""
    found = _QUANTITY.match(str(text).strip())
    if not found or found.group(2) not in _SUFFIX:
        raise ContainerConfigError(f"quantities must match the regular expression: {text!r}")
    return float(found.group(1)) * _SUFFIX[found.group(2)]


def _node_allocatable(resource: str) -> float:
    """What an unset limit defaults to: the node's allocatable amount (this machine)."""
    if resource == "cpu":
        return float(os.cpu_count() or 1)
    if resource == "memory":
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    return 0.0


def resource_field_value(container: dict[str, Any], ref: dict[str, Any]) -> str:
    """The kubelet's ``ExtractContainerResourceValue`` for a ``resourceFieldRef``."""
    name = str(ref.get("resource", ""))
    kind, _, resource = name.partition(".")
    resources: dict[str, dict[str, Any]] = container.get("resources") or {}
    raw = (resources.get(kind) or {}).get(resource)
    if raw is None and kind == "requests":
        raw = (resources.get("limits") or {}).get(resource)
    amount = parse_quantity(str(raw)) if raw is not None else _node_allocatable(resource)
    divisor = parse_quantity(str(ref.get("divisor") or "1"))
    # Kubernetes rounds up (cpu: "convertResourceCPUToString" uses ceil).
    return str(math.ceil(amount / divisor))


def _lookup_source(
    cluster: ClusterData, kind: str, namespace: str, name: str
) -> dict[str, bytes] | None:
    if kind == "configMap":
        return cluster.config_map(namespace, name)
    return cluster.secret(namespace, name)


_PLURAL = {"configMap": "configmaps", "secret": "secrets"}
_TITLE = {"configMap": "ConfigMap", "secret": "Secret"}


def resolve_env(pod: Pod, container: dict[str, Any], cluster: ClusterData) -> dict[str, str]:
    """The declared environment of ``container`` (envFrom then env), resolved.

    Raises ContainerConfigError with the kubelet's message for a missing source.
    """
    namespace = str((pod.get("metadata") or {}).get("namespace") or "default")
    env: dict[str, str] = {}
    cache: dict[tuple[str, str], dict[str, bytes] | None] = {}

    def source(kind: str, name: str) -> dict[str, bytes] | None:
        if (kind, name) not in cache:
            cache[(kind, name)] = _lookup_source(cluster, kind, namespace, name)
        return cache[(kind, name)]

    for entry in container.get("envFrom") or []:
        prefix = str(entry.get("prefix") or "")
        for kind, field in (("configMap", "configMapRef"), ("secret", "secretRef")):
            ref = entry.get(field)
            if ref is None:
                continue
            name = str(ref.get("name", ""))
            data = source(kind, name)
            if data is None:
                if ref.get("optional"):
                    continue
                raise ContainerConfigError(f'{_PLURAL[kind]} "{name}" not found')
            for key, value in data.items():
                env[prefix + key] = _decode(value)

    mapping = mapping_for(env)
    for entry in container.get("env") or []:
        name = str(entry.get("name", ""))
        literal = str(entry.get("value") or "")
        if literal:
            env[name] = expand(literal, mapping)
            continue
        value_from = entry.get("valueFrom")
        if not value_from:
            env[name] = ""
            continue
        if "fieldRef" in value_from:
            env[name] = field_ref_value(pod, str(value_from["fieldRef"].get("fieldPath", "")))
            continue
        if "resourceFieldRef" in value_from:
            env[name] = resource_field_value(container, value_from["resourceFieldRef"])
            continue
        for kind, field in (("configMap", "configMapKeyRef"), ("secret", "secretKeyRef")):
            ref = value_from.get(field)
            if ref is None:
                continue
            ref_name = str(ref.get("name", ""))
            key = str(ref.get("key", ""))
            optional = bool(ref.get("optional"))
            data = source(kind, ref_name)
            if data is None:
                if optional:
                    break
                raise ContainerConfigError(f'{_PLURAL[kind]} "{ref_name}" not found')
            if key not in data:
                if optional:
                    break
                raise ContainerConfigError(
                    f"couldn't find key {key} in {_TITLE[kind]} {namespace}/{ref_name}"
                )
            env[name] = _decode(data[key])
            break
    return env
