"""The synthetic subscription: determinism, shapes, and believable behaviour."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest
from ua_parser import parse

from pendo_lab._exceptions import ValidationError
from pendo_lab.sandbox._synth import WRITE_TABLES, SandboxConfig, build_tables
from pendo_lab.sandbox._synth_catalog import DEFAULT_APP_ID, MOBILE_APP_ID, object_id

NOW = datetime(2024, 3, 20, 16, 0, tzinfo=timezone.utc)
NEW_YORK = ZoneInfo("America/New_York")
DAY_MS = 86_400_000
TABLES = {"accounts", "apps", "datasync_credentials", "email_events", "events", "exclude_rules",
          "features", "feedback", "groups", "guide_events", "guide_resets", "guide_translations",
          "guide_versions", "guides", "metadata_schema", "pages", "poll_events", "reports",
          "segment_members", "segments", "track_types", "visitor_accounts", "visitors", "votes"}


@pytest.fixture(scope="module")
def config():
    return SandboxConfig(seed=11, now=NOW)


@pytest.fixture(scope="module")
def tables(config):
    return build_tables(config)


@pytest.fixture(scope="module")
def activity(tables):
    """Events per visitor and per local day."""
    events = tables["events"].with_columns(
        local=pl.from_epoch("browserTime", "ms").dt.replace_time_zone("UTC")
        .dt.convert_time_zone("America/New_York"))
    return events.with_columns(date=pl.col("local").dt.date())


# --- determinism and configuration ------------------------------------------------------------

def test_same_seed_and_clock_give_identical_tables(config, tables):
    again = build_tables(config)
    assert set(again) == set(tables) == TABLES
    for name, frame in tables.items():
        assert again[name].equals(frame), name


def test_the_tables_only_writes_fill_start_empty_with_their_columns(tables):
    for name, schema in WRITE_TABLES.items():
        assert tables[name].is_empty() and tables[name].schema == schema, name
    assert tables["guide_versions"].is_empty()
    assert tables["guide_versions"].schema == tables["guides"].schema
    schema = tables["metadata_schema"]
    assert schema["isDeleted"].dtype == pl.Boolean and not schema["isDeleted"].any()
    assert schema["deletedValues"].dtype == pl.String and schema["deletedValues"].is_null().all()


def test_a_different_seed_changes_behaviour_but_not_the_catalogue(tables):
    other = build_tables(SandboxConfig(seed=12, now=NOW))
    assert not other["events"].equals(tables["events"])
    assert not other["visitors"]["visitorId"].equals(tables["visitors"]["visitorId"])
    assert other["pages"].equals(tables["pages"])
    assert other["guides"]["id"].to_list() == tables["guides"]["id"].to_list()


def test_the_log_ends_at_the_clock_and_spans_the_days(config, tables):
    times = tables["events"]["browserTime"]
    now_ms = int(NOW.timestamp() * 1000)
    assert times.max() < now_ms
    assert times.min() >= now_ms - config.days * DAY_MS
    assert times.min() < now_ms - (config.days - 2) * DAY_MS
    assert times.is_sorted()


def test_without_a_clock_the_real_time_is_used_truncated_to_the_minute():
    clock = SandboxConfig().with_clock().now
    assert clock.second == 0 and clock.microsecond == 0
    assert abs(datetime.now(timezone.utc) - clock) < timedelta(minutes=2)
    assert SandboxConfig(now=NOW).with_clock().now == NOW


@pytest.mark.parametrize("bad", [
    {"days": 0}, {"n_visitors": 0}, {"n_accounts": 0}, {"anonymous_share": 1.5},
    {"timezone": "Mars/Olympus"}, {"now": datetime(2024, 3, 20)},
])
def test_bad_configuration_is_refused_with_the_field_named(bad):
    with pytest.raises(ValidationError, match=next(iter(bad))):
        SandboxConfig(**bad)


def test_sizes_follow_the_config():
    small = build_tables(SandboxConfig(n_visitors=50, n_accounts=5, days=20, now=NOW))
    assert small["visitors"].height == 50 + 2            # plus the two internal QA bots
    assert small["accounts"].height == 5 + 1             # plus the internal account
    assert small["events"]["browserTime"].min() >= int(NOW.timestamp() * 1000) - 20 * DAY_MS


def test_the_large_preset_has_a_million_raw_events():
    large = SandboxConfig.large(now=NOW)
    assert large.n_visitors > SandboxConfig().n_visitors
    assert build_tables(large)["events"].height >= 1_000_000


# --- shapes ------------------------------------------------------------------------------------

def test_event_log_columns_and_types(tables):
    schema = tables["events"].schema
    assert schema["browserTime"] == pl.Int64 and schema["appId"] == pl.Int64
    for column in ("visitorId", "accountId", "type", "url", "server", "remoteIp", "userAgent",
                   "elementPath", "trackTypeId"):
        assert schema[column] == pl.String, column
    assert isinstance(schema["properties"], pl.Struct)
    events = tables["events"]
    assert set(events["type"]) == {"page", "feature", "track"}
    assert events.filter(pl.col("type") == "feature")["elementPath"].null_count() == 0
    assert events.filter(pl.col("type") == "track")["trackTypeId"].null_count() == 0
    assert events.filter(pl.col("type") == "page")["url"].str.contains("://").all()


def test_apps_visitors_and_accounts(tables):
    apps = dict(zip(tables["apps"]["id"], tables["apps"]["platform"]))
    assert apps[DEFAULT_APP_ID] == "web" and apps[MOBILE_APP_ID] == "ios"
    ids = tables["visitors"]["visitorId"]
    anonymous = ids.filter(ids.str.starts_with("_PENDO_T_"))
    assert 0 < anonymous.len() < ids.len() / 2
    assert ids.n_unique() == ids.len()
    per_visitor = tables["visitor_accounts"].group_by("visitorId").len()
    assert per_visitor["len"].max() >= 2                 # some visitors in several accounts
    assert set(tables["events"]["appId"]) == {DEFAULT_APP_ID, MOBILE_APP_ID}
    anonymous_events = tables["events"].filter(pl.col("visitorId").is_in(anonymous.implode()))
    assert (anonymous_events["accountId"] == "").all()


def test_metadata_groups_and_auto_fields(tables):
    columns = set(tables["visitors"].columns)
    auto = {"accountid", "accountids", "firstvisit", "id", "idhash", "lastbrowsername",
            "lastbrowserversion", "lastoperatingsystem", "lastservername", "lastupdated",
            "lastuseragent", "lastvisit", "nid"}
    assert {f"auto.{field}" for field in auto} <= columns
    assert {"agent.email", "custom.department", "auto__323232.firstvisit",
            f"auto_{MOBILE_APP_ID}.lastvisit", "pendo.donotprocess"} <= columns
    renewals = tables["accounts"]["custom.renewaldate"]
    assert (renewals > int(NOW.timestamp() * 1000)).all()          # dates ahead, not durations
    schema = tables["metadata_schema"]
    assert set(schema["group"]) >= {"auto", "agent", "custom"}
    assert schema.filter(pl.col("field") == "planlevel")["kind"].to_list() == ["account"]


def test_auto_metadata_is_read_off_the_log(tables):
    log = tables["events"].group_by("visitorId").agg(
        first=pl.col("browserTime").min(), last=pl.col("browserTime").max(),
        first_web=pl.col("browserTime").filter(pl.col("appId") == DEFAULT_APP_ID).min())
    joined = tables["visitors"].join(log, on="visitorId")
    assert (joined["auto.firstvisit"] <= joined["first"]).all()
    browser = tables["events"].filter(pl.col("userAgent") != "").group_by("visitorId").agg(
        last_browser=pl.col("browserTime").max())
    with_browser = joined.join(browser, on="visitorId")
    assert (with_browser["auto.lastvisit"] == with_browser["last_browser"]).all()
    assert (joined["auto__323232.firstvisit"].eq_missing(joined["first_web"])).all()


def test_objects_have_rules_steps_polls_and_goals(tables):
    pages = tables["pages"]
    assert pages["rules"].list.len().min() >= 1
    assert pages.filter(pl.col("rules").list.first().struct.field("rule")
                        .str.contains(r"\*parameter\*")).height >= 1
    guides = {row["name"]: row for row in tables["guides"].iter_rows(named=True)}
    nps = guides["NPS survey"]
    assert [p["attributes"]["type"] for p in nps["polls"]] == ["NumberScale", "FreeForm"]
    assert nps["polls"][0]["numericResponses"] == list(range(11))
    assert guides["Welcome tour"]["conversion"]["itemId"] == object_id("feature", "Create report")
    assert len(guides["Welcome tour"]["steps"]) == 3
    kinds = {p["attributes"]["type"] for g in guides.values() for p in g["polls"]}
    assert {"PickList", "YesNo"} <= kinds
    assert set(tables["groups"]["groupType"]) == {"group", "guideCategory"}


def test_segments_reports_feedback_votes_and_exclude_rules(tables):
    members = tables["segment_members"].join(tables["segments"], left_on="segmentId",
                                             right_on="id")
    assert members.filter(pl.col("memberType") == "visitor")["visitorId"].null_count() == 0
    assert tables["reports"]["definition"].struct.field("generator").to_list()[:2] == \
        ["visitorList", "accountList"]
    ideas = tables["feedback"].filter(pl.col("type") == "idea")["id"]
    assert tables["votes"]["vocItemId"].is_in(ideas.implode()).all()
    assert set(tables["exclude_rules"]["kind"]) == {"visitorId", "accountId", "remoteIp"}
    internal = tables["events"].filter(pl.col("accountId") == "acme-internal")
    assert internal.height > 0 and internal["remoteIp"].str.starts_with("203.0.113.").all()


def test_guide_poll_and_email_events(tables):
    assert set(tables["guide_events"]["type"]) == {
        "guideSeen", "guideActivity", "guideAdvanced", "guideDismissed", "guideTimeout"}
    assert tables["email_events"]["type"].str.starts_with("email:pendo:").all()
    polls = tables["poll_events"]
    assert set(polls["type"]) == {"Web App", "Email"}
    _, score_id, text_id = _nps_ids(tables)
    scores = polls.filter(pl.col("pollId") == score_id)["pollResponse"].cast(pl.Int64)
    assert scores.min() >= 0 and scores.max() <= 10
    choice_ids = {r["id"] for g in tables["guides"]["polls"] for p in g for r in p["idResponses"]}
    others = polls.filter(~pl.col("pollId").is_in([score_id, text_id]))["pollResponse"]
    assert others.len() > 0 and set(others) <= choice_ids


def _nps_ids(tables):
    nps = tables["guides"].filter(pl.col("name") == "NPS survey").row(0, named=True)
    return nps["id"], nps["polls"][0]["id"], nps["polls"][1]["id"]


def test_nps_follow_ups_come_within_100_ms_of_the_score(tables):
    _, score_id, text_id = _nps_ids(tables)
    polls = tables["poll_events"]
    paired = polls.filter(pl.col("pollId") == text_id).join(
        polls.filter(pl.col("pollId") == score_id), on="visitorId", suffix="_score")
    assert paired.height > 0
    gap = (paired["browserTime"] - paired["browserTime_score"]).abs()
    assert (paired.with_columns(gap=gap).group_by("visitorId").agg(pl.col("gap").min())
            ["gap"] < 100).all()


# --- behaviour --------------------------------------------------------------------------------

def test_weekdays_are_busier_than_weekends(activity):
    per_day = activity.group_by("date").len().with_columns(
        weekend=pl.col("date").dt.weekday() >= 6)
    means = dict(per_day.group_by("weekend").agg(pl.col("len").mean()).iter_rows())
    assert means[False] > 2 * means[True]


def test_activity_is_heavy_tailed(tables):
    counts = np.sort(tables["events"].group_by("visitorId").len()["len"].to_numpy())[::-1]
    top_tenth = counts[: max(1, len(counts) // 10)].sum()
    assert top_tenth > 0.35 * counts.sum()
    assert counts[0] > 10 * np.median(counts)


def test_new_visitors_arrive_throughout_the_log(config, tables):
    start = int(NOW.timestamp() * 1000) - config.days * DAY_MS
    first = tables["visitors"]["auto.firstvisit"]
    arrivals = first.filter(first >= start)
    thirds = ((arrivals - start) // (config.days * DAY_MS // 3)).value_counts()
    assert thirds.height == 3 and thirds["count"].min() > 10
    assert first.filter(first < start).len() > 0          # and others were there before


def test_some_visitors_drop_and_some_come_back(activity):
    days = activity.select("visitorId", "date").unique().sort("visitorId", "date")
    gaps = days.with_columns(gap=pl.col("date").diff().over("visitorId").dt.total_days())
    recovered = gaps.filter(pl.col("gap") >= 21)["visitorId"].n_unique()
    last_seen = days.group_by("visitorId").agg(pl.col("date").max())
    end = activity["date"].max()
    dropped = last_seen.filter(pl.col("date") < end - timedelta(days=30)).height
    assert recovered >= 5 and dropped >= 20


def test_adoption_differs_by_feature(tables):
    web = tables["events"].filter(pl.col("appId") == DEFAULT_APP_ID)
    users = web["visitorId"].n_unique()
    share = (web.filter(pl.col("type") == "feature").group_by("elementPath")
             .agg(pl.col("visitorId").n_unique() / users)["visitorId"])
    assert share.max() > 0.6 and share.min() < 0.1


def test_guide_exposure_lifts_conversion(tables):
    tour = tables["guides"].filter(pl.col("name") == "Welcome tour").row(0, named=True)
    goal = tables["features"].filter(pl.col("id") == tour["conversion"]["itemId"])
    selector = goal["elementPathRules"][0][0]
    seen = (tables["guide_events"].filter((pl.col("guideId") == tour["id"])
                                          & (pl.col("type") == "guideSeen"))
            .group_by("visitorId").agg(seenAt=pl.col("browserTime").min()))
    clicks = tables["events"].filter(pl.col("elementPath").str.contains(re.escape(selector)))
    converted = clicks.join(seen, on="visitorId").filter(pl.col("browserTime") > pl.col("seenAt"))
    conversion = converted["visitorId"].n_unique() / seen.height
    unexposed = tables["events"].filter(~pl.col("visitorId").is_in(seen["visitorId"].implode())
                                        & (pl.col("appId") == DEFAULT_APP_ID))
    baseline = clicks.filter(pl.col("visitorId").is_in(unexposed["visitorId"].implode()))[
        "visitorId"].n_unique() / unexposed["visitorId"].n_unique()
    assert seen.height >= 30
    assert conversion > baseline + 0.15


def test_nps_rises_with_activity(tables):
    _, score_id, _ = _nps_ids(tables)
    scores = tables["poll_events"].filter(pl.col("pollId") == score_id).select(
        "visitorId", score=pl.col("pollResponse").cast(pl.Int64))
    counts = tables["events"].group_by("visitorId").len()
    joined = scores.join(counts, on="visitorId")
    assert joined.height >= 30
    assert np.corrcoef(joined["score"], np.log1p(joined["len"]))[0, 1] > 0.2


def test_several_browsers_systems_and_devices(tables):
    agents = [parse(ua) for ua in tables["events"]["userAgent"].unique() if ua]
    assert len({a.user_agent.family for a in agents if a.user_agent}) >= 5
    assert {"Windows", "Mac OS X", "iOS", "Android"} <= {a.os.family for a in agents if a.os}
    assert {"iPhone", "iPad"} <= {a.device.family for a in agents if a.device}
    assert {"desktop", "server"} <= {"server" if s == "apitrackevent" else "desktop"
                                     for s in tables["events"]["server"].unique()}


def test_activity_follows_the_subscription_timezone_working_day(activity):
    hours = activity.filter(pl.col("accountId") != "")["local"].dt.hour()
    daytime = hours.is_between(8, 19).mean()
    assert daytime > 0.6
