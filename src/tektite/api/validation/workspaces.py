"""Workspace bindings of TaskRuns and PipelineRuns (Tekton's ``workspace_validation.go``).

A binding names exactly one volume source, and the source must say which volume it is
(claim name, ConfigMap name, Secret name, projected sources, CSI driver). TaskRuns also
refuse two bindings whose names differ only by case; PipelineRuns refuse exact
duplicates with their own message (see :mod:`tektite.api.validation.pipelinerun`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tektite.api.errors import (
    FieldError,
    err_missing_field,
    err_missing_one_of,
    err_multiple_one_of,
)
from tektite.api.models import WorkspaceBinding

# The sources Tekton names when a binding has none or several. Projected and CSI are
# accepted but, as in Tekton, not listed.
_SOURCE_FIELDS = ("persistentvolumeclaim", "volumeclaimtemplate", "emptydir", "configmap", "secret")


def _source_count(b: WorkspaceBinding) -> int:
    sources = (
        b.volume_claim_template,
        b.persistent_volume_claim,
        b.empty_dir,
        b.config_map,
        b.secret,
        b.projected,
        b.csi,
    )
    return sum(s is not None for s in sources)


def validate_workspace_binding(b: WorkspaceBinding) -> FieldError:
    """One binding's rules; paths are relative to the binding (``WorkspaceBinding.Validate``).

    Only the first problem is reported, as in Tekton.
    """
    n = _source_count(b)
    if n == 0 and not b.name and not b.sub_path:
        return err_missing_field("")
    if n > 1:
        return err_multiple_one_of(*_SOURCE_FIELDS)
    if n == 0:
        return err_missing_one_of(*_SOURCE_FIELDS)
    if b.persistent_volume_claim is not None and not b.persistent_volume_claim.claim_name:
        return err_missing_field("persistentvolumeclaim.claimname")
    if b.config_map is not None and not b.config_map.name:
        return err_missing_field("configmap.name")
    if b.secret is not None and not b.secret.secret_name:
        return err_missing_field("secret.secretName")
    if b.projected is not None and not b.projected.sources:
        return err_missing_field("projected.sources")
    if b.csi is not None and not b.csi.driver:
        return err_missing_field("csi.driver")
    return FieldError()


def validate_no_duplicate_names(names: Iterable[str], by_index: bool) -> FieldError:
    """Tekton's ``validateNoDuplicateNames``: each repeat of a name, compared ignoring
    case, is ``expected exactly one, got both`` at ``[i].name`` (or ``[name].name``)."""
    errs = FieldError()
    seen: set[str] = set()
    for i, name in enumerate(names):
        key = name.lower()
        if key in seen:
            dup = err_multiple_one_of("name")
            errs = errs.also(dup.via_index(i) if by_index else dup.via_key(name))
        seen.add(key)
    return errs


def validate_workspace_bindings(bindings: Sequence[WorkspaceBinding] | None) -> FieldError:
    """A TaskRun's bindings (``ValidateWorkspaceBindings``): each valid, names unique
    ignoring case. Paths are relative to ``workspaces``."""
    errs = FieldError()
    for i, b in enumerate(bindings or ()):
        errs = errs.also(validate_workspace_binding(b).via_index(i))
    return errs.also(validate_no_duplicate_names((b.name for b in bindings or ()), True))
