"""Writing a reconciled status back, as Knative's generated reconcilers do.

A reconciler computes the status from the object it read at the start of its pass.
Meanwhile someone else may have written the object — ``tkn pr cancel`` setting
``spec.status``, a label change — so the write of the status hits a ``resourceVersion``
conflict. Knative's ``updateStatus`` (``reconciler.RetryUpdateConflicts``) then reads
the latest object, puts the computed status on it and tries again; the status belongs
to the controller alone, so nothing the other writer did is lost, and the other write's
own event makes the next pass see it (a cancel is acted upon then).

Dropping the status instead is not harmless: a pass may have acted already (created a
Pod, deleted one for a retry or a cancel) and its status is the only record of it.
"""

from __future__ import annotations

import logging
from typing import Any

from tektite.store.errors import Conflict, NotFound
from tektite.store.protocol import Store

log = logging.getLogger(__name__)

ATTEMPTS = 5
"""client-go's ``retry.DefaultRetry`` makes five attempts."""


def update_status(store: Store, raw: dict[str, Any], status: dict[str, Any]) -> bool:
    """Write ``status`` onto the object read as ``raw``; on a conflict, onto the latest
    version of it (skipped when that already has this status). False when the object
    is gone or the conflicts never stopped."""
    body = dict(raw)
    meta = raw.get("metadata") or {}
    kind, namespace, name = raw.get("kind", ""), meta.get("namespace"), meta.get("name", "")
    for _ in range(ATTEMPTS):
        body["status"] = status
        try:
            store.update_status(body)
            return True
        except NotFound:
            return False
        except Conflict:
            latest = store.get(kind, namespace, name)
            if latest is None or (latest.get("metadata") or {}).get("uid") != meta.get("uid"):
                return False  # gone, or deleted and created anew: not this run's status
            if latest.get("status") == status:
                return True
            body = latest
    log.warning("status of %s %s/%s not saved: conflicts kept coming", kind, namespace, name)
    return False


def update_own_status(
    store: Store,
    raw: dict[str, Any],
    status: dict[str, Any],
    written: dict[tuple[str, str], dict[str, Any]],
) -> None:
    """``update_status``, recording ``status`` in ``written`` under the object's
    (namespace, name) first (its watch event is then the reconciler's own write: see
    ``Controller``), and forgetting it when the write did not happen."""
    meta = raw.get("metadata") or {}
    key = (str(meta.get("namespace", "")), str(meta.get("name", "")))
    written[key] = status
    if not update_status(store, raw, status):
        written.pop(key, None)
