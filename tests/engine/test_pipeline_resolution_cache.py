"""``resolve_pipelinerun`` with a :class:`ResolutionCache`: a pass reuses what an earlier
pass over the same PipelineRun resolved, gives the same answer as resolving afresh, and
resolves again whatever input changed (generation, labels, the referenced Task's
resourceVersion, the recorded spec of a TaskRun, the run's childReferences)."""

from __future__ import annotations

from typing import Any

import msgspec

from tektite.api.config import Config
from tektite.api.models import (
    ChildStatusReference,
    Pipeline,
    PipelineRun,
    PipelineRunStatus,
    Task,
    TaskRun,
)
from tektite.engine.resolve_pipelinerun import (
    PipelineRunFailure,
    ResolutionCache,
    ResolvedPipelineRun,
    resolve_pipelinerun,
)


class CountingLookup:
    """Pipelines and Tasks by name, counting the reads of each kind."""

    def __init__(self, *objects: Pipeline | Task) -> None:
        self.objects = {(o.kind, o.metadata.name): o for o in objects}
        self.reads: dict[str, int] = {"Pipeline": 0, "Task": 0}

    def get(self, kind: str, namespace: str, name: str) -> object | None:
        self.reads[kind] += 1
        return self.objects.get((kind, name))


def task(script: str, version: str) -> Task:
    return msgspec.convert(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "Task",
            "metadata": {
                "name": "t",
                "namespace": "ns",
                "uid": "t-uid",
                "resourceVersion": version,
            },
            "spec": {
                "params": [{"name": "p", "default": "d"}],
                "steps": [{"name": "s", "image": "busybox", "script": script}],
            },
        },
        Task,
    )


PIPELINE = msgspec.convert(
    {
        "apiVersion": "tekton.dev/v1",
        "kind": "Pipeline",
        "metadata": {"name": "pl", "namespace": "ns", "labels": {"team": "a"}},
        "spec": {
            "params": [{"name": "who", "default": "world"}],
            "tasks": [
                {
                    "name": "a",
                    "taskRef": {"name": "t"},
                    "params": [{"name": "p", "value": "$(params.who)"}],
                },
                {"name": "b", "taskRef": {"name": "t"}, "runAfter": ["a"]},
            ],
        },
    },
    Pipeline,
)


def run(params: list[dict[str, str]] | None = None, **meta: Any) -> PipelineRun:
    spec: dict[str, Any] = {"pipelineRef": {"name": "pl"}}
    if params:
        spec["params"] = params
    return msgspec.convert(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "metadata": {"name": "pr", "namespace": "ns", "uid": "pr-uid", "generation": 1, **meta},
            "spec": spec,
        },
        PipelineRun,
    )


def resolved(
    pr: PipelineRun,
    lookup: CountingLookup,
    cache: ResolutionCache | None,
    task_runs: dict[str, TaskRun] | None = None,
) -> ResolvedPipelineRun:
    out = resolve_pipelinerun(pr, lookup, Config(), task_runs=task_runs, cache=cache)
    assert not isinstance(out, PipelineRunFailure), out
    return out


def summary(r: ResolvedPipelineRun) -> Any:
    """What a pass reads of the resolution, as plain data."""
    return {
        "run": r.pipeline_run.to_dict(),
        "spec": r.pipeline_spec.to_dict(),
        "tasks": [
            (
                t.pipeline_task.to_dict(),
                t.resolved_task.task_spec.to_dict() if t.resolved_task else None,
                t.run_names,
                [tr.metadata.name for tr in t.task_runs],
            )
            for t in r.tasks
        ],
        "graph": sorted(r.tasks_graph.nodes),
    }


def test_a_cached_pass_equals_a_fresh_one_and_reads_nothing_again() -> None:
    lookup = CountingLookup(PIPELINE, task("echo one", "1"))
    cache = ResolutionCache()
    first = resolved(run(), lookup, cache)
    reads = dict(lookup.reads)
    second = resolved(run(), lookup, cache)
    fresh = resolved(run(), CountingLookup(PIPELINE, task("echo one", "1")), None)
    assert summary(first) == summary(second) == summary(fresh)
    # The Pipeline is not fetched again; each Task is still read (its version decides).
    assert lookup.reads["Pipeline"] == reads["Pipeline"]
    assert lookup.reads["Task"] == 2 * reads["Task"]
    assert second.pipeline_run.metadata.labels == {"team": "a", "tekton.dev/pipeline": "pl"}


def test_a_new_task_version_is_resolved_again() -> None:
    lookup = CountingLookup(PIPELINE, task("echo one", "1"))
    cache = ResolutionCache()
    before = resolved(run(), lookup, cache)
    lookup.objects[("Task", "t")] = task("echo two", "2")
    after = resolved(run(), lookup, cache)
    spec_of = [t.resolved_task.task_spec for t in before.tasks if t.resolved_task]
    assert spec_of[0].steps[0].script == "echo one"
    new_spec = [t.resolved_task.task_spec for t in after.tasks if t.resolved_task]
    assert new_spec[0].steps[0].script == "echo two"


