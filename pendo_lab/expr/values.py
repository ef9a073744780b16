"""Runtime values shared by both back ends: kinds, truth, equality, number text.

An expression value has one of seven kinds: null, boolean, number, string, list, object
(a nested row / Polars struct) and other (anything else, e.g. a Polars Date). Both the row-wise
evaluator (from Python values) and the Polars compiler (from dtypes) check operands against the
same rules here, so they raise the same :class:`ExpressionError` messages.

Example:
    >>> kind_of(3.5), kind_of(True), kind_of(None), kind_of([1])
    ('number', 'boolean', 'null', 'list')
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Iterable, Sequence

import polars as pl

from pendo_lab._exceptions import ExpressionError

__all__ = [
    "AppIdFilter",
    "a_kind",
    "check_list_items",
    "check_operands",
    "check_subscript",
    "kind_of",
    "kind_of_dtype",
    "mismatch",
    "number_text",
    "same_value",
    "truthy",
]

APP_FILTERS = ("*", "web", "extension", "mobile", "ios", "android")
ANONYMOUS_PREFIX = "_PENDO_T_"  # how Pendo's anonymous visitor ids start
FLOAT_INTEGER_LIMIT = 2**53  # below it a float that is a whole number prints as an integer
# Operators that mean the same on Python numbers/strings and on Polars expressions.
PLAIN_OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ORDERING = {"<", "<=", ">", ">="}
_OPERAND_RULES = {
    **dict.fromkeys(["+", "-", "*", "/", "%"], ("numbers", {"number"})),
    **dict.fromkeys(["&&", "||", "!"], ("booleans or numbers", {"boolean", "number"})),
}


@dataclass(frozen=True)
class AppIdFilter:
    """The value of ``expandAppIds("web|mobile")``: which apps a source's ``appId`` covers.

    Only meaningful as a source parameter; the engine reads ``filters`` to pick apps.

    >>> AppIdFilter(("web", "mobile")).filters
    ('web', 'mobile')
    """

    filters: tuple[str, ...]


def kind_of(value: object) -> str:
    """The kind of a Python value from a row.

    >>> kind_of("x"), kind_of({"a": 1}), kind_of(b"bytes")
    ('string', 'object', 'other')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "other"


def kind_of_dtype(dtype: pl.DataType) -> str:
    """The kind of every non-null value of a Polars dtype (Datetime reads as epoch ms).

    >>> kind_of_dtype(pl.Int32), kind_of_dtype(pl.List(pl.String)), kind_of_dtype(pl.Null)
    ('number', 'list', 'null')
    """
    if dtype == pl.Null:
        return "null"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_numeric() or isinstance(dtype, pl.Datetime):
        return "number"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return "string"
    if isinstance(dtype, pl.List):
        return "list"
    if isinstance(dtype, pl.Struct):
        return "object"
    return "other"


def a_kind(kinds: Iterable[str]) -> str:
    """Kinds as a phrase for messages.

    >>> a_kind(["number", "boolean"]), a_kind(["object"])
    ('a boolean or number', 'an object')
    """
    names = sorted(kinds)
    return ("an " if names[0][0] in "aeiou" else "a ") + " or ".join(names)


def mismatch(subject: str, expected: str, got: str, pos: int | None = None) -> ExpressionError:
    """The error for an operand of the wrong kind, with the caret at ``pos``.

    >>> str(mismatch("len(value): value", "a string or list", "number"))
    'len(value): value must be a string or list, got number'
    """
    return ExpressionError(f"{subject} must be {expected}, got {got}", "", pos)


def check_operands(op: str, kinds: Sequence[str], pos: int) -> None:
    """Raise unless operator ``op`` accepts operands of these kinds (null always passes).

    >>> check_operands("+", ["number", "null"], 0)
    >>> check_operands("<", ["number", "string"], 0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pendo_lab._exceptions.ExpressionError: operands of < must be two numbers or two strings, ...
    """
    kinds = [k for k in kinds if k != "null"]
    if op in _ORDERING:
        if len(set(kinds)) > 1 or not set(kinds) <= {"number", "string"}:
            got = " and ".join(kinds)
            raise mismatch(f"operands of {op}", "two numbers or two strings", got, pos)
    elif op in _OPERAND_RULES:
        expected, allowed = _OPERAND_RULES[op]
        for kind in kinds:
            if kind not in allowed:
                raise mismatch(f"operands of {op}", expected, kind, pos)


def check_subscript(target: str, bounds: Sequence[str], pos: int) -> None:
    """Raise unless ``target[...]`` subscripts a list with numbers (null always passes).

    >>> check_subscript("string", ["number"], 1)
    Traceback (most recent call last):
    pendo_lab._exceptions.ExpressionError: the target of [...] must be a list, got string
    """
    if target not in ("null", "list"):
        raise mismatch("the target of [...]", "a list", target, pos)
    for kind in bounds:
        if kind not in ("null", "number"):
            raise mismatch("an index or slice bound", "a number", kind, pos)


def check_list_items(kinds: Sequence[str], positions: Sequence[int]) -> None:
    """Raise unless the non-null items of a list are all of one kind (the reference's rule).

    >>> check_list_items(["number", "null", "string"], [1, 4, 7])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pendo_lab._exceptions.ExpressionError: list elements must all be of one kind: ... got string
    """
    seen = None
    for kind, pos in zip(kinds, positions):
        if kind == "null":
            continue
        if seen is not None and kind != seen:
            subject = "list elements must all be of one kind: this element"
            raise mismatch(subject, a_kind([seen]), kind, pos)
        seen = kind


def truthy(value: object) -> bool:
    """Truth as ``&&``, ``||``, ``!`` and ``if`` see it: null is false, numbers are true unless 0.

    >>> truthy(None), truthy(0), truthy(2.5), truthy(True)
    (False, False, True, True)
    """
    return value is not None and value != 0


def same_value(left: object, right: object) -> bool:
    """``==``: null equals only null; values of different kinds are never equal.

    >>> same_value(None, None), same_value(None, False), same_value(1, 1.0), same_value(1, True)
    (True, False, True, False)
    """
    if kind_of(left) != kind_of(right):
        return False
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(map(same_value, left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same_value(left[k], right[k]) for k in left)
    return left == right


def number_text(number: int | float) -> str:
    """``toString`` of a number: integral values (below 2**53) print without a fraction.

    Other floats print as Polars prints them, so both back ends agree. Pendo stores every
    number as a float, hence ``toString(6/2) == "3"`` (INFERRED from Go's float formatting).

    >>> number_text(3), number_text(6 / 2), number_text(0.25), number_text(1e-7)
    ('3', '3', '0.25', '1e-7')
    """
    if isinstance(number, int) or (number.is_integer() and abs(number) < FLOAT_INTEGER_LIMIT):
        return str(int(number))
    return pl.Series([number], dtype=pl.Float64).cast(pl.String).item()
