"""Sandbox endpoints: track, visitors, accounts, bulk delete, reports, Data Sync, feedback, and
unknown ids on pages/features/track types.

Each client test runs four ways (``box_client``: in process and over HTTP, sync and async) and
checks the answer, the sandbox's tables and what aggregations then return. Error cases the
client refuses locally are sent raw (``raw``: in process and over HTTP).
"""

from __future__ import annotations

import base64
from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import pendo_lab
from pendo_lab.sandbox import TRACK_SECRET

pytestmark = pytest.mark.filterwarnings("ignore:.*more than 7 days old:UserWarning")

WEB_APP = -323232
DAY_MS = 86_400_000
ALL_APPS = 'expandAppIds("*")'


def rows(run, client, pipeline) -> pl.DataFrame:
    return run(client.aggregate(pipeline))


def last_week(source: str, params: dict | None = None) -> list[dict]:
    """A pipeline over the seven whole days before the sandbox clock's day."""
    return [{"source": {source: params, "timeSeries": {"period": "dayRange", "first": "now()",
                                                       "count": -7}}}]


def local_midnight(ms: int, timezone: str) -> int:
    day = datetime.fromtimestamp(ms / 1000, ZoneInfo(timezone)).date()
    return int(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).timestamp()
               * 1000)


def busy_visitor(box) -> tuple[str, str]:
    """An identified web visitor (and account) with events in the last week, not excluded."""
    recent = box.tables["events"].filter(
        pl.col("browserTime") >= box.state.now_ms() - 5 * DAY_MS, pl.col("appId") == WEB_APP,
        ~pl.col("visitorId").str.starts_with("_PENDO_T_"), pl.col("accountId") != "acme-internal")
    top = recent.group_by("visitorId", "accountId").len().sort("len", "visitorId",
                                                               descending=True)
    return top["visitorId"][0], top["accountId"][0]


# --- track -------------------------------------------------------------------------------------

def test_track_event_lands_in_the_log_and_the_track_events_source(box, box_client, run):
    visitor, account = busy_visitor(box)
    types = box.tables["track_types"]
    plan_upgraded = types.filter(pl.col("name") == "Plan Upgraded")["id"][0]
    when = box.state.now_ms() - DAY_MS
    per_visitor = last_week("trackEvents", {"trackTypeId": plan_upgraded}) + [
        {"filter": f'visitorId == "{visitor}"'}, {"reduce": {"n": {"sum": "numEvents"}}}]
    before = rows(run, box_client, per_visitor)["n"][0] or 0
    events_before = box.tables["events"].height

    answer = run(box_client.track.send("Plan Upgraded", visitor, account_id=account,
                                       timestamp=when, properties={"plan": "enterprise"}))

    assert answer == {"status": "ok"}
    assert box.tables["track_types"].height == types.height
    log = box.tables["events"]
    assert log.height == events_before + 1
    assert log["browserTime"].is_sorted()
    added = log.filter(pl.col("browserTime") == when, pl.col("visitorId") == visitor)
    assert added.select("type", "server", "appId", "accountId", "trackTypeId").row(0) == \
        ("track", "apitrackevent", WEB_APP, account, plan_upgraded)
    assert added["properties"].struct.field("plan").to_list() == ["enterprise"]
    assert rows(run, box_client, per_visitor)["n"][0] == before + 1


def test_unknown_event_name_creates_a_track_type(box, box_client, run):
    visitor, account = busy_visitor(box)
    when = box.state.now_ms() - DAY_MS - 7_200_000
    run(box_client.track.send("Report Scheduled", visitor, account_id=account, timestamp=when,
                              properties={"cadence": "weekly", "recipients": 3},
                              context={"ip": "198.51.100.7", "userAgent": "curl/8.0"}))

    created = box.tables["track_types"].filter(pl.col("name") == "Report Scheduled")
    assert created.select("appId", "trackTypeName", "eventPropertyNameList").row(0) == \
        (WEB_APP, "Report Scheduled", ["cadence", "recipients"])
    type_id = created["id"][0]
    assert run(box_client.track_types.get(type_id))["name"] == "Report Scheduled"
    listed = rows(run, box_client, [{"source": {"trackTypes": None}}])
    assert type_id in listed["id"].to_list()
    found = rows(run, box_client, last_week("trackEvents", {"trackTypeId": type_id}))
    assert found.select("visitorId", "remoteIp", "userAgent", "numEvents").rows() == \
        [(visitor, "198.51.100.7", "curl/8.0", 1)]
    properties = found["properties"].struct
    assert (properties.field("cadence")[0], properties.field("recipients")[0]) == ("weekly", "3")


