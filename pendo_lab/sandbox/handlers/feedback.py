"""Feedback (Listen): ``GET /api/v1/feedback/options``, ``POST /api/v1/feedback``,
``PATCH /api/v1/feedback/{id}``.

Items live in the ``feedback`` table, which is the ``vocItems`` aggregation source, so a
created or changed item shows there at once. Bodies are checked as the reference's tables say:
a bad or missing required field (``title``, ``accountId``, ``importance`` -1/1/2, ``appIds``
on create; ``appIds`` on update) is a 400, an unknown app, account or visitor a 404, an unknown
feedback id a 404. Labels are stored as ``{name, category}`` (``categoryName`` is read as
``category``); unknown product areas are a 400.

Choices where the reference is silent (INFERRED): the answer to create and update is the item
as stored (a ``vocItems`` row); a new item is of type ``feedback`` with status ``new``, created
at the sandbox clock unless ``createdAt`` is given, by ``createdById`` or else the visitor;
fields the table does not hold (``linksData``) are accepted and dropped. The options are
``{"appIds", "importance": [{"value", "name"}], "productAreas": [{"id", "name"}], "labels"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from .._app import SandboxHTTPError, route
from ._common import first_row, json_object, non_blank, path_id

INVALID = ("AccountId, title, appIds, importance are missing or values passed are "
           "invalid/blank in request")
UNKNOWN = "The appId, accountId, or visitorId provided do not exist."
IMPORTANCE = {-1: "Not interested", 1: "Nice to have", 2: "Must have"}


def _int_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(type(v) is int for v in value)


def _labels(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) and non_blank(v.get("name"))
                                               for v in value)


#: Body field -> check of its value.
FIELDS: dict[str, Callable[[Any], bool]] = {
    "title": non_blank,
    "accountId": non_blank,
    "visitorId": non_blank,
    "importance": lambda v: type(v) is int and v in IMPORTANCE,
    "appIds": _int_list,
    "description": lambda v: isinstance(v, str),
    "productAreas": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "labels": _labels,
}


@route("GET", "/api/v1/feedback/options")
def options(request, state):
    areas = state.tables["groups"].filter(pl.col("groupType") == "group").select("id", "name")
    labels = state.tables["feedback"]["labels"].explode().drop_nulls().unique(maintain_order=True)
    return {"appIds": state.tables["apps"]["id"].to_list(),
            "importance": [{"value": value, "name": name} for value, name in IMPORTANCE.items()],
            "productAreas": areas.to_dicts(), "labels": labels.to_list()}


@route("POST", "/api/v1/feedback")
def create(request, state):
    body = checked_body(request, state, required=("title", "accountId", "importance", "appIds"))
    now = state.now_ms()
    created_at = body.get("createdAt") if type(body.get("createdAt")) is int else now
    author = body.get("createdById") or body.get("visitorId")
    visitor = body.get("visitorId")
    item = {"id": state.new_id("feedback"), "type": "feedback", "title": body["title"],
            "description": body.get("description", ""), "statusId": "new",
            "importance": body["importance"], "accountId": body["accountId"],
            "visitorId": visitor, "createdById": author,
            "createdByType": "Visitor" if author else None, "onBehalfOfId": visitor,
            "onBehalfOfType": "Visitor" if visitor else None, "createdAt": created_at,
            "lastUpdatedAt": now, "appIds": body["appIds"],
            "productAreas": body.get("productAreas", []), "labels": body.get("labels", [])}
    table = state.tables["feedback"]
    state.put("feedback", pl.concat([table, pl.DataFrame([item], schema=table.schema)]))
    return state.tables["feedback"].row(-1, named=True)


@route("PATCH", "/api/v1/feedback/{id}")
def update(request, state):
    feedback_id = path_id(request)
    table = state.tables["feedback"].with_row_index("row")
    item = first_row(table.filter(pl.col("id") == feedback_id),
                     f"no feedback with id {feedback_id!r}")
    body = checked_body(request, state, required=("appIds",))
    changes = {name: body[name] for name in FIELDS if name in body}
    row = pl.DataFrame([{**item, **changes, "lastUpdatedAt": state.now_ms()}],
                       schema=table.schema)
    at = item["row"]
    updated = pl.concat([table.slice(0, at), row, table.slice(at + 1)]).drop("row")
    state.put("feedback", updated)
    return updated.row(at, named=True)


def checked_body(request, state, *, required: tuple[str, ...]) -> dict[str, Any]:
    """The body with every known field checked (400) and its ids known (404); labels as
    ``{name, category}``."""
    body = json_object(request, INVALID)
    bad = [name for name in required if name not in body]
    bad += [name for name, valid in FIELDS.items()
            if body.get(name) is not None and not valid(body[name])]
    if bad:
        raise SandboxHTTPError(400, f"{INVALID}: check {', '.join(bad)}")
    areas = state.tables["groups"].filter(pl.col("groupType") == "group")["id"].to_list()
    unknown_areas = [area for area in body.get("productAreas") or [] if area not in areas]
    if unknown_areas:
        raise SandboxHTTPError(400, f"{INVALID}: unknown productAreas {unknown_areas}")
    _check_known(state, body)
    if body.get("labels") is not None:
        body["labels"] = [{"name": label["name"],
                           "category": label.get("category", label.get("categoryName"))}
                          for label in body["labels"]]
    return body


def _check_known(state, body: dict[str, Any]) -> None:
    """A 404 when an app, account or visitor the body names does not exist."""
    known = {"appIds": ("apps", "id"), "accountId": ("accounts", "accountId"),
             "visitorId": ("visitors", "visitorId")}
    for name, (table, column) in known.items():
        value = body.get(name)
        named = set(value if isinstance(value, list) else [value] if value is not None else [])
        if not named <= set(state.tables[table][column].to_list()):
            raise SandboxHTTPError(404, UNKNOWN)
