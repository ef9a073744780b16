"""RecipeExplorer against the sandbox: forms from declared parameters, runs, charts, code."""

from __future__ import annotations

import inspect

import ipywidgets as widgets
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pendo_lab import recipes
from pendo_lab.recipes import RecipeResult, get_recipe, list_recipes, run_recipe
from pendo_lab.widgets import RecipeExplorer


@pytest.fixture
def explorer(writer):
    return RecipeExplorer(writer)


def test_offers_every_recipe_declarative_then_computed(explorer):
    names = [value for _, value in explorer.recipe.options]
    assert names == list_recipes()["name"].to_list() + list(recipes.computed_recipes())


def test_each_form_has_one_input_per_declared_parameter_showing_its_default(explorer):
    for name in list_recipes()["name"]:
        explorer.recipe.value = name
        recipe = get_recipe(name)
        assert list(explorer.inputs) == [parameter.name for parameter in recipe.parameters]
        for parameter in recipe.parameters:
            widget = explorer.inputs[parameter.name]
            assert widget.tooltip == parameter.help
            if isinstance(widget, widgets.Text):
                shown = parameter.convert(widget.value) if widget.value.strip() else None
                assert shown == parameter.default, (name, parameter.name)
        assert recipe.title in explorer.about.value
        assert explorer.error is None, explorer.message.value


def test_id_parameters_list_the_subscriptions_objects(box, explorer):
    explorer.recipe.value = "nps_last_30_days"
    guides = explorer.inputs["guideId"]
    assert isinstance(guides, widgets.Dropdown)
    assert sorted(value for _, value in guides.options) == sorted(box.tables["guides"]["id"])
    polls = explorer.inputs["pollId"]
    nps = box.tables["guides"].filter(pl.col("name") == "NPS survey").row(0, named=True)
    assert {poll["id"] for poll in nps["polls"]} <= {value for _, value in polls.options}
    explorer.recipe.value = "guide_element_activity"  # optional: "(none)" comes first
    assert explorer.inputs["guideId"].options[0] == ("(none)", None)
    assert explorer.inputs["guideId"].value is None


def test_run_shows_value_frame_chart_and_code_that_reproduces_it(writer, explorer):
    explorer.recipe.value = "top_visitors_by_active_days"
    explorer.inputs["days"].value = "-14"
    explorer.inputs["limit"].value = "5"
    explorer.run_button.click()

    result = explorer.result
    assert isinstance(result, RecipeResult)
    expected = run_recipe(writer, "top_visitors_by_active_days", days=-14, limit=5)
    assert_frame_equal(result.frame, expected.frame)
    assert result.params == {"days": -14, "limit": 5}
    assert explorer.message.value == f"ran top_visitors_by_active_days: {len(expected.frame)} rows"
    assert explorer.chart.to_dict()["mark"]["type"] == "bar"
    assert explorer.table.outputs and explorer.chart_area.outputs

    assert explorer.code.value == ("from pendo_lab.recipes import run_recipe\n\n"
                                   "result = run_recipe(client, 'top_visitors_by_active_days', "
                                   "days=-14, limit=5)")
    namespace = {"client": writer}
    exec(explorer.code.value, namespace)  # noqa: S102 - running the shown code is the check
    assert_frame_equal(namespace["result"].frame, result.frame)


def test_headline_value_and_defaults_left_out_of_the_code(writer, explorer):
    explorer.recipe.value = "visitors_with_events"
    explorer.run_button.click()
    recipe = get_recipe("visitors_with_events")
    assert explorer.value.value == f"value = {explorer.result.value}"
    assert explorer.result.value == explorer.result.frame[recipe.headline][0]
    assert explorer.code.value.endswith("run_recipe(client, 'visitors_with_events')")
    assert explorer.message.value.endswith("(no chart)") is (recipe.chart_spec is None)


def test_nps_recipe_with_listed_guide_and_poll(box, writer, explorer):
    nps = box.tables["guides"].filter(pl.col("name") == "NPS survey").row(0, named=True)
    score_poll = next(p["id"] for p in nps["polls"] if p["attributes"]["type"] == "NumberScale")
    explorer.recipe.value = "nps_last_30_days"
    explorer.inputs["guideId"].value = nps["id"]
    explorer.inputs["pollId"].value = score_poll
    explorer.run_button.click()
    expected = run_recipe(writer, "nps_last_30_days", guideId=nps["id"], pollId=score_poll)
    assert explorer.result.value == expected.value
    assert f"guideId={nps['id']!r}, pollId={score_poll!r}" in explorer.code.value


def test_bad_parameters_are_reported_in_the_form(explorer):
    explorer.recipe.value = "usage_by_os"
    explorer.inputs["days"].value = "a week"
    explorer.run_button.click()
    assert explorer.message.value == ("ValidationError: recipe 'usage_by_os': parameter 'days' "
                                      "expects int (a whole number), got 'a week'")
    assert explorer.result is None and explorer.code.value == ""

    explorer.recipe.value = "events_for_visitor"
    explorer.run_button.click()
    assert explorer.message.value.startswith(
        "ValidationError: recipe 'events_for_visitor': parameter 'visitorId' is required")


