"""LimitRanges: what they do to a TaskRun's Pod, in Tekton and in Kubernetes.

Two parties read the namespace's LimitRange objects when a Pod is created:

* Tekton's Pod builder (``pkg/internal/computeresources``): the LimitRanges are merged
  into one *virtual* LimitRange (the most restrictive of each), whose ``defaultRequest``
  is shared out over the step containers, so that a Task of many steps does not ask
  for N times the default (``transform_pod``);
* the API server: the LimitRange's own defaulting (``SetDefaults_LimitRangeItem``), the
  Pod's (``requests`` default to ``limits``), then the ``LimitRanger`` admission plugin,
  which gives every container the ``default`` limits and ``defaultRequest`` requests it
  lacks and records what it set in the ``kubernetes.io/limit-ranger`` annotation
  (``admit_pod``).

Only ``type: Container`` items have defaults. LimitRanger's validation (``min``/``max``
/ ``maxLimitRequestRatio`` refusing a Pod) is not reproduced. Everything here is pure:
the controller reads the LimitRanges and passes them in.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from tektite.engine.compute_resources import Quantity, parse_quantity

__all__ = [
    "LIMIT_RANGER_ANNOTATION",
    "admit_pod",
    "default_limit_range",
    "transform_pod",
    "virtual_limit_range",
]

LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger"
_CONTAINER = "Container"
_RESOURCE_NAMES = ("cpu", "memory", "ephemeral-storage")
_BYTE_RESOURCES = ("memory", "ephemeral-storage")
_ZERO = parse_quantity("0")

ResourceList = dict[str, Any]


def _q(value: Any) -> Quantity:
    return parse_quantity(value) if value is not None else _ZERO


def _get(resources: Mapping[str, Any] | None, name: str) -> Quantity:
    return _q((resources or {}).get(name))


# -- the LimitRange object -------------------------------------------------------------------


def default_limit_range(limit_range: Mapping[str, Any]) -> dict[str, Any]:
    """``SetDefaults_LimitRangeItem`` on each ``Container`` item: ``default`` from
    ``max``, then ``defaultRequest`` from ``default``, then from ``min`` (what the API
    server stores)."""
    out = copy.deepcopy(dict(limit_range))
    for item in (out.get("spec") or {}).get("limits") or ():
        if item.get("type") != _CONTAINER:
            continue
        default = item.setdefault("default", {}) or {}
        request = item.setdefault("defaultRequest", {}) or {}
        for source, target in ((item.get("max"), default), (default, request)):
            for key, value in (source or {}).items():
                target.setdefault(key, value)
        for key, value in (item.get("min") or {}).items():
            request.setdefault(key, value)
        item["default"], item["defaultRequest"] = default, request
    return out


# -- Tekton: pkg/internal/computeresources -----------------------------------------------------


def _max_request(*quantities: Quantity) -> Quantity:
    """``compare.MaxRequest``: the largest; zero is the smallest; ties keep the first."""
    best = _ZERO
    for q in quantities:
        if q.value > best.value:
            best = q
    return best


def _min_limit(*quantities: Quantity) -> Quantity:
    """``compare.MinLimit``: the smallest; zero counts as larger than anything."""
    best = _ZERO
    for q in quantities:
        if best.value == 0 or q.value < best.value:
            best = q
    return best


def virtual_limit_range(limit_ranges: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """``GetVirtualLimitRange``: None for no LimitRange, the LimitRange itself for one,
    else one whose items (per type) take the largest ``min``, the smallest ``max`` and
    ``maxLimitRequestRatio``, and the smallest ``default``/``defaultRequest``.

    ``limit_ranges`` are as the API server stores them (see ``default_limit_range``).
    """
    if not limit_ranges:
        return None
    if len(limit_ranges) == 1:
        return dict(limit_ranges[0])
    merged: dict[str, dict[str, dict[str, Quantity]]] = {}
    fields = ("min", "max", "default", "defaultRequest", "maxLimitRequestRatio")
    items = [i for lr in limit_ranges for i in (lr.get("spec") or {}).get("limits") or ()]
    for item in items:
        m = merged.setdefault(str(item.get("type", "")), {f: {} for f in fields})
        for name in _RESOURCE_NAMES:
            m["min"][name] = _max_request(m["min"].get(name, _ZERO), _get(item.get("min"), name))
            m["max"][name] = _min_limit(m["max"].get(name, _ZERO), _get(item.get("max"), name))
            ratio = m["maxLimitRequestRatio"]
            ratio[name] = _min_limit(
                ratio.get(name, _ZERO), _get(item.get("maxLimitRequestRatio"), name)
            )
    for item in items:
        m = merged[str(item.get("type", ""))]
        for field in ("default", "defaultRequest"):
            for name in _RESOURCE_NAMES:
                # minOfBetween: the smaller non-zero one (its min/max are not used).
                current, candidate = m[field].get(name, _ZERO), _get(item.get(field), name)
                m[field][name] = (
                    candidate if current.value == 0 or current.value > candidate.value else current
                )
    limits = []
    for kind, m in merged.items():
        virtual: dict[str, Any] = {"type": kind}
        for field in fields:
            virtual[field] = {k: str(v) for k, v in m[field].items()}
        limits.append(virtual)
    return {"apiVersion": "v1", "kind": "LimitRange", "spec": {"limits": limits}}


def _default_step_requests(
    limit_range: Mapping[str, Any], steps: int
) -> dict[str, Quantity] | None:
    """``getDefaultStepContainerRequest``: each ``defaultRequest`` divided among the
    steps (whole bytes for memory and storage, thousandths otherwise), at least ``min``."""
    out: dict[str, Quantity] = {}
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        if item.get("type") != _CONTAINER:
            continue
        for name in _RESOURCE_NAMES:
            default = _get(item.get("defaultRequest"), name)
            if name in _BYTE_RESOURCES:
                share = Quantity(Fraction(default.whole_value() // steps), default.format)
            else:
                share = Quantity(Fraction(default.milli_value() // steps, 1000), default.format)
            result = _max_request(out.get(name, _ZERO), share, _get(item.get("min"), name))
            if result.value != 0:
                out[name] = result
    return out or None


def _is_step(container: Mapping[str, Any]) -> bool:
    return str(container.get("name", "")).startswith("step-")


def transform_pod(pod: Mapping[str, Any], limit_range: Mapping[str, Any] | None) -> dict[str, Any]:
    """Tekton's LimitRange transformer: step containers without requests get the
    virtual LimitRange's default requests shared out over the steps; those with some
    get the missing (or zero) ones. Returns a new Pod (the same one when no LimitRange)."""
    out = copy.deepcopy(dict(pod))
    transform_pod_in_place(out, limit_range)
    return out


def transform_pod_in_place(out: dict[str, Any], limit_range: Mapping[str, Any] | None) -> None:
    """``transform_pod`` on a Pod the caller owns (no copy)."""
    if limit_range is None:
        return
    containers = (out.get("spec") or {}).get("containers") or []
    steps = sum(1 for c in containers if _is_step(c))
    if steps == 0:
        return
    defaults = _default_step_requests(limit_range, steps)
    for c in containers:
        if not _is_step(c):
            continue
        resources = c.get("resources") or {}
        requests = resources.get("requests")
        if requests is None:
            if defaults is None:
                continue
            requests = {k: str(v) for k, v in defaults.items()}
        else:
            requests = dict(requests)
            for name in _RESOURCE_NAMES:
                if _get(requests, name).value == 0 and defaults and name in defaults:
                    requests[name] = str(defaults[name])
        c["resources"] = {**resources, "requests": requests}


# -- Kubernetes: defaulting and the LimitRanger admission plugin ----------------------------


def _requests_from_limits(container: dict[str, Any]) -> None:
    """``SetDefaults_Pod``: a resource with a limit and no request requests its limit."""
    resources = container.get("resources") or {}
    limits = resources.get("limits")
    if not limits:
        return
    requests = dict(resources.get("requests") or {})
    for key, value in limits.items():
        requests.setdefault(key, value)
    container["resources"] = {**resources, "requests": requests}


def _container_defaults(limit_range: Mapping[str, Any]) -> tuple[ResourceList, ResourceList]:
    """``defaultContainerResourceRequirements``: (requests, limits) of the Container items."""
    requests: ResourceList = {}
    limits: ResourceList = {}
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        if item.get("type") == _CONTAINER:
            requests.update({k: str(_q(v)) for k, v in (item.get("defaultRequest") or {}).items()})
            limits.update({k: str(_q(v)) for k, v in (item.get("default") or {}).items()})
    return requests, limits


def _merge_container(
    container: dict[str, Any], requests: ResourceList, limits: ResourceList, what: str
) -> list[str]:
    """``mergeContainerResources``: set what the container lacks; describe it."""
    resources = dict(container.get("resources") or {})
    set_limits = [k for k in limits if k not in (resources.get("limits") or {})]
    set_requests = [k for k in requests if k not in (resources.get("requests") or {})]
    if set_limits:
        resources["limits"] = {
            **(resources.get("limits") or {}),
            **{k: limits[k] for k in set_limits},
        }
    if set_requests:
        resources["requests"] = {
            **(resources.get("requests") or {}),
            **{k: requests[k] for k in set_requests},
        }
    if set_limits or set_requests:
        container["resources"] = resources
    name = container.get("name", "")
    notes = []
    if set_requests:
        notes.append(f"{', '.join(sorted(set_requests))} request for {what} {name}")
    if set_limits:
        notes.append(f"{', '.join(sorted(set_limits))} limit for {what} {name}")
    return notes


def admit_pod(pod: Mapping[str, Any], limit_ranges: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The Pod as the API server stores it after defaulting and LimitRanger: each
    LimitRange of the namespace (in turn, as stored: see ``default_limit_range``) fills
    in the containers' and init containers' missing limits and requests, and the last
    one that set anything describes it in ``kubernetes.io/limit-ranger``."""
    out = copy.deepcopy(dict(pod))
    admit_pod_in_place(out, limit_ranges)
    return out


def admit_pod_in_place(out: dict[str, Any], limit_ranges: Sequence[Mapping[str, Any]]) -> None:
    """``admit_pod`` on a Pod the caller owns (no copy)."""
    spec = out.get("spec") or {}
    for c in [*(spec.get("containers") or ()), *(spec.get("initContainers") or ())]:
        _requests_from_limits(c)
    for limit_range in limit_ranges:
        requests, limits = _container_defaults(limit_range)
        notes: list[str] = []
        for c in spec.get("containers") or ():
            notes += _merge_container(c, requests, limits, "container")
        for c in spec.get("initContainers") or ():
            notes += _merge_container(c, requests, limits, "init container")
        if notes:
            meta = out.setdefault("metadata", {})
            annotations = meta.setdefault("annotations", {})
            annotations[LIMIT_RANGER_ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)
