"""Result references: ``$(tasks.<t>.results.<r>...)`` and friends.

Port of Tekton's ``pkg/apis/pipeline/v1/resultref.go`` and ``pkg/internal/resultref``:
parsing of task/finally result references (``[i]``, ``[*]``, ``.key``), step result
references (``$(steps.<s>.results.<r>)``), execution-status references
(``tasks.<t>.status``, ``tasks.<t>.reason``, ``tasks.status``) and the result-name rule.

Functions taking *expressions* expect reference bodies without ``$(`` and ``)``, as
returned by :func:`tektite.api.variables.get_var_substitution_expressions`. As in
Tekton, result references are dot-separated only: there is no bracket form such as
``tasks.t.results["r"]`` (the generic reference regex does not even match it).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Literal

import msgspec

from tektite.api.variables import (
    ARRAY_INDEXING_RE,
    VariableError,
    extract_index,
    get_var_substitution_expressions,
    strip_var_sub_expression,
)

__all__ = [
    "OBJECT_RESULT_EXPRESSION_FORMAT",
    "OBJECT_STEP_RESULT_EXPRESSION_FORMAT",
    "PIPELINE_TASKS_AGGREGATE_STATUS",
    "RESULT_EXPRESSION_FORMAT",
    "RESULT_FINALLY_PART",
    "RESULT_NAME_FORMAT",
    "RESULT_NAME_RE",
    "RESULT_RESULT_PART",
    "RESULT_STEP_PART",
    "RESULT_TASK_PART",
    "STEP_RESULT_EXPRESSION_FORMAT",
    "STEP_RESULT_NOT_ALLOWED_MESSAGE",
    "STEP_RESULT_RE",
    "ParsedResult",
    "ResultRef",
    "ResultRefError",
    "contains_execution_status_ref",
    "contains_execution_status_references",
    "contains_step_result_ref",
    "execution_status_task_name",
    "extract_step_result_name",
    "is_valid_result_name",
    "looks_like_contains_result_refs",
    "looks_like_result_ref",
    "looks_like_step_result_ref",
    "new_result_refs",
    "parse_result_name",
    "parse_step_expression",
    "parse_task_and_result_name",
    "parse_task_expression",
    "result_refs_in_strings",
    "task_contains_result",
    "validate_no_step_result_reference",
]

RESULT_TASK_PART = "tasks"
RESULT_FINALLY_PART = "finally"
RESULT_RESULT_PART = "results"
RESULT_STEP_PART = "steps"
PIPELINE_TASKS_AGGREGATE_STATUS = "tasks.status"

RESULT_EXPRESSION_FORMAT = "tasks.<taskName>.results.<resultName>"
STEP_RESULT_EXPRESSION_FORMAT = "steps.<stepName>.results.<resultName>"
OBJECT_RESULT_EXPRESSION_FORMAT = (
    "tasks.<taskName>.results.<objectResultName>.<individualAttribute>"
)
OBJECT_STEP_RESULT_EXPRESSION_FORMAT = (
    "steps.<stepName>.results.<objectResultName>.<individualAttribute>"
)

RESULT_NAME_FORMAT = r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"
"""Tekton's ``ResultNameFormat``, verbatim (it appears in error details)."""

# fullmatch instead of the anchors: Python's "$" would also accept a trailing newline.
RESULT_NAME_RE = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")

STEP_RESULT_RE = re.compile(r"\$\(steps\..*?\.results\..*?\)")
"""Finds step-result usages ``$(steps.<s>.results.<r>...)`` in any string."""

_STEP_RESULT_NAME_RE = re.compile(r"\$\(steps\.(.*?)\.results\.(.*?)\)")

STEP_RESULT_NOT_ALLOWED_MESSAGE = (
    "stepResult substitutions are only allowed in env, command and args. Found usage in"
)

_ALL_FORMS_MESSAGE = (
    f'must be one of the form 1). "{RESULT_EXPRESSION_FORMAT}"; '
    f'2). "{OBJECT_RESULT_EXPRESSION_FORMAT}"; 3). "{STEP_RESULT_EXPRESSION_FORMAT}"; '
    f'4). "{OBJECT_STEP_RESULT_EXPRESSION_FORMAT}"'
)
_TASK_FORMS_MESSAGE = (
    f'must be one of the form 1). "{RESULT_EXPRESSION_FORMAT}"; '
    f'2). "{OBJECT_RESULT_EXPRESSION_FORMAT}"'
)
_STEP_FORMS_MESSAGE = (
    f'must be one of the form 1). "{STEP_RESULT_EXPRESSION_FORMAT}"; '
    f'2). "{OBJECT_STEP_RESULT_EXPRESSION_FORMAT}"'
)


