"""Syntax tree -> one vectorised Polars expression, with the semantics of the row evaluator.

With a ``schema`` every dtype is known while compiling: missing fields become null literals,
type errors are raised before anything runs, and the result is a plain native Polars
expression that the query optimiser sees through. Nothing ever runs per row.

Without a schema, an expression that reads fields is compiled for each batch, once the batch's
dtypes are known (one ``map_batches`` over the frame's columns): the same native expression
and the same values, but opaque to the optimiser, and a type error surfaces only when the
query runs, as Polars' "UDF ... not able to infer the output type" (Polars probes the result
dtype with a sample batch and drops the ExpressionError). Pass
``schema=frame.collect_schema()`` wherever speed or clear errors matter.

Example:
    >>> import polars as pl
    >>> frame = pl.DataFrame({"numEvents": [1, 5, None], "type": ["a", "b", "c"]})
    >>> frame.filter(to_polars("numEvents > 2 || type == `c`", schema=frame.schema)).height
    2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import polars as pl

from pendo_lab._exceptions import ExpressionError
from pendo_lab.expr.context import ExprContext
from pendo_lab.expr.dates import (
    add_time_expr,
    compose_expr,
    date_text_parts_expr,
    epoch_ms_expr,
    format_time_expr,
    start_of_period_expr,
)
from pendo_lab.expr.functions import FUNCTIONS
from pendo_lab.expr.nodes import (
    Binary,
    Call,
    Field,
    Index,
    Literal,
    Node,
    Slice,
    Unary,
    Visitor,
    walk,
)
from pendo_lab.expr.parser import pointing_into, resolve
from pendo_lab.expr.values import (
    ANONYMOUS_PREFIX,
    FLOAT_INTEGER_LIMIT,
    PLAIN_OPERATORS,
    check_list_items,
    check_operands,
    check_subscript,
    kind_of_dtype,
    mismatch,
    truthy,
)

__all__ = ["to_polars"]

_UNKNOWN = object()  # Typed.value when the value is not known while compiling
_DATE_DEFAULTS = (1, 1, 0, 0, 0, 0)  # month, day, hour, minute, second, nanosecond
_TYPE_TESTS = {
    "isBoolean": "boolean", "isNumber": "number", "isString": "string", "isList": "list"
}


def to_polars(
    expr: str | Node, ctx: ExprContext | None = None, *, schema: pl.Schema | None = None
) -> pl.Expr:
    """A Polars expression computing ``expr`` for every row of a frame with ``schema``.

    ``now()`` is read once, here. Times are epoch ms; Datetime columns read as epoch ms.
    An expression that reads no field (or only missing ones) is a Polars scalar: it
    broadcasts in ``with_columns``, ``filter`` and beside columns in ``select``.

    >>> import polars as pl
    >>> frame = pl.DataFrame({"metadata": [{"auto": {"firstvisit": 1_650_000_000_000}}]})
    >>> frame.select(to_polars("formatTime(`2006-01-02`, metadata.auto.firstvisit)")).item()
    '2022-04-15'
    >>> frame.select(to_polars("missing.field", schema=frame.schema)).item() is None
    True
    """
    node, text = resolve(expr)
    ctx = ctx or ExprContext()
    ctx = ExprContext(ctx.timezone, ctx.now())  # now() is read once, here
    if schema is None and any(isinstance(n, Field) for n in walk(node)):
        return _compile_per_batch(node, text, ctx)
    with pointing_into(text):
        return _Compiler(ctx, schema or pl.Schema()).visit(node).expr


def _compile_per_batch(node: Node, text: str, ctx: ExprContext) -> pl.Expr:
    """Compile ``node`` for each batch of the frame, against that batch's schema."""

    def run(batch: pl.Series) -> pl.Series:
        frame = batch.struct.unnest()
        with pointing_into(text):
            return frame.select(_Compiler(ctx, frame.schema).visit(node).expr).to_series()

    return pl.struct(pl.all()).map_batches(run, is_elementwise=True)


