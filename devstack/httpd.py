"""The request handler base of devstack's HTTP servers (the Jira emulator, the local API Gateway).

Both keep connections alive, and a response written in two pieces (headers, then body) on a
Nagle socket waits for the client's delayed ACK before the body leaves: about 40 ms per request,
which would distort every latency figure taken on the stack. So every accepted socket gets
TCP_NODELAY, and writes go through a buffer that `send_whole` flushes once per response.
"""

from __future__ import annotations

from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler

# One write for any response up to this size (headers included): loopback carries that much
# in a single segment. A larger body leaves in a few writes, which TCP_NODELAY keeps prompt.
WRITE_BUFFER_BYTES = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, TCP_NODELAY on the connection, one write per response."""

    protocol_version = "HTTP/1.1"
    # socketserver.StreamRequestHandler sets TCP_NODELAY in setup() when this is true.
    disable_nagle_algorithm = True
    # A buffered wfile: headers and body reach the socket together, at the flush. Responses
    # written by http.server itself (send_error) are flushed at the end of the connection,
    # which it always closes after them.
    wbufsize = WRITE_BUFFER_BYTES

    def send_whole(
        self,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        *,
        include_body: bool = True,
    ) -> None:
        """Status line, `headers`, Content-Length and (unless `include_body` is false, as
        for HEAD) the body, sent in one write."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if include_body and body:
            self.wfile.write(body)
        self.wfile.flush()

    def handle_expect_100(self) -> bool:
        """Send the interim `100 Continue` now: the client waits for it to send the body."""
        answered = super().handle_expect_100()
        self.wfile.flush()
        return answered

    def finish(self) -> None:
        """As socketserver's, except that a client gone with part of an answer still buffered
        does not fail it: closing the buffered wfile retries the write that already failed."""
        try:
            super().finish()
        except OSError:
            self.rfile.close()
