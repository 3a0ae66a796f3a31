"""Store errors, named and worded as the Kubernetes API server's ``StatusError``s.

Each class carries Kubernetes' ``reason`` and HTTP ``code`` so the CLI and HTTP API can
report the same thing whichever store is behind them, and ``KubernetesStore`` can raise
these classes straight from an API server ``Status`` (hence the plain ``message``
constructor). The ``of``/``for_…`` helpers build the server's exact wording.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar

from tektite.api.k8s_names import aggregate

__all__ = [
    "AlreadyExists",
    "BadRequest",
    "Conflict",
    "Expired",
    "Invalid",
    "InvalidSelector",
    "NotFound",
    "StoreError",
]


def _q(text: str) -> str:
    """Go's ``%q`` for the names that reach these messages."""
    return json.dumps(text, ensure_ascii=False)


class StoreError(Exception):
    """Base of every store error; ``str(err)`` is the API server's message."""

    reason: ClassVar[str] = "InternalError"
    code: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    """404: the object does not exist (``taskruns.tekton.dev "x" not found``)."""

    reason = "NotFound"
    code = 404

    @classmethod
    def of(cls, resource: str, name: str) -> NotFound:
        """``resource`` is qualified: ``taskruns.tekton.dev``, ``configmaps``."""
        return cls(f"{resource} {_q(name)} not found")


class AlreadyExists(StoreError):
    """409: create of a name that is taken (``taskruns.tekton.dev "x" already exists``)."""

    reason = "AlreadyExists"
    code = 409

    @classmethod
    def of(cls, resource: str, name: str) -> AlreadyExists:
        """``resource`` is qualified: ``taskruns.tekton.dev``, ``configmaps``."""
        return cls(f"{resource} {_q(name)} already exists")


class Conflict(StoreError):
    """409: the ``resourceVersion`` given is not the stored one; re-read and retry."""

    reason = "Conflict"
    code = 409

    @classmethod
    def of(cls, resource: str, name: str) -> Conflict:
        """The optimistic-concurrency message ``kubectl`` users know."""
        return cls(
            f"Operation cannot be fulfilled on {resource} {_q(name)}: the object has been "
            "modified; please apply your changes to the latest version and try again"
        )


class Invalid(StoreError):
    """422: the object breaks a metadata rule (missing name, bad label, …)."""

    reason = "Invalid"
    code = 422

    @classmethod
    def of(cls, qualified_kind: str, name: str, causes: Sequence[str]) -> Invalid:
        """``qualified_kind`` is ``TaskRun.tekton.dev`` (``ConfigMap`` for the core group);
        ``causes`` are rendered field errors, aggregated as Kubernetes does."""
        return cls(f"{qualified_kind} {_q(name)} is invalid: {aggregate(causes)}")


class Unavailable(StoreError):
    """503: the store cannot be opened (its directory cannot be made or used, its file
    is unreadable or not a database); the message names the path."""

    reason = "ServiceUnavailable"
    code = 503


class Expired(StoreError):
    """410 Gone: a watch asked for events older than the store keeps; relist."""

    reason = "Expired"
    code = 410

    @classmethod
    def of(cls, requested: int, oldest: int) -> Expired:
        """The watch cache's wording: ``too old resource version: 5 (120)``."""
        return cls(f"too old resource version: {requested} ({oldest})")


class BadRequest(StoreError):
    """400: the request itself is malformed (for example a bad ``resourceVersion``)."""

    reason = "BadRequest"
    code = 400


class InvalidSelector(BadRequest):
    """400: a label selector that does not parse; the message is ``labels.Parse``'s."""
