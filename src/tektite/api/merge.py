"""Merging a Task's ``stepTemplate`` into its steps, and run-level resource overrides.

Tekton (``pkg/apis/pipeline/v1/merge.go``) does this with a Kubernetes *strategic merge*:
it marshals both to ``corev1.Container`` JSON and applies the step onto the template with
``strategicpatch``. What that amounts to for containers, and what is reproduced here:

* maps merge recursively, the step's scalar values win;
* ``env`` merges by ``name``, ``volumeMounts`` by ``mountPath``, ``volumeDevices`` by
  ``devicePath`` (``ports`` by ``containerPort``); an entry present in both is merged
  field by field; the result lists the step's entries in the step's order with the
  template-only entries interleaved by their template position (Kubernetes'
  ``$setElementOrder`` normalisation);
* every other list (``command``, ``args``, ``envFrom``…) is replaced when the step sets it;
* Go's ``omitempty`` means a step's empty string or empty list is the same as unset, so
  the template's value is kept.

After the merge Tekton "amends" env: a merged entry that ends up with both ``value`` and
``valueFrom`` is replaced wholesale by the step's entry. Steps with a ``ref`` (StepAction
not resolved yet) are left alone. The merged step keeps the step's Tekton-only fields
(script, onError, timeout, results, when, workspaces, stdout/stderrConfig, params, ref)
but, as in Tekton, not ``displayName``.

No library performs a Kubernetes strategic merge in Python without the API server's
OpenAPI schema, and containers need only the handful of rules above — hence this module.
Functions are pure: they return new objects and never modify their arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import msgspec

from tektite.api.models import ResourceRequirements, Sidecar, Step, StepTemplate, TaskRunStepSpec

__all__ = [
    "CONTAINER_MERGE_KEYS",
    "merge_sidecars_with_specs",
    "merge_steps_with_specs",
    "merge_steps_with_step_template",
    "strategic_merge",
]

CONTAINER_MERGE_KEYS: Mapping[str, str] = {
    "env": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "ports": "containerPort",
}
"""The ``patchMergeKey`` of each ``corev1.Container`` list merged by key."""

# The corev1.Container fields a Step carries; the merged step takes these from the merge.
_CONTAINER_FIELDS = (
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "envFrom",
    "env",
    "computeResources",
    "volumeMounts",
    "volumeDevices",
    "imagePullPolicy",
    "securityContext",
)

# Fields Tekton copies from the original step onto the merged one (merge.go's newStep).
_STEP_ONLY_FIELDS = (
    "script",
    "onError",
    "timeout",
    "stdoutConfig",
    "stderrConfig",
    "results",
    "params",
    "ref",
    "when",
    "workspaces",
)

_S = TypeVar("_S", Step, Sidecar)


def _is_unset(value: object) -> bool:
    """Go's ``omitempty``: nil, empty strings and empty lists are not marshalled."""
    return value is None or value == "" or value == []


