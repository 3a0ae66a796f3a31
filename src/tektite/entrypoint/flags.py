"""Command-line flags, parsed with Go ``flag`` package semantics.

The Pod builder (Tekton's or Tektite's) writes the wrapper's arguments as Go's
``flag`` package reads them, so this parser follows that package rather than
argparse: one or two leading dashes, ``-name=value`` or ``-name value`` (but
booleans only take ``-name`` or ``-name=value``), parsing stops at the first
non-flag argument or at ``--``. As in Tekton's ``extractArgs``, everything after
the first ``--`` (when it is not the very first argument) is the step's command
line and is never looked at as flags or subcommands.
"""

from __future__ import annotations

from tektite.entrypoint.gostyle import go_quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_STRING = "string"
_BOOL = "bool"
_DURATION = "duration"
_REPEATED = "repeated"

# Flag name -> kind. Names are exactly Tekton's (cmd/entrypoint/main.go, spire.go and
# the creds-init flags of pkg/credentials).
FLAG_KINDS: dict[str, str] = {
    "entrypoint": _STRING,
    "wait_file": _STRING,
    "wait_file_content": _BOOL,
    "post_file": _STRING,
    "termination_path": _STRING,
    "results": _STRING,
    "step_results": _STRING,
    "when_expressions": _STRING,
    "timeout": _DURATION,
    "stdout_path": _STRING,
    "stderr_path": _STRING,
    "breakpoint_on_failure": _BOOL,
    "debug_before_step": _BOOL,
    "on_error": _STRING,
    "step_metadata_dir": _STRING,
    "result_from": _STRING,
    "compress_termination_message": _BOOL,
    "enable_spire": _BOOL,
    "spire_socket_path": _STRING,
    # Legacy creds-init flags (repeatable): creds_writers.py reads their Secrets and
    # writes the credential files.
    "basic-git": _REPEATED,
    "ssh-git": _REPEATED,
    "basic-docker": _REPEATED,
    "docker-config": _REPEATED,
    "docker-cfg": _REPEATED,
}

RESULT_FROM_TERMINATION_MESSAGE = "termination-message"
RESULT_FROM_SIDECAR_LOGS = "sidecar-logs"

USAGE = """Usage: entrypoint [flags] -- <command> [args...]
       entrypoint init <src> <dst> <step-names...>
       entrypoint cp <src> <dst>
       entrypoint decode-script <file>
       entrypoint step-init <step-names...>
Flags: {flags}
"""


class FlagError(Exception):
    """A malformed command line; the message is Go's text for the same mistake."""


class HelpRequested(Exception):
    """``-h`` / ``-help`` was given (Go prints usage and exits 0)."""


class Options:
    """The parsed flags, with Tekton's defaults."""

    __slots__ = (
        "breakpoint_on_failure",
        "compress_termination_message",
        "credentials",
        "debug_before_step",
        "enable_spire",
        "entrypoint",
        "on_error",
        "post_file",
        "result_from",
        "results",
        "spire_socket_path",
        "stderr_path",
        "stdout_path",
        "step_metadata_dir",
        "step_results",
        "termination_path",
        "timeout",
        "wait_file",
        "wait_file_content",
        "when_expressions",
    )

    def __init__(self, termination_path: str) -> None:
        self.entrypoint = ""
        self.wait_file = ""
        self.wait_file_content = False
        self.post_file = ""
        self.termination_path = termination_path
        self.results = ""
        self.step_results = ""
        self.when_expressions = ""
        self.timeout = 0  # nanoseconds, like Go's time.Duration
        self.stdout_path = ""
        self.stderr_path = ""
        self.breakpoint_on_failure = False
        self.debug_before_step = False
        self.on_error = ""
        self.step_metadata_dir = ""
        self.result_from = RESULT_FROM_TERMINATION_MESSAGE
        self.compress_termination_message = False
        self.enable_spire = False
        self.spire_socket_path = "unix:///spiffe-workload-api/spire-agent.sock"
        self.credentials: dict[str, list[str]] = {}


