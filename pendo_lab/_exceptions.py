"""The exceptions pendo_lab raises: one tree rooted at :class:`PendoError`.

::

    PendoError
    ├── ConfigurationError          missing key, unknown region, plain http to a remote host
    ├── ValidationError (ValueError)  bad input caught before anything is sent
    │   ├── ExpressionError           aggregation expression syntax/arity, with a caret
    │   └── PipelineError             aggregation pipeline shape, with its path
    ├── InvalidResponseError        a success answer whose body cannot be read
    ├── BatchError                  a split operation stopped part-way: what was done, what not
    ├── TransportError              no HTTP response at all
    │   ├── APIConnectionError        connection refused, reset, DNS failure
    │   └── APITimeoutError           no answer within the timeout
    └── APIStatusError              Pendo answered with an error status
        ├── BadRequestError           400
        ├── AuthenticationError       401
        ├── RequestFailedError        402
        ├── PermissionDeniedError     403
        ├── NotFoundError             404
        ├── RequestTimeoutError       408
        ├── ConflictError             409
        ├── PayloadTooLargeError      413
        ├── UnprocessableEntityError  422
        ├── RateLimitError            429
        └── ServerError               5xx

Every :class:`APIStatusError` carries ``method``, ``path``, ``status`` and the server's
``message``; the integration key is never part of any of them.

Example:
    >>> err = NotFoundError("GET", "/api/v1/visitor/v1", 404, "visitor not found")
    >>> str(err)
    'GET /api/v1/visitor/v1 -> 404 Not Found: visitor not found'
    >>> isinstance(err, PendoError)
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "ConfigurationError",
    "ConflictError",
    "ExpressionError",
    "InvalidResponseError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PendoError",
    "PermissionDeniedError",
    "PipelineError",
    "RateLimitError",
    "RequestFailedError",
    "RequestTimeoutError",
    "ServerError",
    "TransportError",
    "UnprocessableEntityError",
    "ValidationError",
    "error_for_status",
]


class PendoError(Exception):
    """Base class of every error pendo_lab raises.

    Example:
        >>> try:
        ...     client.pages.get("no-such-page")
        ... except PendoError as error:
        ...     print(type(error).__name__)
        NotFoundError
    """


class ConfigurationError(PendoError):
    """The client cannot be set up as asked (no key, unknown region, insecure URL).

    Example:
        >>> Pendo("my-key", region="mars")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ConfigurationError: unknown Pendo region 'mars': use one of us, eu, us1, jpn, au (or pass base_url= / set PENDO_BASE_URL)
    """


class ValidationError(PendoError, ValueError):
    """Input rejected locally, before any request was sent.

    Example:
        >>> client.pages.get_many([])
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: no page ids given: pass a non-empty list of ids
    """


class ExpressionError(ValidationError):
    """An aggregation expression that does not parse or calls a function wrongly.

    ``expression`` is the text and ``column`` the 0-based offset of the problem; ``str()``
    shows the expression with a caret under that column.

    Example:
        >>> print(ExpressionError("unexpected ')'", "a + )", 4))
        unexpected ')'
          a + )
              ^
    """

    def __init__(self, message: str, expression: str = "", column: int | None = None):
        self.message = message
        self.expression = expression
        self.column = column
        super().__init__(message, expression, column)

    def __str__(self) -> str:
        if not self.expression:
            return self.message
        text = f"{self.message}\n  {self.expression}"
        if self.column is not None:
            text += "\n  " + " " * self.column + "^"
        return text


class PipelineError(ValidationError):
    """An aggregation pipeline with a problem at ``path`` (e.g. ``pipeline[3].group.fields[1]``).

    Example:
        >>> str(PipelineError("unknown operator 'grup'", "pipeline[2]"))
        "pipeline[2]: unknown operator 'grup'"
    """

    def __init__(self, message: str, path: str = "pipeline"):
        self.message = message
        self.path = path
        super().__init__(message, path)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class TransportError(PendoError):
    """The request got no HTTP response.

    Example:
        >>> import httpx
        >>> from pendo_lab import RetryPolicy
        >>> def unplugged(request):
        ...     raise httpx.ConnectError("network is unreachable")
        >>> offline = Pendo("my-key", transport=httpx.MockTransport(unplugged),
        ...                 retry=RetryPolicy(max_attempts=1))
        >>> try:
        ...     offline.pages.list()
        ... except TransportError as error:
        ...     print(error)
        GET /api/v1/page: ConnectError: network is unreachable
    """

    def __init__(self, method: str, path: str, message: str):
        self.method = method
        self.path = path
        self.message = message
        super().__init__(method, path, message)

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {self.message}"


class APIConnectionError(TransportError):
    """The connection could not be made or broke before a response arrived.

    Example:
        >>> import httpx
        >>> from pendo_lab import RetryPolicy
        >>> def refuse(request):
        ...     raise httpx.ConnectError("connection refused")
        >>> once = RetryPolicy(max_attempts=1)
        >>> Pendo("my-key", transport=httpx.MockTransport(refuse), retry=once).pages.list()
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.APIConnectionError: GET /api/v1/page: ConnectError: connection refused
    """


class APITimeoutError(TransportError):
    """No response arrived within the configured timeout.

    Example:
        >>> import httpx
        >>> from pendo_lab import RetryPolicy
        >>> def hang(request):
        ...     raise httpx.ReadTimeout("timed out")
        >>> once = RetryPolicy(max_attempts=1)
        >>> Pendo("my-key", transport=httpx.MockTransport(hang), retry=once).pages.list()
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.APITimeoutError: GET /api/v1/page: ReadTimeout: timed out
    """


class InvalidResponseError(PendoError):
    """Pendo answered with success but a body that cannot be read (not JSON, wrong shape).

    Example:
        >>> import httpx
        >>> def login_page(request):
        ...     return httpx.Response(200, content=b"<html>sign in</html>")
        >>> Pendo("my-key", transport=httpx.MockTransport(login_page)).pages.list()
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.InvalidResponseError: GET /api/v1/page -> 200: unreadable response: ...
    """

    def __init__(self, method: str, path: str, status: int, message: str):
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        super().__init__(method, path, status, message)

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}: unreadable response: {self.message}"


class BatchError(PendoError):
    """A split operation stopped part-way; ``__cause__`` is the failed call's error.

    ``done`` is the merged result of the batches that succeeded, ``failed`` the items of the
    batch that failed (Pendo may or may not have acted on them), ``unsent`` the items never
    sent; ``batch`` is the number of the failed batch, ``batches`` how many there were.

    Example:
        >>> err = BatchError("bulk delete visitors", "done", ["v3"], ["v4"], 2, 3, "500 boom")
        >>> err.failed, err.unsent
        (['v3'], ['v4'])
    """

    def __init__(self, operation: str, done: Any, failed: Sequence[Any], unsent: Sequence[Any],
                 batch: int, batches: int, cause: object):
        self.operation = operation
        self.done = done
        self.failed = list(failed)
        self.unsent = list(unsent)
        self.batch = batch
        self.batches = batches
        self.cause = cause
        super().__init__(operation, done, self.failed, self.unsent, batch, batches, cause)

    def __str__(self) -> str:
        return (f"{self.operation} stopped at batch {self.batch} of {self.batches}: {self.cause}. "
                f"The earlier batches succeeded (see .done); the {len(self.failed)} ids of batch "
                f"{self.batch} are in .failed and the {len(self.unsent)} ids never sent are in "
                f".unsent")


class APIStatusError(PendoError):
    """Pendo answered with an error status; base of the per-status classes.

    Example:
        >>> try:
        ...     client.visitors.get("no-such-visitor")
        ... except APIStatusError as error:
        ...     print(error.method, error.path, error.status)
        GET /api/v1/visitor/no-such-visitor 404
    """

    reason = "Error"

    def __init__(self, method: str, path: str, status: int, message: str = ""):
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        super().__init__(method, path, status, message)

    def __str__(self) -> str:
        text = f"{self.method} {self.path} -> {self.status} {self.reason}"
        return f"{text}: {self.message}" if self.message else text


class BadRequestError(APIStatusError):
    """400: the request was unacceptable, often a missing parameter.

    Example:
        >>> str(BadRequestError("GET", "/api/v1/guide/xliff", 400, "Guide ids must be provided"))
        'GET /api/v1/guide/xliff -> 400 Bad Request: Guide ids must be provided'
    """

    reason = "Bad Request"


class AuthenticationError(APIStatusError):
    """401: no valid integration key was provided.

    Example:
        >>> from pendo_lab import Sandbox
        >>> wrong = Pendo("wrong-key", base_url="https://sandbox.invalid",
        ...               transport=Sandbox().transport())
        >>> wrong.pages.list()
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.AuthenticationError: GET /api/v1/page -> 401 Unauthorized: no valid integration key provided
    """

    reason = "Unauthorized"


class RequestFailedError(APIStatusError):
    """402: the parameters were valid but the request failed.

    Example:
        >>> error_for_status(402) is RequestFailedError
        True
    """

    reason = "Request Failed"


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (read-only key, segment not made through the API, bad key).

    Example:
        >>> from pendo_lab import Sandbox
        >>> Sandbox().client(read_only=True).guides.reset_all_staged()
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.PermissionDeniedError: POST /api/v1/guide/staged/reset -> 403 Forbidden: this integration key is read-only: writes are refused
    """

    reason = "Forbidden"


