"""Validation of steps and sidecars.

Port of Tekton's ``container_validation.go`` (``Step.Validate``, ``Sidecar.Validate``; a
step's ``ref`` is checked by :mod:`tektite.api.validation.refs`) and of
``StepList.Validate`` / ``SidecarList.Validate`` from ``task_validation.go``. Some of
Tekton's paths look odd (a step's ``ref`` errors carry no ``ref`` prefix, sidecar errors
carry no index, step result errors land at ``steps.results[i][j]``); they are reproduced
as Tekton reports them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tektite.api.config import ALPHA
from tektite.api.durations import GoDurationError, format_duration_ns, parse_duration_ns
from tektite.api.errors import (
    FieldError,
    err_generic,
    err_invalid_value,
    err_missing_field,
    err_multiple_one_of,
    go_quote,
)
from tektite.api.models import Sidecar, Step
from tektite.api.resultref import STEP_RESULT_NOT_ALLOWED_MESSAGE, contains_step_result_ref
from tektite.api.validation.context import (
    ValidationContext,
    dns1123_label_errors,
    require_api_fields,
)
from tektite.api.validation.refs import validate_step_action_ref
from tektite.api.validation.results import (
    validate_step_results,
    validate_step_results_variables,
)
from tektite.api.validation.when import validate_when_expressions

__all__ = [
    "RESERVED_RESULTS_SIDECAR_NAME",
    "clean_path",
    "validate_sidecar",
    "validate_sidecars",
    "validate_step",
    "validate_steps",
]

RESERVED_RESULTS_SIDECAR_NAME = "tekton-log-results"
"""The sidecar Tekton injects for ``results-from: sidecar-logs``."""

_STEP_NAME_DETAILS = (
    "Task step name must be a valid DNS Label, For more info refer to "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names"
)
_ON_ERROR_VALUES = ("continue", "stopAndFail")
_ON_ERROR_DETAILS = 'Task step onError must be either "continue" or "stopAndFail"'
_ARTIFACTS_FLAG_MESSAGE = (
    "feature flag enable-artifacts should be set to true to use artifacts feature."
)
_STEP_ARTIFACT_NOT_ALLOWED_MESSAGE = (
    "stepArtifact substitutions are only allowed in env, command, args and script. Found usage in"
)

_STEP_ARTIFACT_RE = re.compile(r"\$\(steps\.([^.]+)\.(?:inputs|outputs)\.([^.)]+)\)")
_TASK_ARTIFACT_RE = re.compile(r"\$\(tasks\.([^.]+)\.(?:inputs|outputs)\.([^.)]+)\)")
_STEP_ARTIFACT_PATH = "$(step.artifacts.path)"
_TASK_ARTIFACT_PATH = "$(artifacts.path)"


# -- steps ---------------------------------------------------------------------------------


def _has_step_artifact_ref(value: str) -> bool:
    return "$(" in value and (
        _STEP_ARTIFACT_RE.search(value) is not None or _STEP_ARTIFACT_PATH in value
    )


def _has_task_artifact_ref(value: str) -> bool:
    return "$(" in value and (
        _TASK_ARTIFACT_RE.search(value) is not None or _TASK_ARTIFACT_PATH in value
    )


def _artifacts_flag_error(step: Step, ctx: ValidationContext) -> FieldError:
    """Artifact references in script/command/args/env need ``enable-artifacts``."""
    if ctx.config.features.enable_artifacts:
        return FieldError()
    texts: list[str] = [step.script, *(step.command or ()), *(step.args or ())]
    texts.extend(e.value for e in step.env or () if e.value)
    if any(_has_step_artifact_ref(t) or _has_task_artifact_ref(t) for t in texts):
        return err_generic(_ARTIFACTS_FLAG_MESSAGE, "")
    return FieldError()


def _restricted_fields(step: Step) -> Iterable[tuple[str, str]]:
    """(value, path) of the fields where step results and artifacts may not be used."""
    yield step.name, "name"
    yield step.image, "image"
    yield step.image_pull_policy, "imagePullPolicy"
    yield step.working_dir, "workingDir"
    for e in step.env_from or ():
        yield e.prefix or "", "envFrom.prefix"
        if e.config_map_ref is not None:
            yield str(e.config_map_ref.get("name") or ""), "envFrom.configMapRef"
        if e.secret_ref is not None:
            yield str(e.secret_ref.get("name") or ""), "envFrom.secretRef"
    for vm in step.volume_mounts or ():
        yield vm.name, "volumeMounts.name"
        yield vm.mount_path, "volumeMounts.mountPath"
        yield vm.sub_path or "", "volumeMounts.subPath"
    for vd in step.volume_devices or ():
        yield vd.name, "volumeDevices.name"
        yield vd.device_path, "volumeDevices.devicePath"


def _reference_placement_errors(step: Step) -> FieldError:
    """Step results only in env/command/args; step artifacts also in script."""
    errs = FieldError()
    if contains_step_result_ref(step.script):
        errs = errs.also(FieldError(STEP_RESULT_NOT_ALLOWED_MESSAGE, ["script"]))
    for value, path in _restricted_fields(step):
        if contains_step_result_ref(value):
            errs = errs.also(FieldError(STEP_RESULT_NOT_ALLOWED_MESSAGE, [path]))
        if _has_step_artifact_ref(value):
            errs = errs.also(FieldError(_STEP_ARTIFACT_NOT_ALLOWED_MESSAGE, [path]))
    return errs


def _ref_conflicts(step: Step) -> FieldError:
    """Container fields that a step using a StepAction ``ref`` may not set."""
    errs = FieldError()
    conflicts = (
        (bool(step.image), "image cannot be used with Ref", "image"),
        (bool(step.command), "command cannot be used with Ref", "command"),
        (bool(step.args), "args cannot be used with Ref", "args"),
        (bool(step.script), "script cannot be used with Ref", "script"),
        (bool(step.working_dir), "working dir cannot be used with Ref", "workingDir"),
        (step.env is not None, "env cannot be used with Ref", "env"),
        (bool(step.volume_mounts), "volumeMounts cannot be used with Ref", "volumeMounts"),
        (bool(step.results), "results cannot be used with Ref", "results"),
    )
    for conflict, message, path in conflicts:
        if conflict:
            errs = errs.also(FieldError(message, [path]))
    return errs


def validate_step(step: Step, ctx: ValidationContext) -> FieldError:
    """Tekton's ``Step.Validate``; paths are relative to the step.

    As in Tekton, an artifacts-flag error or a negative timeout is reported alone.
    """
    artifacts = _artifacts_flag_error(step, ctx)
    if artifacts:
        return artifacts
    errs = FieldError()
    if step.ref is not None:
        # Tekton adds no "ref" to these paths: a missing name is at steps[i].name.
        errs = errs.also(validate_step_action_ref(step.ref, ctx))
        errs = errs.also(_ref_conflicts(step))
    else:
        if step.params:
            errs = errs.also(FieldError("params cannot be used without Ref", ["params"]))
        if not step.image:
            errs = errs.also(err_missing_field("Image"))
        if step.script and step.command:
            errs = errs.also(FieldError("script cannot be used with command", ["script"]))
    if step.name and dns1123_label_errors(step.name):
        errs = errs.also(
            FieldError(f"invalid value {go_quote(step.name)}", ["name"], _STEP_NAME_DETAILS)
        )
    if step.timeout is not None:
        try:
            timeout = parse_duration_ns(step.timeout)
        except GoDurationError as err:
            # Tekton's API server refuses such a step before validation (a decode error).
            return errs.also(err_invalid_value(str(err), "timeout"))
        if timeout < 0:
            return err_invalid_value(format_duration_ns(timeout), "negative timeout")
    for j, vm in enumerate(step.volume_mounts or ()):
        clean = clean_path(vm.mount_path)
        if clean.startswith("/tekton/") and not clean.startswith("/tekton/home"):
            errs = errs.also(
                err_generic(
                    "volumeMount cannot be mounted under /tekton/ (volumeMount "
                    f"{go_quote(vm.name)} mounted at {go_quote(vm.mount_path)})",
                    "mountPath",
                ).via_field_index("volumeMounts", j)
            )
        if vm.name.startswith("tekton-internal-"):
            errs = errs.also(
                err_generic(
                    f'volumeMount name {go_quote(vm.name)} cannot start with "tekton-internal-"',
                    "name",
                ).via_field_index("volumeMounts", j)
            )
    on_error = step.on_error
    # A $(params...) value is checked after substitution, at run time.
    if on_error and not on_error.startswith("$(params") and on_error not in _ON_ERROR_VALUES:
        errs = errs.also(FieldError(f'invalid value: "{on_error}"', ["onError"], _ON_ERROR_DETAILS))
    if step.script and step.script.strip().startswith("#!win"):
        errs = errs.also(
            require_api_fields(ctx, "windows script support", ALPHA).via_field("script")
        )
    if step.stdout_config is not None:
        errs = errs.also(
            require_api_fields(ctx, "step stdout stream support", ALPHA).via_field("stdoutconfig")
        )
    if step.stderr_config is not None:
        errs = errs.also(
            require_api_fields(ctx, "step stderr stream support", ALPHA).via_field("stderrconfig")
        )
    return errs.also(_reference_placement_errors(step))


def clean_path(path: str) -> str:
    """Go's ``filepath.Clean`` (Unix): lexical ``.``/``..``/``//`` processing.

    Unlike ``posixpath.normpath`` it also folds a leading ``//`` into ``/``.
    """
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


def validate_steps(steps: Sequence[Step] | None, ctx: ValidationContext) -> FieldError:
    """Tekton's ``StepList.Validate``: unique names, each step, its results and ``when``.
    Paths start at the index (the caller adds ``steps``)."""
    errs = FieldError()
    names: set[str] = set()
    for i, step in enumerate(steps or ()):
        if step.name:
            if step.name in names:
                errs = errs.also(err_multiple_one_of("name").via_index(i))
            names.add(step.name)
        errs = errs.also(validate_step(step, ctx).via_index(i))
        if step.results is not None:
            errs = errs.also(
                validate_step_results_variables(step.results, step.script).via_index(i)
            )
            errs = errs.also(validate_step_results(step.results).via_index(i).via_field("results"))
        if step.when:
            errs = errs.also(validate_when_expressions(step.when, ctx).via_index(i))
    return errs


# -- sidecars ------------------------------------------------------------------------------


def validate_sidecar(sidecar: Sidecar) -> FieldError:
    """Tekton's ``Sidecar.Validate``: reserved name, image, script without command."""
    errs = FieldError()
    if sidecar.name == RESERVED_RESULTS_SIDECAR_NAME:
        errs = errs.also(
            FieldError(f"Invalid: cannot use reserved sidecar name {sidecar.name} ", ["name"])
        )
    if not sidecar.image:
        errs = errs.also(err_missing_field("image"))
    if sidecar.script and sidecar.command:
        errs = errs.also(FieldError("script cannot be used with command", ["script"]))
    return errs


def validate_sidecars(sidecars: Sequence[Sidecar] | None) -> FieldError:
    """Tekton's ``SidecarList.Validate``: every sidecar, *without* an index in the path."""
    errs = FieldError()
    for sidecar in sidecars or ():
        errs = errs.also(validate_sidecar(sidecar))
    return errs
