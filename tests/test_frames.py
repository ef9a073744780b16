"""JSON response bytes -> frames (pendo_lab._frames) and the known columns of sources."""

from __future__ import annotations

import gc
import importlib
import inspect
import json

import orjson
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pendo_lab import ValidationError
from pendo_lab._frames import (
    convert_times,
    csv_to_frame,
    flatten_structs,
    gc_paused,
    is_id_column,
    is_time_field,
    json_to_frame,
    raw_rows,
    read_checked,
    rows_to_polars,
)
from pendo_lab._schemas import conform, known_schema

ROWS = [
    {"visitorId": "v1", "day": 1_700_000_000_000, "numEvents": 3, "parameters": None,
     "metadata": {"auto": {"firstvisit": 1_600_000_000_000, "idhash": 7}}, "tags": ["a"]},
    {"visitorId": "v2", "day": 1_700_086_400_000, "numEvents": 1,
     "parameters": {"parameter": "tab=2"},
     "metadata": {"auto": {"firstvisit": 1_600_000_000_000, "idhash": 8}}, "tags": []},
]


def envelope(rows) -> bytes:
    return orjson.dumps({"startTime": 1, "results": rows, "details": {"validThrough": {}}})


def test_rows_under_a_key_keep_their_order_and_values():
    frame = json_to_frame(envelope(ROWS), key="results", times=False)
    assert frame.to_dicts() == ROWS
    assert frame.schema["metadata"] == pl.Struct({"auto": pl.Struct(
        {"firstvisit": pl.Int64, "idhash": pl.Int64})})
    assert frame.schema["tags"] == pl.List(pl.String)


def test_a_field_first_seen_late_is_kept():
    rows = [{"id": i} for i in range(500)] + [{"id": 500, "late": {"x": 1.5}}]
    frame = json_to_frame(orjson.dumps(rows))
    assert frame["late"].drop_nulls().to_list() == [{"x": 1.5}]


def test_mixed_types_in_one_field_fall_back_to_the_widest():
    frame = rows_to_polars(raw_rows(b'[{"v": 1}, {"v": "x"}]'))
    assert frame["v"].to_list() == ["1", "x"]


def test_a_pretty_printed_response_with_mixed_types_is_read():
    content = b'[\n  {\n    "a": 1\n  },\n  {\n    "a": "x"\n  }\n]'
    assert json_to_frame(content)["a"].to_list() == ["1", "x"]


def test_dicts_are_accepted_too():
    assert rows_to_polars(ROWS).to_dicts() == rows_to_polars(raw_rows(orjson.dumps(ROWS))).to_dicts()


def test_large_integers_stay_exact():
    frame = json_to_frame(b'[{"appId": 5629499534213120}, {"appId": -323232}]')
    assert frame["appId"].to_list() == [5629499534213120, -323232]


def test_an_empty_array_is_an_empty_frame():
    assert json_to_frame(b'{"results": []}', key="results").shape == (0, 0)


def test_time_fields_become_datetimes_in_the_timezone_at_any_depth():
    frame = json_to_frame(envelope(ROWS), key="results", timezone="Asia/Tokyo")
    assert frame.schema["day"] == pl.Datetime("us", "Asia/Tokyo")
    auto = frame["metadata"].struct.field("auto")
    assert auto.struct.field("firstvisit").dtype == pl.Datetime("us", "Asia/Tokyo")
    assert auto.struct.field("idhash").dtype == pl.Int64
    assert frame["day"][0].isoformat() == "2023-11-15T07:13:20+09:00"


@pytest.mark.parametrize("name, expected", [
    ("day", True), ("week", True), ("browserTime", True), ("createdAt", True),
    ("lastSeenAt", True), ("firstvisit", True), ("lastUsed", True), ("numEvents", False),
    ("At", False), ("format", False), ("visitorId", False)])
def test_time_field_names(name, expected):
    assert is_time_field(name) is expected


def test_text_named_like_a_time_is_left_alone():
    frame = convert_times(pl.DataFrame({"day": ["Monday"]}), "UTC")
    assert frame["day"].to_list() == ["Monday"]


def test_flatten_spreads_structs_and_keeps_lists():
    frame = json_to_frame(envelope(ROWS), key="results", flatten=True)
    assert frame.columns == ["visitorId", "day", "numEvents", "parameters.parameter",
                             "metadata.auto.firstvisit", "metadata.auto.idhash", "tags"]
    assert frame.schema["metadata.auto.firstvisit"] == pl.Datetime("us", "UTC")
    assert frame["parameters.parameter"].to_list() == [None, "tab=2"]


def test_flatten_leaves_a_frame_without_structs_unchanged():
    frame = pl.DataFrame({"a": [1], "b": [[{"x": 1}]]})
    assert flatten_structs(frame).equals(frame)


def test_pandas_frames():
    frame = json_to_frame(envelope(ROWS), key="results", frame="pandas", flatten=True)
    assert list(frame["numEvents"]) == [3, 1]
    assert str(frame["metadata.auto.firstvisit"].dt.tz) == "UTC"


def test_an_unknown_frame_kind_is_refused():
    with pytest.raises(ValidationError, match="use 'polars' or 'pandas'"):
        json_to_frame(b"[]", frame="arrow")


