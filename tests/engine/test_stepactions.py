"""StepAction resolution; cases lifted from Tekton's
``pkg/reconciler/taskrun/resources/taskspec_test.go`` (``TestGetStepActionsData*``)
unless marked otherwise."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config
from tektite.api.models import Param, ParamSpec, Step, StepAction, Task, TaskRun
from tektite.engine.resolve_taskrun import TaskRunFailure, resolve_taskrun
from tektite.engine.stepactions import (
    StepActionError,
    param_name_from_replacement_key,
    resolve_step_ref,
    validate_step_has_stepaction_parameters,
)

Json = dict[str, Any]


def run_of(task_spec: Json, params: list[Json] | None = None, **meta: str) -> TaskRun:
    spec: Json = {"taskSpec": task_spec}
    if params is not None:
        spec["params"] = params
    metadata = {"name": "mytaskrun", "namespace": "default", **meta}
    return msgspec.convert({"metadata": metadata, "spec": spec}, TaskRun)


def action_of(name: str, spec: Json, api_version: str = "tekton.dev/v1beta1") -> StepAction:
    return msgspec.convert(
        {
            "apiVersion": api_version,
            "metadata": {"name": name, "namespace": "default"},
            "spec": spec,
        },
        StepAction,
    )


def resolve_steps(run: TaskRun, actions: list[StepAction]) -> list[Step]:
    """``GetStepActionsData`` over the run's embedded spec."""
    assert run.spec.task_spec is not None
    spec = run.spec.task_spec
    by_name = {a.metadata.name: a for a in actions}
    return [
        resolve_step_ref(step, by_name[step.ref.name], spec, run) if step.ref else step
        for step in spec.steps or ()
    ]


def steps_of(items: list[Json]) -> list[Step]:
    return [msgspec.convert(s, Step) for s in items]


ARGS_USING_PARAMS = [
    "$(params.string-param)",
    "$(params.array-param[0])",
    "$(params.array-param[1])",
    "$(params.array-param[*])",
    "$(params.object-param.key)",
]
TYPED_PARAMS: list[Json] = [
    {"name": "string-param", "type": "string"},
    {"name": "array-param", "type": "array"},
    {"name": "object-param", "type": "object", "properties": {"key": {"type": "string"}}},
]
PASSING_PARAMS: list[Json] = [
    {"name": "string-param", "value": "$(params.stringparam)"},
    {"name": "array-param", "value": "$(params.arrayparam[*])"},
    {"name": "object-param", "value": "$(params.objectparam[*])"},
]

