"""Kind naming helpers shared by every Store, and the error classes' API-server shape."""

from __future__ import annotations

import pytest

from tektite.store.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Expired,
    Invalid,
    NotFound,
    StoreError,
)
from tektite.store.protocol import (
    group_of,
    is_namespaced,
    qualified_kind,
    qualified_resource,
    resource_of,
)


@pytest.mark.parametrize(
    ("kind", "resource"),
    [
        ("TaskRun", "taskruns"),
        ("PipelineRun", "pipelineruns"),
        ("StepAction", "stepactions"),
        ("ConfigMap", "configmaps"),
        ("PersistentVolumeClaim", "persistentvolumeclaims"),
        ("ServiceAccount", "serviceaccounts"),
        ("ClusterTriggerBinding", "clustertriggerbindings"),
        ("Ingress", "ingresses"),
        ("NetworkPolicy", "networkpolicies"),
        ("Endpoints", "endpoints"),
    ],
)
def test_resource_names(kind: str, resource: str) -> None:
    assert resource_of(kind) == resource


def test_qualified_names() -> None:
    assert group_of("tekton.dev/v1") == "tekton.dev"
    assert group_of("v1") == ""
    assert qualified_resource("tekton.dev/v1", "TaskRun") == "taskruns.tekton.dev"
    assert qualified_resource("v1", "Secret") == "secrets"
    assert qualified_kind("triggers.tekton.dev/v1beta1", "EventListener") == (
        "EventListener.triggers.tekton.dev"
    )
    assert qualified_kind("v1", "ConfigMap") == "ConfigMap"


def test_scopes() -> None:
    assert is_namespaced("TaskRun") and is_namespaced("Secret")
    assert not is_namespaced("Namespace") and not is_namespaced("ClusterInterceptor")


def test_error_classes() -> None:
    shapes = {
        NotFound: (404, "NotFound"),
        AlreadyExists: (409, "AlreadyExists"),
        Conflict: (409, "Conflict"),
        Invalid: (422, "Invalid"),
        Expired: (410, "Expired"),
        BadRequest: (400, "BadRequest"),
    }
    for cls, shape in shapes.items():
        err = cls("from the server")
        assert isinstance(err, StoreError)
        assert (err.code, err.reason) == shape
        assert err.message == str(err) == "from the server"
    assert str(Invalid.of("ConfigMap", "x", ["a", "a"])) == 'ConfigMap "x" is invalid: a'
    assert str(Expired.of(3, 9)) == "too old resource version: 3 (9)"
