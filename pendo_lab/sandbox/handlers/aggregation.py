"""``POST /api/v1/aggregation``: pipelines run by the same engine pendo_lab uses locally."""

from __future__ import annotations

import orjson

from ..._exceptions import PendoError
from ...engine import EngineContext, resolve_time_series, run
from .._app import Reply, SandboxHTTPError, route


def engine_context(state) -> EngineContext:
    """The engine context of a sandbox: its timezone, clock, sources and segments."""
    return EngineContext(timezone=state.config.timezone, now_ms=state.now_ms(),
                         resolve_source=state.resolver,
                         segment_members=state.segment_members)


def start_time(pipeline: list, context: EngineContext) -> int | None:
    """The first period's start of the pipeline's source, as Pendo's ``startTime``."""
    source = pipeline[0].get("source") if isinstance(pipeline[0], dict) else None
    series = source.get("timeSeries") if isinstance(source, dict) else None
    return resolve_time_series(series, context).start_ms if series else None


@route("POST", "/api/v1/aggregation", writes=False)
def aggregate(request, state):
    body = request.json()
    pipeline = body.get("request", {}).get("pipeline") if isinstance(body, dict) else None
    if not isinstance(pipeline, list) or not pipeline:
        raise SandboxHTTPError(400, "request.pipeline must be a non-empty list of stages")
    context = engine_context(state)
    try:
        frame = run(pipeline, context)
        start = start_time(pipeline, context)
    except PendoError as exc:
        raise SandboxHTTPError(400, str(exc)) from None
    except NotImplementedError as exc:
        raise SandboxHTTPError(422, f"not supported by the sandbox: {exc}") from None
    head = b'{"startTime":%d,' % start if start is not None else b"{"
    content = head + b'"results":' + frame.write_json().encode()
    if request.query.get("details") == "true":
        valid = {str(app): state.now_ms() for app in state.tables["apps"]["id"].to_list()}
        content = content + b',"details":' + orjson.dumps({"validThrough": valid})
    return Reply(content + b"}")
