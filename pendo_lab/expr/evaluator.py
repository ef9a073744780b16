"""The row-wise evaluator: the reference semantics of the language, one Python row at a time.

:func:`pendo_lab.expr.to_polars` is what runs on data; this module defines what it must compute
and is what the tests compare it with. It also evaluates row-free expressions such as a
``timeSeries`` ``first: "dateAdd(now(), -30, \\"days\\")"``.

Example:
    >>> evaluate("if(numEvents > 3, `busy`, `quiet`)", {"numEvents": 5})
    'busy'
    >>> evaluate("1 + null == null && (true && null) == false", {})
    True
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import polars as pl

from pendo_lab.expr.context import ExprContext
from pendo_lab.expr.dates import (
    add_time,
    compose,
    date_text_parts,
    epoch_ms,
    format_time,
    start_of_period,
)
from pendo_lab.expr.functions import FUNCTIONS
from pendo_lab.expr.nodes import Binary, Call, Index, Node, Slice, Unary, Visitor
from pendo_lab.expr.parser import pointing_into, resolve
from pendo_lab.expr.values import (
    ANONYMOUS_PREFIX,
    PLAIN_OPERATORS,
    AppIdFilter,
    check_list_items,
    check_operands,
    check_subscript,
    kind_of,
    mismatch,
    number_text,
    same_value,
    truthy,
)

__all__ = ["evaluate", "read_field"]


def evaluate(expr: str | Node, row: dict, ctx: ExprContext | None = None) -> Any:
    """The value of ``expr`` for one ``row`` (nested dicts for nested fields).

    Missing fields read as null; a ``datetime`` in the row reads as epoch ms (naive = UTC).

    >>> evaluate("metadata.auto.firstvisit >= date(2022, 4, 1)",
    ...          {"metadata": {"auto": {"firstvisit": 1_650_000_000_000}}})
    True
    >>> evaluate("len(split(tags, `,`))", {"tags": "a,b,c"})
    3
    """
    node, text = resolve(expr)
    with pointing_into(text):
        return _RowEvaluator(row, ctx or ExprContext()).visit(node)


def read_field(row: dict, path: str) -> Any:
    """A dotted ``path`` of ``row``: a key literally named ``path`` first, else nested keys.

    >>> read_field({"a": {"b": 1}}, "a.b"), read_field({"a.b": 2}, "a.b"), read_field({}, "a.b")
    (1, 2, None)
    """
    if path in row:
        return _from_row(row[path])
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return _from_row(value)


def _from_row(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return int(aware.timestamp() * 1000)
    return value


class _RowEvaluator(Visitor):
    def __init__(self, row: dict, ctx: ExprContext):
        self.row = row
        self.ctx = ctx
        self.now_ms: int | None = None  # read once per evaluation

    # literals, fields, lists, subscripts

    def literal(self, value: Any) -> Any:
        return value

    def field(self, path: str) -> Any:
        return read_field(self.row, path)

    def member(self, target: Any, name: str) -> Any:
        return _from_row(target.get(name)) if isinstance(target, dict) else None

    def make_list(self, values: list, nodes: tuple[Node, ...]) -> list:
        check_list_items([kind_of(v) for v in values], [n.pos for n in nodes])
        return values

    def index(self, node: Index) -> Any:
        target, index = self.visit(node.target), self.visit(node.index)
        check_subscript(kind_of(target), [kind_of(index)], node.pos)
        if target is None or index is None:
            return None
        position = int(index)
        return target[position] if -len(target) <= position < len(target) else None

    def slice(self, node: Slice) -> Any:
        target = self.visit(node.target)
        bounds = [None if b is None else self.visit(b) for b in (node.start, node.end)]
        given = [b for b, n in zip(bounds, (node.start, node.end)) if n is not None]
        check_subscript(kind_of(target), [kind_of(b) for b in given], node.pos)
        if target is None or None in given:
            return None
        start, end = (None if b is None else int(b) for b in bounds)
        return list(target[start:end])

    def unary(self, node: Unary) -> Any:
        value = self.visit(node.operand)
        check_operands(node.op, [kind_of(value)], node.pos)
        if value is None:
            return None
        return -value if node.op == "-" else not truthy(value)

    def logical(self, node: Binary) -> bool:
        """``&&``/``||`` short-circuit and treat null as false."""
        left = self.visit(node.left)
        check_operands(node.op, [kind_of(left)], node.pos)
        if truthy(left) == (node.op == "||"):
            return truthy(left)
        right = self.visit(node.right)
        check_operands(node.op, [kind_of(right)], node.pos)
        return truthy(right)

    def binary(self, node: Binary) -> Any:
        left, right = self.visit(node.left), self.visit(node.right)
        if node.op in ("==", "!="):
            return same_value(left, right) == (node.op == "==")
        check_operands(node.op, [kind_of(left), kind_of(right)], node.pos)
        if left is None or right is None:
            return None
        return _BINARY[node.op](left, right)

    def if_(self, node: Call) -> Any:
        condition = self.visit(node.args[0])
        FUNCTIONS["if"].check_kinds([kind_of(condition)], node.args)
        if truthy(condition):
            return self.visit(node.args[1])
        return self.visit(node.args[2]) if len(node.args) == 3 else None

    def call(self, node: Call) -> Any:
        function = FUNCTIONS[node.name]
        args = [self.visit(arg) for arg in node.args]
        function.check_kinds([kind_of(a) for a in args], node.args)
        if function.strict and None in args:
            return None
        if node.name in _OF_VALUES:
            return _OF_VALUES[node.name](*args)
        return getattr(self, node.name)(node, *args)

    # functions that need the context or the call node

    def now(self, node: Call) -> int:
        if self.now_ms is None:
            self.now_ms = self.ctx.now()
        return self.now_ms

    def date(self, node: Call, first: Any, *rest: Any) -> int | None:
        if isinstance(first, str):
            parts = date_text_parts(first)
        else:
            parts = [int(part) for part in (first, *rest)]
        return epoch_ms(compose(*parts), self.ctx.zone) if parts else None

    def dateAdd(self, node: Call, time: Any, amount: Any, unit: str) -> int | None:  # noqa: N802
        return add_time(time, amount, unit, self.ctx.zone)

    def startOfPeriod(self, node: Call, period: str, time: Any) -> int | None:  # noqa: N802
        return start_of_period(period, time, self.ctx.zone)

    def formatTime(self, node: Call, layout: str, time: Any) -> str:  # noqa: N802
        return format_time(layout, time, self.ctx.zone)

    def list(self, node: Call, *values: Any) -> list:
        return self.make_list(list(values), node.args)

    def sortUnique(self, node: Call, items: list) -> list:  # noqa: N802
        present = [item for item in items if item is not None]
        kinds = {kind_of(item) for item in present}
        if len(kinds) > 1 or not kinds <= {"boolean", "number", "string"}:
            subject, got = "sortUnique(list): list elements", " and ".join(sorted(kinds))
            raise mismatch(subject, "one of boolean, number, string", got, node.args[0].pos)
        return sorted(set(present))


def _divide(left: Any, right: Any) -> Any:
    """``/``: true division; dividing by zero gives null (INFERRED)."""
    return None if right == 0 else left / right


def _remainder(left: Any, right: Any) -> Any:
    """``%``: the C/Go remainder, with the sign of the dividend; by zero gives null (INFERRED)."""
    if right == 0:
        return None
    rest = left % right  # Python's remainder has the sign of the divisor
    return rest - right if rest != 0 and (rest < 0) != (left < 0) else rest


def _hash(value: Any) -> int:
    """Polars' string hash (the one to_polars uses), halved into 63 bits."""
    return pl.Series([_to_string(value)], dtype=pl.String).hash(seed=0).item() // 2


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else number_text(value)


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, str):
        return needle in haystack
    return any(same_value(item, needle) for item in haystack)


