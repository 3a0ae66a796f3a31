"""One program for Tekton's three ``/ko-app`` binaries, chosen by the name it runs as.

The step-wrapper bundle (``tektite.runtime.build_entrypoint``) has one launcher that
serves as ``/ko-app/entrypoint`` (and ``/tekton/bin/entrypoint``, the copy the
``prepare`` init container makes), ``/ko-app/sidecarlogresults`` and
``/ko-app/workingdirinit``: the launcher passes on the ``argv[0]`` it was run with and
its base name picks the program, as busybox picks its applet. Any other name runs the
entrypoint. Where the name cannot be chosen, a first argument
``--tektite-program=NAME`` picks it instead; Tekton's programs all reject that flag, so
it cannot be mistaken for one of their arguments.
"""

from __future__ import annotations

import os
import sys

ENTRYPOINT = "entrypoint"
SIDECARLOGRESULTS = "sidecarlogresults"
WORKINGDIRINIT = "workingdirinit"
PROGRAMS = (ENTRYPOINT, SIDECARLOGRESULTS, WORKINGDIRINIT)
PROGRAM_FLAG = "--tektite-program="


def select(argv: list[str]) -> tuple[str, list[str]]:
    """The program ``argv`` (with the program name) asks for, and its arguments."""
    args = argv[1:]
    if args and args[0].startswith(PROGRAM_FLAG):
        name = args[0][len(PROGRAM_FLAG) :]
        return (name if name in PROGRAMS else ""), args[1:]
    base = os.path.basename(argv[0]) if argv else ""
    return (base if base in PROGRAMS else ENTRYPOINT), args


def restore_environment() -> None:
    """Give the programs' children the environment the bundle's launcher was run with.

    In a "C" locale Python sets ``LC_CTYPE`` (PEP 538) at start-up, which isolated mode
    cannot turn off; Tekton's Go programs change no variable. The launcher passes
    ``-X tektite.launcher`` and, when it was set, ``-X tektite.lc_ctype=<value>``.
    """
    options = sys._xoptions
    if "tektite.launcher" not in options:
        return
    original = options.get("tektite.lc_ctype")
    if isinstance(original, str):
        os.environ["LC_CTYPE"] = original
    else:
        os.environ.pop("LC_CTYPE", None)


def main(argv: list[str]) -> int:
    """Run the program ``argv`` names; return its exit status."""
    restore_environment()
    argv = argv or [ENTRYPOINT]
    name, args = select(argv)
    if name == SIDECARLOGRESULTS:
        from tektite.entrypoint import sidecarlogresults

        return sidecarlogresults.main(args, argv[0])
    if name == WORKINGDIRINIT:
        from tektite.entrypoint import workingdirinit

        return workingdirinit.main(args)
    if name == ENTRYPOINT:
        from tektite.entrypoint.__main__ import _run

        sys.argv = [argv[0], *args]
        _run()  # raises SystemExit with the wrapper's status
        return 0
    sys.stderr.write(
        f"{argv[0]}: unknown program in {PROGRAM_FLAG}; one of {', '.join(PROGRAMS)}\n"
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
