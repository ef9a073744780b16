"""One chart per computed recipe; each takes the recipe's result and returns an Altair chart.

Example:
    >>> import polars as pl
    >>> from pendo_lab.recipes import RecipeResult
    >>> result = RecipeResult(pl.DataFrame({"pes": [40.0], "adoption": [30.0],
    ...     "stickiness": [20.0], "growth": [70.0]}), 40.0, "pes")
    >>> spec = pes(result).to_dict()
    >>> sorted(row["component"] for row in spec["datasets"][spec["data"]["name"]])
    ['PES', 'adoption', 'growth', 'stickiness']
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ._base import MAX_BARS, average_rule, chart, message_chart, per_group, title, to_polars
from ._theme import HIGHLIGHT, NEGATIVE, NEUTRAL, POSITIVE

_PERIOD_LETTERS = {"daily": "D", "weekly": "W", "monthly": "M"}
_NPS_CATEGORIES = ["detractor", "passive", "promoter"]
_NPS_COLORS = [NEGATIVE, NEUTRAL, POSITIVE]


def _group_column(frame: pl.DataFrame, measures: list[str]) -> str | None:
    """The result's group column, if it has one: the first column that is not a measure."""
    return next((name for name in frame.columns if name not in measures), None)


def stickiness(result: Any) -> Any:
    """Daily stickiness as a line with a rule at its average; by group, one bar per group.

    Example:
        >>> from datetime import date
        >>> from pendo_lab.recipes import RecipeResult
        >>> frame = pl.DataFrame({"day": [date(2026, 10, 1), date(2026, 10, 2)],
        ...                       "stickiness": [20.0, 30.0]})
        >>> spec = stickiness(RecipeResult(frame, 25.0, "stickiness")).to_dict()
        >>> [layer["mark"]["type"] for layer in spec["layer"]]
        ['line', 'rule', 'text']
    """
    import altair as alt

    if result.message:
        return message_chart(result.message, "Stickiness")
    frame = to_polars(result.frame)
    ratio = _ratio_name(result.params)
    heading = title("Stickiness", f"{ratio}, average {result.value:.1f}%")
    group = _group_column(frame, ["day", "stickiness"])
    if group is not None:
        return per_group(frame, group, "stickiness", result.value, f"{ratio} (%)").properties(
            title=heading
        )
    line = chart(frame).mark_line(point=True).encode(
        x=alt.X("day:T", title=None),
        y=alt.Y("stickiness:Q", title=f"{ratio} (%)"),
        tooltip=[alt.Tooltip("day:T"), alt.Tooltip("stickiness:Q", format=".1f")],
    )
    rule = average_rule(result.value, "y", f"average {result.value:.1f}")
    return alt.layer(line, *rule).properties(title=heading)


def _ratio_name(params: Any) -> str:
    numerator = _PERIOD_LETTERS.get(params.get("numerator", "daily"), "D")
    denominator = _PERIOD_LETTERS.get(params.get("denominator", "monthly"), "M")
    return f"{numerator}AU/{denominator}AU"


