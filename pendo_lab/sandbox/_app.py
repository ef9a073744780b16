"""The sandbox's request handling: routes, keys, Pendo-style errors, fault injection.

Handlers live in ``sandbox/handlers/<folder>.py``, mirroring ``resources/<folder>.py``; each
registers its routes with :func:`route`. A handler takes the :class:`SandboxRequest` and the
sandbox state and returns a body (dict, list, str or bytes) or a :class:`Reply`; it raises
:class:`SandboxHTTPError` for an error status. :class:`App` adds what every Pendo endpoint
does: key checks, read-only keys, injected faults, and JSON error bodies ``{"message": ...}``.

Example:
    >>> App.routes_for("GET", "/api/v1/token/verify") is not None
    True
"""

from __future__ import annotations

import logging
import pkgutil
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any
from urllib.parse import parse_qsl

import orjson

#: The sandbox's keys: documented constants, since the sandbox guards no real data.
READ_WRITE_KEY = "sandbox-read-write"
READ_ONLY_KEY = "sandbox-read-only"
TRACK_SECRET = "sandbox-track-secret"
KEY_HEADER = "x-pendo-integration-key"
B64_HEADER = "x-pendo-base64-encoded-params"

logger = logging.getLogger("pendo_lab.sandbox")



@dataclass
class SandboxRequest:
    """One request as the handlers see it: method, path, query, headers, body, path groups."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    read_only: bool = False

    def json(self) -> Any:
        """The body as JSON, or a 400 naming the problem."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise SandboxHTTPError(400, f"request body is not valid JSON: {exc.msg}") from None


