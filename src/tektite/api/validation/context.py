"""What validation needs to know beyond the object: configuration and the call site."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tektite.api.config import ALPHA, BETA, STABLE, Config
from tektite.api.errors import FieldError, go_quote
from tektite.api.k8s_names import dns1123_label_errors, dns1123_subdomain_errors

__all__ = [
    "ValidationContext",
    "dns1123_label_errors",
    "dns1123_subdomain_errors",
    "require_api_fields",
]


@dataclass(frozen=True)
class ValidationContext:
    """Tekton's validation ``ctx``: the config maps and how the object is being checked.

    ``propagated`` is set while validating a spec embedded in a run (or a PipelineTask's
    ``taskSpec``): there params and workspaces propagated from the run count as declared
    (Tekton's ``config.SkipValidationDueToPropagatedParametersAndWorkspaces``).
    """

    config: Config = field(default_factory=Config)
    propagated: bool = False
    is_create: bool = True

    def propagating(self) -> ValidationContext:
        """The context for an embedded spec."""
        return replace(self, propagated=True)


def require_api_fields(ctx: ValidationContext, feature: str, want: str) -> FieldError:
    """Tekton's ``ValidateEnabledAPIFields``: ``feature`` needs the gate at ``want``."""
    current = ctx.config.features.enable_api_fields
    template = '{} requires "enable-api-fields" feature gate to be {} but it is {}'
    if want == STABLE:
        return FieldError()
    if want == BETA:
        if current not in (BETA, ALPHA):
            return FieldError(template.format(feature, f'"{ALPHA}" or "{BETA}"', go_quote(current)))
        return FieldError()
    if want == ALPHA:
        if current != ALPHA:
            return FieldError(template.format(feature, f'"{ALPHA}"', go_quote(current)))
        return FieldError()
    return FieldError(f"invalid wantVersion {want}, must be one of (alpha, beta, stable)")
