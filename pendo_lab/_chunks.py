"""Splitting an aggregation by time: chunk sizes, windows, and where a pipeline is cut.

A chunked pull runs the pipeline's *prefix* (its source, with one window of the timeSeries,
and the row-wise stages after it) once per window on Pendo, and the *tail* (everything from
the first stage that needs all rows at once: ``group``, ``reduce``, ``sort``, ``limit``,
``count``, ``join``, ...) once, locally, on the combined rows.

Windows follow the source's period in the subscription timezone: ``"7d"`` windows of a
``dayRange`` source start at local midnights, so each window is a whole number of days.

Example:
    >>> plan = cut([{"source": {"events": None, "timeSeries": {
    ...     "period": "dayRange", "first": 0, "count": 10}}},
    ...     {"identified": "visitorId"}, {"group": {"group": ["accountId"]}}, {"limit": 5}],
    ...     timezone="UTC", now_ms=0)
    >>> [next(iter(stage)) for stage in plan.tail]
    ['group', 'limit']
    >>> [(w.start_ms, w.end_ms) for w in plan.windows(parse_chunk("4d"))][-1]
    (691200000, 864000000)
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from ._exceptions import PipelineError, ValidationError
from .engine import EngineContext, TimeWindow, resolve_time_series
from .engine.timeseries import period_start, shift_periods

#: Stages that work on each row by itself: run per window on Pendo.
ROW_WISE = frozenset({"filter", "select", "eval", "identified", "segment", "bulkExpand",
                      "expand", "itemSeen", "useragent", "unwind", "switch", "cat"})
#: Stages that read Pendo's data besides their input rows, so they cannot run locally.
NEEDS_PENDO = frozenset({"segment", "bulkExpand", "expand", "itemSeen", "merge", "spawn"})
#: Chunk units: the suffix of a chunk string and its meaning.
UNITS = {"h": "hours", "d": "days", "w": "weeks", "mo": "months"}
#: The chunk units each period accepts (a window must be a whole number of periods).
UNITS_BY_PERIOD = {"hourRange": ("h", "d", "w", "mo"), "dayRange": ("d", "w", "mo"),
                   "weekRange": ("w",), "monthRange": ("mo",)}

_CHUNK = re.compile(r"\s*(\d+)\s*(mo|h|d|w)\s*")
_HOUR_MS = 3_600_000
_NUMBER = re.compile(r"\s*-?\d+(\.\d+)?\s*")
_FORMS = "a positive number and a unit: h (hours), d (days), w (weeks) or mo (months), e.g. '7d'"


@dataclass(frozen=True)
class Chunk:
    """A window length: ``count`` units (``"h"``, ``"d"``, ``"w"`` or ``"mo"``).

    Example:
        >>> Chunk(2, "w")
        Chunk(count=2, unit='w')
    """

    count: int
    unit: str

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


def parse_chunk(text: Any) -> Chunk:
    """A chunk string such as ``"7d"`` as a :class:`Chunk`; a clear error otherwise.

    Example:
        >>> parse_chunk("12h")
        Chunk(count=12, unit='h')
        >>> parse_chunk("7x")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: chunk='7x' is not understood: use a positive number and a unit: h (hours), d (days), w (weeks) or mo (months), e.g. '7d'
    """
    match = _CHUNK.fullmatch(text) if isinstance(text, str) else None
    if match is None or int(match[1]) == 0:
        raise ValidationError(f"chunk={text!r} is not understood: use {_FORMS}")
    return Chunk(int(match[1]), match[2])


def next_boundary(start_ms: int, chunk: Chunk, timezone: str) -> int:
    """The end of the window that starts at ``start_ms``: ``chunk`` later, at a local hour,
    midnight (days, weeks) or first of the month (months).

    Example:
        >>> next_boundary(0, Chunk(1, "mo"), "UTC")   # 1970-01-01 -> 1970-02-01
        2678400000
    """
    if chunk.unit == "h":
        return start_ms + chunk.count * _HOUR_MS
    if chunk.unit == "mo":
        month = period_start(start_ms, "monthRange", timezone)
        return shift_periods(month, "monthRange", chunk.count, timezone)
    days = chunk.count * (7 if chunk.unit == "w" else 1)
    return shift_periods(start_ms, "dayRange", days, timezone)


@dataclass(frozen=True)
class ChunkPlan:
    """A pipeline cut for a chunked pull: ``prefix`` runs per window, ``tail`` locally.

    ``window`` is the whole time range of the source; ``timezone`` the subscription's;
    ``relative`` whether the timeSeries depends on the clock (``now()``).
    """

    prefix: list[dict]
    tail: list[dict]
    window: TimeWindow
    timezone: str
    relative: bool

    def windows(self, chunk: Chunk) -> list[TimeWindow]:
        """The range split into consecutive windows of ``chunk`` (the last may be shorter).

        Example:
            >>> plan = cut([{"source": {"events": None, "timeSeries": {
            ...     "period": "dayRange", "first": 0, "count": 3}}}], timezone="UTC", now_ms=0)
            >>> [w.end_ms for w in plan.windows(parse_chunk("2d"))]
            [172800000, 259200000]
        """
        period = self.window.period
        allowed = UNITS_BY_PERIOD[period]
        if chunk.unit == "d" and period == "weekRange" and chunk.count % 7 == 0:
            chunk = Chunk(chunk.count // 7, "w")
        if chunk.unit not in allowed:
            raise ValidationError(
                f"chunk='{chunk}' does not split a {period} source into whole periods: use "
                f"{' or '.join(UNITS[unit] for unit in allowed)} ("
                f"{', '.join(repr('1' + unit) for unit in allowed)}, ...)")
        found = []
        start = self.window.start_ms
        while start < self.window.end_ms:
            end = min(next_boundary(start, chunk, self.timezone), self.window.end_ms)
            found.append(TimeWindow(start, end, period))
            start = end
        return found

    def halves(self, window: TimeWindow) -> list[TimeWindow] | None:
        """``window`` split in two at the period boundary nearest its middle; None for a
        window of one period.

        Example:
            >>> plan = cut([{"source": {"events": None, "timeSeries": {
            ...     "period": "dayRange", "first": 0, "count": 3}}}], timezone="UTC", now_ms=0)
            >>> [(w.start_ms, w.end_ms) for w in plan.halves(plan.window)]
            [(0, 86400000), (86400000, 259200000)]
        """
        middle = period_start((window.start_ms + window.end_ms) // 2, window.period,
                              self.timezone)
        if middle <= window.start_ms:
            middle = shift_periods(window.start_ms, window.period, 1, self.timezone)
        if middle >= window.end_ms:
            return None
        return [TimeWindow(window.start_ms, middle, window.period),
                TimeWindow(middle, window.end_ms, window.period)]

    def request(self, window: TimeWindow) -> list[dict]:
        """The prefix with its source limited to ``window`` (first and last period given as
        epoch milliseconds).

        Example:
            >>> plan = cut([{"source": {"events": None, "timeSeries": {
            ...     "period": "dayRange", "first": 0, "count": 3}}}], timezone="UTC", now_ms=0)
            >>> plan.request(plan.window)[0]["source"]["timeSeries"]
            {'period': 'dayRange', 'first': 0, 'last': 259199999}
        """
        stages = copy.deepcopy(self.prefix)
        stages[0]["source"]["timeSeries"] = {"period": window.period, "first": window.start_ms,
                                             "last": window.end_ms - 1}
        return stages


def cut(stages: list[dict], *, timezone: str, now_ms: int) -> ChunkPlan:
    """Cut a pipeline for a chunked pull, resolving its timeSeries with ``now_ms``.

    Raises :class:`~pendo_lab.PipelineError` when the pipeline cannot be split by time: it
    does not start with a source that has a timeSeries, or a stage that must run locally
    reads Pendo's data (``merge``, ``segment``, ``bulkExpand``, ...).

    Example:
        >>> cut([{"source": {"visitors": None}}], timezone="UTC", now_ms=0)
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.PipelineError: pipeline[0].source: source 'visitors' has no timeSeries, so there is no time range to split: drop chunk=
    """
    first = stages[0] if stages else None
    if not isinstance(first, dict) or "source" not in first:
        name = next(iter(first), None) if isinstance(first, dict) else None
        raise PipelineError(f"a chunked pull needs a pipeline that starts with a source with a "
                            f"timeSeries; {name!r} cannot be split by time", "pipeline[0]")
    source = first["source"]
    if not isinstance(source, dict) or "timeSeries" not in source:
        names = [key for key in source if key != "timeSeries"] if isinstance(source, dict) else []
        raise PipelineError(f"source {', '.join(map(repr, names)) or '?'} has no timeSeries, so "
                            f"there is no time range to split: drop chunk=", "pipeline[0].source")
    series = source["timeSeries"]
    window = resolve_time_series(series, EngineContext(timezone=timezone, now_ms=now_ms),
                                 "pipeline[0].source.timeSeries")
    relative = any(isinstance(series.get(bound), str) and not _NUMBER.fullmatch(series[bound])
                   for bound in ("first", "last"))
    split = next((index for index, stage in enumerate(stages[1:], 1)
                  if _name(stage) not in ROW_WISE), len(stages))
    for index in range(split, len(stages)):
        _check_local(stages[index], f"pipeline[{index}]", f"pipeline[{split}]")
    return ChunkPlan(copy.deepcopy(stages[:split]), copy.deepcopy(stages[split:]), window,
                     timezone, relative)


def _name(stage: Any) -> str | None:
    return next(iter(stage), None) if isinstance(stage, dict) and len(stage) == 1 else None


def _check_local(stage: Any, path: str, split: str) -> None:
    """Refuse a stage that must run locally but reads Pendo's data (fork branches included)."""
    name = _name(stage)
    if name in NEEDS_PENDO:
        raise PipelineError(
            f"{name!r} reads Pendo's data, but in a chunked pull it runs locally on the combined "
            f"rows (from {split}, the first stage that needs all rows at once): move it before "
            f"{split} or pull without chunk=", f"{path}.{name}")
    if name == "fork" and isinstance(stage[name], list):
        for b, branch in enumerate(stage[name]):
            for s, inner in enumerate(branch if isinstance(branch, list) else []):
                _check_local(inner, f"{path}.fork[{b}][{s}]", split)
