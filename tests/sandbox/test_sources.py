"""Aggregation sources derived from the raw tables: agreement with the log, time periods across
DST, every source parameter, row shapes against Pendo's samples, caching."""

from __future__ import annotations

import fnmatch
import json
import re
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import orjson
import polars as pl
import pytest

from pendo_lab._exceptions import PipelineError
from pendo_lab.sandbox._sources import SOURCES, SourceResolver, period_starts
from pendo_lab.sandbox._synth import SandboxConfig, build_tables
from pendo_lab.sandbox._synth_catalog import DEFAULT_APP_ID, MOBILE_APP_ID, object_id

NOW = datetime(2024, 3, 20, 16, 0, tzinfo=timezone.utc)
NEW_YORK = ZoneInfo("America/New_York")
SAMPLES = Path("/work/shared/pendo-samples")
HOUR_MS = 3_600_000


def midnight(day: date) -> int:
    return round(datetime(day.year, day.month, day.day, tzinfo=NEW_YORK).timestamp() * 1000)


def window(first: date, days: int, period: str = "dayRange"):
    return SimpleNamespace(start_ms=midnight(first), end_ms=midnight(first + timedelta(days=days)),
                           period=period)


LAST_30 = window(date(2024, 2, 19), 30)
DST_WEEK = window(date(2024, 3, 7), 7)          # the clocks go forward on Sunday 10 March


def spec(name, params=None, window=None):
    return SimpleNamespace(name=name, params=params, window=window, path="pipeline[0]")


@pytest.fixture(scope="module")
def config():
    return SandboxConfig(seed=5, now=NOW)


@pytest.fixture(scope="module")
def base_tables(config):
    return build_tables(config)


@pytest.fixture
def tables(base_tables):
    return dict(base_tables)          # tests replace tables in their own copy


@pytest.fixture
def resolve(tables, config):
    resolver = SourceResolver(tables, config)
    return lambda *args, **kwargs: resolver(spec(*args, **kwargs)).collect()


def excluded(row, rules) -> bool:
    """The exclude list, recomputed: rule values are shell-style patterns on one field."""
    fields = {"visitorId": ["visitorId"], "accountId": ["accountId"],
              "remoteIp": ["remoteIp"], "server": ["server", "serverName"]}
    return any(fnmatch.fnmatchcase(row[field] or "", value)
               for kind, value in rules for field in fields[kind] if field in row)


def raw_rows(tables, table="events", win=LAST_30, app=DEFAULT_APP_ID):
    rules = tables["exclude_rules"].select("kind", "value").rows()
    rows = tables[table].filter(pl.col("browserTime").is_between(win.start_ms, win.end_ms,
                                                                 closed="left")
                                & (pl.col("appId") == app)).to_dicts()
    return [r for r in rows if not excluded(r, rules)]


def local_day(ms: int) -> int:
    return midnight(datetime.fromtimestamp(ms / 1000, NEW_YORK).date())


