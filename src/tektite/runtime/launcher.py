"""The launcher: sets up one container's process, then becomes it.

It runs as a *launcher service* (``python -I -S launcher.py --serve <fd>``), one per
runtime, started once and kept warm: ctypes, ``marshal`` and the step wrapper's modules
are imported up front, and each container is a ``fork`` of it (about 1.5 ms instead of
the ~35 ms of CPU a fresh interpreter plus imports costs). Over a ``SOCK_SEQPACKET``
socket the runtime sends ``<request id>`` (then, for a container, a NUL, its state path
prefix, a NUL and its cgroup, either possibly empty) with file descriptors attached: the
spec (a ``marshal``-ed dict, see ``host_pod.PodRun._build_launch``, in a memfd), the log
file for stdout and stderr, and optionally the read end of a *go* pipe. The service
answers ``S <id> <pid>`` once forked, ``R <id>`` once the child runs the container's
command (it exec'd it, or started the step wrapper in this interpreter; before ``X`` in
any case: a child that died first is reported running, then exited), and
``X <pid> <wait status>`` when a child exits (it is the children's parent, so it reaps
them). When the runtime closes on purpose it sends ``K`` first, and the service kills
its children's process groups and exits. When the runtime's end closes without it, the
runtime died (``kill -9``): the containers run on, and the service stays until the last
one has exited, recording each exit in the container's ``<state>.exit`` file for the
runtime that restarts (``host_state``).
A request ``D<id>`` with one descriptor (a ``marshal``-ed ``pod_dirs.DirPlan``) makes
a Pod's directories instead, beside the runtime's event loop; the answer is ``D <id>``,
or ``D <id> <error>``.

A container with a cgroup is forked straight into it (``fork_into_cgroup``: the
service makes the cgroup, then ``clone3`` with ``CLONE_INTO_CGROUP``), so that every
descendant can be found and killed. Joining it after the fork instead (writing to
``cgroup.procs``, still the fallback where ``clone3`` is refused) takes the kernel's
cgroup-wide lock for writing, which waits out an RCU grace period when no other
migration ran just before: ~10 ms for each container of a pipeline's sequential tasks,
while every fork on the machine, the service's own included, waits too.

A forked child, in order:

1. starts a new session (its own process group) and, if it was not forked into its
   cgroup, creates it and joins it;
2. in ``namespace`` mode: ``unshare(CLONE_NEWNS|CLONE_NEWUTS)`` (via ctypes), makes
   ``/`` recursively private, mounts a tmpfs over top-level mountpoints that do not
   exist on the host, bind-mounts every volume at its ``mountPath`` (parents first),
   remounts ``readOnly`` ones read-only and sets the hostname to the Pod's name; a
   probe instead joins the running container's namespaces (``setns``);
3. creates the working directory, drops to ``runAsUser``/``runAsGroup`` and enters it;
4. if the runtime gated the start, blocks until one byte arrives on the go pipe (steps
   are made ready while an earlier step runs, so set-up is off the critical path);
5. execs the command. When the command is Tektite's step wrapper shim (byte-identical
   to the file the runtime installed), it runs the wrapper in this (already warm)
   interpreter instead of starting another one; the shim would do exactly that. The
   same goes for Tekton's ``place-scripts`` program (``sh -c`` with one fixed block per
   script: touch, chmod +x, a base64 heredoc, ``entrypoint decode-script``): when the
   program consists of exactly those blocks and names the shim, the blocks are carried
   out here — same files, modes, log lines and exit status — instead of starting one
   interpreter per script. Anything else goes to the real ``sh``.

A failure before the exec is written to the spec's ``error_file`` and the child exits
128, which the runtime reports as the container's ``StartError``. Standard library
only, and as few imports as possible.
"""

from __future__ import annotations

import contextlib
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

START_ERROR_EXIT = 128

# Per-container state files, for a runtime that restarts while containers run (see
# ``host_state``): a child whose spec names a ``state`` path prefix writes
# ``<state>.pid`` as it starts (and removes it if it is never released); the service,
# its parent, writes the raw wait status to ``<state>.exit`` when it reaps it.
PID_SUFFIX = ".pid"
EXIT_SUFFIX = ".exit"
# Sent by the runtime before it closes its end on purpose: kill the children. Without
# it, a closed channel means the runtime died: the children run on, and the service
# stays to reap them and record their exits, then leaves.
KILL_MESSAGE = b"K"
# The prefix of a request to make a Pod's directories (``pod_dirs``) instead of forking.
DIRS_REQUEST = "D"

