"""What the start/logs/cancel/serve CLI tests share: a real ``tektite`` process on a
data directory seeded through the real SqliteStore, and tkn-style objects to run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

TEKTITE = [sys.executable, "-m", "tektite"]

OBJECTS = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: greet
spec:
  params:
    - name: who
      type: string
    - name: greeting
      default: hello
    - name: names
      type: array
      default: [a]
    - name: point
      type: object
      properties: {x: {type: string}, z: {type: string}}
      default: {x: "0", z: "0"}
  workspaces:
    - name: scratch
      optional: true
  steps:
    - name: say
      image: busybox
      script: |
        #!/bin/sh
        echo "$(params.greeting), $(params.who)"
        echo second line
    - name: done
      image: busybox
      script: echo done
---
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: fail
spec:
  steps:
    - name: boom
      image: busybox
      script: |
        echo about to fail
        exit 1
    - name: after
      image: busybox
      script: echo never
---
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: sleepy
spec:
  steps:
    - name: nap
      image: busybox
      script: |
        echo going to sleep
        sleep 60
---
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: needs-ws
spec:
  workspaces:
    - name: src
  steps:
    - name: ls
      image: busybox
      script: ls $(workspaces.src.path)
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: pipe
spec:
  params:
    - name: who
      default: world
  tasks:
    - name: first
      taskRef: {name: greet}
      params: [{name: who, value: $(params.who)}]
    - name: second
      runAfter: [first]
      taskRef: {name: greet}
      params: [{name: who, value: again}]
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: broken
spec:
  tasks:
    - name: ok
      taskRef: {name: greet}
      params: [{name: who, value: ok}]
    - name: bad
      runAfter: [ok]
      taskRef: {name: fail}
"""


def tektite(
    args: list[str], home: Path, *, timeout: float = 120, stdin: Any = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    """Run ``tektite ARGS`` on the data directory ``home`` (standard input is not a
    terminal unless the caller passes one)."""
    env = {**os.environ, "TEKTITE_HOME": str(home), "TEKTITE_RUNTIME": "host"}
    env.pop("NO_COLOR", None)
    return subprocess.run(
        [*TEKTITE, *args],
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def seed(home: Path, text: str = OBJECTS) -> None:
    """Store the objects of ``text`` as ``kubectl create`` would (checked, defaulted)."""
    from tektite.api.load import check_text
    from tektite.local_runs import create_all
    from tektite.store.sqlite import SqliteStore

    checked = check_text(text, "objects.yaml")
    assert all(c.valid for c in checked), [c.errors.render() for c in checked]
    store = SqliteStore(home / "tektite.db")
    try:
        create_all(store, [c.obj.to_dict() for c in checked if c.obj is not None], "default")
    finally:
        store.close()


def get(home: Path, kind: str, name: str, namespace: str = "default") -> dict[str, Any] | None:
    """An object as stored."""
    from tektite.store.sqlite import SqliteStore

    store = SqliteStore(home / "tektite.db")
    try:
        return store.get(kind, namespace, name)
    finally:
        store.close()


def started_name(stdout: str, kind: str) -> str:
    """The generated name in tkn's ``<Kind> started: <name>`` line."""
    m = re.search(rf"^{kind} started: (\S+)$", stdout, re.M)
    assert m, stdout
    return m.group(1)


def condition(obj: dict[str, Any] | None) -> dict[str, Any]:
    """The Succeeded condition of a stored run."""
    for c in ((obj or {}).get("status") or {}).get("conditions") or ():
        if c.get("type") == "Succeeded":
            return dict(c)
    return {}
