"""Segments through the mock: requests as the reference says, polling, PATCH splitting, exports."""

import orjson
import pandas as pd
import polars as pl
import pytest

import pendo_lab
from pendo_lab import BatchError
from pendo_lab.resources import segments as module
from pendo_lab.resources._base import merge_outcomes
from pendo_lab.resources.segments import SegmentJobError, SegmentTimeoutError

B64 = "x-pendo-base64-encoded-params"


def body(request):
    return orjson.loads(request.content)


def test_list_is_a_frame_and_filters_api_made(client, mock, run):
    mock.reply(body=[{"id": "s1", "name": "Beta", "createdAt": 1700000000000}])
    frame = run(client.segments.list(created_by_api=True))
    assert (mock.last.method, mock.last.url.path) == ("GET", "/api/v1/segment")
    assert dict(mock.last.url.params) == {"createdByApi": "true"}
    assert frame["name"].to_list() == ["Beta"]
    assert frame["createdAt"].dtype.time_zone == "UTC"
    mock.reply(body=[{"id": "s1"}])
    assert type(run(client.segments.list(frame="pandas"))).__module__.startswith("pandas")
    assert dict(mock.last.url.params) == {}


def test_get_encodes_the_id(client, mock, run):
    mock.reply(body={"id": "a/b", "name": "Odd"})
    assert run(client.segments.get("a/b"))["name"] == "Odd"
    assert mock.last.url.raw_path == b"/api/v1/segment/a%2Fb"


@pytest.mark.parametrize("visitors", [
    ["v1", "v2"],
    pl.Series("visitorId", ["v1", "v2"]),
    pd.Series(["v1", "v2"]),
    pl.DataFrame({"visitorId": ["v1", "v2"]})["visitorId"],
])
def test_create_uploads_name_and_visitors(client, mock, run, visitors):
    mock.reply(body={"id": "s9", "name": "Beta"})
    assert run(client.segments.create("Beta", visitors))["id"] == "s9"
    assert (mock.last.method, mock.last.url.path) == ("POST", "/api/v1/segment/upload")
    assert mock.last.headers["content-type"] == "application/json"
    assert body(mock.last) == {"name": "Beta", "visitors": ["v1", "v2"]}


