"""The aggregation modules and docs/aggregate.md have examples; ``python -m pytest`` runs them
and checks they show what they say."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

MODULES = ["pendo_lab._chunks", "pendo_lab._http", "pendo_lab.resources.aggregation"]
DOCS = Path(__file__).parents[1] / "docs" / "aggregate.md"


@pytest.mark.parametrize("name", MODULES)
def test_every_module_has_examples(name, examples):
    assert examples(inspect.getsource(importlib.import_module(name))) > 0


def test_the_guide_has_examples(examples):
    assert examples(DOCS.read_text()) > 20
