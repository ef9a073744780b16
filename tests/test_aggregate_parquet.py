"""``client.aggregation.to_parquet``: a pull written window by window into a Parquet dataset,
resumed after an interruption with no row missing or written twice."""

from __future__ import annotations

import inspect

import httpx
import orjson
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pendo_lab import RetryPolicy, ServerError, ValidationError, _dataset
from pendo_lab.sandbox import Sandbox

DAY = 86_400_000
NO_RETRY = RetryPolicy(max_attempts=1)


class PowerCut(Exception):
    """Stands for the process dying part-way."""


class FailAfter(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The sandbox's transport, failing every aggregation call after the first ``calls``:
    with ``failure`` (an exception to raise) or a 500 answer."""

    def __init__(self, box, calls, failure=None):
        self.inner = box.transport()
        self.left = calls
        self.failure = failure

    def _gate(self, request):
        if not request.url.path.endswith("/aggregation"):
            return None
        if self.left > 0:
            self.left -= 1
            return None
        if self.failure is not None:
            raise self.failure
        return httpx.Response(500, json={"message": "down"}, request=request)

    def handle_request(self, request):
        return self._gate(request) or self.inner.handle_request(request)

    async def handle_async_request(self, request):
        return self._gate(request) or await self.inner.handle_async_request(request)


@pytest.fixture(scope="module")
def box():
    return Sandbox(seed=4, now="2026-03-20T12:00:00Z")


def rows_request(box, days=16):
    now = box.state.now_ms()
    return [{"source": {"events": None, "timeSeries": {
        "period": "dayRange", "first": now - days * DAY, "last": now - DAY}}},
        {"identified": "visitorId"}]


def everything(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    frame = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    return frame.select(sorted(frame.columns)).sort(pl.all())


def test_a_dataset_holds_exactly_the_rows_of_the_pull(box, tmp_path):
    client = box.client()
    request = rows_request(box)
    dataset = client.aggregation.to_parquet(request, tmp_path / "events", chunk="3d",
                                            progress=False)
    assert_frame_equal(everything(dataset), everything(client.aggregate(request)))
    assert len(list((tmp_path / "events").glob("part-*.parquet"))) == 6
    manifest = orjson.loads((tmp_path / "events" / "manifest.json").read_bytes())
    assert len(manifest["done"]) == len(manifest["windows"]) == 6
    assert dataset.collect_schema()["day"] == pl.Datetime("us", box.timezone)


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("failure", [PowerCut("power cut"), None], ids=["crash", "http-500"])
def test_an_interrupted_pull_resumes_without_missing_or_duplicate_rows(box, tmp_path, run,
                                                                        kind, failure):
    factory = box.async_client if kind == "async" else box.client
    request = rows_request(box)
    folder = tmp_path / "events"
    broken = factory(transport=FailAfter(box, 3, failure), retry=NO_RETRY)
    with pytest.raises(PowerCut if failure else ServerError):
        run(broken.aggregation.to_parquet(request, folder, chunk="2d", concurrency=2,
                                          progress=False))
    done = orjson.loads((folder / "manifest.json").read_bytes())["done"]
    assert 1 <= len(done) <= 3   # of 8 windows

    sent = FailAfter(box, 100)
    resumed = run(factory(transport=sent).aggregation.to_parquet(
        request, folder, chunk="2d", concurrency=2, progress=False))
    assert sent.left == 100 - (8 - len(done))   # only the windows not written before
    assert_frame_equal(everything(resumed), everything(box.client().aggregate(request)))


def test_a_part_written_but_not_recorded_is_written_again_once(box, tmp_path):
    client = box.client()
    request = rows_request(box, days=8)
    folder = tmp_path / "events"
    client.aggregation.to_parquet(request, folder, chunk="2d", progress=False)
    manifest = orjson.loads((folder / "manifest.json").read_bytes())
    manifest["done"] = manifest["done"][:-1]   # the process died before recording it
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest))
    (folder / ".tmp-abc.parquet").write_bytes(b"half a file")
    dataset = client.aggregation.to_parquet(request, folder, chunk="2d", progress=False)
    assert_frame_equal(everything(dataset), everything(client.aggregate(request)))
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("part-")) == \
        ["manifest.json"]


def test_a_resumed_pull_keeps_the_windows_of_its_first_run(box, tmp_path):
    relative = [{"source": {"events": None, "timeSeries": {
        "period": "dayRange", "first": "now()", "count": -6}}}]
    folder = tmp_path / "events"
    with pytest.raises(PowerCut):   # the clock and one window, then the cut
        box.client(transport=FailAfter(box, 2, PowerCut())).aggregation.to_parquet(
            relative, folder, chunk="2d", concurrency=1, progress=False)
    first_windows = orjson.loads((folder / "manifest.json").read_bytes())["windows"]
    sent = FailAfter(box, 100)
    dataset = box.client(transport=sent).aggregation.to_parquet(relative, folder, chunk="2d",
                                                                progress=False)
    assert sent.left == 100 - 2   # the two windows left; the clock is not read again
    manifest = orjson.loads((folder / "manifest.json").read_bytes())
    assert manifest["windows"] == first_windows
    assert sorted(map(tuple, manifest["done"])) == sorted((s, e) for s, e, _ in first_windows)
    assert_frame_equal(everything(dataset), everything(box.client().aggregate(relative)))


def test_another_pull_in_the_same_folder_is_refused(box, tmp_path):
    client = box.client()
    client.aggregation.to_parquet(rows_request(box, 4), tmp_path, chunk="2d", progress=False)
    for other, chunk in [(rows_request(box, 6), "2d"), (rows_request(box, 4), "1d")]:
        with pytest.raises(ValidationError, match="holds a different pull"):
            client.aggregation.to_parquet(other, tmp_path, chunk=chunk, progress=False)


def test_a_folder_with_other_files_is_refused(box, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValidationError, match="is not empty and has no manifest.json"):
        box.client().aggregation.to_parquet(rows_request(box), tmp_path, chunk="2d")


def test_stages_that_need_all_rows_are_refused(box, tmp_path):
    request = [*rows_request(box), {"group": {"group": ["accountId"]}}, {"limit": 5}]
    with pytest.raises(ValidationError, match=r"'group' \(pipeline\[2\]\) needs all rows"):
        box.client().aggregation.to_parquet(request, tmp_path, chunk="2d")
    assert not any(tmp_path.iterdir())


def test_a_chunk_is_required(box, tmp_path):
    with pytest.raises(ValidationError, match="chunk=None is not understood"):
        box.client().aggregation.to_parquet(rows_request(box), tmp_path, chunk=None)


def test_the_module_has_examples(examples):
    assert examples(inspect.getsource(_dataset)) > 0
