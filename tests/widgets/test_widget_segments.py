"""SegmentManager against the sandbox: set widget values, click, check the sandbox and the form."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from pendo_lab.widgets import SegmentManager


def members(box, segment_id):
    return sorted(box.state.segment_members(segment_id)["visitorId"].to_list())


def segment_named(box, name):
    rows = box.tables["segments"].filter(pl.col("name") == name)
    assert rows.height == 1, f"expected one segment named {name!r}, found {rows.height}"
    return rows.row(0, named=True)


def api_segment(box):
    return box.tables["segments"].filter(pl.col("createdViaApi")).row(0, named=True)


@pytest.fixture
def manager(writer):
    return SegmentManager(writer, poll_seconds=0.02)


def test_lists_every_shared_segment_and_marks_ui_made_ones(box, manager):
    segments = box.tables["segments"].filter(pl.col("shared"))
    assert [value for _, value in manager.segment.options] == segments["id"].to_list()
    labels = {value: label for label, value in manager.segment.options}
    for row in segments.iter_rows(named=True):
        assert labels[row["id"]].startswith(row["name"])
        assert ("made in Pendo: read-only" in labels[row["id"]]) is (not row["createdViaApi"])
    assert manager.message.value == "3 segments listed"


def test_create_from_pasted_ids_previews_then_creates(box, manager):
    manager.name.value = "Pilot"
    manager.pasted.value = "v1\nv2, v3;v2\n\n"
    assert manager.preview.value == "Will create segment 'Pilot' with 3 visitors: 'v1', 'v2', 'v3'"
    assert box.tables["segments"].filter(pl.col("name") == "Pilot").is_empty()

    manager.apply_button.click()

    created = segment_named(box, "Pilot")
    assert created["createdViaApi"] is True
    assert members(box, created["id"]) == ["v1", "v2", "v3"]
    assert manager.message.value == "created segment 'Pilot' with 3 visitors"
    assert manager.error is None
    assert manager.result["segment"]["id"] == created["id"]
    assert manager.result["status"]["command"] == "Finish"
    assert manager.result["counts"] == {"visitor ids sent": 3, "visitors in segment": 3}
    assert (manager.progress.value, manager.progress.bar_style) == (3, "success")
    assert manager.segment.value == created["id"]
    chart = manager.chart.to_dict()
    assert chart["mark"]["type"] == "bar"
    assert {(row["outcome"], row["count"]) for row in chart["datasets"][chart["data"]["name"]]} \
        == {("visitor ids sent", 3), ("visitors in segment", 3)}
    assert manager.chart_area.outputs, "the chart is drawn in the form"


def test_job_progress_moves_through_pending_and_progress_with_buttons_disabled(make_box):
    manager = SegmentManager(make_box(0.5).client(), poll_seconds=0.02)
    seen = []
    manager.job.observe(lambda change: seen.append(
        (change["new"], manager.progress.value, manager.apply_button.disabled,
         manager.refresh_button.disabled)), "value")
    manager.name.value = "Slow"
    manager.pasted.value = "v1"
    manager.apply_button.click()

    states = [state for state, *_ in seen]
    assert states == ["Pending", "Progress", "Finish"]
    assert all(apply and refresh for _, _, apply, refresh in seen)
    assert not manager.apply_button.disabled and not manager.refresh_button.disabled
    assert manager.message.value == "created segment 'Slow' with 1 visitor"


def test_create_from_uploaded_csv_keeps_ids_as_text(box, manager, upload):
    upload(manager.table, "people.csv", "name,user\nAda,007\nBob,0042\nCy,\nAda,007\n")
    assert manager.source.value == "Table column"
    assert manager.column.options == ("name", "user")
    manager.column.value = "user"
    manager.name.value = "From CSV"
    assert manager.preview.value == "Will create segment 'From CSV' with 2 visitors: '007', '0042'"

    manager.apply_button.click()

    assert members(box, segment_named(box, "From CSV")["id"]) == ["0042", "007"]
    assert manager.table.info.value == "people.csv: 4 rows, columns name, user"


@pytest.mark.parametrize(("text", "problem"), [
    ("a,b\n1,2,3\n", "ValidationError: ragged.csv could not be read as CSV: found more fields"),
    ("a,b\n", "ValidationError: ragged.csv has no rows under its header line"),
    ("visitorId\n\udcff\n", "ValidationError: ragged.csv is not UTF-8 text"),
])
def test_unreadable_csv_is_reported_in_the_form(manager, upload, text, problem):
    upload(manager.table, "ragged.csv", text)
    assert manager.message.value.startswith(problem)
    assert manager.table.frame is None


@pytest.mark.parametrize("make", [pl.DataFrame, pd.DataFrame])
def test_create_from_a_dataframe(box, manager, make):
    manager.use_frame(make({"visitorId": ["a", "b", "a"], "other": ["x", "y", "z"]}))
    assert manager.column.value == "visitorId"
    manager.name.value = "From frame"
    manager.apply_button.click()
    assert members(box, segment_named(box, "From frame")["id"]) == ["a", "b"]


def test_rename_only_changes_the_name(box, manager):
    beta = api_segment(box)
    before = members(box, beta["id"])
    manager.segment.value = beta["id"]
    manager.action.value = "Rename"
    manager.name.value = "Beta 2"
    assert manager.preview.value == f"Will rename segment {beta['name']!r} to 'Beta 2'"
    manager.apply_button.click()
    assert segment_named(box, "Beta 2")["id"] == beta["id"]
    assert members(box, beta["id"]) == before
    assert manager.message.value == f"renamed segment {beta['name']!r} to 'Beta 2'"
    assert "Beta 2" in {v: k for k, v in manager.segment.options}[beta["id"]]


def test_replace_visitors_waits_for_the_job(box, manager):
    beta = api_segment(box)
    manager.segment.value = beta["id"]
    manager.action.value = "Replace visitors"
    manager.pasted.value = "n1\nn2"
    assert manager.preview.value.startswith(
        f"Will replace the visitors of segment {beta['name']!r} with these 2 visitors")
    manager.apply_button.click()
    assert members(box, beta["id"]) == ["n1", "n2"]
    assert manager.message.value == (f"replaced the visitors of segment {beta['name']!r}: "
                                     f"now 2 visitors")
    assert manager.result["status"]["totalTagged"] == 2


def test_add_and_remove_visitors_in_batched_patch_calls(box, manager):
    beta = api_segment(box)
    before = members(box, beta["id"])
    new = [f"new-{i}" for i in range(1500)]
    manager.segment.value = beta["id"]
    manager.action.value = "Add visitors"
    manager.pasted.value = "\n".join(new)
    assert manager.preview.value.startswith(
        f"Will add 1500 visitors to segment {beta['name']!r} in 2 PATCH calls: 'new-0'")
    manager.apply_button.click()
    assert members(box, beta["id"]) == sorted(before + new)
    assert manager.message.value == (f"added 1500 visitors to segment {beta['name']!r} in "
                                     f"2 PATCH calls")
    assert manager.result["counts"] == {"added": 1500, "removed": 0}

    manager.action.value = "Remove visitors"
    manager.pasted.value = "\n".join(new[:10] + before[:1])
    manager.apply_button.click()
    assert members(box, beta["id"]) == sorted(before[1:] + new[10:])
    assert manager.message.value == (f"removed 11 visitors from segment {beta['name']!r} in "
                                     f"1 PATCH call")
    assert manager.chart.to_dict()["title"] == f"segment {beta['name']!r}"


def test_delete_asks_first_and_cancel_keeps_the_segment(box, manager):
    beta = api_segment(box)
    manager.segment.value = beta["id"]
    manager.action.value = "Delete"
    assert manager.apply_button.description == "Delete"
    manager.apply_button.click()
    assert manager.confirmation.layout.display is None
    assert manager.question.value == (f"Really delete segment {beta['name']!r} ({beta['id']})? "
                                      f"This cannot be undone.")
    manager.cancel_button.click()
    assert manager.confirmation.layout.display == "none"
    assert manager.message.value.startswith("cancelled: Really delete")
    assert segment_named(box, beta["name"])["id"] == beta["id"]

    manager.apply_button.click()
    manager.confirm_button.click()
    assert box.tables["segments"].filter(pl.col("id") == beta["id"]).is_empty()
    assert manager.message.value == f"deleted segment {beta['name']!r}"
    assert beta["id"] not in [value for _, value in manager.segment.options]


def test_pendo_errors_are_shown_in_the_form(box, manager):
    ui_made = box.tables["segments"].filter(~pl.col("createdViaApi")).row(0, named=True)
    manager.segment.value = ui_made["id"]
    manager.action.value = "Rename"
    manager.name.value = "Nope"
    manager.apply_button.click()
    assert manager.message.value.startswith("PermissionDeniedError: PUT /api/v1/segment/")
    assert "cannot be changed" in manager.message.value
    assert manager.message.style.text_color == "#b00020"
    assert segment_named(box, ui_made["name"])["id"] == ui_made["id"]
    assert not manager.apply_button.disabled


def test_missing_input_is_explained_in_preview_and_message(manager):
    assert manager.preview.value == "Not ready: enter a segment name"
    manager.name.value = "Empty"
    assert manager.preview.value == ("Not ready: no visitor ids: paste some, or pick a column "
                                     "that has ids")
    manager.source.value = "Table column"
    manager.apply_button.click()
    assert manager.message.value == ("ValidationError: upload a CSV file or pass a DataFrame to "
                                     "use_frame()")
    assert manager.result is None


def test_job_timeout_is_reported_and_the_bar_says_so(make_box):
    manager = SegmentManager(make_box(5).client(), poll_seconds=0.01, job_timeout=0)
    manager.name.value = "Too slow"
    manager.pasted.value = "v1"
    manager.apply_button.click()
    assert manager.message.value.startswith("SegmentTimeoutError: segment ")
    assert "did not finish within 0s" in manager.message.value
    assert (manager.progress.value, manager.progress.bar_style) == (1, "warning")


def test_read_only_key_disables_writes_and_says_why(box, reader):
    manager = SegmentManager(reader)
    assert manager.apply_button.disabled and not manager.refresh_button.disabled
    assert "read-only (checked with verify)" in manager.notice.value
    assert "read-only" in manager.apply_button.tooltip
    manager.name.value = "Forbidden"
    manager.pasted.value = "v1"
    manager.apply_button.click()  # a click that reaches the kernel anyway changes nothing
    assert manager.message.value.startswith("not done: this integration key is read-only")
    assert box.tables["segments"].filter(pl.col("name") == "Forbidden").is_empty()
    assert manager.apply_button.disabled
