"""Merging the stepTemplate into steps and run-level resource overrides; cases lifted from
Tekton's ``pkg/apis/pipeline/v1/merge_test.go`` unless marked otherwise."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.merge import (
    merge_sidecars_with_specs,
    merge_steps_with_specs,
    merge_steps_with_step_template,
    strategic_merge,
)
from tektite.api.models import Sidecar, Step, StepTemplate, TaskRunStepSpec

SECRET_ENV = {"secretKeyRef": {"key": "A_KEY", "name": "A_NAME"}}

CASES: list[tuple[str, dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]]]] = [
    (
        "nil-template",
        None,
        [{"image": "some-image", "onError": "foo"}],
        [{"image": "some-image", "onError": "foo"}],
    ),
    (
        "not-overlapping",
        {"command": ["/somecmd"]},
        [{"image": "some-image", "onError": "foo"}],
        [{"command": ["/somecmd"], "image": "some-image", "onError": "foo"}],
    ),
    (
        "overwriting-one-field",
        {"image": "some-image", "command": ["/somecmd"]},
        [{"image": "some-other-image"}],
        [{"command": ["/somecmd"], "image": "some-other-image"}],
    ),
    (
        "merge-and-overwrite-slice",
        {
            "env": [
                {"name": "KEEP_THIS", "value": "A_VALUE"},
                {"name": "SOME_KEY", "value": "ORIGINAL_VALUE"},
            ]
        },
        [
            {
                "env": [
                    {"name": "NEW_KEY", "value": "A_VALUE"},
                    {"name": "SOME_KEY", "value": "NEW_VALUE"},
                ]
            }
        ],
        [
            {
                "env": [
                    {"name": "NEW_KEY", "value": "A_VALUE"},
                    {"name": "KEEP_THIS", "value": "A_VALUE"},
                    {"name": "SOME_KEY", "value": "NEW_VALUE"},
                ]
            }
        ],
    ),
    (
        "workspace-and-output-config",
        {"volumeMounts": [{"name": "data", "mountPath": "/workspace/data"}]},
        [
            {
                "image": "some-image",
                "stdoutConfig": {"path": "stdout.txt"},
                "stderrConfig": {"path": "stderr.txt"},
            }
        ],
        [
            {
                "image": "some-image",
                "stdoutConfig": {"path": "stdout.txt"},
                "stderrConfig": {"path": "stderr.txt"},
                "volumeMounts": [{"name": "data", "mountPath": "/workspace/data"}],
            }
        ],
    ),
    (
        "results-and-params-should-not-be-removed",
        {"command": ["/somecmd"]},
        [
            {
                "image": "some-image",
                "onError": "foo",
                "results": [{"name": "result"}],
                "params": [{"name": "param", "value": ""}],
            }
        ],
        [
            {
                "command": ["/somecmd"],
                "image": "some-image",
                "onError": "foo",
                "results": [{"name": "result"}],
                "params": [{"name": "param", "value": ""}],
            }
        ],
    ),
    (
        "step-ref-should-not-be-merged-with-steptemplate",
        {
            "securityContext": {"runAsNonRoot": True},
            "volumeMounts": [{"name": "data", "mountPath": "/workspace/data"}],
            "env": [
                {"name": "KEEP_THIS", "value": "A_VALUE"},
                {"name": "SOME_KEY_1", "valueFrom": SECRET_ENV},
                {"name": "SOME_KEY_2", "value": "VALUE_2"},
            ],
        },
        [{"ref": {"name": "my-step-action"}, "onError": "foo", "results": [{"name": "result"}]}],
        [{"ref": {"name": "my-step-action"}, "onError": "foo", "results": [{"name": "result"}]}],
    ),
    (
        "merge-env-by-step",
        {
            "env": [
                {"name": "KEEP_THIS", "value": "A_VALUE"},
                {"name": "SOME_KEY_1", "valueFrom": SECRET_ENV},
                {"name": "SOME_KEY_2", "value": "VALUE_2"},
            ]
        },
        [
            {
                "env": [
                    {"name": "NEW_KEY", "value": "A_VALUE"},
                    {"name": "SOME_KEY_1", "value": "VALUE_1"},
                    {"name": "SOME_KEY_2", "valueFrom": SECRET_ENV},
                ]
            }
        ],
        [
            {
                "env": [
                    {"name": "NEW_KEY", "value": "A_VALUE"},
                    {"name": "KEEP_THIS", "value": "A_VALUE"},
                    {"name": "SOME_KEY_1", "value": "VALUE_1"},
                    {"name": "SOME_KEY_2", "valueFrom": SECRET_ENV},
                ]
            }
        ],
    ),
    (
        "when",
        None,
        [
            {
                "image": "some-image",
                "when": [{"input": "foo", "operator": "in", "values": ["foo", "bar"]}],
            }
        ],
        [
            {
                "image": "some-image",
                "when": [{"input": "foo", "operator": "in", "values": ["foo", "bar"]}],
            }
        ],
    ),
    (
        "isolated workspaces",
        {"env": [{"name": "KEEP_THIS", "value": "A_VALUE"}]},
        [
            {"image": "some-image", "workspaces": [{"name": "foo", "mountPath": "/foo/bar"}]},
            {"image": "some-image", "workspaces": [{"name": "bar", "mountPath": "/bar/baz"}]},
        ],
        [
            {
                "image": "some-image",
                "env": [{"name": "KEEP_THIS", "value": "A_VALUE"}],
                "workspaces": [{"name": "foo", "mountPath": "/foo/bar"}],
            },
            {
                "image": "some-image",
                "env": [{"name": "KEEP_THIS", "value": "A_VALUE"}],
                "workspaces": [{"name": "bar", "mountPath": "/bar/baz"}],
            },
        ],
    ),
    (
        "maps merge recursively, lists without a merge key are replaced (Tektite case)",
        {
            "securityContext": {"runAsUser": 1000, "capabilities": {"add": ["A"]}},
            "computeResources": {"limits": {"cpu": "1"}},
            "args": ["t"],
        },
        [
            {
                "name": "s",
                "displayName": "dropped by the merge, as in Tekton",
                "securityContext": {"privileged": True, "capabilities": {"add": ["B"]}},
                "computeResources": {"limits": {"memory": "1Gi"}},
                "args": [],
            }
        ],
        [
            {
                "name": "s",
                "securityContext": {
                    "runAsUser": 1000,
                    "privileged": True,
                    "capabilities": {"add": ["B"]},
                },
                "computeResources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                "args": ["t"],
            }
        ],
    ),
    (
        "volumeMounts merge by mountPath (Tektite case)",
        {
            "volumeMounts": [
                {"name": "a", "mountPath": "/a", "readOnly": True},
                {"name": "b", "mountPath": "/b"},
            ]
        },
        [
            {
                "image": "i",
                "volumeMounts": [
                    {"name": "c", "mountPath": "/c"},
                    {"name": "b2", "mountPath": "/b"},
                ],
            }
        ],
        [
            {
                "image": "i",
                "volumeMounts": [
                    {"name": "c", "mountPath": "/c"},
                    {"name": "a", "mountPath": "/a", "readOnly": True},
                    {"name": "b2", "mountPath": "/b"},
                ],
            }
        ],
    ),
]


@pytest.mark.parametrize(
    ("template", "steps", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_merge_steps_with_step_template(
    template: dict[str, Any] | None, steps: list[dict[str, Any]], want: list[dict[str, Any]]
) -> None:
    tmpl = None if template is None else msgspec.convert(template, StepTemplate)
    original = msgspec.convert(steps, list[Step])
    before = [s.to_dict() for s in original]
    merged = merge_steps_with_step_template(tmpl, original)
    assert [s.to_dict() for s in merged] == want
    assert [s.to_dict() for s in original] == before  # inputs untouched


def test_args_reset_to_empty_list() -> None:
    merged = merge_steps_with_step_template(StepTemplate(image="i"), [Step(args=[])])
    assert merged[0].args == []


def test_strategic_merge_skips_unset_values() -> None:
    got = strategic_merge({"a": "x", "b": ["y"], "c": {"d": 1}}, {"a": "", "b": [], "c": None})
    assert got == {"a": "x", "b": ["y"], "c": {"d": 1}}


RESOURCE_CASES: list[
    tuple[str, list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]
] = [
    (
        "no spec overrides",
        [{"name": "foo", "computeResources": {"requests": {"memory": "1Gi"}}}],
        [],
        [{"name": "foo", "computeResources": {"requests": {"memory": "1Gi"}}}],
    ),
    (
        "not all steps overridden",
        [
            {"name": "foo", "computeResources": {"requests": {"memory": "1Gi"}}},
            {"name": "bar", "computeResources": {"requests": {"memory": "1Gi"}}},
        ],
        [{"name": "bar", "computeResources": {"requests": {"memory": "2Gi"}}}],
        [
            {"name": "foo", "computeResources": {"requests": {"memory": "1Gi"}}},
            {"name": "bar", "computeResources": {"requests": {"memory": "2Gi"}}},
        ],
    ),
    (
        "override memory but not CPU",
        [{"name": "foo", "computeResources": {"requests": {"memory": "1Gi", "cpu": "100m"}}}],
        [{"name": "foo", "computeResources": {"requests": {"memory": "2Gi"}}}],
        [{"name": "foo", "computeResources": {"requests": {"memory": "2Gi", "cpu": "100m"}}}],
    ),
    (
        "override request but not limit",
        [
            {
                "name": "foo",
                "computeResources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "2Gi"}},
            }
        ],
        [{"name": "foo", "computeResources": {"requests": {"memory": "1.5Gi"}}}],
        [
            {
                "name": "foo",
                "computeResources": {"requests": {"memory": "1.5Gi"}, "limits": {"memory": "2Gi"}},
            }
        ],
    ),
    (
        "override request and limit",
        [
            {
                "name": "foo",
                "computeResources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "2Gi"}},
            }
        ],
        [
            {
                "name": "foo",
                "computeResources": {"requests": {"memory": "1.5Gi"}, "limits": {"memory": "3Gi"}},
            }
        ],
        [
            {
                "name": "foo",
                "computeResources": {"requests": {"memory": "1.5Gi"}, "limits": {"memory": "3Gi"}},
            }
        ],
    ),
    (
        "new request > old limit",
        [
            {
                "name": "foo",
                "computeResources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "2Gi"}},
            }
        ],
        [{"name": "foo", "computeResources": {"requests": {"memory": "3Gi"}}}],
        [
            {
                "name": "foo",
                "computeResources": {"requests": {"memory": "3Gi"}, "limits": {"memory": "2Gi"}},
            }
        ],
    ),
]


@pytest.mark.parametrize(
    ("items", "overrides", "want"),
    [c[1:] for c in RESOURCE_CASES],
    ids=[c[0] for c in RESOURCE_CASES],
)
def test_merge_with_specs(
    items: list[dict[str, Any]], overrides: list[dict[str, Any]], want: list[dict[str, Any]]
) -> None:
    specs = msgspec.convert(overrides, list[TaskRunStepSpec])
    steps = merge_steps_with_specs(msgspec.convert(items, list[Step]), specs)
    assert [s.to_dict() for s in steps] == want
    sidecars = merge_sidecars_with_specs(msgspec.convert(items, list[Sidecar]), specs)
    assert [s.to_dict() for s in sidecars] == want
