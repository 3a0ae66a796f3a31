"""Pipeline defaulting, from Tekton's ``pipeline_defaults_test.go``."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, Defaults
from tektite.api.defaults import set_defaults
from tektite.api.defaults.pipeline import (
    default_pipeline,
    default_pipeline_spec,
    default_pipeline_task,
)
from tektite.api.models import Pipeline, PipelineSpec, PipelineTask

Obj = dict[str, Any]


def spec(data: Obj) -> PipelineSpec:
    return msgspec.convert(data, PipelineSpec)


def dump(obj: msgspec.Struct) -> Obj:
    out: Obj = msgspec.to_builtins(obj)
    return out


def test_empty_pipeline_does_not_change() -> None:
    p = Pipeline()
    default_pipeline(p, Config())
    assert p == Pipeline()


SPEC_CASES = [
    pytest.param({}, {}, id="empty pipelineSpec"),
    pytest.param(
        {"params": [{"name": "string-param"}]},
        {"params": [{"name": "string-param", "type": "string"}]},
        id="param type defaults to string",
    ),
    pytest.param(
        {"params": [{"name": "string-param", "default": "foo"}]},
        {"params": [{"name": "string-param", "type": "string", "default": "foo"}]},
        id="param type from a string default",
    ),
    pytest.param(
        {"params": [{"name": "array-param", "default": ["a", "b"]}]},
        {"params": [{"name": "array-param", "type": "array", "default": ["a", "b"]}]},
        id="param type from an array default",
    ),
    pytest.param(
        {"params": [{"name": "object-param", "default": {"k": "v"}}]},
        {"params": [{"name": "object-param", "type": "object", "default": {"k": "v"}}]},
        id="param type from an object default",
    ),
    pytest.param(
        {"params": [{"name": "obj", "properties": {"url": {}, "sha": {"type": "string"}}}]},
        {
            "params": [
                {
                    "name": "obj",
                    "type": "object",
                    "properties": {"url": {"type": "string"}, "sha": {"type": "string"}},
                }
            ]
        },
        id="param with properties is an object; property types default to string",
    ),
    pytest.param(
        {"params": [{"name": "p", "type": "array", "default": "not-an-array"}]},
        {"params": [{"name": "p", "type": "array", "default": "not-an-array"}]},
        id="explicit param type is kept",
    ),
    pytest.param(
        {
            "tasks": [
                {"name": "task-with-taskRef", "taskRef": {"name": "bar-task-1"}},
                {"name": "task-with-taskSpec", "taskSpec": {"params": [{"name": "string-param"}]}},
            ],
            "finally": [
                {"name": "final-task-with-taskRef", "taskRef": {"name": "foo-task-1"}},
                {
                    "name": "final-task-with-taskSpec",
                    "taskSpec": {"params": [{"name": "string-param"}]},
                },
            ],
        },
        {
            "tasks": [
                {"name": "task-with-taskRef", "taskRef": {"name": "bar-task-1", "kind": "Task"}},
                {
                    "name": "task-with-taskSpec",
                    "taskSpec": {"params": [{"name": "string-param", "type": "string"}]},
                },
            ],
            "finally": [
                {
                    "name": "final-task-with-taskRef",
                    "taskRef": {"name": "foo-task-1", "kind": "Task"},
                },
                {
                    "name": "final-task-with-taskSpec",
                    "taskSpec": {"params": [{"name": "string-param", "type": "string"}]},
                },
            ],
        },
        id="multiple tasks and final tasks",
    ),
    pytest.param(
        {
            "tasks": [
                {
                    "name": "t",
                    "taskSpec": {
                        "results": [{"name": "r"}, {"name": "o", "properties": {"k": {}}}],
                        "steps": [{"name": "s", "image": "i"}],
                    },
                }
            ]
        },
        {
            "tasks": [
                {
                    "name": "t",
                    "taskSpec": {
                        "results": [
                            {"name": "r", "type": "string"},
                            {
                                "name": "o",
                                "type": "object",
                                "properties": {"k": {"type": "string"}},
                            },
                        ],
                        "steps": [{"name": "s", "image": "i"}],
                    },
                }
            ]
        },
        id="embedded task results are typed",
    ),
    pytest.param(
        {"results": [{"name": "r", "value": "$(tasks.t.results.r)"}]},
        {"results": [{"name": "r", "value": "$(tasks.t.results.r)"}]},
        id="pipeline results are left alone",
    ),
    pytest.param(
        {"tasks": [{"name": "child", "pipelineSpec": {"params": [{"name": "p"}]}}]},
        {"tasks": [{"name": "child", "pipelineSpec": {"params": [{"name": "p"}]}}]},
        id="nested pipelineSpec is left alone",
    ),
]


@pytest.mark.parametrize(("given", "want"), SPEC_CASES)
def test_default_pipeline_spec(given: Obj, want: Obj) -> None:
    s = spec(given)
    default_pipeline_spec(s, Config())
    assert dump(s) == want


TASK_CASES = [
    pytest.param(
        {"name": "foo", "taskRef": {"name": "foo-task"}},
        {},
        {"name": "foo", "taskRef": {"name": "foo-task", "kind": "Task"}},
        id="default task kind is Task",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"name": "foo-task", "kind": "ClusterTask"}},
        {},
        {"name": "foo", "taskRef": {"name": "foo-task", "kind": "ClusterTask"}},
        id="explicit kind kept",
    ),
    pytest.param(
        {"name": "foo", "taskSpec": {"params": [{"name": "string-param"}]}},
        {},
        {"name": "foo", "taskSpec": {"params": [{"name": "string-param", "type": "string"}]}},
        id="taskSpec param type",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {}},
        {"default-resolver-type": "git"},
        {"name": "foo", "taskRef": {"resolver": "git"}},
        id="default resolver",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {}},
        {},
        {"name": "foo", "taskRef": {"kind": "Task"}},
        id="no default resolver configured",
    ),
    pytest.param(
        {"name": "foo", "taskRef": {"resolver": "custom resolver"}},
        {"default-resolver-type": "git"},
        {"name": "foo", "taskRef": {"resolver": "custom resolver"}},
        id="user-provided resolver overwrites default resolver",
    ),
    pytest.param(
        {"name": "foo", "taskSpec": {"steps": [{"ref": {}}]}},
        {"default-resolver-type": "hub"},
        {"name": "foo", "taskSpec": {"steps": [{"ref": {"resolver": "hub"}}]}},
        id="embedded step ref gets the default resolver",
    ),
]


@pytest.mark.parametrize(("given", "defaults", "want"), TASK_CASES)
def test_default_pipeline_task(given: Obj, defaults: dict[str, str], want: Obj) -> None:
    pt = msgspec.convert(given, PipelineTask)
    default_pipeline_task(pt, Config(defaults=Defaults.from_map(defaults)))
    assert dump(pt) == want


def test_set_defaults_dispatches_and_is_idempotent() -> None:
    p = msgspec.convert(
        {
            "metadata": {"name": "p"},
            "spec": {"params": [{"name": "x"}], "tasks": [{"name": "t", "taskRef": {"name": "t"}}]},
        },
        Pipeline,
    )
    set_defaults(p)
    once = dump(p)
    set_defaults(p)
    assert dump(p) == once
    assert once["spec"]["params"] == [{"name": "x", "type": "string"}]
    assert once["spec"]["tasks"][0]["taskRef"] == {"name": "t", "kind": "Task"}
