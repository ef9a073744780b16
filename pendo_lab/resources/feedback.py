"""Feedback (Pendo Listen): ``/api/v1/feedback`` options, create and update.

Fields are checked locally against the reference's tables before anything is sent: required
fields present, titles not blank, ``importance`` one of -1 (not interested), 1 (nice to have) or
2 (must have), app ids numbers, labels objects with a ``name``. To read feedback back, use the
``vocItems`` aggregation source.

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> account_id = client.aggregate([{"source": {"accounts": None}}])["accountId"][0]
    >>> created = client.feedback.create(title="Dark mode", account_id=account_id,
    ...                                  importance=2, app_ids=[-323232])
    >>> "id" in created
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .._exceptions import ValidationError
from .._http import Call
from ._base import Resource, id_segment, is_text

PATH = "/api/v1/feedback"
#: Valid ``importance`` values and their meaning, as the reference lists them.
IMPORTANCE = {-1: "not interested", 1: "nice to have", 2: "must have"}
CREATE_REQUIRED = ("title", "account_id", "importance", "app_ids")


def _text(name: str, value: Any) -> str:
    if not is_text(value):
        raise ValidationError(f"{name} must be a non-blank string")
    return value


def _description(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, not {type(value).__name__}")
    return value


def _importance(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value not in IMPORTANCE:
        choices = ", ".join(f"{k} ({v})" for k, v in IMPORTANCE.items())
        raise ValidationError(f"{name}={value!r} is not valid: use {choices}")
    return value


def _app_ids(name: str, value: Any) -> list[int]:
    values = [value] if isinstance(value, int) else _as_list(name, value)
    if not values or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise ValidationError(f"{name} must be a non-empty list of numeric app ids "
                              "(such as [-323232])")
    return values


def _strings(name: str, value: Any) -> list[str]:
    values = _as_list(name, value)
    if any(not is_text(v) for v in values):
        raise ValidationError(f"{name} must hold non-blank string ids")
    return values


def _labels(name: str, value: Any) -> list[dict]:
    values = _as_list(name, value)
    if any(not isinstance(v, Mapping) or not is_text(v.get("name")) for v in values):
        raise ValidationError(f'{name} must be objects with a non-blank "name" (and optionally '
                              'a category), e.g. [{"name": "Admin", "category": "Role"}]')
    return [dict(v) for v in values]


def _as_list(name: str, value: Any) -> list:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ValidationError(f"{name} must be a list, not {type(value).__name__}")
    return list(value)


#: Python argument -> (JSON field, check of its value).
FIELDS: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "title": ("title", _text),
    "account_id": ("accountId", _text),
    "visitor_id": ("visitorId", _text),
    "importance": ("importance", _importance),
    "app_ids": ("appIds", _app_ids),
    "description": ("description", _description),
    "product_areas": ("productAreas", _strings),
    "labels": ("labels", _labels),
}


class Feedback(Resource):
    """``client.feedback``: submit and edit feedback items.

    Example:
        >>> [choice["name"] for choice in client.feedback.options()["importance"]]
        ['Not interested', 'Nice to have', 'Must have']
    """

    def options(self) -> Any:
        """The options needed to submit feedback (``GET /api/v1/feedback/options``), as sent.

        Example:
            >>> client.feedback.options() is not None
            True
        """
        return self._run(Call("GET", f"{PATH}/options"))

    def create(self, *, title: str, account_id: str, importance: int,
               app_ids: Iterable[int] | int, visitor_id: str | None = None,
               description: str | None = None, product_areas: Iterable[str] | None = None,
               labels: Iterable[Mapping[str, str]] | None = None,
               extra: Mapping[str, Any] | None = None) -> Any:
        """Create a feedback item (``POST /api/v1/feedback``); returns Pendo's answer.

        Required: ``title``, ``account_id``, ``importance`` (-1, 1 or 2) and ``app_ids``.
        ``labels`` are ``{"name": ..., "category": ...}`` objects (created if new).
        ``extra`` carries other fields the reference's example shows, as-is (``createdAt``,
        ``createdById``, ``linksData``).

        Example:
            >>> account_id = client.aggregate([{"source": {"accounts": None}}])["accountId"][0]
            >>> client.feedback.create(title="Export to CSV", account_id=account_id,
            ...                        importance=1, app_ids=[-323232],
            ...                        labels=[{"name": "Admin", "category": "Role"}])["title"]
            'Export to CSV'
        """
        body = feedback_body(dict(title=title, account_id=account_id, importance=importance,
                                  app_ids=app_ids, visitor_id=visitor_id,
                                  description=description, product_areas=product_areas,
                                  labels=labels), extra, required=CREATE_REQUIRED)
        return self._run(Call("POST", PATH, json=body))

    def update(self, feedback_id: str, *, app_ids: Iterable[int] | int,
               title: str | None = None, importance: int | None = None,
               description: str | None = None, product_areas: Iterable[str] | None = None,
               labels: Iterable[Mapping[str, str]] | None = None,
               extra: Mapping[str, Any] | None = None) -> Any:
        """Change a feedback item (``PATCH /api/v1/feedback/:id``); returns Pendo's answer.

        Only the fields given are sent. ``app_ids`` is required: the reference's table marks
        it so for updates too (its example body omits it). ``product_areas`` and ``labels``
        replace the existing ones; pass ``[]`` to remove them all.

        Example:
            >>> account_id = client.aggregate([{"source": {"accounts": None}}])["accountId"][0]
            >>> item = client.feedback.create(title="Dark mode", account_id=account_id,
            ...                               importance=2, app_ids=[-323232])
            >>> client.feedback.update(item["id"], app_ids=[-323232], importance=-1)["importance"]
            -1
        """
        path = f"{PATH}/{id_segment(feedback_id, 'feedback ids')}"
        body = feedback_body(dict(app_ids=app_ids, title=title, importance=importance,
                                  description=description, product_areas=product_areas,
                                  labels=labels), extra, required=["app_ids"])
        return self._run(Call("PATCH", path, json=body))


def feedback_body(values: Mapping[str, Any], extra: Mapping[str, Any] | None = None, *,
                  required: Iterable[str] = ()) -> dict:
    """The JSON body for the given arguments (None means "not given"), checked.

    Example:
        >>> feedback_body({"title": "Dark mode", "app_ids": [-323232]}, required=["app_ids"])
        {'title': 'Dark mode', 'appIds': [-323232]}
        >>> feedback_body({"title": "Dark mode", "importance": 3})
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: importance=3 is not valid: use -1 (not interested), 1 (nice to have), 2 (must have)
    """
    missing = [name for name in required if values.get(name) is None]
    if missing:
        raise ValidationError(f"feedback needs {', '.join(missing)}: none may be None")
    body = {FIELDS[name][0]: FIELDS[name][1](name, value)
            for name, value in values.items() if value is not None}
    extra = dict(extra or {})
    clash = [key for key in extra if key in {wire for wire, _ in FIELDS.values()}]
    if clash:
        raise ValidationError(f"extra repeats {clash}: pass them as arguments instead")
    return {**body, **extra}
