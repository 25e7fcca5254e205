"""What every use case shares: a stored credential, its secret and its Jira client."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from jira_sync import store
from jira_sync.aws import secret_store
from jira_sync.aws.secret_store import CredentialSecret
from jira_sync.errors import NotFound
from jira_sync.jira.cache import get_client
from jira_sync.jira.client import JiraClient
from jira_sync.jira.dialect import dialect_of
from jira_sync.models.credentials import StoredCredential
from jira_sync.settings import get_settings

RemainingTime = Callable[[], float]


def load_credential(credential_id: str) -> StoredCredential:
    """The stored credential; ``NotFound`` for an unknown or malformed id."""
    if not _is_uuid(credential_id):
        raise NotFound("no credential with this id")
    credential = store.get_credential(credential_id)
    if credential is None:
        raise NotFound("no credential with this id")
    return credential


def secret_of(credential: StoredCredential) -> CredentialSecret:
    """The credential's secret at the version the item points at, read through the cache."""
    return secret_store.get_secret(credential.credential_id, credential.secret_version)


def credential_client(
    credential: StoredCredential, remaining_time: RemainingTime | None = None
) -> JiraClient:
    """The container's Jira client of a stored credential (its token read through the cache)."""
    token = secret_of(credential).api_token.get_secret_value()
    wait = get_settings().jira_max_wait_seconds
    return get_client(
        credential.client_url,
        credential.login,
        token,
        remaining_time,
        max_wait=wait,
        dialect=dialect_of(credential.deployment),
        bearer=credential.auth == "pat",
    )


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False
