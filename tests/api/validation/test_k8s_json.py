"""The Kubernetes parts the models keep as JSON are type-checked as the API server
decodes them: a ``runAsUser: "x"`` in a pod template used to pass, and the host runtime
then never started the Pod (found by mutating the conformance examples)."""

from __future__ import annotations

import pytest

from tektite.api.load import check_text

TASKRUN = """\
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  podTemplate: {securityContext: POD}
  taskSpec:
    stepTemplate: {securityContext: TEMPLATE}
    steps: [{name: s, image: x, script: 'true', securityContext: STEP}]
    sidecars: [{name: c, image: x, readinessProbe: PROBE, lifecycle: HOOKS}]
"""
OK = {
    "POD": "{runAsUser: 1001, runAsNonRoot: true, fsGroup: 2, supplementalGroups: [3]}",
    "TEMPLATE": "{capabilities: {drop: [ALL]}}",
    "STEP": "{runAsUser: 2000, allowPrivilegeEscalation: false}",
    "PROBE": "{tcpSocket: {port: http}, periodSeconds: 1}",
    "HOOKS": "{preStop: {exec: {command: [sh, -c, 'true']}}}",
}


def errors(**changed: str) -> str:
    text = TASKRUN
    for key, value in {**OK, **changed}.items():
        text = text.replace(key, value)
    [checked] = check_text(text, "f")
    return checked.errors.render()


def test_well_typed_parts_pass() -> None:
    assert errors() == ""


@pytest.mark.parametrize(
    ("changed", "error"),
    [
        (
            {"POD": "{runAsUser: x}"},
            "invalid value: expected an integer, got a string: "
            "spec.podTemplate.securityContext.runAsUser",
        ),
        (
            {"POD": "{runAsNonRoot: 'yes'}"},
            "invalid value: expected a boolean, got a string: "
            "spec.podTemplate.securityContext.runAsNonRoot",
        ),
        (
            {"POD": "{supplementalGroups: [x]}"},
            "invalid value: expected an integer, got a string: "
            "spec.podTemplate.securityContext.supplementalGroups[0]",
        ),
        (
            {"STEP": "{runAsUser: 1.5}"},
            "invalid value: expected an integer, got a number: "
            "spec.taskSpec.steps[0].securityContext.runAsUser",
        ),
        (
            {"TEMPLATE": "{capabilities: {add: NET_ADMIN}}"},
            "invalid value: expected a list, got a string: "
            "spec.taskSpec.stepTemplate.securityContext.capabilities.add",
        ),
        (
            {"STEP": "{bogus: 1}"},
            'unknown field "bogus": spec.taskSpec.steps[0].securityContext.bogus',
        ),
        (
            {"PROBE": "{httpGet: {path: /}}"},
            "missing field(s): spec.taskSpec.sidecars[0].readinessProbe.httpGet.port",
        ),
        (
            {"HOOKS": "{preStop: {exec: {command: ls}}}"},
            "invalid value: expected a list, got a string: "
            "spec.taskSpec.sidecars[0].lifecycle.preStop.exec.command",
        ),
    ],
)
def test_a_wrong_type_is_named_at_its_path(changed: dict[str, str], error: str) -> None:
    assert errors(**changed) == error


def test_pipelinerun_pod_templates_and_stepactions() -> None:
    [run, action] = check_text(
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: p}\nspec:\n"
        "  pipelineSpec: {tasks: [{name: t, taskSpec: {steps: [{name: s, image: x}]}}]}\n"
        "  taskRunTemplate: {podTemplate: {securityContext: {fsGroup: x}}}\n"
        "  taskRunSpecs: [{pipelineTaskName: t, podTemplate: {securityContext: {runAsGroup: x}}}]\n"
        "---\n"
        "apiVersion: tekton.dev/v1beta1\nkind: StepAction\nmetadata: {name: a}\n"
        "spec: {image: x, securityContext: {privileged: 1}}\n",
        "f",
    )
    # One message, two paths: Knative merges errors that say the same.
    assert run.errors.render() == (
        "invalid value: expected an integer, got a string: "
        "spec.taskRunSpecs[0].podTemplate.securityContext.runAsGroup, "
        "spec.taskRunTemplate.podTemplate.securityContext.fsGroup"
    )
    assert action.errors.render() == (
        "invalid value: expected a boolean, got an integer: spec.securityContext.privileged"
    )