class ResultRefError(ValueError):
    """An expression is not a (well-formed) result reference; ``str()`` is Tekton's text."""


ResultType = Literal["string", "array", "object"]


class ParsedResult(msgspec.Struct, frozen=True):
    """A parsed ``tasks.``/``finally.``/``steps.`` result reference.

    ``array_idx`` is set for ``[i]``; ``[*]`` gives type ``array`` with no index;
    ``object_key`` is set for ``.key``.
    """

    resource_name: str
    result_name: str
    result_type: ResultType
    array_idx: int | None = None
    object_key: str = ""


class ResultRef(msgspec.Struct, frozen=True):
    """A reference to a pipeline task's result (Tekton's ``ResultRef``)."""

    pipeline_task: str
    result: str
    results_index: int | None = None
    property: str = ""


def is_valid_result_name(name: str) -> bool:
    """True if ``name`` satisfies :data:`RESULT_NAME_FORMAT`."""
    return RESULT_NAME_RE.fullmatch(name) is not None


def looks_like_result_ref(expression: str) -> bool:
    """``tasks.<t>.results.<r>...`` or ``finally.<t>.results.<r>...`` (≥ 4 components)."""
    parts = expression.split(".")
    return (
        len(parts) >= 4
        and parts[0] in (RESULT_TASK_PART, RESULT_FINALLY_PART)
        and parts[2] == RESULT_RESULT_PART
    )


def looks_like_step_result_ref(expression: str) -> bool:
    """``steps.<s>.results.<r>...`` (≥ 4 components)."""
    parts = expression.split(".")
    return len(parts) >= 4 and parts[0] == RESULT_STEP_PART and parts[2] == RESULT_RESULT_PART


def looks_like_contains_result_refs(expressions: Iterable[str]) -> bool:
    """True if any expression looks like a task/finally result reference."""
    return any(looks_like_result_ref(e) for e in expressions)


def parse_result_name(result_name: str) -> tuple[str, str]:
    """Split an index suffix off a result name: ``r[1]`` → ``("r", "1")``, ``r[*]`` → ``"*"``."""
    match = ARRAY_INDEXING_RE.search(result_name)
    index = match.group(0).removeprefix("[").removesuffix("]") if match else ""
    return ARRAY_INDEXING_RE.sub("", result_name), index


def _go_atoi_or_zero(s: str) -> int:
    # Tekton ignores the strconv.Atoi error here, which leaves the index at 0.
    try:
        return extract_index(s)
    except ValueError:
        return 0


def _parse_expression(expression: str) -> ParsedResult:
    parts = expression.split(".")
    if len(parts) == 4:
        name, index = parse_result_name(parts[3])
        if index == "*":
            return ParsedResult(parts[1], name, "array")
        if index:
            return ParsedResult(parts[1], name, "array", array_idx=_go_atoi_or_zero(index))
        return ParsedResult(parts[1], name, "string")
    if len(parts) == 5:
        return ParsedResult(parts[1], parts[3], "object", object_key=parts[4])
    raise ResultRefError(_ALL_FORMS_MESSAGE)


def parse_task_expression(expression: str) -> ParsedResult:
    """Parse a ``tasks.``/``finally.`` result reference body; raise :class:`ResultRefError`."""
    if not looks_like_result_ref(expression):
        raise ResultRefError(_TASK_FORMS_MESSAGE)
    return _parse_expression(expression)


def parse_step_expression(expression: str) -> ParsedResult:
    """Parse a ``steps.<s>.results.<r>...`` body; raise :class:`ResultRefError`."""
    if not looks_like_step_result_ref(expression):
        raise ResultRefError(_STEP_FORMS_MESSAGE)
    return _parse_expression(expression)


