"""The TaskRuns a PipelineRun creates; expectations lifted from Tekton's
``pkg/reconciler/pipelinerun/pipelinerun_test.go`` (the created TaskRuns) unless marked
otherwise, and the first scheduling round of some of Tekton's examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from tektite.api.config import Config, FeatureFlags
from tektite.api.dag import get_roots
from tektite.api.models import Pipeline, PipelineRun, PipelineTask, RunResult, Task, TaskRun
from tektite.engine.child_taskruns import (
    affinity_assistant_name,
    build_task_runs,
    cancel_patch,
    cancelled,
    combined_sub_path,
    task_run_spec,
    task_run_timeout,
    workspace_claims,
)
from tektite.engine.pipeline_apply import ResolvedResult, apply_task_results, result_replacements
from tektite.engine.resolve_pipelinerun import (
    PipelineRunFailure,
    ResolvedPipelineRun,
    ResolvedPipelineTask,
    resolve_pipelinerun,
)
from tektite.engine.workspaces import pvc_name_from_template
from tests.conftest import examples_dir
from tests.engine.test_resolve_pipelinerun import REMOTE, UID, Lookup, load_example

Json = dict[str, Any]


def load(text: str) -> Any:
    return yaml.safe_load(text)


def resolved(run: str, *objects: str, config: Config | None = None) -> ResolvedPipelineRun:
    pr = msgspec.convert(load(run), PipelineRun)
    decoded: list[object] = []
    for text in objects:
        data = load(text)
        model = Pipeline if data.get("kind") == "Pipeline" else Task
        decoded.append(msgspec.convert({k: v for k, v in data.items() if k != "kind"}, model))
    got = resolve_pipelinerun(pr, Lookup(*decoded), config or Config())
    assert isinstance(got, ResolvedPipelineRun), got
    return got


def built(
    got: ResolvedPipelineRun, name: str, config: Config | None = None, **kwargs: Any
) -> list[TaskRun]:
    task = got.task(name)
    assert task is not None
    out = build_task_runs(got.pipeline_run, task, config or Config(), **kwargs)
    assert isinstance(out, list), out
    return out


def failed(got: ResolvedPipelineRun, name: str, config: Config | None = None) -> PipelineRunFailure:
    task = got.task(name)
    assert task is not None
    out = build_task_runs(got.pipeline_run, task, config or Config())
    assert isinstance(out, PipelineRunFailure), out
    return out


def dump(tr: TaskRun) -> Json:
    out: Json = tr.to_dict()
    return out


def object_meta(
    name: str, ns: str, pr: str, pipeline: str, task: str, uid: str = "", member_of: str = "tasks"
) -> Json:
    """Tekton's ``taskRunObjectMeta`` test helper."""
    labels = {
        "tekton.dev/pipeline": pipeline,
        "tekton.dev/pipelineRun": pr,
        "tekton.dev/pipelineTask": task,
        "tekton.dev/pipelineRunUID": uid,
    }
    if member_of:
        labels["tekton.dev/memberOf"] = member_of
    owner = {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "name": pr,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }
    return {"name": name, "namespace": ns, "labels": labels, "ownerReferences": [owner]}


