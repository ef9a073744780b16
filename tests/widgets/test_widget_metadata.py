"""MetadataEditor against the sandbox: schema choices, typed values, tables, fields."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import polars as pl
import pytest

from pendo_lab import ValidationError
from pendo_lab.widgets import MetadataEditor
from pendo_lab.widgets.metadata import typed_value


def schema_fields(box, kind, group):
    schema = box.tables["metadata_schema"]
    if "isDeleted" in schema.columns:
        schema = schema.filter(~pl.col("isDeleted").fill_null(False))
    return sorted(schema.filter(kind=kind, group=group)["field"].to_list())


def cell(box, table, key, object_id, column):
    return box.tables[table].filter(pl.col(key) == object_id)[column].item()


@pytest.fixture
def editor(writer):
    return MetadataEditor(writer)


@pytest.fixture
def accounts(editor):
    editor.kind.value = "account"
    return editor


def test_choices_come_from_the_schema(box, editor):
    assert editor.field.options == tuple(schema_fields(box, "visitor", "custom"))
    editor.group.value = "agent"
    assert editor.field.options == tuple(schema_fields(box, "visitor", "agent"))
    editor.kind.value = "account"
    assert editor.field.options == tuple(schema_fields(box, "account", "agent"))
    editor.group.value = "custom"
    editor.field.value = "renewaldate"
    assert editor.field_type.value.startswith("type: time (accepted date formats: %a %b %d %Y")


def test_set_one_value_converts_text_to_the_field_type(box, accounts):
    account = box.tables["accounts"]["accountId"][0]
    accounts.field.value = "totallicenses"
    accounts.object_id.value, accounts.value.value = account, " 250 "
    accounts.set_button.click()
    assert cell(box, "accounts", "accountId", account, "custom.totallicenses") == 250
    assert accounts.message.value == f"set account {account} custom.totallicenses to 250"
    assert accounts.result == {"kind": "account", "id": account,
                               "field": "custom.totallicenses", "value": 250}


def test_set_one_value_rejects_a_wrong_type_before_sending(box, editor):
    visitor = box.tables["visitors"]["visitorId"][0]
    before = cell(box, "visitors", "visitorId", visitor, "custom.betatester")
    editor.field.value = "betatester"
    editor.object_id.value, editor.value.value = visitor, "maybe"
    editor.set_button.click()
    assert editor.message.value == ("ValidationError: field 'betatester' is a boolean field: "
                                    "got str 'maybe'; send True or False")
    assert cell(box, "visitors", "visitorId", visitor, "custom.betatester") == before
    assert editor.result is None


UTC = timezone.utc


@pytest.mark.parametrize(("text", "stored"), [
    ("2027-01-31T00:00:00Z", datetime(2027, 1, 31, tzinfo=UTC)),
    ("01/31/2027 09:30am", datetime(2027, 1, 31, 9, 30, tzinfo=UTC)),  # zone-less text is UTC
    ("Sun Jan 31 2027", datetime(2027, 1, 31, tzinfo=UTC)),
    ("31 Jan 2027", None),
    ("2027-31-01", None),
])
def test_time_fields_take_the_accepted_date_formats(box, accounts, text, stored):
    account = box.tables["accounts"]["accountId"][0]
    before = cell(box, "accounts", "accountId", account, "custom.renewaldate")
    accounts.field.value = "renewaldate"
    accounts.object_id.value, accounts.value.value = account, text
    accounts.set_button.click()
    after = cell(box, "accounts", "accountId", account, "custom.renewaldate")
    if stored:
        assert accounts.message.value == f"set account {account} custom.renewaldate to {text!r}"
        assert after == stored.timestamp() * 1000
    else:
        assert accounts.message.value.startswith(
            "ValidationError: field 'renewaldate' is a time field")
        assert after == before


def test_table_from_csv_maps_columns_checks_types_and_lists_failures(box, accounts, upload):
    ids = box.tables["accounts"]["accountId"].to_list()[:3]
    upload(accounts.table, "accounts.csv",
           "accountId,TotalLicenses,note\n"
           f"{ids[0]},10,a\n{ids[1]},ten,b\n{ids[2]},30,c\nghost-account,40,d\n")
    assert accounts.id_column.value == "accountId"
    assert {c: d.value for c, d in accounts.column_fields.items()} == {
        "TotalLicenses": "totallicenses", "note": "(skip)"}
    assert accounts.check.value == ("Will set custom.totallicenses on 3 of 4 account rows; "
                                    f"1 fails the type check: {ids[1]!r}")

    accounts.bulk_button.click()

    assert cell(box, "accounts", "accountId", ids[0], "custom.totallicenses") == 10
    assert cell(box, "accounts", "accountId", ids[2], "custom.totallicenses") == 30
    assert box.tables["accounts"].filter(pl.col("accountId") == "ghost-account").is_empty()
    result = accounts.result
    assert (result["total"], result["updated"], result["failed"]) == (4, 2, 2)
    assert result["failed_ids"] == [ids[1], "ghost-account"]
    assert accounts.message.value == "account metadata: 4 total, 2 updated, 2 failed"
    assert accounts.failures.layout.display is None
    assert accounts.failures.value.splitlines()[0].startswith(
        f"{ids[1]}: field 'totallicenses' is a number field")
    assert "ghost-account: unknown account" in accounts.failures.value
    data = accounts.chart.to_dict()
    rows = data["datasets"][data["data"]["name"]]
    assert [(row["outcome"], row["count"]) for row in rows] == [
        ("updated", 2), ("failed the type check", 1), ("failed at Pendo", 1)]


def test_create_unknown_ids_adds_them(box, accounts):
    accounts.use_frame(pl.DataFrame({"accountId": ["brand-new"], "industry": ["Retail"]}))
    accounts.create_ids.value = True
    assert accounts.check.value.endswith("(unknown ids are created)")
    accounts.bulk_button.click()
    assert cell(box, "accounts", "accountId", "brand-new", "custom.industry") == "Retail"
    assert accounts.result["failed"] == 0


def test_table_from_a_pandas_frame_with_a_chosen_mapping(box, editor):
    visitors = box.tables["visitors"]["visitorId"].to_list()[:2]
    editor.use_frame(pd.DataFrame({"who": visitors, "Dept": ["Legal", None],
                                   "beta": [True, False]}))
    assert editor.tabs.selected_index == 1
    editor.id_column.value = "who"
    assert set(editor.column_fields) == {"Dept", "beta"}
    editor.column_fields["Dept"].value = "department"
    editor.column_fields["beta"].value = "betatester"
    editor.bulk_button.click()
    assert cell(box, "visitors", "visitorId", visitors[0], "custom.department") == "Legal"
    assert [cell(box, "visitors", "visitorId", v, "custom.betatester") for v in visitors] == [
        True, False]
    assert editor.result["failed"] == 0 and editor.result["updated"] == 2


def test_table_needs_a_mapped_column(editor):
    editor.use_frame(pl.DataFrame({"visitorId": ["v1"], "x": [1]}))
    assert editor.check.value == "Not ready: map at least one column to a field"
    editor.bulk_button.click()
    assert editor.message.value == "ValidationError: map at least one column to a field"


def test_create_then_delete_a_field(box, editor):
    editor.tabs.selected_index = 2
    editor.new_field.value, editor.new_type.value = "seats", "number"
    editor.create_button.click()
    assert "seats" in schema_fields(box, "visitor", "custom")
    assert editor.field.value == "seats"
    assert editor.message.value == "created visitor field custom.seats (number)"

    editor.delete_button.click()
    assert editor.question.value.startswith("Delete visitor field custom.seats?")
    assert "seats" in schema_fields(box, "visitor", "custom")
    editor.confirm_button.click()
    assert "seats" not in schema_fields(box, "visitor", "custom")
    assert "seats" not in editor.field.options
    assert editor.message.value == "deleted visitor field custom.seats"


def test_creating_an_existing_field_shows_pendos_answer(editor):
    editor.new_field.value, editor.new_type.value = "department", "string"
    editor.create_button.click()
    assert editor.message.value.startswith("ConflictError: POST /api/v1/metadata/schema/")


def test_read_only_key_disables_every_write(box, reader):
    editor = MetadataEditor(reader)
    writes = [editor.set_button, editor.bulk_button, editor.create_button, editor.delete_button]
    assert all(button.disabled for button in writes)
    assert "read-only" in editor.notice.value
    editor.new_field.value = "blocked"
    editor.create_button.click()
    assert "blocked" not in schema_fields(box, "visitor", "custom")


def test_typed_value_reads_text_by_field_type():
    assert typed_value("3.5", "x", "number") == 3.5
    assert typed_value("False", "x", "boolean") is False
    assert typed_value("0042", "x", "string") == "0042"
    assert typed_value(1_700_000_000_000, "x", "time") == 1_700_000_000_000
    with pytest.raises(ValidationError, match="field 'x' is a number field"):
        typed_value("lots", "x", "number")
