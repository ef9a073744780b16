"""Split an expression into tokens: numbers, strings, names, operators.

Strings are double-quoted with JSON escapes (``"a\\"b"``) or backtick-quoted and raw
(`` `a"b` ``, no escapes; INFERRED, like Go raw strings). A dotted name such as
``metadata.auto.firstvisit`` is one ``name`` token.

Example:
    >>> [(t.kind, t.value) for t in tokenize("a.b >= 1.5")]
    [('name', 'a.b'), ('op', '>='), ('number', 1.5), ('end', None)]
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from pendo_lab._exceptions import ExpressionError

__all__ = ["Token", "tokenize"]

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*")
_OPERATOR = re.compile(r"==|!=|<=|>=|&&|\|\||[-+*/%<>!()\[\],:.]")
_DOUBLE_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_HINTS = {
    "=": "unexpected '='; compare with '=='",
    "&": "unexpected '&'; the and-operator is '&&'",
    "|": "unexpected '|'; the or-operator is '||'",
    "'": "single quotes do not delimit strings; use \"...\" or `...`",
}


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` is number, string, name, op or end; ``start`` is its column."""

    kind: str
    value: object
    start: int


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token; raises :class:`ExpressionError`.

    >>> [t.value for t in tokenize('`raw\\\\` + "esc\\\\n"')]
    ['raw\\\\', '+', 'esc\\n', None]
    """
    tokens = []
    pos = 0
    while pos < len(text):
        if match := _SPACE.match(text, pos):
            pos = match.end()
            continue
        token, pos = _next_token(text, pos)
        tokens.append(token)
    tokens.append(Token("end", None, len(text)))
    return tokens


def _next_token(text: str, pos: int) -> tuple[Token, int]:
    char = text[pos]
    if char == '"':
        return _double_quoted(text, pos)
    if char == "`":
        end = text.find("`", pos + 1)
        if end < 0:
            raise ExpressionError("unterminated `string`", text, pos)
        return Token("string", text[pos + 1 : end], pos), end + 1
    if match := _NUMBER.match(text, pos):
        return Token("number", _number(match.group(), text, pos), pos), match.end()
    if match := _NAME.match(text, pos):
        return Token("name", match.group(), pos), match.end()
    if match := _OPERATOR.match(text, pos):
        return Token("op", match.group(), pos), match.end()
    raise ExpressionError(_HINTS.get(char, f"unexpected character {char!r}"), text, pos)


def _double_quoted(text: str, pos: int) -> tuple[Token, int]:
    match = _DOUBLE_QUOTED.match(text, pos)
    if match is None:
        raise ExpressionError('unterminated "string"', text, pos)
    try:
        value = json.loads(match.group(), strict=False)
    except json.JSONDecodeError as error:
        raise ExpressionError("invalid escape in string", text, pos + error.pos) from None
    return Token("string", value, pos), match.end()


def _number(digits: str, text: str, pos: int) -> int | float:
    if digits.isdigit():
        return int(digits)
    value = float(digits)
    if math.isinf(value):
        raise ExpressionError("number too large", text, pos)
    return value