def task_run(meta: Json, spec: str) -> Json:
    return {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": meta, "spec": load(spec)}


# -- TestReconcile -----------------------------------------------------------------------------

RECONCILE = (
    """
metadata: {name: test-pipeline-run-success, namespace: foo, uid: bar}
spec:
  params: [{name: bar, value: somethingmorefun}]
  pipelineRef: {name: test-pipeline}
  taskRunTemplate: {serviceAccountName: test-sa}
""",
    """
kind: Pipeline
metadata: {name: test-pipeline, namespace: foo}
spec:
  params:
  - {default: somethingdifferent, name: pipeline-param, type: string}
  - {default: revision, name: rev-param, type: string}
  - {name: bar, type: string}
  - {name: paramWithContextDefault, type: string, default: "name:$(context.pipeline.name)"}
  tasks:
  - name: unit-test-2
    params:
    - {name: foo, value: somethingfun}
    - {name: bar, value: $(params.bar)}
    - {name: contextRunParam, value: $(context.pipelineRun.name)}
    - {name: contextPipelineParam, value: $(context.pipeline.name)}
    - {name: contextRetriesParam, value: $(context.pipelineTask.retries)}
    runAfter: [unit-test-1]
    taskRef: {name: unit-test-task}
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
""",
    """
kind: Task
metadata: {name: unit-test-task, namespace: foo}
spec:
  params:
  - {name: foo, type: string}
  - {name: bar, type: string}
  - {name: contextRunParam, type: string}
  - {name: contextPipelineParam, type: string}
  - {name: contextRetriesParam, type: string}
""",
)


def test_reconcile() -> None:
    got = resolved(*RECONCILE)
    [actual] = built(got, "unit-test-1")
    meta = object_meta(
        "test-pipeline-run-success-unit-test-1",
        "foo",
        "test-pipeline-run-success",
        "test-pipeline",
        "unit-test-1",
        uid="bar",
    )
    assert dump(actual) == task_run(
        meta,
        """
params:
- {name: foo, value: somethingfun}
- {name: bar, value: somethingmorefun}
- {name: contextRunParam, value: test-pipeline-run-success}
- {name: contextPipelineParam, value: test-pipeline}
- {name: contextRetriesParam, value: "5"}
- {name: param-not-found, value: $(params.notfound)}
- {name: paramWithContextDefault, value: name:test-pipeline}
retries: 5
serviceAccountName: test-sa
taskRef: {name: unit-test-task, kind: Task}
""",
    )


def test_reconcile_pipeline_spec_task_spec() -> None:
    got = resolved(
        "metadata: {name: test-pipeline-run-success, namespace: foo}\n"
        "spec: {pipelineRef: {name: test-pipeline}}",
        """
kind: Pipeline
metadata: {name: test-pipeline, namespace: foo}
spec:
  tasks:
  - name: unit-test-task-spec
    taskSpec:
      steps: [{name: mystep, image: myimage}]
""",
    )
    [actual] = built(got, "unit-test-task-spec")
    meta = object_meta(
        "test-pipeline-run-success-unit-test-task-spec",
        "foo",
        "test-pipeline-run-success",
        "test-pipeline",
        "unit-test-task-spec",
    )
    assert dump(actual) == task_run(
        meta,
        "taskSpec: {steps: [{name: mystep, image: myimage}]}\nserviceAccountName: default",
    )


HELLO_WORLD_TASK = (
    "kind: Task\nmetadata: {name: hello-world, namespace: foo}\nspec: {steps: [{image: i}]}"
)
HELLO_WORLD_PIPELINE = """
kind: Pipeline
metadata: {name: test-pipeline, namespace: foo}
spec:
  tasks: [{name: hello-world-1, taskRef: {name: hello-world}}]
"""


def test_reconcile_propagate_labels_and_annotations() -> None:
    got = resolved(
        """
metadata:
  annotations:
    PipelineRunAnnotation: PipelineRunValue
    chains.tekton.dev/signed: "true"
  labels:
    PipelineRunLabel: PipelineRunValue
    tekton.dev/pipeline: WillNotBeUsed
  name: test-pipeline-run-with-labels
  namespace: foo
spec:
  pipelineRef: {name: test-pipeline}
  taskRunTemplate: {serviceAccountName: test-sa}
""",
        HELLO_WORLD_PIPELINE,
        HELLO_WORLD_TASK,
    )
    [actual] = built(got, "hello-world-1")
    meta = object_meta(
        "test-pipeline-run-with-labels-hello-world-1",
        "foo",
        "test-pipeline-run-with-labels",
        "test-pipeline",
        "hello-world-1",
    )
    meta["labels"]["PipelineRunLabel"] = "PipelineRunValue"
    meta["annotations"] = {"PipelineRunAnnotation": "PipelineRunValue"}
    assert dump(actual) == task_run(
        meta, "serviceAccountName: test-sa\ntaskRef: {name: hello-world, kind: Task}"
    )


def test_metadata_precedence() -> None:
    # Not from pipelinerun_test.go: combineTaskRunAndTaskSpecLabels' precedence,
    # taskRunSpecs > PipelineRun (and its tekton.dev labels) > embedded taskSpec.
    got = resolved("""
metadata:
  name: pr
  namespace: ns
  uid: u
  labels: {shared: from-run, run-only: r, tekton.dev/pipelineTask: overridden-by-tekton}
  annotations: {shared: from-run}
spec:
  pipelineSpec:
    tasks:
    - name: t
      onError: continue
      taskSpec:
        metadata:
          labels: {shared: from-spec, spec-only: s, tekton.dev/pipelineRun: not-this}
          annotations: {shared: from-spec, spec-only: s}
        steps: [{image: i}]
  taskRunSpecs:
  - pipelineTaskName: t
    metadata:
      labels: {shared: from-task-run-spec, tekton.dev/memberOf: mine}
      annotations: {shared: from-task-run-spec}
""")
    [actual] = built(got, "t")
    assert actual.metadata.labels == {
        "shared": "from-task-run-spec",
        "tekton.dev/memberOf": "mine",
        "run-only": "r",
        "tekton.dev/pipelineTask": "t",
        "tekton.dev/pipeline": "pr",
        "tekton.dev/pipelineRun": "pr",
        "tekton.dev/pipelineRunUID": "u",
        "spec-only": "s",
    }
    assert actual.metadata.annotations == {
        "shared": "from-task-run-spec",
        "spec-only": "s",
        "pipeline.tekton.dev/pipeline-task-on-error": "continue",
    }
    # The metadata of an embedded spec is not part of the TaskRun's taskSpec.
    assert "metadata" not in dump(actual)["spec"]["taskSpec"]


def test_reconcile_with_different_service_accounts() -> None:
    got = resolved(
        """
metadata: {name: test-pipeline-run-different-service-accs, namespace: foo}
spec:
  pipelineRef: {name: test-pipeline}
  taskRunTemplate: {serviceAccountName: test-sa-0}
  taskRunSpecs: [{serviceAccountName: test-sa-1, pipelineTaskName: hello-world-1}]
""",
        """
kind: Pipeline
metadata: {name: test-pipeline, namespace: foo}
spec:
  tasks:
  - {name: hello-world-0, taskRef: {name: hello-world-task}}
  - {name: hello-world-1, taskRef: {name: hello-world-task}}
""",
        "kind: Task\nmetadata: {name: hello-world-task, namespace: foo}",
    )
    for i in range(2):
        name = f"test-pipeline-run-different-service-accs-hello-world-{i}"
        [actual] = built(got, f"hello-world-{i}")
        meta = object_meta(
            name,
            "foo",
            "test-pipeline-run-different-service-accs",
            "test-pipeline",
            f"hello-world-{i}",
        )
        assert dump(actual) == task_run(
            meta,
            f"serviceAccountName: test-sa-{i}\ntaskRef: {{name: hello-world-task, kind: Task}}",
        )


def test_task_run_specs_overrides() -> None:
    # TestReconcileAndPropagateCustomPipelineTaskRunSpec, for TaskRuns.
    got = resolved(
        """
metadata: {name: pr, namespace: foo}
spec:
  pipelineRef: {name: test-pipeline}
  taskRunTemplate:
    serviceAccountName: template-sa
    podTemplate: {nodeSelector: {disktype: ssd}, schedulerName: default-scheduler}
  taskRunSpecs:
  - pipelineTaskName: hello-world-1
    podTemplate: {nodeSelector: {workloadtype: tekton}}
    stepSpecs: [{name: s, computeResources: {requests: {memory: 1Gi}}}]
    sidecarSpecs: [{name: c, computeResources: {requests: {cpu: "1"}}}]
    computeResources: {limits: {cpu: "2"}}
""",
        HELLO_WORLD_PIPELINE,
        HELLO_WORLD_TASK,
    )
    [actual] = built(got, "hello-world-1")
    spec = dump(actual)["spec"]
    assert spec["serviceAccountName"] == "template-sa"
    assert spec["podTemplate"] == {
        "nodeSelector": {"workloadtype": "tekton"},
        "schedulerName": "default-scheduler",
    }
    assert spec["stepSpecs"] == [{"name": "s", "computeResources": {"requests": {"memory": "1Gi"}}}]
    assert spec["sidecarSpecs"] == [{"name": "c", "computeResources": {"requests": {"cpu": "1"}}}]
    assert spec["computeResources"] == {"limits": {"cpu": "2"}}
    run = got.pipeline_run
    assert task_run_spec(run, "other").service_account_name == "template-sa"


# -- timeouts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task_timeout", "timeouts", "task_run_specs_timeout", "want"),
    [
        (None, "{pipeline: 2h0m0s, tasks: 1h55m0s}", None, "1h55m0s"),
        (None, "{pipeline: 2h0m0s, tasks: 1h55m0s}", "30m", "30m0s"),
        ("45m", "{pipeline: 2h0m0s, tasks: 1h55m0s}", None, "45m0s"),
        (None, None, None, None),
        (None, "{pipeline: 2h0m0s}", None, None),
        (None, "{pipeline: 2h0m0s, finally: 10m0s}", None, "1h50m0s"),
        (None, "{pipeline: 1h0m0s, finally: 20m0s}", None, None),
        (None, "{pipeline: '0', tasks: '0'}", None, "0s"),
        (None, "{pipeline: 1h0m0s, tasks: 30m0s}", None, None),
        ("45m", "{pipeline: 2h0m0s, tasks: 1h55m0s}", "30m", "30m0s"),
        (None, None, "2h", "2h0m0s"),
        ("1h", None, "30m", "30m0s"),
    ],
)
def test_timeout_propagation(
    task_timeout: str | None,
    timeouts: str | None,
    task_run_specs_timeout: str | None,
    want: str | None,
) -> None:
    # TestReconcileTimeoutPropagationToTaskRun, TestReconcileTaskRunSpecTimeout(Precedence).
    pipeline: Json = {"name": "hello-world-1", "taskRef": {"name": "hello-world"}}
    if task_timeout:
        pipeline["timeout"] = task_timeout
    spec: Json = {"pipelineRef": {"name": "test-pipeline"}}
    if timeouts:
        spec["timeouts"] = load(timeouts)
    if task_run_specs_timeout:
        spec["taskRunSpecs"] = [
            {"pipelineTaskName": "hello-world-1", "timeout": task_run_specs_timeout}
        ]
    got = resolved(
        msgspec.json.encode(
            {"metadata": {"name": "test-pipeline-run", "namespace": "foo"}, "spec": spec}
        ).decode(),
        msgspec.json.encode(
            {
                "kind": "Pipeline",
                "metadata": {"name": "test-pipeline", "namespace": "foo"},
                "spec": {"tasks": [pipeline]},
            }
        ).decode(),
        HELLO_WORLD_TASK,
    )
    [actual] = built(got, "hello-world-1")
    assert actual.spec.timeout == want


