"""Jira Data Center's webhooks, in process (moto and the Data Center emulator) — issue 11 point 2:
the proof in force is the only one accepted (the URL token where Jira cannot sign, before 10;
the signature from 10), Data Center's payload (users by ``name``) is read as Cloud's is, our
own transition's echo is recognised by login name, and a ``$`` left before the key by Jira 10's
URL variables is accepted.

The deliveries are the emulator's own: a webhook is registered in it at the credential's
``webhook_url`` (its host swapped for a local receiver), Jira is made to change, and what the
receiver got — path, headers, raw body — is handed to ``receive`` as the handler would.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from devstack.jira_emulator import JiraEmulator
from jira_sync.jira import webhook_signature, webhook_token
from jira_sync.jira.webhook_signature import sign
from jira_sync.jira.webhook_token import url_token
from jira_sync.models.credentials import CredentialCreate, CredentialPatch
from jira_sync.models.issues import LinkRecord
from jira_sync.store import issues as issues_store
from jira_sync.store.client import dynamodb_client
from jira_sync.store.issues import get_issue_item
from jira_sync.usecases import credentials, state_sync, tickets
from jira_sync.usecases.webhook_sync import receive
from tests.fixtures.emulator import pat_session
from tests.integration.test_credentials_handler import LambdaContext, sample
from tests.integration.test_usecases import API_BASE, ticket_request
from tests.support.webhook_receiver import Received, WebhookReceiver

SECRET = "a-webhook-secret-of-32-characters"
NEW_SECRET = "the-rotated-webhook-secret-32-chr"
UNKNOWN_CREDENTIAL = "0e6c9a4e-5b1d-4f3a-9c2e-1a0000000001"
DC9 = ("datacenter", "9.12")
DC10 = ("datacenter", "10.3")
EVENTS = ["jira:issue_updated", "comment_created"]
dc9 = pytest.mark.parametrize("jira_flavor", [DC9], indirect=True)
dc10 = pytest.mark.parametrize("jira_flavor", [DC10], indirect=True)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def dc_credential(jira: JiraEmulator, **overrides: Any) -> tuple[str, str]:
    """A Data Center credential (deployment found from serverInfo, a PAT): its id and the
    ``webhook_url`` its create answered (the only answer that shows a URL token whole)."""
    body = {
        "name": "Data Center",
        "url": jira.base_url,
        "api_token": "svc-pat-token",
        "webhook_secret": SECRET,
        "project_key": "SEC",
        "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
    } | overrides
    view = credentials.create_credential(CredentialCreate.model_validate(body), base_url=API_BASE)
    assert view.deployment == "datacenter"
    return view.credential_id, view.webhook_url


def register(jira: JiraEmulator, webhook_url: str, receiver: WebhookReceiver) -> None:
    """The admin webhook, as the README tells a Jira admin to make it on this version."""
    url = webhook_url.replace(API_BASE, receiver.url)
    admin = pat_session("admin-pat-token")
    if jira.flavor.major >= 10:
        resource = f"{jira.base_url}/rest/jira-webhook/1.0/webhooks"
        body: dict[str, Any] = {
            "name": "jira-sync",
            "url": url,
            "events": EVENTS,
            "configuration": {"SECRET": SECRET},
        }
    else:
        resource = f"{jira.base_url}/rest/webhooks/1.0/webhook"
        body = {"name": "jira-sync", "url": url, "events": EVENTS}
    response = admin.post(resource, json=body, timeout=5)
    assert response.status_code == 201, response.text


ALICE = "alice-pat-token"  # the emulator's seeded personal access token for Alice


def move(jira: JiraEmulator, key: str, status: str) -> None:
    """Alice moves the ticket in Jira (REST v2, her personal access token)."""
    session = pat_session(ALICE)
    listed = session.get(f"{jira.base_url}/rest/api/2/issue/{key}/transitions", timeout=5)
    listed.raise_for_status()
    [transition] = [t for t in listed.json()["transitions"] if t["to"]["name"] == status]
    moved = session.post(
        f"{jira.base_url}/rest/api/2/issue/{key}/transitions",
        json={"transition": {"id": transition["id"]}},
        timeout=5,
    )
    assert moved.status_code == 204, moved.text


def comment(jira: JiraEmulator, key: str, text: str) -> None:
    response = pat_session(ALICE).post(
        f"{jira.base_url}/rest/api/2/issue/{key}/comment", json={"body": text}, timeout=5
    )
    assert response.status_code == 201, response.text


def route(received: Received) -> tuple[str, str | None, str]:
    """The path parameters API Gateway would pass: credential id, URL token (None on the
    token-less route) and issue key, decoded."""
    parts = [unquote(part) for part in urlsplit(received.path).path.split("/")]
    assert parts[:3] == ["", "webhooks", "jira"], received.path
    if len(parts) == 6:
        return parts[3], parts[4], parts[5]
    assert len(parts) == 5, received.path
    return parts[3], None, parts[4]


def hand_over(received: Received, **changes: Any) -> str:
    """``receive`` for what Jira sent; ``changes`` replace a path parameter or the headers."""
    credential_id, token, key = route(received)
    params: dict[str, Any] = {"credential_id": credential_id, "url_token": token, "key": key}
    params |= {name: value for name, value in changes.items() if name != "headers"}
    headers = changes.get("headers", dict(received.headers.items()))
    return receive(
        "POST",
        params["credential_id"],
        params["key"],
        headers,
        received.body,
        url_token=params["url_token"],
    )


def state_of(issue_id: str) -> str:
    record = get_issue_item(issue_id)
    assert record is not None
    return record.state


def issue_version(issue_id: str) -> int:
    record = get_issue_item(issue_id)
    assert record is not None
    return record.version


def link_of(credential_id: str, base_url: str, key: str) -> LinkRecord:
    _, item = issues_store.read_for_webhook(credential_id, base_url, key)
    assert item is not None
    return LinkRecord.model_validate(issues_store.plain(item))


class Work:
    """DynamoDB calls by operation, HMACs by kind, and table items decoded into JSON."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.signature_hmacs = 0
        self.token_hmacs = 0
        self.decoded = 0

    def clear(self) -> None:
        self.calls.clear()
        self.signature_hmacs = self.token_hmacs = self.decoded = 0


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    seen = Work()

    def on_call(model: Any, **_: Any) -> None:
        seen.calls[model.name] += 1

    digest, token_of, plain = webhook_signature._digest, webhook_token.url_token, issues_store.plain

    def counting_digest(secret: str, body: bytes) -> str:
        seen.signature_hmacs += 1
        return digest(secret, body)

    def counting_token(secret: str, credential_id: str) -> str:
        seen.token_hmacs += 1
        return token_of(secret, credential_id)

    def counting_plain(item: Any) -> dict[str, Any]:
        seen.decoded += 1
        return plain(item)

    events = dynamodb_client().meta.events
    events.register("before-call.dynamodb", on_call)
    monkeypatch.setattr(webhook_signature, "_digest", counting_digest)
    monkeypatch.setattr(webhook_token, "url_token", counting_token)
    monkeypatch.setattr(issues_store, "plain", counting_plain)
    yield seen
    events.unregister("before-call.dynamodb", on_call)


