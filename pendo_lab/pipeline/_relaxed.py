"""Relaxed JSON: request bodies as Pendo's documentation shows them.

Pendo's examples carry ``//`` comments and sometimes trailing commas; :func:`loads_relaxed`
strips both (outside strings) and parses the rest as strict JSON.

Example:
    >>> loads_relaxed('{"a": 1, // one\\n "b": [2, 3,],}')
    {'a': 1, 'b': [2, 3]}
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from .._exceptions import ValidationError

# A JSON string, a // or /* */ comment, or a comma followed (after blanks and comments) by a
# closing bracket.
_TOKENS = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/|,(?=(?:\s|//[^\n]*|/\*.*?\*/)*[\]}])', re.S)


def strip_relaxed(text: str) -> str:
    """The text with comments and trailing commas blanked out, strings untouched.

    Blanking (not deleting) keeps every line and column where it was, so parse errors point
    at the original text.

    Example:
        >>> strip_relaxed('{"url": "http://x", /* c */ "n": 1,}')
        '{"url": "http://x",         "n": 1 }'
    """
    return _TOKENS.sub(_blank, text)


def _blank(match: re.Match) -> str:
    token = match.group()
    return token if token.startswith('"') else re.sub(r"[^\n]", " ", token)


def loads_relaxed(text: str | bytes) -> Any:
    """Parse JSON that may hold ``//`` and ``/* */`` comments and trailing commas.

    Errors name the line and column of the problem in the original text.

    Example:
        >>> loads_relaxed('{"a": }')
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: request is not valid JSON at line 1, column 7: unexpected character, expected a JSON value
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    cleaned = strip_relaxed(text)
    try:
        return orjson.loads(cleaned)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(
            f"request is not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
