"""Pendo's own published request bodies run on the sandbox as published, and where Pendo
published a sample output the sandbox's rows have the same field names and JSON types.

The files are in ``tests/data/pendo_samples`` (see its README). Rows are compared as raw JSON
(``client.aggregation.raw``), so a JSON type is what went over the wire. The rules:

* every sandbox row has exactly the keys every sample row has (Pendo's sample rows all carry
  the same keys, and the sandbox leaves out nothing they have and adds nothing), but for
  ``parameters``, which a page event row has only when its page captured a URL parameter
  (the reference's "pageEvents with parameters" example filters on it; Pendo's three sample
  rows have none, and the sandbox sends no ``"parameters": null`` either);
* types are ``null``, ``boolean``, ``integer``, ``number`` (with a fraction), ``string``,
  ``array`` and ``object``. Where the sample has values, the sandbox's non-null values are of
  exactly their types and at least one row has one. A sample value of null says only that the
  field is there (Pendo's sample subscription had nothing in it), so any sandbox type goes;
  a sandbox null is accepted where a row has nothing (e.g. an account never seen), but a field
  null in every sandbox row is a mismatch.

Pendo's visitor sample shows whole ``visitors`` source rows, not the flat rows its request's
``select`` makes, so the published request is compared through its select (each output field
against the sample's value at the selected path), and the bare source is compared on the
fields Pendo defines (``visitorId``, ``metadata.auto``, the per-app ``auto__<app>`` block).
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import polars as pl
import pytest

from pendo_lab.pipeline._relaxed import loads_relaxed

SAMPLES = Path(__file__).parents[1] / "data" / "pendo_samples"
REQUESTS = sorted(path.name for path in SAMPLES.glob("*.json"))
PAIRS = {
    "Page_Events_Data_pageEvents.json": "Page_Events_Data_Sample_Page_Event_Data.txt",
    "Feature_Events_Data_featureEvents.json": "Feature_Events_Data_Sample_Feature_Event_Data.txt",
    "User_Data_accounts.json": "User_Data_Sample_Account_Data.txt",
    "Page_-_Feature_-_Guide_IDs_allPages.json":
        "Page_-_Feature_-_Guide_IDs_Sample_Page_to_PageId_Lookup_Table_Data.txt",
    "Page_-_Feature_-_Guide_IDs_allFeatures.json":
        "Page_-_Feature_-_Guide_IDs_Sample_Feature_to_FeatureId_Lookup_Table_Data.txt",
}
VISITORS = ("User_Data_visitors.json", "User_Data_Sample_Visitor_Data.txt")
#: Fields a row carries only when it has a value (see the module docstring).
SENT_WHEN_PRESENT = {"parameters"}


def request_text(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def sample_rows(name: str) -> list[dict]:
    """The rows of a sample output (trimmed by Pendo, so its JSON is not closed)."""
    text = (SAMPLES / name).read_text(encoding="utf-8")
    decoder, rows = json.JSONDecoder(), []
    at = text.index("[", text.index('"results"')) + 1
    while (start := text.find("{", at)) != -1:
        row, at = decoder.raw_decode(text, start)
        rows.append(row)
    return rows


def json_type(value) -> str:
    """The JSON type of a decoded value, integers apart from numbers with a fraction.

    >>> [json_type(v) for v in (None, True, 3, 3.5, "x", [], {})]
    ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object']
    """
    return {type(None): "null", bool: "boolean", int: "integer", float: "number",
            str: "string", list: "array", dict: "object"}[type(value)]


def flat(row: dict, prefix: str = "") -> dict:
    """Nested objects as dotted paths: ``{"a": {"b": 1}}`` -> ``{"a.b": 1}``."""
    out = {}
    for key, value in row.items():
        if isinstance(value, dict) and value:
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def mismatches(expected_rows: list[dict], rows: list[dict]) -> list[str]:
    """How ``rows`` differ from ``expected_rows`` under the module's rules ([] when alike)."""
    keys = set(expected_rows[0])
    assert all(set(row) == keys for row in expected_rows), "the sample's rows differ in keys"
    found = [f"row {i} has keys {sorted(set(row) ^ keys)} (extra or missing)"
             for i, row in enumerate(rows) if set(row) - SENT_WHEN_PRESENT != keys]
    for key in sorted(keys):
        wanted = {json_type(row[key]) for row in expected_rows} - {"null"}
        got = {json_type(row[key]) for row in rows if key in row}
        if wanted and (got - {"null"} - wanted or not got & wanted):
            found.append(f"{key}: sample {sorted(wanted)}, sandbox {sorted(got)}")
    return found


