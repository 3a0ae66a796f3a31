"""PipelineRun resolution and its run-time checks; cases lifted from Tekton's
``pkg/reconciler/pipelinerun/pipelinerun_test.go`` (``TestReconcile_InvalidPipelineRuns``),
``resources/validate_params_test.go`` and ``resources/validate_dependencies_test.go``
unless marked otherwise, and every PipelineRun example of the corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from tektite.api.config import Config, FeatureFlags
from tektite.api.models import (
    ChildStatusReference,
    Param,
    ParamSpec,
    Pipeline,
    PipelineRun,
    PipelineRunStatus,
    PipelineSpec,
    PipelineTask,
    PipelineWorkspaceDeclaration,
    Task,
    TaskRun,
    TaskSpec,
)
from tektite.api.objects import decode
from tektite.api.yamlio import load_documents
from tektite.engine.resolve_pipelinerun import (
    PipelineRunFailure,
    ResolvedPipelineRun,
    ResolvedPipelineTask,
    ResolvedTask,
    new_run_names,
    pipeline_name_label,
    resolve_pipelinerun,
    run_names,
    validate_object_param_required_keys,
    validate_optional_workspaces,
    validate_param_array_index,
    validate_param_types_matching,
    validate_parameter_types_in_matrix,
    validate_pipeline_results,
    validate_pipeline_task_results,
    validate_required_parameters_provided,
)
from tests.conftest import examples_dir


def load(text: str) -> Any:
    return yaml.safe_load(text)


class Lookup:
    """A dict-backed store of Pipelines and Tasks; an object without a namespace (read
    from a file) is found in any namespace."""

    def __init__(self, *objects: object) -> None:
        self.objects: dict[tuple[str, str, str], object] = {}
        for obj in objects:
            if isinstance(obj, (Pipeline, Task)):
                meta = obj.metadata
                self.objects[(obj.kind, meta.namespace, meta.name)] = obj

    def get(self, kind: str, namespace: str, name: str) -> object | None:
        return self.objects.get((kind, namespace, name)) or self.objects.get((kind, "", name))


def pr_of(text: str) -> PipelineRun:
    return msgspec.convert(load(text), PipelineRun)


def pipeline_of(text: str) -> Pipeline:
    return msgspec.convert(load(text), Pipeline)


def task_of(text: str) -> Task:
    return msgspec.convert(load(text), Task)


def resolved(got: ResolvedPipelineRun | PipelineRunFailure) -> ResolvedPipelineRun:
    assert isinstance(got, ResolvedPipelineRun), got
    return got


def failure(got: ResolvedPipelineRun | PipelineRunFailure) -> PipelineRunFailure:
    assert isinstance(got, PipelineRunFailure), got
    return got


ALPHA = Config(features=FeatureFlags(enable_api_fields="alpha"))
ENUMS = Config(features=FeatureFlags(enable_api_fields="alpha", enable_param_enum=True))

TASKS = [
    task_of("metadata: {name: a-task-that-exists, namespace: foo}"),
    task_of(
        "metadata: {name: a-task-that-needs-params, namespace: foo}\n"
        "spec: {params: [{name: some-param}]}"
    ),
    task_of(
        "metadata: {name: a-task-that-needs-array-params, namespace: foo}\n"
        "spec: {params: [{name: some-param, type: array}]}"
    ),
    task_of(
        "metadata: {name: a-task-that-needs-object-params, namespace: foo}\n"
        "spec: {params: [{name: some-param, type: object, properties: {key1: {}, key2: {}}}]}"
    ),
]
PIPELINES = [
    pipeline_of("""
metadata: {name: pipeline-missing-tasks, namespace: foo}
spec:
  tasks: [{name: myspecialtask, taskRef: {name: sometask}}]
"""),
    pipeline_of("""
metadata: {name: a-pipeline-without-params, namespace: foo}
spec:
  tasks: [{name: some-task, taskRef: {name: a-task-that-needs-params}}]
"""),
    pipeline_of("""
metadata: {name: a-pipeline-with-array-params, namespace: foo}
spec:
  params: [{name: some-param, type: array}]
  tasks: [{name: some-task, taskRef: {name: a-task-that-needs-array-params}}]
"""),
    pipeline_of("""
metadata: {name: a-pipeline-with-array-indexing-params, namespace: foo}
spec:
  params: [{name: some-param, type: array}]
  tasks:
  - name: some-task
    taskRef: {name: a-task-that-needs-array-params}
    params: [{name: param, value: '$(params.some-param[2])'}]
"""),
    pipeline_of("""
metadata: {name: a-pipeline-with-object-params, namespace: foo}
spec:
  params:
  - name: some-param
    type: object
    properties: {key1: {type: string}, key2: {type: string}}
  tasks: [{name: some-task, taskRef: {name: a-task-that-needs-object-params}}]
