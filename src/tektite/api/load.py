"""From YAML text to checked objects: load, decode, convert, default, validate.

This is what ``kubectl create -f`` plus Tekton's webhooks do to a file, in one call:
each document becomes a :class:`Checked` carrying either the typed, defaulted object or
the field errors that would make the API server refuse it. Nothing here does I/O beyond
reading the file it is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from tektite.api.config import Config
from tektite.api.errors import FieldError, Level
from tektite.api.models import KubeObject, TektonObject
from tektite.api.object_meta import metadata_field_errors, name_errors, namespace_errors
from tektite.api.objects import InvalidObject, decode, object_name
from tektite.api.yamlio import DEFAULT_MAX_BYTES, Document, YamlLoadError, load_documents

YAML_SUFFIXES = (".yaml", ".yml", ".json")


class Checked(msgspec.Struct, frozen=True):
    """One object of a file after decoding, defaulting and validation."""

    document: Document
    obj: TektonObject | KubeObject | None
    """The decoded object (defaulted when it is a Tekton kind); None if undecodable."""
    name: str
    """``Kind/name`` as the CLI prints it."""
    errors: FieldError
    """Empty (falsy) when the object is valid."""
    warnings: FieldError

    @property
    def valid(self) -> bool:
        """Whether the API server would accept the object."""
        return not self.errors

    def location(self) -> str:
        """``file (document N, line L)``: where the object starts."""
        d = self.document
        where = f"document {d.index}"
        if d.item is not None:
            where += f", item {d.item}"
        return f"{d.file} ({where}, line {d.line})"


def check_object(raw: dict[str, Any], document: Document, config: Config) -> Checked:
    """Decode, default and validate one object."""
    # Imported lazily: validation pulls in every rule module, which `tektite --help`
    # and the store never need.
    from tektite.api.defaults import set_defaults
    from tektite.api.validation import ValidationContext, validate

    try:
        obj = decode(raw)
    except InvalidObject as e:
        name = f"{e.kind or raw.get('kind') or '<unknown kind>'}/{e.name or '<unnamed>'}"
        return Checked(document, None, name, e.errors, FieldError())
    # The API server's own checks of the metadata come first: an object they refuse
    # never reaches Tekton's webhooks (its validating admission runs after them).
    meta = raw.get("metadata") or {}  # a mapping of the right types: it decoded
    namespace = str(meta.get("namespace") or "")
    # Tekton's kinds are namespaced; a Kubernetes kind may not be (its namespace is
    # then dropped), which the store knows.
    checked_namespace = namespace and not isinstance(obj, KubeObject)
    refused = name_errors(obj.kind, meta)
    refused += namespace_errors(namespace) if checked_namespace else []
    refused += metadata_field_errors(meta)
    if refused or isinstance(obj, KubeObject):
        return Checked(document, obj, object_name(obj), _api_server(refused), FieldError())
    set_defaults(obj, config)
    result = validate(obj, ValidationContext(config=config))
    return Checked(
        document,
        obj,
        object_name(obj),
        result.filter(Level.ERROR),
        result.filter(Level.WARNING),
    )


def _api_server(messages: list[str]) -> FieldError:
    """The API server's ``path: detail`` messages as field errors (``detail: path``)."""
    errors = FieldError()
    for message in messages:
        path, _, detail = message.partition(": ")
        errors = errors.also(FieldError(detail, [path]))
    return errors


def check_text(
    text: str | bytes, name: str, config: Config | None = None, *, max_bytes: int | None = None
) -> list[Checked]:
    """Check every object of a YAML stream; raise :class:`YamlLoadError` if unreadable."""
    config = config or Config()
    docs = load_documents(text, name, max_bytes=max_bytes or DEFAULT_MAX_BYTES)
    return [check_object(d.obj, d, config) for d in docs]


def check_file(path: str | Path, config: Config | None = None) -> list[Checked]:
    """Check every object of a file; raise :class:`YamlLoadError` if unreadable."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > DEFAULT_MAX_BYTES:
            # Refuse before reading: a huge file must not be pulled into memory.
            raise YamlLoadError(
                str(path),
                f"file is too large ({size} bytes; the limit is {DEFAULT_MAX_BYTES} bytes)",
            )
        data = p.read_bytes()
    except OSError as e:
        raise YamlLoadError(str(path), e.strerror or str(e)) from None
    return check_text(data, str(path), config)


def expand_paths(paths: list[str]) -> Iterator[str]:
    """Files named directly, and the YAML files under directories (sorted, recursive)."""
    for p in paths:
        if p != "-" and os.path.isdir(p):
            found: list[str] = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found.extend(os.path.join(root, f) for f in files if f.endswith(YAML_SUFFIXES))
            yield from sorted(found)
        else:
            yield p
