"""recipes.guide_goals: server and local paths agree on the sandbox; seen, converted and the
baseline match a hand computation per guide and step; goals, targets and errors."""

from __future__ import annotations

import importlib
import inspect
from datetime import datetime, timezone

import pandas as pd
import polars as pl
import pytest

from pendo_lab import ValidationError, recipes

HOUR = 3_600_000


def test_the_module_has_examples(examples):
    module = importlib.import_module("pendo_lab.recipes.guide_goals")
    assert examples(inspect.getsource(module)) > 3


@pytest.mark.parametrize("params", [
    {"days": 60}, {"days": 90, "same_hour": False}, {"days": 30, "identified": False},
])
def test_server_and_local_paths_agree(sandbox_client, assert_same, params):
    server = recipes.guide_goals(sandbox_client, **params)
    assert_same(server, recipes.guide_goals(sandbox_client, method="local", **params))
    assert server.frame.height == 5  # Welcome tour: 3 steps, New: AI insights: 2


def test_sandbox_guides_convert_far_above_their_baseline(sandbox_client):
    result = recipes.guide_goals(sandbox_client, days=60)
    first_steps = result.frame.filter(pl.col("step") == 1)
    assert (first_steps["conversion"] > 2 * first_steps["baselineConversion"]).all()
    expected = 100 * first_steps["converted"].sum() / first_steps["seen"].sum()
    assert result.value == pytest.approx(expected)


def at(hour: float) -> int:
    return int(datetime(2026, 10, 5, tzinfo=timezone.utc).timestamp() * 1000 + hour * HOUR)


def frames() -> dict[str, pl.DataFrame]:
    guides = pl.DataFrame({
        "id": ["g1", "g2", "g3"], "name": ["Tour", "No goal", "Pages"],
        "steps": [[{"id": "s2", "rank": 20}, {"id": "s1", "rank": 10}],
                  [{"id": "n1", "rank": 1}], [{"id": "t1", "rank": 1}]],
        "conversion": [{"itemType": "Feature", "itemId": "f1"}, None,
                       {"itemType": "Page", "itemId": "p9"}],
    })
    views = [("a", "s1", 10.5), ("a", "s2", 10.52), ("b", "s1", 10.5), ("c", "s1", 12.2),
             ("d", "s1", 9.0), ("a", "s1", 15.0)]
    guide_events = pl.DataFrame({
        "visitorId": [v for v, _, _ in views] + ["e"], "accountId": "x",
        "type": ["guideSeen"] * len(views) + ["guideDismissed"],
        "guideId": "g1", "guideStepId": [s for _, s, _ in views] + ["s1"],
        "browserTime": [at(h) for _, _, h in views] + [at(11)],
    })
    uses = [("a", 10), ("b", 11), ("c", 9), ("x", 8)]
    feature_events = pl.DataFrame({
        "visitorId": [v for v, _ in uses], "accountId": "x", "featureId": "f1",
        "day": at(0), "hour": [at(h) for _, h in uses],
    })
    page_events = pl.DataFrame({"visitorId": ["y"], "accountId": "x", "pageId": "other",
                                "day": at(0), "hour": at(13)})
    events = pl.DataFrame({"visitorId": list("abcdxyz"), "accountId": "x", "day": at(0)})
    return {"guides": guides, "guideEvents": guide_events, "featureEvents": feature_events,
            "pageEvents": page_events, "events": events}


def run(source=None, **params):
    return recipes.guide_goals(frames() if source is None else source, first="2026-10-05",
                               days=1, **params)


def test_hand_computed_steps_conversions_and_baseline():
    result = run()
    rows = {(row["guideName"], row["step"]): row for row in result.frame.iter_rows(named=True)}
    assert sorted(rows) == [("Pages", 1), ("Tour", 1), ("Tour", 2)]
    step1, step2 = rows[("Tour", 1)], rows[("Tour", 2)]
    assert step1["stepId"] == "s1" and step2["stepId"] == "s2"  # ordered by rank
    assert (step1["seen"], step1["converted"], step1["conversion"]) == (4, 2, 50.0)  # a, b
    assert (step2["seen"], step2["converted"]) == (1, 1)
    assert (step1["baselineVisitors"], step1["baselineConverted"]) == (3, 1)  # x, y, z: x
    assert step1["baselineConversion"] == pytest.approx(100 / 3)
    pages = rows[("Pages", 1)]
    assert (pages["seen"], pages["conversion"], pages["baselineConversion"]) == (0, None, 0.0)
    assert result.value == 50.0


def test_same_hour_off_counts_only_later_hours():
    result = run(same_hour=False)
    tour = result.frame.filter(pl.col("guideName") == "Tour")
    assert tour["converted"].to_list() == [1, 0]  # b only; a's use shares the view's hour
    assert result.value == 25.0


def test_one_guide_and_a_target_override():
    only = run(guide_id="g1")
    assert set(only.frame["guideId"]) == {"g1"}
    other = run(guide_id="g2", target=("feature", "f1"))
    assert other.frame["seen"].to_list() == [0]
    assert other.frame["baselineConversion"].to_list() == pytest.approx([100 * 4 / 7])
    with pytest.raises(ValidationError, match="pass guide_id"):
        run(target=("feature", "f1"))
    with pytest.raises(ValidationError, match="target="):
        run(guide_id="g1", target=("button", "f1"))
    with pytest.raises(ValidationError, match="guide_id='g2'"):
        run(guide_id="g2")


def test_pandas_in_pandas_out():
    pandas_frames = {name: frame.to_pandas() for name, frame in frames().items()}
    result = run(pandas_frames)
    assert isinstance(result.frame, pd.DataFrame) and result.value == 50.0


def test_empty_data_and_no_goals_give_messages(sandbox_client):
    before = recipes.guide_goals(sandbox_client, first="2020-01-01", last="2020-01-31")
    assert before.value is None and before.message.startswith("nobody saw step 1")
    source = frames()
    source["guides"] = source["guides"].with_columns(pl.lit(None).alias("conversion"))
    none = run(source)
    assert none.value is None and none.message.startswith("no guide with a conversion goal")
    assert none.chart().to_dict()["mark"]["type"] == "text"
