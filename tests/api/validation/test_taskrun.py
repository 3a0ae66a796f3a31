"""Golden cases from Tekton's ``pkg/apis/pipeline/v1/taskrun_validation_test.go``.

Each case is the Go test's input object (as YAML-shaped data) and the exact text Tekton's
``err.Error()`` renders.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, Defaults, FeatureFlags
from tektite.api.models import TaskRun, TaskRunSpec
from tektite.api.validation import validate
from tektite.api.validation.context import ValidationContext
from tektite.api.validation.taskrun import validate_taskrun, validate_taskrun_spec

STABLE = ValidationContext(Config(features=FeatureFlags(enable_api_fields="stable")))
BETA = ValidationContext(Config(features=FeatureFlags(enable_api_fields="beta")))
ALPHA = ValidationContext(Config(features=FeatureFlags(enable_api_fields="alpha")))
FORBIDDEN_ENV = ValidationContext(
    Config(
        features=FeatureFlags(enable_api_fields="alpha"),
        defaults=Defaults(default_forbidden_env=("TEST_ENV",)),
    )
)
CONCISE = ValidationContext(Config(features=FeatureFlags(enable_concise_resolver_syntax=True)))


def inline_disabled(value: str) -> ValidationContext:
    return ValidationContext(Config(features=FeatureFlags(disable_inline_spec=value)))


def taskrun(
    spec: dict[str, Any], name: str = "tr", status: dict[str, Any] | None = None
) -> TaskRun:
    raw: dict[str, Any] = {"metadata": {"name": name} if name else {}, "spec": spec}
    if status is not None:
        raw["status"] = status
    return msgspec.convert(raw, TaskRun)


def spec_of(data: dict[str, Any]) -> TaskRunSpec:
    return msgspec.convert(data, TaskRunSpec)


STEP = {"name": "mystep", "image": "myimage"}
ECHO = {"name": "echo", "image": "ubuntu", "command": ["echo"]}
ONE_GI = {"requests": {"memory": "1Gi"}}


# -- TestTaskRun_Invalidate ------------------------------------------------------------------

TASKRUN_INVALID = [
    pytest.param(
        taskrun({}, name=""),
        ValidationContext(),
        "expected exactly one, got neither: spec.taskRef, spec.taskSpec\n"
        'invalid resource name "": must be a valid DNS label: metadata.name',
        id="invalid taskspec",
    ),
    pytest.param(
        taskrun({"taskSpec": {"steps": [{**ECHO, "args": ["$(params.task-words[*])"]}]}}),
        BETA,
        'non-existent variable in "$(params.task-words[*])": spec.steps[0].args[0]',
        id="propagating params not provided but used by step",
    ),
    pytest.param(
        taskrun({"taskSpec": {"steps": [{**ECHO, "args": ["$(params.task-words.hello)"]}]}}),
        ALPHA,
        'non-existent variable in "$(params.task-words.hello)": spec.steps[0].args[0]',
        id="propagating object params not provided but used by step",
    ),
    pytest.param(
        taskrun(
            {
                "params": [{"name": "task-words", "value": {"hello": "task run"}}],
                "taskSpec": {
                    "params": [
                        {
                            "name": "task-words",
                            "type": "object",
                            "default": {"hello": "task run def"},
                        }
                    ],
                    "steps": [{**ECHO, "args": ["$(params.task-words.hello)"]}],
                },
            }
        ),
        ALPHA,
        "missing field(s): spec.task-words.properties",
        id="propagating object properties not provided",
    ),
    pytest.param(
        taskrun(
            {"taskRef": {"name": "mytask"}, "status": "TaskRunPending"},
            status={"startTime": "2024-01-01T00:00:00Z"},
        ),
        ValidationContext(),
        "invalid value: TaskRun cannot be Pending after it is started: spec.status",
        id="taskrun pending while running",
    ),
    pytest.param(
        taskrun(
            {
                "taskRef": {"name": "task"},
                "workspaces": [{"name": "workspace", "persistentVolumeClaim": {}}],
            },
            name="taskname",
        ),
        ValidationContext(),
        "missing field(s): spec.workspaces[0].persistentvolumeclaim.claimname",
        id="make sure WorkspaceBinding validation invoked",
    ),
    pytest.param(
        taskrun(
            {
                "taskRef": {"name": "task"},
                "workspaces": [
                    {"name": "workspace", "emptyDir": {}},
                    {"name": "workspace", "emptyDir": {}},
                ],
            },
            name="taskname",
        ),
        ValidationContext(),
        "expected exactly one, got both: spec.workspaces[1].name",
        id="bind same workspace twice",
    ),
    pytest.param(
        taskrun(
            {
                "taskRef": {"name": "task"},
                "workspaces": [
                    {"name": "Workspace", "emptyDir": {}},
                    {"name": "workspace", "emptyDir": {}},
                ],
            },
            name="taskname",
        ),
        ValidationContext(),
        "expected exactly one, got both: spec.workspaces[1].name",
        id="bind same workspace twice, case-insensitively",
    ),
    pytest.param(
        taskrun({"taskRef": {"name": "https://foo.com/bar", "resolver": "git"}}),
        ValidationContext(),
        "feature flag enable-concise-resolver-syntax should be set to true to use concise "
        "resolver syntax: spec.taskRef",
        id="concise resolver syntax needs its flag",
    ),
    pytest.param(
        taskrun({"taskRef": {"name": "foo"}, "timeout": "1d"}),
        ValidationContext(),
        'invalid value: time: unknown unit "d" in duration "1d": spec.timeout',
        id="unparsable timeout",
    ),
    pytest.param(
        taskrun({"taskRef": {"name": "mytask"}, "status": "TaskRunCancelled"}, name="a" * 64),
        ValidationContext(),
        "Invalid resource name: length must be no more than 63 characters: metadata.name",
        id="name too long",
    ),
]


@pytest.mark.parametrize(("tr", "ctx", "want"), TASKRUN_INVALID)
def test_taskrun_invalid(tr: TaskRun, ctx: ValidationContext, want: str) -> None:
    assert validate_taskrun(tr, ctx).render() == want


# -- TestTaskRun_Validate --------------------------------------------------------------------

TASKRUN_VALID = [
    pytest.param(
        taskrun({"taskRef": {"name": "mytask"}, "status": "TaskRunPending"}),
        ValidationContext(),
        id="valid pending taskrun",
    ),
    pytest.param(
        taskrun(
            {
                "params": [{"name": "task-words", "value": ["hello", "task run"]}],
                "taskSpec": {"steps": [{**ECHO, "args": ["$(params.task-words[*])"]}]},
            }
        ),
        BETA,
        id="propagating params with taskrun",
    ),
    pytest.param(
        taskrun(
            {
                "params": [{"name": "task-words", "value": {"hello": "task run"}}],
                "taskSpec": {"steps": [{**ECHO, "args": ["$(params.task-words.hello)"]}]},
            }
        ),
        ALPHA,
        id="propagating object params from taskrun to steps",
    ),
    pytest.param(
        taskrun(
            {
                "params": [{"name": "task-words", "value": {}}],
                "taskSpec": {
                    "params": [
                        {
                            "name": "task-words",
                            "type": "object",
                            "properties": {"hello": {"type": "string"}},
                            "default": {"hello": "task run def"},
                        }
                    ],
                    "steps": [{**ECHO, "args": ["$(params.task-words.hello)"]}],
                },
            }
        ),
        ALPHA,
        id="propagating object params with taskrun mixing value types",
    ),
    pytest.param(
        taskrun(
            {
                "params": [{"name": "task-words", "value": ["hello", "task run"]}],
                "taskSpec": {
                    "params": [{"name": "task-words-2", "type": "array"}],
                    "steps": [
                        {**ECHO, "name": "task-echo", "args": ["$(params.task-words[*])"]},
                        {**ECHO, "name": "task-echo-2", "args": ["$(params.task-words-2[*])"]},
                    ],
                },
            }
        ),
        BETA,
        id="propagating partial params with different provided and default names",
    ),
    pytest.param(
        taskrun(
            {
                "params": [{"name": "task-words", "value": {"hello": "task run"}}],
                "taskSpec": {
                    "params": [
                        {
                            "name": "task-words-2",
                            "type": "object",
                            "properties": {"hello": {"type": "string"}},
                            "default": {"hello": "task run def"},
                        }
                    ],
                    "steps": [
                        {
                            **ECHO,
                            "name": "task-echo",
                            "args": ["$(params.task-words.hello)", "$(params.task-words-2.hello)"],
                        }
                    ],
                },
            }
        ),
        ALPHA,
        id="propagating object params with one declared in taskspec and other provided by taskrun",
    ),
    pytest.param(
        taskrun(
            {
                "params": [{"name": "task-words", "value": ["hello", "task run"]}],
                "taskSpec": {
                    "params": [
                        {"name": "task-words-2", "type": "array"},
                        {"name": "task-words", "type": "array"},
                    ],
                    "steps": [
                        {**ECHO, "args": ["$(params.task-words[*])"]},
                        {**ECHO, "name": "echo-2", "args": ["$(params.task-words-2[*])"]},
                    ],
                },
            }
        ),
        BETA,
        id="propagating partial params in taskrun",
    ),
    pytest.param(
        taskrun(
            {
                "params": [{"name": "task-words", "value": {"hello": "task run"}}],
                "taskSpec": {
                    "params": [
                        {
                            "name": "task-words",
                            "type": "object",
                            "properties": {"hello": {"type": "string"}, "hi": {"type": "string"}},
                            "default": {"hello": "task run def", "hi": "task"},
                        }
                    ],
                    "steps": [
                        {
                            **ECHO,
                            "args": ["$(params.task-words.hello)", "$(params.task-words.hi)"],
                        }
                    ],
                },
            }
        ),
        ALPHA,
        id="propagating partial object params with multiple keys",
    ),
    pytest.param(
        taskrun(
            {
                "params": [{"name": "task-words", "value": ["hello", "task run"]}],
                "taskSpec": {
                    "params": [{"name": "task-words", "type": "array"}],
                    "steps": [{**ECHO, "args": ["$(params.task-words[*])"]}],
                },
            }
        ),
        BETA,
        id="propagating params with taskrun same names",
    ),
    pytest.param(
        taskrun(
            {
                "params": [{"name": "task-words", "value": {"hello": "task run"}}],
                "taskSpec": {
                    "params": [
                        {
                            "name": "task-words",
                            "type": "object",
                            "properties": {"hello": {"type": "string"}},
                            "default": {"hello": "task run def"},
                        }
                    ],
                    "steps": [{**ECHO, "args": ["$(params.task-words.hello)"]}],
                },
            }
        ),
        ALPHA,
        id="object params without propagation",
    ),
    pytest.param(
        taskrun(
            {
                "taskRef": {"name": "task"},
                "stepSpecs": [{"name": "foo", "computeResources": ONE_GI}],
                "sidecarSpecs": [{"name": "bar", "computeResources": ONE_GI}],
            }
        ),
        BETA,
        id="beta feature: valid step and sidecar specs",
    ),
    pytest.param(
        taskrun({"taskRef": {"name": "git://github.com/x/y", "resolver": "git"}}),
        CONCISE,
        id="concise resolver syntax with its flag",
    ),
    pytest.param(
        taskrun({"taskRef": {"resolver": "git", "params": [{"name": "url", "value": "u"}]}}),
        BETA,
        id="remote resolution",
    ),
]


@pytest.mark.parametrize(("tr", "ctx"), TASKRUN_VALID)
def test_taskrun_valid(tr: TaskRun, ctx: ValidationContext) -> None:
    assert validate_taskrun(tr, ctx).render() == ""
    assert not validate(tr, ctx)


# -- TestTaskRunSpec_Invalidate --------------------------------------------------------------

SPEC_INVALID = [
    pytest.param(
        {},
        ValidationContext(),
        "expected exactly one, got neither: taskRef, taskSpec",
        id="invalid taskspec",
    ),
    pytest.param(
        {
            "taskSpec": {"steps": [STEP]},
            "podTemplate": {"env": [{"name": "TEST_ENV", "value": "false"}]},
        },
        FORBIDDEN_ENV,
        "invalid value: PodTemplate cannot update a forbidden env: TEST_ENV: PodTemplate.Env",
        id="PodTmplate with forbidden env",
    ),
    pytest.param(
        {"taskRef": {"name": "taskrefname"}, "taskSpec": {"steps": [STEP]}},
        ValidationContext(),
        "expected exactly one, got both: taskRef, taskSpec",
        id="invalid taskref and taskspec together",
    ),
    pytest.param(
        {"taskSpec": {"steps": [STEP]}},
        inline_disabled("taskrun"),
        "must not set the field(s): taskSpec",
        id="taskspec when inline disabled",
    ),
    pytest.param(
        {"taskSpec": {"steps": [STEP]}},
        inline_disabled("taskrun,pipelinerun,pipeline"),
        "must not set the field(s): taskSpec",
        id="taskspec when inline disabled all",
    ),
    pytest.param(
        {"taskRef": {"name": "taskrefname"}, "timeout": "-48h"},
        ValidationContext(),
        "invalid value: -48h0m0s should be >= 0: timeout",
        id="negative pipeline timeout",
    ),
    pytest.param(
        {"taskRef": {"name": "taskrefname"}, "retries": -3},
        ValidationContext(),
        "invalid value: -3 should be >= 0: retries",
        id="negative pipeline retries",
    ),
    pytest.param(
        {"taskRef": {"name": "taskrefname"}, "status": "TaskRunCancell"},
        ValidationContext(),
        "invalid value: TaskRunCancell should be TaskRunCancelled or TaskRunPending: status",
        id="wrong taskrun cancel",
    ),
    pytest.param(
        {"taskRef": {"name": "taskrefname"}, "statusMessage": "status message without status"},
        ValidationContext(),
        "invalid value: statusMessage should not be set if status is not set, but it is "
        "currently set to status message without status: statusMessage",
        id="incorrectly set statusMesage",
    ),
    pytest.param(
        {"taskSpec": {"steps": [{"name": "invalid-name-with-$weird-char/%", "image": "myimage"}]}},
        ValidationContext(),
        'invalid value "invalid-name-with-$weird-char/%": taskSpec.steps[0].name\n'
        "Task step name must be a valid DNS Label, For more info refer to "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
        id="invalid taskspec step name",
    ),
    pytest.param(
        {
            "params": [{"name": "myname", "value": "value"}, {"name": "myname", "value": "value"}],
            "taskRef": {"name": "mytask"},
        },
        ValidationContext(),
        "expected exactly one, got both: params[myname].name",
        id="invalid params - exactly same names",
    ),
    pytest.param(
        {
            "params": [{"name": "FOO", "value": "value"}, {"name": "foo", "value": "value"}],
            "taskRef": {"name": "mytask"},
        },
        ValidationContext(),
        "expected exactly one, got both: params[foo].name",
        id="invalid params - same names but different case",
    ),
    pytest.param(
        {
            "params": [
                {"name": "MYOBJECTPARAM", "value": {"key1": "val1", "key2": "val2"}},
                {"name": "myobjectparam", "value": {"key1": "val1", "key2": "val2"}},
            ],
            "taskRef": {"name": "mytask"},
        },
        ALPHA,
        "expected exactly one, got both: params[myobjectparam].name",
        id="invalid params (object type) - same names but different case",
    ),
    pytest.param(
        {"taskRef": {"name": "my-task"}, "debug": {"breakpoints": {"onFailure": "enabled"}}},
        STABLE,
        'debug requires "enable-api-fields" feature gate to be "alpha" but it is "stable": ',
        id="using debug when apifields stable",
    ),
    pytest.param(
        {"taskRef": {"name": "my-task"}, "debug": {"breakpoints": {"onFailure": "turnOn"}}},
        ALPHA,
        "invalid value: turnOn is not a valid onFailure breakpoint value, onFailure breakpoint "
        "is only allowed to be set as enabled: debug.breakpoints.onFailure",
        id="invalid onFailure breakpoint",
    ),
    pytest.param(
        {
            "taskRef": {"name": "my-task"},
            "debug": {"breakpoints": {"beforeSteps": ["step-1", "step-1"], "onFailure": "enabled"}},
        },
        ALPHA,
        "before step must be unique, the same step: step-1 is defined multiple times at: "
        "debug.breakpoints.beforeSteps[1]",
        id="invalid breakpoint duplicate before steps",
    ),
    pytest.param(
        {"taskRef": {"name": "my-task"}, "debug": {"breakpoints": {"onFailure": ""}}},
        ALPHA,
        "invalid value: onFailure breakpoint is empty, it is only allowed to be set as "
        "enabled: debug.breakpoints.onFailure",
        id="empty onFailure breakpoint",
    ),
    pytest.param(
        {"taskRef": {"name": "foo"}, "stepSpecs": [{"name": "foo", "computeResources": ONE_GI}]},
        STABLE,
        'stepSpecs requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is '
        '"stable": ',
        id="stepSpecs disallowed without beta feature gate",
    ),
    pytest.param(
        {"taskRef": {"name": "foo"}, "sidecarSpecs": [{"name": "foo", "computeResources": ONE_GI}]},
        STABLE,
        'sidecarSpecs requires "enable-api-fields" feature gate to be "alpha" or "beta" but it '
        'is "stable": ',
        id="sidecarSpec disallowed without beta feature gate",
    ),
    pytest.param(
        {
            "taskRef": {"name": "task"},
            "stepSpecs": [
                {"name": "foo", "computeResources": ONE_GI},
                {"name": "foo", "computeResources": ONE_GI},
            ],
        },
        ALPHA,
        "expected exactly one, got both: stepSpecs[1].name",
        id="duplicate stepSpecs names",
    ),
    pytest.param(
        {"taskRef": {"name": "task"}, "stepSpecs": [{"name": "", "computeResources": ONE_GI}]},
        ALPHA,
        "missing field(s): stepSpecs[0].name",
        id="missing stepSpecs names",
    ),
    pytest.param(
        {
            "taskRef": {"name": "task"},
            "sidecarSpecs": [
                {"name": "bar", "computeResources": ONE_GI},
                {"name": "bar", "computeResources": ONE_GI},
            ],
        },
        ALPHA,
        "expected exactly one, got both: sidecarSpecs[1].name",
        id="duplicate sidecarSpecs names",
    ),
    pytest.param(
        {"taskRef": {"name": "task"}, "sidecarSpecs": [{"name": "", "computeResources": ONE_GI}]},
        ALPHA,
        "missing field(s): sidecarSpecs[0].name",
        id="missing sidecarSpecs names",
    ),
    pytest.param(
        {
            "taskRef": {"name": "task"},
            "stepSpecs": [{"name": ""}, {"name": "a"}, {"name": "A"}],
        },
        BETA,
        # As in Tekton, duplicates are indexed among the named specs only.
        "expected exactly one, got both: stepSpecs[1].name\nmissing field(s): stepSpecs[0].name",
        id="duplicate stepSpecs after an unnamed one",
    ),
    pytest.param(
        {
            "taskRef": {"name": "task"},
            "stepSpecs": [{"name": "stepSpec", "computeResources": ONE_GI}],
            "computeResources": {"requests": {"memory": "2Gi"}},
        },
        BETA,
        "expected exactly one, got both: computeResources, stepSpecs.resources",
        id="invalid both step-level and task-level resource requirements",
    ),
    pytest.param(
        {"taskRef": {"name": "foo"}, "computeResources": {"requests": {"memory": "2Gi"}}},
        STABLE,
        'computeResources requires "enable-api-fields" feature gate to be "alpha" or "beta" '
        'but it is "stable": ',
        id="computeResources disallowed without beta feature gate",
    ),
    # TestTaskRef_Invalid, seen through a TaskRun.
    pytest.param(
        {"taskRef": {}},
        ValidationContext(),
        "missing field(s): taskRef.name",
        id="missing taskref name",
    ),
    pytest.param(
        {"taskRef": {"name": "_foo"}},
        ValidationContext(),
        "invalid value: name part must consist of alphanumeric characters, '-', '_' or '.', "
        "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',"
        "  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
        "[A-Za-z0-9]'): taskRef.name",
        id="invalid taskref name",
    ),
    pytest.param(
        {"taskRef": {"resolver": "git"}},
        STABLE,
        'resolver requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is '
        '"stable": ',
        id="taskref resolver disallowed without beta feature gate",
    ),
    pytest.param(
        {"taskRef": {"params": []}},
        STABLE,
        "missing field(s): taskRef.resolver\n"
        'resolver params requires "enable-api-fields" feature gate to be "alpha" or "beta" '
        'but it is "stable": ',
        id="taskref params disallowed without beta feature gate",
    ),
    pytest.param(
        {"taskRef": {"params": []}},
        BETA,
        "missing field(s): taskRef.resolver",
        id="taskref params disallowed without resolver",
    ),
    pytest.param(
        {"taskRef": {"name": "foo", "resolver": "git"}},
        CONCISE,
        "invalid value: invalid URI for request: taskRef.name",
        id="taskRef with resolver and k8s style name",
    ),
    pytest.param(
        {"taskRef": {"name": "https://foo.com/bar"}},
        CONCISE,
        "missing field(s): taskRef.resolver",
        id="taskRef with url-like name without resolver",
    ),
    pytest.param(
        {
            "taskRef": {
                "name": "https://foo/bar",
                "resolver": "git",
                "params": [{"name": "foo", "value": "bar"}],
            }
        },
        CONCISE,
        "expected exactly one, got both: taskRef.name, taskRef.params",
        id="taskRef params disallowed in conjunction with pipelineref name",
    ),
    pytest.param(
        {"taskRef": {"name": "https://foo.com/bar"}},
        ValidationContext(),
        "feature flag enable-concise-resolver-syntax should be set to true to use concise "
        "resolver syntax: taskRef\nmissing field(s): taskRef.resolver",
        id="taskRef with url-like name without enable-concise-resolver-syntax",
    ),
    pytest.param(
        {
            "taskRef": {
                "resolver": "git",
                "params": [{"name": "url", "value": "a"}, {"name": "URL", "value": "b"}],
            }
        },
        BETA,
        "expected exactly one, got both: taskRef[URL].name",
        id="duplicate resolver params",
    ),
]


@pytest.mark.parametrize(("spec", "ctx", "want"), SPEC_INVALID)
def test_taskrun_spec_invalid(spec: dict[str, Any], ctx: ValidationContext, want: str) -> None:
    assert validate_taskrun_spec(spec_of(spec), ctx).render() == want


SPEC_VALID = [
    pytest.param(
        {"taskSpec": {"steps": [STEP]}}, ValidationContext(), id="taskspec without a taskRef"
    ),
    pytest.param(
        {"timeout": "0s", "taskSpec": {"steps": [STEP]}}, ValidationContext(), id="no timeout"
    ),
    pytest.param(
        {"timeout": "0s", "retries": 3, "taskSpec": {"steps": [STEP]}},
        ValidationContext(),
        id="with positive retries",
    ),
    pytest.param(
        {
            "timeout": "0s",
            "params": [{"name": "name", "value": "value"}],
            "taskSpec": {"steps": [STEP]},
        },
        ValidationContext(),
        id="parameters",
    ),
    pytest.param(
        {
            "taskSpec": {
                "steps": [{**STEP, "script": 'echo "creds-init writes to $(credentials.path)"'}]
            }
        },
        ValidationContext(),
        id="task spec with credentials.path variable",
    ),
    pytest.param(
        {"taskRef": {"name": "task"}, "computeResources": {"requests": {"memory": "2Gi"}}},
        BETA,
        id="valid task-level (spec.resources) resource requirements",
    ),
    pytest.param(
        {
            "taskRef": {"name": "task"},
            "computeResources": {"requests": {"memory": "2Gi"}},
            "sidecarSpecs": [
                {"name": "sidecar", "computeResources": {"requests": {"memory": "4Gi"}}}
            ],
        },
        ALPHA,
        id="valid sidecar and task-level (spec.resources) resource requirements",
    ),
    pytest.param(
        {"taskRef": {"name": "task"}, "podTemplate": {"env": [{"name": "OTHER", "value": "x"}]}},
        FORBIDDEN_ENV,
        id="pod template env not forbidden",
    ),
    pytest.param(
        {
            "taskRef": {"name": "task"},
            "debug": {"breakpoints": {"onFailure": "enabled", "beforeSteps": ["a", "b"]}},
        },
        ALPHA,
        id="valid debug",
    ),
    pytest.param(
        {"taskRef": {"name": "example.com/task"}},
        ValidationContext(),
        id="qualified name with prefix",
    ),
]


@pytest.mark.parametrize(("spec", "ctx"), SPEC_VALID)
def test_taskrun_spec_valid(spec: dict[str, Any], ctx: ValidationContext) -> None:
    assert validate_taskrun_spec(spec_of(spec), ctx).render() == ""


# -- TestTaskRunSpec_ValidateUpdate ----------------------------------------------------------

UNKNOWN = {"conditions": [{"type": "Succeeded", "status": "Unknown"}]}
SUCCEEDED = {"conditions": [{"type": "Succeeded", "status": "True"}]}
UPDATE = ValidationContext(is_create=False)

UPDATE_CASES = [
    pytest.param(
        {"status": "TaskRunCancelled"}, {}, {"status": "TaskRunCancelled"}, "", id="no changes"
    ),
    pytest.param(
        {},
        UNKNOWN,
        {"status": "TaskRunCancelled", "statusMessage": "TaskRun is cancelled"},
        "",
        id="baseline is unknown, only status changes",
    ),
    pytest.param(
        {"timeout": "0s"},
        UNKNOWN,
        {"status": "TaskRunCancelled", "statusMessage": "TaskRun is cancelled", "timeout": "1ns"},
        "invalid value: Once the TaskRun has started, only status and statusMessage updates "
        "are allowed: ",
        id="baseline is unknown, status and timeout changes",
    ),
    pytest.param(
        {},
        SUCCEEDED,
        {"status": "TaskRunCancelled"},
        "invalid value: Once the TaskRun is complete, no updates are allowed: ",
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
        {"taskRef": {"name": "test-task", "resolver": "bundles"}, "timeout": "1h0m0s"},
        SUCCEEDED,
        {"taskRef": {"name": "test-task", "resolver": "bundles"}, "timeout": "1h0m0s"},
        "",
        id="allow finalizer update when specs are identical",
    ),
    pytest.param(
        {"taskRef": {"name": "test-task"}},
        SUCCEEDED,
        {"taskRef": {"name": "different-task"}},
        "invalid value: Once the TaskRun is complete, no updates are allowed: ",
        id="block actual spec changes on completed TaskRun",
    ),
    pytest.param(
        {"taskRef": {"name": "test-task"}},
        SUCCEEDED,
        {
            "taskRef": {"name": "test-task", "kind": "Task"},
            "timeout": "1h0m0s",
            "serviceAccountName": "default",
        },
        "",
        id="completed TaskRun may differ only by defaults",
    ),
    pytest.param(
        {"params": []},
        UNKNOWN,
        {},
        "",
        id="empty and missing lists are equal",
    ),
]


@pytest.mark.parametrize(("old_spec", "old_status", "new_spec", "want"), UPDATE_CASES)
def test_taskrun_spec_validate_update(
    old_spec: dict[str, Any], old_status: dict[str, Any], new_spec: dict[str, Any], want: str
) -> None:
    from tektite.api.validation.taskrun import validate_taskrun_update

    baseline = msgspec.convert({"spec": old_spec, "status": old_status}, TaskRun)
    assert validate_taskrun_update(spec_of(new_spec), baseline, UPDATE).render() == want


def test_update_rules_only_apply_on_update() -> None:
    baseline = taskrun({"taskRef": {"name": "a"}}, status=SUCCEEDED)
    changed = taskrun({"taskRef": {"name": "b"}})
    assert not validate_taskrun(changed, ValidationContext(), baseline)
    assert (
        validate_taskrun(changed, UPDATE, baseline).render()
        == "invalid value: Once the TaskRun is complete, no updates are allowed: spec"
    )


def test_managed_by_change_through_taskrun_path() -> None:
    baseline = taskrun({"taskRef": {"name": "a"}, "managedBy": "x"}, status=UNKNOWN)
    changed = taskrun({"taskRef": {"name": "a"}, "managedBy": "y"})
    # Tekton reports the path inside the spec and then adds "spec" again.
    assert (
        validate_taskrun(changed, UPDATE, baseline).render()
        == "invalid value: managedBy is immutable: spec.spec.managedBy"
    )
