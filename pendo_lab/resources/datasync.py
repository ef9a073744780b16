"""Data Sync: rotate the credentials of a subscription's cloud-storage export destination.

Only for subscriptions with Data Sync enabled, and only for a destination already configured in
the Pendo UI (Pendo calls it ``Default``). Each storage type takes its own two fields; they are
checked locally, and error messages name fields, never their values.

Example:
    >>> from pendo_lab import Pendo
    >>> client = Pendo.sandbox()
    >>> client.datasync.rotate_credentials(
    ...     "s3", {"accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "example-secret"}) is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._exceptions import ValidationError
from .._http import Call
from ._base import Resource, is_text

#: The body fields each storage type requires, as the reference gives them.
CREDENTIAL_FIELDS = {
    "gcs": ("serviceAccount", "secretKey"),
    "s3": ("accessKeyId", "secretAccessKey"),
    "azure": ("clientId", "clientSecret"),
}


class DataSync(Resource):
    """``client.datasync``: Data Sync destination credentials.

    Example:
        >>> client.datasync.rotate_credentials(
        ...     "s3", {"accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "example-secret"})
    """

    def rotate_credentials(self, storage_type: str, credentials: Mapping[str, str]) -> Any:
        """Replace the credentials of the ``Default`` destination of ``storage_type``.

        ``storage_type`` is ``"gcs"`` (``serviceAccount``, ``secretKey``), ``"s3"``
        (``accessKeyId``, ``secretAccessKey``) or ``"azure"`` (``clientId``,
        ``clientSecret``). Sends ``PUT /api/v1/datasync/storageTypes/<type>/destinations/
        Default/credentials``; Pendo answers 400 if the destination is of another type or the
        new credentials do not validate. Returns Pendo's answer (None when empty).

        Example:
            >>> client.datasync.rotate_credentials("gcs", {
            ...     "serviceAccount": "exporter@example.iam.gserviceaccount.com",
            ...     "secretKey": "example-key"}) is None
            True
        """
        body = credentials_body(storage_type, credentials)
        path = f"/api/v1/datasync/storageTypes/{storage_type}/destinations/Default/credentials"
        return self._run(Call("PUT", path, json=body))


def credentials_body(storage_type: str, credentials: Mapping[str, str]) -> dict:
    """The request body for a storage type, or a ValidationError naming what is wrong.

    Example:
        >>> credentials_body("azure", {"clientId": "abc"})
        Traceback (most recent call last):
        ...
        pendo_lab._exceptions.ValidationError: azure credentials: missing or blank clientSecret; pass exactly clientId, clientSecret
    """
    fields = CREDENTIAL_FIELDS.get(storage_type)
    if fields is None:
        raise ValidationError(f"unknown Data Sync storage type {storage_type!r}: use one of "
                              f"{', '.join(CREDENTIAL_FIELDS)}")
    if not isinstance(credentials, Mapping):
        raise ValidationError(f"{storage_type} credentials must be a dict of "
                              f"{', '.join(fields)}, not {type(credentials).__name__}")
    problems = []
    missing = [name for name in fields if not is_text(credentials.get(name))]
    if missing:
        problems.append(f"missing or blank {', '.join(missing)}")
    unknown = sorted(str(name) for name in credentials if name not in fields)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}")
    if problems:
        raise ValidationError(f"{storage_type} credentials: {'; '.join(problems)}; "
                              f"pass exactly {', '.join(fields)}")
    return {name: credentials[name] for name in fields}
