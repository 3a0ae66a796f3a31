"""Retention: which finished runs to delete, and why (pure; no I/O).

Tekton keeps every run forever; its ecosystem prunes from outside (``tkn … delete
--keep`` in a CronJob, the operator's pruner, tektoncd/pruner). Tektite's controller
prunes itself, configured the way tektoncd/pruner is, so an existing configuration
applies (the differences are at the end):

- ConfigMap ``tekton-pruner-default-spec`` in ``tekton-pipelines``, key
  ``global-config``: the settings below at its root, plus ``enforcedConfigLevel`` and a
  ``namespaces:`` map of per-namespace settings;
- ConfigMap ``tekton-pruner-namespace-spec`` in a run's namespace, key ``ns-config``:
  the settings at its root, plus ``pipelineRuns:`` / ``taskRuns:`` lists of entries that
  pick runs by ``name`` (the Pipeline's or Task's) or by ``selector: [{matchLabels,
  matchAnnotations}]`` (all of one selector's conditions; any selector of the list) and
  carry their own settings;
- annotations ``pruner.tekton.dev/<setting>`` on a run (Tekton copies a Pipeline's or
  Task's annotations to its runs, so annotating the Pipeline works).

Settings: ``ttlSecondsAfterFinished`` (delete a run that many seconds after it
finished), ``successfulHistoryLimit`` / ``failedHistoryLimit`` (keep that many of the
newest successful / failed runs), ``historyLimit`` (both limits where they are unset at
the same place). A run is deleted as soon as any one setting says so.

Each setting of a run is taken from the most specific place that sets it: the run's
annotation, then the namespace ConfigMap's matching entry (by name first, then by
selector, first match wins), its root, the global ``namespaces[<ns>]``, the global root.
``enforcedConfigLevel`` (global root, default ``resource``) narrows that: ``namespace``
ignores annotations, ``global`` uses the global root only (an ``enforcedConfigLevel``
elsewhere is accepted and ignored). An annotation that is not a count is ignored.
Nothing set anywhere: runs are kept forever, as in Tekton.

History limits count the runs of one *parent*: PipelineRuns of the same
``tekton.dev/pipeline`` label, standalone TaskRuns of the same ``tekton.dev/task``
label (another label key with annotation ``pruner.tekton.dev/resourceNameLabelKey``);
runs without that label (TaskRuns of embedded specs) count together per namespace.
Newest means latest ``creationTimestamp``.

Differences from tektoncd/pruner: it counts history across the namespace unless an
entry names the pipeline (per-parent counting is what its users asked for,
operator#1038); it ignores unknown fields, which are refused here (a misspelt limit
would silently keep everything); its ConfigMaps must carry its
``app.kubernetes.io/part-of`` labels, which are not needed here.

Never deleted here: unfinished runs, runs already being deleted, and TaskRuns that
belong to a PipelineRun (they go with it). Cancelled and timed-out runs are failed
runs (``Succeeded=False``), as for the pruner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec
import yaml

from tektite.api.durations import format_go_duration
from tektite.engine.taskrun_state import parse_time

__all__ = [
    "ANNOTATION_PREFIX",
    "GLOBAL_CONFIG_KEY",
    "GLOBAL_CONFIG_MAP",
    "NAMESPACE_CONFIG_KEY",
    "NAMESPACE_CONFIG_MAP",
    "SYSTEM_NAMESPACE",
    "Decision",
    "Deletion",
    "Level",
    "NamespaceSpec",
    "Policy",
    "ResourceSpec",
    "RetentionConfig",
    "RetentionConfigError",
    "Run",
    "decide",
    "has_annotations",
    "parse_global_config",
    "parse_namespace_config",
    "settings_for",
]

SYSTEM_NAMESPACE = "tekton-pipelines"
GLOBAL_CONFIG_MAP = "tekton-pruner-default-spec"
GLOBAL_CONFIG_KEY = "global-config"
NAMESPACE_CONFIG_MAP = "tekton-pruner-namespace-spec"
NAMESPACE_CONFIG_KEY = "ns-config"
ANNOTATION_PREFIX = "pruner.tekton.dev/"
NAME_LABEL_KEY_ANNOTATION = ANNOTATION_PREFIX + "resourceNameLabelKey"
PIPELINE_LABEL = "tekton.dev/pipeline"
TASK_LABEL = "tekton.dev/task"
PIPELINERUN_LABEL = "tekton.dev/pipelineRun"

TTL = "ttlSecondsAfterFinished"
SUCCESSFUL = "successfulHistoryLimit"
FAILED = "failedHistoryLimit"
HISTORY = "historyLimit"
_SETTINGS = (TTL, SUCCESSFUL, FAILED, HISTORY)
_INT32_MAX = 2**31 - 1

Level = Literal["global", "namespace", "resource"]
_LEVELS: tuple[Level, ...] = ("global", "namespace", "resource")


class RetentionConfigError(ValueError):
    """A pruner ConfigMap that cannot be used; the message names the ConfigMap, key
    and field."""


class Policy(msgspec.Struct, frozen=True):
    """The settings of one place of the configuration (None: not set there)."""

    ttl_seconds_after_finished: int | None = None
    successful_history_limit: int | None = None
    failed_history_limit: int | None = None
    history_limit: int | None = None

    def get(self, setting: str) -> int | None:
        """A setting by its configuration name; the limits fall back to historyLimit."""
        if setting == TTL:
            return self.ttl_seconds_after_finished
        own = self.successful_history_limit if setting == SUCCESSFUL else self.failed_history_limit
        return own if own is not None else self.history_limit


class Selector(msgspec.Struct, frozen=True):
    """``matchLabels`` and ``matchAnnotations``: all must hold."""

    match_labels: Mapping[str, str] = msgspec.field(default_factory=dict)
    match_annotations: Mapping[str, str] = msgspec.field(default_factory=dict)

    def matches(self, labels: Mapping[str, str], annotations: Mapping[str, str]) -> bool:
        """Whether every listed label and annotation has the listed value."""
        return all(labels.get(k) == v for k, v in self.match_labels.items()) and all(
            annotations.get(k) == v for k, v in self.match_annotations.items()
        )


class ResourceSpec(msgspec.Struct, frozen=True):
    """An entry of ``pipelineRuns:``/``taskRuns:``: which runs, and their settings."""

    name: str | None
    selectors: tuple[Selector, ...]
    policy: Policy


class NamespaceSpec(msgspec.Struct, frozen=True):
    """A namespace ConfigMap's ``ns-config``."""

    policy: Policy = Policy()
    pipeline_runs: tuple[ResourceSpec, ...] = ()
    task_runs: tuple[ResourceSpec, ...] = ()


