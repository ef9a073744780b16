"""Public visitor and account reports: ``/api/v1/report`` and their results as JSON or CSV.

Path, funnel and Data Explorer reports appear in the list, but Pendo does not return their
contents (asking gives :class:`~pendo_lab.NotFoundError` or an error from Pendo).

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> reports = client.reports.list()
    >>> {"id", "name", "kind"} <= set(reports.columns)
    True
"""

from __future__ import annotations

from typing import Any

from .._exceptions import ValidationError
from .._http import Call
from ._base import Resource, id_segment

PATH = "/api/v1/report"
FORMATS = ("json", "csv")


class Reports(Resource):
    """``client.reports``: list public reports and read their results.

    Example:
        >>> {"id", "name", "kind"} <= set(client.reports.list().columns)
        True
    """

    def list(self, *, frame: str | None = None) -> Any:
        """Every public report of the subscription, as a frame (``GET /api/v1/report``).

        Example:
            >>> client.reports.list()["createdAt"].dtype.time_zone == client.timezone
            True
        """
        return self._run(Call("GET", PATH, parse=self._json_frame(frame)))

    def results(self, report_id: str, *, format: str = "json", frame: str | None = None) -> Any:
        """A visitor or account report's rows as a frame, fetched as ``results.json`` or ``.csv``.

        JSON keeps nested values (metadata objects become struct columns) and turns
        epoch-millisecond fields into datetimes; CSV gives the columns as the Pendo UI exports
        them, with types inferred.

        Example:
            >>> report_id = client.reports.list()["id"][0]
            >>> client.reports.results(report_id, format="csv").height >= 0
            True
        """
        path = f"{PATH}/{id_segment(report_id, 'report ids')}/results.{format}"
        if format not in FORMATS:
            raise ValidationError(f"format={format!r} is not supported: use 'json' or 'csv'")
        parse = self._json_frame(frame) if format == "json" else self._csv_frame(frame)
        return self._run(Call("GET", path, parse=parse))
