"""Build the step wrapper into a self-contained directory that runs in any image.

``python -m tektite.runtime.build_entrypoint`` (also ``scripts/build-entrypoint``)
assembles, from Debian's packages only, a *bundle*: one directory that runs
``tektite.entrypoint`` (standard library only) in any Linux image, even one with no
shell, no libc, no Python and no ``/tmp`` (busybox, distroless, scratch), mounted
read-only at any path, as any user::

    entrypoint              static launcher (C, ``gcc -static``), ~0.7 MB
    sidecarlogresults       hard link to it
    workingdirinit          hard link to it
    .tektite/python3        Debian's /usr/bin/python3 (the ELF file, unchanged)
    .tektite/python3._pth   "python.zip", "lib": the interpreter's whole sys.path
    .tektite/python.zip     the wrapper and the stdlib modules it can import, as .pyc
    .tektite/lib/           the dynamic loader, the C libraries python3 needs (ldd)
                            and the few extension modules (.so) the wrapper imports

The launcher finds its own directory (``/proc/self/exe``, else the path the kernel
ran) and execs ``.tektite/lib/ld-linux-….so.2 --library-path .tektite/lib
.tektite/python3 -I -S -B -X tektite.launcher -c "<multicall>" ARGV0 ARGS…``: the
bundled loader runs the
bundled interpreter with the bundled libraries, whatever the image holds, and nothing
is unpacked (the files are mapped where they are). The ``._pth`` file fixes
``sys.path`` to the bundle (it also implies isolated mode: no ``PYTHON*`` variable of
the step's environment reaches the wrapper) and nothing is added to the environment
the step inherits. ``ARGV0`` is the launcher's own ``argv[0]``, so the program is
chosen by the name it runs as (``tektite.entrypoint.multicall``) and Go's ``Usage of
/ko-app/sidecarlogresults:`` texts keep their path. The launcher ``exec``s (it does not
fork), so the wrapper is the process that gets the container's signals.

Start-up costs what starting Debian's python3 costs (~10 ms CPU) plus the wrapper's
imports: the same as the in-tree wrapper run by an installed Python
(``bench/bench_entrypoint_binary.py``). The bundle is ~15 MB, one copy per machine,
hard-linked into data directories and into each Pod's ``/tekton/bin``.

The bundle is cached: its name carries a hash of the wrapper's sources, of this file
and of the interpreter's identity (path, size, date), so editing either, or an upgrade
of Debian's python3, builds a new one, and an unchanged tree reuses it at once. The
cache is ``$TEKTITE_BUILD_CACHE``, else ``$XDG_CACHE_HOME/tektite``, else
``~/.cache/tektite``; concurrent builds wait for each other on a lock file. Missing
Debian packages (``python3``, ``gcc``, ``libc6-dev``) are installed with apt-get as
root or through passwordless sudo; nothing else is downloaded.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

DEBIAN_PYTHON = "/usr/bin/python3"
BUNDLE_PREFIX = "tektite-entrypoint-"
CACHE_ENV = "TEKTITE_BUILD_CACHE"
SUPPORT_DIR = ".tektite"
"""The bundle's directory of support files, beside the launcher."""
LAUNCHER = "entrypoint"
PROGRAMS = ("entrypoint", "sidecarlogresults", "workingdirinit")
"""The launcher's names in the bundle (``tektite.entrypoint.multicall.PROGRAMS``)."""

_COLLECTOR = Path(__file__).resolve().with_name("entrypoint_stdlib.py")
_CODE = "import sys;from tektite.entrypoint.multicall import main;sys.exit(main(sys.argv[1:]))"

# The launcher. No stdio: it is small and has nothing to buffer.
_LAUNCHER_C = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static void say(const char *text) { (void)!write(2, text, strlen(text)); }

static char *join(const char *dir, const char *name) {
    size_t size = strlen(dir) + strlen(name) + 1;
    char *path = malloc(size);
    if (path == NULL) { say("tektite entrypoint: out of memory\n"); _exit(127); }
    strcpy(path, dir);
    strcat(path, name);
    return path;
}

