"""The legacy creds-init flags and the credential files they produce (Tekton's
``pkg/credentials/{dockercreds,gitcreds}``), standard library only.

The Pod builder passes, for each annotated Secret of the service account (mounted at
``/tekton/creds-secrets/<secret>``):

``-basic-git=<secret>=<url>``, ``-ssh-git=<secret>=<host[:port][/path]>``,
``-basic-docker=<secret>=<registry>``, ``-docker-config=<secret>``,
``-docker-cfg=<secret>``.

As Go's ``flag.Value.Set`` does, each flag reads its Secret's files while the flags are
parsed (:func:`load`; a failure is a flag error, exit 1). After the subcommands,
:func:`write` writes ``.docker/config.json``, then ``.gitconfig`` and
``.git-credentials``, then ``.ssh/{id_<secret>,config,known_hosts}`` (and ``insteadOf``
blocks appended to ``.gitconfig`` for repository-specific ssh keys) into
``/tekton/creds``; ``creds.copy_creds_to_home`` then copies them into ``$HOME``.
"""

from __future__ import annotations

import binascii
import json
import os
from typing import NamedTuple

from tektite.entrypoint import creds_url
from tektite.entrypoint.gostyle import go_quote, path_error, read_op
from tektite.entrypoint.termination import go_json_string

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

USERNAME_KEY = "username"
PASSWORD_KEY = "password"
SSH_PRIVATE_KEY = "ssh-privatekey"
KNOWN_HOSTS_KEY = "known_hosts"
DOCKER_CFG_KEY = ".dockercfg"
DOCKER_CONFIG_JSON_KEY = ".dockerconfigjson"
SECRETS_DIR_NAME = "creds-secrets"
"""``/tekton/creds-secrets``: under the Tekton root, like every path the wrapper uses."""

FLAG_ORDER = ("basic-docker", "docker-config", "docker-cfg", "basic-git", "ssh-git")
_DEFAULT_SSH_PORT = "22"
_FILE_MODE = 0o600
_DIR_MODE = 0o777  # os.ModePerm, narrowed by the umask


class FlagValueError(Exception):
    """A creds-init flag's ``Set`` failed: Go's ``invalid value … for flag …`` text."""

    def __init__(self, flag: str, value: str, reason: str) -> None:
        super().__init__(f'invalid value "{value}" for flag -{flag}: {reason}')


class WriteError(Exception):
    """Writing a credential file failed (logged, never fatal)."""


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise OSError(error.errno, path_error(read_op(error), path, error)) from None


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _split_secret_url(value: str) -> tuple[str, str]:
    parts = value.split("=")
    if len(parts) != 2:
        raise ValueError(f"expect entries of the form secret=url, got: {value}")
    return parts[0], parts[1]


# -- docker ---------------------------------------------------------------------------------


class DockerEntry(NamedTuple):
    """One ``auths`` entry of a docker ``config.json`` (Tekton's ``entry``)."""

    username: str = ""
    password: str = ""
    auth: str = ""
    email: str = ""

    def to_go_json(self) -> str:
        """As ``json.Marshal`` writes it: omitempty on all but ``auth``."""
        parts = []
        if self.username:
            parts.append(f'"username":{go_json_string(self.username)}')
        if self.password:
            parts.append(f'"password":{go_json_string(self.password)}')
        parts.append(f'"auth":{go_json_string(self.auth)}')
        if self.email:
            parts.append(f'"email":{go_json_string(self.email)}')
        return "{" + ",".join(parts) + "}"


def _entry_from_json(value: object, where: str) -> DockerEntry:
    # encoding/json: keys match field names case-insensitively; unknown keys are dropped.
    if value is None:
        return DockerEntry()
    if not isinstance(value, dict):
        raise ValueError(
            f"json: cannot unmarshal {_json_kind(value)} into Go value of type {where}"
        )
    fields: dict[str, str] = {}
    for key, item in value.items():
        name = key.lower()
        if name not in ("username", "password", "auth", "email") or item is None:
            continue
        if not isinstance(item, str):
            raise ValueError(
                f"json: cannot unmarshal {_json_kind(item)} into Go struct field "
                f"entry.{name} of type string"
            )
        fields[name] = item
    return DockerEntry(**fields)


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _json_object(data: bytes) -> object:
    try:
        return json.loads(_text(data))
    except ValueError as error:
        raise ValueError(f"invalid character in JSON: {error}") from None


