"""FieldError renders exactly as Knative's apis.FieldError (cases from knative.dev/pkg)."""

from __future__ import annotations

import pytest

from tektite.api.errors import (
    FieldError,
    Level,
    err_disallowed_fields,
    err_generic,
    err_invalid_array_value,
    err_invalid_key_name,
    err_invalid_value,
    err_missing_field,
    err_missing_one_of,
    err_multiple_one_of,
    err_out_of_bounds,
    go_quote,
    go_sprint,
)


@pytest.mark.parametrize(
    ("err", "want"),
    [
        (err_missing_field("foo"), "missing field(s): foo"),
        (err_missing_field("foo", "bar"), "missing field(s): bar, foo"),
        (err_disallowed_fields("foo.bar"), "must not set the field(s): foo.bar"),
        (err_invalid_value("a", "foo"), "invalid value: a: foo"),
        (err_invalid_value(5, "foo", "d1", "d2"), "invalid value: 5: foo\nd1, d2"),
        (err_invalid_array_value("x", "args", 2), "invalid value: x: args[2]"),
        (err_missing_one_of("a", "b"), "expected exactly one, got neither: a, b"),
        (err_multiple_one_of("a", "b"), "expected exactly one, got both: a, b"),
        (err_invalid_key_name("b@d", "labels"), 'invalid key name "b@d": labels'),
        (err_out_of_bounds(300, 0, 256, "matrix"), "expected 0 <= 300 <= 256: matrix"),
        (err_generic("boom"), "boom: "),
    ],
)
def test_stock_errors(err: FieldError, want: str) -> None:
    assert err.render() == want


def test_empty_is_falsy_and_also_ignores_empties() -> None:
    assert not FieldError()
    assert not FieldError().also(FieldError(), None)
    assert FieldError().also(err_missing_field("x")).render() == "missing field(s): x"


@pytest.mark.parametrize(
    ("err", "want"),
    [
        # Knative's flatten examples.
        (err_missing_field("[0]").via_field("bar").via_field("foo"), "foo.bar[0]"),
        (err_missing_field("bar").via_index(0).via_field("foo"), "foo[0].bar"),
        (err_missing_field("bar").via_field("foo").via_index(0), "[0].foo.bar"),
        (err_missing_field("bar").via_index(0).via_index(1).via_field("foo"), "foo[1][0].bar"),
        (err_missing_field("name").via_key("p").via_field("params"), "params[p].name"),
        (err_missing_field("").via_field_index("steps", 3), "steps[3]"),
        (err_missing_field("x").via_field_key("env", "HOME"), "env[HOME].x"),
        (err_missing_field("a.b").via_field("spec"), "spec.a.b"),
        # A key holding dots stays whole: a label's, or msgspec's "..." for a map value.
        (
            err_missing_field("x").via_key("tekton.dev/task").via_field("labels"),
            "labels[tekton.dev/task].x",
        ),
        (err_missing_field("requests[...]").via_field("resources"), "resources.requests[...]"),
    ],
)
def test_paths_are_built_outward(err: FieldError, want: str) -> None:
    assert err.render() == f"missing field(s): {want}"


def test_merge_equal_messages_sort_paths_and_messages() -> None:
    err = (
        err_missing_field("z")
        .also(err_invalid_value("v", "b"))
        .also(err_missing_field("a"))
        .also(err_missing_field("a"))
        .via_field("spec")
    )
    assert err.render() == "invalid value: v: spec.b\nmissing field(s): spec.a, spec.z"
    assert [e.message for e in err.errors()] == ["invalid value: v", "missing field(s)"]


def test_details_split_merging() -> None:
    err = err_invalid_value("v", "a", "one").also(err_invalid_value("v", "b", "two"))
    assert err.render() == "invalid value: v: a\none\ninvalid value: v: b\ntwo"


def test_levels_filter_and_at() -> None:
    warn = err_generic("deprecated", "x").at(Level.WARNING)
    err = err_missing_field("y").also(warn)
    assert err.filter(Level.ERROR).render() == "missing field(s): y"
    assert err.filter(Level.WARNING).render() == "deprecated: x"
    assert not warn.filter(Level.ERROR)


def test_go_quote_and_sprint() -> None:
    assert go_quote('a"b\\c\n\t\x01é') == '"a\\"b\\\\c\\n\\t\\x01é"'
    assert go_sprint(["a", "b"]) == "[a b]"
    assert go_sprint({"b": "2", "a": "1"}) == "map[a:1 b:2]"
    assert go_sprint(True) == "true"
    assert go_sprint(None) == "<nil>"


def test_equality_is_on_rendered_errors() -> None:
    a = err_missing_field("a").also(err_missing_field("b"))
    b = err_missing_field("b", "a")
    assert a == b
    assert a != err_missing_field("a")
