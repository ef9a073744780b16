"""``pendo-lab sandbox serve`` as a real process: it prints its URL, answers clients over
HTTP, stops cleanly when terminated, and with ``--state-dir`` a new process carries on from the
state the last one left.
"""

from __future__ import annotations

import os
import re
import selectors
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from pendo_lab import Pendo
from pendo_lab.sandbox import READ_WRITE_KEY

ROOT = Path(__file__).parents[1]
NOW = "2026-11-02T15:30:00Z"
STARTUP_SECONDS = 60        # a deadline for the first line, not a timing assertion
URL = re.compile(r"serving at (http://127\.0\.0\.1:(\d+))")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_url(process: subprocess.Popen) -> str:
    """The URL the server prints once it listens (its other lines are skipped)."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if selector.select(timeout=1) and (line := process.stdout.readline()):
            if found := URL.search(line):
                return found.group(1)
        elif process.poll() is not None:
            break
    raise AssertionError(f"no URL printed; stderr: {process.stderr.read()}")


@contextmanager
def serving(*options: str):
    """``pendo-lab sandbox serve --now NOW *options`` in a subprocess; yields (url, process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pendo_lab.cli", "sandbox", "serve", "--now", NOW, *options]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        yield read_url(process), process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=STARTUP_SECONDS)
        process.stdout.close()
        process.stderr.close()


def test_serve_prints_its_url_and_answers_clients_on_the_port_asked():
    port = free_port()
    with serving("--port", str(port)) as (url, process):
        assert url == f"http://127.0.0.1:{port}"
        with Pendo(READ_WRITE_KEY, base_url=url, timezone="America/New_York") as client:
            assert client.verify() == {"valid": True, "write": True}
            count = client.aggregate([{"source": {"pages": None}}, {"count": None}])
            assert count["count"][0] > 0
        process.terminate()
        assert process.wait(timeout=STARTUP_SECONDS) == 0


def test_state_dir_keeps_api_writes_across_a_restart(tmp_path):
    state = str(tmp_path / "state")
    with serving("--port", "0", "--state-dir", state, "--seed", "7") as (url, _):
        with Pendo(READ_WRITE_KEY, base_url=url) as client:
            client.metadata.set_value("visitor", "custom", "100546", "department", "Legal")
            queued = client.bulk_delete.visitors(["100988"])
    with serving("--port", "0", "--state-dir", state, "--seed", "3") as (url, _):
        with Pendo(READ_WRITE_KEY, base_url=url) as client:
            rows = client.aggregate([
                {"source": {"visitors": None}},
                {"filter": 'visitorId == "100546"'},
                {"select": {"department": "metadata.custom.department"}}])
            assert rows["department"].to_list() == ["Legal"]
            # by status, not list(): the request may be complete by now, and list() omits those
            assert client.bulk_delete.status(queued.request_ids[0])["ids"] == ["100988"]


@pytest.mark.parametrize("options, message", [
    (["--port", "-5"], "port"),
    (["--now", "yesterday"], "yesterday"),
])
def test_bad_serve_options_are_one_line_errors(options, message):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pendo_lab.cli", "sandbox", "serve", *options],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=STARTUP_SECONDS)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert message in done.stderr
