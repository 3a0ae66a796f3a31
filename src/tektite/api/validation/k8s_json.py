"""The types of the Kubernetes parts Tektite's models keep as plain JSON.

Security contexts, probes, lifecycle hooks, where environment variables take their values
from, some volume sources and a pod template's scheduling fields stay JSON in the models
(the engine passes them on to the Pod as they are), but the API server decodes them into
typed structs and refuses a wrong type or an unknown field before any webhook runs:
``runAsUser: "x"`` never reaches Tekton. The Structs below are those types
(``k8s.io/api/core/v1``, only as far as type checking goes; value rules such as a uid's
range are the Pod's validation, which refuses the Pod later), and :func:`check` reports
a mismatch with the texts of the models' own decode errors.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from tektite.api.errors import FieldError
from tektite.api.objects import decode_error_to_field_error

Int32 = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
IntOrString = int | str


class _Type(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """A Kubernetes type: camelCase field names, strict types, unknown fields refused."""


class SELinuxOptions(_Type):
    user: str | None = None
    role: str | None = None
    type: str | None = None
    level: str | None = None


class WindowsSecurityContextOptions(_Type):
    gmsa_credential_spec_name: str | None = None
    gmsa_credential_spec: str | None = None
    run_as_user_name: str | None = None
    host_process: bool | None = None


class SeccompProfile(_Type):
    type: str | None = None
    localhost_profile: str | None = None


class AppArmorProfile(_Type):
    type: str | None = None
    localhost_profile: str | None = None


class Capabilities(_Type):
    add: list[str] | None = None
    drop: list[str] | None = None


class Sysctl(_Type):
    name: str | None = None
    value: str | None = None


class SecurityContext(_Type):
    """A container's ``securityContext``."""

    capabilities: Capabilities | None = None
    privileged: bool | None = None
    se_linux_options: SELinuxOptions | None = None
    windows_options: WindowsSecurityContextOptions | None = None
    run_as_user: Int64 | None = None
    run_as_group: Int64 | None = None
    run_as_non_root: bool | None = None
    read_only_root_filesystem: bool | None = None
    allow_privilege_escalation: bool | None = None
    proc_mount: str | None = None
    seccomp_profile: SeccompProfile | None = None
    app_armor_profile: AppArmorProfile | None = None


class PodSecurityContext(_Type):
    """A Pod's ``securityContext`` (Tekton's ``podTemplate.securityContext``)."""

    se_linux_options: SELinuxOptions | None = None
    windows_options: WindowsSecurityContextOptions | None = None
    run_as_user: Int64 | None = None
    run_as_group: Int64 | None = None
    run_as_non_root: bool | None = None
    supplemental_groups: list[Int64] | None = None
    supplemental_groups_policy: str | None = None
    fs_group: Int64 | None = None
    sysctls: list[Sysctl] | None = None
    fs_group_change_policy: str | None = None
    seccomp_profile: SeccompProfile | None = None
    app_armor_profile: AppArmorProfile | None = None
    se_linux_change_policy: str | None = None


class ExecAction(_Type):
    command: list[str] | None = None


class HTTPHeader(_Type):
    name: str
    value: str


class HTTPGetAction(_Type):
    port: IntOrString
    path: str | None = None
    host: str | None = None
    scheme: str | None = None
    http_headers: list[HTTPHeader] | None = None


class TCPSocketAction(_Type):
    port: IntOrString
    host: str | None = None


class GRPCAction(_Type):
    port: Int32
    service: str | None = None


class SleepAction(_Type):
    seconds: Int64


class Probe(_Type):
    """A container's liveness, readiness or startup probe."""

    exec: ExecAction | None = None
    http_get: HTTPGetAction | None = None
    tcp_socket: TCPSocketAction | None = None
    grpc: GRPCAction | None = None
    initial_delay_seconds: Int32 | None = None
    timeout_seconds: Int32 | None = None
    period_seconds: Int32 | None = None
    success_threshold: Int32 | None = None
    failure_threshold: Int32 | None = None
    termination_grace_period_seconds: Int64 | None = None


class LifecycleHandler(_Type):
    exec: ExecAction | None = None
    http_get: HTTPGetAction | None = None
    tcp_socket: TCPSocketAction | None = None
    sleep: SleepAction | None = None


class Lifecycle(_Type):
    """A container's ``lifecycle`` hooks."""

    post_start: LifecycleHandler | None = None
    pre_stop: LifecycleHandler | None = None
    stop_signal: str | None = None


class ObjectFieldSelector(_Type):
    api_version: str | None = None
    field_path: str | None = None


class ResourceFieldSelector(_Type):
    container_name: str | None = None
    resource: str | None = None
    divisor: IntOrString | None = None  # a resource.Quantity: "1Mi", or a number


class KeySelector(_Type):
    """``ConfigMapKeySelector`` and ``SecretKeySelector``."""

    name: str | None = None
    key: str | None = None
    optional: bool | None = None


