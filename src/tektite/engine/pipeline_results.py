"""Task results inside a PipelineRun: resolving ``$(tasks.<t>.results.<r>...)``.

Port of Tekton's ``resultrefresolution.go``, of ``CheckMissingResultReferences``
(``pipelinerunresolution.go``), ``GetTaskRunsResults`` (``pipelinerunstate.go``) and
``ApplyTaskResultsToPipelineResults`` (``apply.go``). Substituting the values into a
PipelineTask is :mod:`tektite.engine.pipeline_apply`'s job.

Results come from the producers' finished TaskRuns (``status.results``); a failed
TaskRun's results are usable too. A matrixed producer's string results are gathered
into one array per result name, in the order of its TaskRuns sorted by name (Tekton
sorts them so, lexicographically: ``x-10`` comes before ``x-2``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import cast

import msgspec

from tektite.api.models import (
    Artifact,
    Artifacts,
    PipelineResult,
    PipelineRunResult,
    PipelineTask,
    RunResult,
    TaskRun,
)
from tektite.api.resultref import (
    ResultRef,
    looks_like_contains_result_refs,
    parse_result_name,
)
from tektite.api.validation.pipeline import pipeline_task_result_refs
from tektite.api.validation.when import when_expression_variables
from tektite.api.variables import (
    ParamValue,
    apply_param_value_replacements,
    go_quote,
    param_value_expressions,
    strip_star_var_sub_expression,
)
from tektite.engine.pipeline_apply import (
    ResolvedResult,
    apply_task_results,
    is_matrixed,
    result_replacements,
)
from tektite.engine.pipeline_facts import (
    PipelineRunFacts,
    PipelineTaskState,
    is_child_pipeline,
    is_failure,
    is_successful,
    task_name,
)

__all__ = [
    "INVALID_TASK_RESULT_REFERENCE",
    "MissingResultFromCompletedTaskError",
    "ResolvedResultRef",
    "UnresolvedResultError",
    "apply_task_results_to_pipeline_results",
    "check_missing_result_references",
    "get_task_runs_artifacts",
    "get_task_runs_results",
    "has_result_references",
    "resolution_view",
    "resolve_result_refs",
    "results_cache",
    "results_index_error",
    "substitute_results",
    "validate_array_results_index",
]

INVALID_TASK_RESULT_REFERENCE = "Invalid task result reference"
"""Tekton's ``ErrInvalidTaskResultReference`` text."""


class UnresolvedResultError(ValueError):
    """A result reference could not be resolved; ``pipeline_task`` names the producer."""

    def __init__(self, message: str, pipeline_task: str) -> None:
        super().__init__(message)
        self.pipeline_task = pipeline_task


class MissingResultFromCompletedTaskError(ValueError):
    """A producer succeeded but did not emit a result another task references."""

    def __init__(self, task: str, result: str, target: str) -> None:
        super().__init__(
            f"task {go_quote(task)} completed successfully but did not emit the result "
            f"{go_quote(result)}, which is referenced by task {go_quote(target)}"
        )
        self.task = task
        self.result = result
        self.target = target


class ResolvedResultRef(msgspec.Struct, frozen=True):
    """A result reference with the value found for it and the TaskRun it came from."""

    value: ParamValue
    reference: ResultRef
    from_task_run: str


# -- reading results from TaskRuns -----------------------------------------------------------


def _run_results(taskrun: TaskRun) -> list[RunResult]:
    return list((taskrun.status.results if taskrun.status else None) or ())


def _find_result(taskrun: TaskRun, name: str) -> ParamValue | None:
    for result in _run_results(taskrun):
        if result.name == name:
            return cast(ParamValue, result.value)
    return None


def results_cache(task: PipelineTaskState) -> dict[str, list[str]]:
    """A task's string results across all its TaskRuns (Tekton's ``ResultsCache``).

    TaskRuns are taken in name order; a non-string result contributes ``""``, as the Go
    code reads ``StringVal``.
    """
    cache: dict[str, list[str]] = {}
    for taskrun in _sorted_task_runs(task):
        for result in _run_results(taskrun):
            value = result.value if isinstance(result.value, str) else ""
            cache.setdefault(result.name, []).append(value)
    return cache


def _sorted_task_runs(task: PipelineTaskState) -> list[TaskRun]:
    return sorted(task.task_runs, key=lambda tr: tr.metadata.name)


# -- resolution -----------------------------------------------------------------------------


