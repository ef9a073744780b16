"""Pendo's aggregation expression language: parse, render, evaluate per row, compile to Polars.

The language is C-like (``filter``, ``eval``, ``select`` and timeSeries ``first``/``last``
strings): ``numEvents > 3 && type == `guideSeen```. See docs/expr.md for the grammar,
operators, null rules and every function in :data:`FUNCTIONS`.

Example:
    >>> import polars as pl
    >>> from pendo_lab.expr import parse, render, to_polars, evaluate, field_paths
    >>> node = parse("metadata.auto.firstvisit >= now() - 7*24*60*60*1000")
    >>> render(node)
    'metadata.auto.firstvisit >= now() - 7 * 24 * 60 * 60 * 1000'
    >>> sorted(field_paths(node))
    ['metadata.auto.firstvisit']
    >>> evaluate("1 + null", {}) is None, evaluate("null == null", {})
    (True, True)
    >>> pl.DataFrame({"x": [1, 2, 3]}).select(to_polars("x * 2")).to_series().to_list()
    [2, 4, 6]
"""

from __future__ import annotations

from pendo_lab.expr.compiler import to_polars
from pendo_lab.expr.context import ExprContext
from pendo_lab.expr.evaluator import evaluate
from pendo_lab.expr.functions import FUNCTIONS, Function
from pendo_lab.expr.nodes import (Binary, Call, Field, Index, ListLiteral, Literal, Member, Node,
                                  Slice, Unary, walk)
from pendo_lab.expr.parser import field_paths, parse
from pendo_lab.expr.render import render
from pendo_lab.expr.values import AppIdFilter

__all__ = [
    "FUNCTIONS",
    "AppIdFilter",
    "Binary",
    "Call",
    "ExprContext",
    "Field",
    "Function",
    "Index",
    "ListLiteral",
    "Literal",
    "Member",
    "Node",
    "Slice",
    "Unary",
    "evaluate",
    "field_paths",
    "parse",
    "render",
    "to_polars",
    "walk",
]

