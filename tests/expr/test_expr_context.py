from __future__ import annotations

import time

import pytest

from pendo_lab._exceptions import ValidationError
from pendo_lab.expr import ExprContext


def test_defaults_to_utc_and_the_clock(monkeypatch):
    monkeypatch.setattr(time, "time_ns", lambda: 1_650_000_000_123_456_789)
    ctx = ExprContext()
    assert ctx.timezone == "UTC"
    assert ctx.now() == 1_650_000_000_123


def test_a_fixed_now_and_a_zone():
    ctx = ExprContext("Europe/Paris", 42)
    assert (ctx.now(), ctx.zone.key) == (42, "Europe/Paris")


def test_unknown_timezones_are_rejected():
    with pytest.raises(ValidationError, match="unknown timezone 'Mars/Olympus'"):
        ExprContext("Mars/Olympus")
