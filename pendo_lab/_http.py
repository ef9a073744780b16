"""The one I/O seam: request building, retries, status -> exception, key masking.

Resource methods never do I/O themselves. They describe a request as a :class:`Call`, or a
sequence of requests as a *plan*: a generator that yields :class:`Call` (and :class:`Sleep`)
steps and receives each parsed result back; a :class:`~pendo_lab.PendoError` from a step is
thrown into the plan instead. A plan may also yield :class:`Parallel` to run several plans at
once. :class:`SyncCore` and :class:`AsyncCore` run the same plans over an httpx transport, so
every endpoint is written once and works both sync and async (the async core returns a
coroutine).

Example:
    >>> import httpx
    >>> def handler(request):
    ...     return httpx.Response(200, json=[{"id": "p1"}])
    >>> core = SyncCore(Hosts("https://app.pendo.io", "https://data.pendo.io"), "secret",
    ...                 transport=httpx.MockTransport(handler))
    >>> core.run(Call("GET", "/api/v1/page"))
    [{'id': 'p1'}]
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import random
import re
import time
from email.utils import parsedate_to_datetime
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union
from urllib.parse import quote

import httpx
import msgspec
import orjson
import polars as pl

from ._config import Hosts
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    InvalidResponseError,
    PendoError,
    RateLimitError,
    ValidationError,
    error_for_status,
)

logger = logging.getLogger("pendo_lab")

KEY_HEADER = "x-pendo-integration-key"
B64_HEADER = "x-pendo-base64-encoded-params"
USER_AGENT = "pendo-lab/0.1"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

T = TypeVar("T")


def parse_json(response: httpx.Response) -> Any:
    """The response body as Python objects (None for an empty body)."""
    return orjson.loads(response.content) if response.content.strip() else None


@dataclass(frozen=True)
class Call:
    """One HTTP request, described without doing it.

    ``host`` picks the API host or the data host (track events); ``auth`` picks the integration
    key or the track-event secret; ``idempotent`` overrides the method's default (a read-only
    POST such as an aggregation may be retried like a GET); ``parse`` turns the response into
    the result.

    Example:
        >>> Call("GET", "/api/v1/page", params={"expand": "*"}).method
        'GET'
    """

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    host: str = "api"
    auth: str = "key"
    idempotent: bool | None = None
    parse: Callable[[httpx.Response], Any] = parse_json

    @property
    def retry_safe(self) -> bool:
        """Whether a failure after sending may be retried (the server may have acted)."""
        return self.method in IDEMPOTENT_METHODS if self.idempotent is None else self.idempotent


@dataclass(frozen=True)
class Sleep:
    """A pause inside a plan (polling); the core sleeps with ``time.sleep`` or ``asyncio.sleep``."""

    seconds: float


def check_concurrency(value: Any) -> int:
    """``value`` if it is a positive integer; a ValidationError otherwise.

    Example:
        >>> check_concurrency(4)
        4
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"concurrency must be a positive integer, got {value!r}")
    return value


@dataclass(frozen=True)
class Parallel:
    """Several plans (or calls) run at once inside a plan, at most ``concurrency`` together.

    The plan receives their results in order; when one fails, the others are cancelled and the
    first :class:`~pendo_lab.PendoError` is thrown into the plan. The sync core runs them on a
    thread pool sharing its ``httpx.Client``, the async core as tasks on the running loop. With
    ``progress``, more than one plan shows a ``tqdm.auto`` bar named ``label`` (a widget in
    notebooks, text in terminals).

    Example:
        >>> import httpx
        >>> core = SyncCore(Hosts("https://x.invalid", "https://x.invalid"), "key",
        ...     transport=httpx.MockTransport(lambda r: httpx.Response(200, json=r.url.path)))
        >>> def both():
        ...     first, second = yield Parallel([Call("GET", "/a"), Call("GET", "/b")])
        ...     return first + second
        >>> core.run(both())
        '/a/b'
        >>> Parallel([], concurrency=0)
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: concurrency must be a positive integer, got 0
    """

    plans: Sequence[Step | Plan]
    concurrency: int = 4
    progress: bool = False
    label: str = "plans"

    def __post_init__(self):
        check_concurrency(self.concurrency)

    def bar(self):
        """The progress bar over the plans (disabled when quiet)."""
        from tqdm.auto import tqdm

        return tqdm(total=len(self.plans), desc=self.label, unit="plan",
                    disable=not self.progress)


