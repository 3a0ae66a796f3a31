"""Pod and container status in Kubernetes' JSON shape, and the kubelet's phase rules.

``ContainerRecord`` holds what the kubelet knows about one container and renders a
``ContainerStatus``; ``pod_phase`` is the kubelet's ``getPhase`` for
``restartPolicy: Never``; ``Conditions`` keeps ``lastTransitionTime`` stable across
renders. Times are RFC 3339 with whole seconds, as ``metav1.Time`` serialises them.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Container
from pathlib import Path
from typing import Any

import msgspec

from tektite.runtime.protocol import PodKey, PodRuntimeError

PENDING = "Pending"
RUNNING = "Running"
SUCCEEDED = "Succeeded"
FAILED = "Failed"

POD_INITIALIZING = "PodInitializing"
CONTAINER_CREATING = "ContainerCreating"
CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"
START_ERROR = "StartError"
COMPLETED = "Completed"
ERROR = "Error"
OOM_KILLED = "OOMKilled"
"""The reason containerd gives a container in whose cgroup the kernel killed a process
for want of memory (its first process or any other), whatever its exit code."""


MAX_TERMINATION_MESSAGE = 4096
"""The kubelet reads at most this much of a terminationMessagePath file."""
FALLBACK_LOG_LINES = 80
FALLBACK_LOG_BYTES = 2048
NOP_STOP_MESSAGE = "Sidecar container successfully stopped by nop image"


def read_limited(path: str | Path | None, limit: int) -> bytes:
    """At most ``limit`` bytes of a file (b"" when there is none)."""
    if path is None:
        return b""
    try:
        with open(path, "rb") as handle:
            return handle.read(limit)
    except OSError:
        return b""


def log_tail(path: Path) -> str:
    """The kubelet's FallbackToLogsOnError message: the last 80 lines, at most 2 KiB."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - FALLBACK_LOG_BYTES))
            data = handle.read()
    except OSError:
        return ""
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines = lines[:-1]
    return b"\n".join(lines[-FALLBACK_LOG_LINES:]).decode("utf-8", "replace")


def now_rfc3339() -> str:
    """The current UTC time as ``2006-01-02T15:04:05Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def admit_pod(manifest: dict[str, Any], existing: Container[PodKey]) -> PodKey:
    """What the API server checks and fills in when a Pod is created, in place on
    ``manifest`` (namespace, ``uid``, ``creationTimestamp``); returns its ``PodKey``.
    Raises ``PodRuntimeError`` for a nameless, container-less or existing Pod."""
    meta = manifest.setdefault("metadata", {})
    meta.setdefault("namespace", "default")
    name = str(meta.get("name") or "")
    if not name:
        raise PodRuntimeError("Invalid", "Pod metadata.name is required")
    key = PodKey(str(meta["namespace"]), name)
    if key in existing:
        raise PodRuntimeError("AlreadyExists", f'pods "{name}" already exists')
    if not (manifest.get("spec") or {}).get("containers"):
        raise PodRuntimeError("Invalid", "spec.containers: Required value")
    if not meta.get("uid"):
        meta["uid"] = str(uuid.uuid4())
    meta.setdefault("creationTimestamp", now_rfc3339())
    return key


class Terminated(msgspec.Struct):
    """A ``ContainerStateTerminated``."""

    exit_code: int
    reason: str
    message: str
    started_at: str
    finished_at: str
    container_id: str

    def to_json(self) -> dict[str, Any]:
        """The API shape (``message`` and ``containerID`` omitted when empty)."""
        data: dict[str, Any] = {"exitCode": self.exit_code, "reason": self.reason}
        if self.message:
            data["message"] = self.message
        data["startedAt"] = self.started_at
        data["finishedAt"] = self.finished_at
        if self.container_id:
            data["containerID"] = self.container_id
        return data


class ContainerRecord(msgspec.Struct):
    """The kubelet's view of one container."""

    name: str
    image: str
    init: bool = False
    waiting_reason: str = POD_INITIALIZING
    waiting_message: str = ""
    started_at: str | None = None
    terminated: Terminated | None = None
    last_terminated: Terminated | None = None
    container_id: str = ""
    ready: bool = False
    started: bool = False
    restart_count: int = 0

    @property
    def state(self) -> str:
        """``waiting``, ``running`` or ``terminated``."""
        if self.terminated is not None:
            return "terminated"
        return "running" if self.started_at is not None else "waiting"

    def wait(self, reason: str, message: str = "") -> None:
        """Enter (or stay in) the waiting state with ``reason``."""
        self.waiting_reason = reason
        self.waiting_message = message

    def run(self, container_id: str, started_at: str | None = None) -> None:
        """Enter the running state."""
        self.container_id = container_id
        self.started_at = started_at or now_rfc3339()

    def terminate(self, exit_code: int, reason: str, message: str) -> None:
        """Enter the terminated state now."""
        now = now_rfc3339()
        self.terminated = Terminated(
            exit_code, reason, message, self.started_at or now, now, self.container_id
        )
        self.ready = self.init and exit_code == 0  # a completed init container is ready
        self.started = False

    def to_json(self) -> dict[str, Any]:
        """A ``ContainerStatus``."""
        state: dict[str, Any]
        if self.terminated is not None:
            state = {"terminated": self.terminated.to_json()}
        elif self.started_at is not None:
            state = {"running": {"startedAt": self.started_at}}
        else:
            waiting: dict[str, Any] = {"reason": self.waiting_reason}
            if self.waiting_message:
                waiting["message"] = self.waiting_message
            state = {"waiting": waiting}
        data: dict[str, Any] = {
            "name": self.name,
            "state": state,
            "lastState": (
                {"terminated": self.last_terminated.to_json()} if self.last_terminated else {}
            ),
            "ready": self.ready,
            "restartCount": self.restart_count,
            "image": self.image,
            "imageID": "",
        }
        if self.container_id:
            data["containerID"] = self.container_id
        data["started"] = self.started
        return data


