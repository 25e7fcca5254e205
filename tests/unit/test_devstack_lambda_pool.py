"""Lambda-like workers: real processes with Lambda's context, environment, limits and scaling."""

from __future__ import annotations

import os
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.lambda_pool import AwsEndpoints, FunctionPool, worker_environment
from devstack.processes import LogBuffer
from devstack.template import FunctionSpec

HANDLER = """
import json, os, sys, time

import helper  # from the layer directory, as /opt/python in Lambda

def context_view(event, context):
    print(json.dumps({"level": "INFO", "message": "context read"}))
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "helper": helper.VALUE,
        "cwd": os.getcwd(),
        "env": {k: os.environ.get(k) for k in event.get("env", [])},
        "pid": os.getpid(),
    }

def sleepy(event, context):
    before = context.get_remaining_time_in_millis()
    time.sleep(event["sleep"])
    return {"pid": os.getpid(), "before": before, "after": context.get_remaining_time_in_millis()}

def boom(event, context):
    raise ValueError("handler failed on purpose")

def not_json(event, context):
    return {"when": object()}

def exits(event, context):
    os._exit(3)
"""


@pytest.fixture
def code(tmp_path: Path) -> tuple[Path, Path]:
    code_dir = tmp_path / "fn"
    layer_dir = tmp_path / "layer"
    code_dir.mkdir()
    layer_dir.mkdir()
    (code_dir / "app.py").write_text(textwrap.dedent(HANDLER))
    (layer_dir / "helper.py").write_text("VALUE = 'from layer'\n")
    (code_dir / "broken.py").write_text("import does_not_exist_anywhere\n")
    return code_dir, layer_dir


def make_pool(
    code: tuple[Path, Path], handler: str, timeout_s: int = 5, max_workers: int = 4
) -> FunctionPool:
    code_dir, layer_dir = code
    spec = FunctionSpec(
        logical_id="TestFunction",
        name="jira-sync-local-TestFunction",
        arn="arn:aws:lambda:us-east-1:123456789012:function:jira-sync-local-TestFunction",
        handler=handler,
        code_dir=code_dir,
        layer_dirs=(layer_dir,),
        environment={"FROM_TEMPLATE": "yes", "AWS_REGION": "eu-west-1"},
        memory_mb=256,
        timeout_s=timeout_s,
    )
    endpoints = AwsEndpoints(dynamodb="http://127.0.0.1:1", moto="http://127.0.0.1:2")
    env = worker_environment(spec, endpoints, extra={"JIRA_SYNC_ALLOW_LOOPBACK": "1"})
    return FunctionPool(spec, env, LogBuffer(), max_workers=max_workers)


@pytest.fixture
def pools() -> Iterator[list[FunctionPool]]:
    created: list[FunctionPool] = []
    yield created
    for pool in created:
        pool.stop()


