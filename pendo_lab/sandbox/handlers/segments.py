"""Segments: shared segments, uploads processed as jobs, visitor changes, visitor exports.

An upload (``POST /api/v1/segment/upload``) or an update carrying ``visitors`` starts a segment
job. Its status (``GET /api/v1/segment/{id}/status``) is ``Pending`` for ``state.job_seconds``
of real time, then ``Progress`` (the segment's visitor list is cleared), then ``Finish`` (the
list is the uploaded one, ids stripped of surrounding white space), or ``Error`` when an
uploaded id is not a non-empty string (the list stays empty). Statuses are kept 4 hours after
the job ends. Jobs are applied to ``segment_members`` whenever a segment endpoint is called
(:func:`settle`). One job runs per subscription at a time: another upload, update of visitors
or visitor change meanwhile gets 409 "Operation in progress". Only segments created through
the API may be changed (403); any segment may be read, exported or deleted.

Exports (``POST /api/v1/segment/{id}/visitors``) take a snapshot of the segment's visitors
(for an account segment, the visitors of its accounts) and run the same three phases; their
results are CSV or JSON with one ``visitorId`` per row.

Example:
    >>> from pendo_lab.sandbox import Sandbox
    >>> box = Sandbox(job_seconds=0)
    >>> segment = box.client().segments.create("Pilot", ["v1", " v2 "])
    >>> box.client().segments.status(segment["id"])["totalTagged"]
    2
    >>> sorted(box.state.segment_members(segment["id"])["visitorId"])
    ['v1', 'v2']
"""

from __future__ import annotations

import time
from typing import Any

import polars as pl

from .._app import Reply, SandboxHTTPError, before_each, route
from .._synth_util import object_fields
from ._common import API_USER, first_row, frame_reply, json_object, path_id, set_where

PATH = "/api/v1/segment"
MAX_VISITORS = 10_000_000
PATCH_OPERATIONS = 10
PATCH_VISITORS = 1000
STATUS_KEPT_SECONDS = 4 * 3600
PHASES = ("Pending", "Progress", "Finish")
SEGMENT_JOB = "segment"
EXPORT_JOB = "segment-export"
EXPORT_TYPES = {"csv": "text/csv", "json": "application/json"}


