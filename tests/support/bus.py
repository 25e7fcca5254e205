"""Watch the devstack's event bus: an SQS queue that a rule feeds with one detail-type."""

from __future__ import annotations

import json
import time
from typing import Any

from devstack.stack import Devstack


def bus_queue(stack: Devstack, detail_type: str) -> tuple[Any, str]:
    """A new queue receiving the bus's ``jira-sync`` events of ``detail_type``: (sqs, url)."""
    sqs = stack.client("sqs")
    events = stack.client("events")
    name = f"watch-{time.monotonic_ns()}"
    queue_url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name=name,
        EventBusName=stack.event_bus_name,
        EventPattern=json.dumps({"source": ["jira-sync"], "detail-type": [detail_type]}),
    )
    events.put_targets(
        Rule=name, EventBusName=stack.event_bus_name, Targets=[{"Id": "q", "Arn": arn}]
    )
    return sqs, queue_url
