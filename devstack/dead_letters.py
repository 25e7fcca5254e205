"""Move what a dead-letter queue holds back to the queue it came from, as
`aws sqs start-message-move-task` does in AWS (moto does not implement that call).

`make replay-dlq` (= `python -m devstack.dead_letters`) does it for the running devstack:
every queue of template.yaml with a RedrivePolicy gets its dead letters back.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import boto3

from devstack.intrinsics import StackContext
from devstack.template import StackTemplate, load

# The devstack's own names (devstack/stack.py), repeated to keep this importable alone.
STACK_NAME = "jira-sync-local"
REGION = "us-east-1"


def local_client(service: str, endpoint: str) -> Any:
    """A boto3 client of the devstack's moto server (which takes any credentials)."""
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def replay(sqs: Any, stack: StackTemplate) -> dict[str, int]:
    """Moves every message of each dead-letter queue to its source queue; returns how many
    moved per source queue. A message is deleted from the DLQ only once it was sent."""
    by_arn = {queue.arn: queue for queue in stack.queues}
    moved: dict[str, int] = {}
    for queue in stack.queues:
        if queue.redrive_policy is None:
            continue
        dead = by_arn.get(json.loads(queue.redrive_policy)["deadLetterTargetArn"])
        if dead is None:
            continue
        source_url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
        dead_url = sqs.get_queue_url(QueueName=dead.name)["QueueUrl"]
        count = 0
        while True:
            batch = sqs.receive_message(
                QueueUrl=dead_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                sqs.send_message(QueueUrl=source_url, MessageBody=message["Body"])
                sqs.delete_message(QueueUrl=dead_url, ReceiptHandle=message["ReceiptHandle"])
                count += 1
        moved[queue.logical_id] = count
    return moved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", 5000)))
    args = parser.parse_args()
    endpoint = f"http://127.0.0.1:{args.moto_port}"
    stack, _ = load(
        Path(args.template),
        context=StackContext(stack_name=STACK_NAME, region=REGION, sqs_endpoint=endpoint),
    )
    sqs = local_client("sqs", endpoint)
    for logical_id, count in replay(sqs, stack).items():
        print(f"{logical_id}: {count} message(s) moved back from its dead-letter queue")
    return 0


if __name__ == "__main__":
    sys.exit(main())
