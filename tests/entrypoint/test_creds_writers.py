"""The creds-init writers, golden against Tekton's ``pkg/credentials/{gitcreds,
dockercreds,writer}/*_test.go``: the same Secret files in, the same bytes out.

The writer tests call the functions in-process on real files in a temporary directory;
the last tests run the real wrapper (``python -m tektite.entrypoint``) with the flags a
Pod gets, as a step would.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from entrypoint_pod import Pod

from tektite.entrypoint import creds_url
from tektite.entrypoint.creds import copy_creds_to_home
from tektite.entrypoint.creds_writers import (
    FlagValueError,
    flag_values,
    load,
    parse_ssh_url,
    write,
)


def secret(base: Path, name: str, **files: str) -> None:
    """A Secret volume as the kubelet mounts it: one file per key."""
    d = base / name
    d.mkdir(parents=True, exist_ok=True)
    for key, value in files.items():
        (d / key.replace("_dot_", ".")).write_text(value)


def run(base: Path, *flags: str) -> Path:
    """Parse the flags against ``base/secrets``, write into ``base/creds``."""
    values = [tuple(f.lstrip("-").split("=", 1)) for f in flags]
    creds = load([(n, v) for n, v in values], str(base / "secrets"))
    out = base / "creds"
    out.mkdir(exist_ok=True)
    assert write(creds, str(out)) == []
    return out


def read(path: Path) -> str:
    return path.read_text()


# -- gitcreds: basic ------------------------------------------------------------------------


def test_basic_flag_handling(tmp_path: Path) -> None:  # TestBasicFlagHandling
    secret(tmp_path / "secrets", "foo", username="bar", password="baz")
    out = run(tmp_path, "-basic-git=foo=https://github.com")
    assert read(out / ".gitconfig") == (
        '[credential]\n\thelper = store\n[credential "https://github.com"]\n\tusername = bar\n'
    )
    assert read(out / ".git-credentials") == "https://bar:baz@github.com\n"
    assert stat.S_IMODE((out / ".git-credentials").stat().st_mode) == 0o600


def test_basic_flag_handling_twice(tmp_path: Path) -> None:  # TestBasicFlagHandlingTwice
    secret(tmp_path / "secrets", "foo", username="asdf", password="blah")
    secret(tmp_path / "secrets", "bar", username="bleh", password="belch")
    out = run(tmp_path, "-basic-git=foo=https://github.com", "-basic-git=bar=https://gitlab.com")
    assert read(out / ".gitconfig") == (
        "[credential]\n\thelper = store\n"
        '[credential "https://github.com"]\n\tusername = asdf\n'
        '[credential "https://gitlab.com"]\n\tusername = bleh\n'
    )
    assert read(out / ".git-credentials") == (
        "https://asdf:blah@github.com\nhttps://bleh:belch@gitlab.com\n"
    )


def test_basic_multiple_repos_same_host(tmp_path: Path) -> None:
    secret(tmp_path / "secrets", "repo1-creds", username="user1", password="token1")
    secret(tmp_path / "secrets", "repo2-creds", username="user2", password="token2")
    out = run(
        tmp_path,
        "-basic-git=repo1-creds=https://github.com/org/repo1",
        "-basic-git=repo2-creds=https://github.com/org/repo2",
    )
    assert read(out / ".gitconfig") == (
        "[credential]\n\thelper = store\n"
        '[credential "https://github.com/org/repo1"]\n\tusername = user1\n\tuseHttpPath = true\n'
        '[credential "https://github.com/org/repo2"]\n\tusername = user2\n\tuseHttpPath = true\n'
    )
    assert read(out / ".git-credentials") == (
        "https://user1:token1@github.com/org/repo1\nhttps://user2:token2@github.com/org/repo2\n"
    )


def test_basic_mixed_credentials_host_wide_first(tmp_path: Path) -> None:
    secret(tmp_path / "secrets", "host-wide-creds", username="myorguser", password="host-token")
    secret(tmp_path / "secrets", "repo-specific-creds", username="foo", password="repo-token")
    out = run(
        tmp_path,
        "-basic-git=repo-specific-creds=https://github.com/secret-org/private-repo",
        "-basic-git=host-wide-creds=https://github.com",
    )
    assert read(out / ".gitconfig") == (
        "[credential]\n\thelper = store\n"
        '[credential "https://github.com/secret-org/private-repo"]\n'
        "\tusername = foo\n\tuseHttpPath = true\n"
        '[credential "https://github.com"]\n\tusername = myorguser\n'
    )
    assert read(out / ".git-credentials") == (
        "https://myorguser:host-token@github.com\n"
        "https://foo:repo-token@github.com/secret-org/private-repo\n"
    )


def test_basic_backslash_in_username(tmp_path: Path) -> None:  # TestBasicBackslashInUsername
    secret(tmp_path / "secrets", "foo", username="foo\\bar\\banana", password="baz")
    out = run(tmp_path, "-basic-git=foo=https://github.com")
    assert read(out / ".gitconfig") == (
        "[credential]\n\thelper = store\n"
        '[credential "https://github.com"]\n\tusername = foo\\\\bar\\\\banana\n'
    )
    assert read(out / ".git-credentials") == "https://foo%5Cbar%5Cbanana:baz@github.com\n"


def test_userinfo_is_escaped_as_go_does(tmp_path: Path) -> None:
    # url.UserPassword(...).String(): only '@', '/', '?', ':' of the reserved set and
    # everything outside it are percent-encoded; '$&+,;=' stay.
    secret(tmp_path / "secrets", "foo", username="me@corp", password="p:a/s?s w$&+,;=%")
    out = run(tmp_path, "-basic-git=foo=https://git.example.com:8443/x")
    assert read(out / ".git-credentials") == (
        "https://me%40corp:p%3Aa%2Fs%3Fs%20w$&+,;=%25@git.example.com:8443/x\n"
    )


def test_basic_missing_files_and_collisions(tmp_path: Path) -> None:
    (tmp_path / "secrets" / "not-found").mkdir(parents=True)
    missing = tmp_path / "secrets" / "not-found" / "username"
    with pytest.raises(FlagValueError) as error:
        load([("basic-git", "not-found=https://github.com")], str(tmp_path / "secrets"))
    assert str(error.value) == (
        'invalid value "not-found=https://github.com" for flag -basic-git: '
        f"open {missing}: no such file or directory"
    )
    secret(tmp_path / "secrets", "foo", username="bar", password="baz")
    with pytest.raises(FlagValueError, match=r"multiple entries for url: https://github\.com$"):
        load(
            [("basic-git", "foo=https://github.com"), ("basic-git", "foo=https://github.com")],
            str(tmp_path / "secrets"),
        )


@pytest.mark.parametrize("flag", ["basic-git", "ssh-git", "basic-docker"])
@pytest.mark.parametrize("value", ["bar=baz=blah", "bar"])
def test_malformed_values(tmp_path: Path, flag: str, value: str) -> None:
    with pytest.raises(FlagValueError) as error:
        load([(flag, value)], str(tmp_path))
    assert str(error.value) == (
        f'invalid value "{value}" for flag -{flag}: '
        f"expect entries of the form secret=url, got: {value}"
    )


# -- gitcreds: ssh --------------------------------------------------------------------------


def test_ssh_flag_handling(tmp_path: Path) -> None:  # TestSSHFlagHandling
    _ssh_secret(tmp_path, "foo", "bar", "ssh-rsa blah")
    out = run(tmp_path, "-ssh-git=foo=github.com")
    assert read(out / ".ssh" / "config") == (
        f"Host github.com\n    HostName github.com\n    Port 22\n"
        f"    IdentityFile {out}/.ssh/id_foo\n"
    )
    assert read(out / ".ssh" / "known_hosts") == "ssh-rsa blah"
    assert read(out / ".ssh" / "id_foo") == "bar"
    assert not (out / ".gitconfig").exists()


def _ssh_secret(base: Path, name: str, key: str, known_hosts: str | None = None) -> None:
    d = base / "secrets" / name
    d.mkdir(parents=True)
    (d / "ssh-privatekey").write_text(key)
    if known_hosts is not None:
        (d / "known_hosts").write_text(known_hosts)


def test_ssh_flag_handling_thrice(tmp_path: Path) -> None:  # TestSSHFlagHandlingThrice
    _ssh_secret(tmp_path, "foo", "asdf", "ssh-rsa aaaa")
    _ssh_secret(tmp_path, "bar", "bleh", "ssh-rsa bbbb")
    _ssh_secret(tmp_path, "baz", "derp", "ssh-rsa cccc")
    out = run(
        tmp_path,
        "-ssh-git=foo=github.com",
        "-ssh-git=bar=github.com",
        "-ssh-git=baz=gitlab.example.com:2222",
    )
    assert read(out / ".ssh" / "config") == (
        "Host github.com\n    HostName github.com\n    Port 22\n"
        f"    IdentityFile {out}/.ssh/id_foo\n    IdentityFile {out}/.ssh/id_bar\n"
        "Host gitlab.example.com\n    HostName gitlab.example.com\n    Port 2222\n"
        f"    IdentityFile {out}/.ssh/id_baz\n"
    )
    assert read(out / ".ssh" / "known_hosts") == "ssh-rsa aaaa\nssh-rsa bbbb\nssh-rsa cccc"
    assert [read(out / ".ssh" / f"id_{n}") for n in ("foo", "bar", "baz")] == [
        "asdf",
        "bleh",
        "derp",
    ]


def test_ssh_multiple_repos_same_host(tmp_path: Path) -> None:
    _ssh_secret(tmp_path, "repo1-secret", "key-for-repo1", "ssh-rsa repo1-host-key")
    _ssh_secret(tmp_path, "repo2-secret", "key-for-repo2", "ssh-rsa repo2-host-key")
    out = run(
        tmp_path,
        "-ssh-git=repo1-secret=github.com/org/repo1",
        "-ssh-git=repo2-secret=github.com/org/repo2",
    )
    assert read(out / ".ssh" / "config") == (
        "Host github.com--org--repo1\n    HostName github.com\n    Port 22\n"
        f"    IdentityFile {out}/.ssh/id_repo1-secret\n"
        "Host github.com--org--repo2\n    HostName github.com\n    Port 22\n"
        f"    IdentityFile {out}/.ssh/id_repo2-secret\n"
    )
    assert read(out / ".gitconfig") == (
        '[url "git@github.com--org--repo1:org/repo1.git"]\n'
        "\tinsteadOf = git@github.com:org/repo1.git\n"
        '[url "ssh://github.com--org--repo1/org/repo1.git"]\n'
        "\tinsteadOf = ssh://github.com/org/repo1.git\n"
        '[url "git@github.com--org--repo2:org/repo2.git"]\n'
        "\tinsteadOf = git@github.com:org/repo2.git\n"
        '[url "ssh://github.com--org--repo2/org/repo2.git"]\n'
        "\tinsteadOf = ssh://github.com/org/repo2.git\n"
    )


def test_ssh_mixed_credentials_host_wide_first(tmp_path: Path) -> None:
    _ssh_secret(tmp_path, "repo-specific", "repo-key", "ssh-rsa repo-known")
    _ssh_secret(tmp_path, "host-wide", "host-key", "ssh-rsa host-known")
    out = run(
        tmp_path,
        "-ssh-git=repo-specific=github.com/org/private-repo",
        "-ssh-git=host-wide=github.com",
    )
    assert read(out / ".ssh" / "config") == (
        "Host github.com\n    HostName github.com\n    Port 22\n"
        f"    IdentityFile {out}/.ssh/id_host-wide\n"
        "Host github.com--org--private-repo\n    HostName github.com\n    Port 22\n"
        f"    IdentityFile {out}/.ssh/id_repo-specific\n"
    )
    assert read(out / ".gitconfig") == (
        '[url "git@github.com--org--private-repo:org/private-repo.git"]\n'
        "\tinsteadOf = git@github.com:org/private-repo.git\n"
        '[url "ssh://github.com--org--private-repo/org/private-repo.git"]\n'
        "\tinsteadOf = ssh://github.com/org/private-repo.git\n"
    )


def test_ssh_repo_specific_with_custom_port(tmp_path: Path) -> None:
    _ssh_secret(tmp_path, "myrepo", "custom-port-key")
    out = run(tmp_path, "-ssh-git=myrepo=gitlab.example.com:2222/team/project")
    assert read(out / ".ssh" / "config") == (
        "Host gitlab.example.com--team--project\n    HostName gitlab.example.com\n"
        f"    Port 2222\n    IdentityFile {out}/.ssh/id_myrepo\n"
    )
    assert read(out / ".gitconfig") == (
        '[url "git@gitlab.example.com--team--project:team/project.git"]\n'
        "\tinsteadOf = git@gitlab.example.com:team/project.git\n"
        '[url "ssh://gitlab.example.com--team--project/team/project.git"]\n'
        "\tinsteadOf = ssh://gitlab.example.com:2222/team/project.git\n"
    )
    assert not (out / ".ssh" / "known_hosts").exists()


def test_ssh_basic_and_insteadof_share_gitconfig(tmp_path: Path) -> None:
    # The basic writer truncates .gitconfig, the ssh writer appends to it.
    secret(tmp_path / "secrets", "basic", username="u", password="p")
    _ssh_secret(tmp_path, "key", "k")
    out = run(tmp_path, "-basic-git=basic=https://github.com", "-ssh-git=key=github.com/o/r")
    assert read(out / ".gitconfig") == (
        '[credential]\n\thelper = store\n[credential "https://github.com"]\n\tusername = u\n'
        '[url "git@github.com--o--r:o/r.git"]\n\tinsteadOf = git@github.com:o/r.git\n'
        '[url "ssh://github.com--o--r/o/r.git"]\n\tinsteadOf = ssh://github.com/o/r.git\n'
    )


@pytest.mark.parametrize(
    ("raw", "want"),
    [  # TestParseSSHURL
        ("github.com", ("github.com", "22", "")),
        ("github.com:2222", ("github.com", "2222", "")),
        ("github.com/org/repo", ("github.com", "22", "/org/repo")),
        ("github.com:2222/org/repo", ("github.com", "2222", "/org/repo")),
        ("gitlab.example.com", ("gitlab.example.com", "22", "")),
        ("gitlab.example.com:3333/team/project", ("gitlab.example.com", "3333", "/team/project")),
        ("[::1]:2200", ("::1", "2200", "")),
        ("a:b:c", ("a:b:c", "22", "")),  # too many colons: Go falls back to the whole text
    ],
)
def test_parse_ssh_url(raw: str, want: tuple[str, str, str]) -> None:
    assert parse_ssh_url(raw) == want


def test_ssh_missing_key_is_a_flag_error(tmp_path: Path) -> None:  # TestSSHFlagHandlingMissingFiles
    (tmp_path / "not-found").mkdir()
    with pytest.raises(FlagValueError, match=r"ssh-privatekey: no such file or directory$"):
        load([("ssh-git", "not-found=github.com")], str(tmp_path))


# -- dockercreds ----------------------------------------------------------------------------


def test_docker_flag_handling(tmp_path: Path) -> None:  # TestFlagHandling
    secret(tmp_path / "secrets", "foo", username="bar", password="baz")
    out = run(tmp_path, "-basic-docker=foo=https://us.gcr.io")
    assert read(out / ".docker" / "config.json") == (
        '{"auths":{"https://us.gcr.io":{"username":"bar","password":"baz",'
        '"auth":"YmFyOmJheg==","email":"not@val.id"}}}'
    )


def test_docker_flag_handling_twice(tmp_path: Path) -> None:  # TestFlagHandlingTwice
    secret(tmp_path / "secrets", "foo", username="asdf", password="blah")
    secret(tmp_path / "secrets", "bar", username="bleh", password="belch")
    out = run(
        tmp_path, "-basic-docker=foo=https://us.gcr.io", "-basic-docker=bar=https://eu.gcr.io"
    )
    assert read(out / ".docker" / "config.json") == (
        '{"auths":{"https://eu.gcr.io":{"username":"bleh","password":"belch",'
        '"auth":"YmxlaDpiZWxjaA==","email":"not@val.id"},"https://us.gcr.io":'
        '{"username":"asdf","password":"blah","auth":"YXNkZjpibGFo","email":"not@val.id"}}}'
    )


def test_docker_multiple_flag_handling(tmp_path: Path) -> None:  # TestMultipleFlagHandling
    s = tmp_path / "secrets"
    secret(s, "foo", username="bar", password="baz")
    secret(
        s,
        "bar",
        _dot_dockerconfigjson='{"auths":{"https://index.docker.io/v1":{"auth":"fooisbar"}}}',
    )
    secret(s, "blubb", _dot_dockerconfigjson='{"auths":{"us.icr.io":{"auth":"fooisblubb"}}}')
    secret(s, "baz", _dot_dockercfg='{"https://my.registry/v1":{"auth":"fooisbaz"}}')
    secret(s, "bla", _dot_dockercfg='{"de.icr.io":{"auth":"fooisbla"}}')
    out = run(
        tmp_path,
        "-basic-docker=foo=https://us.gcr.io",
        "-docker-config=bar",
        "-docker-config=blubb",
        "-docker-cfg=baz",
        "-docker-cfg=bla",
    )
    assert read(out / ".docker" / "config.json") == (
        '{"auths":{"de.icr.io":{"auth":"fooisbla"},"https://index.docker.io/v1":'
        '{"auth":"fooisbar"},"https://my.registry/v1":{"auth":"fooisbaz"},'
        '"https://us.gcr.io":{"username":"bar","password":"baz","auth":"YmFyOmJheg==",'
        '"email":"not@val.id"},"us.icr.io":{"auth":"fooisblubb"}}}'
    )


def test_docker_precedence_basic_over_config_over_cfg(tmp_path: Path) -> None:
    s = tmp_path / "secrets"
    secret(s, "basic", username="u", password="p")
    secret(
        s, "json", _dot_dockerconfigjson='{"auths":{"r.io":{"auth":"json"},"q.io":{"Auth":"J"}}}'
    )
    secret(s, "cfg", _dot_dockercfg='{"r.io":{"auth":"cfg"},"q.io":{"auth":"cfg"}}')
    out = run(tmp_path, "-docker-cfg=cfg", "-docker-config=json", "-basic-docker=basic=r.io")
    assert read(out / ".docker" / "config.json") == (
        '{"auths":{"q.io":{"auth":"J"},"r.io":{"username":"u","password":"p",'
        '"auth":"dTpw","email":"not@val.id"}}}'
    )


def test_no_auth_provided_writes_nothing(tmp_path: Path) -> None:  # TestNoAuthProvided
    out = run(tmp_path)
    assert list(out.iterdir()) == []


def test_unreadable_docker_config_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "secrets" / "gone").mkdir(parents=True)
    creds = load([("docker-config", "gone")], str(tmp_path / "secrets"))
    missing = tmp_path / "secrets" / "gone" / ".dockerconfigjson"
    assert write(creds, str(tmp_path)) == [f"open {missing}: no such file or directory"]


# -- writer: CopyCredsToHome ----------------------------------------------------------------


def test_copy_creds_to_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tmp_path / "creds"
    (creds / ".docker").mkdir(parents=True)
    (creds / ".docker" / "important-credential.json").write_text("abc")
    (creds / ".git-credentials").write_text("xyz")
    (creds / "unrelated").write_text("not copied")
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    copy_creds_to_home(str(creds))
    assert (home / ".docker" / "important-credential.json").read_text() == "abc"
    assert stat.S_IMODE((home / ".docker").stat().st_mode) == 0o700 & ~_umask()
    assert (home / ".git-credentials").read_text() == "xyz"
    assert stat.S_IMODE((home / ".git-credentials").stat().st_mode) == 0o600
    assert not (home / "unrelated").exists()
    assert not (home / ".ssh").exists()  # a missing source is not an error


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- the URL port ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("https://github.com", "https://u:p@github.com"),
        ("https://github.com/", "https://u:p@github.com/"),
        ("https://old:x@github.com/a b", "https://u:p@github.com/a%20b"),
        ("https://github.com/a%2Fb?q=1#f", "https://u:p@github.com/a%2Fb?q=1#f"),
        ("github.com", "//u:p@github.com"),
    ],
)
def test_url_with_user_password(raw: str, want: str) -> None:
    assert creds_url.parse(raw).with_user_password("u", "p") == want


def test_url_errors_are_go_errors() -> None:
    with pytest.raises(
        creds_url.URLError, match=r'^parse "https://h/%zz": invalid URL escape "%zz"$'
    ):
        creds_url.parse("https://h/%zz")
    with pytest.raises(creds_url.URLError, match=r'^parse ":x": missing protocol scheme$'):
        creds_url.parse(":x")


# -- through the real wrapper ---------------------------------------------------------------


def test_wrapper_writes_creds_and_copies_them_home(pod: Pod) -> None:
    secrets = pod.root / "creds-secrets"
    secret(secrets, "git-basic", username="octo", password="s3cret")
    (secrets / "git-ssh").mkdir()
    (secrets / "git-ssh" / "ssh-privatekey").write_text("PRIVATE")
    (secrets / "git-ssh" / "known_hosts").write_text("localhost ssh-ed25519 AAAA")
    secret(secrets, "reg", _dot_dockerconfigjson='{"auths":{"reg.example":{"auth":"eDp5"}}}')
    (pod.root / "creds").mkdir()
    home = pod.base / "home"
    flags = [
        "-docker-config=reg",
        "-basic-git=git-basic=https://git.example.com",
        "-ssh-git=git-ssh=localhost",
    ]
    result = pod.run(
        pod.step_flags(0, *flags, "-entrypoint", "cat", "--", f"{home}/.git-credentials")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "https://octo:s3cret@git.example.com\n"
    assert (pod.root / "creds" / ".git-credentials").read_text() == result.stdout
    assert (home / ".docker" / "config.json").read_text() == (
        '{"auths":{"reg.example":{"auth":"eDp5"}}}'
    )
    assert (home / ".ssh" / "config").read_text() == (
        "Host localhost\n    HostName localhost\n    Port 22\n"
        f"    IdentityFile {pod.root}/creds/.ssh/id_git-ssh\n"
    )
    assert (home / ".ssh" / "id_git-ssh").read_text() == "PRIVATE"
    assert (home / ".ssh" / "known_hosts").read_text() == "localhost ssh-ed25519 AAAA"


def test_wrapper_logs_a_write_error_and_runs_the_step(pod: Pod) -> None:
    (pod.root / "creds-secrets" / "bad").mkdir(parents=True)
    (pod.root / "creds-secrets" / "bad" / ".dockercfg").write_text("[1]")
    result = pod.run(pod.step_flags(0, "-docker-cfg=bad", "-entrypoint", "true"))
    assert result.returncode == 0
    assert result.stderr.endswith(
        " Error initializing credentials: json: cannot unmarshal array into Go value of "
        "type map[string]dockercreds.entry\n"
    )


def test_flag_values_put_docker_flags_first() -> None:
    assert flag_values({"ssh-git": ["a=b"], "docker-cfg": ["c"], "basic-git": ["d=e", "f=g"]}) == [
        ("docker-cfg", "c"),
        ("basic-git", "d=e"),
        ("basic-git", "f=g"),
        ("ssh-git", "a=b"),
    ]
