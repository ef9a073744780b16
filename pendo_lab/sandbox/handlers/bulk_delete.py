"""Bulk deletion: ``POST /api/v1/bulkdelete/{visitor,account}``, ``GET /api/v1/bulkdelete[/{id}]``.

A deletion request is a background job (``state.jobs``). Posting ids marks the visitors or
accounts the sandbox has as do-not-process at once (``pendo.donotprocess``), so they appear in
the ``doNotProcessVisitors`` / ``doNotProcessAccounts`` sources and their events leave every
event source; their rows stay, marked, as the record of the deletion (the sandbox never
removes data). As the reference says, calls are consolidated: ids posted while a request of
the same kind is still ``queued`` join it, up to 500 ids; ids already queued are a 400.

A request is ``{"id", "kind", "ids", "count", "status", "requestedAt", "completedAt"}``
(INFERRED: the reference shows no answer; the client reads ``id``). ``status`` is ``queued``
for ``job_seconds`` of real time after the first call, then ``complete`` (with
``completedAt``); ``GET /api/v1/bulkdelete`` lists the requests not yet complete.
"""

from __future__ import annotations

import time
from typing import Any

import polars as pl

from .._app import SandboxHTTPError, route
from ._common import PEOPLE, set_where

BATCH_LIMIT = 500
JOB_PREFIX = "bulkdelete-"


@route("POST", "/api/v1/bulkdelete/{kind}")
def request_deletion(request, state):
    kind = request.params["kind"]
    if kind not in PEOPLE:
        raise SandboxHTTPError(404, f"no such endpoint: {request.path} (use visitor or account)")
    ids = _posted_ids(request, kind)
    queued = [job for job in deletions(state) if job["kind"] == kind and job["status"] == "queued"]
    repeated = sorted({i for job in queued for i in job["ids"]} & set(ids))
    if repeated:
        raise SandboxHTTPError(400, f"deletion already requested for {kind}s {repeated[:10]}")
    room = [job for job in queued if job["count"] + len(ids) <= BATCH_LIMIT]
    job = room[0] if room else {"id": state.new_id("bulkdelete"), "kind": kind, "ids": [],
                                "requestedAt": time.time_ns() // 1_000_000}
    state.put_job(job["id"], {"id": job["id"], "kind": kind, "requestedAt": job["requestedAt"],
                              "ids": job["ids"] + ids})
    _mark_do_not_process(state, kind, ids)
    return deletion(state, job["id"])


@route("GET", "/api/v1/bulkdelete")
def outstanding(request, state):
    return [job for job in deletions(state) if job["status"] != "complete"]


@route("GET", "/api/v1/bulkdelete/{id}")
def one(request, state):
    request_id = request.params["id"]
    if not request_id.startswith(JOB_PREFIX) or request_id not in state.jobs:
        raise SandboxHTTPError(404, f"no bulk deletion request with id {request_id!r}")
    return deletion(state, request_id)


def deletions(state) -> list[dict[str, Any]]:
    """Every deletion request with its current status, oldest first."""
    return [deletion(state, job_id) for job_id in state.jobs if job_id.startswith(JOB_PREFIX)]


def deletion(state, job_id: str) -> dict[str, Any]:
    """One deletion request as answered: the stored job plus its status on the real clock."""
    job = state.jobs[job_id]
    done = state.elapsed(job["requestedAt"]) >= state.job_seconds
    completed = job["requestedAt"] + round(state.job_seconds * 1000) if done else None
    return {**job, "count": len(job["ids"]), "status": "complete" if done else "queued",
            "completedAt": completed}


def _posted_ids(request, kind: str) -> list[str]:
    body = request.json()
    ids = body.get(f"{kind}s") if isinstance(body, dict) else None
    if not ids:
        raise SandboxHTTPError(400, f'No IDs in payload: send {{"{kind}s": ["<id>", ...]}}')
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise SandboxHTTPError(400, f"{kind}s must be a list of non-empty id strings")
    if len(ids) > BATCH_LIMIT:
        raise SandboxHTTPError(400, f"at most {BATCH_LIMIT} {kind}s per request, got {len(ids)}")
    return list(dict.fromkeys(ids))


def _mark_do_not_process(state, kind: str, ids: list[str]) -> None:
    table, key = PEOPLE[kind]
    state.put(table, set_where(state.tables[table], pl.col(key).is_in(ids),
                               **{"pendo.donotprocess": True}))
