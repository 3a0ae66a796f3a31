"""Task-scope substitution; cases lifted from Tekton's
``pkg/reconciler/taskrun/resources/apply_test.go`` unless marked otherwise."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from tektite.api.models import ParamSpec, PodTemplate, TaskRun, TaskSpec, WorkspaceBinding
from tektite.engine.substitution import (
    apply_artifacts,
    apply_contexts,
    apply_credentials_path,
    apply_parameters,
    apply_parameters_to_workspace_bindings,
    apply_pod_template_replacements,
    apply_results,
    apply_step_exit_code_path,
    apply_task_run_substitutions,
    apply_task_spec_replacements,
    apply_workspace_substitutions,
    replace_when_variables,
    replacements_from_default_params,
    step_container_name,
    task_param_replacements,
)

Json = dict[str, Any]


def spec_of(d: Json) -> TaskSpec:
    return msgspec.convert(d, TaskSpec)


def run_of(d: Json) -> TaskRun:
    return msgspec.convert({"spec": {}, **d}, TaskRun)


def params_of(items: list[Json]) -> list[ParamSpec]:
    return [msgspec.convert(p, ParamSpec) for p in items]


def mutated(d: Json, f: Callable[[Json], None]) -> TaskSpec:
    out = copy.deepcopy(d)
    f(out)
    return spec_of(out)


# -- arrays ---------------------------------------------------------------------------------

ARRAY_PARAM_SPEC: Json = {
    "steps": [
        {"name": "simple-image", "image": "some-image"},
        {
            "name": "image-with-c-specified",
            "image": "some-other-image",
            "command": ["echo"],
            "args": ["first", "second", "$(params.array-param)", "last"],
        },
    ]
}
ARRAY_AND_STRING_SPEC: Json = {
    "steps": [
        {"name": "simple-image", "image": "some-image"},
        {
            "name": "image-with-c-specified",
            "image": "some-other-image",
            "command": ["echo"],
            "args": ["$(params.normal-param)", "second", "$(params.array-param)", "last"],
        },
    ]
}
ARRAY_AND_OBJECT_SPEC: Json = {
    "steps": [
        {"name": "simple-image", "image": "some-image"},
        {
            "name": "image-with-c-specified",
            "image": "some-other-image",
            "command": ["echo"],
            "args": [
                "$(params.myObject.key1)",
                "$(params.myObject.key2)",
                "$(params.array-param)",
                "last",
            ],
        },
    ]
}
MULTIPLE_ARRAYS_SPEC: Json = {
    "steps": [
        {"name": "simple-image", "image": "some-image"},
        {
            "name": "image-with-c-specified",
            "image": "some-other-image",
            "command": ["cmd", "$(params.another-array-param)"],
            "args": ["first", "second", "$(params.array-param)", "last"],
        },
    ]
}
ARRAYS_AND_STRINGS_SPEC: Json = {
    "steps": [
        {"name": "simple-image", "image": "image-$(params.string-param2)"},
        {
            "name": "image-with-c-specified",
            "image": "some-other-image",
            "command": ["cmd", "$(params.array-param1)"],
            "args": [
                "$(params.array-param2)",
                "second",
                "$(params.array-param1)",
                "$(params.string-param1)",
                "last",
            ],
        },
    ]
}
ARRAYS_AND_OBJECT_SPEC: Json = {
    "steps": [
        {"name": "simple-image", "image": "image-$(params.myObject.key1)"},
        {
            "name": "image-with-c-specified",
            "image": "some-other-image",
            "command": ["cmd", "$(params.array-param1)"],
            "args": [
                "$(params.array-param2)",
                "second",
                "$(params.array-param1)",
                "$(params.myObject.key2)",
                "last",
            ],
        },
    ]
}


def _set_step(i: int, **fields: Any) -> Callable[[Json], None]:
    def f(d: Json) -> None:
        d["steps"][i].update(fields)

    return f


def _chain(*fs: Callable[[Json], None]) -> Callable[[Json], None]:
    def f(d: Json) -> None:
        for g in fs:
            g(d)

    return f


ARRAY_CASES = [
    (
        "array parameter with 0 elements",
        ARRAY_PARAM_SPEC,
        [{"name": "array-param", "value": []}],
        [],
        _set_step(1, args=["first", "second", "last"]),
    ),
    (
        "array parameter with 1 element",
        ARRAY_PARAM_SPEC,
        [{"name": "array-param", "value": ["foo"]}],
        [],
        _set_step(1, args=["first", "second", "foo", "last"]),
    ),
    (
        "array parameter with 3 elements",
        ARRAY_PARAM_SPEC,
        [{"name": "array-param", "value": ["foo", "bar", "third"]}],
        [],
        _set_step(1, args=["first", "second", "foo", "bar", "third", "last"]),
    ),
    (
        "multiple arrays",
        MULTIPLE_ARRAYS_SPEC,
        [
            {"name": "array-param", "value": ["foo", "bar", "third"]},
            {"name": "another-array-param", "value": ["part1", "part2"]},
        ],
        [],
        _set_step(
            1,
            command=["cmd", "part1", "part2"],
            args=["first", "second", "foo", "bar", "third", "last"],
        ),
    ),
    (
        "array and normal string parameter",
        ARRAY_AND_STRING_SPEC,
        [
            {"name": "array-param", "value": ["middlefirst", "middlesecond"]},
            {"name": "normal-param", "value": "foo"},
        ],
        [],
        _set_step(1, args=["foo", "second", "middlefirst", "middlesecond", "last"]),
    ),
    (
        "several arrays and strings",
        ARRAYS_AND_STRINGS_SPEC,
        [
            {"name": "array-param1", "value": ["1-param1", "2-param1", "3-param1", "4-param1"]},
            {"name": "array-param2", "value": ["1-param2", "2-param2", "2-param3"]},
            {"name": "string-param1", "value": "foo"},
            {"name": "string-param2", "value": "bar"},
        ],
        [],
        _chain(
            _set_step(0, image="image-bar"),
            _set_step(
                1,
                command=["cmd", "1-param1", "2-param1", "3-param1", "4-param1"],
                args=[
                    "1-param2",
                    "2-param2",
                    "2-param3",
                    "second",
                    "1-param1",
                    "2-param1",
                    "3-param1",
                    "4-param1",
                    "foo",
                    "last",
                ],
            ),
        ),
    ),
    (
        "array and object parameter",
        ARRAY_AND_OBJECT_SPEC,
        [
            {"name": "array-param", "value": ["middlefirst", "middlesecond"]},
            {"name": "myObject", "value": {"key1": "object value1", "key2": "object value2"}},
        ],
        [],
        _set_step(
            1, args=["object value1", "object value2", "middlefirst", "middlesecond", "last"]
        ),
    ),
    (
        "several arrays and objects",
        ARRAYS_AND_OBJECT_SPEC,
        [
            {"name": "array-param1", "value": ["1-param1", "2-param1", "3-param1", "4-param1"]},
            {"name": "array-param2", "value": ["1-param2", "2-param2", "3-param3"]},
            {"name": "myObject", "value": {"key1": "value1", "key2": "value2"}},
        ],
        [],
        _chain(
            _set_step(0, image="image-value1"),
            _set_step(
                1,
                command=["cmd", "1-param1", "2-param1", "3-param1", "4-param1"],
                args=[
                    "1-param2",
                    "2-param2",
                    "3-param3",
                    "second",
                    "1-param1",
                    "2-param1",
                    "3-param1",
                    "4-param1",
                    "value2",
                    "last",
                ],
            ),
        ),
    ),
    (
        "default array parameter",
        ARRAY_PARAM_SPEC,
        [],
        [{"name": "array-param", "default": ["defaulted", "value!"]}],
        _set_step(1, args=["first", "second", "defaulted", "value!", "last"]),
    ),
]


@pytest.mark.parametrize(
    ("spec", "params", "defaults", "change"),
    [c[1:] for c in ARRAY_CASES],
    ids=[c[0] for c in ARRAY_CASES],
)
def test_apply_array_parameters(
    spec: Json, params: list[Json], defaults: list[Json], change: Callable[[Json], None]
) -> None:
    got = apply_parameters(spec_of(spec), run_of({"spec": {"params": params}}), params_of(defaults))
    assert got == mutated(spec, change)


def test_array_expanding_to_nothing_unsets_args() -> None:
    # Go appends into a nil slice, so an args list that expands to nothing is unset.
    spec = spec_of({"steps": [{"image": "i", "args": ["$(params.a[*])"]}]})
    got = apply_parameters(spec, run_of({"spec": {"params": [{"name": "a", "value": []}]}}))
    assert got.steps is not None and got.steps[0].args is None


# -- strings, objects and every substituted field --------------------------------------------

SIMPLE_TASK_SPEC: Json = {
    "sidecars": [
        {
            "name": "foo",
            "image": '$(params["myimage"])',
            "env": [{"name": "foo", "value": "$(params['FOO'])"}],
        }
    ],
    "stepTemplate": {
        "env": [{"name": "template-var", "value": '$(params["FOO"])'}],
        "image": "$(params.myimage)",
    },
    "steps": [
        {"name": "foo", "image": "$(params.myimage)"},
        {
            "name": "baz",
            "image": "bat",
            "workingDir": "$(inputs.resources.workspace.path)",
            "args": ["$(inputs.resources.workspace.url)"],
        },
        {"name": "foo", "image": '$(params["myimage"])'},
        {
            "name": "baz",
            "image": "$(params.somethingelse)",
            "workingDir": "$(inputs.resources.workspace.path)",
            "args": ["$(inputs.resources.workspace.url)"],
        },
        {
            "name": "foo",
            "image": "busybox:$(params.FOO)",
            "volumeMounts": [
                {
                    "name": "$(params.FOO)",
                    "mountPath": "path/to/$(params.FOO)",
                    "subPath": "sub/$(params.FOO)/path",
                }
            ],
        },
        {
            "name": "foo",
            "image": "busybox:$(params.FOO)",
            "env": [
                {"name": "foo", "value": "value-$(params.FOO)"},
                {
                    "name": "bar",
                    "valueFrom": {
                        "configMapKeyRef": {
                            "name": "config-$(params.FOO)",
                            "key": "config-key-$(params.FOO)",
                        }
                    },
                },
                {
                    "name": "baz",
                    "valueFrom": {
                        "secretKeyRef": {
                            "name": "secret-$(params.FOO)",
                            "key": "secret-key-$(params.FOO)",
                        }
                    },
                },
            ],
            "envFrom": [
                {
                    "prefix": "prefix-0-$(params.FOO)",
                    "configMapRef": {"name": "config-$(params.FOO)"},
                },
                {"prefix": "prefix-1-$(params.FOO)", "secretRef": {"name": "secret-$(params.FOO)"}},
            ],
        },
    ],
    "volumes": [
        {
            "name": "$(params.FOO)",
            "configMap": {
                "name": "$(params.FOO)",
                "items": [{"key": "$(params.FOO)", "path": "$(params.FOO)"}],
            },
        },
        {
            "name": "some-secret",
            "secret": {
                "secretName": "$(params.FOO)",
                "items": [{"key": "$(params.FOO)", "path": "$(params.FOO)"}],
            },
        },
        {"name": "some-pvc", "persistentVolumeClaim": {"claimName": "$(params.FOO)"}},
        {
            "name": "some-projected-volumes",
            "projected": {
                "sources": [
                    {
                        "configMap": {"name": "$(params.FOO)"},
                        "secret": {"name": "$(params.FOO)"},
                        "serviceAccountToken": {"audience": "$(params.FOO)"},
                    }
                ]
            },
        },
        {
            "name": "some-csi",
            "csi": {
                "driver": "d",
                "volumeAttributes": {"secretProviderClass": "$(params.FOO)"},
                "nodePublishSecretRef": {"name": "$(params.FOO)"},
            },
        },
    ],
}


def _simple_spec_substituted(d: Json) -> None:
    d["stepTemplate"]["env"][0]["value"] = "world"
    d["stepTemplate"]["image"] = "bar"
    d["steps"][0]["image"] = "bar"
    d["steps"][2]["image"] = "bar"
    d["steps"][3]["image"] = ""
    d["steps"][4]["volumeMounts"][0] = {
        "name": "world",
        "mountPath": "path/to/world",
        "subPath": "sub/world/path",
    }
    d["steps"][4]["image"] = "busybox:world"
    s5 = d["steps"][5]
    s5["image"] = "busybox:world"
    s5["env"][0]["value"] = "value-world"
    s5["env"][1]["valueFrom"]["configMapKeyRef"] = {
        "name": "config-world",
        "key": "config-key-world",
    }
    s5["env"][2]["valueFrom"]["secretKeyRef"] = {"name": "secret-world", "key": "secret-key-world"}
    s5["envFrom"][0]["prefix"] = "prefix-0-world"
    s5["envFrom"][0]["configMapRef"]["name"] = "config-world"
    s5["envFrom"][1]["prefix"] = "prefix-1-world"
    s5["envFrom"][1]["secretRef"]["name"] = "secret-world"
    v = d["volumes"]
    v[0]["name"] = "world"
    v[0]["configMap"] = {"name": "world", "items": [{"key": "world", "path": "world"}]}
    v[1]["secret"] = {"secretName": "world", "items": [{"key": "world", "path": "world"}]}
    v[2]["persistentVolumeClaim"]["claimName"] = "world"
    v[3]["projected"]["sources"][0] = {
        "configMap": {"name": "world"},
        "secret": {"name": "world"},
        "serviceAccountToken": {"audience": "world"},
    }
    v[4]["csi"]["volumeAttributes"]["secretProviderClass"] = "world"
    v[4]["csi"]["nodePublishSecretRef"]["name"] = "world"
    d["sidecars"][0]["image"] = "bar"
    d["sidecars"][0]["env"][0]["value"] = "world"


def test_apply_parameters() -> None:
    run = run_of(
        {
            "spec": {
                "params": [{"name": "myimage", "value": "bar"}, {"name": "FOO", "value": "world"}]
            }
        }
    )
    defaults = params_of(
        [{"name": "something", "default": "mydefault"}, {"name": "somethingelse", "default": ""}]
    )
    got = apply_parameters(spec_of(SIMPLE_TASK_SPEC), run, defaults)
    assert got == mutated(SIMPLE_TASK_SPEC, _simple_spec_substituted)


def test_apply_parameters_array_indexing() -> None:
    text = msgspec.json.encode(SIMPLE_TASK_SPEC).decode()
    indexed = msgspec.json.decode(
        text.replace("params.myimage)", "params.myimage[0])")
        .replace('params[\\"myimage\\"])', 'params[\\"myimage\\"][0])')
        .replace("params.FOO)", "params.FOO[1])")
        .replace("params['FOO'])", "params['FOO'][1])")
        .replace('params[\\"FOO\\"])', 'params[\\"FOO\\"][1])')
    )
    run = run_of(
        {
            "spec": {
                "params": [
                    {"name": "myimage", "value": ["bar", "foo"]},
                    {"name": "FOO", "value": ["hello", "world"]},
                ]
            }
        }
    )
    defaults = params_of(
        [{"name": "something", "default": "mydefault"}, {"name": "somethingelse", "default": ""}]
    )
    got = apply_parameters(spec_of(indexed), run, defaults)
    assert got == mutated(indexed, _simple_spec_substituted)


OBJECT_PARAM_SPEC: Json = {
    "sidecars": [
        {
            "name": "foo",
            "image": "$(params.myObject.key1)",
            "env": [{"name": "foo", "value": "$(params.myObject.key2)"}],
        }
    ],
    "stepTemplate": {
        "image": "$(params.myObject.key1)",
        "env": [{"name": "template-var", "value": "$(params.myObject.key2)"}],
    },
    "steps": [
        {
            "name": "foo",
            "image": "$(params.myObject.key1)",
            "workingDir": "path/to/$(params.myObject.key2)",
            "args": ["first $(params.myObject.key1)", "second $(params.myObject.key2)"],
            "volumeMounts": [
                {
                    "name": "$(params.myObject.key1)",
                    "mountPath": "path/to/$(params.myObject.key2)",
                    "subPath": "sub/$(params.myObject.key2)/path",
                }
            ],
        }
    ],
    "volumes": [
        {
            "name": "$(params.myObject.key1)",
            "configMap": {
                "name": "$(params.myObject.key1)",
                "items": [{"key": "$(params.myObject.key1)", "path": "$(params.myObject.key2)"}],
            },
        },
        {"name": "some-pvc", "persistentVolumeClaim": {"claimName": "$(params.myObject.key1)"}},
    ],
}


def test_apply_object_parameters() -> None:
    # TaskRun values overwrite the default per key; keys only in the default remain.
    run = run_of(
        {
            "spec": {
                "params": [
                    {
                        "name": "myObject",
                        "value": {
                            "key1": "taskrun-value-for-key1",
                            "key2": "taskrun-value-for-key2",
                        },
                    }
                ]
            }
        }
    )
    defaults = params_of(
        [
            {
                "name": "myObject",
                "type": "object",
                "default": {"key1": "default-1", "key2": "default-2"},
            }
        ]
    )
    got = apply_parameters(spec_of(OBJECT_PARAM_SPEC), run, defaults)

    def change(d: Json) -> None:
        d["sidecars"][0]["image"] = "taskrun-value-for-key1"
        d["sidecars"][0]["env"][0]["value"] = "taskrun-value-for-key2"
        d["stepTemplate"]["image"] = "taskrun-value-for-key1"
        d["stepTemplate"]["env"][0]["value"] = "taskrun-value-for-key2"
        d["steps"][0].update(
            image="taskrun-value-for-key1",
            workingDir="path/to/taskrun-value-for-key2",
            args=["first taskrun-value-for-key1", "second taskrun-value-for-key2"],
            volumeMounts=[
                {
                    "name": "taskrun-value-for-key1",
                    "mountPath": "path/to/taskrun-value-for-key2",
                    "subPath": "sub/taskrun-value-for-key2/path",
                }
            ],
        )
        d["volumes"][0] = {
            "name": "taskrun-value-for-key1",
            "configMap": {
                "name": "taskrun-value-for-key1",
                "items": [{"key": "taskrun-value-for-key1", "path": "taskrun-value-for-key2"}],
            },
        }
        d["volumes"][1]["persistentVolumeClaim"]["claimName"] = "taskrun-value-for-key1"

    assert got == mutated(OBJECT_PARAM_SPEC, change)


def test_apply_parameters_does_not_mutate_object_param_default() -> None:
    spec = spec_of(
        {
            "params": [
                {
                    "name": "obj",
                    "type": "object",
                    "properties": {"key": {"type": "string"}},
                    "default": {"key": "from-default"},
                }
            ],
            "steps": [{"name": "s", "image": "img", "args": ["$(params.obj.key)"]}],
        }
    )
    run = run_of({"spec": {"params": [{"name": "obj", "value": {"key": "from-taskrun"}}]}})
    applied = apply_parameters(spec, run, spec.params)
    assert applied.steps is not None and applied.steps[0].args == ["from-taskrun"]
    assert spec.params is not None and spec.params[0].default == {"key": "from-default"}


def test_apply_step_parameters() -> None:
    # A StepAction step's params get the TaskRun's values, changing type where the
    # whole-reference points at an array or object.
    spec: Json = {
        "params": [
            {"name": "myObject", "default": {"key1": "key1"}},
            {"name": "myString", "default": "string-value"},
            {"name": "myArray", "default": ["array", "value"]},
        ],
        "steps": [
            {
                "name": "foo",
                "ref": {"name": "stepAction"},
                "params": [
                    {"name": "myObject", "value": "$(params.myObject[*])"},
                    {"name": "myString", "value": "$(params.myString)"},
                    {"name": "myArray", "value": "$(params.myArray[*])"},
                ],
            }
        ],
    }
    run = run_of(
        {
            "spec": {
                "params": [
                    {"name": "myObject", "value": {"key1": "taskrun-value-for-key1"}},
                    {"name": "myString", "value": "taskrun-string-value"},
                    {"name": "myArray", "value": ["taskrun", "array", "value"]},
                ]
            }
        }
    )
    defaults = params_of(
        [
            {"name": "myObject", "default": {"key1": "key1"}},
            {"name": "myString", "default": "default-string-value"},
            {"name": "myArray", "default": ["default", "array", "value"]},
        ]
    )

    def change(d: Json) -> None:
        d["steps"][0]["params"] = [
            {"name": "myObject", "value": {"key1": "taskrun-value-for-key1"}},
            {"name": "myString", "value": "taskrun-string-value"},
            {"name": "myArray", "value": ["taskrun", "array", "value"]},
        ]

    assert apply_parameters(spec_of(spec), run, defaults) == mutated(spec, change)


@pytest.mark.parametrize(
    ("defaults", "key", "want"),
    [
        # Defaults referencing other params are resolved against the plain defaults...
        (
            [{"name": "a", "default": "x"}, {"name": "b", "default": "$(params.a)-y"}],
            "params.b",
            "x-y",
        ),
        # ...and those resolved before them, in declaration order.
        (
            [
                {"name": "a", "default": "x"},
                {"name": "b", "default": "$(params.a)-y"},
                {"name": "c", "default": "$(params.b)-z"},
            ],
            "params.c",
            "x-y-z",
        ),
        # Tekton restarts from the raw default for each reference: only the last one
        # found sticks.
        (
            [
                {"name": "a", "default": "1"},
                {"name": "b", "default": "2"},
                {"name": "c", "default": "$(params.a)+$(params.b)"},
            ],
            'params["c"]',
            "$(params.a)+2",
        ),
    ],
)
def test_default_params_referencing_params(defaults: list[Json], key: str, want: str) -> None:
    assert replacements_from_default_params(params_of(defaults)).strings[key] == want


def test_param_spellings() -> None:
    r = task_param_replacements(
        run_of({"spec": {"params": [{"name": "p", "value": ["a", "b"]}]}}).spec.params,
        params_of([{"name": "o", "default": {"k": "v"}}, {"name": "s", "default": "x"}]),
    )
    assert r.strings == {
        "params.p[0]": "a",
        "params.p[1]": "b",
        'params["p"][0]': "a",
        'params["p"][1]': "b",
        "params['p'][0]": "a",
        "params['p'][1]": "b",
        "inputs.params.p[0]": "a",
        "inputs.params.p[1]": "b",
        "params.o.k": "v",
        "params.s": "x",
        'params["s"]': "x",
        "params['s']": "x",
        "inputs.params.s": "x",
    }
    assert set(r.arrays) == {"params.p", 'params["p"]', "params['p']", "inputs.params.p"}
    assert set(r.objects) == {"params.o", 'params["o"]', "params['o']", "inputs.params.o"}


# -- when expressions (when_types.go ReplaceVariables) ---------------------------------------


def test_when_replacements() -> None:
    from tektite.api.models import WhenExpression

    whens = [
        WhenExpression(input="$(params.arr[*])", operator="in", values=["$(params.arr[*])", "x"]),
        WhenExpression(input="$(params.s)", operator="notin", values=["$(params.s)"]),
        WhenExpression(cel="'$(params.s)' == 'a&b'"),
    ]
    strings = {"params.s": "a&b"}
    arrays = {"params.arr": ["<1>", "2"]}
    got = replace_when_variables(whens, strings, arrays)
    assert got == [
        WhenExpression(input='["\\u003c1\\u003e","2"]', operator="in", values=["<1>", "2", "x"]),
        WhenExpression(input="a&b", operator="notin", values=["a&b"]),
        WhenExpression(cel="'a&b' == 'a&b'"),
    ]


# -- workspaces ------------------------------------------------------------------------------

WORKSPACE_SPEC: Json = {
    "stepTemplate": {
        "env": [
            {"name": "template-var", "value": "$(workspaces.myws.volume)"},
            {"name": "pvc-name", "value": "$(workspaces.myws.claim)"},
            {"name": "non-pvc-name", "value": "$(workspaces.otherws.claim)"},
        ]
    },
    "steps": [
        {
            "name": "$(workspaces.myws.volume)",
            "image": "$(workspaces.otherws.volume)",
            "workingDir": "$(workspaces.otherws.volume)",
            "args": ["$(workspaces.myws.path)"],
        },
        {
            "name": "foo",
            "image": "bar",
            "volumeMounts": [
                {
                    "name": "$(workspaces.myws.volume)",
                    "mountPath": "path/to/$(workspaces.otherws.path)",
                    "subPath": "$(workspaces.myws.volume)",
                }
            ],
        },
        {
            "name": "foo",
            "image": "bar",
            "env": [
                {"name": "foo", "value": "$(workspaces.myws.volume)"},
                {
                    "name": "baz",
                    "valueFrom": {
                        "secretKeyRef": {
                            "name": "$(workspaces.myws.volume)",
                            "key": "$(workspaces.myws.volume)",
                        }
                    },
                },
            ],
            "envFrom": [
                {
                    "prefix": "$(workspaces.myws.volume)",
                    "configMapRef": {"name": "$(workspaces.myws.volume)"},
                }
            ],
        },
    ],
    "volumes": [
        {"name": "$(workspaces.myws.volume)", "configMap": {"name": "$(workspaces.myws.volume)"}},
        {"name": "some-secret", "secret": {"secretName": "$(workspaces.myws.volume)"}},
        {"name": "some-pvc", "persistentVolumeClaim": {"claimName": "$(workspaces.myws.volume)"}},
    ],
}


def _workspace_spec_substituted(d: Json) -> None:
    # The volume names come from Tekton's test seed; they are passed in explicitly here.
    d["stepTemplate"]["env"] = [
        {"name": "template-var", "value": "ws-b31db"},
        {"name": "pvc-name", "value": "foo"},
        {"name": "non-pvc-name"},
    ]
    d["steps"][0].update(
        name="ws-b31db", image="ws-a6f34", workingDir="ws-a6f34", args=["/workspace/myws"]
    )
    d["steps"][1]["volumeMounts"][0] = {
        "name": "ws-b31db",
        "mountPath": "path/to//foo",
        "subPath": "ws-b31db",
    }
    d["steps"][2]["env"][0]["value"] = "ws-b31db"
    d["steps"][2]["env"][1]["valueFrom"]["secretKeyRef"] = {"name": "ws-b31db", "key": "ws-b31db"}
    d["steps"][2]["envFrom"][0] = {"prefix": "ws-b31db", "configMapRef": {"name": "ws-b31db"}}
    d["volumes"][0] = {"name": "ws-b31db", "configMap": {"name": "ws-b31db"}}
    d["volumes"][1]["secret"]["secretName"] = "ws-b31db"
    d["volumes"][2]["persistentVolumeClaim"]["claimName"] = "ws-b31db"


OPTIONAL_WS_SCRIPT = 'test "$(workspaces.ows.bound)" = "true" && echo "$(workspaces.ows.path)"'

WORKSPACE_CASES = [
    (
        "workspace-variable-replacement",
        WORKSPACE_SPEC,
        [{"name": "myws"}, {"name": "otherws", "mountPath": "/foo"}],
        [
            {"name": "myws", "persistentVolumeClaim": {"claimName": "foo"}},
            {"name": "otherws", "emptyDir": {}},
        ],
        mutated(WORKSPACE_SPEC, _workspace_spec_substituted),
    ),
    (
        "optional-workspace-provided-variable-replacement",
        {"steps": [{"script": OPTIONAL_WS_SCRIPT}]},
        [{"name": "ows", "optional": True}],
        [{"name": "ows", "emptyDir": {}}],
        spec_of({"steps": [{"script": 'test "true" = "true" && echo "/workspace/ows"'}]}),
    ),
    (
        "optional-workspace-omitted-variable-replacement",
        {"steps": [{"script": OPTIONAL_WS_SCRIPT}]},
        [{"name": "ows", "optional": True}],
        [],
        spec_of({"steps": [{"script": 'test "false" = "true" && echo ""'}]}),
    ),
    (
        "step-workspace-with-custom-mountpath",
        {
            "steps": [
                {
                    "script": 'echo "$(workspaces.ws.path)"',
                    "workspaces": [{"name": "ws", "mountPath": "/foo"}],
                },
                {"script": 'echo "$(workspaces.ws.path)"'},
            ],
            "sidecars": [{"script": 'echo "$(workspaces.ws.path)"'}],
        },
        [{"name": "ws"}],
        [],
        spec_of(
            {
                "steps": [
                    {"script": 'echo "/foo"', "workspaces": [{"name": "ws", "mountPath": "/foo"}]},
                    {"script": 'echo "/workspace/ws"'},
                ],
                "sidecars": [{"script": 'echo "/workspace/ws"'}],
            }
        ),
    ),
    (
        "sidecar-workspace-with-custom-mountpath",
        {
            "steps": [{"script": 'echo "$(workspaces.ws.path)"'}],
            "sidecars": [
                {
                    "script": 'echo "$(workspaces.ws.path)"',
                    "workspaces": [{"name": "ws", "mountPath": "/bar"}],
                }
            ],
        },
        [{"name": "ws"}],
        [],
        spec_of(
            {
                "steps": [{"script": 'echo "/workspace/ws"'}],
                "sidecars": [
                    {"script": 'echo "/bar"', "workspaces": [{"name": "ws", "mountPath": "/bar"}]}
                ],
            }
        ),
    ),
]


@pytest.mark.parametrize(
    ("spec", "decls", "binds", "want"),
    [c[1:] for c in WORKSPACE_CASES],
    ids=[c[0] for c in WORKSPACE_CASES],
)
def test_apply_workspace_substitutions(
    spec: Json, decls: list[Json], binds: list[Json], want: TaskSpec
) -> None:
    declarations = spec_of({"workspaces": decls}).workspaces
    bindings = [msgspec.convert(b, WorkspaceBinding) for b in binds]
    volumes = {"myws": "ws-b31db", "otherws": "ws-a6f34"} if binds and len(binds) == 2 else {}
    got = apply_workspace_substitutions(spec_of(spec), declarations, bindings, volumes)
    assert got == want


# -- context, results, exit codes, credentials, artifacts ------------------------------------


def _image_step(image: str) -> TaskSpec:
    return spec_of({"steps": [{"name": "ImageName", "image": image}]})


CONTEXT_CASES = [
    ("taskName without taskRun", "Task1", {}, 0, "$(context.task.name)-1", "Task1-1"),
    (
        "taskName with taskRun",
        "Task1",
        {"metadata": {"name": "taskrunName"}},
        0,
        "$(context.task.name)-1",
        "Task1-1",
    ),
    (
        "taskRunName with defined taskRun",
        "Task1",
        {"metadata": {"name": "taskrunName"}},
        0,
        "$(context.taskRun.name)-1",
        "taskrunName-1",
    ),
    ("taskRunName without name", "Task1", {}, 0, "$(context.taskRun.name)-1", "-1"),
    ("namespace without namespace", "Task1", {}, 0, "$(context.taskRun.namespace)-1", "-1"),
    (
        "namespace with namespace",
        "Task1",
        {"metadata": {"name": "taskrunName", "namespace": "trNamespace"}},
        0,
        "$(context.taskRun.namespace)-1",
        "trNamespace-1",
    ),
    ("no taskName", "", {}, 0, "$(context.task.name)-1", "-1"),
    ("uid", "Task1", {"metadata": {"uid": "UID-1"}}, 0, "$(context.taskRun.uid)", "UID-1"),
    ("retry count", "", {}, 2, "$(context.task.retry-count)-1", "2-1"),
    ("retry count never retried", "", {}, 0, "$(context.task.retry-count)-1", "0-1"),
]


@pytest.mark.parametrize(
    ("task_name", "run", "retries", "image", "want"),
    [c[1:] for c in CONTEXT_CASES],
    ids=[c[0] for c in CONTEXT_CASES],
)
def test_apply_contexts(task_name: str, run: Json, retries: int, image: str, want: str) -> None:
    got = apply_contexts(_image_step(image), task_name, run_of(run), retries)
    assert got == _image_step(want)


def test_task_results() -> None:
    spec: Json = {
        "results": [
            {"name": "current.date.unix.timestamp", "description": "The current date in unix"},
            {"name": "current-date-human-readable", "description": "The current date"},
        ],
        "steps": [
            {
                "name": "print-date-unix-timestamp",
                "image": "bash:latest",
                "args": ['$(results["current.date.unix.timestamp"].path)'],
                "script": "#!/usr/bin/env bash\n"
                'date +%s | tee $(results["current.date.unix.timestamp"].path)',
            },
            {
                "name": "print-date-human-readable",
                "image": "bash:latest",
                "script": "#!/usr/bin/env bash\n"
                "date | tee $(results.current-date-human-readable.path)",
            },
            {
                "name": "print-date-human-readable-again",
                "image": "bash:latest",
                "script": "#!/usr/bin/env bash\n"
                "date | tee $(results['current-date-human-readable'].path)",
            },
        ],
    }

    def change(d: Json) -> None:
        d["steps"][0]["script"] = (
            "#!/usr/bin/env bash\ndate +%s | tee /tekton/results/current.date.unix.timestamp"
        )
        d["steps"][0]["args"] = ["/tekton/results/current.date.unix.timestamp"]
        human = "#!/usr/bin/env bash\ndate | tee /tekton/results/current-date-human-readable"
        d["steps"][1]["script"] = human
        d["steps"][2]["script"] = human

    assert apply_results(spec_of(spec)) == mutated(spec, change)


def test_step_results() -> None:
    spec: Json = {
        "steps": [
            {
                "name": "print-date-unix-timestamp",
                "results": [{"name": "current.date.unix.timestamp"}],
                "image": "bash:latest",
                "args": ['$(step.results["current.date.unix.timestamp"].path)'],
                "script": "#!/usr/bin/env bash\n"
                'date +%s | tee $(step.results["current.date.unix.timestamp"].path)',
            },
            {
                "name": "print-date-human-readable",
                "results": [{"name": "current-date-human-readable"}],
                "image": "bash:latest",
                "script": "#!/usr/bin/env bash\n"
                "date | tee $(step.results.current-date-human-readable.path)",
            },
            {
                "name": "print-date-human-readable-again",
                "image": "bash:latest",
                "results": [{"name": "current-date-human-readable"}],
                "script": "#!/usr/bin/env bash\n"
                "date | tee $(step.results['current-date-human-readable'].path)",
            },
        ]
    }

    def change(d: Json) -> None:
        first = "/tekton/steps/step-print-date-unix-timestamp/results/current.date.unix.timestamp"
        d["steps"][0]["script"] = "#!/usr/bin/env bash\ndate +%s | tee " + first
        d["steps"][0]["args"] = [first]
        d["steps"][1]["script"] = (
            "#!/usr/bin/env bash\ndate | tee "
            "/tekton/steps/step-print-date-human-readable/results/current-date-human-readable"
        )
        d["steps"][2]["script"] = (
            "#!/usr/bin/env bash\ndate | tee /tekton/steps/step-print-date-human-readable-again"
            "/results/current-date-human-readable"
        )

    assert apply_results(spec_of(spec)) == mutated(spec, change)


def test_step_results_are_per_step() -> None:
    # Not in apply_test.go: a step sees only its own step.results paths.
    spec = spec_of(
        {
            "steps": [
                {"name": "a", "results": [{"name": "r"}], "script": "$(step.results.r.path)"},
                {"name": "b", "script": "$(step.results.r.path)"},
            ]
        }
    )
    got = apply_results(spec)
    assert got.steps is not None
    assert [s.script for s in got.steps] == [
        "/tekton/steps/step-a/results/r",
        "$(step.results.r.path)",
    ]


def test_apply_step_exit_code_path() -> None:
    spec: Json = {
        "steps": [
            {"image": "bash:latest", "script": "#!/usr/bin/env bash\nexit 11"},
            {
                "name": "failing-step",
                "image": "bash:latest",
                "script": "#!/usr/bin/env bash\ncat $(steps.step-unnamed-0.exitCode.path)",
            },
            {
                "name": "check-failing-step",
                "image": "bash:latest",
                "script": "#!/usr/bin/env bash\ncat $(steps.step-failing-step.exitCode.path)",
            },
        ]
    }

    def change(d: Json) -> None:
        d["steps"][1]["script"] = "#!/usr/bin/env bash\ncat /tekton/steps/step-unnamed-0/exitCode"
        d["steps"][2]["script"] = (
            "#!/usr/bin/env bash\ncat /tekton/steps/step-failing-step/exitCode"
        )

    assert apply_step_exit_code_path(spec_of(spec)) == mutated(spec, change)


@pytest.mark.parametrize(
    ("step", "path", "want"),
    [
        (
            {"command": ["cp"], "args": ["-R", "$(credentials.path)/", "$HOME"]},
            "/tekton/creds",
            {"command": ["cp"], "args": ["-R", "/tekton/creds/", "$HOME"]},
        ),
        (
            {"script": 'cp -R "$(credentials.path)/" $HOME'},
            "/tekton/home",
            {"script": 'cp -R "/tekton/home/" $HOME'},
        ),
    ],
    ids=["replacement in spec container", "replacement in spec Script"],
)
def test_apply_credentials_path(step: Json, path: str, want: Json) -> None:
    assert apply_credentials_path(spec_of({"steps": [step]}), path) == spec_of({"steps": [want]})


def test_artifacts() -> None:
    spec: Json = {
        "steps": [
            {
                "name": "name1",
                "image": "bash:latest",
                "args": ["$(step.artifacts.path)"],
                "script": "#!/usr/bin/env bash\n echo -n $(step.artifacts.path) $(artifacts.path)",
            }
        ]
    }

    def change(d: Json) -> None:
        path = "/tekton/steps/step-name1/artifacts/provenance.json"
        d["steps"][0]["args"] = [path]
        d["steps"][0]["script"] = (
            f"#!/usr/bin/env bash\n echo -n {path} /tekton/artifacts/provenance.json"
        )

    assert apply_artifacts(spec_of(spec)) == mutated(spec, change)


def test_step_container_name() -> None:
    assert step_container_name("build", 3) == "step-build"
    assert step_container_name("", 3) == "step-unnamed-3"


# -- TaskRun workspace bindings and pod template ---------------------------------------------

BINDING_CASES = [
    (
        "pvc",
        "claim-name",
        {"name": "w", "persistentVolumeClaim": {"claimName": "$(params.claim-name)"}},
        {"name": "w", "persistentVolumeClaim": {"claimName": "claim-value"}},
    ),
    (
        "subPath",
        "subPath-name",
        {"name": "w", "subPath": "$(params.subPath-name)", "emptyDir": {}},
        {"name": "w", "subPath": "subPath-value", "emptyDir": {}},
    ),
    (
        "configMap",
        "configMap-name",
        {
            "name": "w",
            "configMap": {
                "name": "$(params.configMap-name)",
                "items": [{"key": "$(params.configMap-name)", "path": "$(params.configMap-name)"}],
            },
        },
        {
            "name": "w",
            "configMap": {
                "name": "configMap-value",
                "items": [{"key": "configMap-value", "path": "configMap-value"}],
            },
        },
    ),
    (
        "secret",
        "secret-name",
        {"name": "w", "secret": {"secretName": "$(params.secret-name)"}},
        {"name": "w", "secret": {"secretName": "secret-value"}},
    ),
    (
        "projected-sources-configMap",
        "configMap-name",
        {
            "name": "w",
            "projected": {"sources": [{"configMap": {"name": "$(params.configMap-name)"}}]},
        },
        {"name": "w", "projected": {"sources": [{"configMap": {"name": "configMap-value"}}]}},
    ),
    (
        "projected-sources-secret",
        "secret-name",
        {"name": "w", "projected": {"sources": [{"secret": {"name": "$(params.secret-name)"}}]}},
        {"name": "w", "projected": {"sources": [{"secret": {"name": "secret-value"}}]}},
    ),
    (
        "csi-driver",
        "csi-driver-name",
        {"name": "w", "csi": {"driver": "$(params.csi-driver-name)"}},
        {"name": "w", "csi": {"driver": "csi-driver-value"}},
    ),
    (
        "csi-nodePublishSecretRef-name",
        "csi-nodePublishSecretRef-name",
        {
            "name": "w",
            "csi": {
                "driver": "d",
                "nodePublishSecretRef": {"name": "$(params.csi-nodePublishSecretRef-name)"},
            },
        },
        {
            "name": "w",
            "csi": {
                "driver": "d",
                "nodePublishSecretRef": {"name": "csi-nodePublishSecretRef-value"},
            },
        },
    ),
]


@pytest.mark.parametrize(
    ("param", "binding", "want"), [c[1:] for c in BINDING_CASES], ids=[c[0] for c in BINDING_CASES]
)
def test_apply_parameters_to_workspace_bindings(param: str, binding: Json, want: Json) -> None:
    spec = spec_of({"params": [{"name": param, "type": "string"}]})
    value = param.removesuffix("-name") + "-value"
    run = run_of({"spec": {"workspaces": [binding], "params": [{"name": param, "value": value}]}})
    got = apply_parameters_to_workspace_bindings(spec, run)
    assert got == [msgspec.convert(want, WorkspaceBinding)]
    assert run.spec.workspaces == [msgspec.convert(binding, WorkspaceBinding)]


POD_TEMPLATE: Json = {
    "nodeSelector": {
        "kubernetes.io/arch": "$(params.myimage)",
        "disktype": "$(params.FOO)",
        "static": "value",
    },
    "tolerations": [
        {
            "key": "$(params.myimage)",
            "value": "$(params.FOO)",
            "operator": "Equal",
            "effect": "NoSchedule",
        }
    ],
    "runtimeClassName": "$(params.myimage)",
    "schedulerName": "$(params.FOO)",
    "priorityClassName": "$(params.myimage)",
    "imagePullSecrets": [{"name": "$(params.myimage)"}, {"name": "$(params.FOO)"}],
    "hostAliases": [
        {"ip": "$(params.myimage)", "hostnames": ["$(params.FOO).example.com", "host2.example.com"]}
    ],
    "env": [
        {"name": "$(params.myimage)", "value": "$(params.FOO)"},
        {"name": "STATIC_VAR", "value": "static_value"},
        {
            "name": "FROM_CONFIG",
            "valueFrom": {
                "configMapKeyRef": {
                    "name": "config-$(params.myimage)",
                    "key": "config-key-$(params.FOO)",
                }
            },
        },
        {
            "name": "FROM_SECRET",
            "valueFrom": {
                "secretKeyRef": {
                    "name": "secret-$(params.myimage)",
                    "key": "secret-key-$(params.FOO)",
                }
            },
        },
        {
            "name": "FROM_FIELD",
            "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName.$(params.myimage)"}},
        },
        {
            "name": "FROM_RESOURCE",
            "valueFrom": {
                "resourceFieldRef": {
                    "resource": "limits.memory.$(params.FOO)",
                    "containerName": "container-$(params.myimage)",
                }
            },
        },
    ],
    "dnsConfig": {
        "nameservers": ["$(params.myimage)", "$(params.FOO)"],
        "searches": ["$(params.FOO).local"],
        "options": [{"name": "$(params.myimage)", "value": "$(params.FOO)"}],
    },
    "dnsPolicy": "ClusterFirst",
    "securityContext": {
        "seLinuxOptions": {
            "user": "$(params.myimage)",
            "role": "$(params.FOO)",
            "type": "container_t",
            "level": "s0:c123,c456",
        },
        "windowsOptions": {
            "gmsaCredentialSpecName": "$(params.myimage)",
            "gmsaCredentialSpec": "$(params.FOO)",
            "runAsUserName": "$(params.myimage)",
        },
        "appArmorProfile": {"type": "Localhost", "localhostProfile": "$(params.myimage)"},
        "sysctls": [{"name": "$(params.myimage)", "value": "$(params.FOO)"}],
        "fsGroupChangePolicy": "OnRootMismatch",
        "supplementalGroupsPolicy": "Merge",
        "seccompProfile": {"type": "Localhost", "localhostProfile": "$(params.FOO)"},
        "seLinuxChangePolicy": "MountOption",
    },
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {
                                "key": "$(params.myimage)",
                                "operator": "In",
                                "values": ["$(params.FOO)"],
                            }
                        ],
                        "matchFields": [
                            {
                                "key": "$(params.myimage)",
                                "operator": "In",
                                "values": ["$(params.FOO)"],
                            }
                        ],
                    }
                ]
            },
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 1,
                    "preference": {
                        "matchExpressions": [
                            {
                                "key": "$(params.myimage)",
                                "operator": "In",
                                "values": ["$(params.FOO)"],
                            }
                        ]
                    },
                }
            ],
        },
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {
                        "matchLabels": {"$(params.myimage)": "$(params.FOO)"},
                        "matchExpressions": [
                            {
                                "key": "$(params.myimage)",
                                "operator": "In",
                                "values": ["$(params.FOO)"],
                            }
                        ],
                    },
                    "topologyKey": "$(params.myimage)",
                    "namespaces": ["$(params.FOO)"],
                    "namespaceSelector": {"matchLabels": {"$(params.myimage)": "$(params.FOO)"}},
                }
            ],
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 1,
                    "podAffinityTerm": {
                        "labelSelector": {"matchLabels": {"$(params.myimage)": "$(params.FOO)"}},
                        "topologyKey": "$(params.myimage)",
                    },
                }
            ],
        },
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"$(params.myimage)": "$(params.FOO)"}},
                    "topologyKey": "$(params.myimage)",
                }
            ]
        },
    },
    "topologySpreadConstraints": [
        {
            "maxSkew": 1,
            "topologyKey": "$(params.myimage)",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "$(params.FOO)"}},
        }
    ],
    "volumes": [
        {
            "name": "$(params.myimage)",
            "configMap": {
                "name": "$(params.myimage)",
                "items": [{"key": "$(params.myimage)", "path": "$(params.FOO)"}],
            },
        },
        {
            "name": "secret-volume",
            "secret": {
                "secretName": "$(params.myimage)",
                "items": [{"key": "$(params.myimage)", "path": "$(params.FOO)"}],
            },
        },
        {"name": "pvc-volume", "persistentVolumeClaim": {"claimName": "$(params.myimage)"}},
        {
            "name": "projected-volume",
            "projected": {
                "sources": [
                    {
                        "configMap": {"name": "$(params.myimage)"},
                        "secret": {"name": "$(params.myimage)"},
                        "serviceAccountToken": {"audience": "$(params.FOO)"},
                    }
                ]
            },
        },
        {
            "name": "csi-volume",
            "csi": {
                "driver": "d",
                "volumeAttributes": {"secretProviderClass": "$(params.myimage)"},
                "nodePublishSecretRef": {"name": "$(params.myimage)"},
            },
        },
    ],
}


def test_apply_pod_template_replacements() -> None:
    run = run_of(
        {
            "spec": {
                "params": [{"name": "myimage", "value": "bar"}, {"name": "FOO", "value": "world"}],
                "podTemplate": POD_TEMPLATE,
            }
        }
    )
    text = msgspec.json.encode(POD_TEMPLATE).decode()
    want = msgspec.json.decode(
        text.replace("$(params.myimage)", "bar").replace("$(params.FOO)", "world"),
        type=PodTemplate,
    )
    assert apply_pod_template_replacements(run.spec.pod_template, run) == want
    # The input is left alone.
    assert run.spec.pod_template == msgspec.convert(POD_TEMPLATE, PodTemplate)


def test_apply_pod_template_replacements_none() -> None:
    assert apply_pod_template_replacements(None, run_of({})) is None


# -- the whole chain ---------------------------------------------------------------------------


def test_phase_order() -> None:
    # Not in apply_test.go: a param value is re-read by the later phases (context,
    # workspaces) but never by the params phase itself (one-pass replacement).
    spec = spec_of(
        {
            "params": [{"name": "p"}, {"name": "q", "default": "Q"}],
            "workspaces": [{"name": "src", "mountPath": "/src"}],
            "steps": [
                {
                    "name": "s",
                    "image": "img",
                    "args": ["$(params.p)"],
                    "script": "$(workspaces.src.path) $(context.task.retry-count)",
                }
            ],
        }
    )
    run = run_of(
        {
            "metadata": {"name": "tr", "namespace": "ns", "uid": "u"},
            "spec": {
                "params": [
                    {
                        "name": "p",
                        "value": "$(context.taskRun.name)/$(params.q)/$(workspaces.src.bound)",
                    }
                ],
                "workspaces": [{"name": "src", "emptyDir": {}}],
            },
        }
    )
    got = apply_task_run_substitutions(spec, run, "t", retry_count=1, volumes={"src": "ws-x"})
    assert got.steps is not None
    assert got.steps[0].args == ["tr/$(params.q)/true"]
    assert got.steps[0].script == "/src 1"


def test_propagated_workspace_is_declared() -> None:
    spec = spec_of(
        {"steps": [{"image": "i", "script": "ls $(workspaces.w.path) $(workspaces.w.claim)"}]}
    )
    run = run_of(
        {"spec": {"workspaces": [{"name": "w", "persistentVolumeClaim": {"claimName": "c"}}]}}
    )
    got = apply_task_run_substitutions(spec, run, "t", retry_count=0, volumes={"w": "ws-1"})
    assert got.workspaces is not None and [w.name for w in got.workspaces] == ["w"]
    assert got.steps is not None and got.steps[0].script == "ls /workspace/w c"
    assert spec.workspaces is None


def test_replacements_never_mutate_input() -> None:
    spec = spec_of(SIMPLE_TASK_SPEC)
    before = msgspec.to_builtins(spec)
    apply_task_spec_replacements(spec, {"params.FOO": "x", "params.myimage": "y"})
    assert msgspec.to_builtins(spec) == before


def test_step_when_is_substituted() -> None:
    # Not in apply_test.go: step `when` goes through WhenExpressions.ReplaceVariables.
    spec = spec_of(
        {
            "steps": [
                {
                    "image": "i",
                    "when": [
                        {"input": "$(params.s)", "operator": "in", "values": ["$(params.a[*])"]},
                        {"cel": "'$(workspaces.w.bound)' == 'true'"},
                    ],
                }
            ]
        }
    )
    run = run_of(
        {
            "spec": {
                "params": [{"name": "s", "value": "x"}, {"name": "a", "value": ["x", "y"]}],
                "workspaces": [{"name": "w", "emptyDir": {}}],
            }
        }
    )
    got = apply_task_run_substitutions(spec, run, "t", retry_count=0, volumes={})
    assert got.steps is not None
    assert [msgspec.to_builtins(w) for w in got.steps[0].when or ()] == [
        {"input": "x", "operator": "in", "values": ["x", "y"]},
        {"cel": "'true' == 'true'"},
    ]
