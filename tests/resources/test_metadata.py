"""Metadata through the mock: schema, values, bulk rows, fields, dependencies, opt-outs."""

from datetime import date, datetime, timezone

import orjson
import pandas as pd
import polars as pl
import pytest

import pendo_lab
from pendo_lab import BatchError
from pendo_lab.resources.metadata import is_pendo_date, metadata_value

B64 = "x-pendo-base64-encoded-params"
SCHEMA = {
    "agent": {"email": {"type": "string", "displayName": "Email", "isDeleted": False}},
    "custom": {"plan": {"type": "string", "displayName": "Plan", "isDeleted": False},
               "seats": {"type": "number", "displayName": "Seats", "isDeleted": True}},
}


def body(request):
    return orjson.loads(request.content)


def test_schema_is_one_row_per_field(client, mock, run):
    mock.reply(body=SCHEMA)
    frame = run(client.metadata.schema("account"))
    assert (mock.last.method, mock.last.url.path) == ("GET", "/api/v1/metadata/schema/account")
    rows = frame.sort("field").select("group", "field", "type", "isDeleted").rows()
    assert rows == [("agent", "email", "string", False), ("custom", "plan", "string", False),
                    ("custom", "seats", "number", True)]
    mock.reply(body=SCHEMA)
    assert type(run(client.metadata.schema("visitor", frame="pandas"))).__module__.startswith(
        "pandas")


