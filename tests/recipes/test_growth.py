"""recipes.growth: server and local paths agree on the sandbox; new, recovered and dropped
units and the score follow their definitions on hand-made frames; options; empty data."""

from __future__ import annotations

import importlib
import inspect
from datetime import date

import pandas as pd
import polars as pl
import pytest

from pendo_lab import ValidationError, recipes
from pendo_lab.engine import GrowthOptions, MetricOptions


def test_the_module_has_examples(examples):
    module = importlib.import_module("pendo_lab.recipes.growth")
    assert examples(inspect.getsource(module)) > 3


@pytest.mark.parametrize("params", [
    {},
    {"days": 7},
    {"group_by": "account"},
    {"user_base": "accounts", "identified": False},
])
def test_server_and_local_paths_agree(sandbox_client, assert_same, params):
    server = recipes.growth(sandbox_client, **params)
    assert_same(server, recipes.growth(sandbox_client, method="local", **params))
    assert 0 < server.value <= 100


def history() -> pl.DataFrame:
    # Days: Oct 1-10 (previous period: Sep 21-30).
    rows = {
        "steady": ["2026-09-25", "2026-10-03"],   # active in both periods: not counted
        "newcomer": ["2026-10-04"],               # first activity ever in the days: new
        "returner": ["2026-08-01", "2026-10-09"],  # back after a gap: recovered
        "leaver": ["2026-09-22"],                 # active before, not now: dropped
        "quitter": ["2026-08-15", "2026-09-30"],  # dropped too
        "ghost": ["2026-07-01"],                  # long gone: not counted
    }
    return pl.DataFrame(
        [{"visitorId": visitor, "accountId": "acct-" + visitor[0], "day": date.fromisoformat(day)}
         for visitor, days in rows.items() for day in days]
    )


def test_hand_computed_counts_and_scores():
    result = recipes.growth(history(), first="2026-10-01", last="2026-10-10")
    row = result.frame.row(0, named=True)
    assert (row["new"], row["recovered"], row["dropped"]) == (1, 1, 2)
    assert row["growth"] == pytest.approx(100 * 2 / 4) == result.value
    assert row["quickRatio"] == pytest.approx(1.0)


def test_by_account_and_quick_ratio_option():
    by_account = recipes.growth(history(), first="2026-10-01", last="2026-10-10",
                                group_by="account")
    counts = {row["accountId"]: (row["new"], row["recovered"], row["dropped"])
              for row in by_account.frame.iter_rows(named=True)}
    assert counts == {"acct-n": (1, 0, 0), "acct-r": (0, 1, 0), "acct-s": (0, 0, 0)}
    ratio = recipes.growth(history(), first="2026-10-01", last="2026-10-10",
                           options=MetricOptions(growth=GrowthOptions(scale="quick_ratio")))
    assert ratio.value == pytest.approx(1.0)


def test_accounts_as_units():
    frame = history().with_columns(pl.lit("one").alias("accountId"))
    result = recipes.growth(frame, first="2026-10-01", last="2026-10-10", user_base="accounts")
    assert result.frame.select("new", "recovered", "dropped").row(0) == (0, 0, 0)
    assert result.value is None and "no new, recovered or dropped" in result.message


def test_pandas_in_pandas_out():
    result = recipes.growth(history().to_pandas(), first="2026-10-01", last="2026-10-10")
    assert isinstance(result.frame, pd.DataFrame) and result.frame["new"].tolist() == [1]


def test_empty_data_gives_a_message(sandbox_client):
    result = recipes.growth(sandbox_client, first="2020-01-01", last="2020-01-31")
    assert result.value is None
    assert result.message.startswith("no new, recovered or dropped units in 2020-01-01")


def test_server_path_takes_no_options(sandbox_client):
    with pytest.raises(ValidationError, match="method='local'"):
        recipes.growth(sandbox_client, options=MetricOptions())
