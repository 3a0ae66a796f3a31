"""Deletes: owner-reference cascades (background propagation) and finalizers."""

from __future__ import annotations

from typing import Any

import pytest

from tektite.store.errors import Invalid
from tektite.store.sqlite import SqliteStore

from ._objects import configmap, owner_ref, taskrun
from .conftest import Clock


def _pipelinerun(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": name},
        "spec": {"pipelineRef": {"name": "p"}},
    }


def _pod(name: str, owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "ownerReferences": [owner_ref(owner)]},
        "spec": {"containers": []},
    }


def test_delete_returns_object_and_removes_it(store: SqliteStore) -> None:
    created = store.create(taskrun("x"))
    deleted = store.delete("TaskRun", "default", "x")
    assert deleted is not None
    assert deleted["metadata"]["uid"] == created["metadata"]["uid"]
    assert int(deleted["metadata"]["resourceVersion"]) == 2
    assert store.get("TaskRun", "default", "x") is None
    assert store.delete("TaskRun", "default", "x") is None
    # The name is free again, with a new uid.
    again = store.create(taskrun("x"))
    assert again["metadata"]["uid"] != created["metadata"]["uid"]


def test_cascade_through_two_levels(store: SqliteStore) -> None:
    pr = store.create(_pipelinerun("pr"))
    tr1 = store.create(taskrun("pr-a", ownerReferences=[owner_ref(pr)]))
    tr2 = store.create(taskrun("pr-b", ownerReferences=[owner_ref(pr)]))
    store.create(_pod("pr-a-pod", tr1))
    store.create(_pod("pr-b-pod", tr2))
    store.create(configmap("unrelated"))
    other_pr = store.create(_pipelinerun("other"))
    store.create(taskrun("other-a", ownerReferences=[owner_ref(other_pr)]))
    since = store.resource_version()

    store.delete("PipelineRun", "default", "pr")

    assert store.list("PipelineRun") == [store.get("PipelineRun", "default", "other")]
    assert [t["metadata"]["name"] for t in store.list("TaskRun")] == ["other-a"]
    assert store.list("Pod") == []
    assert store.get("ConfigMap", "default", "unrelated") is not None
    events = store.events_since(since)
    assert [(e.type, e.object["kind"], e.object["metadata"]["name"]) for e in events] == [
        ("DELETED", "PipelineRun", "pr"),
        ("DELETED", "TaskRun", "pr-a"),
        ("DELETED", "TaskRun", "pr-b"),
        ("DELETED", "Pod", "pr-a-pod"),
        ("DELETED", "Pod", "pr-b-pod"),
    ]
    versions = [int(e.resource_version) for e in events]
    assert versions == sorted(versions) and len(set(versions)) == 5


def test_dependent_with_another_live_owner_survives(store: SqliteStore) -> None:
    a = store.create(_pipelinerun("a"))
    b = store.create(_pipelinerun("b"))
    shared = store.create(configmap("shared", ownerReferences=[owner_ref(a), owner_ref(b)]))
    store.delete("PipelineRun", "default", "a")
    kept = store.get("ConfigMap", "default", "shared")
    assert kept is not None
    # The garbage collector drops the dangling reference.
    assert kept["metadata"]["ownerReferences"] == [owner_ref(b)]
    assert int(kept["metadata"]["resourceVersion"]) > int(shared["metadata"]["resourceVersion"])
    store.delete("PipelineRun", "default", "b")
    assert store.get("ConfigMap", "default", "shared") is None


def test_owner_references_follow_updates(store: SqliteStore) -> None:
    a = store.create(_pipelinerun("a"))
    b = store.create(_pipelinerun("b"))
    child = store.create(configmap("child", ownerReferences=[owner_ref(a)]))
    child["metadata"]["ownerReferences"] = [owner_ref(b)]
    store.update(child)
    store.delete("PipelineRun", "default", "a")
    assert store.get("ConfigMap", "default", "child") is not None
    store.delete("PipelineRun", "default", "b")
    assert store.get("ConfigMap", "default", "child") is None


def test_finalizers_hold_deletion_until_removed(store: SqliteStore, clock: Clock) -> None:
    created = store.create(taskrun("x", finalizers=["results.tekton.dev/taskrun"]))
    clock.advance(60)
    marked = store.delete("TaskRun", "default", "x")
    assert marked is not None
    meta = marked["metadata"]
    assert meta["deletionTimestamp"] == "2024-05-01T12:01:00Z"
    assert meta["deletionGracePeriodSeconds"] == 0
    assert meta["generation"] == 2
    assert store.get("TaskRun", "default", "x") == marked
    # Deleting again changes nothing.
    assert store.delete("TaskRun", "default", "x") == marked
    # No new finalizers while terminating.
    meta["finalizers"] = ["results.tekton.dev/taskrun", "other.dev/f"]
    with pytest.raises(Invalid) as info:
        store.update(marked)
    assert str(info.value) == (
        'TaskRun.tekton.dev "x" is invalid: metadata.finalizers: Forbidden: no new finalizers'
        ' can be added if the object is being deleted, found new finalizers []string{"other.dev/f"}'
    )
    # Status can still be written; removing the last finalizer completes the delete.
    latest = store.update_status({**marked, "status": {"stored": True}})
    latest["metadata"]["finalizers"] = []
    gone = store.update(latest)
    assert gone["metadata"]["uid"] == created["metadata"]["uid"]
    assert store.get("TaskRun", "default", "x") is None
    assert store.events_since("0")[-1].type == "DELETED"


def test_cascade_stops_at_finalizers_and_resumes(store: SqliteStore) -> None:
    pr = store.create(_pipelinerun("pr"))
    tr = store.create(taskrun("pr-a", ownerReferences=[owner_ref(pr)], finalizers=["keep/me"]))
    store.create(_pod("pr-a-pod", tr))
    store.delete("PipelineRun", "default", "pr")
    held = store.get("TaskRun", "default", "pr-a")
    assert held is not None and "deletionTimestamp" in held["metadata"]
    assert store.get("Pod", "default", "pr-a-pod") is not None
    held["metadata"]["finalizers"] = []
    store.update(held)
    assert store.get("TaskRun", "default", "pr-a") is None
    assert store.get("Pod", "default", "pr-a-pod") is None


def test_delete_of_cluster_scoped_kind(store: SqliteStore) -> None:
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ci"}})
    assert store.delete("Namespace", None, "ci") is not None
    assert store.get("Namespace", None, "ci") is None
