"""Every aggregation source of the reference, derived from the sandbox's raw tables.

:class:`SourceResolver` is the engine's ``resolve_source``: given a parsed source stage (name,
parameters, time window, path) it returns the source's rows as a Polars LazyFrame, shaped as
Pendo sends them (field names as in Pendo's samples, columns in alphabetical order):

* grouped event sources (``events``, ``pageEvents``, ``featureEvents``, ``trackEvents``): one
  row per visitor, account, app, period (``hour``/``day``/``week``/``month``, the local start
  of the period in epoch ms), server, IP, user agent and object, with ``numEvents`` (events in
  the group) and ``numMinutes`` (distinct minutes holding one of them). Pages and features are
  matched to raw URLs and element paths by their rules at query time, so one event counts in
  every page or feature it matches;
* ungrouped event sources (``guideEvents``, ``pollEvents``, ``emailEvents``) and the
  "seen" summaries (``guidesSeen``, ``guidesSeenEver``, ``pollsSeen``, ``pollsSeenEver``);
* object sources (``visitors``, ``accounts``, their ``doNotProcess`` variants, ``apps``,
  ``pages``, ``features``, ``trackTypes``, ``guides``, ``groups``, ``vocItems``, ``votes``),
  which ignore time windows.

Tables are read when a source is asked for, so replacing a table (never mutating one in
place) is seen at once; results are cached per request until a table they read is replaced.

Example:
    >>> from datetime import datetime, timezone
    >>> from types import SimpleNamespace as Spec
    >>> from pendo_lab.sandbox._synth import SandboxConfig, build_tables
    >>> config = SandboxConfig(n_visitors=40, now=datetime(2025, 3, 1, tzinfo=timezone.utc))
    >>> resolve = SourceResolver(build_tables(config), config)
    >>> rows = resolve(Spec(name="pages", params=None, window=None, path="pipeline[0]"))
    >>> "Dashboard" in rows.collect()["name"].to_list()
    True
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from .._exceptions import PipelineError
from .._schemas import PERIOD_COLUMNS
from ..engine import TimeWindow
from ..engine.timeseries import period_start, shift_periods
from ..expr.values import ANONYMOUS_PREFIX
from ._synth_catalog import DEFAULT_APP_ID
from ._synth_rules import element_rule_regex, page_rule_regex
from ._synth_util import MINUTE_MS

__all__ = ["PERIOD_COLUMNS", "SPARSE_FIELDS", "SourceResolver", "period_starts"]

#: Row fields whose nulls (at any depth) mean "absent": Pendo leaves such a field out of a row
#: rather than sending null (its sample page events have no ``parameters``, its sample
#: visitor has only the metadata groups that hold a value).
SPARSE_FIELDS = ("metadata", "parameters", "properties")
#: ``expandAppIds`` filters and the app platforms each selects.
APP_FILTERS = {"*": {"web", "extension", "ios", "android"}, "web": {"web"},
               "extension": {"extension"}, "mobile": {"ios", "android"}, "ios": {"ios"},
               "android": {"android"}}
BLACKLIST_MODES = ("apply", "ignore", "only")
EMAIL_EVENT_TYPES = ("sent", "delivered", "opened", "clicked", "bounced", "unsubscribed",
                     "complaint", "subscribed")
_CACHE_SIZE = 32
_EXPAND = re.compile(r"""expandAppIds\(\s*["'`]([^"'`]*)["'`]\s*\)""")


class SourceResolver:
    """Source spec -> rows, read from ``tables`` (the sandbox's live dict of raw tables).

    ``spec`` needs ``name``, ``params`` (dict or None), ``window`` (with ``start_ms``,
    ``end_ms`` and ``period``, or None) and ``path`` (for error messages).

    Example (an event source without a time window is refused before any table is read):
        >>> from types import SimpleNamespace as Spec
        >>> from pendo_lab.sandbox._synth import SandboxConfig
        >>> resolve = SourceResolver({}, SandboxConfig())
        >>> resolve(Spec(name="pageEvents", params=None, window=None, path="pipeline[0]"))
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.PipelineError: pipeline[0].source: pageEvents needs a timeSeries
    """

    def __init__(self, tables: dict[str, pl.DataFrame], config):
        self.tables = tables
        self.config = config
        self._cache: OrderedDict[tuple, tuple[tuple, pl.DataFrame]] = OrderedDict()

    def __call__(self, spec) -> pl.LazyFrame:
        source = SOURCES.get(spec.name)
        if source is None:
            raise PipelineError(f"unknown source {spec.name!r}; the sources are "
                                f"{', '.join(sorted(SOURCES))}", f"{spec.path}.source")
        request = Request(self.tables, self.config.timezone, spec, source)
        key = (spec.name, json.dumps(request.params, sort_keys=True, default=str),
               request.window and (request.window.start_ms, request.window.end_ms,
                                   request.window.period))
        inputs = tuple(self.tables.get(name) for name in source.tables)
        cached = self._cache.get(key)
        if cached and all(a is b for a, b in zip(cached[0], inputs)):
            self._cache.move_to_end(key)
            return cached[1].lazy()
        rows = source.build(request)
        rows = rows.collect() if isinstance(rows, pl.LazyFrame) else rows
        rows = rows.select(sorted(rows.columns))
        self._cache[key] = (inputs, rows)
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return rows.lazy()


@dataclass(frozen=True)
class Source:
    """How to build one source: the builder, the raw tables it reads, the parameters it takes,
    and whether it needs a time window."""

    build: Callable[[Request], pl.LazyFrame | pl.DataFrame]
    tables: tuple[str, ...]
    params: tuple[str, ...] = ()
    needs_window: bool = False


class Request:
    """One source request: validated parameters and helpers shared by the builders."""

    def __init__(self, tables: dict, timezone: str, spec, source: Source):
        self.tables, self.timezone, self.spec = tables, timezone, spec
        self.params = dict(spec.params or {})
        for name in self.params:
            if name not in source.params:
                takes = ", ".join(source.params) or "no parameters"
                raise PipelineError(f"{spec.name} does not take {name!r}; it takes {takes}",
                                    self.path(name))
        self.window = spec.window if source.needs_window else None
        if source.needs_window and self.window is None:
            if not getattr(spec, "all_time", False):
                raise PipelineError(f"{spec.name} needs a timeSeries", f"{spec.path}.source")
            self.window = _whole_log(tables[source.tables[0]])

    def path(self, param: str | None = None) -> str:
        """The error path of the source, or of one of its parameters."""
        base = f"{self.spec.path}.source.{self.spec.name}"
        return f"{base}.{param}" if param else base

    def table(self, name: str) -> pl.LazyFrame:
        return self.tables[name].lazy()

    def flag(self, name: str) -> bool | None:
        """A boolean parameter (None when absent)."""
        value = self.params.get(name)
        if value is not None and not isinstance(value, bool):
            raise PipelineError(f"{name} must be true or false, got {value!r}", self.path(name))
        return value

    def ids(self, one: str, many: str | None = None) -> list[str] | None:
        """The ids named by ``one`` (a string) and/or ``many`` (a list), or None for all."""
        chosen = []
        for name in (one, many):
            value = self.params.get(name) if name else None
            if value is None:
                continue
            values = value if isinstance(value, list) else [value]
            wrong_shape = name == one and isinstance(value, list)
            if wrong_shape or not all(isinstance(v, str) for v in values):
                kind = "a list of id strings" if name == many else "an id string"
                raise PipelineError(f"{name} must be {kind}, got {value!r}", self.path(name))
            chosen += values
        return chosen or None

    def requires(self, param: str, needed: str) -> None:
        """Refuse ``param`` without ``needed`` (e.g. guideStepId without guideId)."""
        if param in self.params and needed not in self.params:
            raise PipelineError(f"{param} needs {needed} as well", self.path(param))

    def app_ids(self) -> list[int]:
        """The apps the ``appId`` parameter selects (the default app when it is absent)."""
        value = self.params.get("appId")
        apps = self.tables["apps"]
        known = dict(zip(apps["id"].to_list(), apps["platform"].to_list()))
        if value is None:
            return [DEFAULT_APP_ID]
        if isinstance(value, str) and (match := _EXPAND.fullmatch(value.strip())):
            filters = match.group(1).split("|")
            unknown = [f for f in filters if f not in APP_FILTERS]
            if unknown:
                raise PipelineError(f"unknown expandAppIds filter {unknown[0]!r}; use "
                                    f"{', '.join(APP_FILTERS)} (several joined by '|')",
                                    self.path("appId"))
            platforms = set().union(*(APP_FILTERS[f] for f in filters))
            return [app for app, platform in known.items() if platform in platforms]
        values = value if isinstance(value, list) else [value]
        try:
            ids = [int(v) for v in values if not isinstance(v, bool)]
        except (TypeError, ValueError):
            ids = []
        if len(ids) != len(values) or not ids:
            raise PipelineError(f"appId must be an app id, a list of them or "
                                f"'expandAppIds(\"*\")', got {value!r}", self.path("appId"))
        missing = [i for i in ids if i not in known]
        if missing:
            raise PipelineError(f"unknown appId {missing[0]}; this subscription's apps are "
                                f"{', '.join(map(str, known))}", self.path("appId"))
        return ids

    def events(self, name: str, ids: list[str] | None = None, *,
               in_window: bool = True) -> pl.LazyFrame:
        """Rows of an event table (in the window unless ``in_window`` is false), for the
        selected apps (unless specific objects were named), without do-not-process visitors
        and accounts, and with the exclude list applied as the ``blacklist`` parameter says."""
        rows = self.table(name)
        if in_window and self.window is not None:
            rows = rows.filter(pl.col("browserTime").is_between(
                self.window.start_ms, self.window.end_ms, closed="left"))
        if ids is None or "appId" in self.params:
            rows = rows.filter(pl.col("appId").is_in(self.app_ids()))
        visitors = marked_do_not_process(self.tables["visitors"])["visitorId"].to_list()
        accounts = marked_do_not_process(self.tables["accounts"])["accountId"].to_list()
        rows = rows.filter(~pl.col("visitorId").is_in(visitors)
                           & ~pl.col("accountId").is_in(accounts))
        return self.blacklist(rows, rows.collect_schema().names())

    def blacklist(self, rows: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
        """Apply the exclude list: drop matching rows (apply), keep them all (ignore) or keep
        only them (only). Rules match visitorId, accountId, remoteIp or server(Name) values;
        ``*`` in a rule value is a wildcard."""
        mode = self.params.get("blacklist", "apply")
        if mode not in BLACKLIST_MODES:
            raise PipelineError(f"blacklist must be one of {', '.join(BLACKLIST_MODES)}, got "
                                f"{mode!r}", self.path("blacklist"))
        if mode == "ignore":
            return rows
        excluded = _excluded(self.tables["exclude_rules"], columns)
        return rows.filter(excluded if mode == "only" else ~excluded)

    def period(self) -> pl.Expr:
        """The start of each row's period (named hour/day/week/month) in the window."""
        starts = pl.Series(period_starts(self.window.start_ms, self.window.end_ms,
                                         self.window.period, self.timezone), dtype=pl.Int64)
        index = pl.lit(starts).search_sorted(pl.col("browserTime"), side="right") - 1
        return pl.lit(starts).gather(index).alias(PERIOD_COLUMNS[self.window.period])


def period_starts(start_ms: int, end_ms: int, period: str, timezone: str) -> list[int]:
    """The starts of the periods that meet ``[start_ms, end_ms)``, in local time: top of the
    hour, midnight, Sunday midnight or midnight of the 1st. A DST change makes a 23- or
    25-hour day.

    Example:
        >>> day = 86_400_000
        >>> starts = period_starts(1710046800000, 1710046800000 + 2 * day, "dayRange",
        ...                        "America/New_York")            # from Sun 10 Mar 2024
        >>> (starts[1] - starts[0]) / 3_600_000                    # a 23-hour day
        23.0
    """
    if period not in PERIOD_COLUMNS:
        raise ValueError(f"unknown period {period!r}; use one of {', '.join(PERIOD_COLUMNS)}")
    starts = []
    ms = period_start(start_ms, period, timezone)
    while ms < end_ms:
        starts.append(ms)
        ms = shift_periods(ms, period, 1, timezone)
    return starts


def _whole_log(events: pl.DataFrame) -> TimeWindow:
    """A day-by-day window over every row of an event table (for all-time lookups)."""
    times = events["browserTime"]
    first = times.min() if times.len() else 0
    return TimeWindow(first, (times.max() if times.len() else first) + 1, "dayRange")


def marked_do_not_process(table: pl.DataFrame) -> pl.DataFrame:
    """The rows of a visitors or accounts table marked do-not-process (a null mark is not).

    Example:
        >>> table = pl.DataFrame({"visitorId": ["a", "b", "c"],
        ...                       "pendo.donotprocess": [True, None, False]})
        >>> marked_do_not_process(table)["visitorId"].to_list()
        ['a']
    """
    return table.filter(pl.col("pendo.donotprocess").fill_null(False))


_RULE_COLUMNS = {"visitorId": ("visitorId",), "accountId": ("accountId",),
                 "remoteIp": ("remoteIp",), "server": ("server", "serverName")}


def _excluded(rules: pl.DataFrame, columns: list[str]) -> pl.Expr:
    """Whether a row matches any exclude-list rule that applies to its columns."""
    tests = [pl.lit(False)]
    for kind, value in rules.select("kind", "value").iter_rows():
        for column in _RULE_COLUMNS.get(kind, ()):
            if column not in columns:
                continue
            if "*" in value:
                pattern = "^" + ".*".join(re.escape(part) for part in value.split("*")) + "$"
                tests.append(pl.col(column).str.contains(pattern))
            else:
                tests.append(pl.col(column) == value)
    return pl.any_horizontal(tests).fill_null(False)


# --- grouped event sources -------------------------------------------------------------------

_GROUP_KEYS = ["visitorId", "accountId", "appId", "server", "remoteIp", "userAgent"]
_HOUR_NEEDS_ID = {"pageEvents": "pageId", "featureEvents": "featureId",
                  "trackEvents": "trackTypeId"}


def _grouped(rows: pl.LazyFrame, request: Request, extra: list[str]) -> pl.LazyFrame:
    """Group event rows per visitor, account, app, period, server, IP, agent and ``extra``."""
    keys = _GROUP_KEYS + [PERIOD_COLUMNS[request.window.period]] + extra
    return (rows.with_columns(request.period())
            .group_by(keys)
            .agg(numEvents=pl.len(), numMinutes=(pl.col("browserTime") // MINUTE_MS).n_unique())
            .sort(keys, nulls_last=True))


def _check_hour(request: Request, ids: list[str] | None) -> None:
    one = _HOUR_NEEDS_ID[request.spec.name]
    if request.window.period == "hourRange" and not ids:
        raise PipelineError(f"{request.spec.name} with hourRange needs {one} (or {one}s)",
                            request.path())


def all_events(request: Request) -> pl.LazyFrame:
    """``events``: page loads and clicks of the selected apps (track events are not counted,
    as with Pendo's "count track events as time" setting off); ``pageId`` is ``allevents``
    (``allevents-<appId>`` for other apps than the default). ``eventClass`` keeps the apps of
    the named platforms (web, ios, android, extension)."""
    rows = request.events("events").filter(pl.col("type") != "track")
    classes = request.params.get("eventClass")
    if classes is not None:
        if not isinstance(classes, list) or not all(c in APP_FILTERS["*"] for c in classes):
            platforms = ", ".join(sorted(APP_FILTERS["*"]))
            raise PipelineError(f"eventClass must be a list of {platforms}, got {classes!r}",
                                request.path("eventClass"))
        apps = request.tables["apps"].filter(pl.col("platform").is_in(classes))["id"].to_list()
        rows = rows.filter(pl.col("appId").is_in(apps))
    page_id = pl.when(pl.col("appId") == DEFAULT_APP_ID).then(pl.lit("allevents")).otherwise(
        pl.format("allevents-{}", pl.col("appId")))
    return _grouped(rows.with_columns(pageId=page_id), request, ["pageId"])


def page_events(request: Request) -> pl.LazyFrame:
    """``pageEvents``: page loads per tagged page they match (``parameters.parameter`` holds
    the URL segment a ``*parameter*`` rule captured, else ``parameters`` is null)."""
    ids = request.ids("pageId", "pageIds")
    _check_hour(request, ids)
    rows = request.events("events", ids).filter(pl.col("type") == "page").collect()
    matches = page_matches(rows["url"].unique(), _objects(request.tables["pages"], ids))
    rows = rows.lazy().join(matches.lazy(), on="url").with_columns(
        parameters=pl.when(pl.col("parameter").is_not_null()).then(pl.struct("parameter")))
    return _grouped(rows, request, ["pageId", "parameters"])


def feature_events(request: Request) -> pl.LazyFrame:
    """``featureEvents``: clicks per tagged feature whose element rule they match."""
    ids = request.ids("featureId", "featureIds")
    _check_hour(request, ids)
    rows = request.events("events", ids).filter(pl.col("type") == "feature").collect()
    matches = feature_matches(rows["elementPath"].unique(),
                              _objects(request.tables["features"], ids))
    return _grouped(rows.lazy().join(matches.lazy(), on="elementPath"), request, ["featureId"])


def track_events(request: Request) -> pl.LazyFrame:
    """``trackEvents``: track events per track type and ``properties`` object; server-side
    ones have server ``apitrackevent``."""
    ids = request.ids("trackTypeId", "trackTypeIds")
    _check_hour(request, ids)
    rows = request.events("events", ids).filter(pl.col("type") == "track")
    if ids:
        rows = rows.filter(pl.col("trackTypeId").is_in(ids))
    return _grouped(rows, request, ["trackTypeId", "properties"])


def _objects(table: pl.DataFrame, ids: list[str] | None) -> pl.DataFrame:
    return table if ids is None else table.filter(pl.col("id").is_in(ids))


def page_matches(urls: pl.Series, pages: pl.DataFrame) -> pl.DataFrame:
    """(url, pageId, parameter) for every page whose rules match each distinct URL.

    Example:
        >>> pages = pl.DataFrame({"id": ["reports"],
        ...                       "rules": [[{"rule": "//*/reports/*parameter*"}]]})
        >>> urls = pl.Series(["https://h/reports/r-17", "https://h/home"])
        >>> page_matches(urls, pages).rows()
        [('https://h/reports/r-17', 'reports', 'r-17')]
    """
    found = []
    for page_id, rules in pages.select("id", "rules").iter_rows():
        for rule in rules:
            pattern = page_rule_regex(rule["rule"])
            hits = urls.filter(urls.str.contains(pattern))
            found.append(pl.DataFrame({"url": hits, "pageId": page_id,
                                       "parameter": hits.str.extract(pattern, 1)},
                                      schema_overrides={"pageId": pl.String}))
    return _first_match(found, ["url", "pageId"], {"url": pl.String, "pageId": pl.String,
                                                   "parameter": pl.String})


def feature_matches(paths: pl.Series, features: pl.DataFrame) -> pl.DataFrame:
    """(elementPath, featureId) for every feature whose rules match each distinct path.

    Example:
        >>> features = pl.DataFrame({"id": ["export"], "elementPathRules": [["#export-pdf"]]})
        >>> paths = pl.Series(["main > button#export-pdf", "main > button#save"])
        >>> feature_matches(paths, features).rows()
        [('main > button#export-pdf', 'export')]
    """
    found = []
    for feature_id, rules in features.select("id", "elementPathRules").iter_rows():
        for rule in rules:
            hits = paths.filter(paths.str.contains(element_rule_regex(rule)))
            found.append(pl.DataFrame({"elementPath": hits, "featureId": feature_id},
                                      schema_overrides={"featureId": pl.String}))
    return _first_match(found, ["elementPath", "featureId"],
                        {"elementPath": pl.String, "featureId": pl.String})


def _first_match(found: list[pl.DataFrame], key: list[str], schema: dict) -> pl.DataFrame:
    """One row per (value, object) even when several of the object's rules match."""
    typed = pl.concat([pl.DataFrame(schema=schema), *found], how="vertical_relaxed")
    return typed.unique(key, keep="first", maintain_order=True)


# --- ungrouped event sources and "seen" summaries --------------------------------------------

def guide_events(request: Request) -> pl.LazyFrame:
    """``guideEvents``: every guide event, optionally of one guide (and step)."""
    return _guide_rows(request, "guide_events").sort("browserTime", "visitorId",
                                                     maintain_order=True)


def _guide_rows(request: Request, table: str, *, in_window: bool = True) -> pl.LazyFrame:
    """Guide or poll events, optionally of one guide, step or poll."""
    request.requires("guideStepId", "guideId")
    request.requires("pollId", "guideId")
    rows = request.events(table, in_window=in_window)
    for param in ("guideId", "guideStepId", "pollId"):
        if param in request.params:
            rows = rows.filter(pl.col(param) == request.ids(param)[0])
    return rows


def guides_seen(request: Request) -> pl.LazyFrame:
    """``guidesSeen`` / ``guidesSeenEver``: per visitor and guide step, when they first and
    last saw it and last advanced, dismissed or timed out (``lastState`` is the latest of
    those), counted since the last reset (``guide_resets``, ``guides.resetAt``). With a time
    window, only visitors whose last view falls in it."""
    rows = _after_resets(_guide_rows(request, "guide_events", in_window=False), request)
    at = {kind: pl.col("browserTime").filter(pl.col("type") == kind)
          for kind in ("guideSeen", "guideAdvanced", "guideDismissed", "guideTimeout")}
    states = pl.col("type").replace_strict(
        {"guideSeen": "active", "guideAdvanced": "advanced", "guideDismissed": "dismissed",
         "guideTimeout": "timeout"}, default=None)
    seen = (rows.sort("browserTime")
            .group_by("visitorId", "guideId", "guideStepId")
            .agg(firstSeenAt=at["guideSeen"].min(), lastSeenAt=at["guideSeen"].max(),
                 lastAdvancedAutoAt=at["guideAdvanced"].max(),
                 lastDismissedAutoAt=at["guideDismissed"].max(),
                 lastTimeoutAt=at["guideTimeout"].max(),
                 lastState=states.drop_nulls().last(),
                 seenCount=at["guideSeen"].len())
            .filter(pl.col("seenCount") > 0)
            .with_columns(lastNotSeenAt=pl.lit(None, pl.Int64)))
    return _last_in_window(seen, request, "lastSeenAt").sort("visitorId", "guideId", "guideStepId")


def _after_resets(rows: pl.LazyFrame, request: Request) -> pl.LazyFrame:
    """Keep guide events after the latest reset that applies to them: a reset names a
    visitor, a guide, or both (null meaning all), and guides carry their own ``resetAt``."""
    resets = request.table("guide_resets").select("visitorId", "guideId", "resetAt")
    guides = request.table("guides").select(guideId="id", resetAt="resetAt",
                                            visitorId=pl.lit(None, pl.String))
    resets = pl.concat([resets, guides.select(resets.collect_schema().names())])
    columns = []
    for by in (["visitorId", "guideId"], ["visitorId"], ["guideId"], []):
        name = f"reset_{len(columns)}"
        scope = resets.filter(*[pl.col(c).is_not_null() for c in by],
                              *[pl.col(c).is_null() for c in {"visitorId", "guideId"} - set(by)])
        if by:
            rows = rows.join(scope.group_by(by).agg(pl.col("resetAt").max().alias(name)),
                             on=by, how="left")
        else:
            rows = rows.join(scope.select(pl.col("resetAt").max().alias(name)), how="cross")
        columns.append(name)
    latest = pl.max_horizontal(columns)
    return rows.filter(latest.is_null() | (pl.col("browserTime") > latest)).drop(columns)


def poll_events(request: Request) -> pl.LazyFrame:
    """``pollEvents``: every poll answer; ``guideTimestamp`` repeats ``browserTime``."""
    rows = _guide_rows(request, "poll_events").with_columns(guideTimestamp="browserTime")
    return _typed_responses(rows, request, ["pollResponse"]).sort(
        "browserTime", "visitorId", maintain_order=True)


def polls_seen(request: Request) -> pl.LazyFrame:
    """``pollsSeen`` / ``pollsSeenEver``: each visitor's latest answer to each poll, with its
    ``time``; the answer is both in ``pollResponse`` and in ``response`` (the name Pendo's own
    NPS examples read). With a time window, only answers given in it."""
    latest = (_guide_rows(request, "poll_events", in_window=False).sort("browserTime")
              .group_by("visitorId", "guideId", "pollId")
              .agg(pl.col("accountId", "pollResponse").last(), time=pl.col("browserTime").last())
              .with_columns(response="pollResponse"))
    rows = _typed_responses(latest, request, ["pollResponse", "response"])
    return _last_in_window(rows, request, "time").sort("visitorId", "guideId", "pollId")


def _typed_responses(rows: pl.LazyFrame, request: Request, columns: list[str]) -> pl.LazyFrame:
    """Answers are numbers when every poll the request selects is a number scale (NPS),
    else strings (text, or the id of a pick-list or yes/no choice)."""
    polls = (request.tables["guides"].select("id", "polls").explode("polls")
             .drop_nulls("polls").unnest("polls", separator="."))
    if "guideId" in request.params:
        polls = polls.filter(pl.col("id") == request.params["guideId"])
    if "pollId" in request.params:
        polls = polls.filter(pl.col("polls.id") == request.params["pollId"])
    if request.params.keys() & {"guideId", "pollId"} and polls.height and \
            (polls["polls.attributes"].struct.field("type") == "NumberScale").all():
        return rows.with_columns(pl.col(columns).cast(pl.Int64, strict=False))
    return rows


def _last_in_window(rows: pl.LazyFrame, request: Request, column: str) -> pl.LazyFrame:
    window = request.window
    if window is None:
        return rows
    return rows.filter(pl.col(column).is_between(window.start_ms, window.end_ms, closed="left"))


def email_events(request: Request) -> pl.LazyFrame:
    """``emailEvents``: every email event; ``targetType`` (guide|campaign), ``targetId``
    (needs targetType) and ``eventType`` (sent, delivered, opened, ...) filter them."""
    request.requires("targetId", "targetType")
    rows = request.events("email_events")
    for param, column in (("targetType", "targetType"), ("targetId", "targetId")):
        if param in request.params:
            rows = rows.filter(pl.col(column) == request.ids(param)[0])
    event_type = request.params.get("eventType")
    if event_type is not None:
        if event_type not in EMAIL_EVENT_TYPES:
            raise PipelineError(f"eventType must be one of {', '.join(EMAIL_EVENT_TYPES)}, got "
                                f"{event_type!r}", request.path("eventType"))
        rows = rows.filter(pl.col("type") == f"email:pendo:{event_type}")
    return rows.sort("browserTime", "visitorId", maintain_order=True)


# --- object sources --------------------------------------------------------------------------

def metadata_rows(table: pl.DataFrame, key: str) -> pl.LazyFrame:
    """Rows of ``key`` and ``metadata``: the ``<group>.<field>`` columns folded into one object
    per group; a group with no value for the row is null.

    Example:
        >>> frame = pl.DataFrame({"visitorId": ["v"], "agent.email": ["a@b.c"],
        ...                       "custom.plan": pl.Series([None], dtype=pl.String)})
        >>> metadata_rows(frame, "visitorId").collect().to_dicts()
        [{'visitorId': 'v', 'metadata': {'agent': {'email': 'a@b.c'}, 'custom': None}}]
    """
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for column in table.columns:
        if "." in column:
            group, field = column.split(".", 1)
            groups[group].append((field, column))
    blocks = []
    for group, fields in sorted(groups.items()):
        fields.sort()
        block = pl.struct(pl.col(column).alias(field) for field, column in fields)
        present = pl.any_horizontal(pl.col(column).is_not_null() for _, column in fields)
        blocks.append(pl.when(present).then(block).alias(group))
    return table.lazy().select(key, metadata=pl.struct(blocks))


def visitors(request: Request) -> pl.LazyFrame:
    """``visitors``: every visitor with its metadata; ``identified`` (true: named visitors,
    false: anonymous ``_PENDO_T_`` ones) and ``since`` (last updated at or after, in ms)."""
    table = request.tables["visitors"]
    if request.spec.name == "doNotProcessVisitors":
        table = marked_do_not_process(table)
    identified = request.flag("identified")
    if identified is not None:
        anonymous = pl.col("visitorId").str.starts_with(ANONYMOUS_PREFIX)
        table = table.filter(~anonymous if identified else anonymous)
    since = request.params.get("since")
    if since is not None:
        if isinstance(since, bool) or not isinstance(since, (int, float)):
            raise PipelineError(f"since must be epoch milliseconds, got {since!r}",
                                request.path("since"))
        table = table.filter(pl.col("auto.lastupdated") >= since)
    return metadata_rows(table, "visitorId")


def accounts(request: Request) -> pl.LazyFrame:
    """``accounts``: every account with its metadata."""
    table = request.tables["accounts"]
    if request.spec.name == "doNotProcessAccounts":
        table = marked_do_not_process(table)
    return metadata_rows(table, "accountId")


def tagged(table: str, one: str, many: str | None = None) -> Callable[[Request], pl.LazyFrame]:
    """Pages, features, track types or guides of the selected apps, or the ones named."""
    def build(request: Request) -> pl.LazyFrame:
        ids = request.ids(one, many)
        rows = request.table(table)
        if ids is None or "appId" in request.params:
            rows = rows.filter(pl.col("appId").is_in(request.app_ids()))
        return rows if ids is None else rows.filter(pl.col("id").is_in(ids))
    return build


_ITEM_TABLES = {"pages": "Page", "features": "Feature", "track_types": "TrackType",
                "guides": "Guide"}


def groups(request: Request) -> pl.LazyFrame:
    """``groups``: product areas (``groupType`` "group", the default) or guide categories
    ("guideCategory"), with ``length`` and, when ``items`` is true, the ``items`` in each."""
    group_type = request.params.get("groupType", "group")
    if group_type not in ("group", "guideCategory"):
        raise PipelineError(f"groupType must be 'group' or 'guideCategory', got {group_type!r}",
                            request.path("groupType"))
    items = pl.concat([
        request.table(table).select(groupId=pl.col("group").struct.field("id"),
                                    itemType=pl.lit(kind), itemId="id")
        for table, kind in _ITEM_TABLES.items()
    ]).drop_nulls("groupId").group_by("groupId").agg(items=pl.struct("itemType", "itemId"))
    rows = (request.table("groups").filter(pl.col("groupType") == group_type)
            .join(items, left_on="id", right_on="groupId", how="left", maintain_order="left")
            .with_columns(length=pl.col("items").list.len().fill_null(0)))
    return rows if request.flag("items") else rows.drop("items")


def table_rows(table: str) -> Callable[[Request], pl.LazyFrame]:
    """A source that is a raw table as it stands (apps, vocItems, votes)."""
    return lambda request: request.table(table)


_EVENTS = ("events", "apps", "visitors", "accounts", "exclude_rules")
_GUIDE_EVENTS = ("guide_events", "apps", "visitors", "accounts", "exclude_rules")
_POLL_EVENTS = ("poll_events", "apps", "visitors", "accounts", "exclude_rules", "guides")
_COMMON = ("appId", "blacklist")
SOURCES: dict[str, Source] = {
    "visitors": Source(visitors, ("visitors",), ("identified", "since"), False),
    "doNotProcessVisitors": Source(visitors, ("visitors",), ("identified", "since")),
    "accounts": Source(accounts, ("accounts",)),
    "doNotProcessAccounts": Source(accounts, ("accounts",)),
    "apps": Source(table_rows("apps"), ("apps",)),
    "pages": Source(tagged("pages", "pageId", "pageIds"), ("pages", "apps"),
                    ("appId", "pageId", "pageIds")),
    "features": Source(tagged("features", "featureId", "featureIds"), ("features", "apps"),
                       ("appId", "featureId", "featureIds")),
    "trackTypes": Source(tagged("track_types", "trackTypeId", "trackTypeIds"),
                         ("track_types", "apps"), ("appId", "trackTypeId", "trackTypeIds")),
    "guides": Source(tagged("guides", "guideId"), ("guides", "apps"), ("appId", "guideId")),
    "groups": Source(groups, ("groups", *_ITEM_TABLES), ("items", "groupType")),
    "vocItems": Source(table_rows("feedback"), ("feedback",)),
    "votes": Source(table_rows("votes"), ("votes",)),
    "events": Source(all_events, _EVENTS, (*_COMMON, "eventClass"), True),
    "pageEvents": Source(page_events, (*_EVENTS, "pages"), (*_COMMON, "pageId", "pageIds"), True),
    "featureEvents": Source(feature_events, (*_EVENTS, "features"),
                            (*_COMMON, "featureId", "featureIds"), True),
    "trackEvents": Source(track_events, _EVENTS, (*_COMMON, "trackTypeId", "trackTypeIds"), True),
    "guideEvents": Source(guide_events, _GUIDE_EVENTS, (*_COMMON, "guideId", "guideStepId"), True),
    "guidesSeen": Source(guides_seen, (*_GUIDE_EVENTS, "guides", "guide_resets"),
                         (*_COMMON, "guideId", "guideStepId"), True),
    "guidesSeenEver": Source(guides_seen, (*_GUIDE_EVENTS, "guides", "guide_resets"),
                             (*_COMMON, "guideId", "guideStepId")),
    "pollEvents": Source(poll_events, _POLL_EVENTS, (*_COMMON, "guideId", "pollId"), True),
    "pollsSeen": Source(polls_seen, _POLL_EVENTS, (*_COMMON, "guideId", "pollId"), True),
    "pollsSeenEver": Source(polls_seen, _POLL_EVENTS, (*_COMMON, "guideId", "pollId")),
    "emailEvents": Source(email_events, ("email_events", "apps", "visitors", "accounts",
                                         "exclude_rules"),
                          (*_COMMON, "targetType", "targetId", "eventType"), True),
}
