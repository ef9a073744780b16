"""Sandbox fixtures: one pinned subscription, and clients on it four ways.

``shared_box`` and ``shared_client`` are one sandbox per module, for tests that only read.
``box_client`` runs each test against the sandbox in process and over a real HTTP server on
127.0.0.1, each with the sync and the async client.
"""

from __future__ import annotations

import httpx
import pytest

from pendo_lab.sandbox import IN_PROCESS_URL, READ_WRITE_KEY, Sandbox

NOW = "2026-11-02T15:30:00Z"


@pytest.fixture
def box():
    """A fresh sandbox per test (writes in one test never leak into another)."""
    return Sandbox(seed=7, now=NOW, job_seconds=0.2)


@pytest.fixture(scope="module")
def shared_box():
    """One sandbox for a whole test module, for modules whose tests only read."""
    return Sandbox(seed=7, now=NOW)


@pytest.fixture(scope="module")
def shared_client(shared_box):
    """A client on ``shared_box``."""
    return shared_box.client()


@pytest.fixture(params=["inprocess-sync", "inprocess-async", "server-sync", "server-async"])
def box_client(request, box):
    """A client on ``box``: in process or over HTTP, sync or async."""
    where, kind = request.param.split("-")
    make = box.async_client if kind == "async" else box.client
    if where == "inprocess":
        yield make()
        return
    with box.serve() as url:
        yield make(base_url=url)


@pytest.fixture(params=["inprocess", "server"])
def raw(request, box):
    """A bare httpx client on ``box`` with the read-write key, in process or over HTTP."""
    headers = {"x-pendo-integration-key": READ_WRITE_KEY}
    if request.param == "inprocess":
        with httpx.Client(transport=box.transport(), base_url=IN_PROCESS_URL,
                          headers=headers) as http:
            yield http
        return
    with box.serve() as url, httpx.Client(base_url=url, headers=headers) as http:
        yield http
