"""Tests for tektite.api.variables; cases lifted from Tekton's substitution_test.go,
param_types_test.go and task_validation_test.go unless marked otherwise."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tektite.api.variables import (
    ParamValue,
    VariableError,
    apply_array_replacements,
    apply_param_value_replacements,
    apply_replacements,
    array_reference,
    extract_array_indexing_params_expressions,
    extract_index,
    extract_index_string,
    extract_variable_expressions,
    extract_variables_from_string,
    get_var_substitution_expressions,
    go_quote,
    is_exact_variable_reference,
    param_value_expressions,
    results_array_reference,
    strip_star_var_sub_expression,
    trim_array_index,
    validate_no_references_to_entire_prohibited_variables,
    validate_no_references_to_prohibited_variables,
    validate_no_references_to_unknown_variables,
    validate_no_references_to_unknown_variables_with_detail,
    validate_variable_prefix,
    validate_variable_reference_is_isolated,
    validate_whole_array_or_object_ref_in_string_variable,
)

TOO_MANY = (
    'Invalid referencing of parameters in "{}"! Only two dot-separated components after '
    'the prefix "{}" are allowed.'
)


@pytest.mark.parametrize(
    ("value", "prefix", "names", "expected"),
    [
        ("--flag=$(inputs.params.baz)", "inputs.params", {"baz"}, None),
        ('--flag=$(inputs.params["baz"])', "inputs.params", {"baz"}, None),
        ("--flag=$(inputs.params['baz'])", "inputs.params", {"baz"}, None),
        ('--flag=$(params["foo.bar.baz"])', "params", {"foo.bar.baz"}, None),
        ("--flag=$(params['foo.bar.baz'])", "params", {"foo.bar.baz"}, None),
        (
            "--flag=$(params.foo.bar.baz)",
            "params",
            {"foo.bar.baz"},
            TOO_MANY.format("--flag=$(params.foo.bar.baz)", "params"),
        ),
        ("--flag=$(resources.inputs.foo.bar)", "resources.(?:inputs|outputs)", {"foo"}, None),
        (
            "--flag=$(resources.inputs.foo.bar.baz)",
            "resources.(?:inputs|outputs)",
            {"foo.bar"},
            TOO_MANY.format(
                "--flag=$(resources.inputs.foo.bar.baz)", "resources.(?:inputs|outputs)"
            ),
        ),
        ("--flag=$(inputs.params['ba-_9z'])", "inputs.params", {"ba-_9z"}, None),
        ("--flag=$(context.taskRun.uid)", "context.taskRun", {"uid"}, None),
        ("--flag=$(inputs.params.baz) $(inputs.params.foo)", "inputs.params", {"baz", "foo"}, None),
        ("--flag=$(params.objectParam.key1)", "params.objectParam", {"key1", "key2"}, None),
        (
            "--flag=$(params.objectParam.key1) $(params.objectParam.key2)",
            "params.objectParam",
            {"key1", "key2"},
            None,
        ),
        ("--flag=$(something.baz)", "something", {"baz"}, None),
        (
            "--flag=$(inputs.params.baz)",
            "inputs.params",
            {"foo"},
            'non-existent variable in "--flag=$(inputs.params.baz)"',
        ),
        (
            "--flag=$(params.objectParam.key3)",
            "params.objectParam",
            {"key1", "key2"},
            'non-existent variable in "--flag=$(params.objectParam.key3)"',
        ),
        # task_validation_test.go: values are quoted like Go's %q.
        (
            "\n\t\t\t\t#!/usr/bin/env bash\n\t\t\t\tdate | tee $(results.non-exist.path)",
            "results",
            {"a-result"},
            r'non-existent variable in "\n\t\t\t\t#!/usr/bin/env bash\n\t\t\t\tdate | tee '
            r'$(results.non-exist.path)"',
        ),
        (
            "$(params.foo) && $(params.inexistent)",
            "params",
            {"foo"},
            'non-existent variable in "$(params.foo) && $(params.inexistent)"',
        ),
        # Index suffixes are ignored when checking the name (Tekton's TrimArrayIndex).
        ("$(params.arr[1]) $(params.arr[*])", "params", {"arr"}, None),
        # Tektite: escaped-dot prefixes as Tekton's validators pass them.
        (
            "$(context.taskRun.nope)",
            r"context\.taskRun",
            {"name", "namespace", "uid"},
            'non-existent variable in "$(context.taskRun.nope)"',
        ),
        ("no references at all", "params", set(), None),
    ],
)
def test_validate_no_references_to_unknown_variables(
    value: str, prefix: str, names: set[str], expected: str | None
) -> None:
    got = validate_no_references_to_unknown_variables(value, prefix, names)
    assert got == (VariableError(expected) if expected else None)


@pytest.mark.parametrize(
    ("value", "prefix", "names", "expected"),
    [
        (
            "--flag=$(inputs.params.baz)",
            "inputs.params",
            {"foo"},
            'non-existent variable `baz` in "--flag=$(inputs.params.baz)"',
        ),
        (
            "--flag=$(params.objectParam.key3)",
            "params.objectParam",
            {"key1", "key2"},
            'non-existent variable `key3` in "--flag=$(params.objectParam.key3)"',
        ),
    ],
)
def test_validate_no_references_to_unknown_variables_with_detail(
    value: str, prefix: str, names: set[str], expected: str
) -> None:
    got = validate_no_references_to_unknown_variables_with_detail(value, prefix, names)
    assert got == VariableError(expected)


@pytest.mark.parametrize(
    ("value", "prefix", "names", "want_err"),
    [
        ("--flag=$(params.foo)", "params", set(), False),
        ("--flag=$(params.foo)", "params", {"bar"}, False),
        ("--flag=$(params.foo)", "params", {"foo"}, True),
        ("--flag=$(params.foo[*])", "params", {"foo"}, True),
        ("--flag=$(params.arrayParam[1])", "params", {"arrayParam"}, False),
        ("--flag=$(params.objectParam.key1)", "params", {"objectParam"}, True),
    ],
)
def test_validate_no_references_to_prohibited_variables(
    value: str, prefix: str, names: set[str], want_err: bool
) -> None:
    got = validate_no_references_to_prohibited_variables(value, prefix, names)
    assert (got is not None) == want_err
    if got is not None:
        assert got.message == f"variable type invalid in {go_quote(value)}"


@pytest.mark.parametrize(
    ("value", "prefix", "names", "expected"),
    [
        ("--flag=$(params.objectParam.key1)", "params", {"objectParam"}, None),
        (
            "--flag=$(params.objectParam.key1)",
            "???",
            {"objectParam"},
            "extractEntireVariablesFromString failed : failed to parse regex pattern: "
            "error parsing regexp: invalid nested repetition operator: `???`",
        ),
        (
            "--flag=$(params.objectParam)",
            "params",
            {"objectParam"},
            'variable type invalid in "--flag=$(params.objectParam)"',
        ),
        (
            "--flag=$(params.objectParam[*])",
            "params",
            {"objectParam"},
            'variable type invalid in "--flag=$(params.objectParam[*])"',
        ),
    ],
)
def test_validate_no_references_to_entire_prohibited_variables(
    value: str, prefix: str, names: set[str], expected: str | None
) -> None:
    got = validate_no_references_to_entire_prohibited_variables(value, prefix, names)
    assert got == (VariableError(expected) if expected else None)


@pytest.mark.parametrize(
    ("value", "prefix", "names", "want_err"),
    [
        ("--flag=$(params.foo)", "params", set(), False),
        ("$(params.foo)", "params", {"foo"}, False),
        ("--flag=$(params.foo)", "params", {"foo"}, True),
        ("$(params.foo)-12345", "params", {"foo"}, True),
        ("$(params.foo[1])", "params", {"foo"}, False),
        ("$(params.foo[*])", "params", {"foo"}, False),
        ("$(params.foo)", "params", {"bar"}, False),
        ("1234-$(params.foo)", "params", {"bar"}, False),
    ],
)
def test_validate_variable_reference_is_isolated(
    value: str, prefix: str, names: set[str], want_err: bool
) -> None:
    got = validate_variable_reference_is_isolated(value, prefix, names)
    assert (got is not None) == want_err
    if got is not None:
        assert got.message == f"variable is not properly isolated in {go_quote(value)}"


def test_validate_variable_reference_is_isolated_message() -> None:
    # task_validation_test.go "array star not properly isolated"
    got = validate_variable_reference_is_isolated(
        "not isolated: $(params.baz[*])", "params", {"baz"}
    )
    assert got == VariableError(
        'variable is not properly isolated in "not isolated: $(params.baz[*])"'
    )


@pytest.mark.parametrize(
    ("value", "names", "expected"),
    [
        ("$(params.myObject[*])", {"myObject"}, (True, None)),
        # Tekton's bracket form puts the [*] inside the quotes; outside it is no match.
        ("$(params['myObject[*]'])", {"myObject"}, (True, None)),
        ("$(params['myObject'][*])", {"myObject"}, (False, None)),
        (
            "$(params.name-not-exist[*])",
            {"myObject"},
            (True, VariableError('non-existent variable in "$(params.name-not-exist[*])"')),
        ),
        ("$(params.myObject)", {"myObject"}, (False, None)),
        ("prefix $(params.myObject[*])", {"myObject"}, (False, None)),
        # Python's "$" would accept a trailing newline; Go's does not.
        ("$(params.myObject[*])\n", {"myObject"}, (False, None)),
    ],
)
def test_validate_whole_array_or_object_ref_in_string_variable(
    value: str, names: set[str], expected: tuple[bool, VariableError | None]
) -> None:
    assert (
        validate_whole_array_or_object_ref_in_string_variable("p", value, "params", names)
        == expected
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("params.foo", None),
        ("tasks.a.results.b", None),
        ("context.pipelineRun.name", None),
        (
            "date",
            'invalid variable reference "$(date)", must start with a valid prefix: params, '
            "tasks, finally, context, workspaces, or results; if you meant a shell variable, "
            "use ${VAR} instead",
        ),
    ],
)
def test_validate_variable_prefix(expression: str, expected: str | None) -> None:
    assert validate_variable_prefix(expression) == (VariableError(expected) if expected else None)


# --- extraction -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "prefix", "want", "extracted", "err"),
    [
        ("--flag=$(inputs.params.baz)", "inputs.params", ["baz"], True, ""),
        ("--flag=$(inputs.params.baz)", "outputs", [], False, ""),
        (
            "--flag=$(inputs.params.foo.baz.bar)",
            "inputs.params",
            [""],
            True,
            TOO_MANY.format("--flag=$(inputs.params.foo.baz.bar)", "inputs.params"),
        ),
        # Tektite: dot notation keeps the first component, brackets keep the whole name.
        (
            "$(params.obj.key) $(params['a.b']) $(params[\"c\"])",
            "params",
            ["obj", "a.b", "c"],
            True,
            "",
        ),
        ("$(params.arr[*])", "params", ["arr[*]"], True, ""),
    ],
)
def test_extract_variables_from_string(
    s: str, prefix: str, want: list[str], extracted: bool, err: str
) -> None:
    assert extract_variables_from_string(s, prefix) == (want, extracted, err)


@pytest.mark.parametrize(
    ("s", "want"),
    [
        ("hello world", []),
        ("$(params.paramName)", ["$(params.paramName)"]),
        ("$(params.paramName[*])", ["$(params.paramName[*])"]),
        ("$(params.paramName[1])", ["$(params.paramName[1])"]),
    ],
)
def test_extract_variable_expressions(s: str, want: list[str]) -> None:
    assert extract_variable_expressions(s, "params") == want


@pytest.mark.parametrize(
    ("s", "want"),
    [
        ("hello world", []),
        ("$(params.paramName)", []),
        ("$(params.paramName[*])", []),
        ("$(params.paramName[1])", ["$(params.paramName[1])"]),
        # Tektite: bracket forms, and "-" is not allowed inside them (".-\/" is a range).
        (
            "$(params['a.b/c'][2]) $(params[\"x\"][0])",
            ["$(params['a.b/c'][2])", '$(params["x"][0])'],
        ),
        ("$(params['a-b'][2])", []),
        (
            "foo-$(params.array-param[1])-bar-$(params.other[2])-$(params.s)",
            ["$(params.array-param[1])", "$(params.other[2])"],
        ),
    ],
)
def test_extract_array_indexing_params_expressions(s: str, want: list[str]) -> None:
    assert extract_array_indexing_params_expressions(s) == want


@pytest.mark.parametrize(
    ("s", "want"),
    [
        ("hello world", ""),
        ("$(params.paramName)", ""),
        ("$(params.paramName[*])", ""),
        ("$(params.paramName[1])", "[1]"),
    ],
)
def test_extract_index_string(s: str, want: str) -> None:
    assert extract_index_string(s) == want


def test_extract_index() -> None:
    assert extract_index("[1]") == 1
    assert extract_index("[42]") == 42
    # Tekton gets (0, error) for these; callers ignore the error.
    for bad in ("hello world", "[*]", "[]"):
        with pytest.raises(ValueError, match="invalid syntax"):
            extract_index(bad)


@pytest.mark.parametrize(
    ("s", "want"),
    [
        ("hello world", "hello world"),
        ("$(tasks.task.results.result)", "tasks.task.results.result"),
        ("$(tasks.task.results.result[*])", "tasks.task.results.result"),
        ("$(tasks.task.results.result[1])", "tasks.task.results.result[1]"),
    ],
)
def test_strip_star_var_sub_expression(s: str, want: str) -> None:
    assert strip_star_var_sub_expression(s) == want


@pytest.mark.parametrize(
    ("s", "want"),
    [
        ("arr[1]", "arr"),
        ("arr[*]", "arr"),
        ("arr[]", "arr"),
        ("a[1]b[*]", "ab"),
        ("plain", "plain"),
    ],
)
def test_trim_array_index(s: str, want: str) -> None:
    assert trim_array_index(s) == want


def test_array_reference() -> None:
    assert array_reference("$(params.arrayParam[*])") == "arrayParam"
    assert array_reference("params.arrayParam[*]") == "params.arrayParam[*]"
    assert results_array_reference("$(tasks.t.results.r[*])") == "tasks.t.results.r"


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (
            "$(tasks.task1.results.result1) and $(tasks.task2.results.result2)",
            ["tasks.task1.results.result1", "tasks.task2.results.result2"],
        ),
        ("$(params.a[0]) $(params.b[*]) $(x)", ["params.a[0]", "params.b[*]", "x"]),
        # Not references for the generic regex: brackets with quotes, shell arithmetic.
        ("$(params['a']) $((1+2)) $(date +%s)", []),
        ("plain", []),
    ],
)
def test_get_var_substitution_expressions(value: str, want: list[str]) -> None:
    assert get_var_substitution_expressions(value) == want


def test_param_value_expressions() -> None:
    assert param_value_expressions("$(a.b)") == ["a.b"]
    assert param_value_expressions(["$(a)", "x", "$(b) $(c)"]) == ["a", "b", "c"]
    assert param_value_expressions({"k1": "$(a)", "k2": "no ref"}) == ["a"]


@pytest.mark.parametrize(
    ("s", "want"),
    [
        ("$(params.x)", True),
        ("$(tasks.t.results.r[*])", True),
        ("$(tasks.t.results.r[3])", True),
        (" $(params.x)", False),
        ("$(params.x)\n", False),
        ("$(params.x) $(params.y)", False),
        ("$(params['x'])", False),
    ],
)
def test_is_exact_variable_reference(s: str, want: bool) -> None:
    assert is_exact_variable_reference(s) is want


@pytest.mark.parametrize(
    ("s", "want"),
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("a\\b", '"a\\\\b"'),
        ("l1\nl2\t\r", '"l1\\nl2\\t\\r"'),
        ("\x00\x7f", '"\\x00\\x7f"'),
        ("héllo ✓", '"héllo ✓"'),
        ("\u0085\u200b", '"\\u0085\\u200b"'),
    ],
)
def test_go_quote(s: str, want: str) -> None:
    assert go_quote(s) == want


# --- replacement ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "replacements", "want"),
    [
        ("this is a string", {}, "this is a string"),
        ("this is $(a) string", {"a": "not a"}, "this is not a string"),
        ("this $(is) a string $(is) a string", {"is": "foo"}, "this foo a string foo a string"),
        (
            "this $(is) a $(string) $(is) a $(string)",
            {"is": "foo", "string": "sstring"},
            "this foo a sstring foo a sstring",
        ),
        ("this is a string", {"this": "a", "evxasdd": "string"}, "this is a string"),
        # TestNestedReplacements: values are not re-scanned.
        ("$(foo) is cool", {"foo": "$(bar)$(bar)", "bar": "baz"}, "$(bar)$(bar) is cool"),
        # Tektite: unknown refs, nesting and unterminated tokens.
        ("$(unknown) $(a)", {"a": "1"}, "$(unknown) 1"),
        ("$($(a))", {"a": "1"}, "$(1)"),
        ("$$(a)", {"a": "1"}, "$1"),
        ("$(a", {"a": "1"}, "$(a"),
        ("$(a)$(a)", {"a": ""}, ""),
        (
            "$(params[\"x y\"]) $(params['x y'])",
            {'params["x y"]': "1", "params['x y']": "2"},
            "1 2",
        ),
        # Keys containing ")" (slow path): the longer token wins at a position.
        ("$(a)b)", {"a": "1", "a)b": "2"}, "2"),
        ("$(a)c)", {"a": "1", "a)b": "2"}, "1c)"),
    ],
)
def test_apply_replacements(s: str, replacements: dict[str, str], want: str) -> None:
    assert apply_replacements(s, replacements) == want


@pytest.mark.parametrize(
    ("s", "strings", "arrays", "want"),
    [
        ("this is a string", {}, {}, ["this is a string"]),
        (
            "this is a string",
            {"key": "replacement", "anotherkey": "foo"},
            {"key2": ["replacement", "a"], "key3": ["1", "2"]},
            ["this is a string"],
        ),
        (
            "$(string)rep$(lacement)$(string)",
            {"string": "word", "lacement": "lacements"},
            {"ace": ["replacement", "a"], "string": ["1", "2"]},
            ["wordreplacementsword"],
        ),
        (
            "$(match)",
            {"string": "word", "lacement": "lacements"},
            {"ace": ["replacement", "a"], "match": ["1", "2"]},
            ["1", "2"],
        ),
        (
            "$(match[*])",
            {"string": "word", "lacement": "lacements"},
            {"ace": ["replacement", "a"], "match": ["1", "2"]},
            ["1", "2"],
        ),
        # Tektite: an empty array removes the item; a non-isolated ref stays a string.
        ("$(match)", {}, {"match": []}, []),
        ("x $(match)", {}, {"match": ["1"]}, ["x $(match)"]),
    ],
)
def test_apply_array_replacements(
    s: str, strings: dict[str, str], arrays: dict[str, list[str]], want: list[str]
) -> None:
    assert apply_array_replacements(s, strings, arrays) == want


def test_apply_array_replacements_returns_a_copy() -> None:
    arrays = {"a": ["1", "2"]}
    got = apply_array_replacements("$(a)", {}, arrays)
    got.append("3")
    assert arrays == {"a": ["1", "2"]}


ARR = {"arraykey": ["array", "value"], "sdfdf": ["asdf", "sdfsd"]}
STR = {"some": "value", "anotherkey": "value"}


@pytest.mark.parametrize(
    ("value", "strings", "arrays", "objects", "want"),
    [
        (["an", "array"], STR, {"arraykey": ["array", "value"]}, {}, ["an", "array"]),
        (
            "$(params.myString1)",
            {"params.myString1": "value1", "params.myString2": "value2"},
            ARR,
            {},
            "value1",
        ),
        ("astring$(some) asdf $(anotherkey)", STR, ARR, {}, "astringvalue asdf value"),
        (
            ["firstvalue", "$(arraykey)", "lastvalue"],
            STR,
            ARR,
            {},
            ["firstvalue", "array", "value", "lastvalue"],
        ),
        (
            ["firstvalue", "$(arraykey)", "lastvalue", "$(sdfdf)"],
            STR,
            ARR,
            {},
            ["firstvalue", "array", "value", "lastvalue", "asdf", "sdfsd"],
        ),
        ("$(arraykey)", {}, {"arraykey": []}, {}, []),
        (
            ["firstvalue", "$(arraykey)", "lastvalue"],
            STR,
            {"arraykey": []},
            {},
            ["firstvalue", "lastvalue"],
        ),
        ("$(params.myarray)", {}, {"params.myarray": ["a", "b", "c"]}, {}, ["a", "b", "c"]),
        ("$(params.myarray[*])", {}, {"params.myarray": ["a", "b", "c"]}, {}, ["a", "b", "c"]),
        ("$(params.myarray[0])", {"params.myarray[0]": "a", "params.myarray[1]": "b"}, {}, {}, "a"),
        (
            "$(params.object)",
            {},
            {},
            {"params.object": {"url": "abc.com", "commit": "af234"}},
            {"url": "abc.com", "commit": "af234"},
        ),
        (
            "$(params.object[*])",
            {},
            {},
            {"params.object": {"url": "abc.com", "commit": "af234"}},
            {"url": "abc.com", "commit": "af234"},
        ),
        (
            {"key1": "$(mystring)", "key2": "$(anotherObject.key)"},
            {"mystring": "foo", "anotherObject.key": "bar"},
            {},
            {},
            {"key1": "foo", "key2": "bar"},
        ),
        # TestParams_ReplaceVariables
        ("$(params.foo)", {"params.foo": "bar"}, {}, {}, "bar"),
        ("$(params.foo)", {}, {"params.foo": ["bar", "zoo"]}, {}, ["bar", "zoo"]),
        ("$(params.foo)", {}, {}, {"params.foo": {"abc": "123"}}, {"abc": "123"}),
        # Tektite: a whole-array ref with text around it is not promoted.
        ("x $(params.foo)", {}, {"params.foo": ["bar"]}, {}, "x $(params.foo)"),
        # A string param referenced with [*] is left alone (no "params.s[*]" key).
        ("$(params.s[*])", {"params.s": "v"}, {}, {}, "$(params.s[*])"),
    ],
)
def test_apply_param_value_replacements(
    value: ParamValue,
    strings: dict[str, str],
    arrays: dict[str, list[str]],
    objects: dict[str, dict[str, str]],
    want: ParamValue,
) -> None:
    assert apply_param_value_replacements(value, strings, arrays, objects) == want


def test_apply_param_value_replacements_does_not_mutate() -> None:
    objects = {"params.o": {"k": "v"}}
    got = apply_param_value_replacements("$(params.o)", {}, {}, objects)
    assert isinstance(got, dict)
    got["k"] = "changed"
    assert objects == {"params.o": {"k": "v"}}
    original = ["$(a)"]
    apply_param_value_replacements(original, {}, {"a": ["1", "2"]}, {})
    assert original == ["$(a)"]


# --- properties -----------------------------------------------------------------------------

_KEY = st.text(alphabet="abc.[]*'\"-_", min_size=0, max_size=6)
# Literal text with no "$", "(" or ")" cannot form or break a token at a boundary.
_LITERAL = st.text(alphabet=st.characters(blacklist_characters="$()"), max_size=8)


def _reference_replace(s: str, replacements: dict[str, str]) -> str:
    """Straightforward model of Go's strings.Replacer (longest token at each position)."""
    tokens = {f"$({k})": v for k, v in replacements.items()}
    out: list[str] = []
    i = 0
    while i < len(s):
        best = max((t for t in tokens if s.startswith(t, i)), key=len, default=None)
        if best is None:
            out.append(s[i])
            i += 1
        else:
            out.append(tokens[best])
            i += len(best)
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    replacements=st.dictionaries(_KEY, st.text(max_size=12), min_size=1, max_size=5),
)
def test_apply_replacements_never_rescans(
    data: st.DataObject, replacements: dict[str, str]
) -> None:
    keys = sorted(replacements)
    pieces = data.draw(
        st.lists(
            st.one_of(
                _LITERAL.map(lambda t: (False, t)), st.sampled_from(keys).map(lambda k: (True, k))
            ),
            max_size=8,
        )
    )
    s = "".join(f"$({k})" if is_key else k for is_key, k in pieces)
    want = "".join(replacements[k] if is_key else k for is_key, k in pieces)
    assert apply_replacements(s, replacements) == want


