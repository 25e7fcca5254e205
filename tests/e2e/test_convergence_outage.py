"""Issue 10's convergence check through the devstack: Jira is down for 60 s while three state
changes and two pull-request events arrive; once it is back, every ticket reaches its mapped
status with no human action (the queued retries and the events' own redeliveries)."""

from __future__ import annotations

import time

import requests

from devstack.stack import Devstack
from tests.e2e.test_remediation_events import (
    PULL,
    STATE_MAP,
    comments,
    put_event,
    stack,  # noqa: F401 (the fixture)
    wait_for,
)
from tests.e2e.test_tickets_api import api, credential, fault, jira_issue, ticket_body

OUTAGE_SECONDS = 60
REMEDIATION_MAP = {"pull_request_opened": "in progress", "pull_request_merged": "resolved"}


def test_after_a_60_s_jira_outage_every_ticket_reaches_its_mapped_status(
    stack: Devstack,  # noqa: F811
) -> None:
    credential_id = credential(stack, state_map=STATE_MAP, remediation_map=REMEDIATION_MAP)
    keys = {}
    for issue_id in ("put-a", "put-b", "put-c", "pr-d", "pr-e"):
        created = api(stack, "POST", f"/issues/{issue_id}/ticket", ticket_body(credential_id))
        assert created.status_code == 201, created.text
        keys[issue_id] = created.json()["jira"]["key"]

    fault(stack, method="*", path="/rest/api/3/*", status=503)
    down_at = time.monotonic()
    answers = [
        api(stack, "PUT", "/issues/put-a/state", {"state": "resolved"}).json(),
        api(stack, "PUT", "/issues/put-b/state", {"state": "in progress"}).json(),
        api(stack, "PUT", "/issues/put-c/state", {"state": "resolved"}).json(),
    ]
    put_event(stack, "Remediation Pull Request Merged", {"issue_id": "pr-d", "pull_request": PULL})
    put_event(stack, "Remediation Pull Request Opened", {"issue_id": "pr-e", "pull_request": PULL})

    assert [answer["jira"]["transition"] for answer in answers] == ["pending"] * 3
    assert api(stack, "GET", "/issues/put-a").json()["sync"]["status"] == "pending"
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
    requests.delete(f"{stack.jira_url}/_emulator/faults", timeout=10)

    expected = {
        "put-a": "Done",
        "put-b": "In Progress",
        "put-c": "Done",
        "pr-d": "Done",
        "pr-e": "In Progress",
    }

    def converged() -> bool:
        return all(
            jira_issue(stack, keys[issue_id])["fields"]["status"]["name"] == status
            for issue_id, status in expected.items()
        )

    wait_for(converged, "every ticket at its mapped status", timeout=150)
    for issue_id in ("pr-d", "pr-e"):
        assert len(comments(stack, keys[issue_id])) == 1
    wait_for(
        lambda: all(
            api(stack, "GET", f"/issues/{issue_id}").json()["sync"]["status"] == "ok"
            for issue_id in expected
        ),
        "every issue's sync ok",
    )
