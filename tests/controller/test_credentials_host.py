"""End to end on the embedded control plane (SQLite store, host runtime, real processes):
Secrets annotated for Tekton and linked to the run's ServiceAccount reach the step as
``~/.git-credentials``, ``~/.gitconfig``, ``~/.docker/config.json`` and ``~/.ssh/``;
LimitRanges give the Pod's containers their defaults; the ServiceAccount's
``imagePullSecrets`` land in the Pod; unknown accounts and ``podTemplate`` fields with no
meaning here are reported as Tekton (or Tektite) says."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import logging
import os
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tektite.api.config import Config, FeatureFlags
from tektite.api.defaults import set_defaults
from tektite.api.models import TaskRun
from tektite.embedded import embedded
from tektite.local_runs import condition, create_all, wait_done
from tektite.runtime.protocol import PodKey


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


_KEYS = {"ssh_privatekey": "ssh-privatekey"}


def secret(name: str, kind: str, annotations: dict[str, str], **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": kind,
        "metadata": {"name": name, "annotations": annotations},
        "data": {_KEYS.get(k, k.replace("_dot_", ".")): b64(v) for k, v in data.items()},
    }


def service_account(name: str, *secrets: str, pulls: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name},
        "secrets": [{"name": s} for s in secrets],
        "imagePullSecrets": [{"name": p} for p in pulls],
    }


def taskrun(name: str, script: str, config: Config, steps: int = 1, **spec: Any) -> dict[str, Any]:
    tr = msgspec.convert(
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "metadata": {"name": name},
            "spec": {
                "taskSpec": {
                    "steps": [
                        {"name": f"s{i}", "image": "busybox", "script": script}
                        for i in range(steps)
                    ]
                },
                **spec,
            },
        },
        TaskRun,
    )
    set_defaults(tr, config)
    return tr.to_dict()


async def run_all(
    root: Path, objects: list[dict[str, Any]], config: Config | None = None
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, str]]:
    """Create the objects, wait for the TaskRun; return it, its Pod and its step logs."""
    async with embedded(config or Config(), "host", root) as env:
        created = create_all(env.store, objects, "default", notes=io.StringIO())
        runs = [o for o in created if o["kind"] == "TaskRun"]
        assert await wait_done(env.store, runs, asyncio.Event(), timeout=60)
        final = env.store.get("TaskRun", "default", runs[0]["metadata"]["name"])
        assert final is not None
        pod_name = (final.get("status") or {}).get("podName")
        pod = await env.runtime.get_pod(PodKey("default", pod_name)) if pod_name else None
        logs = {}
        if pod_name:
            for log in sorted((root / "logs" / "default" / pod_name).glob("step-*.log")):
                logs[log.stem] = log.read_text()
        return final, pod, logs


# Secret values are masked in stored logs (``***``), so the step prints digests.
READ_HOME = """#!/bin/sh
set -e
echo "HOME=$HOME"
cd ~
for f in .git-credentials .gitconfig .docker/config.json .ssh/config .ssh/id_git-ssh \\
    .ssh/known_hosts; do
  echo "$f $(sha256sum < $f | cut -d' ' -f1)"
done
echo "creds: $(ls -A $(credentials.path) | tr '\\n' ' ')"
cat .git-credentials
"""


def digests(files: dict[str, str]) -> str:
    return "".join(f"{n} {hashlib.sha256(t.encode()).hexdigest()}\n" for n, t in files.items())


def _home_fingerprint() -> dict[str, float]:
    """The modification times of the runtime user's own credential files."""
    home = Path(os.path.expanduser("~"))
    names = (".gitconfig", ".git-credentials", ".docker", ".ssh")
    return {n: (home / n).stat().st_mtime for n in names if (home / n).exists()}