"""),
]
LOOKUP = Lookup(*TASKS, *PIPELINES)

INVALID_RUNS = [
    (
        "metadata: {name: invalid-pipeline, namespace: foo}\n"
        "spec: {pipelineRef: {name: pipeline-not-exist}}",
        "CouldntGetPipeline",
        "Error retrieving pipeline for pipelinerun foo/invalid-pipeline: error when getting "
        "Pipeline for PipelineRun invalid-pipeline: tekton client cannot get pipeline "
        'pipeline-not-exist from local cluster: pipelines.tekton.dev "pipeline-not-exist" not '
        "found",
    ),
    (
        "metadata: {name: pipelinerun-missing-tasks, namespace: foo}\n"
        "spec: {pipelineRef: {name: pipeline-missing-tasks}}",
        "CouldntGetTask",
        "Pipeline foo/pipeline-missing-tasks can't be Run; it contains Tasks that don't exist: "
        'Couldn\'t retrieve Task "sometask": tasks.tekton.dev "sometask" not found',
    ),
    (
        "metadata: {name: pipeline-params-dont-exist, namespace: foo}\n"
        "spec: {pipelineRef: {name: a-pipeline-without-params}}",
        "PipelineValidationFailed",
        "[User error] Validation failed for pipelinerun pipeline-params-dont-exist with error "
        "invalid input params for task a-task-that-needs-params: missing values for these "
        "params which have no default values: [some-param]",
    ),
    (
        "metadata: {name: pipeline-mismatching-param-type, namespace: foo}\n"
        "spec:\n  pipelineRef: {name: a-pipeline-with-array-params}\n"
        "  params: [{name: some-param, value: stringval}]",
        "ParameterTypeMismatch",
        "[User error] PipelineRun foo/pipeline-mismatching-param-type parameters have "
        "mismatching types with Pipeline foo/a-pipeline-with-array-params's parameters: "
        "parameters have inconsistent types : [some-param]",
    ),
    (
        "metadata: {name: pipeline-missing-object-param-keys, namespace: foo}\n"
        "spec:\n  pipelineRef: {name: a-pipeline-with-object-params}\n"
        "  params: [{name: some-param, value: {key1: a}}]",
        "ObjectParameterMissKeys",
        "[User error] PipelineRun foo/pipeline-missing-object-param-keys parameters is missing "
        "object keys required by Pipeline foo/a-pipeline-with-object-params's parameters: "
        "pipelineRun missing object keys for parameters: map[some-param:[key2]]",
    ),
    (
        "metadata: {name: pipeline-param-array-out-of-bound, namespace: foo}\n"
        "spec:\n  pipelineRef: {name: a-pipeline-with-array-indexing-params}\n"
        "  params: [{name: some-param, value: [a, b]}]",
        "ParamArrayIndexingInvalid",
        "[User error] PipelineRun foo/pipeline-param-array-out-of-bound failed validation: "
        "failed to validate Pipeline foo/a-pipeline-with-array-indexing-params's parameter "
        "which has an invalid index while referring to an array: non-existent param "
        "references:[$(params.some-param[2])]",
    ),
    (
        """
metadata: {name: embedded-pipeline-invalid, namespace: foo}
spec:
  pipelineSpec:
    tasks: [{name: bad-t@$k, taskRef: {name: b@d-t@$k}}]
""",
        "PipelineValidationFailed",
        "[User error] Pipeline foo/embedded-pipeline-invalid can't be Run; it has an invalid "
        'spec: invalid value "bad-t@$k": tasks[0].name\nPipeline Task name must be a valid '
        "DNS Label.For more info refer to "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names\n"
        "invalid value: name part must consist of alphanumeric characters, '-', '_' or '.', "
        "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',"
        "  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
        "[A-Za-z0-9]'): tasks[0].taskRef.name",
    ),
    (
        """
metadata: {name: embedded-pipeline-mismatching-param-type, namespace: foo}
spec:
  pipelineSpec:
    params: [{name: some-param, type: array}]
    tasks: [{name: some-task, taskRef: {name: a-task-that-needs-array-params}}]
  params: [{name: some-param, value: stringval}]
""",
        "ParameterTypeMismatch",
        "[User error] PipelineRun foo/embedded-pipeline-mismatching-param-type parameters have "
        "mismatching types with Pipeline foo/embedded-pipeline-mismatching-param-type's "
        "parameters: parameters have inconsistent types : [some-param]",
    ),
    (
        "metadata: {name: pipelinerun-missing-params-1, namespace: foo}\n"
        "spec: {pipelineRef: {name: a-pipeline-with-array-params}}",
        "ParameterMissing",
        "[User error] PipelineRun foo/pipelinerun-missing-params-1 is missing some parameters "
        "required by Pipeline foo/a-pipeline-with-array-params: pipelineRun missing "
        "parameters: [some-param]",
    ),
    (
        """
metadata: {name: pipelinerun-missing-params-2, namespace: foo}
spec:
  pipelineSpec:
    params: [{name: some-param, type: string}]
    tasks: [{name: some-task, taskRef: {name: a-task-that-needs-params}}]
""",
        "ParameterMissing",
        "[User error] PipelineRun foo/pipelinerun-missing-params-2 is missing some parameters "
        "required by Pipeline foo/pipelinerun-missing-params-2: pipelineRun missing "
        "parameters: [some-param]",
    ),
    (
        """
metadata: {name: pipeline-invalid-dag-graph, namespace: foo}
spec:
  pipelineSpec:
    tasks: [{name: dag-task-1, taskRef: {name: dag-task-1}, runAfter: [dag-task-1]}]
""",
        "PipelineInvalidGraph",
        "[User error] PipelineRun foo/pipeline-invalid-dag-graph's Pipeline DAG is invalid: "
        'cycle detected; task "dag-task-1" depends on "dag-task-1"',
    ),
    (
        """
metadata: {name: pipeline-invalid-final-graph, namespace: foo}
spec:
  pipelineSpec:
    tasks: [{name: dag-task-1, taskRef: {name: taskName}}]
    finally:
    - {name: final-task-1, taskRef: {name: taskName}}
    - {name: final-task-1, taskRef: {name: taskName}}
