"""The runtime's side of the launcher service (``launcher.py --serve``).

``Spawner`` starts the service once and asks it to fork a container for each
``spawn``, and to make a Pod's directories for each ``make_dirs``.
``LaunchedProcess`` is the handle of a container: its ``pid`` arrives a moment later,
its ``exited`` future resolves with a ``Popen``-style return code (negative for a
signal) when the service reports the exit. Everything is driven by one reader callback on the
event loop: no threads, no child watcher.

If the service dies, processes it had forked are killed and reported as killed
(their real exit status went with their parent), and the next ``spawn`` starts a new
service. ``close`` makes the service kill its children; if the runtime's process dies
instead, the service outlives it with its children (see ``launcher``).
"""

from __future__ import annotations

import array
import asyncio
import collections
import contextlib
import marshal
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
from typing import Any

from tektite.runtime.launcher import DIRS_REQUEST, KILL_MESSAGE
from tektite.runtime.mounts import LAUNCHER, start_mode_check
from tektite.runtime.pod_dirs import DirPlan


def _wait_for_exit(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Reap ``process`` once it exits, waiting up to ``timeout`` seconds. Through a
    pidfd: ``Popen.wait(timeout)`` polls with growing sleeps, which adds milliseconds
    to every runtime's closing after a process that needs only one or two."""
    try:
        pidfd = os.pidfd_open(process.pid)
    except OSError:  # already reaped, or a kernel without pidfds
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
        return
    try:
        poller = select.poll()  # (select.select refuses descriptors past 1023)
        poller.register(pidfd, select.POLLIN)
        poller.poll(timeout * 1000)
    finally:
        os.close(pidfd)
    process.poll()


class LaunchedProcess:
    """A process forked by the launcher service."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.pid: int | None = None
        self.returncode: int | None = None
        self.started: asyncio.Future[int] = loop.create_future()
        """The pid, once forked."""
        self.running: asyncio.Future[None] = loop.create_future()
        """Done once the container's command runs (exec'd, or the step wrapper started
        in-process): what the kubelet reports as the container running."""
        self.exited: asyncio.Future[int] = loop.create_future()
        self._pending_signals: list[int] = []

    def send_signal(self, signum: int) -> None:
        """Signal the process (queued until its pid is known); no-op once it exited."""
        if self.returncode is not None:
            return
        if self.pid is None:
            self._pending_signals.append(signum)
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL the process."""
        self.send_signal(signal.SIGKILL)

    def _set_pid(self, pid: int) -> None:
        self.pid = pid
        if not self.started.done():
            self.started.set_result(pid)
        pending, self._pending_signals = self._pending_signals, []
        for signum in pending:
            self.send_signal(signum)

    def _set_running(self) -> None:
        if not self.running.done():
            self.running.set_result(None)

    def _set_exit(self, returncode: int) -> None:
        self.returncode = returncode
        if not self.started.done():
            self.started.set_exception(ProcessLookupError("the process never started"))
            self.started.exception()  # retrieved: nobody has to await it
        if not self.running.done():
            self.running.set_exception(ProcessLookupError("the command never ran"))
            self.running.exception()
        if not self.exited.done():
            self.exited.set_result(returncode)


def _payload_fd(data: bytes) -> int:
    """A request's payload (a ``marshal``-ed spec or plan) as a file to send."""
    try:
        fd = os.memfd_create("tektite-launch-spec", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        with tempfile.TemporaryFile() as handle:
            fd = os.dup(handle.fileno())
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _send_nowait(channel: socket.socket, message: bytes, payload: bytes, fds: list[int]) -> None:
    """One request: ``message`` with ``payload`` (as a file) and ``fds`` attached, or
    BlockingIOError. (``socket.send_fds`` would do, but Python 3.11's ignores its
    ``flags``.)"""
    payload_fd = _payload_fd(payload)
    try:
        rights = array.array("i", [payload_fd, *fds])
        channel.sendmsg(
            [message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, rights)], socket.MSG_DONTWAIT
        )
    finally:
        os.close(payload_fd)


