"""LimitRanges: Tekton's transformer (golden against
``pkg/internal/computeresources/transformer_test.go`` and ``limitrange_test.go``) and the
API server's defaulting + LimitRanger admission."""

from __future__ import annotations

from typing import Any

import pytest

from tektite.engine.compute_resources import parse_quantity
from tektite.engine.limitrange import (
    LIMIT_RANGER_ANNOTATION,
    admit_pod,
    default_limit_range,
    transform_pod,
    virtual_limit_range,
)


def limit_range(*items: dict[str, Any], name: str = "limitrange") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"limits": list(items)},
    }


def pod(*containers: dict[str, Any], init: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": list(containers)}
    if init:
        spec["initContainers"] = list(init)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def resources(p: dict[str, Any], kind: str = "containers") -> list[dict[str, Any]]:
    """Each container's resources with quantities compared by value, as Tekton's
    ``compare.ResourceQuantityCmp`` does."""
    return [
        {
            k: {n: parse_quantity(q).value for n, q in v.items()}
            for k, v in (c.get("resources") or {}).items()
        }
        for c in p["spec"].get(kind) or ()
    ]


def q(**values: str) -> dict[str, Any]:
    return {k.replace("_", "-"): parse_quantity(v).value for k, v in values.items()}


FULL = {"cpu": "1", "memory": "100Mi", "ephemeral-storage": "1Gi"}
DEFAULTS = {"cpu": "2", "memory": "200Mi", "ephemeral-storage": "2Gi"}


def test_no_limit_range_no_change() -> None:
    p = pod({"name": "step-foo", "image": "baz"})
    assert transform_pod(p, None) == p


def test_default_limits_only_give_no_requests() -> None:
    p = pod({"name": "step-foo"}, init=({"name": "bar"},))
    got = transform_pod(p, limit_range({"type": "Container", "default": DEFAULTS}))
    assert resources(got) == [{}]
    assert resources(got, "initContainers") == [{}]


@pytest.mark.parametrize(
    "item",
    [
        {"type": "Container", "defaultRequest": FULL},
        {"type": "Container", "default": DEFAULTS, "defaultRequest": FULL},
        {"type": "Container", "min": FULL, "max": DEFAULTS},  # not default but min and max
        {
            "type": "Container",
            "max": {"cpu": "3", "memory": "300Mi", "ephemeral-storage": "3Gi"},
            "min": {"cpu": "700m", "memory": "70Mi", "ephemeral-storage": "700Mi"},
            "default": DEFAULTS,
            "defaultRequest": FULL,
        },
    ],
)
def test_one_step_gets_the_default_requests(item: dict[str, Any]) -> None:
    got = transform_pod(pod({"name": "step-foo"}, init=({"name": "bar"},)), limit_range(item))
    assert resources(got) == [{"requests": q(cpu="1", memory="100Mi", ephemeral_storage="1Gi")}]
    assert resources(got, "initContainers") == [{}]  # init containers are not Tekton's


def test_partial_min_fills_missing_requests_only() -> None:
    item = {"type": "Container", "min": {"cpu": "1"}, "max": {"memory": "2Gi"}}
    step = {
        "name": "step-foo",
        "resources": {
            "limits": {"memory": "4Gi", "ephemeral-storage": "2Gi"},
            "requests": {"memory": "400Mi"},
        },
    }
    got = transform_pod(pod(step), limit_range(item))
    assert resources(got) == [
        {
            "limits": q(memory="4Gi", ephemeral_storage="2Gi"),
            "requests": q(memory="400Mi", cpu="1"),
        }
    ]


def test_requests_below_min_are_left_to_kubernetes() -> None:
    # "limitRange with min and requests on containers < min": Tekton only fills zeros.
    step = {"name": "step-foo", "resources": {"requests": {"cpu": "500m"}}}
    got = transform_pod(pod(step), limit_range({"type": "Container", "min": {"cpu": "1"}}))
    assert resources(got) == [{"requests": q(cpu="500m")}]


def test_default_requests_are_shared_out_over_steps_not_sidecars() -> None:
    item = {"type": "Container", "default": DEFAULTS, "defaultRequest": FULL}
    sidecar = {
        "name": "sidecar-fizz",
        "resources": {"limits": {"cpu": "4"}, "requests": {"memory": "400Mi"}},
    }
    got = transform_pod(pod({"name": "step-foo"}, {"name": "step-bar"}, sidecar), limit_range(item))
    share = {"requests": q(cpu="500m", memory="50Mi", ephemeral_storage="512Mi")}
    assert resources(got) == [share, share, {"limits": q(cpu="4"), "requests": q(memory="400Mi")}]
    # Quantities are written in Kubernetes' canonical form.
    assert got["spec"]["containers"][0]["resources"]["requests"] == {
        "cpu": "500m",
        "memory": "50Mi",
        "ephemeral-storage": "512Mi",
    }


def test_share_never_goes_below_min() -> None:
    item = {"type": "Container", "defaultRequest": {"cpu": "1"}, "min": {"cpu": "400m"}}
    got = transform_pod(pod(*({"name": f"step-{i}"} for i in range(3))), limit_range(item))
    assert [c["resources"]["requests"] for c in got["spec"]["containers"]] == [{"cpu": "400m"}] * 3


def test_virtual_limit_range_is_the_most_restrictive() -> None:
    # limitrange_test.go: "multiple LimitRanges" — largest min, smallest max, smallest default.
    a = limit_range(
        {
            "type": "Container",
            "min": {"cpu": "50m", "memory": "50Mi"},
            "max": {"cpu": "2", "memory": "2Gi"},
            "default": {"cpu": "1", "memory": "1Gi"},
            "defaultRequest": {"cpu": "500m", "memory": "500Mi"},
        },
        name="a",
    )
    b = limit_range(
        {
            "type": "Container",
            "min": {"cpu": "100m", "memory": "10Mi"},
            "max": {"cpu": "3", "memory": "1Gi"},
            "default": {"cpu": "700m"},
            "defaultRequest": {"memory": "200Mi"},
        },
        name="b",
    )
    assert virtual_limit_range([]) is None
    assert virtual_limit_range([a]) == a
    (item,) = virtual_limit_range([a, b])["spec"]["limits"]  # type: ignore[index]
    values = {
        f: {k: parse_quantity(v).value for k, v in item[f].items()} for f in item if f != "type"
    }
    assert values["min"] == q(cpu="100m", memory="50Mi", ephemeral_storage="0")
    assert values["max"] == q(cpu="2", memory="1Gi", ephemeral_storage="0")
    # minOfBetween keeps the smaller, and a LimitRange without the resource counts as
    # zero: Tekton's virtual default ends up zero for it (its quirk, kept).
    assert values["default"] == q(cpu="700m", memory="0", ephemeral_storage="0")
    assert values["defaultRequest"] == q(cpu="0", memory="200Mi", ephemeral_storage="0")


def test_limit_range_defaulting_as_the_api_server_stores_it() -> None:
    stored = default_limit_range(
        limit_range(
            {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "10Mi"}},
            {"type": "Pod", "max": {"cpu": "4"}},
        )
    )
    container, pod_item = stored["spec"]["limits"]
    assert container["default"] == {"cpu": "2"}
    assert container["defaultRequest"] == {"cpu": "2", "memory": "10Mi"}
    assert "default" not in pod_item