""",
        "PipelineInvalidGraph",
        "[User error] PipelineRun foo/pipeline-invalid-final-graph's Pipeline DAG is invalid "
        "for finally clause: task final-task-1 is already present in Graph, can't add it again: "
        "duplicate pipeline task",
    ),
    (
        """
metadata: {name: pipeline-missing-param-ref, namespace: foo}
spec:
  pipelineSpec:
    params: [{name: existing-param, type: string, default: $(params.nonexistent-param)}]
    tasks: [{name: some-task, taskRef: {name: a-task-that-exists}}]
""",
        "PipelineValidationFailed",
        "[User error] Failed to apply parameters to Pipeline foo/pipeline-missing-param-ref: "
        'parameter resolution failed: param "params.existing-param" references undefined param '
        '"params.nonexistent-param"',
    ),
]


@pytest.mark.parametrize(
    ("run", "reason", "message"),
    INVALID_RUNS,
    ids=[r[0].split("name: ")[1].split(",")[0] for r in INVALID_RUNS],
)
def test_invalid_pipelineruns(run: str, reason: str, message: str) -> None:
    got = failure(resolve_pipelinerun(pr_of(run), LOOKUP, ALPHA))
    assert (got.reason, got.message) == (reason, message)


# -- TestReconcile: status.pipelineSpec, labels and context -------------------------------------

RECONCILE_PIPELINE = pipeline_of("""
metadata: {name: test-pipeline, namespace: foo, labels: {from-pipeline: x}, annotations: {a: b}}
spec:
  params:
  - {default: somethingdifferent, name: pipeline-param, type: string}
  - {default: revision, name: rev-param, type: string}
  - {name: bar, type: string}
  - {name: paramWithContextDefault, type: string, default: "name:$(context.pipeline.name)"}
  tasks:
  - name: unit-test-1
    params:
    - {name: foo, value: somethingfun}
    - {name: bar, value: $(params.bar)}
    - {name: contextRunParam, value: $(context.pipelineRun.name)}
    - {name: contextPipelineParam, value: $(context.pipeline.name)}
    - {name: contextRetriesParam, value: $(context.pipelineTask.retries)}
    - {name: param-not-found, value: $(params.notfound)}
    - {name: paramWithContextDefault, value: $(params.paramWithContextDefault)}
    retries: 5
    taskRef: {name: unit-test-task}
""")
RECONCILE_TASK = task_of("""
metadata: {name: unit-test-task, namespace: foo}
spec:
  params:
  - {name: foo, type: string}
  - {name: bar, type: string}
  - {name: contextRunParam, type: string}
  - {name: contextPipelineParam, type: string}
  - {name: contextRetriesParam, type: string}
""")
RECONCILE_RUN = """
metadata: {name: test-pipeline-run-success, namespace: foo, uid: bar}
spec:
  params: [{name: bar, value: somethingmorefun}]
  pipelineRef: {name: test-pipeline}
  taskRunTemplate: {serviceAccountName: test-sa}
"""
RECONCILE_LOOKUP = Lookup(RECONCILE_PIPELINE, RECONCILE_TASK)


def test_reconcile_substitutes_params_and_context_into_status_spec() -> None:
    got = resolved(resolve_pipelinerun(pr_of(RECONCILE_RUN), RECONCILE_LOOKUP, Config()))
    tasks = got.pipeline_spec.tasks or []
    assert {p.name: p.value for p in tasks[0].params or ()} == {
        "foo": "somethingfun",
        "bar": "somethingmorefun",
        "contextRunParam": "test-pipeline-run-success",
        "contextPipelineParam": "test-pipeline",
        # Applied just before the TaskRun is created (ApplyPipelineTaskContexts).
        "contextRetriesParam": "$(context.pipelineTask.retries)",
        "param-not-found": "$(params.notfound)",
        "paramWithContextDefault": "name:test-pipeline",
    }
    run = got.pipeline_run
    assert run.status is not None and run.status.pipeline_spec == got.pipeline_spec
    assert run.metadata.labels == {"from-pipeline": "x", "tekton.dev/pipeline": "test-pipeline"}
    assert run.metadata.annotations == {"a": "b"}
    assert run.spec.timeouts is not None and run.spec.timeouts.pipeline == "1h0m0s"
    task = got.task("unit-test-1")
    assert task is not None and task.resolved_task is not None
    assert (task.resolved_task.task_name, task.resolved_task.kind) == ("unit-test-task", "Task")
    assert (task.resolved_task.task_spec.params or [])[0].type == "string"
    assert task.run_names == ["test-pipeline-run-success-unit-test-1"]


def test_the_run_given_is_not_modified() -> None:
    pr = pr_of(RECONCILE_RUN)
    before = msgspec.to_builtins(pr)
    resolve_pipelinerun(pr, RECONCILE_LOOKUP, Config())
    assert msgspec.to_builtins(pr) == before


@pytest.mark.parametrize(
    ("run", "want"),
    [
        ("metadata: {name: n}\nspec: {pipelineRef: {name: p}}", "p"),
        (
            "metadata: {name: n, labels: {tekton.dev/pipeline: mine}}\n"
            "spec: {pipelineRef: {name: p}}",
            None,
        ),
        ("metadata: {name: n}\nspec: {pipelineSpec: {tasks: []}}", "n"),
        (
            "metadata: {name: n, generateName: pr-echo-}\nspec: {pipelineSpec: {tasks: []}}",
            "pr-echo",
        ),
        ("metadata: {name: n}\nspec: {pipelineRef: {resolver: git}}", "n"),
        (
            "metadata: {name: n}\nspec:\n  pipelineRef:\n    resolver: cluster\n"
            "    params: [{name: kind, value: pipeline}, {name: name, value: remote}]",
            "remote",
        ),
    ],
)
def test_pipeline_name_label(run: str, want: str | None) -> None:
    # propagatePipelineNameLabelToPipelineRun
    assert pipeline_name_label(pr_of(run)) == want


def test_embedded_spec_context_pipeline_name_and_generate_name_label() -> None:
    run = pr_of("""