def pod_phase(
    init: list[ContainerRecord],
    containers: list[ContainerRecord],
    *,
    init_failed: bool,
    initialized: bool,
) -> str:
    """The kubelet's ``getPhase`` with ``restartPolicy: Never``."""
    if init_failed:
        return FAILED
    if not initialized:
        return PENDING
    waiting = running = stopped = succeeded = 0
    for record in containers:
        if record.terminated is not None:
            stopped += 1
            succeeded += record.terminated.exit_code == 0
        elif record.started_at is not None:
            running += 1
        else:
            waiting += 1
    # Restartable init containers (native sidecars) keep a Pod running.
    running += sum(
        1 for record in init if record.started_at is not None and record.terminated is None
    )
    if waiting:
        return PENDING
    if running:
        return RUNNING
    if stopped:
        return SUCCEEDED if stopped == succeeded else FAILED
    return PENDING


def local_pod_status(
    conditions: Conditions,
    *,
    phase: str,
    initialized: bool,
    start_time: str,
    init: list[ContainerRecord],
    containers: list[ContainerRecord],
    init_statuses: list[dict[str, Any]],
    statuses: list[dict[str, Any]],
    reason: str = "",
    message: str = "",
) -> dict[str, Any]:
    """A one-machine Pod's ``status`` as the kubelet writes it: the four conditions
    (updated in ``conditions``), loopback addresses, and the container statuses given
    (each runtime adds what it knows, e.g. ``imageID``)."""
    # The kubelet's GeneratePodInitializedCondition: an init container is incomplete
    # until it has exited 0 (a failed one stays incomplete).
    unfinished_init = [c.name for c in init if c.terminated is None or c.terminated.exit_code]
    unready = [c.name for c in containers if not c.ready]
    conditions.set("PodScheduled", True)
    conditions.set(
        "Initialized",
        initialized,
        "ContainersNotInitialized",
        f"containers with incomplete status: [{' '.join(unfinished_init)}]",
    )
    unready_message = f"containers with unready status: [{' '.join(unready)}]"
    conditions.set("ContainersReady", not unready, "ContainersNotReady", unready_message)
    conditions.set("Ready", not unready, "ContainersNotReady", unready_message)
    status: dict[str, Any] = {"phase": phase, "conditions": conditions.to_json()}
    if reason:
        status["reason"] = reason
        status["message"] = message
    status.update(
        {
            "hostIP": "127.0.0.1",
            "podIP": "127.0.0.1",
            "podIPs": [{"ip": "127.0.0.1"}],
            "startTime": start_time,
        }
    )
    if init:
        status["initContainerStatuses"] = init_statuses
    status["containerStatuses"] = statuses
    status["qosClass"] = "BestEffort"
    return status


class Conditions(msgspec.Struct):
    """Pod conditions with stable ``lastTransitionTime``s."""

    _current: dict[str, tuple[str, str, str, str]] = msgspec.field(default_factory=dict)

    def set(self, kind: str, ok: bool, reason: str = "", message: str = "") -> None:
        """Record condition ``kind``; the transition time changes only with the status."""
        status = "True" if ok else "False"
        previous = self._current.get(kind)
        when = previous[3] if previous and previous[0] == status else now_rfc3339()
        self._current[kind] = (status, "" if ok else reason, "" if ok else message, when)

    def to_json(self) -> list[dict[str, Any]]:
        """The ``conditions`` list."""
        out: list[dict[str, Any]] = []
        for kind, (status, reason, message, when) in self._current.items():
            item: dict[str, Any] = {
                "type": kind,
                "status": status,
                "lastProbeTime": None,
                "lastTransitionTime": when,
            }
            if reason:
                item["reason"] = reason
            if message:
                item["message"] = message
            out.append(item)
        return out
