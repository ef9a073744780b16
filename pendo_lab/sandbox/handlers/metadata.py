"""Metadata: the schema, field values (one or in bulk), fields, dependencies, opt-out flags.

Values live in the ``visitors`` and ``accounts`` tables' ``<group>.<field>`` columns, so a value
set here shows at once in the ``visitors``/``accounts`` sources, ``bulkExpand`` and the visitor
and account objects; each write also sets ``auto.lastupdated`` to the sandbox clock. Fields are
rows of ``metadata_schema`` (with ``isDeleted``; a deleted field's values are kept in its
``deletedValues`` and come back when it is undeleted).

Values are checked against the field's type: ``string`` (numbers and booleans are stored as
text), ``number``, ``boolean`` (also ``"true"``/``"false"``), ``date`` (epoch seconds or
milliseconds, or text in one of the reference's accepted formats, stored as epoch ms; text
without a zone is read as UTC, and a zone abbreviation such as ``MST`` is ignored: both
INFERRED) and ``list`` (of strings). Fields created through the API with type ``time`` are
``date`` fields. Setting an unknown custom field creates it, typed by its first value.

Example:
    >>> from pendo_lab.sandbox import Sandbox
    >>> box = Sandbox()
    >>> box.client().metadata.set_value("visitor", "custom", "qa-bot-1", "plan", "gold")
    >>> box.tables["visitors"].filter(visitorId="qa-bot-1")["custom.plan"].to_list()
    ['gold']
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

import orjson
import polars as pl

from ...resources._base import MIN_EPOCH_MS
from ...resources.metadata import DATE_FORMATS, ZONE_NAME
from .._app import Reply, SandboxHTTPError, route
from ._common import PEOPLE, first_row, path_id, set_where

PATH = "/api/v1/metadata"
WRITE_GROUPS = ("agent", "custom")
PENDO_FLAGS = ("blacklistguides", "donotprocess")
FIELDS_PER_CALL = 24
#: Field types as the schema API names them -> as ``metadata_schema`` stores them.
API_TYPES = {"string": "string", "number": "number", "time": "date", "boolean": "boolean"}
#: The column type of a new field, by its stored type.
DTYPES = {"string": pl.String, "number": pl.Float64, "boolean": pl.Boolean, "date": pl.Int64,
          "list": pl.List(pl.String)}


@route("GET", f"{PATH}/schema/{{kind}}")
def schema(request, state):
    """``{group: {field: {type, displayName, isDeleted}}}``."""
    answer: dict[str, dict] = {}
    fields = state.tables["metadata_schema"].filter(pl.col("kind") == _kind(request))
    for row in fields.iter_rows(named=True):
        answer.setdefault(row["group"], {})[row["field"]] = {
            "type": row["type"], "displayName": row["displayName"], "isDeleted": row["isDeleted"]}
    return answer


@route("GET", f"{PATH}/{{kind}}/{{group}}/value/{{id}}/{{field}}")
def get_value(request, state):
    kind, group, field = _kind(request), request.params["group"], path_id(request, "field")
    person = _person(state, kind, path_id(request))
    definition = _field(state, kind, group, field)
    if definition is None or definition["isDeleted"]:
        raise SandboxHTTPError(404, f"no {kind} metadata field {group}.{field}")
    return Reply(orjson.dumps(person.get(f"{group}.{field}")))


@route("PUT", f"{PATH}/{{kind}}/{{group}}/value/{{id}}/{{field}}")
def set_value(request, state):
    """One value; the ``pendo`` group takes only ``blacklistguides`` and ``donotprocess``,
    set to true or false."""
    kind, group, field = _kind(request), request.params["group"], path_id(request, "field")
    object_id = path_id(request)
    value = request.json()
    if group == "pendo":
        if field not in PENDO_FLAGS or not isinstance(value, bool):
            raise SandboxHTTPError(400, f"the pendo group takes {' or '.join(PENDO_FLAGS)}, "
                                        f"set to true or false")
    else:
        _write_group(group)
    _person(state, kind, object_id)
    types = _field_types(state, kind, group, [(field, value)], missing_status=404)
    _write(state, kind, group, {object_id: {field: _coerce(value, types[field], field)}}, types)
    return Reply(b"")


@route("POST", f"{PATH}/{{kind}}/{{group}}/value")
def set_values(request, state):
    """Rows ``[{"<kind>Id": id, "values": {field: value}}]``; ``?create=true`` adds unknown
    ids. The answer: ``total`` (= updated + failed), ``updated``, ``failed`` (= missing +
    errors), ``missing`` (unknown ids) and ``errors`` (``"id: problem"`` texts)."""
    kind, group = _kind(request), _write_group(request.params["group"])
    table_name, key = PEOPLE[kind]
    rows = request.json()
    if not isinstance(rows, list) or not all(
            isinstance(row, dict) and isinstance(row.get(key), str) and row[key]
            and isinstance(row.get("values"), dict) for row in rows):
        raise SandboxHTTPError(400, f'the body must be a list of {{"{key}": id, "values": '
                                    f'{{field: value}}}} objects')
    types = _field_types(state, kind, group,
                         [item for row in rows for item in row["values"].items()],
                         missing_status=400)
    known = set(state.tables[table_name][key].to_list())
    create = request.query.get("create") == "true"
    accepted: dict[str, dict[str, Any]] = {}
    missing, errors = [], []
    for row in rows:
        if row[key] not in known and not create:
            missing.append(row[key])
            continue
        try:
            accepted[row[key]] = {field: _coerce(value, types[field], field)
                                  for field, value in row["values"].items()}
        except SandboxHTTPError as exc:
            errors.append(f"{row[key]}: {exc.message}")
    if accepted:
        _write(state, kind, group, accepted, types)
    failed = len(missing) + len(errors)
    return {"total": len(accepted) + failed, "updated": len(accepted), "failed": failed,
            "missing": missing, "errors": errors}


@route("POST", f"{PATH}/schema/{{kind}}/{{group}}")
def create_fields(request, state):
    """Create or undelete up to 24 fields: 201 when all succeed, 207 when some already
    exist, 409 when all do, 422 (nothing done) when a definition is invalid."""
    kind, group = _kind(request), _write_group(request.params["group"])
    body = request.json()
    if not isinstance(body, list) or not body or len(body) > FIELDS_PER_CALL:
        raise SandboxHTTPError(400, f"the body must be a list of 1 to {FIELDS_PER_CALL} "
                                    f'{{"name", "displayname", "type"}} objects')
    problems = _definition_problems(body)
    if problems:
        raise SandboxHTTPError(422, "; ".join(problems))
    results, summary = [], {"created": 0, "failed": 0, "total": len(body)}
    for definition in body:
        name = definition["name"]
        existing = _field(state, kind, group, name)
        if existing is None:
            _add_field(state, kind, group, name, API_TYPES[definition["type"]],
                       definition.get("displayname") or name)
            status = "created"
        elif existing["isDeleted"]:
            _undelete(state, kind, group, name)
            status = "undeleted"
        else:
            status = "failed"
        summary[status] = summary.get(status, 0) + 1
        results.append({"schema": definition, "status": status}
                       | ({"error": {"message": f"field {group}.{name} already exists"}}
                          if status == "failed" else {}))
    if summary["failed"] == len(body):
        raise SandboxHTTPError(409, f"All entities already exist: "
                                    f"{', '.join(d['name'] for d in body)}")
    return Reply({"results": results, "summary": summary}, 207 if summary["failed"] else 201)


@route("DELETE", f"{PATH}/schema/{{kind}}/{{group}}/{{field}}")
def delete_field(request, state):
    """Delete a field (200), 202 if it already was; its values are kept for an undelete."""
    kind, group = _kind(request), _write_group(request.params["group"])
    field = path_id(request, "field")
    definition = _field(state, kind, group, field)
    if definition is None:
        raise SandboxHTTPError(404, f"Field not found: {kind} {group}.{field}")
    if definition["isDeleted"]:
        return Reply(b"", 202)
    table_name, key = PEOPLE[kind]
    table, column = state.tables[table_name], f"{group}.{field}"
    kept = table.select(key, column).drop_nulls(column)
    state.put(table_name, table.drop(column))
    _set_schema(state, kind, group, field, isDeleted=True,
                deletedValues=orjson.dumps(dict(kept.iter_rows())).decode())
    return Reply(b"")


@route("GET", f"{PATH}/dependencies")
def all_dependencies(request, state):
    """One row per field: ``kind``, ``group``, ``field`` and its dependencies."""
    fields = state.tables["metadata_schema"].filter(~pl.col("isDeleted"))
    uses = _report_uses(state)
    return [{"kind": kind, "group": group, "field": field,
             **_dependencies(uses, kind, group, field)}
            for kind, group, field in fields.select("kind", "group", "field").iter_rows()]


@route("GET", f"{PATH}/dependencies/{{kind}}/{{group}}/{{field}}")
def field_dependencies(request, state):
    """What uses one field: ``guides``, ``reports`` and ``segments`` shared with everyone
    (``{id, name}`` each), and ``onlyMe`` (whether an "Only Me" report uses it). In the sandbox
    only reports' columns refer to metadata."""
    kind, group, field = _kind(request), request.params["group"], path_id(request, "field")
    definition = _field(state, kind, group, field)
    if definition is None or definition["isDeleted"]:
        raise SandboxHTTPError(404, f"no {kind} metadata field {group}.{field}: check the "
                                    f"field name")
    return _dependencies(_report_uses(state), kind, group, field)