CASES: list[tuple[str, TaskRun, list[StepAction], list[Json]]] = [
    (
        "step-action-with-command-args",
        run_of({"steps": [{"ref": {"name": "stepAction"}, "timeout": "1h0m0s"}]}),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "command": ["ls"],
                    "args": ["-lh"],
                    "volumeMounts": [{"name": "$(params.foo)", "mountPath": "/path"}],
                },
            )
        ],
        [
            {
                "image": "myimage",
                "command": ["ls"],
                "args": ["-lh"],
                "timeout": "1h0m0s",
                "volumeMounts": [{"name": "$(params.foo)", "mountPath": "/path"}],
            }
        ],
    ),
    (
        "step-action-with-script",
        run_of({"steps": [{"ref": {"name": "stepActionWithScript"}}]}),
        [action_of("stepActionWithScript", {"image": "myimage", "script": "ls"})],
        [{"image": "myimage", "script": "ls"}],
    ),
    (
        "step-action-with-env",
        run_of({"steps": [{"ref": {"name": "stepActionWithEnv"}}]}),
        [
            action_of(
                "stepActionWithEnv",
                {"image": "myimage", "env": [{"name": "env1", "value": "value1"}]},
            )
        ],
        [{"image": "myimage", "env": [{"name": "env1", "value": "value1"}]}],
    ),
    (
        "step-action-with-step-result",
        run_of({"steps": [{"ref": {"name": "stepActionWithScript"}}]}),
        [
            action_of(
                "stepActionWithScript",
                {"image": "myimage", "script": "ls", "results": [{"name": "foo"}]},
            )
        ],
        [{"image": "myimage", "script": "ls", "results": [{"name": "foo", "type": "string"}]}],
    ),
    (
        "inline and ref StepAction",
        run_of(
            {
                "steps": [
                    {"ref": {"name": "stepAction"}, "timeout": "1h0m0s"},
                    {"image": "foo", "command": ["ls"]},
                ]
            }
        ),
        [action_of("stepAction", {"image": "myimage", "command": ["ls"], "args": ["-lh"]})],
        [
            {"image": "myimage", "command": ["ls"], "args": ["-lh"], "timeout": "1h0m0s"},
            {"image": "foo", "command": ["ls"]},
        ],
    ),
    (
        "multiple ref StepActions",
        run_of(
            {
                "steps": [
                    {"ref": {"name": "stepAction1"}, "timeout": "1h0m0s"},
                    {"ref": {"name": "stepAction2"}},
                ]
            }
        ),
        [
            action_of("stepAction1", {"image": "myimage1", "command": ["ls"], "args": ["-l"]}),
            action_of("stepAction2", {"image": "myimage2", "script": "echo hello"}),
        ],
        [
            {"image": "myimage1", "command": ["ls"], "args": ["-l"], "timeout": "1h0m0s"},
            {"image": "myimage2", "script": "echo hello"},
        ],
    ),
    (
        "step-action-with-security-context-overwritten",
        run_of(
            {"steps": [{"ref": {"name": "stepAction"}, "securityContext": {"runAsUser": 1001}}]}
        ),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "command": ["ls"],
                    "args": ["-lh"],
                    "securityContext": {"runAsUser": 1000},
                },
            )
        ],
        [
            {
                "image": "myimage",
                "command": ["ls"],
                "args": ["-lh"],
                "securityContext": {"runAsUser": 1000},
            }
        ],
    ),
    (
        "params propagated from taskrun",
        run_of(
            {"steps": [{"ref": {"name": "stepAction"}, "params": PASSING_PARAMS}]},
            params=[
                {"name": "stringparam", "value": "taskrun string param"},
                {"name": "arrayparam", "value": ["taskrun", "array", "param"]},
                {"name": "objectparam", "value": {"key": "taskrun object param"}},
            ],
        ),
        [
            action_of(
                "stepAction",
                {"image": "myimage", "args": ARGS_USING_PARAMS, "params": TYPED_PARAMS},
            )
        ],
        [
            {
                "image": "myimage",
                "args": [
                    "taskrun string param",
                    "taskrun",
                    "array",
                    "taskrun",
                    "array",
                    "param",
                    "taskrun object param",
                ],
            }
        ],
    ),
    (
        "params propagated from taskspec",
        run_of(
            {
                "params": [
                    {"name": "stringparam", "default": "taskspec string param"},
                    {"name": "arrayparam", "default": ["taskspec", "array", "param"]},
                    {"name": "objectparam", "default": {"key": "taskspec object param"}},
                ],
                "steps": [{"ref": {"name": "stepAction"}, "params": PASSING_PARAMS}],
            }
        ),
        [
            action_of(
                "stepAction",
                {"image": "myimage", "args": ARGS_USING_PARAMS, "params": TYPED_PARAMS},
            )
        ],
        [
            {
                "image": "myimage",
                "args": [
                    "taskspec string param",
                    "taskspec",
                    "array",
                    "taskspec",
                    "array",
                    "param",
                    "taskspec object param",
                ],
            }
        ],
    ),
    (
        "params from step action defaults",
        run_of({"steps": [{"ref": {"name": "stepAction"}}]}),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ARGS_USING_PARAMS,
                    "params": [
                        {
                            "name": "string-param",
                            "type": "string",
                            "default": "step action string param",
                        },
                        {
                            "name": "array-param",
                            "type": "array",
                            "default": ["step action", "array", "param"],
                        },
                        {
                            "name": "object-param",
                            "type": "object",
                            "properties": {"key": {"type": "string"}},
                            "default": {"key": "step action object param"},
                        },
                    ],
                },
            )
        ],
        [
            {
                "image": "myimage",
                "args": [
                    "step action string param",
                    "step action",
                    "array",
                    "step action",
                    "array",
                    "param",
                    "step action object param",
                ],
            }
        ],
    ),
    (
        "params propagated partially from taskrun taskspec and stepaction",
        run_of(
            {
                "params": [
                    {"name": "arrayparam", "default": ["taskspec", "array", "param"]},
                    {"name": "objectparam", "default": {"key": "key1", "key2": "taskspec key2"}},
                ],
                "steps": [{"ref": {"name": "stepAction"}, "params": PASSING_PARAMS}],
            },
            params=[
                {"name": "stringparam", "value": "taskrun string param"},
                {"name": "objectparam", "value": {"key": "taskrun key"}},
            ],
        ),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": [
                        *ARGS_USING_PARAMS,
                        "$(params.object-param.key2)",
                        "$(params.object-param.key3)",
                    ],
                    "params": [
                        {
                            "name": "string-param",
                            "type": "string",
                            "default": "step action string param",
                        },
                        {
                            "name": "array-param",
                            "type": "array",
                            "default": ["step action", "array", "param"],
                        },
                        {
                            "name": "object-param",
                            "type": "object",
                            "properties": {"key": {"type": "string"}},
                            "default": {
                                "key": "step action key1",
                                "key2": "step action key2",
                                "key3": "step action key3",
                            },
                        },
                    ],
                },
            )
        ],
        [
            {
                "image": "myimage",
                "args": [
                    "taskrun string param",
                    "taskspec",
                    "array",
                    "taskspec",
                    "array",
                    "param",
                    "taskrun key",
                    "taskspec key2",
                    "step action key3",
                ],
            }
        ],
    ),
    (
        "params in step propagated to stepaction only",
        run_of(
            {
                "steps": [
                    {
                        "ref": {"name": "stepAction"},
                        "params": [{"name": "stringparam", "value": "step string param"}],
                        "onError": "$(params.stringparam)",
                        "stdoutConfig": {"path": "$(params.stringparam)"},
                        "stderrConfig": {"path": "$(params.stringparam)"},
                    }
                ]
            },
            params=[{"name": "stringparam", "value": "taskrun string param"}],
        ),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["echo", "$(params.stringparam)"],
                    "params": [{"name": "stringparam", "type": "string"}],
                },
            )
        ],
        [
            {
                "image": "myimage",
                "args": ["echo", "step string param"],
                "onError": "$(params.stringparam)",
                "stdoutConfig": {"path": "$(params.stringparam)"},
                "stderrConfig": {"path": "$(params.stringparam)"},
            }
        ],
    ),
    (
        "propagating step result substitution strings into step actions",
        run_of(
            {
                "steps": [
                    {
                        "name": "inlined-step",
                        "image": "ubuntu",
                        "results": [
                            {"name": "result1"},
                            {"name": "result2", "type": "array"},
                            {"name": "result3", "type": "object"},
                        ],
                    },
                    {
                        "ref": {"name": "stepAction"},
                        "params": [
                            {
                                "name": "string-param",
                                "value": "$(steps.inlined-step.results.result1)",
                            },
                            {
                                "name": "array-param",
                                "value": "$(steps.inlined-step.results.result2[*])",
                            },
                            {
                                "name": "object-param",
                                "value": "$(steps.inlined-step.results.result3[*])",
                            },
                        ],
                    },
                ]
            }
        ),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ARGS_USING_PARAMS,
                    "command": ['$(params["string-param"])', '$(params["array-param"][0])'],
                    "env": [
                        {"name": "env1", "value": "$(params['array-param'][0])"},
                        {"name": "env2", "value": "$(params['string-param'])"},
                    ],
                    "params": TYPED_PARAMS,
                },
            )
        ],
        [
            {
                "name": "inlined-step",
                "image": "ubuntu",
                "results": [
                    {"name": "result1"},
                    {"name": "result2", "type": "array"},
                    {"name": "result3", "type": "object"},
                ],
            },
            {
                "image": "myimage",
                "args": [
                    "$(steps.inlined-step.results.result1)",
                    "$(steps.inlined-step.results.result2[0])",
                    "$(steps.inlined-step.results.result2[1])",
                    "$(steps.inlined-step.results.result2[*])",
                    "$(steps.inlined-step.results.result3.key)",
                ],
                "command": [
                    "$(steps.inlined-step.results.result1)",
                    "$(steps.inlined-step.results.result2[0])",
                ],
                "env": [
                    {"name": "env1", "value": "$(steps.inlined-step.results.result2[0])"},
                    {"name": "env2", "value": "$(steps.inlined-step.results.result1)"},
                ],
            },
        ],
    ),
    (
        "param types are matching",
        run_of(
            {
                "steps": [
                    {
                        "name": "test",
                        "ref": {"name": "stepAction"},
                        "params": [{"name": "commands", "value": ["Hello, I am of type list"]}],
                    }
                ]
            }
        ),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["$(params.commands)"],
                    "script": "echo $@",
                    "params": [
                        {
                            "name": "commands",
                            "type": "array",
                            "default": ["Hello, I am the default value"],
                        }
                    ],
                },
            )
        ],
        [
            {
                "name": "test",
                "image": "myimage",
                "args": ["Hello, I am of type list"],
                "script": "echo $@",
            }
        ],
    ),
    (
        "step result reference in parameter",
        run_of(
            {
                "steps": [
                    {
                        "ref": {"name": "stepAction"},
                        "params": [{"name": "message", "value": "$(steps.step1.results.output)"}],
                    }
                ]
            }
        ),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["$(params.message)"],
                    "params": [{"name": "message", "type": "string"}],
                },
            )
        ],
        [{"image": "myimage", "args": ["$(steps.step1.results.output)"]}],
    ),
    (
        "step result reference with array type",
        run_of(
            {
                "steps": [
                    {
                        "ref": {"name": "stepAction"},
                        "params": [{"name": "items", "value": "$(steps.step1.results.items)"}],
                    }
                ]
            }
        ),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["$(params.items[*])", "$(params.items[0])"],
                    "params": [{"name": "items", "type": "array"}],
                },
            )
        ],
        [
            {
                "image": "myimage",
                "args": ["$(steps.step1.results.items[*])", "$(steps.step1.results.items[0])"],
            }
        ],
    ),
    (
        "step result reference with object type",
        run_of(
            {
                "steps": [
                    {
                        "ref": {"name": "stepAction"},
                        "params": [{"name": "config", "value": "$(steps.step1.results.config)"}],
                    }
                ]
            }
        ),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["$(params.config.key1)", "$(params.config.key2)"],
                    "params": [
                        {
                            "name": "config",
                            "type": "object",
                            "properties": {"key1": {"type": "string"}, "key2": {"type": "string"}},
                        }
                    ],
                },
            )
        ],
        [
            {
                "image": "myimage",
                "args": [
                    "$(steps.step1.results.config.key1)",
                    "$(steps.step1.results.config.key2)",
                ],
            }
        ],
    ),
    (
        "chained parameter references in defaults",
        run_of({"steps": [{"ref": {"name": "stepAction"}}]}),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["$(params.param1)", "$(params.param2)", "$(params.param3)"],
                    "params": [
                        {"name": "param1", "type": "string", "default": "hello"},
                        {"name": "param2", "type": "string", "default": "$(params.param1) world"},
                        {"name": "param3", "type": "string", "default": "$(params.param2)!"},
                    ],
                },
            )
        ],
        [{"image": "myimage", "args": ["hello", "hello world", "hello world!"]}],
    ),
    (
        "chained parameter references declared in reverse order",
        # Not in taskspec_test.go: resolution is iterative, not in declaration order.
        run_of({"steps": [{"ref": {"name": "stepAction"}}]}),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["$(params.param3)"],
                    "params": [
                        {"name": "param3", "type": "string", "default": "$(params.param2)!"},
                        {"name": "param2", "type": "string", "default": "$(params.param1) world"},
                        {"name": "param1", "type": "string", "default": "hello"},
                    ],
                },
            )
        ],
        [{"image": "myimage", "args": ["hello world!"]}],
    ),
    (
        "parameter substitution with task param reference",
        run_of(
            {
                "params": [{"name": "task-param", "type": "string", "default": "task-default"}],
                "steps": [
                    {
                        "ref": {"name": "stepAction"},
                        "params": [{"name": "message", "value": "override"}],
                    }
                ],
            },
            params=[{"name": "task-param", "value": "task-override"}],
        ),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["$(params.message)"],
                    "params": [
                        {"name": "message", "type": "string", "default": "$(params.task-param)"}
                    ],
                },
            )
        ],
        [{"image": "myimage", "args": ["override"]}],
    ),
    (
        "inline only",
        run_of(
            {
                "steps": [
                    {"image": "foo", "command": ["ls"]},
                    {"image": "bar", "command": ["ls -lh"]},
                ]
            }
        ),
        [],
        [{"image": "foo", "command": ["ls"]}, {"image": "bar", "command": ["ls -lh"]}],
    ),
    (
        "v1alpha1 StepAction",
        # Not in taskspec_test.go: the API server serves a v1alpha1 StepAction as v1beta1.
        run_of({"steps": [{"name": "s", "ref": {"name": "old"}}]}),
        [action_of("old", {"image": "alpine", "script": "echo hi"}, "tekton.dev/v1alpha1")],
        [{"name": "s", "image": "alpine", "script": "echo hi"}],
    ),
]


