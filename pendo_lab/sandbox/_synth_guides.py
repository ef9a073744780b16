"""Guide exposures, guide events, poll responses and email events.

Each published guide is shown once to a share of its audience, at the start of their first
eligible session; visitors step through it, advancing, dismissing or timing out. Poll guides
collect answers: the NPS guide's 0-10 score rises with the visitor's activity and comes with
a free-text follow-up a few milliseconds later; NPS also goes out by email, and clicked emails
bring answers with ``type`` ``"Email"``.

Example:
    >>> from pendo_lab.sandbox._synth_catalog import GUIDES
    >>> [g.name for g in GUIDES if g.conversion]
    ['Welcome tour', 'New: AI insights']
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ._synth_catalog import (
    DEFAULT_APP_ID,
    ELEMENTS,
    FEATURES,
    GUIDES,
    LANGUAGES,
    NPS_COMMENTS,
    object_id,
)
from ._synth_events import SERVERS, Conversion, Sessions
from ._synth_objects import guide_ids, poll_response_id
from ._synth_people import ALL_USER_AGENTS, PLACES, People
from ._synth_util import DAY_MS, masked, random_ids, stack, stage_rng, strings

__all__ = ["choose_exposures", "conversions", "guide_tables"]

# Intermediate frames, with declared types: Polars types the columns of a frame with no rows as
# Null, so a tiny or brief config would otherwise break the build or change the tables' types.
#: Who saw which guide (``guide`` indexes GUIDES, ``visitor`` and ``session`` are indices).
_EXPOSURES = {"guide": pl.Int64, "visitor": pl.Int64, "session": pl.Int64, "shownAt": pl.Int64,
              "timedOut": pl.Boolean, "converted": pl.Boolean}
#: One guide event of an exposure (``exposure`` is a row of the exposures).
_STEPS = {"exposure": pl.Int64, "type": pl.String, "step": pl.Int64, "browserTime": pl.Int64,
          "button": pl.String, "action": pl.String}
#: A poll answer: in the app (``exposure`` set) or from an email (``visitor`` and ``guide`` set).
_ANSWERS = {"exposure": pl.Int64, "visitor": pl.Int64, "guide": pl.Int64,
            "browserTime": pl.Int64, "channel": pl.String}
#: A poll answer with its exposure's session (null for answers from emails).
_SHOWN_ANSWERS = {**_ANSWERS, "session": pl.Int64}
#: One poll response before it gains its visitor context.
_RESPONSES = {**_SHOWN_ANSWERS, "guideId": pl.String, "guideStepId": pl.String,
              "pollId": pl.String, "pollResponse": pl.String}
#: An email sent (``visitor`` is an index; ``targetType`` is guide or campaign).
_SENT = {"visitor": pl.Int64, "sentAt": pl.Int64, "targetType": pl.String, "targetId": pl.String}
_VISITOR_CONTEXT = {
    "visitorId": pl.String, "accountId": pl.String, "accountIds": pl.List(pl.String),
    "appId": pl.Int64, "remoteIp": pl.String, "serverName": pl.String, "url": pl.String,
    "userAgent": pl.String, "country": pl.String, "region": pl.String,
    "latitude": pl.Float64, "longitude": pl.Float64, "language": pl.String,
}


def choose_exposures(people: People, sessions: Sessions, grid, seed: int) -> pl.DataFrame:
    """Who saw which guide: columns guide (catalogue index), visitor, session, shownAt,
    timedOut, converted (for guides with a conversion goal)."""
    rng = stage_rng(seed, "exposures")
    audiences = {"new": people.arrival_day >= 0, "identified": ~people.anonymous,
                 "all": np.ones(people.size, dtype=bool)}
    opted_out = people.visitors["pendo.blacklistguides"].fill_null(False).to_numpy()
    parts = []
    for g, guide in enumerate(GUIDES):
        if guide.published_days_ago is None or guide.share <= 0:
            continue
        published = grid.now_ms - guide.published_days_ago * DAY_MS
        eligible = np.nonzero((sessions.app == guide.app) & (sessions.start_ms >= published)
                              & audiences[guide.audience][sessions.visitor]
                              & ~opted_out[sessions.visitor])[0]
        _, first = np.unique(sessions.visitor[eligible], return_index=True)
        chosen = eligible[first]
        chosen = chosen[rng.random(len(chosen)) < guide.share]
        timed_out = rng.random(len(chosen)) < 0.04
        parts.append(pl.DataFrame({
            "guide": g, "visitor": sessions.visitor[chosen], "session": chosen,
            "shownAt": sessions.start_ms[chosen] + rng.integers(2_000, 20_000, len(chosen)),
            "timedOut": timed_out,
            "converted": (rng.random(len(chosen)) < 0.55) & ~timed_out & bool(guide.conversion),
        }, schema=_EXPOSURES))
    return stack(parts, _EXPOSURES)


def conversions(exposures: pl.DataFrame, n_visitors: int) -> list[Conversion]:
    """The guide goals the event log should show: one per guide with a conversion feature."""
    result = []
    for g, guide in enumerate(GUIDES):
        if not guide.conversion:
            continue
        seen = exposures.filter((pl.col("guide") == g) & ~pl.col("timedOut"))
        seen_ms = np.full(n_visitors, np.inf)
        seen_ms[seen["visitor"].to_numpy()] = seen["shownAt"].to_numpy()
        converted = np.zeros(n_visitors, dtype=bool)
        converted[seen["visitor"].to_numpy()] = seen["converted"].to_numpy()
        feature = next(f for f in FEATURES if f.name == guide.conversion)
        element = next(i for i, e in enumerate(ELEMENTS) if feature.rule.lstrip("#") in e.path)
        result.append(Conversion(element, seen_ms, converted))
    return result


def guide_tables(people: People, sessions: Sessions, landing: pl.Series, exposures: pl.DataFrame,
                 activity: np.ndarray, grid, seed: int) -> dict[str, pl.DataFrame]:
    """``guide_events``, ``poll_events`` and ``email_events``.

    ``activity`` is each visitor's number of events (NPS scores rise with it).
    """
    rng = stage_rng(seed, "guide-events")
    context = _session_context(people, sessions, landing)
    steps, answers = _walk_guides(rng, exposures)
    guide_events = _guide_events(rng, steps, exposures, context)
    emails, email_answers = _emails(rng, people, sessions, exposures, grid)
    polls = _poll_events(rng, stack([answers, email_answers], _ANSWERS), exposures, people,
                         context, activity, grid)
    return {"guide_events": guide_events, "poll_events": polls, "email_events": emails}


def _session_context(people: People, sessions: Sessions, landing: pl.Series) -> pl.DataFrame:
    """Per session: who, where from and with what (the fields guide and poll events share)."""
    return pl.DataFrame({
        "session": np.arange(len(sessions)),
        **_visitor_context(people, sessions.visitor, sessions.account).to_dict(),
        "appId": sessions.app,
        "remoteIp": people.ips.gather(sessions.ip),
        "serverName": strings(SERVERS, sessions.server),
        "url": landing,
        "userAgent": strings([u.ua for u in ALL_USER_AGENTS], sessions.user_agent),
    })


def _walk_guides(rng, exposures: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Step every exposure through its guide: rows (exposure, type, step, time, button,
    action), and the poll answers (exposure, time) of those who submitted."""
    rows, answers = [], []
    index = np.arange(exposures.height)
    guide_of, shown, timed_out = (exposures[c].to_numpy() for c in ("guide", "shownAt", "timedOut"))

    def add(mask, kind, step, time, button=None, action=None):
        rows.append(pl.DataFrame({"exposure": index[mask], "type": kind, "step": step,
                                  "browserTime": time[mask], "button": button, "action": action},
                                 schema=_STEPS))

    add(timed_out, "guideTimeout", 0, shown)
    for g, guide in enumerate(GUIDES):
        alive, time = (guide_of == g) & ~timed_out, shown.copy()
        for step in range(guide.steps):
            add(alive, "guideSeen", step, time)
            dwell = rng.exponential(6_000, len(time)).astype(np.int64) + 800
            last = step == guide.steps - 1
            go_on = rng.random(len(time)) < (0.65 if last else 0.75)
            finish = ("Submit", "submitPoll") if guide.polls else ("Done", "advanceGuide")
            button, action = finish if last else ("Next", "advanceGuide")
            add(alive & go_on, "guideActivity", step, time + dwell, button, action)
            add(alive & go_on, "guideAdvanced", step, time + dwell + 1)
            add(alive & ~go_on, "guideActivity", step, time + dwell, "Close", "dismissGuide")
            add(alive & ~go_on, "guideDismissed", step, time + dwell + 1)
            if last and guide.polls:
                answered = alive & go_on
                answers.append(pl.DataFrame({
                    "exposure": index[answered], "visitor": None, "guide": g,
                    "browserTime": (time + dwell)[answered], "channel": "Web App"},
                    schema=_ANSWERS))
            alive, time = alive & go_on, time + dwell + 300
    return stack(rows, _STEPS), stack(answers, _ANSWERS)


