"""``tekton.dev/v1beta1`` → ``v1`` for Task, TaskRun, Pipeline and PipelineRun.

Tekton stores v1; a v1beta1 object is converted by ``pkg/apis/pipeline/v1beta1/
*_conversion.go``. This module does the same on the JSON form, before typed decoding:

* renames: step/stepTemplate/sidecar ``resources`` → ``computeResources``,
  ``stepOverrides``/``sidecarOverrides`` → ``stepSpecs``/``sidecarSpecs`` (their
  ``resources`` → ``computeResources``), taskRunSpecs ``taskServiceAccountName``/
  ``taskPodTemplate`` → ``serviceAccountName``/``podTemplate``, PipelineRun
  ``serviceAccountName``/``podTemplate`` → ``taskRunTemplate``, deprecated ``timeout`` →
  ``timeouts.pipeline``, status ``taskResults``/``pipelineResults`` → ``results``;
* what v1 has no field for is kept aside in annotations exactly as Tekton does
  (deprecated container fields of steps and the step template in
  ``tekton.dev/v1beta1.task-deprecations``, cloud events and resource results of a
  TaskRun status), or dropped where Tekton drops it (``managedBy``, ``spanContext``,
  ``provenance.configSource``, the status ``taskRuns``/``runs`` maps, a PipelineTask's
  ``pipelineRef``/``pipelineSpec``, an unmatrixed empty ``matrix``);
* what Tekton's v1beta1 webhook refuses before converting is refused here with the same
  message and path, raised as :class:`~tektite.api.objects.InvalidObject`:
  PipelineResources (``resources`` of specs, runs and pipeline tasks), ``taskRef.bundle``
  / ``pipelineRef.bundle``, and ``timeout`` together with ``timeouts``.

Param and result types are not filled in here: v1 defaulting infers them later, exactly
as v1beta1 defaulting would have before Tekton converted the object.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from tektite.api.errors import FieldError, err_disallowed_fields, go_quote

__all__ = ["v1beta1_to_v1"]

Json = dict[str, Any]

TASK_DEPRECATIONS_ANNOTATION = "tekton.dev/v1beta1.task-deprecations"
CLOUD_EVENTS_ANNOTATION = "tekton.dev/v1beta1CloudEvents"
RESOURCES_RESULT_ANNOTATION = "tekton.dev/v1beta1ResourcesResult"
RESOURCES_STATUS_ANNOTATION = "tekton.dev/v1beta1ResourcesStatus"

_PIPELINE_RESOURCES_REMOVED = (
    "PipelineResources were removed from Tekton: replace them with Tasks, workspaces and "
    "results (https://tekton.dev/docs/pipelines/pipelineresources/)"
)
_BUNDLE_REMOVED = (
    "the bundle field was removed from Tekton: use the bundles resolver instead "
    "(resolver: bundles, params: bundle, name, kind)"
)

# The deprecated container fields of a v1beta1 Step/StepTemplate, in the order of the Go
# struct (Tekton serialises them with encoding/json, which follows that order).
_DEPRECATED_BEFORE_RESOURCES = ("ports",)
_DEPRECATED_AFTER_RESOURCES = (
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "stdin",
    "stdinOnce",
    "tty",
)
_DEPRECATED_STEP_FIELDS = _DEPRECATED_BEFORE_RESOURCES + _DEPRECATED_AFTER_RESOURCES


class _Conversion:
    """One object's conversion: its metadata (for annotations) and the refusals found.

    While ``in_status`` is set, nothing is refused: status is not validated by Tekton,
    what v1 cannot hold is silently dropped.
    """

    def __init__(self, obj: Json) -> None:
        self.obj = obj
        self.errors = FieldError()
        self.in_status = False

    @property
    def name(self) -> str:
        meta = _dict(self.obj.get("metadata")) or {}
        name = meta.get("name")
        return name if isinstance(name, str) else ""

    def refuse(self, err: FieldError) -> None:
        if not self.in_status:
            self.errors = self.errors.also(err)

    def annotate(self, key: str, value: Any) -> None:
        """Tekton's ``version.SerializeToMetadata``."""
        meta = self.obj.get("metadata")
        if not isinstance(meta, dict):
            meta = self.obj["metadata"] = {}
        annotations = meta.get("annotations")
        if not isinstance(annotations, dict):
            annotations = meta["annotations"] = {}
        annotations[key] = _go_json(value)

    def annotation(self, key: str) -> str | None:
        meta = _dict(self.obj.get("metadata")) or {}
        annotations = _dict(meta.get("annotations")) or {}
        value = annotations.get(key)
        return value if isinstance(value, str) else None


