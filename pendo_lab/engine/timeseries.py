"""The ``timeSeries`` of a source: periods and ranges in the subscription timezone.

Periods start at the top of each hour (``hourRange``), at midnight (``dayRange``), at Sunday
midnight (``weekRange``) and at midnight of the 1st (``monthRange``), all in local time, so a
day is 23 or 25 hours long across a DST change. Ranges:

* ``first`` + ``last``: the period containing first through the period containing last;
* ``first`` + ``count > 0``: the period containing first and the next count - 1;
* ``first`` + ``count < 0``: the |count| periods *before* the one containing first.

``first``/``last`` are epoch ms, numeric strings, or expressions (``"now()"``,
``"dateAdd(now(), -30, \\"days\\")"``).

Example:
    >>> from pendo_lab.engine import EngineContext
    >>> ctx = EngineContext(timezone="UTC", now_ms=1_693_932_275_771)   # 2023-09-05 16:44 UTC
    >>> resolve_time_series({"period": "dayRange", "first": "now()", "count": -5}, ctx)
    TimeWindow(start_ms=1693440000000, end_ms=1693872000000, period='dayRange')
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .._exceptions import ExpressionError, PipelineError
from ..expr import evaluate
from ._context import EngineContext, TimeWindow

#: The range periods the engine runs.
PERIODS = ("hourRange", "dayRange", "weekRange", "monthRange")
#: Pendo's iterative periods (one independent result set per period; envelope UNKNOWN) and the
#: range period covering the same span at once.
ITERATIVE_PERIODS = {"daily": "dayRange", "weekly": "weekRange", "monthly": "monthRange"}

_HOUR_MS = 3_600_000
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def resolve_time_series(
    ts: dict, ctx: EngineContext | None = None, path: str = "timeSeries"
) -> TimeWindow:
    """The half-open window ``[start_ms, end_ms)`` a ``timeSeries`` object selects.

    ``ctx`` gives the timezone and ``now()``; ``path`` prefixes error messages.

    Example:
        >>> from pendo_lab.engine import EngineContext
        >>> ny = EngineContext(timezone="America/New_York")
        >>> w = resolve_time_series({"period": "dayRange", "first": 1693540800000,
        ...                          "last": 1693932275771}, ny)
        >>> (w.end_ms - w.start_ms) // 86_400_000   # Sep 1 through Sep 5, ET
        5
    """
    ctx = (ctx or EngineContext()).pinned()
    if not isinstance(ts, dict):
        raise PipelineError(
            "timeSeries must be an object with period, first and last or count", path
        )
    period = ts.get("period")
    if period in ITERATIVE_PERIODS:
        raise NotImplementedError(
            f"{path}.period {period!r}: iterative periods (one result set per period) are not "
            f"built, because Pendo's envelope for several result sets is UNKNOWN; use "
            f"{ITERATIVE_PERIODS[period]!r} for one result set over the range"
        )
    if period not in PERIODS:
        raise PipelineError(
            f"unknown period {period!r}; known periods: {', '.join(PERIODS)}", f"{path}.period"
        )
    if "first" not in ts:
        raise PipelineError("timeSeries needs 'first'", path)
    if ("last" in ts) == ("count" in ts):
        raise PipelineError("timeSeries needs exactly one of 'last' and 'count'", path)

    tz = ctx.timezone
    first = period_start(time_value(ts["first"], ctx, f"{path}.first"), period, tz)
    if "last" in ts:
        last = period_start(time_value(ts["last"], ctx, f"{path}.last"), period, tz)
        if last < first:
            raise PipelineError("'last' falls before 'first'", f"{path}.last")
        return TimeWindow(first, shift_periods(last, period, 1, tz), period)
    count = ts["count"]
    if isinstance(count, bool) or not isinstance(count, int) or count == 0:
        raise PipelineError(f"count must be a non-zero integer, got {count!r}", f"{path}.count")
    if count > 0:
        return TimeWindow(first, shift_periods(first, period, count, tz), period)
    return TimeWindow(shift_periods(first, period, count, tz), first, period)


def time_value(value: object, ctx: EngineContext, path: str) -> int:
    """Epoch ms from a number, a numeric string or an expression string.

    Example:
        >>> from pendo_lab.engine import EngineContext
        >>> time_value("1506977216000", EngineContext(), "first")
        1506977216000
    """
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        value = float(value) if "." in value else int(value)
    elif isinstance(value, str):
        try:
            value = evaluate(value, {}, ctx.expr_context())
        except ExpressionError as error:
            raise PipelineError(str(error), path) from error
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PipelineError(f"expected epoch milliseconds or an expression, got {value!r}", path)
    return int(value)


def period_start(ms: int, period: str, timezone: str) -> int:
    """The start of the period containing ``ms``, in the timezone.

    Example:
        >>> period_start(1693932275771, "weekRange", "UTC")   # Tue 2023-09-05 -> Sun 09-03
        1693699200000
    """
    tz = ZoneInfo(timezone)
    local = datetime.fromtimestamp(ms / 1000, tz)
    if period == "hourRange":
        return round(local.replace(minute=0, second=0, microsecond=0).timestamp() * 1000)
    day = local.date()
    if period == "weekRange":
        day -= timedelta(days=(day.weekday() + 1) % 7)
    elif period == "monthRange":
        day = day.replace(day=1)
    return local_midnight(day, tz)


def shift_periods(start_ms: int, period: str, count: int, timezone: str) -> int:
    """The start of the period ``count`` periods after the one starting at ``start_ms``.

    Example:
        >>> shift_periods(0, "monthRange", 1, "UTC")   # 1970-01-01 -> 1970-02-01
        2678400000
    """
    if period == "hourRange":
        return start_ms + count * _HOUR_MS
    tz = ZoneInfo(timezone)
    day = datetime.fromtimestamp(start_ms / 1000, tz).date()
    if period == "monthRange":
        years, month = divmod(day.month - 1 + count, 12)
        return local_midnight(date(day.year + years, month + 1, 1), tz)
    step = 7 if period == "weekRange" else 1
    return local_midnight(day + timedelta(days=step * count), tz)


def local_midnight(day: date, tz: ZoneInfo) -> int:
    """Epoch ms of the first instant of a local date (the instant after a DST gap at midnight)."""
    return round(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp() * 1000)
