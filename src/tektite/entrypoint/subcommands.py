"""Subcommands run by init containers: ``init``, ``cp``, ``decode-script``, ``step-init``.

Like Tekton (``cmd/entrypoint/subcommands``), a subcommand is recognised only
in the positional arguments left *before* ``--`` once the flags are parsed, and
only with the right number of arguments; anything else falls through to running
a step. So a step whose own arguments start with ``init`` (they always come
after ``--``) is never mistaken for one (Tekton issue 5080).
"""

from __future__ import annotations

import os

from tektite.entrypoint.errors import FatalError
from tektite.entrypoint.gostyle import errno_text, go_quote, path_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

INIT = "init"
COPY = "cp"
DECODE_SCRIPT = "decode-script"
STEP_INIT = "step-init"

# Owner may write and execute, anybody may execute (Tekton's 0311).
COPY_PERMISSIONS = 0o311
ENTRYPOINT_INITIALIZED = "Entrypoint initialization"
"""What ``init`` logs when it succeeds."""


class SubcommandResult:
    """A subcommand matched: ``ok`` and the line Tekton logs for it."""

    __slots__ = ("message", "ok")

    def __init__(self, ok: bool, message: str) -> None:
        self.ok = ok
        self.message = message


class _Failure(Exception):
    pass


def _copy(src: str, dst: str) -> None:
    try:
        source = os.open(src, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise _Failure(path_error("open", src, error)) from None
    try:
        try:
            # No O_TRUNC: Go's cp opens the destination without truncating it.
            target = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, COPY_PERMISSIONS)
        except OSError as error:
            raise _Failure(path_error("open", dst, error)) from None
        try:
            while True:
                try:
                    chunk = os.read(source, 1 << 20)
                except OSError as error:
                    raise _Failure(path_error("read", src, error)) from None
                if not chunk:
                    break
                view = memoryview(chunk)
                while view:
                    try:
                        view = view[os.write(target, view) :]
                    except OSError as error:
                        raise _Failure(path_error("write", dst, error)) from None
        finally:
            os.close(target)
    finally:
        os.close(source)


def step_init(root: str, steps: Sequence[str]) -> None:
    """Create ``<root>/steps/<name>`` and ``<root>/steps/<i>`` -> ``<root>/run/<i>/status``.

    Existing links are kept, so a restarted init container succeeds.
    """
    step_dir = os.path.join(root, "steps")
    try:
        os.makedirs(step_dir, exist_ok=True)
    except OSError as error:
        raise FatalError(
            f"Error creating steps directory {go_quote(step_dir)}: "
            + path_error("mkdir", step_dir, error)
        ) from None
    for index, name in enumerate(steps):
        run = os.path.join(root, "run", str(index), "status")
        for link in (os.path.join(step_dir, name), os.path.join(step_dir, str(index))):
            try:
                os.symlink(run, link)
            except FileExistsError:
                pass
            except OSError as error:
                raise _Failure(f"symlink {run} {link}: {errno_text(error)}") from None


def decode_base64(data: bytes) -> bytes:
    """Decode standard base64 as Go's ``base64.StdEncoding`` (CR/LF ignored).

    Raises ValueError("illegal base64 data at input byte N") with Go's offset.
    """
    import binascii

    try:
        return binascii.a2b_base64(data.replace(b"\r", b"").replace(b"\n", b""), strict_mode=True)
    except binascii.Error:
        raise ValueError(f"illegal base64 data at input byte {_corrupt_offset(data)}") from None


_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _corrupt_offset(src: bytes) -> int:
    """Where Go's decoder reports the first error in ``src`` (it counts CR/LF too)."""
    si = 0
    while si < len(src):
        j = 0
        while j < 4:
            if si == len(src):
                if j == 0:
                    return len(src)  # not reached: the fast path accepted this
                return si - j
            char = src[si]
            si += 1
            if char in _ALPHABET:
                j += 1
                continue
            if char in b"\r\n":
                continue
            if char != ord("=") or j < 2:
                return si - 1
            if j == 2:  # "==" expected, one "=" consumed
                while si < len(src) and src[si] in b"\r\n":
                    si += 1
                if si == len(src):
                    return len(src)
                if src[si] != ord("="):
                    return si - 1
                si += 1
            while si < len(src) and src[si] in b"\r\n":
                si += 1
            return si  # trailing garbage after padding
    return len(src)


def decode_script(path: str) -> None:
    """Replace the base64 content of a script file with the decoded script, in place."""
    quoted = go_quote(path)
    try:
        with open(path, "rb") as handle:
            encoded = handle.read()
    except OSError as error:
        raise _Failure(
            f"error decoding script file {quoted}: error reading from script file {quoted}: "
            + path_error("open", path, error)
        ) from None
    try:
        decoded = decode_base64(encoded)
    except ValueError as error:
        raise _Failure(
            f"error decoding script file {quoted}: error decoding script file {quoted}: {error}"
        ) from None
    try:
        with open(path, "wb") as handle:
            handle.write(decoded)
    except OSError as error:
        raise _Failure(
            f"error writing decoded script file {quoted}: " + path_error("open", path, error)
        ) from None


def process(args: Sequence[str], root: str) -> SubcommandResult | None:
    """Run the subcommand named by ``args[0]``; None when ``args`` is not a subcommand.

    ``root`` is the Tekton root used by ``step-init`` (``/tekton`` in a Pod).
    """
    if not args:
        return None
    name = args[0]
    try:
        if name == INIT and len(args) >= 3:
            _copy(args[1], args[2])
            step_init(root, args[3:])
            return SubcommandResult(True, ENTRYPOINT_INITIALIZED)
        if name == COPY and len(args) == 3:
            _copy(args[1], args[2])
            return SubcommandResult(True, f"Copied {args[1]} to {args[2]}")
        if name == DECODE_SCRIPT and len(args) == 2:
            decode_script(args[1])
            return SubcommandResult(True, "Decoded script " + args[1])
        if name == STEP_INIT:
            step_init(root, args[1:])
            return SubcommandResult(True, "Setup /step directories")
    except _Failure as failure:
        return SubcommandResult(False, f"{name} error: {failure}")
    return None
