"""The lexer and the Pratt parser: tree shapes, precedence, and errors with a caret."""

from __future__ import annotations

import pytest

from pendo_lab._exceptions import ExpressionError, ValidationError
from pendo_lab.expr import (
    Binary,
    Call,
    Field,
    Index,
    ListLiteral,
    Literal,
    Member,
    Slice,
    Unary,
    field_paths,
    parse,
)
from pendo_lab.expr.lexer import tokenize

a, b, c = Field("a"), Field("b"), Field("c")


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a || b && c", Binary("||", a, Binary("&&", b, c))),
        ("a && b || c", Binary("||", Binary("&&", a, b), c)),
        ("a == b < c", Binary("==", a, Binary("<", b, c))),
        ("a + b < c", Binary("<", Binary("+", a, b), c)),
        ("a - b + c", Binary("+", Binary("-", a, b), c)),
        ("a * b % c", Binary("%", Binary("*", a, b), c)),
        ("a + b * c", Binary("+", a, Binary("*", b, c))),
        ("(a + b) * c", Binary("*", Binary("+", a, b), c)),
        ("!a == b", Binary("==", Unary("!", a), b)),
        ("-a * b", Binary("*", Unary("-", a), b)),
        ("-a[0]", Unary("-", Index(a, Literal(0)))),
        ("!!a", Unary("!", Unary("!", a))),
        ("a[-1]", Index(a, Unary("-", Literal(1)))),
        ("a[1:2]", Slice(a, Literal(1), Literal(2))),
        ("a[:2]", Slice(a, None, Literal(2))),
        ("a[1:]", Slice(a, Literal(1), None)),
        ("a[:]", Slice(a, None, None)),
        ("a[0][1]", Index(Index(a, Literal(0)), Literal(1))),
        ("polls[0].id", Member(Index(Field("polls"), Literal(0)), "id")),
        ("a[0].b.c", Member(Member(Index(a, Literal(0)), "b"), "c")),
        ("(a).b", Member(a, "b")),
        ("-a[0].b", Unary("-", Member(Index(a, Literal(0)), "b"))),
        ("[1, a][0]", Index(ListLiteral((Literal(1), a)), Literal(0))),
        ("metadata.auto.firstvisit", Field("metadata.auto.firstvisit")),
        ("itemSeenInfo.lastUsed >= browserTime",
         Binary(">=", Field("itemSeenInfo.lastUsed"), Field("browserTime"))),
        ("now()", Call("now", ())),
        ("if(a, 1, `x`)", Call("if", (a, Literal(1), Literal("x")))),
        ("true", Literal(True)),
        ("null", Literal(None)),
        ("first >= now()", Binary(">=", Field("first"), Call("now", ()))),
        ("date", Field("date")),
        ("a.true", Field("a.true")),
        ("$x_1", Field("$x_1")),
        ("2.5e-3", Literal(0.0025)),
    ],
)
def test_trees(text, tree):
    assert parse(text) == tree


def test_literal_equality_tells_types_apart():
    assert parse("1") != parse("true")
    assert parse("1") != parse("1.0")
    assert parse("`x`") == parse('"x"')
    assert len({parse("1"), parse("true"), parse("1.0")}) == 3


def test_positions_point_at_operators_and_names_but_do_not_affect_equality():
    node = parse("x + len(y)")
    assert node.pos == 2
    assert node.right.pos == 4
    assert node == parse("x+len(y)")


def test_string_literals_decode_escapes_and_keep_backticks_raw():
    assert [t.value for t in tokenize(r'"a\"b\\c\n\u00e9" `a\n`')][:2] == ['a"b\\c\né', "a\\n"]


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("a +", "unexpected end of expression", 3),
        ("a + * b", "unexpected '*'; expected a value", 4),
        ("(a + b", "expected ')' to close '(' at column 0", 6),
        ("len(a b)", "expected ',' or ')' to close '(' at column 3", 6),
        ("x[1 2]", "expected ']' to close '[' at column 1", 4),
        ("a = b", "compare with '=='", 2),
        ('x == "abc', 'unterminated "string"', 5),
        ('"ok \\x"', "invalid escape", 4),
        ("dateAdd(now(), 1)", "dateAdd(time, amount, unit) takes 3 arguments, got 2", 0),
        ("1 + fooBar(2)", "unknown function 'fooBar'", 4),
        ("dateAdd(t, 1, `day`)", 'unit must be one of "hours", "days", "weeks", "months"', 14),
        ("startOfPeriod(p, t)", "period must be one of", 14),
        ("a[0].1", "expected a field name after '.', found number 1", 5),
    ],
)
def test_errors_carry_a_caret(text, message, column):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    error = caught.value
    assert message in error.message
    assert (error.expression, error.column) == (text, column)
    assert str(error).splitlines()[-1] == "  " + " " * column + "^"


def test_expression_errors_are_validation_errors():
    with pytest.raises(ValidationError):
        parse("1 +")
    with pytest.raises(ExpressionError, match="must be a string, got int"):
        parse(1506977216000)  # type: ignore[arg-type]


def test_unknown_function_suggests_the_closest_name():
    with pytest.raises(ExpressionError, match="did you mean 'startsWith'"):
        parse("startWith(a, b)")


def test_field_paths():
    text = "!isNull(parameters.parameter) && parameters.parameter != \"\" && x[i] > sum(l)"
    assert field_paths(text) == {"parameters.parameter", "x", "i", "l"}
    assert field_paths(parse("now() - 1")) == set()


def test_parse_accepts_the_reference_examples():
    examples = [
        "visitorId == `exampleVisitor`",
        "!isNull(parameters.parameter) && parameters.parameter != \"\"",
        'type == "guideSeen"',
        "itemSeenInfo.lastUsed >= browserTime",
        'startOfPeriod("dayRange", time)',
        "!isNil(metadataField) && metadataField != \"\"",
        "if(response >= 7 && response < 9, 1, 0)",
        "(numPromoters/numResponses) - (numDetractors/numResponses)",
        "items.itemType == `Page`",
        "now() - 30 * 1000 * 60 *60 * 24",
        "first >= now() - 7 * 1000 * 60 *60 * 24",
        'expandAppIds("*")',
        "expandAppIds(`*`)",
        "hash(visitorId)",
        'dateAdd(now(), -30, "days")',
        "date(2021, 7, 28, 12, 30, 00)",
        "[1,1+2,sum(a)]",
    ]
    for text in examples:
        assert parse(text) is parse(text)  # parsed once, then cached
