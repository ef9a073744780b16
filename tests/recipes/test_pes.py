"""recipes.pes: server and local paths agree on the sandbox, by account and by metadata; PES is
the mean of its components, which equal the component recipes; frames in, frames out."""

from __future__ import annotations

import importlib
import inspect

import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pendo_lab import ValidationError, recipes


def test_the_module_has_examples(examples):
    module = importlib.import_module("pendo_lab.recipes.pes")
    assert examples(inspect.getsource(module)) > 3


@pytest.mark.parametrize("params", [
    {},
    {"group_by": "account"},
    {"user_base": "accounts", "denominator": "weekly", "exclude_weekends": True},
    {"days": 7, "identified": False},
])
def test_server_and_local_paths_agree(sandbox_client, assert_same, params):
    server = recipes.pes(sandbox_client, **params)
    assert_same(server, recipes.pes(sandbox_client, method="local", **params))
    assert 0 < server.value < 100


@pytest.mark.parametrize("recipe", [recipes.pes, recipes.stickiness])
def test_the_same_request_gives_the_same_bits_every_time(sandbox_client, recipe):
    first = recipe(sandbox_client, group_by="account").frame
    for _ in range(3):
        assert_frame_equal(recipe(sandbox_client, group_by="account").frame, first,
                           check_exact=True)


def test_pes_is_the_mean_of_the_components_which_match_their_recipes(sandbox_client):
    result = recipes.pes(sandbox_client, denominator="weekly")
    row = result.frame.row(0, named=True)
    assert row["pes"] == pytest.approx((row["adoption"] + row["stickiness"] + row["growth"]) / 3)
    assert row["adoption"] == pytest.approx(recipes.adoption(sandbox_client).value, abs=1e-9)
    assert row["stickiness"] == pytest.approx(
        recipes.stickiness(sandbox_client, denominator="weekly").value, abs=1e-9)
    assert row["growth"] == pytest.approx(recipes.growth(sandbox_client).value, abs=1e-9)
    assert result.value == row["pes"]


def test_by_account_rows_and_everyones_value(sandbox_client):
    grouped = recipes.pes(sandbox_client, group_by="account")
    assert grouped.frame.columns == ["accountId", "pes", "adoption", "stickiness", "growth"]
    assert grouped.value == pytest.approx(recipes.pes(sandbox_client).value, abs=1e-9)


def test_by_metadata_field_equals_a_segment_of_that_value(sandbox_client, box):
    web = -323232  # named explicitly: the sandbox reads an id-named source across apps
    grouped = recipes.pes(sandbox_client, group_by="account.custom.planlevel", method="local",
                          app_id=web)
    enterprise = box.tables["accounts"].filter(pl.col("custom.planlevel") == "Enterprise")
    series = {"period": "dayRange", "first": 'date("2025-10-01")', "last": 'date("2026-11-01")'}
    sources = {
        name: sandbox_client.aggregate([{"source": {name: {"appId": web}, "timeSeries": series}}])
        for name in ("events", "pageEvents", "featureEvents", "trackEvents")
    }
    core = grouped.params["core_events"]
    alone = recipes.pes(sources, last="2026-11-01", core_events=core, app_id=web,
                        segment=enterprise.select("accountId"), timezone=sandbox_client.timezone)
    row = grouped.frame.filter(pl.col("planlevel") == "Enterprise").row(0, named=True)
    assert row["pes"] == pytest.approx(alone.value, abs=1e-9)
    assert alone.value != grouped.value


def test_pandas_in_pandas_out():
    events = pd.DataFrame({"visitorId": ["a", "b"], "accountId": ["x", "x"], "day": [0, 0]})
    clicks = events.head(1).assign(featureId="f1")
    result = recipes.pes({"events": events, "featureEvents": clicks}, first="1970-01-01",
                         days=1, core_events=[("feature", "f1")])
    assert isinstance(result.frame, pd.DataFrame)
    assert result.frame["adoption"].tolist() == [50.0]


def test_empty_data_gives_a_message(sandbox_client):
    result = recipes.pes(sandbox_client, first="2020-01-01", last="2020-01-31")
    assert result.value is None and result.message.startswith("no activity in 2020-01-01")
    assert result.chart().to_dict()["mark"]["type"] == "text"


def test_group_by_metadata_is_refused_by_the_server(sandbox_client):
    with pytest.raises(ValidationError, match="method='local'"):
        recipes.pes(sandbox_client, group_by="visitor.agent.role")


def test_bad_stickiness_settings_are_named_before_anything_is_sent(sandbox_client):
    with pytest.raises(ValidationError, match="both weekly"):
        recipes.pes(sandbox_client, numerator="weekly", denominator="weekly")
    with pytest.raises(ValidationError, match="user_base='teams'"):
        recipes.pes(sandbox_client, user_base="teams")
