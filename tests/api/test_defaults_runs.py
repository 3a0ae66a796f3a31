"""Golden cases from Tekton's ``taskrun_defaults_test.go`` and ``pipelinerun_defaults_test.go``.

Each case defaults an input object and compares its JSON form with the Go test's
expected object (durations in Go's canonical form, as Tekton stores them).
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, ConfigError, Defaults
from tektite.api.defaults import set_defaults
from tektite.api.defaults.runs import (
    default_pipelinerun,
    default_pipelinerun_spec,
    default_taskrun,
    default_taskrun_spec,
    merge_pod_template_with_default,
)
from tektite.api.models import PipelineRun, PipelineRunSpec, PodTemplate, TaskRun, TaskRunSpec

MANAGED = {"app.kubernetes.io/managed-by": "tekton-pipelines"}


def without_empty(obj: dict[str, Any]) -> dict[str, Any]:
    """The object's ``metadata`` and ``spec``, when not empty."""
    return {k: v for k, v in obj.items() if k in ("metadata", "spec") and v}


def config(**defaults: str) -> Config:
    return Config(defaults=Defaults.from_map({k.replace("_", "-"): v for k, v in defaults.items()}))


# -- TestTaskRunSpec_SetDefaults -------------------------------------------------------------

TASKRUN_SPEC_CASES = [
    pytest.param(
        {"timeout": "500ms"},
        {"serviceAccountName": "default", "timeout": "500ms"},
        id="taskref is nil",
    ),
    pytest.param(
        {"taskRef": {}, "timeout": "500ms"},
        {"taskRef": {"kind": "Task"}, "serviceAccountName": "default", "timeout": "500ms"},
        id="taskref kind is empty",
    ),
    pytest.param(
        {}, {"serviceAccountName": "default", "timeout": "1h0m0s"}, id="pod template is nil"
    ),
    pytest.param(
        {"podTemplate": {"nodeSelector": {"label": "value"}}},
        {
            "serviceAccountName": "default",
            "timeout": "1h0m0s",
            "podTemplate": {"nodeSelector": {"label": "value"}},
        },
        id="pod template is not nil",
    ),
    pytest.param(
        {"taskSpec": {"params": [{"name": "param-name"}]}},
        {
            "taskSpec": {"params": [{"name": "param-name", "type": "string"}]},
            "serviceAccountName": "default",
            "timeout": "1h0m0s",
        },
        id="embedded taskSpec",
    ),
    pytest.param(
        {"taskRef": {"resolver": "git"}},
        {"taskRef": {"resolver": "git"}, "serviceAccountName": "default", "timeout": "1h0m0s"},
        id="no kind when a resolver is set",
    ),
    pytest.param(
        {"taskRef": {"name": "t", "kind": "ClusterTask"}, "serviceAccountName": "sa"},
        {
            "taskRef": {"name": "t", "kind": "ClusterTask"},
            "serviceAccountName": "sa",
            "timeout": "1h0m0s",
        },
        id="explicit kind and service account kept",
    ),
]


@pytest.mark.parametrize(("spec", "want"), TASKRUN_SPEC_CASES)
def test_taskrun_spec_set_defaults(spec: dict[str, Any], want: dict[str, Any]) -> None:
    got = msgspec.convert(spec, TaskRunSpec)
    default_taskrun_spec(got, Config())
    assert got.to_dict() == want


# -- TestTaskRunDefaulting -------------------------------------------------------------------

