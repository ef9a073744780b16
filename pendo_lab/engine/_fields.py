"""Dotted field names on Polars frames: nested rows are struct columns.

Reading ``"metadata.auto.id"`` walks struct fields; writing a column named ``"t.promoters"``
and calling :func:`nest` folds it into the struct ``t`` (kept fields stay, new ones are added).

Example:
    >>> import polars as pl
    >>> frame = pl.LazyFrame({"t": [{"a": 1}]}).with_columns(pl.lit(2).alias("t.b"))
    >>> nest(frame).collect().to_dicts()
    [{'t': {'a': 1, 'b': 2}}]
"""

from __future__ import annotations

import polars as pl


def lookup(path: str, schema: pl.Schema) -> pl.Expr | None:
    """The expression reading a dotted field, or ``None`` when the rows have no such field.

    Example:
        >>> schema = pl.Schema({"metadata": pl.Struct({"auto": pl.Struct({"id": pl.String})})})
        >>> lookup("metadata.auto.id", schema) is not None, lookup("metadata.agent", schema)
        (True, None)
    """
    top, *rest = path.split(".")
    dtype = schema.get(top)
    if dtype is None:
        return None
    expr = pl.col(top)
    for name in rest:
        fields = {f.name: f.dtype for f in dtype.fields} if isinstance(dtype, pl.Struct) else {}
        if name not in fields:
            return None
        expr, dtype = expr.struct.field(name), fields[name]
    return expr


def nest(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Fold every column whose name has dots into nested struct columns.

    Example:
        >>> frame = pl.LazyFrame({"a.b.c": [1], "x": [0]})
        >>> nest(frame).collect().to_dicts()
        [{'a': {'b': {'c': 1}}, 'x': 0}]
    """
    schema = frame.collect_schema()
    dotted = [name for name in schema if "." in name]
    if not dotted:
        return frame
    tree: dict = {}
    for name in dotted:
        *parents, leaf = name.split(".")
        node = tree
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[leaf] = pl.col(name)
    merged = [
        _merge(pl.col(top), schema.get(top), branch).alias(top) for top, branch in tree.items()
    ]
    # a new struct takes the place of its first dotted column
    order = dict.fromkeys(name.split(".")[0] for name in schema)
    return frame.with_columns(merged).select(list(order))


def _merge(base: pl.Expr | None, dtype: pl.DataType | None, branch: dict) -> pl.Expr:
    """A struct with the fields of ``base`` (when it is a struct) overlaid by ``branch``."""
    fields: dict[str, tuple[pl.Expr, pl.DataType | None]] = {}
    if base is not None and isinstance(dtype, pl.Struct):
        fields = {f.name: (base.struct.field(f.name), f.dtype) for f in dtype.fields}
    for name, value in branch.items():
        if isinstance(value, dict):
            old, old_dtype = fields.get(name, (None, None))
            fields[name] = (_merge(old, old_dtype, value), None)
        else:
            fields[name] = (value, None)
    return pl.struct([expr.alias(name) for name, (expr, _) in fields.items()])


def assign(frame: pl.LazyFrame, outputs: dict[str, pl.Expr]) -> pl.LazyFrame:
    """Add or replace fields, dotted names creating nested struct fields.

    Example:
        >>> out = assign(pl.LazyFrame({"x": [1]}), {"r.double": pl.col("x") * 2})
        >>> out.collect().to_dicts()
        [{'x': 1, 'r': {'double': 2}}]
    """
    return nest(frame.with_columns([expr.alias(name) for name, expr in outputs.items()]))
