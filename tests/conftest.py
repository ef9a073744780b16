"""Shared fixtures: a recording mock Pendo (until a test needs the sandbox), sync/async twins, and
an example counter for docs."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Callable

import httpx
import orjson
import pytest

import pendo_lab
from pendo_lab import RetryPolicy

KEY = "test-key-8c1f0e2d"
TRACK_SECRET = "track-secret-55a1"
FAST_RETRY = RetryPolicy(max_attempts=4, backoff=0.001, max_backoff=0.01, jitter=0)


class MockPendo:
    """An httpx handler that records every request and answers from a queue or a function.

    ``reply(status, body, headers)`` queues answers, used in order; once the queue is empty,
    ``default`` (a function of the request) answers, else 200 with ``[]``.
    """

    def __init__(self):
        self.requests: list[httpx.Request] = []
        self.queue: list[Callable[[httpx.Request], httpx.Response]] = []
        self.default: Callable[[httpx.Request], httpx.Response] | None = None

    def reply(self, status: int = 200, body=None, headers: dict | None = None, *,
              content: bytes | None = None):
        def answer(request):
            if content is not None:
                return httpx.Response(status, content=content, headers=headers)
            return httpx.Response(status, json=[] if body is None else body, headers=headers)
        self.queue.append(answer)
        return self

    def fail(self, error: Exception):
        def answer(request):
            raise error
        self.queue.append(answer)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if self.queue:
            return self.queue.pop(0)(request)
        if self.default:
            return self.default(request)
        return httpx.Response(200, json=[])

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self):
        return orjson.loads(self.last.content)


@pytest.fixture
def mock():
    return MockPendo()


@pytest.fixture(params=["sync", "async"])
def make_client(request, mock):
    """A factory of clients on the mock, sync and async (each test runs twice)."""

    def make(**kwargs):
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("track_secret", TRACK_SECRET)
        if request.param == "sync":
            return pendo_lab.Pendo(KEY, transport=httpx.MockTransport(mock), **kwargs)
        return pendo_lab.AsyncPendo(KEY, transport=httpx.MockTransport(mock), **kwargs)

    return make


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def run():
    """``run(client.x.y(...))``: the value of a client call, awaited on one loop per test when async."""
    loop = asyncio.new_event_loop()

    def resolve(value):
        return loop.run_until_complete(value) if inspect.iscoroutine(value) else value

    yield resolve
    loop.close()


@pytest.fixture
def examples():
    """``examples(text)``: how many ``>>>`` lines a module's source or a docs page has.

    The examples themselves run as doctests under ``python -m pytest`` (see pyproject.toml);
    tests use this to check that the docs keep having them."""

    def count(text: str) -> int:
        return len(re.findall(r"^\s*>>>", text, re.MULTILINE))

    return count
