"""Go literals (unquoting, numbers) and the parser (Go's parse.Tree)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NoReturn

from tektite.api.errors import go_quote

from .errors import NAME, GoTemplateError
from .funcs import _FUNCS
from .lex import _T, _Lexer, _Token
from .nodes import (
    _ActionNode,
    _BoolNode,
    _BranchNode,
    _BreakNode,
    _ChainNode,
    _CommandNode,
    _ContinueNode,
    _DotNode,
    _ElseNode,
    _EndNode,
    _FieldNode,
    _IdentifierNode,
    _ListNode,
    _NilNode,
    _Node,
    _NumberNode,
    _PipeNode,
    _StringNode,
    _TemplateNode,
    _TextNode,
    _VariableNode,
)
from .values import _go_string, _go_string_bytes

_MAX_PAREN_DEPTH = 10000


# -- literals -------------------------------------------------------------------------

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}
_HEX = "0123456789abcdefABCDEF"


def _unquote_char(text: str, quote: str) -> tuple[int, bool, str]:
    """Go's ``strconv.UnquoteChar``: the value of the first character of ``text``,
    whether it is a single byte (``\\x`` and octal escapes are) rather than a rune,
    and the rest. Raises ValueError ("invalid syntax")."""
    char = text[0]
    if char == quote and quote in "'\"":
        raise ValueError("invalid syntax")
    if char != "\\":
        return ord(char), False, text[1:]
    if len(text) <= 1:
        raise ValueError("invalid syntax")
    escape, rest = text[1], text[2:]
    if escape in _SIMPLE_ESCAPES:
        return ord(_SIMPLE_ESCAPES[escape]), False, rest
    if escape in "xuU":
        size = {"x": 2, "u": 4, "U": 8}[escape]
        digits = rest[:size]
        if len(digits) < size or not all(c in _HEX for c in digits):
            raise ValueError("invalid syntax")
        code = int(digits, 16)
        if escape == "x":
            return code, True, rest[size:]
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise ValueError("invalid syntax")
        return code, False, rest[size:]
    if escape in "01234567":
        digits = escape + rest[:2]
        if len(digits) < 3 or not all(c in "01234567" for c in digits):
            raise ValueError("invalid syntax")
        code = int(digits, 8)
        if code > 255:
            raise ValueError("invalid syntax")
        return code, True, rest[2:]
    if escape in "'\"":
        if escape != quote:
            raise ValueError("invalid syntax")
        return ord(escape), False, rest
    raise ValueError("invalid syntax")


def _go_unquote(quoted: str) -> str:
    """Go's ``strconv.Unquote`` of a string literal; raises ValueError."""
    if len(quoted) < 2 or quoted[0] != quoted[-1]:
        raise ValueError("invalid syntax")
    quote, body = quoted[0], quoted[1:-1]
    if quote == "`":
        if "`" in body:
            raise ValueError("invalid syntax")
        return body.replace("\r", "")  # Go drops carriage returns from raw strings
    if quote != '"' or "\n" in body:
        raise ValueError("invalid syntax")
    out = bytearray()
    while body:
        code, is_byte, body = _unquote_char(body, quote)
        out += bytes([code]) if is_byte else _go_string_bytes(chr(code))
    return _go_string(bytes(out))


def _underscore_ok(text: str) -> bool:
    """strconv's underscoreOK: underscores only between digits (a base prefix counts
    as a digit)."""
    saw = "^"
    i = 0
    if text[:1] in ("+", "-"):
        text = text[1:]
    hexadecimal = False
    if len(text) >= 2 and text[0] == "0" and text[1].lower() in "box":
        i, saw, hexadecimal = 2, "0", text[1].lower() == "x"
    while i < len(text):
        char = text[i]
        i += 1
        if char.isdigit() or (hexadecimal and char.lower() in "abcdef"):
            saw = "0"
            continue
        if char == "_":
            if saw != "0":
                return False
            saw = "_"
            continue
        if saw == "_":
            return False
        saw = "!"
    return saw != "_"


