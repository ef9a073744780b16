"""Chunked aggregation pulls: windows, the pipeline cut, equality with the unchunked result,
the automatic split after a timeout or a too-large answer, progress, sync and async, in
process and over HTTP."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import httpx
import orjson
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pendo_lab import (
    APITimeoutError,
    PayloadTooLargeError,
    PipelineError,
    RequestTimeoutError,
    RetryPolicy,
    ValidationError,
)
from pendo_lab._chunks import Chunk, cut, parse_chunk
from pendo_lab.sandbox import Sandbox

NOW = "2026-11-02T15:30:00Z"   # the 90 days before it cross the end of DST in New York
DAY = 86_400_000
NO_RETRY = RetryPolicy(max_attempts=1)


def ms(*args, tz="America/New_York") -> int:
    return round(datetime(*args, tzinfo=ZoneInfo(tz)).timestamp() * 1000)


def events(period="dayRange", source="events", **series):
    """A source stage with a timeSeries of ``series`` (first and last, or first and count)."""
    return {"source": {source: None, "timeSeries": {"period": period, **series}}}


# -- chunk strings ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, chunk", [("7d", Chunk(7, "d")), ("12h", Chunk(12, "h")),
                                         ("2w", Chunk(2, "w")), ("1mo", Chunk(1, "mo")),
                                         (" 3d ", Chunk(3, "d"))])
def test_chunk_strings(text, chunk):
    assert parse_chunk(text) == chunk


@pytest.mark.parametrize("text", ["7x", "d", "0d", "-1d", "1.5d", "7 days", "", 7])
def test_bad_chunk_strings_name_the_accepted_forms(text):
    with pytest.raises(ValidationError) as info:
        parse_chunk(text)
    message = str(info.value)
    assert repr(text) in message
    assert all(unit in message for unit in ("h (hours)", "d (days)", "w (weeks)", "mo (months)"))


# -- windows ---------------------------------------------------------------------------------

def test_day_windows_start_at_local_midnights_across_a_dst_change():
    plan = cut([events(first=ms(2026, 10, 26), last=ms(2026, 11, 5))],
               timezone="America/New_York", now_ms=0)
    windows = plan.windows(parse_chunk("3d"))
    starts = [datetime.fromtimestamp(w.start_ms / 1000, ZoneInfo("America/New_York"))
              for w in windows]
    assert [(s.day, s.hour) for s in starts] == [(26, 0), (29, 0), (1, 0), (4, 0)]
    assert windows[-1].end_ms == ms(2026, 11, 6)
    assert all(a.end_ms == b.start_ms for a, b in pairwise(windows))
    # the window holding the change to standard time (1 November) is 73 hours long
    assert [(w.end_ms - w.start_ms) // 3_600_000 for w in windows] == [72, 72, 73, 48]


def test_month_windows_follow_calendar_months():
    plan = cut([events(first=ms(2026, 1, 20), last=ms(2026, 3, 10))],
               timezone="America/New_York", now_ms=0)
    ends = [w.end_ms for w in plan.windows(parse_chunk("1mo"))]
    assert ends == [ms(2026, 2, 1), ms(2026, 3, 1), ms(2026, 3, 11)]


def test_hour_windows_of_an_hour_range():
    plan = cut([events("hourRange", first=ms(2026, 1, 1, 10), count=5)],
               timezone="America/New_York", now_ms=0)
    assert [(w.end_ms - w.start_ms) // 3_600_000 for w in plan.windows(parse_chunk("2h"))] \
        == [2, 2, 1]


def test_week_ranges_take_weeks_or_multiples_of_seven_days():
    plan = cut([events("weekRange", first=ms(2026, 1, 4), count=5)],
               timezone="America/New_York", now_ms=0)
    assert plan.windows(parse_chunk("14d")) == plan.windows(parse_chunk("2w"))
    assert len(plan.windows(parse_chunk("2w"))) == 3
    with pytest.raises(ValidationError, match="weekRange source into whole periods: use weeks"):
        plan.windows(parse_chunk("10d"))


def test_a_chunk_finer_than_the_period_is_refused():
    plan = cut([events(first=0, count=10)], timezone="UTC", now_ms=0)
    with pytest.raises(ValidationError, match=r"chunk='12h' does not split a dayRange source"):
        plan.windows(parse_chunk("12h"))


def test_window_requests_cover_exactly_their_periods():
    plan = cut([events(first=ms(2026, 10, 30), last=ms(2026, 11, 2)),
                {"identified": "visitorId"}], timezone="America/New_York", now_ms=0)
    (window,) = plan.windows(parse_chunk("1mo"))[1:]
    series = plan.request(window)[0]["source"]["timeSeries"]
    assert series == {"period": "dayRange", "first": ms(2026, 11, 1), "last": ms(2026, 11, 3) - 1}
    assert plan.request(window)[1] == {"identified": "visitorId"}


def test_halves_split_at_a_period_boundary_and_stop_at_one_period():
    plan = cut([events(first=ms(2026, 1, 1), count=5)], timezone="America/New_York", now_ms=0)
    first, second = plan.halves(plan.window)
    assert (first.start_ms, first.end_ms, second.end_ms) == \
        (ms(2026, 1, 1), ms(2026, 1, 3), ms(2026, 1, 6))
    assert plan.halves(plan.halves(first)[0]) is None


# -- the cut ---------------------------------------------------------------------------------

def test_row_wise_stages_run_per_window_the_rest_locally():
    stages = [events(first=0, count=3), {"identified": "visitorId"},
              {"eval": {"x": "numEvents * 2"}}, {"filter": "x > 2"},
              {"group": {"group": ["accountId"], "fields": {"n": {"sum": "x"}}}},
              {"filter": "n > 0"}, {"sort": ["-n"]}, {"limit": 3}]
    plan = cut(stages, timezone="UTC", now_ms=0)
    assert plan.prefix == stages[:4]
    assert plan.tail == stages[4:]


def test_chunking_needs_a_source_with_a_time_series():
    with pytest.raises(PipelineError) as info:
        cut([{"source": {"visitors": None}}, {"count": None}], timezone="UTC", now_ms=0)
    assert info.value.path == "pipeline[0].source"
    assert "no timeSeries" in str(info.value) and "drop chunk=" in str(info.value)
    with pytest.raises(PipelineError, match="'pes' cannot be split by time"):
        cut([{"pes": {"appId": 1}}], timezone="UTC", now_ms=0)


def test_a_local_stage_that_reads_pendo_is_refused_with_its_path():
    stages = [events(first=0, count=3), {"group": {"group": ["visitorId"]}},
              {"fork": [[{"limit": 1}], [{"bulkExpand": {"v": {"visitor": "visitorId"}}}]]}]
    with pytest.raises(PipelineError) as info:
        cut(stages, timezone="UTC", now_ms=0)
    assert info.value.path == "pipeline[2].fork[1][0].bulkExpand"
    assert "move it before pipeline[1]" in str(info.value)


# -- pulls on the sandbox --------------------------------------------------------------------

@pytest.fixture(scope="module")
def box():
    return Sandbox(seed=11, now=NOW)


def last_days(box, days, period="dayRange", source="events"):
    now = box.state.now_ms()
    return {"source": {source: None, "timeSeries": {
        "period": period, "first": now - days * DAY, "last": now - DAY}}}


GROUPED = [{"identified": "visitorId"},
           {"group": {"group": ["accountId"], "fields": {
               "events": {"sum": "numEvents"}, "minutes": {"sum": "numMinutes"},
               "visitors": {"count": "visitorId"}}}}]
REDUCED = [{"filter": "numEvents > 1"},
           {"reduce": {"events": {"sum": "numEvents"}, "visitors": {"count": "visitorId"},
                       "first": {"min": "day"}, "last": {"max": "day"}}}]
SORTED = [{"eval": {"weight": "numEvents * 10 + numMinutes"}},
          {"sort": ["-weight", "visitorId", "day", "accountId", "appId", "server", "remoteIp",
                    "userAgent"]},
          {"limit": 25}]


@pytest.fixture(params=["inprocess-sync", "inprocess-async", "server-sync", "server-async"])
def make(request, box):
    """A client factory on the module's sandbox: in process or over HTTP, sync or async."""
    where, kind = request.param.split("-")
    factory = box.async_client if kind == "async" else box.client
    if where == "inprocess":
        yield factory
        return
    with box.serve() as url:
        yield lambda **kw: factory(base_url=url, **kw)


