"""pendo_lab: Pendo's REST and Aggregation APIs as Polars (or pandas) DataFrames.

Start with :func:`connect` (a real client when ``PENDO_INTEGRATION_KEY`` is set, the embedded
sandbox otherwise), or build :class:`Pendo` / :class:`AsyncPendo` yourself.

Example:
    >>> import pendo_lab
    >>> client = pendo_lab.Pendo.sandbox()
    >>> client.pages.list().height > 0
    True
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._client import AsyncPendo, Pendo, connect
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchError,
    ConfigurationError,
    ConflictError,
    ExpressionError,
    InvalidResponseError,
    NotFoundError,
    PayloadTooLargeError,
    PendoError,
    PermissionDeniedError,
    PipelineError,
    RateLimitError,
    RequestFailedError,
    RequestTimeoutError,
    ServerError,
    TransportError,
    UnprocessableEntityError,
    ValidationError,
)
from ._http import RetryPolicy

__version__ = "0.1.0"

# Names whose modules are imported on first use, so ``import pendo_lab`` stays fast.
_LAZY = {
    "Pipeline": "pendo_lab.pipeline",
    "Sandbox": "pendo_lab.sandbox",
}

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPendo",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "ConfigurationError",
    "ConflictError",
    "ExpressionError",
    "InvalidResponseError",
    "NotFoundError",
    "PayloadTooLargeError",
    "Pendo",
    "PendoError",
    "PermissionDeniedError",
    "Pipeline",
    "PipelineError",
    "RateLimitError",
    "RequestFailedError",
    "RequestTimeoutError",
    "RetryPolicy",
    "Sandbox",
    "ServerError",
    "TransportError",
    "UnprocessableEntityError",
    "ValidationError",
    "connect",
]


# Subpackages reachable as attributes (``pendo_lab.recipes.nps``) without importing them first.
_SUBPACKAGES = ("charts", "engine", "expr", "pipeline", "recipes", "resources", "sandbox",
                "widgets")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return import_module(f"pendo_lab.{name}")
    raise AttributeError(f"module 'pendo_lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
