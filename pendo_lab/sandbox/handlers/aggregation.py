"""``POST /api/v1/aggregation``: pipelines run by the same engine pendo_lab uses locally.

The answer is ``{"startTime": <first period start>, "results": [rows]}`` (``startTime`` when
the source has a ``timeSeries``), plus ``"details": {"validThrough": {appId: ms}}`` with
``?details=true``. Null values inside :data:`~pendo_lab.sandbox._sources.SPARSE_FIELDS` are
left out of the rows, as Pendo leaves out what a row does not have; nulls a pipeline makes
(``select`` of a missing field) stay. Engine errors are a 400 ``{"message": ...}``.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import polars as pl

from ..._exceptions import PendoError
from ...engine import (AdoptionOptions, EngineContext, MetricOptions, SourceSpec,
                       resolve_time_series, run)
from .._app import Reply, SandboxHTTPError, route
from .._sources import SPARSE_FIELDS
from ._common import without_nulls

#: Stages that stand first in a pipeline in place of a source and compute engagement scores.
METRIC_STAGES = ("pes", "adoption", "growth", "stickiness")
#: Core event kinds and the object sources whose rows carry ``isCoreEvent``.
CORE_EVENT_OBJECTS = {"page": "pages", "feature": "features", "trackEvent": "trackTypes"}


def engine_context(state, pipeline: Sequence = ()) -> EngineContext:
    """The engine context of a sandbox: its timezone, clock, sources and segments, and the
    core events of the apps ``pipeline``'s metric stage names (for adoption by default)."""
    adoption = AdoptionOptions(core_events=core_events(state, pipeline))
    return EngineContext(timezone=state.config.timezone, now_ms=state.now_ms(),
                         resolve_source=state.resolver,
                         segment_members=state.segment_members,
                         metric_options=MetricOptions(adoption=adoption))


def core_events(state, pipeline: Sequence) -> tuple[dict, ...]:
    """The pages, features and track types marked ``isCoreEvent`` in the apps a leading
    pes/adoption stage names (the default app when it names none); () for other pipelines."""
    first = pipeline[0] if pipeline and isinstance(pipeline[0], dict) else {}
    name = next((name for name in METRIC_STAGES if isinstance(first.get(name), dict)), None)
    if name is None:
        return ()
    apps = {"appId": first[name]["appId"]} if "appId" in first[name] else None
    found = []
    for kind, source in CORE_EVENT_OBJECTS.items():
        objects = state.resolver(SourceSpec(source, apps, None, f"pipeline[0].{name}"))
        marked = objects.filter(pl.col("isCoreEvent")).select("id").collect()["id"]
        found += [{"kind": kind, "id": object_id} for object_id in marked]
    return tuple(found)


def start_time(pipeline: list, context: EngineContext) -> int | None:
    """The first period's start of the pipeline's source, as Pendo's ``startTime``."""
    source = pipeline[0].get("source") if isinstance(pipeline[0], dict) else None
    series = source.get("timeSeries") if isinstance(source, dict) else None
    return resolve_time_series(series, context).start_ms if series else None


def rows_json(frame: pl.DataFrame) -> bytes:
    """The rows as a JSON array, without the null values of sparse fields.

    Example:
        >>> rows_json(pl.DataFrame({"id": [1, 2], "parameters": [None, {"parameter": "x"}]}))
        b'[{"id":1},{"id":2,"parameters":{"parameter":"x"}}]'
    """
    content = frame.write_json().encode()
    sparse = [name for name in SPARSE_FIELDS if name in frame.columns]
    if not sparse:
        return content
    rows = orjson.loads(content)
    for row in rows:
        for name in sparse:
            value = without_nulls(row[name])
            if value is None or value == {}:
                del row[name]
            else:
                row[name] = value
    return orjson.dumps(rows)


@route("POST", "/api/v1/aggregation", writes=False)
def aggregate(request, state):
    body = request.json()
    pipeline = body.get("request", {}).get("pipeline") if isinstance(body, dict) else None
    if not isinstance(pipeline, list) or not pipeline:
        raise SandboxHTTPError(400, "request.pipeline must be a non-empty list of stages")
    try:
        context = engine_context(state, pipeline)
        frame = run(pipeline, context)
        start = start_time(pipeline, context)
    except PendoError as exc:
        raise SandboxHTTPError(400, str(exc)) from None
    except NotImplementedError as exc:
        raise SandboxHTTPError(422, f"not supported by the sandbox: {exc}") from None
    head = b'{"startTime":%d,' % start if start is not None else b"{"
    content = head + b'"results":' + rows_json(frame)
    if request.query.get("details") == "true":
        valid = {str(app): state.now_ms() for app in state.tables["apps"]["id"].to_list()}
        content = content + b',"details":' + orjson.dumps({"validThrough": valid})
    return Reply(content + b"}")
