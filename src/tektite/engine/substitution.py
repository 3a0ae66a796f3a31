"""Task-scope variable substitution: what the TaskRun reconciler replaces in a TaskSpec.

Port of Tekton's ``pkg/reconciler/taskrun/resources/apply.go`` and
``pkg/container/*_replacements.go``. Two layers:

* **replacement maps** — ``key → value`` tables for one family of variables (params with
  their defaults, ``context.*``, result paths, exit-code paths, workspaces…), each key
  registered under every spelling Tekton accepts (``params.x``, ``params["x"]``,
  ``params['x']``, legacy ``inputs.params.x``, ``params.x[i]``, ``params.obj.key``);
* **appliers** — walk exactly the fields Tekton walks (reference §2.4) and replace
  whole ``$(key)`` tokens, expanding whole-array references into several list items in
  ``command``/``args``/``when.values``/param values.

:func:`apply_task_run_substitutions` chains the phases in Tekton's order (params →
context → result paths → artifact paths → exit-code paths → workspaces), so a value
inserted by one phase is seen by the later ones, never by the same one. Every function
returns new objects; its arguments are never modified. No I/O.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar, cast

import msgspec

from tektite.api.copying import copy_model
from tektite.api.models import (
    EnvFromSource,
    EnvVar,
    JsonObj,
    KeyToPath,
    Param,
    ParamSpec,
    ParamValue,
    PodTemplate,
    Sidecar,
    Step,
    StepTemplate,
    TaskRun,
    TaskSpec,
    Volume,
    VolumeMount,
    WhenExpression,
    WorkspaceBinding,
    WorkspaceDeclaration,
)
from tektite.api.variables import (
    apply_array_replacements,
    apply_param_value_replacements,
    apply_replacements,
    array_reference,
    extract_variable_expressions,
    go_quote,
    results_array_reference,
)
from tektite.api.yamlio import go_json_scalar_text
from tektite.engine.workspaces import (
    mount_path,
    replace_workspace_bindings_vars,
    workspace_volume_names,
)

__all__ = [
    "ARTIFACTS_DIR",
    "CREDS_DIR",
    "PARAM_PATTERNS",
    "RESULTS_DIR",
    "STEPS_DIR",
    "Replacements",
    "apply_artifacts",
    "apply_contexts",
    "apply_credentials_path",
    "apply_parameters",
    "apply_parameters_to_workspace_bindings",
    "apply_pod_template_replacements",
    "apply_results",
    "apply_sidecar_replacements",
    "apply_step_exit_code_path",
    "apply_step_replacements",
    "apply_step_template_replacements",
    "apply_task_run_substitutions",
    "apply_task_spec_replacements",
    "apply_workspace_substitutions",
    "artifact_path_replacements",
    "context_replacements",
    "exit_code_path_replacements",
    "param_key",
    "propagate_workspace_declarations",
    "replace_params_variables",
    "replace_when_variables",
    "replacements_from_default_params",
    "replacements_from_params",
    "step_container_name",
    "step_result_path_replacements",
    "task_param_replacements",
    "task_result_path_replacements",
]

STEPS_DIR = "/tekton/steps"
RESULTS_DIR = "/tekton/results"
ARTIFACTS_DIR = "/tekton/artifacts"
CREDS_DIR = "/tekton/creds"

PARAM_PATTERNS = ("params.{}", "params[{}]", "params['{}']", "inputs.params.{}")
"""The spellings a param is registered under; ``params[{}]`` takes the Go-quoted name.

``inputs.params.x`` is the v1beta1 spelling Tekton still honours on the TaskRun side.
"""

_StringMap = Mapping[str, str]
_ArrayMap = Mapping[str, Sequence[str]]
_ObjectMap = Mapping[str, Mapping[str, str]]
_NO_ARRAYS: _ArrayMap = {}
_T = TypeVar("_T", bound=msgspec.Struct)


class Replacements(NamedTuple):
    """Tekton's three replacement maps: strings, whole arrays, whole objects."""

    strings: dict[str, str]
    arrays: dict[str, list[str]]
    objects: dict[str, dict[str, str]]