def auths_from_dockercfg(data: bytes) -> dict[str, DockerEntry]:
    """``authsFromDockerCfg``: a ``.dockercfg`` is the ``auths`` map itself."""
    parsed = _json_object(data)
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise ValueError(
            f"json: cannot unmarshal {_json_kind(parsed)} into Go value of type "
            "map[string]dockercreds.entry"
        )
    return {k: _entry_from_json(v, "dockercreds.entry") for k, v in parsed.items()}


def auths_from_docker_config(data: bytes) -> dict[str, DockerEntry]:
    """``authsFromDockerConfig``: the ``auths`` of a ``.dockerconfigjson``."""
    parsed = _json_object(data)
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise ValueError(
            f"json: cannot unmarshal {_json_kind(parsed)} into Go value of type "
            "dockercreds.configFile"
        )
    auths: object = None
    for key, value in parsed.items():
        if key.lower() == "auths":
            auths = value
    if auths is None:
        return {}
    if not isinstance(auths, dict):
        raise ValueError(
            f"json: cannot unmarshal {_json_kind(auths)} into Go struct field "
            "configFile.auths of type map[string]dockercreds.entry"
        )
    return {k: _entry_from_json(v, "dockercreds.entry") for k, v in auths.items()}


def docker_config_json(auths: Mapping[str, DockerEntry]) -> str:
    """``json.Marshal(configFile{Auth: auths})``: keys sorted, as Go sorts map keys."""
    items = ",".join(
        f"{go_json_string(k)}:{auths[k].to_go_json()}"
        for k in sorted(auths, key=lambda k: k.encode("utf-8", "surrogateescape"))
    )
    return '{"auths":{' + items + "}}"


# -- git ------------------------------------------------------------------------------------


class BasicGitEntry(NamedTuple):
    """A ``-basic-git`` entry: the secret's user and password for one URL."""

    secret: str
    username: str
    password: str
    url: creds_url.GoURL

    def config_blurb(self, raw_url: str) -> str:
        """``configBlurb``: the ``[credential "<url>"]`` section of ``.gitconfig``."""
        username = self.username.replace("\\", "\\\\")
        quoted = go_quote(raw_url)
        if self.url.has_path():
            return f"[credential {quoted}]\n\tusername = {username}\n\tuseHttpPath = true\n"
        return f"[credential {quoted}]\n\tusername = {username}\n"


class SSHEntry(NamedTuple):
    """A ``-ssh-git`` entry: the secret's private key (and known hosts)."""

    secret: str
    private_key: bytes
    known_hosts: bytes

    def path(self, ssh_dir: str) -> str:
        """``id_<secret>`` in the ``.ssh`` directory."""
        return os.path.join(ssh_dir, "id_" + self.secret)


def parse_ssh_url(raw: str) -> tuple[str, str, str]:
    """``parseSSHURL``: ``host[:port][/path]`` → (host, port or 22, ``/path`` or "")."""
    path = ""
    slash = raw.find("/")
    if slash >= 0:
        raw, path = raw[:slash], raw[slash:]
    try:
        host, port = creds_url.split_host_port(raw)
    except ValueError:
        host, port = raw, _DEFAULT_SSH_PORT
    return host, port, path


def ssh_host_alias(host: str, repo_path: str) -> str:
    """``sshHostAlias``: ``github.com`` + ``/org/repo`` → ``github.com--org--repo``."""
    return host + "--" + repo_path.removeprefix("/").replace("/", "--")


def instead_of_entries(alias: str, host: str, port: str, repo_path: str) -> list[str]:
    """``insteadOfEntries``: ``.gitconfig`` blocks that send a repository's ssh URLs
    (scp-style and ``ssh://``) through its host alias."""
    path = repo_path.removeprefix("/")
    entries = [f'[url "git@{alias}:{path}.git"]\n\tinsteadOf = git@{host}:{path}.git\n']
    if port != _DEFAULT_SSH_PORT:
        entries.append(
            f'[url "ssh://{alias}/{path}.git"]\n\tinsteadOf = ssh://{host}:{port}/{path}.git\n'
        )
    else:
        entries.append(f'[url "ssh://{alias}/{path}.git"]\n\tinsteadOf = ssh://{host}/{path}.git\n')
    return entries


# -- the flags ------------------------------------------------------------------------------


