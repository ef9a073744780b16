"""Validation before sending: every error names the exact path and a way to fix it."""

from __future__ import annotations

import pytest

from pendo_lab import PipelineError
from pendo_lab.pipeline import Pipeline, validate

SOURCE = {"source": {"events": None, "timeSeries": {"period": "dayRange", "first": "now()",
                                                     "count": -30}}}


def error_of(stages) -> PipelineError:
    with pytest.raises(PipelineError) as caught:
        validate(stages)
    return caught.value


def check(stages, path: str, *fragments: str) -> None:
    error = error_of(stages)
    assert error.path == path
    for fragment in fragments:
        assert fragment in error.message
    assert str(error).startswith(f"{path}: ")


# -- the cases the issue lists -------------------------------------------------------------------


def test_unknown_source_suggests_the_closest_and_lists_them_all():
    check([{"source": {"event": None, "timeSeries": SOURCE["source"]["timeSeries"]}}],
          "pipeline[0].source.event", "unknown source 'event'", "did you mean 'events'?",
          "Known sources: accounts, apps,", "votes")


def test_unknown_operator():
    check([SOURCE, {"identified": "visitorId"}, {"filter": "numEvents > 0"},
           {"grop": {"group": ["accountId"]}}],
          "pipeline[3]", "unknown operator 'grop'", "did you mean 'group'?", "bulkExpand")


def test_unknown_operator_is_matched_ignoring_case():
    check([SOURCE, {"bulkexpand": {"a": {"account": "accountId"}}}], "pipeline[1]",
          "did you mean 'bulkExpand'?")


def test_unknown_aggregator_in_the_list_form_of_group_fields():
    fields = [{"visitors": {"count": "visitorId"}}, {"numEvents": {"summ": "numEvents"}}]
    check([SOURCE, {"identified": "visitorId"}, {"filter": "numEvents > 0"},
           {"group": {"group": ["accountId"], "fields": fields}}],
          "pipeline[3].group.fields[1].numEvents.summ", "unknown aggregator 'summ'",
          "did you mean 'sum'?", "countIf")


def test_unknown_aggregator_in_reduce():
    check([SOURCE, {"reduce": {"total": {"average": "numEvents"}}}],
          "pipeline[1].reduce.total.average", "did you mean 'avg'?")


def test_group_fields_list_entries_have_one_output_field():
    fields = [{"a": {"sum": "x"}}, {"b": {"sum": "y"}, "c": {"sum": "z"}}]
    check([SOURCE, {"group": {"group": ["k"], "fields": fields}}], "pipeline[1].group.fields[1]",
          "one output field", "with 2 fields")


