"""A loopback HTTP server that records webhook deliveries and answers with scripted statuses.

Tests point Jira-style webhooks at it to see exactly what was sent (method, path, headers, raw
body) and to make the sender meet failures (503, 400, a slow reply) in a chosen order.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


@dataclass(frozen=True, slots=True)
class Reply:
    """How to answer one request: a status, optionally after holding it back.

    `hold` waits that many seconds; `until` waits for the event to be set (the test releases it).
    """

    status: int = 200
    hold: float = 0.0
    until: threading.Event | None = None


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    path: str
    headers: Message = field(repr=False)
    body: bytes


class WebhookReceiver:
    """Records every request; answers from a script of replies, then 200 once it runs out."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._requests: list[Received] = []
        self._script: deque[Reply] = deque()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="webhook-receiver",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def respond_with(self, *replies: int | Reply) -> None:
        """Queue the answers for the next requests, in order."""
        with self._cond:
            self._script.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    @property
    def requests(self) -> list[Received]:
        with self._cond:
            return list(self._requests)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """The first `count` requests; raises AssertionError when they do not arrive in time."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} request(s), got {len(self._requests)} in {timeout}s"
                    )
                self._cond.wait(remaining)
            return list(self._requests[:count])

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _record(self, received: Received) -> Reply:
        with self._cond:
            self._requests.append(received)
            self._cond.notify_all()
            return self._script.popleft() if self._script else Reply()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                reply = receiver._record(Received(self.command, self.path, self.headers, body))
                if reply.hold:
                    receiver._stopping.wait(reply.hold)
                if reply.until is not None:
                    while not (reply.until.is_set() or receiver._stopping.is_set()):
                        reply.until.wait(0.05)
                if receiver._stopping.is_set():
                    return
                self.send_response(reply.status)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            do_POST = do_GET = do_PUT = _handle

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

        return Handler