class Credentials:
    """What the creds-init flags set (Tekton's package-level flag variables)."""

    __slots__ = (
        "basic_docker",
        "basic_git",
        "docker_cfg",
        "docker_config",
        "secrets_dir",
        "ssh_git",
    )

    def __init__(self, secrets_dir: str = "/tekton/creds-secrets") -> None:
        self.basic_docker: dict[str, DockerEntry] = {}
        self.docker_config: list[str] = []
        self.docker_cfg: list[str] = []
        self.basic_git: dict[str, BasicGitEntry] = {}
        """URL → entry, in the order the flags came."""
        self.ssh_git: dict[str, list[SSHEntry]] = {}
        """URL → entries, in the order the URLs first came."""
        self.secrets_dir = secrets_dir

    def empty(self) -> bool:
        """No credential flag was given."""
        return not (
            self.basic_docker
            or self.docker_config
            or self.docker_cfg
            or self.basic_git
            or self.ssh_git
        )


def _secret_file(creds: Credentials, secret: str, key: str) -> bytes:
    return _read(os.path.join(creds.secrets_dir, secret, key))


def _set_basic_docker(creds: Credentials, value: str) -> None:
    secret, url = _split_secret_url(value)
    if url in creds.basic_docker:
        raise ValueError(f"multiple entries for url: {url}")
    username = _text(_secret_file(creds, secret, USERNAME_KEY))
    password = _text(_secret_file(creds, secret, PASSWORD_KEY))
    raw = f"{username}:{password}".encode("utf-8", "surrogateescape")
    auth = binascii.b2a_base64(raw, newline=False).decode()
    creds.basic_docker[url] = DockerEntry(username, password, auth, "not@val.id")


def _set_basic_git(creds: Credentials, value: str) -> None:
    secret, url = _split_secret_url(value)
    if url in creds.basic_git:
        raise ValueError(f"multiple entries for url: {url}")
    username = _text(_secret_file(creds, secret, USERNAME_KEY))
    password = _text(_secret_file(creds, secret, PASSWORD_KEY))
    try:
        parsed = creds_url.parse(url)
    except creds_url.URLError as error:
        raise ValueError(str(error)) from None
    creds.basic_git[url] = BasicGitEntry(secret, username, password, parsed)


def _set_ssh_git(creds: Credentials, value: str) -> None:
    secret, url = _split_secret_url(value)
    key = _secret_file(creds, secret, SSH_PRIVATE_KEY)
    try:
        known_hosts = _secret_file(creds, secret, KNOWN_HOSTS_KEY)
    except OSError:
        known_hosts = b""
    creds.ssh_git.setdefault(url, []).append(SSHEntry(secret, key, known_hosts))


def load(values: Sequence[tuple[str, str]], secrets_dir: str) -> Credentials:
    """Apply the creds-init flags ``(name, value)`` in order, reading the Secrets under
    ``secrets_dir``; raises :class:`FlagValueError` as Go's flag parsing fails."""
    creds = Credentials(secrets_dir=secrets_dir)
    for name, value in values:
        try:
            if name == "basic-docker":
                _set_basic_docker(creds, value)
            elif name == "docker-config":
                creds.docker_config.append(value)
            elif name == "docker-cfg":
                creds.docker_cfg.append(value)
            elif name == "basic-git":
                _set_basic_git(creds, value)
            elif name == "ssh-git":
                _set_ssh_git(creds, value)
        except OSError as error:
            raise FlagValueError(name, value, str(error.strerror)) from None
        except ValueError as error:
            raise FlagValueError(name, value, str(error)) from None
    return creds