Step = Union[Call, Sleep, Parallel]
Plan = Generator[Step, Any, T]


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before retrying.

    429 and 5xx answers, connection failures and timeouts are retried with exponential backoff
    (``backoff`` seconds first, doubling up to ``max_backoff``) and up to ``jitter`` x extra
    random delay; a ``Retry-After`` header is honoured. Pendo asks for one second or more
    between retries, hence the default ``backoff=1.0``. Retrying stops after ``max_attempts``
    tries in all or when the next wait would pass ``total_timeout`` seconds since the first.
    A write that is not idempotent is retried only when the server provably did not act on it:
    a 429 answer, or a connection that was never made.

    Example:
        >>> policy = RetryPolicy(max_attempts=3, jitter=0)
        >>> [policy.delay(attempt) for attempt in range(1, policy.max_attempts)]  # between tries
        [1.0, 2.0]
    """

    max_attempts: int = 5
    backoff: float = 1.0
    max_backoff: float = 30.0
    total_timeout: float = 300.0
    jitter: float = 0.25

    def __post_init__(self):
        if self.max_attempts < 1:
            raise ConfigurationError("RetryPolicy.max_attempts must be at least 1")
        if self.backoff < 0 or self.max_backoff < 0 or self.jitter < 0:
            raise ConfigurationError("RetryPolicy delays and jitter must not be negative")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based).

        Example:
            >>> RetryPolicy(jitter=0).delay(3)
            4.0
            >>> RetryPolicy(jitter=0).delay(10)  # capped at max_backoff
            30.0
            >>> RetryPolicy().delay(1, retry_after=7.5)  # the server's Retry-After wins
            7.5
        """
        if retry_after is not None:
            return retry_after
        base = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return base * (1 + self.jitter * random.random())


NO_RETRY = RetryPolicy(max_attempts=1)

_SAFE_ID = re.compile(r"[A-Za-z0-9._~@+:=,;!$&'()*-]+")


def path_id(value: object) -> tuple[str, bool]:
    """An id as a path segment, and whether it was sent in the ``b64_`` form.

    Ids that proxies mangle (slash, percent, backslash, whitespace, non-ASCII, ``?``, ``#``)
    become ``b64_`` + URL-safe base64, sent with the ``x-pendo-base64-encoded-params`` header.

    Example:
        >>> path_id("visitor-1")
        ('visitor-1', False)
        >>> path_id("a/b c")
        ('b64_YS9iIGM=', True)
    """
    text = str(value)
    if not text:
        raise ValidationError("an id must not be empty")
    if _SAFE_ID.fullmatch(text):
        return quote(text, safe=""), False
    return "b64_" + base64.urlsafe_b64encode(text.encode()).decode(), True


def segment(value: object) -> str:
    """A plain URL-encoded path segment (for paths without a ``b64_`` form).

    Example:
        >>> segment("a/b")
        'a%2Fb'
    """
    text = str(value)
    if not text:
        raise ValidationError("a path segment must not be empty")
    return quote(text, safe="")


