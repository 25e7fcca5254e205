"""Transitions available from a Jira status, cached per container.

Keyed on the Jira site, the account, the project, the issue type and the current status:
Jira's workflows are per project and issue type, and what a status offers is the same for
every issue in it. A warm state change then makes one Jira call (the POST). Entries expire
after ``TTL_SECONDS``; a transition Jira refuses drops its entry at once.
"""

from __future__ import annotations

from jira_sync.caching import ContainerCache
from jira_sync.models.jira import Transition

TTL_SECONDS = 300.0
MAX_ENTRIES = 256

Key = tuple[str, str, str, str, str]
_cache: ContainerCache[Key, list[Transition]] = ContainerCache(maxsize=MAX_ENTRIES, ttl=TTL_SECONDS)


def cache_key(base_url: str, identity: str, project: str, issue_type: str, status: str) -> Key:
    return (base_url, identity, project, issue_type.casefold(), status.casefold())


def get(key: Key) -> list[Transition] | None:
    return _cache.get(key)


def put(key: Key, transitions: list[Transition]) -> None:
    _cache.put(key, transitions)


def forget(key: Key) -> None:
    _cache.pop(key)
