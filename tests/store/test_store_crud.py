"""SqliteStore create / get / list / update / update_status, with the API server's rules."""

from __future__ import annotations

import re
import sqlite3
import stat
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tektite.store.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Invalid,
    InvalidSelector,
    NotFound,
)
from tektite.store.protocol import Store
from tektite.store.sqlite import SqliteStore

from ._objects import configmap, taskrun
from .conftest import Clock


def test_is_a_store(store: SqliteStore) -> None:
    s: Store = store  # mypy checks the protocol; this checks the import works
    assert s is store


def test_create_fills_system_metadata(store: SqliteStore) -> None:
    created = store.create(taskrun("build-1", labels={"app": "web"}))
    meta = created["metadata"]
    assert list(created) == ["apiVersion", "kind", "metadata", "spec"]
    assert list(meta) == [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "labels",
    ]
    assert meta["namespace"] == "default"
    assert uuid.UUID(meta["uid"]).version == 4
    assert meta["resourceVersion"] == "1"
    assert meta["generation"] == 1
    assert meta["creationTimestamp"] == "2024-05-01T12:00:00Z"
    assert store.get("TaskRun", "default", "build-1") == created


def test_create_ignores_client_system_fields_and_status(store: SqliteStore) -> None:
    obj = taskrun("x", namespace="ci", uid="mine", generation=7, deletionTimestamp="t")
    obj["status"] = {"podName": "p"}
    created = store.create(obj)
    meta = created["metadata"]
    assert meta["uid"] != "mine" and meta["generation"] == 1
    assert "deletionTimestamp" not in meta
    assert "status" not in created  # a status subresource: create cannot set status
    assert meta["namespace"] == "ci"
    assert obj["metadata"]["uid"] == "mine"  # the caller's dict is untouched


def test_returned_objects_are_copies(store: SqliteStore) -> None:
    obj = taskrun("x")
    created = store.create(obj)
    obj["spec"]["params"].append({"name": "y"})
    created["spec"]["taskRef"]["name"] = "changed"
    got = store.get("TaskRun", "default", "x")
    assert got is not None and got["spec"] == taskrun("x")["spec"]


def test_resource_versions_are_store_wide_and_increasing(store: SqliteStore) -> None:
    a = store.create(taskrun("a"))
    b = store.create(configmap("b"))
    c = store.update_status({**a, "status": {"x": 1}})
    versions = [int(o["metadata"]["resourceVersion"]) for o in (a, b, c)]
    assert versions == [1, 2, 3]
    assert store.resource_version() == "3"


def test_timestamps_come_from_the_clock(store: SqliteStore, clock: Clock) -> None:
    clock.advance(3600.7)
    assert store.create(taskrun("a"))["metadata"]["creationTimestamp"] == "2024-05-01T13:00:00Z"


