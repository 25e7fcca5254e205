"""The table and Secrets Manager modules against moto, with the table built from template.yaml."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from jira_sync import caching, store
from jira_sync.aws import secret_store
from jira_sync.aws.secret_store import CredentialSecret
from jira_sync.errors import Conflict, NotFound
from jira_sync.models.credentials import StoredCredential
from tests.support.moto_aws import SECRET_PREFIX, TABLE_NAME


def credential(credential_id: str = "6f1c1b52-0000-4000-8000-000000000001") -> StoredCredential:
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    return StoredCredential.model_validate(
        {
            "credential_id": credential_id,
            "name": "Security",
            "url": "https://acme.atlassian.net",
            "email": "svc@example.com",
            "project_key": "SEC",
            "field_map": {"customfield_10010": {"value": 2.5}, "duedate": {"from": "due_date"}},
            "secret_version": "v1",
            "validation": {"ok": True, "jira_status": 200, "checked_at": now},
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
    )


def secret_of(api_token: str, webhook_secret: str | None = None) -> CredentialSecret:
    return CredentialSecret.model_validate(
        {"api_token": api_token, "webhook_secret": webhook_secret}
    )


def raw_item(credential_id: str) -> dict[str, Any] | None:
    response = boto3.client("dynamodb").get_item(
        TableName=TABLE_NAME, Key={"pk": {"S": "CREDENTIAL"}, "sk": {"S": credential_id}}
    )
    return response.get("Item")


@pytest.mark.usefixtures("aws")
def test_given_new_credential_when_put_then_read_back_equal_with_floats_intact() -> None:
    stored = credential()

    store.put_new_credential(stored)

    assert store.get_credential(stored.credential_id) == stored
    item = raw_item(stored.credential_id)
    assert item is not None
    assert item["pk"] == {"S": "CREDENTIAL"}
    assert item["sk"] == {"S": stored.credential_id}
    assert item["version"] == {"N": "1"}


@pytest.mark.usefixtures("aws")
def test_given_existing_credential_when_put_again_then_conflict() -> None:
    store.put_new_credential(credential())

    with pytest.raises(Conflict):
        store.put_new_credential(credential())


@pytest.mark.usefixtures("aws")
def test_given_credentials_when_listed_then_one_query_returns_them_all() -> None:
    ids = [f"6f1c1b52-0000-4000-8000-00000000000{index}" for index in range(3)]
    for credential_id in ids:
        store.put_new_credential(credential(credential_id))

    assert [item.credential_id for item in store.list_credentials()] == ids


@pytest.mark.usefixtures("aws")
def test_given_current_version_when_updated_then_changes_apply_and_version_bumps() -> None:
    stored = credential()
    store.put_new_credential(stored)

    updated = store.update_credential(
        stored.credential_id, {"name": "Renamed", "labels": ["a"]}, expected_version=1
    )

    assert (updated.name, updated.labels, updated.version) == ("Renamed", ["a"], 2)
    assert store.get_credential(stored.credential_id) == updated


@pytest.mark.usefixtures("aws")
def test_given_stale_version_when_updated_then_version_conflict_and_item_unchanged() -> None:
    stored = credential()
    store.put_new_credential(stored)
    store.update_credential(stored.credential_id, {"name": "First"}, expected_version=1)

    with pytest.raises(Conflict) as error:
        store.update_credential(stored.credential_id, {"name": "Second"}, expected_version=1)

    assert error.value.code == "version_conflict"
    current = store.get_credential(stored.credential_id)
    assert current is not None
    assert current.name == "First"


@pytest.mark.usefixtures("aws")
def test_given_missing_credential_when_updated_or_deleted_then_not_found() -> None:
    with pytest.raises(NotFound):
        store.update_credential(credential().credential_id, {"name": "x"}, expected_version=1)
    with pytest.raises(NotFound):
        store.delete_credential(credential().credential_id)


@pytest.mark.usefixtures("aws")
def test_given_link_item_on_gsi1_when_checked_then_the_credential_has_links() -> None:
    stored = credential()
    other = credential("6f1c1b52-0000-4000-8000-000000000009")
    store.put_new_credential(stored)
    assert store.has_links(stored.credential_id) is False

    boto3.client("dynamodb").put_item(
        TableName=TABLE_NAME,
        Item={
            "pk": {"S": "LINK#https://acme.atlassian.net#SEC-1"},
            "sk": {"S": "LINK"},
            "gsi1pk": {"S": store.links_partition(stored.credential_id)},
            "gsi1sk": {"S": "SEC-1"},
        },
    )

    assert store.has_links(stored.credential_id) is True
    assert store.has_links(other.credential_id) is False


@pytest.mark.usefixtures("aws")
def test_given_secret_when_created_then_stored_as_documented_json() -> None:
    version = secret_store.create_secret("c-1", secret_of("tok-12345678", "hook-secret-123456"))

    value = boto3.client("secretsmanager").get_secret_value(SecretId=f"{SECRET_PREFIX}c-1")

    assert json.loads(value["SecretString"]) == {
        "api_token": "tok-12345678",
        "webhook_secret": "hook-secret-123456",
    }
    assert value["VersionId"] == version


@pytest.mark.usefixtures("aws")
def test_given_cached_secret_when_read_warm_then_no_secrets_manager_call() -> None:
    version = secret_store.create_secret("c-1", secret_of("tok-12345678"))
    caching.reset()
    calls: list[str] = []
    client = secret_store.secretsmanager_client()
    client.meta.events.register(
        "before-call.secrets-manager.*", lambda model, **_: calls.append(model.name)
    )

    first = secret_store.get_secret("c-1", version)
    second = secret_store.get_secret("c-1", version)

    assert first.api_token.get_secret_value() == "tok-12345678"
    assert second == first
    assert calls == ["GetSecretValue"]


@pytest.mark.usefixtures("aws")
def test_given_new_version_when_read_then_the_pinned_version_is_fetched() -> None:
    first = secret_store.create_secret("c-1", secret_of("tok-first-1"))
    second = secret_store.put_secret("c-1", secret_of("tok-second-2"))
    caching.reset()

    assert secret_store.get_secret("c-1", first).api_token.get_secret_value() == "tok-first-1"
    assert secret_store.get_secret("c-1", second).api_token.get_secret_value() == "tok-second-2"


@pytest.mark.usefixtures("aws")
def test_given_secret_when_deleted_then_gone_at_once_and_a_retry_succeeds() -> None:
    secret_store.create_secret("c-1", secret_of("tok-12345678"))

    secret_store.delete_secret("c-1")
    secret_store.delete_secret("c-1")

    names = [
        entry["Name"]
        for entry in boto3.client("secretsmanager").list_secrets(IncludePlannedDeletion=True)[
            "SecretList"
        ]
    ]
    assert f"{SECRET_PREFIX}c-1" not in names


def test_given_secret_model_when_printed_then_values_are_hidden() -> None:
    secret = secret_of("tok-12345678", "hook-secret-123456")

    assert "tok-12345678" not in repr(secret) + str(secret)
    assert "hook-secret-123456" not in repr(secret) + str(secret)
