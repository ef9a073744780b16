"""What Pendo's aggregation language offers: sources, time periods, aggregators, PES stages.

One table each, read by both the builder (:class:`~pendo_lab.pipeline.Pipeline`) and
:func:`~pendo_lab.pipeline.validate`. Facts come from Pendo's API reference ("Metadata and
object sources", "Events sources", "Listen sources", "Field aggregators", "PES"); parameters
seen only in Pendo's published examples or in public clients say so in their comment.

Example:
    >>> SOURCES["pageEvents"].time_series, SOURCES["pageEvents"].hour_ids
    (True, ('pageId', 'pageIds'))
    >>> SOURCES["guidesSeenEver"].time_series
    False
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from ._schema import (
    AppIds,
    Boolean,
    Choice,
    Expression,
    Integer,
    ListOf,
    OneKey,
    OrNull,
    Record,
    Text,
    TimeValue,
    Type,
)

#: ``timeSeries.period``: the ``*Range`` periods cover the whole range at once; ``daily``,
#: ``weekly`` and ``monthly`` run the pipeline once per period.
PERIODS = ("hourRange", "dayRange", "weekRange", "monthRange", "daily", "weekly", "monthly")

BLACKLIST = Choice("apply", "ignore", "only")

TIME_SERIES = Record(
    {"period": Choice(*PERIODS), "first": TimeValue(), "last": TimeValue(), "count": Integer()},
    required=("period", "first"), one_of=("last", "count"),
)


@dataclass(frozen=True)
class Source:
    """One source: its parameters, whether it needs a ``timeSeries``, and which id parameter
    an ``hourRange`` needs (``hour_ids``; one of them must be given).

    Example:
        >>> source = SOURCES["pageEvents"]
        >>> source.summary
        'page loads of tagged pages, grouped'
        >>> sorted(source.params.fields)
        ['appId', 'blacklist', 'pageId', 'pageIds']
    """

    name: str
    summary: str
    params: Record
    time_series: bool
    hour_ids: tuple[str, ...] = ()


def _source(name: str, summary: str, params: dict[str, Type], *, time_series: bool = False,
            app_id: bool = True, exclusive: tuple[tuple[str, str], ...] = (),
            requires: dict[str, str] | None = None, hour_ids: tuple[str, ...] = ()) -> Source:
    # Every source takes blacklist ("By default, all aggregation sources apply the blacklist").
    common: dict[str, Type] = {"blacklist": BLACKLIST}
    if app_id:
        common["appId"] = AppIds()
    record = Record({**common, **params}, exclusive=exclusive, requires=requires,
                    label="parameter")
    return Source(name, summary, record, time_series, hour_ids)


def _tagged(name: str, kind: str, summary: str, *, time_series: bool) -> Source:
    """pages/features/trackTypes and their event sources: an id, or on events a list of ids."""
    one, many = f"{kind}Id", f"{kind}Ids"
    params: dict[str, Type] = {one: Text()}
    exclusive = ((one, "appId"),)
    if time_series:
        params[many] = ListOf(Text(), min_items=1)
        exclusive += ((many, "appId"), (one, many))
    return _source(name, summary, params, time_series=time_series, exclusive=exclusive,
                   hour_ids=(one, many) if time_series else ())


def _in_guide(name: str, summary: str, inner: str, *, time_series: bool = False) -> Source:
    """Guide and poll sources: a ``guideId``, and an ``inner`` id (``guideStepId``,
    ``pollId``) that is given only with it."""
    return _source(name, summary, {"guideId": Text(), inner: Text()}, time_series=time_series,
                   requires={inner: "guideId"})


_VISITORS = {
    "since": TimeValue(),  # only visitors last updated since this time
    "identified": Boolean(),  # OBSERVED: sent by singer-io/tap-pendo, not in the reference
}
_EMAIL = {
    "targetType": Choice("campaign", "guide"),
    "targetId": Text(),
    "eventType": Choice("sent", "delivered", "opened", "clicked", "bounced", "unsubscribed",
                        "complaint", "subscribed"),
}

SOURCES: MappingProxyType[str, Source] = MappingProxyType({s.name: s for s in [
    _source("visitors", "one row per visitor ever seen, with metadata", _VISITORS, app_id=False),
    _source("doNotProcessVisitors", "visitors marked doNotProcess", _VISITORS, app_id=False),
    # Parent/child account parameters exist but their names are not in the reference.
    _source("accounts", "one row per account ever seen, with metadata", {}, app_id=False),
    _source("doNotProcessAccounts", "accounts marked doNotProcess", {}, app_id=False),
    _tagged("pages", "page", "one row per tagged page", time_series=False),
    _tagged("features", "feature", "one row per tagged feature", time_series=False),
    _tagged("trackTypes", "trackType", "one row per track type", time_series=False),
    _source("guides", "one row per guide, with steps and polls", {}),
    _source("groups", "one row per product area (or guide category)",
            {"items": Boolean(), "groupType": Text()}, app_id=False),
    # Used by the reference's "Add application name" example; not described on its own.
    _source("apps", "one row per application", {}, app_id=False),
    _source("events", "all events, grouped per visitor, account, day or hour, ...",
            {"eventClass": ListOf(Text())},  # Pendo's ETL example; a platform filter (INFERRED)
            time_series=True),
    _tagged("pageEvents", "page", "page loads of tagged pages, grouped", time_series=True),
    _tagged("featureEvents", "feature", "clicks on tagged features, grouped", time_series=True),
    _tagged("trackEvents", "trackType", "track events, grouped", time_series=True),
    _in_guide("guideEvents", "every guide event", "guideStepId", time_series=True),
    _in_guide("guidesSeen", "visitors whose last view of a guide is in the range", "guideStepId",
              time_series=True),
    _in_guide("guidesSeenEver", "visitors who ever saw a guide", "guideStepId"),
    _in_guide("pollEvents", "every poll response", "pollId", time_series=True),
    _in_guide("pollsSeen", "each visitor's last poll response, if in the range", "pollId",
              time_series=True),
    _in_guide("pollsSeenEver", "each visitor's last poll response ever", "pollId"),
    _source("emailEvents", "every email event sent by Pendo", _EMAIL, time_series=True,
            requires={"targetId": "targetType"}),
    _source("vocItems", "Listen feedback items and ideas", {}, app_id=False),
    _source("votes", "votes on Listen ideas", {}, app_id=False),
]})

#: Field aggregators of ``group`` and ``reduce`` and the argument each takes.
AGGREGATORS: MappingProxyType[str, Type] = MappingProxyType({
    **dict.fromkeys(["avg", "first", "list", "max", "mean", "median", "min", "sum"], Expression()),
    "count": OrNull(Expression()),  # null: rows; a field: its distinct values
    "countIf": Record({"count": OrNull(Expression()), "if": Expression()}, required=("if",)),
})

AGGREGATION = OneKey(AGGREGATORS, "aggregator")

_USER_BASE = {"userBase": Choice("visitors", "accounts")}  # "accounts" INFERRED
_STICKINESS = Record({**_USER_BASE, "numerator": Choice("daily", "weekly"),
                      "denominator": Choice("weekly", "monthly"), "excludeWeekends": Boolean()})
_ADOPTION = Record({
    **_USER_BASE,
    "productAreaIds": ListOf(Text()),
    "events": ListOf(Record({"kind": Choice("feature", "trackEvent", "page"), "id": Text()},
                            required=("kind", "id"))),
})
_GROWTH = Record(_USER_BASE)
_CONFIGS = {
    "pes": Record({"stickiness": _STICKINESS, "adoption": _ADOPTION, "growth": _GROWTH}),
    "adoption": _ADOPTION,
    "growth": _GROWTH,
    "stickiness": _STICKINESS,
}


def _score(kind: str) -> Record:
    return Record({
        "appId": AppIds(), "account": Text(), "firstDay": TimeValue(), "lastDay": TimeValue(),
        "dayCount": Integer(), "groupBy": Text(), "identified": Text(), "blacklist": BLACKLIST,
        "segment": Record({"id": Text()}, required=("id",)), "config": _CONFIGS[kind],
    }, required=("firstDay",), one_of=("lastDay", "dayCount"), label="parameter")


#: The Product Engagement Score stages, which stand in place of a source.
SCORES: MappingProxyType[str, Record] = MappingProxyType({kind: _score(kind) for kind in _CONFIGS})
