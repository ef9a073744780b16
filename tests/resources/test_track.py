"""Track events through the mock: data host, track secret, the Track Object, frames of events."""

import warnings
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import orjson
import pandas as pd
import polars as pl
import pytest

import pendo_lab

UTC = timezone.utc
SECRET = "track-secret-for-this-test"


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def recent(**delta) -> datetime:
    """A whole-second UTC time a little before now (so no staleness warning)."""
    return (datetime.now(UTC) - timedelta(**delta)).replace(microsecond=0)


def bodies(mock):
    return [orjson.loads(request.content) for request in mock.requests]


def test_send_posts_the_track_object_to_the_data_host(make_client, mock, run):
    client = make_client(track_secret=SECRET)
    mock.reply(body={"ok": True})
    when = recent(hours=1)
    answer = run(client.track.send("Registered", "visitor-1", account_id="account-1",
                                   timestamp=when, properties={"plan": "pro"},
                                   context={"ip": "76.253.187.23", "userAgent": "Mozilla/5.0"}))
    request = mock.last
    assert (request.method, request.url.host, request.url.path) == \
        ("POST", "data.pendo.io", "/data/track")
    assert request.headers["x-pendo-integration-key"] == SECRET
    assert request.headers["content-type"] == "application/json"
    assert mock.last_json() == {
        "type": "track", "event": "Registered", "visitorId": "visitor-1",
        "accountId": "account-1", "timestamp": ms(when), "properties": {"plan": "pro"},
        "context": {"ip": "76.253.187.23", "userAgent": "Mozilla/5.0"},
    }
    assert answer == {"ok": True}


def test_send_defaults_timestamp_to_now_and_leaves_out_unset_fields(client, mock, run):
    before = ms(datetime.now(UTC)) - 1
    run(client.track.send("Registered", "visitor-1"))
    after = ms(datetime.now(UTC)) + 1
    body = mock.last_json()
    assert before <= body["timestamp"] <= after
    assert set(body) == {"type", "event", "visitorId", "timestamp", "properties"}
    assert body["properties"] == {}


def test_send_uses_the_regional_data_host(make_client, mock, run):
    client = make_client(region="eu")
    run(client.track.send("Registered", "visitor-1"))
    assert mock.last.url.host == "data.eu.pendo.io"


def test_naive_datetimes_are_in_the_client_timezone(make_client, mock, run):
    zone = ZoneInfo("America/New_York")
    local = datetime.now(zone).replace(microsecond=0) - timedelta(hours=2)
    client = make_client(timezone="America/New_York")
    run(client.track.send("Registered", "visitor-1", timestamp=local.replace(tzinfo=None)))
    assert mock.last_json()["timestamp"] == ms(local)


@pytest.mark.parametrize("answer,expected", [
    ({"content": b""}, None), ({"content": b"OK"}, "OK"), ({"body": {"id": 1}}, {"id": 1})])
def test_send_returns_the_answer_as_it_came(client, mock, run, answer, expected):
    mock.reply(200, **answer)
    assert run(client.track.send("Registered", "visitor-1")) == expected


def test_old_timestamp_warns_and_is_still_sent(client, mock, run):
    with pytest.warns(UserWarning, match="more than 7 days old"):
        run(client.track.send("Registered", "visitor-1", timestamp=recent(days=8)))
    assert len(mock.requests) == 1


