"""Retries of outbound changes, queued on the remediation queue: an SQS message shaped like
an EventBridge event (detail-type ``Jira Transition Retry``), delayed by SQS, so the same
function, batch handling, visibility changes and dead-letter queue serve it.

It goes straight to SQS, not through the bus: the rule admits only the findings source, and
nobody who can only put events can ask for a retry.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import TYPE_CHECKING

import boto3

from jira_sync.caching import once
from jira_sync.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

SOURCE = "jira-sync"
TRANSITION_RETRY = "Jira Transition Retry"
# SQS delays a message at most 15 minutes.
MAX_DELAY_SECONDS = 900


class NoRetryQueue(Exception):
    """The function has no retry queue configured (``JIRA_SYNC_RETRY_QUEUE_URL``)."""


@once
def sqs_client() -> SQSClient:
    """Built on first use: only a failed change needs it, so a cold start never pays for it."""
    return boto3.client("sqs")


def delay_for(attempt: int, retry_after: float | None = None) -> int:
    """Seconds before retry ``attempt`` (1, 2, ...): doubling from the first delay up to the
    maximum, never sooner than Jira's ``Retry-After``."""
    settings = get_settings()
    backoff = settings.retry_first_delay_seconds * (1 << min(max(0, attempt - 1), 20))
    wait = max(min(backoff, settings.retry_max_delay_seconds), retry_after or 0.0)
    return min(MAX_DELAY_SECONDS, math.ceil(wait))


def send(issue_id: str, state_version: int, attempt: int, delay: int) -> None:
    """Queues retry ``attempt`` of the issue's state at ``state_version`` after ``delay`` s."""
    url = get_settings().retry_queue_url
    if not url:
        raise NoRetryQueue("no retry queue is configured (JIRA_SYNC_RETRY_QUEUE_URL)")
    body = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": TRANSITION_RETRY,
        "source": SOURCE,
        "detail": {"issue_id": issue_id, "state_version": state_version, "attempt": attempt},
    }
    sqs_client().send_message(
        QueueUrl=url, MessageBody=json.dumps(body, separators=(",", ":")), DelaySeconds=delay
    )