# -- Data Center 9: no signature, the URL token ------------------------------------------------


@dc9
def test_given_jira_9_then_the_url_token_is_in_force_and_only_the_right_token_applies(
    aws: None, jira: JiraEmulator, receiver: WebhookReceiver, work: Work
) -> None:
    credential_id, webhook_url = dc_credential(jira)
    token = url_token(SECRET, credential_id)
    assert webhook_url == f"{API_BASE}/webhooks/jira/{credential_id}/{token}/${{issue.key}}"
    assert credentials.get_credential(credential_id, base_url=API_BASE).webhook_auth == "url_token"
    tickets.create_ticket("hooked", ticket_request(credential_id))
    register(jira, webhook_url, receiver)
    move(jira, "SEC-1", "Done")
    [delivery] = receiver.wait_for(1)
    assert route(delivery) == (credential_id, token, "SEC-1")
    assert delivery.headers.get("X-Hub-Signature") is None
    payload = json.loads(delivery.body)
    assert payload["user"]["name"] == "alice"
    assert "accountId" not in payload["user"]
    version = issue_version("hooked")
    other = url_token("not-the-webhook-secret", credential_id)
    refused: dict[str, dict[str, Any]] = {
        "bad_token": {"url_token": other},
        "bad_token (malformed)": {"url_token": "x" * 5},
        # The token-less route: nothing proves it, and a valid signature is not the proof an
        # admin chose (the site cannot make one; only a holder of the secret can).
        "unsigned": {"url_token": None},
        "proof_not_in_force": {
            "url_token": None,
            "headers": {"X-Hub-Signature": sign(SECRET, delivery.body)},
        },
    }

    for name, changes in refused.items():
        work.clear()
        assert hand_over(delivery, **changes) == name.split(" ")[0], name
        assert "TransactWriteItems" not in work.calls, name
    assert (state_of("hooked"), issue_version("hooked")) == ("open", version)

    assert hand_over(delivery) == "applied"
    assert state_of("hooked") == "resolved"
    assert hand_over(delivery) == "duplicate"


