"""One JiraClient (and so one requests.Session) per credential per container.

Warm invocations reuse the session's open connections. The key holds a SHA-256 of the token,
never the token, so a rotated token gets a fresh session and the old one ages out.
"""

from __future__ import annotations

import hashlib

from jira_sync.caching import ContainerCache
from jira_sync.jira.client import JiraClient, RemainingTime
from jira_sync.jira.dialect import CLOUD, Dialect
from jira_sync.jira.retry import RetryPolicy

MAX_CACHED_CLIENTS = 16

type _Key = tuple[str, str | None, str, float | None, Dialect, bool]
_clients: ContainerCache[_Key, JiraClient] = ContainerCache(
    maxsize=MAX_CACHED_CLIENTS, on_evict=lambda client: client.session.close()
)


def get_client(
    base_url: str,
    email: str | None,
    api_token: str,
    remaining_time: RemainingTime | None = None,
    *,
    max_wait: float | None = None,
    dialect: Dialect = CLOUD,
    bearer: bool = False,
) -> JiraClient:
    """The cached client of this credential, bounded by ``remaining_time`` when given.

    Without ``remaining_time`` the cached client itself is returned; with it, a
    ``with_deadline`` view that shares the cached session. ``max_wait`` is the longest
    ``Retry-After`` its calls wait for (the retry policy's default when None).
    """
    base = base_url.rstrip("/")
    digest = hashlib.sha256(api_token.encode("utf-8")).hexdigest()
    key = (base, email, digest, max_wait, dialect, bearer)
    retry = RetryPolicy() if max_wait is None else RetryPolicy(max_retry_after=max_wait)
    client = _clients.get_or_put(
        key,
        lambda: JiraClient(base, email, api_token, retry=retry, dialect=dialect, bearer=bearer),
    )
    return client if remaining_time is None else client.with_deadline(remaining_time)
