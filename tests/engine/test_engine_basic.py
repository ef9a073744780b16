"""Basic and Pendo-specific row stages on hand-built frames."""

from __future__ import annotations

import polars as pl
import pytest

from pendo_lab import PipelineError
from pendo_lab.engine import AGGREGATORS, EngineContext, run_on_frame

EVENTS = pl.DataFrame(
    {
        "visitorId": ["v1", "v2", "_PENDO_T_a", "v1", "v3", None],
        "accountId": ["a1", "a1", "a2", "a2", None, "a3"],
        "day": [1, 1, 2, 2, 3, 3],
        "numEvents": [5, 3, 7, None, 2, 1],
        "numMinutes": [2, 1, 4, 1, 1, 1],
    }
)


def rows(
    stages: list, frame: pl.DataFrame = EVENTS, ctx: EngineContext | None = None
) -> list[dict]:
    return run_on_frame(stages, frame, ctx).to_dicts()


def test_filter_keeps_true_rows_and_drops_null_results():
    assert [r["day"] for r in rows([{"filter": "numEvents > 2"}])] == [1, 1, 2]


def test_select_keeps_only_its_fields_renamed_and_nests_dotted_names():
    got = rows(
        [
            {"limit": 1},
            {"select": {"who": "visitorId", "obj.events": "numEvents", "obj.day": "day"}},
        ]
    )
    assert got == [{"who": "v1", "obj": {"events": 5, "day": 1}}]


def test_eval_adds_replaces_and_merges_into_existing_structs():
    frame = pl.DataFrame({"x": [2], "t": [{"a": 1, "b": 2}]})
    got = rows([{"eval": {"x": "x * 10", "t.b": "x", "t.c": "x + 1", "y.z": "x"}}], frame)
    assert got == [{"x": 20, "t": {"a": 1, "b": 2, "c": 3}, "y": {"z": 2}}]


def test_eval_of_a_read_only_field_is_an_error_with_its_path():
    with pytest.raises(PipelineError) as caught:
        rows([{"cat": None}, {"eval": {"day": "day + 1"}}])
    assert caught.value.path == "pipeline[1].eval.day"
    assert "read-only" in caught.value.message


def test_sort_descending_and_ascending_keys_with_nulls_last():
    got = rows([{"sort": ["-numEvents", "visitorId"]}])
    assert [r["numEvents"] for r in got] == [7, 5, 3, 2, 1, None]
    got = rows([{"sort": ["accountId", "-day"]}])
    assert [(r["accountId"], r["day"]) for r in got] == [
        ("a1", 1),
        ("a1", 1),
        ("a2", 2),
        ("a2", 2),
        ("a3", 3),
        (None, 3),
    ]


def test_sort_is_stable():
    got = rows([{"sort": ["day"]}])
    assert [r["visitorId"] for r in got] == ["v1", "v2", "_PENDO_T_a", "v1", "v3", None]


def test_limit_and_its_validation():
    assert len(rows([{"limit": 2}])) == 2
    with pytest.raises(PipelineError, match=r"pipeline\[0\].limit: expected a row count"):
        rows([{"limit": "2"}])


def test_count_gives_one_row_even_when_empty():
    assert rows([{"count": None}]) == [{"count": 6}]
    assert rows([{"filter": "day > 99"}, {"count": None}]) == [{"count": 0}]
    with pytest.raises(PipelineError, match="takes only null"):
        rows([{"count": "visitorId"}])


def test_reduce_object_and_list_forms_give_one_row():
    as_object = rows(
        [{"reduce": {"events": {"sum": "numEvents"}, "visitors": {"count": "visitorId"}}}]
    )
    as_list = rows(
        [{"reduce": [{"events": {"sum": "numEvents"}}, {"visitors": {"count": "visitorId"}}]}]
    )
    assert as_object == as_list == [{"events": 18, "visitors": 4}]


def test_reduce_of_no_rows_is_still_one_row():
    got = rows(
        [{"filter": "day > 99"}, {"reduce": {"n": {"count": None}, "s": {"sum": "numEvents"}}}]
    )
    assert got == [{"n": 0, "s": 0}]


def test_group_fields_as_object_or_list_keep_first_appearance_order():
    fields = {"events": {"sum": "numEvents"}, "rows": {"count": None}}
    as_object = rows([{"group": {"group": ["accountId"], "fields": fields}}])
    as_list = rows(
        [{"group": {"group": ["accountId"], "fields": [{k: v} for k, v in fields.items()]}}]
    )
    assert (
        as_object
        == as_list
        == [
            {"accountId": "a1", "events": 8, "rows": 2},
            {"accountId": "a2", "events": 7, "rows": 2},
            {"accountId": None, "events": 2, "rows": 1},
            {"accountId": "a3", "events": 1, "rows": 1},
        ]
    )


def test_group_without_fields_gives_the_distinct_keys():
    assert rows([{"group": {"group": ["day"]}}]) == [{"day": 1}, {"day": 2}, {"day": 3}]


