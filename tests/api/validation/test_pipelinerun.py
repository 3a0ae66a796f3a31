"""Golden cases from Tekton's ``pkg/apis/pipeline/v1/pipelinerun_validation_test.go``.

Each case is the Go test's input object (as YAML-shaped data) and the exact text Tekton's
``err.Error()`` renders.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, Defaults, FeatureFlags
from tektite.api.models import PipelineRun, PipelineRunSpec
from tektite.api.validation import validate
from tektite.api.validation.context import ValidationContext
from tektite.api.validation.pipelinerun import (
    validate_pipelinerun,
    validate_pipelinerun_spec,
    validate_pipelinerun_update,
)

DEFAULT = ValidationContext()
STABLE = ValidationContext(Config(features=FeatureFlags(enable_api_fields="stable")))
BETA = ValidationContext(Config(features=FeatureFlags(enable_api_fields="beta")))
ALPHA = ValidationContext(Config(features=FeatureFlags(enable_api_fields="alpha")))
FORBIDDEN_ENV = ValidationContext(
    Config(
        features=FeatureFlags(enable_api_fields="alpha"),
        defaults=Defaults(default_forbidden_env=("TEST_ENV",)),
    )
)


def inline_disabled(value: str) -> ValidationContext:
    return ValidationContext(Config(features=FeatureFlags(disable_inline_spec=value)))


def pipelinerun(
    spec: dict[str, Any], name: str = "pipelinelinename", status: dict[str, Any] | None = None
) -> PipelineRun:
    raw: dict[str, Any] = {"metadata": {"name": name}, "spec": spec}
    if status is not None:
        raw["status"] = status
    return msgspec.convert(raw, PipelineRun)


def spec_of(data: dict[str, Any]) -> PipelineRunSpec:
    return msgspec.convert(data, PipelineRunSpec)


ECHO = {"name": "echo", "image": "ubuntu", "command": ["echo"]}
ONE_GI = {"requests": {"memory": "1Gi"}}
OBJECT_PARAM_SPEC = {
    "name": "pipeline-words",
    "type": "object",
    "properties": {"hello": {"type": "string"}},
}


def echo_task(args: list[str], **extra: Any) -> dict[str, Any]:
    task_spec = {"steps": [{**ECHO, "args": args}], **extra.pop("task_spec", {})}
    return {"name": "echoit", "taskSpec": task_spec, **extra}


# -- TestPipelineRun_Invalid -----------------------------------------------------------------

PIPELINERUN_INVALID = [
    pytest.param(
        pipelinerun({"taskRunTemplate": {"serviceAccountName": "foo"}}),
        DEFAULT,
        "expected exactly one, got neither: spec.pipelineRef, spec.pipelineSpec",
        id="no pipeline reference",
    ),
    pytest.param(
        pipelinerun({"pipelineRef": {"name": "prname"}}, name="pipelinerun,name"),
        DEFAULT,
        'invalid resource name "pipelinerun,name": must be a valid DNS label: metadata.name',
        id="invalid pipelinerun metadata",
    ),
    pytest.param(
        pipelinerun({"pipelineRef": {"name": "prname"}, "status": "PipelineRunCancell"}),
        DEFAULT,
        "invalid value: PipelineRunCancell should be Cancelled, CancelledRunFinally, "
        "StoppedRunFinally or PipelineRunPending: spec.status",
        id="wrong pipelinerun cancel",
    ),
    pytest.param(
        pipelinerun({"pipelineSpec": {"tasks": [echo_task(["$(params.random-words[*])"])]}}),
        DEFAULT,
        'non-existent variable in "$(params.random-words[*])": spec.steps[0].args[0]',
        id="propagating params with pipelinespec and taskspec params not provided",
    ),
    pytest.param(
        pipelinerun(
            {
                "params": [{"name": "pipeline-words", "value": {"hello": "pipeline"}}],
                "pipelineSpec": {"tasks": [echo_task(["$(params.pipeline-words.not-hello)"])]},
            }
        ),
        ALPHA,
        'non-existent variable in "$(params.pipeline-words.not-hello)": spec.steps[0].args[0]',
        id="propagating object params with pipelinespec and taskspec params not provided",
    ),
    pytest.param(
        pipelinerun(
            {
                "pipelineSpec": {
                    "tasks": [
                        echo_task(
                            ["$(params.pipeline-words.not-hello)"],
                            task_spec={
                                "params": [{**OBJECT_PARAM_SPEC, "default": {"hello": "taskspec"}}]
                            },
                        )
                    ]
                }
            }
        ),
        ALPHA,
        'non-existent variable in "$(params.pipeline-words.not-hello)": spec.steps[0].args[0]',
        id="propagating object params with taskspec params declared",
    ),
    pytest.param(
        pipelinerun(
            {
                "pipelineSpec": {
                    "tasks": [
                        echo_task(
                            ["$(params.pipeline-words.not-hello)"],
                            params=[{"name": "pipeline-words", "value": {"hello": "pipeline"}}],
                            task_spec={
                                "params": [{**OBJECT_PARAM_SPEC, "default": {"hello": "taskspec"}}]
                            },
                        )
                    ]
                }
            }
        ),
        ALPHA,
        'non-existent variable in "$(params.pipeline-words.not-hello)": spec.steps[0].args[0]',
        id="propagating object params with pipelinespec and taskspec params provided in taskrun",
    ),
    pytest.param(
        pipelinerun(
            {
                "params": [{"name": "pipeline-words", "value": ["hello", "pipeline"]}],
                "pipelineSpec": {"tasks": [echo_task(["$(params.random-words[*])"])]},
            },
            name="pipelinename",
        ),
        DEFAULT,
        'non-existent variable in "$(params.random-words[*])": spec.steps[0].args[0]',
        id="propagating params with pipelinespec and taskspec",
    ),
    pytest.param(
        pipelinerun(
            {
                "params": [{"name": "pipeline-words", "value": {"hello": "pipeline"}}],
                "pipelineSpec": {
                    "params": [{**OBJECT_PARAM_SPEC, "default": {"hello": "pipelinespec"}}],
                    "tasks": [
                        echo_task(
                            ["$(params.pipeline-words.not-hello)"],
                            params=[{"name": "pipeline-words", "value": {"hello": "task"}}],
                            task_spec={
                                "params": [{**OBJECT_PARAM_SPEC, "default": {"hello": "taskspec"}}]
                            },
                        )
                    ],
                },
            },
            name="objectpipelinename",
        ),
        ALPHA,
        'non-existent variable in "$(params.pipeline-words.not-hello)": spec.steps[0].args[0]',
        id="propagating object params with pipelinespec and taskspec",
    ),
    pytest.param(
        pipelinerun(
            {"status": "PipelineRunPending", "pipelineRef": {"name": "prname"}},
            name="pipelinerunname",
            status={"startTime": "2024-01-01T00:00:00Z"},
        ),
        DEFAULT,
        "invalid value: PipelineRun cannot be Pending after it is started: spec.status",
        id="pipelinerun pending while running",
    ),
    pytest.param(
        pipelinerun(
            {
                "pipelineRef": {"name": "prname"},
                "params": [
                    {"name": "a", "value": "$(tasks.t.results.r)"},
                    {"name": "b", "value": ["x", "$(finally.f.results.r[*])", "$(params.p)"]},
                    {"name": "c", "value": "$(params.p) $(context.pipelineRun.name)"},
                ],
            }
        ),
        DEFAULT,
        "invalid value: cannot use result expressions in [finally.f.results.r[*]] as "
        "PipelineRun parameter values: spec.params[b].value\n"
        "invalid value: cannot use result expressions in [tasks.t.results.r] as PipelineRun "
        "parameter values: spec.params[a].value",
        id="result references in params",
    ),
    pytest.param(
        pipelinerun(
            {
                "pipelineRef": {"name": "prname"},
                "params": [{"name": "a", "value": "1"}, {"name": "A", "value": "2"}],
            }
        ),
        DEFAULT,
        "expected exactly one, got both: spec.params[A].name",
        id="duplicate params ignoring case",
    ),
    pytest.param(
        pipelinerun({"pipelineRef": {"name": "prname"}, "timeouts": {"pipeline": "1x"}}),
        DEFAULT,
        'invalid value: time: unknown unit "x" in duration "1x": spec.timeouts.pipeline',
        id="unparsable timeout",
    ),
    pytest.param(
        pipelinerun({"pipelineRef": {"name": "https://example.com/p.yaml"}}),
        DEFAULT,
        "feature flag enable-concise-resolver-syntax should be set to true to use concise "
        "resolver syntax: spec.pipelineRef\nmissing field(s): spec.pipelineRef.resolver",
        id="concise pipelineRef without flag",
    ),
]


@pytest.mark.parametrize(("pr", "ctx", "want"), PIPELINERUN_INVALID)
def test_pipelinerun_invalid(pr: PipelineRun, ctx: ValidationContext, want: str) -> None:
    assert validate_pipelinerun(pr, ctx).render() == want


# -- TestPipelineRun_Validate ----------------------------------------------------------------

WS_ECHO = ["$(workspaces.ws.path)"]
PIPELINERUN_VALID = [
    pytest.param(pipelinerun({"pipelineRef": {"name": "prname"}}), DEFAULT, id="normal case"),
    pytest.param(
        pipelinerun(
            {
                "params": [{"name": "pipeline-words", "value": ["hello", "pipeline"]}],
                "pipelineSpec": {
                    "params": [{"name": "pipeline-words-2", "type": "array"}],
                    "tasks": [
                        {
                            "name": "echoit",
                            "params": [
                                {"name": "task-words", "value": ["$(params.pipeline-words)"]}
                            ],
                            "taskSpec": {
                                "params": [{"name": "task-words-2", "type": "array"}],
                                "steps": [
                                    {**ECHO, "args": ["$(params.pipeline-words[*])"]},
                                    {
                                        **ECHO,
                                        "name": "echo-2",
                                        "args": ["$(params.pipeline-words-2[*])"],
                                    },
                                    {**ECHO, "name": "echo-3", "args": ["$(params.task-words[*])"]},
                                    {
                                        **ECHO,
                                        "name": "echo-4",
                                        "args": ["$(params.task-words-2[*])"],
                                    },
                                ],
                            },
                        }
                    ],
                },
            }
        ),
        ALPHA,
        id="array param with pipelinespec and taskspec",
    ),
    pytest.param(
        pipelinerun(
            {
                "params": [{"name": "pipeline-words", "value": ["hello", "pipeline"]}],
                "pipelineSpec": {"tasks": [echo_task(["$(params.pipeline-words[*])"])]},
            }
        ),
        ALPHA,
        id="propagating params with pipelinespec and taskspec",
    ),
    pytest.param(
        pipelinerun(
            {
                "params": [{"name": "pipeline-words", "value": {"hello": "pipeline"}}],
                "pipelineSpec": {"tasks": [echo_task(["$(params.pipeline-words.hello)"])]},
            }
        ),
        ALPHA,
        id="propagating object params with pipelinespec and taskspec",
    ),
    pytest.param(
        pipelinerun(
            {
                "params": [{"name": "pipeline-words", "value": {}}],
                "pipelineSpec": {
                    "params": [{**OBJECT_PARAM_SPEC, "default": {"hello": "pipelinespec"}}],
                    "tasks": [echo_task(["$(params.pipeline-words.hello)"])],
                },
            }
        ),
        ALPHA,
        id="propagating object params no value in params but value in default",
    ),
    pytest.param(
        pipelinerun(
            {
                "params": [{"name": "pipeline-words", "value": {"hello": "pipeline"}}],
                "pipelineSpec": {
                    "tasks": [
                        echo_task(
                            ["$(params.pipeline-words.hello)", "$(params.task-words.hello)"],
                            task_spec={
                                "params": [
                                    {
                                        **OBJECT_PARAM_SPEC,
                                        "name": "task-words",
                                        "default": {"hello": "taskspec"},
                                    }
                                ]
                            },
                        )
                    ]
                },
            }
        ),
        ALPHA,
        id="propagating object params with some params defined in taskspec only",
    ),
    pytest.param(
        pipelinerun(
            {
                "workspaces": [{"name": "ws", "emptyDir": {}}],
                "pipelineSpec": {
                    "tasks": [echo_task(WS_ECHO)],
                    "finally": [echo_task(WS_ECHO, name="echoitifinally")],
                },
            }
        ),
        ALPHA,
        id="propagating workspaces",
    ),
    pytest.param(
        pipelinerun(
            {
                "workspaces": [{"name": "ws", "emptyDir": {}}],
                "pipelineSpec": {
                    "workspaces": [{"name": "ws"}],
                    "tasks": [echo_task(WS_ECHO)],
                    "finally": [echo_task(WS_ECHO, name="echoitfinally")],
                },
            }
        ),
        ALPHA,
        id="propagating workspaces partially defined",
    ),
    pytest.param(
        pipelinerun(
            {
                "workspaces": [{"name": "ws", "emptyDir": {}}],
                "pipelineSpec": {
                    "workspaces": [{"name": "ws"}],
                    "tasks": [
                        echo_task(
                            WS_ECHO,
                            workspaces=[{"name": "ws", "subPath": "/foo"}],
                            task_spec={"workspaces": [{"name": "ws"}]},
                        )
                    ],
                    "finally": [
                        echo_task(
                            WS_ECHO,
                            name="echoitfinally",
                            workspaces=[{"name": "ws", "subPath": "/foo"}],
                            task_spec={"workspaces": [{"name": "ws"}]},
                        )
                    ],
                },
            }
        ),
        ALPHA,
        id="propagating workspaces fully defined",
    ),
    pytest.param(
        pipelinerun({"status": "PipelineRunPending", "pipelineRef": {"name": "prname"}}),
        DEFAULT,
        id="pipelinerun pending",
    ),
    pytest.param(
        pipelinerun({"status": "Cancelled", "pipelineRef": {"name": "prname"}}),
        DEFAULT,
        id="pipelinerun cancelled",
    ),
    pytest.param(
        pipelinerun({"status": "CancelledRunFinally", "pipelineRef": {"name": "prname"}}),
        DEFAULT,
        id="pipelinerun gracefully cancelled",
    ),
    pytest.param(
        pipelinerun({"status": "StoppedRunFinally", "pipelineRef": {"name": "prname"}}),
        DEFAULT,
        id="pipelinerun gracefully stopped",
    ),
    pytest.param(
        pipelinerun(
            {
                "pipelineRef": {"name": "pr"},
                "taskRunSpecs": [
                    {
                        "pipelineTaskName": "bar",
                        "stepSpecs": [{"name": "task-1", "computeResources": ONE_GI}],
                        "sidecarSpecs": [{"name": "task-1", "computeResources": ONE_GI}],
                    }
                ],
            },
            name="pr",
        ),
        ALPHA,
        id="alpha feature: sidecar and step specs",
    ),
    pytest.param(
        pipelinerun(
            {
                "pipelineRef": {"name": "prname"},
                "timeouts": {"pipeline": "1h"},
                "taskRunSpecs": [
                    {"pipelineTaskName": "task1", "timeout": "30m"},
                    {"pipelineTaskName": "task2", "timeout": "45m"},
                ],
            }
        ),
        DEFAULT,
        id="valid task-specific timeouts",
    ),
    pytest.param(
        pipelinerun(
            {
                "pipelineRef": {"name": "prname"},
                "params": [{"name": "p", "value": "$(context.pipelineRun.name)"}],
            }
        ),
        DEFAULT,
        id="non-result references in params",
    ),
]


@pytest.mark.parametrize(("pr", "ctx"), PIPELINERUN_VALID)
def test_pipelinerun_valid(pr: PipelineRun, ctx: ValidationContext) -> None:
    assert validate_pipelinerun(pr, ctx).render() == ""
    assert not validate(pr, ctx)


# -- TestPipelineRunSpec_Invalidate ----------------------------------------------------------

MYTASK_PIPELINE = {"tasks": [{"name": "mytask", "taskRef": {"name": "mytask"}}]}

SPEC_INVALID = [
    pytest.param(
        {
            "pipelineRef": {"name": "pr"},
            "taskRunSpecs": [
                {
                    "pipelineTaskName": "task-1",
                    "stepSpecs": [{"name": "task-1", "computeResources": ONE_GI}],
                    "podTemplate": {"env": [{"name": "TEST_ENV", "value": "false"}]},
                }
            ],
        },
        FORBIDDEN_ENV,
        "invalid value: PodTemplate cannot update a forbidden env: TEST_ENV: "
        "taskRunSpecs[0].PodTemplate.Env",
        id="PodTemplate contains forbidden env.",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "foo"},
            "taskRunTemplate": {"podTemplate": {"env": [{"name": "TEST_ENV", "value": "test"}]}},
        },
        FORBIDDEN_ENV,
        "invalid value: PodTemplate cannot update a forbidden env: TEST_ENV: "
        "taskRunTemplate.PodTemplate.Env",
        id="TaskRunTemplate.PodTemplate contains forbidden env",
    ),
    pytest.param(
        {"pipelineRef": {"name": "pipelinerefname"}, "pipelineSpec": MYTASK_PIPELINE},
        DEFAULT,
        "expected exactly one, got both: pipelineRef, pipelineSpec",
        id="pipelineRef and pipelineSpec together",
    ),
    pytest.param(
        {"pipelineSpec": MYTASK_PIPELINE},
        inline_disabled("taskrun,pipelinerun,pipeline"),
        "must not set the field(s): pipelineSpec",
        id="pipelineSpec when inline disabled all",
    ),
    pytest.param(
        {"pipelineSpec": MYTASK_PIPELINE},
        inline_disabled("pipelinerun"),
        "must not set the field(s): pipelineSpec",
        id="pipelineSpec when inline disabled",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "pipelinerefname"},
            "workspaces": [{"name": "ws", "emptyDir": {}}, {"name": "ws", "emptyDir": {}}],
        },
        DEFAULT,
        'workspace "ws" provided by pipelinerun more than once, at index 0 and 1: '
        "workspaces[1].name",
        id="workspaces may only appear once",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "pipelinerefname"},
            "workspaces": [
                {"name": "ws", "emptyDir": {}},
                {"name": "ws", "emptyDir": {}},
                {"name": "ws", "emptyDir": {}},
            ],
        },
        DEFAULT,
        'workspace "ws" provided by pipelinerun more than once, at index 0 and 1: '
        "workspaces[1].name\n"
        'workspace "ws" provided by pipelinerun more than once, at index 1 and 2: '
        "workspaces[2].name",
        id="workspaces three times: the previous index is the last seen",
    ),
    pytest.param(
        {"pipelineRef": {"name": "pipelinerefname"}, "workspaces": [{"name": "ws"}]},
        DEFAULT,
        "expected exactly one, got neither: workspaces[0].configmap, workspaces[0].emptydir, "
        "workspaces[0].persistentvolumeclaim, workspaces[0].secret, "
        "workspaces[0].volumeclaimtemplate",
        id="workspaces must contain a valid volume config",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "foo"},
            "taskRunSpecs": [
                {"pipelineTaskName": "bar", "stepSpecs": [{"name": "baz"}, {"name": "baz"}]}
            ],
        },
        ALPHA,
        "expected exactly one, got both: taskRunSpecs[0].stepSpecs[1].name",
        id="duplicate stepSpecs names",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "foo"},
            "taskRunSpecs": [
                {
                    "pipelineTaskName": "bar",
                    "stepSpecs": [{"name": "task-1", "computeResources": ONE_GI}],
                }
            ],
        },
        STABLE,
        'stepSpecs requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is '
        '"stable": ',
        id="stepSpecs disallowed without beta feature gate",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "foo"},
            "taskRunSpecs": [
                {
                    "pipelineTaskName": "bar",
                    "sidecarSpecs": [{"name": "task-1", "computeResources": ONE_GI}],
                }
            ],
        },
        STABLE,
        'sidecarSpecs requires "enable-api-fields" feature gate to be "alpha" or "beta" but '
        'it is "stable": ',
        id="sidecarSpec disallowed without beta feature gate",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "foo"},
            "taskRunSpecs": [
                {"pipelineTaskName": "bar", "stepSpecs": [{"name": "", "computeResources": ONE_GI}]}
            ],
        },
        ALPHA,
        "missing field(s): taskRunSpecs[0].stepSpecs[0].name",
        id="missing stepSpecs name",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "foo"},
            "taskRunSpecs": [
                {"pipelineTaskName": "bar", "sidecarSpecs": [{"name": "baz"}, {"name": "baz"}]}
            ],
        },
        ALPHA,
        "expected exactly one, got both: taskRunSpecs[0].sidecarSpecs[1].name",
        id="duplicate sidecarSpec names",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "foo"},
            "taskRunSpecs": [
                {
                    "pipelineTaskName": "bar",
                    "sidecarSpecs": [{"name": "", "computeResources": ONE_GI}],
                }
            ],
        },
        ALPHA,
        "missing field(s): taskRunSpecs[0].sidecarSpecs[0].name",
        id="missing sidecarSpec name",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "pipeline"},
            "taskRunSpecs": [
                {
                    "pipelineTaskName": "pipelineTask",
                    "stepSpecs": [{"name": "stepSpecs", "computeResources": ONE_GI}],
                    "computeResources": {"requests": {"memory": "2Gi"}},
                }
            ],
        },
        BETA,
        "expected exactly one, got both: taskRunSpecs[0].computeResources, "
        "taskRunSpecs[0].stepSpecs.resources",
        id="invalid both step-level and task-level resource requirements configured",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "foo"},
            "taskRunSpecs": [
                {"pipelineTaskName": "bar", "computeResources": {"requests": {"memory": "2Gi"}}}
            ],
        },
        STABLE,
        'computeResources requires "enable-api-fields" feature gate to be "alpha" or "beta" '
        'but it is "stable": ',
        id="computeResources disallowed without beta feature gate",
    ),
    pytest.param(
        {"pipelineRef": {"resolver": "git"}},
        STABLE,
        'resolver requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is '
        '"stable": ',
        id="pipelineRef resolver needs beta",
    ),
    pytest.param(
        {"pipelineRef": {"params": [{"name": "a", "value": "b"}]}},
        BETA,
        "missing field(s): pipelineRef.resolver",
        id="pipelineRef params without resolver",
    ),
    pytest.param(
        {"pipelineRef": {"name": "foo", "resolver": "git"}},
        ValidationContext(Config(features=FeatureFlags(enable_concise_resolver_syntax=True))),
        "invalid value: invalid URI for request: pipelineRef.name",
        id="pipelineRef with resolver and k8s style name",
    ),
]


@pytest.mark.parametrize(("spec", "ctx", "want"), SPEC_INVALID)
def test_pipelinerun_spec_invalid(spec: dict[str, Any], ctx: ValidationContext, want: str) -> None:
    assert validate_pipelinerun_spec(spec_of(spec), ctx).render() == want


SPEC_VALID = [
    pytest.param({"pipelineSpec": MYTASK_PIPELINE}, DEFAULT, id="PipelineRun without pipelineRef"),
    pytest.param(
        {
            "pipelineRef": {"name": "pipeline"},
            "taskRunSpecs": [
                {
                    "pipelineTaskName": "pipelineTask",
                    "stepSpecs": [{"name": "stepSpecs"}],
                    "computeResources": {"requests": {"memory": "2Gi"}},
                }
            ],
        },
        BETA,
        id="valid task-level (taskRunSpecs.resources) resource requirements configured",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "pipeline"},
            "taskRunSpecs": [
                {
                    "pipelineTaskName": "pipelineTask",
                    "stepSpecs": [{"name": "stepSpecs"}],
                    "computeResources": {"requests": {"memory": "2Gi"}},
                    "sidecarSpecs": [
                        {"name": "sidecar", "computeResources": {"requests": {"memory": "4Gi"}}}
                    ],
                }
            ],
        },
        BETA,
        id="valid sidecar and task-level (taskRunSpecs.resources) resource requirements configured",
    ),
]


@pytest.mark.parametrize(("spec", "ctx"), SPEC_VALID)
def test_pipelinerun_spec_valid(spec: dict[str, Any], ctx: ValidationContext) -> None:
    assert validate_pipelinerun_spec(spec_of(spec), ctx).render() == ""


# -- TestPipelineRun_InvalidTimeouts ---------------------------------------------------------


def with_timeouts(timeouts: dict[str, str], **extra: Any) -> PipelineRun:
    return pipelinerun({"pipelineRef": {"name": "prname"}, "timeouts": timeouts, **extra})


TIMEOUTS_INVALID = [
    pytest.param(
        with_timeouts({"pipeline": "-48h"}),
        "invalid value: -48h0m0s should be >= 0: spec.timeouts.pipeline",
        id="negative pipeline timeouts",
    ),
    pytest.param(
        pipelinerun(
            {
                "pipelineRef": {"name": "prname"},
                "taskRunSpecs": [{"pipelineTaskName": "task1", "timeout": "-1h"}],
            }
        ),
        "invalid value: -1h0m0s should be >= 0: spec.taskRunSpecs[0].timeout",
        id="negative task-specific timeout",
    ),
    pytest.param(
        with_timeouts({"tasks": "-48h"}),
        "invalid value: -48h0m0s should be >= 0: spec.timeouts.tasks",
        id="negative pipeline tasks Timeout",
    ),
    pytest.param(
        with_timeouts({"finally": "-48h"}),
        "invalid value: -48h0m0s should be >= 0: spec.timeouts.finally",
        id="negative pipeline finally Timeout",
    ),
    pytest.param(
        with_timeouts({"pipeline": "25m", "tasks": "1h"}),
        "invalid value: 1h0m0s should be <= pipeline duration: spec.timeouts.tasks",
        id="pipeline tasks Timeout > pipeline Timeout",
    ),
    pytest.param(
        with_timeouts({"pipeline": "25m", "finally": "1h"}),
        "invalid value: 1h0m0s should be <= pipeline duration: spec.timeouts.finally",
        id="pipeline finally Timeout > pipeline Timeout",
    ),
    pytest.param(
        with_timeouts({"pipeline": "50m", "tasks": "30m", "finally": "30m"}),
        "invalid value: 30m0s + 30m0s should be <= pipeline duration: spec.timeouts.finally, "
        "spec.timeouts.tasks",
        id="pipeline tasks Timeout +  pipeline finally Timeout > pipeline Timeout",
    ),
    pytest.param(
        with_timeouts({"tasks": "0m"}),
        "invalid value: 0s (no timeout) should be <= default timeout duration: spec.timeouts.tasks",
        id="Tasks timeout = 0 but Pipeline timeout not set",
    ),
    pytest.param(
        with_timeouts({"pipeline": "10m", "tasks": "0m"}),
        "invalid value: 0s (no timeout) should be <= pipeline duration: spec.timeouts.tasks",
        id="Tasks timeout = 0 but Pipeline timeout is not 0",
    ),
    pytest.param(
        with_timeouts({"finally": "0m"}),
        "invalid value: 0s (no timeout) should be <= default timeout duration: "
        "spec.timeouts.finally",
        id="Finally timeout = 0 but Pipeline timeout not set",
    ),
    pytest.param(
        with_timeouts({"pipeline": "10m", "finally": "0m"}),
        "invalid value: 0s (no timeout) should be <= pipeline duration: spec.timeouts.finally",
        id="Finally timeout = 0 but Pipeline timeout is not 0",
    ),
    pytest.param(
        with_timeouts(
            {"pipeline": "1h"}, taskRunSpecs=[{"pipelineTaskName": "task1", "timeout": "2h"}]
        ),
        "invalid value: 2h0m0s should be <= pipeline duration 1h0m0s: spec.taskRunSpecs[0].timeout",
        id="task-specific timeout exceeds pipeline timeout",
    ),
    pytest.param(
        with_timeouts({"tasks": "30m"}),
        # Tekton compares with the default number of minutes taken as nanoseconds.
        "invalid value: 30m0s should be <= default timeout duration: spec.timeouts.tasks",
        id="tasks timeout without pipeline timeout",
    ),
    pytest.param(
        with_timeouts(
            {"pipeline": "2h", "tasks": "-1m"},
            taskRunSpecs=[{"pipelineTaskName": "task1", "timeout": "1m"}],
        ),
        "invalid value: -1m0s should be >= 0: spec.taskRunSpecs[0].timeout, spec.timeouts.tasks",
        id="negative tasks timeout is also reported at the task-specific timeout",
    ),
    pytest.param(
        with_timeouts(
            {"pipeline": "2h", "tasks": "1y"},
            taskRunSpecs=[{"pipelineTaskName": "task1", "timeout": "1"}],
        ),
        'invalid value: time: missing unit in duration "1": spec.taskRunSpecs[0].timeout\n'
        'invalid value: time: unknown unit "y" in duration "1y": spec.timeouts.tasks',
        id="unparsable timeouts are reported where they are written",
    ),
]


@pytest.mark.parametrize(("pr", "want"), TIMEOUTS_INVALID)
def test_pipelinerun_invalid_timeouts(pr: PipelineRun, want: str) -> None:
    assert validate_pipelinerun(pr, DEFAULT).render() == want


TIMEOUTS_VALID = [
    pytest.param(
        with_timeouts(
            {"pipeline": "0s"}, taskRunSpecs=[{"pipelineTaskName": "task1", "timeout": "10h"}]
        ),
        id="when pipeline timeout is no timeout (0s), task timeouts can exceed it without error",
    ),
    pytest.param(
        with_timeouts({"pipeline": "0", "tasks": "0", "finally": "0"}), id="no tasksTimeout"
    ),
    pytest.param(
        with_timeouts({"pipeline": "1h", "tasks": "30m", "finally": "30m"}),
        id="Timeouts set for all three Task, Finally and Pipeline",
    ),
    pytest.param(with_timeouts({"pipeline": "0h", "tasks": "30m"}), id="timeouts.tasks only"),
    pytest.param(with_timeouts({"pipeline": "0h", "finally": "30m"}), id="timeouts.finally only"),
]


@pytest.mark.parametrize("pr", TIMEOUTS_VALID)
def test_pipelinerun_valid_timeouts(pr: PipelineRun) -> None:
    assert validate_pipelinerun(pr, DEFAULT).render() == ""


# -- TestPipelineRunTaskRunSpecTimeout_Validate ----------------------------------------------

TASKRUN_SPEC_TIMEOUTS = [
    pytest.param({"pipeline": "1h"}, "30m", "", id="taskRunSpec timeout within pipeline timeout"),
    pytest.param(
        {"pipeline": "30m"},
        "1h",
        "invalid value: 1h0m0s should be <= pipeline duration 30m0s: taskRunSpecs[0].timeout",
        id="taskRunSpec timeout exceeds pipeline timeout",
    ),
    pytest.param(None, "30m", "", id="no pipeline timeout uses default"),
    pytest.param(
        {"tasks": "30m"},
        "45m",
        "invalid value: 30m0s should be <= default timeout duration: timeouts.tasks\n"
        "invalid value: 45m0s should be <= pipeline tasks duration 30m0s: "
        "taskRunSpecs[0].timeout",
        id="taskRunSpec timeout exceeds tasks timeout",
    ),
    pytest.param(
        {"pipeline": "2h", "tasks": "1h"}, "30m", "", id="taskRunSpec timeout within tasks timeout"
    ),
    pytest.param(
        None,
        "90m",
        "invalid value: 1h30m0s should be <= default pipeline duration 1h0m0s: "
        "taskRunSpecs[0].timeout",
        id="taskRunSpec timeout exceeds default pipeline timeout",
    ),
]


@pytest.mark.parametrize(("timeouts", "timeout", "want"), TASKRUN_SPEC_TIMEOUTS)
def test_taskrun_spec_timeouts(timeouts: dict[str, str] | None, timeout: str, want: str) -> None:
    spec: dict[str, Any] = {
        "pipelineRef": {"name": "test"},
        "taskRunSpecs": [{"pipelineTaskName": "task1", "timeout": timeout}],
    }
    if timeouts is not None:
        spec["timeouts"] = timeouts
    assert validate_pipelinerun_spec(spec_of(spec), DEFAULT).render() == want


# -- TestPipelineRunSpecBetaFeatures ---------------------------------------------------------

BETA_FEATURES = [
    pytest.param(
        {"tasks": [{"name": "uses-resolver", "taskRef": {"resolver": "bar"}}]},
        id="pipeline tasks - use of resolver",
    ),
    pytest.param(
        {
            "tasks": [
                {
                    "name": "uses-resolver-params",
                    "taskRef": {"resolver": "bar", "params": [{"name": "", "value": ""}]},
                }
            ]
        },
        id="pipeline tasks - use of resolver params",
    ),
    pytest.param(
        {
            "tasks": [{"name": "valid-pipeline-task", "taskRef": {"name": "foo-task"}}],
            "finally": [{"name": "uses-resolver", "taskRef": {"resolver": "bar"}}],
        },
        id="finally tasks - use of resolver",
    ),
    pytest.param(
        {
            "tasks": [{"name": "valid-pipeline-task", "taskRef": {"name": "foo-task"}}],
            "finally": [
                {
                    "name": "uses-resolver-params",
                    "taskRef": {"resolver": "bar", "params": [{"name": "", "value": ""}]},
                }
            ],
        },
        id="finally tasks - use of resolver params",
    ),
]


@pytest.mark.parametrize("pipeline_spec", BETA_FEATURES)
def test_pipelinerun_spec_beta_features(pipeline_spec: dict[str, Any]) -> None:
    pr = pipelinerun({"pipelineSpec": pipeline_spec}, name="foo")
    assert validate_pipelinerun(pr, STABLE)
    assert validate_pipelinerun(pr, BETA).render() == ""


# -- TestPipelineRunSpec_ValidateUpdate ------------------------------------------------------

UNKNOWN = {"conditions": [{"type": "Succeeded", "status": "Unknown"}]}
SUCCEEDED = {"conditions": [{"type": "Succeeded", "status": "True"}]}
UPDATE = ValidationContext(is_create=False)

UPDATE_CASES = [
    pytest.param({}, {}, {}, "", id="no changes"),
    pytest.param({}, UNKNOWN, {"status": "Cancelled"}, "", id="status from Empty to Cancelled"),
    pytest.param(
        {"timeouts": {"pipeline": "0s"}},
        UNKNOWN,
        {"timeouts": {"pipeline": "1ns"}},
        "invalid value: Once the PipelineRun has started, only status updates are allowed: ",
        id="baseline is unknown, timeouts changes",
    ),
    pytest.param(
        {"status": "PipelineRunPending", "timeouts": {"pipeline": "0s"}},
        UNKNOWN,
        {"timeouts": {"pipeline": "1ns"}},
        "invalid value: Once the PipelineRun has started, only status updates are allowed: ",
        id="status from PipelineRunPending to Empty, and timeouts changes",
    ),
    pytest.param(
        {"status": "PipelineRunPending"},
        SUCCEEDED,
        {"status": "TaskRunCancelled"},
        "invalid value: Once the PipelineRun is complete, no updates are allowed: ",
        id="baseline is done, status changes",
    ),
    pytest.param(
        {"managedBy": "tekton.dev/pipeline"},
        UNKNOWN,
        {"managedBy": "some-other-controller"},
        "invalid value: managedBy is immutable: spec.managedBy",
        id="baseline is not done, managedBy changes",
    ),
    pytest.param(
        {
            "pipelineRef": {"name": "test-pipeline", "resolver": "bundles"},
            "timeouts": {"pipeline": "1h0m0s"},
        },
        SUCCEEDED,
        {
            "pipelineRef": {"name": "test-pipeline", "resolver": "bundles"},
            "timeouts": {"pipeline": "1h0m0s"},
        },
        "",
        id="allow finalizer update when specs are identical",
    ),
    pytest.param(
        {"pipelineRef": {"name": "test-pipeline"}},
        SUCCEEDED,
        {"pipelineRef": {"name": "different-pipeline"}},
        "invalid value: Once the PipelineRun is complete, no updates are allowed: ",
        id="block actual spec changes on completed PipelineRun",
    ),
    pytest.param(
        {"pipelineRef": {"name": "test-pipeline"}},
        SUCCEEDED,
        {
            "pipelineRef": {"name": "test-pipeline"},
            "timeouts": {"pipeline": "1h0m0s"},
            "taskRunTemplate": {"serviceAccountName": "default"},
        },
        "",
        id="completed PipelineRun may differ only by defaults",
    ),
]


@pytest.mark.parametrize(("old_spec", "old_status", "new_spec", "want"), UPDATE_CASES)
def test_pipelinerun_spec_validate_update(
    old_spec: dict[str, Any], old_status: dict[str, Any], new_spec: dict[str, Any], want: str
) -> None:
    baseline = msgspec.convert({"spec": old_spec, "status": old_status}, PipelineRun)
    assert validate_pipelinerun_update(spec_of(new_spec), baseline, UPDATE).render() == want


# -- TestPipelineRef_Invalid / TestPipelineRef_Valid (pipelineref_validation_test.go) ----------

CONCISE = ValidationContext(Config(features=FeatureFlags(enable_concise_resolver_syntax=True)))
CONCISE_DISABLED = (
    "feature flag enable-concise-resolver-syntax should be set to true to use concise "
    "resolver syntax: "
)

PIPELINE_REF_CASES = [
    pytest.param({}, DEFAULT, "missing field(s): name", id="pipelineRef without Pipeline Name"),
    pytest.param(
        {"name": "_foo"},
        DEFAULT,
        "invalid value: name part must consist of alphanumeric characters, '-', '_' or '.', "
        "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',"
        "  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
        "[A-Za-z0-9]'): name",
        id="invalid pipelineref name",
    ),
    pytest.param(
        {"resolver": "foo"},
        STABLE,
        'resolver requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is '
        '"stable": ',
        id="pipelineref resolver disallowed without beta feature gate",
    ),
    pytest.param(
        {"params": []},
        STABLE,
        "missing field(s): resolver\n"
        'resolver params requires "enable-api-fields" feature gate to be "alpha" or "beta" '
        'but it is "stable": ',
        id="pipelineref params disallowed without beta feature gate",
    ),
    pytest.param(
        {"params": []}, BETA, "missing field(s): resolver", id="params disallowed without resolver"
    ),
    pytest.param(
        {"name": "foo", "resolver": "git"},
        CONCISE,
        "invalid value: invalid URI for request: name",
        id="pipelineRef with resolver and k8s style name",
    ),
    pytest.param(
        {"name": "https://foo.com/bar"},
        CONCISE,
        "missing field(s): resolver",
        id="pipelineRef with url-like name without resolver",
    ),
    pytest.param(
        {"name": "https://foo/bar", "resolver": "git", "params": [{"name": "foo", "value": "bar"}]},
        CONCISE,
        "expected exactly one, got both: name, params",
        id="pipelineRef params disallowed in conjunction with pipelineref name",
    ),
    pytest.param(
        {"name": "https://foo.com/bar"},
        DEFAULT,
        CONCISE_DISABLED + "\nmissing field(s): resolver",
        id="pipelineRef with url-like name without enable-concise-resolver-syntax",
    ),
    pytest.param(
        {"name": "https://foo.com/bar", "resolver": "git"},
        DEFAULT,
        CONCISE_DISABLED,
        id="pipelineRef without enable-concise-resolver-syntax",
    ),
    pytest.param(
        {"name": "a/b/c"},
        DEFAULT,
        "invalid value: a valid label key must consist of alphanumeric characters, '-', '_' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
        "'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix "
        "and '/' (e.g. 'example.com/MyName'): name",
        id="name with two slashes",
    ),
    pytest.param(
        {"name": "/b"},
        DEFAULT,
        "invalid value: prefix part must be non-empty: name",
        id="empty prefix",
    ),
    pytest.param({"resolver": "git"}, BETA, "", id="beta feature: valid resolver"),
    pytest.param({"resolver": "git"}, ALPHA, "", id="beta feature: valid resolver with alpha flag"),
    pytest.param(
        {
            "resolver": "git",
            "params": [
                {"name": "repo", "value": "https://github.com/tektoncd/pipeline.git"},
                {"name": "branch", "value": "baz"},
            ],
        },
        ALPHA,
        "",
        id="alpha feature: valid resolver with params",
    ),
]


@pytest.mark.parametrize(("ref", "ctx", "want"), PIPELINE_REF_CASES)
def test_pipeline_ref(ref: dict[str, Any], ctx: ValidationContext, want: str) -> None:
    from tektite.api.models import PipelineRef
    from tektite.api.validation.refs import validate_pipeline_ref

    assert validate_pipeline_ref(msgspec.convert(ref, PipelineRef), ctx).render() == want


def test_no_pipeline_ref() -> None:
    from tektite.api.validation.refs import validate_pipeline_ref

    assert not validate_pipeline_ref(None, DEFAULT)
