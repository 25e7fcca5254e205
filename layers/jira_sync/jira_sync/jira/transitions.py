"""Transitions available from a Jira status, cached per container.

Keyed on the Jira site, the account, the project, the issue type and the current status:
Jira's workflows are per project and issue type, and what a status offers is the same for
every issue in it. A warm state change then makes one Jira call (the POST). Entries expire
after ``TTL_SECONDS``; a transition Jira refuses drops its entry at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

TTL_SECONDS = 300.0
MAX_ENTRIES = 256

Key = tuple[str, str, str, str, str]
_cache: dict[Key, tuple[float, list[dict[str, Any]]]] = {}
_lock = threading.Lock()


def cache_key(base_url: str, email: str, project: str, issue_type: str, status: str) -> Key:
    return (base_url, email, project, issue_type.casefold(), status.casefold())


def get(key: Key, *, clock: Callable[[], float] = time.monotonic) -> list[dict[str, Any]] | None:
    with _lock:
        entry = _cache.get(key)
    if entry is None or entry[0] <= clock():
        return None
    return entry[1]


def put(
    key: Key, transitions: list[dict[str, Any]], *, clock: Callable[[], float] = time.monotonic
) -> None:
    with _lock:
        _cache[key] = (clock() + TTL_SECONDS, transitions)
        while len(_cache) > MAX_ENTRIES:
            _cache.pop(next(iter(_cache)))


def forget(key: Key) -> None:
    with _lock:
        _cache.pop(key, None)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
