"""A credential's secrets in AWS Secrets Manager: the only code that talks to it.

One secret per credential, named ``<secret_prefix><credential_id>``, holding
``{"api_token": ..., "webhook_secret": ...}``. The table records which secret version a
credential uses; reads go through a per-container cache keyed by that version, so a warm
invocation makes no Secrets Manager call and a changed secret is picked up at once everywhere.
"""

from __future__ import annotations

import json
import secrets as _random
from typing import TYPE_CHECKING

import boto3
from pydantic import BaseModel, ConfigDict, SecretStr

from jira_sync.caching import ContainerCache, once
from jira_sync.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

# Bounds how long a secret value lives in a container's memory after its last fetch.
CACHE_TTL_SECONDS = 300.0

MAX_CACHED_SECRETS = 64


class CredentialSecret(BaseModel):
    """The secret half of a credential; ``repr`` and ``str`` show ``**********``."""

    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    api_token: SecretStr
    webhook_secret: SecretStr | None = None

    def secret_string(self) -> str:
        webhook = self.webhook_secret.get_secret_value() if self.webhook_secret else None
        return json.dumps(
            {"api_token": self.api_token.get_secret_value(), "webhook_secret": webhook}
        )


# credential id -> (version id, secret): a version the table no longer points at is a miss.
_cache: ContainerCache[str, tuple[str, CredentialSecret]] = ContainerCache(
    maxsize=MAX_CACHED_SECRETS, ttl=CACHE_TTL_SECONDS
)


@once
def secretsmanager_client() -> SecretsManagerClient:
    """The container's client, built on first use (endpoint from AWS_ENDPOINT_URL_* if set)."""
    return boto3.client("secretsmanager")


def secret_name(credential_id: str) -> str:
    return f"{get_settings().secret_prefix}{credential_id}"


def generate_webhook_secret() -> SecretStr:
    """A new random webhook secret (256 bits, URL-safe text)."""
    return SecretStr(_random.token_urlsafe(32))


def create_secret(credential_id: str, secret: CredentialSecret) -> str:
    """Stores a new credential's secret; returns its version id."""
    response = secretsmanager_client().create_secret(
        Name=secret_name(credential_id),
        Description=f"jira-sync credential {credential_id}: Jira API token and webhook secret",
        SecretString=secret.secret_string(),
    )
    return _remember(credential_id, response["VersionId"], secret)


def put_secret(credential_id: str, secret: CredentialSecret) -> str:
    """Stores a new version of a credential's secret; returns its version id."""
    response = secretsmanager_client().put_secret_value(
        SecretId=secret_name(credential_id), SecretString=secret.secret_string()
    )
    return _remember(credential_id, response["VersionId"], secret)


def get_secret(credential_id: str, version_id: str) -> CredentialSecret:
    """The secret at ``version_id``, from the cache when it holds that version."""
    cached = _cache.get(credential_id)
    if cached is not None and cached[0] == version_id:
        return cached[1]
    response = secretsmanager_client().get_secret_value(
        SecretId=secret_name(credential_id), VersionId=version_id
    )
    secret = CredentialSecret.model_validate_json(response["SecretString"])
    _remember(credential_id, version_id, secret)
    return secret


def get_current_secret(credential_id: str) -> CredentialSecret:
    """The secret's current version, without the table saying which it is: for checking a
    webhook's signature while the table cannot be read. From the cache when it holds any."""
    cached = _cache.get(credential_id)
    if cached is not None:
        return cached[1]
    response = secretsmanager_client().get_secret_value(SecretId=secret_name(credential_id))
    secret = CredentialSecret.model_validate_json(response["SecretString"])
    _remember(credential_id, response["VersionId"], secret)
    return secret


def delete_secret(credential_id: str) -> None:
    """Deletes the secret at once (no recovery window): its credential no longer exists.

    A secret that is already gone counts as deleted, so a retried delete succeeds.
    """
    _cache.pop(credential_id)
    client = secretsmanager_client()
    try:
        client.delete_secret(SecretId=secret_name(credential_id), ForceDeleteWithoutRecovery=True)
    except client.exceptions.ResourceNotFoundException:
        return


def _remember(credential_id: str, version_id: str, secret: CredentialSecret) -> str:
    _cache.put(credential_id, (version_id, secret))
    return version_id
