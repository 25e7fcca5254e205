"""The stack's four ports: checked before anything starts, and named when one is taken.

A taken port used to surface as a raw `OSError: [Errno 98]`, or worse as an unrelated error when
the stack went on to create its resources in an older stack's emulators. Now it is one line per
port naming the port, the variable that sets it and, where /proc tells, the process holding it.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Sequence

from devstack import procfs
from devstack.leftovers import Leftover

VARIABLES = {
    "api": "API_PORT",
    "jira": "JIRA_EMULATOR_PORT",
    "dynamodb": "DYNAMODB_PORT",
    "moto": "MOTO_PORT",
}


class PortInUse(RuntimeError):
    """A port the stack needs is taken; the message (one line per port) is for the user."""


def bind_error(port: int) -> OSError | None:
    """Why a server could not listen on 127.0.0.1:`port` now, or None if it could."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As every server of the stack does: an old connection in TIME_WAIT does not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as error:
            return error
    return None


def busy_message(port: int, variable: str, leftovers: Sequence[Leftover] = ()) -> str:
    holders = sorted(procfs.listening_pids(port))
    if not holders:
        holder = ""
    else:
        by_pid = {leftover.pid: leftover for leftover in leftovers}
        named = [by_pid[pid].describe() if pid in by_pid else _process(pid) for pid in holders]
        holder = f" by {'; '.join(named)}"
    return (
        f"devstack: port {port} ({variable}) is already in use{holder}: "
        f"stop it or set {variable} to a free port (0 picks one)"
    )


def _process(pid: int) -> str:
    return f"pid {pid} ({procfs.cmdline(pid)})"


def check(ports: dict[str, int], leftovers: Sequence[Leftover] = ()) -> None:
    """PortInUse naming every taken port of `ports` (name -> port; 0 is picked later)."""
    problems: list[str] = []
    for name, port in ports.items():
        if port == 0:
            continue
        error = bind_error(port)
        if error is None:
            continue
        variable = VARIABLES[name]
        if error.errno == errno.EADDRINUSE:
            problems.append(busy_message(port, variable, leftovers))
        else:
            problems.append(f"devstack: port {port} ({variable}) cannot be used: {error.strerror}")
    if problems:
        raise PortInUse("\n".join(problems))