def _guide_events(rng, steps: pl.DataFrame, exposures: pl.DataFrame,
                  context: pl.DataFrame) -> pl.DataFrame:
    guide_rows = pl.DataFrame([
        {"guide": g, "step": s, "guideId": gid, "guideStepId": sid,
         "elementPath": "" if s == 0 else ELEMENTS[1].path}
        for g, guide in enumerate(GUIDES)
        for gid, step_ids, _ in [guide_ids(guide.name)] for s, sid in enumerate(step_ids)])
    n = steps.height
    frame = (steps.join(exposures.with_row_index("exposure").select(
                 pl.col("exposure").cast(pl.Int64), "guide", "session"), on="exposure")
             .join(guide_rows, on=["guide", "step"])
             .join(context, on="session"))
    is_activity = pl.col("type") == "guideActivity"
    return frame.sort("browserTime", "visitorId", "type").select(
        "accountId", "accountIds", "appId", "browserTime", "country", "elementPath",
        pl.Series("eventId", random_ids(rng, n, 20)),
        "guideId",
        guideSeenReason=pl.when(pl.col("type") == "guideSeen").then(pl.lit("auto"))
        .when(pl.col("type") == "guideTimeout").then(pl.lit("element_not_found")),
        guideStepId="guideStepId", language="language", latitude="latitude",
        loadTime=pl.Series(rng.integers(40, 900, n)), longitude="longitude",
        pollId=pl.lit(None, pl.String), pollResponse=pl.lit(None, pl.String), region="region",
        remoteIp="remoteIp", serverName="serverName", type="type",
        uiElementActions=pl.when(is_activity).then(pl.concat_list(pl.struct(action="action"))),
        uiElementId=pl.when(is_activity).then(pl.format("pendo-button-{}",
                                                         pl.col("button").str.to_lowercase())),
        uiElementText=pl.when(is_activity).then("button"),
        uiElementType=pl.when(is_activity).then(pl.lit("BUTTON")),
        url="url", userAgent="userAgent", visitorId="visitorId",
    )