class NotFoundError(APIStatusError):
    """404: the requested resource does not exist.

    Example:
        >>> client.pages.get("no-such-page")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.NotFoundError: GET /api/v1/page -> 404 Not Found: no page with id 'no-such-page'
    """

    reason = "Not Found"


class RequestTimeoutError(APIStatusError):
    """408: the server timed out (e.g. an aggregation over its 5-minute limit).

    Example:
        >>> error_for_status(408) is RequestTimeoutError
        True
    """

    reason = "Request Timeout"


class ConflictError(APIStatusError):
    """409: an operation on this resource is already in progress.

    Example:
        >>> first = client.segments.create("Pilot", ["visitor-1"])   # its upload job is running
        >>> client.segments.create("Beta", ["visitor-2"])
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ConflictError: POST /api/v1/segment/upload -> 409 Conflict: Operation in progress: ...
    """

    reason = "Conflict"


class PayloadTooLargeError(APIStatusError):
    """413: too many operations or ids in one call, or a result over Pendo's size limit.

    Example:
        >>> error_for_status(413) is PayloadTooLargeError
        True
    """

    reason = "Payload Too Large"


class UnprocessableEntityError(APIStatusError):
    """422: the payload parsed but is semantically wrong.

    Example:
        >>> error_for_status(422) is UnprocessableEntityError
        True
    """

    reason = "Unprocessable Entity"


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` holds the server's hint in seconds, if any.

    Example:
        >>> from pendo_lab import RetryPolicy
        >>> from pendo_lab.sandbox import Faults, Sandbox
        >>> box = Sandbox(faults=Faults(rate_429=1.0, retry_after=2))
        >>> busy = box.client(retry=RetryPolicy(max_attempts=1))
        >>> try:
        ...     busy.pages.list()
        ... except RateLimitError as error:
        ...     print(error.status, error.retry_after)
        429 2.0
    """

    reason = "Too Many Requests"

    def __init__(self, method, path, status, message="", retry_after: float | None = None):
        super().__init__(method, path, status, message)
        self.retry_after = retry_after
        self.args = (method, path, status, message, retry_after)


class ServerError(APIStatusError):
    """5xx: an error on Pendo's side; retried automatically before it is raised.

    Example:
        >>> from pendo_lab import RetryPolicy
        >>> from pendo_lab.sandbox import Faults, Sandbox
        >>> down = Sandbox(faults=Faults(rate_5xx=1.0))
        >>> down.client(retry=RetryPolicy(max_attempts=1)).pages.list()
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ServerError: GET /api/v1/page -> 503 Server Error: service unavailable (injected fault)
    """

    reason = "Server Error"


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: RequestFailedError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status.

    Example:
        >>> error_for_status(404).__name__, error_for_status(503).__name__
        ('NotFoundError', 'ServerError')
    """
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIStatusError)
