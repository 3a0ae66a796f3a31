"""What a TaskRun runs: the Task fetched, StepActions inlined, the run checked against
it, and every Task-scope variable substituted.

Port of the TaskRun reconciler's ``prepare`` (``pkg/reconciler/taskrun/taskrun.go``) and
of the part of ``reconcile`` that computes ``status.taskSpec``
(``applyParamsContextsResultsAndWorkspaces``), with the checks of
``validate_taskrun.go``, ``resources/validate_params.go`` and ``pkg/workspace``. A
failure is a :class:`TaskRunFailure` carrying the condition reason and message Tekton
sets (``[User error] `` included where Tekton adds it).

Objects come from an :class:`ObjectLookup` (the store, or the objects of a file). Remote
resolution (``resolver:`` on a taskRef or a step ref) needs resolver controllers that
Tektite does not run, so such a ref fails with ``TaskRunResolutionFailed`` naming the
resolver — unless ``status.taskSpec`` already holds the spec, which Tekton (and this
module) then uses instead of fetching again.

Pure: nothing here reads files, the network or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast

import msgspec
import yaml

from tektite.api.config import Config
from tektite.api.copying import copy_model
from tektite.api.defaults.runs import default_taskrun_spec
from tektite.api.defaults.task import default_task_spec
from tektite.api.models import (
    Param,
    ParamSpec,
    PodTemplate,
    StepAction,
    Task,
    TaskRun,
    TaskSpec,
    WorkspaceBinding,
    WorkspaceDeclaration,
    param_value_type,
)
from tektite.api.validation.context import ValidationContext
from tektite.api.variables import (
    VARIABLE_SUBSTITUTION_RE,
    extract_array_indexing_params_expressions,
    extract_index,
    extract_index_string,
    extract_variables_from_string,
    go_quote,
    trim_array_index,
)
from tektite.engine.compute_resources import parse_quantity
from tektite.engine.stepactions import StepActionError, resolve_step_ref
from tektite.engine.substitution import (
    apply_parameters_to_workspace_bindings,
    apply_pod_template_replacements,
    apply_task_run_substitutions,
)
from tektite.engine.workspaces import (
    apply_volume_claim_templates,
    validate_bindings,
    validate_only_one_pvc_is_used,
    workspace_volume_names,
)

__all__ = [
    "INVALID_PARAM_VALUE",
    "TASKRUN_RESOLUTION_FAILED",
    "TASKRUN_VALIDATION_FAILED",
    "TASK_LABEL_KEY",
    "TASK_VALIDATION_FAILED",
    "USER_ERROR",
    "ObjectLookup",
    "ResolvedTaskRun",
    "TaskRunFailure",
    "resolve_taskrun",
]

TASKRUN_RESOLUTION_FAILED = "TaskRunResolutionFailed"
TASKRUN_VALIDATION_FAILED = "TaskRunValidationFailed"
TASK_VALIDATION_FAILED = "TaskValidationFailed"
INVALID_PARAM_VALUE = "InvalidParamValue"

USER_ERROR = "[User error] "
"""Prefix Tekton puts before the message of an error the user is responsible for."""

TASK_LABEL_KEY = "tekton.dev/task"
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_NAMESPACED_TASK_KIND = "Task"


class ObjectLookup(Protocol):
    """Where referenced Tasks and StepActions are read from (``kind`` is ``"Task"`` or
    ``"StepAction"``); ``None`` when there is no such object."""

    def get(self, kind: str, namespace: str, name: str) -> Task | StepAction | None:
        """The object, or ``None``."""
        ...


class TaskRunFailure(msgspec.Struct, frozen=True):
    """Why a TaskRun cannot run: its ``Succeeded=False`` condition's reason and message."""

    reason: str
    message: str


