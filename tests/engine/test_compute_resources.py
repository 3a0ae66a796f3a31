"""Task-level compute resources and Kubernetes quantities; cases lifted from Tekton's
``pkg/internal/computeresources/tasklevel/tasklevel_test.go`` and Kubernetes'
canonical quantity forms."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.models import ResourceRequirements, Step
from tektite.engine.compute_resources import apply_task_level_compute_resources, parse_quantity

TWO_STEPS = [
    {"name": "1st-step", "image": "image", "command": ["cmd"]},
    {"name": "2nd-step", "image": "image", "command": ["cmd"]},
]


def with_resources(*resources: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**s, "computeResources": r} for s, r in zip(TWO_STEPS, resources, strict=True)]


@pytest.mark.parametrize(
    ("steps", "task_level", "want"),
    [
        (
            TWO_STEPS,
            {"requests": {"cpu": "2", "memory": "2Mi"}},
            [{"requests": {"cpu": "1", "memory": "1Mi"}}] * 2,
        ),
        (
            TWO_STEPS,
            {"limits": {"cpu": "500m", "memory": "256Mi"}},
            [
                {
                    "requests": {"cpu": "250m", "memory": "128Mi"},
                    "limits": {"cpu": "500m", "memory": "256Mi"},
                }
            ]
            * 2,
        ),
        (
            TWO_STEPS,
            {"requests": {"cpu": "1", "memory": "2Mi"}, "limits": {"cpu": "2", "memory": "4Mi"}},
            [
                {
                    "requests": {"cpu": "500m", "memory": "1Mi"},
                    "limits": {"cpu": "2", "memory": "4Mi"},
                }
            ]
            * 2,
        ),
        (
            with_resources(
                {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}},
                {"requests": {"cpu": "200m"}, "limits": {"cpu": "1"}},
            ),
            {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}},
            [{"requests": {"cpu": "500m"}, "limits": {"cpu": "2"}}] * 2,
        ),
        (
            [
                {
                    **TWO_STEPS[0],
                    "computeResources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}},
                },
                TWO_STEPS[1],
            ],
            {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}},
            [{"requests": {"cpu": "500m"}, "limits": {"cpu": "2"}}] * 2,
        ),
        (
            with_resources(
                {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}},
                {"requests": {"cpu": "200m"}, "limits": {"cpu": "1"}},
            ),
            {},
            [
                {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}},
                {"requests": {"cpu": "200m"}, "limits": {"cpu": "1"}},
            ],
        ),
        # Task-level requests only: the steps' limits are dropped, as in Tekton.
        (
            with_resources({"limits": {"cpu": "1"}}, {}),
            {"requests": {"cpu": "3", "memory": "1G"}},
            [{"requests": {"cpu": "1500m", "memory": "500M"}}] * 2,
        ),
    ],
)
def test_apply_task_level_compute_resources(
    steps: list[dict[str, Any]], task_level: dict[str, Any], want: list[dict[str, Any]]
) -> None:
    got = apply_task_level_compute_resources(
        [msgspec.convert(s, Step) for s in steps],
        msgspec.convert(task_level, ResourceRequirements),
    )
    assert [s.compute_resources.to_dict() if s.compute_resources else {} for s in got] == want


@pytest.mark.parametrize(
    ("text", "canonical", "milli"),
    [
        ("1", "1", 1000),
        ("1000m", "1", 1000),
        ("1.5", "1500m", 1500),
        ("0.1", "100m", 100),
        ("2Gi", "2Gi", 2 * 2**30 * 1000),
        ("1024Mi", "1Gi", 2**30 * 1000),
        ("0.5Gi", "512Mi", 2**29 * 1000),
        ("1023Ki", "1023Ki", 1023 * 1024 * 1000),
        ("100k", "100k", 100_000_000),
        ("1e3", "1e3", 1_000_000),
        ("1.5e3", "1500", 1_500_000),
        ("0", "0", 0),
        ("1n", "1n", 1),
        (2, "2", 2000),
        (0.5, "500m", 500),
    ],
)
def test_quantities(text: str | int | float, canonical: str, milli: int) -> None:
    q = parse_quantity(text)
    assert str(q) == canonical
    assert q.milli_value() == milli


@pytest.mark.parametrize("text", ["", "abc", "1Qi", "1.2.3", "--1"])
def test_invalid_quantities(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quantity(text)
