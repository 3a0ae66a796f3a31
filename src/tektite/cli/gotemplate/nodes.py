"""The syntax tree (Go's text/template/parse node.go): what the parser builds and
the executor walks; each node prints as Go's ``String()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from tektite.api.errors import go_quote


@dataclass(eq=False)
class _ListNode:
    pos: int
    nodes: list[_Node] = field(default_factory=list)

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)


@dataclass(eq=False)
class _TextNode:
    pos: int
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False)
class _PipeNode:
    pos: int
    line: int
    is_assign: bool = False
    decl: list[_VariableNode] = field(default_factory=list)
    cmds: list[_CommandNode] = field(default_factory=list)

    def __str__(self) -> str:
        decl = ", ".join(str(v) for v in self.decl) + " := " if self.decl else ""
        return decl + " | ".join(str(c) for c in self.cmds)


@dataclass(eq=False)
class _ActionNode:
    pos: int
    line: int
    pipe: _PipeNode

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass(eq=False)
class _CommandNode:
    pos: int
    args: list[_Node] = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, _PipeNode) else str(a) for a in self.args)


@dataclass(eq=False)
class _IdentifierNode:
    pos: int
    ident: str

    def __str__(self) -> str:
        return self.ident


@dataclass(eq=False)
class _VariableNode:
    pos: int
    ident: list[str]

    def __str__(self) -> str:
        return ".".join(self.ident)


@dataclass(eq=False)
class _DotNode:
    pos: int

    def __str__(self) -> str:
        return "."


@dataclass(eq=False)
class _NilNode:
    pos: int

    def __str__(self) -> str:
        return "nil"


@dataclass(eq=False)
class _FieldNode:
    pos: int
    ident: list[str]

    def __str__(self) -> str:
        return "".join("." + name for name in self.ident)


@dataclass(eq=False)
class _ChainNode:
    pos: int
    node: _Node
    fields: list[str]

    def __str__(self) -> str:
        head = f"({self.node})" if isinstance(self.node, _PipeNode) else str(self.node)
        return head + "".join("." + name for name in self.fields)


@dataclass(eq=False)
class _BoolNode:
    pos: int
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(eq=False)
class _NumberNode:
    pos: int
    text: str
    value: int | float
    """The ideal constant: float when written with . e or p, else int."""
    overflows: bool = False
    """Only a uint64 holds it: using it fails with "overflows int"."""

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False)
class _StringNode:
    pos: int
    quoted: str
    text: str

    def __str__(self) -> str:
        return self.quoted


@dataclass(eq=False)
class _EndNode:
    pos: int

    def __str__(self) -> str:
        return "{{end}}"


@dataclass(eq=False)
class _ElseNode:
    pos: int
    line: int

    def __str__(self) -> str:
        return "{{else}}"


@dataclass(eq=False)
class _BranchNode:
    """if, range or with."""

    kind: str
    pos: int
    line: int
    pipe: _PipeNode
    list: _ListNode
    else_list: _ListNode | None

    def __str__(self) -> str:
        text = f"{{{{{self.kind} {self.pipe}}}}}{self.list}"
        if self.else_list is not None:
            text += f"{{{{else}}}}{self.else_list}"
        return text + "{{end}}"


@dataclass(eq=False)
class _BreakNode:
    pos: int
    line: int

    def __str__(self) -> str:
        return "{{break}}"


@dataclass(eq=False)
class _ContinueNode:
    pos: int
    line: int

    def __str__(self) -> str:
        return "{{continue}}"


@dataclass(eq=False)
class _TemplateNode:
    pos: int
    line: int
    name: str
    pipe: _PipeNode | None

    def __str__(self) -> str:
        pipe = f" {self.pipe}" if self.pipe is not None else ""
        return f"{{{{template {go_quote(self.name)}{pipe}}}}}"


_Node: TypeAlias = (
    _ListNode
    | _TextNode
    | _PipeNode
    | _ActionNode
    | _CommandNode
    | _IdentifierNode
    | _VariableNode
    | _DotNode
    | _NilNode
    | _FieldNode
    | _ChainNode
    | _BoolNode
    | _NumberNode
    | _StringNode
    | _EndNode
    | _ElseNode
    | _BranchNode
    | _BreakNode
    | _ContinueNode
    | _TemplateNode
)