def new_result_refs(expressions: Iterable[str]) -> list[ResultRef]:
    """Turn the result-reference expressions among ``expressions`` into ResultRefs.

    Expressions that are not result references (params, context, malformed refs) are
    skipped silently, as in Tekton.
    """
    refs: list[ResultRef] = []
    for expression in expressions:
        if not looks_like_result_ref(expression):
            continue
        try:
            parsed = _parse_expression(expression)
        except ResultRefError:
            continue
        refs.append(
            ResultRef(
                pipeline_task=parsed.resource_name,
                result=parsed.result_name,
                results_index=parsed.array_idx,
                property=parsed.object_key,
            )
        )
    return refs


def result_refs_in_strings(values: Iterable[str]) -> list[ResultRef]:
    """All result references found in ``values``, in order (duplicates kept)."""
    return new_result_refs(e for v in values for e in get_var_substitution_expressions(v))


def contains_execution_status_ref(expression: str) -> bool:
    """``tasks.<t>.status``, ``tasks.<t>.reason`` or ``tasks.status`` (Tekton's loose test)."""
    return expression.startswith("tasks.") and (
        expression.endswith(".status") or expression.endswith(".reason")
    )


def contains_execution_status_references(expressions: Collection[str]) -> bool:
    """True if there is an execution-status reference and *no* result reference.

    Tekton skips the check entirely when any expression looks like a result reference
    (``tasks.a.results.status`` would otherwise match); this reproduces that.
    """
    if looks_like_contains_result_refs(expressions):
        return False
    return any(contains_execution_status_ref(e) for e in expressions)


def execution_status_task_name(expression: str) -> str:
    """``tasks.<t>.status`` / ``tasks.<t>.reason`` → ``<t>``."""
    name = expression.removeprefix("tasks.")
    if expression.endswith(".status"):
        return name.removesuffix(".status")
    return name.removesuffix(".reason")


def parse_task_and_result_name(expressions: Iterable[str]) -> tuple[str, str]:
    """Find a matrix length reference: ``tasks.<t>.matrix.length`` → ``(t, "")``,
    ``tasks.<t>.matrix.<r>.length`` → ``(t, r)``; ``("", "")`` when there is none."""
    for expression in expressions:
        parts = expression.split(".")
        if parts[0] != RESULT_TASK_PART or len(parts) not in (4, 5):
            continue
        if parts[2] == "matrix" and parts[-1] == "length":
            return parts[1], (parts[3] if len(parts) == 5 else "")
    return "", ""


def task_contains_result(
    result_expression: str, task_names: Collection[str], finally_names: Collection[str]
) -> bool:
    """Tekton's check that a pipeline result value only references existing tasks.

    The value is split on ``$`` and every piece must parse as a task/finally result
    reference naming a task of the matching section. Text before the first ``$`` fails;
    text after a reference is tolerated (it ends up in the parsed result name).
    """
    for piece in result_expression.split("$"):
        if not piece:
            continue
        value = strip_var_sub_expression("$" + piece)
        try:
            parsed = parse_task_expression(value)
        except ResultRefError:
            return False
        if value.startswith("tasks") and parsed.resource_name not in task_names:
            return False
        if value.startswith("finally") and parsed.resource_name not in finally_names:
            return False
    return True


def contains_step_result_ref(value: str) -> bool:
    """True if ``value`` uses ``$(steps.<s>.results.<r>...)``."""
    return "$(steps." in value and STEP_RESULT_RE.search(value) is not None


def validate_no_step_result_reference(value: str) -> VariableError | None:
    """Error for a step-result reference in a field other than env/command/args.

    The caller puts the field name (``name``, ``image``, ``script``, ``workingDir``,
    ``volumeMounts.mountPath`` ...) in the error's path.
    """
    if contains_step_result_ref(value):
        return VariableError(STEP_RESULT_NOT_ALLOWED_MESSAGE)
    return None


def extract_step_result_name(value: str) -> tuple[str, str]:
    """``$(steps.<s>.results.<r>)`` → ``(s, r)`` for a task result's ``value``.

    Raises :class:`ResultRefError` with Tekton's message when nothing matches.
    """
    match = _STEP_RESULT_NAME_RE.search(value)
    if match is None:
        raise ResultRefError(
            "Could not extract step name and result name. Expected value to look like "
            f'$(steps.<stepName>.results.<resultName>) but got "{value}"'
        )
    return match.group(1), match.group(2)
