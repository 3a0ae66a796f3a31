"""What secret masking costs.

- The streaming masker over 16 MiB of log text in 64 KiB chunks, with five secrets;
  baseline: copying the same chunks.
- 20 container logs written through masking relays (fork, pipe, exit) against
  writing the log files directly.
- A 10-step TaskRun whose Pod uses a Secret (every container's output goes through a
  masking relay process) against the same TaskRun without the Secret (direct log
  files), as whole ``tektite run`` processes; the difference per step is the relay's
  cost.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from bench._timing import process_wall, report, wall
from tektite.runtime.masking import SecretMasker, relay_finished, start_relay

VENV_BIN = Path(sys.executable).parent
STEPS = 10


def _masker_figures() -> None:
    secrets = [b"ghp_0123456789abcdef", b"hunter22", b"AKIAEXAMPLEKEY", b"s3cr3t!", b"p@ss-w0rd"]
    line = b"2026-01-01T00:00:00Z INFO compiling module foo/bar.py (42 of 100) -- ok\n"
    data = line * (16 * 1024 * 1024 // len(line))
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]

    def copy() -> None:
        b"".join(bytes(c) for c in chunks)

    def masked() -> None:
        masker = SecretMasker(secrets)
        b"".join(masker.feed(c) for c in chunks) + masker.flush()

    report("mask 16 MiB of logs, 5 secrets", wall(masked, 3), wall(copy, 3))


def _relay_figures(tmp: Path) -> None:
    """One container's log path: open, write a line, close, be done with it — through a
    relay (start, write, wait for its exit) against the plain file."""
    patterns = [b"tok-0123456789"]

    def plain() -> None:
        fd = os.open(tmp / "plain.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(fd, b"step output\n")
        os.close(fd)

    async def relayed() -> None:
        relay, fd = start_relay(tmp / "relayed.log", patterns)
        os.write(fd, b"step output tok-0123456789\n")
        os.close(fd)
        await relay_finished(relay, 10.0)

    def twenty_relays() -> None:
        async def many() -> None:
            for _ in range(20):
                await relayed()

        asyncio.run(many())

    def twenty_plain() -> None:
        for _ in range(20):
            plain()

    report("20 container logs through relays", wall(twenty_relays, 5), wall(twenty_plain, 5))


def _taskrun_yaml(with_secret: bool) -> str:
    env = (
        "      env:\n      - name: TOKEN\n        valueFrom:\n"
        "          secretKeyRef: {name: creds, key: token}\n"
        if with_secret
        else ""
    )
    steps = "".join(
        f"    - name: s{i}\n      image: busybox\n      script: echo step {i}\n{env}"
        for i in range(STEPS)
    )
    # Both files create the Secret: only whether the steps use it differs.
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\n"
        "stringData: {token: tok-0123456789}\n---\n"
    )
    return (
        secret + "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: m}\n"
        f"spec:\n  taskSpec:\n    steps:\n{steps}"
    )


def main() -> None:
    """Run the masking benchmarks."""
    _masker_figures()
    with tempfile.TemporaryDirectory() as tmp:
        _relay_figures(Path(tmp))
        os.environ["TEKTITE_HOME"] = str(Path(tmp) / "home")
        plain, secret = Path(tmp) / "plain.yaml", Path(tmp) / "secret.yaml"
        plain.write_text(_taskrun_yaml(False))
        secret.write_text(_taskrun_yaml(True))
        tektite = str(VENV_BIN / "tektite")
        base = process_wall([tektite, "run", "--runtime", "host", str(plain)], repeat=5)
        masked = process_wall([tektite, "run", "--runtime", "host", str(secret)], repeat=5)
        report(f"{STEPS}-step TaskRun using a Secret", masked, base)
        print(f"{'  relay cost per container':<44} {(masked - base) / STEPS * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
