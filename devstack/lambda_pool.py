"""Execution environments of each function: worker processes that scale like Lambda's.

A pool per function keeps warm workers and starts a new one (a cold start) only when every
warm one is busy, up to a small maximum, so concurrent requests run in parallel as Lambda
scales out. An invocation that outlives the function's Timeout kills its worker, as Lambda
does, and comes back as an error. Worker output goes to the shared LogBuffer.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devstack.processes import LogBuffer, LogLine, ManagedProcess
from devstack.template import FunctionSpec

WORKER_SCRIPT = Path(__file__).with_name("lambda_worker.py")

# Lambda's init phase may take up to 10 s; a loaded CI machine gets some slack on top.
INIT_TIMEOUT_S = 30.0

_PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"

# The only variables a worker inherits from the devstack's own environment.
_INHERITED = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SYSTEMROOT")


@dataclass(frozen=True)
class AwsEndpoints:
    dynamodb: str
    moto: str
    region: str = "us-east-1"


@dataclass(frozen=True)
class InvokeResult:
    request_id: str
    ok: bool
    payload: Any = None
    error: dict[str, Any] | None = None
    cold_start: bool = False


def worker_environment(
    spec: FunctionSpec,
    endpoints: AwsEndpoints,
    *,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The template's variables, then what Lambda itself sets, then the local endpoints."""
    env = {key: os.environ[key] for key in _INHERITED if key in os.environ}
    env.update(spec.environment)
    env.update(extra or {})
    log_group = f"/aws/lambda/{spec.name}"
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{_PYTHON_VERSION}",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "_HANDLER": spec.handler,
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join([str(spec.code_dir), *(str(d) for d in spec.layer_dirs)]),
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": endpoints.region,
            "AWS_REGION": endpoints.region,
            # Any service without its own entry goes to moto too: nothing reaches real AWS.
            "AWS_ENDPOINT_URL": endpoints.moto,
            "AWS_ENDPOINT_URL_DYNAMODB": endpoints.dynamodb,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoints.moto,
            "AWS_ENDPOINT_URL_EVENTBRIDGE": endpoints.moto,
            "AWS_ENDPOINT_URL_SQS": endpoints.moto,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return env


class WorkerCrashed(RuntimeError):
    """The worker process went away; the pool discards it and starts another next time."""


class _Worker:
    def __init__(
        self, spec: FunctionSpec, env: Mapping[str, str], logs: LogBuffer, index: int
    ) -> None:
        self.spec = spec
        to_worker_r, self._to_worker = os.pipe()
        self._from_worker, from_worker_w = os.pipe()
        stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        worker_env = {**env, "AWS_LAMBDA_LOG_STREAM_NAME": stream}
        try:
            self.process = ManagedProcess(
                spec.logical_id,
                [sys.executable, "-P", str(WORKER_SCRIPT), str(to_worker_r), str(from_worker_w)],
                logs=logs,
                env=worker_env,
                cwd=str(spec.code_dir),
                pass_fds=(to_worker_r, from_worker_w),
            )
        finally:
            os.close(to_worker_r)
            os.close(from_worker_w)
        self.index = index
        self._buffer = b""
        self.init_error: dict[str, Any] | None = None

    def wait_ready(self) -> None:
        message = self._read_message(time.monotonic() + INIT_TIMEOUT_S)
        if message.get("type") == "init_error":
            self.init_error = message["error"]

    def invoke(self, event: Any, request_id: str, trace_id: str) -> dict[str, Any]:
        timeout_s = self.spec.timeout_s
        deadline_ms = int(time.time() * 1000) + timeout_s * 1000
        invocation = {
            "request_id": request_id,
            "event": event,
            "deadline_ms": deadline_ms,
            "invoked_function_arn": self.spec.arn,
            "trace_id": trace_id,
        }
        payload = json.dumps(invocation).encode() + b"\n"
        try:
            view = memoryview(payload)
            while view:
                written = os.write(self._to_worker, view)
                view = view[written:]
        except OSError as error:
            raise WorkerCrashed(f"worker of {self.spec.logical_id} is gone") from error
        return self._read_message(time.monotonic() + timeout_s)

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                readable, _, _ = select.select([self._from_worker], [], [], remaining)
                if not readable:
                    continue
                chunk = os.read(self._from_worker, 1 << 20)
            except (OSError, ValueError) as error:
                raise WorkerCrashed(f"worker of {self.spec.logical_id} was stopped") from error
            if not chunk:
                raise WorkerCrashed(f"worker of {self.spec.logical_id} exited")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)  # type: ignore[no-any-return]

    def stop(self) -> None:
        for fd in (self._to_worker, self._from_worker):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.process.stop()