def _go_json(value: Any) -> str:
    """``encoding/json.Marshal`` text: compact, HTML characters escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _dict(value: Any) -> Json | None:
    return value if isinstance(value, dict) else None


def _dicts(value: Any) -> list[Json]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _join(path: str, field: str) -> str:
    return f"{path}.{field}" if path else field


def _rename(conv: _Conversion, d: Json, old: str, new: str, path: str) -> None:
    """Move ``d[old]`` to ``d[new]``; the v1 name itself is unknown in v1beta1."""
    if new in d:
        conv.refuse(FieldError(f"unknown field {go_quote(new)}", [_join(path, new)]))
        if not conv.in_status:
            return
    if old in d:
        value = d.pop(old)
        d.setdefault(new, value)


def _refuse_resources(conv: _Conversion, d: Json, path: str, *, non_empty: bool = False) -> None:
    """PipelineResources: Tekton's v1beta1 webhook answers ``must not set the field(s)``."""
    value = d.get("resources")
    present = bool(value) if non_empty else value is not None
    if present and not conv.in_status:
        err = err_disallowed_fields(_join(path, "resources"))
        conv.refuse(FieldError(err.message, err.paths, _PIPELINE_RESOURCES_REMOVED))
    d.pop("resources", None)


def _convert_ref(conv: _Conversion, ref: Any, path: str) -> None:
    ref = _dict(ref)
    if ref is None:
        return
    if ref.get("bundle") and not conv.in_status:
        err = err_disallowed_fields(_join(path, "bundle"))
        conv.refuse(FieldError(err.message, err.paths, _BUNDLE_REMOVED))
    ref.pop("bundle", None)


# -- Task -----------------------------------------------------------------------------------


def _ordered_port(port: Json) -> Json:
    """A ``corev1.ContainerPort`` as Go marshals it (``containerPort`` always present)."""
    out: Json = {}
    if port.get("name"):
        out["name"] = port["name"]
    if port.get("hostPort"):
        out["hostPort"] = port["hostPort"]
    out["containerPort"] = port.get("containerPort") or 0
    for key in ("protocol", "hostIP"):
        if port.get(key):
            out[key] = port[key]
    return out


def _deprecated_part(container: Json, *, with_name: bool) -> Json:
    """The deprecated fields of a step (or, without ``name``, the step template) as the
    Go struct holding only them marshals: ``name`` and ``resources`` are not omitempty."""
    out: Json = {"name": ""} if with_name else {}
    if not with_name and container.get("name"):
        out["name"] = container["name"]
    ports = _dicts(container.get("ports"))
    if ports:
        out["ports"] = [_ordered_port(p) for p in ports]
    out["resources"] = {}
    for key in _DEPRECATED_AFTER_RESOURCES:
        if container.get(key):
            out[key] = container[key]
    return out


def _has_deprecated_fields(steps: list[Json], template: Json | None) -> bool:
    """Tekton's ``TaskSpec.HasDeprecatedFields`` (which overlooks the template's
    ``livenessProbe``: alone, it is dropped without being kept aside)."""
    if any(s.get(k) for s in steps for k in _DEPRECATED_STEP_FIELDS):
        return True
    if template is None:
        return False
    template_fields = ("ports", "name", *_DEPRECATED_AFTER_RESOURCES[1:])
    return any(template.get(k) for k in template_fields)


def _keep_task_deprecations(
    conv: _Conversion, steps: list[Json], template: Json | None, task_name: str
) -> None:
    if not _has_deprecated_fields(steps, template):
        return
    deprecation: Json = {"deprecatedSteps": [_deprecated_part(s, with_name=True) for s in steps]}
    if template is not None:
        deprecation["deprecatedStepTemplate"] = _deprecated_part(template, with_name=False)
    existing: Json = {}
    text = conv.annotation(TASK_DEPRECATIONS_ANNOTATION)
    if text:
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            existing = loaded
    existing[task_name] = deprecation
    conv.annotate(TASK_DEPRECATIONS_ANNOTATION, existing)


