"""The clients: :class:`Pendo` (sync) and :class:`AsyncPendo` (async), and :func:`connect`.

Both have the same resources, as cached properties (``client.pages``, ``client.segments``,
...), and the same methods; on :class:`AsyncPendo` every method returns a coroutine.

Example:
    >>> client = Pendo.sandbox()
    >>> client.verify()["valid"]
    True
"""

from __future__ import annotations

import logging
from importlib import import_module
from functools import cached_property
from typing import Any

import httpx

from . import _config
from ._exceptions import ConfigurationError
from ._frames import check_frame_kind
from ._http import AsyncCore, Call, RetryPolicy, SyncCore

logger = logging.getLogger("pendo_lab")


def _resource(module: str, name: str, doc: str) -> cached_property:
    """A cached property creating ``pendo_lab.resources.<module>.<name>(client)`` on first use."""

    def get(self):
        return getattr(import_module(f"pendo_lab.resources.{module}"), name)(self)

    get.__doc__ = doc
    get.__name__ = name
    return cached_property(get)


class _ClientBase:
    """Configuration and resources shared by :class:`Pendo` and :class:`AsyncPendo`."""

    _core_class: type

    def __init__(self, integration_key: str | None = None, *, region: str | None = None,
                 base_url: str | None = None, track_secret: str | None = None,
                 timezone: str | None = None, timeout: float | httpx.Timeout = 60.0,
                 retry: RetryPolicy | None = None, transport: Any = None, frame: str = "polars"):
        key = _config.integration_key(integration_key)
        if not key:
            raise ConfigurationError(
                "no Pendo integration key: pass integration_key= or set PENDO_INTEGRATION_KEY "
                "(or use pendo_lab.connect() / Pendo.sandbox() for the synthetic sandbox)"
            )
        self.hosts = _config.resolve_hosts(region, base_url)
        self.timezone = _config.timezone_name(timezone)
        self.frame = check_frame_kind(frame)
        self.is_sandbox = False
        self._core = self._core_class(
            self.hosts, key, track_secret=_config.track_secret(track_secret), timeout=timeout,
            retry=retry or RetryPolicy(), transport=transport,
        )

    def __repr__(self) -> str:
        label = ", sandbox" if self.is_sandbox else ""
        return f"{type(self).__name__}(base_url={self.hosts.api!r}, key=set{label})"

    def _repr_html_(self) -> str:
        if self.is_sandbox:
            note = ("<b>Sandbox</b>: synthetic data from the embedded Pendo emulator, "
                    "not your subscription.")
        else:
            note = f"Connected to <code>{self.hosts.api}</code>."
        return f"<div><code>{type(self).__name__}</code> &mdash; {note}</div>"

    @classmethod
    def sandbox(cls, **kwargs: Any):
        """A client of this class on a new :class:`~pendo_lab.Sandbox` (``Sandbox(**kwargs)``).

        Example:
            >>> Pendo.sandbox(seed=1).is_sandbox
            True
        """
        from .sandbox import Sandbox

        box = Sandbox(**kwargs)
        return box.async_client() if cls is AsyncPendo else box.client()

    def verify(self) -> Any:
        """Whether the key is valid and may write: ``{"valid": bool, "write": bool, ...}``.

        Calls ``GET /api/v1/token/verify``; an invalid key gives ``valid: False`` (Pendo answers
        403) rather than an exception.

        Example:
            >>> Pendo.sandbox().verify()["write"]
            True
        """
        return self._core.run(_verify_plan())

    pages = _resource("pages", "Pages", "Tagged pages (``/api/v1/page``).")
    features = _resource("pages", "Features", "Tagged features (``/api/v1/feature``).")
    track_types = _resource("pages", "TrackTypes", "Track event types (``/api/v1/tracktype``).")
    track = _resource("track", "Track", "Send track events (``/data/track`` on the data host).")
    visitors = _resource("visitors", "Visitors", "Visitors and their history.")
    accounts = _resource("visitors", "Accounts", "Accounts.")
    bulk_delete = _resource("bulk_delete", "BulkDelete", "Bulk deletion of visitors and accounts.")
    segments = _resource("segments", "Segments", "Segments: upload, update, PATCH, export.")
    reports = _resource("reports", "Reports", "Public visitor and account reports.")
    guides = _resource("guides", "Guides", "Guides: history, resets, experiments, XLIFF.")
    metadata = _resource("metadata", "Metadata", "Metadata schema, values and fields.")
    datasync = _resource("datasync", "DataSync", "Data Sync destination credentials.")
    feedback = _resource("feedback", "Feedback", "Feedback (Pendo Listen) items.")
    aggregation = _resource("aggregation", "Aggregation", "The Aggregation API.")

    def aggregate(self, request: Any, **kwargs: Any) -> Any:
        """Run an aggregation; the result is a frame. See :meth:`Aggregation.run`.

        Example:
            >>> client = Pendo.sandbox()
            >>> client.aggregate({"request": {"pipeline": [{"source": {"pages": None}}]}}).height > 0
            True
        """
        return self.aggregation.run(request, **kwargs)

    def aggregate_to_parquet(self, request: Any, path: Any, **kwargs: Any) -> Any:
        """Stream a pull, window by window, into a resumable Parquet dataset at ``path``.

        See :meth:`Aggregation.to_parquet`; returns a lazy frame over the dataset.

        Example:
            >>> import tempfile
            >>> events = {"source": {"events": None, "timeSeries": {
            ...     "period": "dayRange", "first": "now()", "count": -3}}}
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     lazy = client.aggregate_to_parquet([events], folder, chunk="1d",
            ...                                        progress=False)
            ...     lazy.collect().height > 0
            True
        """
        return self.aggregation.to_parquet(request, path, **kwargs)


