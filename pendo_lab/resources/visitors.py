"""Visitors and accounts by id: ``/api/v1/visitor/:id`` (and its history), ``/api/v1/account/:id``.

Ids that proxies would mangle (slashes, spaces, percent signs, non-ASCII, ...) are sent in
Pendo's ``b64_`` form with the ``x-pendo-base64-encoded-params: true`` header, automatically.

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> visitor_id = client.aggregate([{"source": {"visitors": None}}])["visitorId"][0]
    >>> client.visitors.get(visitor_id)["id"] == visitor_id
    True
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from .._exceptions import ValidationError
from .._http import Call, parse_json
from ._base import Resource, epoch_ms, id_path, ms_ago

#: Pendo keeps visitor history for the last 180 days only.
HISTORY_DAYS = 180


class _ById(Resource):
    """Objects fetched by id under ``_path``; subclasses set ``_path`` and ``_kind``."""

    _path: str
    _kind: str

    def get(self, object_id: str) -> dict:
        """One object as a dict (404 raises :class:`~pendo_lab.NotFoundError`).

        Example:
            >>> account_id = client.aggregate([{"source": {"accounts": None}}])["accountId"][0]
            >>> client.accounts.get(account_id)["id"] == account_id
            True
        """
        return self._run(self._call(object_id))

    def _call(self, object_id: str, suffix: str = "", params: dict | None = None,
              parse=parse_json) -> Call:
        ident, headers = id_path(object_id, f"{self._kind} ids")
        return Call("GET", f"{self._path}/{ident}{suffix}", params=params, headers=headers,
                    parse=parse)


class Visitors(_ById):
    """``client.visitors``: a visitor by id, and a day of their history.

    Example:
        >>> client.visitors.get("100576")["id"]
        '100576'
    """

    _path = "/api/v1/visitor"
    _kind = "visitor"

    def history(self, visitor_id: str, starttime: datetime | date | int, *,
                frame: str | None = None) -> Any:
        """A summary of the visitor's activity in the 24 hours from ``starttime``, as a frame.

        ``starttime`` is a datetime, a date (its midnight in the client's timezone) or epoch
        ms. Pendo keeps history for the last 180 days only, so an older ``starttime`` raises
        :class:`~pendo_lab.ValidationError` before anything is sent (rather than quietly
        returning nothing). Rows have a ``type`` plus type-dependent fields (``ts``, ``lastTs``,
        ``uri``, ...); an empty frame means no activity in that window.

        Example:
            >>> visitor_id = client.aggregate([{"source": {"visitors": None}}])["visitorId"][0]
            >>> last_visit = client.visitors.get(visitor_id)["metadata"]["auto"]["lastvisit"]
            >>> history = client.visitors.history(visitor_id, last_visit - 3_600_000)
            >>> {"type", "id", "ts", "lastTs"} <= set(history.columns)
            True
        """
        start = epoch_ms(starttime, self._client.timezone, "starttime")
        if start < ms_ago(timedelta(days=HISTORY_DAYS)):
            raise ValidationError(
                f"starttime {starttime!r} is more than {HISTORY_DAYS} days ago: Pendo keeps "
                f"visitor history for the last {HISTORY_DAYS} days only; for older activity "
                "run an aggregation over the events source"
            )
        return self._run(self._call(visitor_id, "/history", {"starttime": start},
                                    self._json_frame(frame)))


class Accounts(_ById):
    """``client.accounts``: an account by id.

    Example:
        >>> sorted(client.accounts.get("043821757d8ac"))
        ['id', 'metadata']
    """

    _path = "/api/v1/account"
    _kind = "account"