@pytest.mark.parametrize("tail", [GROUPED, REDUCED, SORTED], ids=["group", "reduce", "sort-limit"])
def test_a_chunked_pull_gives_exactly_the_unchunked_result(make, box, run, tail):
    client = make()
    request = [last_days(box, 40), *tail]
    whole = run(client.aggregate(request))
    chunked = run(client.aggregate(request, chunk="3d", concurrency=3, progress=False))
    if tail is GROUPED:   # groups come in order of first appearance, which windows change
        whole, chunked = whole.sort("accountId"), chunked.sort("accountId")
    assert whole.height > 0
    assert_frame_equal(chunked, whole)


def test_a_chunked_source_keeps_every_row_once(box):
    client = box.client()
    request = [last_days(box, 20), {"identified": "visitorId"}]
    whole = client.aggregate(request)
    chunked = client.aggregate(request, chunk="1w", progress=False)
    assert chunked.schema == whole.schema
    assert_frame_equal(chunked.sort(pl.all()), whole.sort(pl.all()))
    starts = pl.Series([w.start_ms for w in cut(request, timezone=box.timezone, now_ms=0)
                        .windows(parse_chunk("1w"))])
    window_of_row = starts.search_sorted(chunked["day"].dt.epoch("ms"), side="right")
    assert window_of_row.is_sorted() and window_of_row.n_unique() == 3   # in time order