def regroup(rows, key) -> dict:
    """numEvents and numMinutes per group, counted one raw event at a time."""
    events, minutes = defaultdict(int), defaultdict(set)
    for row in rows:
        for group in key(row):
            events[group] += 1
            minutes[group].add(row["browserTime"] // 60_000)
    return {group: (events[group], len(minutes[group])) for group in events}


def as_groups(frame: pl.DataFrame, columns) -> dict:
    return {tuple(r[c] for c in columns): (r["numEvents"], r["numMinutes"])
            for r in frame.iter_rows(named=True)}


BASE_KEY = ["visitorId", "accountId", "appId", "day", "server", "remoteIp", "userAgent"]


def base_key(row):
    return (row["visitorId"], row["accountId"], row["appId"], local_day(row["browserTime"]),
            row["server"], row["remoteIp"], row["userAgent"])


# --- grouped sources agree with the raw log -----------------------------------------------------

def test_events_agree_with_the_raw_log(tables, resolve):
    rows = [r for r in raw_rows(tables) if r["type"] != "track"]
    expected = regroup(rows, lambda r: [base_key(r)])
    result = resolve("events", window=LAST_30)
    assert as_groups(result, BASE_KEY) == expected
    assert set(result["pageId"]) == {"allevents"}
    assert result["numEvents"].sum() == len(rows) > 1000
    assert (result["numMinutes"] <= result["numEvents"]).all()
    assert (result["numMinutes"] < result["numEvents"]).any()


def test_page_events_count_each_matching_page(tables, resolve):
    pages = tables["pages"].filter(pl.col("appId") == DEFAULT_APP_ID)
    rules = [(pid, re.compile(rule["parsedRule"])) for pid, rs in pages.select("id", "rules").rows()
             for rule in rs]

    def matches(row):
        found = {(pid, m.group(1) if rx.groups else None)
                 for pid, rx in rules if (m := rx.search(row["url"]))}
        return sorted(found, key=str)

    rows = [r for r in raw_rows(tables) if r["type"] == "page"]
    expected = regroup(rows, lambda r: [(*base_key(r), *match) for match in matches(r)])
    result = resolve("pageEvents", window=LAST_30).with_columns(
        parameter=pl.col("parameters").struct.field("parameter"))
    assert as_groups(result, BASE_KEY + ["pageId", "parameter"]) == expected

    totals = dict(result.group_by("pageId").agg(pl.col("numEvents").sum()).iter_rows())
    under_reports = sum(1 for r in rows if "/reports" in r["url"])
    assert totals[object_id("page", "All reporting pages")] == under_reports
    edits = sum(1 for r in rows if re.search(r"/reports/[^/]+/edit", r["url"]))
    assert totals[object_id("page", "Report editor")] == edits > 0


def test_page_parameters_hold_the_captured_segment(resolve):
    detail = object_id("page", "Report detail")
    rows = resolve("pageEvents", {"pageId": detail}, LAST_30)
    assert rows["parameters"].struct.field("parameter").str.starts_with("r-").all()
    others = resolve("pageEvents", {"pageId": object_id("page", "Dashboard")}, LAST_30)
    assert others["parameters"].null_count() == others.height > 0


def test_feature_events_agree_with_the_raw_log(tables, resolve):
    result = resolve("featureEvents", window=LAST_30)
    rows = [r for r in raw_rows(tables) if r["type"] == "feature"]
    any_link = object_id("feature", "Any sidebar link")
    expected_links = sum(1 for r in rows if "nav.sidebar > a#" in r["elementPath"])
    totals = dict(result.group_by("featureId").agg(pl.col("numEvents").sum()).iter_rows())
    assert totals[any_link] == expected_links
    nav = object_id("feature", "Nav: Reports")
    assert totals[nav] == sum(1 for r in rows if "#nav-reports" in r["elementPath"])
    untagged = sum(1 for r in rows if "div.toast" in r["elementPath"])
    tagged_total = sum(1 for r in rows if "div.toast" not in r["elementPath"])
    assert untagged > 0
    assert result["numEvents"].sum() == tagged_total + expected_links


def test_track_events_agree_with_the_raw_log(tables, resolve):
    rows = [r for r in raw_rows(tables) if r["type"] == "track"]
    expected = regroup(rows, lambda r: [(*base_key(r), r["trackTypeId"],
                                         json.dumps(r["properties"], sort_keys=True))])
    result = resolve("trackEvents", window=LAST_30).with_columns(
        properties=pl.col("properties").map_elements(lambda p: json.dumps(p, sort_keys=True),
                                                     return_dtype=pl.String))
    assert as_groups(result, BASE_KEY + ["trackTypeId", "properties"]) == expected
    assert "apitrackevent" in set(result["server"])


def test_num_minutes_counts_distinct_minutes(tables, resolve):
    template = tables["events"].filter(pl.col("type") == "page").head(1)
    start = datetime(2024, 3, 12, 10, 0, tzinfo=NEW_YORK)
    seconds = [50, 90, 121, 179]            # 10:00:50, 10:01:30, 10:02:01, 10:02:59
    tables["events"] = pl.concat([template.with_columns(
        browserTime=pl.lit(round(start.timestamp() * 1000) + s * 1000)) for s in seconds])
    row = resolve("events", window=DST_WEEK).row(0, named=True)
    assert (row["numEvents"], row["numMinutes"]) == (4, 3)


# --- periods in the subscription timezone --------------------------------------------------------

def local(year, month, day, hour, minute=0):
    return round(datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).timestamp() * 1000)


@pytest.fixture
def dst_events(tables):
    """Four page loads around the spring-forward change of 10 March 2024 in New York."""
    template = tables["events"].filter(pl.col("type") == "page").head(1)
    times = [local(2024, 3, 9, 23, 30), local(2024, 3, 10, 1, 30), local(2024, 3, 10, 3, 30),
             local(2024, 3, 10, 23, 30), local(2024, 3, 11, 0, 30)]
    tables["events"] = pl.concat([template.with_columns(browserTime=pl.lit(t)) for t in times])
    return times


