"""What Linux's /proc says about processes and listening TCP sockets.

The devstack uses it to tell its own children from strangers: who holds a port it needs, whether
the server answering on a child's port is that child, what an earlier run left behind. Where
there is no /proc every answer is "unknown" (None or empty) and those checks are skipped.
"""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's "st" column


def available() -> bool:
    return (PROC / "self" / "stat").is_file()


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def start_time(pid: int) -> int | None:
    """Clock ticks after boot at which `pid` started: with the pid, names one process for good."""
    fields = _stat(pid)
    return int(fields[19]) if fields else None


def process_group(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[2]) if fields else None


def alive(pid: int, started: int | None = None) -> bool:
    """`pid` runs (not a zombie) and, if `started` is given, is the process that started then."""
    fields = _stat(pid)
    if fields is None:
        if available():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return fields[0] != "Z" and (started is None or int(fields[19]) == started)


def cmdline(pid: int, limit: int = 100) -> str:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    # One line whatever the arguments hold: it goes into one-line messages.
    text = " ".join(raw.replace(b"\0", b" ").decode(errors="replace").split()) or "?"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def pids() -> list[int]:
    try:
        return [int(entry.name) for entry in PROC.iterdir() if entry.name.isdigit()]
    except OSError:
        return []


@dataclass(frozen=True)
class Listener:
    address: str
    inode: int


def _address(hex_ip: str) -> str:
    raw = bytes.fromhex(hex_ip)
    # The kernel prints each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    if len(words) == 4:
        return socket.inet_ntop(socket.AF_INET, words)
    text = socket.inet_ntop(socket.AF_INET6, words)
    return text.removeprefix("::ffff:") if text.startswith("::ffff:") and "." in text else text


def listeners(port: int) -> list[Listener]:
    """Every TCP socket listening on `port`, IPv4 and IPv6, on any address."""
    found: list[Listener] = []
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            hex_ip, _, hex_port = fields[1].partition(":")
            if fields[3] == _LISTEN and int(hex_port, 16) == port:
                found.append(Listener(_address(hex_ip), int(fields[9])))
    return found


def socket_inodes(pid: int) -> set[int]:
    """The inodes of the sockets `pid` has open (only our own processes can be read)."""
    inodes: set[int] = set()
    fd_dir = PROC / str(pid) / "fd"
    with contextlib.suppress(OSError):
        for fd in fd_dir.iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
    return inodes


def listening_pids(port: int, candidates: list[int] | None = None) -> set[int]:
    """Which of `candidates` (default: every readable process) listen on `port`."""
    inodes = {listener.inode for listener in listeners(port)}
    if not inodes:
        return set()
    scan = pids() if candidates is None else candidates
    return {pid for pid in scan if socket_inodes(pid) & inodes}
