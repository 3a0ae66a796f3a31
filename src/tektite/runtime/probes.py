"""Container probes as the kubelet's prober runs them (``pkg/kubelet/prober``).

A probe has one handler — ``exec`` (run by the runtime inside the container's view,
through the launcher), ``tcpSocket`` (connect) or ``httpGet`` (status 200–399 passes) —
and the timing fields ``initialDelaySeconds`` (0), ``periodSeconds`` (10),
``timeoutSeconds`` (1), ``successThreshold`` (1) and ``failureThreshold`` (3).
``grpc`` probes are approximated by a TCP connect: there is no gRPC client here.

``ProbeWorker`` reproduces the worker loop: a probe runs at start and then every
period, but not before the container has run ``initialDelaySeconds``; the cached
result only flips after ``successThreshold`` consecutive successes or
``failureThreshold`` consecutive failures. Readiness starts as failure, startup as
unknown; a startup probe stops once it has succeeded.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

import msgspec

from tektite.runtime.pod_status import ContainerRecord

POD_IP = "127.0.0.1"
USER_AGENT = "kube-probe/1.30"

ProbeOutcome = tuple[bool, str]
"""(passed, message)."""


class ProbeSpec(msgspec.Struct, frozen=True):
    """A parsed ``readinessProbe`` / ``startupProbe`` / ``livenessProbe``."""

    kind: str
    handler: dict[str, Any]
    initial_delay: float
    period: float
    timeout: float
    success_threshold: int
    failure_threshold: int

    @classmethod
    def parse(cls, probe: dict[str, Any]) -> ProbeSpec:
        """Read a probe with Kubernetes' defaults; an unknown handler raises ValueError."""
        for kind in ("exec", "tcpSocket", "httpGet", "grpc"):
            if kind in probe:
                break
        else:
            raise ValueError("probe has no handler (exec, tcpSocket, httpGet or grpc)")
        return cls(
            kind=kind,
            handler=dict(probe.get(kind) or {}),
            initial_delay=float(probe.get("initialDelaySeconds") or 0),
            period=float(probe.get("periodSeconds") or 10),
            timeout=float(probe.get("timeoutSeconds") or 1),
            success_threshold=int(probe.get("successThreshold") or 1),
            failure_threshold=int(probe.get("failureThreshold") or 3),
        )


def resolve_port(port: Any, container: dict[str, Any]) -> int:
    """A probe port: a number, or the name of one of the container's ``ports``."""
    if isinstance(port, int):
        return port
    text = str(port)
    if text.isdigit():
        return int(text)
    for entry in container.get("ports") or []:
        if entry.get("name") == text:
            return int(entry["containerPort"])
    raise ValueError(f"couldn't find port: {text} in {container.get('name')}")


