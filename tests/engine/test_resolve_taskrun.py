"""Resolving what a TaskRun runs and the run-time checks of ``prepare``; cases lifted from
Tekton's ``validate_taskrun_test.go``, ``resources/validate_params_test.go`` and
``taskrun_test.go`` unless marked otherwise, then every TaskRun example of Tekton's corpus
resolved end to end."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, Defaults, FeatureFlags
from tektite.api.models import StepAction, Task, TaskRun, TaskRunStatus, TaskSpec
from tektite.api.objects import decode
from tektite.api.yamlio import load_documents
from tektite.engine.resolve_taskrun import ResolvedTaskRun, TaskRunFailure, resolve_taskrun
from tests.conftest import examples_dir

Json = dict[str, Any]
UID = "6f1b8b7e-8c4c-4d8a-9f57-1a2b3c4d5e6f"


class Lookup:
    """A dict-backed :class:`~tektite.engine.resolve_taskrun.ObjectLookup`."""

    def __init__(self, *objects: object) -> None:
        self.objects = [o for o in objects if isinstance(o, Task | StepAction)]

    def get(self, kind: str, namespace: str, name: str) -> Task | StepAction | None:
        for o in self.objects:
            # A file's objects may have no namespace: they land in the run's.
            if (
                o.kind == kind
                and o.metadata.name == name
                and o.metadata.namespace in ("", namespace)
            ):
                return o
        return None


def task_of(spec: Json, name: str = "task", **meta: Any) -> Task:
    return msgspec.convert(
        {"metadata": {"name": name, "namespace": "default", **meta}, "spec": spec}, Task
    )


def run_of(spec: Json, name: str = "run", **meta: Any) -> TaskRun:
    metadata = {"name": name, "namespace": "default", "uid": UID, **meta}
    return msgspec.convert({"metadata": metadata, "spec": spec}, TaskRun)


def resolved(got: ResolvedTaskRun | TaskRunFailure) -> ResolvedTaskRun:
    assert isinstance(got, ResolvedTaskRun), got
    return got


STEP = {"name": "s", "image": "img"}


# -- resolution --------------------------------------------------------------------------------


def test_task_ref() -> None:
    task = task_of(
        {
            "params": [{"name": "p", "default": "d"}],
            "steps": [{**STEP, "script": "$(params.p) $(context.task.name)"}],
        },
        name="orchestrate",
        labels={"app": "x", "tekton.dev/task": "wrong"},
        annotations={"a": "1", "kubectl.kubernetes.io/last-applied-configuration": "{}"},
    )
    run = run_of({"taskRef": {"name": "orchestrate"}}, labels={"app": "run"})
    got = resolved(resolve_taskrun(run, Lookup(task), Config()))
    assert got.task_name == "orchestrate"
    assert got.kind == "Task"
    assert got.task_spec.steps is not None and got.task_spec.steps[0].script == "d orchestrate"
    assert got.task_spec.params is not None and got.task_spec.params[0].type == "string"
    assert got.labels == {"app": "x", "tekton.dev/task": "orchestrate"}
    assert got.annotations == {"a": "1"}
    assert got.merged_labels(run.metadata.labels) == {
        "app": "run",
        "tekton.dev/task": "orchestrate",
    }
    assert got.merged_annotations({"a": "2", "b": "3"}) == {"a": "2", "b": "3"}


def test_embedded_spec_uses_the_run_name() -> None:
    run = run_of(
        {"taskSpec": {"steps": [{**STEP, "script": "$(context.task.name)"}]}}, name="mytaskrun"
    )
    got = resolved(resolve_taskrun(run, Lookup(), Config()))
    assert got.task_name == "mytaskrun"
    assert got.task_spec.steps is not None and got.task_spec.steps[0].script == "mytaskrun"
    assert got.labels == {} and got.annotations == {}


def test_input_is_not_modified() -> None:
    run = run_of(
        {
            "taskSpec": {
                "params": [{"name": "p", "default": "x"}],
                "steps": [{**STEP, "script": "$(params.p)"}],
            }
        }
    )
    before = msgspec.to_builtins(run)
    resolved(resolve_taskrun(run, Lookup(), Config()))
    assert msgspec.to_builtins(run) == before


def test_status_task_spec_is_reused() -> None:
    # Tekton's GetTaskFuncFromTaskRun: once status.taskSpec is stored the Task is not
    # fetched again (it may be gone), nor are its labels merged a second time.
    stored = msgspec.convert({"steps": [{**STEP, "script": "stored"}]}, TaskSpec)
    run = run_of({"taskRef": {"name": "gone"}})
    run.status = TaskRunStatus(task_spec=stored)
    got = resolved(resolve_taskrun(run, Lookup(), Config()))
    assert got.task_name == "gone"
    assert got.task_spec.steps is not None and got.task_spec.steps[0].script == "stored"
    assert got.labels == {}


def test_status_task_spec_spares_remote_resolution() -> None:
    run = run_of({"taskRef": {"resolver": "git"}}, name="tr")
    run.status = TaskRunStatus(task_spec=msgspec.convert({"steps": [STEP]}, TaskSpec))
    assert resolved(resolve_taskrun(run, Lookup(), Config())).task_name == "tr"


@pytest.mark.parametrize(
    ("run", "message"),
    [
        (
            run_of({"taskRef": {"name": "missing"}}, name="mytaskrun"),
            'error when listing tasks for taskRun mytaskrun: tasks.tekton.dev "missing" not found',
        ),
        (
            run_of({"taskRef": {"name": "t"}}, name="mytaskrun", namespace=""),
            "error when listing tasks for taskRun mytaskrun: must specify namespace to resolve "
            "reference to task t",
        ),
        (run_of({}, name="mytaskrun"), "taskRun mytaskrun not providing TaskRef or TaskSpec"),
    ],
    ids=["not found", "no namespace", "neither ref nor spec"],
)
def test_resolution_failures(run: TaskRun, message: str) -> None:
    assert resolve_taskrun(run, Lookup(), Config()) == TaskRunFailure(
        "TaskRunResolutionFailed", message
    )


def test_remote_task_ref_names_its_resolver() -> None:
    run = run_of({"taskRef": {"resolver": "bundles", "params": [{"name": "name", "value": "x"}]}})
    got = resolve_taskrun(run, Lookup(), Config())
    assert isinstance(got, TaskRunFailure) and got.reason == "TaskRunResolutionFailed"
    assert got.message.startswith('resolver "bundles" is not available')


def test_referenced_task_validated_when_asked() -> None:
    task = task_of({"steps": []}, name="empty")
    run = run_of({"taskRef": {"name": "empty"}}, name="tr")
    got = resolve_taskrun(run, Lookup(task), Config(), validate_references=True)
    assert got == TaskRunFailure(
        "TaskValidationFailed",
        "error when listing tasks for taskRun tr: validation failed for referenced object "
        'empty: admission webhook "validation.webhook.pipeline.tekton.dev" denied the '
        "request: validation failed: missing field(s): spec.steps",
    )


# -- params (validate_taskrun_test.go TestValidateResolvedTask_*) ----------------------------

PARAM_CASES = [
    (
        "missing-params-string",
        [{"name": "foo", "type": "string"}],
        [{"name": "missing", "value": "somethingfun"}],
        "missing values for these params which have no default values: [foo]",
    ),
    (
        "missing-params-arr",
        [{"name": "foo", "type": "array"}],
        [{"name": "missing", "value": ["array", "param"]}],
        "missing values for these params which have no default values: [foo]",
    ),
    (
        "invalid-string-param",
        [{"name": "foo", "type": "string"}],
        [{"name": "foo", "value": ["array", "param"]}],
        "param types don't match the user-specified type: [foo]",
    ),
    (
        "invalid-arr-param",
        [{"name": "foo", "type": "array"}],
        [{"name": "foo", "value": "string"}],
        "param types don't match the user-specified type: [foo]",
    ),
    (
        "missing-params-obj",
        [{"name": "foo", "type": "array"}],
        [{"name": "missing-obj", "value": {"key1": "val1", "misskey": "val2"}}],
        "missing values for these params which have no default values: [foo]",
    ),
    (
        "missing object param keys",
        [{"name": "myObjWithoutDefault", "type": "object", "properties": {"key1": {}, "key2": {}}}],
        [{"name": "myObjWithoutDefault", "value": {"key1": "val1", "misskey": "val2"}}],
        "missing keys for these params which are required in ParamSpec's properties "
        "map[myObjWithoutDefault:[key2]]",
    ),
    (
        "several missing, in declaration order",
        # Not in validate_taskrun_test.go.
        [{"name": "b"}, {"name": "a"}, {"name": "c", "default": "x"}],
        [],
        "missing values for these params which have no default values: [b a]",
    ),
]


@pytest.mark.parametrize(
    ("declared", "given", "message"), [c[1:] for c in PARAM_CASES], ids=[c[0] for c in PARAM_CASES]
)
def test_invalid_params(declared: list[Json], given: list[Json], message: str) -> None:
    task = task_of({"params": declared, "steps": [STEP]}, name="foo")
    run = run_of({"taskRef": {"name": "foo"}, "params": given})
    assert resolve_taskrun(run, Lookup(task), Config()) == TaskRunFailure(
        "TaskRunValidationFailed", f"[User error] invalid input params for task foo: {message}"
    )


@pytest.mark.parametrize(
    "given",
    [
        [{"name": "foo", "value": "x"}, {"name": "extra-str-param", "value": "y"}],
        [{"name": "foo", "value": "x"}, {"name": "extra-arr-param", "value": ["a"]}],
        [{"name": "foo", "value": "x"}, {"name": "extra-obj-param", "value": {"k": "v"}}],
    ],
    ids=["extra-str-param", "extra-arr-param", "extra-obj-param"],
)
def test_extra_params_are_ignored(given: list[Json]) -> None:
    task = task_of({"params": [{"name": "foo"}], "steps": [STEP]}, name="foo")
    resolved(
        resolve_taskrun(
            run_of({"taskRef": {"name": "foo"}, "params": given}), Lookup(task), Config()
        )
    )


def test_array_param_given_as_reference_is_not_a_type_error() -> None:
    # Tekton lets a string that is a $(...) reference feed an array or object param.
    spec = {
        "params": [{"name": "a", "type": "array"}],
        "steps": [{**STEP, "args": ["$(params.a[*])"]}],
    }
    run = run_of({"taskSpec": spec, "params": [{"name": "a", "value": "$(tasks.t.results.r[*])"}]})
    resolved(resolve_taskrun(run, Lookup(), Config()))


ENUM_SPEC = {"params": [{"name": "p1", "enum": ["v1", "v2", "v3"]}], "steps": [STEP]}


@pytest.mark.parametrize(
    ("value", "enabled", "failure"),
    [
        ("v1", True, None),
        ("", True, None),  # an empty value is not checked
        ("v4", False, None),  # only with enable-param-enum
        (
            "v4",
            True,
            TaskRunFailure(
                "InvalidParamValue", "[User error] param `p1` value: v4 is not in the enum list"
            ),
        ),
    ],
)
def test_enum(value: str, enabled: bool, failure: TaskRunFailure | None) -> None:
    config = Config(features=FeatureFlags(enable_param_enum=enabled))
    run = run_of({"taskSpec": ENUM_SPEC, "params": [{"name": "p1", "value": value}]})
    got = resolve_taskrun(run, Lookup(), config)
    assert got == failure if failure else isinstance(got, ResolvedTaskRun)


# -- array indexes (validate_params_test.go) -------------------------------------------------


def _refs(first: int, last: int) -> str:
    return "[" + " ".join(f"$(params.array-params[{i}])" for i in range(first, last + 1)) + "]"


def _idx(i: int) -> str:
    return f"$(params.array-params[{i}])"


INDEX_CASES = [
    (
        "steps reference invalid",
        {
            "steps": [
                {
                    "name": "$(params.array-params[10])",
                    "image": _idx(11),
                    "command": [_idx(12)],
                    "args": [_idx(13)],
                    "script": f"echo {_idx(14)}",
                    "env": [
                        {
                            "name": "e",
                            "value": _idx(15),
                            "valueFrom": {
                                "secretKeyRef": {"key": _idx(16), "name": _idx(17)},
                                "configMapKeyRef": {"key": _idx(18), "name": _idx(19)},
                            },
                        }
                    ],
                    "envFrom": [
                        {
                            "prefix": _idx(20),
                            "configMapRef": {"name": _idx(21)},
                            "secretRef": {"name": _idx(22)},
                        }
                    ],
                    "workingDir": _idx(23),
                    "volumeMounts": [
                        {"name": _idx(24), "mountPath": _idx(25), "subPath": _idx(26)}
                    ],
                }
            ]
        },
        _refs(10, 26),
    ),
    (
        "stepTemplate reference invalid",
        {"stepTemplate": {"image": _idx(3)}, "steps": [STEP]},
        f"[{_idx(3)}]",
    ),
    (
        "volumes reference invalid",
        {
            "steps": [STEP],
            "volumes": [
                {
                    "name": _idx(10),
                    "configMap": {"name": _idx(11), "items": [{"key": _idx(12), "path": _idx(13)}]},
                    "secret": {
                        "secretName": _idx(14),
                        "items": [{"key": _idx(15), "path": _idx(16)}],
                    },
                    "persistentVolumeClaim": {"claimName": _idx(17)},
                    "projected": {
                        "sources": [
                            {
                                "configMap": {"name": _idx(18)},
                                "secret": {"name": _idx(19)},
                                "serviceAccountToken": {"audience": _idx(20)},
                            }
                        ]
                    },
                    "csi": {
                        "driver": "d",
                        "nodePublishSecretRef": {"name": _idx(21)},
                        "volumeAttributes": {"key": _idx(22)},
                    },
                }
            ],
        },
        _refs(10, 22),
    ),
    (
        "workspaces reference invalid",
        {"steps": [STEP], "workspaces": [{"name": "w", "mountPath": _idx(3), "optional": True}]},
        f"[{_idx(3)}]",
    ),
    (
        "sidecar reference invalid",
        {"steps": [STEP], "sidecars": [{"image": "i", "script": _idx(3)}]},
        f"[{_idx(3)}]",
    ),
]


@pytest.mark.parametrize(
    ("spec", "refs"), [c[1:] for c in INDEX_CASES], ids=[c[0] for c in INDEX_CASES]
)
def test_array_index_out_of_bounds(spec: Json, refs: str) -> None:
    spec = {"params": [{"name": "array-params", "default": ["bar", "foo"]}], **spec}
    run = run_of({"taskSpec": spec, "params": [{"name": "array-params", "value": ["bar", "foo"]}]})
    assert resolve_taskrun(run, Lookup(), Config()) == TaskRunFailure(
        "TaskRunValidationFailed", f"[User error] non-existent param references:{refs}"
    )


def test_array_index_uses_the_run_value_length() -> None:
    spec = {
        "params": [{"name": "a", "default": ["x"]}],
        "steps": [{**STEP, "args": ["$(params.a[2])"]}],
    }
    run = run_of({"taskSpec": spec, "params": [{"name": "a", "value": ["1", "2", "3"]}]})
    got = resolved(resolve_taskrun(run, Lookup(), Config()))
    assert got.task_spec.steps is not None and got.task_spec.steps[0].args == ["3"]


# -- workspaces, overrides and resources ------------------------------------------------------

WS_TASK = {"workspaces": [{"name": "src"}], "steps": [STEP]}


@pytest.mark.parametrize(
    ("spec", "bindings", "message"),
    [
        (WS_TASK, [], 'declared workspace "src" is required but has not been bound'),
        (
            {"steps": [STEP]},
            [{"name": "other", "emptyDir": {}}],
            'workspace binding "other" does not match any declared workspace',
        ),
        (
            WS_TASK,
            [{"name": "src", "emptyDir": {}, "configMap": {"name": "c"}}],
            'binding "src" is invalid: expected exactly one, got both: configmap, emptydir, '
            "persistentvolumeclaim, secret, volumeclaimtemplate",
        ),
        (
            {"workspaces": [{"name": "a"}, {"name": "b"}], "steps": [STEP]},
            [
                {"name": "a", "persistentVolumeClaim": {"claimName": "c1"}},
                {"name": "b", "persistentVolumeClaim": {"claimName": "c2"}},
            ],
            "more than one PersistentVolumeClaim is bound",
        ),
    ],
    ids=["required unbound", "unknown binding", "invalid binding", "two claims"],
)
def test_workspace_binding_failures(spec: Json, bindings: list[Json], message: str) -> None:
    task = task_of(spec)
    run = run_of({"taskRef": {"name": "task"}, "workspaces": bindings})
    assert resolve_taskrun(run, Lookup(task), Config()) == TaskRunFailure(
        "TaskRunValidationFailed", "[User error] " + message
    )


def test_two_claims_allowed_without_workspace_coscheduling() -> None:
    config = Config(features=FeatureFlags(coschedule="disabled"))
    spec = {"workspaces": [{"name": "a"}, {"name": "b"}], "steps": [STEP]}
    run = run_of(
        {
            "taskSpec": spec,
            "workspaces": [
                {"name": "a", "persistentVolumeClaim": {"claimName": "c1"}},
                {"name": "b", "persistentVolumeClaim": {"claimName": "c2"}},
            ],
        }
    )
    resolved(resolve_taskrun(run, Lookup(), config))


def test_overrides() -> None:
    spec = {"steps": [{**STEP, "name": "step1"}], "sidecars": [{"name": "sc", "image": "i"}]}
    ok = run_of(
        {"taskSpec": spec, "stepSpecs": [{"name": "step1"}], "sidecarSpecs": [{"name": "sc"}]}
    )
    resolved(resolve_taskrun(ok, Lookup(), Config()))
    bad = run_of(
        {
            "taskSpec": spec,
            "stepSpecs": [{"name": "nope"}, {"name": "step1"}],
            "sidecarSpecs": [{"name": "none"}],
        }
    )
    assert resolve_taskrun(bad, Lookup(), Config()) == TaskRunFailure(
        "TaskRunValidationFailed",
        "[User error] invalid StepOverride: No Step named nope\n"
        "invalid SidecarOverride: No Sidecar named none",
    )


@pytest.mark.parametrize(
    ("step", "template", "message"),
    [
        (
            {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}},
            None,
            "2Gi must be less or equal to limit 1Gi",
        ),
        (
            {"requests": {"cpu": "1500m"}},
            {"limits": {"cpu": 1}},
            "1500m must be less or equal to limit 1",
        ),
        ({"requests": {"cpu": "1"}, "limits": {"cpu": "1000m"}}, None, None),
    ],
)
def test_request_above_limit(step: Json, template: Json | None, message: str | None) -> None:
    spec: Json = {"steps": [{**STEP, "computeResources": step}]}
    if template is not None:
        spec["stepTemplate"] = {"computeResources": template}
    got = resolve_taskrun(run_of({"taskSpec": spec}), Lookup(), Config())
    if message is None:
        resolved(got)
    else:
        assert got == TaskRunFailure(
            "TaskRunValidationFailed", f"[User error] invalid request resource value: {message}"
        )


def test_default_workspace_binding() -> None:
    config = Config(
        defaults=Defaults(default_task_run_workspace_binding="emptyDir: {}\nsubPath: sp")
    )
    spec = {"workspaces": [{"name": "a"}, {"name": "opt", "optional": True}], "steps": [STEP]}
    got = resolved(resolve_taskrun(run_of({"taskSpec": spec}), Lookup(), config))
    assert [msgspec.to_builtins(b) for b in got.workspaces] == [
        {"name": "a", "subPath": "sp", "emptyDir": {}}
    ]
    bad = Config(defaults=Defaults(default_task_run_workspace_binding="[oops"))
    assert resolve_taskrun(run_of({"taskSpec": spec}), Lookup(), bad) == TaskRunFailure(
        "TaskRunResolutionFailed", "failed to unmarshal [oops"
    )


def test_volume_claim_template_becomes_a_claim() -> None:
    spec = {
        "workspaces": [{"name": "w"}],
        "steps": [{**STEP, "script": "$(workspaces.w.claim) $(workspaces.w.volume)"}],
    }
    run = run_of(
        {
            "taskSpec": spec,
            "workspaces": [
                {
                    "name": "w",
                    "subPath": "$(params.p)",
                    "volumeClaimTemplate": {"metadata": {"name": "pvc"}, "spec": {}},
                }
            ],
            "params": [{"name": "p", "value": "sub"}],
        }
    )
    got = resolved(resolve_taskrun(run, Lookup(), Config()))
    claim = "pvc-" + hashlib.sha256(("w" + UID).encode()).hexdigest()[:10]
    (binding,) = got.workspaces
    assert binding.persistent_volume_claim is not None
    assert binding.persistent_volume_claim.claim_name == claim
    assert binding.sub_path == "sub"
    assert got.task_spec.steps is not None
    assert got.task_spec.steps[0].script == f"{claim} {got.workspace_volumes['w']}"
    assert got.workspace_volumes["w"].startswith("ws-")


def test_retry_count_and_pod_template() -> None:
    spec = {
        "params": [{"name": "zone", "default": "z1"}],
        "steps": [{**STEP, "script": "$(context.task.retry-count)"}],
    }
    run = run_of({"taskSpec": spec, "podTemplate": {"nodeSelector": {"zone": "$(params.zone)"}}})
    run.status = TaskRunStatus(retries_status=[TaskRunStatus(), TaskRunStatus()])
    got = resolved(resolve_taskrun(run, Lookup(), Config()))
    assert got.task_spec.steps is not None and got.task_spec.steps[0].script == "2"
    assert got.pod_template is not None and got.pod_template.node_selector == {"zone": "z1"}


# -- Tekton's TaskRun examples ---------------------------------------------------------------


def _examples() -> list[Path]:
    return sorted((examples_dir() / "taskruns").glob("*.yaml"))


def _load(path: Path) -> tuple[TaskRun, Lookup]:
    objects = [decode(doc.obj) for doc in load_documents(path.read_bytes(), str(path))]
    run = next(o for o in objects if isinstance(o, TaskRun))
    # What the API server fills in on create.
    run.metadata.name = run.metadata.name or run.metadata.generate_name + "x7k2p"
    run.metadata.namespace = run.metadata.namespace or "default"
    run.metadata.uid = UID
    return run, Lookup(*objects)


def test_corpus_is_present() -> None:
    assert len(_examples()) >= 40


def _other_examples() -> list[Path]:
    root = examples_dir() / "taskruns"
    return sorted(p for d in ("alpha", "beta", "no-ci") for p in (root / d).glob("*.yaml"))


# Remote references need resolver controllers Tektite does not run.
REMOTE = {
    "beta/bundles-resolver.yaml": "bundles",
    "beta/git-resolver.yaml": "git",
    "beta/hub-resolver.yaml": "hub",
    "beta/stepaction-git-resolver.yaml": "git",
    "no-ci/cluster-resolver.yaml": "cluster",
}


@pytest.mark.parametrize("path", _other_examples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_other_example_resolves(path: Path) -> None:
    """alpha/, beta/ and no-ci/ with the flags Tekton's CI uses (no-ci's
    default-workspaces example documents the config-defaults it needs)."""
    run, lookup = _load(path)
    key = f"{path.parent.name}/{path.name}"
    config = Config() if path.parent.name == "beta" else Config.alpha_ci()
    if key == "no-ci/default-workspaces.yaml":
        config = Config(
            features=config.features,
            defaults=Defaults(default_task_run_workspace_binding="emptyDir: {}"),
        )
    got = resolve_taskrun(run, lookup, config)
    if key in REMOTE:
        assert isinstance(got, TaskRunFailure) and got.reason == "TaskRunResolutionFailed"
        assert f'resolver "{REMOTE[key]}" is not available' in got.message
    else:
        assert isinstance(got, ResolvedTaskRun), got


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_example_resolves(path: Path) -> None:
    run, lookup = _load(path)
    got = resolve_taskrun(run, lookup, Config())
    assert isinstance(got, ResolvedTaskRun), got
    # Nothing Task-scoped is left unresolved.
    text = msgspec.json.encode(got.task_spec).decode()
    for prefix in ("$(params.", "$(context.", "$(workspaces.", "$(results.", "$(step.results."):
        assert prefix not in text, (prefix, text)
    assert all(s.ref is None and s.params is None for s in got.task_spec.steps or ())


def _steps(name: str) -> list[Json]:
    run, lookup = _load(examples_dir() / "taskruns" / name)
    got = resolved(resolve_taskrun(run, lookup, Config()))
    return [msgspec.to_builtins(s) for s in got.task_spec.steps or ()]


def test_example_stepaction_params() -> None:
    (step,) = _steps("stepaction-params.yaml")
    assert step["name"] == "action-runner"
    assert step["image"].startswith("mirror.gcr.io/ubuntu@sha256:")
    assert step["env"] == [
        {"name": "arrayparam0", "value": "taskrun"},
        {"name": "arrayparam1", "value": "array"},
        {"name": "arrayparam2", "value": "param"},
        {"name": "stringparam", "value": "taskrun stringparam"},
        {"name": "objectparamkey1", "value": "taskspec default key1"},
        {"name": "objectparamkey2", "value": "taskrun key2"},
        {"name": "objectparamkey3", "value": "step-action default key3"},
        {"name": "enumparamkey1", "value": "enum1"},
        {"name": "enumparamkey2", "value": "enum2"},
        {"name": "enumparamkey3", "value": "enum3"},
    ]
    assert step["script"].startswith("#!/bin/bash\nARRAYVALUE=(")
    assert "ref" not in step and "params" not in step


def test_example_stepaction_passing_results() -> None:
    inline, action = _steps("stepaction-passing-results.yaml")
    assert "tee /tekton/steps/step-inline-step/results/result1\n" in inline["script"]
    assert action["args"] == [
        "$(steps.inline-step.results.result1[*])",
        "$(steps.inline-step.results.result1[0])",
        "$(steps.inline-step.results.result3.IMAGE_URL)",
        "$(steps.inline-step.results.result3.IMAGE_DIGEST)",
    ]
    assert action["env"] == [
        {"name": "STRINGPARAM", "value": "$(steps.inline-step.results.result2)"}
    ]


def test_example_steptemplate_env_merge() -> None:
    run, lookup = _load(examples_dir() / "taskruns" / "steptemplate-env-merge.yaml")
    got = resolved(resolve_taskrun(run, lookup, Config()))
    spec = got.task_spec
    # status.taskSpec keeps the stepTemplate apart, as Tekton's does.
    assert spec.step_template is not None
    assert msgspec.to_builtins(spec.step_template) == {
        "env": [{"name": "QUX", "value": "original"}]
    }
    assert [(s.name, msgspec.to_builtins(s.env) if s.env else None) for s in spec.steps or ()] == [
        ("foo", [{"name": "FOO", "value": "foo"}]),
        ("foobar", [{"name": "FOOBAR", "value": "foobar"}]),
        ("bar", [{"name": "BAR", "value": "bar"}]),
        ("qux-no-override", None),
        ("qux-override", [{"name": "QUX", "value": "override"}]),
    ]


def test_example_using_context_variables() -> None:
    steps = _steps("using_context_variables.yaml")
    assert [s["script"] for s in steps] == [
        f'echo "TaskRunUID name: {UID}"\n',
        'echo "Task name: test-taskrun-x7k2p"\necho "TaskRun name: test-taskrun-x7k2p"\n',
    ]


def test_example_propagating_params_implicit() -> None:
    (step,) = _steps("propagating_params_implicit.yaml")
    assert step["name"] == "default"
    assert step["script"] == "echo hello world!\n"


def test_example_task_ref_defaults() -> None:
    run, lookup = _load(examples_dir() / "taskruns" / "default_task_params.yaml")
    got = resolved(resolve_taskrun(run, lookup, Config()))
    assert got.task_name == "example-default-task-param"
    assert got.labels == {"tekton.dev/task": "example-default-task-param"}
    assert got.task_spec.steps is not None
    assert got.task_spec.steps[0].script == 'echo "No input provided, but that\'s okay!"\n'


def test_example_optional_workspaces() -> None:
    (step,) = _steps("optional-workspaces.yaml")
    assert 'if [ "true" == "true" ]' in step["script"]
    assert 'provided at %s!\\n" "/workspace/source-code"' in step["script"]
    assert 'if [ "false" == "true" ]' in step["script"]
