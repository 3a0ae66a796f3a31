"""Pipeline validation, golden cases from Tekton's ``pipeline_validation_test.go`` and
``pipeline_types_test.go``: the input object and the exact rendered Knative error."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, FeatureFlags
from tektite.api.models import (
    Pipeline,
    PipelineResult,
    PipelineSpec,
    PipelineTask,
    PipelineWorkspaceDeclaration,
)
from tektite.api.validation import validate
from tektite.api.validation.context import ValidationContext
from tektite.api.validation.pipeline import (
    get_indexing_references_to_array_params,
    pipeline_task_deps,
    validate_execution_status_variables,
    validate_final_tasks,
    validate_graph,
    validate_pipeline,
    validate_pipeline_context_variables,
    validate_pipeline_parameter_variables,
    validate_pipeline_ref_result_references_disallowed,
    validate_pipeline_results,
    validate_pipeline_spec,
    validate_pipeline_task,
    validate_pipeline_task_parameter_usage,
    validate_pipeline_tasks,
    validate_pipeline_tasks_workspaces_usage,
    validate_pipeline_workspaces_declarations,
    validate_tasks_and_finally_section,
)

Obj = dict[str, Any]


def ctx(**flags: str) -> ValidationContext:
    """A context with the given feature-flags ConfigMap keys (``enable-api-fields`` ...)."""
    data = {key.replace("_", "-"): value for key, value in flags.items()}
    return ValidationContext(Config(features=FeatureFlags.from_map(data)))


BETA = ctx()
ALPHA = ctx(enable_api_fields="alpha")
STABLE = ctx(enable_api_fields="stable")


def pipeline(spec: Obj, name: str = "pipeline") -> Pipeline:
    return msgspec.convert({"metadata": {"name": name}, "spec": spec}, Pipeline)


def pspec(data: Obj) -> PipelineSpec:
    return msgspec.convert(data, PipelineSpec)


def tasks(*items: Obj) -> list[PipelineTask]:
    return [msgspec.convert(item, PipelineTask) for item in items]


def ref(name: str, task: str | None = None, **extra: Any) -> Obj:
    return {"name": name, "taskRef": {"name": task or f"{name}-task"}, **extra}


def string(name: str, value: str) -> Obj:
    return {"name": name, "value": value}


def arr(name: str, *values: str) -> Obj:
    return {"name": name, "value": list(values)}


TASK_SPEC: Obj = {"steps": [{"name": "foo", "image": "bar"}]}
"""Tekton's ``getTaskSpec()``."""


def embedded(name: str, **extra: Any) -> Obj:
    return {"name": name, "taskSpec": TASK_SPEC, **extra}


NAME_DETAILS = (
    "Pipeline Task name must be a valid DNS Label.For more info refer to "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names"
)
PREFIX_MESSAGE = (
    "must start with a valid prefix: params, tasks, finally, context, workspaces, or results; "
    "if you meant a shell variable, use ${VAR} instead"
)


# -- Pipeline.Validate: valid -------------------------------------------------------------------

VALID_PIPELINES = [
    pytest.param({"tasks": [ref("foo")]}, BETA, id="valid metadata"),
    pytest.param(
        {
            "tasks": [
                {"name": "foo", "taskRef": {"apiVersion": "example.dev/v0", "kind": "Example"}}
            ]
        },
        BETA,
        id="pipelinetask custom task references",
    ),
    pytest.param(
        {
            "tasks": [
                {
                    "name": "foo",
                    "taskSpec": {
                        "apiVersion": "example.dev/v0",
                        "kind": "Example",
                        "spec": {"field1": 123, "field2": "value"},
                    },
                }
            ]
        },
        BETA,
        id="pipelinetask custom task spec",
    ),
    pytest.param(
        {"tasks": [{"name": "foo", "taskRef": {"name": "bar", "kind": "Task"}}]},
        BETA,
        id="valid Task without apiversion",
    ),
    pytest.param(
        {"tasks": [{"name": "foo", "pipelineRef": {"name": "foo-pipeline"}}]},
        ALPHA,
        id="valid task with pipelineRef",
    ),
    pytest.param(
        {"tasks": [{"name": "foo", "pipelineSpec": {"description": "foo-pipeline-description"}}]},
        ALPHA,
        id="valid task with pipelineSpec",
    ),
    pytest.param(
        {
            "params": [
                {"name": "pipeline-words", "type": "array", "default": ["hello", "pipeline"]}
            ],
            "tasks": [
                {
                    "name": "echoit",
                    "taskSpec": {
                        "steps": [
                            {
                                "name": "echo",
                                "image": "ubuntu",
                                "command": ["echo"],
                                "args": ["$(params.pipeline-words[*])"],
                            }
                        ]
                    },
                }
            ],
        },
        BETA,
        id="propagating params into Step",
    ),
    pytest.param(
        {
            "params": [
                {
                    "name": "pipeline-words",
                    "type": "object",
                    "default": {"hello": "pipeline"},
                    "properties": {"hello": {"type": "string"}},
                }
            ],
            "tasks": [
                {
                    "name": "echoit",
                    "taskSpec": {
                        "steps": [
                            {
                                "name": "echo",
                                "image": "ubuntu",
                                "command": ["echo"],
                                "args": ["$(params.pipeline-words.hello)"],
                            }
                        ]
                    },
                }
            ],
        },
        BETA,
        id="propagating object params with pipelinespec and taskspec",
    ),
    pytest.param(
        {
            "params": [
                {
                    "name": "pipeline-words",
                    "type": "object",
                    "default": {"hello": "pipeline"},
                    "properties": {"hello": {"type": "string"}},
                }
            ],
            "tasks": [
                {
                    "name": "echoit",
                    "taskSpec": {
                        "steps": [
                            {
                                "name": "echo",
                                "image": "ubuntu",
                                "args": ["$(params.pipeline-words.hello)"],
                            }
                        ]
                    },
                    "params": [
                        string("name", "$(params.pipeline-words.hello)"),
                        string(
                            "name2",
                            "$(tasks.pipeline-words.results.hello[*]) + "
                            "$(params.pipeline-words.hello)",
                        ),
                    ],
                    "runAfter": ["pipeline-words"],
                },
                {
                    "name": "pipeline-words",
                    "taskSpec": {
                        "steps": [
                            {
                                "name": "echo",
                                "image": "ubuntu",
                                "args": ["$(params.pipeline-words.hello)"],
                            }
                        ]
                    },
                    "matrix": {
                        "params": [
                            arr("GOARCH", "linux/amd64", "linux/ppc64le", "linux/s390x"),
                            arr("version", "go1.17", "go1.18.1"),
                        ],
                        "include": [{}],
                    },
                },
            ],
        },
        BETA,
        id="param with different type of values with matrix",
    ),
    pytest.param(
        {
            "description": "artifacts",
            "tasks": [
                ref("pre-task", "foo-task"),
                {
                    "name": "consume-artifacts-task",
                    "params": [string("aaa", "$(tasks.produce-artifacts-task.outputs.image)")],
                    "taskSpec": TASK_SPEC,
                },
            ],
        },
        ctx(enable_artifacts="true", enable_api_fields="alpha"),
        id="referencing artifacts in task params with enable-artifacts",
    ),
    pytest.param(
        {
            "params": [{"name": "error-behavior", "type": "string", "default": "continue"}],
            "tasks": [ref("foo", "foo-task", onError="$(params.error-behavior)")],
        },
        BETA,
        id="onError containing a parameter reference",
    ),
    pytest.param(
        {
            "tasks": [
                ref(
                    "foo",
                    "foo-task",
                    params=[string("SCRIPT", "echo hello > $(results.output-result.path)")],
                )
            ]
        },
        BETA,
        id="results variable reference in pipeline task param",
    ),
    pytest.param(
        {
            "results": [
                {"name": "initialized", "value": "$(tasks.clone-app-repo.results.initialized)"}
            ],
            "tasks": [
                {
                    "name": "clone-app-repo",
                    "taskSpec": {
                        "results": [{"name": "initialized", "type": "string"}],
                        "steps": [{"name": "foo", "image": "bar"}],
                    },
                }
            ],
        },
        BETA,
        id="pipeline results",
    ),
    pytest.param(
        {
            "results": [
                {"name": "initialized", "value": "$(finally.check-git-commit.results.init)"}
            ],
            "tasks": [embedded("clone-app-repo")],
            "finally": [
                {
                    "name": "check-git-commit",
                    "taskSpec": {
                        "results": [{"name": "init", "type": "string"}],
                        "steps": [{"name": "foo2", "image": "bar"}],
                    },
                }
            ],
        },
        BETA,
        id="referencing existent finally task result",
    ),
    pytest.param(
        {
            "tasks": [ref("non-final-task")],
            "finally": [
                ref("final-task-1", "final-task"),
                embedded("final-task-2"),
                {"name": "final-task-3", "pipelineRef": {"name": "foo-pipeline"}},
                {
                    "name": "final-task-4",
                    "pipelineSpec": {"description": "foo-pipeline-description"},
                },
            ],
        },
        ALPHA,
        id="valid pipeline with final tasks",
    ),
    pytest.param(
        {
            "tasks": [ref("non-final-task")],
            "finally": [
                ref(
                    "final-task-1",
                    "final-task",
                    params=[string("param1", "$(tasks.non-final-task.results.output)")],
                )
            ],
        },
        BETA,
        id="final tasks referring to task results from a dag task",
    ),
    pytest.param(
        {
            "tasks": [ref("non-final-task")],
            "finally": [
                ref(
                    "final-task-1",
                    "final-task",
                    params=[string("param1", "$(context.pipelineRun.name)")],
                )
            ],
        },
        BETA,
        id="final tasks referring to context variables",
    ),
    pytest.param(
        {
            "params": [{"name": "branch", "type": "string"}],
            "workspaces": [{"name": "source"}],
            "tasks": [
                {
                    "name": "clone",
                    "taskRef": {"name": "git-clone"},
                    "workspaces": [{"name": "output", "workspace": "source"}],
                    "params": [string("revision", "$(params.branch)")],
                },
                {
                    "name": "build",
                    "runAfter": ["clone"],
                    "taskRef": {"name": "build"},
                    "workspaces": [{"name": "source"}],
                    "when": [{"input": "$(params.branch)", "operator": "in", "values": ["main"]}],
                    "timeout": "1h",
                    "retries": 2,
                },
            ],
            "finally": [
                ref(
                    "notify",
                    "notify",
                    params=[
                        string("status", "$(tasks.build.status)"),
                        string("all", "$(tasks.status)"),
                    ],
                    when=[
                        {
                            "input": "$(tasks.clone.reason)",
                            "operator": "notin",
                            "values": ["Failed"],
                        }
                    ],
                )
            ],
        },
        BETA,
        id="a realistic pipeline",
    ),
    pytest.param(
        {
            "tasks": [
                {"name": "cel", "taskRef": {"name": "t"}, "when": [{"cel": "'$(params.x)' == 'y'"}]}
            ],
            "params": [{"name": "x", "type": "string"}],
        },
        ctx(enable_cel_in_whenexpression="true"),
        id="cel when expression with a quoted reference",
    ),
]


@pytest.mark.parametrize(("spec", "context"), VALID_PIPELINES)
def test_validate_pipeline_valid(spec: Obj, context: ValidationContext) -> None:
    assert validate_pipeline(pipeline(spec), context).render() == ""


def test_dispatcher_calls_validate_pipeline() -> None:
    got = validate(pipeline({"tasks": [{"name": "Foo", "taskRef": {"name": "x"}}]}))
    assert got.render() == f'invalid value "Foo": spec.tasks[0].name\n{NAME_DETAILS}'


# -- Pipeline.Validate: failures ------------------------------------------------------------------

