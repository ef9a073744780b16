"""The core (pendo_lab/_http.py, pendo_lab/_client.py): errors, retries, ids, secrecy, hosts, logs.

Every test runs on the sync and the async client. Waiting is replaced by a fake clock (see
``clock``): sleeps are recorded and advance the clock instead of passing real time.
"""

import asyncio
import base64
import json
import logging
import threading
import time
import warnings
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import httpx
import polars as pl
import pytest

import pendo_lab
from pendo_lab import RetryPolicy, _http
from pendo_lab._http import NO_RETRY, Call, Parallel, Sleep, path_id, segment

STATUS_ERRORS = [
    (400, pendo_lab.BadRequestError), (401, pendo_lab.AuthenticationError),
    (402, pendo_lab.RequestFailedError), (403, pendo_lab.PermissionDeniedError),
    (404, pendo_lab.NotFoundError), (408, pendo_lab.RequestTimeoutError),
    (409, pendo_lab.ConflictError), (413, pendo_lab.PayloadTooLargeError),
    (422, pendo_lab.UnprocessableEntityError), (429, pendo_lab.RateLimitError),
    (500, pendo_lab.ServerError), (502, pendo_lab.ServerError),
    (503, pendo_lab.ServerError), (504, pendo_lab.ServerError),
]
#: A policy whose delays are easy to predict: 1, 2, 4, ... seconds, no jitter.
PLAIN = RetryPolicy(max_attempts=5, backoff=1.0, max_backoff=30.0, jitter=0)


class FakeClock:
    """Stands in for ``time`` and ``asyncio`` inside ``pendo_lab._http``: sleeping moves time."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(_http, "time", SimpleNamespace(monotonic=fake.monotonic, sleep=fake.sleep))
    monkeypatch.setattr(_http, "asyncio", SimpleNamespace(sleep=fake.async_sleep))
    return fake


def refuse(request):
    raise httpx.ConnectError("refused")


def call(client, *args, **kwargs):
    """Run one Call on the client's core (a coroutine on the async client)."""
    return client._core.run(Call(*args, **kwargs))


# --- status -> exception ------------------------------------------------------------------------

@pytest.mark.parametrize("status,cls", STATUS_ERRORS)
def test_every_status_maps_to_its_class(make_client, mock, run, status, cls):
    client = make_client(retry=NO_RETRY)
    mock.reply(status, {"message": f"server says {status}"})
    with pytest.raises(cls) as info:
        run(client.pages.list())
    err = info.value
    assert type(err) is cls and isinstance(err, pendo_lab.APIStatusError)
    assert (err.method, err.path, err.status, err.message) == \
        ("GET", "/api/v1/page", status, f"server says {status}")
    assert str(err) == f"GET /api/v1/page -> {status} {cls.reason}: server says {status}"


@pytest.mark.parametrize("answer,message", [
    ({"body": {"error": "No IDs in payload"}}, "No IDs in payload"),
    ({"body": {"text": "bad field"}}, "bad field"),
    ({"content": b"  Error unmarshalling track data \n"}, "Error unmarshalling track data"),
    ({"body": ["not", "an", "object"]}, "['not', 'an', 'object']"),
    ({"content": b""}, ""),
])
def test_server_message_is_found_in_any_body(make_client, mock, run, answer, message):
    client = make_client(retry=NO_RETRY)
    mock.reply(400, **answer)
    with pytest.raises(pendo_lab.BadRequestError) as info:
        run(client.pages.list())
    assert info.value.message == message


def test_unlisted_status_is_a_plain_api_status_error(make_client, mock, run):
    client = make_client(retry=NO_RETRY)
    mock.reply(418, {"message": "teapot"})
    with pytest.raises(pendo_lab.APIStatusError) as info:
        run(client.pages.list())
    assert type(info.value) is pendo_lab.APIStatusError and info.value.status == 418


def test_rate_limit_error_carries_retry_after(make_client, mock, run):
    client = make_client(retry=NO_RETRY)
    mock.reply(429, {"message": "Slow down"}, headers={"Retry-After": "12"})
    with pytest.raises(pendo_lab.RateLimitError) as info:
        run(client.pages.list())
    assert info.value.retry_after == 12.0


