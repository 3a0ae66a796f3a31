"""``credsInit`` and the Pod builder's credential volumes and flags, golden against
Tekton's ``pkg/pod/creds_init_test.go`` and ``pkg/credentials/*/creds_test.go``
(``TestMatchingAnnotations``); and the ServiceAccount admission of ``imagePullSecrets``."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, FeatureFlags
from tektite.api.models import TaskRef, TaskRun, TaskSpec
from tektite.engine.admission import (
    AccountObjects,
    complete_pod,
    creds_for_run,
    pod_creation_failure,
)
from tektite.engine.creds import (
    KNOWN_HOSTS_REQUIRED,
    CredsInitError,
    admit_service_account,
    credential_volume_name,
    creds_init,
    matching_annotations,
    missing_secrets_message,
    referenced_secrets,
)
from tektite.engine.pod import CredsInit, build_pod

NS = "namespacey-mcnamespace"
ANNOTATED = {
    "tekton.dev/docker-0": "https://us.gcr.io",
    "tekton.dev/docker-1": "https://docker.io",
    "tekton.dev/git-0": "github.com",
    "tekton.dev/git-1": "gitlab.com",
}


def sa(*secrets: str, pulls: tuple[str, ...] = ()) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "my-service-account", "namespace": NS},
        "secrets": [{"name": s} for s in secrets],
    }
    if pulls:
        obj["imagePullSecrets"] = [{"name": p} for p in pulls]
    return obj


def secret(
    name: str, kind: str = "", annotations: dict[str, str] | None = None, **data: str
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": NS, "annotations": annotations or {}},
        "data": data,
    }
    if kind:
        obj["type"] = kind
    return obj


BASIC = "kubernetes.io/basic-auth"


def run(account: dict[str, Any], *objs: dict[str, Any], **flags: Any) -> Any:
    secrets: dict[str, dict[str, Any] | None] = {n: None for n in referenced_secrets(account)}
    secrets.update({o["metadata"]["name"]: o for o in objs})
    return creds_init(account, secrets, FeatureFlags(**flags))


def test_no_secrets_nothing_to_initialize() -> None:
    result = run(sa())
    assert result.creds.entrypoint_args == () and result.creds.volume_mounts == ()


def test_no_annotated_secrets_nothing_to_initialize() -> None:
    result = run(sa("my-creds"), secret("my-creds"))
    assert result.creds.entrypoint_args == () and result.creds.volumes == ()


def test_annotated_basic_auth_secret() -> None:
    result = run(sa("my-creds"), secret("my-creds", BASIC, ANNOTATED, username="Zm9v"))
    assert result.creds.entrypoint_args == (
        "-basic-docker=my-creds=https://docker.io",
        "-basic-docker=my-creds=https://us.gcr.io",
        "-basic-git=my-creds=github.com",
        "-basic-git=my-creds=gitlab.com",
    )
    assert result.creds.volume_mounts == (
        {"name": "tekton-creds-bb4044db", "mountPath": "/tekton/creds-secrets/my-creds"},
    )
    assert result.creds.volumes == (
        {"name": "tekton-creds-bb4044db", "secret": {"secretName": "my-creds"}},
    )


def test_duplicate_dockerconfigjson_secret_mounted_once() -> None:
    result = run(
        sa("my-docker-creds", "my-docker-creds", "my-docker-creds"),
        secret("my-docker-creds", "kubernetes.io/dockerconfigjson"),
    )
    assert result.creds.entrypoint_args == ("-docker-config=my-docker-creds",)
    assert result.creds.volume_mounts == (
        {"name": "tekton-creds-f2d456c2", "mountPath": "/tekton/creds-secrets/my-docker-creds"},
    )


def test_disabled_by_feature_flag() -> None:
    result = run(sa("my-creds"), secret("my-creds", BASIC, ANNOTATED), disable_creds_init=True)
    assert result.creds.entrypoint_args == () and result.creds.volumes == ()


def test_secret_name_with_dots_gets_a_hashed_volume_name() -> None:
    result = run(
        sa("foo.bar.com"),
        secret("foo.bar.com", BASIC, {"tekton.dev/docker-0": "https://docker.io"}),
    )
    assert result.creds.entrypoint_args == ("-basic-docker=foo.bar.com=https://docker.io",)
    assert result.creds.volume_mounts == (
        {"name": "tekton-creds-b18d27f0", "mountPath": "/tekton/creds-secrets/foo.bar.com"},
    )


def test_empty_named_secrets_are_skipped() -> None:
    account = sa("my-creds")
    account["secrets"].append({})
    result = run(account, secret("my-creds", BASIC, {"tekton.dev/git-0": "github.com"}))
    assert result.creds.entrypoint_args == ("-basic-git=my-creds=github.com",)


def test_missing_secrets_are_reported() -> None:
    result = run(
        sa("my-creds", "not-exist-1", "not-exist-2"),
        secret("my-creds", BASIC, {"tekton.dev/git-0": "github.com"}),
    )
    assert result.creds.entrypoint_args == ("-basic-git=my-creds=github.com",)
    assert missing_secrets_message(result.missing_secrets) == (
        "Unable to retrieve some secrets (not-exist-1, not-exist-2); attempting to use them "
        "may not succeed."
    )


def test_known_hosts_required_by_feature_flag() -> None:
    ssh = secret("my-creds", "kubernetes.io/ssh-auth", {"tekton.dev/git-0": "github.com"})
    ssh["data"] = {"ssh-privatekey": "SGVsbG8gV29ybGQh"}
    with pytest.raises(CredsInitError) as error:
        run(sa("my-creds"), ssh, require_git_ssh_secret_known_hosts=True)
    assert error.value.message == KNOWN_HOSTS_REQUIRED
    assert KNOWN_HOSTS_REQUIRED == (
        'TaskRun validation failed. Git SSH Secret must have "known_hosts" included when '
        'feature flag "require-git-ssh-secret-known-hosts" is set to true'
    )
    ssh["data"]["known_hosts"] = "SGVsbG8gV29ybGQh"
    ok = run(sa("my-creds"), ssh, require_git_ssh_secret_known_hosts=True)
    assert ok.creds.entrypoint_args == ("-ssh-git=my-creds=github.com",)
    ssh["data"].pop("known_hosts")
    assert run(sa("my-creds"), ssh).creds.entrypoint_args == ("-ssh-git=my-creds=github.com",)


def test_volume_names_are_unique_and_short() -> None:
    # TestCredentialVolumeNameUniqueness / TestCredentialVolumeNameLength
    used: set[str] = set()
    names = [
        credential_volume_name(f"my-company-production-application-secret-number-{i:04d}", used)
        for i in range(150)
    ]
    assert len(set(names)) == 150
    assert all(len(n) <= 63 for n in names)
    assert len(credential_volume_name("a" * 253, set())) <= 63
    # A collision is rehashed with "$" appended, as Tekton does.
    taken = {credential_volume_name("x", set())}
    again = credential_volume_name("x", taken)
    assert again != "tekton-creds-" and again not in {credential_volume_name("x", set())}


@pytest.mark.parametrize(
    ("kind", "annotations", "want"),
    [  # TestMatchingAnnotations of gitcreds and dockercreds
        (BASIC, {"tekton.dev/git-.testkeys": "basickeys"}, ["-basic-git=s=basickeys"]),
        ("kubernetes.io/ssh-auth", {"tekton.dev/git-.testkeys": "keys"}, ["-ssh-git=s=keys"]),
        (
            "kubernetes.io/ssh-auth",
            {f"tekton.dev/git-.testkeys{i}": f"keys{i}" for i in (3, 1, 2)},
            ["-ssh-git=s=keys1", "-ssh-git=s=keys2", "-ssh-git=s=keys3"],
        ),
        (BASIC, {"tekton.dev/docker-.testkeys": "basickeys"}, ["-basic-docker=s=basickeys"]),
        ("kubernetes.io/ssh-auth", {"tekton.dev/docker-.testkeys": "keys"}, []),
        ("kubernetes.io/dockercfg", {}, ["-docker-cfg=s"]),
        ("kubernetes.io/dockerconfigjson", {}, ["-docker-config=s"]),
        (
            "kubernetes.io/dockerconfigjson",
            {"tekton.dev/git-0": "github.com"},
            ["-docker-config=s"],
        ),
        ("Opaque", {"tekton.dev/git-0": "github.com"}, []),
        ("kubernetes.io/service-account-token", {"tekton.dev/git-0": "github.com"}, []),
        ("kubernetes.io/tls", {}, []),
        ("bootstrap.kubernetes.io/token", {}, []),
        ("", {"tekton.dev/docker-0": "x"}, []),
    ],
)
def test_matching_annotations(kind: str, annotations: dict[str, str], want: list[str]) -> None:
    assert matching_annotations(secret("s", kind, annotations)) == want


# -- in the Pod -----------------------------------------------------------------------------


def taskrun(steps: int = 2) -> tuple[TaskRun, TaskSpec]:
    tr = msgspec.convert(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "metadata": {"name": "tr", "namespace": NS, "uid": "u"},
            "spec": {"serviceAccountName": "my-service-account"},
        },
        TaskRun,
    )
    spec = msgspec.convert(
        {
            "steps": [
                {"name": f"s{i}", "image": "busybox", "command": ["true"]} for i in range(steps)
            ]
        },
        TaskSpec,
    )
    return tr, spec


def test_pod_gets_secret_volumes_mounts_and_flags_in_every_step() -> None:
    tr, spec = taskrun()
    creds = run(sa("my-creds"), secret("my-creds", BASIC, ANNOTATED)).creds
    built = build_pod(tr, spec, Config(), creds_init=creds)
    volumes = {v["name"]: v for v in built["spec"]["volumes"]}
    assert volumes["tekton-creds-bb4044db"] == {
        "name": "tekton-creds-bb4044db",
        "secret": {"secretName": "my-creds"},
    }
    for i, c in enumerate(built["spec"]["containers"]):
        args = c["args"]
        # Tekton's order: the chaining flags, the common extra args, then -entrypoint.
        flags = args[args.index("/tekton/termination") + 3 : args.index("-entrypoint")]
        assert flags == list(creds.entrypoint_args)
        mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
        assert mounts["/tekton/creds-secrets/my-creds"] == "tekton-creds-bb4044db"
        assert mounts["/tekton/creds"] == f"tekton-creds-init-home-{i}"
        assert volumes[f"tekton-creds-init-home-{i}"]["emptyDir"] == {"medium": "Memory"}
    # Init containers do not get the credentials.
    for c in built["spec"]["initContainers"]:
        assert all("creds" not in m["mountPath"] for m in c.get("volumeMounts") or ())


def test_pod_without_creds_init_has_no_creds_volumes() -> None:
    tr, spec = taskrun(1)
    creds = run(sa("my-creds"), secret("my-creds", BASIC, ANNOTATED)).creds
    config = Config(features=FeatureFlags(disable_creds_init=True))
    built = build_pod(tr, spec, config, creds_init=creds)
    assert not any("creds" in v["name"] for v in built["spec"]["volumes"])
    assert not any(a.startswith("-basic") for a in built["spec"]["containers"][0]["args"])


# -- ServiceAccount admission ---------------------------------------------------------------


def test_service_account_image_pull_secrets_when_the_pod_has_none() -> None:
    p: dict[str, Any] = {"spec": {"containers": []}}
    got = admit_service_account(p, sa(pulls=("reg-a", "reg-b")))
    assert got["spec"]["imagePullSecrets"] == [{"name": "reg-a"}, {"name": "reg-b"}]
    assert got["spec"]["serviceAccountName"] == "default"
    assert p == {"spec": {"containers": []}}  # the input is not changed


def test_pod_template_image_pull_secrets_win() -> None:
    p = {"spec": {"serviceAccountName": "x", "imagePullSecrets": [{"name": "mine"}]}}
    got = admit_service_account(p, sa(pulls=("reg-a",)))
    assert got["spec"]["imagePullSecrets"] == [{"name": "mine"}]
    assert admit_service_account({"spec": {}}, None)["spec"] == {"serviceAccountName": "default"}


# -- around build_pod: engine.admission -----------------------------------------------------


def test_creds_for_run_treats_a_missing_default_account_as_empty() -> None:
    assert creds_for_run(AccountObjects("default", None), FeatureFlags()).creds == CredsInit()
    with pytest.raises(CredsInitError, match=r'^serviceaccounts "builder" not found$'):
        creds_for_run(AccountObjects("builder", None), FeatureFlags())
    # With creds-init off Tekton does not even read the account.
    off = FeatureFlags(disable_creds_init=True)
    assert creds_for_run(AccountObjects("builder", None), off).creds == CredsInit()


def test_pod_creation_failure_is_handle_pod_creation_error() -> None:
    tr, _ = taskrun()
    assert pod_creation_failure(tr, "translating TaskSpec to Pod: boom") == (
        "PodCreationFailed",
        'failed to create task run pod "tr": translating TaskSpec to Pod: boom. Maybe '
        "invalid TaskSpec",
    )
    tr.spec.task_ref = msgspec.convert({"name": "build"}, TaskRef)
    assert pod_creation_failure(tr, "x")[1].endswith(f"Maybe missing or invalid Task {NS}/build")
    error = f"translating TaskSpec to Pod: {KNOWN_HOSTS_REQUIRED}"
    assert pod_creation_failure(tr, error) == ("TaskRunValidationFailed", error)


def test_complete_pod_applies_tekton_then_the_api_server() -> None:
    tr, spec = taskrun()
    built = build_pod(tr, spec, Config())
    limit_range = {
        "metadata": {"name": "lr"},
        "spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"cpu": "100m"}}]},
    }
    got = complete_pod(
        built, AccountObjects("my-service-account", sa(pulls=("reg",)), {}, [limit_range])
    )
    # Stored defaulting: default = max (2), defaultRequest = default (2); Tekton shares it
    # over the two steps (1 each) before LimitRanger sees the Pod.
    assert [c["resources"] for c in got["spec"]["containers"]] == [
        {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}}
    ] * 2
    assert got["spec"]["initContainers"][0]["resources"] == {
        "limits": {"cpu": "2"},
        "requests": {"cpu": "2"},
    }
    assert got["spec"]["imagePullSecrets"] == [{"name": "reg"}]
    assert "resources" not in built["spec"]["containers"][0]  # the input is unchanged