def job_phase(state, job: dict) -> str:
    """``Pending``, ``Progress`` or ``Finish`` by the real time since the job started
    (``state.job_seconds`` per phase); ``Error`` instead of ``Finish`` for a failed upload.

    Example:
        >>> from types import SimpleNamespace
        >>> state = SimpleNamespace(job_seconds=1.0, elapsed=lambda since_ms: 1.5)
        >>> job_phase(state, {"startedAt": 0}), job_phase(state, {"startedAt": 0, "error": "x"})
        ('Progress', 'Progress')
    """
    seconds = state.job_seconds
    step = int(state.elapsed(job["startedAt"]) // seconds) if seconds > 0 else len(PHASES)
    if step >= len(PHASES) - 1 and job.get("error"):
        return "Error"
    return PHASES[min(step, len(PHASES) - 1)]


@before_each
def settle(state) -> None:
    """Apply what each segment job has reached: ``Progress`` and ``Error`` empty the segment's
    visitor list, ``Finish`` sets it to the uploaded visitors. A job's ``applied`` phase is
    what its status and the one-job-at-a-time rule read, so they agree with the members.

    Example:
        >>> from pendo_lab.sandbox import Sandbox
        >>> box = Sandbox(job_seconds=0)
        >>> beta = box.tables["segments"].filter(createdViaApi=True)["id"][0]
        >>> _ = box.client().segments.update(beta, visitors=["v1"])
        >>> settle(box.state)
        >>> box.state.segment_members(beta)["visitorId"].to_list()
        ['v1']
    """
    for job_id, job in list(state.jobs.items()):
        if job.get("type") != SEGMENT_JOB or job["cancelled"]:
            continue
        phase = job_phase(state, job)
        if phase not in ("Pending", job["applied"]):
            _set_members(state, job["segmentId"], job["visitors"] if phase == "Finish" else [])
            state.put_job(job_id, {**job, "applied": phase})


@route("GET", PATH)
def shared_segments(request, state):
    table = state.tables["segments"].filter(pl.col("shared"))
    if request.query.get("createdByApi") == "true":
        table = table.filter(pl.col("createdViaApi"))
    return frame_reply(table)


@route("GET", PATH + "/{id}")
def one_segment(request, state):
    return _segment(state, path_id(request))


@route("POST", PATH + "/upload")
def upload(request, state):
    body = json_object(request, 'a segment upload needs {"name": ..., "visitors": [...]}')
    name, visitors = _name(body.get("name")), _visitors(body.get("visitors"))
    _require_idle(state)
    now = state.now_ms()
    segment_id = state.new_id("segment")
    segment = {**object_fields("Segment", segment_id, now, now, 0), "lastUpdatedByUser": API_USER,
               "name": name, "shared": True, "memberType": "visitor", "createdViaApi": True}
    table = state.tables["segments"]
    state.put("segments", pl.concat([table, pl.DataFrame([segment], schema=table.schema)]))
    _start_job(state, segment_id, visitors)
    return segment


@route("PUT", PATH + "/{id}")
def update(request, state):
    segment = _api_segment(request, state)
    body = json_object(request, 'an update needs {"name": ...} and/or {"visitors": [...]}')
    if "name" not in body and "visitors" not in body:
        raise SandboxHTTPError(400, "At least one value is required: send name and/or visitors")
    name = _name(body["name"]) if "name" in body else None
    if "visitors" in body:
        visitors = _visitors(body["visitors"])
        _require_idle(state)
        _start_job(state, segment["id"], visitors)
    return _touch(state, segment["id"], name)


@route("DELETE", PATH + "/{id}")
def delete(request, state):
    segment_id = _segment(state, path_id(request))["id"]
    state.put("segments", state.tables["segments"].filter(pl.col("id") != segment_id))
    _set_members(state, segment_id, [])
    for job_id, job in list(state.jobs.items()):
        if job.get("type") == SEGMENT_JOB and job["segmentId"] == segment_id:
            state.put_job(job_id, {**job, "cancelled": True})
    return Reply(b"")


@route("GET", PATH + "/{id}/status")
def status(request, state):
    segment = _segment(state, path_id(request))
    found = _latest_job(state, segment["id"])
    kept = (len(PHASES) - 1) * state.job_seconds + STATUS_KEPT_SECONDS
    if found is None or state.elapsed(found[1]["startedAt"]) > kept:
        raise SandboxHTTPError(404, f"segment {segment['id']!r} has no status: statuses are kept "
                                    f"for 4 hours after an upload or update is processed")
    job_id, job = found
    phase = job["applied"]
    tagged = len(job["visitors"]) if phase == "Finish" else 0
    answer = {"checkFound": tagged, "checkTotal": job["submitted"], "command": phase,
              "entityTagId": segment["id"], "entityTagName": segment["name"],
              "lastUpdatedAt": segment["lastUpdatedAt"], "requestId": job_id, "status": 200,
              "totalTagged": tagged}
    return answer | ({"message": job["error"]} if phase == "Error" else {})


@route("PUT", PATH + "/{id}/visitor/{visitorId}")
def add_visitor(request, state):
    _change_members(request, state, [("add", [path_id(request, "visitorId")])])
    return Reply(b"")


@route("DELETE", PATH + "/{id}/visitor/{visitorId}")
def remove_visitor(request, state):
    _change_members(request, state, [("remove", [path_id(request, "visitorId")])])
    return Reply(b"")


@route("PATCH", PATH + "/{id}/visitor")
def patch_visitors(request, state):
    """Operations ``[{"op": "add"|"remove", "path": "/visitors", "value": [ids]}]``, applied in
    order; the answer counts the visitors actually added and removed."""
    body = request.json()
    shape = '{"op": "add"|"remove", "path": "/visitors", "value": [visitor ids]}'
    if not isinstance(body, list):
        raise SandboxHTTPError(400, f"the body must be a list of operations like [{shape}]")
    if len(body) > PATCH_OPERATIONS:
        raise SandboxHTTPError(413, f"Segment patch requests can have at most "
                                    f"{PATCH_OPERATIONS} operations; got {len(body)}")
    for index, operation in enumerate(body):
        if not (isinstance(operation, dict) and operation.get("op") in ("add", "remove")
                and operation.get("path") == "/visitors" and _ids(operation.get("value"))):
            raise SandboxHTTPError(400, f"operation {index} must be {shape} with non-empty ids")
    count = sum(len(operation["value"]) for operation in body)
    if count > PATCH_VISITORS:
        raise SandboxHTTPError(413, f"Segment patch requests can have at most {PATCH_VISITORS} "
                                    f"visitors; got {count}")
    added, removed = _change_members(request, state,
                                     [(operation["op"], operation["value"]) for operation in body])
    return {"added": added, "removed": removed}


@route("POST", PATH + "/{id}/visitors")
def start_export(request, state):
    segment_id = _segment(state, path_id(request))["id"]
    job_id = state.new_id("segment-export")
    state.put_job(job_id, {"type": EXPORT_JOB, "segmentId": segment_id,
                           "startedAt": time.time() * 1000,
                           "visitors": _member_visitors(state, segment_id)})
    return {"jobId": job_id}


@route("GET", PATH + "/{id}/visitors/{jobId}/status")
def export_status(request, state):
    job_id, job = _export_job(request, state)
    return {"jobId": job_id, "segmentId": job["segmentId"], "command": job_phase(state, job),
            "totalVisitors": len(job["visitors"])}


@route("GET", PATH + "/{id}/visitors/{jobId}/results/{contentType}")
def export_results(request, state):
    job_id, job = _export_job(request, state)
    content_type = request.params["contentType"]
    if content_type not in EXPORT_TYPES:
        raise SandboxHTTPError(400, f"contentType {content_type!r} is not offered: use "
                                    f"{' or '.join(EXPORT_TYPES)}")
    if job_phase(state, job) != "Finish":
        raise SandboxHTTPError(404, f"job {job_id!r} has no results yet: wait until its status "
                                    f"is Finish")
    rows = pl.DataFrame({"visitorId": job["visitors"]}, schema={"visitorId": pl.String})
    content = rows.write_csv() if content_type == "csv" else rows.write_json()
    return Reply(content.encode(), content_type=EXPORT_TYPES[content_type])


# --- helpers ---------------------------------------------------------------------------------

def _segment(state, segment_id: str) -> dict[str, Any]:
    rows = state.tables["segments"].filter(pl.col("id") == segment_id)
    return first_row(rows, f"segment {segment_id!r} not found")


def _api_segment(request, state) -> dict[str, Any]:
    """The segment of the path, which must have been created through the API (else 403)."""
    segment = _segment(state, path_id(request))
    if not segment["createdViaApi"]:
        raise SandboxHTTPError(403, f"Segment must be created by the API: {segment['name']!r} "
                                    f"was made in the Pendo UI and cannot be changed here")
    return segment


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise SandboxHTTPError(400, "name must be a non-empty string")
    return name


def _visitors(visitors: Any) -> list:
    if not isinstance(visitors, list):
        raise SandboxHTTPError(400, "visitors must be a list of visitor ids")
    if len(visitors) > MAX_VISITORS:
        raise SandboxHTTPError(400, f"API created segments can have at most {MAX_VISITORS} "
                                    f"visitors; got {len(visitors)}")
    return visitors


def _ids(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) and v.strip() for v in values)