INVALID_PIPELINES = [
    pytest.param(
        "pipe,line",
        {"tasks": [ref("foo", "foo-task")]},
        BETA,
        'invalid resource name "pipe,line": must be a valid DNS label: metadata.name',
        id="comma in name",
    ),
    pytest.param(
        "asdf123456789012345678901234567890123456789012345678901234567890",
        {"tasks": [ref("foo", "foo-task")]},
        BETA,
        "Invalid resource name: length must be no more than 63 characters: metadata.name",
        id="pipeline name too long",
    ),
    pytest.param(
        "pipeline",
        {},
        BETA,
        "expected at least one, got none: spec.description, spec.params, spec.resources, "
        "spec.tasks, spec.workspaces",
        id="pipeline spec missing",
    ),
    pytest.param(
        "pipeline",
        {"finally": []},
        BETA,
        "expected at least one, got none: spec.description, spec.params, spec.resources, "
        "spec.tasks, spec.workspaces",
        id="no tasks and empty finally section",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                {
                    "name": "invalid-pipeline-task",
                    "taskSpec": {
                        "steps": [
                            {
                                "name": "some-step",
                                "image": "some-image",
                                "script": "$(params.doesnotexist)",
                            }
                        ]
                    },
                }
            ]
        },
        BETA,
        'non-existent variable in "$(params.doesnotexist)": spec.tasks[0].steps[0].script',
        id="invalid parameter usage in pipeline task",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                {
                    "name": "pipeline-task",
                    "taskSpec": {
                        "steps": [{"name": "some-step", "image": "some-image", "command": ["cmd"]}]
                    },
                }
            ],
            "finally": [
                {
                    "name": "invalid-pipeline-task",
                    "taskSpec": {
                        "steps": [
                            {
                                "name": "some-step",
                                "image": "some-image",
                                "script": "$(params.doesnotexist)",
                            }
                        ]
                    },
                }
            ],
        },
        BETA,
        'non-existent variable in "$(params.doesnotexist)": spec.finally[0].steps[0].script',
        id="invalid parameter usage in finally pipeline task",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                {
                    "name": "pipeline-task",
                    "taskSpec": {
                        "steps": [{"name": "some-step", "image": "some-image", "command": ["cmd"]}]
                    },
                }
            ],
            "finally": [
                {
                    "name": "invalid-pipeline-task",
                    "params": [string("name", ""), string("name", "")],
                    "taskSpec": {"steps": [{"name": "some-step", "image": "some-image"}]},
                }
            ],
        },
        BETA,
        'parameter names must be unique, the parameter "name" is also defined at: '
        "spec.finally[0].params[1].name",
        id="invalid duplicate parameter in pipeline task",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                {
                    "name": "foo",
                    "pipelineRef": {"name": "foo-pipeline"},
                    "pipelineSpec": {"description": "foo-pipeline-description"},
                }
            ]
        },
        ALPHA,
        "expected exactly one, got multiple: spec.tasks[0].pipelineRef, spec.tasks[0].pipelineSpec",
        id="task with pipelineRef and pipelineSpec",
    ),
    pytest.param(
        "pipeline",
        {"tasks": [{"name": "foo", "pipelineSpec": {"description": "foo-pipeline-description"}}]},
        ctx(disable_inline_spec="pipeline", enable_api_fields="alpha"),
        "must not set the field(s): spec.tasks[0].pipelineSpec",
        id="pipelineSpec when disable-inline-spec",
    ),
    pytest.param(
        "pipeline",
        {"tasks": [{"name": "foo", "pipelineSpec": {"description": "foo-pipeline-description"}}]},
        ctx(disable_inline_spec="pipeline,taskrun,pipelinerun", enable_api_fields="alpha"),
        "must not set the field(s): spec.tasks[0].pipelineSpec",
        id="pipelineSpec when disable-inline-spec all",
    ),
    pytest.param(
        "pipeline",
        {"description": "inline task", "tasks": [embedded("task-spec")]},
        ctx(disable_inline_spec="pipeline"),
        "must not set the field(s): spec.tasks[0].taskSpec",
        id="taskSpec when disable-inline-spec",
    ),
    pytest.param(
        "pipeline",
        {"description": "inline task", "tasks": [embedded("task-spec")]},
        ctx(disable_inline_spec="pipeline,pipelinerun,taskrun"),
        "must not set the field(s): spec.tasks[0].taskSpec",
        id="taskSpec when disable-inline-spec all",
    ),
    pytest.param(
        "pipeline",
        {"description": "inline task", "tasks": [embedded("task-spec")]},
        ctx(disable_inline_spec="taskrun,pipelinerun"),
        "",
        id="taskSpec allowed when only runs disable inline specs",
    ),
    pytest.param(
        "pipelinename",
        {
            "params": [
                {"name": "pipeline-words", "type": "array", "default": ["hello", "pipeline"]}
            ],
            "tasks": [
                {
                    "name": "echoit",
                    "taskSpec": {
                        "steps": [
                            {
                                "name": "echo",
                                "image": "ubuntu",
                                "command": ["echo"],
                                "args": ["$(params.random-words[*])"],
                            }
                        ]
                    },
                }
            ],
        },
        BETA,
        'non-existent variable in "$(params.random-words[*])": spec.tasks[0].steps[0].args[0]',
        id="propagating params with pipelinespec and taskspec",
    ),
    pytest.param(
        "pipelinename",
        {
            "params": [{"name": "hello", "type": "string", "default": "hi"}],
            "tasks": [
                {
                    "name": "echoit",
                    "taskRef": {"name": "remote-task"},
                    "params": [
                        string("param1", "$(params.param1)"),
                        string("holla", "$(params.hello)"),
                    ],
                }
            ],
        },
        BETA,
        'non-existent variable in "$(params.param1)": spec.tasks[0].params[param1]',
        id="propagating params to taskRef",
    ),
    pytest.param(
        "pipeline",
        {"tasks": [ref("foo", "foo-task", onError="invalid-value")]},
        BETA,
        "invalid value: invalid-value: spec.tasks[0].OnError\n"
        'PipelineTask OnError must be either "continue" or "stopAndFail"',
        id="invalid onError value",
    ),
    pytest.param(
        "pipeline",
        {"tasks": [ref("foo", "foo-task", onError="continue", retries=3)]},
        BETA,
        'PipelineTask OnError cannot be set to "continue" when Retries is greater than 0: ',
        id="onError continue with retries",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                ref("foo", "foo-task", params=[string("SCRIPT", "echo $(env_value_set_from_yq)")])
            ]
        },
        BETA,
        f'invalid value: invalid variable reference "$(env_value_set_from_yq)", {PREFIX_MESSAGE}: '
        "spec.tasks[0].params[SCRIPT].value",
        id="invalid variable reference in pipeline task param",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                ref(
                    "foo", "foo-task", matrix={"params": [arr("IMAGE", "$(invalid_ref)", "image2")]}
                )
            ]
        },
        BETA,
        f'invalid value: invalid variable reference "$(invalid_ref)", {PREFIX_MESSAGE}: '
        "spec.tasks[0].matrix.params[IMAGE].value",
        id="invalid variable reference in matrix param",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                ref(
                    "foo",
                    "foo-task",
                    matrix={
                        "include": [
                            {"name": "build-1", "params": [string("IMAGE", "$(invalid_ref)")]}
                        ]
                    },
                )
            ]
        },
        BETA,
        f'invalid value: invalid variable reference "$(invalid_ref)", {PREFIX_MESSAGE}: '
        "spec.tasks[0].matrix.include[0].params[IMAGE].value",
        id="invalid variable reference in matrix include param",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                ref(
                    "foo",
                    "foo-task",
                    when=[{"input": "$(date)", "operator": "in", "values": ["x"]}],
                )
            ]
        },
        BETA,
        f'invalid value: invalid variable reference "$(date)", {PREFIX_MESSAGE}: '
        "spec.tasks[0].when[0]",
        id="invalid variable reference in when expression",
    ),
    pytest.param(
        "pipeline",
        {
            "results": [{"name": "initialized", "value": "$(tasks.check-git-commit.results.init)"}],
            "tasks": [embedded("clone-app-repo")],
            "finally": [embedded("check-git-commit")],
        },
        BETA,
        "invalid value: referencing a nonexistent task: spec.results[0].value",
        id="pipeline result referencing a finally task as a task",
    ),
    pytest.param(
        "pipeline",
        {
            "results": [
                {"name": "initialized", "value": "$(finally.nonexistent-task.results.init)"}
            ],
            "tasks": [embedded("clone-app-repo")],
            "finally": [embedded("check-git-commit")],
        },
        BETA,
        "invalid value: referencing a nonexistent task: spec.results[0].value",
        id="pipeline result referencing a nonexistent finally task",
    ),
    pytest.param(
        "pipeline",
        {"tasks": None, "finally": [ref("final-task")]},
        BETA,
        "invalid value: spec.tasks is empty but spec.finally has 1 tasks: spec.finally",
        id="finally without tasks",
    ),
    pytest.param(
        "pipeline",
        {"tasks": [{}], "finally": [ref("final-task")]},
        BETA,
        "expected exactly one, got neither: spec.tasks[0].taskRef, spec.tasks[0].taskSpec\n"
        f'invalid value "": spec.tasks[0].name\n{NAME_DETAILS}',
        id="tasks set to an empty pipeline task",
    ),
    pytest.param(
        "pipeline",
        {"tasks": [ref("non-final-task")], "finally": [{}]},
        BETA,
        "expected exactly one, got neither: spec.finally[0].taskRef, spec.finally[0].taskSpec\n"
        f'invalid value "": spec.finally[0].name\n{NAME_DETAILS}',
        id="empty finally task",
    ),
    pytest.param(
        "pipeline",
        {"tasks": [ref("non-final-task")], "finally": [ref("final-task"), ref("final-task")]},
        BETA,
        "expected exactly one, got both: spec.finally[1].name",
        id="duplicate final tasks",
    ),
    pytest.param(
        "pipeline",
        {"tasks": [ref("common-task-name")], "finally": [ref("common-task-name")]},
        BETA,
        "expected exactly one, got both: spec.finally[0].name",
        id="same name for final and non final task",
    ),
    pytest.param(
        "pipeline",
        {"tasks": [ref("non-final-task")], "finally": [{"name": "final-task"}]},
        BETA,
        "expected exactly one, got neither: spec.finally[0].taskRef, spec.finally[0].taskSpec",
        id="final task missing taskRef or taskSpec",
    ),
    pytest.param(
        "pipeline",
        {"tasks": [ref("non-final-task")], "finally": [{"name": "final-task"}]},
        ALPHA,
        "expected exactly one, got neither: spec.finally[0].pipelineRef, "
        "spec.finally[0].pipelineSpec, spec.finally[0].taskRef, spec.finally[0].taskSpec",
        id="final task missing taskRef or taskSpec or pipelineRef or pipelineSpec (alpha)",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [ref("non-final-task")],
            "finally": [embedded("final-task", taskRef={"name": "non-final-task"})],
        },
        BETA,
        "expected exactly one, got multiple: spec.finally[0].taskRef, spec.finally[0].taskSpec",
        id="final task with both taskRef and taskSpec",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [ref("non-final-task")],
            "finally": [
                {
                    "name": "final-task",
                    "taskRef": {"name": "non-final-task"},
                    "taskSpec": TASK_SPEC,
                    "pipelineRef": {"name": "foo-pipeline"},
                    "pipelineSpec": {"description": "foo-pipeline-description"},
                }
            ],
        },
        ALPHA,
        "expected exactly one, got multiple: spec.finally[0].pipelineRef, "
        "spec.finally[0].pipelineSpec, spec.finally[0].taskRef, spec.finally[0].taskSpec",
        id="final task with taskRef, taskSpec, pipelineRef and pipelineSpec",
    ),
    pytest.param(
        "pipeline",
        {
            "params": [{"name": "foo", "type": "string"}],
            "tasks": [ref("non-final-task")],
            "finally": [
                ref(
                    "final-task",
                    params=[string("final-param", "$(params.foo) and $(params.does-not-exist)")],
                )
            ],
        },
        BETA,
        'non-existent variable in "$(params.foo) and $(params.does-not-exist)": '
        "spec.finally[0].params[final-param]",
        id="undeclared param in a final task",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [ref("non-final-task")],
            "finally": [ref("final-task-1", "final-task", runAfter=["non-final-task"])],
        },
        BETA,
        "invalid value: no runAfter allowed under spec.finally, final task final-task-1 has "
        "runAfter specified: spec.finally[0]",
        id="final tasks with runAfter",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [{"name": "non-final-task", "taskRef": {"name": "foo"}}],
            "finally": [
                {
                    "name": "final-task",
                    "taskRef": {"name": "foo"},
                    "workspaces": [
                        {"name": "shared-workspace", "workspace": "pipeline-shared-workspace"}
                    ],
                }
            ],
            "workspaces": [{"name": "foo"}],
        },
        BETA,
        'invalid value: pipeline task "final-task" expects workspace with name '
        '"pipeline-shared-workspace" but none exists in pipeline spec: '
        "spec.finally[0].workspaces[0]",
        id="final task workspace binding to an undeclared workspace",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [ref("non-final-task")],
            "finally": [
                ref(
                    "final-task-1",
                    "final-task",
                    params=[string("param1", "$(context.pipelineRun.missing)")],
                )
            ],
        },
        BETA,
        'non-existent variable in "$(context.pipelineRun.missing)": spec.finally.value',
        id="final task referring to an invalid context variable (no index, as Tekton)",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                {
                    "name": "build",
                    "taskSpec": {
                        "params": [{"name": "local", "type": "string"}],
                        "steps": [
                            {
                                "name": "s",
                                "image": "i",
                                "args": ["$(params.local)", "$(params.global)", "$(params.nope)"],
                            }
                        ],
                    },
                }
            ],
            "params": [{"name": "global", "type": "string"}],
        },
        BETA,
        'non-existent variable in "$(params.nope)": spec.tasks[0].steps[0].args[2]',
        id="embedded task may use its own and the pipeline's params",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                {
                    "name": "build",
                    "taskSpec": {
                        "stepTemplate": {"env": [{"name": "X", "value": "$(params.missing)"}]},
                        "steps": [{"name": "s", "image": "i"}],
                    },
                }
            ]
        },
        BETA,
        'non-existent variable in "$(params.missing)": spec.tasks[0].steps[0].env[X]',
        id="embedded steps are checked after merging the stepTemplate",
    ),
    pytest.param(
        "pipeline",
        {
            "tasks": [
                {
                    "name": "build",
                    "taskRef": {"name": "t"},
                    "workspaces": [{"name": "src"}, {"name": "src", "workspace": "other"}],
                }
            ],
            "workspaces": [{"name": "src"}, {"name": "src"}, {"name": ""}],
        },
        BETA,
        'invalid value: pipeline task "build" expects workspace with name "other" but none '
        "exists in pipeline spec: spec.tasks[0].workspaces[1]\n"
        "invalid value: workspace 2 has empty name: spec.workspaces[2]\n"
        'invalid value: workspace with name "src" appears more than once: spec.workspaces[1]\n'
        'workspace name "src" must be unique: spec.tasks[0].workspaces[1]',
        id="workspace declarations and bindings",
    ),
]