@pytest.mark.parametrize(("stage", "path", "fragment"), [
    ({"limit": "10"}, "pipeline[1].limit", 'expected an integer >= 0, got the string "10"'),
    ({"limit": -1}, "pipeline[1].limit", "expected an integer >= 0, got the number -1"),
    ({"limit": True}, "pipeline[1].limit", "got true"),
    ({"count": "visitorId"}, "pipeline[1].count", "expected null"),
    ({"sort": "-numEvents"}, "pipeline[1].sort", "expected a list of at least 1"),
    ({"sort": ["a", 3]}, "pipeline[1].sort[1]", "got the number 3"),
    ({"filter": ["a > 1"]}, "pipeline[1].filter", "expected an expression string"),
    ({"select": {"a": 1}}, "pipeline[1].select.a", "expected an expression string"),
    ({"select": {}}, "pipeline[1].select", "an object with 0 fields"),
    ({"unwind": {"field": "items", "keepEmpty": "yes"}}, "pipeline[1].unwind.keepEmpty",
     "expected true or false"),
    ({"unwind": {"keepEmpty": True}}, "pipeline[1].unwind", "missing key 'field'"),
    ({"unwind": {"field": "items", "keepEmtpy": True}}, "pipeline[1].unwind.keepEmtpy",
     "did you mean 'keepEmpty'?"),
    ({"join": {"fields": "visitorId"}}, "pipeline[1].join.fields", "expected a list of a field"),
    ({"join": {"fields": ["v"], "width": 0}}, "pipeline[1].join.width", "integer >= 1"),
    ({"segment": "abc"}, "pipeline[1].segment", "expected an object"),
    ({"segment": {}}, "pipeline[1].segment", "missing key 'id'"),
    ({"bulkExpand": {"account": {"acount": "accountId"}}}, "pipeline[1].bulkExpand.account.acount",
     "did you mean 'account'?"),
    ({"bulkExpand": {"account": {"account": "a", "visitor": "v"}}},
     "pipeline[1].bulkExpand.account", "one lookup"),
    ({"expand": {"info": {"pages": "pageId"}}}, "pipeline[1].expand.info.pages",
     "did you mean 'page'?"),
    ({"itemSeen": {"seen": {}}}, "pipeline[1].itemSeen.seen", "one item (pageId, featureId"),
    ({"useragent": {"ua": None}}, "pipeline[1].useragent.ua", "user agent"),
    ({"identified": ""}, "pipeline[1].identified", "got the string \"\""),
    ({"switch": {"g": {"n": []}}}, "pipeline[1].switch.g.n", "at least 1"),
    ({"switch": {"g": {"n": [{"<": 7}]}}}, "pipeline[1].switch.g.n[0]", "missing comparison 'value'"),
    ({"switch": {"g": {"n": [{"value": 1, "=<": 7}]}}}, "pipeline[1].switch.g.n[0][\"=<\"]",
     "unknown comparison '=<'"),
    ({"switch": {"g": {"n": [{"value": 1}], "m": [{"value": 2}]}}}, "pipeline[1].switch.g",
     "an object with 2 fields"),
    ({"merge": {"fields": ["id"]}}, "pipeline[1].merge", "missing key 'pipeline'"),
    ({"merge": {"fields": ["id"], "mappings": {"a": 1}, "pipeline": [{"source": {"pages": None}}]}},
     "pipeline[1].merge.mappings.a", "got the number 1"),
    ({"fork": []}, "pipeline[1].fork", "at least 1"),
])
def test_wrong_operator_arguments(stage, path, fragment):
    check([SOURCE, stage], path, fragment)


@pytest.mark.parametrize(("params", "path", "fragment"), [
    ({"appId": "abc"}, "pipeline[0].source.events.appId", 'got the string "abc"'),
    ({"appId": "expandAppIds("}, "pipeline[0].source.events.appId", "invalid expression"),
    ({"appId": "now()"}, "pipeline[0].source.events.appId", 'expandAppIds(\\"*\\")'),
    ({"appId": 'expandAppIds("desktop")'}, "pipeline[0].source.events.appId",
     "*, web, extension, mobile, ios, android"),
    ({"appId": [1, "2"]}, "pipeline[0].source.events.appId[1]", 'got the string "2"'),
    ({"appId": []}, "pipeline[0].source.events.appId", "got a list"),
    ({"appId": True}, "pipeline[0].source.events.appId", "got true"),
    ({"blacklist": "skip"}, "pipeline[0].source.events.blacklist",
     'one of "apply", "ignore", "only"'),
    ({"eventClass": "web"}, "pipeline[0].source.events.eventClass", "expected a list"),
    ({"appid": 5}, "pipeline[0].source.events.appid",
     "unknown parameter 'appid'; did you mean 'appId'?"),
])
def test_wrong_source_parameters(params, path, fragment):
    series = SOURCE["source"]["timeSeries"]
    check([{"source": {"events": params, "timeSeries": series}}], path, fragment)


def test_source_parameters_must_be_an_object_or_null():
    check([{"source": {"pages": []}}], "pipeline[0].source.pages", "expected an object")


def test_missing_time_series_where_the_source_needs_one():
    check([{"source": {"pageEvents": None}}, {"limit": 1}], "pipeline[0].source",
          "source 'pageEvents' needs a timeSeries", '"timeSeries": {"period": "dayRange"',
          ".last_days(30)")


