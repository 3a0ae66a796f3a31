"""The engine's own error, out of what podman and docker print when they fail."""

from __future__ import annotations

from tektite.runtime.container.engine import _error_text, engine_error

DOCKER_RUN_FAILED = (
    "docker: Error response from daemon: failed to create shim task: OCI runtime create "
    'failed: runc create failed: unable to start container process: exec: "x": '
    "executable file not found in $PATH: unknown.\n"
    "\n"
    "Run 'docker run --help' for more information\n"
)


def test_docker_s_error_is_found_above_its_help_line() -> None:
    """docker ends with a line sending the user to ``--help``: that line used to be the
    message (``creating the Pod sandbox: Run 'docker run --help' for more information``)."""
    expected = (
        "failed to create shim task: OCI runtime create failed: runc create failed: unable "
        'to start container process: exec: "x": executable file not found in $PATH: unknown.'
    )
    assert _error_text(DOCKER_RUN_FAILED.encode()) == expected
    assert engine_error(DOCKER_RUN_FAILED) == expected


def test_podman_s_error_line() -> None:
    out = "Error: crun: executable file `x` not found in $PATH: No such file or directory\n"
    assert engine_error("some output\n" + out) == (
        "crun: executable file `x` not found in $PATH: No such file or directory"
    )
    assert _error_text(b"warning: something\n" + out.encode()).startswith("crun: ")


def test_a_log_not_ending_with_the_engine_s_error_has_none() -> None:
    assert engine_error("Error: an error of the step's own, then more\nmore\n") == ""
    assert engine_error("") == ""
    assert _error_text(b"just this\n") == "just this"
