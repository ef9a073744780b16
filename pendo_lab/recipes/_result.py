"""The one result type every recipe returns: a frame, a headline value and a chart.

Example:
    >>> import polars as pl
    >>> result = RecipeResult(pl.DataFrame({"day": [1, 2], "ratio": [0.5, 0.7]}), 0.6, "stickiness")
    >>> result.value
    0.6
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecipeResult:
    """What a recipe computed.

    ``frame`` is the detailed table (Polars, or pandas when pandas went in or was asked for),
    ``value`` the headline number (``None`` when the recipe has none or there was no data),
    ``recipe`` the recipe's name, ``params`` the parameters it ran with, and ``chart_factory``
    a function of this result returning an Altair chart. ``details`` holds further named frames
    a recipe computed (NPS: every counted response with its follow-up), and ``message`` says why
    a result is empty ("no poll responses in ..."), instead of an error.

    Example:
        >>> import polars as pl
        >>> r = RecipeResult(pl.DataFrame({"n": [1]}), 1.0, "demo", {"app_id": None})
        >>> r.recipe, r.params["app_id"]
        ('demo', None)
    """

    frame: Any
    value: float | None
    recipe: str
    params: Mapping[str, Any] = field(default_factory=dict)
    chart_factory: Callable[[RecipeResult], Any] | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    message: str | None = None

    def chart(self) -> Any:
        """Draw this result as an Altair chart (raises NotImplementedError when the recipe has none).

        Example:
            >>> import polars as pl
            >>> RecipeResult(pl.DataFrame(), None, "demo").chart()
            Traceback (most recent call last):
            ...
            NotImplementedError: recipe 'demo' has no chart
        """
        if self.chart_factory is None:
            raise NotImplementedError(f"recipe {self.recipe!r} has no chart")
        return self.chart_factory(self)

    def _repr_html_(self) -> str:
        if self.message is not None:
            return f"<b>{self.recipe}</b>: {html.escape(self.message)}"
        value = "no headline value" if self.value is None else f"value = {self.value:.6g}"
        return f"<b>{self.recipe}</b>: {value}<br>{_frame_html(self.frame)}"


def _frame_html(frame: Any) -> str:
    return frame._repr_html_() if hasattr(frame, "_repr_html_") else repr(frame)