def _resolve_one(
    tasks_by_name: Mapping[str, PipelineTaskState], ref: ResultRef
) -> list[ResolvedResultRef]:
    producer = tasks_by_name.get(ref.pipeline_task)
    if producer is None:
        raise UnresolvedResultError(
            f"could not find task {go_quote(ref.pipeline_task)} referenced by result",
            ref.pipeline_task,
        )
    if not is_successful(producer) and not is_failure(producer):
        raise UnresolvedResultError(
            f"task {go_quote(task_name(producer))} referenced by result was not finished",
            ref.pipeline_task,
        )
    if is_child_pipeline(producer):
        # Admission refuses such references (child pipelines' results are not
        # propagated); Tekton would crash on one, here it is a missing result.
        raise UnresolvedResultError(
            f"{INVALID_TASK_RESULT_REFERENCE}: Could not find result with name {ref.result} "
            f"for pipeline task {ref.pipeline_task}",
            ref.pipeline_task,
        )
    if is_matrixed(producer.pipeline_task):
        values = results_cache(producer).get(ref.result)
        if values is None:
            raise UnresolvedResultError(
                f"{INVALID_TASK_RESULT_REFERENCE}: Could not find result with name "
                f"{ref.result} for task {ref.pipeline_task}",
                ref.pipeline_task,
            )
        return [
            ResolvedResultRef(list(values), ref, taskrun.metadata.name)
            for taskrun in _sorted_task_runs(producer)
        ]
    taskrun = producer.task_runs[0]
    value = _find_result(taskrun, ref.result)
    if value is None:
        raise UnresolvedResultError(
            f"{INVALID_TASK_RESULT_REFERENCE}: Could not find result with name {ref.result} "
            f"for pipeline task {ref.pipeline_task}",
            ref.pipeline_task,
        )
    return [ResolvedResultRef(value, ref, taskrun.metadata.name)]


def _remove_duplicates(refs: Iterable[ResolvedResultRef]) -> list[ResolvedResultRef]:
    # The last value found for a reference wins (a matrixed producer yields one entry per
    # TaskRun, all with the same aggregated value). Tekton's order comes from a map and a
    # non-strict sort; sorting by task and result name is its intent.
    unique: dict[ResultRef, ResolvedResultRef] = {}
    for ref in refs:
        unique[ref.reference] = ref
    return sorted(unique.values(), key=lambda r: (r.reference.pipeline_task, r.reference.result))


def resolve_result_refs(
    tasks_by_name: Mapping[str, PipelineTaskState], target: PipelineTask
) -> list[ResolvedResultRef]:
    """Resolve every task result reference of ``target`` (Tekton's ``ResolveResultRefs``).

    References are found in params, matrix params, when expressions and an embedded
    task spec. The producer must be finished (succeeded or failed). Raises
    :class:`UnresolvedResultError` at the first reference that cannot be resolved.
    """
    resolved: list[ResolvedResultRef] = []
    for ref in pipeline_task_result_refs(target):
        resolved.extend(_resolve_one(tasks_by_name, ref))
    return _remove_duplicates(resolved)


def validate_array_results_index(refs: Iterable[ResolvedResultRef]) -> str | None:
    """The error for an ``[i]`` reference beyond the end of an array result, if any."""
    for ref in refs:
        index = ref.reference.results_index
        if isinstance(ref.value, list) and index is not None and index >= len(ref.value):
            return (
                f"array Result Index {index} for Task {ref.reference.pipeline_task} Result "
                f"{ref.reference.result} is out of bound of size {len(ref.value)}"
            )
    return None


def check_missing_result_references(
    tasks_by_name: Mapping[str, PipelineTaskState], target: PipelineTask
) -> str | None:
    """The validation error that stops ``target`` from being created, if any.

    Tekton's ``CheckMissingResultReferences``: run for every task about to be
    scheduled; an error marks the task validation-failed, and the PipelineRun ends
    ``PipelineValidationFailed`` with this text in its message.
    """
    for ref in pipeline_task_result_refs(target):
        producer = tasks_by_name.get(ref.pipeline_task)
        if producer is None:
            return (
                f'Result reference error: Could not find ref "{ref.pipeline_task}" '
                "in internal pipelineRunState"
            )
        if not producer.task_runs:
            return (
                f'Result reference error: Internal result ref "{ref.pipeline_task}" '
                "has zero-length TaskRuns"
            )
        if _find_result(producer.task_runs[0], ref.result) is None:
            if is_successful(producer):
                return str(
                    MissingResultFromCompletedTaskError(ref.pipeline_task, ref.result, target.name)
                )
            return (
                f"{INVALID_TASK_RESULT_REFERENCE}: Could not find result with name "
                f"{ref.result} for pipeline task {ref.pipeline_task}"
            )
    return None


