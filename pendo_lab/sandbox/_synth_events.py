"""Sessions and the raw event log (page loads, clicks, track events).

A visitor is active on a day with a chance set by their heavy-tailed intensity and the
weekday; an active day holds one or more sessions around the visitor's working hours; a
session is a run of events a few tens of seconds apart that starts with a page load. Clicks
land on elements the visitor has adopted (adoption differs by element; some launch during the
log), and visitors a guide converted start using the guide's goal after seeing it. Everything
is drawn with numpy in bulk; no loop runs per event.

Example:
    >>> from datetime import datetime, timezone
    >>> from pendo_lab.sandbox._synth import SandboxConfig, TimeGrid
    >>> from pendo_lab.sandbox._synth_people import make_people
    >>> config = SandboxConfig(n_visitors=40, now=datetime(2025, 3, 1, tzinfo=timezone.utc))
    >>> grid = TimeGrid.of(config)
    >>> people = make_people(config, grid)
    >>> sessions = make_sessions(people, grid, config.seed)
    >>> bool((sessions.start_ms >= grid.start_ms).all())
    True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl

from ._synth_catalog import (
    APPS,
    DEFAULT_APP_ID,
    ELEMENTS,
    MOBILE_APP_ID,
    TRACK_TYPES,
    URL_VALUES,
    URLS,
    object_id,
)
from ._synth_people import ALL_USER_AGENTS, WEEKDAY_ACTIVITY, People
from ._synth_util import DAY_MS, masked, pick, stage_rng, strings

__all__ = ["Conversion", "Sessions", "make_events", "make_sessions"]

SERVERS = (APPS[0].server, "eu." + APPS[0].server, APPS[1].server, "apitrackevent")
_MOBILE_SERVER, _API_SERVER = 2, 3
#: Share of page loads, clicks and track events after a session's first page load.
_KIND_SHARES = {DEFAULT_APP_ID: (0.33, 0.57, 0.10), MOBILE_APP_ID: (0.45, 0.50, 0.05)}


@dataclass(frozen=True)
class Sessions:
    """Sessions, sorted by start; arrays are indexed by session."""

    visitor: np.ndarray
    start_ms: np.ndarray
    app: np.ndarray
    account: np.ndarray      # index into people.account_ids, -1 for none
    user_agent: np.ndarray   # index into ALL_USER_AGENTS
    ip: np.ndarray           # index into people.ips
    server: np.ndarray       # index into SERVERS

    def __len__(self) -> int:
        return len(self.visitor)


@dataclass(frozen=True)
class Conversion:
    """A guide goal: visitors converted by the guide (``seen_ms`` per visitor, inf if not)
    click ``element`` after they saw it."""

    element: int
    seen_ms: np.ndarray
    converted: np.ndarray


def make_sessions(people: People, grid, seed: int) -> Sessions:
    """Draw active days and the sessions in them."""
    rng = stage_rng(seed, "sessions")
    days = np.arange(len(grid.midnights))
    alive = ((days >= np.maximum(people.arrival_day, 0)[:, None])
             & ((days < people.drop_day[:, None]) | (days >= people.recover_day[:, None])))
    chance = alive * people.daily_chance[:, None] * WEEKDAY_ACTIVITY[grid.weekdays][None, :]
    active = rng.random(chance.shape) < chance
    arrived = np.nonzero(people.arrival_day >= 0)[0]
    active[arrived, people.arrival_day[arrived]] = True
    visitor, day = np.nonzero(active)
    per_day = 1 + np.minimum(rng.poisson(0.3 * np.minimum(people.intensity[visitor], 5)), 5)
    visitor, day = np.repeat(visitor, per_day), np.repeat(day, per_day)
    hour = (people.hour_center[visitor] + rng.normal(0, 2.5, len(visitor))) % 24
    start = grid.midnights[day] + (hour * 3_600_000).astype(np.int64)
    keep = (start >= grid.start_ms) & (start < grid.now_ms)
    order = np.lexsort((visitor[keep], start[keep]))
    visitor, start = visitor[keep][order], start[keep][order]

    n = len(visitor)
    platform = people.platform[visitor]
    mobile = (platform == 1) | ((platform == 2) & (rng.random(n) < 0.3))
    second = people.secondary[visitor]
    account = np.where((second >= 0) & (rng.random(n) < 0.2), second, people.primary[visitor])
    web_ua = people.user_agents[visitor, (rng.random(n) < 0.15).astype(int)]
    internal = people.primary[visitor] == len(people.account_weight) - 1
    office = (account >= 0) & ((rng.random(n) < 0.6) | internal)
    eu_host = people.account_host[np.maximum(account, 0)] * (account >= 0)
    return Sessions(
        visitor=visitor, start_ms=start,
        app=np.where(mobile, MOBILE_APP_ID, DEFAULT_APP_ID),
        account=account,
        user_agent=np.where(mobile, people.app_user_agent[visitor], web_ua),
        ip=np.where(office, people.size + visitor, visitor),
        server=np.where(mobile, _MOBILE_SERVER, eu_host),
    )


def make_events(people: People, sessions: Sessions, grid, seed: int,
                conversions: list[Conversion]) -> tuple[pl.DataFrame, pl.Series]:
    """The raw event log, and the landing URL of each session (for guide events)."""
    rng = stage_rng(seed, "events")
    size = 1 + np.minimum(np.floor(rng.lognormal(1.5, 0.9, len(sessions))
                                   * people.intensity[sessions.visitor] ** 0.25), 400)
    size = size.astype(np.int64)
    session = np.repeat(np.arange(len(sessions)), size)
    first = np.cumsum(size) - size
    gaps = rng.exponential(35_000, len(session))
    gaps[first] = 0
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[first], size)
    jitter = rng.integers(0, 1000, len(session))
    time = sessions.start_ms[session] + elapsed.astype(np.int64) + jitter
    visitor, app = sessions.visitor[session], sessions.app[session]
    mobile = app == MOBILE_APP_ID

    shares = np.array([_KIND_SHARES[DEFAULT_APP_ID], _KIND_SHARES[MOBILE_APP_ID]])[
        mobile.astype(int)]
    draw = rng.random(len(session))
    kind = np.where(draw < shares[:, 0], 0, np.where(draw < shares[:, 0] + shares[:, 1], 1, 2))
    kind[first] = 0
    template = _by_app(rng, URLS, mobile, time, grid.now_ms)
    element = _clicks(rng, people, visitor, mobile, time, grid.now_ms)
    for conversion in conversions:
        converts = (conversion.converted[visitor] & (time > conversion.seen_ms[visitor])
                    & (rng.random(len(session)) < 0.3))
        element = np.where(converts, conversion.element, element)
    track = _by_app(rng, TRACK_TYPES, mobile, time, grid.now_ms)
    combos = [list(itertools.product(*t.properties.values())) for t in TRACK_TYPES]
    combo_start = np.cumsum([0] + [len(c) for c in combos])
    combo = combo_start[track] + (rng.random(len(session))
                                  * np.diff(combo_start)[track]).astype(np.int64)

    is_page = kind == 0
    page_urls = _page_urls(rng, sessions, session[is_page], template[is_page])
    landing = page_urls.gather(np.cumsum(is_page)[first] - 1)
    server_side = (kind == 2) & np.array([t.server_side for t in TRACK_TYPES])[track]
    order = np.lexsort((visitor, time))
    order = order[(time[order] >= grid.start_ms) & (time[order] < grid.now_ms)]
    at = {name: values[order] for name, values in (
        ("session", session), ("kind", kind), ("element", element), ("combo", combo),
        ("server_side", server_side), ("page", np.cumsum(is_page) - 1))}
    account = sessions.account[at["session"]]
    browser = ~at["server_side"]
    log = pl.DataFrame({
        "browserTime": time[order],
        "visitorId": people.visitor_ids.gather(sessions.visitor[at["session"]]),
        "accountId": people.account_ids.gather(masked(account >= 0, account)).fill_null(""),
        "appId": sessions.app[at["session"]],
        "type": strings(("page", "feature", "track"), at["kind"]),
        "url": page_urls.gather(masked(browser, at["page"])).fill_null(""),
        "server": strings(SERVERS, np.where(browser, sessions.server[at["session"]], _API_SERVER)),
        "remoteIp": people.ips.gather(masked(browser, sessions.ip[at["session"]])).fill_null(""),
        "userAgent": strings([u.ua for u in ALL_USER_AGENTS],
                              masked(browser, sessions.user_agent[at["session"]])).fill_null(""),
        "elementPath": strings([e.path for e in ELEMENTS], masked(at["kind"] == 1, at["element"])),
        "trackTypeId": strings([object_id("tracktype", t.name) for t in TRACK_TYPES],
                                masked(at["kind"] == 2, track[order])),
        "properties": _properties(combos).gather(masked(at["kind"] == 2, at["combo"])),
    })
    return log, landing


def _by_app(rng, catalogue, mobile: np.ndarray, time: np.ndarray, now_ms: int) -> np.ndarray:
    """Per event, an index into ``catalogue`` drawn by weight among the items of its app;
    items launched after the event fall back to the app's first item."""
    chosen = np.zeros(len(mobile), dtype=np.int64)
    launched = np.array([_launch_ms(item, now_ms) for item in catalogue])
    for app, in_app in ((DEFAULT_APP_ID, ~mobile), (MOBILE_APP_ID, mobile)):
        items = np.array([i for i, item in enumerate(catalogue) if item.app == app])
        chosen[in_app] = items[pick(rng, [catalogue[i].weight for i in items], int(in_app.sum()))]
        too_early = in_app & (time < launched[chosen])
        chosen[too_early] = items[0]
    return chosen


