"""Bulk deletion of visitors and accounts (GDPR/CCPA): ``/api/v1/bulkdelete``.

Pendo takes at most 500 ids per request and queues them for deletion (up to 21 days), marking
them Do Not Process at once. Longer lists are split into calls of 500 and their answers merged
into one :class:`BulkDeleteResult`. If a call after the first fails, :class:`BatchError` says
which ids were accepted, which batch failed and which ids were never sent, so nothing is lost
silently. Duplicate ids are sent once: Pendo answers 400 to ids whose deletion is already queued.

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> result = client.bulk_delete.visitors(["visitor-1", "visitor-2"])
    >>> result.ids
    ('visitor-1', 'visitor-2')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .._exceptions import PendoError
from .._http import Call, segment
from ._base import Resource, batches, require_ids

PATH = "/api/v1/bulkdelete"
BATCH_SIZE = 500


@dataclass(frozen=True)
class BulkDeleteResult:
    """What a bulk deletion sent and what Pendo answered, one answer per call of <= 500 ids.

    Example:
        >>> result = BulkDeleteResult("visitor", ("v1", "v2"), ({"id": "req-1"},))
        >>> result.request_ids
        ['req-1']
    """

    kind: str
    ids: tuple[str, ...]
    responses: tuple[Any, ...]

    @property
    def request_ids(self) -> list[str]:
        """The distinct deletion request ids in the answers (their ``id`` field), in order.

        The answer's shape is not documented beyond "sent as body"; reading the request id
        from ``id`` is INFERRED. Pendo may fold several calls into one request id.
        """
        found = (str(body["id"]) for body in self.responses
                 if isinstance(body, dict) and body.get("id") is not None)
        return list(dict.fromkeys(found))


class BatchError(PendoError):
    """A split operation stopped part-way; ``__cause__`` is the failed call's error.

    ``done`` is the merged result of the batches that succeeded, ``failed`` the ids of the
    batch that failed (Pendo may or may not have acted on them), ``unsent`` the ids never sent.

    Example:
        >>> err = BatchError("bulk delete visitors", "done", ["v3"], ["v4"], 2, 3, "500 boom")
        >>> err.failed, err.unsent
        (['v3'], ['v4'])
    """

    def __init__(self, operation: str, done: Any, failed: Sequence[str], unsent: Sequence[str],
                 batch: int, batches: int, cause: object):
        self.done = done
        self.failed = list(failed)
        self.unsent = list(unsent)
        self.batch = batch
        self.batches = batches
        super().__init__(
            f"{operation} stopped at batch {batch} of {batches}: {cause}. The earlier batches "
            f"succeeded (see .done); the {len(self.failed)} ids of batch {batch} are in .failed "
            f"and the {len(self.unsent)} ids never sent are in .unsent"
        )


class BulkDelete(Resource):
    """``client.bulk_delete``: schedule deletions and follow them up."""

    def visitors(self, visitor_ids: Iterable[str]) -> BulkDeleteResult:
        """Schedule visitors for deletion (``POST /api/v1/bulkdelete/visitor``), 500 per call.

        Example:
            >>> client.bulk_delete.visitors(["visitor-3"]).kind
            'visitor'
        """
        return self._delete("visitor", visitor_ids)

    def accounts(self, account_ids: Iterable[str]) -> BulkDeleteResult:
        """Schedule accounts for deletion (``POST /api/v1/bulkdelete/account``), 500 per call.

        Example:
            >>> client.bulk_delete.accounts(["account-3"]).kind
            'account'
        """
        return self._delete("account", account_ids)

    def list(self, *, frame: str | None = None) -> Any:
        """The deletion requests not yet completed, as a frame (``GET /api/v1/bulkdelete``).

        Example:
            >>> client.bulk_delete.list().height >= 0
            True
        """
        return self._run(Call("GET", PATH, parse=self._json_frame(frame)))

    def status(self, request_id: str) -> dict:
        """One deletion request, completed or not (``GET /api/v1/bulkdelete/:id``).

        Example:
            >>> request_id = client.bulk_delete.visitors(["visitor-4"]).request_ids[0]
            >>> client.bulk_delete.status(request_id)["id"] == request_id
            True
        """
        (one,) = require_ids([request_id], "deletion request ids")
        return self._run(Call("GET", f"{PATH}/{segment(one)}"))

    def _delete(self, kind: str, ids: Iterable[str]) -> BulkDeleteResult:
        unique = list(dict.fromkeys(require_ids(ids, f"{kind} ids")))
        return self._run(_delete_plan(kind, unique))


def _delete_plan(kind: str, unique: list[str]):
    """Post the ids in batches of 500; a failure after the first batch raises BatchError."""
    chunks = list(batches(unique, BATCH_SIZE))
    responses = []
    for number, chunk in enumerate(chunks):
        try:
            responses.append((yield Call("POST", f"{PATH}/{kind}", json={f"{kind}s": chunk})))
        except PendoError as exc:
            if number == 0:
                raise
            sent = number * BATCH_SIZE
            done = BulkDeleteResult(kind, tuple(unique[:sent]), tuple(responses))
            raise BatchError(f"bulk delete of {len(unique)} {kind} ids", done, chunk,
                             unique[sent + len(chunk):], number + 1, len(chunks), exc) from exc
    return BulkDeleteResult(kind, tuple(unique), tuple(responses))
