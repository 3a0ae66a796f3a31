"""The kubelet's ``runAsNonRoot`` check, shared by the host and podman runtimes."""

from __future__ import annotations

from typing import Any

import pytest

from tektite.runtime.container_env import ContainerConfigError
from tektite.runtime.non_root import check_run_as_non_root

WHERE = '(pod: "p_ns(u-1)", container: c)'


def pod(context: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": "ns", "uid": "u-1"},
        "spec": {"securityContext": context},
    }


@pytest.mark.parametrize(
    ("pod_context", "own", "image_user", "error"),
    [
        ({}, {}, "root", None),  # not asked for
        ({"runAsNonRoot": True}, {"runAsUser": 1000}, "root", None),
        ({"runAsNonRoot": True}, {}, "1001:1001", None),
        ({"runAsNonRoot": True}, {"runAsNonRoot": False}, "root", None),  # the container's wins
        (
            {"runAsNonRoot": True, "runAsUser": 0},
            {},
            "1001",
            "container's runAsUser breaks non-root policy",
        ),
        (
            {},
            {"runAsNonRoot": True, "runAsUser": 0},
            "1001",
            "container's runAsUser breaks non-root policy",
        ),
        ({"runAsNonRoot": True}, {}, "", "container has runAsNonRoot and image will run as root"),
        ({"runAsNonRoot": True}, {}, "0", "container has runAsNonRoot and image will run as root"),
        (
            {"runAsNonRoot": True},
            {},
            "root:root",
            "container has runAsNonRoot and image will run as root",
        ),
        (
            {"runAsNonRoot": True},
            {},
            "app",
            "container has runAsNonRoot and image has non-numeric user (app), "
            "cannot verify user is non-root",
        ),
    ],
)
def test_the_kubelets_rule_and_words(
    pod_context: dict[str, Any], own: dict[str, Any], image_user: str, error: str | None
) -> None:
    container = {"name": "c", "securityContext": own}
    if error is None:
        check_run_as_non_root(pod(pod_context), container, image_user)
        return
    with pytest.raises(ContainerConfigError) as raised:
        check_run_as_non_root(pod(pod_context), container, image_user)
    assert raised.value.message == f"{error} {WHERE}"
    assert raised.value.permanent
