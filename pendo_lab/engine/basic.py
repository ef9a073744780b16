"""Basic and Pendo-specific row stages: filter, select, eval, sort, limit, count, reduce, group,
cat, identified, segment.

Each function takes the rows so far (a LazyFrame), the stage's JSON argument and the
:class:`~pendo_lab.engine._pipeline.Stage`, and returns the new LazyFrame.

Example:
    >>> import polars as pl
    >>> from pendo_lab.engine import run_on_frame
    >>> rows = pl.DataFrame({"day": [1, 2, 3], "n": [5, None, 7]})
    >>> run_on_frame([{"sort": ["-n"]}, {"limit": 2}], rows)["day"].to_list()
    [3, 1]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from ..expr.values import ANONYMOUS_PREFIX
from ._fields import assign, nest
from .aggregators import aggregations

if TYPE_CHECKING:
    from ._pipeline import Stage

#: Grouped-event time buckets that ``eval`` may not overwrite (Pendo: "some fields such as day").
READ_ONLY_FIELDS = frozenset({"day", "hour", "week", "month", "quarter"})


def _expressions(argument: Any, stage: Stage, schema: pl.Schema) -> dict[str, pl.Expr]:
    if not isinstance(argument, dict):
        raise stage.error('expected {"<out>": "<expression>", ...}')
    return {name: stage.expr(text, schema, f".{name}") for name, text in argument.items()}


def filter_rows(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"filter": "<expression>"}``: keep the rows where it is true (null counts as false)."""
    return frame.filter(stage.expr(argument, frame.collect_schema()))


def select(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"select": {"<out>": "<expression>"}}``: only these fields; dotted outs nest."""
    outputs = _expressions(argument, stage, frame.collect_schema())
    return nest(frame.select([expr.alias(name) for name, expr in outputs.items()]))


def eval_fields(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"eval": {"<out>": "<expression>"}}``: add or replace fields; all read the input row."""
    for name in argument if isinstance(argument, dict) else ():
        if name in READ_ONLY_FIELDS:
            raise stage.error(f"{name!r} is read-only: give the result another name", f".{name}")
    return assign(frame, _expressions(argument, stage, frame.collect_schema()))


def sort(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"sort": ["field", "-descending"]}``: stable; nulls last in both directions."""
    if not isinstance(argument, list) or not argument:
        raise stage.error('expected a list of fields, e.g. ["-numEvents", "visitorId"]')
    schema = frame.collect_schema()
    keys = [
        stage.field(name[1:] if str(name).startswith("-") else name, schema, f"[{index}]")
        for index, name in enumerate(argument)
    ]
    descending = [name.startswith("-") for name in argument]
    return frame.sort(keys, descending=descending, nulls_last=True, maintain_order=True)


def limit(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"limit": N}``: the first N rows."""
    if isinstance(argument, bool) or not isinstance(argument, int) or argument < 0:
        raise stage.error(f"expected a row count (integer >= 0), got {argument!r}")
    return frame.head(argument)


def _null_argument(argument: Any, stage: Stage) -> None:
    if argument is not None:
        raise stage.error(f"takes only null, got {argument!r}")


def count(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"count": null}``: one row ``{"count": N}``."""
    _null_argument(argument, stage)
    return frame.select(pl.len().cast(pl.Int64).alias("count"))


def cat(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"cat": null}``: passes rows through unchanged."""
    _null_argument(argument, stage)
    return frame


def reduce(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"reduce": {"<out>": {"<aggregator>": ...}}}`` (or a list of those): one row."""
    return nest(frame.select(aggregations(argument, stage, frame.collect_schema(), "")))


def group(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"group": {"group": [keys], "fields": ...}}``: one row per key combination, in order
    of first appearance; without ``fields``, the distinct keys."""
    if not isinstance(argument, dict) or not set(argument) <= {"group", "fields"}:
        raise stage.error('expected {"group": ["<field>", ...], "fields": {...}}')
    names = argument.get("group")
    if not isinstance(names, list):
        raise stage.error("expected a list of fields to group by", ".group")
    schema = frame.collect_schema()
    keys = [
        stage.field(name, schema, f".group[{index}]").alias(name)
        for index, name in enumerate(names)
    ]
    fields = argument.get("fields")
    if not fields:
        return nest(frame.select(keys).unique(maintain_order=True))
    values = aggregations(fields, stage, schema, ".fields")
    grouped = (
        frame.group_by(keys, maintain_order=True).agg(values) if keys else frame.select(values)
    )
    return nest(grouped)


def identified(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"identified": "visitorId"}`` keeps identified visitors; ``"!visitorId"`` only anonymous
    ones (ids starting ``_PENDO_T_``). Rows without a visitor id pass neither."""
    if not isinstance(argument, str):
        raise stage.error(f'expected "visitorId" or "!visitorId", got {argument!r}')
    anonymous = stage.field(argument.lstrip("!"), frame.collect_schema()).str.starts_with(
        ANONYMOUS_PREFIX
    )
    return frame.filter(anonymous if argument.startswith("!") else ~anonymous)


def segment(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"segment": {"id": "<segmentId>"}}``: rows whose visitorId/accountId are in the segment.

    The members frame decides which ids are checked: both when it has both columns (the pair
    must match), otherwise only the one it has.
    """
    if not isinstance(argument, dict) or set(argument) != {"id"}:
        raise stage.error('expected {"id": "<segmentId>"}')
    members = stage.ctx.segment(argument["id"], stage.path)
    return semi_join_members(frame, members, stage)


def semi_join_members(frame: pl.LazyFrame, members: pl.LazyFrame, stage: Stage) -> pl.LazyFrame:
    """Keep the rows whose ids appear in a segment's members frame."""
    columns = [name for name in ("visitorId", "accountId") if name in members.collect_schema()]
    if not columns:
        raise stage.error("the segment's members have neither visitorId nor accountId")
    schema = frame.collect_schema()
    keys = [stage.field(name, schema) for name in columns]
    return frame.join(
        members.select(columns).unique(),
        left_on=keys,
        right_on=columns,
        how="semi",
        maintain_order="left",
    )
