"""Building blocks of the recipe charts: frames in, inline data out, and shared layouts.

Charts aggregate what can grow (groups, answers) in Polars and embed their rows inline
(:func:`inline`), which Altair's 5,000-row limit (``MaxRowsError``) does not apply to: a chart
of any result draws, and no row is dropped on the way.

Example:
    >>> from datetime import date
    >>> inline(pl.DataFrame({"day": [date(2026, 10, 1)], "n": [float("nan")]})).to_dict()
    {'values': [{'day': '2026-10-01', 'n': None}]}
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ._theme import HIGHLIGHT, use_house_theme

#: Above this many groups a per-group chart shows their distribution instead of one bar each.
MAX_BARS = 40


def to_polars(frame: Any) -> pl.DataFrame:
    """A result frame (Polars or pandas) as Polars.

    Example:
        >>> to_polars(pl.DataFrame({"a": [1]})).height
        1
    """
    return frame if isinstance(frame, pl.DataFrame) else pl.from_pandas(frame)


def inline(frame: pl.DataFrame) -> Any:
    """A small frame as inline chart data: dates and times as ISO text, NaN as null."""
    import altair as alt

    temporal = [name for name, dtype in frame.schema.items() if dtype.is_temporal()]
    floats = [name for name, dtype in frame.schema.items() if dtype.is_float()]
    rows = frame.with_columns(
        *(pl.col(name).dt.to_string() for name in temporal),
        *(pl.col(name).fill_nan(None) for name in floats),
    )
    return alt.InlineData(values=rows.to_dicts())


def chart(frame: pl.DataFrame) -> Any:
    """``alt.Chart`` over a frame's rows, in the house theme."""
    import altair as alt

    use_house_theme()
    return alt.Chart(inline(frame))


def title(text: str, subtitle: str | None = None) -> Any:
    """A chart title with an optional subtitle.

    Example:
        >>> title("Stickiness", "DAU/MAU").to_dict()
        {'text': 'Stickiness', 'subtitle': 'DAU/MAU'}
    """
    import altair as alt

    return alt.Title(text, subtitle=subtitle) if subtitle else alt.Title(text)


def message_chart(message: str, heading: str) -> Any:
    """A chart saying why there is nothing to draw.

    Example:
        >>> message_chart("no activity", "Stickiness").to_dict()["mark"]["type"]
        'text'
    """
    return (
        chart(pl.DataFrame({"message": [message]}))
        .mark_text(fontSize=13)
        .encode(text="message:N")
        .properties(title=title(heading), width=460, height=60)
    )


def average_rule(value: float, axis: str, label: str) -> tuple[Any, Any]:
    """A dashed rule at ``value`` across the ``x`` or ``y`` axis and its label ``label``, to
    layer over a chart (``alt.layer(bars, *average_rule(...))``)."""
    import altair as alt

    data = chart(pl.DataFrame({"value": [value], "label": [label]}))
    if axis == "x":
        position, corner = {"x": alt.X("value:Q")}, {"y": alt.value(0)}
    else:
        position, corner = {"y": alt.Y("value:Q")}, {"x": alt.value(0)}
    rule = data.mark_rule(strokeDash=[5, 4]).encode(**position)
    text = data.mark_text(align="left", baseline="bottom", dx=4, dy=-2).encode(
        **position, **corner, text="label:N"
    )
    return rule, text


def histogram(values: pl.Series, low: float, high: float, bins: int = 20) -> pl.DataFrame:
    """Counts of ``values`` in ``bins`` equal bins from ``low`` to ``high`` (the top bin
    includes ``high``; nulls are left out): ``start``, ``end``, ``count``.

    Example:
        >>> histogram(pl.Series([0.0, 5.0, 10.0]), 0, 10, 2)["count"].to_list()
        [1, 2]
    """
    width = (high - low) / bins
    index = ((values.drop_nulls() - low) / width).floor().clip(0, bins - 1).cast(pl.Int64)
    counts = index.value_counts().rename({index.name: "bin"})
    frame = pl.DataFrame({"bin": range(bins)}).join(counts, on="bin", how="left")
    return frame.select(
        (low + pl.col("bin") * width).alias("start"),
        (low + (pl.col("bin") + 1) * width).alias("end"),
        pl.col("count").fill_null(0),
    )


def per_group(frame: pl.DataFrame, group: str, measure: str, average: float | None,
              label: str, scale: tuple[float, float] = (0, 100)) -> Any:
    """One horizontal bar per group (sorted) or, above :data:`MAX_BARS` groups, the
    distribution of the groups' values; with a rule at everyone's ``average``."""
    import altair as alt

    rows = frame.select(pl.col(group).cast(pl.String).fill_null("(none)"), measure)
    if rows.height <= MAX_BARS:
        bars = chart(rows).mark_bar().encode(
            y=alt.Y(f"{group}:N", sort="-x", title=None),
            x=alt.X(f"{measure}:Q", title=label, scale=alt.Scale(domain=list(scale))),
            tooltip=[f"{group}:N", alt.Tooltip(f"{measure}:Q", format=".1f")],
        )
    else:
        counts = histogram(rows[measure], *scale)
        bars = chart(counts).mark_bar(color=HIGHLIGHT).encode(
            x=alt.X("start:Q", bin="binned", title=label, scale=alt.Scale(domain=list(scale))),
            x2="end:Q",
            y=alt.Y("count:Q", title=f"{group} (of {rows.height})"),
            tooltip=["start:Q", "end:Q", "count:Q"],
        )
    if average is None:
        return bars
    return alt.layer(bars, *average_rule(average, "x", f"everyone {average:.1f}"))