def test_a_second_event_of_a_new_name_reuses_its_type(box, box_client, run):
    now = box.state.now_ms()
    for offset in (1, 2):
        run(box_client.track.send("Webhook Fired", "v-webhooks", timestamp=now - offset * 1000))
    assert box.tables["track_types"].filter(pl.col("name") == "Webhook Fired").height == 1
    log = box.tables["events"].filter(pl.col("visitorId") == "v-webhooks")
    assert log["accountId"].to_list() == ["", ""]
    assert log["trackTypeId"].n_unique() == 1


@pytest.mark.parametrize("body,field", [
    (b"not json", "body"),
    (b"[1, 2]", "body"),
    (b'{"event": "a", "visitorId": "v", "timestamp": 1790000000000}', "type"),
    (b'{"type": "page", "event": "a", "visitorId": "v", "timestamp": 1790000000000}', "type"),
    (b'{"type": "track", "event": " ", "visitorId": "v", "timestamp": 1790000000000}', "event"),
    (b'{"type": "track", "event": "a", "timestamp": 1790000000000}', "visitorId"),
    (b'{"type": "track", "event": "a", "visitorId": "v", "timestamp": "now"}', "timestamp"),
    (b'{"type": "track", "event": "a", "visitorId": "v", "timestamp": 1790000000000, '
     b'"properties": [1]}', "properties"),
])
def test_bad_track_bodies_are_400(box, raw, body, field):
    before = box.tables["events"]
    answer = raw.post("/data/track", content=body,
                      headers={"x-pendo-integration-key": TRACK_SECRET})
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert message.startswith("Error unmarshalling track event data")
    assert field in message
    assert box.tables["events"] is before


def test_track_needs_the_track_secret_not_the_integration_key(box, raw):
    body = {"type": "track", "event": "a", "visitorId": "v", "timestamp": 1790000000000}
    assert raw.post("/data/track", json=body).status_code == 401
    assert raw.post("/data/track", json=body,
                    headers={"x-pendo-integration-key": TRACK_SECRET}).status_code == 200


def test_events_of_do_not_process_visitors_are_not_recorded(box, box_client, run):
    visitor, _ = busy_visitor(box)
    run(box_client.bulk_delete.visitors([visitor]))
    before = box.tables["events"]
    run(box_client.track.send("Plan Upgraded", visitor, timestamp=box.state.now_ms() - 1000))
    assert box.tables["events"] is before


# --- visitors and accounts ---------------------------------------------------------------------

def test_get_visitor_builds_the_visitor_object(box, box_client, run):
    visitor, _ = busy_visitor(box)
    found = run(box_client.visitors.get(visitor))
    row = box.tables["visitors"].filter(pl.col("visitorId") == visitor).row(0, named=True)
    links = box.tables["visitor_accounts"].filter(pl.col("visitorId") == visitor)
    assert found["id"] == visitor
    assert sorted(found["accountIds"]) == sorted(links["accountId"].to_list())
    assert found["accountIds"][0] == links.filter("primary")["accountId"][0]
    metadata = found["metadata"]
    assert metadata["agent"]["email"] == row["agent.email"]
    assert metadata["auto"]["lastvisit"] == row["auto.lastvisit"]
    assert metadata["auto__323232"]["firstvisit"] == row["auto__323232.firstvisit"]
    assert metadata["custom"]["department"] == row["custom.department"]
    unset = [c.split(".") for c, v in row.items() if "." in c and v is None]
    assert all(field not in metadata.get(group, {}) for group, field in unset)
    assert "pendo" not in metadata  # neither do-not-process nor opted out: no pendo group