CLONE_INTO_CGROUP = 0x200000000
SYS_CLONE3 = 435  # the same number on every architecture (the unified syscall table)
# struct clone_args as far as ``cgroup`` (CLONE_ARGS_SIZE_VER2): 11 64-bit fields.
CLONE_ARGS_FIELDS = 11
CLONE_ARGS_EXIT_SIGNAL = 4
CLONE_ARGS_CGROUP = 10
CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
# statvfs flags with the same bit values as their MS_ twins: a read-only remount must
# keep them, or the kernel refuses (or silently clears them).
_KEPT_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC

# The step wrapper's modules, imported once by the service so that every forked
# container that runs the wrapper in-process starts warm.
_WRAPPER_MODULES = (
    "tektite.entrypoint.__main__",
    "tektite.entrypoint.lifecycle",
    "tektite.entrypoint.runner",
    "tektite.entrypoint.termination",
    "tektite.entrypoint.results",
    "tektite.entrypoint.substitution",
    "tektite.entrypoint.when",
    "json",
)

# Standard-library modules the wrapper imports inside functions (see ``_prewarm``).
_WRAPPER_LAZY_IMPORTS = (
    "binascii",
    "collections.abc",
    "importlib",
    "json",
    "os",
    "posixpath",
    "re",
    "select",
    "signal",
    "stat",
    "tempfile",
    "types",
    "typing",
    "zlib",
)


# SIGTERM and SIGINT are blocked across the fork. A container whose spec has
# ``hold_stop_signals`` (the runtime's sidecarlogresults program) is exec'd with them
# still blocked, so one that arrives before the program has set up its handling stays
# pending instead of killing it: the Go program installs its handler within a
# millisecond of starting, a Python one only after interpreter start-up. The program
# unblocks them itself (it knows its mode); every other child unblocks them at once.
_STOP_SIGNAL_NAMES = ("SIGTERM", "SIGINT")


class LaunchError(Exception):
    """Setting the container up failed; the message is what the Pod status shows."""


_LIBC_FUNCTIONS = ("unshare", "mount", "sethostname", "setns")
_libc_handle: Any = None


def _libc() -> Any:
    """libc through ctypes, loaded once. The service loads it, and looks its functions up,
    before it forks: each container then finds them resolved (loading it again and
    looking them up cost ~0.1 ms of every container's start)."""
    global _libc_handle
    if _libc_handle is None:
        import ctypes

        _libc_handle = ctypes.CDLL(None, use_errno=True)
    return _libc_handle


_clone3: Any = None
"""libc and the interpreter's C API, called with the GIL held (as ``os.fork`` calls
``fork``); False once the kernel refused ``clone3`` (too old, or a seccomp filter)."""


def fork_into_cgroup(cgroup: str) -> int:
    """``os.fork()``, but the child is a member of the cgroup v2 directory ``cgroup``
    (made if missing) from its start: ``clone3`` with ``CLONE_INTO_CGROUP``, between the
    interpreter's own fork hooks, as ``os.fork`` calls ``fork``. Raises OSError when
    that cannot be done; the caller then forks and the child joins the cgroup."""
    global _clone3
    import ctypes

    if _clone3 is False:
        raise OSError(38, "clone3 is not available")  # ENOSYS
    with contextlib.suppress(FileExistsError):
        os.mkdir(cgroup)
    fd = os.open(cgroup, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    if _clone3 is None:
        _clone3 = ctypes.PyDLL(None, use_errno=True)
        _clone3.syscall.restype = ctypes.c_long
    api = _clone3
    args = (ctypes.c_uint64 * CLONE_ARGS_FIELDS)()
    args[0] = CLONE_INTO_CGROUP
    args[CLONE_ARGS_EXIT_SIGNAL] = __import__("_signal").SIGCHLD
    args[CLONE_ARGS_CGROUP] = fd
    api.PyOS_BeforeFork()
    pid = api.syscall(ctypes.c_long(SYS_CLONE3), args, ctypes.c_size_t(ctypes.sizeof(args)))
    code = ctypes.get_errno()
    if pid == 0:
        api.PyOS_AfterFork_Child()
    else:
        api.PyOS_AfterFork_Parent()
    os.close(fd)
    if pid < 0:
        if code in (1, 22, 38):  # EPERM, EINVAL, ENOSYS: it will not work later either
            _clone3 = False
        raise OSError(code, os.strerror(code))
    return int(pid)


def _check(result: int, what: str) -> None:
    if result != 0:
        import ctypes

        code = ctypes.get_errno()
        text = os.strerror(code)
        raise LaunchError(f"{what}: {text[:1].lower()}{text[1:]}")


def _fs(path: str) -> bytes:
    return os.fsencode(path)


def _reason(error: OSError) -> str:
    """Go-style lower-case OS error text (``no such file or directory``)."""
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]


