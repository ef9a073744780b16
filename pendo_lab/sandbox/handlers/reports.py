"""Reports: ``GET /api/v1/report`` and ``/api/v1/report/{id}/results.{json,csv}``.

The list is the ``reports`` table. Results are computed, when asked for, from the report's
``definition`` by the aggregation engine over the live sources, so they follow every change to
the sandbox's state. A visitor (``visitorList``) or account (``accountList``) report has one
row per visitor or account with events in the report's app during its ``timeSeries`` (and in
its segment, if it has one), most events first, with the definition's columns: the id,
``metadata.<group>.<field>`` (nested in JSON), ``numEvents`` and ``numMinutes``. Path, funnel
and Data Explorer reports are a 404, as the reference says. The CSV has a header row of the
column names as the definition lists them (INFERRED: Pendo's UI export names are unknown).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ...engine import run
from .._app import Reply, SandboxHTTPError, route
from ._common import first_row, frame_reply, path_id
from .aggregation import engine_context

#: Report generators and the id column and metadata kind of their rows.
GENERATORS = {"visitorList": ("visitorId", "visitor"), "accountList": ("accountId", "account")}
#: Columns computed from the events source, as sums of its fields.
ACTIVITY = ("numEvents", "numMinutes")


@route("GET", "/api/v1/report")
def reports(request, state):
    return frame_reply(state.tables["reports"])


@route("GET", "/api/v1/report/{id}/results.json")
def results_json(request, state):
    return frame_reply(report_results(state, path_id(request)))


@route("GET", "/api/v1/report/{id}/results.csv")
def results_csv(request, state):
    return Reply(flattened(report_results(state, path_id(request))).write_csv(),
                 content_type="text/csv")


def report_results(state, report_id: str) -> pl.DataFrame:
    """The rows of a visitor or account report, or a 404 for any other report or id."""
    missing = "The report in question was not found."
    report = first_row(state.tables["reports"].filter(pl.col("id") == report_id), missing)
    if report["definition"]["generator"] not in GENERATORS:
        raise SandboxHTTPError(404, missing)
    return run(report_pipeline(report["definition"]), engine_context(state))


def report_pipeline(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """The aggregation pipeline computing a visitor or account report's rows.

    Example:
        >>> pipeline = report_pipeline({"generator": "accountList", "timeSeries": None,
        ...     "config": {"columns": ["accountId", "numEvents"], "appId": None,
        ...                "segmentId": "seg-1"}})
        >>> [next(iter(stage)) for stage in pipeline]
        ['source', 'filter', 'group', 'segment', 'bulkExpand', 'sort', 'select']
    """
    key, kind = GENERATORS[definition["generator"]]
    config = definition["config"]
    columns = config["columns"]
    unknown = [c for c in columns if c != key and c not in ACTIVITY
               and not c.startswith("metadata.")]
    if unknown:
        raise SandboxHTTPError(422, f"not supported by the sandbox: report columns {unknown}; "
                               f"it computes {key}, metadata.<group>.<field> and "
                               f"{', '.join(ACTIVITY)}")
    events = {"appId": config["appId"]} if config.get("appId") is not None else None
    pipeline = [
        {"source": {"events": events, "timeSeries": definition["timeSeries"]}},
        {"filter": f'{key} != ""'},
        {"group": {"group": [key], "fields": {name: {"sum": name} for name in ACTIVITY}}},
    ]
    if config.get("segmentId"):
        pipeline.append({"segment": {"id": config["segmentId"]}})
    return pipeline + [{"bulkExpand": {"metadata": {kind: key}}},
                       {"sort": ["-numEvents", key]},
                       {"select": {column: column for column in columns}}]


def flattened(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with nested objects spread into dotted columns (``metadata.agent.email``).

    Example:
        >>> flattened(pl.DataFrame({"metadata": [{"agent": {"email": "a@b.c"}}]})).columns
        ['metadata.agent.email']
    """
    while nested := [name for name, dtype in frame.schema.items() if dtype == pl.Struct]:
        frame = frame.unnest(nested, separator=".")
    return frame
