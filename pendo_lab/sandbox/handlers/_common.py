"""Helpers the handler modules share: ids from paths, JSON object bodies, frames as replies.

Example:
    >>> from pendo_lab.sandbox._app import SandboxRequest
    >>> request = SandboxRequest("GET", "/api/v1/visitor/b64_YS9i", {},
    ...                          {"x-pendo-base64-encoded-params": "true"}, b"", {"id": "b64_YS9i"})
    >>> path_id(request)
    'a/b'
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

import polars as pl

from .._app import B64_HEADER, Reply, SandboxHTTPError
from .._sources import marked_do_not_process
from .._synth_util import pendo_user


def path_id(request, name: str = "id") -> str:
    """The id in path group ``name``: percent-decoded, and a ``b64_`` id decoded when the
    request carries ``x-pendo-base64-encoded-params: true`` (a 400 if it is not base64)."""
    text = unquote(request.params[name])
    if request.headers.get(B64_HEADER, "").lower() != "true" or not text.startswith("b64_"):
        return text
    encoded = text[len("b64_"):]
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SandboxHTTPError(400, f"{text!r} is not a URL-safe base64 id") from None


def json_object(request, problem: str) -> dict[str, Any]:
    """The body as a JSON object, or a 400 saying ``problem`` and what was wrong.

    Example:
        >>> from pendo_lab.sandbox._app import SandboxRequest
        >>> json_object(SandboxRequest("POST", "/x", {}, {}, b'{"a": 1}'), "bad body")
        {'a': 1}
    """
    try:
        body = request.json()
    except SandboxHTTPError as exc:
        raise SandboxHTTPError(400, f"{problem}: {exc.message}") from None
    if not isinstance(body, dict):
        raise SandboxHTTPError(400, f"{problem}: the body must be a JSON object")
    return body


def frame_reply(frame: pl.DataFrame) -> Reply:
    """Rows as a JSON array answer, serialised by Polars.

    Example:
        >>> frame_reply(pl.DataFrame({"id": ["a"]})).body
        b'[{"id":"a"}]'
    """
    return Reply(frame.write_json().encode())


def first_row(frame: pl.DataFrame, message: str) -> dict[str, Any]:
    """The first row of ``frame`` as a dict, or a 404 with ``message`` when it is empty.

    Example:
        >>> first_row(pl.DataFrame({"id": ["a"]}), "no such thing")
        {'id': 'a'}
    """
    if frame.is_empty():
        raise SandboxHTTPError(404, message)
    return frame.row(0, named=True)


#: Visitors and accounts: their table and id column, by kind.
PEOPLE = {"visitor": ("visitors", "visitorId"), "account": ("accounts", "accountId")}


def do_not_process(state, kind: str) -> set[str]:
    """The ids of the visitors or accounts (``kind``) marked ``pendo.donotprocess``.

    Example:
        >>> from pendo_lab.sandbox import Sandbox
        >>> state = Sandbox().state
        >>> do_not_process(state, "visitor") <= set(state.tables["visitors"]["visitorId"])
        True
    """
    table, key = PEOPLE[kind]
    return set(marked_do_not_process(state.tables[table])[key].to_list())


#: The Pendo user that writes through the API are attributed to (the integration key's owner).
API_USER = pendo_user(0)


def set_where(table: pl.DataFrame, condition: pl.Expr, **values: Any) -> pl.DataFrame:
    """``table`` with the named columns set to ``values`` on the rows meeting ``condition``
    (each value cast to its column's type).

    Example:
        >>> frame = pl.DataFrame({"id": ["a", "b"], "name": ["x", "y"]})
        >>> set_where(frame, pl.col("id") == "b", name="z")["name"].to_list()
        ['x', 'z']
    """
    return table.with_columns(
        pl.when(condition).then(pl.lit(value, dtype=table.schema[column])).otherwise(column)
        .alias(column) for column, value in values.items())


def non_blank(value: Any) -> bool:
    """Whether ``value`` is a string with something besides whitespace in it.

    Example:
        >>> non_blank("a b"), non_blank("  "), non_blank(3)
        (True, False, False)
    """
    return isinstance(value, str) and bool(value.strip())


def without_nulls(value: Any) -> Any:
    """``value`` with null fields, and objects left empty by that, removed at every depth.

    Example:
        >>> without_nulls({"agent": {"email": "a@b.c", "name": None}, "custom": {"x": None}})
        {'agent': {'email': 'a@b.c'}}
    """
    if not isinstance(value, dict):
        return value
    kept = {name: without_nulls(field) for name, field in value.items()}
    return {name: field for name, field in kept.items() if field is not None and field != {}}
