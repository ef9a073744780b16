"""render(): canonical text, and the property parse(render(node)) == node."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pendo_lab.expr import (
    FUNCTIONS,
    Binary,
    Call,
    Field,
    Index,
    ListLiteral,
    Literal,
    Member,
    Slice,
    Unary,
    parse,
    render,
)
from pendo_lab.expr.nodes import BINARY_PRECEDENCE

_IDENTIFIER = st.from_regex(r"[A-Za-z_$][A-Za-z0-9_$]{0,5}", fullmatch=True)
_FIELDS = (
    st.lists(_IDENTIFIER, min_size=1, max_size=3)
    .map(".".join)
    .filter(lambda path: path not in ("true", "false", "null"))
    .map(Field)
)
# parse never yields negative numbers (`-1` is a Unary) nor non-finite floats
_LITERALS = st.one_of(
    st.integers(min_value=0),
    st.floats(min_value=0, allow_infinity=False, allow_nan=False),
    st.text(),
    st.booleans(),
    st.none(),
).map(Literal)
# Calls with arguments that the parser's literal checks accept.
_LITERAL_ARGUMENTS = {
    "dateAdd": {2: st.sampled_from(["hours", "days", "weeks", "months"])},
    "startOfPeriod": {0: st.sampled_from(["daily", "weekRange", "monthly"])},
    "formatTime": {0: st.text(max_size=8)},
    "expandAppIds": {0: st.sampled_from(["*", "web|mobile", "ios"])},
}


def _call(children):
    def build(name):
        function = FUNCTIONS[name]
        high = function.max_args if function.max_args is not None else function.min_args + 3
        rules = _LITERAL_ARGUMENTS.get(name, {})

        def arguments(count):
            parts = [rules[i].map(Literal) if i in rules else children for i in range(count)]
            if name == "date" and count:
                parts[0] = st.one_of(_FIELDS, st.integers(0, 3000).map(Literal))
            return st.tuples(*parts).map(lambda args: Call(name, args))

        return st.integers(function.min_args, high).flatmap(arguments)

    return st.sampled_from(sorted(FUNCTIONS)).flatmap(build)


def _extend(children):
    return st.one_of(
        st.lists(children, max_size=3).map(lambda items: ListLiteral(tuple(items))),
        st.tuples(children, children).map(lambda p: Index(*p)),
        st.tuples(children, _IDENTIFIER).map(lambda p: Member(*p)),
        st.tuples(children, st.none() | children, st.none() | children).map(lambda p: Slice(*p)),
        st.tuples(st.sampled_from(["!", "-"]), children).map(lambda p: Unary(*p)),
        st.tuples(st.sampled_from(sorted(BINARY_PRECEDENCE)), children, children)
        .map(lambda p: Binary(*p)),
        _call(children),
    )


NODES = st.recursive(st.one_of(_LITERALS, _FIELDS), _extend, max_leaves=12)


@settings(max_examples=500)
@given(NODES)
def test_parse_of_render_is_the_same_tree(node):
    assert parse(render(node)) == node


@given(NODES)
def test_render_is_canonical(node):
    text = render(node)
    assert render(parse(text)) == text


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("a+b*c", "a + b * c"),
        ("(a+b)*c", "(a + b) * c"),
        ("a-(b-c)", "a - (b - c)"),
        ("(a-b)-c", "a - b - c"),
        ("!(a&&b)||c", "!(a && b) || c"),
        ("-(x[0])", "-x[0]"),
        ("(-x)[0]", "(-x)[0]"),
        ("(a == b) == c", "a == b == c"),
        ("a == (b == c)", "a == (b == c)"),
        ("l[ 1 : ]", "l[1:]"),
        ("l[:-1]", "l[:-1]"),
        ("`a\"b`", '"a\\"b"'),
        ("dateAdd( now() ,-30,`days`)", 'dateAdd(now(), -30, "days")'),
        ("[ ]", "[]"),
        ("polls[0] . id", "polls[0].id"),
        ("(a).b", "(a).b"),
        ("(a.b)", "a.b"),
        ("1.50", "1.5"),
    ],
)
def test_render_examples(text, canonical):
    assert render(parse(text)) == canonical


def test_render_rejects_what_has_no_syntax():
    with pytest.raises(ValueError, match="finite"):
        render(Literal(float("inf")))
    with pytest.raises(TypeError, match="expression node"):
        render("a + b")  # type: ignore[arg-type]
