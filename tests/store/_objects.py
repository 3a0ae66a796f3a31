"""Objects the store tests create, shaped as users and controllers submit them."""

from __future__ import annotations

from typing import Any


def taskrun(name: str = "", **metadata: Any) -> dict[str, Any]:
    """A small TaskRun as a user would submit it."""
    meta: dict[str, Any] = dict(metadata)
    if name:
        meta["name"] = name
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": meta,
        "spec": {"taskRef": {"name": "build"}, "params": [{"name": "x", "value": "1"}]},
    }


def configmap(name: str, data: dict[str, str] | None = None, **metadata: Any) -> dict[str, Any]:
    """A ConfigMap (core group, no spec)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, **metadata},
        "data": data or {},
    }


def owner_ref(owner: dict[str, Any]) -> dict[str, Any]:
    """An ownerReference naming ``owner`` (as a controller sets it)."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