class ResolvedTaskRun(msgspec.Struct, frozen=True):
    """Everything the reconciler needs from the Task side to build the Pod.

    ``task_spec`` is what Tekton stores in ``status.taskSpec``: the defaulted spec with
    StepActions inlined, every Task-scope variable substituted and bound-but-undeclared
    workspaces declared. As in Tekton the stepTemplate is *not* merged into the steps
    there: the Pod builder adds the workspace mounts to the stepTemplate first and then
    merges it, with ``stepSpecs``/``sidecarSpecs`` resources, into the containers.
    ``$(credentials.path)`` is also left for the Pod builder.
    """

    task_spec: TaskSpec
    task_name: str
    """``$(context.task.name)``: the Task's name, or the TaskRun's for an embedded spec."""
    kind: str
    """The referenced kind (``Task``)."""
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    """The Task's labels and ``tekton.dev/task`` (see :meth:`merged_labels`)."""
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    """The Task's annotations (see :meth:`merged_annotations`)."""
    workspaces: list[WorkspaceBinding] = msgspec.field(default_factory=list)
    """The effective bindings: default binding applied, claim templates turned into
    claims, params substituted. The Pod's workspace volumes are made from these."""
    workspace_volumes: dict[str, str] = msgspec.field(default_factory=dict)
    """The pod volume name (``ws-xxxxx``) of each bound workspace."""
    pod_template: PodTemplate | None = None
    """The run's pod template with params substituted."""

    def merged_labels(self, run_labels: Mapping[str, str]) -> dict[str, str]:
        """The TaskRun's labels after Tekton merges the Task's in: the run's win, but
        ``tekton.dev/task`` always names the referenced Task."""
        merged = {**self.labels, **run_labels}
        if TASK_LABEL_KEY in self.labels:
            merged[TASK_LABEL_KEY] = self.labels[TASK_LABEL_KEY]
        return merged

    def merged_annotations(self, run_annotations: Mapping[str, str]) -> dict[str, str]:
        """The TaskRun's annotations after Tekton merges the Task's in (the run's win)."""
        return {**self.annotations, **run_annotations}