def test_csv_id_columns_stay_text_even_when_they_look_numeric():
    content = (b"visitorId,accountId,id,guideId,segment_id,numEvents,idle\n"
               b"007,42,1,2,3,5,6\n10,0042,11,12,13,14,15\n")
    frame = csv_to_frame(content)
    assert frame["visitorId"].to_list() == ["007", "10"]
    assert frame["accountId"].to_list() == ["42", "0042"]
    assert {name: frame.schema[name] for name in ("id", "guideId", "segment_id")} == \
        dict.fromkeys(("id", "guideId", "segment_id"), pl.String)
    assert frame["numEvents"].to_list() == [5, 14] and frame["idle"].dtype == pl.Int64
    assert csv_to_frame(content, frame="pandas")["visitorId"].tolist() == ["007", "10"]


@pytest.mark.parametrize("name, expected", [("visitorId", True), ("accountId", True),
                                            ("id", True), ("app_id", True), ("idhash", False),
                                            ("Identity", False), ("numEvents", False)])
def test_id_column_names(name, expected):
    assert is_id_column(name) is expected


def test_an_empty_csv_is_an_empty_frame():
    assert csv_to_frame(b"  \n").shape == (0, 0)
    assert csv_to_frame(b"visitorId,n\n")["visitorId"].dtype == pl.String


def test_gc_is_paused_and_restored_even_after_an_error():
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()   # it was off before: it stays off
    finally:
        gc.enable()


def test_the_fast_path_agrees_with_json_loads_on_a_large_response():
    rows = [{"visitorId": f"v{i}", "day": 1_700_000_000_000 + i, "n": i % 7,
             "p": {"parameter": f"x{i}"} if i % 3 else None, "score": i / 3}
            for i in range(20_000)]
    frame = json_to_frame(envelope(rows), key="results", times=False)
    assert frame.to_dicts() == json.loads(envelope(rows))["results"]


# -- the checked fast path for large responses -------------------------------------------------

def big_rows(n: int = 25_000) -> list[bytes]:
    """Rows varied enough to exercise the readers: nested, lists, escapes, nulls, floats."""
    return [orjson.dumps({
        "visitorId": f"v{i}\u00e9\"\\", "n": i, "score": i / 7, "ok": i % 2 == 0,
        "p": {"parameter": f"x{i}", "deep": {"at": i}} if i % 3 else None,
        "tags": [f"t{i % 5}"] * (i % 3), "actions": [{"action": "click", "n": i}],
        "maybe": None}) for i in range(n)]


def exact(rows: list[bytes]) -> pl.DataFrame:
    return pl.read_ndjson(b"\n".join(rows), infer_schema_length=None)


def raw(rows: list[bytes]) -> list:
    return raw_rows(b"[" + b",".join(rows) + b"]")


def holds(actual, expected) -> bool:
    """Whether ``actual`` has every value of ``expected`` (dicts may have more keys)."""
    if isinstance(expected, dict):
        return all(holds(actual.get(key), value) for key, value in expected.items())
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(map(holds, actual, expected))
    return actual == expected


def test_the_checked_path_gives_what_the_exact_one_gives():
    rows = big_rows()
    frame = read_checked(rows)
    assert frame is not None
    assert_frame_equal(frame, exact(rows))
    assert_frame_equal(rows_to_polars(raw(rows)), exact(rows))


@pytest.mark.parametrize("surprise", [
    b'{"n": 1, "rare": "a field no sampled row has"}',
    b'{"n": 1, "p": {"parameter": "x", "extra": 1}}',
    b'{"n": 1, "actions": [{"action": "x", "target": "y"}]}',
    b'{"n": 1.5}',
    b'{"n": 1, "maybe": {"now": "a struct"}}',
    b'{"n": "text"}',
], ids=["new-field", "new-nested-field", "new-field-in-list", "float", "null-then-struct",
        "other-type"])
def test_what_the_sample_did_not_show_sends_rows_down_the_exact_path(surprise):
    rows = big_rows()
    rows[1001] = surprise   # the sample reads the first 1000 rows and every few after
    assert read_checked(rows) is None
    frame = rows_to_polars(raw(rows))
    assert frame.height == len(rows)
    assert holds(frame.row(1001, named=True), json.loads(surprise))
    assert frame["n"][1000] in (1000, 1000.0, "1000")


def test_without_pyarrow_the_exact_path_runs(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    rows = big_rows()
    assert read_checked(rows) is None
    assert_frame_equal(rows_to_polars(raw(rows)), exact(rows))


# -- known columns ---------------------------------------------------------------------------

def test_known_columns_only_for_a_source_and_column_keeping_stages():
    series = {"period": "dayRange", "first": "now()", "count": -1}
    events = {"source": {"pageEvents": None, "timeSeries": series}}
    assert known_schema([events, {"filter": "numEvents > 0"}, {"sort": ["day"]}])["day"] == pl.Int64
    assert known_schema([events, {"select": {"a": "day"}}]) is None
    assert known_schema([{"source": {"mystery": None}}]) is None
    assert known_schema([{"spawn": []}]) is None


def test_conform_adds_missing_known_columns_and_types_null_ones():
    schema = pl.Schema({"a": pl.Int64, "p": pl.Struct({"parameter": pl.String})})
    frame = conform(pl.DataFrame({"a": [None, None], "extra": ["x", "y"]}), schema)
    assert frame.schema == pl.Schema({"a": pl.Int64, "extra": pl.String,
                                      "p": pl.Struct({"parameter": pl.String})})
    assert conform(frame, None) is frame


@pytest.mark.parametrize("module", ["pendo_lab._frames", "pendo_lab._schemas"])
def test_the_module_has_examples(module, examples):
    assert examples(inspect.getsource(importlib.import_module(module))) > 0
