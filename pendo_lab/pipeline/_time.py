"""The ``timeSeries`` of a source, and Python times as the aggregation language writes them.

A time may be given as an int (epoch ms), a timezone-aware ``datetime`` (-> epoch ms), a
``date`` (-> ``date(y, m, d)``: midnight in the subscription's timezone, which only Pendo
knows), an :class:`~pendo_lab.pipeline.Expr`, or a string, which is an expression (``"now()"``,
``"date(2023, 9, 1)"``) or a numeric string and is checked when the pipeline is validated.

Example:
    >>> import datetime as dt
    >>> TimeSeries("dayRange", dt.date(2023, 9, 1), last="now()").to_json()
    {'period': 'dayRange', 'first': 'date(2023, 9, 1)', 'last': 'now()'}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Union

from .._exceptions import ValidationError
from ._catalog import PERIODS, TIME_SERIES
from ._expressions import Expr, epoch_ms, expression_text

TimeLike = Union[int, float, str, dt.date, Expr]


def time_value(value: TimeLike) -> int | float | str:
    """A time as JSON: a number of epoch ms, or expression text.

    Example:
        >>> time_value(dt.datetime(2023, 9, 1, 4, tzinfo=dt.timezone.utc)), time_value("now()")
        (1693540800000, 'now()')
    """
    if isinstance(value, dt.datetime):
        return epoch_ms(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, (str, dt.date, Expr)):
        return expression_text(value)
    raise TypeError(f"a time is an int (epoch ms), datetime, date, str or Expr, "
                    f"not {type(value).__name__}")


@dataclass(frozen=True)
class TimeSeries:
    """A source's time range: ``period`` with ``first`` and either ``last`` or ``count``.

    ``count > 0`` spans that many periods from the one holding ``first``; ``count < 0`` spans
    that many periods ending just before it (``first="now()", count=-30`` is the last 30
    complete days). Times are converted by :func:`time_value` on construction.

    Example:
        >>> TimeSeries.last_days(7)
        TimeSeries(period='dayRange', first='now()', last=None, count=-7)
    """

    period: str
    first: TimeLike
    last: TimeLike | None = None
    count: int | None = None

    def __post_init__(self):
        if self.period not in PERIODS:
            raise ValidationError(
                f"unknown period {self.period!r}; use one of {', '.join(PERIODS)}")
        if (self.last is None) == (self.count is None):
            raise ValidationError("a time series takes exactly one of last= or count=")
        object.__setattr__(self, "first", time_value(self.first))
        if self.last is not None:
            object.__setattr__(self, "last", time_value(self.last))

    @classmethod
    def last_days(cls, days: int) -> TimeSeries:
        """The last ``days`` complete days, today excluded.

        Example:
            >>> TimeSeries.last_days(30).to_json()["count"]
            -30
        """
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValidationError(f"last_days takes a whole number of days >= 1, got {days!r}")
        return cls("dayRange", "now()", count=-days)

    @classmethod
    def from_json(cls, data: dict) -> TimeSeries:
        """A time series from its JSON object (checked first).

        Example:
            >>> TimeSeries.from_json({"period": "weekRange", "first": 0, "count": 4}).count
            4
        """
        TIME_SERIES.check(data, "timeSeries")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        """The ``timeSeries`` object as Pendo's reference writes it.

        Example:
            >>> TimeSeries("monthRange", "now()", count=-3).to_json()
            {'period': 'monthRange', 'first': 'now()', 'count': -3}
        """
        end = {"last": self.last} if self.last is not None else {"count": self.count}
        return {"period": self.period, "first": self.first, **end}
