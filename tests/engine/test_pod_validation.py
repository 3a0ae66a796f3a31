"""The API server's Pod validation, as far as a TaskRun can break it (for the runtimes
without an API server): the messages are apimachinery's, in ValidatePodSpec's order."""

from __future__ import annotations

from typing import Any

import pytest

from tektite.engine.pod_validation import pod_invalid_message

RANGE = "must be between 0 and 2147483647, inclusive"


def pod(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "volumes": [{"name": "v", "emptyDir": {}}],
        "containers": [{"name": "c", "volumeMounts": [{"name": "v", "mountPath": "/v"}]}],
    }
    return {"metadata": {"name": "p"}, "spec": {**base, **spec}}


def test_a_valid_pod_passes() -> None:
    context = {"runAsUser": 0, "runAsGroup": 2147483647, "fsGroup": 1, "supplementalGroups": [2]}
    assert pod_invalid_message(pod(securityContext=context)) is None


@pytest.mark.parametrize(
    ("spec", "errors"),
    [
        (
            {"securityContext": {"runAsUser": -1}},
            [f"spec.securityContext.runAsUser: Invalid value: -1: {RANGE}"],
        ),
        (
            {
                "securityContext": {
                    "runAsGroup": 2**31,
                    "fsGroup": -2,
                    "supplementalGroups": [1, -3],
                }
            },
            [
                f"spec.securityContext.fsGroup: Invalid value: -2: {RANGE}",
                f"spec.securityContext.runAsGroup: Invalid value: 2147483648: {RANGE}",
                f"spec.securityContext.supplementalGroups[1]: Invalid value: -3: {RANGE}",
            ],
        ),
        (
            {"initContainers": [{"name": "i", "securityContext": {"runAsUser": -5}}]},
            [f"spec.initContainers[0].securityContext.runAsUser: Invalid value: -5: {RANGE}"],
        ),
        (
            {
                "containers": [
                    {
                        "name": "c",
                        "volumeMounts": [
                            {"name": "v", "mountPath": "/v"},
                            {"name": "gone", "mountPath": "/v"},
                            {"name": "", "mountPath": ""},
                        ],
                    }
                ]
            },
            [
                'spec.containers[0].volumeMounts[1].name: Not found: "gone"',
                'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/v": must be unique',
                "spec.containers[0].volumeMounts[2].name: Required value",
                'spec.containers[0].volumeMounts[2].name: Not found: ""',
                "spec.containers[0].volumeMounts[2].mountPath: Required value",
            ],
        ),
        (
            {
                "volumes": [
                    {"name": "v", "secret": {}},
                    {"name": "c", "configMap": {"items": []}},
                    {"name": "d", "persistentVolumeClaim": {"claimName": ""}},
                    {"name": "h", "hostPath": {}},
                ]
            },
            [
                "spec.volumes[0].secret.secretName: Required value",
                "spec.volumes[1].configMap.name: Required value",
                "spec.volumes[2].persistentVolumeClaim.claimName: Required value",
                "spec.volumes[3].hostPath.path: Required value",
            ],
        ),
    ],
)
def test_what_is_refused_and_how(spec: dict[str, Any], errors: list[str]) -> None:
    detail = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    assert pod_invalid_message(pod(**spec)) == f'Pod "p" is invalid: {detail}'
