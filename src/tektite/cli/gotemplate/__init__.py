"""kubectl's Go templates, for ``-o go-template=TEMPLATE`` (tkn and kubectl take it).

A port of Go's ``text/template`` (its lexer, parser and executor, Go 1.25) as kubectl's
``GoTemplatePrinter`` (``k8s.io/cli-runtime/pkg/printers/template.go``) uses it: one
template named ``output``, Go's builtin functions plus kubectl's ``exists`` and
``base64decode``, run on the object as ``json.Unmarshal`` decodes it into
``interface{}`` (so every number is a ``float64``; :meth:`Template.execute` converts).

The grammar is Go's: text and ``{{ }}`` actions, trim markers (``{{- `` and `` -}}``
eat the whitespace next to them), comments ``{{/* */}}``, string literals (``"…"``
with Go's escapes, and raw ``…``), numbers and character constants, ``true``,
``false``, ``nil``, ``.``, fields ``.a.b``, variables ``$``, ``$x``, ``$x.a``,
parenthesized pipelines and ``(…).a``, pipelines with ``|``, declarations
``$x := …`` and assignments ``$x = …``; ``if``/``else if``/``else``, ``range``
(``$i, $e :=``; lists in order, maps by sorted key, integers; ``{{else}}`` when
empty; ``break``/``continue``), ``with``/``else with``/``else``, and ``define``,
``template`` and ``block``. The functions are ``and``, ``or`` (short-circuit: the
deciding operand), ``not``, ``len``, ``index``, ``slice``, ``print``, ``printf``,
``println``, ``eq``, ``ne``, ``lt``, ``le``, ``gt``, ``ge``, ``html``, ``js``,
``urlquery``, ``call``, ``exists`` and ``base64decode``; values print as ``fmt``
prints them (``%v``: ``map[a:1 b:x]`` with sorted keys, ``[a b]``, ``<nil>``,
float64 in Go's shortest ``%g``, so ``1e+06``), and ``printf`` takes Go's verbs,
flags, widths, precisions, ``*`` and ``[n]``.

Semantics follow Go's reflection rules closely, because they show in the output: a
missing map key is Go's invalid value, printed ``<no value>`` (and a field of it is
again no value), while a JSON ``null`` reached through a field is a nil
``interface{}`` (a field of it is the error ``nil pointer evaluating interface
{}.NAME``; printed alone, the pipeline digs it to no value too); a field of a string
or number is ``can't evaluate field NAME in type interface {}``. Parse errors read
``template: output:LINE: MESSAGE`` and execution errors ``template:
output:LINE:COL: executing "output" at <NODE>: MESSAGE`` with Go's byte column, node
text and message.

Known differences from Go, all in rare corners:

- Only kubectl's own two functions are added to Go's builtins. Tools that give their
  templates the ``sprig`` library (``default``, ``upper``, ``b64enc``…) differ
  there; a template using one fails here with ``function "default" not defined``.
- Complex numbers (``1i``, ``1+2i``) are refused at parse time.
- ``slice`` takes a list's capacity to be its length (Go's decoder leaves spare
  capacity that ``slice x 1 N`` can reach into).
- ``printf``: ``%p``, and ``%x``/``%b`` of a float with a precision or a subnormal
  value, are approximate.
- Nesting deeper than Python's stack allows fails with Go's messages (``max
  expression depth exceeded`` when parsing, ``exceeded maximum template depth`` for
  templates that call themselves) before Go's own limits.
- When execution fails, Go has already written the output that came before the
  error; here the error replaces all of it.
- ``base64decode`` output that is not UTF-8 has its bad bytes replaced.
- ``eq``/``lt``' "incompatible types" message names both types, as Go ≥ 1.25 does
  (earlier Go printed only ``incompatible types for comparison``).

Pure: no I/O.
"""

from __future__ import annotations

from .errors import NAME, GoTemplateError
from .execute import Template
from .fmt import go_value_text
from .parser import parse_trees

__all__ = ["NAME", "GoTemplateError", "Template", "go_value_text", "parse"]


def parse(source: str) -> Template:
    """The template, parsed as kubectl parses it (named ``output``, with its
    functions); ``GoTemplateError`` carries Go's message, e.g. ``template: output:1:
    unclosed action``."""
    return Template(source, parse_trees(source))
