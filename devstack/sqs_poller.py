"""Lambda's SQS event source mapping, locally: poll, invoke with a batch, delete what succeeded.

Messages a function reports in `batchItemFailures` (or a whole batch whose invocation failed)
are left alone: they reappear after the queue's visibility timeout, and the queue's redrive
policy moves them to the DLQ after maxReceiveCount receives, which moto implements.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from typing import Any

from devstack.lambda_pool import InvokeResult
from devstack.processes import LogBuffer, LogLine
from devstack.template import SqsTrigger

_MAX_RECEIVE = 10  # SQS returns at most 10 messages per ReceiveMessage


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of Lambda's SQS event, from one ReceiveMessage message."""
    attributes = {str(k): str(v) for k, v in (message.get("Attributes") or {}).items()}
    message_attributes: dict[str, Any] = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        converted: dict[str, Any] = {
            "stringListValues": list(value.get("StringListValues", [])),
            "binaryListValues": [
                base64.b64encode(v).decode() for v in value.get("BinaryListValues", [])
            ],
            "dataType": value["DataType"],
        }
        if "StringValue" in value:
            converted["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        message_attributes[name] = converted
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_message_ids(
    result: InvokeResult, batch_ids: list[str], report_failures: bool
) -> set[str]:
    """Which messages stay on the queue, by Lambda's partial batch response rules."""
    if not result.ok:
        return set(batch_ids)
    if not report_failures:
        return set()
    payload = result.payload
    if payload is None or payload == {} or payload == "":
        return set()
    if not isinstance(payload, dict):
        return set(batch_ids)
    failures = payload.get("batchItemFailures")
    if failures is None or failures == []:
        return set()
    if not isinstance(failures, list):
        return set(batch_ids)
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in batch_ids:
            return set(batch_ids)  # an invalid response fails the whole batch
        failed.add(identifier)
    return failed


class SqsPoller:
    """Feeds one queue to one function, like an enabled event source mapping."""

    def __init__(
        self,
        trigger: SqsTrigger,
        queue_url: str,
        sqs: Any,
        invoke: Callable[[dict[str, Any]], InvokeResult],
        *,
        region: str,
        logs: LogBuffer,
        wait_time_s: int = 1,
    ) -> None:
        self.trigger = trigger
        self.queue_url = queue_url
        self._sqs = sqs
        self._invoke = invoke
        self._region = region
        self._logs = logs
        self._wait_time_s = wait_time_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"sqs-poller-{self.trigger.function}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._wait_time_s + 10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(self._wait_time_s)
            except Exception as error:
                if self._stop.is_set():
                    return
                queue = self.trigger.queue_logical_id
                self._log(f"poll of {queue} failed: {type(error).__name__}: {error}")
                self._stop.wait(1.0)

    def poll_once(self, wait_time_s: int = 0) -> int:
        """Receive up to BatchSize messages, invoke once, delete the successes; returns how many."""
        messages: list[dict[str, Any]] = []
        wait = wait_time_s
        while len(messages) < self.trigger.batch_size:
            received = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(_MAX_RECEIVE, self.trigger.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not received:
                break
            messages.extend(received)
            wait = 0
        if not messages:
            return 0
        event = {"Records": [sqs_record(m, self.trigger.queue_arn, self._region) for m in messages]}
        result = self._invoke(event)
        ids = [m["MessageId"] for m in messages]
        failed = failed_message_ids(result, ids, self.trigger.report_batch_item_failures)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), _MAX_RECEIVE):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start : start + _MAX_RECEIVE])
            ]
            self._sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        if failed:
            queue = self.trigger.queue_logical_id
            self._log(f"{len(failed)} of {len(messages)} messages left on {queue} for retry")
        return len(messages)

    def _log(self, text: str) -> None:
        self._logs.add(LogLine(f"sqs-poller:{self.trigger.function}", "stdout", text))
