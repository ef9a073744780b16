"""FUNCTIONS: the documented table every back end implements."""

from __future__ import annotations

from pathlib import Path

import pytest

from pendo_lab.expr import FUNCTIONS, Call, Literal
from pendo_lab.expr import compiler, evaluator
from pendo_lab.expr.functions import check_call

DOCS = Path(__file__).parents[2] / "docs" / "expr.md"
REFERENCE_FUNCTIONS = {
    "if", "isBoolean", "isNumber", "isString", "isList", "isNil", "isNull", "isEmpty",
    "contains", "split", "startsWith", "toLowerCase", "toString", "len", "list", "listInRange",
    "reverse", "sortUnique", "sum", "now", "date", "dateAdd", "startOfPeriod", "identified",
    "childAccountId", "parentAccountId", "hash", "formatTime", "eventSubType", "expandAppIds",
}


def test_the_table_holds_every_function_of_the_reference_and_the_samples():
    assert set(FUNCTIONS) == REFERENCE_FUNCTIONS


@pytest.mark.parametrize("name", sorted(REFERENCE_FUNCTIONS))
def test_each_function_is_described_and_implemented_twice(name):
    function = FUNCTIONS[name]
    assert function.name == name
    assert function.doc.endswith(".")
    assert function.min_args <= len(function.params)
    assert function.max_args in (None, len(function.params))
    method = "if_" if name == "if" else name
    assert name in evaluator._OF_VALUES or hasattr(evaluator._RowEvaluator, method)
    assert name in compiler._NATIVE or hasattr(compiler._Compiler, method)
    assert f"`{function.signature}`" in DOCS.read_text()


def test_signatures_and_arity_messages():
    assert FUNCTIONS["dateAdd"].params == ("time", "amount", "unit")
    assert (FUNCTIONS["date"].min_args, FUNCTIONS["date"].max_args) == (1, 7)
    assert FUNCTIONS["list"].max_args is None
    assert FUNCTIONS["list"].check_arity(0) == "list(value, ...) takes at least 1 argument, got 0"
    assert FUNCTIONS["now"].check_arity(0) is None
    expected = "if(condition, ifTrue, ifFalse) takes 2 to 3 arguments, got 4"
    assert FUNCTIONS["if"].check_arity(4) == expected


def test_strictness_matches_the_documented_null_rules():
    lenient = {name for name, f in FUNCTIONS.items() if not f.strict}
    assert lenient == {"if", "isBoolean", "isNumber", "isString", "isList", "isNil", "isNull",
                       "isEmpty", "list", "identified"}


def test_check_call_points_at_the_bad_argument():
    call = Call("startOfPeriod", (Literal("yearly", pos=14), Literal(0, pos=24)), pos=0)
    with pytest.raises(Exception) as caught:
        check_call(call)
    assert caught.value.column == 14
