"""The ``source`` stage: parse it into a :class:`SourceSpec` and ask the resolver for rows.

The engine does not know the data: ``{"source": {"pageEvents": {"pageId": "p1"},
"timeSeries": {...}}}`` becomes ``SourceSpec("pageEvents", {"pageId": "p1"}, TimeWindow(...),
"pipeline[0]")`` and :attr:`EngineContext.resolve_source` returns the rows.

Example:
    >>> from pendo_lab.engine import EngineContext
    >>> source_spec({"visitors": None}, EngineContext(), "pipeline[0]")
    SourceSpec(name='visitors', params=None, window=None, path='pipeline[0]', all_time=False)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from .._exceptions import PipelineError
from ._context import EngineContext, SourceSpec
from .timeseries import resolve_time_series

if TYPE_CHECKING:
    from ._pipeline import Stage


def source_spec(argument: Any, ctx: EngineContext, path: str) -> SourceSpec:
    """Parse a source stage's argument: one source name (params or null), optional timeSeries.

    Example:
        >>> from pendo_lab.engine import EngineContext
        >>> spec = source_spec({"events": None, "timeSeries": {"period": "dayRange",
        ...                     "first": 0, "count": 1}}, EngineContext(), "pipeline[0]")
        >>> spec.window.end_ms
        86400000
    """
    if not isinstance(argument, dict):
        raise PipelineError(
            'a source is an object like {"events": null, "timeSeries": {...}}', f"{path}.source"
        )
    names = [key for key in argument if key != "timeSeries"]
    if len(names) != 1:
        raise PipelineError(f"a source names exactly one source, got {names}", f"{path}.source")
    (name,) = names
    params = argument[name]
    if params is not None and not isinstance(params, dict):
        raise PipelineError(
            f"the parameters of {name!r} must be an object or null", f"{path}.source.{name}"
        )
    window = None
    if "timeSeries" in argument:
        window = resolve_time_series(argument["timeSeries"], ctx, f"{path}.source.timeSeries")
    return SourceSpec(name, params, window, path)


def source(frame: None, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"source": {"<name>": params | null, "timeSeries": {...}}}``: the resolver's rows."""
    path = stage.path.removesuffix(".source")
    return stage.ctx.source(source_spec(argument, stage.ctx, path))