def adoption(result: Any) -> Any:
    """Adoption of each core event as a bar, with a rule at the overall adoption; by group, a
    heat map of groups by events (above 40 groups, each event's mean over the groups).

    Example:
        >>> from pendo_lab.recipes import RecipeResult
        >>> frame = pl.DataFrame({"kind": ["page"], "id": ["p1"], "name": ["Home"],
        ...                       "adoption": [50.0]})
        >>> adoption(RecipeResult(frame, 50.0, "adoption")).to_dict()["layer"][0]["mark"]["type"]
        'bar'
    """
    import altair as alt

    if result.message:
        return message_chart(result.message, "Adoption")
    frame = to_polars(result.frame)
    heading = title("Adoption of core events", f"overall {result.value:.1f}%")
    group = _group_column(frame, ["kind", "id", "name", "adoption"])
    if group is not None:
        groups = frame[group].n_unique()
        if groups <= MAX_BARS:
            cells = frame.with_columns(pl.col(group).cast(pl.String).fill_null("(none)"))
            order = sorted(set(cells["name"]))
            return _heatmap(cells, "name", group, "adoption", order).properties(title=heading)
        frame = frame.group_by("kind", "id", "name").agg(pl.col("adoption").mean())
        heading = title("Adoption of core events", f"mean over {groups} groups; "
                        f"overall {result.value:.1f}%")
    bars = chart(frame).mark_bar().encode(
        y=alt.Y("name:N", sort="-x", title=None),
        x=alt.X("adoption:Q", title="active units who used it (%)",
                scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("kind:N", title="kind"),
        tooltip=["name:N", "kind:N", "id:N", alt.Tooltip("adoption:Q", format=".1f")],
    )
    rule = average_rule(result.value, "x", f"overall {result.value:.1f}")
    return alt.layer(bars, *rule).properties(title=heading)


def growth(result: Any) -> Any:
    """New and recovered units (up) against dropped ones (down); by group, one stacked bar
    per group (above 40 groups, the totals).

    Example:
        >>> from pendo_lab.recipes import RecipeResult
        >>> frame = pl.DataFrame({"growth": [60.0], "new": [4], "recovered": [2], "dropped": [4],
        ...                       "quickRatio": [1.5]})
        >>> spec = growth(RecipeResult(frame, 60.0, "growth")).to_dict()
        >>> [(row["change"], row["units"]) for row in spec["datasets"][spec["data"]["name"]]]
        [('new', 4), ('recovered', 2), ('dropped', -4)]
    """
    import altair as alt

    if result.message:
        return message_chart(result.message, "Growth")
    frame = to_polars(result.frame)
    counts = ["new", "recovered", "dropped"]
    group = _group_column(frame, ["growth", *counts, "quickRatio"])
    heading = title("Growth", f"score {result.value:.1f}: (new + recovered) against dropped")
    if group is None or frame.height > MAX_BARS:
        frame = frame.select(pl.col(counts).sum())
        group = None
    keys = [group] if group else []
    signed = frame.select(
        *(pl.col(key).cast(pl.String).fill_null("(none)") for key in keys),
        *counts[:2], (-pl.col("dropped")).alias("dropped"),
    ).unpivot(index=keys, on=counts, variable_name="change", value_name="units")
    color = alt.Color("change:N", title=None, sort=counts,
                      scale=alt.Scale(domain=counts, range=[POSITIVE, HIGHLIGHT, NEGATIVE]))
    encoding = {"y": alt.Y("units:Q", title="units"), "color": color,
                "tooltip": [*(f"{key}:N" for key in keys), "change:N", "units:Q"]}
    if group:
        encoding["x"] = alt.X(f"{group}:N", title=None)
    else:
        encoding["x"] = alt.X("change:N", title=None, sort=counts)
    return chart(signed).mark_bar().encode(**encoding).properties(title=heading)


def pes(result: Any) -> Any:
    """The Product Engagement Score beside its three components; by group, a heat map of
    groups by component (above 40 groups, the distribution of their PES).

    Example:
        >>> from pendo_lab import recipes
        >>> spec = pes(recipes.pes(client, days=14)).to_dict()
        >>> spec["title"]["text"]
        'Product Engagement Score'
    """
    import altair as alt

    if result.message:
        return message_chart(result.message, "Product Engagement Score")
    frame = to_polars(result.frame)
    parts = ["adoption", "stickiness", "growth", "pes"]
    group = _group_column(frame, parts)
    heading = title("Product Engagement Score", f"PES {result.value:.1f} = mean of adoption, "
                    "stickiness and growth")
    if group is not None and frame.height > MAX_BARS:
        return per_group(frame, group, "pes", result.value, "PES").properties(title=heading)
    keys = [group] if group else []
    long = frame.select(
        *(pl.col(key).cast(pl.String).fill_null("(none)") for key in keys),
        *parts[:3], pl.col("pes").alias("PES"),
    ).unpivot(index=keys, variable_name="component", value_name="score")
    order = [*parts[:3], "PES"]
    if group:
        return _heatmap(long, "component", group, "score", order).properties(title=heading)
    bars = chart(long).mark_bar().encode(
        x=alt.X("component:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100]), title="score (0-100)"),
        color=alt.condition(alt.datum.component == "PES", alt.value(HIGHLIGHT),
                            alt.value(NEUTRAL)),
        tooltip=["component:N", alt.Tooltip("score:Q", format=".1f")],
    )
    labels = bars.mark_text(dy=-8).encode(text=alt.Text("score:Q", format=".1f"),
                                          color=alt.value("#1f2329"))
    return alt.layer(bars, labels).properties(title=heading, width=360)


def _heatmap(frame: pl.DataFrame, x: str, y: str, value: str, order: list[str]) -> Any:
    """Groups (rows) by ``x`` (columns), coloured and labelled by a 0-100 ``value``."""
    import altair as alt

    base = chart(frame).encode(
        x=alt.X(f"{x}:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y(f"{y}:N", title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=f"{value} (0-100)",
                        scale=alt.Scale(domain=[0, 100], scheme="blues")),
        tooltip=[f"{y}:N", f"{x}:N", alt.Tooltip(f"{value}:Q", format=".1f")],
    )
    labels = base.transform_filter(f"isValid(datum.{value})").mark_text().encode(
        text=alt.Text(f"{value}:Q", format=".0f"),
        color=alt.condition(f"datum.{value} > 60", alt.value("white"), alt.value("#1f2329")),
    )
    return alt.layer(cells, labels).properties(width=alt.Step(64), height=alt.Step(24))


def nps(result: Any) -> Any:
    """The distribution of scores (0-10, coloured detractor/passive/promoter) beside the NPS
    of each period on the -100..100 scale.

    Example:
        >>> from pendo_lab import recipes
        >>> spec = nps(recipes.nps(client, days=30)).to_dict()
        >>> [part.get("title") for part in spec["hconcat"]]
        ['Scores', None]
    """
    import altair as alt

    if result.message:
        return message_chart(result.message, "Net Promoter Score")
    responses = to_polars(result.details["responses"])
    scores = (
        pl.DataFrame({"score": list(range(11))})
        .join(responses.group_by("score").agg(pl.len().alias("responses")), on="score",
              how="left")
        .with_columns(
            pl.col("responses").fill_null(0),
            pl.when(pl.col("score") >= 9).then(pl.lit("promoter"))
            .when(pl.col("score") >= 7).then(pl.lit("passive"))
            .otherwise(pl.lit("detractor")).alias("category"),
        )
    )
    distribution = chart(scores).mark_bar().encode(
        x=alt.X("score:O", title="score"),
        y=alt.Y("responses:Q", title="responses"),
        color=alt.Color("category:N", sort=_NPS_CATEGORIES,
                        scale=alt.Scale(domain=_NPS_CATEGORIES, range=_NPS_COLORS)),
        tooltip=["score:O", "category:N", "responses:Q"],
    ).properties(title="Scores", width=300)
    periods = to_polars(result.details["periods"])
    trend = chart(periods).mark_line(point=True).encode(
        x=alt.X("period:T", title=None),
        y=alt.Y("nps:Q", title="NPS", scale=alt.Scale(domain=[-100, 100])),
        tooltip=[alt.Tooltip("period:T"), alt.Tooltip("nps:Q", format=".1f"), "responses:Q"],
    ).properties(title="NPS by period", width=360)
    zero = average_rule(0.0, "y", "")
    return alt.hconcat(distribution, alt.layer(trend, *zero)).properties(
        title=title("Net Promoter Score", f"NPS {result.value:+.1f} from "
                    f"{responses.height} responses")
    )


def guide_goals(result: Any) -> Any:
    """Each guide's funnel (visitors who saw each step, and those of them who then used the
    goal) beside its conversion and the rate among comparable visitors who did not see it.

    Example:
        >>> from pendo_lab import recipes
        >>> spec = guide_goals(recipes.guide_goals(client, days=30)).to_dict()
        >>> spec["title"]["text"], len(spec["vconcat"])
        ('Guide goals', 2)
    """
    import altair as alt

    if result.message:
        return message_chart(result.message, "Guide goals")
    frame = to_polars(result.frame)
    funnel = frame.unpivot(index=["guideName", "step"], on=["seen", "converted"],
                           variable_name="visitors", value_name="count")
    steps = chart(funnel).mark_bar().encode(
        x=alt.X("step:O", title="step"),
        xOffset=alt.XOffset("visitors:N", sort=["seen", "converted"]),
        y=alt.Y("count:Q", title="visitors"),
        color=alt.Color("visitors:N", sort=["seen", "converted"],
                        scale=alt.Scale(range=[NEUTRAL, POSITIVE])),
        tooltip=["guideName:N", "step:O", "visitors:N", "count:Q"],
    ).properties(width=160, height=180).facet(
        column=alt.Column("guideName:N", title=None)
    ).resolve_scale(x="independent")
    rates = frame.filter(pl.col("step") == 1).select(
        "guideName", pl.col("conversion").alias("saw the guide"),
        pl.col("baselineConversion").alias("did not see it"),
    ).unpivot(index="guideName", variable_name="visitors", value_name="rate")
    comparison = chart(rates).mark_bar().encode(
        y=alt.Y("guideName:N", title=None),
        yOffset=alt.YOffset("visitors:N", sort=["saw the guide", "did not see it"]),
        x=alt.X("rate:Q", title="used the goal (%)"),
        color=alt.Color("visitors:N", sort=["saw the guide", "did not see it"],
                        scale=alt.Scale(range=[POSITIVE, NEUTRAL])),
        tooltip=["guideName:N", "visitors:N", alt.Tooltip("rate:Q", format=".1f")],
    ).properties(width=360)
    return alt.vconcat(steps, comparison).properties(
        title=title("Guide goals", f"conversion after step 1: {result.value:.1f}% overall")
    ).resolve_scale(color="independent")
