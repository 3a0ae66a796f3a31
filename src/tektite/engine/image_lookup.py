"""Which step images need their ENTRYPOINT looked up (Tekton's ``resolveEntrypoints``).

A step with neither ``command`` nor ``script`` runs its image's own command; Tekton asks
the registry for it and passes it to the entrypoint as ``TEKTON_PLATFORM_COMMANDS``. The
lookup itself is I/O (a runtime that has the images does it); this module only says
what to look up and how an image's config becomes the command, both pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from tektite.api.merge import merge_steps_with_specs, merge_steps_with_step_template
from tektite.api.models import TaskRun, TaskSpec


def image_lookups(taskrun: TaskRun, spec: TaskSpec) -> dict[str, bool]:
    """Images of the steps without ``command`` or ``script`` → whether the (first)
    such step has ``args`` (which decides whether the image's CMD is kept)."""
    steps = merge_steps_with_step_template(spec.step_template, spec.steps)
    steps = merge_steps_with_specs(steps, taskrun.spec.step_specs)
    wanted: dict[str, bool] = {}
    for step in steps:
        if step.command or step.script or not step.image:
            continue
        wanted.setdefault(step.image, bool(step.args))
    return wanted


def image_command(entrypoint: Sequence[str], cmd: Sequence[str], has_args: bool) -> list[str]:
    """``imageInfo``: ENTRYPOINT (+ CMD when the step has no args), or CMD alone."""
    if not entrypoint:
        return list(cmd)
    if not has_args:
        return [*entrypoint, *cmd]
    return list(entrypoint)
