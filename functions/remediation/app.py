"""Lambda handler of the remediation queue (SQS, batches of up to 10, partial failures).

A message whose event failed transiently is reported back in ``batchItemFailures`` so SQS
delivers it again, its visibility first set to Jira's ``Retry-After`` or else to a backoff by
its receive count, instead of sleeping in the function. After 5 receives the queue moves a
message to its dead-letter queue. Events that can never succeed are acknowledged (and
published as ``Jira Sync Failed`` by the use case).
"""

from __future__ import annotations

import math
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from jira_sync.aws.http_api import remaining_time
from jira_sync.aws.retry_queue import delay_for
from jira_sync.caching import ContainerCache, once
from jira_sync.observability import count, lambda_entry, logger
from jira_sync.settings import get_settings
from jira_sync.usecases import remediation
from jira_sync.usecases.event_outcomes import RetryLater

# SQS refuses a visibility timeout over 12 hours.
MAX_VISIBILITY_SECONDS = 12 * 3600

# A batch that failed whole is reported like any other: each message in batchItemFailures.
_queue_urls: ContainerCache[str, str] = ContainerCache(maxsize=8)
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@once
def _sqs() -> Any:
    return boto3.client("sqs")


@lambda_entry()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deadline = remaining_time(context)

    def record_handler(record: SQSRecord) -> str:
        receives = int(record.attributes.approximate_receive_count or 1)
        try:
            return remediation.handle(record.body, remaining_time=deadline, receive_count=receives)
        except RetryLater as later:
            count("Remediation_retry")
            wait = wait_before_next(receives, later.seconds)
            logger.warning("remediation event retried later", reason=str(later), wait=wait)
            _come_back_in(record, wait)
            raise

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)


def wait_before_next(receives: int, retry_after: float | None) -> float:
    """How long a message that failed for now stays invisible after receive ``receives``.

    Without Jira's word, receives 1-4 wait 10, 20, 40, 80 s (then the DLQ) rather than the
    queue's whole visibility timeout. With a ``Retry-After`` the first wait is Jira's; later
    ones are at least 10, 20, 40 s, so a rate limit cannot spend the five receives in
    seconds while a flood lasts. The queue's last receive waits nothing: the next one moves
    the message to the DLQ, where the alarm and `make replay-dlq` take it."""
    last = get_settings().remediation_max_receives
    if last is not None and receives >= last:
        return 0
    if retry_after is None:
        return delay_for(receives + 1)
    return max(retry_after, delay_for(receives) if receives > 1 else 0)


def _come_back_in(record: SQSRecord, seconds: float) -> None:
    """Makes the message visible again after ``seconds`` (best effort: the queue's own
    visibility timeout applies if this fails)."""
    try:
        client = _sqs()
        url = _queue_urls.get_or_put(record.event_source_arn, lambda: _url_of(record))
        client.change_message_visibility(
            QueueUrl=url,
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=min(MAX_VISIBILITY_SECONDS, max(0, math.ceil(seconds))),
        )
    except Exception:
        logger.exception("the message's visibility could not be changed")


def _url_of(record: SQSRecord) -> str:
    """The queue's URL from its ARN (asked once per container: it never changes)."""
    _, _, _, _, account, name = record.event_source_arn.split(":", 5)
    url: str = _sqs().get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    return url