def test_counting_and_values_across_windows(box):
    client = box.client()
    request = [last_days(box, 30), {"identified": "visitorId"}, {"count": None}]
    assert client.aggregation.value(request, chunk="5d", progress=False) == \
        client.aggregation.value(request) > 0


def test_relative_times_follow_pendos_clock_not_ours(box):
    """The sandbox's clock is pinned months away from the real one: windows follow it."""
    sent = []
    client = box.client(transport=Recorder(box, sent))
    request = [{"source": {"events": None, "timeSeries": {
        "period": "dayRange", "first": "now()", "count": -10}}}, {"count": None}]
    assert client.aggregation.value(request, chunk="5d", progress=False) == \
        client.aggregation.value(request) > 0
    assert len(sent) == 1 + 2 + 1   # the clock, two windows, the unchunked call


def test_without_pendos_clock_ours_is_used(box, caplog):
    class NoClock(Recorder):
        def _check(self, request):
            request.read()
            if b'"now()"}}' in request.content:   # the clock query's eval
                return httpx.Response(400, json={"message": "no eval here"}, request=request)
            return None

    client = box.client(transport=NoClock(box, []))
    request = [{"source": {"events": None, "timeSeries": {
        "period": "dayRange", "first": "now()", "count": -4}}}, {"count": None}]
    with caplog.at_level("INFO", logger="pendo_lab"):
        assert client.aggregation.value(request, chunk="2d", progress=False) == 0
    assert "could not read Pendo's clock" in caplog.text


def test_an_empty_chunked_pull_has_the_source_columns(box):
    client = box.client()
    result = client.aggregate([last_days(box, 10), {"filter": "numEvents < 0"}], chunk="2d",
                              progress=False)
    assert result.height == 0
    assert {"visitorId", "accountId", "day", "numEvents"} <= set(result.columns)
    assert result.schema["day"] == pl.Datetime("us", "America/New_York")


def test_chunk_without_a_time_series_is_refused_before_sending(box):
    sent = []
    client = box.client(transport=Recorder(box, sent))
    with pytest.raises(PipelineError, match="no timeSeries"):
        client.aggregate([{"source": {"visitors": None}}], chunk="7d")
    with pytest.raises(ValidationError, match="chunk='7x' is not understood"):
        client.aggregate([last_days(box, 10)], chunk="7x")
    with pytest.raises(ValidationError, match="concurrency must be a positive integer"):
        client.aggregate([last_days(box, 10)], chunk="7d", concurrency=0)
    assert sent == []


