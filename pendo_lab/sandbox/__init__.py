"""The embedded Pendo sandbox: a synthetic subscription behind the whole API.

Everything pendo_lab does runs on it with no Pendo account: in process (an httpx transport,
the default) or as a real HTTP server on 127.0.0.1. Its keys are documented constants:
:data:`READ_WRITE_KEY` and :data:`READ_ONLY_KEY` (and :data:`TRACK_SECRET` for track events).

Example:
    >>> box = Sandbox(seed=1, now="2026-11-02T12:00:00Z")
    >>> client = box.client()
    >>> client.aggregate([{"source": {"visitors": None}}, {"count": None}])["count"][0] == \
box.tables["visitors"].height
    True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from ._app import READ_ONLY_KEY, READ_WRITE_KEY, TRACK_SECRET, App, Faults
from ._state import SandboxState
from ._synth import SandboxConfig
from ._transport import SandboxTransport

__all__ = ["READ_ONLY_KEY", "READ_WRITE_KEY", "TRACK_SECRET", "Faults", "Sandbox", "SandboxConfig"]

#: The base URL of in-process clients: never resolved, the transport answers.
IN_PROCESS_URL = "https://sandbox.invalid"


class Sandbox:
    """A synthetic Pendo subscription with a stateful emulator of the API in front of it.

    ``seed`` and ``now`` (a datetime, ISO text, or None for the real clock) fix the data;
    ``preset="large"`` builds at least a million raw events; other keyword arguments override
    :class:`SandboxConfig` fields (``days``, ``timezone``, sizes). ``faults`` injects latency
    and errors; ``state_dir`` keeps state (tables, jobs, ids, the clock) across restarts: a
    sandbox on a used directory carries on from it, whatever ``seed`` and ``now`` say;
    ``job_seconds`` is how long an uploaded segment stays Pending and then in Progress.

    Example:
        >>> Sandbox(days=30).config.days
        30
    """

    def __init__(self, seed: int = 0, *, now: datetime | str | None = None, preset: str = "small",
                 faults: Faults | None = None, state_dir: str | Path | None = None,
                 job_seconds: float = 1.0, **config: Any):
        base = SandboxConfig.large() if preset == "large" else SandboxConfig()
        if preset not in ("small", "large"):
            raise ValueError(f"unknown preset {preset!r}: use 'small' or 'large'")
        if isinstance(now, str):
            now = datetime.fromisoformat(now.replace("Z", "+00:00"))
        config = dataclasses.replace(base, seed=seed, now=now, **config).with_clock()
        self.state = SandboxState(config, state_dir=state_dir, job_seconds=job_seconds)
        self.config = self.state.config
        self.app = App(self.state, faults)

    def __repr__(self) -> str:
        return (f"Sandbox(seed={self.config.seed}, days={self.config.days}, "
                f"timezone={self.config.timezone!r}, visitors={self.tables['visitors'].height})")

    @property
    def tables(self) -> dict:
        """The raw, ungrouped data as named Polars frames (see docs/sandbox-data.md).

        Example:
            >>> {"visitors", "accounts", "events", "guide_events"} <= set(Sandbox().tables)
            True
        """
        return self.state.tables

    @property
    def timezone(self) -> str:
        """The subscription timezone.

        Example:
            >>> Sandbox(timezone="Europe/Paris").timezone
            'Europe/Paris'
        """
        return self.config.timezone

    def transport(self) -> SandboxTransport:
        """An httpx transport (sync and async) answering from this sandbox.

        Example:
            >>> import httpx
            >>> key = {"x-pendo-integration-key": READ_WRITE_KEY}
            >>> with httpx.Client(transport=Sandbox().transport()) as http:
            ...     http.get("https://sandbox.invalid/api/v1/page", headers=key).status_code
            200
        """
        return SandboxTransport(self.app)

    def client(self, *, read_only: bool = False, **kwargs: Any):
        """A :class:`~pendo_lab.Pendo` client on this sandbox, in process.

        Example:
            >>> Sandbox().client(read_only=True).verify()["write"]
            False
        """
        from .._client import Pendo

        return self._client(Pendo, read_only, kwargs)

    def async_client(self, *, read_only: bool = False, **kwargs: Any):
        """An :class:`~pendo_lab.AsyncPendo` client on this sandbox, in process.

        Example:
            >>> import asyncio
            >>> asyncio.run(Sandbox().async_client().verify())["valid"]
            True
        """
        from .._client import AsyncPendo

        return self._client(AsyncPendo, read_only, kwargs)

    def _client(self, cls, read_only, kwargs):
        kwargs.setdefault("base_url", IN_PROCESS_URL)
        kwargs.setdefault("timezone", self.timezone)
        kwargs.setdefault("track_secret", TRACK_SECRET)
        if kwargs["base_url"] == IN_PROCESS_URL:
            kwargs.setdefault("transport", self.transport())
        client = cls(READ_ONLY_KEY if read_only else READ_WRITE_KEY, **kwargs)
        client.is_sandbox = True
        return client

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[str]:
        """Serve this sandbox over HTTP on 127.0.0.1; yields the base URL.

        Example:
            >>> from pendo_lab import Pendo
            >>> box = Sandbox()
            >>> with box.serve() as url:
            ...     box.client(base_url=url).verify()["valid"]
            True
        """
        from ._server import serve

        with serve(self.app, port) as url:
            yield url
