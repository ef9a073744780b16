"""The sandbox as a real HTTP server on 127.0.0.1 (a thread per connection).

Example:
    >>> import httpx
    >>> from pendo_lab.sandbox import Sandbox
    >>> with Sandbox().serve() as base_url:
    ...     httpx.get(base_url + "/api/v1/token/verify").status_code
    403
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Iterator
from urllib.parse import urlsplit

from ._app import App, DroppedConnection, SandboxRequest, parse_query


def _handler_class(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

        def _handle(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            if app.faults.latency:
                time.sleep(app.faults.latency)
            request = SandboxRequest(self.command, url.path, parse_query(url.query),
                                     {k.lower(): v for k, v in self.headers.items()}, body)
            try:
                status, headers, content = app.handle(request)
            except DroppedConnection:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass  # requests are not logged: headers could carry keys

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def serve(app: App, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Run ``app`` on ``host:port`` (0 picks a free port) in a thread; yields the base URL."""
    server = _Server((host, port), _handler_class(app))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="pendo-sandbox", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def serve_forever(app: App, port: int = 0, host: str = "127.0.0.1",
                  ready: callable = print) -> None:
    """Run ``app`` in the foreground until interrupted; ``ready`` gets the base URL."""
    server = _Server((host, port), _handler_class(app))
    ready(f"http://{host}:{server.server_address[1]}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
