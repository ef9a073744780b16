"""Bulk deletion through the mock: bodies, 500-id batches, merged answers, partial failures."""

import orjson
import pytest

import pendo_lab
from pendo_lab import BatchError
from pendo_lab.resources.bulk_delete import BulkDeleteResult


def sent_ids(mock, kind):
    return [orjson.loads(request.content)[f"{kind}s"] for request in mock.requests]


@pytest.mark.parametrize("kind", ["visitor", "account"])
def test_delete_posts_the_ids_under_their_kind(client, mock, run, kind):
    mock.reply(body={"id": "req-1"})
    result = run(getattr(client.bulk_delete, f"{kind}s")([f"{kind}-1", f"{kind}-2"]))
    assert (mock.last.method, mock.last.url.path) == ("POST", f"/api/v1/bulkdelete/{kind}")
    assert mock.last_json() == {f"{kind}s": [f"{kind}-1", f"{kind}-2"]}
    assert result == BulkDeleteResult(kind, (f"{kind}-1", f"{kind}-2"), ({"id": "req-1"},))
    assert result.request_ids == ["req-1"]


def test_long_lists_go_in_batches_of_500_and_merge(client, mock, run):
    ids = [f"v{n}" for n in range(1201)]
    mock.reply(body={"id": "req-1"}).reply(body={"id": "req-1"}).reply(body={"id": "req-2"})
    result = run(client.bulk_delete.visitors(ids + ids[:10]))  # repeats are sent once
    batches = sent_ids(mock, "visitor")
    assert [len(b) for b in batches] == [500, 500, 201]
    assert sum(batches, []) == ids
    assert result.ids == tuple(ids)
    assert len(result.responses) == 3
    assert result.request_ids == ["req-1", "req-2"]


def test_failure_in_a_later_batch_says_what_went_through(client, mock, run):
    ids = [f"v{n}" for n in range(1100)]
    mock.reply(body={"id": "req-1"}).reply(500, {"message": "boom"})
    with pytest.raises(BatchError) as info:
        run(client.bulk_delete.visitors(ids))
    err = info.value
    assert len(mock.requests) == 2  # a POST is not retried on 500, and batch 3 is never sent
    assert (err.batch, err.batches) == (2, 3)
    assert err.done.ids == tuple(ids[:500]) and err.done.request_ids == ["req-1"]
    assert err.failed == ids[500:1000]
    assert err.unsent == ids[1000:]
    assert isinstance(err.__cause__, pendo_lab.ServerError)
    assert "batch 2 of 3" in str(err) and "boom" in str(err)
    assert isinstance(err, pendo_lab.PendoError)


def test_failure_of_the_first_batch_raises_the_error_itself(client, mock, run):
    mock.reply(400, {"message": "deletion already requested"})
    with pytest.raises(pendo_lab.BadRequestError, match="already requested"):
        run(client.bulk_delete.accounts([f"a{n}" for n in range(700)]))
    assert len(mock.requests) == 1


@pytest.mark.parametrize("bad", [[], ["a", " "], [None]])
def test_bad_id_lists_are_rejected_before_sending(client, mock, run, bad):
    with pytest.raises(pendo_lab.ValidationError):
        run(client.bulk_delete.visitors(bad))
    assert mock.requests == []


def test_list_outstanding_requests(client, mock, run):
    mock.reply(body=[{"id": "req-1", "kind": "visitor", "createdAt": 1700000000000}])
    frame = run(client.bulk_delete.list())
    assert (mock.last.method, mock.last.url.path) == ("GET", "/api/v1/bulkdelete")
    assert frame["id"].to_list() == ["req-1"]
    assert frame["createdAt"].dtype.time_zone == "UTC"


def test_status_of_one_request(client, mock, run):
    mock.reply(body={"id": "req/1", "done": True})
    assert run(client.bulk_delete.status("req/1")) == {"id": "req/1", "done": True}
    assert mock.last.url.raw_path == b"/api/v1/bulkdelete/req%2F1"


def test_status_rejects_empty_id(client, mock, run):
    with pytest.raises(pendo_lab.ValidationError):
        run(client.bulk_delete.status(""))
    assert mock.requests == []


def test_request_ids_ignore_answers_without_an_id():
    result = BulkDeleteResult("visitor", ("v1", "v2"), (None, "queued", {"id": 7}, {"id": 7}))
    assert result.request_ids == ["7"]
