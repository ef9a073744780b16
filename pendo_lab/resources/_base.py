"""What every resource shares: the client it runs on and the parsers it builds.

A resource method describes its request(s) as a :class:`~pendo_lab._http.Call` or a plan and
hands it to ``self._run``; on a :class:`~pendo_lab.Pendo` that returns the result, on an
:class:`~pendo_lab.AsyncPendo` a coroutine. So each endpoint is written once, for both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._exceptions import ValidationError
from .._frames import check_frame_kind, csv_to_frame, json_to_frame

if TYPE_CHECKING:
    from .._client import _ClientBase

T = TypeVar("T")


class Resource:
    """Base of the per-folder resources (``client.pages``, ``client.segments``, ...)."""

    def __init__(self, client: _ClientBase):
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    def _run(self, plan: Any) -> Any:
        return self._client._core.run(plan)

    def _frame_kind(self, frame: str | None) -> str:
        return check_frame_kind(frame or self._client.frame)

    def _json_frame(self, frame: str | None, key: str | None = None) -> Callable[[httpx.Response], Any]:
        """A parser turning a JSON array response (or the array under ``key``) into a frame."""
        kind = self._frame_kind(frame)
        timezone = self._client.timezone
        return lambda response: json_to_frame(response.content, key=key, frame=kind,
                                              timezone=timezone)

    def _csv_frame(self, frame: str | None) -> Callable[[httpx.Response], Any]:
        """A parser turning a CSV response into a frame."""
        kind = self._frame_kind(frame)
        return lambda response: csv_to_frame(response.content, frame=kind)


def require_ids(ids: Iterable[Any] | str, what: str) -> list[str]:
    """A non-empty list of non-empty string ids, or a ValidationError saying what to pass.

    Example:
        >>> require_ids(["a", 2], "visitor ids")
        ['a', '2']
        >>> require_ids([], "visitor ids")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: no visitor ids given: pass a non-empty list of ids
    """
    if isinstance(ids, (str, bytes)):
        ids = [ids]
    values = [str(i) for i in ids if i is not None]
    if not values:
        raise ValidationError(f"no {what} given: pass a non-empty list of ids")
    if any(not v.strip() for v in values):
        raise ValidationError(f"{what} contain an empty id: remove blank values")
    return values


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items.

    Example:
        >>> [list(b) for b in batches([1, 2, 3, 4, 5], 2)]
        [[1, 2], [3, 4], [5]]
    """
    for start in range(0, len(items), size):
        yield items[start:start + size]
