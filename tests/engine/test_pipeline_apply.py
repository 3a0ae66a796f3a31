"""Pipeline-scope substitution; cases lifted from Tekton's
``pkg/reconciler/pipelinerun/resources/apply_test.go`` unless marked otherwise."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
import yaml

from tektite.api.models import (
    Artifacts,
    PipelineRun,
    PipelineSpec,
    PipelineTask,
    RunResult,
    TaskRun,
    TaskSpec,
    WorkspaceBinding,
)
from tektite.engine.pipeline_apply import (
    ParamResolutionError,
    ResolvedResult,
    apply_contexts,
    apply_parameters,
    apply_parameters_to_workspace_bindings,
    apply_pipeline_task_contexts,
    apply_pipeline_task_state_context,
    apply_results_to_workspace_bindings,
    apply_task_results,
    apply_workspaces,
    embedded_task_spec,
    propagate_artifacts,
    propagate_results,
    resolve_pipeline_parameters,
    result_replacements,
)

Json = dict[str, Any]


def load(text: str) -> Any:
    return yaml.safe_load(text)


def spec_of(text: str) -> PipelineSpec:
    return msgspec.convert(load(text), PipelineSpec)


def task_of(text: str) -> PipelineTask:
    return msgspec.convert(load(text), PipelineTask)


def run_of(params: str = "[]", **meta: str) -> PipelineRun:
    return msgspec.convert(
        {"metadata": meta, "spec": {"params": load(params), "pipelineRef": {"name": "p"}}},
        PipelineRun,
    )


def dump(obj: Any) -> Any:
    return msgspec.to_builtins(obj)


def applied(spec: str, params: str = "[]") -> Json:
    out: Json = dump(apply_parameters(spec_of(spec), run_of(params)))
    return out


def tasks_params(out: Json, section: str = "tasks") -> list[Any]:
    return [p["value"] for p in out[section][0]["params"]]


# -- ApplyParameters ------------------------------------------------------------------------


def test_single_parameter() -> None:
    out = applied(
        """
params:
- {name: first-param, type: string, default: default-value}
- {name: second-param, type: string}
tasks:
- params:
  - {name: first-task-first-param, value: $(params.first-param)}
  - {name: first-task-second-param, value: $(params.second-param)}
  - {name: first-task-third-param, value: static value}
""",
        "[{name: second-param, value: second-value}]",
    )
    assert tasks_params(out) == ["default-value", "second-value", "static value"]


@pytest.mark.parametrize("section", ["tasks", "finally"])
def test_propagation_string_no_task_param(section: str) -> None:
    out = applied(
        f"""
{section}:
- taskSpec:
    steps:
    - name: step1
      image: ubuntu
      script: '#!/usr/bin/env bash\\necho "$(params.HELLO)"'
""",
        "[{name: HELLO, value: hello param!}]",
    )
    assert out[section][0]["taskSpec"]["steps"][0]["script"] == (
        '#!/usr/bin/env bash\\necho "hello param!"'
    )


@pytest.mark.parametrize("section", ["tasks", "finally"])
def test_propagation_array_no_task_param(section: str) -> None:
    out = applied(
        f"""
{section}:
- taskSpec:
    steps:
    - name: step1
      image: ubuntu
      args: ["#!/usr/bin/env bash\\n", echo, $(params.HELLO)]
""",
        "[{name: HELLO, value: [hello, param!]}]",
    )
    assert out[section][0]["taskSpec"]["steps"][0]["args"] == [
        "#!/usr/bin/env bash\n",
        "echo",
        "hello",
        "param!",
    ]


@pytest.mark.parametrize("section", ["tasks", "finally"])
def test_propagation_object_no_task_param(section: str) -> None:
    out = applied(
        f"""
{section}:
- taskSpec:
    steps:
    - name: step1
      image: ubuntu
      args: ["#!/usr/bin/env bash\\n", echo, "$(params.myObject.key1) $(params.myObject.key2)"]
""",
        "[{name: myObject, value: {key1: hello, key2: param!}}]",
    )
    assert out[section][0]["taskSpec"]["steps"][0]["args"][-1] == "hello param!"


def test_propagation_with_task_default_but_no_task_param_pipeline_wins() -> None:
    out = applied(
        """
tasks:
- taskSpec:
    params:
    - {name: HELLO, default: default param!}
    steps:
    - {name: step1, image: ubuntu, script: 'echo "$(params.HELLO)"'}
""",
        "[{name: HELLO, value: pipeline param!}]",
    )
    assert out["tasks"][0]["taskSpec"]["steps"][0]["script"] == 'echo "pipeline param!"'


@pytest.mark.parametrize("section", ["tasks", "finally"])
def test_propagation_task_param_wins(section: str) -> None:
    out = applied(
        f"""
{section}:
- params:
  - {{name: HELLO, value: task param!}}
  taskSpec:
    params:
    - {{name: HELLO, default: default param!}}
    steps:
    - {{name: step1, image: ubuntu, script: 'echo "$(params.HELLO)"'}}
