"""Round trips per operation, counted (not timed): Jira calls from the emulator's request log,
AWS calls through botocore's event hooks. Runs the real handlers in-process against the Jira
emulator and moto; prints one line per operation.

    make bench        (or: PYTHONPATH=layers/jira_sync:. .venv/bin/python bench/round_trips.py)
"""

from __future__ import annotations

import importlib
import json
import os
from collections import Counter
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import requests
from moto import mock_aws

from devstack.jira_emulator import JiraEmulator, flavors
from jira_sync.jira.webhook_signature import sign
from tests.support.moto_aws import (
    ENDPOINT_VARIABLES,
    SECRET_PREFIX,
    TABLE_NAME,
    create_table_from_template,
    forget_container_state,
)

WEBHOOK_SECRET = "bench-webhook-secret-0123"


class Context:
    """The parts of Lambda's context object the handlers read."""

    function_name = "jira-sync-bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:jira-sync-bench"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


class AwsCalls:
    """Counts every AWS API call made through boto3's default session."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    def take(self) -> Counter[str]:
        taken, self.calls = self.calls, Counter()
        return taken


def event(method: str, route: str, path: str, params: dict[str, str], body: Any) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "domainName": "bench.execute-api.us-east-1.amazonaws.com",
            "http": {"method": method, "path": path},
            "requestId": "bench",
            "routeKey": f"{method} {route}",
        },
        "pathParameters": params,
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def jira_calls(jira: JiraEmulator) -> list[str]:
    log = requests.get(f"{jira.base_url}/_emulator/requests", timeout=5).json()
    requests.delete(f"{jira.base_url}/_emulator/requests", timeout=5)
    entries = log if isinstance(log, list) else log["requests"]
    return [f"{e['method']} {e['path']}" for e in entries]


def environment() -> None:
    for name in ENDPOINT_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        JIRA_SYNC_TABLE_NAME=TABLE_NAME,
        JIRA_SYNC_EVENT_BUS_NAME="default",
        JIRA_SYNC_SECRET_PREFIX=SECRET_PREFIX,
        JIRA_SYNC_ALLOW_LOOPBACK="1",
        JIRA_SYNC_PUBLIC_BASE_URL="https://bench.example.com",
        POWERTOOLS_TRACE_DISABLED="1",
        POWERTOOLS_LOG_LEVEL="WARNING",
        POWERTOOLS_METRICS_NAMESPACE="JiraSyncBench",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_SERVICE_NAME="jira-sync",
    )


def new_container() -> None:
    """What a cold Lambda container starts without."""
    forget_container_state()


def report(name: str, jira: list[str], aws: Counter[str]) -> None:
    aws_text = ", ".join(f"{call} {count}" for call, count in sorted(aws.items())) or "none"
    print(f"{name:<44} jira calls {len(jira):>2}   aws calls {sum(aws.values()):>2}  ({aws_text})")
    for call in jira:
        print(f"{'':<46}{call}")


LOST_CREATE = {"drop_connection": True, "after_processing": True, "times": 1}


def lose_next_create(jira: JiraEmulator, api: str) -> None:
    """The next create is made in Jira and its answer lost (the connection dropped)."""
    fault = {"method": "POST", "path": f"/rest/api/{api}/issue"} | LOST_CREATE
    requests.post(f"{jira.base_url}/_emulator/faults", json=fault, timeout=10).raise_for_status()


def main() -> None:
    cloud()
    datacenter()


def cloud() -> None:
    environment()
    with JiraEmulator() as jira, mock_aws():
        counter = AwsCalls()
        create_table_from_template()
        retry_queue = boto3.client("sqs").create_queue(QueueName="remediation")["QueueUrl"]
        os.environ["JIRA_SYNC_RETRY_QUEUE_URL"] = retry_queue
        os.environ["JIRA_SYNC_RETRY_FIRST_DELAY_SECONDS"] = "0"
        new_container()
        credentials: ModuleType = importlib.import_module("functions.credentials.app")
        tickets: ModuleType = importlib.import_module("functions.tickets.app")
        body = {
            "name": "bench",
            "url": jira.base_url,
            "email": "svc@example.com",
            "api_token": "svc-token",
            "project_key": "SEC",
            "webhook_secret": WEBHOOK_SECRET,
            "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
            "remediation_map": {"pull_request_merged": "resolved"},
        }
        created = credentials.lambda_handler(
            event("POST", "/credentials", "/credentials", {}, body), Context()
        )
        assert created["statusCode"] == 201, created["body"]
        credential_id = json.loads(created["body"])["credential_id"]
        jira_calls(jira)
        counter.take()

        def create(issue_id: str, snapshot: bool = False) -> Callable[[], None]:
            def run() -> None:
                request: dict[str, Any] = {
                    "credential_id": credential_id,
                    "issue": {"name": f"finding {issue_id}", "description": "**bench**"},
                }
                if snapshot:
                    request["snapshot"] = {"rows": [{"asset": "a", "port": 443}]}
                route, path = "/issues/{issue_id}/ticket", f"/issues/{issue_id}/ticket"
                call = event("POST", route, path, {"issue_id": issue_id}, request)
                answer = tickets.lambda_handler(call, Context())
                assert answer["statusCode"] == 201, answer["body"]

            return run

        def measure(name: str, run: Callable[[], None]) -> None:
            run()
            report(name, jira_calls(jira), counter.take())

        new_container()
        measure("create ticket, cold container", create("cold"))
        measure("create ticket, warm", create("warm"))
        measure("create ticket with snapshot, warm", create("snap", snapshot=True))
        measure("same create retried (replayed)", create("warm"))
        lose_next_create(jira, "3")
        measure("create, answer lost (found, adopted)", create("lost"))

        transitions: ModuleType = importlib.import_module("functions.transitions.app")
        webhooks: ModuleType = importlib.import_module("functions.webhooks.app")

        def state(issue_id: str, value: str) -> Callable[[], None]:
            def run() -> None:
                path = f"/issues/{issue_id}/state"
                call = event(
                    "PUT",
                    "/issues/{issue_id}/state",
                    path,
                    {"issue_id": issue_id},
                    {"state": value},
                )
                answer = transitions.lambda_handler(call, Context())
                assert answer["statusCode"] == 200, answer["body"]

            return run

        new_container()
        measure("state change, cold (status unknown)", state("cold", "resolved"))
        measure("state change, status known, cache cold", state("cold", "in progress"))
        state("warm", "resolved")()
        jira_calls(jira)
        counter.take()
        measure("state change, warm", state("warm", "in progress"))

        def webhook(number: int) -> Callable[[], None]:
            def run() -> None:
                body = json.dumps(
                    {
                        "timestamp": 2_000_000_000_000 + number,
                        "webhookEvent": "jira:issue_updated",
                        "user": {"accountId": "someone-else"},
                        "issue": {
                            "key": "SEC-1",
                            "self": f"{jira.base_url}/rest/api/2/issue/10000",
                            "fields": {"status": {"name": "In Progress"}},
                        },
                        "changelog": {
                            "items": [
                                {
                                    "field": "status",
                                    "fieldId": "status",
                                    "fromString": "Done",
                                    "toString": "In Progress",
                                }
                            ]
                        },
                    }
                ).encode()
                path = f"/webhooks/jira/{credential_id}/SEC-1"
                route = "/webhooks/jira/{credential_id}/{issue_key}"
                call = event(
                    "POST",
                    route,
                    path,
                    {"credential_id": credential_id, "issue_key": "SEC-1"},
                    None,
                )
                call["body"] = body.decode()
                call["headers"] |= {
                    "x-hub-signature": sign(WEBHOOK_SECRET, body),
                    "x-atlassian-webhook-identifier": f"bench-{number}",
                }
                answer = webhooks.lambda_handler(call, Context())
                assert answer["statusCode"] == 200

            return run

        new_container()
        measure("webhook, cold container", webhook(1))
        measure("webhook, warm", webhook(2))

        remediation: ModuleType = importlib.import_module("functions.remediation.app")

        def merged(issue_id: str) -> Callable[[], None]:
            def run() -> None:
                bus_event = {
                    "id": f"bench-{issue_id}",
                    "detail-type": "Remediation Pull Request Merged",
                    "source": "findings",
                    "detail": {
                        "issue_id": issue_id,
                        "pull_request": {
                            "url": "https://github.com/acme/api/pull/7",
                            "title": "Escape q",
                            "repository": "acme/api",
                            "number": 7,
                        },
                    },
                }
                deliver(json.dumps(bus_event), f"m-{issue_id}")

            return run

        def deliver(body: str, message_id: str) -> None:
            record = {
                "messageId": message_id,
                "receiptHandle": "r",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:remediation",
                "awsRegion": "us-east-1",
            }
            answer = remediation.lambda_handler({"Records": [record]}, Context())
            assert answer == {"batchItemFailures": []}, answer

        merged("cold")()  # caches the transitions from In Progress
        jira_calls(jira)
        counter.take()
        measure("PR merged, warm (transition known)", merged("warm"))

        faults = f"{jira.base_url}/_emulator/faults"
        outage = {"method": "*", "path": "/rest/api/3/issue/*", "status": 503}
        requests.post(faults, json=outage, timeout=10).raise_for_status()
        measure("state change, Jira down (queued for retry)", state("warm", "in progress"))
        requests.delete(faults, timeout=10).raise_for_status()
        sqs = boto3.client("sqs")
        (message,) = sqs.receive_message(QueueUrl=retry_queue)["Messages"]
        counter.take()
        measure("queued retry, Jira back", lambda: deliver(message["Body"], message["MessageId"]))


def datacenter() -> None:
    """The lost create on Data Center, whose search cannot return issue properties."""
    environment()
    flavor = flavors.make("datacenter", "10.3")
    with JiraEmulator(flavor=flavor) as jira, mock_aws():
        counter = AwsCalls()
        create_table_from_template()
        new_container()
        credentials: ModuleType = importlib.import_module("functions.credentials.app")
        tickets: ModuleType = importlib.import_module("functions.tickets.app")
        body = {
            "name": "bench-dc",
            "url": jira.base_url,
            "api_token": "svc-pat-token",
            "project_key": "SEC",
            "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
        }
        created = credentials.lambda_handler(
            event("POST", "/credentials", "/credentials", {}, body), Context()
        )
        assert created["statusCode"] == 201, created["body"]
        credential_id = json.loads(created["body"])["credential_id"]

        def create(issue_id: str) -> None:
            issue = {"name": f"finding {issue_id}", "description": "**bench**"}
            request = {"credential_id": credential_id, "issue": issue}
            path = f"/issues/{issue_id}/ticket"
            call = event("POST", "/issues/{issue_id}/ticket", path, {"issue_id": issue_id}, request)
            answer = tickets.lambda_handler(call, Context())
            assert answer["statusCode"] == 201, answer["body"]

        create("dc-warm")  # the create screen is cached from here on
        jira_calls(jira)
        counter.take()
        lose_next_create(jira, "2")
        create("dc-lost")
        report("Data Center: create, answer lost (adopted)", jira_calls(jira), counter.take())


if __name__ == "__main__":
    main()
