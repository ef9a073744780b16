"""Fixtures of the computed-recipe tests (nps, stickiness, adoption, growth, pes, guide_goals):
one sandbox for the whole session (never changed by a test) and a check that the server and
local paths agree."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from pendo_lab.sandbox import Sandbox

#: The clock every computed-recipe test runs at.
NOW = "2026-11-02T15:30:00Z"


@pytest.fixture(scope="session")
def box() -> Sandbox:
    return Sandbox(now=NOW)


@pytest.fixture(scope="session")
def sandbox_client(box):
    return box.client()


def _assert_same(server, local) -> None:
    """Two results of one recipe agree to the last bit: frames, detail frames, value."""
    assert_frame_equal(server.frame, local.frame, check_exact=True)
    assert set(server.details) == set(local.details)
    for name in server.details:
        assert_frame_equal(server.details[name], local.details[name], check_exact=True)
    assert server.message == local.message
    assert server.value == local.value


@pytest.fixture
def assert_same():
    return _assert_same
