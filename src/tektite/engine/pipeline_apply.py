"""Pipeline-scope variable substitution: what the PipelineRun reconciler replaces in a
PipelineSpec and in the PipelineTasks it is about to run.

Port of Tekton's ``pkg/reconciler/pipelinerun/resources/apply.go``. The reconciler
applies, in this order (see :mod:`tektite.engine.resolve_pipelinerun`):

1. :func:`apply_parameters` — PipelineRun values over the declared defaults, defaults
   that reference other params resolved recursively (depth ≤ 10, cycles refused);
2. :func:`apply_contexts` — ``$(context.pipelineRun.*)`` and ``$(context.pipeline.name)``;
3. :func:`apply_workspaces` — ``$(workspaces.<w>.bound)``;

and stores the result in ``status.pipelineSpec``. Then, per scheduling round, for a
PipelineTask that is ready: :func:`apply_task_results` (results of finished tasks),
:func:`apply_pipeline_task_state_context` (finally tasks: ``tasks.<t>.status`` …),
:func:`propagate_results` / :func:`propagate_artifacts` into an embedded taskSpec and,
just before its TaskRuns are made, :func:`apply_pipeline_task_contexts`
(``$(context.pipelineTask.retries)`` and matrix lengths).

Every pass over a spec goes through :func:`apply_replacements`, which also propagates
the values into embedded taskSpecs (:func:`propagate_params`), a PipelineTask param of
the same name shadowing the pipeline's. Every function returns new objects; its
arguments are never modified. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar, cast

import msgspec

from tektite.api.copying import copy_model
from tektite.api.matrix import count_combinations, has_include, has_params
from tektite.api.models import (
    Artifacts,
    ArtifactValue,
    EmbeddedTask,
    IncludeParams,
    Matrix,
    Param,
    ParamSpec,
    ParamValue,
    PipelineRun,
    PipelineSpec,
    PipelineTask,
    RunResult,
    TaskRun,
    TaskSpec,
    WorkspaceBinding,
)
from tektite.api.resultref import parse_task_and_result_name
from tektite.api.variables import (
    apply_replacements as apply_string_replacements,
)
from tektite.api.variables import (
    get_var_substitution_expressions,
    go_quote,
    param_value_expressions,
)
from tektite.api.yamlio import go_json_scalar_text
from tektite.engine.substitution import (
    Replacements,
    apply_task_spec_replacements,
    param_key,
    replace_params_variables,
    replace_when_variables,
)
from tektite.engine.workspaces import replace_workspace_bindings_vars

__all__ = [
    "MAX_PARAM_REFERENCE_DEPTH",
    "PIPELINE_PARAM_PATTERNS",
    "ParamResolutionError",
    "ResolvedResult",
    "apply_contexts",
    "apply_parameters",
    "apply_parameters_to_workspace_bindings",
    "apply_pipeline_task_contexts",
    "apply_pipeline_task_state_context",
    "apply_replacements",
    "apply_results_to_workspace_bindings",
    "apply_task_results",
    "apply_workspaces",
    "context_replacements",
    "embedded_task_spec",
    "is_matrixed",
    "pipeline_run_param_replacements",
    "propagate_artifacts",
    "propagate_params",
    "propagate_results",
    "resolve_pipeline_parameters",
    "result_replacements",
]

PIPELINE_PARAM_PATTERNS = ("params.{}", "params[{}]", "params['{}']")
"""The spellings of a pipeline param (no ``inputs.params.x`` on the Pipeline side)."""

MAX_PARAM_REFERENCE_DEPTH = 10
"""How deep defaults may reference other params (Tekton's ``maxParamReferenceDepth``)."""

_StringMap = Mapping[str, str]
_ArrayMap = Mapping[str, Sequence[str]]
_ObjectMap = Mapping[str, Mapping[str, str]]
_NO_ARRAYS: _ArrayMap = {}
_NO_OBJECTS: _ObjectMap = {}
_T = TypeVar("_T", bound=msgspec.Struct)


class ParamResolutionError(ValueError):
    """A default that references params cannot be resolved; ``str()`` is Tekton's text
    (``parameter resolution failed: ...``)."""


class ResolvedResult(NamedTuple):
    """The value of one referenced task result (Tekton's ``ResolvedResultRef``, reduced to
    what substitution needs)."""

    pipeline_task: str
    result: str
    value: ParamValue


def is_matrixed(pt: PipelineTask) -> bool:
    """Tekton's ``PipelineTask.IsMatrixed``: a matrix with params or include entries."""
    return has_params(pt.matrix) or has_include(pt.matrix)


def _keys(name: str) -> list[str]:
    return [param_key(pattern, name) for pattern in PIPELINE_PARAM_PATTERNS]


# -- params ---------------------------------------------------------------------------------


def pipeline_run_param_replacements(params: Iterable[Param] | None) -> Replacements:
    """Tekton's ``paramsFromPipelineRun``: every PipelineRun param, declared or not, under
    each spelling; array items as ``params.a[i]`` and object keys as ``params.o.k``."""
    out = Replacements({}, {}, {})
    for p in params or ():
        value = cast(ParamValue, p.value)
        if isinstance(value, list):
            for key in _keys(p.name):
                for i, item in enumerate(value):
                    out.strings[f"{key}[{i}]"] = item
                out.arrays[key] = list(value)
        elif isinstance(value, dict):
            for key in _keys(p.name):
                out.objects[key] = dict(value)
            for k, v in value.items():
                out.strings[f"params.{p.name}.{k}"] = v
        else:
            for key in _keys(p.name):
                out.strings[key] = value
    return out


def _param_exists(name: str, bucket: Mapping[str, object]) -> bool:
    return any(key in bucket for key in _keys(name))


def _resolve_string(
    key: str,
    value: str,
    resolved: dict[str, str],
    unresolved: Mapping[str, str],
    visiting: set[str],
    depth: int,
) -> None:
    """Tekton's ``resolveStringParamRecursively``."""
    if key in visiting:
        raise ParamResolutionError(
            f"parameter resolution failed: circular dependency detected in param {go_quote(key)}"
        )
    visiting.add(key)
    try:
        if depth > MAX_PARAM_REFERENCE_DEPTH:
            raise ParamResolutionError(
                "parameter resolution failed: maximum recursion depth "
                f"({MAX_PARAM_REFERENCE_DEPTH}) exceeded for param {go_quote(key)}"
            )
        refs = [e for e in get_var_substitution_expressions(value) if e.startswith("params.")]
        if not refs:
            resolved[key] = value
            return
        for ref in refs:
            if ref in resolved:
                continue
            if ref not in unresolved:
                raise ParamResolutionError(
                    f"parameter resolution failed: param {go_quote(key)} references "
                    f"undefined param {go_quote(ref)}"
                )
            _resolve_string(ref, unresolved[ref], resolved, unresolved, visiting, depth + 1)
        resolved[key] = apply_string_replacements(value, resolved)
    finally:
        visiting.discard(key)


def resolve_pipeline_parameters(
    specs: Sequence[ParamSpec] | None, params: Sequence[Param] | None
) -> Replacements:
    """The replacement maps of :func:`apply_parameters` (Tekton's phases 1–5).

    PipelineRun values win; string defaults may reference other params (any declaration
    order, ≤ 10 levels); array and object defaults get string params substituted into
    their items. Raises :class:`ParamResolutionError`.

    Tekton walks Go maps here (random order); declaration order is used instead, which
    only matters for which of several broken defaults is reported.
    """
    out = pipeline_run_param_replacements(params)
    strings: dict[str, str] = {}
    arrays: dict[str, list[str]] = {}
    objects: dict[str, dict[str, str]] = {}
    for spec in specs or ():
        default = spec.default
        if default is None:
            continue
        if spec.type in ("string", ""):
            if not _param_exists(spec.name, out.strings):
                # Go reads Default.StringVal: "" for an array or object default.
                strings.update(
                    dict.fromkeys(_keys(spec.name), default if isinstance(default, str) else "")
                )
        elif spec.type == "array":
            if not _param_exists(spec.name, out.arrays):
                for key in _keys(spec.name):
                    arrays[key] = list(default) if isinstance(default, list) else []
        elif spec.type == "object" and not _param_exists(spec.name, out.objects):
            for key in _keys(spec.name):
                objects[key] = dict(default) if isinstance(default, dict) else {}

    visiting: set[str] = set()
    for key, value in strings.items():
        if key not in out.strings:
            _resolve_string(key, value, out.strings, strings, visiting, 0)
    for key, items in arrays.items():
        resolved_items = [apply_string_replacements(v, out.strings) for v in items]
        out.arrays[key] = resolved_items
        for i, item in enumerate(resolved_items):
            out.strings[f"{key}[{i}]"] = item
    for key, members in objects.items():
        resolved_members = {
            k: apply_string_replacements(v, out.strings) for k, v in members.items()
        }
        out.objects[key] = resolved_members
        for k, v in resolved_members.items():
            out.strings[f"{key}.{k}"] = v
    return out


def apply_parameters(spec: PipelineSpec, pr: PipelineRun) -> PipelineSpec:
    """Tekton's ``ApplyParameters``: the PipelineRun's params over ``spec``'s defaults,
    substituted everywhere a pipeline param may be used. Raises
    :class:`ParamResolutionError` for a default that cannot be resolved."""
    r = resolve_pipeline_parameters(spec.params, pr.spec.params)
    return apply_replacements(spec, r.strings, r.arrays, r.objects)


# -- the spec walk ----------------------------------------------------------------------------


def _replace_params(
    params: list[Param] | None, strings: _StringMap, arrays: _ArrayMap, objects: _ObjectMap
) -> list[Param] | None:
    if params is None:
        return None
    return replace_params_variables(params, strings, arrays, objects)


def _replace_matrix(matrix: Matrix, strings: _StringMap, arrays: _ArrayMap) -> None:
    # Matrix params are arrays of strings: no object expansion; include params are
    # strings only.
    matrix.params = _replace_params(matrix.params, strings, arrays, _NO_OBJECTS)
    for include in matrix.include or ():
        include.params = _replace_params(include.params, strings, _NO_ARRAYS, _NO_OBJECTS)


def _replace_task_ref(
    pt: PipelineTask, strings: _StringMap, arrays: _ArrayMap, objects: _ObjectMap
) -> None:
    ref = pt.task_ref
    if ref is None:
        return
    if ref.params is not None:
        ref.params = replace_params_variables(ref.params, strings, arrays, objects)
    ref.name = apply_string_replacements(ref.name, strings)


def _replace_in_pipeline_task(
    pt: PipelineTask, strings: _StringMap, arrays: _ArrayMap, objects: _ObjectMap
) -> PipelineTask:
    """Tekton's ``replaceVariablesInPipelineTasks`` body for one task (in place)."""
    pt.params = _replace_params(pt.params, strings, arrays, objects)
    if is_matrixed(pt) and pt.matrix is not None:
        _replace_matrix(pt.matrix, strings, arrays)
    else:
        # Tekton leaves a matrixed task's displayName to ApplyContexts and task results.
        pt.display_name = apply_string_replacements(pt.display_name, strings)
    for ws in pt.workspaces or ():
        ws.sub_path = apply_string_replacements(ws.sub_path, strings)
    pt.when = replace_when_variables(pt.when, strings, arrays)
    _replace_task_ref(pt, strings, arrays, objects)
    pt.on_error = apply_string_replacements(pt.on_error, strings)
    return propagate_params(pt, strings, arrays, objects)


def apply_replacements(
    spec: PipelineSpec,
    strings: _StringMap,
    arrays: _ArrayMap = _NO_ARRAYS,
    objects: _ObjectMap = _NO_OBJECTS,
) -> PipelineSpec:
    """Tekton's ``ApplyReplacements``: a copy of ``spec`` with every task's and finally
    task's params, matrix, displayName, workspace subPaths, when expressions, taskRef
    name and params, onError and embedded taskSpec substituted."""
    out = copy_model(spec)
    if out.tasks is not None:
        out.tasks = [_replace_in_pipeline_task(pt, strings, arrays, objects) for pt in out.tasks]
    if out.finally_ is not None:
        out.finally_ = [
            _replace_in_pipeline_task(pt, strings, arrays, objects) for pt in out.finally_
        ]
    return out


def propagate_params(
    pt: PipelineTask, strings: _StringMap, arrays: _ArrayMap, objects: _ObjectMap
) -> PipelineTask:
    """Tekton's ``propagateParams``: the replacements applied to an embedded taskSpec,
    where a PipelineTask param shadows the pipeline-level value of the same name.

    Only names the pipeline level defines are shadowed, and a shadowing value of another
    type becomes Go's zero value (``""``, an empty array or object), as in Tekton.
    """
    if pt.task_spec is None:
        return pt
    if pt.params:
        s = dict(strings)
        a: dict[str, Sequence[str]] = dict(arrays)
        o: dict[str, Mapping[str, str]] = dict(objects)
        for par in pt.params:
            value = cast(ParamValue, par.value)
            for key in _keys(par.name):
                if key in s:
                    s[key] = value if isinstance(value, str) else ""
                if key in a:
                    a[key] = value if isinstance(value, list) else []
                if key in o:
                    members = value if isinstance(value, dict) else {}
                    o[key] = members
                    for k, v in members.items():
                        s[f"params.{par.name}.{k}"] = v
        spec = apply_task_spec_replacements(pt.task_spec, s, a, o)
    else:
        spec = apply_task_spec_replacements(pt.task_spec, strings, arrays, objects)
    return msgspec.structs.replace(pt, task_spec=cast(EmbeddedTask, spec))


# -- context and workspaces ------------------------------------------------------------------


def context_replacements(pipeline_name: str, pr: PipelineRun) -> dict[str, str]:
    """Tekton's ``GetContextReplacements``."""
    return {
        "context.pipelineRun.name": pr.metadata.name,
        "context.pipeline.name": pipeline_name,
        "context.pipelineRun.namespace": pr.metadata.namespace,
        "context.pipelineRun.uid": pr.metadata.uid,
    }


def apply_contexts(spec: PipelineSpec, pipeline_name: str, pr: PipelineRun) -> PipelineSpec:
    """Tekton's ``ApplyContexts``: ``pipeline_name`` is the referenced Pipeline's name, or
    the PipelineRun's own for an embedded spec. DisplayNames of matrixed tasks too."""
    replacements = context_replacements(pipeline_name, pr)
    out = copy_model(spec)
    for pt in (*(out.tasks or ()), *(out.finally_ or ())):
        pt.display_name = apply_string_replacements(pt.display_name, replacements)
    return apply_replacements(out, replacements)


def apply_workspaces(spec: PipelineSpec, pr: PipelineRun) -> PipelineSpec:
    """Tekton's ``ApplyWorkspaces``: ``$(workspaces.<w>.bound)`` is ``"false"`` for a
    declared workspace and ``"true"`` for one the PipelineRun binds."""
    replacements = {f"workspaces.{ws.name}.bound": "false" for ws in spec.workspaces or ()}
    for binding in pr.spec.workspaces or ():
        replacements[f"workspaces.{binding.name}.bound"] = "true"
    return apply_replacements(spec, replacements)


def apply_parameters_to_workspace_bindings(pr: PipelineRun) -> list[WorkspaceBinding] | None:
    """Tekton's ``ApplyParametersToWorkspaceBindings``: the PipelineRun's bindings with its
    own string params (not the Pipeline's defaults) substituted."""
    if pr.spec.workspaces is None:
        return None
    strings = pipeline_run_param_replacements(pr.spec.params).strings
    return replace_workspace_bindings_vars(pr.spec.workspaces, strings)


def apply_results_to_workspace_bindings(
    task_run_results: Mapping[str, Sequence[RunResult]],
    bindings: Sequence[WorkspaceBinding] | None,
) -> list[WorkspaceBinding] | None:
    """Tekton's ``ApplyResultsToWorkspaceBindings``: string results and object result
    keys of finished tasks substituted into the PipelineRun's bindings."""
    if bindings is None:
        return None
    strings: dict[str, str] = {}
    for task, results in task_run_results.items():
        for res in results:
            value = res.value
            if res.type == "string" and isinstance(value, str):
                strings[f"tasks.{task}.results.{res.name}"] = value
            elif res.type == "object" and isinstance(value, dict):
                for k, v in value.items():
                    strings[f"tasks.{task}.results.{res.name}.{k}"] = v
    return replace_workspace_bindings_vars(bindings, strings)


# -- per-task, at scheduling time --------------------------------------------------------------


def _has_matrix_context_var(param: Param) -> bool:
    """Tekton's ``filterMatrixContextVar`` test for one param."""
    for expression in param_value_expressions(cast(ParamValue, param.value)):
        parts = expression.split(".")
        if len(parts) >= 4 and parts[2] == "matrix" and parts[-1] == "length":
            return True
    return False


def _results_cache(task_runs: Sequence[TaskRun]) -> dict[str, list[str]]:
    """Tekton's ``createResultsCacheMatrixedTaskRuns``: each result's string values over
    the task's TaskRuns, in TaskRun name order."""
    cache: dict[str, list[str]] = {}
    for tr in sorted(task_runs, key=lambda t: t.metadata.name):
        for result in (tr.status.results if tr.status is not None else None) or ():
            value = result.value if isinstance(result.value, str) else ""
            cache.setdefault(result.name, []).append(value)
    return cache


def apply_pipeline_task_contexts(
    pt: PipelineTask,
    pipeline_spec: PipelineSpec | None,
    task_runs: Mapping[str, Sequence[TaskRun]] | None = None,
) -> PipelineTask:
    """Tekton's ``ApplyPipelineTaskContexts``, applied just before a TaskRun is made.

    ``$(context.pipelineTask.retries)`` everywhere in params, matrix and displayName;
    ``$(tasks.<t>.matrix.length)`` (combinations of ``<t>`` in ``pipeline_spec``, i.e.
    ``status.pipelineSpec``) and ``$(tasks.<t>.matrix.<r>.length)`` (how many of
    ``<t>``'s TaskRuns, from ``task_runs`` by pipeline task name, emitted ``<r>``) only
    where a param of this task uses one.
    """
    out = copy_model(pt)
    replacements = {"context.pipelineTask.retries": str(pt.retries)}
    for param in (p for p in pt.params or () if _has_matrix_context_var(p)):
        expressions = param_value_expressions(cast(ParamValue, param.value))
        task, result = parse_task_and_result_name(expressions)
        if task and pipeline_spec is not None:
            for candidate in pipeline_spec.tasks or ():
                if candidate.name == task:
                    length = count_combinations(candidate.matrix)
                    replacements[f"tasks.{task}.matrix.length"] = str(length)
        if task and result:
            cache = _results_cache((task_runs or {}).get(task, ()))
            replacements[f"tasks.{task}.matrix.{result}.length"] = str(len(cache.get(result, ())))
    out.params = _replace_params(out.params, replacements, _NO_ARRAYS, _NO_OBJECTS)
    if is_matrixed(out) and out.matrix is not None:
        out.matrix.params = _replace_params(
            out.matrix.params, replacements, _NO_ARRAYS, _NO_OBJECTS
        )
        out.matrix.include = _replace_includes(out.matrix.include, replacements)
    out.display_name = apply_string_replacements(out.display_name, replacements)
    return out


def _replace_includes(
    includes: list[IncludeParams] | None, strings: _StringMap
) -> list[IncludeParams] | None:
    for include in includes or ():
        include.params = _replace_params(include.params, strings, _NO_ARRAYS, _NO_OBJECTS)
    return includes


def _result_targets(task: str, result: str) -> list[str]:
    """Tekton's ``getReplaceTarget``: the three spellings of a whole result."""
    return [
        f"tasks.{task}.results.{result}",
        f"tasks.{task}.results[{go_quote(result)}]",
        f"tasks.{task}.results['{result}']",
    ]


def result_replacements(results: Iterable[ResolvedResult]) -> Replacements:
    """Tekton's ``getStringReplacements`` / ``getArrayReplacements`` /
    ``getObjectReplacements`` over resolved result references.

    An array result also gives each ``[i]``, an object result each ``.key`` (and, as in
    Tekton, the bracket spellings ``results["r"][key]`` with the key unquoted).
    """
    out = Replacements({}, {}, {})
    for r in results:
        value = r.value
        if isinstance(value, list):
            for i, item in enumerate(value):
                for target in _result_targets(r.pipeline_task, r.result):
                    out.strings[f"{target}[{i}]"] = item
            for target in _result_targets(r.pipeline_task, r.result):
                out.arrays[target] = list(value)
        elif isinstance(value, dict):
            for key, member in value.items():
                out.strings[f"tasks.{r.pipeline_task}.results.{r.result}.{key}"] = member
                out.strings[f"tasks.{r.pipeline_task}.results[{go_quote(r.result)}][{key}]"] = (
                    member
                )
                out.strings[f"tasks.{r.pipeline_task}.results['{r.result}'][{key}]"] = member
            for target in _result_targets(r.pipeline_task, r.result):
                out.objects[target] = dict(value)
        else:
            for target in _result_targets(r.pipeline_task, r.result):
                out.strings[target] = value
    return out


def apply_task_results(
    pt: PipelineTask,
    strings: _StringMap,
    arrays: _ArrayMap = _NO_ARRAYS,
    objects: _ObjectMap = _NO_OBJECTS,
) -> PipelineTask:
    """Tekton's ``ApplyTaskResults`` for one PipelineTask: resolved result references
    (see :func:`result_replacements`) in params, matrix params (no objects) and include
    params (strings only), when expressions, taskRef params and name, displayName and
    workspace subPaths. Embedded taskSpecs get results via :func:`propagate_results`."""
    out = copy_model(pt)
    out.params = _replace_params(out.params, strings, arrays, objects)
    if is_matrixed(out) and out.matrix is not None:
        _replace_matrix(out.matrix, strings, arrays)
    out.when = replace_when_variables(out.when, strings, arrays)
    _replace_task_ref(out, strings, arrays, objects)
    out.display_name = apply_string_replacements(out.display_name, strings)
    for ws in out.workspaces or ():
        ws.sub_path = apply_string_replacements(ws.sub_path, strings)
    return out


def apply_pipeline_task_state_context(
    pt: PipelineTask, replacements: Mapping[str, str]
) -> PipelineTask:
    """Tekton's ``ApplyPipelineTaskStateContext`` for one (finally) task: ``replacements``
    maps ``tasks.<t>.status``, ``tasks.<t>.reason`` and ``tasks.status`` to their values;
    applied to params, when expressions, taskRef params and name, and displayName."""
    out = copy_model(pt)
    out.params = _replace_params(out.params, replacements, _NO_ARRAYS, _NO_OBJECTS)
    out.when = replace_when_variables(out.when, replacements, _NO_ARRAYS)
    _replace_task_ref(out, replacements, _NO_ARRAYS, _NO_OBJECTS)
    out.display_name = apply_string_replacements(out.display_name, replacements)
    return out


def propagate_results(
    spec: TaskSpec, task_run_results: Mapping[str, Sequence[RunResult]]
) -> TaskSpec:
    """Tekton's ``PropagateResults``: results of finished tasks (by pipeline task name)
    substituted into a resolved taskSpec, where the task did not pass them as params.

    String results as ``tasks.<t>.results.<r>``, array results whole (list context),
    object results as ``tasks.<t>.results.<r>.<key>``; a result without a type is
    skipped, as in Tekton.
    """
    strings: dict[str, str] = {}
    arrays: dict[str, list[str]] = {}
    for task, results in task_run_results.items():
        for res in results:
            key = f"tasks.{task}.results.{res.name}"
            value = res.value
            if res.type == "string":
                strings[key] = value if isinstance(value, str) else ""
            elif res.type == "array":
                arrays[key] = list(value) if isinstance(value, list) else []
            elif res.type == "object" and isinstance(value, dict):
                for k, v in value.items():
                    strings[f"{key}.{k}"] = v
    if not strings and not arrays:
        return spec  # nothing to substitute: spare the copy
    return apply_task_spec_replacements(spec, strings, arrays, {})


def _go_json_artifact_values(values: Sequence[ArtifactValue] | None) -> str:
    """``json.Marshal`` of ``[]ArtifactValue`` (``null`` when nil; digest keys sorted)."""
    if values is None:
        return "null"
    items = []
    for value in values:
        fields: list[str] = []
        if value.digest:
            digest = ",".join(
                f"{go_json_scalar_text(k)}:{go_json_scalar_text(v)}"
                for k, v in sorted(value.digest.items())
            )
            fields.append('"digest":{' + digest + "}")
        if value.uri:
            fields.append(f'"uri":{go_json_scalar_text(value.uri)}')
        items.append("{" + ",".join(fields) + "}")
    return "[" + ",".join(items) + "]"


def propagate_artifacts(spec: TaskSpec, artifacts: Mapping[str, Artifacts | None]) -> TaskSpec:
    """Tekton's ``PropagateArtifacts``: ``$(tasks.<t>.inputs.<a>)`` /
    ``$(tasks.<t>.outputs.<a>)`` (and ``$(tasks.<t>.inputs)`` / ``outputs`` for the first
    one) as the JSON of the artifact's values, in a resolved taskSpec."""
    strings: dict[str, str] = {}
    for task, found in artifacts.items():
        if found is None:
            continue
        for kind, entries in (("inputs", found.inputs), ("outputs", found.outputs)):
            for i, artifact in enumerate(entries or ()):
                text = _go_json_artifact_values(artifact.values)
                strings[f"tasks.{task}.{kind}.{artifact.name}"] = text
                if i == 0:
                    strings[f"tasks.{task}.{kind}"] = text
    if not strings:
        return spec  # nothing to substitute: spare the copy
    return apply_task_spec_replacements(spec, strings)


def embedded_task_spec(embedded: EmbeddedTask) -> TaskSpec:
    """The TaskSpec part of an embedded task (``PipelineTask.TaskSpec.TaskSpec``), without
    its metadata, apiVersion, kind and custom-task spec."""
    body: dict[str, Any] = msgspec.to_builtins(embedded)
    for key in ("apiVersion", "kind", "spec", "metadata"):
        body.pop(key, None)
    return msgspec.convert(body, TaskSpec)
