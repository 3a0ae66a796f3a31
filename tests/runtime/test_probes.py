"""Probes against real sockets, and the kubelet's threshold rules."""

from __future__ import annotations

import asyncio

import pytest
from host_helpers import run

from tektite.runtime.probes import (
    ProbeOutcome,
    ProbeSpec,
    ProbeWorker,
    http_check,
    resolve_port,
    tcp_check,
)


def test_spec_defaults_and_ports() -> None:
    spec = ProbeSpec.parse({"tcpSocket": {"port": 80}})
    assert (spec.kind, spec.initial_delay, spec.period, spec.timeout) == ("tcpSocket", 0, 10, 1)
    assert (spec.success_threshold, spec.failure_threshold) == (1, 3)
    with pytest.raises(ValueError):
        ProbeSpec.parse({"periodSeconds": 1})
    container = {"name": "c", "ports": [{"name": "web", "containerPort": 8080}]}
    assert resolve_port("web", container) == 8080
    assert resolve_port("81", container) == 81
    with pytest.raises(ValueError, match="couldn't find port: db"):
        resolve_port("db", container)


async def _http_server(status: int, seen: list[bytes]) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        seen.append(request)
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_tcp_and_http_checks() -> None:
    async def scenario() -> list[ProbeOutcome | bytes]:
        seen: list[bytes] = []
        good = await _http_server(204, seen)
        bad = await _http_server(503, seen)
        good_port = good.sockets[0].getsockname()[1]
        bad_port = bad.sockets[0].getsockname()[1]
        container = {"name": "c", "ports": [{"name": "http", "containerPort": good_port}]}
        results: list[ProbeOutcome | bytes] = [
            await tcp_check("127.0.0.1", good_port, 1),
            await http_check(
                {
                    "path": "/healthz",
                    "port": "http",
                    "httpHeaders": [{"name": "X-A", "value": "b"}],
                },
                container,
                1,
            ),
            await http_check({"port": bad_port}, container, 1),
        ]
        good.close()
        bad.close()
        await good.wait_closed()
        await bad.wait_closed()
        results.append(await tcp_check("127.0.0.1", good_port, 1))
        results.append(seen[0])
        return results

    tcp_ok, http_ok, http_bad, tcp_closed, request = run(scenario())
    assert tcp_ok == (True, "")
    assert http_ok == (True, "")
    assert http_bad == (False, "HTTP probe failed with statuscode: 503")
    assert isinstance(tcp_closed, tuple) and tcp_closed[0] is False
    assert isinstance(request, bytes)
    assert request.startswith(b"GET /healthz HTTP/1.1\r\n")
    assert b"User-Agent: kube-probe/" in request and b"X-A: b\r\n" in request


def test_worker_thresholds() -> None:
    spec = ProbeSpec.parse(
        {"exec": {}, "periodSeconds": 1, "successThreshold": 2, "failureThreshold": 2}
    )
    spec = ProbeSpec(spec.kind, spec.handler, 0, 0.001, 1, 2, 2)
    outcomes = iter([True, False, True, True, False, True, False, False, True])
    changes: list[bool] = []

    async def check() -> ProbeOutcome:
        try:
            return next(outcomes), ""
        except StopIteration:
            await asyncio.sleep(3600)
            raise

    async def scenario() -> bool | None:
        worker = ProbeWorker(spec, check, changes.append, initial=False)
        task = asyncio.get_running_loop().create_task(worker.run(0.0))
        await asyncio.sleep(0.2)
        task.cancel()
        return worker.result

    result = run(scenario())
    # T F (T T: ready) F T (F F: not ready) T
    assert changes == [True, False]
    assert result is False


def test_worker_initial_delay_and_stop_on_success() -> None:
    now = [100.0]
    calls: list[float] = []
    spec = ProbeSpec("tcpSocket", {}, 2, 0.001, 1, 1, 3)

    async def check() -> ProbeOutcome:
        calls.append(now[0])
        return True, ""

    async def scenario() -> list[bool]:
        changes: list[bool] = []
        worker = ProbeWorker(
            spec, check, changes.append, initial=None, stop_on_success=True, clock=lambda: now[0]
        )
        task = asyncio.get_running_loop().create_task(worker.run(99.5))
        await asyncio.sleep(0.05)
        assert calls == []  # 0.5 s since start < initialDelaySeconds
        now[0] = 101.6
        await asyncio.wait_for(task, 1)  # stops after its first success
        return changes

    assert run(scenario()) == [True]
    assert calls == [101.6]
