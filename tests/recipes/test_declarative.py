"""Declarative recipes: every shipped file loads and runs on the sandbox; parameters are typed
and substituted correctly; bad files and bad parameters fail clearly; user folders override."""

from __future__ import annotations

import datetime as dt
import json
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

import polars as pl
import pytest

import pendo_lab
from pendo_lab import ValidationError
from pendo_lab.expr import evaluate, parse
from pendo_lab.recipes import Recipe, get_recipe, list_recipes, load_recipe, run_recipe
from pendo_lab.recipes import _declarative
from pendo_lab.sandbox import Sandbox

ROOT = Path(__file__).parents[2]
RECONSTRUCTED = "reconstructed from the reference's description"
SHIPPED = list_recipes()["name"].to_list()

# The reference's ready aggregations (its sections from "visitors by segmentId" to the end)
# and the dropdown variants each section lists.
EXPECTED = {
    "visitors by segmentId": ["visitors_by_segment"],
    "Active visitors per hour": ["active_visitors_per_hour"],
    "events by visitor": [
        "visitors_with_events", "events_for_visitor", "events_by_visitor",
        "average_time_per_day_for_visitor", "average_time_per_day_by_visitor",
        "top_visitors_by_active_days", "top_visitors_by_time_on_site"],
    "events by account": [
        "accounts_with_events", "events_for_account", "events_by_account",
        "top_accounts_by_active_days", "top_accounts_by_time_on_site",
        "time_on_app_for_account", "time_on_app_by_account"],
    "Usage by browser": ["usage_by_browser", "usage_by_device", "usage_by_os",
                         "web_vs_mobile_usage"],
    "pageEvents with parameters": ["page_events_with_parameters", "unique_page_parameters",
                                   "search_page_parameter"],
    "guideEvents and guide categories": ["guide_events_with_category",
                                         "guide_events_by_category"],
    "Guide elements metrics": ["guide_element_activity", "guide_element_metrics"],
    "Guide goals": ["guide_goal_track_event", "guide_goal_page", "guide_goal_feature"],
    "NPS": ["nps_last_30_days", "nps_by_account", "nps_with_follow_up", "nps_by_guide_all_time"],
    "Add product area to responses": ["page_product_areas"],
    "Add application name to another source's output": ["feature_events_with_app_name"],
}


@pytest.fixture(scope="module")
def box():
    return Sandbox(now="2026-11-02T15:30:00Z")


@pytest.fixture(scope="module")
def client(box):
    return box.client()


@pytest.fixture(scope="module")
def ids(box, client):
    """Real ids of the sandbox, looked up in its tables, by parameter name."""
    tables = box.tables
    guides = tables["guides"]
    converting = guides.filter(pl.col("conversion").struct.field("itemType") == "Feature").row(
        0, named=True)
    polls = guides.explode("polls").select(
        "id", poll=pl.col("polls").struct.field("id"),
        kind=pl.col("polls").struct.field("attributes").struct.field("type"))
    score = polls.filter(pl.col("kind") == "NumberScale").row(0, named=True)
    follow_up = polls.filter((pl.col("id") == score["id"]) & (pl.col("kind") == "FreeForm"))
    identified = tables["events"].filter(~pl.col("visitorId").str.starts_with("_PENDO_T_"))
    with_parameter = tables["pages"].filter(
        pl.col("rules").list.eval(pl.element().struct.field("rule").str.contains(
            "*parameter*", literal=True)).list.any())
    found = {
        "segmentId": tables["segments"].filter(pl.col("memberType") == "visitor")["id"][0],
        "visitorId": identified["visitorId"].mode().sort()[0],
        "accountId": identified.filter(pl.col("accountId") != "")["accountId"].mode().sort()[0],
        "goalGuideId": converting["id"],
        "featureId": converting["conversion"]["itemId"],
        "pageId": with_parameter["id"][0],
        "trackTypeId": tables["track_types"]["id"][0],
        "npsGuideId": score["id"],
        "pollId": score["poll"],
        "followUpPollId": follow_up["poll"][0],
    }
    parameters = run_recipe(client, "unique_page_parameters", pageId=found["pageId"]).frame
    found["parameter"] = parameters["parameter"][0]
    return found


def required_params(recipe: Recipe, ids: dict) -> dict:
    """The recipe's required parameters, filled with sandbox ids."""
    params = {}
    for parameter in recipe.parameters:
        if parameter.required:
            key = parameter.name
            if key == "guideId":
                key = "npsGuideId" if recipe.name.startswith("nps_") else "goalGuideId"
            params[parameter.name] = ids[key]
    return params