metadata: {name: pr-echo-abcde, generateName: pr-echo-, namespace: ns, uid: u1}
spec:
  pipelineSpec:
    tasks:
    - name: t
      params: [{name: n, value: $(context.pipeline.name)}]
      taskSpec: {params: [{name: n}], steps: [{image: i, script: $(params.n)}]}
""")
    got = resolved(resolve_pipelinerun(run, Lookup(), Config()))
    pt = (got.pipeline_spec.tasks or [])[0]
    assert pt.params is not None and pt.params[0].value == "pr-echo-abcde"
    # Set from generateName, which storePipelineSpecAndMergeMeta keeps.
    assert got.pipeline_run.metadata.labels["tekton.dev/pipeline"] == "pr-echo"
    task = got.task("t")
    assert task is not None and task.resolved_task is not None
    assert task.resolved_task.task_name == ""
    # No pipeline param "n": nothing to propagate, the TaskRun substitutes its own.
    assert (task.resolved_task.task_spec.steps or [])[0].script == "$(params.n)"


def test_status_pipeline_spec_is_used_instead_of_fetching() -> None:
    run = pr_of("""
metadata: {name: r, namespace: foo}
spec: {pipelineRef: {resolver: git, params: [{name: url, value: u}]}}
status:
  pipelineSpec:
    tasks: [{name: t, taskSpec: {steps: [{image: i}]}}]
""")
    got = resolved(resolve_pipelinerun(run, Lookup(), Config()))
    assert [t.pipeline_task.name for t in got.tasks] == ["t"]


def test_remote_pipeline_ref_fails_clearly() -> None:
    run = pr_of(
        "metadata: {name: r, namespace: foo}\n"
        "spec: {pipelineRef: {resolver: git, params: [{name: url, value: u}]}}"
    )
    got = failure(resolve_pipelinerun(run, Lookup(), Config()))
    assert got.reason == "CouldntGetPipeline"
    assert got.message.startswith(
        'Error retrieving pipeline for pipelinerun foo/r: resolver "git" is not available'
    )


def test_remote_task_ref_fails_clearly() -> None:
    run = pr_of("""
metadata: {name: r, namespace: foo}
spec:
  pipelineSpec:
    tasks:
    - name: t
      taskRef: {resolver: hub, params: [{name: name, value: git-clone}]}
""")
    got = failure(resolve_pipelinerun(run, Lookup(), Config()))
    assert got.reason == "CouldntGetTask"
    assert got.message.startswith(
        "Pipeline foo/r can't be Run; it contains Tasks that don't exist: Couldn't retrieve "
        'Task "resolver type hub\\nname = git-clone\\n": resolver "hub" is not available'
    )


def test_missing_workspace_binding() -> None:
    run = pr_of("""
metadata: {name: r, namespace: foo}
spec:
  pipelineSpec:
    workspaces: [{name: source}, {name: cache, optional: true}]
    tasks: [{name: t, taskSpec: {steps: [{image: i}]}}]
""")
    got = failure(resolve_pipelinerun(run, Lookup(), Config()))
    assert (got.reason, got.message) == (
        "InvalidWorkspaceBindings",
        "[User error] PipelineRun foo/r doesn't bind Pipeline foo/r's Workspaces correctly: "
        'pipeline requires workspace with name "source" be provided by pipelinerun',
    )


def test_invalid_task_run_specs() -> None:
    run = pr_of("""
metadata: {name: r, namespace: foo}
spec:
  pipelineSpec:
    tasks: [{name: t, taskSpec: {steps: [{image: i}]}}]
  taskRunSpecs: [{pipelineTaskName: nope, serviceAccountName: sa}]
""")
    got = failure(resolve_pipelinerun(run, Lookup(), Config()))
    assert (got.reason, got.message) == (
        "InvalidTaskRunSpecs",
        "[User error] PipelineRun foo/r doesn't define taskRunSpecs correctly: pipelineRun's "
        'taskrunSpecs defined wrong taskName: "nope", does not exist in Pipeline',
    )


ENUM_RUN = """
metadata: {name: r, namespace: foo}
spec:
  params: [{name: p, value: c}]
  pipelineSpec:
    params: [{name: p, enum: [a, b]}]
    tasks: [{name: t, taskSpec: {steps: [{image: i}]}}]
"""


def test_enum_checked_with_the_feature_flag() -> None:
    got = failure(resolve_pipelinerun(pr_of(ENUM_RUN), Lookup(), ENUMS))
    assert (got.reason, got.message) == (
        "InvalidParamValue",
        "[User error] PipelineRun foo/r parameters have invalid value: param `p` value: c is "
        "not in the enum list",
    )
    # Without the flag the spec itself is refused.
    got = failure(resolve_pipelinerun(pr_of(ENUM_RUN), Lookup(), ALPHA))
    assert got.reason == "PipelineValidationFailed"
    assert "feature flag `enable-param-enum` should be set to true to use Enum" in got.message


def test_enum_subset() -> None:
    task = task_of(
        "metadata: {name: t, namespace: foo}\n"
        "spec: {params: [{name: tp, enum: [a]}], steps: [{image: i}]}"
    )
    run = pr_of("""
