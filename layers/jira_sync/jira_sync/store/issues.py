"""Issue, ticket-link and timeline items of the table.

- Issue: ``pk = "ISSUE#<issue_id>"``, ``sk = "#ISSUE"``; its timeline lines sit in the same
  partition (``sk = "TL#<at>#<random>"``), so reading an issue with its timeline is one Query.
- Link: ``pk = "LINK#<jira base url>#<jira key>"``, ``sk = "#LINK"`` — keyed on the Jira site as
  well as the key, so two sites with the same key never collide; ``gsi1pk`` names the
  credential, so a credential's links are one Query on ``gsi1``.

A create holds a claim on the issue item (``creating``) from before the Jira call until the
link is written in the same transaction that releases it: at most one create runs per issue.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from jira_sync.errors import Conflict
from jira_sync.models.issues import IssueRecord, JiraLink, LinkRecord, SyncState, TimelineEntry
from jira_sync.store import memberships
from jira_sync.store.client import dynamodb_client, table
from jira_sync.store.codec import from_item, to_item, to_value
from jira_sync.store.credentials import CREDENTIAL_PK, credential_key, links_partition
from jira_sync.store.expressions import bound, transact

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        TransactWriteItemTypeDef,
        UpdateTypeDef,
    )

ISSUE_SK = "#ISSUE"
LINK_SK = "#LINK"
TIMELINE_PREFIX = "TL#"


def issue_key(issue_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": f"ISSUE#{issue_id}"}, "sk": {"S": ISSUE_SK}}


def link_key(base_url: str, jira_key: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": f"LINK#{base_url}#{jira_key}"}, "sk": {"S": LINK_SK}}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def timeline_put(issue_id: str, at: datetime, source: str, text: str) -> TransactWriteItemTypeDef:
    """A timeline line as one write of a transaction."""
    stamp = iso(at)
    item = {
        "pk": f"ISSUE#{issue_id}",
        "sk": f"{TIMELINE_PREFIX}{stamp}#{secrets.token_hex(4)}",
        "at": stamp,
        "source": source,
        "text": text,
    }
    return {"Put": {"TableName": table(), "Item": to_item(item)}}


class ClaimRefused(Exception):
    """Another create holds the issue, or it is linked already; carries the item as it is."""

    def __init__(self, current: IssueRecord | None) -> None:
        super().__init__("the issue is linked or a create is in flight")
        self.current = current


def claim_create(
    issue_id: str,
    *,
    token: str,
    request_hash: str,
    credential_id: str,
    now: datetime,
    until: float,
) -> IssueRecord | None:
    """Takes the create claim of an unlinked issue (a new issue gets a bare claim item).

    Returns the item as it was before (None for a new issue): a ``creating`` there is an
    expired claim taken over, whose create may have reached Jira. Raises ``ClaimRefused``
    when the issue is linked or a live claim holds it.
    """
    client = dynamodb_client()
    try:
        response = client.update_item(
            **bound(
                {
                    "TableName": table(),
                    "Key": issue_key(issue_id),
                    "UpdateExpression": "SET #creating = :claim, issue_id = :issue_id",
                    "ConditionExpression": (
                        "attribute_not_exists(#jira) AND "
                        "(attribute_not_exists(#creating) OR #creating.#until < :now)"
                    ),
                    "ExpressionAttributeNames": {
                        "#creating": "creating",
                        "#jira": "jira",
                        "#until": "until",
                    },
                    "ExpressionAttributeValues": to_item(
                        {
                            ":claim": {
                                "token": token,
                                "request_hash": request_hash,
                                "credential_id": credential_id,
                                "until": until,
                            },
                            ":now": now.timestamp(),
                            ":issue_id": issue_id,
                        }
                    ),
                    "ReturnValues": "ALL_OLD",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            )
        )
    except client.exceptions.ConditionalCheckFailedException as error:
        item = error.response.get("Item")
        raise ClaimRefused(_issue(item) if isinstance(item, dict) and item else None) from None
    old = response.get("Attributes")
    return None if not old else _issue(old)


def release_claim(
    issue_id: str,
    token: str,
    *,
    uncertain_at: float | None = None,
    created: Mapping[str, str] | None = None,
) -> None:
    """Gives our claim up. Nothing can have reached Jira: the claim goes (with the item, when
    the issue was new). A create may be in flight (``uncertain_at``: the latest moment one
    was) or is known to have made a ticket that is not linked yet (``created``: its key and
    id): the claim stays, expired, with that fact, so the next create looks or adopts before it
    may create. A claim that is no longer ours is left alone."""
    client = dynamodb_client()
    ours: dict[str, Any] = {
        "TableName": table(),
        "Key": issue_key(issue_id),
        "ExpressionAttributeNames": {"#creating": "creating", "#token": "token", "#until": "until"},
        "ExpressionAttributeValues": to_item(
            {":token": token, ":zero": 0, ":uncertain": uncertain_at, ":created": created}
        ),
    }
    if uncertain_at is not None or created is not None:
        update = "SET #creating.#until = :zero"
        if uncertain_at is not None:
            update += ", #creating.uncertain_at = :uncertain"
        if created is not None:
            update += ", #creating.created = :created"
        _if_condition(
            client.update_item,
            UpdateExpression=update,
            ConditionExpression="#creating.#token = :token",
            **ours,
        )
        return
    if not _if_condition(
        client.delete_item,
        ConditionExpression="#creating.#token = :token AND attribute_not_exists(created_at)",
        **ours,
    ):
        _if_condition(
            client.update_item,
            UpdateExpression="REMOVE #creating",
            ConditionExpression="#creating.#token = :token",
            **ours,
        )


def _if_condition(call: Callable[..., object], **kwargs: Any) -> bool:
    """One conditional write; False when its condition did not hold."""
    try:
        call(**bound(kwargs))
    except dynamodb_client().exceptions.ConditionalCheckFailedException:
        return False
    return True


def link_ticket(
    issue_id: str,
    link: JiraLink,
    *,
    state: str,
    fields: Mapping[str, Any],
    token: str,
    request_hash: str,
    result: Mapping[str, Any],
    now: datetime,
    timeline: str,
    notes: Sequence[str] = (),
) -> None:
    """Writes the link, the issue's fields, ``jira`` and the create's result, and releases the
    claim, in one transaction, with ``timeline`` and any ``notes`` as timeline lines. Raises
    ``Conflict`` when the claim was lost meanwhile."""
    names, values, sets, removes = _assignments(fields)
    names |= {"#creating": "creating", "#token": "token", "#jira": "jira", "#version": "version"}
    values |= {
        ":jira": link.model_dump(mode="json"),
        ":result": dict(result),
        ":hash": request_hash,
        ":now": iso(now),
        ":one": 1,
        ":zero": 0,
        ":token": token,
    }
    sets += [
        "#jira = :jira",
        "create_result = :result",
        "create_request_hash = :hash",
        "updated_at = :now",
        "created_at = if_not_exists(created_at, :now)",
        "#version = if_not_exists(#version, :zero) + :one",
    ]
    removes.append("#creating")
    if "state" not in fields:
        names["#state"] = "state"
        values[":open"] = "open"
        sets.append("#state = if_not_exists(#state, :open)")
    items: list[TransactWriteItemTypeDef] = [
        {
            "Put": {
                "TableName": table(),
                "Item": to_item(
                    {
                        **_link_attributes(link),
                        "issue_id": issue_id,
                        "linked_at": iso(now),
                        "state": state,
                        "sync_version": 1,
                    }
                )
                | link_key(link.base_url, link.key),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": table(),
                "Key": issue_key(issue_id),
                "UpdateExpression": "SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
                "ConditionExpression": "#creating.#token = :token AND attribute_not_exists(#jira)",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(values),
            }
        },
        memberships.as_link(link.credential_id, issue_id, link.key),
        timeline_put(issue_id, now, "service", timeline),
        # A millisecond apart each, so the lines read in this order.
        *(
            timeline_put(issue_id, now + timedelta(milliseconds=index), "service", note)
            for index, note in enumerate(notes, start=1)
        ),
    ]
    _transact(items, "the ticket could not be linked: another request changed the issue")


def record_attachment(
    issue_id: str, attachment: Mapping[str, Any], *, now: datetime, timeline: str | None
) -> None:
    """Stores the snapshot's outcome in the create's result (and a timeline line on failure)."""
    items: list[TransactWriteItemTypeDef] = [
        {
            "Update": {
                "TableName": table(),
                "Key": issue_key(issue_id),
                "UpdateExpression": "SET create_result.attachment = :attachment",
                "ConditionExpression": "attribute_exists(create_result)",
                "ExpressionAttributeValues": {":attachment": to_value(dict(attachment))},
            }
        }
    ]
    if timeline is not None:
        items.append(timeline_put(issue_id, now, "service", timeline))
    _transact(items, "the issue changed while the snapshot was attached")


def add_timeline(issue_id: str, *, now: datetime, text: str, source: str = "service") -> None:
    """One timeline line on its own (a note about something already done)."""
    _transact([timeline_put(issue_id, now, source, text)], "the timeline line was not written")


def unlink_ticket(issue_id: str, link: JiraLink, *, now: datetime, timeline: str) -> None:
    """Removes the link and the issue's ``jira`` (Jira is not touched), in one transaction."""
    names = {"#jira": "jira", "#key": "key", "#version": "version", "#sync": "sync"}
    items: list[TransactWriteItemTypeDef] = [
        {
            "Delete": {
                "TableName": table(),
                "Key": link_key(link.base_url, link.key),
                "ConditionExpression": "issue_id = :issue_id",
                "ExpressionAttributeValues": {":issue_id": {"S": issue_id}},
            }
        },
        {
            "Update": {
                "TableName": table(),
                "Key": issue_key(issue_id),
                "UpdateExpression": (
                    "SET updated_at = :now, #version = #version + :one "
                    "REMOVE #jira, create_result, create_request_hash, #sync"
                ),
                "ConditionExpression": "#jira.#key = :key",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(
                    {":now": iso(now), ":one": 1, ":key": link.key}
                ),
            }
        },
        memberships.leave(link.credential_id, issue_id),
        timeline_put(issue_id, now, "api", timeline),
    ]
    _transact(items, "the issue changed meanwhile: read it again")


