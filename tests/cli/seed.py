"""Helpers for the tkn-compatible CLI tests: a real SqliteStore in a temporary
``$TEKTITE_HOME``, filled with objects that carry statuses (written with
``update_status``, as the controller writes them), and the ``tektite`` command run
in-process with a fixed clock (``$TEKTITE_NOW``) so ages are deterministic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from tektite.cli.main import cli
from tektite.store.sqlite import SqliteStore

T0 = datetime(2024, 4, 4, 0, 0, 0, tzinfo=UTC)
"""The base time of every scenario (tkn's tests use a fake clock the same way)."""


def at(**delta: float) -> datetime:
    """``T0`` moved by ``timedelta(**delta)``."""
    return T0 + timedelta(**delta)


def ts(moment: datetime) -> str:
    """RFC 3339 as the API server writes ``metav1.Time``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cond(status: str, reason: str = "", message: str = "") -> list[dict[str, str]]:
    """A ``Succeeded`` condition list."""
    c = {"type": "Succeeded", "status": status}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return [c]


class Seed:
    """Writes objects into the store of ``home``; ``created`` stamps the next
    ``creationTimestamp`` (the store's clock)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.created = T0
        self.store = SqliteStore(home / "tektite.db", clock=lambda: self.created)

    def add(
        self,
        kind: str,
        name: str,
        ns: str = "ns",
        *,
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
        spec: dict[str, Any] | None = None,
        status: dict[str, Any] | None = None,
        created: datetime | None = None,
        owner: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create the object, then write its status as the controller would."""
        meta: dict[str, Any] = {"name": name, "namespace": ns}
        if labels:
            meta["labels"] = labels
        if annotations:
            meta["annotations"] = annotations
        if owner:
            meta["ownerReferences"] = [
                {
                    "apiVersion": owner["apiVersion"],
                    "kind": owner["kind"],
                    "name": owner["metadata"]["name"],
                    "uid": owner["metadata"]["uid"],
                    "controller": True,
                }
            ]
        self.created = created or T0
        obj = self.store.create(
            {"apiVersion": "tekton.dev/v1", "kind": kind, "metadata": meta, "spec": spec or {}}
        )
        if status is not None:
            obj["status"] = status
            obj = self.store.update_status(obj)
        return obj

    def close(self) -> None:
        self.store.close()


def tektite(home: Path, now: datetime, *args: str, input: str | None = None) -> Result:
    """Run ``tektite ARGS`` in-process against ``home`` with the clock at ``now``."""
    runner = CliRunner()
    env = {"TEKTITE_HOME": str(home), "TEKTITE_NOW": ts(now), "NO_COLOR": "1"}
    return runner.invoke(cli, list(args), env=env, input=input, catch_exceptions=False)
