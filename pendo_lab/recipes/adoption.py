"""Adoption: how many of the app's core events active visitors (or accounts) use
(pendo-spec.md §7.2).

Example:
    >>> import pendo_lab
    >>> client = pendo_lab.Pendo.sandbox(now="2026-11-02T15:30:00Z")
    >>> result = adoption(client, days=14)
    >>> result.frame.columns, 0 < result.value < 100
    (['kind', 'id', 'name', 'adoption'], True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    resolve_core_events,
    run_stage,
    stage_argument,
)
from ._result import RecipeResult
from ._sources import open_source

__all__ = ["adoption"]

_SCHEMA = {"adoption": pl.Float64}


def adoption(
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
    user_base: str = "visitors",
    method: str | None = None,
    timezone: str | None = None,
    frame: str | None = None,
    options: MetricOptions | None = None,
) -> RecipeResult:
    """Adoption = 100 × Σ over the N core events e of |active units that used e| /
    (N × |active units|): the mean over units of the share of core events they used, which
    equals the mean over events of the share of units using each (pendo-spec.md §7.2,
    INFERRED from Pendo's wording "the average number of Core Events adopted").

    * ``core_events``: ``[{"kind": "feature", "id": ...}, ...]`` (kinds ``page``,
      ``feature``, ``trackEvent``; an optional ``name``) or ``(kind, id)`` pairs.
    * ``product_area_ids``: add the pages and features of these product areas (and their
      track events with ``AdoptionOptions(product_area_kinds=...)``; INFERRED expansion).
    * With neither, the app's core events: the pages, features and track types marked
      ``isCoreEvent`` (read from their sources).
    * ``user_base``: ``"visitors"`` or ``"accounts"`` (an account used an event when one of
      its visitors did).

    Result: ``frame`` has one row per core event (``kind``, ``id``, ``name``, ``adoption``:
    the share of active units who used it, in %), per group with ``group_by``; ``value`` is
    everyone's adoption (the mean of the events' shares). Usage is read from the
    ``pageEvents``, ``featureEvents`` and ``trackEvents`` sources; activity from ``events``.

    Common parameters (``source``, ``first``, ``last``, ``days``, ``app_id``, ``segment``,
    ``identified``, ``method``, ``timezone``, ``frame``): see :mod:`pendo_lab.recipes`.

    Example:
        >>> import polars as pl
        >>> events = pl.DataFrame({"visitorId": ["a", "b"], "accountId": ["x", "x"],
        ...                        "day": [0, 0]})
        >>> clicks = events.head(1).with_columns(featureId=pl.lit("f1"))
        >>> result = adoption({"events": events, "featureEvents": clicks},
        ...                   first="1970-01-01", core_events=[("feature", "f1")], days=1)
        >>> result.value
        50.0
    """
    check_choice("user_base", user_base, USER_BASES)
    grouping = parse_group_by(group_by)
    setup = open_source("events", source, first=first, last=last, days=days, segment=segment,
                        method=method, timezone=timezone, frame=frame, options=options)
    events = resolve_core_events(setup.runner, core_events, product_area_ids, app_id, options)
    params = {"first": setup.window.first, "last": setup.window.last, "app_id": app_id,
              "segment": segment, "identified": identified, "group_by": group_by,
              "core_events": events, "user_base": user_base}

    def argument(listed: list[dict]) -> dict:
        config = {"userBase": user_base,
                  "events": [{"kind": event["kind"], "id": event["id"]} for event in listed]}
        return stage_argument(setup, app_id, identified, config)

    table = pl.concat([
        run_stage(setup.runner, "adoption", argument([event]), grouping, _SCHEMA).select(
            *([grouping.column] if grouping else []),
            pl.lit(event["kind"]).alias("kind"), pl.lit(event["id"]).alias("id"),
            pl.lit(event["name"]).alias("name"), "adoption",
        )
        for event in events
    ], how="vertical_relaxed")
    value = run_stage(setup.runner, "adoption", argument(events), None, _SCHEMA)["adoption"][0]
    scope = describe(setup.window, app_id, identified, segment)
    return recipe_result("adoption", setup, table, value, params, charts.adoption,
                         f"no activity in {scope}")