def test_get_account_builds_the_account_object(box, box_client, run):
    account = box.tables["accounts"].row(3, named=True)
    found = run(box_client.accounts.get(account["accountId"]))
    assert found["id"] == account["accountId"]
    assert found["metadata"]["custom"]["planlevel"] == account["custom.planlevel"]
    assert found["metadata"]["agent"]["name"] == account["agent.name"]
    assert "accountIds" not in found


def test_awkward_ids_arrive_in_b64_form_and_are_decoded(box, box_client, run):
    odd = "acme/José 50%"
    visitors = box.tables["visitors"]
    box.state.put("visitors", pl.concat([visitors, visitors.head(1).with_columns(
        visitorId=pl.lit(odd), **{"agent.email": pl.lit("jose@acme.example")})]))
    found = run(box_client.visitors.get(odd))
    assert (found["id"], found["metadata"]["agent"]["email"]) == (odd, "jose@acme.example")
    assert run(box_client.visitors.history(odd, box.state.now_ms() - DAY_MS)).height == 0


def test_b64_ids_need_the_header_and_valid_base64(box, raw):
    visitor = box.tables["visitors"]["visitorId"][0]
    encoded = "b64_" + base64.urlsafe_b64encode(visitor.encode()).decode()
    flag = {"x-pendo-base64-encoded-params": "true"}
    assert raw.get(f"/api/v1/visitor/{encoded}", headers=flag).json()["id"] == visitor
    assert raw.get(f"/api/v1/visitor/{encoded}").status_code == 404
    not_text = raw.get("/api/v1/visitor/b64__w", headers=flag)
    assert not_text.status_code == 400
    assert "not a URL-safe base64 id" in not_text.json()["message"]


@pytest.mark.parametrize("kind", ["visitors", "accounts"])
def test_unknown_people_are_404(box_client, run, kind):
    with pytest.raises(pendo_lab.NotFoundError, match="no such entity found"):
        run(getattr(box_client, kind).get("nobody-here"))


def test_history_matches_the_page_and_feature_sources(box, box_client, run):
    visitor, _ = busy_visitor(box)
    last = box.tables["events"].filter(pl.col("visitorId") == visitor)["browserTime"].max()
    day = local_midnight(last, box.timezone)
    history = run(box_client.visitors.history(visitor, day))
    history = history.with_columns(pl.col("ts", "lastTs").dt.epoch("ms"))

    assert history.columns == ["type", "id", "ts", "lastTs", "uri"]
    assert history["ts"].is_sorted()
    assert history.filter((pl.col("ts") < day) | (pl.col("lastTs") >= day + DAY_MS)
                          | (pl.col("lastTs") < pl.col("ts"))).height == 0
    one_day = {"period": "dayRange", "first": day, "count": 1}
    for kind, source, key in (("page", "pageEvents", "pageId"),
                              ("feature", "featureEvents", "featureId")):
        used = rows(run, box_client, [{"source": {source: {"appId": ALL_APPS},
                                                  "timeSeries": one_day}},
                                      {"filter": f'visitorId == "{visitor}"'}])
        shown = history.filter(pl.col("type") == kind)
        assert set(shown["id"]) == set(used[key]) != set()
        assert (shown["uri"] == f"/api/v1/{kind}?id=" + shown["id"]).all()
    untagged = history.filter(pl.col("type") == "untagged")
    assert untagged["uri"].is_null().all()


def test_history_of_a_quiet_day_is_empty(box, box_client, run):
    visitor, _ = busy_visitor(box)
    assert run(box_client.visitors.history(visitor, box.state.now_ms() + DAY_MS)).height == 0


def test_history_of_an_unknown_visitor_is_404(box, box_client, run):
    with pytest.raises(pendo_lab.NotFoundError):
        run(box_client.visitors.history("nobody-here", box.state.now_ms() - DAY_MS))