metadata: {name: r, namespace: foo}
spec:
  params: [{name: p, value: a}]
  pipelineSpec:
    params: [{name: p, enum: [a, b]}]
    tasks: [{name: t, taskRef: {name: t}, params: [{name: tp, value: $(params.p)}]}]
""")
    got = failure(resolve_pipelinerun(run, Lookup(task), ENUMS))
    assert (got.reason, got.message) == (
        "PipelineValidationFailed",
        '[User error] Validation failed for pipelinerun with error pipeline param "p" enum: '
        '[a b] is not a subset of the referenced in "t" task param enum: [a]',
    )


def test_on_error_checked_after_substitution() -> None:
    run = pr_of("""
metadata: {name: r, namespace: foo}
spec:
  params: [{name: e, value: sometimes}]
  pipelineSpec:
    params: [{name: e}]
    tasks: [{name: t, onError: $(params.e), taskSpec: {steps: [{image: i}]}}]
""")
    got = failure(resolve_pipelinerun(run, Lookup(), Config()))
    assert (got.reason, got.message) == (
        "PipelineValidationFailed",
        "[User error] Pipeline foo/r can't be Run; it has an invalid spec: invalid value: "
        'sometimes: OnError\nPipelineTask OnError must be either "continue" or "stopAndFail"',
    )


RESULT_RUN = """
metadata: {name: r, namespace: foo}
spec:
  pipelineSpec:
    results: [{name: out, value: $(tasks.a.results.r)}]
    tasks:
    - {name: a, taskSpec: {results: [{name: s}], steps: [{image: i}]}}
    - name: b
      params: [{name: p, value: $(tasks.a.results.r)}]
      taskSpec: {params: [{name: p}], steps: [{image: i}]}
"""


def test_invalid_task_result_reference() -> None:
    got = failure(resolve_pipelinerun(pr_of(RESULT_RUN), Lookup(), Config()))
    assert (got.reason, got.message) == (
        "InvalidTaskResultReference",
        'invalid result reference in pipeline task "b": "r" is not a named result returned by '
        'pipeline task "a"',
    )


def test_invalid_pipeline_result_reference() -> None:
    text = RESULT_RUN.replace(
        "value: $(tasks.a.results.r)}]\n      taskSpec", "value: x}]\n      taskSpec"
    )
    got = failure(resolve_pipelinerun(pr_of(text), Lookup(), Config()))
    assert (got.reason, got.message) == (
        "InvalidPipelineResultReference",
        'Failed to resolve pipeline result reference for "r" with error invalid pipeline '
        'result "out": "r" is not a named result returned by pipeline task "a"',
    )


def test_result_checks_only_before_the_first_task_run() -> None:
    run = pr_of(RESULT_RUN)
    run.status = msgspec.convert(
        {"childReferences": [{"kind": "TaskRun", "name": "r-b", "pipelineTaskName": "b"}]},
        PipelineRunStatus,
    )
    task_run = msgspec.convert({"metadata": {"name": "r-b"}}, TaskRun)
    got = resolved(resolve_pipelinerun(run, Lookup(), Config(), task_runs={"r-b": task_run}))
    # Tasks already started are resolved first.
    assert [t.pipeline_task.name for t in got.tasks] == ["b", "a"]
    assert got.tasks[0].task_runs == [task_run]


def test_required_workspace_marked_optional() -> None:
    run = pr_of("""
metadata: {name: r, namespace: foo}
spec:
  pipelineSpec:
    workspaces: [{name: ws, optional: true}]
    tasks:
    - name: t
      workspaces: [{name: source, workspace: ws}]
      taskSpec: {workspaces: [{name: source}], steps: [{image: i}]}
""")
    got = failure(resolve_pipelinerun(run, Lookup(), Config()))
    assert (got.reason, got.message) == (
        "RequiredWorkspaceMarkedOptional",
        '[User error] Optional workspace not supported by task: pipeline workspace "ws" is '
        'marked optional but pipeline task "t" requires it be provided',
    )


def test_task_spec_stored_by_an_existing_task_run_is_used() -> None:
    run = pr_of("""
metadata: {name: r, namespace: foo}
spec:
  pipelineSpec:
    tasks: [{name: t, taskRef: {name: gone}}]
status:
  childReferences: [{kind: TaskRun, name: r-t, pipelineTaskName: t}]
""")
    task_run = msgspec.convert(
        {"metadata": {"name": "r-t"}, "status": {"taskSpec": {"steps": [{"image": "stored"}]}}},
        TaskRun,
    )
    got = resolved(resolve_pipelinerun(run, Lookup(), Config(), task_runs={"r-t": task_run}))
    task = got.tasks[0]
    assert task.resolved_task is not None
    assert task.resolved_task.task_name == "gone"
    assert (task.resolved_task.task_spec.steps or [])[0].image == "stored"


def test_custom_task_and_matrix_names() -> None:
    run = pr_of("""
metadata: {name: r, namespace: foo}
spec:
  pipelineSpec:
    tasks:
    - {name: c, taskRef: {apiVersion: example.dev/v1, kind: Wait}}
    - name: m
      matrix: {params: [{name: x, value: [a, b, c]}]}
      taskSpec: {params: [{name: x}], steps: [{image: i}]}