def _require_idle(state) -> None:
    """409 while a segment job is pending or in progress (one job per subscription)."""
    for job in state.jobs.values():
        if job.get("type") == SEGMENT_JOB and not job["cancelled"] \
                and job["applied"] in ("Pending", "Progress"):
            raise SandboxHTTPError(409, f"Operation in progress: segment {job['segmentId']!r} is "
                                        f"being processed; retry when its status is Finish")


def _start_job(state, segment_id: str, visitors: list) -> None:
    """Record a segment job; ids are stripped, and a bad one makes the job end in Error."""
    bad = next((i for i, v in enumerate(visitors) if not isinstance(v, str) or not v.strip()),
               None)
    error = None if bad is None else f"visitor {bad} is not a valid visitor id: {visitors[bad]!r}"
    cleaned = [] if error else list(dict.fromkeys(v.strip() for v in visitors))
    state.put_job(state.new_id("segment-job"), {
        "type": SEGMENT_JOB, "segmentId": segment_id, "startedAt": time.time() * 1000,
        "submitted": len(visitors), "visitors": cleaned, "error": error, "applied": "Pending",
        "cancelled": False})


def _latest_job(state, segment_id: str) -> tuple[str, dict] | None:
    jobs = [(job_id, job) for job_id, job in state.jobs.items()
            if job.get("type") == SEGMENT_JOB and job["segmentId"] == segment_id
            and not job["cancelled"]]
    return jobs[-1] if jobs else None


