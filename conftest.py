"""Doctest namespace: examples in docstrings and docs/*.md run against a fresh sandbox client.

Every doctest sees ``Pendo``; one that mentions ``client`` also gets ``client``, a new sandbox
client at a fixed clock. The Pendo environment variables are cleared so that examples run on
the sandbox whatever the machine has configured.
"""

import pytest

# The conftest.py files under tests/ have no examples; collecting them as doctest modules would
# import each under the one name ``conftest`` and fail when two test folders are run together.
collect_ignore_glob = ["tests/*conftest.py"]

PENDO_VARIABLES = ("PENDO_INTEGRATION_KEY", "PENDO_BASE_URL", "PENDO_REGION", "PENDO_TIMEZONE",
                   "PENDO_TRACK_SECRET")


@pytest.fixture(autouse=True)
def _doctest_namespace(request, doctest_namespace, monkeypatch):
    if type(request.node).__name__ != "DoctestItem":
        return
    from pendo_lab import Pendo

    for variable in PENDO_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    doctest_namespace["Pendo"] = Pendo
    doctest_namespace.pop("client", None)
    if any("client" in example.source for example in request.node.dtest.examples):
        doctest_namespace["client"] = Pendo.sandbox(now="2026-11-02T15:30:00Z")
