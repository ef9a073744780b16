"""Pages, features and track types: ``GET /api/v1/{page,feature,tracktype}``."""

from __future__ import annotations

import polars as pl

from .._app import Reply, route
from .._synth_catalog import DEFAULT_APP_ID
from ._common import frame_reply

TABLES = {"page": "pages", "feature": "features", "tracktype": "track_types"}


def objects(request, table: pl.DataFrame) -> Reply:
    """The objects a list/one/several call asks for, as a JSON array."""
    query = request.query
    if "id" in query:
        ids = [i for i in query["id"].split(",") if i]
        table = table.filter(pl.col("id").is_in(ids))
    elif query.get("expand") != "*":
        app_id = int(query["appId"]) if query.get("appId") else DEFAULT_APP_ID
        table = table.filter(pl.col("appId") == app_id)
    return frame_reply(table)


def _register(kind: str, table_name: str) -> None:
    @route("GET", f"/api/v1/{kind}")
    def handler(request, state):
        return objects(request, state.tables[table_name])


for _kind, _table in TABLES.items():
    _register(_kind, _table)
