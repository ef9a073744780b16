"""evaluate(): the row-wise reference semantics beyond the compliance suite."""

from __future__ import annotations

import datetime as dt

import pytest

from pendo_lab._exceptions import ExpressionError
from pendo_lab.expr import AppIdFilter, Binary, ExprContext, Field, Literal, evaluate
from pendo_lab.expr.evaluator import read_field


def test_expand_app_ids_gives_a_marker_for_the_engine():
    assert evaluate('expandAppIds("*")', {}) == AppIdFilter(("*",))
    assert evaluate("expandAppIds(`web|mobile`)", {}).filters == ("web", "mobile")


def test_timeseries_bounds_evaluate_without_a_row():
    ctx = ExprContext("America/New_York", now_ms=1_693_932_275_771)  # 2023-09-05 12:44:35 ET
    assert evaluate("now()", {}, ctx) == 1_693_932_275_771
    assert evaluate("date(2023, 9, 1)", {}, ctx) == 1_693_540_800_000  # the reference's example
    assert evaluate('dateAdd(now(), -4, "days") > date(2023, 9, 1)', {}, ctx) is True


def test_datetimes_in_rows_read_as_epoch_ms():
    aware = dt.datetime(2022, 4, 1, 4, tzinfo=dt.timezone.utc)
    assert evaluate("t", {"t": aware}) == 1_648_785_600_000
    assert evaluate("t", {"t": aware.replace(tzinfo=None)}) == 1_648_785_600_000


def test_read_field_prefers_a_literal_dotted_key():
    row = {"a.b": "flat", "a": {"b": "nested", "c": [1]}}
    assert read_field(row, "a.b") == "flat"
    assert read_field(row, "a.c") == [1]
    assert read_field(row, "a.c.d") is None


def test_logical_operators_short_circuit():
    assert evaluate("false && 1 + `x`", {}) is False
    assert evaluate("true || 1 + `x`", {}) is True
    with pytest.raises(ExpressionError, match="operands of \\+ must be numbers"):
        evaluate("true && 1 + `x`", {})


def test_now_is_read_once_per_evaluation():
    ticks = iter(range(100))

    class Clock(ExprContext):
        def now(self) -> int:
            return next(ticks)

    assert evaluate("now() == now()", {}, Clock()) is True


def test_lists_of_lists_and_objects_are_values():
    row = {"pairs": [[1, 2], [3]], "obj": {"k": [1]}}
    assert evaluate("pairs[1]", row) == [3]
    assert evaluate("[pairs[0], [9]]", row) == [[1, 2], [9]]
    assert evaluate("obj == obj", row) is True
    assert evaluate("isList(obj)", row) is False


def test_sort_unique_needs_comparable_elements():
    with pytest.raises(ExpressionError, match="sortUnique\\(list\\): list elements must be one of"):
        evaluate("sortUnique(l)", {"l": [1, "a"]})


def test_errors_point_into_the_rendered_text_of_a_node():
    node = Binary("+", Field("a"), Literal("x"))
    with pytest.raises(ExpressionError) as caught:
        evaluate(node, {"a": 1})
    assert (caught.value.expression, caught.value.column) == ('a + "x"', 2)


def test_hash_is_deterministic_and_spreads():
    values = {evaluate("hash(v)", {"v": f"visitor-{i}"}) for i in range(200)}
    assert len(values) == 200
    assert all(0 <= v < 2**63 for v in values)
    assert evaluate("hash(`visitor-1`)", {}) == evaluate("hash(v)", {"v": "visitor-1"})