def flag_values(credentials: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """The parsed repeated flags as ``(name, value)`` pairs, docker flags first (the
    order in which a Pod builder writes them)."""
    return [(name, v) for name in FLAG_ORDER for v in credentials.get(name, ())]


# -- writing --------------------------------------------------------------------------------


def _write_file(path: str, content: bytes, *, append: bool = False) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    try:
        fd = os.open(path, flags, _FILE_MODE)
    except OSError as error:
        raise WriteError(path_error("open", path, error)) from None
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as error:
        raise WriteError(path_error("write", path, error)) from None
    finally:
        os.close(fd)


def _mkdir_all(path: str) -> None:
    try:
        os.makedirs(path, _DIR_MODE, exist_ok=True)
    except OSError as error:
        raise WriteError(path_error("mkdir", path, error)) from None


def write_docker(creds: Credentials, directory: str) -> None:
    """The docker builder's ``Write``: ``.docker/config.json`` from the ``.dockercfg``
    Secrets, then the ``.dockerconfigjson`` ones, then ``-basic-docker`` (later wins);
    nothing when there is no entry."""
    auths: dict[str, DockerEntry] = {}
    sources = [(s, DOCKER_CFG_KEY, auths_from_dockercfg) for s in creds.docker_cfg]
    sources += [(s, DOCKER_CONFIG_JSON_KEY, auths_from_docker_config) for s in creds.docker_config]
    for secret, key, reader in sources:
        try:
            auths.update(reader(_secret_file(creds, secret, key)))
        except OSError as error:
            raise WriteError(str(error.strerror)) from None
        except ValueError as error:
            raise WriteError(str(error)) from None
    auths.update(creds.basic_docker)
    if not auths:
        return
    docker_dir = os.path.join(directory, ".docker")
    _mkdir_all(docker_dir)
    _write_file(os.path.join(docker_dir, "config.json"), docker_config_json(auths).encode())


def write_basic_git(creds: Credentials, directory: str) -> None:
    """``basicGitConfig.Write``: ``.gitconfig`` (credential helper ``store`` and one
    section per URL) and ``.git-credentials`` (host-only URLs first)."""
    if not creds.basic_git:
        return
    config = "[credential]\n\thelper = store\n"
    config += "".join(e.config_blurb(url) for url, e in creds.basic_git.items())
    _write_file(os.path.join(directory, ".gitconfig"), config.encode("utf-8", "surrogateescape"))
    # A stable sort: host-only URLs, the fallbacks, before repository-specific ones.
    ordered = sorted(creds.basic_git.values(), key=lambda e: e.url.has_path())
    lines = [e.url.with_user_password(e.username, e.password) for e in ordered]
    content = "\n".join([*lines, ""])
    _write_file(
        os.path.join(directory, ".git-credentials"), content.encode("utf-8", "surrogateescape")
    )


def write_ssh_git(creds: Credentials, directory: str) -> None:
    """``sshGitConfig.Write``: ``.ssh/id_<secret>``, ``.ssh/config`` (a ``Host`` per URL,
    host-only URLs first), ``.ssh/known_hosts``, and ``insteadOf`` blocks appended to
    ``.gitconfig`` for repository-specific URLs."""
    if not creds.ssh_git:
        return
    ssh_dir = os.path.join(directory, ".ssh")
    _mkdir_all(ssh_dir)
    ordered = sorted(creds.ssh_git, key=lambda url: parse_ssh_url(url)[2] != "")
    config: list[str] = []
    known_hosts: list[bytes] = []
    git_config: list[str] = []
    for url in ordered:
        host, port, repo_path = parse_ssh_url(url)
        ssh_host = host
        if repo_path:
            ssh_host = ssh_host_alias(host, repo_path)
            git_config += instead_of_entries(ssh_host, host, port, repo_path)
        entry = f"Host {ssh_host}\n    HostName {host}\n    Port {port}\n"
        for e in creds.ssh_git[url]:
            _write_file(e.path(ssh_dir), e.private_key)
            entry += f"    IdentityFile {e.path(ssh_dir)}\n"
            if e.known_hosts:
                known_hosts.append(e.known_hosts)
        config.append(entry)
    _write_file(os.path.join(ssh_dir, "config"), "".join(config).encode("utf-8", "surrogateescape"))
    if known_hosts:
        _write_file(os.path.join(ssh_dir, "known_hosts"), b"\n".join(known_hosts))
    if git_config:
        _write_file(
            os.path.join(directory, ".gitconfig"),
            "".join(git_config).encode("utf-8", "surrogateescape"),
            append=True,
        )


def write(creds: Credentials, directory: str) -> list[str]:
    """Write every credential file into ``directory`` (``/tekton/creds``) as Tekton's
    main does: the docker builder, then the git builder (basic, then ssh, which stops at
    the basic writer's error). Returns the errors, which Tekton only logs."""
    errors: list[str] = []
    try:
        write_docker(creds, directory)
    except WriteError as error:
        errors.append(str(error))
    try:
        write_basic_git(creds, directory)
        write_ssh_git(creds, directory)
    except WriteError as error:
        errors.append(str(error))
    return errors
