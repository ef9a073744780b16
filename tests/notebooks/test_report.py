"""``pendo-lab report`` on a machine with no key: it runs the product health notebook on the
sandbox, says so, and writes a notebook and an HTML page whose charts render offline in
headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def report(tmp_path_factory, kernel_env):
    """Run the command as a user would, from an empty folder, with no Pendo settings."""
    cwd = tmp_path_factory.mktemp("fresh")
    done = subprocess.run([sys.executable, "-m", "pendo_lab.cli", "report"],
                          cwd=cwd, env=kernel_env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return cwd / "pendo-lab-report", done.stdout


def svg_outputs(notebook_path: Path) -> list:
    notebook = nbformat.read(notebook_path, as_version=4)
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs if "image/svg+xml" in output.get("data", {})]


def test_it_says_the_data_is_the_sandboxs_and_where_it_wrote(report):
    out, stdout = report
    assert stdout.splitlines()[1:] == [
        "data: sandbox (synthetic data; set PENDO_INTEGRATION_KEY for your subscription)",
        "notebook: pendo-lab-report/product_health.ipynb",
        "report: pendo-lab-report/product_health.html",
    ]
    assert (out / "product_health.ipynb").is_file() and (out / "product_health.html").is_file()


def test_the_executed_notebook_ran_clean_with_svg_charts(report):
    out, _ = report
    notebook = nbformat.read(out / "product_health.ipynb", as_version=4)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert len(svg_outputs(out / "product_health.ipynb")) >= 4  # PES and its three components
    assert notebook.metadata.papermill.parameters["chart_renderer"] == "svg"


def test_the_tables_are_saved_beside_the_report(report):
    out, _ = report
    tables = sorted(out.glob("*.parquet"))
    assert tables and all(pl.read_parquet(path).height > 0 for path in tables)


def test_the_html_needs_no_network_and_says_sandbox(report):
    out, _ = report
    html = (out / "product_health.html").read_text(encoding="utf-8")
    external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert external == []
    assert "<script src" not in html
    assert "synthetic" in html
    charts = len(svg_outputs(out / "product_health.ipynb"))
    assert html.count('data-mime-type="image/svg+xml"') == charts


def test_the_charts_render_in_headless_chromium_offline(report):
    from playwright.sync_api import sync_playwright

    out, _ = report
    html = out / "product_health.html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(offline=True)
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(html.as_uri(), wait_until="load")
        charts = page.evaluate("""() => Promise.all(
            [...document.querySelectorAll('[data-mime-type="image/svg+xml"] img')].map(
              async (img) => {
                await img.decode();
                const box = img.getBoundingClientRect();
                const canvas = document.createElement("canvas");
                canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
                const context = canvas.getContext("2d");
                context.drawImage(img, 0, 0);
                const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
                let inked = 0;
                for (let i = 0; i < pixels.length; i += 4) {
                  if (pixels[i + 3] > 0 && pixels[i] + pixels[i + 1] + pixels[i + 2] < 600) inked++;
                }
                return {width: box.width, height: box.height, inked};
              }))""")
        browser.close()
    assert len(charts) == len(svg_outputs(out / "product_health.ipynb")) >= 4
    for chart in charts:
        assert chart["width"] > 100 and chart["height"] > 50
        assert chart["inked"] > 500, "a chart drew (almost) nothing"
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []
