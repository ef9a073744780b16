"""Guide goals: do visitors who see a guide go on to use its goal? (pendo-spec.md §9)

Example:
    >>> import pendo_lab
    >>> client = pendo_lab.Pendo.sandbox(now="2026-11-02T15:30:00Z")
    >>> result = guide_goals(client, days=60)
    >>> sorted(set(result.frame["guideName"]))
    ['New: AI insights', 'Welcome tour']
"""

from __future__ import annotations

from typing import Any

import polars as pl

from .. import charts
from .._exceptions import ValidationError
from ..engine.metrics import CORE_EVENT_SOURCES
from ._metric import ITEM_KINDS, Runner, describe, recipe_result
from ._result import RecipeResult
from ._sources import Setup, conform, open_source

__all__ = ["guide_goals"]

_HOUR_MS = 3_600_000
#: Source parameters naming an event's object, which the reference forbids beside appId.
_OBJECT_IDS = {id_field for _, id_field in CORE_EVENT_SOURCES.values()}
_SCHEMA = {"guideId": pl.String, "guideName": pl.String, "stepId": pl.String, "step": pl.Int64,
           "seen": pl.Int64, "converted": pl.Int64, "conversion": pl.Float64,
           "baselineVisitors": pl.Int64, "baselineConverted": pl.Int64,
           "baselineConversion": pl.Float64}


def guide_goals(
    source: Any,
    *,
    first: Any = None,
    last: Any = None,
    days: int = 30,
    app_id: Any = None,
    segment: Any = None,
    identified: bool = True,
    guide_id: str | None = None,
    target: Any = None,
    same_hour: bool = True,
    method: str | None = None,
    timezone: str | None = None,
    frame: str | None = None,
) -> RecipeResult:
    """Conversion to each guide's goal, per guide and per step, beside the rate among
    comparable visitors who did not see the guide.

    A visitor who saw a step converted when they used the goal (the guide's ``conversion``
    target: a feature, page or track event) after seeing that step; a guide's conversion is
    its step 1's: converted ÷ visitors who saw step 1 (pendo-spec.md §9: CONFIRMED rule,
    INFERRED wording). No time limit applies, as in Pendo's own recipe, but uses are read
    within the recipe's days.

    * ``guide_id``: one guide (default: every guide with a conversion goal); ``target``
      (``{"kind": "feature", "id": ...}`` or a ``(kind, id)`` pair; kinds ``page``,
      ``feature``, ``trackEvent``) sets or overrides that guide's goal.
    * ``same_hour``: grouped event rows give the hour of a use, not its minute. True
      (default) counts a use in the hour of the view as after it; False counts only uses in
      later hours (INFERRED option).
    * Comparable visitors (INFERRED): those active in the days (same app, segment and
      identified rule) who did not see the guide then; their rate is the share who used
      the goal in the days.

    Result: ``frame`` has one row per guide and step (``guideId``, ``guideName``,
    ``stepId``, ``step`` from 1, ``seen``, ``converted``, ``conversion`` in %, and the
    guide's ``baselineVisitors``, ``baselineConverted``, ``baselineConversion`` in %);
    ``value`` is the step-1 conversion over all the guides together. Reads ``guides``,
    ``guideEvents``, ``events`` and the goal's ``featureEvents``/``pageEvents``/
    ``trackEvents`` (by hour).

    Common parameters (``source``, ``first``, ``last``, ``days``, ``app_id``, ``segment``,
    ``identified``, ``method``, ``timezone``, ``frame``): see :mod:`pendo_lab.recipes`.

    Example:
        >>> import polars as pl
        >>> guides = pl.DataFrame({"id": ["g"], "name": ["Tour"],
        ...     "steps": [[{"id": "s1", "rank": 1}]],
        ...     "conversion": [{"itemType": "Feature", "itemId": "f"}]})
        >>> seen = pl.DataFrame({"visitorId": ["a", "b"], "accountId": ["x", "x"],
        ...     "type": ["guideSeen"] * 2, "guideId": ["g"] * 2, "guideStepId": ["s1"] * 2,
        ...     "browserTime": [1_000, 1_000]})
        >>> events = pl.DataFrame({"visitorId": ["a", "b", "c", "d"], "accountId": ["x"] * 4,
        ...                        "day": [0] * 4})
        >>> used = pl.DataFrame({"visitorId": ["a", "c"], "accountId": ["x", "x"],
        ...     "featureId": ["f", "f"], "day": [0, 0], "hour": [7_200_000, 0]})
        >>> result = guide_goals({"guides": guides, "guideEvents": seen, "events": events,
        ...     "featureEvents": used}, first="1970-01-01", days=1)
        >>> result.frame.select("seen", "converted", "conversion", "baselineConversion").row(0)
        (2, 1, 50.0, 50.0)
    """
    setup = open_source("guideEvents", source, first=first, last=last, days=days,
                        segment=segment, method=method, timezone=timezone, frame=frame)
    goals = _guides_with_goals(setup.runner, guide_id, target, app_id)
    params = {"first": setup.window.first, "last": setup.window.last, "app_id": app_id,
              "segment": segment, "identified": identified, "guide_id": guide_id,
              "target": target, "same_hour": same_hour}
    scope = describe(setup.window, app_id, identified, segment)
    if not goals:
        return recipe_result("guide_goals", setup, pl.DataFrame(schema=_SCHEMA), None, params,
                             charts.guide_goals, f"no guide with a conversion goal ({scope})")
    reads = _Reads(setup, app_id, identified)
    active = reads.active_visitors()
    table = pl.concat([_guide_rows(goal, reads, active, same_hour) for goal in goals])
    first_steps = table.filter(pl.col("step") == 1)
    viewers = first_steps["seen"].sum()
    value = 100 * first_steps["converted"].sum() / viewers if viewers else None
    return recipe_result("guide_goals", setup, table, value, params, charts.guide_goals,
                         f"nobody saw step 1 of a guide with a goal in {scope}")


