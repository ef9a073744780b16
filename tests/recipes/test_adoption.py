"""recipes.adoption: server and local paths agree on the sandbox; the per-event shares and the
headline follow the formula on hand-made frames; core events come from the app, the caller or
product areas; frames in, frames out; empty data."""

from __future__ import annotations

import importlib
import inspect

import pandas as pd
import polars as pl
import pytest

from pendo_lab import ValidationError, recipes
from pendo_lab.engine import AdoptionOptions, MetricOptions


def test_the_module_has_examples(examples):
    module = importlib.import_module("pendo_lab.recipes.adoption")
    assert examples(inspect.getsource(module)) > 3


@pytest.mark.parametrize("params", [
    {},
    {"group_by": "account"},
    {"user_base": "accounts", "days": 14},
    {"identified": False, "group_by": "account", "user_base": "accounts"},
])
def test_server_and_local_paths_agree(sandbox_client, assert_same, params):
    server = recipes.adoption(sandbox_client, **params)
    assert_same(server, recipes.adoption(sandbox_client, method="local", **params))
    assert 0 < server.value < 100


def test_the_apps_marked_core_events_are_used_by_default(sandbox_client, box):
    result = recipes.adoption(sandbox_client)
    marked = {
        (kind, row["id"])
        for kind, table in (("page", "pages"), ("feature", "features"),
                            ("trackEvent", "track_types"))
        for row in box.tables[table].filter(pl.col("isCoreEvent") & (pl.col("appId") == -323232))
        .iter_rows(named=True)
    }
    assert set(zip(result.frame["kind"], result.frame["id"])) == marked
    assert "Dashboard" in result.frame["name"].to_list()


def test_headline_is_the_mean_of_the_events_shares(sandbox_client):
    result = recipes.adoption(sandbox_client)
    assert result.value == pytest.approx(result.frame["adoption"].mean(), abs=1e-9)


def frames() -> dict[str, pl.DataFrame]:
    # Active: a, b, c, d (account x: a, b; account y: c, d).  Feature f1: a, b, c; f2: a;
    # page p1: d (and e, who is not active in the days: ignored).
    events = pl.DataFrame({"visitorId": ["a", "b", "c", "d"], "accountId": ["x", "x", "y", "y"],
                           "day": [0] * 4})
    features = pl.DataFrame({"visitorId": ["a", "b", "c", "a"], "accountId": ["x", "x", "y", "x"],
                             "featureId": ["f1", "f1", "f1", "f2"], "day": [0] * 4})
    pages = pl.DataFrame({"visitorId": ["d", "e"], "accountId": ["y", "z"], "pageId": ["p1", "p1"],
                          "day": [0, 0]})
    return {"events": events, "featureEvents": features, "pageEvents": pages}


CORE = [{"kind": "feature", "id": "f1", "name": "Export"}, ("feature", "f2"), ("page", "p1")]


def test_hand_computed_shares_and_headline():
    result = recipes.adoption(frames(), first="1970-01-01", days=1, core_events=CORE)
    shares = dict(zip(result.frame["id"], result.frame["adoption"]))
    assert shares == pytest.approx({"f1": 75.0, "f2": 25.0, "p1": 25.0})
    assert result.value == pytest.approx(100 * (3 + 1 + 1) / (3 * 4))
    assert dict(zip(result.frame["id"], result.frame["name"]))["f1"] == "Export"


def test_hand_computed_by_account_and_by_accounts():
    by_account = recipes.adoption(frames(), first="1970-01-01", days=1, core_events=CORE,
                                  group_by="account")
    shares = {(row["accountId"], row["id"]): row["adoption"]
              for row in by_account.frame.iter_rows(named=True)}
    assert shares == pytest.approx({("x", "f1"): 100, ("x", "f2"): 50, ("x", "p1"): 0,
                                    ("y", "f1"): 50, ("y", "f2"): 0, ("y", "p1"): 50})
    accounts = recipes.adoption(frames(), first="1970-01-01", days=1, core_events=CORE,
                                user_base="accounts")
    assert accounts.value == pytest.approx(100 * (2 + 1 + 1) / (3 * 2))


def test_product_areas_expand_into_their_pages_and_features(sandbox_client, box):
    groups = box.tables["groups"].filter(pl.col("groupType") == "group")
    area = groups.filter(pl.col("name") == "Reporting")["id"][0]
    result = recipes.adoption(sandbox_client, product_area_ids=[area])
    pages = box.tables["pages"].filter(pl.col("group").struct.field("id") == area)["id"]
    features = box.tables["features"].filter(pl.col("group").struct.field("id") == area)["id"]
    assert set(result.frame["id"]) == set(pages) | set(features)
    local = recipes.adoption(sandbox_client, product_area_ids=[area], method="local")
    assert local.value == pytest.approx(result.value, abs=1e-9)
    with_tracks = recipes.adoption(
        sandbox_client, product_area_ids=[area], method="local",
        options=MetricOptions(adoption=AdoptionOptions(product_area_kinds=("trackEvent",))))
    assert set(with_tracks.frame["kind"]) == {"trackEvent"}
    with pytest.raises(ValidationError, match="no product area"):
        recipes.adoption(sandbox_client, product_area_ids=["nope"])


def test_core_events_are_checked():
    with pytest.raises(ValidationError, match=r"core_events\[0\]"):
        recipes.adoption(frames(), core_events=[{"kind": "button", "id": "x"}])
    with pytest.raises(ValidationError, match="no core events"):
        recipes.adoption(frames(), core_events=[])
    with pytest.raises(ValidationError, match="'pages' source"):
        recipes.adoption(frames())  # frames without the features to read core events from


def test_pandas_in_pandas_out():
    pandas_frames = {name: frame.to_pandas() for name, frame in frames().items()}
    result = recipes.adoption(pandas_frames, first="1970-01-01", days=1, core_events=CORE)
    assert isinstance(result.frame, pd.DataFrame)
    assert result.frame["adoption"].tolist() == pytest.approx([75.0, 25.0, 25.0])


def test_empty_data_gives_a_message(sandbox_client):
    result = recipes.adoption(sandbox_client, first="2020-01-01", last="2020-01-31")
    assert result.value is None and result.message.startswith("no activity in 2020-01-01")
    assert result.frame["adoption"].null_count() == result.frame.height > 0


def test_metadata_groups_on_the_local_path(sandbox_client):
    result = recipes.adoption(sandbox_client, group_by="visitor.agent.role", method="local")
    assert {"Admin", "Editor", "Viewer"} <= set(result.frame["role"].drop_nulls())
    assert result.frame.columns == ["role", "kind", "id", "name", "adoption"]