def strategic_merge(
    template: Mapping[str, Any],
    patch: Mapping[str, Any],
    merge_keys: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Apply ``patch`` onto ``template`` (both JSON objects) as a strategic merge.

    ``merge_keys`` names, for lists of this object (not of nested objects), the key
    their entries are merged by; other lists are replaced. Returns a new object.
    """
    keys = merge_keys or {}
    out: dict[str, Any] = dict(template)
    for key, value in patch.items():
        if _is_unset(value):
            continue
        current = out.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            out[key] = strategic_merge(current, value)
        elif isinstance(value, list) and key in keys and isinstance(current, list) and current:
            out[key] = _merge_keyed_lists(current, value, keys[key])
        else:
            out[key] = value
    return out


def _merge_keyed_lists(template: list[Any], patch: list[Any], merge_key: str) -> list[Any]:
    """Merge two lists of objects by ``merge_key`` and order them as Kubernetes does."""
    template_index: dict[Any, int] = {}
    for i, item in enumerate(template):
        if isinstance(item, dict):
            template_index.setdefault(item.get(merge_key), i)
    patch_items: list[Any] = []
    patch_keys = set()
    for item in patch:
        k = item.get(merge_key) if isinstance(item, dict) else None
        patch_keys.add(k)
        at = template_index.get(k)
        if at is not None and isinstance(item, dict):
            patch_items.append(strategic_merge(template[at], item))
        else:
            patch_items.append(item)
    server_only = [
        item
        for item in template
        if not (isinstance(item, dict) and item.get(merge_key) in patch_keys)
    ]
    return _merge_sorted(server_only, patch_items, template_index, merge_key)


def _merge_sorted(
    left: list[Any], right: list[Any], server_index: Mapping[Any, int], merge_key: str
) -> list[Any]:
    """Kubernetes' ``mergeSortedSlice``: insert template-only items (``left``) among the
    step's items (``right``), a template item going first only when both items have a
    position in the template and the template item's is earlier."""

    def position(item: Any) -> int | None:
        return server_index.get(item.get(merge_key)) if isinstance(item, dict) else None

    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            out.append(left[i])
            i += 1
        elif i >= len(left):
            out.append(right[j])
            j += 1
        else:
            li, ri = position(left[i]), position(right[j])
            if li is not None and ri is not None and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _amend_env(merged: dict[str, Any], step_env: Sequence[Mapping[str, Any]]) -> None:
    """Tekton's ``amendConflictingContainerFields``: an env entry that the merge left with
    both ``value`` and ``valueFrom`` is replaced by the step's own entry."""
    env = merged.get("env")
    if not env or not step_env:
        return
    by_name = {e.get("name"): e for e in step_env}
    merged["env"] = [
        by_name[e.get("name")]
        if e.get("valueFrom") is not None and e.get("value") and e.get("name") in by_name
        else e
        for e in env
    ]


def merge_steps_with_step_template(
    template: StepTemplate | None, steps: Sequence[Step] | None
) -> list[Step]:
    """Tekton's ``MergeStepsWithStepTemplate``: each step merged over the step template.

    Without a template the steps are returned as they are; steps with a ``ref`` are never
    merged. The merged steps drop ``displayName``, as Tekton's do.
    """
    if template is None:
        return list(steps or ())
    template_json: dict[str, Any] = msgspec.to_builtins(template)
    merged_steps: list[Step] = []
    for step in steps or ():
        if step.ref is not None:
            merged_steps.append(step)
            continue
        step_json: dict[str, Any] = msgspec.to_builtins(step)
        container = {k: step_json[k] for k in _CONTAINER_FIELDS if k in step_json}
        merged = strategic_merge(template_json, container, CONTAINER_MERGE_KEYS)
        if "args" not in merged and step.args is not None:
            merged["args"] = []
        _amend_env(merged, step_json.get("env") or [])
        for k in _STEP_ONLY_FIELDS:
            if k in step_json:
                merged[k] = step_json[k]
        merged_steps.append(msgspec.convert(merged, Step))
    return merged_steps


def _merge_resources(
    base: ResourceRequirements | None, override: ResourceRequirements
) -> ResourceRequirements:
    base_json: dict[str, Any] = msgspec.to_builtins(base) if base is not None else {}
    merged = strategic_merge(base_json, msgspec.to_builtins(override))
    return msgspec.convert(merged, ResourceRequirements)


def _merge_with_specs(items: Sequence[_S], overrides: Sequence[TaskRunStepSpec] | None) -> list[_S]:
    by_name = {o.name: o for o in overrides or ()}
    out: list[_S] = []
    for item in items:
        override = by_name.get(item.name)
        if override is None:
            out.append(item)
            continue
        resources = _merge_resources(item.compute_resources, override.compute_resources)
        out.append(msgspec.structs.replace(item, compute_resources=resources))
    return out


def merge_steps_with_specs(
    steps: Sequence[Step], overrides: Sequence[TaskRunStepSpec] | None
) -> list[Step]:
    """Tekton's ``MergeStepsWithSpecs``: ``TaskRun.spec.stepSpecs`` resources merged into
    the named steps (the override's quantities win, others are kept)."""
    return _merge_with_specs(steps, overrides)


def merge_sidecars_with_specs(
    sidecars: Sequence[Sidecar], overrides: Sequence[TaskRunStepSpec] | None
) -> list[Sidecar]:
    """Tekton's ``MergeSidecarsWithSpecs``: ``sidecarSpecs`` resources merged likewise."""
    return _merge_with_specs(sidecars, overrides)