""",
        "[{name: HELLO, value: pipeline param!}]",
    )
    assert out[section][0]["taskSpec"]["steps"][0]["script"] == 'echo "task param!"'
    assert out[section][0]["params"] == [{"name": "HELLO", "value": "task param!"}]


def test_propagation_array_task_param_wins() -> None:
    out = applied(
        """
tasks:
- params:
  - {name: HELLO, value: [task, param!]}
  taskSpec:
    params:
    - {name: HELLO, default: [default, param!]}
    steps:
    - {name: step1, image: ubuntu, args: ["#!/usr/bin/env bash\\n", echo, $(params.HELLO)]}
""",
        "[{name: HELLO, value: [pipeline, param!]}]",
    )
    assert out["tasks"][0]["taskSpec"]["steps"][0]["args"][1:] == ["echo", "task", "param!"]


def test_propagation_object_task_param_wins() -> None:
    out = applied(
        """
tasks:
- params:
  - {name: myobject, value: {key1: task, key2: param!}}
  taskSpec:
    params:
    - name: myobject
      properties: {key1: {type: string}, key2: {type: string}}
      default: {key1: default, key2: param!!}
    steps:
    - name: step1
      image: ubuntu
      args: ["#!/usr/bin/env bash\\n", echo, "$(params.myobject.key1) $(params.myobject.key2)"]
""",
        "[{name: myobject, value: {key1: pipeline, key2: param!!!}}]",
    )
    assert out["tasks"][0]["taskSpec"]["steps"][0]["args"][-1] == "task param!"


def test_propagation_shadow_only_for_names_the_pipeline_defines() -> None:
    # Tekton only overrides keys that exist at the pipeline level; a task param the
    # pipeline does not know is left for the TaskRun (its own defaults).
    out = applied(
        """
tasks:
- params:
  - {name: other, value: task value}
  taskSpec:
    params: [{name: other}]
    steps:
    - {name: s, image: i, script: '$(params.other) $(params.HELLO)'}
""",
        "[{name: HELLO, value: hi}]",
    )
    assert out["tasks"][0]["taskSpec"]["steps"][0]["script"] == "$(params.other) hi"


def test_when_expressions_string_and_object() -> None:
    out = applied(
        """
params:
- {name: first-param, type: string, default: default-value}
- {name: second-param, type: string}
tasks:
- when:
  - {input: $(params.first-param), operator: in, values: [$(params.second-param)]}
""",
        "[{name: second-param, value: second-value}]",
    )
    assert out["tasks"][0]["when"] == [
        {"input": "default-value", "operator": "in", "values": ["second-value"]}
    ]
    out = applied(
        """
params:
- name: myobject
  type: object
  properties: {key1: {type: string}, key2: {type: string}, key3: {type: string}}
  default: {key1: val1, key2: val2, key3: val3}
tasks:
- when:
  - input: $(params.myobject.key1)
    operator: in
    values: [$(params.myobject.key2), $(params.myobject.key3)]
""",
        "[{name: myobject, value: {key1: val1, key2: val2, key3: val1}}]",
    )
    assert out["tasks"][0]["when"][0]["input"] == "val1"
    assert out["tasks"][0]["when"][0]["values"] == ["val2", "val1"]


def test_pipeline_parameter_nested_inside_task_parameter() -> None:
    out = applied("""
params:
- {name: first-param, type: string, default: default-value}
- {name: second-param, type: string, default: default-value}
tasks:
- params:
  - {name: a, value: $(input.workspace.$(params.first-param))}
  - {name: b, value: $(input.workspace.$(params.second-param))}
""")
    assert tasks_params(out) == ["$(input.workspace.default-value)"] * 2
    out = applied(
        """
params:
- {name: first-param, type: array, default: [default, array, value]}
- {name: second-param, type: array}
tasks:
- params:
  - {name: a, value: [firstelement, $(params.first-param)]}
  - {name: b, value: [firstelement, $(params.second-param)]}
""",
        "[{name: second-param, value: [second-value, array]}]",
    )
    assert tasks_params(out) == [
        ["firstelement", "default", "array", "value"],
        ["firstelement", "second-value", "array"],
    ]
    out = applied("""
params:
- name: myobject
  type: object
  properties: {key1: {type: string}, key2: {type: string}}
  default: {key1: val1, key2: val2}
tasks:
- params:
  - {name: a, value: $(input.workspace.$(params.myobject.key1))}
  - {name: b, value: $(input.workspace.$(params.myobject.key2))}
