"""Metadata: the visitor/account schema, field values (one or in bulk), fields, opt-outs.

``kind`` is ``"visitor"`` or ``"account"``. ``group`` is the field's origin: values and fields
are written in ``agent`` or ``custom``; reads also reach ``auto``, ``salesforce``, ``hubspot``,
``segmentio`` and ``pendo``. Both are checked before anything is sent, and so are values:
JSON scalars (text, numbers, booleans, ``None``) or lists of them; datetimes and dates become
epoch milliseconds (an accepted date format). With a field's type given (``string``,
``number``, ``time``, ``boolean``), values must match it, and text for a ``time`` field must
be in one of Pendo's accepted date formats (:data:`DATE_FORMATS`).

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> schema = client.metadata.schema("visitor")
    >>> {"group", "field", "type"} <= set(schema.columns)
    True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import orjson

from .._exceptions import ValidationError
from .._frames import finish, rows_to_polars
from .._http import Call, parse_json
from ._base import Resource, epoch_ms, id_path, id_segment, is_text, send_batches

PATH = "/api/v1/metadata"
KINDS = ("visitor", "account")
WRITE_GROUPS = ("agent", "custom")
DEPENDENCY_GROUPS = ("agent", "auto", "custom", "salesforce", "hubspot", "segmentio")
READ_GROUPS = (*DEPENDENCY_GROUPS, "pendo")
FIELD_TYPES = ("string", "number", "time", "boolean")
#: Fields per schema call (Pendo's limit).
FIELDS_PER_CALL = 24
#: Rows per bulk value call. Pendo takes any number but stops a call after 5 minutes (408);
#: this size is INFERRED to stay well inside that.
ROWS_PER_CALL = 5000
#: The date formats Pendo accepts for time fields (``strptime`` spellings of the reference's
#: list; a zone abbreviation such as ``MST`` is checked apart). Epoch seconds or milliseconds
#: (all digits) are accepted too.
DATE_FORMATS = (
    "%a %b %d %Y",
    "%a %b %d %Y %H:%M:%S%z",
    "%m/%d/%Y %I:%M%p",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S",
)
#: A zone abbreviation (``MST``) at the end or before a numeric offset; dropped before
#: matching :data:`DATE_FORMATS`.
ZONE_NAME = re.compile(r" ?[A-Z]{2,5}(?=[+-]\d{4}$|$)")
# A cheap regex per format, so strptime only runs on text of the right shape.
_DIRECTIVES = {"%Y": r"\d{4}", "%m": r"\d\d", "%d": r"\d\d", "%H": r"\d\d", "%I": r"\d\d",
               "%M": r"\d\d", "%S": r"\d\d", "%f": r"\d{1,6}", "%z": r"(?:Z|[+-]\d\d:?\d\d)",
               "%a": "[A-Za-z]{3}", "%b": "[A-Za-z]{3}", "%p": "[AaPp][Mm]"}
_SHAPES = [(re.compile(re.sub("%[a-zA-Z]", lambda m: _DIRECTIVES[m[0]], re.escape(layout))), layout)
           for layout in DATE_FORMATS]


def is_pendo_date(text: str) -> bool:
    """Whether text is in one of the date formats Pendo accepts for time fields.

    Example:
        >>> is_pendo_date("2006-01-02T15:04:05-07:00"), is_pendo_date("01/02/2006 03:04pm")
        (True, True)
        >>> is_pendo_date("2 Jan 2006")
        False
    """
    text = text.strip()
    candidates = (text, ZONE_NAME.sub("", text))
    return text.isdigit() or any(shape.fullmatch(c) and _parses(c, layout)
                                 for c in candidates for shape, layout in _SHAPES)


def _parses(text: str, layout: str) -> bool:
    try:
        datetime.strptime(text, layout)
    except ValueError:
        return False
    return True


def metadata_value(value: Any, field: str, field_type: str | None = None) -> Any:
    """A value ready to send to a metadata field, or a ValidationError saying what to change.

    Datetimes (timezone-aware) and dates (midnight UTC) become epoch milliseconds.

    Example:
        >>> from datetime import datetime, timezone
        >>> metadata_value(datetime(2024, 1, 1, tzinfo=timezone.utc), "signup", "time")
        1704067200000
        >>> metadata_value("yes", "beta", "boolean")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: field 'beta' is a boolean field: got str 'yes'; send True or False
    """
    if field_type is not None:
        _choice(field_type, FIELD_TYPES, f"the type of field {field!r}")
    value = _plain(value, field)
    if value is None:
        return None
    if isinstance(value, list):
        if field_type is not None:
            raise ValidationError(f"field {field!r} is a {field_type} field: got a list; "
                                  f"send one value")
        return [metadata_value(item, field) for item in value]
    kind = _json_type(value)
    if field_type in (None, kind):
        return value
    if field_type == "time" and (kind == "number" or (kind == "string" and is_pendo_date(value))):
        return value
    raise ValidationError(f"field {field!r} is a {field_type} field: got "
                          f"{type(value).__name__} {value!r}; {_HINTS[field_type]}")


_HINTS = {
    "string": "send text (str(value))",
    "number": "send an int or float",
    "boolean": "send True or False",
    "time": "send a datetime, epoch milliseconds or text in an accepted date format "
            "(e.g. 2006-01-02T15:04:05Z)",
}


def _plain(value: Any, field: str) -> Any:
    """Plain JSON data for a value: numpy scalars unwrapped, datetimes as epoch ms."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValidationError(f"field {field!r}: the datetime {value} has no timezone; "
                              f"attach one, e.g. value.replace(tzinfo=timezone.utc)")
    if isinstance(value, date):
        return epoch_ms(value, "UTC", f"field {field!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(f"field {field!r}: {value} cannot be sent; use None for no value")
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ValidationError(f"field {field!r}: a {type(value).__name__} cannot be sent; use text, "
                          f"a number, a boolean, a datetime, None or a list of these")



def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "string" if isinstance(value, str) else "number"


def _choice(value: Any, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValidationError(f"{what} must be one of {options}, not {value!r}")
    return value


class Metadata(Resource):
    """``client.metadata``: metadata schema, values, fields and the Pendo opt-out flags.

    Example:
        >>> schema = client.metadata.schema("visitor")
        >>> schema.filter(schema["group"] == "custom")["field"].to_list()
        ['betatester', 'department']
    """

    def schema(self, kind: str, *, frame: str | None = None) -> Any:
        """The fields of visitor or account metadata: one row per field.

        Columns: ``group``, ``field`` and the field's settings as Pendo sends them (``type``,
        ``displayName``, ...). Pendo answers ``{group: {field: settings}}``; that shape is
        INFERRED from public client code.

        Example:
            >>> (client.metadata.schema("account")["group"] == "agent").any()
            True
        """
        _choice(kind, KINDS, "kind")
        frame_kind = self._frame_kind(frame)
        timezone_name = self._client.timezone

        def parse(response):
            body = parse_json(response)
            rows = body if isinstance(body, list) else [
                {"group": group, "field": name, **(settings if isinstance(settings, dict) else {})}
                for group, fields in (body or {}).items() if isinstance(fields, dict)
                for name, settings in fields.items()
            ]
            return finish(rows_to_polars(rows), frame_kind=frame_kind, timezone=timezone_name)

        return self._run(Call("GET", f"{PATH}/schema/{kind}", parse=parse))

    def get_value(self, kind: str, group: str, object_id: str, field: str) -> Any:
        """One field's value for one visitor or account.

        Example:
            >>> client.metadata.get_value("visitor", "auto", "qa-bot-1", "accountid")
            'acme-internal'
        """
        path, headers = _value_path(kind, group, READ_GROUPS, object_id, field)
        return self._run(Call("GET", path, headers=headers))

    def set_value(self, kind: str, group: str, object_id: str, field: str, value: Any, *,
                  field_type: str | None = None) -> Any:
        """Set one field of one visitor or account (a new custom field is created if needed).

        Example:
            >>> client.metadata.set_value("visitor", "custom", "qa-bot-1", "plan", "gold")
        """
        path, headers = _value_path(kind, group, WRITE_GROUPS, object_id, field)
        return self._run(_put(path, headers, metadata_value(value, field, field_type)))

    def set_values(self, kind: str, group: str, rows: Any, *, create: bool = False,
                   field_types: Mapping[str, str] | None = None, skip_nulls: bool = True,
                   rows_per_call: int = ROWS_PER_CALL) -> dict:
        """Set fields on many visitors or accounts from a DataFrame or a list of dicts.

        Each row holds the id (``visitorId`` or ``accountId``) and one entry per field.
        ``create=True`` creates unknown ids. Null cells are left out (``skip_nulls=False``
        sends them as null). Rows go ``rows_per_call`` at a time, and the outcomes are merged:
        ``{"total", "updated", "failed", "missing": [ids], "errors": [...]}`` (``total`` and
        ``failed`` are CONFIRMED; ``updated``, ``missing`` and ``errors`` are INFERRED from
        the reference's definitions of those two). If a later call fails,
        :class:`~pendo_lab.BatchError` ``.failed`` and ``.unsent`` hold rows in Pendo's body
        form.

        Example:
            >>> rows = [{"visitorId": "qa-bot-1", "plan": "gold"}]
            >>> client.metadata.set_values("visitor", "custom", rows)["failed"]
            0
        """
        path = f"{PATH}/{_kind_group(kind, group)}/value"
        if rows_per_call < 1:
            raise ValidationError("rows_per_call must be at least 1")
        body = _bulk_rows(kind, rows, field_types or {}, skip_nulls)
        params = {"create": "true"} if create else None

        def send(part):
            # Setting the same values twice leaves the same state: safe to retry.
            return (yield Call("POST", path, params=params, json=list(part), idempotent=True))

        return self._run(send_batches(body, rows_per_call, send, f"{kind} {group} metadata rows"))

    def create_fields(self, kind: str, group: str,
                      fields: Mapping[str, str] | Iterable[Mapping[str, str]]) -> Any:
        """Create (or undelete) agent or custom fields, 24 per call, outcomes merged.

        ``fields`` maps names to types (``{"plan": "string"}``) or lists dicts with ``name``,
        ``type`` and optionally ``displayname``. Types: string, number, time, boolean.

        Example:
            >>> client.metadata.create_fields("visitor", "custom", {"tier": "string"})["summary"]
            {'created': 1, 'failed': 0, 'total': 1}
        """
        path = f"{PATH}/schema/{_kind_group(kind, group)}"
        definitions = _field_definitions(fields)

        def send(part):
            return (yield Call("POST", path, json=list(part)))

        return self._run(send_batches(definitions, FIELDS_PER_CALL, send,
                                      f"{kind} {group} field creation"))

    def delete_field(self, kind: str, group: str, field: str) -> Any:
        """Delete an agent or custom field (202 when it was already deleted).

        Example:
            >>> client.metadata.delete_field("visitor", "custom", "department")
        """
        return self._run(Call("DELETE", f"{PATH}/schema/{_field_path(kind, group, field)}"))

    def dependencies(self) -> Any:
        """What every metadata field is used by (segments, reports, guides).

        Example:
            >>> isinstance(client.metadata.dependencies(), (dict, list))
            True
        """
        return self._run(Call("GET", f"{PATH}/dependencies"))

    def field_dependencies(self, kind: str, group: str, field: str) -> Any:
        """What one metadata field is used by.

        Example:
            >>> isinstance(client.metadata.field_dependencies("visitor", "agent", "email"), dict)
            True
        """
        path = f"{PATH}/dependencies/{_field_path(kind, group, field, DEPENDENCY_GROUPS)}"
        return self._run(Call("GET", path))

    def opt_out_of_guides(self, kind: str, object_id: str, opt_out: bool = True) -> Any:
        """Stop (or with ``opt_out=False`` resume) showing guides to a visitor or account.

        Needs the subscription setting "Enable guide exclude list per visitor and account".

        Example:
            >>> client.metadata.opt_out_of_guides("visitor", "qa-bot-1")
        """
        return self._run(self._pendo_flag(kind, object_id, "blacklistguides", opt_out))

    def do_not_process(self, kind: str, object_id: str, flag: bool = True) -> Any:
        """Mark a visitor or account "do not process" (GDPR): Pendo discards its data.

        Data of a do-not-process visitor is unrecoverable; ``flag=False`` processes it again
        from then on.

        Example:
            >>> client.metadata.do_not_process("visitor", "qa-bot-2")
        """
        return self._run(self._pendo_flag(kind, object_id, "donotprocess", flag))

    def _pendo_flag(self, kind: str, object_id: str, name: str, flag: bool) -> Call:
        if not isinstance(flag, bool):
            raise ValidationError(f"{name} takes True or False, not {flag!r}")
        path, headers = _value_path(kind, "pendo", ("pendo",), object_id, name)
        return _put(path, headers, flag)


def _value_path(kind: str, group: str, groups: tuple[str, ...], object_id: str,
                field: str) -> tuple[str, dict[str, str]]:
    """The value path of one field of one object, and its ``b64_`` header if needed."""
    where = _kind_group(kind, group, groups)
    ident, headers = id_path(object_id, f"{kind} ids")
    return f"{PATH}/{where}/value/{ident}/{id_segment(field, 'field names')}", headers


def _kind_group(kind: str, group: str, groups: tuple[str, ...] = WRITE_GROUPS) -> str:
    """``kind/group`` for a path, once ``kind`` is visitor/account and ``group`` in ``groups``."""
    _choice(kind, KINDS, "kind")
    _choice(group, groups, "group")
    return f"{kind}/{group}"


def _field_path(kind: str, group: str, field: str,
                groups: tuple[str, ...] = WRITE_GROUPS) -> str:
    """``kind/group/field`` for a schema or dependency path, all three checked."""
    return f"{_kind_group(kind, group, groups)}/{id_segment(field, 'field names')}"


def _put(path: str, headers: dict[str, str], value: Any) -> Call:
    # A JSON value is the whole body (``null`` included), so it is sent as raw content.
    return Call("PUT", path, content=orjson.dumps(value),
                headers={**headers, "content-type": "application/json"})


def _bulk_rows(kind: str, rows: Any, field_types: Mapping[str, str],
               skip_nulls: bool) -> list[dict]:
    """Rows as Pendo's bulk body: ``[{"visitorId": id, "values": {field: value}}]``."""
    id_key = f"{kind}Id"
    records = _records(rows)
    if not records:
        raise ValidationError("no rows given: pass a DataFrame or a non-empty list of dicts")
    body = []
    for number, row in enumerate(records):
        if not isinstance(row, Mapping):
            raise ValidationError(f"row {number} is a {type(row).__name__}: each row must be a "
                                  f"dict like {{{id_key!r}: ..., 'field': value}}")
        ident = row.get(id_key)
        if ident is None or ident != ident or not str(ident).strip():
            raise ValidationError(f"row {number} has no {id_key!r}: every row needs the "
                                  f"{kind} id in a {id_key!r} entry (or column)")
        values = {}
        for field, value in row.items():
            if field == id_key or (skip_nulls and (value is None or value != value)):
                continue
            if not isinstance(field, str) or not field:
                raise ValidationError(f"row {number} has a field name {field!r}: field names "
                                      f"must be non-empty text")
            values[field] = metadata_value(value, field, field_types.get(field))
        body.append({id_key: str(ident), "values": values})
    return body


def _records(rows: Any) -> list:
    if hasattr(rows, "to_dicts"):  # Polars
        return rows.to_dicts()
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # pandas
        return rows.to_dict("records")
    if isinstance(rows, Mapping):
        raise ValidationError("rows must be a DataFrame or a list of dicts, not one dict: "
                              "wrap it in a list")
    return list(rows)


def _field_definitions(fields: Any) -> list[dict]:
    """Field definitions as Pendo's schema body, checked: names unique, types known."""
    if isinstance(fields, Mapping):
        fields = [{"name": name, "type": kind} for name, kind in fields.items()]
    definitions, seen = [], set()
    for number, field in enumerate(fields):
        if not isinstance(field, Mapping) or not is_text(field.get("name")):
            raise ValidationError(f"field {number} needs a non-empty 'name': pass "
                                  f"{{'name': ..., 'type': ...}} or a {{name: type}} mapping")
        name = field["name"]
        if name in seen:
            raise ValidationError(f"field {name!r} is listed twice: keep one definition")
        seen.add(name)
        kind = _choice(field.get("type"), FIELD_TYPES, f"the type of field {name!r}")
        definitions.append({"name": name, "displayname": field.get("displayname") or name,
                            "type": kind})
    if not definitions:
        raise ValidationError("no fields given: pass {name: type} or a list of field dicts")
    return definitions