def _server_message(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text.strip()[:500]
    if isinstance(body, dict):
        for name in ("message", "error", "text", "detail"):
            if isinstance(body.get(name), str):
                return body[name]
    return str(body)[:500]


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header, in either form (seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _status_error(call: Call, response: httpx.Response, secrets: tuple[str, ...]) -> APIStatusError:
    cls = error_for_status(response.status_code)
    args = (call.method, call.path, response.status_code,
            mask(_server_message(response), secrets))
    if cls is RateLimitError:
        return RateLimitError(*args, retry_after=_retry_after(response))
    return cls(*args)


def mask(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced by ``***`` (a server may echo the key back).

    Example:
        >>> mask("bad key k-123", ("k-123",))
        'bad key ***'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class _Core:
    """What the sync and async cores share: headers, URLs, the retry decision, logging."""

    def __init__(self, hosts: Hosts, key: str | None, *, track_secret: str | None = None,
                 timeout: float | httpx.Timeout = 60.0, retry: RetryPolicy = RetryPolicy()):
        self.hosts = hosts
        self._key = key
        self._track_secret = track_secret
        self.timeout = timeout
        self.retry = retry

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.hosts.api} key={'set' if self._key else 'unset'}>"

    def key_fingerprint(self) -> str:
        """A short SHA-256 hex of the integration key: tells keys apart without revealing one.

        Example:
            >>> core = _Core(Hosts("https://app.pendo.io", "https://data.pendo.io"), "secret")
            >>> fingerprint = core.key_fingerprint()
            >>> len(fingerprint), "secret" in fingerprint
            (16, False)
        """
        return hashlib.sha256((self._key or "").encode()).hexdigest()[:16]

    def _request(self, http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
        secret = self._track_secret if call.auth == "track" else self._key
        if not secret:
            what = "PENDO_TRACK_SECRET (or track_secret=)" if call.auth == "track" else \
                "PENDO_INTEGRATION_KEY (or integration_key=)"
            raise ConfigurationError(f"{call.method} {call.path} needs a key: set {what}")
        headers = {KEY_HEADER: secret, "user-agent": USER_AGENT, **call.headers}
        content = call.content
        if call.json is not None:
            content = orjson.dumps(call.json)
            headers.setdefault("content-type", "application/json")
        base = self.hosts.data if call.host == "data" else self.hosts.api
        return http.build_request(call.method, base + call.path, params=call.params,
                                  content=content, headers=headers)

    def _outcome(self, call: Call, response: httpx.Response | None,
                 error: httpx.HTTPError | None) -> tuple[Exception | None, bool, float | None]:
        """(error to raise or None, may retry, Retry-After seconds) for one try."""
        secrets = (self._key or "", self._track_secret or "")
        if error is not None:
            never_sent = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
            cls = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
            exc = cls(call.method, call.path, mask(f"{type(error).__name__}: {error}", secrets))
            return exc, never_sent or call.retry_safe, None
        if response.is_success:
            return None, False, None
        exc = _status_error(call, response, secrets)
        if response.status_code == 429:
            return exc, True, exc.retry_after
        return exc, response.status_code >= 500 and call.retry_safe, _retry_after(response)

    @staticmethod
    def _parse(call: Call, response: httpx.Response) -> Any:
        try:
            return call.parse(response)
        except (orjson.JSONDecodeError, msgspec.DecodeError, pl.exceptions.PolarsError) as exc:
            raise InvalidResponseError(call.method, call.path, response.status_code,
                                       f"{type(exc).__name__}: {exc}") from None

    def _attempts(self, call: Call) -> Generator[Any, Any, Any]:
        """One call with its retries, as primitive steps: ``_Transmit`` and :class:`Sleep`.

        Each try is logged with the time since the first try (waits included) as ``duration``.
        """
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            response, error = yield _Transmit(call)
            failure, retryable, retry_after = self._outcome(call, response, error)
            status = response.status_code if response is not None else type(error).__name__
            duration = time.monotonic() - started
            logger.info("%s %s -> %s in %.3fs (retries=%d)", call.method, call.path, status,
                        duration, attempt - 1, extra={"method": call.method, "path": call.path,
                        "status": status, "duration": duration, "retries": attempt - 1})
            if failure is None:
                return self._parse(call, response)
            delay = None
            if retryable and attempt < self.retry.max_attempts:
                delay = self.retry.delay(attempt, retry_after)
                if time.monotonic() - started + delay > self.retry.total_timeout:
                    delay = None
            if delay is None:
                raise failure
            yield Sleep(delay)

    def _steps(self, plan: Step | Plan[T]) -> Generator[Any, Any, Any]:
        """A plan expanded into primitive steps: ``_Transmit``, :class:`Sleep` and
        :class:`Parallel`, each answered with ``(result, error)``; a failure is thrown into
        the plan. A single step is a plan of one step."""
        if isinstance(plan, (Call, Sleep, Parallel)):
            plan = _one(plan)
        result = failure = None
        while True:
            try:
                step = plan.send(result) if failure is None else plan.throw(failure)
            except StopIteration as stop:
                return stop.value
            result = failure = None
            if isinstance(step, Call):
                try:
                    result = yield from self._attempts(step)
                except PendoError as exc:
                    failure = exc
            else:
                result, failure = yield step


def _one(step: Step) -> Plan:
    """A plan of one step."""
    return (yield step)


@dataclass(frozen=True)
class _Transmit:
    call: Call


class SyncCore(_Core):
    """Runs calls and plans with an ``httpx.Client``."""

    def __init__(self, hosts: Hosts, key: str | None, *, transport: httpx.BaseTransport | None = None,
                 **kwargs):
        super().__init__(hosts, key, **kwargs)
        self.http = httpx.Client(transport=transport, timeout=self.timeout)

    def close(self) -> None:
        self.http.close()

    def run(self, plan: Step | Plan[T]) -> Any:
        """Run a single step, or a plan, to completion and return its result."""
        steps = self._steps(plan)
        outcome = None
        try:
            while True:
                outcome = self._perform(steps.send(outcome))
        except StopIteration as stop:
            return stop.value

    def _perform(self, step: Any) -> tuple[Any, Exception | None]:
        """One primitive step done: ``(result, error)``."""
        if isinstance(step, Sleep):
            return time.sleep(step.seconds), None
        if isinstance(step, Parallel):
            try:
                return self._parallel(step), None
            except PendoError as exc:
                return None, exc
        try:
            return self.http.send(self._request(self.http, step.call)), None
        except httpx.HTTPError as exc:
            return None, exc

    def _parallel(self, step: Parallel) -> list:
        """The plans' results, from a thread pool (``httpx.Client`` may be shared by threads)."""
        if len(step.plans) < 2:
            return [self.run(plan) for plan in step.plans]
        with step.bar() as bar, \
                ThreadPoolExecutor(min(step.concurrency, len(step.plans)), "pendo-lab") as pool:
            futures = [pool.submit(self.run, plan) for plan in step.plans]
            try:
                for future in as_completed(futures):
                    future.result()
                    bar.update()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
            return [future.result() for future in futures]


class AsyncCore(_Core):
    """Runs the same calls and plans with an ``httpx.AsyncClient``; ``run`` returns a coroutine."""

    def __init__(self, hosts: Hosts, key: str | None, *,
                 transport: httpx.AsyncBaseTransport | None = None, **kwargs):
        super().__init__(hosts, key, **kwargs)
        self.http = httpx.AsyncClient(transport=transport, timeout=self.timeout)

    async def close(self) -> None:
        await self.http.aclose()

    async def run(self, plan: Step | Plan[T]) -> Any:
        """Run a single step, or a plan, to completion and return its result."""
        steps = self._steps(plan)
        outcome = None
        try:
            while True:
                outcome = await self._perform(steps.send(outcome))
        except StopIteration as stop:
            return stop.value

    async def _perform(self, step: Any) -> tuple[Any, Exception | None]:
        """One primitive step done: ``(result, error)``."""
        if isinstance(step, Sleep):
            return await asyncio.sleep(step.seconds), None
        if isinstance(step, Parallel):
            try:
                return await self._parallel(step), None
            except PendoError as exc:
                return None, exc
        try:
            return await self.http.send(self._request(self.http, step.call)), None
        except httpx.HTTPError as exc:
            return None, exc

    async def _parallel(self, step: Parallel) -> list:
        """The plans' results, as tasks of which at most ``concurrency`` run at once."""
        if len(step.plans) < 2:
            return [await self.run(plan) for plan in step.plans]
        limit = asyncio.Semaphore(step.concurrency)

        async def one(plan: Any) -> Any:
            async with limit:
                result = await self.run(plan)
            bar.update()
            return result

        with step.bar() as bar:
            tasks = [asyncio.ensure_future(one(plan)) for plan in step.plans]
            try:
                return await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise


__all__ = [
    "AsyncCore",
    "Call",
    "NO_RETRY",
    "Parallel",
    "Plan",
    "RetryPolicy",
    "Sleep",
    "SyncCore",
    "check_concurrency",
    "parse_json",
    "path_id",
    "segment",
]
