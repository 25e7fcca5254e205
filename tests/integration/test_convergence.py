"""Convergence in process (moto and the Jira emulator): a transition Jira could not take now
is queued with the issue's state_version, retried from the queue until applied, and dropped
when the state was set again meanwhile. The retry message goes through the remediation
handler's own path (``remediation.handle``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from devstack.jira_emulator import JiraEmulator
from jira_sync.aws import retry_queue
from jira_sync.store import issues as store
from jira_sync.store.issues import issue_key
from jira_sync.usecases import remediation, state_sync, tickets
from jira_sync.usecases.event_outcomes import RetryLater
from tests.integration.test_usecases import (
    fault,
    jira_calls,
    jira_issue,
    new_credential,
    ticket_request,
)
from tests.support.moto_aws import TABLE_NAME, forget_container_state


@pytest.fixture
def queue(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    url: str = boto3.client("sqs").create_queue(QueueName="remediation")["QueueUrl"]
    monkeypatch.setenv("JIRA_SYNC_RETRY_QUEUE_URL", url)
    monkeypatch.setenv("JIRA_SYNC_RETRY_FIRST_DELAY_SECONDS", "0")
    forget_container_state()
    return url


@pytest.fixture
def linked(queue: str, jira: JiraEmulator) -> str:
    credential_id = new_credential(jira)
    created = tickets.create_ticket("finding-1", ticket_request(credential_id))
    return created.jira.key


def outage(jira: JiraEmulator) -> None:
    fault(jira, method="*", path="/rest/api/3/issue/*", status=503)


def jira_back(jira: JiraEmulator) -> None:
    import requests

    requests.delete(f"{jira.base_url}/_emulator/faults", timeout=10)


def queued(queue: str) -> list[dict[str, Any]]:
    """Takes every message off the queue: the bodies, oldest first."""
    sqs = boto3.client("sqs")
    bodies = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def run(message: dict[str, Any]) -> str:
    return remediation.handle(json.dumps(message))


def test_a_failed_transition_is_pending_then_its_retry_applies_it(
    linked: str, queue: str, jira: JiraEmulator
) -> None:
    outage(jira)

    result = state_sync.change_state("finding-1", "resolved")

    assert result.jira.transition == "pending"
    issue = tickets.get_issue("finding-1")
    assert issue.sync.status == "pending"
    assert "503" in (issue.sync.last_error or "")
    (message,) = queued(queue)
    assert message["detail-type"] == "Jira Transition Retry"
    assert message["detail"] == {"issue_id": "finding-1", "state_version": 1, "attempt": 1}

    jira_back(jira)
    assert run(message) == "done"

    assert jira_issue(jira, linked)["fields"]["status"]["name"] == "Done"
    issue = tickets.get_issue("finding-1")
    assert issue.sync.status == "ok"
    assert issue.sync.last_error is None
    assert issue.timeline[-1].text == 'Jira transition to "Done" applied on retry 1'
    assert queued(queue) == []


def test_a_retry_that_fails_again_queues_the_next_with_the_same_version(
    linked: str, queue: str, jira: JiraEmulator
) -> None:
    outage(jira)
    state_sync.change_state("finding-1", "resolved")
    (first,) = queued(queue)

    assert run(first) == "done"

    (second,) = queued(queue)
    assert second["detail"] == {"issue_id": "finding-1", "state_version": 1, "attempt": 2}
    pending = [
        line.text for line in tickets.get_issue("finding-1").timeline if "pending" in line.text
    ]
    assert len(pending) == 1  # one line per state change, not per attempt
    assert store.get_issue_item("finding-1").sync.attempts == 1  # type: ignore[union-attr]


def test_a_retry_of_a_state_set_again_since_is_dropped_without_a_jira_call(
    linked: str, queue: str, jira: JiraEmulator
) -> None:
    outage(jira)
    state_sync.change_state("finding-1", "resolved")
    state_sync.change_state("finding-1", "in progress")
    stale, current = queued(queue)
    jira_back(jira)
    before = len(jira_calls(jira, "POST", f"/rest/api/3/issue/{linked}/transitions"))

    assert run(stale) == "superseded"
    assert len(jira_calls(jira, "POST", f"/rest/api/3/issue/{linked}/transitions")) == before

    assert run(current) == "done"
    assert jira_issue(jira, linked)["fields"]["status"]["name"] == "In Progress"
    assert run(current) == "superseded"  # SQS delivered it twice: applied once


def test_without_a_retry_queue_a_transient_failure_is_failed(
    linked: str, jira: JiraEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JIRA_SYNC_RETRY_QUEUE_URL")
    forget_container_state()
    outage(jira)

    result = state_sync.change_state("finding-1", "resolved")

    assert result.jira.transition == "failed"
    assert result.jira.detail is not None
    assert result.jira.detail.endswith("; the retry could not be queued")
    assert tickets.get_issue("finding-1").sync.status == "failed"


def test_retrying_gives_up_after_the_configured_time(
    linked: str, queue: str, jira: JiraEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    outage(jira)
    state_sync.change_state("finding-1", "resolved")
    (message,) = queued(queue)
    monkeypatch.setenv("JIRA_SYNC_RETRY_GIVE_UP_SECONDS", "60")
    forget_container_state()
    long_ago = (datetime.now(UTC) - timedelta(minutes=2)).isoformat()
    boto3.client("dynamodb").update_item(
        TableName=TABLE_NAME,
        Key=issue_key("finding-1"),
        UpdateExpression="SET #sync.since = :then",
        ExpressionAttributeNames={"#sync": "sync"},
        ExpressionAttributeValues={":then": {"S": long_ago}},
    )

    assert run(message) == "done"

    assert queued(queue) == []
    issue = tickets.get_issue("finding-1")
    assert issue.sync.status == "failed"
    assert "gave up after retrying" in (issue.sync.last_error or "")


def test_a_change_waiting_for_the_lease_is_queued_not_lost(
    linked: str, queue: str, jira: JiraEmulator
) -> None:
    held = store.take_sync_lease("finding-1", "someone-else", now=0, until=9e12)
    assert held is not None

    result = state_sync.change_state("finding-1", "resolved", remaining_time=lambda: 0.5)

    assert result.jira.transition == "pending"
    (message,) = queued(queue)
    assert message["detail"]["state_version"] == 1
    with pytest.raises(RetryLater):  # still held: the retry's message comes back
        state_sync.resume("finding-1", 1, 1, remaining_time=lambda: 0.5)
    store.drop_sync_lease("finding-1", "someone-else")
    assert run(message) == "done"
    assert jira_issue(jira, linked)["fields"]["status"]["name"] == "Done"


@pytest.mark.parametrize(
    ("attempt", "retry_after", "expected"),
    [(1, None, 5), (2, None, 10), (4, None, 40), (9, None, 300), (1, 42.2, 43), (1, 5000, 900)],
)
def test_retries_back_off_and_never_come_sooner_than_retry_after(
    monkeypatch: pytest.MonkeyPatch, attempt: int, retry_after: float | None, expected: int
) -> None:
    for name, value in {
        "JIRA_SYNC_TABLE_NAME": "t",
        "JIRA_SYNC_EVENT_BUS_NAME": "b",
        "JIRA_SYNC_SECRET_PREFIX": "p/",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("JIRA_SYNC_RETRY_FIRST_DELAY_SECONDS", "JIRA_SYNC_RETRY_MAX_DELAY_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    forget_container_state()
    try:
        assert retry_queue.delay_for(attempt, retry_after) == expected
    finally:
        forget_container_state()


def test_a_state_jira_sets_meanwhile_settles_the_sync_and_drops_the_retry(
    queue: str, jira: JiraEmulator
) -> None:
    from jira_sync.usecases.webhook_sync import receive
    from tests.integration.test_webhook_work import SECRET, delivery, signed

    credential_id = new_credential(jira, webhook_secret=SECRET)
    key = tickets.create_ticket("finding-1", ticket_request(credential_id)).jira.key
    outage(jira)
    state_sync.change_state("finding-1", "in progress")
    (message,) = queued(queue)
    body = delivery(jira, key, "Done")  # someone resolved it in Jira when it came back

    assert receive("POST", credential_id, key, signed(body), body) == "applied"

    issue = tickets.get_issue("finding-1")
    assert (issue.state, issue.sync.status) == ("resolved", "ok")
    jira_back(jira)
    assert run(message) == "superseded"


def test_a_slower_sync_of_an_older_state_never_overwrites_the_newer_ones_sync(
    linked: str, queue: str, jira: JiraEmulator
) -> None:
    """The holder of the lease syncs state 1 while state 2 waits in the queue: whatever the
    holder learns, the issue stays pending for state 2, and state 2's retry moves the ticket."""
    from jira_sync.models.issues import SyncState

    store.take_sync_lease("finding-1", "holder", now=0, until=9e12)
    result = state_sync.change_state("finding-1", "resolved", remaining_time=lambda: 0.5)
    assert result.jira.transition == "pending"
    (newer,) = queued(queue)
    record = store.get_issue_item("finding-1")
    assert record is not None
    assert record.jira is not None

    written = store.record_jira_status(  # the holder, for the older state_version 0
        "finding-1",
        record.jira,
        jira_status="To Do",
        now=datetime.now(UTC),
        timeline=None,
        sync=SyncState(status="failed", since=datetime.now(UTC), last_error="older"),
        state_version=0,
    )
    store.drop_sync_lease("finding-1", "holder")

    assert written is True
    after = store.get_issue_item("finding-1")
    assert after is not None
    assert (after.jira_status, after.sync_state().status) == ("To Do", "pending")
    assert run(newer) == "done"
    assert jira_issue(jira, linked)["fields"]["status"]["name"] == "Done"


