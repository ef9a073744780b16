"""What a pipeline run needs from outside: the subscription's clock and where source rows come from.

Example:
    >>> import polars as pl
    >>> ctx = EngineContext(timezone="America/New_York", now_ms=0,
    ...                     resolve_source=lambda spec: pl.DataFrame({"id": ["p1"]}))
    >>> ctx.expr_context().timezone
    'America/New_York'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from .._exceptions import PipelineError
from ..expr import ExprContext
from .options import MetricOptions


@dataclass(frozen=True)
class TimeWindow:
    """A half-open time range ``[start_ms, end_ms)`` in epoch milliseconds and its period name.

    Example:
        >>> TimeWindow(0, 86_400_000, "dayRange").end_ms
        86400000
    """

    start_ms: int
    end_ms: int
    period: str


@dataclass(frozen=True)
class SourceSpec:
    """A parsed source stage: what the engine asks a resolver for.

    ``params`` is the source's parameter object as written (``None`` for ``"events": null``);
    expressions inside it, such as ``appId: "expandAppIds(\\"*\\")"``, are left for the resolver.
    ``window`` is the resolved ``timeSeries`` (``None`` when there is none).
    ``path`` is where the source stands in the request, for error messages.
    ``all_time`` marks a stage reading a source over all history (itemSeen, growth): its
    window is ``None`` on purpose, whereas a source stage without a ``timeSeries`` may be
    refused for an event source, as Pendo refuses it.

    Example:
        >>> SourceSpec("visitors", None, None, "pipeline[0]").all_time
        False
    """

    name: str
    params: dict | None
    window: TimeWindow | None
    path: str
    all_time: bool = False


Resolver = Callable[[SourceSpec], "pl.LazyFrame | pl.DataFrame"]


@dataclass(frozen=True)
class EngineContext:
    """The subscription settings and data hooks a pipeline runs with.

    * ``timezone``: the subscription timezone (midnights, weeks, months, ``date()``).
    * ``now_ms``: the value of ``now()``; ``None`` means the clock at the start of each run.
    * ``resolve_source``: source spec -> rows. Also called for ``visitors``/``accounts``
      (bulkExpand), ``pages``/``features``/``trackTypes`` (expand), ``groups`` (productAreaIds)
      and the event sources (itemSeen, pes, adoption, growth, stickiness).
    * ``segment_members``: segment id -> a frame with ``visitorId`` and/or ``accountId``;
      raise :class:`PipelineError` for an unknown id.
    * ``metric_options``: the INFERRED choices of the pes/adoption/growth/stickiness stages.

    Example:
        >>> EngineContext(now_ms=1_700_000_000_000).expr_context().now()
        1700000000000
    """

    timezone: str = "UTC"
    now_ms: int | None = None
    resolve_source: Resolver | None = None
    segment_members: Callable[[str], pl.DataFrame] | None = None
    metric_options: MetricOptions = field(default_factory=MetricOptions)

    def expr_context(self) -> ExprContext:
        """The expression context: same timezone and clock.

        Example:
            >>> EngineContext(timezone="Asia/Tokyo").expr_context().timezone
            'Asia/Tokyo'
        """
        return ExprContext(timezone=self.timezone, now_ms=self.now_ms)

    def pinned(self) -> EngineContext:
        """This context with ``now_ms`` fixed, so every ``now()`` of one run agrees.

        Example:
            >>> EngineContext().pinned().now_ms > 0, EngineContext(now_ms=5).pinned().now_ms
            (True, 5)
        """
        return self if self.now_ms is not None else replace(self, now_ms=self.expr_context().now())

    def source(self, spec: SourceSpec) -> pl.LazyFrame:
        """The rows of a source, lazily; a clear error when no resolver is configured.

        Example:
            >>> ctx = EngineContext(resolve_source=lambda spec: pl.DataFrame({"id": ["p1"]}))
            >>> ctx.source(SourceSpec("pages", None, None, "pipeline[0]")).collect().height
            1
            >>> EngineContext().source(SourceSpec("pages", None, None, "pipeline[0]"))
            Traceback (most recent call last):
            ...
            pendo_lab._exceptions.PipelineError: pipeline[0]: source 'pages' needs data: give EngineContext(resolve_source=...)
        """
        if self.resolve_source is None:
            raise PipelineError(
                f"source {spec.name!r} needs data: give EngineContext(resolve_source=...)",
                spec.path,
            )
        return self.resolve_source(spec).lazy()

    def segment(self, segment_id: Any, path: str) -> pl.LazyFrame:
        """The members of a segment, lazily; errors carry the stage path.

        Example:
            >>> ctx = EngineContext(segment_members=lambda sid: pl.DataFrame({"visitorId": ["v1"]}))
            >>> ctx.segment("beta", "pipeline[2].segment").collect()["visitorId"].to_list()
            ['v1']
        """
        if self.segment_members is None:
            raise PipelineError("the segment stage needs EngineContext(segment_members=...)", path)
        try:
            return self.segment_members(segment_id).lazy()
        except PipelineError as error:
            raise PipelineError(error.message, path) from error