def test_every_aggregator():
    frame = pl.DataFrame({"k": ["x"] * 5, "v": [None, 4, 1, 4, 6], "w": ["p", "q", "p", None, "r"]})
    fields = {
        "avg": {"avg": "v"},
        "mean": {"mean": "v"},
        "median": {"median": "v"},
        "min": {"min": "v"},
        "max": {"max": "v"},
        "sum": {"sum": "v"},
        "first": {"first": "v"},
        "list": {"list": "w"},
        "rows": {"count": None},
        "distinct": {"count": "w"},
        "bigRows": {"countIf": {"count": None, "if": "v > 3"}},
        "bigDistinct": {"countIf": {"count": "w", "if": "v > 3"}},
    }
    (got,) = rows([{"group": {"group": ["k"], "fields": fields}}], frame)
    assert got == {
        "k": "x",
        "avg": 3.75,
        "mean": 3.75,
        "median": 4.0,
        "min": 1,
        "max": 6,
        "sum": 15,
        "first": 4,
        "list": ["p", "q", "p", None, "r"],
        "rows": 5,
        "distinct": 3,
        "bigRows": 3,
        "bigDistinct": 2,
    }
    assert set(fields) - {"rows", "distinct", "bigRows", "bigDistinct"} | {
        "count",
        "countIf",
    } == set(AGGREGATORS)


def test_aggregators_take_expressions():
    (got,) = rows([{"reduce": {"weighted": {"sum": "numEvents * numMinutes"}}}])
    assert got == {"weighted": 5 * 2 + 3 + 7 * 4 + 2 + 1}


def test_dotted_group_outputs_nest_and_reduce_lists_them():
    frame = pl.DataFrame({"g": ["x", "x", "y"], "score": [10, 3, 9]})
    stages = [
        {
            "group": {
                "group": ["g"],
                "fields": {
                    "t.promoters": {"countIf": {"count": None, "if": "score >= 9"}},
                    "t.detractors": {"countIf": {"count": None, "if": "score <= 6"}},
                },
            }
        },
        {"reduce": {"counts": {"list": "t"}}},
    ]
    assert rows(stages, frame) == [
        {"counts": [{"promoters": 1, "detractors": 1}, {"promoters": 1, "detractors": 0}]}
    ]


def test_group_by_a_nested_field_keeps_it_nested():
    frame = pl.DataFrame(
        {"ua": [{"name": "Chrome"}, {"name": "Firefox"}, {"name": "Chrome"}], "v": [1, 2, 3]}
    )
    got = rows([{"group": {"group": ["ua.name"], "fields": {"n": {"count": None}}}}], frame)
    assert got == [{"ua": {"name": "Chrome"}, "n": 2}, {"ua": {"name": "Firefox"}, "n": 1}]


def test_unknown_aggregator_lists_the_known_ones_at_its_path():
    with pytest.raises(PipelineError) as caught:
        rows(
            [
                {"cat": None},
                {"cat": None},
                {"cat": None},
                {
                    "group": {
                        "group": ["day"],
                        "fields": [{"a": {"sum": "numEvents"}}, {"b": {"total": "x"}}],
                    }
                },
            ]
        )
    assert caught.value.path == "pipeline[3].group.fields[1]"
    assert (
        "unknown aggregator 'total'; known aggregators: avg, count, countIf, first, list"
        in caught.value.message
    )


def test_missing_group_field_names_the_fields_there_are():
    with pytest.raises(PipelineError) as caught:
        rows([{"group": {"group": ["day", "acountId"]}}])
    assert caught.value.path == "pipeline[0].group.group[1]"
    assert "no field 'acountId'" in caught.value.message and "accountId" in caught.value.message


def test_identified_and_its_negation():
    assert [r["visitorId"] for r in rows([{"identified": "visitorId"}])] == ["v1", "v2", "v1", "v3"]
    assert [r["visitorId"] for r in rows([{"identified": "!visitorId"}])] == ["_PENDO_T_a"]


def test_cat_passes_rows_through():
    assert rows([{"cat": None}]) == EVENTS.to_dicts()


def segment_context(members: dict[str, pl.DataFrame]) -> EngineContext:
    def lookup(segment_id: str) -> pl.DataFrame:
        if segment_id not in members:
            raise PipelineError(f"no segment {segment_id!r}")
        return members[segment_id]

    return EngineContext(segment_members=lookup)


def test_segment_checks_the_id_columns_its_members_have():
    ctx = segment_context(
        {
            "visitors": pl.DataFrame({"visitorId": ["v1", "v3"]}),
            "accounts": pl.DataFrame({"accountId": ["a2"]}),
            "pairs": pl.DataFrame({"visitorId": ["v1"], "accountId": ["a2"]}),
        }
    )

    def pick(segment: str) -> list[tuple]:
        got = rows([{"segment": {"id": segment}}], ctx=ctx)
        return [(r["visitorId"], r["accountId"]) for r in got]

    assert pick("visitors") == [("v1", "a1"), ("v1", "a2"), ("v3", None)]
    assert pick("accounts") == [("_PENDO_T_a", "a2"), ("v1", "a2")]
    assert pick("pairs") == [("v1", "a2")]


def test_unknown_segment_and_missing_hook_are_pipeline_errors_at_the_stage():
    with pytest.raises(PipelineError) as caught:
        rows([{"cat": None}, {"segment": {"id": "nope"}}], ctx=segment_context({}))
    assert (caught.value.path, caught.value.message) == ("pipeline[1].segment", "no segment 'nope'")
    with pytest.raises(PipelineError, match="segment_members"):
        rows([{"segment": {"id": "s"}}])
