"""tkn's ``-w`` workspace flag (``pkg/workspaces``), value by value as tkn reads it:
``name=ws`` with one of ``emptyDir=[Memory|HugePages]``, ``claimName=C``,
``config=CM`` or ``secret=S`` (both with repeatable ``item=key=path``), and optionally
``subPath=P``; or ``volumeClaimTemplateFile=F.yaml`` / ``csiFile=F.yaml``, which take
precedence over the rest. Errors carry tkn's messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click

from tektite.cli.common import load_yaml_file

INVALID = "invalid input format for workspace : "
_MEDIUMS = ("", "Memory", "HugePages")


class WorkspaceFlagError(click.ClickException):
    """A ``-w`` value tkn refuses (the message is tkn's; click prints ``Error: …``)."""


def merge(
    bindings: list[dict[str, Any]],
    values: Iterable[str],
    read_yaml: Callable[[str], Any] = load_yaml_file,
) -> list[dict[str, Any]]:
    """tkn's ``workspaces.Merge``: each ``-w`` replaces the binding of its name, the
    others are added (in the order given; tkn's order there is a Go map's)."""
    parsed: dict[str, dict[str, Any]] = {}
    for value in values:
        binding = parse(value, read_yaml)
        parsed[binding["name"]] = binding
    merged = [parsed.pop(str(b.get("name", "")), b) for b in bindings]
    return merged + list(parsed.values())


def parse(value: str, read_yaml: Callable[[str], Any] = load_yaml_file) -> dict[str, Any]:
    """One ``-w`` value as a workspace binding (tkn's ``parseWorkspace``); a volume
    claim template or CSI file is read with ``read_yaml``."""
    parts = value.split(",")
    try:
        name = _param(parts, "name")
    except WorkspaceFlagError:
        name = None
    if name is None:
        raise WorkspaceFlagError("Name not found for workspace")
    binding: dict[str, Any] = {"name": name}
    sub_path = _param(parts, "subPath")
    if sub_path is not None:
        binding["subPath"] = sub_path
    template = _param(parts, "volumeClaimTemplateFile")
    if template is not None:
        binding["volumeClaimTemplate"] = read_yaml(template)
        return binding
    csi = _param(parts, "csiFile")
    if csi is not None:
        binding["csi"] = read_yaml(csi)
        return binding
    sources = 0
    for key, field, source in (
        ("config", "name", "configMap"),
        ("secret", "secretName", "secret"),
    ):
        found = _param(parts, key)
        if found is not None:
            items = _items(parts)
            binding[source] = {field: found, **({"items": items} if items else {})}
            sources += 1
    # tkn ignores what is malformed in these two: the value then names no volume.
    medium = _lenient(parts, "emptyDir")
    if medium is not None and medium in _MEDIUMS:
        binding["emptyDir"] = {"medium": medium} if medium else {}
        sources += 1
    claim = _lenient(parts, "claimName")
    if claim is not None:
        binding["persistentVolumeClaim"] = {"claimName": claim}
        sources += 1
    if sources != 1:
        raise WorkspaceFlagError(INVALID + value)
    return binding


def _param(parts: list[str], key: str) -> str | None:
    """tkn's ``getPar``: the value of the first ``key=`` part (None if there is none)."""
    for part in parts:
        if key not in part:
            continue
        found, sep, value = part.partition("=")
        if found != key:
            continue
        if not sep:
            raise WorkspaceFlagError(INVALID + part)
        return value
    return None


def _lenient(parts: list[str], key: str) -> str | None:
    try:
        return _param(parts, key)
    except WorkspaceFlagError:
        return None


def _items(parts: list[str]) -> list[dict[str, str]]:
    """tkn's ``getItems``: every ``item=key=path``."""
    items = []
    for part in parts:
        found, sep, value = part.partition("=")
        if found != "item":
            continue
        if not sep:
            raise WorkspaceFlagError("invalid item")
        key, sep, path = value.partition("=")
        if not sep:
            raise WorkspaceFlagError("invalid key value")
        items.append({"key": key, "path": path})
    return items
