"""References to Tasks, Pipelines and StepActions (Tekton's ``validateRef``).

A ref names an object in the run's namespace (``name``, a Kubernetes qualified name) or
asks a remote resolver for it (``resolver`` + ``params``, beta). A URL-like name
(``git://…``, "concise resolver syntax") additionally needs the
``enable-concise-resolver-syntax`` flag and a resolver. Paths are relative to the ref.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tektite.api.config import BETA
from tektite.api.errors import (
    FieldError,
    err_generic,
    err_invalid_value,
    err_missing_field,
    err_multiple_one_of,
)
from tektite.api.k8s_names import qualified_name_errors
from tektite.api.models import Param, PipelineRef, StepActionRef, TaskRef
from tektite.api.validation.context import ValidationContext, require_api_fields
from tektite.api.validation.workspaces import validate_no_duplicate_names

_URL_LIKE = re.compile(r"[\w-]+://*", re.ASCII)

_CONCISE_SYNTAX_DISABLED = (
    "feature flag enable-concise-resolver-syntax should be set to true to use concise "
    "resolver syntax"
)


def validate_parameters(params: Sequence[Param] | None) -> FieldError:
    """Tekton's ``ValidateParameters``: param names unique, ignoring case, reported as
    ``expected exactly one, got both: [name].name``."""
    return validate_no_duplicate_names((p.name for p in params or ()), False)


def is_url_like(name: str) -> bool:
    """Whether a ref name uses the concise resolver syntax (``scheme://…``)."""
    return _URL_LIKE.search(name) is not None


def validate_ref(
    ctx: ValidationContext, name: str, resolver: str, params: Sequence[Param] | None
) -> FieldError:
    """Tekton's ``validateRef``, shared by TaskRef, PipelineRef and a step's ``ref``."""
    errs = FieldError()
    concise_enabled = ctx.config.features.enable_concise_resolver_syntax
    if resolver or params is not None:
        if params is not None:
            errs = errs.also(require_api_fields(ctx, "resolver params", BETA).via_field("params"))
            if name:
                errs = errs.also(err_multiple_one_of("name", "params"))
            if not resolver:
                errs = errs.also(err_missing_field("resolver"))
            errs = errs.also(validate_parameters(params))
        if resolver:
            errs = errs.also(require_api_fields(ctx, "resolver", BETA).via_field("resolver"))
            if name:
                if not is_url_like(name):
                    errs = errs.also(err_invalid_value("invalid URI for request", "name"))
                elif not concise_enabled:
                    errs = errs.also(err_generic(_CONCISE_SYNTAX_DISABLED, ""))
    elif name:
        if is_url_like(name):
            if not concise_enabled:
                errs = errs.also(err_generic(_CONCISE_SYNTAX_DISABLED, ""))
            errs = errs.also(err_missing_field("resolver"))
        elif problems := qualified_name_errors(name):
            errs = errs.also(err_invalid_value(",".join(problems), "name"))
    else:
        errs = errs.also(err_missing_field("name"))
    return errs


def validate_task_ref(ref: TaskRef | None, ctx: ValidationContext) -> FieldError:
    """``TaskRef.Validate``: paths relative to ``taskRef``."""
    if ref is None:
        return FieldError()
    return validate_ref(ctx, ref.name, ref.resolver, ref.params)


def validate_pipeline_ref(ref: PipelineRef | None, ctx: ValidationContext) -> FieldError:
    """``PipelineRef.Validate``: paths relative to ``pipelineRef``."""
    if ref is None:
        return FieldError()
    return validate_ref(ctx, ref.name, ref.resolver, ref.params)


def validate_step_action_ref(ref: StepActionRef | None, ctx: ValidationContext) -> FieldError:
    """A step's ``Ref.Validate``: paths relative to the step's ``ref``."""
    if ref is None:
        return FieldError()
    return validate_ref(ctx, ref.name, ref.resolver, ref.params)