@dataclass
class Reply:
    """A handler's answer when it needs a status, headers or a non-JSON content type."""

    body: Any
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class SandboxHTTPError(Exception):
    """Raised by handlers: answered as ``status`` with ``{"message": message}``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class DroppedConnection(Exception):
    """A fault: the connection is cut without an answer."""


@dataclass(frozen=True)
class Faults:
    """Injected faults for resilience tests, reproducible from ``seed``.

    Each request, in order of arrival, first waits ``latency`` seconds, then with probability
    ``drop_rate`` has its connection cut, ``rate_429`` gets a 429 with ``Retry-After:
    retry_after``, ``rate_5xx`` gets a 503; otherwise it is answered normally.

    Example:
        >>> Faults(rate_429=1.0).pick(random.Random(0))
        429
    """

    latency: float = 0.0
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    drop_rate: float = 0.0
    retry_after: float = 1.0
    seed: int = 0

    def pick(self, rng: random.Random) -> int | str | None:
        """The fault for the next request: 429, 503, "drop" or None.

        Example:
            >>> Faults(rate_5xx=0.5).pick(random.Random(1)), Faults().pick(random.Random(1))
            (503, None)
        """
        roll = rng.random()
        for outcome, rate in (("drop", self.drop_rate), (429, self.rate_429), (503, self.rate_5xx)):
            if roll < rate:
                return outcome
            roll -= rate
        return None


Handler = Callable[[SandboxRequest, Any], Any]
_ROUTES: list[tuple[str, re.Pattern, Handler, bool]] = []
_BEFORE_EACH: list[Callable[[Any], None]] = []
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def route(method: str, pattern: str, *, writes: bool | None = None) -> Callable[[Handler], Handler]:
    """Register a handler for ``method`` and a path pattern with ``{name}`` placeholders.

    ``writes`` marks whether the read-only key is refused (default: every method but GET;
    the aggregation POST passes ``writes=False``).

    Example:
        >>> @route("GET", "/api/v1/example/{id}")
        ... def example(request, state):
        ...     return {"id": request.params["id"]}
    """
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
    is_write = method in _WRITE_METHODS if writes is None else writes

    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, regex, handler, is_write))
        return handler

    return register


def before_each(function: Callable[[Any], None]) -> Callable[[Any], None]:
    """Register ``function(state)`` to run before every request (e.g. to advance jobs), so that
    every endpoint, the aggregation included, sees background work that has completed.
    """
    _BEFORE_EACH.append(function)
    return function


class App:
    """Dispatches requests to handlers under one lock, so state changes are consistent."""

    def __init__(self, state: Any, faults: Faults | None = None):
        self.state = state
        self.faults = faults or Faults()
        self._rng = random.Random(self.faults.seed)
        self.lock = threading.RLock()

    @staticmethod
    def routes_for(method: str, path: str) -> tuple[Handler, dict[str, str], bool] | None:
        """The handler, path groups and write flag for a request, or None."""
        _load_handlers()
        for route_method, regex, handler, writes in _ROUTES:
            match = regex.match(path)
            if match and route_method == method:
                return handler, match.groupdict(), writes
        return None

    def handle(self, request: SandboxRequest) -> tuple[int, dict[str, str], bytes]:
        """Answer a request: (status, headers, body bytes); raises :class:`DroppedConnection`.

        The caller waits ``faults.latency`` first (with ``time.sleep`` or ``asyncio.sleep``).
        A handler's unexpected exception is a 500 ``{"message"}`` (logged with its traceback
        on the ``pendo_lab.sandbox`` logger), as a server would answer it.
        """
        with self.lock:
            fault = self.faults.pick(self._rng)
        if fault == "drop":
            raise DroppedConnection(request.path)
        try:
            if fault == 429:
                raise SandboxHTTPError(429, "too many requests: slow down",
                                       {"retry-after": f"{self.faults.retry_after:g}"})
            if fault == 503:
                raise SandboxHTTPError(503, "service unavailable (injected fault)")
            reply = self._dispatch(request)
        except SandboxHTTPError as exc:
            reply = Reply({"message": exc.message}, exc.status, headers=exc.headers)
        except Exception as exc:  # noqa: BLE001 - a bug in a handler must not kill the server
            logger.exception("%s %s failed", request.method, request.path)
            reply = Reply({"message": f"sandbox error: {type(exc).__name__}: {exc}"}, 500)
        return reply.status, {"content-type": reply.content_type, **reply.headers}, _encode(reply)

    def _dispatch(self, request: SandboxRequest) -> Reply:
        found = self.routes_for(request.method, request.path)
        if found is None:
            known = any(regex.match(request.path) for _, regex, _, _ in _ROUTES)
            if known:
                raise SandboxHTTPError(405, f"{request.method} is not supported on {request.path}")
            raise SandboxHTTPError(404, f"no such endpoint: {request.path}")
        handler, params, writes = found
        key = request.headers.get(KEY_HEADER)
        is_track = request.path == "/data/track"
        valid = {TRACK_SECRET} if is_track else {READ_WRITE_KEY, READ_ONLY_KEY}
        if key not in valid and request.path != "/api/v1/token/verify":
            raise SandboxHTTPError(401, "no valid integration key provided")
        request.read_only = key == READ_ONLY_KEY
        if writes and request.read_only:
            raise SandboxHTTPError(403, "this integration key is read-only: writes are refused")
        request.params = params
        with self.lock:
            for function in _BEFORE_EACH:
                function(self.state)
            result = handler(request, self.state)
        return result if isinstance(result, Reply) else Reply(result)


def _encode(reply: Reply) -> bytes:
    if isinstance(reply.body, bytes):
        return reply.body
    if isinstance(reply.body, str):
        return reply.body.encode()
    return orjson.dumps(reply.body)


def parse_query(query: str | bytes) -> dict[str, str]:
    """A query string as a dict (last value wins).

    Example:
        >>> parse_query("id=a%2Cb&expand=*")
        {'id': 'a,b', 'expand': '*'}
    """
    if isinstance(query, bytes):
        query = query.decode()
    return dict(parse_qsl(query, keep_blank_values=True))


_loaded = False


def _load_handlers() -> None:
    """Import every module of ``sandbox/handlers`` once, registering its routes."""
    global _loaded
    if not _loaded:
        from . import handlers

        for module in pkgutil.iter_modules(handlers.__path__):
            import_module(f"{handlers.__name__}.{module.name}")
        _loaded = True