@pytest.mark.parametrize(("name", "spec", "context", "want"), INVALID_PIPELINES)
def test_validate_pipeline_invalid(
    name: str, spec: Obj, context: ValidationContext, want: str
) -> None:
    assert validate_pipeline(pipeline(spec, name), context).render() == want


# -- PipelineSpec.Validate: failures --------------------------------------------------------------


def _two_of(*fields: str) -> Obj:
    values: Obj = {
        "taskRef": {"name": "foo-task"},
        "taskSpec": TASK_SPEC,
        "pipelineRef": {"name": "foo-pipeline"},
        "pipelineSpec": {"description": "foo-pipeline-description"},
    }
    return {
        "description": "this is an invalid pipeline with invalid pipeline task",
        "tasks": [
            ref("valid-pipeline-task", "foo-task"),
            {"name": "invalid-pipeline-task", **{f: values[f] for f in fields}},
        ],
    }


def _multiple(*fields: str) -> str:
    paths = ", ".join(sorted(f"tasks[1].{f}" for f in fields))
    return f"expected exactly one, got multiple: {paths}"


REF_COMBINATIONS = [
    ("taskRef", "taskSpec"),
    ("taskRef", "pipelineRef"),
    ("taskRef", "pipelineSpec"),
    ("taskSpec", "pipelineRef"),
    ("taskSpec", "pipelineSpec"),
    ("pipelineRef", "pipelineSpec"),
    ("taskRef", "taskSpec", "pipelineRef"),
    ("taskRef", "taskSpec", "pipelineSpec"),
    ("taskRef", "pipelineRef", "pipelineSpec"),
    ("taskSpec", "pipelineRef", "pipelineSpec"),
    ("taskRef", "taskSpec", "pipelineRef", "pipelineSpec"),
]


@pytest.mark.parametrize("fields", REF_COMBINATIONS, ids=["+".join(f) for f in REF_COMBINATIONS])
def test_spec_more_than_one_of_ref_or_spec(fields: tuple[str, ...]) -> None:
    context = BETA if fields == ("taskRef", "taskSpec") else ALPHA
    assert validate_pipeline_spec(pspec(_two_of(*fields)), context).render() == _multiple(*fields)


def _when_task(name: str, *whens: Obj) -> Obj:
    return ref(name, "foo-task", when=list(whens))


BAD_OPERATOR: Obj = {"input": "foo", "operator": "exists", "values": ["foo"]}
EMPTY_VALUES: Obj = {"input": "foo", "operator": "in", "values": []}
MISSING_OPERATOR: Obj = {"input": "foo", "values": ["foo"]}
MISSING_VALUES: Obj = {"input": "foo", "operator": "in"}
OPERATOR_MESSAGE = 'invalid value: operator "{}" is not recognized. valid operators: in,notin'
VALUES_MESSAGE = "invalid value: expecting non-empty values field"

INVALID_SPECS: list[Any] = []
WHEN_PROBLEMS: list[tuple[str, Obj, str]] = [
    ("invalid operator", BAD_OPERATOR, OPERATOR_MESSAGE.format("exists")),
    ("empty values", EMPTY_VALUES, VALUES_MESSAGE),
    ("missing operator", MISSING_OPERATOR, OPERATOR_MESSAGE.format("")),
    ("missing values", MISSING_VALUES, VALUES_MESSAGE),
]
for label, when, message in WHEN_PROBLEMS:
    INVALID_SPECS += [
        pytest.param(
            {"description": "d", "tasks": [_when_task("invalid-pipeline-task", when)]},
            BETA,
            f"{message}: tasks[0].when[0]",
            id=f"task when expression: {label}",
        ),
        pytest.param(
            {
                "description": "d",
                "tasks": [ref("invalid-pipeline-task", "foo-task")],
                "finally": [_when_task("invalid-pipeline-task-finally", when)],
            },
            BETA,
            f"{message}: finally[0].when[0]",
            id=f"final task when expression: {label}",
        ),
        pytest.param(
            {
                "description": "d",
                "tasks": [_when_task("invalid-pipeline-task", when)],
                "finally": [_when_task("invalid-pipeline-task-finally", when)],
            },
            BETA,
            f"{message}: finally[0].when[0], tasks[0].when[0]",
            id=f"dag and final task when expressions: {label}",
        ),
    ]

INVALID_SPECS += [
    pytest.param(
        {
            "description": "d",
            "tasks": [
                _when_task(
                    "invalid-pipeline-task",
                    {"input": "$(tasks..results.bResult)", "operator": "in", "values": ["bar"]},
                )
            ],
        },
        BETA,
        "invalid value: couldn't add link between invalid-pipeline-task and : task "
        "invalid-pipeline-task depends on  but  wasn't present in Pipeline: tasks",
        id="when expression result reference with an empty task name",
    ),
    pytest.param(
        {
            "description": "d",
            "tasks": [
                ref("valid-pipeline-task", "foo-task"),
                _when_task(
                    "invalid-pipeline-task",
                    {
                        "input": "$(tasks.a-task.results.bResult)",
                        "operator": "in",
                        "values": ["bar"],
                    },
                ),
            ],
        },
        BETA,
        "invalid value: couldn't add link between invalid-pipeline-task and a-task: task "
        "invalid-pipeline-task depends on a-task but a-task wasn't present in Pipeline: tasks",
        id="when expression result reference to a missing task",
    ),
    pytest.param(
        {
            "description": "d",
            "params": [{"name": "prefix", "type": "string"}],
            "tasks": [
                ref("valid-pipeline-task", "foo-task"),
                {
                    **_when_task(
                        "invalid-pipeline-task",
                        {
                            "input": "$(params.prefix):$(tasks.a-task.results.bResult)",
                            "operator": "in",
                            "values": ["bar"],
                        },
                    ),
                    "params": [string("prefix", "bar")],
                },
            ],
        },
        BETA,
        "invalid value: couldn't add link between invalid-pipeline-task and a-task: task "
        "invalid-pipeline-task depends on a-task but a-task wasn't present in Pipeline: tasks",
        id="when expression with a param and a result reference to a missing task",
    ),
    pytest.param(
        {
            "description": "d",
            "tasks": [
                ref("valid-pipeline-task", "foo-task"),
                ref("invalid-pipeline-task", "foo-task"),
            ],
            "finally": [
                _when_task(
                    "invalid-pipeline-task-finally",
                    {
                        "input": "$(tasks.a-task.results.bResult)",
                        "operator": "in",
                        "values": ["bar"],
                    },
                )
            ],
        },
        BETA,
        "invalid value: invalid task result reference, final task has task result reference "
        "from a task a-task which is not defined in the pipeline: finally[0].when[0]",
        id="final task when expression result reference to a missing task",
    ),
    pytest.param(
        {
            "description": "d",
            "tasks": [
                ref("valid-pipeline-task", "foo-task"),
                _when_task(
                    "invalid-pipeline-task",
                    {
                        "input": "$(tasks.a-task.results.bResult)",
                        "operator": "in",
                        "values": ["bar"],
                    },
                ),
            ],
            "finally": [
                _when_task(
                    "invalid-pipeline-task-finally",
                    {
                        "input": "$(tasks.a-task.results.bResult)",
                        "operator": "in",
                        "values": ["bar"],
                    },
                )
            ],
        },
        BETA,
        "invalid value: couldn't add link between invalid-pipeline-task and a-task: task "
        "invalid-pipeline-task depends on a-task but a-task wasn't present in Pipeline: tasks\n"
        "invalid value: invalid task result reference, final task has task result reference "
        "from a task a-task which is not defined in the pipeline: finally[0].when[0]",
        id="dag and final task when expressions referencing a missing task",
    ),
    pytest.param(
        {
            "description": "d",
            "tasks": [
                ref("valid-pipeline-task", "foo-task"),
                _when_task("invalid-pipeline-task", {}),
            ],
        },
        BETA,
        "missing field(s): tasks[1].when[0]",
        id="blank when expression",
    ),
    pytest.param(
        {
            "description": "d",
            "tasks": [
                ref("valid-pipeline-task", "foo-task"),
                _when_task("invalid-pipeline-task", {}),
            ],
            "finally": [_when_task("invalid-pipeline-task-finally", {})],
        },
        BETA,
        "missing field(s): finally[0].when[0], tasks[1].when[0]",
        id="blank when expressions in dag and final tasks",
    ),
    pytest.param(
        {
            "description": "d",
            "tasks": [
                ref("pre-task", "foo-task"),
                {
                    "name": "consume-artifacts-task",
                    "params": [string("aaa", "$(tasks.produce-artifacts-task.outputs.image)")],
                    "taskSpec": TASK_SPEC,
                },
            ],
        },
        ctx(enable_artifacts="false", enable_api_fields="alpha"),
        "feature flag enable-artifacts should be set to true to use artifacts feature.: "
        "tasks[1].params",
        id="artifacts in task params without enable-artifacts",
    ),
    pytest.param(
        {
            "description": "d",
            "tasks": [ref("pre-task", "foo-task")],
            "finally": [
                {
                    "name": "consume-artifacts-task",
                    "params": [string("aaa", "$(tasks.produce-artifacts-task.outputs.image)")],
                    "taskSpec": TASK_SPEC,
                }
            ],
        },
        ctx(enable_artifacts="false", enable_api_fields="alpha"),
        "feature flag enable-artifacts should be set to true to use artifacts feature.: "
        "finally[0].params",
        id="artifacts in final task params without enable-artifacts",
    ),
    pytest.param(
        {
            "tasks": [
                ref("foo", "foo-task", runAfter=["baz"]),
                ref("bar", "bar-task", runAfter=["foo"]),
                ref("baz", "baz-task", runAfter=["bar"]),
            ]
        },
        BETA,
        'invalid value: cycle detected; task "bar" depends on "foo": tasks',
        id="cyclic DAG",
    ),
    pytest.param(
        {"tasks": [ref("a", when=[{"cel": "'x' == 'x'"}])]},
        BETA,
        "feature flag enable-cel-in-whenexpression should be set to true to use CEL: "
        "'x' == 'x' in WhenExpression: tasks[0].when[0]",
        id="CEL when expression without the feature flag",
    ),
    pytest.param(
        {"tasks": [ref("a", timeout="1h", retries=1, onError="stopAndFail")]},
        STABLE,
        'OnError requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is '
        '"stable": ',
        id="onError needs beta (the gate error carries no path, as in Tekton)",
    ),
    pytest.param(
        {"tasks": [{"name": "a", "taskRef": {"resolver": "git", "params": [string("url", "u")]}}]},
        STABLE,
        'resolver params requires "enable-api-fields" feature gate to be "alpha" or "beta" but it '
        'is "stable": \n'
        'resolver requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is '
        '"stable": \n'
        'taskref.params requires "enable-api-fields" feature gate to be "alpha" or "beta" but it '
        'is "stable": \n'
        'taskref.resolver requires "enable-api-fields" feature gate to be "alpha" or "beta" but it '
        'is "stable": ',
        id="resolver fields need beta",
    ),
    pytest.param(
        {
            "tasks": [ref("a")],
            "finally": [{"name": "b", "taskRef": {"resolver": "git"}}],
        },
        STABLE,
        'resolver requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is '
        '"stable": \n'
        'taskref.resolver requires "enable-api-fields" feature gate to be "alpha" or "beta" but it '
        'is "stable": ',
        id="resolver in a finally task needs beta",
    ),
    pytest.param(
        {"tasks": [{"name": "child", "pipelineSpec": {}}]},
        ALPHA,
        "expected at least one, got none: tasks[0].pipelineSpec.description, "
        "tasks[0].pipelineSpec.params, tasks[0].pipelineSpec.resources, "
        "tasks[0].pipelineSpec.tasks, tasks[0].pipelineSpec.workspaces",
        id="nested pipelineSpec is validated",
    ),
    pytest.param(
        {"tasks": [{"name": "child", "pipelineRef": {"name": "p"}}]},
        BETA,
        'pipelineRef requires "enable-api-fields" feature gate to be "alpha" but it is "beta": ',
        id="pipelineRef needs alpha",
    ),
    pytest.param(
        {
            "results": [
                {"name": "r1", "value": "$(tasks.a.results.x) $(tasks.a.results.y.z.w)"},
                {"name": "r2", "value": ["$(tasks.a.results.x)", "$(tasks.b.results.y)"]},
            ],
            "tasks": [ref("a")],
        },
        BETA,
        "invalid value: expected all of the expressions [tasks.a.results.x "
        "tasks.a.results.y.z.w] to be result expressions but only [&{a x <nil> }] were: "
        "results[0].value\n"
        "invalid value: referencing a nonexistent task: results[0].value",
        id="pipeline result with a malformed reference (array values are not task-checked)",
    ),
]