def _make_mountpoint(target: str, is_file: bool) -> None:
    from tektite.runtime.pod_dirs import make_dir

    if is_file:
        make_dir(os.path.dirname(target))
        if not os.path.lexists(target):
            with open(target, "ab"):
                pass
    else:
        make_dir(target)


def setup_namespace(namespace: dict[str, Any]) -> None:
    """Enter a private mount (and UTS) namespace and mount the container's volumes."""
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWUTS), "unshare")
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    for top in namespace.get("tmpfs") or []:
        _check(
            libc.mount(b"tmpfs", _fs(top), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=755"),
            f"mount tmpfs on {top}",
        )
    read_only: list[str] = []
    for source, target, is_read_only, is_file in namespace.get("mounts") or []:
        try:
            _make_mountpoint(target, is_file)
        except OSError as error:
            raise LaunchError(f"create mountpoint {target}: {_reason(error)}") from None
        _check(
            libc.mount(_fs(source), _fs(target), None, MS_BIND | MS_REC, None),
            f"bind mount {source} on {target}",
        )
        if is_read_only:
            read_only.append(target)
    # Remount read-only last: a nested mountpoint may have to be created inside.
    for target in read_only:
        kept = os.statvfs(target).f_flag & _KEPT_FLAGS
        flags = MS_BIND | MS_REMOUNT | MS_RDONLY | kept
        _check(libc.mount(None, _fs(target), None, flags, None), f"remount {target} read-only")
    hostname = _fs(namespace.get("hostname") or "")
    if hostname:
        _check(libc.sethostname(hostname, len(hostname)), "sethostname")


def join_namespaces(pid: int, hostname: str | None = None) -> None:
    """Enter the mount and UTS namespaces of a running container process.

    Only once the container has set them up (``setup_namespace``): its process exists
    (and a probe may run) from the fork, before its own namespace does. A process still
    in this service's mount namespace, or whose UTS namespace lacks the Pod's
    ``hostname`` (set last), is not set up yet: joining it would run the probe in the
    host's view of the files.
    """
    not_yet = f"the namespaces of process {pid} are not set up yet"
    try:
        theirs = os.stat(f"/proc/{pid}/ns/mnt").st_ino
    except OSError as error:
        raise LaunchError(f"open namespace of process {pid}: {_reason(error)}") from None
    if theirs == os.stat("/proc/self/ns/mnt").st_ino:
        raise LaunchError(not_yet)
    libc = _libc()
    for kind, flag in (("mnt", CLONE_NEWNS), ("uts", CLONE_NEWUTS)):
        try:
            fd = os.open(f"/proc/{pid}/ns/{kind}", os.O_RDONLY | os.O_CLOEXEC)
        except OSError as error:
            raise LaunchError(f"open namespace of process {pid}: {_reason(error)}") from None
        try:
            _check(libc.setns(fd, flag), f"setns {kind}")
        finally:
            os.close(fd)
    if hostname and os.uname().nodename != hostname:
        raise LaunchError(not_yet)


def check_namespaces() -> int:
    """``--check-namespaces``: exit 0 if a private mount namespace with a bind mount works."""
    import tempfile

    try:
        libc = _libc()
        _check(libc.unshare(CLONE_NEWNS), "unshare")
        _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
        directory = tempfile.mkdtemp(prefix="tektite-ns-check-")
        try:
            _check(
                libc.mount(_fs(directory), _fs(directory), None, MS_BIND | MS_REC, None),
                "bind mount",
            )
            _check(libc.umount2(_fs(directory), 0), "umount")
        finally:
            os.rmdir(directory)
    except (LaunchError, OSError, AttributeError) as error:
        sys.stderr.write(f"{error}\n")
        return 1
    return 0


def _which(name: str, env: dict[str, str]) -> str:
    """Resolve argv[0] as Go's exec.LookPath does with the container's PATH."""
    if "/" in name:
        return name
    for directory in (env.get("PATH") or "").split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise LaunchError(f'exec: "{name}": executable file not found in $PATH')


def _is_shim(path: str, shim: str | None) -> bool:
    if not shim:
        return False
    expected = shim.encode()
    try:
        with open(path, "rb") as handle:
            return handle.read(len(expected) + 1) == expected
    except OSError:
        return False  # unreadable (mode 0311 and not root): exec it instead


def _prewarm(python_path: str) -> None:
    """Import the step wrapper and everything it imports, even inside functions.

    A container running as another user may not be able to read this interpreter's
    library (say, a Python under /root): whatever the wrapper would import later must
    already be loaded when the service forks. The standard-library modules it imports
    inside functions are listed in ``_WRAPPER_LAZY_IMPORTS`` (a test parses the wrapper's
    sources and checks the list is complete: parsing them here cost ~50 ms per start).
    """
    if python_path not in sys.path:
        sys.path.insert(0, python_path)
    import importlib

    for name in _WRAPPER_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    package = os.path.join(python_path, "tektite", "entrypoint")
    try:
        sources = sorted(name for name in os.listdir(package) if name.endswith(".py"))
    except OSError:
        sources = []
    for source in sources:
        with contextlib.suppress(ImportError):
            importlib.import_module("tektite.entrypoint." + source[:-3])
    for name in _WRAPPER_LAZY_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _drop_privileges(spec: dict[str, Any]) -> None:
    uid = spec.get("uid")
    gid = spec.get("gid")
    groups = spec.get("groups")
    try:
        if gid is not None or groups is not None:
            os.setgroups([int(group) for group in groups or []])
        if gid is not None:
            os.setgid(int(gid))
        if uid is not None:
            os.setuid(int(uid))
    except OSError as error:
        raise LaunchError(f"set user {uid}:{gid}: {_reason(error)}") from None


def _wait_for_go(fd: int, state: str | None) -> None:
    while True:
        try:
            data = os.read(fd, 1)
        except InterruptedError:
            continue
        if not data:
            # The runtime went away (or deleted the Pod) before releasing us: nothing of
            # the container ran, and without a pid file a restarted runtime knows it.
            if state:
                with contextlib.suppress(OSError):
                    os.unlink(state + PID_SUFFIX)
            os._exit(0)
        os.close(fd)
        return


def _use_environment(env: dict[str, str], python_path: str) -> None:
    import time

    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    # The service imported the wrapper already (``_prewarm``); only the path is needed.
    if python_path not in sys.path:
        sys.path.insert(0, python_path)


def run_wrapper_in_process(argv: list[str], env: dict[str, str], python_path: str) -> NoReturn:
    """Run the step wrapper as the shim would, in this process, with ``env``."""
    _use_environment(env, python_path)
    sys.argv = list(argv)
    from tektite.entrypoint.__main__ import _run

    _run()
    raise SystemExit(0)


# One block of Tekton's place-scripts program (pkg/pod/script.go), for a path without
# characters the shell would split, glob or expand.
_PLACE_SCRIPT_BLOCK = (
    r'scriptfile="(?P<file>[^\s"$`\\*?\[\]]+)"\n'
    r"touch \$\{scriptfile\} && chmod \+x \$\{scriptfile\}\n"
    r"cat > \$\{scriptfile\} << '_EOF_'\n"
    r"(?P<data>[A-Za-z0-9+/=]*)\n"
    r"_EOF_\n"
    r'(?P<entry>[^\s"$`\\]+) decode-script "\$\{scriptfile\}"\n'
)


def place_scripts_blocks(
    argv: list[str], env: dict[str, str], shim: str | None
) -> list[tuple[str, str]] | None:
    """(file, base64) per block if ``argv`` is exactly Tekton's place-scripts program
    whose ``decode-script`` runs the shim, else None."""
    if len(argv) != 3 or os.path.basename(argv[0]) != "sh" or argv[1] != "-c" or not shim:
        return None
    import re

    program = argv[2]
    blocks: list[tuple[str, str]] = []
    position = 0
    pattern = re.compile(_PLACE_SCRIPT_BLOCK)
    while position < len(program):
        found = pattern.match(program, position)
        if found is None:
            return None
        try:
            entry = _which(found.group("entry"), env)
        except LaunchError:
            return None
        if not _is_shim(entry, shim):
            return None
        blocks.append((found.group("file"), found.group("data")))
        position = found.end()
    return blocks or None


def run_place_scripts(blocks: list[tuple[str, str]], env: dict[str, str], python_path: str) -> int:
    """Carry out place-scripts blocks as ``sh`` would; return the last command's status."""
    _use_environment(env, python_path)
    from tektite.entrypoint.main import main as wrapper_main

    mask = os.umask(0)
    os.umask(mask)
    status = 0
    for path, data in blocks:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666 & ~mask))
            os.utime(path)
            os.chmod(path, os.stat(path).st_mode & 0o7777 | (0o111 & ~mask))
        except OSError as error:
            os.write(2, f"touch: {path}: {_reason(error)}\n".encode())
        try:
            with open(path, "w", encoding="ascii") as handle:
                handle.write(data + "\n")
        except OSError as error:
            os.write(2, f"sh: can't create {path}: {_reason(error)}\n".encode())
        status = wrapper_main(["decode-script", path])
    return status


