"""The Kubernetes core types that Tekton embeds in its own (containers, volumes, pods).

Fields Tektite reads are typed; deep structures it passes through untouched
(securityContext, probes, affinity, resource quantities…) stay JSON objects.
"""

import msgspec

from tektite.api.models._base import JsonObj, Model, StrMap


class EnvVar(Model):
    """``corev1.EnvVar``."""

    name: str
    value: str | None = None
    value_from: JsonObj | None = None


class EnvFromSource(Model):
    """``corev1.EnvFromSource``."""

    prefix: str | None = None
    config_map_ref: JsonObj | None = None
    secret_ref: JsonObj | None = None


class VolumeMount(Model):
    """``corev1.VolumeMount``."""

    name: str
    mount_path: str
    read_only: bool | None = None
    recursive_read_only: str | None = None
    sub_path: str | None = None
    sub_path_expr: str | None = None
    mount_propagation: str | None = None


class VolumeDevice(Model):
    """``corev1.VolumeDevice``."""

    name: str
    device_path: str


class ResourceRequirements(Model):
    """``corev1.ResourceRequirements`` (quantities kept as written: ``"1Gi"``, ``2``)."""

    limits: dict[str, str | int | float] | None = None
    requests: dict[str, str | int | float] | None = None
    claims: list[JsonObj] | None = None


class KeyToPath(Model):
    """``corev1.KeyToPath``: one item of a ConfigMap/Secret volume."""

    key: str
    path: str
    mode: int | None = None


class ConfigMapVolumeSource(Model):
    """``corev1.ConfigMapVolumeSource``."""

    name: str = ""
    items: list[KeyToPath] | None = None
    default_mode: int | None = None
    optional: bool | None = None


class SecretVolumeSource(Model):
    """``corev1.SecretVolumeSource``."""

    secret_name: str = ""
    items: list[KeyToPath] | None = None
    default_mode: int | None = None
    optional: bool | None = None


class PersistentVolumeClaimVolumeSource(Model):
    """``corev1.PersistentVolumeClaimVolumeSource``."""

    claim_name: str = ""
    read_only: bool | None = None


class EmptyDirVolumeSource(Model):
    """``corev1.EmptyDirVolumeSource``."""

    medium: str | None = None
    size_limit: str | int | None = None


class ProjectedVolumeSource(Model):
    """``corev1.ProjectedVolumeSource`` (each source kept as JSON)."""

    sources: list[JsonObj] | None = None
    default_mode: int | None = None


class CSIVolumeSource(Model):
    """``corev1.CSIVolumeSource``."""

    driver: str = ""
    read_only: bool | None = None
    fs_type: str | None = None
    volume_attributes: StrMap | None = None
    node_publish_secret_ref: JsonObj | None = None


class Volume(Model):
    """``corev1.Volume``: a name and one volume source."""

    name: str
    empty_dir: EmptyDirVolumeSource | None = None
    config_map: ConfigMapVolumeSource | None = None
    secret: SecretVolumeSource | None = None
    persistent_volume_claim: PersistentVolumeClaimVolumeSource | None = None
    projected: ProjectedVolumeSource | None = None
    csi: CSIVolumeSource | None = None
    host_path: JsonObj | None = None
    downward_api: JsonObj | None = msgspec.field(default=None, name="downwardAPI")
    ephemeral: JsonObj | None = None
    image: JsonObj | None = None
    git_repo: JsonObj | None = None
    nfs: JsonObj | None = None
    iscsi: JsonObj | None = None
    glusterfs: JsonObj | None = None
    rbd: JsonObj | None = None
    flex_volume: JsonObj | None = None
    cinder: JsonObj | None = None
    cephfs: JsonObj | None = None
    flocker: JsonObj | None = None
    fc: JsonObj | None = None
    azure_file: JsonObj | None = None
    azure_disk: JsonObj | None = None
    vsphere_volume: JsonObj | None = None
    quobyte: JsonObj | None = None
    photon_persistent_disk: JsonObj | None = None
    portworx_volume: JsonObj | None = None
    scale_io: JsonObj | None = msgspec.field(default=None, name="scaleIO")
    storageos: JsonObj | None = None
    gce_persistent_disk: JsonObj | None = None
    aws_elastic_block_store: JsonObj | None = None


class ContainerPort(Model):
    """``corev1.ContainerPort``."""

    container_port: int
    name: str | None = None
    host_port: int | None = None
    host_ip: str | None = msgspec.field(default=None, name="hostIP")
    protocol: str | None = None


class PersistentVolumeClaimTemplate(Model):
    """``corev1.PersistentVolumeClaim`` as used by ``volumeClaimTemplate``."""

    api_version: str | None = None
    kind: str | None = None
    metadata: JsonObj | None = None
    spec: JsonObj = msgspec.field(default_factory=dict)
    status: JsonObj | None = None


class PodTemplate(Model):
    """Tekton's ``pod.PodTemplate`` (``pkg/apis/pipeline/pod/template.go``)."""

    node_selector: StrMap | None = None
    env: list[EnvVar] | None = None
    tolerations: list[JsonObj] | None = None
    affinity: JsonObj | None = None
    security_context: JsonObj | None = None
    volumes: list[Volume] | None = None
    runtime_class_name: str | None = None
    automount_service_account_token: bool | None = None
    dns_policy: str | None = None
    dns_config: JsonObj | None = None
    enable_service_links: bool | None = None
    priority_class_name: str | None = None
    scheduler_name: str | None = None
    image_pull_secrets: list[JsonObj] | None = None
    host_aliases: list[JsonObj] | None = None
    host_network: bool | None = None
    host_users: bool | None = None
    topology_spread_constraints: list[JsonObj] | None = None
