"""SegmentManager in a real browser: JupyterLab on 127.0.0.1, Debian's Chromium via Playwright.

The test starts ``jupyter lab`` from this Python (temporary config, data, runtime, settings and
workspace directories; a random token and port), opens a copy of
``data/segment_manager.ipynb``, runs its cell, clicks Create and waits for the success label
that the kernel-side widget sets once the sandbox has processed the segment job.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = Path(__file__).parent / "data" / "segment_manager.ipynb"
SUCCESS = "created segment 'Browser pilot' with 3 visitors"
#: Generous limits: the machine running this may be busy. Milliseconds for Playwright.
SERVER_START_SECONDS = 120
STEP_MS = 90_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def jupyter_lab(root: Path, scratch: Path) -> Iterator[str]:
    """Run JupyterLab serving ``root``; yields the base URL with the token as a query."""
    token, port = secrets.token_hex(16), free_port()
    dirs = {name: scratch / name.lower() for name in (
        "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
        "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR")}
    for path in dirs.values():
        path.mkdir()
    # The kernel imports pendo_lab from this checkout, installed or not.
    python_path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, **{name: str(path) for name, path in dirs.items()},
           "PYTHONPATH": python_path}
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--allow-root"]
    log_path = scratch / "jupyter.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(server, f"{base}/api/status", token, log_path)
        yield f"{base}/lab/tree/{{}}?token={token}"
    finally:
        _stop(server)


def _wait_until_ready(server: subprocess.Popen, status_url: str, token: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(status_url, params={"token": token}, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"jupyter lab did not answer within {SERVER_START_SECONDS}s:\n"
                f"{log.read_text()[-3000:]}")


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM lets the server shut its kernels down; SIGKILL if it does not stop."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_segment_manager_creates_a_segment_in_jupyterlab(tmp_path):
    assert CHROMIUM.exists(), (f"{CHROMIUM} is missing: install Debian's Chromium with "
                               f"`apt-get install chromium` (.ci/run does this)")
    from playwright.sync_api import expect, sync_playwright

    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)  # running a cell changes the notebook
    with jupyter_lab(root, tmp_path) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        page = browser.new_page()
        try:
            page.goto(url.format(NOTEBOOK.name), timeout=STEP_MS)
            page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=STEP_MS)
            # The execution indicator says idle while the kernel still connects; the status
            # bar does not.
            expect(page.locator("#jp-main-statusbar")).to_contain_text("| Idle", timeout=STEP_MS)
            page.locator(".jp-Cell .jp-InputArea-editor").first.click()
            page.keyboard.press("Shift+Enter")

            expect(page.locator(".widget-label", has_text="Will create segment 'Browser pilot' "
                                "with 3 visitors")).to_be_visible(timeout=STEP_MS)
            create = page.locator(".jupyter-widgets.widget-button", has_text=re.compile("^Create$"))
            create.click(timeout=STEP_MS)
            expect(page.locator(".widget-label", has_text=SUCCESS)).to_be_visible(timeout=STEP_MS)
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            raise
        finally:
            browser.close()