# -- the shipped recipes -------------------------------------------------------------------


def test_one_recipe_per_ready_aggregation_of_the_reference():
    expected = sorted(name for names in EXPECTED.values() for name in names)
    assert sorted(SHIPPED) == expected
    for section, names in EXPECTED.items():
        for name in names:
            recipe = get_recipe(name)
            assert recipe.section == section
            assert recipe.source in ("reference", RECONSTRUCTED)
            assert recipe.title and recipe.description
            assert all(parameter.help for parameter in recipe.parameters)


def test_reference_bodies_match_their_restored_examples():
    """A recipe marked "reference" renders (with the example's own values) to the body the
    reference shows, apart from the documented changes (ids, sort, NPS scale)."""
    recipe = get_recipe("usage_by_browser")
    example = pendo_lab.Pipeline.from_json(
        (ROOT / "tests/data/reference_examples/21_usage_by_browser.jsonc").read_text())
    assert recipe.render(days=-30).stages == example.stages
    recipe = get_recipe("events_for_visitor")
    example = pendo_lab.Pipeline.from_json(
        (ROOT / "tests/data/reference_examples/19_events_by_visitor.jsonc").read_text())
    rendered = recipe.render(visitorId="exampleVisitor").stages
    assert rendered[0] == example.stages[0] and rendered[3] == example.stages[3]
    assert parse(rendered[2]["filter"]) == parse(example.stages[2]["filter"])


@pytest.mark.parametrize("name", SHIPPED)
def test_every_recipe_runs_on_the_sandbox(name, client, ids):
    recipe = get_recipe(name)
    result = run_recipe(client, name, **required_params(recipe, ids))
    assert result.frame.height > 0
    assert set(recipe.columns) <= set(result.frame.columns)
    assert result.recipe == name
    assert set(result.params) == {parameter.name for parameter in recipe.parameters}
    if recipe.headline is None:
        assert result.value is None
    else:
        assert result.value == result.frame[recipe.headline][0]
    if recipe.chart_spec is None:
        with pytest.raises(NotImplementedError, match=name):
            result.chart()
    else:
        spec = result.chart().to_dict()
        assert spec["mark"]["type"] == recipe.chart_spec["mark"]
        assert spec["encoding"]["x"]["field"] == recipe.chart_spec["x"].split(":")[0]


def test_single_item_recipes_agree_with_their_grouped_twins(client, ids):
    by_visitor = run_recipe(client, "events_by_visitor").frame
    visitor = by_visitor["visitorId"][0]
    one = run_recipe(client, "events_for_visitor", visitorId=visitor, days=-30)
    assert one.value == by_visitor["totalEvents"][0]
    assert run_recipe(client, "visitors_with_events").value == by_visitor.height

    averages = run_recipe(client, "average_time_per_day_by_visitor").frame
    row = averages.filter(pl.col("visitorId") == visitor).row(0, named=True)
    mine = run_recipe(client, "average_time_per_day_for_visitor", visitorId=visitor).frame
    assert mine["averageMinutesPerDay"][0] == pytest.approx(row["averageMinutesPerDay"])
    assert mine["activeDays"][0] == row["activeDays"]

    by_account = run_recipe(client, "time_on_app_by_account").frame
    account = by_account["accountId"][1]
    assert run_recipe(client, "time_on_app_for_account", accountId=account).value == \
        by_account["totalMinutes"][1]
    assert run_recipe(client, "accounts_with_events").value == by_account.height
    top = run_recipe(client, "top_accounts_by_time_on_site", limit=3).frame
    assert top["totalMinutes"].to_list() == by_account["totalMinutes"].head(3).to_list()


def test_visitors_by_segment_are_the_identified_members(box, client, ids):
    members = box.tables["segment_members"].filter(pl.col("segmentId") == ids["segmentId"])
    identified = {v for v in members["visitorId"] if not v.startswith("_PENDO_T_")}
    frame = run_recipe(client, "visitors_by_segment", segmentId=ids["segmentId"]).frame
    assert set(frame["visitorId"]) == identified


def test_page_parameter_search_finds_what_the_unique_list_counts(client, ids):
    unique = run_recipe(client, "unique_page_parameters", pageId=ids["pageId"]).frame
    value, events = unique.row(0)[0], unique["numEvents"][0]
    found = run_recipe(client, "search_page_parameter", parameter=value,
                       pageId=ids["pageId"]).frame
    assert found["parameters"].struct.field("parameter").unique().to_list() == [value]
    assert found["numEvents"].sum() == events
    everywhere = run_recipe(client, "search_page_parameter", parameter=value).frame
    assert everywhere.height >= found.height


