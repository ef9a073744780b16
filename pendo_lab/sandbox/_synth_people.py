"""Accounts and visitors of the synthetic subscription: who they are and how they behave.

:func:`make_people` draws the population (heavy-tailed account sizes and activity, visitors
arriving during the log, some dropping and some of those recovering, anonymous visitors with
short lives, a few visitors in several accounts). :func:`people_tables` turns it, together
with the event log, into the ``accounts``, ``visitors`` and ``visitor_accounts`` tables, whose
``auto`` metadata (first and last visit, last browser...) is read off the log.

Metadata columns are named ``<group>.<field>`` (``agent.email``, ``custom.planlevel``,
``auto__323232.lastvisit``); the aggregation sources fold them into the ``metadata`` object.

Example:
    >>> from datetime import datetime, timezone
    >>> from pendo_lab.sandbox._synth import SandboxConfig, TimeGrid
    >>> config = SandboxConfig(now=datetime(2025, 3, 1, tzinfo=timezone.utc))
    >>> people = make_people(config, TimeGrid.of(config))
    >>> people.visitor_ids.len() == config.n_visitors + len(QA_VISITORS)
    True
"""

from __future__ import annotations

import itertools
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl

from ..expr.values import ANONYMOUS_PREFIX
from ._synth_catalog import (
    APP_USER_AGENTS,
    APPS,
    COMPANY_WORDS,
    DEFAULT_APP_ID,
    DEPARTMENTS,
    FEEDBACK_TITLES,
    FIRST_NAMES,
    INDUSTRIES,
    LANGUAGES,
    LAST_NAMES,
    MOBILE_APP_ID,
    REGIONS,
    ROLES,
    USER_AGENTS,
    object_id,
)
from ._synth_util import (
    DAY_MS,
    masked,
    object_fields,
    pick,
    random_ids,
    stack,
    stage_rng,
)

__all__ = ["QA_VISITORS", "People", "make_people", "people_tables", "segment_tables",
           "feedback_tables", "metadata_schema"]

#: Internal test visitors in the internal account, on the office network: the exclude list
#: drops them (see ``exclude_rules``).
QA_VISITORS = ("qa-bot-1", "qa-bot-2")
INTERNAL_ACCOUNT = "acme-internal"
INTERNAL_OFFICE = "203.0.113"
#: Relative activity by weekday, Monday first.
WEEKDAY_ACTIVITY = np.array([1.0, 1.05, 1.05, 1.0, 0.9, 0.25, 0.2])
PLANS = ("Starter", "Growth", "Enterprise")
ALL_USER_AGENTS = USER_AGENTS + APP_USER_AGENTS
# Tables that may have no rows (no identified visitor, no idea), typed up front.
_FEEDBACK = {
    "id": pl.String, "type": pl.String, "title": pl.String, "description": pl.String,
    "statusId": pl.String, "effort": pl.Int64, "impact": pl.Int64, "importance": pl.Int64,
    "accountId": pl.String, "visitorId": pl.String, "createdById": pl.String,
    "createdByType": pl.String, "onBehalfOfId": pl.String, "onBehalfOfType": pl.String,
    "ownedByUserId": pl.String, "createdAt": pl.Int64, "lastUpdatedAt": pl.Int64,
    "appIds": pl.List(pl.Int64), "productAreas": pl.List(pl.String),
    "labels": pl.List(pl.Struct({"name": pl.String, "category": pl.String})),
}
_VOTES = {
    "id": pl.String, "vocItemId": pl.String, "accountId": pl.String, "createdById": pl.String,
    "createdByType": pl.String, "onBehalfOfId": pl.String, "onBehalfOfType": pl.String,
    "createdAt": pl.Int64, "strength": pl.Int64, "revoked": pl.Boolean,
}
_SEGMENT_MEMBERS = {"segmentId": pl.String, "visitorId": pl.String, "accountId": pl.String}


