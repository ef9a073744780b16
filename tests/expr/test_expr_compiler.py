"""to_polars(): native expressions with a schema, per-batch compilation without one."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pendo_lab._exceptions import ExpressionError
from pendo_lab.expr import ExprContext, parse, to_polars

FRAME = pl.DataFrame(
    {
        "numEvents": [1, 5, None, 9],
        "numMinutes": [0.5, 2.0, 1.0, None],
        "visitorId": ["a", "_PENDO_T_1", "b", None],
        "type": pl.Series(["x", "y", "x", "z"], dtype=pl.Categorical),
        "when": [dt.datetime(2022, 4, 1, tzinfo=dt.timezone.utc)] * 4,
        "metadata": [{"auto": {"firstvisit": 10}}, {"auto": {"firstvisit": 20}}, None,
                     {"auto": {"firstvisit": None}}],
        "tags": [["a"], [], None, ["b", "a"]],
    }
)


def _values(expression, schema=FRAME.schema, ctx=None):
    expr = to_polars(expression, ctx, schema=schema).alias("v")
    return FRAME.with_columns(expr)["v"].to_list()  # a constant broadcasts to every row


@pytest.mark.parametrize(
    "expression",
    [
        "numEvents > 3 && numMinutes <= 2 || !(visitorId == `a`)",
        "numEvents * 2 + numMinutes / 4 - numEvents % 3",
        "metadata.auto.firstvisit >= now() - 7 * 24 * 60 * 60 * 1000",
        "if(numEvents >= 9, 1, 0)",
        "identified(visitorId) && contains([`x`, `y`], type)",
        "startOfPeriod(`weekly`, when) == date(2022, 3, 27)",
    ],
)
def test_with_a_schema_expressions_are_native(expression):
    text = str(to_polars(expression, schema=FRAME.schema))
    assert "python_udf" not in text and "map" not in text


def test_without_a_schema_field_expressions_compile_per_batch_with_the_same_values():
    expression = "if(isNumber(numEvents), len(tags), -1)"
    assert "python_udf" in str(to_polars(expression))
    assert _values(expression, schema=None) == _values(expression) == [1, 0, -1, 2]


def test_without_fields_no_schema_is_needed():
    text = str(to_polars("dateAdd(date(2022, 1, 1), 1, `days`) - date(2022, 1, 1)"))
    assert "python_udf" not in text


def test_a_literal_list_membership_is_an_is_in():
    assert "is_in" in str(to_polars("contains([`x`, `y`], type)", schema=FRAME.schema))


def test_missing_fields_are_null_literals_with_a_schema():
    assert _values("metadata.auto.nope") == [None] * 4
    assert _values("nope.deeper") == [None] * 4
    assert _values("visitorId.length") == [None] * 4
    assert _values("isNull(nope) && isNull(metadata.auto.nope)") == [True] * 4


def test_datetime_columns_read_as_epoch_ms_and_categoricals_as_strings():
    assert _values("when") == [1_648_771_200_000] * 4
    assert _values("type == `x` && isString(type)") == [True, False, True, False]


def test_a_column_named_with_dots_wins_over_the_struct_path():
    frame = pl.DataFrame({"a.b": [1], "a": [{"b": 2}]})
    assert frame.select(to_polars("a.b", schema=frame.schema)).item() == 1
    assert frame.select(to_polars("a.b")).item() == 1


def test_now_is_read_once_when_compiling():
    ctx = ExprContext(now_ms=1_000)
    expr = to_polars("now() + numEvents", ctx, schema=FRAME.schema)
    assert FRAME.select(expr).to_series().to_list() == [1_001, 1_005, None, 1_009]


def test_large_integer_arithmetic_does_not_overflow():
    assert _values("30 * 1000 * 60 * 60 * 24 + numEvents")[0] == 2_592_000_001


def test_type_errors_are_raised_while_compiling_with_a_schema():
    with pytest.raises(ExpressionError) as caught:
        to_polars("numEvents + visitorId", schema=FRAME.schema)
    assert caught.value.column == 10
    assert "operands of + must be numbers, got string" in str(caught.value)


def test_type_errors_without_a_schema_fail_when_the_query_runs():
    expr = to_polars("numEvents + visitorId")
    with pytest.raises((ExpressionError, pl.exceptions.PolarsError)):
        FRAME.select(expr)


def test_if_branches_of_different_kinds_cannot_share_a_column():
    with pytest.raises(ExpressionError, match="branches in a Polars column must be of one kind"):
        to_polars("if(numEvents > 1, 1, `one`)", schema=FRAME.schema)
    assert _values("if(true, 1, `one`)") == [1] * 4  # a known condition picks its branch


def test_expand_app_ids_has_no_row_value():
    with pytest.raises(ExpressionError, match="source's appId parameter"):
        to_polars('expandAppIds("*")')


def test_lists_of_lists_are_not_built_in_polars():
    with pytest.raises(NotImplementedError, match="lists of lists"):
        to_polars("[tags, tags]", schema=FRAME.schema)


def test_nodes_compile_like_their_text():
    node = parse("numEvents / 2")
    assert _values(node) == _values("numEvents / 2") == [0.5, 2.5, None, 4.5]


def test_filter_on_a_lazy_frame():
    expr = to_polars("numEvents > 2 && identified(visitorId)", schema=FRAME.schema)
    assert FRAME.lazy().filter(expr).collect()["numEvents"].to_list() == []
    expr = to_polars("numEvents > 2 || !identified(visitorId)", schema=FRAME.schema)
    assert FRAME.lazy().filter(expr).collect()["numEvents"].to_list() == [5, 9]


def test_null_values_in_typed_columns_propagate_like_null_literals():
    frame = pl.DataFrame({"l": [[1, 2, 3]] * 2, "k": [1, None], "s": ["a,b", None]})
    cases = {
        "l[:k]": [[1], None],
        "l[k]": [2, None],
        "listInRange(l, k, 9)": [[1, 2, 3], None],
        "contains(l, k)": [True, None],
        "isNil(hash(s))": [False, True],
        "split(s, `,`)": [["a", "b"], None],
        "isNil(date(2022, k, 1))": [False, True],
    }
    for expression, expected in cases.items():
        expr = to_polars(expression, schema=frame.schema)
        assert frame.select(expr).to_series().to_list() == expected, expression
