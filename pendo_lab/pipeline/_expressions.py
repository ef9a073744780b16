"""Aggregation expressions written with Python operators on column objects.

:func:`col` names a field, :func:`lit` makes a literal, :data:`fn` calls a function
(``fn.date_add(...)`` is ``dateAdd(...)``). Operators build a syntax tree of
:mod:`pendo_lab.expr` nodes; ``str()`` renders the text Pendo receives, with strings
double-quoted and only the parentheses precedence needs. Python's ``&``, ``|`` and ``~`` stand
for ``&&``, ``||`` and ``!`` and bind tighter than comparisons, so wrap comparisons in
parentheses, as in pandas.

Example:
    >>> str((col("type") == "guideSeen") & ~col("accountId").is_null())
    'type == "guideSeen" && !isNull(accountId)'
    >>> str(fn.date_add(fn.now(), -7, "days"))
    'dateAdd(now(), -7, "days")'
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from typing import Any

from .._exceptions import ExpressionError, ValidationError
from ..expr import (FUNCTIONS, Binary, Call, Field, Index, ListLiteral, Literal, Node, Slice, Unary,
                    render)
from ..expr.functions import check_call

_FIELD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*\Z")
_KEYWORDS = {"true", "false", "null"}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _operator(op: str, reflected: bool = False):
    """The method behind a Python operator: ``a > b`` builds ``Binary(">", a, b)``."""

    def method(self: Expr, other: Any) -> Expr:
        left, right = (lit(other).node, self.node) if reflected else (self.node, lit(other).node)
        return Expr(Binary(op, left, right))

    return method


class Expr:
    """An expression; ``str(expr)`` is its text and ``expr.node`` its syntax tree.

    Comparisons and arithmetic return new expressions, so an ``Expr`` has no truth value:
    use ``&``, ``|``, ``~`` instead of ``and``, ``or``, ``not``.

    Example:
        >>> (col("numEvents") + 1) * 2 >= col("limit")
        Expr('(numEvents + 1) * 2 >= limit')
    """

    __slots__ = ("node",)
    __hash__ = None  # type: ignore[assignment]  # == builds an expression, so no hashing

    def __init__(self, node: Node):
        self.node = node

    def __str__(self) -> str:
        return render(self.node)

    def __repr__(self) -> str:
        return f"Expr({str(self)!r})"

    def __bool__(self) -> bool:
        raise TypeError(f"the expression {self} has no truth value here: combine conditions "
                        "with & | ~ (not and/or/not) and compare one pair at a time")

    __eq__ = _operator("==")  # type: ignore[assignment]
    __ne__ = _operator("!=")  # type: ignore[assignment]
    __lt__ = _operator("<")
    __le__ = _operator("<=")
    __gt__ = _operator(">")
    __ge__ = _operator(">=")
    __and__, __rand__ = _operator("&&"), _operator("&&", reflected=True)
    __or__, __ror__ = _operator("||"), _operator("||", reflected=True)
    __add__, __radd__ = _operator("+"), _operator("+", reflected=True)
    __sub__, __rsub__ = _operator("-"), _operator("-", reflected=True)
    __mul__, __rmul__ = _operator("*"), _operator("*", reflected=True)
    __truediv__, __rtruediv__ = _operator("/"), _operator("/", reflected=True)
    __mod__, __rmod__ = _operator("%"), _operator("%", reflected=True)

    def __invert__(self) -> Expr:
        return Expr(Unary("!", self.node))

    def __neg__(self) -> Expr:
        return Expr(Unary("-", self.node))

    def __getitem__(self, key: Any) -> Expr:
        """``l[i]`` or ``l[a:b]`` (either bound may be omitted; no step)."""
        if not isinstance(key, slice):
            return Expr(Index(self.node, lit(key).node))
        if key.step is not None:
            raise ValidationError("expression slices take no step: use l[a:b]")
        start, end = (None if b is None else lit(b).node for b in (key.start, key.stop))
        return Expr(Slice(self.node, start, end))

    def is_null(self) -> Expr:
        """``isNull(x)``: true when the field is missing or null.

        Example:
            >>> str(col("metadata.agent.email").is_null())
            'isNull(metadata.agent.email)'
        """
        return fn.is_null(self)

    def is_empty(self) -> Expr:
        """``isEmpty(x)``: true for null, ``""`` or an empty list.

        Example:
            >>> str(col("tags").is_empty())
            'isEmpty(tags)'
        """
        return fn.is_empty(self)

    def contains(self, item: Any) -> Expr:
        """``contains(x, item)``: a substring of a string, or an element of a list.

        Example:
            >>> str(col("url").contains("/admin"))
            'contains(url, "/admin")'
        """
        return fn.contains(self, item)

    def starts_with(self, prefix: Any) -> Expr:
        """``startsWith(x, prefix)``.

        Example:
            >>> str(col("name").starts_with("Beta"))
            'startsWith(name, "Beta")'
        """
        return fn.starts_with(self, prefix)


def col(name: str) -> Expr:
    """A row field by name; dots reach into nested objects.

    Example:
        >>> str(col("metadata.auto.lastvisit") > 0)
        'metadata.auto.lastvisit > 0'
    """
    if not isinstance(name, str) or not _FIELD.match(name) or name in _KEYWORDS:
        raise ValidationError(f"{name!r} is not a field name: use letters, digits, _ and $, "
                              "dots between parts, e.g. col(\"metadata.auto.lastvisit\")")
    return Expr(Field(name))


def lit(value: Any) -> Expr:
    """A literal: null, a boolean, a finite number, a string, a list of literals, a date
    (``date(y, m, d)`` in the subscription's timezone) or an aware datetime (epoch ms).
    An :class:`Expr` is returned unchanged.

    Example:
        >>> str(lit("say \\"hi\\"")), str(lit([1, -2])), str(lit(dt.date(2024, 1, 31)))
        ('"say \\\\"hi\\\\""', '[1, -2]', 'date(2024, 1, 31)')
    """
    if isinstance(value, Expr):
        return value
    if isinstance(value, dt.datetime):
        return Expr(Literal(epoch_ms(value)))
    if isinstance(value, dt.date):
        return fn.date(value.year, value.month, value.day)
    if isinstance(value, (list, tuple)):
        return Expr(ListLiteral(tuple(lit(item).node for item in value)))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(f"{value} has no expression syntax; use a finite number")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and \
            math.copysign(1, value) < 0:  # -0.0 too: negatives are written as unary minus
        return Expr(Unary("-", Literal(-value)))
    if value is None or isinstance(value, (bool, int, float, str)):
        return Expr(Literal(value))
    raise TypeError(f"lit() takes None, bool, int, float, str, list, date or datetime, "
                    f"not {type(value).__name__}")


def epoch_ms(moment: dt.datetime) -> int:
    """Epoch milliseconds of a timezone-aware datetime.

    A naive datetime is refused: its timezone would be a guess. Attach one
    (``moment.replace(tzinfo=dt.timezone.utc)``) or pass a ``date`` to mean midnight in the
    subscription's timezone.

    Example:
        >>> epoch_ms(dt.datetime(2023, 9, 1, 4, tzinfo=dt.timezone.utc))
        1693540800000
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(
            f"{moment.isoformat()} is a naive datetime; give it a timezone "
            "(.replace(tzinfo=datetime.timezone.utc)) or pass a date for midnight in the "
            "subscription's timezone")
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def camel_case(name: str) -> str:
    """A Python name as Pendo spells it: ``date_add`` -> ``dateAdd``, ``if_`` -> ``if``.

    Example:
        >>> camel_case("track_type_ids"), camel_case("appId")
        ('trackTypeIds', 'appId')
    """
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _snake_case(name: str) -> str:
    snake = re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
    return snake + "_" if snake == "if" else snake


class Functions:
    """``fn.<name>(...)`` calls a function of the expression language by its Python name
    (``fn.start_of_period``, ``fn.if_``) or, with :meth:`call`, by Pendo's name. The name and
    the number of arguments are checked at once.

    Example:
        >>> str(fn.if_(col("response") >= 9, "promoter", "other"))
        'if(response >= 9, "promoter", "other")'
        >>> str(fn.call("startOfPeriod", "weekly", col("day")))
        'startOfPeriod("weekly", day)'
    """

    def call(self, name: str, *args: Any) -> Expr:
        """The call ``name(args...)``, with Pendo's spelling of ``name``.

        Example:
            >>> str(fn.call("dateAdd", fn.now(), 7, "days"))
            'dateAdd(now(), 7, "days")'
        """
        node = Call(name, tuple(lit(arg).node for arg in args))
        try:
            check_call(node)
        except ExpressionError as error:
            raise ExpressionError(error.message) from None
        return Expr(node)

    def __getattr__(self, name: str):
        pendo_name = camel_case(name)
        if name.startswith("_") or pendo_name not in FUNCTIONS:
            known = [_snake_case(f) for f in FUNCTIONS]
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean fn.{close[0]}?" if close else ""
            raise AttributeError(f"fn has no function {name!r}{hint} Known: {', '.join(known)}")
        return lambda *args: self.call(pendo_name, *args)

    def __dir__(self) -> list[str]:
        return sorted(_snake_case(f) for f in FUNCTIONS) + ["call"]


fn = Functions()


def expression_text(value: Any) -> str:
    """The text of an expression argument: a string is expression text already, an
    :class:`Expr` is rendered, any other value becomes a literal.

    Example:
        >>> expression_text("numEvents > 0"), expression_text(col("a") > 1), expression_text(3)
        ('numEvents > 0', 'a > 1', '3')
    """
    return value if isinstance(value, str) else str(lit(value))
