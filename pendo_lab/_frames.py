"""JSON response bytes -> DataFrames: Polars by default, pandas on request.

Rows are never built as Python objects: the JSON array is split into its raw elements (msgspec
records where each one is, with the cyclic GC paused while it makes a million small objects),
then read as NDJSON by a columnar reader: PyArrow's, under a schema guessed from a sample and
checked on every row, for large responses; Polars' otherwise. Nested objects become struct columns (or
``parent.child`` columns with ``flatten=True``), arrays list columns. Epoch-millisecond fields
(``day``, ``browserTime``, ``createdAt``, ``metadata.auto.firstvisit``, ...) become
timezone-aware datetimes. ``benchmarks/frames_decode.py`` measures this path against
``json.loads`` + ``pandas.json_normalize``.

Example:
    >>> frame = json_to_frame(b'[{"id": "p1", "createdAt": 0}]', timezone="UTC")
    >>> frame["createdAt"].dtype.time_zone
    'UTC'
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
import orjson
import polars as pl

from ._exceptions import ValidationError

FRAME_KINDS = ("polars", "pandas")

#: Field names that hold epoch milliseconds wherever they appear (top level or nested).
TIME_FIELDS = frozenset({
    "day", "hour", "week", "month", "quarter", "browserTime", "guideTimestamp", "lastUsed",
    "time", "timestamp", "firstvisit", "lastvisit", "lastupdated", "startTime", "endTime",
    "firstTime", "lastTime", "lastTs", "ts",
})


def is_time_field(name: str) -> bool:
    """Whether a field of this name holds epoch milliseconds: the known names and ``*At``.

    Example:
        >>> is_time_field("createdAt"), is_time_field("lastvisit"), is_time_field("numEvents")
        (True, True, False)
    """
    return name in TIME_FIELDS or (name.endswith("At") and name[:-2][-1:].islower())


def check_frame_kind(frame: str) -> str:
    """Validate a ``frame=`` argument.

    Example:
        >>> check_frame_kind("arrow")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: frame='arrow' is not supported: use 'polars' or 'pandas'
    """
    if frame not in FRAME_KINDS:
        raise ValidationError(f"frame={frame!r} is not supported: use 'polars' or 'pandas'")
    return frame


class _Rows(msgspec.Struct):
    results: list[msgspec.Raw] = []


_array_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_results_decoder = msgspec.json.Decoder(_Rows)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a bulk decode (it would scan every new object).

    Example:
        >>> with gc_paused():
        ...     gc.isenabled()
        False
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def raw_rows(content: bytes, key: str | None = None) -> list[msgspec.Raw]:
    """The raw JSON elements of a top-level array, or of the array under ``key``.

    Example:
        >>> [bytes(row) for row in raw_rows(b'{"results": [{"a": 1}, 2]}', key="results")]
        [b'{"a": 1}', b'2']
    """
    with gc_paused():
        return _results_decoder.decode(content).results if key else _array_decoder.decode(content)


def rows_to_polars(rows: list[msgspec.Raw] | list[dict[str, Any]]) -> pl.DataFrame:
    """A Polars frame from raw JSON elements (fast path) or dicts.

    A large response (:data:`CHECKED_PATH_ROWS` rows or more) is read by
    :func:`read_checked` when PyArrow is installed; anything it cannot vouch for, and every
    smaller response, is read by Polars with every row inspected for the schema; a field
    holding different JSON types (a number here, a string there) falls back to dicts.

    Example:
        >>> dict(rows_to_polars([{"a": 1, "b": {"c": "x"}}]).schema)
        {'a': Int64, 'b': Struct({'c': String})}
    """
    if not rows:
        return pl.DataFrame()
    if not isinstance(rows[0], msgspec.Raw):
        rows = [orjson.dumps(row) for row in rows]
    if len(rows) >= CHECKED_PATH_ROWS and (frame := read_checked(rows)) is not None:
        return frame
    ndjson = b"\n".join(rows)
    try:
        return pl.read_ndjson(ndjson, infer_schema_length=None)
    except pl.exceptions.PolarsError:
        return pl.from_dicts(orjson.loads(b"[" + b",".join(rows) + b"]"),
                             infer_schema_length=None, strict=False)


#: Responses with at least this many rows try :func:`read_checked` first.
CHECKED_PATH_ROWS = 20_000
#: The rows a schema is guessed from: this many first ones, and about as many spread evenly.
SAMPLE_HEAD = 1_000
SAMPLE_SPREAD = 10_000


def read_checked(rows: list[bytes] | list[msgspec.Raw]) -> pl.DataFrame | None:
    """The fast path for large responses: the schema guessed from a sample of rows, then every
    row parsed under it by PyArrow's streaming JSON reader, which refuses a field or a type
    the sample did not show; None then (and without PyArrow), for the exact path to run.

    Inspecting every row for its schema costs Polars about as much as parsing it, so a
    sample halves the work; the check keeps the answer exact. Rows are fed to PyArrow a batch
    at a time and converted a block at a time, so the response is never copied whole.

    Example:
        >>> rows = [b'{"id": %d, "tags": ["a"]}' % n for n in range(30_000)]
        >>> read_checked(rows).shape
        (30000, 2)
        >>> rows[1001] = b'{"id": 1001, "rare": true}'   # a row the sample skips
        >>> read_checked(rows) is None
        True
    """
    try:
        import pyarrow as pa
        import pyarrow.json as pa_json
    except ImportError:
        return None
    sample = rows[:SAMPLE_HEAD] + rows[SAMPLE_HEAD::max(1, len(rows) // SAMPLE_SPREAD)]
    try:
        guess = pl.read_ndjson(b"\n".join(sample), infer_schema_length=None).schema
        schema = pa.schema([(name, _arrow_type(dtype, pa)) for name, dtype in guess.items()])
        options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
        reader = pa_json.open_json(io.BufferedReader(_NDJSONStream(rows), 1 << 20),
                                   parse_options=options)
        return pl.concat([pl.from_arrow(batch) for batch in reader], rechunk=False)
    except (KeyError, pl.exceptions.PolarsError, pa.ArrowException):
        return None


def _arrow_type(dtype: pl.DataType, pa: Any) -> Any:
    """The Arrow type PyArrow's JSON reader parses a column of this Polars dtype as
    (KeyError for a dtype it has none for)."""
    if isinstance(dtype, pl.Struct):
        return pa.struct([(field.name, _arrow_type(field.dtype, pa)) for field in dtype.fields])
    if isinstance(dtype, pl.List):
        return pa.list_(_arrow_type(dtype.inner, pa))
    return {pl.Int64: pa.int64(), pl.Float64: pa.float64(), pl.String: pa.string(),
            pl.Boolean: pa.bool_(), pl.Null: pa.null()}[dtype]


class _NDJSONStream(io.RawIOBase):
    """Raw rows read as one newline-delimited stream, joined ``batch`` rows at a time."""

    def __init__(self, rows: list[bytes] | list[msgspec.Raw], batch: int = 4096):
        self._rows = rows
        self._batch = batch
        self._next = 0
        self._chunk = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._chunk:
            if self._next >= len(self._rows):
                return 0
            rows = self._rows[self._next:self._next + self._batch]
            self._chunk = memoryview(b"\n".join(rows) + b"\n")
            self._next += self._batch
        size = min(len(buffer), len(self._chunk))
        buffer[:size] = self._chunk[:size]
        self._chunk = self._chunk[size:]
        return size


def convert_times(frame: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """Epoch-millisecond columns (and struct fields) as datetimes in ``timezone``.

    Example:
        >>> convert_times(pl.DataFrame({"day": [0]}), "UTC")["day"][0]
        datetime.datetime(1970, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
    """
    exprs = [e.alias(name) for name, dtype in frame.schema.items()
             if (e := _convert(pl.col(name), name, dtype, timezone)) is not None]
    return frame.with_columns(exprs) if exprs else frame


def _convert(expr: pl.Expr, name: str, dtype: pl.DataType, timezone: str) -> pl.Expr | None:
    if is_time_field(name) and dtype.is_numeric():
        return (pl.from_epoch(expr.cast(pl.Int64), time_unit="ms")
                .dt.replace_time_zone("UTC").dt.convert_time_zone(timezone))
    if isinstance(dtype, pl.Struct):
        fields = [(f.name, _convert(expr.struct.field(f.name), f.name, f.dtype, timezone))
                  for f in dtype.fields]
        if all(e is None for _, e in fields):
            return None
        return pl.struct([(e if e is not None else expr.struct.field(n)).alias(n)
                          for n, e in fields])
    return None


def flatten_structs(frame: pl.DataFrame) -> pl.DataFrame:
    """Struct columns spread into ``parent.child`` columns, at every depth (lists are kept).

    Example:
        >>> flatten_structs(pl.DataFrame({"metadata": [{"auto": {"firstvisit": 1}}]})).columns
        ['metadata.auto.firstvisit']
    """
    while structs := [name for name, dtype in frame.schema.items()
                      if isinstance(dtype, pl.Struct) and dtype.fields]:
        frame = frame.unnest(structs, separator=".")
    return frame


def finish(frame: pl.DataFrame, *, frame_kind: str = "polars", timezone: str = "UTC",
           times: bool = True, flatten: bool = False) -> Any:
    """Convert time fields, flatten structs if asked, and hand back the requested kind of frame.

    Example:
        >>> finish(pl.DataFrame({"m": [{"lastvisit": 0}]}), flatten=True).schema
        Schema([('m.lastvisit', Datetime(time_unit='us', time_zone='UTC'))])
    """
    check_frame_kind(frame_kind)
    if times:
        frame = convert_times(frame, timezone)
    if flatten:
        frame = flatten_structs(frame)
    return frame.to_pandas() if frame_kind == "pandas" else frame


def json_to_frame(content: bytes, *, key: str | None = None, frame: str = "polars",
                  timezone: str = "UTC", times: bool = True, flatten: bool = False) -> Any:
    """A DataFrame from a JSON array response (or from the array under ``key``).

    Example:
        >>> json_to_frame(b'{"results": [{"n": 1}, {"n": 2}]}', key="results")["n"].to_list()
        [1, 2]
    """
    check_frame_kind(frame)
    return finish(rows_to_polars(raw_rows(content, key)), frame_kind=frame, timezone=timezone,
                  times=times, flatten=flatten)


def is_id_column(name: str) -> bool:
    """Whether a CSV column holds ids: ``id``, or a name ending in ``Id`` or ``_id``.

    Example:
        >>> [is_id_column(name) for name in ("visitorId", "account_id", "id", "idle")]
        [True, True, True, False]
    """
    return name == "id" or name.endswith(("Id", "_id"))


def csv_to_frame(content: bytes, *, frame: str = "polars") -> Any:
    """A DataFrame from CSV bytes (report and export results), types inferred except in id
    columns (:func:`is_id_column`), which stay text: Pendo ids are strings, ``"007"`` is not 7.

    Example:
        >>> csv_to_frame(b"visitorId,n\\n007,1\\n").row(0)
        ('007', 1)
    """
    check_frame_kind(frame)
    result = pl.DataFrame()
    if content.strip():
        header = pl.read_csv(io.BytesIO(content), n_rows=0).columns
        result = pl.read_csv(io.BytesIO(content), infer_schema_length=10_000, schema_overrides={
            name: pl.String for name in header if is_id_column(name)})
    return result.to_pandas() if frame == "pandas" else result
