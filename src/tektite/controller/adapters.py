"""The Store seen through the narrow interfaces the engine and runtimes ask for."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Mapping
from pathlib import Path

from tektite.api.models import Pipeline, StepAction, Task
from tektite.api.objects import InvalidObject, decode
from tektite.engine.admission import AccountObjects
from tektite.engine.creds import DEFAULT_SERVICE_ACCOUNT, referenced_secrets
from tektite.store.errors import Conflict, Invalid, NotFound
from tektite.store.protocol import Store

log = logging.getLogger(__name__)
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _decoded(store: Store, kind: str, namespace: str, name: str) -> object | None:
    """A stored object decoded to its model; None when absent or not decodable."""
    raw = store.get(kind, namespace, name)
    if raw is None:
        return None
    try:
        return decode(raw)
    except InvalidObject:
        return None


def sync_own_metadata(
    store: Store,
    kind: str,
    namespace: str,
    name: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    written: dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]],
) -> None:
    """Tekton's ``syncMetadata``: merge the labels and annotations a reconcile pass set
    into the stored object (stored keys kept, the pass's values winning); written only
    when that changes something. A conflict with another writer is retried; an object
    that is gone is left alone. What it wrote goes into ``written`` under (namespace,
    name): its watch event is then the reconciler's own write (see ``Controller``), as
    ``status_update.update_own_status`` records the status.

    Labels the API server refuses (a ``tekton.dev/pipeline`` label taken from a
    resolver's ``name`` param is not checked before) are reported as Tekton's deferred
    ``syncMetadata`` reports them, a warning, and not written; the pass's status stays
    written. Unlike Tekton, the pass is not retried for it: the same labels would be
    refused again, and the next pass tries anyway."""
    for _ in range(3):
        raw = store.get(kind, namespace, name)
        if raw is None:
            return
        meta = raw.setdefault("metadata", {})
        current_labels = meta.get("labels") or {}
        current_annotations = meta.get("annotations") or {}
        merged_labels = {**current_labels, **labels}
        merged_annotations = {**current_annotations, **annotations}
        if merged_labels == current_labels and merged_annotations == current_annotations:
            return
        meta["labels"] = merged_labels
        meta["annotations"] = merged_annotations
        try:
            store.update(raw)
        except Conflict:
            continue
        except NotFound:
            return
        except Invalid as error:
            log.warning("Failed to sync %s metadata: %s", kind, error)
            return
        written[(namespace, name)] = (merged_labels, merged_annotations)
        return


class StoreLookup:
    """``ObjectLookup`` over the store: referenced Tasks and StepActions."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, kind: str, namespace: str, name: str) -> Task | StepAction | None:
        """The Task or StepAction, or None (also when the stored object is not valid)."""
        obj = _decoded(self._store, kind, namespace, name)
        return obj if isinstance(obj, (Task, StepAction)) else None


class StorePipelineLookup:
    """``PipelineLookup`` over the store: the Pipelines and Tasks a PipelineRun names.

    A PipelineRun pass asks for the same Task once per PipelineTask: each object is
    decoded once per resourceVersion, and the same instance returned (callers copy it
    before changing it, as resolution does).
    """

    _MAX_DECODED = 512

    def __init__(self, store: Store) -> None:
        self._store = store
        self._decoded: dict[tuple[str, str, str], tuple[str, object]] = {}

    def get(self, kind: str, namespace: str, name: str) -> Pipeline | Task | None:
        """The Pipeline or Task, or None (also when the stored object is not valid)."""
        raw = self._store.get(kind, namespace, name)
        if raw is None:
            return None
        key = (kind, namespace, name)
        version = str((raw.get("metadata") or {}).get("resourceVersion", ""))
        cached = self._decoded.get(key)
        if cached is not None and version and cached[0] == version:
            obj = cached[1]
        else:
            try:
                obj = decode(raw)
            except InvalidObject:
                return None
            if len(self._decoded) >= self._MAX_DECODED:
                self._decoded.clear()
            self._decoded[key] = (version, obj)
        return obj if isinstance(obj, (Pipeline, Task)) else None


class StoreClusterData:
    """``ClusterData`` over the store: ConfigMaps, Secrets, and a directory per
    PersistentVolumeClaim under ``<data_dir>/claims/<namespace>/<claim>``, which
    outlives the runs that use it, as a bound volume does."""

    def __init__(self, store: Store, data_dir: Path) -> None:
        self._store = store
        self._claims = data_dir / "claims"

    def config_map(self, namespace: str, name: str) -> dict[str, bytes] | None:
        """The ConfigMap's data and binaryData as bytes."""
        obj = self._store.get("ConfigMap", namespace, name)
        if obj is None:
            return None
        out = {k: str(v).encode() for k, v in (obj.get("data") or {}).items()}
        for k, v in (obj.get("binaryData") or {}).items():
            out[k] = base64.b64decode(v)
        return out

    def secret(self, namespace: str, name: str) -> dict[str, bytes] | None:
        """The Secret's data (base64-decoded) merged with stringData."""
        obj = self._store.get("Secret", namespace, name)
        if obj is None:
            return None
        out = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
        for k, v in (obj.get("stringData") or {}).items():
            out[k] = str(v).encode()
        return out

    def secret_type(self, namespace: str, name: str) -> str | None:
        """The Secret's ``type`` (``Opaque`` when unset), or None when it is missing."""
        obj = self._store.get("Secret", namespace, name)
        return None if obj is None else str(obj.get("type") or "Opaque")

    def claim_directory(self, namespace: str, claim_name: str) -> str | None:
        """The claim's directory, created on first use; None when no such claim."""
        if self._store.get("PersistentVolumeClaim", namespace, claim_name) is None:
            return None
        path = self._claims / _SAFE.sub("_", namespace) / _SAFE.sub("_", claim_name)
        path.mkdir(parents=True, exist_ok=True)
        return str(path)


def account_objects(store: Store, namespace: str, service_account_name: str) -> AccountObjects:
    """What a TaskRun's Pod depends on beyond the run: its ServiceAccount (``default``
    when it names none), the Secrets that account lists, the namespace's LimitRanges."""
    name = service_account_name or DEFAULT_SERVICE_ACCOUNT
    account = store.get("ServiceAccount", namespace, name)
    secrets = {s: store.get("Secret", namespace, s) for s in referenced_secrets(account)}
    limit_ranges = sorted(
        store.list("LimitRange", namespace), key=lambda o: str(o["metadata"]["name"])
    )
    return AccountObjects(name, account, secrets, limit_ranges)
