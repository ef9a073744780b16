"""The on-disk window cache of chunked pulls: reuse of settled windows, time to live, bypass,
where it lives, and that the integration key is nowhere in it."""

from __future__ import annotations

import hashlib
import inspect
import os
import time
from datetime import timedelta

import httpx
import orjson
import pytest
from polars.testing import assert_frame_equal

from pendo_lab import Pendo, ValidationError, _cache
from pendo_lab.sandbox import IN_PROCESS_URL, READ_WRITE_KEY, Sandbox

DAY = 86_400_000


class Counter(httpx.BaseTransport):
    """The sandbox's transport, counting aggregation calls."""

    def __init__(self, box):
        self.inner = box.transport()
        self.calls = 0

    def handle_request(self, request):
        self.calls += request.url.path.endswith("/aggregation")
        return self.inner.handle_request(request)


@pytest.fixture(scope="module")
def box():
    return Sandbox(seed=2, now="2025-06-01T12:00:00Z")


def client_on(box, **kwargs):
    counter = Counter(box)
    return box.client(transport=counter, **kwargs), counter


def request(box, days=12):
    now = box.state.now_ms()
    return [{"source": {"events": None, "timeSeries": {
        "period": "dayRange", "first": now - days * DAY, "last": now - DAY}}},
        {"group": {"group": ["visitorId"], "fields": {"n": {"sum": "numEvents"}}}},
        {"sort": ["visitorId"]}]


def pull(client, box, **kwargs):
    return client.aggregate(request(box), chunk="4d", progress=False, **kwargs)


def test_settled_windows_are_reused(box, tmp_path):
    client, counter = client_on(box)
    first = pull(client, box, cache=tmp_path)
    assert counter.calls == 3
    again = pull(client, box, cache=tmp_path)
    assert counter.calls == 3   # every window came from disk
    assert_frame_equal(again, first)
    assert len(list(tmp_path.rglob("*.parquet"))) == 3


def test_cache_false_bypasses_it(box, tmp_path):
    client, counter = client_on(box)
    pull(client, box, cache=tmp_path)
    pull(client, box, cache=False)
    assert counter.calls == 6


def test_expired_entries_are_fetched_again(box, tmp_path):
    client, counter = client_on(box)
    pull(client, box, cache=tmp_path)
    entry = next(tmp_path.rglob("*.parquet"))
    old = time.time() - 7200
    os.utime(entry, (old, old))
    pull(client, box, cache=tmp_path, cache_ttl=timedelta(hours=1))
    assert counter.calls == 4   # only the expired window
    pull(client, box, cache=tmp_path, cache_ttl=timedelta(hours=3))
    assert counter.calls == 4


def test_windows_that_have_not_settled_are_not_stored(tmp_path):
    live = Sandbox(seed=2, days=2)   # its clock is the real one
    client, counter = client_on(live)
    last_hours = {"period": "hourRange", "first": "now()", "count": -4}
    client.aggregate([{"source": {"events": None, "timeSeries": last_hours}}], chunk="1h",
                     cache=tmp_path, progress=False)
    # one call reads the sandbox's clock, four pull the windows; the window that ended at the
    # top of this hour ended less than an hour ago, so it is not kept
    assert counter.calls == 5 and len(list(tmp_path.rglob("*.parquet"))) == 3


def test_the_key_is_in_no_file_name_or_content(box, tmp_path):
    client, _ = client_on(box)
    pull(client, box, cache=tmp_path)
    key_hash = hashlib.sha256(READ_WRITE_KEY.encode()).hexdigest()
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert files
    for path in files:
        for secret in (READ_WRITE_KEY, key_hash, _cache.digest(READ_WRITE_KEY)):
            assert secret not in str(path.relative_to(tmp_path))
            assert secret.encode() not in path.read_bytes()


def test_subscriptions_do_not_share_entries(box, tmp_path):
    writer, _ = client_on(box)
    reader, counter = client_on(box, read_only=True)
    pull(writer, box, cache=tmp_path)
    pull(reader, box, cache=tmp_path)
    assert counter.calls == 3
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2


def test_the_cache_folder_comes_from_the_environment(box, tmp_path, monkeypatch):
    monkeypatch.setenv(_cache.ENV_CACHE_DIR, str(tmp_path))
    client, counter = client_on(box)
    pull(client, box)   # a sandbox client caches nothing unless asked
    assert not list(tmp_path.rglob("*.parquet"))
    pull(client, box, cache=True)
    assert len(list(tmp_path.rglob("*.parquet"))) == 3
    pull(client, box, cache=True)
    assert counter.calls == 6   # the third pull came from the folder


def test_a_real_subscription_caches_by_default(box, tmp_path, monkeypatch):
    monkeypatch.setenv(_cache.ENV_CACHE_DIR, str(tmp_path))
    counter = Counter(box)
    client = Pendo(READ_WRITE_KEY, base_url=IN_PROCESS_URL, transport=counter,
                   timezone=box.timezone)
    pull(client, box)
    pull(client, box)
    assert counter.calls == 3 and len(list(tmp_path.rglob("*.parquet"))) == 3


def test_default_folder_is_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(_cache.ENV_CACHE_DIR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _cache.default_cache_dir() == tmp_path / "pendo_lab"


def test_an_unreadable_entry_is_a_miss(tmp_path):
    cache = _cache.WindowCache.open(tmp_path, _cache.subscription("https://x", "k"))
    cache.path(["r"]).parent.mkdir(parents=True)
    cache.path(["r"]).write_bytes(b"not parquet")
    assert cache.get(["r"]) is None


def test_entries_are_keyed_by_the_canonical_request(tmp_path):
    cache = _cache.WindowCache.open(tmp_path, _cache.subscription("https://x", "k"))
    one = orjson.loads(b'{"a": 1, "b": [1, 2]}')
    same = orjson.loads(b'{"b": [1, 2], "a": 1}')
    assert cache.path(one) == cache.path(same) != cache.path({"a": 2, "b": [1, 2]})


@pytest.mark.parametrize("ttl", [timedelta(0), 60])
def test_a_bad_time_to_live_is_refused(box, ttl):
    with pytest.raises(ValidationError, match="cache_ttl must be a positive timedelta"):
        pull(box.client(), box, cache=True, cache_ttl=ttl)


def test_the_module_has_examples(examples):
    assert examples(inspect.getsource(_cache)) > 0