@pytest.mark.parametrize(("spec", "context", "want"), INVALID_SPECS)
def test_validate_pipeline_spec_invalid(spec: Obj, context: ValidationContext, want: str) -> None:
    assert validate_pipeline_spec(pspec(spec), context).render() == want


# -- PipelineTask rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "_foo", "fooTask", "foo.bar", "a" * 64])
def test_pipeline_task_name(name: str) -> None:
    got = validate_pipeline_tasks(tasks({"name": name, "taskRef": {"name": "t"}}), [], BETA)
    assert got.render() == f'invalid value "{name}": tasks[0].name\n{NAME_DETAILS}'


def test_pipeline_tasks_duplicate_names() -> None:
    got = validate_pipeline_tasks(tasks(ref("foo", "foo-task"), ref("foo", "foo-task")), [], BETA)
    assert got.render() == "expected exactly one, got both: tasks[1].name"


@pytest.mark.parametrize(
    ("task", "want"),
    [
        pytest.param(
            {
                "name": "foo",
                "taskSpec": {"apiVersion": "tekton.dev/v1", "steps": [{"name": "s", "image": "i"}]},
            },
            "invalid value: custom task spec must specify kind: tasks[0].taskSpec.kind\n"
            "taskSpec.apiVersion cannot be specified when using taskSpec.steps: "
            "tasks[0].taskSpec.apiVersion",
            id="apiVersion with steps",
        ),
        pytest.param(
            {"name": "foo", "taskSpec": {"kind": "Task", "steps": [{"name": "s", "image": "i"}]}},
            "taskSpec.kind cannot be specified when using taskSpec.steps: tasks[0].taskSpec.kind",
            id="kind with steps",
        ),
    ],
)
def test_pipeline_tasks_embedded_or_type(task: Obj, want: str) -> None:
    assert validate_pipeline_tasks(tasks(task), [], BETA).render() == want


PIPELINE_TASK_CASES = [
    # OnError (TestPipelineTask_OnError)
    pytest.param(ref("foo", "foo", onError="continue"), BETA, "", id="onError continue"),
    pytest.param(ref("foo", "foo", onError="stopAndFail"), BETA, "", id="onError stopAndFail"),
    pytest.param(
        ref("foo", "foo", onError="invalid-val"),
        BETA,
        "invalid value: invalid-val: OnError\n"
        'PipelineTask OnError must be either "continue" or "stopAndFail"',
        id="invalid onError",
    ),
    pytest.param(
        ref("foo", "foo", onError="stopAndFail", retries=1), BETA, "", id="stopAndFail with retries"
    ),
    pytest.param(
        ref("foo", "foo", onError="continue", retries=1),
        BETA,
        'PipelineTask OnError cannot be set to "continue" when Retries is greater than 0: ',
        id="continue with retries",
    ),
    pytest.param(
        ref("foo", "foo", onError="continue"),
        STABLE,
        'OnError requires "enable-api-fields" feature gate to be "alpha" or "beta" but it is '
        '"stable": ',
        id="onError in stable",
    ),
    # validateRefOrSpec (TestPipelineTask_ValidateRefOrSpec)
    pytest.param({"name": "foo", "taskRef": {"name": "t"}}, BETA, "", id="taskRef only"),
    pytest.param({"name": "foo", "taskSpec": TASK_SPEC}, BETA, "", id="taskSpec only"),
    pytest.param({"name": "foo", "pipelineRef": {"name": "p"}}, ALPHA, "", id="pipelineRef only"),
    pytest.param(
        {"name": "foo", "pipelineSpec": {"description": "d"}}, ALPHA, "", id="pipelineSpec only"
    ),
    pytest.param(
        {"name": "foo"}, BETA, "expected exactly one, got neither: taskRef, taskSpec", id="neither"
    ),
    pytest.param(
        {"name": "foo"},
        ALPHA,
        "expected exactly one, got neither: pipelineRef, pipelineSpec, taskRef, taskSpec",
        id="neither (alpha)",
    ),
    pytest.param(
        {"pipelineRef": {"name": "p"}, "name": "foo"},
        STABLE,
        'pipelineRef requires "enable-api-fields" feature gate to be "alpha" but it is "stable": ',
        id="pipelineRef not allowed with stable",
    ),
    pytest.param(
        {"pipelineSpec": {"description": "d"}, "name": "foo"},
        BETA,
        'pipelineSpec requires "enable-api-fields" feature gate to be "alpha" but it is "beta": ',
        id="pipelineSpec not allowed with beta",
    ),
    # Custom tasks (TestPipelineTask_ValidateCustomTask, TestPipelineTask_Validate_Failure)
    pytest.param(
        {"name": "foo", "taskRef": {"apiVersion": "example/v0"}},
        BETA,
        "invalid value: custom task ref must specify kind: taskRef.kind",
        id="custom taskRef without kind",
    ),
    pytest.param(
        {"name": "foo", "taskSpec": {"apiVersion": "example/v0"}},
        BETA,
        "invalid value: custom task spec must specify kind: taskSpec.kind",
        id="custom taskSpec without kind",
    ),
    pytest.param(
        {"name": "foo", "taskSpec": {"kind": "some-kind"}},
        BETA,
        "invalid value: custom task spec must specify apiVersion: taskSpec.apiVersion",
        id="custom taskSpec without apiVersion",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"kind": "some-kind"}},
        BETA,
        "invalid value: custom task ref must specify apiVersion: taskRef.apiVersion",
        id="custom taskRef without apiVersion",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"apiVersion": "invalid-api-version", "kind": "some-kind"}},
        BETA,
        'invalid value: invalid apiVersion format "invalid-api-version", must be in the format '
        '"group/version": taskRef.apiVersion',
        id="custom taskRef with invalid apiVersion",
    ),
    pytest.param(
        {"name": "foo", "taskSpec": {"apiVersion": "no-slash-no-dot", "kind": "some-kind"}},
        BETA,
        'invalid value: invalid apiVersion format "no-slash-no-dot", must be in the format '
        '"group/version": taskSpec.apiVersion',
        id="custom taskSpec with invalid apiVersion",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"apiVersion": "/v1", "kind": "some-kind"}},
        BETA,
        'invalid value: invalid apiVersion format "/v1", must be in the format "group/version": '
        "taskRef.apiVersion",
        id="custom taskRef with empty group",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"apiVersion": "example/", "kind": "some-kind"}},
        BETA,
        'invalid value: invalid apiVersion format "example/", must be in the format '
        '"group/version": taskRef.apiVersion',
        id="custom taskRef with empty version",
    ),
    pytest.param(
        {
            "name": "foo",
            "taskRef": {"apiVersion": "example.dev/v1", "kind": "Example", "name": "example"},
        },
        BETA,
        "",
        id="custom task with valid apiVersion",
    ),
    pytest.param(
        {"name": "foo", "taskSpec": {"apiVersion": "example.io/v2", "kind": "CustomTask"}},
        BETA,
        "",
        id="custom taskSpec with valid apiVersion",
    ),
    # Regular tasks (TestPipelineTask_ValidateRegularTask_*)
    pytest.param(
        {"name": "foo", "taskRef": {"name": "example.com/my-foo-task"}},
        BETA,
        "",
        id="qualified taskRef name",
    ),
    pytest.param(
        {
            "name": "foo",
            "taskSpec": {
                "steps": [{"name": "foo", "image": "bar"}],
                "params": [{"name": "param1", "type": "string", "enum": ["v1", "v2"]}],
            },
        },
        ctx(enable_param_enum="true"),
        "",
        id="taskSpec with param enum",
    ),
    pytest.param({"name": "foo", "taskRef": {"resolver": "bar"}}, BETA, "", id="resolver"),
    pytest.param(
        {"name": "foo", "taskRef": {"resolver": "bar"}}, ALPHA, "", id="resolver in alpha"
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"resolver": "bar", "params": [string("", "")]}},
        BETA,
        "",
        id="resolver params",
    ),
    pytest.param(
        {"name": "foo", "taskSpec": {}},
        BETA,
        "missing field(s): taskSpec.steps",
        id="invalid taskSpec",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"name": "_foo-task"}},
        BETA,
        "invalid value: name part must consist of alphanumeric characters, '-', '_' or '.', and "
        "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'): "
        "taskRef.name",
        id="invalid taskRef name",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"name": ""}},
        BETA,
        "missing field(s): taskRef.name",
        id="taskRef without name",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"name": "foo", "resolver": "git"}},
        ctx(enable_concise_resolver_syntax="true"),
        "invalid value: invalid URI for request: taskRef.name",
        id="taskRef with resolver and k8s style name",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"name": "https://foo.com/bar"}},
        BETA,
        "feature flag enable-concise-resolver-syntax should be set to true to use concise "
        "resolver syntax: taskRef\n"
        "missing field(s): taskRef.resolver",
        id="url-like taskRef name without concise syntax",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"name": "https://foo.com/bar", "resolver": "git"}},
        BETA,
        "feature flag enable-concise-resolver-syntax should be set to true to use concise "
        "resolver syntax: taskRef",
        id="url-like taskRef with resolver without concise syntax",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"name": "https://foo.com/bar"}},
        ctx(enable_concise_resolver_syntax="true"),
        "missing field(s): taskRef.resolver",
        id="url-like taskRef name without resolver",
    ),
    pytest.param(
        {
            "name": "foo",
            "taskRef": {
                "name": "https://foo/bar",
                "resolver": "git",
                "params": [string("foo", "bar")],
            },
        },
        ctx(enable_concise_resolver_syntax="true"),
        "expected exactly one, got both: taskRef.name, taskRef.params",
        id="taskRef with name and params",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"params": [string("foo", "bar")]}},
        BETA,
        "missing field(s): taskRef.resolver",
        id="resolver params without resolver",
    ),
    pytest.param(
        {"name": "foo", "pipelineRef": {"name": "_bad"}},
        ALPHA,
        "invalid value: name part must consist of alphanumeric characters, '-', '_' or '.', and "
        "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'): "
        "pipelineRef.name",
        id="invalid pipelineRef name",
    ),
    # Timeouts: only Go's duration syntax is checked (negative values are not rejected)
    pytest.param(ref("foo", "foo", timeout="1h30m"), BETA, "", id="timeout"),
    pytest.param(ref("foo", "foo", timeout="-5m"), BETA, "", id="negative timeout accepted"),
    pytest.param(
        ref("foo", "foo", timeout="ten minutes"),
        BETA,
        'invalid value: time: invalid duration "ten minutes": timeout',
        id="unparsable timeout",
    ),
    # Embedded or type (TestPipelineTask_ValidateEmbeddedOrType)
    pytest.param(
        {"name": "foo", "taskSpec": {"apiVersion": "something", "kind": "whatever"}},
        BETA,
        'invalid value: invalid apiVersion format "something", must be in the format '
        '"group/version": taskSpec.apiVersion',
        id="just apiVersion and kind",
    ),
    pytest.param(
        {
            "name": "foo",
            "taskSpec": {"steps": [{"name": "foo", "displayName": "step", "image": "bar"}]},
        },
        BETA,
        "",
        id="just steps with displayName",
    ),
    pytest.param(
        {
            "name": "foo",
            "taskSpec": {"kind": "something", "steps": [{"name": "foo", "image": "bar"}]},
        },
        BETA,
        "invalid value: custom task spec must specify apiVersion: taskSpec.apiVersion\n"
        "taskSpec.kind cannot be specified when using taskSpec.steps: taskSpec.kind",
        id="kind and steps",
    ),
]


