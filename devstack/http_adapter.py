"""The local "API Gateway": an HTTP server on loopback that invokes functions per route.

It does what an HTTP API with Lambda proxy integrations does and nothing more: match the
route, build the v2.0 event, invoke, map the response. IAM authorization is NOT emulated
(every route is open locally); each route's configured authorization is still recorded.
Besides the template's routes it serves Swagger UI at `/docs` (`devstack.api_docs`).

The devstack binds it first and serves it with `ready=False` while the rest boots: a request
then gets a prompt 503 `starting` rather than hanging unanswered in the listen backlog.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from http.server import ThreadingHTTPServer
from typing import Any

from devstack import api_docs, apigw, httpd
from devstack.lambda_pool import InvokeResult
from devstack.processes import LogBuffer, LogLine
from devstack.template import Route

# Oversized bodies up to this size are read and dropped before the 413; beyond it, reset.
_DRAIN_LIMIT_BYTES = 64 * 1024 * 1024

Invoke = Callable[[str, dict[str, Any]], InvokeResult]


class _TooLarge(Exception):
    pass


class ApiGateway:
    """Serves `routes` on 127.0.0.1; `invoke(function_logical_id, event)` runs the function."""

    def __init__(
        self,
        routes: Sequence[Route],
        invoke: Invoke,
        *,
        api_id: str,
        account_id: str,
        logs: LogBuffer,
        port: int = 0,
        ready: bool = True,
    ) -> None:
        self.routes = list(routes)
        self._ready = threading.Event()
        if ready:
            self._ready.set()
        self.router = apigw.Router(self.routes)
        self._invoke = invoke
        self.api_id = api_id
        self.account_id = account_id
        self._logs = logs
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def mark_ready(self) -> None:
        """From now on requests are routed; until then each gets a 503 `starting`."""
        self._ready.set()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="api-gateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def log(self, text: str) -> None:
        self._logs.add(LogLine("api-gateway", "stdout", text))


def _handler_class(gateway: ApiGateway) -> type[httpd.Handler]:
    class Handler(httpd.Handler):
        server_version = "devstack-apigw"

        def do_GET(self) -> None:
            self._dispatch()

        do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            gateway.log(f"{self.address_string()} {format % args}")

        def _read_body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                return self._read_chunked()
            length = int(self.headers.get("Content-Length") or 0)
            if length > apigw.MAX_PAYLOAD_BYTES:
                self._discard(length)
                raise _TooLarge
            return self.rfile.read(length) if length > 0 else b""

        def _discard(self, length: int) -> None:
            """Read an oversized body away so the client gets the 413 instead of a reset."""
            remaining = min(length, _DRAIN_LIMIT_BYTES)
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    return
                remaining -= len(chunk)

        def _read_chunked(self) -> bytes:
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(body)
                if len(body) + size > apigw.MAX_PAYLOAD_BYTES:
                    raise _TooLarge
                body += self.rfile.read(size)
                self.rfile.readline()

        def _dispatch(self) -> None:
            request_id = apigw.new_request_id()
            try:
                body = self._read_body()
            except _TooLarge:
                self.close_connection = True
                self._send(apigw.error_response(413, "Request Entity Too Large", request_id))
                return
            except ValueError:
                self.close_connection = True
                self._send(apigw.error_response(400, "Bad Request", request_id))
                return
            if not gateway.ready:
                self._send(apigw.starting_response(request_id))
                return
            raw_path = self.path.partition("?")[0]
            if self.command in ("GET", "HEAD"):
                docs = api_docs.serve(raw_path, request_id)
                if docs is not None:
                    self._send(docs)
                    return
            match = gateway.router.match(self.command, raw_path)
            if match is None:
                self._send(apigw.error_response(404, "Not Found", request_id))
                return
            host = self.headers.get("Host") or f"127.0.0.1:{gateway.port}"
            event = apigw.build_event(
                match=match,
                method=self.command,
                target=self.path,
                headers=self.headers.items(),
                body=body,
                source_ip=self.client_address[0],
                api_id=gateway.api_id,
                account_id=gateway.account_id,
                domain_name=host,
                protocol=self.request_version,
                request_id=request_id,
            )
            try:
                result = gateway._invoke(match.route.function, event)
            except Exception as error:
                gateway.log(
                    f"{request_id} invoking {match.route.function} failed: {type(error).__name__}"
                )
                self._send(apigw.error_response(500, "Internal Server Error", request_id))
                return
            if not result.ok:
                self._send(apigw.error_response(500, "Internal Server Error", request_id))
                return
            self._send(apigw.map_response(result.payload, request_id))

        def _send(self, response: apigw.HttpResponse) -> None:
            headers = [
                (name, value)
                for name, value in response.headers
                if name.lower() not in ("content-length", "connection", "transfer-encoding")
            ]
            if self.close_connection:
                headers.append(("Connection", "close"))
            self.send_whole(
                response.status, headers, response.body, include_body=self.command != "HEAD"
            )

    return Handler