int main(int argc, char **argv) {
    static char dir[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (length > 0) {
        dir[length] = '\0';
    } else {  /* no /proc: the path the kernel ran */
        const char *ran = (const char *)getauxval(AT_EXECFN);
        if (ran == NULL || strlen(ran) >= sizeof dir) {
            say("tektite entrypoint: cannot find its own path (no /proc/self/exe)\n");
            return 127;
        }
        strcpy(dir, ran);
    }
    char *slash = strrchr(dir, '/');
    if (slash == NULL) strcpy(dir, ".");
    else if (slash == dir) dir[1] = '\0';
    else *slash = '\0';
    if (strcmp(dir, "/") == 0) dir[0] = '\0';

    char *loader = join(dir, "/" SUPPORT "/lib/" LOADER);
    char **args = calloc((size_t)argc + 16, sizeof *args);
    if (args == NULL) { say("tektite entrypoint: out of memory\n"); return 127; }
    int count = 0;
    args[count++] = loader;
    args[count++] = "--library-path";
    args[count++] = join(dir, "/" SUPPORT "/lib");
    args[count++] = join(dir, "/" SUPPORT "/python3");
    args[count++] = "-I";
    args[count++] = "-S";
    args[count++] = "-B";
    /* Python sets LC_CTYPE=C.UTF-8 in a "C" locale (PEP 538, not switchable off in
       isolated mode): tell the wrapper what to give back to the step. */
    args[count++] = "-X";
    args[count++] = "tektite.launcher";
    const char *lc_ctype = getenv("LC_CTYPE");
    if (lc_ctype != NULL) {
        args[count++] = "-X";
        args[count++] = join("tektite.lc_ctype=", lc_ctype);
    }
    args[count++] = "-c";
    args[count++] = CODE;
    args[count++] = argc > 0 ? argv[0] : "entrypoint";
    for (int i = 1; i < argc; i++) args[count++] = argv[i];
    args[count] = NULL;
    execv(loader, args);
    int error = errno;
    say("tektite entrypoint: cannot run ");
    say(loader);
    say(": ");
    say(strerror(error));
    say(" (the launcher needs its bundle's " SUPPORT " directory beside it)\n");
    return 127;
}
"""

Log = Callable[[str], None]


class BuildError(Exception):
    """The bundle could not be built; the message says what failed and what to do."""


def source_root() -> Path:
    """The directory holding the ``tektite`` package (``src`` in a checkout)."""
    return Path(__file__).resolve().parent.parent.parent


def entrypoint_sources() -> list[Path]:
    """The files the bundle is built from: the wrapper's modules and the build's own."""
    package = source_root() / "tektite" / "entrypoint"
    return [*sorted(package.glob("*.py")), Path(__file__).resolve(), _COLLECTOR]


def _interpreter_identity() -> str:
    try:
        real = os.path.realpath(DEBIAN_PYTHON)
        info = os.stat(real)
    except OSError:
        return "absent"
    return f"{real} {info.st_size} {info.st_mtime_ns}"


def source_key() -> str:
    """A hash of ``entrypoint_sources()`` (names and contents) and of the interpreter."""
    digest = hashlib.sha256(f"{_interpreter_identity()}\0".encode())
    for path in entrypoint_sources():
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def bundle_name(key: str | None = None) -> str:
    """The cached bundle's directory name for ``key`` (the current sources by default)."""
    return BUNDLE_PREFIX + (key or source_key())


def cache_dir() -> Path:
    """Where built bundles are kept."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tektite"


def cached_bundle(key: str | None = None) -> Path:
    """The path the bundle for ``key`` has in the cache (it may not exist yet)."""
    return cache_dir() / "entrypoint" / bundle_name(key)


def _quiet_log(_message: str) -> None:
    pass


def build(*, force: bool = False, log: Log = _quiet_log) -> Path:
    """Return the cached bundle for the current sources, building it when missing.

    Raises ``BuildError`` when a tool cannot be installed or a build step fails.
    """
    target = cached_bundle()
    if target.is_dir() and not force:
        return target
    _ensure_debian_tools(log)
    target = cached_bundle()  # installing python3 changes the key
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir() / "build.lock"):
        if target.is_dir() and not force:  # built by another process meanwhile
            return target
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=".build-", dir=target.parent) as work:
            bundle = Path(work) / target.name
            _assemble(bundle, Path(work), log)
            _smoke_test(bundle, Path(work))
            if target.exists():
                shutil.rmtree(target)
            os.rename(bundle, target)
        _remove_stale(target)
        files = [path for path in target.rglob("*") if path.is_file()]
        size = sum(path.stat().st_size for path in files if path.name not in PROGRAMS[1:])
        log(
            f"built {target} ({len(files)} files, {size / 1e6:.1f} MB) in "
            f"{time.monotonic() - started:.1f} s"
        )
    return target


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale(keep: Path) -> None:
    """Drop bundles built from older sources (data directories hold hard links)."""
    for path in keep.parent.glob(BUNDLE_PREFIX + "*"):
        if path != keep:
            shutil.rmtree(path, ignore_errors=True)


def _assemble(bundle: Path, work: Path, log: Log) -> None:
    """Write the bundle's files into ``bundle`` (a new directory)."""
    support = bundle / SUPPORT_DIR
    libraries = support / "lib"
    libraries.mkdir(parents=True)
    started = time.monotonic()
    listed = _run(
        [DEBIAN_PYTHON, "-I", "-S", str(_COLLECTOR), str(source_root()), str(support)],
        "collecting the modules",
        log,
    )
    extensions = [Path(line) for line in listed.splitlines() if line.strip()]
    python = Path(os.path.realpath(DEBIAN_PYTHON))
    (loader_name, loader), needed = _shared_libraries([python, *extensions])
    _copy(python, support / "python3", 0o755)
    (support / "python3._pth").write_text("python.zip\nlib\n")
    for path in extensions:
        _copy(path, libraries / path.name, 0o644)
    for name, path in sorted(needed.items()):
        _copy(path, libraries / name, 0o755)
    _copy(loader, libraries / loader_name, 0o755)
    log(f"interpreter, modules and libraries: {time.monotonic() - started:.1f} s")
    _compile_launcher(loader_name, work, bundle / LAUNCHER, log)
    for name in PROGRAMS[1:]:
        os.link(bundle / LAUNCHER, bundle / name)
    for path in [bundle, support, libraries]:
        os.chmod(path, 0o755)
    os.chmod(support / "python.zip", 0o644)
    os.chmod(support / "python3._pth", 0o644)


def _copy(source: Path, target: Path, mode: int) -> None:
    shutil.copyfile(source, target)  # the file's contents: symbolic links are followed
    os.chmod(target, mode)


def _shared_libraries(files: list[Path]) -> tuple[tuple[str, Path], dict[str, Path]]:
    """The dynamic loader (its name, its file) and the shared libraries (``{soname:
    file}``) that ``files`` need, as ``ldd`` lists them."""
    loader: str | None = None
    needed: dict[str, Path] = {}
    for path in files:
        output = _run(["ldd", str(path)], f"ldd {path}", _quiet_log)
        for line in output.splitlines():
            name, arrow, rest = line.strip().partition(" => ")
            if arrow:
                location = rest.split(" (", 1)[0].strip()
                if location == "not found" or not location.startswith("/"):
                    raise BuildError(f"{path} needs {name}, which ldd cannot find")
                needed[name] = Path(os.path.realpath(location))
            elif name.startswith("/"):
                loader = name.split(" (", 1)[0]
    if loader is None:
        raise BuildError(f"ldd names no dynamic loader for {files[0]}")
    return (os.path.basename(loader), Path(os.path.realpath(loader))), needed


def _compile_launcher(loader_name: str, work: Path, target: Path, log: Log) -> None:
    source = work / "launcher.c"
    definitions = (
        f'#define SUPPORT "{SUPPORT_DIR}"\n'
        f'#define LOADER "{loader_name}"\n'
        f"#define CODE {_c_string(_CODE)}\n"
    )
    source.write_text(definitions + _LAUNCHER_C)
    _run(
        ["gcc", "-static", "-Os", "-s", "-Wall", "-Werror", "-o", str(target), str(source)],
        "gcc -static (the launcher)",
        log,
    )
    os.chmod(target, 0o755)


def _c_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _smoke_test(bundle: Path, work: Path) -> None:
    """Run the bundle's programs once, with an empty environment, before caching it."""
    root = work / "tekton"
    (root / "run" / "0").mkdir(parents=True)
    env = {"TEKTITE_TEKTON_DIR": str(root)}
    checks = [
        [str(bundle / "workingdirinit"), "made"],  # relative: created in the cwd
        [str(bundle / LAUNCHER), "-post_file", f"{root}/run/0/out",
         "-termination_path", f"{root}/termination", "-entrypoint", "/bin/true"],
    ]  # fmt: skip
    for command in checks:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=work, check=False
        )
        if done.returncode != 0:
            raise BuildError(
                f"the new bundle does not run ({' '.join(command)}: exit {done.returncode}):\n"
                + "\n".join(done.stderr.strip().splitlines()[-15:])
            )
    if not (work / "made").is_dir() or not (root / "run" / "0" / "out").exists():
        raise BuildError("the new bundle ran but did not do its work")


