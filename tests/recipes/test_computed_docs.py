"""The computed recipes' shared modules and documentation: every example runs."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("name", ["_metric", "_sources", "_result"])
def test_module_examples(name):
    module = importlib.import_module(f"pendo_lab.recipes.{name}")
    outcome = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert outcome.failed == 0 and outcome.attempted > 0


def run_examples(text: str) -> doctest.TestResults:
    test = doctest.DocTestParser().get_doctest(text, {}, "docs", "docs", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    return runner.summarize(verbose=False)


def test_recipes_docs_computed_section_runs():
    text = (ROOT / "docs/recipes.md").read_text()
    outcome = run_examples(text[text.index("## Computed recipes"):])
    assert outcome.failed == 0 and outcome.attempted > 5


def test_charts_docs_run():
    outcome = run_examples((ROOT / "docs/charts.md").read_text())
    assert outcome.failed == 0 and outcome.attempted > 5


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
    assert sorted(recipes.__all__) == sorted(["RecipeResult", *recipes._DECLARATIVE,
                                              *recipes._COMPUTED])
    assert all(callable(getattr(recipes, name)) for name in recipes._COMPUTED)
