"""Validation errors shaped and rendered exactly like Knative's ``apis.FieldError``.

Tekton's admission webhook reports problems as Knative field errors: each has a message,
the field paths it applies to and optional details; errors are collected recursively and
their paths are built outward as validation returns (``steps[0]`` → ``spec.steps[0]``).
Users see the rendered text, so rendering (merging equal messages, sorting paths and
messages, flattening ``a.[0]`` into ``a[0]``) follows Knative to the letter.

An empty ``FieldError`` is falsy: validators return ``FieldError()`` for "no problem"
and callers chain with :meth:`FieldError.also` without ``None`` checks.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence


class Level(enum.IntEnum):
    """Knative's diagnostic level: warnings are reported but do not reject an object."""

    ERROR = 0
    WARNING = 1


_PATH_TOKEN = re.compile(r"\[[^\]]*\]|[^.\[]+")
"""A field name, or an ``[i]``/``[key]`` part (a key may hold dots: ``[a.b]``,
msgspec's ``[...]`` for a map value)."""


def _flatten(parts: Iterable[str]) -> str:
    """Join path parts, gluing ``[i]``/``[key]`` parts onto the part before them."""
    out: list[str] = []
    for part in parts:
        for p in _PATH_TOKEN.findall(part):
            if out and p.startswith("["):
                out[-1] += p
            else:
                out.append(p)
    return ".".join(out)


class FieldError:
    """A tree of validation errors; immutable, methods return new errors."""

    __slots__ = ("_children", "details", "level", "message", "paths")

    def __init__(
        self,
        message: str = "",
        paths: Sequence[str] = (),
        details: str = "",
        level: Level = Level.ERROR,
    ) -> None:
        self.message = message
        self.paths: tuple[str, ...] = tuple(paths)
        self.details = details
        self.level = level
        self._children: tuple[FieldError, ...] = ()

    # -- construction ---------------------------------------------------------------

    def _is_empty(self) -> bool:
        return not (self.message or self.details or self.paths or self._children)

    def __bool__(self) -> bool:
        return not self._is_empty()

    def also(self, *errs: FieldError | None) -> FieldError:
        """Collect ``errs`` beside this error (``nil``/empty errors are ignored)."""
        extra = tuple(e for e in errs if e is not None and not e._is_empty())
        if not extra:
            return self
        new = FieldError()
        if self._is_empty():
            new._children = extra
        else:
            new.message, new.paths, new.details, new.level = (
                self.message,
                self.paths,
                self.details,
                self.level,
            )
            new._children = self._children + extra
        return new

    def via_field(self, *prefix: str) -> FieldError:
        """Prepend ``prefix`` to every path (the field this error was reached through)."""
        if self._is_empty():
            return self
        new = FieldError(
            self.message,
            [_flatten((*prefix, p)) for p in self.paths],
            self.details,
            self.level,
        )
        new._children = tuple(c.via_field(*prefix) for c in self._children)
        return new

    def via_index(self, index: int) -> FieldError:
        """Prepend a list index: the error belongs to item ``index``."""
        return self.via_field(f"[{index}]")

    def via_key(self, key: str) -> FieldError:
        """Prepend a map key (or a named list item, as Tekton does for params)."""
        return self.via_field(f"[{key}]")

    def via_field_index(self, field: str, index: int) -> FieldError:
        """Shorthand for ``via_index(index).via_field(field)``."""
        return self.via_index(index).via_field(field)

    def via_field_key(self, field: str, key: str) -> FieldError:
        """Shorthand for ``via_key(key).via_field(field)``."""
        return self.via_key(key).via_field(field)

    def at(self, level: Level) -> FieldError:
        """The same errors, all at ``level``."""
        if self._is_empty():
            return self
        new = FieldError(self.message, self.paths, self.details, level)
        new._children = tuple(c.at(level) for c in self._children)
        return new

    def filter(self, level: Level) -> FieldError:
        """Only the errors at ``level``."""
        new = FieldError()
        if self.message and self.level == level:
            new = FieldError(self.message, self.paths, self.details, self.level)
        for c in self._children:
            new = new.also(c.filter(level))
        return new

    # -- reading ---------------------------------------------------------------------

    def _normalized(self) -> list[FieldError]:
        leaves: list[FieldError] = []
        if self.message:
            leaves.append(FieldError(self.message, self.paths, self.details, self.level))
        for c in self._children:
            leaves.extend(c._normalized())
        return leaves

    def errors(self) -> list[FieldError]:
        """The leaf errors merged and sorted as Knative's ``WrappedErrors``."""
        merged: dict[tuple[int, str, str], list[str]] = {}
        for e in self._normalized():
            paths = merged.setdefault((int(e.level), e.message, e.details), [])
            paths.extend(p for p in e.paths if p not in paths)
        out = [
            FieldError(message, sorted(paths), details, Level(level))
            for (level, message, details), paths in merged.items()
        ]
        out.sort(key=lambda e: (e.message, e.details, int(e.level)))
        return out

    def render(self) -> str:
        """The text Knative's ``Error()`` prints: one ``message: paths`` line per error."""
        lines = []
        for e in self.errors():
            line = f"{e.message}: {', '.join(e.paths)}"
            if e.details:
                line += "\n" + e.details
            lines.append(line)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"FieldError({self.render()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldError):
            return NotImplemented
        return [(e.message, e.paths, e.details, e.level) for e in self.errors()] == [
            (e.message, e.paths, e.details, e.level) for e in other.errors()
        ]

    def __hash__(self) -> int:
        return hash(self.render())


