"""One JiraClient (and so one requests.Session) per credential per container.

Warm invocations reuse the session's open connections. The key holds a SHA-256 of the token,
never the token, so a rotated token gets a fresh session and the old one ages out.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from jira_sync.jira.client import JiraClient, RemainingTime

MAX_CACHED_CLIENTS = 16

_clients: OrderedDict[tuple[str, str, str], JiraClient] = OrderedDict()
_lock = threading.Lock()


def get_client(
    base_url: str, email: str, api_token: str, remaining_time: RemainingTime | None = None
) -> JiraClient:
    """The cached client of this credential, bounded by ``remaining_time`` when given.

    Without ``remaining_time`` the cached client itself is returned; with it, a
    ``with_deadline`` view that shares the cached session.
    """
    key = (
        base_url.rstrip("/"),
        email,
        hashlib.sha256(api_token.encode("utf-8")).hexdigest(),
    )
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = JiraClient(key[0], email, api_token)
            _clients[key] = client
            while len(_clients) > MAX_CACHED_CLIENTS:
                _, evicted = _clients.popitem(last=False)
                evicted.session.close()
        else:
            _clients.move_to_end(key)
    return client if remaining_time is None else client.with_deadline(remaining_time)


def clear_client_cache() -> None:
    """Forget every cached client and close its connections (tests, credential deletion)."""
    with _lock:
        while _clients:
            _, client = _clients.popitem()
            client.session.close()
