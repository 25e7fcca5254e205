"""Put a sample event from events/ on the running devstack's bus, as a findings system would
(`aws events put-events` in AWS; no AWS CLI is needed here).

    make event FILE=events/remediation-pull-request-merged.json [ISSUE=finding-1] [CREDENTIAL=<id>]

The sample's `source`, `detail-type` and `detail` are sent, with `detail.issue_id` and
`detail.credential_id` replaced when given; the event's id is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from devstack.dead_letters import REGION, STACK_NAME, local_client
from devstack.intrinsics import StackContext
from devstack.template import load


def entry(sample: dict[str, Any], bus: str, overrides: dict[str, str]) -> Any:
    """The PutEvents entry of a sample EventBridge event, ``overrides`` set in its detail."""
    detail = dict(sample["detail"]) | overrides
    return {
        "EventBusName": bus,
        "Source": sample["source"],
        "DetailType": sample["detail-type"],
        "Detail": json.dumps(detail),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="a sample EventBridge event, e.g. events/*.json")
    parser.add_argument("--issue-id", default="", help="replaces detail.issue_id")
    parser.add_argument("--credential-id", default="", help="replaces detail.credential_id")
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", 5000)))
    args = parser.parse_args(argv)
    sample = json.loads(args.file.read_text())
    if "detail-type" not in sample:
        parser.error(f"{args.file} is not an EventBridge event (no detail-type)")
    endpoint = f"http://127.0.0.1:{args.moto_port}"
    stack, _ = load(
        Path(args.template),
        context=StackContext(stack_name=STACK_NAME, region=REGION, sqs_endpoint=endpoint),
    )
    buses = {bus.logical_id: bus.name for bus in stack.event_buses}
    overrides = {
        key: value
        for key, value in (("issue_id", args.issue_id), ("credential_id", args.credential_id))
        if value
    }
    events = local_client("events", endpoint)
    answer = events.put_events(Entries=[entry(sample, buses["EventBus"], overrides)])
    result = answer["Entries"][0]
    if answer.get("FailedEntryCount"):
        print(f"not put: {result.get('ErrorCode')} {result.get('ErrorMessage')}", file=sys.stderr)
        return 1
    print(f"{sample['detail-type']} put on {buses['EventBus']}: event id {result['EventId']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
