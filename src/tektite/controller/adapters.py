"""The Store seen through the narrow interfaces the engine and runtimes ask for."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from tektite.api.models import Pipeline, StepAction, Task
from tektite.api.objects import InvalidObject, decode
from tektite.store.protocol import Store

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


class StoreLookup:
    """``ObjectLookup`` over the store: referenced Tasks and StepActions."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, kind: str, namespace: str, name: str) -> Task | StepAction | None:
        """The Task or StepAction, or None (also when the stored object is not valid)."""
        obj = _decoded(self._store, kind, namespace, name)
        return obj if isinstance(obj, (Task, StepAction)) else None


class StorePipelineLookup:
    """``PipelineLookup`` over the store: the Pipelines and Tasks a PipelineRun names."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, kind: str, namespace: str, name: str) -> Pipeline | Task | None:
        """The Pipeline or Task, or None (also when the stored object is not valid)."""
        obj = _decoded(self._store, kind, namespace, name)
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

    def claim_directory(self, namespace: str, claim_name: str) -> str | None:
        """The claim's directory, created on first use; None when no such claim."""
        if self._store.get("PersistentVolumeClaim", namespace, claim_name) is None:
            return None
        path = self._claims / _SAFE.sub("_", namespace) / _SAFE.sub("_", claim_name)
        path.mkdir(parents=True, exist_ok=True)
        return str(path)
