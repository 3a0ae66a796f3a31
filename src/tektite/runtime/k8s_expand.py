"""Kubernetes' ``$(VAR)`` expansion of container ``command``, ``args`` and ``env`` values.

The kubelet expands ``$(NAME)`` references in a container's command, args, env values
and ``subPathExpr`` from the container's declared environment
(``third_party/forked/golang/expansion/expand.go`` and ``pkg/volume/util/subpath``):

- ``$(NAME)`` becomes the value of ``NAME``; an undefined name is left as ``$(NAME)``;
- ``$$`` is an escaped ``$``: ``$$(NAME)`` gives the literal ``$(NAME)``;
- a ``$`` followed by anything else, an unterminated ``$(`` and a final ``$`` are kept.

It is never applied to step scripts (those are files, not arguments).

Go scans bytes: the character after a lone ``$`` is copied as ``string(byte)``, which
turns a non-ASCII byte into the Latin-1 code point of that byte. We reproduce this on
the UTF-8 bytes of the text (``surrogateescape`` keeps any resulting invalid UTF-8 so it
reaches ``exec`` as the same bytes Go would pass).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

_DOLLAR = 0x24
_OPEN = 0x28
_CLOSE = 0x29


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def mapping_for(*contexts: Mapping[str, str]) -> Callable[[str], str]:
    """Kubernetes' ``MappingFuncFor``: first context holding the name wins, else ``$(name)``."""

    def mapping(name: str) -> str:
        for context in contexts:
            value = context.get(name)
            if value is not None:
                return value
        return "$(" + name + ")"

    return mapping


def _expand(text: str, resolve: Callable[[str], str | None]) -> str | None:
    """The shared scanner; ``resolve`` returning None aborts (subPathExpr's rule)."""
    data = _encode(text)
    if b"$" not in data:
        return text
    out = bytearray()
    checkpoint = 0
    cursor = 0
    size = len(data)
    while cursor < size:
        if data[cursor] == _DOLLAR and cursor + 1 < size:
            out += data[checkpoint:cursor]
            following = data[cursor + 1]
            if following == _DOLLAR:
                out.append(_DOLLAR)  # "$$" is an escaped "$"
                advance = 1
            elif following == _OPEN:
                closer = data.find(b")", cursor + 2)
                if closer < 0:
                    out += b"$("  # incomplete reference: kept, scanning resumes after "("
                    advance = 1
                else:
                    value = resolve(_decode(data[cursor + 2 : closer]))
                    if value is None:
                        return None
                    out += _encode(value)
                    advance = closer - cursor
            else:
                # Go's string(input[0]) of a byte: a byte >= 0x80 becomes U+0080..U+00FF.
                out.append(_DOLLAR)
                out += chr(following).encode("utf-8")
                advance = 1
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    out += data[checkpoint:]
    return _decode(bytes(out))


def expand(text: str, mapping: Callable[[str], str]) -> str:
    """Expand ``$(NAME)`` references in ``text`` with ``mapping`` (Kubernetes ``Expand``)."""
    result = _expand(text, mapping)
    assert result is not None  # mapping never aborts
    return result


def expand_with(text: str, env: Mapping[str, str]) -> str:
    """Expand ``text`` against one environment; undefined names stay as ``$(NAME)``."""
    return expand(text, mapping_for(env))


def expand_subpath(expr: str, env: Mapping[str, str]) -> str:
    """Expand a ``subPathExpr``: as ``expand`` but an undefined name makes it empty.

    This is the kubelet's ``subPathExpand``; the caller rejects an absolute result or
    one containing ``..``.
    """
    result = _expand(expr, env.get)
    return "" if result is None else result


def expand_command(
    command: list[str], args: list[str], env: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """Expand a container's command and args as the kubelet's
    ``ExpandContainerCommandAndArgs`` does, from the declared environment."""
    mapping = mapping_for(env)
    return [expand(part, mapping) for part in command], [expand(part, mapping) for part in args]
