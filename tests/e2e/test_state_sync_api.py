"""Outbound state sync through the local stack over real HTTP: PUT /issues/{id}/state moves the
linked ticket in the Jira emulator's workflows (SEC: global transitions; OPS: a strict one)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from devstack.stack import Devstack
from tests.fixtures.emulator import emulator_session
from tests.support.bus import bus_queue

SVC = ("svc@example.com", "svc-token")
ALICE = ("alice@example.com", "alice-token")
OPS_MAP = {"open": "Open", "in progress": "In Progress", "resolved": "Done", "closed": "Closed"}
SEC_MAP = {"open": "To Do", "in progress": "In Progress", "resolved": "Done"}


@pytest.fixture
def stack(clean_devstack: Devstack) -> Devstack:
    return clean_devstack


def api(stack: Devstack, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{stack.api_url}{path}", json=body, timeout=60)


def linked_issue(stack: Devstack, issue_id: str, project: str, state_map: dict[str, str]) -> str:
    """A credential for ``project`` and a ticket for ``issue_id``; returns the Jira key."""
    credential = api(
        stack,
        "POST",
        "/credentials",
        {
            "name": project,
            "url": stack.jira_url,
            "email": "svc@example.com",
            "api_token": "svc-token",
            "project_key": project,
            "state_map": state_map,
        },
    )
    assert credential.status_code == 201, credential.text
    body = {
        "credential_id": credential.json()["credential_id"],
        "issue": {"name": f"finding {issue_id}", "description": "details"},
    }
    created = api(stack, "POST", f"/issues/{issue_id}/ticket", body)
    assert created.status_code == 201, created.text
    key: str = created.json()["jira"]["key"]
    return key


def set_state(stack: Devstack, issue_id: str, state: str) -> dict[str, Any]:
    response = api(stack, "PUT", f"/issues/{issue_id}/state", {"state": state})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def jira_fields(stack: Devstack, key: str) -> dict[str, Any]:
    response = emulator_session(*SVC).get(f"{stack.jira_url}/rest/api/3/issue/{key}", timeout=10)
    fields: dict[str, Any] = response.json()["fields"]
    return fields


def jira_log(stack: Devstack) -> list[str]:
    log = requests.get(f"{stack.jira_url}/_emulator/requests", timeout=10).json()
    entries = log if isinstance(log, list) else log["requests"]
    return [f"{e['method']} {e['path']} {e['status']}" for e in entries]


def clear_log(stack: Devstack) -> None:
    requests.delete(f"{stack.jira_url}/_emulator/requests", timeout=10)


def move_in_jira(stack: Devstack, key: str, transition_id: str, **fields: Any) -> None:
    body: dict[str, Any] = {"transition": {"id": transition_id}}
    if fields:
        body["fields"] = fields
    response = emulator_session(*ALICE).post(
        f"{stack.jira_url}/rest/api/3/issue/{key}/transitions", json=body, timeout=10
    )
    assert response.status_code == 204, response.text


def timeline(stack: Devstack, issue_id: str) -> list[str]:
    return [line["text"] for line in api(stack, "GET", f"/issues/{issue_id}").json()["timeline"]]


def test_given_mapped_state_when_set_then_ticket_moved_and_issue_updated(stack: Devstack) -> None:
    key = linked_issue(stack, "s1", "SEC", SEC_MAP)

    result = set_state(stack, "s1", "resolved")

    assert result == {
        "issue_id": "s1",
        "state": "resolved",
        "jira": {"key": key, "transition": "applied", "to_status": "Done"},
    }
    assert jira_fields(stack, key)["status"]["name"] == "Done"
    issue = api(stack, "GET", "/issues/s1").json()
    assert issue["state"] == "resolved"
    assert timeline(stack, "s1")[-1] == 'State changed from "open" to "resolved"'


def test_given_known_status_and_warm_cache_then_a_state_change_is_one_jira_call(
    stack: Devstack,
) -> None:
    linked_issue(stack, "w1", "SEC", SEC_MAP)
    linked_issue(stack, "w2", "SEC", SEC_MAP)
    set_state(stack, "w1", "resolved")
    set_state(stack, "w1", "in progress")  # from a known status: its transitions get cached
    set_state(stack, "w2", "resolved")
    clear_log(stack)

    result = set_state(stack, "w2", "in progress")

    assert result["jira"]["transition"] == "applied"
    assert [line.rsplit(" ", 1)[0] for line in jira_log(stack)] == [
        f"POST /rest/api/3/issue/{result['jira']['key']}/transitions"
    ]


def test_given_unmapped_state_then_not_mapped_and_no_jira_call(stack: Devstack) -> None:
    linked_issue(stack, "m1", "SEC", {"resolved": "Done"})
    clear_log(stack)

    result = set_state(stack, "m1", "in progress")

    assert result["state"] == "in progress"
    assert result["jira"]["transition"] == "not_mapped"
    assert jira_log(stack) == []
    assert api(stack, "GET", "/issues/m1").json()["state"] == "in progress"


def test_given_unlinked_issue_then_not_linked_and_state_applied(stack: Devstack) -> None:
    linked_issue(stack, "u1", "SEC", SEC_MAP)
    assert api(stack, "DELETE", "/issues/u1/ticket").status_code == 204

    result = set_state(stack, "u1", "closed")

    assert result == {
        "issue_id": "u1",
        "state": "closed",
        "jira": {"key": None, "transition": "not_linked"},
    }
    assert api(stack, "GET", "/issues/u1").json()["state"] == "closed"


def test_given_strict_workflow_when_target_not_reachable_then_not_available_and_reported(
    stack: Devstack,
) -> None:
    key = linked_issue(stack, "o1", "OPS", OPS_MAP)
    sqs, queue_url = bus_queue(stack, "Jira Sync Failed")

    result = set_state(stack, "o1", "resolved")

    assert result["state"] == "resolved"
    assert result["jira"]["transition"] == "not_available"
    assert result["jira"]["to_status"] == "Done"
    line = 'Jira transition to "Done" not available from "Open"'
    assert result["jira"]["detail"] == line
    assert timeline(stack, "o1")[-1] == line
    assert jira_fields(stack, key)["status"]["name"] == "Open"
    assert api(stack, "GET", "/issues/o1").json()["state"] == "resolved"
    event = json.loads(
        sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)["Messages"][0]["Body"]
    )
    assert event["detail-type"] == "Jira Sync Failed"
    assert event["detail"]["operation"] == "transition"
    assert event["detail"]["jira_key"] == key


def test_given_screen_requiring_resolution_then_it_is_filled_from_the_defaults(
    stack: Devstack,
) -> None:
    key = linked_issue(stack, "o2", "OPS", OPS_MAP)

    result = set_state(stack, "o2", "closed")

    assert result["jira"] == {"key": key, "transition": "applied", "to_status": "Closed"}
    fields = jira_fields(stack, key)
    assert fields["status"]["name"] == "Closed"
    assert fields["resolution"]["name"] in {"Won't Do", "Won't Fix"}


def test_given_review_then_done_with_required_resolution_gets_done(stack: Devstack) -> None:
    key = linked_issue(stack, "o3", "OPS", OPS_MAP)
    set_state(stack, "o3", "in progress")
    move_in_jira(stack, key, "21")  # In Review, done by a person in Jira

    result = set_state(stack, "o3", "resolved")

    assert result["jira"]["transition"] == "applied"
    fields = jira_fields(stack, key)
    assert (fields["status"]["name"], fields["resolution"]["name"]) == ("Done", "Done")


def test_given_stale_cached_transition_when_jira_refuses_then_refetched_once(
    stack: Devstack,
) -> None:
    key = linked_issue(stack, "o4", "OPS", OPS_MAP)
    linked_issue(stack, "o5", "OPS", OPS_MAP)
    set_state(stack, "o4", "resolved")  # not available; learns "Open", caches its transitions
    move_in_jira(stack, key, "11")  # someone starts progress in Jira, unseen by us
    clear_log(stack)

    result = set_state(stack, "o4", "in progress")

    assert result["jira"]["transition"] == "applied"
    assert result["jira"]["detail"] == "the ticket is already in In Progress"
    log = jira_log(stack)
    assert log[0] == f"POST /rest/api/3/issue/{key}/transitions 400"
    assert log[1] == f"GET /rest/api/3/issue/{key}/transitions 200"
    assert log[2] == f"GET /rest/api/3/issue/{key} 200"
    assert len([line for line in log if line.startswith("POST")]) == 1


def test_given_jira_failing_then_pending_and_the_queued_retry_moves_the_ticket(
    stack: Devstack,
) -> None:
    key = linked_issue(stack, "f1", "SEC", SEC_MAP)
    requests.post(
        f"{stack.jira_url}/_emulator/faults",
        json={"method": "POST", "path": "*/transitions", "status": 500, "times": 2},
        timeout=10,
    )

    result = set_state(stack, "f1", "resolved")

    assert result["state"] == "resolved"
    assert result["jira"]["transition"] == "pending"
    assert "500" in result["jira"]["detail"]
    issue = api(stack, "GET", "/issues/f1").json()
    assert issue["state"] == "resolved"
    assert issue["sync"]["status"] == "pending"
    assert "500" in issue["sync"]["last_error"]
    assert timeline(stack, "f1")[-1].startswith('Jira transition to "Done" pending: ')
    assert jira_fields(stack, key)["status"]["name"] == "To Do"

    deadline = time.monotonic() + 60
    while jira_fields(stack, key)["status"]["name"] != "Done":
        assert time.monotonic() < deadline, "the queued retry never moved the ticket"
        time.sleep(0.5)
    deadline = time.monotonic() + 10
    while (issue := api(stack, "GET", "/issues/f1").json())["sync"]["status"] != "ok":
        assert time.monotonic() < deadline, issue["sync"]
        time.sleep(0.2)
    assert issue["sync"]["last_error"] is None
    assert timeline(stack, "f1")[-1].startswith('Jira transition to "Done" applied on retry ')


@pytest.mark.parametrize("body", [{"state": "done"}, {}, {"state": "open", "x": 1}])
def test_given_bad_body_then_400(stack: Devstack, body: dict[str, Any]) -> None:
    linked_issue(stack, "b1", "SEC", SEC_MAP)

    response = api(stack, "PUT", "/issues/b1/state", body)

    assert response.status_code == 400
    assert (
        "state" in response.json()["error"]["message"] or "x" in response.json()["error"]["message"]
    )


def test_given_unknown_issue_then_404(stack: Devstack) -> None:
    assert api(stack, "PUT", "/issues/nope/state", {"state": "open"}).status_code == 404
