"""The template's name and its error type, shared by the parser and the executor."""

from __future__ import annotations

NAME = "output"
"""The name kubectl gives the template; every message carries it."""


class GoTemplateError(ValueError):
    """A template that does not parse, or one that fails on the data; the message is
    Go's ``err.Error()``."""
