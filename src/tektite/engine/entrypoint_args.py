"""Step ordering: every step container runs Tekton's entrypoint with the flags that chain
it to the step before (``orderContainers`` of ``pkg/pod/entrypoint.go``), plus the
Downward API volume that releases the first step (``tekton.dev/ready``) and cancels
running ones (``tekton.dev/cancel``).

The flag names and their order are exactly Tekton's, as the step wrapper
(``tektite.entrypoint.flags``) reads them with Go ``flag`` semantics.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tektite.api.durations import format_duration_ns, parse_duration_ns
from tektite.api.models import StepResult, TaskResult, TaskRunDebug, TaskSpec, WhenExpression
from tektite.engine.containers import JsonDict, volume_mount

__all__ = [
    "BIN_DIR",
    "BIN_VOLUME_NAME",
    "CANCEL_ANNOTATION",
    "CANCEL_ANNOTATION_VALUE",
    "DOWNWARD_MOUNT_POINT",
    "DOWNWARD_VOLUME_NAME",
    "ENTRYPOINT_BINARY",
    "READY_ANNOTATION",
    "READY_ANNOTATION_VALUE",
    "RUN_DIR",
    "RUN_VOLUME_NAME",
    "TERMINATION_PATH",
    "downward_mount",
    "downward_volume",
    "go_json",
    "needs_debug",
    "needs_debug_before_step",
    "needs_debug_on_failure",
    "order_containers",
    "result_argument",
    "run_mount",
    "run_volume",
    "step_result_argument",
]

BIN_VOLUME_NAME = "tekton-internal-bin"
BIN_DIR = "/tekton/bin"
ENTRYPOINT_BINARY = BIN_DIR + "/entrypoint"
RUN_VOLUME_NAME = "tekton-internal-run"
RUN_DIR = "/tekton/run"
DOWNWARD_VOLUME_NAME = "tekton-internal-downward"
DOWNWARD_MOUNT_POINT = "/tekton/downward"
TERMINATION_PATH = "/tekton/termination"
READY_ANNOTATION = "tekton.dev/ready"
READY_ANNOTATION_VALUE = "READY"
CANCEL_ANNOTATION = "tekton.dev/cancel"
CANCEL_ANNOTATION_VALUE = "CANCEL"
_DOWNWARD_READY_FILE = "ready"
_DOWNWARD_CANCEL_FILE = "cancel"

_ON_ERROR_CONTINUE = "continue"
_ON_ERROR_STOP_AND_FAIL = "stopAndFail"
_ENABLED_ON_FAILURE_BREAKPOINT = "enabled"


def _downward_item(path: str, annotation: str) -> JsonDict:
    return {"path": path, "fieldRef": {"fieldPath": f"metadata.annotations['{annotation}']"}}


def downward_volume(*, cancel: bool) -> JsonDict:
    """The ``tekton-internal-downward`` volume: the ``tekton.dev/ready`` annotation as the
    file ``ready`` and, with ``cancel`` (``keep-pod-on-cancel``), ``tekton.dev/cancel`` as
    ``cancel``."""
    items = [_downward_item(_DOWNWARD_READY_FILE, READY_ANNOTATION)]
    if cancel:
        items.append(_downward_item(_DOWNWARD_CANCEL_FILE, CANCEL_ANNOTATION))
    return {"name": DOWNWARD_VOLUME_NAME, "downwardAPI": {"items": items}}


def downward_mount() -> JsonDict:
    """The read-only mount of the Downward API volume at ``/tekton/downward``."""
    return volume_mount(DOWNWARD_VOLUME_NAME, DOWNWARD_MOUNT_POINT, read_only=True)


def run_volume(index: int) -> JsonDict:
    """``tekton-internal-run-<i>``: step ``i``'s ``/tekton/run/<i>`` (post files, status)."""
    return {"name": f"{RUN_VOLUME_NAME}-{index}", "emptyDir": {}}


def run_mount(index: int, read_only: bool) -> JsonDict:
    """The mount of ``tekton-internal-run-<i>`` at ``/tekton/run/<i>``."""
    return volume_mount(f"{RUN_VOLUME_NAME}-{index}", f"{RUN_DIR}/{index}", read_only=read_only)


def needs_debug_on_failure(debug: TaskRunDebug | None) -> bool:
    """``TaskRunDebug.NeedsDebugOnFailure``: ``breakpoints.onFailure`` is ``enabled``."""
    return (
        debug is not None
        and debug.breakpoints is not None
        and debug.breakpoints.on_failure == _ENABLED_ON_FAILURE_BREAKPOINT
    )


def needs_debug_before_step(debug: TaskRunDebug | None, step: str) -> bool:
    """``TaskRunDebug.NeedsDebugBeforeStep``: ``step`` is listed in ``beforeSteps``."""
    return (
        debug is not None
        and debug.breakpoints is not None
        and step in (debug.breakpoints.before_steps or ())
    )


def needs_debug(debug: TaskRunDebug | None) -> bool:
    """``TaskRunDebug.NeedsDebug``: a failure breakpoint or any before-step breakpoint."""
    return needs_debug_on_failure(debug) or (
        debug is not None and debug.breakpoints is not None and bool(debug.breakpoints.before_steps)
    )