# --- helpers ---------------------------------------------------------------------------------

def _kind(request) -> str:
    kind = request.params["kind"]
    if kind not in PEOPLE:
        raise SandboxHTTPError(400, f"kind must be 'visitor' or 'account', not {kind!r}")
    return kind


def _write_group(group: str) -> str:
    if group not in WRITE_GROUPS:
        raise SandboxHTTPError(400, f"group must be 'agent' or 'custom' here, not {group!r}")
    return group


def _person(state, kind: str, object_id: str) -> dict[str, Any]:
    table_name, key = PEOPLE[kind]
    rows = state.tables[table_name].filter(pl.col(key) == object_id)
    return first_row(rows, f"{kind} {object_id!r} not found: check the {kind} id")


def _field(state, kind: str, group: str, field: str) -> dict[str, Any] | None:
    rows = state.tables["metadata_schema"].filter(kind=kind, group=group, field=field)
    return rows.row(0, named=True) if rows.height else None


def _set_schema(state, kind: str, group: str, field: str, **values: Any) -> None:
    is_it = (pl.col("kind") == kind) & (pl.col("group") == group) & (pl.col("field") == field)
    state.put("metadata_schema", set_where(state.tables["metadata_schema"], is_it, **values))


def _field_types(state, kind: str, group: str, items: Iterable[tuple[str, Any]], *,
                 missing_status: int) -> dict[str, str]:
    """The stored type of each field written. A new custom field takes the type of its first
    non-null value; an unknown or deleted agent field, or a deleted custom field, is refused
    with ``missing_status``."""
    types: dict[str, str] = {}
    for field, value in items:
        if types.get(field) not in (None, "new"):
            continue
        definition = _field(state, kind, group, field)
        if definition is not None and not definition["isDeleted"]:
            types[field] = definition["type"]
        elif group == "custom" and definition is None:
            types[field] = "new" if value is None else _type_of(value)
        else:
            state_word = "is deleted" if definition else "does not exist"
            raise SandboxHTTPError(missing_status, f"field {group}.{field} {state_word}: check "
                                                   f"that it exists in Data Mappings")
    return {field: "string" if kind_of == "new" else kind_of for field, kind_of in types.items()}


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "list" if isinstance(value, list) else "string"


