"""Bulk deletion of visitors and accounts (GDPR/CCPA): ``/api/v1/bulkdelete``.

Pendo takes at most 500 ids per request and queues them for deletion (up to 21 days), marking
them Do Not Process at once. Longer lists are split into calls of 500 and their answers merged
into one :class:`BulkDeleteResult`. If a call after the first fails,
:class:`~pendo_lab.BatchError` says which ids were accepted, which batch failed and which ids
were never sent, so nothing is lost silently. Duplicate ids are sent once: Pendo answers 400
to ids whose deletion is already queued.

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

from .._http import Call
from ._base import Resource, id_segment, require_ids, send_batches

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

    @classmethod
    def merged(cls, results: Sequence[BulkDeleteResult]) -> BulkDeleteResult:
        """One result for several calls' results (of one kind), ids and answers in order.

        Example:
            >>> parts = [BulkDeleteResult("visitor", ("v1",), ({"id": "r1"},)),
            ...          BulkDeleteResult("visitor", ("v2",), ({"id": "r2"},))]
            >>> BulkDeleteResult.merged(parts).ids
            ('v1', 'v2')
        """
        return cls(results[0].kind, tuple(i for result in results for i in result.ids),
                   tuple(body for result in results for body in result.responses))


class BulkDelete(Resource):
    """``client.bulk_delete``: schedule deletions and follow them up.

    Example:
        >>> client.bulk_delete.visitors(["100576"]).request_ids
        ['bulkdelete-1']
    """

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
        return self._run(Call("GET", f"{PATH}/{id_segment(request_id, 'deletion request ids')}"))

    def _delete(self, kind: str, ids: Iterable[str]) -> BulkDeleteResult:
        unique = list(dict.fromkeys(require_ids(ids, f"{kind} ids")))

        def send(chunk):
            response = yield Call("POST", f"{PATH}/{kind}", json={f"{kind}s": chunk})
            return BulkDeleteResult(kind, tuple(chunk), (response,))

        return self._run(send_batches(unique, BATCH_SIZE, send,
                                      f"bulk delete of {len(unique)} {kind} ids",
                                      merge=BulkDeleteResult.merged))