def launch(spec: dict[str, Any]) -> tuple[str, Any]:
    """Set the container up as ``spec`` says and exec its command.

    Returns only for work done in this interpreter: ``("wrapper", argv)`` when the
    command is the step wrapper shim, ``("place-scripts", blocks)`` for Tekton's
    place-scripts program.
    """
    if spec.get("cgroup") and not spec.get("in_cgroup"):
        try:
            with contextlib.suppress(FileExistsError):
                os.mkdir(spec["cgroup"])
            with open(os.path.join(spec["cgroup"], "cgroup.procs"), "w") as handle:
                handle.write("0")
        except OSError:
            pass  # tracking falls back to the session; not fatal
    if spec.get("join_pid"):
        join_namespaces(int(spec["join_pid"]), spec.get("join_hostname"))
    elif spec.get("namespace"):
        setup_namespace(spec["namespace"])
    env: dict[str, str] = spec["env"]
    cwd = spec.get("cwd") or "/"
    try:
        os.makedirs(cwd, exist_ok=True)
    except OSError as error:
        raise LaunchError(f"mkdir {cwd}: {_reason(error)}") from None
    argv: list[str] = spec["argv"]
    shim = spec.get("shim")
    if not argv:
        raise LaunchError("no command specified")
    # Decide while still root: the wrapper shim is mode 0311 (not readable by others).
    in_process: tuple[str, Any] | None = None
    try:
        if _is_shim(_which(argv[0], env), shim):
            in_process = ("wrapper", argv)
    except LaunchError:
        pass
    if in_process is None:
        blocks = place_scripts_blocks(argv, env, shim)
        if blocks is not None:
            in_process = ("place-scripts", blocks)
    _drop_privileges(spec)
    try:
        os.chdir(cwd)
    except OSError as error:
        raise LaunchError(
            f'chdir to cwd ("{cwd}") set in config.json failed: {_reason(error)}'
        ) from None
    if any("\0" in part for part in argv) or any("\0" in item for item in env.items()):
        # execve refuses a NUL byte (EINVAL): the container runtime cannot start the
        # process, the step wrapper included (it is the command the runtime execs).
        raise LaunchError(f'exec: "{argv[0]}": invalid argument')
    if spec.get("go_fd") is not None:
        _wait_for_go(int(spec["go_fd"]), spec.get("state"))
    if in_process is not None:
        return in_process
    executable = _which(argv[0], env)
    # Python ignores these; an exec'd program must get the default disposition back.
    signals: Any = __import__("_signal")
    for name in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signals, name):
            signals.signal(getattr(signals, name), signals.SIG_DFL)
    try:
        os.execve(executable, argv, env)
    except OSError as error:
        raise LaunchError(f'exec: "{argv[0]}": {_reason(error)}') from None
    raise AssertionError("unreachable")  # execve never returns


