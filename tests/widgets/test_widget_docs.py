"""The widgets' docstring examples and docs/widgets.md run; importing pendo_lab stays light."""

from __future__ import annotations

import doctest
import importlib
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
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_docs_examples():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 10


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
