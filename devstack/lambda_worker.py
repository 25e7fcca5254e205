"""A Lambda-like runtime: one process = one execution environment of one function.

Started by `devstack.lambda_pool` as `python -P lambda_worker.py <in-fd> <out-fd>` with the
function's environment, so it imports nothing from the repository itself: the handler module is
found on PYTHONPATH (task root, then layers) exactly as Lambda's bootstrap finds it. Invocations
arrive one at a time as JSON lines on <in-fd>; results go back on <out-fd>, keeping stdout and
stderr free for the function's own log lines. Standard library only.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any


class CognitoIdentity:
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


class LambdaContext:
    """The attributes and method of the Python runtime's context object."""

    def __init__(self, request_id: str, deadline_ms: int, invoked_function_arn: str) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = invoked_function_arn
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = CognitoIdentity()
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": error_type or type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def _log_error(error: dict[str, Any]) -> None:
    """Lambda logs an uncaught error as `[ERROR] Type: message` followed by the traceback."""
    lines = [
        f"[ERROR] {error['errorType']}: {error['errorMessage']}",
        "Traceback (most recent call last):",
    ]
    lines.extend(frame.rstrip("\n") for frame in error["stackTrace"])
    sys.stderr.write("\r".join(lines) + "\n")
    sys.stderr.flush()


def _load_handler(handler: str) -> Callable[[Any, LambdaContext], Any]:
    module_name, _, function_name = handler.rpartition(".")
    module = importlib.import_module(module_name.replace("/", "."))
    function = getattr(module, function_name, None)
    if function is None:
        raise AttributeError(f"Handler '{function_name}' missing on module '{module_name}'")
    return function  # type: ignore[no-any-return]


def _peak_memory_mb() -> int:
    """Peak RSS of this process (VmHWM; ru_maxrss would include the parent's pre-exec peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _send(out: Any, message: dict[str, Any]) -> None:
    out.write(json.dumps(message).encode() + b"\n")
    out.flush()


def main(in_fd: int, out_fd: int) -> int:
    inbox = os.fdopen(in_fd, "rb")
    out = os.fdopen(out_fd, "wb")
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if task_root:
        os.chdir(task_root)
    started = time.perf_counter()
    try:
        handler = _load_handler(os.environ["_HANDLER"])
    except Exception as exc:
        module = os.environ["_HANDLER"].rpartition(".")[0]
        kind = (
            "Runtime.ImportModuleError"
            if isinstance(exc, ImportError)
            else "Runtime.HandlerNotFound"
        )
        error = _error(exc, kind)
        error["errorMessage"] = f"Unable to import module '{module}': {exc}"
        _log_error(error)
        _send(out, {"type": "init_error", "error": error})
        return 1
    init_ms = (time.perf_counter() - started) * 1000
    _send(out, {"type": "ready", "init_ms": init_ms})
    first = True
    for line in iter(inbox.readline, b""):
        invocation = json.loads(line)
        request_id = invocation["request_id"]
        os.environ["_X_AMZN_TRACE_ID"] = invocation.get("trace_id", "")
        context = LambdaContext(
            request_id, invocation["deadline_ms"], invocation["invoked_function_arn"]
        )
        version = context.function_version
        print(f"START RequestId: {request_id} Version: {version}", flush=True)
        began = time.perf_counter()
        message: dict[str, Any]
        try:
            result = handler(invocation["event"], context)
        except Exception as exc:
            message = {"type": "error", "error": _error(exc)}
        else:
            try:
                message = {"type": "result", "result": json.loads(json.dumps(result))}
            except (TypeError, ValueError) as exc:
                error = _error(exc, "Runtime.MarshalError")
                error["errorMessage"] = f"Unable to marshal response: {exc}"
                message = {"type": "error", "error": error}
            del result
        if message["type"] == "error":
            _log_error(message["error"])
        duration = (time.perf_counter() - began) * 1000
        sys.stderr.flush()
        max_memory_mb = _peak_memory_mb()
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\t"
            f"Billed Duration: {int(duration) + 1} ms\t"
            f"Memory Size: {context.memory_limit_in_mb} MB\tMax Memory Used: {max_memory_mb} MB"
        )
        if first:
            report += f"\tInit Duration: {init_ms:.2f} ms"
        print(f"END RequestId: {request_id}", flush=True)
        print(report, flush=True)
        first = False
        _send(out, message)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
