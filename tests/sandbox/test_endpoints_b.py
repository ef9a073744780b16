"""Sandbox endpoints: segments, guides and metadata.

Each client test runs four ways (``box_client``: in process and over HTTP, sync and async) and
checks the answer, the sandbox's tables and what aggregations then return. Requests the client
refuses locally are sent raw (``raw``: in process and over HTTP). Segment job phases are made
deterministic by giving jobs long phases and moving their start back (``age_jobs``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import orjson
import polars as pl
import pytest

import pendo_lab
from pendo_lab.resources.guides import XLIFF_NS, xliff_document
from pendo_lab.resources.segments import SegmentJobError
from pendo_lab.sandbox.handlers.guides import TARGET_LANGUAGES

FILE = f"{{{XLIFF_NS}}}file"


def identified(box, n: int) -> list[str]:
    """``n`` identified visitors of the sandbox."""
    visitors = box.tables["visitors"].filter(~pl.col("visitorId").str.starts_with("_PENDO_T_"))
    return visitors["visitorId"].sort().head(n).to_list()


def members(box, segment_id: str) -> set[str]:
    return set(box.state.segment_members(segment_id)["visitorId"].to_list())


def age_jobs(box, seconds: float) -> None:
    """Move the start of every job back by ``seconds``."""
    for job_id, job in list(box.state.jobs.items()):
        box.state.put_job(job_id, {**job, "startedAt": job["startedAt"] - seconds * 1000})


def segment_id(box, name: str) -> str:
    return box.tables["segments"].filter(pl.col("name") == name)["id"][0]


def guide_id(box, name: str) -> str:
    return box.tables["guides"].filter(pl.col("name") == name)["id"][0]


# --- segments ----------------------------------------------------------------------------------

def test_shared_segments_and_one_segment(box, box_client, run):
    listed = run(box_client.segments.list())
    assert sorted(listed["name"]) == sorted(box.tables["segments"]["name"])
    api_made = run(box_client.segments.list(created_by_api=True))
    assert api_made["name"].to_list() == ["Beta testers"]
    one = run(box_client.segments.get(segment_id(box, "Key accounts")))
    assert (one["name"], one["kind"], one["createdViaApi"]) == ("Key accounts", "Segment", False)
    with pytest.raises(pendo_lab.NotFoundError, match="segment 'nope' not found"):
        run(box_client.segments.get("nope"))


def test_upload_appears_at_once_and_filters_aggregations_when_finished(box, box_client, run):
    box.state.job_seconds = 100  # Pending until the test says otherwise
    chosen = identified(box, 5)
    created = run(box_client.segments.create("Pilot", [f" {chosen[0]} ", *chosen[1:]]))
    stored = box.tables["segments"].filter(pl.col("id") == created["id"])
    assert stored.select("name", "shared", "createdViaApi").row(0) == ("Pilot", True, True)
    assert run(box_client.segments.status(created["id"]))["command"] == "Pending"
    box.state.job_seconds = 0.05
    final = run(box_client.segments.wait(created["id"], interval=0.02, progress=False))
    assert (final["command"], final["totalTagged"], final["entityTagId"]) == (
        "Finish", 5, created["id"])
    assert members(box, created["id"]) == set(chosen)
    in_segment = run(box_client.aggregate([{"source": {"visitors": None}},
                                           {"segment": {"id": created["id"]}}]))
    assert sorted(in_segment["visitorId"]) == sorted(chosen)


def test_an_update_serves_the_old_list_then_clears_it_then_finishes(box, box_client, run):
    box.state.job_seconds = 100
    beta = segment_id(box, "Beta testers")
    before, chosen = members(box, beta), identified(box, 3)
    run(box_client.segments.update(beta, visitors=chosen))
    assert run(box_client.segments.status(beta))["command"] == "Pending"
    assert members(box, beta) == before
    age_jobs(box, 150)
    assert run(box_client.segments.status(beta))["command"] == "Progress"
    assert members(box, beta) == set()
    age_jobs(box, 100)
    status = run(box_client.segments.status(beta))
    assert (status["command"], status["totalTagged"], status["checkTotal"]) == ("Finish", 3, 3)
    assert members(box, beta) == set(chosen)


def test_one_segment_job_at_a_time(box, box_client, run):
    box.state.job_seconds = 100
    box_client.segments.busy_retries = 0
    first = run(box_client.segments.create("First", ["v1"]))
    with pytest.raises(pendo_lab.ConflictError, match="Operation in progress"):
        run(box_client.segments.create("Second", ["v2"]))
    with pytest.raises(pendo_lab.ConflictError, match="Operation in progress"):
        run(box_client.segments.add_visitor(segment_id(box, "Beta testers"), "v3"))
    assert "Second" not in box.tables["segments"]["name"].to_list()
    age_jobs(box, 250)
    second = run(box_client.segments.create("Second", ["v2"]))
    assert second["id"] != first["id"]
    assert members(box, first["id"]) == {"v1"}


def test_renaming_and_changes_only_on_api_made_segments(box, box_client, run):
    beta = segment_id(box, "Beta testers")
    renamed = run(box_client.segments.update(beta, name="Beta 2"))
    assert renamed["name"] == "Beta 2"
    stored = box.tables["segments"].filter(pl.col("id") == beta).row(0, named=True)
    assert (stored["name"], stored["lastUpdatedAt"]) == ("Beta 2", box.state.now_ms())
    admins = segment_id(box, "Enterprise admins")
    before = members(box, admins)
    with pytest.raises(pendo_lab.PermissionDeniedError, match="must be created by the API"):
        run(box_client.segments.update(admins, name="Mine"))
    with pytest.raises(pendo_lab.PermissionDeniedError):
        run(box_client.segments.add_visitor(admins, "v1"))
    with pytest.raises(pendo_lab.PermissionDeniedError):
        run(box_client.segments.patch_visitors(admins, add=["v1"]))
    assert members(box, admins) == before
    with pytest.raises(pendo_lab.NotFoundError):
        run(box_client.segments.add_visitor("nope", "v1"))


def test_visitor_changes_one_and_in_batches(box, box_client, run):
    beta = segment_id(box, "Beta testers")
    before = members(box, beta)
    leaving = sorted(before)[:2]
    run(box_client.segments.add_visitor(beta, "a/b c"))
    assert "a/b c" in members(box, beta)
    run(box_client.segments.remove_visitor(beta, "a/b c"))
    run(box_client.segments.remove_visitor(beta, "a/b c"))
    assert members(box, beta) == before
    added = [f"new-{i}" for i in range(1500)]
    outcome = run(box_client.segments.patch_visitors(beta, add=added, remove=leaving))
    assert outcome["calls"] == 2
    assert [r["added"] for r in outcome["responses"]] == [1000, 500]
    assert [r["removed"] for r in outcome["responses"]] == [0, 2]
    assert members(box, beta) == (before - set(leaving)) | set(added)


def test_patch_limits_and_shape(box, raw):
    path = f"/api/v1/segment/{segment_id(box, 'Beta testers')}/visitor"
    add = {"op": "add", "path": "/visitors", "value": ["v1"]}
    before = box.tables["segment_members"]
    assert raw.patch(path, json=[add] * 11).status_code == 413
    big = {**add, "value": [f"v{i}" for i in range(1001)]}
    answer = raw.patch(path, json=[big])
    assert answer.status_code == 413 and "1000 visitors" in answer.json()["message"]
    assert raw.patch(path, json=[{**add, "op": "replace"}]).status_code == 400
    assert raw.patch(path, json={"op": "add"}).status_code == 400
    assert box.tables["segment_members"].equals(before)
    assert raw.patch(path, json=[add] * 10).json() == {"added": 1, "removed": 0}


def test_upload_payloads_and_error_jobs(box, box_client, run, raw):
    assert raw.post("/api/v1/segment/upload", json={"name": "X", "visitors": "v1"}
                    ).status_code == 400
    assert raw.post("/api/v1/segment/upload", json={"visitors": ["v1"]}).status_code == 400
    assert raw.put(f"/api/v1/segment/{segment_id(box, 'Beta testers')}", json={}
                   ).status_code == 400
    answer = raw.post("/api/v1/segment/upload", json={"name": "Bad", "visitors": ["v1", 7]})
    assert answer.status_code == 200
    with pytest.raises(SegmentJobError, match="visitor 1 is not a valid visitor id"):
        run(box_client.segments.wait(answer.json()["id"], interval=0.02, progress=False))
    assert members(box, answer.json()["id"]) == set()
    with pytest.raises(pendo_lab.NotFoundError, match="has no status"):
        run(box_client.segments.status(segment_id(box, "Key accounts")))


def test_delete_removes_the_segment_and_its_members(box, box_client, run):
    admins = segment_id(box, "Enterprise admins")
    run(box_client.segments.delete(admins))
    assert admins not in box.tables["segments"]["id"].to_list()
    assert admins not in box.tables["segment_members"]["segmentId"].to_list()
    with pytest.raises(pendo_lab.NotFoundError):
        run(box_client.segments.get(admins))
    with pytest.raises(pendo_lab.NotFoundError):
        run(box_client.segments.delete(admins))


def exported_ids(frame: pl.DataFrame) -> list[str]:
    """Exported visitor ids (text, as the client's CSV reader keeps them)."""
    return frame["visitorId"].to_list()


def test_export_of_visitor_and_account_segments(box, box_client, run):
    beta = segment_id(box, "Beta testers")
    exported = run(box_client.segments.export_visitors(beta, interval=0.02, progress=False))
    assert set(exported_ids(exported)) == members(box, beta)
    key = segment_id(box, "Key accounts")
    accounts = box.state.segment_members(key)["accountId"].to_list()
    expected = box.tables["visitor_accounts"].filter(pl.col("accountId").is_in(accounts))
    exported = run(box_client.segments.export_visitors(key, interval=0.02, progress=False))
    assert sorted(exported_ids(exported)) == sorted(expected["visitorId"].unique())


def test_export_job_steps_and_errors(box, raw):
    beta = segment_id(box, "Beta testers")
    box.state.job_seconds = 100
    job = raw.post(f"/api/v1/segment/{beta}/visitors").json()["jobId"]
    base = f"/api/v1/segment/{beta}/visitors/{job}"
    assert raw.get(f"{base}/status").json()["command"] == "Pending"
    assert raw.get(f"{base}/results/csv").status_code == 404
    age_jobs(box, 250)
    assert raw.get(f"{base}/status").json() == {"jobId": job, "segmentId": beta,
                                                "command": "Finish",
                                                "totalVisitors": len(members(box, beta))}
    as_json = raw.get(f"{base}/results/json")
    assert as_json.headers["content-type"] == "application/json"
    assert {row["visitorId"] for row in as_json.json()} == members(box, beta)
    assert raw.get(f"{base}/results/csv").headers["content-type"] == "text/csv"
    assert raw.get(f"{base}/results/xml").status_code == 400
    assert raw.get(f"/api/v1/segment/{beta}/visitors/nope/status").status_code == 404
    other = segment_id(box, "Key accounts")
    assert raw.get(f"/api/v1/segment/{other}/visitors/{job}/status").status_code == 404
    assert raw.post("/api/v1/segment/nope/visitors").status_code == 404


# --- guides ------------------------------------------------------------------------------------

def seen_by(run, client, guide: str) -> set[str]:
    rows = run(client.aggregate([{"source": {"guidesSeenEver": {"guideId": guide}}}]))
    return set(rows.to_dict(as_series=False).get("visitorId", []))


def test_guide_list_get_and_history(box, box_client, run):
    listed = run(box_client.guides.list())
    web = box.tables["guides"].filter(pl.col("appId") == -323232)
    assert sorted(listed["id"]) == sorted(web["id"])
    assert run(box_client.guides.list(expand=True)).height == box.tables["guides"].height
    nps = guide_id(box, "NPS survey")
    assert run(box_client.guides.get(nps))["name"] == "NPS survey"
    history = run(box_client.guides.history(nps))
    assert history["id"].to_list() == [nps]
    with pytest.raises(pendo_lab.NotFoundError):
        run(box_client.guides.history("nope"))


def test_reset_seen_for_one_guide_and_for_all(box, box_client, run):
    nps, tour = guide_id(box, "NPS survey"), guide_id(box, "Welcome tour")
    both = sorted(seen_by(run, box_client, nps) & seen_by(run, box_client, tour))
    first, second = both[:2]
    polls_before = run(box_client.aggregate([{"source": {"pollsSeenEver": {"guideId": nps}}}]))
    run(box_client.guides.reset_seen(nps, first))
    assert box.tables["guide_resets"].select("visitorId", "guideId").rows() == [(first, nps)]
    assert first not in seen_by(run, box_client, nps)
    assert {first, second} <= seen_by(run, box_client, tour)
    polls_after = run(box_client.aggregate([{"source": {"pollsSeenEver": {"guideId": nps}}}]))
    assert polls_after.height == polls_before.height
    run(box_client.guides.reset_all_seen(second))
    assert second not in seen_by(run, box_client, nps) | seen_by(run, box_client, tour)
    assert box.tables["guide_resets"]["guideId"].to_list() == [nps, None]
    with pytest.raises(pendo_lab.NotFoundError):
        run(box_client.guides.reset_seen("nope", first))


def test_staged_resets_delete_views_and_answers(box, box_client, run):
    nps, tour = guide_id(box, "NPS survey"), guide_id(box, "Welcome tour")
    guides = box.tables["guides"]
    box.state.put("guides", guides.with_columns(
        state=pl.when(pl.col("id") == nps).then(pl.lit("staged")).otherwise("state")))
    tour_events = box.tables["guide_events"].filter(pl.col("guideId") == tour).height
    with pytest.raises(pendo_lab.BadRequestError, match="not staged"):
        run(box_client.guides.reset_staged(tour))
    run(box_client.guides.reset_staged(nps))
    for table in ("guide_events", "poll_events"):
        assert nps not in box.tables[table]["guideId"].to_list()
    assert seen_by(run, box_client, nps) == set()
    answers = run(box_client.aggregate([{"source": {"pollsSeenEver": {"guideId": nps}}}]))
    assert answers.height == 0
    assert box.tables["guides"].filter(pl.col("id") == nps)["resetAt"][0] == box.state.now_ms()
    run(box_client.guides.reset_all_staged())
    assert box.tables["guide_events"].filter(pl.col("guideId") == tour).height == tour_events
    with pytest.raises(pendo_lab.NotFoundError):
        run(box_client.guides.reset_staged("nope"))


def test_experiment_results(box, box_client, run):
    tour = guide_id(box, "Welcome tour")
    results = run(box_client.guides.experiment_results(tour))
    assert results.columns == ["group", "visitors", "converted", "conversionRate"]
    by_group = {row["group"]: row for row in results.to_dicts()}
    assert by_group["guide"]["visitors"] == len(seen_by(run, box_client, tour))
    for row in by_group.values():
        assert 0 <= row["converted"] <= row["visitors"]
        assert row["conversionRate"] == pytest.approx(row["converted"] / row["visitors"], abs=1e-4)
    assert by_group["guide"]["conversionRate"] > by_group["control"]["conversionRate"]
    with pytest.raises(pendo_lab.NotFoundError, match="has no experiment"):
        run(box_client.guides.experiment_results(guide_id(box, "NPS survey")))
    with pytest.raises(pendo_lab.NotFoundError):
        run(box_client.guides.experiment_results("nope"))


def test_xliff_export_one_file_per_guide_and_language(box, box_client, run):
    nps, tour = guide_id(box, "NPS survey"), guide_id(box, "Welcome tour")
    exported = run(box_client.guides.export_xliff([nps, tour]))
    assert sorted(exported) == sorted([nps, tour])
    files = ET.fromstring(exported[nps]).findall(FILE)
    assert [f.get("target-language") for f in files] == list(TARGET_LANGUAGES)
    sources = [s.text for s in files[0].iter(f"{{{XLIFF_NS}}}source")]
    poll = box.tables["guides"].filter(pl.col("id") == nps)["polls"][0][0]
    assert poll["question"] in sources


def test_xliff_export_errors(box, raw):
    path = "/api/v1/guide/localization/export"
    assert raw.get(path).status_code == 400
    many = ",".join(f"g{i}" for i in range(16))
    assert raw.get(path, params={"guideids": many}).status_code == 400
    missing = raw.get(path, params={"guideids": "nope"})
    assert missing.status_code == 404 and "guide id 'nope' not found" in missing.json()["message"]


def test_xliff_import_stores_translations_and_a_version(box, box_client, run):
    nps = guide_id(box, "NPS survey")
    question = box.tables["guides"].filter(pl.col("id") == nps)["polls"][0][0]["question"]
    document = run(box_client.guides.export_xliff([nps]))[nps]
    french = next(f for f in ET.fromstring(document).findall(FILE)
                  if f.get("target-language") == "fr-FR")
    unit = next(u for u in french.iter(f"{{{XLIFF_NS}}}trans-unit")
                if u.find(f"{{{XLIFF_NS}}}source").text == question)
    unit.find(f"{{{XLIFF_NS}}}target").text = "Recommanderiez-vous Acme Cloud ?"
    outcome = run(box_client.guides.import_xliff([xliff_document([french])]))
    assert outcome == {"imported": [{"guideId": nps, "language": "fr-FR"}], "failed": [],
                       "messages": []}
    stored = box.tables["guide_translations"]
    assert stored.select("guideId", "language", "unitId", "target").rows() == [
        (nps, "fr-FR", unit.get("id"), "Recommanderiez-vous Acme Cloud ?")]
    again = ET.fromstring(run(box_client.guides.export_xliff([nps]))[nps])
    targets = {(f.get("target-language"), t.text, t.get("state"))
               for f in again.findall(FILE) for t in f.iter(f"{{{XLIFF_NS}}}target")}
    assert ("fr-FR", "Recommanderiez-vous Acme Cloud ?", "translated") in targets
    assert ("de-DE", question, "needs-translation") in targets
    history = run(box_client.guides.history(nps))
    assert history.height == 2
    assert history["stableVersionId"][0] != history["stableVersionId"][1]


def test_xliff_import_reports_files_that_fail(box, box_client, run):
    nps = guide_id(box, "NPS survey")
    files = ET.fromstring(run(box_client.guides.export_xliff([nps]))[nps]).findall(FILE)
    unknown_language = files[0]
    unknown_language.set("target-language", "xx-XX")
    unknown_guide = files[1]
    unknown_guide.set("original", "nope")
    outcome = run(box_client.guides.import_xliff([xliff_document([unknown_language,
                                                                  unknown_guide])]))
    assert outcome["imported"] == []
    assert {(f["guideId"], f["message"]) for f in outcome["failed"]} == {
        (nps, "Target language is not enabled for the app"), ("nope", "guide id not found")}
    assert box.tables["guide_translations"].is_empty()


@pytest.mark.parametrize("mutate,message", [
    (lambda doc: doc.replace('version="1.2"', 'version="2.0"'), 'must be "1.2"'),
    (lambda doc: '<!DOCTYPE x [<!ENTITY e "boom">]>' + doc.split("?>", 1)[1], "DOCTYPE"),
    (lambda doc: doc.replace("</xliff>", ""), "Improperly formatted"),
    (lambda doc: xliff_document([ET.fromstring(doc).find(FILE)] * 2), "duplicates"),
    (lambda doc: doc.replace('state="needs-translation">Step 1</target>',
                             'state="needs-translation"></target>', 1), "complete <target>"),
])
def test_xliff_import_refuses_bad_requests(box, raw, mutate, message):
    nps = guide_id(box, "NPS survey")
    document = raw.get("/api/v1/guide/localization/export", params={"guideids": nps}).text
    answer = raw.post("/api/v1/guide/localization/import", content=mutate(document).encode())
    assert answer.status_code == 400
    assert message in answer.json()["message"]
    assert box.tables["guide_translations"].is_empty()


def test_xliff_import_takes_at_most_15_files(box, raw):
    ids = box.tables["guides"]["id"].to_list()[:3]
    document = raw.get("/api/v1/guide/localization/export",
                       params={"guideids": ",".join(ids)}).text
    answer = raw.post("/api/v1/guide/localization/import", content=document.encode())
    assert answer.status_code == 400 and "limit of 15" in answer.json()["message"]


# --- metadata ----------------------------------------------------------------------------------

def visitor_metadata(run, client, visitor: str) -> dict:
    rows = run(client.aggregate([{"source": {"visitors": None}},
                                 {"filter": f'visitorId == "{visitor}"'}]))
    return rows.to_dicts()[0]["metadata"]


def test_schema_lists_the_fields(box, box_client, run):
    schema = run(box_client.metadata.schema("account"))
    expected = box.tables["metadata_schema"].filter(pl.col("kind") == "account")
    assert sorted(schema.select("group", "field", "type").rows()) == sorted(
        expected.select("group", "field", "type").rows())
    assert not schema["isDeleted"].any()


def test_get_value(box, box_client, run, raw):
    email = box.tables["visitors"].filter(pl.col("visitorId") == "qa-bot-1")["agent.email"][0]
    assert run(box_client.metadata.get_value("visitor", "agent", "qa-bot-1", "email")) == email
    assert run(box_client.metadata.get_value("account", "auto", "acme-internal", "id")) == \
        "acme-internal"
    with pytest.raises(pendo_lab.NotFoundError, match="visitor 'nope' not found"):
        run(box_client.metadata.get_value("visitor", "agent", "nope", "email"))
    with pytest.raises(pendo_lab.NotFoundError, match="no visitor metadata field agent.shoe"):
        run(box_client.metadata.get_value("visitor", "agent", "qa-bot-1", "shoe"))
    assert raw.get("/api/v1/metadata/visitors/agent/value/qa-bot-1/email").status_code == 400


def test_set_value_shows_in_sources_and_bulk_expand(box, box_client, run):
    run(box_client.metadata.set_value("visitor", "custom", "qa-bot-1", "plan", "gold"))
    row = box.tables["visitors"].filter(pl.col("visitorId") == "qa-bot-1").row(0, named=True)
    assert (row["custom.plan"], row["auto.lastupdated"]) == ("gold", box.state.now_ms())
    schema = box.tables["metadata_schema"]
    assert schema.filter(pl.col("field") == "plan").select("kind", "group", "type").rows() == [
        ("visitor", "custom", "string")]
    assert visitor_metadata(run, box_client, "qa-bot-1")["custom"]["plan"] == "gold"
    expanded = run(box_client.aggregate([
        {"source": {"visitors": None}}, {"filter": 'visitorId == "qa-bot-1"'},
        {"select": {"visitorId": "visitorId"}},
        {"bulkExpand": {"person": {"visitor": "visitorId"}}}]))
    assert expanded.to_dicts()[0]["person"]["custom"]["plan"] == "gold"
    assert run(box_client.metadata.get_value("visitor", "custom", "qa-bot-1", "plan")) == "gold"


def test_set_value_checks_types_and_fields(box, box_client, run):
    metadata = box_client.metadata
    run(metadata.set_value("account", "custom", "acme-internal", "renewaldate",
                           "2006-01-02T15:04:05Z"))
    renewal = box.tables["accounts"].filter(pl.col("accountId") == "acme-internal")
    assert renewal["custom.renewaldate"][0] == 1136214245000
    before = box.tables["accounts"]
    with pytest.raises(pendo_lab.BadRequestError, match="is a number field"):
        run(metadata.set_value("account", "custom", "acme-internal", "totallicenses", "many"))
    with pytest.raises(pendo_lab.NotFoundError, match="agent.shoe does not exist"):
        run(metadata.set_value("account", "agent", "acme-internal", "shoe", "x"))
    with pytest.raises(pendo_lab.NotFoundError):
        run(metadata.set_value("account", "custom", "nope", "industry", "x"))
    assert box.tables["accounts"].equals(before)


def test_set_values_in_bulk(box, box_client, run):
    rows = [{"visitorId": "qa-bot-1", "seats": 3}, {"visitorId": "ghost", "seats": 4},
            {"visitorId": "qa-bot-2", "seats": "many"}, {"visitorId": "b64 é", "seats": 5.5}]
    outcome = run(box_client.metadata.set_values("visitor", "custom", rows))
    assert outcome == {"total": 4, "updated": 1, "failed": 3, "missing": ["ghost", "b64 é"],
                       "errors": ["qa-bot-2: field 'seats' is a number field: 'many' cannot be "
                                  "stored in it"]}
    created = run(box_client.metadata.set_values("visitor", "custom", rows[1:2] + rows[3:],
                                                 create=True))
    assert (created["updated"], created["failed"]) == (2, 0)
    seats = dict(box.tables["visitors"].select("visitorId", "custom.seats").rows())
    assert (seats["qa-bot-1"], seats["ghost"], seats["b64 é"], seats["qa-bot-2"]) == (
        3, 4, 5.5, None)
    assert run(box_client.metadata.get_value("visitor", "custom", "b64 é", "seats")) == 5.5
    since = run(box_client.aggregate([{"source": {"visitors": {"since": box.state.now_ms()}}}]))
    assert set(since["visitorId"]) == {"qa-bot-1", "ghost", "b64 é"}


def test_bulk_values_refuse_bad_bodies_and_unknown_agent_fields(box, raw):
    path = "/api/v1/metadata/visitor/agent/value"
    before = box.tables["visitors"]
    assert raw.post(path, json={"visitorId": "qa-bot-1"}).status_code == 400
    assert raw.post(path, json=[{"visitorId": "qa-bot-1", "values": 3}]).status_code == 400
    unknown = raw.post(path, json=[{"visitorId": "qa-bot-1", "values": {"shoe": 42}}])
    assert unknown.status_code == 400 and "agent.shoe" in unknown.json()["message"]
    assert raw.post("/api/v1/metadata/visitor/auto/value", json=[]).status_code == 400
    assert box.tables["visitors"].equals(before)


def test_create_delete_and_undelete_fields(box, box_client, run):
    metadata = box_client.metadata
    created = run(metadata.create_fields("visitor", "custom", {"tier": "string",
                                                                "renewal": "time"}))
    assert created["summary"] == {"created": 2, "failed": 0, "total": 2}
    assert box.tables["visitors"].schema["custom.renewal"] == pl.Int64
    schema = run(metadata.schema("visitor")).filter(pl.col("group") == "custom")
    assert dict(schema.select("field", "type").rows())["renewal"] == "date"
    with pytest.raises(pendo_lab.ConflictError, match="already exist"):
        run(metadata.create_fields("visitor", "custom", {"tier": "string"}))
    partly = run(metadata.create_fields("visitor", "custom", {"tier": "string", "x": "number"}))
    assert partly["summary"] == {"created": 1, "failed": 1, "total": 2}
    departments = box.tables["visitors"].select("visitorId", "custom.department")
    run(metadata.delete_field("visitor", "custom", "department"))
    assert "custom.department" not in box.tables["visitors"].columns
    assert "department" not in visitor_metadata(run, box_client, "qa-bot-1")["custom"]
    deleted = run(metadata.schema("visitor")).filter(pl.col("field") == "department")
    assert deleted["isDeleted"].to_list() == [True]
    undeleted = run(metadata.create_fields("visitor", "custom", {"department": "string"}))
    assert undeleted["summary"] == {"created": 0, "failed": 0, "total": 1, "undeleted": 1}
    restored = box.tables["visitors"].select("visitorId", "custom.department")
    assert restored.sort("visitorId").equals(departments.sort("visitorId"))
    with pytest.raises(pendo_lab.NotFoundError):
        run(metadata.delete_field("visitor", "custom", "shoe"))


def test_schema_calls_refuse_bad_bodies(box, raw):
    path = "/api/v1/metadata/schema/visitor/custom"
    fields = [{"name": f"f{i}", "type": "string"} for i in range(25)]
    assert raw.post(path, json=fields).status_code == 400
    assert raw.post(path, json=[{"name": "a", "type": "text"}]).status_code == 422
    assert raw.post(path, json=[{"name": "a.b", "type": "string"}]).status_code == 422
    assert raw.post("/api/v1/metadata/schema/visitor/auto", json=fields[:1]).status_code == 400
    assert "custom.f0" not in box.tables["visitors"].columns
    delete = "/api/v1/metadata/schema/visitor/custom/department"
    assert [raw.delete(delete).status_code for _ in range(2)] == [200, 202]


def test_dependencies(box, box_client, run):
    plan = run(box_client.metadata.field_dependencies("account", "custom", "planlevel"))
    report = box.tables["reports"].filter(pl.col("name") == "Accounts by plan")
    assert plan == {"guides": [], "reports": [{"id": report["id"][0], "name": "Accounts by plan"}],
                    "segments": [], "onlyMe": False}
    everything = run(box_client.metadata.dependencies())
    assert len(everything) == box.tables["metadata_schema"].height
    assert {"kind": "account", "group": "custom", "field": "planlevel", **plan} in everything
    with pytest.raises(pendo_lab.NotFoundError):
        run(box_client.metadata.field_dependencies("visitor", "agent", "shoe"))


def test_do_not_process_and_guide_opt_out(box, box_client, run):
    window = {"period": "dayRange", "first": "now()", "count": -90}
    active = run(box_client.aggregate([{"source": {"events": None, "timeSeries": window}}]))
    visitor = active.filter(~pl.col("visitorId").str.starts_with("_PENDO_T_"))["visitorId"][0]
    run(box_client.metadata.do_not_process("visitor", visitor))
    row = box.tables["visitors"].filter(pl.col("visitorId") == visitor).row(0, named=True)
    assert row["pendo.donotprocess"] is True
    listed = run(box_client.aggregate([{"source": {"doNotProcessVisitors": None}}]))
    assert visitor in listed["visitorId"].to_list()
    after = run(box_client.aggregate([{"source": {"events": None, "timeSeries": window}}]))
    assert visitor not in after["visitorId"].to_list()
    run(box_client.metadata.do_not_process("visitor", visitor, False))
    assert visitor not in run(box_client.aggregate(
        [{"source": {"doNotProcessVisitors": None}}]))["visitorId"].to_list()
    run(box_client.metadata.opt_out_of_guides("account", "acme-internal"))
    accounts = box.tables["accounts"].filter(pl.col("accountId") == "acme-internal")
    assert accounts["pendo.blacklistguides"].to_list() == [True]


def test_pendo_flags_take_only_booleans(box, raw):
    path = "/api/v1/metadata/visitor/pendo/value/qa-bot-1"
    assert raw.put(f"{path}/donotprocess", content=b'"yes"').status_code == 400
    assert raw.put(f"{path}/somethingelse", content=b"true").status_code == 400
    assert raw.put(f"{path}/donotprocess", content=orjson.dumps(True)).status_code == 200