def _emails(rng, people: People, sessions: Sessions, exposures: pl.DataFrame,
            grid) -> tuple[pl.DataFrame, pl.DataFrame]:
    """NPS by email to identified visitors not shown it in the app, and a welcome campaign to
    new visitors. Returns the email events and the NPS answers given from clicked emails."""
    nps = next(i for i, g in enumerate(GUIDES) if g.name == "NPS survey")
    published = max(grid.start_ms, grid.now_ms - GUIDES[nps].published_days_ago * DAY_MS)
    shown = exposures.filter(pl.col("guide") == nps)["visitor"].to_numpy()
    active_after = np.unique(sessions.visitor[sessions.start_ms >= published])
    candidates = np.setdiff1d(active_after[~people.anonymous[active_after]], shown)
    nps_to = candidates[rng.random(len(candidates)) < 0.25]
    nps_at = published + (rng.random(len(nps_to)) * max(grid.now_ms - DAY_MS - published, 1))
    arrived = np.nonzero((people.arrival_day >= 0) & ~people.anonymous)[0]
    seen, first = np.unique(sessions.visitor, return_index=True)
    welcomed = np.isin(seen, arrived)
    welcome_to, welcome_at = seen[welcomed], sessions.start_ms[first[welcomed]] + 3_600_000

    sent = pl.DataFrame({
        "visitor": np.concatenate([nps_to, welcome_to]),
        "sentAt": np.concatenate([nps_at, welcome_at]).astype(np.int64),
        "targetType": ["guide"] * len(nps_to) + ["campaign"] * len(welcome_to),
        "targetId": [object_id("guide", "NPS survey")] * len(nps_to)
                    + [object_id("campaign", "Welcome series")] * len(welcome_to),
    }, schema=_SENT)
    n = sent.height
    delivered = rng.random(n) < 0.97
    opened = delivered & (rng.random(n) < 0.5)
    clicked = opened & (rng.random(n) < 0.35)
    sent_at = sent["sentAt"].to_numpy()
    opened_at = sent_at + rng.integers(5 * 60_000, 30 * 3_600_000, n)
    clicked_at = opened_at + rng.integers(10_000, 600_000, n)
    stages = [("sent", np.ones(n, dtype=bool), sent_at), ("delivered", delivered, sent_at + 5_000),
              ("bounced", ~delivered, sent_at + 5_000), ("opened", opened, opened_at),
              ("clicked", clicked, clicked_at)]
    events = stack([sent.filter(pl.Series(mask)).with_columns(
        type=pl.lit(f"email:pendo:{name}"), browserTime=pl.Series(at[mask]))
        for name, mask, at in stages], {**_SENT, "type": pl.String, "browserTime": pl.Int64})
    events = events.filter(pl.col("browserTime") < grid.now_ms).sort("browserTime", "visitor")
    who = _visitor_context(people, events["visitor"].to_numpy())
    email_events = events.select(
        accountId=who["accountId"], accountIds=who["accountIds"],
        appId=pl.lit(DEFAULT_APP_ID, pl.Int64), browserTime="browserTime",
        eventId=random_ids(rng, events.height, 20), targetId="targetId", targetType="targetType",
        type="type", visitorId=who["visitorId"])
    nps_clicks = clicked & (sent["targetType"] == "guide").to_numpy() & (rng.random(n) < 0.8)
    answers = pl.DataFrame({"exposure": None,
                            "visitor": sent["visitor"].filter(pl.Series(nps_clicks)),
                            "guide": nps, "browserTime": clicked_at[nps_clicks] + 20_000,
                            "channel": "Email"}, schema=_ANSWERS)
    return email_events, answers.filter(pl.col("browserTime") < grid.now_ms)