# --- retries ------------------------------------------------------------------------------------

def test_get_is_retried_on_5xx_with_doubling_delays(make_client, mock, run, clock):
    client = make_client(retry=PLAIN)
    mock.reply(503).reply(502).reply(200, [{"id": "p1"}])
    assert run(client.pages.list())["id"].to_list() == ["p1"]
    assert len(mock.requests) == 3
    assert clock.sleeps == [1.0, 2.0]


def test_gives_up_after_max_attempts(make_client, mock, run, clock):
    client = make_client(retry=RetryPolicy(max_attempts=3, backoff=1.0, jitter=0))
    mock.default = lambda request: httpx.Response(500, json={"message": "down"})
    with pytest.raises(pendo_lab.ServerError, match="down"):
        run(client.pages.list())
    assert len(mock.requests) == 3
    assert clock.sleeps == [1.0, 2.0]


def test_delays_stop_growing_at_max_backoff(make_client, mock, run, clock):
    client = make_client(retry=RetryPolicy(max_attempts=6, backoff=1.0, max_backoff=4.0,
                                           jitter=0))
    mock.default = lambda request: httpx.Response(500)
    with pytest.raises(pendo_lab.ServerError):
        run(client.pages.list())
    assert clock.sleeps == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_gives_up_when_the_next_wait_would_pass_total_timeout(make_client, mock, run, clock):
    client = make_client(retry=RetryPolicy(max_attempts=10, backoff=1.0, jitter=0,
                                           total_timeout=2.5))
    mock.default = lambda request: httpx.Response(503)
    with pytest.raises(pendo_lab.ServerError):
        run(client.pages.list())
    # waited 1 s (t=1); the next wait of 2 s would end at t=3 > 2.5, so it stops.
    assert len(mock.requests) == 2
    assert clock.sleeps == [1.0]


def test_jitter_adds_up_to_its_share(monkeypatch):
    policy = RetryPolicy(backoff=2.0, jitter=0.5)
    monkeypatch.setattr(_http.random, "random", lambda: 1.0)
    assert policy.delay(1) == 3.0
    monkeypatch.setattr(_http.random, "random", lambda: 0.0)
    assert policy.delay(2) == 4.0


def test_retry_after_is_honoured(make_client, mock, run, clock):
    client = make_client(retry=PLAIN)
    mock.reply(429, {"message": "Slow down"}, headers={"Retry-After": "7"}).reply(200, [])
    run(client.pages.list())
    assert clock.sleeps == [7.0]


def test_retry_after_past_total_timeout_gives_up_at_once(make_client, mock, run, clock):
    client = make_client(retry=RetryPolicy(total_timeout=60, jitter=0))
    mock.reply(429, headers={"Retry-After": "3600"})
    with pytest.raises(pendo_lab.RateLimitError) as info:
        run(client.pages.list())
    assert info.value.retry_after == 3600.0
    assert len(mock.requests) == 1 and clock.sleeps == []


def test_delays_can_be_recorded_through_retry_policy(make_client, mock, run, clock, monkeypatch):
    asked = []
    original = RetryPolicy.delay

    def recording_delay(self, attempt, retry_after=None):
        asked.append((attempt, retry_after))
        return original(self, attempt, retry_after)

    monkeypatch.setattr(RetryPolicy, "delay", recording_delay)
    client = make_client(retry=PLAIN)
    mock.reply(500).reply(429, headers={"Retry-After": "5"}).reply(200, [])
    run(client.pages.list())
    assert asked == [(1, None), (2, 5.0)]
    assert clock.sleeps == [1.0, 5.0]


def test_client_errors_are_not_retried(make_client, mock, run, clock):
    client = make_client(retry=PLAIN)
    mock.reply(400, {"message": "missing parameter"})
    with pytest.raises(pendo_lab.BadRequestError):
        run(client.pages.list())
    assert len(mock.requests) == 1 and clock.sleeps == []


def test_post_is_not_retried_on_500(make_client, mock, run, clock):
    client = make_client(retry=PLAIN)
    mock.reply(500, {"message": "maybe done"})
    with pytest.raises(pendo_lab.ServerError):
        run(call(client, "POST", "/api/v1/feedback", json={"title": "x"}))
    assert len(mock.requests) == 1 and clock.sleeps == []


