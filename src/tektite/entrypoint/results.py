"""Collecting results and artifacts from disk for the termination message.

After the command ends, declared task results (``-results``, read from the
results directory) and step results (``-step_results``, read from
``<step_metadata_dir>/results``) that exist become termination-message entries.
A missing file is not an error: the step simply did not produce that result.
"""

from __future__ import annotations

import os

from tektite.entrypoint.errors import FatalError, StepError
from tektite.entrypoint.gostyle import path_error, read_op
from tektite.entrypoint.termination import RunResult


def read_file_text(path: str) -> str | None:
    """Return a file's content (raw bytes kept via surrogateescape), None if missing.

    Other errors raise StepError with Go's text (``open <p>: permission denied``).
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StepError(path_error(read_op(error), path, error)) from None
    return data.decode("utf-8", "surrogateescape")


def read_results(names: list[str], directory: str, result_type: int) -> list[RunResult]:
    """Read ``directory/<name>`` for each non-empty name that exists."""
    found = []
    for name in names:
        if not name:
            continue
        content = read_file_text(os.path.join(directory, name))
        if content is not None:
            found.append(RunResult(name, content, result_type))
    return found


def read_artifacts(path: str, result_type: int, what: str) -> list[RunResult]:
    """Read a ``provenance.json``; its key is the file path, as in Tekton.

    A missing file yields nothing; any other failure is fatal (Go's ``log.Fatalf``).
    """
    try:
        content = read_file_text(path)
    except StepError as error:
        raise FatalError(f"Error while handling {what} artifacts: {error}") from None
    if content is None:
        return []
    return [RunResult(path, content, result_type)]