def _split(text: str, separator: str) -> list[str]:
    return text.split(separator) if separator else list(text)


def _numbers(items: list) -> list:
    return [item for item in items if kind_of(item) == "number"]


_BINARY: dict[str, Callable[[Any, Any], Any]] = {**PLAIN_OPERATORS, "/": _divide, "%": _remainder}

# Functions of their argument values alone (strict ones never see a null).
_OF_VALUES: dict[str, Callable[..., Any]] = {
    "isBoolean": lambda value: kind_of(value) == "boolean",
    "isNumber": lambda value: kind_of(value) == "number",
    "isString": lambda value: kind_of(value) == "string",
    "isList": lambda value: kind_of(value) == "list",
    "isNil": lambda value: value is None,
    "isNull": lambda value: value is None,
    "isEmpty": lambda value: value is None or (kind_of(value) in ("string", "list") and not value),
    "identified": lambda value: value is not None
    and not (isinstance(value, str) and value.startswith(ANONYMOUS_PREFIX)),
    "contains": _contains,
    "split": _split,
    "startsWith": lambda text, prefix: text.startswith(prefix),
    "toLowerCase": lambda text: text.lower(),
    "toString": _to_string,
    "len": len,
    "listInRange": lambda items, low, high: [x for x in _numbers(items) if low <= x <= high],
    "reverse": lambda items: list(reversed(items)),
    "sum": lambda items: sum(_numbers(items)),
    "childAccountId": lambda account: account.split("::", 1)[1] if "::" in account else None,
    "parentAccountId": lambda account: account.split("::", 1)[0],
    "hash": _hash,
    "eventSubType": lambda kind: kind.rsplit(":", 1)[-1],
    "expandAppIds": lambda filters: AppIdFilter(tuple(filters.split("|"))),
}