@pytest.mark.parametrize(("task", "context", "want"), PIPELINE_TASK_CASES)
def test_validate_pipeline_task(task: Obj, context: ValidationContext, want: str) -> None:
    (pt,) = tasks(task)
    assert validate_pipeline_task(pt, context).render() == want


@pytest.mark.parametrize(
    "spec",
    [
        {"tasks": [{"name": "uses-resolver", "taskRef": {"resolver": "bar"}}]},
        {
            "tasks": [
                {
                    "name": "uses-resolver-params",
                    "taskRef": {"resolver": "bar", "params": [string("", "")]},
                }
            ]
        },
        {
            "tasks": [ref("valid-pipeline-task", "foo-task")],
            "finally": [{"name": "uses-resolver", "taskRef": {"resolver": "bar"}}],
        },
        {
            "tasks": [ref("valid-pipeline-task", "foo-task")],
            "finally": [
                {
                    "name": "uses-resolver-params",
                    "taskRef": {"resolver": "bar", "params": [string("", "")]},
                }
            ],
        },
    ],
)
def test_pipeline_with_beta_fields(spec: Obj) -> None:
    p = pipeline(spec, "foo")
    assert validate_pipeline(p, STABLE)
    assert not validate_pipeline(p, BETA)


# -- graph ----------------------------------------------------------------------------------------


def test_validate_graph_success() -> None:
    pts = tasks(
        ref("foo", "foo-task"),
        ref("bar", "bar-task"),
        ref("foo1", "foo-task", runAfter=["foo"]),
        ref("bar1", "bar-task", runAfter=["bar"]),
        ref("foo-bar", "bar-task", runAfter=["foo1", "bar1"]),
    )
    assert not validate_graph(pts)


def test_validate_graph_cycle() -> None:
    pts = tasks(ref("foo", "foo-task", runAfter=["bar"]), ref("bar", "bar-task", runAfter=["foo"]))
    assert (
        validate_graph(pts).render()
        == 'invalid value: cycle detected; task "bar" depends on "foo": tasks'
    )


def test_validate_graph_duplicate() -> None:
    pts = tasks(ref("foo"), ref("foo"))
    assert validate_graph(pts).render() == (
        "invalid value: task foo is already present in Graph, can't add it again: duplicate "
        "pipeline task: tasks"
    )


def test_validate_graph_finally_task_is_not_in_the_dag() -> None:
    spec = pspec({"tasks": [ref("a", runAfter=["f"])], "finally": [ref("f")]})
    assert validate_pipeline_spec(spec, BETA).render() == (
        "invalid value: couldn't add link between a and f: task a depends on f but f wasn't "
        "present in Pipeline: tasks"
    )


def test_validate_graph_uses_embedded_step_references() -> None:
    pts = tasks(
        {
            "name": "b",
            "taskSpec": {
                "stepTemplate": {"env": [{"name": "X", "value": "$(tasks.a.results.r)"}]},
                "steps": [{"name": "s", "image": "$(tasks.c.results.image)"}],
            },
        }
    )
    assert validate_graph(pts).render() == (
        "invalid value: couldn't add link between b and a: task b depends on a but a wasn't "
        "present in Pipeline: tasks"
    )


DEPS_CASES = [
    pytest.param([{"name": "task-1"}, {"name": "task-2"}], {}, id="no deps"),
    pytest.param(
        [{"name": "task-1"}, {"name": "task-2", "runAfter": ["task-1"]}],
        {"task-2": ["task-1"]},
        id="runAfter",
    ),
    pytest.param(
        [
            {"name": "task-1"},
            {"name": "task-2", "params": [string("", "$(tasks.task-1.results.result)")]},
        ],
        {"task-2": ["task-1"]},
        id="task results",
    ),
    pytest.param(
        [
            {"name": "task-1"},
            {"name": "task-2", "matrix": {"params": [arr("", "$(tasks.task-1.results.result)")]}},
        ],
        {"task-2": ["task-1"]},
        id="task results in matrix",
    ),
    pytest.param(
        [
            {"name": "task-1"},
            {
                "name": "task-2",
                "when": [
                    {"input": "$(tasks.task-1.results.result)", "operator": "in", "values": ["foo"]}
                ],
            },
        ],
        {"task-2": ["task-1"]},
        id="when expressions",
    ),
    pytest.param(
        [
            {"name": "task-1"},
            {"name": "task-2", "runAfter": ["task-1"]},
            {"name": "task-3", "runAfter": ["task-1"]},
            {
                "name": "task-4",
                "runAfter": ["task-1"],
                "params": [string("", "$(tasks.task-3.results.result)")],
            },
            {
                "name": "task-5",
                "runAfter": ["task-1"],
                "when": [
                    {"input": "$(tasks.task-4.results.result)", "operator": "in", "values": ["foo"]}
                ],
            },
            {
                "name": "task-6",
                "runAfter": ["task-1"],
                "matrix": {
                    "params": [
                        arr("", "$(tasks.task-2.results.result)", "$(tasks.task-5.results.result)")
                    ]
                },
            },
        ],
        {
            "task-2": ["task-1"],
            "task-3": ["task-1"],
            "task-4": ["task-1", "task-3"],
            "task-5": ["task-1", "task-4"],
            "task-6": ["task-1", "task-2", "task-5"],
        },
        id="ordering and resource deps",
    ),
    pytest.param(
        [
            {"name": "task-1"},
            {
                "name": "task-7",
                "when": [
                    {
                        "input": "$(tasks.task-3.results.result1)",
                        "operator": "in",
                        "values": ["foo"],
                    },
                    {
                        "input": "$(tasks.task-3.results.result2)",
                        "operator": "in",
                        "values": ["foo"],
                    },
                ],
            },
            {"name": "task-9", "runAfter": ["task-1", "task-1", "task-1"]},
            {
                "name": "task-10",
                "matrix": {
                    "include": [{"name": "i", "params": [string("x", "$(tasks.task-1.results.r)")]}]
                },
            },
        ],
        {"task-7": ["task-3"], "task-9": ["task-1"], "task-10": ["task-1"]},
        id="unique dependencies; include params count",
    ),
]


@pytest.mark.parametrize(("items", "want"), DEPS_CASES)
def test_pipeline_task_deps(items: list[Obj], want: dict[str, list[str]]) -> None:
    got = {}
    for item in items:
        (pt,) = tasks(item)
        if deps := pipeline_task_deps(pt):
            got[pt.name] = deps
    assert got == want


# -- results ---------------------------------------------------------------------------------------


def results(*items: Obj) -> list[PipelineResult]:
    return [msgspec.convert(item, PipelineResult) for item in items]


A_TASK = tasks({"name": "a-task"})


def test_validate_pipeline_results_success() -> None:
    rs = results(
        {"name": "my-pipeline-result", "value": "$(tasks.a-task.results.output)"},
        {"name": "my-pipeline-object-result", "value": "$(tasks.a-task.results.gitrepo.commit)"},
    )
    assert not validate_pipeline_results(rs, A_TASK, [])


@pytest.mark.parametrize(
    ("value", "want"),
    [
        pytest.param(
            "$(tasks.a-task.results.output.key1.extra)",
            "invalid value: expected all of the expressions "
            "[tasks.a-task.results.output.key1.extra] to be result expressions but only [] "
            "were: results[0].value\n"
            "invalid value: referencing a nonexistent task: results[0].value",
            id="invalid task result reference",
        ),
        pytest.param(
            "$(finally.a-task.results.output.key1.extra)",
            "invalid value: expected all of the expressions "
            "[finally.a-task.results.output.key1.extra] to be result expressions but only [] "
            "were: results[0].value\n"
            "invalid value: referencing a nonexistent task: results[0].value",
            id="invalid finally result reference",
        ),
        pytest.param(
            "foo.bar",
            "invalid value: expected pipeline results to be task result expressions but an invalid "
            "expressions was found: results[0].value\n"
            "invalid value: expected pipeline results to be task result expressions but no "
            "expressions were found: results[0].value\n"
            "invalid value: referencing a nonexistent task: results[0].value",
            id="static string",
        ),
        pytest.param(
            "$(foo.bar)",
            "invalid value: expected pipeline results to be task result expressions but an invalid "
            "expressions was found: results[0].value\n"
            "invalid value: referencing a nonexistent task: results[0].value",
            id="invalid expression",
        ),
        pytest.param(
            "prefix-$(tasks.a-task.results.output)",
            "invalid value: referencing a nonexistent task: results[0].value",
            id="literal text around a reference",
        ),
    ],
)
def test_validate_pipeline_results_failure(value: str, want: str) -> None:
    rs = results({"name": "my-pipeline-result", "value": value})
    assert validate_pipeline_results(rs, A_TASK, []).render() == want


# -- param declarations and usage -----------------------------------------------------------------

