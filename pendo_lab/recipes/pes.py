"""The Product Engagement Score: the mean of adoption, stickiness and growth (pendo-spec.md
§7.2).

Example:
    >>> import pendo_lab
    >>> client = pendo_lab.Pendo.sandbox(now="2026-11-02T15:30:00Z")
    >>> result = pes(client, days=14)
    >>> result.frame.columns
    ['pes', 'adoption', 'stickiness', 'growth']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from .. import charts
from ..engine import MetricOptions
from ._metric import (
    describe,
    parse_group_by,
    recipe_result,
    resolve_core_events,
    run_stage,
    stage_argument,
    stickiness_config,
)
from ._result import RecipeResult
from ._sources import open_source

__all__ = ["pes"]

_SCHEMA = {"pes": pl.Float64, "adoption": pl.Float64, "stickiness": pl.Float64,
           "growth": pl.Float64}


def pes(
    source: Any,
    *,
    first: Any = None,
    last: Any = None,
    days: int = 30,
    app_id: Any = None,
    segment: Any = None,
    identified: bool = True,
    group_by: str | None = None,
    core_events: Iterable[Any] | None = None,
    product_area_ids: Sequence[str] | None = None,
    numerator: str = "daily",
    denominator: str = "monthly",
    exclude_weekends: bool = False,
    user_base: str = "visitors",
    method: str | None = None,
    timezone: str | None = None,
    frame: str | None = None,
    options: MetricOptions | None = None,
) -> RecipeResult:
    """PES = (adoption + stickiness + growth) / 3 on a 0–100 scale (pendo-spec.md §7.2,
    CONFIRMED); a component without data is left out of the mean.

    The components are those of :func:`~pendo_lab.recipes.adoption` (``core_events``,
    ``product_area_ids``), :func:`~pendo_lab.recipes.stickiness` (``numerator``,
    ``denominator``, ``exclude_weekends``) and :func:`~pendo_lab.recipes.growth`, all
    counting ``user_base`` units; ``options`` holds their INFERRED choices (local path).

    Result: ``frame`` has one row (``pes``, ``adoption``, ``stickiness``, ``growth``), or one
    per group with ``group_by``; ``value`` is everyone's PES.

    Common parameters (``source``, ``first``, ``last``, ``days``, ``app_id``, ``segment``,
    ``identified``, ``method``, ``timezone``, ``frame``): see :mod:`pendo_lab.recipes`.

    Example:
        >>> import polars as pl
        >>> events = pl.DataFrame({"visitorId": ["a", "b"], "accountId": ["x", "x"],
        ...                        "day": [0, 0]})
        >>> clicks = events.head(1).with_columns(featureId=pl.lit("f1"))
        >>> result = pes({"events": events, "featureEvents": clicks}, first="1970-01-01",
        ...              days=1, core_events=[("feature", "f1")])
        >>> [round(score, 2) for score in result.frame.row(0)]  # pes, adoption, stickiness, growth
        [83.33, 50.0, 100.0, 100.0]
    """
    stickiness = stickiness_config(numerator, denominator, exclude_weekends, user_base)
    grouping = parse_group_by(group_by)
    setup = open_source("events", source, first=first, last=last, days=days, segment=segment,
                        method=method, timezone=timezone, frame=frame, options=options)
    events = resolve_core_events(setup.runner, core_events, product_area_ids, app_id, options)
    config = {
        "adoption": {"userBase": user_base,
                     "events": [{"kind": event["kind"], "id": event["id"]} for event in events]},
        "stickiness": stickiness,
        "growth": {"userBase": user_base},
    }
    argument = stage_argument(setup, app_id, identified, config)
    params = {"first": setup.window.first, "last": setup.window.last, "app_id": app_id,
              "segment": segment, "identified": identified, "group_by": group_by,
              "core_events": events, "numerator": numerator, "denominator": denominator,
              "exclude_weekends": exclude_weekends, "user_base": user_base}
    table = run_stage(setup.runner, "pes", argument, grouping, _SCHEMA)
    overall = table if grouping is None else run_stage(setup.runner, "pes", argument, None,
                                                       _SCHEMA)
    value = overall["pes"][0] if overall.height else None
    scope = describe(setup.window, app_id, identified, segment)
    return recipe_result("pes", setup, table, value, params, charts.pes,
                         f"no activity in {scope}")