@dataclass(frozen=True)
class People:
    """The drawn population; arrays are indexed by visitor (``v``) or account (``a``)."""

    account_ids: pl.Series          # a -> accountId; the internal account last
    account_weight: np.ndarray      # a -> relative size
    account_plan: np.ndarray        # a -> index into PLANS
    account_place: np.ndarray       # a -> (region, place) index into PLACES
    account_host: np.ndarray        # a -> 0 main host, 1 EU host
    accounts: pl.DataFrame          # the account metadata (agent, custom, pendo)
    visitor_ids: pl.Series          # v -> visitorId
    anonymous: np.ndarray
    primary: np.ndarray             # v -> a, or -1 for no account
    secondary: np.ndarray           # v -> a, or -1
    platform: np.ndarray            # v -> 0 web, 1 iOS app, 2 both
    user_agents: np.ndarray         # v -> (web UA, second web UA) indices in ALL_USER_AGENTS
    app_user_agent: np.ndarray      # v -> index in ALL_USER_AGENTS
    ips: pl.Series                  # home IP of v at v, office IP of v at V + v
    intensity: np.ndarray           # heavy-tailed activity multiplier
    daily_chance: np.ndarray        # chance of a visit on a weekday while alive
    arrival_day: np.ndarray         # day index of the first visit, -1 when before the log
    prior_first_ms: np.ndarray      # first visit before the log (existing visitors)
    drop_day: np.ndarray            # day the visitor stops (inf: never)
    recover_day: np.ndarray         # day a dropped visitor comes back (inf: never)
    hour_center: np.ndarray         # local hour around which the visitor works
    language: np.ndarray            # v -> index in LANGUAGES
    visitors: pl.DataFrame          # the visitor metadata (agent, custom, salesforce, pendo)

    @property
    def size(self) -> int:
        return len(self.anonymous)

    @cached_property
    def account_lists(self) -> pl.Series:
        """v -> the visitor's account ids, primary first (Pendo's ``accountIds``)."""
        def ids_at(index: np.ndarray) -> pl.Series:
            return self.account_ids.gather(masked(index >= 0, index))

        both = pl.select(pl.concat_list(ids_at(self.primary), ids_at(self.secondary)))
        return both.to_series().list.drop_nulls().alias("accountIds")

    def place(self, v: np.ndarray) -> np.ndarray:
        """The place index of each visitor's primary account (anonymous visitors: the first
        place, New York)."""
        return np.where(self.primary[v] >= 0, self.account_place[self.primary[v]], 0)


PLACES = [(region, *place) for region, (_, _, places) in REGIONS.items() for place in places]


