"""Events out, on the stack's EventBridge bus: the only code that talks to EventBridge.

Publishing is best effort: the local change it reports is already stored, so a failed put is
logged and counted, never turned into a failed request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from jira_sync.caching import once
from jira_sync.observability import logger
from jira_sync.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

SOURCE = "jira-sync"
TICKET_CREATED = "Jira Ticket Created"
TICKET_UNLINKED = "Jira Ticket Unlinked"
DUPLICATE_FOUND = "Jira Duplicate Found"
STATE_CHANGED = "Issue State Changed"
SYNC_FAILED = "Jira Sync Failed"
PULL_REQUEST_REFERENCE = "Pull Request Jira Reference"


@once
def events_client() -> EventBridgeClient:
    """The container's client, built on first use (endpoint from AWS_ENDPOINT_URL_* if set)."""
    return boto3.client("events")


def publish(detail_type: str, detail: Mapping[str, Any]) -> bool:
    """Puts one event on the bus; False (and a log line) when EventBridge did not take it."""
    try:
        response = events_client().put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, separators=(",", ":")),
                    "EventBusName": get_settings().event_bus_name,
                }
            ]
        )
    except (BotoCoreError, ClientError) as error:
        logger.warning("event not published", detail_type=detail_type, error=type(error).__name__)
        return False
    if response.get("FailedEntryCount", 0):
        entry = response["Entries"][0]
        logger.warning("event not published", detail_type=detail_type, error=entry.get("ErrorCode"))
        return False
    return True