def _go_parse_uint(text: str) -> int | None:
    """strconv.ParseUint(text, 0, 64)."""
    if not text or text[0] in "+-":
        return None
    if "_" in text and not _underscore_ok(text):
        return None
    digits, base = text.replace("_", ""), 10
    if len(digits) > 1 and digits[0] == "0":
        prefix = digits[1].lower()
        base = {"x": 16, "o": 8, "b": 2}.get(prefix, 8)
        digits = digits[2:] if prefix in "xob" else digits[1:]
    if not digits:
        return None
    try:
        value = int(digits, base)
    except ValueError:
        return None
    return value if value < 1 << 64 else None


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64)."""
    negative = text[:1] == "-"
    body = text[1:] if text[:1] in ("+", "-") else text
    value = _go_parse_uint(body)
    if value is None:
        return None
    value = -value if negative else value
    return value if -(1 << 63) <= value < 1 << 63 else None


def _go_parse_float(text: str) -> float | None:
    """strconv.ParseFloat(text, 64) for what the lexer lets through."""
    if "_" in text and not _underscore_ok(text):
        return None
    body = text.replace("_", "")
    try:
        if body.lstrip("+-")[:2].lower() == "0x":
            value = float.fromhex(body)
        else:
            value = float(body)
    except ValueError:
        return None
    return value if math.isfinite(value) else None  # Go: out of range is an error


# -- the parser -----------------------------------------------------------------------


_NOT_EXECUTABLE = (_BoolNode, _DotNode, _NilNode, _NumberNode, _StringNode)


def _is_empty_tree(node: _Node | None) -> bool:
    """parse.IsEmptyTree: nothing but space (or comments)."""
    if node is None:
        return True
    if isinstance(node, _ListNode):
        return all(_is_empty_tree(n) for n in node.nodes)
    if isinstance(node, _TextNode):
        return not node.text.strip()
    return False


def _number_node(pos: int, text: str, typ: _T) -> _NumberNode:
    """parse's newNumber, then exec's idealConstant (the only way a template uses a
    number here). Raises ValueError with Go's message."""
    if typ == _T.CHAR_CONSTANT:
        code, _, tail = _unquote_char(text[1:], "'")
        if tail != "'":
            raise ValueError(f"malformed character constant: {text}")
        return _NumberNode(pos, text, code)
    if typ == _T.COMPLEX or (text.endswith("i") and _go_parse_float(text[:-1]) is not None):
        raise ValueError(f"complex constants are not supported: {text}")
    unsigned = _go_parse_uint(text)
    signed = _go_parse_int(text)
    is_float = signed is not None or unsigned is not None
    float_value = float(signed if signed is not None else unsigned or 0)
    if not is_float:
        parsed = _go_parse_float(text)
        if parsed is not None:
            if not any(c in text for c in ".eEpP"):
                raise ValueError(f"integer overflow: {go_quote(text)}")
            is_float, float_value = True, parsed
            if float_value == int(float_value) and -(1 << 63) <= float_value < 1 << 63:
                signed = int(float_value)
            if float_value == int(float_value) and 0 <= float_value < 1 << 64:
                unsigned = int(float_value)
    if not is_float:
        raise ValueError(f"illegal number syntax: {go_quote(text)}")
    hex_int = (
        len(text) > 2 and text[0] == "0" and text[1] in "xX" and not any(c in text for c in "pP")
    )
    if not hex_int and any(c in text for c in ".eEpP"):
        return _NumberNode(pos, text, float_value)
    if signed is not None:
        return _NumberNode(pos, text, signed)
    return _NumberNode(pos, text, 0, overflows=True)


