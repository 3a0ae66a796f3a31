"""Golden tests of StepAction validation, lifted from Tekton's
``pkg/apis/pipeline/v1beta1/stepaction_validation_test.go`` (and the v1alpha1 one for the
param-default reference rules that only that version has)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config
from tektite.api.defaults.task import default_stepaction
from tektite.api.models import StepAction, StepActionSpec
from tektite.api.validation import ValidationContext, validate
from tektite.api.validation.stepaction import validate_stepaction, validate_stepaction_spec

GITREPO = {"name": "gitrepo", "type": "object", "properties": {"url": {}, "commit": {}}}
TWO_ARRAYS = [{"name": "baz", "type": "array"}, {"name": "foo-is-baz", "type": "array"}]
TWO_INFERRED_ARRAYS = [
    {"name": "baz", "default": ["implied", "array", "type"]},
    {"name": "foo-is-baz", "default": ["implied", "array", "type"]},
]
CTX = ValidationContext()


def action_of(spec: dict[str, Any], api_version: str = "tekton.dev/v1beta1") -> StepAction:
    action = msgspec.convert(
        {"apiVersion": api_version, "metadata": {"name": "foo"}, "spec": spec}, StepAction
    )
    default_stepaction(action, Config())
    return action


def spec_of(spec: dict[str, Any]) -> StepActionSpec:
    return action_of(spec).spec


def test_valid_step_action() -> None:
    action = action_of({"image": "my-image", "script": "\n#!/usr/bin/env  bash\necho hello"})
    action.metadata.name = "stepaction"
    assert validate_stepaction(action, CTX).render() == ""
    assert validate(action).render() == ""


VALID_SPECS: list[tuple[str, dict[str, Any]]] = [
    ("step action with command", {"image": "myimage", "command": ["ls"], "args": ["-lh"]}),
    ("step action with script", {"image": "myimage", "script": "echo hi"}),
    (
        "step action with env",
        {
            "image": "myimage",
            "script": "echo hi",
            "env": [{"name": "HOME", "value": "/tekton/home"}],
        },
    ),
    (
        "valid params type explicit",
        {
            "image": "myimage",
            "params": [
                {"name": "stringParam", "type": "string", "default": "default"},
                {
                    "name": "objectParam",
                    "type": "object",
                    "properties": {"key1": {}, "key2": {}},
                    "default": {"key1": "var1", "key2": "var2"},
                },
                {"name": "objectParamWithoutDefault", "type": "object", "properties": {"key1": {}}},
                {
                    "name": "objectParamWithDefaultPartialKeys",
                    "type": "object",
                    "properties": {"key1": {}, "key2": {}},
                    "default": {"key1": "default"},
                },
            ],
        },
    ),
    (
        "valid string param usage",
        {
            "image": "url",
            "params": [{"name": "baz"}, {"name": "foo-is-baz"}],
            "args": ["--flag=$(params.baz) && $(params.foo-is-baz)"],
        },
    ),
    (
        "valid array param usage",
        {
            "image": "url",
            "params": TWO_ARRAYS,
            "command": ["$(params.foo-is-baz)"],
            "args": ["$(params.baz)", "middle string", "$(params.foo-is-baz)"],
        },
    ),
    (
        "valid object param usage",
        {
            "params": [GITREPO],
            "image": "some-git-image",
            "args": ["-url=$(params.gitrepo.url)", "-commit=$(params.gitrepo.commit)"],
        },
    ),
    (
        "valid star array usage",
        {
            "params": TWO_ARRAYS,
            "image": "myimage",
            "command": ["$(params.foo-is-baz)"],
            "args": ["$(params.baz[*])", "middle string", "$(params.foo-is-baz[*])"],
        },
    ),
    ("valid result", {"image": "my-image", "args": ["arg"], "results": [{"name": "MY-RESULT"}]}),
    (
        "valid result type string",
        {
            "image": "my-image",
            "args": ["arg"],
            "results": [{"name": "MY-RESULT", "type": "string"}],
        },
    ),
    (
        "valid result type array",
        {"image": "my-image", "args": ["arg"], "results": [{"name": "MY-RESULT", "type": "array"}]},
    ),
    (
        "valid result type object",
        {
            "image": "my-image",
            "args": ["arg"],
            "results": [
                {
                    "name": "MY-RESULT",
                    "type": "object",
                    "properties": {"url": {"type": "string"}, "commit": {"type": "string"}},
                }
            ],
        },
    ),
    (
        "valid step action script referencing declared results",
        {
            "image": "my-image",
            "results": [{"name": "a-result"}],
            "script": (
                "\necho foo > $(results.a-result.path)\necho foo > $(step.results.a-result.path)\n"
            ),
        },
    ),
    (
        "valid volumeMounts",
        {
            "image": "my-image",
            "args": ["arg"],
            "params": [
                {"name": "foo"},
                {"name": "array-params", "type": "array"},
                {
                    "name": "object-params",
                    "type": "object",
                    "properties": {"key": {"type": "string"}},
                },
            ],
            "volumeMounts": [
                {"name": "$(params.foo)", "mountPath": "/config"},
                {"name": "$(params.array-params[0])", "mountPath": "/config"},
                {"name": "$(params.object-params.key)", "mountPath": "/config"},
            ],
        },
    ),
]


@pytest.mark.parametrize("spec", [c[1] for c in VALID_SPECS], ids=[c[0] for c in VALID_SPECS])
def test_stepaction_spec_valid(spec: dict[str, Any]) -> None:
    assert validate_stepaction_spec(spec_of(spec), CTX).render() == ""


OBJECT_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("inexistent image field", {"args": ["flag"]}, "missing field(s): spec.Image"),
    (
        "object used in a string field",
        {"params": [GITREPO], "image": "$(params.gitrepo)", "args": ["echo"]},
        'variable type invalid in "$(params.gitrepo)": spec.image',
    ),
    (
        "object star used in a string field",
        {"params": [GITREPO], "image": "$(params.gitrepo[*])", "args": ["echo"]},
        'variable type invalid in "$(params.gitrepo[*])": spec.image',
    ),
    (
        "object used in a field that can accept array type",
        {"params": [GITREPO], "image": "myimage", "args": ["$(params.gitrepo)"]},
        'variable type invalid in "$(params.gitrepo)": spec.args[0]',
    ),
    (
        "object star used in a field that can accept array type",
        {"params": [GITREPO], "image": "some-git-image", "args": ["$(params.gitrepo[*])"]},
        'variable type invalid in "$(params.gitrepo[*])": spec.args[0]',
    ),
    (
        "non-existent individual key of an object param is used in task step",
        {
            "params": [GITREPO],
            "image": "some-git-image",
            "args": ["$(params.gitrepo.non-exist-key)"],
        },
        'non-existent variable in "$(params.gitrepo.non-exist-key)": spec.args[0]',
    ),
    (
        "Inexistent param variable with existing",
        {
            "params": [{"name": "foo", "default": "default"}],
            "image": "myimage",
            "args": ["$(params.foo) && $(params.inexistent)"],
        },
        'non-existent variable in "$(params.foo) && $(params.inexistent)": spec.args[0]',
    ),
    (
        "invalid param reference in volumeMount.Name - not a param reference",
        {
            "image": "myimage",
            "params": [{"name": "foo"}],
            "volumeMounts": [{"name": "params.foo", "mountPath": "/path"}],
        },
        "invalid value: params.foo: spec.volumeMounts[0].name\n"
        "expect the Name to be a single param reference",
    ),
    (
        "invalid param reference in volumeMount.Name - nested reference",
        {
            "image": "myimage",
            "params": [{"name": "foo"}],
            "volumeMounts": [{"name": "$(params.foo)-foo", "mountPath": "/path"}],
        },
        "invalid value: $(params.foo)-foo: spec.volumeMounts[0].name\n"
        "expect the Name to be a single param reference",
    ),
    (
        "invalid param reference in volumeMount.Name - multiple params references",
        {
            "image": "myimage",
            "params": [{"name": "foo"}, {"name": "bar"}],
            "volumeMounts": [{"name": "$(params.foo)$(params.bar)", "mountPath": "/path"}],
        },
        "invalid value: $(params.foo)$(params.bar): spec.volumeMounts[0].name\n"
        "expect the Name to be a single param reference",
    ),
    (
        "invalid param reference in volumeMount.Name - not defined in params",
        {"image": "myimage", "volumeMounts": [{"name": "$(params.foo)", "mountPath": "/path"}]},
        'non-existent variable in "$(params.foo)": spec.volumeMounts[0]',
    ),
    (
        "invalid param reference in volumeMount.Name - array used in a volumeMounts name field",
        {
            "params": [{"name": "gitrepo", "type": "array"}],
            "image": "image",
            "volumeMounts": [{"name": "$(params.gitrepo)", "mountPath": ""}],
        },
        'variable type invalid in "$(params.gitrepo)": spec.volumeMounts[0]',
    ),
    (
        "invalid param reference in volumeMount.Name - object used in a volumeMounts name field",
        {
            "params": [GITREPO],
            "image": "image",
            "volumeMounts": [{"name": "$(params.gitrepo)", "mountPath": ""}],
        },
        'variable type invalid in "$(params.gitrepo)": spec.volumeMounts[0]',
    ),
    (
        "invalid param reference in volumeMount.Name - object key not existent in params",
        {
            "params": [GITREPO],
            "image": "image",
            "volumeMounts": [{"name": "$(params.gitrepo.foo)", "mountPath": ""}],
        },
        'non-existent variable in "$(params.gitrepo.foo)": spec.volumeMounts[0]',
    ),
    (
        "invalid metadata name",
        {"image": "i"},
        'invalid resource name "Foo": must be a valid DNS label: metadata.name',
    ),
]


@pytest.mark.parametrize(
    ("spec", "want"), [c[1:] for c in OBJECT_ERRORS], ids=[c[0] for c in OBJECT_ERRORS]
)
def test_stepaction_errors(spec: dict[str, Any], want: str) -> None:
    action = action_of(spec)
    if "metadata" in want:
        action.metadata.name = "Foo"
    assert validate_stepaction(action, CTX).render() == want


STRING_NAMES_DETAILS = (
    "String/Array Names: \nMust only contain alphanumeric characters, hyphens (-), "
    "underscores (_), and dots (.)\nMust begin with a letter or an underscore (_)"
)
OBJECT_NAMES_DETAILS = (
    "Object Names: \nMust only contain alphanumeric characters, hyphens (-), underscores (_) "
    "\nMust begin with a letter or an underscore (_)"
)

SPEC_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("inexistent image field", {"args": ["flag"]}, "missing field(s): Image"),
    (
        "command and script both used.",
        {"image": "my-image", "command": ["ls"], "script": "echo hi"},
        "script cannot be used with command: script",
    ),
    (
        "windows script without alpha.",
        {"image": "my-image", "script": "#!win"},
        'windows script support requires "enable-api-fields" feature gate to be "alpha" but it '
        'is "beta": ',
    ),
    *[
        (
            f"step script refers to nonexistent {prefix}",
            {
                "image": "my-image",
                "script": (
                    f"\n\t\t\t#!/usr/bin/env bash\n\t\t\tdate | tee $({prefix}.non-exist.path)"
                ),
                "results": [{"name": "a-result"}],
            },
            'non-existent variable in "\\n\\t\\t\\t#!/usr/bin/env bash\\n\\t\\t\\tdate | tee '
            f'$({prefix}.non-exist.path)": script',
        )
        for prefix in ("results", "step.results")
    ],
    (
        "invalid param name format",
        {
            "params": [
                {"name": "_validparam1"},
                {"name": "valid_param2"},
                {"name": ""},
                {"name": "a^b"},
                {"name": "0ab"},
                {"name": "f oo"},
            ],
            "image": "myImage",
        },
        "The format of following array and string variable names is invalid: [ 0ab a^b f oo]: "
        "params\n" + STRING_NAMES_DETAILS,
    ),
    (
        "invalid object param format - object param name and key name shouldn't contain dots.",
        {
            "params": [{"name": "invalid.name1", "properties": {"invalid.key1": {}, "mykey2": {}}}],
            "image": "myImage",
        },
        "Object param name and key name format is invalid: map[invalid.name1:[invalid.key1]]: "
        "params\n" + OBJECT_NAMES_DETAILS,
    ),
    (
        "duplicated param names",
        {
            "params": [
                {"name": "foo", "type": "string", "default": "value1"},
                {"name": "foo", "type": "string", "default": "value2"},
            ],
            "image": "myImage",
        },
        "parameter appears more than once: params[foo]",
    ),
    (
        "invalid param type",
        {
            "params": [
                {"name": "validparam", "type": "string", "default": "default"},
                {"name": "param-with-invalid-type", "type": "invalidtype", "default": "default"},
            ],
            "image": "myImage",
        },
        "invalid value: invalidtype: params.param-with-invalid-type.type",
    ),
    (
        "param mismatching default/type 1",
        {"params": [{"name": "task", "type": "array", "default": "default"}], "image": "myImage"},
        '"array" type does not match default value\'s type: "string": params.task.default.type, '
        "params.task.type",
    ),
    (
        "param mismatching default/type 2",
        {"params": [{"name": "task", "type": "string", "default": ["a", "b"]}], "image": "myImage"},
        '"string" type does not match default value\'s type: "array": params.task.default.type, '
        "params.task.type",
    ),
    (
        "param mismatching default/type 3",
        {
            "params": [{"name": "task", "type": "array", "default": {"key1": "v"}}],
            "image": "myImage",
        },
        '"array" type does not match default value\'s type: "object": params.task.default.type, '
        "params.task.type",
    ),
    (
        "param mismatching default/type 4",
        {
            "params": [
                {"name": "task", "type": "object", "properties": {"key1": {}}, "default": "var"}
            ],
            "image": "myImage",
        },
        '"object" type does not match default value\'s type: "string": params.task.default.type, '
        "params.task.type",
    ),
    (
        "PropertySpec type is set with unsupported type",
        {
            "params": [
                {
                    "name": "task",
                    "type": "object",
                    "properties": {"key1": {"type": "number"}, "key2": {"type": "string"}},
                }
            ],
            "image": "myImage",
        },
        "The value type specified for these keys [key1] is invalid: params.task.properties",
    ),
    (
        "Properties is missing",
        {"params": [{"name": "task", "type": "object"}], "image": "myImage"},
        "missing field(s): task.properties",
    ),
    *[
        (
            f"{label} used in unaccepted field",
            {
                "params": TWO_ARRAYS,
                "image": f"$(params.baz{star})",
                "command": ["$(params.foo-is-baz)"],
                "args": ["$(params.baz)", "middle string", "url"],
            },
            f'variable type invalid in "$(params.baz{star})": image',
        )
        for label, star in (("array", ""), ("array star", "[*]"))
    ],
    *[
        (
            f"{label} not properly isolated",
            {
                "params": params,
                "image": "someimage",
                "command": ["$(params.foo-is-baz)"],
                "args": [f"not isolated: $(params.baz{star})", "middle string", "url"],
            },
            f'variable is not properly isolated in "not isolated: $(params.baz{star})": args[0]',
        )
        for label, params, star in (
            ("array", TWO_ARRAYS, ""),
            ("array star", TWO_ARRAYS, "[*]"),
            ("inferred array", TWO_INFERRED_ARRAYS, ""),
            ("inferred array star", TWO_INFERRED_ARRAYS, "[*]"),
        )
    ],
    (
        "params used in script field",
        {
            "params": [{"name": "baz", "type": "array"}, {"name": "foo-is-baz", "type": "string"}],
            "script": "$(params.baz[0]), $(params.foo-is-baz)",
            "image": "my-image",
        },
        "param substitution in scripts is not allowed.: script",
    ),
    (
        "array param used in env",
        {
            "params": [{"name": "arr", "type": "array"}],
            "image": "i",
            "env": [{"name": "A", "value": "$(params.arr)"}],
        },
        'variable type invalid in "$(params.arr)": env[A]',
    ),
    (
        "invalid step result declaration",
        {"image": "i", "results": [{"name": "r", "type": "wrong"}]},
        "invalid value: wrong: results[0].type\ninvalid type wrong",
    ),
]


@pytest.mark.parametrize(
    ("spec", "want"), [c[1:] for c in SPEC_ERRORS], ids=[c[0] for c in SPEC_ERRORS]
)
def test_stepaction_spec_errors(spec: dict[str, Any], want: str) -> None:
    assert validate_stepaction_spec(spec_of(spec), CTX).render() == want


def test_windows_script_allowed_with_alpha() -> None:
    alpha = ValidationContext(config=Config.alpha_ci())
    assert (
        validate_stepaction_spec(spec_of({"image": "i", "script": "#!win"}), alpha).render() == ""
    )


# -- v1alpha1: param defaults referencing other params -------------------------------------------

V1ALPHA1_OK = [
    [
        {"name": "param1", "type": "string", "default": "hello"},
        {"name": "param2", "type": "string", "default": "$(params.param1) world"},
    ],
    [
        {"name": "param1", "type": "string", "default": "hello"},
        {"name": "param2", "type": "string", "default": "hi"},
        {"name": "param3", "type": "string", "default": "$(params.param1) $(params.param2)"},
    ],
]


@pytest.mark.parametrize("params", V1ALPHA1_OK)
def test_v1alpha1_default_references_valid(params: list[dict[str, Any]]) -> None:
    action = action_of({"image": "myimage", "params": params}, "tekton.dev/v1alpha1")
    assert validate_stepaction(action, CTX).render() == ""


def _cycle(*names: str) -> str:
    return "\n".join(
        f'param "{n}" default value has a circular dependency: spec.params' for n in names
    )


V1ALPHA1_ERRORS: list[tuple[str, list[dict[str, Any]], str]] = [
    (
        "param default value references undefined param",
        [{"name": "param2", "type": "string", "default": "$(params.param1)"}],
        'param "param2" default value references param "param1" which is not defined: spec.params',
    ),
    (
        "circular dependency in param default values",
        [
            {"name": "param1", "type": "string", "default": "$(params.param2)"},
            {"name": "param2", "type": "string", "default": "$(params.param1)"},
        ],
        _cycle("param1", "param2"),
    ),
    (
        "complex circular dependency in param default values",
        [
            {"name": "param1", "type": "string", "default": "$(params.param2)"},
            {"name": "param2", "type": "string", "default": "$(params.param3)"},
            {"name": "param3", "type": "string", "default": "$(params.param1)"},
        ],
        _cycle("param1", "param2", "param3"),
    ),
    (
        "self-referential param default value",
        [{"name": "param1", "type": "string", "default": "$(params.param1)"}],
        _cycle("param1"),
    ),
]


@pytest.mark.parametrize(
    ("params", "want"), [c[1:] for c in V1ALPHA1_ERRORS], ids=[c[0] for c in V1ALPHA1_ERRORS]
)
def test_v1alpha1_default_references_errors(params: list[dict[str, Any]], want: str) -> None:
    action = action_of({"image": "myimage", "params": params}, "tekton.dev/v1alpha1")
    assert validate_stepaction(action, CTX).render() == want
    # v1beta1 has no such rule.
    beta = action_of({"image": "myimage", "params": params})
    assert validate_stepaction(beta, CTX).render() == ""
