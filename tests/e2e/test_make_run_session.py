"""`make run`'s printed example session works as printed: the devstack CLI is started on free
ports, its banner read, and every `curl` line of it run (placeholders filled from the answers)."""

from __future__ import annotations

import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest
import requests

from tests.e2e.test_devstack_stack import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
END_OF_BANNER = "Ctrl-C stops everything."


def read_banner(stream: IO[bytes], timeout_s: float = 120) -> list[str]:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for raw in stream:
            lines.put(raw.decode(errors="replace").rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    banner: list[str] = []
    deadline = time.monotonic() + timeout_s
    while not banner or banner[-1] != END_OF_BANNER:
        line = lines.get(timeout=max(deadline - time.monotonic(), 0.1))
        assert line is not None, "\n".join(banner)
        banner.append(line)
    return banner


def curl_commands(banner: list[str]) -> list[list[str]]:
    """The banner's curl commands, continuation lines joined, split like a shell would."""
    joined: list[str] = []
    for line in banner:
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line.strip()
        else:
            joined.append(line.strip())
    return [
        shlex.split(line, comments=True)
        for line in joined
        if line.startswith(("curl ", "make event "))
    ]


def run_make(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A banner line ``make ...``, run as printed against the stack's ports."""
    return subprocess.run(
        args, cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def run_curl(args: list[str], values: dict[str, str]) -> requests.Response:
    """One curl command, done with requests (-X, -H, -d, -u and the URL are all it uses)."""
    method, url, body, auth = "GET", "", None, None
    headers: dict[str, str] = {}
    words = iter(args[1:])
    for word in words:
        if word == "-s":
            continue
        if word == "-X":
            method = next(words)
        elif word == "-H":
            name, _, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body = next(words)
            method = "POST" if method == "GET" else method
        elif word == "-u":
            user, _, password = next(words).partition(":")
            auth = (user, password)
        else:
            url = word
    for placeholder, value in values.items():
        url = url.replace(placeholder, value)
        body = None if body is None else body.replace(placeholder, value)
    return requests.request(method, url, data=body, headers=headers, auth=auth, timeout=60)


@pytest.mark.parametrize(
    "flavor",
    [("cloud", ""), ("datacenter", "9.12"), ("datacenter", "10.3")],
    ids=["cloud", "datacenter-9", "datacenter-10"],
)
def test_given_make_run_when_its_example_session_is_run_then_every_step_succeeds(
    flavor: tuple[str, str],
) -> None:
    """With ``JIRA_EMULATOR_FLAVOR=datacenter`` the same session runs with a personal access
    token, and the webhook registration is that version's."""
    ports = {
        name: str(free_port())
        for name in ("API_PORT", "JIRA_EMULATOR_PORT", "DYNAMODB_PORT", "MOTO_PORT")
    }
    chosen = {"JIRA_EMULATOR_FLAVOR": flavor[0]}
    if flavor[1]:
        chosen["JIRA_EMULATOR_VERSION"] = flavor[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "--quiet"],
        cwd=REPO_ROOT,
        env={**os.environ, **ports, **chosen},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        commands = curl_commands(read_banner(process.stdout))
        assert len(commands) >= 7
        values: dict[str, str] = {}
        answers: list[Any] = []
        for command in commands:
            if command[0] == "make":
                made = run_make(command, ports)
                assert made.returncode == 0, (command, made.stdout, made.stderr)
                continue
            response = run_curl(command, values)
            assert response.status_code < 300, (command, response.text)
            answers.append(response.json() if response.content else None)
            body = answers[-1]
            if isinstance(body, dict) and "credential_id" in body and "webhook_url" in body:
                values.setdefault("<credential_id>", body["credential_id"])
                values.setdefault("<webhook_url>", body["webhook_url"])
                if "webhook_secret" in body:
                    values.setdefault("<webhook_secret>", body["webhook_secret"])
        ticket = next(a for a in answers if isinstance(a, dict) and "attachment" in a)
        assert ticket["jira"]["key"] == "SEC-1"
        moves = [
            a["jira"] for a in answers if isinstance(a, dict) and "transition" in a.get("jira", {})
        ]
        assert moves == [{"key": "SEC-1", "transition": "applied", "to_status": "In Progress"}]
        hooks = next(
            a for a in answers if isinstance(a, dict) and a.get("url") == values["<webhook_url>"]
        )
        assert hooks.get("enabled", hooks.get("active")) is True
        # The banner's `make event` line: the merged pull request resolves finding-1.
        jira_url = f"http://127.0.0.1:{ports['JIRA_EMULATOR_PORT']}"
        api_url = f"http://127.0.0.1:{ports['API_PORT']}"
        deadline = time.monotonic() + 30
        while requests.get(f"{api_url}/issues/finding-1", timeout=10).json()["state"] != "resolved":
            assert time.monotonic() < deadline, "the banner's event never reached the issue"
            time.sleep(0.3)
        if flavor[0] == "datacenter":
            read = {"headers": {"Authorization": "Bearer svc-pat-token"}}
            path = "/rest/api/2/issue/SEC-1/comment"
        else:
            read = {"auth": ("svc@example.com", "svc-token")}
            path = "/rest/api/3/issue/SEC-1/comment"
        # The state is taken first, and the comment follows it.
        while not (
            comments := requests.get(f"{jira_url}{path}", timeout=10, **read).json()["comments"]
        ):
            assert time.monotonic() < deadline, "the banner's event never commented"
            time.sleep(0.3)
        assert len(comments) == 1
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