def _verify_plan():
    from ._exceptions import PermissionDeniedError

    try:
        body = yield Call("GET", "/api/v1/token/verify")
    except PermissionDeniedError as exc:
        return {"valid": False, "write": False, "message": exc.message}
    body = body if isinstance(body, dict) else {}
    return {"valid": True, "write": bool(body.get("write", body.get("canWrite", False))), **body}


class Pendo(_ClientBase):
    """The synchronous Pendo client.

    ``integration_key`` falls back to ``PENDO_INTEGRATION_KEY``; ``region`` (us, eu, us1, jpn,
    au) to ``PENDO_REGION``; ``base_url`` to ``PENDO_BASE_URL``; ``track_secret`` to
    ``PENDO_TRACK_SECRET``; ``timezone`` (the subscription's, for time columns) to
    ``PENDO_TIMEZONE`` or UTC. ``transport`` is any httpx transport (tests, the sandbox).
    ``frame`` is the default result kind, ``"polars"`` or ``"pandas"``.

    Example:
        >>> with Pendo.sandbox() as client:
        ...     client.pages.list().height > 0
        True
    """

    _core_class = SyncCore

    def close(self) -> None:
        """Close the HTTP connections (``with Pendo(...) as client:`` closes them for you).

        Example:
            >>> client.close()
        """
        self._core.close()

    def __enter__(self) -> Pendo:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class AsyncPendo(_ClientBase):
    """The asynchronous Pendo client: :class:`Pendo`'s methods, each returning a coroutine.

    Example:
        >>> import asyncio
        >>> async def main():
        ...     async with AsyncPendo.sandbox() as client:
        ...         return (await client.pages.list()).height > 0
        >>> asyncio.run(main())
        True
    """

    _core_class = AsyncCore

    async def close(self) -> None:
        """Close the HTTP connections (``async with`` closes them for you).

        Example:
            >>> import asyncio
            >>> asyncio.run(AsyncPendo.sandbox().close())
        """
        await self._core.close()

    async def __aenter__(self) -> AsyncPendo:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()


def connect(**kwargs: Any) -> Pendo:
    """A real client when a key is configured, otherwise the sandbox (and it says so).

    Keyword arguments go to :class:`Pendo` (with a key) or to :class:`~pendo_lab.Sandbox`.

    Example:
        >>> import os
        >>> "PENDO_INTEGRATION_KEY" in os.environ or connect().is_sandbox
        True
    """
    if _config.integration_key(kwargs.get("integration_key")):
        return Pendo(**kwargs)
    logger.warning("pendo_lab: no PENDO_INTEGRATION_KEY set; using the embedded sandbox "
                   "(synthetic data, not your subscription)")
    kwargs.pop("integration_key", None)
    return Pendo.sandbox(**kwargs)
