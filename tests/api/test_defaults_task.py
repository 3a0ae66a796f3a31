"""Defaulting of Tasks, StepActions, params and results; cases lifted from Tekton's
``task_defaults_test.go``, ``param_types_test.go`` (``TestParamSpec_SetDefaults``) and
``result_defaults_test.go``."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, Defaults
from tektite.api.defaults import set_defaults
from tektite.api.defaults.task import (
    default_param_spec,
    default_step_result,
    default_stepaction,
    default_task,
    default_task_result,
)
from tektite.api.models import ParamSpec, StepAction, StepResult, Task, TaskResult

PARAM_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("inferred string type", {"name": "p"}, {"name": "p", "type": "string"}),
    (
        "inferred type from default value - array",
        {"name": "p", "default": ["array"]},
        {"name": "p", "type": "array", "default": ["array"]},
    ),
    (
        "inferred type from default value - string",
        {"name": "p", "default": "an"},
        {"name": "p", "type": "string", "default": "an"},
    ),
    (
        "inferred type from default value - object",
        {"name": "p", "default": {"url": "test", "path": "test"}},
        {"name": "p", "type": "object", "default": {"url": "test", "path": "test"}},
    ),
    (
        "inferred type from properties - PropertySpec type is not provided",
        {"name": "p", "properties": {"key1": {}}},
        {"name": "p", "type": "object", "properties": {"key1": {"type": "string"}}},
    ),
    (
        "inferred type from properties - PropertySpec type is provided",
        {"name": "p", "properties": {"key2": {"type": "string"}}},
        {"name": "p", "type": "object", "properties": {"key2": {"type": "string"}}},
    ),
    (
        "fully defined ParamSpec - array",
        {"name": "p", "type": "array", "description": "a description", "default": ["array"]},
        {"name": "p", "type": "array", "description": "a description", "default": ["array"]},
    ),
    (
        "fully defined ParamSpec - object",
        {"name": "p", "type": "object", "default": {"url": "test"}},
        {"name": "p", "type": "object", "default": {"url": "test"}},
    ),
    (
        "explicit type keeps its property types defaulted",
        {"name": "p", "type": "object", "properties": {"k": {}}},
        {"name": "p", "type": "object", "properties": {"k": {"type": "string"}}},
    ),
    (
        "a YAML number default is a string",
        {"name": "p", "default": 3},
        {"name": "p", "type": "string", "default": "3"},
    ),
]


@pytest.mark.parametrize(
    ("before", "after"), [c[1:] for c in PARAM_CASES], ids=[c[0] for c in PARAM_CASES]
)
def test_param_spec_defaults(before: dict[str, Any], after: dict[str, Any]) -> None:
    spec = msgspec.convert(before, ParamSpec)
    default_param_spec(spec)
    assert spec.to_dict() == after
    default_param_spec(spec)  # idempotent
    assert spec.to_dict() == after


RESULT_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("inferred string type", {"name": "r"}, {"name": "r", "type": "string"}),
    (
        "string type specified not changed",
        {"name": "r", "type": "string"},
        {"name": "r", "type": "string"},
    ),
    (
        "array type specified not changed",
        {"name": "r", "type": "array"},
        {"name": "r", "type": "array"},
    ),
    (
        "inferred object type from properties - PropertySpec type is provided",
        {"name": "r", "properties": {"key1": {"type": "string"}}},
        {"name": "r", "type": "object", "properties": {"key1": {"type": "string"}}},
    ),
    (
        "inferred type from properties - PropertySpec type is not provided",
        {"name": "r", "properties": {"key1": {}}},
        {"name": "r", "type": "object", "properties": {"key1": {"type": "string"}}},
    ),
]


@pytest.mark.parametrize(
    ("before", "after"), [c[1:] for c in RESULT_CASES], ids=[c[0] for c in RESULT_CASES]
)
def test_result_defaults(before: dict[str, Any], after: dict[str, Any]) -> None:
    task_result = msgspec.convert(before, TaskResult)
    default_task_result(task_result)
    assert task_result.to_dict() == after
    step_result = msgspec.convert(before, StepResult)
    default_step_result(step_result)
    assert step_result.to_dict() == after


GIT_RESOLVER = Config(defaults=Defaults(default_resolver_type="git"))

REF_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("remote Ref uses default resolver", {}, {"resolver": "git"}),
    (
        "remote Ref has resolver not overwritten by default resolver",
        {"resolver": "bundle"},
        {"resolver": "bundle"},
    ),
    ("local Ref not adding default resolver", {"name": "local"}, {"name": "local"}),
]


@pytest.mark.parametrize(("ref", "want"), [c[1:] for c in REF_CASES], ids=[c[0] for c in REF_CASES])
def test_task_step_ref_default_resolver(ref: dict[str, Any], want: dict[str, Any]) -> None:
    task = msgspec.convert({"spec": {"steps": [{"name": "foo", "ref": ref}]}}, Task)
    default_task(task, GIT_RESOLVER)
    assert task.to_dict()["spec"]["steps"][0]["ref"] == want


def test_task_defaults_params_and_results_not_step_results() -> None:
    task = msgspec.convert(
        {
            "spec": {
                "params": [{"name": "a"}, {"name": "b", "default": ["x"]}],
                "results": [{"name": "r"}],
                "steps": [{"image": "i", "results": [{"name": "s"}]}],
            }
        },
        Task,
    )
    set_defaults(task)
    spec = task.to_dict()["spec"]
    assert [p["type"] for p in spec["params"]] == ["string", "array"]
    assert spec["results"] == [{"name": "r", "type": "string"}]
    # Tekton's TaskSpec.SetDefaults leaves step results alone.
    assert spec["steps"][0]["results"] == [{"name": "s"}]


def test_stepaction_defaults() -> None:
    action = msgspec.convert(
        {
            "apiVersion": "tekton.dev/v1beta1",
            "kind": "StepAction",
            "spec": {
                "image": "i",
                "params": [{"name": "o", "properties": {"k": {}}}],
                "results": [{"name": "r"}, {"name": "obj", "properties": {"k": {}}}],
            },
        },
        StepAction,
    )
    default_stepaction(action, Config())
    spec = action.to_dict()["spec"]
    assert spec["params"] == [
        {"name": "o", "type": "object", "properties": {"k": {"type": "string"}}}
    ]
    assert spec["results"] == [
        {"name": "r", "type": "string"},
        {"name": "obj", "type": "object", "properties": {"k": {"type": "string"}}},
    ]
    set_defaults(action)  # through the dispatcher, idempotent
    assert action.to_dict()["spec"] == spec
