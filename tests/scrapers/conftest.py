"""Collection test helpers: a scripted loopback HTTP server and fixture paths."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"


class ScriptedServer:
    """A real HTTP server on 127.0.0.1: each path answers a queue of scripted replies.

    A reply is (status, body, headers, delay_seconds); the last reply of a path
    repeats. Every request line (path + query) and header set is recorded.
    """

    def __init__(self) -> None:
        self.replies: dict[str, deque] = defaultdict(deque)
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                path = self.path.split("?", 1)[0]
                server.requests.append((self.path, dict(self.headers)))
                queue = server.replies.get(path)
                if not queue:
                    status, body, headers, delay = 404, b"not scripted", {}, 0.0
                else:
                    status, body, headers, delay = queue[0] if len(queue) == 1 else queue.popleft()
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out first, as the test intends

            def log_message(self, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, path: str, *replies: tuple) -> None:
        """Queue replies for a path: (status, body[, headers[, delay]])."""
        for reply in replies:
            status, body, *rest = reply
            headers = rest[0] if rest else {}
            delay = rest[1] if len(rest) > 1 else 0.0
            data = body.encode() if isinstance(body, str) else body
            self.replies[path].append((status, data, headers, delay))

    def hits(self, path: str) -> int:
        """How many requests reached a path."""
        return sum(1 for p, _ in self.requests if p.split("?", 1)[0] == path)


@pytest.fixture
def http_server() -> Iterator[ScriptedServer]:
    """A scripted HTTP server on loopback, stopped after the test."""
    server = ScriptedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
