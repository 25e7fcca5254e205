"""Test controls that make the emulator misbehave on purpose: injected faults, a Jira-style
rate limit, and the log of requests received."""

from __future__ import annotations

import fnmatch
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_LOGGED_REQUESTS = 10_000
FAULT_KEYS = frozenset(
    {"method", "path", "status", "headers", "body", "latency_ms", "drop_connection", "times"}
    | {"after_processing"}
)


@dataclass
class Fault:
    """One injected fault. `path` is a glob, or a regex when it starts with `^`."""

    id: int
    method: str
    path: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    latency_ms: int = 0
    drop_connection: bool = False
    times: int | None = None
    after_processing: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.method not in {"*", method.upper()}:
            return False
        if self.path.startswith("^"):
            return re.search(self.path, path) is not None
        return fnmatch.fnmatchcase(path, self.path)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "headers": self.headers,
            "body": self.body,
            "latency_ms": self.latency_ms,
            "drop_connection": self.drop_connection,
            "times": self.times,
            "after_processing": self.after_processing,
        }


class FaultSpecError(ValueError):
    """A fault definition the control API refuses (answered with 400)."""


def parse_fault(spec: Any, fault_id: int) -> Fault:
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault is a JSON object")
    unknown = set(spec) - FAULT_KEYS
    if unknown:
        raise FaultSpecError(f"unknown fault keys: {sorted(unknown)}")
    path = spec.get("path")
    if not isinstance(path, str) or not path:
        raise FaultSpecError("'path' (a glob, or a regex starting with '^') is required")
    if path.startswith("^"):
        try:
            re.compile(path)
        except re.error as exc:
            raise FaultSpecError(f"'path' is not a valid regex: {exc}") from None
    status = spec.get("status")
    if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
        raise FaultSpecError("'status' must be an HTTP status code")
    headers = spec.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise FaultSpecError("'headers' must map names to strings")
    latency = spec.get("latency_ms", 0)
    if not isinstance(latency, int | float) or latency < 0:
        raise FaultSpecError("'latency_ms' must be a non-negative number")
    times = spec.get("times")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise FaultSpecError("'times' must be a positive integer")
    drop = bool(spec.get("drop_connection", False))
    if status is None and not drop and not latency:
        raise FaultSpecError(
            "a fault needs at least one of 'status', 'drop_connection', 'latency_ms'"
        )
    return Fault(
        id=fault_id,
        method=str(spec.get("method") or "*").upper(),
        path=path,
        status=status,
        headers=dict(headers),
        body=spec.get("body"),
        latency_ms=int(latency),
        drop_connection=drop,
        times=times,
        after_processing=bool(spec.get("after_processing", False)),
    )


class Faults:
    """Active faults, first match wins; a fault with `times` is removed once used up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: Any) -> Fault:
        with self._lock:
            fault = parse_fault(spec, self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, counting one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
            return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def views(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.view() for f in self._faults]


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """A token bucket over all API requests, answered like Jira's burst limit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rate: float | None = None
        self._burst = 0
        self._tokens = 0.0
        self._stamp = 0.0

    def configure(self, spec: Any) -> dict[str, Any]:
        if not isinstance(spec, dict):
            raise FaultSpecError("the rate limit is a JSON object {requests_per_second, burst}")
        rate, burst = spec.get("requests_per_second"), spec.get("burst", 1)
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            raise FaultSpecError("'requests_per_second' must be a positive number")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise FaultSpecError("'burst' must be a positive integer")
        with self._lock:
            self._rate, self._burst = float(rate), burst
            self._tokens, self._stamp = float(burst), time.monotonic()
            return self._configured()

    def clear(self) -> None:
        with self._lock:
            self._rate = None

    def view(self) -> dict[str, Any] | None:
        with self._lock:
            if self._rate is None:
                return None
            return {"requests_per_second": self._rate, "burst": self._burst}

    def _configured(self) -> dict[str, Any]:
        return {"requests_per_second": self._rate, "burst": self._burst}

    def check(self) -> Verdict:
        with self._lock:
            if self._rate is None:
                return Verdict(True, {})
            moment = time.monotonic()
            self._tokens = min(self._burst, self._tokens + (moment - self._stamp) * self._rate)
            self._stamp = moment
            if self._tokens >= 1:
                self._tokens -= 1
                return Verdict(True, {})
            wait = (1 - self._tokens) / self._rate
            reset = datetime.now(UTC) + timedelta(seconds=wait)
            return Verdict(
                False,
                {
                    "Retry-After": str(max(1, math.ceil(wait))),
                    "X-RateLimit-Limit": str(self._burst),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.")
                    + f"{reset.microsecond // 1000:03d}Z",
                    "X-RateLimit-NearLimit": "true",
                    "RateLimit-Reason": "jira-burst-based",
                },
            )


class RequestLog:
    """Every API request received (never headers or bodies: they may carry credentials)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=MAX_LOGGED_REQUESTS)

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