def _convert_container(conv: _Conversion, c: Json, path: str, deprecated: tuple[str, ...]) -> None:
    _rename(conv, c, "resources", "computeResources", path)
    for key in deprecated:
        c.pop(key, None)


def _convert_task_spec(conv: _Conversion, spec: Any, path: str, task_name: str) -> None:
    spec = _dict(spec)
    if spec is None:
        return
    _refuse_resources(conv, spec, path)
    steps = _dicts(spec.get("steps"))
    template = _dict(spec.get("stepTemplate"))
    _keep_task_deprecations(conv, steps, template, task_name)
    for i, step in enumerate(steps):
        _convert_container(conv, step, f"{_join(path, 'steps')}[{i}]", _DEPRECATED_STEP_FIELDS)
    if template is not None:
        _convert_container(
            conv, template, _join(path, "stepTemplate"), ("name", *_DEPRECATED_STEP_FIELDS)
        )
    for i, sidecar in enumerate(_dicts(spec.get("sidecars"))):
        _convert_container(conv, sidecar, f"{_join(path, 'sidecars')}[{i}]", ())


def _convert_task(conv: _Conversion, obj: Json) -> None:
    _convert_task_spec(conv, obj.get("spec"), "spec", conv.name)


# -- Pipeline -------------------------------------------------------------------------------


def _is_matrixed(matrix: Json) -> bool:
    return bool(matrix.get("params")) or bool(matrix.get("include"))


def _convert_pipeline_task(conv: _Conversion, pt: Json, path: str) -> None:
    _refuse_resources(conv, pt, path)
    _convert_ref(conv, pt.get("taskRef"), _join(path, "taskRef"))
    name = pt.get("name")
    _convert_task_spec(
        conv, pt.get("taskSpec"), _join(path, "taskSpec"), name if isinstance(name, str) else ""
    )
    matrix = _dict(pt.get("matrix"))
    if matrix is not None and not _is_matrixed(matrix):
        del pt["matrix"]
    # Tekton's conversion does not carry pipelines-in-pipelines over to v1.
    pt.pop("pipelineRef", None)
    pt.pop("pipelineSpec", None)


def _convert_pipeline_spec(conv: _Conversion, spec: Any, path: str) -> None:
    spec = _dict(spec)
    if spec is None:
        return
    _refuse_resources(conv, spec, path, non_empty=True)
    for field in ("tasks", "finally"):
        for i, pt in enumerate(_dicts(spec.get(field))):
            _convert_pipeline_task(conv, pt, f"{_join(path, field)}[{i}]")


def _convert_pipeline(conv: _Conversion, obj: Json) -> None:
    _convert_pipeline_spec(conv, obj.get("spec"), "spec")


# -- TaskRun --------------------------------------------------------------------------------


def _convert_overrides(conv: _Conversion, d: Json, path: str) -> None:
    """``stepOverrides``/``sidecarOverrides`` → ``stepSpecs``/``sidecarSpecs``."""
    for old, new in (("stepOverrides", "stepSpecs"), ("sidecarOverrides", "sidecarSpecs")):
        _rename(conv, d, old, new, path)
        for i, o in enumerate(_dicts(d.get(new))):
            _rename(conv, o, "resources", "computeResources", f"{_join(path, new)}[{i}]")


def _convert_provenance(status: Json) -> None:
    provenance = _dict(status.get("provenance"))
    if provenance is not None:
        provenance.pop("configSource", None)


def _convert_taskrun_status(conv: _Conversion, status: Json, *, top: bool) -> None:
    if top:
        if status.get("cloudEvents") is not None:
            conv.annotate(CLOUD_EVENTS_ANNOTATION, status["cloudEvents"])
        if status.get("resourcesResult") is not None:
            conv.annotate(RESOURCES_RESULT_ANNOTATION, status["resourcesResult"])
    for key in ("cloudEvents", "resourcesResult", "spanContext"):
        status.pop(key, None)
    _rename(conv, status, "taskResults", "results", "status")
    for step in _dicts(status.get("steps")):
        terminated = _dict(step.get("terminated"))
        if terminated is not None:
            step["terminationReason"] = terminated.get("reason", "")
        _convert_provenance(step)
    for retry in _dicts(status.get("retriesStatus")):
        _convert_taskrun_status(conv, retry, top=False)
    task_spec = _dict(status.get("taskSpec"))
    if top and task_spec is not None and task_spec.get("resources") is not None:
        conv.annotate(RESOURCES_STATUS_ANNOTATION, task_spec["resources"])
    _convert_task_spec(conv, task_spec, "status.taskSpec", conv.name)
    _convert_provenance(status)


