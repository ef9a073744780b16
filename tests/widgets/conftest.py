"""Sandbox fixtures for the widget tests: a fresh subscription, read-write and read-only clients."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pendo_lab.sandbox import Sandbox

NOW = "2026-11-02T15:30:00Z"


@pytest.fixture
def make_box():
    """``make_box(job_seconds)``: a fresh sandbox whose segment jobs take that long per phase."""
    return lambda job_seconds=0.2: Sandbox(0, now=NOW, job_seconds=job_seconds)


@pytest.fixture
def box(make_box):
    return make_box()


@pytest.fixture
def writer(box):
    return box.client()


@pytest.fixture
def reader(box):
    return box.client(read_only=True)


@pytest.fixture
def upload():
    """``upload(table_input, name, text)``: a file in a form's CSV upload, as a browser puts it."""

    def put(table_input, name: str, text: str) -> None:
        content = text.encode("utf-8", "surrogateescape")
        table_input.upload.value = ({"name": name, "type": "text/csv", "size": len(content),
                                     "content": memoryview(content),
                                     "last_modified": datetime.now(timezone.utc)},)

    return put