class FileKeySelector(_Type):
    volume_name: str | None = None
    path: str | None = None
    key: str | None = None
    optional: bool | None = None


class EnvVarSource(_Type):
    """An environment variable's ``valueFrom``."""

    field_ref: ObjectFieldSelector | None = None
    resource_field_ref: ResourceFieldSelector | None = None
    config_map_key_ref: KeySelector | None = None
    secret_key_ref: KeySelector | None = None
    file_key_ref: FileKeySelector | None = None


class EnvSource(_Type):
    """``ConfigMapEnvSource`` and ``SecretEnvSource`` (an ``envFrom``'s)."""

    name: str | None = None
    optional: bool | None = None


class KeyToPath(_Type):
    key: str | None = None
    path: str | None = None
    mode: Int32 | None = None


class DownwardAPIVolumeFile(_Type):
    path: str | None = None
    field_ref: ObjectFieldSelector | None = None
    resource_field_ref: ResourceFieldSelector | None = None
    mode: Int32 | None = None


class DownwardAPIVolumeSource(_Type):
    """A volume's ``downwardAPI`` (and a projection's, without ``defaultMode``)."""

    items: list[DownwardAPIVolumeFile] | None = None
    default_mode: Int32 | None = None


class HostPathVolumeSource(_Type):
    path: str | None = None
    type: str | None = None


class ObjectProjection(_Type):
    """``SecretProjection`` and ``ConfigMapProjection``."""

    name: str | None = None
    items: list[KeyToPath] | None = None
    optional: bool | None = None


class DownwardAPIProjection(_Type):
    items: list[DownwardAPIVolumeFile] | None = None


class ServiceAccountTokenProjection(_Type):
    audience: str | None = None
    expiration_seconds: Int64 | None = None
    path: str | None = None


class ClusterTrustBundleProjection(_Type):
    name: str | None = None
    signer_name: str | None = None
    label_selector: dict[str, Any] | None = None
    optional: bool | None = None
    path: str | None = None


class PodCertificateProjection(_Type):
    signer_name: str | None = None
    key_type: str | None = None
    max_expiration_seconds: Int32 | None = None
    credential_bundle_path: str | None = None
    key_path: str | None = None
    certificate_chain_path: str | None = None
    user_annotations: dict[str, str] | None = None


class VolumeProjection(_Type):
    """One of a projected volume's ``sources``."""

    secret: ObjectProjection | None = None
    downward_api: DownwardAPIProjection | None = msgspec.field(default=None, name="downwardAPI")
    config_map: ObjectProjection | None = None
    service_account_token: ServiceAccountTokenProjection | None = None
    cluster_trust_bundle: ClusterTrustBundleProjection | None = None
    pod_certificate: PodCertificateProjection | None = None


class ImageVolumeSource(_Type):
    reference: str | None = None
    pull_policy: str | None = None


class TypedLocalObjectReference(_Type):
    api_group: str | None = None
    kind: str | None = None
    name: str | None = None


class TypedObjectReference(TypedLocalObjectReference):
    namespace: str | None = None


class VolumeResourceRequirements(_Type):
    limits: dict[str, IntOrString] | None = None  # resource.Quantity values
    requests: dict[str, IntOrString] | None = None


class PersistentVolumeClaimSpec(_Type):
    """A claim template's ``spec``."""

    access_modes: list[str] | None = None
    selector: dict[str, Any] | None = None
    resources: VolumeResourceRequirements | None = None
    volume_name: str | None = None
    storage_class_name: str | None = None
    volume_mode: str | None = None
    data_source: TypedLocalObjectReference | None = None
    data_source_ref: TypedObjectReference | None = None
    volume_attributes_class_name: str | None = None


class PersistentVolumeClaimTemplate(_Type):
    """An ephemeral volume's claim template."""

    metadata: dict[str, Any] | None = None
    spec: PersistentVolumeClaimSpec | None = None


class EphemeralVolumeSource(_Type):
    volume_claim_template: PersistentVolumeClaimTemplate | None = None


class LocalObjectReference(_Type):
    name: str | None = None


class Toleration(_Type):
    key: str | None = None
    operator: str | None = None
    value: str | None = None
    effect: str | None = None
    toleration_seconds: Int64 | None = None


class PodDNSConfigOption(_Type):
    name: str | None = None
    value: str | None = None


class PodDNSConfig(_Type):
    nameservers: list[str] | None = None
    searches: list[str] | None = None
    options: list[PodDNSConfigOption] | None = None


class Affinity(_Type):
    """A pod template's ``affinity`` (its three kinds typed as far as being objects)."""

    node_affinity: dict[str, Any] | None = None
    pod_affinity: dict[str, Any] | None = None
    pod_anti_affinity: dict[str, Any] | None = None


class HostAlias(_Type):
    ip: str | None = None
    hostnames: list[str] | None = None


class TopologySpreadConstraint(_Type):
    max_skew: Int32 | None = None
    topology_key: str | None = None
    when_unsatisfiable: str | None = None
    label_selector: dict[str, Any] | None = None
    min_domains: Int32 | None = None
    node_affinity_policy: str | None = None
    node_taints_policy: str | None = None
    match_label_keys: list[str] | None = None