class _Tree:
    """One template's parser (Go's parse.Tree); ``define`` and ``block`` bodies get
    their own, sharing the lexer and the set of named trees."""

    def __init__(self, name: str, text: str, lexer: _Lexer, trees: dict[str, _Tree]) -> None:
        self.name = name
        self.text = text
        self.lex = lexer
        self.trees = trees
        self.root = _ListNode(0)
        # Three-token lookahead. token[0] is always the latest item lexed, whose
        # line parse errors report.
        self.token = [_Token(_T.EOF, 0, "EOF", 1)] * 3
        self.peek_count = 0
        self.vars = ["$"]
        self.action_line = 0
        self.range_depth = 0
        self.paren_depth = 0

    # -- the token stream
    def next(self) -> _Token:
        if self.peek_count > 0:
            self.peek_count -= 1
        else:
            self.token[0] = self.lex.next_item()
        return self.token[self.peek_count]

    def backup(self) -> None:
        self.peek_count += 1

    def backup2(self, t1: _Token) -> None:
        self.token[1] = t1
        self.peek_count = 2

    def backup3(self, t2: _Token, t1: _Token) -> None:
        self.token[1] = t1
        self.token[2] = t2
        self.peek_count = 3

    def peek(self) -> _Token:
        if self.peek_count > 0:
            return self.token[self.peek_count - 1]
        self.peek_count = 1
        self.token[0] = self.lex.next_item()
        return self.token[0]

    def next_non_space(self) -> _Token:
        while True:
            token = self.next()
            if token.typ != _T.SPACE:
                return token

    def peek_non_space(self) -> _Token:
        token = self.next_non_space()
        self.backup()
        return token

    # -- errors
    def errorf(self, message: str) -> NoReturn:
        raise GoTemplateError(f"template: {NAME}:{self.token[0].line}: {message}")

    def expect(self, expected: _T, context: str) -> _Token:
        token = self.next_non_space()
        if token.typ != expected:
            self.unexpected(token, context)
        return token

    def unexpected(self, token: _Token, context: str) -> NoReturn:
        if token.typ == _T.ERROR:
            extra = ""
            if self.action_line not in (0, token.line):
                extra = f" in action started at {NAME}:{self.action_line}"
                if token.val.endswith(" action"):
                    extra = extra[len(" in action") :]  # not "action in action"
            self.errorf(f"{token}{extra}")
        self.errorf(f"unexpected {token} in {context}")

    # -- the grammar
    def parse(self) -> None:
        """The top level: text and actions to EOF, and ``define``s."""
        self.root = _ListNode(self.peek().pos)
        while self.peek().typ != _T.EOF:
            if self.peek().typ == _T.LEFT_DELIM:
                delim = self.next()
                if self.next_non_space().typ == _T.DEFINE:
                    _Tree("definition", self.text, self.lex, self.trees).parse_definition()
                    continue
                self.backup2(delim)
            node = self.text_or_action()
            if isinstance(node, (_EndNode, _ElseNode)):
                self.errorf(f"unexpected {node}")
            self.root.nodes.append(node)

    def add(self) -> None:
        """Enter this tree in the set, unless a non-empty one has its name."""
        tree = self.trees.get(self.name)
        if tree is None or _is_empty_tree(tree.root):
            self.trees[self.name] = self
            return
        if not _is_empty_tree(self.root):
            self.errorf(f"template: multiple definition of template {go_quote(self.name)}")

    def parse_definition(self) -> None:
        context = "define clause"
        token = self.next_non_space()
        if token.typ not in (_T.STRING, _T.RAW_STRING):
            self.unexpected(token, context)
        try:
            self.name = _go_unquote(token.val)
        except ValueError as e:
            self.errorf(str(e))
        self.expect(_T.RIGHT_DELIM, context)
        self.root, end = self.item_list()
        if not isinstance(end, _EndNode):
            self.errorf(f"unexpected {end} in {context}")
        self.add()

    def item_list(self) -> tuple[_ListNode, _Node]:
        """Text and actions up to an ``{{end}}`` or ``{{else}}``, returned apart."""
        nodes = _ListNode(self.peek_non_space().pos)
        while self.peek_non_space().typ != _T.EOF:
            node = self.text_or_action()
            if isinstance(node, (_EndNode, _ElseNode)):
                return nodes, node
            nodes.nodes.append(node)
        self.errorf("unexpected EOF")

    def text_or_action(self) -> _Node:
        token = self.next_non_space()
        if token.typ == _T.TEXT:
            return _TextNode(token.pos, token.val)
        if token.typ == _T.LEFT_DELIM:
            self.action_line = token.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        self.unexpected(token, "input")

    def action(self) -> _Node:
        token = self.next_non_space()
        controls: dict[_T, Callable[[], _Node]] = {
            _T.BLOCK: self.block_control,
            _T.ELSE: self.else_control,
            _T.END: self.end_control,
            _T.IF: lambda: self.parse_control("if"),
            _T.RANGE: lambda: self.parse_control("range"),
            _T.TEMPLATE: self.template_control,
            _T.WITH: lambda: self.parse_control("with"),
        }
        if token.typ in controls:
            return controls[token.typ]()
        if token.typ in (_T.BREAK, _T.CONTINUE):
            return self.loop_control(token)
        self.backup()
        token = self.peek()
        # Variables declared here are not popped: they last until the {{end}}.
        return _ActionNode(token.pos, token.line, self.pipeline("command", _T.RIGHT_DELIM))

    def loop_control(self, keyword: _Token) -> _Node:
        name = "{{" + keyword.val + "}}"
        token = self.next_non_space()
        if token.typ != _T.RIGHT_DELIM:
            self.unexpected(token, name)
        if self.range_depth == 0:
            self.errorf(f"{name} outside {{{{range}}}}")
        if keyword.typ == _T.BREAK:
            return _BreakNode(keyword.pos, keyword.line)
        return _ContinueNode(keyword.pos, keyword.line)

    def pipeline(self, context: str, end: _T) -> _PipeNode:
        token = self.peek_non_space()
        pipe = _PipeNode(token.pos, token.line)
        while True:  # declarations: "$x :=", "$x =", "$i, $e :="
            var = self.peek_non_space()
            if var.typ != _T.VARIABLE:
                break
            self.next()
            # Spaces are tokens, so "$x foo" needs three tokens of lookahead to
            # tell an argument from a declaration.
            after = self.peek()
            following = self.peek_non_space()
            if following.typ in (_T.ASSIGN, _T.DECLARE):
                pipe.is_assign = following.typ == _T.ASSIGN
                self.next_non_space()
                pipe.decl.append(_VariableNode(var.pos, var.val.split(".")))
                self.vars.append(var.val)
            elif following.typ == _T.CHAR and following.val == ",":
                self.next_non_space()
                pipe.decl.append(_VariableNode(var.pos, var.val.split(".")))
                self.vars.append(var.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (_T.VARIABLE, _T.RIGHT_DELIM, _T.RIGHT_PAREN):
                        continue  # the second variable of a range
                    self.errorf("range can only initialize variables")
                self.errorf(f"too many declarations in {context}")
            elif after.typ == _T.SPACE:
                self.backup3(var, after)
            else:
                self.backup2(var)
            break
        while True:
            token = self.next_non_space()
            if token.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if token.typ in (
                _T.BOOL,
                _T.CHAR_CONSTANT,
                _T.COMPLEX,
                _T.DOT,
                _T.FIELD,
                _T.IDENTIFIER,
                _T.NUMBER,
                _T.NIL,
                _T.RAW_STRING,
                _T.STRING,
                _T.VARIABLE,
                _T.LEFT_PAREN,
            ):
                self.backup()
                pipe.cmds.append(self.command())
            else:
                self.unexpected(token, context)

    def check_pipeline(self, pipe: _PipeNode, context: str) -> None:
        if not pipe.cmds:
            self.errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            if isinstance(cmd.args[0], _NOT_EXECUTABLE):
                self.errorf(f"non executable command in pipeline stage {i + 2}")

    def parse_control(self, context: str) -> _BranchNode:
        """if, range and with: the pipeline, the list, and the else list."""
        mark = len(self.vars)
        try:
            pipe = self.pipeline(context, _T.RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            body, next_node = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(next_node, _ElseNode):
                # "{{else if …}}" is "{{else}}{{if …}}…{{end}}" whose {{end}} also
                # ends this one; likewise "{{else with …}}".
                if context in ("if", "with") and self.peek().typ == (
                    _T.IF if context == "if" else _T.WITH
                ):
                    self.next()
                    else_list = _ListNode(next_node.pos, [self.parse_control(context)])
                else:
                    else_list, next_node = self.item_list()
                    if not isinstance(next_node, _EndNode):
                        self.errorf(f"expected end; found {next_node}")
            return _BranchNode(context, pipe.pos, pipe.line, pipe, body, else_list)
        finally:
            del self.vars[mark:]

    def end_control(self) -> _Node:
        return _EndNode(self.expect(_T.RIGHT_DELIM, "end").pos)

    def else_control(self) -> _Node:
        peek = self.peek_non_space()
        if peek.typ in (_T.IF, _T.WITH):  # left pending for parse_control
            return _ElseNode(peek.pos, peek.line)
        token = self.expect(_T.RIGHT_DELIM, "else")
        return _ElseNode(token.pos, token.line)

    def block_control(self) -> _Node:
        context = "block clause"
        token = self.next_non_space()
        name = self.template_name(token, context)
        pipe = self.pipeline(context, _T.RIGHT_DELIM)
        block = _Tree(name, self.text, self.lex, self.trees)
        block.root, end = block.item_list()
        if not isinstance(end, _EndNode):
            self.errorf(f"unexpected {end} in {context}")
        block.add()
        return _TemplateNode(token.pos, token.line, name, pipe)

    def template_control(self) -> _Node:
        context = "template clause"
        token = self.next_non_space()
        name = self.template_name(token, context)
        pipe = None
        if self.next_non_space().typ != _T.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, _T.RIGHT_DELIM)
        return _TemplateNode(token.pos, token.line, name, pipe)

    def template_name(self, token: _Token, context: str) -> str:
        if token.typ not in (_T.STRING, _T.RAW_STRING):
            self.unexpected(token, context)
        try:
            return _go_unquote(token.val)
        except ValueError as e:
            self.errorf(str(e))

    def command(self) -> _CommandNode:
        """Space-separated operands, up to a ``|`` (consumed) or the end (not)."""
        cmd = _CommandNode(self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            token = self.next()
            if token.typ == _T.SPACE:
                continue
            if token.typ in (_T.RIGHT_DELIM, _T.RIGHT_PAREN):
                self.backup()
            elif token.typ != _T.PIPE:
                self.unexpected(token, "operand")
            break
        if not cmd.args:
            self.errorf("empty command")
        return cmd

    def operand(self) -> _Node | None:
        """A term and the fields that follow it (``.a.b``, ``$x.a``, ``(…).a``)."""
        node = self.term()
        if node is None or self.peek().typ != _T.FIELD:
            return node
        # Go gives the chained node the position of its first following field.
        pos = self.peek().pos
        fields = []
        while self.peek().typ == _T.FIELD:
            fields.append(self.next().val[1:])
        if isinstance(node, _FieldNode):
            return _FieldNode(pos, node.ident + fields)
        if isinstance(node, _VariableNode):
            return _VariableNode(pos, node.ident + fields)
        if isinstance(node, _NOT_EXECUTABLE):
            self.errorf(f"unexpected . after term {go_quote(str(node))}")
        return _ChainNode(pos, node, fields)

    def term(self) -> _Node | None:
        token = self.next_non_space()
        typ = token.typ
        if typ == _T.IDENTIFIER:
            if token.val not in _FUNCS:
                self.errorf(f"function {go_quote(token.val)} not defined")
            return _IdentifierNode(token.pos, token.val)
        if typ == _T.DOT:
            return _DotNode(token.pos)
        if typ == _T.NIL:
            return _NilNode(token.pos)
        if typ == _T.VARIABLE:
            if token.val not in self.vars:
                self.errorf(f"undefined variable {go_quote(token.val)}")
            return _VariableNode(token.pos, [token.val])
        if typ == _T.FIELD:
            return _FieldNode(token.pos, [token.val[1:]])
        if typ == _T.BOOL:
            return _BoolNode(token.pos, token.val == "true")
        if typ in (_T.CHAR_CONSTANT, _T.COMPLEX, _T.NUMBER):
            try:
                return _number_node(token.pos, token.val, typ)
            except ValueError as e:
                self.errorf(str(e))
        if typ == _T.LEFT_PAREN:
            if self.paren_depth >= _MAX_PAREN_DEPTH:
                self.errorf("max expression depth exceeded")
            self.paren_depth += 1
            try:
                return self.pipeline("parenthesized pipeline", _T.RIGHT_PAREN)
            finally:
                self.paren_depth -= 1
        if typ in (_T.STRING, _T.RAW_STRING):
            try:
                return _StringNode(token.pos, token.val, _go_unquote(token.val))
            except ValueError as e:
                self.errorf(str(e))
        self.backup()
        return None


def parse_trees(source: str) -> dict[str, _ListNode]:
    """The template's named trees, parsed as kubectl parses it (named ``output``, with
    its functions); ``GoTemplateError`` carries Go's message, e.g. ``template: output:1:
    unclosed action``."""
    trees: dict[str, _Tree] = {}
    tree = _Tree(NAME, source, _Lexer(source), trees)
    try:
        tree.parse()
    except RecursionError:  # Python's stack is shallower than Go's limit
        raise GoTemplateError(
            f"template: {NAME}:{tree.token[0].line}: max expression depth exceeded"
        ) from None
    tree.add()
    return {name: t.root for name, t in trees.items()}