@pytest.mark.parametrize(
    ("run", "actions", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_resolve_step_ref(run: TaskRun, actions: list[StepAction], want: list[Json]) -> None:
    before = [msgspec.to_builtins(a) for a in actions]
    assert resolve_steps(run, actions) == steps_of(want)
    # The StepActions are not defaulted in place.
    assert [msgspec.to_builtins(a) for a in actions] == before


# -- errors, through the reconciler's wrapping -----------------------------------------------


class Lookup:
    def __init__(self, *objects: Task | StepAction) -> None:
        self.objects = objects

    def get(self, kind: str, namespace: str, name: str) -> Task | StepAction | None:
        return next(
            (
                o
                for o in self.objects
                if o.kind == kind and o.metadata.name == name and o.metadata.namespace == namespace
            ),
            None,
        )


ERROR_CASES: list[tuple[str, TaskRun, list[StepAction], str]] = [
    (
        "unresolvable parameter reference",
        run_of({"steps": [{"ref": {"name": "stepAction"}}]}),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["$(params.param1)"],
                    "params": [
                        {"name": "param1", "type": "string", "default": "$(params.nonexistent)"}
                    ],
                },
            )
        ],
        'failed to resolve step ref for step "" (index 0): parameter "param1" references '
        'non-existent parameter "nonexistent"',
    ),
    (
        "circular dependency in params",
        run_of({"steps": [{"ref": {"name": "stepAction"}}]}),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["$(params.param1)", "$(params.param2)", "$(params.param3)"],
                    "params": [
                        {"name": "param1", "type": "string", "default": "$(params.param3)"},
                        {"name": "param2", "type": "string", "default": "$(params.param1)"},
                        {"name": "param3", "type": "string", "default": "$(params.param2)"},
                    ],
                },
            )
        ],
        'failed to resolve step ref for step "" (index 0): circular dependency detected in '
        "parameter references",
    ),
    (
        "namespace missing error",
        run_of({"steps": [{"ref": {"name": "stepActionError"}}]}, namespace=""),
        [],
        'failed to resolve step ref for step "" (index 0): must specify namespace to resolve '
        "reference to step action stepActionError",
    ),
    (
        "params missing",
        run_of({"steps": [{"ref": {"name": "stepaction"}}]}),
        [
            action_of(
                "stepaction",
                {"image": "myimage", "params": [{"name": "string-param", "type": "string"}]},
            )
        ],
        'failed to resolve step ref for step "" (index 0): non-existent params in Step: '
        "[string-param]",
    ),
    (
        "params extra",
        run_of(
            {
                "steps": [
                    {
                        "ref": {"name": "stepaction"},
                        "params": [{"name": "string-param", "value": "$(params.stringparam)"}],
                    }
                ]
            }
        ),
        [action_of("stepaction", {"image": "myimage"})],
        'failed to resolve step ref for step "" (index 0): extra params passed by Step to '
        "StepAction: [string-param]",
    ),
    (
        "param types not matching",
        run_of(
            {
                "steps": [
                    {
                        "name": "test",
                        "ref": {"name": "stepAction"},
                        "params": [{"name": "commands", "value": "Hello, I am of type string"}],
                    }
                ]
            }
        ),
        [
            action_of(
                "stepAction",
                {
                    "image": "myimage",
                    "args": ["$(params.commands)"],
                    "script": "echo $@",
                    "params": [
                        {
                            "name": "commands",
                            "type": "array",
                            "default": ["Hello, I am the default value"],
                        }
                    ],
                },
            )
        ],
        'failed to resolve step ref for step "test" (index 0): invalid parameter substitution: '
        "commands. Please check the types of the default value and the passed value",
    ),
    (
        "invalid step result reference",
        run_of(
            {
                "steps": [
                    {
                        "name": "step1",
                        "ref": {"name": "stepAction"},
                        "params": [{"name": "param1", "value": "$(steps.invalid.step)"}],
                    }
                ]
            }
        ),
        [
            action_of(
                "stepAction", {"image": "myimage", "params": [{"name": "param1", "type": "string"}]}
            )
        ],
        'failed to resolve step ref for step "step1" (index 0): must be one of the form 1). '
        '"steps.<stepName>.results.<resultName>"; 2). '
        '"steps.<stepName>.results.<objectResultName>.<individualAttribute>"',
    ),
    (
        "step action not found",
        # Not in taskspec_test.go: the Kubernetes API's NotFound text.
        run_of({"steps": [{"name": "a"}, {"name": "b", "ref": {"name": "missing"}}]}),
        [],
        'failed to resolve step ref for step "b" (index 1): stepactions.tekton.dev "missing" '
        "not found",
    ),
]