def test_nps_score_matches_the_answers_it_counts(client, ids):
    nps = {"guideId": ids["npsGuideId"], "pollId": ids["pollId"]}
    score = run_recipe(client, "nps_last_30_days", **nps)
    answers = run_recipe(client, "nps_with_follow_up", **nps,
                         followUpPollId=ids["followUpPollId"]).frame
    categories = answers["category"].value_counts()
    count = dict(zip(categories["category"], categories["count"]))
    assert score.frame["numResponses"][0] == answers.height
    expected = 100 * (count.get("promoter", 0) - count.get("detractor", 0)) / answers.height
    assert score.value == pytest.approx(expected)
    assert answers["followUp"].drop_nulls().len() > 0
    assert -100 <= run_recipe(client, "nps_by_guide_all_time", **nps).value <= 100


def test_guide_goal_counts_converted_viewers(box, client, ids):
    goal = {"guideId": ids["goalGuideId"], "featureId": ids["featureId"]}
    converted = run_recipe(client, "guide_goal_feature", **goal).value
    viewers = box.tables["guide_events"].filter(
        (pl.col("guideId") == ids["goalGuideId"]) & (pl.col("type") == "guideSeen"))
    assert 0 < converted <= viewers["visitorId"].n_unique()
    one_step = viewers["guideStepId"].unique().sort()[0]
    step = run_recipe(client, "guide_goal_feature", **goal, guideStepId=one_step)
    assert step.params["guideStepId"] == one_step
    assert 0 < step.value <= converted
    assert step.value <= viewers.filter(pl.col("guideStepId") == one_step)["visitorId"].n_unique()


# -- parameters and placeholders -----------------------------------------------------------


def write_recipe(folder: Path, name: str = "demo", **fields) -> Path:
    data = {
        "name": name, "title": "Demo", "description": "A demo recipe.",
        "parameters": {"visitorId": {"type": "string", "required": True, "help": "a visitor"}},
        "pipeline": [{"source": {"visitors": None}}, {"filter": "visitorId == {{visitorId}}"}],
        "columns": ["visitorId"],
    }
    data.update(fields)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


TYPED = {
    "n": {"type": "int", "default": 7, "help": "n"},
    "x": {"type": "number", "default": 0.5, "help": "x"},
    "flag": {"type": "bool", "default": False, "help": "flag"},
    "day": {"type": "date", "default": "2024-01-31", "help": "day"},
    "at": {"type": "datetime", "default": "2024-01-31T12:00:00Z", "help": "at"},
    "wait": {"type": "duration", "default": "2h", "help": "wait"},
    "app": {"type": "appId", "default": "web|mobile", "help": "app"},
    "names": {"type": "list", "default": ["a", "b"], "help": "names"},
    "text": {"type": "string", "default": "say \"hi\" \\ bye", "help": "text"},
    "step": {"type": "guideId", "help": "optional"},
}
TYPED_PIPELINE = [
    {"source": {"guideEvents": {"appId": "{{app}}", "guideId": "{{text}}",
                                "guideStepId": "{{step}}"},
                "timeSeries": {"period": "dayRange", "first": "{{day}}", "last": "{{at}}"}}},
    {"eval": {name: f"({{{{{name}}}}})" for name in TYPED}},  # "n": "({{n}})": inside text
    {"limit": "{{n}}"},
]


@pytest.fixture
def typed(tmp_path) -> Recipe:
    return load_recipe(write_recipe(
        tmp_path, parameters=TYPED, pipeline=TYPED_PIPELINE, columns=["n"]))


def test_whole_placeholders_keep_their_types_and_nulls_drop_keys(typed):
    stages = typed.render().stages
    assert stages[0]["source"] == {
        "guideEvents": {"appId": 'expandAppIds("web|mobile")', "guideId": 'say "hi" \\ bye'},
        "timeSeries": {"period": "dayRange", "first": "date(2024, 1, 31)", "last": 1706702400000}}
    assert stages[2] == {"limit": 7}
    source = typed.render(app=[-323232, 5], step="s1").stages[0]["source"]["guideEvents"]
    assert source == {"appId": [-323232, 5], "guideId": 'say "hi" \\ bye', "guideStepId": "s1"}


