"""Segments: list, upload, update, single and batched visitor changes, status polling, export.

Segments made from a visitor list (``create``) are filled by an asynchronous job; ``wait``
polls its status until Pendo reports ``Finish`` (or ``Error``). Only segments created through
the API may be changed (403 otherwise), and Pendo processes one segment job per subscription at
a time: a change sent meanwhile gets 409 "operation in progress", which the visitor-change
methods wait out and retry (``busy_retries`` times, ``busy_wait`` seconds apart), since the
server provably did not act on it.

This module also holds what the split writes of segments, guides and metadata share:
:func:`send_batches` and :func:`merge_outcomes`; a call failing part-way raises
:class:`~pendo_lab.resources.bulk_delete.BatchError`.

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> beta = client.segments.create("Beta testers", ["visitor-1", "visitor-2"])
    >>> client.segments.wait(beta["id"], progress=False)["command"]
    'Finish'
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from .._exceptions import ConflictError, PendoError, ValidationError
from .._http import B64_HEADER, Call, Plan, Sleep, path_id, segment
from ._base import Resource, batches, require_ids
from .bulk_delete import BatchError

PATH = "/api/v1/segment"
MAX_SEGMENT_VISITORS = 10_000_000
#: Visitors per PATCH call (Pendo also allows 10 operations; a batch here holds at most 2).
PATCH_VISITORS = 1000
#: Segment job states, lower-cased. ``finish``/``error`` are CONFIRMED for segment status
#: (its ``command`` field); the others are INFERRED spellings for segment export jobs.
DONE_STATES = frozenset({"finish", "finished", "complete", "completed", "done", "success"})
FAILED_STATES = frozenset({"error", "failed", "failure"})


def merge_outcomes(outcomes: Iterable[Any]) -> Any:
    """Several calls' outcomes as one: numbers added, lists joined, dicts merged by key.

    Any other value (text, booleans) keeps its last occurrence.

    Example:
        >>> merge_outcomes([{"total": 2, "missing": ["a"]}, {"total": 3, "missing": ["b"]}])
        {'total': 5, 'missing': ['a', 'b']}
    """
    merged = None
    for outcome in outcomes:
        merged = _merge(merged, outcome)
    return merged


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{key: _merge(old.get(key), value) for key, value in new.items()}}
    if isinstance(old, list) and isinstance(new, list):
        return old + new
    if _is_number(old) and _is_number(new):
        return old + new
    return new if new is not None else old


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def send_batches(parts: Sequence[Sequence], send: Callable[[Sequence], Plan],
                 what: str) -> Plan:
    """A plan sending each part with ``send`` (a sub-plan) in order; the merged outcome.

    If a call fails after others succeeded, :class:`BatchError` holds the merged outcome so
    far (``done``), the items of the failed call (``failed``: Pendo may or may not have acted
    on them) and of the calls never sent (``unsent``). If the first call fails, nothing was
    done and its own error is raised.

    Example:
        >>> def send(part):
        ...     return (yield Call("POST", "/x", json=list(part)))
        >>> plan = send_batches([[1, 2], [3]], send, "numbers")
        >>> next(plan).json
        [1, 2]
    """
    outcomes = []
    for index, part in enumerate(parts):
        try:
            outcomes.append((yield from send(part)))
        except PendoError as exc:
            if not outcomes:
                raise
            unsent = [item for rest in parts[index + 1:] for item in rest]
            raise BatchError(what, merge_outcomes(outcomes), list(part), unsent, index + 1,
                             len(parts), exc) from exc
    return merge_outcomes(outcomes)


def id_path(value: object) -> tuple[str, dict[str, str]]:
    """A visitor or account id as a path segment, with the header its ``b64_`` form needs.

    Example:
        >>> id_path("a/b c")
        ('b64_YS9iIGM=', {'x-pendo-base64-encoded-params': 'true'})
    """
    text, is_b64 = path_id(value)
    return text, {B64_HEADER: "true"} if is_b64 else {}


def one_id(value: Any, what: str) -> str:
    """One non-empty id as text, or a ValidationError naming ``what``.

    Example:
        >>> one_id(42, "segment ids")
        '42'
    """
    (one,) = require_ids([value], what)
    return one


def id_list(values: Any, what: str) -> list[str]:
    """Ids from a list, a Polars or pandas Series (a DataFrame column), or any iterable.

    Example:
        >>> import polars as pl
        >>> id_list(pl.Series(["v1", "v2"]), "visitor ids")
        ['v1', 'v2']
    """
    values = _as_list(values, what)
    nulls = sum(1 for v in values if v is None or v != v)
    if nulls:
        raise ValidationError(f"{what} contain {nulls} null/NaN values: drop them first "
                              f"(e.g. series.drop_nulls())")
    return require_ids(values, what)


def _as_list(values: Any, what: str) -> list:
    if hasattr(values, "columns"):
        raise ValidationError(f"{what}: got a whole DataFrame; pass one column, e.g. "
                              f"frame['visitorId']")
    if isinstance(values, (str, bytes)):
        return [values]
    return values.to_list() if hasattr(values, "to_list") else list(values)


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


def _poll(call: Call, what: str, timeout: float, interval: float, progress: bool) -> Plan:
    """Poll ``call`` until the job is done (its last status) or failed, with a progress bar."""
    from tqdm.auto import tqdm

    if timeout < 0 or interval < 0:
        raise ValidationError("timeout= and interval= must not be negative")
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
    """``client.segments``: shared segments and API-made visitor-list segments."""

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
            >>> client.segments.status(beta["id"])["command"] in {"Pending", "Progress", "Finish"}
            True
        """
        return self._run(Call("GET", f"{self._path(segment_id)}/status"))

    def wait(self, segment_id: str, *, timeout: float = 600.0, interval: float = 2.0,
             progress: bool = True) -> dict:
        """Poll :meth:`status` until the job finishes; the final status.

        A tqdm progress bar shows the polls (``progress=False`` hides it). Raises
        :class:`SegmentJobError` if the job ends in Error, :class:`SegmentTimeoutError` (a
        :class:`TimeoutError`) after ``timeout`` seconds.

        Example:
            >>> client.segments.wait(beta["id"], progress=False)["command"]
            'Finish'
        """
        call = Call("GET", f"{self._path(segment_id)}/status")
        return self._run(_poll(call, f"segment {segment_id}", timeout, interval, progress))

    def add_visitor(self, segment_id: str, visitor_id: str) -> Any:
        """Add one visitor to an API-made segment (b64 form for awkward ids).

        Example:
            >>> client.segments.add_visitor(beta["id"], "visitor-3")
        """
        return self._run(self._busy_retried(self._visitor_call("PUT", segment_id, visitor_id)))

    def remove_visitor(self, segment_id: str, visitor_id: str) -> Any:
        """Remove one visitor from an API-made segment.

        Example:
            >>> client.segments.remove_visitor(beta["id"], "visitor-3")
        """
        return self._run(self._busy_retried(self._visitor_call("DELETE", segment_id, visitor_id)))

    def patch_visitors(self, segment_id: str, *, add: Any = None, remove: Any = None) -> dict:
        """Add and remove many visitors; split into PATCH calls within Pendo's limits.

        Each call carries at most 1000 visitors (and at most 2 of the 10 allowed operations);
        additions are sent before removals. The outcome is merged: ``{"calls", "added",
        "removed", "responses"}``. A call failing after others succeeded raises
        :class:`BatchError` whose ``failed`` and ``unsent`` list ``("add"|"remove", visitorId)``
        changes.

        The body is a JSON-Patch-like list, ``[{"op": "add", "path": "/visitors",
        "value": [...]}, ...]`` (INFERRED: the reference names the operations but shows no body).

        Example:
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

        parts = list(batches(changes, PATCH_VISITORS))
        return self._run(send_batches(parts, send, f"segment {segment_id} visitor changes"))

    def start_export(self, segment_id: str) -> dict:
        """Start exporting a segment's visitors; the answer holds the job id.

        Example:
            >>> "jobId" in client.segments.start_export(beta["id"])
            True
        """
        return self._run(Call("POST", f"{self._path(segment_id)}/visitors"))

    def export_status(self, segment_id: str, job_id: str) -> dict:
        """The status of a segment export job.

        Example:
            >>> job = client.segments.start_export(beta["id"])["jobId"]
            >>> isinstance(client.segments.export_status(beta["id"], job), dict)
            True
        """
        return self._run(Call("GET", f"{self._job_path(segment_id, job_id)}/status"))

    def export_results(self, segment_id: str, job_id: str, *, content_type: str = "csv",
                       frame: str | None = None) -> Any:
        """A finished export's visitors as a frame (Pendo offers only ``csv``).

        Example:
            >>> job = client.segments.start_export(beta["id"])["jobId"]
            >>> _ = client.segments.wait_export(beta["id"], job, progress=False)
            >>> client.segments.export_results(beta["id"], job).height
            2
        """
        if content_type != "csv":
            raise ValidationError(f"content_type={content_type!r} is not offered: Pendo exports "
                                  f"segment visitors only as 'csv'")
        path = f"{self._job_path(segment_id, job_id)}/results/csv"
        return self._run(Call("GET", path, parse=self._csv_frame(frame)))

    def wait_export(self, segment_id: str, job_id: str, *, timeout: float = 600.0,
                    interval: float = 2.0, progress: bool = True) -> dict:
        """Poll :meth:`export_status` until the job finishes, as :meth:`wait` does.

        Example:
            >>> job = client.segments.start_export(beta["id"])["jobId"]
            >>> isinstance(client.segments.wait_export(beta["id"], job, progress=False), dict)
            True
        """
        call = Call("GET", f"{self._job_path(segment_id, job_id)}/status")
        return self._run(_poll(call, f"segment {segment_id} export {job_id}", timeout, interval,
                               progress))

    def export_visitors(self, segment_id: str, *, timeout: float = 600.0, interval: float = 2.0,
                        progress: bool = True, frame: str | None = None) -> Any:
        """Start an export, wait for it and return the visitors as a frame.

        The job id is read from the start answer's ``jobId`` (or ``id``) field (INFERRED).

        Example:
            >>> client.segments.export_visitors(beta["id"], progress=False).height
            2
        """
        base = self._path(segment_id)
        parse = self._csv_frame(frame)

        def plan():
            job_id = _job_id((yield Call("POST", f"{base}/visitors")))
            job = f"{base}/visitors/{segment(job_id)}"
            yield from _poll(Call("GET", f"{job}/status"), f"segment {segment_id} export {job_id}",
                             timeout, interval, progress)
            return (yield Call("GET", f"{job}/results/csv", parse=parse))

        return self._run(plan())

    def _path(self, segment_id: str) -> str:
        return f"{PATH}/{segment(one_id(segment_id, 'segment ids'))}"

    def _job_path(self, segment_id: str, job_id: str) -> str:
        job = one_id(job_id, "export job ids")
        return f"{self._path(segment_id)}/visitors/{segment(job)}"

    def _visitor_call(self, method: str, segment_id: str, visitor_id: str) -> Call:
        visitor, headers = id_path(one_id(visitor_id, "visitor ids"))
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
    if not isinstance(name, str) or not name.strip():
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
    values = [] if values is None else _as_list(values, what)
    return id_list(values, what) if values else []
