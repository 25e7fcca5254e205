"""The remediation loop through the devstack (issue 10, first slice): events put on the bus with
boto3 reach the remediation function through the rule and the queue; the Jira emulator holds
the comments and statuses, and the events out are watched through a queue of the test's own."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from devstack.stack import Devstack
from tests.e2e.test_tickets_api import (
    api,
    credential,
    fault,
    jira,
    jira_issue,
    jira_requests,
    ticket_body,
)
from tests.support.bus import bus_queue

STATE_MAP = {"open": "To Do", "in progress": "In Progress", "resolved": "Done"}
PULL = {
    "url": "https://github.com/acme/api/pull/7",
    "title": "Escape the q parameter",
    "repository": "acme/api",
    "number": 7,
}


@pytest.fixture
def stack(clean_devstack: Devstack) -> Devstack:
    return clean_devstack


def linked(stack: Devstack, issue_id: str, **settings: Any) -> str:
    credential_id = credential(stack, state_map=STATE_MAP, **settings)
    created = api(stack, "POST", f"/issues/{issue_id}/ticket", ticket_body(credential_id))
    assert created.status_code == 201, created.text
    key: str = created.json()["jira"]["key"]
    return key


def put_event(stack: Devstack, detail_type: str, detail: dict[str, Any]) -> None:
    answer = stack.client("events").put_events(
        Entries=[
            {
                "EventBusName": stack.event_bus_name,
                "Source": "findings",
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0, answer


def send_raw(stack: Devstack, event: dict[str, Any]) -> None:
    """An EventBridge event straight onto the queue, as a redelivery carries it again."""
    stack.client("sqs").send_message(
        QueueUrl=stack.queue_urls["RemediationQueue"], MessageBody=json.dumps(event)
    )


def bus_event(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "findings",
        "account": "123456789012",
        "time": "2026-12-02T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def comments(stack: Devstack, key: str) -> list[dict[str, Any]]:
    response = jira(stack).get(f"{stack.jira_url}/rest/api/3/issue/{key}/comment", timeout=10)
    found: list[dict[str, Any]] = response.json()["comments"]
    return found


def timeline(stack: Devstack, issue_id: str) -> list[str]:
    return [line["text"] for line in api(stack, "GET", f"/issues/{issue_id}").json()["timeline"]]


def test_given_a_merged_pull_request_then_a_comment_the_mapped_state_and_the_reference_event(
    stack: Devstack,
) -> None:
    key = linked(stack, "pr-merged", remediation_map={"pull_request_merged": "resolved"})
    sqs, references = bus_queue(stack, "Pull Request Jira Reference")
    _, changes = bus_queue(stack, "Issue State Changed")

    put_event(
        stack, "Remediation Pull Request Merged", {"issue_id": "pr-merged", "pull_request": PULL}
    )

    wait_for(lambda: api(stack, "GET", "/issues/pr-merged").json()["state"] == "resolved", "state")
    # The state is taken first and the comment follows it: wait for the comment.
    wait_for(lambda: len(comments(stack, key)) == 1, "the comment")
    (comment,) = comments(stack, key)
    paragraph = comment["body"]["content"][0]["content"]
    assert paragraph[0]["text"] == "Pull request merged: "
    assert paragraph[1] == {
        "type": "text",
        "text": "acme/api#7",
        "marks": [{"type": "link", "attrs": {"href": PULL["url"]}}],
    }
    # The local state is written before the transition is sent: wait for Jira's side too.
    wait_for(lambda: jira_issue(stack, key)["fields"]["status"]["name"] == "Done", "the status")
    reference = json.loads(
        sqs.receive_message(QueueUrl=references, WaitTimeSeconds=5)["Messages"][0]["Body"]
    )
    assert reference["detail"] == {
        "issue_id": "pr-merged",
        "pull_request_url": PULL["url"],
        "jira_key": key,
        "browse_url": f"{stack.jira_url}/browse/{key}",
    }
    change = json.loads(
        sqs.receive_message(QueueUrl=changes, WaitTimeSeconds=5)["Messages"][0]["Body"]
    )
    assert change["detail"]["origin"] == "remediation"
    wait_for(
        lambda: any("Pull request merged" in line for line in timeline(stack, "pr-merged")), "line"
    )


def test_given_no_remediation_map_then_the_event_only_comments(stack: Devstack) -> None:
    key = linked(stack, "pr-opened")

    put_event(
        stack, "Remediation Pull Request Opened", {"issue_id": "pr-opened", "pull_request": PULL}
    )

    wait_for(lambda: len(comments(stack, key)) == 1, "the comment")
    wait_for(
        lambda: any("Pull request opened" in line for line in timeline(stack, "pr-opened")), "line"
    )
    assert jira_issue(stack, key)["fields"]["status"]["name"] == "To Do"
    assert api(stack, "GET", "/issues/pr-opened").json()["state"] == "open"


def test_given_the_same_event_delivered_twice_then_exactly_one_comment(stack: Devstack) -> None:
    key = linked(stack, "pr-twice")
    event = bus_event(
        "Remediation Pull Request Opened", {"issue_id": "pr-twice", "pull_request": PULL}
    )

    send_raw(stack, event)
    wait_for(lambda: len(comments(stack, key)) == 1, "the first comment")
    wait_for(lambda: any("Pull request" in line for line in timeline(stack, "pr-twice")), "line")
    send_raw(stack, event)
    time.sleep(3)

    assert len(comments(stack, key)) == 1
    assert sum("Pull request" in line for line in timeline(stack, "pr-twice")) == 1


def test_given_an_issue_without_a_ticket_then_the_pull_request_is_on_its_timeline(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    ticket = api(stack, "POST", "/issues/bare/ticket", ticket_body(credential_id))
    assert api(stack, "DELETE", "/issues/bare/ticket").status_code == 204, ticket.text

    put_event(stack, "Remediation Pull Request Opened", {"issue_id": "bare", "pull_request": PULL})

    wait_for(lambda: any("Pull request opened" in line for line in timeline(stack, "bare")), "line")
    assert jira_requests(stack, "POST", "/comment") == []


def test_given_jira_rate_limiting_the_comment_then_the_message_comes_back_after_retry_after(
    stack: Devstack,
) -> None:
    key = linked(stack, "pr-limited")
    fault(stack, method="POST", path="*/comment", status=429, headers={"Retry-After": "2"}, times=1)

    put_event(
        stack, "Remediation Pull Request Opened", {"issue_id": "pr-limited", "pull_request": PULL}
    )

    wait_for(lambda: len(comments(stack, key)) == 1, "the comment after the wait")
    posts = jira_requests(stack, "POST", "/comment")
    assert [p["status"] for p in posts] == [429, 201]
    first, second = (time.mktime(time.strptime(p["time"][:19], "%Y-%m-%dT%H:%M:%S")) for p in posts)
    assert second - first >= 2


def test_given_an_event_that_can_never_succeed_then_it_is_acknowledged_and_reported(
    stack: Devstack,
) -> None:
    sqs, failures = bus_queue(stack, "Jira Sync Failed")

    put_event(
        stack, "Remediation Pull Request Opened", {"issue_id": "nobody", "pull_request": PULL}
    )

    body = json.loads(
        sqs.receive_message(QueueUrl=failures, WaitTimeSeconds=10)["Messages"][0]["Body"]
    )
    assert body["detail"]["operation"] == "remediation"
    assert "no issue nobody" in body["detail"]["reason"]


def test_given_the_comment_answer_lost_then_the_comment_is_found_not_posted_again(
    stack: Devstack,
) -> None:
    """The comment is made, its answer dropped: the retry finds it by its property."""
    key = linked(stack, "pr-lost", remediation_map={"pull_request_merged": "resolved"})
    fault(
        stack,
        method="POST",
        path="*/comment",
        drop_connection=True,
        after_processing=True,
        times=1,
    )

    put_event(
        stack, "Remediation Pull Request Merged", {"issue_id": "pr-lost", "pull_request": PULL}
    )

    wait_for(lambda: api(stack, "GET", "/issues/pr-lost").json()["state"] == "resolved", "state")
    wait_for(lambda: len(comments(stack, key)) >= 1, "the comment", timeout=40)
    time.sleep(2)
    (comment,) = comments(stack, key)
    assert "acme/api#7" in json.dumps(comment["body"])


def test_the_emulator_keeps_a_comments_properties_as_jira_serves_them(stack: Devstack) -> None:
    key = linked(stack, "props")
    session = jira(stack)
    made = session.post(
        f"{stack.jira_url}/rest/api/3/issue/{key}/comment",
        json={
            "body": {
                "type": "doc",
                "version": 1,
                "content": [{"type": "paragraph", "content": [{"type": "text", "text": "x"}]}],
            },
            "properties": [{"key": "jira-sync", "value": {"event_id": "e-1"}}],
        },
        timeout=10,
    ).json()

    listed = session.get(
        f"{stack.jira_url}/rest/api/3/issue/{key}/comment",
        params={"expand": "properties"},
        timeout=10,
    ).json()["comments"]
    plain = session.get(f"{stack.jira_url}/rest/api/3/issue/{key}/comment", timeout=10).json()
    one = session.get(
        f"{stack.jira_url}/rest/api/3/comment/{made['id']}/properties/jira-sync", timeout=10
    )
    missing = session.get(
        f"{stack.jira_url}/rest/api/3/comment/{made['id']}/properties/other", timeout=10
    )

    assert listed[0]["properties"] == [{"key": "jira-sync", "value": {"event_id": "e-1"}}]
    assert "properties" not in plain["comments"][0]
    assert one.json() == {"key": "jira-sync", "value": {"event_id": "e-1"}}
    assert missing.status_code == 404


def test_given_an_event_jira_keeps_refusing_then_it_reaches_the_dlq_and_replays_from_there(
    stack: Devstack,
) -> None:
    """Five receives, brought back after Jira's Retry-After (1 s), then at least 10, 20 and
    40 s, then - the last receive waiting nothing - the dead-letter queue; once Jira is back,
    `make replay-dlq` (here: the same function) applies it."""
    key = linked(stack, "pr-poison")
    fault(stack, method="POST", path="*/comment", status=503, headers={"Retry-After": "1"})
    sqs = stack.client("sqs")
    dead = stack.queue_urls["RemediationDeadLetterQueue"]

    put_event(
        stack, "Remediation Pull Request Opened", {"issue_id": "pr-poison", "pull_request": PULL}
    )

    def in_dlq() -> bool:
        attributes = sqs.get_queue_attributes(
            QueueUrl=dead, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) == 1

    wait_for(in_dlq, "the dead-letter queue", timeout=120)  # waits 1, 10, 20, 40, 0 s
    assert len(jira_requests(stack, "POST", "/comment")) == 5
    assert comments(stack, key) == []
    requests.delete(f"{stack.jira_url}/_emulator/faults", timeout=10)

    assert stack.replay_dead_letters() == {"RemediationQueue": 1}

    wait_for(lambda: len(comments(stack, key)) == 1, "the replayed event's comment")


def test_make_replay_dlq_reaches_the_running_stack(stack: Devstack) -> None:
    import subprocess
    import sys
    from urllib.parse import urlsplit

    port = urlsplit(stack.moto_endpoint).port
    done = subprocess.run(
        [sys.executable, "-m", "devstack.dead_letters", "--moto-port", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "RemediationQueue: 0 message(s) moved back" in done.stdout


FINDING = {
    "name": "Exposed admin console on 10.0.0.5",
    "description": "Port 8443 answers with the **admin** login page.",
    "severity": "high",
    "labels": ["internet-facing"],
}


def test_given_a_finding_the_auto_create_rule_matches_then_a_ticket_and_its_event(
    stack: Devstack,
) -> None:
    credential_id = credential(stack, auto_create={"min_severity": "high"})
    sqs, created = bus_queue(stack, "Jira Ticket Created")

    put_event(
        stack,
        "Finding Detected",
        {"issue_id": "found-1", "credential_id": credential_id, "issue": FINDING},
    )

    body = json.loads(
        sqs.receive_message(QueueUrl=created, WaitTimeSeconds=20)["Messages"][0]["Body"]
    )
    key = body["detail"]["jira"]["key"]
    issue = api(stack, "GET", "/issues/found-1").json()
    assert issue["name"] == FINDING["name"]
    assert issue["severity"] == "high"
    assert issue["jira"]["key"] == key
    assert jira_issue(stack, key)["fields"]["summary"] == FINDING["name"]


def test_given_a_finding_the_rule_does_not_match_then_no_ticket(stack: Devstack) -> None:
    credential_id = credential(stack, auto_create={"min_severity": "high", "labels_any": ["pci"]})
    sqs, created = bus_queue(stack, "Jira Ticket Created")
    matching = {"issue_id": "found-pci", "credential_id": credential_id}

    put_event(
        stack, "Finding Detected", matching | {"issue_id": "found-unlabelled", "issue": FINDING}
    )
    put_event(stack, "Finding Detected", matching | {"issue": FINDING | {"labels": ["PCI"]}})

    body = json.loads(
        sqs.receive_message(QueueUrl=created, WaitTimeSeconds=20)["Messages"][0]["Body"]
    )
    assert body["detail"]["issue_id"] == "found-pci"
    time.sleep(2)
    assert api(stack, "GET", "/issues/found-unlabelled").status_code == 404
    assert len(jira_requests(stack, "POST", "/rest/api/3/issue")) == 1


def test_make_event_puts_a_sample_on_the_running_stack_and_the_loop_runs(stack: Devstack) -> None:
    """The banner's `make event` line: the merged-PR sample comments on the ticket."""
    import subprocess
    import sys
    from urllib.parse import urlsplit

    key = linked(stack, "from-sample", remediation_map={"pull_request_merged": "resolved"})
    port = urlsplit(stack.moto_endpoint).port
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "devstack.put_event",
            "events/remediation-pull-request-merged.json",
            "--issue-id",
            "from-sample",
            "--moto-port",
            str(port),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Remediation Pull Request Merged put on ")
    wait_for(lambda: len(comments(stack, key)) == 1, "the sample's comment")
    wait_for(lambda: jira_issue(stack, key)["fields"]["status"]["name"] == "Done", "the status")