@dc9
def test_given_the_token_route_then_every_unverifiable_delivery_costs_the_same_and_reads_nothing(
    aws: None, jira: JiraEmulator, receiver: WebhookReceiver, work: Work
) -> None:
    credential_id, webhook_url = dc_credential(jira)
    tickets.create_ticket("hooked", ticket_request(credential_id))
    register(jira, webhook_url, receiver)
    move(jira, "SEC-1", "Done")
    [delivery] = receiver.wait_for(1)
    wrong = url_token("not-the-webhook-secret", credential_id)
    cases: dict[str, dict[str, Any]] = {
        "unknown_path": {"credential_id": "not-a-uuid", "url_token": wrong},
        "key_mismatch": {"key": "SEC-2", "url_token": wrong},
        "unknown_credential": {"credential_id": UNKNOWN_CREDENTIAL},
        "bad_token": {"url_token": wrong},
        "bad_token (not a token)": {"url_token": "é" * 40},
        "bad_token (empty)": {"url_token": ""},
    }
    for name, changes in cases.items():
        work.clear()

        assert hand_over(delivery, **changes) == name.split(" ")[0], name
        assert work.calls == Counter({"BatchGetItem": 1}), name
        assert (work.token_hmacs, work.signature_hmacs) == (1, 0), name
        assert work.decoded == 0, name
    work.clear()
    assert receive("POST", credential_id, "SEC-1", {}, b"{nope", url_token=wrong) == "malformed"
    assert work.calls == Counter({"BatchGetItem": 1})
    assert (work.token_hmacs, work.signature_hmacs, work.decoded) == (1, 0, 0)
    assert state_of("hooked") == "open"