def test_limit_ranger_admission_fills_what_is_missing_and_says_so() -> None:
    lr = default_limit_range(
        limit_range(
            {
                "type": "Container",
                "default": {"cpu": "1", "memory": "512Mi"},
                "defaultRequest": {"cpu": "0.5"},
            }
        )
    )
    step = {"name": "step-a", "resources": {"limits": {"memory": "1Gi"}}}
    init = {"name": "prepare"}
    got = admit_pod(pod(step, {"name": "sidecar-b"}, init=(init,)), [lr])
    a, b = got["spec"]["containers"]
    # requests default to limits first (SetDefaults_Pod), then LimitRanger adds the rest.
    assert a["resources"] == {
        "limits": {"memory": "1Gi", "cpu": "1"},
        "requests": {"memory": "1Gi", "cpu": "500m"},
    }
    assert b["resources"] == {
        "limits": {"cpu": "1", "memory": "512Mi"},
        "requests": {"cpu": "500m", "memory": "512Mi"},
    }
    assert got["spec"]["initContainers"][0]["resources"] == b["resources"]
    assert got["metadata"]["annotations"][LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu request for container step-a; cpu limit for container "
        "step-a; cpu, memory request for container sidecar-b; cpu, memory limit for "
        "container sidecar-b; cpu, memory request for init container prepare; cpu, memory "
        "limit for init container prepare"
    )


def test_admission_without_limit_ranges_only_defaults_requests() -> None:
    got = admit_pod(pod({"name": "step-a", "resources": {"limits": {"cpu": "2"}}}), [])
    assert got["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "2"},
        "requests": {"cpu": "2"},
    }
    assert "annotations" not in got["metadata"]


def test_first_limit_range_wins_per_resource() -> None:
    first = limit_range({"type": "Container", "default": {"cpu": "1"}}, name="a")
    second = limit_range({"type": "Container", "default": {"cpu": "3", "memory": "1Gi"}}, name="b")
    got = admit_pod(
        pod({"name": "step-a"}), [default_limit_range(first), default_limit_range(second)]
    )
    assert got["spec"]["containers"][0]["resources"]["limits"] == {"cpu": "1", "memory": "1Gi"}
    # Each LimitRange rewrites the annotation: the last one that set something shows.
    assert got["metadata"]["annotations"][LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: memory request for container step-a; memory limit for "
        "container step-a"
    )
