"""The columns known for each aggregation source, so an empty result still has its columns.

Pendo answers an aggregation that matched nothing with ``"results": []``, which says nothing
about columns. :func:`known_schema` gives the columns (and the dtypes the JSON reader gives
them, before time columns become datetimes) of a pipeline that is a source followed only by
stages that keep its columns (``filter``, ``identified``, ``segment``, ``sort``, ``limit``,
``cat``); :func:`conform` adds them to a result. For any other pipeline (``group``,
``select``, ``eval``, ...) the columns of an empty result are unknown and it has none.

The table lists the fields of pendo-spec §3 whose type does not vary by subscription: poll
answers (numbers for NPS, text otherwise), track-event ``properties`` and custom metadata
are left out. Grouped event sources get their period column (``day``, ``hour``, ``week`` or
``month``) from the timeSeries.

Example:
    >>> schema = known_schema([{"source": {"events": None, "timeSeries": {
    ...     "period": "hourRange", "first": "now()", "count": -1}}}, {"identified": "visitorId"}])
    >>> schema["hour"], schema["numEvents"]
    (Int64, Int64)
    >>> known_schema([{"source": {"events": None}}, {"group": {"group": ["day"]}}]) is None
    True
"""

from __future__ import annotations

from typing import Any

import polars as pl

S, I, F = pl.String, pl.Int64, pl.Float64

#: Stages after which a source's rows still have exactly the source's columns.
KEEPS_COLUMNS = frozenset({"filter", "identified", "segment", "sort", "limit", "cat"})
#: The row field holding the period start, by timeSeries period (grouped event sources).
PERIOD_COLUMNS = {"hourRange": "hour", "dayRange": "day", "weekRange": "week",
                  "monthRange": "month"}

_GROUPED = {"accountId": S, "appId": I, "numEvents": I, "numMinutes": I, "remoteIp": S,
            "server": S, "userAgent": S, "visitorId": S}
_GUIDE_EVENT = {"accountId": S, "accountIds": pl.List(S), "appId": I, "browserTime": I,
                "country": S, "elementPath": S, "eventId": S, "guideId": S, "guideStepId": S,
                "latitude": F, "longitude": F, "region": S, "remoteIp": S, "serverName": S,
                "type": S, "userAgent": S, "visitorId": S}
_GUIDES_SEEN = {"firstSeenAt": I, "guideId": S, "guideStepId": S, "lastAdvancedAutoAt": I,
                "lastDismissedAutoAt": I, "lastNotSeenAt": I, "lastSeenAt": I, "lastState": S,
                "lastTimeoutAt": I, "seenCount": I, "visitorId": S}
_POLLS_SEEN = {"accountId": S, "guideId": S, "pollId": S, "time": I, "visitorId": S}
_VISITOR_AUTO = {"accountid": S, "accountids": pl.List(S), "firstvisit": I, "id": S,
                 "idhash": I, "lastbrowsername": S, "lastbrowserversion": S,
                 "lastoperatingsystem": S, "lastservername": S, "lastupdated": I,
                 "lastuseragent": S, "lastvisit": I, "nid": I}
_ACCOUNT_AUTO = {"firstvisit": I, "id": S, "idhash": I, "lastupdated": I, "lastvisit": I}
_TAGGED = {"appId": I, "createdAt": I, "id": S, "kind": S, "lastUpdatedAt": I, "name": S}

#: Source name -> the columns every row of it has, with their dtypes as read from JSON.
SOURCE_COLUMNS: dict[str, dict[str, pl.DataType]] = {
    "events": {**_GROUPED, "pageId": S},
    "pageEvents": {**_GROUPED, "pageId": S, "parameters": pl.Struct({"parameter": S})},
    "featureEvents": {**_GROUPED, "featureId": S},
    "trackEvents": {**_GROUPED, "trackTypeId": S},
    "guideEvents": {**_GUIDE_EVENT, "guideSeenReason": S, "loadTime": I, "pollId": S,
                    "uiElementId": S, "uiElementText": S, "uiElementType": S, "url": S},
    "pollEvents": {**_GUIDE_EVENT, "guideTimestamp": I, "pollId": S},
    "guidesSeen": _GUIDES_SEEN,
    "guidesSeenEver": _GUIDES_SEEN,
    "pollsSeen": _POLLS_SEEN,
    "pollsSeenEver": _POLLS_SEEN,
    "visitors": {"visitorId": S, "metadata": pl.Struct({"auto": pl.Struct(_VISITOR_AUTO)})},
    "accounts": {"accountId": S, "metadata": pl.Struct({"auto": pl.Struct(_ACCOUNT_AUTO)})},
    "pages": _TAGGED,
    "features": _TAGGED,
    "trackTypes": _TAGGED,
    "guides": {**_TAGGED, "state": S},
}
_GROUPED_SOURCES = ("events", "pageEvents", "featureEvents", "trackEvents")


def known_schema(stages: list[Any]) -> pl.Schema | None:
    """The columns of the rows ``stages`` give, when they are known (see the module doc).

    Example:
        >>> list(known_schema([{"source": {"pollsSeenEver": None}}, {"limit": 3}]))
        ['accountId', 'guideId', 'pollId', 'time', 'visitorId']
    """
    source = stages[0].get("source") if stages and isinstance(stages[0], dict) else None
    if not isinstance(source, dict):
        return None
    names = [key for key in source if key != "timeSeries"]
    if len(names) != 1 or names[0] not in SOURCE_COLUMNS:
        return None
    if any(not isinstance(s, dict) or not set(s) <= KEEPS_COLUMNS for s in stages[1:]):
        return None
    columns = dict(SOURCE_COLUMNS[names[0]])
    series = source.get("timeSeries")
    period = series.get("period") if isinstance(series, dict) else None
    if names[0] in _GROUPED_SOURCES and period in PERIOD_COLUMNS:
        columns[PERIOD_COLUMNS[period]] = I
    return pl.Schema(sorted(columns.items()))


def conform(frame: pl.DataFrame, schema: pl.Schema | None) -> pl.DataFrame:
    """``frame`` with every known column: a missing one added as nulls (an empty result has
    none, and Pendo leaves out fields such as ``parameters`` that no row has), and an all-null
    one given its known dtype.

    Example:
        >>> conform(pl.DataFrame(), pl.Schema({"id": pl.String})).schema
        Schema([('id', String)])
        >>> conform(pl.DataFrame({"id": [None]}), pl.Schema({"id": pl.String, "n": pl.Int64})).schema
        Schema([('id', String), ('n', Int64)])
    """
    if schema is None:
        return frame
    if frame.width == 0:
        return pl.DataFrame(schema=schema)
    casts = {name: schema[name] for name, dtype in frame.schema.items()
             if dtype == pl.Null and name in schema}
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in schema.items()
               if name not in frame.schema]
    return frame.cast(casts).with_columns(missing)
