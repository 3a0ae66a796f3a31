"""A small wrapper around CEL (``cel-expr-python``, Google's cel-cpp).

Tekton compiles ``when[].cel`` at admission with an empty cel-go environment and
evaluates it after variable substitution; triggers evaluate CEL against an event.
Both needs are covered by two functions: :func:`compile_check` (the admission check)
and :func:`evaluate`. The library is imported on first use so that loading the API
models does not load a C++ extension.

Error texts are cel-cpp's, with its status decoration (``INVALID_ARGUMENT: ... [INVALID_ARGUMENT]``)
removed so they read like cel-go's ``ERROR: <input>:1:2: ...`` issues.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

__all__ = ["CelError", "compile_check", "evaluate"]


class CelError(ValueError):
    """A CEL expression failed to compile or to evaluate; ``str()`` is the error text."""


_STATUS_PREFIX = re.compile(r"^[A-Z_]+: ")
_STATUS_SUFFIX = re.compile(r" \[[A-Z_]+\]$")


def _clean(message: str) -> str:
    """Strip absl::Status decoration: ``INVALID_ARGUMENT: text [INVALID_ARGUMENT]``."""
    return _STATUS_SUFFIX.sub("", _STATUS_PREFIX.sub("", message.strip(), count=1))


@cache
def _cel() -> Any:
    # Imported lazily: the extension is only needed when an expression is checked.
    from cel_expr_python import cel  # type: ignore[import-untyped]

    return cel


@lru_cache(maxsize=256)
def _env(variables: frozenset[str]) -> Any:
    cel = _cel()
    return cel.NewEnv(variables={name: cel.Type.DYN for name in variables})


@lru_cache(maxsize=1024)
def _compile(expression: str, variables: frozenset[str]) -> Any:
    try:
        return _env(variables).compile(expression)
    except RuntimeError as err:
        raise CelError(_clean(str(err))) from None


def compile_check(expression: str) -> str | None:
    """Compile ``expression`` in an empty environment; the error text, or ``None`` if valid.

    This is Tekton's admission check of ``when[].cel``: no variables are declared, so
    ``$(params.x)`` must be quoted (``'$(params.x)' == 'a'``) to compile.
    """
    try:
        _compile(expression, frozenset())
    except CelError as err:
        return str(err)
    return None


def evaluate(expression: str, activation: Mapping[str, object] | None = None) -> object:
    """Evaluate ``expression`` with ``activation``'s names bound (each declared ``dyn``).

    Returns the plain Python value (bool, int, float, str, bytes, list, dict, None, ...).
    Raises :class:`CelError` when the expression does not compile or evaluation fails.
    """
    data = dict(activation or {})
    compiled = _compile(expression, frozenset(data))
    try:
        result = compiled.eval(data=data)
    except RuntimeError as err:
        raise CelError(_clean(str(err))) from None
    if result.type().name() == "ERROR":
        raise CelError(_clean(str(result.value())))
    try:
        return result.plain_value()
    except RuntimeError as err:
        raise CelError(_clean(str(err))) from None
