"""``GET /api/v1/token/verify``: whether a key is valid and may write."""

from __future__ import annotations

from .._app import KEY_HEADER, READ_ONLY_KEY, READ_WRITE_KEY, SandboxHTTPError, route


@route("GET", "/api/v1/token/verify")
def verify(request, state):
    key = request.headers.get(KEY_HEADER)
    if key not in (READ_WRITE_KEY, READ_ONLY_KEY):
        raise SandboxHTTPError(403, "key is invalid")
    return {"valid": True, "write": key == READ_WRITE_KEY}
