"""``tekton.dev/v1beta1`` → ``v1``: cases from Tekton's ``pkg/apis/pipeline/v1beta1/
*_conversion_test.go`` (inputs and the v1 objects and annotations Tekton produces), plus
the refusals of Tekton's v1beta1 webhook that conversion makes final."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from tektite.api.convert import v1beta1_to_v1
from tektite.api.models import Pipeline, PipelineRun, Task, TaskRun
from tektite.api.objects import InvalidObject, decode

DEPRECATIONS = "tekton.dev/v1beta1.task-deprecations"


def load(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


# -- Task ----------------------------------------------------------------------------------------

TASK_WITH_DEPRECATED_FIELDS = """
apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: foo
  namespace: bar
  generation: 1
spec:
  displayName: "task-display-name"
  description: test
  steps:
  - name: step-1
    ports:
    - name: port
    livenessProbe:
      initialDelaySeconds: 1
    readinessProbe:
      initialDelaySeconds: 2
    startupProbe:
      initialDelaySeconds: 3
    lifecycle:
      postStart:
        exec:
          command:
          - "lifecycle command"
    terminationMessagePath: path
    terminationMessagePolicy: policy
    stdin: true
    stdinOnce: true
    tty: true
  stepTemplate:
    image: foo
    ports:
    - name: port
    livenessProbe:
      initialDelaySeconds: 1
    readinessProbe:
      initialDelaySeconds: 2
    startupProbe:
      initialDelaySeconds: 3
    lifecycle:
      postStart:
        exec:
          command:
          - "lifecycle command"
    terminationMessagePath: path
    terminationMessagePolicy: policy
    stdin: true
    stdinOnce: true
    tty: true
"""


def test_task_deprecated_fields_are_kept_in_an_annotation() -> None:
    got = v1beta1_to_v1(load(TASK_WITH_DEPRECATED_FIELDS))
    assert got["apiVersion"] == "tekton.dev/v1"
    assert got["spec"] == {
        "displayName": "task-display-name",
        "description": "test",
        "steps": [{"name": "step-1"}],
        "stepTemplate": {"image": "foo"},
    }
    assert got["metadata"]["annotations"] == {
        DEPRECATIONS: '{"foo":{"deprecatedSteps":'
        '[{"name":"","ports":[{"name":"port","containerPort":0}],"resources":{},'
        '"livenessProbe":{"initialDelaySeconds":1},"readinessProbe":{"initialDelaySeconds":2},'
        '"startupProbe":{"initialDelaySeconds":3},"lifecycle":{"postStart":{"exec":'
        '{"command":["lifecycle command"]}}},"terminationMessagePath":"path",'
        '"terminationMessagePolicy":"policy","stdin":true,"stdinOnce":true,"tty":true}],'
        '"deprecatedStepTemplate":{"ports":[{"name":"port","containerPort":0}],"resources":{},'
        '"livenessProbe":{"initialDelaySeconds":1},"readinessProbe":{"initialDelaySeconds":2},'
        '"startupProbe":{"initialDelaySeconds":3},"lifecycle":{"postStart":{"exec":'
        '{"command":["lifecycle command"]}}},"terminationMessagePath":"path",'
        '"terminationMessagePolicy":"policy","stdin":true,"stdinOnce":true,"tty":true}}}'
    }
    assert isinstance(decode(load(TASK_WITH_DEPRECATED_FIELDS)), Task)


TASK_WITHOUT_STEP_TEMPLATE = """
apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: foo
  namespace: bar
  generation: 1
spec:
  steps:
  - image: alpine
    name: echo
    readinessProbe:
      exec:
        command:
        - cat
        - /tmp/healthy
    resources: {}
    script: |
      echo "Good Morning!"
"""


def test_task_conversion_deprecated_step_fields_without_step_template() -> None:
    got = v1beta1_to_v1(load(TASK_WITHOUT_STEP_TEMPLATE))
    assert got["spec"]["steps"] == [
        {
            "image": "alpine",
            "name": "echo",
            "computeResources": {},
            "script": 'echo "Good Morning!"\n',
        }
    ]
    assert got["metadata"]["annotations"] == {
        DEPRECATIONS: '{"foo":{"deprecatedSteps":[{"name":"","resources":{},'
        '"readinessProbe":{"exec":{"command":["cat","/tmp/healthy"]}}}]}}'
    }


TASK_ALL_FIELDS = """
apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: foo
spec:
  description: test
  steps:
  - name: step
    image: foo
    command: ["hello"]
    args: ["world"]
    workingDir: "/dir"
    env:
    - name: var
    resources:
      limits:
        cpu: "1"
    imagePullPolicy: IfNotPresent
    securityContext:
      privileged: true
    script: "echo 'hello world'"
    timeout: 1h
    workspaces:
    - name: workspace
    onError: continue
    stdoutConfig:
      path: /path
  stepTemplate:
    image: foo
    resources:
      requests:
        memory: 1Gi
  sidecars:
  - name: sidecar
    image: foo
    resources:
      limits:
        cpu: "2"
    ports:
    - containerPort: 8080
    readinessProbe:
      periodSeconds: 1
    restartPolicy: Always
  volumes:
  - name: volume
    emptyDir: {}
  params:
  - name: param-1
    type: string
    description: my first param
  workspaces:
  - name: workspace
    mountPath: /foo
    readOnly: true
    optional: true
  results:
  - name: result
    type: object
    properties:
      property: {type: string}