@dataclass(frozen=True)
class _Typed:
    """A compiled expression, its dtype and, when known while compiling, its constant value."""

    expr: pl.Expr
    dtype: pl.DataType
    value: Any = _UNKNOWN

    @property
    def kind(self) -> str:
        return kind_of_dtype(self.dtype)

    @property
    def known(self) -> bool:
        return self.value is not _UNKNOWN


_LITERAL_DTYPES = {
    type(None): pl.Null, bool: pl.Boolean, int: pl.Int64, float: pl.Float64, str: pl.String
}


def _constant(value: Any) -> _Typed:
    dtype = _LITERAL_DTYPES[type(value)]
    return _Typed(pl.lit(value, dtype), dtype, value)


def _truth(typed: _Typed) -> pl.Expr:
    """Truth as ``&&`` sees it, per row: null is false, numbers are true unless 0."""
    return typed.expr.cast(pl.Boolean).fill_null(False)


def _inner(typed: _Typed) -> pl.DataType:
    """The element dtype of a list (Null for anything else)."""
    return typed.dtype.inner if isinstance(typed.dtype, pl.List) else pl.Null


def _numeric_dtype(left: _Typed, right: _Typed, op: str) -> pl.DataType:
    integers = left.dtype.is_integer() and right.dtype.is_integer()
    return pl.Int64 if integers and op != "/" else pl.Float64