@dc9
def test_given_the_webhook_secret_rotated_then_the_token_changes_and_the_old_one_is_refused(
    aws: None, jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    credential_id, webhook_url = dc_credential(jira)
    tickets.create_ticket("hooked", ticket_request(credential_id))
    old = url_token(SECRET, credential_id)

    patch = CredentialPatch.model_validate({"webhook_secret": NEW_SECRET})
    view = credentials.update_credential(credential_id, patch, base_url=API_BASE)

    new = url_token(NEW_SECRET, credential_id)
    assert new != old
    assert view.webhook_url == f"{API_BASE}/webhooks/jira/{credential_id}/{new}/${{issue.key}}"
    register(jira, webhook_url, receiver)  # the site still has the old URL
    move(jira, "SEC-1", "Done")
    [delivery] = receiver.wait_for(1)
    assert route(delivery)[1] == old
    assert hand_over(delivery) == "bad_token"
    assert state_of("hooked") == "open"
    assert hand_over(delivery, url_token=new) == "applied"
    assert state_of("hooked") == "resolved"


@dc9
def test_given_the_table_unreadable_then_a_right_token_is_retried_a_wrong_one_is_not(
    aws: None, jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    from tests.integration.test_webhook_work import fail_next

    credential_id, webhook_url = dc_credential(jira)
    tickets.create_ticket("hooked", ticket_request(credential_id))
    register(jira, webhook_url, receiver)
    move(jira, "SEC-1", "Done")
    [delivery] = receiver.wait_for(1)

    fail_next("BatchGetItem")
    assert hand_over(delivery, url_token=url_token("wrong", credential_id)) == "error"
    fail_next("BatchGetItem")
    assert hand_over(delivery) == "unavailable"
    assert hand_over(delivery) == "applied"


@dc9
def test_given_a_signature_chosen_on_jira_9_then_the_token_is_refused(
    aws: None, jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    credential_id, webhook_url = dc_credential(jira, webhook_auth="signature")
    assert webhook_url == f"{API_BASE}/webhooks/jira/{credential_id}/${{issue.key}}"
    tickets.create_ticket("hooked", ticket_request(credential_id))
    register(jira, webhook_url, receiver)
    move(jira, "SEC-1", "Done")
    [delivery] = receiver.wait_for(1)

    assert hand_over(delivery) == "unsigned"  # Jira 9 does not sign
    assert hand_over(delivery, url_token=url_token(SECRET, credential_id)) == "proof_not_in_force"
    assert state_of("hooked") == "open"


# -- Data Center 10: signed, `{issue.key}` URL variables ---------------------------------------


@dc10
def test_given_jira_10_then_signed_deliveries_apply_as_on_cloud_with_the_dollar_left_in_the_key(
    aws: None, jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    credential_id, webhook_url = dc_credential(jira)
    assert webhook_url == f"{API_BASE}/webhooks/jira/{credential_id}/${{issue.key}}"
    assert credentials.get_credential(credential_id, base_url=API_BASE).webhook_auth == "signature"
    tickets.create_ticket("hooked", ticket_request(credential_id))
    register(jira, webhook_url, receiver)
    move(jira, "SEC-1", "Done")
    comment(jira, "SEC-1", "PR *merged*")
    # The comment comes twice: comment_created, and a jira:issue_updated without a changelog.
    received = {
        (event["webhookEvent"], "changelog" in event): request
        for request in receiver.wait_for(3)
        if (event := json.loads(request.body))
    }
    moved = received["jira:issue_updated", True]
    commented = received["comment_created", False]

    # Jira 10 substitutes `{issue.key}`: the `$` of our `${issue.key}` stays in the path.
    assert route(moved) == (credential_id, None, "$SEC-1")
    assert moved.headers["X-Hub-Signature"] == sign(SECRET, moved.body)
    assert json.loads(moved.body)["user"]["name"] == "alice"
    assert hand_over(moved, url_token=url_token(SECRET, credential_id)) == "proof_not_in_force"
    assert hand_over(moved, key="$$SEC-1") == "unknown_path"
    assert state_of("hooked") == "open"
    assert hand_over(moved) == "applied"
    assert state_of("hooked") == "resolved"
    assert hand_over(moved, key="SEC-1") == "duplicate"
    assert hand_over(received["jira:issue_updated", False]) == "nothing_to_do"
    assert hand_over(commented) == "applied"
    timeline = [entry.text for entry in tickets.get_issue("hooked").timeline]
    assert timeline[-2:] == [
        'Jira update (SEC-1): resolution set to "Done"; status changed from "To Do" to "Done"',
        'Jira comment (SEC-1) by "Alice Example": PR *merged*',
    ]


@dc10
def test_given_jira_10_then_our_own_transition_coming_back_is_recognised_by_login_name(
    aws: None, jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    credential_id, webhook_url = dc_credential(jira)
    created = tickets.create_ticket("hooked", ticket_request(credential_id))
    register(jira, webhook_url, receiver)
    base_url = created.jira.base_url

    result = state_sync.change_state("hooked", "in progress")

    assert result.jira.transition == "applied"
    assert link_of(credential_id, base_url, "SEC-1").echo_status == "In Progress"
    [echo] = receiver.wait_for(1)
    assert json.loads(echo.body)["user"]["name"] == "svc"
    before = get_issue_item("hooked")
    assert before is not None
    assert hand_over(echo) == "applied"
    assert link_of(credential_id, base_url, "SEC-1").echo_status is None
    after = get_issue_item("hooked")
    assert after is not None
    assert (after.state, after.state_version) == ("in progress", before.state_version)


# -- the handler: the token route's path parameters reach `receive` ---------------------------


def webhook_event(received: Received) -> dict[str, Any]:
    """The API Gateway v2 event of the route the delivery's path matches."""
    credential_id, token, key = route(received)
    params = {"credential_id": credential_id, "issue_key": key}
    path = "/webhooks/jira/{credential_id}/{issue_key}"
    if token is not None:
        params["url_token"] = token
        path = "/webhooks/jira/{credential_id}/{url_token}/{issue_key}"
    event = sample("webhook-jira-issue-updated")
    event["routeKey"] = event["requestContext"]["routeKey"] = f"ANY {path}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = received.path
    event["pathParameters"] = params
    event["headers"] = {name.lower(): value for name, value in received.headers.items()}
    event["body"] = received.body.decode()
    return event


@dc9
def test_given_the_handler_then_the_token_route_applies_and_the_token_less_one_answers_the_same(
    aws: None, jira: JiraEmulator, receiver: WebhookReceiver
) -> None:
    webhooks = importlib.import_module("functions.webhooks.app")
    credential_id, webhook_url = dc_credential(jira)
    tickets.create_ticket("hooked", ticket_request(credential_id))
    register(jira, webhook_url, receiver)
    move(jira, "SEC-1", "Done")
    [delivery] = receiver.wait_for(1)
    tokenless = webhook_event(delivery)
    tokenless["routeKey"] = tokenless["requestContext"]["routeKey"] = (
        "ANY /webhooks/jira/{credential_id}/{issue_key}"
    )
    tokenless["pathParameters"].pop("url_token")
    tokenless["rawPath"] = tokenless["requestContext"]["http"]["path"] = (
        f"/webhooks/jira/{credential_id}/SEC-1"
    )

    answers = [
        webhooks.lambda_handler(event, LambdaContext())
        for event in (tokenless, webhook_event(delivery))
    ]

    assert [(a["statusCode"], json.loads(a["body"])) for a in answers] == [
        (200, {"status": "received"}),
        (200, {"status": "received"}),
    ]
    assert state_of("hooked") == "resolved"
