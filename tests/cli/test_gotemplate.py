"""kubectl's Go templates (``-o go-template=``): Go's text/template with kubectl's
``exists`` and ``base64decode``, on an object decoded from JSON (numbers float64).

No Go toolchain is available where these tests were written, so every expected value
below comes from reading Go's source (text/template's parse/lex.go, parse/parse.go,
parse/node.go, exec.go and funcs.go of Go 1.25; fmt's print.go and format.go;
strconv's ftoa.go; encoding/base64) and kubectl's printers/template.go, following
the code path each case takes; the comments name the less obvious ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tektite.cli.gotemplate import GoTemplateError, go_value_text, parse
from tests.cli.seed import Seed, at, cond, tektite, ts

DATA: dict[str, Any] = {
    "apiVersion": "tekton.dev/v1",
    "kind": "TaskRun",
    "metadata": {"name": "hello", "labels": {"tier": "web", "app": "demo"}},
    "spec": {"n": 1},
    "status": {
        "podName": None,
        "steps": [{"name": "build", "exitCode": 0}, {"name": "test", "exitCode": 1}],
    },
    "items": ["a", "b", "c"],
    "empty": [],
    "zero": 0,
    "flag": False,
    "data": {"token": "c2VjcmV0"},
}


def run(template: str, data: Any = DATA) -> str:
    return parse(template).execute(data)


def executing(line: int, column: int, node: str, message: str, name: str = "output") -> str:
    """An execution error as Go's exec.go errorf writes it (ErrorContext's byte column)."""
    return f'template: output:{line}:{column}: executing "{name}" at <{node}>: {message}'


OUTPUTS = [
    # fields
    ("{{.kind}}", "TaskRun"),
    ("{{.metadata.name}}/{{.metadata.labels.app}}", "hello/demo"),
    ("{{$.kind}} {{$m := .metadata}}{{$m.name}}", "TaskRun hello"),
    ("text only", "text only"),
    # missing keys: the invalid Value, printed "<no value>"; a field of it is again
    # no value (exec.go evalField returns zero for an invalid receiver)
    ("{{.nope}}|{{.nope.deeper}}|{{.metadata.nope}}", "<no value>|<no value>|<no value>"),
    # JSON null: a nil interface{}; the pipeline digs it to the invalid Value (exec.go
    # evalPipeline), so alone it prints "<no value>", but as an argument of print it is
    # nil, and inside a map or list fmt prints it "<nil>"
    ("{{.status.podName}}", "<no value>"),
    ("{{print .status.podName}} {{print .nope}}", "<nil> <nil>"),
    ("{{.}}", "map[a:<nil> b:[1 <nil>]]", {"a": None, "b": [1, None]}),
    # printing values as fmt's %v does
    (
        "{{.metadata}} {{.items}} {{.flag}} {{.empty}}",
        "map[labels:map[app:demo tier:web] name:hello] [a b c] false []",
    ),
    # numbers are float64, and %v prints one as strconv's shortest 'g' (fmt/print.go:
    # fmtFloat(v, 64, 'g', -1)), in exponent form when the exponent is < -4 or >= 6
    # (strconv/ftoa.go: "if precision was the shortest possible, use precision 6 for
    # this decision"; 21 is encoding/json's threshold, not fmt's)
    (
        "{{.a}} {{.b}} {{.c}} {{.d}} {{.e}} {{.f}} {{.g}} {{.h}} {{.i}}",
        "0 3 1.5 100000 1e+06 1.234567e+06 1e+21 1e-05 0.0001",
        {
            "a": 0,
            "b": 3,
            "c": 1.5,
            "d": 100000,
            "e": 1e6,
            "f": 1234567,
            "g": 1e21,
            "h": 1e-5,
            "i": 0.0001,
        },
    ),
    # constants: exec.go idealConstant: a float when written with . e or p, else int
    (
        "{{1e6}} {{3}} {{0x10}} {{'a'}} {{1.50}} {{-2}} {{0o17}} {{1_000}}",
        "1e+06 3 16 97 1.5 -2 15 1000",
    ),
    ('{{true}} {{false}} {{"a\\tb\\u00e9\\x41"}} {{`raw\\n`}}', "true false a\tbéA raw\\n"),
    # range: lists in order, maps by sorted key, $i $e, else, break, continue, integers
    ("{{range $i, $e := .items}}{{$i}}:{{$e}} {{end}}", "0:a 1:b 2:c "),
    ("{{range $k, $v := .metadata.labels}}{{$k}}={{$v}};{{end}}", "app=demo;tier=web;"),
    ("{{range .status.steps}}{{.name}}={{.exitCode}} {{end}}", "build=0 test=1 "),
    ("{{range .items}}{{.}}{{end}}", "abc"),
    ("{{range $e := .items}}{{$e}}{{end}}", "abc"),
    ("{{range .empty}}x{{else}}none{{end}} {{range .nope}}x{{else}}none{{end}}", "none none"),
    ('{{range .items}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', "a"),
    ('{{range .items}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', "ac"),
    ("{{range $i := 3}}{{$i}}{{end}}", "012"),
    # if / else if / else, truth as Go's isTrue
    ("{{if eq .spec.n 2.0}}two{{else if eq .spec.n 1.0}}one{{else}}many{{end}}", "one"),
    ("{{if .nope}}a{{else if .empty}}b{{else}}c{{end}}", "c"),
    (
        "{{if .items}}L{{end}}{{if .empty}}E{{end}}{{if .zero}}Z{{end}}{{if .kind}}K{{end}}"
        "{{if .status.podName}}P{{end}}{{if 0.0}}0{{end}}{{if .flag}}F{{end}}{{if .nope}}N{{end}}",
        "LK",
    ),
    # with / else / else with
    ("{{with .metadata}}{{.name}}/{{$.kind}}{{end}}", "hello/TaskRun"),
    ("{{with .nope}}x{{else}}y{{end}}", "y"),
    ("{{with .nope}}x{{else with .kind}}{{.}}{{end}}", "TaskRun"),
    # variables: := declares (scoped to the enclosing block), = assigns
    ("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "2"),
    ("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}", "21"),
    # pipelines and parentheses
    ('{{.kind | printf "%s!"}} {{.items | len}} {{"x" | printf "%s-%s" "y"}}', "TaskRun! 3 y-x"),
    ('{{(index .items 1)}} {{(.metadata).name}} {{len (print .kind "s")}}', "b hello 8"),
    # trim markers eat the whitespace next to them; "{{-3}}" is a number
    ("a  {{- .kind -}}  b", "aTaskRunb"),
    ("{{range .items}}\n  {{.}}\n{{- end}}", "\n  a\n  b\n  c"),
    ("x {{-3}} {{- 3}}", "x -33"),
    # comments
    ("a{{/* note */}}b", "ab"),
    ("a {{- /* note */ -}} b", "ab"),
    # printf: fmt's verbs, flags, widths and precisions, and its complaints
    (
        '{{printf "%-6s|%6s|%06.2f|%+d|%x|%X|%q|%v|%5t|%%" "ab" "cd" 3.14159 7 255 "hi" "q" '
        ".spec.n true}}",
        'ab    |    cd|003.14|+7|ff|6869|"q"|1| true|%',
    ),
    (
        '{{printf "%*d|%-*d|%.3s|%c|%q|%U" 5 42 4 7 "abcdef" 65 65 65}}',
        "   42|7   |abc|A|'A'|U+0041",
    ),
    (
        '{{printf "%5.1f|%e|%g|%T %T %T" 2.26 1234.5 0.00001 .spec.n 1 .kind}}',
        "  2.3|1.234500e+03|1e-05|float64 int string",
    ),
    (
        '{{printf "%v %d" .metadata.labels .items}}',
        "map[app:demo tier:web] [%!d(string=a) %!d(string=b) %!d(string=c)]",
    ),
    (
        '{{printf "%d" .spec.n}} {{printf "%s %s" "a"}} {{printf "%s" "a" 2}}',
        "%!d(float64=1) a %!s(MISSING) a%!(EXTRA int=2)",
    ),
    ('{{printf "%s|%d" .nope .nope}}', "%!s(<nil>)|%!d(<nil>)"),
    ('{{printf "%[2]s %[1]s" "a" "b"}}', "b a"),
    # print and println: Sprint puts a space between operands when neither is a string
    ('{{print 1 2 "a" "b" 3 .nope}}', "1 2ab3 <nil>"),
    ('{{println "a" 1}}', "a 1\n"),
    # and / or return the deciding operand, and do not evaluate the rest
    ('{{and 1 0 2}} {{and 1 2}} {{or 0 "" .kind}} {{or .nope 0}}', "0 2 TaskRun 0"),
    (
        "{{or .kind .kind.x}} {{and .nope .kind.x}} {{not .nope}} {{not 1}}",
        "TaskRun <no value> true false",
    ),
    # index, slice, len
    (
        '{{index .metadata.labels "app"}} {{index .items 1}} {{index . "status" "steps" 1 "name"}}',
        "demo b test",
    ),
    # a missing key gives interface{}'s zero value, nil, which the pipeline digs to
    # no value; as an argument of print it is nil (funcs.go index, exec.go)
    (
        '{{index .metadata.labels "nope"}} {{print (index .metadata.labels "nope")}}',
        "<no value> <nil>",
    ),
    ("{{index .kind 0}}", "84"),  # a string's byte: uint8 'T'
    ("{{slice .items 1}} {{slice .items 1 2}} {{slice .kind 0 4}}", "[b c] [b] Task"),
    ("{{len .items}} {{len .metadata.labels}} {{len .kind}} {{len .empty}}", "3 2 7 0"),
    # comparisons
    ('{{eq .kind "TaskRun"}} {{eq .kind "x" "TaskRun"}} {{ne .kind "x"}}', "true true true"),
    ('{{lt .spec.n 2.0}} {{le 1 1}} {{gt "b" "a"}} {{ge 1.5 2.0}}', "true true true false"),
    ('{{eq .nope .status.podName}} {{eq .nope "x"}} {{eq $.items .nope}}', "true false false"),
    # kubectl's exists (a present, non-null value) and base64decode
    (
        '{{exists . "kind"}} {{exists . "nope"}} {{exists . "status" "podName"}} '
        '{{exists .metadata "labels" "app"}} {{exists .items 2}} {{exists .items 3}} '
        "{{exists .items .spec.n}}",
        "true false false true true false false",
    ),
    ("{{base64decode .data.token}}", "secret"),
    # html, js, urlquery; a nil argument is "<no value>" to them (funcs.go evalArgs)
    (
        "{{html \"<a href='x'>&</a>\"}} {{html .nope}}",
        "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt; &lt;no value&gt;",
    ),
    ('{{js "it\'s <b>"}} {{urlquery "a b/c?d=e"}}', "it\\'s \\u003Cb\\u003E a+b%2Fc%3Fd%3De"),
    # define, template, block
    ('{{define "t"}}[{{.}}]{{end}}{{template "t" .kind}}{{template "t"}}', "[TaskRun][<no value>]"),
    ('{{block "b" .items}}{{len .}}{{end}}', "3"),
]


@pytest.mark.parametrize("case", OUTPUTS, ids=[case[0] for case in OUTPUTS])
def test_output(case: tuple[Any, ...]) -> None:
    template, expected, *data = case
    assert run(template, *data) == expected


PARSE_ERRORS = [
    ("{{.kind", "unclosed action"),
    ("{{foo}}", 'function "foo" not defined'),
    ("{{end}}", "unexpected {{end}}"),
    ("{{else}}", "unexpected {{else}}"),
    ("{{if .a}}x", "unexpected EOF"),
    ("{{if .a}}{{else}}{{else}}{{end}}", "expected end; found {{else}}"),
    ("{{break}}", "{{break}} outside {{range}}"),
    ("{{$x}}", 'undefined variable "$x"'),
    ("{{with $x := 1}}{{end}}{{$x}}", 'undefined variable "$x"'),
    ("{{3 | 4}}", "non executable command in pipeline stage 2"),
    ("{{(1}}", "unclosed left paren"),
    ("{{1)}}", "unexpected right paren"),
    ("{{}}", "missing value for command"),
    ("{{.kind.}}", "unexpected <.> in operand"),
    ("{{#}}", 'unexpected "#" in command'),
    ('{{"abc}}', "unterminated quoted string"),
    ('{{"\\q"}}', "invalid syntax"),
    ("{{range $i, $e, $f := .items}}{{end}}", "too many declarations in range"),
    ("{{$a, $b := 1}}", "too many declarations in command"),
    ("{{99999999999999999999}}", 'integer overflow: "99999999999999999999"'),
    ("{{1a}}", 'bad number syntax: "1a"'),
    ("{{.a!}}", "bad character U+0021 '!'"),
    ("{{/* note", "unclosed comment"),
    ("{{/* note */ }}", "comment ends before closing delimiter"),
    ('{{"x".y}}', 'unexpected . after term "\\"x\\""'),
]


@pytest.mark.parametrize(("template", "message"), PARSE_ERRORS)
def test_parse_error(template: str, message: str) -> None:
    with pytest.raises(GoTemplateError) as e:
        parse(template)
    assert str(e.value) == f"template: output:1: {message}"


def test_parse_errors_name_the_line() -> None:
    """parse.go errorf reports the line of the latest token; a lexer error inside an
    action that started on another line says where it started."""
    with pytest.raises(GoTemplateError, match=r"^template: output:2: missing value for if$"):
        parse("x\n{{if}}")
    with pytest.raises(GoTemplateError) as e:
        parse("{{.a\n")
    assert str(e.value) == "template: output:2: unclosed action started at output:1"


EXEC_ERRORS = [
    # A field's position is that of the field after the first (parse.go operand makes
    # the chain there), and the column is a byte offset in the line (ErrorContext).
    ("{{.kind.x}}", executing(1, 7, ".kind.x", "can't evaluate field x in type interface {}")),
    (
        "{{.status.podName.x}}",
        executing(1, 9, ".status.podName.x", "nil pointer evaluating interface {}.x"),
    ),
    # a variable holds the dug value: its type is the concrete one
    ("{{$k := .kind}}{{$k.x}}", executing(1, 19, "$k.x", "can't evaluate field x in type string")),
    (
        "line1\n  {{.kind.x}}",
        executing(2, 9, ".kind.x", "can't evaluate field x in type interface {}"),
    ),
    ("é{{.kind.x}}", executing(1, 9, ".kind.x", "can't evaluate field x in type interface {}")),
    (
        '{{define "t"}}{{.x.y}}{{end}}{{template "t" .kind}}',
        executing(1, 18, ".x.y", "can't evaluate field x in type string", name="t"),
    ),
    ("{{.kind 1}}", executing(1, 2, ".kind", "kind is not a method but has arguments")),
    ("{{nil}}", executing(1, 2, "nil", "nil is not a command")),
    ("{{1 2}}", executing(1, 2, "1", "can't give argument to non-function 1")),
    ('{{template "nope"}}', executing(1, 11, '{{template "nope"}}', 'template "nope" not defined')),
    ("{{range .kind}}{{end}}", executing(1, 8, ".kind", "range can't iterate over TaskRun")),
    (
        "{{18446744073709551615}}",
        executing(1, 2, "18446744073709551615", "18446744073709551615 overflows int"),
    ),
    # comparisons: funcs.go's messages (Go >= 1.25 names the types)
    (
        "{{eq .spec.n 1}}",
        executing(
            1,
            2,
            "eq .spec.n 1",
            "error calling eq: incompatible types for comparison: float64 and int",
        ),
    ),
    (
        "{{lt .kind 1.5}}",
        executing(
            1,
            2,
            "lt .kind 1.5",
            "error calling lt: incompatible types for comparison: string and float64",
        ),
    ),
    (
        "{{lt .metadata 1}}",
        executing(1, 2, "lt .metadata 1", "error calling lt: invalid type for comparison"),
    ),
    (
        "{{lt true false}}",
        executing(1, 2, "lt true false", "error calling lt: invalid type for comparison"),
    ),
    (
        "{{eq .kind}}",
        executing(1, 2, "eq .kind", "error calling eq: missing argument for comparison"),
    ),
    (
        "{{eq .metadata.labels .metadata.labels}}",
        executing(
            1,
            2,
            "eq .metadata.labels .metadata.labels",
            "error calling eq: non-comparable type map[app:demo tier:web]: map[string]interface {}",
        ),
    ),
    # evalCall's argument count check is reported at the function's identifier
    ("{{ne 1}}", executing(1, 2, "ne", "wrong number of args for ne: want 2 got 1")),
    (
        "{{index}}",
        executing(1, 2, "index", "wrong number of args for index: want at least 1 got 0"),
    ),
    # index: indexArg lets index == len through and reflect's Index panics
    (
        "{{index .items 3}}",
        executing(1, 2, "index .items 3", "error calling index: reflect: slice index out of range"),
    ),
    (
        "{{index .items 9}}",
        executing(1, 2, "index .items 9", "error calling index: index out of range: 9"),
    ),
    (
        "{{index .items .spec.n}}",
        executing(
            1,
            2,
            "index .items .spec.n",
            "error calling index: cannot index slice/array with type float64",
        ),
    ),
    (
        '{{index .nope "x"}}',
        executing(1, 2, 'index .nope "x"', "error calling index: index of untyped nil"),
    ),
    (
        "{{slice .items 2 1}}",
        executing(1, 2, "slice .items 2 1", "error calling slice: invalid slice index: 2 > 1"),
    ),
    ("{{len .spec.n}}", executing(1, 2, "len .spec.n", "error calling len: len of type float64")),
    (
        "{{len .status.podName}}",
        executing(1, 2, "len .status.podName", "error calling len: len of nil pointer"),
    ),
    # a string parameter: validateType and evalString
    (
        "{{base64decode .spec.n}}",
        executing(1, 20, ".spec.n", "wrong type for value; expected string; got float64"),
    ),
    ("{{printf 3}}", executing(1, 9, "3", "expected string; found 3")),
    # encoding/base64: the offset of the bad byte, or of the unfinished quantum
    (
        '{{base64decode "c2Vj!"}}',
        executing(
            1,
            2,
            'base64decode "c2Vj!"',
            "error calling base64decode: base64 decode failed: illegal base64 data at input byte 4",
        ),
    ),
    (
        '{{base64decode "c2VjcmV"}}',
        executing(
            1,
            2,
            'base64decode "c2VjcmV"',
            "error calling base64decode: base64 decode failed: illegal base64 data at input byte 4",
        ),
    ),
]


@pytest.mark.parametrize(("template", "message"), EXEC_ERRORS)
def test_execution_error(template: str, message: str) -> None:
    with pytest.raises(GoTemplateError) as e:
        run(template)
    assert str(e.value) == message


def test_object_text_is_fmt_plus_v() -> None:
    """What kubectl prints as "object given to template engine" (%+v after the JSON
    round trip: numbers float64, keys sorted)."""
    assert go_value_text({"b": [1, None], "a": {"x": 1e6}}) == "map[a:map[x:1e+06] b:[1 <nil>]]"


# -- cases of Go's own tests -----------------------------------------------------------

# text/template's exec_test.go execTests whose data needs no Go types (its nil, or a
# value JSON can hold), with Go's expected output.
GO_EXEC_TESTS = [
    ("{{.foo}}", "<no value>", None),  # field on interface
    ("{{(.).foo}}", "<no value>", None),  # field on parenthesized interface
    ("{{(1)}}", "1", None),
    ("{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", "3", None),
    ("{{if false}}FALSE{{else if true}}TRUE{{end}}", "TRUE", None),
    ("{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", None),
    ("{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", None),
    (
        "{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}",
        "notempty",
        None,
    ),
    ('{{print "hello, print"}}', "hello, print", None),
    ("{{print 1 2 3}}", "1 2 3", None),
    ("{{print nil}}", "<nil>", None),
    ("{{println 1 2 3}}", "1 2 3\n", None),
    ('{{printf "%04x" 127}}', "007f", None),
    ('{{printf "%g" 3.5}}', "3.5", None),
    ('{{printf "%s" "hello"}}', "hello", None),
    (
        '{{html "<script>alert(\\"XSS\\");</script>"}}',
        "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
        None,
    ),
    (
        '{{printf "<script>alert(\\"XSS\\");</script>" | html}}',
        "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
        None,
    ),
    ("{{js .}}", "It\\'d be nice.", "It'd be nice."),
    ('{{"http://www.example.org/"|urlquery}}', "http%3A%2F%2Fwww.example.org%2F", None),
    ("{{not true}} {{not false}}", "false true", None),
    ("{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", "false 0 0 1", None),
    ("{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", "0 1 true 1", None),
    ("{{1 | and 1}} {{0 | and 1}} {{1 | or 0}} {{0 | or 0}}", "1 0 1 0", None),
    ("{{and 1 .Unknown}} {{or 0 .Unknown}}", "<no value> <no value>", None),
    ("{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", "FALSE", None),
    ("{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}", "FALSE", None),
    ('{{range $v := 5}}{{printf "%T%d" $v $v}}{{end}}', "int0int1int2int3int4", None),
    (
        "{{print 1234}} {{print 12_34}} {{print 0b101}} {{print 0b_1_0_1}} {{print 0B101}}",
        "1234 1234 5 5 5",
        None,
    ),
    ("{{print 0377}} {{print 0o377}} {{print 0o_3_7_7}} {{print 0O377}}", "255 255 255 255", None),
    ("{{print 0x123}} {{print 0x1_23}} {{print 0X123ABC}}", "291 291 1194684", None),
    ("{{print 123.4}} {{print 0_0_1_2_3.4}}", "123.4 123.4", None),
    ("{{print +0x1.ep+2}} {{print +0x_1.e_0p+0_2}} {{print +0X1.EP+2}}", "7.5 7.5 7.5", None),
    ("{{print 1_2_3_4 7.5_00_00_00}} {{print 1234 0x0_1.e_0p+02}}", "1234 7.5 1234 7.5", None),
    ("{{printf `%T` 0xef}} {{printf `%T` 0XEE}}", "int int", None),
    ('{{"aaa"|printf }}', "aaa", None),
]


@pytest.mark.parametrize(("template", "expected", "data"), GO_EXEC_TESTS)
def test_go_exec_tests(template: str, expected: str, data: Any) -> None:
    assert run(template, data) == expected


# exec_test.go's execTests that must fail, and TestExecError's exact message (its
# "{{index "hi" $}}" on the Go int 5 written {{index "hi" 5}}: JSON has no ints).
GO_EXEC_FAILURES = ["{{1 2}}", "{{(1) 2}}", "{{if nil}}TRUE{{end}}", "{{len 3}}", "{{3 2}}"]
GO_EXEC_FAILURES += ["{{$x := 1}}{{$x 2}}", "{{$x := 1}}{{3 | $x}}", "{{(nil).True}}"]
GO_EXEC_FAILURES += ["{{$x := nil}}{{$x.anything}}", "{{true|printf}}", "{{1|printf}}"]
GO_EXEC_FAILURES += ['{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}']
GO_EXEC_FAILURES += ["{{index nil 1}}", "{{slice .SI -1}}", "{{call nil}}", "{{call}}"]


@pytest.mark.parametrize("template", GO_EXEC_FAILURES)
def test_go_exec_failures(template: str) -> None:
    with pytest.raises(GoTemplateError):
        run(template, {"SI": [3, 4, 5]})


def test_go_exec_error_in_a_nested_template() -> None:
    text = (
        'line 1\nline 2\nline 3\n{{template "one" .}}\n'
        '{{define "one"}}{{template "two" .}}{{end}}\n'
        '{{define "two"}}{{template "three" .}}{{end}}\n'
        '{{define "three"}}{{index "hi" 5}}{{end}}'
    )
    with pytest.raises(GoTemplateError) as e:
        run(text, 5)
    assert str(e.value) == executing(
        7, 20, 'index "hi" 5', "error calling index: index out of range: 5", name="three"
    )


# parse_test.go's errorTests: Go checks that the error contains the text.
GO_PARSE_ERRORS = [
    ("line1\n{{", "output:2: unclosed action"),
    ("line1\n{{define `x`}}line2\n{{", "output:3: unclosed action"),
    ('line1\n{{"x"\n"y"\n', "output:4: unclosed action started at output:2"),
    ("{{\n\n\n\n\n", "output:6: unclosed action started at output:1"),
    ("line1\n{{\nx\n}}", 'output:3: function "x" not defined'),
    ("{{/*}}", "output:1: unclosed comment"),
    ("{{/*\nhello\n}}", "output:1: unclosed comment"),
    ("{{.X (1 2 3}}", "unclosed left paren"),
    ("{{.X 1 2 3 ) }}", "unexpected right paren"),
    ("{{(.X 1 2 3", "unclosed action"),
    ("{{`x`3}}", "in operand"),
    ("{{a#}}", "'#'"),
    ("{{'a}}", "unterminated character constant"),
    ('{{"a}}', "unterminated quoted string"),
    ("{{`a}}", "unterminated raw quoted string"),
    ("{{0xi}}", "number syntax"),
    ("{{define `a`}}a{{end}}{{define `a`}}b{{end}}", "multiple definition of template"),
    ("{{range .X}}", "unexpected EOF"),
    ("{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}", 'unexpected ":="'),
    ("{{$a,$b,$c := 23}}", "too many declarations"),
    ("{{$a}}", "undefined variable"),
    ("{{true.any}}", "unexpected . after term"),
    ("{{12|false}}", "non executable command in pipeline"),
    ("{{ ( ) }}", "missing value for parenthesized pipeline"),
    ("{{ $v := `\n` }} {{", "output:2: unclosed action"),
    ("{{range $k}}{{end}}", "undefined variable"),
    ("{{range $k, $v}}{{end}}", "undefined variable"),
    ("{{range $k,}}{{end}}", "missing value for range"),
    ("{{range $k, $v := }}{{end}}", "missing value for range"),
    ("{{range $k, .}}{{end}}", "range can only initialize variables"),
    ("{{range $k, 123 := .}}{{end}}", "range can only initialize variables"),
]


@pytest.mark.parametrize(("template", "part"), GO_PARSE_ERRORS)
def test_go_parse_errors(template: str, part: str) -> None:
    with pytest.raises(GoTemplateError) as e:
        parse(template)
    assert part in str(e.value)


# -- through the CLI -------------------------------------------------------------------

NOW = at(hours=1)


@pytest.fixture
def seed(tmp_path: Path) -> Iterator[Seed]:
    s = Seed(tmp_path / "home")
    s.add(
        "TaskRun",
        "tr-1",
        "foo",
        labels={"tekton.dev/task": "build"},
        spec={"taskRef": {"name": "build", "kind": "Task"}},
        status={"conditions": cond("True", "Succeeded"), "startTime": ts(at())},
        created=at(),
    )
    s.add(
        "TaskRun",
        "tr-2",
        "foo",
        labels={"tekton.dev/task": "build"},
        spec={"taskRef": {"name": "build", "kind": "Task"}},
        status={"conditions": cond("False", "Failed"), "startTime": ts(at(minutes=1))},
        created=at(minutes=1),
    )
    yield s
    s.close()


def test_taskrun_list_go_template(seed: Seed, tmp_path: Path) -> None:
    """-o go-template= (and its alias template=) runs once on the TaskRunList and
    prints its text as it is; go-template-file= and templatefile= read it from a file."""
    template = (
        '{{range .items}}{{.metadata.name}} {{(index .status.conditions 0).reason}}{{"\\n"}}{{end}}'
    )
    result = tektite(seed.home, NOW, "tr", "list", "-n", "foo", "-o", f"go-template={template}")
    assert (result.exit_code, result.stdout) == (0, "tr-2 Failed\ntr-1 Succeeded\n")
    alias = tektite(seed.home, NOW, "tr", "list", "-n", "foo", "-o", "template={{.kind}}")
    assert alias.stdout == "TaskRunList"
    file = tmp_path / "template.tmpl"
    file.write_text("{{len .items}} {{.apiVersion}}\n")
    for fmt in ("go-template-file", "templatefile"):
        from_file = tektite(seed.home, NOW, "tr", "list", "-n", "foo", "-o", f"{fmt}={file}")
        assert (from_file.exit_code, from_file.stdout) == (0, "2 tekton.dev/v1\n")


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "go-templat={{.kind}}",
            'unable to match a printer suitable for the output format "go-templat={{.kind}}", '
            "allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
            "jsonpath-file,name,template,templatefile,yaml\n",
        ),
        ("go-template", "template format specified but no template given\n"),
        (
            "go-template={{.kind",
            "error parsing template {{.kind, template: output:1: unclosed action\n",
        ),
        (
            "templatefile=/nonexistent/t",
            "error reading --template /nonexistent/t, "
            "open /nonexistent/t: no such file or directory\n",
        ),
    ],
)
def test_a_bad_go_template_is_refused_as_tkn_refuses_it(
    seed: Seed, output: str, message: str
) -> None:
    result = tektite(seed.home, NOW, "tr", "list", "-n", "foo", "-o", output)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}")


def test_a_failing_go_template_says_why(seed: Seed) -> None:
    """kubectl's error, then the debugging text it writes, in one error (as for a
    JSONPath template nothing goes to standard output)."""
    result = tektite(
        seed.home, NOW, "tr", "describe", "tr-1", "-n", "foo", "-o", "go-template={{.kind.x}}"
    )
    assert (result.exit_code, result.stdout) == (1, "")
    err = executing(1, 7, ".kind.x", "can't evaluate field x in type interface {}")
    lines = result.stderr.splitlines()
    assert lines[:4] == [
        f'Error: error executing template "{{{{.kind.x}}}}": {err}',
        f"Error executing template: {err}. Printing more information for debugging the template:",
        "\ttemplate was:",
        "\t\t{{.kind.x}}",
    ]
    assert lines[4] == "\traw data was:"
    assert lines[5].startswith('\t\t{"apiVersion":"tekton.dev/v1","kind":"TaskRun",')
    assert lines[6] == "\tobject given to template engine was:"
    assert lines[7].startswith("\t\tmap[apiVersion:tekton.dev/v1 kind:TaskRun metadata:map[")


def test_kubectl_get_go_template(seed: Seed) -> None:
    result = tektite(
        seed.home,
        NOW,
        "get",
        "taskruns",
        "-n",
        "foo",
        "-o",
        "go-template={{range .items}}{{.metadata.name}} {{end}}",
    )
    assert (result.exit_code, result.stdout) == (0, "tr-1 tr-2 ")