def test_post_is_retried_on_429(make_client, mock, run, clock):
    client = make_client(retry=PLAIN)
    mock.reply(429).reply(200, {"id": "fb-1"})
    assert run(call(client, "POST", "/api/v1/feedback", json={"title": "x"})) == {"id": "fb-1"}
    assert len(mock.requests) == 2 and clock.sleeps == [1.0]


@pytest.mark.parametrize("never_sent", [httpx.ConnectError("connection refused"),
                                        httpx.ConnectTimeout("connect timed out")])
def test_post_is_retried_when_the_connection_was_never_made(make_client, mock, run, clock,
                                                            never_sent):
    client = make_client(retry=PLAIN)
    mock.fail(never_sent).reply(200, {"id": "fb-1"})
    assert run(call(client, "POST", "/api/v1/feedback", json={"title": "x"})) == {"id": "fb-1"}
    assert len(mock.requests) == 2


def test_idempotent_post_is_retried_on_5xx(make_client, mock, run, clock):
    client = make_client(retry=PLAIN)
    mock.reply(502).reply(504).reply(200, {"startTime": 0, "results": [{"n": 1}]})
    body = run(client.aggregation.raw([{"source": {"pages": None}}]))
    assert body["results"] == [{"n": 1}]
    assert [r.method for r in mock.requests] == ["POST"] * 3
    assert clock.sleeps == [1.0, 2.0]


def test_put_is_retried_on_5xx(make_client, mock, run, clock):
    client = make_client(retry=PLAIN)
    mock.reply(500).reply(200, {})
    run(call(client, "PUT", "/api/v1/x", json={}))
    assert len(mock.requests) == 2


def test_read_timeout_on_get_is_retried(make_client, mock, run, clock):
    client = make_client(retry=PLAIN)
    mock.fail(httpx.ReadTimeout("read timed out")).reply(200, [{"id": "p1"}])
    assert run(client.pages.list()).height == 1
    assert len(mock.requests) == 2


def test_read_timeout_on_post_is_not_retried(make_client, mock, run, clock):
    client = make_client(retry=PLAIN)
    mock.fail(httpx.ReadTimeout("read timed out"))
    with pytest.raises(pendo_lab.APITimeoutError) as info:
        run(call(client, "POST", "/api/v1/feedback", json={"title": "x"}))
    assert (info.value.method, info.value.path) == ("POST", "/api/v1/feedback")
    assert "ReadTimeout" in info.value.message
    assert len(mock.requests) == 1 and clock.sleeps == []


def test_connection_failures_become_api_connection_error(make_client, mock, run, clock):
    client = make_client(retry=RetryPolicy(max_attempts=2, backoff=1.0, jitter=0))
    mock.default = refuse
    with pytest.raises(pendo_lab.APIConnectionError) as info:
        run(client.pages.list())
    assert isinstance(info.value, pendo_lab.TransportError)
    assert (info.value.method, info.value.path) == ("GET", "/api/v1/page")
    assert "ConnectError: refused" in str(info.value)
    assert len(mock.requests) == 2


@pytest.mark.parametrize("bad", [{"max_attempts": 0}, {"backoff": -1}, {"jitter": -0.1}])
def test_retry_policy_rejects_nonsense(bad):
    with pytest.raises(pendo_lab.ConfigurationError):
        RetryPolicy(**bad)


# --- base64 ids ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["acme/west", "100%", "two words", "tab\there", "naïve",
                                   "日本語", "what?", "hash#tag", "back\\slash", "line\nbreak"])
