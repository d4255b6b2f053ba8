"""Local HTTP servers for tests that stand in for an outside service (Fingertips, the publishers).

They listen on 127.0.0.1 only, on a free port, in a daemon thread, for the duration of a ``with`` block.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that answers with ``reply`` and keeps the test output clean."""

    def reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def loopback_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free port of 127.0.0.1 for the block; yields the base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@contextmanager
def fingertips_api(handler: type[http.server.BaseHTTPRequestHandler], monkeypatch: object) -> Iterator[str]:
    """A Fingertips look-alike (``handler``, its ``requests_seen`` emptied) that ``HIAP_FINGERTIPS_URL``
    points at for the block; yields the API's base URL."""
    handler.requests_seen = []
    with loopback_server(handler) as url:
        monkeypatch.setenv("HIAP_FINGERTIPS_URL", f"{url}/api")
        yield f"{url}/api"
