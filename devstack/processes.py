"""Child processes of the local stack: own process group, captured output, no orphans.

Every process the devstack starts (DynamoDB Local, moto, each Lambda worker) gets its own
session so that stopping it kills the whole group, including anything it spawned, and its
stdout/stderr lines land in one `LogBuffer` that tests can search (e.g. for leaked secrets).

A stop that never runs (SIGKILL of the devstack) must not leave them behind holding their ports:
on Linux each child asks the kernel for SIGKILL when its parent goes (PR_SET_PDEATHSIG), and each
is recorded in the run file (`leftovers`) so that anything still left is named at the next start.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import IO

from devstack.leftovers import RUN_FILE

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up once here, not in every forked child.
_PRCTL = _load_prctl()


@dataclass(frozen=True)
class LogLine:
    source: str
    stream: str
    text: str


class LogBuffer:
    """Thread-safe, bounded store of captured output lines, optionally echoed as they arrive."""

    def __init__(
        self, echo: Callable[[LogLine], None] | None = None, max_lines: int = 200_000
    ) -> None:
        self._lines: deque[LogLine] = deque(maxlen=max_lines)
        self._lock = threading.Lock()
        self._echo = echo

    def add(self, line: LogLine) -> None:
        with self._lock:
            self._lines.append(line)
        if self._echo is not None:
            self._echo(line)

    def lines(self, source: str | None = None) -> list[LogLine]:
        with self._lock:
            return [line for line in self._lines if source is None or line.source == source]

    def clear(self) -> None:
        with self._lock:
            self._lines.clear()


def free_port() -> int:
    """A port that was free a moment ago, for servers that must be told their port up front."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with(parent: int) -> Callable[[], None]:
    """The child's preexec: SIGKILL when the devstack goes; exit if it is already gone."""

    def preexec() -> None:
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)  # the devstack died between fork and prctl: nobody would kill us

    return preexec


type _Job = tuple[Callable[[], subprocess.Popen[bytes]], Future[subprocess.Popen[bytes]]]


class _Spawner:
    """Forks every child from one thread that lives as long as the process.

    PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process: a
    worker forked from an API request's thread would be killed as soon as that request ended.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def popen(self, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        if _PRCTL is None:
            return start()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="devstack-spawner")
                self._thread.daemon = True
                self._thread.start()
        done: Future[subprocess.Popen[bytes]] = Future()
        self._jobs.put((start, done))
        return done.result()

    def _run(self) -> None:
        while True:
            start, done = self._jobs.get()
            try:
                done.set_result(start())
            except BaseException as error:
                done.set_exception(error)


_SPAWNER = _Spawner()


class ManagedProcess:
    """A child in its own process group whose output lines go to a LogBuffer."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        logs: LogBuffer,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        pass_fds: Sequence[int] = (),
    ) -> None:
        self.name = name
        self._logs = logs
        self.process = _SPAWNER.popen(
            lambda: subprocess.Popen(
                list(args),
                env=dict(env) if env is not None else None,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=tuple(pass_fds),
                start_new_session=True,
                preexec_fn=_die_with(os.getpid()),
            )
        )
        RUN_FILE.add(self.process.pid, name)
        self._readers = [
            threading.Thread(
                target=self._pump, args=(stream, label), daemon=True, name=f"{name}-{label}"
            )
            for stream, label in ((self.process.stdout, "stdout"), (self.process.stderr, "stderr"))
        ]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, count: int = 20) -> str:
        """The last lines this process printed, for start-up error messages."""
        return "\n".join(line.text for line in self._logs.lines(self.name)[-count:])

    def alive(self) -> bool:
        return self.process.poll() is None

    def _pump(self, stream: IO[bytes] | None, label: str) -> None:
        if stream is None:
            return
        with stream:
            for raw in iter(stream.readline, b""):
                text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                self._logs.add(LogLine(self.name, label, text))

    def stop(self, grace_s: float = 3.0) -> None:
        """SIGTERM the process group, SIGKILL it after `grace_s`, and reap the child."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace_s)
        # The leader may be gone while others in its group live on: always sweep the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace_s)
        RUN_FILE.remove(self.process.pid)
        for reader in self._readers:
            reader.join(timeout=1.0)


def wait_until(
    check: Callable[[], bool], *, timeout_s: float, interval_s: float = 0.05, what: str
) -> None:
    """Poll `check` until it returns True; TimeoutError naming `what` otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        if check():
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not ready after {timeout_s:.0f}s")
        time.sleep(interval_s)
