"""Processes that outlived their devstack: recorded while they run, named at the next start.

Each process running a devstack keeps `<run dir>/<its pid>.json`, the list of its live children
(pid and start time; each child leads its own process group). The children die with the
devstack (see processes.py), but what *they* started may not: whatever still runs in a process
group of a dead devstack's child is a leftover, and the next start names it rather than tripping
over the ports it holds. The run dir is DEVSTACK_RUN_DIR, else .devstack/run in the repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack import procfs

DEFAULT_RUN_DIR = Path(__file__).resolve().parent.parent / ".devstack" / "run"


def run_dir() -> Path:
    return Path(os.environ.get("DEVSTACK_RUN_DIR") or DEFAULT_RUN_DIR)


@dataclass(frozen=True)
class Leftover:
    pid: int
    command: str
    child: str  # the devstack child it is, or that started it
    owner_pid: int  # the devstack that started that child

    def describe(self) -> str:
        return (
            f"pid {self.pid} ({self.command}), left by {self.child} of an earlier devstack "
            f"(pid {self.owner_pid}, gone)"
        )


class RunFile:
    """This process's record of its live children, rewritten whenever one starts or stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._children: dict[int, dict[str, Any]] = {}

    def add(self, pid: int, name: str) -> None:
        with self._lock:
            self._children[pid] = {"pid": pid, "name": name, "start_time": procfs.start_time(pid)}
            self._write()

    def remove(self, pid: int) -> None:
        with self._lock:
            if self._children.pop(pid, None) is not None:
                self._write()

    def _write(self) -> None:
        path = run_dir() / f"{os.getpid()}.json"
        # Best effort: an unwritable run dir costs the next start its names, not this one's stack.
        with contextlib.suppress(OSError):
            if not self._children:
                path.unlink(missing_ok=True)
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            record = {
                "pid": os.getpid(),
                "start_time": procfs.start_time(os.getpid()),
                "children": list(self._children.values()),
            }
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(record))
            os.replace(temporary, path)


RUN_FILE = RunFile()


def _groups() -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for pid in procfs.pids():
        group = procfs.process_group(pid)
        if group is not None:
            groups.setdefault(group, []).append(pid)
    return groups


def find(directory: Path | None = None) -> list[Leftover]:
    """What still runs of every dead devstack recorded in `directory`; forgets the rest."""
    directory = directory or run_dir()
    found: list[Leftover] = []
    groups: dict[int, list[int]] | None = None
    for path in sorted(directory.glob("*.json")):
        try:
            record = json.loads(path.read_text())
            owner = int(record["pid"])
            children = list(record["children"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if owner == os.getpid() or procfs.alive(owner, record.get("start_time")):
            continue
        left: list[Leftover] = []
        for child in children:
            leader, started = int(child["pid"]), child.get("start_time")
            if not procfs.available():
                members = [leader] if procfs.alive(leader) else []
            else:
                groups = _groups() if groups is None else groups
                # A group id outlives its leader; later members started after it.
                members = [
                    pid
                    for pid in groups.get(leader, [])
                    if procfs.alive(pid)
                    and (started is None or (procfs.start_time(pid) or 0) >= started)
                ]
            left += [Leftover(pid, procfs.cmdline(pid), child["name"], owner) for pid in members]
        if left:
            found += left
        else:
            path.unlink(missing_ok=True)
    return found
