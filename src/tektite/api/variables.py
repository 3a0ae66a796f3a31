"""Variable references (``$(...)``): extraction, validation and replacement.

This is Tektite's equivalent of Tekton's ``pkg/substitution`` plus the few string
helpers around it that live in ``pkg/apis/pipeline/v1`` (``ParamValue.ApplyReplacements``,
``validateString``, ``ArrayReference`` ...). Everything here is pure string work: no I/O,
no models. A parameter value is represented as plain Python data, see :data:`ParamValue`.

Two families of functions:

* **validation helpers** used by the admission-style validators. They return a
  :class:`VariableError` (or ``None``); the caller wraps it into a ``FieldError`` and adds
  the field path, exactly as Tekton's webhook does with ``ViaField``.
* **replacement primitives** used by the substitution engine: :func:`apply_replacements`,
  :func:`apply_array_replacements` and :func:`apply_param_value_replacements`.

The ``prefix`` argument of the validation helpers is, as in Tekton, a *regular
expression fragment* (``"params"``, ``"context\\.taskRun"``, ``"params\\.myObject"``),
and it is echoed verbatim in the "Invalid referencing" message.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias

__all__ = [
    "ARRAY_INDEXING_RE",
    "EXACT_VARIABLE_SUBSTITUTION_RE",
    "INT_INDEX_RE",
    "PARAMS_PREFIX",
    "PARAM_INDEXING_RE",
    "VALID_PIPELINE_VARIABLE_PREFIXES",
    "VARIABLE_SUBSTITUTION_RE",
    "ParamValue",
    "VariableError",
    "apply_array_replacements",
    "apply_param_value_replacements",
    "apply_replacements",
    "array_reference",
    "extract_array_indexing_params_expressions",
    "extract_entire_variables_from_string",
    "extract_expression_from_string",
    "extract_index",
    "extract_index_string",
    "extract_variable_expressions",
    "extract_variables_from_string",
    "get_var_substitution_expressions",
    "go_quote",
    "is_exact_variable_reference",
    "param_value_expressions",
    "results_array_reference",
    "strip_star_var_sub_expression",
    "strip_var_sub_expression",
    "trim_array_index",
    "validate_no_references_to_entire_prohibited_variables",
    "validate_no_references_to_prohibited_variables",
    "validate_no_references_to_unknown_variables",
    "validate_no_references_to_unknown_variables_with_detail",
    "validate_variable_prefix",
    "validate_variable_reference_is_isolated",
    "validate_whole_array_or_object_ref_in_string_variable",
]

ParamValue: TypeAlias = str | list[str] | dict[str, str]
"""A Tekton ``ParamValue``: a string, an array of strings or an object of strings."""

PARAMS_PREFIX = "params"

VALID_PIPELINE_VARIABLE_PREFIXES = frozenset(
    {"params", "tasks", "finally", "context", "workspaces", "results"}
)
"""First components allowed for ``$(...)`` in pipeline task params and ``when``."""


@dataclass(frozen=True, slots=True)
class VariableError:
    """A validation failure, independent of the FieldError type.

    Tekton's helpers all return a FieldError with an empty path; the caller adds the
    path (``ViaField``), so only the message and details are carried here.
    """

    message: str
    details: str = ""


# --- regular expressions ---------------------------------------------------------------
#
# Tekton's generic expression regex is
#   \$\([_a-zA-Z0-9.-]+(\.[_a-zA-Z0-9.-]+)*(\[([0-9]+|\*)\])?\)
# Its character class already contains ".", so the "(\.[...]+)*" group adds nothing to the
# language; under Python's backtracking engine, though, it makes a long dotted run without
# a closing parenthesis take exponential time (Go's RE2 is linear). The simplified
# pattern below matches exactly the same substrings: the run of name characters is
# necessarily maximal because "[", "]" and ")" are not in the class.
_EXPRESSION_BODY = r"\$\([_a-zA-Z0-9.-]+(?:\[(?:[0-9]+|\*)\])?\)"

VARIABLE_SUBSTITUTION_RE = re.compile(_EXPRESSION_BODY)
"""Finds ``$(a.b.c)``, ``$(a.b[0])``, ``$(a.b[*])`` anywhere in a string."""

EXACT_VARIABLE_SUBSTITUTION_RE = re.compile(_EXPRESSION_BODY)
"""Use with ``fullmatch``: the whole string is one reference and nothing else."""

ARRAY_INDEXING_RE = re.compile(r"\[([0-9])*\*?\]")
"""Matches ``[i]`` and ``[*]`` suffixes (and, as in Tekton, ``[]``)."""

PARAM_INDEXING_RE = re.compile(
    r"""\$\(params(\.[_a-zA-Z0-9.-]+|\['[_a-zA-Z0-9.-\/]+'\]|\["[_a-zA-Z0-9.-\/]+"\])\[[0-9]+\]\)"""
)
"""Matches ``$(params.name[int])`` (bracket forms too). ``.-\\/`` is a range, as in Go."""

INT_INDEX_RE = re.compile(r"\[[0-9]+\]")

# Tekton's braceMatchingRegex with parameterSubstitution (".*?(\[\*\])?") filled in.
_PARAMETER_SUBSTITUTION = r".*?(\[\*\])?"
_BRACE_TEMPLATE = (
    r"(\$(\({prefix}(\.(?P<var1>{sub})|\[\"(?P<var2>{sub})\"\]|\['(?P<var3>{sub})'\])\)))"
)
_WHOLE_REF_SUBSTITUTION = r"[_a-zA-Z0-9.-]+\[\*\]"

_VAR_GROUPS = ("var1", "var2", "var3")


@lru_cache(maxsize=1024)
def _brace_regex(prefix: str) -> re.Pattern[str]:
    """Compile (once per prefix) the reference regex for ``prefix``; may raise re.error."""
    return re.compile(_BRACE_TEMPLATE.format(prefix=prefix, sub=_PARAMETER_SUBSTITUTION))


@lru_cache(maxsize=1024)
def _whole_ref_regex(prefix: str) -> re.Pattern[str]:
    """Regex for an isolated whole-array/object reference; used with ``fullmatch``."""
    return re.compile(_BRACE_TEMPLATE.format(prefix=prefix, sub=_WHOLE_REF_SUBSTITUTION))


def _go_regex_error(pattern: str, err: re.error) -> str:
    """Render a Python regex error the way Go's regexp package words it (best effort).

    Only reachable with a malformed ``prefix``; Tekton surfaces the Go text verbatim.
    """
    if err.msg == "multiple repeat" and err.pos is not None:
        start = end = err.pos
        while start > 0 and pattern[start - 1] in "*+?":
            start -= 1
        while end < len(pattern) and pattern[end] in "*+?":
            end += 1
        return f"error parsing regexp: invalid nested repetition operator: `{pattern[start:end]}`"
    return f"error parsing regexp: {err.msg}: `{pattern}`"


# --- Go string formatting ----------------------------------------------------------------

_GO_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(s: str) -> str:
    """Quote ``s`` like Go's ``%q`` / ``strconv.Quote``.

    Tekton formats values with ``%q``, so a script containing a newline appears in the
    message as ``"echo\\n"``; messages are asserted literally, so this must match.
    """
    if s.isprintable() and '"' not in s and "\\" not in s:
        return f'"{s}"'
    out = ['"']
    for ch in s:
        esc = _GO_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            if code < 0x80:
                out.append(f"\\x{code:02x}")
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


# --- extraction ----------------------------------------------------------------------------


def extract_variables_from_string(s: str, prefix: str) -> tuple[list[str], bool, str]:
    """Return ``(names, present, error)`` for the ``$(<prefix>...)`` references in ``s``.

    Names are what follows the prefix: ``params.foo`` → ``foo``; dot notation keeps only
    the first component (``params.obj.key`` → ``obj``); bracket notation keeps the whole
    quoted name. More than two dot components yields Tekton's "Invalid referencing"
    message (the names list is then only partially filled, as in Tekton).
    """
    if "$(" not in s:
        return [], False, ""
    try:
        regex = _brace_regex(prefix)
    except re.error:
        return [], False, ""
    matches = list(regex.finditer(s))
    if not matches:
        return [], False, ""
    names = [""] * len(matches)
    for i, match in enumerate(matches):
        dotted = match.group("var1") or ""
        if "." in dotted:
            parts = dotted.split(".")
            if len(parts) > 2:
                return (
                    names,
                    True,
                    f'Invalid referencing of parameters in "{s}"! Only two dot-separated '
                    f'components after the prefix "{prefix}" are allowed.',
                )
            names[i] = parts[0]
            continue
        for group in _VAR_GROUPS:
            value = match.group(group)
            if value:
                names[i] = value
                break
    return names, True, ""


def extract_entire_variables_from_string(s: str, prefix: str) -> list[str]:
    """Return the full referenced names (``obj``, ``obj.key``, ``arr[*]``) in ``s``.

    Raises ``re.error`` if ``prefix`` is not a valid regex fragment.
    """
    if "$(" not in s:
        return []
    names: list[str] = []
    for match in _brace_regex(prefix).finditer(s):
        name = ""
        for group in _VAR_GROUPS:
            value = match.group(group)
            if value:
                name = value
                break
        names.append(name)
    return names


def extract_expression_from_string(s: str, prefix: str) -> str:
    """Return the first whole ``$(<prefix>...)`` expression in ``s``, or ``""``."""
    if "$(" not in s:
        return ""
    match = _brace_regex(prefix).search(s)
    return match.group(0) if match else ""


def extract_variable_expressions(s: str, prefix: str) -> list[str]:
    """Return every whole ``$(<prefix>...)`` expression in ``s`` (e.g. ``$(params.a[*])``).

    Raises ``re.error`` if ``prefix`` is not a valid regex fragment.
    """
    if "$(" not in s:
        return []
    return [m.group(0) for m in _brace_regex(prefix).finditer(s)]


def extract_array_indexing_params_expressions(s: str) -> list[str]:
    """Return every ``$(params.name[int])`` expression in ``s``."""
    if "$(" not in s:
        return []
    return [m.group(0) for m in PARAM_INDEXING_RE.finditer(s)]


def get_var_substitution_expressions(value: str) -> list[str]:
    """Return the bodies of all generic references in ``value`` (``$(a.b)`` → ``a.b``).

    This is what Tekton's ``GetVarSubstitutionExpressions`` gathers per string.
    """
    if "$(" not in value:
        return []
    return [m.group(0)[2:-1] for m in VARIABLE_SUBSTITUTION_RE.finditer(value)]


def param_value_expressions(value: ParamValue) -> list[str]:
    """Return the reference bodies found in a param value (each item / member value)."""
    if isinstance(value, str):
        return get_var_substitution_expressions(value)
    items: Iterable[str] = value.values() if isinstance(value, dict) else value
    return [expr for item in items for expr in get_var_substitution_expressions(item)]


def is_exact_variable_reference(s: str) -> bool:
    """True if ``s`` is exactly one generic reference and nothing else."""
    return EXACT_VARIABLE_SUBSTITUTION_RE.fullmatch(s) is not None


def trim_array_index(s: str) -> str:
    """Remove every ``[i]`` / ``[*]`` from ``s``."""
    if "[" not in s:
        return s
    return ARRAY_INDEXING_RE.sub("", s)


def extract_index_string(s: str) -> str:
    """Return the leftmost ``[int]`` in ``s`` (brackets included), or ``""``."""
    match = INT_INDEX_RE.search(s)
    return match.group(0) if match else ""


_GO_ATOI_RE = re.compile(r"[+-]?[0-9]+")


def extract_index(s: str) -> int:
    """Return the integer of an ``[int]`` string; raise ``ValueError`` otherwise.

    Tekton's callers ignore the error and use 0; do the same with ``except ValueError``.
    """
    body = s.removeprefix("[").removesuffix("]")
    if _GO_ATOI_RE.fullmatch(body) is None:
        raise ValueError(f'strconv.Atoi: parsing "{body}": invalid syntax')
    return int(body)


def strip_var_sub_expression(expression: str) -> str:
    """``$(x)`` → ``x`` (only the delimiters that are present are removed)."""
    return expression.removeprefix("$(").removesuffix(")")


def strip_star_var_sub_expression(s: str) -> str:
    """``$(target[*])`` → ``target``; ``$(target[1])`` → ``target[1]``."""
    return s.removeprefix("$(").removesuffix(")").removesuffix("[*]")


def array_reference(a: str) -> str:
    """``$(params.arr[*])`` → ``arr`` (Tekton's ``ArrayReference``)."""
    return a.removeprefix("$(" + PARAMS_PREFIX + ".").removesuffix("[*])")


def results_array_reference(a: str) -> str:
    """``$(tasks.t.results.r[*])`` → ``tasks.t.results.r`` (``ResultsArrayReference``)."""
    return a.removeprefix("$(").removesuffix(")").removesuffix("[*]")


# --- validation ------------------------------------------------------------------------------


def validate_no_references_to_unknown_variables(
    value: str, prefix: str, names: Collection[str], *, with_detail: bool = False
) -> VariableError | None:
    """Reject references under ``prefix`` whose name is not in ``names``.

    Index suffixes are ignored (``$(params.arr[1])`` checks ``arr``). Messages:
    ``non-existent variable in "<value>"`` (with ``with_detail``:
    ``non-existent variable `<name>` in "<value>"``) or the "Invalid referencing" one.
    """
    found, present, error = extract_variables_from_string(value, prefix)
    if not present:
        return None
    if error:
        return VariableError(error)
    for name in found:
        name = trim_array_index(name)
        if name not in names:
            if with_detail:
                return VariableError(f"non-existent variable `{name}` in {go_quote(value)}")
            return VariableError(f"non-existent variable in {go_quote(value)}")
    return None


def validate_no_references_to_unknown_variables_with_detail(
    value: str, prefix: str, names: Collection[str]
) -> VariableError | None:
    """As :func:`validate_no_references_to_unknown_variables`, naming the variable."""
    return validate_no_references_to_unknown_variables(value, prefix, names, with_detail=True)


def validate_no_references_to_prohibited_variables(
    value: str, prefix: str, names: Collection[str]
) -> VariableError | None:
    """Reject any reference to a name in ``names`` except indexed ones (``arr[1]``).

    Used for array params in string-only fields: ``variable type invalid in "<value>"``.
    Note that ``$(params.obj.key)`` also counts as a reference to ``obj``.
    """
    found, present, error = extract_variables_from_string(value, prefix)
    if not present:
        return None
    if error:
        return VariableError(error)
    for name in found:
        if name.removesuffix("[*]") in names:
            return VariableError(f"variable type invalid in {go_quote(value)}")
    return None


def validate_no_references_to_entire_prohibited_variables(
    value: str, prefix: str, names: Collection[str]
) -> VariableError | None:
    """Reject whole references (``$(params.obj)``, ``$(params.obj[*])``) to ``names``.

    Member references such as ``$(params.obj.key)`` are allowed.
    """
    try:
        found = extract_entire_variables_from_string(value, prefix)
    except re.error as err:
        pattern = _BRACE_TEMPLATE.format(prefix=prefix, sub=_PARAMETER_SUBSTITUTION)
        return VariableError(
            "extractEntireVariablesFromString failed : failed to parse regex pattern: "
            + _go_regex_error(pattern, err)
        )
    for name in found:
        if name.removesuffix("[*]") in names:
            return VariableError(f"variable type invalid in {go_quote(value)}")
    return None


def validate_variable_reference_is_isolated(
    value: str, prefix: str, names: Collection[str]
) -> VariableError | None:
    """Require a reference to any of ``names`` to be the whole string.

    Used for array params in command/args items: ``$(params.arr)`` is fine,
    ``--x=$(params.arr)`` gives ``variable is not properly isolated in "<value>"``.
    """
    found, present, error = extract_variables_from_string(value, prefix)
    if not present:
        return None
    if error:
        return VariableError(error)
    first = extract_expression_from_string(value, prefix)
    for name in found:
        if name.removesuffix("[*]") in names and len(value) != len(first):
            return VariableError(f"variable is not properly isolated in {go_quote(value)}")
    return None


def validate_whole_array_or_object_ref_in_string_variable(
    name: str, value: str, prefix: str, names: Collection[str]
) -> tuple[bool, VariableError | None]:
    """Check a string param value that is exactly ``$(<prefix>.x[*])``.

    Returns ``(is_isolated, error)``. When the value is such an isolated whole reference,
    the referenced name must be in ``names``; the caller places the error at
    ``ViaFieldKey(prefix, name)`` (e.g. ``params[name]``), as Tekton does.
    """
    if "$(" not in value:
        return False, None
    try:
        regex = _whole_ref_regex(prefix)
    except re.error as err:
        return False, VariableError(f"Fail to parse the regex: {err}")
    if regex.fullmatch(value) is None:
        return False, None
    return True, validate_no_references_to_unknown_variables(value, prefix, names)


def validate_variable_prefix(expression: str) -> VariableError | None:
    """Check a pipeline-task reference body (``a.b.c``) starts with an allowed prefix.

    Used for pipeline task params and ``when``: shell ``$(cmd)`` there is a mistake.
    """
    if expression.split(".", 1)[0] in VALID_PIPELINE_VARIABLE_PREFIXES:
        return None
    return VariableError(
        f"invalid variable reference {go_quote('$(' + expression + ')')}, must start with a "
        "valid prefix: params, tasks, finally, context, workspaces, or results; if you meant "
        "a shell variable, use ${VAR} instead"
    )


# --- replacement -----------------------------------------------------------------------------


def apply_replacements(s: str, replacements: Mapping[str, str]) -> str:
    """Replace every whole ``$(key)`` token of ``s`` in a single left-to-right pass.

    Matches Go's ``strings.Replacer`` built from all ``$(key) → value`` pairs: a
    substituted value is never scanned again, so a value containing ``$(other)`` stays
    literal. Unknown references are left untouched. Where two keys could match at the
    same position (only possible when a key contains ``)``), the longer one wins; Go's
    choice there depends on map iteration order.
    """
    if not replacements or "$(" not in s:
        return s
    if any(")" in key for key in replacements):
        return _apply_replacements_general(s, replacements)
    # With no ")" inside keys, the only token that can start at a "$(" is the one ending
    # at the next ")", so one dictionary lookup per "$(" decides.
    parts: list[str] = []
    last = 0
    start = s.find("$(")
    while start != -1:
        end = s.find(")", start + 2)
        if end == -1:
            break
        value = replacements.get(s[start + 2 : end])
        if value is None:
            start = s.find("$(", start + 1)
            continue
        parts.append(s[last:start])
        parts.append(value)
        last = end + 1
        start = s.find("$(", last)
    if not parts:
        return s
    parts.append(s[last:])
    return "".join(parts)


def _apply_replacements_general(s: str, replacements: Mapping[str, str]) -> str:
    """Slow path of :func:`apply_replacements` for keys that contain ``)``."""
    # Python's alternation takes the first alternative that matches, so listing longer
    # tokens first gives longest-match semantics.
    tokens = sorted((f"$({key})" for key in replacements), key=len, reverse=True)
    regex = re.compile("|".join(map(re.escape, tokens)))
    return regex.sub(lambda m: replacements[m.group(0)[2:-1]], s)


def apply_array_replacements(
    s: str,
    string_replacements: Mapping[str, str],
    array_replacements: Mapping[str, Sequence[str]],
) -> list[str]:
    """Expand one list item: ``$(arr)`` or ``$(arr[*])`` becomes all elements of ``arr``.

    Any other item (including an array reference inside a longer string) gets ordinary
    string replacement and stays a single item. Objects are never expanded here: Tekton
    only promotes whole-object references in param values (see
    :func:`apply_param_value_replacements`).
    """
    if array_replacements and s.startswith("$(") and s.endswith(")"):
        key = s[2:-1]
        array = array_replacements.get(key)
        if array is None and key.endswith("[*]"):
            array = array_replacements.get(key[:-3])
        if array is not None:
            return list(array)
    return [apply_replacements(s, string_replacements)]


def apply_param_value_replacements(
    value: ParamValue,
    string_replacements: Mapping[str, str],
    array_replacements: Mapping[str, Sequence[str]],
    object_replacements: Mapping[str, Mapping[str, str]],
) -> ParamValue:
    """Substitute into a param value, promoting its type where Tekton does.

    * array: each item expanded with :func:`apply_array_replacements`;
    * object: each member string-replaced;
    * string: if it is exactly one reference (``$(x)`` / ``$(x[*])``) naming an array or
      object, the value *becomes* that array/object; otherwise string replacement.

    Returns a new value; the input is not modified.
    """
    if isinstance(value, list):
        return [
            item
            for element in value
            for item in apply_array_replacements(element, string_replacements, array_replacements)
        ]
    if isinstance(value, dict):
        return {k: apply_replacements(v, string_replacements) for k, v in value.items()}
    if not is_exact_variable_reference(value):
        return apply_replacements(value, string_replacements)
    target = strip_star_var_sub_expression(value)
    result: ParamValue = value
    # Tekton applies these in sequence, so when a name is in several maps the last wins.
    if target in string_replacements:
        result = apply_replacements(value, string_replacements)
    if target in array_replacements:
        result = apply_array_replacements(value, string_replacements, array_replacements)
    if target in object_replacements:
        result = dict(object_replacements[target])
    return result
