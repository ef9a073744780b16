"""Every aggregation example of Pendo's API reference runs on the sandbox and returns rows of
the documented shape.

The bodies are the restored ones in ``tests/data/reference_examples`` (see its ``index.json``).
Their placeholders (``{{appId}}``, ``exampleVisitor``, ``INSERT SEGMENT ID HERE``...) are
replaced, as text, by real ids of the sandbox; where the data cannot answer a body as written
the text is adapted the least that makes it answer, and :data:`ADAPTED` says why. Each example
must return rows, with the fields the reference documents for it (:data:`FIELDS`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import polars as pl
import pytest

from pendo_lab.pipeline._relaxed import loads_relaxed

EXAMPLES = Path(__file__).parents[1] / "data" / "reference_examples"
INDEX = orjson.loads((EXAMPLES / "index.json").read_bytes())
DEFAULT_APP = -323232

_EVENT_ROW = {"accountId", "appId", "numEvents"}   # the reference's grouped-event attributes
_GUIDE_ROW = {"accountIds", "browserTime", "country", "elementPath", "eventId", "type",
              "guideId", "guideSeenReason", "guideStepId"}
_SEEN_ROW = {"guideId", "guideStepId", "visitorId", "firstSeenAt", "lastAdvancedAutoAt",
             "lastDismissedAutoAt", "lastNotSeenAt", "lastSeenAt", "lastTimeoutAt"}
_POLLS_SEEN_ROW = {"time", "guideId", "pollId", "visitorId", "accountId", "pollResponse"}

#: Per example: "exactly" the fields a select/group/reduce names, or "at least" the response
#: attributes the reference documents for the source (rows may carry more). The PES family's
#: row shape is not documented by Pendo: the names are the engine's INFERRED ones.
FIELDS = {
    "01_anatomy_of_an_aggregation.jsonc": ("exactly", {"visitorId", "numEvents"}),
    "02_track_events.jsonc": ("at least", _EVENT_ROW | {"day", "trackTypeId", "numMinutes",
                                                       "remoteIp", "server"}),
    "03_guide_events.jsonc": ("at least", _GUIDE_ROW),
    "04_guides_seen_ever.jsonc": ("at least", _SEEN_ROW),
    "05_poll_events.jsonc": ("at least", (_GUIDE_ROW - {"guideSeenReason"}) | {"guideTimestamp"}),
    "06_polls_seen.jsonc": ("at least", _POLLS_SEEN_ROW),
    "07_polls_seen_ever.jsonc": ("at least", _POLLS_SEEN_ROW),
    "08_email_events.jsonc": ("at least", {"accountIds", "browserTime", "eventId", "type",
                                           "visitorId"}),
    "09_pes.jsonc": ("exactly", {"accountId", "pes", "adoption", "stickiness", "growth"}),
    "10_pes_minimal.jsonc": ("exactly", {"pes", "adoption", "stickiness", "growth"}),
    "11_adoption.jsonc": ("exactly", {"accountId", "adoption"}),
    "12_adoption_minimal.jsonc": ("exactly", {"adoption"}),
    "13_growth.jsonc": ("at least", {"accountId", "growth"}),
    "14_growth_minimal.jsonc": ("at least", {"growth"}),
    "15_stickiness.jsonc": ("exactly", {"accountId", "stickiness"}),
    "16_stickiness_minimal.jsonc": ("exactly", {"stickiness"}),
    "17_visitors_by_segment_id.jsonc": ("exactly", {"visitorId", "accountId"}),
    "18_active_visitors_per_hour.jsonc": ("exactly", {"hour", "activeVisitors"}),
    "19_events_by_visitor.jsonc": ("exactly", {"totalEvents"}),
    "20_events_by_account.jsonc": ("exactly", {"totalEvents"}),
    "21_usage_by_browser.jsonc": ("exactly", {"name", "version", "count"}),
    "22_page_events_with_parameters.jsonc": ("at least", _EVENT_ROW | {"day", "pageId",
                                                                      "parameters"}),
    "23_guide_events_and_guide_categories.jsonc": ("at least", _GUIDE_ROW | {"guideCategory"}),
    "24_guide_elements_metrics.jsonc": ("exactly", {"visitorId", "guideId", "uiElementId",
                                                    "uiElementType", "uiElementText",
                                                    "uiElementActions", "browserTime"}),
    "25_guide_goals.jsonc": ("exactly", {"converted"}),
    "26_nps.jsonc": ("exactly", {"metadataField", "numPromoters", "numDetractors", "numPassives",
                                 "numResponses", "summedResponses", "avgScore", "npsScore"}),
    "27_add_product_area_to_responses.jsonc": ("exactly", {"pageId", "pageName", "productArea",
                                                           "rules"}),
    "28_add_application_name.jsonc": ("at least", _EVENT_ROW | {"day", "featureId", "appName"}),
}

#: Placeholders standing for a number: Pendo writes ``{{appId}}`` unquoted, the restored
#: bodies quote it, and the replacement drops the quotes again.
NUMBERS = {"{{appId}}"}
#: Text changes beyond the placeholders, and why.
ADAPTED = {
    # The sandbox's log covers the 90 days before its clock, not April 2022.
    '"date(\\"2022-04-01\\")"': '"date(\\"2026-10-01\\")"',
    '"date(\\"2022-04-30\\")"': '"date(\\"2026-10-31\\")"',
    # Pendo's guide-goals body leaves every itemSeenInfo line commented out, as it says.
    '// "pageId": "xxxxx"': '"pageId": "{page}"',
}


def local_day(ms: int, timezone: str) -> date:
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone)).date()


@pytest.fixture(scope="module")
def ids(shared_box) -> dict[str, str]:
    """Real ids for the placeholders: each one chosen so its example has data to answer."""
    tables, today = shared_box.tables, local_day(shared_box.state.now_ms(), shared_box.timezone)
    events = tables["events"].filter(
        pl.col("appId") == DEFAULT_APP, pl.col("type") != "track", pl.col("accountId") != "",
        ~pl.col("visitorId").str.starts_with("_PENDO_T_"),
    ).with_columns(day=pl.col("browserTime").map_elements(
        lambda ms: local_day(ms, shared_box.timezone), return_dtype=pl.Date))
    seen_today = events.filter(pl.col("day") == today)
    seen_before = events.filter(pl.col("day").is_between(today - timedelta(days=10),
                                                         today - timedelta(days=1)))
    visitor = sorted(set(seen_today["visitorId"]) & set(seen_before["visitorId"]))[0]
    segment = tables["segments"].filter(memberType="visitor", createdViaApi=True)["id"][0]
    members = tables["segment_members"].filter(segmentId=segment)["visitorId"].implode()
    october = events.filter(pl.col("visitorId").is_in(members),
                            pl.col("day").dt.month() == 10)
    guide = tables["guides"].filter(name="Welcome tour").row(0, named=True)
    nps = tables["guides"].filter(name="NPS survey").row(0, named=True)
    web = {name: tables[name].filter(appId=DEFAULT_APP)["id"][0]
           for name in ("pages", "features", "track_types")}
    return {
        "{{appId}}": str(DEFAULT_APP),
        "{{accountId}}}": october["accountId"].mode().sort()[0],
        "{{accountId}}": october["accountId"].mode().sort()[0],
        "{{segmentId}}": segment,
        "{{productAreaId}}": tables["groups"].filter(groupType="group")["id"][0],
        "{{featureId}}": web["features"],
        "{{trackEventId}}": web["track_types"],
        "{{pageId}}}": web["pages"],
        "exampleVisitor": visitor,
        "exampleAccount": seen_today["accountId"].mode().sort()[0],
        "Q841GXTP6iPMcJK7YNKDpmCmtDs":
            tables["email_events"].filter(targetType="campaign")["targetId"][0],
        "INSERT SEGMENT ID HERE": segment,
        "insertGuideId": guide["id"],
        "insertStepId": guide["steps"][0]["id"],
        "{guideId}": nps["id"],
        "{pollId}": nps["polls"][0]["id"],
        "page": web["pages"],
    }


def example_text(entry: dict, ids: dict[str, str]) -> str:
    """An example's body with its placeholders replaced and :data:`ADAPTED` applied."""
    text = (EXAMPLES / entry["file"]).read_text(encoding="utf-8")
    for placeholder in entry["placeholders"]:
        old = f'"{placeholder}"' if placeholder in NUMBERS else placeholder
        text = text.replace(old, ids[placeholder])
    for old, new in ADAPTED.items():
        text = text.replace(old, new.format(page=ids["page"]))
    return text