def param_key(pattern: str, name: str) -> str:
    """``name`` spelled with one of :data:`PARAM_PATTERNS` (Go's ``fmt.Sprintf``)."""
    return pattern.format(go_quote(name) if pattern == "params[{}]" else name)


def step_container_name(name: str, index: int) -> str:
    """Tekton's ``pod.StepName``: ``step-<name>``, or ``step-unnamed-<index>``."""
    return f"step-{name}" if name else f"step-unnamed-{index}"


def _join(*parts: str) -> str:
    # Go's filepath.Join cleans the result (a result named "a/../b" would collapse).
    return posixpath.normpath(posixpath.join(*parts))


# -- replacement maps ---------------------------------------------------------------------


def _add_value(out: Replacements, name: str, value: ParamValue) -> None:
    if isinstance(value, list):
        for pattern in PARAM_PATTERNS:
            key = param_key(pattern, name)
            for i, item in enumerate(value):
                out.strings[f"{key}[{i}]"] = item
            out.arrays[key] = list(value)
    elif isinstance(value, dict):
        for pattern in PARAM_PATTERNS:
            # A copy per spelling: callers merge run values into these maps.
            out.objects[param_key(pattern, name)] = dict(value)
        for k, v in value.items():
            out.strings[f"params.{name}.{k}"] = v
    else:
        for pattern in PARAM_PATTERNS:
            out.strings[param_key(pattern, name)] = value


def _references_params(value: ParamValue | None) -> bool:
    return isinstance(value, str) and "$(params." in value


def replacements_from_default_params(defaults: Iterable[ParamSpec] | None) -> Replacements:
    """Tekton's ``replacementsFromDefaultParams``: the declared defaults.

    A default that mentions ``$(params.`` is resolved in a second pass against the plain
    defaults (and the defaults resolved before it). As in Tekton, only one of several
    references in such a default is replaced: each reference restarts from the raw
    default text, and the last one found wins.
    """
    specs = list(defaults or ())
    out = Replacements({}, {}, {})
    for p in specs:
        if p.default is not None and not _references_params(p.default):
            _add_value(out, p.name, cast(ParamValue, p.default))
    for p in specs:
        if not _references_params(p.default):
            continue
        default = cast(str, p.default)
        for match in extract_variable_expressions(default, "params"):
            referenced = match.removeprefix("$(params.").removesuffix(")")
            for pattern in PARAM_PATTERNS:
                value = out.strings.get(param_key(pattern, referenced))
                if value is not None:
                    resolved = default.replace(match, value)
                    for own in PARAM_PATTERNS:
                        out.strings[param_key(own, p.name)] = resolved
                    break
    return out


def replacements_from_params(params: Iterable[Param] | None) -> Replacements:
    """Tekton's ``replacementsFromParams``: values given by a run (or a step)."""
    out = Replacements({}, {}, {})
    for p in params or ():
        _add_value(out, p.name, cast(ParamValue, p.value))
    return out


def task_param_replacements(
    params: Iterable[Param] | None, defaults: Iterable[ParamSpec] | None
) -> Replacements:
    """Tekton's ``getTaskParameters``: the declared defaults overlaid by the run's values.

    Every run param counts, declared or not: that is how params propagate into embedded
    specs. An object value is merged key by key into the object default.
    """
    out = replacements_from_default_params(defaults)
    given = replacements_from_params(params)
    out.strings.update(given.strings)
    out.arrays.update(given.arrays)
    for key, obj in given.objects.items():
        if not obj:
            continue  # Tekton merges inside a loop over the keys: an empty object is a no-op
        existing = out.objects.get(key)
        if existing is None:
            out.objects[key] = obj
        else:
            existing.update(obj)
    return out


def context_replacements(task_name: str, taskrun: TaskRun, retry_count: int) -> dict[str, str]:
    """``$(context.taskRun.name|namespace|uid)`` and ``$(context.task.name|retry-count)``."""
    meta = taskrun.metadata
    return {
        "context.taskRun.name": meta.name,
        "context.task.name": task_name,
        "context.taskRun.namespace": meta.namespace,
        "context.taskRun.uid": meta.uid,
        "context.task.retry-count": str(retry_count),
    }