@pytest.mark.parametrize(
    ("timeouts", "want"),
    [
        ("{pipeline: 3h0m0s, finally: 1h30m0s}", "1h30m0s"),
        ("{pipeline: 3h0m0s, tasks: 1h0m0s}", "2h0m0s"),
        ("{pipeline: 3h0m0s, finally: 30m0s}", None),
        ("{pipeline: '0', finally: '0'}", "0s"),
    ],
)
def test_finally_timeout_propagation(timeouts: str, want: str | None) -> None:
    # TestReconcileFinallyTimeoutPropagatedToTaskRun
    run = msgspec.convert(
        {
            "metadata": {"name": "pr"},
            "spec": {"pipelineRef": {"name": "p"}, "timeouts": load(timeouts)},
        },
        PipelineRun,
    )
    assert task_run_timeout(run, PipelineTask(name="f"), Config(), is_final=True) == want


# -- workspaces ---------------------------------------------------------------------------------

_SUB_PATH_TASKS = [
    ("ws1", "customdirectory"),
    ("ws1", "otherdirecory"),
    ("ws1", ""),
    ("ws2", ""),
    ("ws2", "customdirectory"),
    ("ws3", ""),
    ("ws3", "customdirectory"),
]
SUB_PATHS_PIPELINE = msgspec.json.encode(
    {
        "kind": "Pipeline",
        "metadata": {"name": "test-pipeline", "namespace": "foo"},
        "spec": {
            "workspaces": [{"name": "ws1"}, {"name": "ws2"}, {"name": "ws3"}],
            "tasks": [
                {
                    "name": f"hello-world-{i}",
                    "taskRef": {"name": "hello-world"},
                    "workspaces": [{"name": "taskWorkspaceName", "subPath": sub, "workspace": ws}],
                }
                for i, (ws, sub) in enumerate(_SUB_PATH_TASKS, start=1)
            ]
            + [{"name": "hello-world-8", "taskRef": {"name": "hello-world"}}],
        },
    }
).decode()
SUB_PATHS_RUN = """
metadata: {name: test-pipeline-run, namespace: foo, uid: the-uid}
spec:
  pipelineRef: {name: test-pipeline}
  workspaces:
  - {name: ws1, volumeClaimTemplate: {metadata: {name: myclaim}}}
  - {name: ws2, subPath: mypath, volumeClaimTemplate: {metadata: {name: myclaim}}}
  - name: ws3
    subPath: $(context.pipelineRun.name)
    volumeClaimTemplate: {metadata: {name: myclaim}}
"""