def test_placeholders_inside_expressions_are_literals_that_parse_back(typed):
    texts = typed.render(step='quote" and `tick`').stages[1]["eval"]
    values = {name: evaluate(parse(text), {}) for name, text in texts.items()}
    assert values == {"n": 7, "x": 0.5, "flag": False, "day": values["day"],
                      "at": 1706702400000, "wait": 7_200_000, "app": values["app"],
                      "names": ["a", "b"], "text": 'say "hi" \\ bye', "step": 'quote" and `tick`'}
    assert texts["day"] == "(date(2024, 1, 31))"
    assert texts["app"] == '(expandAppIds("web|mobile"))'
    assert typed.render().stages[1]["eval"]["step"] == "(null)"


def test_values_are_read_from_text_as_a_command_line_gives_them(typed):
    values = typed.resolve(n="3", x="1e3", flag="yes", day="2025-02-01",
                           at="2025-02-01T00:00:00+01:00", wait="15m", app="-323232",
                           names="a, b ,c")
    assert values["n"] == 3 and values["x"] == 1000.0 and values["flag"] is True
    assert values["day"] == dt.date(2025, 2, 1)
    assert values["at"] == dt.datetime(2025, 1, 31, 23, tzinfo=dt.timezone.utc)
    assert values["wait"] == 900_000 and values["app"] == -323232
    assert values["names"] == ["a", "b", "c"]
    assert typed.resolve(wait=dt.timedelta(seconds=1), app="*")["wait"] == 1000


@pytest.mark.parametrize(("params", "message"), [
    ({"n": "many"}, "parameter 'n' expects int (a whole number), got 'many'"),
    ({"n": True}, "parameter 'n' expects int"),
    ({"x": "1,5"}, "parameter 'x' expects number"),
    ({"x": "nan"}, "parameter 'x' expects number"),
    ({"flag": "maybe"}, "parameter 'flag' expects bool"),
    ({"day": dt.datetime(2024, 1, 1)}, "parameter 'day' expects date"),
    ({"at": "2024-01-31T12:00:00"}, "parameter 'at' expects datetime (a timezone-aware"),
    ({"wait": "soon"}, "parameter 'wait' expects duration"),
    ({"app": "desktop"}, "parameter 'app' expects appId"),
    ({"names": [{"a": 1}]}, "parameter 'names' expects list"),
    ({"step": ""}, "parameter 'step' expects guideId (a non-empty id string)"),
    ({"text": 3}, "parameter 'text' expects string (text)"),
    ({"nn": 3}, "unknown parameter 'nn'; did you mean 'n'?"),
])
def test_bad_values_name_the_parameter_and_the_type(typed, params, message):
    with pytest.raises(ValidationError, match="^recipe 'demo': ") as caught:
        typed.render(**params)
    assert message in str(caught.value)


def test_required_parameters_must_be_given(client):
    with pytest.raises(ValidationError, match="parameter 'segmentId' is required"):
        run_recipe(client, "visitors_by_segment")


def test_unknown_parameter_lists_the_known_ones():
    with pytest.raises(ValidationError) as caught:
        get_recipe("usage_by_browser").render(day=-7)
    assert "did you mean 'days'?" in str(caught.value)
    assert "Known parameters: days" in str(caught.value)


def test_choices_restrict_a_string(tmp_path):
    recipe = load_recipe(write_recipe(tmp_path, parameters={
        "period": {"type": "string", "default": "dayRange", "choices": ["dayRange", "weekRange"],
                   "help": "period"}},
        pipeline=[{"source": {"events": None, "timeSeries": {
            "period": "{{period}}", "first": "now()", "count": -1}}}]))
    assert recipe.render(period="weekRange").stages[0]["source"]["timeSeries"]["period"] == \
        "weekRange"
    with pytest.raises(ValidationError, match="must be one of dayRange, weekRange; got 'hour'"):
        recipe.render(period="hour")