def step_result_path_replacements(step: Step, index: int) -> dict[str, str]:
    """``$(step.results.<r>.path)`` (all spellings) for one step's declared results."""
    base = _join(STEPS_DIR, step_container_name(step.name, index), "results")
    out: dict[str, str] = {}
    for result in step.results or ():
        path = _join(base, result.name)
        for pattern in ("step.results.{}.path", "step.results[{}].path", "step.results['{}'].path"):
            name = go_quote(result.name) if pattern == "step.results[{}].path" else result.name
            out[pattern.format(name)] = path
    return out


def task_result_path_replacements(spec: TaskSpec) -> dict[str, str]:
    """``$(results.<r>.path)`` (all spellings) for the task's declared results."""
    out: dict[str, str] = {}
    for result in spec.results or ():
        path = _join(RESULTS_DIR, result.name)
        for pattern in ("results.{}.path", "results[{}].path", "results['{}'].path"):
            name = go_quote(result.name) if pattern == "results[{}].path" else result.name
            out[pattern.format(name)] = path
    return out


def artifact_path_replacements(step: Step, index: int) -> dict[str, str]:
    """``$(step.artifacts.path)`` and ``$(artifacts.path)`` as seen from one step."""
    return {
        "step.artifacts.path": _join(
            STEPS_DIR, step_container_name(step.name, index), "artifacts", "provenance.json"
        ),
        "artifacts.path": _join(ARTIFACTS_DIR, "provenance.json"),
    }


def exit_code_path_replacements(spec: TaskSpec) -> dict[str, str]:
    """``$(steps.step-<name>.exitCode.path)`` (``step-unnamed-<i>`` for unnamed steps)."""
    out: dict[str, str] = {}
    for i, step in enumerate(spec.steps or ()):
        name = step_container_name(step.name, i)
        out[f"steps.{name}.exitCode.path"] = _join(STEPS_DIR, name, "exitCode")
    return out


# -- field appliers (in place, on private copies) ---------------------------------------------


def _opt(value: str | None, strings: _StringMap) -> str | None:
    """Replace in an optional Go string; an empty result is unset, as Go's omitempty."""
    if value is None:
        return None
    return apply_replacements(value, strings) or None


def _expand(items: list[str] | None, strings: _StringMap, arrays: _ArrayMap) -> list[str] | None:
    if items is None:
        return None
    # Go appends into a nil slice: an empty result is unset.
    expanded = [out for item in items for out in apply_array_replacements(item, strings, arrays)]
    return expanded or None


def _replace_keys(obj: Any, keys: Iterable[str], strings: _StringMap) -> None:
    """Replace the string members ``keys`` of a JSON object, if it is one."""
    if not isinstance(obj, dict):
        return
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str):
            obj[key] = apply_replacements(value, strings)


def _env_inplace(
    env: list[EnvVar] | None, strings: _StringMap, *, pod_template: bool = False
) -> None:
    for e in env or ():
        if pod_template:  # containers keep their env names as written
            e.name = apply_replacements(e.name, strings)
        e.value = _opt(e.value, strings)
        source = e.value_from
        if source is None:
            continue
        _replace_keys(source.get("secretKeyRef"), ("name", "key"), strings)
        _replace_keys(source.get("configMapKeyRef"), ("name", "key"), strings)
        if pod_template:  # only the pod template's env walks these two
            _replace_keys(source.get("fieldRef"), ("fieldPath",), strings)
            _replace_keys(source.get("resourceFieldRef"), ("resource", "containerName"), strings)


def _env_from_inplace(env_from: list[EnvFromSource] | None, strings: _StringMap) -> None:
    for e in env_from or ():
        e.prefix = _opt(e.prefix, strings)
        _replace_keys(e.config_map_ref, ("name",), strings)
        _replace_keys(e.secret_ref, ("name",), strings)


