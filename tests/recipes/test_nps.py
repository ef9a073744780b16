"""recipes.nps: server and local paths agree on the sandbox; counts, shares, NPS and follow-ups
match a hand computation; periods, groups and counting rules; frames in, frames out."""

from __future__ import annotations

import importlib
import inspect
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import polars as pl
import pytest

from pendo_lab import ValidationError, recipes

NEW_YORK = ZoneInfo("America/New_York")


def test_the_module_has_examples(examples):
    module = importlib.import_module("pendo_lab.recipes.nps")
    assert examples(inspect.getsource(module)) > 3


@pytest.mark.parametrize("params", [
    {"days": 60},
    {"days": 60, "period": "month", "responses": "latest"},
    {"days": 90, "group_by": "account", "period": "day"},
    {"days": 60, "group_by": "account.custom.planlevel"},
    {"days": 60, "group_by": "visitor.agent.role", "identified": False},
])
def test_server_and_local_paths_agree(sandbox_client, assert_same, params):
    server = recipes.nps(sandbox_client, **params)
    assert_same(server, recipes.nps(sandbox_client, method="local", **params))
    assert -100 <= server.value <= 100 and server.frame.height > 1


def test_sandbox_answers_are_all_counted_with_their_follow_ups(sandbox_client, box):
    result = recipes.nps(sandbox_client, first="2026-08-04", last="2026-11-01")
    guide = box.tables["guides"].filter(pl.col("name") == "NPS survey").row(0, named=True)
    score_poll, text_poll = guide["polls"][0]["id"], guide["polls"][1]["id"]
    series = {"period": "dayRange", "first": 'date("2026-08-04")', "last": 'date("2026-11-01")'}
    answers = sandbox_client.aggregate([
        {"source": {"pollEvents": {"guideId": guide["id"]}, "timeSeries": series}},
        {"identified": "visitorId"}])
    scores = answers.filter(pl.col("pollId") == score_poll)
    texts = answers.filter(pl.col("pollId") == text_poll)
    responses = result.details["responses"]
    assert responses.height == scores.height == result.frame["responses"].sum() > 50
    assert sorted(responses["followUp"].drop_nulls()) == sorted(texts["pollResponse"])
    assert responses["score"].to_list() == scores.sort("browserTime")["pollResponse"].cast(
        pl.Int64).to_list()


def guides() -> pl.DataFrame:
    return pl.DataFrame({
        "id": ["nps", "other"], "name": ["NPS survey", "Poll"],
        "polls": [
            [{"id": "score", "attributes": {"type": "NumberScale"},
              "numericResponses": list(range(11))},
             {"id": "why", "attributes": {"type": "FreeForm"}, "numericResponses": []}],
            [{"id": "pick", "attributes": {"type": "PickList"}, "numericResponses": []}],
        ],
    })


def answer(visitor, account, when, poll, response, extra_ms=0):
    moment = datetime(2026, 10, *when, tzinfo=NEW_YORK).timestamp() * 1000 + extra_ms
    return {"visitorId": visitor, "accountId": account, "guideId": "nps", "pollId": poll,
            "pollResponse": response, "browserTime": int(moment)}


def poll_events() -> pl.DataFrame:
    return pl.DataFrame([
        answer("a", "x", (5, 10), "score", "3"),
        answer("a", "x", (5, 10), "why", "slow", 50),
        answer("b", "x", (10, 12), "score", "9"),
        answer("c", "y", (11, 9), "score", "7"),
        answer("c", "y", (11, 9), "why", "fine", 150),
        answer("_PENDO_T_anon", "", (12, 8), "score", "0"),
        answer("a", "x", (14, 15), "score", "10"),
        answer("d", "y", (14, 16), "score", "8"),
    ])


def run(**params):
    params = {"first": "2026-10-01", "last": "2026-10-31", "timezone": "America/New_York",
              **params}
    return recipes.nps({"pollEvents": poll_events(), "guides": guides()}, **params)


