"""The webhook payloads the emulator emits on issue and comment changes (v2 shape, changelogs),
received over real HTTP by a loopback receiver registered through the admin webhooks API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from devstack.jira_emulator import JiraEmulator
from tests.fixtures.emulator import emulator_session
from tests.support.webhook_receiver import WebhookReceiver

ADMIN = ("admin@example.com", "admin-token")
SVC = ("svc@example.com", "svc-token")
ALICE = ("alice@example.com", "alice-token")
EVENTS = [
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
]


def doc(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


def register(jira: JiraEmulator, receiver: WebhookReceiver, jql: str = "") -> None:
    body = {
        "name": "events",
        "url": f"{receiver.url}/hook/${{issue.key}}",
        "events": EVENTS,
        "filters": {"issue-related-events-section": jql},
    }
    response = emulator_session(*ADMIN).post(
        f"{jira.base_url}/rest/webhooks/1.0/webhook", json=body, timeout=5
    )
    assert response.status_code == 201, response.text


def payloads(receiver: WebhookReceiver, count: int) -> list[dict[str, Any]]:
    received = receiver.wait_for(count)
    return sorted((json.loads(r.body) for r in received), key=lambda p: p["timestamp"])


def create_issue(jira: JiraEmulator, project: str = "SEC", **fields: Any) -> str:
    body = {
        "fields": {
            "project": {"key": project},
            "issuetype": {"name": "Task"},
            "summary": "leak",
            **fields,
        }
    }
    response = emulator_session(*SVC).post(
        f"{jira.base_url}/rest/api/3/issue", json=body, timeout=5
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def test_given_webhook_when_issue_created_then_v2_payload_with_plain_text_description(
    jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    register(jira, receiver)
    key = create_issue(jira, description=doc("found by scanner"), labels=["sec"])
    (payload,) = payloads(receiver, 1)
    assert payload["webhookEvent"] == "jira:issue_created"
    assert payload["user"]["emailAddress"] == "svc@example.com"
    issue = payload["issue"]
    assert issue["key"] == key
    assert issue["self"] == f"{jira.base_url}/rest/api/2/issue/{issue['id']}"
    assert issue["fields"]["description"] == "found by scanner"
    assert issue["fields"]["status"]["name"] == "To Do"
    assert issue["fields"]["labels"] == ["sec"]
    assert receiver.requests[0].path == f"/hook/{key}"


def test_given_webhook_when_sec_issue_resolved_then_resolution_and_status_items(
    jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    key = create_issue(jira)
    register(jira, receiver)
    url = f"{jira.base_url}/rest/api/3/issue/{key}/transitions"
    assert (
        emulator_session(*ALICE).post(url, json={"transition": {"id": "31"}}, timeout=5).status_code
        == 204
    )
    (payload,) = payloads(receiver, 1)
    assert payload["webhookEvent"] == "jira:issue_updated"
    assert payload["issue_event_type_name"] == "issue_resolved"
    assert payload["user"]["displayName"] == "Alice Example"
    items = payload["changelog"]["items"]
    assert [(i["field"], i["from"], i["fromString"], i["to"], i["toString"]) for i in items] == [
        ("resolution", None, None, "10000", "Done"),
        ("status", "10000", "To Do", "10001", "Done"),
    ]
    assert payload["issue"]["fields"]["resolution"]["name"] == "Done"


def test_given_webhook_when_edited_then_changelog_items_like_jira(
    jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    key = create_issue(jira, labels=["a"], duedate="2030-01-01", description=doc("old"))
    register(jira, receiver)
    alice_id = (
        emulator_session(*ALICE)
        .get(f"{jira.base_url}/rest/api/3/myself", timeout=5)
        .json()["accountId"]
    )
    edit = {
        "fields": {
            "duedate": "2030-03-01",
            "assignee": {"accountId": alice_id},
            "description": doc("new"),
            "priority": {"name": "Low"},
        },
        "update": {"labels": [{"add": "b"}]},
    }
    response = emulator_session(*SVC).put(
        f"{jira.base_url}/rest/api/3/issue/{key}", json=edit, timeout=5
    )
    assert response.status_code == 204
    (payload,) = payloads(receiver, 1)
    assert payload["issue_event_type_name"] == "issue_updated"
    items = {i["field"]: i for i in payload["changelog"]["items"]}
    assert (items["assignee"]["to"], items["assignee"]["toString"]) == (alice_id, "Alice Example")
    assert (items["duedate"]["from"], items["duedate"]["to"]) == ("2030-01-01", "2030-03-01")
    assert (items["labels"]["fromString"], items["labels"]["toString"]) == ("a", "a b")
    assert (items["description"]["fromString"], items["description"]["toString"]) == ("old", "new")
    assert (items["priority"]["fromString"], items["priority"]["toString"]) == ("Medium", "Low")
    assert payload["changelog"]["id"].isdigit()
    assert payload["issue"]["fields"]["assignee"]["accountId"] == alice_id


def test_given_webhook_when_comment_created_then_payload_has_comment_and_issue_but_no_user(
    jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    key = create_issue(jira)
    register(jira, receiver)
    url = f"{jira.base_url}/rest/api/3/issue/{key}/comment"
    emulator_session(*ALICE).post(url, json={"body": doc("PR merged")}, timeout=5)
    # Jira sends a comment twice: as the `comment_created` event and, for webhooks that follow
    # issues only, as `jira:issue_updated` of type `issue_commented`.
    by_event = {p["webhookEvent"]: p for p in payloads(receiver, 2)}
    assert by_event["jira:issue_updated"]["issue_event_type_name"] == "issue_commented"
    assert by_event["jira:issue_updated"]["comment"]["body"] == "PR merged"
    payload = by_event["comment_created"]
    assert "user" not in payload
    assert payload["comment"]["body"] == "PR merged"
    assert payload["comment"]["author"]["displayName"] == "Alice Example"
    assert payload["issue"]["key"] == key


def test_given_webhook_when_issue_deleted_then_deleted_event_with_last_state(
    jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    key = create_issue(jira)
    register(jira, receiver)
    emulator_session(*SVC).delete(f"{jira.base_url}/rest/api/3/issue/{key}", timeout=5)
    (payload,) = payloads(receiver, 1)
    assert payload["webhookEvent"] == "jira:issue_deleted"
    assert payload["issue"]["key"] == key
    assert "user" in payload


def test_given_jql_filter_when_other_project_changes_then_only_matching_delivered(
    jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    register(jira, receiver, jql="project = OPS")
    create_issue(jira, "SEC")
    ops_key = create_issue(jira, "OPS")
    (payload,) = payloads(receiver, 1)
    assert payload["issue"]["key"] == ops_key
    deliveries: list[dict[str, Any]] = []
    deadline = time.monotonic() + 5
    while not deliveries and time.monotonic() < deadline:
        deliveries = requests.get(
            f"{jira.base_url}/_emulator/webhooks/deliveries", timeout=5
        ).json()
    # Filters are evaluated when the change happens, so the SEC issue never got a delivery queued.
    assert [d["url"].rsplit("/", 1)[-1] for d in deliveries] == [ops_key]


def test_given_invalid_jql_filter_when_registering_then_400(
    jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    body = {
        "name": "bad",
        "url": receiver.url,
        "events": EVENTS,
        "filters": {"issue-related-events-section": "project ="},
    }
    response = emulator_session(*ADMIN).post(
        f"{jira.base_url}/rest/webhooks/1.0/webhook", json=body, timeout=5
    )
    assert response.status_code == 400
    assert "filters" in response.json()["errors"]


@pytest.mark.parametrize("user", [SVC, ALICE])
def test_given_non_admin_when_using_webhooks_api_then_403(
    jira: JiraEmulator, user: tuple[str, str]
) -> None:
    session = emulator_session(*user)
    url = f"{jira.base_url}/rest/webhooks/1.0/webhook"
    body = {"name": "x", "url": "http://127.0.0.1:9/x", "events": EVENTS}
    assert session.post(url, json=body, timeout=5).status_code == 403
    assert session.get(url, timeout=5).status_code == 403


def test_given_admin_when_webhook_registered_then_listed_fetched_and_deleted(
    jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    register(jira, receiver)
    session = emulator_session(*ADMIN)
    url = f"{jira.base_url}/rest/webhooks/1.0/webhook"
    (listed,) = session.get(url, timeout=5).json()
    webhook_id = listed["self"].rstrip("/").rsplit("/", 1)[-1]
    assert session.get(f"{url}/{webhook_id}", timeout=5).status_code == 200
    assert session.delete(f"{url}/{webhook_id}", timeout=5).status_code == 204
    assert session.get(f"{url}/{webhook_id}", timeout=5).status_code == 404
    assert session.get(url, timeout=5).json() == []
