"""The engine's docstring examples and docs/engine.md run; the docs name every stage and
aggregator."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import pendo_lab.engine
from pendo_lab.engine import AGGREGATORS, STAGES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "engine.md"
MODULES = ["pendo_lab.engine"] + [
    f"pendo_lab.engine.{info.name}" for info in pkgutil.iter_modules(pendo_lab.engine.__path__)
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_docs_examples():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 10


def test_docs_tables_list_every_stage_and_aggregator():
    text = DOCS.read_text()
    stage_rows = {
        name for row in re.findall(r"^\| ([\w, ]+) \| `\{", text, re.M) for name in row.split(", ")
    }
    assert set(STAGES) <= stage_rows
    aggregator_rows = {
        name
        for row in re.findall(
            r"^\| ([\w, ]+) \| `\{\"(?:avg|median|min|sum|first|list|count|countIf)", text, re.M
        )
        for name in row.split(", ")
    }
    assert aggregator_rows == set(AGGREGATORS)