class _Failed(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.failure = TaskRunFailure(reason, message)


def _user_error(reason: str, message: str) -> _Failed:
    return _Failed(reason, USER_ERROR + message)


def _go_list(items: Sequence[str]) -> str:
    return "[" + " ".join(items) + "]"


def _not_found(resource: str, name: str) -> str:
    """The Kubernetes API's NotFound message."""
    return f"{resource}.tekton.dev {go_quote(name)} not found"


def _no_resolver(resolver: str) -> str:
    return (
        f"resolver {go_quote(resolver)} is not available: Tektite resolves references by "
        "name only, from its own objects; remote resolution is not supported"
    )


def _dry_run_failure(name: str, errors: Any) -> str:
    """Tekton's ``handleDryRunCreateErr`` text for an object its webhook refuses."""
    return (
        f"validation failed for referenced object {name}: admission webhook "
        f'"validation.webhook.pipeline.tekton.dev" denied the request: validation failed: '
        f"{errors}"
    )


# -- fetching -------------------------------------------------------------------------------


class _TaskData(msgspec.Struct, frozen=True):
    name: str
    spec: TaskSpec
    labels: dict[str, str]
    annotations: dict[str, str]


def _fetch_task(
    tr: TaskRun, lookup: ObjectLookup, config: Config, validate_references: bool
) -> _TaskData:
    """Tekton's ``GetTaskData`` with the local ``GetTask`` (or ``status.taskSpec``)."""
    ref = tr.spec.task_ref
    namespace = tr.metadata.namespace
    status_spec = tr.status.task_spec if tr.status is not None else None
    if ref is not None and (ref.name or ref.resolver) and status_spec is not None:
        # Tekton reads the spec it stored on the first reconcile instead of fetching again.
        name = ref.name or tr.metadata.name
        return _TaskData(name, copy_model(status_spec), {}, {})
    if ref is not None and ref.resolver:
        raise _Failed(TASKRUN_RESOLUTION_FAILED, _no_resolver(ref.resolver))
    if ref is not None and ref.name:
        prefix = f"error when listing tasks for taskRun {tr.metadata.name}: "
        if not namespace:
            raise _Failed(
                TASKRUN_RESOLUTION_FAILED,
                prefix + f"must specify namespace to resolve reference to task {ref.name}",
            )
        task = lookup.get("Task", namespace, ref.name)
        if not isinstance(task, Task):
            raise _Failed(TASKRUN_RESOLUTION_FAILED, prefix + _not_found("tasks", ref.name))
        task = copy_model(task)
        if validate_references:
            _validate_task(task, config, prefix)
        annotations = {k: v for k, v in task.metadata.annotations.items() if k != _LAST_APPLIED}
        labels = {**task.metadata.labels, TASK_LABEL_KEY: task.metadata.name}
        return _TaskData(task.metadata.name, task.spec, labels, annotations)
    if tr.spec.task_spec is not None:
        # The run's own metadata: merging it into itself changes nothing.
        return _TaskData(tr.metadata.name, copy_model(tr.spec.task_spec), {}, {})
    raise _Failed(
        TASKRUN_RESOLUTION_FAILED,
        f"taskRun {tr.metadata.name} not providing TaskRef or TaskSpec",
    )


def _validate_task(task: Task, config: Config, prefix: str) -> None:
    # Imported here: only needed for objects no admission webhook has checked.
    from tektite.api.defaults.task import default_task
    from tektite.api.validation.task import validate_task

    default_task(task, config)
    errors = validate_task(task, ValidationContext(config=config))
    if errors:
        raise _Failed(TASK_VALIDATION_FAILED, prefix + _dry_run_failure(task.metadata.name, errors))


def _fetch_stepaction(
    tr: TaskRun, lookup: ObjectLookup, name: str, resolver: str
) -> StepAction | str:
    """The StepAction a step refers to, or why it cannot be had."""
    if resolver:
        return _no_resolver(resolver)
    if not tr.metadata.namespace:
        return f"must specify namespace to resolve reference to step action {name}"
    if not name:
        return "resource name may not be empty"  # the Kubernetes client's refusal
    action = lookup.get("StepAction", tr.metadata.namespace, name)
    if not isinstance(action, StepAction):
        return _not_found("stepactions", name)
    return action


def _resolve_step_actions(
    spec: TaskSpec, tr: TaskRun, lookup: ObjectLookup, config: Config, validate_references: bool
) -> TaskSpec:
    """Tekton's ``GetStepActionsData``: every step with a ``ref`` made concrete."""
    steps = list(spec.steps or ())
    if not any(step.ref is not None for step in steps):
        return spec
    resolved = []
    for i, step in enumerate(steps):
        if step.ref is None:
            resolved.append(step)
            continue
        prefix = f"failed to resolve step ref for step {go_quote(step.name)} (index {i}): "
        action = _fetch_stepaction(tr, lookup, step.ref.name, step.ref.resolver)
        if isinstance(action, str):
            raise _Failed(TASKRUN_RESOLUTION_FAILED, prefix + action)
        if validate_references:
            _validate_stepaction(action, config, prefix)
        try:
            resolved.append(resolve_step_ref(step, action, spec, tr))
        except StepActionError as err:
            raise _Failed(TASKRUN_RESOLUTION_FAILED, prefix + str(err)) from None
    return msgspec.structs.replace(spec, steps=resolved)


def _validate_stepaction(action: StepAction, config: Config, prefix: str) -> None:
    # Imported here: only needed for objects no admission webhook has checked.
    from tektite.api.defaults.task import default_stepaction
    from tektite.api.validation.stepaction import validate_stepaction

    action = copy_model(action)
    default_stepaction(action, config)
    errors = validate_stepaction(action, ValidationContext(config=config))
    if errors:
        raise _Failed(
            TASK_VALIDATION_FAILED, prefix + _dry_run_failure(action.metadata.name, errors)
        )


# -- checks of the run against the resolved spec ---------------------------------------------


def _validate_request_resources(spec: TaskSpec) -> None:
    """Tekton's ``validateTaskSpecRequestResources``: a step's request may not exceed its
    limit (or, when the step sets none, the stepTemplate's)."""
    template = spec.step_template
    template_limits = (
        template.compute_resources.limits
        if template is not None and template.compute_resources is not None
        else None
    ) or {}
    for step in spec.steps or ():
        resources = step.compute_resources
        if resources is None:
            continue
        limits = resources.limits or {}
        for key, raw_request in (resources.requests or {}).items():
            raw_limit = limits.get(key, template_limits.get(key))
            if raw_limit is None:
                continue
            try:
                request, limit = parse_quantity(raw_request), parse_quantity(raw_limit)
            except ValueError:
                continue  # not a quantity: the API server refuses it before any run
            if limit.value < request.value:
                raise _user_error(
                    TASKRUN_VALIDATION_FAILED,
                    f"invalid request resource value: {request} must be less or equal to "
                    f"limit {limit}",
                )


def _go_map_of_lists(m: Mapping[str, Sequence[str]]) -> str:
    """Go's ``%v`` of a ``map[string][]string`` (keys sorted)."""
    return "map[" + " ".join(f"{k}:{_go_list(m[k])}" for k in sorted(m)) + "]"


def _param_errors(specs: Sequence[ParamSpec] | None, params: Sequence[Param]) -> str | None:
    """Tekton's ``validateParams`` for a TaskRun (no matrix)."""
    if specs is None:
        return None
    provided = {p.name for p in params}
    missing = [s.name for s in specs if s.name not in provided and s.default is None]
    if missing:
        return f"missing values for these params which have no default values: {_go_list(missing)}"
    needed = {s.name: s.type for s in specs}
    wrong = []
    for p in params:
        want = needed.get(p.name)
        if want is None:
            continue  # extra params are ignored
        got = param_value_type(p.value)
        if (
            got == "string"
            and want in ("array", "object")
            and VARIABLE_SUBSTITUTION_RE.search(p.value)
        ):
            continue  # a reference that will turn into an array or object
        if got != want:
            wrong.append(p.name)
    if wrong:
        return f"param types don't match the user-specified type: {_go_list(wrong)}"
    missing_keys = _missing_object_keys(specs, params)
    if missing_keys:
        return (
            "missing keys for these params which are required in ParamSpec's properties "
            + _go_map_of_lists(missing_keys)
        )
    return None


def _missing_object_keys(
    specs: Sequence[ParamSpec], params: Sequence[Param]
) -> dict[str, list[str]]:
    """Tekton's ``MissingKeysObjectParamNames``."""
    needed: dict[str, list[str]] = {}
    provided: dict[str, list[str]] = {}
    for s in specs:
        if s.type != "object":
            continue
        needed[s.name] = list(s.properties or {})
        if isinstance(s.default, dict) and s.default:
            provided.setdefault(s.name, []).extend(s.default)
    for p in params:
        if isinstance(p.value, dict) and p.value:
            provided.setdefault(p.name, []).extend(p.value)
    out: dict[str, list[str]] = {}
    for name, keys in provided.items():
        if name in needed:
            missed = [k for k in needed[name] if k not in keys]
            if missed:
                out[name] = missed
    return out


def _enum_error(params: Sequence[Param], specs: Sequence[ParamSpec] | None) -> str | None:
    """Tekton's ``ValidateEnumParam``: a non-empty string value must be in the enum."""
    enums = {s.name: s.enum for s in specs or () if s.enum}
    for p in params:
        if not isinstance(p.value, str) or p.value == "":
            continue
        allowed = enums.get(p.name)
        if allowed is not None and p.value not in allowed:
            return f"param `{p.name}` value: {p.value} is not in the enum list"
    return None


def _container_texts(c: Any) -> list[str]:
    """The fields of a container Tekton scans for ``$(params.x[i])``."""
    texts: list[str] = [c.name if hasattr(c, "name") else "", c.image, c.image_pull_policy]
    texts += c.args or []
    for e in c.env or ():
        texts.append(e.value or "")
        source = e.value_from or {}
        for ref in ("secretKeyRef", "configMapKeyRef"):
            selector = source.get(ref)
            if isinstance(selector, dict):
                texts += [str(selector.get("name", "")), str(selector.get("key", ""))]
    for e in c.env_from or ():
        texts.append(e.prefix or "")
        for ref in (e.config_map_ref, e.secret_ref):
            if ref is not None:
                texts.append(str(ref.get("name", "")))
    texts.append(c.working_dir)
    texts += c.command or []
    for vm in c.volume_mounts or ():
        texts += [vm.name, vm.mount_path, vm.sub_path or ""]
    return texts


def _indexing_references(spec: TaskSpec) -> set[str]:
    """Tekton's ``TaskSpec.GetIndexingReferencesToArrayParams``."""
    texts: list[str] = []
    for step in spec.steps or ():
        texts += [step.script, *_container_texts(step)]
    if spec.step_template is not None:
        texts += _container_texts(spec.step_template)
    for v in spec.volumes or ():
        texts.append(v.name)
        if v.config_map is not None:
            texts.append(v.config_map.name)
            texts += [t for item in v.config_map.items or () for t in (item.key, item.path)]
        if v.secret is not None:
            texts.append(v.secret.secret_name)
            texts += [t for item in v.secret.items or () for t in (item.key, item.path)]
        if v.persistent_volume_claim is not None:
            texts.append(v.persistent_volume_claim.claim_name)
        for source in (v.projected.sources or []) if v.projected is not None else []:
            for kind, key in (
                ("configMap", "name"),
                ("secret", "name"),
                ("serviceAccountToken", "audience"),
            ):
                member = source.get(kind)
                if isinstance(member, dict):
                    texts.append(str(member.get(key, "")))
        if v.csi is not None:
            if v.csi.node_publish_secret_ref is not None:
                texts.append(str(v.csi.node_publish_secret_ref.get("name", "")))
            texts += list((v.csi.volume_attributes or {}).values())
    texts += [ws.mount_path for ws in spec.workspaces or ()]
    for sidecar in spec.sidecars or ():
        texts += [sidecar.script, *_container_texts(sidecar)]
    return {
        expression
        for text in texts
        for expression in extract_array_indexing_params_expressions(text)
        if extract_index_string(expression)
    }


def _array_index_error(spec: TaskSpec, params: Sequence[Param]) -> str | None:
    """Tekton's ``ValidateParamArrayIndex``: ``$(params.a[i])`` with ``i`` past the end
    of the array (the run's value, else the default)."""
    lengths = {s.name: len(s.default) for s in spec.params or () if isinstance(s.default, list)}
    lengths.update({p.name: len(p.value) for p in params if isinstance(p.value, list)})
    if not lengths:
        return None  # only an array's index can be out of bounds (no need to scan the spec)
    out_of_bounds = []
    for ref in _indexing_references(spec):
        try:
            index = extract_index(extract_index_string(ref))
        except ValueError:
            index = 0
        names, _, _ = extract_variables_from_string(trim_array_index(ref), "params")
        length = lengths.get(names[0]) if names else None
        if length is not None and index >= length:
            out_of_bounds.append(ref)
    if out_of_bounds:
        return f"non-existent param references:{_go_list(sorted(out_of_bounds))}"
    return None


def _default_workspaces(
    spec: TaskSpec, bindings: Sequence[WorkspaceBinding] | None, config: Config
) -> list[WorkspaceBinding] | None:
    """Tekton's ``updateTaskRunWithDefaultWorkspaces``: ``default-task-run-workspace-binding``
    binds every required workspace the run leaves unbound.

    Tekton rebuilds the list from a map (random order); here the declared workspaces
    come first, in declaration order, then the run's other bindings in its order.
    """
    raw = config.defaults.default_task_run_workspace_binding
    if not raw:
        return list(bindings) if bindings is not None else None
    default = _parse_default_binding(raw)
    given = {b.name: b for b in bindings or ()}
    out: list[WorkspaceBinding] = []
    for ws in spec.workspaces or ():
        if ws.optional:
            continue
        out.append(
            given.pop(ws.name)
            if ws.name in given
            else WorkspaceBinding(
                name=ws.name,
                sub_path=default.sub_path,
                volume_claim_template=default.volume_claim_template,
                persistent_volume_claim=default.persistent_volume_claim,
                empty_dir=default.empty_dir,
                config_map=default.config_map,
                secret=default.secret,
            )
        )
    return out + list(given.values())


_BINDING_FIELDS = frozenset(
    f.encode_name
    for f in cast(msgspec.inspect.StructType, msgspec.inspect.type_info(WorkspaceBinding)).fields
)


def _parse_default_binding(raw: str) -> WorkspaceBinding:
    try:
        data = yaml.safe_load(raw)
        if not isinstance(data, dict):
            raise ValueError("not a mapping")
        # sigs.k8s.io/yaml ignores unknown fields; the binding's name is the workspace's.
        known = {k: v for k, v in data.items() if k in _BINDING_FIELDS and k != "name"}
        return msgspec.convert({**known, "name": ""}, WorkspaceBinding)
    except (yaml.YAMLError, ValueError, msgspec.ValidationError):
        raise _Failed(TASKRUN_RESOLUTION_FAILED, f"failed to unmarshal {raw}") from None


def _override_errors(spec: TaskSpec, tr: TaskRun) -> str | None:
    """Tekton's ``validateOverrides``: stepSpecs/sidecarSpecs must name existing ones."""
    steps = {s.name for s in spec.steps or ()}
    sidecars = {s.name for s in spec.sidecars or ()}
    errors = [
        f"invalid StepOverride: No Step named {o.name}"
        for o in tr.spec.step_specs or ()
        if o.name not in steps
    ]
    errors += [
        f"invalid SidecarOverride: No Sidecar named {o.name}"
        for o in tr.spec.sidecar_specs or ()
        if o.name not in sidecars
    ]
    return "\n".join(errors) or None  # errors.Join


def _validate_run(spec: TaskSpec, tr: TaskRun, task_name: str, config: Config) -> None:
    """The checks of ``prepare`` after resolution, in Tekton's order."""
    params = list(tr.spec.params or ())
    _validate_request_resources(spec)
    error = _param_errors(spec.params, params)
    if error:
        raise _user_error(
            TASKRUN_VALIDATION_FAILED, f"invalid input params for task {task_name}: {error}"
        )
    if config.features.enable_param_enum:
        error = _enum_error(params, spec.params)
        if error:
            raise _user_error(INVALID_PARAM_VALUE, error)
    error = _array_index_error(spec, params)
    if error:
        raise _user_error(TASKRUN_VALIDATION_FAILED, error)


def _validate_workspaces(
    spec: TaskSpec, tr: TaskRun, bindings: Sequence[WorkspaceBinding] | None, config: Config
) -> None:
    declarations = list(spec.workspaces or ())
    if tr.spec.task_spec is not None:
        # Propagation: an embedded spec may use workspaces it does not declare.
        declarations = [WorkspaceDeclaration(name=b.name) for b in bindings or ()] + declarations
    error = validate_bindings(declarations, bindings)
    if error is None and config.features.coschedule == "workspaces":
        error = validate_only_one_pvc_is_used(bindings)
    if error is None:
        error = _override_errors(spec, tr)
    if error:
        raise _user_error(TASKRUN_VALIDATION_FAILED, error)


# -- entry point ------------------------------------------------------------------------------


def resolve_taskrun(
    taskrun: TaskRun,
    lookup: ObjectLookup,
    config: Config,
    *,
    validate_references: bool = False,
) -> ResolvedTaskRun | TaskRunFailure:
    """Resolve what ``taskrun`` runs, or say why it cannot run.

    Follows ``prepare``: default the run; fetch the Task (or take the embedded spec, or
    ``status.taskSpec``); default the spec; inline StepActions; check compute requests,
    params (missing, types, object keys), enums (with ``enable-param-enum``), array
    indexes, the default workspace binding, workspace bindings, the one-claim rule of the
    affinity assistant (``coschedule: workspaces``) and stepSpecs/sidecarSpecs names.
    Then substitute every Task-scope variable as ``reconcile`` does.

    ``validate_references`` also validates the fetched Task and StepActions as Tekton's
    dry run of a *remote* object would (``TaskValidationFailed``); use it for objects no
    admission check has seen, such as those of a file.
    """
    tr: TaskRun = copy_model(taskrun)
    default_taskrun_spec(tr.spec, config)
    try:
        data = _fetch_task(tr, lookup, config, validate_references)
        spec = data.spec
        default_task_spec(spec, config)
        spec = _resolve_step_actions(spec, tr, lookup, config, validate_references)
        _validate_run(spec, tr, data.name, config)
        bindings = _default_workspaces(spec, tr.spec.workspaces, config)
        _validate_workspaces(spec, tr, bindings, config)
    except _Failed as failed:
        return failed.failure

    # What reconcile does before storing status.taskSpec: claims made from templates,
    # params substituted into the bindings, then every variable of the spec.
    if bindings is not None:
        bindings = apply_volume_claim_templates(bindings, tr.metadata.uid)
    tr.spec.workspaces = bindings
    bindings = apply_parameters_to_workspace_bindings(spec, tr)
    tr.spec.workspaces = bindings
    volumes = workspace_volume_names(bindings)
    retries = len(tr.status.retries_status or ()) if tr.status is not None else 0
    status_spec = apply_task_run_substitutions(
        spec, tr, data.name, retry_count=retries, volumes=volumes
    )
    return ResolvedTaskRun(
        task_spec=status_spec,
        task_name=data.name,
        kind=(tr.spec.task_ref.kind if tr.spec.task_ref else "") or _NAMESPACED_TASK_KIND,
        labels=data.labels,
        annotations=data.annotations,
        workspaces=list(bindings or ()),
        workspace_volumes=volumes,
        pod_template=apply_pod_template_replacements(tr.spec.pod_template, tr, status_spec.params),
    )
