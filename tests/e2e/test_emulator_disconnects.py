"""A client that hangs up before the answer (a timeout against an injected latency) is routine
for a server: the emulator notes it quietly, while any other failure still reaches stderr."""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from devstack.jira_emulator import JiraEmulator
from tests.fixtures.emulator import emulator_session

SERVER_LOGGER = "devstack.jira_emulator.server"
MYSELF = "/rest/api/3/myself"


class _Disconnects(logging.Handler):
    """Collects the emulator's debug notes of clients that hung up."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen = threading.Event()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "disconnected" in record.getMessage():
            self.messages.append(record.getMessage())
            self.seen.set()


@pytest.fixture
def disconnects() -> Iterator[_Disconnects]:
    logger = logging.getLogger(SERVER_LOGGER)
    handler = _Disconnects()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def wait_until_fault_taken(jira: JiraEmulator) -> None:
    """A fault with `times: 1` leaves the list once the server has read the request."""
    deadline = time.monotonic() + 5
    while requests.get(f"{jira.base_url}/_emulator/faults", timeout=5).json():
        assert time.monotonic() < deadline, "the emulator never took the slow request"
        time.sleep(0.02)


def test_given_latency_fault_when_client_hangs_up_then_no_traceback_on_stderr(
    jira: JiraEmulator, disconnects: _Disconnects, capsys: pytest.CaptureFixture[str]
) -> None:
    fault = {"path": MYSELF, "latency_ms": 300, "times": 1}
    assert requests.post(f"{jira.base_url}/_emulator/faults", json=fault, timeout=5).ok
    client = socket.create_connection((jira.host, jira.port), timeout=5)
    client.sendall(
        f"GET {MYSELF} HTTP/1.1\r\nHost: {jira.host}:{jira.port}\r\n"
        "Authorization: Basic c3ZjQGV4YW1wbGUuY29tOnN2Yy10b2tlbg==\r\n\r\n".encode("ascii")
    )
    wait_until_fault_taken(jira)
    # Linger 0: closing resets the connection, so the late answer meets a dead socket for sure.
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()

    assert disconnects.seen.wait(5), "the emulator never noted the client's disconnect"
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "Error" not in err
    assert (
        emulator_session("svc@example.com", "svc-token")
        .get(f"{jira.base_url}{MYSELF}", timeout=5)
        .ok
    )


def test_given_client_read_timeout_when_latency_fault_then_no_traceback_on_stderr(
    jira: JiraEmulator, disconnects: _Disconnects, capsys: pytest.CaptureFixture[str]
) -> None:
    fault = {"path": MYSELF, "latency_ms": 300, "times": 1}
    assert requests.post(f"{jira.base_url}/_emulator/faults", json=fault, timeout=5).ok
    with pytest.raises(requests.ReadTimeout):
        emulator_session("svc@example.com", "svc-token").get(
            f"{jira.base_url}{MYSELF}", timeout=0.05
        )
    # The late answer's write fails once the client's side has reset the connection; give the
    # server the fault's latency and more to reach that write before looking at stderr.
    disconnects.seen.wait(5)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "BrokenPipeError" not in err
    assert "ConnectionResetError" not in err


class _FailingEmulator(JiraEmulator):
    """An emulator whose request handling fails in a way that is not a client disconnect."""

    def handle(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("emulator bug under test")


def test_given_a_real_error_in_the_handler_then_its_traceback_still_reaches_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with _FailingEmulator() as emulator, pytest.raises(requests.ConnectionError):
        requests.get(f"{emulator.base_url}{MYSELF}", timeout=5)
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "RuntimeError: emulator bug under test" in err
