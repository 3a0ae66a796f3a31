"""Tekton's two configuration maps: ``feature-flags`` and ``config-defaults``.

Keys, defaults and parsing follow ``pkg/apis/config/feature_flags.go`` and
``pkg/apis/config/default.go``: a config is built from a ``dict[str, str]`` exactly like
the ConfigMap's ``data``, so users can reuse the ConfigMaps they have.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from tektite.api.errors import go_quote

STABLE, BETA, ALPHA = "stable", "beta", "alpha"
_API_FIELDS_ORDER = {STABLE: 0, BETA: 1, ALPHA: 2}


class ConfigError(ValueError):
    """A configuration value Tekton would refuse."""


def _parse_bool(key: str, value: str) -> bool:
    # Go's strconv.ParseBool accepts exactly these spellings.
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ConfigError(
        f"failed parsing feature flags config {go_quote(value)}: strconv.ParseBool: parsing "
        f"{go_quote(value)}: invalid syntax for feature {key}"
    )


def _choice(key: str, value: str, allowed: tuple[str, ...]) -> str:
    v = value.lower()
    if v not in allowed:
        raise ConfigError(f"invalid value for feature flag {go_quote(key)}: {go_quote(v)}")
    return v


@dataclass(frozen=True)
class FeatureFlags:
    """The ``feature-flags`` ConfigMap. Attribute names mirror the ConfigMap keys."""

    enable_api_fields: str = BETA
    disable_creds_init: bool = False
    running_in_environment_with_injected_sidecars: bool = True
    await_sidecar_readiness: bool = True
    require_git_ssh_secret_known_hosts: bool = False
    send_cloudevents_for_runs: bool = True
    trusted_resources_verification_no_match_policy: str = "ignore"
    enable_provenance_in_status: bool = True
    enforce_nonfalsifiability: str = "none"
    results_from: str = "termination-message"
    max_result_size: int = 4096
    set_security_context: bool = False
    set_security_context_read_only_root_filesystem: bool = False
    coschedule: str = "workspaces"
    keep_pod_on_cancel: bool = False
    enable_cel_in_whenexpression: bool = False
    enable_param_enum: bool = False
    enable_artifacts: bool = False
    disable_inline_spec: str = ""
    enable_concise_resolver_syntax: bool = False
    enable_kubernetes_sidecar: bool = False
    enable_step_actions: bool = True
    enable_wait_exponential_backoff: bool = False
    enable_termination_message_compression: bool = False

    @classmethod
    def from_map(cls, data: Mapping[str, str]) -> FeatureFlags:
        """Parse the ConfigMap's ``data`` as Tekton's ``NewFeatureFlagsFromMap``."""
        values: dict[str, object] = {}
        known = {f.name: f for f in dataclasses.fields(cls)}
        for key, raw in data.items():
            name = key.replace("-", "_")
            f = known.get(name)
            if f is None:
                continue  # Tekton ignores keys it does not know.
            if name == "enable_api_fields":
                values[name] = _choice(key, raw, (ALPHA, BETA, STABLE))
            elif name == "coschedule":
                values[name] = _choice(
                    key, raw, ("disabled", "workspaces", "pipelineruns", "isolate-pipelinerun")
                )
            elif name == "results_from":
                values[name] = _choice(key, raw, ("termination-message", "sidecar-logs"))
            elif name == "enforce_nonfalsifiability":
                values[name] = _choice(key, raw, ("none", "spire"))
            elif name == "trusted_resources_verification_no_match_policy":
                values[name] = _choice(key, raw, ("ignore", "warn", "fail"))
            elif name == "max_result_size":
                try:
                    values[name] = int(raw)
                except ValueError:
                    raise ConfigError(
                        f"failed parsing feature flags config {go_quote(raw)}: {key}"
                    ) from None
            elif name == "disable_inline_spec":
                values[name] = raw
            else:
                values[name] = _parse_bool(key, raw)
        return cls(**values)  # type: ignore[arg-type]

    def with_values(self, data: Mapping[str, str]) -> FeatureFlags:
        """A copy with some ConfigMap keys changed."""
        current = {
            f.name.replace("_", "-"): _to_text(getattr(self, f.name))
            for f in dataclasses.fields(self)
        }
        current.update(data)
        return FeatureFlags.from_map(current)

    def api_fields_at_least(self, level: str) -> bool:
        """Whether ``enable-api-fields`` admits fields of stability ``level``."""
        return _API_FIELDS_ORDER[self.enable_api_fields] >= _API_FIELDS_ORDER[level]

    def inline_spec_disabled(self, kind: str) -> bool:
        """Whether ``disable-inline-spec`` lists ``kind`` (taskrun, pipelinerun, pipeline)."""
        return kind in [s.strip() for s in self.disable_inline_spec.split(",")]


# The flags Tekton's alpha CI turns on (test/e2e-tests-kind-alpha.env), used to run the
# alpha examples the way Tekton runs them.
ALPHA_CI_FLAGS: Mapping[str, str] = {
    "enable-api-fields": "alpha",
    "results-from": "sidecar-logs",
    "keep-pod-on-cancel": "true",
    "enable-cel-in-whenexpression": "true",
    "enable-param-enum": "true",
    "enable-artifacts": "true",
    "enable-concise-resolver-syntax": "true",
    "enable-kubernetes-sidecar": "true",
    "enable-termination-message-compression": "true",
}


# The flags Tekton's beta CI sets (test/e2e-tests-kind-beta.env: PIPELINE_FEATURE_GATE,
# RESULTS_FROM, KEEP_POD_ON_CANCEL), used to run the beta examples the way Tekton runs them.
BETA_CI_FLAGS: Mapping[str, str] = {
    "enable-api-fields": "beta",
    "results-from": "sidecar-logs",
    "keep-pod-on-cancel": "true",
}


def _to_text(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@dataclass(frozen=True)
class Defaults:
    """The ``config-defaults`` ConfigMap (only what Tektite uses is parsed into fields)."""

    default_timeout_minutes: int = 60
    default_service_account: str = "default"
    default_managed_by_label_value: str = "tekton-pipelines"
    default_max_matrix_combinations_count: int = 256
    default_resolver_type: str = ""
    default_forbidden_env: tuple[str, ...] = ()
    default_task_run_workspace_binding: str = ""
    default_pod_template: str = ""
    default_step_ref_concurrency_limit: int = 5

    @classmethod
    def from_map(cls, data: Mapping[str, str]) -> Defaults:
        """Parse the ConfigMap's ``data`` as Tekton's ``NewDefaultsFromMap``."""
        values: dict[str, object] = {}
        ints = (
            "default_timeout_minutes",
            "default_max_matrix_combinations_count",
            "default_step_ref_concurrency_limit",
        )
        for key, raw in data.items():
            name = key.replace("-", "_")
            if name in ints:
                try:
                    values[name] = int(raw)
                except ValueError:
                    raise ConfigError(
                        f"failed parsing default config {go_quote(key)}: {go_quote(raw)}"
                    ) from None
            elif name == "default_forbidden_env":
                values[name] = tuple(s.strip() for s in raw.split(",") if s.strip())
            elif name in {f.name for f in dataclasses.fields(cls)}:
                values[name] = raw
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Config:
    """Everything defaulting and validation read from the cluster's configuration."""

    features: FeatureFlags = field(default_factory=FeatureFlags)
    defaults: Defaults = field(default_factory=Defaults)

    @classmethod
    def alpha_ci(cls) -> Config:
        """The configuration of Tekton's alpha CI (every feature the examples use)."""
        return cls(features=FeatureFlags.from_map(ALPHA_CI_FLAGS))

    @classmethod
    def beta_ci(cls) -> Config:
        """The configuration of Tekton's beta CI (beta API fields, results from sidecar
        logs, cancellation through the entrypoint)."""
        return cls(features=FeatureFlags.from_map(BETA_CI_FLAGS))