def make_people(config, grid) -> People:
    """Draw the accounts and visitors of a config (``grid`` gives the days of the log)."""
    rng = stage_rng(config.seed, "people")
    n_accounts, n_days = config.n_accounts, len(grid.midnights)
    weight = np.append(rng.pareto(1.2, n_accounts) + 0.2, 1.0)
    rank = np.argsort(np.argsort(-weight[:-1])) / n_accounts
    plan = np.append(np.where(rank < 0.2, 2, np.where(rank < 0.55, 1, 0)), 2)
    region = np.append(pick(rng, [share for share, _, _ in REGIONS.values()], n_accounts), 0)
    region_names = list(REGIONS)
    place = np.array([_place_index(rng, region_names[r]) for r in region])
    account_ids = pl.Series([f"{x:013x}" for x in rng.integers(0, 16 ** 13, n_accounts)]
                            + [INTERNAL_ACCOUNT])
    names = _company_names(rng, n_accounts) + ["Acme Cloud (internal)"]
    office = rng.integers([11, 0, 0], [224, 256, 256], (n_accounts + 1, 3))
    office[:, 0] = np.where(office[:, 0] == 127, 128, office[:, 0])

    n_people = config.n_visitors
    n = n_people + len(QA_VISITORS)
    qa = np.arange(n) >= n_people
    anonymous = (rng.random(n) < config.anonymous_share) & ~qa
    primary = np.where(anonymous, -1, pick(rng, weight[:-1], n))
    primary[qa] = n_accounts
    has_second = ~anonymous & ~qa & (rng.random(n) < 0.08) & (n_accounts > 1)
    secondary = np.where(has_second, (primary + 1 + rng.integers(0, max(n_accounts - 1, 1), n))
                         % n_accounts, -1)
    platform = np.where(anonymous | qa, 0, pick(rng, [0.78, 0.08, 0.14], n))
    web_weights = [ua.weight for ua in USER_AGENTS]
    first_ua = pick(rng, web_weights, n)
    user_agents = np.stack([first_ua, np.where(rng.random(n) < 0.2, pick(rng, web_weights, n),
                                               first_ua)], axis=1)
    app_ua = len(USER_AGENTS) + pick(rng, [ua.weight for ua in APP_USER_AGENTS], n)

    intensity = np.where(anonymous, 0.5, rng.lognormal(0.0, 1.0, n))
    intensity[qa] = 3.0
    daily_chance = np.where(anonymous, 0.6, np.clip(0.065 * intensity, 0.01, 0.9))
    existing = (~anonymous & (rng.random(n) < 0.55)) | qa
    arrival = np.where(existing, -1, np.floor(n_days * rng.random(n) ** 0.8)).astype(np.int64)
    prior_first = np.where(existing, grid.start_ms - (rng.uniform(1, 700, n) * DAY_MS), 0)
    drops = ~qa & (anonymous | (rng.random(n) < 0.3))
    drop_day = np.where(existing, rng.uniform(-45, n_days, n),
                        arrival + 1 + rng.exponential(25, n))
    drop_day = np.where(anonymous, arrival + 1 + rng.integers(0, 4, n), drop_day)
    drop_day = np.where(drops, drop_day, np.inf)
    recovers = drops & ~anonymous & (rng.random(n) < 0.35)
    recover_day = np.where(recovers, drop_day + 7 + rng.exponential(15, n), np.inf)
    hour_offset = np.array([REGIONS[PLACES[p][0]][1] for p in range(len(PLACES))])
    hour_center = 13.5 + np.where(primary >= 0, hour_offset[place[np.maximum(primary, 0)]], 0)

    visitor_ids = _visitor_ids(rng, anonymous, qa)
    home = rng.integers([11, 0, 0, 1], [224, 256, 256, 255], (n, 4))
    home[:, 0] = np.where(home[:, 0] == 127, 128, home[:, 0])
    office_of_visitor = office[np.maximum(primary, 0)]
    office_of_visitor[qa] = [int(x) for x in INTERNAL_OFFICE.split(".")]
    ips = pl.concat([_dotted(home), _dotted(np.column_stack(
        [office_of_visitor, rng.integers(1, 255, n)]))])
    language = pick(rng, [6, 1, 1, 1, 1, 1, 1], n)

    accounts = _account_metadata(rng, account_ids, names, plan, weight, place, grid.now_ms)
    visitors = _visitor_metadata(rng, visitor_ids, anonymous, primary, names, ips, language,
                                 drops & ~recovers)
    eu_host = (region == region_names.index("EU")).astype(int)
    return People(account_ids, weight, plan, place, eu_host,
                  accounts, visitor_ids, anonymous, primary, secondary, platform, user_agents,
                  app_ua, ips, intensity, daily_chance, arrival, prior_first, drop_day,
                  recover_day, hour_center, language, visitors)


def _place_index(rng, region: str) -> int:
    options = [i for i, p in enumerate(PLACES) if p[0] == region]
    return options[int(rng.integers(0, len(options)))]


def _company_names(rng, n: int) -> list[str]:
    combos = [f"{a} {b}" for a, b in itertools.product(*COMPANY_WORDS)]
    order = rng.permutation(len(combos))
    return [combos[order[i % len(combos)]] + (f" {i // len(combos) + 1}" if i >= len(combos)
                                               else "") for i in range(n)]


