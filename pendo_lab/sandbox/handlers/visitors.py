"""Visitors and accounts by id, and a visitor's day of history.

``GET /api/v1/visitor/{id}``, ``GET /api/v1/visitor/{id}/history?starttime=`` and
``GET /api/v1/account/{id}``; ``b64_`` ids are decoded when the request says so. The objects
are the reference's: ``id``, ``accountIds`` (visitors; the primary account first) and
``metadata``, whose groups (``agent``, ``auto``, ``auto__323232``, ``custom``, ``pendo``, ...)
are built from the tables' ``<group>.<field>`` columns. Fields without a value are left out,
and so are groups without any (INFERRED: Pendo stores only the metadata that was set).

History rows summarise the raw events of the 24 hours from ``starttime`` as runs of
consecutive use (INFERRED from the reference's field list): ``type`` (``page``,
``untagged`` for a URL no page matches, ``feature``, ``track``), ``id`` (the object's id, or
the URL for ``untagged``), ``ts`` and ``lastTs`` (the first and last event of the run) and
``uri`` (the REST call for the object; null for ``untagged``). A page is in use while the
visitor's events (loads, clicks, browser track events) happen on a URL it matches; a run of a
feature or track type is a sequence of its events with nothing else in between. History
covers the 180 days before the sandbox clock (an older ``starttime`` is a 400); a
do-not-process visitor has none.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from .._app import SandboxHTTPError, route
from .._sources import feature_matches, metadata_rows, page_matches
from .._synth_util import DAY_MS
from ._common import PEOPLE, do_not_process, frame_reply, path_id, without_nulls

HISTORY_DAYS = 180
#: The REST call that returns a history row's object, by row type.
URI_PREFIXES = {"page": "/api/v1/page?id=", "feature": "/api/v1/feature?id=",
                "track": "/api/v1/tracktype?id="}


@route("GET", "/api/v1/visitor/{id}")
def visitor(request, state):
    visitor_id = path_id(request)
    metadata = person_metadata(state, "visitor", visitor_id)
    links = state.tables["visitor_accounts"].filter(pl.col("visitorId") == visitor_id)
    account_ids = links.sort("primary", descending=True, maintain_order=True)["accountId"]
    return {"id": visitor_id, "accountIds": account_ids.to_list(), "metadata": metadata}


@route("GET", "/api/v1/account/{id}")
def account(request, state):
    account_id = path_id(request)
    return {"id": account_id, "metadata": person_metadata(state, "account", account_id)}


@route("GET", "/api/v1/visitor/{id}/history")
def history(request, state):
    visitor_id = path_id(request)
    person_metadata(state, "visitor", visitor_id)
    start = _starttime(request, state)
    events = state.tables["events"].filter(
        pl.col("visitorId") == visitor_id,
        pl.col("browserTime").is_between(start, start + DAY_MS, closed="left"))
    if visitor_id in do_not_process(state, "visitor"):
        events = events.clear()
    return frame_reply(history_rows(events, state.tables))


def person_metadata(state, kind: str, person_id: str) -> dict[str, Any]:
    """The metadata object of a visitor or account (``kind``), or a 404 when unknown."""
    table, key = PEOPLE[kind]
    rows = state.tables[table].filter(pl.col(key) == person_id)
    if rows.is_empty():
        raise SandboxHTTPError(404, f"Error while getting {kind}, no such entity found")
    return without_nulls(metadata_rows(rows, key).collect()["metadata"][0])


def history_rows(events: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Runs of consecutive use of pages, untagged URLs, features and track types in
    ``events`` (one visitor's, in time order): ``type``, ``id``, ``ts``, ``lastTs``, ``uri``."""
    events = events.with_columns(n=pl.int_range(pl.len()))
    on_pages = events.filter(pl.col("url") != "")
    pages = page_matches(on_pages["url"].unique(), tables["pages"])
    page_use = on_pages.join(pages, on="url", how="left").select(
        "n", "browserTime", id=pl.coalesce("pageId", "url"),
        type=pl.when(pl.col("pageId").is_null()).then(pl.lit("untagged")).otherwise(pl.lit("page")))
    clicks = events.filter(pl.col("type") == "feature")
    features = feature_matches(clicks["elementPath"].unique(), tables["features"])
    feature_use = clicks.join(features, on="elementPath").select(
        "n", "browserTime", id="featureId", type=pl.lit("feature"))
    track_use = events.filter(pl.col("type") == "track").select(
        "n", "browserTime", id="trackTypeId", type=pl.lit("track"))
    used = pl.concat([page_use, feature_use, track_use]).sort("type", "id", "n")
    run = pl.col("n") - pl.int_range(pl.len()).over("type", "id")
    return (used.group_by("type", "id", run.alias("run"))
            .agg(ts=pl.col("browserTime").min(), lastTs=pl.col("browserTime").max())
            .with_columns(uri=pl.col("type").replace_strict(URI_PREFIXES, default=None)
                          + pl.col("id"))
            .sort("ts", "type", "id")
            .select("type", "id", "ts", "lastTs", "uri"))


def _starttime(request, state) -> int:
    text = request.query.get("starttime", "")
    try:
        start = int(text)
    except ValueError:
        raise SandboxHTTPError(400, f"starttime must be epoch milliseconds, got {text!r}") from None
    if start < state.now_ms() - HISTORY_DAYS * DAY_MS:
        raise SandboxHTTPError(400, f"starttime {start} is more than {HISTORY_DAYS} days ago: "
                               f"visitor history covers the last {HISTORY_DAYS} days only")
    return start
