"""Workspace bindings: Tekton's ``workspace_validation_test.go`` with the exact messages."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.models import EmptyDirVolumeSource, WorkspaceBinding
from tektite.api.validation.workspaces import (
    validate_no_duplicate_names,
    validate_workspace_binding,
    validate_workspace_bindings,
)

VALID = [
    pytest.param(
        {"name": "beth", "persistentVolumeClaim": {"claimName": "pool-party"}}, id="Valid PVC"
    ),
    pytest.param(
        {
            "name": "beth",
            "volumeClaimTemplate": {
                "metadata": {"name": "mypvc"},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}},
                },
            },
        },
        id="Valid volumeClaimTemplate",
    ),
    pytest.param({"name": "beth", "emptyDir": {}}, id="Valid emptyDir"),
    pytest.param({"name": "beth", "configMap": {"name": "a-configmap-name"}}, id="Valid configMap"),
    pytest.param({"name": "beth", "secret": {"secretName": "my-secret"}}, id="Valid secret"),
    pytest.param(
        {
            "name": "beth",
            "projected": {
                "sources": [
                    {"configMap": {"name": "a-configmap-name"}},
                    {"secret": {"name": "my-secret"}},
                ]
            },
        },
        id="Valid projected",
    ),
    pytest.param({"name": "beth", "csi": {"driver": "my-csi"}}, id="Valid csi"),
    pytest.param(
        {"name": "beth", "subPath": "x/y", "emptyDir": {"medium": "Memory"}}, id="subPath"
    ),
]


@pytest.mark.parametrize("binding", VALID)
def test_valid_binding(binding: dict[str, Any]) -> None:
    assert not validate_workspace_binding(msgspec.convert(binding, WorkspaceBinding))


SOURCES = "configmap, emptydir, persistentvolumeclaim, secret, volumeclaimtemplate"

INVALID = [
    pytest.param({"name": ""}, "missing field(s): ", id="no binding provided"),
    pytest.param(
        {"name": "beth", "emptyDir": {}, "persistentVolumeClaim": {"claimName": "pool-party"}},
        f"expected exactly one, got both: {SOURCES}",
        id="Provided both pvc and emptydir",
    ),
    pytest.param(
        {"name": "beth", "secret": {"secretName": "s"}, "csi": {"driver": "d"}},
        f"expected exactly one, got both: {SOURCES}",
        id="Provided secret and csi",
    ),
    pytest.param(
        {"name": "beth"},
        f"expected exactly one, got neither: {SOURCES}",
        id="Provided neither pvc nor emptydir",
    ),
    pytest.param(
        {"name": "beth", "persistentVolumeClaim": {}},
        "missing field(s): persistentvolumeclaim.claimname",
        id="Provided pvc without claim name",
    ),
    pytest.param(
        {"name": "beth", "configMap": {}},
        "missing field(s): configmap.name",
        id="Provide configmap without a name",
    ),
    pytest.param(
        {"name": "beth", "secret": {}},
        "missing field(s): secret.secretName",
        id="Provide secret without a secretName",
    ),
    pytest.param(
        {"name": "beth", "projected": {}},
        "missing field(s): projected.sources",
        id="Provide projected without sources",
    ),
    pytest.param(
        {"name": "beth", "projected": {"sources": []}},
        "missing field(s): projected.sources",
        id="Provide projected with empty sources",
    ),
    pytest.param(
        {"name": "beth", "csi": {"driver": ""}},
        "missing field(s): csi.driver",
        id="Provide csi without a driver",
    ),
]


@pytest.mark.parametrize(("binding", "want"), INVALID)
def test_invalid_binding(binding: dict[str, Any], want: str) -> None:
    got = validate_workspace_binding(msgspec.convert(binding, WorkspaceBinding))
    assert got.render() == want


def bindings(*names: str) -> list[WorkspaceBinding]:
    return [WorkspaceBinding(name=n, empty_dir=EmptyDirVolumeSource()) for n in names]


@pytest.mark.parametrize(
    ("names", "want"),
    [
        (("a", "b"), ""),
        (("a", "a"), "expected exactly one, got both: [1].name"),
        (("ws", "WS", "b", "Ws"), "expected exactly one, got both: [1].name, [3].name"),
    ],
)
def test_binding_names_unique_ignoring_case(names: tuple[str, ...], want: str) -> None:
    assert validate_workspace_bindings(bindings(*names)).render() == want


def test_bindings_report_each_index() -> None:
    got = validate_workspace_bindings(
        [WorkspaceBinding(name="a"), *bindings("b"), WorkspaceBinding(name="c")]
    )
    assert got.render() == (
        f"expected exactly one, got neither: [0].{SOURCES.replace(', ', ', [0].')}, "
        f"[2].{SOURCES.replace(', ', ', [2].')}"
    )


def test_duplicate_names_by_key() -> None:
    assert (
        validate_no_duplicate_names(["p", "q", "P"], False).render()
        == "expected exactly one, got both: [P].name"
    )