def _volume_mounts_inplace(mounts: list[VolumeMount] | None, strings: _StringMap) -> None:
    for vm in mounts or ():
        vm.name = apply_replacements(vm.name, strings)
        vm.mount_path = apply_replacements(vm.mount_path, strings)
        vm.sub_path = _opt(vm.sub_path, strings)


def _container_inplace(
    c: Step | Sidecar | StepTemplate, strings: _StringMap, arrays: _ArrayMap
) -> None:
    """Tekton's ``applyContainerReplacements`` over a step, sidecar or step template."""
    if not isinstance(c, StepTemplate):
        c.name = apply_replacements(c.name, strings)
    c.image = apply_replacements(c.image, strings)
    c.image_pull_policy = apply_replacements(c.image_pull_policy, strings)
    c.args = _expand(c.args, strings, arrays)
    _env_inplace(c.env, strings)
    _env_from_inplace(c.env_from, strings)
    c.working_dir = apply_replacements(c.working_dir, strings)
    c.command = _expand(c.command, strings, arrays)
    _volume_mounts_inplace(c.volume_mounts, strings)


def _go_json_strings(items: Sequence[str]) -> str:
    return "[" + ",".join(go_json_scalar_text(item) for item in items) + "]"


def _when_input(s: str, strings: _StringMap, arrays: _ArrayMap) -> str:
    """Tekton's ``applyReplacementsAsString``: a whole-array input becomes its JSON text."""
    if f"params.{array_reference(s)}" in arrays or results_array_reference(s) in arrays:
        return _go_json_strings(apply_array_replacements(s, strings, arrays))
    return apply_replacements(s, strings)


def replace_when_variables(
    whens: Sequence[WhenExpression] | None, strings: _StringMap, arrays: _ArrayMap
) -> list[WhenExpression] | None:
    """Tekton's ``WhenExpressions.ReplaceVariables``: input (JSON for a whole array),
    values (whole arrays expanded), cel (plain replacement)."""
    if whens is None:
        return None
    out: list[WhenExpression] = []
    for we in whens:
        values: list[str] = []
        for v in we.values or ():
            if f"params.{array_reference(v)}" in arrays or results_array_reference(v) in arrays:
                values.extend(apply_array_replacements(v, strings, arrays))
            else:
                values.append(apply_replacements(v, strings))
        out.append(
            WhenExpression(
                input=_when_input(we.input, strings, arrays),
                operator=we.operator,
                values=values or None,
                cel=apply_replacements(we.cel, strings),
            )
        )
    return out


def replace_params_variables(
    params: Sequence[Param], strings: _StringMap, arrays: _ArrayMap, objects: _ObjectMap
) -> list[Param]:
    """Tekton's ``Params.ReplaceVariables``: each value substituted, a string that is
    exactly a whole array/object reference taking that type."""
    return [
        Param(
            name=p.name,
            value=apply_param_value_replacements(
                cast(ParamValue, p.value), strings, arrays, objects
            ),
        )
        for p in params
    ]


def _step_inplace(step: Step, strings: _StringMap, arrays: _ArrayMap) -> None:
    """Tekton's ``container.ApplyStepReplacements``."""
    step.script = apply_replacements(step.script, strings)
    step.on_error = apply_replacements(step.on_error, strings)
    if step.stdout_config is not None:
        step.stdout_config.path = apply_replacements(step.stdout_config.path, strings)
    if step.stderr_config is not None:
        step.stderr_config.path = apply_replacements(step.stderr_config.path, strings)
    step.when = replace_when_variables(step.when, strings, arrays)
    _container_inplace(step, strings, arrays)


def _sidecar_inplace(sidecar: Sidecar, strings: _StringMap, arrays: _ArrayMap) -> None:
    """Tekton's ``container.ApplySidecarReplacements``."""
    sidecar.script = apply_replacements(sidecar.script, strings)
    _container_inplace(sidecar, strings, arrays)


def _key_to_paths_inplace(items: list[KeyToPath] | None, strings: _StringMap) -> None:
    for item in items or ():
        item.key = apply_replacements(item.key, strings)
        item.path = apply_replacements(item.path, strings)