def has_result_references(pt: PipelineTask) -> bool:
    """Tekton's ``hasResultReferences``: a result reference in params or when.

    Matrix params are not looked at: Tekton appends ``Params`` where it meant
    ``Matrix.Params``, so a reference only in the matrix does not count here.
    """
    for param in pt.params or ():
        if looks_like_contains_result_refs(param_value_expressions(cast(ParamValue, param.value))):
            return True
    return any(
        looks_like_contains_result_refs(when_expression_variables(we)) for we in pt.when or ()
    )


# -- substitution ------------------------------------------------------------------------------


def substitute_results(pt: PipelineTask, refs: Iterable[ResolvedResultRef]) -> PipelineTask:
    """``pt`` with the resolved values substituted (Tekton's ``ApplyTaskResults``)."""
    values = [ResolvedResult(r.reference.pipeline_task, r.reference.result, r.value) for r in refs]
    if not values:
        return pt
    return apply_task_results(pt, *result_replacements(values))


def resolution_view(facts: PipelineRunFacts, task: PipelineTaskState) -> PipelineTask:
    """The task as Tekton's ``ResolvePipelineTask`` leaves it for this pass.

    Its result references are substituted when every one of them resolves, and left as
    they are otherwise (a skip decision or the scheduler deals with that later).
    """
    name = task_name(task)
    view = facts.view_cache.get(name)
    if view is None:
        try:
            refs = resolve_result_refs(facts.by_name, task.pipeline_task)
        except UnresolvedResultError:
            view = task.pipeline_task
        else:
            view = substitute_results(task.pipeline_task, refs)
        facts.view_cache[name] = view
    return view


def results_index_error(facts: PipelineRunFacts) -> str | None:
    """An ``[i]`` reference past the end of an array result, in the first task that has one.

    Tekton checks this while resolving each task; the PipelineRun then fails
    ``PipelineValidationFailed`` with ``[User error] PipelineRun <ns>/<name> can't be
    Run; couldn't resolve all references: <this text>``.
    """
    for task in facts.state:
        try:
            refs = resolve_result_refs(facts.by_name, task.pipeline_task)
        except UnresolvedResultError:
            continue
        error = validate_array_results_index(refs)
        if error is not None:
            return error
    return None


# -- results visible to pipeline results ------------------------------------------------------


def _reaches_matrix_producer(
    tasks_by_name: Mapping[str, PipelineTaskState], consumer: PipelineTask, producer: str
) -> bool:
    """Whether resolving ``consumer``'s references gets as far as ``producer``.

    Tekton only builds a matrixed task's aggregated results when some consumer's
    resolution reaches it in the same reconcile pass, and ``GetTaskRunsResults`` reads
    that cache: without such a consumer, the pipeline results see none.
    """
    for ref in pipeline_task_result_refs(consumer):
        if ref.pipeline_task == producer:
            referenced = tasks_by_name.get(producer)
            return referenced is not None and (is_successful(referenced) or is_failure(referenced))
        try:
            _resolve_one(tasks_by_name, ref)
        except UnresolvedResultError:
            return False
    return False


def get_task_runs_results(facts: PipelineRunFacts) -> dict[str, list[RunResult]]:
    """Results of every finished (succeeded or failed) task, by pipeline task name.

    Tekton's ``GetTaskRunsResults``: a matrixed task contributes one array per result
    name, and only when one of the tasks in the state consumes its results (see
    :func:`_reaches_matrix_producer`).
    """
    out: dict[str, list[RunResult]] = {}
    by_name = facts.by_name
    for task in facts.state:
        name = task_name(task)
        if is_child_pipeline(task):
            # Results of child pipelines are not propagated (Tekton's limitation).
            continue
        if not is_successful(task) and not is_failure(task):
            continue
        if not is_matrixed(task.pipeline_task):
            out[name] = _run_results(task.task_runs[0])
            continue
        if not any(
            _reaches_matrix_producer(by_name, other.pipeline_task, name) for other in facts.state
        ):
            continue
        aggregated = [
            RunResult(name=result, type="array", value=values)
            for result, values in results_cache(task).items()
        ]
        if aggregated:
            out[name] = aggregated
    return out


def _merge_artifacts(into: dict[str, Artifact], found: Iterable[Artifact] | None) -> None:
    """``Artifacts.Merge`` for one direction: values by artifact name, without repeats
    (``buildOutput`` only ever turns on)."""
    for artifact in found or ():
        merged = into.setdefault(artifact.name, Artifact(name=artifact.name, values=[]))
        merged.build_output = merged.build_output or artifact.build_output
        values = merged.values if merged.values is not None else []
        for value in artifact.values or ():
            if value not in values:
                values.append(value)
        merged.values = values


