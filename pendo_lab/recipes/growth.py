"""Growth: new and recovered visitors (or accounts) against dropped ones (pendo-spec.md §7.2).

Example:
    >>> import pendo_lab
    >>> client = pendo_lab.Pendo.sandbox(now="2026-11-02T15:30:00Z")
    >>> result = growth(client, days=14)
    >>> result.frame.columns
    ['growth', 'new', 'recovered', 'dropped', 'quickRatio']
"""

from __future__ import annotations

from typing import Any

import polars as pl

from .. import charts
from ..engine import MetricOptions
from ._metric import (
    USER_BASES,
    check_choice,
    describe,
    parse_group_by,
    recipe_result,
    run_stage,
    stage_argument,
)
from ._result import RecipeResult
from ._sources import open_source

__all__ = ["growth"]

#: The growth stage's columns (INFERRED names, see pendo_lab.engine.metrics).
SCHEMA = {"growth": pl.Float64, "new": pl.Int64, "recovered": pl.Int64, "dropped": pl.Int64,
          "quickRatio": pl.Float64}


def growth(
    source: Any,
    *,
    first: Any = None,
    last: Any = None,
    days: int = 30,
    app_id: Any = None,
    segment: Any = None,
    identified: bool = True,
    group_by: str | None = None,
    user_base: str = "visitors",
    method: str | None = None,
    timezone: str | None = None,
    frame: str | None = None,
    options: MetricOptions | None = None,
) -> RecipeResult:
    """Growth, Pendo's Quick Ratio of "new and recovered" against "dropped" units
    (pendo-spec.md §7.2: the ratio is CONFIRMED, the rest INFERRED):

    * new: units whose first activity ever falls in the days;
    * recovered: active in the days, not in the equally long period before, active earlier;
    * dropped: active in the period before, not in the days;
    * ``growth`` = 100 × (new + recovered) / (new + recovered + dropped), null when all are 0
      (INFERRED: how Pendo scales the ratio to 0–100 is not published); ``quickRatio`` =
      (new + recovered) / dropped, null when nothing dropped.

    ``user_base`` counts ``"visitors"`` or ``"accounts"``. ``options`` (local path):
    ``GrowthOptions(scale="quick_ratio")`` makes ``growth`` the raw quick ratio. The local
    path pulling from a client reads events from 365 days before ``first`` to tell new from
    recovered units (the server reads all history).

    Result: ``frame`` has one row (``growth``, ``new``, ``recovered``, ``dropped``,
    ``quickRatio``), or one per group with ``group_by``; ``value`` is everyone's ``growth``.

    Common parameters (``source``, ``first``, ``last``, ``days``, ``app_id``, ``segment``,
    ``identified``, ``method``, ``timezone``, ``frame``): see :mod:`pendo_lab.recipes`.

    Example:
        >>> import polars as pl
        >>> events = pl.DataFrame({"visitorId": ["old", "back", "back", "new", "gone"],
        ...     "accountId": ["x"] * 5, "day": ["2026-08-15", "2026-08-01", "2026-10-05",
        ...     "2026-10-02", "2026-09-20"]}, schema_overrides={"day": pl.Date})
        >>> counts = growth(events, first="2026-10-01", last="2026-10-30").frame
        >>> counts.select("new", "recovered", "dropped").row(0)
        (1, 1, 1)
    """
    check_choice("user_base", user_base, USER_BASES)
    grouping = parse_group_by(group_by)
    setup = open_source("events", source, first=first, last=last, days=days, segment=segment,
                        method=method, timezone=timezone, frame=frame, options=options)
    argument = stage_argument(setup, app_id, identified, {"userBase": user_base})
    params = {"first": setup.window.first, "last": setup.window.last, "app_id": app_id,
              "segment": segment, "identified": identified, "group_by": group_by,
              "user_base": user_base}
    table = run_stage(setup.runner, "growth", argument, grouping, SCHEMA)
    overall = table if grouping is None else run_stage(setup.runner, "growth", argument, None,
                                                       SCHEMA)
    value = overall["growth"][0] if overall.height else None
    scope = describe(setup.window, app_id, identified, segment)
    return recipe_result("growth", setup, table, value, params, charts.growth,
                         f"no new, recovered or dropped units in {scope}")