def check(value: Any, kind: type[_Type], field: str) -> FieldError:
    """Whether the JSON ``value`` of ``field`` decodes as ``kind``; the decode error at
    its path below ``field`` when it does not (empty when ``value`` is None)."""
    if value is None:
        return FieldError()
    try:
        msgspec.convert(value, kind)
    except msgspec.ValidationError as error:
        return decode_error_to_field_error(str(error)).via_field(field)
    return FieldError()


def check_pod_template(template: Any) -> FieldError:
    """The JSON fields of a ``podTemplate`` that Tektite reads; paths relative to it."""
    errs = check(template.security_context, PodSecurityContext, "securityContext")
    errs = errs.also(_check_env(template.env))
    errs = errs.also(check_volumes(template.volumes))
    errs = errs.also(check(template.affinity, Affinity, "affinity"))
    errs = errs.also(check(template.dns_config, PodDNSConfig, "dnsConfig"))
    for attribute, kind, field in _TEMPLATE_LISTS:
        for i, item in enumerate(getattr(template, attribute) or ()):
            errs = errs.also(check(item, kind, f"[{i}]").via_field(field))
    return errs


_TEMPLATE_LISTS: tuple[tuple[str, type[_Type], str], ...] = (
    ("tolerations", Toleration, "tolerations"),
    ("image_pull_secrets", LocalObjectReference, "imagePullSecrets"),
    ("host_aliases", HostAlias, "hostAliases"),
    ("topology_spread_constraints", TopologySpreadConstraint, "topologySpreadConstraints"),
)


def check_volumes(volumes: Any) -> FieldError:
    """The JSON sources of each volume (``volumes[i]``); paths relative to the list's
    parent."""
    errs = FieldError()
    for i, volume in enumerate(volumes or ()):
        found = FieldError()
        for attribute, kind, field in _VOLUME_SOURCES:
            found = found.also(check(getattr(volume, attribute), kind, field))
        found = found.also(_check_projected_and_csi(volume.projected, volume.csi))
        errs = errs.also(found.via_field_index("volumes", i))
    return errs


def check_workspace_bindings(bindings: Any) -> FieldError:
    """The JSON parts of a run's workspace bindings (``workspaces[i]``): a projected
    binding's sources, a CSI one's secret reference, a claim template's spec."""
    errs = FieldError()
    for i, binding in enumerate(bindings or ()):
        found = _check_projected_and_csi(binding.projected, binding.csi)
        template = binding.volume_claim_template
        if template is not None:
            claim = check(template.spec, PersistentVolumeClaimSpec, "spec")
            found = found.also(claim.via_field("volumeClaimTemplate"))
        errs = errs.also(found.via_field_index("workspaces", i))
    return errs


def _check_projected_and_csi(projected: Any, csi: Any) -> FieldError:
    """The JSON parts of the two sources a volume and a workspace binding share."""
    errs = FieldError()
    for j, source in enumerate(getattr(projected, "sources", None) or ()):
        found = check(source, VolumeProjection, f"[{j}]")
        errs = errs.also(found.via_field("projected", "sources"))
    secret = getattr(csi, "node_publish_secret_ref", None)
    return errs.also(check(secret, LocalObjectReference, "nodePublishSecretRef").via_field("csi"))


_VOLUME_SOURCES: tuple[tuple[str, type[_Type], str], ...] = (
    ("host_path", HostPathVolumeSource, "hostPath"),
    ("downward_api", DownwardAPIVolumeSource, "downwardAPI"),
    ("ephemeral", EphemeralVolumeSource, "ephemeral"),
    ("image", ImageVolumeSource, "image"),
)


def check_container(container: Any) -> FieldError:
    """The JSON fields of a step, step template, sidecar or StepAction spec (those it
    has), paths relative to it."""
    errs = check(getattr(container, "security_context", None), SecurityContext, "securityContext")
    for attribute, field in _PROBES:
        errs = errs.also(check(getattr(container, attribute, None), Probe, field))
    errs = errs.also(check(getattr(container, "lifecycle", None), Lifecycle, "lifecycle"))
    errs = errs.also(_check_env(getattr(container, "env", None)))
    for i, source in enumerate(getattr(container, "env_from", None) or ()):
        for attribute, field in (("config_map_ref", "configMapRef"), ("secret_ref", "secretRef")):
            found = check(getattr(source, attribute), EnvSource, field)
            errs = errs.also(found.via_field_index("envFrom", i))
    return errs


def _check_env(env: Any) -> FieldError:
    errs = FieldError()
    for i, var in enumerate(env or ()):
        found = check(var.value_from, EnvVarSource, "valueFrom")
        errs = errs.also(found.via_field_index("env", i))
    return errs


_PROBES = (
    ("liveness_probe", "livenessProbe"),
    ("readiness_probe", "readinessProbe"),
    ("startup_probe", "startupProbe"),
)