def _volume_inplace(volume: Volume, strings: _StringMap) -> None:
    """The volume fields Tekton substitutes (``applyVolumeReplacements``)."""
    volume.name = apply_replacements(volume.name, strings)
    if volume.config_map is not None:
        volume.config_map.name = apply_replacements(volume.config_map.name, strings)
        _key_to_paths_inplace(volume.config_map.items, strings)
    if volume.secret is not None:
        volume.secret.secret_name = apply_replacements(volume.secret.secret_name, strings)
        _key_to_paths_inplace(volume.secret.items, strings)
    if volume.persistent_volume_claim is not None:
        pvc = volume.persistent_volume_claim
        pvc.claim_name = apply_replacements(pvc.claim_name, strings)
    if volume.projected is not None:
        for source in volume.projected.sources or ():
            _replace_keys(source.get("configMap"), ("name",), strings)
            _replace_keys(source.get("secret"), ("name",), strings)
            _replace_keys(source.get("serviceAccountToken"), ("audience",), strings)
    if volume.csi is not None:
        _replace_keys(volume.csi.node_publish_secret_ref, ("name",), strings)
        attributes = volume.csi.volume_attributes
        if attributes is not None:
            volume.csi.volume_attributes = {
                k: apply_replacements(v, strings) for k, v in attributes.items()
            }


# -- public appliers ------------------------------------------------------------------------


def apply_step_replacements(
    step: Step, strings: _StringMap, arrays: _ArrayMap = _NO_ARRAYS
) -> Step:
    """A copy of ``step`` with ``ApplyStepReplacements`` applied (not its ``params``)."""
    out = copy_model(step)
    _step_inplace(out, strings, arrays)
    return out


def apply_sidecar_replacements(
    sidecar: Sidecar, strings: _StringMap, arrays: _ArrayMap = _NO_ARRAYS
) -> Sidecar:
    """A copy of ``sidecar`` with ``ApplySidecarReplacements`` applied."""
    out = copy_model(sidecar)
    _sidecar_inplace(out, strings, arrays)
    return out


def apply_step_template_replacements(
    template: StepTemplate, strings: _StringMap, arrays: _ArrayMap = _NO_ARRAYS
) -> StepTemplate:
    """A copy of ``template`` with ``ApplyStepTemplateReplacements`` applied."""
    out = copy_model(template)
    _container_inplace(out, strings, arrays)
    return out


def _spec_inplace(
    spec: TaskSpec, strings: _StringMap, arrays: _ArrayMap, objects: _ObjectMap
) -> None:
    for step in spec.steps or ():
        if step.params is not None:
            step.params = replace_params_variables(step.params, strings, arrays, objects)
        _step_inplace(step, strings, arrays)
    if spec.step_template is not None:
        _container_inplace(spec.step_template, strings, arrays)
    for volume in spec.volumes or ():
        _volume_inplace(volume, strings)
    for ws in spec.workspaces or ():
        ws.mount_path = apply_replacements(ws.mount_path, strings)
    for sidecar in spec.sidecars or ():
        _sidecar_inplace(sidecar, strings, arrays)


def apply_task_spec_replacements(
    spec: TaskSpec,
    strings: _StringMap,
    arrays: _ArrayMap = _NO_ARRAYS,
    objects: _ObjectMap | None = None,
) -> TaskSpec:
    """Tekton's ``ApplyReplacements``: steps (and their StepAction ``params``), the step
    template, volumes, workspace mount paths and sidecars of a copy of ``spec``."""
    out = copy_model(spec)
    _spec_inplace(out, strings, arrays, objects or {})
    return out


def apply_parameters(
    spec: TaskSpec, taskrun: TaskRun, defaults: Iterable[ParamSpec] | None = None
) -> TaskSpec:
    """Tekton's ``ApplyParameters``: the run's params over ``defaults``."""
    r = task_param_replacements(taskrun.spec.params, defaults)
    return apply_task_spec_replacements(spec, r.strings, r.arrays, r.objects)


