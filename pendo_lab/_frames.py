"""JSON response bytes -> DataFrames: Polars by default, pandas on request.

Rows are never built as Python objects: the JSON array is split into its raw elements (msgspec
records byte slices only), joined as NDJSON and read by Polars' columnar reader. Nested objects
become struct columns, arrays list columns. Epoch-millisecond fields (``day``, ``browserTime``,
``createdAt``, ``metadata.auto.firstvisit``, ...) become timezone-aware datetimes.

Example:
    >>> frame = json_to_frame(b'[{"id": "p1", "createdAt": 0}]', timezone="UTC")
    >>> frame["createdAt"].dtype.time_zone
    'UTC'
"""

from __future__ import annotations

import io
from typing import Any, Literal

import msgspec
import orjson
import polars as pl

from ._exceptions import ValidationError

FrameKind = Literal["polars", "pandas"]
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


def raw_rows(content: bytes, key: str | None = None) -> list[msgspec.Raw]:
    """The raw JSON elements of a top-level array, or of the array under ``key``."""
    return _results_decoder.decode(content).results if key else _array_decoder.decode(content)


def rows_to_polars(rows: list[msgspec.Raw] | list[dict[str, Any]]) -> pl.DataFrame:
    """A Polars frame from raw JSON elements (fast path) or dicts.

    Example:
        >>> dict(rows_to_polars([{"a": 1, "b": {"c": "x"}}]).schema)
        {'a': Int64, 'b': Struct({'c': String})}
    """
    if not rows:
        return pl.DataFrame()
    if not isinstance(rows[0], msgspec.Raw):
        rows = [msgspec.Raw(orjson.dumps(row)) for row in rows]
    ndjson = b"\n".join(bytes(row) for row in rows)
    try:
        return pl.read_ndjson(io.BytesIO(ndjson), infer_schema_length=None)
    except pl.exceptions.PolarsError:
        # Mixed JSON types in one field (a number here, a string there): fall back to dicts.
        return pl.from_dicts(orjson.loads(b"[" + ndjson.replace(b"\n", b",") + b"]"),
                             infer_schema_length=None, strict=False)


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


def finish(frame: pl.DataFrame, *, frame_kind: str = "polars", timezone: str = "UTC",
           times: bool = True) -> Any:
    """Convert time fields and hand back the requested kind of frame."""
    check_frame_kind(frame_kind)
    if times:
        frame = convert_times(frame, timezone)
    return frame.to_pandas() if frame_kind == "pandas" else frame


def json_to_frame(content: bytes, *, key: str | None = None, frame: str = "polars",
                  timezone: str = "UTC", times: bool = True) -> Any:
    """A DataFrame from a JSON array response (or from the array under ``key``).

    Example:
        >>> json_to_frame(b'{"results": [{"n": 1}, {"n": 2}]}', key="results")["n"].to_list()
        [1, 2]
    """
    check_frame_kind(frame)
    return finish(rows_to_polars(raw_rows(content, key)), frame_kind=frame, timezone=timezone,
                  times=times)


def csv_to_frame(content: bytes, *, frame: str = "polars") -> Any:
    """A DataFrame from CSV bytes (report and export results), types inferred.

    Example:
        >>> csv_to_frame(b"a,b\\n1,x\\n")["a"].to_list()
        [1]
    """
    check_frame_kind(frame)
    result = pl.read_csv(io.BytesIO(content), infer_schema_length=10_000) if content.strip() \
        else pl.DataFrame()
    return result.to_pandas() if frame == "pandas" else result