class RetentionConfig(msgspec.Struct, frozen=True):
    """The whole configuration: the global ConfigMap and every namespace ConfigMap."""

    level: Level = "resource"
    global_policy: Policy = Policy()
    namespaces: Mapping[str, Policy] = msgspec.field(default_factory=dict)
    namespace_specs: Mapping[str, NamespaceSpec] = msgspec.field(default_factory=dict)

    @property
    def configured(self) -> bool:
        """Whether any ConfigMap sets anything (else only run annotations can)."""
        return (
            self.global_policy != Policy()
            or any(p != Policy() for p in self.namespaces.values())
            or any(
                spec.policy != Policy() or any(e.policy != Policy() for e in entries)
                for spec in self.namespace_specs.values()
                for entries in (spec.pipeline_runs, spec.task_runs)
            )
        )


def has_annotations(run: Run) -> bool:
    """Whether the run carries ``pruner.tekton.dev/`` settings of its own."""
    return any(key.startswith(ANNOTATION_PREFIX) for key in run.annotations)


# -- parsing ------------------------------------------------------------------------------


def _load(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise RetentionConfigError(f"{where}not valid YAML{line}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RetentionConfigError(f"{where}must be a mapping")
    return data


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RetentionConfigError(f"{where}: must be an integer, not {value!r}")
    if not 0 <= value <= _INT32_MAX:
        raise RetentionConfigError(f"{where}: must be between 0 and {_INT32_MAX}, not {value}")
    return value


def _policy(data: Mapping[str, Any], where: str, allowed: Iterable[str]) -> Policy:
    """The settings of ``data``; ``where`` prefixes field names in errors (it ends with
    ``": "`` or ``"."``); fields other than the settings and ``allowed`` are refused, so
    a misspelt setting is not silently ignored."""
    known = set(_SETTINGS) | set(allowed)
    for key in data:
        if key not in known:
            raise RetentionConfigError(f"{where}{key}: unknown field")
    values = {k: None if data.get(k) is None else _int(data[k], f"{where}{k}") for k in _SETTINGS}
    return Policy(values[TTL], values[SUCCESSFUL], values[FAILED], values[HISTORY])


def _string_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RetentionConfigError(f"{where}: must be a mapping")
    return {str(k): str(v) for k, v in value.items()}


def _selector(raw: Any, where: str) -> Selector:
    if not isinstance(raw, dict):
        raise RetentionConfigError(f"{where}: must be a mapping")
    for key in raw:
        if key not in ("matchLabels", "matchAnnotations"):
            raise RetentionConfigError(f"{where}.{key}: unknown field")
    return Selector(
        _string_map(raw.get("matchLabels"), f"{where}.matchLabels"),
        _string_map(raw.get("matchAnnotations"), f"{where}.matchAnnotations"),
    )


def _resource_specs(value: Any, where: str) -> tuple[ResourceSpec, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RetentionConfigError(f"{where}: must be a list")
    specs = []
    for i, entry in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(entry, dict):
            raise RetentionConfigError(f"{at}: must be a mapping")
        raw_selectors = entry.get("selector") or []
        if not isinstance(raw_selectors, list):
            raise RetentionConfigError(f"{at}.selector: must be a list")
        selectors = tuple(
            _selector(raw, f"{at}.selector[{j}]") for j, raw in enumerate(raw_selectors)
        )
        name = entry.get("name")
        policy = _policy(entry, f"{at}.", ("name", "selector", "enforcedConfigLevel"))
        specs.append(ResourceSpec(None if name is None else str(name), selectors, policy))
    return tuple(specs)


def parse_global_config(text: str) -> tuple[Level, Policy, dict[str, Policy]]:
    """``global-config`` of ``tekton-pruner-default-spec``: the enforced level, the root
    settings and the ``namespaces:`` settings (their ``pipelineRuns``/``taskRuns`` are
    ignored, as by tektoncd/pruner). Raises ``RetentionConfigError``."""
    where = f"ConfigMap {SYSTEM_NAMESPACE}/{GLOBAL_CONFIG_MAP}: {GLOBAL_CONFIG_KEY}: "
    data = _load(text, where)
    level = data.get("enforcedConfigLevel") or "resource"
    if level not in _LEVELS:
        raise RetentionConfigError(
            f"{where}enforcedConfigLevel: must be one of {', '.join(_LEVELS)}, not {level!r}"
        )
    policy = _policy(data, where, ("enforcedConfigLevel", "namespaces"))
    raw = data.get("namespaces") or {}
    if not isinstance(raw, dict):
        raise RetentionConfigError(f"{where}namespaces: must be a mapping")
    namespaces: dict[str, Policy] = {}
    for name, spec in raw.items():
        at = f"{where}namespaces.{name}"
        if not isinstance(spec or {}, dict):
            raise RetentionConfigError(f"{at}: must be a mapping")
        allowed = ("enforcedConfigLevel", "pipelineRuns", "taskRuns")
        namespaces[str(name)] = _policy(spec or {}, f"{at}.", allowed)
    return level, policy, namespaces


def parse_namespace_config(text: str, namespace: str) -> NamespaceSpec:
    """``ns-config`` of ``tekton-pruner-namespace-spec`` in ``namespace``. Raises
    ``RetentionConfigError``."""
    where = f"ConfigMap {namespace}/{NAMESPACE_CONFIG_MAP}: {NAMESPACE_CONFIG_KEY}: "
    data = _load(text, where)
    policy = _policy(data, where, ("enforcedConfigLevel", "pipelineRuns", "taskRuns"))
    return NamespaceSpec(
        policy,
        _resource_specs(data.get("pipelineRuns"), f"{where}pipelineRuns"),
        _resource_specs(data.get("taskRuns"), f"{where}taskRuns"),
    )


# -- runs ---------------------------------------------------------------------------------


class Run(msgspec.Struct):
    """What retention needs of a TaskRun or PipelineRun."""

    kind: str
    namespace: str
    name: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    created: datetime
    finished: datetime | None
    """Completion time; None while it runs."""
    succeeded: bool | None
    owned: bool
    """A TaskRun of a PipelineRun."""
    deleting: bool = False

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> Run:
        """Read a stored run (Kubernetes JSON)."""
        meta = obj.get("metadata") or {}
        status = obj.get("status") or {}
        labels: Mapping[str, str] = meta.get("labels") or {}  # strings, as the API has them
        condition: Mapping[str, Any] = next(
            (c for c in status.get("conditions") or () if c.get("type") == "Succeeded"), {}
        )
        state = condition.get("status")
        succeeded = True if state == "True" else False if state == "False" else None
        finished = None
        if succeeded is not None:
            stamp = status.get("completionTime") or condition.get("lastTransitionTime")
            finished = _time(stamp)
        owners = meta.get("ownerReferences") or ()
        owned = obj.get("kind") == "TaskRun" and (
            PIPELINERUN_LABEL in labels or any(o.get("kind") == "PipelineRun" for o in owners)
        )
        return cls(
            kind=str(obj.get("kind", "")),
            namespace=str(meta.get("namespace") or "default"),
            name=str(meta.get("name", "")),
            labels=labels,
            annotations=meta.get("annotations") or {},
            created=_time(meta.get("creationTimestamp")) or _EPOCH,
            finished=finished,
            succeeded=succeeded,
            owned=owned,
            deleting=bool(meta.get("deletionTimestamp")),
        )

    @property
    def parent_label(self) -> str:
        """The label naming the run's parent (Pipeline or Task)."""
        default = PIPELINE_LABEL if self.kind == "PipelineRun" else TASK_LABEL
        return self.annotations.get(NAME_LABEL_KEY_ANNOTATION) or default

    @property
    def parent(self) -> str | None:
        """The Pipeline's or Task's name (None: an embedded spec without the label)."""
        return self.labels.get(self.parent_label)


_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None


# -- decisions ----------------------------------------------------------------------------


class Deletion(msgspec.Struct, frozen=True):
    """A run to delete and the reason (for the log and the tests)."""

    kind: str
    namespace: str
    name: str
    reason: str


class Decision(msgspec.Struct, frozen=True):
    """What to delete now, and when a TTL will next expire (None: never)."""

    deletions: list[Deletion]
    next_check: datetime | None


def _entry_for(run: Run, spec: NamespaceSpec) -> ResourceSpec | None:
    entries = spec.pipeline_runs if run.kind == "PipelineRun" else spec.task_runs
    parent = run.parent
    for entry in entries:
        if entry.name is not None and entry.name == parent:
            return entry
    for entry in entries:
        if any(s.matches(run.labels, run.annotations) for s in entry.selectors):
            return entry
    return None


def _annotated(run: Run) -> Policy | None:
    """The settings a run's own annotations give (None: it has none)."""
    if not has_annotations(run):
        return None
    values: dict[str, int] = {}
    for setting in _SETTINGS:
        raw = run.annotations.get(ANNOTATION_PREFIX + setting, "").strip()
        # Not a count (a typo, a negative number): ignored, as the pruner does.
        if raw.isdigit() and int(raw) <= _INT32_MAX:
            values[setting] = int(raw)
    return Policy(*(values.get(setting) for setting in _SETTINGS))


def settings_for(run: Run, config: RetentionConfig) -> dict[str, tuple[int, str]]:
    """The run's TTL and limits (``ttlSecondsAfterFinished``, ``successfulHistoryLimit``,
    ``failedHistoryLimit``) that are set, each with where it came from."""
    places: list[tuple[str, Policy]] = []
    if config.level == "resource":
        annotated = _annotated(run)
        if annotated is not None:
            places.append((f"annotations {ANNOTATION_PREFIX}*", annotated))
    if config.level in ("resource", "namespace"):
        spec = config.namespace_specs.get(run.namespace)
        if spec is not None:
            entry = _entry_for(run, spec)
            if entry is not None:
                what = f"name {entry.name}" if entry.name == run.parent else "selector"
                places.append((f"{NAMESPACE_CONFIG_MAP} ({what})", entry.policy))
            places.append((NAMESPACE_CONFIG_MAP, spec.policy))
        if run.namespace in config.namespaces:
            places.append(
                (
                    f"{GLOBAL_CONFIG_MAP} namespaces.{run.namespace}",
                    config.namespaces[run.namespace],
                )
            )
    places.append((GLOBAL_CONFIG_MAP, config.global_policy))
    found: dict[str, tuple[int, str]] = {}
    for setting in (TTL, SUCCESSFUL, FAILED):
        for where, policy in places:
            value = policy.get(setting)
            if value is not None:
                found[setting] = (value, where)
                break
    return found


def _shared_settings_key(run: Run, config: RetentionConfig) -> tuple[str, str, str | None] | None:
    """A key under which runs get the same settings (their kind, namespace and parent),
    or None when the run's own labels or annotations may matter."""
    if config.level == "resource" and has_annotations(run):
        return None
    spec = config.namespace_specs.get(run.namespace)
    if spec is not None and config.level != "global":
        entries = spec.pipeline_runs if run.kind == "PipelineRun" else spec.task_runs
        if any(entry.selectors for entry in entries):
            return None
    return (run.kind, run.namespace, run.parent)


def _ago(delta: timedelta) -> str:
    return format_go_duration(round(delta.total_seconds()))


def decide(runs: Iterable[Run], config: RetentionConfig, now: datetime) -> Decision:
    """Which of ``runs`` to delete at ``now`` under ``config``, and when to look again.

    ``runs`` are all the runs of the namespaces concerned (history limits count them).
    """
    candidates = [
        r
        for r in runs
        if r.finished is not None and r.succeeded is not None and not r.owned and not r.deleting
    ]
    deletions: dict[tuple[str, str, str], Deletion] = {}
    next_check: datetime | None = None
    groups: dict[tuple[str, str, str | None, bool], list[Run]] = {}
    settings: dict[tuple[str, str, str], dict[str, tuple[int, str]]] = {}
    # Thousands of runs share a handful of parents: resolve each parent's settings once.
    shared: dict[tuple[str, str, str | None], dict[str, tuple[int, str]]] = {}
    for run in candidates:
        key = (run.kind, run.namespace, run.name)
        share = _shared_settings_key(run, config)
        if share is None:
            found = settings_for(run, config)
        elif share in shared:
            found = shared[share]
        else:
            found = shared[share] = settings_for(run, config)
        settings[key] = found
        assert run.finished is not None
        if TTL in found:
            ttl, where = found[TTL]
            expires = run.finished + timedelta(seconds=ttl)
            if expires <= now:
                deletions[key] = Deletion(
                    *key,
                    f"{TTL}={ttl} ({where}): finished {_ago(now - run.finished)} ago",
                )
            elif next_check is None or expires < next_check:
                next_check = expires
        groups.setdefault((run.kind, run.namespace, run.parent, bool(run.succeeded)), []).append(
            run
        )
    for (kind, _, parent, ok), members in groups.items():
        members.sort(key=lambda r: (r.created, r.name), reverse=True)
        setting = SUCCESSFUL if ok else FAILED
        for rank, run in enumerate(members):
            key = (run.kind, run.namespace, run.name)
            limit = settings[key].get(setting)
            if limit is None or rank < limit[0] or key in deletions:
                continue
            owner = "Pipeline" if kind == "PipelineRun" else "Task"
            of = f'{owner} "{parent}"' if parent is not None else "embedded specs"
            state = "successful" if ok else "failed"
            deletions[key] = Deletion(
                *key,
                f"{setting}={limit[0]} ({limit[1]}): {rank} newer {state} {kind}s of {of}",
            )
    ordered = sorted(deletions.values(), key=lambda d: (d.namespace, d.kind, d.name))
    return Decision(ordered, next_check)
