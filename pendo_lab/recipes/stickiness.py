"""Stickiness: how often active visitors (or accounts) come back (pendo-spec.md §7.2).

Example:
    >>> import pendo_lab
    >>> client = pendo_lab.Pendo.sandbox(now="2026-11-02T15:30:00Z")
    >>> result = stickiness(client, days=7)
    >>> result.frame.columns, 0 < result.value < 100
    (['day', 'stickiness'], True)
"""

from __future__ import annotations

from typing import Any

import polars as pl

from .. import charts
from ..engine import MetricOptions
from ..engine import stickiness_by_day
from ._metric import (
    describe,
    parse_group_by,
    recipe_result,
    run_stage,
    stage_argument,
    stickiness_config,
)
from ._result import RecipeResult
from ._sources import Setup, Window, conform, open_source

__all__ = ["stickiness"]



def stickiness(
    source: Any,
    *,
    first: Any = None,
    last: Any = None,
    days: int = 30,
    app_id: Any = None,
    segment: Any = None,
    identified: bool = True,
    group_by: str | None = None,
    numerator: str = "daily",
    denominator: str = "monthly",
    exclude_weekends: bool = False,
    user_base: str = "visitors",
    method: str | None = None,
    timezone: str | None = None,
    frame: str | None = None,
    options: MetricOptions | None = None,
) -> RecipeResult:
    """Stickiness: 100 × the mean over the days of (units active in the ``numerator``
    period ending that day ÷ units active in the ``denominator`` period ending that day):
    DAU/MAU, DAU/WAU or WAU/MAU, as Pendo defines it (pendo-spec.md §7.2, CONFIRMED).

    * ``numerator``: ``"daily"`` or ``"weekly"``; ``denominator``: ``"weekly"`` or
      ``"monthly"`` (larger than the numerator).
    * ``exclude_weekends``: leave Saturdays and Sundays out of the mean (they still count in
      the weekly and monthly sets: INFERRED).
    * ``user_base``: count ``"visitors"`` or ``"accounts"`` (an account is active when one of
      its visitors is).
    * ``options``: the engine's INFERRED choices (local path): ``StickinessOptions(window=
      "trailing")``, the 7 or 30 days ending on each day (default), or ``"calendar"``, the
      week from Sunday or the month up to each day.

    Result: without ``group_by``, ``frame`` has one row per day (``day``, ``stickiness``; null
    on days with nobody active in the denominator period, and on weekends when excluded)
    and ``value`` is their mean, the stage's number. With ``group_by``, one row per group
    (``accountId`` or the metadata field) with its stickiness, and ``value`` is everyone's.
    The server path asks Pendo's ``stickiness`` stage once per day for the daily series.

    Common parameters (``source``, ``first``, ``last``, ``days``, ``app_id``, ``segment``,
    ``identified``, ``method``, ``timezone``, ``frame``): see :mod:`pendo_lab.recipes`.

    Example:
        >>> import polars as pl
        >>> events = pl.DataFrame({"visitorId": ["a", "a", "b"], "accountId": ["x"] * 3,
        ...                        "day": ["2026-10-01", "2026-10-02", "2026-10-01"]},
        ...                       schema_overrides={"day": pl.Date})
        >>> daily = stickiness(events, first="2026-10-01", last="2026-10-02",
        ...                    denominator="weekly")
        >>> daily.frame["stickiness"].to_list(), daily.value
        ([100.0, 50.0], 75.0)
    """
    config = stickiness_config(numerator, denominator, exclude_weekends, user_base)
    grouping = parse_group_by(group_by)
    setup = open_source("events", source, first=first, last=last, days=days, segment=segment,
                        method=method, timezone=timezone, frame=frame, options=options)
    argument = stage_argument(setup, app_id, identified, config)
    params = {"first": setup.window.first, "last": setup.window.last, "app_id": app_id,
              "segment": segment, "identified": identified, "group_by": group_by,
              "numerator": numerator, "denominator": denominator,
              "exclude_weekends": exclude_weekends, "user_base": user_base}
    if grouping is None:
        table = _daily(setup, argument)
        value = table["stickiness"].mean()
    else:
        table = run_stage(setup.runner, "stickiness", argument, grouping,
                          {"stickiness": pl.Float64})
        value = run_stage(setup.runner, "stickiness", argument, None,
                          {"stickiness": pl.Float64}).item()
    scope = describe(setup.window, app_id, identified, segment)
    return recipe_result("stickiness", setup, table, value, params, charts.stickiness,
                         f"no activity in {scope}")


def _daily(setup: Setup, argument: dict) -> pl.DataFrame:
    """One row per day of the window: its stickiness (null where there is none)."""
    schema = {"day": pl.Date, "stickiness": pl.Float64}
    if setup.runner.local:
        rows = stickiness_by_day(argument, setup.runner.context)
    else:
        rows = pl.concat([
            conform(setup.runner.run([{"stickiness": {**argument, **_one_day(setup, day)}}]),
                    {"stickiness": pl.Float64}).select(pl.lit(day).alias("day"), "stickiness")
            for day in setup.window.days()
        ]).drop_nulls()
    calendar = pl.DataFrame({"day": setup.window.days()}, schema={"day": pl.Date})
    return calendar.join(conform(rows, schema), on="day", how="left")


def _one_day(setup: Setup, day: Any) -> dict:
    return Window(day, day, setup.window.timezone).stage_days()