@pytest.mark.parametrize("call,message", [
    (lambda m: m.schema("visitors"), "kind must be one of 'visitor', 'account', not 'visitors'"),
    (lambda m: m.get_value("visitor", "bogus", "v1", "email"), "group must be one of"),
    (lambda m: m.set_value("visitor", "auto", "v1", "x", 1), "one of 'agent', 'custom', not"),
    (lambda m: m.set_value("visitor", "custom", "", "x", 1), "empty id"),
    (lambda m: m.delete_field("account", "salesforce", "x"), "group must be one of"),
    (lambda m: m.field_dependencies("visitor", "pendo", "x"), "group must be one of"),
    (lambda m: m.opt_out_of_guides("user", "v1"), "kind must be one of"),
    (lambda m: m.do_not_process("visitor", "v1", "yes"), "takes True or False"),
])
def test_kind_group_and_ids_are_checked_before_sending(client, mock, run, call, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(call(client.metadata))
    assert mock.requests == []


def test_get_value(client, mock, run):
    mock.reply(body="ada@example.com")
    assert run(client.metadata.get_value("visitor", "agent", "v1", "email")) == "ada@example.com"
    assert (mock.last.method, mock.last.url.path) == (
        "GET", "/api/v1/metadata/visitor/agent/value/v1/email")
    assert B64 not in mock.last.headers
    mock.reply(body=1700000000000)
    run(client.metadata.get_value("account", "auto", "ACME Corp/EU", "lastvisit"))
    assert mock.last.url.path == (
        "/api/v1/metadata/account/auto/value/b64_QUNNRSBDb3JwL0VV/lastvisit")
    assert mock.last.headers[B64] == "true"


@pytest.mark.parametrize("value,sent", [
    ("gold", "gold"),
    (12, 12),
    (True, True),
    (None, None),
    (datetime(2024, 1, 1, tzinfo=timezone.utc), 1704067200000),
    (date(2024, 1, 2), 1704153600000),
    (["a", "b"], ["a", "b"]),
])
def test_set_value_puts_the_json_value(client, mock, run, value, sent):
    run(client.metadata.set_value("visitor", "custom", "v1", "plan", value))
    assert (mock.last.method, mock.last.url.path) == (
        "PUT", "/api/v1/metadata/visitor/custom/value/v1/plan")
    assert mock.last.headers["content-type"] == "application/json"
    assert body(mock.last) == sent


def test_set_value_b64_id(client, mock, run):
    run(client.metadata.set_value("visitor", "agent", "é", "plan", "x"))
    assert mock.last.url.path == "/api/v1/metadata/visitor/agent/value/b64_w6k=/plan"
    assert mock.last.headers[B64] == "true"


@pytest.mark.parametrize("value,field_type,message", [
    ("yes", "boolean", "boolean field: got str 'yes'; send True or False"),
    (True, "number", "number field"),
    ("12", "number", "send an int or float"),
    ("2 Jan 2006", "time", "accepted date format"),
    (datetime(2024, 1, 1), None, "has no timezone"),
    (float("nan"), None, "use None for no value"),
    ({"a": 1}, None, "a dict cannot be sent"),
    (["a"], "string", "got a list"),
    ("x", "text", "type of field 'plan' must be one of 'string', 'number', 'time', 'boolean'"),
])
def test_set_value_rejects_bad_values_before_sending(client, mock, run, value, field_type,
                                                     message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(client.metadata.set_value("visitor", "custom", "v1", "plan", value,
                                      field_type=field_type))
    assert mock.requests == []


def test_set_value_accepts_a_date_string_for_a_time_field(client, mock, run):
    run(client.metadata.set_value("account", "custom", "a1", "renewal", "2006-01-02 15:04:05 MST",
                                  field_type="time"))
    assert body(mock.last) == "2006-01-02 15:04:05 MST"


@pytest.mark.parametrize("text", [
    "1136232245", "1136232245426", "Mon Jan 02 2006", "Mon Jan 02 2006 15:04:05 MST-0700",
    "01/02/2006 03:04pm", "2006-01-02T15:04:05.999-05:00", "2006-01-02T15:04:05-0700",
    "2006-01-02T15:04:05-07:00", "2006-01-02T15:04:05Z", "2006-01-02T15:04:05.99Z",
    "2006-01-02T15:04:05", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 MST",
    "2006-01-02 15:04:05",
])
def test_reference_date_formats_are_accepted(text):
    assert is_pendo_date(text)


@pytest.mark.parametrize("text", ["2 Jan 2006", "2006/01/02", "2006-13-02 15:04:05", "yesterday",
                                  "2006-01-02T15:04"])
def test_other_date_texts_are_refused(text):
    assert not is_pendo_date(text)


def test_metadata_value_unwraps_numpy_and_pandas_values():
    frame = pd.DataFrame({"n": [3], "when": [pd.Timestamp("2024-01-01", tz="UTC")]})
    assert metadata_value(frame["n"][0], "n", "number") == 3
    assert metadata_value(frame["when"][0], "when", "time") == 1704067200000


def test_set_values_from_a_polars_frame(client, mock, run):
    mock.reply(body={"total": 2, "updated": 2, "failed": 0, "missing": [], "errors": []})
    rows = pl.DataFrame({"visitorId": ["v1", "v2"], "plan": ["gold", None], "seats": [3, 4],
                         "renewal": [date(2024, 1, 1), None]})
    outcome = run(client.metadata.set_values("visitor", "custom", rows, create=True,
                                             field_types={"renewal": "time"}))
    assert (mock.last.method, mock.last.url.path) == (
        "POST", "/api/v1/metadata/visitor/custom/value")
    assert dict(mock.last.url.params) == {"create": "true"}
    assert body(mock.last) == [
        {"visitorId": "v1", "values": {"plan": "gold", "seats": 3, "renewal": 1704067200000}},
        {"visitorId": "v2", "values": {"seats": 4}},
    ]
    assert outcome["updated"] == 2


def test_set_values_from_pandas_and_dict_rows(client, mock, run):
    frame = pd.DataFrame({"accountId": ["a1", "a2"], "tier": ["pro", float("nan")]})
    run(client.metadata.set_values("account", "agent", frame, skip_nulls=True))
    assert mock.last.url.path == "/api/v1/metadata/account/agent/value"
    assert dict(mock.last.url.params) == {}
    assert body(mock.last) == [{"accountId": "a1", "values": {"tier": "pro"}},
                               {"accountId": "a2", "values": {}}]
    run(client.metadata.set_values("account", "agent", [{"accountId": "a1", "tier": None}],
                                   skip_nulls=False))
    assert body(mock.last) == [{"accountId": "a1", "values": {"tier": None}}]


def test_set_values_splits_and_merges_outcomes(client, mock, run):
    mock.reply(body={"total": 2, "updated": 2, "failed": 0, "missing": [], "errors": []})
    mock.reply(body={"total": 2, "updated": 1, "failed": 1, "missing": ["v4"], "errors": []})
    mock.reply(body={"total": 1, "updated": 0, "failed": 1, "missing": [], "errors": ["v5: bad"]})
    rows = [{"visitorId": f"v{i}", "plan": "gold"} for i in range(1, 6)]
    outcome = run(client.metadata.set_values("visitor", "custom", rows, rows_per_call=2))
    assert [len(body(r)) for r in mock.requests] == [2, 2, 1]
    assert [row["visitorId"] for r in mock.requests for row in body(r)] == [
        "v1", "v2", "v3", "v4", "v5"]
    assert outcome == {"total": 5, "updated": 3, "failed": 2, "missing": ["v4"],
                       "errors": ["v5: bad"]}


def test_set_values_failure_midway_lists_pending_rows(client, mock, run):
    mock.reply(body={"total": 2, "updated": 2, "failed": 0}).reply(408, {"message": "timeout"})
    rows = [{"visitorId": f"v{i}", "plan": "gold"} for i in range(5)]
    with pytest.raises(BatchError) as caught:
        run(client.metadata.set_values("visitor", "custom", rows, rows_per_call=2))
    assert caught.value.done["updated"] == 2
    assert [row["visitorId"] for row in caught.value.failed] == ["v2", "v3"]
    assert [row["visitorId"] for row in caught.value.unsent] == ["v4"]
    assert isinstance(caught.value.__cause__, pendo_lab.RequestTimeoutError)


@pytest.mark.parametrize("rows,message", [
    ([], "no rows given"),
    ({"visitorId": "v1"}, "not one dict"),
    ([{"plan": "gold"}], "row 0 has no 'visitorId'"),
    ([{"visitorId": "v1"}, "v2"], "row 1 is a str"),
    ([{"visitorId": "v1", "renewal": "soon"}], "field 'renewal' is a time field"),
    (pl.DataFrame({"accountId": ["a1"], "plan": ["x"]}), "row 0 has no 'visitorId'"),
])
def test_set_values_rejects_bad_rows_before_sending(client, mock, run, rows, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(client.metadata.set_values("visitor", "custom", rows,
                                       field_types={"renewal": "time"}))
    assert mock.requests == []


def test_create_fields_splits_24_per_call_and_merges(client, mock, run):
    fields = {f"f{i}": "string" for i in range(30)}
    mock.reply(201, {"results": [{"status": "created"}] * 24,
                     "summary": {"created": 24, "failed": 0, "total": 24}})
    mock.reply(207, {"results": [{"status": "created"}] * 5 + [{"status": "failed"}],
                     "summary": {"created": 5, "failed": 1, "total": 6}})
    outcome = run(client.metadata.create_fields("visitor", "custom", fields))
    assert [(r.method, r.url.path) for r in mock.requests] == [
        ("POST", "/api/v1/metadata/schema/visitor/custom")] * 2
    assert [len(body(r)) for r in mock.requests] == [24, 6]
    assert body(mock.requests[0])[0] == {"name": "f0", "displayname": "f0", "type": "string"}
    assert outcome["summary"] == {"created": 29, "failed": 1, "total": 30}
    assert len(outcome["results"]) == 30


def test_create_fields_from_dicts_keeps_display_names(client, mock, run):
    run(client.metadata.create_fields("account", "agent", [
        {"name": "arr", "displayname": "Annual revenue", "type": "number"}]))
    assert body(mock.last) == [{"name": "arr", "displayname": "Annual revenue", "type": "number"}]


@pytest.mark.parametrize("fields,message", [
    ({"plan": "text"}, "type of field 'plan' must be one of"),
    ([{"name": "a", "type": "string"}, {"name": "a", "type": "number"}], "listed twice"),
    ([{"type": "string"}], "needs a non-empty 'name'"),
    ({}, "no fields given"),
])
def test_create_fields_rejects_bad_definitions(client, mock, run, fields, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(client.metadata.create_fields("visitor", "custom", fields))
    assert mock.requests == []


def test_delete_field(client, mock, run):
    mock.reply(202, {})
    run(client.metadata.delete_field("visitor", "custom", "tier"))
    assert (mock.last.method, mock.last.url.path) == (
        "DELETE", "/api/v1/metadata/schema/visitor/custom/tier")


def test_dependencies(client, mock, run):
    mock.reply(body={"visitor": {}})
    assert run(client.metadata.dependencies()) == {"visitor": {}}
    assert (mock.last.method, mock.last.url.path) == ("GET", "/api/v1/metadata/dependencies")
    mock.reply(body={"segments": [], "onlyMe": False})
    answer = run(client.metadata.field_dependencies("account", "auto", "lastvisit"))
    assert answer["onlyMe"] is False
    assert mock.last.url.path == "/api/v1/metadata/dependencies/account/auto/lastvisit"


@pytest.mark.parametrize("method,name", [("opt_out_of_guides", "blacklistguides"),
                                         ("do_not_process", "donotprocess")])
def test_pendo_flags(client, mock, run, method, name):
    run(getattr(client.metadata, method)("visitor", "v1"))
    assert (mock.last.method, mock.last.url.path) == (
        "PUT", f"/api/v1/metadata/visitor/pendo/value/v1/{name}")
    assert mock.last.content == b"true"
    run(getattr(client.metadata, method)("account", "a b", False))
    assert mock.last.url.path == f"/api/v1/metadata/account/pendo/value/b64_YSBi/{name}"
    assert mock.last.headers[B64] == "true"
    assert mock.last.content == b"false"
