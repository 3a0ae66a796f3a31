"""The Store seam: where Kubernetes-shaped objects live.

Objects are plain JSON dicts exactly as the Kubernetes API returns them (``apiVersion``,
``kind``, ``metadata``, ``spec``, ``status``, or ``data`` for a ConfigMap). The store
knows nothing of Tekton: it keeps objects by ``(kind, namespace, name)``, which is
unambiguous because Tektite's kinds do not collide across API groups. Two
implementations share these semantics: ``SqliteStore`` (embedded, one file) and, later,
``KubernetesStore`` (the cluster's API server), so the controller, CLI and server
behave the same on both.

Semantics follow the API server: ``create`` assigns ``uid``, ``resourceVersion``,
``generation`` and ``creationTimestamp`` and drops ``status`` (as a CRD with a status
subresource does); ``update`` replaces everything but ``status``; ``update_status``
replaces only ``status``; a stale ``resourceVersion`` raises ``Conflict``; deleting an
owner deletes its dependents (background propagation); objects with finalizers are only
marked with ``deletionTimestamp`` until an update removes the last finalizer.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Collection
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

import msgspec

from tektite.store.selectors import Selector

__all__ = [
    "CLUSTER_SCOPED_KINDS",
    "DEFAULT_NAMESPACE",
    "EventType",
    "Object",
    "Store",
    "WatchEvent",
    "group_of",
    "is_namespaced",
    "qualified_kind",
    "qualified_resource",
    "resource_of",
]

Object = dict[str, Any]
"""A Kubernetes object as JSON: ``{"apiVersion", "kind", "metadata", ...}``."""

EventType = Literal["ADDED", "MODIFIED", "DELETED"]

DEFAULT_NAMESPACE = "default"

CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "ClusterInterceptor",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterTask",
        "ClusterTriggerBinding",
        "CustomResourceDefinition",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "StorageClass",
        "ValidatingWebhookConfiguration",
    }
)
"""Kinds without a namespace; every other kind is namespaced."""


class WatchEvent(msgspec.Struct, frozen=True):
    """One change: the object as it was right after the change (for ``DELETED``, its
    last state) and the store's ``resourceVersion`` to resume a watch from."""

    type: EventType
    object: Object
    resource_version: str


def is_namespaced(kind: str) -> bool:
    """Whether objects of ``kind`` live in a namespace."""
    return kind not in CLUSTER_SCOPED_KINDS


def resource_of(kind: str) -> str:
    """The plural resource name of ``kind`` (``TaskRun`` → ``taskruns``), by the API
    machinery's own rule (``meta.UnsafeGuessKindToResource``)."""
    singular = kind.lower()
    if singular == "endpoints":
        return singular
    if singular.endswith("s"):
        return singular + "es"
    if singular.endswith("y"):
        return singular[:-1] + "ies"
    return singular + "s"


def group_of(api_version: str) -> str:
    """The API group of ``apiVersion`` (``tekton.dev/v1`` → ``tekton.dev``; ``v1`` → "")."""
    return api_version.rpartition("/")[0]


def qualified_resource(api_version: str, kind: str) -> str:
    """``taskruns.tekton.dev`` / ``configmaps``: how API errors name a resource."""
    group = group_of(api_version)
    return f"{resource_of(kind)}.{group}" if group else resource_of(kind)


def qualified_kind(api_version: str, kind: str) -> str:
    """``TaskRun.tekton.dev`` / ``ConfigMap``: how ``Invalid`` errors name a kind."""
    group = group_of(api_version)
    return f"{kind}.{group}" if group else kind


class Store(Protocol):
    """Keeps Kubernetes objects; synchronous, every call is one short transaction.

    ``namespace`` is ignored for cluster-scoped kinds (pass ``None``); for namespaced
    kinds ``get``/``delete`` need it. Returned dicts are fresh copies the caller owns,
    but for the objects of watch events, which may be shared with the process's other
    watchers (as client-go's informers share their cache): read them, copy to change.
    """

    def create(self, obj: Object) -> Object:
        """Store a new object and return it as stored.

        Fills ``metadata.uid``, ``resourceVersion``, ``generation: 1``,
        ``creationTimestamp`` and ``namespace`` (``default``), turns ``generateName``
        into a name, drops ``status``. Raises ``AlreadyExists``, or ``Invalid`` for a
        missing or malformed name, namespace or label.
        """
        ...

    def get(self, kind: str, namespace: str | None, name: str) -> Object | None:
        """The object, or None when there is none."""
        ...

    def get_many(
        self, kind: str, namespace: str | None, names: Collection[str]
    ) -> dict[str, Object]:
        """The objects of ``kind`` named in ``names`` that exist, by name: what ``get``
        would return for each, read at once."""
        ...

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | Selector | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> builtins.list[Object]:
        """Objects of ``kind`` (in every namespace when ``namespace`` is None), oldest
        first (newest first with ``newest_first``), at most ``limit`` of them, filtered
        by a Kubernetes label selector (``InvalidSelector`` when it does not parse)."""
        ...

    def batch(self) -> AbstractContextManager[None]:
        """The calling thread's writes in the block become one change of the store:
        committed together at its end (watchers see them then), all undone if an
        exception leaves the block. A write that fails inside (``AlreadyExists``...)
        undoes only itself. Blocks nest; the outermost commits."""
        ...

    def update(self, obj: Object) -> Object:
        """Replace metadata (labels, annotations, ownerReferences, finalizers) and
        everything but ``status``; system metadata is kept. Bumps ``generation`` when
        anything but metadata and status changed. Raises ``NotFound``; ``Conflict``
        when ``metadata.resourceVersion`` is given and stale. A no-op returns the stored
        object unchanged (no new ``resourceVersion``, no event)."""
        ...

    def update_status(self, obj: Object) -> Object:
        """Replace only ``status``; same ``NotFound``/``Conflict`` rules as ``update``;
        ``generation`` is not bumped."""
        ...

    def update_with_status(self, obj: Object) -> Object:
        """What ``update`` and then ``update_status`` do, as one change: one new
        ``resourceVersion`` and one event (a reconciler that changed both pays for one
        write; the Kubernetes API needs two requests). Same ``NotFound``/``Conflict``
        rules as ``update``."""
        ...

    def delete(self, kind: str, namespace: str | None, name: str) -> Object | None:
        """Delete the object and, transitively, its dependents (objects whose
        ``ownerReferences`` name its uid and no other live owner). An object with
        finalizers is marked with ``deletionTimestamp`` and returned instead. None when
        there was no such object."""
        ...

    def resource_version(self) -> str:
        """The store's current ``resourceVersion`` (of its latest change)."""
        ...

    def events_since(
        self, resource_version: str, kinds: Collection[str] | None = None
    ) -> builtins.list[WatchEvent]:
        """Changes after ``resource_version`` (all kinds when ``kinds`` is None), oldest
        first. Raises ``Expired`` when some of them are no longer kept."""
        ...

    def watch(
        self,
        kinds: Collection[str] | None,
        since: str | None = None,
        *,
        namespace: str | None = None,
    ) -> AsyncIterator[WatchEvent]:
        """Follow changes forever. From ``since`` (exclusive) when given; otherwise (or
        with ``"0"``) first a synthetic ``ADDED`` for every existing object, then every
        change, as a Kubernetes watch without a resourceVersion. Raises ``Expired`` as
        ``events_since`` does. An event's object may be shared with other watchers: it
        must not be changed."""
        ...

    def close(self) -> None:
        """Release connections held by the store."""
        ...