def _fail(error_file: str, message: str) -> NoReturn:
    try:
        with open(error_file, "w", encoding="utf-8") as handle:
            handle.write(message)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        os.write(2, (message + "\n").encode("utf-8", "replace"))
    os._exit(START_ERROR_EXIT)


def _write_small(path: str, text: str) -> None:
    """One ``write`` of a few bytes to a new file: no rename, since every metadata
    operation costs (~0.3 ms on a VM's ext4) on the path of each container. A reader
    may find it empty for a moment (``host_state`` allows for that)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _write_pid_file(state: str, cgroup: str | None) -> None:
    """``<pid> <start time in clock ticks> <cgroup>``: what a restarted runtime needs to
    find this process again, and to tell it from a later process with the same pid."""
    try:
        with open("/proc/self/stat", "rb") as handle:
            stat = handle.read()
        start = stat[stat.rfind(b")") + 2 :].split()[19].decode()
    except (OSError, IndexError):
        start = "0"
    with contextlib.suppress(OSError):
        _write_small(state + PID_SUFFIX, f"{os.getpid()} {start} {cgroup or ''}\n")


def _child(
    spec_fd: int,
    output_fd: int,
    go_fd: int | None,
    running_fd: int,
    mask: set[int],
    in_cgroup: bool,
) -> NoReturn:
    """Run in a freshly forked child of the service: become the container.

    The child starts with SIGTERM and SIGINT blocked; ``mask`` is the signal mask to
    restore once the spec says whether to keep them held (see ``_STOP_SIGNAL_NAMES``).
    ``running_fd`` (close-on-exec) closes when the container's command starts: the
    service then reports it running. ``in_cgroup``: it was forked into its cgroup.
    """
    import marshal

    code = 1
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.close(null)
        os.close(output_fd)
        with os.fdopen(spec_fd, "rb") as handle:
            spec: dict[str, Any] = marshal.loads(handle.read())
        if go_fd is not None:
            spec["go_fd"] = go_fd
        spec["in_cgroup"] = in_cgroup
        if spec.get("state"):
            _write_pid_file(spec["state"], spec.get("cgroup"))
        if not spec.get("hold_stop_signals"):
            signals: Any = __import__("_signal")
            signals.pthread_sigmask(signals.SIG_SETMASK, mask)
        try:
            action, detail = launch(spec)
        except (LaunchError, OSError) as error:
            _fail(spec["error_file"], f"unable to start container process: {error}")
        os.close(running_fd)  # no exec: the command starts here
        if action == "wrapper":
            run_wrapper_in_process(detail, spec["env"], spec["python_path"])
        code = run_place_scripts(detail, spec["env"], spec["python_path"])
    except SystemExit as stop:
        # The step wrapper ran in-process and finished.
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException as error:  # never fall back into the service loop
        with contextlib.suppress(OSError):
            os.write(2, f"launcher: {error!r}\n".encode())
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def serve(fd: int) -> int:
    """The launcher service loop on socket ``fd`` (see the module docstring)."""
    import select
    import socket

    signals: Any = __import__("_signal")
    _prewarm(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    # Pods' directories and containers' mountpoints: loaded before any fork, as the
    # wrapper is (``_prewarm``), for a container whose user cannot read this library.
    __import__("tektite.runtime.pod_dirs")
    libc = _libc()
    for name in _LIBC_FUNCTIONS:
        getattr(libc, name)  # ctypes keeps each function it looks up on the handle
    # Out of the collector's sight from now on: a full collection in the service would
    # write to every object's header, so after each fork the service would copy every
    # page still shared with a running child.
    __import__("gc").freeze()
    channel = socket.socket(fileno=fd)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signals.set_wakeup_fd(wake_write)
    signals.signal(signals.SIGCHLD, lambda *_: None)
    stop_signals = {getattr(signals, name) for name in _STOP_SIGNAL_NAMES}
    # pid -> its state path prefix and its cgroup ("" for none)
    children: dict[int, tuple[str, str]] = {}
    starting: dict[int, tuple[str, int]] = {}  # running pipe -> (request, pid)
    orphaned = False  # the runtime died: reap and record, then leave

    def report_running(fd: int) -> None:
        request, _ = starting.pop(fd)
        os.close(fd)
        if not orphaned:
            with contextlib.suppress(OSError):
                channel.send(f"R {request}".encode())

    while True:
        watched = [wake_read] if orphaned else [channel.fileno(), wake_read, *starting]
        try:
            ready, _, _ = select.select(watched, [], [])
        except InterruptedError:
            continue
        for fd in ready:
            if fd in starting:
                report_running(fd)  # end of file: exec'd (or died)
        if wake_read in ready:
            os.read(wake_read, 4096)
            while children:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                state, cgroup = children.pop(pid, ("", ""))
                for fd in [fd for fd, (_, child) in starting.items() if child == pid]:
                    report_running(fd)  # died before its command ran: R, then X
                if state:
                    with contextlib.suppress(OSError):
                        _write_small(state + EXIT_SUFFIX, f"{status}\n")
                if not orphaned:
                    try:
                        channel.send(f"X {pid} {status}".encode())
                    except OSError:
                        orphaned = True
                if cgroup:
                    # Gone with its last process, as a Pod's container: then here,
                    # beside the runtime's loop. (Processes left in it keep it: the
                    # runtime kills them, then removes it.)
                    with contextlib.suppress(OSError):
                        os.rmdir(cgroup)
        if orphaned:
            if not children:
                return 0
            continue
        if channel.fileno() not in ready:
            continue
        try:
            message, fds, _, _ = socket.recv_fds(channel, 4096, 4)
        except OSError:
            message, fds = b"", []
        if message == KILL_MESSAGE:
            # The runtime is closing: take the containers down with us.
            for pid in children:
                # The group may not exist yet (a child that has not reached setsid):
                # kill the child itself too.
                with contextlib.suppress(OSError):
                    os.killpg(pid, signals.SIGKILL)
                with contextlib.suppress(OSError):
                    os.kill(pid, signals.SIGKILL)
            return 0
        if not message:
            # The runtime died: its containers run on (a restarted runtime adopts them).
            orphaned = True
            if not children:
                return 0
            continue
        request, _, rest = message.decode().partition("\0")
        state, _, cgroup = rest.partition("\0")
        if request.startswith(DIRS_REQUEST):
            channel.send(_make_dirs(request[len(DIRS_REQUEST) :], fds))
            continue
        if len(fds) < 2:
            for extra in fds:
                os.close(extra)
            channel.send(f"E {request} missing file descriptors".encode())
            continue
        # A stop signal the runtime sends as soon as it learns the pid must not reach
        # the child before it knows whether to hold it (``_STOP_SIGNAL_NAMES``).
        mask = signals.pthread_sigmask(signals.SIG_BLOCK, stop_signals)
        running_read, running_write = os.pipe()  # both close-on-exec
        in_cgroup = False
        if cgroup:
            try:
                pid = fork_into_cgroup(cgroup)
                in_cgroup = True
            except OSError:
                pid = os.fork()  # the child joins it (``launch``)
        else:
            pid = os.fork()
        if pid == 0:
            signals.set_wakeup_fd(-1)
            signals.signal(signals.SIGCHLD, signals.SIG_DFL)
            channel.close()
            os.close(wake_read)
            os.close(wake_write)
            os.close(running_read)
            for other in starting:
                os.close(other)
            go = fds[2] if len(fds) > 2 else None
            _child(fds[0], fds[1], go, running_write, set(mask), in_cgroup)
        signals.pthread_sigmask(signals.SIG_SETMASK, mask)
        os.close(running_write)
        starting[running_read] = (request, pid)
        children[pid] = (state, cgroup)
        for received in fds:
            os.close(received)
        channel.send(f"S {request} {pid}".encode())


def _make_dirs(request: str, fds: list[int]) -> bytes:
    """Carry out the ``pod_dirs.DirPlan`` in ``fds[0]``; the reply to ``request``."""
    import marshal

    from tektite.runtime import pod_dirs

    try:
        if len(fds) != 1:
            raise OSError("missing file descriptor")
        with os.fdopen(fds.pop(), "rb") as handle:
            plan = marshal.loads(handle.read())
        pod_dirs.make(plan)
        return f"{DIRS_REQUEST} {request}".encode()
    except (OSError, ValueError, EOFError, TypeError, KeyError) as error:
        # The reply must fit the runtime's read (``spawner``): the error is cut short.
        return f"{DIRS_REQUEST} {request} {error}".encode("utf-8", "replace")[:240]
    finally:
        for fd in fds:
            os.close(fd)


def main(argv: list[str]) -> int:
    """Entry point: ``launcher.py --serve <fd>`` or ``launcher.py --check-namespaces``."""
    if argv == ["--check-namespaces"]:
        return check_namespaces()
    if len(argv) == 2 and argv[0] == "--serve":
        code = serve(int(argv[1]))
        # Skip the interpreter's teardown (~20-30 ms with the wrapper's modules loaded):
        # the runtime waits for this exit when it closes.
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os._exit(code)
    sys.stderr.write("usage: launcher.py --serve <fd> | --check-namespaces\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