def _visitor_ids(rng, anonymous: np.ndarray, qa: np.ndarray) -> pl.Series:
    numbers = rng.choice(9 * max(len(anonymous), 100_000), len(anonymous), replace=False) + 100_000
    ids = pl.Series(numbers.astype(str))
    anonymous_ids = ANONYMOUS_PREFIX + random_ids(rng, len(anonymous), 11, alphabet_size=62)
    ids = pl.select(pl.when(pl.lit(pl.Series(anonymous))).then(anonymous_ids)
                    .otherwise(ids)).to_series()
    return ids.scatter(np.nonzero(qa)[0], list(QA_VISITORS)).alias("visitorId")


def _dotted(octets: np.ndarray) -> pl.Series:
    frame = pl.DataFrame(octets.astype(np.int64), schema=[f"o{i}" for i in range(4)])
    return frame.select(pl.format("{}.{}.{}.{}", *frame.columns)).to_series()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch if ch.isalnum() else "-" for ch in ascii_text.lower()).strip("-")


def _account_metadata(rng, ids, names, plan, weight, place, now_ms: int) -> pl.DataFrame:
    n = len(names)
    licenses = np.ceil(weight * np.array([5, 12, 30])[plan]).astype(np.int64)
    arr = licenses * np.array([600.0, 1100.0, 1800.0])[plan]
    return pl.DataFrame({
        "accountId": ids,
        "agent.name": names,
        "agent.region": [PLACES[p][0] for p in place],
        "custom.arrannuallyrecurringrevenue": arr,
        "custom.customersuccessmanager": [f"{FIRST_NAMES[i]} {LAST_NAMES[j]}" for i, j in
                                          zip(rng.integers(0, 8, n), rng.integers(0, 6, n))],
        "custom.industry": [INDUSTRIES[i] for i in rng.integers(0, len(INDUSTRIES), n)],
        "custom.planlevel": [PLANS[p] for p in plan[:-1]] + ["Internal"],
        "custom.renewaldate": now_ms - now_ms % DAY_MS + rng.integers(10, 365, n) * DAY_MS,
        "custom.totallicenses": licenses,
        "pendo.blacklistguides": pl.Series([None] * n, dtype=pl.Boolean),
        "pendo.donotprocess": pl.Series([None] * n, dtype=pl.Boolean),
    })


def _visitor_metadata(rng, ids, anonymous, primary, account_names, ips, language,
                      lost) -> pl.DataFrame:
    n = len(anonymous)
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    domains = [_slug(name) + ".example" for name in account_names]
    identified = ~anonymous
    email = [f"{_slug(FIRST_NAMES[f])}.{_slug(LAST_NAMES[la])}@{domains[a]}" if ok else None
             for f, la, a, ok in zip(first, last, primary, identified)]
    role = pick(rng, [1, 3, 6], n)
    dnp = lost & identified & (rng.random(n) < 0.05)

    def known(values, dtype=pl.String):
        return pl.Series([v if ok else None for v, ok in zip(values, identified)], dtype=dtype)

    return pl.DataFrame({
        "visitorId": ids,
        "agent.email": pl.Series(email, dtype=pl.String),
        "agent.ipaddress": known(ips.head(n).to_list()),
        "agent.language": known([LANGUAGES[i] for i in language]),
        "agent.name": known([f"{FIRST_NAMES[f]} {LAST_NAMES[la]}" for f, la in zip(first, last)]),
        "agent.role": known([ROLES[r] for r in role]),
        "custom.betatester": known(rng.random(n) < 0.1, pl.Boolean),
        "custom.department": known([DEPARTMENTS[i] for i in rng.integers(0, 6, n)]),
        "salesforce.email": pl.Series([e if e and s else None for e, s in
                                       zip(email, rng.random(n) < 0.4)], dtype=pl.String),
        "pendo.blacklistguides": masked(identified & (rng.random(n) < 0.01), np.ones(n, bool)),
        "pendo.donotprocess": masked(dnp, np.ones(n, bool)),
    })


