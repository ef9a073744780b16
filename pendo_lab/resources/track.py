"""Track events: ``POST /data/track`` on the region's data host, signed with the track secret.

The track secret (``PENDO_TRACK_SECRET`` or ``track_secret=``) is not the integration key: it is
the app's "Track Event Shared Secret" from the subscription settings. It travels in the same
``x-pendo-integration-key`` header. Pendo has no batch endpoint, so :meth:`Track.send_many` sends
one request per event.

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> client.track.send("Registered", "visitor-1", account_id="account-1") is not None
    True
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import orjson
import polars as pl

from .._exceptions import APIStatusError, TransportError, ValidationError
from .._frames import finish
from .._http import Call, parse_json
from ._base import Resource, epoch_ms, ms_ago, now_ms

logger = logging.getLogger("pendo_lab")

PATH = "/data/track"
#: Pendo says events with timestamps more than 7 days old may not be processed.
STALE_AFTER = timedelta(days=7)
REQUIRED_COLUMNS = ("event", "visitorId")
OPTIONAL_COLUMNS = ("accountId", "timestamp", "properties", "context")
#: Errors that would repeat for every later event: a bad secret or no network.
_STOP_STATUSES = (401, 403)
_SHOWN_ROWS = 10


def parse_lenient(response) -> Any:
    """The response body as JSON when it is JSON, else its text (None when empty).

    The reference says only "Response is sent as body" for the data host, so nothing is assumed.
    """
    try:
        return parse_json(response)
    except orjson.JSONDecodeError:
        return response.text


class Track(Resource):
    """``client.track``: send server-side track events.

    Example:
        >>> client.track.send("Report Exported", "100576", properties={"format": "csv"})
        {'status': 'ok'}
    """

    def send(self, event: str, visitor_id: str, *, account_id: str | None = None,
             timestamp: datetime | date | int | None = None,
             properties: Mapping[str, Any] | None = None,
             context: Mapping[str, Any] | None = None) -> Any:
        """Send one track event; the server's answer is returned as it came (JSON or text).

        ``timestamp`` (a datetime, or epoch ms) defaults to now; naive datetimes are in the
        client's timezone. Pendo strongly recommends ``account_id``. ``context`` describes the
        browser session (``ip``, ``userAgent``, ``url``, ``title``) when tracking on its behalf.
        A timestamp more than 7 days old gives a warning: Pendo may not process it.

        Example:
            >>> client.track.send("Registered", "visitor-1", account_id="account-1",
            ...                   properties={"plan": "pro"}) is not None
            True
        """
        row = {"event": event, "visitorId": visitor_id, "accountId": account_id,
               "timestamp": timestamp, "properties": properties, "context": context}
        body = event_body(row, self._client.timezone, now_ms())
        _warn_stale([body])
        return self._run(_call(body, parse_lenient))

    def send_many(self, events: Any, *, frame: str | None = None) -> Any:
        """Send one event per row of a Polars or pandas frame; returns a summary frame.

        Columns: ``event`` and ``visitorId`` (required, no nulls), ``accountId``, ``timestamp``
        (datetime or epoch ms; missing or null means now), ``properties`` and ``context``
        (struct or dict columns; null fields are left out). Every row is checked before anything
        is sent; a bad row raises :class:`~pendo_lab.ValidationError` naming the rows (0-based
        positions). The summary has one row per event: ``row``, ``event``, ``visitorId``,
        ``outcome`` (``"sent"``, ``"failed"`` or ``"skipped"``), ``status`` and ``error``.
        A failed event does not stop the others, except a 401/403 or a network failure: those
        would repeat for every event, so the rest are marked ``"skipped"``.

        Example:
            >>> import polars as pl
            >>> events = pl.DataFrame({"event": ["Registered", "Upgraded"],
            ...                        "visitorId": ["visitor-1", "visitor-2"]})
            >>> client.track.send_many(events)["outcome"].to_list()
            ['sent', 'sent']
        """
        kind = self._frame_kind(frame)
        bodies = frame_events(events, self._client.timezone)
        _warn_stale(bodies)
        return self._run(_send_all(bodies, kind))


def event_body(row: Mapping[str, Any], timezone: str, default_time: int) -> dict:
    """The Track Object for one event, or a ValidationError saying what is wrong with it.

    Example:
        >>> body = event_body({"event": "Registered", "visitorId": "v1"}, "UTC", 1700000000000)
        >>> body["type"], body["timestamp"], body["properties"]
        ('track', 1700000000000, {})
    """
    missing = [name for name in REQUIRED_COLUMNS
               if row.get(name) is None or not str(row[name]).strip()]
    if missing:
        raise ValidationError(f"{' and '.join(missing)} missing or blank")
    body = {"type": "track", "event": str(row["event"]), "visitorId": str(row["visitorId"])}
    if row.get("accountId") is not None:
        body["accountId"] = str(row["accountId"])
    stamp = row.get("timestamp")
    body["timestamp"] = default_time if stamp is None else epoch_ms(stamp, timezone, "timestamp")
    body["properties"] = _object(row.get("properties"), "properties")
    if row.get("context") is not None:
        body["context"] = _object(row["context"], "context")
    try:
        orjson.dumps(body)
    except TypeError as exc:
        raise ValidationError(f"the event is not JSON-serialisable ({exc}): use plain "
                              "strings, numbers, booleans, lists and dicts") from None
    return body


def frame_events(events: Any, timezone: str) -> list[dict]:
    """The Track Objects of every row of a Polars or pandas frame, all checked first.

    Example:
        >>> frame = pl.DataFrame({"event": ["a", None], "visitorId": ["v1", "v2"]})
        >>> frame_events(frame, "UTC")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: 1 of 2 track events are invalid (0-based rows): row 1: event missing or blank
    """
    columns, rows = _records(events)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    problems = []
    if missing:
        problems.append(f"missing column(s) {missing}")
    if unknown:
        problems.append(f"unknown column(s) {unknown} (drop them or move them into properties)")
    if problems:
        raise ValidationError(f"track events frame: {'; '.join(problems)}; expected columns "
                              f"{list(REQUIRED_COLUMNS)} and optionally {list(OPTIONAL_COLUMNS)}")
    default_time = now_ms()
    bodies, bad = [], []
    for number, row in enumerate(rows):
        try:
            bodies.append(event_body(row, timezone, default_time))
        except ValidationError as exc:
            bad.append(f"row {number}: {exc}")
    if bad:
        shown = "; ".join(bad[:_SHOWN_ROWS])
        more = f"; and {len(bad) - _SHOWN_ROWS} more" if len(bad) > _SHOWN_ROWS else ""
        raise ValidationError(f"{len(bad)} of {len(rows)} track events are invalid "
                              f"(0-based rows): {shown}{more}")
    return bodies


def _records(events: Any) -> tuple[list[str], list[dict]]:
    """Column names and row dicts (nulls as None) of a Polars or pandas frame."""
    if isinstance(events, pl.DataFrame):
        return events.columns, events.to_dicts()
    if type(events).__module__.startswith("pandas") and hasattr(events, "to_dict"):
        plain = events.astype(object).where(events.notna(), None)
        return [str(c) for c in events.columns], plain.to_dict("records")
    raise ValidationError(f"track events must be a Polars or pandas DataFrame, "
                          f"not {type(events).__name__}")


def _object(value: Any, what: str) -> dict:
    """A dict for properties/context with null fields left out (struct columns fill them in)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{what} must be a dict (or a struct column), "
                              f"not {type(value).__name__}")
    return {str(k): v for k, v in value.items() if v is not None}


