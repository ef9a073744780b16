"""Net Promoter Score from an NPS guide's poll answers (pendo-spec.md §8).

Example:
    >>> import pendo_lab
    >>> client = pendo_lab.Pendo.sandbox(now="2026-11-02T15:30:00Z")
    >>> result = nps(client, days=60, period="month")
    >>> -100 <= result.value <= 100, result.frame.columns[:4]
    (True, ['period', 'responses', 'promoters', 'passives'])
"""

from __future__ import annotations

from typing import Any

import polars as pl

from .. import charts
from .._exceptions import ValidationError
from ._metric import GroupBy, Runner, check_choice, describe, parse_group_by
from ._result import RecipeResult
from ._sources import Setup, conform, open_source

__all__ = ["nps"]

#: Pendo's follow-up pairing window: the free-text answer within 100 ms of the score
#: (Pendo's Looker NPS block; a Pendo UI payload uses 500 ms).
FOLLOWUP_WINDOW_MS = 100
_PERIODS = ("day", "week", "month")
_COUNTING = ("all", "latest")
_ROWS = {"visitorId": pl.String, "accountId": pl.String, "pollId": pl.String,
         "response": pl.String, "browserTime": pl.Int64}


def nps(
    source: Any,
    *,
    first: Any = None,
    last: Any = None,
    days: int = 30,
    app_id: Any = None,
    segment: Any = None,
    identified: bool = True,
    group_by: str | None = None,
    period: str = "week",
    guide_id: str | None = None,
    responses: str = "all",
    followup_window_ms: int = FOLLOWUP_WINDOW_MS,
    method: str | None = None,
    timezone: str | None = None,
    frame: str | None = None,
) -> RecipeResult:
    """NPS = % promoters − % detractors, on the −100..100 scale, where promoters score 9–10,
    passives 7–8 and detractors 0–6 (pendo-spec.md §8, CONFIRMED).

    * ``guide_id``: the NPS guide; by default the guide with a 0–10 number-scale poll. Its
      score is that poll's answer; its follow-up, the guide's free-text poll (Pendo's NPS
      guides carry both, pendo-spec.md §3.5), is paired with the score by visitor and
      account when answered within ``followup_window_ms`` of it (pendo-spec.md §8).
    * ``period``: ``"day"``, ``"week"`` (from Sunday) or ``"month"``, in the subscription
      timezone.
    * ``responses``: ``"all"`` counts every answer (as Pendo's UI reads ``pollEvents``,
      OBSERVED); ``"latest"`` counts each visitor's latest answer once per period (and once
      in the headline), like the ``pollsSeen`` source (INFERRED option).
    * ``group_by``: ``"account"`` or a metadata field (``"account.custom.planlevel"``).

    Result: ``frame`` has one row per period (and group): ``responses``, ``promoters``,
    ``passives``, ``detractors``, their shares in % (``promoterShare``, ``passiveShare``,
    ``detractorShare``), ``nps`` and ``averageScore``. ``value`` is the NPS over all the
    days. ``details`` holds ``responses`` (each counted answer: visitor, account, time,
    period, score, category, ``followUp`` text) and ``periods`` (the table without groups);
    with ``group_by`` also ``groups`` (the table per group, over all the days). Reads the
    ``pollEvents`` and ``guides`` sources (and ``visitors``/``accounts`` for metadata).

    Common parameters (``source``, ``first``, ``last``, ``days``, ``app_id``, ``segment``,
    ``identified``, ``method``, ``timezone``, ``frame``): see :mod:`pendo_lab.recipes`.

    Example:
        >>> import polars as pl
        >>> guides = pl.DataFrame({"id": ["g"], "name": ["NPS"], "polls": [[
        ...     {"id": "score", "attributes": {"type": "NumberScale"},
        ...      "numericResponses": list(range(11))},
        ...     {"id": "why", "attributes": {"type": "FreeForm"}, "numericResponses": []}]]})
        >>> answers = pl.DataFrame({"visitorId": ["a", "b", "c", "c"],
        ...     "accountId": ["x"] * 4, "guideId": ["g"] * 4,
        ...     "pollId": ["score", "score", "score", "why"],
        ...     "pollResponse": ["10", "9", "3", "too slow"], "browserTime": [0, 0, 0, 40]})
        >>> result = nps({"pollEvents": answers, "guides": guides}, first="1970-01-01")
        >>> round(result.value, 2), result.details["responses"]["followUp"].to_list()
        (33.33, [None, None, 'too slow'])
    """
    check_choice("period", period, _PERIODS)
    check_choice("responses", responses, _COUNTING)
    if not isinstance(followup_window_ms, int) or followup_window_ms < 0:
        raise ValidationError(f"followup_window_ms={followup_window_ms!r}: give milliseconds >= 0")
    grouping = parse_group_by(group_by)
    setup = open_source("pollEvents", source, first=first, last=last, days=days,
                        segment=segment, method=method, timezone=timezone, frame=frame)
    guide = _nps_guide(setup.runner, guide_id, app_id)
    params = {"first": setup.window.first, "last": setup.window.last, "app_id": app_id,
              "segment": segment, "identified": identified, "group_by": group_by,
              "period": period, "guide_id": guide["id"], "responses": responses,
              "followup_window_ms": followup_window_ms}
    rows = setup.runner.run(_request(setup, guide["id"], app_id, identified, grouping))
    schema = dict(_ROWS)
    if grouping and grouping.field:
        schema["group"] = rows.schema.get("group", pl.String)
    answers = _answers(conform(rows, schema), guide, followup_window_ms, setup, period,
                       grouping)
    keys = ["period"] + ([grouping.column] if grouping else [])
    counted = _counted(answers, responses, keys)
    table = _tally(counted, keys)
    periods = (table if grouping is None  # keys are ["period"]: the same tally
               else _tally(_counted(answers, responses, ["period"]), ["period"]))
    overall = _tally(_counted(answers, responses, []), [])
    details = {"responses": setup.output(_response_table(counted)),
               "periods": setup.output(periods)}
    if grouping:
        groups = _tally(_counted(answers, responses, [grouping.column]), [grouping.column])
        details["groups"] = setup.output(groups)
    if answers.height == 0:
        scope = describe(setup.window, app_id, identified, segment)
        return RecipeResult(setup.output(table), None, "nps", params, charts.nps, details,
                            f"no answers to the NPS guide {guide['name']!r} in {scope}")
    value = overall["nps"][0]
    return RecipeResult(setup.output(table), value, "nps", params, charts.nps, details)