@pytest.mark.parametrize(
    ("run", "actions", "message"),
    [c[1:] for c in ERROR_CASES],
    ids=[c[0] for c in ERROR_CASES],
)
def test_step_action_errors(run: TaskRun, actions: list[StepAction], message: str) -> None:
    got = resolve_taskrun(run, Lookup(*actions), Config())
    assert got == TaskRunFailure("TaskRunResolutionFailed", message)


def test_remote_step_action_names_its_resolver() -> None:
    run = run_of(
        {
            "steps": [
                {
                    "name": "clone",
                    "ref": {"resolver": "git", "params": [{"name": "url", "value": "u"}]},
                }
            ]
        }
    )
    got = resolve_taskrun(run, Lookup(), Config())
    assert isinstance(got, TaskRunFailure)
    assert got.reason == "TaskRunResolutionFailed"
    assert got.message.startswith(
        'failed to resolve step ref for step "clone" (index 0): resolver "git" is not available'
    )


def test_step_action_validated_when_asked() -> None:
    # An object nobody admitted (a file's) is checked as Tekton's dry run checks a
    # remote one; only then is the failure TaskValidationFailed.
    run = run_of({"steps": [{"ref": {"name": "bad"}}]})
    bad = action_of("bad", {"script": "echo"})
    assert not isinstance(resolve_taskrun(run, Lookup(bad), Config()), TaskRunFailure)
    got = resolve_taskrun(run, Lookup(bad), Config(), validate_references=True)
    assert got == TaskRunFailure(
        "TaskValidationFailed",
        'failed to resolve step ref for step "" (index 0): validation failed for referenced '
        'object bad: admission webhook "validation.webhook.pipeline.tekton.dev" denied the '
        "request: validation failed: missing field(s): spec.Image",
    )


