"""The executor (Go's exec.go): a parsed :class:`Template` and its execution."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from tektite.api.errors import go_quote

from .errors import NAME, GoTemplateError
from .fmt import _PLAIN, _format
from .funcs import _ANY, _FUNCS, _STRING, _VALUE, _CallError, _Func
from .nodes import (
    _ActionNode,
    _BoolNode,
    _BranchNode,
    _BreakNode,
    _ChainNode,
    _CommandNode,
    _ContinueNode,
    _DotNode,
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
from .values import (
    _MISSING,
    _NO_VALUE,
    _Box,
    _dig,
    _from_json,
    _go_string_bytes,
    _go_type,
    _indirect,
    _indirect_interface,
    _is_go_int,
    _is_true,
    _truth,
)

_MAX_EXEC_DEPTH = 100000


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


@dataclass
class Template:
    """A parsed template (``parse``): its text and its named trees."""

    source: str
    trees: dict[str, _ListNode]

    def execute(self, data: Any) -> str:
        """The template's text for ``data`` (decoded JSON: its numbers are made
        float64, as kubectl's JSON round trip makes them). Raises ``GoTemplateError``
        with Go's message when the data does not fit."""
        value = _from_json(data)
        top = _NO_VALUE if value is None else value
        state = _State(self, NAME, [], [("$", top)], 0)
        state.walk(top, self.trees[NAME])
        return "".join(state.out)


