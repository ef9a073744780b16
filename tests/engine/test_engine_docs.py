"""docs/engine.md has examples (``python -m pytest`` runs them, and the engine's docstring
examples) and names every stage and aggregator."""

from __future__ import annotations

import re
from pathlib import Path

from pendo_lab.engine import AGGREGATORS, STAGES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "engine.md"


def test_docs_have_examples(examples):
    assert examples(DOCS.read_text()) > 10


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