def test_volume_claim_template_workspace_using_sub_paths() -> None:
    # TestReconcileWithVolumeClaimTemplateWorkspace(UsingSubPaths)
    got = resolved(SUB_PATHS_RUN, SUB_PATHS_PIPELINE, HELLO_WORLD_TASK)
    sub_paths = []
    for i in range(1, 9):
        [actual] = built(got, f"hello-world-{i}")
        for ws in actual.spec.workspaces or ():
            assert ws.volume_claim_template is None and ws.persistent_volume_claim is not None
            assert ws.name == "taskWorkspaceName"
            sub_paths.append(ws.sub_path)
        if i == 8:
            assert actual.spec.workspaces is None
        else:
            assert AFFINITY in actual.metadata.annotations
    assert sub_paths == [
        "customdirectory",
        "otherdirecory",
        "",
        "mypath",
        "mypath/customdirectory",
        "test-pipeline-run",
        "test-pipeline-run/customdirectory",
    ]
    [first] = built(got, "hello-world-1")
    claim = first.spec.workspaces[0].persistent_volume_claim  # type: ignore[index]
    assert claim is not None and claim.claim_name == pvc_name_from_template(
        "myclaim", "ws1", "the-uid"
    )
    assert first.metadata.annotations[AFFINITY] == affinity_assistant_name(
        "ws1", "test-pipeline-run"
    )
    claims = workspace_claims(got.pipeline_run, Config())
    assert [c["metadata"]["name"] for c in claims] == [
        pvc_name_from_template("myclaim", ws, "the-uid") for ws in ("ws1", "ws2", "ws3")
    ]
    assert claims[0]["metadata"]["ownerReferences"][0]["kind"] == "PipelineRun"


