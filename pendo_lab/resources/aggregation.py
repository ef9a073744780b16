"""The Aggregation API: ``POST /api/v1/aggregation``.

A request may be a :class:`~pendo_lab.Pipeline`, a dict (the full envelope, or just
``{"pipeline": [...]}``), a list of stages, or JSON text as Pendo's documentation shows it
(``//`` comments and trailing commas accepted).

Pendo stops an aggregation after 5 minutes or 4 GB and advises splitting it by time.
``chunk="7d"`` does that: the source's timeSeries is cut into windows, the pipeline up to its
first stage that needs all rows at once (``group``, ``sort``, ``count``, ...) runs on Pendo
once per window, ``concurrency`` windows at a time, and the rest runs locally on the combined
rows with :func:`pendo_lab.engine.run_on_frame`. A pull that times out (408 or no answer) or
is too large (413) is split in two and tried again, down to single periods. See
docs/aggregate.md.

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> client.aggregation.run('''{"request": {"pipeline": [
    ...     {"source": {"pages": null}},   // every tagged page
    ...     {"count": null}]}}''')["count"][0] > 0
    True
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import polars as pl

from .._cache import DEFAULT_TTL, WindowCache, digest, is_settled, subscription
from .._chunks import Chunk, ChunkPlan, cut, parse_chunk
from .._dataset import WindowDataset
from .._exceptions import (
    APIStatusError,
    APITimeoutError,
    PayloadTooLargeError,
    RequestTimeoutError,
    ValidationError,
)
from .._frames import finish, raw_rows, rows_to_polars
from .._http import Call, Parallel, Plan, check_concurrency, parse_json
from .._schemas import conform, known_schema
from ..engine import EngineContext, TimeWindow, run_on_frame
from ..pipeline import Pipeline
from ._base import Resource, now_ms

logger = logging.getLogger("pendo_lab")

PATH = "/api/v1/aggregation"
#: The failures after which a pull is split into smaller windows and tried again.
SPLIT_ERRORS = (RequestTimeoutError, PayloadTooLargeError, APITimeoutError)
#: A pipeline whose one row holds Pendo's ``now()`` (that Pendo runs ``eval`` after ``count``
#: is INFERRED; the sandbox does).
CLOCK = [{"source": {"pages": None}}, {"count": None}, {"eval": {"now": "now()"}}]


def to_envelope(request: Any) -> dict:
    """The documented request envelope for any accepted form of request, validated.

    Example:
        >>> to_envelope([{"source": {"pages": None}}])["response"]
        {'mimeType': 'application/json'}
    """
    return Pipeline.from_json(request).to_request()


def single_value(frame: pl.DataFrame) -> Any:
    """The one value of a one-row, one-column frame; a clear error for any other shape.

    Example:
        >>> single_value(pl.DataFrame({"count": [42]}))
        42
    """
    if frame.shape != (1, 1):
        raise ValidationError(
            f"value() needs a result of one row and one column (a count, or a reduce of one "
            f"field); this one has {frame.height} rows and {frame.width} columns "
            f"({', '.join(frame.columns) or 'none'}): use run() for a table")
    return frame.item()


class Aggregation(Resource):
    """``client.aggregation``: run aggregation pipelines.

    A request is a :class:`~pendo_lab.pipeline.Pipeline`, a list of stages, the request
    envelope, or JSON text as Pendo's documentation shows it.

    Example:
        >>> client.aggregation.value(Pipeline.source("visitors").count()) > 0
        True
        >>> client.aggregation.run('[{"source": {"visitors": null}}, {"count": null}]').columns
        ['count']
    """

    def run(self, request: Any, *, frame: str | None = None, flatten: bool = False,
            details: bool = False, chunk: str | None = None, concurrency: int = 4,
            progress: bool = True, cache: bool | str | os.PathLike | None = None,
            cache_ttl: timedelta = DEFAULT_TTL) -> Any:
        """Run a request and return its ``results`` rows as a frame.

        ``frame``: ``"polars"`` (the client's default) or ``"pandas"``. ``flatten=True``
        spreads nested objects into ``parent.child`` columns instead of struct columns.
        ``chunk`` (``"12h"``, ``"7d"``, ``"2w"``, ``"1mo"``) splits the source's timeSeries
        into windows pulled ``concurrency`` at a time, with a progress bar unless
        ``progress=False``. ``cache`` keeps settled windows on disk for ``cache_ttl``: on by
        default for real subscriptions, off for the sandbox; ``False`` bypasses it, a path
        puts it there (default ``PENDO_LAB_CACHE_DIR`` or the user cache folder).

        Example:
            >>> client.aggregation.run([{"source": {"pages": None}}]).height > 0
            True
        """
        pull = self._pull(request, details=details,
                          chunk=parse_chunk(chunk) if chunk is not None else None, cache=cache,
                          cache_ttl=cache_ttl, concurrency=concurrency, progress=progress)
        return self._run(pull.frame_plan(self._output(frame, flatten)))

    def value(self, request: Any, **kwargs: Any) -> Any:
        """The single value of a result of one row and one column: a ``count``, or a
        ``reduce`` of one field. Keyword arguments are those of :meth:`run`.

        Example:
            >>> client.aggregation.value([{"source": {"pages": None}}, {"count": None}]) > 0
            True
        """
        return _then(self.run(request, frame="polars", **kwargs), single_value)

    def to_parquet(self, request: Any, path: str | os.PathLike, *, chunk: str,
                   concurrency: int = 4, progress: bool = True) -> pl.LazyFrame:
        """Pull a request window by window into a Parquet dataset at ``path`` (a folder) and
        return it as a LazyFrame; never more than ``concurrency`` windows are in memory.

        Calling it again with the same request and chunk after an interruption carries on
        where it stopped, with no row missing or written twice. Only the pipeline's row-wise
        part can be written window by window: a pipeline with ``group``, ``sort``, ... is
        refused (run those on the returned LazyFrame).

        Example:
            >>> import tempfile
            >>> folder = tempfile.mkdtemp() + "/events"
            >>> client.aggregation.to_parquet(
            ...     {"request": {"pipeline": [{"source": {"events": None, "timeSeries": {
            ...         "period": "dayRange", "first": "now()", "count": -3}}}]}},
            ...     folder, chunk="1d", progress=False).collect().height > 0
            True
        """
        pull = self._pull(request, details=False, chunk=parse_chunk(chunk), cache=False,
                          cache_ttl=DEFAULT_TTL, concurrency=concurrency, progress=progress)
        if pull.chunks.tail:
            (first, *_) = pull.chunks.tail
            raise ValidationError(
                f"to_parquet writes rows window by window, but {next(iter(first))!r} "
                f"(pipeline[{len(pull.chunks.prefix)}]) needs all rows at once: drop it and "
                f"the stages after it, then run them on the returned LazyFrame "
                f"(or use client.aggregate(..., chunk=...))")
        identity = digest(self._subscription(), str(pull.chunk),
                          orjson.dumps(pull.stages, option=orjson.OPT_SORT_KEYS))
        about = {"chunk": str(pull.chunk), "request": pull.stages}
        output = self._output("polars", False)
        return self._run(pull.dataset_plan(Path(path), identity, about, output))

    def raw(self, request: Any, *, details: bool = False) -> dict:
        """The response envelope as Python objects: ``{"startTime", "results", ...}``.

        Example:
            >>> envelope = client.aggregation.raw([{"source": {"pages": None}}])
            >>> len(envelope["results"]) > 0
            True
        """
        return self._run(_call(to_envelope(request), details, parse_json))

    def _pull(self, request: Any, *, details: bool, chunk: Chunk | None, cache: Any,
              cache_ttl: timedelta, concurrency: int, progress: bool) -> _Pull:
        envelope = to_envelope(request)
        client = self._client
        if cache is None:
            cache = not client.is_sandbox
        store = None
        if cache is not False:
            store = WindowCache.open(None if cache is True else cache, self._subscription(),
                                     cache_ttl)
        return _Pull(envelope, details, chunk, store, client.timezone, now_ms(), concurrency,
                     progress)

    def _subscription(self) -> str:
        """The cache's and datasets' name for this client's subscription (no key in it)."""
        return subscription(self._client.hosts.api, self._client._core.key_fingerprint())

    def _output(self, frame: str | None, flatten: bool) -> Callable[[pl.DataFrame], Any]:
        kind = self._frame_kind(frame)
        timezone = self._client.timezone
        return lambda rows: finish(rows, frame_kind=kind, timezone=timezone, flatten=flatten)


@dataclass
class _Pull:
    """One aggregation, validated and (with ``chunk``) cut before anything is sent; its plans
    run on either client, windows ``concurrency`` at a time. ``now_ms`` is the client's clock
    until Pendo's is known."""

    envelope: dict
    details: bool
    chunk: Chunk | None
    cache: WindowCache | None
    timezone: str
    now_ms: int
    concurrency: int
    progress: bool
    chunks: ChunkPlan | None = field(init=False)

    def __post_init__(self):
        self.chunks = None
        if self.chunk is not None:
            self.chunks = self._cut()
            self.chunks.windows(self.chunk)   # refuse a chunk the period cannot take, now
        check_concurrency(self.concurrency)

    @property
    def stages(self) -> list[dict]:
        return self.envelope["request"]["pipeline"]

    def frame_plan(self, output: Callable[[pl.DataFrame], Any]) -> Plan:
        """The rows of the whole pipeline: in one call (split in halves if Pendo finds it too
        big or slow), or window by window."""
        if self.chunks is None:
            try:
                return output((yield self._call(self.stages)))
            except SPLIT_ERRORS as error:
                if not self._splittable(error):
                    raise
        windows = yield from self._windows()
        frames = yield self._parallel([self._window(window) for window in windows])
        rows = _combine(frames)
        if self.chunks.tail:
            rows = run_on_frame(self.chunks.tail, rows, EngineContext(
                timezone=self.timezone, now_ms=self.now_ms)) if rows.width else pl.DataFrame()
        return output(conform(rows, known_schema(self.stages)))

    def dataset_plan(self, folder: Path, pull: str, about: dict,
                     output: Callable[[pl.DataFrame], Any]) -> Plan:
        """Every window not yet in the dataset at ``folder`` written to it; the dataset as a
        LazyFrame. A resumed dataset keeps the windows of its first run."""
        dataset = WindowDataset.resume(folder, pull)
        if dataset is None:
            dataset = WindowDataset.create(folder, pull, about, (yield from self._windows()))

        def write(window: TimeWindow) -> Plan:
            dataset.write(window, output((yield from self._window(window))))

        yield self._parallel([write(window) for window in dataset.todo()])
        return dataset.scan()

    def _parallel(self, plans: list[Plan]) -> Parallel:
        return Parallel(plans, self.concurrency, self.progress, label="aggregation")

    def _windows(self) -> Plan:
        """The windows to pull: the chunk's, or the two halves of the whole range. A time
        series relative to ``now()`` is resolved again with Pendo's clock (a sandbox's clock
        may be pinned), asked with one small request (:data:`CLOCK`); if Pendo refuses it,
        the client's clock stands."""
        if self.chunks.relative:
            try:
                self.now_ms = yield _call({**self.envelope, "request": {"pipeline": CLOCK}},
                                          False, _clock)
            except APIStatusError as error:
                logger.info("pendo_lab: could not read Pendo's clock (%s); using ours", error)
            self.chunks = self._cut()
        if self.chunk is not None:
            return self.chunks.windows(self.chunk)
        halves = self.chunks.halves(self.chunks.window)
        logger.warning("pendo_lab: the aggregation was too big or slow for Pendo; pulling it "
                       "again in %d windows", len(halves))
        return halves

    def _window(self, window: TimeWindow) -> Plan:
        """The prefix's rows in one window: from the cache, in one call, or (after a timeout
        or a too-large answer) from its two halves."""
        stages = self.chunks.request(window)
        rows = self.cache.get(stages) if self.cache else None
        if rows is not None:
            return rows
        try:
            rows = yield self._call(stages)
        except SPLIT_ERRORS as error:
            halves = self.chunks.halves(window)
            if halves is None:
                raise
            logger.warning("pendo_lab: window %s failed (%s); splitting it", window, error)
            frames = []
            for half in halves:
                frames.append((yield from self._window(half)))
            rows = _combine(frames)
        if self.cache and is_settled(window.end_ms, self.now_ms):
            self.cache.put(stages, rows)
        return rows

    def _call(self, stages: list[dict]) -> Call:
        schema = known_schema(stages)
        envelope = {**self.envelope, "request": {**self.envelope["request"], "pipeline": stages}}
        return _call(envelope, self.details, lambda response: conform(
            rows_to_polars(raw_rows(response.content, "results")), schema))

    def _cut(self) -> ChunkPlan:
        return cut(self.stages, timezone=self.timezone, now_ms=self.now_ms)

    def _splittable(self, error: Exception) -> bool:
        """Whether a pull that failed with ``error`` can be tried again in two halves (then
        ``chunks`` is its cut)."""
        try:
            self.chunks = self._cut()
        except ValidationError:
            logger.info("pendo_lab: %s; the pipeline cannot be split by time", error)
            return False
        return self.chunks.halves(self.chunks.window) is not None


def _call(envelope: dict, details: bool, parse: Callable[[httpx.Response], Any]) -> Call:
    return Call("POST", PATH, params={"details": "true"} if details else None, json=envelope,
                idempotent=True, parse=parse)


def _clock(response: httpx.Response) -> int:
    return int(orjson.loads(response.content)["results"][0]["now"])


def _combine(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Window frames stacked in order; empty windows add nothing (their columns may be only
    the known ones), columns that differ are aligned by name and widened."""
    filled = [frame for frame in frames if frame.height]
    if not filled:
        return frames[0] if frames else pl.DataFrame()
    return pl.concat(filled, how="diagonal_relaxed")


def _then(result: Any, function: Callable[[Any], Any]) -> Any:
    """``function(result)``, or a coroutine of it when ``result`` is awaitable (async client)."""
    if inspect.isawaitable(result):
        async def later():
            return function(await result)
        return later()
    return function(result)
