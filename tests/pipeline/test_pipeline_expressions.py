"""Column expressions render the text Pendo reads, and that text parses back to the same tree."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pendo_lab import ExpressionError, ValidationError
from pendo_lab.expr import parse
from pendo_lab.pipeline import Expr, col, fn, lit


@pytest.mark.parametrize(("expr", "text"), [
    (col("numEvents") > 5, "numEvents > 5"),
    ((col("a") == "x") & ~col("b").is_null(), 'a == "x" && !isNull(b)'),
    ((col("a") < 1) | (col("b") >= 2) & (col("c") != None), "a < 1 || b >= 2 && c != null"),  # noqa: E711
    (((col("a") < 1) | (col("b") >= 2)) & col("c"), "(a < 1 || b >= 2) && c"),
    ((col("a") + 1) * 2, "(a + 1) * 2"),
    (col("a") - (col("b") - 1), "a - (b - 1)"),
    (col("a") - col("b") - 1, "a - b - 1"),
    (10 - col("a"), "10 - a"),
    (2 * col("a") % 3, "2 * a % 3"),
    (1 / col("a"), "1 / a"),
    (-col("a") * 2, "-a * 2"),
    (~(col("a") & col("b")), "!(a && b)"),
    (True & col("a"), "true && a"),
    (col("polls")[0], "polls[0]"),
    (col("l")[-1], "l[-1]"),
    (col("l")[1:], "l[1:]"),
    (col("l")[:col("n")], "l[:n]"),
    (col("metadata.auto.firstvisit") >= fn.now() - 7 * 24 * 60 * 60 * 1000,
     "metadata.auto.firstvisit >= now() - 604800000"),  # Python multiplies first
    (col("name").contains("Chrome"), 'contains(name, "Chrome")'),
    (col("url").starts_with("https://"), 'startsWith(url, "https://")'),
    (col("tags").is_empty(), "isEmpty(tags)"),
    (fn.is_null(col("x")), "isNull(x)"),
    (fn.now(), "now()"),
    (fn.date_add(fn.now(), -30, "days"), 'dateAdd(now(), -30, "days")'),
    (fn.call("dateAdd", fn.now(), 1, "weeks"), 'dateAdd(now(), 1, "weeks")'),
    (fn.if_(col("response") >= 9, 1, 0), "if(response >= 9, 1, 0)"),
    (fn.start_of_period("weekly", col("day")), 'startOfPeriod("weekly", day)'),
    (fn.to_lower_case(col("name")), "toLowerCase(name)"),
    (fn.list(col("a"), col("b")), "list(a, b)"),
    (fn.expand_app_ids("web|mobile"), 'expandAppIds("web|mobile")'),
    (col("visitorId") == lit("quote \" backslash \\ newline \n"),
     'visitorId == "quote \\" backslash \\\\ newline \\n"'),
    (lit([1, 2.5, "x", None, True]), '[1, 2.5, "x", null, true]'),
    (lit(dt.date(2023, 9, 1)), "date(2023, 9, 1)"),
    (lit(dt.datetime(2023, 9, 1, 4, tzinfo=dt.timezone.utc)), "1693540800000"),
    (lit(-3.5) * col("a"), "-3.5 * a"),
])
def test_rendering(expr, text):
    assert str(expr) == text
    assert parse(text) == expr.node


def test_an_expression_is_its_text_everywhere_the_builder_takes_one():
    from pendo_lab.pipeline import Pipeline
    p = Pipeline().filter(col("a") > 1).select(b=col("b") * 2).reduce(n=("sum", col("x") + 1))
    assert p.stages == ({"filter": "a > 1"}, {"select": {"b": "b * 2"}},
                        {"reduce": {"n": {"sum": "x + 1"}}})


def test_expressions_have_no_truth_value():
    with pytest.raises(TypeError, match="& | ~"):
        bool(col("a") > 1)
    with pytest.raises(TypeError):
        1 < col("a") < 3  # noqa: B015  # chained comparisons need a truth value


def test_expressions_are_not_hashable():
    with pytest.raises(TypeError):
        hash(col("a"))


@pytest.mark.parametrize("name", ["", "a b", "1a", "a..b", "polls[0]", "true", 3])
def test_bad_field_names(name):
    with pytest.raises(ValidationError, match="not a field name"):
        col(name)


def test_unknown_functions_suggest_the_closest():
    with pytest.raises(AttributeError, match="did you mean fn.date_add"):
        fn.date_ad(1)
    with pytest.raises(ExpressionError, match="unknown function 'dateSub'"):
        fn.call("dateSub", 1)
    assert "start_of_period" in dir(fn)


def test_arity_and_literal_arguments_are_checked_at_once():
    with pytest.raises(ExpressionError, match="takes 3 arguments, got 2"):
        fn.date_add(fn.now(), 1)
    with pytest.raises(ExpressionError, match='unit must be one of "hours"'):
        fn.date_add(fn.now(), 1, "years")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object(),
                                   dt.datetime(2024, 1, 1)])
def test_values_without_an_expression_form(value):
    with pytest.raises((TypeError, ValidationError)):
        lit(value)


def test_slices_take_no_step():
    with pytest.raises(ValidationError, match="no step"):
        col("l")[::2]


# -- any tree built with operators renders to text that parses back to it -------------------

leaves = st.one_of(
    st.sampled_from(["a", "b.c", "metadata.auto.id"]).map(col),
    st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15),
              st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8)).map(lit),
)
binary = ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__and__", "__or__",
          "__add__", "__sub__", "__mul__", "__truediv__", "__mod__"]


def extend(children):
    return st.one_of(
        st.builds(lambda op, a, b: getattr(a, op)(b), st.sampled_from(binary), children, children),
        children.map(lambda a: ~a),
        children.map(lambda a: -a),
        st.builds(lambda a, i: a[i], children, st.integers(-3, 3)),
        st.builds(lambda a, b: fn.if_(a, b, 0), children, children),
    )


@given(st.recursive(leaves, extend, max_leaves=12))
def test_rendered_text_parses_back_to_the_same_tree(expr: Expr):
    assert parse(str(expr)) == expr.node
