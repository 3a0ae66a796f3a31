"""Golden tests of Task / TaskSpec / Step / Sidecar / result validation.

Cases are lifted from Tekton's ``task_validation_test.go``, ``container_validation_test.go``
and ``result_validation_test.go`` (``pkg/apis/pipeline/v1``): same inputs, same rendered
message and paths. Cases marked "Tekton quirk" pin down behaviour of Tekton's code that
its own tests do not cover.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, FeatureFlags
from tektite.api.defaults.task import default_param_specs, default_task, default_task_spec
from tektite.api.models import (
    ParamSpec,
    Sidecar,
    Step,
    StepActionRef,
    StepResult,
    Task,
    TaskResult,
    TaskSpec,
)
from tektite.api.validation import validate
from tektite.api.validation.container import validate_sidecar, validate_step
from tektite.api.validation.context import ValidationContext
from tektite.api.validation.params import (
    validate_parameter_variables,
    validate_usage_of_declared_parameters,
)
from tektite.api.validation.refs import validate_step_action_ref
from tektite.api.validation.results import validate_step_result, validate_task_result
from tektite.api.validation.task import validate_task, validate_task_spec

VALID_STEPS = [{"name": "mystep", "image": "myimage"}]
NAME_DETAILS = (
    "Name must consist of alphanumeric characters, '-', '_', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my-name',  or 'my_name', regex used for "
    "validation is '^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$')"
)
STEP_NAME_DETAILS = (
    "Task step name must be a valid DNS Label, For more info refer to "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names"
)
STRING_NAMES_DETAILS = (
    "String/Array Names: \nMust only contain alphanumeric characters, hyphens (-), "
    "underscores (_), and dots (.)\nMust begin with a letter or an underscore (_)"
)
OBJECT_NAMES_DETAILS = (
    "Object Names: \nMust only contain alphanumeric characters, hyphens (-), underscores (_) "
    "\nMust begin with a letter or an underscore (_)"
)
STEP_RESULT_PLACEMENT = (
    "stepResult substitutions are only allowed in env, command and args. Found usage in"
)
STEP_ARTIFACT_PLACEMENT = (
    "stepArtifact substitutions are only allowed in env, command, args and script. Found usage in"
)
ARTIFACTS_FLAG = "feature flag enable-artifacts should be set to true to use artifacts feature."
GITREPO = {"name": "gitrepo", "type": "object", "properties": {"url": {}, "commit": {}}}
TWO_ARRAYS = [{"name": "baz", "type": "array"}, {"name": "foo-is-baz", "type": "array"}]
TWO_INFERRED_ARRAYS = [
    {"name": "baz", "default": ["implied", "array", "type"]},
    {"name": "foo-is-baz", "default": ["implied", "array", "type"]},
]


def ctx(api_fields: str = "beta", **flags: Any) -> ValidationContext:
    """A context with ``enable-api-fields`` and other feature flags set."""
    return ValidationContext(
        config=Config(features=FeatureFlags(enable_api_fields=api_fields, **flags))
    )


ALPHA = ctx("alpha")


def spec_of(fields: dict[str, Any]) -> TaskSpec:
    spec = msgspec.convert(fields, TaskSpec)
    default_task_spec(spec, Config())
    return spec


def task_of(fields: dict[str, Any], name: str = "foo") -> Task:
    task = msgspec.convert({"metadata": {"name": name}, "spec": fields}, Task)
    default_task(task, Config())
    return task


# -- TaskSpec: valid ---------------------------------------------------------------------

VALID_SPECS: list[tuple[str, dict[str, Any]]] = [
    (
        "valid params type implied",
        {
            "params": [{"name": "task", "description": "param", "default": "default"}],
            "steps": VALID_STEPS,
        },
    ),
    (
        "valid params type explicit",
        {
            "params": [
                {"name": "task", "type": "string", "description": "param", "default": "default"},
                {
                    "name": "myobj",
                    "type": "object",
                    "properties": {"key1": {}, "key2": {}},
                    "default": {"key1": "var1", "key2": "var2"},
                },
                {"name": "myobjWithoutDefault", "type": "object", "properties": {"key1": {}}},
                {
                    "name": "myobjWithDefaultPartialKeys",
                    "type": "object",
                    "properties": {"key1": {}, "key2": {}},
                    "default": {"key1": "default"},
                },
            ],
            "steps": VALID_STEPS,
        },
    ),
    (
        "valid template variable",
        {
            "params": [{"name": "baz"}, {"name": "foo-is-baz"}],
            "steps": [
                {
                    "name": "mystep",
                    "image": "url",
                    "args": ["--flag=$(params.baz) && $(params.foo-is-baz)"],
                    "workingDir": "/foo/bar/src/",
                }
            ],
        },
    ),
    (
        "valid array template variable",
        {
            "params": TWO_ARRAYS,
            "steps": [
                {
                    "name": "mystep",
                    "image": "myimage",
                    "command": ["$(params.foo-is-baz)"],
                    "args": ["$(params.baz)", "middle string", "$(params.foo-is-baz)"],
                    "workingDir": "/foo/bar/src/",
                }
            ],
        },
    ),
    (
        "valid object template variable",
        {
            "params": [GITREPO],
            "steps": [
                {
                    "name": "do-the-clone",
                    "image": "some-git-image",
                    "args": ["-url=$(params.gitrepo.url)", "-commit=$(params.gitrepo.commit)"],
                    "workingDir": "/foo/bar/src/",
                }
            ],
        },
    ),
    (
        "valid star array template variable",
        {
            "params": TWO_ARRAYS,
            "steps": [
                {
                    "name": "mystep",
                    "image": "myimage",
                    "command": ["$(params.foo-is-baz)"],
                    "args": ["$(params.baz[*])", "middle string", "$(params.foo-is-baz[*])"],
                    "workingDir": "/foo/bar/src/",
                }
            ],
        },
    ),
    (
        "valid results path variable in script",
        {
            "steps": [
                {
                    "name": "step-name",
                    "image": "my-image",
                    "script": "\n#!/usr/bin/env bash\ndate | tee $(results.a-result.path)",
                }
            ],
            "results": [{"name": "a-result"}],
        },
    ),
    (
        "valid path variable for legacy credential helper (aka creds-init)",
        {"steps": [{"name": "mystep", "image": "echo", "args": ["$(credentials.path)"]}]},
    ),
    (
        "step template included in validation",
        {
            "steps": [{"name": "astep", "command": ["echo"], "args": ["hello"]}],
            "stepTemplate": {"image": "some-image"},
        },
    ),
    (
        "step template included in validation with stepaction",
        {
            "steps": [{"name": "astep", "ref": {"name": "stepAction"}}],
            "stepTemplate": {
                "image": "some-image",
                "securityContext": {"runAsNonRoot": True},
                "volumeMounts": [{"name": "data", "mountPath": "/workspace/data"}],
                "env": [
                    {"name": "KEEP_THIS", "value": "A_VALUE"},
                    {
                        "name": "SOME_KEY_1",
                        "valueFrom": {"secretKeyRef": {"key": "A_KEY", "name": "A_NAME"}},
                    },
                    {"name": "SOME_KEY_2", "value": "VALUE_2"},
                ],
            },
        },
    ),
    (
        "valid step with parameterized script",
        {
            "params": [{"name": "baz"}, {"name": "foo-is-baz"}],
            "steps": [
                {"image": "my-image", "script": "\n#!/usr/bin/env bash\nhello $(params.baz)"}
            ],
        },
    ),
    (
        "valid workspace",
        {
            "steps": [{"image": "my-image", "args": ["arg"]}],
            "workspaces": [
                {
                    "name": "foo-workspace",
                    "description": "my great workspace",
                    "mountPath": "some/path",
                }
            ],
        },
    ),
    (
        "valid step with displayName",
        {
            "steps": [
                {"image": "my-image", "displayName": "Step with DisplayName", "args": ["arg"]}
            ],
            "results": [{"name": "MY-RESULT", "description": "my great result"}],
        },
    ),
    (
        "valid result",
        {
            "steps": [{"image": "my-image", "args": ["arg"]}],
            "results": [{"name": "MY-RESULT", "description": "my great result"}],
        },
    ),
    (
        "valid result type string",
        {
            "steps": [{"image": "my-image", "args": ["arg"]}],
            "results": [{"name": "MY-RESULT", "type": "string"}],
        },
    ),
    (
        "valid result type array",
        {
            "steps": [{"image": "my-image", "args": ["arg"]}],
            "results": [{"name": "MY-RESULT", "type": "array"}],
        },
    ),
    (
        "valid result type object",
        {
            "steps": [{"image": "my-image", "args": ["arg"]}],
            "results": [
                {
                    "name": "MY-RESULT",
                    "type": "object",
                    "properties": {"url": {"type": "string"}, "commit": {"type": "string"}},
                }
            ],
        },
    ),
    (
        "the spec of object type parameter misses the definition of properties",
        {
            "params": [{"name": "task", "type": "object", "description": "param"}],
            "steps": VALID_STEPS,
        },
    ),
    *[
        (
            f"valid context {variable}",
            {
                "steps": [
                    {
                        "image": "my-image",
                        "args": ["arg"],
                        "script": f'\n#!/usr/bin/env  bash\nhello "$({variable})"',
                    }
                ]
            },
        )
        for variable in (
            "context.task.name",
            "context.task.retry-count",
            "context.taskRun.name",
            "context.taskRun.uid",
            "context.taskRun.namespace",
        )
    ],
    (
        "valid step script with both step results and task results",
        {
            "steps": [
                {
                    "name": "collect-data",
                    "image": "my-image",
                    "script": (
                        '\n#!/usr/bin/env sh\necho -n "value" > $(step.results.stepResult.path)\n'
                        'echo -n "other" > $(results.taskResult.path)'
                    ),
                    "results": [{"name": "stepResult", "type": "string"}],
                }
            ],
            "results": [{"name": "taskResult", "type": "string"}],
        },
    ),
    (
        "valid step workspace usage",
        {
            "steps": [
                {
                    "image": "my-image",
                    "args": ["arg"],
                    "workspaces": [{"name": "foo-workspace", "mountPath": "/a/custom/mountpath"}],
                }
            ],
            "workspaces": [{"name": "foo-workspace", "mountPath": "some/path"}],
        },
    ),
]


@pytest.mark.parametrize(("fields"), [c[1] for c in VALID_SPECS], ids=[c[0] for c in VALID_SPECS])
def test_task_spec_valid(fields: dict[str, Any]) -> None:
    assert validate_task_spec(spec_of(fields), ALPHA).render() == ""


PROPAGATED_SPECS = [
    {"steps": [{"name": "p", "image": "my-image", "script": "\n$(params.message)"}]},
    {"steps": [{"name": "p", "image": "my-image", "script": "\n$(params.message.foo)"}]},
    {
        "steps": [
            {
                "name": "p",
                "image": "my-image",
                "command": ["$(params.command)"],
                "args": ["$(params.message)"],
            }
        ]
    },
    {
        "steps": [
            {
                "name": "p",
                "image": "my-image",
                "command": ["$(params.command.foo)"],
                "args": ["$(params.message.bar)"],
            }
        ]
    },
]


@pytest.mark.parametrize("fields", PROPAGATED_SPECS)
def test_task_spec_does_not_require_declared_params(fields: dict[str, Any]) -> None:
    spec_ctx = ctx("beta")
    assert validate_task_spec(spec_of(fields), spec_ctx.propagating()).render() == ""
    assert validate_task_spec(spec_of(fields), spec_ctx).render() == ""


@pytest.mark.parametrize(
    "steps",
    [
        [{"name": "mystep", "ref": {"name": "stepAction"}}],
        [{"ref": {"name": "stepAction"}, "params": [{"name": "param", "value": ""}]}],
    ],
)
def test_task_spec_with_stepaction_ref_valid(steps: list[dict[str, Any]]) -> None:
    assert validate_task_spec(spec_of({"steps": steps}), ctx()).render() == ""


def test_task_valid() -> None:
    task = task_of(
        {
            "steps": [
                {
                    "name": "my-step",
                    "displayName": "My Step",
                    "image": "my-image",
                    "script": "\n#!/usr/bin/env  bash\necho hello",
                }
            ]
        },
        name="task",
    )
    assert validate_task(task, ctx()).render() == ""
    assert validate(task).render() == ""


# -- Task: errors ------------------------------------------------------------------------

TASK_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    (
        "inexistent param variable",
        {
            "steps": [
                {"name": "mystep", "image": "myimage", "args": ["--flag=$(params.inexistent)"]}
            ]
        },
        'non-existent variable in "--flag=$(params.inexistent)": spec.steps[0].args[0]',
    ),
    (
        "object used in a string field",
        {
            "params": [GITREPO],
            "steps": [
                {
                    "name": "do-the-clone",
                    "image": "$(params.gitrepo)",
                    "args": ["echo"],
                    "workingDir": "/foo/bar/src/",
                }
            ],
        },
        'variable type invalid in "$(params.gitrepo)": spec.steps[0].image',
    ),
    (
        "object star used in a string field",
        {
            "params": [GITREPO],
            "steps": [{"name": "do-the-clone", "image": "$(params.gitrepo[*])", "args": ["echo"]}],
        },
        'variable type invalid in "$(params.gitrepo[*])": spec.steps[0].image',
    ),
    (
        "object used in a field that can accept array type",
        {
            "params": [GITREPO],
            "steps": [{"name": "do-the-clone", "image": "myimage", "args": ["$(params.gitrepo)"]}],
        },
        'variable type invalid in "$(params.gitrepo)": spec.steps[0].args[0]',
    ),
    (
        "object star used in a field that can accept array type",
        {
            "params": [GITREPO],
            "steps": [{"name": "do-the-clone", "image": "img", "args": ["$(params.gitrepo[*])"]}],
        },
        'variable type invalid in "$(params.gitrepo[*])": spec.steps[0].args[0]',
    ),
    (
        "non-existent individual key of an object param is used in task step",
        {
            "params": [GITREPO],
            "steps": [
                {
                    "name": "do-the-clone",
                    "image": "some-git-image",
                    "args": ["$(params.gitrepo.non-exist-key)"],
                }
            ],
        },
        'non-existent variable in "$(params.gitrepo.non-exist-key)": spec.steps[0].args[0]',
    ),
    (
        "Inexistent param variable in volumeMount with existing",
        {
            "params": [{"name": "foo", "description": "param", "default": "default"}],
            "steps": [
                {
                    "name": "mystep",
                    "image": "myimage",
                    "volumeMounts": [{"name": "$(params.inexistent)-foo", "mountPath": ""}],
                }
            ],
        },
        'non-existent variable in "$(params.inexistent)-foo": spec.steps[0].volumeMount[0].name',
    ),
    (
        "Inexistent param variable with existing",
        {
            "params": [{"name": "foo", "description": "param", "default": "default"}],
            "steps": [
                {
                    "name": "mystep",
                    "image": "myimage",
                    "args": ["$(params.foo) && $(params.inexistent)"],
                }
            ],
        },
        'non-existent variable in "$(params.foo) && $(params.inexistent)": spec.steps[0].args[0]',
    ),
    (
        "invalid onError usage - set to a parameter which does not exist in the task",
        {"steps": [{"onError": "$(params.CONTINUE)", "image": "image", "args": ["arg"]}]},
        'non-existent variable in "$(params.CONTINUE)": spec.steps[0].onError',
    ),
    (
        "Tekton quirk: params in the stepTemplate are checked in every merged step",
        {
            "stepTemplate": {"env": [{"name": "X", "value": "$(params.nope)"}]},
            "steps": [{"image": "a"}, {"image": "b"}],
        },
        'non-existent variable in "$(params.nope)": spec.steps[0].env[X], spec.steps[1].env[X]',
    ),
    (
        "invalid metadata name",
        {"steps": VALID_STEPS},
        'invalid resource name "Foo": must be a valid DNS label: metadata.name',
    ),
]


@pytest.mark.parametrize(
    ("fields", "want"), [c[1:] for c in TASK_ERRORS], ids=[c[0] for c in TASK_ERRORS]
)
def test_task_errors(fields: dict[str, Any], want: str) -> None:
    name = "Foo" if "metadata" in want else "foo"
    assert validate_task(task_of(fields, name), ALPHA).render() == want


# -- TaskSpec: errors ----------------------------------------------------------------------

SPEC_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("empty spec", {}, "missing field(s): steps"),
    (
        "no step",
        {"params": [{"name": "validparam", "type": "string", "default": "default"}]},
        "missing field(s): steps",
    ),
    (
        "invalid step (empty list)",
        {"params": [{"name": "validparam", "type": "string"}], "steps": []},
        "missing field(s): steps",
    ),
    (
        "step script refers to nonexistent result",
        {
            "steps": [
                {
                    "name": "step-name",
                    "image": "my-image",
                    "script": (
                        "\n\t\t\t\t#!/usr/bin/env bash\n\t\t\t\tdate | tee "
                        "$(results.non-exist.path)"
                    ),
                }
            ],
            "results": [{"name": "a-result"}],
        },
        'non-existent variable in "\\n\\t\\t\\t\\t#!/usr/bin/env bash\\n\\t\\t\\t\\tdate | tee '
        '$(results.non-exist.path)": steps[0].script',
    ),
    (
        "invalid param name format",
        {
            "params": [
                {"name": "_validparam1"},
                {"name": "valid_param2"},
                {"name": ""},
                {"name": "a^b"},
                {"name": "0ab"},
                {"name": "f oo"},
            ],
            "steps": VALID_STEPS,
        },
        "The format of following array and string variable names is invalid: [ 0ab a^b f oo]: "
        "params\n" + STRING_NAMES_DETAILS,
    ),
    (
        "invalid object param format - object param name and key name shouldn't contain dots.",
        {
            "params": [{"name": "invalid.name1", "properties": {"invalid.key1": {}, "mykey2": {}}}],
            "steps": VALID_STEPS,
        },
        "Object param name and key name format is invalid: map[invalid.name1:[invalid.key1]]: "
        "params\n" + OBJECT_NAMES_DETAILS,
    ),
    (
        "duplicated param names",
        {
            "params": [
                {"name": "foo", "type": "string", "default": "value1"},
                {"name": "foo", "type": "string", "default": "value2"},
            ],
            "steps": VALID_STEPS,
        },
        "parameter appears more than once: params[foo]",
    ),
    (
        "invalid param type",
        {
            "params": [
                {"name": "validparam", "type": "string", "default": "default"},
                {"name": "param-with-invalid-type", "type": "invalidtype", "default": "default"},
            ],
            "steps": VALID_STEPS,
        },
        "invalid value: invalidtype: params.param-with-invalid-type.type",
    ),
    (
        "param mismatching default/type 1",
        {"params": [{"name": "task", "type": "array", "default": "default"}], "steps": VALID_STEPS},
        '"array" type does not match default value\'s type: "string": params.task.default.type, '
        "params.task.type",
    ),
    (
        "param mismatching default/type 2",
        {
            "params": [{"name": "task", "type": "string", "default": ["default", "array"]}],
            "steps": VALID_STEPS,
        },
        '"string" type does not match default value\'s type: "array": params.task.default.type, '
        "params.task.type",
    ),
    (
        "param mismatching default/type 3",
        {
            "params": [{"name": "task", "type": "array", "default": {"key1": "var1"}}],
            "steps": VALID_STEPS,
        },
        '"array" type does not match default value\'s type: "object": params.task.default.type, '
        "params.task.type",
    ),
    (
        "param mismatching default/type 4",
        {
            "params": [
                {"name": "task", "type": "object", "properties": {"key1": {}}, "default": "var"}
            ],
            "steps": VALID_STEPS,
        },
        '"object" type does not match default value\'s type: "string": params.task.default.type, '
        "params.task.type",
    ),
    (
        "PropertySpec type is set with unsupported type",
        {
            "params": [
                {
                    "name": "task",
                    "type": "object",
                    "properties": {"key1": {"type": "number"}, "key2": {"type": "string"}},
                }
            ],
            "steps": VALID_STEPS,
        },
        "The value type specified for these keys [key1] is invalid: params.task.properties",
    ),
    (
        "duplicate step name",
        {"steps": [{"name": "mystep", "image": "myimage"}, {"name": "mystep", "image": "myimage"}]},
        "expected exactly one, got both: steps[1].name",
    ),
    (
        "array used in a string field",
        {
            "params": TWO_ARRAYS,
            "steps": [
                {
                    "name": "mystep",
                    "image": "$(params.baz)",
                    "command": ["$(params.foo-is-baz)"],
                    "args": ["$(params.baz)", "middle string", "url"],
                }
            ],
        },
        'variable type invalid in "$(params.baz)": steps[0].image',
    ),
    (
        "array star used in a string field",
        {
            "params": TWO_ARRAYS,
            "steps": [
                {
                    "name": "mystep",
                    "image": "$(params.baz[*])",
                    "command": ["$(params.foo-is-baz)"],
                    "args": ["$(params.baz)", "middle string", "url"],
                }
            ],
        },
        'variable type invalid in "$(params.baz[*])": steps[0].image',
    ),
    (
        "array star used illegally in script field",
        {
            "params": TWO_ARRAYS,
            "steps": [{"script": "$(params.baz[*])", "name": "mystep", "image": "my-image"}],
        },
        'variable type invalid in "$(params.baz[*])": steps[0].script',
    ),
    (
        "array param used in step env value field that can accept string type",
        {
            "params": [{"name": "baz", "type": "array"}],
            "steps": [
                {
                    "name": "mystep",
                    "image": "my-image",
                    "env": [{"name": "URL", "value": "$(params.baz)"}],
                }
            ],
        },
        'variable type invalid in "$(params.baz)": steps[0].env[URL]',
    ),
    *[
        (
            f"{label} not properly isolated",
            {
                "params": params,
                "steps": [
                    {
                        "name": "mystep",
                        "image": "someimage",
                        "command": ["$(params.foo-is-baz)"],
                        "args": [f"not isolated: $(params.baz{star})", "middle string", "url"],
                    }
                ],
            },
            f'variable is not properly isolated in "not isolated: $(params.baz{star})": '
            "steps[0].args[0]",
        )
        for label, params, star in (
            ("array", TWO_ARRAYS, ""),
            ("array star", TWO_ARRAYS, "[*]"),
            ("inferred array", TWO_INFERRED_ARRAYS, ""),
            ("inferred array star", TWO_INFERRED_ARRAYS, "[*]"),
        )
    ],
    (
        "Multiple volumes with same name",
        {"steps": VALID_STEPS, "volumes": [{"name": "workspace"}, {"name": "workspace"}]},
        'multiple volumes with same name "workspace": volumes[1].name',
    ),
    (
        "declared workspaces names are not unique",
        {
            "steps": VALID_STEPS,
            "workspaces": [
                {"name": "same-workspace", "mountPath": "/foo"},
                {"name": "same-workspace", "mountPath": "/bar"},
            ],
        },
        'workspace name "same-workspace" must be unique: workspaces[1].name',
    ),
    (
        "declared workspaces clash with each other",
        {
            "steps": VALID_STEPS,
            "workspaces": [
                {"name": "some-workspace", "mountPath": "/foo"},
                {"name": "another-workspace", "mountPath": "/foo"},
            ],
        },
        'workspace mount path "/foo" must be unique: workspaces[1].mountpath',
    ),
    (
        "workspace mount path already in volumeMounts",
        {
            "steps": [
                {
                    "image": "myimage",
                    "command": ["command"],
                    "volumeMounts": [{"name": "my-mount", "mountPath": "/foo"}],
                }
            ],
            "workspaces": [{"name": "some-workspace", "mountPath": "/foo"}],
        },
        'workspace mount path "/foo" must be unique: workspaces[0].mountpath',
    ),
    (
        "workspace default mount path already in volumeMounts",
        {
            "steps": [
                {
                    "image": "myimage",
                    "command": ["command"],
                    "volumeMounts": [
                        {"name": "my-mount", "mountPath": "/workspace/some-workspace/"}
                    ],
                }
            ],
            "workspaces": [{"name": "some-workspace"}],
        },
        'workspace mount path "/workspace/some-workspace" must be unique: workspaces[0].mountpath',
    ),
    (
        "workspace mount path already in stepTemplate",
        {
            "stepTemplate": {"volumeMounts": [{"name": "my-mount", "mountPath": "/foo"}]},
            "steps": VALID_STEPS,
            "workspaces": [{"name": "some-workspace", "mountPath": "/foo"}],
        },
        'workspace mount path "/foo" must be unique: workspaces[0].mountpath',
    ),
    (
        "workspace default mount path already in stepTemplate",
        {
            "stepTemplate": {
                "volumeMounts": [{"name": "my-mount", "mountPath": "/workspace/some-workspace"}]
            },
            "steps": VALID_STEPS,
            "workspaces": [{"name": "some-workspace"}],
        },
        'workspace mount path "/workspace/some-workspace" must be unique: workspaces[0].mountpath',
    ),
    (
        "result name not valid",
        {"steps": VALID_STEPS, "results": [{"name": "MY^RESULT"}]},
        'invalid key name "MY^RESULT": results[0].name\n' + NAME_DETAILS,
    ),
    (
        "result type not valid",
        {"steps": VALID_STEPS, "results": [{"name": "MY-RESULT", "type": "wrong"}]},
        "invalid value: wrong: results[0].type\ntype must be string",
    ),
    (
        "context not valid",
        {
            "steps": [
                {
                    "image": "my-image",
                    "args": ["arg"],
                    "script": (
                        '\n\t\t\t\t#!/usr/bin/env  bash\n\t\t\t\thello "$(context.task.missing)"'
                    ),
                }
            ]
        },
        'non-existent variable in "\\n\\t\\t\\t\\t#!/usr/bin/env  bash\\n\\t\\t\\t\\thello '
        '\\"$(context.task.missing)\\"": steps[0].script',
    ),
    (
        "taskRun context not valid",
        {"steps": [{"image": "my-image", "args": ["$(context.taskRun.missing)"]}]},
        'non-existent variable in "$(context.taskRun.missing)": steps[0].args[0]',
    ),
    (
        "step workspace that refers to non-existent workspace declaration fails",
        {"steps": [{"image": "foo", "workspaces": [{"name": "foo"}]}]},
        'undefined workspace "foo": steps[0].workspaces[0].name',
    ),
    (
        "sidecar workspace that refers to non-existent workspace declaration fails",
        {
            "steps": [{"image": "foo"}],
            "sidecars": [{"image": "foo", "workspaces": [{"name": "foo"}]}],
        },
        'undefined workspace "foo": sidecars[0].workspaces[0].name',
    ),
    (
        "Tekton quirk: sidecar errors carry no index",
        {"steps": VALID_STEPS, "sidecars": [{"name": "a", "image": "x"}, {"name": "b"}]},
        "missing field(s): sidecars.image",
    ),
    (
        "step errors are reported after merging the step template",
        {"stepTemplate": {"command": ["sh"]}, "steps": [{"image": "a", "script": "echo"}]},
        "script cannot be used with command: steps[0].script",
    ),
    (
        "Tekton quirk: step result errors land at steps.results[i][j]",
        {"steps": [{"image": "a", "results": [{"name": "-bad"}]}]},
        'invalid key name "-bad": steps.results[0][0].name\n' + NAME_DETAILS,
    ),
    (
        "Tekton quirk: whole-array misuse paths repeat the later steps",
        {
            "params": [{"name": "arr", "type": "array"}],
            "steps": [{"image": "$(params.arr)"}, {"image": "b"}, {"image": "c"}],
        },
        'variable type invalid in "$(params.arr)": steps[2].steps[1].steps[0].image',
    ),
    (
        "step when with an unknown operator",
        {
            "steps": [
                {"image": "a", "when": [{"input": "a", "operator": "exists", "values": ["a"]}]}
            ]
        },
        'invalid value: operator "exists" is not recognized. valid operators: in,notin: '
        "steps[0].when[0]",
    ),
    (
        "step when without values",
        {"steps": [{"image": "a", "when": [{"input": "a", "operator": "in"}]}]},
        "invalid value: expecting non-empty values field: steps[0].when[0]",
    ),
    (
        "params in the script must be declared... only for Task objects; arrays still checked",
        {
            "params": [{"name": "arr", "type": "array"}],
            "steps": [{"image": "a", "workingDir": "$(params.arr[*])"}],
        },
        'variable type invalid in "$(params.arr[*])": steps[0].workingDir',
    ),
    (
        "too many dot components",
        {"steps": [{"image": "a", "args": ["$(context.taskRun.a.b.c)"]}]},
        'Invalid referencing of parameters in "$(context.taskRun.a.b.c)"! Only two dot-separated '
        'components after the prefix "context\\.taskRun" are allowed.: steps[0].args[0]',
    ),
]


@pytest.mark.parametrize(
    ("fields", "want"), [c[1:] for c in SPEC_ERRORS], ids=[c[0] for c in SPEC_ERRORS]
)
def test_task_spec_errors(fields: dict[str, Any], want: str) -> None:
    assert validate_task_spec(spec_of(fields), ALPHA).render() == want


def test_errors_are_combined_and_sorted() -> None:
    fields = {
        "params": [{"name": "a^b"}],
        "steps": [{"name": "Bad", "script": "echo"}],
        "results": [{"name": "r", "type": "wrong"}],
    }
    assert validate_task_spec(spec_of(fields), ALPHA).render() == "\n".join(
        [
            "The format of following array and string variable names is invalid: [a^b]: params",
            STRING_NAMES_DETAILS,
            'invalid value "Bad": steps[0].name',
            STEP_NAME_DETAILS,
            "invalid value: wrong: results[0].type",
            "type must be string",
            "missing field(s): steps[0].Image",
        ]
    )


# -- feature gates -------------------------------------------------------------------------

GATED_SPECS = [
    (
        "step workspaces",
        {
            "workspaces": [{"name": "foo"}],
            "steps": [{"image": "foo", "workspaces": [{"name": "foo"}]}],
        },
    ),
    (
        "sidecar workspaces",
        {
            "workspaces": [{"name": "foo"}],
            "steps": [{"image": "foo"}],
            "sidecars": [{"image": "foo", "workspaces": [{"name": "foo"}]}],
        },
    ),
]


@pytest.mark.parametrize(("feature", "fields"), GATED_SPECS)
@pytest.mark.parametrize("version", ["alpha", "beta", "stable"])
def test_beta_workspace_usage(feature: str, fields: dict[str, Any], version: str) -> None:
    got = validate_task_spec(spec_of(fields), ctx(version)).render()
    if version == "stable":
        assert got == (
            f'{feature} requires "enable-api-fields" feature gate to be "alpha" or "beta" but '
            'it is "stable": '
        )
    else:
        assert got == ""


# -- ValidateUsageOfDeclaredParameters -------------------------------------------------------

USAGE_ERRORS: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], str]] = [
    (
        "inexistent param variable",
        [],
        [{"name": "mystep", "image": "myimage", "args": ["--flag=$(params.inexistent)"]}],
        'non-existent variable in "--flag=$(params.inexistent)": steps[0].args[0]',
    ),
    (
        "object used in a string field",
        [GITREPO],
        [{"name": "do-the-clone", "image": "$(params.gitrepo)"}],
        'variable type invalid in "$(params.gitrepo)": steps[0].image',
    ),
    (
        "object star used in a string field",
        [GITREPO],
        [{"name": "do-the-clone", "image": "$(params.gitrepo[*])"}],
        'variable type invalid in "$(params.gitrepo[*])": steps[0].image',
    ),
    (
        "object used in a field that can accept array type",
        [GITREPO],
        [{"name": "do-the-clone", "image": "myimage", "args": ["$(params.gitrepo)"]}],
        'variable type invalid in "$(params.gitrepo)": steps[0].args[0]',
    ),
    (
        "object star used in a field that can accept array type",
        [GITREPO],
        [{"name": "do-the-clone", "image": "i", "args": ["$(params.gitrepo[*])"]}],
        'variable type invalid in "$(params.gitrepo[*])": steps[0].args[0]',
    ),
    (
        "object param used in step env value field that can accept string type",
        [GITREPO],
        [{"name": "c", "image": "i", "env": [{"name": "URL", "value": "$(params.gitrepo)"}]}],
        'variable type invalid in "$(params.gitrepo)": steps[0].env[URL]',
    ),
    (
        "non-existent individual key of an object param is used in task step",
        [GITREPO],
        [{"name": "c", "image": "i", "args": ["$(params.gitrepo.non-exist-key)"]}],
        'non-existent variable in "$(params.gitrepo.non-exist-key)": steps[0].args[0]',
    ),
    (
        "inexistent param variable in volumeMount with existing",
        [{"name": "foo", "default": "default"}],
        [
            {
                "name": "mystep",
                "image": "myimage",
                "volumeMounts": [{"name": "$(params.inexistent)-foo", "mountPath": ""}],
            }
        ],
        'non-existent variable in "$(params.inexistent)-foo": steps[0].volumeMount[0].name',
    ),
    (
        "inexistent param variable with existing",
        [{"name": "foo", "default": "default"}],
        [{"name": "mystep", "image": "myimage", "args": ["$(params.foo) && $(params.inexistent)"]}],
        'non-existent variable in "$(params.foo) && $(params.inexistent)": steps[0].args[0]',
    ),
    (
        "object param variable with non-existent properties",
        [{"name": "foo", "type": "object"}],
        VALID_STEPS,
        "missing field(s): foo.properties",
    ),
    (
        "unknown param in mountPath and subPath (Tekton capitalises these paths)",
        [],
        [
            {
                "image": "i",
                "volumeMounts": [
                    {"name": "v", "mountPath": "$(params.a)", "subPath": "$(params.b)"}
                ],
            }
        ],
        'non-existent variable in "$(params.a)": steps[0].volumeMount[0].MountPath\n'
        'non-existent variable in "$(params.b)": steps[0].volumeMount[0].SubPath',
    ),
]


@pytest.mark.parametrize(
    ("params", "steps", "want"), [c[1:] for c in USAGE_ERRORS], ids=[c[0] for c in USAGE_ERRORS]
)
def test_usage_of_declared_parameters(
    params: list[dict[str, Any]], steps: list[dict[str, Any]], want: str
) -> None:
    specs = msgspec.convert(params, list[ParamSpec])
    step_list = msgspec.convert(steps, list[Step])
    assert validate_usage_of_declared_parameters(step_list, specs, ctx()).render() == want


# -- param enums ---------------------------------------------------------------------------

ENUM_OK = [
    [
        {"name": "param1", "type": "string", "enum": ["v1", "v2"]},
        {"name": "param2", "type": "string", "enum": ["v1", "v2"]},
    ],
    [{"name": "param1", "type": "string"}, {"name": "param2", "type": "string"}],
]


@pytest.mark.parametrize("params", ENUM_OK)
def test_param_enum_success(params: list[dict[str, Any]]) -> None:
    specs = msgspec.convert(params, list[ParamSpec])
    steps = [Step(image="foo")]
    assert validate_parameter_variables(steps, specs, ctx(enable_param_enum=True)).render() == ""


ENUM_ERRORS: list[tuple[str, dict[str, Any], bool, str]] = [
    (
        "param default val not in enum list",
        {"name": "param1", "type": "string", "default": "v4", "enum": ["v1", "v2"]},
        True,
        "param default value v4 not in the enum list: params[param1]",
    ),
    (
        "param enum with array type",
        {"name": "param1", "type": "array", "enum": ["v1", "v2"]},
        True,
        "enum can only be set with string type param: params[param1]",
    ),
    (
        "param enum with object type",
        {"name": "param1", "type": "object", "enum": ["v1", "v2"]},
        True,
        "enum can only be set with string type param: params[param1]",
    ),
    (
        "param enum with duplicate values",
        {"name": "param1", "type": "string", "enum": ["v1", "v1", "v2"]},
        True,
        "parameter enum value v1 appears more than once: params[param1]",
    ),
    (
        "param enum with feature flag disabled",
        {"name": "param1", "type": "string", "enum": ["v1", "v2"]},
        False,
        "feature flag `enable-param-enum` should be set to true to use Enum: params[param1]",
    ),
]


@pytest.mark.parametrize(
    ("param", "enabled", "want"), [c[1:] for c in ENUM_ERRORS], ids=[c[0] for c in ENUM_ERRORS]
)
def test_param_enum_failure(param: dict[str, Any], enabled: bool, want: str) -> None:
    specs = [msgspec.convert(param, ParamSpec)]
    got = validate_parameter_variables([Step(image="foo")], specs, ctx(enable_param_enum=enabled))
    assert got.render() == want


def test_param_enum_in_task_spec() -> None:
    fields = {"params": [{"name": "p", "enum": ["a"], "default": "b"}], "steps": VALID_STEPS}
    assert validate_task_spec(spec_of(fields), ctx(enable_param_enum=True)).render() == (
        "param default value b not in the enum list: params[p]"
    )


# -- step results and step when ----------------------------------------------------------------

STEP_RESULTS_OK = [
    {"image": "my-image", "args": ["arg"], "results": [{"name": "MY-RESULT"}]},
    {
        "image": "my-image",
        "args": ["arg"],
        "script": "echo $(step.results.MY-RESULT.path)",
        "results": [{"name": "MY-RESULT", "type": "string"}],
    },
    {"image": "my-image", "args": ["arg"], "results": [{"name": "MY-RESULT", "type": "array"}]},
    {
        "image": "my-image",
        "args": ["arg"],
        "results": [
            {"name": "MY-RESULT", "type": "object", "properties": {"url": {"type": "string"}}}
        ],
    },
]


@pytest.mark.parametrize("step", STEP_RESULTS_OK)
def test_task_spec_step_results_valid(step: dict[str, Any]) -> None:
    assert validate_task_spec(spec_of({"steps": [step]}), ctx()).render() == ""


@pytest.mark.parametrize("prefix", ["results", "step.results"])
def test_task_spec_step_results_unknown(prefix: str) -> None:
    script = f"\n\t\t\t#!/usr/bin/env bash\n\t\t\tdate | tee $({prefix}.non-exist.path)"
    step = {"image": "my-image", "script": script, "results": [{"name": "a-result"}]}
    assert validate_task_spec(spec_of({"steps": [step]}), ctx()).render() == (
        'non-existent variable in "\\n\\t\\t\\t#!/usr/bin/env bash\\n\\t\\t\\tdate | tee '
        f'$({prefix}.non-exist.path)": steps[0].script'
    )


def test_task_spec_step_when_cel_needs_flag() -> None:
    fields = {"steps": [{"image": "my-image", "when": [{"cel": "'d'=='d'"}]}]}
    assert validate_task_spec(spec_of(fields), ctx()).render() == (
        "feature flag enable-cel-in-whenexpression should be set to true to use CEL: 'd'=='d' "
        "in WhenExpression: steps[0].when[0]"
    )


# -- Ref -------------------------------------------------------------------------------------

CONCISE = {"enable_concise_resolver_syntax": True}

REF_OK: list[tuple[str, dict[str, Any] | None, dict[str, Any]]] = [
    ("nil ref", None, {}),
    ("simple ref", {"name": "refname"}, {}),
    ("ref name - concise syntax", {"name": "foo://baz:ver", "resolver": "git"}, CONCISE),
    ("beta feature: valid resolver", {"resolver": "git"}, {}),
    ("beta feature: valid resolver with alpha flag", {"resolver": "git"}, {"api_fields": "alpha"}),
    (
        "beta feature: valid resolver with params",
        {
            "resolver": "git",
            "params": [
                {"name": "repo", "value": "https://github.com/tektoncd/pipeline.git"},
                {"name": "branch", "value": "baz"},
            ],
        },
        {},
    ),
]


@pytest.mark.parametrize(("ref", "flags"), [c[1:] for c in REF_OK], ids=[c[0] for c in REF_OK])
def test_ref_valid(ref: dict[str, Any] | None, flags: dict[str, Any]) -> None:
    step_ref = None if ref is None else msgspec.convert(ref, StepActionRef)
    assert validate_step_action_ref(step_ref, ctx(**flags)).render() == ""


REF_ERRORS: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("missing ref name", {}, {}, "missing field(s): name"),
    ("ref params disallowed without resolver", {"params": []}, {}, "missing field(s): resolver"),
    (
        "ref with resolver and k8s style name",
        {"name": "foo", "resolver": "git"},
        CONCISE,
        "invalid value: invalid URI for request: name",
    ),
    (
        "ref with url-like name without resolver",
        {"name": "https://foo.com/bar"},
        CONCISE,
        "missing field(s): resolver",
    ),
    (
        "ref params disallowed in conjunction with pipelineRef name",
        {"name": "https://foo/bar", "resolver": "git", "params": [{"name": "foo", "value": "bar"}]},
        CONCISE,
        "expected exactly one, got both: name, params",
    ),
    (
        "ref with url-like name without enable-concise-resolver-syntax",
        {"name": "https://foo.com/bar"},
        {},
        "feature flag enable-concise-resolver-syntax should be set to true to use concise "
        "resolver syntax: \nmissing field(s): resolver",
    ),
    (
        "ref without enable-concise-resolver-syntax",
        {"name": "https://foo.com/bar", "resolver": "git"},
        {},
        "feature flag enable-concise-resolver-syntax should be set to true to use concise "
        "resolver syntax: ",
    ),
    (
        "invalid ref name",
        {"name": "_foo"},
        {},
        "invalid value: name part must consist of alphanumeric characters, '-', '_' or '.', and "
        "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'): "
        "name",
    ),
    (
        "resolver needs beta",
        {"resolver": "git", "params": [{"name": "a", "value": "b"}, {"name": "A", "value": "c"}]},
        {"api_fields": "stable"},
        'expected exactly one, got both: [A].name\nresolver params requires "enable-api-fields" '
        'feature gate to be "alpha" or "beta" but it is "stable": \nresolver requires '
        '"enable-api-fields" feature gate to be "alpha" or "beta" but it is "stable": ',
    ),
]


@pytest.mark.parametrize(
    ("ref", "flags", "want"), [c[1:] for c in REF_ERRORS], ids=[c[0] for c in REF_ERRORS]
)
def test_ref_invalid(ref: dict[str, Any], flags: dict[str, Any], want: str) -> None:
    assert (
        validate_step_action_ref(msgspec.convert(ref, StepActionRef), ctx(**flags)).render() == want
    )


def test_step_ref_error_paths_have_no_ref_prefix() -> None:
    fields = {"steps": [{"ref": {"name": "_x"}}]}
    assert validate_task_spec(spec_of(fields), ctx()).render().endswith(": steps[0].name")


# -- Step ------------------------------------------------------------------------------------

STEP_OK = [
    {"image": "myimage"},
    {"image": "my-image", "script": "\n#!/usr/bin/env bash\nhello world"},
    {"image": "my-image", "args": ["arg"], "script": "\n#!/usr/bin/env  bash\nhello $1"},
    {"image": "myimage", "volumeMounts": [{"name": "foo", "mountPath": "/tekton/home"}]},
    {"image": "myimage", "volumeMounts": [{"name": "foo", "mountPath": "/tekton/home/subdir"}]},
    {"name": "mystep", "ref": {"name": "stepAction"}},
    {"ref": {"name": "stepAction"}, "params": [{"name": "param", "value": ""}]},
    {"image": "image", "args": ["arg"], "onError": "continue"},
    {"image": "image", "args": ["arg"], "onError": "stopAndFail"},
    {"image": "image", "args": ["arg"], "onError": "$(params.CONTINUE)"},
    {"image": "image", "timeout": "0s"},
    {"image": "image", "timeout": "1h30m"},
]


@pytest.mark.parametrize("step", STEP_OK)
def test_step_valid(step: dict[str, Any]) -> None:
    assert validate_step(msgspec.convert(step, Step), ALPHA).render() == ""


STEP_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("invalid step with missing Image", {}, "missing field(s): Image"),
    (
        "invalid step name",
        {"name": "replaceImage", "image": "myimage"},
        'invalid value "replaceImage": name\n' + STEP_NAME_DETAILS,
    ),
    (
        "step with script and command",
        {"image": "myimage", "command": ["command"], "script": "script"},
        "script cannot be used with command: script",
    ),
    *[
        (
            f"step volume mount {path}",
            {"image": "myimage", "volumeMounts": [{"name": "foo", "mountPath": path}]},
            "volumeMount cannot be mounted under /tekton/ "
            f'(volumeMount "foo" mounted at "{path}"): volumeMounts[0].mountPath',
        )
        for path in (
            "/tekton/foo",
            "/tekton/home/../results",
            "/tekton/home/../scripts",
            "/tekton/home/../../tekton/run",
        )
    ],
    (
        "step volume mount name starts with tekton-internal-",
        {
            "image": "myimage",
            "volumeMounts": [{"name": "tekton-internal-foo", "mountPath": "/this/is/fine"}],
        },
        'volumeMount name "tekton-internal-foo" cannot start with "tekton-internal-": '
        "volumeMounts[0].name",
    ),
    ("negative timeout string", {"timeout": "-10s"}, "invalid value: -10s: negative timeout"),
    (
        "negative timeout is canonicalised",
        {"timeout": "-90s"},
        "invalid value: -1m30s: negative timeout",
    ),
    (
        "unparsable timeout",
        {"image": "i", "timeout": "10 s"},
        'invalid value: time: unknown unit " s" in duration "10 s": timeout',
    ),
    (
        "onError set to invalid value",
        {"onError": "onError", "image": "image", "args": ["arg"]},
        'invalid value: "onError": onError\nTask step onError must be either "continue" or '
        '"stopAndFail"',
    ),
    (
        "Cannot use image with Ref",
        {"ref": {"name": "stepAction"}, "image": "foo"},
        "image cannot be used with Ref: image",
    ),
    (
        "Cannot use command with Ref",
        {"ref": {"name": "sa"}, "command": ["foo"]},
        "command cannot be used with Ref: command",
    ),
    (
        "Cannot use args with Ref",
        {"ref": {"name": "sa"}, "args": ["foo"]},
        "args cannot be used with Ref: args",
    ),
    (
        "Cannot use script with Ref",
        {"ref": {"name": "sa"}, "script": "echo hi"},
        "script cannot be used with Ref: script",
    ),
    (
        "Cannot use workingDir with Ref",
        {"ref": {"name": "sa"}, "workingDir": "/workspace"},
        "working dir cannot be used with Ref: workingDir",
    ),
    (
        "Cannot use env with Ref",
        {"ref": {"name": "sa"}, "env": [{"name": "env1", "value": "value1"}]},
        "env cannot be used with Ref: env",
    ),
    (
        "Cannot use params without Ref",
        {"image": "my-image", "params": [{"name": "param", "value": ""}]},
        "params cannot be used without Ref: params",
    ),
    (
        "Cannot use volumeMounts with Ref",
        {
            "ref": {"name": "sa"},
            "volumeMounts": [{"name": "$(params.foo)", "mountPath": "/registry-config"}],
        },
        "volumeMounts cannot be used with Ref: volumeMounts",
    ),
    (
        "Cannot use results with Ref",
        {"ref": {"name": "sa"}, "results": [{"name": "result"}]},
        "results cannot be used with Ref: results",
    ),
    (
        "Cannot reference step results in image",
        {"image": "$(steps.prevStep.results.resultName)"},
        f"{STEP_RESULT_PLACEMENT}: image",
    ),
    (
        "Cannot reference step results in script",
        {"image": "my-img", "script": "echo $(steps.prevStep.results.resultName)"},
        f"{STEP_RESULT_PLACEMENT}: script",
    ),
    (
        "Cannot reference step results in workingDir",
        {"image": "my-img", "workingDir": "$(steps.prevStep.results.resultName)"},
        f"{STEP_RESULT_PLACEMENT}: workingDir",
    ),
    (
        "Cannot reference step results in envFrom",
        {
            "image": "my-img",
            "envFrom": [
                {
                    "prefix": "$(steps.prevStep.results.resultName)",
                    "configMapRef": {"name": "$(steps.prevStep.results.resultName)"},
                    "secretRef": {"name": "$(steps.prevStep.results.resultName)"},
                }
            ],
        },
        f"{STEP_RESULT_PLACEMENT}: envFrom.configMapRef, envFrom.prefix, envFrom.secretRef",
    ),
    (
        "Cannot reference step results in VolumeMounts",
        {
            "image": "my-img",
            "volumeMounts": [
                {
                    "name": "$(steps.prevStep.results.resultName)",
                    "mountPath": "$(steps.prevStep.results.resultName)",
                    "subPath": "$(steps.prevStep.results.resultName)",
                }
            ],
        },
        f"{STEP_RESULT_PLACEMENT}: volumeMounts.mountPath, volumeMounts.name, volumeMounts.subPath",
    ),
    (
        "Cannot reference step results in VolumeDevices",
        {
            "image": "my-img",
            "volumeDevices": [
                {
                    "name": "$(steps.prevStep.results.resultName)",
                    "devicePath": "$(steps.prevStep.results.resultName)",
                }
            ],
        },
        f"{STEP_RESULT_PLACEMENT}: volumeDevices.devicePath, volumeDevices.name",
    ),
]


@pytest.mark.parametrize(
    ("step", "want"), [c[1:] for c in STEP_ERRORS], ids=[c[0] for c in STEP_ERRORS]
)
def test_step_errors(step: dict[str, Any], want: str) -> None:
    assert validate_step(msgspec.convert(step, Step), ALPHA).render() == want


STEP_ARTIFACT_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("image", {"image": "$(steps.prevStep.outputs.aaa)"}, "image"),
    (
        "workingDir",
        {"image": "my-img", "workingDir": "$(steps.prevStep.outputs.aaa)"},
        "workingDir",
    ),
    (
        "envFrom",
        {
            "image": "my-img",
            "envFrom": [
                {
                    "prefix": "$(steps.prevStep.outputs.aaa)",
                    "configMapRef": {"name": "$(steps.prevStep.outputs.aaa)"},
                    "secretRef": {"name": "$(steps.prevStep.outputs.aaa)"},
                }
            ],
        },
        "envFrom.configMapRef, envFrom.prefix, envFrom.secretRef",
    ),
    (
        "VolumeMounts",
        {
            "image": "my-img",
            "volumeMounts": [
                {
                    "name": "$(steps.prevStep.outputs.aaa)",
                    "mountPath": "$(steps.prevStep.outputs.aaa)",
                    "subPath": "$(steps.prevStep.outputs.aaa)",
                }
            ],
        },
        "volumeMounts.mountPath, volumeMounts.name, volumeMounts.subPath",
    ),
    (
        "VolumeDevices",
        {
            "image": "my-img",
            "volumeDevices": [
                {
                    "name": "$(steps.prevStep.outputs.aaa)",
                    "devicePath": "$(steps.prevStep.outputs.aaa)",
                }
            ],
        },
        "volumeDevices.devicePath, volumeDevices.name",
    ),
]


@pytest.mark.parametrize(
    ("step", "paths"),
    [c[1:] for c in STEP_ARTIFACT_ERRORS],
    ids=[c[0] for c in STEP_ARTIFACT_ERRORS],
)
def test_step_artifact_reference_placement(step: dict[str, Any], paths: str) -> None:
    got = validate_step(msgspec.convert(step, Step), ctx()).render()
    assert got == f"{STEP_ARTIFACT_PLACEMENT}: {paths}"


ARTIFACT_STEPS = [
    {"image": "busybox", "env": [{"name": "AAA", "value": "$(steps.aaa.outputs.image)"}]},
    {"image": "busybox", "env": [{"name": "AAA", "value": "$(step.artifacts.path)"}]},
    {"image": "busybox", "script": "echo $(steps.aaa.inputs.bbb)"},
    {"image": "busybox", "script": "echo 123 >> $(step.artifacts.path)"},
    {"image": "busybox", "command": ["echo", "$(steps.aaa.outputs.bbbb)"]},
    {"image": "busybox", "command": ["echo", "$(step.artifacts.path)"]},
    {"image": "busybox", "args": ["echo", "$(steps.aaa.outputs.bbbb)"]},
    {"image": "busybox", "args": ["echo", "$(step.artifacts.path)"]},
]


@pytest.mark.parametrize("step", ARTIFACT_STEPS)
def test_step_artifacts_with_flag(step: dict[str, Any]) -> None:
    assert validate_step(msgspec.convert(step, Step), ctx(enable_artifacts=True)).render() == ""


@pytest.mark.parametrize("step", ARTIFACT_STEPS)
def test_step_artifacts_without_flag(step: dict[str, Any]) -> None:
    # Without an image either: the artifacts error is reported alone, as in Tekton.
    del step["image"]
    got = validate_step(msgspec.convert(step, Step), ctx()).render()
    assert got == f"{ARTIFACTS_FLAG}: "


def test_step_without_artifacts_valid_without_flag() -> None:
    assert validate_step(Step(image="busybox", script="echo 123"), ctx()).render() == ""


ALPHA_STEPS = [
    (
        "windows script support",
        {"image": "my-image", "script": "\n  #!win powershell -File\nscript-1"},
    ),
    ("step stdout stream support", {"image": "foo", "stdoutConfig": {"path": "/tmp/stdout.txt"}}),
    ("step stderr stream support", {"image": "foo", "stderrConfig": {"path": "/tmp/stderr.txt"}}),
]


@pytest.mark.parametrize(("feature", "step"), ALPHA_STEPS)
@pytest.mark.parametrize("version", ["alpha", "beta", "stable"])
def test_step_alpha_features(feature: str, step: dict[str, Any], version: str) -> None:
    got = validate_step(msgspec.convert(step, Step), ctx(version)).render()
    if version == "alpha":
        assert got == ""
    else:
        assert got == (
            f'{feature} requires "enable-api-fields" feature gate to be "alpha" but it is '
            f'"{version}": '
        )


# -- Sidecar ---------------------------------------------------------------------------------


def test_sidecar_valid() -> None:
    assert validate_sidecar(Sidecar(name="my-sidecar", image="my-image")).render() == ""


SIDECAR_ERRORS = [
    (
        {"name": "tekton-log-results", "image": "my-image"},
        "Invalid: cannot use reserved sidecar name tekton-log-results : name",
    ),
    ({"name": "tekton-invalid-side-car"}, "missing field(s): image"),
    (
        {
            "name": "tekton-invalid-side-car",
            "image": "ubuntu",
            "command": ["command foo"],
            "script": "\n#!/usr/bin/env  bash\necho foo",
        },
        "script cannot be used with command: script",
    ),
]


@pytest.mark.parametrize(("sidecar", "want"), SIDECAR_ERRORS)
def test_sidecar_errors(sidecar: dict[str, Any], want: str) -> None:
    assert validate_sidecar(msgspec.convert(sidecar, Sidecar)).render() == want


# -- TaskResult / StepResult -------------------------------------------------------------------

RESULTS_OK = [
    {"name": "MY-RESULT", "description": "my great result"},
    {"name": "MY-RESULT", "type": "string"},
    {"name": "MY-RESULT", "type": "array"},
    {"name": "MY-RESULT", "type": "object", "properties": {"hello": {"type": "string"}}},
]


@pytest.mark.parametrize("result", RESULTS_OK)
def test_results_valid(result: dict[str, Any]) -> None:
    assert validate_task_result(msgspec.convert(result, TaskResult)).render() == ""
    assert validate_step_result(msgspec.convert(result, StepResult)).render() == ""


def test_result_value_valid() -> None:
    result = {
        "name": "MY-RESULT",
        "type": "string",
        "value": "$(steps.step-name.results.resultName)",
    }
    assert validate_task_result(msgspec.convert(result, TaskResult)).render() == ""


TASK_RESULT_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    (
        "invalid result type",
        {"name": "MY-RESULT", "type": "wrong"},
        "invalid value: wrong: type\ntype must be string",
    ),
    (
        "invalid object properties type",
        {"name": "MY-RESULT", "type": "object", "properties": {"hello": {"type": "wrong type"}}},
        "The value type specified for these keys [hello] is invalid, the type must be string: "
        "MY-RESULT.properties",
    ),
    (
        "invalid object properties empty",
        {"name": "MY-RESULT", "type": "object"},
        "missing field(s): MY-RESULT.properties",
    ),
    (
        "invalid result value type array",
        {"name": "MY-RESULT", "type": "array", "value": []},
        'Invalid Type. Wanted string but got: "array": MY-RESULT.type',
    ),
    (
        "invalid result value type object",
        {
            "name": "MY-RESULT",
            "type": "object",
            "properties": {"hello": {"type": "string"}},
            "value": {},
        },
        'Invalid Type. Wanted string but got: "object": MY-RESULT.type',
    ),
    (
        "invalid result value format",
        {"name": "MY-RESULT", "type": "string", "value": "not a valid format"},
        "Could not extract step name and result name. Expected value to look like "
        '$(steps.<stepName>.results.<resultName>) but got "not a valid format": MY-RESULT.value',
    ),
    (
        "invalid string format invalid step name",
        {"name": "MY-RESULT", "type": "string", "value": "$(steps.foo.foo.results.Bar)"},
        'invalid extracted step name "foo.foo": MY-RESULT.value\nstepName in '
        "$(steps.<stepName>.results.<resultName>) must be a valid DNS Label, For more info refer "
        "to https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
    ),
    (
        "invalid string format invalid result name",
        {"name": "MY-RESULT", "type": "string", "value": "$(steps.foo.results.-bar)"},
        'invalid extracted result name "-bar": MY-RESULT.value\nresultName in '
        "$(steps.<stepName>.results.<resultName>) must consist of alphanumeric characters, '-', "
        "'_', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
        "'my-name',  or 'my_name', regex used for validation is "
        "'^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$')",
    ),
]


@pytest.mark.parametrize(
    ("result", "want"), [c[1:] for c in TASK_RESULT_ERRORS], ids=[c[0] for c in TASK_RESULT_ERRORS]
)
def test_task_result_errors(result: dict[str, Any], want: str) -> None:
    assert validate_task_result(msgspec.convert(result, TaskResult)).render() == want


STEP_RESULT_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    (
        "invalid result name",
        {"name": "_MY-RESULT", "type": "string"},
        'invalid key name "_MY-RESULT": name\n' + NAME_DETAILS,
    ),
    (
        "invalid result type",
        {"name": "MY-RESULT", "type": "wrong"},
        "invalid value: wrong: type\ninvalid type wrong",
    ),
    (
        "invalid object properties type",
        {"name": "MY-RESULT", "type": "object", "properties": {"hello": {"type": "wrong type"}}},
        "the value type specified for these keys [hello] is invalid, the type must be string: "
        "MY-RESULT.properties",
    ),
    (
        "invalid object properties empty",
        {"name": "MY-RESULT", "type": "object"},
        "missing field(s): MY-RESULT.properties",
    ),
]


@pytest.mark.parametrize(
    ("result", "want"), [c[1:] for c in STEP_RESULT_ERRORS], ids=[c[0] for c in STEP_RESULT_ERRORS]
)
def test_step_result_errors(result: dict[str, Any], want: str) -> None:
    assert validate_step_result(msgspec.convert(result, StepResult)).render() == want


def test_param_defaults_feed_validation() -> None:
    # An array default makes the param an array, so it may not be used in a string field.
    specs = msgspec.convert([{"name": "a", "default": ["x"]}], list[ParamSpec])
    default_param_specs(specs)
    steps = [Step(image="$(params.a)")]
    assert validate_parameter_variables(steps, specs, ctx()).render() == (
        'variable type invalid in "$(params.a)": steps[0].image'
    )
