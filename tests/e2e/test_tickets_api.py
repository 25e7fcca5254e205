"""Ticket creation through the local stack over real HTTP: the tickets function, DynamoDB,
Secrets Manager and EventBridge emulators, and the Jira emulator's strict REST API."""

from __future__ import annotations

import csv
import io
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from devstack.jira_emulator.adf import problem as adf_problem
from devstack.stack import Devstack
from tests.fixtures.emulator import emulator_session
from tests.support.bus import bus_queue

SVC = ("svc@example.com", "svc-token")
# What the devstack sets JIRA_SYNC_SEARCH_SETTLE_SECONDS to (the emulator's search is consistent).
SEARCH_SETTLE_SECONDS = 1.0
# ... and JIRA_SYNC_JIRA_REQUEST_LIFETIME_SECONDS: after an uncertain create, a ticket is made
# again only once this and the settle time have passed with the ticket not found.
REQUEST_LIFETIME_SECONDS = 4.0
CREATE_WINDOW_SECONDS = REQUEST_LIFETIME_SECONDS + SEARCH_SETTLE_SECONDS
DESCRIPTION = (
    "## Finding\n\nThe `q` parameter reaches the query **unescaped**.\n\n- Scanner: Backline\n"
)


@pytest.fixture
def stack(clean_devstack: Devstack) -> Devstack:
    return clean_devstack


