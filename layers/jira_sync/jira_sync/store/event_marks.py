"""What an EventBridge event already did: one marker per effect, so a redelivered event
repeats none of them (exactly once per event id, whatever SQS does).

Marker item: ``pk = "EVENT#<event id>"``, ``sk = <step>`` (``comment``, ``transition``,
``recorded``), kept a week (``expires_at``): SQS keeps a message four days at most.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from jira_sync.store.client import dynamodb_client, table
from jira_sync.store.codec import to_item
from jira_sync.store.expressions import transact
from jira_sync.store.issues import iso, timeline_put

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

KEEP_SECONDS = 7 * 24 * 3600
RECORDED = "recorded"


def done(event_id: str) -> set[str]:
    """The steps the event has done (one consistent Query)."""
    response = dynamodb_client().query(
        TableName=table(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"EVENT#{event_id}"}},
        ConsistentRead=True,
    )
    return {item["sk"]["S"] for item in response.get("Items", [])}


def _mark(event_id: str, step: str, now: datetime) -> TransactWriteItemTypeDef:
    return {
        "Put": {
            "TableName": table(),
            "Item": to_item(
                {
                    "pk": f"EVENT#{event_id}",
                    "sk": step,
                    "at": iso(now),
                    "expires_at": int(time.time()) + KEEP_SECONDS,
                }
            ),
        }
    }


def mark(event_id: str, step: str, now: datetime) -> None:
    """One marker on its own: a PutItem (a one-write transaction would cost twice)."""
    dynamodb_client().put_item(**_mark(event_id, step, now)["Put"])


def record(event_id: str, issue_id: str, line: str, now: datetime) -> None:
    """The event's timeline line and its last marker, in one transaction."""
    transact([timeline_put(issue_id, now, "events", line), _mark(event_id, RECORDED, now)])
