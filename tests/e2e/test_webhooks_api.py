"""Inbound sync through the local stack over real HTTP: the Jira emulator's signed webhook
deliveries (and hand-made ones) reach the webhooks function through the API adapter."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from devstack.stack import Devstack
from tests.fixtures.emulator import emulator_session
from tests.support.bus import bus_queue

ADMIN = ("admin@example.com", "admin-token")
SVC = ("svc@example.com", "svc-token")
ALICE = ("alice@example.com", "alice-token")
SECRET = "webhook-secret-0123456789"
STATE_MAP = {"open": "To Do", "in progress": "In Progress", "resolved": "Done"}
EVENTS = [
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
]
RECEIVED = {"status": "received"}


@pytest.fixture
def stack(clean_devstack: Devstack) -> Devstack:
    return clean_devstack


def api(stack: Devstack, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{stack.api_url}{path}", json=body, timeout=60)


def setup(
    stack: Devstack, issue_id: str = "w1", state_map: dict[str, str] | None = None, **extra: Any
) -> tuple[dict[str, Any], str]:
    """A credential with a known webhook secret, a ticket, and the webhook registered in Jira."""
    response = api(
        stack,
        "POST",
        "/credentials",
        {
            "name": "hooks",
            "url": stack.jira_url,
            "email": "svc@example.com",
            "api_token": "svc-token",
            "project_key": "SEC",
            "webhook_secret": SECRET,
            "state_map": state_map or STATE_MAP,
        }
        | extra,
    )
    assert response.status_code == 201, response.text
    credential = response.json()
    ticket = api(
        stack,
        "POST",
        f"/issues/{issue_id}/ticket",
        {
            "credential_id": credential["credential_id"],
            "issue": {"name": "finding", "description": "details", "due_date": "2030-01-01"},
        },
    )
    assert ticket.status_code == 201, ticket.text
    registered = emulator_session(*ADMIN).post(
        f"{stack.jira_url}/rest/webhooks/1.0/webhook",
        json={
            "name": "jira-sync",
            "url": credential["webhook_url"],
            "events": EVENTS,
            "filters": {"issue-related-events-section": "project = SEC"},
            "secret": SECRET,
        },
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    return credential, ticket.json()["jira"]["key"]


def transition(stack: Devstack, key: str, status: str, who: tuple[str, str] = ALICE) -> None:
    session = emulator_session(*who)
    url = f"{stack.jira_url}/rest/api/3/issue/{key}/transitions"
    available = session.get(url, timeout=10).json()["transitions"]
    chosen = next(t for t in available if t["to"]["name"] == status)
    response = session.post(url, json={"transition": {"id": chosen["id"]}}, timeout=10)
    assert response.status_code == 204, response.text


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def issue(stack: Devstack, issue_id: str = "w1") -> dict[str, Any]:
    body: dict[str, Any] = api(stack, "GET", f"/issues/{issue_id}").json()
    return body


def lines(stack: Devstack, issue_id: str = "w1") -> list[str]:
    return [line["text"] for line in issue(stack, issue_id)["timeline"]]


def deliveries(stack: Devstack, event: str | None = None) -> list[dict[str, Any]]:
    found = requests.get(f"{stack.jira_url}/_emulator/webhooks/deliveries", timeout=10).json()
    items = found if isinstance(found, list) else found["deliveries"]
    return [d for d in items if event is None or d["event"] == event]


def settled(stack: Devstack, count: int) -> None:
    """Waits until ``count`` deliveries were answered (they all get our 200)."""
    wait_for(
        lambda: len([d for d in deliveries(stack) if d["outcome"] == "delivered"]) >= count,
        f"{count} deliveries",
    )


def table(stack: Devstack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = stack.client("dynamodb").scan(TableName=stack.table_name)["Items"]
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_hook(
    url: str, body: bytes, headers: dict[str, str] | None = None, method: str = "POST"
) -> requests.Response:
    return requests.request(
        method,
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        timeout=30,
    )


def updated_payload(stack: Devstack, key: str, to_status: str, timestamp: int) -> dict[str, Any]:
    """A jira:issue_updated payload as Jira writes it (v2 shape), by Alice."""
    base = stack.jira_url
    return {
        "timestamp": timestamp,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "alice-account", "displayName": "Alice Example"},
        "issue": {
            "id": "10000",
            "key": key,
            "self": f"{base}/rest/api/2/issue/10000",
            "fields": {"status": {"name": to_status}},
        },
        "changelog": {
            "id": str(timestamp),
            "items": [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "fieldId": "status",
                    "from": "1",
                    "fromString": "To Do",
                    "to": "2",
                    "toString": to_status,
                }
            ],
        },
    }


def test_given_ticket_moved_in_jira_then_signed_delivery_updates_state_and_timeline(
    stack: Devstack,
) -> None:
    _, key = setup(stack)
    sqs, queue_url = bus_queue(stack, "Issue State Changed")

    transition(stack, key, "Done")

    wait_for(lambda: issue(stack)["state"] == "resolved", "the state from Jira")
    message = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=15)["Messages"][0]
    detail = json.loads(message["Body"])["detail"]
    assert (detail["origin"], detail["from"], detail["to"]) == ("jira", "open", "resolved")
    assert lines(stack)[-1] == (
        f'Jira update ({key}): resolution set to "Done"; status changed from "To Do" to "Done"'  # noqa: S608
    )
    delivery = deliveries(stack, "jira:issue_updated")[0]
    assert delivery["headers"]["X-Hub-Signature"].startswith("sha256=")


def test_given_our_own_transition_when_its_echo_arrives_then_state_is_not_flipped(
    stack: Devstack,
) -> None:
    # Read back alone, "Done" means resolved (the rule); our echo must not turn closed into it.
    setup(
        stack,
        state_map={"resolved": "Done", "closed": "Done", "open": "To Do"},
        status_rules=[{"status": "Done", "state": "resolved"}],
    )
    sqs, queue_url = bus_queue(stack, "Issue State Changed")

    result = api(stack, "PUT", "/issues/w1/state", {"state": "closed"}).json()

    assert result["jira"]["transition"] == "applied"
    settled(stack, 1)
    wait_for(lambda: any("Jira update" in line for line in lines(stack)), "the echo's line")
    assert issue(stack)["state"] == "closed"
    received = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=2, MaxNumberOfMessages=10)
    origins = [json.loads(m["Body"])["detail"]["origin"] for m in received.get("Messages", [])]
    assert origins == ["api"]


def test_given_someone_else_moves_it_then_the_status_rule_applies(stack: Devstack) -> None:
    _, key = setup(
        stack,
        state_map={"resolved": "Done", "closed": "Done", "open": "To Do"},
        status_rules=[{"status": "Done", "state": "resolved"}],
    )
    api(stack, "PUT", "/issues/w1/state", {"state": "open"})

    transition(stack, key, "Done")

    wait_for(lambda: issue(stack)["state"] == "resolved", "the rule's state")


def test_given_a_delivery_retried_then_nothing_is_written_twice(stack: Devstack) -> None:
    credential, key = setup(stack)
    transition(stack, key, "In Progress")
    wait_for(lambda: issue(stack)["state"] == "in progress", "the first delivery")
    # Every delivery answered (the ticket's jira:issue_created too), so only the retry can write.
    wait_for(lambda: all(d["outcome"] == "delivered" for d in deliveries(stack)), "all deliveries")
    delivery = deliveries(stack, "jira:issue_updated")[0]
    before = table(stack)

    again = post_hook(
        delivery["url"],
        delivery["body"].encode(),
        {
            "X-Hub-Signature": delivery["headers"]["X-Hub-Signature"],
            "X-Atlassian-Webhook-Identifier": delivery["headers"]["X-Atlassian-Webhook-Identifier"],
            "X-Atlassian-Webhook-Retry": "1",
        },
    )

    assert again.status_code == 200
    assert again.json() == RECEIVED
    assert table(stack) == before
    assert credential["credential_id"] in delivery["url"]


def test_given_deliveries_out_of_order_then_the_newest_state_stays(stack: Devstack) -> None:
    credential, key = setup(stack)
    url = credential["webhook_url"].replace("${issue.key}", key)
    now = int(time.time() * 1000)
    newer = json.dumps(updated_payload(stack, key, "Done", now + 1000)).encode()
    older = json.dumps(updated_payload(stack, key, "In Progress", now)).encode()

    assert post_hook(url, newer, {"X-Hub-Signature": sign(newer)}).status_code == 200
    assert post_hook(url, older, {"X-Hub-Signature": sign(older)}).status_code == 200

    assert issue(stack)["state"] == "resolved"
    texts = lines(stack)
    assert any('to "Done"' in line for line in texts)
    assert any('to "In Progress"' in line for line in texts)


def test_given_comment_in_jira_then_timeline_line_with_author(stack: Devstack) -> None:
    _, key = setup(stack)
    doc = {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "PR merged"}]}],
    }

    emulator_session(*ALICE).post(
        f"{stack.jira_url}/rest/api/3/issue/{key}/comment", json={"body": doc}, timeout=10
    )

    expected = f'Jira comment ({key}) by "Alice Example": PR merged'
    wait_for(lambda: expected in lines(stack), "the comment line")
    assert lines(stack).count(expected) == 1


def test_given_due_date_changed_in_jira_then_issue_due_date_follows(stack: Devstack) -> None:
    _, key = setup(stack)

    emulator_session(*ALICE).put(
        f"{stack.jira_url}/rest/api/3/issue/{key}",
        json={"fields": {"duedate": "2031-05-06"}},
        timeout=10,
    )

    wait_for(lambda: issue(stack)["due_date"] == "2031-05-06", "the due date")
    assert lines(stack)[-1] == (
        f'Jira update ({key}): duedate changed from "2030-01-01 00:00:00.0" '
        'to "2031-05-06 00:00:00.0"'
    )


def test_given_ticket_deleted_in_jira_then_unlinked(stack: Devstack) -> None:
    credential, key = setup(stack)

    emulator_session(*SVC).delete(f"{stack.jira_url}/rest/api/3/issue/{key}", timeout=10)

    wait_for(lambda: issue(stack)["jira"] is None, "the unlink")
    assert lines(stack)[-1] == f"Jira ticket {key} was deleted in Jira"
    assert api(stack, "DELETE", f"/credentials/{credential['credential_id']}").status_code == 204


def quiet_cases(stack: Devstack, credential: dict[str, Any], key: str) -> dict[str, Any]:
    url = credential["webhook_url"].replace("${issue.key}", key)
    good = json.dumps(updated_payload(stack, key, "Done", int(time.time() * 1000))).encode()
    other = credential["webhook_url"].replace(
        credential["credential_id"], "0" * 8 + "-0000-4000-8000-" + "0" * 12
    )
    big = json.dumps(updated_payload(stack, key, "Done", 1) | {"pad": "x" * (1024 * 1024)}).encode()
    return {
        "unsigned": (url, good, {}, "POST"),
        "wrong secret": (url, good, {"X-Hub-Signature": sign(good, "other-secret")}, "POST"),
        "sha1 header": (url, good, {"X-Hub-Signature": "sha1=" + "0" * 40}, "POST"),
        "malformed header": (url, good, {"X-Hub-Signature": "sha256=zz"}, "POST"),
        "body changed": (url, good + b" ", {"X-Hub-Signature": sign(good)}, "POST"),
        "GET method": (url, good, {"X-Hub-Signature": sign(good)}, "GET"),
        "PUT method": (url, good, {"X-Hub-Signature": sign(good)}, "PUT"),
        "oversized": (url, big, {"X-Hub-Signature": sign(big)}, "POST"),
        "unknown credential": (
            other.replace("${issue.key}", key),
            good,
            {"X-Hub-Signature": sign(good)},
            "POST",
        ),
        "path key differs": (
            url.replace(key, "SEC-999"),
            good,
            {"X-Hub-Signature": sign(good)},
            "POST",
        ),
        "not json": (url, b"{nope", {"X-Hub-Signature": sign(b"{nope")}, "POST"),
    }


def test_given_anything_unverified_then_same_quiet_200_and_table_unchanged(
    stack: Devstack,
) -> None:
    credential, key = setup(stack)
    before = table(stack)

    for name, (url, body, headers, method) in quiet_cases(stack, credential, key).items():
        response = post_hook(url, body, headers, method)
        assert (response.status_code, response.json()) == (200, RECEIVED), name
        assert table(stack) == before, name


def test_given_ticket_of_another_credential_then_nothing_written(stack: Devstack) -> None:
    first, key = setup(stack)
    second = api(
        stack,
        "POST",
        "/credentials",
        {
            "name": "other",
            "url": stack.jira_url,
            "email": "svc@example.com",
            "api_token": "svc-token",
            "project_key": "SEC",
            "webhook_secret": SECRET,
            "state_map": STATE_MAP,
        },
    ).json()
    before = table(stack)
    body = json.dumps(updated_payload(stack, key, "Done", int(time.time() * 1000))).encode()
    url = second["webhook_url"].replace("${issue.key}", key)

    response = post_hook(url, body, {"X-Hub-Signature": sign(body)})

    assert (response.status_code, response.json()) == (200, RECEIVED)
    assert table(stack) == before
    assert first["credential_id"] != second["credential_id"]


class _FlakyFront:
    """A front for the webhook route that passes every delivery on but tells Jira the first
    one failed (503), so the emulator really retries a delivery that was already applied."""

    def __init__(self, target: str) -> None:
        self.seen: list[dict[str, str]] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                requests.post(f"{target}{self.path}", data=body, headers=headers, timeout=30)
                front.seen.append(headers)
                self.send_response(503 if len(front.seen) == 1 else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def test_given_jira_retrying_a_delivery_then_the_retry_writes_nothing(stack: Devstack) -> None:
    credential, key = setup(stack)
    admin = emulator_session(*ADMIN)
    for hook in admin.get(f"{stack.jira_url}/rest/webhooks/1.0/webhook", timeout=10).json():
        admin.delete(hook["self"], timeout=10)
    front = _FlakyFront(stack.api_url)
    hook = credential["webhook_url"].replace(stack.api_url, front.url)
    registered = admin.post(
        f"{stack.jira_url}/rest/webhooks/1.0/webhook",
        json={"name": "flaky", "url": hook, "events": ["comment_created"], "secret": SECRET},
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    doc = {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "twice?"}]}],
    }

    emulator_session(*ALICE).post(
        f"{stack.jira_url}/rest/api/3/issue/{key}/comment", json={"body": doc}, timeout=10
    )

    wait_for(lambda: len(front.seen) >= 2, "the emulator's retry")
    front.server.shutdown()
    first, retry = front.seen[0], front.seen[1]
    assert first["X-Atlassian-Webhook-Identifier"] == retry["X-Atlassian-Webhook-Identifier"]
    assert retry["X-Atlassian-Webhook-Retry"] == "1"
    assert lines(stack).count(f'Jira comment ({key}) by "Alice Example": twice?') == 1
