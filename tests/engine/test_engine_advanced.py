"""unwind, switch, fork, spawn, join, merge."""

from __future__ import annotations

import polars as pl
import pytest

from pendo_lab import PipelineError
from pendo_lab.engine import EngineContext, SourceSpec, run, run_on_frame

LISTS = pl.DataFrame({"id": ["a", "b", "c"], "items": [["x", "y", "z"], [], None]})


def rows(stages: list, frame: pl.DataFrame) -> list[dict]:
    return run_on_frame(stages, frame).to_dicts()


def test_unwind_emits_one_row_per_element_and_none_for_empty_lists():
    got = rows([{"unwind": {"field": "items", "index": "i"}}], LISTS)
    assert got == [
        {"id": "a", "items": "x", "i": 0},
        {"id": "a", "items": "y", "i": 1},
        {"id": "a", "items": "z", "i": 2},
    ]


def test_unwind_keep_empty_keeps_the_row_with_nulls():
    got = rows([{"unwind": {"field": "items", "index": "i", "keepEmpty": True}}], LISTS)
    assert [(r["id"], r["items"], r["i"]) for r in got] == [
        ("a", "x", 0),
        ("a", "y", 1),
        ("a", "z", 2),
        ("b", None, None),
        ("c", None, None),
    ]


def test_unwind_prefix_gives_running_lists():
    got = rows([{"unwind": {"field": "items", "prefix": True, "index": "i"}}], LISTS)
    assert [(r["items"], r["i"]) for r in got] == [
        (["x"], 0),
        (["x", "y"], 1),
        (["x", "y", "z"], 2),
    ]


def test_unwind_a_nested_list_field():
    frame = pl.DataFrame({"g": [{"name": "area", "items": [{"itemId": "p1"}, {"itemId": "p2"}]}]})
    got = rows(
        [
            {"unwind": {"field": "g.items"}},
            {"select": {"page": "g.items.itemId", "area": "g.name"}},
        ],
        frame,
    )
    assert got == [{"page": "p1", "area": "area"}, {"page": "p2", "area": "area"}]


def test_unwind_of_a_non_list_is_an_error():
    with pytest.raises(PipelineError, match="'id' is not a list"):
        rows([{"unwind": {"field": "id"}}], LISTS)


SCORES = pl.DataFrame({"visitorId": ["a", "b", "c", "d", "e"], "response": [10, 7, 3, None, 8]})
NPS_SWITCH = {
    "switch": {
        "group": {
            "response": [
                {"value": "Detractor", "<": 7},
                {"value": "Passive", ">=": 7, "<": 9},
                {"value": "Promoter", ">=": 9},
            ]
        }
    }
}


def test_switch_sets_the_value_of_the_matching_entry_and_skips_unmatched_rows():
    got = rows([NPS_SWITCH], SCORES)
    assert [(r["visitorId"], r["group"]) for r in got] == [
        ("a", "Promoter"),
        ("b", "Passive"),
        ("c", "Detractor"),
        ("e", "Passive"),
    ]


def test_switch_first_matching_entry_wins_and_missing_input_skips_every_row():
    overlap = {
        "switch": {"band": {"response": [{"value": "high", ">": 5}, {"value": "any", ">=": 0}]}}
    }
    assert [r["band"] for r in rows([overlap], SCORES)] == ["high", "high", "any", "high"]
    missing = {"switch": {"band": {"nothere": [{"value": "x", "==": 1}]}}}
    assert rows([missing], SCORES) == []


def test_switch_entry_with_an_unknown_comparison_is_an_error():
    with pytest.raises(PipelineError) as caught:
        rows([{"switch": {"g": {"response": [{"value": 1, "~": 2}]}}}], SCORES)
    assert caught.value.path == "pipeline[0].switch.g.response[0]"


def test_fork_sends_every_row_to_every_branch_and_concatenates():
    frame = pl.DataFrame({"v": [1, 2, 3]})
    got = rows(
        [{"fork": [[{"filter": "v > 1"}], [{"eval": {"w": "v * 10"}}, {"limit": 1}]]}], frame
    )
    assert got == [{"v": 2, "w": None}, {"v": 3, "w": None}, {"v": 1, "w": 10}]


def test_errors_inside_a_fork_branch_carry_the_branch_path():
    with pytest.raises(PipelineError) as caught:
        rows([{"cat": None}, {"fork": [[{"cat": None}], [{"cat": None}, {"limit": -1}]]}], SCORES)
    assert caught.value.path == "pipeline[1].fork[1][1].limit"


POLLS = {
    "score": pl.DataFrame(
        {"visitorId": ["v1", "v2", "v3"], "response": [9, 4, 10], "time": [100, 200, 300]}
    ),
    "text": pl.DataFrame(
        {"visitorId": ["v2", "v1"], "response": ["meh", "great"], "time": [210, 110]}
    ),
}


def polls_context(calls: list) -> EngineContext:
    def resolve(spec: SourceSpec) -> pl.DataFrame:
        calls.append(spec)
        return POLLS[spec.params["pollId"]]

    return EngineContext(resolve_source=resolve)