# -- recipe files --------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "message"), [
    ({"titel": "x"}, "unknown recipe field 'titel'; did you mean 'title'?"),
    ({"columns": []}, "columns: expected a non-empty list"),
    ({"pipeline": {}}, "pipeline: expected a non-empty list of stages"),
    ({"name": "Demo"}, "name: 'Demo' must be snake_case and match the file name"),
    ({"headline": "count"}, "headline: 'count' is not one of the columns"),
    ({"chart": {"mark": "bar", "x": "visitorId", "y": "n:Q"}},
     "chart.y: 'n:Q' must be one of the columns"),
    ({"chart": {"mark": "pie", "x": "visitorId", "y": "visitorId"}}, "unknown mark 'pie'"),
    ({"parameters": {"visitorId": {"type": "text", "help": "v"}}},
     "parameters.visitorId.unknown type 'text'"),
    ({"parameters": {"visitorId": {"type": "string"}}}, "parameters.visitorId.help: missing"),
    ({"parameters": {"visitorId": {"type": "int", "default": "x", "help": "v"}}},
     "parameters.visitorId.default: parameter 'visitorId' expects int"),
    ({"parameters": {"visitorId": {"type": "string", "required": True, "default": "v",
                                   "help": "v"}}}, "a required parameter has no default"),
    ({"parameters": {}}, "pipeline[1].filter: {{visitorId}} names no parameter; declared: none"),
    ({"parameters": {"visitorId": {"type": "string", "required": True, "help": "v"},
                     "extra": {"type": "int", "default": 1, "help": "e"}}},
     "parameters: extra not used in the pipeline"),
])
def test_bad_files_are_refused_naming_file_and_field(tmp_path, fields, message):
    path = write_recipe(tmp_path, **fields)
    with pytest.raises(ValidationError) as caught:
        load_recipe(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_invalid_json_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"name": "broken",}')
    with pytest.raises(ValidationError, match=f"^{path}: not valid JSON"):
        load_recipe(path)


# -- finding recipes -----------------------------------------------------------------------


def test_listing_has_one_row_per_recipe_with_a_parameter_summary():
    listing = list_recipes()
    assert listing.columns == ["name", "title", "description", "parameters", "path"]
    row = listing.filter(pl.col("name") == "nps_with_follow_up").row(0, named=True)
    assert row["parameters"] == ("guideId: guideId (required), pollId: pollId (required), "
                                 "followUpPollId: pollId (required), days: int = -30, "
                                 "pairWithin: duration = 100")
    assert Path(row["path"]).parent == _declarative._shipped_dir()


def test_user_folders_add_and_override_recipes(tmp_path, monkeypatch):
    mine, env = tmp_path / "mine", tmp_path / "env"
    mine.mkdir()
    env.mkdir()
    write_recipe(mine, "usage_by_browser", title="My browsers")
    write_recipe(env, "usage_by_browser", title="Env browsers")
    write_recipe(env, "my_visitor")
    monkeypatch.setenv(_declarative.ENV_VAR, str(env))

    assert get_recipe("usage_by_browser").title == "Env browsers"
    assert get_recipe("usage_by_browser", extra_dirs=[mine]).title == "My browsers"
    listing = list_recipes(extra_dirs=[mine])
    assert listing.height == len(SHIPPED) + 1
    paths = dict(zip(listing["name"], listing["path"]))
    assert Path(paths["usage_by_browser"]).parent == mine
    assert Path(paths["my_visitor"]).parent == env
    assert Path(paths["usage_by_os"]).parent == _declarative._shipped_dir()


def test_user_recipe_runs_by_name_from_the_environment(tmp_path, monkeypatch, client, ids):
    write_recipe(tmp_path, "my_visitor")
    monkeypatch.setenv(_declarative.ENV_VAR, str(tmp_path))
    frame = run_recipe(client, "my_visitor", visitorId=ids["visitorId"]).frame
    assert frame["visitorId"].to_list() == [ids["visitorId"]]


def test_missing_folders_and_unknown_names_are_clear(tmp_path, monkeypatch):
    with pytest.raises(ValidationError, match="recipe folder .*nowhere.* does not exist"):
        list_recipes(extra_dirs=[tmp_path / "nowhere"])
    with pytest.raises(ValidationError, match="unknown recipe 'usage_by_brwser'; did you mean "
                                              "'usage_by_browser'"):
        get_recipe("usage_by_brwser")


def test_the_wheel_maps_the_recipe_folder_into_the_package():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "pendo_lab.recipes.data" in setuptools["packages"]
    assert setuptools["package-dir"]["pendo_lab.recipes.data"] == "recipes"
    assert setuptools["package-data"]["pendo_lab.recipes.data"] == ["*.json"]
    assert _declarative._SOURCE_DIR == ROOT / "recipes"


def declarative_docs() -> str:
    text = (ROOT / "docs/recipes.md").read_text()
    start = text.index("## Declarative recipes")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def test_docs_list_every_shipped_recipe():
    docs = declarative_docs()
    assert [name for name in SHIPPED if f"| `{name}` |" not in docs] == []


def test_docs_have_examples(examples):
    assert examples(declarative_docs()) > 5
