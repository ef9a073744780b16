"""A synthetic Pendo subscription, deterministic from a seed and a clock, as Polars frames.

:func:`build_tables` returns the raw, ungrouped data the sandbox serves (documented table by
table in ``docs/sandbox-data.md``): a fixed product catalogue (apps, pages, features, track
types, product areas, guides with polls and goals), a population of accounts and visitors, and
``days`` days of behaviour ending at the clock: the event log, guide, poll and email events,
feedback and votes, segments, reports and exclude-list rules; and, empty, the tables that only
the API's writes fill (:data:`WRITE_TABLES`, ``guide_versions``), so the set of tables and
their columns never changes. The same seed and clock give the same tables.

Example:
    >>> from datetime import datetime, timezone
    >>> config = SandboxConfig(seed=7, n_visitors=60, now=datetime(2025, 3, 1, tzinfo=timezone.utc))
    >>> tables = build_tables(config)
    >>> tables["events"]["browserTime"].max() < 1740787200000          # before the clock
    True
    >>> build_tables(config)["events"].equals(tables["events"])
    True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from numbers import Integral, Real
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import polars as pl

from .._exceptions import ValidationError
from ..engine.timeseries import local_midnight
from ._synth_events import make_events, make_sessions
from ._synth_guides import choose_exposures, conversions, guide_tables
from ._synth_objects import object_tables
from ._synth_people import (
    feedback_tables,
    make_people,
    metadata_schema,
    people_tables,
    segment_tables,
)
from ._synth_util import DAY_MS

__all__ = ["WRITE_TABLES", "SandboxConfig", "TimeGrid", "build_tables"]

#: The tables that only the API's writes fill, empty in a new sandbox (``guide_versions``, the
#: previous versions of guides, is one too: it has the ``guides`` table's columns).
WRITE_TABLES = {
    "guide_resets": pl.Schema({"visitorId": pl.String, "guideId": pl.String,
                               "resetAt": pl.Int64}),
    "guide_translations": pl.Schema({"guideId": pl.String, "language": pl.String,
                                     "unitId": pl.String, "target": pl.String}),
    "datasync_credentials": pl.Schema({"storageType": pl.String, "destination": pl.String,
                                       "identity": pl.String, "secretSha256": pl.String,
                                       "rotatedAt": pl.Int64}),
}


@dataclass(frozen=True)
class SandboxConfig:
    """What the synthetic subscription looks like.

    * ``seed``: fixes who does what; the same seed and clock give the same tables.
    * ``days``: length of the event log, which ends at the clock.
    * ``now``: the clock (a timezone-aware datetime); None means the real time, truncated to
      the minute, taken when the tables are built (see :meth:`with_clock`).
    * ``timezone``: the subscription timezone (day, week and month boundaries).
    * ``n_visitors``, ``n_accounts`` (each at least 1), ``anonymous_share`` (0 to 1): the
      customer population, to which two internal QA visitors and one internal account are
      added. The default is small (tens of thousands of events, built in well under a
      second); :meth:`large` has more than a million. Any size builds tables of the same
      columns and types, some of them possibly empty.

    Example:
        >>> SandboxConfig().n_visitors < SandboxConfig.large().n_visitors
        True
        >>> SandboxConfig(days=0)
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: SandboxConfig.days must be at least 1, got 0
    """

    seed: int = 0
    days: int = 90
    now: datetime | None = None
    timezone: str = "America/New_York"
    n_visitors: int = 500
    n_accounts: int = 50
    anonymous_share: float = 0.15

    def __post_init__(self) -> None:
        for name, minimum in {"seed": 0, "days": 1, "n_visitors": 1, "n_accounts": 1}.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Integral):
                raise ValidationError(f"SandboxConfig.{name} must be an integer, got {value!r}")
            if value < minimum:
                raise ValidationError(
                    f"SandboxConfig.{name} must be at least {minimum}, got {value!r}")
        share = self.anonymous_share
        if isinstance(share, bool) or not isinstance(share, Real) or not 0 <= share <= 1:
            raise ValidationError(
                f"SandboxConfig.anonymous_share must be a number from 0 to 1, got {share!r}")
        aware = isinstance(self.now, datetime) and self.now.utcoffset() is not None
        if self.now is not None and not aware:
            raise ValidationError(
                f"SandboxConfig.now must be a timezone-aware datetime, got {self.now!r}; "
                "e.g. datetime(2025, 3, 1, tzinfo=timezone.utc)")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValidationError(f"SandboxConfig.timezone {self.timezone!r} is not an IANA "
                                  "timezone name such as 'America/New_York'") from None

    @classmethod
    def large(cls, **overrides) -> SandboxConfig:
        """The benchmark preset: 16,000 visitors in 1,200 accounts, over a million raw events.

        Example:
            >>> SandboxConfig.large(seed=3).seed
            3
        """
        return cls(**{"n_visitors": 16_000, "n_accounts": 1_200, **overrides})

    def with_clock(self) -> SandboxConfig:
        """This config with ``now`` fixed: the real time truncated to the minute when unset.

        Example:
            >>> SandboxConfig().with_clock().now.second
            0
        """
        if self.now is not None:
            return self
        return replace(self, now=datetime.now(timezone.utc).replace(second=0, microsecond=0))

    @property
    def now_ms(self) -> int:
        """The clock in epoch ms (the config must have a clock, see :meth:`with_clock`).

        Example:
            >>> SandboxConfig(now=datetime(2026, 11, 2, tzinfo=timezone.utc)).now_ms
            1793577600000
        """
        if self.now is None:
            raise ValueError("this SandboxConfig has no clock yet; call .with_clock() first")
        return round(self.now.timestamp() * 1000)


@dataclass(frozen=True)
class TimeGrid:
    """The log's span ``[start_ms, now_ms)`` and the local dates it touches (midnight in ms and
    weekday, Monday = 0, of each).

    Example:
        >>> config = SandboxConfig(days=2, now=datetime(2025, 3, 10, 12, tzinfo=timezone.utc))
        >>> TimeGrid.of(config).weekdays.tolist()   # Sat 8 .. Mon 10 March, New York
        [5, 6, 0]
    """

    start_ms: int
    now_ms: int
    midnights: np.ndarray
    weekdays: np.ndarray

    @classmethod
    def of(cls, config: SandboxConfig) -> TimeGrid:
        now_ms = config.with_clock().now_ms
        start_ms = now_ms - config.days * DAY_MS
        tz = ZoneInfo(config.timezone)
        first = datetime.fromtimestamp(start_ms / 1000, tz).date()
        last = datetime.fromtimestamp((now_ms - 1) / 1000, tz).date()
        dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        midnights = np.array([local_midnight(d, tz) for d in dates], dtype=np.int64)
        return cls(start_ms, now_ms, midnights, np.array([d.weekday() for d in dates]))


def build_tables(config: SandboxConfig) -> dict[str, pl.DataFrame]:
    """The raw tables of the synthetic subscription described by ``config``.

    Example:
        >>> tables = build_tables(SandboxConfig(n_visitors=30,
        ...                                     now=datetime(2025, 3, 1, tzinfo=timezone.utc)))
        >>> {"visitors", "events", "guides", "poll_events"} <= set(tables)
        True
    """
    config = config.with_clock()
    grid = TimeGrid.of(config)
    people = make_people(config, grid)
    sessions = make_sessions(people, grid, config.seed)
    exposures = choose_exposures(people, sessions, grid, config.seed)
    events, landing = make_events(people, sessions, grid, config.seed,
                                  conversions(exposures, people.size))
    activity = np.bincount(sessions.visitor, minlength=people.size).astype(float)
    tables = {
        **object_tables(grid.now_ms),
        **people_tables(people, events, grid),
        **segment_tables(people, grid.now_ms),
        **feedback_tables(people, grid, config.seed),
        **guide_tables(people, sessions, landing, exposures, activity, grid, config.seed),
        "events": events,
        **{name: pl.DataFrame(schema=schema) for name, schema in WRITE_TABLES.items()},
    }
    tables["guide_versions"] = tables["guides"].clear()
    tables["metadata_schema"] = metadata_schema(tables["visitors"], tables["accounts"])
    return dict(sorted(tables.items()))
