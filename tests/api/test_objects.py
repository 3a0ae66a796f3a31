"""Which apiVersion/kind pairs decode: the store keys objects by kind alone, so a kind
Tektite reads (Tekton's, and the core ones its runtimes use) comes in its own group only,
and anything else is refused with kubectl's message."""

from __future__ import annotations

import pytest

from tektite.api.load import check_text


@pytest.mark.parametrize(
    ("api_version", "kind", "error"),
    [
        ("tekton.dev/v1", "PipelineRun", None),
        ("tekton.dev/v1beta1", "Task", None),
        ("tekton.dev/v1beta1", "StepAction", None),
        ("v1", "Secret", None),
        ("v1", "ConfigMap", None),
        ("example.com/v1", "Widget", None),  # a custom resource Tektite only stores
        ("apps/v1", "Deployment", None),
        ("x", "PipelineRun", 'no matches for kind "PipelineRun" in version "x"'),
        ("example.com/v1", "Task", 'no matches for kind "Task" in version "example.com/v1"'),
        ("v1", "TaskRun", 'no matches for kind "TaskRun" in version "v1"'),
        ("v1", "StepAction", 'no matches for kind "StepAction" in version "v1"'),
        ("apps/v1", "Secret", 'no matches for kind "Secret" in version "apps/v1"'),
        ("v2", "ServiceAccount", 'no matches for kind "ServiceAccount" in version "v2"'),
        ("tekton.dev/v2", "Task", 'no matches for kind "Task" in version "tekton.dev/v2"'),
    ],
)
def test_kinds_are_served_in_their_group_only(
    api_version: str, kind: str, error: str | None
) -> None:
    [checked] = check_text(f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: a}}\n", "f")
    if error is None:  # decoded (a Tekton kind may still be invalid: no spec here)
        assert checked.obj is not None, checked.errors.render()
    else:
        assert checked.obj is None
        assert checked.errors.render() == f"{error}: apiVersion, kind"
