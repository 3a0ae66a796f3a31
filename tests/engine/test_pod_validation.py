"""The API server's Pod validation, as far as a TaskRun can break it (for the runtimes
without an API server): the messages are apimachinery's, in ValidatePodSpec's order."""

from __future__ import annotations

from typing import Any

import pytest

from tektite.engine.pod_validation import pod_invalid_message

RANGE = "must be between 0 and 2147483647, inclusive"
SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
CONFIG_KEY = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)


def pod(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "volumes": [{"name": "v", "emptyDir": {}}],
        "containers": [{"name": "c", "volumeMounts": [{"name": "v", "mountPath": "/v"}]}],
    }
    return {"metadata": {"name": "p"}, "spec": {**base, **spec}}


def test_a_valid_pod_passes() -> None:
    context = {"runAsUser": 0, "runAsGroup": 2147483647, "fsGroup": 1, "supplementalGroups": [2]}
    assert pod_invalid_message(pod(securityContext=context)) is None
    env = [
        {"name": "A", "value": "a"},
        {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k.e-y_1"}}},
        {"name": "C", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}},
        {"name": "D", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]
    env_from = [{"configMapRef": {"name": "c"}}, {"prefix": "P_", "secretRef": {"name": "s-"}}]
    container = {"name": "c", "env": env, "envFrom": env_from}
    assert pod_invalid_message(pod(volumes=[], containers=[container])) is None


def env_pod(env: list[Any] | None = None, env_from: list[Any] | None = None) -> dict[str, Any]:
    container = {"name": "c", "env": env or [], "envFrom": env_from or []}
    return pod(volumes=[], containers=[container])


@pytest.mark.parametrize(
    ("env", "env_from", "errors"),
    [
        (
            [
                {"name": "", "value": "x"},
                {"name": "A", "valueFrom": {}},
                {"name": "B", "value": "b", "valueFrom": {"fieldRef": {"fieldPath": "a"}}},
                {
                    "name": "C",
                    "valueFrom": {
                        "secretKeyRef": {"name": "s", "key": "k"},
                        "configMapKeyRef": {"name": "c", "key": "k"},
                    },
                },
            ],
            [],
            [
                "spec.containers[0].env[0].name: Required value",
                'spec.containers[0].env[1].valueFrom: Invalid value: "": must specify one of: '
                "`fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
                'spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified '
                "when `value` is not empty",
                'spec.containers[0].env[3].valueFrom: Invalid value: "": may not have more than '
                "one field specified at a time",
            ],
        ),
        (
            [
                {"name": "A", "valueFrom": {"secretKeyRef": {"name": "s"}}},
                {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "Bad_Name", "key": ".."}}},
                {"name": "C", "valueFrom": {"secretKeyRef": {"key": "..x"}}},
            ],
            [],
            [
                "spec.containers[0].env[0].valueFrom.secretKeyRef.key: Required value",
                "spec.containers[0].env[1].valueFrom.configMapKeyRef.name: Invalid value: "
                f'"Bad_Name": {SUBDOMAIN}',
                'spec.containers[0].env[1].valueFrom.configMapKeyRef.key: Invalid value: "..": '
                "must not be '..'",
                'spec.containers[0].env[2].valueFrom.secretKeyRef.name: Invalid value: "": '
                f"{SUBDOMAIN}",
                'spec.containers[0].env[2].valueFrom.secretKeyRef.key: Invalid value: "..x": '
                "must not start with '..'",
            ],
        ),
        (
            [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s", "key": "a b"}}}],
            [],
            [
                'spec.containers[0].env[0].valueFrom.secretKeyRef.key: Invalid value: "a b": '
                f"{CONFIG_KEY}"
            ],
        ),
        (
            [],
            [
                {"prefix": "P"},
                {"configMapRef": {"name": "c"}, "secretRef": {"name": "s"}},
                {"secretRef": {}},
                {"configMapRef": {"name": "-"}},
            ],
            [
                'spec.containers[0].envFrom: Invalid value: "": must specify one of: '
                "`configMapRef` or `secretRef`",
                'spec.containers[0].envFrom: Invalid value: "": may not have more than one '
                "field specified at a time",
                "spec.containers[0].envFrom[2].secretRef.name: Required value",
                f'spec.containers[0].envFrom[3].configMapRef.name: Invalid value: "-": {SUBDOMAIN}',
            ],
        ),
    ],
)
def test_the_environment_s_sources_are_checked(
    env: list[Any], env_from: list[Any], errors: list[str]
) -> None:
    """``ValidateEnv`` and ``ValidateEnvFrom``: what a variable takes its value from."""
    detail = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    assert pod_invalid_message(env_pod(env, env_from)) == f'Pod "p" is invalid: {detail}'


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
