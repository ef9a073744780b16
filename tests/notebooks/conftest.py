"""Notebook runs: kernels import this checkout and see no Pendo settings unless a test sets
them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PENDO_VARIABLES = ("PENDO_INTEGRATION_KEY", "PENDO_BASE_URL", "PENDO_REGION", "PENDO_TRACK_SECRET")


@pytest.fixture(scope="session")
def kernel_env() -> dict[str, str]:
    """The environment for kernels and subprocesses: this checkout first on the path, no Pendo
    settings (so the notebooks run on the sandbox, as on a fresh machine)."""
    env = {name: value for name, value in os.environ.items() if name not in PENDO_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(autouse=True)
def _kernels_see_the_checkout_and_no_key(monkeypatch, kernel_env):
    monkeypatch.setenv("PYTHONPATH", kernel_env["PYTHONPATH"])
    for name in PENDO_VARIABLES:
        monkeypatch.delenv(name, raising=False)
