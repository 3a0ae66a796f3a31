"""Label selectors: Kubernetes' grammar, matching rules and error messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tektite.store.errors import BadRequest, InvalidSelector
from tektite.store.selectors import (
    Operator,
    Requirement,
    Selector,
    label_key_errors,
    label_value_errors,
    parse,
    selector_from_set,
)

LABELS = {"app": "web", "tier": "front", "empty": "", "n": "7"}

KEY_RE = "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'"
KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with"
    " an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used"
    f" for validation is {KEY_RE})"
)
VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_'"
    " or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or"
    " 'my_value',  or '12345', regex used for validation is"
    " '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-'"
    " or '.', and must start and end with an alphanumeric character (e.g. 'example.com',"
    " regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
    "[a-z0-9])?)*')"
)


@pytest.mark.parametrize(
    ("selector", "selected"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app=db", False),
        ("app!=db", True),
        ("app!=web", False),
        ("missing!=x", True),  # != matches objects without the label
        ("app in (db,web)", True),
        ("app in (db)", False),
        ("app notin (db)", True),
        ("app notin (web,db)", False),
        ("missing notin (x)", True),
        ("app", True),
        ("missing", False),
        ("!missing", True),
        ("!app", False),
        ("empty=", True),  # a missing value means the empty value
        ("empty in ()", True),
        ("app in ()", False),
        ("n>5", True),
        ("n<5", False),
        ("app>5", False),  # not a number: never greater
        ("missing<5", False),
        ("app=web,tier=front", True),
        ("app=web,tier=back", False),
        ("  app = web ,  tier in ( front , back )  ", True),
        ("app in (in,notin,web)", True),  # in/notin are plain words where values go
    ],
)
def test_matching(selector: str, selected: bool) -> None:
    assert parse(selector).matches(LABELS) is selected


def test_no_labels_is_empty_labels() -> None:
    assert parse("!app").matches(None)
    assert not parse("app").matches(None)


def test_requirements_sorted_by_key_values_sorted_and_unique() -> None:
    sel = parse("b in (z,y,z), a!=1, !c, d, x in (a,,b)")
    assert [r.key for r in sel.requirements] == ["a", "b", "c", "d", "x"]
    assert sel.requirements[1] == Requirement("b", Operator.IN, ("y", "z"))
    assert sel.requirements[2] == Requirement("c", Operator.DOES_NOT_EXIST)
    assert sel.requirements[3] == Requirement("d", Operator.EXISTS)
    assert sel.requirements[4].values == ("", "a", "b")
    assert str(sel) == "a!=1,b in (y,z),!c,d,x in (,a,b)"


def test_selector_from_set() -> None:
    sel = selector_from_set({"tier": "front", "app": "web"})
    assert str(sel) == "app=web,tier=front"
    assert sel.matches(LABELS)
    assert not sel.matches({"app": "web"})
    assert Selector().empty() and parse("").empty() and not sel.empty()


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("a=b=c", "found '=', expected: ',' or 'end of string'"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        (
            "a (b)",
            "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
        ),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        ("a=(", "unable to parse requirement: found '(', expected: identifier"),
        (
            "app:monolith",
            'unable to parse requirement: <nil>: Invalid value: "app:monolith": name part '
            + KEY_MSG,
        ),
        (
            "app.kubernetes_io/name=x",
            'unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": '
            f"prefix part {SUBDOMAIN_MSG}",
        ),
        (
            "a/b/c=x",
            'unable to parse requirement: <nil>: Invalid value: "a/b/c": a valid label key '
            f"{KEY_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        ),
        (
            "k" * 64,
            f'unable to parse requirement: <nil>: Invalid value: "{"k" * 64}": name part must'
            " be no more than 63 bytes",
        ),
        ("a=-b", f'unable to parse requirement: values[0][a]: Invalid value: "-b": {VALUE_MSG}'),
        (
            "a>x",
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' "
            "operators, the value must be an integer",
        ),
        (
            "a>-x",
            "unable to parse requirement: [values[0]: Invalid value: \"-x\": for 'Gt', 'Lt' "
            f'operators, the value must be an integer, values[0][a]: Invalid value: "-x": '
            f"{VALUE_MSG}]",
        ),
    ],
)
def test_bad_selectors_report_kubernetes_messages(selector: str, message: str) -> None:
    with pytest.raises(InvalidSelector) as info:
        parse(selector)
    assert str(info.value) == message
    assert isinstance(info.value, BadRequest)
    assert (info.value.code, info.value.reason) == (400, "BadRequest")


def test_label_key_and_value_rules() -> None:
    assert label_key_errors("tekton.dev/pipeline") == []
    assert label_key_errors("/x") == ["prefix part must be non-empty"]
    assert label_key_errors("x/")[0] == "name part must be non-empty"
    assert label_value_errors("") == []
    assert label_value_errors("v" * 64)[0] == "must be no more than 63 bytes"


_names = st.from_regex(r"\A[a-z][a-z0-9]{0,5}\Z")
_values = st.from_regex(r"\A([a-z0-9]{0,4})\Z")


@st.composite
def _requirements(draw: st.DrawFn) -> Requirement:
    key = draw(_names)
    op = draw(st.sampled_from(list(Operator)))
    if op in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
        return Requirement(key, op)
    if op in (Operator.IN, Operator.NOT_IN):
        return Requirement(key, op, tuple(sorted(draw(st.sets(_values, min_size=1, max_size=3)))))
    if op in (Operator.GREATER_THAN, Operator.LESS_THAN):
        return Requirement(key, op, (str(draw(st.integers(0, 10**6))),))
    return Requirement(key, op, (draw(_values),))


@given(st.lists(_requirements(), max_size=4), st.dictionaries(_names, _values, max_size=4))
def test_printed_selectors_parse_back_to_the_same_meaning(
    reqs: list[Requirement], labels: dict[str, str]
) -> None:
    sel = Selector(tuple(sorted(reqs, key=lambda r: r.key)))
    again = parse(str(sel))
    # "==" prints as itself and parses back; everything else is identical.
    assert again == sel
    assert again.matches(labels) == all(r.matches(labels) for r in reqs)