def nps_pipeline(width: int | None) -> list:
    def branch(poll: str, out: str) -> list:
        return [
            {"source": {"pollsSeenEver": {"guideId": "g", "pollId": poll}}},
            {"cat": None},
            {"select": {"visitorId": "visitorId", out: "response"}},
        ]

    join = {"fields": ["visitorId"], **({"width": width} if width else {})}
    return [{"spawn": [branch("score", "score"), branch("text", "text")]}, {"join": join}]


def test_spawn_runs_each_branch_with_its_own_source():
    calls = []
    got = run(nps_pipeline(None)[:1], polls_context(calls)).to_dicts()
    assert got == [
        {"visitorId": "v1", "score": 9, "text": None},
        {"visitorId": "v2", "score": 4, "text": None},
        {"visitorId": "v3", "score": 10, "text": None},
        {"visitorId": "v2", "score": None, "text": "meh"},
        {"visitorId": "v1", "score": None, "text": "great"},
    ]
    assert [(c.name, c.params["pollId"], c.path) for c in calls] == [
        ("pollsSeenEver", "score", "pipeline[0].spawn[0][0]"),
        ("pollsSeenEver", "text", "pipeline[0].spawn[1][0]"),
    ]


def test_join_with_width_emits_when_complete_and_incomplete_merges_at_the_end():
    got = run(nps_pipeline(2), polls_context([])).to_dicts()
    assert got == [
        {"visitorId": "v2", "score": 4, "text": "meh"},
        {"visitorId": "v1", "score": 9, "text": "great"},
        {"visitorId": "v3", "score": 10, "text": None},
    ]


def test_join_without_width_merges_every_row_of_a_key():
    got = run(nps_pipeline(None), polls_context([])).to_dicts()
    assert got == [
        {"visitorId": "v1", "score": 9, "text": "great"},
        {"visitorId": "v2", "score": 4, "text": "meh"},
        {"visitorId": "v3", "score": 10, "text": None},
    ]


def test_join_starts_a_new_merge_after_width_rows_and_takes_the_last_non_null_value():
    frame = pl.DataFrame(
        {"k": ["a", "a", "a", "b"], "x": [1, None, 3, 4], "y": [None, "p", "q", None]}
    )
    got = rows([{"join": {"fields": ["k"], "width": 2}}], frame)
    assert got == [
        {"k": "a", "x": 1, "y": "p"},
        {"k": "a", "x": 3, "y": "q"},
        {"k": "b", "x": 4, "y": None},
    ]


def test_join_on_no_fields_merges_everything():
    frame = pl.DataFrame({"x": [1, None], "y": [None, 2]})
    assert rows([{"join": {"fields": []}}], frame) == [{"x": 1, "y": 2}]


APPS = pl.DataFrame(
    {"id": [1, 2, 2], "name": ["Web", "Mobile", "Dup"], "kind": ["web", "ios", "x"]}
)
EVENTS = pl.DataFrame(
    {"appId": [2, 1, 2, 3], "n": [10, 20, 30, 40], "name": ["e1", "e2", "e3", "e4"]}
)


def merge_rows(tables, merge: dict) -> list[dict]:
    pipeline = [
        {"source": {"featureEvents": None}},
        {"merge": {**merge, "pipeline": [{"source": {"apps": None}}]}},
    ]
    return run(pipeline, tables(featureEvents=EVENTS, apps=APPS).context()).to_dicts()


def test_merge_copies_mapped_fields_to_every_matching_row(tables):
    got = merge_rows(tables, {"fields": ["appId"], "mappings": {"appId": "id", "appName": "name"}})
    assert [(r["appId"], r["appName"]) for r in got] == [
        (2, "Mobile"),
        (1, "Web"),
        (2, "Mobile"),
        (3, None),
    ]
    assert [r["name"] for r in got] == ["e1", "e2", "e3", "e4"]


def test_merge_with_empty_mappings_copies_nothing(tables):
    assert merge_rows(tables, {"fields": [], "mappings": {}}) == EVENTS.to_dicts()


def test_merge_without_mappings_copies_every_inner_field_over_matched_rows(tables):
    apps = APPS.rename({"id": "appId"})
    pipeline = [
        {"source": {"featureEvents": None}},
        {"merge": {"fields": ["appId"], "pipeline": [{"source": {"apps": None}}]}},
    ]
    got = run(pipeline, tables(featureEvents=EVENTS, apps=apps).context()).to_dicts()
    assert [(r["name"], r["kind"]) for r in got] == [
        ("Mobile", "ios"),
        ("Web", "web"),
        ("Mobile", "ios"),
        ("e4", None),
    ]


def test_merge_pipeline_errors_carry_the_inner_path(tables):
    pipeline = [
        {"source": {"featureEvents": None}},
        {"merge": {"fields": ["appId"], "pipeline": [{"limit": 1}]}},
    ]
    with pytest.raises(PipelineError) as caught:
        run(pipeline, tables(featureEvents=EVENTS).context())
    assert caught.value.path == "pipeline[1].merge.pipeline[0]"