""")
    assert tasks_params(out) == ["$(input.workspace.val1)", "$(input.workspace.val2)"]


def test_parameter_evaluation_with_both_tasks_and_final_tasks() -> None:
    out = applied(
        """
params:
- {name: first-param, type: string, default: default-value}
- {name: second-param, type: string}
tasks:
- params:
  - {name: a, value: $(params.first-param)}
  - {name: b, value: $(params.second-param)}
finally:
- params:
  - {name: a, value: $(params.first-param)}
  - {name: b, value: $(params.second-param)}
""",
        "[{name: second-param, value: second-value}]",
    )
    assert tasks_params(out) == ["default-value", "second-value"]
    assert tasks_params(out, "finally") == ["default-value", "second-value"]


def test_bracket_notation_and_special_characters() -> None:
    out = applied(
        """
params:
- {name: first.param, type: string, default: default-value}
- {name: second/param, type: string}
- {name: third.param, type: string, default: default-value}
- {name: fourth/param, type: string}
tasks:
- params:
  - {name: a, value: '$(params["first.param"])'}
  - {name: b, value: '$(params["second/param"])'}
  - {name: c, value: "$(params['third.param'])"}
  - {name: d, value: "$(params['fourth/param'])"}
  - {name: e, value: static value}
""",
        "[{name: second/param, value: second-value}, {name: fourth/param, value: fourth-value}]",
    )
    assert tasks_params(out) == [
        "default-value",
        "second-value",
        "default-value",
        "fourth-value",
        "static value",
    ]


def test_parameters_in_workspace_sub_path_and_resolver_params() -> None:
    out = applied(
        """
params:
- {name: first-param, type: string, default: default-value}
- {name: second-param, type: string}
- name: myobject
  type: object
  properties: {key1: {type: string}}
  default: {key1: val1}
tasks:
- workspaces:
  - {name: first-workspace, workspace: first-workspace, subPath: $(params.second-param)}
  taskRef:
    resolver: bundles
    params:
    - {name: first, value: $(params.first-param)}
    - {name: second, value: $(params.myobject.key1)}
    - {name: whole, value: '$(params.myobject[*])'}
finally:
- workspaces:
  - {name: first-workspace, workspace: first-workspace, subPath: $(params.second-param)}
""",
        "[{name: second-param, value: second-value}]",
    )
    assert out["tasks"][0]["workspaces"][0]["subPath"] == "second-value"
    assert out["finally"][0]["workspaces"][0]["subPath"] == "second-value"
    assert [p["value"] for p in out["tasks"][0]["taskRef"]["params"]] == [
        "default-value",
        "val1",
        {"key1": "val1"},
    ]


def test_tasks_with_the_same_parameter_name_referencing_different_values() -> None:
    out = applied("""
params:
- {name: param1, type: string, default: a}
tasks:
- name: previous-task-with-result
- name: print-msg
  taskSpec:
    params: [{name: param1, type: string}]
    steps: [{name: s, image: i, script: $(params.param1)}]
  params:
  - {name: param1, value: $(tasks.previous-task-with-result.results.Output)}
- name: print-msg-2
  taskSpec:
    params: [{name: param1, type: string}]
    steps: [{name: s, image: i, script: $(params.param1)}]
  params:
  - {name: param1, value: $(params.param1)}
""")
    scripts = [t.get("taskSpec", {}).get("steps", [{}])[0].get("script") for t in out["tasks"]]
    assert scripts == [None, "$(tasks.previous-task-with-result.results.Output)", "a"]


def test_display_name_on_error_and_matrixed_display_name() -> None:
    out = applied(
        """
params:
- {name: first-param, type: string, default: default-value}
- {name: second-param, type: string, default: default-value}
- {name: onerror, type: string}
tasks:
- displayName: Human Readable Name $(params.first-param) $(params.second-param)
  onError: $(params.onerror)
- displayName: Matrixed $(params.first-param)
  matrix:
    params: [{name: a, value: [x]}]
finally:
- displayName: Human Readable Name $(params.first-param) $(params.second-param)
""",
        "[{name: second-param, value: second-value}, {name: onerror, value: new-onerror-value}]",
    )
    assert out["tasks"][0]["displayName"] == "Human Readable Name default-value second-value"
    assert out["tasks"][0]["onError"] == "new-onerror-value"
    assert out["finally"][0]["displayName"] == "Human Readable Name default-value second-value"
    # Tekton does not substitute params into a matrixed task's displayName here.
    assert out["tasks"][1]["displayName"] == "Matrixed $(params.first-param)"


@pytest.mark.parametrize(
    ("defaults", "params", "want"),
    [
        ("fallback", "[]", "pipeline fallback value"),
        ("fallback", "[{name: fallback-param, value: override fallback}]", "override fallback"),
        ("fallback", "[{name: param, value: override param}]", "override param"),
        ("chain-forward", "[]", "docker.io/myorg/app:v1"),
        ("chain-reverse", "[]", "docker.io/myorg/app:v1"),
        ("multiple", "[]", "gcr.io/my-project/backend:1.0.0"),
        ("non-param", "[]", "interpolated-name: $(context.pipeline.name)"),
    ],
)
def test_defaults_referencing_params(defaults: str, params: str, want: str) -> None:
    specs = {
        "fallback": """
