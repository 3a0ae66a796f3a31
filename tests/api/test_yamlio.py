"""Tests for tektite.api.yamlio: kubectl's reading of YAML, rule by rule."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import pickle
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tektite.api import yamlio
from tektite.api.yamlio import (
    DEFAULT_MAX_BYTES,
    MAX_DEPTH,
    Document,
    YamlLoadError,
    dump_json,
    dump_yaml,
    go_json_scalar_text,
    load_documents,
    resolve_plain_scalar,
)
from tests.conftest import examples_dir, shared_dir

# Read in place from ../shared, never copied. Without the corpus EXAMPLE_FILES is empty
# and test_examples_exist fails loudly.
_SHARED = shared_dir()
EXAMPLES = _SHARED / "conformance" / "tekton-examples" / "v1" if _SHARED else Path("/nonexistent")
EXAMPLE_FILES = sorted(EXAMPLES.rglob("*.yaml"))


def load_one(text: str) -> dict[str, Any]:
    """The single object in text."""
    docs = load_documents(text, "t.yaml")
    assert len(docs) == 1
    return docs[0].obj


def value_of(scalar: str) -> Any:
    """What kubectl makes of `v: <scalar>`."""
    return load_one(f"v: {scalar}\n")["v"]


def load_error(source: Any, name: str = "tasks.yaml", **kwargs: Any) -> YamlLoadError:
    with pytest.raises(YamlLoadError) as info:
        load_documents(source, name, **kwargs)
    return info.value


# --------------------------------------------------------------------------------------
# Scalars: go-yaml v2's resolve.go, then JSON


BOOLEANS = {
    **dict.fromkeys(
        ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], True
    ),
    **dict.fromkeys(
        ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], False
    ),
}


@pytest.mark.parametrize(("text", "expected"), sorted(BOOLEANS.items()))
def test_yaml_1_1_booleans(text: str, expected: bool) -> None:
    assert value_of(text) is expected
    assert resolve_plain_scalar(text) is expected


@pytest.mark.parametrize("text", ["tRUE", "yES", "oN", "OfF", "nO", "Yes!", "yess", "t", "f"])
def test_other_spellings_are_strings(text: str) -> None:
    assert value_of(text) == text


@pytest.mark.parametrize("text", ["'yes'", '"no"', "'y'", '"on"', "'true'"])
def test_quoted_booleans_are_strings(text: str) -> None:
    assert value_of(text) == text[1:-1]


@pytest.mark.parametrize("text", ["null", "Null", "NULL", "~", ""])
def test_nulls(text: str) -> None:
    assert value_of(text) is None


@pytest.mark.parametrize("text", ["nULL", "'null'", '"~"', "''", "None", "nil"])
def test_not_nulls(text: str) -> None:
    assert value_of(text) == text.strip("'\"")


@pytest.mark.parametrize(
    "text",
    [
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14T21:59:43Z",
        "2001-12-14 21:59:43.10",
        "2001-1-2",
        "2001-12-14 21:59:43.10 -5",  # not a go-yaml timestamp at all: still a string
        "2024-02-30",  # not a date: a string too
    ],
)
def test_timestamps_stay_strings(text: str) -> None:
    assert value_of(text) == text


INTS = [
    ("0", 0),
    ("-0", 0),
    ("12", 12),
    ("+12", 12),
    ("-12", -12),
    ("0777", 0o777),  # old-style octal
    ("-0777", -0o777),
    ("0o17", 15),
    ("0O17", 15),
    ("0x1F", 31),
    ("0X1f", 31),
    ("-0x1F", -31),
    ("+0x1F", 31),
    ("0b101", 5),
    ("-0b101", -5),
    ("0b-101", -5),  # resolve.go's binary fallback parses the rest with its sign
    ("1_000", 1000),  # every underscore is dropped first
    ("1__0_0", 100),
    ("0x_1F", 31),
    ("9223372036854775807", 2**63 - 1),
    ("-9223372036854775808", -(2**63)),
]


@pytest.mark.parametrize(("text", "expected"), INTS)
def test_integers(text: str, expected: int) -> None:
    value = value_of(text)
    assert value == expected
    assert type(value) is int


@pytest.mark.parametrize(
    ("text", "raw", "loaded"),
    [
        # Not valid octal, so not an int; yamlStyleFloat then reads it as decimal.
        ("08", 8.0, 8),
        ("0789", 789.0, 789),
        ("08.5", 8.5, 8.5),
        # Floats whose JSON text is an integer reach the API server as integers.
        ("1.0", 1.0, 1),
        ("1e3", 1000.0, 1000),
        ("1.", 1.0, 1),
        ("-0.0", -0.0, 0),
        ("1.5", 1.5, 1.5),
        (".5", 0.5, 0.5),
        ("+.5", 0.5, 0.5),
        ("-.5", -0.5, -0.5),
        (".5_0", 0.5, 0.5),  # Go's ParseFloat takes underscores between digits
        ("1_0.2_5", 10.25, 10.25),
        ("1e-7", 1e-7, 1e-7),
        ("1E+21", 1e21, 1e21),
        ("1e-400", 0.0, 0),  # underflow is no error in Go
        # Past int64: go-yaml gives uint64 / float64; JSON decoding gives float64.
        ("9223372036854775808", 2**63, 2.0**63),
        ("0xFFFFFFFFFFFFFFFF", 2**64 - 1, 2.0**64),
        ("18446744073709551616", 2.0**64, 2.0**64),
        ("-9223372036854775809", -(2.0**63), -(2.0**63)),
        ("0777777777777777777777777", 7.777777777777778e23, 7.777777777777778e23),
    ],
)
def test_numbers_past_the_obvious(text: str, raw: Any, loaded: Any) -> None:
    assert resolve_plain_scalar(text) == raw
    assert type(resolve_plain_scalar(text)) is type(raw)
    value = value_of(text)
    assert value == loaded
    assert type(value) is type(loaded)


@pytest.mark.parametrize(
    "text",
    [
        "0x",
        "0b",
        "0b2",
        "0o8",
        "0x1G",
        "_1",
        "1e400",  # overflow is an error in ParseFloat, so it stays text
        ".5e400",
        "0x10000000000000000",  # over uint64, no float syntax
        "1:20",  # base-60 is not supported by go-yaml
        "1.2.3",
        "+",
        "-",
        ".",
        "._5",
        ".e5",
        "1e",
        "0.5.",
        "=",
        "<<",
        "12abc",
        "v1",
    ],
)
def test_strings_that_look_numeric(text: str) -> None:
    assert resolve_plain_scalar(text) == text
    if text != "-":  # "v: -" would be a list entry
        assert value_of(text) == text


def test_underscores_go_before_anything_else() -> None:
    # go-yaml drops every "_" before ParseInt, so even "1_" and "1__0" are integers.
    assert value_of("1_") == 1
    assert value_of("-_1") == -1
    assert value_of("0_x1F") == 31
    assert value_of("_1") == "_1"  # "_" is no number's first character: a string at once


def test_special_floats_resolve_but_kubectl_refuses_them() -> None:
    for text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"):
        assert resolve_plain_scalar(text) == math.inf
    for text in ("-.inf", "-.Inf", "-.INF"):
        assert resolve_plain_scalar(text) == -math.inf
    for text in (".nan", ".NaN", ".NAN"):
        assert math.isnan(resolve_plain_scalar(text))
    assert resolve_plain_scalar(".Nan") == ".Nan"
    assert resolve_plain_scalar("inf") == "inf"
    # sigs.k8s.io/yaml's json.Marshal fails on them, so kubectl rejects the document.
    err = load_error("a: 1\nb: .inf\n")
    assert str(err) == "tasks.yaml: document 0 (line 2, column 4): json: unsupported value: +Inf"
    assert "json: unsupported value: NaN" in str(load_error("a: [.nan]\n"))
    assert "json: unsupported value: -Inf" in str(load_error("a: {b: -.inf}\n"))


def test_strings_with_special_first_characters() -> None:
    obj = load_one("a: -x\nb: .hidden\nc: 1.2.3-rc\nd: ~user\ne: yesterday\nf: 0.0.0.0/0\n")
    assert obj == {
        "a": "-x",
        "b": ".hidden",
        "c": "1.2.3-rc",
        "d": "~user",
        "e": "yesterday",
        "f": "0.0.0.0/0",
    }


def test_quoted_and_block_scalars_are_always_strings() -> None:
    obj = load_one("a: '1'\nb: \"0x1F\"\nc: |\n  yes\nd: >-\n  12\ne: ''\n")
    assert obj == {"a": "1", "b": "0x1F", "c": "yes\n", "d": "12", "e": ""}


# --------------------------------------------------------------------------------------
# Explicit tags


def test_explicit_standard_tags() -> None:
    obj = load_one(
        "a: !!str 12\n"
        "b: !!int '0x10'\n"
        "c: !!float 1\n"
        "d: !!float 2.5\n"
        "e: !!bool yes\n"
        "f: !!null ''\n"
        "g: !!timestamp 2001-01-01\n"
        "h: !!str yes\n"
    )
    assert obj == {
        "a": "12",
        "b": 16,
        "c": 1,  # float64(1) → JSON 1 → int64
        "d": 2.5,
        "e": True,
        "f": None,
        "g": "2001-01-01",
        "h": "yes",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("!!int abc", "cannot decode !!str `abc` as a !!int"),
        ("!!int 1.5", "cannot decode !!float `1.5` as a !!int"),
        ("!!bool 1", "cannot decode !!int `1` as a !!bool"),
        ("!!null foo", "cannot decode !!str `foo` as a !!null"),
        ("!!timestamp 2001-13-01", "cannot decode !!str `2001-13-01` as a !!timestamp"),
        # go-yaml turns only int/int64 into a float, not uint64.
        (
            "!!float 18446744073709551615",
            "cannot decode !!int `18446744073709551615` as a !!float",
        ),
    ],
)
def test_explicit_tag_mismatch(text: str, message: str) -> None:
    assert (
        str(load_error(f"v: {text}\n")) == f"tasks.yaml: document 0 (line 1, column 4): {message}"
    )


def test_unknown_and_non_specific_tags_keep_the_text() -> None:
    obj = load_one(
        "a: !foo bar\nb: ! 12\nc: !Ref x\nd: !!set {p, q}\ne: !custom [1, 2]\nf: [! yes, x]\n"
    )
    assert obj == {
        "a": "bar",
        "b": "12",
        "c": "x",
        "d": {"p": None, "q": None},
        "e": [1, 2],
        "f": ["yes", "x"],
    }
    # A "!" inside a script is no tag: plain scalars elsewhere still resolve.
    assert load_one("s: |\n  if ! true; then exit 1; fi\nnum: 1\n") == {
        "s": "if ! true; then exit 1; fi\n",
        "num": 1,
    }


def test_binary() -> None:
    assert value_of("!!binary aGVsbG8=") == "hello"
    assert value_of("!!binary |\n  aGVs\n  bG8=") == "hello"
    # Go's json.Marshal turns each invalid UTF-8 byte into U+FFFD.
    assert value_of("!!binary /+A=") == "\ufffd\ufffd"
    err = load_error("v: !!binary 'aGVsbG8'\n")
    assert err.message == "!!binary value contains invalid base64 data"


# --------------------------------------------------------------------------------------
# Mappings: keys, duplicates, merges, anchors


def test_non_string_keys_become_strings_as_sigs_yaml_does() -> None:
    obj = load_one(
        "1: a\n"
        "true: b\n"
        "no: c\n"
        "1.5: d\n"
        "0x10: e\n"
        "1e3: f\n"
        "0.1: g\n"
        "3.14159265358979: h\n"  # float keys go through float32
        "1000000.0: i\n"
        ".inf: j\n"
        "-0.0: k\n"
        "2001-01-01: l\n"
        "'': m\n"
    )
    assert obj == {
        "1": "a",
        "true": "b",
        "false": "c",
        "1.5": "d",
        "16": "e",
        "1000": "f",
        "0.1": "g",
        "3.1415927": "h",
        "1e+06": "i",
        ".inf": "j",
        "-0": "k",
        "2001-01-01": "l",
        "": "m",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("~: 1\n", "unsupported map key: null (JSON keys must be strings)"),
        ("null: 1\n", "unsupported map key: null (JSON keys must be strings)"),
        ("? \n: 1\n", "unsupported map key: null (JSON keys must be strings)"),
        ("? [a]\n: 1\n", "invalid map key: a list cannot be a key"),
        ("? {a: 1}\n: 1\n", "invalid map key: a mapping cannot be a key"),
        (
            "18446744073709551615: 1\n",
            "unsupported map key of type: uint64, key: 18446744073709551615",
        ),
    ],
)
def test_keys_json_cannot_have(text: str, message: str) -> None:
    assert load_error(text).message == message


def test_duplicate_keys_are_refused() -> None:
    err = load_error("apiVersion: v1\nkind: Task\nmetadata:\n  name: a\n  name: b\n")
    assert str(err) == (
        'tasks.yaml: document 0 (line 5, column 3): mapping key "name" already defined at line 4'
    )
    assert (err.index, err.line, err.column) == (0, 5, 3)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n'a': 2\n",  # same string, quoted or not
        "1: a\n'1': b\n",  # int key and string key meet as "1" in JSON
        "true: a\nyes: b\n",
        "0x1: a\n1: b\n",
    ],
)
def test_duplicates_after_key_conversion(text: str) -> None:
    assert "already defined at line 1" in load_error(text).message


def test_duplicate_line_is_absolute_in_later_documents() -> None:
    text = "a: 1\n---\nb: 2\n---\n# comment\n\nkind: X\nspec:\n  x: 1\n  y: 2\n  x: 3\n"
    err = load_error(text)
    assert str(err) == (
        'tasks.yaml: document 2 (line 11, column 3): mapping key "x" already defined at line 9'
    )


def test_merge_keys_follow_go_yaml_v2_order() -> None:
    # Keys before "<<" are overridden by it; keys after it override it; in a list of
    # maps the first one wins.
    obj = load_one(
        "base: &base {a: 1, b: 1, c: 1}\n"
        "one:\n"
        "  a: 0\n"
        "  <<: *base\n"
        "  b: 2\n"
        "two:\n"
        "  <<: [{p: first}, {p: second, q: 2}]\n"
    )
    assert obj["one"] == {"a": 1, "b": 2, "c": 1}
    assert obj["two"] == {"p": "first", "q": 2}


def test_merge_does_not_count_as_duplicate_but_explicit_keys_do() -> None:
    assert load_one("<<: {a: 1}\na: 2\n") == {"a": 2}
    assert "already defined" in load_error("a: 1\n<<: {b: 1}\na: 2\n").message


def test_quoted_merge_key_is_a_plain_key() -> None:
    assert load_one("'<<': {a: 1}\n") == {"<<": {"a": 1}}
    assert load_one("!!merge <<: {a: 1}\n") == {"a": 1}


@pytest.mark.parametrize(
    "text",
    ["<<: 1\n", "<<: [1]\n", "<<: ~\n", "a: &l [{x: 1}]\nb:\n  <<: *l\n"],
)
def test_bad_merge_values(text: str) -> None:
    assert load_error(text).message == "map merge requires map or sequence of maps as the value"


def test_aliases_are_copies() -> None:
    obj = load_one("a: &x {b: [1, 2]}\nc: *x\n")
    assert obj == {"a": {"b": [1, 2]}, "c": {"b": [1, 2]}}
    obj["a"]["b"].append(3)
    assert obj["c"] == {"b": [1, 2]}


def test_anchor_redefinition_is_allowed_like_go_yaml() -> None:
    assert load_one("a: &x 1\nb: &x 2\nc: *x\n") == {"a": 1, "b": 2, "c": 2}


def test_alias_errors() -> None:
    assert str(load_error("a: 1\nb: *nope\n")) == (
        "tasks.yaml: document 0 (line 2, column 4): unknown anchor 'nope' referenced"
    )
    assert load_error("a: &x [1, *x]\n").message == (
        "an alias refers to the anchor that contains it"
    )


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    err = load_error("\n".join(lines) + "\n")
    assert err.message == "document contains excessive aliasing"
    assert time.perf_counter() - started < 2


def test_moderate_alias_use_is_fine() -> None:
    text = "d: &d {x: 1, y: [1, 2, 3]}\n" + "".join(f"k{i}: *d\n" for i in range(500))
    assert len(load_one(text)) == 501


# --------------------------------------------------------------------------------------
# Streams: documents, lines, Lists


THREE_DOCS = """\
# Copyright header, before the first separator
---
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: one
---
---

