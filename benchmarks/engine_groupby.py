"""The engine on a typical pipeline over 5M grouped event rows, against three baselines.

Pipeline (JSON, run by ``pendo_lab.engine.run``): identified visitors only, the last 30 days,
group by accountId (sum numEvents, distinct visitors, sum numMinutes), sort -numEvents,
limit 10. Baselines: the same query hand-written in Polars lazy, in DuckDB SQL on the same
Arrow table, and a row-by-row Python interpretation (``pendo_lab.expr.evaluate`` per row, on
1M rows). Targets: engine <= 1.5x Polars, <= 2x DuckDB, >= 10x faster than row-by-row.

Run from the repository root: ``PYTHONPATH=. python benchmarks/engine_groupby.py [--rows N]``
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import duckdb
import numpy as np
import polars as pl

from benchmarks._timing import race
from pendo_lab.engine import EngineContext, run
from pendo_lab.expr import ExprContext, evaluate, parse

DAY = 86_400_000
START = 1_704_067_200_000  # 2024-01-01 UTC
NOW = START + 90 * DAY
CUTOFF = NOW - 30 * DAY
FILTER = "day >= now() - 30*24*60*60*1000"
PIPELINE = [
    {"source": {"events": None}},
    {"identified": "visitorId"},
    {"filter": FILTER},
    {
        "group": {
            "group": ["accountId"],
            "fields": {
                "numEvents": {"sum": "numEvents"},
                "visitors": {"count": "visitorId"},
                "numMinutes": {"sum": "numMinutes"},
            },
        }
    },
    {"sort": ["-numEvents"]},
    {"limit": 10},
]
SQL = f"""
    SELECT accountId, sum(numEvents) AS numEvents, count(DISTINCT visitorId) AS visitors,
           sum(numMinutes) AS numMinutes
    FROM events
    WHERE NOT starts_with(visitorId, '_PENDO_T_') AND day >= {CUTOFF}
    GROUP BY accountId ORDER BY numEvents DESC LIMIT 10
"""


def synthesize(rows: int, seed: int = 0) -> pl.DataFrame:
    """Grouped event rows: ~200k visitors (10% anonymous), 5k accounts, 3 apps, 90 days."""
    rng = np.random.default_rng(seed)
    numbers = pl.DataFrame(
        {
            "visitor": rng.integers(0, 200_000, rows),
            "account": rng.integers(0, 5_000, rows),
            "appId": rng.choice(np.array([-323232, 5_000_001, 5_000_002]), rows),
            "day": START + rng.integers(0, 90, rows) * DAY,
            "numEvents": rng.integers(1, 50, rows),
            "numMinutes": rng.integers(1, 10, rows),
        }
    )
    prefix = pl.when(pl.col("visitor") % 10 == 0).then(pl.lit("_PENDO_T_")).otherwise(pl.lit("v"))
    return numbers.select(
        (prefix + pl.col("visitor").cast(pl.String)).alias("visitorId"),
        (pl.lit("acct-") + pl.col("account").cast(pl.String)).alias("accountId"),
        "appId",
        "day",
        "numEvents",
        "numMinutes",
    )


def engine(frame: pl.DataFrame) -> pl.DataFrame:
    return run(PIPELINE, EngineContext(now_ms=NOW, resolve_source=lambda spec: frame.lazy()))


def polars_by_hand(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.lazy()
        .filter(~pl.col("visitorId").str.starts_with("_PENDO_T_"), pl.col("day") >= CUTOFF)
        .group_by("accountId")
        .agg(
            pl.col("numEvents").sum(),
            pl.col("visitorId").n_unique().alias("visitors"),
            pl.col("numMinutes").sum(),
        )
        .sort("numEvents", descending=True)
        .head(10)
        .collect()
    )


def duckdb_sql(table) -> pl.DataFrame:
    connection = duckdb.connect()
    connection.register("events", table)
    return connection.sql(SQL).pl()


def row_by_row(frame: pl.DataFrame) -> list[dict]:
    """A naive interpreter: every stage in Python, the filter (parsed once) through
    ``expr.evaluate`` row by row."""
    ctx, condition = ExprContext(now_ms=NOW), parse(FILTER)
    groups: dict = defaultdict(lambda: {"numEvents": 0, "visitors": set(), "numMinutes": 0})
    for row in frame.iter_rows(named=True):
        if row["visitorId"].startswith("_PENDO_T_") or not evaluate(condition, row, ctx):
            continue
        group = groups[row["accountId"]]
        group["numEvents"] += row["numEvents"]
        group["visitors"].add(row["visitorId"])
        group["numMinutes"] += row["numMinutes"]
    out = [
        {
            "accountId": key,
            "numEvents": g["numEvents"],
            "visitors": len(g["visitors"]),
            "numMinutes": g["numMinutes"],
        }
        for key, g in groups.items()
    ]
    return sorted(out, key=lambda r: -r["numEvents"])[:10]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--naive-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    frame = synthesize(args.rows)
    small = frame.head(args.naive_rows)
    print(f"{args.rows:,} rows, {frame['visitorId'].n_unique():,} visitors, "
          f"{frame['accountId'].n_unique():,} accounts")
    print(f"polars {pl.__version__}, duckdb {duckdb.__version__}")

    contenders = {
        "engine": (engine, frame),
        "polars": (polars_by_hand, frame),
        "duckdb": (duckdb_sql, frame.to_arrow()),
        "engine_small": (engine, small),
    }
    seconds, results = zip(*race(contenders, args.repeat).values(), strict=True)
    t_engine, t_polars, t_duck, t_small = seconds
    got, expected, duck, got_small = results
    assert sorted(got.rows()) == sorted(expected.rows()) == sorted(duck.rows()), "results disagree"
    start = time.perf_counter()
    naive = row_by_row(small)
    t_naive = time.perf_counter() - start
    assert got_small.to_dicts() == naive, "engine and row-by-row disagree"

    print(f"engine (JSON pipeline)   {t_engine:8.3f} s")
    print(f"Polars by hand (lazy)    {t_polars:8.3f} s   "
          f"engine / Polars = {t_engine / t_polars:5.2f}x  (target <= 1.5x)")
    print(f"DuckDB SQL (Arrow)       {t_duck:8.3f} s   "
          f"engine / DuckDB = {t_engine / t_duck:5.2f}x  (target <= 2x)")
    print(f"on {args.naive_rows:,} rows: engine {t_small:.3f} s, row-by-row {t_naive:.3f} s   "
          f"speed-up = {t_naive / t_small:6.1f}x  (target >= 10x)")


if __name__ == "__main__":
    main()
