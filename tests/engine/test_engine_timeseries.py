"""timeSeries -> TimeWindow: periods in the subscription timezone, the three range rules."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pendo_lab import PipelineError
from pendo_lab.engine import EngineContext, TimeWindow, resolve_time_series

HOUR = 3_600_000
DAY = 24 * HOUR
NY = "America/New_York"


def ms(*parts: int, tz: str = NY) -> int:
    return int(datetime(*parts, tzinfo=ZoneInfo(tz)).timestamp() * 1000)


def window(ts: dict, tz: str = NY, now: int | None = None) -> TimeWindow:
    return resolve_time_series(ts, EngineContext(timezone=tz, now_ms=now))


# The reference's examples: 1693540800000 is Sep 1 2023 00:00 ET, 1693932275771 Sep 5 12:44:35 ET.
FIRST, LAST = 1693540800000, 1693932275771


def test_day_range_first_last_covers_both_days_inclusive():
    assert window({"period": "dayRange", "first": FIRST, "last": LAST}) == TimeWindow(
        ms(2023, 9, 1), ms(2023, 9, 6), "dayRange"
    )


def test_hour_range_ends_with_the_hour_containing_last():
    got = window({"period": "hourRange", "first": FIRST, "last": LAST})
    assert (got.start_ms, got.end_ms) == (ms(2023, 9, 1), ms(2023, 9, 5, 13))


def test_positive_count_starts_at_the_period_of_first():
    got = window({"period": "dayRange", "first": FIRST + 5 * HOUR, "count": 5})
    assert (got.start_ms, got.end_ms) == (ms(2023, 9, 1), ms(2023, 9, 6))


def test_negative_count_ends_before_the_period_of_first():
    got = window({"period": "dayRange", "first": "now()", "count": -5}, now=LAST)
    assert (got.start_ms, got.end_ms) == (ms(2023, 8, 31), ms(2023, 9, 5))


def test_days_follow_dst_changes():
    fall = window({"period": "dayRange", "first": ms(2023, 11, 5, 12), "count": 1})
    spring = window({"period": "dayRange", "first": ms(2023, 3, 12, 12), "count": 1})
    assert fall.end_ms - fall.start_ms == 25 * HOUR
    assert spring.end_ms - spring.start_ms == 23 * HOUR
    assert fall.start_ms == ms(2023, 11, 5)


def test_hour_periods_across_the_repeated_dst_hour():
    got = window({"period": "hourRange", "first": ms(2023, 11, 5, 0), "last": ms(2023, 11, 5, 3)})
    assert (got.end_ms - got.start_ms) // HOUR == 5  # 00, 01 (EDT), 01 (EST), 02, 03


def test_hours_in_a_half_hour_timezone_start_at_local_top_of_hour():
    got = window(
        {"period": "hourRange", "first": ms(2024, 1, 1, 10, 45, tz="Asia/Kolkata"), "count": 1},
        tz="Asia/Kolkata",
    )
    assert got.start_ms == ms(2024, 1, 1, 10, tz="Asia/Kolkata")
    assert got.end_ms - got.start_ms == HOUR


def test_week_range_starts_sunday_midnight_local():
    wednesday = ms(2024, 5, 15, 9, tz="Europe/Berlin")
    got = window({"period": "weekRange", "first": wednesday, "count": 2}, tz="Europe/Berlin")
    assert got.start_ms == ms(2024, 5, 12, tz="Europe/Berlin")
    assert got.end_ms == ms(2024, 5, 26, tz="Europe/Berlin")


def test_month_range_backwards_across_a_year():
    got = window(
        {"period": "monthRange", "first": ms(2024, 1, 10, tz="UTC"), "count": -2}, tz="UTC"
    )
    assert (got.start_ms, got.end_ms) == (ms(2023, 11, 1, tz="UTC"), ms(2024, 1, 1, tz="UTC"))


def test_first_and_last_accept_numeric_strings_and_expressions():
    now = ms(2024, 3, 20, 15, tz="UTC")
    got = window(
        {"period": "dayRange", "first": 'dateAdd(now(), -30, "days")', "last": "now()"},
        tz="UTC",
        now=now,
    )
    assert (got.start_ms, got.end_ms) == (ms(2024, 2, 19, tz="UTC"), ms(2024, 3, 21, tz="UTC"))
    got = window({"period": "dayRange", "first": "1506977216000", "count": 1}, tz="UTC")
    assert got.start_ms == 1506977216000 - 1506977216000 % DAY


def test_date_function_in_subscription_timezone():
    got = window(
        {"period": "dayRange", "first": "date(2023, 9, 1)", "last": "date(2023, 9, 5, 12, 44, 35)"}
    )
    assert (got.start_ms, got.end_ms) == (ms(2023, 9, 1), ms(2023, 9, 6))


def test_iterative_periods_are_not_built():
    with pytest.raises(NotImplementedError, match="'daily'.*'dayRange'"):
        window({"period": "daily", "first": 0, "count": 3})


@pytest.mark.parametrize(
    ("ts", "message"),
    [
        (
            {"period": "yearRange", "first": 0, "count": 1},
            "unknown period 'yearRange'; known periods: hourRange",
        ),
        ({"period": "dayRange", "count": 1}, "needs 'first'"),
        (
            {"period": "dayRange", "first": 0, "last": 1, "count": 1},
            "exactly one of 'last' and 'count'",
        ),
        ({"period": "dayRange", "first": 0}, "exactly one of 'last' and 'count'"),
        ({"period": "dayRange", "first": 0, "count": 0}, "non-zero integer"),
        ({"period": "dayRange", "first": DAY * 3, "last": 0}, "'last' falls before 'first'"),
        ({"period": "dayRange", "first": True, "count": 1}, "epoch milliseconds"),
    ],
)
def test_bad_time_series_is_a_pipeline_error(ts, message):
    with pytest.raises(PipelineError, match=message):
        window(ts)


def test_bad_expression_in_first_points_at_it():
    with pytest.raises(PipelineError) as caught:
        resolve_time_series(
            {"period": "dayRange", "first": "now( +", "count": 1},
            path="pipeline[0].source.timeSeries",
        )
    assert caught.value.path == "pipeline[0].source.timeSeries.first"
    assert "now( +" in str(caught.value)
