"""The sandbox as an httpx transport: the client talks to it in process, no network.

Example:
    >>> import httpx
    >>> from pendo_lab.sandbox import Sandbox
    >>> http = httpx.Client(transport=Sandbox().transport())
    >>> http.get("https://sandbox.invalid/api/v1/page").status_code
    401
"""

from __future__ import annotations

import asyncio
import time

import httpx

from ._app import App, DroppedConnection, SandboxRequest, parse_query


def _to_sandbox(request: httpx.Request) -> SandboxRequest:
    return SandboxRequest(
        method=request.method,
        path=request.url.raw_path.split(b"?")[0].decode("ascii"),
        query=parse_query(request.url.query),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=request.content,
    )


def _answer(app: App, request: httpx.Request) -> httpx.Response:
    try:
        status, headers, body = app.handle(_to_sandbox(request))
    except DroppedConnection:
        raise httpx.RemoteProtocolError("server disconnected without sending a response",
                                        request=request) from None
    return httpx.Response(status, headers=headers, content=body, request=request)


class SandboxTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers requests from a sandbox :class:`App`, for sync and async clients alike."""

    def __init__(self, app: App):
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        if self.app.faults.latency:
            time.sleep(self.app.faults.latency)
        return _answer(self.app, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        if self.app.faults.latency:
            await asyncio.sleep(self.app.faults.latency)
        return _answer(self.app, request)
