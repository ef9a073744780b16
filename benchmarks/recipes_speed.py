"""Local stickiness and PES recipes on 5M grouped event rows, against pandas and DuckDB.

The computation: identified visitors only, the last 30 days of 90, DAU/MAU stickiness (30-day
trailing windows) averaged over the days; PES = mean of that, adoption (10 core features, read
from 2M featureEvents rows) and growth (new + recovered against dropped).

* recipes: ``pendo_lab.recipes.stickiness`` / ``pes`` on the Polars frames (the local path:
  the engine's stages; stickiness reads each unit's active days as the bits of an integer).
* pandas: the straightforward implementation, one pass over the rows per day.
* DuckDB: the same numbers in SQL over the Arrow tables, stickiness as per-visitor runs of
  active days, a difference array and a cumulative sum.

Targets: recipes >= 5x faster than pandas, and no slower than DuckDB. Every contender's
numbers must agree to 1e-9. Run from the repository root:
``PYTHONPATH=. python benchmarks/recipes_speed.py [--rows N] [--repeat R]``
"""

from __future__ import annotations

import argparse

import duckdb
import numpy as np
import pandas as pd
import polars as pl

from benchmarks._timing import race
from pendo_lab import recipes

DAY = 86_400_000
FIRST_DAY = 19_723  # 2024-01-01 as days since 1970-01-01
DAYS = 90
WINDOW = 30
START = FIRST_DAY + DAYS - WINDOW  # the first of the last 30 days (day numbers)
END = FIRST_DAY + DAYS - 1  # the last day
CORE = [f"feature-{n}" for n in range(10)]