_prestarted: tuple[subprocess.Popen[bytes], socket.socket] | None = None
"""The service ``prestart_service`` started, until a ``Spawner`` takes it."""


def prestart_service() -> None:
    """Start a launcher service for this process's first ``Spawner`` to take.

    A command that will run Pods on the host calls this first thing: the service's
    start (an interpreter and the step wrapper's imports, 60-90 ms) then overlaps the
    command's own imports and file loading instead of delaying the first Pod. Never
    taken, it leaves as soon as this process ends (its channel closes). The runtime's
    check of mount namespaces (``mounts.start_mode_check``) starts now too."""
    global _prestarted
    if _prestarted is None:
        _prestarted = _start_service()
    start_mode_check()


def _start_service() -> tuple[subprocess.Popen[bytes], socket.socket]:
    """A new launcher service process and this side of its channel."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    env = {name: os.environ[name] for name in ("LANG", "LC_ALL", "LC_CTYPE") if name in os.environ}
    service = subprocess.Popen(
        [sys.executable, "-I", "-S", str(LAUNCHER), "--serve", str(theirs.fileno())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        pass_fds=(theirs.fileno(),),
        env=env,
        start_new_session=True,
    )
    theirs.close()
    return service, ours


class Spawner:
    """Client of one launcher service process."""

    def __init__(self) -> None:
        self._service: subprocess.Popen[bytes] | None = None
        self._channel: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next_id = 0
        self._requests: dict[str, LaunchedProcess] = {}
        self._by_pid: dict[int, LaunchedProcess] = {}
        self._dirs: dict[str, asyncio.Future[None]] = {}
        self._outbox: collections.deque[tuple[bytes, bytes, list[int]]] = collections.deque()
        """Requests not sent yet (``_send``)."""

    def start(self) -> None:
        """Start the service now (it warms up while the caller does other work), or
        take the one ``prestart_service`` started."""
        global _prestarted
        if self._channel is not None:
            return
        if _prestarted is None:
            self._service, self._channel = _start_service()
        else:
            (self._service, self._channel), _prestarted = _prestarted, None

    def _ensure_service(self) -> socket.socket:
        loop = asyncio.get_running_loop()
        if self._channel is None:
            self.start()
        assert self._channel is not None
        if self._loop is not loop:
            if self._loop is not None and not self._loop.is_closed():
                with contextlib.suppress(ValueError, RuntimeError):
                    self._loop.remove_reader(self._channel.fileno())
                with contextlib.suppress(ValueError, RuntimeError):
                    self._loop.remove_writer(self._channel.fileno())
            self._loop = loop
            loop.add_reader(self._channel.fileno(), self._readable)
            if self._outbox:
                loop.add_writer(self._channel.fileno(), self._flush)
        return self._channel

    def spawn(self, spec: dict[str, Any], output_fd: int, go_fd: int | None) -> LaunchedProcess:
        """Fork a container from the service; ``output_fd`` becomes its stdout/stderr."""
        channel = self._ensure_service()
        assert self._loop is not None
        process = LaunchedProcess(self._loop)
        self._next_id += 1
        request = str(self._next_id)
        fds = [output_fd] + ([go_fd] if go_fd is not None else [])
        # The service records the exit of a container with a state path, and forks it
        # into its cgroup (``launcher``).
        message = f"{request}\0{spec.get('state') or ''}\0{spec.get('cgroup') or ''}"
        self._send(channel, message.encode(), marshal.dumps(spec), fds)
        self._requests[request] = process
        return process

    def make_dirs(self, plan: DirPlan) -> asyncio.Future[None]:
        """Have the service make a Pod's directories (``pod_dirs.make``); the future
        fails with OSError if it could not."""
        channel = self._ensure_service()
        assert self._loop is not None
        done: asyncio.Future[None] = self._loop.create_future()
        self._next_id += 1
        request = str(self._next_id)
        self._send(channel, f"{DIRS_REQUEST}{request}".encode(), marshal.dumps(dict(plan)), [])
        self._dirs[request] = done
        return done

    def _send(self, channel: socket.socket, message: bytes, payload: bytes, fds: list[int]) -> None:
        """Send a request, in order. While the service is busy and its end of the
        channel full, the request waits here with its own copies of ``fds`` (the
        caller closes its own): the event loop must not block on a busy service."""
        if not self._outbox:
            try:
                _send_nowait(channel, message, payload, fds)
                return
            except BlockingIOError:
                pass
            except OSError:
                self._service_died()
                raise
        self._outbox.append((message, payload, [os.dup(fd) for fd in fds]))
        if len(self._outbox) == 1:
            assert self._loop is not None
            self._loop.add_writer(channel.fileno(), self._flush)

    def _flush(self) -> None:
        assert self._channel is not None and self._loop is not None
        while self._outbox:
            message, payload, fds = self._outbox[0]
            try:
                _send_nowait(self._channel, message, payload, fds)
            except BlockingIOError:
                return
            except OSError:
                self._service_died()
                return
            self._outbox.popleft()
            for fd in fds:
                os.close(fd)
        self._loop.remove_writer(self._channel.fileno())

    def _readable(self) -> None:
        assert self._channel is not None
        while True:
            try:
                message = self._channel.recv(256, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError:
                message = b""
            if not message:
                self._service_died()
                return
            kind, _, rest = message.decode("utf-8", "replace").partition(" ")
            if kind == DIRS_REQUEST:
                request, _, error = rest.partition(" ")
                made = self._dirs.pop(request, None)
                if made is not None and not made.done():
                    if error:
                        made.set_exception(OSError(error))
                    else:
                        made.set_result(None)
            elif kind == "S":
                request, _, pid_text = rest.partition(" ")
                process = self._requests.get(request)
                if process is not None:
                    pid = int(pid_text)
                    self._by_pid[pid] = process
                    process._set_pid(pid)
            elif kind == "R":
                process = self._requests.pop(rest, None)
                if process is not None:
                    process._set_running()
            elif kind == "X":
                pid_text, _, status_text = rest.partition(" ")
                found = self._by_pid.pop(int(pid_text), None)
                if found is not None:
                    found._set_exit(os.waitstatus_to_exitcode(int(status_text)))
            elif kind == "E":
                request, _, _ = rest.partition(" ")
                lost = self._requests.pop(request, None)
                if lost is not None:
                    lost._set_exit(128)

    def _service_died(self) -> None:
        for process in [*self._requests.values(), *self._by_pid.values()]:
            process.kill()
            process._set_exit(-signal.SIGKILL)
        self._requests.clear()
        self._by_pid.clear()
        for made in self._dirs.values():
            if not made.done():
                made.set_exception(OSError("the launcher service stopped"))
        self._dirs.clear()
        self._shutdown()

    def _shutdown(self) -> None:
        for _, _, fds in self._outbox:
            for fd in fds:
                os.close(fd)
        self._outbox.clear()
        if self._channel is not None:
            # Closing on purpose: the service kills its children (a channel that just
            # closes means the runtime died, and they run on).
            with contextlib.suppress(OSError):
                self._channel.send(KILL_MESSAGE)
            if self._loop is not None and not self._loop.is_closed():
                with contextlib.suppress(ValueError, RuntimeError):
                    self._loop.remove_reader(self._channel.fileno())
                with contextlib.suppress(ValueError, RuntimeError):
                    self._loop.remove_writer(self._channel.fileno())
            self._channel.close()
            self._channel = None
            self._loop = None
        if self._service is not None:
            # Closing the channel makes the service exit; reap it.
            _wait_for_exit(self._service, 5.0)
            if self._service.returncode is None:
                self._service.kill()
                self._service.wait()
            self._service = None

    def close(self) -> None:
        """Stop the service (its remaining children are killed with it)."""
        self._shutdown()