@dataclass
class FunctionPool:
    """Warm workers of one function; grows on demand up to `max_workers`."""

    spec: FunctionSpec
    env: Mapping[str, str]
    logs: LogBuffer
    max_workers: int = 4
    _idle: list[_Worker] = field(default_factory=list, init=False)
    _all: list[_Worker] = field(default_factory=list, init=False)
    _starting: int = field(default=0, init=False)
    _cond: threading.Condition = field(default_factory=threading.Condition, init=False)
    _closed: bool = field(default=False, init=False)
    _spawned: int = field(default=0, init=False)

    @property
    def cold_starts(self) -> int:
        """How many execution environments this pool has started so far."""
        return self._spawned

    def worker_pids(self) -> list[int]:
        with self._cond:
            return [worker.process.pid for worker in self._all]

    def invoke(self, event: Any) -> InvokeResult:
        request_id = str(uuid.uuid4())
        worker, cold = self._acquire()
        if worker.init_error is not None:
            self._discard(worker)
            return InvokeResult(request_id, ok=False, error=worker.init_error, cold_start=cold)
        trace_id = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0;Lineage=1"
        try:
            message = worker.invoke(event, request_id, trace_id)
        except TimeoutError:
            self._timed_out(worker, request_id)
            error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                f"{float(self.spec.timeout_s):.2f} seconds",
            }
            return InvokeResult(request_id, ok=False, error=error, cold_start=cold)
        except WorkerCrashed:
            self._discard(worker)
            error = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {request_id} Error: exited",
            }
            return InvokeResult(request_id, ok=False, error=error, cold_start=cold)
        self._release(worker)
        if message.get("type") == "result":
            return InvokeResult(request_id, ok=True, payload=message.get("result"), cold_start=cold)
        return InvokeResult(request_id, ok=False, error=message.get("error"), cold_start=cold)

    def _acquire(self) -> tuple[_Worker, bool]:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError(f"{self.spec.logical_id} is stopped")
                if self._idle:
                    return self._idle.pop(), False
                if len(self._all) + self._starting < self.max_workers:
                    self._starting += 1
                    self._spawned += 1
                    index = self._spawned
                    break
                self._cond.wait()
        try:
            worker = _Worker(self.spec, self.env, self.logs, index)
        except BaseException:
            with self._cond:
                self._starting -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._starting -= 1
            self._all.append(worker)
        try:
            worker.wait_ready()
        except (TimeoutError, WorkerCrashed):
            worker.init_error = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"{self.spec.logical_id}: init did not complete",
            }
        return worker, True

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            if self._closed:
                return
            self._idle.append(worker)
            self._cond.notify()

    def _discard(self, worker: _Worker) -> None:
        worker.stop()
        with self._cond:
            if worker in self._all:
                self._all.remove(worker)
            self._cond.notify()

    def _timed_out(self, worker: _Worker, request_id: str) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        text = f"{now} {request_id} Task timed out after {float(self.spec.timeout_s):.2f} seconds"
        self.logs.add(LogLine(self.spec.logical_id, "stdout", text))
        self._discard(worker)

    def stop(self) -> None:
        with self._cond:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.stop()