""")
    got = resolved(resolve_pipelinerun(run, Lookup(), Config()))
    custom, matrixed = got.tasks
    assert custom.custom_task and custom.resolved_task is None and custom.run_names == ["r-c"]
    assert matrixed.run_names == ["r-m-0", "r-m-1", "r-m-2"]


# -- names ---------------------------------------------------------------------------------------


def test_run_names() -> None:
    refs = [
        ChildStatusReference(kind="TaskRun", name="existing-0", pipeline_task_name="t"),
        ChildStatusReference(kind="CustomRun", name="custom", pipeline_task_name="t"),
    ]
    assert run_names(refs, "t", "pr", 3) == ["existing-0"]
    assert run_names(refs, "t", "pr", 1, "CustomRun") == ["custom"]
    assert run_names(refs, "other", "pr", 1) == ["pr-other"]
    long_pr = "a-very-long-pipelinerun-name-that-goes-on-and-on-and-on"
    names = new_run_names("some-long-pipeline-task", long_pr, 12)
    assert all(len(n) <= 63 and n.endswith(f"-{i}") for i, n in enumerate(names))
    # A suffix too long for kmeta.ChildName loses the index: Tekton cuts the single-run
    # name to make room for it.
    long_task = "a-pipeline-task-name-of-more-than-thirty-one-chars"
    names = new_run_names(long_task, long_pr, 12)
    single = new_run_names(long_task, long_pr, 1)[0]
    assert names == [f"{single[:60]}-{i}" for i in range(12)]


# -- validate_params_test.go -------------------------------------------------------------------


def specs(text: str) -> list[ParamSpec]:
    return [msgspec.convert(p, ParamSpec) for p in load(text)]


def params(text: str) -> list[Param]:
    return [msgspec.convert(p, Param) for p in load(text)]


def test_param_types_matching() -> None:
    declared = specs(
        "[{name: correct-type-1, type: string}, {name: mismatching-type, type: string}, "
        "{name: correct-type-2, type: array}]"
    )
    ok = params("[{name: correct-type-1, value: s}, {name: correct-type-2, value: [a]}]")
    assert validate_param_types_matching(declared, ok) is None
    assert validate_param_types_matching(declared, []) is None
    bad = params(
        "[{name: correct-type-1, value: s}, {name: mismatching-type, value: [a]}, "
        "{name: correct-type-2, value: s}]"
    )
    assert validate_param_types_matching(declared, bad) == (
        "parameters have inconsistent types : [mismatching-type correct-type-2]"
    )


def test_required_parameters_provided() -> None:
    declared = specs(
        "[{name: required-string-param, type: string}, {name: required-array-param, "
        "type: array}, {name: string-param-with-default, type: string, default: x}]"
    )
    given = params(
        "[{name: required-string-param, value: s}, {name: required-array-param, value: [a]}]"
    )
    assert validate_required_parameters_provided(declared, given) is None
    assert validate_required_parameters_provided(declared, given[:1]) == (
        "pipelineRun missing parameters: [required-array-param]"
    )


@pytest.mark.parametrize(
    ("given", "want"),
    [
        ("[{name: an-object-param, value: {foo: val1}}]", "map[an-object-param:[key1 key2]]"),
        ("[{name: an-object-param, value: {key1: foo}}]", "map[an-object-param:[key2]]"),
        ("[{name: an-object-param, value: {key1: a, key2: b, key3: c}}]", None),
    ],
)
def test_object_param_required_keys(given: str, want: str | None) -> None:
    declared = specs(
        "[{name: an-object-param, type: object, properties: {key1: {type: string}, "
        "key2: {type: string}}}]"
    )
    got = validate_object_param_required_keys(declared, params(given))
    assert got == (
        None if want is None else f"pipelineRun missing object keys for parameters: {want}"
    )


def test_object_param_keys_from_default() -> None:
    declared = specs(
        "[{name: o, type: object, properties: {key1: {type: string}, key2: {type: string}},"
        " default: {key1: d}}]"
    )
    assert (
        validate_object_param_required_keys(declared, params("[{name: o, value: {key2: v}}]"))
        is None
    )


def pspec(text: str) -> PipelineSpec:
    return msgspec.convert(load(text), PipelineSpec)


ARRAY_INDEX_CASES = [
    (
        """
params:
- {name: first-param, type: array, default: [default-value, default-value-again]}
- {name: second-param, type: string}
tasks:
- params:
  - {name: a, value: '$(params.first-param[2])'}
  - {name: b, value: '$(params.second-param[2])'}
  - {name: c, value: static value}
""",
        "[{name: second-param, value: [second-value, second-value-again]}]",
        "[$(params.first-param[2]) $(params.second-param[2])]",
    ),
    (
        """
params:
- {name: first-param, type: array, default: [default-value, default-value-again]}
- {name: second-param, type: array}
tasks:
- params:
  - {name: a, value: '$(params.first-param[2])'}
  - {name: b, value: '$(params.second-param[2])'}
finally:
- params:
  - {name: a, value: '$(params.first-param[3])'}
  - {name: b, value: '$(params.second-param[3])'}
  when:
  - {input: '$(params.first-param[2])', operator: in, values: ['$(params.second-param[2])']}
  matrix:
    params:
    - {name: a, value: ['$(params.first-param[4])']}
    - {name: b, value: ['$(params.second-param[4])']}
""",
        "[{name: second-param, value: [second-value, second-value-again]}]",
        "[$(params.first-param[2]) $(params.first-param[3]) $(params.first-param[4]) "
        "$(params.second-param[2]) $(params.second-param[3]) $(params.second-param[4])]",
    ),
    (
        """
params:
- {name: first.param, type: array, default: [default-value, default-value-again]}
- {name: second/param, type: array}
- {name: third.param, type: array, default: [default-value, default-value-again]}
- {name: fourth/param, type: array}
tasks:
- params:
  - {name: a, value: '$(params["first.param"][2])'}
  - {name: b, value: '$(params["second/param"][2])'}
  - {name: c, value: "$(params['third.param'][2])"}
  - {name: d, value: "$(params['fourth/param'][2])"}
