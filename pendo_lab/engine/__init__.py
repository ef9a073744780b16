"""Run Pendo aggregation pipelines (their JSON form) on Polars frames.

The engine compiles a pipeline into one lazy Polars plan: a table (:data:`STAGES`) maps each
stage name to its implementation, :data:`AGGREGATORS` the field aggregators of ``group`` and
``reduce``. It does not know any data: a ``source`` stage becomes a :class:`SourceSpec` that
``EngineContext.resolve_source`` answers with rows. Nested rows are struct columns; times are
epoch-millisecond integers.

* :func:`run` runs a whole pipeline (or request envelope), source first.
* :func:`run_on_frame` runs the stages after the source on a frame you already have.

Example:
    >>> import polars as pl
    >>> from pendo_lab.engine import EngineContext, run, run_on_frame
    >>> events = pl.DataFrame({"visitorId": ["v1", "_PENDO_T_x", "v2", "v1"],
    ...                        "accountId": ["a", "a", "b", "a"], "numEvents": [3, 9, 1, 2]})
    >>> tail = [{"identified": "visitorId"},
    ...         {"group": {"group": ["accountId"], "fields": {"events": {"sum": "numEvents"}}}}]
    >>> run_on_frame(tail, events).to_dicts()
    [{'accountId': 'a', 'events': 5}, {'accountId': 'b', 'events': 1}]
    >>> ctx = EngineContext(resolve_source=lambda spec: events)
    >>> run([{"source": {"events": None}}, *tail, {"count": None}], ctx).to_dicts()
    [{'count': 2}]
"""

from __future__ import annotations

from ._context import EngineContext, SourceSpec, TimeWindow
from ._pipeline import SOURCE_STAGES, STAGES, compile_pipeline, run, run_on_frame
from .aggregators import AGGREGATORS
from .lookups import USER_AGENT, parse_user_agent
from .metrics import stickiness_by_day
from .options import AdoptionOptions, GrowthOptions, MetricOptions, StickinessOptions
from .sources import source_spec
from .timeseries import resolve_time_series

__all__ = [
    "AGGREGATORS",
    "AdoptionOptions",
    "EngineContext",
    "GrowthOptions",
    "MetricOptions",
    "SOURCE_STAGES",
    "STAGES",
    "SourceSpec",
    "StickinessOptions",
    "TimeWindow",
    "USER_AGENT",
    "compile_pipeline",
    "parse_user_agent",
    "resolve_time_series",
    "run",
    "run_on_frame",
    "source_spec",
    "stickiness_by_day",
]
