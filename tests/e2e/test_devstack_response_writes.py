"""The devstack's HTTP servers (Jira emulator, local API Gateway) answer kept-alive requests
without the Nagle/delayed-ACK stall: TCP_NODELAY on every accepted socket, and each response
written in one piece, so it arrives in one segment.

Nothing here is timed. TCP_NODELAY is read with getsockopt on the server's own end of the
connection (the servers run in this process, so that socket is one of its file descriptors),
and "one piece" is seen as the whole response arriving in a single recv on loopback.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import stat
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from devstack.http_adapter import ApiGateway
from devstack.jira_emulator import JiraEmulator
from devstack.lambda_pool import InvokeResult
from devstack.processes import LogBuffer
from devstack.template import Route
from tests.fixtures.emulator import emulator_session

AUTH = "Basic " + base64.b64encode(b"svc@example.com:svc-token").decode("ascii")
SEARCH_BODY = json.dumps({"jql": "project = SEC ORDER BY key", "maxResults": 1}).encode()
ECHO_BODY = json.dumps({"name": "probe", "items": list(range(20))}).encode()
JSON = {"Content-Type": "application/json"}
# The server's end of a connection is found among this process's descriptors in /dev/fd.
needs_fd_listing = pytest.mark.skipif(
    not os.path.isdir("/dev/fd"), reason="no /dev/fd to find the server's socket in"
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def wire(self, host: str, port: int) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body:
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + self.body


def _echo(_function: str, event: dict[str, Any]) -> InvokeResult:
    return InvokeResult(
        "test",
        True,
        {
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": event.get("body") or '{"ok": true}',
        },
    )


@pytest.fixture(scope="module")
def gateway() -> Iterator[ApiGateway]:
    api = ApiGateway(
        [Route("ANY", "/echo", "Echo", "NONE")],
        _echo,
        api_id="test000",
        account_id="123456789012",
        logs=LogBuffer(),
    )
    api.start()
    try:
        yield api
    finally:
        api.stop()


SERVERS = ["emulator", "gateway"]
CALLS = {
    "emulator": [
        Call("GET", "/rest/api/3/myself", {"Authorization": AUTH}),
        Call(
            "POST",
            "/rest/api/3/search/jql",
            {"Authorization": AUTH, "Content-Type": "application/json"},
            SEARCH_BODY,
        ),
    ],
    "gateway": [
        Call("GET", "/echo"),
        Call("POST", "/echo", {"Content-Type": "application/json"}, ECHO_BODY),
    ],
}


def _port(request: pytest.FixtureRequest, server: str) -> int:
    if server == "emulator":
        jira: JiraEmulator = request.getfixturevalue("jira")
        return jira.port
    api: ApiGateway = request.getfixturevalue("gateway")
    return api.port


def server_end(client: socket.socket) -> socket.socket:
    """A duplicate of the server's socket for `client`'s connection (close it after use)."""
    wanted = (client.getpeername(), client.getsockname())
    found = _server_end(wanted)
    if found is None:
        raise AssertionError(f"no socket of this process is the server end of {wanted}")
    return found


def _server_end(wanted: tuple[Any, Any]) -> socket.socket | None:
    """A duplicate of this process's socket bound to `wanted` (local, peer), if any."""
    for fd in _socket_fds():
        try:
            candidate = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if (candidate.getsockname(), candidate.getpeername()) == wanted:
                return candidate
        except OSError:
            pass
        candidate.close()
    return None


def _socket_fds() -> Iterator[int]:
    for name in os.listdir("/dev/fd"):
        try:
            if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                yield int(name)
        except OSError:
            continue


def _socket_open(inode: int) -> bool:
    """Whether a file descriptor of this process still refers to socket `inode`."""
    for fd in _socket_fds():
        try:
            if os.fstat(fd).st_ino == inode:
                return True
        except OSError:
            continue
    return False


def read_response(sock: socket.socket, data: bytes = b"") -> tuple[bytes, bytes, bytes]:
    """(head, body, rest) of one Content-Length response, reading more while incomplete."""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1 << 16)
        assert chunk, f"connection closed mid-response: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = content_length(head)
    while len(rest) < length:
        chunk = sock.recv(1 << 16)
        assert chunk, "connection closed mid-body"
        rest += chunk
    return head, rest[:length], rest[length:]


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise AssertionError(f"no Content-Length in {head!r}")


