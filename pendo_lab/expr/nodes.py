"""The syntax tree of an aggregation expression: small frozen dataclasses.

Nodes compare by value, so ``parse(render(node)) == node``. Every node also carries ``pos``,
the 0-based column an error about it points at (the operator of a ``Binary``, the name of a
``Call``); ``pos`` takes no part in equality.

Example:
    >>> from pendo_lab.expr import parse
    >>> parse("a.b + 1")
    Binary(op='+', left=Field(path='a.b'), right=Literal(value=1))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Union

__all__ = [
    "BINARY_PRECEDENCE",
    "UNARY_PRECEDENCE",
    "Binary",
    "Call",
    "Field",
    "Index",
    "ListLiteral",
    "Literal",
    "Member",
    "Node",
    "Scalar",
    "Slice",
    "Unary",
    "Visitor",
    "walk",
]

Scalar = Union[int, float, str, bool, None]

# C precedence, loosest first; every binary operator is left-associative.
BINARY_PRECEDENCE: dict[str, int] = {
    "||": 1,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
}
UNARY_PRECEDENCE = 7  # `!x`, `-x`; postfix `x[i]`, `x.name` bind tighter still


@dataclass(frozen=True)
class Node:
    """Base class of every syntax tree node.

    >>> from pendo_lab.expr import parse
    >>> node = parse("x  +  1")
    >>> isinstance(node, Node), node.pos  # pos: the column of the operator
    (True, 3)
    >>> node == parse("x + 1")  # pos takes no part in equality
    True
    """

    pos: int = field(default=0, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True, eq=False)
class Literal(Node):
    """A number, string, ``true``/``false`` or ``null``.

    Equality also compares the Python type, so ``Literal(1) != Literal(True) != Literal(1.0)``.

    >>> Literal(1) == Literal(1), Literal(1) == Literal(True)
    (True, False)
    """

    value: Scalar

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Literal)
            and type(self.value) is type(other.value)
            and self.value == other.value
        )

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(frozen=True)
class ListLiteral(Node):
    """``[a, b, c]``: a list built from expressions.

    >>> ListLiteral((Literal(1), Field("x")))
    ListLiteral(items=(Literal(value=1), Field(path='x')))
    """

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Field(Node):
    """A row field by its dotted path, e.g. ``metadata.auto.firstvisit``.

    >>> from pendo_lab.expr import parse
    >>> parse("metadata.auto.firstvisit")
    Field(path='metadata.auto.firstvisit')
    """

    path: str


@dataclass(frozen=True)
class Index(Node):
    """``target[index]``; a negative index counts from the end.

    >>> Index(Field("l"), Literal(0))
    Index(target=Field(path='l'), index=Literal(value=0))
    """

    target: Node
    index: Node


@dataclass(frozen=True)
class Member(Node):
    """``target.name``: a field of the object an expression gives, as in ``polls[0].id``.

    A dotted name such as ``a.b`` is one :class:`Field`; ``Member`` follows other expressions.

    >>> Member(Index(Field("polls"), Literal(0)), "id")
    Member(target=Index(target=Field(path='polls'), index=Literal(value=0)), name='id')
    """

    target: Node
    name: str


@dataclass(frozen=True)
class Slice(Node):
    """``target[start:end]`` with either bound optional (``None``).

    >>> Slice(Field("l"), None, Literal(2))
    Slice(target=Field(path='l'), start=None, end=Literal(value=2))
    """

    target: Node
    start: Node | None
    end: Node | None


@dataclass(frozen=True)
class Call(Node):
    """``name(arg, ...)``: a call of one of :data:`pendo_lab.expr.FUNCTIONS`.

    >>> Call("now", ())
    Call(name='now', args=())
    """

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Unary(Node):
    """``!operand`` or ``-operand``.

    >>> Unary("!", Field("flag"))
    Unary(op='!', operand=Field(path='flag'))
    """

    op: str
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    """``left op right`` for every operator in :data:`BINARY_PRECEDENCE`.

    >>> Binary("&&", Field("a"), Field("b"))
    Binary(op='&&', left=Field(path='a'), right=Field(path='b'))
    """

    op: str
    left: Node
    right: Node


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node below it, parents first.

    >>> [type(n).__name__ for n in walk(Binary("+", Field("a"), Literal(1)))]
    ['Binary', 'Field', 'Literal']
    """
    yield node
    for child in vars(node).values():
        for item in child if isinstance(child, tuple) else (child,):
            if isinstance(item, Node):
                yield from walk(item)


class Visitor:
    """A tree computed node by node: :meth:`visit` calls the method for the kind of node.

    Subclasses (the row evaluator, the Polars compiler) define ``literal(value)``,
    ``field(path)``, ``member(target, name)`` and ``make_list(items, nodes)`` (with the target
    and the items already visited), and ``index``, ``slice``, ``unary``, ``logical``
    (``&&``, ``||``), ``binary``, ``if_`` and ``call`` of the node itself.

    >>> class Depth(Visitor):
    ...     def literal(self, value): return 1
    ...     def field(self, path): return 1
    ...     def binary(self, node): return 1 + max(map(self.visit, (node.left, node.right)))
    >>> Depth().visit(Binary("+", Field("a"), Binary("*", Field("b"), Literal(2))))
    3
    """

    def visit(self, node: Node) -> Any:
        match node:
            case Literal(value=value):
                return self.literal(value)
            case Field(path=path):
                return self.field(path)
            case Member(target=target, name=name):
                return self.member(self.visit(target), name)
            case ListLiteral(items=items):
                return self.make_list([self.visit(item) for item in items], items)
            case Index():
                return self.index(node)
            case Slice():
                return self.slice(node)
            case Unary():
                return self.unary(node)
            case Binary(op="&&" | "||"):
                return self.logical(node)
            case Binary():
                return self.binary(node)
            case Call(name="if"):
                return self.if_(node)
        return self.call(node)
