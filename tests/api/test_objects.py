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


TASK = (
    "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {META}\n"
    "spec:\n  steps: [{name: s, image: x}]\n"
)


@pytest.mark.parametrize(
    ("meta", "errors"),
    [
        ("{name: a, labels: {k: v}, annotations: {a: b}, namespace: team}", ""),
        (
            "{name: a, labels: {k: 'bad value!'}}",
            'Invalid value: "bad value!": a valid label must be an empty string or consist of '
            "alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
            "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?'): metadata.labels",
        ),
        (
            "{name: a, annotations: {'': x}}",
            'Invalid value: "": name part must be non-empty: metadata.annotations\n'
            "Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' "
            "or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
            "'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'): metadata.annotations",
        ),
        (
            # The API server refuses the name before Tekton's webhook could.
            "{name: Foo}",
            'Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of lower case '
            "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
            "character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'): metadata.name",
        ),
        ("{generateName: ok-}", ""),
        (
            # A valid subdomain the webhook still refuses: its own rule, once the API
            # server let the object through.
            "{name: " + "a" * 64 + "}",
            "Invalid resource name: length must be no more than 63 characters: metadata.name",
        ),
        (
            "{name: a, namespace: Team_A}",
            'Invalid value: "Team_A": a lowercase RFC 1123 label must consist of lower case '
            "alphanumeric characters or '-', and must start and end with an alphanumeric "
            "character (e.g. 'my-name',  or '123-abc', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?'): metadata.namespace",
        ),
    ],
)
def test_what_the_api_server_checks_is_checked_with_the_file(meta: str, errors: str) -> None:
    """Names, labels, annotations and the namespace, as the API server checks them
    before any webhook runs: the store refused a bad annotation only once ``run`` had
    begun writing the file's objects (found by mutating the conformance examples). The
    store's rules and texts (``object_meta``), in Knative's ``detail: path`` form; an
    object they refuse is not shown to Tekton's webhook rules."""
    [checked] = check_text(TASK.replace("{META}", meta), "f")
    assert checked.errors.render() == errors


def test_a_kubernetes_object_gets_the_api_servers_name_checks() -> None:
    [unnamed, bad, generated] = check_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: A_B}\n---\n"
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
        "metadata: {generateName: admin-}\n",
        "f",
    )
    assert generated.valid  # named by the API server, as it stores it
    assert unnamed.errors.render() == (
        "Required value: name or generateName is required: metadata.name"
    )
    assert bad.errors.render().startswith(
        'Invalid value: "A_B": a lowercase RFC 1123 subdomain must consist of lower case'
    )
    assert bad.errors.render().endswith(": metadata.name")