TASKRUN_CASES = [
    pytest.param(
        {},
        {},
        {
            "metadata": {"labels": MANAGED},
            "spec": {"serviceAccountName": "default", "timeout": "1h0m0s"},
        },
        id="empty no context",
    ),
    pytest.param(
        {"spec": {"taskRef": {"name": "foo"}}},
        {},
        {
            "metadata": {"labels": MANAGED},
            "spec": {
                "taskRef": {"name": "foo", "kind": "Task"},
                "serviceAccountName": "default",
                "timeout": "1h0m0s",
            },
        },
        id="TaskRef default to namespace kind",
    ),
    pytest.param(
        {"spec": {"taskRef": {"name": "foo"}}},
        {"default_timeout_minutes": "5"},
        {
            "metadata": {"labels": MANAGED},
            "spec": {
                "taskRef": {"name": "foo", "kind": "Task"},
                "serviceAccountName": "default",
                "timeout": "5m0s",
            },
        },
        id="TaskRef default config context",
    ),
    pytest.param(
        {"spec": {"taskRef": {"name": "foo"}}},
        {"default_timeout_minutes": "5", "default_service_account": "tekton"},
        {
            "metadata": {"labels": MANAGED},
            "spec": {
                "taskRef": {"name": "foo", "kind": "Task"},
                "serviceAccountName": "tekton",
                "timeout": "5m0s",
            },
        },
        id="TaskRef default config context with SA",
    ),
    pytest.param(
        {"spec": {"taskRef": {"name": "foo"}}},
        {"default_timeout_minutes": "5", "default_managed_by_label_value": "something-else"},
        {
            "metadata": {"labels": {"app.kubernetes.io/managed-by": "something-else"}},
            "spec": {
                "taskRef": {"name": "foo", "kind": "Task"},
                "serviceAccountName": "default",
                "timeout": "5m0s",
            },
        },
        id="TaskRun managed-by set in config",
    ),
    pytest.param(
        {
            "metadata": {"labels": {"app.kubernetes.io/managed-by": "user-specified"}},
            "spec": {"taskRef": {"name": "foo"}},
        },
        {"default_timeout_minutes": "5", "default_managed_by_label_value": "something-else"},
        {
            "metadata": {"labels": {"app.kubernetes.io/managed-by": "user-specified"}},
            "spec": {
                "taskRef": {"name": "foo", "kind": "Task"},
                "serviceAccountName": "default",
                "timeout": "5m0s",
            },
        },
        id="TaskRun managed-by set in request and config (request wins)",
    ),
    pytest.param(
        {"spec": {"taskRef": {"name": "foo"}}},
        {
            "default_timeout_minutes": "5",
            "default_service_account": "tekton",
            "default_pod_template": "nodeSelector: { 'label': 'value' }",
        },
        {
            "metadata": {"labels": MANAGED},
            "spec": {
                "taskRef": {"name": "foo", "kind": "Task"},
                "serviceAccountName": "tekton",
                "timeout": "5m0s",
                "podTemplate": {"nodeSelector": {"label": "value"}},
            },
        },
        id="TaskRef pod template is coming from default config pod template",
    ),
    pytest.param(
        {
            "spec": {
                "taskRef": {"name": "foo"},
                "podTemplate": {"nodeSelector": {"label2": "value2"}},
            }
        },
        {
            "default_timeout_minutes": "5",
            "default_service_account": "tekton",
            "default_pod_template": "nodeSelector: { 'label': 'value' }",
        },
        {
            "metadata": {"labels": MANAGED},
            "spec": {
                "taskRef": {"name": "foo", "kind": "Task"},
                "serviceAccountName": "tekton",
                "timeout": "5m0s",
                "podTemplate": {"nodeSelector": {"label2": "value2"}},
            },
        },
        id="TaskRef pod template NodeSelector takes precedence over default config pod template",
    ),
    pytest.param(
        {
            "spec": {
                "taskRef": {"name": "foo"},
                "podTemplate": {"securityContext": {"runAsNonRoot": True}},
            }
        },
        {
            "default_timeout_minutes": "5",
            "default_service_account": "tekton",
            "default_pod_template": "nodeSelector: { 'label': 'value' }",
        },
        {
            "metadata": {"labels": MANAGED},
            "spec": {
                "taskRef": {"name": "foo", "kind": "Task"},
                "serviceAccountName": "tekton",
                "timeout": "5m0s",
                "podTemplate": {
                    "nodeSelector": {"label": "value"},
                    "securityContext": {"runAsNonRoot": True},
                },
            },
        },
        id="TaskRef pod template merges non competing fields with default config pod template",
    ),
    pytest.param(
        {"spec": {"taskRef": {}}},
        {"default_resolver_type": "git"},
        {
            "metadata": {"labels": MANAGED},
            "spec": {
                "taskRef": {"resolver": "git"},
                "serviceAccountName": "default",
                "timeout": "1h0m0s",
            },
        },
        id="TaskRef with default resolver",
    ),
    pytest.param(
        {"spec": {"taskRef": {"resolver": "custom resolver"}}},
        {"default_resolver_type": "git"},
        {
            "metadata": {"labels": MANAGED},
            "spec": {
                "taskRef": {"resolver": "custom resolver"},
                "serviceAccountName": "default",
                "timeout": "1h0m0s",
            },
        },
        id="TaskRef user-provided resolver overwrites default resolver",
    ),
]


