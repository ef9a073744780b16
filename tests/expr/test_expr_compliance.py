"""Run every case of tests/expr/compliance/*.json through both back ends.

A file holds groups: ``{"comment", "row", "context"?: {"timezone", "now"}, "cases": [...]}``;
a case is ``{"expression", "result"}`` or ``{"expression", "error": "<message substring>"}``.
Each case runs through the row-wise evaluator and through the Polars compiler on a one-row
frame, with the frame's schema and without one (compiled per batch).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pendo_lab._exceptions import ExpressionError
from pendo_lab.expr import FUNCTIONS, ExprContext, evaluate, to_polars
from pendo_lab.expr.values import same_value

COMPLIANCE = Path(__file__).parent / "compliance"


def _load_cases() -> list:
    cases = []
    for path in sorted(COMPLIANCE.glob("*.json")):
        for group in json.loads(path.read_text()):
            context = group.get("context", {})
            ctx = ExprContext(context.get("timezone", "UTC"), context.get("now"))
            for case in group["cases"]:
                label = f"{path.stem}: {case['expression']}"
                cases.append(pytest.param(case, group["row"], ctx, id=label))
    return cases


CASES = _load_cases()
VALUE_CASES = [c for c in CASES if "result" in c.values[0]]
ERROR_CASES = [c for c in CASES if "error" in c.values[0]]


def _frame(row: dict) -> pl.DataFrame:
    return pl.DataFrame([row]) if row else pl.DataFrame({"_": [None]})


def _run_polars(expression: str, row: dict, ctx: ExprContext, with_schema: bool):
    frame = _frame(row)
    expr = to_polars(expression, ctx, schema=frame.schema if with_schema else None)
    return frame.lazy().select(expr.alias("result")).collect().to_series().to_list()[0]


def _assert_same(actual, expected):
    assert same_value(actual, expected), f"got {actual!r}, expected {expected!r}"


def test_the_suite_is_large_and_covers_every_function():
    text = " ".join(c.values[0]["expression"] for c in CASES)
    assert len(CASES) >= 150
    assert [name for name in FUNCTIONS if f"{name}(" not in text] == []
    assert all(f" {op} " in text for op in ["==", "!=", "<", "<=", ">", ">=", "&&", "||", "+",
                                             "-", "*", "/", "%"])


@pytest.mark.parametrize(("case", "row", "ctx"), VALUE_CASES)
def test_row_evaluator(case, row, ctx):
    _assert_same(evaluate(case["expression"], row, ctx), case["result"])


@pytest.mark.parametrize(("case", "row", "ctx"), VALUE_CASES)
def test_polars_with_schema(case, row, ctx):
    _assert_same(_run_polars(case["expression"], row, ctx, with_schema=True), case["result"])


@pytest.mark.parametrize(("case", "row", "ctx"), VALUE_CASES)
def test_polars_without_schema(case, row, ctx):
    _assert_same(_run_polars(case["expression"], row, ctx, with_schema=False), case["result"])


@pytest.mark.parametrize(("case", "row", "ctx"), ERROR_CASES)
def test_errors_in_both_back_ends(case, row, ctx):
    with pytest.raises(ExpressionError) as from_rows:
        evaluate(case["expression"], row, ctx)
    assert case["error"] in str(from_rows.value)
    with pytest.raises(ExpressionError) as from_polars:
        _run_polars(case["expression"], row, ctx, with_schema=True)
    assert case["error"] in str(from_polars.value)