async def tcp_check(host: str, port: int, timeout: float) -> ProbeOutcome:
    """Pass when a TCP connection to ``host:port`` opens within ``timeout``."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (TimeoutError, OSError) as error:
        return False, f"dial tcp {host}:{port}: {error or 'i/o timeout'}"
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True, ""


async def _http_get(
    host: str, port: int, path: str, scheme: str, headers: list[tuple[str, str]]
) -> int:
    context: ssl.SSLContext | None = None
    if scheme.upper() == "HTTPS":
        # The kubelet does not verify probe certificates.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection(host, port, ssl=context)
    try:
        names = {name.lower() for name, _ in headers}
        lines = [f"GET {path or '/'} HTTP/1.1"]
        if "host" not in names:
            lines.append(f"Host: {host}:{port}")
        if "user-agent" not in names:
            lines.append(f"User-Agent: {USER_AGENT}")
        if "accept" not in names:
            lines.append("Accept: */*")
        lines += [f"{name}: {value}" for name, value in headers]
        lines.append("Connection: close")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        status_line = await reader.readline()
    finally:
        writer.close()
    parts = status_line.split()
    if len(parts) < 2 or not parts[1].isdigit():
        raise ValueError(f"malformed HTTP status line {status_line!r}")
    return int(parts[1])


async def http_check(
    handler: dict[str, Any], container: dict[str, Any], timeout: float
) -> ProbeOutcome:
    """Pass when ``GET`` answers 200–399 within ``timeout``."""
    host = str(handler.get("host") or POD_IP)
    port = resolve_port(handler.get("port"), container)
    headers = [
        (str(item.get("name", "")), str(item.get("value", "")))
        for item in handler.get("httpHeaders") or []
    ]
    scheme = str(handler.get("scheme") or "HTTP")
    try:
        code = await asyncio.wait_for(
            _http_get(host, port, str(handler.get("path") or "/"), scheme, headers), timeout
        )
    except (TimeoutError, OSError, ValueError) as error:
        return False, f"Get {scheme.lower()}://{host}:{port}: {error or 'timeout'}"
    if 200 <= code < 400:
        return True, ""
    return False, f"HTTP probe failed with statuscode: {code}"


ExecCheck = Callable[[list[str], float], Awaitable[ProbeOutcome]]


def network_check(
    spec: ProbeSpec, container: dict[str, Any]
) -> Callable[[], Awaitable[ProbeOutcome]]:
    """The check for a tcpSocket/httpGet/grpc probe (exec checks come from the runtime)."""
    if spec.kind == "httpGet":
        return lambda: http_check(spec.handler, container, spec.timeout)
    host = str(spec.handler.get("host") or POD_IP)
    port = resolve_port(spec.handler.get("port"), container)
    return lambda: tcp_check(host, port, spec.timeout)


class ProbeWorker:
    """One probe of one container, run periodically; ``result`` is the cached verdict."""

    def __init__(
        self,
        spec: ProbeSpec,
        check: Callable[[], Awaitable[ProbeOutcome]],
        on_change: Callable[[bool], None],
        *,
        initial: bool | None,
        stop_on_success: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = spec
        self.result = initial
        self.message = ""
        self._check = check
        self._on_change = on_change
        self._stop_on_success = stop_on_success
        self._clock = clock
        self._last: bool | None = None
        self._run_length = 0

    def _record(self, passed: bool) -> None:
        if passed == self._last:
            self._run_length += 1
        else:
            self._last = passed
            self._run_length = 1
        needed = self.spec.success_threshold if passed else self.spec.failure_threshold
        if self._run_length < needed or self.result == passed:
            return
        self.result = passed
        self._on_change(passed)

    async def run(self, started_at: float) -> None:
        """Probe until cancelled (or, for startup probes, until the first success)."""
        while True:
            # The kubelet compares whole seconds since the container started.
            if int(self._clock() - started_at) >= self.spec.initial_delay:
                try:
                    passed, self.message = await self._check()
                except (OSError, ValueError) as error:
                    passed, self.message = False, str(error)
                self._record(passed)
                if self._stop_on_success and self.result:
                    return
            await asyncio.sleep(self.spec.period)


Check = Callable[[], Awaitable[ProbeOutcome]]


class ProbedContainer(Protocol):
    """What ``start_probes`` needs of a runtime's container."""

    spec: dict[str, Any]
    record: ContainerRecord
    tasks: list[asyncio.Task[None]]
    started_mono: float

    @property
    def alive(self) -> bool:
        """Its process runs."""


def start_probes(
    container: ProbedContainer,
    *,
    exec_check: ExecCheck,
    in_network: Callable[[Check], Awaitable[ProbeOutcome]] | None,
    changed: Callable[[], None],
    kill: Callable[[], Coroutine[Any, Any, None]],
) -> None:
    """The kubelet's probe workers for ``container`` (its tasks): the startup probe
    first, readiness and liveness once it has passed. ``exec_check`` runs an exec probe
    in the container; ``in_network`` runs a network check from the Pod's network (None:
    as is); ``kill`` stops the container when liveness fails. ``changed`` is told of
    each change of ``record.started``/``record.ready``."""
    loop = asyncio.get_running_loop()
    record = container.record

    def worker(
        field: str, on_change: Callable[[bool], None], initial: bool | None, once: bool = False
    ) -> ProbeWorker | None:
        probe = container.spec.get(field)
        if not probe:
            return None
        try:
            spec = ProbeSpec.parse(probe)
        except ValueError:
            return None
        check: Check
        if spec.kind == "exec":
            command = [str(part) for part in spec.handler.get("command") or []]

            def check() -> Awaitable[ProbeOutcome]:
                return exec_check(command, spec.timeout)

        else:
            try:
                network = network_check(spec, container.spec)
            except ValueError:
                return None
            if in_network is None:
                check = network
            else:

                def check() -> Awaitable[ProbeOutcome]:
                    return in_network(network)

        return ProbeWorker(spec, check, on_change, initial=initial, stop_on_success=once)

    def begin(probe: ProbeWorker | None) -> None:
        if probe is not None:
            container.tasks.append(loop.create_task(probe.run(container.started_mono)))

    def on_ready(passed: bool) -> None:
        record.ready = passed and record.terminated is None
        changed()

    def on_liveness(passed: bool) -> None:
        if not passed and container.alive:
            container.tasks.append(loop.create_task(kill()))

    def on_startup(passed: bool) -> None:
        if not passed:
            on_liveness(False)  # too many startup failures: the kubelet kills it
            return
        record.started = True
        record.ready = readiness is None and record.terminated is None
        begin(readiness)
        begin(liveness)
        changed()

    readiness = worker("readinessProbe", on_ready, initial=False)
    liveness = worker("livenessProbe", on_liveness, initial=True)
    startup = worker("startupProbe", on_startup, initial=None, once=True)
    if startup is not None:
        begin(startup)
    else:
        begin(readiness)
        begin(liveness)
