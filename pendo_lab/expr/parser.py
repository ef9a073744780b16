"""Text -> syntax tree: a Pratt parser over :mod:`pendo_lab.expr.lexer` tokens.

Binary operators use C precedence (:data:`~pendo_lab.expr.nodes.BINARY_PRECEDENCE`), unary
``!``/``-`` bind tighter, and postfix ``[i]``, ``[a:b]``, ``.name`` tighter still. Calls are
checked against :data:`~pendo_lab.expr.functions.FUNCTIONS` while parsing, so a parsed tree
only calls known functions with a valid number of arguments.

Example:
    >>> parse("-a * 2")
    Binary(op='*', left=Unary(op='-', operand=Field(path='a')), right=Literal(value=2))
"""

from __future__ import annotations

import contextlib
import functools
from typing import Iterator

from pendo_lab._exceptions import ExpressionError
from pendo_lab.expr.functions import check_call
from pendo_lab.expr.lexer import Token, tokenize
from pendo_lab.expr.render import render as _render
from pendo_lab.expr.nodes import (BINARY_PRECEDENCE, UNARY_PRECEDENCE, Binary, Call, Field, Index,
                                  ListLiteral, Literal, Member, Node, Slice, Unary, walk)

__all__ = ["field_paths", "parse", "pointing_into", "resolve"]

_POSTFIX_PRECEDENCE = UNARY_PRECEDENCE + 1
_KEYWORDS = {"true": True, "false": False, "null": None}


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """The syntax tree of ``text``; raises :class:`ExpressionError` with a caret on a problem.

    >>> parse('type == `guideSeen`')
    Binary(op='==', left=Field(path='type'), right=Literal(value='guideSeen'))
    >>> parse("dateAdd(now(), 1)")
    Traceback (most recent call last):
    pendo_lab._exceptions.ExpressionError: dateAdd(time, amount, unit) takes 3 arguments, got 2
      dateAdd(now(), 1)
      ^
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a string, got {type(text).__name__}")
    return _Parser(text).parse()


def resolve(expr: str | Node) -> tuple[Node, str]:
    """A checked tree for ``expr`` (text or node) and the text error carets point into.

    A node is rendered and parsed again, which checks hand-built trees like parsed ones.

    >>> resolve(Binary("+", Field("a"), Literal(1)))
    (Binary(op='+', left=Field(path='a'), right=Literal(value=1)), 'a + 1')
    """
    text = expr if isinstance(expr, str) else _render(expr)
    return parse(text), text


def field_paths(expr: str | Node) -> set[str]:
    """The dotted field paths ``expr`` reads.

    >>> sorted(field_paths("if(isNull(a.b), c[0], len(d))"))
    ['a.b', 'c', 'd']
    """
    node, _ = resolve(expr)
    return {n.path for n in walk(node) if isinstance(n, Field)}


@contextlib.contextmanager
def pointing_into(text: str) -> Iterator[None]:
    """Give :class:`ExpressionError` raised inside the block ``text`` to draw its caret under.

    >>> with pointing_into("a + b"):
    ...     raise ExpressionError("bad operand", "", 2)
    Traceback (most recent call last):
    pendo_lab._exceptions.ExpressionError: bad operand
      a + b
        ^
    """
    try:
        yield
    except ExpressionError as error:
        if error.expression:
            raise
        raise ExpressionError(error.message, text, error.column) from None


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("empty expression", self.peek())
        node = self.expression(0)
        if self.peek().kind != "end":
            token = self.peek()
            raise self.error(f"unexpected {_describe(token)}; expected an operator", token)
        return node

    def expression(self, right_binding: int) -> Node:
        node = self.prefix(self.advance())
        while right_binding < self.binding_power(self.peek()):
            node = self.infix(self.advance(), node)
        return node

    def binding_power(self, token: Token) -> int:
        if token.kind != "op":
            return 0
        if token.value in ("[", "."):
            return _POSTFIX_PRECEDENCE
        return BINARY_PRECEDENCE.get(token.value, 0)

    def prefix(self, token: Token) -> Node:
        if token.kind in ("number", "string"):
            return Literal(token.value, pos=token.start)
        if token.kind == "name":
            if token.value in _KEYWORDS:
                return Literal(_KEYWORDS[token.value], pos=token.start)
            if self.at("("):
                return self.call(token)
            return Field(token.value, pos=token.start)
        if token.value == "(":
            node = self.expression(0)
            self.expect(")", token)
            return node
        if token.value == "[":
            return ListLiteral(self.sequence("]", token), pos=token.start)
        if token.value in ("!", "-"):
            return Unary(token.value, self.expression(UNARY_PRECEDENCE), pos=token.start)
        raise self.error(f"unexpected {_describe(token)}; expected a value", token)

    def infix(self, token: Token, left: Node) -> Node:
        if token.value == "[":
            return self.subscript(left, token)
        if token.value == ".":
            return self.member(left, token)
        right = self.expression(BINARY_PRECEDENCE[token.value])
        return Binary(token.value, left, right, pos=token.start)

    def subscript(self, target: Node, bracket: Token) -> Node:
        if self.at("]"):
            raise self.error("expected an index or a slice between '[' and ']'", self.peek())
        start = None if self.at(":") else self.expression(0)
        if not self.at(":"):
            self.expect("]", bracket)
            return Index(target, start, pos=bracket.start)
        self.advance()
        end = None if self.at("]") else self.expression(0)
        self.expect("]", bracket)
        return Slice(target, start, end, pos=bracket.start)

    def member(self, target: Node, dot: Token) -> Node:
        name = self.peek()
        if name.kind != "name":
            raise self.error(f"expected a field name after '.', found {_describe(name)}", name)
        self.advance()
        for part in name.value.split("."):
            target = Member(target, part, pos=dot.start)
        return target

    def call(self, name: Token) -> Node:
        node = Call(name.value, self.sequence(")", self.advance()), pos=name.start)
        try:
            check_call(node)
        except ExpressionError as error:
            raise ExpressionError(error.message, self.text, error.column) from None
        return node

    def sequence(self, closer: str, opener: Token) -> tuple[Node, ...]:
        """Comma-separated expressions up to ``closer`` (the opener is already consumed)."""
        items: list[Node] = []
        while not self.at(closer):
            if items:
                self.expect(",", opener, closer)
            items.append(self.expression(0))
        self.advance()
        return tuple(items)

    def expect(self, value: str, opener: Token, closer: str | None = None) -> None:
        token = self.peek()
        if token.kind == "op" and token.value == value:
            self.advance()
            return
        wanted = f"',' or '{closer}'" if closer else f"'{value}'"
        message = f"expected {wanted} to close '{opener.value}' at column {opener.start}"
        raise self.error(f"{message}, found {_describe(token)}", token)

    def at(self, value: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.value == value

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind == "end":
            raise self.error("unexpected end of expression", token)
        self.index += 1
        return token

    def error(self, message: str, token: Token) -> ExpressionError:
        return ExpressionError(message, self.text, token.start)


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "op":
        return repr(token.value)
    return f"{token.kind} {token.value!r}"