def _convert_taskrun(conv: _Conversion, obj: Json) -> None:
    spec = _dict(obj.get("spec"))
    if spec is not None:
        _refuse_resources(conv, spec, "spec")
        _convert_ref(conv, spec.get("taskRef"), "spec.taskRef")
        _convert_task_spec(conv, spec.get("taskSpec"), "spec.taskSpec", conv.name)
        _convert_overrides(conv, spec, "spec")
        # Tekton's conversion does not carry managedBy over to v1.
        spec.pop("managedBy", None)
    status = _dict(obj.get("status"))
    if status is not None:
        conv.in_status = True
        _convert_taskrun_status(conv, status, top=True)


# -- PipelineRun ----------------------------------------------------------------------------


def _convert_pipelinerun_spec(conv: _Conversion, spec: Json) -> None:
    _refuse_resources(conv, spec, "spec")
    _convert_ref(conv, spec.get("pipelineRef"), "spec.pipelineRef")
    _convert_pipeline_spec(conv, spec.get("pipelineSpec"), "spec.pipelineSpec")
    if "timeout" in spec:
        timeout = spec.pop("timeout")
        if spec.get("timeouts") is not None and timeout is not None:
            conv.refuse(err_disallowed_fields("spec.timeout", "spec.timeouts"))
        if timeout is not None:
            # As in Tekton, the deprecated field replaces the whole timeouts block.
            spec["timeouts"] = {"pipeline": timeout}
    if "taskRunTemplate" in spec:
        conv.refuse(FieldError('unknown field "taskRunTemplate"', ["spec.taskRunTemplate"]))
    else:
        template: Json = {}
        for key in ("serviceAccountName", "podTemplate"):
            if spec.get(key) is not None:
                template[key] = spec[key]
            spec.pop(key, None)
        if template:
            spec["taskRunTemplate"] = template
    for i, trs in enumerate(_dicts(spec.get("taskRunSpecs"))):
        path = f"spec.taskRunSpecs[{i}]"
        _rename(conv, trs, "taskServiceAccountName", "serviceAccountName", path)
        _rename(conv, trs, "taskPodTemplate", "podTemplate", path)
        _convert_overrides(conv, trs, path)
    spec.pop("managedBy", None)


def _convert_pipelinerun(conv: _Conversion, obj: Json) -> None:
    spec = _dict(obj.get("spec"))
    if spec is not None:
        _convert_pipelinerun_spec(conv, spec)
    status = _dict(obj.get("status"))
    if status is not None:
        conv.in_status = True
        for key in ("taskRuns", "runs", "spanContext"):
            status.pop(key, None)
        _rename(conv, status, "pipelineResults", "results", "status")
        _convert_pipeline_spec(conv, status.get("pipelineSpec"), "status.pipelineSpec")
        _convert_provenance(status)


_CONVERTERS = {
    "Task": _convert_task,
    "TaskRun": _convert_taskrun,
    "Pipeline": _convert_pipeline,
    "PipelineRun": _convert_pipelinerun,
}


def v1beta1_to_v1(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Convert a ``tekton.dev/v1beta1`` Task, TaskRun, Pipeline or PipelineRun (JSON form)
    to ``tekton.dev/v1``; ``raw`` is not modified.

    Raises :class:`~tektite.api.objects.InvalidObject` for what Tekton's v1beta1 webhook
    refuses (PipelineResources, ``bundle`` refs, ``timeout`` with ``timeouts``).
    """
    obj: Json = copy.deepcopy(dict(raw))
    kind = obj.get("kind")
    converter = _CONVERTERS.get(kind) if isinstance(kind, str) else None
    if converter is None:
        raise ValueError(f"cannot convert kind {kind!r} from tekton.dev/v1beta1")
    conv = _Conversion(obj)
    converter(conv, obj)
    if conv.errors:
        from tektite.api.objects import InvalidObject  # objects imports this module

        raise InvalidObject(conv.errors, kind if isinstance(kind, str) else "", conv.name)
    obj["apiVersion"] = "tekton.dev/v1"
    return obj