def _nps_guide(runner: Runner, guide_id: str | None, app_id: Any) -> dict:
    """The NPS guide: ``id``, ``name``, its 0–10 ``score`` poll and ``followUp`` poll (or None)."""
    params = None if app_id is None else {"appId": app_id}
    guides = runner.run([{"source": {"guides": params}}])
    found = []
    for row in guides.select("id", "name", "polls").iter_rows(named=True):
        polls = row["polls"] or []
        score = next((poll["id"] for poll in polls if _is_score_poll(poll)), None)
        if score is not None and guide_id in (None, row["id"]):
            follow_up = next((poll["id"] for poll in polls
                              if (poll.get("attributes") or {}).get("type") == "FreeForm"), None)
            found.append({"id": row["id"], "name": row["name"], "score": score,
                          "followUp": follow_up})
    if guide_id is not None and not found:
        raise ValidationError(f"guide_id={guide_id!r}: no guide with that id and a 0-10 "
                              "number-scale poll")
    if len(found) != 1:
        names = ", ".join(f"{guide['name']!r} ({guide['id']})" for guide in found) or "none"
        raise ValidationError(f"cannot tell the NPS guide (guides with a 0-10 poll: {names}): "
                              "pass guide_id=")
    return found[0]


def _is_score_poll(poll: dict) -> bool:
    kind = (poll.get("attributes") or {}).get("type")
    return kind == "NumberScale" and list(poll.get("numericResponses") or []) == list(range(11))


