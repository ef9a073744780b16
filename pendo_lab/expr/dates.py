"""Time rules of the expression language, each written twice side by side: once for Python
values (used by :func:`pendo_lab.expr.evaluate`) and once as Polars expressions (``*_expr``,
used by :func:`pendo_lab.expr.to_polars`).

Times are epoch milliseconds. Calendar work happens on the local wall-clock time in the
subscription timezone; turning a wall-clock time back into epoch ms picks the earlier instant
when the time is ambiguous (DST fall-back) and gives null when it does not exist (DST gap).
Both choices are INFERRED.

Example:
    >>> from zoneinfo import ZoneInfo
    >>> start_of_period("weekly", 1_649_000_000_000, ZoneInfo("UTC"))  # Sun 2022-04-03 15:33
    1648944000000
    >>> pl.select(start_of_period_expr("weekly", pl.lit(1_649_000_000_000), "UTC")).item()
    1648944000000
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Callable
from zoneinfo import ZoneInfo

import polars as pl

__all__ = [
    "DATE_TEXT",
    "PERIODS",
    "TIME_UNITS",
    "add_time",
    "add_time_expr",
    "compose",
    "compose_expr",
    "date_text_parts",
    "date_text_parts_expr",
    "epoch_ms",
    "epoch_ms_expr",
    "format_time",
    "format_time_expr",
    "local_time",
    "local_time_expr",
    "start_of_period",
    "start_of_period_expr",
]

TIME_UNITS = ("hours", "days", "weeks", "months")
# Both spellings are accepted (INFERRED): the reference lists daily/weekly/monthly, Pendo's own
# NPS example calls startOfPeriod("dayRange", time). Weeks start on Sunday.
PERIODS = {
    "daily": "day",
    "dayRange": "day",
    "weekly": "week",
    "weekRange": "week",
    "monthly": "month",
    "monthRange": "month",
}
# The ISO-8601 forms date() accepts: 2006, 2006-01, 2006-01-02, 2006-01-02T15:04,
# 2006-01-02T15:04:05 and 2006-01-02T15:04:05.999 (1 to 9 fraction digits).
DATE_TEXT = re.compile(
    r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?)?)?)?"
)  # use with fullmatch; in Polars anchored with ^...$
_DATE_DEFAULTS = (None, 1, 1, 0, 0, 0, 0)  # month and day start at 1, the rest at 0
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_MS_PER_HOUR = 3_600_000

_MONTHS = tuple(calendar.month_name)[1:]
_WEEKDAYS = tuple(calendar.day_name)
# Go layout token -> (chrono format, Python formatter of a local datetime)
_LAYOUT_TOKENS: dict[str, tuple[str, Callable[[dt.datetime], str]]] = {
    "January": ("%B", lambda t: _MONTHS[t.month - 1]),
    "Monday": ("%A", lambda t: _WEEKDAYS[t.weekday()]),
    "2006": ("%Y", lambda t: f"{t.year:04d}"),
    ".000": ("%.3f", lambda t: f".{t.microsecond // 1000:03d}"),
    "Jan": ("%b", lambda t: _MONTHS[t.month - 1][:3]),
    "Mon": ("%a", lambda t: _WEEKDAYS[t.weekday()][:3]),
    "01": ("%m", lambda t: f"{t.month:02d}"),
    "02": ("%d", lambda t: f"{t.day:02d}"),
    "06": ("%y", lambda t: f"{t.year % 100:02d}"),
    "15": ("%H", lambda t: f"{t.hour:02d}"),
    "04": ("%M", lambda t: f"{t.minute:02d}"),
    "05": ("%S", lambda t: f"{t.second:02d}"),
}
_LAYOUT = re.compile("(" + "|".join(map(re.escape, _LAYOUT_TOKENS)) + ")")


def local_time(ms: int, zone: ZoneInfo) -> dt.datetime:
    """The naive wall-clock time of epoch ``ms`` in ``zone``.

    >>> local_time(0, ZoneInfo("America/New_York"))
    datetime.datetime(1969, 12, 31, 19, 0)
    """
    return (_EPOCH + dt.timedelta(milliseconds=int(ms))).astimezone(zone).replace(tzinfo=None)


def local_time_expr(ms: pl.Expr, timezone: str) -> pl.Expr:
    """Polars twin of :func:`local_time`."""
    utc = pl.from_epoch(ms.cast(pl.Int64), time_unit="ms").dt.replace_time_zone("UTC")
    return utc.dt.convert_time_zone(timezone).dt.replace_time_zone(None)


def epoch_ms(local: dt.datetime | None, zone: ZoneInfo) -> int | None:
    """Epoch ms of a naive wall-clock time in ``zone``; earlier instant if ambiguous, None in a gap.

    >>> ny = ZoneInfo("America/New_York")
    >>> epoch_ms(dt.datetime(2022, 3, 13, 2, 30), ny) is None  # clocks jumped 2:00 -> 3:00
    True
    """
    if local is None:
        return None
    aware = local.replace(tzinfo=zone)  # fold=0: the earlier of two ambiguous instants
    if aware.astimezone(dt.timezone.utc).astimezone(zone).replace(tzinfo=None) != local:
        return None
    return (aware - _EPOCH) // dt.timedelta(milliseconds=1)


def epoch_ms_expr(local: pl.Expr, timezone: str) -> pl.Expr:
    """Polars twin of :func:`epoch_ms`."""
    aware = local.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
    return aware.dt.epoch("ms")


def compose(
    year: int, month: int = 1, day: int = 1, hour: int = 0, minute: int = 0, second: int = 0,
    nanosecond: int = 0,
) -> dt.datetime | None:
    """A naive datetime from components; out-of-range values roll over like Go's ``time.Date``.

    >>> compose(2022, 13, 1), compose(2022, 3, 0)
    (datetime.datetime(2023, 1, 1, 0, 0), datetime.datetime(2022, 2, 28, 0, 0))
    """
    try:
        first = dt.datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        offset = dt.timedelta(
            days=day - 1, hours=hour, minutes=minute, seconds=second,
            microseconds=nanosecond // 1000,
        )
        return first + offset
    except (ValueError, OverflowError):
        return None


def compose_expr(parts: list[pl.Expr]) -> pl.Expr:
    """Polars twin of :func:`compose`; ``parts`` are seven Int64 expressions."""
    year, month, day, hour, minute, second, nanosecond = parts
    first = pl.datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    offset = pl.duration(
        days=day - 1, hours=hour, minutes=minute, seconds=second, microseconds=nanosecond // 1000
    )
    return first + offset


def date_text_parts(text: str) -> list[int] | None:
    """The seven date components of an accepted ISO-8601 text, or None if it is not one.

    >>> date_text_parts("2022-04-01T09:30:05.25")
    [2022, 4, 1, 9, 30, 5, 250000000]
    """
    match = DATE_TEXT.fullmatch(text)
    if match is None:
        return None
    *fields, fraction = match.groups()
    parts = [int(f) if f is not None else d for f, d in zip(fields, _DATE_DEFAULTS)]
    return [*parts, int(fraction.ljust(9, "0")) if fraction else 0]


def date_text_parts_expr(text: pl.Expr) -> list[pl.Expr]:
    """Polars twin of :func:`date_text_parts` (the year is null when the text does not match)."""
    groups = text.str.extract_groups(f"^{DATE_TEXT.pattern}$")
    *fields, fraction = [groups.struct.field(str(i + 1)) for i in range(7)]
    parts = [f.cast(pl.Int64).fill_null(pl.lit(d)) for f, d in zip(fields, _DATE_DEFAULTS)]
    return [*parts, fraction.str.pad_end(9, "0").cast(pl.Int64).fill_null(0)]


def start_of_period(period: str, ms: int, zone: ZoneInfo) -> int | None:
    """The first instant of the day, week (from Sunday) or month containing ``ms``.

    >>> start_of_period("monthly", 1_649_000_000_000, ZoneInfo("UTC"))
    1648771200000
    """
    local = local_time(ms, zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    unit = PERIODS[period]
    if unit == "week":
        return epoch_ms(midnight - dt.timedelta(days=local.isoweekday() % 7), zone)
    return epoch_ms(midnight.replace(day=1) if unit == "month" else midnight, zone)


def start_of_period_expr(period: str, ms: pl.Expr, timezone: str) -> pl.Expr:
    """Polars twin of :func:`start_of_period`."""
    local = local_time_expr(ms, timezone)
    unit = PERIODS[period]
    if unit == "week":
        start = local.dt.truncate("1d") - pl.duration(days=local.dt.weekday() % 7)
    else:
        start = local.dt.truncate("1mo" if unit == "month" else "1d")
    return epoch_ms_expr(start, timezone)


def add_time(ms: int, amount: int, unit: str, zone: ZoneInfo) -> int | None:
    """``dateAdd``: hours are exact; days, weeks and months follow the local calendar.

    A month step keeps the day of month, clamped to the month's end (INFERRED; Go's
    ``AddDate`` would roll Jan 31 + 1 month over into March).

    >>> utc = ZoneInfo("UTC")
    >>> add_time(0, 1, "months", utc), add_time(0, -2, "hours", utc)
    (2678400000, -7200000)
    """
    ms, amount = int(ms), int(amount)
    if unit == "hours":
        return ms + amount * _MS_PER_HOUR
    local = local_time(ms, zone)
    if unit == "months":
        year, month0 = divmod(local.year * 12 + local.month - 1 + amount, 12)
        try:
            day = min(local.day, calendar.monthrange(year, month0 + 1)[1])
            return epoch_ms(local.replace(year=year, month=month0 + 1, day=day), zone)
        except ValueError:
            return None
    days = amount * (7 if unit == "weeks" else 1)
    return epoch_ms(local + dt.timedelta(days=days), zone)


def add_time_expr(ms: pl.Expr, amount: pl.Expr, unit: str, timezone: str) -> pl.Expr:
    """Polars twin of :func:`add_time`."""
    ms, amount = ms.cast(pl.Int64), amount.cast(pl.Int64)
    if unit == "hours":
        return ms + amount * _MS_PER_HOUR
    local = local_time_expr(ms, timezone)
    if unit == "months":
        shifted = local.dt.offset_by(pl.format("{}mo", amount))
    else:
        shifted = local + pl.duration(days=amount * (7 if unit == "weeks" else 1))
    return epoch_ms_expr(shifted, timezone)


def format_time(layout: str, ms: int, zone: ZoneInfo) -> str:
    """``formatTime``: ``ms`` as local time, written with a Go layout.

    Understood tokens: 2006 06 01 Jan January 02 Mon Monday 15 04 05 .000; everything else
    is copied as is (Go's other tokens such as ``3`` or ``PM`` are not supported).

    >>> format_time("Mon 2006-01-02 15:04", 1_649_000_000_000, ZoneInfo("UTC"))
    'Sun 2022-04-03 15:33'
    """
    local = local_time(ms, zone)
    pieces = _LAYOUT.split(layout)  # literal, token, literal, token, ..., literal
    return "".join(_LAYOUT_TOKENS[p][1](local) if i % 2 else p for i, p in enumerate(pieces))


def format_time_expr(layout: str, ms: pl.Expr, timezone: str) -> pl.Expr:
    """Polars twin of :func:`format_time`."""
    pieces = _LAYOUT.split(layout)
    chrono = "".join(
        _LAYOUT_TOKENS[p][0] if i % 2 else p.replace("%", "%%") for i, p in enumerate(pieces)
    )
    return local_time_expr(ms, timezone).dt.to_string(chrono)