def test_awkward_ids_use_the_b64_form(value):
    text, is_b64 = path_id(value)
    assert is_b64 and text.startswith("b64_")
    assert base64.urlsafe_b64decode(text[4:]).decode() == value
    assert set(text[4:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


@pytest.mark.parametrize("value,expected", [("visitor-1", "visitor-1"), ("A_b.c~d", "A_b.c~d"),
                                            ("user@example.com", "user%40example.com"),
                                            (12345, "12345")])
def test_plain_ids_are_sent_as_they_are(value, expected):
    assert path_id(value) == (expected, False)


def test_segment_encodes_without_b64():
    assert segment("a/b c") == "a%2Fb%20c"


def test_b64_header_is_sent_only_with_b64_ids(client, mock, run):
    run(client.visitors.get("acme/ann"))
    run(client.visitors.get("ann"))
    first, second = mock.requests
    assert first.headers["x-pendo-base64-encoded-params"] == "true"
    assert first.url.raw_path == b"/api/v1/visitor/" + path_id("acme/ann")[0].encode()
    assert "x-pendo-base64-encoded-params" not in second.headers


# --- the key stays secret -----------------------------------------------------------------------

SECRET_KEY = "pk-DISTINCTIVE-Zq81x7Lw0"
SECRET_TRACK = "ts-DISTINCTIVE-Mv20p4Kr9"


@pytest.fixture(params=["sync", "async"])
def secret_client(request, mock):
    """A client on the mock with distinctive secrets (``make_client`` fixes its own key)."""
    kind = pendo_lab.Pendo if request.param == "sync" else pendo_lab.AsyncPendo
    return kind(SECRET_KEY, track_secret=SECRET_TRACK, transport=httpx.MockTransport(mock),
                retry=RetryPolicy(max_attempts=2, backoff=0, jitter=0))


def test_key_goes_to_the_api_host_and_track_secret_to_the_data_host(secret_client, mock, run):
    run(call(secret_client, "POST", "/api/v1/x", json={"a": 1}, headers={"x-extra": "1"}))
    run(secret_client.track.send("Registered", "visitor-1"))
    api, data = mock.requests
    assert (api.url.host, data.url.host) == ("app.pendo.io", "data.pendo.io")
    assert api.headers["x-pendo-integration-key"] == SECRET_KEY
    assert data.headers["x-pendo-integration-key"] == SECRET_TRACK
    assert api.headers["content-type"] == "application/json"
    assert api.headers["user-agent"].startswith("pendo-lab/")
    assert api.headers["x-extra"] == "1"


def assert_secret_absent(text: str) -> None:
    assert SECRET_KEY not in text and SECRET_TRACK not in text


def test_key_is_not_in_repr_or_str_of_clients_and_resources(secret_client):
    things = [secret_client, secret_client._core]
    things += [getattr(secret_client, name) for name in
               ("pages", "track", "visitors", "accounts", "bulk_delete", "reports", "datasync",
                "feedback", "aggregation")]
    for thing in things:
        assert_secret_absent(repr(thing))
        assert_secret_absent(str(thing))
    assert_secret_absent(secret_client._repr_html_())


@pytest.mark.parametrize("status", [s for s, _ in STATUS_ERRORS])
def test_key_is_not_in_exceptions(secret_client, mock, run, status):
    mock.default = lambda request: httpx.Response(status, json={"message": "no"})
    with pytest.raises(pendo_lab.APIStatusError) as info:
        run(secret_client.pages.list())
    err = info.value
    for text in (str(err), repr(err), repr(err.args), str(vars(err))):
        assert_secret_absent(text)


def test_key_is_not_in_exceptions_even_when_the_server_echoes_it(secret_client, mock, run):
    mock.reply(401, {"message": f"invalid integration key {SECRET_KEY}"})
    with pytest.raises(pendo_lab.AuthenticationError) as info:
        run(secret_client.pages.list())
    err = info.value
    for text in (str(err), repr(err.args), err.message):
        assert_secret_absent(text)


def test_key_is_not_in_transport_errors(secret_client, mock, run):
    mock.default = refuse
    with pytest.raises(pendo_lab.APIConnectionError) as info:
        run(secret_client.track.send("Registered", "visitor-1"))
    assert_secret_absent(str(info.value) + repr(info.value.args))


def test_key_is_not_in_log_records(secret_client, mock, run, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "pendo_lab"):
        caplog.set_level(logging.DEBUG, logger=name)
    mock.reply(500).reply(200, [{"id": "p1"}]).reply(401, {"message": "bad key"})
    run(secret_client.pages.list())
    with pytest.raises(pendo_lab.AuthenticationError):
        run(secret_client.visitors.get("acme/ann"))
    run(secret_client.track.send("Registered", "visitor-1"))
    assert {r.name for r in caplog.records} >= {"pendo_lab", "httpx"}
    for record in caplog.records:
        assert_secret_absent(record.getMessage())
        assert_secret_absent(repr(vars(record)))


def test_key_is_not_in_warnings(secret_client, mock, run):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = datetime.now(timezone.utc) - timedelta(days=10)
        run(secret_client.track.send("Registered", "visitor-1", timestamp=old))
    assert caught
    for warning in caught:
        assert_secret_absent(str(warning.message))


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server API)
        body = json.dumps([{"id": "p1"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", [pendo_lab.Pendo, pendo_lab.AsyncPendo])
def test_key_is_not_logged_by_a_real_transport(kind, loopback_url, run, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "pendo_lab"):
        caplog.set_level(logging.DEBUG, logger=name)
    client = kind(SECRET_KEY, base_url=loopback_url)
    assert run(client.pages.list())["id"].to_list() == ["p1"]
    run(client.close())
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    for record in caplog.records:
        assert_secret_absent(record.getMessage())
        assert_secret_absent(repr(vars(record)))


# --- regions and base_url -----------------------------------------------------------------------

REGIONS = {"us": ("app.pendo.io", "data.pendo.io"), "eu": ("app.eu.pendo.io", "data.eu.pendo.io"),
           "us1": ("us1.app.pendo.io", "us1.data.pendo.io"),
           "jpn": ("app.jpn.pendo.io", "data.jpn.pendo.io"),
           "au": ("app.au.pendo.io", "data.au.pendo.io")}


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_each_region_sends_to_its_hosts(make_client, mock, run, region):
    client = make_client(region=region.upper())
    run(client.pages.list())
    run(client.track.send("Registered", "visitor-1"))
    assert [(r.url.scheme, r.url.host) for r in mock.requests] == \
        [("https", host) for host in REGIONS[region]]


def test_region_from_the_environment(make_client, mock, run, monkeypatch):
    monkeypatch.setenv("PENDO_REGION", "jpn")
    run(make_client().pages.list())
    assert mock.last.url.host == "app.jpn.pendo.io"


def test_unknown_region_lists_the_valid_ones(make_client):
    with pytest.raises(pendo_lab.ConfigurationError) as info:
        make_client(region="mars")
    assert "'mars'" in str(info.value)
    for name in REGIONS:
        assert name in str(info.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:9", "http://[::1]:9",
                                 "https://pendo.example.com/"])
def test_base_url_serves_api_and_data_calls(make_client, mock, run, url):
    client = make_client(base_url=url, region="eu")
    run(client.pages.list())
    run(client.track.send("Registered", "visitor-1"))
    base = httpx.URL(url)
    for request, path in zip(mock.requests, ["/api/v1/page", "/data/track"]):
        assert (request.url.scheme, request.url.host, request.url.port, request.url.path) == \
            (base.scheme, base.host, base.port, path)


def test_base_url_from_the_environment(make_client, mock, run, monkeypatch):
    monkeypatch.setenv("PENDO_BASE_URL", "http://127.0.0.1:5055/")
    run(make_client().pages.list())
    assert str(mock.last.url) == "http://127.0.0.1:5055/api/v1/page"


@pytest.mark.parametrize("url,message", [
    ("http://example.com", "refusing plain http to 'example.com'"),
    ("http://10.0.0.5:8080", "refusing plain http"),
    ("ftp://example.com", "must be an http(s) URL"),
    ("app.pendo.io", "must be an http(s) URL"),
])
def test_unsafe_or_malformed_base_url_is_refused(make_client, mock, url, message):
    with pytest.raises(pendo_lab.ConfigurationError) as info:
        make_client(base_url=url)
    assert message in str(info.value)
    assert mock.requests == []


# --- the key ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [pendo_lab.Pendo, pendo_lab.AsyncPendo])
def test_missing_key_names_the_variable(kind, monkeypatch):
    monkeypatch.delenv("PENDO_INTEGRATION_KEY", raising=False)
    with pytest.raises(pendo_lab.ConfigurationError, match="PENDO_INTEGRATION_KEY"):
        kind()


@pytest.mark.parametrize("kind", [pendo_lab.Pendo, pendo_lab.AsyncPendo])
def test_key_from_the_environment(kind, mock, run, monkeypatch):
    monkeypatch.setenv("PENDO_INTEGRATION_KEY", "env-key-31")
    client = kind(transport=httpx.MockTransport(mock))
    run(client.pages.list())
    assert mock.last.headers["x-pendo-integration-key"] == "env-key-31"


# --- logging ------------------------------------------------------------------------------------

def test_each_try_is_logged_with_its_details(make_client, mock, run, clock, caplog):
    caplog.set_level(logging.INFO, logger="pendo_lab")
    client = make_client(retry=PLAIN)
    mock.reply(500).reply(200, [])
    run(client.pages.list())
    records = [r for r in caplog.records if r.name == "pendo_lab"]
    assert [(r.method, r.path, r.status, r.retries, r.duration) for r in records] == \
        [("GET", "/api/v1/page", 500, 0, 0.0), ("GET", "/api/v1/page", 200, 1, 1.0)]
    assert records[-1].getMessage() == "GET /api/v1/page -> 200 in 1.000s (retries=1)"


def test_transport_failures_are_logged_by_exception_name(make_client, mock, run, clock, caplog):
    caplog.set_level(logging.INFO, logger="pendo_lab")
    client = make_client(retry=NO_RETRY)
    mock.fail(httpx.ConnectError("refused"))
    with pytest.raises(pendo_lab.APIConnectionError):
        run(client.pages.list())
    (record,) = [r for r in caplog.records if r.name == "pendo_lab"]
    assert (record.method, record.status, record.retries) == ("GET", "ConnectError", 0)


# --- plans --------------------------------------------------------------------------------------

def fallback_plan():
    """Look a page up; when it is missing, wait a second and list all pages instead."""
    try:
        return (yield Call("GET", "/api/v1/page", params={"id": "gone"}))
    except pendo_lab.NotFoundError as exc:
        missing = exc.path
    yield Sleep(1.0)
    pages = yield Call("GET", "/api/v1/page")
    return {"missing": missing, "pages": pages}


def test_plan_catches_a_thrown_status_error_and_goes_on(client, mock, run, clock):
    mock.reply(404, {"message": "gone"}).reply(200, [{"id": "p1"}])
    result = run(client._core.run(fallback_plan()))
    assert result == {"missing": "/api/v1/page", "pages": [{"id": "p1"}]}
    assert [dict(r.url.params) for r in mock.requests] == [{"id": "gone"}, {}]
    assert clock.sleeps == [1.0]


def test_plan_sees_the_error_only_after_the_retries(make_client, mock, run, clock):
    client = make_client(retry=RetryPolicy(max_attempts=3, backoff=1.0, jitter=0))
    seen = []

    def plan():
        try:
            yield Call("GET", "/api/v1/page")
        except pendo_lab.ServerError as exc:
            seen.append(exc.status)
        return "recovered"

    mock.default = lambda request: httpx.Response(503)
    assert run(client._core.run(plan())) == "recovered"
    assert seen == [503] and len(mock.requests) == 3


def test_an_uncaught_error_leaves_the_plan(client, mock, run):
    mock.reply(403, {"message": "read-only key"})
    with pytest.raises(pendo_lab.PermissionDeniedError, match="read-only key"):
        run(client._core.run(fallback_plan()))


# --- plans run side by side ---------------------------------------------------------------------

def echo_path(request):
    return httpx.Response(200, json=request.url.path)


def two_calls(name):
    """A sub-plan of two calls in a row."""
    first = yield Call("GET", f"/{name}/1")
    second = yield Call("GET", f"/{name}/2")
    return [first, second]


def test_parallel_results_come_in_the_order_of_the_plans(client, mock, run):
    mock.default = echo_path

    def plan():
        return (yield Parallel([Call("GET", f"/p/{n}") for n in range(5)] + [two_calls("g")],
                               concurrency=3))

    assert run(client._core.run(plan())) == [f"/p/{n}" for n in range(5)] + [["/g/1", "/g/2"]]
    assert sorted(r.url.path for r in mock.requests) == \
        sorted([f"/p/{n}" for n in range(5)] + ["/g/1", "/g/2"])


def test_parallel_of_one_or_no_plans(client, mock, run):
    mock.default = echo_path
    assert run(client._core.run(Parallel([Call("GET", "/only")]))) == ["/only"]
    assert run(client._core.run(Parallel([]))) == []


def test_an_error_in_one_plan_is_thrown_into_the_parent(client, mock, run):
    mock.default = lambda request: (httpx.Response(404, json={"message": "no such page"})
                                    if request.url.path == "/p/2" else echo_path(request))

    def plan():
        try:
            yield Parallel([Call("GET", f"/p/{n}") for n in range(4)], concurrency=2)
        except pendo_lab.NotFoundError as exc:
            return f"caught {exc.path}"

    assert run(client._core.run(plan())) == "caught /p/2"


def test_an_uncaught_error_in_parallel_leaves_the_parent(client, mock, run):
    mock.default = lambda request: httpx.Response(403, json={"message": "read-only key"})
    with pytest.raises(pendo_lab.PermissionDeniedError, match="read-only key"):
        run(client._core.run(Parallel([Call("GET", "/a"), Call("GET", "/b")])))


class Gauge(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers each request with its path, recording in ``most`` the most requests held at once.

    Requests are held until ``width`` have been held together (so ``most`` reaches ``width``
    whenever that many may run at once), then a moment longer, time for one too many to arrive.
    """

    def __init__(self, width):
        self.width = width
        self.arrived = self.held = self.most = 0
        self.lock = threading.Condition()
        self.async_lock = asyncio.Condition()

    def _arrive(self) -> None:
        self.arrived += 1
        self.held += 1
        self.most = max(self.most, self.held)

    def handle_request(self, request):
        with self.lock:
            self._arrive()
            self.lock.notify_all()
            self.lock.wait_for(lambda: self.most >= self.width, timeout=5)
        time.sleep(0.05)
        with self.lock:
            self.held -= 1
        return echo_path(request)

    async def handle_async_request(self, request):
        async with self.async_lock:
            self._arrive()
            self.async_lock.notify_all()
            await asyncio.wait_for(self.async_lock.wait_for(lambda: self.most >= self.width), 5)
        await asyncio.sleep(0.05)
        self.held -= 1
        return echo_path(request)


@pytest.mark.parametrize("kind", [pendo_lab.Pendo, pendo_lab.AsyncPendo])
@pytest.mark.parametrize("concurrency", [1, 2, 3])
def test_parallel_runs_at_most_concurrency_plans_at_once(kind, concurrency, run):
    transport = Gauge(concurrency)
    client = kind("key", transport=transport)
    plans = [Call("GET", f"/p/{n}") for n in range(6)]
    result = run(client._core.run(Parallel(plans, concurrency=concurrency)))
    assert result == [f"/p/{n}" for n in range(6)]
    assert transport.most == concurrency and transport.arrived == 6


def test_parallel_shows_a_bar_for_more_than_one_plan_unless_quiet(client, mock, run, capsys):
    mock.default = echo_path
    calls = [Call("GET", f"/p/{n}") for n in range(3)]
    run(client._core.run(Parallel(calls, progress=True, label="pages")))
    shown = capsys.readouterr().err
    assert "pages" in shown and "3/3" in shown
    run(client._core.run(Parallel(calls[:1], progress=True, label="pages")))
    run(client._core.run(Parallel(calls, progress=False, label="pages")))
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "4"])
def test_parallel_refuses_a_concurrency_that_is_not_a_positive_integer(bad):
    with pytest.raises(pendo_lab.ValidationError, match="concurrency must be a positive integer"):
        Parallel([], concurrency=bad)


def test_verify_turns_403_into_invalid(client, mock, run):
    mock.reply(200, {"write": True}).reply(403, {"message": "Key is invalid."})
    assert run(client.verify())["valid"] is True
    assert run(client.verify()) == {"valid": False, "write": False, "message": "Key is invalid."}
    assert mock.last.url.path == "/api/v1/token/verify"


def test_frames_come_back_polars_by_default(client, mock, run):
    mock.reply(200, [{"id": "p1"}])
    assert isinstance(run(client.pages.list()), pl.DataFrame)
