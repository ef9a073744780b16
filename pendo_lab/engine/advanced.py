"""Advanced stages: unwind, switch, fork, spawn, join, merge.

Example:
    >>> import polars as pl
    >>> from pendo_lab.engine import run_on_frame
    >>> rows = pl.DataFrame({"id": ["a"], "items": [["x", "y"]]})
    >>> run_on_frame([{"unwind": {"field": "items", "index": "i"}}], rows).to_dicts()
    [{'id': 'a', 'items': 'x', 'i': 0}, {'id': 'a', 'items': 'y', 'i': 1}]
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import polars as pl

from ._fields import assign, lookup, nest

if TYPE_CHECKING:
    from ._pipeline import Stage

_POSITION = "__unwind_position"
_ROW = "__join_row"
_CHUNK = "__join_chunk"
_MATCHED = "__merge_matched"

#: The comparisons a switch entry may use.
COMPARISONS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _check_keys(argument: Any, stage: Stage, required: set, optional: set, example: str) -> None:
    if not isinstance(argument, dict) or not required <= set(argument) <= required | optional:
        raise stage.error(f"expected {example}")


def unwind(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"unwind": {"field": "f", "index": "i", "keepEmpty": true, "prefix": true}}``: one row per
    list element (``index`` numbers them from 0). An empty or missing list gives no row, unless
    ``keepEmpty``: then the row stays, with ``f`` and ``i`` null. ``prefix`` gives running lists
    ``[a]``, ``[a, b]``, ... instead of the elements (a kept empty row keeps its ``[]``)."""
    _check_keys(
        argument,
        stage,
        {"field"},
        {"index", "keepEmpty", "prefix"},
        '{"field": "<list field>", "index": "<out>", "keepEmpty": true, "prefix": true}',
    )
    name = argument["field"]
    schema = frame.collect_schema()
    values = stage.field(name, schema, ".field")
    dtype = frame.select(values).collect_schema().dtypes()[0]
    if not isinstance(dtype, pl.List):
        raise stage.error(f"field {name!r} is not a list (it holds {dtype})", ".field")
    keep_empty = bool(argument.get("keepEmpty"))
    frame = frame.with_columns(
        values.alias(name), pl.int_ranges(0, values.list.len()).alias(_POSITION)
    )
    if argument.get("prefix"):
        frame = frame.explode(_POSITION, empty_as_null=keep_empty, keep_nulls=keep_empty)
        frame = frame.with_columns(pl.col(name).list.head(pl.col(_POSITION) + 1))
    else:
        frame = frame.explode(name, _POSITION, empty_as_null=keep_empty, keep_nulls=keep_empty)
    if "index" in argument:
        frame = frame.with_columns(pl.col(_POSITION).alias(argument["index"]))
    return nest(frame.drop(_POSITION))


def switch(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"switch": {"<out>": {"<in>": [{"value": V, "<": 7}, {"value": W, ">=": 7}]}}}``: ``out``
    is the value of the first entry whose comparisons all hold; rows matching no entry, or
    without ``in``, are dropped."""
    if not isinstance(argument, dict) or not argument:
        raise stage.error('expected {"<out>": {"<in>": [{"value": ..., "<op>": ...}, ...]}}')
    schema = frame.collect_schema()
    outputs, matched = {}, []
    for out, spec in argument.items():
        if (
            not isinstance(spec, dict)
            or len(spec) != 1
            or not isinstance(next(iter(spec.values())), list)
        ):
            raise stage.error('expected {"<in>": [{"value": ..., "<op>": ...}, ...]}', f".{out}")
        ((name, entries),) = spec.items()
        field = lookup(name, schema)
        conditions = [
            _entry(field, entry, stage, f".{out}.{name}[{i}]") for i, entry in enumerate(entries)
        ]
        value = pl.lit(None)
        for condition, entry in reversed(list(zip(conditions, entries, strict=True))):
            value = pl.when(condition).then(pl.lit(entry["value"])).otherwise(value)
        outputs[out] = value
        matched.append(pl.any_horizontal(conditions) if conditions else pl.lit(False))
    return assign(frame.filter(pl.all_horizontal(matched)), outputs)


def _entry(field: pl.Expr | None, entry: Any, stage: Stage, suffix: str) -> pl.Expr:
    """The condition of one switch entry: all its comparisons, each null-safe false."""
    if (
        not isinstance(entry, dict)
        or "value" not in entry
        or not set(entry) - {"value"} <= set(COMPARISONS)
    ):
        raise stage.error(
            f'expected {{"value": ..., "<op>": ...}} with ops among {", ".join(COMPARISONS)}',
            suffix,
        )
    if field is None:
        return pl.lit(False)
    tests = [COMPARISONS[op](field, pl.lit(bound)) for op, bound in entry.items() if op != "value"]
    return pl.all_horizontal(tests).fill_null(False) if tests else pl.lit(True)


def _branches(argument: Any, stage: Stage, frame: pl.LazyFrame | None) -> pl.LazyFrame:
    """Concatenate the outputs of a list of pipelines (missing fields become null)."""
    if not isinstance(argument, list) or not argument:
        raise stage.error("expected a list of pipelines, e.g. [[...stages...], [...stages...]]")
    outputs = [stage.pipeline(branch, f"[{index}]", frame) for index, branch in enumerate(argument)]
    return pl.concat(outputs, how="diagonal_relaxed")


def fork(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"fork": [[...], [...]]}``: every row goes through every branch; outputs concatenated.

    Each branch sees the rows as they entered the fork (Pendo shares one row object between
    branches, so one branch's changes can show in another; the engine does not reproduce that).
    """
    return _branches(argument, stage, frame)