def _request(setup: Setup, guide_id: str, app_id: Any, identified: bool,
             grouping: GroupBy | None) -> list[dict]:
    params: dict = {"guideId": guide_id}
    if app_id is not None:
        params["appId"] = app_id
    pipeline: list[dict] = [{"source": {"pollEvents": params, "timeSeries": setup.window.series()}}]
    if identified:
        pipeline.append({"identified": "visitorId"})
    if setup.runner.segment_id is not None:
        pipeline.append({"segment": {"id": setup.runner.segment_id}})
    fields = {"visitorId": "visitorId", "accountId": "accountId", "pollId": "pollId",
              "response": "pollResponse", "browserTime": "browserTime"}
    if grouping and grouping.field:
        pipeline.append({"bulkExpand": {"owner": {grouping.kind: grouping.id_column}}})
        fields["group"] = f"owner.{grouping.field}"
    pipeline.append({"select": fields})
    return pipeline


def _answers(rows: pl.DataFrame, guide: dict, window_ms: int, setup: Setup, period: str,
             grouping: GroupBy | None) -> pl.DataFrame:
    """Scores (0–10) with their follow-up text, category, period and group."""
    score = pl.col("response").str.strip_chars().cast(pl.Float64, strict=False)
    scores = (
        rows.filter(pl.col("pollId") == guide["score"])
        .with_columns(score.alias("score"))
        .filter(pl.col("score").is_in([float(value) for value in range(11)]))
        .with_columns(pl.col("score").cast(pl.Int64))
        .sort("browserTime")
    )
    texts = (
        rows.filter(pl.col("pollId") == guide["followUp"])
        .select("visitorId", "accountId", "browserTime", pl.col("response").alias("followUp"))
        .sort("browserTime")
    )
    local = (pl.from_epoch("browserTime", "ms").dt.replace_time_zone("UTC")
             .dt.convert_time_zone(setup.window.timezone))
    answers = scores.join_asof(
        texts, on="browserTime", by=["visitorId", "accountId"], strategy="nearest",
        tolerance=window_ms, check_sortedness=False,
    ).with_columns(
        local.alias("time"),
        _period_start(local.dt.date(), period).alias("period"),
        pl.when(pl.col("score") >= 9).then(pl.lit("promoter"))
        .when(pl.col("score") >= 7).then(pl.lit("passive"))
        .otherwise(pl.lit("detractor")).alias("category"),
    )
    if grouping and grouping.field:
        answers = answers.rename({"group": grouping.column})
    return answers


def _period_start(day: pl.Expr, period: str) -> pl.Expr:
    if period == "week":
        return day - pl.duration(days=day.dt.weekday() % 7)
    return day.dt.month_start() if period == "month" else day


def _counted(answers: pl.DataFrame, responses: str, keys: list[str]) -> pl.DataFrame:
    """The answers that count: all, or each visitor's latest per ``keys``."""
    if responses == "all":
        return answers
    return answers.sort("browserTime").group_by(["visitorId", *keys], maintain_order=True).last()


def _tally(answers: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Counts, shares (%) and NPS per ``keys`` (one row for no keys, even without answers)."""
    score = pl.col("score")
    counts = [
        pl.len().cast(pl.Int64).alias("responses"),
        (score >= 9).sum().cast(pl.Int64).alias("promoters"),
        score.is_between(7, 8).sum().cast(pl.Int64).alias("passives"),
        (score <= 6).sum().cast(pl.Int64).alias("detractors"),
        score.mean().alias("averageScore"),
    ]
    table = answers.group_by(keys).agg(counts).sort(keys) if keys else answers.select(counts)
    share = 100 / pl.col("responses")
    return table.select(
        *keys,
        "responses", "promoters", "passives", "detractors",
        (share * pl.col("promoters")).alias("promoterShare"),
        (share * pl.col("passives")).alias("passiveShare"),
        (share * pl.col("detractors")).alias("detractorShare"),
        (share * (pl.col("promoters") - pl.col("detractors"))).alias("nps"),
        "averageScore",
    )


def _response_table(answers: pl.DataFrame) -> pl.DataFrame:
    """Each counted answer, in time order, with its group column if any."""
    extra = [name for name in answers.columns if name not in
             {*_ROWS, "score", "followUp", "time", "period", "category"}]
    return answers.select("visitorId", "accountId", "time", "period", *extra, "score",
                          "category", "followUp").sort("time")
