"""Under load the server holds: 32 concurrent clients over real HTTP, each doing a bounded
number of rounds mixing reads and writes, get no failure, read consistent state while they
run, and leave exactly the state their writes add up to (segment membership, metadata values,
queued deletions).

Each client owns its own visitors, so the expected end state is known: its two visitors
added to a shared API-made segment and one of them removed again, one custom field written
once per round (the last round's value wins), one visitor queued for deletion.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl
import pytest

from pendo_lab.sandbox import Sandbox

NOW = "2026-11-02T15:30:00Z"   # the clock of tests/sandbox/conftest.py
CLIENTS = 32
ROUNDS = 4


@dataclass(frozen=True)
class Plan:
    """The visitors one client works on."""

    number: int
    kept: str          # added to the segment
    passing: str       # added, then removed
    labelled: str      # gets custom.loadtag written every round
    deleted: str       # queued for deletion


@pytest.fixture(scope="module")
def box():
    return Sandbox(seed=7, now=NOW)


@pytest.fixture(scope="module")
def segment(box) -> str:
    return box.tables["segments"].filter(createdViaApi=True, memberType="visitor")["id"][0]


@pytest.fixture(scope="module")
def plans(box, segment) -> list[Plan]:
    members = box.state.segment_members(segment)["visitorId"].implode()
    pool = box.tables["visitors"].filter(
        ~pl.col("visitorId").str.starts_with("_PENDO_T_"), ~pl.col("visitorId").is_in(members),
        ~pl.col("visitorId").str.starts_with("qa-"),
        ~pl.col("pendo.donotprocess").fill_null(False))["visitorId"].sort().to_list()
    assert len(pool) >= 4 * CLIENTS
    return [Plan(n, *pool[4 * n:4 * n + 4]) for n in range(CLIENTS)]


def members_count(client, segment: str) -> int:
    rows = client.aggregate([{"source": {"visitors": None}}, {"segment": {"id": segment}},
                             {"count": None}])
    return rows["count"][0] if rows.height else 0


def work(url: str, box: Sandbox, segment: str, plan: Plan, before: int) -> list[str]:
    """One client's rounds; returns what went wrong (nothing, when the server holds)."""
    problems = []
    with box.client(base_url=url) as client:
        client.segments.patch_visitors(segment, add=[plan.kept, plan.passing])
        for round_number in range(ROUNDS):
            label = f"client-{plan.number}-round-{round_number}"
            client.metadata.set_value("visitor", "custom", plan.labelled, "loadtag", label)
            seen = client.metadata.get_value("visitor", "custom", plan.labelled, "loadtag")
            if seen != label:
                problems.append(f"client {plan.number} wrote {label!r}, read {seen!r}")
            count = members_count(client, segment)
            if not before + 1 <= count <= before + 2 * CLIENTS:
                problems.append(f"client {plan.number} saw {count} members")
            if client.pages.list().height == 0:
                problems.append(f"client {plan.number} saw no pages")
        client.segments.remove_visitor(segment, plan.passing)
        request_id = client.bulk_delete.visitors([plan.deleted]).request_ids[0]
        # The request may already be complete (and gone from the outstanding list) under load,
        # so its own status is what shows the id was taken.
        if plan.deleted not in client.bulk_delete.status(request_id)["ids"]:
            problems.append(f"client {plan.number}: {plan.deleted} not queued")
    return problems


def do_not_process(box) -> set[str]:
    visitors = box.tables["visitors"]
    return set(visitors.filter(pl.col("pendo.donotprocess").fill_null(False))["visitorId"])


@pytest.fixture(scope="module")
def outcome(box, segment, plans):
    """Run all clients at once over one real server: their problems, and the segment's size
    and the Do Not Process visitors before."""
    before = box.state.segment_members(segment).height
    marked = do_not_process(box)
    with box.serve() as url, ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(work, url, box, segment, plan, before) for plan in plans]
        problems = [problem for future in futures for problem in future.result()]
    return problems, before, marked


def test_no_client_met_a_failure_or_an_inconsistent_read(outcome):
    problems, _, _ = outcome
    assert problems == []


def test_segment_membership_is_the_sum_of_the_changes(box, segment, plans, outcome):
    _, before, _ = outcome
    members = set(box.state.segment_members(segment)["visitorId"])
    assert {plan.kept for plan in plans} <= members
    assert not {plan.passing for plan in plans} & members
    assert len(members) == before + CLIENTS


def test_metadata_holds_each_clients_last_value(box, plans, outcome):
    visitors = box.tables["visitors"]
    values = dict(visitors.select("visitorId", "custom.loadtag").iter_rows())
    for plan in plans:
        assert values[plan.labelled] == f"client-{plan.number}-round-{ROUNDS - 1}"
    assert sum(value is not None for value in values.values()) == CLIENTS


def test_every_deletion_is_queued_once_and_marks_do_not_process(box, plans, outcome):
    queued = [visitor for job in box.state.jobs.values() if job.get("kind") == "visitor"
              for visitor in job["ids"]]
    assert sorted(queued) == sorted(plan.deleted for plan in plans)
    _, _, marked_before = outcome
    assert do_not_process(box) - marked_before == {plan.deleted for plan in plans}