VALID_PARAM_VARIABLES = [
    pytest.param(
        [{"name": "baz", "type": "string"}, {"name": "foo-is-baz", "type": "string"}],
        [
            ref(
                "bar",
                "bar-task",
                params=[string("a-param", "$(params.baz) and $(params.foo-is-baz)")],
            )
        ],
        id="string parameter variables",
    ),
    pytest.param(
        [{"name": "baz", "type": "string"}, {"name": "foo-is-baz", "type": "string"}],
        [
            ref(
                "bar",
                "bar-task",
                when=[
                    {"input": "$(params.baz)", "operator": "in", "values": ["foo"]},
                    {"input": "baz", "operator": "in", "values": ["$(params.foo-is-baz)"]},
                ],
            )
        ],
        id="string parameter variables in when expression",
    ),
    pytest.param(
        [
            {"name": "baz", "type": "string"},
            {"name": "foo", "type": "array", "default": ["anarray", "elements"]},
        ],
        [
            ref(
                "bar",
                "bar-task",
                when=[{"input": "$(params.baz)", "operator": "in", "values": ["$(params.foo[*])"]}],
            )
        ],
        id="array reference in when values",
    ),
    pytest.param(
        [
            {"name": "baz", "type": "array", "default": ["some", "default"]},
            {"name": "foo-is-baz", "type": "array"},
        ],
        [
            ref(
                "bar",
                "bar-task",
                params=[arr("a-param", "$(params.baz)", "and", "$(params.foo-is-baz)")],
            )
        ],
        id="array parameter variables",
    ),
    pytest.param(
        [
            {"name": "baz", "type": "array", "default": ["some", "default"]},
            {"name": "foo-is-baz", "type": "array"},
        ],
        [
            ref(
                "bar",
                "bar-task",
                params=[arr("a-param", "$(params.baz[*])", "and", "$(params.foo-is-baz[*])")],
            )
        ],
        id="star array parameter variables",
    ),
    pytest.param(
        [{"name": "baz", "type": "string"}],
        [ref("bar", "bar-task", params=[string("a-param", "$(input.workspace.$(params.baz))")])],
        id="pipeline parameter nested in task parameter",
    ),
    pytest.param(
        [
            {"name": "baz", "type": "array", "default": ["some", "default"]},
            {"name": "foo-is-baz", "type": "array"},
        ],
        [
            ref(
                "bar",
                "bar-task",
                matrix={"params": [arr("a-param", "$(params.baz)", "and", "$(params.foo-is-baz)")]},
            )
        ],
        id="array parameter variables in matrix",
    ),
    pytest.param(
        [{"name": "myArray", "type": "array"}],
        [
            ref(
                "bar",
                "bar-task",
                params=[string("a-param-intended-to-be-array", "$(params.myArray[*])")],
            )
        ],
        id="whole array as a string param value",
    ),
    pytest.param(
        [{"name": "baz", "type": "string"}],
        [
            ref(
                "bar",
                "bar-task",
                matrix={
                    "include": [{"name": "build-1", "params": [string("a-param", "$(params.baz)")]}]
                },
            )
        ],
        id="string parameter variables in matrix include",
    ),
    pytest.param(
        [
            {
                "name": "myObject",
                "type": "object",
                "properties": {"key1": {"type": "string"}, "key2": {"type": "string"}},
            }
        ],
        [
            ref(
                "bar",
                "bar-task",
                params=[
                    string("a-string-param", "$(params.myObject.key1) and $(params.myObject.key2)")
                ],
            )
        ],
        id="object keys in a string param",
    ),
    pytest.param(
        [
            {
                "name": "myObject",
                "type": "object",
                "properties": {"key1": {"type": "string"}, "key2": {"type": "string"}},
            }
        ],
        [
            ref(
                "bar",
                "bar-task",
                params=[
                    arr(
                        "an-array-param",
                        "$(params.myObject.key1)",
                        "another one $(params.myObject.key2)",
                    )
                ],
            )
        ],
        id="object keys in an array param",
    ),
    pytest.param(
        [
            {
                "name": "myObject",
                "type": "object",
                "properties": {"key1": {"type": "string"}, "key2": {"type": "string"}},
            },
            {"name": "myString", "type": "string"},
        ],
        [
            ref(
                "bar",
                "bar-task",
                params=[
                    {
                        "name": "an-object-param",
                        "value": {"url": "$(params.myObject.key1)", "commit": "$(params.myString)"},
                    }
                ],
            )
        ],
        id="object keys and strings in an object param",
    ),
    pytest.param(
        [
            {
                "name": "myObject",
                "type": "object",
                "properties": {"key1": {"type": "string"}, "key2": {"type": "string"}},
            }
        ],
        [
            ref(
                "bar",
                "bar-task",
                params=[string("a-param-intended-to-be-object", "$(params.myObject[*])")],
            )
        ],
        id="whole object as a string param value",
    ),
    pytest.param(
        [
            {
                "name": "myObject",
                "type": "object",
                "properties": {"key1": {"type": "string"}, "key2": {"type": "string"}},
            },
            {"name": "foo", "type": "array", "default": ["anarray", "elements"]},
        ],
        [
            ref(
                "bar",
                "bar-task",
                when=[
                    {
                        "input": "$(params.myObject.key1)",
                        "operator": "in",
                        "values": ["$(params.foo[*])", "$(params.myObject.key2)"],
                    }
                ],
            )
        ],
        id="object keys and array reference in when expression",
    ),
]


@pytest.mark.parametrize(("params", "pts"), VALID_PARAM_VARIABLES)
def test_parameter_variables_valid(params: list[Obj], pts: list[Obj]) -> None:
    specs = pspec({"params": params}).params or []
    assert not validate_pipeline_parameter_variables(tasks(*pts), specs, ALPHA)
    assert not validate_pipeline_task_parameter_usage(tasks(*pts), specs)


def test_parameter_variables_valid_enum() -> None:
    specs = (
        pspec({"params": [{"name": "baz", "type": "string", "enum": ["v1", "v2"]}]}).params or []
    )
    assert not validate_pipeline_parameter_variables([], specs, ctx(enable_param_enum="true"))


OBJECT_PARAM = {
    "name": "myObject",
    "type": "object",
    "properties": {"key1": {"type": "string"}, "key2": {"type": "string"}},
}

USAGE_FAILURES = [
    pytest.param(
        [],
        [ref("foo", "foo-task", params=[string("a-param", "$(params.does-not-exist)")])],
        'non-existent variable in "$(params.does-not-exist)": [0].params[a-param]',
        id="param missing from the declarations",
    ),
    pytest.param(
        [],
        [
            ref(
                "bar",
                "bar-task",
                when=[{"input": "$(params.baz)", "operator": "in", "values": ["foo"]}],
            )
        ],
        'non-existent variable in "$(params.baz)": [0].when[0].input',
        id="when input missing from the declarations",
    ),
    pytest.param(
        [],
        [
            ref(
                "bar",
                "bar-task",
                when=[{"input": "bax", "operator": "in", "values": ["$(params.foo-is-baz)"]}],
            )
        ],
        'non-existent variable in "$(params.foo-is-baz)": [0].when[0].values',
        id="when values missing from the declarations",
    ),
    pytest.param(
        [{"name": "foo", "type": "array", "default": ["anarray", "elements"]}],
        [
            ref(
                "bar",
                "bar-task",
                when=[{"input": "$(params.foo)", "operator": "in", "values": ["foo"]}],
            )
        ],
        'variable type invalid in "$(params.foo)": [0].when[0].input',
        id="array reference in when input",
    ),
    pytest.param(
        [{"name": "foo", "type": "array", "default": ["anarray", "elements"]}],
        [
            ref(
                "bar",
                "bar-task",
                when=[
                    {"input": "$(params.foo)[*]", "operator": "in", "values": ["$(params.foo[*])"]}
                ],
            )
        ],
        'variable type invalid in "$(params.foo)[*]": [0].when[0].input',
        id="array reference in when input with [*] outside",
    ),
    pytest.param(
        [{"name": "foo", "type": "string"}],
        [
            ref(
                "foo-task",
                "foo-task",
                params=[string("a-param", "$(params.foo) and $(params.does-not-exist)")],
            )
        ],
        'non-existent variable in "$(params.foo) and $(params.does-not-exist)": '
        "[0].params[a-param]",
        id="declared and undeclared param combined",
    ),
    pytest.param(
        [{"name": "foo", "type": "string"}],
        [
            ref(
                "foo-task",
                "foo-task",
                params=[
                    string("a-param", "$(params.foo)"),
                    string("b-param", "$(params.does-not-exist)"),
                ],
            )
        ],
        'non-existent variable in "$(params.does-not-exist)": [0].params[b-param]',
        id="two params, one undeclared",
    ),
    pytest.param(
        [],
        [ref("foo", "foo-task", matrix={"params": [arr("a-param", "$(params.does-not-exist)")]})],
        'non-existent variable in "$(params.does-not-exist)": [0].matrix.params[a-param].value[0]',
        id="matrix param missing from the declarations",
    ),
    pytest.param(
        [{"name": "foo", "type": "string"}],
        [
            ref(
                "foo-task",
                "foo-task",
                matrix={
                    "params": [arr("a-param", "$(params.foo)", "and", "$(params.does-not-exist)")]
                },
            )
        ],
        'non-existent variable in "$(params.does-not-exist)": [0].matrix.params[a-param].value[2]',
        id="matrix param combined with an undeclared param",
    ),
    pytest.param(
        [{"name": "foo", "type": "array"}],
        [
            ref(
                "foo-task",
                "foo-task",
                matrix={
                    "params": [
                        arr("a-param", "$(params.foo)"),
                        arr("b-param", "$(params.does-not-exist)"),
                    ]
                },
            )
        ],
        'non-existent variable in "$(params.does-not-exist)": [0].matrix.params[b-param].value[0]',
        id="two matrix params, one undeclared",
    ),
    pytest.param(
        [{"name": "foo", "type": "string"}],
        [
            ref(
                "foo-task",
                "foo-task",
                matrix={
                    "include": [
                        {
                            "params": [
                                string("a-param", "$(params.foo)"),
                                string("b-param", "$(params.does-not-exist)"),
                            ]
                        }
                    ]
                },
            )
        ],
        'non-existent variable in "$(params.does-not-exist)": [0].matrix.include.params[1]',
        id="matrix include param undeclared",
    ),
    pytest.param(
        [OBJECT_PARAM],
        [
            ref(
                "bar",
                "bar-task",
                when=[
                    {
                        "input": "$(params.myObject.non-exist-key)",
                        "operator": "in",
                        "values": ["foo"],
                    }
                ],
            )
        ],
        'non-existent variable in "$(params.myObject.non-exist-key)": [0].when[0].input',
        id="undeclared object key in when input",
    ),
    pytest.param(
        [OBJECT_PARAM],
        [
            ref(
                "bar",
                "bar-task",
                when=[
                    {
                        "input": "bax",
                        "operator": "in",
                        "values": ["$(params.myObject.non-exist-key)"],
                    }
                ],
            )
        ],
        'non-existent variable in "$(params.myObject.non-exist-key)": [0].when[0].values',
        id="undeclared object key in when values",
    ),
    pytest.param(
        [OBJECT_PARAM],
        [
            ref(
                "bar",
                "bar-task",
                params=[arr("a-param", "$(params.myObject.non-exist-key)", "last")],
            )
        ],
        'non-existent variable in "$(params.myObject.non-exist-key)": [0].params[a-param].value[0]',
        id="undeclared object key in an array param",
    ),
    pytest.param(
        [OBJECT_PARAM],
        [ref("bar", "bar-task", params=[string("a-param", "$(params.myObject.non-exist-key)")])],
        'non-existent variable in "$(params.myObject.non-exist-key)": [0].params[a-param]',
        id="undeclared object key in a string param",
    ),
    pytest.param(
        [OBJECT_PARAM, {"name": "myString", "type": "string"}],
        [
            ref(
                "bar",
                "bar-task",
                params=[
                    {
                        "name": "an-object-param",
                        "value": {
                            "url": "$(params.myObject.non-exist-key)",
                            "commit": "$(params.myString)",
                        },
                    }
                ],
            )
        ],
        'non-existent variable in "$(params.myObject.non-exist-key)": '
        "[0].params[an-object-param].properties[url]",
        id="undeclared object key in an object param",
    ),
    pytest.param(
        [OBJECT_PARAM],
        [
            ref(
                "foo-task",
                "foo-task",
                matrix={
                    "params": [
                        arr("a-param", "$(params.myObject.key1)"),
                        arr("b-param", "$(params.myObject.non-exist-key)"),
                    ]
                },
            )
        ],
        'non-existent variable in "$(params.myObject.non-exist-key)": '
        "[0].matrix.params[b-param].value[0]",
        id="undeclared object key in matrix params",
    ),
    pytest.param(
        [{"name": "arr", "type": "array"}],
        [ref("t", params=[arr("p", "x-$(params.arr)")])],
        'variable is not properly isolated in "x-$(params.arr)": [0].params[p].value[0]',
        id="whole array not isolated in an array item",
    ),
    pytest.param(
        [OBJECT_PARAM],
        [ref("t", params=[string("p", "x-$(params.myObject)")])],
        'variable type invalid in "x-$(params.myObject)": [0].params[p]',
        id="whole object inside a string",
    ),
    pytest.param(
        [],
        [ref("t", params=[string("p", "$(params.nope[*])")])],
        'non-existent variable in "$(params.nope[*])": [0].params[p]',
        id="isolated whole reference to an undeclared param",
    ),
]


@pytest.mark.parametrize(("params", "pts", "want"), USAGE_FAILURES)
def test_parameter_usage_failure(params: list[Obj], pts: list[Obj], want: str) -> None:
    specs = pspec({"params": params}).params or [] if params else []
    assert validate_pipeline_task_parameter_usage(tasks(*pts), specs).render() == want