def test_default_clock_is_utc_now(db_path: Path) -> None:
    with SqliteStore(db_path) as s:
        stamp = s.create(configmap("a"))["metadata"]["creationTimestamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    assert stamp[:4] == time.strftime("%Y", time.gmtime())


def test_generate_name(store: SqliteStore) -> None:
    names = {
        store.create(taskrun(generateName="build-run-"))["metadata"]["name"] for _ in range(20)
    }
    assert len(names) == 20
    for name in names:
        assert re.fullmatch(r"build-run-[bcdfghjklmnpqrstvwxz2456789]{5}", name)
    long = store.create(taskrun(generateName="p" * 70))["metadata"]
    assert len(long["name"]) == 63 and long["generateName"] == "p" * 70
    # An explicit name wins over generateName.
    assert store.create(taskrun("fixed", generateName="g-"))["metadata"]["name"] == "fixed"


def test_already_exists(store: SqliteStore) -> None:
    store.create(taskrun("x"))
    with pytest.raises(AlreadyExists) as info:
        store.create(taskrun("x"))
    assert str(info.value) == 'taskruns.tekton.dev "x" already exists'
    assert (info.value.code, info.value.reason) == (409, "AlreadyExists")
    with pytest.raises(AlreadyExists, match=r'^configmaps "c" already exists$'):
        store.create(configmap("c"))
        store.create(configmap("c"))
    # Same name, other namespace or other kind: no clash.
    store.create(taskrun("x", namespace="other"))
    store.create(configmap("x"))


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            taskrun(),
            'TaskRun.tekton.dev "" is invalid: metadata.name: Required value: name or '
            "generateName is required",
        ),
        (
            configmap(""),
            'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is '
            "required",
        ),
        (
            taskrun("Bad_Name"),
            'TaskRun.tekton.dev "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name":'
            " a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters,"
            " '-' or '.', and must start and end with an alphanumeric character (e.g."
            " 'example.com', regex used for validation is"
            " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
        (
            taskrun("ok", namespace="a.b"),
            'TaskRun.tekton.dev "ok" is invalid: metadata.namespace: Invalid value: "a.b": must'
            " not contain dots",
        ),
        (
            taskrun("ok", labels={"a b": "c", "d": "-e"}),
            'TaskRun.tekton.dev "ok" is invalid: [metadata.labels: Invalid value: "a b": name'
            " part must consist of alphanumeric characters, '-', '_' or '.', and must start and"
            " end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc',"
            " regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'),"
            ' metadata.labels: Invalid value: "-e": a valid label must be an empty string or'
            " consist of alphanumeric characters, '-', '_' or '.', and must start and end with"
            " an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used"
            " for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]",
        ),
        (
            taskrun("ok", ownerReferences=[{"apiVersion": "tekton.dev/v1", "kind": "X"}]),
            'TaskRun.tekton.dev "ok" is invalid: [metadata.ownerReferences.name: Invalid value:'
            ' "": must not be empty, metadata.ownerReferences.uid: Invalid value: "": must not'
            " be empty]",
        ),
    ],
)
def test_invalid_metadata(store: SqliteStore, obj: dict[str, Any], message: str) -> None:
    with pytest.raises(Invalid) as info:
        store.create(obj)
    assert str(info.value) == message
    assert (info.value.code, info.value.reason) == (422, "Invalid")


def test_generate_name_prefix_is_validated(store: SqliteStore) -> None:
    with pytest.raises(Invalid, match=r'metadata.generateName: Invalid value: "Bad-"'):
        store.create(taskrun(generateName="Bad-"))
    # apimachinery's maskTrailingDash drops the last two characters of a prefix ending in
    # "-" ("a-.-" is checked as "a-a"): the prefix passes, the name made from it does not.
    with pytest.raises(Invalid) as info:
        store.create(taskrun(generateName="a-.-"))
    assert str(info.value).startswith('TaskRun.tekton.dev "a-.-')
    assert "metadata.name: Invalid value" in str(info.value)
    assert "generateName" not in str(info.value)


def test_bad_requests(store: SqliteStore) -> None:
    with pytest.raises(BadRequest, match="resourceVersion should not be set on objects to be"):
        store.create(taskrun("x", resourceVersion="3"))
    with pytest.raises(BadRequest, match="Object 'Kind' is missing"):
        store.create({"apiVersion": "v1", "metadata": {"name": "x"}})
    with pytest.raises(BadRequest, match=r"metadata.labels must map strings to strings"):
        store.create(taskrun("x", labels={"version": 1}))
    with pytest.raises(BadRequest, match=r"^resource name may not be empty$"):
        store.update(taskrun())
    with pytest.raises(BadRequest, match="namespace is required"):
        store.get("TaskRun", None, "x")


def test_cluster_scoped_kinds_have_no_namespace(store: SqliteStore) -> None:
    ns = store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ci"}})
    assert "namespace" not in ns["metadata"]
    ctb = store.create(
        {
            "apiVersion": "triggers.tekton.dev/v1beta1",
            "kind": "ClusterTriggerBinding",
            "metadata": {"name": "push", "namespace": "ignored"},
        }
    )
    assert "namespace" not in ctb["metadata"]
    assert store.get("ClusterTriggerBinding", None, "push") == ctb
    assert store.get("ClusterTriggerBinding", "whatever", "push") == ctb
    assert store.list("Namespace", "default") == [ns]
    with pytest.raises(Invalid, match="must not contain dots"):
        store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}})


def test_get_missing(store: SqliteStore) -> None:
    assert store.get("TaskRun", "default", "nope") is None
    store.create(taskrun("x"))
    assert store.get("PipelineRun", "default", "x") is None
    assert store.get("TaskRun", "other", "x") is None