def go_json(value: Any) -> str:
    """Go's ``json.Marshal`` text: compact, non-ASCII kept, ``<``, ``>``, ``&``, U+2028 and
    U+2029 escaped (Go escapes them for embedding in HTML)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    # These characters can only occur inside JSON strings, so replacing them everywhere
    # is the same as Go's per-string escaping.
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _when_json(when: Sequence[WhenExpression]) -> str:
    items = []
    for expression in when:
        item: dict[str, Any] = {}
        # WhenExpression's fields are all omitempty, in this order.
        if expression.input:
            item["input"] = expression.input
        if expression.operator:
            item["operator"] = expression.operator
        if expression.values:
            item["values"] = list(expression.values)
        if expression.cel:
            item["cel"] = expression.cel
        items.append(item)
    return go_json(items)


def step_result_argument(results: Sequence[StepResult] | None) -> list[str]:
    """``stepResultArgument``: ``-step_results <names,...>`` or nothing."""
    if not results:
        return []
    return ["-step_results", ",".join(r.name for r in results)]


def result_argument(results: Sequence[TaskResult] | None) -> list[str]:
    """``resultArgument``: ``-results`` with the task results the steps write themselves
    (those without a ``value``); the flag is present, possibly empty, whenever the task
    declares results."""
    if not results:
        return []
    return ["-results", ",".join(r.name for r in results if r.value is None)]


def _step_spec_arguments(spec: TaskSpec, index: int) -> list[str]:
    steps = spec.steps or []
    if index >= len(steps):
        return []
    step = steps[index]
    args: list[str] = []
    if step.on_error:
        if step.on_error not in (_ON_ERROR_CONTINUE, _ON_ERROR_STOP_AND_FAIL):
            raise ValueError(
                f'task step onError must be either "{_ON_ERROR_CONTINUE}" or '
                f'"{_ON_ERROR_STOP_AND_FAIL}" but it is set to an invalid value "{step.on_error}"'
            )
        args += ["-on_error", step.on_error]
    if step.timeout is not None:
        args += ["-timeout", format_duration_ns(parse_duration_ns(step.timeout))]
    if step.stdout_config is not None:
        args += ["-stdout_path", step.stdout_config.path]
    if step.stderr_config is not None:
        args += ["-stderr_path", step.stderr_config.path]
    args += step_result_argument(step.results)
    if step.when:
        args += ["--when_expressions", _when_json(step.when)]
    return args


def order_containers(
    common_args: Sequence[str],
    steps: Sequence[JsonDict],
    spec: TaskSpec | None,
    debug: TaskRunDebug | None,
    *,
    wait_for_ready_annotation: bool,
    keep_pod_on_cancel: bool,
) -> list[JsonDict]:
    """``orderContainers``: each step container rewritten to run the entrypoint.

    Step ``i`` waits for step ``i-1``'s post file (the first step, when it must, for the
    Downward API ``ready`` file to have content), posts ``/tekton/run/<i>/out``, and runs
    the original ``command[0]`` (``-entrypoint``) with the rest of the command and the
    args after ``--``. The step's own Tekton fields (``onError``, ``timeout``, stdout/
    stderr paths, step results, ``when``) come from ``spec.steps[i]``; the task results are
    listed for every step. A step without ``command`` gets no ``-entrypoint``: the
    entrypoint then takes the command from ``TEKTON_PLATFORM_COMMANDS`` (or, in Tektite,
    from its first argument).

    Raises ``ValueError`` with Tekton's message for no steps or an invalid ``onError``.
    """
    if not steps:
        raise ValueError("no steps specified")
    ordered: list[JsonDict] = []
    for i, step in enumerate(steps):
        args: list[str] = []
        if i == 0:
            if wait_for_ready_annotation:
                args += [
                    "-wait_file",
                    f"{DOWNWARD_MOUNT_POINT}/{_DOWNWARD_READY_FILE}",
                    "-wait_file_content",
                ]
        else:
            args += ["-wait_file", f"{RUN_DIR}/{i - 1}/out"]
        args += [
            "-post_file",
            f"{RUN_DIR}/{i}/out",
            "-termination_path",
            TERMINATION_PATH,
            "-step_metadata_dir",
            f"{RUN_DIR}/{i}/status",
        ]
        args += common_args
        if spec is not None:
            args += _step_spec_arguments(spec, i)
            args += result_argument(spec.results)
        if needs_debug_on_failure(debug):
            args.append("-breakpoint_on_failure")
        if needs_debug_before_step(debug, step.get("name", "")):
            args.append("-debug_before_step")
        command: list[str] = list(step.get("command") or [])
        step_args: list[str] = list(step.get("args") or [])
        if command:
            args += ["-entrypoint", command[0]]
            step_args = command[1:] + step_args
        args.append("--")
        args += step_args

        container = dict(step)
        container["command"] = [ENTRYPOINT_BINARY]
        container["args"] = args
        container["terminationMessagePath"] = TERMINATION_PATH
        if (i == 0 and wait_for_ready_annotation) or keep_pod_on_cancel:
            container["volumeMounts"] = [*(step.get("volumeMounts") or []), downward_mount()]
        ordered.append(container)
    return ordered