PARAM_VARIABLE_FAILURES = [
    pytest.param(
        [{"name": "param1", "type": "array", "enum": ["v1", "v2"]}],
        [ref("foo", "foo-task")],
        {"enable-param-enum": "true"},
        "enum can only be set with string type param: params[param1]",
        id="param enum with array type",
    ),
    pytest.param(
        [{"name": "param1", "type": "object", "enum": ["v1", "v2"]}],
        [ref("foo", "foo-task")],
        {"enable-param-enum": "true"},
        "enum can only be set with string type param: params[param1]",
        id="param enum with object type",
    ),
    pytest.param(
        [{"name": "param1", "type": "string", "enum": ["v1", "v1", "v2"]}],
        [],
        {"enable-param-enum": "true"},
        "parameter enum value v1 appears more than once: params[param1]",
        id="param enum with duplicate values",
    ),
    pytest.param(
        [{"name": "param1", "type": "string", "enum": ["v1", "v2"], "default": "v3"}],
        [],
        {"enable-param-enum": "true"},
        "param default value v3 not in the enum list: params[param1]",
        id="param enum default not in the enum",
    ),
    pytest.param(
        [{"name": "param1", "type": "string", "enum": ["v1", "v2"]}],
        [],
        {},
        "feature flag `enable-param-enum` should be set to true to use Enum: params[param1]",
        id="param enum with feature flag disabled",
    ),
    pytest.param(
        [{"name": "foo", "type": "invalidtype"}],
        [ref("foo", "foo-task")],
        {},
        "invalid value: invalidtype: params.foo.type",
        id="invalid parameter type",
    ),
    pytest.param(
        [{"name": "foo", "type": "array", "default": "astring"}],
        [ref("foo", "foo-task")],
        {},
        '"array" type does not match default value\'s type: "string": params.foo.default.type, '
        "params.foo.type",
        id="array parameter mismatching default type",
    ),
    pytest.param(
        [{"name": "foo", "type": "string", "default": ["anarray", "elements"]}],
        [ref("foo", "foo-task")],
        {},
        '"string" type does not match default value\'s type: "array": params.foo.default.type, '
        "params.foo.type",
        id="string parameter mismatching default type",
    ),
    pytest.param(
        [{"name": "baz", "type": "string", "default": ["anarray", "elements"]}],
        [ref("bar", "bar-task", params=[arr("a-param", "value: $(params.baz)", "last")])],
        {},
        '"string" type does not match default value\'s type: "array": params.baz.default.type, '
        "params.baz.type",
        id="array parameter string template not isolated",
    ),
    pytest.param(
        [
            {
                "name": "obj",
                "type": "object",
                "properties": {"a": {"type": "array"}, "b": {"type": "number"}},
            }
        ],
        [],
        {},
        "The value type specified for these keys [a b] is invalid: params.obj.properties",
        id="object properties must be strings",
    ),
    pytest.param(
        [{"name": "baz", "type": "string"}, {"name": "baz", "type": "string"}],
        [ref("foo", "foo-task")],
        {},
        "parameter appears more than once: params[baz]",
        id="multiple string parameters with the same name",
    ),
    pytest.param(
        [{"name": "baz", "type": "array"}, {"name": "baz", "type": "string"}],
        [ref("foo", "foo-task")],
        {},
        "parameter appears more than once: params[baz]",
        id="multiple different type parameters with the same name",
    ),
    pytest.param(
        [],
        [
            ref(
                "foo-task",
                "foo-task",
                params=[
                    string("duplicate-param", "val1"),
                    string("duplicate-param", "val2"),
                    string("duplicate-param", "val3"),
                ],
            )
        ],
        {},
        'parameter names must be unique, the parameter "duplicate-param" is also defined at: '
        "[0].params[1].name, [0].params[2].name",
        id="task uses duplicate parameters",
    ),
]


@pytest.mark.parametrize(("params", "pts", "flags", "want"), PARAM_VARIABLE_FAILURES)
def test_parameter_variables_failure(
    params: list[Obj], pts: list[Obj], flags: dict[str, str], want: str
) -> None:
    specs = pspec({"params": params}).params or []
    context = ValidationContext(Config(features=FeatureFlags.from_map(flags)))
    assert validate_pipeline_parameter_variables(tasks(*pts), specs, context).render() == want


# -- workspaces -----------------------------------------------------------------------------------


def workspaces(*names: str) -> list[PipelineWorkspaceDeclaration]:
    return [PipelineWorkspaceDeclaration(name=name) for name in names]


def test_workspaces_declarations_success() -> None:
    assert not validate_pipeline_workspaces_declarations(workspaces("foo", "bar"))


@pytest.mark.parametrize(
    ("names", "want"),
    [
        (
            ("foo", "foo"),
            'invalid value: workspace with name "foo" appears more than once: workspaces[1]',
        ),
        (("",), "invalid value: workspace 0 has empty name: workspaces[0]"),
    ],
)
def test_workspaces_declarations_failure(names: tuple[str, ...], want: str) -> None:
    assert validate_pipeline_workspaces_declarations(workspaces(*names)).render() == want


@pytest.mark.parametrize(
    ("declared", "task", "want"),
    [
        pytest.param(
            ("foo", "bar"),
            {"name": "foo", "taskRef": {"name": "foo"}},
            "",
            id="unused declarations",
        ),
        pytest.param(
            ("pipelineWorkspaceName",),
            {
                "name": "foo",
                "taskRef": {"name": "foo"},
                "workspaces": [{"name": "pipelineWorkspaceName"}],
            },
            "",
            id="binding name equals the pipeline workspace",
        ),
        pytest.param(
            ("foo",),
            {
                "name": "foo",
                "taskRef": {"name": "foo"},
                "workspaces": [{"name": "taskWorkspaceName", "workspace": "pipelineWorkspaceName"}],
            },
            'invalid value: pipeline task "foo" expects workspace with name '
            '"pipelineWorkspaceName" but none exists in pipeline spec: tasks[0].workspaces[0]',
            id="binding to a non-existent pipeline workspace",
        ),
        pytest.param(
            ("pipelineWorkspaceName",),
            {
                "name": "foo",
                "taskRef": {"name": "foo"},
                "workspaces": [{"name": "taskWorkspaceName"}],
            },
            'invalid value: pipeline task "foo" expects workspace with name "taskWorkspaceName" '
            "but none exists in pipeline spec: tasks[0].workspaces[0]",
            id="binding defaults to its own name",
        ),
        pytest.param(
            ("foo",),
            {
                "name": "foo",
                "taskRef": {"name": "foo"},
                "workspaces": [
                    {"name": "repo", "workspace": "foo"},
                    {"name": "repo", "workspace": "foo"},
                ],
            },
            'workspace name "repo" must be unique: tasks[0].workspaces[1]',
            id="duplicate binding name",
        ),
    ],
)
def test_workspaces_usage(declared: tuple[str, ...], task: Obj, want: str) -> None:
    got = validate_pipeline_tasks_workspaces_usage(workspaces(*declared), tasks(task)).via_field(
        "tasks"
    )
    assert got.render() == want


# -- finally ---------------------------------------------------------------------------------------


def test_tasks_and_finally_section() -> None:
    assert not validate_tasks_and_finally_section(
        pspec({"tasks": [ref("a")], "finally": [ref("b")]})
    )
    assert not validate_tasks_and_finally_section(pspec({"tasks": [ref("a")]}))
    got = validate_tasks_and_finally_section(pspec({"finally": [ref("final-task", "foo")]}))
    assert (
        got.render() == "invalid value: spec.tasks is empty but spec.finally has 1 tasks: finally"
    )


@pytest.mark.parametrize(
    ("finally_", "want"),
    [
        pytest.param(
            [ref("final-task", runAfter=["non-final-task"])],
            "invalid value: no runAfter allowed under spec.finally, final task final-task has "
            "runAfter specified: finally[0]",
            id="runAfter",
        ),
        pytest.param(
            [
                ref("final-task-1"),
                ref(
                    "final-task-2",
                    params=[string("param1", "$(tasks.final-task-1.results.output)")],
                ),
            ],
            "invalid value: invalid task result reference, final task has task result reference "
            "from a final task final-task-1: finally[1].params[param1].value",
            id="param referencing a final task result",
        ),
        pytest.param(
            [
                ref("final-task-1"),
                ref(
                    "final-task-2",
                    when=[
                        {
                            "input": "$(tasks.final-task-1.results.output)",
                            "operator": "in",
                            "values": ["result"],
                        }
                    ],
                ),
            ],
            "invalid value: invalid task result reference, final task has task result reference "
            "from a final task final-task-1: finally[1].when[0]",
            id="when expression referencing a final task result",
        ),
        pytest.param(
            [ref("final-task", params=[string("param1", "$(tasks.no-dag-task-1.results.output)")])],
            "invalid value: invalid task result reference, final task has task result reference "
            "from a task no-dag-task-1 which is not defined in the pipeline: "
            "finally[0].params[param1].value",
            id="param referencing a missing dag task",
        ),
        pytest.param(
            [ref("final-task", params=[string("param1", "$(finally.final-task.results.output)")])],
            "invalid value: invalid task result reference, final task has task result reference "
            "from a final task final-task: finally[0].params[param1].value",
            id="finally.x.results reference from a final task",
        ),
    ],
)
def test_validate_final_tasks(finally_: list[Obj], want: str) -> None:
    assert validate_final_tasks([], tasks(*finally_)).render() == want


# -- context variables -----------------------------------------------------------------------------

CONTEXT_VALID = [
    ("context.pipeline.name", "context.pipeline.name"),
    ("context.pipelineRun.name", "context.pipelineRun.name"),
    ("context.pipelineRun.namespace", "context.pipelineRun.namespace"),
    ("context.pipelineRun.uid", "context.pipelineRun.uid"),
    ("context.pipelineTask.retries", "context.pipelineTask.retries"),
]


@pytest.mark.parametrize(("param", "matrix"), CONTEXT_VALID)
def test_context_variables_valid(param: str, matrix: str) -> None:
    pts = tasks(
        ref(
            "bar",
            "bar-task",
            params=[
                string("a-param", f"$({param})"),
                arr("arr", f"$({param})", "and", "$(context.pipeline.name)"),
            ],
            matrix={
                "params": [arr("a-param-mat", f"$({matrix})")],
                "include": [{"name": "build-1", "params": [string("inc", f"$({matrix})")]}],
            },
        )
    )
    assert not validate_pipeline_context_variables(pts)


@pytest.mark.parametrize(
    ("kind", "in_include"),
    [
        ("pipeline", False),
        ("pipelineRun", False),
        ("pipelineTask", False),
        ("pipeline", True),
        ("pipelineRun", True),
        ("pipelineTask", True),
    ],
)
def test_context_variables_invalid(kind: str, in_include: bool) -> None:
    if in_include:
        matrix: Obj = {
            "include": [
                {"name": "build-1", "params": [string("a-param-foo", f"$(context.{kind}.missing)")]}
            ]
        }
        pts = tasks(ref("bar", "bar-task", matrix=matrix))
        want = f'non-existent variable in "$(context.{kind}.missing)": value'
    else:
        pts = tasks(
            ref(
                "bar",
                "bar-task",
                params=[string("a-param", f"$(context.{kind}.missing)")],
                matrix={"params": [arr("a-param-foo", f"$(context.{kind}.missing-foo)")]},
            )
        )
        want = (
            f'non-existent variable in "$(context.{kind}.missing)": value\n'
            f'non-existent variable in "$(context.{kind}.missing-foo)": value'
        )
    assert validate_pipeline_context_variables(pts).render() == want


def test_context_variables_invalid_arrays() -> None:
    pts = tasks(
        ref(
            "bar",
            "bar-task",
            params=[
                arr(
                    "a-param",
                    "$(context.pipeline.missing)",
                    "$(context.pipelineTask.missing)",
                    "$(context.pipelineRun.missing)",
                )
            ],
            matrix={
                "params": [
                    arr(
                        "a-param",
                        "$(context.pipeline.missing-foo)",
                        "$(context.pipelineTask.missing-foo)",
                        "$(context.pipelineRun.missing-foo)",
                    )
                ]
            },
        )
    )
    assert validate_pipeline_context_variables(pts).render() == "\n".join(
        f'non-existent variable in "$(context.{kind}.{name})": value'
        for kind in ("pipeline", "pipelineRun", "pipelineTask")
        for name in ("missing", "missing-foo")
    )