def test_a_time_series_where_the_source_takes_none():
    check([{"source": {"guidesSeenEver": None, "timeSeries": SOURCE["source"]["timeSeries"]}}],
          "pipeline[0].source.timeSeries", "takes no timeSeries", "remove it")


@pytest.mark.parametrize(("source", "ids"), [
    ("pageEvents", "'pageId' or 'pageIds'"),
    ("featureEvents", "'featureId' or 'featureIds'"),
    ("trackEvents", "'trackTypeId' or 'trackTypeIds'"),
])
def test_hour_range_without_the_id_the_reference_requires(source, ids):
    series = {"period": "hourRange", "first": "now()", "count": -24}
    check([{"source": {source: None, "timeSeries": series}}],
          "pipeline[0].source.timeSeries.period", f"hourRange on {source!r} needs {ids}",
          "or use dayRange")
    with_id = Pipeline.source(source, **{ids.split("'")[1]: "x"}).time_series("hourRange", 0,
                                                                              count=3)
    with_id.validate()


def test_hour_range_on_the_events_source_needs_no_id():
    Pipeline.source("events").time_series("hourRange", "now()", count=-24).validate()


@pytest.mark.parametrize(("series", "path", "fragment"), [
    ({"period": "days", "first": "now()", "count": 1}, "pipeline[0].source.timeSeries.period",
     '"dayRange"'),
    ({"period": "dayRange", "count": 1}, "pipeline[0].source.timeSeries", "missing key 'first'"),
    ({"period": "dayRange", "first": "now()"}, "pipeline[0].source.timeSeries",
     "exactly one of 'last' or 'count'"),
    ({"period": "dayRange", "first": "now()", "last": 0, "count": 1},
     "pipeline[0].source.timeSeries", "exactly one of 'last' or 'count'"),
    ({"period": "dayRange", "first": "now(", "count": 1}, "pipeline[0].source.timeSeries.first",
     "invalid expression"),
    ({"period": "dayRange", "first": True, "count": 1}, "pipeline[0].source.timeSeries.first",
     "epoch milliseconds"),
    ({"period": "dayRange", "first": 0, "count": "5"}, "pipeline[0].source.timeSeries.count",
     "expected an integer"),
])
def test_wrong_time_series(series, path, fragment):
    check([{"source": {"events": None, "timeSeries": series}}], path, fragment)


def test_expression_syntax_errors_carry_a_caret_and_a_hint():
    error = error_of([SOURCE, {"identified": "visitorId"}, {"filter": "numEvents = 0"}])
    assert error.path == "pipeline[2].filter"
    assert "compare with '=='" in error.message
    assert error.message.endswith("numEvents = 0\n            ^")
    assert error.__cause__ is not None


def test_expression_errors_in_aggregators_and_eval():
    check([SOURCE, {"eval": {"x": "if(a > 1, 2)) "}}], "pipeline[1].eval.x", "invalid expression")
    check([SOURCE, {"reduce": {"n": {"countIf": {"count": None, "if": "a &"}}}}],
          "pipeline[1].reduce.n.countIf.if", "invalid expression")
    check([SOURCE, {"eval": {"t.when": "dateAdd(now(), 1)"}}], 'pipeline[1].eval["t.when"]',
          "takes 3 arguments")


# -- pipeline shape --------------------------------------------------------------------------------


def test_empty_pipeline():
    check([], "pipeline", "the pipeline is empty", '{"source": {"pages": null}}')


def test_the_first_stage_must_start_a_pipeline():
    check([{"limit": 1}], "pipeline[0]", "starts with one of source, spawn, pes")


def test_a_source_only_comes_first():
    check([SOURCE, {"source": {"pages": None}}], "pipeline[1]", "can only start a pipeline",
          "spawn or merge")


def test_a_stage_has_exactly_one_operator():
    check([SOURCE, {"limit": 1, "sort": ["a"]}], "pipeline[1]", "exactly one operator",
          "2 keys")
    check([SOURCE, "limit"], "pipeline[1]", 'got the string "limit"')


