"""Which issues a credential holds a create claim or a ticket link for, read strongly
consistently, so that deleting a credential is atomic with respect to both.

Member item: ``pk = "CREDISSUES#<credential_id>"``, ``sk = <issue_id>``. A create joins the
credential (writes its member) after its claim and before any Jira call, in a transaction that
checks the credential exists and is not being deleted; the link turns the member into a link;
a claim released with nothing in Jira, and an unlink, remove it. A delete first fences the
credential (``deleting``), so no create can join after that, then reads the members in one
consistent Query: any left means 409. Members are a superset: one left behind by a claim that
another credential took over is found stale against its issue item and removed by the delete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jira_sync.errors import Conflict, NotFound
from jira_sync.store.client import dynamodb_client, table
from jira_sync.store.codec import from_item, to_item
from jira_sync.store.credentials import LINKS_GSI, credential_key, links_partition
from jira_sync.store.expressions import transact

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

MEMBERS_PREFIX = "CREDISSUES#"
# How many issue ids a refused delete names.
MAX_LISTED = 100


def member_key(credential_id: str, issue_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": f"{MEMBERS_PREFIX}{credential_id}"}, "sk": {"S": issue_id}}


def join(credential_id: str, issue_id: str) -> None:
    """Records that a create for ``issue_id`` runs through ``credential_id``; refused (409)
    while the credential is being deleted, 404 once it is gone."""
    client = dynamodb_client()
    try:
        transact(
            [
                {
                    "Put": {
                        "TableName": table(),
                        "Item": member_key(credential_id, issue_id)
                        | to_item({"issue_id": issue_id, "kind": "claim"}),
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table(),
                        "Key": credential_key(credential_id),
                        "ConditionExpression": "attribute_exists(pk) AND "
                        "attribute_not_exists(deleting)",
                    }
                },
            ]
        )
    except client.exceptions.TransactionCanceledException:
        if client.get_item(
            TableName=table(), Key=credential_key(credential_id), ConsistentRead=True
        ).get("Item"):
            raise Conflict(
                "the credential is being deleted: no ticket can be created through it",
                code="credential_being_deleted",
            ) from None
        raise NotFound("no credential with this id") from None


def as_link(credential_id: str, issue_id: str, jira_key: str) -> TransactWriteItemTypeDef:
    """The member as a link, as one write of the link's transaction."""
    return {
        "Put": {
            "TableName": table(),
            "Item": member_key(credential_id, issue_id)
            | to_item({"issue_id": issue_id, "kind": "link", "jira_key": jira_key}),
        }
    }


def leave(credential_id: str, issue_id: str) -> TransactWriteItemTypeDef:
    """Removing the member, as one write of an unlink's transaction."""
    return {"Delete": {"TableName": table(), "Key": member_key(credential_id, issue_id)}}


def leave_now(credential_id: str, issue_id: str) -> None:
    """Removes a claim's member on its own (the claim was released: Jira has nothing); a
    member that is a link stays."""
    client = dynamodb_client()
    try:
        client.delete_item(
            TableName=table(),
            Key=member_key(credential_id, issue_id),
            ConditionExpression="#kind = :claim",
            ExpressionAttributeNames={"#kind": "kind"},
            ExpressionAttributeValues={":claim": {"S": "claim"}},
        )
    except client.exceptions.ConditionalCheckFailedException:
        return


def drop_stale(credential_id: str, issue_ids: list[str]) -> None:
    """Removes members their issue items no longer back (a claim another credential took)."""
    client = dynamodb_client()
    for issue_id in issue_ids:
        client.delete_item(TableName=table(), Key=member_key(credential_id, issue_id))


def fence(credential_id: str, token: str, *, now: float, until: float) -> None:
    """Marks the credential as being deleted, so no create joins it from now on."""
    client = dynamodb_client()
    try:
        client.update_item(
            TableName=table(),
            Key=credential_key(credential_id),
            UpdateExpression="SET deleting = :fence",
            ConditionExpression="attribute_exists(pk) AND "
            "(attribute_not_exists(deleting) OR deleting.#until < :now)",
            ExpressionAttributeNames={"#until": "until"},
            ExpressionAttributeValues=to_item(
                {":fence": {"token": token, "until": until}, ":now": now}
            ),
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except client.exceptions.ConditionalCheckFailedException as error:
        if not error.response.get("Item"):
            raise NotFound("no credential with this id") from None
        raise Conflict(
            "the credential is being deleted by another request", code="credential_being_deleted"
        ) from None


def unfence(credential_id: str, token: str) -> None:
    """Lifts our fence (the delete was refused); one that is not ours stays."""
    client = dynamodb_client()
    try:
        client.update_item(
            TableName=table(),
            Key=credential_key(credential_id),
            UpdateExpression="REMOVE deleting",
            ConditionExpression="deleting.#token = :token",
            ExpressionAttributeNames={"#token": "token"},
            ExpressionAttributeValues={":token": {"S": token}},
        )
    except client.exceptions.ConditionalCheckFailedException:
        return


def members(credential_id: str) -> list[dict[str, Any]]:
    """The credential's members (strongly consistent), and the links made before members
    existed (``gsi1``, kind ``link_item``), as ``{"issue_id", "kind"}``, at most
    ``MAX_LISTED`` + 1."""
    client = dynamodb_client()
    found: dict[str, dict[str, Any]] = {}
    response = client.query(
        TableName=table(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"{MEMBERS_PREFIX}{credential_id}"}},
        ConsistentRead=True,
        Limit=MAX_LISTED + 1,
    )
    for item in response.get("Items", []):
        data = from_item(item)
        found[data["issue_id"]] = {"issue_id": data["issue_id"], "kind": data.get("kind")}
    older = client.query(
        TableName=table(),
        IndexName=LINKS_GSI,
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": links_partition(credential_id)}},
        Limit=MAX_LISTED + 1,
    )
    for item in older.get("Items", []):
        # A link item is the link itself: it counts without asking its issue.
        issue_id = from_item(item).get("issue_id") or item.get("gsi1sk", {}).get("S", "?")
        found.setdefault(str(issue_id), {"issue_id": str(issue_id), "kind": "link_item"})
    return list(found.values())[: MAX_LISTED + 1]