def test_every_example_has_a_fields_entry():
    assert set(FIELDS) == {entry["file"] for entry in INDEX}


@pytest.mark.parametrize("entry", INDEX, ids=[entry["file"][:-6] for entry in INDEX])
def test_example_returns_rows_of_the_documented_shape(shared_client, ids, entry):
    text = example_text(entry, ids)
    body = orjson.dumps(loads_relaxed(text)).decode()        # the comments still name them
    assert not any(placeholder in body for placeholder in entry["placeholders"])
    rows = shared_client.aggregation.raw(text)["results"]
    assert rows, f"{entry['file']} returned no rows"
    mode, fields = FIELDS[entry["file"]]
    for row in rows:
        if mode == "exactly":
            assert set(row) == fields
        else:
            assert fields <= set(row), sorted(fields - set(row))


def test_email_events_leave_out_what_the_reference_says_they_do_not_include(shared_client, ids):
    entry = next(e for e in INDEX if e["source"] == "emailEvents")
    rows = shared_client.aggregation.raw(example_text(entry, ids))["results"]
    assert rows and all(row["type"] == "email:pendo:sent" for row in rows)
    assert not {"remoteIp", "serverName", "url"} & {key for row in rows for key in row}


def test_events_by_visitor_sums_the_raw_log(shared_box, shared_client, ids):
    entry = next(e for e in INDEX if e["file"].startswith("19_"))
    (row,) = shared_client.aggregation.raw(example_text(entry, ids))["results"]
    today = local_day(shared_box.state.now_ms(), shared_box.timezone)
    raw = shared_box.tables["events"].filter(
        pl.col("visitorId") == ids["exampleVisitor"], pl.col("appId") == DEFAULT_APP,
        pl.col("type") != "track")
    assert row["totalEvents"] == sum(
        1 for ms in raw["browserTime"] if local_day(ms, shared_box.timezone) == today)


def test_pes_is_the_mean_of_its_components(shared_client, ids):
    entry = next(e for e in INDEX if e["file"].startswith("10_"))
    (row,) = shared_client.aggregation.raw(example_text(entry, ids))["results"]
    parts = [row[name] for name in ("adoption", "stickiness", "growth")]
    assert all(0 <= part <= 100 for part in parts)
    assert row["pes"] == pytest.approx(sum(parts) / 3)


def test_minimal_adoption_uses_the_apps_core_events(shared_client, ids):
    entry = next(e for e in INDEX if e["file"].startswith("12_"))
    (row,) = shared_client.aggregation.raw(example_text(entry, ids))["results"]
    assert 0 < row["adoption"] < 100


def test_guide_goals_count_visitors_who_used_the_page_after_seeing_the_guide(shared_box,
                                                                             shared_client, ids):
    entry = next(e for e in INDEX if e["file"].startswith("25_"))
    (row,) = shared_client.aggregation.raw(example_text(entry, ids))["results"]
    saw = shared_box.tables["guide_events"].filter(guideId=ids["insertGuideId"], type="guideSeen")
    assert 0 < row["converted"] <= saw["visitorId"].n_unique()