@pytest.mark.parametrize("name,visitors,message", [
    ("Beta", pl.DataFrame({"visitorId": ["v1"]}), "pass one column"),
    ("Beta", pl.Series(["v1", None]), "1 null/NaN"),
    ("Beta", pd.Series(["v1", float("nan")]), "1 null/NaN"),
    ("Beta", [], "no visitor ids given"),
    ("Beta", ["v1", " "], "empty id"),
    ("  ", ["v1"], "segment name"),
])
def test_create_rejects_bad_input_before_sending(client, mock, run, name, visitors, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(client.segments.create(name, visitors))
    assert mock.requests == []


def test_create_refuses_more_than_the_segment_limit(client, mock, run, monkeypatch):
    monkeypatch.setattr(module, "MAX_SEGMENT_VISITORS", 3)
    with pytest.raises(pendo_lab.ValidationError, match="4 visitor ids given; .* at most 3 per"):
        run(client.segments.create("Big", ["a", "b", "c", "d"]))
    assert mock.requests == []


def test_update_sends_only_what_changes(client, mock, run):
    mock.reply(body={"id": "s1"})
    run(client.segments.update("s1", name="Renamed"))
    assert (mock.last.method, mock.last.url.path) == ("PUT", "/api/v1/segment/s1")
    assert body(mock.last) == {"name": "Renamed"}
    run(client.segments.update("s1", visitors=pl.Series(["v3"])))
    assert body(mock.last) == {"visitors": ["v3"]}


def test_update_needs_something_to_change(client, mock, run):
    with pytest.raises(pendo_lab.ValidationError, match="name= and/or visitors="):
        run(client.segments.update("s1"))
    assert mock.requests == []


def test_delete_and_status(client, mock, run):
    mock.reply(body={})
    run(client.segments.delete("s1"))
    assert (mock.last.method, mock.last.url.path) == ("DELETE", "/api/v1/segment/s1")
    mock.reply(body={"command": "Pending", "entityTagId": "s1"})
    assert run(client.segments.status("s1"))["command"] == "Pending"
    assert (mock.last.method, mock.last.url.path) == ("GET", "/api/v1/segment/s1/status")


def test_wait_polls_until_finish(client, mock, run):
    for command in ("Pending", "Progress", "Finish"):
        mock.reply(body={"command": command, "totalTagged": 2})
    status = run(client.segments.wait("s1", interval=0, progress=False))
    assert status["command"] == "Finish"
    assert [r.url.path for r in mock.requests] == ["/api/v1/segment/s1/status"] * 3


def test_wait_raises_on_error_status(client, mock, run):
    mock.reply(body={"command": "Pending"}).reply(body={"command": "Error", "message": "bad id"})
    with pytest.raises(SegmentJobError, match="segment s1 ended in error") as caught:
        run(client.segments.wait("s1", interval=0, progress=False))
    assert caught.value.status["message"] == "bad id"
    assert isinstance(caught.value, pendo_lab.PendoError)


def test_wait_times_out_as_a_timeout_error(client, mock, run):
    mock.reply(body={"command": "Progress"})
    with pytest.raises(TimeoutError, match="did not finish within 0s") as caught:
        run(client.segments.wait("s1", timeout=0, interval=0, progress=False))
    assert isinstance(caught.value, SegmentTimeoutError)
    assert caught.value.status == {"command": "Progress"}
    assert len(mock.requests) == 1


def test_wait_rejects_negative_timing_before_sending(client, mock, run):
    with pytest.raises(pendo_lab.ValidationError, match="must not be negative"):
        run(client.segments.wait("s1", interval=-1))
    assert mock.requests == []


def test_wait_shows_a_progress_bar(client, mock, run, capsys):
    mock.reply(body={"command": "Pending"}).reply(body={"command": "Finish"})
    run(client.segments.wait("s1", interval=0))
    shown = capsys.readouterr().err
    assert "segment s1" in shown and "finish" in shown


@pytest.mark.parametrize("method,action", [("PUT", "add_visitor"), ("DELETE", "remove_visitor")])
def test_single_visitor_changes(client, mock, run, method, action):
    run(getattr(client.segments, action)("s1", "v1"))
    assert (mock.last.method, mock.last.url.path) == (method, "/api/v1/segment/s1/visitor/v1")
    assert B64 not in mock.last.headers
    run(getattr(client.segments, action)("s1", "a/b c"))
    assert mock.last.url.path == "/api/v1/segment/s1/visitor/b64_YS9iIGM="
    assert mock.last.headers[B64] == "true"


def test_operation_in_progress_is_waited_out(client, mock, run):
    client.segments.busy_wait = 0
    mock.reply(409, {"message": "Operation in progress"}).reply(200, {})
    run(client.segments.add_visitor("s1", "v1"))
    assert len(mock.requests) == 2


def test_operation_in_progress_gives_up_after_the_bound(client, mock, run):
    client.segments.busy_wait, client.segments.busy_retries = 0, 2
    for _ in range(3):
        mock.reply(409, {"message": "Operation in progress"})
    with pytest.raises(pendo_lab.ConflictError, match="Operation in progress"):
        run(client.segments.remove_visitor("s1", "v1"))
    assert len(mock.requests) == 3


def sent_changes(requests):
    """(op, visitor) pairs in the order the PATCH calls carried them."""
    return [(op["op"], v) for r in requests for op in body(r) for v in op["value"]]


def test_patch_splits_within_the_limits_and_merges(client, mock, run):
    adds = [f"a{i}" for i in range(2500)]
    removes = pl.Series([f"r{i}" for i in range(700)])
    outcome = run(client.segments.patch_visitors("s1", add=adds, remove=removes))
    assert len(mock.requests) == 4
    for request in mock.requests:
        assert (request.method, request.url.path) == ("PATCH", "/api/v1/segment/s1/visitor")
        operations = body(request)
        assert len(operations) <= 10
        assert sum(len(op["value"]) for op in operations) <= 1000
        assert all(op["path"] == "/visitors" for op in operations)
    expected = [("add", v) for v in adds] + [("remove", v) for v in removes]
    assert sent_changes(mock.requests) == expected
    assert (outcome["calls"], outcome["added"], outcome["removed"]) == (4, 2500, 700)
    assert len(outcome["responses"]) == 4


def test_patch_waits_out_a_busy_segment_between_batches(client, mock, run):
    client.segments.busy_wait = 0
    mock.reply(200, {}).reply(409, {"message": "Operation in progress"})
    outcome = run(client.segments.patch_visitors("s1", add=[f"v{i}" for i in range(1500)]))
    assert len(mock.requests) == 3
    assert body(mock.requests[1]) == body(mock.requests[2])
    assert outcome["added"] == 1500


def test_patch_failure_midway_says_what_is_pending(client, mock, run):
    mock.reply(200, {}).reply(200, {}).reply(403, {"message": "Segment must be created by the API"})
    adds = [f"v{i}" for i in range(3200)]
    with pytest.raises(BatchError, match="batch 3 of 4") as caught:
        run(client.segments.patch_visitors("s1", add=adds))
    error = caught.value
    assert error.done["added"] == 2000
    assert error.failed == [("add", v) for v in adds[2000:3000]]
    assert error.unsent == [("add", v) for v in adds[3000:]]
    assert isinstance(error.__cause__, pendo_lab.PermissionDeniedError)
    assert len(mock.requests) == 3


def test_patch_failing_at_once_raises_the_api_error(client, mock, run):
    mock.reply(403, {"message": "Segment must be created by the API"})
    with pytest.raises(pendo_lab.PermissionDeniedError):
        run(client.segments.patch_visitors("s1", add=["v1"]))


@pytest.mark.parametrize("add,remove,message", [
    (None, None, "add= and/or remove="),
    ([], [], "add= and/or remove="),
    (["v1", "v2"], ["v2"], "both added and removed"),
])
def test_patch_rejects_bad_input_before_sending(client, mock, run, add, remove, message):
    with pytest.raises(pendo_lab.ValidationError, match=message):
        run(client.segments.patch_visitors("s1", add=add, remove=remove))
    assert mock.requests == []


def test_export_steps(client, mock, run):
    mock.reply(body={"jobId": "j1"})
    assert run(client.segments.start_export("s1")) == {"jobId": "j1"}
    assert (mock.last.method, mock.last.url.path) == ("POST", "/api/v1/segment/s1/visitors")
    mock.reply(body={"status": "complete"})
    assert run(client.segments.export_status("s1", "j1")) == {"status": "complete"}
    assert mock.last.method == "GET"
    assert mock.last.url.path == "/api/v1/segment/s1/visitors/j1/status"
    mock.reply(content=b"visitorId,accountId\nv1,acme\nv2,acme\n")
    frame = run(client.segments.export_results("s1", "j1"))
    assert mock.last.url.path == "/api/v1/segment/s1/visitors/j1/results/csv"
    assert frame["visitorId"].to_list() == ["v1", "v2"]


def test_export_results_only_as_csv(client, mock, run):
    with pytest.raises(pendo_lab.ValidationError, match="only as 'csv'"):
        run(client.segments.export_results("s1", "j1", content_type="json"))
    assert mock.requests == []


def test_export_visitors_starts_waits_and_reads(client, mock, run):
    mock.reply(body={"jobId": "j7"}).reply(body={"state": "running"}).reply(body={"state": "done"})
    mock.reply(content=b"visitorId\nv1\n")
    frame = run(client.segments.export_visitors("s1", interval=0, progress=False,
                                                frame="pandas"))
    assert [(r.method, r.url.path) for r in mock.requests] == [
        ("POST", "/api/v1/segment/s1/visitors"),
        ("GET", "/api/v1/segment/s1/visitors/j7/status"),
        ("GET", "/api/v1/segment/s1/visitors/j7/status"),
        ("GET", "/api/v1/segment/s1/visitors/j7/results/csv"),
    ]
    assert frame["visitorId"].tolist() == ["v1"]


def test_export_visitors_reports_a_failed_job(client, mock, run):
    mock.reply(body={"id": "j8"}).reply(body={"status": "failed"})
    with pytest.raises(SegmentJobError, match="export j8 ended in error"):
        run(client.segments.export_visitors("s1", interval=0, progress=False))
    assert len(mock.requests) == 2


def test_export_visitors_rejects_negative_timing_before_sending(client, mock, run):
    with pytest.raises(pendo_lab.ValidationError, match="must not be negative"):
        run(client.segments.export_visitors("s1", timeout=-1, progress=False))
    assert mock.requests == []


def test_wait_export_polls_the_job(client, mock, run):
    mock.reply(body={"status": "pending"}).reply(body={"status": "complete", "rows": 2})
    assert run(client.segments.wait_export("s1", "j1", interval=0, progress=False))["rows"] == 2
    assert len(mock.requests) == 2


def test_merge_outcomes_adds_joins_and_merges():
    merged = merge_outcomes([
        {"total": 2, "failed": 1, "missing": ["a"], "summary": {"created": 1}, "note": "x"},
        {"total": 3, "failed": 0, "missing": ["b"], "summary": {"created": 2, "failed": 1}},
    ])
    assert merged == {"total": 5, "failed": 1, "missing": ["a", "b"],
                      "summary": {"created": 3, "failed": 1}, "note": "x"}
