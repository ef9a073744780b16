"""The aggregation request bodies restored from Pendo's API reference (tests/data/reference_examples).

Each ``NN_<slug>.jsonc`` holds one body as the reference shows it (``//`` comments kept), with
OCR damage repaired and every repair explained in leading ``// restored:`` lines; ``index.json``
describes them. These tests check the data itself, so later suites can rely on it.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from pendo_lab.pipeline._relaxed import loads_relaxed

EXAMPLES = Path(__file__).parent / "data" / "reference_examples"
INDEX = orjson.loads((EXAMPLES / "index.json").read_bytes())
ENTRIES = {entry["file"]: entry for entry in INDEX}
FILES = sorted(path.name for path in EXAMPLES.glob("*.jsonc"))

# The reference's "POST ..." aggregation sections whose text shows a request body, whole or in part.
# (23 more "POST" sections, e.g. visitors, accounts, the expression and operator pages, show none.)
SECTIONS_WITH_A_BODY = {
    "trackEvents", "guideEvents", "guidesSeenEver", "pollEvents", "pollsSeen", "pollsSeenEver",
    "emailEvents", "PES", "PES Minimal", "Adoption", "Growth", "Growth Minimal", "Stickiness",
    "Stickiness Minimal", "visitors by segmentId", "Active visitors per hour", "events by visitor",
    "events by account", "pageEvents with parameters", "guideEvents and guide categories",
    "Guide elements metrics", "Guide goals", "NPS", "Add product area to responses",
}
FIRST_STAGE_OPERATORS = {"pes", "adoption", "growth", "stickiness", "spawn"}


def load(name: str):
    return loads_relaxed((EXAMPLES / name).read_text(encoding="utf-8"))


def pipeline_of(body: dict) -> list:
    """The pipeline, in an envelope or bare as Pendo sometimes shows it.

    >>> pipeline_of({"pipeline": [{"count": None}]})
    [{'count': None}]
    """
    return body["request"]["pipeline"] if "request" in body else body["pipeline"]


def test_index_lists_exactly_the_files_present():
    assert [entry["file"] for entry in INDEX] == FILES


def test_files_are_numbered_in_order_of_appearance():
    numbers = [int(name[:2]) for name in FILES]
    assert numbers == list(range(1, len(FILES) + 1))
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.jsonc", name) for name in FILES)
    lines = [entry["line"] for entry in INDEX]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)


def test_every_post_section_with_a_body_has_a_file():
    assert SECTIONS_WITH_A_BODY <= {entry["section"] for entry in INDEX}
    assert len(FILES) >= len(SECTIONS_WITH_A_BODY)


@pytest.mark.parametrize("name", FILES)
def test_body_has_pendos_envelope(name):
    body = load(name)
    if ENTRIES[name]["form"] == "pipeline":
        assert list(body) == ["pipeline"]
    else:
        assert set(body) == {"response", "request"}
        assert body["response"] == {"mimeType": "application/json"}
        assert set(body["request"]) <= {"name", "requestId", "pipeline"}
    pipeline = pipeline_of(body)
    assert pipeline and all(isinstance(stage, dict) and len(stage) == 1 for stage in pipeline)


@pytest.mark.parametrize("name", FILES)
def test_index_source_names_the_first_stage(name):
    first = pipeline_of(load(name))[0]
    source = ENTRIES[name]["source"]
    if source in FIRST_STAGE_OPERATORS:
        assert list(first) == [source]
    else:
        assert source in first["source"]


@pytest.mark.parametrize("name", FILES)
def test_restorations_are_explained_and_placeholders_present(name):
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    entry = ENTRIES[name]
    assert text.startswith("// restored: ") == entry["restored"]
    assert entry["confidence"] in {"high", "low"}
    for placeholder in entry["placeholders"]:
        assert placeholder in text, f"{placeholder!r} not in {name}"
