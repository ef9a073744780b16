"""``POST /data/track``: server-side track events, appended to the raw ``events`` log.

The App accepts only :data:`~pendo_lab.sandbox.TRACK_SECRET` on this path. A valid Track
Object becomes one raw event of type ``track`` of the web app, server ``apitrackevent`` (as the
synthetic server-side events), at its ``timestamp``; so it shows in the ``trackEvents``
aggregation source. Choices where Pendo's reference is silent (INFERRED):

* an event name the app has no track type for creates one (named after the event, its
  property names as ``eventPropertyNameList``, id fixed by the name), as Pendo lists new track
  events once it receives them; an existing type's property list is left as it is;
* property values are stored as text (the ``properties`` column has one text field per
  property name; objects and lists as JSON);
* events of do-not-process visitors or accounts are accepted but not recorded;
* the ``visitors`` and ``accounts`` tables are not changed (an unknown visitor id gets no row);
* the answer is ``{"status": "ok"}``.
"""

from __future__ import annotations

from typing import Any

import orjson
import polars as pl

from .._app import SandboxHTTPError, route
from .._synth_catalog import DEFAULT_APP_ID, object_id
from ._common import PEOPLE, do_not_process, json_object, non_blank

BAD_EVENT = "Error unmarshalling track event data"
SERVER = "apitrackevent"


@route("POST", "/data/track")
def track(request, state):
    event = track_event(json_object(request, BAD_EVENT))
    if not _do_not_process(state, event):
        type_id = track_type_id(state, event["event"], event.get("properties") or {})
        state.put("events", _inserted(state.tables["events"], _event_row(event, type_id)))
    return {"status": "ok"}


def track_event(body: dict[str, Any]) -> dict[str, Any]:
    """The Track Object checked field by field, or a 400 naming the first bad field.

    Example:
        >>> try:
        ...     track_event({"type": "track", "event": "Registered", "visitorId": "v1"})
        ... except SandboxHTTPError as exc:
        ...     print(exc.status, exc.message)
        400 Error unmarshalling track event data: timestamp must be epoch milliseconds
    """
    for name, required, valid, rule in _FIELDS:
        if (required or body.get(name) is not None) and not valid(body.get(name)):
            raise SandboxHTTPError(400, f"{BAD_EVENT}: {name} {rule}")
    return body


#: The Track Object's fields: name, required, check, the rule the check enforces.
_FIELDS = (
    ("type", True, lambda v: v == "track", 'must be "track"'),
    ("event", True, non_blank, "must be a non-blank string"),
    ("visitorId", True, non_blank, "must be a non-blank string"),
    ("timestamp", True, lambda v: isinstance(v, int) and not isinstance(v, bool),
     "must be epoch milliseconds"),
    ("accountId", False, lambda v: isinstance(v, str), "must be a string"),
    ("properties", False, lambda v: isinstance(v, dict), "must be an object"),
    ("context", False, lambda v: isinstance(v, dict), "must be an object"),
)


def track_type_id(state, name: str, properties: dict[str, Any]) -> str:
    """The id of the web app's track type ``name``, created when the app has none."""
    types = state.tables["track_types"]
    known = types.filter((pl.col("name") == name) & (pl.col("appId") == DEFAULT_APP_ID))
    if not known.is_empty():
        return known["id"][0]
    type_id, now = object_id("trackType", name), state.now_ms()
    row = {"id": type_id, "kind": "TrackType", "createdAt": now, "lastUpdatedAt": now,
           "rootVersionId": type_id, "stableVersionId": f"{type_id}-{now}", "name": name,
           "appId": DEFAULT_APP_ID, "isCoreEvent": False, "trackTypeName": name,
           "eventPropertyNameList": sorted(properties)}
    state.put("track_types", pl.concat([types, pl.DataFrame([row], schema=types.schema)]))
    return type_id


def _do_not_process(state, event: dict[str, Any]) -> bool:
    """Whether the event's visitor or account is marked do-not-process."""
    return any(event.get(PEOPLE[kind][1]) in do_not_process(state, kind) for kind in PEOPLE)


def _event_row(event: dict[str, Any], type_id: str) -> pl.DataFrame:
    context = event.get("context") or {}
    properties = {name: value if isinstance(value, str) or value is None
                  else orjson.dumps(value).decode()
                  for name, value in (event.get("properties") or {}).items()}
    row = {"browserTime": event["timestamp"], "visitorId": event["visitorId"],
           "accountId": event.get("accountId") or "", "appId": DEFAULT_APP_ID, "type": "track",
           "url": str(context.get("url", "")), "server": SERVER,
           "remoteIp": str(context.get("ip", "")), "userAgent": str(context.get("userAgent", "")),
           "elementPath": None, "trackTypeId": type_id, "properties": properties or None}
    return pl.DataFrame([row], schema_overrides={"elementPath": pl.String})


def _inserted(events: pl.DataFrame, row: pl.DataFrame) -> pl.DataFrame:
    """``events`` with ``row`` put in time order (after events at the same time)."""
    at = events["browserTime"].search_sorted(row["browserTime"][0], side="right")
    return pl.concat([events.slice(0, at), row, events.slice(at)], how="vertical_relaxed")
