"""The computed recipes' shared modules and documentation: they have examples (``python -m
pytest`` runs them), and the docs name every computed recipe and parameter."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("name", ["_metric", "_sources", "_result"])
def test_the_module_has_examples(name, examples):
    module = importlib.import_module(f"pendo_lab.recipes.{name}")
    assert examples(inspect.getsource(module)) > 0


def test_recipes_docs_computed_section_has_examples(examples):
    text = (ROOT / "docs/recipes.md").read_text()
    assert examples(text[text.index("## Computed recipes"):]) > 5


def test_charts_docs_have_examples(examples):
    assert examples((ROOT / "docs/charts.md").read_text()) > 5


def test_docs_name_every_computed_recipe_and_parameter():
    text = (ROOT / "docs/recipes.md").read_text()
    section = text[text.index("## Computed recipes"):]
    recipes = importlib.import_module("pendo_lab.recipes")
    for name in ("nps", "stickiness", "adoption", "growth", "pes", "guide_goals"):
        assert f"| `{name}` |" in section
        function = getattr(recipes, name)
        assert function.__doc__ and "pendo-spec.md" in function.__doc__
        for parameter in function.__code__.co_varnames[:function.__code__.co_argcount
                                                       + function.__code__.co_kwonlyargcount]:
            assert f"`{parameter}" in section or f"{parameter}=" in section, (name, parameter)


def test_package_exports_every_recipe():
    recipes = importlib.import_module("pendo_lab.recipes")
    computed = ["adoption", "growth", "guide_goals", "nps", "pes", "stickiness"]
    assert sorted(recipes.computed_recipes()) == computed
    assert sorted(recipes.__all__) == sorted(["RecipeResult", "computed_recipes",
                                              *recipes._DECLARATIVE, *computed])