@pytest.mark.parametrize("query,message", [
    ("", "starttime must be epoch milliseconds"),
    ("?starttime=yesterday", "starttime must be epoch milliseconds"),
    ("?starttime={old}", "last 180 days"),
])
def test_history_starttime_errors(box, raw, query, message):
    visitor = box.tables["visitors"]["visitorId"][0]
    old = box.state.now_ms() - 181 * DAY_MS
    answer = raw.get(f"/api/v1/visitor/{visitor}/history{query.format(old=old)}")
    assert answer.status_code == 400
    assert message in answer.json()["message"]


# --- bulk delete -------------------------------------------------------------------------------

def test_bulk_delete_visitors_marks_them_and_drops_their_events(box, box_client, run):
    box.state.job_seconds = 100  # queued until the test says otherwise, however slow the machine
    visitor, _ = busy_visitor(box)
    other = box.tables["visitors"].filter(pl.col("visitorId") != visitor,
                                          pl.col("pendo.donotprocess").is_null())["visitorId"][0]
    events = last_week("events", {"appId": ALL_APPS})
    assert visitor in rows(run, box_client, events)["visitorId"].to_list()

    result = run(box_client.bulk_delete.visitors([visitor, other]))

    (request_id,) = result.request_ids
    marked = box.tables["visitors"].filter(pl.col("visitorId").is_in([visitor, other]))
    assert marked["pendo.donotprocess"].to_list() == [True, True]
    listed = rows(run, box_client, [{"source": {"doNotProcessVisitors": None}}])
    assert {visitor, other} <= set(listed["visitorId"])
    assert visitor not in rows(run, box_client, events)["visitorId"].to_list()
    assert run(box_client.visitors.history(visitor, box.state.now_ms() - DAY_MS)).height == 0
    pending = run(box_client.bulk_delete.list())
    assert pending.filter(pl.col("id") == request_id)["status"].to_list() == ["queued"]

    box.state.job_seconds = 0
    done = run(box_client.bulk_delete.status(request_id))
    assert done["status"] == "complete"
    assert (done["kind"], sorted(done["ids"]), done["count"]) == \
        ("visitor", sorted([visitor, other]), 2)
    assert done["completedAt"] >= done["requestedAt"]
    assert run(box_client.bulk_delete.list()).height == 0
    assert box.state.jobs[request_id]["ids"] == done["ids"]


def test_bulk_delete_accounts_drops_their_events(box, box_client, run):
    _, account = busy_visitor(box)
    events = last_week("events", {"appId": ALL_APPS})
    assert account in rows(run, box_client, events)["accountId"].to_list()
    result = run(box_client.bulk_delete.accounts([account]))
    assert run(box_client.bulk_delete.status(result.request_ids[0]))["kind"] == "account"
    flags = box.tables["accounts"].filter(pl.col("accountId") == account)["pendo.donotprocess"]
    assert flags.to_list() == [True]
    listed = rows(run, box_client, [{"source": {"doNotProcessAccounts": None}}])
    assert account in listed["accountId"].to_list()
    assert account not in rows(run, box_client, events)["accountId"].to_list()


def test_calls_while_queued_join_one_request_and_repeats_are_400(box, box_client, run):
    box.state.job_seconds = 100
    first = run(box_client.bulk_delete.visitors(["ghost-1", "ghost-2"]))
    second = run(box_client.bulk_delete.visitors(["ghost-3"]))
    assert first.request_ids == second.request_ids
    status = run(box_client.bulk_delete.status(first.request_ids[0]))
    assert status["ids"] == ["ghost-1", "ghost-2", "ghost-3"]
    with pytest.raises(pendo_lab.BadRequestError, match="already requested"):
        run(box_client.bulk_delete.visitors(["ghost-2"]))
    assert box.state.jobs[first.request_ids[0]]["ids"] == ["ghost-1", "ghost-2", "ghost-3"]
    accounts = run(box_client.bulk_delete.accounts(["ghost-2"]))
    assert accounts.request_ids != first.request_ids