def api(stack: Devstack, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{stack.api_url}{path}", json=body, timeout=60)


def credential(stack: Devstack, **overrides: Any) -> str:
    body = {
        "name": "Security",
        "url": stack.jira_url,
        "email": "svc@example.com",
        "api_token": "svc-token",
        "project_key": "SEC",
        "labels": ["appsec"],
    } | overrides
    response = api(stack, "POST", "/credentials", body)
    assert response.status_code == 201, response.text
    credential_id: str = response.json()["credential_id"]
    return credential_id


def ticket_body(credential_id: str, **issue: Any) -> dict[str, Any]:
    return {
        "credential_id": credential_id,
        "issue": {
            "name": "SQL injection in /api/search",
            "description": DESCRIPTION,
            "due_date": "2030-01-31",
            "severity": "high",
        }
        | issue,
    }


def jira(stack: Devstack) -> requests.Session:
    return emulator_session(*SVC)


def jira_issue(stack: Devstack, key: str) -> dict[str, Any]:
    response = jira(stack).get(
        f"{stack.jira_url}/rest/api/3/issue/{key}", params={"properties": "*all"}, timeout=10
    )
    assert response.status_code == 200, response.text
    issue: dict[str, Any] = response.json()
    return issue


def jira_issue_keys(stack: Devstack) -> list[str]:
    state = requests.get(f"{stack.jira_url}/_emulator/state", timeout=10).json()
    return [issue["key"] for issue in state["issues"]]


def jira_requests(stack: Devstack, method: str, path_end: str) -> list[dict[str, Any]]:
    log = requests.get(f"{stack.jira_url}/_emulator/requests", timeout=10).json()
    entries = log if isinstance(log, list) else log["requests"]
    return [e for e in entries if e["method"] == method and e["path"].endswith(path_end)]


def clear_jira_requests(stack: Devstack) -> None:
    requests.delete(f"{stack.jira_url}/_emulator/requests", timeout=10)


def fault(stack: Devstack, **spec: Any) -> None:
    response = requests.post(f"{stack.jira_url}/_emulator/faults", json=spec, timeout=10)
    assert response.ok, response.text


def test_given_issue_when_ticket_created_then_jira_issue_has_every_field(stack: Devstack) -> None:
    credential_id = credential(
        stack,
        components=["api"],
        field_map={
            "customfield_10051": {"value": "Scanner"},
            "customfield_10050": {"value": 9.8},
        },
    )

    response = api(stack, "POST", "/issues/finding-1/ticket", ticket_body(credential_id))

    assert response.status_code == 201, response.text
    body = response.json()
    key = body["jira"]["key"]
    assert body == {
        "issue_id": "finding-1",
        "jira": {
            "key": key,
            "id": body["jira"]["id"],
            "browse_url": f"{stack.jira_url}/browse/{key}",
            "base_url": stack.jira_url,
            "credential_id": credential_id,
        },
        "attachment": {"status": "none"},
    }
    fields = jira_issue(stack, key)["fields"]
    assert fields["summary"] == "SQL injection in /api/search"
    assert fields["issuetype"]["name"] == "Task"
    assert fields["duedate"] == "2030-01-31"
    assert fields["priority"]["name"] == "High"
    assert fields["labels"] == ["appsec", "jira-sync"] or fields["labels"] == [
        "jira-sync",
        "appsec",
    ]
    assert [c["name"] for c in fields["components"]] == ["api"]
    assert fields["customfield_10051"]["value"] == "Scanner"
    assert fields["customfield_10050"] == 9.8
    description = fields["description"]
    assert adf_problem(description) is None
    assert description["content"][0] == {
        "type": "heading",
        "attrs": {"level": 2},
        "content": [{"type": "text", "text": "Finding"}],
    }
    assert "finding-1" in json.dumps(description["content"][-1])
    properties = jira_issue(stack, key)["properties"]
    assert properties["jira-sync"] == {"issue_id": "finding-1"}


def test_given_created_ticket_when_issue_read_then_link_and_timeline_shown(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    key = api(stack, "POST", "/issues/finding-2/ticket", ticket_body(credential_id)).json()["jira"][
        "key"
    ]

    issue = api(stack, "GET", "/issues/finding-2").json()

    assert issue["issue_id"] == "finding-2"
    assert issue["name"] == "SQL injection in /api/search"
    assert issue["state"] == "open"
    assert issue["due_date"] == "2030-01-31"
    assert issue["severity"] == "high"
    assert issue["jira"]["key"] == key
    assert [line["text"] for line in issue["timeline"]] == [
        f'Created Jira ticket {key} for issue "SQL injection in /api/search"'
    ]


def test_given_long_name_when_created_then_summary_cut_to_255_with_ellipsis(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    name = "x" * 300

    key = api(stack, "POST", "/issues/long/ticket", ticket_body(credential_id, name=name)).json()[
        "jira"
    ]["key"]

    summary = jira_issue(stack, key)["fields"]["summary"]
    assert len(summary) == 255
    assert summary == "x" * 254 + "…"


def test_given_snapshot_when_created_then_csv_attached_formula_safe(stack: Devstack) -> None:
    credential_id = credential(stack)
    body = ticket_body(credential_id) | {
        "snapshot": {
            "filename": "assets.csv",
            "rows": [
                {"asset": "api.example.com", "port": 443},
                {"asset": '=HYPERLINK("http://evil")', "note": "@SUM(A1)", "port": -1},
            ],
        }
    }

    response = api(stack, "POST", "/issues/snap/ticket", body)

    assert response.status_code == 201, response.text
    assert response.json()["attachment"] == {"status": "uploaded"}
    attachments = jira_issue(stack, response.json()["jira"]["key"])["fields"]["attachment"]
    assert [a["filename"] for a in attachments] == ["assets.csv"]
    content = jira(stack).get(attachments[0]["content"], timeout=10).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows == [
        ["asset", "port", "note"],
        ["api.example.com", "443", ""],
        ['\'=HYPERLINK("http://evil")', "'-1", "'@SUM(A1)"],
    ]


def test_given_attachment_failing_when_created_then_ticket_linked_and_failure_reported(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    fault(stack, method="POST", path="*/attachments", status=500, times=1)
    body = ticket_body(credential_id) | {"snapshot": {"rows": [{"a": 1}]}}

    response = api(stack, "POST", "/issues/snapfail/ticket", body)

    assert response.status_code == 201, response.text
    result = response.json()
    assert result["attachment"]["status"] == "failed"
    assert "500" in result["attachment"]["error"]
    issue = api(stack, "GET", "/issues/snapfail").json()
    assert issue["jira"]["key"] == result["jira"]["key"]
    assert issue["timeline"][-1]["text"].startswith(
        f"Snapshot attachment to {result['jira']['key']} failed"
    )


def test_given_same_request_retried_then_same_201_and_no_jira_call(stack: Devstack) -> None:
    credential_id = credential(stack)
    body = ticket_body(credential_id)
    first = api(stack, "POST", "/issues/retry/ticket", body)
    clear_jira_requests(stack)

    again = api(stack, "POST", "/issues/retry/ticket", body)

    assert again.status_code == 201
    assert again.json() == first.json()
    log = requests.get(f"{stack.jira_url}/_emulator/requests", timeout=10).json()
    assert (log if isinstance(log, list) else log["requests"]) == []


def test_given_linked_issue_when_other_request_then_409_with_existing_key(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    key = api(stack, "POST", "/issues/dup/ticket", ticket_body(credential_id)).json()["jira"]["key"]

    response = api(stack, "POST", "/issues/dup/ticket", ticket_body(credential_id, name="other"))

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "already_linked"
    assert error["details"]["jira"]["key"] == key
    assert key in error["message"]
    assert jira_issue_keys(stack) == [key]


def test_given_ten_concurrent_creates_then_exactly_one_jira_issue(stack: Devstack) -> None:
    credential_id = credential(stack)
    body = ticket_body(credential_id)

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(
            pool.map(lambda _: api(stack, "POST", "/issues/race/ticket", body), range(10))
        )

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    created = {r.json()["jira"]["key"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert jira_issue_keys(stack) == list(created)
    assert api(stack, "GET", "/issues/race").json()["jira"]["key"] in created


def test_given_create_response_lost_when_created_then_ticket_adopted_not_duplicated(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    fault(
        stack,
        method="POST",
        path="/rest/api/3/issue",
        drop_connection=True,
        after_processing=True,
        times=1,
    )

    response = api(stack, "POST", "/issues/lost/ticket", ticket_body(credential_id))

    assert response.status_code == 201, response.text
    key = response.json()["jira"]["key"]
    assert jira_issue_keys(stack) == [key]
    assert api(stack, "GET", "/issues/lost").json()["jira"]["key"] == key
    assert len(jira_requests(stack, "POST", "/rest/api/3/issue")) == 1


def test_given_create_dropped_before_jira_took_it_then_502_and_a_retry_creates_one(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    fault(stack, method="POST", path="/rest/api/3/issue", drop_connection=True, times=1)
    body = ticket_body(credential_id)

    first = api(stack, "POST", "/issues/absent/ticket", body)

    assert first.status_code == 502, first.text
    assert jira_issue_keys(stack) == []
    assert api(stack, "GET", "/issues/absent").status_code == 404
    # Jira Cloud's search may not show a new issue for seconds: not found yet is not absent yet.
    early = api(stack, "POST", "/issues/absent/ticket", body)
    assert early.status_code == 409, early.text
    assert early.json()["error"]["code"] == "create_outcome_pending"
    assert early.json()["error"]["details"]["retry_after"] >= 1
    time.sleep(CREATE_WINDOW_SECONDS + 0.2)
    second = api(stack, "POST", "/issues/absent/ticket", body)
    assert second.status_code == 201, second.text
    assert jira_issue_keys(stack) == [second.json()["jira"]["key"]]


def test_given_required_field_without_value_then_422_before_any_create(stack: Devstack) -> None:
    credential_id = credential(stack, issue_type="Bug")
    clear_jira_requests(stack)

    response = api(stack, "POST", "/issues/bug/ticket", ticket_body(credential_id))

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "missing_required_fields"
    assert error["details"]["missing_fields"] == [{"field": "components", "name": "Component/s"}]
    assert jira_requests(stack, "POST", "/rest/api/3/issue") == []
    assert api(stack, "GET", "/issues/bug").status_code == 404


def test_given_jira_refusing_the_create_then_422_with_jira_status_and_nothing_linked(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    fault(
        stack,
        method="POST",
        path="/rest/api/3/issue",
        status=400,
        body={"errorMessages": [], "errors": {"customfield_10099": "Field is required."}},
        times=1,
    )

    response = api(stack, "POST", "/issues/refused/ticket", ticket_body(credential_id))

    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert details["jira_status"] == 400
    assert details["errors"] == {"customfield_10099": "Field is required."}
    assert api(stack, "GET", "/issues/refused").status_code == 404
    assert (
        api(stack, "POST", "/issues/refused/ticket", ticket_body(credential_id)).status_code == 201
    )


@pytest.mark.parametrize(
    ("issue", "field"),
    [({"name": "  "}, "issue.name"), ({"description": ""}, "issue.description")],
)
def test_given_empty_name_or_description_then_400_naming_the_field(
    stack: Devstack, issue: dict[str, Any], field: str
) -> None:
    credential_id = credential(stack)

    response = api(stack, "POST", "/issues/bad/ticket", ticket_body(credential_id, **issue))

    assert response.status_code == 400
    assert field in response.json()["error"]["message"]
    assert jira_issue_keys(stack) == []


def test_given_unknown_credential_then_404(stack: Devstack) -> None:
    body = ticket_body("0b7e7a52-3c1f-4d7e-9a57-2f4f1f6f8c11")

    response = api(stack, "POST", "/issues/x/ticket", body)

    assert response.status_code == 404
    assert api(stack, "GET", "/issues/x").status_code == 404


def test_given_linked_issue_when_unlinked_then_jira_untouched_and_next_create_is_new(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    body = ticket_body(credential_id)
    first = api(stack, "POST", "/issues/un/ticket", body).json()["jira"]["key"]
    assert api(stack, "DELETE", f"/credentials/{credential_id}").status_code == 409

    response = api(stack, "DELETE", "/issues/un/ticket")

    assert response.status_code == 204
    issue = api(stack, "GET", "/issues/un").json()
    assert issue["jira"] is None
    assert issue["timeline"][-1]["text"] == f"Unlinked Jira ticket {first}"
    assert jira_issue(stack, first)["key"] == first
    second = api(stack, "POST", "/issues/un/ticket", body)
    assert second.status_code == 201
    assert second.json()["jira"]["key"] != first
    assert api(stack, "DELETE", "/issues/un/ticket").status_code == 204
    assert api(stack, "DELETE", "/issues/un/ticket").status_code == 404
    assert api(stack, "DELETE", f"/credentials/{credential_id}").status_code == 204


def test_given_created_ticket_then_jira_ticket_created_event_on_the_bus(stack: Devstack) -> None:
    sqs, queue_url = bus_queue(stack, "Jira Ticket Created")
    credential_id = credential(stack)

    key = api(stack, "POST", "/issues/ev/ticket", ticket_body(credential_id)).json()["jira"]["key"]

    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)["Messages"]
    event = json.loads(messages[0]["Body"])
    assert event["source"] == "jira-sync"
    assert event["detail"]["issue_id"] == "ev"
    assert event["detail"]["jira"]["key"] == key
    assert event["detail"]["credential_id"] == credential_id


def test_given_lost_answer_and_jira_search_failing_then_502_and_the_retry_adopts(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    fault(
        stack,
        method="POST",
        path="/rest/api/3/issue",
        drop_connection=True,
        after_processing=True,
        times=1,
    )
    fault(stack, method="GET", path="/rest/api/3/search/jql", status=503, times=10)
    body = ticket_body(credential_id)

    first = api(stack, "POST", "/issues/unsure/ticket", body)

    assert first.status_code == 502, first.text
    assert len(jira_issue_keys(stack)) == 1
    requests.delete(f"{stack.jira_url}/_emulator/faults", timeout=10)
    time.sleep(SEARCH_SETTLE_SECONDS + 0.2)
    second = api(stack, "POST", "/issues/unsure/ticket", body)
    assert second.status_code == 201, second.text
    assert jira_issue_keys(stack) == [second.json()["jira"]["key"]]
    assert len(jira_requests(stack, "POST", "/rest/api/3/issue")) == 1


def ticket_in_jira(stack: Devstack, issue_id: str, summary: str) -> dict[str, Any]:
    """A ticket made straight in Jira, marked as a create of ``issue_id`` marks it."""
    made = jira(stack).post(
        f"{stack.jira_url}/rest/api/3/issue",
        json={
            "fields": {
                "project": {"key": "SEC"},
                "issuetype": {"name": "Task"},
                "summary": summary,
            },
            "properties": [{"key": "jira-sync", "value": {"issue_id": issue_id}}],
        },
        timeout=10,
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def left_claim(
    stack: Devstack, issue_id: str, *, until: float = 0.0, **facts: dict[str, Any]
) -> None:
    """The expired claim an earlier create left on the issue (released: ``until`` 0; its
    Lambda died: when the claim ran out), with what it knew."""
    stack.client("dynamodb").put_item(
        TableName=stack.table_name,
        Item={
            "pk": {"S": f"ISSUE#{issue_id}"},
            "sk": {"S": "#ISSUE"},
            "issue_id": {"S": issue_id},
            "creating": {
                "M": {
                    "token": {"S": "an-earlier-create"},
                    "request_hash": {"S": "0" * 64},
                    "until": {"N": str(until)},
                    **facts,
                }
            },
        },
    )


def expired_claim(stack: Devstack, issue_id: str, *, ended_ago: float = 1.0) -> None:
    """What a create leaves behind when its Lambda dies between Jira's answer and the link."""
    left_claim(stack, issue_id, until=time.time() - ended_ago)


def test_given_expired_claim_and_ticket_in_jira_then_the_ticket_is_adopted(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    expired_claim(stack, "orphan")
    made = ticket_in_jira(stack, "orphan", "made by the dead worker")
    clear_jira_requests(stack)

    response = api(stack, "POST", "/issues/orphan/ticket", ticket_body(credential_id))

    assert response.status_code == 201, response.text
    assert response.json()["jira"]["key"] == made["key"]
    assert jira_requests(stack, "POST", "/rest/api/3/issue") == []
    assert jira_issue_keys(stack) == [made["key"]]


def test_given_expired_claim_and_nothing_in_jira_then_a_ticket_is_created(
    stack: Devstack,
) -> None:
    credential_id = credential(stack)
    # Long enough ago that a create the dead worker sent can no longer make its ticket.
    expired_claim(stack, "orphan2", ended_ago=CREATE_WINDOW_SECONDS + 1)

    response = api(stack, "POST", "/issues/orphan2/ticket", ticket_body(credential_id))

    assert response.status_code == 201, response.text
    assert jira_issue_keys(stack) == [response.json()["jira"]["key"]]


def test_given_live_claim_then_409_create_in_progress_and_no_jira_call(stack: Devstack) -> None:
    credential_id = credential(stack)
    expired_claim(stack, "busy")
    stack.client("dynamodb").update_item(
        TableName=stack.table_name,
        Key={"pk": {"S": "ISSUE#busy"}, "sk": {"S": "#ISSUE"}},
        UpdateExpression="SET creating.#until = :later",
        ExpressionAttributeNames={"#until": "until"},
        ExpressionAttributeValues={":later": {"N": str(time.time() + 60)}},
    )
    clear_jira_requests(stack)

    response = api(stack, "POST", "/issues/busy/ticket", ticket_body(credential_id))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "create_in_progress"
    assert jira_requests(stack, "POST", "/rest/api/3/issue") == []


def test_given_ticket_requests_when_logged_then_no_token_appears(stack: Devstack) -> None:
    credential_id = credential(stack)
    api(stack, "POST", "/issues/logs/ticket", ticket_body(credential_id))
    api(stack, "GET", "/issues/logs")

    logs = "\n".join(stack.logs("TicketsFunction"))

    assert "ticket linked" in logs
    assert "svc-token" not in logs
    assert "Basic " not in logs
