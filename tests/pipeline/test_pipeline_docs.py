"""The pipeline package's modules and docs/pipeline.md have examples (``python -m pytest`` runs
them), and the guide names every public name, source and builder method."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs" / "pipeline.md"
MODULES = ["__init__", "_catalog", "_display", "_expressions", "_pipeline", "_schema", "_time",
           "_validate"]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_has_examples(name, examples):
    suffix = "" if name == "__init__" else f".{name}"
    module = importlib.import_module(f"pendo_lab.pipeline{suffix}")
    assert examples(inspect.getsource(module)) > 0


def test_the_guide_has_examples(examples):
    assert examples(DOCS.read_text()) > 10


def test_every_public_name_source_and_builder_method_is_documented():
    import pendo_lab.pipeline as package
    from pendo_lab.pipeline import SOURCES, Pipeline

    text = DOCS.read_text()
    public_methods = [name for name in vars(Pipeline) if not name.startswith("_")]
    wanted = ["col", "lit", "fn", "TimeSeries", "validate", "Pipeline", *SOURCES, *public_methods]
    missing = [name for name in wanted if name not in text]
    assert missing == []
    assert {"Pipeline", "col", "lit", "fn", "TimeSeries", "validate"} <= set(package.__all__)