def get_task_runs_artifacts(facts: PipelineRunFacts) -> dict[str, Artifacts | None]:
    """Artifacts of every finished (succeeded or failed) task, by pipeline task name
    (Tekton's ``GetTaskRunsArtifacts``): a matrixed task's runs merged."""
    out: dict[str, Artifacts | None] = {}
    for task in facts.state:
        if is_child_pipeline(task) or (not is_successful(task) and not is_failure(task)):
            continue
        if not is_matrixed(task.pipeline_task):
            status = task.task_runs[0].status
            out[task_name(task)] = status.artifacts if status else None
            continue
        inputs: dict[str, Artifact] = {}
        outputs: dict[str, Artifact] = {}
        for taskrun in task.task_runs:
            found = taskrun.status.artifacts if taskrun.status else None
            if found is not None:
                _merge_artifacts(inputs, found.inputs)
                _merge_artifacts(outputs, found.outputs)
        out[task_name(task)] = Artifacts(
            inputs=list(inputs.values()) or None, outputs=list(outputs.values()) or None
        )
    return out


def _task_result_value(
    task: str, result: str, task_run_results: Mapping[str, Sequence[RunResult]]
) -> ParamValue | None:
    for run_result in task_run_results.get(task, ()):
        if run_result.name == result:
            return cast(ParamValue, run_result.value)
    return None


def _go_atoi(text: str) -> int:
    # strconv.Atoi with the error ignored: anything but digits gives 0.
    return int(text) if text.isdigit() else 0


def apply_task_results_to_pipeline_results(
    results: Sequence[PipelineResult],
    task_run_results: Mapping[str, Sequence[RunResult]],
    task_status: Mapping[str, str],
) -> tuple[list[PipelineRunResult], str | None]:
    """Compute the PipelineRun's results (Tekton's ``ApplyTaskResultsToPipelineResults``).

    ``task_status`` maps ``tasks.<t>.status`` to ``Succeeded``/``Failed``/``None``. A
    result whose producer did not succeed and left the value missing is omitted
    silently; any other unresolvable reference omits the result and yields the error
    text (the caller fails the run with ``CouldntGetPipelineResult``). Results without
    any reference are not reported at all.
    """
    run_results: list[PipelineRunResult] = []
    invalid: list[str] = []
    strings: dict[str, str] = {}
    arrays: dict[str, list[str]] = {}
    objects: dict[str, dict[str, str]] = {}
    for pipeline_result in results:
        variables = param_value_expressions(cast(ParamValue, pipeline_result.value))
        if not variables:
            continue
        valid = True
        for variable in variables:
            if variable in strings or variable in arrays or variable in objects:
                continue
            parts = variable.split(".")
            # Tekton indexes parts[2] unchecked (a panic); such a reference is invalid.
            if parts[0] not in ("tasks", "finally") or len(parts) < 3 or parts[2] != "results":
                valid = False
                invalid.append(pipeline_result.name)
                continue
            if len(parts) == 4:
                result_name, index = parse_result_name(parts[3])
                value = _task_result_value(parts[1], result_name, task_run_results)
                if value is None:
                    status = task_status.get(f"tasks.{parts[1]}.status")
                    if status is not None and status != "Succeeded":
                        valid = False
                        continue
                    invalid.append(pipeline_result.name)
                    valid = False
                elif isinstance(value, list):
                    if index != "*":
                        position = _go_atoi(index)
                        if position < len(value):
                            strings[variable] = value[position]
                        else:
                            invalid.append(pipeline_result.name)
                            valid = False
                    else:
                        arrays[strip_star_var_sub_expression(variable)] = value
                elif isinstance(value, dict):
                    objects[strip_star_var_sub_expression(variable)] = value
                else:
                    strings[variable] = value
            elif len(parts) == 5:
                result_name, _ = parse_result_name(parts[3])
                value = _task_result_value(parts[1], result_name, task_run_results)
                if value is None:
                    status = task_status.get(f"tasks.{parts[1]}.status")
                    if status is not None and status != "Succeeded":
                        valid = False
                        continue
                    invalid.append(pipeline_result.name)
                    valid = False
                elif isinstance(value, dict) and parts[4] in value:
                    strings[variable] = value[parts[4]]
                else:
                    invalid.append(pipeline_result.name)
                    valid = False
            else:
                invalid.append(pipeline_result.name)
                valid = False
        if valid:
            value = apply_param_value_replacements(
                cast(ParamValue, pipeline_result.value), strings, arrays, objects
            )
            run_results.append(PipelineRunResult(name=pipeline_result.name, value=value))
    if invalid:
        names = " ".join(invalid)
        return run_results, f"invalid pipelineresults [{names}], the referenced results don't exist"
    return run_results, None