def apply_contexts(spec: TaskSpec, task_name: str, taskrun: TaskRun, retry_count: int) -> TaskSpec:
    """Tekton's ``ApplyContexts``."""
    return apply_task_spec_replacements(spec, context_replacements(task_name, taskrun, retry_count))


def apply_results(spec: TaskSpec) -> TaskSpec:
    """Tekton's ``ApplyResults``: each step's own result paths, then the task's."""
    out = copy_model(spec)
    for i, step in enumerate(out.steps or ()):
        _step_inplace(step, step_result_path_replacements(step, i), _NO_ARRAYS)
    _spec_inplace(out, task_result_path_replacements(out), _NO_ARRAYS, {})
    return out


def apply_artifacts(spec: TaskSpec) -> TaskSpec:
    """Tekton's ``ApplyArtifacts``: artifact paths, in the steps only."""
    out = copy_model(spec)
    for i, step in enumerate(out.steps or ()):
        _step_inplace(step, artifact_path_replacements(step, i), _NO_ARRAYS)
    return out


def apply_step_exit_code_path(spec: TaskSpec) -> TaskSpec:
    """Tekton's ``ApplyStepExitCodePath``."""
    return apply_task_spec_replacements(spec, exit_code_path_replacements(spec))


def apply_credentials_path(spec: TaskSpec, path: str = CREDS_DIR) -> TaskSpec:
    """Tekton's ``ApplyCredentialsPath``; done at pod creation, not in ``status.taskSpec``."""
    return apply_task_spec_replacements(spec, {"credentials.path": path})


def _apply_workspace_mount_path(
    spec: TaskSpec, variable: str, declaration: WorkspaceDeclaration
) -> TaskSpec:
    """Tekton's ``applyWorkspaceMountPath``: a step or sidecar naming the workspace with
    its own mountPath sees that path; everything else sees the declared one."""
    out = copy_model(spec)
    for step in out.steps or ():
        for usage in step.workspaces or ():
            if usage.name == declaration.name and usage.mount_path:
                _step_inplace(step, {variable: usage.mount_path}, _NO_ARRAYS)
    for sidecar in out.sidecars or ():
        for usage in sidecar.workspaces or ():
            if usage.name == declaration.name and usage.mount_path:
                _sidecar_inplace(sidecar, {variable: usage.mount_path}, _NO_ARRAYS)
    _spec_inplace(out, {variable: mount_path(declaration)}, _NO_ARRAYS, {})
    return out


def apply_workspace_substitutions(
    spec: TaskSpec,
    declarations: Sequence[WorkspaceDeclaration] | None,
    bindings: Sequence[WorkspaceBinding] | None,
    volumes: Mapping[str, str],
) -> TaskSpec:
    """Tekton's ``ApplyWorkspaces``: ``$(workspaces.<w>.bound|path|claim|volume)``.

    ``volumes`` maps a workspace name to its pod volume name (``ws-xxxxx``). An optional
    workspace without a binding is ``bound`` ``"false"`` with an empty ``path``; its
    ``claim`` and ``volume`` are left as written, as in Tekton.
    """
    strings: dict[str, str] = {}
    bound = {b.name for b in bindings or ()}
    for declaration in declarations or ():
        prefix = f"workspaces.{declaration.name}."
        if declaration.optional and declaration.name not in bound:
            strings[prefix + "bound"] = "false"
            strings[prefix + "path"] = ""
        else:
            strings[prefix + "bound"] = "true"
            spec = _apply_workspace_mount_path(spec, prefix + "path", declaration)
    for name, volume in volumes.items():
        strings[f"workspaces.{name}.volume"] = volume
    for b in bindings or ():
        claim = b.persistent_volume_claim
        strings[f"workspaces.{b.name}.claim"] = claim.claim_name if claim is not None else ""
    return apply_task_spec_replacements(spec, strings)