# a comment-only piece is no document
---
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: two
---   # a comment after the dashes is allowed
~
---
# leading comment
kind: Pipeline
apiVersion: tekton.dev/v1
"""


def test_documents_index_and_line() -> None:
    docs = load_documents(THREE_DOCS, "tasks.yaml")
    assert [(d.index, d.line, d.item) for d in docs] == [(0, 3, None), (1, 12, None), (3, 20, None)]
    assert [d.obj.get("metadata", {}).get("name") for d in docs] == ["one", "two", None]
    assert docs[2].obj == {"kind": "Pipeline", "apiVersion": "tekton.dev/v1"}
    assert all(d.file == "tasks.yaml" for d in docs)
    assert docs[1].location == "tasks.yaml: document 1 (line 12)"


def test_document_is_frozen() -> None:
    doc = load_documents("a: 1\n", "x.yaml")[0]
    assert doc == Document("x.yaml", 0, 1, {"a": 1}, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.index = 3  # type: ignore[misc]


def test_error_in_third_document_has_absolute_line_and_column() -> None:
    text = (
        "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n"
        "---\n# third\napiVersion: v1\nkind: C\nspec:\n  steps:\n  - name: x\n"
        "    image: y\n  a: b: c\n"
    )
    err = load_error(text)
    assert str(err) == (
        "tasks.yaml: document 2 (line 14, column 7): mapping values are not allowed in this context"
    )
    assert (err.file, err.index, err.line, err.column) == ("tasks.yaml", 2, 14, 7)


def test_parser_error_names_its_context() -> None:
    err = load_error("a:\n  - b\n c: d\n")
    assert str(err) == (
        "tasks.yaml: document 0 (line 3, column 2): did not find expected key "
        "(while parsing a block mapping at line 1, column 1)"
    )


def test_control_characters_are_located() -> None:
    err = load_error("a: 1\n---\nb: é\nc: x\x01\n")
    assert str(err) == (
        "tasks.yaml: document 1 (line 4, column 5): control characters are not allowed "
        "(found #x0001)"
    )


def test_separator_rules_follow_apimachinery() -> None:
    assert str(load_error("a: 1\n--- |\n  text\n")) == (
        "tasks.yaml: document 1 (line 2, column 1): invalid Yaml document separator: |"
    )
    assert load_error("a: 1\n---x\n").message == "invalid Yaml document separator: x"
    # "..." ends a document; go-yaml reads only the first one of a piece.
    assert [d.obj for d in load_documents("a: 1\n...\nb: 2\n", "t")] == [{"a": 1}]
    # A directive needs its own "---", which kubectl's splitting takes away.
    assert "did not find expected <document start>" in load_error("%YAML 1.1\n---\na: 1\n").message


def test_crlf_and_bom() -> None:
    docs = load_documents(b"\xef\xbb\xbfa: 1\r\n---\r\nb: [1,\r\n 2]\r\n", "w.yaml")
    assert [(d.obj, d.line) for d in docs] == [({"a": 1}, 1), ({"b": [1, 2]}, 3)]
    assert load_documents("\ufeffa: x\r\n", "w")[0].obj == {"a": "x"}


def test_list_kinds_are_expanded() -> None:
    text = (
        "kind: Task\napiVersion: v1\n---\n"
        "apiVersion: tekton.dev/v1\n"
        "kind: TaskList\n"
        "items:\n"
        "- metadata: {name: a}\n"
        "- apiVersion: tekton.dev/v1\n  kind: Pipeline\n  metadata: {name: b}\n"
        "- kind: Task\n"
    )
    docs = load_documents(text, "l.yaml")
    assert [(d.index, d.line, d.item) for d in docs] == [
        (0, 1, None),
        (1, 4, 0),
        (1, 4, 1),
        (1, 4, 2),
    ]
    # An item with neither kind nor apiVersion gets them from the List (apimachinery).
    assert docs[1].obj == {"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "a"}}
    assert docs[2].obj["kind"] == "Pipeline"
    assert docs[3].obj == {"kind": "Task"}
    assert docs[2].location == "l.yaml: document 1 (line 4), item 1"


def test_kind_list_items_keep_their_own_kinds() -> None:
    docs = load_documents("kind: List\napiVersion: v1\nitems:\n- {kind: A}\n- {kind: B}\n", "l")
    assert [d.obj for d in docs] == [{"kind": "A"}, {"kind": "B"}]


def test_list_errors() -> None:
    assert str(load_error("kind: List\nitems:\n- a: 1\n- 2\n")) == (
        "tasks.yaml: document 0 (line 1): item 1 of the List: expected a mapping "
        "(a Kubernetes object), got a number"
    )
    assert load_error("kind: List\nitems: {a: 1}\n").message == (
        "items of a List must be a list, got a mapping"
    )
    assert load_error("kind: List\nitems: []\n").message == (
        "no objects found (every document is empty or an empty List)"
    )
    assert load_documents("kind: List\nitems: []\n", "t", allow_empty=True) == []


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("- a\n- b\n", "a list"),
        ("just text\n", "a string"),
        ("42\n", "a number"),
        ("yes\n", "a boolean"),
    ],
)
def test_documents_must_be_mappings(text: str, what: str) -> None:
    assert str(load_error(text)) == (
        f"tasks.yaml: document 0 (line 1): expected a mapping (a Kubernetes object), got {what}"
    )


def test_non_mapping_in_second_document() -> None:
    assert str(load_error("a: 1\n---\n\n- x\n")) == (
        "tasks.yaml: document 1 (line 4): expected a mapping (a Kubernetes object), got a list"
    )


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("", "the file is empty"),
        (b"", "the file is empty"),
        ("  \n\n", "the file is empty"),
        ("# only a comment\n---\n# another\n", "the file has only comments"),
        ("---\n~\n---\nnull\n", "every document is empty or an empty List"),
    ],
)
def test_no_objects(source: str | bytes, reason: str) -> None:
    assert str(load_error(source)) == f"tasks.yaml: no objects found ({reason})"
    assert load_documents(source, "t", allow_empty=True) == []


def test_empty_mapping_is_an_object() -> None:
    assert load_documents("{}\n", "t")[0].obj == {}


# --------------------------------------------------------------------------------------
# JSON streams, as kubectl's YAMLOrJSONDecoder reads them


def test_json_stream() -> None:
    text = '{"a": 1.0, "b": 12345678901234567890}\n  {"c": "\\ud83d\\ude00", "d": [1e2]}'
    docs = load_documents(text, "j.json")
    assert [(d.index, d.line) for d in docs] == [(0, 1), (1, 2)]
    assert docs[0].obj == {"a": 1, "b": 1.2345678901234567e19}
    assert docs[1].obj == {"c": "😀", "d": [100]}


def test_json_falls_back_to_yaml_where_json_stops() -> None:
    docs = load_documents('{"a": 1}\nb: 2\n---\nc: yes\n', "j")
    assert [d.obj for d in docs] == [{"a": 1}, {"b": 2}, {"c": True}]
    assert load_one("{a: 1, b: [y, n]}\n") == {"a": 1, "b": [True, False]}
    assert load_one('{"a": NaN}') == {"a": "NaN"}  # not JSON: read as YAML


def test_json_errors() -> None:
    # When the YAML reading fails too, kubectl reports the JSON error.
    assert str(load_error('{"a": [1, }\n')) == (
        "tasks.yaml: document 0 (line 1, column 11): json: Expecting value"
    )
    assert str(load_error('{"a": 1}\n{"a": 2, "a": 3}\n')) == (
        'tasks.yaml: document 1 (line 2, column 1): mapping key "a" already defined'
    )
    assert load_error('{"a": 1e400}').message == "number 1e400 is out of range"
    assert load_error('{"a": 1}\n[1]\n').message == (
        "expected a mapping (a Kubernetes object), got a list"
    )


def test_json_lone_surrogates_become_replacement_characters() -> None:
    assert load_one('{"a": "x\\ud800y"}') == {"a": "x\ufffdy"}


# --------------------------------------------------------------------------------------
# Input handling


def test_sources(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("a: 1\n")
    assert load_documents(path)[0].file == str(path)
    assert load_documents(path, "shown.yaml")[0].file == "shown.yaml"
    # A str is YAML text, never a path.
    assert load_error(str(path)).message == "expected a mapping (a Kubernetes object), got a string"
    assert load_documents(b"a: 1\n")[0].file == "<string>"
    assert load_documents(bytearray(b"a: 1\n"), "b")[0].obj == {"a": 1}
    assert load_documents(memoryview(b"a: 1\n"), "m")[0].obj == {"a": 1}
    assert load_documents(io.StringIO("a: 1\n"), "-")[0].file == "-"
    assert load_documents(io.BytesIO(b"a: 1\n"))[0].file == "<stream>"
    with path.open() as fh:
        assert load_documents(fh)[0].file == str(path)


def test_unreadable_files(tmp_path: Path) -> None:
    assert str(load_error(tmp_path / "missing.yaml", "m.yaml")) == (
        "m.yaml: cannot read file: No such file or directory"
    )
    assert load_error(tmp_path, "d").message == "cannot read file: Is a directory"


def test_invalid_utf8() -> None:
    assert str(load_error(b"a: 1\nb: caf\xe9\n")) == (
        "tasks.yaml: line 2, column 7: not valid UTF-8 (byte 0xe9: invalid continuation byte)"
    )
    assert "not valid UTF-8" in str(load_error(b"\xff\xfea\x00:\x00"))  # UTF-16
    assert str(load_error("a: \ud800\n")) == (
        "tasks.yaml: line 1, column 4: not valid Unicode text: lone surrogate U+D800"
    )


def test_size_cap_is_checked_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: instant, and it is never read
    started = time.perf_counter()
    assert str(load_error(big, "big.yaml")) == (
        "big.yaml: file is 50 MiB (52428800 bytes), over the 16 MiB (16777216 bytes) limit; "
        "not parsing it"
    )
    assert time.perf_counter() - started < 1
    assert DEFAULT_MAX_BYTES == 16 * 1024 * 1024


def test_size_cap_on_other_sources() -> None:
    assert str(load_error("a: 1\n" * 30, "s", max_bytes=100)) == (
        "s: input is 150 bytes, over the 100 bytes limit; not parsing it"
    )
    assert "input is 200 bytes" in str(load_error("é" * 100, "s", max_bytes=150))
    assert "over the 100 bytes limit" in str(load_error(b"x" * 101, "s", max_bytes=100))
    assert load_documents("a: 1\n" + "#" * 95, "s", max_bytes=100)[0].obj == {"a": 1}

    class CountingStream(io.RawIOBase):
        read_total = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            n = len(buffer)
            buffer[:n] = b"#" * n
            self.read_total += n
            return n

    stream = CountingStream()
    assert str(load_error(stream, "-", max_bytes=1000)) == (
        "-: input is larger than the 1000 bytes limit; not parsing it"
    )
    assert stream.read_total <= 1001 + 8192  # one bounded read, never the whole stream


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    err = load_error("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert err.message == f"nesting deeper than {MAX_DEPTH} levels"
    assert load_error("a: " + "[" * 5000).message.startswith("exceeded maximum nesting depth")
    deep = "".join("  " * i + "k:\n" for i in range(2000))
    assert isinstance(load_error(deep), YamlLoadError)
    assert isinstance(load_error("{" + '"a":[' * 3000), YamlLoadError)
    # Aliases can nest deeper than the text does; that is counted too.
    level = "[" * 200 + "]" * 200
    err = load_error(f"a: &x {level}\nb: {'[' * 100}*x{']' * 100}\n")
    assert err.message == f"nesting deeper than {MAX_DEPTH} levels"
    assert load_one("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)) is not None


# --------------------------------------------------------------------------------------
# YamlLoadError


def test_error_text_forms() -> None:
    assert str(YamlLoadError("f.yaml", "boom")) == "f.yaml: boom"
    assert str(YamlLoadError("f.yaml", "boom", index=2)) == "f.yaml: document 2: boom"
    assert str(YamlLoadError("f.yaml", "boom", 2, 14)) == "f.yaml: document 2 (line 14): boom"
    assert str(YamlLoadError("f.yaml", "boom", 2, 14, 3)) == (
        "f.yaml: document 2 (line 14, column 3): boom"
    )
    assert (
        str(YamlLoadError("f.yaml", "boom", line=3, column=1)) == "f.yaml: line 3, column 1: boom"
    )
    assert str(YamlLoadError("f.yaml", "two\nlines")) == "f.yaml: two lines"
    err = pickle.loads(pickle.dumps(YamlLoadError("f", "m", 1, 2, 3)))
    assert (err.file, err.message, err.index, err.line, err.column) == ("f", "m", 1, 2, 3)
    assert isinstance(err, ValueError)


# --------------------------------------------------------------------------------------
# go_json_scalar_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (0, "0"),
        (-12, "-12"),
        (2**64 - 1, "18446744073709551615"),
        (1.0, "1"),
        (1.5, "1.5"),
        (-0.0, "-0"),
        (0.0, "0"),
        (100.0, "100"),
        (0.1, "0.1"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.5e300, "1.5e+300"),
        (1e-6, "0.000001"),
        (1.234e-6, "0.000001234"),
        (1e-7, "1e-7"),  # encoding/json strips the exponent's leading zero
        (1.5e-10, "1.5e-10"),
        (5e-324, "5e-324"),
        (123456789.5, "123456789.5"),
        (2.0**60, "1152921504606847000"),
        ("a&b<c>", '"a\\u0026b\\u003cc\\u003e"'),
        ("é\n\u2028", '"é\\n\\u2028"'),
    ],
)
def test_go_json_scalar_text(value: Any, text: str) -> None:
    assert go_json_scalar_text(value) == text


def test_go_json_scalar_text_refuses_what_json_marshal_refuses() -> None:
    with pytest.raises(ValueError, match=r"json: unsupported value: \+Inf"):
        go_json_scalar_text(math.inf)
    with pytest.raises(ValueError, match="json: unsupported value: NaN"):
        go_json_scalar_text(math.nan)
    with pytest.raises(TypeError):
        go_json_scalar_text([1])


def test_param_value_literal_text_from_yaml() -> None:
    # Tekton's ParamValue keeps a YAML number or bool as the JSON text kubectl sends.
    obj = load_one(
        "params:\n- {name: a, value: 1.50}\n- {name: b, value: yes}\n- {name: c, value: 010}\n"
    )
    assert [go_json_scalar_text(p["value"]) for p in obj["params"]] == ["1.5", "true", "8"]


# --------------------------------------------------------------------------------------
# Writing


def test_dump_yaml_style() -> None:
    obj = {
        "apiVersion": "tekton.dev/v1",
        "kind": "Task",
        "metadata": {"name": "t", "labels": {}},
        "spec": {
            "params": [{"name": "p", "default": "yes"}],
            "steps": [
                {
                    "name": "s",
                    "image": "alpine",
                    "script": "#!/bin/sh\necho hi\n",
                    "args": ["1", "y", "n", "on", "2024-01-01", "1:20", "", "~", "<<", "x"],
                    "env": [],
                }
            ],
        },
        "numbers": [1, 1.0, 1.5, 1e21, 1e-7, 1e6, 123456789.5, True, None],
        "unicode": "ünïcode",
    }
    assert dump_yaml(obj) == (
        "apiVersion: tekton.dev/v1\n"
        "kind: Task\n"
        "metadata:\n"
        "  name: t\n"
        "  labels: {}\n"
        "spec:\n"
        "  params:\n"
        "  - name: p\n"
        '    default: "yes"\n'
        "  steps:\n"
        "  - name: s\n"
        "    image: alpine\n"
        "    script: |\n"
        "      #!/bin/sh\n"
        "      echo hi\n"
        "    args:\n"
        '    - "1"\n'
        '    - "y"\n'
        '    - "n"\n'
        '    - "on"\n'
        '    - "2024-01-01"\n'
        '    - "1:20"\n'
        '    - ""\n'
        '    - "~"\n'
        '    - "<<"\n'
        "    - x\n"
        "    env: []\n"
        "numbers:\n"
        "- 1\n"
        "- 1\n"
        "- 1.5\n"
        "- 1e+21\n"
        "- 1e-07\n"
        "- 1000000\n"
        "- 1.234567895e+08\n"
        "- true\n"
        "- null\n"
        "unicode: ünïcode\n"
    )
    assert load_one(dump_yaml(obj)) == obj


def test_dump_yaml_block_scalars_keep_text_exact() -> None:
    for text in ["a\nb", "a\nb\n", "a\nb\n\n", "  lead\nx", "x\n  y", "trail \nx", "\n", "é\nü"]:
        dumped = dump_yaml({"k": text})
        assert load_one(dumped) == {"k": text}, dumped
    assert dump_yaml({"k": "a\nb"}) == "k: |-\n  a\n  b\n"
    # libyaml ends the document explicitly after a block that keeps trailing lines.
    assert dump_yaml({"k": "a\nb\n\n"}) == "k: |+\n  a\n  b\n\n...\n"


def test_dump_yaml_long_lines_fold_like_kubectl() -> None:
    text = " ".join(["word"] * 30)
    dumped = dump_yaml({"message": text})
    assert len(dumped.splitlines()) == 2  # folded at the first space past 80 columns
    assert load_one(dumped) == {"message": text}
    assert dump_yaml({"message": text}, width=1000) == f"message: {text}\n"


def test_dump_yaml_rejects_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        dump_yaml({"a": object()})
    with pytest.raises(TypeError):
        dump_yaml({("a",): 1})
    nested: Any = []
    for _ in range(MAX_DEPTH + 1):
        nested = [nested]
    with pytest.raises(ValueError, match="nesting deeper"):
        dump_yaml(nested)
    with pytest.raises(ValueError, match="nesting deeper"):
        dump_json(nested)


def test_dump_json_matches_marshal_indent() -> None:
    obj = {"a": [1.0, 1e-7, 1e21, "<&>", {}, [], None, True], "b": {"c": 1}, "é": "ü"}
    assert dump_json(obj) == (
        "{\n"
        '    "a": [\n'
        "        1,\n"
        "        1e-7,\n"
        "        1e+21,\n"
        '        "\\u003c\\u0026\\u003e",\n'
        "        {},\n"
        "        [],\n"
        "        null,\n"
        "        true\n"
        "    ],\n"
        '    "b": {\n'
        '        "c": 1\n'
        "    },\n"
        '    "é": "ü"\n'
        "}\n"
    )
    assert dump_json({}) == "{}\n"
    assert dump_json({"a": 1}, indent=2) == '{\n  "a": 1\n}\n'
    with pytest.raises(ValueError, match="unsupported value"):
        dump_json({"a": math.inf})


# --------------------------------------------------------------------------------------
# The conformance examples


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_loads(path: Path) -> None:
    docs = load_documents(path)
    assert docs
    for doc in docs:
        assert isinstance(doc.obj.get("kind"), str)
        assert load_documents(dump_yaml(doc.obj), "again")[0].obj == doc.obj
        assert json.loads(dump_json(doc.obj)) == doc.obj


def test_examples_exist() -> None:
    assert examples_dir() == EXAMPLES
    assert len(EXAMPLE_FILES) > 100


def test_loading_every_example_is_fast() -> None:
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        for path in EXAMPLE_FILES:
            load_documents(path)
        best = min(best, time.perf_counter() - started)
    assert best < 0.3, f"{len(EXAMPLE_FILES)} files took {best:.3f}s"


# --------------------------------------------------------------------------------------
# Fuzzing


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))


# Fragments that steer random text into interesting YAML.
YAML_PIECES = [
    *"abyn01x.-_+:{}[],&*!|>'\"#%@`?<=~ \n\t\r",
    "\x00",
    "é",
    "\ufeff",
    "\u2028",
    "\x85",
    "---",
    "...",
    "<<",
    "!!int ",
    "!!binary ",
    "!!float ",
    "!!str ",
    "&a ",
    "*a",
    "0x",
    "0o",
    "1e5",
    ".inf",
    "items",
    "kind: List",
    '{"a": ',
]
yamlish = st.lists(st.sampled_from(YAML_PIECES), max_size=60).map("".join)


def assert_contract(source: Any) -> list[Document]:
    """load_documents returns, or raises YamlLoadError with a one-line message."""
    try:
        return load_documents(source, "fuzz.yaml")
    except YamlLoadError as err:
        text = str(err)
        assert "\n" not in text
        assert text.startswith("fuzz.yaml: ")
        assert "internal error" not in text, text
        return []


@fuzz(1500)
@given(st.one_of(st.text(max_size=300), yamlish, st.binary(max_size=200)))
def test_fuzz_arbitrary_input(source: str | bytes) -> None:
    for doc in assert_contract(source):
        # Whatever loads is JSON-like and survives a round trip.
        assert json.loads(dump_json(doc.obj)) == doc.obj
        if "items" not in doc.obj:
            assert load_documents(dump_yaml(doc.obj), "again")[0].obj == doc.obj


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    # Floats in (-2**53, 2**53) keep their exact value through Go's JSON text.
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: abs(f) < 2**53)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=25,
)
# The top-level key "items" would make the object a List.
objects = st.dictionaries(st.text().filter(lambda k: k != "items"), json_values, max_size=6)


@fuzz(300)
@given(objects)
def test_fuzz_dump_yaml_round_trip(obj: dict[str, Any]) -> None:
    text = dump_yaml(obj)
    docs = load_documents(text, "rt.yaml", allow_empty=True)
    assert [d.obj for d in docs] == [obj]


@fuzz(150)
@given(objects)
def test_fuzz_dump_json_is_json(obj: dict[str, Any]) -> None:
    text = dump_json(obj)
    assert json.loads(text) == obj
    assert [d.obj for d in load_documents(text, "rt.json")] == [obj]


@fuzz(60)
@given(st.lists(objects, min_size=1, max_size=4))
def test_fuzz_multi_document_lines(objs: list[dict[str, Any]]) -> None:
    parts = [dump_yaml(o) for o in objs]
    text = "".join("---\n" + p for p in parts)
    docs = load_documents(text, "multi.yaml", allow_empty=True)
    assert [d.obj for d in docs] == objs
    line = 1
    for doc, part in zip(docs, parts, strict=True):
        line += 1  # the separator
        assert doc.line == line
        line += part.count("\n")


@fuzz(500)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_fuzz_float_text_reads_back(value: float) -> None:
    text = go_json_scalar_text(value)
    assert float(text) == value
    assert float(json.loads(text)) == value
    assert float(load_one(dump_yaml({"v": value}))["v"]) == value
    assert float(load_one(dump_json({"v": value}))["v"]) == value


# --------------------------------------------------------------------------------------
# Without libyaml: PyYAML's pure-Python parser and emitter must give the same results


@pytest.fixture
def pure_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "_C_COMPOSER", None)
    monkeypatch.setattr(yamlio, "_EVENT_PARSER", yamlio._PyParser)
    monkeypatch.setattr(yamlio, "_EMITTER", yamlio._PyEmitter)


def test_event_composer_matches_c_composer_on_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    if not yamlio.HAVE_LIBYAML:
        pytest.skip("no libyaml")
    expected = {path: load_documents(path) for path in EXAMPLE_FILES}
    # libyaml events, composed in Python (the path for "!" tags and repeated anchors).
    monkeypatch.setattr(yamlio, "_C_COMPOSER", None)
    assert {path: load_documents(path) for path in EXAMPLE_FILES} == expected


@pytest.mark.usefixtures("pure_python")
def test_pure_python_fallback() -> None:
    assert load_documents(THREE_DOCS, "tasks.yaml") == [
        Document("tasks.yaml", 0, 3, {"apiVersion": "tekton.dev/v1", "kind": "Task",
                                       "metadata": {"name": "one"}}),
        Document("tasks.yaml", 1, 12, {"apiVersion": "tekton.dev/v1", "kind": "Task",
                                        "metadata": {"name": "two"}}),
        Document("tasks.yaml", 3, 20, {"kind": "Pipeline", "apiVersion": "tekton.dev/v1"}),
    ]  # fmt: skip
    assert load_one("a: [y, 0777, 1.0, ! 12]\n") == {"a": [True, 511, 1, "12"]}
    assert load_one("a: &x 1\nb: &x 2\nc: *x\n") == {"a": 1, "b": 2, "c": 2}
    err = load_error("a: 1\n---\nb: é\nc: x\x01\n")
    assert (err.index, err.line, err.column) == (1, 4, 5)
    assert load_error("a: *nope\n").message == "unknown anchor 'nope' referenced"
    assert load_error("[" * (MAX_DEPTH + 1)).message == f"nesting deeper than {MAX_DEPTH} levels"
    obj = {"a": ["yes", "x\ny\n", 1.5, None, {}], "b": "2024-01-01"}
    assert dump_yaml(obj) == 'a:\n- "yes"\n- |\n  x\n  y\n- 1.5\n- null\n- {}\nb: "2024-01-01"\n'
    assert load_one(dump_yaml(obj)) == obj


@pytest.mark.usefixtures("pure_python")
def test_pure_python_fallback_on_examples() -> None:
    for path in EXAMPLE_FILES[:40]:
        for doc in load_documents(path):
            assert load_documents(dump_yaml(doc.obj), "again")[0].obj == doc.obj