def test_annotated_secrets_reach_the_steps_home(tmp_path: Path) -> None:
    config = Config()
    objects = [
        secret(
            "git-basic",
            "kubernetes.io/basic-auth",
            {"tekton.dev/git-0": "https://git.example.com", "tekton.dev/docker-0": "reg.one"},
            username="octo",
            password="p@ss:word",
        ),
        secret(
            "git-ssh",
            "kubernetes.io/ssh-auth",
            {"tekton.dev/git-0": "localhost:2222/org/repo"},
            ssh_privatekey="-----PRIVATE-----",
            known_hosts="[localhost]:2222 ssh-ed25519 AAAA",
        ),
        secret(
            "registry",
            "kubernetes.io/dockerconfigjson",
            {},
            _dot_dockerconfigjson='{"auths":{"reg.two":{"auth":"eDp5"}}}',
        ),
        secret("unrelated", "Opaque", {"tekton.dev/git-0": "ignored.example"}, token="x"),
        service_account("builder", "git-basic", "git-ssh", "registry", "unrelated", "gone"),
        taskrun("creds", READ_HOME, config, steps=2, serviceAccountName="builder"),
    ]
    before = _home_fingerprint()
    final, pod, logs = asyncio.run(run_all(tmp_path, objects, config))
    assert condition(final)["status"] == "True", (condition(final), logs)
    assert _home_fingerprint() == before  # the user's own ~/.gitconfig is never touched

    for name in ("step-s0", "step-s1"):  # every step gets them, each in its own home
        text = logs[name]
        docker = (
            '{"auths":{"reg.one":{"username":"octo","password":"p@ss:word",'
            f'"auth":"{b64("octo:p@ss:word")}","email":"not@val.id"}},'
            '"reg.two":{"auth":"eDp5"}}}'
        )
        expected = {
            ".git-credentials": "https://octo:p%40ss%3Aword@git.example.com\n",
            ".gitconfig": '[credential]\n\thelper = store\n[credential "https://git.example.com"]'
            "\n\tusername = octo\n"
            '[url "git@localhost--org--repo:org/repo.git"]\n'
            "\tinsteadOf = git@localhost:org/repo.git\n"
            '[url "ssh://localhost--org--repo/org/repo.git"]\n'
            "\tinsteadOf = ssh://localhost:2222/org/repo.git\n",
            ".docker/config.json": docker,
            ".ssh/config": "Host localhost--org--repo\n    HostName localhost\n    Port 2222\n"
            "    IdentityFile /tekton/creds/.ssh/id_git-ssh\n",
            ".ssh/id_git-ssh": "-----PRIVATE-----",
            ".ssh/known_hosts": "[localhost]:2222 ssh-ed25519 AAAA",
        }
        assert digests(expected) in text, text
        assert "creds: .docker .git-credentials .gitconfig .ssh \n" in text
        # The password as .git-credentials writes it (percent-encoded) is masked too.
        assert text.endswith("https://octo:***@git.example.com\n"), text

    assert pod is not None
    step = pod["spec"]["containers"][0]
    assert [a for a in step["args"] if a.startswith(("-basic", "-ssh", "-docker"))] == [
        "-basic-docker=git-basic=reg.one",
        "-basic-git=git-basic=https://git.example.com",
        "-ssh-git=git-ssh=localhost:2222/org/repo",
        "-docker-config=registry",
    ]
    mounts = {m["mountPath"] for m in step["volumeMounts"]}
    assert {f"/tekton/creds-secrets/{s}" for s in ("git-basic", "git-ssh", "registry")} <= mounts
    assert "/tekton/creds-secrets/unrelated" not in mounts


def test_creds_init_only_mounts_provided_credentials(tmp_path: Path) -> None:
    """Tekton's own example: only the ssh key appears; no docker or git basic files, even
    though the user running Tektite has a ``~/.gitconfig`` of their own."""
    config = Config()
    script = """#!/bin/sh
set -xe
test -f $HOME/.ssh/id_phony-ssh-key
test ! -d $HOME/.docker
test ! -f $HOME/.git-credentials
test ! -f $HOME/.gitconfig
"""
    objects = [
        secret(
            "phony-ssh-key",
            "kubernetes.io/ssh-auth",
            {"tekton.dev/git-0": "localhost"},
            ssh_privatekey="Hello, world!\n",
        ),
        service_account("phony", "phony-ssh-key"),
        taskrun("only-ssh", script, config, serviceAccountName="phony"),
    ]
    final, _, logs = asyncio.run(run_all(tmp_path, objects, config))
    assert condition(final)["status"] == "True", (condition(final), logs)


