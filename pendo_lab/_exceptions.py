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
    """Base class of every error pendo_lab raises."""


class ConfigurationError(PendoError):
    """The client cannot be set up as asked (no key, unknown region, insecure URL)."""


class ValidationError(PendoError, ValueError):
    """Input rejected locally, before any request was sent."""


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
    """The request got no HTTP response."""

    def __init__(self, method: str, path: str, message: str):
        self.method = method
        self.path = path
        self.message = message
        super().__init__(method, path, message)

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {self.message}"


class APIConnectionError(TransportError):
    """The connection could not be made or broke before a response arrived."""


class APITimeoutError(TransportError):
    """No response arrived within the configured timeout."""


class InvalidResponseError(PendoError):
    """Pendo answered with success but a body that cannot be read (not JSON, wrong shape)."""

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
    """Pendo answered with an error status; base of the per-status classes."""

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
    """400: the request was unacceptable, often a missing parameter."""

    reason = "Bad Request"


class AuthenticationError(APIStatusError):
    """401: no valid integration key was provided."""

    reason = "Unauthorized"


class RequestFailedError(APIStatusError):
    """402: the parameters were valid but the request failed."""

    reason = "Request Failed"


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (read-only key, segment not made through the API, bad key)."""

    reason = "Forbidden"


class NotFoundError(APIStatusError):
    """404: the requested resource does not exist."""

    reason = "Not Found"


class RequestTimeoutError(APIStatusError):
    """408: the server timed out (e.g. an aggregation over its 5-minute limit)."""

    reason = "Request Timeout"


class ConflictError(APIStatusError):
    """409: an operation on this resource is already in progress."""

    reason = "Conflict"


class PayloadTooLargeError(APIStatusError):
    """413: too many operations or ids in one call, or a result over Pendo's size limit."""

    reason = "Payload Too Large"


class UnprocessableEntityError(APIStatusError):
    """422: the payload parsed but is semantically wrong."""

    reason = "Unprocessable Entity"


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` holds the server's hint in seconds, if any."""

    reason = "Too Many Requests"

    def __init__(self, method, path, status, message="", retry_after: float | None = None):
        super().__init__(method, path, status, message)
        self.retry_after = retry_after
        self.args = (method, path, status, message, retry_after)


class ServerError(APIStatusError):
    """5xx: an error on Pendo's side; retried automatically before it is raised."""

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