def _poll_events(rng, answers: pl.DataFrame, exposures: pl.DataFrame, people: People,
                 context: pl.DataFrame, activity: np.ndarray, grid) -> pl.DataFrame:
    """One row per poll answered: NPS scores (with follow-ups), pick-list and yes/no choices."""
    shown = exposures.with_row_index("exposure").select(
        pl.col("exposure").cast(pl.Int64), "guide", "session", "visitor")
    answers = stack([
        answers.filter(pl.col("exposure").is_not_null())
        .select("exposure", "browserTime", "channel").join(shown, on="exposure"),
        answers.filter(pl.col("exposure").is_null()),
    ], _SHOWN_ANSWERS).sort("browserTime", "visitor")
    visitor = answers["visitor"].to_numpy()
    log_activity = np.log1p(activity)
    z = (log_activity[visitor] - log_activity.mean()) / max(log_activity.std(), 1e-9)
    score = np.clip(np.round(7.0 + 1.9 * z + rng.normal(0, 1.5, len(visitor))), 0, 10)
    rows = []
    for g, guide in enumerate(GUIDES):
        if not guide.polls:
            continue
        mine = (answers["guide"] == g).fill_null(False).to_numpy()
        gid, step_ids, poll_ids = guide_ids(guide.name)
        first = guide.polls[0]
        if first.type == "NumberScale":
            response = score[mine].astype(int).astype(str)
        else:
            weights = np.array([0.5, 0.3, 0.2] if first.type == "PickList" else [0.75, 0.25])
            labels = np.asarray(first.responses)[rng.choice(len(weights), int(mine.sum()),
                                                            p=weights)]
            response = np.array([poll_response_id(guide.name, first.question, label)
                                 for label in labels], dtype=object)
        base = answers.filter(pl.Series(mine)).with_columns(
            guideId=pl.lit(gid), guideStepId=pl.lit(step_ids[-1]))
        rows.append(base.with_columns(pollId=pl.lit(poll_ids[0]),
                                      pollResponse=pl.Series(response, dtype=pl.String)))
        if len(guide.polls) > 1:   # the NPS follow-up: free text a few ms after the score
            follows = rng.random(base.height) < 0.45
            band = np.where(score[mine] >= 9, "promoter",
                            np.where(score[mine] >= 7, "passive", "detractor"))
            text = [NPS_COMMENTS[b][rng.integers(0, len(NPS_COMMENTS[b]))] for b in band]
            rows.append(base.with_columns(
                pollId=pl.lit(poll_ids[1]), pollResponse=pl.Series(text, dtype=pl.String),
                browserTime=pl.col("browserTime") + pl.Series(rng.integers(1, 80, base.height)),
            ).filter(pl.Series(follows)))
    frame = stack(rows, _RESPONSES).filter(pl.col("browserTime") < grid.now_ms)
    with_session = frame.join(context, on="session", how="left")
    visitor_context = _visitor_context(people, with_session["visitor"].to_numpy())
    filled = with_session.with_columns(
        [pl.coalesce(column, visitor_context[column]) for column in visitor_context.columns])
    return filled.sort("browserTime", "visitorId").select(
        "accountId", "accountIds", "appId", "browserTime", "country",
        elementPath=pl.lit(""), eventId=random_ids(rng, filled.height, 20), guideId="guideId",
        guideStepId="guideStepId", language="language", latitude="latitude",
        longitude="longitude", pollId="pollId", pollResponse="pollResponse", region="region",
        remoteIp="remoteIp", serverName="serverName", type="channel", url="url",
        userAgent="userAgent", visitorId="visitorId")


def _visitor_context(people: People, visitor: np.ndarray,
                     account: np.ndarray | None = None) -> pl.DataFrame:
    """Who and where from, for events of ``visitor`` (in ``account``, default their primary);
    answers given outside a session (from an email) have no IP, server, URL or agent."""
    account = people.primary[visitor] if account is None else account
    place = people.place(visitor)
    return pl.DataFrame({
        "visitorId": people.visitor_ids.gather(visitor),
        "accountId": people.account_ids.gather(masked(account >= 0, account)).fill_null(""),
        "accountIds": people.account_lists.gather(visitor),
        "appId": np.full(len(visitor), DEFAULT_APP_ID),
        "remoteIp": "", "serverName": "", "url": "", "userAgent": "",
        **{name: strings([p[i + 1] for p in PLACES], place)
           for i, name in enumerate(("country", "region"))},
        **{name: pl.Series([p[i + 3] for p in PLACES]).gather(place)
           for i, name in enumerate(("latitude", "longitude"))},
        "language": strings(LANGUAGES, people.language[visitor]),
    }, schema=_VISITOR_CONTEXT)
