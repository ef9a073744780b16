"""The sandbox's object tables built from the catalogue: apps, groups, pages, features, track
types, guides (with steps, polls and conversion goals), exclude-list rules and reports.

These depend on the clock only (creation dates count back from ``now``), never on the seed.

Example:
    >>> tables = object_tables(1_700_000_000_000)
    >>> tables["pages"].filter(pl.col("name") == "Dashboard")["rules"][0][0]["rule"]
    '//*/dashboard'
"""

from __future__ import annotations

import itertools

import polars as pl

from ._synth_catalog import (
    APPS,
    DEFAULT_APP_ID,
    FEATURES,
    GUIDE_CATEGORIES,
    GUIDES,
    LAUNCHED_DAYS_AGO,
    PAGES,
    PRODUCT_AREAS,
    TRACK_TYPES,
    object_id,
)
from ._synth_rules import page_rule_regex
from ._synth_util import DAY_MS, MINUTE_MS, object_fields

__all__ = ["GROUP_DTYPE", "guide_ids", "object_tables", "poll_response_id"]

GROUP_DTYPE = pl.Struct({"color": pl.String, "description": pl.String, "id": pl.String,
                         "name": pl.String})
_USER = pl.Struct({"first": pl.String, "id": pl.String, "last": pl.String, "role": pl.Int64,
                   "username": pl.String})
_POLL = pl.Struct({
    "attributes": pl.Struct({"type": pl.String}),
    "id": pl.String,
    "idResponses": pl.List(pl.Struct({"id": pl.String, "label": pl.String})),
    "numericResponses": pl.List(pl.Int64),
    "question": pl.String,
    "resetAt": pl.Int64,
})
_STEP = pl.Struct({
    "advanceMethod": pl.String, "contentType": pl.String, "elementPathRule": pl.String,
    "guideId": pl.String, "id": pl.String, "lastUpdatedAt": pl.Int64, "name": pl.String,
    "pollIds": pl.List(pl.String), "rank": pl.Int64, "type": pl.String,
})
_GUIDE_SCHEMA = {
    "conversion": pl.Struct({"itemId": pl.String, "itemType": pl.String}),
    "polls": pl.List(_POLL), "steps": pl.List(_STEP), "publishedAt": pl.Int64,
    "showsAfter": pl.Int64, "expiresAfter": pl.Int64, "resetAt": pl.Int64,
    "currentFirstEligibleToBeSeenAt": pl.Int64,
}


def object_tables(now_ms: int) -> dict[str, pl.DataFrame]:
    """apps, groups, pages, features, track_types, guides, exclude_rules, reports at ``now_ms``.

    Example:
        >>> sorted(object_tables(0))[:3]
        ['apps', 'exclude_rules', 'features']
    """
    day0 = now_ms - now_ms % MINUTE_MS
    groups = _groups(day0)
    by_name = {row["name"]: {k: row[k] for k in ("color", "description", "id", "name")}
               for row in groups.iter_rows(named=True)}
    return {
        "apps": pl.DataFrame([{"id": a.id, "name": a.name, "platform": a.platform,
                               "createdAt": day0 - 900 * DAY_MS} for a in APPS]),
        "groups": groups,
        "pages": _tagged(day0, "Page", PAGES, by_name,
                         lambda p: {"rules": [{"rule": p.rule,
                                               "parsedRule": page_rule_regex(p.rule)}]}),
        "features": _tagged(day0, "Feature", FEATURES, by_name,
                            lambda f: {"elementPathRules": [f.rule]}),
        "track_types": _tagged(day0, "TrackType", TRACK_TYPES, by_name,
                               lambda t: {"trackTypeName": t.name,
                                          "eventPropertyNameList": sorted(t.properties)}),
        "guides": _guides(day0, by_name),
        "exclude_rules": _exclude_rules(day0),
        "reports": _reports(day0),
    }


def _groups(now_ms: int) -> pl.DataFrame:
    rows = [
        {**object_fields("Group", object_id("group", name), now_ms - (500 - 7 * i) * DAY_MS,
                         now_ms - (40 - i) * DAY_MS, i),
         "name": name, "color": color, "description": description, "groupType": group_type}
        for i, (group_type, (name, color, description)) in enumerate(itertools.chain(
            (("group", area) for area in PRODUCT_AREAS),
            (("guideCategory", category) for category in GUIDE_CATEGORIES)))
    ]
    return pl.DataFrame(rows, schema_overrides={"createdByUser": _USER, "lastUpdatedByUser": _USER})


def _tagged(now_ms: int, kind: str, catalogue, groups: dict, extra) -> pl.DataFrame:
    """Pages, features or track types: shared attributes plus the kind's own (``extra``)."""
    rows = []
    for i, item in enumerate(catalogue):
        launched = _launch_ms(now_ms, item.name)
        created = launched or now_ms - (420 - 3 * i) * DAY_MS
        rows.append({
            **object_fields(kind, object_id(kind.lower(), item.name), created,
                            max(created, now_ms - (60 - 2 * i) * DAY_MS), i),
            "name": item.name, "appId": item.app, "group": groups[item.area],
            "isCoreEvent": getattr(item, "core", False), **extra(item),
        })
    return pl.DataFrame(rows, schema_overrides={"group": GROUP_DTYPE, "createdByUser": _USER,
                                                "lastUpdatedByUser": _USER})