def _ensure_debian_tools(log: Log) -> None:
    """Install Debian's python3, gcc and the static C library when absent."""
    missing = []
    if not Path(DEBIAN_PYTHON).exists():
        missing.append("python3")
    if shutil.which("gcc") is None:
        missing += ["gcc", "libc6-dev"]
    elif not _has_static_libc():
        missing.append("libc6-dev")
    if shutil.which("ldd") is None:
        missing.append("libc-bin")
    if not missing:
        return
    log(f"installing {' '.join(missing)} from Debian's packages")
    install = ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q",
               "--no-install-recommends", *missing]  # fmt: skip
    if shutil.which("apt-get") is None:
        raise BuildError(f"no apt-get here; please install {' '.join(missing)}")
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    # The package lists may be absent or stale (fresh containers): update once.
    installed = _quiet([*prefix, *install]) == 0 or (
        _quiet([*prefix, "apt-get", "update", "-q"]) == 0 and _quiet([*prefix, *install]) == 0
    )
    if not installed:
        raise BuildError(
            f"could not install {' '.join(missing)} with apt-get (needs root or passwordless sudo)"
        )


def _has_static_libc() -> bool:
    try:
        done = subprocess.run(
            ["gcc", "-print-file-name=libc.a"], capture_output=True, text=True, check=False
        )
    except OSError:
        return False
    return os.path.isabs(done.stdout.strip())