- {name: fallback-param, type: string, default: pipeline fallback value}
- {name: param, type: string, default: $(params.fallback-param)}""",
        "chain-forward": """
- {name: base-registry, type: string, default: docker.io}
- {name: registry, type: string, default: $(params.base-registry)/myorg}
- {name: param, type: string, default: '$(params.registry)/app:v1'}""",
        "chain-reverse": """
- {name: param, type: string, default: '$(params.registry)/app:v1'}
- {name: registry, type: string, default: $(params.base-registry)/myorg}
- {name: base-registry, type: string, default: docker.io}""",
        "multiple": """
- {name: registry, type: string, default: gcr.io}
- {name: project, type: string, default: my-project}
- {name: app, type: string, default: backend}
- {name: version, type: string, default: 1.0.0}
- name: param
  type: string
  default: '$(params.registry)/$(params.project)/$(params.app):$(params.version)'""",
        "non-param": """
- {name: param, type: string, default: 'interpolated-name: $(context.pipeline.name)'}""",
    }
    out = applied(
        f"params:{specs[defaults]}\ntasks:\n- params: [{{name: t, value: $(params.param)}}]",
        params,
    )
    assert tasks_params(out) == [want]


def test_array_and_object_defaults_referencing_string_params() -> None:
    out = applied("""
params:
- {name: registry, type: string, default: docker.io}
- {name: port, type: string, default: "5000"}
- {name: images, type: array, default: [$(params.registry)/app1, $(params.registry)/app2, alpine]}
- {name: config, type: object, default: {host: $(params.registry), port: $(params.port)}}
tasks:
- params:
  - {name: task-images, value: '$(params.images[*])'}
  - {name: task-host, value: $(params.config.host)}
  - {name: task-port, value: $(params.config.port)}
  - {name: second-image, value: '$(params.images[1])'}
""")
    assert tasks_params(out) == [
        ["docker.io/app1", "docker.io/app2", "alpine"],
        "docker.io",
        "5000",
        "docker.io/app2",
    ]


@pytest.mark.parametrize(
    ("defaults", "want"),
    [
        (
            "[{name: image-url, default: $(params.full-path)/app}, "
            "{name: full-path, default: $(params.image-url)}]",
            'parameter resolution failed: circular dependency detected in param "params.image-url"',
        ),
        (
            "[{name: registry, default: $(params.registry)}]",
            'parameter resolution failed: circular dependency detected in param "params.registry"',
        ),
        (
            "[{name: a, default: $(params.b)}, {name: b, default: $(params.c)}, "
            "{name: c, default: $(params.a)}]",
            'parameter resolution failed: circular dependency detected in param "params.a"',
        ),
        (
            "[{name: image-url, default: $(params.registry)/app}]",
            'parameter resolution failed: param "params.image-url" references undefined param '
            '"params.registry"',
        ),
        (
            "["
            + ", ".join(
                f"{{name: {a}, default: $(params.{b})}}"
                for a, b in zip("abcdefghijkl", "bcdefghijkla", strict=True)
            )
            + "]",
            "parameter resolution failed: maximum recursion depth (10) exceeded for param "
            '"params.l"',
        ),
    ],
)
def test_parameter_resolution_errors(defaults: str, want: str) -> None:
    spec = msgspec.convert({"params": load(defaults)}, PipelineSpec)
    for p in spec.params or ():
        p.type = "string"
    with pytest.raises(ParamResolutionError) as err:
        apply_parameters(spec, run_of())
    assert str(err.value) == want


def test_default_referencing_a_default_array_index_is_undefined() -> None:
    # Tekton resolves string defaults before array defaults: an index into a defaulted
    # array is an undefined reference at that point (apply.go, resolveStringParamRecursively).
    with pytest.raises(ParamResolutionError, match="references undefined param"):
        resolve_pipeline_parameters(
            spec_of(
                "params: [{name: a, type: array, default: [x]}, "
                "{name: s, type: string, default: '$(params.a[0])'}]"
            ).params,
            [],
        )


# -- array indexing -------------------------------------------------------------------------


def test_array_indexing() -> None:
    out = applied(
        """
params:
- {name: first-param, type: array, default: [default-value, default-value-again]}
- {name: second-param, type: string}
tasks:
- params:
  - {name: a, value: '$(params.first-param[1])'}
  - {name: b, value: '$(params.second-param[0])'}
  - {name: c, value: static value}
  when:
  - {input: '$(params.first-param[0])', operator: in, values: ['$(params.second-param[1])']}
  workspaces:
  - {name: w, workspace: w, subPath: '$(params.second-param[1])'}
