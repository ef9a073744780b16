"""How a pipeline shows itself in a terminal and in Jupyter."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from pendo_lab.pipeline import Pipeline, col

TOP = (Pipeline.source("events", app_id=-323232).last_days(30)
       .filter(col("numEvents") > 0)
       .group(["accountId"], numEvents=("sum", "numEvents"))
       .sort("-numEvents").limit(10)
       .named("Top accounts"))


def test_repr_is_one_line_per_stage():
    lines = repr(TOP).splitlines()
    assert lines[0] == "Pipeline 'Top accounts', 5 stages:"
    assert lines[1] == ('  [0] source     events {"appId": -323232} timeSeries '
                        '{"period": "dayRange", "first": "now()", "count": -30}')
    assert lines[2] == '  [1] filter     "numEvents > 0"'
    assert lines[5] == "  [4] limit      10"
    assert len(lines) == 6


def test_repr_cuts_long_arguments():
    wide = Pipeline.source("pages").select({f"field{i}": f"value{i}" for i in range(30)})
    line = repr(wide).splitlines()[2]
    assert line.endswith("...")
    assert len(line) < 130


def test_repr_of_an_empty_pipeline_and_of_labels():
    assert repr(Pipeline()) == "Pipeline, 0 stages"
    assert repr(Pipeline.source("pages").named(None, request_id="r")).startswith(
        "Pipeline (requestId 'r'), 1 stage:")


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(markup: str) -> Collect:
    collected = Collect()
    collected.feed(markup)
    return collected


def test_html_lists_the_stages_highlights_the_source_and_folds_the_json():
    page = parse_html(TOP._repr_html_())
    items = [attrs for tag, attrs in page.tags if tag == "li"]
    assert len(items) == 5
    assert "background" in items[0].get("style", "")
    assert all("style" not in attrs for attrs in items[1:])
    assert [tag for tag, _ in page.tags].count("details") == 1
    text = "".join(page.text)
    assert "valid" in text
    assert '"mimeType": "application/json"' in text  # the request JSON, unescaped by the parser


def test_html_shows_the_validation_error_and_escapes_text():
    broken = Pipeline.source("events").filter('name == "<b>"')
    markup = broken._repr_html_()
    assert "<b>\"" not in markup and "&lt;b&gt;" in markup
    text = "".join(parse_html(markup).text)
    assert re.search(r"pipeline\[0\]\.source: source 'events' needs a timeSeries", text)
