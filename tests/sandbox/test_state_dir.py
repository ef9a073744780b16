"""``Sandbox(state_dir=...)``: state written through the API survives a restart.

A restart is a new :class:`Sandbox` on the same directory (in process here; the CLI test
restarts ``pendo-lab sandbox serve`` processes). It carries on with the saved tables, jobs,
ids and clock, whatever seed and clock it is given.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from pendo_lab.sandbox import Sandbox

NOW = "2026-11-02T15:30:00Z"   # the clock of tests/sandbox/conftest.py
VISITORS = ["100546", "100988", "102383"]      # identified visitors of seed 7


@pytest.fixture
def state_dir(tmp_path):
    return tmp_path / "sandbox-state"


def test_the_visitors_used_here_exist():
    assert set(VISITORS) <= set(Sandbox(seed=7, now=NOW).tables["visitors"]["visitorId"])


def test_a_new_directory_holds_the_fresh_subscription(state_dir):
    box = Sandbox(seed=7, now=NOW, state_dir=state_dir)
    plain = Sandbox(seed=7, now=NOW)
    saved = {path.stem for path in (state_dir / "tables").glob("*.parquet")}
    assert saved == set(plain.tables)
    assert all(box.tables[name].equals(plain.tables[name]) for name in plain.tables)
    assert (state_dir / "state.json").is_file()
    assert not list(state_dir.rglob("*.tmp"))


def test_api_writes_survive_a_restart(state_dir):
    box = Sandbox(seed=7, now=NOW, state_dir=state_dir, job_seconds=0.01)
    client = box.client()
    client.metadata.set_value("visitor", "custom", VISITORS[0], "department", "Field Sales")
    segment = client.segments.create("survivors", VISITORS[:2])
    client.segments.wait(segment["id"], interval=0.01)
    client.segments.add_visitor(segment["id"], VISITORS[2])
    queued = client.bulk_delete.accounts(["acme-internal"])

    again = Sandbox(seed=99, now="2030-01-01T00:00:00Z", state_dir=state_dir, job_seconds=100)
    assert again.config.now == box.config.now
    assert all(again.tables[name].equals(box.tables[name]) for name in box.tables)
    assert again.state.jobs == box.state.jobs
    reopened = again.client()
    members = reopened.aggregate([{"source": {"visitors": None}},
                                  {"segment": {"id": segment["id"]}},
                                  {"select": {"visitorId": "visitorId",
                                              "department": "metadata.custom.department"}}])
    assert sorted(members["visitorId"]) == sorted(VISITORS)
    assert dict(members.iter_rows())[VISITORS[0]] == "Field Sales"
    assert queued.request_ids[0] in reopened.bulk_delete.list()["id"].to_list()


def test_ids_are_not_reused_after_a_restart(state_dir):
    first = Sandbox(seed=7, now=NOW, state_dir=state_dir, job_seconds=0).client().segments.create(
        "before", VISITORS[:1])
    second = Sandbox(seed=7, now=NOW, state_dir=state_dir, job_seconds=0).client().segments.create(
        "after", VISITORS[1:2])
    assert first["id"] != second["id"]
    both = Sandbox(state_dir=state_dir).tables["segments"].filter(
        pl.col("name").is_in(["before", "after"]))
    assert both.height == 2


def test_the_saved_clock_wins_over_a_new_one(state_dir):
    Sandbox(seed=7, now=NOW, state_dir=state_dir)
    again = Sandbox(state_dir=state_dir)                 # no clock: would be the real time
    assert again.config.now == datetime.fromisoformat(NOW.replace("Z", "+00:00"))
    (row,) = again.client().aggregation.raw(
        [{"source": {"pages": None}}, {"limit": 1}, {"select": {"now": "now()"}}])["results"]
    assert row["now"] == again.state.now_ms()
