"""Defaulting of TaskRuns and PipelineRuns (Tekton's ``taskrun_defaults.go`` and
``pipelinerun_defaults.go``).

What Tekton's mutating webhook fills in from ``config-defaults``: the timeout
(``default-timeout-minutes``, written back in Go's form, ``1h0m0s``), the service
account, the default resolver of an empty ref, a TaskRef's ``kind: Task``, the default
pod template merged under the run's own, the embedded spec's defaults, the
``app.kubernetes.io/managed-by`` label of TaskRuns, and, on create, the removal of
annotations reserved to Tekton Chains.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec
import yaml

from tektite.api.config import Config, ConfigError
from tektite.api.durations import MINUTE, format_duration_ns
from tektite.api.models import (
    ObjectMeta,
    PipelineRun,
    PipelineRunSpec,
    PodTemplate,
    TaskRun,
    TaskRunSpec,
    TimeoutFields,
)

__all__ = [
    "MANAGED_BY_LABEL",
    "default_pipelinerun",
    "default_pipelinerun_spec",
    "default_pod_template",
    "default_taskrun",
    "default_taskrun_spec",
    "merge_pod_template_with_default",
]

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
NAMESPACED_TASK_KIND = "Task"

# Tekton's TektonReservedAnnotationExpr, matched anywhere in the key as Go's MatchString.
_RESERVED_ANNOTATION = re.compile(r"(chains.tekton.dev)/.*")

_T = TypeVar("_T")


@functools.lru_cache(maxsize=8)
def _parse_pod_template(text: str) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"failed to unmarshal default-pod-template: {e}") from None
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ConfigError("failed to unmarshal default-pod-template: not a mapping")
    try:
        msgspec.convert(data, PodTemplate)
    except msgspec.ValidationError as e:
        raise ConfigError(f"failed to unmarshal default-pod-template: {e}") from None
    return data


def default_pod_template(config: Config) -> PodTemplate | None:
    """``default-pod-template`` of ``config-defaults``, parsed (a fresh object each call)."""
    text = config.defaults.default_pod_template
    data = _parse_pod_template(text) if text.strip() else None
    return None if data is None else msgspec.convert(data, PodTemplate)


def _merge_by_name(base: Sequence[_T] | None, overrides: Sequence[_T] | None) -> list[_T] | None:
    """Tekton's ``mergeByName``: the overrides (named ones), then base items not overridden."""
    if not overrides:
        return list(base) if base is not None else None
    merged = [o for o in overrides if getattr(o, "name", "")]
    names = {getattr(o, "name", "") for o in merged}
    merged += [
        b for b in base or () if getattr(b, "name", "") and getattr(b, "name", "") not in names
    ]
    return merged


def merge_pod_template_with_default(
    tpl: PodTemplate | None, default: PodTemplate | None
) -> PodTemplate | None:
    """Tekton's ``MergePodTemplateWithDefault``: the run's fields win; env and volumes
    merge by name; ``hostNetwork`` is true if either says so."""
    if default is None:
        return tpl
    if tpl is None:
        return default
    updates: dict[str, Any] = {
        "env": _merge_by_name(default.env, tpl.env),
        "volumes": _merge_by_name(default.volumes, tpl.volumes),
    }
    for field in (
        "node_selector",
        "tolerations",
        "affinity",
        "security_context",
        "runtime_class_name",
        "automount_service_account_token",
        "dns_policy",
        "dns_config",
        "enable_service_links",
        "priority_class_name",
        "image_pull_secrets",
        "host_aliases",
        "host_users",
        "topology_spread_constraints",
    ):
        if getattr(tpl, field) is None:
            updates[field] = getattr(default, field)
    if not tpl.scheduler_name:
        updates["scheduler_name"] = default.scheduler_name
    if not tpl.host_network and default.host_network:
        updates["host_network"] = True
    return msgspec.structs.replace(tpl, **updates)


def _default_timeout(config: Config) -> str:
    return format_duration_ns(config.defaults.default_timeout_minutes * MINUTE)


def _filter_reserved_annotations(meta: ObjectMeta) -> None:
    meta.annotations = {
        k: v for k, v in meta.annotations.items() if not _RESERVED_ANNOTATION.search(k)
    }


def default_taskrun_spec(spec: TaskRunSpec, config: Config) -> None:
    """Tekton's ``TaskRunSpec.SetDefaults``, in place."""
    ref = spec.task_ref
    if ref is not None:
        if not ref.name and not ref.resolver:
            ref.resolver = config.defaults.default_resolver_type
        if not ref.kind and not ref.resolver:
            ref.kind = NAMESPACED_TASK_KIND
    if spec.timeout is None:
        spec.timeout = _default_timeout(config)
    default_sa = config.defaults.default_service_account
    if not spec.service_account_name and default_sa:
        spec.service_account_name = default_sa
    spec.pod_template = merge_pod_template_with_default(
        spec.pod_template, default_pod_template(config)
    )
    if spec.task_spec is not None:
        # Imported here: the Task defaults are only needed for embedded specs.
        from tektite.api.defaults.task import default_task_spec

        default_task_spec(spec.task_spec, config)


def default_taskrun(tr: TaskRun, config: Config, *, is_create: bool = True) -> None:
    """Tekton's ``TaskRun.SetDefaults``, in place: the spec's defaults, the managed-by
    label, and (on create) no annotations reserved to Tekton Chains."""
    default_taskrun_spec(tr.spec, config)
    if is_create:
        _filter_reserved_annotations(tr.metadata)
    if MANAGED_BY_LABEL not in tr.metadata.labels:
        tr.metadata.labels[MANAGED_BY_LABEL] = config.defaults.default_managed_by_label_value


def default_pipelinerun_spec(spec: PipelineRunSpec, config: Config) -> None:
    """Tekton's ``PipelineRunSpec.SetDefaults``, in place."""
    ref = spec.pipeline_ref
    if ref is not None and not ref.name and not ref.resolver:
        ref.resolver = config.defaults.default_resolver_type
    if spec.timeouts is None:
        spec.timeouts = TimeoutFields()
    if spec.timeouts.pipeline is None:
        spec.timeouts.pipeline = _default_timeout(config)
    template = spec.task_run_template
    default_sa = config.defaults.default_service_account
    if not template.service_account_name and default_sa:
        template.service_account_name = default_sa
    template.pod_template = merge_pod_template_with_default(
        template.pod_template, default_pod_template(config)
    )
    if spec.pipeline_spec is not None:
        # Imported here: the Pipeline defaults are only needed for embedded specs.
        from tektite.api.defaults.pipeline import default_pipeline_spec

        default_pipeline_spec(spec.pipeline_spec, config)


def default_pipelinerun(pr: PipelineRun, config: Config, *, is_create: bool = True) -> None:
    """Tekton's ``PipelineRun.SetDefaults``, in place (no managed-by label: Tekton only
    labels TaskRuns)."""
    default_pipelinerun_spec(pr.spec, config)
    if is_create:
        _filter_reserved_annotations(pr.metadata)