def _guides_with_goals(runner: Runner, guide_id: str | None, target: Any,
                       app_id: Any) -> list[dict]:
    """The guides measured: ``id``, ``name``, ``steps`` (ids by rank) and ``target``
    (kind, id)."""
    if target is not None and guide_id is None:
        raise ValidationError("target= sets one guide's goal: pass guide_id= too")
    params = None if app_id is None else {"appId": app_id}
    rows = runner.run([{"source": {"guides": params}}])
    goals = []
    for row in rows.select("id", "name", "steps", "conversion").iter_rows(named=True):
        if guide_id not in (None, row["id"]):
            continue
        goal = _target(target) if target is not None else _conversion(row["conversion"])
        if goal is not None:
            steps = sorted(row["steps"] or [], key=lambda step: step["rank"])
            goals.append({"id": row["id"], "name": row["name"], "target": goal,
                          "steps": [step["id"] for step in steps]})
    if guide_id is not None and not goals:
        raise ValidationError(f"guide_id={guide_id!r}: no such guide with a conversion goal "
                              "(give target= to set one)")
    return goals


def _conversion(conversion: dict | None) -> tuple[str, str] | None:
    if not conversion or not conversion.get("itemId"):
        return None
    kind = ITEM_KINDS.get(str(conversion.get("itemType", "")).lower())
    return None if kind is None else (kind, conversion["itemId"])


def _target(target: Any) -> tuple[str, str]:
    if isinstance(target, dict):
        target = (target.get("kind"), target.get("id"))
    if not isinstance(target, (tuple, list)) or len(target) != 2 or (
        target[0] not in CORE_EVENT_SOURCES
    ):
        raise ValidationError(f"target={target!r}: give {{'kind': one of "
                              f"{', '.join(CORE_EVENT_SOURCES)}, 'id': ...}} or a (kind, id) pair")
    return target[0], target[1]