def test_given_handler_when_invoked_then_context_matches_lambda_and_template(
    code: tuple[Path, Path], pools: list[FunctionPool]
) -> None:
    pool = make_pool(code, "app.context_view", timeout_s=7)
    pools.append(pool)

    result = pool.invoke(
        {"env": ["FROM_TEMPLATE", "AWS_REGION", "AWS_ENDPOINT_URL_DYNAMODB", "PYTHONPATH"]}
    )

    assert result.ok, result.error
    view = result.payload
    assert view["function_name"] == "jira-sync-local-TestFunction"
    assert view["function_version"] == "$LATEST"
    assert view["invoked_function_arn"].endswith(":function:jira-sync-local-TestFunction")
    assert view["memory_limit_in_mb"] == "256"
    assert view["aws_request_id"] == result.request_id
    assert view["log_group_name"] == "/aws/lambda/jira-sync-local-TestFunction"
    assert "[$LATEST]" in view["log_stream_name"]
    assert 5000 < view["remaining_ms"] <= 7000
    assert view["helper"] == "from layer"
    assert view["cwd"] == str(code[0])
    # The template's variables are kept; the region and endpoints are the local stack's.
    assert view["env"]["FROM_TEMPLATE"] == "yes"
    assert view["env"]["AWS_REGION"] == "us-east-1"
    assert view["env"]["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:1"
    assert view["env"]["PYTHONPATH"] == os.pathsep.join([str(code[0]), str(code[1])])
    assert result.cold_start is True


def test_given_invocations_when_handler_prints_then_lines_and_lambda_markers_are_captured(
    code: tuple[Path, Path], pools: list[FunctionPool]
) -> None:
    pool = make_pool(code, "app.context_view")
    pools.append(pool)

    first = pool.invoke({})
    second = pool.invoke({})

    # The worker's output is read by another thread, as Lambda ships logs after the answer.
    deadline = time.monotonic() + 10
    while True:
        lines = [line.text for line in pool.logs.lines("TestFunction")]
        if len([line for line in lines if line.startswith("REPORT")]) >= 2:
            break
        assert time.monotonic() < deadline, lines
        time.sleep(0.05)
    assert f"START RequestId: {first.request_id} Version: $LATEST" in lines
    assert f"END RequestId: {second.request_id}" in lines
    assert lines.count('{"level": "INFO", "message": "context read"}') == 2
    reports = [line for line in lines if line.startswith("REPORT")]
    assert len(reports) == 2
    assert "Init Duration" in reports[0]
    assert "Init Duration" not in reports[1]
    assert second.cold_start is False
    assert pool.cold_starts == 1


def test_given_time_passes_in_handler_when_remaining_time_read_again_then_it_shrinks(
    code: tuple[Path, Path], pools: list[FunctionPool]
) -> None:
    pool = make_pool(code, "app.sleepy", timeout_s=5)
    pools.append(pool)

    result = pool.invoke({"sleep": 0.3})

    assert result.ok, result.error
    assert result.payload["before"] - result.payload["after"] >= 250


def test_given_handler_slower_than_timeout_when_invoked_then_timed_out_and_worker_replaced(
    code: tuple[Path, Path], pools: list[FunctionPool]
) -> None:
    pool = make_pool(code, "app.sleepy", timeout_s=1)
    pools.append(pool)

    slow = pool.invoke({"sleep": 5})
    fast = pool.invoke({"sleep": 0})

    assert not slow.ok
    assert slow.error is not None
    assert slow.error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in "\n".join(t.text for t in pool.logs.lines())
    assert fast.ok
    assert fast.cold_start is True
    assert len(pool.worker_pids()) == 1


def test_given_handler_raises_when_invoked_then_error_result_and_error_logged(
    code: tuple[Path, Path], pools: list[FunctionPool]
) -> None:
    pool = make_pool(code, "app.boom")
    pools.append(pool)

    result = pool.invoke({})

    assert not result.ok
    assert result.error is not None
    assert result.error["errorType"] == "ValueError"
    assert result.error["errorMessage"] == "handler failed on purpose"
    # The worker's output is read by another thread, as Lambda ships logs after the answer.
    deadline = time.monotonic() + 10
    while True:
        logged = [line.text for line in pool.logs.lines() if line.stream == "stderr"]
        if any(text.startswith("[ERROR] ValueError") for text in logged):
            break
        assert time.monotonic() < deadline, logged
        time.sleep(0.05)
    assert any(text.startswith("[ERROR] ValueError: handler failed on purpose") for text in logged)


def test_given_unserializable_result_when_invoked_then_marshal_error(
    code: tuple[Path, Path], pools: list[FunctionPool]
) -> None:
    pool = make_pool(code, "app.not_json")
    pools.append(pool)

    result = pool.invoke({})

    assert not result.ok
    assert result.error is not None
    assert result.error["errorType"] == "Runtime.MarshalError"


def test_given_module_that_fails_to_import_when_invoked_then_import_module_error(
    code: tuple[Path, Path], pools: list[FunctionPool]
) -> None:
    pool = make_pool(code, "broken.handler")
    pools.append(pool)

    result = pool.invoke({})

    assert not result.ok
    assert result.error is not None
    assert result.error["errorType"] == "Runtime.ImportModuleError"
    assert "does_not_exist_anywhere" in result.error["errorMessage"]


def test_given_process_exits_mid_invocation_when_invoked_then_exit_error_and_next_call_works(
    code: tuple[Path, Path], pools: list[FunctionPool]
) -> None:
    pool = make_pool(code, "app.exits")
    pools.append(pool)

    result = pool.invoke({})

    assert not result.ok
    assert result.error is not None
    assert result.error["errorType"] == "Runtime.ExitError"
    assert pool.worker_pids() == []


def test_given_concurrent_invocations_when_all_workers_busy_then_pool_scales_up_to_its_max(
    code: tuple[Path, Path], pools: list[FunctionPool]
) -> None:
    pool = make_pool(code, "app.sleepy", max_workers=3)
    pools.append(pool)
    results = []
    lock = threading.Lock()

    def call() -> None:
        outcome = pool.invoke({"sleep": 1.0})
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(result.ok for result in results)
    pids = {result.payload["pid"] for result in results}
    assert len(pids) == 3
    assert pool.cold_starts == 3
    assert sum(result.cold_start for result in results) == 3


def test_given_stopped_pool_when_stopped_then_worker_processes_are_gone(
    code: tuple[Path, Path], pools: list[FunctionPool]
) -> None:
    pool = make_pool(code, "app.context_view")
    pool.invoke({})
    (pid,) = pool.worker_pids()

    pool.stop()

    assert not Path(f"/proc/{pid}").exists()
