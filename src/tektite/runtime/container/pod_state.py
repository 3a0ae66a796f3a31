"""What the container runtime keeps on disk so that a restarted runtime adopts its Pods.

When the process running the controller and the ``ContainerRuntime`` dies (``kill -9``),
the Pods' containers run on: conmon, not the runtime, is their parent, and a step's
output goes straight into its log file (podman's ``passthrough`` log driver hands it
the file itself; a Pod with Secrets writes through the masking relay service, which
outlives the runtime too). Containers are created without ``--rm``, so one that ends
meanwhile keeps its exit code and times in the engine. Per Pod, under
``<data_dir>/pods/<namespace>/<name>/.tektite/``, the runtime keeps:

- ``pod.json`` and ``owner.lock``, exactly as the host runtime does (``host_state``:
  the manifest with the Pod's ``startTime``, and the lock the live runtime holds);
- ``engine``: the engine flavour that runs the Pod (a runtime adopts only its own);
- ``created``: written once every app container exists, before the first step starts;
- ``started/<container>``: written just before the container is started. A container
  the engine still shows never started whose start had begun is given a few seconds
  (``START_SETTLE_SECONDS``) to show it started before the restarted runtime decides;
- ``status.json``: the Pod's final ``status``, written once every container has ended
  and before the containers are removed (after that, the engine knows nothing).

Adopting a Pod inspects its containers (``ContainerPod.resume``): one that ran is
followed (``<engine> wait``) until it has exited and its exit code, times,
termination message and log are read as if the runtime had seen it end; one created
but never started is started in turn; a step is never started twice. A container
that should exist but is gone without a record is reported as the kubelet does:
terminated with exit code 137, reason ``ContainerStatusUnknown``. Without ``created``
no step had started yet, so nothing that must run only once has run: the Pod's
containers are removed and it is simply started over.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

FINAL_STATUS = "status.json"
CREATED = "created"
STARTED = "started"
START_SETTLE_SECONDS = 5.0
NOT_STARTED = ("created", "configured", "initialized", "")
"""Engine states of a container that has never been started."""

_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?$")


def engine_time(text: object) -> str | None:
    """An engine's ``StartedAt``/``FinishedAt`` as RFC 3339 seconds in UTC; None for
    the zero time (never) or what cannot be read."""
    match = _TIMESTAMP.match(str(text or "").strip())
    if match is None or match.group(1).startswith("0001-"):
        return None
    seconds = calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S"))
    zone = match.group(2) or "Z"
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def rfc3339_seconds(text: str) -> float | None:
    """Seconds since the epoch of an RFC 3339 ``…Z`` time; None when not one."""
    try:
        return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return None


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def mark_created(internal: Path) -> None:
    """Record that every app container exists (steps start only after this)."""
    (internal / CREATED).touch()


def all_created(internal: Path) -> bool:
    """Whether the Pod's steps may have started (``mark_created``)."""
    return (internal / CREATED).exists()


def begin_start(internal: Path, container: str) -> None:
    """Record that ``container``'s start is under way."""
    with contextlib.suppress(OSError):
        (internal / STARTED / container).touch()


def start_begun(internal: Path, container: str) -> bool:
    """Whether ``container``'s start had begun (``begin_start``)."""
    return (internal / STARTED / container).exists()


def save_final(internal: Path, status: dict[str, Any]) -> None:
    """Keep the Pod's final status (every container has ended)."""
    with contextlib.suppress(OSError):  # the Pod is being deleted
        _write(internal / FINAL_STATUS, json.dumps(status))


def read_final(internal: Path) -> dict[str, Any] | None:
    """The Pod's saved final status, if it had ended."""
    try:
        status = json.loads((internal / FINAL_STATUS).read_text())
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None