def test_six_day_old_timestamp_does_not_warn(client, mock, run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(client.track.send("Registered", "visitor-1", timestamp=recent(days=6)))
    assert len(mock.requests) == 1


@pytest.mark.parametrize("kwargs,message", [
    ({"event": "", "visitor_id": "v1"}, "event missing or blank"),
    ({"event": "Registered", "visitor_id": "  "}, "visitorId missing or blank"),
    ({"event": "Registered", "visitor_id": "v1", "timestamp": 1_700_000_000},
     "multiply by 1000"),
    ({"event": "Registered", "visitor_id": "v1", "timestamp": "yesterday"},
     "timestamp must be a datetime"),
    ({"event": "Registered", "visitor_id": "v1", "properties": ["a"]},
     "properties must be a dict"),
    ({"event": "Registered", "visitor_id": "v1", "properties": {"x": object()}},
     "not JSON-serialisable"),
])
def test_bad_event_is_rejected_before_sending(client, mock, run, kwargs, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(client.track.send(**kwargs))
    assert mock.requests == []


def test_missing_track_secret_names_the_variable(make_client, mock, run, monkeypatch):
    monkeypatch.delenv("PENDO_TRACK_SECRET", raising=False)
    client = make_client(track_secret=None)
    with pytest.raises(pendo_lab.ConfigurationError, match="PENDO_TRACK_SECRET"):
        run(client.track.send("Registered", "visitor-1"))
    assert mock.requests == []


def test_send_is_not_retried_on_a_server_error(client, mock, run):
    mock.reply(500, {"message": "boom"})
    with pytest.raises(pendo_lab.ServerError, match="boom"):
        run(client.track.send("Registered", "visitor-1"))
    assert len(mock.requests) == 1


def test_send_many_from_polars(client, mock, run):
    first, second = recent(hours=3), recent(hours=2)
    events = pl.DataFrame({
        "event": ["Registered", "Upgraded"],
        "visitorId": ["v1", "v2"],
        "accountId": ["a1", None],
        "timestamp": [first, second],
        "properties": [{"plan": "pro", "seats": 3}, {"plan": "team", "seats": None}],
    })
    summary = run(client.track.send_many(events))
    assert [r.url.path for r in mock.requests] == ["/data/track", "/data/track"]
    assert bodies(mock) == [
        {"type": "track", "event": "Registered", "visitorId": "v1", "accountId": "a1",
         "timestamp": ms(first), "properties": {"plan": "pro", "seats": 3}},
        {"type": "track", "event": "Upgraded", "visitorId": "v2",
         "timestamp": ms(second), "properties": {"plan": "team"}},
    ]
    assert isinstance(summary, pl.DataFrame)
    assert summary.select("row", "visitorId", "outcome", "status").rows() == \
        [(0, "v1", "sent", 200), (1, "v2", "sent", 200)]
    assert summary["error"].to_list() == [None, None]


def test_send_many_from_pandas_with_millisecond_timestamps(client, mock, run):
    stamp = ms(recent(hours=1))
    events = pd.DataFrame({
        "event": ["Registered", "Upgraded"],
        "visitorId": ["v1", "v2"],
        "accountId": ["a1", None],
        "timestamp": [stamp, stamp + 5],
        "properties": [{"plan": "pro"}, None],
    })
    summary = run(client.track.send_many(events, frame="pandas"))
    sent = bodies(mock)
    assert [b["timestamp"] for b in sent] == [stamp, stamp + 5]
    assert [b.get("accountId") for b in sent] == ["a1", None]
    assert [b["properties"] for b in sent] == [{"plan": "pro"}, {}]
    assert type(summary).__module__.startswith("pandas")
    assert summary["outcome"].tolist() == ["sent", "sent"]


def test_send_many_without_timestamp_column_uses_now(client, mock, run):
    before = ms(datetime.now(UTC)) - 1
    run(client.track.send_many(pl.DataFrame({"event": ["a"], "visitorId": ["v1"]})))
    assert before <= mock.last_json()["timestamp"] <= ms(datetime.now(UTC)) + 1


def test_send_many_names_missing_and_unknown_columns(client, mock, run):
    events = pl.DataFrame({"event": ["a"], "visitor": ["v1"]})
    with pytest.raises(pendo_lab.ValidationError) as info:
        run(client.track.send_many(events))
    assert "missing column(s) ['visitorId']" in str(info.value)
    assert "unknown column(s) ['visitor']" in str(info.value)
    assert mock.requests == []


def test_send_many_names_rows_with_nulls_before_sending_any(client, mock, run):
    events = pl.DataFrame({"event": ["a", None, "c", "d"], "visitorId": ["v1", "v2", None, "v4"]})
    with pytest.raises(pendo_lab.ValidationError) as info:
        run(client.track.send_many(events))
    message = str(info.value)
    assert "2 of 4 track events are invalid" in message
    assert "row 1: event missing" in message and "row 2: visitorId missing" in message
    assert "row 0" not in message and "row 3" not in message
    assert mock.requests == []


def test_send_many_rejects_something_that_is_not_a_frame(client, mock, run):
    with pytest.raises(pendo_lab.ValidationError, match="Polars or pandas DataFrame"):
        run(client.track.send_many([{"event": "a", "visitorId": "v1"}]))


def test_send_many_warns_about_old_rows_by_position(client, mock, run):
    events = pl.DataFrame({"event": ["a", "b", "c"], "visitorId": ["v1", "v2", "v3"],
                           "timestamp": [recent(hours=1), recent(days=9), recent(days=30)]})
    with pytest.warns(UserWarning, match=r"2 of 3 track events \(rows \[1, 2\]\)"):
        run(client.track.send_many(events))
    assert len(mock.requests) == 3


def test_send_many_records_a_failed_row_and_goes_on(client, mock, run):
    mock.reply(200).reply(400, {"message": "Error unmarshalling track event data"}).reply(200)
    events = pl.DataFrame({"event": ["a", "b", "c"], "visitorId": ["v1", "v2", "v3"]})
    summary = run(client.track.send_many(events))
    assert summary["outcome"].to_list() == ["sent", "failed", "sent"]
    assert summary["status"].to_list() == [200, 400, 200]
    assert "Error unmarshalling" in summary["error"][1]
    assert len(mock.requests) == 3


def test_send_many_stops_after_a_rejected_secret(client, mock, run):
    mock.reply(200).reply(403, {"message": "bad secret"})
    events = pl.DataFrame({"event": ["a", "b", "c", "d"], "visitorId": ["v1", "v2", "v3", "v4"]})
    summary = run(client.track.send_many(events))
    assert summary["outcome"].to_list() == ["sent", "failed", "skipped", "skipped"]
    assert summary["error"][3].startswith("not sent after an earlier failure")
    assert len(mock.requests) == 2


def test_send_many_stops_after_a_network_failure(client, mock, run):
    for _ in range(4):  # FAST_RETRY: four tries, then the error reaches the plan
        mock.fail(httpx.ConnectError("connection refused"))
    events = pl.DataFrame({"event": ["a", "b"], "visitorId": ["v1", "v2"]})
    summary = run(client.track.send_many(events))
    assert summary["outcome"].to_list() == ["failed", "skipped"]
    assert summary["status"].to_list() == [None, None]
    assert "ConnectError" in summary["error"][0]
    assert len(mock.requests) == 4


def test_date_timestamps_mean_midnight_in_the_client_timezone(client, mock, run):
    today = date.today()
    events = pl.DataFrame({"event": ["a"], "visitorId": ["v1"], "timestamp": [today]})
    run(client.track.send_many(events))
    assert mock.last_json()["timestamp"] == ms(datetime(today.year, today.month, today.day,
                                                        tzinfo=UTC))
