"""The synthetic subscription builds at every reasonable size, span, timezone and clock, with
the same columns and types whatever the size."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pendo_lab._exceptions import ValidationError
from pendo_lab.sandbox import Sandbox
from pendo_lab.sandbox._synth import SandboxConfig, build_tables
from pendo_lab.sandbox._synth_people import QA_VISITORS

NOW = datetime(2024, 3, 20, 16, 0, tzinfo=timezone.utc)
#: Zones with odd offsets (+13:45/+12:45, +05:30), half-hour DST, DST at midnight, and none.
ZONES = ("UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Pacific/Chatham",
         "Australia/Lord_Howe", "America/Havana", "America/Santiago", "Pacific/Kiritimati")
LAST_WEEK = [{"source": {"events": None,
                         "timeSeries": {"period": "dayRange", "first": "now()", "count": -7}}}]


@cache
def dst_changes(zone: str) -> tuple[datetime, ...]:
    """The instants of 2024 at which ``zone``'s UTC offset changes, to the minute."""
    tz, changes = ZoneInfo(zone), []
    hour = datetime(2024, 1, 1, tzinfo=timezone.utc)
    while hour.year == 2024:
        later = hour + timedelta(hours=1)
        if hour.astimezone(tz).utcoffset() != later.astimezone(tz).utcoffset():
            minute = hour
            while minute.astimezone(tz).utcoffset() == hour.astimezone(tz).utcoffset():
                minute += timedelta(minutes=1)
            changes.append(minute)
        hour = later
    return tuple(changes)


@st.composite
def clocks(draw, zone: str) -> datetime:
    """Any instant of 2024, or one close to a DST change of ``zone``; in UTC or local time."""
    changes = dst_changes(zone)
    if changes and draw(st.booleans()):
        now = draw(st.sampled_from(changes)) + timedelta(
            minutes=draw(st.sampled_from([-61, -1, 0, 1, 61])))
    else:
        now = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(
            minutes=draw(st.integers(0, 366 * 24 * 60)))
    return now.astimezone(ZoneInfo(zone)) if draw(st.booleans()) else now


@st.composite
def configs(draw) -> dict:
    zone = draw(st.sampled_from(ZONES))
    return {
        "seed": draw(st.integers(0, 2**32 - 1)),
        "n_visitors": draw(st.integers(1, 60)),
        "n_accounts": draw(st.integers(1, 12)),
        "days": draw(st.integers(1, 45)),
        "anonymous_share": draw(st.sampled_from([0.0, 1.0]) | st.floats(0, 1)),
        "timezone": zone,
        "now": draw(clocks(zone)),
    }


@pytest.fixture(scope="module")
def default_schemas():
    return {name: frame.schema for name, frame in build_tables(SandboxConfig(now=NOW)).items()}


@settings(max_examples=25, deadline=None)
@given(config=configs())
def test_any_reasonable_config_builds_the_default_schemas_deterministically(config,
                                                                            default_schemas):
    box = Sandbox(**config)
    tables = box.tables
    assert {name: frame.schema for name, frame in tables.items()} == default_schemas

    again = build_tables(box.config)
    for name, frame in tables.items():
        assert again[name].equals(frame), name

    now_ms = box.config.now_ms
    times = tables["events"]["browserTime"]
    assert times.is_empty() or now_ms - config["days"] * 86_400_000 <= times.min() <= times.max() \
        < now_ms
    assert tables["visitors"].height == config["n_visitors"] + len(QA_VISITORS)
    assert tables["accounts"].height == config["n_accounts"] + 1

    result = box.client().aggregate(LAST_WEEK)
    assert isinstance(result, pl.DataFrame)
    if not result.is_empty():
        customers = set(tables["visitors"]["visitorId"]) - set(QA_VISITORS)
        assert set(result["visitorId"]) <= customers
        assert result["numEvents"].sum() <= times.len()


def test_a_handful_of_visitors_in_three_accounts_answers_an_aggregation():
    box = Sandbox(seed=0, n_visitors=10, n_accounts=3, now=NOW)
    result = box.client().aggregate(LAST_WEEK)
    assert result.height > 0
    assert result["numEvents"].sum() > 0


@pytest.mark.parametrize("seed", range(4))
def test_an_all_anonymous_single_visitor_day_gives_typed_empty_tables(seed, default_schemas):
    tables = build_tables(SandboxConfig(seed=seed, n_visitors=1, n_accounts=1, days=1,
                                        anonymous_share=1.0, now=NOW))
    customers = tables["visitors"].filter(~pl.col("visitorId").is_in(list(QA_VISITORS)))
    assert customers["visitorId"].str.starts_with("_PENDO_T_").all()
    assert tables["feedback"].is_empty() and tables["votes"].is_empty()
    assert set(tables["email_events"]["visitorId"]) <= set(QA_VISITORS)   # emails need an address
    assert tables["feedback"].schema == default_schemas["feedback"]


def test_with_no_anonymous_share_every_customer_is_identified():
    visitors = build_tables(SandboxConfig(seed=3, n_visitors=40, anonymous_share=0,
                                          now=NOW))["visitors"]
    assert not visitors["visitorId"].str.starts_with("_PENDO_T_").any()
    assert visitors["agent.email"].null_count() == 0


def test_with_one_account_no_visitor_belongs_to_two():
    membership = build_tables(SandboxConfig(seed=5, n_visitors=200, n_accounts=1,
                                            now=NOW))["visitor_accounts"]
    assert membership["visitorId"].is_unique().all()
    assert membership["accountId"].n_unique() == 2          # the customer and the internal one


@pytest.mark.parametrize(("field", "value", "message"), [
    ("n_visitors", 0, "n_visitors must be at least 1"),
    ("n_accounts", 0, "n_accounts must be at least 1"),
    ("days", 0, "days must be at least 1"),
    ("seed", -1, "seed must be at least 0"),
    ("n_visitors", 2.5, "n_visitors must be an integer"),
    ("days", True, "days must be an integer"),
    ("anonymous_share", 1.5, "anonymous_share must be a number from 0 to 1"),
    ("anonymous_share", float("nan"), "anonymous_share must be a number from 0 to 1"),
    ("timezone", "Mars/Olympus", "not an IANA timezone"),
    ("timezone", None, "not an IANA timezone"),
])
def test_bad_configuration_is_refused_before_building(field, value, message):
    with pytest.raises(ValidationError, match=message):
        SandboxConfig(**{field: value})
    with pytest.raises(ValidationError, match=message):
        Sandbox(**{field: value})