def test_get_many_reads_what_get_reads_at_once(store: SqliteStore) -> None:
    """By name, only those that exist, in the namespace asked (cluster-scoped kinds in
    any), each once however often named; more names than one SQL statement binds."""
    created = {n: store.create(taskrun(n)) for n in (f"tr-{i}" for i in range(1200))}
    store.create(taskrun("elsewhere", namespace="ci"))
    names = [*created, "missing", "elsewhere", "tr-7"]
    found = store.get_many("TaskRun", "default", names)
    assert found == created
    assert found["tr-7"] == store.get("TaskRun", "default", "tr-7")
    assert store.get_many("TaskRun", "ci", ["elsewhere", "tr-1"]) == {
        "elsewhere": store.get("TaskRun", "ci", "elsewhere")
    }
    assert store.get_many("TaskRun", "default", []) == {}
    ns = store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ci"}})
    assert store.get_many("Namespace", "whatever", ["ci"]) == {"ci": ns}
    with pytest.raises(BadRequest):
        store.get_many("TaskRun", None, ["tr-1"])
    found["tr-1"]["metadata"]["labels"] = {"changed": "here"}  # a copy, as get returns
    assert store.get("TaskRun", "default", "tr-1") == created["tr-1"]


def test_a_batch_is_one_change(store: SqliteStore, db_path: Path) -> None:
    """Writes in ``batch`` commit together (another connection sees none before the
    end), reads inside see them, a write failing inside undoes only itself (its
    resourceVersion is not used up), and nested blocks commit with the outermost."""
    other = SqliteStore(db_path)
    try:
        with store.batch():
            a = store.create(taskrun("a"))
            with pytest.raises(AlreadyExists):
                store.create(taskrun("a"))
            with store.batch():
                b = store.create(taskrun("b"))
            assert store.get("TaskRun", "default", "b") == b  # seen inside
            assert other.get("TaskRun", "default", "a") is None  # not yet outside
            assert other.events_since("0") == []
            store.update_status({**a, "status": {"n": 1}})
        assert [o["metadata"]["name"] for o in other.list("TaskRun")] == ["a", "b"]
        events = other.events_since("0")
        assert [(e.type, e.resource_version) for e in events] == [
            ("ADDED", "1"),
            ("ADDED", "2"),
            ("MODIFIED", "3"),
        ]
    finally:
        other.close()


def test_an_exception_leaving_a_batch_undoes_it(store: SqliteStore) -> None:
    store.create(taskrun("kept"))
    with pytest.raises(RuntimeError, match="stop"), store.batch():
        store.create(taskrun("gone"))
        store.delete("TaskRun", "default", "kept")
        raise RuntimeError("stop")
    assert [o["metadata"]["name"] for o in store.list("TaskRun")] == ["kept"]
    assert len(store.events_since("0")) == 1
    assert store.create(taskrun("next"))["metadata"]["resourceVersion"] == "2"


def test_list_order_namespaces_limit(store: SqliteStore) -> None:
    for name, ns in [("c", "default"), ("a", "ci"), ("b", "default")]:
        store.create(taskrun(name, namespace=ns))
    store.create(configmap("cm"))

    def names(objs: list[dict[str, Any]]) -> list[str]:
        return [o["metadata"]["name"] for o in objs]

    assert names(store.list("TaskRun")) == ["c", "a", "b"]  # creation order, all namespaces
    assert names(store.list("TaskRun", "default")) == ["c", "b"]
    assert names(store.list("TaskRun", newest_first=True)) == ["b", "a", "c"]
    assert names(store.list("TaskRun", limit=2)) == ["c", "a"]
    assert names(store.list("TaskRun", limit=2, newest_first=True)) == ["b", "a"]
    assert names(store.list("ConfigMap")) == ["cm"]
    assert store.list("Pipeline") == []


def test_list_with_label_selector(store: SqliteStore) -> None:
    for i in range(6):
        labels = {"tekton.dev/pipeline": "build" if i % 2 else "test", "n": str(i)}
        store.create(taskrun(f"r{i}", labels=labels))
    store.create(taskrun("bare"))

    def names(selector: str, **kw: Any) -> list[str]:
        return [o["metadata"]["name"] for o in store.list("TaskRun", label_selector=selector, **kw)]

    assert names("tekton.dev/pipeline=build") == ["r1", "r3", "r5"]
    assert names("tekton.dev/pipeline=build", limit=2) == ["r1", "r3"]
    assert names("tekton.dev/pipeline=build", limit=2, newest_first=True) == ["r5", "r3"]
    assert names("tekton.dev/pipeline!=build") == ["r0", "r2", "r4", "bare"]
    assert names("!tekton.dev/pipeline") == ["bare"]
    assert names("n in (1,2),tekton.dev/pipeline") == ["r1", "r2"]
    assert names("n>3") == ["r4", "r5"]
    assert names("") == [f"r{i}" for i in range(6)] + ["bare"]
    with pytest.raises(InvalidSelector, match=r"^unable to parse requirement"):
        store.list("TaskRun", label_selector="a in b")


