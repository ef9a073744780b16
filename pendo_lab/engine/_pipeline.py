"""Compile a pipeline (a list of stage dicts) into one Polars LazyFrame plan, and run it.

Each stage is looked up in :data:`STAGES` and turns the plan so far into a longer plan; nothing
runs until the end, so Polars optimises the whole pipeline at once (filters pushed into the
source, only the needed columns read).

Example:
    >>> import polars as pl
    >>> rows = pl.DataFrame({"visitorId": ["a", "_PENDO_T_x", "b"], "numEvents": [3, 1, 2]})
    >>> run_on_frame([{"identified": "visitorId"}, {"count": None}], rows).to_dicts()
    [{'count': 2}]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from .._exceptions import ExpressionError, PipelineError
from ..expr import to_polars
from . import advanced, basic, lookups, metrics, sources
from ._context import EngineContext
from ._fields import lookup

StageFunction = Callable[[Any, Any, "Stage"], pl.LazyFrame]

#: Stage name -> implementation ``(rows so far | None, stage argument, Stage) -> LazyFrame``.
STAGES: dict[str, StageFunction] = {
    "source": sources.source,
    "spawn": advanced.spawn,
    "pes": metrics.pes,
    "adoption": metrics.adoption,
    "growth": metrics.growth,
    "stickiness": metrics.stickiness,
    "filter": basic.filter_rows,
    "select": basic.select,
    "eval": basic.eval_fields,
    "sort": basic.sort,
    "limit": basic.limit,
    "count": basic.count,
    "reduce": basic.reduce,
    "group": basic.group,
    "cat": basic.cat,
    "identified": basic.identified,
    "segment": basic.segment,
    "bulkExpand": lookups.bulk_expand,
    "expand": lookups.expand,
    "itemSeen": lookups.item_seen,
    "useragent": lookups.useragent,
    "unwind": advanced.unwind,
    "switch": advanced.switch,
    "fork": advanced.fork,
    "join": advanced.join,
    "merge": advanced.merge,
}

#: Stages that produce rows from nothing: they start a pipeline (and only there).
SOURCE_STAGES = frozenset({"source", "spawn", "pes", "adoption", "growth", "stickiness"})


@dataclass(frozen=True)
class Stage:
    """What a stage implementation gets besides its rows and argument: context and its path.

    ``path`` is the stage's place in the request, e.g. ``pipeline[3].group``; the helpers
    raise :class:`PipelineError` at ``path + suffix`` (``suffix`` like ``.fields[1]``).
    """

    ctx: EngineContext
    path: str

    def error(self, message: str, suffix: str = "") -> PipelineError:
        """A pipeline error at this stage (plus ``suffix``)."""
        return PipelineError(message, self.path + suffix)

    def expr(self, text: Any, schema: pl.Schema, suffix: str = "") -> pl.Expr:
        """Compile an expression string against the rows' schema; errors carry the path."""
        if not isinstance(text, str):
            raise self.error(f"expected an expression string, got {text!r}", suffix)
        try:
            return to_polars(text, self.ctx.expr_context(), schema=schema)
        except ExpressionError as error:
            raise self.error(str(error), suffix) from error

    def field(self, name: Any, schema: pl.Schema, suffix: str = "") -> pl.Expr:
        """Read a (dotted) field of the rows; a clear error naming the fields there are."""
        if not isinstance(name, str) or not name:
            raise self.error(f"expected a field name, got {name!r}", suffix)
        expr = lookup(name, schema)
        if expr is None:
            raise self.error(
                f"the rows have no field {name!r}; fields: {', '.join(schema)}", suffix
            )
        return expr

    def pipeline(self, stages: Any, suffix: str, frame: pl.LazyFrame | None = None) -> pl.LazyFrame:
        """Compile an inner pipeline (fork branch, spawn branch, merge pipeline)."""
        return compile_pipeline(stages, self.ctx, self.path + suffix, frame)