def test_hand_computed_counts_shares_and_score():
    result = run()
    by_week = {row["period"]: row for row in result.frame.iter_rows(named=True)}
    assert sorted(by_week) == [date(2026, 10, 4), date(2026, 10, 11)]  # weeks start on Sunday
    first, second = by_week[date(2026, 10, 4)], by_week[date(2026, 10, 11)]
    assert (first["responses"], first["promoters"], first["passives"], first["detractors"]) == (
        2, 1, 0, 1)
    assert first["nps"] == 0 and first["promoterShare"] == first["detractorShare"] == 50
    assert (second["responses"], second["promoters"], second["passives"]) == (3, 1, 2)
    assert second["nps"] == pytest.approx(100 / 3) and second["averageScore"] == pytest.approx(25 / 3)
    assert result.value == pytest.approx(100 * (2 - 1) / 5)  # 2 promoters, 1 detractor, 5 answers


def test_follow_ups_join_their_score_within_the_window():
    texts = dict(zip(run().details["responses"]["score"], run().details["responses"]["followUp"]))
    assert texts == {3: "slow", 9: None, 7: None, 10: None, 8: None}
    wider = run(followup_window_ms=200).details["responses"]
    assert dict(zip(wider["score"], wider["followUp"]))[7] == "fine"


def test_latest_answer_per_visitor():
    latest = run(responses="latest")
    assert latest.value == pytest.approx(100 * 2 / 4)  # a's 10 replaces a's 3
    assert latest.frame["responses"].to_list() == [2, 3]  # once per visitor and week
    assert run(responses="latest", period="month").frame["responses"].to_list() == [4]


def test_identified_period_and_groups():
    everyone = run(identified=False)
    assert everyone.details["responses"].height == 6 and everyone.value == pytest.approx(0)
    assert run(period="day").frame["period"].to_list() == [
        date(2026, 10, d) for d in (5, 10, 11, 14)]
    by_account = run(group_by="account", period="month")
    assert dict(zip(by_account.frame["accountId"], by_account.frame["nps"])) == pytest.approx(
        {"x": 100 * (2 - 1) / 3, "y": 0.0})
    assert by_account.details["groups"]["responses"].to_list() == [3, 2]
    assert by_account.details["periods"]["responses"].to_list() == [5]


def test_group_by_metadata_reads_the_visitors():
    visitors = pl.DataFrame({"visitorId": ["a", "b", "c", "d"],
                             "agent.role": ["Admin", "Viewer", "Viewer", None]})
    result = recipes.nps({"pollEvents": poll_events(), "guides": guides(), "visitors": visitors},
                         first="2026-10-01", last="2026-10-31", period="month",
                         group_by="visitor.agent.role")
    counts = dict(zip(result.frame["role"], result.frame["responses"]))
    assert counts == {"Admin": 2, "Viewer": 2, None: 1}


def test_pandas_in_pandas_out():
    result = recipes.nps({"pollEvents": poll_events().to_pandas(), "guides": guides()},
                         first="2026-10-01", last="2026-10-31")
    assert isinstance(result.frame, pd.DataFrame)
    assert isinstance(result.details["responses"], pd.DataFrame)
    assert result.value == pytest.approx(20.0)


def test_guide_is_found_or_named():
    with pytest.raises(ValidationError, match="guide_id='other'"):
        run(guide_id="other")
    two = pl.concat([guides(), guides().head(1).with_columns(pl.lit("nps2").alias("id"))])
    with pytest.raises(ValidationError, match="cannot tell the NPS guide"):
        recipes.nps({"pollEvents": poll_events(), "guides": two})
    assert recipes.nps({"pollEvents": poll_events(), "guides": two}, guide_id="nps",
                       first="2026-10-01", last="2026-10-31").value == pytest.approx(20.0)


def test_empty_data_gives_a_message(sandbox_client):
    result = recipes.nps(sandbox_client, first="2020-01-01", last="2020-01-31")
    assert result.value is None
    assert result.message == ("no answers to the NPS guide 'NPS survey' in 2020-01-01 to "
                              "2020-01-31, default app, identified visitors")
    assert result.frame.height == 0 and result.chart().to_dict()["mark"]["type"] == "text"


@pytest.mark.parametrize("params, message", [
    ({"period": "year"}, "period='year'"),
    ({"responses": "first"}, "responses='first'"),
    ({"followup_window_ms": -1}, "followup_window_ms=-1"),
])
def test_bad_parameters(params, message):
    with pytest.raises(ValidationError, match=message):
        run(**params)