""",
        "[{name: second/param, value: [a, b]}, {name: fourth/param, value: [a, b]}]",
        """[$(params["first.param"][2]) $(params["second/param"][2]) """
        """$(params['fourth/param'][2]) $(params['third.param'][2])]""",
    ),
    (
        """
params:
- {name: first-param, type: array, default: [default-value, default-value-again]}
- {name: second-param, type: array}
tasks:
- params: [{name: a, value: '$(params.first-param[2])'}]
  workspaces: [{name: w, workspace: w, subPath: '$(params.second-param[3])'}]
""",
        "[{name: second-param, value: [second-value, second-value-again]}]",
        "[$(params.first-param[2]) $(params.second-param[3])]",
    ),
    (
        """
params:
- {name: first-param, type: array, default: [default-value, default-value-again]}
tasks:
- params: [{name: a, value: '$(params.first-param[1])'}]
""",
        "[]",
        None,
    ),
]


@pytest.mark.parametrize(("spec", "given", "want"), ARRAY_INDEX_CASES)
def test_param_array_index(spec: str, given: str, want: str | None) -> None:
    got = validate_param_array_index(pspec(spec), params(given))
    assert got == (None if want is None else f"non-existent param references:{want}")


@pytest.mark.parametrize(
    ("task", "want"),
    [
        (
            "matrix: {params: [{name: foo, value: bar}]}",
            'parameters of type array only are allowed, but param "foo" has type "string" in '
            'pipelineTask "task"',
        ),
        ("matrix: {params: [{name: foo, value: [bar]}]}", None),
        ("matrix: {params: [{name: foo, value: $(tasks.a.results.r)}]}", None),
        (
            "matrix: {include: [{name: i, params: [{name: foobar, value: [a]}]}]}",
            'parameters of type string only are allowed, but param "foobar" has type "array" in '
            'pipelineTask "task"',
        ),
        (
            "matrix: {include: [{name: i, params: [{name: barfoo, value: {k: v}}]}]}",
            'parameters of type string only are allowed, but param "barfoo" has type "object" in '
            'pipelineTask "task"',
        ),
    ],
)
def test_parameter_types_in_matrix(task: str, want: str | None) -> None:
    pt = msgspec.convert({"name": "task", **load(task)}, PipelineTask)
    assert validate_parameter_types_in_matrix([pt]) == want


# -- validate_dependencies_test.go -----------------------------------------------------------


def rpt(
    task: str, results: list[str] | None = None, *, custom: bool = False
) -> ResolvedPipelineTask:
    pt = msgspec.convert(load(task), PipelineTask)
    resolved_task = None
    if results is not None:
        spec = msgspec.convert({"results": [{"name": r} for r in results]}, TaskSpec)
        resolved_task = ResolvedTask(spec, "t")
    return ResolvedPipelineTask(pt, resolved_task=resolved_task, custom_task=custom)


PT1 = rpt("name: pt1", ["result"])


@pytest.mark.parametrize(
    "state",
    [
        [rpt("{name: pt1, params: [{name: p1, value: foo}]}")],
        [PT1, rpt("{name: pt2, params: [{name: p, value: $(tasks.pt1.results.result)}]}")],
        [
            PT1,
            rpt(
                "{name: pt2, matrix: {params: [{name: p, "
                "value: [$(tasks.pt1.results.result), foo]}]}}"
            ),
        ],
        [
            rpt("name: pt1", custom=True),
            rpt(
                "{name: pt2, params: [{name: p, "
                "value: $(tasks.pt1.results.a-dynamic-custom-task-result)}]}"
            ),
        ],
    ],
)
def test_pipeline_task_results_valid(state: list[ResolvedPipelineTask]) -> None:
    assert validate_pipeline_task_results(state) is None


@pytest.mark.parametrize(
    "task",
    [
        "{name: pt1, params: [{name: p1, value: $(tasks.pt2.results.result1)}]}",
        "{name: pt1, params: [{name: p1, value: [$(tasks.pt2.results.result1), foo]}]}",
        "{name: pt1, when: [{input: foo, operator: in, values: [$(tasks.pt2.results.result1)]}]}",
    ],
)
def test_pipeline_task_results_incorrect_task_name(task: str) -> None:
    assert validate_pipeline_task_results([rpt(task)]) == (
        'invalid result reference in pipeline task "pt1": referenced pipeline task "pt2" does '
        "not exist"
    )


@pytest.mark.parametrize(
    "task",
    [
        "{name: pt2, params: [{name: p1, value: $(tasks.pt1.results.result1)}]}",
        "{name: pt2, matrix: {params: [{name: p1, value: [$(tasks.pt1.results.result1), "
        "$(tasks.pt1.results.result2)]}]}}",
        "{name: pt2, when: [{input: foo, operator: in, values: [$(tasks.pt1.results.result1)]}]}",
    ],
)
def test_pipeline_task_results_incorrect_result_name(task: str) -> None:
    state = [rpt("name: pt1", ["not-the-result-youre-looking-for"]), rpt(task)]
    assert validate_pipeline_task_results(state) == (
        'invalid result reference in pipeline task "pt2": "result1" is not a named result '
        'returned by pipeline task "pt1"'
    )


def test_pipeline_task_results_missing_task_spec() -> None:
    state = [
        rpt("name: pt1"),
        rpt("{name: pt2, params: [{name: p1, value: $(tasks.pt1.results.result1)}]}"),
    ]
    assert validate_pipeline_task_results(state) == (
        'invalid result reference in pipeline task "pt2": unable to validate result referencing '
        'pipeline task "pt1": task spec not found'
    )


def test_pipeline_results() -> None:
    spec = pspec("results: [{name: foo-result, value: just a text pipeline result}]")
    assert validate_pipeline_results(spec, []) is None
    spec = pspec("results: [{name: foo-result, value: test $(tasks.pt1.results.result1) 123}]")
    assert validate_pipeline_results(spec, [rpt("name: pt1", ["result1"])]) is None
    assert validate_pipeline_results(spec, []) == (
        'invalid pipeline result "foo-result": referenced pipeline task "pt1" does not exist'
    )
    wrong = [rpt("name: pt1", ["not-the-result-youre-looking-for"])]
    assert validate_pipeline_results(spec, wrong) == (
        'invalid pipeline result "foo-result": "result1" is not a named result returned by '
        'pipeline task "pt1"'
    )


def _ws_state(task_optional: bool) -> list[ResolvedPipelineTask]:
    pt = msgspec.convert(
        {"name": "pt1", "workspaces": [{"name": "foo", "workspace": "ws1"}]}, PipelineTask
    )
    spec = msgspec.convert({"workspaces": [{"name": "foo", "optional": task_optional}]}, TaskSpec)
    return [ResolvedPipelineTask(pt, resolved_task=ResolvedTask(spec))]


def test_optional_workspaces() -> None:
    optional = [PipelineWorkspaceDeclaration(name="ws1", optional=True)]
    required = [PipelineWorkspaceDeclaration(name="ws1")]
    assert validate_optional_workspaces(None, _ws_state(False)) is None
    assert validate_optional_workspaces(optional, _ws_state(True)) is None
    assert validate_optional_workspaces(required, _ws_state(False)) is None
    assert validate_optional_workspaces(optional, _ws_state(False)) == (
        'pipeline workspace "ws1" is marked optional but pipeline task "pt1" requires it be '
        "provided"
    )


# -- Tekton's PipelineRun examples ---------------------------------------------------------------

UID = "1d6c1f0e-3c2b-4bfa-9f2a-51d8e4b1a111"


def load_example(path: Path) -> tuple[PipelineRun, Lookup]:
    """The example's PipelineRun, as the API server stores it, and its other objects."""
    objects = [decode(doc.obj) for doc in load_documents(path.read_bytes(), str(path))]
    run = next(o for o in objects if isinstance(o, PipelineRun))
    run.metadata.name = run.metadata.name or run.metadata.generate_name + "x7k2p"
    run.metadata.namespace = run.metadata.namespace or "default"
    run.metadata.uid = UID
    return run, Lookup(*objects)