def propagate_workspace_declarations(
    spec: TaskSpec, bindings: Sequence[WorkspaceBinding] | None
) -> TaskSpec:
    """Declare (name only) every bound workspace the spec does not declare, as
    ``applyParamsContextsResultsAndWorkspaces`` does before substituting workspaces."""
    declared = {ws.name for ws in spec.workspaces or ()}
    extra = [WorkspaceDeclaration(name=b.name) for b in bindings or () if b.name not in declared]
    if not extra:
        return spec
    return msgspec.structs.replace(spec, workspaces=[*(spec.workspaces or ()), *extra])


def apply_task_run_substitutions(
    spec: TaskSpec,
    taskrun: TaskRun,
    task_name: str,
    *,
    retry_count: int,
    volumes: Mapping[str, str] | None = None,
) -> TaskSpec:
    """The spec Tekton stores in ``status.taskSpec`` (``applyParamsContextsResultsAndWorkspaces``).

    Phases, in order: params (run values over the spec's defaults) → context → step and
    task result paths → artifact paths → step exit-code paths → workspaces (bindings the
    spec does not declare are declared first). ``taskrun.spec.workspaces`` must be the
    effective bindings (defaults applied, params substituted, claim templates turned
    into claims); ``volumes`` defaults to their ``ws-xxxxx`` names from
    :func:`tektite.engine.workspaces.workspace_volume_names`.

    ``$(credentials.path)`` is left for pod creation, as in Tekton.
    """
    out = apply_parameters(spec, taskrun, spec.params)
    out = apply_contexts(out, task_name, taskrun, retry_count)
    out = apply_results(out)
    out = apply_artifacts(out)
    out = apply_step_exit_code_path(out)
    bindings = taskrun.spec.workspaces
    out = propagate_workspace_declarations(out, bindings)
    if volumes is None:
        volumes = workspace_volume_names(list(bindings or ()))
    return apply_workspace_substitutions(out, out.workspaces, bindings, volumes)


# -- TaskRun workspace bindings and pod template (params only) --------------------------


def apply_parameters_to_workspace_bindings(
    spec: TaskSpec, taskrun: TaskRun
) -> list[WorkspaceBinding] | None:
    """Tekton's ``ApplyParametersToWorkspaceBindings``: the run's bindings with params
    (run values over ``spec``'s defaults) substituted."""
    if taskrun.spec.workspaces is None:
        return None
    strings = task_param_replacements(taskrun.spec.params, spec.params).strings
    return replace_workspace_bindings_vars(taskrun.spec.workspaces, strings)


def _label_selector_inplace(selector: Any, strings: _StringMap) -> None:
    if not isinstance(selector, dict):
        return
    labels = selector.get("matchLabels")
    if isinstance(labels, dict):
        selector["matchLabels"] = {
            apply_replacements(k, strings): apply_replacements(v, strings)
            for k, v in labels.items()
            if isinstance(v, str)
        }
    _requirements_inplace(selector.get("matchExpressions"), strings)


def _requirements_inplace(requirements: Any, strings: _StringMap) -> None:
    for req in requirements if isinstance(requirements, list) else ():
        _replace_keys(req, ("key",), strings)
        if isinstance(req, dict) and isinstance(req.get("values"), list):
            req["values"] = [apply_replacements(v, strings) for v in req["values"]]


def _node_selector_term_inplace(term: Any, strings: _StringMap) -> None:
    if isinstance(term, dict):
        _requirements_inplace(term.get("matchExpressions"), strings)
        _requirements_inplace(term.get("matchFields"), strings)


def _pod_affinity_term_inplace(term: Any, strings: _StringMap) -> None:
    if not isinstance(term, dict):
        return
    _label_selector_inplace(term.get("labelSelector"), strings)
    _replace_keys(term, ("topologyKey",), strings)
    _label_selector_inplace(term.get("namespaceSelector"), strings)
    if isinstance(term.get("namespaces"), list):
        term["namespaces"] = [apply_replacements(n, strings) for n in term["namespaces"]]


