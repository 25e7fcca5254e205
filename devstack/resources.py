"""Create the template's tables, queues, buses and rules on the local AWS emulators."""

from __future__ import annotations

from typing import Any

from devstack.template import StackTemplate


def create_tables(dynamodb: Any, stack: StackTemplate) -> None:
    for table in stack.tables:
        dynamodb.create_table(**table.create_kwargs)
    for table in stack.tables:
        dynamodb.get_waiter("table_exists").wait(
            TableName=table.name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100}
        )
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )


def create_queues(sqs: Any, stack: StackTemplate) -> dict[str, str]:
    """Create every queue, then attach redrive policies (a DLQ must exist before it is named)."""
    urls: dict[str, str] = {}
    for queue in stack.queues:
        urls[queue.logical_id] = sqs.create_queue(
            QueueName=queue.name, Attributes=queue.attributes
        )["QueueUrl"]
    for queue in stack.queues:
        if queue.redrive_policy is not None:
            sqs.set_queue_attributes(
                QueueUrl=urls[queue.logical_id], Attributes={"RedrivePolicy": queue.redrive_policy}
            )
    return urls


def create_event_buses_and_rules(events: Any, stack: StackTemplate) -> None:
    for bus in stack.event_buses:
        events.create_event_bus(Name=bus.name)
    for rule in stack.rules:
        events.put_rule(**rule.put_rule_kwargs)
        if rule.targets:
            events.put_targets(
                Rule=rule.name, EventBusName=rule.event_bus_name, Targets=rule.targets
            )


def wipe_table(dynamodb: Any, table_name: str) -> int:
    """Delete every item of a table (keeps the table); returns how many were deleted."""
    key_names = [
        key["AttributeName"]
        for key in dynamodb.describe_table(TableName=table_name)["Table"]["KeySchema"]
    ]
    deleted = 0
    paginator = dynamodb.get_paginator("scan")
    for page in paginator.paginate(
        TableName=table_name,
        ProjectionExpression=", ".join(f"#k{i}" for i in range(len(key_names))),
        ExpressionAttributeNames={f"#k{i}": name for i, name in enumerate(key_names)},
    ):
        items = page.get("Items", [])
        for start in range(0, len(items), 25):
            batch = [{"DeleteRequest": {"Key": item}} for item in items[start : start + 25]]
            request: dict[str, Any] = {table_name: batch}
            while request:
                response = dynamodb.batch_write_item(RequestItems=request)
                request = response.get("UnprocessedItems") or {}
            deleted += len(batch)
    return deleted