def get_issue(issue_id: str) -> tuple[IssueRecord | None, list[TimelineEntry]]:
    """The issue and its timeline, oldest line first (one Query, paginated if long)."""
    record: IssueRecord | None = None
    timeline: list[TimelineEntry] = []
    paginator = dynamodb_client().get_paginator("query")
    pages = paginator.paginate(
        TableName=table(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ISSUE#{issue_id}"}},
        ConsistentRead=True,
    )
    for page in pages:
        for item in page.get("Items", []):
            sort_key = item["sk"].get("S", "")
            if sort_key == ISSUE_SK:
                record = _issue(item)
            elif sort_key.startswith(TIMELINE_PREFIX):
                timeline.append(TimelineEntry.model_validate(from_item(item)))
    return record, timeline


def get_issue_item(issue_id: str) -> IssueRecord | None:
    """The issue item alone (no timeline): one GetItem."""
    response = dynamodb_client().get_item(
        TableName=table(), Key=issue_key(issue_id), ConsistentRead=True
    )
    item = response.get("Item")
    return None if item is None else _issue(item)


class VersionConflict(Exception):
    """Another write changed the item since it was read: read again and retry."""


def change_state(
    issue_id: str,
    *,
    state: str,
    expected_version: int,
    link: JiraLink | None,
    echo_status: str | None = None,
    now: datetime,
    timeline: str | None,
    source: str = "api",
) -> None:
    """Sets the issue's state (and its link's copy) if the issue is still at
    ``expected_version``; raises ``VersionConflict`` otherwise. ``echo_status`` is the Jira
    status our transition is about to set: noted first, so its webhook is known as our echo
    even when it arrives before Jira's answer to the transition."""
    items: list[TransactWriteItemTypeDef] = [
        {
            "Update": {
                "TableName": table(),
                "Key": issue_key(issue_id),
                "UpdateExpression": "SET #state = :state, updated_at = :now, "
                "#version = #version + :one, "
                "state_version = if_not_exists(state_version, :zero) + :one",
                "ConditionExpression": "#version = :expected AND attribute_exists(created_at)",
                "ExpressionAttributeNames": {"#state": "state", "#version": "version"},
                "ExpressionAttributeValues": to_item(
                    {
                        ":state": state,
                        ":now": iso(now),
                        ":one": 1,
                        ":zero": 0,
                        ":expected": expected_version,
                    }
                ),
            }
        }
    ]
    if link is not None:
        items.append(
            {
                "Update": {
                    "TableName": table(),
                    "Key": link_key(link.base_url, link.key),
                    "UpdateExpression": "SET #state = :state, echo_status = :echo",
                    "ConditionExpression": "issue_id = :issue_id",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": to_item(
                        {":state": state, ":issue_id": issue_id, ":echo": echo_status}
                    ),
                }
            }
        )
    if timeline is not None:
        items.append(timeline_put(issue_id, now, source, timeline))
    client = dynamodb_client()
    try:
        transact(items)
    except client.exceptions.TransactionCanceledException:
        raise VersionConflict(issue_id) from None


