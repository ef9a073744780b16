"""Every example in the pipeline package's docstrings runs and shows what it says."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

MODULES = ["__init__", "_catalog", "_display", "_expressions", "_pipeline", "_schema", "_time",
           "_validate"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    suffix = "" if name == "__init__" else f".{name}"
    module = importlib.import_module(f"pendo_lab.pipeline{suffix}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


DOCS = Path(__file__).parents[2] / "docs" / "pipeline.md"


def test_the_guide_examples_run():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0


def test_every_public_name_source_and_builder_method_is_documented():
    import pendo_lab.pipeline as package
    from pendo_lab.pipeline import SOURCES, Pipeline

    text = DOCS.read_text()
    public_methods = [name for name in vars(Pipeline) if not name.startswith("_")]
    wanted = ["col", "lit", "fn", "TimeSeries", "validate", "Pipeline", *SOURCES, *public_methods]
    missing = [name for name in wanted if name not in text]
    assert missing == []
    assert {"Pipeline", "col", "lit", "fn", "TimeSeries", "validate"} <= set(package.__all__)
