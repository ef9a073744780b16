"""pes, adoption, growth, stickiness on small hand-computed cases (UTC, epoch days)."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import pytest

from pendo_lab import PipelineError
from pendo_lab.engine import (
    AdoptionOptions,
    GrowthOptions,
    MetricOptions,
    StickinessOptions,
    TimeWindow,
    run,
)

D = 86_400_000  # epoch day 0 is Thursday 1970-01-01


def activity(*rows: tuple[str, str, int]) -> pl.DataFrame:
    """Event rows from (visitorId, accountId, epoch day)."""
    return pl.DataFrame(
        {
            "visitorId": [r[0] for r in rows],
            "accountId": [r[1] for r in rows],
            "day": [r[2] * D for r in rows],
            "numEvents": [1] * len(rows),
        },
        schema={
            "visitorId": pl.String,
            "accountId": pl.String,
            "day": pl.Int64,
            "numEvents": pl.Int64,
        },
    )


def metric(
    tables, name: str, params: dict, options: MetricOptions | None = None, **frames
) -> list[dict]:
    data = tables(**frames)
    ctx = data.context(metric_options=options or MetricOptions(), segment_members=SEGMENTS.get)
    result = run([{name: params}], ctx).to_dicts()
    metric.calls = data.calls
    return result


SEGMENTS = {"only-v1": pl.DataFrame({"visitorId": ["v1"]})}


def days(first: int, last: int) -> dict:
    return {"firstDay": first * D, "lastDay": last * D}


def stickiness_config(numerator: str, denominator: str, **extra) -> dict:
    return {"config": {"numerator": numerator, "denominator": denominator, **extra}}


def test_stickiness_daily_over_trailing_week(tables):
    events = activity(
        ("v1", "x", 1), ("v1", "x", 7), ("v1", "x", 8), ("v2", "x", 7), ("v3", "y", 3)
    )
    got = metric(
        tables, "stickiness", {**days(7, 8), **stickiness_config("daily", "weekly")}, events=events
    )
    assert got == [{"stickiness": pytest.approx(100 * (2 / 3 + 1 / 3) / 2)}]
    assert metric.calls[0].window == TimeWindow(1 * D, 9 * D, "dayRange")  # six days of look-back


def test_stickiness_exclude_weekends_drops_saturday_and_sunday_from_the_mean(tables):
    events = activity(
        *[("v1", "x", d) for d in range(5)], ("v2", "x", 0), ("v2", "x", 2), ("v2", "x", 3)
    )
    params = {**days(1, 4), **stickiness_config("daily", "weekly")}
    assert metric(tables, "stickiness", params, events=events) == [{"stickiness": 75.0}]
    params["config"]["excludeWeekends"] = True  # days 2 and 3 are Saturday and Sunday
    assert metric(tables, "stickiness", params, events=events) == [{"stickiness": 50.0}]


def utc_day(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=timezone.utc).timestamp() * 1000) // D


def test_stickiness_trailing_versus_calendar_month(tables):
    feb28, mar1, mar2 = utc_day(2024, 2, 28), utc_day(2024, 3, 1), utc_day(2024, 3, 2)
    events = activity(("v1", "x", feb28), ("v1", "x", mar2), ("v2", "x", mar1))
    params = {**days(mar1, mar2), **stickiness_config("daily", "monthly")}
    assert metric(tables, "stickiness", params, events=events) == [{"stickiness": 50.0}]
    calendar = MetricOptions(stickiness=StickinessOptions(window="calendar"))
    assert metric(tables, "stickiness", params, calendar, events=events) == [{"stickiness": 75.0}]


def test_stickiness_per_account(tables):
    events = activity(("v1", "x", 5), ("v2", "x", 4), ("v3", "y", 5))
    params = {**days(5, 5), "groupBy": "account", **stickiness_config("daily", "weekly")}
    assert metric(tables, "stickiness", params, events=events) == [
        {"accountId": "x", "stickiness": 50.0},
        {"accountId": "y", "stickiness": 100.0},
    ]


ADOPTION_EVENTS = activity(("v1", "x", 0), ("v2", "x", 1), ("v3", "y", 1), ("_PENDO_T_4", "y", 1))
FEATURE_EVENTS = activity(
    ("v1", "x", 0), ("v2", "x", 1), ("v3", "y", 1), ("_PENDO_T_4", "y", 1)
).with_columns(featureId=pl.Series(["f1", "f1", "f2", "f1"]))
PAGE_EVENTS = activity(("v1", "x", 1), ("v9", "z", 1)).with_columns(pageId=pl.Series(["p1", "p1"]))
GROUPS = pl.DataFrame(
    {
        "id": ["area1"],
        "items": [[{"itemType": "Page", "itemId": "p1"}, {"itemType": "Feature", "itemId": "f2"}]],
    }
)
CORE = [{"kind": "feature", "id": "f1"}, {"kind": "page", "id": "p1"}]


def adoption(tables, config: dict, options: MetricOptions | None = None, **params) -> list[dict]:
    return metric(
        tables,
        "adoption",
        {**days(0, 1), "identified": "visitorId", "config": config, **params},
        options,
        events=ADOPTION_EVENTS,
        featureEvents=FEATURE_EVENTS,
        pageEvents=PAGE_EVENTS,
        groups=GROUPS,
    )


def test_adoption_is_the_share_of_core_events_used_by_active_units(tables):
    # f1 used by v1 and v2, p1 by v1 (v9 is not active, _PENDO_T_4 not identified): 3 of 2 x 3
    assert adoption(tables, {"events": CORE}) == [{"adoption": pytest.approx(50.0)}]
    assert {c.name: c.params for c in metric.calls}["featureEvents"] == {"featureIds": ["f1"]}


def test_adoption_expands_product_areas_into_their_pages_and_features(tables):
    assert adoption(tables, {"productAreaIds": ["area1"]}) == [
        {"adoption": pytest.approx(100 * 2 / 6)}
    ]
    both = adoption(tables, {"productAreaIds": ["area1"], "events": CORE})
    assert both == [{"adoption": pytest.approx(100 * 4 / 9)}]
    pages_only = MetricOptions(adoption=AdoptionOptions(product_area_kinds=("page",)))
    assert adoption(tables, {"productAreaIds": ["area1"]}, pages_only) == [
        {"adoption": pytest.approx(100 / 3)}
    ]


def test_adoption_unknown_product_area_is_an_error(tables):
    with pytest.raises(PipelineError, match=r"unknown product area ids \['nope'\]") as caught:
        adoption(tables, {"productAreaIds": ["nope"]})
    assert caught.value.path == "pipeline[0].adoption.config.productAreaIds"


def test_adoption_without_core_events_is_null_unless_options_name_them(tables):
    assert adoption(tables, {}) == [{"adoption": None}]
    options = MetricOptions(
        adoption=AdoptionOptions(core_events=({"kind": "feature", "id": "f1"},))
    )
    assert adoption(tables, {}, options) == [{"adoption": pytest.approx(100 * 2 / 3)}]


def test_adoption_by_account_user_base(tables):
    got = adoption(tables, {"events": CORE, "userBase": "accounts"}, groupBy="account")
    assert got == [{"accountId": "x", "adoption": 100.0}, {"accountId": "y", "adoption": 0.0}]


GROWTH_EVENTS = activity(
    ("new", "x", 10),
    ("recovered", "x", 5),
    ("recovered", "x", 11),
    ("dropped1", "x", 9),
    ("dropped2", "y", 8),
    ("dropped2", "y", 3),
    ("kept", "y", 9),
    ("kept", "y", 10),
    ("gone", "y", 2),
    ("later", "y", 12),
)


def test_growth_counts_new_recovered_dropped_and_scores_their_share(tables):
    (got,) = metric(tables, "growth", days(10, 11), events=GROWTH_EVENTS)
    assert got == {"growth": 50.0, "new": 1, "recovered": 1, "dropped": 2, "quickRatio": 1.0}
    assert metric.calls[0].window is None and metric.calls[0].all_time  # all history


def test_growth_quick_ratio_scale_and_per_account(tables):
    options = MetricOptions(growth=GrowthOptions(scale="quick_ratio"))
    got = metric(
        tables, "growth", {**days(10, 11), "groupBy": "account"}, options, events=GROWTH_EVENTS
    )
    assert [(r["accountId"], r["growth"], r["new"], r["recovered"], r["dropped"]) for r in got] == [
        ("x", 2.0, 1, 1, 1),
        ("y", 0.0, 0, 0, 1),
    ]


def test_pes_is_the_mean_of_its_components(tables):
    frames = {"events": ADOPTION_EVENTS, "featureEvents": FEATURE_EVENTS, "pageEvents": PAGE_EVENTS}
    base = {**days(0, 1), "identified": "visitorId", "groupBy": "account"}
    config = {
        "adoption": {"events": CORE},
        "stickiness": {"numerator": "daily", "denominator": "weekly"},
    }
    got = metric(tables, "pes", {**base, "config": config}, **frames)
    parts = {
        name: metric(tables, name, {**base, "config": config.get(name, {})}, **frames)
        for name in ("adoption", "stickiness", "growth")
    }
    assert [r["accountId"] for r in got] == ["x", "y"]
    for index, row in enumerate(got):
        components = [parts[name][index][name] for name in ("adoption", "stickiness", "growth")]
        assert [row["adoption"], row["stickiness"], row["growth"]] == components
        assert row["pes"] == pytest.approx(sum(components) / 3)
    # x: v1 and v2 active; f1 used by both, p1 by v1 -> 75; both new -> growth 100;
    # daily/weekly: day 0 1/1, day 1 1/2 -> 75
    assert got[0] == {
        "accountId": "x",
        "pes": pytest.approx((75 + 75 + 100) / 3),
        "adoption": 75.0,
        "stickiness": 75.0,
        "growth": 100.0,
    }


def test_account_segment_and_identified_filters(tables):
    events = activity(("v1", "x", 1), ("v2", "x", 1), ("v3", "y", 0), ("_PENDO_T_9", "x", 0))
    config = stickiness_config("daily", "weekly")

    def pick(**extra) -> list[dict]:
        return metric(tables, "stickiness", {**days(0, 1), **config, **extra}, events=events)

    assert pick() == [{"stickiness": pytest.approx(100 * (2 / 2 + 2 / 4) / 2)}]
    assert pick(identified="visitorId") == [
        {"stickiness": pytest.approx(100 * (1 / 1 + 2 / 3) / 2)}
    ]
    assert pick(account="x") == [{"stickiness": pytest.approx(100 * (1 / 1 + 2 / 3) / 2)}]
    assert pick(segment={"id": "only-v1"}) == [{"stickiness": 100.0}]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"firstDay": 0}, "exactly one of lastDay and dayCount"),
        ({"firstDay": 0, "dayCount": 1, "colour": 1}, r"unknown parameters \['colour'\]"),
        ({"firstDay": 0, "dayCount": 1, "groupBy": "visitor"}, 'groupBy must be "account"'),
        (
            {
                "firstDay": 0,
                "dayCount": 1,
                "config": stickiness_config("weekly", "weekly")["config"],
            },
            "numerator/denominator",
        ),
        (
            {"firstDay": 0, "dayCount": 1, "config": {"userBase": "pages"}},
            "userBase must be one of",
        ),
    ],
)
def test_bad_metric_requests(tables, params, message):
    with pytest.raises(PipelineError, match=message):
        metric(tables, "stickiness", params, events=activity(("v1", "x", 0)))


def test_minimal_request_counts_back_from_first_day(tables):
    events = activity(("v1", "x", 8), ("v1", "x", 9), ("v2", "x", 9), ("v2", "x", 10))
    ctx = tables(events=events).context(now_ms=10 * D + 5)
    got = run(
        [
            {
                "stickiness": {
                    "appId": -323232,
                    "firstDay": "now()",
                    "dayCount": -2,
                    "config": {"numerator": "daily", "denominator": "weekly"},
                }
            }
        ],
        ctx,
    )
    assert got.to_dicts() == [{"stickiness": pytest.approx(100 * (1 / 1 + 2 / 2) / 2)}]