class _State:
    """One execution (Go's exec.state): the output, the variable stack, and the node
    being evaluated, for error messages."""

    def __init__(
        self,
        template: Template,
        name: str,
        out: list[str],
        variables: list[tuple[str, Any]],
        depth: int,
    ) -> None:
        self.template = template
        self.name = name
        self.out = out
        self.vars = variables
        self.depth = depth
        self.node: _Node | None = None

    # -- errors
    def at(self, node: _Node) -> None:
        self.node = node

    def errorf(self, message: str) -> NoReturn:
        if self.node is None:
            raise GoTemplateError(f"template: {self.name}: {message}")
        # Go's ErrorContext: the line, and the column as a byte offset in it.
        before = self.template.source[: self.node.pos]
        newline = before.rfind("\n")
        column = len(_go_string_bytes(before[newline + 1 :]))
        line = 1 + before.count("\n")
        raise GoTemplateError(
            f"template: {NAME}:{line}:{column}: executing {go_quote(self.name)} "
            f"at <{self.node}>: {message}"
        )

    # -- variables
    def mark(self) -> int:
        return len(self.vars)

    def pop(self, mark: int) -> None:
        del self.vars[mark:]

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        self.errorf(f"undefined variable: {name}")

    def set_top_var(self, n: int, value: Any) -> None:
        self.vars[-n] = (self.vars[-n][0], value)

    def var_value(self, name: str) -> Any:
        for var, value in reversed(self.vars):
            if var == name:
                return value
        self.errorf(f"undefined variable: {name}")

    # -- walking the tree
    def walk(self, dot: Any, node: _Node) -> None:
        self.at(node)
        if isinstance(node, _ActionNode):
            # Variables declared here persist, and the action prints nothing.
            value = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, value)
        elif isinstance(node, _ListNode):
            for inner in node.nodes:
                self.walk(dot, inner)
        elif isinstance(node, _TextNode):
            self.out.append(node.text)
        elif isinstance(node, _BranchNode):
            if node.kind == "range":
                self.walk_range(dot, node)
            else:
                self.walk_if_or_with(dot, node)
        elif isinstance(node, _BreakNode):
            raise _Break
        elif isinstance(node, _ContinueNode):
            raise _Continue
        elif isinstance(node, _TemplateNode):
            self.walk_template(dot, node)
        else:
            self.errorf(f"unknown node: {node}")

    def walk_if_or_with(self, dot: Any, node: _BranchNode) -> None:
        mark = self.mark()
        try:
            value = self.eval_pipeline(dot, node.pipe)
            if _is_true(_indirect_interface(value)):
                self.walk(value if node.kind == "with" else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            self.pop(mark)

    def walk_range(self, dot: Any, node: _BranchNode) -> None:
        self.at(node)
        outer = self.mark()
        try:
            value = _indirect(self.eval_pipeline(dot, node.pipe))[0]
            mark = self.mark()
            decl = node.pipe.decl
            items: list[tuple[Any, Any]]
            if isinstance(value, list):
                items = list(enumerate(_Box(v) for v in value))
            elif isinstance(value, dict):
                items = [(k, _Box(value[k])) for k in sorted(value)]
            elif _is_go_int(value):  # Go ≥ 1.22 ranges over an integer
                if len(decl) > 1:
                    self.errorf(f"can't use {value} to iterate over more than one variable")
                items = [(i, i) for i in range(value)]
            elif value is _NO_VALUE:  # like an empty map
                items = []
            else:
                self.errorf(f"range can't iterate over {_format(value, 'v', _PLAIN, 0)}")
            try:
                for index, element in items:
                    self.range_once(node, mark, index, element)
            except _Break:
                return
            if not items and node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            self.pop(outer)

    def range_once(self, node: _BranchNode, mark: int, index: Any, element: Any) -> None:
        decl = node.pipe.decl
        if decl:
            if node.pipe.is_assign:
                self.set_var(decl[0].ident[0], index if len(decl) > 1 else element)
            else:
                self.set_top_var(1, element)
        if len(decl) > 1:
            if node.pipe.is_assign:
                self.set_var(decl[1].ident[0], element)
            else:
                self.set_top_var(2, index)
        try:
            self.walk(element, node.list)
        except _Continue:
            pass
        finally:
            self.pop(mark)

    def walk_template(self, dot: Any, node: _TemplateNode) -> None:
        self.at(node)
        tree = self.template.trees.get(node.name)
        if tree is None:
            self.errorf(f"template {go_quote(node.name)} not defined")
        if self.depth == _MAX_EXEC_DEPTH:
            self.errorf(f"exceeded maximum template depth ({_MAX_EXEC_DEPTH})")
        dot = self.eval_pipeline(dot, node.pipe)  # its variables persist here
        # No dynamic scoping: the template sees only $.
        inner = _State(self.template, node.name, self.out, [("$", dot)], self.depth + 1)
        try:
            inner.walk(dot, tree)
        except RecursionError:
            self.errorf(f"exceeded maximum template depth ({_MAX_EXEC_DEPTH})")

    def print_value(self, node: _Node, value: Any) -> None:
        self.at(node)
        if value is _NO_VALUE:
            self.out.append("<no value>")
        else:
            self.out.append(_format(value, "v", _PLAIN, 0))

    # -- evaluating pipelines, commands and their arguments
    def eval_pipeline(self, dot: Any, pipe: _PipeNode | None) -> Any:
        if pipe is None:
            return _NO_VALUE
        self.at(pipe)
        value: Any = _MISSING
        for cmd in pipe.cmds:
            # The previous value is this command's final argument; an interface{}
            # result is dug down to what it holds.
            value = _dig(self.eval_command(dot, cmd, value))
        for var in pipe.decl:
            if pipe.is_assign:
                self.set_var(var.ident[0], value)
            else:
                self.vars.append((var.ident[0], value))
        return value

    def not_a_function(self, args: list[_Node], final: Any) -> None:
        if len(args) > 1 or final is not _MISSING:
            self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: _CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, _FieldNode):
            return self.eval_field_node(dot, first, cmd.args, final)
        if isinstance(first, _ChainNode):
            return self.eval_chain_node(dot, first, cmd.args, final)
        if isinstance(first, _IdentifierNode):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, _PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, _VariableNode):
            return self.eval_variable_node(dot, first, cmd.args, final)
        self.at(first)
        self.not_a_function(cmd.args, final)
        if isinstance(first, _BoolNode):
            return first.value
        if isinstance(first, _DotNode):
            return dot
        if isinstance(first, _NilNode):
            self.errorf("nil is not a command")
        if isinstance(first, _NumberNode):
            return self.ideal_constant(first)
        if isinstance(first, _StringNode):
            return first.text
        self.errorf(f"can't evaluate command {go_quote(str(first))}")

    def ideal_constant(self, node: _NumberNode) -> Any:
        self.at(node)
        if node.overflows:
            self.errorf(f"{node.text} overflows int")
        return node.value

    def eval_field_node(self, dot: Any, node: _FieldNode, args: list[_Node], final: Any) -> Any:
        self.at(node)
        return self.eval_field_chain(dot, dot, node, node.ident, args, final)

    def eval_chain_node(self, dot: Any, node: _ChainNode, args: list[_Node], final: Any) -> Any:
        self.at(node)
        if isinstance(node.node, _NilNode):
            self.errorf(f"indirection through explicit nil in {node}")
        receiver = self.eval_arg(dot, None, node.node)
        return self.eval_field_chain(dot, receiver, node, node.fields, args, final)

    def eval_variable_node(
        self, dot: Any, node: _VariableNode, args: list[_Node], final: Any
    ) -> Any:
        self.at(node)
        value = self.var_value(node.ident[0])
        if len(node.ident) == 1:
            self.not_a_function(args, final)
            return value
        return self.eval_field_chain(dot, value, node, node.ident[1:], args, final)

    def eval_field_chain(
        self,
        dot: Any,
        receiver: Any,
        node: _Node,
        names: list[str],
        args: list[_Node],
        final: Any,
    ) -> Any:
        for name in names[:-1]:
            receiver = self.eval_field(name, [], _MISSING, receiver)
        return self.eval_field(names[-1], args, final, receiver)

    def eval_field(self, name: str, args: list[_Node], final: Any, receiver: Any) -> Any:
        if receiver is _NO_VALUE:  # missingkey=default: no value, no error
            return _NO_VALUE
        typ = _go_type(receiver)
        value, is_nil = _indirect(receiver)
        if is_nil:
            self.errorf(f"nil pointer evaluating {typ}.{name}")
        if isinstance(value, dict):
            if len(args) > 1 or final is not _MISSING:
                self.errorf(f"{name} is not a method but has arguments")
            return _Box(value[name]) if name in value else _NO_VALUE
        self.errorf(f"can't evaluate field {name} in type {typ}")

    def eval_function(
        self,
        dot: Any,
        node: _IdentifierNode,
        cmd: _Node,
        args: list[_Node] | None,
        final: Any,
    ) -> Any:
        self.at(node)
        function = _FUNCS.get(node.ident)
        if function is None:
            self.errorf(f"{go_quote(node.ident)} is not a defined function")
        return self.eval_call(dot, function, cmd, node.ident, args, final)

    def eval_call(
        self,
        dot: Any,
        function: _Func,
        node: _Node,
        name: str,
        arg_nodes: list[_Node] | None,
        final: Any,
    ) -> Any:
        args = arg_nodes[1:] if arg_nodes else []  # the first is the function
        num_in = len(args) + (final is not _MISSING)
        params, variadic = function.params, function.variadic
        if variadic is not None:
            num_fixed = len(params)
            if num_in < num_fixed:
                self.errorf(
                    f"wrong number of args for {name}: want at least {num_fixed} got {len(args)}"
                )
        else:
            num_fixed = len(args)
            if num_in != len(params):
                self.errorf(f"wrong number of args for {name}: want {len(params)} got {num_in}")
        if name in ("and", "or"):
            # They short-circuit, and return the deciding operand itself.
            value: Any = _NO_VALUE
            for arg in args:
                value = self.eval_arg(dot, _VALUE, arg)
                if _truth(value) == (name == "or"):
                    return value
            if final is not _MISSING:
                value = self.validate_type(final, _VALUE)
            return value
        argv = [self.eval_arg(dot, params[i], args[i]) for i in range(min(num_fixed, len(args)))]
        if variadic is not None:
            argv += [self.eval_arg(dot, variadic, arg) for arg in args[num_fixed:]]
        if final is not _MISSING:
            if variadic is None:
                kind = params[-1]
            elif num_in - 1 < num_fixed:
                kind = params[num_in - 1]
            else:
                kind = variadic
            argv.append(self.validate_type(final, kind))
        try:
            if name == "call":
                return self.call(args, argv)
            return function.impl(*argv)
        except _CallError as e:
            self.at(node)
            self.errorf(f"error calling {name}: {e}")

    @staticmethod
    def call(args: list[_Node], argv: list[Any]) -> Any:
        """``call``: the data holds no functions, so it only fails, as Go does."""
        function = _indirect_interface(argv[0])
        if function is _NO_VALUE:
            raise _CallError("call of nil")
        callee = str(args[0]) if args else ""
        raise _CallError(f"non-function {callee} of type {_go_type(function)}")

    def validate_type(self, value: Any, kind: str | None) -> Any:
        """An argument as a parameter of that kind takes it (Go's validateType)."""
        if value is _NO_VALUE:
            if kind is None or kind == _VALUE:
                return _NO_VALUE
            if kind == _ANY:
                return _Box(None)  # the zero interface{}: nil
            self.errorf(f"invalid value; expected {kind}")
        if kind == _STRING:
            inner = value
            if isinstance(value, _Box):
                if value.value is None:
                    self.errorf("wrong type for value; expected string; got interface {}")
                inner = value.value
            if not isinstance(inner, str):
                self.errorf(f"wrong type for value; expected string; got {_go_type(inner)}")
            return inner
        return value

    def eval_arg(self, dot: Any, kind: str | None, node: _Node) -> Any:
        self.at(node)
        if isinstance(node, _DotNode):
            return self.validate_type(dot, kind)
        if isinstance(node, _NilNode):
            if kind == _VALUE:
                return _NO_VALUE
            if kind == _ANY:
                return _Box(None)
            self.errorf(f"cannot assign nil to {kind}")
        if isinstance(node, _FieldNode):
            return self.validate_type(self.eval_field_node(dot, node, [node], _MISSING), kind)
        if isinstance(node, _VariableNode):
            return self.validate_type(self.eval_variable_node(dot, node, [], _MISSING), kind)
        if isinstance(node, _PipeNode):
            return self.validate_type(self.eval_pipeline(dot, node), kind)
        if isinstance(node, _IdentifierNode):
            return self.validate_type(self.eval_function(dot, node, node, None, _MISSING), kind)
        if isinstance(node, _ChainNode):
            return self.validate_type(self.eval_chain_node(dot, node, [], _MISSING), kind)
        if kind == _STRING:
            if isinstance(node, _StringNode):
                return node.text
            self.errorf(f"expected string; found {node}")
        # reflect.Value and interface{} take any constant
        if isinstance(node, _BoolNode):
            return node.value
        if isinstance(node, _NumberNode):
            return self.ideal_constant(node)
        if isinstance(node, _StringNode):
            return node.text
        self.errorf(f"can't handle assignment of {node} to empty interface argument")
