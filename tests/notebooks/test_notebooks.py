"""The notebooks: stored clean with a ``parameters`` cell, run top to bottom under nbval with
their defaults (on the sandbox), run under papermill with other parameters against a served
sandbox reached as live Pendo, and never show the integration key. They ship in the wheel."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import polars as pl
import pytest
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import pendo_lab.report
from pendo_lab import Sandbox
from pendo_lab.report import NOTEBOOKS, notebook_dir, notebook_parameters, run_notebook
from pendo_lab.sandbox import READ_ONLY_KEY, READ_WRITE_KEY

ROOT = Path(__file__).resolve().parents[2]
# Every notebook takes these (time range, app, segment, sandbox or live, output folder).
COMMON_PARAMETERS = {"sandbox", "days", "app_id", "segment_id", "output_dir"}


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(notebook_dir() / f"{name}.ipynb", as_version=4)


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_folder_holds_exactly_the_listed_notebooks():
    assert notebook_dir() == ROOT / "notebooks"
    assert sorted(path.stem for path in notebook_dir().glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_stored_without_outputs_with_one_parameters_cell_first(name):
    notebook = read(name)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    cells = code_cells(notebook)
    assert all(cell.outputs == [] and cell.execution_count is None for cell in cells)
    tagged = [i for i, cell in enumerate(cells) if "parameters" in cell.metadata.get("tags", [])]
    assert tagged == [0], "one code cell tagged 'parameters', before any other code"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_are_declared_with_plain_defaults(name):
    parameters = notebook_parameters(name)
    assert COMMON_PARAMETERS <= set(parameters)
    assert parameters["sandbox"] is False and parameters["output_dir"] is None
    assert isinstance(parameters["days"], int) and parameters["days"] > 0


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_key_comes_from_the_environment_only(name):
    source = "\n".join(cell.source for cell in read(name).cells)
    assert "integration_key" not in source
    assert READ_WRITE_KEY not in source and READ_ONLY_KEY not in source
    assert re.search(r"PENDO_INTEGRATION_KEY\s*=", source) is None


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_top_to_bottom_under_nbval_with_its_defaults(name, kernel_env):
    """nbval (lax: every cell must run without error) on a fresh kernel with no Pendo key."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
         str(notebook_dir() / f"{name}.ipynb")],
        cwd=ROOT, env=kernel_env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    cells = len(code_cells(read(name)))
    assert f"{cells} passed" in done.stdout


@pytest.fixture(scope="module")
def served_sandbox():
    """A sandbox over HTTP, reached by the notebooks as live Pendo with its key in the
    environment."""
    box = Sandbox()
    with box.serve() as url:
        yield box, url


def other_parameters(name: str, box: Sandbox, output_dir) -> dict:
    """Non-default parameters for each notebook, chosen from the sandbox's data."""
    segments = box.tables["segments"].filter(pl.col("memberType") == "visitor")
    guides = box.tables["guides"]

    def guide(guide_name: str) -> str:
        return guides.filter(pl.col("name") == guide_name)["id"][0]

    common = {"days": 14, "app_id": int(box.tables["apps"]["id"][0]),
              "segment_id": segments["id"][0], "output_dir": str(output_dir)}
    writes = {"live_writes": True}
    return common | {
        "quickstart": {},
        "product_health": {"chart_renderer": "svg"},
        "nps": {"days": 60, "period": "month", "chart_renderer": "svg"},
        "guide_performance": {"guide_id": guide("Welcome tour"), "chart_renderer": "svg"},
        "segment_manager": {"segment_name": "Loyal (test)", "min_active_days": 2, **writes},
        "metadata_bulk_update": {"field": "testtier", "high_days": 5, "medium_days": 2,
                                 **writes},
        "guide_resets": {"guide_id": guide("New: AI insights"), "max_resets": 3, **writes},
    }[name]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_under_papermill_with_other_parameters_and_never_shows_the_key(
        name, served_sandbox, tmp_path, monkeypatch):
    box, url = served_sandbox
    monkeypatch.setenv("PENDO_BASE_URL", url)
    monkeypatch.setenv("PENDO_INTEGRATION_KEY", READ_WRITE_KEY)
    parameters = other_parameters(name, box, tmp_path / "tables")
    executed = run_notebook(name, tmp_path / f"{name}.ipynb", parameters)

    notebook = nbformat.read(executed, as_version=4)
    assert notebook.metadata.papermill.parameters == parameters
    outputs = [output for cell in code_cells(notebook) for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert READ_WRITE_KEY not in executed.read_text()
    assert "sandbox.invalid" not in executed.read_text(), "it must have used the served sandbox"
    saved = [pl.read_parquet(path) for path in (tmp_path / "tables").glob("*.parquet")]
    assert saved and any(table.height > 0 for table in saved)


def test_the_notebooks_ship_in_the_wheel():
    """pyproject lists every package of the tree, and maps pendo_lab.notebooks to notebooks/."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(path.parent.relative_to(ROOT).parts)
               for path in (ROOT / "pendo_lab").rglob("__init__.py")}
    assert on_disk <= set(config["packages"])
    assert "pendo_lab.notebooks" in config["packages"]
    assert config["package-dir"]["pendo_lab.notebooks"] == "notebooks"
    assert config["package-data"]["pendo_lab.notebooks"] == ["*.ipynb"]


def test_the_module_has_examples(examples):
    assert examples(inspect.getsource(pendo_lab.report)) > 0
