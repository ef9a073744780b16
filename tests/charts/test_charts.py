"""pendo_lab.charts: one chart per computed recipe, drawn from real sandbox results; specs and
PNG renders (vl-convert); results far above Altair's 5,000-row limit chart whole; the theme."""

from __future__ import annotations

import importlib
import inspect
import struct
from datetime import date, timedelta

import altair as alt
import numpy as np
import polars as pl
import pytest
import vl_convert

from pendo_lab import charts, recipes
from pendo_lab.recipes import RecipeResult
from pendo_lab.sandbox import Sandbox


@pytest.fixture(scope="module")
def client():
    return Sandbox(now="2026-11-02T15:30:00Z").client()


@pytest.mark.parametrize("name", ["pendo_lab.charts", "pendo_lab.charts._base",
                                  "pendo_lab.charts._recipes", "pendo_lab.charts._theme"])
def test_the_module_has_examples(name, examples):
    assert examples(inspect.getsource(importlib.import_module(name))) > 0


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def rows_of(spec: dict, data: dict) -> list[dict]:
    """The rows a (sub)chart embeds: inline values, or the named dataset they were moved to."""
    return data["values"] if "values" in data else spec["datasets"][data["name"]]


def marks(spec: dict) -> list[str]:
    """Every mark type of a spec, depth first."""
    found = []
    if "mark" in spec:
        found.append(spec["mark"]["type"] if isinstance(spec["mark"], dict) else spec["mark"])
    for key in ("layer", "hconcat", "vconcat"):
        for part in spec.get(key, []):
            found += marks(part)
    if "spec" in spec:
        found += marks(spec["spec"])
    return found


def render(chart) -> tuple[dict, tuple[int, int]]:
    spec = chart.to_dict()
    return spec, png_size(vl_convert.vegalite_to_png(spec, scale=1))


def test_stickiness_line_with_its_average(client):
    result = recipes.stickiness(client)
    spec, (width, height) = render(result.chart())
    assert marks(spec) == ["line", "rule", "text"]
    line = spec["layer"][0]
    assert line["encoding"]["x"]["field"] == "day" and line["encoding"]["y"]["field"] == "stickiness"
    assert len(rows_of(spec, line["data"])) == 30
    assert rows_of(spec, spec["layer"][1]["data"])[0]["value"] == pytest.approx(result.value)
    assert spec["title"]["text"] == "Stickiness" and "DAU/MAU" in spec["title"]["subtitle"]
    assert width > 300 and height > 200


def test_grouped_stickiness_and_pes_draw_one_bar_or_cell_per_account(client):
    stickiness = recipes.stickiness(client, group_by="account")
    spec, _ = render(stickiness.chart())
    bars = spec["layer"][0]
    assert marks(spec)[0] == "bar"
    assert len(rows_of(spec, bars["data"])) == stickiness.frame.height
    pes = recipes.pes(client, group_by="account")
    spec, _ = render(pes.chart())
    assert marks(spec) == ["rect", "text"]
    assert len(rows_of(spec, spec["data"])) == 4 * pes.frame.height


def test_adoption_bars_per_core_event(client):
    result = recipes.adoption(client)
    spec, _ = render(result.chart())
    assert marks(spec) == ["bar", "rule", "text"]
    names = {row["name"] for row in rows_of(spec, spec["layer"][0]["data"])}
    assert names == set(result.frame["name"])
    spec, _ = render(recipes.adoption(client, group_by="account").chart())
    assert marks(spec) == ["rect", "text"]


def test_growth_as_new_recovered_and_dropped(client):
    result = recipes.growth(client)
    spec, _ = render(result.chart())
    values = {row["change"]: row["units"] for row in rows_of(spec, spec["data"])}
    row = result.frame.row(0, named=True)
    assert values == {"new": row["new"], "recovered": row["recovered"],
                      "dropped": -row["dropped"]}
    spec, _ = render(recipes.growth(client, group_by="account").chart())
    assert spec["encoding"]["x"]["field"] == "accountId"


def test_pes_with_its_three_components(client):
    result = recipes.pes(client)
    spec, _ = render(result.chart())
    scores = {row["component"]: row["score"] for row in rows_of(spec, spec["data"])}
    assert scores == pytest.approx({"PES": result.value, **{
        name: result.frame[name][0] for name in ("adoption", "stickiness", "growth")}})


