"""Secret masking end to end: a TaskRun on the embedded control plane (SQLite store,
controller, host runtime, real processes) whose steps print a Secret's values."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

from tektite.api.config import Config
from tektite.embedded import embedded
from tektite.local_runs import condition, wait_done
from tektite.runtime.protocol import PodKey

TOKEN = "tok-3f9a1c77e2"
KEY_LINES = "-----BEGIN KEY-----\nQUJDREVGR0hJSktMTU5PUA==\n-----END KEY-----\n"

SECRET: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "creds", "namespace": "default"},
    "data": {
        "token": base64.b64encode(TOKEN.encode()).decode(),
        "key": base64.b64encode(KEY_LINES.encode()).decode(),
    },
}

TASKRUN: dict[str, Any] = {
    "apiVersion": "tekton.dev/v1",
    "kind": "TaskRun",
    "metadata": {"name": "leaky", "namespace": "default"},
    "spec": {
        "workspaces": [{"name": "creds", "secret": {"secretName": "creds"}}],
        "taskSpec": {
            "workspaces": [{"name": "creds"}],
            "results": [{"name": "echoed"}],
            "steps": [
                {
                    "name": "env",
                    "image": "busybox",
                    "env": [
                        {
                            "name": "TOKEN",
                            "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}},
                        }
                    ],
                    # The value in a sentence, then split over two writes.
                    "script": (
                        '#!/bin/sh\necho "token is $TOKEN, ok"\n'
                        'printf "%s" "${TOKEN%???????}"; sleep 0.2; echo "${TOKEN#???????}"\n'
                        'printf "%s" "$TOKEN" > $(results.echoed.path)\n'
                    ),
                },
                {
                    "name": "file",
                    "image": "busybox",
                    "script": (
                        "#!/bin/sh\ncat $(workspaces.creds.path)/token; echo\n"
                        "sed 's/^/key: /' $(workspaces.creds.path)/key\n"
                        "echo plain output\n"
                    ),
                },
            ],
        },
    },
}


async def _run(root: Path) -> tuple[dict[str, Any], dict[str, bytes], dict[str, bytes]]:
    async with embedded(Config(), "host", root) as env:
        env.store.create(SECRET)
        run = env.store.create(TASKRUN)
        assert await wait_done(env.store, [run], asyncio.Event(), timeout=60)
        final = env.store.get("TaskRun", "default", "leaky")
        assert final is not None
        key = PodKey("default", final["status"]["podName"])
        streamed: dict[str, bytes] = {}
        files: dict[str, bytes] = {}
        for container in ("step-env", "step-file"):
            chunks = [c async for c in env.runtime.logs(key, container, follow=True)]
            streamed[container] = b"".join(chunks)
            files[container] = (root / "logs/default" / key.name / f"{container}.log").read_bytes()
        return final, files, streamed


def test_secret_values_are_masked_in_stored_and_streamed_logs(tmp_path: Path) -> None:
    final, files, streamed = asyncio.run(_run(tmp_path / "home"))
    assert condition(final)["reason"] == "Succeeded", final["status"]
    assert files == streamed
    assert files["step-env"] == b"token is ***, ok\n***\n"
    assert files["step-file"] == b"***\nkey: ***\nkey: ***\nkey: ***\nplain output\n"
    for log in files.values():
        assert TOKEN.encode() not in log
        assert b"QUJDREVGR0hJSktMTU5PUA==" not in log
    # Results are data, not logs: not masked (see tektite.runtime.masking).
    assert final["status"]["results"] == [{"name": "echoed", "type": "string", "value": TOKEN}]
