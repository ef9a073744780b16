"""Pipeline.from_json reads every request form, Pendo's own sample bodies included, and
round-trips what the builder writes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pendo_lab import ValidationError
from pendo_lab.pipeline import SOURCES, Pipeline, col, fn
from pendo_lab.pipeline._relaxed import loads_relaxed

SAMPLES = sorted(Path("/work/shared/pendo-samples").glob("*.json"))
REFERENCE = sorted((Path(__file__).parents[1] / "data" / "reference_examples").glob("*.jsonc"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_pendos_sample_bodies_load_validate_and_keep_their_stages(path):
    text = path.read_text()
    body = json.loads(text)
    p = Pipeline.from_json(text)
    p.validate()
    assert list(p.stages) == body["request"]["pipeline"]
    assert p.name == body["request"].get("name")
    assert p.request_id == body["request"].get("requestId")
    request = p.to_request()
    assert request["response"] == {"mimeType": "application/json"}
    assert request["request"]["pipeline"] == body["request"]["pipeline"]


@pytest.mark.parametrize("path", REFERENCE, ids=lambda p: p.name)
def test_reference_bodies_with_comments_load_and_round_trip(path):
    text = path.read_text(encoding="utf-8")
    p = Pipeline.from_json(text)
    assert list(p.stages) == loads_relaxed(text).get("request", loads_relaxed(text))["pipeline"]
    assert Pipeline.from_json(p.to_json(validate=False)) == p


@pytest.mark.parametrize("path", [p for p in REFERENCE if "guide_goals" not in p.name],
                         ids=lambda p: p.name)
def test_reference_bodies_validate(path):
    # {{appId}} is a Postman variable standing for a number
    text = path.read_text(encoding="utf-8").replace('"{{appId}}"', "-323232")
    Pipeline.from_json(text).validate()


def test_the_guide_goals_body_as_shown_names_no_item():
    text = next(p for p in REFERENCE if "guide_goals" in p.name).read_text(encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        Pipeline.from_json(text).validate()
    assert caught.value.path == "pipeline[2].itemSeen.itemSeenInfo"
    assert "one item (pageId, featureId, trackTypeId)" in caught.value.message


def test_comments_and_trailing_commas_as_pasted_from_the_documentation():
    text = """
    {
        "response": {"mimeType": "application/json"},
        "request": {
            "pipeline": [
                { // every page
                    "source": {"pages": null,},
                },
                /* just one */ {"limit": 1},
            ],
        },
    }"""
    p = Pipeline.from_json(text)
    assert p.stages == ({"source": {"pages": None}}, {"limit": 1})


def test_every_accepted_form_gives_the_same_pipeline():
    stages = [{"source": {"pages": None}}, {"limit": 2}]
    labelled = {"name": "n", "pipeline": stages, "requestId": "r"}
    envelope = {"response": {"mimeType": "application/json"}, "request": labelled}
    p = Pipeline.from_json(envelope)
    assert Pipeline.from_json(labelled) == p
    assert Pipeline.from_json(json.dumps(envelope)) == p
    assert Pipeline.from_json(json.dumps(envelope).encode()) == p
    assert Pipeline.from_json(p) is p
    assert Pipeline.from_json(stages) == p.named(None)
    assert p.to_request() == envelope


def test_undocumented_envelope_keys_are_dropped():
    body = {"channelId": "", "response": {"location": "request", "mimeType": "application/json"},
            "request": {"name": "", "pipeline": [{"source": {"pages": None}}], "requestId": ""}}
    assert Pipeline.from_json(body).to_request() == {
        "response": {"mimeType": "application/json"},
        "request": {"name": "", "pipeline": [{"source": {"pages": None}}], "requestId": ""}}


@pytest.mark.parametrize("bad", [42, {"response": {}}, {"request": []}, "[1, 2", None])
def test_unreadable_requests_are_refused(bad):
    with pytest.raises(ValidationError):
        Pipeline.from_json(bad)


def test_from_json_does_not_validate_but_to_request_does():
    p = Pipeline.from_json([{"source": {"pages": None}}, {"limt": 1}])
    with pytest.raises(ValidationError, match=r"pipeline\[1\]: unknown operator 'limt'"):
        p.to_request()
    assert p.to_request(validate=False)["request"]["pipeline"][1] == {"limt": 1}


# -- round trip --------------------------------------------------------------------------------

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ_", min_size=1, max_size=8).filter(
    lambda name: name not in {"true", "false", "null"})
fields = st.lists(names, min_size=1, max_size=3).map(".".join)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=10))
times = st.one_of(
    st.integers(0, 2_000_000_000_000),
    st.just("now()"),
    st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1),
                 timezones=st.just(dt.timezone.utc)),
    st.integers(1, 90).map(lambda days: fn.date_add(fn.now(), -days, "days")),
)
conditions = st.builds(lambda f, v: (col(f) > v) | col(f).is_null(), fields, scalars)
expressions = st.one_of(fields, conditions,
                        st.builds(lambda f, n: col(f) * n, fields, st.integers()))
aggregations = st.one_of(
    st.tuples(st.sampled_from(["sum", "avg", "min", "max", "first", "list", "median", "mean"]),
              fields),
    st.tuples(st.just("count"), st.one_of(st.none(), fields)),
    st.tuples(st.just("countIf"), st.none(), conditions),
)
outputs = st.dictionaries(names, expressions, min_size=1, max_size=3)
cases = st.lists(st.fixed_dictionaries({"value": scalars}, optional={"<": st.integers(),
                                                                     ">=": st.integers()}),
                 min_size=1, max_size=3)


@st.composite
def sources(draw) -> Pipeline:
    name = draw(st.sampled_from(sorted(SOURCES)))
    source = SOURCES[name]
    params = {}
    if "appId" in source.params.fields and not source.hour_ids and draw(st.booleans()):
        params["app_id"] = draw(st.one_of(st.integers(-10**6, 10**6),
                                          st.sampled_from(["*", "web|mobile", "ios"])))
    if "blacklist" in source.params.fields and draw(st.booleans()):
        params["blacklist"] = draw(st.sampled_from(["apply", "ignore", "only"]))
    period = draw(st.sampled_from(["hourRange", "dayRange", "weekRange", "monthRange", "daily"]))
    if source.hour_ids and period == "hourRange":
        params[source.hour_ids[0]] = draw(names)
    p = Pipeline.source(name, **params)
    if not source.time_series:
        return p
    first = draw(times)
    if draw(st.booleans()):
        return p.time_series(period, first, last=draw(times))
    return p.time_series(period, first, count=draw(st.integers(-400, 400).filter(bool)))


def operators(depth: int):
    simple = [
        st.builds(lambda c: lambda p: p.filter(c), conditions),
        st.builds(lambda o: lambda p: p.select(o), outputs),
        st.builds(lambda o: lambda p: p.eval(o), outputs),
        st.builds(lambda f: lambda p: p.sort(*f), st.lists(fields, min_size=1, max_size=3)),
        st.builds(lambda n: lambda p: p.limit(n), st.integers(0, 10**6)),
        st.just(lambda p: p.count()),
        st.just(lambda p: p.cat()),
        st.builds(lambda by, a: lambda p: p.group(by, a), st.lists(fields, max_size=3),
                  st.dictionaries(names, aggregations, max_size=3)),
        st.builds(lambda a: lambda p: p.reduce(a),
                  st.dictionaries(names, aggregations, min_size=1)),
        st.builds(lambda f: lambda p: p.identified(f), st.sampled_from(["visitorId", "!visitorId",
                                                                        "accountId"])),
        st.builds(lambda s: lambda p: p.segment(s), names),
        st.builds(lambda o, f: lambda p: p.bulk_expand(o, account=f), names, fields),
        st.builds(lambda o, f: lambda p: p.expand(o, feature=f), names, fields),
        st.builds(lambda o, i: lambda p: p.item_seen(o, page_id=i), names, names),
        st.builds(lambda o, f: lambda p: p.useragent(o, f), names, fields),
        st.builds(lambda f, k, i: lambda p: p.unwind(f, keep_empty=k, index=i), fields,
                  st.one_of(st.none(), st.booleans()), st.one_of(st.none(), names)),
        st.builds(lambda o, f, c: lambda p: p.switch(o, f, c), names, fields, cases),
        st.builds(lambda f, w: lambda p: p.join(f, width=w), st.lists(fields, max_size=2),
                  st.one_of(st.none(), st.integers(1, 5))),
    ]
    if depth > 0:
        inner = st.lists(operators(depth - 1), max_size=3)
        simple += [
            st.builds(lambda branches: lambda p: p.fork([_apply(Pipeline(), b) for b in branches]),
                      st.lists(inner, min_size=1, max_size=2)),
            st.builds(lambda f, src, ops: lambda p: p.merge(f, _apply(src, ops)),
                      st.lists(fields, min_size=1, max_size=2), sources(), inner),
        ]
    return st.one_of(simple)


def _apply(p: Pipeline, steps) -> Pipeline:
    for step in steps:
        p = step(p)
    return p


@st.composite
def pipelines(draw) -> Pipeline:
    if draw(st.integers(0, 9)) == 0:
        start = Pipeline.spawn(draw(st.lists(sources(), min_size=1, max_size=3)))
    elif draw(st.integers(0, 9)) == 0:
        kind = draw(st.sampled_from(["pes", "adoption", "growth", "stickiness"]))
        start = Pipeline.pes(kind=kind, first_day=draw(times),
                             day_count=draw(st.integers(-60, -1)))
    else:
        start = draw(sources())
    p = _apply(start, draw(st.lists(operators(depth=1), max_size=6)))
    return p.named(draw(st.one_of(st.none(), st.text(max_size=10))),
                   request_id=draw(st.one_of(st.none(), st.text(max_size=10))))


@settings(max_examples=200, deadline=None)
@given(pipelines())
def test_round_trip_through_the_request_and_its_json_text(p):
    request = p.to_request()  # validates: the builder only writes valid pipelines here
    assert Pipeline.from_json(request) == p
    assert Pipeline.from_json(p.to_json(indent=2)) == p
    assert Pipeline.from_json(json.loads(p.to_json())).to_request() == request
