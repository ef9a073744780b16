"""Altair charts of the computed recipes, in a house theme.

Each function takes a recipe's :class:`~pendo_lab.recipes.RecipeResult` and returns an Altair
chart (never displays it); ``result.chart()`` calls the right one. Charts aggregate their rows
in Polars and embed them inline, so results of any size chart without Altair's 5,000-row
``MaxRowsError`` and without dropping rows. An empty result charts its message.

The house theme (:func:`theme`) is enabled by the first chart drawn unless you have enabled
another Altair theme; :func:`enable_theme` enables it yourself.

Example:
    >>> import pendo_lab
    >>> from pendo_lab import recipes
    >>> client = pendo_lab.Pendo.sandbox(now="2026-11-02T15:30:00Z")
    >>> spec = recipes.pes(client, days=14).chart().to_dict()
    >>> spec["config"]["font"]
    'Helvetica Neue, Helvetica, Arial, sans-serif'
"""

from __future__ import annotations

from ._recipes import adoption, growth, guide_goals, nps, pes, stickiness
from ._theme import PALETTE, THEME_NAME, enable_theme, theme

__all__ = [
    "PALETTE",
    "THEME_NAME",
    "adoption",
    "enable_theme",
    "growth",
    "guide_goals",
    "nps",
    "pes",
    "stickiness",
    "theme",
]