""",
        "[{name: second-param, value: [second-value, second-value-again]}]",
    )
    assert tasks_params(out) == ["default-value-again", "second-value", "static value"]
    assert out["tasks"][0]["when"][0]["input"] == "default-value"
    assert out["tasks"][0]["when"][0]["values"] == ["second-value-again"]
    assert out["tasks"][0]["workspaces"][0]["subPath"] == "second-value-again"


# -- matrix ---------------------------------------------------------------------------------

MATRIX_RUN_PARAMS = (
    "[{name: foo, value: foo}, {name: bar, value: [b, a, r]}, "
    "{name: rad, value: {key1: r, key2: a, key3: d}}]"
)


@pytest.mark.parametrize("section", ["tasks", "finally"])
def test_matrix_params_replacements(section: str) -> None:
    out = applied(
        f"""
params: [{{name: foo, type: string}}, {{name: bar, type: array}}, {{name: rad, type: object}}]
{section}:
- matrix:
    params:
    - {{name: first-param, value: ['$(params.foo)', '$(params.bar[0])', '$(params.rad.key1)']}}
    - {{name: second-param, value: ['$(params.bar)']}}
    include:
    - name: build-1
      params:
      - {{name: first-param, value: $(params.foo)}}
      - {{name: second-param, value: '$(params.bar[0])'}}
      - {{name: third-param, value: $(params.rad.key1)}}
""",
        MATRIX_RUN_PARAMS,
    )
    matrix = out[section][0]["matrix"]
    assert [p["value"] for p in matrix["params"]] == [["foo", "b", "r"], ["b", "a", "r"]]
    assert [p["value"] for p in matrix["include"][0]["params"]] == ["foo", "b", "r"]


# -- ApplyTaskResults -------------------------------------------------------------------------

A_STRING = ResolvedResult("aTask", "a.Result", "aResultValue")
A_ARRAY = ResolvedResult("aTask", "a.Result", ["arrayResultValueOne", "arrayResultValueTwo"])


def results_applied(task: str, *results: ResolvedResult) -> Json:
    r = result_replacements(results)
    out: Json = dump(apply_task_results(task_of(task), r.strings, r.arrays, r.objects))
    return out


@pytest.mark.parametrize(
    ("value", "result", "want"),
    [
        ('$(tasks.aTask.results["a.Result"])', A_STRING, "aResultValue"),
        ('$(tasks.aTask.results["a.Result"][1])', A_ARRAY, "arrayResultValueTwo"),
        # Index validation happens when results are resolved, not here.
        ('$(tasks.aTask.results["a.Result"][3])', A_ARRAY, '$(tasks.aTask.results["a.Result"][3])'),
        (
            ['$(tasks.aTask.results["a.Result"][*])'],
            A_ARRAY,
            ["arrayResultValueOne", "arrayResultValueTwo"],
        ),
        (
            "$(tasks.aTask.results.resultName[*])",
            ResolvedResult("aTask", "resultName", {"key1": "val1", "key2": "val2"}),
            {"key1": "val1", "key2": "val2"},
        ),
        (
            "$(tasks.aTask.results.resultName.key1)",
            ResolvedResult("aTask", "resultName", {"key1": "val1", "key2": "val2"}),
            "val1",
        ),
        (
            "Result value --> $(tasks.aTask.results.a.Result)",
            A_STRING,
            "Result value --> aResultValue",
        ),
    ],
)
def test_apply_task_results_params(value: Any, result: ResolvedResult, want: Any) -> None:
    task = msgspec.json.encode(
        {
            "name": "bTask",
            "taskRef": {"name": "bTask"},
            "params": [{"name": "bParam", "value": value}],
        }
    ).decode()
    out = results_applied(task, result)
    assert out["params"] == [{"name": "bParam", "value": want}]


def test_apply_task_results_matrix_when_resolver_display_name_sub_path() -> None:
    results = (
        ResolvedResult("aTask", "foo", "foo"),
        ResolvedResult("aTask", "bar", ["b", "a", "r"]),
        ResolvedResult("aTask", "rad", {"key1": "r", "key2": "a", "key3": "d"}),
        ResolvedResult("aTask", "aResult", ["arrayResultValueOne", "arrayResultValueTwo"]),
        ResolvedResult("aTask", "s", "aResultValue"),
    )
    out = results_applied(
        """
name: bTask
displayName: Result value --> $(tasks.aTask.results.s)
taskRef:
  resolver: git
  params:
  - {name: bParam, value: ['$(tasks.aTask.results["aResult"][*])']}
  - {name: cParam, value: '$(tasks.aTask.results.aResult[1])'}
