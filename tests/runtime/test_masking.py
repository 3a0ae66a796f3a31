"""Secret masking: the streaming masker (property-based) and which Secrets a Pod uses."""

from __future__ import annotations

import asyncio
import itertools
import os
import stat
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tekton_pod import DictCluster

from tektite.engine.pod_status import RESULTS_SIDECAR_CONTAINER
from tektite.runtime.masking import (
    MASK,
    MAX_PATTERN_LENGTH,
    UNMASKED_CONTAINERS,
    SecretMasker,
    mask,
    mask_patterns,
    open_log,
    relay_finished,
    secret_refs,
    secret_values,
    start_relay,
)

# A small alphabet makes secrets overlap, repeat and share prefixes often; no "*", so
# a secret can never be made of mask characters.
_ALPHABET = b"ab\nc "
secrets_st = st.lists(
    st.binary(min_size=1, max_size=9).map(lambda b: bytes(_ALPHABET[x % 5] for x in b)),
    min_size=1,
    max_size=4,
)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[bytes], bytes, list[int]]:
    """Secrets, a stream mixing them with noise, and cut points splitting the stream."""
    secrets = draw(secrets_st)
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(secrets),
                st.binary(max_size=6).map(lambda b: bytes(_ALPHABET[x % 5] for x in b)),
                st.binary(max_size=4),
            ),
            max_size=12,
        )
    )
    data = b"".join(parts)
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=8)))
    return secrets, data, cuts


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=400, deadline=None)
@given(streams())
def test_no_secret_survives_any_chunking(case: tuple[list[bytes], bytes, list[int]]) -> None:
    secrets, data, cuts = case
    masker = SecretMasker(secrets)
    patterns = mask_patterns(secrets)
    out = b""
    for chunk in _chunks(data, cuts):
        out += masker.feed(chunk)
        assert masker.pending < max((len(p) for p in patterns), default=1)
    out += masker.flush()
    # Whatever the chunking, the result is that of masking the whole stream at once...
    assert out == mask(data, secrets)
    # ...in which no secret (nor a line of one) is left.
    for pattern in patterns:
        assert pattern not in out


@settings(max_examples=200, deadline=None)
@given(streams())
def test_byte_by_byte_equals_one_shot(case: tuple[list[bytes], bytes, list[int]]) -> None:
    secrets, data, _ = case
    masker = SecretMasker(secrets)
    out = b"".join(masker.feed(data[i : i + 1]) for i in range(len(data))) + masker.flush()
    assert out == mask(data, secrets)


def test_secret_split_across_chunks_is_masked() -> None:
    masker = SecretMasker([b"hunter2"])
    assert masker.feed(b"password: hun") == b"password: "
    assert masker.pending == 3
    assert masker.feed(b"ter2 done\n") == b"*** done\n"
    assert masker.flush() == b""


def test_output_that_cannot_start_a_secret_is_not_held_back() -> None:
    masker = SecretMasker([b"hunter2"])
    assert masker.feed(b"building...\n") == b"building...\n"
    assert masker.pending == 0
    # A tail that only looks like the start of the secret waits for the next chunk...
    assert masker.feed(b"hu") == b""
    # ...and is let go when the stream ends.
    assert masker.flush() == b"hu"


def test_longest_secret_wins_and_each_line_of_a_multiline_value_is_masked() -> None:
    values = [b"abc", b"abcdef", b"-----BEGIN KEY-----\nc2VjcmV0\n-----END KEY-----\n"]
    text = b"abcdef abc abcde\nkey line: c2VjcmV0\n-----END KEY-----"
    assert mask(text, values) == b"*** *** ***de\nkey line: ***\n***"


def test_short_and_blank_values_are_not_masked() -> None:
    # "x\nyz" is long enough as a whole, its lines are not.
    assert mask_patterns([b"ab", b"  \n", b"x\nyz\n", b" tok \n"]) == [b"x\nyz", b"tok"]
    masker = SecretMasker([b"no"])
    assert not masker.active
    assert masker.feed(b"no news") == b"no news"


