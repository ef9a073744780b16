"""``MetadataEditor``: set visitor or account metadata, one value or a whole table; manage fields.

Kind, group and field come from the metadata schema. Values are checked against the field's
type before anything is sent: text becomes a number or a boolean when the field wants one,
and text for a time field must be in one of Pendo's accepted date formats
(:data:`pendo_lab.resources.metadata.DATE_FORMATS`). In a table, rows failing the check are
not sent and are listed with their ids, beside the rows Pendo reported as failed.

Example:
    >>> from pendo_lab import Pendo
    >>> editor = MetadataEditor(Pendo.sandbox())
    >>> editor.group.value, editor.field.value, editor.field_type.value
    ('custom', 'betatester', 'type: boolean')
    >>> editor.object_id.value, editor.value.value = "qa-bot-1", "true"
    >>> editor.set_button.click()
    >>> editor.message.value
    'set visitor qa-bot-1 custom.betatester to True'
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import polars as pl

from .._exceptions import ValidationError
from ..resources.metadata import DATE_FORMATS, FIELD_TYPES, KINDS, WRITE_GROUPS, metadata_value
from ._form import Done, Form, TableInput, counts_chart, plural, required_text, sample, show

#: The type checked for each schema type (``date`` is how Pendo's schema names ``time``
#: fields); other types (lists) are sent unchecked.
CHECKED_TYPES = {"string": "string", "number": "number", "boolean": "boolean", "time": "time",
                 "date": "time"}
SKIP = "(skip)"


def typed_value(value: Any, field: str, field_type: str | None) -> Any:
    """A value (typed text or a cell) as the field's type wants it, or a ValidationError.

    Text becomes a number for a number field and a boolean (``true``/``false``) for a boolean
    field; time fields take text in an accepted date format, epoch ms or a datetime.

    Example:
        >>> typed_value("42", "seats", "number"), typed_value("TRUE", "beta", "boolean")
        (42, True)
        >>> typed_value("2 Jan 2006", "signup", "time")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: field 'signup' is a time field: ...
    """
    if isinstance(value, str) and field_type in ("number", "boolean"):
        value = _text_as(value.strip(), field_type)
    return metadata_value(value, field, field_type)


def _text_as(text: str, field_type: str) -> Any:
    """Text read as a number or a boolean; unchanged when it is not one (the check says so)."""
    if field_type == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return text


class MetadataEditor(Form):
    """A form over ``client.metadata``: one value, a table of values, field creation/deletion.

    After a table is sent, ``.result`` is ``{"total", "updated", "failed", "failed_ids",
    "errors", "answer"}``: ``failed`` counts rows failing the type check and rows Pendo
    reported (unknown ids, bad values); ``answer`` is Pendo's merged answer.

    Example:
        >>> from pendo_lab import Pendo
        >>> editor = MetadataEditor(Pendo.sandbox())
        >>> editor.use_frame(pl.DataFrame({"visitorId": ["qa-bot-1"], "betatester": ["yes"]}))
        >>> editor.check.value
        "Will set custom.betatester on 0 of 1 visitor row; 1 fails the type check: 'qa-bot-1'"
    """

    def __init__(self, client: Any):
        super().__init__(client, writes=True)
        self.schema = pl.DataFrame()
        self.kind = widgets.Dropdown(options=KINDS, description="Kind")
        self.group = widgets.Dropdown(options=WRITE_GROUPS, value="custom", description="Group")
        self.field = widgets.Dropdown(description="Field")
        self.field_type = widgets.Label()
        # One value.
        self.object_id = widgets.Text(description="Id", placeholder="visitor or account id")
        self.value = widgets.Text(description="Value")
        self.set_button = self.button("Set value", self._set_one, style="primary")
        # A table of values.
        self.table = TableInput(self, self._table_changed)
        self.id_column = widgets.Dropdown(description="Id column")
        self.column_fields: dict[str, widgets.Dropdown] = {}
        self.mapping = widgets.VBox()
        self.create_ids = widgets.Checkbox(description="create unknown ids")
        self.check = widgets.Label()
        self.bulk_button = self.button("Set values", self._set_many, style="primary")
        self.failures = widgets.Textarea(disabled=True, layout={"width": "40em"})
        # Fields.
        self.new_field = widgets.Text(description="New field", placeholder="name")
        self.new_type = widgets.Dropdown(options=FIELD_TYPES, description="Type")
        self.create_button = self.button("Create field", self._create_field)
        self.delete_button = self.button("Delete field", self._ask_delete, style="danger")
        self.tabs = widgets.Tab(titles=("One value", "From a table", "Fields"), children=[
            widgets.VBox([self.object_id, self.value, self.set_button]),
            widgets.VBox([self.table, self.id_column, self.mapping, self.create_ids, self.check,
                          self.bulk_button]),
            widgets.VBox([widgets.HBox([self.new_field, self.new_type, self.create_button]),
                          self.delete_button]),
        ])
        self.children = [self.notice, widgets.HBox([self.kind, self.group, self.field]),
                         self.field_type, self.tabs, self.confirmation, self.message,
                         self.failures, self.chart_area]
        self._show_failures([])
        self.kind.observe(lambda _: self.run(self.reload), "value")
        self.group.observe(lambda _: self._fill_fields(), "value")
        self.field.observe(lambda _: self._show_type(), "value")
        self.id_column.observe(lambda _: self._map_columns(), "value")
        self.create_ids.observe(lambda _: self._check(), "value")
        self.run(self.reload)

    def reload(self, keep: str | None = None) -> str:
        """Read the schema of the chosen kind again and refill the field choices.

        Example:
            >>> editor = MetadataEditor(client)
            >>> editor.kind.value = "account"
            >>> editor.reload()
            '6 fields in account metadata'
        """
        self.schema = self.client.metadata.schema(self.kind.value)
        self._fill_fields(keep)
        return f"{plural(self._fields().height, 'field')} in {self.kind.value} metadata"

    def use_frame(self, frame: Any) -> None:
        """Take values from a DataFrame (Polars or pandas): one id column, one per field.

        Example:
            >>> editor = MetadataEditor(client)
            >>> editor.use_frame(pl.DataFrame({"visitorId": ["visitor-1"], "betatester": [True]}))
            >>> editor.tabs.selected_index   # the table tab
            1
        """
        self.table.use(frame)
        self.tabs.selected_index = 1

    def _fields(self) -> pl.DataFrame:
        """The live fields of the chosen group: ``field`` and ``type``."""
        if self.schema.is_empty():
            return pl.DataFrame(schema={"field": pl.String, "type": pl.String})
        live = self.schema.filter(pl.col("group") == self.group.value)
        if "isDeleted" in live.columns:
            live = live.filter(~pl.col("isDeleted").fill_null(False))
        return live.select("field", "type")

    def _types(self) -> dict[str, str | None]:
        return {row["field"]: CHECKED_TYPES.get(row["type"])
                for row in self._fields().iter_rows(named=True)}

    def _fill_fields(self, keep: str | None = None) -> None:
        fields = sorted(self._types())
        keep = keep or self.field.value
        self.field.options = fields
        self.field.value = keep if keep in fields else (fields[0] if fields else None)
        self._show_type()
        self._map_columns()

    def _show_type(self) -> None:
        field_type = self._types().get(self.field.value)
        self.field_type.value = f"type: {field_type or 'unchecked'}"
        if field_type == "time":
            self.field_type.value += f" (accepted date formats: {' | '.join(DATE_FORMATS)})"

    def _chosen(self) -> tuple[str, str | None]:
        if not self.field.value:
            raise ValidationError(f"choose a field: the {self.group.value} group has none yet "
                                  f"(create one under Fields)")
        return self.field.value, self._types().get(self.field.value)

    def _where(self, field: str) -> str:
        return f"{self.group.value}.{field}"

    # --- one value ---------------------------------------------------------------------------

    def _set_one(self) -> Done:
        field, field_type = self._chosen()
        object_id = required_text(self.object_id, f"the {self.kind.value} id")
        value = typed_value(self.value.value, field, field_type)
        self.client.metadata.set_value(self.kind.value, self.group.value, object_id, field, value,
                                       field_type=field_type)
        return Done(f"set {self.kind.value} {object_id} {self._where(field)} to {value!r}",
                    {"kind": self.kind.value, "id": object_id, "field": self._where(field),
                     "value": value})

    # --- a table -----------------------------------------------------------------------------

    def _table_changed(self) -> None:
        columns, id_key = self.table.frame.columns, f"{self.kind.value}Id"
        self.id_column.options = columns
        self.id_column.value = id_key if id_key in columns else columns[0]
        self._map_columns()

    def _map_columns(self) -> None:
        """Rebuild the column -> field choices: the same-named field, else skip."""
        frame = self.table.frame
        if frame is None:
            self._check()
            return
        fields = sorted(self._types())
        by_lower = {field.lower(): field for field in fields}
        self.column_fields = {
            column: widgets.Dropdown(description=column, options=[SKIP, *fields],
                                     value=by_lower.get(column.lower(), SKIP))
            for column in frame.columns if column != self.id_column.value
        }
        for dropdown in self.column_fields.values():
            dropdown.observe(lambda _: self._check(), "value")
        self.mapping.children = list(self.column_fields.values())
        self._check()

    def _check(self) -> None:
        try:
            self.check.value = f"Will {self._bulk_plan()[0]}"
        except ValidationError as exc:
            self.check.value = f"Not ready: {exc}"

    def _bulk_plan(self) -> tuple[str, list[dict], list[tuple[str, str]], dict]:
        """In words, then the rows to send, the rows failing the check and the field types."""
        frame = self.table.frame
        if frame is None:
            raise ValidationError("upload a CSV file or pass a DataFrame to use_frame()")
        types = self._types()
        mapping = {column: dropdown.value for column, dropdown in self.column_fields.items()
                   if dropdown.value != SKIP}
        if not mapping:
            raise ValidationError("map at least one column to a field")
        id_key, rows, failures = f"{self.kind.value}Id", [], []
        for number, row in enumerate(frame.iter_rows(named=True), 1):
            object_id = str(row[self.id_column.value] or "").strip()
            if not object_id:
                failures.append((f"(row {number})", f"no id in column {self.id_column.value!r}"))
                continue
            try:
                values = {field: typed_value(row[column], field, types.get(field))
                          for column, field in mapping.items() if row[column] is not None}
            except ValidationError as exc:
                failures.append((object_id, str(exc)))
                continue
            rows.append({id_key: object_id, **values})
        fields = ", ".join(self._where(field) for field in mapping.values())
        words = f"set {fields} on {len(rows)} of {plural(frame.height, self.kind.value + ' row')}"
        if self.create_ids.value:
            words += " (unknown ids are created)"
        if failures:
            words += (f"; {len(failures)} {'fails' if len(failures) == 1 else 'fail'} the type "
                      f"check: {sample([object_id for object_id, _ in failures])}")
        return words, rows, failures, {field: types.get(field) for field in mapping.values()}

    def _set_many(self) -> Done:
        _, rows, failures, field_types = self._bulk_plan()
        total = len(rows) + len(failures)
        answer: dict = {}
        if rows:
            answer = self.client.metadata.set_values(
                self.kind.value, self.group.value, rows, create=self.create_ids.value,
                field_types={f: t for f, t in field_types.items() if t})
        errors = [f"{object_id}: {reason}" for object_id, reason in failures]
        errors += [f"{object_id}: unknown {self.kind.value} (tick 'create unknown ids' to add it)"
                   for object_id in answer.get("missing", [])]
        errors += [str(text) for text in answer.get("errors", [])]
        updated = int(answer.get("updated", len(rows) - int(answer.get("failed", 0))))
        failed = total - updated
        self._show_failures(errors)
        counts = {"updated": updated, "failed the type check": len(failures),
                  "failed at Pendo": failed - len(failures)}
        result = {"total": total, "updated": updated, "failed": failed,
                  "failed_ids": [error.split(": ", 1)[0] for error in errors], "errors": errors,
                  "answer": answer}
        return Done(f"{self.kind.value} metadata: {total} total, {updated} updated, "
                    f"{failed} failed", result,
                    counts_chart(counts, f"{self.kind.value} metadata ({total} rows)"))

    # --- fields ------------------------------------------------------------------------------

    def _create_field(self) -> Done:
        name = required_text(self.new_field, "the new field's name")
        answer = self.client.metadata.create_fields(self.kind.value, self.group.value,
                                                    {name: self.new_type.value})
        self.reload(keep=name)
        return Done(f"created {self.kind.value} field {self._where(name)} "
                    f"({self.new_type.value})", answer)

    def _ask_delete(self) -> None:
        field, _ = self._chosen()
        kind, group = self.kind.value, self.group.value
        self.ask(f"Delete {kind} field {group}.{field}? Its values stop showing in Pendo.",
                 lambda: self._delete_field(kind, group, field))

    def _delete_field(self, kind: str, group: str, field: str) -> Done:
        self.client.metadata.delete_field(kind, group, field)
        self.reload()
        return Done(f"deleted {kind} field {group}.{field}",
                    {"kind": kind, "field": f"{group}.{field}"})


    def _show_failures(self, errors: list[str]) -> None:
        """List failing rows (``id: reason``) under the message, or hide the list."""
        self.failures.value = "\n".join(errors)
        show(self.failures, bool(errors))
