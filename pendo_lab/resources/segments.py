"""Segments: list, upload, update, single and batched visitor changes, status polling, export.

Segments made from a visitor list (``create``) are filled by an asynchronous job; ``wait``
polls its status until Pendo reports ``Finish`` (or ``Error``). Only segments created through
the API may be changed (403 otherwise), and Pendo processes one segment job per subscription at
a time: a change sent meanwhile gets 409 "operation in progress", which the visitor-change
methods wait out and retry (``busy_retries`` times, ``busy_wait`` seconds apart), since the
server provably did not act on it.

``patch_visitors`` is split into calls within Pendo's limits; a call failing part-way raises
:class:`~pendo_lab.BatchError`.

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> beta = client.segments.create("Beta testers", ["visitor-1", "visitor-2"])
    >>> client.segments.wait(beta["id"], interval=0.5, progress=False)["command"]
    'Finish'
"""

from __future__ import annotations

import time
from itertools import groupby
from operator import itemgetter
from typing import Any

from .._exceptions import ConflictError, PendoError, ValidationError
from .._http import Call, Plan, Sleep
from ._base import Resource, as_list, id_list, id_path, id_segment, is_text, send_batches

PATH = "/api/v1/segment"
MAX_SEGMENT_VISITORS = 10_000_000
#: Visitors per PATCH call (Pendo also allows 10 operations; a batch here holds at most 2).
PATCH_VISITORS = 1000
#: Segment job states, lower-cased. ``finish``/``error`` are CONFIRMED for segment status
#: (its ``command`` field); the others are INFERRED spellings for segment export jobs.
DONE_STATES = frozenset({"finish", "finished", "complete", "completed", "done", "success"})
FAILED_STATES = frozenset({"error", "failed", "failure"})


def job_state(status: Any) -> str:
    """The lower-cased state of a job status: its ``command``, ``state`` or ``status`` text.

    Example:
        >>> job_state({"command": "Finish", "status": 200})
        'finish'
    """
    if isinstance(status, dict):
        for key in ("command", "state", "status"):
            if isinstance(status.get(key), str):
                return status[key].lower()
    return "unknown"


class SegmentJobError(PendoError):
    """A segment job (processing an upload, or an export) ended in ``Error``.

    ``status`` holds the last status Pendo returned.

    Example:
        >>> str(SegmentJobError("segment s1", {"command": "Error"}))
        "segment s1 ended in error: {'command': 'Error'}"
    """

    def __init__(self, what: str, status: Any):
        self.status = status
        super().__init__(f"{what} ended in error: {status}")


class SegmentTimeoutError(PendoError, TimeoutError):
    """A segment job did not finish within the ``timeout`` given to a wait.

    It is also a builtin :class:`TimeoutError`; ``status`` holds the last status seen.

    Example:
        >>> isinstance(SegmentTimeoutError("segment s1", 60, {}), TimeoutError)
        True
    """

    def __init__(self, what: str, timeout: float, status: Any):
        self.status = status
        super().__init__(f"{what} did not finish within {timeout:g}s (last status: {status}); "
                         f"wait again or pass a longer timeout=")


def _status(path: str) -> Call:
    """The status call of the segment or export job at ``path``."""
    return Call("GET", f"{path}/status")


def _check_wait(timeout: float, interval: float) -> None:
    """Refuse a negative ``timeout`` or ``interval`` for a wait.

    Example:
        >>> _check_wait(-1, 2.0)
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: timeout= and interval= must not be negative
    """
    if timeout < 0 or interval < 0:
        raise ValidationError("timeout= and interval= must not be negative")


def _poll(call: Call, what: str, timeout: float, interval: float, progress: bool) -> Plan:
    """Poll ``call`` until the job is done (its last status) or failed, with a progress bar."""
    from tqdm.auto import tqdm

    _check_wait(timeout, interval)
    started = time.monotonic()
    bar = tqdm(desc=what, unit="poll", disable=not progress)
    try:
        while True:
            status = yield call
            state = job_state(status)
            bar.update()
            bar.set_postfix_str(state)
            if state in DONE_STATES:
                return status
            if state in FAILED_STATES:
                raise SegmentJobError(what, status)
            if time.monotonic() - started >= timeout:
                raise SegmentTimeoutError(what, timeout, status)
            yield Sleep(interval)
    finally:
        bar.close()


