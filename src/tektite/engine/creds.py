"""Tekton's credential initialisation (``credsInit`` of ``pkg/pod/creds_init.go``) and
the ServiceAccount admission of the API server, over plain Kubernetes JSON.

The TaskRun's ServiceAccount (``default`` when the run names none) lists Secrets. Those
annotated ``tekton.dev/git-*`` or ``tekton.dev/docker-*`` (or of a docker config type)
become entrypoint flags, a Secret volume ``tekton-creds-<fnv hash>`` and a mount at
``/tekton/creds-secrets/<secret>`` in every step; the step wrapper then writes
``.gitconfig``, ``.git-credentials``, ``.ssh/`` and ``.docker/config.json`` into
``/tekton/creds`` and copies them into the step's ``$HOME``
(``tektite.entrypoint.creds_writers``).

Reading the ServiceAccount and its Secrets is I/O: the controller does it and passes the
objects in (``referenced_secrets`` says which to read).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tektite.api.config import FeatureFlags
from tektite.engine.containers import JsonDict
from tektite.engine.names import generate_hashed_name
from tektite.engine.pod import CredsInit

__all__ = [
    "CREDS_SECRETS_DIR",
    "DEFAULT_SERVICE_ACCOUNT",
    "KNOWN_HOSTS_REQUIRED",
    "SECRET_TYPE_BASIC_AUTH",
    "SECRET_TYPE_DOCKERCFG",
    "SECRET_TYPE_DOCKER_CONFIG_JSON",
    "SECRET_TYPE_SSH_AUTH",
    "CredsInitError",
    "CredsInitResult",
    "admit_service_account",
    "credential_volume_name",
    "creds_init",
    "matching_annotations",
    "missing_secrets_message",
    "referenced_secrets",
    "service_account_not_found",
]

DEFAULT_SERVICE_ACCOUNT = "default"
"""``config.DefaultServiceAccountValue``: the account of a run that names none."""
CREDS_SECRETS_DIR = "/tekton/creds-secrets"
"""``matcher.VolumePath``: where each matched Secret is mounted, one directory per Secret."""

SECRET_TYPE_BASIC_AUTH = "kubernetes.io/basic-auth"
SECRET_TYPE_SSH_AUTH = "kubernetes.io/ssh-auth"
SECRET_TYPE_DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
SECRET_TYPE_DOCKERCFG = "kubernetes.io/dockercfg"

_DOCKER_PREFIX = "tekton.dev/docker-"
_GIT_PREFIX = "tekton.dev/git-"
_VOLUME_PREFIX = "tekton-creds"
_VOLUME_HASH_LENGTH = 8
_KNOWN_HOSTS = "known_hosts"
KNOWN_HOSTS_REQUIRED = (
    'TaskRun validation failed. Git SSH Secret must have "known_hosts" included '
    'when feature flag "require-git-ssh-secret-known-hosts" is set to true'
)


class CredsInitError(Exception):
    """``credsInit`` failed; ``message`` is Tekton's error text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CredsInitResult:
    """What ``credsInit`` gives the Pod builder, and the Secrets it could not find
    (Tekton records a ``FailedToRetrieveSecret`` warning event for them)."""

    creds: CredsInit
    missing_secrets: tuple[str, ...] = ()


def service_account_not_found(name: str) -> str:
    """The API server's NotFound text for a ServiceAccount."""
    return f'serviceaccounts "{name}" not found'


def missing_secrets_message(names: Sequence[str]) -> str:
    """The message of Tekton's ``FailedToRetrieveSecret`` warning event."""
    return (
        f"Unable to retrieve some secrets ({', '.join(names)}); "
        "attempting to use them may not succeed."
    )


def referenced_secrets(service_account: Mapping[str, Any] | None) -> list[str]:
    """The Secret names the ServiceAccount's ``secrets`` list, each once, in order (the
    ones ``creds_init`` needs read)."""
    out: list[str] = []
    for entry in (service_account or {}).get("secrets") or ():
        name = (entry or {}).get("name") or ""
        if name and name not in out:
            out.append(name)
    return out


def _sorted_annotation_values(annotations: Mapping[str, str], prefix: str) -> list[str]:
    """``SortAnnotations``: the values (not keys) of the prefixed annotations, sorted (code
    point order is Go's byte order for UTF-8)."""
    return sorted(str(v) for k, v in annotations.items() if k.startswith(prefix))