def synthesize(rows: int, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``events`` (``rows`` grouped rows: ~200k visitors in 5k accounts, 10% anonymous, 90
    days) and ``featureEvents`` (2/5 as many rows, over 20 features)."""
    rng = np.random.default_rng(seed)
    visitor = rng.integers(0, 200_000, rows)
    prefix = pl.when(pl.col("visitor") % 10 == 0).then(pl.lit("_PENDO_T_")).otherwise(pl.lit("v"))
    events = pl.DataFrame({
        "visitor": visitor,
        "day": (FIRST_DAY + rng.integers(0, DAYS, rows)) * DAY,
        "numEvents": rng.integers(1, 50, rows),
        "numMinutes": rng.integers(1, 10, rows),
    }).select(
        (prefix + pl.col("visitor").cast(pl.String)).alias("visitorId"),
        (pl.lit("acct-") + (pl.col("visitor") % 5_000).cast(pl.String)).alias("accountId"),
        pl.lit(-323232).alias("appId"),
        "day", "numEvents", "numMinutes",
    )
    clicks = events.sample(rows * 2 // 5, seed=seed).with_columns(
        pl.format("feature-{}", pl.Series(rng.integers(0, 20, rows * 2 // 5))).alias("featureId")
    )
    return events, clicks


# ---------------------------------------------------------------------------- contenders


def recipe_stickiness(frames: dict) -> float:
    return recipes.stickiness(frames["events"], first=_date(START), last=_date(END)).value


def recipe_pes(frames: dict) -> dict:
    result = recipes.pes(frames, first=_date(START), last=_date(END),
                         core_events=[("feature", feature) for feature in CORE])
    return result.frame.row(0, named=True)


def _date(day_number: int):
    return (pd.Timestamp(0) + pd.Timedelta(days=day_number)).date()


def pandas_stickiness(frames: dict) -> float:
    events = _pandas_active(frames["events"])
    ratios = []
    for day in range(START, END + 1):
        monthly = events.loc[events["d"].between(day - WINDOW + 1, day), "visitorId"].nunique()
        daily = events.loc[events["d"] == day, "visitorId"].nunique()
        if monthly:
            ratios.append(daily / monthly)
    return 100 * float(np.mean(ratios))


def pandas_pes(frames: dict) -> dict:
    events = _pandas_active(frames["events"])
    stickiness = pandas_stickiness(frames)
    active = events.loc[events["d"].between(START, END), "visitorId"].unique()
    clicks = _pandas_active(frames["featureEvents"])
    clicks = clicks[clicks["d"].between(START, END) & clicks["featureId"].isin(CORE)
                    & clicks["visitorId"].isin(active)]
    uses = clicks.drop_duplicates(["visitorId", "featureId"]).shape[0]
    adoption = 100 * uses / (len(CORE) * len(active))
    previous = START - (END - START + 1)
    known = events[events["d"] <= END]
    units = known.assign(
        now=known["d"] >= START, before=known["d"].between(previous, START - 1),
        earlier=known["d"] < previous,
    ).groupby("visitorId").agg(first=("d", "min"), now=("now", "any"),
                                before=("before", "any"), earlier=("earlier", "any"))
    new = int((units["first"] >= START).sum())
    recovered = int((units["now"] & ~units["before"] & units["earlier"]).sum())
    dropped = int((units["before"] & ~units["now"]).sum())
    growth = 100 * (new + recovered) / (new + recovered + dropped)
    return {"pes": (adoption + stickiness + growth) / 3, "adoption": adoption,
            "stickiness": stickiness, "growth": growth}


def _pandas_active(frame: pd.DataFrame) -> pd.DataFrame:
    identified = frame[~frame["visitorId"].str.startswith("_PENDO_T_")]
    return identified.assign(d=identified["day"] // DAY)


STICKINESS_SQL = f"""
WITH active AS (
    SELECT DISTINCT hash(visitorId) AS unit, CAST(day // {DAY} AS INTEGER) AS d FROM events
    WHERE NOT starts_with(visitorId, '_PENDO_T_')
      AND day // {DAY} BETWEEN {START - WINDOW + 1} AND {END}
), spans(span) AS (VALUES (1), ({WINDOW})),
runs AS (
    SELECT span, d, d - lag(d) OVER (PARTITION BY span, unit ORDER BY d) AS gap,
           lead(d) OVER (PARTITION BY span, unit ORDER BY d) - d AS next_gap
    FROM active, spans
), changes AS (
    SELECT span, d AS day, 1 AS change FROM runs
    WHERE gap IS NULL OR gap > span
    UNION ALL
    SELECT span, d + span, -1 FROM runs WHERE next_gap IS NULL OR next_gap > span
), per_day AS (
    SELECT spans.span, days.day,
           sum(coalesce(c.change, 0)) OVER (PARTITION BY spans.span ORDER BY days.day) AS active
    FROM spans CROSS JOIN range({START}, {END} + 1) days(day)
    LEFT JOIN (SELECT span, greatest(day, {START}) AS day, sum(change) AS change
               FROM changes WHERE day <= {END} GROUP BY ALL) c
           ON c.span = spans.span AND c.day = days.day
)
SELECT 100 * avg(daily.active / monthly.active) AS stickiness
FROM per_day daily JOIN per_day monthly ON daily.day = monthly.day
WHERE daily.span = 1 AND monthly.span = {WINDOW} AND monthly.active > 0
"""

PES_SQL = f"""
WITH identified AS (
    SELECT visitorId, CAST(day // {DAY} AS INTEGER) AS d FROM events
    WHERE NOT starts_with(visitorId, '_PENDO_T_')
), active AS (SELECT DISTINCT visitorId FROM identified WHERE d BETWEEN {START} AND {END}),
adoption AS (
    SELECT 100 * count(DISTINCT (c.visitorId, c.featureId)) /
           ({len(CORE)} * (SELECT count(*) FROM active)) AS adoption
    FROM featureEvents c SEMI JOIN active a ON c.visitorId = a.visitorId
    WHERE c.day // {DAY} BETWEEN {START} AND {END}
      AND c.featureId IN ({", ".join(f"'{feature}'" for feature in CORE)})
), units AS (
    SELECT visitorId, min(d) >= {START} AS is_new, bool_or(d >= {START}) AS now,
           bool_or(d BETWEEN {2 * START - END - 1} AND {START - 1}) AS before,
           bool_or(d < {2 * START - END - 1}) AS earlier
    FROM identified WHERE d <= {END} GROUP BY visitorId
), growth AS (
    SELECT 100 * (count_if(is_new) + count_if(now AND NOT before AND earlier)) /
           (count_if(is_new) + count_if(now AND NOT before AND earlier)
            + count_if(before AND NOT now)) AS growth
    FROM units
), stickiness AS ({STICKINESS_SQL})
SELECT (adoption + stickiness + growth) / 3 AS pes, adoption, stickiness, growth
FROM adoption, stickiness, growth
"""


def duckdb_stickiness(connection) -> float:
    return connection.sql(STICKINESS_SQL).fetchall()[0][0]


def duckdb_pes(connection) -> dict:
    return dict(zip(("pes", "adoption", "stickiness", "growth"),
                    connection.sql(PES_SQL).fetchall()[0], strict=True))


# ------------------------------------------------------------------------------- the race


def agree(results: list) -> None:
    values = [result if isinstance(result, dict) else {"stickiness": result}
              for result in results]
    for name in values[0]:
        numbers = [value[name] for value in values]
        assert max(numbers) - min(numbers) < 1e-9, f"{name} disagrees: {numbers}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    events, clicks = synthesize(args.rows)
    frames = {"events": events, "featureEvents": clicks}
    pandas_frames = {name: frame.to_pandas() for name, frame in frames.items()}
    connection = duckdb.connect()
    connection.register("events", events.to_arrow())
    connection.register("featureEvents", clicks.to_arrow())
    print(f"{events.height:,} event rows, {clicks.height:,} feature rows, "
          f"{events['visitorId'].n_unique():,} visitors; polars {pl.__version__}, "
          f"pandas {pd.__version__}, duckdb {duckdb.__version__}")

    for metric, contenders in (
        ("stickiness", {"recipe": (recipe_stickiness, frames),
                        "pandas": (pandas_stickiness, pandas_frames),
                        "duckdb": (duckdb_stickiness, connection)}),
        ("PES", {"recipe": (recipe_pes, frames),
                 "pandas": (pandas_pes, pandas_frames),
                 "duckdb": (duckdb_pes, connection)}),
    ):
        timings = race(contenders, args.repeat)
        agree([result for _, result in timings.values()])
        recipe, pandas_time, duck = (timings[name][0] for name in ("recipe", "pandas", "duckdb"))
        print(f"\n{metric} = {timings['recipe'][1]}")
        print(f"  recipe (local path)   {recipe:7.3f} s")
        print(f"  pandas, loop of days  {pandas_time:7.3f} s   speed-up {pandas_time / recipe:5.1f}x"
              "  (target >= 5x)")
        print(f"  DuckDB SQL            {duck:7.3f} s   DuckDB / recipe {duck / recipe:5.2f}x"
              "  (target >= 1x)")


if __name__ == "__main__":
    main()