def take_sync_lease(issue_id: str, token: str, *, now: float, until: float) -> IssueRecord | None:
    """Takes the issue's outbound-sync lease (one at a time per issue, so Jira's final status
    is the last state's); returns the issue as it is under the lease (the same call reads it),
    None while another live lease holds it."""
    client = dynamodb_client()
    try:
        response = client.update_item(
            TableName=table(),
            Key=issue_key(issue_id),
            UpdateExpression="SET #lease = :lease",
            ConditionExpression=(
                "attribute_exists(created_at) AND "
                "(attribute_not_exists(#lease) OR #lease.#until < :now)"
            ),
            ExpressionAttributeNames={"#lease": "syncing", "#until": "until"},
            ExpressionAttributeValues=to_item(
                {":lease": {"token": token, "until": until}, ":now": now}
            ),
            ReturnValues="ALL_NEW",
        )
    except client.exceptions.ConditionalCheckFailedException:
        return None
    return _issue(response["Attributes"])


def drop_sync_lease(issue_id: str, token: str) -> None:
    """Gives our lease up; one that is no longer ours is left alone."""
    _if_condition(
        dynamodb_client().update_item,
        TableName=table(),
        Key=issue_key(issue_id),
        UpdateExpression="REMOVE #lease",
        ConditionExpression="#lease.#token = :token",
        ExpressionAttributeNames={"#lease": "syncing", "#token": "token"},
        ExpressionAttributeValues={":token": {"S": token}},
    )