@pytest.mark.parametrize(("raw", "defaults", "want"), TASKRUN_CASES)
def test_taskrun_defaulting(
    raw: dict[str, Any], defaults: dict[str, str], want: dict[str, Any]
) -> None:
    tr = msgspec.convert(raw, TaskRun)
    default_taskrun(tr, config(**defaults))
    assert without_empty(tr.to_dict()) == want


def test_taskrun_reserved_annotations() -> None:
    raw = {
        "metadata": {
            "annotations": {
                "chains.tekton.dev/signed": "true",
                "results.tekton.dev/hello": "world",
                "tekton.dev/foo": "bar",
                "foo": "bar",
            }
        },
        "spec": {"taskRef": {"name": "foo"}},
    }
    on_update = msgspec.convert(raw, TaskRun)
    default_taskrun(on_update, Config(), is_create=False)
    assert "chains.tekton.dev/signed" in on_update.metadata.annotations
    on_create = msgspec.convert(raw, TaskRun)
    default_taskrun(on_create, Config())
    assert on_create.metadata.annotations == {
        "results.tekton.dev/hello": "world",
        "tekton.dev/foo": "bar",
        "foo": "bar",
    }
    assert on_create.spec.task_ref is not None and on_create.spec.task_ref.kind == "Task"


def test_taskrun_defaulting_is_idempotent() -> None:
    tr = msgspec.convert(
        {
            "spec": {
                "taskRef": {"name": "foo"},
                "podTemplate": {"env": [{"name": "A", "value": "1"}]},
            }
        },
        TaskRun,
    )
    cfg = config(default_pod_template="env: [{name: B, value: '2'}]")
    default_taskrun(tr, cfg)
    once = tr.to_dict()
    default_taskrun(tr, cfg)
    assert tr.to_dict() == once
    assert once["spec"]["podTemplate"]["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "2"},
    ]


def test_dispatcher_defaults_taskruns() -> None:
    tr = msgspec.convert({"spec": {"taskRef": {"name": "foo"}}}, TaskRun)
    set_defaults(tr)
    assert tr.spec.timeout == "1h0m0s"


# -- TestPipelineRunSpec_SetDefaults ---------------------------------------------------------

SA = {"serviceAccountName": "default"}

PIPELINERUN_SPEC_CASES = [
    pytest.param(
        {}, {"taskRunTemplate": SA, "timeouts": {"pipeline": "1h0m0s"}}, id="timeouts is nil"
    ),
    pytest.param(
        {"timeouts": {}},
        {"taskRunTemplate": SA, "timeouts": {"pipeline": "1h0m0s"}},
        id="timeouts is not nil",
    ),
    pytest.param(
        {"timeouts": {"pipeline": "61m"}},
        {"taskRunTemplate": SA, "timeouts": {"pipeline": "61m"}},
        id="timeouts.pipeline is not nil",
    ),
    pytest.param(
        {"timeouts": {"tasks": "61m", "finally": "61m"}},
        {
            "taskRunTemplate": SA,
            "timeouts": {"pipeline": "1h0m0s", "tasks": "61m", "finally": "61m"},
        },
        id="timeouts.pipeline is nil with timeouts.tasks and timeouts.finally",
    ),
    pytest.param(
        {"taskRunTemplate": {"podTemplate": {"nodeSelector": {"label": "value"}}}},
        {
            "taskRunTemplate": {**SA, "podTemplate": {"nodeSelector": {"label": "value"}}},
            "timeouts": {"pipeline": "1h0m0s"},
        },
        id="pod template is not nil",
    ),
]


@pytest.mark.parametrize(("spec", "want"), PIPELINERUN_SPEC_CASES)
def test_pipelinerun_spec_set_defaults(spec: dict[str, Any], want: dict[str, Any]) -> None:
    got = msgspec.convert(spec, PipelineRunSpec)
    default_pipelinerun_spec(got, Config())
    assert got.to_dict() == want