def test_progress_bar_is_shown_unless_quiet(box, capsys):
    client = box.client()
    client.aggregate([last_days(box, 6), {"count": None}], chunk="2d")
    shown = capsys.readouterr().err
    assert "aggregation" in shown and "3/3" in shown
    client.aggregate([last_days(box, 6), {"count": None}], chunk="2d", progress=False)
    assert capsys.readouterr().err == ""


# -- splitting after a timeout or a too-large answer -----------------------------------------

class Recorder(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The sandbox's transport, recording each aggregation's window in days (None for a
    relative one) and refusing with ``refuse(days)`` (a status, an exception, or None to
    answer)."""

    def __init__(self, box, sent, refuse=lambda days: None):
        self.inner = box.transport()
        self.sent = sent
        self.refuse = refuse

    def _check(self, request):
        request.read()
        if request.url.path.endswith("/aggregation"):
            series = orjson.loads(request.content)["request"]["pipeline"][0]["source"].get(
                "timeSeries", {})
            first, last = series.get("first"), series.get("last")
            days = round((last - first) / DAY) if isinstance(last, int) else None
            self.sent.append(days)
            outcome = self.refuse(days)
            if isinstance(outcome, Exception):
                raise outcome
            if outcome is not None:
                return httpx.Response(outcome, json={"message": "too big"}, request=request)
        return None

    def handle_request(self, request):
        return self._check(request) or self.inner.handle_request(request)

    async def handle_async_request(self, request):
        return self._check(request) or await self.inner.handle_async_request(request)


@pytest.mark.parametrize("failure", [413, 408, httpx.ReadTimeout("slow")],
                         ids=["413", "408", "timeout"])
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_pull_too_big_for_pendo_is_split_until_it_fits(box, run, failure, kind):
    sent = []
    refuse = (lambda days: failure if days > 8 else None)
    factory = box.async_client if kind == "async" else box.client
    client = factory(transport=Recorder(box, sent, refuse), retry=NO_RETRY)
    request = [last_days(box, 30), *GROUPED, {"sort": ["accountId"]}]
    result = run(client.aggregate(request, progress=False))
    assert_frame_equal(result, box.client().aggregate(request))
    assert sent[0] == 29   # the request as written first, then halves of halves
    answered = [days for days in sent[1:] if days <= 8]
    assert sum(answered) == 30 and len(answered) == 4   # 30 days: 15 + 15 -> 7 + 8 + 7 + 8


def test_a_chunked_window_that_fails_is_split_too(box):
    sent = []
    client = box.client(transport=Recorder(box, sent, lambda days: 413 if days > 3 else None),
                        retry=NO_RETRY)
    request = [last_days(box, 20), {"count": None}]
    assert client.aggregation.value(request, chunk="10d", concurrency=1, progress=False) == \
        box.client().aggregation.value(request)
    assert sorted(set(sent)) == [2, 3, 5, 10]   # 10 + 10 -> 5 + 5 + 5 + 5 -> (2 + 3) x 4
    assert sum(days for days in sent if days <= 3) == 20


@pytest.mark.parametrize("error, status", [(PayloadTooLargeError, 413), (RequestTimeoutError, 408)])
def test_a_single_period_that_still_fails_raises(box, error, status):
    client = box.client(transport=Recorder(box, [], lambda days: status), retry=NO_RETRY)
    with pytest.raises(error):
        client.aggregate([last_days(box, 4), {"count": None}], progress=False)


def test_a_pipeline_that_cannot_be_split_raises_the_first_failure(box):
    sent = []
    client = box.client(transport=Recorder(box, sent, lambda days: httpx.ReadTimeout("slow")),
                        retry=NO_RETRY)
    with pytest.raises(APITimeoutError):
        client.aggregate([{"source": {"visitors": None}}, {"count": None}])
    assert len(sent) == 1