def _launch_ms(item, now_ms: int) -> float:
    days = getattr(item, "launched_days_ago", None)
    return -np.inf if days is None else now_ms - days * DAY_MS


def _clicks(rng, people: People, visitor, mobile, time, now_ms: int) -> np.ndarray:
    """Clicked elements: drawn by popularity, kept if the visitor has adopted the element and it
    had launched, else replaced by one of the app's always-used elements."""
    element = _by_app(rng, ELEMENTS, mobile, time, now_ms)
    adoption = np.array([e.adoption for e in ELEMENTS])
    adopted = rng.random((people.size, len(ELEMENTS))) < adoption
    launched = np.array([_launch_ms(e, now_ms) for e in ELEMENTS])
    keep = adopted[visitor, element] & (time >= launched[element])
    common = {app: np.array([i for i, e in enumerate(ELEMENTS) if e.app == app and e.adoption == 1])
              for app in (DEFAULT_APP_ID, MOBILE_APP_ID)}
    fallback = np.where(mobile, common[MOBILE_APP_ID][rng.integers(0, len(common[MOBILE_APP_ID]),
                                                                    len(visitor))],
                        common[DEFAULT_APP_ID][rng.integers(0, len(common[DEFAULT_APP_ID]),
                                                            len(visitor))])
    return np.where(keep, element, fallback)