def test_unknown_service_account_fails_pod_creation(tmp_path: Path) -> None:
    config = Config()
    objects = [taskrun("nosa", "true", config, serviceAccountName="missing")]
    final, pod, _ = asyncio.run(run_all(tmp_path, objects, config))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "PodCreationFailed",
        'failed to create task run pod "nosa": translating TaskSpec to Pod: serviceaccounts '
        '"missing" not found. Maybe invalid TaskSpec',
    )
    assert pod is None


def test_default_service_account_need_not_exist(tmp_path: Path) -> None:
    config = Config()
    final, pod, _ = asyncio.run(run_all(tmp_path, [taskrun("plain", "true", config)], config))
    assert condition(final)["status"] == "True"
    assert pod is not None and pod["spec"]["serviceAccountName"] == "default"


def test_known_hosts_required_fails_validation(tmp_path: Path) -> None:
    config = Config(features=FeatureFlags(require_git_ssh_secret_known_hosts=True))
    objects = [
        secret(
            "key",
            "kubernetes.io/ssh-auth",
            {"tekton.dev/git-0": "github.com"},
            ssh_privatekey="k",
        ),
        service_account("sa", "key"),
        taskrun("kh", "true", config, serviceAccountName="sa"),
    ]
    final, _, _ = asyncio.run(run_all(tmp_path, objects, config))
    c = condition(final)
    assert (c["status"], c["reason"], c["message"]) == (
        "False",
        "TaskRunValidationFailed",
        "translating TaskSpec to Pod: TaskRun validation failed. Git SSH Secret must have "
        '"known_hosts" included when feature flag "require-git-ssh-secret-known-hosts" is '
        "set to true",
    )


def test_limit_ranges_pull_secrets_and_ignored_fields(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = Config()
    limit_range = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "limits"},
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "default": {"cpu": "1", "memory": "256Mi"},
                    "defaultRequest": {"cpu": "200m", "memory": "64Mi"},
                }
            ]
        },
    }
    pod_template = {
        "nodeSelector": {"disk": "ssd"},
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "imagePullSecrets": [],
    }
    objects = [
        limit_range,
        service_account("puller", pulls=("regcred",)),
        taskrun(
            "limited",
            "true",
            config,
            steps=2,
            serviceAccountName="puller",
            podTemplate=pod_template,
        ),
    ]
    with caplog.at_level(logging.WARNING, logger="tektite.controller.taskrun"):
        final, pod, _ = asyncio.run(run_all(tmp_path, objects, config))
    assert condition(final)["status"] == "True"
    assert pod is not None
    steps = pod["spec"]["containers"]
    # Tekton shares defaultRequest over the two steps; LimitRanger adds default limits.
    assert [c["resources"] for c in steps] == [
        {"requests": {"cpu": "100m", "memory": "32Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}}
    ] * 2
    prepare = pod["spec"]["initContainers"][0]
    assert prepare["resources"] == {
        "limits": {"cpu": "1", "memory": "256Mi"},
        "requests": {"cpu": "200m", "memory": "64Mi"},
    }
    assert pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"].startswith(
        "LimitRanger plugin set: cpu, memory limit for container step-s0; "
    )
    assert pod["spec"]["imagePullSecrets"] == [{"name": "regcred"}]
    warnings = [r.getMessage() for r in caplog.records if "no meaning" in r.getMessage()]
    assert warnings == [
        "tektite: TaskRun default/limited: pod fields with no meaning on one machine are "
        "ignored: nodeSelector, tolerations"
    ]