def test_run_button_is_disabled_while_the_recipe_runs(writer, explorer, monkeypatch):
    seen = []
    real = writer.aggregate

    def spy(*args, **kwargs):
        seen.append((explorer.run_button.disabled, explorer.message.value))
        return real(*args, **kwargs)

    monkeypatch.setattr(writer, "aggregate", spy)
    explorer.recipe.value = "usage_by_device"
    explorer.run_button.click()
    assert seen == [(True, "working…")]
    assert not explorer.run_button.disabled


def active_visitors(source, *, days: int = 7, identified: bool = True, app_id=None,
                    guide_id: str | None = None) -> RecipeResult:
    """Visitors active in the last days (a computed recipe written for this test).

    Counts distinct visitors of the events source over ``days`` days.
    """
    params = {"days": days, "identified": identified, "app_id": app_id, "guide_id": guide_id}
    frame = source.aggregate([
        {"source": {"events": {"appId": app_id} if app_id is not None else None,
                    "timeSeries": {"period": "dayRange", "first": "now()", "count": -days}}},
        {"group": {"group": ["visitorId"]}}, {"count": None}])
    return RecipeResult(frame, frame["count"][0], "active_visitors", params)


@pytest.fixture
def computed(monkeypatch):
    """Register ``active_visitors`` as a computed recipe, as pendo_lab.recipes lists them."""
    monkeypatch.setattr(recipes, "__all__", [*recipes.__all__, "active_visitors"])
    monkeypatch.setattr(recipes, "active_visitors", active_visitors, raising=False)


def test_computed_recipe_form_follows_its_signature(writer, computed):
    explorer = RecipeExplorer(writer)
    assert explorer.recipe.options[-1] == ("active_visitors", "active_visitors")
    explorer.recipe.value = "active_visitors"
    assert list(explorer.inputs) == ["days", "identified", "app_id", "guide_id"]
    assert explorer.inputs["days"].value == "7"
    assert explorer.inputs["identified"].value is True
    assert isinstance(explorer.inputs["guide_id"], widgets.Dropdown)
    assert explorer.inputs["guide_id"].value is None
    assert "Visitors active in the last days" in explorer.about.value


def test_computed_recipe_runs_with_typed_values_and_reproducing_code(writer, computed):
    explorer = RecipeExplorer(writer)
    explorer.recipe.value = "active_visitors"
    explorer.inputs["days"].value = "14"
    explorer.inputs["app_id"].value = "-323232"
    explorer.run_button.click()
    assert explorer.error is None, explorer.message.value
    assert explorer.result.params["days"] == 14 and explorer.result.params["app_id"] == -323232
    assert explorer.result.value == active_visitors(writer, days=14, app_id=-323232).value
    assert explorer.message.value == "ran active_visitors: 1 row (no chart)"
    assert explorer.code.value == ("from pendo_lab.recipes import active_visitors\n\n"
                                   "result = active_visitors(client, days=14, app_id=-323232)")


@pytest.mark.parametrize("name", list(recipes.computed_recipes()))
def test_each_computed_recipe_runs_with_its_defaults_as_a_direct_call_does(writer, name):
    function = getattr(recipes, name)
    signature = inspect.signature(function)
    explorer = RecipeExplorer(writer)
    explorer.recipe.value = name
    assert list(explorer.inputs) == [
        p for p in list(signature.parameters)[1:] if p not in ("frame", "options")]
    explorer.run_button.click()
    assert explorer.error is None, explorer.message.value
    expected = function(writer)
    assert explorer.result.value == expected.value
    assert_frame_equal(explorer.result.frame, expected.frame)
    assert explorer.code.value == (f"from pendo_lab.recipes import {name}\n\n"
                                   f"result = {name}(client)")
    assert explorer.chart_area.outputs


def test_stickiness_with_a_listed_segment_and_typed_options(box, writer, explorer):
    beta = box.tables["segments"].filter(pl.col("createdViaApi")).row(0, named=True)
    explorer.recipe.value = "stickiness"
    assert dict(explorer.inputs["segment"].options)[f"{beta['name']} · {beta['id']}"] \
        == beta["id"]
    explorer.inputs["days"].value = "14"
    explorer.inputs["segment"].value = beta["id"]
    explorer.inputs["exclude_weekends"].value = True
    explorer.inputs["denominator"].value = "weekly"
    explorer.run_button.click()
    expected = recipes.stickiness(writer, days=14, segment=beta["id"], exclude_weekends=True,
                                  denominator="weekly")
    assert explorer.result.value == expected.value
    assert explorer.code.value.endswith(
        f"stickiness(client, days=14, segment={beta['id']!r}, denominator='weekly', "
        f"exclude_weekends=True)")
    explorer.inputs["numerator"].value = "yearly"
    explorer.run_button.click()
    assert explorer.message.value.startswith("ValidationError: numerator='yearly' is not "
                                             "supported")