def split_command_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split argv at the first ``--`` into (wrapper args, step command args).

    Like Tekton's ``extractArgs``, a ``--`` at index 0 is *not* a split point: it is
    left for the flag parser, which consumes it, so what follows is positional.
    """
    args = list(argv)
    try:
        index = args.index("--")
    except ValueError:
        return args, []
    if index > 0:
        return args[:index], args[index + 1 :]
    return args, []


_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def _parse_bool(value: str) -> bool:
    # Go's strconv.ParseBool: only these spellings.
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(value)


def parse_flags(args: Sequence[str], default_termination_path: str) -> tuple[Options, list[str]]:
    """Parse wrapper flags; return the options and the remaining positional arguments."""
    options = Options(default_termination_path)
    index = 0
    while index < len(args):
        arg = args[index]
        if len(arg) < 2 or arg[0] != "-":
            break
        minuses = 1
        if arg[1] == "-":
            minuses = 2
            if len(arg) == 2:  # "--" ends the flags and is consumed
                index += 1
                break
        name = arg[minuses:]
        if not name or name[0] in "-=":
            raise FlagError(f"bad flag syntax: {arg}")
        index += 1
        value: str | None = None
        equals = name.find("=", 1)
        if equals > 0:
            name, value = name[:equals], name[equals + 1 :]
        kind = FLAG_KINDS.get(name)
        if kind is None:
            if name in ("help", "h"):
                raise HelpRequested()
            raise FlagError(f"flag provided but not defined: -{name}")
        if kind == _BOOL:
            if value is None:
                flag_value = True
            else:
                try:
                    flag_value = _parse_bool(value)
                except ValueError:
                    raise FlagError(
                        f"invalid boolean value {go_quote(value)} for -{name}: parse error"
                    ) from None
            setattr(options, name, flag_value)
            continue
        if value is None:
            if index >= len(args):
                raise FlagError(f"flag needs an argument: -{name}")
            value = args[index]
            index += 1
        if kind == _DURATION:
            try:
                options.timeout = parse_go_duration(value)
            except ValueError:
                raise FlagError(
                    f"invalid value {go_quote(value)} for flag -{name}: parse error"
                ) from None
        elif kind == _REPEATED:
            options.credentials.setdefault(name, []).append(value)
        else:
            setattr(options, name, value)
    return options, list(args[index:])


def usage() -> str:
    """One screen of usage text, listing the accepted flags."""
    return USAGE.format(flags=" ".join("-" + name for name in FLAG_KINDS))


_UNITS: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_MAX_DURATION = (1 << 63) - 1


def parse_go_duration(text: str) -> int:
    """Parse a Go duration string (``1h30m``, ``1.5s``, ``-2ms``, ``0``) into nanoseconds.

    Follows ``time.ParseDuration``: ``[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+`` with a bare ``0``
    allowed; raises ValueError on anything else or on overflow.
    """
    s = text
    negative = False
    if s and s[0] in "+-":
        negative = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f"invalid duration {text!r}")
    total = 0
    while s:
        if not (s[0] == "." or "0" <= s[0] <= "9"):
            raise ValueError(f"invalid duration {text!r}")
        # Integer part.
        i = 0
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
        whole = int(s[:i]) if i else 0
        if whole > _MAX_DURATION + 1:
            raise ValueError(f"invalid duration {text!r}")
        had_whole = i > 0
        s = s[i:]
        # Fraction part; digits past what fits are ignored, as in Go.
        fraction, scale, had_fraction = 0, 1.0, False
        if s and s[0] == ".":
            s = s[1:]
            j = 0
            overflow = False
            while j < len(s) and "0" <= s[j] <= "9":
                if not overflow:
                    widened = fraction * 10 + int(s[j])
                    if fraction > (1 << 63) // 10 or widened > 1 << 63:
                        overflow = True
                    else:
                        fraction = widened
                        scale *= 10
                j += 1
            had_fraction = j > 0
            s = s[j:]
        if not had_whole and not had_fraction:
            raise ValueError(f"invalid duration {text!r}")
        # Unit.
        k = 0
        while k < len(s) and s[k] != "." and not ("0" <= s[k] <= "9"):
            k += 1
        if k == 0:
            raise ValueError(f"missing unit in duration {text!r}")
        unit = _UNITS.get(s[:k])
        if unit is None:
            raise ValueError(f"unknown unit {s[:k]!r} in duration {text!r}")
        s = s[k:]
        if whole > (1 << 63) // unit:
            raise ValueError(f"invalid duration {text!r}")
        value = whole * unit
        if fraction > 0:
            value += int(float(fraction) * (float(unit) / scale))
            if value > 1 << 63:
                raise ValueError(f"invalid duration {text!r}")
        total += value
        if total > 1 << 63:
            raise ValueError(f"invalid duration {text!r}")
    if negative:
        return -total
    if total > _MAX_DURATION:
        raise ValueError(f"invalid duration {text!r}")
    return total