# -- TestPipelineRunDefaulting ---------------------------------------------------------------

PIPELINERUN_CASES = [
    pytest.param(
        {}, {}, {"taskRunTemplate": SA, "timeouts": {"pipeline": "1h0m0s"}}, id="empty no context"
    ),
    pytest.param(
        {"pipelineSpec": {"params": [{"name": "foo"}]}},
        {},
        {
            "pipelineSpec": {"params": [{"name": "foo", "type": "string"}]},
            "taskRunTemplate": SA,
            "timeouts": {"pipeline": "1h0m0s"},
        },
        id="Embedded PipelineSpec default",
    ),
    pytest.param(
        {"pipelineRef": {"name": "foo"}},
        {},
        {"pipelineRef": {"name": "foo"}, "taskRunTemplate": SA, "timeouts": {"pipeline": "1h0m0s"}},
        id="PipelineRef default config context",
    ),
    pytest.param(
        {"pipelineRef": {"name": "foo"}},
        {"default_timeout_minutes": "5", "default_service_account": "tekton"},
        {
            "pipelineRef": {"name": "foo"},
            "taskRunTemplate": {"serviceAccountName": "tekton"},
            "timeouts": {"pipeline": "5m0s"},
        },
        id="PipelineRef default config context with sa",
    ),
    pytest.param(
        {"pipelineRef": {"name": "foo"}},
        {
            "default_timeout_minutes": "5",
            "default_service_account": "tekton",
            "default_pod_template": "nodeSelector: { 'label': 'value' }",
        },
        {
            "pipelineRef": {"name": "foo"},
            "taskRunTemplate": {
                "serviceAccountName": "tekton",
                "podTemplate": {"nodeSelector": {"label": "value"}},
            },
            "timeouts": {"pipeline": "5m0s"},
        },
        id="PipelineRef pod template is coming from default config pod template",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "foo"},
            "taskRunTemplate": {"podTemplate": {"nodeSelector": {"label2": "value2"}}},
        },
        {
            "default_timeout_minutes": "5",
            "default_service_account": "tekton",
            "default_pod_template": "nodeSelector: { 'label': 'value' }",
        },
        {
            "pipelineRef": {"name": "foo"},
            "taskRunTemplate": {
                "serviceAccountName": "tekton",
                "podTemplate": {"nodeSelector": {"label2": "value2"}},
            },
            "timeouts": {"pipeline": "5m0s"},
        },
        id="PipelineRef pod template nodeselector takes precedence",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "foo"},
            "taskRunTemplate": {
                "podTemplate": {
                    "nodeSelector": {"label2": "value2"},
                    "securityContext": {"runAsNonRoot": True},
                    "hostNetwork": False,
                }
            },
        },
        {
            "default_timeout_minutes": "5",
            "default_service_account": "tekton",
            "default_pod_template": "nodeSelector: { 'label': 'value' }\nhostNetwork: true",
        },
        {
            "pipelineRef": {"name": "foo"},
            "taskRunTemplate": {
                "serviceAccountName": "tekton",
                "podTemplate": {
                    "nodeSelector": {"label2": "value2"},
                    "securityContext": {"runAsNonRoot": True},
                    "hostNetwork": True,
                },
            },
            "timeouts": {"pipeline": "5m0s"},
        },
        id="PipelineRef pod template merges non competing fields with default config pod template",
    ),
    pytest.param(
        {"pipelineRef": {}},
        {"default_resolver_type": "git"},
        {
            "pipelineRef": {"resolver": "git"},
            "taskRunTemplate": SA,
            "timeouts": {"pipeline": "1h0m0s"},
        },
        id="PipelineRef uses default resolver",
    ),
    pytest.param(
        {"pipelineRef": {"resolver": "hub"}},
        {"default_resolver_type": "git"},
        {
            "pipelineRef": {"resolver": "hub"},
            "taskRunTemplate": SA,
            "timeouts": {"pipeline": "1h0m0s"},
        },
        id="PipelineRef user-provided resolver overwrites default resolver",
    ),
    pytest.param(
        {
            "pipelineSpec": {
                "tasks": [
                    {"name": "a", "taskRef": {"name": "t"}},
                    {
                        "name": "b",
                        "taskSpec": {"steps": [{"image": "x"}], "results": [{"name": "r"}]},
                    },
                ]
            }
        },
        {},
        {
            "pipelineSpec": {
                "tasks": [
                    {"name": "a", "taskRef": {"name": "t", "kind": "Task"}},
                    {
                        "name": "b",
                        "taskSpec": {
                            "steps": [{"image": "x"}],
                            "results": [{"name": "r", "type": "string"}],
                        },
                    },
                ]
            },
            "taskRunTemplate": SA,
            "timeouts": {"pipeline": "1h0m0s"},
        },
        id="embedded pipeline tasks are defaulted",
    ),
]


