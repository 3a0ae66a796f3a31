"""Running objects to completion on the embedded control plane: what ``tektite run``
does, as a library (the conformance tests use it too)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

from tektite.store.errors import AlreadyExists
from tektite.store.protocol import Store

RUN_KINDS = ("TaskRun", "PipelineRun")
PIPELINERUN_LABEL = "tekton.dev/pipelineRun"


def create_all(
    store: Store, objects: list[dict[str, Any]], namespace: str, notes: TextIO = sys.stderr
) -> list[dict[str, Any]]:
    """Create definitions first (replacing older versions), then the runs; a run whose
    name is taken gets a fresh generated name, so earlier runs and their logs stay."""
    created = []
    ordered = sorted(objects, key=lambda o: o.get("kind") in RUN_KINDS)
    for obj in ordered:
        meta = obj.setdefault("metadata", {})
        meta["namespace"] = meta.get("namespace") or namespace
        if namespace != "default" and meta["namespace"] == "default":
            meta["namespace"] = namespace
        is_run = obj.get("kind") in RUN_KINDS
        try:
            created.append(store.create(obj))
        except AlreadyExists:
            if is_run:
                meta["generateName"] = meta.pop("name") + "-"
                new = store.create(obj)
                print(
                    f"tektite: {obj['kind']} {meta['generateName'][:-1]} exists already; "
                    f"this run is {new['metadata']['name']}",
                    file=notes,
                )
                created.append(new)
            else:
                current = store.get(obj["kind"], meta["namespace"], meta["name"])
                assert current is not None
                obj["metadata"] = {**current["metadata"], **meta}
                obj["metadata"].pop("resourceVersion", None)
                created.append(store.update(obj))
    return created


def condition(obj: dict[str, Any]) -> dict[str, Any]:
    """The run's Succeeded condition ({} when it has none yet)."""
    for c in (obj.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Succeeded":
            return dict(c)
    return {}


def is_done(obj: dict[str, Any] | None) -> bool:
    return obj is None or condition(obj).get("status") in ("True", "False")


def succeeded(obj: dict[str, Any]) -> bool:
    """Whether a run finished with Succeeded=True."""
    return condition(obj).get("status") == "True"


async def wait_done(
    store: Store,
    runs: list[dict[str, Any]],
    interrupted: asyncio.Event,
    timeout: float | None = None,
) -> bool:
    """Wait until every run is done (True) or ``interrupted`` is set (False)."""
    keys = {(r["kind"], r["metadata"]["namespace"], r["metadata"]["name"]) for r in runs}

    def all_done() -> bool:
        return all(is_done(store.get(*k)) for k in keys)

    # Read the version before checking, so no change between the check and the watch
    # can be missed.
    since = store.resource_version()

    async def watch() -> None:
        # Only the runs' own kinds: a PipelineRun's many TaskRun events are not even
        # decoded.
        async for event in store.watch(sorted({k[0] for k in keys}), since):
            meta = event.object.get("metadata") or {}
            key = (event.object.get("kind"), meta.get("namespace"), meta.get("name"))
            # Only a change of one of the runs can end the wait: the many changes of
            # a PipelineRun's children need no re-read of every run.
            if key in keys and all_done():
                return

    if all_done():
        return True
    watcher = asyncio.create_task(watch())
    stopper = asyncio.create_task(interrupted.wait())
    try:
        done, _ = await asyncio.wait(
            {watcher, stopper}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        watcher.cancel()
        stopper.cancel()
    return watcher in done


def cancel(store: Store, runs: list[dict[str, Any]]) -> None:
    """Ask every unfinished run to stop, as ``tkn ... cancel`` does."""
    for r in runs:
        current = store.get(r["kind"], r["metadata"]["namespace"], r["metadata"]["name"])
        if current is None or is_done(current):
            continue
        value = "TaskRunCancelled" if r["kind"] == "TaskRun" else "Cancelled"
        current["spec"]["status"] = value
        store.update(current)


def children(store: Store, run: dict[str, Any]) -> list[dict[str, Any]]:
    """A PipelineRun's child TaskRuns, then its child PipelineRuns (pipelines in
    pipelines), each oldest first (none for a TaskRun)."""
    if run.get("kind") != "PipelineRun":
        return []
    meta = run["metadata"]
    selector = f"{PIPELINERUN_LABEL}={meta['name']}"
    uid = meta.get("uid")
    return [
        c
        for kind in ("TaskRun", "PipelineRun")
        for c in store.list(kind, meta["namespace"], label_selector=selector)
        if not uid or any(o.get("uid") == uid for o in c["metadata"].get("ownerReferences") or ())
    ]


async def wait_settled(store: Store, runs: list[dict[str, Any]], timeout: float) -> bool:
    """Wait until the runs and every child TaskRun of theirs are done (a cancelled
    PipelineRun is done before its children have stopped); False on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        current = [
            store.get(r["kind"], r["metadata"]["namespace"], r["metadata"]["name"]) for r in runs
        ]
        pending = [c for c in current if not is_done(c)]
        pending += [
            tr for c in current if c is not None for tr in children(store, c) if not is_done(tr)
        ]
        if not pending:
            return True
        await asyncio.sleep(0.05)
    return False