def test_nps_distribution_beside_the_score_over_time(client):
    result = recipes.nps(client, days=60)
    spec, (width, _) = render(result.chart())
    distribution, trend = spec["hconcat"]
    counts = {row["score"]: row["responses"] for row in rows_of(spec, distribution["data"])}
    assert sorted(counts) == list(range(11))
    assert sum(counts.values()) == len(result.details["responses"])
    assert marks(trend) == ["line", "rule", "text"]
    assert trend["layer"][0]["encoding"]["y"]["scale"]["domain"] == [-100, 100]
    assert width > 600


def test_guide_goal_funnel_and_comparison(client):
    result = recipes.guide_goals(client, days=60)
    spec, _ = render(result.chart())
    funnel, comparison = spec["vconcat"]
    assert funnel["facet"]["column"]["field"] == "guideName"
    assert len(rows_of(spec, funnel["data"])) == 2 * result.frame.height  # seen, converted
    assert len(rows_of(spec, comparison["data"])) == 2 * 2  # two guides, two groups


def test_charts_take_pandas_frames(client):
    result = recipes.stickiness(client, frame="pandas")
    spec, _ = render(result.chart())
    assert len(rows_of(spec, spec["layer"][0]["data"])) == 30


def test_empty_results_chart_their_message(client):
    result = recipes.growth(client, first="2020-01-01", last="2020-01-31")
    spec, _ = render(result.chart())
    assert rows_of(spec, spec["data"]) == [{"message": result.message}]


# ------------------------------------------------------------------- above 5,000 rows


def test_six_thousand_accounts_chart_as_a_distribution_without_losing_any():
    rng = np.random.default_rng(1)
    frame = pl.DataFrame({"accountId": [f"acct-{n}" for n in range(6000)],
                          "pes": rng.uniform(0, 100, 6000), "adoption": rng.uniform(0, 100, 6000),
                          "stickiness": rng.uniform(0, 100, 6000),
                          "growth": rng.uniform(0, 100, 6000)})
    result = RecipeResult(frame, 50.0, "pes", {"group_by": "account"}, charts.pes)
    spec, _ = render(result.chart())
    bins = rows_of(spec, spec["layer"][0]["data"])
    assert sum(row["count"] for row in bins) == 6000 and len(bins) == 20


def test_six_thousand_days_chart_every_day():
    days = [date(2010, 1, 1) + timedelta(days=n) for n in range(6000)]
    frame = pl.DataFrame({"day": days, "stickiness": np.linspace(5, 25, 6000)})
    result = RecipeResult(frame, 15.0, "stickiness", {}, charts.stickiness)
    spec, _ = render(result.chart())
    points = rows_of(spec, spec["layer"][0]["data"])
    assert len(points) == 6000 and points[-1]["day"] == "2026-06-05"


def test_seven_thousand_nps_answers_chart_whole():
    rng = np.random.default_rng(2)
    scores = rng.integers(0, 11, 7000)
    responses = pl.DataFrame({"score": scores})
    periods = pl.DataFrame({"period": [date(2026, 10, 4)], "nps": [10.0], "responses": [7000]})
    result = RecipeResult(periods, 10.0, "nps", {}, charts.nps,
                          {"responses": responses, "periods": periods})
    spec, _ = render(result.chart())
    counts = rows_of(spec, spec["hconcat"][0]["data"])
    assert sum(row["responses"] for row in counts) == 7000
    assert {row["score"]: row["responses"] for row in counts}[10] == int((scores == 10).sum())


def test_a_plain_altair_chart_of_the_same_rows_would_fail():
    frame = pl.DataFrame({"x": range(6000)})
    with pytest.raises(alt.MaxRowsError):
        alt.Chart(frame).mark_point().encode(x="x:Q").to_dict()


# ------------------------------------------------------------------------------ theme


def test_house_theme_is_used_unless_another_is_chosen(client):
    result = recipes.pes(client)
    alt.theme.enable("default")
    config = result.chart().to_dict()["config"]
    assert config["range"]["category"] == charts.PALETTE
    assert alt.theme.active == charts.THEME_NAME
    try:
        alt.theme.enable("dark")
        assert "range" not in result.chart().to_dict().get("config", {})
        assert alt.theme.active == "dark"
    finally:
        charts.enable_theme()
