"""Kubernetes object metadata, conditions, and plain Kubernetes objects."""

from dataclasses import dataclass, field
from typing import Any

import msgspec

from tektite.api.models._base import JsonObj, Model, StrMap


class OwnerReference(Model):
    """``metav1.OwnerReference``: the object that owns this one (cascading delete)."""

    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ObjectMeta(Model):
    """``metav1.ObjectMeta``."""

    name: str = ""
    generate_name: str = ""
    namespace: str = ""
    uid: str = ""
    resource_version: str = ""
    generation: int = 0
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    deletion_grace_period_seconds: int | None = None
    labels: StrMap = msgspec.field(default_factory=dict)
    annotations: StrMap = msgspec.field(default_factory=dict)
    owner_references: list[OwnerReference] = msgspec.field(default_factory=list)
    finalizers: list[str] = msgspec.field(default_factory=list)
    managed_fields: list[JsonObj] = msgspec.field(default_factory=list)
    self_link: str = ""


class Condition(Model):
    """Knative's ``apis.Condition``; Tekton only uses type ``Succeeded``."""

    type: str
    status: str
    severity: str = ""
    last_transition_time: str | None = None
    reason: str = ""
    message: str = ""


@dataclass
class KubeObject:
    """Any other Kubernetes object found beside runs (ConfigMap, Secret, PVC, …).

    Tektite keeps them whole and reads the few fields it needs (``data``, ``spec``…);
    it does not validate their bodies.
    """

    api_version: str
    kind: str
    metadata: ObjectMeta
    body: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "metadata": self.metadata.to_dict(),
            **self.body,
        }
