"""Retention decisions (pure): which finished runs go, and why, at an injected ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from tektite.engine.retention import (
    Decision,
    NamespaceSpec,
    Policy,
    RetentionConfig,
    RetentionConfigError,
    Run,
    decide,
    parse_global_config,
    parse_namespace_config,
    settings_for,
)

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def stamp(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(
    name: str,
    *,
    kind: str = "PipelineRun",
    ns: str = "default",
    created: float = 60,
    finished: float | None = 30,
    ok: bool | None = True,
    parent: str | None = "build",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    owned: bool = False,
) -> Run:
    """A stored run as the API has it, read by ``Run.from_object``; times in minutes ago."""
    all_labels = dict(labels or {})
    if parent is not None:
        all_labels["tekton.dev/pipeline" if kind == "PipelineRun" else "tekton.dev/task"] = parent
    if owned:
        all_labels["tekton.dev/pipelineRun"] = "owner"
    obj: dict[str, Any] = {
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": ns,
            "creationTimestamp": stamp(created),
            "labels": all_labels,
            "annotations": annotations or {},
        },
        "status": {},
    }
    if ok is not None:
        assert finished is not None
        obj["status"] = {
            "completionTime": stamp(finished),
            "conditions": [
                {"type": "Succeeded", "status": "True" if ok else "False", "reason": "x"}
            ],
        }
    else:
        obj["status"] = {"conditions": [{"type": "Succeeded", "status": "Unknown"}]}
    return Run.from_object(obj)


def names(decision: Decision) -> list[str]:
    return [d.name for d in decision.deletions]


def reasons(decision: Decision) -> dict[str, str]:
    return {d.name: d.reason for d in decision.deletions}


def global_config(text: str) -> RetentionConfig:
    level, policy, namespaces = parse_global_config(text)
    return RetentionConfig(level, policy, namespaces)


# -- TTL --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("finished_minutes_ago", "ttl", "deleted"),
    [
        (30, 3600, False),  # finished 30 min ago, TTL 1 h
        (61, 3600, True),
        (60, 3600, True),  # exactly at expiry
        (0, 0, True),  # TTL 0: as soon as it finishes
    ],
)
def test_ttl_after_finished(finished_minutes_ago: float, ttl: int, deleted: bool) -> None:
    config = global_config(f"ttlSecondsAfterFinished: {ttl}")
    r = run("a", created=120, finished=finished_minutes_ago)
    decision = decide([r], config, NOW)
    assert names(decision) == (["a"] if deleted else [])
    if not deleted:
        assert decision.next_check == NOW + timedelta(seconds=ttl - finished_minutes_ago * 60)


def test_ttl_reason_says_where_it_came_from_and_how_old() -> None:
    config = global_config("ttlSecondsAfterFinished: 3600")
    assert reasons(decide([run("a", created=200, finished=90)], config, NOW)) == {
        "a": "ttlSecondsAfterFinished=3600 (tekton-pruner-default-spec): finished 1h30m0s ago"
    }


def test_running_owned_and_deleting_runs_are_never_deleted() -> None:
    config = global_config("ttlSecondsAfterFinished: 0\nhistoryLimit: 0")
    runs = [
        run("running", ok=None, finished=None),
        run("child", kind="TaskRun", owned=True),
        msgspec.structs.replace(run("going"), deleting=True),
        run("done"),
    ]
    assert names(decide(runs, config, NOW)) == ["done"]


def test_nothing_configured_keeps_everything() -> None:
    runs = [run(f"r{i}", created=1000 - i, finished=900 - i) for i in range(50)]
    decision = decide(runs, RetentionConfig(), NOW)
    assert decision.deletions == []
    assert decision.next_check is None


# -- history limits ---------------------------------------------------------------------------


def test_keep_n_successful_and_n_failed_per_pipeline() -> None:
    config = global_config("successfulHistoryLimit: 2\nfailedHistoryLimit: 1")
    runs = [
        run("b-ok-1", created=50),
        run("b-ok-2", created=40),
        run("b-ok-3", created=30),
        run("b-fail-1", created=45, ok=False),
        run("b-fail-2", created=35, ok=False),
        run("d-ok-1", created=55, parent="deploy"),  # another pipeline: counted apart
        run("b-running", created=1, ok=None, finished=None),  # not counted
    ]
    decision = decide(runs, config, NOW)
    assert reasons(decision) == {
        "b-ok-1": "successfulHistoryLimit=2 (tekton-pruner-default-spec): 2 newer "
        'successful PipelineRuns of Pipeline "build"',
        "b-fail-1": "failedHistoryLimit=1 (tekton-pruner-default-spec): 1 newer "
        'failed PipelineRuns of Pipeline "build"',
    }


def test_history_limit_fills_both_and_zero_deletes_every_finished_run() -> None:
    config = global_config("historyLimit: 0")
    assert names(decide([run("a"), run("b", ok=False)], config, NOW)) == ["a", "b"]
    config = global_config("historyLimit: 1\nfailedHistoryLimit: 0")
    runs = [run("ok1", created=9), run("ok2", created=8), run("f1", ok=False)]
    assert names(decide(runs, config, NOW)) == ["f1", "ok1"]


def test_standalone_taskruns_count_per_task_and_embedded_specs_together() -> None:
    config = global_config("historyLimit: 1")
    runs = [
        run("t1", kind="TaskRun", parent="lint", created=9),
        run("t2", kind="TaskRun", parent="lint", created=8),
        run("e1", kind="TaskRun", parent=None, created=7),
        run("e2", kind="TaskRun", parent=None, created=6),
        run("p1", kind="PipelineRun", parent="lint", created=5),  # not a TaskRun: apart
    ]
    decision = decide(runs, config, NOW)
    assert names(decision) == ["e1", "t1"]
    assert reasons(decision)["e1"].endswith("1 newer successful TaskRuns of embedded specs")


def test_the_parent_label_key_can_be_overridden_by_annotation() -> None:
    config = global_config("historyLimit: 1")
    ann = {"pruner.tekton.dev/resourceNameLabelKey": "app"}
    runs = [
        run("x1", labels={"app": "web"}, annotations=ann, created=9, parent="one"),
        run("x2", labels={"app": "web"}, annotations=ann, created=8, parent="two"),
    ]
    assert names(decide(runs, config, NOW)) == ["x1"]


def test_ttl_and_limits_combine_and_a_run_is_listed_once() -> None:
    config = global_config("ttlSecondsAfterFinished: 600\nsuccessfulHistoryLimit: 1")
    runs = [run("old", created=100, finished=90), run("new", created=5, finished=4)]
    decision = decide(runs, config, NOW)
    assert names(decision) == ["old"]
    assert reasons(decision)["old"].startswith("ttlSecondsAfterFinished=600")
    assert decision.next_check == NOW + timedelta(minutes=6)


# -- where settings come from -----------------------------------------------------------------

NS_CONFIG = """
ttlSecondsAfterFinished: 86400
successfulHistoryLimit: 10
pipelineRuns:
- name: release
  successfulHistoryLimit: 50