class _Compiler(Visitor):
    def __init__(self, ctx: ExprContext, schema: pl.Schema):
        self.ctx = ctx
        self.schema = schema

    # literals, fields, lists, subscripts

    def literal(self, value: Any) -> _Typed:
        return _constant(value)

    def field(self, path: str) -> _Typed:
        """A field by dotted path: a column literally named ``path`` first, else struct fields."""
        if path in self.schema:
            return self.column(pl.col(path), self.schema[path])
        root, *rest = path.split(".")
        if root not in self.schema:
            return _constant(None)
        typed = self.column(pl.col(root), self.schema[root])
        for part in rest:
            typed = self.member(typed, part)
        return typed

    def member(self, target: _Typed, name: str) -> _Typed:
        """Field ``name`` of a struct; null when there is none (also for a non-struct)."""
        fields = dict(target.dtype.to_schema()) if isinstance(target.dtype, pl.Struct) else {}
        if name not in fields:
            return _constant(None)
        return self.column(target.expr.struct.field(name), fields[name])

    @staticmethod
    def column(expr: pl.Expr, dtype: pl.DataType) -> _Typed:
        """A column as expressions see it: Datetime as epoch ms, categories as strings."""
        if isinstance(dtype, pl.Datetime):
            return _Typed(expr.dt.epoch("ms"), pl.Int64)
        if dtype == pl.Categorical or isinstance(dtype, pl.Enum):
            return _Typed(expr.cast(pl.String), pl.String)
        return _Typed(expr, dtype)

    def make_list(self, items: list[_Typed], nodes: tuple[Node, ...]) -> _Typed:
        check_list_items([item.kind for item in items], [n.pos for n in nodes])
        if any(item.kind in ("list", "object") for item in items):
            raise NotImplementedError("lists of lists in to_polars(); evaluate() builds them")
        dtypes = [item.dtype for item in items if item.dtype != pl.Null]
        inner = pl.Float64 if pl.Float64 in dtypes else (dtypes[0] if dtypes else pl.Null)
        if all(item.known for item in items):
            values = [item.value for item in items]
            return _Typed(pl.lit(values, dtype=pl.List(inner)), pl.List(inner), values)
        exprs = [item.expr.cast(inner) for item in items]
        return _Typed(pl.concat_list(exprs), pl.List(inner))

    def index(self, node: Index) -> _Typed:
        target, index = self.visit(node.target), self.visit(node.index)
        check_subscript(target.kind, [index.kind], node.pos)
        if "null" in (target.kind, index.kind):
            return _constant(None)
        expr = target.expr.list.get(index.expr.cast(pl.Int64), null_on_oob=True)
        return _Typed(expr, _inner(target))

    def slice(self, node: Slice) -> _Typed:
        """Python slice semantics: negative bounds count from the end, bounds clamp."""
        target = self.visit(node.target)
        bounds = [None if b is None else self.visit(b) for b in (node.start, node.end)]
        given = [b for b in bounds if b is not None]
        check_subscript(target.kind, [b.kind for b in given], node.pos)
        if "null" in [target.kind, *(b.kind for b in given)]:
            return _constant(None)
        size = target.expr.list.len().cast(pl.Int64)

        def position(bound: _Typed | None, default: pl.Expr) -> pl.Expr:
            if bound is None:
                return default
            at = bound.expr.cast(pl.Int64)
            from_end = pl.max_horizontal(at + size, pl.lit(0))
            return pl.when(at < 0).then(from_end).otherwise(pl.min_horizontal(at, size))

        start, end = position(bounds[0], pl.lit(0)), position(bounds[1], size)
        length = pl.max_horizontal(end - start, pl.lit(0))
        expr = target.expr.list.slice(start, length)
        if given:  # min/max_horizontal skip nulls: a null bound must still give null
            expr = pl.when(pl.all_horizontal([b.expr.is_not_null() for b in given])).then(expr)
        return _Typed(expr, target.dtype)

    # operators

    def unary(self, node: Unary) -> _Typed:
        operand = self.visit(node.operand)
        check_operands(node.op, [operand.kind], node.pos)
        if operand.kind == "null":
            return _constant(None)
        if node.op == "-":
            return _Typed(-operand.expr, operand.dtype)
        return _Typed(~operand.expr.cast(pl.Boolean), pl.Boolean)

    def logical(self, node: Binary) -> _Typed:
        """``&&``/``||`` treat null as false; a left side known while compiling short-circuits."""
        left = self.visit(node.left)
        check_operands(node.op, [left.kind], node.pos)
        if left.known and truthy(left.value) == (node.op == "||"):
            return _constant(truthy(left.value))
        right = self.visit(node.right)
        check_operands(node.op, [right.kind], node.pos)
        if left.known:
            return _Typed(_truth(right), pl.Boolean)
        expr = _truth(left) & _truth(right) if node.op == "&&" else _truth(left) | _truth(right)
        return _Typed(expr, pl.Boolean)

    def binary(self, node: Binary) -> _Typed:
        left, right = self.visit(node.left), self.visit(node.right)
        if node.op in ("==", "!="):
            return _Typed(self.equal(left, right, node.op == "=="), pl.Boolean)
        check_operands(node.op, [left.kind, right.kind], node.pos)
        if "null" in (left.kind, right.kind):
            return _constant(None)
        a, b = left.expr, right.expr
        dtype = _numeric_dtype(left, right, node.op)
        if node.op in PLAIN_OPERATORS:
            result_dtype = dtype if node.op in ("+", "-", "*") else pl.Boolean
            return _Typed(PLAIN_OPERATORS[node.op](a, b), result_dtype)
        if node.op == "/":
            result = a / b
        else:  # the C/Go remainder, with the sign of the dividend (Polars': of the divisor)
            rest = a % b
            result = pl.when((rest != 0) & ((rest < 0) != (a < 0))).then(rest - b).otherwise(rest)
        if right.known:  # a literal divisor: decide "by zero gives null" now
            return _Typed(result, dtype) if right.value != 0 else _constant(None)
        return _Typed(pl.when(b != 0).then(result), dtype)

    @staticmethod
    def equal(left: _Typed, right: _Typed, equal: bool) -> pl.Expr:
        """``==``: null is a value equal only to null; different kinds are never equal."""
        kinds = {left.kind, right.kind}
        if "null" not in kinds and len(kinds) > 1:
            both_null = left.expr.is_null() & right.expr.is_null()
            return both_null if equal else ~both_null
        return left.expr.eq_missing(right.expr) if equal else left.expr.ne_missing(right.expr)

    # calls

    def if_(self, node: Call) -> _Typed:
        condition = self.visit(node.args[0])
        FUNCTIONS["if"].check_kinds([condition.kind], node.args)
        branches = [*node.args[1:], Literal(None)][:2]
        if condition.known:
            return self.visit(branches[0] if truthy(condition.value) else branches[1])
        then, otherwise = (self.visit(branch) for branch in branches)
        kinds = {then.kind, otherwise.kind} - {"null"}
        if len(kinds) > 1:
            got = " and ".join(sorted(kinds))
            raise mismatch("if() branches in a Polars column", "of one kind", got, node.pos)
        expr = pl.when(_truth(condition)).then(then.expr).otherwise(otherwise.expr)
        return _Typed(expr, then.dtype if then.kind != "null" else otherwise.dtype)

    def call(self, node: Call) -> _Typed:
        function = FUNCTIONS[node.name]
        args = [self.visit(arg) for arg in node.args]
        function.check_kinds([arg.kind for arg in args], node.args)
        if function.strict and any(arg.kind == "null" for arg in args):
            return _constant(None)
        if node.name in _NATIVE:
            expr, dtype = _NATIVE[node.name]
            return _Typed(expr(*(arg.expr for arg in args)), dtype)
        return getattr(self, node.name)(node, *args)

    def type_test(self, node: Call, value: _Typed) -> _Typed:
        if value.kind == _TYPE_TESTS[node.name]:
            return _Typed(value.expr.is_not_null(), pl.Boolean)
        return _constant(False)

    isBoolean = isNumber = isString = isList = type_test  # noqa: N815

    def isNil(self, node: Call, value: _Typed) -> _Typed:  # noqa: N802
        if value.kind == "null":
            return _constant(True)
        return _Typed(value.expr.is_null(), pl.Boolean)

    isNull = isNil  # noqa: N815

    def isEmpty(self, node: Call, value: _Typed) -> _Typed:  # noqa: N802
        if value.kind == "null":
            return _constant(True)
        expr = value.expr
        if value.kind == "string":
            return _Typed(expr.is_null() | (expr == ""), pl.Boolean)
        if value.kind == "list":
            return _Typed(expr.is_null() | (expr.list.len() == 0), pl.Boolean)
        return _Typed(expr.is_null(), pl.Boolean)

    def identified(self, node: Call, value: _Typed) -> _Typed:
        if value.kind == "null":
            return _constant(False)
        expr = value.expr.is_not_null()
        if value.kind == "string":
            expr = expr & ~value.expr.str.starts_with(ANONYMOUS_PREFIX)
        return _Typed(expr, pl.Boolean)

    def contains(self, node: Call, haystack: _Typed, needle: _Typed) -> _Typed:
        if haystack.kind == "string":
            return _Typed(haystack.expr.str.contains(needle.expr, literal=True), pl.Boolean)
        inner = _inner(haystack)
        items, item = haystack.expr, needle.expr
        if inner != pl.Null and kind_of_dtype(inner) != needle.kind:  # never found
            return _Typed(pl.when(items.is_not_null() & item.is_not_null()).then(False), pl.Boolean)
        if inner != needle.dtype and needle.kind == "number":  # compare ints and floats as floats
            items, item = items.cast(pl.List(pl.Float64)), item.cast(pl.Float64)
        if haystack.known:  # a literal list: a fast membership test
            return _Typed(item.is_in(items), pl.Boolean)
        return _Typed(pl.when(item.is_not_null()).then(items.list.contains(item)), pl.Boolean)

    def toString(self, node: Call, value: _Typed) -> _Typed:  # noqa: N802
        expr = value.expr
        if value.kind == "string":
            return value
        text = expr.cast(pl.String)
        if value.dtype.is_float():  # see values.number_text
            integral = (expr == expr.floor()) & (expr.abs() < FLOAT_INTEGER_LIMIT)
            text = pl.when(integral).then(expr.cast(pl.Int64).cast(pl.String)).otherwise(text)
        return _Typed(text, pl.String)

    def hash(self, node: Call, value: _Typed) -> _Typed:
        text = self.toString(node, value).expr
        hashed = (text.hash(seed=0) // 2).cast(pl.Int64)
        return _Typed(pl.when(text.is_not_null()).then(hashed), pl.Int64)

    def len(self, node: Call, value: _Typed) -> _Typed:
        size = value.expr.str.len_chars() if value.kind == "string" else value.expr.list.len()
        return _Typed(size.cast(pl.Int64), pl.Int64)

    def list(self, node: Call, *values: _Typed) -> _Typed:
        return self.make_list(list(values), node.args)

    def listInRange(  # noqa: N802
        self, node: Call, items: _Typed, low: _Typed, high: _Typed
    ) -> _Typed:
        """Bounds may be columns, which ``list.eval`` cannot see: shift the list by each bound
        (list arithmetic broadcasts), mark elements >= 0 and <= 0, keep those marked twice."""
        present = pl.all_horizontal([a.expr.is_not_null() for a in (items, low, high)])
        if kind_of_dtype(_inner(items)) != "number":
            return _Typed(pl.when(present).then(items.expr.list.head(0)), items.dtype)
        element = pl.element()
        at_least = (items.expr - low.expr).list.eval((element >= 0).cast(pl.Int8))
        at_most = (items.expr - high.expr).list.eval((element <= 0).cast(pl.Int8))
        keep = (at_least + at_most).list.eval((element == 2).arg_true())
        return _Typed(pl.when(present).then(items.expr.list.gather(keep)), items.dtype)

    def reverse(self, node: Call, items: _Typed) -> _Typed:
        return _Typed(items.expr.list.reverse(), items.dtype)

    def sortUnique(self, node: Call, items: _Typed) -> _Typed:  # noqa: N802
        kind = kind_of_dtype(_inner(items))
        if kind not in ("null", "boolean", "number", "string"):
            subject = "sortUnique(list): list elements"
            raise mismatch(subject, "one of boolean, number, string", kind, node.args[0].pos)
        expr = items.expr.list.drop_nulls().list.unique().list.sort()
        return _Typed(expr, items.dtype)

    def sum(self, node: Call, items: _Typed) -> _Typed:
        inner = _inner(items)
        if kind_of_dtype(inner) != "number":
            return _Typed(pl.when(items.expr.is_not_null()).then(0), pl.Int64)
        return _Typed(items.expr.list.sum(), pl.Int64 if inner.is_integer() else pl.Float64)

    def now(self, node: Call) -> _Typed:
        return _constant(self.ctx.now())

    def date(self, node: Call, first: _Typed, *rest: _Typed) -> _Typed:
        if first.kind == "string":
            parts = date_text_parts_expr(first.expr)
        else:
            given = [arg.expr.cast(pl.Int64) for arg in (first, *rest)]
            parts = given + [pl.lit(d, dtype=pl.Int64) for d in _DATE_DEFAULTS[len(rest):]]
        return _Typed(epoch_ms_expr(compose_expr(parts), self.ctx.timezone), pl.Int64)

    def dateAdd(  # noqa: N802
        self, node: Call, time: _Typed, amount: _Typed, unit: _Typed
    ) -> _Typed:
        expr = add_time_expr(time.expr, amount.expr, unit.value, self.ctx.timezone)
        return _Typed(expr, pl.Int64)

    def startOfPeriod(self, node: Call, period: _Typed, time: _Typed) -> _Typed:  # noqa: N802
        expr = start_of_period_expr(period.value, time.expr, self.ctx.timezone)
        return _Typed(expr, pl.Int64)

    def formatTime(self, node: Call, layout: _Typed, time: _Typed) -> _Typed:  # noqa: N802
        return _Typed(format_time_expr(layout.value, time.expr, self.ctx.timezone), pl.String)

    def expandAppIds(self, node: Call, filters: _Typed) -> _Typed:  # noqa: N802
        raise ExpressionError(
            "expandAppIds() selects apps for a source's appId parameter and has no row value; "
            "use evaluate() to read it",
            "",
            node.pos,
        )



def _account_part(index: int) -> Callable[[pl.Expr], pl.Expr]:
    return lambda account: account.str.splitn("::", 2).struct.field(f"field_{index}")


# Strict functions whose Polars form needs no dtype: name -> (builder, result dtype).
_NATIVE: dict[str, tuple[Callable[..., pl.Expr], pl.DataType]] = {
    "split": (lambda text, separator: text.str.split(separator), pl.List(pl.String)),
    "startsWith": (lambda text, prefix: text.str.starts_with(prefix), pl.Boolean),
    "toLowerCase": (lambda text: text.str.to_lowercase(), pl.String),
    "parentAccountId": (_account_part(0), pl.String),
    "childAccountId": (_account_part(1), pl.String),
    "eventSubType": (lambda kind: kind.str.split(":").list.last(), pl.String),
}