matrix:
  params:
  - name: first-param
    value:
    - $(tasks.aTask.results.foo)
    - '$(tasks.aTask.results.bar[0])'
    - $(tasks.aTask.results.rad.key1)
  - {name: second-param, value: ['$(tasks.aTask.results.bar[*])']}
  include:
  - name: build-1
    params:
    - {name: first-param, value: '$(tasks.aTask.results.bar[2])'}
when:
- {input: anInput, operator: in, values: ['$(tasks.aTask.results.aResult[*])']}
- {input: '$(tasks.aTask.results.aResult[1])', operator: in, values: [$(tasks.aTask.results.s)]}
workspaces:
- {name: ws-1, workspace: ws-1, subPath: $(tasks.aTask.results.s)}
""",
        *results,
    )
    assert out["displayName"] == "Result value --> aResultValue"
    assert [p["value"] for p in out["taskRef"]["params"]] == [
        ["arrayResultValueOne", "arrayResultValueTwo"],
        "arrayResultValueTwo",
    ]
    assert [p["value"] for p in out["matrix"]["params"]] == [["foo", "b", "r"], ["b", "a", "r"]]
    assert out["matrix"]["include"][0]["params"][0]["value"] == "r"
    assert out["when"][0]["values"] == ["arrayResultValueOne", "arrayResultValueTwo"]
    assert out["when"][1] == {
        "input": "arrayResultValueTwo",
        "operator": "in",
        "values": ["aResultValue"],
    }
    assert out["workspaces"][0]["subPath"] == "aResultValue"


def test_result_replacements_spellings() -> None:
    r = result_replacements(
        [
            ResolvedResult("t", "arr", ["x", "y"]),
            ResolvedResult("t", "obj", {"k": "v"}),
            ResolvedResult("t", "s", "z"),
        ]
    )
    assert r.strings == {
        "tasks.t.results.arr[0]": "x",
        'tasks.t.results["arr"][0]': "x",
        "tasks.t.results['arr'][0]": "x",
        "tasks.t.results.arr[1]": "y",
        'tasks.t.results["arr"][1]': "y",
        "tasks.t.results['arr'][1]": "y",
        "tasks.t.results.obj.k": "v",
        'tasks.t.results["obj"][k]': "v",
        "tasks.t.results['obj'][k]": "v",
        "tasks.t.results.s": "z",
        'tasks.t.results["s"]': "z",
        "tasks.t.results['s']": "z",
    }
    assert set(r.arrays) == {
        "tasks.t.results.arr",
        'tasks.t.results["arr"]',
        "tasks.t.results['arr']",
    }
    assert r.objects["tasks.t.results.obj"] == {"k": "v"}


# -- contexts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "value", "want"),
    [
        ({"name": "name"}, "$(context.pipeline.name)-1", "test-pipeline-1"),
        ({"name": "name"}, "$(context.pipelineRun.name)-1", "name-1"),
        ({"name": ""}, "$(context.pipelineRun.name)-1", "-1"),
        ({"namespace": "namespace"}, "$(context.pipelineRun.namespace)-1", "namespace-1"),
        ({"namespace": ""}, "$(context.pipelineRun.namespace)-1", "-1"),
        ({"uid": "UID"}, "$(context.pipelineRun.uid)-1", "UID-1"),
        ({"uid": ""}, "$(context.pipelineRun.uid)-1", "-1"),
    ],
)
def test_context(meta: dict[str, str], value: str, want: str) -> None:
    spec = msgspec.convert(
        {
            "tasks": [
                {
                    "displayName": value,
                    "params": [{"name": "p", "value": value}],
                    "matrix": {"params": [{"name": "p", "value": value}]},
                }
            ],
            "finally": [{"displayName": value, "params": [{"name": "p", "value": value}]}],
        },
        PipelineSpec,
    )
    out = dump(apply_contexts(spec, "test-pipeline", run_of(**meta)))
    assert out["tasks"][0]["params"][0]["value"] == want
    assert out["finally"][0]["params"][0]["value"] == want
    assert out["tasks"][0]["matrix"]["params"][0]["value"] == want
    assert out["tasks"][0]["displayName"] == want
    assert out["finally"][0]["displayName"] == want


def test_apply_pipeline_task_contexts_retries() -> None:
    retries = "$(context.pipelineTask.retries)"
    task = {
        "params": [{"name": "retries", "value": retries}],
        "matrix": {
            "params": [{"name": "retries", "value": retries}],
            "include": [{"name": "build-1", "params": [{"name": "retries", "value": retries}]}],
        },
    }
    for count, want in ((5, "5"), (0, "0")):
        pt = msgspec.convert({**task, "retries": count}, PipelineTask)
        out = dump(apply_pipeline_task_contexts(pt, None))
        assert out["params"][0]["value"] == want
        assert out["matrix"]["params"][0]["value"] == want
        assert out["matrix"]["include"][0]["params"][0]["value"] == want


def test_apply_pipeline_task_contexts_matrix_length() -> None:
    spec = spec_of("""
