"""Visitors, their history and accounts through the mock: paths, b64 ids, the 180-day limit."""

import base64
from datetime import date, datetime, timedelta, timezone

import pytest

import pendo_lab

UTC = timezone.utc
B64 = "x-pendo-base64-encoded-params"


def b64(text: str) -> str:
    return "b64_" + base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("name,path", [("visitors", "/api/v1/visitor"),
                                       ("accounts", "/api/v1/account")])
def test_get_plain_id(client, mock, run, name, path):
    mock.reply(body={"id": "id-1", "metadata": {"auto": {"firstvisit": 1700000000000}}})
    found = run(getattr(client, name).get("id-1"))
    assert (mock.last.method, mock.last.url.raw_path) == ("GET", f"{path}/id-1".encode())
    assert B64 not in mock.last.headers
    assert found["metadata"]["auto"]["firstvisit"] == 1700000000000


@pytest.mark.parametrize("name,path", [("visitors", "/api/v1/visitor"),
                                       ("accounts", "/api/v1/account")])
@pytest.mark.parametrize("odd_id", ["acme/west", "50% off", "José Müller", "a b"])
def test_get_awkward_id_goes_in_b64_form(client, mock, run, name, path, odd_id):
    mock.reply(body={"id": odd_id})
    run(getattr(client, name).get(odd_id))
    assert mock.last.url.raw_path == f"{path}/{b64(odd_id)}".encode()
    assert mock.last.headers[B64] == "true"


def test_get_unknown_visitor_is_not_found(client, mock, run):
    mock.reply(404, {"message": "Error while getting visitor, no such entity found"})
    with pytest.raises(pendo_lab.NotFoundError) as info:
        run(client.visitors.get("ghost"))
    assert (info.value.path, info.value.status) == ("/api/v1/visitor/ghost", 404)
    assert "no such entity" in info.value.message


@pytest.mark.parametrize("bad", ["", "   ", None])
def test_get_rejects_empty_id_before_sending(client, mock, run, bad):
    with pytest.raises(pendo_lab.ValidationError):
        run(client.accounts.get(bad))
    assert mock.requests == []


def test_history_sends_starttime_in_ms_and_returns_a_frame(client, mock, run):
    start = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    ts = int(start.timestamp() * 1000) + 60_000
    mock.reply(body=[{"type": "page", "pageId": "p1", "ts": ts, "lastTs": ts + 30_000,
                      "uri": "/api/v1/page?id=p1"}])
    frame = run(client.visitors.history("visitor-1", start))
    assert mock.last.url.path == "/api/v1/visitor/visitor-1/history"
    assert dict(mock.last.url.params) == {"starttime": str(int(start.timestamp() * 1000))}
    assert frame["type"].to_list() == ["page"]
    assert frame["ts"][0] == start + timedelta(minutes=1)
    assert frame["lastTs"].dtype.time_zone == "UTC"


def test_history_accepts_a_date_in_the_client_timezone(make_client, mock, run):
    client = make_client(timezone="Asia/Tokyo")
    day = date.today() - timedelta(days=3)
    run(client.visitors.history("visitor-1", day))
    midnight_tokyo = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=9)
    assert mock.last.url.params["starttime"] == str(int(midnight_tokyo.timestamp() * 1000))


def test_history_accepts_epoch_ms_and_b64_ids(client, mock, run):
    start = int((datetime.now(UTC) - timedelta(days=10)).timestamp() * 1000)
    frame = run(client.visitors.history("user/42", start))
    assert mock.last.url.raw_path.startswith(f"/api/v1/visitor/{b64('user/42')}/history".encode())
    assert mock.last.headers[B64] == "true"
    assert mock.last.url.params["starttime"] == str(start)
    assert frame.height == 0


def test_history_older_than_180_days_is_refused_before_sending(client, mock, run):
    with pytest.raises(pendo_lab.ValidationError, match="last 180 days"):
        run(client.visitors.history("visitor-1", datetime.now(UTC) - timedelta(days=181)))
    assert mock.requests == []


def test_history_179_days_back_is_sent(client, mock, run):
    run(client.visitors.history("visitor-1", datetime.now(UTC) - timedelta(days=179)))
    assert len(mock.requests) == 1


def test_history_rejects_seconds(client, mock, run):
    seconds = int(datetime.now(UTC).timestamp())
    with pytest.raises(pendo_lab.ValidationError, match="multiply by 1000"):
        run(client.visitors.history("visitor-1", seconds))
    assert mock.requests == []


def test_history_in_pandas(client, mock, run):
    mock.reply(body=[{"type": "untagged", "id": "https://example.com/x"}])
    frame = run(client.visitors.history("visitor-1", date.today(), frame="pandas"))
    assert type(frame).__module__.startswith("pandas")
    assert frame["type"].tolist() == ["untagged"]