def test_unknown_deletion_request_is_404(box_client, run):
    with pytest.raises(pendo_lab.NotFoundError):
        run(box_client.bulk_delete.status("bulkdelete-999"))


@pytest.mark.parametrize("path,body", [
    ("/api/v1/bulkdelete/visitor", {"visitors": []}),
    ("/api/v1/bulkdelete/visitor", {"accounts": ["a"]}),
    ("/api/v1/bulkdelete/account", {}),
])
def test_bulk_delete_without_ids_is_400(box, raw, path, body):
    answer = raw.post(path, json=body)
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("No IDs in payload")
    assert box.state.jobs == {}


def test_bulk_delete_of_more_than_500_ids_is_400(raw):
    too_many = {"visitors": [f"v{n}" for n in range(501)]}
    answer = raw.post("/api/v1/bulkdelete/visitor", json=too_many)
    assert answer.status_code == 400
    assert "at most 500" in answer.json()["message"]


# --- reports -----------------------------------------------------------------------------------

def report_id(box, name: str) -> str:
    return box.tables["reports"].filter(pl.col("name") == name)["id"][0]


def test_list_reports(box, box_client, run):
    listed = run(box_client.reports.list())
    assert listed["id"].to_list() == box.tables["reports"]["id"].to_list()
    assert listed["definition"].struct.field("generator").to_list() == \
        box.tables["reports"]["definition"].struct.field("generator").to_list()


def test_visitor_report_results_are_computed_from_the_events(box, box_client, run):
    report = box.tables["reports"].filter(pl.col("name") == "Power users (30 days)").row(
        0, named=True)
    results = run(box_client.reports.results(report["id"]))
    assert results.columns == ["visitorId", "metadata", "numEvents"]
    expected = rows(run, box_client, [
        {"source": {"events": {"appId": WEB_APP},
                    "timeSeries": report["definition"]["timeSeries"]}},
        {"group": {"group": ["visitorId"], "fields": {"total": {"sum": "numEvents"}}}}])
    got = dict(zip(results["visitorId"], results["numEvents"]))
    assert got == dict(zip(expected["visitorId"], expected["total"]))
    assert results["numEvents"].is_sorted(descending=True)
    emails = dict(box.tables["visitors"].select("visitorId", "agent.email").iter_rows())
    shown = results["metadata"].struct.field("agent").struct.field("email")
    assert shown.to_list() == [emails[v] for v in results["visitorId"]]
    assert results["metadata"].struct.field("auto").struct.field("lastvisit").dtype == \
        pl.Datetime("us", box.timezone)


def test_report_csv_has_a_header_and_the_json_rows(box, box_client, run):
    rid = report_id(box, "Accounts by plan")
    as_json = run(box_client.reports.results(rid))
    as_csv = run(box_client.reports.results(rid, format="csv"))
    assert as_csv.columns == ["accountId", "metadata.agent.name", "metadata.custom.planlevel",
                              "numEvents"]
    assert as_csv["accountId"].to_list() == as_json["accountId"].to_list()
    assert as_csv["metadata.custom.planlevel"].to_list() == \
        as_json["metadata"].struct.field("custom").struct.field("planlevel").to_list()
    assert as_csv["numEvents"].to_list() == as_json["numEvents"].to_list()


def test_report_results_follow_deletions(box, box_client, run):
    rid = report_id(box, "Power users (30 days)")
    top = run(box_client.reports.results(rid))["visitorId"][0]
    run(box_client.bulk_delete.visitors([top]))
    assert top not in run(box_client.reports.results(rid))["visitorId"].to_list()


@pytest.mark.parametrize("name", ["Onboarding funnel", None])
def test_funnel_and_unknown_reports_are_404(box, box_client, run, name):
    rid = report_id(box, name) if name else "no-such-report"
    with pytest.raises(pendo_lab.NotFoundError, match="report in question was not found"):
        run(box_client.reports.results(rid))


