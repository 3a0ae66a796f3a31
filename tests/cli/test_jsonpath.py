"""kubectl's JSONPath templates: the cases of client-go's ``util/jsonpath/jsonpath_test.go``
on decoded JSON (its Go-struct inputs written as the JSON they marshal to), with client-go's
expected output and error messages."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tektite.cli.jsonpath import JSONPathError, parse

TYPES: dict[str, Any] = {
    "bools": [True, False, True, False],
    "integers": [1, 2, 3, 4],
    "floats": [1.0, 2.2, 3.3, 4.0],
    "strings": ["one", "two", "three", "four"],
    "interfaces": [True, "one", 1, 1.1],
    "maps": [
        {"name": "one", "value": 1},
        {"name": "two", "value": 2.02},
        {"name": "three", "value": 3.03},
        {"name": "four", "value": 4.04},
    ],
}

STORE: dict[str, Any] = {
    "Book": [
        {"Category": "reference", "Author": "Nigel Rees", "Title": "Sayings", "Price": 8.95},
        {"Category": "fiction", "Author": "Evelyn Waugh", "Title": "Sword", "Price": 12.99},
        {"Category": "fiction", "Author": "Herman Melville", "Title": "Moby Dick", "Price": 8.99},
    ],
    "Bicycle": [
        {"Color": "red", "Price": 19.95, "IsNew": True},
        {"Color": "green", "Price": 20.01, "IsNew": False},
    ],
    "Name": "jsonpath",
    "Labels": {"engieer": 10, "web/html": 15, "k8s-app": 20},
    "Employees": {"jason": "manager", "dan": "clerk"},
}

NODES: Any = json.loads(
    """{
  "kind": "List",
  "items": [
    {"kind": "None",
     "metadata": {"name": "127.0.0.1", "labels": {"kubernetes.io/hostname": "127.0.0.1"}},
     "status": {"capacity": {"cpu": "4"}, "ready": true,
                "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]}},
    {"kind": "None",
     "metadata": {"name": "127.0.0.2", "labels": {"kubernetes.io/hostname": "127.0.0.2"}},
     "status": {"capacity": {"cpu": "8"}, "ready": false,
                "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.2"},
                              {"type": "another", "address": "127.0.0.3"}]}}
  ],
  "users": [
    {"name": "myself", "user": {}},
    {"name": "e2e", "user": {"username": "admin", "password": "secret"}}
  ]
}"""
)

POINTS: Any = [
    {"id": "i1", "x": 4, "y": -5},
    {"id": "i2", "x": -2, "y": -5, "z": 1},
    {"id": "i3", "x": 8, "y": 3},
    {"id": "i4", "x": -6, "y": -1},
    {"id": "i5", "x": 0, "y": 2, "z": 1},
    {"id": "i6", "x": 1, "y": 4},
]

PODS: Any = {
    "items": [
        {
            "metadata": {"name": "pod1"},
            "spec": {
                "containers": [
                    {"name": "foo", "another": [{"name": "value1"}, {"name": "value2"}]},
                    {"name": "bar", "another": [{"name": "value1"}, {"name": "value2"}]},
                ]
            },
        },
        {
            "metadata": {"name": "pod2"},
            "spec": {"containers": [{"name": "baz", "another": [{"name": "value1"}]}]},
        },
    ]
}

CONTAINERS: Any = {"spec": {"containers": [{"name": f"fake{i}"} for i in range(6)]}}
FOUR: Any = {"spec": {"containers": [{"name": f"fake{i}"} for i in range(4)]}}

CASES: list[tuple[str, Any, str]] = [
    # TestTypesInput
    ("{ .bools }", TYPES, "[true,false,true,false]"),
    ("{ .bools[0] }", TYPES, "true"),
    ("{ .bools[-1] }", TYPES, "false"),
    ("{ .bools[0:2] }", TYPES, "true false"),
    ("{ .bools[:2] }", TYPES, "true false"),
    ("{ .bools[:4:2] }", TYPES, "true true"),
    ("{ .integers }", TYPES, "[1,2,3,4]"),
    ("{ .integers[-2] }", TYPES, "3"),
    ("{ .integers[:4:2] }", TYPES, "1 3"),
    ("{ .floats }", TYPES, "[1,2.2,3.3,4]"),
    ("{ .floats[0] }", TYPES, "1"),
    ("{ .floats[0:2] }", TYPES, "1 2.2"),
    ("{ .strings }", TYPES, '["one","two","three","four"]'),
    ("{ .strings[:4:2] }", TYPES, "one three"),
    ("{ .interfaces }", TYPES, '[true,"one",1,1.1]'),
    ("{ .interfaces[:4:2] }", TYPES, "true 1"),
    ("{ .maps[0] }", TYPES, '{"name":"one","value":1}'),
    ("{ .maps[::2] }", TYPES, '{"name":"one","value":1} {"name":"three","value":3.03}'),
    ("{ .maps[1::2] }", TYPES, '{"name":"two","value":2.02} {"name":"four","value":4.04}'),
    # TestStructInput
    ("hello jsonpath", None, "hello jsonpath"),
    ("{..}", [1, 2, 3], "[1,2,3]"),
    ("{[?(@<5)]}", [2, 6, 3, 7], "2 3"),
    ('{"{"}', None, "{"),
    ("{[1,3,4]}", [0, 1, 2, 3, 4], "1 3 4"),
    ("{[0:2]}", ["Monday", "Tudesday"], "Monday Tudesday"),
    ("hello {.Name}", STORE, "hello jsonpath"),
    ("{$.Labels.web/html}", STORE, "15"),
    ("{$.Employees.jason}", STORE, "manager"),
    ("{.Labels.k8s-app}", STORE, "20"),
    ("{.Bicycle[*].Color}", STORE, "red green"),
    ("{.Book[*].Author}", STORE, "Nigel Rees Evelyn Waugh Herman Melville"),
    (
        '{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}',
        STORE,
        "{red 19.95 true} {green 20.01 false} ",
    ),
    ("{..Price}", STORE, "8.95 12.99 8.99 19.95 20.01"),
    ("{...Price}", STORE, "8.95 12.99 8.99 19.95 20.01"),
    (
        '{range .Bicycle[*]}{ @ }{ " " }{end}',
        STORE,
        '{"Color":"red","IsNew":true,"Price":19.95} {"Color":"green","IsNew":false,"Price":20.01} ',
    ),
    ("{.Book[-1:].Title}", STORE, "Moby Dick"),
    ("{..Book[2].Author}", STORE, "Herman Melville"),
    ("{.Bicycle[?(@.IsNew==true)].Color}", STORE, "red"),
    ("{.hello}", STORE, ""),
    ("before-{.hello}after", STORE, "before-after"),
    # TestJSONInput
    ("{[?(@.z)].id}", POINTS, "i2 i5"),
    ("{[0]['id']}", POINTS, "i1"),
    # TestKubernetes
    ("{range .items[*]}{.metadata.name}, {end}{.kind}", NODES, "127.0.0.1, 127.0.0.2, List"),
    ('{range .items[*]}{.metadata.name}{"\\t"}{end}', NODES, "127.0.0.1\t127.0.0.2\t"),
    ("{.items[*].status.addresses[*].address}", NODES, "127.0.0.1 127.0.0.2 127.0.0.3"),
    (
        "{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}",
        NODES,
        "127.0.0.1, 127.0.0.2, 127.0.0.3, ",
    ),
    ("{.items[*].metadata.name}", NODES, "127.0.0.1 127.0.0.2"),
    (
        "{.items[*]['metadata.name', 'status.capacity']}",
        NODES,
        '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}',
    ),
    (
        "{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
        NODES,
        '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
    ),
    ('{.users[?(@.name=="e2e")].user.password}', NODES, "secret"),
    ("{.items[0].metadata.labels.kubernetes\\.io/hostname}", NODES, "127.0.0.1"),
    (
        '{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}',
        NODES,
        "None",
    ),
    ("{.items[?(@..ready==true)].metadata.name}", NODES, "127.0.0.1"),
    ("{..name}", NODES, "127.0.0.1 127.0.0.2 myself e2e"),
    # TestEmptyRange
    ("{range .items[*]}{.metadata.name}{end}", {"items": []}, ""),
    (
        '{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}'
        '{"+"}{end}',
        {"items": []},
        "",
    ),
    # TestNestedRanges
    (
        '{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}'
        '{"+"}{end}',
        PODS,
        "pod1:foo,bar,+pod2:baz,+",
    ),
    (
        '{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}'
        '{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}',
        PODS,
        "pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,+#",
    ),
    (
        '{range .items[*]}{.metadata.name}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}'
        '{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\n"}{end}',
        PODS,
        "pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n",
    ),
    # TestNegativeIndex
    ("{.spec.containers[0].name}", FOUR, "fake0"),
    ("{.spec.containers[0:0].name}", FOUR, ""),
    ("{.spec.containers[0:-1].name}", FOUR, "fake0 fake1 fake2"),
    ("{.spec.containers[-1].name}", FOUR, "fake3"),
    ("{.spec.containers[-1:].name}", FOUR, "fake3"),
    ("{.spec.containers[-2:].name}", FOUR, "fake2 fake3"),
    ("{.spec.containers[-4].name}", FOUR, "fake0"),
    ("{.spec.containers[5:5].name}", FOUR, ""),
    ("{.spec.containers[-5:-5].name}", FOUR, ""),
    # TestStep
    ("{.spec.containers[0:6:].name}", CONTAINERS, "fake0 fake1 fake2 fake3 fake4 fake5"),
    ("{.spec.containers[1:4:2].name}", CONTAINERS, "fake1 fake3"),
    ("{.spec.containers[1:4:4].name}", CONTAINERS, "fake1"),
    ("{.spec.containers[0:6:5].name}", CONTAINERS, "fake0 fake5"),
    # Go's printing of values: null, large and small floats, a string's bytes
    (
        "{.a} {.b} {.c} {.d}",
        {"a": None, "b": 1e6, "c": 0.00001, "d": 123456.0},
        "<nil> 1e+06 1e-05 123456",
    ),
    ("{.a.*}", {"a": "hi"}, "104 105"),
    ("{.a}", {"a": {"b": "<&>", "a": [1.5, None]}}, '{"a":[1.5,null],"b":"\\u003c\\u0026\\u003e"}'),
]


@pytest.mark.parametrize(("template", "data", "expected"), CASES)
def test_a_template_prints_what_client_go_prints(template: str, data: Any, expected: str) -> None:
    assert parse(template).execute(data) == expected


RUNNING: Any = {
    "items": [
        {"metadata": {"name": "pod1"}, "status": {"phase": "Running"}},
        {"metadata": {"name": "pod2"}, "status": {"phase": "Running"}},
        {"resourceVersion": ""},
    ]
}


def test_a_filter_tolerates_items_without_the_key_unless_missing_keys_are_errors() -> None:
    partial = {
        "items": [
            {"metadata": {"name": "pod1", "annotations": {"color": "blue"}}},
            {"metadata": {"name": "pod2"}},
            {"metadata": {"name": "pod4", "annotations": {"color": "blue"}}},
        ]
    }
    template = parse('{.items[?(@.metadata.annotations.color=="blue")].metadata.name}')
    assert template.execute(partial) == "pod1 pod4"
    with pytest.raises(JSONPathError, match=r"^annotations is not found$"):
        template.execute(partial, allow_missing_keys=False)
    running = parse('{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is up\\n"}{end}')
    assert running.execute(RUNNING) == "pod1 is up\npod2 is up\n"


def test_as_json_prints_each_action_as_an_indented_list() -> None:
    template = parse("{.items[*].metadata.name}")
    assert template.execute(PODS, as_json=True) == '[\n    "pod1",\n    "pod2"\n]\n'


EXECUTION_ERRORS: list[tuple[str, Any, str]] = [
    ("{hello}", STORE, "unrecognized identifier hello"),
    ("{.Labels[0]}", STORE, "map[string]interface {} is not array or slice"),
    ("{.Book[?(@.Price<>10)]}", STORE, "unrecognized filter operator <>"),
    ("{range .Labels.*}{@}{end}{end}", STORE, "not in range, nothing to end"),
    ("{.Name[?(@.x)]}", STORE, "jsonpath is not array or slice and cannot be filtered"),
    ("{.Labels[?(@.x)]}", STORE, "map[engieer:10 k8s-app:20 web/html:15] is not array or slice"),
    ("{.spec.containers[-1:0].name}", FOUR, "starting index 3 is greater than ending index 0"),
    ("{.spec.containers[-5].name}", FOUR, "array index out of bounds: index -1, length 4"),
    ("{.spec.containers[3:1].name}", FOUR, "starting index 3 is greater than ending index 1"),
    ("{.spec.containers[-1:-2].name}", FOUR, "starting index 3 is greater than ending index 2"),
    ("{.spec.containers[0:6:0].name}", CONTAINERS, "step must be > 0"),
    ("{.spec.containers[0:6:-1].name}", CONTAINERS, "step must be > 0"),
    ("{[?(@.x>1.5)].id}", POINTS, "incompatible types for comparison"),
    ("{.Bicycle[?(@.IsNew<true)]}", STORE, "invalid type for comparison"),
    ("{[?(@.*==1)].id}", POINTS, "can only compare one element at a time"),
]


@pytest.mark.parametrize(("template", "data", "message"), EXECUTION_ERRORS)
def test_a_template_that_does_not_fit_the_data_fails_as_client_go_does(
    template: str, data: Any, message: str
) -> None:
    with pytest.raises(JSONPathError) as failure:
        parse(template).execute(data)
    assert str(failure.value).startswith(message)


PARSE_ERRORS: list[tuple[str, str]] = [
    ("{.a[}", "unterminated array"),
    ("{.a", "unclosed action"),
    ("{.a[?(@.b==1)}", "unclosed array expect ]"),
    ("{.a[?(@.b==1}", "unterminated filter"),
    ('{"abc}', "unterminated quoted string"),
    ("{.a[x]}", "invalid array index x"),
    ("{............Price}", "invalid multiple recursive descent"),
    ("{!}", "unrecognized character in action: U+0021 '!'"),
    ("{-}", "cannot parse number -"),
    ('{"\\q"}', 'unquote string "\\q" error invalid syntax'),
]


@pytest.mark.parametrize(("template", "message"), PARSE_ERRORS)
def test_a_template_that_does_not_parse_says_why_as_client_go_does(
    template: str, message: str
) -> None:
    with pytest.raises(JSONPathError, match="^" + re.escape(message) + "$"):
        parse(template)
