"""Retention, applied: read the pruner ConfigMaps, ask ``engine.retention`` which runs
go, delete them with their TaskRuns, Pods and logs.

The controller runs ``RetentionController.run`` next to the reconcilers: a namespace is
pruned shortly after one of its runs finishes (history limits) or a pruner ConfigMap
changes, every namespace when a TTL expires (the decision says when) and at least every
``interval`` seconds (tektoncd/pruner's periodic clean-up is every 10 minutes).

Deleting a run deletes what Kubernetes' garbage collector would: the store cascades
to the TaskRuns a PipelineRun owns; their Pods are deleted from the runtime; and the
Pods' log directories (``<logs>/<namespace>/<pod>/``), which otherwise outlive
everything, are removed.

An invalid global ConfigMap stops all pruning, an invalid namespace ConfigMap stops
it in that namespace, until fixed: one error line naming the ConfigMap and field is
logged (deleting by a configuration that was misread cannot be undone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tektite.engine.retention import (
    GLOBAL_CONFIG_KEY,
    GLOBAL_CONFIG_MAP,
    NAMESPACE_CONFIG_KEY,
    NAMESPACE_CONFIG_MAP,
    PIPELINERUN_LABEL,
    SYSTEM_NAMESPACE,
    Decision,
    Deletion,
    Level,
    NamespaceSpec,
    Policy,
    RetentionConfig,
    RetentionConfigError,
    Run,
    decide,
    has_annotations,
    parse_global_config,
    parse_namespace_config,
)
from tektite.runtime.protocol import PodKey, PodRuntime, PodRuntimeError
from tektite.store.errors import InvalidSelector
from tektite.store.protocol import Object, Store

log = logging.getLogger(__name__)

RUN_KINDS = ("PipelineRun", "TaskRun")
DEFAULT_INTERVAL = 600.0
SETTLE_SECONDS = 0.5
"""How long to gather finished runs before pruning their groups."""
STARTUP_DELAY = 10.0
"""The first full pass waits this long: a short ``tektite run`` never pays for it."""

RETRY_SECONDS = 30.0
"""After a failed pass, the next full one is at most this far away."""

Group = tuple[str, str, str, str | None]
"""Runs counted together: (kind, namespace, parent label key, parent or None)."""


@dataclass(frozen=True)
class LoadedConfig:
    """The configuration as stored: None when the global ConfigMap is invalid; the
    namespaces whose own ConfigMap is invalid (skipped)."""

    config: RetentionConfig | None
    broken: frozenset[str]


def _data(obj: Object, key: str) -> str:
    return str((obj.get("data") or {}).get(key) or "")


def _finished(obj: Object) -> bool:
    for condition in (obj.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Succeeded":
            return condition.get("status") in ("True", "False")
    return False


class RetentionController:
    """Prunes finished runs as configured (see ``engine.retention``)."""

    def __init__(
        self,
        store: Store,
        runtime: PodRuntime | None,
        *,
        clock: Callable[[], datetime],
        log_root: Path | None = None,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        """``log_root`` is the runtime's ``logs`` directory (None: no log files to
        remove); ``runtime`` None: no Pods to delete."""
        self.store = store
        self.runtime = runtime
        self.clock = clock
        self.log_root = log_root
        self.interval = interval
        self._reported: set[str] = set()
        self.startup_delay = STARTUP_DELAY
        self._namespaces: set[str] = set()
        self._groups: set[Group] = set()
        self._everything = False
        self._configured_cache: bool | None = None
        self._wake = asyncio.Event()

    # -- configuration ------------------------------------------------------------------

    def load_config(self) -> LoadedConfig:
        """Read and parse the pruner ConfigMaps (errors logged once each)."""
        level: Level = "resource"
        policy = Policy()
        namespaces: dict[str, Policy] = {}
        found = self.store.get("ConfigMap", SYSTEM_NAMESPACE, GLOBAL_CONFIG_MAP)
        if found is not None:
            try:
                level, policy, namespaces = parse_global_config(_data(found, GLOBAL_CONFIG_KEY))
            except RetentionConfigError as error:
                self._report(str(error))
                return LoadedConfig(None, frozenset())
        specs: dict[str, NamespaceSpec] = {}
        broken: set[str] = set()
        # Every ConfigMap, filtered by name here: the store has no field selectors.
        for obj in self.store.list("ConfigMap", None):
            meta = obj.get("metadata") or {}
            if meta.get("name") != NAMESPACE_CONFIG_MAP:
                continue
            namespace = str(meta.get("namespace") or "default")
            try:
                specs[namespace] = parse_namespace_config(
                    _data(obj, NAMESPACE_CONFIG_KEY), namespace
                )
            except RetentionConfigError as error:
                self._report(str(error))
                broken.add(namespace)
        return LoadedConfig(RetentionConfig(level, policy, namespaces, specs), frozenset(broken))

    def _report(self, message: str) -> None:
        # One line per distinct problem, not one per pass.
        if message not in self._reported:
            self._reported.add(message)
            log.error("retention: %s (nothing is pruned there until it is fixed)", message)

    # -- one pass -----------------------------------------------------------------------

    async def prune(
        self, namespaces: Iterable[str] | None = None, groups: Iterable[Group] = ()
    ) -> tuple[list[Deletion], datetime | None]:
        """Prune the given namespaces and run groups (neither: everything); return what
        was deleted and when a TTL next expires there. Reading and deciding happen in a
        worker thread, so a store of many runs does not stall the reconcilers."""
        loop = asyncio.get_running_loop()
        scope = None if namespaces is None else set(namespaces)
        planning = loop.run_in_executor(None, self._plan, scope, list(groups))
        try:
            objects, decision = await asyncio.shield(planning)
        except asyncio.CancelledError:
            # The thread reads the store: let it finish before the caller closes it.
            await asyncio.wait({planning})
            if not planning.cancelled():
                planning.exception()  # retrieved: the pass is abandoned anyway
            raise
        if decision is None:
            return [], None
        by_key = {
            (o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]): o for o in objects
        }
        deleted = []
        for deletion in decision.deletions:
            obj = by_key.get((deletion.kind, deletion.namespace, deletion.name))
            if obj is not None and await self._delete(obj, deletion):
                deleted.append(deletion)
        return deleted, decision.next_check

    def _plan(
        self, namespaces: set[str] | None, groups: list[Group]
    ) -> tuple[list[Object], Decision | None]:
        loaded = self.load_config()
        if loaded.config is None:
            return [], None
        objects: list[Object] = []
        if namespaces is None and not groups:
            for kind in RUN_KINDS:
                objects += self.store.list(kind, None)
        for namespace in sorted(namespaces or ()):
            for kind in RUN_KINDS:
                objects += self.store.list(kind, namespace)
        for kind, namespace, label, parent in groups:
            if namespaces is not None and namespace in namespaces:
                continue  # listed whole already
            objects += self._group(kind, namespace, label, parent)
        runs = [Run.from_object(obj) for obj in objects]
        runs = [r for r in runs if r.namespace not in loaded.broken]
        return objects, decide(runs, loaded.config, self.clock())

    def _group(self, kind: str, namespace: str, label: str, parent: str | None) -> list[Object]:
        """The runs of one parent (``label=parent``); runs without the label: every run
        of the kind in the namespace (``decide`` groups them)."""
        if parent is not None:
            try:
                return self.store.list(kind, namespace, label_selector=f"{label}={parent}")
            except InvalidSelector:
                pass  # a label key from an annotation that is no label key: list them all
        return self.store.list(kind, namespace)

    async def _delete(self, obj: Object, deletion: Deletion) -> bool:
        """Delete one run with its TaskRuns, Pods and logs; False when it was gone or
        changed (a run started again under the same name is not deleted)."""
        current = self.store.get(deletion.kind, deletion.namespace, deletion.name)
        meta = obj["metadata"]
        if current is None or current["metadata"].get("uid") != meta.get("uid"):
            return False
        pods = self._pods_of(current)
        self.store.delete(deletion.kind, deletion.namespace, deletion.name)
        log.info(
            "retention: deleted %s %s/%s: %s",
            deletion.kind,
            deletion.namespace,
            deletion.name,
            deletion.reason,
        )
        for pod in pods:
            await self._remove_pod(deletion.namespace, pod)
        return True

    def _pods_of(self, run: Object) -> list[str]:
        """The Pods of a TaskRun, or of every TaskRun a PipelineRun owns."""
        meta = run["metadata"]
        if run.get("kind") == "TaskRun":
            taskruns = [run]
        else:
            selector = f"{PIPELINERUN_LABEL}={meta['name']}"
            taskruns = [
                tr
                for tr in self.store.list("TaskRun", meta["namespace"], label_selector=selector)
                if any(
                    o.get("uid") == meta.get("uid")
                    for o in tr["metadata"].get("ownerReferences") or ()
                )
            ]
        pods = []
        for tr in taskruns:
            pod = (tr.get("status") or {}).get("podName")
            # Retries ran earlier Pods, whose names the status keeps too.
            retries = (tr.get("status") or {}).get("retriesStatus") or ()
            for name in [pod, *((r or {}).get("podName") for r in retries)]:
                if isinstance(name, str) and name and name not in pods:
                    pods.append(name)
        return pods

    async def _remove_pod(self, namespace: str, pod: str) -> None:
        if self.runtime is not None:
            try:
                await self.runtime.delete_pod(PodKey(namespace, pod))
            except PodRuntimeError as error:
                log.warning("retention: deleting Pod %s/%s: %s", namespace, pod, error.message)
        if self.log_root is None or "/" in pod or pod in (".", "..") or "/" in namespace:
            return
        directory = self.log_root / namespace / pod
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(directory)

    # -- the loop -----------------------------------------------------------------------

    async def run(self) -> None:
        """Prune everything now, then as runs finish, ConfigMaps change and TTLs expire,
        until cancelled."""
        since = self.store.resource_version()
        watcher = asyncio.create_task(self._watch(since), name="retention-watch")
        try:
            await self._loop()
        finally:
            watcher.cancel()
            with contextlib.suppress(BaseException):
                await watcher

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_full = loop.time() + self.startup_delay
        next_check: datetime | None = None
        while True:
            try:
                if self._everything or loop.time() >= next_full:
                    self._everything = False
                    self._namespaces.clear()
                    self._groups.clear()
                    next_full = loop.time() + self.interval
                    _, next_check = await self.prune()
                elif self._namespaces or self._groups:
                    namespaces, self._namespaces = self._namespaces, set()
                    groups, self._groups = self._groups, set()
                    _, found = await self.prune(sorted(namespaces), sorted(groups, key=str))
                    if found is not None and (next_check is None or found < next_check):
                        next_check = found
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("retention: pruning failed; trying again later")
                next_check, next_full = None, loop.time() + min(self.interval, RETRY_SECONDS)
            timeout = max(0.0, next_full - loop.time())
            if next_check is not None:
                # A TTL expiring is due a full pass (its run may be anywhere).
                until_ttl = max(0.0, (next_check - self.clock()).total_seconds())
                if until_ttl < timeout:
                    timeout, next_full = until_ttl, loop.time() + until_ttl
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
                # A run finished: wait a moment to take a burst of them in one pass.
                await asyncio.sleep(SETTLE_SECONDS)

    async def _watch(self, since: str) -> None:
        while True:
            try:
                await self._follow(since)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Events trimmed away (Expired) or a store hiccup: look at everything.
                log.warning("retention: watch restarted", exc_info=True)
                await asyncio.sleep(1.0)
                since = self.store.resource_version()
                self._everything = True
                self._wake.set()

    async def _follow(self, since: str) -> None:
        async for event in self.store.watch([*RUN_KINDS, "ConfigMap"], since):
            obj = event.object
            meta = obj.get("metadata") or {}
            namespace = str(meta.get("namespace") or "default")
            if obj.get("kind") == "ConfigMap":
                self._configured_cache = None
                name = meta.get("name")
                if name == GLOBAL_CONFIG_MAP and namespace == SYSTEM_NAMESPACE:
                    self._everything = True
                elif name == NAMESPACE_CONFIG_MAP:
                    self._namespaces.add(namespace)
                else:
                    continue
            elif event.type == "DELETED" or not _finished(obj):
                continue
            else:
                run = Run.from_object(obj)
                if run.owned:
                    continue  # goes with its PipelineRun
                if not self._configured() and not has_annotations(run):
                    continue  # nothing could prune its group: no pass (the periodic one)
                self._groups.add((run.kind, run.namespace, run.parent_label, run.parent))
            self._wake.set()

    def _configured(self) -> bool:
        """Whether a ConfigMap sets anything, as of the last pass or ConfigMap change."""
        if self._configured_cache is None:
            config = self.load_config().config
            self._configured_cache = config is None or config.configured
        return self._configured_cache


def logs_root(runtime: Any) -> Path | None:
    """Where a local runtime keeps Pod logs (``<data_dir>/logs``), or None."""
    data_dir = getattr(runtime, "data_dir", None)
    return Path(data_dir) / "logs" if isinstance(data_dir, (str, Path)) else None
