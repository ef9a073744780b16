"""What every resource shares: the client it runs on, id checks, batch splitting, times.

A resource method describes its request(s) as a :class:`~pendo_lab._http.Call` or a plan and
hands it to ``self._run``; on a :class:`~pendo_lab.Pendo` that returns the result, on an
:class:`~pendo_lab.AsyncPendo` a coroutine. So each endpoint is written once, for both.

Writes that Pendo limits per call are split with :func:`batches` and sent with
:func:`send_batches`, which merges the outcomes (:func:`merge_outcomes`) and raises
:class:`~pendo_lab.BatchError` if a call fails after others succeeded.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from datetime import time as day_start
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import httpx

from .._exceptions import BatchError, PendoError, ValidationError
from .._frames import check_frame_kind, csv_to_frame, json_to_frame
from .._http import B64_HEADER, Plan, path_id, segment

if TYPE_CHECKING:
    from .._client import _ClientBase

T = TypeVar("T")

#: Epoch milliseconds below this (March 1973) are taken to be a mistake, most often seconds.
MIN_EPOCH_MS = 10**11
_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
_ONE_MS = timedelta(milliseconds=1)


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

    def _json_frame(self, frame: str | None) -> Callable[[httpx.Response], Any]:
        """A parser turning a JSON array response into a frame."""
        kind = self._frame_kind(frame)
        timezone = self._client.timezone
        return lambda response: json_to_frame(response.content, frame=kind, timezone=timezone)

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


def one_id(value: Any, what: str) -> str:
    """One non-empty id as text, or a ValidationError naming ``what``.

    Example:
        >>> one_id(42, "segment ids")
        '42'
    """
    (one,) = require_ids([value], what)
    return one


def id_segment(value: Any, what: str) -> str:
    """One id checked by :func:`one_id` and URL-encoded as a path segment.

    Example:
        >>> id_segment("a/b", "report ids")
        'a%2Fb'
    """
    return segment(one_id(value, what))


def id_path(value: Any, what: str) -> tuple[str, dict[str, str]]:
    """One visitor, account or metadata-value id as a path segment, with the header its
    ``b64_`` form needs (ids that proxies would mangle go in that form).

    Example:
        >>> id_path("a/b c", "visitor ids")
        ('b64_YS9iIGM=', {'x-pendo-base64-encoded-params': 'true'})
        >>> id_path("visitor-1", "visitor ids")
        ('visitor-1', {})
    """
    text, is_b64 = path_id(one_id(value, what))
    return text, {B64_HEADER: "true"} if is_b64 else {}


def id_list(values: Any, what: str) -> list[str]:
    """Ids from a list, a Polars or pandas Series (a DataFrame column), or any iterable.

    Example:
        >>> import polars as pl
        >>> id_list(pl.Series(["v1", "v2"]), "visitor ids")
        ['v1', 'v2']
    """
    values = as_list(values, what)
    nulls = sum(1 for v in values if v is None or v != v)
    if nulls:
        raise ValidationError(f"{what} contain {nulls} null/NaN values: drop them first "
                              f"(e.g. series.drop_nulls())")
    return require_ids(values, what)


def as_list(values: Any, what: str) -> list:
    """A list from a list, a Polars or pandas Series or any iterable; one string is one item.

    Example:
        >>> as_list("v1", "visitor ids"), as_list(("v1", "v2"), "visitor ids")
        (['v1'], ['v1', 'v2'])
    """
    if hasattr(values, "columns"):
        raise ValidationError(f"{what}: got a whole DataFrame; pass one column, e.g. "
                              f"frame['visitorId']")
    if isinstance(values, (str, bytes)):
        return [values]
    return values.to_list() if hasattr(values, "to_list") else list(values)


def is_text(value: Any) -> bool:
    """Whether ``value`` is a string with something other than white space in it.

    Example:
        >>> is_text("Beta"), is_text("  "), is_text(3)
        (True, False, False)
    """
    return isinstance(value, str) and bool(value.strip())


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items.

    Example:
        >>> [list(b) for b in batches([1, 2, 3, 4, 5], 2)]
        [[1, 2], [3, 4], [5]]
    """
    for start in range(0, len(items), size):
        yield items[start:start + size]