def test_day_boundaries_are_local_midnights_across_dst(dst_events, resolve):
    days = resolve("events", window=DST_WEEK)["day"].to_list()
    assert days == [local(2024, 3, 9, 0), local(2024, 3, 10, 0), local(2024, 3, 11, 0)]
    assert days[2] - days[1] == 23 * HOUR_MS
    counts = resolve("events", window=DST_WEEK)["numEvents"].to_list()
    assert counts == [1, 3, 1]


def test_hours_weeks_and_months_start_locally(dst_events, resolve):
    hours = resolve("events", window=window(date(2024, 3, 10), 1, "hourRange"))["hour"].to_list()
    assert hours == [local(2024, 3, 10, 1), local(2024, 3, 10, 3), local(2024, 3, 10, 23)]
    assert hours[1] - hours[0] == HOUR_MS          # 02:00 does not exist that night
    weeks = resolve("events", window=window(date(2024, 3, 3), 14, "weekRange"))
    assert weeks["week"].to_list() == [local(2024, 3, 3, 0), local(2024, 3, 10, 0)]
    assert weeks["numEvents"].to_list() == [1, 4]
    months = resolve("events", window=window(date(2024, 3, 1), 31, "monthRange"))
    assert months["month"].to_list() == [local(2024, 3, 1, 0)]
    assert "day" not in months.columns


def test_period_starts_cover_the_window_in_local_time():
    days = period_starts(local(2024, 11, 2, 0), local(2024, 11, 5, 0), "dayRange",
                         "America/New_York")
    assert [b - a for a, b in zip(days, days[1:])] == [24 * HOUR_MS, 25 * HOUR_MS]
    months = period_starts(local(2024, 1, 15, 0), local(2024, 4, 1, 0), "monthRange",
                           "America/New_York")
    assert [datetime.fromtimestamp(m / 1000, NEW_YORK).date() for m in months] == [
        date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]


# --- parameters ---------------------------------------------------------------------------------

def test_app_id_selects_apps(resolve):
    default = resolve("events", window=LAST_30)
    assert set(default["appId"]) == {DEFAULT_APP_ID}
    mobile = resolve("events", {"appId": MOBILE_APP_ID}, LAST_30)
    assert set(mobile["appId"]) == {MOBILE_APP_ID}
    assert set(mobile["pageId"]) == {f"allevents-{MOBILE_APP_ID}"}
    both = resolve("events", {"appId": 'expandAppIds("*")'}, LAST_30)
    assert both.height == default.height + mobile.height
    assert resolve("events", {"appId": [DEFAULT_APP_ID, MOBILE_APP_ID]}, LAST_30).equals(both)
    assert resolve("events", {"appId": "expandAppIds(`mobile`)"}, LAST_30).equals(mobile)
    assert resolve("events", {"appId": 'expandAppIds("web|ios")'}, LAST_30).equals(both)
    assert resolve("events", {"appId": 'expandAppIds("android")'}, LAST_30).height == 0
    mobile_pages = resolve("pages", {"appId": MOBILE_APP_ID})
    assert set(mobile_pages["appId"]) == {MOBILE_APP_ID}


@pytest.mark.parametrize("value, message", [
    ('expandAppIds("desktop")', "unknown expandAppIds filter 'desktop'"),
    (123, "unknown appId 123"),
    ("web", "appId must be"),
    (True, "appId must be"),
])
def test_bad_app_ids_are_refused(resolve, value, message):
    with pytest.raises(PipelineError, match=re.escape(message)) as error:
        resolve("events", {"appId": value}, LAST_30)
    assert error.value.path == "pipeline[0].source.events.appId"


def test_event_class_keeps_the_named_platforms(resolve):
    every = {"appId": 'expandAppIds("*")'}
    ios = resolve("events", {**every, "eventClass": ["ios"]}, LAST_30)
    assert set(ios["appId"]) == {MOBILE_APP_ID}
    web_and_ios = resolve("events", {**every, "eventClass": ["web", "ios"]}, LAST_30)
    assert web_and_ios.equals(resolve("events", every, LAST_30))
    with pytest.raises(PipelineError, match="eventClass"):
        resolve("events", {"eventClass": "web"}, LAST_30)


