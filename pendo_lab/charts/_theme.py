"""The house Altair theme: quiet axes, one font, a colour-blind-safe palette.

Example:
    >>> theme()["config"]["range"]["category"][:2]
    ['#3a6ea5', '#e07b39']
"""

from __future__ import annotations

from typing import Any

#: The theme's name in Altair's registry.
THEME_NAME = "pendo_lab"
#: Categorical colours (Okabe-Ito based, darkened for text contrast).
PALETTE = ["#3a6ea5", "#e07b39", "#3c9d6d", "#c8507a", "#8a6bbf", "#b39b2b", "#5aa9c9",
           "#7d7d7d"]
#: Colours with a meaning, used the same way by every chart.
POSITIVE, NEUTRAL, NEGATIVE, HIGHLIGHT = "#3c9d6d", "#b3b3b3", "#c8507a", "#3a6ea5"
_INK, _MUTED, _GRID = "#1f2329", "#5c616b", "#e6e8eb"


def theme() -> dict[str, Any]:
    """The theme as Altair wants it: ``{"config": {...}}``.

    Example:
        >>> theme()["config"]["title"]["anchor"]
        'start'
    """
    axis = {"labelColor": _MUTED, "titleColor": _INK, "gridColor": _GRID, "domainColor": _GRID,
            "tickColor": _GRID, "labelFontSize": 11, "titleFontSize": 12,
            "titleFontWeight": "normal"}
    return {
        "config": {
            "font": "Helvetica Neue, Helvetica, Arial, sans-serif",
            "background": "white",
            "view": {"stroke": None, "continuousWidth": 460, "continuousHeight": 260},
            "range": {"category": PALETTE},
            "axis": axis,
            "legend": {"labelColor": _MUTED, "titleColor": _INK, "labelFontSize": 11,
                       "titleFontSize": 12, "titleFontWeight": "normal"},
            "header": {"labelColor": _INK, "titleColor": _INK, "labelFontSize": 12},
            "title": {"fontSize": 15, "anchor": "start", "color": _INK, "subtitleColor": _MUTED,
                      "subtitleFontSize": 12, "offset": 10},
            "bar": {"color": HIGHLIGHT},
            "line": {"color": HIGHLIGHT, "strokeWidth": 2},
            "point": {"color": HIGHLIGHT, "filled": True},
            "rule": {"color": _MUTED},
            "text": {"color": _INK, "fontSize": 11},
        }
    }


def enable_theme() -> None:
    """Register the house theme and make it Altair's active theme.

    The chart functions call this only while Altair's own ``default`` theme is active, so a
    theme you chose stays in force.

    Example:
        >>> import altair as alt
        >>> enable_theme(); alt.theme.active
        'pendo_lab'
    """
    import altair as alt

    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(theme)
    alt.theme.enable(THEME_NAME)


def use_house_theme() -> None:
    """Enable the house theme while Altair's ``default`` theme is active: a theme the user
    chose stays, and the house theme once active needs nothing more."""
    import altair as alt

    if alt.theme.active == "default":
        enable_theme()
