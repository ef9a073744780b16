"""Syntax tree -> canonical text, with only the parentheses precedence needs.

Strings come out double-quoted with JSON escapes, so ``parse(render(node)) == node`` for every
tree :func:`~pendo_lab.expr.parse` produces (parse never yields a negative number literal:
``-1`` is ``Unary('-', Literal(1))``).

Example:
    >>> from pendo_lab.expr import parse
    >>> render(parse("(a+b)*c == `x` && !(d||e)"))
    '(a + b) * c == "x" && !(d || e)'
"""

from __future__ import annotations

import json
import math

from pendo_lab.expr.nodes import (BINARY_PRECEDENCE, UNARY_PRECEDENCE, Binary, Call, Field, Index,
                                  ListLiteral, Literal, Member, Node, Slice, Unary)

__all__ = ["render"]

_ATOM = UNARY_PRECEDENCE + 1  # literals, fields, calls, subscripts: never need parentheses


def render(node: Node) -> str:
    """The canonical text of ``node``.

    >>> render(Binary("-", Field("a"), Binary("-", Field("b"), Literal(1))))
    'a - (b - 1)'
    """
    match node:
        case Literal(value=value):
            return _literal(value)
        case Field(path=path):
            return path
        case ListLiteral(items=items):
            return "[" + ", ".join(map(render, items)) + "]"
        case Call(name=name, args=args):
            return f"{name}({', '.join(map(render, args))})"
        case Index(target=target, index=index):
            return f"{_operand(target, _ATOM)}[{render(index)}]"
        case Member(target=Field() | Literal() as target, name=name):
            return f"({render(target)}).{name}"  # a.b or true.b would lex as one name
        case Member(target=target, name=name):
            return f"{_operand(target, _ATOM)}.{name}"
        case Slice(target=target, start=start, end=end):
            bounds = ":".join("" if b is None else render(b) for b in (start, end))
            return f"{_operand(target, _ATOM)}[{bounds}]"
        case Unary(op=op, operand=operand):
            return op + _operand(operand, UNARY_PRECEDENCE)
        case Binary(op=op, left=left, right=right):
            level = BINARY_PRECEDENCE[op]
            # left-associative: an equal-precedence right operand needs parentheses
            return f"{_operand(left, level)} {op} {_operand(right, level + 1)}"
    raise TypeError(f"render() takes an expression node, got {type(node).__name__}")


def _operand(node: Node, level: int) -> str:
    text = render(node)
    return f"({text})" if _precedence(node) < level else text


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return BINARY_PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return UNARY_PRECEDENCE
    return _ATOM


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} has no expression syntax; use a finite number")
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)
