"""A real HTTP proxy on loopback that answers HTTP 500 to the requests a predicate picks."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Fails = Callable[[dict[str, Any]], bool]  # the request's JSON body -> answer 500?


def _handler(upstream: str, fails: Fails) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if fails(json.loads(raw)):
                self._send(500, b'{"error": {"message": "upstream exploded"}}')
                return
            url = upstream.rstrip("/") + self.path.removeprefix("/v1")
            headers = {"Content-Type": "application/json"}
            request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    self._send(response.status, response.read())
            except urllib.error.HTTPError as exc:
                self._send(exc.code, exc.read())

        def _send(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def failing_proxy(upstream: str, fails: Fails) -> Iterator[str]:
    """Forward ``/v1`` requests to ``upstream``; yields the proxy's ``/v1`` base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream, fails))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)