def test_a_task_run_s_recorded_spec_wins_over_the_task() -> None:
    lookup = CountingLookup(PIPELINE, task("echo one", "1"))
    cache = ResolutionCache()
    resolved(run(), lookup, cache)
    recorded = msgspec.convert(
        {
            "metadata": {"name": "pr-a", "namespace": "ns", "uid": "tr-uid"},
            "spec": {"taskRef": {"name": "t"}},
            "status": {"taskSpec": {"steps": [{"name": "s", "image": "x", "script": "old"}]}},
        },
        TaskRun,
    )
    status = PipelineRunStatus(
        child_references=[
            ChildStatusReference(
                api_version="tekton.dev/v1", kind="TaskRun", name="pr-a", pipeline_task_name="a"
            )
        ]
    )
    pr = msgspec.structs.replace(run(), status=status)
    out = resolved(pr, lookup, cache, task_runs={"pr-a": recorded})
    a = out.tasks[0]
    assert a.pipeline_task.name == "a"
    assert a.resolved_task is not None and a.resolved_task.task_spec.steps[0].script == "old"
    assert [tr.metadata.name for tr in a.task_runs] == ["pr-a"]
    # The run seen by this pass carries this pass's status, not the first pass's.
    assert out.pipeline_run.status is not None
    assert out.pipeline_run.status.child_references == status.child_references
    assert out.pipeline_run.status.pipeline_spec == out.pipeline_spec


def test_child_references_of_the_pass_name_the_runs() -> None:
    lookup = CountingLookup(PIPELINE, task("echo one", "1"))
    cache = ResolutionCache()
    assert resolved(run(), lookup, cache).tasks[0].run_names == ["pr-a"]
    refs = [
        ChildStatusReference(
            api_version="tekton.dev/v1", kind="TaskRun", name="renamed", pipeline_task_name="b"
        )
    ]
    pr = msgspec.structs.replace(run(), status=PipelineRunStatus(child_references=refs))
    out = resolved(pr, lookup, cache)
    # Started tasks come first (Tekton's state order), with their recorded names.
    assert [(t.pipeline_task.name, t.run_names) for t in out.tasks] == [
        ("b", ["renamed"]),
        ("a", ["pr-a"]),
    ]


def test_a_new_generation_or_new_labels_resolve_the_run_again() -> None:
    lookup = CountingLookup(PIPELINE, task("echo one", "1"))
    cache = ResolutionCache()
    resolved(run(), lookup, cache)
    reads = lookup.reads["Pipeline"]
    changed = run([{"name": "who", "value": "you"}], generation=2)
    out = resolved(changed, lookup, cache)
    assert lookup.reads["Pipeline"] == reads + 1
    params = out.tasks[0].pipeline_task.params or []
    assert [(p.name, p.value) for p in params] == [("p", "you")]
    relabelled = resolved(
        run([{"name": "who", "value": "you"}], generation=2, labels={"extra": "1"}), lookup, cache
    )
    assert lookup.reads["Pipeline"] == reads + 2
    assert relabelled.pipeline_run.metadata.labels["extra"] == "1"


def test_the_cached_run_is_not_changed_by_a_pass() -> None:
    lookup = CountingLookup(PIPELINE, task("echo one", "1"))
    cache = ResolutionCache()
    first = resolved(run(), lookup, cache)
    snapshot = summary(first)
    refs = [
        ChildStatusReference(
            api_version="tekton.dev/v1", kind="TaskRun", name="pr-a", pipeline_task_name="a"
        )
    ]
    resolved(
        msgspec.structs.replace(run(), status=PipelineRunStatus(child_references=refs)),
        lookup,
        cache,
    )
    assert summary(first) == snapshot


def embedded(status: PipelineRunStatus | None = None, **meta: Any) -> PipelineRun:
    """A run of PIPELINE's spec embedded (``pipelineSpec``)."""
    pr = msgspec.convert(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "metadata": {"name": "pr", "namespace": "ns", "uid": "pr-uid", "generation": 1, **meta},
            "spec": {"pipelineSpec": PIPELINE.spec.to_dict()},
        },
        PipelineRun,
    )
    return msgspec.structs.replace(pr, status=status)


def stored(first: ResolvedPipelineRun) -> PipelineRunStatus:
    """The status the first pass writes: the resolved spec as ``status.pipelineSpec``."""
    return PipelineRunStatus(pipeline_spec=first.pipeline_spec)


def test_an_embedded_spec_s_stored_copy_does_not_resolve_the_run_again() -> None:
    """The first pass stores ``status.pipelineSpec``; for an embedded spec the next pass
    resolves from the run's own spec all the same, so its cached work serves (and
    equals a fresh resolution of that pass's input)."""
    for meta in ({"generateName": "pr-"}, {"labels": {"tekton.dev/pipeline": "pr"}}):
        lookup = CountingLookup(task("echo one", "1"))
        cache = ResolutionCache()
        first = resolved(embedded(**meta), lookup, cache)
        stage = cache.run_stage
        second = resolved(embedded(stored(first), **meta), lookup, cache)
        assert cache.run_stage is stage
        fresh = resolved(
            embedded(stored(first), **meta), CountingLookup(task("echo one", "1")), None
        )
        assert summary(second) == summary(fresh)


def test_a_stored_spec_that_is_an_input_resolves_the_run_again() -> None:
    """A referenced pipeline's stored spec replaces the Pipeline; an embedded spec's
    first pass renames a ``tekton.dev/pipeline`` label of a run without
    ``generateName``: in both cases the next pass resolves again."""
    lookup = CountingLookup(PIPELINE, task("echo one", "1"))
    cache = ResolutionCache()
    first = resolved(run(), lookup, cache)
    stage = cache.run_stage
    resolved(msgspec.structs.replace(run(), status=stored(first)), lookup, cache)
    assert cache.run_stage is not stage

    meta = {"labels": {"tekton.dev/pipeline": "mine"}}
    cache = ResolutionCache()
    first = resolved(embedded(**meta), lookup, cache)
    assert first.pipeline_run.metadata.labels["tekton.dev/pipeline"] == "pr"
    stage = cache.run_stage
    second = resolved(embedded(stored(first), **meta), lookup, cache)
    assert cache.run_stage is not stage
    fresh = resolved(embedded(stored(first), **meta), CountingLookup(task("echo one", "1")), None)
    assert summary(second) == summary(fresh)