def _dicts(value: Any) -> list[JsonObj]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _affinity_inplace(affinity: JsonObj, strings: _StringMap) -> None:
    node = affinity.get("nodeAffinity")
    if isinstance(node, dict):
        required = node.get("requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(required, dict):
            for term in _dicts(required.get("nodeSelectorTerms")):
                _node_selector_term_inplace(term, strings)
        for preferred in _dicts(node.get("preferredDuringSchedulingIgnoredDuringExecution")):
            _node_selector_term_inplace(preferred.get("preference"), strings)
    for kind in ("podAffinity", "podAntiAffinity"):
        pod = affinity.get(kind)
        if not isinstance(pod, dict):
            continue
        for term in _dicts(pod.get("requiredDuringSchedulingIgnoredDuringExecution")):
            _pod_affinity_term_inplace(term, strings)
        for weighted in _dicts(pod.get("preferredDuringSchedulingIgnoredDuringExecution")):
            _pod_affinity_term_inplace(weighted.get("podAffinityTerm"), strings)


def _pod_security_context_inplace(sc: JsonObj, strings: _StringMap) -> None:
    _replace_keys(sc.get("seLinuxOptions"), ("user", "role", "type", "level"), strings)
    _replace_keys(
        sc.get("windowsOptions"),
        ("gmsaCredentialSpecName", "gmsaCredentialSpec", "runAsUserName"),
        strings,
    )
    _replace_keys(
        sc, ("supplementalGroupsPolicy", "fsGroupChangePolicy", "seLinuxChangePolicy"), strings
    )
    for sysctl in _dicts(sc.get("sysctls")):
        _replace_keys(sysctl, ("name", "value"), strings)
    _replace_keys(sc.get("seccompProfile"), ("type", "localhostProfile"), strings)
    _replace_keys(sc.get("appArmorProfile"), ("type", "localhostProfile"), strings)


def _dns_config_inplace(dns: JsonObj, strings: _StringMap) -> None:
    for key in ("nameservers", "searches"):
        if isinstance(dns.get(key), list):
            dns[key] = [apply_replacements(v, strings) for v in dns[key]]
    for option in _dicts(dns.get("options")):
        _replace_keys(option, ("name", "value"), strings)


def apply_pod_template_replacements(
    template: PodTemplate | None, taskrun: TaskRun, defaults: Iterable[ParamSpec] | None = None
) -> PodTemplate | None:
    """Tekton's ``ApplyPodTemplateReplacements``: params (run values over ``defaults``,
    strings only) in the pod template fields Tekton lists; done at pod creation."""
    if template is None:
        return None
    strings = task_param_replacements(taskrun.spec.params, defaults).strings
    out = copy_model(template)
    if out.node_selector is not None:
        out.node_selector = {
            apply_replacements(k, strings): apply_replacements(v, strings)
            for k, v in out.node_selector.items()
        }
    for toleration in out.tolerations or ():
        _replace_keys(toleration, ("key", "value", "operator", "effect"), strings)
    if out.affinity is not None:
        _affinity_inplace(out.affinity, strings)
    if out.security_context is not None:
        _pod_security_context_inplace(out.security_context, strings)
    if out.runtime_class_name is not None:
        out.runtime_class_name = apply_replacements(out.runtime_class_name, strings)
    if out.scheduler_name:
        out.scheduler_name = apply_replacements(out.scheduler_name, strings)
    if out.priority_class_name is not None:
        out.priority_class_name = apply_replacements(out.priority_class_name, strings)
    for secret in out.image_pull_secrets or ():
        _replace_keys(secret, ("name",), strings)
    for alias in out.host_aliases or ():
        _replace_keys(alias, ("ip",), strings)
        if isinstance(alias.get("hostnames"), list):
            alias["hostnames"] = [apply_replacements(h, strings) for h in alias["hostnames"]]
    for constraint in out.topology_spread_constraints or ():
        _replace_keys(constraint, ("topologyKey",), strings)
        _label_selector_inplace(constraint.get("labelSelector"), strings)
    if out.dns_policy is not None:
        out.dns_policy = apply_replacements(out.dns_policy, strings)
    if out.dns_config is not None:
        _dns_config_inplace(out.dns_config, strings)
    for volume in out.volumes or ():
        _volume_inplace(volume, strings)
    _env_inplace(out.env, strings, pod_template=True)
    return out