# -- Knative's stock errors ---------------------------------------------------------------


def err_missing_field(*paths: str) -> FieldError:
    """``missing field(s)``."""
    return FieldError("missing field(s)", paths)


def err_disallowed_fields(*paths: str) -> FieldError:
    """``must not set the field(s)``."""
    return FieldError("must not set the field(s)", paths)


def err_invalid_value(value: object, path: str, *details: str) -> FieldError:
    """``invalid value: <v>`` (Go's ``fmt.Sprint`` of the value)."""
    return FieldError(f"invalid value: {go_sprint(value)}", [path], ", ".join(details))


def err_invalid_array_value(value: object, field: str, index: int) -> FieldError:
    """``invalid value: <v>`` at ``field[index]``."""
    return err_invalid_value(value, "").via_field_index(field, index)


def err_generic(message: str, *paths: str) -> FieldError:
    """An error with a free-form message."""
    return FieldError(message, paths)


def err_missing_one_of(*paths: str) -> FieldError:
    """``expected exactly one, got neither``."""
    return FieldError("expected exactly one, got neither", paths)


def err_multiple_one_of(*paths: str) -> FieldError:
    """``expected exactly one, got both``."""
    return FieldError("expected exactly one, got both", paths)


def err_invalid_key_name(key: str, path: str, *details: str) -> FieldError:
    """``invalid key name "<k>"``."""
    return FieldError(f"invalid key name {go_quote(key)}", [path], ", ".join(details))


def err_out_of_bounds(value: object, lower: object, upper: object, path: str) -> FieldError:
    """``expected <lo> <= <v> <= <hi>``."""
    return FieldError(
        f"expected {go_sprint(lower)} <= {go_sprint(value)} <= {go_sprint(upper)}", [path]
    )


# -- Go formatting helpers: messages embed values the way Go prints them -------------------


def go_quote(s: str) -> str:
    """Go's ``%q`` for a string (``strconv.Quote``)."""
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return f'"{s}"'  # the common case: nothing to escape
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\v":
            out.append("\\v")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not ch.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_sprint(value: object) -> str:
    """Go's ``fmt.Sprint`` for the values validation messages embed."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_sprint(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{go_sprint(k)}:{go_sprint(v)}" for k, v in items) + "]"
    return str(value)