def _examples() -> list[Path]:
    root = examples_dir() / "pipelineruns"
    return sorted([*root.glob("*.yaml"), *(root / "beta").glob("*.yaml")])


def _other_examples() -> list[Path]:
    root = examples_dir() / "pipelineruns"
    return sorted(p for d in ("alpha", "no-ci") for p in (root / d).glob("*.yaml"))


# Remote references need resolver controllers Tektite does not run.
REMOTE = {
    "beta/git-resolver.yaml": ("CouldntGetTask", "git"),
    "beta/http-resolver.yaml": ("CouldntGetTask", "http"),
    "beta/http-resolver-credentials.yaml": ("CouldntGetTask", "http"),
    "no-ci/cluster-resolver.yaml": ("CouldntGetPipeline", "cluster"),
    "no-ci/git-resolver.yaml": ("CouldntGetPipeline", "git"),
    "no-ci/git-resolver-custom-apiurl.yaml": ("CouldntGetTask", "git"),
    "no-ci/git-resolver-custom-secret.yaml": ("CouldntGetTask", "git"),
    "no-ci/hub-resolver.yaml": ("CouldntGetPipeline", "hub"),
}


def _key(path: Path) -> str:
    return path.name if path.parent.name == "pipelineruns" else f"{path.parent.name}/{path.name}"


def test_corpus_is_present() -> None:
    assert len(_examples()) >= 50


@pytest.mark.parametrize("path", [*_examples(), *_other_examples()], ids=_key)
def test_example_resolves(path: Path) -> None:
    run, lookup = load_example(path)
    config = Config() if path.parent.name in ("pipelineruns", "beta") else Config.alpha_ci()
    got = resolve_pipelinerun(run, lookup, config)
    key = _key(path)
    if key in REMOTE:
        reason, resolver = REMOTE[key]
        assert isinstance(got, PipelineRunFailure) and got.reason == reason
        assert f'resolver "{resolver}" is not available' in got.message
        return
    done = resolved(got)
    # Nothing pipeline-scoped is left where the pipeline itself uses variables (embedded
    # specs keep their own params; result references are resolved later).
    for pt in (*(done.pipeline_spec.tasks or ()), *(done.pipeline_spec.finally_ or ())):
        # A matrixed task's displayName may use its matrix params.
        display = "" if pt.matrix is not None else pt.display_name
        used = msgspec.json.encode([pt.params, pt.when, display, pt.workspaces]).decode()
        for prefix in ("$(params.", "$(context.pipelineRun.", "$(context.pipeline."):
            assert prefix not in used, (pt.name, prefix, used)
        assert ".bound)" not in used
    assert done.pipeline_run.metadata.labels["tekton.dev/pipeline"]
    for task in done.tasks:
        assert task.run_names
        assert task.resolved_task is not None or task.custom_task or task.is_child_pipeline