def _idhash(ids: pl.Series) -> pl.Series:
    """A 32-bit hash of each id (Pendo's ``idhash``), stable across versions."""
    return pl.Series([zlib.crc32(value.encode()) for value in ids], dtype=pl.Int64)


def people_tables(people: People, events: pl.DataFrame, grid) -> dict[str, pl.DataFrame]:
    """``visitors``, ``accounts`` and ``visitor_accounts``, with auto metadata from the log.

    ``firstvisit`` is the first event (or a visit before the log), ``lastvisit`` the last;
    ``lastbrowsername``/``lastoperatingsystem``/... describe the last event's user agent.
    """
    ua = pl.DataFrame({"userAgent": [u.ua for u in ALL_USER_AGENTS],
                       "lastbrowsername": [u.browser for u in ALL_USER_AGENTS],
                       "lastbrowserversion": [u.version for u in ALL_USER_AGENTS],
                       "lastoperatingsystem": [u.os for u in ALL_USER_AGENTS]})
    last = (events.filter(pl.col("userAgent") != "")   # the log is in time order
            .group_by("visitorId")
            .agg(lastvisit=pl.col("browserTime").last(), lastuseragent=pl.col("userAgent").last(),
                 lastservername=pl.col("server").last()))
    first = events.group_by("visitorId").agg(logfirst=pl.col("browserTime").min())
    # Visitors with no event in the log were last seen before it, when they dropped.
    unseen_last = np.maximum(people.prior_first_ms,
                             grid.start_ms + (np.minimum(people.drop_day, 0) - 1) * DAY_MS)
    lists = people.account_lists
    auto = (pl.DataFrame({
                "visitorId": people.visitor_ids,
                "prior": masked(people.arrival_day < 0, people.prior_first_ms.astype(np.int64)),
                "unseen_last": unseen_last.astype(np.int64),
                "fallback_ua": [ALL_USER_AGENTS[i].ua for i in people.user_agents[:, 0]],
                "accountids": lists, "accountid": lists.list.first(),
                "id": people.visitor_ids, "idhash": _idhash(people.visitor_ids),
                "nid": people.visitor_ids.cast(pl.Int64, strict=False).fill_null(0)})
            .join(first, on="visitorId", how="left").join(last, on="visitorId", how="left")
            .with_columns(firstvisit=pl.coalesce("prior", "logfirst"),
                          lastvisit=pl.coalesce("lastvisit", "unseen_last"),
                          lastuseragent=pl.coalesce("lastuseragent", "fallback_ua"),
                          lastservername=pl.coalesce("lastservername",
                                                     pl.lit(APPS[0].server)))
            .join(ua.rename({"userAgent": "lastuseragent"}), on="lastuseragent", how="left")
            .with_columns(lastupdated="lastvisit"))
    auto_columns = ["accountid", "accountids", "firstvisit", "id", "idhash", "lastbrowsername",
                    "lastbrowserversion", "lastoperatingsystem", "lastservername", "lastupdated",
                    "lastuseragent", "lastvisit", "nid"]
    visitors = people.visitors.join(
        auto.select("visitorId", *[pl.col(c).alias(f"auto.{c}") for c in auto_columns]),
        on="visitorId", how="left")
    visitors = _with_app_blocks(visitors, events, "visitorId")

    membership = pl.DataFrame({"visitorId": people.visitor_ids, "accountId": lists}).explode(
        "accountId").drop_nulls()
    membership = membership.with_columns(
        primary=pl.col("accountId") == pl.first("accountId").over("visitorId"))
    account_auto = (membership.join(visitors.select("visitorId", "auto.firstvisit",
                                                    "auto.lastvisit"), on="visitorId")
                    .group_by("accountId")
                    .agg(pl.col("auto.firstvisit").min(), pl.col("auto.lastvisit").max())
                    .with_columns(pl.col("auto.lastvisit").alias("auto.lastupdated"),
                                  pl.col("accountId").alias("auto.id"),
                                  pl.col("accountId").map_batches(_idhash).alias("auto.idhash")))
    accounts = people.accounts.join(account_auto, on="accountId", how="left")
    accounts = _with_app_blocks(accounts, events, "accountId")
    return {"visitors": _ordered(visitors, "visitorId"),
            "accounts": _ordered(accounts, "accountId"),
            "visitor_accounts": membership.sort("visitorId", "accountId")}