AFFINITY = "pipeline.tekton.dev/affinity-assistant"


@pytest.mark.parametrize("coschedule", ["pipelineruns", "isolate-pipelinerun", "disabled"])
def test_volume_claim_template_with_other_affinity_assistant_modes(coschedule: str) -> None:
    config = Config(features=FeatureFlags(coschedule=coschedule))
    got = resolved(SUB_PATHS_RUN, SUB_PATHS_PIPELINE, HELLO_WORLD_TASK, config=config)
    [actual] = built(got, "hello-world-1", config)
    claim = actual.spec.workspaces[0].persistent_volume_claim  # type: ignore[index]
    pvc = pvc_name_from_template("myclaim", "ws1", "the-uid")
    assistant = affinity_assistant_name("", "test-pipeline-run")
    if coschedule == "disabled":
        assert claim is not None and claim.claim_name == pvc
        assert AFFINITY not in actual.metadata.annotations
        assert len(workspace_claims(got.pipeline_run, config)) == 3
    else:
        assert claim is not None and claim.claim_name == f"{pvc}-{assistant}-0"
        assert actual.metadata.annotations[AFFINITY] == assistant
        assert workspace_claims(got.pipeline_run, config) == []


def test_workspace_binding_renamed_and_params_substituted() -> None:
    # TestReconcileAndPopulateParamsToWorkspaceBindings (the TaskRun side).
    got = resolved(
        """
metadata: {name: pr, namespace: foo}
spec:
  params: [{name: cm, value: my-config}, {name: dir, value: sub}]
  pipelineRef: {name: test-pipeline}
  workspaces:
  - {name: source, configMap: {name: $(params.cm)}, subPath: $(params.dir)}
""",
        """
kind: Pipeline
metadata: {name: test-pipeline, namespace: foo}
spec:
  params: [{name: cm}, {name: dir}]
  workspaces: [{name: source}]
  tasks:
  - name: t
    taskRef: {name: hello-world}
    workspaces: [{name: input, workspace: source, subPath: $(context.pipeline.name)}]
""",
        HELLO_WORLD_TASK,
    )
    [actual] = built(got, "t")
    assert dump(actual)["spec"]["workspaces"] == [
        {"name": "input", "subPath": "sub/test-pipeline", "configMap": {"name": "my-config"}}
    ]
    assert AFFINITY not in actual.metadata.annotations