def _touch(state, segment_id: str, name: str | None = None) -> dict[str, Any]:
    """Mark a segment updated now (and rename it); the updated segment."""
    now = state.now_ms()
    changes = {"lastUpdatedAt": now, "stableVersionId": f"{segment_id}-{now}",
               "lastUpdatedByUser": API_USER, **({"name": name} if name else {})}
    state.put("segments", set_where(state.tables["segments"], pl.col("id") == segment_id,
                                    **changes))
    return _segment(state, segment_id)


def _set_members(state, segment_id: str, visitors: list[str]) -> None:
    table = state.tables["segment_members"]
    rows = pl.DataFrame({"visitorId": visitors}, schema={"visitorId": pl.String}).select(
        segmentId=pl.lit(segment_id), visitorId="visitorId", accountId=pl.lit(None, pl.String))
    state.put("segment_members",
              pl.concat([table.filter(pl.col("segmentId") != segment_id), rows]))


def _change_members(request, state, operations: list[tuple[str, list[str]]]) -> tuple[int, int]:
    """Apply add/remove operations in order to an API-made segment (404, 403, 409 first);
    the numbers of visitors actually added and removed."""
    segment_id = _api_segment(request, state)["id"]
    _require_idle(state)
    members = state.tables["segment_members"].filter(pl.col("segmentId") == segment_id)
    current = dict.fromkeys(members["visitorId"].to_list())
    before = set(current)
    for op, visitors in operations:
        for visitor in visitors:
            if op == "add":
                current[visitor] = None
            else:
                current.pop(visitor, None)
    if len(current) > MAX_VISITORS:
        raise SandboxHTTPError(400, f"Error adding visitor to segment, API created segments can "
                                    f"have at most {MAX_VISITORS} visitors")
    _set_members(state, segment_id, list(current))
    _touch(state, segment_id)
    return len(current.keys() - before), len(before - current.keys())


def _member_visitors(state, segment_id: str) -> list[str]:
    """The visitors of a segment: its visitor members, or the visitors of its accounts."""
    members = state.segment_members(segment_id)
    if "visitorId" not in members.columns:
        members = state.tables["visitor_accounts"].join(members, on="accountId", how="semi")
    return members["visitorId"].drop_nulls().unique().sort().to_list()


def _export_job(request, state) -> tuple[str, dict]:
    segment_id, job_id = path_id(request), path_id(request, "jobId")
    job = state.jobs.get(job_id)
    if not job or job.get("type") != EXPORT_JOB or job["segmentId"] != segment_id:
        raise SandboxHTTPError(404, f"Job ID {job_id!r} not found for segment {segment_id!r}")
    return job_id, job