def _launch_ms(now_ms: int, name: str) -> int | None:
    """Objects of something launched during the log are created at its launch."""
    days = LAUNCHED_DAYS_AGO.get(name)
    return None if days is None else now_ms - days * DAY_MS


def guide_ids(name: str) -> tuple[str, list[str], list[str]]:
    """A catalogue guide's id, its step ids and its poll ids.

    Example:
        >>> gid, steps, polls = guide_ids("NPS survey")
        >>> len(steps), len(polls)
        (1, 2)
    """
    guide = next(g for g in GUIDES if g.name == name)
    return (object_id("guide", name),
            [object_id("guideStep", f"{name}:{i}") for i in range(guide.steps)],
            [object_id("poll", f"{name}:{i}") for i in range(len(guide.polls))])


def poll_response_id(guide: str, question: str, label: str) -> str:
    """The id of a pick-list or yes/no choice (what ``pollResponse`` holds for those polls).

    Example:
        >>> len(poll_response_id("g", "q", "Yes"))
        12
    """
    return object_id("pollResponse", f"{guide}:{question}:{label}")[:12]


def _guides(now_ms: int, groups: dict) -> pl.DataFrame:
    rows = []
    for i, guide in enumerate(GUIDES):
        gid, step_ids, poll_ids = guide_ids(guide.name)
        published = None if guide.published_days_ago is None else \
            now_ms - guide.published_days_ago * DAY_MS
        created = (published or now_ms - 10 * DAY_MS) - 5 * DAY_MS
        polls = [{
            "attributes": {"type": poll.type}, "id": pid,
            "idResponses": [{"id": poll_response_id(guide.name, poll.question, label),
                             "label": label} for label in poll.responses],
            "numericResponses": list(range(11)) if poll.type == "NumberScale" else [],
            "question": poll.question, "resetAt": None,
        } for pid, poll in zip(poll_ids, guide.polls)]
        steps = [{
            "advanceMethod": "button", "contentType": "text/html",
            "elementPathRule": "" if s == 0 else "#nav-reports", "guideId": gid, "id": sid,
            "lastUpdatedAt": created, "name": f"Step {s + 1}",
            "pollIds": poll_ids if s == guide.steps - 1 else [], "rank": 5_000_000 * (s + 1),
            "type": "lightbox" if s == 0 else "tooltip",
        } for s, sid in enumerate(step_ids)]
        conversion = None if guide.conversion is None else {
            "itemId": object_id("feature", guide.conversion), "itemType": "Feature"}
        rows.append({
            **object_fields("Guide", gid, created, published or created, i),
            "name": guide.name, "appId": guide.app, "state": guide.state,
            "launchMethod": "auto", "isMultiStep": guide.steps > 1,
            "group": groups[guide.category], "authoredLanguage": "en-US",
            "attributes": {"device": {"desktop": guide.app < 0, "mobile": guide.app > 0},
                           "email": guide.name == "NPS survey",
                           "isAnnouncement": guide.category == "Announcements",
                           "overrideAutoThrottling": False, "priority": i,
                           "type": "building-block"},
            "conversion": conversion, "steps": steps, "polls": polls,
            "publishedAt": published, "showsAfter": published, "expiresAfter": None,
            "resetAt": None, "currentFirstEligibleToBeSeenAt": published or 0,
        })
    return pl.DataFrame(rows, schema_overrides={**_GUIDE_SCHEMA, "group": GROUP_DTYPE,
                                                "createdByUser": _USER, "lastUpdatedByUser": _USER})


def _exclude_rules(now_ms: int) -> pl.DataFrame:
    rules = [("visitorId", "qa-bot-1"), ("accountId", "acme-internal"), ("remoteIp", "203.0.113.*")]
    return pl.DataFrame([{"id": object_id("excludeRule", value), "kind": kind, "value": value,
                          "createdAt": now_ms - (200 - 30 * i) * DAY_MS}
                         for i, (kind, value) in enumerate(rules)])


def _reports(now_ms: int) -> pl.DataFrame:
    specs = [
        ("Power users (30 days)", "visitorList", "List", "visitor",
         ["visitorId", "metadata.agent.email", "metadata.auto.lastvisit", "numEvents"]),
        ("Accounts by plan", "accountList", "List", "account",
         ["accountId", "metadata.agent.name", "metadata.custom.planlevel", "numEvents"]),
        ("Onboarding funnel", "", "Funnel", "visitor", []),
    ]
    rows = [{
        **object_fields("Report", object_id("report", name), now_ms - (150 - 20 * i) * DAY_MS,
                        now_ms - (10 + i) * DAY_MS, i),
        "name": name, "shared": True,
        "definition": {"generator": generator, "type": type_, "kind": kind,
                       "config": {"columns": columns, "appId": DEFAULT_APP_ID, "segmentId": None},
                       "timeSeries": {"period": "dayRange", "first": "now()", "count": -30}},
    } for i, (name, generator, type_, kind, columns) in enumerate(specs)]
    return pl.DataFrame(rows, schema_overrides={
        "createdByUser": _USER, "lastUpdatedByUser": _USER,
        "definition": pl.Struct({
            "generator": pl.String, "type": pl.String, "kind": pl.String,
            "config": pl.Struct({"columns": pl.List(pl.String), "appId": pl.Int64,
                                 "segmentId": pl.String}),
            "timeSeries": pl.Struct({"period": pl.String, "first": pl.String,
                                     "count": pl.Int64})})})
