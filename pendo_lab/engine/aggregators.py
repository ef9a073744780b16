"""Field aggregators of ``group`` and ``reduce``: ``{"<out>": {"<aggregator>": <argument>}}``.

The argument of ``avg``/``mean``/``median``/``min``/``max``/``sum``/``first``/``list`` is a
field name or an expression. ``count`` takes ``null`` (rows) or a field (its distinct non-null
values); ``countIf`` takes ``{"count": null | "<field>", "if": "<expression>"}``.

Example:
    >>> sorted(AGGREGATORS)[:4]
    ['avg', 'count', 'countIf', 'first']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from ._pipeline import Stage

Aggregator = Callable[[Any, "Stage", pl.Schema, str], pl.Expr]


def _of(reduce: Callable[[pl.Expr], pl.Expr]) -> Aggregator:
    """An aggregator applying ``reduce`` to the argument's expression."""

    def aggregator(argument: Any, stage: Stage, schema: pl.Schema, suffix: str) -> pl.Expr:
        return reduce(stage.expr(argument, schema, suffix))

    return aggregator


def _distinct(values: pl.Expr) -> pl.Expr:
    return values.drop_nulls().n_unique().cast(pl.Int64)


def _count(argument: Any, stage: Stage, schema: pl.Schema, suffix: str) -> pl.Expr:
    if argument is None:
        return pl.len().cast(pl.Int64)
    return _distinct(stage.field(argument, schema, suffix))


def _count_if(argument: Any, stage: Stage, schema: pl.Schema, suffix: str) -> pl.Expr:
    if not isinstance(argument, dict) or set(argument) != {"count", "if"}:
        raise stage.error(
            'countIf takes {"count": null or "<field>", "if": "<expression>"}', suffix
        )
    condition = stage.expr(argument["if"], schema, f"{suffix}.if").cast(pl.Boolean).fill_null(False)
    if argument["count"] is None:
        return condition.sum().cast(pl.Int64)
    return _distinct(stage.field(argument["count"], schema, f"{suffix}.count").filter(condition))


#: Aggregator name -> ``(argument, Stage, schema, path suffix) -> aggregation expression``.
AGGREGATORS: dict[str, Aggregator] = {
    "avg": _of(pl.Expr.mean),
    "mean": _of(pl.Expr.mean),
    "median": _of(pl.Expr.median),
    "min": _of(pl.Expr.min),
    "max": _of(pl.Expr.max),
    "sum": _of(pl.Expr.sum),
    "first": _of(lambda values: values.drop_nulls().first()),
    "list": _of(pl.Expr.implode),
    "count": _count,
    "countIf": _count_if,
}


def aggregations(fields: Any, stage: Stage, schema: pl.Schema, suffix: str) -> list[pl.Expr]:
    """The named aggregations of ``group.fields`` or ``reduce`` (an object, or a list of
    one-key objects).

    Output names may be dotted (``"t.promoters"``); call ``nest`` on the result.
    """
    if isinstance(fields, dict):
        entries = [(f"{suffix}.{name}", name, spec) for name, spec in fields.items()]
    elif isinstance(fields, list):
        entries = []
        for index, item in enumerate(fields):
            if not isinstance(item, dict) or len(item) != 1:
                raise stage.error(
                    'each entry is {"<out>": {"<aggregator>": <argument>}}', f"{suffix}[{index}]"
                )
            ((name, spec),) = item.items()
            entries.append((f"{suffix}[{index}]", name, spec))
    else:
        raise stage.error(
            'expected {"<out>": {"<aggregator>": <argument>}, ...} or a list of those', suffix
        )
    return [aggregate(spec, stage, schema, at).alias(name) for at, name, spec in entries]


def aggregate(spec: Any, stage: Stage, schema: pl.Schema, suffix: str) -> pl.Expr:
    """One aggregator such as ``{"sum": "numEvents"}``; unknown names list the known ones."""
    if not isinstance(spec, dict) or len(spec) != 1:
        raise stage.error(
            'an aggregator is an object with one key, e.g. {"sum": "numEvents"}', suffix
        )
    ((name, argument),) = spec.items()
    if name not in AGGREGATORS:
        raise stage.error(
            f"unknown aggregator {name!r}; known aggregators: {', '.join(sorted(AGGREGATORS))}",
            suffix,
        )
    return AGGREGATORS[name](argument, stage, schema, f"{suffix}.{name}")