ENV_RUN = """\
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  podTemplate: {env: [{name: P, valueFrom: POD}]}
  taskSpec:
    steps:
    - name: s
      image: x
      env: [{name: E, valueFrom: STEP}]
      envFrom: [{prefix: P_, configMapRef: FROM}]
"""
ENV_OK = {
    "POD": "{fieldRef: {fieldPath: metadata.name}}",
    "STEP": "{secretKeyRef: {name: s, key: k, optional: true}}",
    "FROM": "{name: c}",
}


@pytest.mark.parametrize(
    ("changed", "error"),
    [
        ({}, ""),
        (
            {"STEP": "{secretKeyRef: x}"},
            "invalid value: expected a mapping, got a string: "
            "spec.taskSpec.steps[0].env[0].valueFrom.secretKeyRef",
        ),
        (
            {"STEP": "{configMapKeyRef: {name: c, key: 1}}"},
            "invalid value: expected a string, got an integer: "
            "spec.taskSpec.steps[0].env[0].valueFrom.configMapKeyRef.key",
        ),
        (
            {"STEP": "{secretKeyRef: {name: s, key: k, optional: 'yes'}}"},
            "invalid value: expected a boolean, got a string: "
            "spec.taskSpec.steps[0].env[0].valueFrom.secretKeyRef.optional",
        ),
        (
            {"POD": "{fieldRef: {fieldPath: metadata.name, bogus: 1}}"},
            'unknown field "bogus": spec.podTemplate.env[0].valueFrom.fieldRef.bogus',
        ),
        (
            {"FROM": "{name: [c]}"},
            "invalid value: expected a string, got a list: "
            "spec.taskSpec.steps[0].envFrom[0].configMapRef.name",
        ),
    ],
)
def test_where_a_variable_s_value_comes_from_is_typed(changed: dict[str, str], error: str) -> None:
    """A ``secretKeyRef: x`` used to pass, and its Pod then waited for ever: the API
    server refuses it when it decodes the run."""
    text = ENV_RUN
    for key, value in {**ENV_OK, **changed}.items():
        text = text.replace(key, value)
    [checked] = check_text(text, "f")
    assert checked.errors.render() == error


VOLUME_RUN = """\
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  podTemplate: {volumes: [{name: p, TEMPLATE}]}
  workspaces: [{name: w, BINDING}]
  taskSpec:
    workspaces: [{name: w}]
    volumes: [{name: v, VOLUME}]
    steps: [{name: s, image: x, script: 'true'}]
"""
VOLUME_OK = {
    "TEMPLATE": "hostPath: {path: /data, type: Directory}",
    "BINDING": "projected: {sources: [{configMap: {name: c, items: [{key: k, path: p}]}}]}",
    "VOLUME": "downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}",
}


