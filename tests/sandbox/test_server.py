"""The sandbox over real HTTP on 127.0.0.1 and its aggregation endpoint end to end: the
envelope (``startTime``, ``details.validThrough``), Pendo-style errors, and grouped event rows
that agree with the raw log (``numEvents``, distinct ``numMinutes``, local days across the
daylight-saving change of Sunday 1 November 2026 in New York).

``box_client`` runs a test in process and over HTTP, sync and async.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest

from pendo_lab import BadRequestError, UnprocessableEntityError
from pendo_lab.sandbox import IN_PROCESS_URL, READ_ONLY_KEY, READ_WRITE_KEY

KEY = {"x-pendo-integration-key": READ_WRITE_KEY}
NEW_YORK = ZoneInfo("America/New_York")
HOUR_MS = 3_600_000
DEFAULT_APP = -323232


def midnight(day: date) -> int:
    return round(datetime(day.year, day.month, day.day, tzinfo=NEW_YORK).timestamp() * 1000)


def events_over(first: date, days: int) -> dict:
    """The events source over ``days`` local days from ``first`` (exclude list ignored)."""
    return {"source": {"events": {"blacklist": "ignore"}, "timeSeries": {
        "period": "dayRange", "first": midnight(first), "count": days}}}


@pytest.fixture(params=["inprocess", "server"])
def http(request, box):
    """A plain httpx client on the sandbox, in process or over HTTP."""
    if request.param == "inprocess":
        with httpx.Client(transport=box.transport(), base_url=IN_PROCESS_URL) as client:
            yield client
        return
    with box.serve() as url, httpx.Client(base_url=url) as client:
        yield client


def test_serve_answers_real_http_on_loopback_until_closed(box):
    with box.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        verify = httpx.get(f"{url}/api/v1/token/verify", headers=KEY)
        assert verify.status_code == 200 and verify.json() == {"valid": True, "write": True}
        read_only = httpx.get(f"{url}/api/v1/token/verify",
                              headers={"x-pendo-integration-key": READ_ONLY_KEY})
        assert read_only.json() == {"valid": True, "write": False}
        assert httpx.get(f"{url}/api/v1/token/verify").status_code == 403
        unauthorised = httpx.get(f"{url}/api/v1/page")
        assert unauthorised.status_code == 401 and "message" in unauthorised.json()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/api/v1/token/verify", headers=KEY)


def test_http_answers_are_byte_for_byte_the_in_process_ones(box):
    body = {"response": {"mimeType": "application/json"},
            "request": {"pipeline": [events_over(date(2026, 10, 30), 3), {"limit": 50}]}}
    with httpx.Client(transport=box.transport(), base_url=IN_PROCESS_URL) as local:
        expected = local.post("/api/v1/aggregation", json=body, headers=KEY)
    with box.serve() as url:
        served = httpx.post(f"{url}/api/v1/aggregation", json=body, headers=KEY)
    assert served.status_code == expected.status_code == 200
    assert served.content == expected.content
    assert served.headers["content-type"] == "application/json"


def test_details_true_adds_valid_through_per_app(box, box_client, run):
    pipeline = [events_over(date(2026, 11, 1), 1), {"count": None}]
    plain = run(box_client.aggregation.raw(pipeline))
    detailed = run(box_client.aggregation.raw(pipeline, details=True))
    assert "details" not in plain
    apps = box.tables["apps"]["id"].to_list()
    assert detailed["details"] == {"validThrough": {str(app): box.state.now_ms()
                                                    for app in apps}}
    assert detailed["results"] == plain["results"]
    assert detailed["startTime"] == plain["startTime"] == midnight(date(2026, 11, 1))


def test_engine_errors_are_400_with_pendos_message(box_client, run):
    with pytest.raises(BadRequestError) as caught:
        run(box_client.aggregate([{"source": {"visitors": None}}, {"segment": {"id": "nope"}}]))
    assert caught.value.status == 400
    assert caught.value.message == "pipeline[1].segment: no segment with id 'nope'"
    with pytest.raises(BadRequestError) as caught:
        run(box_client.aggregate([{"source": {"visitors": None}}, {"filter": "visitorId >= 9"}]))
    assert "operands of >= must be two numbers or two strings" in caught.value.message


def test_iterative_periods_are_422_not_supported(box_client, run):
    source = {"source": {"events": None, "timeSeries": {"period": "daily", "first": "now()",
                                                         "count": -3}}}
    with pytest.raises(UnprocessableEntityError) as caught:
        run(box_client.aggregate([source]))
    assert "not supported by the sandbox" in caught.value.message
    assert "iterative periods" in caught.value.message


@pytest.mark.parametrize("body, message", [
    (b"{not json", "request body is not valid JSON"),
    (b'{"request": {"pipeline": []}}', "request.pipeline must be a non-empty list"),
    (orjson.dumps({"request": {"pipeline": [{"source": {"pageEvents": None}}]}}),
     "pipeline[0].source: pageEvents needs a timeSeries"),
])
def test_bad_bodies_are_400_with_a_json_message(http, body, message):
    answer = http.post("/api/v1/aggregation", content=body, headers=KEY)
    assert answer.status_code == 400
    assert message in answer.json()["message"]


def raw_groups(box, first: date, days: int) -> dict[tuple, list[int]]:
    """The raw log grouped as the events source groups it: event times per visitor, account,
    app, local day, server, IP and agent (page loads and clicks of the default app)."""
    start, end = midnight(first), midnight(date.fromordinal(first.toordinal() + days))
    groups = defaultdict(list)
    log = box.tables["events"]
    for row in log.filter(log["appId"] == DEFAULT_APP, log["type"] != "track",
                          log["browserTime"] >= start, log["browserTime"] < end).iter_rows(
            named=True):
        day = datetime.fromtimestamp(row["browserTime"] / 1000, NEW_YORK).date()
        key = (row["visitorId"], row["accountId"], midnight(day), row["server"],
               row["remoteIp"], row["userAgent"])
        groups[key].append(row["browserTime"])
    return groups


def test_grouped_events_agree_with_the_raw_log_across_the_dst_change(box, box_client, run):
    first = date(2026, 10, 31)                     # Sat 31 Oct .. Mon 2 Nov; clocks back on Sun
    envelope = run(box_client.aggregation.raw([events_over(first, 3)]))
    expected = raw_groups(box, first, 3)
    got = {(r["visitorId"], r["accountId"], r["day"], r["server"], r["remoteIp"],
            r["userAgent"]): r for r in envelope["results"]}
    assert got.keys() == expected.keys()
    for key, times in expected.items():
        assert got[key]["numEvents"] == len(times)
        assert got[key]["numMinutes"] == len({ms // 60_000 for ms in times})
    days = sorted({row["day"] for row in envelope["results"]})
    assert days == [midnight(date(2026, 10, 31)), midnight(date(2026, 11, 1)),
                    midnight(date(2026, 11, 2))]
    assert days[2] - days[1] == 25 * HOUR_MS       # the 25-hour Sunday
    assert envelope["startTime"] == days[0]


def test_num_minutes_counts_distinct_minutes_not_events(box, box_client, run):
    rows = run(box_client.aggregation.raw([events_over(date(2026, 10, 1), 30)]))["results"]
    assert any(row["numMinutes"] < row["numEvents"] for row in rows)
    assert all(1 <= row["numMinutes"] <= row["numEvents"] for row in rows)


def test_hour_range_over_the_dst_change_covers_its_25_hours(box, box_client, run):
    source = {"source": {"events": {"blacklist": "ignore"}, "timeSeries": {
        "period": "hourRange", "first": "date(2026, 11, 1)", "count": 25}}}
    envelope = run(box_client.aggregation.raw([source]))
    start, end = midnight(date(2026, 11, 1)), midnight(date(2026, 11, 2))
    assert envelope["startTime"] == start and end - start == 25 * HOUR_MS
    got = defaultdict(int)
    for row in envelope["results"]:
        got[row["hour"]] += row["numEvents"]
    expected = defaultdict(int)
    for times in raw_groups(box, date(2026, 11, 1), 1).values():
        for ms in times:
            expected[ms - ms % HOUR_MS] += 1        # New York's offsets are whole hours
    assert got and got == expected


def test_a_handler_bug_is_a_500_and_the_server_keeps_serving(box, http, monkeypatch):
    def broken(spec):
        raise RuntimeError("resolver exploded")

    monkeypatch.setattr(box.state, "resolver", broken)
    body = {"request": {"pipeline": [{"source": {"pages": None}}]}}
    answer = http.post("/api/v1/aggregation", json=body, headers=KEY)
    assert answer.status_code == 500
    assert answer.json() == {"message": "sandbox error: RuntimeError: resolver exploded"}
    assert http.get("/api/v1/token/verify", headers=KEY).status_code == 200