def test_a_retry_sqs_delivers_twice_starts_no_second_chain(
    linked: str, queue: str, jira: JiraEmulator
) -> None:
    outage(jira)
    state_sync.change_state("finding-1", "resolved")
    (first,) = queued(queue)

    assert run(first) == "done"  # fails again: attempt 2 queued
    assert run(first) == "superseded"  # the same attempt delivered again

    (second,) = queued(queue)
    assert second["detail"]["attempt"] == 2


def test_a_408_is_transient_and_queued(linked: str, queue: str, jira: JiraEmulator) -> None:
    fault(jira, method="*", path="/rest/api/3/issue/*", status=408)

    assert state_sync.change_state("finding-1", "resolved").jira.transition == "pending"


def test_unlinking_forgets_the_old_tickets_sync(
    linked: str, queue: str, jira: JiraEmulator
) -> None:
    outage(jira)
    state_sync.change_state("finding-1", "resolved")
    (message,) = queued(queue)

    tickets.unlink_ticket("finding-1")

    assert tickets.get_issue("finding-1").sync.status == "ok"
    assert run(message) == "superseded"


def test_a_pull_request_event_in_an_outage_sets_the_state_and_queues_it_first(
    queue: str, jira: JiraEmulator
) -> None:
    credential_id = new_credential(jira, remediation_map={"pull_request_merged": "resolved"})
    tickets.create_ticket("finding-1", ticket_request(credential_id))
    outage(jira)
    event = {
        "id": "event-1",
        "detail-type": "Remediation Pull Request Merged",
        "source": "findings",
        "detail": {
            "issue_id": "finding-1",
            "pull_request": {"url": "https://x/pull/1", "repository": "acme/api", "number": 1},
        },
    }

    with pytest.raises(RetryLater):  # the comment could not be made
        run(event)

    issue = tickets.get_issue("finding-1")
    assert (issue.state, issue.sync.status) == ("resolved", "pending")
    (retry,) = queued(queue)
    assert retry["detail"]["state_version"] == 1


def test_a_finding_whose_create_answer_was_lost_comes_back_once_the_window_closes(
    queue: str, jira: JiraEmulator
) -> None:
    credential_id = new_credential(jira, auto_create={"min_severity": "low"})
    event = {
        "id": "event-2",
        "detail-type": "Finding Detected",
        "source": "findings",
        "detail": {
            "issue_id": "finding-9",
            "credential_id": credential_id,
            "issue": {"name": "n", "description": "d", "severity": "high"},
        },
    }
    fault(jira, method="POST", path="/rest/api/3/issue", status=500, times=1)
    with pytest.raises(RetryLater):
        run(event)

    with pytest.raises(RetryLater) as later:
        run(event)

    assert later.value.seconds is not None
    assert later.value.seconds > 100  # 120 s of request lifetime + 10 s of settle, less a moment