def test_a_source_names_exactly_one_source():
    check([{"source": {"pages": None, "features": None}}], "pipeline[0].source",
          "exactly one source, got 'pages', 'features'")
    check([{"source": {"timeSeries": SOURCE["source"]["timeSeries"]}}], "pipeline[0].source",
          "got none")


def test_parameter_rules_of_sources():
    check([{"source": {"pages": {"appId": 1, "pageId": "p"}}}], "pipeline[0].source.pages",
          "'pageId' and 'appId' cannot be used together")
    check([{"source": {"guideEvents": {"guideStepId": "s"}, "timeSeries": SOURCE["source"][
        "timeSeries"]}}], "pipeline[0].source.guideEvents", "'guideStepId' needs 'guideId'")
    check([{"source": {"emailEvents": {"targetId": "t"}, "timeSeries": SOURCE["source"][
        "timeSeries"]}}], "pipeline[0].source.emailEvents", "'targetId' needs 'targetType'")


def test_errors_inside_nested_pipelines_carry_the_full_path():
    spawn = {"spawn": [[{"source": {"pollsSeenEver": {"guideId": "g"}}}],
                       [{"source": {"pollsSeenEver": {"guideId": "g", "polId": "p"}}}]]}
    check([spawn], "pipeline[0].spawn[1][0].source.pollsSeenEver.polId",
          "did you mean 'pollId'?")
    merge = {"merge": {"fields": ["id"], "pipeline": [{"source": {"groups": None}},
                                                      {"unwind": {"field": 3}}]}}
    check([SOURCE, merge], "pipeline[1].merge.pipeline[1].unwind.field", "got the number 3")
    check([SOURCE, {"merge": {"fields": ["id"], "pipeline": []}}], "pipeline[1].merge.pipeline",
          "the pipeline is empty")
    fork = {"fork": [[{"count": None}], [{"source": {"pages": None}}]]}
    check([SOURCE, fork], "pipeline[1].fork[1][0]", "can only start a pipeline")
    check([{"spawn": [[{"limit": 1}]]}], "pipeline[0].spawn[0][0]", "starts with one of")


@pytest.mark.parametrize(("params", "path", "fragment"), [
    ({"appId": 1, "dayCount": -30}, "pipeline[0].pes", "missing parameter 'firstDay'"),
    ({"firstDay": "now()", "dayCount": -30, "lastDay": "now()"}, "pipeline[0].pes",
     "exactly one of 'lastDay' or 'dayCount'"),
    ({"firstDay": "now()", "dayCount": "30"}, "pipeline[0].pes.dayCount", "integer"),
    ({"firstDay": "now()", "dayCount": -30, "segment": "s"}, "pipeline[0].pes.segment",
     "expected an object"),
    ({"firstDay": "now()", "dayCount": -30, "config": {"stickiness": {"numerator": "monthly"}}},
     "pipeline[0].pes.config.stickiness.numerator", '"daily", "weekly"'),
    ({"firstDay": "now()", "dayCount": -30,
      "config": {"adoption": {"events": [{"kind": "button", "id": "b"}]}}},
     "pipeline[0].pes.config.adoption.events[0].kind", '"feature", "trackEvent", "page"'),
    ({"firstDay": "now()", "dayCount": -30, "config": {"userBase": "visitors"}},
     "pipeline[0].pes.config.userBase", "unknown key 'userBase'"),
])
def test_wrong_pes_parameters(params, path, fragment):
    check([{"pes": params}], path, fragment)


def test_growth_takes_its_config_directly():
    Pipeline.from_json([{"growth": {"firstDay": "now()", "dayCount": -7,
                                    "config": {"userBase": "accounts"}}}]).validate()


def test_request_labels_must_be_strings():
    p = Pipeline.from_json({"request": {"name": 3, "pipeline": [{"source": {"pages": None}}]}})
    with pytest.raises(PipelineError, match=r"^request.name: expected a string"):
        p.validate()


def test_validate_returns_the_pipeline_and_builder_output_is_valid():
    p = Pipeline.source("pages").limit(3)
    assert p.validate() is p