@settings(max_examples=300, deadline=None)
@given(
    s=st.text(alphabet="$()ab.[*]x)", max_size=30),
    replacements=st.dictionaries(
        st.text(alphabet="ab.)(", max_size=4), st.text(alphabet="$()ab", max_size=8), max_size=4
    ),
)
def test_apply_replacements_matches_model(s: str, replacements: dict[str, str]) -> None:
    assert apply_replacements(s, replacements) == _reference_replace(s, replacements)


@settings(max_examples=200, deadline=None)
@given(s=st.text(), replacements=st.dictionaries(st.text(), st.text(), max_size=4))
def test_apply_replacements_never_raises(s: str, replacements: dict[str, str]) -> None:
    assert isinstance(apply_replacements(s, replacements), str)
    apply_array_replacements(s, replacements, {k: [v] for k, v in replacements.items()})
    apply_param_value_replacements(s, replacements, {}, {})


@settings(max_examples=200, deadline=None)
@given(s=st.text())
def test_validators_never_raise(s: str) -> None:
    for prefix in ("params", r"context\.taskRun", r"params\.obj"):
        validate_no_references_to_unknown_variables(s, prefix, {"a"})
        validate_no_references_to_prohibited_variables(s, prefix, {"a"})
        validate_no_references_to_entire_prohibited_variables(s, prefix, {"a"})
        validate_variable_reference_is_isolated(s, prefix, {"a"})
    get_var_substitution_expressions(s)


def test_generic_regex_has_no_catastrophic_backtracking() -> None:
    # Tekton's literal regex takes exponential time on this input under Python's `re`.
    s = "$(" + "a." * 5000 + "!"
    start = time.perf_counter()
    assert get_var_substitution_expressions(s) == []
    assert not is_exact_variable_reference(s)
    assert time.perf_counter() - start < 0.5


def test_validation_is_fast_enough() -> None:
    values = [f"echo $(params.p{i}) $(context.taskRun.name) --flag=x" for i in range(2000)]
    values += ["plain text without references"] * 5000
    names = {f"p{i}" for i in range(2000)}
    start = time.perf_counter()
    for v in values:
        validate_no_references_to_unknown_variables(v, "params", names)
        validate_no_references_to_prohibited_variables(v, "params", {"arr"})
        validate_variable_reference_is_isolated(v, "params", {"arr"})
        validate_no_references_to_entire_prohibited_variables(v, "params", {"obj"})
        validate_no_references_to_unknown_variables(v, r"context\.taskRun", {"name"})
    assert time.perf_counter() - start < 1.0
