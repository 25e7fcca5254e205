"""The emulator's Jira admin webhooks, delivered over real HTTP to a loopback receiver.

Signatures are checked with an independent HMAC implementation, pinned first on the test
vector from docs/design.md, so a bug shared by sender and checker cannot hide.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from devstack.jira_emulator import JiraEmulator
from devstack.jira_emulator.webhooks import WebhookHub
from tests.fixtures.emulator import emulator_session
from tests.support.webhook_receiver import Reply, WebhookReceiver

BASE_URL = "http://127.0.0.1:8080"
ADMIN = {"accountId": "557058:admin", "displayName": "Site Admin"}
SECRET = "correct-horse-battery-staple-42"
PAYLOAD: dict[str, Any] = {
    "timestamp": 1_700_000_000_000,
    "webhookEvent": "jira:issue_created",
    "issue": {
        "id": "10001",
        "key": "SEC-1",
        "self": f"{BASE_URL}/rest/api/2/issue/10001",
        "fields": {"summary": "Café ☕ leak", "description": "plain text"},
    },
}
FAST_RETRIES = (0.1, 0.2)


def independent_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(independent_signature(secret, body), header)


def wait_until[T](probe: Callable[[], T | None], timeout: float = 5.0) -> T:
    """Poll `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.01)


def outcomes(hub: WebhookHub, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The first `count` logged attempts, once they exist."""

    def probe() -> list[dict[str, Any]] | None:
        log = hub.deliveries()
        return log[:count] if len(log) >= count else None

    return wait_until(probe, timeout)


def no_more_requests(receiver: WebhookReceiver, count: int, within: float) -> bool:
    try:
        receiver.wait_for(count + 1, timeout=within)
    except AssertionError:
        return True
    return False


def match_all(_jql: str) -> bool:
    return True


def emit(
    hub: WebhookHub,
    event: str = "jira:issue_created",
    *,
    issue_key: str = "SEC-1",
    issue_id: str = "10001",
    project_key: str = "SEC",
    matches: Callable[[str], bool] = match_all,
    payload: dict[str, Any] | None = None,
) -> None:
    hub.emit(
        event,
        PAYLOAD if payload is None else payload,
        issue_key=issue_key,
        issue_id=issue_id,
        project_key=project_key,
        matches=matches,
    )


def register(hub: WebhookHub, url: str, **fields: Any) -> int:
    body = {"name": "jira-sync", "url": url, "events": ["jira:issue_created"], **fields}
    status, view = hub.register(body, base_url=BASE_URL, user=ADMIN)
    assert status == 201, view
    return int(view["self"].rsplit("/", 1)[1])


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def make_hub() -> Iterator[Callable[..., WebhookHub]]:
    hubs: list[WebhookHub] = []

    def factory(**kwargs: Any) -> WebhookHub:
        kwargs.setdefault("retry_delays", FAST_RETRIES)
        kwargs.setdefault("timeout", 2.0)
        hub = WebhookHub(**kwargs)
        hubs.append(hub)
        return hub

    yield factory
    for hub in hubs:
        hub.close()


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback port that is bound but not listening, so every connection is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    finally:
        sock.close()


# -- signature --------------------------------------------------------------------------


def test_independent_signer_matches_the_design_test_vector() -> None:
    assert (
        independent_signature("It's a Secret to Everybody", b"Hello World!")
        == "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
    )


def test_given_webhook_with_secret_when_issue_created_then_signed_post_with_jira_headers(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/webhooks/jira/cred-1/${{issue.key}}", secret=SECRET)

    emit(hub)

    [request] = receiver.wait_for(1)
    assert request.method == "POST"
    assert request.path == "/webhooks/jira/cred-1/SEC-1"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["User-Agent"] == "Atlassian Webhook HTTP Client"
    assert request.headers["X-Atlassian-Webhook-Identifier"]
    assert request.headers["X-Atlassian-Webhook-Retry"] is None
    assert signature_valid(SECRET, request.body, request.headers["X-Hub-Signature"])
    assert not signature_valid("another-secret", request.body, request.headers["X-Hub-Signature"])
    assert json.loads(request.body) == PAYLOAD
    text = request.body.decode("utf-8")
    assert "Café ☕ leak" in text, "UTF-8, not \\u escapes"
    assert ", " not in text.replace("Café ☕ leak", "")
    assert ": " not in text, "compact separators"

    [attempt] = outcomes(hub, 1)
    assert attempt["outcome"] == "delivered"
    assert attempt["status"] == 200
    assert attempt["attempt"] == 0
    assert attempt["error"] is None
    assert attempt["webhook_id"] == 1
    assert attempt["event"] == "jira:issue_created"
    assert attempt["url"] == f"{receiver.url}/webhooks/jira/cred-1/SEC-1"
    assert attempt["body"] == text
    assert attempt["id"] == request.headers["X-Atlassian-Webhook-Identifier"]
    assert attempt["headers"]["X-Hub-Signature"] == request.headers["X-Hub-Signature"]
    assert attempt["at"].endswith("Z")


def test_given_no_secret_when_delivered_then_no_signature_header(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/hook")

    emit(hub)

    [request] = receiver.wait_for(1)
    assert "X-Hub-Signature" not in request.headers
    assert json.loads(request.body) == PAYLOAD


def test_each_delivery_gets_its_own_identifier(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/a")
    register(hub, f"{receiver.url}/b")

    emit(hub)
    emit(hub)

    requests = receiver.wait_for(4)
    assert len({r.headers["X-Atlassian-Webhook-Identifier"] for r in requests}) == 4


# -- retries ----------------------------------------------------------------------------


def test_given_receiver_503_then_200_when_delivered_then_retried_with_same_identifier(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/hook", secret=SECRET)
    receiver.respond_with(503, 200)

    emit(hub)

    first, second = receiver.wait_for(2)
    identifier = first.headers["X-Atlassian-Webhook-Identifier"]
    assert identifier
    assert second.headers["X-Atlassian-Webhook-Identifier"] == identifier
    assert "X-Atlassian-Webhook-Retry" not in first.headers
    assert second.headers["X-Atlassian-Webhook-Retry"] == "1"
    assert first.body == second.body
    assert signature_valid(SECRET, second.body, second.headers["X-Hub-Signature"])
    log = outcomes(hub, 2)
    assert [(a["attempt"], a["status"], a["outcome"]) for a in log] == [
        (0, 503, "retry_scheduled"),
        (1, 200, "delivered"),
    ]
    assert {a["id"] for a in log} == {identifier}


@pytest.mark.parametrize("status", [408, 409, 425, 429, 500, 502, 504])
def test_given_retryable_status_when_delivered_then_retried(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver, status: int
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/hook")
    receiver.respond_with(status)

    emit(hub)

    _, retry = receiver.wait_for(2)
    assert retry.headers["X-Atlassian-Webhook-Retry"] == "1"
    assert [a["outcome"] for a in outcomes(hub, 2)] == ["retry_scheduled", "delivered"]


@pytest.mark.parametrize("status", [400, 404, 410])
def test_given_client_error_when_delivered_then_failed_without_retry(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver, status: int
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/hook")
    receiver.respond_with(status)

    emit(hub)

    [attempt] = outcomes(hub, 1)
    assert attempt["outcome"] == "failed"
    assert attempt["status"] == status
    assert attempt["error"] == f"HTTP {status}"
    assert no_more_requests(receiver, 1, within=2 * FAST_RETRIES[0] + 0.2)
    assert len(hub.deliveries()) == 1


def test_given_connection_refused_when_delivered_then_retried_until_gave_up(
    make_hub: Callable[..., WebhookHub], refused_url: str
) -> None:
    hub = make_hub()
    register(hub, refused_url)

    emit(hub)

    log = wait_until(lambda: (d := hub.deliveries()) and d[-1]["outcome"] == "gave_up" and d)
    assert [(a["attempt"], a["outcome"]) for a in log] == [
        (0, "retry_scheduled"),
        (1, "retry_scheduled"),
        (2, "gave_up"),
    ]
    assert all(a["status"] is None and a["error"] for a in log)
    assert [a["headers"].get("X-Atlassian-Webhook-Retry") for a in log] == [None, "1", "2"]
    assert len({a["id"] for a in log}) == 1
    time.sleep(2 * sum(FAST_RETRIES))
    assert len(hub.deliveries()) == 3, "no attempt after giving up"


def test_given_slow_receiver_when_timeout_passes_then_attempt_is_retried(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub(timeout=0.3)
    register(hub, f"{receiver.url}/hook")
    receiver.respond_with(Reply(200, hold=3.0), 200)

    emit(hub)

    log = outcomes(hub, 2)
    assert log[0]["outcome"] == "retry_scheduled"
    assert log[0]["status"] is None
    assert log[0]["error"] == "timed out"
    assert (log[1]["attempt"], log[1]["outcome"]) == (1, "delivered")


def test_given_one_receiver_stuck_when_events_emitted_then_other_webhooks_still_delivered(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub(timeout=30.0)
    gate = threading.Event()
    with WebhookReceiver() as stuck:
        stuck.respond_with(Reply(200, until=gate))
        register(hub, f"{stuck.url}/stuck")
        register(hub, f"{receiver.url}/free")

        emit(hub)

        stuck.wait_for(1)
        receiver.wait_for(1)
        assert [a["webhook_id"] for a in outcomes(hub, 1)] == [2]
        gate.set()
        assert sorted(a["webhook_id"] for a in outcomes(hub, 2)) == [1, 2]


def test_given_webhook_deleted_when_retry_due_then_it_is_dropped(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub(retry_delays=(0.5,))
    webhook_id = register(hub, f"{receiver.url}/hook")
    receiver.respond_with(503)

    emit(hub)
    outcomes(hub, 1)
    assert hub.delete(webhook_id)

    assert no_more_requests(receiver, 1, within=1.0)
    assert [a["outcome"] for a in hub.deliveries()] == ["retry_scheduled"]


# -- routing: events, filters, URL variables, body --------------------------------------


def test_url_variables_are_substituted_and_url_encoded(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    register(
        hub,
        f"{receiver.url}/k/${{issue.key}}/i/${{issue.id}}/p/${{project.key}}?c=${{comment.id}}",
    )

    emit(hub, issue_key="SEC-7", issue_id="10 07", project_key="S/C")

    [request] = receiver.wait_for(1)
    assert request.path == "/k/SEC-7/i/10%2007/p/S%2FC?c=${comment.id}"


def test_given_event_not_subscribed_when_emitted_then_nothing_is_sent(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/created", events=["jira:issue_created"])
    register(hub, f"{receiver.url}/comments", events=["comment_created", "jira:issue_updated"])

    emit(hub, "jira:issue_updated")

    [request] = receiver.wait_for(1)
    assert request.path == "/comments"
    assert no_more_requests(receiver, 1, within=0.3)
    assert [a["event"] for a in hub.deliveries()] == ["jira:issue_updated"]


def test_given_filters_when_emitted_then_only_matching_webhooks_receive(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/ops", filters={"issue-related-events-section": "project = OPS"})
    register(hub, f"{receiver.url}/sec", filters={"issue-related-events-section": "project = SEC"})
    register(hub, f"{receiver.url}/all", filters={"issue-related-events-section": "  "})
    register(hub, f"{receiver.url}/none")
    evaluated: list[str] = []

    def matches(jql: str) -> bool:
        evaluated.append(jql)
        return jql == "project = SEC"

    emit(hub, matches=matches)

    assert sorted(r.path for r in receiver.wait_for(3)) == ["/all", "/none", "/sec"]
    assert sorted(evaluated) == ["project = OPS", "project = SEC"]
    assert no_more_requests(receiver, 3, within=0.3)


def test_given_filter_that_cannot_be_evaluated_when_emitted_then_skipped_without_error(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/bad", filters={"issue-related-events-section": "project = ("})
    register(hub, f"{receiver.url}/good")

    def matches(jql: str) -> bool:
        raise ValueError(f"unparsable JQL: {jql}")

    emit(hub, matches=matches)

    [request] = receiver.wait_for(1)
    assert request.path == "/good"
    assert no_more_requests(receiver, 1, within=0.3)


def test_given_disabled_webhook_when_emitted_then_nothing_is_sent(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/off", enabled=False)
    register(hub, f"{receiver.url}/on")

    emit(hub)

    [request] = receiver.wait_for(1)
    assert request.path == "/on"
    assert no_more_requests(receiver, 1, within=0.3)


def test_given_exclude_body_when_delivered_then_post_has_no_body(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    register(hub, f"{receiver.url}/hook", excludeBody=True, secret=SECRET)

    emit(hub)

    [request] = receiver.wait_for(1)
    assert request.method == "POST"
    assert request.body == b""
    assert request.headers["Content-Length"] == "0"
    assert signature_valid(SECRET, b"", request.headers["X-Hub-Signature"])
    [attempt] = outcomes(hub, 1)
    assert (attempt["body"], attempt["outcome"]) == ("", "delivered")


# -- registration -----------------------------------------------------------------------


def test_given_valid_body_when_registered_then_jira_view_with_increasing_ids(
    make_hub: Callable[..., WebhookHub],
) -> None:
    hub = make_hub()
    before = int(time.time() * 1000)
    status, view = hub.register(
        {
            "name": "sync",
            "url": "https://hooks.example.com/jira/${issue.key}",
            "events": ["jira:issue_updated", "comment_created", "jira:issue_updated"],
            "filters": {"issue-related-events-section": "project = SEC"},
            "excludeBody": False,
            "secret": SECRET,
        },
        base_url=BASE_URL,
        user=ADMIN,
    )
    after = int(time.time() * 1000)

    assert status == 201
    assert before <= view.pop("lastUpdated") <= after
    assert view == {
        "name": "sync",
        "url": "https://hooks.example.com/jira/${issue.key}",
        "excludeBody": False,
        "filters": {"issue-related-events-section": "project = SEC"},
        "events": ["jira:issue_updated", "comment_created"],
        "enabled": True,
        "self": f"{BASE_URL}/rest/webhooks/1.0/webhook/1",
        "lastUpdatedUser": "557058:admin",
        "lastUpdatedDisplayName": "Site Admin",
    }
    second = register(hub, "http://127.0.0.1:9/hook")
    assert second == 2
    assert [v["self"] for v in hub.list(base_url=BASE_URL)] == [
        f"{BASE_URL}/rest/webhooks/1.0/webhook/1",
        f"{BASE_URL}/rest/webhooks/1.0/webhook/2",
    ]
    got = hub.get(1, base_url=BASE_URL)
    assert got is not None
    assert got["filters"] == {"issue-related-events-section": "project = SEC"}
    assert hub.get(3, base_url=BASE_URL) is None


def test_given_registered_webhook_when_deleted_then_gone(
    make_hub: Callable[..., WebhookHub],
) -> None:
    hub = make_hub()
    webhook_id = register(hub, "http://127.0.0.1:9/hook")

    assert hub.delete(webhook_id) is True
    assert hub.get(webhook_id, base_url=BASE_URL) is None
    assert hub.list(base_url=BASE_URL) == []
    assert hub.delete(webhook_id) is False


VALID = {"name": "n", "url": "http://127.0.0.1:9/hook", "events": ["jira:issue_created"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"name": 7}, "name"),
        ({"url": None}, "url"),
        ({"url": ""}, "url"),
        ({"url": "/relative/path"}, "url"),
        ({"url": "ftp://127.0.0.1/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http:///no-host"}, "url"),
        ({"url": "http://127.0.0.1:99999/hook"}, "url"),
        ({"url": "http://127.0.0.1/a\r\nX-Injected: 1"}, "url"),
        ({"events": None}, "events"),
        ({"events": []}, "events"),
        ({"events": "jira:issue_created"}, "events"),
        ({"events": ["jira:issue_created", "jira:issue_exploded"]}, "events"),
        ({"events": ["worklog_updated"]}, "events"),
        ({"filters": "project = SEC"}, "filters"),
        ({"filters": {"issue-related-events-section": 5}}, "filters"),
        ({"excludeBody": "yes"}, "excludeBody"),
        ({"enabled": 1}, "enabled"),
        ({"secret": 1234}, "secret"),
    ],
)
def test_given_invalid_field_when_registering_then_400_naming_the_field(
    make_hub: Callable[..., WebhookHub], change: dict[str, Any], field: str
) -> None:
    hub = make_hub()
    body = {k: v for k, v in {**VALID, **change}.items() if v is not None}

    status, error = hub.register(body, base_url=BASE_URL, user=ADMIN)

    assert status == 400
    assert set(error["errors"]) == {field}
    assert error["errors"][field]
    assert isinstance(error["errorMessages"], list)
    assert hub.list(base_url=BASE_URL) == []


@pytest.mark.parametrize("body", [None, [], "webhook", 42])
def test_given_body_not_an_object_when_registering_then_400(
    make_hub: Callable[..., WebhookHub], body: Any
) -> None:
    status, error = make_hub().register(body, base_url=BASE_URL, user=ADMIN)

    assert status == 400
    assert error["errorMessages"]
    assert error["errors"] == {}


def test_given_secret_then_it_never_appears_in_any_view_or_log(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub()
    body = {**VALID, "url": f"{receiver.url}/hook", "secret": SECRET}
    receiver.respond_with(500, 200)

    status, view = hub.register(body, base_url=BASE_URL, user=ADMIN)
    emit(hub)
    outcomes(hub, 2)

    assert status == 201
    exposed = [
        view,
        hub.list(base_url=BASE_URL),
        hub.get(1, base_url=BASE_URL),
        hub.snapshot(),
        hub.deliveries(),
    ]
    assert SECRET not in json.dumps(exposed)
    assert "secret" not in view
    assert hub.snapshot()[0]["has_secret"] is True


def test_snapshot_lists_registrations_for_the_state_dump(
    make_hub: Callable[..., WebhookHub],
) -> None:
    hub = make_hub()
    register(hub, "http://127.0.0.1:9/a", events=["comment_created"])
    register(hub, "http://127.0.0.1:9/b", excludeBody=True, enabled=False)

    snapshot = hub.snapshot()

    assert [(s["id"], s["url"], s["events"]) for s in snapshot] == [
        (1, "http://127.0.0.1:9/a", ["comment_created"]),
        (2, "http://127.0.0.1:9/b", ["jira:issue_created"]),
    ]
    assert [(s["excludeBody"], s["enabled"], s["has_secret"]) for s in snapshot] == [
        (False, True, False),
        (True, False, False),
    ]


# -- lifecycle --------------------------------------------------------------------------


def test_given_state_when_reset_then_registrations_retries_and_log_are_gone(
    make_hub: Callable[..., WebhookHub], receiver: WebhookReceiver
) -> None:
    hub = make_hub(retry_delays=(0.5,))
    register(hub, f"{receiver.url}/old")
    receiver.respond_with(503)
    emit(hub)
    outcomes(hub, 1)

    hub.reset()

    assert hub.list(base_url=BASE_URL) == []
    assert hub.deliveries() == []
    assert no_more_requests(receiver, 1, within=1.0), "the pending retry was dropped"
    assert register(hub, f"{receiver.url}/new") == 1
    emit(hub)
    assert receiver.wait_for(2)[1].path == "/new"
    assert [a["webhook_id"] for a in outcomes(hub, 1)] == [1]


def test_given_delivery_in_flight_when_closed_then_workers_stop(
    receiver: WebhookReceiver,
) -> None:
    existing = set(threading.enumerate())
    hub = WebhookHub(retry_delays=FAST_RETRIES, timeout=30.0)
    gate = threading.Event()
    try:
        register(hub, f"{receiver.url}/hook")
        receiver.respond_with(Reply(200, until=gate))
        emit(hub)
        receiver.wait_for(1)
    finally:
        hub.close()
        gate.set()

    started = [t.name for t in threading.enumerate() if t not in existing]
    assert not [name for name in started if name.startswith("jira-emulator-webhook")]
    emit(hub)
    assert no_more_requests(receiver, 1, within=0.3), "a closed hub delivers nothing"


# -- end to end through the emulator's REST API -----------------------------------------

WEBHOOK_API = "/rest/webhooks/1.0/webhook"


@pytest.fixture
def admin() -> Iterator[requests.Session]:
    session = emulator_session("admin@example.com", "admin-token")
    yield session
    session.close()


def register_via_api(
    jira: JiraEmulator, admin: requests.Session, url: str, **fields: Any
) -> dict[str, Any]:
    body = {"name": "jira-sync", "url": url, "events": ["jira:issue_created"], **fields}
    response = admin.post(f"{jira.base_url}{WEBHOOK_API}", json=body, timeout=5)
    assert response.status_code == 201, response.text
    view: dict[str, Any] = response.json()
    return view


def create_issue(jira: JiraEmulator, admin: requests.Session, project: str = "SEC") -> str:
    fields = {"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": "Leak"}
    response = admin.post(f"{jira.base_url}/rest/api/3/issue", json={"fields": fields}, timeout=5)
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def emulator_deliveries(jira: JiraEmulator, count: int) -> list[dict[str, Any]]:
    def probe() -> list[dict[str, Any]] | None:
        response = requests.get(f"{jira.base_url}/_emulator/webhooks/deliveries", timeout=5)
        log: list[dict[str, Any]] = response.json()
        return log if len(log) >= count else None

    return wait_until(probe)


def test_e2e_given_webhook_registered_when_issue_created_then_signed_delivery_arrives(
    jira: JiraEmulator, admin: requests.Session, receiver: WebhookReceiver
) -> None:
    view = register_via_api(
        jira,
        admin,
        f"{receiver.url}/webhooks/jira/cred-1/${{issue.key}}",
        secret=SECRET,
        filters={"issue-related-events-section": "project = SEC"},
    )
    assert view["self"] == f"{jira.base_url}{WEBHOOK_API}/1"
    assert view["lastUpdatedDisplayName"]

    key = create_issue(jira, admin)

    [request] = receiver.wait_for(1)
    assert request.path == f"/webhooks/jira/cred-1/{key}"
    assert signature_valid(SECRET, request.body, request.headers["X-Hub-Signature"])
    payload = json.loads(request.body)
    assert payload["webhookEvent"] == "jira:issue_created"
    assert payload["issue"]["key"] == key
    assert "/rest/api/2/issue/" in payload["issue"]["self"]
    [attempt] = emulator_deliveries(jira, 1)
    assert attempt["outcome"] == "delivered"
    assert attempt["id"] == request.headers["X-Atlassian-Webhook-Identifier"]


def test_e2e_given_update_webhook_when_issue_transitioned_then_changelog_is_delivered(
    jira: JiraEmulator, admin: requests.Session, receiver: WebhookReceiver
) -> None:
    register_via_api(jira, admin, f"{receiver.url}/hook", events=["jira:issue_updated"])
    key = create_issue(jira, admin)
    transitions = admin.get(f"{jira.base_url}/rest/api/3/issue/{key}/transitions", timeout=5)
    [done] = [t for t in transitions.json()["transitions"] if t["to"]["name"] == "Done"]

    response = admin.post(
        f"{jira.base_url}/rest/api/3/issue/{key}/transitions",
        json={"transition": {"id": done["id"]}},
        timeout=5,
    )

    assert response.status_code == 204, response.text
    [request] = receiver.wait_for(1)
    payload = json.loads(request.body)
    assert payload["webhookEvent"] == "jira:issue_updated"
    assert payload["issue"]["key"] == key
    status_items = [i for i in payload["changelog"]["items"] if i["field"].lower() == "status"]
    assert [(i["fromString"], i["toString"]) for i in status_items] == [("To Do", "Done")]
    assert no_more_requests(receiver, 1, within=0.3), "issue_created was not subscribed"


def test_e2e_given_receiver_unavailable_once_when_issue_created_then_jira_retries(
    jira: JiraEmulator, admin: requests.Session, receiver: WebhookReceiver
) -> None:
    register_via_api(jira, admin, f"{receiver.url}/hook", secret=SECRET)
    receiver.respond_with(503, 200)

    create_issue(jira, admin)

    first, second = receiver.wait_for(2)
    assert (
        first.headers["X-Atlassian-Webhook-Identifier"]
        == second.headers["X-Atlassian-Webhook-Identifier"]
    )
    assert "X-Atlassian-Webhook-Retry" not in first.headers
    assert second.headers["X-Atlassian-Webhook-Retry"] == "1"
    assert [a["outcome"] for a in emulator_deliveries(jira, 2)] == [
        "retry_scheduled",
        "delivered",
    ]


def test_e2e_given_filter_for_other_project_when_issue_created_then_not_delivered(
    jira: JiraEmulator, admin: requests.Session, receiver: WebhookReceiver
) -> None:
    register_via_api(
        jira,
        admin,
        f"{receiver.url}/ops/${{issue.key}}",
        filters={"issue-related-events-section": "project = OPS"},
    )

    create_issue(jira, admin, "SEC")
    ops_key = create_issue(jira, admin, "OPS")

    [request] = receiver.wait_for(1)
    assert request.path == f"/ops/{ops_key}"
    assert no_more_requests(receiver, 1, within=0.3)
    assert len(emulator_deliveries(jira, 1)) == 1


def test_e2e_given_webhook_deleted_when_issue_created_then_only_remaining_webhook_receives(
    jira: JiraEmulator, admin: requests.Session, receiver: WebhookReceiver
) -> None:
    gone = register_via_api(jira, admin, f"{receiver.url}/gone")
    register_via_api(jira, admin, f"{receiver.url}/kept")

    deleted = admin.delete(gone["self"], timeout=5)
    create_issue(jira, admin)

    assert deleted.status_code == 204
    assert admin.get(gone["self"], timeout=5).status_code == 404
    [request] = receiver.wait_for(1)
    assert request.path == "/kept"
    assert no_more_requests(receiver, 1, within=0.3)


def test_e2e_secret_is_never_returned_and_only_admins_manage_webhooks(
    jira: JiraEmulator, admin: requests.Session
) -> None:
    view = register_via_api(jira, admin, "http://127.0.0.1:9/hook", secret=SECRET)
    alice = emulator_session("alice@example.com", "alice-token")

    refused = alice.post(
        f"{jira.base_url}{WEBHOOK_API}",
        json={"name": "x", "url": "http://127.0.0.1:9/x", "events": ["jira:issue_created"]},
        timeout=5,
    )
    listed = admin.get(f"{jira.base_url}{WEBHOOK_API}", timeout=5)
    one = admin.get(view["self"], timeout=5)
    state = requests.get(f"{jira.base_url}/_emulator/state", timeout=5)
    alice.close()

    assert refused.status_code == 403
    assert [w["self"] for w in listed.json()] == [view["self"]]
    for response in (listed, one, state):
        assert response.status_code == 200
        assert SECRET not in response.text
    assert state.json()["webhooks"][0]["has_secret"] is True


def test_e2e_given_invalid_registration_then_400_with_jira_errors(
    jira: JiraEmulator, admin: requests.Session
) -> None:
    response = admin.post(
        f"{jira.base_url}{WEBHOOK_API}",
        json={"name": "x", "url": "http://127.0.0.1:9/x", "events": ["jira:issue_exploded"]},
        timeout=5,
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"events"}
    assert admin.get(f"{jira.base_url}{WEBHOOK_API}", timeout=5).json() == []
