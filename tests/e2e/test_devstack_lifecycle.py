"""The devstack neither leaks nor misleads: its children die with it however it dies, a taken
port or an earlier run's leftover is named in one line, readiness means *this* stack's servers,
everything listens on loopback, the API says 503 until ready and the README tells the truth
about the environment. Real processes throughout, each server on 127.0.0.1, stopped by PID."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from devstack import aws_emulators, procfs
from devstack import ports as devstack_ports
from devstack.ports import PortInUse
from devstack.processes import LogBuffer, ManagedProcess
from devstack.stack import Devstack
from tests.e2e.test_devstack_stack import _alive, _cmdline, _descendants, eventually, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
PORT_VARIABLES = ("API_PORT", "JIRA_EMULATOR_PORT", "DYNAMODB_PORT", "MOTO_PORT")
HAS_DYNAMODB_LOCAL = not isinstance(aws_emulators.find_dynamodb_local(REPO_ROOT), str)

needs_proc = pytest.mark.skipif(not procfs.available(), reason="process facts come from /proc")

HANDLERS = '''
import json, subprocess, sys

# Takes the port as soon as it is free and holds it for a minute.
GRAB = """
import socket, sys, time
port, deadline = int(sys.argv[1]), time.monotonic() + 60
while time.monotonic() < deadline:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        time.sleep(0.05)
        continue
    sock.listen()
    time.sleep(max(deadline - time.monotonic(), 0))
"""


def health(event, context):
    return {"statusCode": 200, "body": json.dumps({"status": "ok"})}


def spawn(event, context):
    """Start a process of our own that outlives this worker, as a careless handler might."""
    port = json.loads(event["body"])["port"]
    child = subprocess.Popen(
        [sys.executable, "-c", GRAB, str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {"statusCode": 200, "body": json.dumps({"pid": child.pid})}
'''

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.13, Timeout: 10, CodeUri: fn/}
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: !Sub "${AWS::StackName}-bus"}
  HealthFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.health
      Events:
        Health: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /health}}
  SpawnFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.spawn
      Events:
        Spawn: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: POST, Path: /spawn}}
"""

