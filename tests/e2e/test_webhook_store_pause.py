"""A signed delivery while DynamoDB Local is frozen (SIGSTOP) is not lost (issue 9.2): the
webhook answers 503 once the signature has checked out, within the seconds Jira waits, so Jira
delivers it again; after SIGCONT the same delivery is applied. A forged one still gets the
quiet 200. The test sends the deliveries itself, as Jira would, to own the retry timing."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid

import pytest

from devstack.stack import Devstack
from tests.e2e.test_webhooks_api import RECEIVED, SECRET, issue, post_hook, setup, sign

# The emulator gives up on a webhook after 5 s; Jira Cloud waits no longer than that either.
ANSWER_WITHIN_SECONDS = 5.0


@pytest.fixture
def stack(clean_devstack: Devstack) -> Devstack:
    if clean_devstack.dynamodb_backend != "dynamodb-local":
        pytest.skip("needs DynamoDB Local (Java): moto cannot be paused on its own")
    return clean_devstack


def dynamodb_local_pid(stack: Devstack) -> int:
    (process,) = [p for p in stack._processes if p.name == "dynamodb-local"]
    return process.pid


def done_delivery(stack: Devstack, key: str) -> bytes:
    return json.dumps(
        {
            "timestamp": int(time.time() * 1000),
            "webhookEvent": "jira:issue_updated",
            "user": {"accountId": "712020:alice"},
            "issue": {
                "key": key,
                "self": f"{stack.jira_url}/rest/api/2/issue/10000",
                "fields": {"status": {"name": "Done"}},
            },
            "changelog": {
                "items": [
                    {
                        "field": "status",
                        "fieldId": "status",
                        "fromString": "To Do",
                        "toString": "Done",
                    }
                ]
            },
        }
    ).encode()


def test_given_dynamodb_frozen_then_a_signed_delivery_gets_503_and_its_retry_applies(
    stack: Devstack,
) -> None:
    credential, key = setup(stack)
    url = credential["webhook_url"].replace("${issue.key}", key)
    body = done_delivery(stack, key)
    headers = {"X-Hub-Signature": sign(body), "X-Atlassian-Webhook-Identifier": str(uuid.uuid4())}
    forged = {"X-Hub-Signature": sign(body, "not-the-secret-of-this-credential")}
    pid = dynamodb_local_pid(stack)

    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        frozen = post_hook(url, body, headers)
        took = time.monotonic() - started
        unverified = post_hook(url, body, forged)
    finally:
        os.kill(pid, signal.SIGCONT)

    assert frozen.status_code == 503, frozen.text
    assert took < ANSWER_WITHIN_SECONDS, took
    assert (unverified.status_code, unverified.json()) == (200, RECEIVED)
    assert issue(stack)["state"] == "open"
    again = post_hook(url, body, headers)
    assert (again.status_code, again.json()) == (200, RECEIVED)
    assert issue(stack)["state"] == "resolved"
    assert SECRET not in frozen.text