def merge_outcomes(outcomes: Iterable[Any]) -> Any:
    """Several calls' outcomes as one: numbers added, lists joined, dicts merged by key.

    Any other value (text, booleans) keeps its last occurrence.

    Example:
        >>> merge_outcomes([{"total": 2, "missing": ["a"]}, {"total": 3, "missing": ["b"]}])
        {'total': 5, 'missing': ['a', 'b']}
    """
    merged = None
    for outcome in outcomes:
        merged = _merge(merged, outcome)
    return merged


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{key: _merge(old.get(key), value) for key, value in new.items()}}
    if isinstance(old, list) and isinstance(new, list):
        return old + new
    if _is_number(old) and _is_number(new):
        return old + new
    return new if new is not None else old


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def send_batches(items: Sequence[T], size: int, send: Callable[[Sequence[T]], Plan], what: str,
                 merge: Callable[[list], Any] = merge_outcomes) -> Plan:
    """A plan sending ``items`` in :func:`batches` of ``size``, each with ``send`` (a sub-plan),
    in order; the outcomes merged by ``merge`` (by default :func:`merge_outcomes`).

    If a call fails after others succeeded, :class:`~pendo_lab.BatchError` holds the merged
    outcome so far (``done``), the items of the failed call (``failed``: Pendo may or may not
    have acted on them) and of the calls never sent (``unsent``). If the first call fails,
    nothing was done and its own error is raised.

    Example:
        >>> from pendo_lab._http import Call
        >>> def send(part):
        ...     return (yield Call("POST", "/x", json=list(part)))
        >>> plan = send_batches([1, 2, 3], 2, send, "numbers")
        >>> next(plan).json
        [1, 2]
    """
    parts = list(batches(items, size))
    outcomes = []
    for index, part in enumerate(parts):
        try:
            outcomes.append((yield from send(part)))
        except PendoError as exc:
            if not outcomes:
                raise
            unsent = [item for rest in parts[index + 1:] for item in rest]
            raise BatchError(what, merge(outcomes), list(part), unsent, index + 1,
                             len(parts), exc) from exc
    return merge(outcomes)


def epoch_ms(value: Any, timezone: str, what: str) -> int:
    """Epoch milliseconds from a datetime, a date or an epoch-millisecond number.

    Naive datetimes and dates are read in ``timezone`` (a date means its midnight there);
    ``what`` names the argument in error messages.

    Example:
        >>> epoch_ms(date(2024, 1, 1), "UTC", "starttime")
        1704067200000
        >>> epoch_ms(datetime(2024, 1, 1, 1), "UTC", "timestamp")
        1704070800000
        >>> epoch_ms(1704067200, "UTC", "timestamp")
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: timestamp=1704067200 is before 1973 as epoch milliseconds: if it is in seconds, multiply by 1000
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(timezone))
        return (value - _EPOCH) // _ONE_MS
    if isinstance(value, date):
        return epoch_ms(datetime.combine(value, day_start(), ZoneInfo(timezone)), timezone, what)
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and value == value:
        if value < MIN_EPOCH_MS:
            raise ValidationError(f"{what}={value!r} is before 1973 as epoch milliseconds: "
                                  "if it is in seconds, multiply by 1000")
        return int(value)
    raise ValidationError(f"{what} must be a datetime, a date or epoch milliseconds, "
                          f"not {type(value).__name__}")


def now_ms() -> int:
    """The current time in epoch milliseconds.

    Example:
        >>> now_ms() > MIN_EPOCH_MS
        True
    """
    return time.time_ns() // 1_000_000


def ms_ago(age: timedelta) -> int:
    """The epoch milliseconds of the moment ``age`` before now.

    Example:
        >>> ms_ago(timedelta(days=1)) <= now_ms() - 86_400_000
        True
    """
    return now_ms() - age // _ONE_MS
