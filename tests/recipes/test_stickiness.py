"""recipes.stickiness: server and local paths agree on the sandbox; the daily series matches a
day-by-day count; parameters change what they should; frames in, frames out; empty data."""

from __future__ import annotations

import importlib
import inspect
from datetime import date, timedelta

import numpy as np
import pandas as pd
import polars as pl
import pytest

import pendo_lab
from pendo_lab import ValidationError, recipes
from pendo_lab.engine import MetricOptions, StickinessOptions

TIMEZONE = "America/New_York"


def test_the_module_has_examples(examples):
    module = importlib.import_module("pendo_lab.recipes.stickiness")
    assert examples(inspect.getsource(module)) > 3


@pytest.mark.parametrize("params", [
    {},
    {"denominator": "weekly"},
    {"numerator": "weekly", "denominator": "monthly", "exclude_weekends": True},
    {"user_base": "accounts", "days": 14},
    {"identified": False, "first": "2026-10-25", "last": "2026-11-01"},
    {"group_by": "account"},
    {"group_by": "account", "user_base": "accounts", "exclude_weekends": True},
])
def test_server_and_local_paths_agree(sandbox_client, assert_same, params):
    server = recipes.stickiness(sandbox_client, **params)
    local = recipes.stickiness(sandbox_client, method="local", **params)
    assert_same(server, local)
    assert 0 < server.value < 100


def test_segments_agree_on_both_paths_and_narrow_the_visitors(sandbox_client, assert_same):
    everyone = recipes.stickiness(sandbox_client)
    for segment_id in sandbox_client.segments.list()["id"]:
        server = recipes.stickiness(sandbox_client, segment=segment_id)
        assert_same(server, recipes.stickiness(sandbox_client, segment=segment_id,
                                               method="local"))
        assert server.value != everyone.value


def day_by_day(events: pl.DataFrame, first: date, last: date, span: int) -> list[float | None]:
    """DAU / trailing-``span``-day active visitors, one filter per day (the plain way)."""
    ratios = []
    day = first
    while day <= last:
        window = events.filter(pl.col("date").is_between(day - timedelta(days=span - 1), day))
        active = window["visitorId"].n_unique()
        today = events.filter(pl.col("date") == day)["visitorId"].n_unique()
        ratios.append(100 * today / active if active else None)
        day += timedelta(days=1)
    return ratios


def test_daily_series_equals_a_day_by_day_count_of_the_sandbox_events(sandbox_client):
    result = recipes.stickiness(sandbox_client, first="2026-10-01", last="2026-10-31")
    series = {"period": "dayRange", "first": 'date("2026-09-01")', "last": 'date("2026-10-31")'}
    events = sandbox_client.aggregate([{"source": {"events": None, "timeSeries": series}},
                                       {"identified": "visitorId"}])
    events = events.with_columns(pl.col("day").dt.date().alias("date"))
    expected = day_by_day(events, date(2026, 10, 1), date(2026, 10, 31), 30)
    assert result.frame["stickiness"].to_list() == pytest.approx(expected, abs=1e-9)
    assert result.value == pytest.approx(np.mean(expected), abs=1e-9)


def test_hand_computed_daily_over_weekly():
    # a: Oct 1, 2, 3; b: Oct 1; c: Oct 3.  DAU/WAU: 2/2, 1/2, 2/3.
    events = pl.DataFrame({
        "visitorId": ["a", "a", "a", "b", "c"], "accountId": ["x"] * 5,
        "day": [date(2026, 10, d) for d in (1, 2, 3, 1, 3)],
    })
    result = recipes.stickiness(events, first="2026-10-01", last="2026-10-03",
                                denominator="weekly")
    assert result.frame["stickiness"].to_list() == pytest.approx([100, 50, 200 / 3])
    assert result.value == pytest.approx((100 + 50 + 200 / 3) / 3)
    assert result.params["numerator"] == "daily" and result.recipe == "stickiness"


