"""Run pendo_lab's notebooks unattended and publish them as self-contained HTML.

The notebooks ship with the package (see docs/notebooks.md). Each declares its parameters in a
cell tagged ``parameters``; :func:`run_notebook` executes one with papermill, checking the
parameter names first; :func:`export_html` writes an HTML page with no external scripts (charts
are inline SVG); :func:`run_report` does both for the product health notebook, which is what
``pendo-lab report`` runs.

Example:
    >>> notebook_parameters("product_health")["days"]
    30
    >>> parse_param("app_id=-323232")
    ('app_id', -323232)
"""

from __future__ import annotations

import ast
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ._config import integration_key
from ._exceptions import PendoError, ValidationError

__all__ = [
    "DEFAULT_REPORT_DIR",
    "NOTEBOOKS",
    "Report",
    "export_html",
    "notebook_dir",
    "notebook_parameters",
    "notebook_path",
    "parse_param",
    "run_notebook",
    "run_report",
    "split_param",
    "uses_sandbox",
]

#: The notebooks, in the order of docs/notebooks.md.
NOTEBOOKS = (
    "quickstart",
    "product_health",
    "nps",
    "guide_performance",
    "segment_manager",
    "metadata_bulk_update",
    "guide_resets",
)

#: What ``pendo-lab report`` writes when no folder is given.
DEFAULT_REPORT_DIR = "pendo-lab-report"

# Keep the report free of external scripts: no require.js, MathJax or Mermaid from a CDN.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


class Report(NamedTuple):
    """Where :func:`run_report` wrote the executed notebook and its HTML, and on what data.

    Example:
        >>> report = Report(Path("out/product_health.ipynb"), Path("out/product_health.html"),
        ...                 sandbox=True)
        >>> report.html.name, report.sandbox
        ('product_health.html', True)
    """

    notebook: Path
    html: Path
    sandbox: bool


def notebook_dir() -> Path:
    """The folder holding the notebooks: inside the installed package, or the source checkout's.

    Example:
        >>> (notebook_dir() / "quickstart.ipynb").is_file()
        True
    """
    package = Path(__file__).parent
    installed = package / "notebooks"
    return installed if installed.is_dir() else package.parent / "notebooks"


def notebook_path(name: str) -> Path:
    """The path of a notebook by name (one of :data:`NOTEBOOKS`).

    Example:
        >>> notebook_path("nps").name
        'nps.ipynb'
    """
    if name not in NOTEBOOKS:
        raise ValidationError(f"unknown notebook {name!r}: use one of {', '.join(NOTEBOOKS)}")
    return notebook_dir() / f"{name}.ipynb"


def notebook_parameters(name: str) -> dict[str, Any]:
    """The parameters a notebook declares (in its ``parameters`` cell), with their defaults.

    Example:
        >>> notebook_parameters("quickstart")["sandbox"]
        False
    """
    import papermill

    declared = papermill.inspect_notebook(notebook_path(name))
    return {key: ast.literal_eval(value["default"]) for key, value in declared.items()}


def split_param(text: str) -> tuple[str, str]:
    """Split a ``NAME=VALUE`` option into its name and its text.

    Example:
        >>> split_param("accountId=acme=1")
        ('accountId', 'acme=1')
    """
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ValidationError(f"--param {text!r}: write NAME=VALUE, e.g. --param days=90")
    return name.strip(), value


def parse_param(text: str) -> tuple[str, Any]:
    """Split ``NAME=VALUE``; the value is read as JSON (numbers, true, null, ...) or kept as text.

    Example:
        >>> parse_param("days=90"), parse_param("segment_id=null"), parse_param("end=2026-01-31")
        (('days', 90), ('segment_id', None), ('end', '2026-01-31'))
    """
    name, value = split_param(text)
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def run_notebook(name: str, output: str | Path,
                 parameters: Mapping[str, Any] | None = None) -> Path:
    """Execute a notebook with papermill into ``output``.

    Unknown parameter names are refused before anything runs. When a cell fails,
    :class:`~pendo_lab.PendoError` names it; the executed notebook, traceback included, is kept.
    On Linux and macOS the kernel listens on Unix sockets in a private folder rather than on
    a local TCP port.

    Example:
        >>> run_notebook("quickstart", "/tmp/out.ipynb", {"dayz": 3})
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: unknown parameter 'dayz' for notebook ...
    """
    import papermill

    parameters = dict(parameters or {})
    declared = notebook_parameters(name)
    for key in parameters:
        if key not in declared:
            raise ValidationError(f"unknown parameter {key!r} for notebook {name!r}: "
                                  f"use one of {', '.join(declared)}")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pendo-lab-kernel-") as sockets:
        try:
            papermill.execute_notebook(notebook_path(name), output, parameters=parameters,
                                       progress_bar=False, kernel_name="python3",
                                       kernel_manager_class=_kernel_manager(sockets))
        except papermill.PapermillExecutionError as exc:
            raise PendoError(f"notebook {name!r} failed at cell {exc.exec_count}: "
                             f"{exc.ename}: {exc.evalue} (see {output})") from None
    return output


def _kernel_manager(socket_dir: str) -> type:
    """A kernel manager whose kernel talks over Unix sockets in ``socket_dir`` (where there are
    Unix sockets): no port open to the machine's other users, no unencrypted-TCP warning."""
    from jupyter_client.manager import KernelManager

    if os.name != "posix":
        return KernelManager

    class PrivateKernelManager(KernelManager):
        def __init__(self, **kwargs: Any):
            super().__init__(transport="ipc", ip=os.path.join(socket_dir, "kernel"), **kwargs)

    return PrivateKernelManager


def export_html(notebook: str | Path, html: str | Path) -> Path:
    """Write an executed notebook as one HTML file that needs no network: code hidden, charts
    as inline SVG when the notebook drew them with ``chart_renderer="svg"``.

    Example:
        >>> import tempfile
        >>> import nbformat
        >>> notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Usage")])
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     nbformat.write(notebook, f"{folder}/usage.ipynb")
        ...     text = export_html(f"{folder}/usage.ipynb", f"{folder}/usage.html").read_text()
        >>> "Usage" in text, '<script src="http' in text
        (True, False)
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"pendo_lab_report.html.j2": _OFFLINE_TEMPLATE})],
        template_file="pendo_lab_report.html.j2",
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
    )
    body, _ = exporter.from_filename(str(notebook))
    html = Path(html)
    html.write_text(body, encoding="utf-8")
    return html


def uses_sandbox(parameters: Mapping[str, Any]) -> bool:
    """Whether a notebook run with these parameters reads the sandbox (as ``connect()`` decides).

    Example:
        >>> uses_sandbox({"sandbox": True})
        True
    """
    return bool(parameters.get("sandbox")) or not integration_key(None)


def run_report(out_dir: str | Path = DEFAULT_REPORT_DIR,
               parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> Report:
    """Run the product health notebook and write ``product_health.ipynb`` and ``.html`` (and the
    tables it saves) into ``out_dir``.

    Charts are drawn as SVG and tables saved into ``out_dir`` unless ``parameters`` say otherwise.

    Example (runs the notebook in a Jupyter kernel: about ten seconds):
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     report = run_report(folder, {"days": 14})
        ...     report.html.name, report.html.exists(), report.sandbox
        ('product_health.html', True, True)
    """
    out = Path(out_dir)
    parameters = {"chart_renderer": "svg", "output_dir": str(out), **dict(parameters)}
    notebook = run_notebook("product_health", out / "product_health.ipynb", parameters)
    html = export_html(notebook, out / "product_health.html")
    return Report(notebook, html, uses_sandbox(parameters))
