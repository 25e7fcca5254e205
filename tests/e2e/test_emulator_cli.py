"""`python -m devstack.jira_emulator` as a process: one ready line, serves, stops on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_given_cli_when_started_then_prints_ready_line_serves_and_stops_on_sigterm() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.jira_emulator", "--host", "127.0.0.1", "--port", str(port),
         "--webhook-retry-delays", "1,5,30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line == f"jira emulator listening on http://127.0.0.1:{port}\n"
        response = requests.get(f"http://127.0.0.1:{port}/_edge/tenant_info", timeout=5)
        assert response.json() == {"cloudId": "11111111-2222-4333-8444-555555555555"}
        me = requests.get(
            f"http://127.0.0.1:{port}/rest/api/3/myself",
            auth=("alice@example.com", "alice-token"),
            timeout=5,
        )
        assert me.json()["displayName"] == "Alice Example"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_given_bad_retry_delays_when_started_then_exits_with_usage_error() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "devstack.jira_emulator",
            "--port",
            "0",
            "--webhook-retry-delays",
            "1,soon",
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 2
    assert "retry" in completed.stderr