def matching_annotations(secret: Mapping[str, Any]) -> list[str]:
    """The entrypoint flags for one Secret: the docker builder's, then the git builder's
    (``MatchingAnnotations`` of ``dockercreds`` and ``gitcreds``)."""
    meta = secret.get("metadata") or {}
    name = str(meta.get("name") or "")
    annotations = meta.get("annotations") or {}
    kind = str(secret.get("type") or "")
    flags: list[str] = []
    docker = _sorted_annotation_values(annotations, _DOCKER_PREFIX)
    git = _sorted_annotation_values(annotations, _GIT_PREFIX)
    if kind == SECRET_TYPE_BASIC_AUTH:
        flags += [f"-basic-docker={name}={v}" for v in docker]
    elif kind == SECRET_TYPE_DOCKER_CONFIG_JSON:
        flags.append(f"-docker-config={name}")
    elif kind == SECRET_TYPE_DOCKERCFG:
        flags.append(f"-docker-cfg={name}")
    if kind == SECRET_TYPE_BASIC_AUTH:
        flags += [f"-basic-git={name}={v}" for v in git]
    elif kind == SECRET_TYPE_SSH_AUTH:
        flags += [f"-ssh-git={name}={v}" for v in git]
    return flags


def credential_volume_name(secret_name: str, used: set[str]) -> str:
    """``tekton-creds-<first 8 hex digits of FNV-1a(secret)>``, rehashed with a ``$``
    appended while it collides with a name in ``used`` (which it is added to)."""
    name = generate_hashed_name(_VOLUME_PREFIX, secret_name, _VOLUME_HASH_LENGTH)
    while name in used:
        name = generate_hashed_name(_VOLUME_PREFIX, name + "$", _VOLUME_HASH_LENGTH)
    used.add(name)
    return name


def _has_key(secret: Mapping[str, Any], key: str) -> bool:
    return key in (secret.get("data") or {}) or key in (secret.get("stringData") or {})


def creds_init(
    service_account: Mapping[str, Any],
    secrets: Mapping[str, Mapping[str, Any] | None],
    features: FeatureFlags,
) -> CredsInitResult:
    """``credsInit`` for an existing ServiceAccount; ``secrets`` maps each name of
    ``referenced_secrets(service_account)`` to the Secret, or None when it is missing.

    Raises :class:`CredsInitError` when an ssh-auth Secret has no ``known_hosts`` and
    ``require-git-ssh-secret-known-hosts`` is on.
    """
    if features.disable_creds_init:
        return CredsInitResult(CredsInit())
    args: list[str] = []
    volumes: list[JsonDict] = []
    mounts: list[JsonDict] = []
    missing: list[str] = []
    used: set[str] = set()
    for name in referenced_secrets(service_account):
        secret = secrets.get(name)
        if secret is None:
            missing.append(name)
            continue
        if (
            features.require_git_ssh_secret_known_hosts
            and secret.get("type") == SECRET_TYPE_SSH_AUTH
            and not _has_key(secret, _KNOWN_HOSTS)
        ):
            raise CredsInitError(KNOWN_HOSTS_REQUIRED)
        flags = matching_annotations(secret)
        if not flags:
            continue
        args += flags
        volume = credential_volume_name(name, used)
        mounts.append({"name": volume, "mountPath": f"{CREDS_SECRETS_DIR}/{name}"})
        volumes.append({"name": volume, "secret": {"secretName": name}})
    if not args:
        return CredsInitResult(CredsInit(), tuple(missing))
    return CredsInitResult(CredsInit(tuple(args), tuple(volumes), tuple(mounts)), tuple(missing))


def admit_service_account(
    pod: Mapping[str, Any], service_account: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What the API server's ServiceAccount admission does to a new Pod that Tektite
    reproduces: ``serviceAccountName`` defaults to ``default`` and, when the Pod lists no
    ``imagePullSecrets``, it gets the ServiceAccount's. Returns a new Pod."""
    out = copy.deepcopy(dict(pod))
    admit_service_account_in_place(out, service_account)
    return out


def admit_service_account_in_place(
    out: dict[str, Any], service_account: Mapping[str, Any] | None
) -> None:
    """``admit_service_account`` on a Pod the caller owns (no copy)."""
    spec = out.setdefault("spec", {})
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = DEFAULT_SERVICE_ACCOUNT
    if not spec.get("imagePullSecrets") and service_account is not None:
        pulls = [
            {"name": str((ref or {}).get("name") or "")}
            for ref in service_account.get("imagePullSecrets") or ()
        ]
        if pulls:
            spec["imagePullSecrets"] = pulls