def _pod(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p", "namespace": "ns"}, "spec": spec}


def test_secret_values_cover_every_way_a_pod_uses_a_secret() -> None:
    cluster = DictCluster()
    cluster.secrets[("ns", "env")] = {"token": b"env-token", "other": b"not-referenced"}
    cluster.secrets[("ns", "from")] = {"API_KEY": b"from-key", "username": b"git"}
    cluster.secrets[("ns", "vol")] = {"ssh-privatekey": b"ssh-key", "known_hosts": b"host ks"}
    cluster.secrets[("ns", "items")] = {"username": b"robot", "password": b"pw-1"}
    cluster.secrets[("ns", "proj")] = {"a": b"projected-a"}
    cluster.secrets[("other", "env")] = {"token": b"wrong-namespace"}
    pod = _pod(
        initContainers=[{"name": "prepare", "envFrom": [{"secretRef": {"name": "from"}}]}],
        containers=[
            {
                "name": "step-a",
                "env": [
                    {"name": "T", "valueFrom": {"secretKeyRef": {"name": "env", "key": "token"}}},
                    {
                        "name": "M",
                        "valueFrom": {
                            "secretKeyRef": {"name": "missing", "key": "k", "optional": True}
                        },
                    },
                ],
            }
        ],
        volumes=[
            {"name": "ws-abc", "secret": {"secretName": "vol"}},
            {
                "name": "i",
                "secret": {"secretName": "items", "items": [{"key": "username", "path": "u"}]},
            },
            {"name": "pr", "projected": {"sources": [{"secret": {"name": "proj"}}]}},
            {"name": "e", "emptyDir": {}},
        ],
    )
    assert [r.name for r in secret_refs(pod)] == ["from", "env", "missing", "vol", "items", "proj"]
    # Whole Secrets skip their public keys (username, known_hosts); a key named
    # explicitly (items: username) is masked.
    assert sorted(secret_values(pod, cluster)) == sorted(
        [b"env-token", b"from-key", b"ssh-key", b"robot", b"projected-a"]
    )


def test_a_value_is_masked_as_git_credentials_writes_it_too() -> None:
    """creds-init writes a basic-auth password percent-encoded into ``.git-credentials``
    (Go's user-info escaping); a step that prints the file must not show it either."""
    cluster = DictCluster()
    cluster.secrets[("ns", "basic")] = {"password": b"p@ss:word", "multi": b"top\nse/cret"}
    pod = _pod(volumes=[{"name": "creds", "secret": {"secretName": "basic"}}])
    values = secret_values(pod, cluster)
    assert sorted(values) == sorted(
        [b"p@ss:word", b"p%40ss%3Aword", b"top\nse/cret", b"top%0Ase%2Fcret"]
    )
    line = b"https://octo:p%40ss%3Aword@git.example.com\nhttps://x:top%0Ase%2Fcret@h\n"
    assert mask(line, values) == b"https://octo:***@git.example.com\nhttps://x:***@h\n"


def test_pod_without_secrets_reads_nothing() -> None:
    class Refusing(DictCluster):
        def secret(self, namespace: str, name: str) -> dict[str, bytes] | None:
            raise AssertionError("no Secret should be read")

    assert secret_values(_pod(containers=[{"name": "step-a"}]), Refusing()) == []


def test_the_results_sidecar_name_is_the_engines() -> None:
    assert RESULTS_SIDECAR_CONTAINER in UNMASKED_CONTAINERS


def test_relay_masks_what_processes_write(tmp_path: Path) -> None:
    """Real child processes writing through relay streams at once, secrets split across
    writes; each stream ends when its writer exits."""

    async def scenario() -> None:
        patterns = mask_patterns([b"s3cr3t-value"])
        script = (
            "import os,time\n"
            "os.write(1, b'one s3cr3')\n"
            "time.sleep(0.05)\n"
            "os.write(1, b't-value two\\n' + b's3cr3t-value two\\n' * 2)\n"
            "os.write(2, b'tail s3cr')\n"
        )
        relays = []
        for i in range(3):
            relay, write_end = start_relay(tmp_path / f"c{i}.log", patterns)
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-c", script, stdout=write_end, stderr=write_end
            )
            os.close(write_end)
            relays.append((relay, child))
        for relay, child in relays:
            assert await child.wait() == 0
            # End of file once the only writer exited: what was held back is written.
            await asyncio.wait_for(relay.finished, 10)

    asyncio.run(scenario())
    for i in range(3):
        log = (tmp_path / f"c{i}.log").read_bytes()
        assert log == b"one " + MASK + b" two\n*** two\n*** two\ntail s3cr"


def test_open_log_keeps_the_direct_path_without_secrets(tmp_path: Path) -> None:
    cluster = DictCluster()
    cluster.secrets[("ns", "s")] = {"token": b"tok-123"}
    plain = _pod(containers=[{"name": "step-a"}])
    env = [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token"}}}]
    secret_pod = _pod(
        containers=[{"name": "step-a", "env": env}, {"name": RESULTS_SIDECAR_CONTAINER}]
    )

    async def scenario() -> None:
        fd, relay = open_log(tmp_path / "a.log", plain, "step-a", cluster)
        try:
            assert relay is None
            assert stat.S_ISREG(os.fstat(fd).st_mode)  # the log file itself
        finally:
            os.close(fd)
        # The results sidecar's output is the results channel: never through a relay.
        fd, relay = open_log(tmp_path / "r.log", secret_pod, RESULTS_SIDECAR_CONTAINER, cluster)
        os.close(fd)
        assert relay is None
        fd, relay = open_log(tmp_path / "b.log", secret_pod, "step-a", cluster)
        try:
            assert relay is not None
            assert stat.S_ISFIFO(os.fstat(fd).st_mode)
            os.write(fd, b"x tok-123 y\n")
        finally:
            os.close(fd)
        await relay_finished(relay, 10)
        assert relay.finished.done()

    asyncio.run(scenario())
    assert (tmp_path / "b.log").read_bytes() == b"x *** y\n"


def test_a_long_value_printed_whole_is_masked_piece_by_piece() -> None:
    value = bytes(range(65, 91)) * 400  # 10400 bytes, one line
    out = mask(b"<" + value + b">", [value])
    assert out == b"<" + MASK * 3 + b">"
    assert max(len(p) for p in mask_patterns([value])) == MAX_PATTERN_LENGTH
