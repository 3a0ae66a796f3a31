"""``main(argv) -> int``: flags, subcommands, the command to run, then the lifecycle.

The mapping from the lifecycle's error to the exit code and log line is
Tekton's ``cmd/entrypoint/main.go``:

=======================  ===========================================  ====
outcome                  log line                                     exit
=======================  ===========================================  ====
success / skipped-when   —                                            0
previous step failed     Skipping step because a previous step failed 1
timeout                  context deadline exceeded                    1
cancelled                Step was cancelled                           9
non-zero exit            —                                            same
  … killed by a signal     —                                            255
  … with onError=continue                                             0
  … breakpointOnFailure    (waits for <post_file>.breakpointexit)       its code
message > 4096 bytes     Termination message is above max allowed …   1
anything else            Error executing command: …                   1
=======================  ===========================================  ====
"""

from __future__ import annotations

import os
import sys

from tektite.entrypoint.errors import (
    ChildExitError,
    ContextError,
    DebugBeforeStepError,
    FatalError,
    GoPanic,
    MessageLengthError,
    SkipError,
)
from tektite.entrypoint.flags import (
    FlagError,
    HelpRequested,
    parse_flags,
    split_command_args,
    usage,
)
from tektite.entrypoint.gostyle import go_quote, log
from tektite.entrypoint.paths import tekton_paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from tektite.entrypoint.errors import StepError
    from tektite.entrypoint.lifecycle import Entrypointer

PLATFORM_COMMANDS_ENV = "TEKTON_PLATFORM_COMMANDS"
CANCELLED_EXIT_CODE = 9  # SIGKILL's number, "just like kill -9"
SPIRE_DISABLED = (
    "Error: SPIRE is disabled in this build, but enableSpire was set to true. "
    "Please recompile with SPIRE support."
)

# uname machine -> Go's GOARCH.
_GOARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "386",
    "i686": "386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


def current_platform() -> str:
    """This machine as Tekton formats it: ``os/arch[/variant]``, e.g. ``linux/amd64``."""
    system = sys.platform
    if system.startswith("linux"):
        system = "linux"
    machine = os.uname().machine.lower()
    arch = _GOARCH.get(machine, "arm" if machine.startswith("arm") else machine)
    variant = ""
    if arch == "arm64":
        variant = "v8"
    elif arch == "arm":
        variant = "v7" if system in ("windows", "darwin") else "unknown"
    return "/".join(part for part in (system, arch, variant) if part)


def select_command_for_platform(commands: dict[str, list[str]], platform: str) -> list[str]:
    """Pick the image command for ``platform``, else for it minus its last component."""
    if platform in commands:
        return commands[platform]
    # Tekton drops the last path element, meant as the CPU variant (so
    # "linux/amd64" also matches a "linux" entry).
    without_variant = platform[: platform.rfind("/")] if "/" in platform else platform
    if without_variant in commands:
        return commands[without_variant]
    raise FatalError(f"could not find command for platform {go_quote(platform)}")


def _platform_commands(raw: str) -> dict[str, list[str]]:
    import json

    try:
        data = json.loads(raw)
    except ValueError as error:
        raise FatalError(str(error)) from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(
        isinstance(cmd, list) and all(isinstance(part, str) for part in cmd)
        for cmd in data.values()
        if cmd is not None
    ):
        raise FatalError("json: cannot unmarshal into Go value of type map[string][]string")
    return {key: list(cmd or []) for key, cmd in data.items()}


def resolve_command(entrypoint: str, command_args: list[str]) -> list[str]:
    """The full command line of the step.

    ``-entrypoint`` is the original ``command[0]``. Without it Tekton takes the
    image's command for this platform from ``$TEKTON_PLATFORM_COMMANDS``; when
    that is unset too (Tektite's host runtime), the first argument is the command.
    """
    if entrypoint:
        return [entrypoint, *command_args]
    raw = os.environ.get(PLATFORM_COMMANDS_ENV, "")
    if not raw:
        return list(command_args)
    chosen = select_command_for_platform(_platform_commands(raw), current_platform())
    return [*chosen, *command_args]


def _write_stderr(text: str) -> None:
    try:
        os.write(2, text.encode("utf-8", "surrogateescape"))
    except OSError:
        return