@pytest.mark.parametrize(
    ("changed", "error"),
    [
        ({}, ""),
        (
            {"TEMPLATE": "hostPath: {path: 1}"},
            "invalid value: expected a string, got an integer: "
            "spec.podTemplate.volumes[0].hostPath.path",
        ),
        (
            {"VOLUME": "downwardAPI: {items: x}"},
            "invalid value: expected a list, got a string: "
            "spec.taskSpec.volumes[0].downwardAPI.items",
        ),
        (
            {"VOLUME": "projected: {sources: [{secret: {name: s}}, {secret: x}]}"},
            "invalid value: expected a mapping, got a string: "
            "spec.taskSpec.volumes[0].projected.sources[1].secret",
        ),
        (
            {"BINDING": "projected: {sources: [{serviceAccountToken: {expirationSeconds: x}}]}"},
            "invalid value: expected an integer, got a string: "
            "spec.workspaces[0].projected.sources[0].serviceAccountToken.expirationSeconds",
        ),
        (
            {"BINDING": "csi: {driver: d, nodePublishSecretRef: {name: s, bogus: 1}}"},
            'unknown field "bogus": spec.workspaces[0].csi.nodePublishSecretRef.bogus',
        ),
        (
            {"BINDING": "volumeClaimTemplate: {spec: {accessModes: ReadWriteOnce}}"},
            "invalid value: expected a list, got a string: "
            "spec.workspaces[0].volumeClaimTemplate.spec.accessModes",
        ),
        (
            {"BINDING": "volumeClaimTemplate: {spec: {resources: {requests: {storage: [1]}}}}"},
            "invalid value: expected an integer or a string, got a list: "
            "spec.workspaces[0].volumeClaimTemplate.spec.resources.requests[...]",
        ),
        (
            {"VOLUME": "ephemeral: {volumeClaimTemplate: {spec: {storageClassName: 1}}}"},
            "invalid value: expected a string, got an integer: "
            "spec.taskSpec.volumes[0].ephemeral.volumeClaimTemplate.spec.storageClassName",
        ),
    ],
)
def test_volume_sources_are_typed(changed: dict[str, str], error: str) -> None:
    """A ``downwardAPI: {items: x}`` used to pass, and its Pod then waited for ever."""
    text = VOLUME_RUN
    for key, value in {**VOLUME_OK, **changed}.items():
        text = text.replace(key, value)
    [checked] = check_text(text, "f")
    assert checked.errors.render() == error


def test_a_pipelinerun_s_bindings_are_typed() -> None:
    [run] = check_text(
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: p}\nspec:\n"
        "  pipelineSpec: {tasks: [{name: t, taskSpec: {steps: [{name: s, image: x}]}}]}\n"
        "  workspaces: [{name: w, projected: {sources: [{downwardAPI: {items: [1]}}]}}]\n",
        "f",
    )
    assert run.errors.render() == (
        "invalid value: expected a mapping, got an integer: "
        "spec.workspaces[0].projected.sources[0].downwardAPI.items[0]"
    )


@pytest.mark.parametrize(
    ("template", "error"),
    [
        (
            "{tolerations: [{key: k, operator: Exists}], affinity: {nodeAffinity: {}}, "
            "dnsConfig: {nameservers: [1.1.1.1], options: [{name: ndots, value: '2'}]}, "
            "imagePullSecrets: [{name: s}], hostAliases: [{ip: 10.0.0.1, hostnames: [a]}], "
            "topologySpreadConstraints: [{maxSkew: 1, topologyKey: k, whenUnsatisfiable: "
            "DoNotSchedule, labelSelector: {matchLabels: {a: b}}}]}",
            "",
        ),
        (
            "{tolerations: [{key: k}, {tolerationSeconds: x}]}",
            "invalid value: expected an integer, got a string: "
            "spec.podTemplate.tolerations[1].tolerationSeconds",
        ),
        (
            "{affinity: {nodeAffinity: x}}",
            "invalid value: expected a mapping, got a string: "
            "spec.podTemplate.affinity.nodeAffinity",
        ),
        (
            "{dnsConfig: {nameservers: 1.1.1.1}}",
            "invalid value: expected a list, got a string: spec.podTemplate.dnsConfig.nameservers",
        ),
        (
            "{imagePullSecrets: [s]}",
            "invalid value: expected a mapping, got a string: spec.podTemplate.imagePullSecrets[0]",
        ),
        (
            "{topologySpreadConstraints: [{maxSkew: x}]}",
            "invalid value: expected an integer, got a string: "
            "spec.podTemplate.topologySpreadConstraints[0].maxSkew",
        ),
    ],
)
def test_a_pod_template_s_scheduling_fields_are_typed(template: str, error: str) -> None:
    """``tolerations: [{tolerationSeconds: x}]`` used to pass: the host runtime ignores
    these fields, but Tekton's webhook refuses the run when it decodes them."""
    [checked] = check_text(
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: r}\nspec:\n"
        f"  podTemplate: {template}\n"
        "  taskSpec: {steps: [{name: s, image: x, script: 'true'}]}\n",
        "f",
    )
    assert checked.errors.render() == error