def spawn(frame: None, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"spawn": [[{"source": ...}, ...], ...]}``: run each pipeline (each with its own source)
    and concatenate their rows, branch by branch."""
    return _branches(argument, stage, None)


def join(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"join": {"fields": ["k"], "width": N}}``: merge the rows sharing the key values.

    A merged row takes, for each field, the last non-null value among its rows. With ``width``,
    a merged row is emitted as soon as N rows with its key have arrived (at the position of the
    N-th), and later rows with the key start a new merge; merges still incomplete when the rows
    run out are emitted at the end, as every merge is without ``width``, in order of their
    first row (INFERRED: Pendo's text does not say they are dropped).
    ``"fields": []`` merges all rows.
    """
    _check_keys(argument, stage, {"fields"}, {"width"}, '{"fields": ["<field>", ...], "width": N}')
    names, width = argument["fields"], argument.get("width")
    if not isinstance(names, list):
        raise stage.error("expected a list of fields", ".fields")
    if width is not None and (isinstance(width, bool) or not isinstance(width, int) or width < 1):
        raise stage.error(f"width must be a positive integer, got {width!r}", ".width")
    schema = frame.collect_schema()
    keys = [
        stage.field(name, schema, f".fields[{i}]").alias(f"__join_key{i}")
        for i, name in enumerate(names)
    ]
    key_names = [f"__join_key{i}" for i in range(len(keys))]
    arrival = pl.int_range(pl.len()).over(key_names) if key_names else pl.int_range(pl.len())
    chunk = arrival // width if width else pl.lit(0)
    frame = frame.with_columns(*keys, pl.int_range(pl.len()).alias(_ROW)).with_columns(
        chunk.alias(_CHUNK)
    )
    merged = frame.group_by(*key_names, _CHUNK).agg(
        *[pl.col(name).drop_nulls().last() for name in schema],
        pl.col(_ROW).min().alias("__first"),
        pl.col(_ROW).max().alias("__last"),
        (pl.len() == width if width else pl.lit(False)).alias("__complete"),
    )
    emitted_at = pl.when("__complete").then("__last").otherwise("__first")
    return merged.sort(~pl.col("__complete"), emitted_at).select(list(schema))


def merge(frame: pl.LazyFrame, argument: Any, stage: Stage) -> pl.LazyFrame:
    """``{"merge": {"fields": ["k"], "mappings": {"out": "inner"}, "pipeline": [...]}}``: run the
    inner pipeline and copy fields of its matching row into each row (every row with the key,
    duplicates included; rows without a match are kept unchanged).

    A key ``k`` is read from the inner rows as ``mappings[k]`` when mapped, else as ``k``
    (``{"fields": ["appId"], "mappings": {"appId": "id"}}`` matches apps by ``id``).
    ``mappings: {}`` copies nothing; no ``mappings`` copies every inner field by name. Of
    duplicate inner keys the first row wins (Pendo: undefined).
    """
    _check_keys(
        argument,
        stage,
        {"fields", "pipeline"},
        {"mappings"},
        '{"fields": [...], "mappings": {"<out>": "<inner field>"}, "pipeline": [...]}',
    )
    names, mappings = argument["fields"], argument.get("mappings")
    if not isinstance(names, list) or (mappings is not None and not isinstance(mappings, dict)):
        raise stage.error("fields must be a list and mappings an object")
    inner = stage.pipeline(argument["pipeline"], ".pipeline")
    inner_schema, schema = inner.collect_schema(), frame.collect_schema()
    if mappings is None:
        mappings = {name: name for name in inner_schema if name not in names}
    key_names = [f"__merge_key{i}" for i in range(len(names))] or ["__merge_key"]
    outer_keys = [stage.field(name, schema, f".fields[{i}]") for i, name in enumerate(names)] or [
        pl.lit(0)
    ]
    inner_keys = [
        stage.field(mappings.get(name, name), inner_schema, f".fields[{i}]")
        for i, name in enumerate(names)
    ] or [pl.lit(0)]
    value_names = [f"__merge_value{i}" for i in range(len(mappings))]
    values = [
        stage.field(source, inner_schema, f".mappings.{out}") for out, source in mappings.items()
    ]
    right = inner.select(
        *[key.alias(name) for key, name in zip(inner_keys, key_names, strict=True)],
        *[value.alias(name) for value, name in zip(values, value_names, strict=True)],
        pl.lit(True).alias(_MATCHED),
    ).unique(subset=key_names, keep="first", maintain_order=True)
    keyed = frame.with_columns(
        [key.alias(name) for key, name in zip(outer_keys, key_names, strict=True)]
    )
    joined = keyed.join(right, on=key_names, how="left", maintain_order="left")
    outputs = {
        out: pl.when(pl.col(_MATCHED)).then(pl.col(value)).otherwise(lookup(out, schema))
        for out, value in zip(mappings, value_names, strict=True)
    }
    return assign(joined, outputs).drop(*key_names, *value_names, _MATCHED)