# --- Data Sync ---------------------------------------------------------------------------------

S3 = {"accessKeyId": "AKIAEXAMPLE0001", "secretAccessKey": "s3-secret-9a8b"}


def test_rotations_are_kept_without_their_secrets(box, box_client, run):
    assert run(box_client.datasync.rotate_credentials("s3", S3)) is None
    assert run(box_client.datasync.rotate_credentials(
        "s3", {**S3, "accessKeyId": "AKIAEXAMPLE0002"})) is None
    table = box.tables["datasync_credentials"]
    assert table.select("storageType", "destination", "identity").rows() == [
        ("s3", "Default", "AKIAEXAMPLE0001"), ("s3", "Default", "AKIAEXAMPLE0002")]
    assert table["rotatedAt"].to_list() == [box.state.now_ms()] * 2
    assert "s3-secret-9a8b" not in table.write_csv()
    assert table["secretSha256"].n_unique() == 1


def test_rotating_another_storage_type_is_400(box, box_client, run):
    run(box_client.datasync.rotate_credentials("s3", S3))
    with pytest.raises(pendo_lab.BadRequestError, match="not a Google Cloud Platform"):
        run(box_client.datasync.rotate_credentials(
            "gcs", {"serviceAccount": "x@p.iam.gserviceaccount.com", "secretKey": "k"}))
    assert box.tables["datasync_credentials"].height == 1


@pytest.mark.parametrize("storage,credentials", [
    ("gcs", {"serviceAccount": "not-an-email", "secretKey": "k"}),
    ("s3", {"accessKeyId": "XYZ123", "secretAccessKey": "k"}),
])
def test_credentials_that_do_not_validate_are_400(box, box_client, run, storage, credentials):
    with pytest.raises(pendo_lab.BadRequestError, match="Unable to validate"):
        run(box_client.datasync.rotate_credentials(storage, credentials))
    assert box.tables["datasync_credentials"].is_empty()


@pytest.mark.parametrize("path,body,status,message", [
    ("gcs", {"serviceAccount": "x@y.z"}, 400, "Missing a required field in the request body: "
                                              "secretKey"),
    ("azure", {"clientId": " ", "clientSecret": "s"}, 400, "clientId"),
    ("azure", ["clientId"], 400, "Missing a required field"),
    ("dropbox", {"token": "t"}, 404, "use gcs, s3 or azure"),
])
def test_rotation_errors(box, raw, path, body, status, message):
    answer = raw.put(f"/api/v1/datasync/storageTypes/{path}/destinations/Default/credentials",
                     json=body)
    assert answer.status_code == status
    assert message in answer.json()["message"]
    assert box.tables["datasync_credentials"].is_empty()


# --- feedback ----------------------------------------------------------------------------------

def test_feedback_options(box, box_client, run):
    options = run(box_client.feedback.options())
    assert options["appIds"] == box.tables["apps"]["id"].to_list()
    areas = box.tables["groups"].filter(pl.col("groupType") == "group")
    assert [a["id"] for a in options["productAreas"]] == areas["id"].to_list()
    assert [i["value"] for i in options["importance"]] == [-1, 1, 2]


def vocitems(run, client, item_id: str) -> dict:
    found = rows(run, client, [{"source": {"vocItems": None}},
                               {"filter": f'id == "{item_id}"'}])
    assert found.height == 1
    return found.row(0, named=True)


def test_create_feedback_shows_in_voc_items(box, box_client, run):
    visitor, account = busy_visitor(box)
    area = box.tables["groups"]["id"][0]
    created = run(box_client.feedback.create(
        title="Dark mode", account_id=account, visitor_id=visitor, importance=2,
        app_ids=[WEB_APP], description="Easier on the eyes", product_areas=[area],
        labels=[{"name": "Admin", "category": "Role"}, {"name": "ux"}],
        extra={"linksData": [{"title": "Pendo", "linkUrl": "https://app.pendo.io"}]}))
    assert (created["title"], created["type"], created["statusId"]) == \
        ("Dark mode", "feedback", "new")
    assert created["labels"] == [{"name": "Admin", "category": "Role"},
                                 {"name": "ux", "category": None}]
    stored = box.tables["feedback"].filter(pl.col("id") == created["id"]).row(0, named=True)
    assert stored == created
    assert stored["createdAt"] == box.state.now_ms()
    assert (stored["createdById"], stored["onBehalfOfId"]) == (visitor, visitor)
    item = vocitems(run, box_client, created["id"])
    assert (item["accountId"], item["importance"], item["productAreas"]) == (account, 2, [area])


