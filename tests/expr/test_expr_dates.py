"""The Python and Polars twins of every time rule agree, DST transitions included."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pendo_lab.expr import dates

ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/Sao_Paulo"]
# around DST changes of 2022 in several zones, and anywhere in 1990-2035
MOMENTS = st.one_of(
    st.sampled_from([1_647_140_400_000, 1_667_714_400_000, 1_648_342_800_000, 1_664_641_800_000])
    .flatmap(lambda ms: st.integers(ms - 3 * 86_400_000, ms + 3 * 86_400_000)),
    st.integers(631_152_000_000, 2_051_222_400_000),
)


def _polars(expr: pl.Expr, ms: int):
    return pl.DataFrame({"ms": [ms]}).select(expr).item()


@settings(max_examples=200, deadline=None)
@given(ms=MOMENTS, zone=st.sampled_from(ZONES), period=st.sampled_from(sorted(dates.PERIODS)))
def test_start_of_period(ms, zone, period):
    expected = dates.start_of_period(period, ms, ZoneInfo(zone))
    assert _polars(dates.start_of_period_expr(period, pl.col("ms"), zone), ms) == expected
    if expected is not None:
        assert expected <= ms


@settings(max_examples=200, deadline=None)
@given(ms=MOMENTS, zone=st.sampled_from(ZONES), amount=st.integers(-40, 40),
       unit=st.sampled_from(dates.TIME_UNITS))
def test_add_time(ms, zone, amount, unit):
    expected = dates.add_time(ms, amount, unit, ZoneInfo(zone))
    assert _polars(dates.add_time_expr(pl.col("ms"), pl.lit(amount), unit, zone), ms) == expected


@settings(max_examples=100, deadline=None)
@given(ms=MOMENTS, zone=st.sampled_from(ZONES))
def test_format_time(ms, zone):
    layout = "Monday Mon January Jan 2006-01-02T15:04:05.000 06 %Y"
    expected = dates.format_time(layout, ms, ZoneInfo(zone))
    assert _polars(dates.format_time_expr(layout, pl.col("ms"), zone), ms) == expected


@settings(max_examples=200, deadline=None)
@given(parts=st.tuples(st.integers(1990, 2035), st.integers(-13, 26), st.integers(-40, 70),
                       st.integers(0, 30), st.integers(0, 70), st.integers(0, 70),
                       st.integers(0, 999_999_999)),
       zone=st.sampled_from(ZONES))
def test_compose_and_epoch(parts, zone):
    expected = dates.epoch_ms(dates.compose(*parts), ZoneInfo(zone))
    expr = dates.epoch_ms_expr(dates.compose_expr([pl.lit(p, dtype=pl.Int64) for p in parts]), zone)
    assert pl.select(expr).item() == expected


@given(text=st.from_regex(dates.DATE_TEXT, fullmatch=True) | st.text(max_size=12)
       | st.sampled_from(["2022\n", "2022-04-01T10:00\n"]))
def test_date_text(text):
    expected = dates.date_text_parts(text)
    frame = pl.DataFrame({"t": [text]})
    got = frame.select(dates.date_text_parts_expr(pl.col("t"))).row(0)
    assert (list(got) if got[0] is not None else None) == expected


def test_local_midnight_and_dst_days():
    ny = ZoneInfo("America/New_York")
    spring = dates.epoch_ms(dates.compose(2022, 3, 13), ny)
    assert dates.add_time(spring, 1, "days", ny) - spring == 23 * 3_600_000
    assert dates.add_time(spring, 24, "hours", ny) - spring == 24 * 3_600_000
    assert dates.start_of_period("weekly", spring + 5 * 3_600_000, ny) == spring  # a Sunday