"""


def test_task_conversion_all_non_deprecated_fields() -> None:
    raw = load(TASK_ALL_FIELDS)
    got = v1beta1_to_v1(raw)
    spec = got["spec"]
    assert spec["steps"][0]["computeResources"] == {"limits": {"cpu": "1"}}
    assert "resources" not in spec["steps"][0]
    assert spec["stepTemplate"] == {
        "image": "foo",
        "computeResources": {"requests": {"memory": "1Gi"}},
    }
    # Sidecars keep ports and probes: they are not deprecated there.
    assert spec["sidecars"][0] == {
        "name": "sidecar",
        "image": "foo",
        "computeResources": {"limits": {"cpu": "2"}},
        "ports": [{"containerPort": 8080}],
        "readinessProbe": {"periodSeconds": 1},
        "restartPolicy": "Always",
    }
    assert "annotations" not in got["metadata"]
    task = decode(raw)
    assert isinstance(task, Task)
    assert task.spec.steps is not None and task.spec.steps[0].timeout == "1h"
    # The input is left alone.
    assert raw == load(TASK_ALL_FIELDS)


def test_task_step_template_liveness_probe_alone_is_dropped() -> None:
    # Tekton's HasDeprecatedFields forgets the template's livenessProbe.
    raw = load(
        """
apiVersion: tekton.dev/v1beta1
kind: Task
metadata: {name: t}
spec:
  steps: [{image: a}]
  stepTemplate: {livenessProbe: {periodSeconds: 3}}
"""
    )
    got = v1beta1_to_v1(raw)
    assert got["spec"]["stepTemplate"] == {}
    assert got["metadata"] == {"name": "t"}


# -- TaskRun -------------------------------------------------------------------------------------

TASKRUN = """
apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata:
  name: foo
  namespace: bar
spec:
  debug:
    breakpoints:
      onFailure: enabled
      beforeSteps: [step-1]
  params:
  - name: param-task-1
    value: value-task-1
  serviceAccountName: test-sa
  taskRef:
    name: test-task
    kind: Task
  status: TaskRunCancelled
  statusMessage: test-status-message
  timeout: 5s
  podTemplate:
    nodeSelector:
      label: value
  workspaces:
  - name: workspace-emptydir
    emptyDir: {}
  stepOverrides:
  - name: task-1
    resources:
      requests:
        memory: 1Gi
  sidecarOverrides:
  - name: task-1
    resources:
      requests:
        memory: 1Gi
  computeResources:
    requests:
      cpu: "1"
  managedBy: some-controller