@pytest.mark.parametrize("name", REQUESTS)
def test_every_published_request_runs_as_published(shared_client, name):
    envelope = shared_client.aggregation.raw(request_text(name))
    assert isinstance(envelope["results"], list)
    assert all(isinstance(row, dict) for row in envelope["results"])


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_rows_match_pendos_sample_output(shared_client, name):
    rows = shared_client.aggregation.raw(request_text(name))["results"]
    expected = sample_rows(PAIRS[name])
    assert rows and expected
    assert mismatches(expected, rows) == []


def test_the_parity_rules_catch_differences():
    sample = [{"id": "a", "n": 1, "note": None}]
    assert mismatches(sample, [{"id": "b", "n": 2, "note": 5}]) == []
    assert mismatches(sample, [{"id": "b", "n": 2.5, "note": None}]) == [
        "n: sample ['integer'], sandbox ['number']"]
    assert mismatches(sample, [{"id": "b", "n": None, "note": None}]) == [
        "n: sample ['integer'], sandbox ['null']"]
    assert mismatches(sample, [{"id": "b", "n": 1, "note": None, "numMinutes": 1}]) == [
        "row 0 has keys ['numMinutes'] (extra or missing)"]
    assert mismatches(sample, [{"id": "b", "n": 1}]) == [
        "row 0 has keys ['note'] (extra or missing)"]


def test_page_events_leave_out_parameters_a_row_does_not_have(shared_client):
    request = request_text("Page_Events_Data_pageEvents.json")
    rows = shared_client.aggregation.raw(request)["results"]
    with_parameters = [row for row in rows if "parameters" in row]
    assert with_parameters and len(with_parameters) < len(rows)
    assert all(isinstance(row["parameters"]["parameter"], str) for row in with_parameters)


def test_visitor_request_matches_the_sample_through_its_select(shared_client):
    request = loads_relaxed(request_text(VISITORS[0]))
    selected = request["request"]["pipeline"][-1]["select"]
    raw_sample = flat(sample_rows(VISITORS[1])[0])
    expected = [{out: raw_sample[path] for out, path in selected.items()}]
    rows = shared_client.aggregation.raw(request_text(VISITORS[0]))["results"]
    assert rows
    assert mismatches(expected, rows) == []


def test_visitor_source_rows_match_the_sample_on_pendos_own_fields(shared_client):
    sample = flat(sample_rows(VISITORS[1])[0])
    own = {key: value for key, value in sample.items()
           if key == "visitorId" or key.startswith(("metadata.auto.", "metadata.auto__"))}
    rows = [flat(row) for row in
            shared_client.aggregation.raw([{"source": {"visitors": None}}])["results"]]
    assert all(value is not None for row in rows for value in row.values())
    auto = {key for row in rows for key in row if key.startswith("metadata.auto.")}
    assert auto == {key for key in own if key.startswith("metadata.auto.")}
    for key, value in own.items():
        got = {json_type(row[key]) for row in rows if key in row}
        assert got == {json_type(value)}, key


@pytest.fixture(scope="module")
def nps(shared_box):
    guide = shared_box.tables["guides"].filter(name="NPS survey").row(0, named=True)
    return {"guide": guide["id"], "score": guide["polls"][0]["id"],
            "comment": guide["polls"][1]["id"]}


def nps_request(name: str, nps: dict) -> str:
    """A published NPS request with its placeholders replaced by the NPS guide's ids."""
    return (request_text(name).replace("yourGuideId", nps["guide"])
            .replace('"pollId": "pollId1"', f'"pollId": "{nps["score"]}"')
            .replace('"pollId": "pollId2"', f'"pollId": "{nps["comment"]}"'))


