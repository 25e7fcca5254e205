"""`make run` shows each event the service publishes, as it happens: a rule on the stack's bus
for `source: "jira-sync"` feeds a queue of the devstack's own, and a thread prints what arrives
(`bus | Jira Ticket Created {"issue_id": ...}`) into the stack's output."""

from __future__ import annotations

import json
import threading
from typing import Any

from devstack.processes import LogBuffer, LogLine

WATCH_NAME = "devstack-bus-watch"
SOURCE = "jira-sync"


class BusWatch:
    def __init__(self, sqs: Any, events: Any, bus_name: str, logs: LogBuffer) -> None:
        self._sqs = sqs
        self._logs = logs
        self._stop = threading.Event()
        self._queue_url: str = sqs.create_queue(QueueName=WATCH_NAME)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        events.put_rule(
            Name=WATCH_NAME,
            EventBusName=bus_name,
            EventPattern=json.dumps({"source": [SOURCE]}),
        )
        events.put_targets(
            Rule=WATCH_NAME, EventBusName=bus_name, Targets=[{"Id": "devstack", "Arn": arn}]
        )
        self._thread = threading.Thread(target=self._run, name="bus-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._sqs.receive_message(
                    QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                ).get("Messages", [])
            except Exception:
                if self._stop.wait(1.0):
                    return
                continue
            for message in messages:
                self._show(message["Body"])
                self._sqs.delete_message(
                    QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
                )

    def _show(self, body: str) -> None:
        try:
            event = json.loads(body)
            text = f"{event['detail-type']} {json.dumps(event['detail'], separators=(',', ':'))}"
        except (ValueError, KeyError, TypeError):
            text = body
        self._logs.add(LogLine("bus", "stdout", text))