def _quiet(command: list[str]) -> int:
    try:
        return subprocess.run(command, capture_output=True, check=False).returncode
    except OSError:
        return 127


def _run(command: list[str], what: str, log: Log) -> str:
    """Run a build tool; return its standard output."""
    started = time.monotonic()
    # The tools must not see this process's virtual environment or PYTHON* settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    except OSError as error:
        raise BuildError(f"{what}: {error}") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise BuildError(f"{what} failed (exit {done.returncode}):\n{tail}")
    if log is not _quiet_log:
        log(f"{what}: {time.monotonic() - started:.1f} s")
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    """``python -m tektite.runtime.build_entrypoint [--force] [--print-path]``."""
    parser = argparse.ArgumentParser(
        prog="build-entrypoint",
        description="Build the step-wrapper bundle (cached by source hash).",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when cached")
    parser.add_argument(
        "--print-path", action="store_true", help="print only the bundle directory's path"
    )
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(f"build-entrypoint: {message}", file=sys.stderr, flush=True)

    started = time.monotonic()
    cached = cached_bundle().is_dir() and not args.force
    try:
        path = build(force=args.force, log=_quiet_log if args.print_path else say)
    except BuildError as error:
        say(f"error: {error}")
        return 1
    if args.print_path:
        print(path)
    elif cached:
        say(f"{path} is up to date ({time.monotonic() - started:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