@needs_fd_listing
@pytest.mark.parametrize("server", SERVERS)
def test_given_a_kept_alive_connection_then_the_server_end_has_tcp_nodelay(
    server: str, request: pytest.FixtureRequest
) -> None:
    port = _port(request, server)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        for call in CALLS[server]:
            conn.request(call.method, call.path, body=call.body or None, headers=call.headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200
        assert conn.sock is not None
        accepted = server_end(conn.sock)
        try:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            accepted.close()
    finally:
        conn.close()


@pytest.mark.parametrize("server", SERVERS)
def test_given_kept_alive_requests_then_each_response_arrives_in_one_piece(
    server: str, request: pytest.FixtureRequest
) -> None:
    port = _port(request, server)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        for call in CALLS[server] * 3:
            client.sendall(call.wire("127.0.0.1", port))
            # A response written as one piece is one loopback segment: a single recv has it
            # all. Headers and body written apart arrive apart (the body after the client's
            # delayed ACK without TCP_NODELAY), and this recv would hold the headers only.
            first = client.recv(1 << 16)
            head, body, rest = read_response(client, first)
            assert head.startswith(b"HTTP/1.1 200 "), head
            assert rest == b""
            assert len(first) == len(head) + 4 + len(body), (
                f"{call.method} {call.path}: the first recv had {len(first)} of "
                f"{len(head) + 4 + len(body)} bytes"
            )


@pytest.mark.parametrize("server", SERVERS)
def test_given_expect_100_continue_then_the_interim_response_comes_before_the_body(
    server: str, request: pytest.FixtureRequest
) -> None:
    port = _port(request, server)
    call = CALLS[server][1]
    wire = call.wire("127.0.0.1", port)
    head, _, body = wire.partition(b"\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(head + b"\r\nExpect: 100-continue\r\n\r\n")
        interim = b""
        while b"\r\n\r\n" not in interim:
            chunk = client.recv(1)
            assert chunk, "connection closed before 100 Continue"
            interim += chunk
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        client.sendall(body)
        final, _, rest = read_response(client)
        assert final.startswith(b"HTTP/1.1 200 "), final
        assert rest == b""


def test_given_head_then_no_body_is_sent_and_the_connection_stays_usable(
    gateway: ApiGateway,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=5)
    try:
        conn.request("HEAD", "/echo")
        head = conn.getresponse()
        assert head.status == 200
        assert head.getheader("Content-Length") == str(len(b'{"ok": true}'))
        assert head.read() == b""
        conn.request("POST", "/echo", body=ECHO_BODY, headers=JSON)
        after = conn.getresponse()
        assert after.status == 200
        assert after.read() == ECHO_BODY
    finally:
        conn.close()


def test_given_a_response_larger_than_the_write_buffer_then_it_arrives_whole(
    gateway: ApiGateway,
) -> None:
    large = json.dumps({"blob": "x" * (300 * 1024)}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=5)
    try:
        for body in (large, ECHO_BODY, large):
            conn.request("POST", "/echo", body=body, headers=JSON)
            response = conn.getresponse()
            assert response.status == 200
            assert response.read() == body
    finally:
        conn.close()


@needs_fd_listing
def test_given_a_client_gone_before_the_buffered_answer_then_no_traceback_on_stderr(
    jira: JiraEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """The answer's flush fails on the reset socket, and closing the connection retries it:
    neither is worth a traceback. Looked at once the server has closed its end, i.e. after
    socketserver would have reported an error from finishing the connection."""
    myself = CALLS["emulator"][0]
    faults = f"{jira.base_url}/_emulator/faults"
    fault = {"path": myself.path, "latency_ms": 300, "times": 1}
    control = emulator_session("svc@example.com", "svc-token")
    assert control.post(faults, json=fault, timeout=5).ok
    client = socket.create_connection(("127.0.0.1", jira.port), timeout=5)
    client.sendall(myself.wire("127.0.0.1", jira.port))
    deadline = time.monotonic() + 5
    while control.get(faults, timeout=5).json():  # taken once the server has read the request
        assert time.monotonic() < deadline, "the emulator never took the slow request"
        time.sleep(0.02)
    with server_end(client) as accepted:  # a reset socket has no peer name any more
        inode = os.fstat(accepted.fileno()).st_ino
    # Linger 0: closing resets the connection, so the late answer meets a dead socket.
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    while _socket_open(inode):
        assert time.monotonic() < deadline + 5, "the emulator never closed the connection"
        time.sleep(0.02)

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "Error" not in err
