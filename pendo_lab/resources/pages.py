"""Pages, features and track types: the three tagged-object folders of the reference.

All three have the same three calls (all, one, several) on ``/api/v1/page``,
``/api/v1/feature`` and ``/api/v1/tracktype``.

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> pages = client.pages.list()
    >>> {"id", "name", "appId"} <= set(pages.columns)
    True
"""

from __future__ import annotations

from typing import Any, Iterable

from .._exceptions import NotFoundError
from .._http import Call, parse_json
from ._base import Resource, one_id, require_ids


class TaggedObjects(Resource):
    """Tagged objects of one kind; subclasses set ``_path`` and ``_kind``."""

    _path: str
    _kind: str

    def list(self, *, app_id: int | str | None = None, expand: bool = False,
             frame: str | None = None) -> Any:
        """All objects as a frame; ``expand=True`` sends ``expand=*`` (every app's objects).

        Example:
            >>> client.pages.list(expand=True).height > 0
            True
        """
        params = {}
        if expand:
            params["expand"] = "*"
        if app_id is not None:
            params["appId"] = str(app_id)
        return self._run(self._get(params, self._json_frame(frame)))

    def get(self, object_id: str) -> dict:
        """One object as a dict (404 raises :class:`~pendo_lab.NotFoundError`).

        Example:
            >>> first = client.pages.list()["id"][0]
            >>> client.pages.get(first)["id"] == first
            True
        """
        one = one_id(object_id, f"{self._kind} ids")

        def single(response) -> dict:
            # Pendo answers ``?id=`` with a list; one id gives one element.
            body = parse_json(response)
            if isinstance(body, list):
                if not body:
                    raise NotFoundError("GET", self._path, 404, f"no {self._kind} with id {one!r}")
                return body[0]
            return body

        return self._run(self._get({"id": one}, single))

    def get_many(self, object_ids: Iterable[str], *, frame: str | None = None) -> Any:
        """Several objects as a frame (``?id=a,b,c``).

        Example:
            >>> ids = client.pages.list()["id"][:2].to_list()
            >>> client.pages.get_many(ids).height
            2
        """
        ids = require_ids(object_ids, f"{self._kind} ids")
        return self._run(self._get({"id": ",".join(ids)}, self._json_frame(frame)))

    def _get(self, params, parse):
        return Call("GET", self._path, params=params, parse=parse)


class Pages(TaggedObjects):
    """``client.pages``: tagged pages (``/api/v1/page``).

    Example:
        >>> {"id", "name", "appId"} <= set(client.pages.list().columns)
        True
    """

    _path = "/api/v1/page"
    _kind = "page"


class Features(TaggedObjects):
    """``client.features``: tagged features (``/api/v1/feature``).

    Example:
        >>> client.features.list()["name"][:2].to_list()
        ['Nav: Dashboard', 'Nav: Reports']
    """

    _path = "/api/v1/feature"
    _kind = "feature"


class TrackTypes(TaggedObjects):
    """``client.track_types``: track event types (``/api/v1/tracktype``).

    Example:
        >>> "Report Exported" in client.track_types.list()["name"].to_list()
        True
    """

    _path = "/api/v1/tracktype"
    _kind = "track type"