def _warn_stale(bodies: list[dict]) -> None:
    oldest = ms_ago(STALE_AFTER)
    stale = [n for n, body in enumerate(bodies) if body["timestamp"] < oldest]
    if not stale:
        return
    if len(bodies) == 1:
        what = "the track event's timestamp is"
    else:
        what = (f"{len(stale)} of {len(bodies)} track events (rows {stale[:_SHOWN_ROWS]}) "
                "have timestamps")
    warnings.warn(f"{what} more than 7 days old: Pendo may not process events that old",
                  UserWarning, stacklevel=3)


def _call(body: dict, parse) -> Call:
    return Call("POST", PATH, json=body, host="data", auth="track", parse=parse)


def _send_all(bodies: list[dict], kind: str):
    """A plan sending each event in turn and returning the summary frame."""
    outcomes, stopped = [], None
    for body in bodies:
        if stopped is not None:
            outcomes.append(("skipped", None, stopped))
            continue
        try:
            status = yield _call(body, lambda response: response.status_code)
            outcomes.append(("sent", status, None))
        except (APIStatusError, TransportError) as exc:
            status = getattr(exc, "status", None)
            outcomes.append(("failed", status, str(exc)))
            if status is None or status in _STOP_STATUSES:
                stopped = f"not sent after an earlier failure: {exc}"
    not_sent = sum(outcome != "sent" for outcome, _, _ in outcomes)
    if not_sent:
        logger.warning("track.send_many: %d of %d events not sent; see the summary frame",
                       not_sent, len(bodies))
    summary = pl.DataFrame({
        "row": range(len(bodies)),
        "event": [body["event"] for body in bodies],
        "visitorId": [body["visitorId"] for body in bodies],
        "outcome": [outcome for outcome, _, _ in outcomes],
        "status": [status for _, status, _ in outcomes],
        "error": [error for _, _, error in outcomes],
    }, schema={"row": pl.Int64, "event": pl.String, "visitorId": pl.String,
               "outcome": pl.String, "status": pl.Int64, "error": pl.String})
    return finish(summary, frame_kind=kind, times=False)
