"""Property: the Polars compiler and the row-wise evaluator agree on generated rows and
well-typed generated expressions (with a schema, and without one)."""

from __future__ import annotations

import math

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pendo_lab.expr import ExprContext, evaluate, to_polars
from pendo_lab.expr.values import kind_of

SCHEMA = pl.Schema(
    {
        "n1": pl.Int64,
        "n2": pl.Int64,
        "f1": pl.Float64,
        "s1": pl.String,
        "s2": pl.String,
        "b1": pl.Boolean,
        "l1": pl.List(pl.Int64),
        "ls": pl.List(pl.String),
        "t": pl.Int64,
        "meta": pl.Struct({"score": pl.Int64, "tag": pl.String}),
    }
)
CONTEXTS = st.sampled_from(
    [ExprContext("UTC", 1_650_000_000_000), ExprContext("America/New_York", 1_667_700_000_000),
     ExprContext("Asia/Kolkata", 1_650_000_000_000)]
)

small_ints = st.integers(-50, 50)
quarters = st.integers(-400, 400).map(lambda q: q / 4)
words = st.text(alphabet="abAB:_,-é ", max_size=6)
times = st.integers(1_600_000_000_000, 1_700_000_000_000)


def _maybe(values):
    return st.one_of(st.none(), values)


rows = st.fixed_dictionaries(
    {
        "n1": _maybe(small_ints),
        "n2": small_ints,
        "f1": _maybe(quarters),
        "s1": _maybe(words),
        "s2": st.sampled_from(["user", "_PENDO_T_x", "acme::emea", "email:pendo:open", "B"]),
        "b1": _maybe(st.booleans()),
        "l1": _maybe(st.lists(_maybe(small_ints), max_size=5)),
        "ls": st.lists(words, max_size=4),
        "t": _maybe(times),
        "meta": _maybe(st.fixed_dictionaries({"score": _maybe(small_ints), "tag": _maybe(words)})),
    }
)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _call(name, *parts):
    return st.tuples(*parts).map(lambda args: f"{name}({', '.join(args)})")


def _binary(op, left, right):
    return st.tuples(left, right).map(lambda lr: f"({lr[0]} {op} {lr[1]})")


def _expressions():
    """Strategies for expression text by kind: number, boolean, string, list, time."""
    number_leaf = st.one_of(
        small_ints.map(lambda v: f"({v})"),
        quarters.map(lambda v: f"({v!r})"),
        st.sampled_from(["n1", "n2", "f1", "meta.score", "(meta).score", "null", "missing"]),
    )
    string_leaf = st.one_of(
        words.map(_quote),
        st.sampled_from(["s1", "s2", "meta.tag", "if(b1, meta, meta).tag", "`a`"]),
    )
    bool_leaf = st.sampled_from(["b1", "true", "false", "null"])
    list_leaf = st.sampled_from(["l1", "[1, 2, 2, null]", "[]", "[n1, n2]"])
    string_list = st.sampled_from(["ls", "[`b`, `a`]"])
    time = st.one_of(
        st.just("t"),
        times.map(str),
        _call("dateAdd", st.just("t"), small_ints.map(str),
              st.sampled_from(['"hours"', '"days"', '"weeks"', '"months"'])),
        _call("startOfPeriod", st.sampled_from(['"daily"', '"weekRange"', '"monthly"']),
              st.just("t")),
        _call("date", st.integers(2020, 2023).map(str), st.integers(0, 13).map(str),
              st.integers(0, 32).map(str)),
        st.sampled_from(['date("2022-03-13T02:30")', 'date("2022-11-06T01:30")']),
    )

    def extend(children):
        numbers, booleans, strings, lists = children
        return st.tuples(
            st.one_of(
                numbers,
                *(_binary(op, numbers, numbers) for op in "+-*/%"),
                numbers.map(lambda a: f"-{a}"),
                st.tuples(booleans, numbers, numbers).map(lambda c: f"if({c[0]}, {c[1]}, {c[2]})"),
                _call("len", st.one_of(strings, lists)),
                _call("sum", lists),
                st.tuples(lists, numbers).map(lambda p: f"{p[0]}[{p[1]}]"),
            ),
            st.one_of(
                booleans,
                *(_binary(op, numbers, numbers) for op in ["<", "<=", ">", ">=", "==", "!="]),
                *(_binary(op, strings, strings) for op in ["<", ">=", "==", "!="]),
                _binary("==", lists, lists),
                _binary("==", numbers, strings),
                *(_binary(op, booleans, st.one_of(booleans, numbers)) for op in ["&&", "||"]),
                booleans.map(lambda b: f"!{b}"),
                *(_call(name, st.one_of(numbers, strings, booleans, lists))
                  for name in ["isBoolean", "isNumber", "isString", "isList", "isNil", "isNull"]),
                _call("isEmpty", st.one_of(strings, lists, numbers)),
                _call("contains", strings, strings),
                _call("contains", lists, numbers),
                _call("startsWith", strings, strings),
                _call("identified", st.one_of(strings, numbers)),
                _binary("<", time, time),
            ),
            st.one_of(
                strings,
                _call("toLowerCase", strings),
                _call("toString", st.one_of(numbers, booleans, strings)),
                _call("eventSubType", strings),
                _call("parentAccountId", strings),
                _call("childAccountId", strings),
                st.tuples(booleans, strings, strings).map(lambda c: f"if({c[0]}, {c[1]}, {c[2]})"),
                _call("formatTime", st.sampled_from(['"2006-01-02 15:04"', '"Mon Jan 06"']), time),
                st.tuples(string_list, numbers).map(lambda p: f"{p[0]}[{p[1]}]"),
            ),
            st.one_of(
                lists,
                _call("reverse", lists),
                _call("sortUnique", lists),
                _call("listInRange", lists, numbers, numbers),
                st.tuples(numbers, numbers).map(lambda p: f"[{p[0]}, {p[1]}]"),
                st.tuples(lists, st.one_of(st.just(""), numbers), st.one_of(st.just(""), numbers))
                .map(lambda p: f"{p[0]}[{p[1]}:{p[2]}]"),
                _call("list", numbers, numbers),
            ),
        )

    leaves = st.tuples(number_leaf, bool_leaf, string_leaf, list_leaf)
    level1 = extend(tuple(leaves.map(lambda t, i=i: t[i]) for i in range(4)))
    level2 = extend(tuple(level1.map(lambda t, i=i: t[i]) for i in range(4)))
    kinds = tuple(st.one_of(level1.map(lambda t, i=i: t[i]), level2.map(lambda t, i=i: t[i]))
                  for i in range(4))
    return st.one_of(*kinds, time, _call("split", kinds[2], st.sampled_from(['","', '""', '":"'])))


def _agree(actual, expected) -> bool:
    if kind_of(actual) != kind_of(expected):
        return False
    if isinstance(expected, float) or isinstance(actual, float):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(map(_agree, actual, expected))
    return actual == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression=_expressions(), row=rows, ctx=CONTEXTS)
def test_polars_agrees_with_the_row_evaluator(expression, row, ctx):
    expected = evaluate(expression, row, ctx)
    frame = pl.DataFrame([row], schema=SCHEMA)
    for schema in (SCHEMA, None):
        actual = frame.select(to_polars(expression, ctx, schema=schema)).to_series().to_list()[0]
        assert _agree(actual, expected), f"{expression}: polars {actual!r}, rows {expected!r}"
