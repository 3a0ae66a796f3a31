"""Pipelines in pipelines (alpha), the pure part: the child PipelineRuns a PipelineTask
with ``pipelineRef``/``pipelineSpec`` makes (names, owner, labels, annotations, spec,
workspaces, cycle check), how their conditions drive the parent's facts, and the
``childReferences`` and cancel/timeout errors — each case against what Tekton's
``pipelinerun.go``, ``pipelinerunresolution.go``, ``pipelinerunstate.go`` and
``cancel.go`` give for the same input."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config
from tektite.api.models import (
    ChildStatusReference,
    ObjectMeta,
    PipelineRun,
    PipelineSpec,
    PipelineTask,
    WorkspaceBinding,
)
from tektite.engine.child_pipelineruns import (
    build_child_pipeline_runs,
    child_pipeline_run_annotations,
    child_pipeline_run_labels,
    child_pipeline_run_workspaces,
    couldnt_cancel_message,
    couldnt_time_out_message,
    detect_pipeline_ref_cycle,
    unknown_child_kinds_error,
)
from tektite.engine.pipeline_facts import (
    get_reason,
    have_any_task_runs_failed,
    is_cancelled,
    is_cancelled_for_timeout,
    is_failure,
    is_running,
    is_scheduled,
    is_successful,
)
from tektite.engine.pipeline_results import get_task_runs_results
from tektite.engine.pipeline_state import (
    adjust_start_time,
    get_child_references,
    get_pipeline_condition_status,
    is_before_first_task_run,
    plan_next_tasks,
)
from tektite.engine.resolve_pipelinerun import PipelineRunFailure, ResolvedPipelineTask
from tests.engine.pipeline_fixtures import NOW, Task, facts, pt, succeeded

PARENT_UID = "parent-uid"


def child_pt(name: str = "child", **fields: Any) -> PipelineTask:
    """A PipelineTask running the Pipeline ``child-pipeline`` (``pipelineRef``)."""
    body: dict[str, Any] = {"name": name, "pipelineRef": {"name": "child-pipeline"}, **fields}
    return msgspec.convert(body, PipelineTask)


def inline_pt(name: str = "child", **fields: Any) -> PipelineTask:
    """A PipelineTask running an embedded pipelineSpec of one task."""
    spec = {"tasks": [{"name": "hello", "taskSpec": {"steps": [{"image": "b", "script": "x"}]}}]}
    body: dict[str, Any] = {"name": name, "pipelineSpec": spec, **fields}
    return msgspec.convert(body, PipelineTask)


def pipelinerun(
    name: str,
    status: str | None = None,
    reason: str = "",
    *,
    params: dict[str, str] | None = None,
    created: str | None = None,
) -> PipelineRun:
    """A child PipelineRun whose ``Succeeded`` condition has ``status`` (None: none)."""
    body: dict[str, Any] = {"metadata": {"name": name, "namespace": "ns"}, "spec": {}}
    if created is not None:
        body["metadata"]["creationTimestamp"] = created
    if params:
        body["spec"]["params"] = [{"name": k, "value": v} for k, v in params.items()]
    if status is not None:
        body["status"] = {"conditions": [{"type": "Succeeded", "status": status, "reason": reason}]}
    return msgspec.convert(body, PipelineRun)


def parent(**spec: Any) -> PipelineRun:
    """The parent as resolution leaves it: labelled, annotated, defaulted, with its
    ``status.pipelineSpec`` (a task ``child`` and a finally task ``last``)."""
    body: dict[str, Any] = {
        "metadata": {
            "name": "parent",
            "namespace": "ns",
            "uid": PARENT_UID,
            "labels": {"tekton.dev/pipeline": "parent-pipeline", "team": "a"},
            "annotations": {
                "note": "kept",
                "chains.tekton.dev/signed": "true",
                "x.chains.tekton.dev/y": "unanchored match",
            },
        },
        "spec": {
            "pipelineRef": {"name": "parent-pipeline"},
            "taskRunTemplate": {"serviceAccountName": "builder"},
            "timeouts": {"pipeline": "1h0m0s"},
            **spec,
        },
        "status": {
            "pipelineSpec": {
                "tasks": [
                    {"name": "child", "pipelineRef": {"name": "child-pipeline"}},
                ],
                "finally": [{"name": "last", "pipelineRef": {"name": "child-pipeline"}}],
            }
        },
    }
    return msgspec.convert(body, PipelineRun)


def resolved(
    pipeline_task: PipelineTask, names: list[str] | None = None, pipeline_name: str = ""
) -> ResolvedPipelineTask:
    spec = pipeline_task.pipeline_spec or PipelineSpec()
    return ResolvedPipelineTask(
        pipeline_task,
        run_names=names or [],
        child_pipeline_spec=spec,
        child_pipeline_name=pipeline_name,
    )


# -- metadata -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pipeline_task", "pipeline_name", "expected_extra"),
    [
        # A pipelineRef: tekton.dev/pipeline becomes the child Pipeline's name.
        ("child", "child-pipeline", {"tekton.dev/pipeline": "child-pipeline"}),
        # An embedded spec: the parent's pipeline label is kept.
        ("child", "", {"tekton.dev/pipeline": "parent-pipeline"}),
        # memberOf says finally for a finally task.
        ("last", "child-pipeline", {"tekton.dev/memberOf": "finally"}),
        # A task not in status.pipelineSpec gets no memberOf.
        ("other", "child-pipeline", {"tekton.dev/memberOf": None}),
    ],
)
def test_child_labels(
    pipeline_task: str, pipeline_name: str, expected_extra: dict[str, str | None]
) -> None:
    labels = child_pipeline_run_labels(parent(), child_pt(pipeline_task), pipeline_name)
    expected: dict[str, str | None] = {
        "tekton.dev/pipeline": pipeline_name or "parent-pipeline",
        "team": "a",
        "tekton.dev/pipelineRun": "parent",
        "tekton.dev/pipelineRunUID": PARENT_UID,
        "tekton.dev/pipelineTask": pipeline_task,
        "tekton.dev/memberOf": "tasks",
    }
    expected.update(expected_extra)
    assert labels == {k: v for k, v in expected.items() if v is not None}


def test_child_annotations_drop_tekton_reserved_ones() -> None:
    # TektonReservedAnnotationExpr is matched anywhere in the key, as Go's MatchString.
    assert child_pipeline_run_annotations(parent()) == {"note": "kept"}


# -- workspaces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bindings", "task_workspaces", "expected"),
    [
        # No workspaces on the PipelineTask: none on the child.
        ([{"name": "src", "emptyDir": {}}], None, None),
        # Renamed to the child's workspace name.
        (
            [{"name": "src", "emptyDir": {}}],
            [{"name": "source", "workspace": "src"}],
            [{"name": "source", "emptyDir": {}}],
        ),
        # Without `workspace`, the binding of the same name; subPaths joined.
        (
            [{"name": "src", "persistentVolumeClaim": {"claimName": "c"}, "subPath": "a"}],
            [{"name": "src", "subPath": "b"}],
            [{"name": "src", "persistentVolumeClaim": {"claimName": "c"}, "subPath": "a/b"}],
        ),
        # A binding the parent lacks is left out (the child fails on its own).
        ([{"name": "src", "emptyDir": {}}], [{"name": "cfg", "workspace": "missing"}], []),
        # A volumeClaimTemplate becomes the claim made from it for the parent:
        # pvc-<sha256("src" + parent uid)[:10]>.
        (
            [{"name": "src", "volumeClaimTemplate": {"spec": {}}}],
            [{"name": "source", "workspace": "src"}],
            [
                {
                    "name": "source",
                    "persistentVolumeClaim": {"claimName": "pvc-4dee6342b9"},
                }
            ],
        ),
    ],
)
def test_child_workspaces(
    bindings: list[dict[str, Any]],
    task_workspaces: list[dict[str, Any]] | None,
    expected: list[dict[str, Any]] | None,
) -> None:
    pr = parent(workspaces=bindings)
    fields = {"workspaces": task_workspaces} if task_workspaces is not None else {}
    got = child_pipeline_run_workspaces(pr, child_pt(**fields), Config())
    if expected is None:
        assert got is None
        return
    assert got == [msgspec.convert(b, WorkspaceBinding) for b in expected]


# -- cycles ---------------------------------------------------------------------------------------


def _meta(pipeline: str, owner: str | None = None, *, controller: bool = True) -> ObjectMeta:
    body: dict[str, Any] = {"labels": {"tekton.dev/pipeline": pipeline} if pipeline else {}}
    if owner is not None:
        body["ownerReferences"] = [
            {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "name": owner, "uid": owner}
            | ({"controller": True} if controller else {})
        ]
    return msgspec.convert(body, ObjectMeta)


@pytest.mark.parametrize(
    ("me", "ancestors", "target", "expected"),
    [
        # Self-reference: the run's own pipeline.
        (
            _meta("loop"),
            {},
            "loop",
            'detected cycle in pipeline-in-pipeline: pipeline "loop" is already running '
            "in ancestor chain []",
        ),
        # a -> b -> a: found at the grandparent, the chain so far listed.
        (
            _meta("b", "pa"),
            {"pa": _meta("a")},
            "a",
            'detected cycle in pipeline-in-pipeline: pipeline "a" is already running '
            "in ancestor chain [b]",
        ),
        # Unlabelled levels are not listed.
        (
            _meta("c", "pb"),
            {"pb": _meta("", "pa"), "pa": _meta("a")},
            "a",
            'detected cycle in pipeline-in-pipeline: pipeline "a" is already running '
            "in ancestor chain [c]",
        ),
        # No cycle: the chain ends at a run without a PipelineRun owner.
        (_meta("b", "pa"), {"pa": _meta("a")}, "c", None),
        # A missing ancestor ends the walk.
        (_meta("b", "gone"), {}, "a", None),
        # Only the controlling owner is followed.
        (_meta("b", "pa", controller=False), {"pa": _meta("a")}, "a", None),
    ],
)
def test_detect_pipeline_ref_cycle(
    me: ObjectMeta, ancestors: dict[str, ObjectMeta], target: str, expected: str | None
) -> None:
    pr = PipelineRun(metadata=me)
    assert detect_pipeline_ref_cycle(pr, target, ancestors.get) == expected


# -- the child PipelineRuns ---------------------------------------------------------------------


def test_child_pipeline_run_from_pipeline_ref() -> None:
    pr = parent(workspaces=[{"name": "src", "emptyDir": {}}])
    task = child_pt(
        params=[{"name": "who", "value": "me"}],
        workspaces=[{"name": "source", "workspace": "src"}],
        timeout="5m",
        retries=3,
    )
    got = build_child_pipeline_runs(pr, resolved(task, pipeline_name="child-pipeline"), Config())
    assert not isinstance(got, PipelineRunFailure)
    (child,) = got
    body = child.to_dict()
    assert body["metadata"]["name"] == "parent-child"
    assert body["metadata"]["namespace"] == "ns"
    assert body["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "name": "parent",
            "uid": PARENT_UID,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    # The task's timeout and retries and the parent's timeouts are not passed on.
    assert body["spec"] == {
        "pipelineRef": {"name": "child-pipeline"},
        "params": [{"name": "who", "value": "me"}],
        "taskRunTemplate": {"serviceAccountName": "builder"},
        "workspaces": [{"name": "source", "emptyDir": {}}],
    }


def test_child_pipeline_run_from_pipeline_spec() -> None:
    task = inline_pt()
    got = build_child_pipeline_runs(parent(), resolved(task), Config())
    assert not isinstance(got, PipelineRunFailure)
    (child,) = got
    assert child.spec.pipeline_ref is None
    assert child.spec.pipeline_spec == task.pipeline_spec
    # A copy: the child does not share the parent's objects.
    assert child.spec.pipeline_spec is not task.pipeline_spec
    assert child.metadata.labels["tekton.dev/pipeline"] == "parent-pipeline"


def test_matrixed_child_pipeline_fans_out_names_with_the_same_params() -> None:
    # Tekton names one child per combination but passes none of them the combination.
    task = child_pt(
        params=[{"name": "fixed", "value": "x"}],
        matrix={"params": [{"name": "os", "value": ["linux", "mac"]}]},
    )
    names = ["parent-child-0", "parent-child-1"]
    got = build_child_pipeline_runs(parent(), resolved(task, names, "child-pipeline"), Config())
    assert not isinstance(got, PipelineRunFailure)
    assert [c.metadata.name for c in got] == names
    assert [c.to_dict()["spec"]["params"] for c in got] == [[{"name": "fixed", "value": "x"}]] * 2


def test_context_retries_is_applied_to_child_params() -> None:
    task = child_pt(params=[{"name": "r", "value": "$(context.pipelineTask.retries)"}], retries=2)
    got = build_child_pipeline_runs(parent(), resolved(task, pipeline_name="p"), Config())
    assert not isinstance(got, PipelineRunFailure)
    assert got[0].to_dict()["spec"]["params"] == [{"name": "r", "value": "2"}]


def test_cycle_fails_the_parent_with_create_run_failed() -> None:
    pr = parent()
    task = child_pt()
    got = build_child_pipeline_runs(pr, resolved(task, pipeline_name="parent-pipeline"), Config())
    assert got == PipelineRunFailure(
        "CreateRunFailed",
        'detected cycle in pipeline-in-pipeline: pipeline "parent-pipeline" is already '
        "running in ancestor chain []",
    )


def test_embedded_child_is_not_checked_for_cycles() -> None:
    # Only pipelineRef children are checked (Tekton: PipelineRef != nil && name != "").
    got = build_child_pipeline_runs(parent(), resolved(inline_pt()), Config())
    assert not isinstance(got, PipelineRunFailure)


# -- cancel and timeout errors --------------------------------------------------------------------


def _ref(name: str, kind: str, task: str) -> ChildStatusReference:
    return ChildStatusReference(
        api_version="tekton.dev/v1", kind=kind, name=name, pipeline_task_name=task
    )


@pytest.mark.parametrize(
    ("refs", "task_names", "expected"),
    [
        ([], (), None),
        ([_ref("p-a", "TaskRun", "a"), _ref("p-b", "CustomRun", "b")], (), None),
        (
            [_ref("p-a", "TaskRun", "a"), _ref("p-c", "PipelineRun", "c")],
            (),
            "found child objects of unknown kinds: map[p-c:PipelineRun]",
        ),
        # Keys sorted, as Go prints a map.
        (
            [_ref("p-z", "PipelineRun", "z"), _ref("p-c", "PipelineRun", "c")],
            (),
            "found child objects of unknown kinds: map[p-c:PipelineRun p-z:PipelineRun]",
        ),
        # Only the named tasks' children, when tasks are named (tasks timeouts).
        ([_ref("p-c", "PipelineRun", "c")], ("a",), None),
        (
            [_ref("p-c", "PipelineRun", "c")],
            ("c",),
            "found child objects of unknown kinds: map[p-c:PipelineRun]",
        ),
    ],
)
def test_unknown_child_kinds_error(
    refs: list[ChildStatusReference], task_names: tuple[str, ...], expected: str | None
) -> None:
    assert unknown_child_kinds_error(refs, task_names) == expected


def test_couldnt_cancel_and_time_out_messages() -> None:
    error = "found child objects of unknown kinds: map[p-c:PipelineRun]"
    assert couldnt_cancel_message("p", [error]) == (
        'PipelineRun "p" was cancelled but had errors trying to cancel TaskRuns and/or Runs: '
        + error
    )
    assert couldnt_time_out_message("p", [error]) == (
        'PipelineRun "p" was timed out but had errors trying to time out TaskRuns and/or '
        "Runs: " + error
    )


# -- the facts of a child-pipeline task -----------------------------------------------------------


def child_task(*runs: PipelineRun, name: str = "child", **fields: Any) -> Task:
    return Task(child_pt(name, **fields), child_pipeline_runs=list(runs))


@pytest.mark.parametrize(
    ("runs", "successful", "failure", "any_failed", "running", "reason"),
    [
        ((), False, False, False, False, ""),
        ((pipelinerun("c", "Unknown", "Running"),), False, False, False, True, "Running"),
        ((pipelinerun("c", "True", "Succeeded"),), True, False, False, False, "Succeeded"),
        ((pipelinerun("c", "True", "Completed"),), True, False, False, False, "Completed"),
        ((pipelinerun("c", "False", "Failed"),), False, True, True, False, "Failed"),
        # A cancelled or timed-out child is a failure, not a cancellation (Tekton's
        # isCancelled looks at TaskRuns only).
        ((pipelinerun("c", "False", "Cancelled"),), False, True, True, False, "Cancelled"),
        (
            (pipelinerun("c", "False", "PipelineRunTimeout"),),
            False,
            True,
            True,
            False,
            "PipelineRunTimeout",
        ),
        # Matrixed: failed only once all are done; the failed one's reason.
        (
            (pipelinerun("c-0", "False", "Failed"), pipelinerun("c-1", "Unknown", "Running")),
            False,
            False,
            True,
            True,
            "Failed",
        ),
        (
            (pipelinerun("c-0", "True", "Succeeded"), pipelinerun("c-1", "False", "Failed")),
            False,
            True,
            True,
            False,
            "Failed",
        ),
    ],
)
def test_child_pipeline_task_facts(
    runs: tuple[PipelineRun, ...],
    successful: bool,
    failure: bool,
    any_failed: bool,
    running: bool,
    reason: str,
) -> None:
    t = child_task(*runs)
    assert is_successful(t) is successful
    assert is_failure(t) is failure
    assert have_any_task_runs_failed(t) is any_failed
    assert is_running(t) is running
    assert get_reason(t) == reason
    # Tekton's isScheduled, isCancelled and isCancelledForTimeOut read TaskRuns only.
    assert is_scheduled(t) is False
    assert is_cancelled(t) is False
    assert is_cancelled_for_timeout(t) is False


@pytest.mark.parametrize(
    ("child", "expected"),
    [
        (
            pipelinerun("p-child", "True", "Succeeded"),
            ("True", "Succeeded", "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0"),
        ),
        (
            pipelinerun("p-child", "False", "Failed"),
            ("False", "Failed", "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0"),
        ),
        # A cancelled child counts as failed, not cancelled.
        (
            pipelinerun("p-child", "False", "Cancelled"),
            ("False", "Failed", "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0"),
        ),
        (
            pipelinerun("p-child", "Unknown", "Running"),
            (
                "Unknown",
                "Running",
                "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 0",
            ),
        ),
    ],
)
def test_child_pipeline_drives_the_parent_condition(
    child: PipelineRun, expected: tuple[str, str, str]
) -> None:
    f = facts([child_task(child), Task(pt("a"), [succeeded("p-a")])], start_time=NOW)
    c = get_pipeline_condition_status(f, "p", NOW)
    assert (c.status, c.reason, c.message) == expected


def test_running_child_pipeline_is_reported_skipped_once_the_run_stops() -> None:
    # Tekton's skip() is not short-circuited by isScheduled for a child pipeline: when
    # another task fails, the running child is "skipped" as the run is stopping, and the
    # run fails without waiting for it.
    failed_run = msgspec.convert(
        {
            "metadata": {"name": "p-a"},
            "status": {"conditions": [{"type": "Succeeded", "status": "False"}]},
        },
        type(succeeded("x")),
    )
    f = facts(
        [child_task(pipelinerun("p-child", "Unknown", "Running")), Task(pt("a"), [failed_run])],
        start_time=NOW,
    )
    c = get_pipeline_condition_status(f, "p", NOW)
    assert (c.status, c.reason, c.message) == (
        "False",
        "Failed",
        "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 1",
    )


def test_child_pipeline_is_scheduled_once_and_not_before_its_parents() -> None:
    after = child_pt("later", runAfter=["a"])
    state = [Task(pt("a")), child_task(), Task(after)]
    plan = plan_next_tasks(facts(state, start_time=NOW), NOW, "p")
    assert [t.pipeline_task.name for t in plan.tasks] == ["a", "child"]
    started = [Task(pt("a")), child_task(pipelinerun("p-child", "Unknown")), Task(after)]
    plan = plan_next_tasks(facts(started, start_time=NOW), NOW, "p")
    assert [t.pipeline_task.name for t in plan.tasks] == ["a"]
    assert is_before_first_task_run(state) is True
    assert is_before_first_task_run(started) is False


def test_child_references_name_child_pipeline_runs() -> None:
    state = [
        child_task(
            pipelinerun("p-child", "Unknown", params={"who": "me"}),
            displayName="for $(params.who)",
        ),
        Task(pt("a"), [succeeded("p-a")]),
    ]
    refs = get_child_references(facts(state, start_time=NOW), NOW)
    assert [r.to_dict() for r in refs] == [
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "name": "p-child",
            "displayName": "for me",
            "pipelineTaskName": "child",
        },
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "name": "p-a",
            "pipelineTaskName": "a",
        },
    ]


def test_child_pipeline_results_are_not_propagated() -> None:
    f = facts([child_task(pipelinerun("p-child", "True", "Succeeded"))], start_time=NOW)
    assert get_task_runs_results(f) == {}


def test_start_time_adjusts_to_an_earlier_child_pipeline_run() -> None:
    earlier = "2021-12-31T23:00:00Z"
    state = [child_task(pipelinerun("p-child", "Unknown", created=earlier))]
    assert adjust_start_time(state, NOW).isoformat() == "2021-12-31T23:00:00+00:00"
