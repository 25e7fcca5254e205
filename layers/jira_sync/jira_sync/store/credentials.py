"""Credential items of the table.

Credential item: ``pk = "CREDENTIAL"``, ``sk = <credential_id>`` (listing is one Query), holding
the non-secret settings, the Secrets Manager ``secret_version`` in use, the last ``validation``,
``created_at``, ``updated_at`` and ``version`` (optimistic locking). Ticket links carry
``gsi1pk = "CREDLINKS#<credential_id>"`` so a credential's links are one Query on ``gsi1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jira_sync.errors import Conflict, NotFound
from jira_sync.models.credentials import StoredCredential
from jira_sync.store.client import dynamodb_client
from jira_sync.store.client import table as _table
from jira_sync.store.codec import from_item as _from_item
from jira_sync.store.codec import to_item as _to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

CREDENTIAL_PK = "CREDENTIAL"
LINKS_GSI = "gsi1"


def links_partition(credential_id: str) -> str:
    """The ``gsi1pk`` of every ticket link made through ``credential_id``."""
    return f"CREDLINKS#{credential_id}"


def put_new_credential(credential: StoredCredential) -> None:
    """Writes a credential that must not exist yet."""
    client = dynamodb_client()
    item = {"pk": CREDENTIAL_PK, "sk": credential.credential_id, **_credential_data(credential)}
    try:
        client.put_item(
            TableName=_table(),
            Item=_to_item(item),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except client.exceptions.ConditionalCheckFailedException:
        raise Conflict(
            "a credential with this id already exists", code="credential_exists"
        ) from None


def get_credential(credential_id: str) -> StoredCredential | None:
    response = dynamodb_client().get_item(
        TableName=_table(), Key=credential_key(credential_id), ConsistentRead=True
    )
    item = response.get("Item")
    return None if item is None else StoredCredential.model_validate(_from_item(item))


def list_credentials() -> list[StoredCredential]:
    """Every credential, oldest first."""
    credentials: list[StoredCredential] = []
    paginator = dynamodb_client().get_paginator("query")
    pages = paginator.paginate(
        TableName=_table(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": CREDENTIAL_PK}},
    )
    for page in pages:
        for item in page.get("Items", []):
            credentials.append(StoredCredential.model_validate(_from_item(item)))
    return sorted(
        credentials, key=lambda credential: (credential.created_at, credential.credential_id)
    )


def update_credential(
    credential_id: str, changes: Mapping[str, Any], *, expected_version: int
) -> StoredCredential:
    """Sets ``changes`` and bumps ``version`` if the item is still at ``expected_version``.

    Raises ``Conflict`` (``version_conflict``) when another update came first, ``NotFound``
    when the credential is gone.
    """
    names: dict[str, str] = {"#version": "version"}
    values: dict[str, Any] = {":expected": expected_version, ":next": expected_version + 1}
    assignments = ["#version = :next"]
    for index, (field, value) in enumerate(changes.items()):
        names[f"#f{index}"] = field
        values[f":v{index}"] = value
        assignments.append(f"#f{index} = :v{index}")
    client = dynamodb_client()
    try:
        response = client.update_item(
            TableName=_table(),
            Key=credential_key(credential_id),
            UpdateExpression="SET " + ", ".join(assignments),
            ConditionExpression="attribute_exists(pk) AND #version = :expected",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=_to_item(values),
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except client.exceptions.ConditionalCheckFailedException as error:
        if not error.response.get("Item"):
            raise NotFound("no credential with this id") from None
        raise Conflict(
            "the credential was changed by another request meanwhile: read it again and retry",
            code="version_conflict",
        ) from None
    return StoredCredential.model_validate(_from_item(response["Attributes"]))


def delete_credential(credential_id: str) -> None:
    """Deletes a credential item; ``NotFound`` when there is none."""
    client = dynamodb_client()
    try:
        client.delete_item(
            TableName=_table(),
            Key=credential_key(credential_id),
            ConditionExpression="attribute_exists(pk)",
        )
    except client.exceptions.ConditionalCheckFailedException:
        raise NotFound("no credential with this id") from None


def has_links(credential_id: str) -> bool:
    """Whether any ticket link was made through ``credential_id`` (one Query, Limit 1)."""
    response = dynamodb_client().query(
        TableName=_table(),
        IndexName=LINKS_GSI,
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": links_partition(credential_id)}},
        Limit=1,
        Select="COUNT",
    )
    return response["Count"] > 0


def credential_key(credential_id: str) -> dict[str, AttributeValueTypeDef]:
    """The key of a credential's item (its webhook read and its delete fence use it too)."""
    return {"pk": {"S": CREDENTIAL_PK}, "sk": {"S": credential_id}}


def _credential_data(credential: StoredCredential) -> dict[str, Any]:
    data = credential.settings_json()
    data.update(credential.model_dump(mode="json", exclude=set(data)))
    return data
