"""The examples in the aggregation modules' docstrings and in docs/aggregate.md run and show
what they say."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

from pendo_lab import Pendo

MODULES = ["pendo_lab._chunks", "pendo_lab._http", "pendo_lab.resources.aggregation"]
DOCS = Path(__file__).parents[1] / "docs" / "aggregate.md"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"client": Pendo.sandbox()},
                             optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_the_guide_examples_run():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 20 and result.failed == 0