@pytest.mark.parametrize(("spec", "defaults", "want"), PIPELINERUN_CASES)
def test_pipelinerun_defaulting(
    spec: dict[str, Any], defaults: dict[str, str], want: dict[str, Any]
) -> None:
    pr = msgspec.convert({"spec": spec}, PipelineRun)
    default_pipelinerun(pr, config(**defaults))
    assert without_empty(pr.to_dict()) == {"spec": want}


def test_pipelinerun_reserved_annotations() -> None:
    raw = {
        "metadata": {
            "annotations": {
                "chains.tekton.dev/signed": "true",
                "results.tekton.dev/hello": "world",
                "tekton.dev/foo": "bar",
                "foo": "bar",
            }
        },
        "spec": {"pipelineRef": {"name": "foo"}},
    }
    on_update = msgspec.convert(raw, PipelineRun)
    default_pipelinerun(on_update, Config(), is_create=False)
    assert on_update.metadata.annotations["chains.tekton.dev/signed"] == "true"
    on_create = msgspec.convert(raw, PipelineRun)
    default_pipelinerun(on_create, Config())
    assert on_create.metadata.annotations == {
        "results.tekton.dev/hello": "world",
        "tekton.dev/foo": "bar",
        "foo": "bar",
    }
    # PipelineRuns get no managed-by label.
    assert on_create.metadata.labels == {}


# -- pod template merging (pod/template.go) ----------------------------------------------------

MERGE_CASES = [
    pytest.param(None, None, None, id="both nil"),
    pytest.param({"schedulerName": "s"}, None, {"schedulerName": "s"}, id="no default"),
    pytest.param(None, {"schedulerName": "d"}, {"schedulerName": "d"}, id="no template"),
    pytest.param(
        {"env": [{"name": "A", "value": "run"}], "volumes": [{"name": "v", "emptyDir": {}}]},
        {
            "env": [{"name": "A", "value": "default"}, {"name": "B", "value": "default"}],
            "volumes": [{"name": "w", "emptyDir": {}}],
            "schedulerName": "d",
            "dnsPolicy": "None",
            "hostNetwork": True,
        },
        {
            "env": [{"name": "A", "value": "run"}, {"name": "B", "value": "default"}],
            "volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {}}],
            "schedulerName": "d",
            "dnsPolicy": "None",
            "hostNetwork": True,
        },
        id="env and volumes merge by name, run first",
    ),
    pytest.param(
        {"tolerations": [], "imagePullSecrets": [{"name": "mine"}]},
        {"tolerations": [{"key": "k"}], "imagePullSecrets": [{"name": "theirs"}]},
        {"tolerations": [], "imagePullSecrets": [{"name": "mine"}]},
        id="set lists win even when empty",
    ),
]


@pytest.mark.parametrize(("tpl", "default", "want"), MERGE_CASES)
def test_merge_pod_template(
    tpl: dict[str, Any] | None, default: dict[str, Any] | None, want: dict[str, Any] | None
) -> None:
    def pt(d: dict[str, Any] | None) -> PodTemplate | None:
        return None if d is None else msgspec.convert(d, PodTemplate)

    got = merge_pod_template_with_default(pt(tpl), pt(default))
    assert (None if got is None else got.to_dict()) == want


def test_bad_default_pod_template() -> None:
    tr = msgspec.convert({"spec": {"taskRef": {"name": "foo"}}}, TaskRun)
    with pytest.raises(ConfigError):
        default_taskrun(tr, config(default_pod_template="nodeSelector: [1, 2]"))
