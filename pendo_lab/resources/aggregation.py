"""The Aggregation API: ``POST /api/v1/aggregation``.

A request may be a :class:`~pendo_lab.Pipeline`, a dict (the full envelope, or just
``{"pipeline": [...]}``), a list of stages, or JSON text as Pendo's documentation shows it
(``//`` comments and trailing commas accepted).

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> client.aggregation.run('''{"request": {"pipeline": [
    ...     {"source": {"pages": null}},   // every tagged page
    ...     {"count": null}]}}''')["count"][0] > 0
    True
"""

from __future__ import annotations

from typing import Any

from .._frames import json_to_frame
from .._http import Call, parse_json
from ..pipeline import Pipeline
from ._base import Resource

PATH = "/api/v1/aggregation"


def to_envelope(request: Any, *, validate: bool = True) -> dict:
    """The documented request envelope for any accepted form of request, validated.

    Example:
        >>> to_envelope([{"source": {"pages": None}}])["response"]
        {'mimeType': 'application/json'}
    """
    return Pipeline.from_json(request).to_request(validate=validate)


class Aggregation(Resource):
    """``client.aggregation``: run aggregation pipelines."""

    def run(self, request: Any, *, frame: str | None = None, details: bool = False) -> Any:
        """Run a request and return its ``results`` rows as a frame.

        Example:
            >>> client.aggregation.run([{"source": {"pages": None}}]).height > 0
            True
        """
        timezone = self._client.timezone
        kind = self._frame_kind(frame)
        return self._run(self._call(request, details, lambda response: json_to_frame(
            response.content, key="results", frame=kind, timezone=timezone)))

    def raw(self, request: Any, *, details: bool = False) -> dict:
        """The response envelope as Python objects: ``{"startTime", "results", ...}``.

        Example:
            >>> envelope = client.aggregation.raw([{"source": {"pages": None}}])
            >>> len(envelope["results"]) > 0
            True
        """
        return self._run(self._call(request, details, parse_json))

    def _call(self, request, details, parse) -> Call:
        params = {"details": "true"} if details else None
        return Call("POST", PATH, params=params, json=to_envelope(request), idempotent=True,
                    parse=parse)