def _coerce(value: Any, field_type: str, field: str) -> Any:
    """``value`` as the field's type stores it, or a 400 naming the field and its type."""
    if value is None:
        return None
    if field_type == "boolean" and (isinstance(value, bool) or value in ("true", "false")):
        return value in (True, "true")
    if field_type == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if field_type == "date" and (ms := epoch_ms(value)) is not None:
        return ms
    if field_type == "list" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    if field_type == "string" and not isinstance(value, (dict, list)):
        return value if isinstance(value, str) else orjson.dumps(value).decode()
    raise SandboxHTTPError(400, f"field {field!r} is a {field_type} field: {value!r} cannot be "
                                f"stored in it")


def epoch_ms(value: Any) -> int | None:
    """Epoch ms from epoch seconds or ms (number or digits) or text in an accepted date
    format; None if it is none of these.

    Example:
        >>> epoch_ms("2006-01-02T15:04:05Z"), epoch_ms(1136214245)
        (1136214245000, 1136214245000)
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(value * 1000) if abs(value) < MIN_EPOCH_MS else round(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isdigit():
        return epoch_ms(int(text))
    for candidate in (text, ZONE_NAME.sub("", text)):
        for layout in DATE_FORMATS:
            try:
                moment = datetime.strptime(candidate, layout)
            except ValueError:
                continue
            return round(moment.replace(tzinfo=moment.tzinfo or timezone.utc).timestamp() * 1000)
    return None


def _write(state, kind: str, group: str, values: dict[str, dict[str, Any]],
           types: dict[str, str]) -> None:
    """Write ``{id: {field: value}}`` (unknown ids become new rows), creating new custom
    fields, and set the rows' ``auto.lastupdated`` to the sandbox clock."""
    for field, field_type in types.items():
        if _field(state, kind, group, field) is None:
            _add_field(state, kind, group, field, field_type, field)
    table_name, key = PEOPLE[kind]
    table = state.tables[table_name]
    for field in types:
        column = f"{group}.{field}"
        cells = {object_id: row[field] for object_id, row in values.items() if field in row}
        dtype = table.schema[column]
        if dtype.is_integer() and any(isinstance(v, float) for v in cells.values()):
            dtype = pl.Float64
            table = table.with_columns(pl.col(column).cast(dtype))
        update = pl.DataFrame({key: list(cells), column: list(cells.values())},
                              schema={key: pl.String, column: dtype})
        table = table.update(update, on=key, how="full", include_nulls=True)
    new_ids = pl.DataFrame({key: list(values)}, schema={key: pl.String})
    table = table.update(new_ids, on=key, how="full").with_columns(
        pl.when(pl.col(key).is_in(list(values))).then(pl.lit(state.now_ms()))
        .otherwise(pl.col("auto.lastupdated")).alias("auto.lastupdated"))
    state.put(table_name, table)


