"""The builder writes exactly the JSON Pendo's reference documents, and never changes a pipeline.

The bodies come from tests/data/reference_examples (the reference's examples, OCR repaired,
``//`` comments kept); each test builds the same request with the builder and compares.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import pendo_lab.pipeline as pipeline_module
from pendo_lab import PipelineError, ValidationError
from pendo_lab.pipeline import SOURCES, Pipeline, TimeSeries, col, fn

REFERENCE = Path(__file__).parents[1] / "data" / "reference_examples"
APP_ID = -323232


def reference(name: str) -> dict:
    """A reference body as a request; its Postman variable {{appId}} (a number) becomes APP_ID."""
    text = next(REFERENCE.glob(f"??_{name}.jsonc")).read_text(encoding="utf-8")
    return Pipeline.from_json(text.replace('"{{appId}}"', str(APP_ID))).to_request(validate=False)


def test_sketch_from_the_issue_gives_the_documented_envelope():
    p = (Pipeline.source("events", app_id=-323232)
         .time_series("dayRange", first="now()", count=-30)
         .identified("visitorId")
         .filter(col("numEvents") > 0)
         .group(["accountId"], numEvents=("sum", "numEvents"), visitors=("count", "visitorId"))
         .sort("-numEvents").limit(10))
    assert p.to_request() == {
        "response": {"mimeType": "application/json"},
        "request": {"pipeline": [
            {"source": {"events": {"appId": -323232},
                        "timeSeries": {"period": "dayRange", "first": "now()", "count": -30}}},
            {"identified": "visitorId"},
            {"filter": "numEvents > 0"},
            {"group": {"group": ["accountId"], "fields": {
                "numEvents": {"sum": "numEvents"}, "visitors": {"count": "visitorId"}}}},
            {"sort": ["-numEvents"]},
            {"limit": 10},
        ]},
    }


def test_name_and_request_id_go_into_the_request_block():
    request = Pipeline.source("pages").named("All pages", request_id="r1").to_request()
    assert request["request"] == {"name": "All pages", "pipeline": [{"source": {"pages": None}}],
                                  "requestId": "r1"}
    assert list(request["request"]) == ["name", "pipeline", "requestId"]


# -- reference bodies -----------------------------------------------------------------------


def test_events_by_visitor():
    built = (Pipeline.source("events").time_series("dayRange", "now()", count=1)
             .identified("visitorId")
             .filter("visitorId == `exampleVisitor`")
             .named("Number of events associated with visitor X"))
    expected = reference("events_by_visitor")
    # the reference writes reduce as a list of one-field objects; the builder writes the object
    # form, which the reference's Reduce section shows
    assert expected["request"]["pipeline"][3] == {"reduce": [{"totalEvents": {"sum": "numEvents"}}]}
    expected["request"]["pipeline"][3] = {"reduce": {"totalEvents": {"sum": "numEvents"}}}
    assert built.reduce(totalEvents=("sum", "numEvents")).to_request() == expected


def test_usage_by_browser():
    name = fn.if_(col("userAgent.name") == "", "unknown", col("userAgent.name"))
    built = (Pipeline.source("events").last_days(30)
             .identified()
             .select("userAgent", "visitorId")
             .useragent("userAgent", "userAgent")
             .select(name=name, version="userAgent.version", visitorId="visitorId")
             .group(["name", "version"], count=("count", "visitorId"))
             .sort("-count")
             .named("Usage by browser"))
    expected = reference("usage_by_browser")
    stages = expected["request"]["pipeline"]
    # same expression, canonical spacing
    assert stages[4]["select"]["name"] == 'if(userAgent.name==\"\",\"unknown\",userAgent.name)'
    stages[4]["select"]["name"] = 'if(userAgent.name == "", "unknown", userAgent.name)'
    stages[5]["group"]["fields"] = {"count": {"count": "visitorId"}}  # list form -> object form
    assert built.to_request() == expected


def test_visitors_by_segment():
    built = (Pipeline.source("visitors")
             .identified("visitorId")
             .eval(accountId="metadata.auto.accountids")
             .unwind("accountId", keep_empty=True)
             .bulk_expand("account", account="accountId")
             .segment("INSERT SEGMENT ID HERE")
             .select("visitorId", "accountId"))
    assert built.to_request() == reference("visitors_by_segment_id")


def test_guide_goals():
    built = (Pipeline.source("guideEvents", guide_id="insertGuideId", guide_step_id="insertStepId")
             .time_series("dayRange", "date(2024,1,1)", last="now()")
             .filter(col("type") == "guideSeen")
             .item_seen("itemSeenInfo", page_id="xxxxx")
             .filter(col("itemSeenInfo.lastUsed") >= col("browserTime"))
             .reduce(converted=("count", "visitorId"))
             .named("Return number of guide goal conversions"))
    expected = reference("guide_goals")
    # as Pendo shows it, itemSeenInfo holds only commented-out lines: uncomment the page one
    assert expected["request"]["pipeline"][2] == {"itemSeen": {"itemSeenInfo": {}}}
    expected["request"]["pipeline"][2] = {"itemSeen": {"itemSeenInfo": {"pageId": "xxxxx"}}}
    assert built.to_request() == expected


def test_page_events_with_parameters():
    has_parameter = ~col("parameters.parameter").is_null() & (col("parameters.parameter") != "")
    built = (Pipeline.source("pageEvents").time_series("dayRange", "now()", count=-1)
             .identified()
             .filter(has_parameter)
             .named("Return all pageEvents with parameters"))
    assert built.to_request() == reference("page_events_with_parameters")


def test_email_events_with_every_parameter():
    built = Pipeline.source("emailEvents", app_id=[-323232], blacklist="apply",
                            target_type="campaign", target_id="Q841GXTP6iPMcJK7YNKDpmCmtDs",
                            event_type="sent").last_days(30)
    assert built.to_request() == reference("email_events")


def test_merge_with_app_names():
    built = (Pipeline.source("featureEvents", app_id="*")
             .time_series(TimeSeries("dayRange", "now()", count=-7))
             .merge(["appId"], Pipeline.source("apps"), mappings={"appId": "id", "appName": "name"})
             .named("Add application name to another source's output"))
    assert built.to_request() == reference("add_application_name")


def test_nps_by_account():
    built = (Pipeline.source("pollsSeen", guide_id="{guideId}", poll_id="{pollId}").last_days(30)
             .identified("visitorId")
             .eval(responseDay=fn.start_of_period("dayRange", col("time")))
             .bulk_expand("account", account="accountId")
             .eval(metadataField="account.auto.id")
             .filter(~fn.is_nil(col("metadataField")) & (col("metadataField") != ""))
             .eval(isPromoter=fn.if_(col("response") >= 9, 1, 0),
                   isDetractor=fn.if_(col("response") < 7, 1, 0),
                   isPassive=fn.if_((col("response") >= 7) & (col("response") < 9), 1, 0))
             .group("metadataField", numPromoters=("sum", "isPromoter"),
                    numDetractors=("sum", "isDetractor"), numPassives=("sum", "isPassive"),
                    numResponses=("count", None), summedResponses=("sum", "response"))
             .eval(avgScore=col("summedResponses") / col("numResponses"),
                   npsScore=col("numPromoters") / col("numResponses")
                   - col("numDetractors") / col("numResponses"))
             .sort("-numResponses")
             .named("nps-metadata-table", request_id="nps-metadata-table"))
    expected = reference("nps")
    stages = expected["request"]["pipeline"]
    stages[7]["group"]["fields"] = {k: v for entry in stages[7]["group"]["fields"]
                                    for k, v in entry.items()}
    stages[8]["eval"] = {"avgScore": "summedResponses / numResponses",
                         "npsScore": "numPromoters / numResponses - numDetractors / numResponses"}
    assert built.to_request() == expected


def test_pes_with_every_parameter():
    config = {
        "stickiness": {"userBase": "visitors", "numerator": "daily", "denominator": "monthly",
                       "excludeWeekends": True},
        "adoption": {"userBase": "visitors", "productAreaIds": ["{{productAreaId}}"],
                     "events": [{"kind": "feature", "id": "{{featureId}}"},
                                {"kind": "trackEvent", "id": "{{trackEventId}}"},
                                {"kind": "page", "id": "{{pageId}}}"}]},
        "growth": {"userBase": "visitors"},
    }
    built = Pipeline.pes(app_id=APP_ID, account="{{accountId}}}", first_day='date("2022-04-01")',
                         last_day=fn.date("2022-04-30"), group_by="account",
                         identified="visitorId", blacklist="apply", segment="{{segmentId}}",
                         config=config).named("PES")
    assert built.to_request() == reference("pes")


def test_adoption_and_stickiness_stages():
    adoption = Pipeline.pes(
        kind="adoption", app_id=APP_ID, account="{{accountId}}}", first_day='date("2022-04-01")',
        last_day='date("2022-04-30")', group_by="account", identified="visitorId",
        blacklist="apply", segment="{{segmentId}}",
        config={"userBase": "visitors", "productAreaIds": ["{{productAreaId}}"],
                "events": [{"kind": "feature", "id": "{{featureId}}"},
                           {"kind": "trackEvent", "id": "{{trackEventId}}"},
                           {"kind": "page", "id": "{{pageId}}}"}]})
    assert adoption.named("Adoption").to_request() == reference("adoption")
    stickiness = Pipeline.pes(kind="stickiness", app_id=APP_ID, first_day="now()", day_count=-30)
    assert stickiness.named("Stickiness").to_request() == reference("stickiness_minimal")
    growth = Pipeline.pes(kind="growth", app_id=APP_ID, account="{{accountId}}}",
                          first_day='date("2022-04-01")', last_day='date("2022-04-30")',
                          group_by="account", identified="visitorId", blacklist="apply",
                          segment="{{segmentId}}", config={"userBase": "visitors"})
    assert growth.named("Growth").to_request() == reference("growth")


def test_event_source_bodies():
    assert Pipeline.source("trackEvents").time_series("dayRange", "now()", count=1).to_request() \
        == reference("track_events")
    assert Pipeline.source("guidesSeenEver").to_request() == reference("guides_seen_ever")
    assert Pipeline.source("pollsSeenEver").to_request() == reference("polls_seen_ever")
    hourly = (Pipeline.source("events").time_series("hourRange", "now()", count=-24)
              .group("hour", activeVisitors=("count", "visitorId")))
    assert hourly.to_request() == reference("active_visitors_per_hour")


def test_guide_categories_and_product_areas_by_merge():
    categories = (Pipeline.source("groups", group_type="guideCategory", items=True)
                  .unwind("items")
                  .select(guideCategory="name", guideId="items.itemId"))
    built = (Pipeline.source("guideEvents").last_days(30)
             .merge("guideId", categories, mappings={"guideCategory": "guideCategory"})
             .named("Add guide categories to guideEvents"))
    assert built.to_request() == reference("guide_events_and_guide_categories")
    areas = (Pipeline.source("groups", group_type="group", items=True)
             .unwind("items")
             .filter("items.itemType == `Page`")
             .select(productArea="name", pageId="items.itemId"))
    built = (Pipeline.source("pages").eval(pageId="id")
             .merge(["pageId"], areas, mappings={"productArea": "productArea"})
             .select("pageId", pageName="name", productArea="productArea", rules="rules"))
    assert built.to_request() == reference("add_product_area_to_responses")


def test_unknown_pes_kind_is_refused_with_a_suggestion():
    with pytest.raises(ValidationError, match="did you mean 'stickiness'"):
        Pipeline.pes(kind="stickyness", first_day="now()", day_count=-7)


# -- every operator, in the reference's JSON shape ------------------------------------------

OPERATORS = [
    (lambda p: p.limit(5), {"limit": 5}),
    (lambda p: p.filter("numEvents > 0"), {"filter": "numEvents > 0"}),
    (lambda p: p.select(outputFieldName="inputFieldName"),
     {"select": {"outputFieldName": "inputFieldName"}}),
    (lambda p: p.sort("fieldName"), {"sort": ["fieldName"]}),
    (lambda p: p.count(), {"count": None}),
    (lambda p: p.cat(), {"cat": None}),
    (lambda p: p.reduce(outputFieldName=("avg", "inputFieldName")),
     {"reduce": {"outputFieldName": {"avg": "inputFieldName"}}}),
    (lambda p: p.group(["a", "b"]), {"group": {"group": ["a", "b"]}}),
    (lambda p: p.group("a", {"t.promoters": ("countIf", None, col("responseGroup") == "Promoter")}),
     {"group": {"group": ["a"], "fields": {
         "t.promoters": {"countIf": {"count": None, "if": 'responseGroup == "Promoter"'}}}}}),
    (lambda p: p.eval({"responseObj.pollResponse": "pollResponse"}),
     {"eval": {"responseObj.pollResponse": "pollResponse"}}),
    (lambda p: p.identified("visitorId"), {"identified": "visitorId"}),
    (lambda p: p.identified("!visitorId"), {"identified": "!visitorId"}),
    (lambda p: p.bulk_expand("outputField", visitor="visitorId"),
     {"bulkExpand": {"outputField": {"visitor": "visitorId"}}}),
    (lambda p: p.expand("pageInfo", page="pageId"), {"expand": {"pageInfo": {"page": "pageId"}}}),
    (lambda p: p.expand("t", track_type="trackTypeId"),
     {"expand": {"t": {"trackType": "trackTypeId"}}}),
    (lambda p: p.item_seen("seen", track_type_id="t1"),
     {"itemSeen": {"seen": {"trackTypeId": "t1"}}}),
    (lambda p: p.segment("segmentId"), {"segment": {"id": "segmentId"}}),
    (lambda p: p.useragent("outputField", "userAgent"), {"useragent": {"outputField": "userAgent"}}),
    (lambda p: p.unwind("inputFieldName", keep_empty=True, index="indexFieldName", prefix=False),
     {"unwind": {"field": "inputFieldName", "index": "indexFieldName", "keepEmpty": True,
                 "prefix": False}}),
    (lambda p: p.switch("bucket", "response", [{"value": "low", "<": 7},
                                               {"value": "mid", ">=": 7, "<": 9},
                                               {"value": "high", ">=": 9}]),
     {"switch": {"bucket": {"response": [{"value": "low", "<": 7},
                                         {"value": "mid", ">=": 7, "<": 9},
                                         {"value": "high", ">=": 9}]}}}),
    (lambda p: p.fork([Pipeline().count(), [{"limit": 1}]]),
     {"fork": [[{"count": None}], [{"limit": 1}]]}),
    (lambda p: p.join(["fieldToJoinOn1", "fieldToJoinOn2"], width=3),
     {"join": {"fields": ["fieldToJoinOn1", "fieldToJoinOn2"], "width": 3}}),
    (lambda p: p.join([]), {"join": {"fields": []}}),
    (lambda p: p.merge("guideId", Pipeline.source("guides")),
     {"merge": {"fields": ["guideId"], "pipeline": [{"source": {"guides": None}}]}}),
    (lambda p: p.merge("guideId", Pipeline.source("guides"), mappings={}),
     {"merge": {"fields": ["guideId"], "mappings": {}, "pipeline": [{"source": {"guides": None}}]}}),
]


@pytest.mark.parametrize(("build", "stage"), OPERATORS)
def test_each_operator_writes_its_documented_shape(build, stage):
    start = Pipeline.source("visitors")
    built = build(start)
    assert built.stages == (*start.stages, stage)
    built.validate()


def test_every_documented_operator_has_a_builder_method():
    documented = {"limit", "filter", "select", "sort", "count", "reduce", "group", "eval",
                  "identified", "bulkExpand", "expand", "itemSeen", "segment", "useragent",
                  "unwind", "switch", "fork", "spawn", "join", "merge", "cat"}
    built = {next(iter(build(Pipeline()).stages[-1])) for build, _ in OPERATORS}
    built |= {next(iter(Pipeline.spawn([Pipeline.source("pages")]).stages[0]))}
    assert documented <= built
    assert set(pipeline_module.OPERATORS) | {"spawn"} == documented


def test_spawn_and_join_as_in_pendos_nps_example():
    def branch(poll: str, prefix: str) -> Pipeline:
        return (Pipeline.source("pollsSeenEver", guide_id="yourGuideId", poll_id=poll)
                .identified("visitorId").cat()
                .select({"visitorId": "visitorId", "accountId": "accountId",
                         f"{prefix}Time": "time", f"{prefix}Response": "response"}))

    built = (Pipeline.spawn([branch("pollId1", "quantitative"), branch("pollId2", "qualitative")])
             .join(["visitorId"], width=2)
             .eval(visitorId=fn.hash(col("visitorId")))
             .select("visitorId", "accountId", "qualitativeResponse", "qualitativeTime",
                     "quantitativeResponse", "quantitativeTime")
             .sort("accountId", "-quantitativeResponse", "visitorId")
             .named("NPSResponses", request_id="NPSResponses"))
    sample = Path("/work/shared/pendo-samples/NPS_Data_combinedNpsResponses.json").read_text()
    assert built.to_request() == Pipeline.from_json(sample).to_request()


# -- sources ---------------------------------------------------------------------------------

REFERENCE_SOURCES = {
    # object sources
    "visitors", "accounts", "pages", "features", "trackTypes", "doNotProcessVisitors",
    "doNotProcessAccounts", "guides", "groups",
    # event sources
    "events", "pageEvents", "featureEvents", "trackEvents", "guideEvents", "guidesSeen",
    "guidesSeenEver", "pollEvents", "pollsSeen", "pollsSeenEver", "emailEvents",
    # Listen sources
    "vocItems", "votes",
}
NEEDS_TIME_SERIES = {"events", "pageEvents", "featureEvents", "trackEvents", "guideEvents",
                     "guidesSeen", "pollEvents", "pollsSeen", "emailEvents"}


def test_every_source_of_the_reference_is_known():
    assert REFERENCE_SOURCES <= set(SOURCES)
    assert {name for name, s in SOURCES.items() if s.time_series} == NEEDS_TIME_SERIES


@pytest.mark.parametrize("name", sorted(REFERENCE_SOURCES))
def test_each_source_with_no_parameters(name):
    built = Pipeline.source(name)
    if name in NEEDS_TIME_SERIES:
        built = built.last_days(1)
        series = {"timeSeries": {"period": "dayRange", "first": "now()", "count": -1}}
    else:
        series = {}
    assert built.stages == ({"source": {name: None, **series}},)
    built.validate()


SOURCE_PARAMETERS = [
    ("visitors", {"since": 1_700_000_000_000, "identified": True},
     {"since": 1_700_000_000_000, "identified": True}),
    ("pages", {"page_id": "p1"}, {"pageId": "p1"}),
    ("features", {"app_id": [1, 2]}, {"appId": [1, 2]}),
    ("trackTypes", {"track_type_id": "t1", "blacklist": "ignore"},
     {"trackTypeId": "t1", "blacklist": "ignore"}),
    ("guides", {"app_id": "web|mobile"}, {"appId": 'expandAppIds("web|mobile")'}),
    ("groups", {"group_type": "guideCategory", "items": True},
     {"groupType": "guideCategory", "items": True}),
    ("events", {"app_id": 5, "blacklist": "only", "event_class": ["web", "ios"]},
     {"appId": 5, "blacklist": "only", "eventClass": ["web", "ios"]}),
    ("pageEvents", {"page_ids": ["a", "b"]}, {"pageIds": ["a", "b"]}),
    ("featureEvents", {"feature_id": "f1"}, {"featureId": "f1"}),
    ("trackEvents", {"track_type_ids": ("t1",)}, {"trackTypeIds": ["t1"]}),
    ("guideEvents", {"guide_id": "g", "guide_step_id": "s"}, {"guideId": "g", "guideStepId": "s"}),
    ("guidesSeenEver", {"guide_id": "g"}, {"guideId": "g"}),
    ("pollEvents", {"guide_id": "g", "poll_id": "p"}, {"guideId": "g", "pollId": "p"}),
    ("pollsSeenEver", {"appId": -323232}, {"appId": -323232}),
]


@pytest.mark.parametrize(("name", "kwargs", "params"), SOURCE_PARAMETERS)
def test_source_parameters_in_snake_case_become_pendos_names(name, kwargs, params):
    built = Pipeline.source(name, **kwargs)
    if name in NEEDS_TIME_SERIES:
        built = built.time_series("hourRange", 0, count=2)
    assert built.stages[0]["source"][name] == params
    built.validate()


def test_since_takes_a_date_and_an_aware_datetime():
    by_date = Pipeline.source("visitors", since=dt.date(2024, 3, 1))
    assert by_date.stages[0]["source"]["visitors"] == {"since": "date(2024, 3, 1)"}
    moment = dt.datetime(2024, 3, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    by_moment = Pipeline.source("visitors", since=moment)
    assert by_moment.stages[0]["source"]["visitors"] == {"since": 1_709_287_200_000}


def test_app_id_string_must_be_an_app_filter():
    with pytest.raises(ValidationError, match="web\\|mobile"):
        Pipeline.source("events", app_id="desktop")
    assert Pipeline.source("pages", app_id='expandAppIds("ios")').stages[0]["source"]["pages"] == \
        {"appId": 'expandAppIds("ios")'}


# -- time series -----------------------------------------------------------------------------


def test_time_series_takes_datetimes_dates_strings_ints_and_expressions():
    moment = dt.datetime(2023, 9, 1, 4, tzinfo=dt.timezone.utc)
    cases = [
        (moment, 1_693_540_800_000),
        (dt.date(2023, 9, 1), "date(2023, 9, 1)"),
        ("dateAdd(now(), -30, \"days\")", "dateAdd(now(), -30, \"days\")"),
        ("1506977216000", "1506977216000"),
        (1_693_540_800_000, 1_693_540_800_000),
        (fn.date_add(fn.now(), -30, "days"), 'dateAdd(now(), -30, "days")'),
    ]
    for given, written in cases:
        built = Pipeline.source("events").time_series("monthRange", given, last=given)
        assert built.stages[0]["source"]["timeSeries"] == {
            "period": "monthRange", "first": written, "last": written}
        built.validate()


def test_naive_datetimes_are_refused():
    with pytest.raises(ValidationError, match="naive datetime"):
        Pipeline.source("events").time_series("dayRange", dt.datetime(2024, 1, 1), count=1)


def test_time_series_needs_exactly_one_of_last_and_count_and_a_known_period():
    with pytest.raises(ValidationError, match="exactly one of last= or count="):
        TimeSeries("dayRange", "now()")
    with pytest.raises(ValidationError, match="exactly one of last= or count="):
        TimeSeries("dayRange", "now()", last="now()", count=3)
    with pytest.raises(ValidationError, match="unknown period 'days'"):
        TimeSeries("days", "now()", count=3)


def test_time_series_replaces_an_earlier_one_and_needs_a_source():
    built = Pipeline.source("events").last_days(7).time_series("weekRange", 0, count=2)
    assert built.stages[0]["source"]["timeSeries"] == {"period": "weekRange", "first": 0,
                                                       "count": 2}
    with pytest.raises(PipelineError, match="needs a pipeline that starts with a source"):
        Pipeline().limit(1).last_days(3)


def test_last_days_takes_a_positive_whole_number():
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValidationError):
            Pipeline.source("events").last_days(bad)


# -- immutability ------------------------------------------------------------------------------


def test_every_method_returns_a_copy_and_leaves_the_original_alone():
    base = Pipeline.source("events").last_days(30).named("base")
    before = base.to_request()
    derived = [build(base) for build, _ in OPERATORS] + [
        base.time_series("dayRange", 0, count=1), base.named("other", request_id="x"),
        base.identified(), base.last_days(2),
    ]
    assert all(d is not base for d in derived)
    assert base.to_request() == before
    assert base.name == "base"


def test_stages_and_requests_are_copies():
    p = Pipeline.source("events").last_days(30).select("visitorId")
    p.stages[1]["select"]["hacked"] = "1"
    p.to_request()["request"]["pipeline"].append({"limit": 1})
    assert p.stages[1] == {"select": {"visitorId": "visitorId"}}
    assert len(p.to_request()["request"]["pipeline"]) == 2


def test_inputs_are_copied_not_shared():
    stages = [{"source": {"pages": None}}, {"select": {"id": "id"}}]
    cases = [{"value": 1, "<": 5}]
    config = {"userBase": "visitors"}
    p = Pipeline.from_json(stages).switch("bucket", "n", cases)
    score = Pipeline.pes(kind="growth", first_day="now()", day_count=-7, config=config)
    stages[1]["select"]["extra"] = "x"
    cases[0]["value"] = 2
    config["userBase"] = "accounts"
    assert p.stages[1] == {"select": {"id": "id"}}
    assert p.stages[2]["switch"]["bucket"]["n"] == [{"value": 1, "<": 5}]
    assert score.stages[0]["growth"]["config"] == {"userBase": "visitors"}


def test_branches_keep_their_own_stages():
    branch = Pipeline().count()
    forked = Pipeline.source("pages").fork([branch])
    assert branch.stages == ({"count": None},)
    assert forked.stages[1] == {"fork": [[{"count": None}]]}


def test_pipelines_compare_and_hash_by_content():
    a = Pipeline.source("pages").limit(1)
    b = Pipeline.source("pages").limit(1)
    assert a == b and hash(a) == hash(b)
    assert a != b.named("x")
    assert len({a, b}) == 1


# -- builder misuse is refused at the call ------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda: Pipeline().bulk_expand("x"),
    lambda: Pipeline().expand("x", page="a", feature="b"),
    lambda: Pipeline().item_seen("x"),
    lambda: Pipeline().group("a", total=("sum",)),
    lambda: Pipeline().reduce(total="numEvents"),
    lambda: Pipeline().sort(1),
    lambda: Pipeline().select(3),
    lambda: Pipeline().eval("x"),
    lambda: Pipeline.spawn(Pipeline.source("pages")),
])
def test_wrong_builder_arguments_raise_type_errors(build):
    with pytest.raises(TypeError):
        build()


def test_starting_a_pipeline_on_one_with_stages_is_refused():
    p = Pipeline.source("pages").limit(1)
    for start in (lambda: p.source("events"), lambda: p.spawn([Pipeline.source("pages")]),
                  lambda: p.pes(first_day="now()", day_count=-7)):
        with pytest.raises(PipelineError, match=r"starts a new pipeline and would drop"):
            start()
    assert Pipeline().source("pages") == Pipeline.source("pages")