def _job_id(body: Any) -> str:
    """The job id in an export start answer (``jobId`` or ``id``; INFERRED)."""
    if isinstance(body, dict):
        for key in ("jobId", "id"):
            if body.get(key):
                return str(body[key])
    if isinstance(body, str) and body:
        return body
    raise PendoError(f"the segment export answer has no job id: {body!r}")


class Segments(Resource):
    """``client.segments``: shared segments and API-made visitor-list segments.

    Example:
        >>> client.segments.list()["name"].to_list()
        ['Beta testers', 'Enterprise admins', 'Key accounts']
    """

    #: How often a visitor change answered 409 "operation in progress" is retried, and the
    #: seconds waited before each retry.
    busy_retries: int = 5
    busy_wait: float = 5.0

    def list(self, *, created_by_api: bool = False, frame: str | None = None) -> Any:
        """Shared segments as a frame; ``created_by_api=True`` keeps only API-made ones.

        Example:
            >>> "name" in client.segments.list().columns
            True
        """
        params = {"createdByApi": "true"} if created_by_api else None
        return self._run(Call("GET", PATH, params=params, parse=self._json_frame(frame)))

    def get(self, segment_id: str) -> dict:
        """One segment as a dict (404 raises :class:`~pendo_lab.NotFoundError`).

        Example:
            >>> beta = client.segments.list(created_by_api=True).row(0, named=True)
            >>> client.segments.get(beta["id"])["name"]
            'Beta testers'
        """
        return self._run(Call("GET", self._path(segment_id)))

    def create(self, name: str, visitors: Any) -> dict:
        """A new segment from up to 10 million visitor ids (a list or a Series).

        Pendo creates the segment at once and fills it in a background job: see :meth:`wait`.

        Example:
            >>> client.segments.create("Pilot", ["visitor-1"])["name"]
            'Pilot'
        """
        body = {"name": _name(name), "visitors": _segment_visitors(visitors)}
        return self._run(Call("POST", f"{PATH}/upload", json=body))

    def update(self, segment_id: str, *, name: str | None = None, visitors: Any = None) -> dict:
        """Rename a segment and/or replace its visitor list (API-made segments only).

        Example:
            >>> beta = client.segments.list(created_by_api=True).row(0, named=True)
            >>> client.segments.update(beta["id"], name="Beta 2")["name"]
            'Beta 2'
        """
        body = {}
        if name is not None:
            body["name"] = _name(name)
        if visitors is not None:
            body["visitors"] = _segment_visitors(visitors)
        if not body:
            raise ValidationError("update needs name= and/or visitors=: pass what should change")
        return self._run(Call("PUT", self._path(segment_id), json=body))

    def delete(self, segment_id: str) -> Any:
        """Delete a segment.

        Example:
            >>> client.segments.delete(client.segments.create("Tmp", ["visitor-1"])["id"])
        """
        return self._run(Call("DELETE", self._path(segment_id)))

    def status(self, segment_id: str) -> dict:
        """The segment job's status: ``command`` is Pending, Progress, Finish or Error.

        Pendo keeps it for 4 hours after processing completes.

        Example:
            >>> pilot = client.segments.create("Pilot", ["visitor-1"])
            >>> client.segments.status(pilot["id"])["command"]
            'Pending'
        """
        return self._run(_status(self._path(segment_id)))

    def wait(self, segment_id: str, *, timeout: float = 600.0, interval: float = 2.0,
             progress: bool = True) -> dict:
        """Poll :meth:`status` until the job finishes; the final status.

        A tqdm progress bar shows the polls (``progress=False`` hides it). Raises
        :class:`SegmentJobError` if the job ends in Error, :class:`SegmentTimeoutError` (a
        :class:`TimeoutError`) after ``timeout`` seconds.

        Example:
            >>> pilot = client.segments.create("Pilot", ["visitor-1"])
            >>> client.segments.wait(pilot["id"], interval=0.5, progress=False)["command"]
            'Finish'
        """
        return self._run(_poll(_status(self._path(segment_id)), f"segment {segment_id}", timeout,
                               interval, progress))

    def add_visitor(self, segment_id: str, visitor_id: str) -> Any:
        """Add one visitor to an API-made segment (b64 form for awkward ids).

        Example:
            >>> beta = client.segments.list(created_by_api=True).row(0, named=True)
            >>> client.segments.add_visitor(beta["id"], "visitor-3")
        """
        return self._run(self._busy_retried(self._visitor_call("PUT", segment_id, visitor_id)))

    def remove_visitor(self, segment_id: str, visitor_id: str) -> Any:
        """Remove one visitor from an API-made segment.

        Example:
            >>> beta = client.segments.list(created_by_api=True).row(0, named=True)
            >>> client.segments.remove_visitor(beta["id"], "visitor-3")
        """
        return self._run(self._busy_retried(self._visitor_call("DELETE", segment_id, visitor_id)))

    def patch_visitors(self, segment_id: str, *, add: Any = None, remove: Any = None) -> dict:
        """Add and remove many visitors; split into PATCH calls within Pendo's limits.

        Each call carries at most 1000 visitors (and at most 2 of the 10 allowed operations);
        additions are sent before removals. The outcome is merged: ``{"calls", "added",
        "removed", "responses"}``. A call failing after others succeeded raises
        :class:`~pendo_lab.BatchError` whose ``failed`` and ``unsent`` list
        ``("add"|"remove", visitorId)`` changes.

        The body is a JSON-Patch-like list, ``[{"op": "add", "path": "/visitors",
        "value": [...]}, ...]`` (INFERRED: the reference names the operations but shows no body).

        Example:
            >>> beta = client.segments.list(created_by_api=True).row(0, named=True)
            >>> client.segments.patch_visitors(beta["id"], add=["visitor-4"])["added"]
            1
        """
        changes = _changes(add, remove)
        path = f"{self._path(segment_id)}/visitor"

        def send(part):
            operations = [{"op": op, "path": "/visitors", "value": [v for _, v in group]}
                          for op, group in groupby(part, key=itemgetter(0))]
            # Adding or removing the same visitors twice changes nothing: safe to retry.
            response = yield from self._busy_retried(
                Call("PATCH", path, json=operations, idempotent=True))
            ops = [op for op, _ in part]
            return {"calls": 1, "added": ops.count("add"), "removed": ops.count("remove"),
                    "responses": [response]}

        return self._run(send_batches(changes, PATCH_VISITORS, send,
                                      f"segment {segment_id} visitor changes"))

    def start_export(self, segment_id: str) -> dict:
        """Start exporting a segment's visitors; the answer holds the job id.

        Example:
            >>> beta = client.segments.list(created_by_api=True).row(0, named=True)
            >>> "jobId" in client.segments.start_export(beta["id"])
            True
        """
        return self._run(self._start_export_call(segment_id))

    def export_status(self, segment_id: str, job_id: str) -> dict:
        """The status of a segment export job.

        Example:
            >>> beta = client.segments.list(created_by_api=True).row(0, named=True)
            >>> job = client.segments.start_export(beta["id"])["jobId"]
            >>> client.segments.export_status(beta["id"], job)["command"]
            'Pending'
            >>> isinstance(client.segments.export_status(beta["id"], job), dict)
            True
        """
        return self._run(_status(self._job_path(segment_id, job_id)))

    def export_results(self, segment_id: str, job_id: str, *, content_type: str = "csv",
                       frame: str | None = None) -> Any:
        """A finished export's visitors as a frame (Pendo offers only ``csv``).

        Example:
            >>> beta = client.segments.list(created_by_api=True).row(0, named=True)
            >>> job = client.segments.start_export(beta["id"])["jobId"]
            >>> _ = client.segments.wait_export(beta["id"], job, interval=0.5, progress=False)
            >>> visitors = client.segments.export_results(beta["id"], job)
            >>> visitors.columns, visitors.height > 0
            (['visitorId'], True)
        """
        if content_type != "csv":
            raise ValidationError(f"content_type={content_type!r} is not offered: Pendo exports "
                                  f"segment visitors only as 'csv'")
        return self._run(self._results_call(segment_id, job_id, self._csv_frame(frame)))

    def wait_export(self, segment_id: str, job_id: str, *, timeout: float = 600.0,
                    interval: float = 2.0, progress: bool = True) -> dict:
        """Poll :meth:`export_status` until the job finishes, as :meth:`wait` does.

        Example:
            >>> beta = client.segments.list(created_by_api=True).row(0, named=True)
            >>> job = client.segments.start_export(beta["id"])["jobId"]
            >>> status = client.segments.wait_export(beta["id"], job, interval=0.5, progress=False)
            >>> status["command"]
            'Finish'
        """
        return self._run(self._export_poll(segment_id, job_id, timeout, interval, progress))

    def export_visitors(self, segment_id: str, *, timeout: float = 600.0, interval: float = 2.0,
                        progress: bool = True, frame: str | None = None) -> Any:
        """Start an export, wait for it and return the visitors as a frame.

        The job id is read from the start answer's ``jobId`` (or ``id``) field (INFERRED).

        Example:
            >>> beta = client.segments.list(created_by_api=True).row(0, named=True)
            >>> client.segments.export_visitors(beta["id"], interval=0.5, progress=False).columns
            ['visitorId']
        """
        _check_wait(timeout, interval)
        start = self._start_export_call(segment_id)
        parse = self._csv_frame(frame)

        def plan():
            job_id = _job_id((yield start))
            yield from self._export_poll(segment_id, job_id, timeout, interval, progress)
            return (yield self._results_call(segment_id, job_id, parse))

        return self._run(plan())

    def _path(self, segment_id: str) -> str:
        return f"{PATH}/{id_segment(segment_id, 'segment ids')}"

    def _job_path(self, segment_id: str, job_id: str) -> str:
        return f"{self._path(segment_id)}/visitors/{id_segment(job_id, 'export job ids')}"

    def _start_export_call(self, segment_id: str) -> Call:
        return Call("POST", f"{self._path(segment_id)}/visitors")

    def _export_poll(self, segment_id: str, job_id: str, timeout: float, interval: float,
                     progress: bool) -> Plan:
        return _poll(_status(self._job_path(segment_id, job_id)),
                     f"segment {segment_id} export {job_id}", timeout, interval, progress)

    def _results_call(self, segment_id: str, job_id: str, parse) -> Call:
        return Call("GET", f"{self._job_path(segment_id, job_id)}/results/csv", parse=parse)

    def _visitor_call(self, method: str, segment_id: str, visitor_id: str) -> Call:
        visitor, headers = id_path(visitor_id, "visitor ids")
        return Call(method, f"{self._path(segment_id)}/visitor/{visitor}", headers=headers)

    def _busy_retried(self, call: Call) -> Plan:
        """A plan sending ``call``, waiting out and retrying 409 "operation in progress"."""
        for attempt in range(self.busy_retries + 1):
            try:
                return (yield call)
            except ConflictError:
                if attempt == self.busy_retries:
                    raise
                yield Sleep(self.busy_wait)


def _name(name: str) -> str:
    if not is_text(name):
        raise ValidationError("a segment name must be a non-empty string")
    return name


def _segment_visitors(visitors: Any) -> list[str]:
    ids = id_list(visitors, "visitor ids")
    if len(ids) > MAX_SEGMENT_VISITORS:
        raise ValidationError(f"{len(ids):,} visitor ids given; Pendo takes at most "
                              f"{MAX_SEGMENT_VISITORS:,} per segment: use several segments")
    return ids


def _changes(add: Any, remove: Any) -> list[tuple[str, str]]:
    """``("add"|"remove", visitorId)`` pairs, additions first; a visitor in both is rejected."""
    added = _optional_ids(add, "visitor ids to add")
    removed = _optional_ids(remove, "visitor ids to remove")
    if not added and not removed:
        raise ValidationError("patch_visitors needs visitor ids in add= and/or remove=")
    both = set(added) & set(removed)
    if both:
        raise ValidationError(f"visitors both added and removed: {sorted(both)[:5]}; "
                              f"keep each visitor in one list")
    return [("add", v) for v in added] + [("remove", v) for v in removed]


def _optional_ids(values: Any, what: str) -> list[str]:
    values = [] if values is None else as_list(values, what)
    return id_list(values, what) if values else []