def _add_field(state, kind: str, group: str, field: str, field_type: str,
               display_name: str) -> None:
    fields = state.tables["metadata_schema"]
    row = pl.DataFrame([{"kind": kind, "group": group, "field": field, "type": field_type,
                         "displayName": display_name, "isDeleted": False,
                         "deletedValues": None}], schema=fields.schema)
    state.put("metadata_schema", pl.concat([fields, row]))
    table_name, _ = PEOPLE[kind]
    state.put(table_name, state.tables[table_name].with_columns(
        pl.lit(None, DTYPES[field_type]).alias(f"{group}.{field}")))


def _undelete(state, kind: str, group: str, field: str) -> None:
    """Bring a deleted field back with the values it had."""
    definition = _field(state, kind, group, field)
    table_name, key = PEOPLE[kind]
    column = f"{group}.{field}"
    kept = orjson.loads(definition["deletedValues"] or "{}")
    restored = pl.DataFrame({key: list(kept), column: list(kept.values())}, strict=False,
                            schema_overrides={key: pl.String})
    if not kept:
        restored = restored.with_columns(pl.col(column).cast(DTYPES[definition["type"]]))
    state.put(table_name, state.tables[table_name].join(restored, on=key, how="left",
                                                        maintain_order="left"))
    _set_schema(state, kind, group, field, isDeleted=False, deletedValues=None)


def _definition_problems(body: list) -> list[str]:
    problems, names = [], set()
    for index, definition in enumerate(body):
        name = definition.get("name") if isinstance(definition, dict) else None
        if not isinstance(name, str) or not name.strip() or "." in name or "/" in name:
            problems.append(f"field {index}: name must be a non-empty string without '.' or '/'")
        elif name in names:
            problems.append(f"field {index}: {name!r} is listed twice")
        elif definition.get("type") not in API_TYPES:
            problems.append(f"field {index}: type must be one of {', '.join(API_TYPES)}")
        names.add(name)
    return problems


def _report_uses(state) -> pl.DataFrame:
    """(kind, group, field, id, name, shared) for each metadata column of each report."""
    config = pl.col("definition").struct.field("config")
    uses = (state.tables["reports"]
            .select("id", "name", "shared", kind=pl.col("definition").struct.field("kind"),
                    column=config.struct.field("columns"))
            .explode("column")
            .with_columns(pl.col("column").str.extract_groups(r"^metadata\.([^.]+)\.(.+)$")
                          .struct.rename_fields(["group", "field"]))
            .unnest("column"))
    return uses.drop_nulls("field")


def _dependencies(uses: pl.DataFrame, kind: str, group: str, field: str) -> dict[str, Any]:
    mine = uses.filter(kind=kind, group=group, field=field)
    return {"guides": [], "reports": mine.filter("shared").select("id", "name").to_dicts(),
            "segments": [], "onlyMe": not mine["shared"].all()}
