"""Secret masking: the values of the Secrets a Pod uses become ``***`` in its logs.

Tekton writes whatever a step prints to the Pod's log; a step that echoes a token
leaks it to everyone who can read logs. Tektite masks it where the output is written
(``<data_dir>/logs/...``), so stored logs, ``logs -f`` and the dashboard (which all
read those files) never see the value.

What is masked (``mask_patterns``):

- each value of a Secret the Pod uses, and each line of a multi-line value (a PEM key
  printed with a prefix on every line, or a ``.dockerconfigjson`` pretty-printed, still
  disappears line by line), both with surrounding whitespace removed;
- each value also as creds-init writes a password into ``.git-credentials`` (Go's
  user-info escaping: ``p@ss:word`` is ``p%40ss%3Aword`` there, a multi-line value one
  line with ``%0A``), so printing that file shows ``***`` too;
- only patterns of at least ``MIN_SECRET_LENGTH`` (3) bytes: masking every ``1`` or
  ``a`` of a log would make it unreadable and hides nothing (a 2-byte secret is
  guessed in a few thousand tries); a value or line longer than ``MAX_PATTERN_LENGTH``
  (4 KiB) is masked as consecutive 4 KiB pieces, so printed whole it is still all
  ``***``;
- for a Secret mounted or imported *whole* (a ``secret`` volume without ``items``,
  ``envFrom.secretRef``), the keys that are public by Kubernetes convention
  (``PUBLIC_KEYS``: a basic-auth ``username``, ssh ``known_hosts``, a token's
  ``ca.crt`` and ``namespace``) are left alone — masking a ``git`` username would turn
  every ``git`` of a clone log into ``***``. A key named explicitly (``secretKeyRef``,
  volume ``items``) is always masked.

"Used by the Pod" (``secret_refs``): ``env[].valueFrom.secretKeyRef`` and
``envFrom[].secretRef`` of every container (init containers and sidecars included),
``secret`` volumes (Tekton turns ``secret`` workspaces and the service account's
``creds-init`` secrets into these) and ``secret`` sources of ``projected`` volumes.

Not masked: the termination message and so results. Results are data that later
tasks consume and that Tekton Chains signs into provenance; rewriting them would
silently corrupt both (a result that must stay secret does not belong in a result).
For the same reason the results sidecar (``results-from: sidecar-logs``) is not
masked: its log *is* the results channel. A ``FallbackToLogsOnError`` message is cut
from the masked log, so it is masked.

``SecretMasker`` works on a stream of chunks. It replaces exactly what masking the
whole stream at once (``mask``) would: leftmost, longest match first, so no pattern
survives in the output whatever the chunking. Only bytes that could still become part
of a secret — a tail of the data that is a proper prefix of some pattern, at most
``len(longest) - 1`` bytes — are held back until the next chunk or ``flush``; output
that cannot start a secret is passed on at once, so followed logs do not lag.

Runtimes that write logs themselves feed their output through a ``SecretMasker``. The
host runtime's containers write their log files directly; for a container of a Pod
with secrets it puts a *relay* in between (``start_relay``: a stream of the relay
service, one warm process that reads each container's pipe, masks and appends to its
log file), which outlives a crashed runtime just as the containers do. Pods without
secrets keep the direct path.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import re
import socket
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio
    import subprocess
    from collections.abc import Iterable, Sequence
    from pathlib import Path
    from typing import Any

    from tektite.runtime.protocol import ClusterData, Pod

__all__ = [
    "MASK",
    "MAX_PATTERN_LENGTH",
    "MIN_SECRET_LENGTH",
    "PUBLIC_KEYS",
    "UNMASKED_CONTAINERS",
    "Relay",
    "SecretMasker",
    "SecretRef",
    "mask",
    "mask_patterns",
    "open_log",
    "relay_finished",
    "secret_refs",
    "secret_values",
    "start_relay",
]

MASK = b"***"
MIN_SECRET_LENGTH = 3
"""Patterns shorter than this (after stripping whitespace) are not masked."""

MAX_PATTERN_LENGTH = 4096
"""Longer values (a certificate bundle) are masked in pieces of this size."""

PUBLIC_KEYS = frozenset({"username", "known_hosts", "ca.crt", "namespace"})
"""Keys of a Secret mounted whole whose values are public by convention."""

UNMASKED_CONTAINERS = frozenset({"sidecar-tekton-log-results"})
"""Containers whose output is a data channel, not a log (``engine.pod_status.
RESULTS_SIDECAR_CONTAINER``: its lines are the results)."""

_READ_SIZE = 1 << 16


def mask_patterns(values: Iterable[bytes]) -> list[bytes]:
    """The byte strings to mask for ``values``: each value and each of its lines,
    stripped, at least ``MIN_SECRET_LENGTH`` long (longer than ``MAX_PATTERN_LENGTH``:
    cut into pieces of that size); longest first, without duplicates."""
    found: set[bytes] = set()
    for value in values:
        candidates = [value.strip()]
        if b"\n" in value or b"\r" in value:
            candidates += [line.strip() for line in value.splitlines()]
        for candidate in candidates:
            # A value printed whole is masked piece after piece; bounded patterns keep
            # the masker's look-behind (and its cost per chunk) small.
            for start in range(0, len(candidate), MAX_PATTERN_LENGTH):
                piece = candidate[start : start + MAX_PATTERN_LENGTH]
                if len(piece) >= MIN_SECRET_LENGTH:
                    found.add(piece)
    return sorted(found, key=lambda p: (-len(p), p))


def _compile(patterns: Sequence[bytes]) -> re.Pattern[bytes]:
    # Longest first: at one position the regex takes the first alternative that
    # matches, so a secret that extends another is masked whole.
    return re.compile(b"|".join(re.escape(p) for p in patterns))


def mask(data: bytes, values: Iterable[bytes]) -> bytes:
    """``data`` with every secret pattern of ``values`` replaced by ``***`` at once."""
    patterns = mask_patterns(values)
    if not patterns:
        return data
    return _compile(patterns).sub(MASK, data)


class SecretMasker:
    """Masks secret values in a byte stream fed in arbitrary chunks.

    ``feed(chunk)`` returns the masked bytes that are final; ``flush()`` the rest at
    the end of the stream. The concatenation of the outputs equals ``mask(whole
    stream)``. Without patterns it passes chunks through untouched.
    """

    def __init__(self, values: Iterable[bytes]) -> None:
        self._patterns = mask_patterns(values)
        self._regex = _compile(self._patterns) if self._patterns else None
        self._longest = len(self._patterns[0]) if self._patterns else 0
        self._first_bytes = frozenset(p[0] for p in self._patterns)
        self._pending = b""

    @property
    def active(self) -> bool:
        """Whether there is anything to mask."""
        return self._regex is not None

    @property
    def pending(self) -> int:
        """How many bytes are held back (always < the longest pattern's length)."""
        return len(self._pending)

    def feed(self, chunk: bytes) -> bytes:
        """Take the next chunk; return the masked output that no later chunk can change."""
        if self._regex is None:
            return bytes(chunk)
        buf = self._pending + chunk if self._pending else bytes(chunk)
        out = bytearray()
        pos = 0
        hold = self._hold_start(buf, 0)
        for match in self._regex.finditer(buf):
            start = match.start()
            if start >= hold:
                break
            out += buf[pos:start]
            out += MASK
            pos = match.end()
            if pos > hold:
                hold = self._hold_start(buf, pos)
        out += buf[pos:hold]
        self._pending = buf[hold:]
        return bytes(out)

    def flush(self) -> bytes:
        """The end of the stream: mask and return what was held back."""
        rest, self._pending = self._pending, b""
        if self._regex is None or not rest:
            return rest
        return self._regex.sub(MASK, rest)

    def _hold_start(self, buf: bytes, start: int) -> int:
        """The first position ≥ ``start`` from which the rest of ``buf`` is a proper
        prefix of a pattern (so a later chunk may complete a secret there), else
        ``len(buf)``. A match starting before it is decided by ``buf`` alone."""
        end = len(buf)
        for i in range(max(start, end - self._longest + 1), end):
            if buf[i] not in self._first_bytes:
                continue
            tail = buf[i:]
            for pattern in self._patterns:  # longest first
                if len(pattern) <= len(tail):
                    break
                if pattern.startswith(tail):
                    return i
        return end


class SecretRef:
    """A Secret a Pod uses: its name and the keys it reads (None: the whole Secret,
    whose ``PUBLIC_KEYS`` are then left unmasked)."""

    __slots__ = ("keys", "name")

    def __init__(self, name: str, keys: frozenset[str] | None) -> None:
        self.name = name
        self.keys = keys

    def __repr__(self) -> str:
        return f"SecretRef({self.name!r}, {self.keys!r})"


def _items(source: dict[str, Any]) -> frozenset[str] | None:
    items = source.get("items")
    if not items:
        return None
    return frozenset(str(item.get("key", "")) for item in items if isinstance(item, dict))


def secret_refs(pod: Pod) -> list[SecretRef]:
    """The Secrets ``pod`` uses (see the module docstring), in manifest order."""
    spec: dict[str, Any] = pod.get("spec") or {}
    refs: list[SecretRef] = []
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        for entry in container.get("envFrom") or []:
            ref = entry.get("secretRef")
            if ref:
                refs.append(SecretRef(str(ref.get("name", "")), None))
        for entry in container.get("env") or []:
            ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                key = frozenset({str(ref.get("key", ""))})
                refs.append(SecretRef(str(ref.get("name", "")), key))
    for volume in spec.get("volumes") or []:
        source = volume.get("secret")
        if source:
            refs.append(SecretRef(str(source.get("secretName", "")), _items(source)))
        for projection in (volume.get("projected") or {}).get("sources") or []:
            source = projection.get("secret")
            if source:
                refs.append(SecretRef(str(source.get("name", "")), _items(source)))
    return refs


def secret_values(pod: Pod, cluster: ClusterData) -> list[bytes]:
    """The values to mask in ``pod``'s logs: of every key it uses of every Secret it
    uses that exists (missing optional Secrets and keys are skipped)."""
    refs = secret_refs(pod)
    if not refs:
        return []
    namespace = str((pod.get("metadata") or {}).get("namespace") or "default")
    cache: dict[str, dict[str, bytes] | None] = {}
    values: dict[bytes, None] = {}
    for ref in refs:
        if ref.name not in cache:
            cache[ref.name] = cluster.secret(namespace, ref.name)
        data = cache[ref.name] or {}
        for key, value in data.items():
            if key not in ref.keys if ref.keys is not None else key in PUBLIC_KEYS:
                continue
            values[value] = None
            values[_as_in_git_credentials(value)] = None
    return list(values)


def _as_in_git_credentials(value: bytes) -> bytes:
    """``value`` as ``url.UserPassword`` escapes it in a ``.git-credentials`` line."""
    from tektite.entrypoint.creds_url import escape

    return escape(value.decode("utf-8", "surrogateescape"), "userinfo").encode()


class Relay:
    """One container's output stream in the relay service (``start_relay``);
    ``finished`` resolves once all of it is masked into the log."""

    def __init__(self, ident: str, finished: asyncio.Future[None]) -> None:
        self.ident = ident
        self.finished = finished


class _RelayClient:
    """The runtime's end of the relay service (``masking.py --serve``), started on first
    use, one per process. Like the launcher service it is a warm program of its own
    that outlives a crashed runtime: it serves the streams it has until their end."""

    def __init__(self) -> None:
        self._service: subprocess.Popen[bytes] | None = None
        self._channel: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: dict[str, asyncio.Future[None]] = {}
        self._next = 0

    def _ensure(self) -> socket.socket:
        import asyncio
        import subprocess

        loop = asyncio.get_running_loop()
        if self._channel is None or (self._service and self._service.poll() is not None):
            self._stop()
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            self._service = subprocess.Popen(
                [sys.executable, "-I", "-S", __file__, "--serve", str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                env={},
                start_new_session=True,  # not stopped by the terminal's Ctrl-C
            )
            theirs.close()
            self._channel = ours
        if self._loop is not loop:
            if self._loop is not None and not self._loop.is_closed():
                with contextlib.suppress(ValueError, RuntimeError):
                    self._loop.remove_reader(self._channel.fileno())
            self._loop = loop
            loop.add_reader(self._channel.fileno(), self._readable)
        return self._channel

    def start(self, log_path: Path, patterns: Sequence[bytes]) -> tuple[Relay, int]:
        channel = self._ensure()
        assert self._loop is not None
        self._next += 1
        ident = str(self._next)
        data = marshal.dumps(list(patterns))
        secrets = os.memfd_create("tektite-mask", os.MFD_CLOEXEC)
        read_end, write_end = os.pipe()
        try:
            _write_all(secrets, data)
            os.lseek(secrets, 0, os.SEEK_SET)
            message = f"{ident}\0{os.fspath(log_path)}".encode()
            socket.send_fds(channel, [message], [read_end, secrets])
        except BaseException:
            os.close(write_end)
            self._stop()
            raise
        finally:
            os.close(read_end)
            os.close(secrets)
        finished: asyncio.Future[None] = self._loop.create_future()
        self._pending[ident] = finished
        return Relay(ident, finished), write_end

    def _readable(self) -> None:
        assert self._channel is not None
        while True:
            try:
                message = self._channel.recv(64, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError:
                message = b""
            if not message:
                self._stop()  # the service died: nobody waits for its streams
                return
            future = self._pending.pop(message.decode().removeprefix("D "), None)
            if future is not None and not future.done() and not future.get_loop().is_closed():
                future.set_result(None)

    def _stop(self) -> None:
        for future in self._pending.values():
            if not future.done() and not future.get_loop().is_closed():
                future.set_result(None)
        self._pending.clear()
        if self._channel is not None:
            if self._loop is not None and not self._loop.is_closed():
                with contextlib.suppress(ValueError, RuntimeError):
                    self._loop.remove_reader(self._channel.fileno())
            self._channel.close()
            self._channel = None
            self._loop = None
        if self._service is not None:
            self._service.poll()  # reaped if it ended; else it serves its streams on
            self._service = None


_CLIENT: _RelayClient | None = None


def start_relay(log_path: Path, patterns: Sequence[bytes]) -> tuple[Relay, int]:
    """Have the relay service append what arrives on a new pipe to ``log_path``,
    masked; return the stream's handle and the pipe's write end (for the container's
    stdout/stderr; the caller closes it once handed over).

    The service is one warm process for all containers (started on first use, ~30 ms
    once; each stream then costs a message), in its own session, so the output of a
    container that outlives the runtime (a crashed controller) is still masked and
    written. Secret patterns reach it through an anonymous memory file, never a
    command line or environment. A stream ends when every process holding the write
    end is gone.
    """
    global _CLIENT
    if _CLIENT is None:
        _CLIENT = _RelayClient()
    return _CLIENT.start(log_path, patterns)


def serve(fd: int) -> int:
    """The relay service loop on socket ``fd``: take streams (``<id>\\0<log path>`` with
    the pipe's read end and a memory file of patterns), mask each into its log, answer
    ``D <id>`` when one has ended; exit once the runtime is gone and every stream ended."""
    import select

    channel = socket.socket(fileno=fd)
    poller = select.poll()
    poller.register(channel.fileno(), select.POLLIN)
    streams: dict[int, tuple[str, SecretMasker, int]] = {}
    accepting = True
    while accepting or streams:
        try:
            events = poller.poll()
        except InterruptedError:
            continue
        for ready, _ in events:
            if ready == channel.fileno():
                try:
                    message, fds, _, _ = socket.recv_fds(channel, 4096, 2)
                except OSError:
                    message, fds = b"", []
                if not message:
                    accepting = False  # the runtime is gone: finish what we have
                    poller.unregister(ready)
                    continue
                ident, _, path = message.decode().partition("\0")
                if len(fds) != 2:
                    for extra in fds:
                        os.close(extra)
                    with contextlib.suppress(OSError):
                        channel.send(f"D {ident}".encode())
                    continue
                pipe, secrets = fds
                try:
                    with os.fdopen(secrets, "rb") as handle:
                        patterns = marshal.loads(handle.read())
                    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
                    log = os.open(path, flags, 0o644)
                except (OSError, ValueError, EOFError, TypeError):
                    # Not servable (the log's directory is gone): the output is read
                    # and dropped, so the container neither blocks nor dies of SIGPIPE.
                    patterns, log = [], os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
                streams[pipe] = (ident, SecretMasker(patterns), log)
                poller.register(pipe, select.POLLIN)
                continue
            ident, masker, log = streams[ready]
            try:
                data = os.read(ready, _READ_SIZE)
            except OSError:
                data = b""
            if data:
                _write_all(log, masker.feed(data))
                continue
            _write_all(log, masker.flush())
            os.close(log)
            os.close(ready)
            poller.unregister(ready)
            del streams[ready]
            if accepting:
                with contextlib.suppress(OSError):
                    channel.send(f"D {ident}".encode())
    return 0


def open_log(
    log_path: Path, pod: Pod, container: str, cluster: ClusterData
) -> tuple[int, Relay | None]:
    """The file descriptor a container of ``pod`` writes its output to: the log file
    itself (appending) when the Pod uses no secrets or ``container`` is not masked,
    else a relay's pipe (``start_relay``), returned too. The caller closes the fd once
    it is handed over."""
    if container not in UNMASKED_CONTAINERS and secret_refs(pod):
        patterns = mask_patterns(secret_values(pod, cluster))
        if patterns:
            relay, fd = start_relay(log_path, patterns)
            return fd, relay
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
    return os.open(log_path, flags, 0o644), None


async def relay_finished(relay: Relay, timeout: float) -> None:
    """Wait until ``relay``'s stream is all in the log, at most ``timeout`` seconds.
    It ends once the container's last process is gone."""
    import asyncio

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(relay.finished), timeout)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        sys.exit(serve(int(sys.argv[2])))
    sys.stderr.write("usage: masking.py --serve <socket fd>\n")
    sys.exit(2)
