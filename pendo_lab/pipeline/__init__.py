"""Pendo's aggregation language in Python: an immutable :class:`Pipeline` builder, column
expressions, time series, and validation before anything is sent.

Every builder method returns a new pipeline; :meth:`Pipeline.to_request` validates and gives
the documented envelope; :meth:`Pipeline.from_json` reads any request (including bodies pasted
from Pendo's documentation, ``//`` comments and all). See docs/pipeline.md.

Example:
    >>> from pendo_lab.pipeline import Pipeline, col
    >>> p = (Pipeline.source("events", app_id=-323232).last_days(30)
    ...      .identified("visitorId")
    ...      .filter(col("numEvents") > 0)
    ...      .group(["accountId"], numEvents=("sum", "numEvents"), visitors=("count", "visitorId"))
    ...      .sort("-numEvents").limit(10))
    >>> p.to_request()["request"]["pipeline"][3]
    {'group': {'group': ['accountId'], 'fields': {'numEvents': {'sum': 'numEvents'}, 'visitors': {'count': 'visitorId'}}}}
    >>> Pipeline.from_json(p.to_json()) == p
    True
"""

from __future__ import annotations

from typing import Any

from ._catalog import AGGREGATORS, PERIODS, SCORES, SOURCES, Source
from ._expressions import Expr, col, fn, lit
from ._pipeline import Pipeline
from ._time import TimeSeries
from ._validate import OPERATORS, STARTERS

__all__ = [
    "AGGREGATORS",
    "OPERATORS",
    "PERIODS",
    "SCORES",
    "SOURCES",
    "STARTERS",
    "Expr",
    "Pipeline",
    "Source",
    "TimeSeries",
    "col",
    "fn",
    "lit",
    "validate",
]


def validate(request: Any) -> None:
    """Check a request in any form :meth:`Pipeline.from_json` reads; raise
    :class:`~pendo_lab.PipelineError` with the path of the first problem and a fix.

    Example:
        >>> validate([{"source": {"pages": None}}, {"grup": {"group": ["id"]}}])
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.PipelineError: pipeline[1]: unknown operator 'grup'; did you mean 'group'? Known operators: adoption, bulkExpand, cat, count, eval, expand, filter, fork, group, growth, identified, itemSeen, join, limit, merge, pes, reduce, segment, select, sort, source, spawn, stickiness, switch, unwind, useragent
    """
    Pipeline.from_json(request).validate()
