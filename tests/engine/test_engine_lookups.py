"""bulkExpand, expand, itemSeen, useragent."""

from __future__ import annotations

import polars as pl
import pytest

from pendo_lab import PipelineError
from pendo_lab.engine import SourceSpec, parse_user_agent, run

ROWS = pl.DataFrame(
    {
        "visitorId": ["v1", "v2", "v9"],
        "accountId": ["a1", "a1", "a9"],
        "featureId": ["f1", "f2", "f1"],
        "browserTime": [500, 900, 100],
    }
)
ACCOUNTS = pl.DataFrame(
    {
        "accountId": ["a1", "a2"],
        "metadata": [
            {"auto": {"id": "a1", "lastvisit": 10}, "agent": {"name": "Acme"}},
            {"auto": {"id": "a2", "lastvisit": 20}, "agent": {"name": "Beta"}},
        ],
    }
)
VISITORS = pl.DataFrame({"visitorId": ["v1"], "metadata": [{"agent": {"email": "v1@x.io"}}]})
FEATURES = pl.DataFrame(
    {"id": ["f1", "f2"], "name": ["Export", "Share"], "appId": [-323232, -323232]}
)


def run_tail(
    tables, stages: list, rows: pl.DataFrame = ROWS, **frames
) -> tuple[list[dict], list[SourceSpec]]:
    data = tables(rows=rows, **frames)
    return run([{"source": {"rows": None}}, *stages], data.context()).to_dicts(), data.calls[1:]


def test_bulk_expand_puts_the_metadata_groups_under_the_output_field(tables):
    got, calls = run_tail(
        tables,
        [
            {
                "bulkExpand": {
                    "account": {"account": "accountId"},
                    "visitor": {"visitor": "visitorId"},
                }
            },
            {
                "select": {
                    "id": "account.auto.id",
                    "name": "account.agent.name",
                    "email": "visitor.agent.email",
                }
            },
        ],
        accounts=ACCOUNTS,
        visitors=VISITORS,
    )
    assert got == [
        {"id": "a1", "name": "Acme", "email": "v1@x.io"},
        {"id": "a1", "name": "Acme", "email": None},
        {"id": None, "name": None, "email": None},
    ]
    assert calls == [
        SourceSpec("accounts", None, None, "pipeline[1].bulkExpand"),
        SourceSpec("visitors", None, None, "pipeline[1].bulkExpand"),
    ]


def test_expand_adds_the_whole_object(tables):
    got, calls = run_tail(
        tables, [{"expand": {"featureInfo": {"feature": "featureId"}}}], features=FEATURES
    )
    assert [r["featureInfo"] for r in got] == [
        {"id": "f1", "name": "Export", "appId": -323232},
        {"id": "f2", "name": "Share", "appId": -323232},
        {"id": "f1", "name": "Export", "appId": -323232},
    ]
    assert [c.name for c in calls] == ["features"]


def test_expand_with_an_unknown_kind_lists_the_kinds(tables):
    with pytest.raises(PipelineError, match="page, feature, trackType") as caught:
        run_tail(tables, [{"expand": {"info": {"guide": "guideId"}}}])
    assert caught.value.path == "pipeline[1].expand.info"


FEATURE_EVENTS = pl.DataFrame(
    {
        "visitorId": ["v1", "v1", "v2", "v1"],
        "featureId": ["f1", "f1", "f1", "f2"],
        "day": [0, 86_400_000, 0, 172_800_000],
        "numEvents": [2, 3, 1, 9],
    }
)


def test_item_seen_gives_last_use_and_event_count_per_visitor(tables):
    got, calls = run_tail(
        tables,
        [{"itemSeen": {"seen": {"featureId": "f1"}}}, {"filter": "seen.lastUsed >= browserTime"}],
        featureEvents=FEATURE_EVENTS,
    )
    assert [(r["visitorId"], r["seen"]) for r in got] == [
        ("v1", {"lastUsed": 86_400_000, "count": 5})
    ]
    all_time = SourceSpec("featureEvents", {"featureId": "f1"}, None, "pipeline[1].itemSeen",
                          all_time=True)
    assert calls == [all_time]


def test_item_seen_prefers_last_time_and_leaves_unseen_visitors_null(tables):
    events = FEATURE_EVENTS.with_columns(lastTime=pl.col("day") + 777)
    got, _ = run_tail(tables, [{"itemSeen": {"seen": {"featureId": "f1"}}}], featureEvents=events)
    assert [r["seen"] for r in got] == [
        {"lastUsed": 86_400_777, "count": 5},
        {"lastUsed": 777, "count": 1},
        None,
    ]


CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Mobile Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(
    ("text", "name", "os", "device_type"),
    [
        (CHROME, "Chrome", "Windows", "desktop"),
        (IPAD, "Mobile Safari", "iOS", "tablet"),
        (ANDROID_PHONE, "Chrome Mobile", "Android", "mobile"),
        (GOOGLEBOT, "Googlebot", "", "bot"),
        ("no idea", "", "", ""),
    ],
)
def test_parse_user_agent_fields(text, name, os, device_type):
    parsed = parse_user_agent(text)
    assert (parsed["name"], parsed["os"], parsed["deviceType"]) == (name, os, device_type)


def test_useragent_stage_parses_each_distinct_string_once(tables):
    frame = pl.DataFrame({"userAgent": [CHROME, IPAD, None] * 400})
    parse_user_agent.cache_clear()
    got, _ = run_tail(
        tables,
        [
            {"useragent": {"userAgent": "userAgent"}},
            {
                "group": {
                    "group": ["userAgent.name", "userAgent.version"],
                    "fields": {"n": {"count": None}},
                }
            },
        ],
        rows=frame,
    )
    assert got == [
        {"userAgent": {"name": "Chrome", "version": "120.0.0"}, "n": 400},
        {"userAgent": {"name": "Mobile Safari", "version": "17.1"}, "n": 400},
        {"userAgent": {"name": None, "version": None}, "n": 400},
    ]
    assert parse_user_agent.cache_info().misses == 2
