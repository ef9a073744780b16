"""Ready recipes: declarative aggregations kept as JSON files, and computed metrics.

Every recipe returns a :class:`RecipeResult` with ``.frame``, ``.value`` (the headline
number, when there is one) and ``.chart()``. See docs/recipes.md.

Computed recipes (:func:`nps`, :func:`stickiness`, :func:`adoption`, :func:`growth`,
:func:`pes`, :func:`guide_goals`) share these parameters:

* ``source``: a :class:`~pendo_lab.Pendo` client, or rows you have (pandas or Polars): one
  frame of the recipe's main source, or ``{"<Pendo source name>": frame, ...}``.
* ``method``: ``"server"`` (default with a client: Pendo's own stages and pipelines) or
  ``"local"`` (default with frames: the same requests run by :mod:`pendo_lab.engine` here,
  on your frames or on rows pulled from the client). On the sandbox both agree.
* ``first``, ``last`` (dates, both included) and ``days`` (30): with neither date, the
  ``days`` complete days before today in the subscription timezone.
* ``app_id`` (Pendo's default app when None), ``identified`` (True: anonymous visitors
  left out), ``segment`` (a segment id with a client; with frames, the members as a frame
  with ``visitorId``/``accountId`` or a list of visitor ids).
* ``timezone`` (frames only; a client knows its own, default UTC) and ``frame``
  (``"polars"``/``"pandas"``; default: the kind of frame given, or the client's).

Empty data gives a result whose ``message`` says so (``value`` None), not an error.

Example:
    >>> "nps_last_30_days" in list_recipes()["name"].to_list()
    True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from ._result import RecipeResult

# -- declarative recipes: the JSON files of recipes/ (pendo_lab/recipes/_declarative.py) ------
from ._declarative import (
    Parameter,
    Recipe,
    declarative_recipes,
    get_recipe,
    list_recipes,
    load_recipe,
    run_recipe,
)

_DECLARATIVE = ["Parameter", "Recipe", "declarative_recipes", "get_recipe", "list_recipes",
                "load_recipe", "run_recipe"]

# -- computed recipes: nps, stickiness, adoption, growth, pes, guide_goals ---------------------
from .adoption import adoption
from .growth import growth
from .guide_goals import guide_goals
from .nps import nps
from .pes import pes
from .stickiness import stickiness


def computed_recipes() -> dict[str, Callable[..., RecipeResult]]:
    """The computed recipes by name: the functions of this package whose first argument is
    the data source (a client or frames).

    Example:
        >>> sorted(computed_recipes())
        ['adoption', 'growth', 'guide_goals', 'nps', 'pes', 'stickiness']
    """
    functions = [globals()[name] for name in __all__]
    return {function.__name__: function for function in functions
            if inspect.isfunction(function)
            and next(iter(inspect.signature(function).parameters), None) == "source"}


# Every public name, written out so that static checkers see the re-exports.
__all__ = [
    "Parameter",
    "Recipe",
    "RecipeResult",
    "adoption",
    "computed_recipes",
    "declarative_recipes",
    "get_recipe",
    "growth",
    "guide_goals",
    "list_recipes",
    "load_recipe",
    "nps",
    "pes",
    "run_recipe",
    "stickiness",
]
