"""Matrix fan-out: Tekton's ``Matrix.FanOut`` and ``Matrix.CountCombinations``.

A matrixed PipelineTask runs once per combination of its ``matrix.params`` values,
adjusted by ``matrix.include``. The algorithm and its quirks are Tekton's
(``pkg/apis/pipeline/v1/matrix_types.go``), because users see the resulting order in
child run names (``<pr>-<task>-<i>``):

* combinations are built param by param, *outer* loop over the new param's values and
  *inner* loop over the combinations so far, so the first param varies fastest;
* a param without array values (``""`` or an object) yields no combinations, and the
  next param then starts afresh, exactly as Tekton's ``len(cs) == 0`` test does;
* every ``include`` entry is merged into each combination whose shared keys all have
  the same values, then appended as a new combination if none of its name=value pairs
  occurs in any combination (an include-only matrix yields the include entries);
* params inside a combination are ordered by name.

The engine uses :func:`fan_out` to create the child runs; validation uses
:func:`count_combinations` against ``default-max-matrix-combinations-count``.
"""

from __future__ import annotations

from tektite.api.models import Matrix, Param

__all__ = [
    "MAX_INT",
    "combinations",
    "count_combinations",
    "fan_out",
    "get_all_params",
    "has_include",
    "has_params",
]

MAX_INT = 2**63 - 1
"""Go's ``math.MaxInt`` on 64-bit platforms: the cap of a combination count."""

Combination = dict[str, str]


def has_params(matrix: Matrix | None) -> bool:
    """Whether the matrix has ``params`` (Tekton's ``Matrix.HasParams``)."""
    return matrix is not None and bool(matrix.params)


def has_include(matrix: Matrix | None) -> bool:
    """Whether the matrix has ``include`` entries (Tekton's ``Matrix.HasInclude``)."""
    return matrix is not None and bool(matrix.include)


def get_all_params(matrix: Matrix | None) -> list[Param]:
    """``matrix.params`` followed by every include entry's params."""
    params: list[Param] = []
    if matrix is None:
        return params
    params.extend(matrix.params or ())
    for include in matrix.include or ():
        params.extend(include.params or ())
    return params


def _array_values(param: Param) -> list[str]:
    # Tekton reads ArrayVal, which is empty for a string or object value.
    return param.value if isinstance(param.value, list) else []


def _string_value(param: Param) -> str:
    # Tekton reads StringVal, which is empty for an array or object value.
    return param.value if isinstance(param.value, str) else ""


def _include_combinations(matrix: Matrix) -> list[Combination]:
    return [
        {param.name: _string_value(param) for param in include.params or ()}
        for include in matrix.include or ()
    ]


def _fan_out_param(combos: list[Combination], param: Param) -> list[Combination]:
    values = _array_values(param)
    if not combos:
        return [{param.name: value} for value in values]
    return [{**combo, param.name: value} for value in values for combo in combos]


def _matches(combo: Combination, include: Combination) -> bool:
    """Every key the two share has the same value."""
    return all(combo.get(name, value) == value for name, value in include.items())


def _should_add(combos: list[Combination], include: Combination) -> bool:
    """No combination has any of the include's name=value pairs."""
    if not include:
        return False
    return not any(
        name in combo and combo[name] == value
        for combo in combos
        for name, value in include.items()
    )


def combinations(matrix: Matrix | None) -> list[Combination]:
    """The combinations of ``matrix`` in Tekton's order, each as ``name → value``."""
    if matrix is None:
        return []
    includes = _include_combinations(matrix)
    if has_include(matrix) and not has_params(matrix):
        return [dict(include) for include in includes]
    combos: list[Combination] = []
    for param in matrix.params or ():
        combos = _fan_out_param(combos, param)
    for combo in combos:
        for include in includes:
            if _matches(combo, include):
                combo.update(include)
    for include in includes:
        if _should_add(combos, include):
            combos.append(dict(include))
    return combos


def fan_out(matrix: Matrix | None) -> list[list[Param]]:
    """Tekton's ``Matrix.FanOut``: one list of string params (sorted by name) per run."""
    return [
        [Param(name=name, value=combo[name]) for name in sorted(combo)]
        for combo in combinations(matrix)
    ]


def _count_from_params(matrix: Matrix) -> int:
    if not has_params(matrix):
        return 0
    count = 1
    for param in matrix.params or ():
        length = len(_array_values(param))
        if length > 0:
            # Capped like Tekton so an absurd matrix is still rejected, not wrapped.
            if count > MAX_INT // length:
                return MAX_INT
            count *= length
    return count


def _count_from_include(matrix: Matrix) -> int:
    if not has_include(matrix):
        return 0
    if not has_params(matrix):
        return len(matrix.include or ())
    arrays = {param.name: _array_values(param) for param in matrix.params or ()}
    count = 0
    for include in matrix.include or ():
        # Tekton's loop: each include param whose value is missing from its matrix
        # param counts one new combination, until one is found that is present.
        for param in include.params or ():
            values = arrays.get(param.name)
            if values is None:
                continue
            if _string_value(param) in values:
                break
            if count == MAX_INT:
                return MAX_INT
            count += 1
    return count


def count_combinations(matrix: Matrix | None) -> int:
    """Tekton's ``Matrix.CountCombinations`` (an estimate used only for the limit check)."""
    if matrix is None:
        return 0
    count = _count_from_params(matrix)
    include_count = _count_from_include(matrix)
    if count > MAX_INT - include_count:
        return MAX_INT
    return count + include_count