def test_blacklist_apply_ignore_only(resolve):
    applied = resolve("events", window=LAST_30)
    ignored = resolve("events", {"blacklist": "ignore"}, LAST_30)
    only = resolve("events", {"blacklist": "only"}, LAST_30)
    assert resolve("events", {"blacklist": "apply"}, LAST_30).equals(applied)
    assert ignored.height == applied.height + only.height
    assert set(only["accountId"]) == {"acme-internal"}
    assert "qa-bot-1" not in set(applied["visitorId"])
    assert not applied["remoteIp"].str.starts_with("203.0.113.").any()
    with pytest.raises(PipelineError, match="blacklist must be one of apply, ignore, only"):
        resolve("events", {"blacklist": "skip"}, LAST_30)


def test_exclude_rules_are_read_when_asked(tables, resolve):
    before = resolve("events", window=LAST_30)
    visitor = before["visitorId"][0]
    rule = pl.DataFrame({"id": ["x"], "kind": ["visitorId"], "value": [visitor],
                         "createdAt": [0]})
    tables["exclude_rules"] = pl.concat([tables["exclude_rules"], rule])
    after = resolve("events", window=LAST_30)
    assert visitor not in set(after["visitorId"])
    assert after.height < before.height


def test_object_ids_filter_sources(resolve):
    dashboard = object_id("page", "Dashboard")
    assert resolve("pages", {"pageId": dashboard})["name"].to_list() == ["Dashboard"]
    rows = resolve("pageEvents", {"pageId": dashboard}, LAST_30)
    assert set(rows["pageId"]) == {dashboard}
    two = [dashboard, object_id("page", "Reports list")]
    assert set(resolve("pageEvents", {"pageIds": two}, LAST_30)["pageId"]) == set(two)
    export = object_id("feature", "Export CSV")
    assert set(resolve("featureEvents", {"featureId": export}, LAST_30)["featureId"]) == {export}
    track = object_id("tracktype", "Report Exported")
    assert set(resolve("trackEvents", {"trackTypeId": track}, LAST_30)["trackTypeId"]) == {track}
    assert resolve("trackTypes", {"trackTypeId": track})["name"].to_list() == ["Report Exported"]
    with pytest.raises(PipelineError, match="pageId must be an id string"):
        resolve("pageEvents", {"pageId": [dashboard]}, LAST_30)


@pytest.mark.parametrize("source, param, value", [
    ("pageEvents", "pageId", object_id("page", "Dashboard")),
    ("featureEvents", "featureId", object_id("feature", "Export CSV")),
    ("trackEvents", "trackTypeId", object_id("tracktype", "Search Performed")),
])
def test_hour_range_needs_an_object_id(resolve, source, param, value):
    hours = window(date(2024, 3, 12), 2, "hourRange")
    with pytest.raises(PipelineError, match=f"{source} with hourRange needs {param}"):
        resolve(source, None, hours)
    rows = resolve(source, {param: value}, hours)
    assert rows.height > 0 and (rows["hour"] % HOUR_MS == 0).all()


def test_visitors_identified_and_since(tables, resolve):
    every = resolve("visitors")
    assert every.height == tables["visitors"].height
    named = resolve("visitors", {"identified": True})
    anonymous = resolve("visitors", {"identified": False})
    assert named.height + anonymous.height == every.height
    assert anonymous["visitorId"].str.starts_with("_PENDO_T_").all()
    since = midnight(date(2024, 3, 1))
    recent = resolve("visitors", {"since": since})
    assert 0 < recent.height < every.height
    updated = recent["metadata"].struct.field("auto").struct.field("lastupdated")
    assert (updated >= since).all()
    with pytest.raises(PipelineError, match="identified must be true or false"):
        resolve("visitors", {"identified": "yes"})
    with pytest.raises(PipelineError, match="since must be epoch milliseconds"):
        resolve("visitors", {"since": "yesterday"})


def test_do_not_process_visitors_and_their_events(tables, resolve):
    flagged = resolve("doNotProcessVisitors")
    assert flagged.height == tables["visitors"]["pendo.donotprocess"].sum() > 0
    before = resolve("events", window=LAST_30)
    visitor = before["visitorId"][0]
    tables["visitors"] = tables["visitors"].with_columns(
        pl.when(pl.col("visitorId") == visitor).then(True)
        .otherwise(pl.col("pendo.donotprocess")).alias("pendo.donotprocess"))
    assert visitor in set(resolve("doNotProcessVisitors")["visitorId"])
    assert visitor not in set(resolve("events", window=LAST_30)["visitorId"])
    assert resolve("doNotProcessAccounts").height == 0


