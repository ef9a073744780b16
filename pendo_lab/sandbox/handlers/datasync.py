"""Data Sync: ``PUT /api/v1/datasync/storageTypes/{type}/destinations/Default/credentials``.

Each accepted rotation is a row of the ``datasync_credentials`` table (empty at first):
``storageType``, ``destination``, ``identity`` (the service account, access key id or
client id), ``secretSha256`` (the first 12 hex digits of the secret's SHA-256: the sandbox
never keeps a secret) and ``rotatedAt`` (sandbox clock). The answer is an empty 200.

Pendo answers 400 when a field is missing, when the Default destination is of another storage
type, or when the new credentials do not validate. The sandbox's Default destination takes the
storage type of its first rotation (it has none configured before); credentials fail to
validate when a GCS service account is not an e-mail address or an S3 access key id does not
start with ``AKIA`` or ``ASIA`` (INFERRED checks; Pendo's are not published).
"""

from __future__ import annotations

import hashlib
import re

import polars as pl

from .._app import Reply, SandboxHTTPError, route
from ._common import json_object

TABLE = "datasync_credentials"
#: Per storage type: the destination's description, its (identity, secret) fields, and the
#: pattern a valid identity matches.
STORAGE_TYPES = {
    "gcs": ("a Google Cloud Platform storage bucket", ("serviceAccount", "secretKey"),
            r"[^@\s]+@[^@\s]+"),
    "s3": ("an Amazon S3 bucket", ("accessKeyId", "secretAccessKey"), r"(AKIA|ASIA)\w+"),
    "azure": ("a Microsoft Azure blob storage", ("clientId", "clientSecret"), r".+"),
}


@route("PUT", "/api/v1/datasync/storageTypes/{storage}/destinations/Default/credentials")
def rotate_credentials(request, state):
    storage = request.params["storage"]
    if storage not in STORAGE_TYPES:
        raise SandboxHTTPError(404, f"no Data Sync storage type {storage!r}: use gcs, s3 or azure")
    name, fields, identity_pattern = STORAGE_TYPES[storage]
    body = json_object(request, "Missing a required field in the request body")
    missing = [field for field in fields
               if not isinstance(body.get(field), str) or not body[field].strip()]
    if missing:
        raise SandboxHTTPError(400, "Missing a required field in the request body: "
                                    + ", ".join(missing))
    rotations = state.tables[TABLE]
    if not rotations.is_empty() and rotations["storageType"][-1] != storage:
        raise SandboxHTTPError(400, f"The existing destination is not {name}")
    identity, secret = (body[field] for field in fields)
    if not re.fullmatch(identity_pattern, identity):
        raise SandboxHTTPError(400, "Unable to validate the updated credentials provided")
    row = {"storageType": storage, "destination": "Default", "identity": identity,
           "secretSha256": hashlib.sha256(secret.encode()).hexdigest()[:12],
           "rotatedAt": state.now_ms()}
    state.put(TABLE, pl.concat([rotations, pl.DataFrame([row], schema=rotations.schema)]))
    return Reply(b"")
