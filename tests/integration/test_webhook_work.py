"""What a delivery costs and writes, in process (moto and the Jira emulator) — issue 9 points
2, 4 and 5: the same work for every unverifiable delivery, once per credential by identifier
and by body, never a stale one, and a 503 outcome for a verified one that was not recorded."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.jira_emulator import JiraEmulator
from jira_sync.jira import webhook_signature
from jira_sync.jira.webhook_signature import sign
from jira_sync.jira.webhook_token import url_token
from jira_sync.store.client import dynamodb_client
from jira_sync.store.issues import get_issue_item
from jira_sync.usecases import tickets
from jira_sync.usecases.webhook_sync import RETRY_OUTCOMES, receive
from tests.integration.test_usecases import new_credential, ticket_request

SECRET = "a-webhook-secret-of-32-characters"
OTHER_SECRET = "another-webhook-secret-32-chars!"
UNKNOWN_CREDENTIAL = "0e6c9a4e-5b1d-4f3a-9c2e-1a0000000001"


@pytest.fixture
def linked(aws: None, jira: JiraEmulator) -> tuple[str, str]:
    """A credential with a webhook secret, and SEC-1 linked to issue "hooked" through it."""
    credential_id = new_credential(jira, webhook_secret=SECRET)
    tickets.create_ticket("hooked", ticket_request(credential_id))
    return credential_id, "SEC-1"


def delivery(
    jira: JiraEmulator, key: str, status: str = "Done", *, timestamp: float | None = None
) -> bytes:
    at = int((time.time() if timestamp is None else timestamp) * 1000)
    return json.dumps(
        {
            "timestamp": at,
            "webhookEvent": "jira:issue_updated",
            "user": {"accountId": "712020:alice"},
            "issue": {
                "key": key,
                "self": f"{jira.base_url}/rest/api/2/issue/10000",
                "fields": {"status": {"name": status}},
            },
            "changelog": {
                "items": [
                    {
                        "field": "status",
                        "fieldId": "status",
                        "fromString": "To Do",
                        "toString": status,
                    }
                ]
            },
        }
    ).encode()


def signed(body: bytes, secret: str = SECRET, identifier: str | None = None) -> dict[str, str]:
    headers = {"X-Hub-Signature": sign(secret, body)}
    if identifier is not None:
        headers["X-Atlassian-Webhook-Identifier"] = identifier
    return headers


def state_of(issue_id: str) -> str:
    record = get_issue_item(issue_id)
    assert record is not None
    return record.state


class Work:
    """DynamoDB calls by operation (botocore's public event hooks) and HMACs computed."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.hmacs = 0


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    seen = Work()

    def on_call(model: Any, **_: Any) -> None:
        seen.calls[model.name] += 1

    digest = webhook_signature._digest

    def counting_digest(secret: str, body: bytes) -> str:
        seen.hmacs += 1
        return digest(secret, body)

    events = dynamodb_client().meta.events
    events.register("before-call.dynamodb", on_call)
    monkeypatch.setattr(webhook_signature, "_digest", counting_digest)
    yield seen
    events.unregister("before-call.dynamodb", on_call)


def fail_next(operation: str) -> None:
    """Makes the next ``operation`` fail as DynamoDB does when it cannot serve a request."""

    def fail(**_: Any) -> None:
        dynamodb_client().meta.events.unregister(f"before-call.dynamodb.{operation}", fail)
        raise ClientError(
            {"Error": {"Code": "InternalServerError", "Message": "injected"}}, operation
        )

    dynamodb_client().meta.events.register(f"before-call.dynamodb.{operation}", fail)


# -- 5: the same work whatever the outcome ----------------------------------------------------


def test_every_unverifiable_delivery_costs_one_read_and_one_hmac_and_writes_nothing(
    jira: JiraEmulator, linked: tuple[str, str], work: Work
) -> None:
    credential_id, key = linked
    body = delivery(jira, key)
    unlinked = delivery(jira, "SEC-999")
    forged = {"X-Hub-Signature": sign("not-the-secret-at-all", body)}
    cases = {
        "unknown_path": ("POST", "not-a-uuid", key, forged, body),
        "unsigned": ("POST", credential_id, key, {}, body),
        "malformed": ("POST", credential_id, key, forged, b"{nope"),
        "key_mismatch": ("POST", credential_id, "SEC-2", forged, body),
        "unknown_credential": ("POST", UNKNOWN_CREDENTIAL, key, forged, body),
        "bad_signature": ("POST", credential_id, key, forged, body),
        "bad_signature (unlinked key)": (
            "POST",
            credential_id,
            "SEC-999",
            {"X-Hub-Signature": sign("not-the-secret-at-all", unlinked)},
            unlinked,
        ),
        "bad_signature (malformed header)": (
            "POST",
            credential_id,
            key,
            {"X-Hub-Signature": "md5=abc"},
            body,
        ),
    }
    for name, args in cases.items():
        work.calls.clear()
        work.hmacs = 0

        outcome = receive(*args)

        assert outcome == name.split(" ")[0], name
        assert work.calls == Counter({"BatchGetItem": 1}), name
        assert work.hmacs == 1, name
    assert state_of("hooked") == "open"


def test_given_a_cloud_credential_then_only_its_signature_is_a_proof_and_no_dollar_key(
    jira: JiraEmulator, linked: tuple[str, str], work: Work
) -> None:
    """Cloud signs, so the signature is in force: the credential's URL token (derived from its
    secret, never shown for it) is refused, and so is a ``$`` before the key, which only Jira
    Data Center 10's URL variables leave — both only once the proof held (never for others)."""
    credential_id, key = linked
    body = delivery(jira, key)
    token = url_token(SECRET, credential_id)
    work.calls.clear()

    assert receive("POST", credential_id, key, {}, body, url_token=token) == "proof_not_in_force"
    assert receive("POST", credential_id, f"${key}", signed(body), body) == "unknown_path"
    assert receive("POST", credential_id, f"${key}", {}, body) == "unsigned"
    assert "TransactWriteItems" not in work.calls
    assert state_of("hooked") == "open"
    assert receive("POST", credential_id, key, signed(body), body) == "applied"


@pytest.mark.parametrize(
    ("raw", "outcome"),
    [
        (b"{nope", "malformed"),
        (b'{"issue": null}', "malformed"),
        (json.dumps({"timestamp": "soon", "issue": {"key": "SEC-1"}}).encode(), "malformed"),
        (json.dumps({"issue": {"key": "SEC-1"}}).encode(), "malformed"),
        (
            json.dumps({"issue": {"key": "SEC-1", "self": "https://a.atlassian.net/x"}}).encode(),
            "malformed",
        ),
        (
            json.dumps({"issue": {"self": "https://a.atlassian.net/rest/x"}}).encode(),
            "key_mismatch",
        ),
        (json.dumps({"issue": {"key": "SEC-7"}}).encode(), "key_mismatch"),
    ],
    ids=["not json", "no issue", "mistyped", "no self", "self not rest", "no key", "another key"],
)
def test_given_a_signed_body_that_cannot_be_used_then_it_is_named_and_nothing_written(
    linked: tuple[str, str], work: Work, raw: bytes, outcome: str
) -> None:
    credential_id, key = linked
    work.calls.clear()

    assert receive("POST", credential_id, key, signed(raw), raw) == outcome
    assert "TransactWriteItems" not in work.calls


# -- 4: replay ---------------------------------------------------------------------------------


def test_given_a_delivery_resent_with_a_new_or_no_identifier_then_it_applies_once(
    jira: JiraEmulator, linked: tuple[str, str]
) -> None:
    credential_id, key = linked
    body = delivery(jira, key, "Done")

    assert receive("POST", credential_id, key, signed(body, identifier="id-1"), body) == "applied"
    assert state_of("hooked") == "resolved"
    tickets_state = get_issue_item("hooked")
    assert tickets_state is not None
    version = tickets_state.version
    for headers in (signed(body, identifier="id-2"), signed(body), signed(body, identifier="id-1")):
        assert receive("POST", credential_id, key, headers, body) == "duplicate"
    after = get_issue_item("hooked")
    assert after is not None
    assert after.version == version


def test_given_the_same_identifier_under_two_credentials_then_each_applies_its_own(
    jira: JiraEmulator, linked: tuple[str, str]
) -> None:
    first, key = linked
    second = new_credential(jira, name="Second", webhook_secret=OTHER_SECRET)
    tickets.create_ticket("second", ticket_request(second))
    body_a = delivery(jira, key, "Done")
    body_b = delivery(jira, "SEC-2", "In Progress")

    assert receive("POST", first, key, signed(body_a, identifier="shared"), body_a) == "applied"
    assert (
        receive("POST", second, "SEC-2", signed(body_b, OTHER_SECRET, "shared"), body_b)
        == "applied"
    )
    assert state_of("second") == "in progress"


def test_given_a_delivery_older_than_the_retry_horizon_then_it_is_stale_and_writes_nothing(
    jira: JiraEmulator, linked: tuple[str, str], work: Work
) -> None:
    credential_id, key = linked
    old = delivery(jira, key, timestamp=time.time() - 3601)
    undated = json.dumps({k: v for k, v in json.loads(old).items() if k != "timestamp"}).encode()

    assert receive("POST", credential_id, key, signed(old), old) == "stale"
    assert receive("POST", credential_id, key, signed(undated), undated) == "stale"
    assert "TransactWriteItems" not in work.calls
    assert state_of("hooked") == "open"


# -- 2: a verified delivery is recorded or retried --------------------------------------------


def test_given_the_write_failing_after_verification_then_the_outcome_asks_for_a_retry(
    jira: JiraEmulator, linked: tuple[str, str]
) -> None:
    credential_id, key = linked
    body = delivery(jira, key)
    fail_next("TransactWriteItems")

    outcome = receive("POST", credential_id, key, signed(body, identifier="d-1"), body)

    assert outcome in RETRY_OUTCOMES
    assert state_of("hooked") == "open"
    assert receive("POST", credential_id, key, signed(body, identifier="d-1"), body) == "applied"
    assert state_of("hooked") == "resolved"


def test_given_the_table_unreadable_then_a_verified_delivery_is_retried_a_forged_one_is_not(
    jira: JiraEmulator, linked: tuple[str, str]
) -> None:
    credential_id, key = linked
    warm = delivery(jira, key, "In Progress")
    assert receive("POST", credential_id, key, signed(warm), warm) == "applied"
    body = delivery(jira, key, "Done", timestamp=time.time() + 1)

    fail_next("BatchGetItem")
    forged = {"X-Hub-Signature": sign("not-the-secret-at-all", body)}
    assert receive("POST", credential_id, key, forged, body) == "error"
    fail_next("BatchGetItem")
    assert receive("POST", credential_id, key, signed(body), body) == "unavailable"
    assert "unavailable" in RETRY_OUTCOMES
    assert "error" not in RETRY_OUTCOMES
    assert receive("POST", credential_id, key, signed(body), body) == "applied"
    assert state_of("hooked") == "resolved"