def record_jira_status(
    issue_id: str,
    link: JiraLink,
    *,
    jira_status: str | None,
    now: datetime,
    timeline: str | None,
    sync: SyncState | None = None,
    state_version: int = 0,
) -> bool:
    """Notes the ticket's Jira status after our transition, the sync state when it changed,
    and a timeline line; False when the ticket was unlinked meanwhile.

    ``sync`` is the outcome of syncing the state set at ``state_version``: it is written only
    while that is still the issue's, so a slower sync of an older state never overwrites
    what a newer one is waiting for."""
    items: list[TransactWriteItemTypeDef] = []
    sets: list[str] = []
    names = {"#jira": "jira", "#key": "key"}
    values: dict[str, Any] = {":key": link.key}
    condition = "#jira.#key = :key"
    if jira_status is not None:
        sets.append("jira_status = :status")
        values[":status"] = jira_status
    if sync is not None:
        sets.append("#sync = :sync")
        names["#sync"] = "sync"
        values[":sync"] = sync.model_dump(mode="json")
        if state_version:
            condition += " AND state_version = :state_version"
            values[":state_version"] = state_version
        else:
            condition += " AND attribute_not_exists(state_version)"
    if sets:
        update: UpdateTypeDef = {
            "TableName": table(),
            "Key": issue_key(issue_id),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
        items.append({"Update": update})
    if jira_status is not None:
        items.append(
            {
                "Update": {
                    "TableName": table(),
                    "Key": link_key(link.base_url, link.key),
                    "UpdateExpression": "SET jira_status = :status",
                    "ConditionExpression": "issue_id = :issue_id",
                    "ExpressionAttributeValues": to_item(
                        {":status": jira_status, ":issue_id": issue_id}
                    ),
                }
            }
        )
    if timeline is not None:
        items.append(timeline_put(issue_id, now, "service", timeline))
    if not items:
        return True
    client = dynamodb_client()
    try:
        transact(items)
    except client.exceptions.TransactionCanceledException:
        if sync is None:
            return False
        # Unlinked, or the state was set again meanwhile: its sync is the newer change's.
        return record_jira_status(
            issue_id, link, jira_status=jira_status, now=now, timeline=timeline
        )
    return True


def read_for_webhook(
    credential_id: str, base_url: str, jira_key: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The credential item and the ticket's link item as DynamoDB returned them, in one
    BatchGetItem (strongly consistent). Not decoded: the webhook path decodes them (``plain``)
    only once the signature holds, so a forged delivery costs the same whether they exist."""
    keys = [credential_key(credential_id), link_key(base_url, jira_key)]
    client = dynamodb_client()
    found: list[dict[str, Any]] = []
    request: dict[str, Any] = {table(): {"Keys": keys, "ConsistentRead": True}}
    while request:
        response = client.batch_get_item(RequestItems=request)
        found += response.get("Responses", {}).get(table(), [])
        request = dict(response.get("UnprocessedKeys") or {})
    credential: dict[str, Any] | None = None
    link: dict[str, Any] | None = None
    for item in found:
        if item["pk"].get("S") == CREDENTIAL_PK:
            credential = item
        else:
            link = item
    return credential, link


class WebhookWrite:
    """Outcomes of ``apply_webhook``."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"


def apply_webhook(
    link: LinkRecord,
    *,
    delivery_id: str | None,
    body_sha: str,
    delivery_expires_at: int,
    link_changes: Mapping[str, Any],
    issue_changes: Mapping[str, Any],
    unlink: bool,
    now: datetime,
    timeline: str | None,
) -> str:
    """Everything one webhook changes, in one transaction: the delivery's markers (its
    identifier and its body's SHA-256, both per credential: either seen before cancels it all),
    the link (optimistic on ``sync_version``), the issue and the timeline line. Returns a
    ``WebhookWrite`` outcome."""
    markers = [f"DELIVERY#{link.credential_id}#BODY#{body_sha}"]
    if delivery_id is not None:
        markers.append(f"DELIVERY#{link.credential_id}#ID#{delivery_id}")
    items: list[TransactWriteItemTypeDef] = [
        {
            "Put": {
                "TableName": table(),
                "Item": to_item(
                    {
                        "pk": marker,
                        "sk": "#DELIVERY",
                        "expires_at": delivery_expires_at,
                        "received_at": iso(now),
                    }
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for marker in markers
    ]
    key = link_key(link.base_url, link.key)
    version: dict[str, AttributeValueTypeDef] = {":version": {"N": str(link.sync_version)}}
    if unlink:
        items.append(
            {
                "Delete": {
                    "TableName": table(),
                    "Key": key,
                    "ConditionExpression": "sync_version = :version",
                    "ExpressionAttributeValues": version,
                }
            }
        )
    else:
        names, values, sets, removes = _assignments(link_changes)
        sets.append("sync_version = sync_version + :one")
        update: UpdateTypeDef = {
            "TableName": table(),
            "Key": key,
            "UpdateExpression": "SET "
            + ", ".join(sets)
            + (" REMOVE " + ", ".join(removes) if removes else ""),
            "ConditionExpression": "sync_version = :version",
            "ExpressionAttributeValues": to_item(values | {":one": 1}) | version,
        }
        if names:
            update["ExpressionAttributeNames"] = names
        items.append({"Update": update})
    issue_update = _issue_webhook_update(link, issue_changes, unlink, now)
    if issue_update is not None:
        items.append(issue_update)
    if unlink:
        items.append(memberships.leave(link.credential_id, link.issue_id))
    if timeline is not None:
        items.append(timeline_put(link.issue_id, now, "jira", timeline))
    client = dynamodb_client()
    try:
        transact(items)
    except client.exceptions.TransactionCanceledException as error:
        reasons = error.response.get("CancellationReasons", [])
        if any(
            reason.get("Code") == "ConditionalCheckFailed" for reason in reasons[: len(markers)]
        ):
            return WebhookWrite.DUPLICATE
        return WebhookWrite.CONFLICT
    return WebhookWrite.APPLIED


def _issue_webhook_update(
    link: LinkRecord, changes: Mapping[str, Any], unlink: bool, now: datetime
) -> TransactWriteItemTypeDef | None:
    if not changes and not unlink:
        return None
    names, values, sets, removes = _assignments(changes)
    names |= {"#jira": "jira", "#key": "key", "#version": "version"}
    values |= {":now": iso(now), ":one": 1, ":key": link.key}
    sets += ["updated_at = :now", "#version = #version + :one"]
    if "state" in changes:
        # Jira set the state: the ticket shows it, and a retry of an older one is dropped.
        names["#sync"] = "sync"
        values |= {":zero": 0, ":synced": {"status": "ok", "since": iso(now), "attempts": 0}}
        sets += ["state_version = if_not_exists(state_version, :zero) + :one", "#sync = :synced"]
    expression = "SET " + ", ".join(sets)
    if unlink:
        # The sync was the old ticket's: a new one starts clean.
        names["#sync"] = "sync"
        removes = ["#jira", "create_result", "create_request_hash", "jira_status", "#sync"]
    if removes:
        expression += " REMOVE " + ", ".join(removes)
    return {
        "Update": {
            "TableName": table(),
            "Key": issue_key(link.issue_id),
            "UpdateExpression": expression,
            "ConditionExpression": "#jira.#key = :key",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
    }


def _assignments(
    changes: Mapping[str, Any],
) -> tuple[dict[str, str], dict[str, Any], list[str], list[str]]:
    """Names, values, ``SET`` clauses and ``REMOVE`` names of ``changes`` (None: removed)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets: list[str] = []
    removes: list[str] = []
    for index, (field, value) in enumerate(changes.items()):
        names[f"#c{index}"] = field
        if value is None:
            removes.append(f"#c{index}")
        else:
            values[f":c{index}"] = value
            sets.append(f"#c{index} = :c{index}")
    return names, values, sets, removes


def plain(item: Mapping[str, Any]) -> dict[str, Any]:
    """A raw item of ``read_for_webhook`` as plain JSON."""
    return from_item(item)


def _link_attributes(link: JiraLink) -> dict[str, Any]:
    return {
        **link.model_dump(mode="json"),
        "gsi1pk": links_partition(link.credential_id),
        "gsi1sk": f"{link.base_url}#{link.key}",
    }


def _issue(item: Mapping[str, Any]) -> IssueRecord:
    return IssueRecord.model_validate(from_item(item))


def _transact(items: list[TransactWriteItemTypeDef], message: str) -> None:
    client = dynamodb_client()
    try:
        transact(items)
    except client.exceptions.TransactionCanceledException:
        raise Conflict(message, code="concurrent_change") from None