def _with_app_blocks(frame: pl.DataFrame, events: pl.DataFrame, key: str) -> pl.DataFrame:
    """Add per-app auto blocks (``auto__323232.firstvisit``...) computed from the log."""
    visits = events.group_by(key, "appId").agg(first=pl.col("browserTime").min(),
                                               last=pl.col("browserTime").max())
    for app in (DEFAULT_APP_ID, MOBILE_APP_ID):
        block = f"auto_{str(app).replace('-', '_')}"
        frame = frame.join(visits.filter(pl.col("appId") == app).select(
            key, pl.col("first").alias(f"{block}.firstvisit"),
            pl.col("last").alias(f"{block}.lastvisit"),
            pl.col("last").alias(f"{block}.lastupdated")), on=key, how="left")
    return frame


def _ordered(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    return frame.select(key, *sorted(c for c in frame.columns if c != key)).sort(key)


def segment_tables(people: People, now_ms: int) -> dict[str, pl.DataFrame]:
    """``segments`` (list segments, some uploaded through the API) and ``segment_members``."""
    visitors = people.visitors
    plan = people.account_plan
    enterprise_admin = (pl.Series(plan[np.maximum(people.primary, 0)] == 2)
                        & pl.Series(people.primary >= 0)
                        & (visitors["agent.role"] == "Admin"))
    top_accounts = people.account_ids.gather(np.argsort(-people.account_weight[:-1])[:10])
    lists = {
        ("Beta testers", "visitor", True):
            visitors.filter(pl.col("custom.betatester"))["visitorId"],
        ("Enterprise admins", "visitor", False): visitors.filter(enterprise_admin)["visitorId"],
        ("Key accounts", "account", False): top_accounts,
    }
    segments, members = [], []
    for i, ((name, member_type, via_api), ids) in enumerate(lists.items()):
        sid = object_id("segment", name)
        segments.append({**object_fields("Segment", sid, now_ms - (90 - 20 * i) * DAY_MS,
                                         now_ms - (5 + i) * DAY_MS, i),
                         "name": name, "shared": True, "memberType": member_type,
                         "createdViaApi": via_api})
        column = "visitorId" if member_type == "visitor" else "accountId"
        members.append(pl.DataFrame({column: ids.cast(pl.String)})
                       .select(pl.lit(sid).alias("segmentId"), column))
    return {"segments": pl.DataFrame(segments),
            "segment_members": stack(members, _SEGMENT_MEMBERS)}


def feedback_tables(people: People, grid, seed: int) -> dict[str, pl.DataFrame]:
    """``feedback`` (the vocItems source: feedback and ideas) and ``votes`` on ideas, both by
    identified customers (none when every customer is anonymous)."""
    rng = stage_rng(seed, "feedback")
    internal = len(people.account_weight) - 1
    identified = np.nonzero(~people.anonymous & (people.primary < internal))[0]
    n_items = max(5, len(people.account_weight) // 2) if len(identified) else 0
    authors = rng.choice(identified, n_items)
    created = grid.start_ms + (rng.random(n_items) * (grid.now_ms - grid.start_ms)).astype(np.int64)
    is_idea = rng.random(n_items) < 0.7
    ids = random_ids(rng, n_items, 27)
    statuses = np.array(["new", "reviewing", "planned", "building", "released", "declined"])
    areas = [object_id("group", name) for name in ("Reporting", "Dashboards", "Collaboration")]
    feedback = pl.DataFrame({
        "id": ids,
        "type": np.where(is_idea, "idea", "feedback"),
        "title": [FEEDBACK_TITLES[i] for i in rng.integers(0, len(FEEDBACK_TITLES), n_items)],
        "description": "Submitted from the in-app feedback form.",
        "statusId": statuses[rng.integers(0, len(statuses), n_items)],
        "effort": masked(is_idea, rng.integers(1, 6, n_items)),
        "impact": masked(is_idea, rng.integers(1, 6, n_items)),
        "importance": rng.choice([-1, 1, 2], n_items, p=[0.1, 0.6, 0.3]),
        "accountId": people.account_ids.gather(people.primary[authors]),
        "visitorId": people.visitor_ids.gather(authors),
        "createdById": people.visitor_ids.gather(authors),
        "createdByType": "Visitor",
        "onBehalfOfId": people.visitor_ids.gather(authors),
        "onBehalfOfType": "Visitor",
        "ownedByUserId": [f"user-{i + 1}" for i in rng.integers(0, 3, n_items)],
        "createdAt": created,
        "lastUpdatedAt": created + rng.integers(0, 10, n_items) * DAY_MS,
        "appIds": [[DEFAULT_APP_ID]] * n_items,
        "productAreas": [[areas[i]] for i in rng.integers(0, len(areas), n_items)],
        "labels": [[]] * n_items,
    }, schema=_FEEDBACK).with_columns(pl.min_horizontal("lastUpdatedAt", pl.lit(grid.now_ms - 1)))

    ideas = np.nonzero(is_idea)[0]
    n_votes = rng.poisson(4, len(ideas))
    idea_of_vote = np.repeat(ideas, n_votes)
    voters = rng.choice(identified, len(idea_of_vote))
    vote_time = np.minimum(created[idea_of_vote] + (rng.exponential(10, len(voters)) * DAY_MS)
                           .astype(np.int64), grid.now_ms - 1)
    votes = pl.DataFrame({
        "id": random_ids(rng, len(voters), 27),
        "vocItemId": ids.gather(idea_of_vote),
        "accountId": people.account_ids.gather(people.primary[voters]),
        "createdById": people.visitor_ids.gather(voters),
        "createdByType": "Visitor",
        "onBehalfOfId": people.visitor_ids.gather(voters),
        "onBehalfOfType": "Visitor",
        "createdAt": vote_time,
        "strength": rng.integers(1, 4, len(voters)),
        "revoked": rng.random(len(voters)) < 0.05,
    }, schema=_VOTES)
    return {"feedback": feedback, "votes": votes}


_TYPES = {pl.String: "string", pl.Int64: "number", pl.Float64: "number", pl.Boolean: "boolean"}


def metadata_schema(visitors: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """One row per metadata field: kind (visitor|account), group, field, type, displayName,
    and, for fields deleted through the API, ``isDeleted`` (all False here) and
    ``deletedValues`` (the deleted values as JSON text; null here).

    Fields holding epoch ms (``firstvisit``, ``renewaldate``...) have type ``date``.
    """
    rows = []
    for kind, frame in (("visitor", visitors), ("account", accounts)):
        for column, dtype in frame.schema.items():
            if "." not in column:
                continue
            group, field = column.split(".", 1)
            kind_of = "list" if isinstance(dtype, pl.List) else _TYPES.get(dtype, "string")
            if field.endswith(("visit", "updated", "date")):
                kind_of = "date"
            rows.append({"kind": kind, "group": group, "field": field, "type": kind_of,
                         "displayName": field.replace("_", " ").title(), "isDeleted": False,
                         "deletedValues": None})
    return pl.DataFrame(rows, schema_overrides={"deletedValues": pl.String})

