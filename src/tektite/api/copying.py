"""Deep copies: of JSON-like data (objects as the store and the runtimes hold them) and
of the models."""

from __future__ import annotations

import copy
import marshal
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

_Model = TypeVar("_Model", bound=msgspec.Struct)


def copy_json(value: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``value``. ``marshal`` is an order of magnitude faster than
    ``copy.deepcopy``, which takes over for anything marshal cannot hold."""
    try:
        copied: dict[str, Any] = marshal.loads(marshal.dumps(dict(value)))
    except ValueError:
        copied = copy.deepcopy(dict(value))
    return copied


def copy_model(model: _Model) -> _Model:
    """A deep copy of a model: msgspec's round trip is several times faster than
    ``copy.deepcopy``."""
    return msgspec.convert(msgspec.to_builtins(model), type(model))
