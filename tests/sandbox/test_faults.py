"""Injected faults: reproducible from their seed, and ridden out by the client's retries.

``Faults(latency, rate_429, rate_5xx, drop_rate, retry_after, seed)`` decides each request's
fault in order of arrival. The client retries 429 (waiting ``Retry-After``), 503 (for GETs and
the aggregation POST) and dropped connections (for idempotent calls only), in process and over
HTTP, sync and async. Waits are recorded, never timed.
"""

from __future__ import annotations

import logging
import random
import time
from contextlib import ExitStack
from types import SimpleNamespace

import httpx
import pytest

import pendo_lab._http as http_core
from pendo_lab import APIConnectionError, RetryPolicy
from pendo_lab.sandbox import IN_PROCESS_URL, READ_WRITE_KEY, Faults, Sandbox

NOW = "2026-11-02T15:30:00Z"   # the clock of tests/sandbox/conftest.py
RETRY = RetryPolicy(max_attempts=12, backoff=0.001, max_backoff=0.004, jitter=0)
MIXED = dict(rate_429=0.25, rate_5xx=0.25, drop_rate=0.15, latency=0.001, retry_after=0.01)
VERIFY = "/api/v1/token/verify"
KEY = {"x-pendo-integration-key": READ_WRITE_KEY}
PIPELINE = [{"source": {"pages": None}}, {"select": {"id": "id", "name": "name"}},
            {"sort": ["id"]}]


def faulty_box(seed: int = 3, **faults) -> Sandbox:
    return Sandbox(seed=7, now=NOW, faults=Faults(seed=seed, **faults))


def outcomes(http: httpx.Client, count: int) -> list:
    """The status of ``count`` verify calls in a row, or "drop" for a cut connection."""
    found = []
    for _ in range(count):
        try:
            found.append(http.get(VERIFY, headers=KEY).status_code)
        except httpx.RemoteProtocolError:
            found.append("drop")
    return found


def in_process(box: Sandbox) -> httpx.Client:
    return httpx.Client(transport=box.transport(), base_url=IN_PROCESS_URL)


def test_same_seed_gives_the_same_fault_sequence_in_process_and_over_http():
    first = outcomes(in_process(faulty_box(**MIXED)), 60)
    again = outcomes(in_process(faulty_box(**MIXED)), 60)
    served_box = faulty_box(**MIXED)
    with served_box.serve() as url, httpx.Client(base_url=url) as http:
        served = outcomes(http, 60)
    other_seed = outcomes(in_process(faulty_box(seed=4, **MIXED)), 60)
    assert first == again == served
    assert other_seed != first
    assert set(first) == {200, 429, 503, "drop"}


def test_faults_pick_from_the_seed_alone():
    faults = Faults(**MIXED, seed=11)
    picks = [faults.pick(random.Random(11)) for _ in range(3)]
    assert picks[0] == picks[1] == picks[2]
    assert Faults(rate_429=1.0).pick(random.Random(0)) == 429
    assert Faults(rate_5xx=1.0).pick(random.Random(0)) == 503
    assert Faults(drop_rate=1.0).pick(random.Random(0)) == "drop"
    assert Faults().pick(random.Random(0)) is None


def test_429_carries_retry_after_and_a_json_message():
    answer = in_process(faulty_box(rate_429=1.0, retry_after=0.01)).get(VERIFY, headers=KEY)
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "0.01"
    assert "message" in answer.json()


@pytest.fixture(params=["inprocess-sync", "inprocess-async", "server-sync", "server-async"])
def clients(request):
    """``clients(box)``: a client with fast retries on ``box``, four ways as ``box_client``."""
    where, kind = request.param.split("-")
    with ExitStack() as servers:
        def make(box: Sandbox):
            factory = box.async_client if kind == "async" else box.client
            if where == "inprocess":
                return factory(retry=RETRY)
            return factory(base_url=servers.enter_context(box.serve()), retry=RETRY)

        yield make


def test_retries_ride_out_mixed_faults(clients, run):
    calm = Sandbox(seed=7, now=NOW).client()
    expected_pages = calm.aggregate(PIPELINE)
    client = clients(faulty_box(**MIXED))
    for _ in range(8):
        assert run(client.verify())["valid"] is True
        assert run(client.aggregate(PIPELINE)).equals(expected_pages)
        assert run(client.pages.list()).height == calm.pages.list().height


@pytest.fixture
def waits(monkeypatch):
    """The waits the client's retries asked for, in order (sync and async), not slept: the
    client core's ``time`` and ``asyncio`` are replaced by recorders."""
    asked: list[float] = []

    async def record(seconds):
        asked.append(seconds)

    monkeypatch.setattr(http_core, "time", SimpleNamespace(
        sleep=asked.append, monotonic=time.monotonic, time=time.time))
    monkeypatch.setattr(http_core, "asyncio", SimpleNamespace(sleep=record))
    return asked


def test_429_waits_retry_after_and_503_backs_off(clients, run, waits, caplog):
    client = clients(faulty_box(rate_429=0.3, rate_5xx=0.3, retry_after=0.01))
    caplog.set_level(logging.INFO, logger="pendo_lab")
    for _ in range(6):
        run(client.aggregate(PIPELINE))
    tries = [(record.status, record.retries) for record in caplog.records
             if getattr(record, "path", None) == "/api/v1/aggregation"]
    failures = [(status, retries) for status, retries in tries if status != 200]
    assert {status for status, _ in failures} == {429, 503}
    expected = [0.01 if status == 429 else RETRY.delay(retries + 1)
                for status, retries in failures]
    assert waits == expected


def test_dropped_connections_are_retried_for_idempotent_calls_only(clients, run, caplog):
    box = faulty_box(drop_rate=1.0)
    client = clients(box)
    caplog.set_level(logging.INFO, logger="pendo_lab")
    with pytest.raises(APIConnectionError):
        run(client.verify())
    with pytest.raises(APIConnectionError):
        run(client.bulk_delete.visitors(["100546"]))
    tries = [record.path for record in caplog.records if hasattr(record, "path")]
    assert tries.count(VERIFY) == RETRY.max_attempts
    assert tries.count("/api/v1/bulkdelete/visitor") == 1
    assert box.state.jobs == {}


def test_a_write_refused_with_429_is_retried_and_acts_once(clients, run):
    box = faulty_box(rate_429=0.6, retry_after=0.001)
    client = clients(box)
    for visitor in ("100546", "100988"):
        run(client.bulk_delete.visitors([visitor]))
    queued = [visitor for job in box.state.jobs.values() for visitor in job["ids"]]
    assert sorted(queued) == ["100546", "100988"]
