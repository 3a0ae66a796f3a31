"""Workspace bindings as volumes and mounts; cases lifted from Tekton's
``pkg/workspace/apply_test.go`` and ``validate_test.go`` (expected values unchanged)."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
import pytest

from tektite.api.models import (
    Sidecar,
    TaskSpec,
    VolumeMount,
    WorkspaceBinding,
    WorkspaceDeclaration,
)
from tektite.engine.workspaces import (
    WorkspaceError,
    add_sidecar_volume_mount,
    apply_volume_claim_templates,
    apply_workspaces,
    claim_from_template,
    claim_names,
    create_volumes,
    find_workspaces_used_by_task,
    pvc_name_from_template,
    replace_workspace_bindings_vars,
    validate_bindings,
    validate_only_one_pvc_is_used,
    workspace_volume_names,
)


def bindings(*bodies: dict[str, Any]) -> list[WorkspaceBinding]:
    return [msgspec.convert({"name": "", **b}, WorkspaceBinding) for b in bodies]


def declarations(*bodies: dict[str, Any]) -> list[WorkspaceDeclaration]:
    return [msgspec.convert(b, WorkspaceDeclaration) for b in bodies]


PVC = {"persistentVolumeClaim": {"claimName": "mypvc"}}
PROJECTED = {
    "projected": {
        "sources": [
            {
                "configMap": {
                    "name": "foobarconfigmap",
                    "items": [{"key": "foobar", "path": "foobar.txt"}],
                }
            },
            {
                "secret": {
                    "name": "foobarsecret",
                    "items": [{"key": "foobar", "path": "foobar.txt"}],
                }
            },
        ]
    }
}


@pytest.mark.parametrize(
    ("given", "want"),
    [
        (
            [{"name": "custom", **PVC, "subPath": "/foo/bar/baz"}],
            {"custom": {"name": "ws-20573", **PVC}},
        ),
        (
            [{"name": "custom", "emptyDir": {"medium": "Memory"}, "subPath": "/foo/bar/baz"}],
            {"custom": {"name": "ws-20573", "emptyDir": {"medium": "Memory"}}},
        ),
        (
            [
                {
                    "name": "custom",
                    "configMap": {
                        "name": "foobarconfigmap",
                        "items": [{"key": "foobar", "path": "foobar.txt"}],
                    },
                    "subPath": "/foo/bar/baz",
                }
            ],
            {
                "custom": {
                    "name": "ws-20573",
                    "configMap": {
                        "name": "foobarconfigmap",
                        "items": [{"key": "foobar", "path": "foobar.txt"}],
                    },
                }
            },
        ),
        (
            [
                {
                    "name": "custom",
                    "secret": {
                        "secretName": "foobarsecret",
                        "items": [{"key": "foobar", "path": "foobar.txt"}],
                    },
                    "subPath": "/foo/bar/baz",
                }
            ],
            {
                "custom": {
                    "name": "ws-20573",
                    "secret": {
                        "secretName": "foobarsecret",
                        "items": [{"key": "foobar", "path": "foobar.txt"}],
                    },
                }
            },
        ),
        (
            [{"name": "custom", **PROJECTED, "subPath": "/foo/bar/baz"}],
            {"custom": {"name": "ws-20573", **PROJECTED}},
        ),
        ([], {}),
        (
            [
                {"name": "custom", **PVC, "subPath": "/foo/bar/baz"},
                {"name": "even-more-custom", "persistentVolumeClaim": {"claimName": "myotherpvc"}},
            ],
            {
                "custom": {"name": "ws-20573", **PVC},
                "even-more-custom": {
                    "name": "ws-338c2",
                    "persistentVolumeClaim": {"claimName": "myotherpvc"},
                },
            },
        ),
        # Two bindings of one claim share a volume.
        (
            [
                {"name": "custom", **PVC, "subPath": "/foo/bar/baz"},
                {"name": "custom2", **PVC, "subPath": "/very/professional/work/space"},
            ],
            {"custom": {"name": "ws-20573", **PVC}, "custom2": {"name": "ws-20573", **PVC}},
        ),
        # Hash collisions are resolved by re-hashing.
        (
            [
                {"name": "test-01097628", "emptyDir": {}},
                {"name": "test-01617609", "emptyDir": {}},
                {"name": "test-01675975", "emptyDir": {}},
                {"name": "test-01809743", "emptyDir": {}},
            ],
            {
                "test-01097628": {"name": "ws-f32ff", "emptyDir": {}},
                "test-01617609": {"name": "ws-a0814", "emptyDir": {}},
                "test-01675975": {"name": "ws-b2d09", "emptyDir": {}},
                "test-01809743": {"name": "ws-60320", "emptyDir": {}},
            },
        ),
    ],
)
def test_create_volumes(given: list[dict[str, Any]], want: dict[str, dict[str, Any]]) -> None:
    got = create_volumes(bindings(*given))
    assert {name: v.to_dict() for name, v in got.items()} == want
    assert workspace_volume_names(bindings(*given)) == {n: v["name"] for n, v in want.items()}


MOUNT_CUSTOM = {"name": "ws-20573", "mountPath": "/workspace/custom", "subPath": "/foo/bar/baz"}


@pytest.mark.parametrize(
    ("spec", "given", "want"),
    [
        (
            {"workspaces": [{"name": "custom"}]},
            [{"name": "custom", **PVC, "subPath": "/foo/bar/baz"}],
            {
                "stepTemplate": {"volumeMounts": [MOUNT_CUSTOM]},
                "volumes": [{"name": "ws-20573", **PVC}],
                "workspaces": [{"name": "custom"}],
            },
        ),
        (
            {"workspaces": [{"name": "custom"}]},
            [{"name": "custom", "emptyDir": {"medium": "Memory"}, "subPath": "/foo/bar/baz"}],
            {
                "stepTemplate": {"volumeMounts": [MOUNT_CUSTOM]},
                "volumes": [{"name": "ws-20573", "emptyDir": {"medium": "Memory"}}],
                "workspaces": [{"name": "custom"}],
            },
        ),
        (
            {"workspaces": [{"name": "custom"}]},
            [{"name": "custom", **PROJECTED, "subPath": "/foo/bar/baz"}],
            {
                "stepTemplate": {"volumeMounts": [MOUNT_CUSTOM]},
                "volumes": [{"name": "ws-20573", **PROJECTED}],
                "workspaces": [{"name": "custom"}],
            },
        ),
        (
            {
                "stepTemplate": {"volumeMounts": [{"name": "awesome-volume", "mountPath": "/"}]},
                "volumes": [{"name": "awesome-volume", "emptyDir": {}}],
                "workspaces": [{"name": "custom"}],
            },
            [{"name": "custom", "emptyDir": {"medium": "Memory"}, "subPath": "/foo/bar/baz"}],
            {
                "stepTemplate": {
                    "volumeMounts": [{"name": "awesome-volume", "mountPath": "/"}, MOUNT_CUSTOM]
                },
                "volumes": [
                    {"name": "awesome-volume", "emptyDir": {}},
                    {"name": "ws-20573", "emptyDir": {"medium": "Memory"}},
                ],
                "workspaces": [{"name": "custom"}],
            },
        ),
        ({"steps": [{"name": "foo"}]}, [], {"steps": [{"name": "foo"}]}),
        (
            {"workspaces": [{"name": "custom"}, {"name": "even-more-custom"}]},
            [
                {"name": "custom", **PVC, "subPath": "/foo/bar/baz"},
                {"name": "even-more-custom", "persistentVolumeClaim": {"claimName": "myotherpvc"}},
            ],
            {
                "stepTemplate": {
                    "volumeMounts": [
                        MOUNT_CUSTOM,
                        {"name": "ws-338c2", "mountPath": "/workspace/even-more-custom"},
                    ]
                },
                "volumes": [
                    {"name": "ws-20573", **PVC},
                    {"name": "ws-338c2", "persistentVolumeClaim": {"claimName": "myotherpvc"}},
                ],
                "workspaces": [{"name": "custom"}, {"name": "even-more-custom"}],
            },
        ),
        (
            {"workspaces": [{"name": "custom"}, {"name": "custom2"}]},
            [
                {"name": "custom", **PVC, "subPath": "/foo/bar/baz"},
                {"name": "custom2", **PVC, "subPath": "/very/professional/work/space"},
            ],
            {
                "stepTemplate": {
                    "volumeMounts": [
                        MOUNT_CUSTOM,
                        {
                            "name": "ws-20573",
                            "mountPath": "/workspace/custom2",
                            "subPath": "/very/professional/work/space",
                        },
                    ]
                },
                "volumes": [{"name": "ws-20573", **PVC}],
                "workspaces": [{"name": "custom"}, {"name": "custom2"}],
            },
        ),
        (
            {"workspaces": [{"name": "custom", "mountPath": "/my/fancy/mount/path"}]},
            [{"name": "custom", **PVC}],
            {
                "stepTemplate": {
                    "volumeMounts": [{"name": "ws-20573", "mountPath": "/my/fancy/mount/path"}]
                },
                "volumes": [{"name": "ws-20573", **PVC}],
                "workspaces": [{"name": "custom", "mountPath": "/my/fancy/mount/path"}],
            },
        ),
        (
            {
                "workspaces": [
                    {"name": "custom", "mountPath": "/my/fancy/mount/path", "readOnly": True}
                ]
            },
            [{"name": "custom", **PVC}],
            {
                "stepTemplate": {
                    "volumeMounts": [
                        {"name": "ws-20573", "mountPath": "/my/fancy/mount/path", "readOnly": True}
                    ]
                },
                "volumes": [{"name": "ws-20573", **PVC}],
                "workspaces": [
                    {"name": "custom", "mountPath": "/my/fancy/mount/path", "readOnly": True}
                ],
            },
        ),
        (
            {"workspaces": [{"name": "custom", "mountPath": "/workspace/csi", "readOnly": True}]},
            [
                {
                    "name": "custom",
                    "csi": {"driver": "secrets-store.csi.k8s.io"},
                    "subPath": "/foo/bar/baz",
                }
            ],
            {
                "stepTemplate": {
                    "volumeMounts": [
                        {
                            "name": "ws-20573",
                            "mountPath": "/workspace/csi",
                            "subPath": "/foo/bar/baz",
                            "readOnly": True,
                        }
                    ]
                },
                "volumes": [{"name": "ws-20573", "csi": {"driver": "secrets-store.csi.k8s.io"}}],
                "workspaces": [{"name": "custom", "mountPath": "/workspace/csi", "readOnly": True}],
            },
        ),
        # TestApply_PropagatedWorkspacesFromWorkspaceBindingToDeclarations
        (
            {"workspaces": [{"name": "workspace1"}]},
            [{"name": "workspace2", **PVC}],
            {
                "volumes": [{"name": "ws-c88ff", **PVC}],
                "workspaces": [{"name": "workspace1"}, {"name": "workspace2"}],
                "stepTemplate": {
                    "volumeMounts": [{"name": "ws-c88ff", "mountPath": "/workspace/workspace2"}]
                },
            },
        ),
    ],
)
def test_apply(spec: dict[str, Any], given: list[dict[str, Any]], want: dict[str, Any]) -> None:
    task_spec = msgspec.convert(spec, TaskSpec)
    b = bindings(*given)
    got = apply_workspaces(task_spec, b, create_volumes(b))
    assert got.to_dict() == want
    assert task_spec.to_dict() == spec  # not modified


TEST_PVC = {"persistentVolumeClaim": {"claimName": "testpvc"}}
SOURCE_VOLUME = {"name": "ws-1bcf2", **TEST_PVC}
SOURCE_MOUNT = {"name": "ws-1bcf2", "mountPath": "/workspace/source"}


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        # workspace isolated to step does not appear in step template or sidecars
        (
            {
                "steps": [{"workspaces": [{"name": "source"}]}],
                "sidecars": [{"name": "foo"}],
                "workspaces": [{"name": "source"}],
            },
            {
                "stepTemplate": {},
                "volumes": [SOURCE_VOLUME],
                "steps": [{"volumeMounts": [SOURCE_MOUNT], "workspaces": [{"name": "source"}]}],
                "sidecars": [{"name": "foo"}],
                "workspaces": [{"name": "source"}],
            },
        ),
        # workspace isolated to sidecar does not appear in steps
        (
            {
                "steps": [{"name": "step1"}],
                "sidecars": [{"workspaces": [{"name": "source"}]}],
                "workspaces": [{"name": "source"}],
            },
            {
                "stepTemplate": {},
                "volumes": [SOURCE_VOLUME],
                "steps": [{"name": "step1"}],
                "sidecars": [{"volumeMounts": [SOURCE_MOUNT], "workspaces": [{"name": "source"}]}],
                "workspaces": [{"name": "source"}],
            },
        ),
        # workspace isolated to one step and one sidecar does not appear in step template
        (
            {
                "steps": [{"workspaces": [{"name": "source"}]}, {"name": "step2"}],
                "sidecars": [{"workspaces": [{"name": "source"}]}],
                "workspaces": [{"name": "source"}],
            },
            {
                "stepTemplate": {},
                "volumes": [SOURCE_VOLUME],
                "steps": [
                    {"volumeMounts": [SOURCE_MOUNT], "workspaces": [{"name": "source"}]},
                    {"name": "step2"},
                ],
                "sidecars": [{"volumeMounts": [SOURCE_MOUNT], "workspaces": [{"name": "source"}]}],
                "workspaces": [{"name": "source"}],
            },
        ),
        # workspaces are mounted to sidecars by default
        (
            {"steps": [{}], "sidecars": [{}], "workspaces": [{"name": "source"}]},
            {
                "stepTemplate": {"volumeMounts": [SOURCE_MOUNT]},
                "volumes": [SOURCE_VOLUME],
                "steps": [{}],
                "sidecars": [{"volumeMounts": [SOURCE_MOUNT]}],
                "workspaces": [{"name": "source"}],
            },
        ),
        # isolated workspaces custom mountpaths appear in volumemounts
        (
            {
                "steps": [{"workspaces": [{"name": "source", "mountPath": "/foo"}]}],
                "sidecars": [{"workspaces": [{"name": "source", "mountPath": "/bar"}]}],
                "workspaces": [{"name": "source"}],
            },
            {
                "stepTemplate": {},
                "volumes": [SOURCE_VOLUME],
                "steps": [
                    {
                        "workspaces": [{"name": "source", "mountPath": "/foo"}],
                        "volumeMounts": [{"name": "ws-1bcf2", "mountPath": "/foo"}],
                    }
                ],
                "sidecars": [
                    {
                        "workspaces": [{"name": "source", "mountPath": "/bar"}],
                        "volumeMounts": [{"name": "ws-1bcf2", "mountPath": "/bar"}],
                    }
                ],
                "workspaces": [{"name": "source"}],
            },
        ),
    ],
)
def test_apply_isolated_workspaces(spec: dict[str, Any], want: dict[str, Any]) -> None:
    b = bindings({"name": "source", **TEST_PVC})
    got = apply_workspaces(msgspec.convert(spec, TaskSpec), b, create_volumes(b))
    assert got.to_dict() == want


def test_existing_sidecar_mounts_are_not_displaced() -> None:
    spec = msgspec.convert(
        {
            "workspaces": [
                {"name": "custom", "mountPath": "/my/fancy/mount/path", "readOnly": True}
            ],
            "sidecars": [
                {
                    "name": "conflicting volume mount sidecar",
                    "volumeMounts": [
                        {"name": "mount-path-conflicts", "mountPath": "/my/fancy/mount/path"}
                    ],
                }
            ],
        },
        TaskSpec,
    )
    b = bindings({"name": "custom", **PVC})
    got = apply_workspaces(spec, b, create_volumes(b)).to_dict()
    assert got["sidecars"] == [
        {
            "name": "conflicting volume mount sidecar",
            "volumeMounts": [{"name": "mount-path-conflicts", "mountPath": "/my/fancy/mount/path"}],
        }
    ]
    assert got["stepTemplate"] == {
        "volumeMounts": [
            {"name": "ws-20573", "mountPath": "/my/fancy/mount/path", "readOnly": True}
        ]
    }


@pytest.mark.parametrize(
    ("mounts", "mount", "want"),
    [
        (
            None,
            {"name": "foo", "mountPath": "/workspace/foo"},
            [{"name": "foo", "mountPath": "/workspace/foo"}],
        ),
        (
            [],
            {"name": "foo", "mountPath": "/workspace/foo"},
            [{"name": "foo", "mountPath": "/workspace/foo"}],
        ),
        (
            [{"name": "bar", "mountPath": "/workspace/bar"}],
            {"name": "workspace1", "mountPath": "/workspace/bar"},
            [{"name": "bar", "mountPath": "/workspace/bar"}],
        ),
        (
            [{"name": "bar", "mountPath": "/workspace/bar"}],
            {"name": "foo", "mountPath": "/workspace/foo"},
            [
                {"name": "bar", "mountPath": "/workspace/bar"},
                {"name": "foo", "mountPath": "/workspace/foo"},
            ],
        ),
    ],
)
def test_add_sidecar_volume_mount(
    mounts: list[dict[str, Any]] | None, mount: dict[str, Any], want: list[dict[str, Any]]
) -> None:
    sidecar = msgspec.convert({"volumeMounts": mounts}, Sidecar)
    got = add_sidecar_volume_mount(sidecar, msgspec.convert(mount, VolumeMount))
    assert got.to_dict() == {"volumeMounts": want}


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        (
            {
                "steps": [
                    {
                        "name": "step-name",
                        "image": "step-image",
                        "script": "$(workspaces.step-script.path)",
                        "command": ["$(workspaces.step-command.path)"],
                        "args": ["$(workspaces.step-args.path)"],
                    }
                ],
                "sidecars": [
                    {
                        "name": "sidecar-name",
                        "image": "sidecar-image",
                        "script": "$(workspaces.sidecar-script.path)",
                        "command": ["$(workspaces.sidecar-command.path)"],
                        "args": ["$(workspaces.sidecar-args.path)"],
                    }
                ],
                "stepTemplate": {
                    "image": "steptemplate-image",
                    "command": ["$(workspaces.steptemplate-command.path)"],
                    "args": ["$(workspaces.steptemplate-args.path)"],
                },
            },
            {
                "step-script",
                "step-args",
                "step-command",
                "sidecar-script",
                "sidecar-args",
                "sidecar-command",
                "steptemplate-args",
                "steptemplate-command",
            },
        ),
        (
            {"steps": [{"env": [{"name": "path", "value": "$(workspaces.env-ws.path)"}]}]},
            {"env-ws"},
        ),
        ({"steps": [{"workingDir": "$(workspaces.shared.path)"}]}, {"shared"}),
        (
            {
                "steps": [
                    {
                        "name": "step-name",
                        "params": [{"name": "path", "value": "$(workspaces.shared.path)"}],
                        "ref": {"name": "step-action"},
                    }
                ]
            },
            {"shared"},
        ),
        (
            {"sidecars": [{"env": [{"name": "path", "value": "$(workspaces.env-ws.path)"}]}]},
            {"env-ws"},
        ),
        ({"sidecars": [{"workingDir": "$(workspaces.shared.path)"}]}, {"shared"}),
        (
            {"stepTemplate": {"env": [{"name": "path", "value": "$(workspaces.env-ws.path)"}]}},
            {"env-ws"},
        ),
        ({"stepTemplate": {"workingDir": "$(workspaces.shared.path)"}}, {"shared"}),
    ],
)
def test_find_workspaces_used_by_task(spec: dict[str, Any], want: set[str]) -> None:
    assert find_workspaces_used_by_task(msgspec.convert(spec, TaskSpec)) == want


def test_find_workspaces_used_by_task_reports_bad_references() -> None:
    spec = msgspec.convert({"steps": [{"script": "$(workspaces.a.b.c)"}]}, TaskSpec)
    with pytest.raises(WorkspaceError) as raised:
        find_workspaces_used_by_task(spec)
    assert str(raised.value) == (
        "Error while extracting workspace: Invalid referencing of parameters in "
        '"$(workspaces.a.b.c)"! Only two dot-separated components after the prefix '
        '"workspaces" are allowed.'
    )


R = {"params.to-replace": "replaced"}
TO_REPLACE = "$(params.to-replace)"
ITEM = [{"key": TO_REPLACE, "path": TO_REPLACE}]
ITEM_DONE = [{"key": "replaced", "path": "replaced"}]


@pytest.mark.parametrize(
    ("replacements", "given", "want"),
    [
        ({}, {"subPath": TO_REPLACE}, {"subPath": TO_REPLACE}),
        (R, {"subPath": TO_REPLACE}, {"subPath": "replaced"}),
        (
            R,
            {"persistentVolumeClaim": {"claimName": TO_REPLACE}},
            {"persistentVolumeClaim": {"claimName": "replaced"}},
        ),
        (
            R,
            {"configMap": {"name": TO_REPLACE, "items": ITEM}},
            {"configMap": {"name": "replaced", "items": ITEM_DONE}},
        ),
        (
            R,
            {"secret": {"secretName": TO_REPLACE, "items": ITEM}},
            {"secret": {"secretName": "replaced", "items": ITEM_DONE}},
        ),
        (
            R,
            {
                "projected": {
                    "sources": [
                        {"configMap": {"name": TO_REPLACE, "items": ITEM}},
                        {"secret": {"name": TO_REPLACE, "items": ITEM}},
                    ]
                }
            },
            {
                "projected": {
                    "sources": [
                        {"configMap": {"name": "replaced", "items": ITEM_DONE}},
                        {"secret": {"name": "replaced", "items": ITEM_DONE}},
                    ]
                }
            },
        ),
        (
            R,
            {"csi": {"driver": TO_REPLACE, "nodePublishSecretRef": {"name": TO_REPLACE}}},
            {"csi": {"driver": "replaced", "nodePublishSecretRef": {"name": "replaced"}}},
        ),
    ],
)
def test_replace_workspace_bindings_vars(
    replacements: dict[str, str], given: dict[str, Any], want: dict[str, Any]
) -> None:
    got = replace_workspace_bindings_vars(bindings(given), replacements)
    assert [b.to_dict() for b in got] == [{"name": "", **want}]


@pytest.mark.parametrize(
    ("decls", "given"),
    [
        (None, None),
        ([], []),
        (
            [{"name": "beth"}],
            [{"name": "beth", "persistentVolumeClaim": {"claimName": "pool-party"}}],
        ),
        ([{"name": "beth"}], [{"name": "beth", "emptyDir": {}}]),
        ([{"name": "beth", "optional": True}], [{"name": "beth", "emptyDir": {}}]),
        ([{"name": "beth", "optional": True}], []),
    ],
)
def test_validate_bindings_valid(
    decls: list[dict[str, Any]] | None, given: list[dict[str, Any]] | None
) -> None:
    assert (
        validate_bindings(
            declarations(*decls) if decls is not None else None,
            bindings(*given) if given is not None else None,
        )
        is None
    )


@pytest.mark.parametrize(
    ("decls", "given", "message"),
    [
        (
            [{"name": "beth"}],
            [{"name": "kate", "emptyDir": {}}, {"name": "beth", "emptyDir": {}}],
            'workspace binding "kate" does not match any declared workspace',
        ),
        (
            [{"name": "randall"}, {"name": "beth"}],
            [{"name": "beth", "emptyDir": {}}],
            'declared workspace "randall" is required but has not been bound',
        ),
        (
            [{"name": "beth"}],
            [
                {
                    "name": "beth",
                    "emptyDir": {},
                    "persistentVolumeClaim": {"claimName": "pool-party"},
                }
            ],
            'binding "beth" is invalid: expected exactly one, got both: configmap, emptydir, '
            "persistentvolumeclaim, secret, volumeclaimtemplate",
        ),
        (
            [{"name": "beth"}],
            [{"name": "beth"}],
            'binding "beth" is invalid: expected exactly one, got neither: configmap, emptydir, '
            "persistentvolumeclaim, secret, volumeclaimtemplate",
        ),
        (
            [{"name": "beth"}],
            [{"name": "beth", "persistentVolumeClaim": {}}],
            'binding "beth" is invalid: missing field(s): persistentvolumeclaim.claimname',
        ),
        (
            [{"name": "Notbeth", "optional": True}],
            [{"name": "beth", "emptyDir": {}}],
            'workspace binding "beth" does not match any declared workspace',
        ),
    ],
)
def test_validate_bindings_invalid(
    decls: list[dict[str, Any]], given: list[dict[str, Any]], message: str
) -> None:
    assert validate_bindings(declarations(*decls), bindings(*given)) == message


@pytest.mark.parametrize(
    ("given", "want"),
    [
        ([], None),
        ([{"emptyDir": {}}, {"secret": {}}], None),
        ([{"persistentVolumeClaim": {"claimName": "foo"}}] * 2, None),
        (
            [
                {"subPath": "/pathA", "persistentVolumeClaim": {"claimName": "foo"}},
                {"subPath": "/pathB", "persistentVolumeClaim": {"claimName": "foo"}},
            ],
            None,
        ),
        (
            [
                {"persistentVolumeClaim": {"claimName": "foo"}},
                {"persistentVolumeClaim": {"claimName": "bar"}},
            ],
            "more than one PersistentVolumeClaim is bound",
        ),
        (
            [
                {"name": "a", "volumeClaimTemplate": {"spec": {}}},
                {"persistentVolumeClaim": {"claimName": "bar"}},
            ],
            "more than one PersistentVolumeClaim is bound",
        ),
    ],
)
def test_validate_only_one_pvc_is_used(given: list[dict[str, Any]], want: str | None) -> None:
    assert validate_only_one_pvc_is_used(bindings(*given)) == want


def identity(workspace: str, uid: str) -> str:
    return hashlib.sha256((workspace + uid).encode()).hexdigest()[:10]


@pytest.mark.parametrize(
    ("template", "workspace", "uid", "want"),
    [
        # pkg/reconciler/volumeclaim/pvchandler_test.go
        ("pvc1", "myws1", "taskrun1", "pvc1-ad02547921"),
        ("", "ws-with-volume-claim-template-without-metadata", "taskrun1", "pvc-3fc56c2bb2"),
    ],
)
def test_pvc_name_from_template(template: str, workspace: str, uid: str, want: str) -> None:
    assert pvc_name_from_template(template, workspace, uid) == want


def test_volume_claim_templates_become_claims() -> None:
    given = bindings(
        {
            "name": "ws",
            "subPath": "sub",
            "volumeClaimTemplate": {
                "metadata": {"name": "mypvc"},
                "spec": {"accessModes": ["ReadWriteOnce"]},
            },
        },
        {"name": "other", "volumeClaimTemplate": {"spec": {}}},
        {"name": "plain", "emptyDir": {}},
    )
    got = apply_volume_claim_templates(given, "uid-1")
    assert [b.to_dict() for b in got] == [
        {
            "name": "ws",
            "subPath": "sub",
            "persistentVolumeClaim": {"claimName": "mypvc-4130484334"},
        },
        {
            "name": "other",
            "persistentVolumeClaim": {"claimName": "pvc-" + identity("other", "uid-1")},
        },
        {"name": "plain", "emptyDir": {}},
    ]
    assert claim_names(given) == {"ws": "", "other": "", "plain": ""}
    assert claim_names(given, "uid-1") == {
        "ws": "mypvc-4130484334",
        "other": "pvc-" + identity("other", "uid-1"),
        "plain": "",
    }
    owner = {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": "tr", "uid": "uid-1"}
    assert claim_from_template(given[0], owner, "ns") == {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "mypvc-4130484334", "namespace": "ns", "ownerReferences": [owner]},
        "spec": {"accessModes": ["ReadWriteOnce"]},
    }
    assert claim_from_template(given[2], owner, "ns") is None