tasks:
- name: matrixed-task-run
  matrix:
    params:
    - {name: platform, value: [linux, mac, windows]}
    - {name: browser, value: [chrome, firefox, safari]}
""")
    pt = task_of("params: [{name: matrixlength, value: $(tasks.matrixed-task-run.matrix.length)}]")
    out = dump(apply_pipeline_task_contexts(pt, spec))
    assert out["params"] == [{"name": "matrixlength", "value": "9"}]


def test_apply_pipeline_task_contexts_matrix_results_length() -> None:
    spec = spec_of("""
tasks:
- name: matrix-emitting-results
  taskSpec:
    params: [{name: IMAGE, type: string}, {name: DIGEST, type: string}]
    results: [{name: IMAGE-DIGEST}]
    steps: [{name: produce-results, image: bash:latest, script: echo}]
  matrix:
    include:
    - {name: build-1, params: [{name: DOCKERFILE, value: p1}, {name: IMAGE, value: image-1}]}
    - {name: build-2, params: [{name: DOCKERFILE, value: p2}, {name: IMAGE, value: image-2}]}
    - {name: build-3, params: [{name: DOCKERFILE, value: p3}, {name: IMAGE, value: image-3}]}
""")
    runs = [
        msgspec.convert(
            {
                "metadata": {"name": f"matrix-emitting-results-{i}"},
                "status": {"results": [{"name": "IMAGE-DIGEST", "value": v}]},
            },
            TaskRun,
        )
        for i, v in enumerate(["123", "456", "789"])
    ]
    pt = task_of("""
displayName: >-
  A task created $(tasks.matrix-emitting-results.matrix.length) instances and each produced
  $(tasks.matrix-emitting-results.matrix.IMAGE-DIGEST.length) results
params:
- {name: matrixlength, value: $(tasks.matrix-emitting-results.matrix.length)}
- {name: matrixresultslength, value: $(tasks.matrix-emitting-results.matrix.IMAGE-DIGEST.length)}
""")
    out = dump(apply_pipeline_task_contexts(pt, spec, {"matrix-emitting-results": runs}))
    assert out["displayName"] == "A task created 3 instances and each produced 3 results"
    assert [p["value"] for p in out["params"]] == ["3", "3"]


@pytest.mark.parametrize(
    ("declarations", "bindings", "want"),
    [
        ([{"name": "foo"}], [{"name": "foo"}], "true"),
        ([{"name": "foo", "optional": True}], [], "false"),
    ],
)
def test_apply_workspaces(declarations: list[Json], bindings: list[Json], want: str) -> None:
    spec = msgspec.convert(
        {
            "tasks": [{"params": [{"name": "p", "value": "$(workspaces.foo.bound)"}]}],
            "workspaces": declarations,
        },
        PipelineSpec,
    )
    run = msgspec.convert(
        {"spec": {"pipelineRef": {"name": "test-pipeline"}, "workspaces": bindings}}, PipelineRun
    )
    assert dump(apply_workspaces(spec, run))["tasks"][0]["params"][0]["value"] == want


def test_apply_pipeline_task_state_context() -> None:
    # Not in apply_test.go as such: the finally-task status variables of
    # pipelinerun-task-execution-status.yaml.
    pt = task_of("""