def _page_urls(rng, sessions: Sessions, session: np.ndarray, template: np.ndarray) -> pl.Series:
    """The URL of each page load: scheme, server and the template with its blanks filled."""
    frame = pl.DataFrame({"template": template, "server": sessions.server[session],
                          "account": np.maximum(sessions.account[session], 0),
                          "pick": rng.integers(0, 1 << 30, len(session))})
    path = strings([t.path for t in URLS], frame["template"])
    for name, values in URL_VALUES.items():
        path = path.str.replace("{" + name + "}", strings(values, frame["pick"] % len(values)),
                                literal=True)
    report = frame.select(pl.format("r-{}", pl.col("account") * 7 + pl.col("pick") % 7)).to_series()
    path = path.str.replace("{rid}", report, literal=True)
    scheme = strings(["https", "https", "app", ""], frame["server"])
    return pl.select(pl.concat_str(scheme, pl.lit("://"), strings(SERVERS, frame["server"]),
                                   path)).to_series()


def _properties(combos: list[list[tuple]]) -> pl.Series:
    """Every (track type, combination of property values) as a ``properties`` object, in
    track-type order: one field per property name used by any track type, the others null."""
    names = sorted({name for t in TRACK_TYPES for name in t.properties})
    rows = [{name: dict(zip(kind.properties, values)).get(name) for name in names}
            for kind, options in zip(TRACK_TYPES, combos) for values in options]
    return pl.Series("properties", rows, dtype=pl.Struct({name: pl.String for name in names}))
