"""Aggregation results as frames: Polars or pandas, structs or flattened columns, datetimes in
the subscription timezone, the known columns of an empty result, and single values."""

from __future__ import annotations

import polars as pl
import pytest

from pendo_lab import ValidationError
from pendo_lab._schemas import SOURCE_COLUMNS
from pendo_lab.sandbox import Sandbox

NOW = "2026-11-02T15:30:00Z"
TIMEZONE = "America/New_York"
LAST_30_DAYS = {"period": "dayRange", "first": "now()", "count": -30}
#: Sources that need a timeSeries (the others take none).
WINDOWED = {"events", "pageEvents", "featureEvents", "trackEvents", "guideEvents", "pollEvents",
            "guidesSeen", "pollsSeen"}


@pytest.fixture(scope="module")
def box():
    return Sandbox(seed=5, now=NOW)


@pytest.fixture(params=["sync", "async"])
def client(request, box):
    return box.async_client() if request.param == "async" else box.client()


def source(name: str) -> dict:
    stage = {"source": {name: None}}
    if name in WINDOWED:
        stage["source"]["timeSeries"] = LAST_30_DAYS
    return stage


def test_polars_by_default_with_local_datetimes(client, run):
    rows = run(client.aggregate([source("events")]))
    assert isinstance(rows, pl.DataFrame) and rows.height > 0
    assert rows.schema["day"] == pl.Datetime("us", TIMEZONE)
    assert rows["day"].dt.hour().unique().to_list() == [0]   # local midnights
    assert rows.schema["numEvents"] == pl.Int64


def test_pandas_on_request(client, run):
    rows = run(client.aggregate([source("events")], frame="pandas"))
    assert type(rows).__module__.startswith("pandas")
    assert str(rows["day"].dt.tz) == TIMEZONE
    assert rows["numEvents"].sum() == run(client.aggregate([source("events")]))["numEvents"].sum()


def test_nested_objects_are_structs_with_their_times_converted(client, run):
    visitors = run(client.aggregate([source("visitors")]))
    auto = visitors.schema["metadata"].to_schema()["auto"].to_schema()
    assert auto["firstvisit"] == pl.Datetime("us", TIMEZONE)
    assert auto["lastvisit"] == pl.Datetime("us", TIMEZONE)
    assert auto["idhash"] == pl.Int64   # a number that is not a time stays one


def test_flatten_gives_dotted_columns(client, run):
    nested = run(client.aggregate([source("visitors")]))
    flat = run(client.aggregate([source("visitors")], flatten=True))
    assert flat.schema["metadata.auto.firstvisit"] == pl.Datetime("us", TIMEZONE)
    assert not any(isinstance(dtype, pl.Struct) for dtype in flat.schema.values())
    assert flat["metadata.auto.firstvisit"].to_list() == \
        nested["metadata"].struct.field("auto").struct.field("firstvisit").to_list()


def test_flatten_for_pandas(client, run):
    flat = run(client.aggregate([source("accounts")], frame="pandas", flatten=True))
    assert "metadata.auto.lastvisit" in flat.columns
    assert str(flat["metadata.auto.lastvisit"].dt.tz) == TIMEZONE


@pytest.mark.parametrize("name, column", [("guidesSeen", "lastSeenAt"), ("pages", "createdAt"),
                                          ("guideEvents", "browserTime"),
                                          ("pollsSeenEver", "time")])
def test_time_fields_by_name(box, name, column):
    rows = box.client().aggregate([source(name)])
    assert rows.height > 0
    assert rows.schema[column] == pl.Datetime("us", TIMEZONE)


# -- empty results ---------------------------------------------------------------------------

def _contained(known: pl.DataType, actual: pl.DataType) -> bool:
    """Whether a known dtype matches the actual one (a known struct may list fewer fields)."""
    if isinstance(known, pl.Struct) and isinstance(actual, pl.Struct):
        fields = actual.to_schema()
        return all(name in fields and _contained(dtype, fields[name])
                   for name, dtype in known.to_schema().items())
    return known == actual


@pytest.mark.parametrize("name", sorted(SOURCE_COLUMNS))
def test_an_empty_result_has_the_columns_a_full_one_has(box, name):
    client = box.client()
    full = client.aggregate([source(name), {"sort": [next(iter(SOURCE_COLUMNS[name]))]}])
    empty = client.aggregate([source(name), {"filter": "1 == 2"}])
    assert full.height > 0 and empty.height == 0
    assert empty.width >= len(SOURCE_COLUMNS[name])
    for column, dtype in empty.schema.items():
        assert column in full.schema, column
        assert _contained(dtype, full.schema[column]), (column, dtype, full.schema[column])


def test_an_empty_result_of_an_unknown_shape_has_no_columns(box):
    rows = box.client().aggregate([source("events"), {"filter": "1 == 2"},
                                   {"group": {"group": ["accountId"]}}])
    assert rows.shape == (0, 0)


def test_the_period_column_follows_the_time_series(box):
    weekly = {"period": "weekRange", "first": "now()", "count": -2}
    rows = box.client().aggregate([{"source": {"events": None, "timeSeries": weekly}},
                                   {"limit": 0}])
    assert "week" in rows.columns and "day" not in rows.columns
    assert rows.schema["week"] == pl.Datetime("us", TIMEZONE)


# -- single values ---------------------------------------------------------------------------

def test_a_count_as_a_value(client, run, box):
    count = run(client.aggregation.value([source("visitors"), {"count": None}]))
    assert count == box.tables["visitors"].height


def test_a_one_field_reduce_as_a_value(client, run):
    request = [source("events"), {"reduce": {"events": {"sum": "numEvents"}}}]
    rows = run(client.aggregate([source("events")]))
    assert run(client.aggregation.value(request)) == rows["numEvents"].sum()


def test_a_time_value_is_a_local_datetime(box):
    last = box.client().aggregation.value([source("events"), {"reduce": {"day": {"max": "day"}}}])
    assert str(last.tzinfo) == TIMEZONE and last.hour == 0


@pytest.mark.parametrize("tail, shape", [
    ([{"reduce": {"a": {"sum": "numEvents"}, "b": {"count": "visitorId"}}}], "1 rows and 2 columns"),
    ([{"group": {"group": ["accountId"]}}], "columns (accountId)"),
    ([{"filter": "1 == 2"}, {"group": {"group": ["accountId"]}}], "0 rows and 0 columns (none)"),
])
def test_value_refuses_anything_but_one_cell(client, run, tail, shape):
    with pytest.raises(ValidationError) as info:
        run(client.aggregation.value([source("events"), *tail]))
    assert shape in str(info.value) and "use run() for a table" in str(info.value)