name: final
displayName: '$(tasks.a.status)'
params:
- {name: a, value: $(tasks.a.status)}
- {name: r, value: $(tasks.a.reason)}
- {name: all, value: $(tasks.status)}
when:
- {input: $(tasks.a.status), operator: in, values: [Failed]}
""")
    out = dump(
        apply_pipeline_task_state_context(
            pt, {"tasks.a.status": "Failed", "tasks.a.reason": "Failed", "tasks.status": "Failed"}
        )
    )
    assert [p["value"] for p in out["params"]] == ["Failed"] * 3
    assert out["when"][0]["input"] == "Failed"
    assert out["displayName"] == "Failed"


# -- propagation into resolved specs -------------------------------------------------------------


def _results(**by_task: list[Json]) -> dict[str, list[RunResult]]:
    return {t: [msgspec.convert(r, RunResult) for r in rs] for t, rs in by_task.items()}


def test_propagate_results() -> None:
    spec = msgspec.convert(
        {
            "steps": [
                {
                    "name": "$(tasks.pt1.results.r1)",
                    "command": ["$(tasks.pt1.results.r2)"],
                    "args": ["$(tasks.pt2.results.r1)", "$(tasks.pt3.results.arr[*])"],
                    "env": [{"name": "E", "value": "$(tasks.pt3.results.obj.k)"}],
                }
            ]
        },
        TaskSpec,
    )
    results = _results(
        pt1=[
            {"name": "r1", "type": "string", "value": "step1"},
            {"name": "r2", "type": "string", "value": "echo"},
        ],
        pt2=[{"name": "r1", "type": "string", "value": "arg1"}],
        pt3=[
            {"name": "arr", "type": "array", "value": ["x", "y"]},
            {"name": "obj", "type": "object", "value": {"k": "v"}},
        ],
    )
    step = dump(propagate_results(spec, results))["steps"][0]
    assert step["name"] == "step1"
    assert step["command"] == ["echo"]
    assert step["args"] == ["arg1", "x", "y"]
    assert step["env"] == [{"name": "E", "value": "v"}]


def test_propagate_artifacts() -> None:
    spec = msgspec.convert(
        {
            "steps": [
                {
                    "name": "get-artifacts-inputs-from-pt1",
                    "command": ["$(tasks.pt1.inputs.source)"],
                    "args": ["$(tasks.pt1.outputs)"],
                }
            ]
        },
        TaskSpec,
    )
    digest = "b35cacccfdb1e24dc497d15d553891345fd155713ffe647c281c583269eaaae0"
    artifacts = msgspec.convert(
        {
            "inputs": [
                {
                    "name": "source",
                    "values": [
                        {"digest": {"sha256": digest}, "uri": "pkg:example.github.com/inputs"}
                    ],
                }
            ],
            "outputs": [{"name": "image", "values": [{"uri": "u"}]}],
        },
        Artifacts,
    )
    step = dump(propagate_artifacts(spec, {"pt1": artifacts}))["steps"][0]
    want = f'[{{"digest":{{"sha256":"{digest}"}},"uri":"pkg:example.github.com/inputs"}}]'
    assert step["command"] == [want]
    assert step["args"] == ['[{"uri":"u"}]']


def test_embedded_task_spec_drops_metadata() -> None:
    pt = task_of("taskSpec: {metadata: {labels: {a: b}}, steps: [{image: i}]}")
    assert pt.task_spec is not None
    assert dump(embedded_task_spec(pt.task_spec)) == {"steps": [{"image": "i"}]}


# -- workspace bindings --------------------------------------------------------------------------


def test_apply_parameters_to_workspace_bindings() -> None:
    run = msgspec.convert(
        {
            "spec": {
                "params": [
                    {"name": "claim", "value": "my-claim"},
                    {"name": "sub", "value": "dir"},
                    {"name": "cm", "value": "my-config"},
                    {"name": "obj", "value": {"k": "from-object"}},
                ],
                "workspaces": [
                    {"name": "w1", "persistentVolumeClaim": {"claimName": "$(params.claim)"}},
                    {"name": "w2", "subPath": "$(params.sub)", "emptyDir": {}},
                    {"name": "w3", "configMap": {"name": "$(params.cm)"}},
                    {"name": "w4", "persistentVolumeClaim": {"claimName": "$(params.obj.k)"}},
                ],
            }
        },
        PipelineRun,
    )
    out = dump(apply_parameters_to_workspace_bindings(run))
    assert out[0]["persistentVolumeClaim"]["claimName"] == "my-claim"
    assert out[1]["subPath"] == "dir"
    assert out[2]["configMap"]["name"] == "my-config"
    assert out[3]["persistentVolumeClaim"]["claimName"] == "from-object"


def test_apply_results_to_workspace_bindings() -> None:
    bindings = [
        msgspec.convert(b, WorkspaceBinding)
        for b in (
            {"name": "w1", "persistentVolumeClaim": {"claimName": "$(tasks.t.results.claim)"}},
            {"name": "w2", "subPath": "$(tasks.t.results.obj.dir)", "emptyDir": {}},
            {"name": "w3", "subPath": "$(tasks.t.results.arr)", "emptyDir": {}},
        )
    ]
    results = _results(
        t=[
            {"name": "claim", "type": "string", "value": "pvc-1"},
            {"name": "obj", "type": "object", "value": {"dir": "d"}},
            {"name": "arr", "type": "array", "value": ["no"]},
        ]
    )
    out = dump(apply_results_to_workspace_bindings(results, bindings))
    assert out[0]["persistentVolumeClaim"]["claimName"] == "pvc-1"
    assert out[1]["subPath"] == "d"
    assert out[2]["subPath"] == "$(tasks.t.results.arr)"  # arrays have no effect


def test_inputs_are_not_modified() -> None:
    spec = spec_of("""
params: [{name: p, type: string, default: v}]
tasks:
- params: [{name: a, value: $(params.p)}]
  taskSpec: {steps: [{image: i, script: $(params.p)}]}
""")
    before = dump(spec)
    apply_parameters(spec, run_of())
    apply_contexts(spec, "n", run_of())
    assert dump(spec) == before