def test_context_variables_only_last_task_checked() -> None:
    # Tekton overwrites its list of values for every task: only the last one counts.
    pts = tasks(
        ref("a", params=[string("p", "$(context.pipeline.missing)")]),
        ref("b", params=[string("p", "$(context.pipeline.name)")]),
    )
    assert not validate_pipeline_context_variables(pts)


# -- execution status ------------------------------------------------------------------------------

EXECUTION_STATUS_CASES = [
    pytest.param(
        [{"name": "foo"}],
        [
            ref(
                "bar",
                "bar-task",
                params=[
                    string("foo-status", "$(tasks.foo.status)"),
                    string("foo-reason", "$(tasks.foo.reason)"),
                    string("tasks-status", "$(tasks.status)"),
                ],
                when=[
                    {"input": "$(tasks.foo.status)", "operator": "in", "values": ["Failure"]},
                    {"input": "$(tasks.foo.reason)", "operator": "in", "values": ["Failed"]},
                    {"input": "$(tasks.status)", "operator": "in", "values": ["Success"]},
                ],
            )
        ],
        "",
        id="finally accessing pipelineTask status",
    ),
    pytest.param(
        [
            ref(
                "bar",
                "bar-task",
                params=[string("foo-status", "$(tasks.foo.results.status)")],
                when=[
                    {
                        "input": "$(tasks.foo.results.status)",
                        "operator": "in",
                        "values": ["Failure"],
                    }
                ],
            )
        ],
        [],
        "",
        id="result named status is not an execution status",
    ),
    pytest.param(
        [{"name": "foo"}],
        [
            ref(
                "bar",
                "bar-task",
                params=[string("foo-status", "Execution status of foo is $(tasks.foo.status).")],
            )
        ],
        "",
        id="finally: concatenated with extra string",
    ),
    pytest.param(
        [{"name": "foo"}],
        [
            ref(
                "bar",
                "bar-task",
                params=[
                    string(
                        "foo-status",
                        "Execution status of $(tasks.taskname) is $(tasks.foo.status).",
                    )
                ],
            )
        ],
        "",
        id="finally: concatenated with other param",
    ),
    pytest.param(
        [
            ref(
                "foo",
                "foo-task",
                params=[string("bar-status", "$(tasks.bar.status)")],
                when=[{"input": "$(tasks.bar.status)", "operator": "in", "values": ["foo"]}],
            )
        ],
        [],
        "invalid value: pipeline tasks can not refer to execution status of any other pipeline "
        "task or aggregate status of tasks: tasks[0].params[bar-status].value, tasks[0].when[0]",
        id="dag task accessing pipelineTask status",
    ),
    pytest.param(
        [ref("foo", "foo-task", params=[string("tasks-status", "$(tasks.status)")])],
        [],
        "invalid value: pipeline tasks can not refer to execution status of any other pipeline "
        "task or aggregate status of tasks: tasks[0].params[tasks-status].value",
        id="dag task accessing aggregate status",
    ),
    pytest.param(
        [
            ref(
                "foo",
                "foo-task",
                params=[string("bar-status", "Execution status of bar is $(tasks.bar.status)")],
            )
        ],
        [],
        "invalid value: pipeline tasks can not refer to execution status of any other pipeline "
        "task or aggregate status of tasks: tasks[0].params[bar-status].value",
        id="dag task: concatenated with extra string",
    ),
    pytest.param(
        [ref("foo", "foo-task", params=[arr("bar-status", "$(tasks.bar.status)")])],
        [],
        "invalid value: pipeline tasks can not refer to execution status of any other pipeline "
        "task or aggregate status of tasks: tasks[0].params[bar-status].value",
        id="dag task: array param",
    ),
    pytest.param(
        [
            ref("foo", "foo-task", params=[arr("tasks-status", "$(tasks.status)")]),
            ref("bar", "foo-task"),
        ],
        [],
        "invalid value: pipeline tasks can not refer to execution status of any other pipeline "
        "task or aggregate status of tasks: tasks[0].params[tasks-status].value",
        id="multiple dag tasks, aggregate status in array",
    ),
    pytest.param(
        [],
        [ref("bar", "bar-task", params=[string("notask-status", "$(tasks.notask.status)")])],
        "invalid value: pipeline task notask is not defined in the pipeline: "
        "finally[0].params[notask-status].value",
        id="finally: missing pipelineTask status",
    ),
    pytest.param(
        [],
        [
            ref(
                "foo",
                "foo-task",
                when=[{"input": "$(tasks.notask.status)", "operator": "in", "values": ["Success"]}],
            )
        ],
        "invalid value: pipeline task notask is not defined in the pipeline: finally[0].when[0]",
        id="finally: missing pipelineTask status in when",
    ),
    pytest.param(
        [],
        [
            ref("bar", "bar-task", params=[string("notask-status", "$(tasks.notask.status)")]),
            ref(
                "foo",
                "foo-task",
                when=[{"input": "$(tasks.notask.status)", "operator": "in", "values": ["Success"]}],
            ),
        ],
        "invalid value: pipeline task notask is not defined in the pipeline: "
        "finally[0].params[notask-status].value, finally[1].when[0]",
        id="finally: missing pipelineTask status in params and when",
    ),
    pytest.param(
        [],
        [
            ref(
                "bar",
                "bar-task",
                params=[
                    string(
                        "notask-status",
                        "Execution status of $(tasks.taskname) is $(tasks.notask.status).",
                    )
                ],
            )
        ],
        "invalid value: pipeline task notask is not defined in the pipeline: "
        "finally[0].params[notask-status].value",
        id="finally: concatenated with other params",
    ),
    pytest.param(
        [],
        [ref("bar", "bar-task", params=[string("r", "$(tasks.notask.reason)")])],
        "invalid value: pipeline task notask is not defined in the pipeline: "
        "finally[0].params[r].value",
        id="finally: missing pipelineTask reason",
    ),
]


@pytest.mark.parametrize(("dag", "finally_", "want"), EXECUTION_STATUS_CASES)
def test_execution_status_variables(dag: list[Obj], finally_: list[Obj], want: str) -> None:
    assert validate_execution_status_variables(tasks(*dag), tasks(*finally_)).render() == want


# -- pipelines in pipelines ------------------------------------------------------------


def test_pipeline_ref_results_not_referenced() -> None:
    pts = tasks(
        {"name": "child", "pipelineRef": {"name": "child-pipeline"}},
        ref("consumer", "echo", params=[string("msg", "hello")]),
    )
    assert not validate_pipeline_ref_result_references_disallowed(pts, [])


PINP_MESSAGE = (
    'invalid value: result reference to pipelineTask "child" is not supported: referenced task '
    "uses pipelineRef or pipelineSpec and result propagation from child Pipelines is not yet "
    "implemented: "
)


@pytest.mark.parametrize(
    ("dag", "finally_", "want"),
    [
        pytest.param(
            [
                {"name": "child", "pipelineRef": {"name": "child-pipeline"}},
                ref("consumer", "echo", params=[string("msg", "$(tasks.child.results.out)")]),
            ],
            [],
            PINP_MESSAGE + "tasks[1]",
            id="task params reference a pipelineRef task result",
        ),
        pytest.param(
            [
                {"name": "child", "pipelineSpec": {}},
                ref(
                    "consumer",
                    "echo",
                    when=[
                        {"input": "$(tasks.child.results.out)", "operator": "in", "values": ["go"]}
                    ],
                ),
            ],
            [],
            PINP_MESSAGE + "tasks[1]",
            id="when expression references a pipelineSpec task result",
        ),
        pytest.param(
            [{"name": "child", "pipelineRef": {"name": "child-pipeline"}}],
            [ref("notify", "notify", params=[string("msg", "$(tasks.child.results.out)")])],
            PINP_MESSAGE + "finally[0]",
            id="finally task references a pipelineRef task result",
        ),
    ],
)
def test_pipeline_ref_result_references_disallowed(
    dag: list[Obj], finally_: list[Obj], want: str
) -> None:
    assert (
        validate_pipeline_ref_result_references_disallowed(tasks(*dag), tasks(*finally_)).render()
        == want
    )


# -- array indexing references ------------------------------------------------------------

INDEXING_CASES = [
    pytest.param(
        {
            "tasks": [
                {
                    "params": [
                        string("first-task-first-param", "$(params.first-param[1])"),
                        string("first-task-second-param", "$(params.second-param[0])"),
                        string("first-task-third-param", "static value"),
                    ]
                }
            ]
        },
        {"$(params.first-param[1])", "$(params.second-param[0])"},
        id="task params",
    ),
    pytest.param(
        {
            "tasks": [
                {
                    "when": [
                        {
                            "input": "$(params.first-param[1])",
                            "operator": "in",
                            "values": ["$(params.second-param[0])"],
                        }
                    ]
                }
            ]
        },
        {"$(params.first-param[1])", "$(params.second-param[0])"},
        id="when expression",
    ),
    pytest.param(
        {
            "tasks": [
                {
                    "params": [
                        string("a", "$(input.workspace.$(params.first-param[0]))"),
                        string("b", "$(input.workspace.$(params.second-param[1]))"),
                    ]
                }
            ]
        },
        {"$(params.first-param[0])", "$(params.second-param[1])"},
        id="nested references",
    ),
    pytest.param(
        {
            "tasks": [
                {
                    "params": [
                        arr("a", "firstelement", "$(params.first-param)"),
                        arr("b", "firstelement", "$(params.second-param[0])"),
                    ]
                }
            ]
        },
        {"$(params.second-param[0])"},
        id="array parameter",
    ),
    pytest.param(
        {
            "finally": [
                {
                    "params": [
                        string("a", "$(params.first-param[0])"),
                        string("b", "$(params.second-param[1])"),
                    ]
                }
            ]
        },
        {"$(params.first-param[0])", "$(params.second-param[1])"},
        id="finally params",
    ),
    pytest.param(
        {
            "finally": [
                {
                    "when": [
                        {
                            "input": "$(params.first-param[0])",
                            "operator": "in",
                            "values": ["$(params.second-param[1])"],
                        }
                    ]
                }
            ]
        },
        {"$(params.first-param[0])", "$(params.second-param[1])"},
        id="finally when expressions",
    ),
    pytest.param(
        {
            "tasks": [
                {
                    "params": [
                        string("a", '$(params["first.param"][0])'),
                        string("b", '$(params["second.param"][0])'),
                        string("c", "$(params['third.param'][1])"),
                        string("d", "$(params['fourth/param'][1])"),
                        string("e", "static value"),
                    ]
                }
            ]
        },
        {
            '$(params["first.param"][0])',
            '$(params["second.param"][0])',
            "$(params['third.param'][1])",
            "$(params['fourth/param'][1])",
        },
        id="bracket notation and special characters",
    ),
    pytest.param(
        {
            "tasks": [
                {
                    "params": [
                        string("a", "$(params.first-param[0])"),
                        string("b", "static value"),
                    ],
                    "workspaces": [
                        {
                            "name": "first-workspace",
                            "workspace": "first-workspace",
                            "subPath": "$(params.second-param[1])",
                        }
                    ],
                }
            ]
        },
        {"$(params.first-param[0])", "$(params.second-param[1])"},
        id="workspace subPath",
    ),
]


@pytest.mark.parametrize(("spec", "want"), INDEXING_CASES)
def test_indexing_references_to_array_params(spec: Obj, want: set[str]) -> None:
    assert get_indexing_references_to_array_params(pspec(spec)) == want


def test_validate_pipeline_speed() -> None:
    """A pipeline with many tasks validates quickly (no quadratic walks)."""
    import time

    many = [
        ref(
            f"t{i}",
            params=[
                string("p", f"$(params.x) $(tasks.t{i - 1}.results.r)" if i else "$(params.x)")
            ],
            when=[{"input": "$(params.x)", "operator": "in", "values": ["a"]}],
        )
        for i in range(300)
    ]
    p = pipeline({"params": [{"name": "x", "type": "string"}], "tasks": many})
    start = time.perf_counter()
    assert validate_pipeline(p, BETA).render() == ""
    assert time.perf_counter() - start < 1.0