def random_events(seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    days = [date(2026, 9, 1) + timedelta(days=int(n)) for n in rng.integers(0, 75, 3000)]
    visitors = rng.integers(0, 150, 3000)
    return pl.DataFrame({
        "visitorId": [f"v{n}" for n in visitors],
        "accountId": [f"acct-{n % 9}" for n in visitors],
        "day": days,
    })


def calendar_start(day: date, denominator: str) -> date:
    if denominator == "weekly":
        return day - timedelta(days=(day.weekday() + 1) % 7)
    return day.replace(day=1)


@pytest.mark.parametrize("window", ["trailing", "calendar"])
@pytest.mark.parametrize("denominator", ["weekly", "monthly"])
def test_local_series_matches_the_definition_across_a_dst_change(window, denominator):
    events = random_events()
    options = MetricOptions(stickiness=StickinessOptions(window=window))
    result = recipes.stickiness(events, first="2026-10-02", last="2026-11-14",
                                denominator=denominator, timezone=TIMEZONE, options=options)
    expected = []
    for day in result.frame["day"]:
        if window == "calendar":
            since = calendar_start(day, denominator)
        else:
            since = day - timedelta(days=(7 if denominator == "weekly" else 30) - 1)
        active = events.filter(pl.col("day").is_between(since, day))["visitorId"].n_unique()
        today = events.filter(pl.col("day") == day)["visitorId"].n_unique()
        expected.append(100 * today / active)
    assert result.frame["stickiness"].to_list() == pytest.approx(expected, abs=1e-9)


def test_trailing_and_calendar_windows_differ():
    events = random_events()
    trailing = recipes.stickiness(events, first="2026-10-02", last="2026-10-31")
    calendar = recipes.stickiness(events, first="2026-10-02", last="2026-10-31",
                                  options=MetricOptions(stickiness=StickinessOptions("calendar")))
    assert calendar.value > trailing.value  # month-to-date sets are smaller early in a month


def test_excluding_weekends_leaves_saturdays_and_sundays_out_of_the_mean(sandbox_client):
    all_days = recipes.stickiness(sandbox_client)
    weekdays = recipes.stickiness(sandbox_client, exclude_weekends=True)
    frame = all_days.frame.with_columns(pl.col("day").dt.weekday().alias("weekday"))
    weekend = frame["weekday"] >= 6
    assert weekdays.frame.filter(weekend.to_list())["stickiness"].null_count() == weekend.sum()
    expected = frame.filter(~weekend)["stickiness"].mean()
    assert weekdays.value == pytest.approx(expected, abs=1e-9)
    assert weekdays.value > all_days.value  # the sandbox is busier on weekdays


def test_parameters_change_the_numbers(sandbox_client):
    base = recipes.stickiness(sandbox_client)
    assert recipes.stickiness(sandbox_client, denominator="weekly").value > base.value
    assert recipes.stickiness(sandbox_client, user_base="accounts").value > base.value
    with_anonymous = recipes.stickiness(sandbox_client, identified=False)
    assert with_anonymous.value != base.value
    other_app = recipes.stickiness(sandbox_client, app_id=5629499534213120, days=60)
    assert other_app.value != base.value
    assert base.params["first"] == date(2026, 10, 3) and base.params["last"] == date(2026, 11, 1)


def test_group_by_account_gives_one_row_per_account_and_everyones_value(sandbox_client):
    grouped = recipes.stickiness(sandbox_client, group_by="account")
    assert grouped.frame.columns == ["accountId", "stickiness"]
    assert grouped.frame["accountId"].is_unique().all() and grouped.frame.height > 10
    assert grouped.value == pytest.approx(recipes.stickiness(sandbox_client).value, abs=1e-9)


def test_group_by_metadata_runs_locally_and_is_refused_by_the_server(sandbox_client, box):
    result = recipes.stickiness(sandbox_client, group_by="account.custom.planlevel",
                                method="local")
    plans = set(box.tables["accounts"]["custom.planlevel"].drop_nulls())
    assert set(result.frame["planlevel"].drop_nulls()) <= plans
    assert result.frame.filter(pl.col("planlevel") == "Enterprise")["stickiness"].item() > 0
    with pytest.raises(ValidationError, match="method='local'"):
        recipes.stickiness(sandbox_client, group_by="account.custom.planlevel")


def test_pandas_in_pandas_out_with_the_same_numbers(sandbox_client):
    series = {"period": "dayRange", "first": 'date("2026-08-01")', "last": 'date("2026-11-01")'}
    pulled = sandbox_client.aggregate([{"source": {"events": None, "timeSeries": series}}],
                                      frame="pandas")
    result = recipes.stickiness(pulled, last="2026-11-01", timezone=TIMEZONE)
    assert isinstance(result.frame, pd.DataFrame)
    assert result.value == pytest.approx(recipes.stickiness(sandbox_client).value, abs=1e-9)
    assert isinstance(recipes.stickiness(pl.from_pandas(pulled), last="2026-11-01").frame,
                      pl.DataFrame)
    assert isinstance(recipes.stickiness(sandbox_client, frame="pandas").frame, pd.DataFrame)


def test_segment_members_given_as_frames_or_lists(sandbox_client, box):
    segment = box.tables["segments"].filter(pl.col("memberType") == "visitor")["id"][0]
    members = box.tables["segment_members"].filter(pl.col("segmentId") == segment)
    series = {"period": "dayRange", "first": 'date("2026-08-01")', "last": 'date("2026-11-01")'}
    events = sandbox_client.aggregate([{"source": {"events": None, "timeSeries": series}}])
    expected = recipes.stickiness(sandbox_client, segment=segment).value
    as_frame = recipes.stickiness(events, last="2026-11-01", segment=members.select("visitorId"))
    as_list = recipes.stickiness(events, last="2026-11-01",
                                 segment=members["visitorId"].to_list())
    assert as_frame.value == pytest.approx(expected, abs=1e-9)
    assert as_list.value == pytest.approx(expected, abs=1e-9)


def test_empty_data_gives_a_message_not_an_error(sandbox_client):
    result = recipes.stickiness(sandbox_client, first="2020-01-01", last="2020-01-31")
    assert result.value is None
    assert result.message == ("no activity in 2020-01-01 to 2020-01-31, default app, "
                              "identified visitors")
    assert result.frame.height == 31 and result.frame["stickiness"].null_count() == 31
    assert "no activity" in result._repr_html_()
    empty = recipes.stickiness(pl.DataFrame(), first="2026-10-01", last="2026-10-02")
    assert empty.value is None and empty.message.startswith("no activity")


@pytest.mark.parametrize("params, message", [
    ({"numerator": "weekly", "denominator": "weekly"}, "both weekly"),
    ({"numerator": "monthly"}, "numerator='monthly' is not supported"),
    ({"user_base": "sessions"}, "user_base='sessions'"),
    ({"method": "cloud"}, "method='cloud'"),
    ({"days": 0}, "days=0"),
    ({"first": "2026-10-05", "last": "2026-10-01"}, "before first"),
    ({"first": "October"}, "first='October' is not a date"),
    ({"group_by": "plan"}, "group_by='plan'"),
    ({"frame": "arrow"}, "frame='arrow'"),
])
def test_bad_parameters_are_named(sandbox_client, params, message):
    with pytest.raises(ValidationError, match=message):
        recipes.stickiness(sandbox_client, **params)


def test_frames_cannot_take_the_server_path_or_a_segment_id():
    events = random_events()
    with pytest.raises(ValidationError, match="needs a Pendo client"):
        recipes.stickiness(events, method="server")
    with pytest.raises(ValidationError, match="not a segment id"):
        recipes.stickiness(events, segment="seg-1")
    with pytest.raises(ValidationError, match="lacks columns"):
        recipes.stickiness(events.drop("day"))
    with pytest.raises(ValidationError, match="source must be"):
        recipes.stickiness(42)


def test_options_belong_to_the_local_path(sandbox_client):
    options = MetricOptions(stickiness=StickinessOptions(window="calendar"))
    with pytest.raises(ValidationError, match="method='local'"):
        recipes.stickiness(sandbox_client, options=options)
    calendar = recipes.stickiness(sandbox_client, options=options, method="local")
    assert calendar.value != recipes.stickiness(sandbox_client).value


def test_clients_must_be_synchronous_and_keep_their_timezone(sandbox_client):
    with pytest.raises(ValidationError, match="synchronous"):
        recipes.stickiness(pendo_lab.AsyncPendo.sandbox(now="2026-11-02T15:30:00Z"))
    with pytest.raises(ValidationError, match="timezone='UTC' differs"):
        recipes.stickiness(sandbox_client, timezone="UTC")
    with pytest.raises(ValidationError, match="segment id"):
        recipes.stickiness(sandbox_client, segment=["v1"])
