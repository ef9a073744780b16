"""The widgets' modules and docs/widgets.md have examples (``python -m pytest`` runs them); the
docs name every widget; importing pendo_lab stays light."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import pendo_lab.widgets

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "widgets.md"
MODULES = ["pendo_lab.widgets"] + [
    f"pendo_lab.widgets.{info.name}" for info in pkgutil.iter_modules(pendo_lab.widgets.__path__)
]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_has_examples(name, examples):
    assert examples(inspect.getsource(importlib.import_module(name))) > 0


def test_the_docs_have_examples(examples):
    assert examples(DOCS.read_text()) > 10


def test_docs_name_every_widget():
    text = DOCS.read_text()
    for name in pendo_lab.widgets.__all__:
        assert f"| `{name}(client" in text, name


def test_import_pendo_lab_does_not_import_ipywidgets_or_altair():
    code = ("import sys, pendo_lab; "
            "print(sorted(m for m in ('ipywidgets', 'altair') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