def test_update_feedback_changes_only_what_is_given(box, box_client, run):
    item = box.tables["feedback"].row(0, named=True)
    updated = run(box_client.feedback.update(item["id"], app_ids=[WEB_APP], importance=-1,
                                             labels=[{"name": "new", "category": "Theme"}],
                                             product_areas=[]))
    assert (updated["importance"], updated["productAreas"], updated["title"]) == \
        (-1, [], item["title"])
    assert updated["lastUpdatedAt"] == box.state.now_ms()
    table = box.tables["feedback"]
    assert table["id"].to_list()[0] == item["id"]
    assert table.height == 25
    shown = vocitems(run, box_client, item["id"])
    assert (shown["importance"], shown["labels"]) == (-1, [{"name": "new", "category": "Theme"}])


@pytest.mark.parametrize("change", [{"account_id": "no-such-account"}, {"app_ids": [42]},
                                    {"visitor_id": "no-such-visitor"}])
def test_create_with_unknown_ids_is_404(box, box_client, run, change):
    before = box.tables["feedback"]
    account = box.tables["accounts"]["accountId"][0]
    arguments = {"title": "x", "account_id": account, "importance": 1, "app_ids": [WEB_APP]}
    with pytest.raises(pendo_lab.NotFoundError, match="do not exist"):
        run(box_client.feedback.create(**{**arguments, **change}))
    assert box.tables["feedback"] is before


def test_update_of_unknown_feedback_is_404(box_client, run):
    with pytest.raises(pendo_lab.NotFoundError, match="no feedback"):
        run(box_client.feedback.update("no-such-item", app_ids=[WEB_APP], title="x"))


@pytest.mark.parametrize("method,change,problem", [
    ("POST", {"title": None}, "title"),
    ("POST", {"title": "  "}, "title"),
    ("POST", {"importance": 3}, "importance"),
    ("POST", {"importance": True}, "importance"),
    ("POST", {"appIds": []}, "appIds"),
    ("POST", {"labels": [{"category": "Role"}]}, "labels"),
    ("POST", {"productAreas": ["no-such-area"]}, "unknown productAreas"),
    ("PATCH", {"appIds": None}, "appIds"),
    ("PATCH", {"title": ""}, "title"),
])
def test_bad_feedback_bodies_are_400(box, raw, method, change, problem):
    body = {"title": "t", "accountId": box.tables["accounts"]["accountId"][0], "importance": 1,
            "appIds": [WEB_APP]}
    body = {k: v for k, v in {**body, **change}.items() if v is not None}
    path = "/api/v1/feedback" + (f"/{box.tables['feedback']['id'][0]}" if method == "PATCH"
                                 else "")
    before = box.tables["feedback"]
    answer = raw.request(method, path, json=body)
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert message.startswith("AccountId, title, appIds, importance are missing")
    assert problem in message
    assert box.tables["feedback"] is before


# --- pages, features, track types: unknown ids -------------------------------------------------

@pytest.mark.parametrize("kind,table", [("pages", "pages"), ("features", "features"),
                                        ("track_types", "track_types")])
def test_unknown_tagged_object_ids(box, box_client, run, kind, table):
    resource = getattr(box_client, kind)
    with pytest.raises(pendo_lab.NotFoundError):
        run(resource.get("no-such-id"))
    known = box.tables[table]["id"][0]
    assert run(resource.get_many([known, "no-such-id"]))["id"].to_list() == [known]