def test_embedded_spec_workspaces_are_propagated() -> None:
    # propagateWorkspaces: an embedded taskSpec may use a pipeline workspace it does not
    # declare and the task does not bind (propagating-workspaces.yaml).
    got = resolved("""
metadata: {name: pr, namespace: foo}
spec:
  workspaces: [{name: shared, emptyDir: {}}, {name: other, emptyDir: {}}]
  pipelineSpec:
    workspaces: [{name: shared}, {name: other}]
    tasks:
    - name: t
      taskSpec:
        steps: [{image: i, script: 'ls $(workspaces.shared.path) $(workspaces.other.path)'}]
""")
    [actual] = built(got, "t")
    assert dump(actual)["spec"]["workspaces"] == [
        {"name": "other", "emptyDir": {}},
        {"name": "shared", "emptyDir": {}},
    ]


def test_task_workspace_not_bound_by_the_run() -> None:
    # An embedded spec uses a workspace nobody binds: propagateWorkspaces binds it by
    # name, and the run has no such binding.
    got = resolved("""
metadata: {name: pr, namespace: foo}
spec:
  pipelineSpec:
    tasks:
    - name: t
      taskSpec: {steps: [{image: i, script: 'ls $(workspaces.missing.path)'}]}
""")
    got_failure = failed(got, "t")
    assert (got_failure.reason, got_failure.message) == (
        "CreateRunFailed",
        'expected workspace "missing" to be provided by pipelinerun for pipeline task "t"',
    )


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("", "b", "b"),
        ("a", "", "a"),
        ("a", "b", "a/b"),
        ("a/", "/b", "a/b"),
        ("a/x", "../b", "a/b"),
    ],
)
def test_combined_sub_path(a: str, b: str, want: str) -> None:
    assert combined_sub_path(a, b) == want


# -- matrix ---------------------------------------------------------------------------------------

MATRIX_RUN = """
metadata: {name: pr, namespace: ns, uid: u}
spec:
  pipelineSpec:
    tasks:
    - name: m
      retries: 2
      params: [{name: retries, value: $(context.pipelineTask.retries)}]
      matrix:
        params:
        - {name: platform, value: [linux, mac]}
        - {name: browser, value: [chrome, safari]}
      taskSpec:
        params: [{name: platform}, {name: browser}, {name: retries}]
        steps: [{image: i}]
"""


def test_matrix_fan_out() -> None:
    got = resolved(MATRIX_RUN)
    runs = built(got, "m")
    assert [r.metadata.name for r in runs] == ["pr-m-0", "pr-m-1", "pr-m-2", "pr-m-3"]
    assert [[(p.name, p.value) for p in r.spec.params or ()] for r in runs] == [
        [("browser", "chrome"), ("platform", "linux"), ("retries", "2")],
        [("browser", "chrome"), ("platform", "mac"), ("retries", "2")],
        [("browser", "safari"), ("platform", "linux"), ("retries", "2")],
        [("browser", "safari"), ("platform", "mac"), ("retries", "2")],
    ]
    assert all(r.spec.retries == 2 for r in runs)


def test_matrix_enum_checked_before_creating() -> None:
    config = Config(features=FeatureFlags(enable_api_fields="alpha", enable_param_enum=True))
    run = MATRIX_RUN.replace("{name: browser}", "{name: browser, enum: [chrome, firefox]}")
    got = resolved(run, config=config)
    got_failure = failed(got, "m", config)
    assert (got_failure.reason, got_failure.message) == (
        "InvalidParamValue",
        '[User error] Invalid param value from PipelineTask "m": param `browser` value: safari '
        "is not in the enum list",
    )