def compile_pipeline(
    stages: Any, ctx: EngineContext, path: str = "pipeline", frame: pl.LazyFrame | None = None
) -> pl.LazyFrame:
    """The LazyFrame of a pipeline; ``frame`` is the input rows when it has no source.

    Example:
        >>> rows = pl.LazyFrame({"a": [1, 2]})
        >>> compile_pipeline([{"limit": 1}], EngineContext(), frame=rows).collect().height
        1
    """
    if not isinstance(stages, list):
        raise PipelineError("a pipeline is a list of stages", path)
    if frame is None and not stages:
        raise PipelineError(
            f"the pipeline is empty: start it with one of {_names(SOURCE_STAGES)}", path
        )
    for index, stage in enumerate(stages):
        here = f"{path}[{index}]"
        name, argument = _operator(stage, here)
        if frame is None and name not in SOURCE_STAGES:
            raise PipelineError(
                f"a pipeline starts with one of {_names(SOURCE_STAGES)}, not {name!r}", here
            )
        if frame is not None and name in SOURCE_STAGES:
            raise PipelineError(f"{name!r} starts a pipeline; it cannot follow other stages", here)
        try:
            frame = STAGES[name](frame, argument, Stage(ctx, f"{here}.{name}"))
            frame.collect_schema()
        except pl.exceptions.PolarsError as error:
            raise PipelineError(_first_line(error), here) from error
    return frame


def _operator(stage: Any, path: str) -> tuple[str, Any]:
    if not isinstance(stage, dict) or len(stage) != 1:
        raise PipelineError('a stage is an object with one operator, e.g. {"limit": 10}', path)
    ((name, argument),) = stage.items()
    if name not in STAGES:
        raise PipelineError(f"unknown stage {name!r}; known stages: {_names(STAGES)}", path)
    return name, argument


def _names(names: Any) -> str:
    return ", ".join(sorted(names))


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


def _stages_of(request: Any) -> Any:
    """The stage list of a pipeline, ``{"pipeline": [...]}`` or a full request envelope."""
    if isinstance(request, dict) and "request" in request:
        request = request["request"]
    if isinstance(request, dict) and "pipeline" in request:
        return request["pipeline"]
    if isinstance(request, list):
        return request
    raise PipelineError(
        'expected a list of stages or a request {"request": {"pipeline": [...]}}', "pipeline"
    )


def _collect(frame: pl.LazyFrame) -> pl.DataFrame:
    try:
        return frame.collect()
    except pl.exceptions.PolarsError as error:
        raise PipelineError(f"the pipeline failed while running: {_first_line(error)}") from error


def run(pipeline: list[dict] | dict, ctx: EngineContext | None = None) -> pl.DataFrame:
    """Run a whole pipeline, source first, and return its rows.

    ``pipeline`` is the list of stages, or the request envelope
    ``{"response": ..., "request": {"pipeline": [...]}}``. Sources come from
    ``ctx.resolve_source``.

    Example:
        >>> events = pl.DataFrame({"visitorId": ["a", "b", "a"], "numEvents": [1, 2, 3]})
        >>> ctx = EngineContext(resolve_source=lambda spec: events)
        >>> run([{"source": {"events": None}},
        ...      {"group": {"group": ["visitorId"], "fields": {"n": {"sum": "numEvents"}}}},
        ...      {"sort": ["-n"]}], ctx).to_dicts()
        [{'visitorId': 'a', 'n': 4}, {'visitorId': 'b', 'n': 2}]
    """
    ctx = (ctx or EngineContext()).pinned()
    return _collect(compile_pipeline(_stages_of(pipeline), ctx))


def run_on_frame(
    stages: list[dict], frame: pl.DataFrame | pl.LazyFrame, ctx: EngineContext | None = None
) -> pl.DataFrame:
    """Run the stages that follow a source on rows you already have.

    Example:
        >>> rows = pl.DataFrame({"accountId": ["x", "y", "x"], "numMinutes": [5, 1, 2]})
        >>> run_on_frame([{"reduce": {"minutes": {"sum": "numMinutes"},
        ...                           "accounts": {"count": "accountId"}}}], rows).to_dicts()
        [{'minutes': 8, 'accounts': 2}]
    """
    ctx = (ctx or EngineContext()).pinned()
    return _collect(compile_pipeline(stages, ctx, frame=frame.lazy()))
