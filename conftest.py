"""Doctest namespace: examples in docstrings and docs run against a fresh sandbox client."""

import pytest


@pytest.fixture(autouse=True)
def _doctest_namespace(request, doctest_namespace):
    if type(request.node).__name__ == "DoctestItem":
        from pendo_lab import Pendo

        doctest_namespace["Pendo"] = Pendo
        doctest_namespace["client"] = Pendo.sandbox(now="2026-11-02T15:30:00Z")
