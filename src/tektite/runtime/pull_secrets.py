"""Registry credentials for pulling a Pod's images, as the kubelet finds them.

The Pod's ``spec.imagePullSecrets`` (the TaskRun's ``podTemplate.imagePullSecrets``, or
else its ServiceAccount's, added by the API server's admission) name Secrets of type
``kubernetes.io/dockerconfigjson`` (key ``.dockerconfigjson``: ``{"auths": {registry:
entry}}``) or ``kubernetes.io/dockercfg`` (key ``.dockercfg``: the ``auths`` map itself).
The kubelet reads them in order into one keyring (``MakeDockerKeyring``): a Secret that
cannot be read is skipped with a warning, one that is not valid JSON fails the pull.

:func:`pull_auth` merges them into one docker/podman auth file (``podman pull
--authfile``, ``DOCKER_CONFIG``): every entry as ``{"auth": base64(user:password)}``
(the one field both tools read; the kubelet also turns ``username``/``password`` into
it), the first Secret's entry winning for a registry named twice, since the kubelet
tries credentials in that order. Registry keys are kept as written (``https://
index.docker.io/v1/``, ``registry.example:5000/team``): podman and docker normalise them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from tektite.runtime.protocol import ClusterData, Pod

__all__ = [
    "DOCKERCFG_KEY",
    "DOCKER_CONFIG_JSON_KEY",
    "PullAuth",
    "PullSecretsError",
    "SecretTypes",
    "pull_auth",
    "pull_secret_names",
]

DOCKER_CONFIG_JSON_KEY = ".dockerconfigjson"
DOCKERCFG_KEY = ".dockercfg"
_TYPE_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
_TYPE_DOCKERCFG = "kubernetes.io/dockercfg"


class PullSecretsError(Exception):
    """A pull Secret is not valid docker configuration: the pull fails with this."""


@runtime_checkable
class SecretTypes(Protocol):
    """A ``ClusterData`` that also tells a Secret's ``type`` (the kubelet only uses
    Secrets of the two docker types). Without it, the key a Secret holds decides: the
    API server only accepts a docker-typed Secret that has its key."""

    def secret_type(self, namespace: str, name: str) -> str | None:
        """The Secret's ``type`` (``Opaque`` when unset), or None when it is missing."""
        ...


@dataclass(frozen=True)
class PullAuth:
    """The merged credentials of a Pod's pull Secrets."""

    auths: Mapping[str, Mapping[str, str]]
    """Registry → ``{"auth": base64("user:password")}`` (plus ``email`` when given)."""
    missing: tuple[str, ...] = ()
    """Pull Secrets that could not be read (the kubelet warns and pulls anyway)."""

    def config_json(self) -> str | None:
        """The auth file's text, ``{"auths": {...}}``; None when there is no entry."""
        if not self.auths:
            return None
        return json.dumps({"auths": self.auths}, indent=2, sort_keys=True) + "\n"


def pull_secret_names(pod: Pod) -> list[str]:
    """The names in ``spec.imagePullSecrets``, in order, without empty names."""
    refs = (pod.get("spec") or {}).get("imagePullSecrets") or ()
    return [str(r["name"]) for r in refs if isinstance(r, Mapping) and r.get("name")]


def _entry(registry: str, raw: object, secret: str) -> dict[str, str]:
    """One keyring entry (Kubernetes' ``DockerConfigEntry``) as an auth-file entry."""
    if not isinstance(raw, Mapping):
        raise PullSecretsError(f'Secret "{secret}": entry "{registry}" is not an object')
    fields = {str(k).lower(): v for k, v in raw.items()}
    username = str(fields.get("username") or "")
    password = str(fields.get("password") or "")
    auth = fields.get("auth")
    if auth:
        # DockerConfigEntry.UnmarshalJSON: "auth" (base64 of user:password) wins.
        username, password = _decode_auth(str(auth), registry, secret)
    out = {"auth": base64.b64encode(f"{username}:{password}".encode()).decode()}
    if fields.get("email"):
        out["email"] = str(fields["email"])
    return out


def _decode_auth(field: str, registry: str, secret: str) -> tuple[str, str]:
    """``decodeDockerConfigFieldAuth``: padded or unpadded base64 of ``user:password``."""
    text = field.strip()
    try:
        decoded = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error as error:
        raise PullSecretsError(f'Secret "{secret}": auth of "{registry}": {error}') from None
    user, colon, password = decoded.decode("utf-8", "replace").partition(":")
    if not colon:
        raise PullSecretsError(
            f'Secret "{secret}": auth of "{registry}": error parsing auth: username and '
            "password must be separated by a ':'"
        )
    return user, password


def _auths(data: bytes, key: str, secret: str) -> dict[str, Any]:
    try:
        parsed = json.loads(data)
    except ValueError as error:
        raise PullSecretsError(f'Secret "{secret}": {key} is not valid JSON: {error}') from None
    if key == DOCKER_CONFIG_JSON_KEY:
        parsed = (parsed or {}).get("auths") if isinstance(parsed, dict) else parsed
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise PullSecretsError(f'Secret "{secret}": {key} does not hold a map of registries')
    return parsed


def pull_auth(pod: Pod, cluster: ClusterData) -> PullAuth:
    """The Pod's pull Secrets merged into one auth file's entries.

    Raises :class:`PullSecretsError` for a pull Secret that is not valid docker
    configuration, as the kubelet fails the pull.
    """
    namespace = str((pod.get("metadata") or {}).get("namespace") or "default")
    auths: dict[str, dict[str, str]] = {}
    missing: list[str] = []
    typed = cluster if isinstance(cluster, SecretTypes) else None
    for name in pull_secret_names(pod):
        data = cluster.secret(namespace, name)
        if data is None:
            missing.append(name)
            continue
        kind = typed.secret_type(namespace, name) if typed is not None else None
        for key, wanted in (
            (DOCKER_CONFIG_JSON_KEY, _TYPE_CONFIG_JSON),
            (DOCKERCFG_KEY, _TYPE_DOCKERCFG),
        ):
            if data.get(key) and (kind is None or kind == wanted):
                for registry, raw in _auths(data[key], key, name).items():
                    auths.setdefault(str(registry), _entry(str(registry), raw, name))
                break
    return PullAuth(auths, tuple(missing))