def test_update_replaces_metadata_and_spec_not_status(store: SqliteStore) -> None:
    created = store.create(taskrun("x", labels={"a": "1"}, annotations={"k": "v"}))
    with_status = store.update_status({**created, "status": {"podName": "x-pod"}})

    changed = taskrun("x", labels={"b": "2"}, finalizers=["tektite.dev/keep"])
    changed["spec"]["params"] = []
    changed["status"] = {"podName": "ignored"}
    changed["metadata"]["uid"] = "ignored"
    changed["metadata"]["creationTimestamp"] = "1999-01-01T00:00:00Z"
    updated = store.update(changed)
    meta = updated["metadata"]
    assert meta["labels"] == {"b": "2"}
    assert "annotations" not in meta
    assert meta["finalizers"] == ["tektite.dev/keep"]
    assert meta["uid"] == created["metadata"]["uid"]
    assert meta["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert updated["spec"]["params"] == []
    assert updated["status"] == {"podName": "x-pod"}
    assert meta["generation"] == 2
    assert int(meta["resourceVersion"]) > int(with_status["metadata"]["resourceVersion"])
    assert store.get("TaskRun", "default", "x") == updated


def test_generation_bumps_only_when_spec_changes(store: SqliteStore) -> None:
    obj = store.create(taskrun("x"))
    obj["metadata"]["labels"] = {"only": "metadata"}
    obj = store.update(obj)
    assert obj["metadata"]["generation"] == 1
    obj = store.update_status({**obj, "status": {"s": 1}})
    assert obj["metadata"]["generation"] == 1
    obj["spec"]["timeout"] = "1h"
    obj = store.update(obj)
    assert obj["metadata"]["generation"] == 2
    cm = store.create(configmap("c", {"a": "1"}))
    cm["data"]["a"] = "2"  # any non-metadata, non-status field counts as spec
    assert store.update(cm)["metadata"]["generation"] == 2


def test_noop_writes_change_nothing(store: SqliteStore) -> None:
    obj = store.create(taskrun("x"))
    obj = store.update_status({**obj, "status": {"s": 1}})
    rv = store.resource_version()
    assert store.update(obj) == obj
    assert store.update_status(obj) == obj
    assert store.resource_version() == rv
    assert len(store.events_since("0")) == 2


def test_update_status_replaces_only_status(store: SqliteStore) -> None:
    created = store.create(taskrun("x", labels={"a": "1"}))
    sent = {**created, "spec": {"changed": True}, "status": {"conditions": []}}
    sent["metadata"] = {**created["metadata"], "labels": {"b": "2"}}
    updated = store.update_status(sent)
    assert updated["spec"] == created["spec"]
    assert updated["metadata"]["labels"] == {"a": "1"}
    assert updated["status"] == {"conditions": []}
    assert updated["metadata"]["generation"] == 1
    assert list(updated) == ["apiVersion", "kind", "metadata", "spec", "status"]
    cleared = store.update_status({**updated, "status": None})
    assert "status" not in cleared


def test_update_with_status_is_both_updates_in_one_change(store: SqliteStore) -> None:
    created = store.create(taskrun("x", labels={"a": "1"}))
    since = store.resource_version()
    sent = {**created, "spec": {"changed": True}, "status": {"conditions": []}}
    sent["metadata"] = {**created["metadata"], "labels": {"a": "1", "b": "2"}}
    updated = store.update_with_status(sent)
    assert updated["spec"] == {"changed": True}
    assert updated["metadata"]["labels"] == {"a": "1", "b": "2"}
    assert updated["metadata"]["generation"] == 2
    assert updated["status"] == {"conditions": []}
    assert list(updated) == ["apiVersion", "kind", "metadata", "spec", "status"]
    events = store.events_since(since)
    assert [(e.type, e.object) for e in events] == [("MODIFIED", updated)]
    assert store.get("TaskRun", "default", "x") == updated
    # Stale, gone, no-op and a null status as for the two updates it stands for.
    with pytest.raises(Conflict):
        store.update_with_status({**created, "status": {"n": 1}})
    with pytest.raises(NotFound, match=r'^taskruns.tekton.dev "ghost" not found$'):
        store.update_with_status(taskrun("ghost"))
    assert store.update_with_status(updated) == updated
    assert "status" not in store.update_with_status({**updated, "status": None})


def test_conflicts(store: SqliteStore) -> None:
    first = store.create(taskrun("x"))
    second = store.update_status({**first, "status": {"n": 1}})
    message = (
        'Operation cannot be fulfilled on taskruns.tekton.dev "x": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )
    with pytest.raises(Conflict) as info:
        store.update_status({**first, "status": {"n": 2}})
    assert str(info.value) == message
    assert (info.value.code, info.value.reason) == (409, "Conflict")
    with pytest.raises(Conflict):
        store.update({**first, "spec": {}})
    # The latest version, or none at all (an unconditional write), succeeds.
    third = store.update_status({**second, "status": {"n": 3}})
    unconditional = {**third, "metadata": {"name": "x"}, "status": {"n": 4}}
    assert store.update_status(unconditional)["status"] == {"n": 4}
    assert store.update({**unconditional, "spec": {"new": 1}})["spec"] == {"new": 1}


def test_update_missing_object(store: SqliteStore) -> None:
    with pytest.raises(NotFound) as info:
        store.update(taskrun("ghost"))
    assert str(info.value) == 'taskruns.tekton.dev "ghost" not found'
    assert (info.value.code, info.value.reason) == (404, "NotFound")
    with pytest.raises(NotFound, match=r'^configmaps "ghost" not found$'):
        store.update_status(configmap("ghost"))


def test_update_validates_labels(store: SqliteStore) -> None:
    obj = store.create(taskrun("x"))
    obj["metadata"]["labels"] = {"bad key": "v"}
    with pytest.raises(Invalid, match=r'^TaskRun.tekton.dev "x" is invalid: metadata.labels'):
        store.update(obj)


def test_the_file_is_private_and_reopens(db_path: Path, clock: Clock) -> None:
    nested = db_path.parent / "deep" / "er" / "t.db"
    with SqliteStore(nested, clock=clock) as s:
        s.create(taskrun("x"))
    assert stat.S_IMODE(nested.stat().st_mode) == 0o600
    with SqliteStore(nested, clock=clock) as again:
        assert again.get("TaskRun", "default", "x") is not None
        assert again.create(taskrun("y"))["metadata"]["resourceVersion"] == "2"
    mode = sqlite3.connect(nested).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_close_then_use_reopens(store: SqliteStore) -> None:
    store.create(taskrun("x"))
    store.close()
    store.close()
    assert store.get("TaskRun", "default", "x") is not None


def test_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TEKTITE_HOME", str(tmp_path / "home"))
    assert SqliteStore.default_path() == tmp_path / "home" / "tektite.db"
    monkeypatch.delenv("TEKTITE_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert SqliteStore.default_path() == tmp_path / "xdg" / "tektite" / "tektite.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert SqliteStore.default_path() == tmp_path / "user" / ".local/share/tektite/tektite.db"


def test_list_of_ten_thousand_taskruns_is_fast(store: SqliteStore) -> None:
    status = {
        "conditions": [{"type": "Succeeded", "status": "True", "reason": "Succeeded"}],
        "podName": "p",
        "steps": [{"name": f"s{i}", "terminated": {"exitCode": 0}} for i in range(3)],
    }
    for i in range(10_000):
        obj = store.create(taskrun(f"run-{i}", labels={"tekton.dev/task": f"t{i % 10}"}))
        if i % 2:
            store.update_status({**obj, "status": status})
    times = []
    for _ in range(3):
        start = time.perf_counter()
        runs = store.list("TaskRun", "default")
        times.append(time.perf_counter() - start)
    assert len(runs) == 10_000
    assert min(times) < 0.5
    start = time.perf_counter()
    selected = store.list("TaskRun", label_selector="tekton.dev/task=t3")
    assert len(selected) == 1000 and time.perf_counter() - start < 0.5
