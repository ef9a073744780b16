"""What an expression needs from outside its row: the subscription timezone and the clock."""

from __future__ import annotations

import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pendo_lab._exceptions import ValidationError

__all__ = ["ExprContext"]


@dataclass(frozen=True)
class ExprContext:
    """The subscription timezone (IANA name) and a fixed ``now`` in epoch ms (None: the clock).

    Example:
        >>> from pendo_lab.expr import evaluate
        >>> ctx = ExprContext(timezone="America/New_York", now_ms=1_650_000_000_000)
        >>> evaluate("now() - 1000", {}, ctx)
        1649999999000
    """

    timezone: str = "UTC"
    now_ms: int | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                f"unknown timezone {self.timezone!r}; use an IANA name such as 'America/New_York'"
            ) from None

    @property
    def zone(self) -> ZoneInfo:
        """The timezone as a :class:`zoneinfo.ZoneInfo`.

        >>> ExprContext(timezone="Europe/Paris").zone
        zoneinfo.ZoneInfo(key='Europe/Paris')
        """
        return ZoneInfo(self.timezone)

    def now(self) -> int:
        """``now_ms``, or the current time in epoch ms when it is None.

        >>> ExprContext(now_ms=1_650_000_000_000).now()
        1650000000000
        >>> ExprContext().now() > 1_650_000_000_000  # the clock
        True
        """
        return self.now_ms if self.now_ms is not None else time.time_ns() // 1_000_000