class _Reads:
    """The requests of the recipe, with its days, app, identified rule and segment."""

    def __init__(self, setup: Setup, app_id: Any, identified: bool):
        self.setup, self.app_id, self.identified = setup, app_id, identified

    def _run(self, source: str, params: dict, period: str, tail: list[dict],
             schema: dict) -> pl.DataFrame:
        if self.app_id is not None and not set(params) & _OBJECT_IDS:
            params = {**params, "appId": self.app_id}
        series = self.setup.window.series(period)
        pipeline = [{"source": {source: params or None, "timeSeries": series}}]
        if self.identified:
            pipeline.append({"identified": "visitorId"})
        if self.setup.runner.segment_id is not None:
            pipeline.append({"segment": {"id": self.setup.runner.segment_id}})
        return conform(self.setup.runner.run(pipeline + tail), schema)

    def active_visitors(self) -> pl.DataFrame:
        """Visitors with any event in the days."""
        return self._run("events", {}, "dayRange", [{"group": {"group": ["visitorId"]}}],
                         {"visitorId": pl.String})

    def views(self, guide_id: str) -> pl.DataFrame:
        """Each visitor's first view of each step of a guide in the days."""
        tail = [{"filter": 'type == "guideSeen"'},
                {"group": {"group": ["visitorId", "guideStepId"],
                           "fields": {"seenAt": {"min": "browserTime"}}}}]
        return self._run("guideEvents", {"guideId": guide_id}, "dayRange", tail,
                         {"visitorId": pl.String, "guideStepId": pl.String, "seenAt": pl.Int64})

    def last_uses(self, target: tuple[str, str]) -> pl.DataFrame:
        """Each visitor's last hour using the target in the days (the target's id names its
        app: the reference forbids ``appId`` beside it)."""
        source, id_field = CORE_EVENT_SOURCES[target[0]]
        tail = [{"group": {"group": ["visitorId"], "fields": {"lastUsed": {"max": "hour"}}}}]
        return self._run(source, {id_field: target[1]}, "hourRange", tail,
                         {"visitorId": pl.String, "lastUsed": pl.Int64})


def _guide_rows(goal: dict, reads: _Reads, active: pl.DataFrame, same_hour: bool) -> pl.DataFrame:
    views = reads.views(goal["id"])
    uses = reads.last_uses(goal["target"])
    after = (pl.col("lastUsed") + _HOUR_MS > pl.col("seenAt")) if same_hour else (
        pl.col("lastUsed") >= pl.col("seenAt"))
    steps = pl.DataFrame({"stepId": goal["steps"], "step": range(1, len(goal["steps"]) + 1)},
                         schema={"stepId": pl.String, "step": pl.Int64})
    per_step = (
        views.join(uses, on="visitorId", how="left")
        .group_by(pl.col("guideStepId").alias("stepId"))
        .agg(pl.len().alias("seen"), after.fill_null(False).sum().alias("converted"))
    )
    others = active.join(views, on="visitorId", how="anti")
    baseline = others.join(uses, on="visitorId", how="semi").height
    rate = pl.when(pl.col("seen") > 0).then(100 * pl.col("converted") / pl.col("seen"))
    return steps.join(per_step, on="stepId", how="left").select(
        pl.lit(goal["id"]).alias("guideId"),
        pl.lit(goal["name"]).alias("guideName"),
        "stepId",
        "step",
        pl.col("seen", "converted").fill_null(0).cast(pl.Int64),
    ).with_columns(
        rate.alias("conversion"),
        pl.lit(others.height, pl.Int64).alias("baselineVisitors"),
        pl.lit(baseline, pl.Int64).alias("baselineConverted"),
        pl.lit(100 * baseline / others.height if others.height else None,
               pl.Float64).alias("baselineConversion"),
    )