def main(argv: Sequence[str] | None = None) -> int:
    """Run the entrypoint with ``argv`` (without the program name); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _main(args)
    except FatalError as fatal:
        log(fatal.message)
        code = 1
    except GoPanic as panic:
        _write_stderr(f"panic: {panic.message}\n")
        code = 2
    # os.Exit(n) reports n modulo 256 (so -1 is 255), as the kernel does.
    return code & 0xFF


def _main(argv: list[str]) -> int:
    paths = tekton_paths()
    flag_args, command_args = split_command_args(argv)
    try:
        options, positional = parse_flags(flag_args, paths.termination)
    except HelpRequested:
        _write_stderr(usage())
        return 0
    except FlagError as error:
        _write_stderr(f"{error}\n")
        return 1
    creds = None
    if options.credentials:
        # Like Go's flag.Value.Set, the creds-init flags read their Secrets while parsing.
        from tektite.entrypoint import creds_writers

        secrets_dir = os.path.join(paths.root, creds_writers.SECRETS_DIR_NAME)
        try:
            creds = creds_writers.load(creds_writers.flag_values(options.credentials), secrets_dir)
        except creds_writers.FlagValueError as error:
            _write_stderr(f"{error}\n")
            return 1

    if positional:
        from tektite.entrypoint import subcommands

        matched = subcommands.process(positional, paths.root)
        if matched is not None:
            log(matched.message)
            return 0 if matched.ok else 1

    if creds is not None:
        from tektite.entrypoint.creds_writers import write

        # Into /tekton/creds (what $(credentials.path) names); errors are not fatal.
        for problem in write(creds, paths.creds):
            log(f"Error initializing credentials: {problem}")

    command = resolve_command(options.entrypoint, command_args)

    from tektite.entrypoint.when import WhenExpression, parse_when_expressions

    when: list[WhenExpression] = []
    if options.when_expressions:
        try:
            when = parse_when_expressions(options.when_expressions)
        except ValueError as error:
            raise FatalError(str(error)) from None

    if options.enable_spire:
        raise FatalError(SPIRE_DISABLED)

    from tektite.entrypoint.lifecycle import Entrypointer

    entrypointer = Entrypointer(
        paths,
        command,
        wait_files=options.wait_file.split(","),
        wait_file_content=options.wait_file_content,
        post_file=options.post_file,
        termination_path=options.termination_path,
        results=options.results.split(","),
        step_results=options.step_results.split(","),
        timeout_ns=options.timeout,
        when=when,
        breakpoint_on_failure=options.breakpoint_on_failure,
        debug_before_step=options.debug_before_step,
        on_error=options.on_error,
        step_metadata_dir=options.step_metadata_dir,
        result_from=options.result_from,
        compress_termination_message=options.compress_termination_message,
        stdout_path=options.stdout_path,
        stderr_path=options.stderr_path,
    )
    if os.path.isdir(paths.creds):
        from tektite.entrypoint.creds import copy_creds_to_home

        copy_creds_to_home(paths.creds)
    return exit_code(entrypointer, entrypointer.go())


def exit_code(entrypointer: Entrypointer, error: StepError | None) -> int:
    """Log and choose the exit code for the lifecycle's outcome, as Tekton's main does."""
    from tektite.entrypoint.lifecycle import CONTINUE_ON_ERROR

    if error is None:
        return 0
    if isinstance(error, DebugBeforeStepError):
        log("Skipping execute step script because before step breakpoint fail-continue")
        return 1
    if isinstance(error, SkipError):
        log("Skipping step because a previous step failed")
        return 1
    if isinstance(error, MessageLengthError):
        log(str(error))
        return 1
    if isinstance(error, ContextError):
        if error.cancelled:
            log("Step was cancelled")
            return CANCELLED_EXIT_CODE
        log(str(error))
        return 1
    breakpoint_code = entrypointer.breakpoint_exit_code()
    if breakpoint_code is not None:
        return breakpoint_code
    if isinstance(error, ChildExitError):
        if entrypointer.on_error != CONTINUE_ON_ERROR:
            return error.exit_code
        return 0
    log(f"Error executing command: {error}")
    return 1