def test_matrix_types_checked_after_results() -> None:
    got = resolved("""
metadata: {name: pr, namespace: ns}
spec:
  pipelineSpec:
    tasks:
    - {name: a, taskSpec: {results: [{name: r}], steps: [{image: i}]}}
    - name: m
      matrix: {params: [{name: x, value: $(tasks.a.results.r)}]}
      taskSpec: {params: [{name: x}], steps: [{image: i}]}
""")
    task = got.task("m")
    assert task is not None
    r = result_replacements([ResolvedResult("a", "r", "not-an-array")])
    ready = ResolvedPipelineTask(
        apply_task_results(task.pipeline_task, r.strings, r.arrays, r.objects),
        resolved_task=task.resolved_task,
        run_names=task.run_names,
    )
    out = build_task_runs(got.pipeline_run, ready, Config())
    assert isinstance(out, PipelineRunFailure)
    assert (out.reason, out.message) == (
        "InvalidMatrixParameterTypes",
        '[User error] Failed to validate matrix "parameters of type array only are allowed, but '
        'param \\"x\\" has type \\"string\\" in pipelineTask \\"m\\"" with error %!v(MISSING)',
    )


def test_results_propagated_into_embedded_spec() -> None:
    # propagating_results_implicit_resultref.yaml's mechanism: PropagateResults.
    got = resolved("""
metadata: {name: pr, namespace: ns}
spec:
  pipelineSpec:
    tasks:
    - {name: a, taskSpec: {results: [{name: r}], steps: [{image: i}]}}
    - name: b
      runAfter: [a]
      taskSpec: {steps: [{image: i, script: 'echo $(tasks.a.results.r)'}]}
""")
    results = {"a": [RunResult(name="r", type="string", value="hello")]}
    [actual] = built(got, "b", task_run_results=results)
    assert actual.spec.task_spec is not None
    assert (actual.spec.task_spec.steps or [])[0].script == "echo hello"


# -- cancellation -------------------------------------------------------------------------------


def test_cancel_patches() -> None:
    assert cancel_patch() == [
        {"op": "add", "path": "/spec/status", "value": "TaskRunCancelled"},
        {
            "op": "add",
            "path": "/spec/statusMessage",
            "value": "TaskRun cancelled as the PipelineRun it belongs to has been cancelled.",
        },
    ]
    assert cancel_patch(timed_out=True)[1]["value"] == (
        "TaskRun cancelled as the PipelineRun it belongs to has timed out."
    )
    tr = cancelled(TaskRun(), timed_out=True)
    assert (tr.spec.status, tr.spec.status_message) == (
        "TaskRunCancelled",
        "TaskRun cancelled as the PipelineRun it belongs to has timed out.",
    )


# -- Tekton's examples: the first scheduling round ------------------------------------------------


def first_round(path: Path, skip: tuple[str, ...] = ()) -> list[TaskRun]:
    """The TaskRuns of the tasks without parents (skipped ones, a PipelineRunFacts
    decision, are named by the caller)."""
    run, lookup = load_example(path)
    config = Config() if path.parent.name in ("pipelineruns", "beta") else Config.alpha_ci()
    got = resolve_pipelinerun(run, lookup, config)
    assert isinstance(got, ResolvedPipelineRun), got
    out: list[TaskRun] = []
    for node in get_roots(got.tasks_graph):
        task = got.task(node.key)
        assert task is not None
        if node.key in skip or task.resolved_task is None:
            continue
        runs = build_task_runs(got.pipeline_run, task, config)
        assert isinstance(runs, list), runs
        out += runs
    return out


def example(name: str) -> Path:
    return examples_dir() / "pipelineruns" / name


def summary(runs: list[TaskRun]) -> list[tuple[str, dict[str, Any]]]:
    return [(r.metadata.name, {p.name: p.value for p in r.spec.params or ()}) for r in runs]


def labels(pr: str, pipeline: str, task: str, member_of: str = "tasks") -> dict[str, str]:
    return {
        "tekton.dev/pipeline": pipeline,
        "tekton.dev/pipelineRun": pr,
        "tekton.dev/pipelineRunUID": UID,
        "tekton.dev/pipelineTask": task,
        "tekton.dev/memberOf": member_of,
    }