# What Lambda itself defines in every function's environment (AWS docs, "Defined runtime
# environment variables"): the devstack sets these as Lambda would, so they need no word.
LAMBDA_DEFINED = {
    "_HANDLER",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_TASK_ROOT",
    "LANG",
    "PATH",
    "PYTHONPATH",
    "TZ",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text(HANDLERS)
    template = tmp_path / "template.yaml"
    template.write_text(textwrap.dedent(TEMPLATE))
    return template


def cli_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Free ports and a run dir of the test's own, so that no other stack is mistaken for ours."""
    ports = {name: str(free_port()) for name in PORT_VARIABLES}
    return {**os.environ, **ports, "DEVSTACK_RUN_DIR": str(tmp_path / "run"), **overrides}


def start_cli(template: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "devstack", "--template", str(template), "--quiet"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def api_of(env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{env['API_PORT']}"


def healthy(api: str) -> bool:
    try:
        return requests.get(f"{api}/health", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def reap(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=30)


def all_gone(pids: set[int]) -> bool:
    return not [pid for pid in pids if _alive(pid)]


class _Stranger(BaseHTTPRequestHandler):
    """Another stack's server, for all the devstack can tell: it answers anything with 200."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def stranger() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stranger)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@needs_proc
def test_given_devstack_killed_by_sighup_then_by_sigkill_then_children_die_and_it_starts_again(
    project: Path, tmp_path: Path
) -> None:
    env = cli_env(tmp_path)
    api = api_of(env)
    first = start_cli(project, env)
    try:
        eventually(lambda: healthy(api), timeout_s=90)
        children = _descendants(first.pid)
        commands = [_cmdline(pid) for pid in children]
        workers = {pid for pid in children if "lambda_worker.py" in _cmdline(pid)}
        assert any("moto.server" in command for command in commands)
        assert workers
        assert any("DynamoDBLocal.jar" in command for command in commands) == HAS_DYNAMODB_LOCAL
        time.sleep(0.5)  # the API thread that forked the worker has ended by now
        assert all(_alive(pid) for pid in workers), "a warm worker died with its request's thread"

        first.send_signal(signal.SIGHUP)  # the terminal closed: a clean stop, not a death
        first.communicate(timeout=60)
        assert first.returncode == 0
        assert eventually(lambda: all_gone(children), timeout_s=10)

        second = start_cli(project, env)
        try:
            eventually(lambda: healthy(api), timeout_s=90)
            children = _descendants(second.pid)
            second.kill()
            second.communicate(timeout=30)
            assert eventually(lambda: all_gone(children), timeout_s=10)
        finally:
            reap(second)

        third = start_cli(project, env)
        try:
            eventually(lambda: healthy(api), timeout_s=90)
            third.send_signal(signal.SIGTERM)
            _, errors = third.communicate(timeout=60)
        finally:
            reap(third)
    finally:
        reap(first)

    assert third.returncode == 0
    assert b"still running" not in errors  # nothing of the killed stacks was left


@needs_proc
def test_given_a_leftover_of_a_killed_devstack_when_started_again_then_it_is_named(
    project: Path, tmp_path: Path
) -> None:
    env = cli_env(tmp_path, DEVSTACK_DYNAMODB="moto")
    moto_port = int(env["MOTO_PORT"])
    first = start_cli(project, env)
    leftover = 0
    try:
        eventually(lambda: healthy(api_of(env)), timeout_s=90)
        answer = requests.post(f"{api_of(env)}/spawn", json={"port": moto_port}, timeout=30)
        leftover = answer.json()["pid"]
        first.kill()
        first.communicate(timeout=30)
        # Once moto is gone, the handler's own child takes moto's port, as a stray moto would.
        eventually(lambda: procfs.listening_pids(moto_port) == {leftover}, timeout_s=10)

        blocked = subprocess.run(
            [sys.executable, "-m", "devstack", "--template", str(project), "--quiet"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        elsewhere = {**env, "MOTO_PORT": str(free_port())}
        third = start_cli(project, elsewhere)
        try:
            eventually(lambda: healthy(api_of(elsewhere)), timeout_s=90)
            third.send_signal(signal.SIGTERM)
            _, warnings = third.communicate(timeout=60)
        finally:
            reap(third)
    finally:
        reap(first)
        if leftover and _alive(leftover):
            os.kill(leftover, signal.SIGKILL)

    lines = blocked.stderr.decode().splitlines()
    assert blocked.returncode == 2
    assert blocked.stdout == b""
    assert len(lines) == 1, lines
    assert f"port {moto_port} (MOTO_PORT) is already in use by pid {leftover} " in lines[0]
    assert f"left by SpawnFunction of an earlier devstack (pid {first.pid}, gone)" in lines[0]
    assert f"devstack: still running: pid {leftover} " in warnings.decode()


@needs_proc
@pytest.mark.parametrize("variable", PORT_VARIABLES)
def test_given_a_taken_port_when_started_then_one_line_names_port_and_variable(
    project: Path, tmp_path: Path, variable: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = cli_env(tmp_path, **{variable: str(port)})
        result = subprocess.run(
            [sys.executable, "-m", "devstack", "--template", str(project), "--quiet"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )

    lines = result.stderr.decode().splitlines()
    assert result.returncode == 2
    assert result.stdout == b""
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"devstack: port {port} ({variable}) is already in use by pid ")
    assert f"pid {os.getpid()} " in lines[0]


@needs_proc
@pytest.mark.parametrize(
    ("name", "variable"), [("api", "API_PORT"), ("jira", "JIRA_EMULATOR_PORT")]
)
def test_given_a_port_taken_after_the_check_when_bound_then_port_in_use_and_children_stopped(
    monkeypatch: pytest.MonkeyPatch, name: str, variable: str
) -> None:
    monkeypatch.setattr(devstack_ports, "check", lambda *args: None)  # lost the race to it
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        stack = Devstack(template="template.yaml", dynamodb="moto", **{f"{name}_port": port})
        with pytest.raises(
            PortInUse, match=rf"^devstack: port {port} \({variable}\) .* pid {os.getpid()} "
        ):
            stack.start()

    assert all_gone(set(stack.child_pids()))


@needs_proc
def test_given_a_stranger_answering_on_the_port_when_waiting_for_our_child_then_not_ready(
    stranger: int,
) -> None:
    # Our child has not bound the port (yet): the answer can only be someone else's.
    child = ManagedProcess(
        "moto", [sys.executable, "-c", "import time; time.sleep(60)"], logs=LogBuffer()
    )
    try:
        with pytest.raises(TimeoutError):
            aws_emulators.wait_ready(
                child,
                f"http://127.0.0.1:{stranger}/moto-api/",
                port=stranger,
                variable="MOTO_PORT",
                timeout_s=1.5,
            )
    finally:
        child.stop()


@needs_proc
def test_given_the_port_taken_when_moto_starts_then_port_in_use_rather_than_ready(
    stranger: int,
) -> None:
    moto = aws_emulators.start_moto(stranger, LogBuffer())
    try:
        with pytest.raises(
            PortInUse, match=rf"port {stranger} \(MOTO_PORT\) .* pid {os.getpid()} "
        ):
            aws_emulators.wait_ready(
                moto,
                f"http://127.0.0.1:{stranger}/moto-api/",
                port=stranger,
                variable="MOTO_PORT",
                timeout_s=60,
            )
    finally:
        moto.stop()


@needs_proc
def test_given_a_running_stack_when_a_second_uses_its_ports_then_port_in_use_and_nothing_left(
    devstack: Devstack,
) -> None:
    ports = {"moto_port": int(devstack.moto_endpoint.rsplit(":", 1)[1])}
    if devstack.dynamodb_backend == "dynamodb-local":
        ports["dynamodb_port"] = int(devstack.dynamodb_endpoint.rsplit(":", 1)[1])
    second = Devstack(template="template.yaml", start_jira=False, **ports)

    with pytest.raises(PortInUse) as raised:
        second.start()

    lines = str(raised.value).splitlines()
    named = {
        int(found[1]): int(found[2])
        for found in (
            re.search(r"port (\d+) \(\w+\) is already in use by pid (\d+) ", line) for line in lines
        )
        if found
    }
    assert len(lines) == len(ports)
    assert set(named) == set(ports.values())
    assert set(named.values()) <= set(devstack.child_pids())
    assert second.child_pids() == []


@needs_proc
def test_given_running_stack_then_every_part_listens_on_loopback_only(devstack: Devstack) -> None:
    ports = {
        "api": int(devstack.api_url.rsplit(":", 1)[1]),
        "jira": int(devstack.jira_url.rsplit(":", 1)[1]),
        "moto": int(devstack.moto_endpoint.rsplit(":", 1)[1]),
        "dynamodb": int(devstack.dynamodb_endpoint.rsplit(":", 1)[1]),
    }

    addresses = {
        name: {lis.address for lis in procfs.listeners(port)} for name, port in ports.items()
    }

    assert addresses == {name: {"127.0.0.1"} for name in ports}
    assert devstack.dynamodb_backend == ("dynamodb-local" if HAS_DYNAMODB_LOCAL else "moto")


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@needs_proc
def test_given_stack_starting_when_api_is_called_then_503_starting_until_ready(
    project: Path, tmp_path: Path
) -> None:
    env = cli_env(tmp_path, DEVSTACK_DYNAMODB="moto")
    port = int(env["API_PORT"])
    process = start_cli(project, env)
    try:
        deadline = time.monotonic() + 60
        while not _accepts(port) and time.monotonic() < deadline:
            time.sleep(0.005)  # the first moment the API port takes connections
        early = requests.get(f"{api_of(env)}/health", timeout=60)
        eventually(lambda: healthy(api_of(env)), timeout_s=90)
    finally:
        reap(process)

    assert early.status_code == 503
    assert early.headers["retry-after"] == "1"
    assert early.json()["error"]["code"] == "starting"
    assert set(early.json()["error"]) == {"code", "message", "details"}


def test_readme_names_every_variable_the_devstack_sets_unlike_the_template(
    devstack: Devstack,
) -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("### What `make run` starts", 1)[1].split("\n## ", 1)[0]
    unlike: set[str] = set()
    for logical_id, pool in devstack.pools.items():
        template = devstack.stack.functions[logical_id].environment
        unlike |= {name for name, value in pool.env.items() if template.get(name) != value}

    unnamed = sorted(name for name in unlike - LAMBDA_DEFINED if f"`{name}`" not in section)

    assert "JIRA_SYNC_PUBLIC_BASE_URL" in unlike
    assert unnamed == []


def test_given_run_file_when_children_start_and_stop_then_it_lists_the_live_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVSTACK_RUN_DIR", str(tmp_path))
    run_file = tmp_path / f"{os.getpid()}.json"
    sleep = [sys.executable, "-c", "import time; time.sleep(60)"]
    first = ManagedProcess("one", sleep, logs=LogBuffer())
    second = ManagedProcess("two", sleep, logs=LogBuffer())
    try:
        both = json.loads(run_file.read_text())
        first.stop()
        one_left = json.loads(run_file.read_text())
    finally:
        first.stop()
        second.stop()

    # Other children of this process (a session's stack) may be listed too.
    assert both["pid"] == os.getpid()
    assert {(c["name"], c["pid"]) for c in both["children"]} >= {
        ("one", first.pid),
        ("two", second.pid),
    }
    assert {c["name"] for c in one_left["children"]} & {"one", "two"} == {"two"}
