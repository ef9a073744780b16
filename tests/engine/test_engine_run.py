"""run / run_on_frame: request forms, sources, the stage table, error paths, Pendo's requests."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pendo_lab import PipelineError
from pendo_lab.engine import (
    AGGREGATORS,
    SOURCE_STAGES,
    STAGES,
    EngineContext,
    SourceSpec,
    TimeWindow,
    run,
    run_on_frame,
)

D = 86_400_000
SAMPLES = Path("/work/shared/pendo-samples")
EVENTS = pl.DataFrame(
    {
        "visitorId": ["v1", "v2", "_PENDO_T_x", "v1"],
        "accountId": ["a", "b", "a", "a"],
        "appId": [-323232] * 4,
        "day": [0, 0, D, D],
        "numEvents": [3, 1, 9, 2],
        "numMinutes": [2, 1, 5, 1],
    }
)
OPERATORS = {
    "source",
    "filter",
    "select",
    "eval",
    "sort",
    "limit",
    "count",
    "reduce",
    "group",
    "identified",
    "bulkExpand",
    "expand",
    "itemSeen",
    "segment",
    "useragent",
    "unwind",
    "switch",
    "fork",
    "spawn",
    "join",
    "merge",
    "cat",
    "pes",
    "adoption",
    "growth",
    "stickiness",
}


def test_the_stage_table_has_every_operator_and_aggregator():
    assert set(STAGES) == OPERATORS
    assert SOURCE_STAGES == {"source", "spawn", "pes", "adoption", "growth", "stickiness"}
    assert set(AGGREGATORS) == {
        "avg",
        "mean",
        "median",
        "min",
        "max",
        "sum",
        "first",
        "list",
        "count",
        "countIf",
    }


def test_run_accepts_the_stage_list_the_pipeline_object_and_the_envelope(tables):
    stages = [{"source": {"events": None}}, {"identified": "visitorId"}, {"count": None}]
    ctx = tables(events=EVENTS).context()
    envelope = {
        "response": {"mimeType": "application/json"},
        "request": {"name": "n", "pipeline": stages},
    }
    results = [
        run(form, ctx).to_dicts()
        for form in (stages, {"pipeline": stages}, json.loads(json.dumps(envelope)))
    ]
    assert results == [[{"count": 3}]] * 3


def test_the_source_stage_becomes_a_source_spec(tables):
    data = tables(events=EVENTS)
    params = {"appId": 'expandAppIds("*")', "blacklist": "apply"}
    run(
        [
            {
                "source": {
                    "events": params,
                    "timeSeries": {"period": "dayRange", "first": 0, "count": 2},
                }
            }
        ],
        data.context(timezone="UTC"),
    )
    assert data.calls == [
        SourceSpec("events", params, TimeWindow(0, 2 * D, "dayRange"), "pipeline[0]")
    ]


def test_run_on_frame_takes_eager_or_lazy_frames():
    stages = [
        {"group": {"group": ["accountId"], "fields": {"n": {"sum": "numEvents"}}}},
        {"sort": ["-n"]},
    ]
    eager = run_on_frame(stages, EVENTS)
    assert eager.to_dicts() == [{"accountId": "a", "n": 14}, {"accountId": "b", "n": 1}]
    assert run_on_frame(stages, EVENTS.lazy()).equals(eager)
    assert run_on_frame([], EVENTS).equals(EVENTS)


def test_now_is_one_instant_per_run():
    got = run_on_frame([{"limit": 1}, {"eval": {"a": "now()", "b": "now()"}}], EVENTS)
    assert got["a"].to_list() == got["b"].to_list()
    pinned = run_on_frame(
        [{"limit": 1}, {"select": {"t": "now()"}}], EVENTS, EngineContext(now_ms=42)
    )
    assert pinned["t"].to_list() == [42]


@pytest.mark.parametrize(
    ("pipeline", "path", "message"),
    [
        (
            [{"source": {"events": None}}, {"filter": "numEvents > 1"}, {"grup": {}}],
            "pipeline[2]",
            "unknown stage 'grup'; known stages: adoption, bulkExpand, cat, count",
        ),
        ([{"source": {"events": None}, "limit": 1}], "pipeline[0]", "one operator"),
        (
            [{"filter": "true"}],
            "pipeline[0]",
            "a pipeline starts with one of adoption, growth, pes, source, spawn, stickiness",
        ),
        (
            [{"source": {"events": None}}, {"source": {"events": None}}],
            "pipeline[1]",
            "cannot follow other stages",
        ),
        ([], "pipeline", "the pipeline is empty"),
        ([{"source": {"events": None, "pages": None}}], "pipeline[0].source", "exactly one source"),
        (
            [{"source": {"events": None, "timeSeries": {"period": "dayRange", "first": 0}}}],
            "pipeline[0].source.timeSeries",
            "exactly one of 'last' and 'count'",
        ),
        ({"request": {"name": "no pipeline"}}, "pipeline", "expected a list of stages"),
    ],
)
def test_pipeline_shape_errors_point_at_the_stage(tables, pipeline, path, message):
    with pytest.raises(PipelineError) as caught:
        run(pipeline, tables(events=EVENTS).context())
    assert caught.value.path == path
    assert message in caught.value.message


def test_a_source_without_a_resolver_says_how_to_give_one():
    with pytest.raises(
        PipelineError,
        match=r"pipeline\[0\]: source 'events' needs data: give EngineContext\(resolve_source",
    ):
        run([{"source": {"events": None}}])


def test_expression_errors_are_reraised_with_the_stage_path_and_caret():
    with pytest.raises(PipelineError) as caught:
        run_on_frame(
            [{"cat": None}, {"select": {"ok": "numEvents", "bad": "numEvents > )"}}], EVENTS
        )
    assert caught.value.path == "pipeline[1].select.bad"
    assert "numEvents > )" in str(caught.value) and "^" in str(caught.value)


def test_polars_plan_errors_are_reported_at_their_stage():
    with pytest.raises(PipelineError) as caught:
        run_on_frame(
            [
                {"cat": None},
                {"group": {"group": ["accountId"], "fields": {"accountId": {"count": None}}}},
            ],
            EVENTS,
        )
    assert caught.value.path == "pipeline[1]"
    assert "accountId" in caught.value.message


def test_dotted_paths_reach_into_nested_rows():
    frame = pl.DataFrame(
        {"metadata": [{"auto": {"id": "v1", "n": 2}}, {"auto": {"id": "v2", "n": 5}}]}
    )
    got = run_on_frame(
        [{"filter": "metadata.auto.n > 3"}, {"select": {"responseObj.id": "metadata.auto.id"}}],
        frame,
    )
    assert got.to_dicts() == [{"responseObj": {"id": "v2"}}]


def request(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def test_pendo_events_request_runs(tables):
    ctx = tables(events=EVENTS).context(
        now_ms=2 * D + 5, timezone="UTC"
    )  # "yesterday" is epoch day 1
    got = run(request("Events_Events.json"), ctx)
    assert got.to_dicts() == [
        {"visitorId": "v1", "accountId": "a", "day": D, "totalTime": 1, "totalEvents": 2}
    ]


def test_pendo_nps_spawn_join_request_runs():
    polls = {
        "pollId1": pl.DataFrame(
            {
                "visitorId": ["v1", "v2", "_PENDO_T_z"],
                "accountId": ["a", "b", "a"],
                "time": [10, 20, 30],
                "response": [9, 3, 10],
            }
        ),
        "pollId2": pl.DataFrame(
            {"visitorId": ["v2"], "accountId": ["b"], "time": [21], "response": ["slow"]}
        ),
    }
    ctx = EngineContext(resolve_source=lambda spec: polls[spec.params["pollId"]])
    got = run(request("NPS_Data_combinedNpsResponses.json"), ctx)
    assert got.columns == [
        "visitorId",
        "accountId",
        "qualitativeResponse",
        "qualitativeTime",
        "quantitativeResponse",
        "quantitativeTime",
    ]
    assert got.select("accountId", "quantitativeResponse", "qualitativeResponse").rows() == [
        ("a", 9, None),
        ("b", 3, "slow"),
    ]
    assert got["visitorId"].dtype.is_integer()  # hash(visitorId)


def test_pendo_anonymous_visitors_request_runs(tables):
    visitors = pl.DataFrame(
        {
            "visitorId": ["v1", "_PENDO_T_a"],
            "metadata": [
                {"auto": {"firstvisit": 1, "lastvisit": 2}},
                {"auto": {"firstvisit": 3, "lastvisit": 4}},
            ],
        }
    )
    got = run(request("User_Data_anonymous_visitors.json"), tables(visitors=visitors).context())
    row = got.to_dicts()
    assert [
        (r["visitorId"], r["firstvisit"], r["lastvisit"], r["lastbrowsername"]) for r in row
    ] == [("_PENDO_T_a", 3, 4, None)]


def test_failures_while_running_are_pipeline_errors():
    broken = pl.LazyFrame({"a": ["x"]}).with_columns(pl.col("a").str.to_integer())
    with pytest.raises(PipelineError, match="the pipeline failed while running: strict integer"):
        run([{"source": {"events": None}}], EngineContext(resolve_source=lambda spec: broken))