def test_example_pipelinerun_with_params() -> None:
    runs = first_round(example("pipelinerun-with-params.yaml"))
    assert summary(runs) == [
        ("pipelinerun-with-params-sum-params", {"a": "100", "b": "500"}),
        ("pipelinerun-with-params-multiply-params", {"a": "100", "b": "500"}),
    ]
    pr = "pipelinerun-with-params"
    assert runs[0].metadata.labels == labels(pr, "pipeline-with-params", "sum-params")
    assert runs[1].metadata.labels == labels(pr, "pipeline-with-params", "multiply-params")
    assert [dump(r)["spec"]["taskRef"] for r in runs] == [
        {"name": "sum-params", "kind": "Task"},
        {"name": "multiply-params", "kind": "Task"},
    ]
    assert all(r.spec.service_account_name == "default" and r.spec.timeout is None for r in runs)


def test_example_propagating_params_implicit_parameters() -> None:
    [actual] = first_round(example("propagating_params_implicit_parameters.yaml"))
    assert actual.metadata.name == "pr-echo-x7k2p-echo-hello"
    assert actual.metadata.labels == labels("pr-echo-x7k2p", "pr-echo", "echo-hello")
    assert actual.spec.params is None
    assert actual.spec.task_spec is not None
    assert (actual.spec.task_spec.steps or [])[0].script == (
        '#!/usr/bin/env bash\necho "Pipeline Hello World!"\n'
    )


def test_example_using_context_variables() -> None:
    [actual] = first_round(example("using_context_variables.yaml"))
    pr = "test-pipelinerun-x7k2p"
    assert actual.metadata.name == f"{pr}-task1"
    assert actual.metadata.labels == labels(pr, "test-pipelinerun", "task1")
    assert summary([actual])[0][1] == {
        "pipeline-uid": UID,
        "pipeline-name": pr,
        "pipelineRun-name": pr,
        "pipelineRun-name-from-defaults": f"pipelinerun: {pr}",
        "pipelineRun-namespace": "default",
        "pipelineTask-retries": "7",
    }
    assert actual.spec.retries == 7


def test_example_pipelinerun_with_matrix() -> None:
    runs = first_round(
        example("beta/pipelinerun-with-matrix.yaml"),
        skip=("matrix-params-with-empty-array-skipped",),
    )
    pr = "matrixed-pr-x7k2p"
    assert summary(runs) == [
        (f"{pr}-platforms-and-browsers-0", {"browser": "chrome", "platform": "linux"}),
        (f"{pr}-platforms-and-browsers-1", {"browser": "firefox", "platform": "linux"}),
        (f"{pr}-matrix-and-params", {"platform": "linux", "browser": "chrome"}),
        (f"{pr}-matrix-and-params-include", {"platform": "linux", "browser": "chrome"}),
        (f"{pr}-matrix-with-task-using-onerror", {"version": "1"}),
        (f"{pr}-matrix-with-task-retries", {"version": "1", "pipelineTask-retries": "1"}),
    ]
    for r in runs:
        task = r.metadata.labels["tekton.dev/pipelineTask"]
        assert r.metadata.labels == labels(pr, "matrixed-pr", task)
    assert [p.name for p in runs[0].spec.params or ()] == ["browser", "platform"]
    assert runs[-1].spec.retries == 1


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for d in ("", "beta", "alpha", "no-ci")
        for p in (examples_dir() / "pipelineruns" / d).glob("*.yaml")
    ),
    ids=lambda p: p.name if p.parent.name == "pipelineruns" else f"{p.parent.name}/{p.name}",
)
def test_example_first_round_builds(path: Path) -> None:
    key = path.name if path.parent.name == "pipelineruns" else f"{path.parent.name}/{path.name}"
    if key in REMOTE:
        pytest.skip("needs a remote resolver")
    for run in first_round(path):
        assert run.metadata.labels["tekton.dev/memberOf"] == "tasks"
        assert run.metadata.owner_references[0].kind == "PipelineRun"
        assert (run.spec.task_ref is None) != (run.spec.task_spec is None)