def test_nps_poll_ids_request_finds_the_guides_polls(shared_client, nps):
    rows = shared_client.aggregation.raw(nps_request("NPS_Data_getPollIds.json", nps))["results"]
    assert rows == [{"pollId1": nps["score"], "pollId2": nps["comment"]}]


def test_combined_nps_responses_join_score_and_comment_per_visitor(shared_box, shared_client, nps):
    rows = shared_client.aggregation.raw(nps_request("NPS_Data_combinedNpsResponses.json", nps))
    rows = rows["results"]
    rules = shared_box.tables["exclude_rules"]
    answers = shared_box.tables["poll_events"].filter(
        pl.col("guideId") == nps["guide"], ~pl.col("visitorId").str.starts_with("_PENDO_T_"),
        ~pl.col("visitorId").is_in(rules.filter(kind="visitorId")["value"].implode()),
        ~pl.col("accountId").is_in(rules.filter(kind="accountId")["value"].implode()))
    assert len(rows) == answers["visitorId"].n_unique()       # one row per visitor
    both = [row for row in rows if row["quantitativeResponse"] is not None
            and row["qualitativeResponse"] is not None]
    assert both
    for row in rows:
        assert set(row) == {"visitorId", "accountId", "qualitativeResponse", "qualitativeTime",
                            "quantitativeResponse", "quantitativeTime"}
        assert isinstance(row["visitorId"], int)          # hash(visitorId)
    for row in both:
        assert isinstance(row["quantitativeResponse"], int)
        assert 0 <= row["quantitativeResponse"] <= 10
        assert isinstance(row["qualitativeResponse"], str)


@pytest.mark.parametrize("name, field", [
    ("Monthly_Active_User_and_Account_monthlyactiveusercount.json", "uniqueVisitors"),
    ("Monthly_Active_User_and_Account_monthlyactiveaccountcount.json", "uniqueAccounts"),
])
def test_monthly_active_counts_are_one_row_with_the_clock(shared_box, shared_client, name, field):
    (row,) = shared_client.aggregation.raw(request_text(name))["results"]
    assert set(row) == {field, "date"}
    assert row["date"] == shared_box.state.now_ms()
    assert isinstance(row[field], int) and row[field] > 0


def test_events_request_sums_time_and_events_per_visitor_account_and_day(shared_client):
    rows = shared_client.aggregation.raw(request_text("Events_Events.json"))["results"]
    assert rows
    assert all(set(row) == {"visitorId", "accountId", "day", "totalTime", "totalEvents"}
               for row in rows)
    assert all(0 < row["totalTime"] <= row["totalEvents"] for row in rows)
    order = [(row["accountId"], row["totalTime"]) for row in rows]
    assert order == sorted(order)


def test_user_requests_keep_identified_or_anonymous_visitors(shared_client):
    anonymous = shared_client.aggregation.raw(request_text("User_Data_anonymous_visitors.json"))
    identified = shared_client.aggregation.raw(request_text("User_Data_visitors.json"))
    assert anonymous["results"] and identified["results"]
    assert all(row["visitorId"].startswith("_PENDO_T_") for row in anonymous["results"])
    assert not any(row["visitorId"].startswith("_PENDO_T_") for row in identified["results"])


def test_new_users_are_first_seen_in_the_last_seven_days(shared_box, shared_client):
    rows = shared_client.aggregation.raw(request_text("User_Data_newUserLastXdays.json"))["results"]
    week_ago = shared_box.state.now_ms() - 7 * 86_400_000
    assert rows and all(row["first"] >= week_ago for row in rows)
    expected = shared_box.tables["visitors"].filter(
        ~shared_box.tables["visitors"]["visitorId"].str.starts_with("_PENDO_T_"),
        shared_box.tables["visitors"]["auto.firstvisit"] >= week_ago)
    assert len(rows) == expected.height


def test_sample_rows_reader_reads_every_trimmed_row():
    rows = sample_rows(PAIRS["Page_Events_Data_pageEvents.json"])
    assert len(rows) == 3 and orjson.dumps(rows).count(b'"visitorId"') == 3