- selector:
  - matchLabels: {tier: dev}
    matchAnnotations: {team: a}
  historyLimit: 2
taskRuns:
- name: lint
  ttlSecondsAfterFinished: 60
"""

GLOBAL = """
enforcedConfigLevel: resource
ttlSecondsAfterFinished: 3600
failedHistoryLimit: 7
namespaces:
  prod:
    failedHistoryLimit: 20
"""


def layered(level: str = "resource") -> RetentionConfig:
    _, policy, namespaces = parse_global_config(GLOBAL)
    return RetentionConfig(
        level,  # type: ignore[arg-type]
        policy,
        namespaces,
        {"default": parse_namespace_config(NS_CONFIG, "default")},
    )


@pytest.mark.parametrize(
    ("case", "level", "expected"),
    [
        (
            run("r", parent="release"),
            "resource",
            {
                "ttlSecondsAfterFinished": (86400, "tekton-pruner-namespace-spec"),
                "successfulHistoryLimit": (50, "tekton-pruner-namespace-spec (name release)"),
                "failedHistoryLimit": (7, "tekton-pruner-default-spec"),
            },
        ),
        (
            run("s", labels={"tier": "dev"}, annotations={"team": "a"}),
            "resource",
            {
                "ttlSecondsAfterFinished": (86400, "tekton-pruner-namespace-spec"),
                "successfulHistoryLimit": (2, "tekton-pruner-namespace-spec (selector)"),
                "failedHistoryLimit": (2, "tekton-pruner-namespace-spec (selector)"),
            },
        ),
        (  # a selector needs all its labels and annotations
            run("s2", labels={"tier": "dev"}),
            "resource",
            {
                "ttlSecondsAfterFinished": (86400, "tekton-pruner-namespace-spec"),
                "successfulHistoryLimit": (10, "tekton-pruner-namespace-spec"),
                "failedHistoryLimit": (7, "tekton-pruner-default-spec"),
            },
        ),
        (
            run("t", kind="TaskRun", parent="lint"),
            "resource",
            {
                "ttlSecondsAfterFinished": (60, "tekton-pruner-namespace-spec (name lint)"),
                "successfulHistoryLimit": (10, "tekton-pruner-namespace-spec"),
                "failedHistoryLimit": (7, "tekton-pruner-default-spec"),
            },
        ),
        (
            run("p", ns="prod"),
            "resource",
            {
                "ttlSecondsAfterFinished": (3600, "tekton-pruner-default-spec"),
                "failedHistoryLimit": (20, "tekton-pruner-default-spec namespaces.prod"),
            },
        ),
        (
            run("a", annotations={"pruner.tekton.dev/successfulHistoryLimit": "3"}),
            "resource",
            {
                "ttlSecondsAfterFinished": (86400, "tekton-pruner-namespace-spec"),
                "successfulHistoryLimit": (3, "annotations pruner.tekton.dev/*"),
                "failedHistoryLimit": (7, "tekton-pruner-default-spec"),
            },
        ),
        (  # namespace level: annotations are not read
            run("a", annotations={"pruner.tekton.dev/successfulHistoryLimit": "3"}),
            "namespace",
            {
                "ttlSecondsAfterFinished": (86400, "tekton-pruner-namespace-spec"),
                "successfulHistoryLimit": (10, "tekton-pruner-namespace-spec"),
                "failedHistoryLimit": (7, "tekton-pruner-default-spec"),
            },
        ),
        (  # global level: only the global root
            run("r", parent="release", ns="prod"),
            "global",
            {
                "ttlSecondsAfterFinished": (3600, "tekton-pruner-default-spec"),
                "failedHistoryLimit": (7, "tekton-pruner-default-spec"),
            },
        ),
        (  # an annotation that is not a count is ignored
            run("bad", annotations={"pruner.tekton.dev/ttlSecondsAfterFinished": "-5"}),
            "resource",
            {
                "ttlSecondsAfterFinished": (86400, "tekton-pruner-namespace-spec"),
                "successfulHistoryLimit": (10, "tekton-pruner-namespace-spec"),
                "failedHistoryLimit": (7, "tekton-pruner-default-spec"),
            },
        ),
    ],
)
def test_each_setting_comes_from_the_most_specific_place(
    case: Run, level: str, expected: dict[str, tuple[int, str]]
) -> None:
    assert settings_for(case, layered(level)) == expected


# -- configuration errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "ttlSecondsAfterFinished: soon",
            "ConfigMap tekton-pipelines/tekton-pruner-default-spec: global-config: "
            "ttlSecondsAfterFinished: must be an integer, not 'soon'",
        ),
        (
            "historyLimit: -1",
            "ConfigMap tekton-pipelines/tekton-pruner-default-spec: global-config: "
            "historyLimit: must be between 0 and 2147483647, not -1",
        ),
        (
            "successfullHistoryLimit: 3",
            "ConfigMap tekton-pipelines/tekton-pruner-default-spec: global-config: "
            "successfullHistoryLimit: unknown field",
        ),
        (
            "enforcedConfigLevel: cluster",
            "ConfigMap tekton-pipelines/tekton-pruner-default-spec: global-config: "
            "enforcedConfigLevel: must be one of global, namespace, resource, not 'cluster'",
        ),
        (
            "namespaces:\n  dev:\n    ttlSecondsAfterFinished: true",
            "ConfigMap tekton-pipelines/tekton-pruner-default-spec: global-config: "
            "namespaces.dev.ttlSecondsAfterFinished: must be an integer, not True",
        ),
        (
            "a: [1",
            "ConfigMap tekton-pipelines/tekton-pruner-default-spec: global-config: "
            "not valid YAML (line 1)",
        ),
        (
            "- 1",
            "ConfigMap tekton-pipelines/tekton-pruner-default-spec: global-config: "
            "must be a mapping",
        ),
    ],
)
def test_global_config_errors_name_the_field(text: str, message: str) -> None:
    with pytest.raises(RetentionConfigError) as caught:
        parse_global_config(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "pipelineRuns:\n- name: x\n  historyLimit: many",
            "ConfigMap team/tekton-pruner-namespace-spec: ns-config: "
            "pipelineRuns[0].historyLimit: must be an integer, not 'many'",
        ),
        (
            "taskRuns:\n- selector:\n  - matchLabel: {a: b}",
            "ConfigMap team/tekton-pruner-namespace-spec: ns-config: "
            "taskRuns[0].selector[0].matchLabel: unknown field",
        ),
        (
            "pipelineRuns: {name: x}",
            "ConfigMap team/tekton-pruner-namespace-spec: ns-config: pipelineRuns: must be a list",
        ),
    ],
)
def test_namespace_config_errors_name_the_field(text: str, message: str) -> None:
    with pytest.raises(RetentionConfigError) as caught:
        parse_namespace_config(text, "team")
    assert str(caught.value) == message


def test_empty_configs_set_nothing() -> None:
    assert parse_global_config("") == ("resource", Policy(), {})
    assert parse_namespace_config("  \n", "x") == NamespaceSpec()