status:
  conditions:
  - type: Succeeded
    status: "True"
    reason: Succeeded
  podName: foo-pod
  startTime: "2024-01-01T00:00:00Z"
  steps:
  - name: step-1
    container: step-step-1
    imageID: img
    terminated:
      exitCode: 0
      reason: Completed
    results:
    - name: r
      type: string
      value: bar
    provenance:
      configSource: {uri: x}
      refSource: {uri: test-uri, digest: {sha256: digest}}
  - name: step-2
    running: {startedAt: "2024-01-01T00:00:00Z"}
  taskResults:
  - name: result
    type: string
    value: hello
  cloudEvents:
  - target: http://sink
    status: {condition: Sent, message: "", retryCount: 1}
  retriesStatus:
  - podName: foo-pod-retry1
    taskResults: [{name: old, value: x}]
    cloudEvents: [{target: http://other}]
  sidecars:
  - name: sidecar
    container: sidecar-sidecar
  provenance:
    featureFlags: {EnableAPIFields: beta}
  spanContext: {traceparent: x}
"""


def test_taskrun_conversion() -> None:
    got = v1beta1_to_v1(load(TASKRUN))
    spec = got["spec"]
    assert spec["stepSpecs"] == [
        {"name": "task-1", "computeResources": {"requests": {"memory": "1Gi"}}}
    ]
    assert spec["sidecarSpecs"] == [
        {"name": "task-1", "computeResources": {"requests": {"memory": "1Gi"}}}
    ]
    assert "stepOverrides" not in spec and "sidecarOverrides" not in spec
    # Tekton's conversion does not carry managedBy over.
    assert "managedBy" not in spec
    assert spec["timeout"] == "5s"
    status = got["status"]
    assert status["results"] == [{"name": "result", "type": "string", "value": "hello"}]
    assert status["steps"][0]["terminationReason"] == "Completed"
    assert status["steps"][0]["provenance"] == {
        "refSource": {"uri": "test-uri", "digest": {"sha256": "digest"}}
    }
    assert "terminationReason" not in status["steps"][1]
    assert status["retriesStatus"] == [
        {"podName": "foo-pod-retry1", "results": [{"name": "old", "value": "x"}]}
    ]
    assert "spanContext" not in status and "cloudEvents" not in status
    assert got["metadata"]["annotations"] == {
        "tekton.dev/v1beta1CloudEvents": '[{"target":"http://sink","status":{"condition":"Sent",'
        '"message":"","retryCount":1}}]'
    }
    tr = decode(load(TASKRUN))
    assert isinstance(tr, TaskRun)
    assert tr.status is not None and tr.status.results is not None
    assert tr.status.results[0].value == "hello"


def test_taskrun_embedded_spec_deprecations_use_the_run_name() -> None:
    raw = load(
        """
apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata: {name: run}
spec:
  taskSpec:
    steps:
    - image: a
      tty: true
      resources: {limits: {cpu: "1"}}
"""
    )
    got = v1beta1_to_v1(raw)
    assert got["spec"]["taskSpec"]["steps"] == [
        {"image": "a", "computeResources": {"limits": {"cpu": "1"}}}
    ]
    assert got["metadata"]["annotations"] == {
        DEPRECATIONS: '{"run":{"deprecatedSteps":[{"name":"","resources":{},"tty":true}]}}'
    }


# -- Pipeline ------------------------------------------------------------------------------------

PIPELINE = """
apiVersion: tekton.dev/v1beta1
kind: Pipeline
metadata:
  name: foo
  namespace: bar
spec:
  displayName: pipeline
  description: test
  params:
  - name: p
    default: [a, b]
  workspaces:
  - name: ws
  results:
  - name: r
    value: $(tasks.task-1.results.r)
  tasks:
  - name: task-1
    taskRef: {name: t}
    when:
    - input: foo
      operator: in
      values: [foo]
    retries: 1
    params:
    - name: p
      value: $(params.p[*])
    matrix: {}
    workspaces:
    - name: ws
      workspace: ws
      subPath: x
    timeout: 1h
  - name: task-2
    runAfter: [task-1]
    taskSpec:
      metadata:
        labels: {a: b}
      steps:
      - image: foo
        stdin: true
      results:
      - name: r
  finally:
  - name: final
    taskRef: {name: t}
    matrix:
      params: [{name: x, value: [a, b]}]
"""


def test_pipeline_conversion() -> None:
    got = v1beta1_to_v1(load(PIPELINE))
    tasks = got["spec"]["tasks"]
    assert "matrix" not in tasks[0]  # not matrixed: Tekton drops it
    assert got["spec"]["finally"][0]["matrix"] == {"params": [{"name": "x", "value": ["a", "b"]}]}
    assert tasks[1]["taskSpec"] == {
        "metadata": {"labels": {"a": "b"}},
        "steps": [{"image": "foo"}],
        "results": [{"name": "r"}],
    }
    assert got["metadata"]["annotations"] == {
        DEPRECATIONS: '{"task-2":{"deprecatedSteps":[{"name":"","resources":{},"stdin":true}]}}'
    }
    assert isinstance(decode(load(PIPELINE)), Pipeline)


def test_pipeline_in_pipeline_is_not_converted() -> None:
    raw = load(
        """
apiVersion: tekton.dev/v1beta1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - name: child
    pipelineRef: {name: other}
"""
    )
    assert v1beta1_to_v1(raw)["spec"]["tasks"] == [{"name": "child"}]


# -- PipelineRun ---------------------------------------------------------------------------------

PIPELINERUN = """
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata:
  name: foo
  namespace: bar
spec:
  pipelineRef:
    name: test-pipeline
  params:
  - name: p
    value: v
  serviceAccountName: test-sa
  status: Cancelled
  timeout: 5m
  podTemplate:
    nodeSelector: {label: value}
  workspaces:
  - name: ws
    emptyDir: {}
  taskRunSpecs:
  - pipelineTaskName: task-1
    taskServiceAccountName: test-tsa
    taskPodTemplate:
      nodeSelector: {label: value}
    stepOverrides:
    - name: step-1
      resources: {requests: {memory: 1Gi}}
    sidecarOverrides:
    - name: sidecar-1
      resources: {requests: {memory: 1Gi}}
    metadata:
      labels: {a: b}
    computeResources: {requests: {cpu: "1"}}
    timeout: 1m
status:
  conditions:
  - type: Succeeded
    status: "False"
    reason: Failed
  startTime: "2024-01-01T00:00:00Z"
  pipelineResults:
  - name: r
    value: hi
  taskRuns:
    foo-task-1: {pipelineTaskName: task-1}
  childReferences:
  - apiVersion: tekton.dev/v1
    kind: TaskRun
    name: foo-task-1
    pipelineTaskName: task-1
  skippedTasks:
  - name: task-2
    reason: When Expressions evaluated to false
  pipelineSpec:
    tasks:
    - name: task-1
      taskRef: {name: t, bundle: "registry/x"}
"""


def test_pipelinerun_conversion() -> None:
    got = v1beta1_to_v1(load(PIPELINERUN))
    spec = got["spec"]
    assert spec["timeouts"] == {"pipeline": "5m"}
    assert "timeout" not in spec
    assert spec["taskRunTemplate"] == {
        "serviceAccountName": "test-sa",
        "podTemplate": {"nodeSelector": {"label": "value"}},
    }
    assert "serviceAccountName" not in spec and "podTemplate" not in spec
    assert spec["taskRunSpecs"] == [
        {
            "pipelineTaskName": "task-1",
            "serviceAccountName": "test-tsa",
            "podTemplate": {"nodeSelector": {"label": "value"}},
            "stepSpecs": [{"name": "step-1", "computeResources": {"requests": {"memory": "1Gi"}}}],
            "sidecarSpecs": [
                {"name": "sidecar-1", "computeResources": {"requests": {"memory": "1Gi"}}}
            ],
            "metadata": {"labels": {"a": "b"}},
            "computeResources": {"requests": {"cpu": "1"}},
            "timeout": "1m",
        }
    ]
    status = got["status"]
    assert status["results"] == [{"name": "r", "value": "hi"}]
    assert "taskRuns" not in status and "pipelineResults" not in status
    # Status is not validated: a bundle there is dropped, not refused.
    assert status["pipelineSpec"]["tasks"][0]["taskRef"] == {"name": "t"}
    pr = decode(load(PIPELINERUN))
    assert isinstance(pr, PipelineRun)
    assert pr.spec.task_run_template.service_account_name == "test-sa"


def test_pipelinerun_timeouts_are_kept() -> None:
    raw = load(
        """
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata: {name: foo}
spec:
  pipelineRef: {name: p}
  timeouts: {pipeline: 1h, tasks: 30m, finally: 30m}
"""
    )
    assert v1beta1_to_v1(raw)["spec"] == {
        "pipelineRef": {"name": "p"},
        "timeouts": {"pipeline": "1h", "tasks": "30m", "finally": "30m"},
    }


# -- refusals ------------------------------------------------------------------------------------

RESOURCES_DETAILS = (
    "PipelineResources were removed from Tekton: replace them with Tasks, workspaces and "
    "results (https://tekton.dev/docs/pipelines/pipelineresources/)"
)
BUNDLE_DETAILS = (
    "the bundle field was removed from Tekton: use the bundles resolver instead "
    "(resolver: bundles, params: bundle, name, kind)"
)

REFUSALS = [
    pytest.param(
        {
            "kind": "Task",
            "metadata": {"name": "t"},
            "spec": {
                "resources": {"inputs": [{"name": "src", "type": "git"}]},
                "steps": [{"image": "a"}],
            },
        },
        f"must not set the field(s): spec.resources\n{RESOURCES_DETAILS}",
        id="task resources",
    ),
    pytest.param(
        {
            "kind": "TaskRun",
            "metadata": {"name": "tr"},
            "spec": {
                "taskRef": {"name": "t"},
                "resources": {"inputs": [{"name": "src", "resourceRef": {"name": "r"}}]},
            },
        },
        f"must not set the field(s): spec.resources\n{RESOURCES_DETAILS}",
        id="taskrun resources",
    ),
    pytest.param(
        {
            "kind": "TaskRun",
            "metadata": {"name": "tr"},
            "spec": {"taskSpec": {"resources": {}, "steps": [{"image": "a"}]}},
        },
        f"must not set the field(s): spec.taskSpec.resources\n{RESOURCES_DETAILS}",
        id="embedded task resources",
    ),
    pytest.param(
        {
            "kind": "Pipeline",
            "metadata": {"name": "p"},
            "spec": {
                "resources": [{"name": "src", "type": "git"}],
                "tasks": [
                    {"name": "a", "taskRef": {"name": "t"}, "resources": {"inputs": []}},
                    {"name": "b", "taskRef": {"name": "t"}},
                ],
                "finally": [{"name": "c", "taskRef": {"name": "t", "bundle": "reg/x:1"}}],
            },
        },
        # Equal messages sort by their details.
        "must not set the field(s): spec.resources, spec.tasks[0].resources\n"
        f"{RESOURCES_DETAILS}\n"
        "must not set the field(s): spec.finally[0].taskRef.bundle\n"
        f"{BUNDLE_DETAILS}",
        id="pipeline resources and bundle",
    ),
    pytest.param(
        {"kind": "Pipeline", "metadata": {"name": "p"}, "spec": {"resources": [], "tasks": []}},
        None,
        id="empty pipeline resources are accepted",
    ),
    pytest.param(
        {
            "kind": "PipelineRun",
            "metadata": {"name": "pr"},
            "spec": {
                "pipelineRef": {"name": "p", "bundle": "reg/x:1"},
                "resources": [],
                "timeout": "1h",
                "timeouts": {"tasks": "1h"},
            },
        },
        "must not set the field(s): spec.timeout, spec.timeouts\n"
        "must not set the field(s): spec.resources\n"
        f"{RESOURCES_DETAILS}\n"
        "must not set the field(s): spec.pipelineRef.bundle\n"
        f"{BUNDLE_DETAILS}",
        id="pipelinerun bundle, resources, timeout with timeouts",
    ),
    pytest.param(
        {
            "kind": "PipelineRun",
            "metadata": {"name": "pr"},
            "spec": {
                "pipelineSpec": {"tasks": [{"name": "a", "taskRef": {"name": "t", "bundle": "b"}}]},
                "taskRunTemplate": {},
                "taskRunSpecs": [{"pipelineTaskName": "a", "stepSpecs": []}],
            },
        },
        "must not set the field(s): spec.pipelineSpec.tasks[0].taskRef.bundle\n"
        f"{BUNDLE_DETAILS}\n"
        'unknown field "stepSpecs": spec.taskRunSpecs[0].stepSpecs\n'
        'unknown field "taskRunTemplate": spec.taskRunTemplate',
        id="v1 field names are unknown in v1beta1",
    ),
    pytest.param(
        {
            "kind": "Task",
            "metadata": {"name": "t"},
            "spec": {"steps": [{"image": "a", "computeResources": {}}]},
        },
        'unknown field "computeResources": spec.steps[0].computeResources',
        id="computeResources is unknown in a v1beta1 step",
    ),
]


@pytest.mark.parametrize(("raw", "want"), REFUSALS)
def test_refusals(raw: dict[str, Any], want: str | None) -> None:
    raw = {"apiVersion": "tekton.dev/v1beta1", **raw}
    if want is None:
        v1beta1_to_v1(raw)
        return
    with pytest.raises(InvalidObject) as info:
        v1beta1_to_v1(raw)
    assert info.value.errors.render() == want
    assert info.value.kind == raw["kind"]
    with pytest.raises(InvalidObject):
        decode(raw)


def test_input_is_not_modified() -> None:
    raw = load(PIPELINERUN)
    before = copy.deepcopy(raw)
    v1beta1_to_v1(raw)
    assert raw == before


def test_existing_deprecations_annotation_is_extended() -> None:
    raw = load(TASK_WITHOUT_STEP_TEMPLATE)
    raw["metadata"]["annotations"] = {DEPRECATIONS: '{"other":{"deprecatedSteps":[]}}', "x": "<&>"}
    got = v1beta1_to_v1(raw)["metadata"]["annotations"]
    assert got["x"] == "<&>"
    assert got[DEPRECATIONS].startswith('{"other":{"deprecatedSteps":[]},"foo":')


def test_go_json_escaping() -> None:
    raw = load(TASK_WITHOUT_STEP_TEMPLATE)
    raw["spec"]["steps"][0]["terminationMessagePath"] = "<a&b>"
    got = v1beta1_to_v1(raw)["metadata"]["annotations"][DEPRECATIONS]
    assert '"terminationMessagePath":"\\u003ca\\u0026b\\u003e"' in got


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="cannot convert kind"):
        v1beta1_to_v1({"apiVersion": "tekton.dev/v1beta1", "kind": "CustomRun"})