def test_guide_events_by_guide_and_step(tables, resolve):
    tour = tables["guides"].filter(pl.col("name") == "Welcome tour").row(0, named=True)
    second = tour["steps"][1]["id"]
    rows = resolve("guideEvents", {"guideId": tour["id"]}, LAST_30)
    assert set(rows["guideId"]) == {tour["id"]} and rows["guideStepId"].n_unique() == 3
    step = resolve("guideEvents", {"guideId": tour["id"], "guideStepId": second}, LAST_30)
    assert set(step["guideStepId"]) == {second} and step.height > 0
    with pytest.raises(PipelineError, match="guideStepId needs guideId"):
        resolve("guideEvents", {"guideStepId": second}, LAST_30)


def test_guides_seen_follows_the_last_view_and_resets(tables, resolve):
    ever = resolve("guidesSeenEver")
    recent = resolve("guidesSeen", window=LAST_30)
    assert 0 < recent.height < ever.height
    in_window = ever.filter(pl.col("lastSeenAt").is_between(LAST_30.start_ms, LAST_30.end_ms,
                                                            closed="left"))
    assert recent.sort(recent.columns).equals(in_window.sort(in_window.columns))
    assert (ever["firstSeenAt"] <= ever["lastSeenAt"]).all()
    assert set(ever["lastState"]) <= {"active", "advanced", "dismissed", "timeout"}
    row = ever.row(0, named=True)
    tables["guide_resets"] = pl.DataFrame({"visitorId": [row["visitorId"]], "guideId": [None],
                                           "resetAt": [int(NOW.timestamp() * 1000)]},
                                          schema=tables["guide_resets"].schema)
    after = resolve("guidesSeenEver")
    assert row["visitorId"] not in set(after["visitorId"])
    assert after.height < ever.height


def test_poll_events_and_latest_answers(tables, resolve):
    nps = tables["guides"].filter(pl.col("name") == "NPS survey").row(0, named=True)
    score, text = nps["polls"][0]["id"], nps["polls"][1]["id"]
    scores = resolve("pollEvents", {"guideId": nps["id"], "pollId": score}, LAST_30)
    assert scores.schema["pollResponse"] == pl.Int64
    assert (scores["guideTimestamp"] == scores["browserTime"]).all()
    texts = resolve("pollEvents", {"guideId": nps["id"], "pollId": text}, LAST_30)
    assert texts.schema["pollResponse"] == pl.String
    assert resolve("pollEvents", window=LAST_30).schema["pollResponse"] == pl.String
    latest = resolve("pollsSeenEver", {"guideId": nps["id"], "pollId": score})
    assert latest.select("visitorId").is_unique().all()
    assert (latest["response"] == latest["pollResponse"]).all()
    assert latest["response"].is_between(0, 10).all()
    recent = resolve("pollsSeen", {"guideId": nps["id"], "pollId": score}, LAST_30)
    assert recent.height <= latest.height and (recent["time"] >= LAST_30.start_ms).all()
    with pytest.raises(PipelineError, match="pollId needs guideId"):
        resolve("pollEvents", {"pollId": score}, LAST_30)


def test_email_events_filters(resolve):
    every = resolve("emailEvents", window=LAST_30)
    sent = resolve("emailEvents", {"eventType": "sent"}, LAST_30)
    assert set(sent["type"]) == {"email:pendo:sent"} and 0 < sent.height < every.height
    nps = object_id("guide", "NPS survey")
    guide = resolve("emailEvents", {"targetType": "guide", "targetId": nps}, LAST_30)
    assert set(guide["targetId"]) == {nps}
    with pytest.raises(PipelineError, match="targetId needs targetType"):
        resolve("emailEvents", {"targetId": nps}, LAST_30)
    with pytest.raises(PipelineError, match="eventType must be one of"):
        resolve("emailEvents", {"eventType": "read"}, LAST_30)


def test_groups_items_and_guide_categories(tables, resolve):
    areas = resolve("groups")
    assert "items" not in areas.columns and set(areas["groupType"]) == {"group"}
    with_items = resolve("groups", {"items": True})
    reporting = with_items.filter(pl.col("name") == "Reporting").row(0, named=True)
    assert {"itemType": "Page", "itemId": object_id("page", "Reports list")} in reporting["items"]
    assert reporting["length"] == len(reporting["items"])
    categories = resolve("groups", {"groupType": "guideCategory", "items": True})
    kinds = {item["itemType"] for items in categories["items"] for item in items}
    assert kinds == {"Guide"}