# -- helpers ---------------------------------------------------------------------------------


def _params(items: list[Json]) -> list[Param]:
    return [msgspec.convert(p, Param) for p in items]


def _specs(items: list[Json]) -> list[ParamSpec]:
    return [msgspec.convert(p, ParamSpec) for p in items]


@pytest.mark.parametrize(
    ("given", "declared", "message"),
    [
        ([], [{"name": "a", "default": "x"}], None),
        ([{"name": "a", "value": "v"}], [{"name": "a"}], None),
        ([], [{"name": "a"}, {"name": "b"}], "non-existent params in Step: [a b]"),
        (
            [{"name": "x", "value": "1"}, {"name": "y", "value": "2"}],
            [{"name": "a"}],
            "extra params passed by Step to StepAction: [x y]",
        ),
    ],
)
def test_validate_step_has_stepaction_parameters(
    given: list[Json], declared: list[Json], message: str | None
) -> None:
    if message is None:
        validate_step_has_stepaction_parameters(_params(given), _specs(declared))
    else:
        with pytest.raises(StepActionError) as err:
            validate_step_has_stepaction_parameters(_params(given), _specs(declared))
        assert str(err.value) == message


@pytest.mark.parametrize(
    ("key", "want"),
    [
        ("params.commands", "commands"),
        ('params["my-param"]', "my-param"),
        ("params['my-param']", "my-param"),
        ("inputs.params.commands", "commands"),
        # Go's \w has no "-": the key itself is reported.
        ("inputs.params.my-param", "inputs.params.my-param"),
    ],
)
def test_param_name_from_replacement_key(key: str, want: str) -> None:
    assert param_name_from_replacement_key(key) == want


def test_dashed_param_type_mismatch_reports_the_key() -> None:
    # Tekton reports the first colliding key in sorted order; for a dashed name that is
    # the legacy spelling, which its name regex cannot take apart.
    run = run_of(
        {"steps": [{"ref": {"name": "sa"}, "params": [{"name": "my-list", "value": "one"}]}]}
    )
    action = action_of(
        "sa", {"image": "i", "params": [{"name": "my-list", "type": "array", "default": ["a"]}]}
    )
    with pytest.raises(StepActionError) as err:
        resolve_steps(run, [action])
    assert str(err.value) == (
        "invalid parameter substitution: inputs.params.my-list. Please check the types of "
        "the default value and the passed value"
    )