def test_object_sources_ignore_windows_and_listen_sources(resolve):
    assert resolve("pages", window=LAST_30).equals(resolve("pages"))
    assert resolve("vocItems").height > 0 and resolve("votes").height > 0
    assert set(resolve("apps")["id"]) == {DEFAULT_APP_ID, MOBILE_APP_ID}


@pytest.mark.parametrize("name, params, win, message, path", [
    ("eventz", None, LAST_30, "unknown source 'eventz'", "pipeline[0].source"),
    ("events", {"pageId": "x"}, LAST_30, "events does not take 'pageId'",
     "pipeline[0].source.events.pageId"),
    ("pageEvents", None, None, "pageEvents needs a timeSeries", "pipeline[0].source"),
    ("groups", {"groupType": "area"}, None, "groupType must be",
     "pipeline[0].source.groups.groupType"),
])
def test_bad_requests_name_the_problem(resolve, name, params, win, message, path):
    with pytest.raises(PipelineError, match=re.escape(message)) as error:
        resolve(name, params, win)
    assert error.value.path == path


# --- shapes against Pendo's samples ------------------------------------------------------------

def first_sample_row(name: str) -> dict:
    """The first row of one of Pendo's sample outputs (the files are trimmed, so the JSON
    is not closed: decode just the first object of ``results``)."""
    text = (SAMPLES / name).read_text()
    return json.JSONDecoder().raw_decode(text, text.index("{", text.index('"results"')))[0]


def json_rows(frame: pl.DataFrame) -> list[dict]:
    return orjson.loads(frame.write_json())


def json_type(value) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
            dict: "object", type(None): "null"}[type(value)]


@pytest.mark.parametrize("sample, source", [
    ("Page_Events_Data_Sample_Page_Event_Data.txt", "pageEvents"),
    ("Feature_Events_Data_Sample_Feature_Event_Data.txt", "featureEvents"),
])
def test_grouped_rows_have_the_samples_fields_and_types(resolve, sample, source):
    expected = first_sample_row(sample)
    row = json_rows(resolve(source, window=LAST_30).head(1))[0]
    assert set(expected) <= set(row)
    assert set(row) - set(expected) <= {"parameters"}
    assert {k: json_type(v) for k, v in expected.items()} == \
        {k: json_type(row[k]) for k in expected}


def test_visitor_rows_have_the_samples_metadata(resolve):
    expected = first_sample_row("User_Data_Sample_Visitor_Data.txt")
    rows = json_rows(resolve("visitors", {"identified": True}))
    row = next(r for r in rows if r["metadata"]["salesforce"] and r["metadata"]["auto__323232"])
    assert set(row) == set(expected)
    for group, fields in expected["metadata"].items():
        assert set(fields) <= set(row["metadata"][group]), group
        for field, value in fields.items():
            assert json_type(row["metadata"][group][field]) == json_type(value), (group, field)


def test_account_rows_carry_the_fields_pendos_example_selects(resolve):
    row = json_rows(resolve("accounts"))[0]
    metadata = row["metadata"]
    assert {"firstvisit", "lastupdated", "lastvisit", "idhash"} <= set(metadata["auto"])
    assert "name" in metadata["agent"]
    assert {"arrannuallyrecurringrevenue", "customersuccessmanager", "industry", "planlevel",
            "renewaldate", "totallicenses"} <= set(metadata["custom"])


def test_every_source_resolves_with_sorted_columns(resolve):
    for name in SOURCES:
        rows = resolve(name, window=LAST_30)
        assert rows.columns == sorted(rows.columns), name


# --- caching -----------------------------------------------------------------------------------

def test_results_are_cached_until_a_table_is_replaced(tables, config):
    resolver = SourceResolver(tables, config)
    first = resolver(spec("events", None, LAST_30)).collect()
    again = resolver(spec("events", None, LAST_30)).collect()
    assert again.equals(first)
    tables["events"] = tables["events"].filter(pl.col("type") != "feature")
    changed = resolver(spec("events", None, LAST_30)).collect()
    assert changed["numEvents"].sum() < first["numEvents"].sum()
