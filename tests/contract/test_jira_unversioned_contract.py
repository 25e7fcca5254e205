"""Emulator routes that Atlassian's REST v3 OpenAPI spec does not cover, held to their docs.

`GET /_edge/tenant_info` and the admin webhooks 1.0 routes (`/rest/webhooks/1.0/webhook`) are
not operations of the Jira Cloud platform v3 spec, so they are checked against the small
hand-written JSON Schemas below, each with its source. Their error bodies are Jira's
platform-wide error shape, the v3 spec's `ErrorCollection`.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.contract.jira_http import (
    ADMIN,
    ALICE,
    TIMEOUT,
    WRONG,
    EmulatorHandle,
    Site,
    check_component,
)
from tests.contract.openapi import validate_json

# Source: Atlassian support, "Retrieve my Atlassian site's Cloud ID": an unauthenticated
# GET https://<site>.atlassian.net/_edge/tenant_info answers {"cloudId": "<uuid>"}.
TENANT_INFO: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["cloudId"],
    "properties": {
        "cloudId": {
            "type": "string",
            "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        }
    },
}

# Source: Atlassian developer docs, "Webhooks" (Jira Cloud platform), "Registering a webhook
# using the REST API": POST /rest/webhooks/1.0/webhook takes name, url, events, filters
# ({"issue-related-events-section": "<JQL>"}) and excludeBody; the registration it returns (and
# GET lists) has name, url, events, filters, excludeBody, enabled, self, lastUpdatedUser,
# lastUpdatedDisplayName and lastUpdated (milliseconds since the epoch). A webhook's secret is
# write-only: it is never sent back.
WEBHOOK: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "name",
        "url",
        "events",
        "filters",
        "excludeBody",
        "enabled",
        "self",
        "lastUpdatedUser",
        "lastUpdatedDisplayName",
        "lastUpdated",
    ],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "url": {"type": "string", "pattern": "^https?://"},
        "events": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "filters": {"type": "object", "additionalProperties": {"type": "string"}},
        "excludeBody": {"type": "boolean"},
        "enabled": {"type": "boolean"},
        "self": {"type": "string", "pattern": "^https?://.+/rest/webhooks/1\\.0/webhook/[^/]+$"},
        "lastUpdatedUser": {"type": "string"},
        "lastUpdatedDisplayName": {"type": "string"},
        "lastUpdated": {"type": "integer", "minimum": 0},
    },
}
WEBHOOK_LIST: dict[str, Any] = {"type": "array", "items": WEBHOOK}

WEBHOOKS = "/rest/webhooks/1.0/webhook"
WEBHOOK_BY_ID = "/rest/webhooks/1.0/webhook/{webhookId}"
SECRET = "It's a Secret to Everybody"


def json_body(response: requests.Response, status: int) -> Any:
    label = f"{response.request.method} {response.url}"
    assert response.status_code == status, (
        f"{label}: expected {status}, got {response.status_code}: {response.text[:500]}"
    )
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    assert content_type == "application/json", f"{label}: Content-Type {content_type!r}"
    return response.json()


def error_body(response: requests.Response, status: int) -> dict[str, Any]:
    body = json_body(response, status)
    check_component("ErrorCollection", body, f"{response.request.method} {response.url}")
    assert body.get("errorMessages") or body.get("errors"), body
    return body  # type: ignore[no-any-return]


def registration(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "jira-sync",
        "url": "https://example.invalid/webhooks/jira/c-1/${issue.key}",
        "events": ["jira:issue_updated", "comment_created"],
        "filters": {"issue-related-events-section": "project = SEC"},
        "excludeBody": False,
        "secret": SECRET,
        **overrides,
    }


@pytest.fixture
def admin(jira: EmulatorHandle) -> Site:
    return Site.site(jira, ADMIN)


def test_get_tenant_info_without_auth_returns_the_cloud_id(jira: EmulatorHandle) -> None:
    response = requests.get(f"{jira.base_url.rstrip('/')}/_edge/tenant_info", timeout=TIMEOUT)
    body = json_body(response, 200)
    validate_json(TENANT_INFO, body, "GET /_edge/tenant_info")
    assert body["cloudId"] == jira.cloud_id


def test_post_webhook_returns_201_registration_without_the_secret(admin: Site) -> None:
    response = admin.call("POST", WEBHOOKS, json=registration())
    body = json_body(response, 201)
    validate_json(WEBHOOK, body, "POST /rest/webhooks/1.0/webhook")
    assert body["events"] == ["jira:issue_updated", "comment_created"]
    assert body["filters"] == {"issue-related-events-section": "project = SEC"}
    assert SECRET not in response.text


def test_get_webhooks_lists_registrations_and_get_by_id_returns_one(admin: Site) -> None:
    created = json_body(admin.call("POST", WEBHOOKS, json=registration()), 201)
    listed = json_body(admin.call("GET", WEBHOOKS), 200)
    validate_json(WEBHOOK_LIST, listed, "GET /rest/webhooks/1.0/webhook")
    assert [hook["self"] for hook in listed] == [created["self"]]
    webhook_id = created["self"].rsplit("/", 1)[1]
    response = admin.call("GET", WEBHOOK_BY_ID, {"webhookId": webhook_id})
    one = json_body(response, 200)
    validate_json(WEBHOOK, one, "GET /rest/webhooks/1.0/webhook/{id}")
    assert one == created
    assert SECRET not in response.text


def test_delete_webhook_returns_204_and_it_is_gone(admin: Site) -> None:
    created = json_body(admin.call("POST", WEBHOOKS, json=registration()), 201)
    path = {"webhookId": created["self"].rsplit("/", 1)[1]}
    response = admin.call("DELETE", WEBHOOK_BY_ID, path)
    assert response.status_code == 204, response.text
    assert response.content == b""
    error_body(admin.call("GET", WEBHOOK_BY_ID, path), 404)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"url": None}, "url"),
        ({"url": "not a url"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["no_such_event"]}, "events"),
        ({"name": ""}, "name"),
    ],
    ids=["no-url", "bad-url", "no-events", "unknown-event", "no-name"],
)
def test_given_an_invalid_registration_when_posting_then_400_error_collection(
    admin: Site, overrides: dict[str, Any], field: str
) -> None:
    payload = {k: v for k, v in registration(**overrides).items() if v is not None}
    response = admin.call("POST", WEBHOOKS, json=payload)
    body = error_body(response, 400)
    assert field in body["errors"], body
    assert SECRET not in response.text


def test_given_a_non_admin_when_registering_a_webhook_then_403(jira: EmulatorHandle) -> None:
    response = Site.site(jira, ALICE).call("POST", WEBHOOKS, json=registration())
    error_body(response, 403)
    assert SECRET not in response.text


def test_given_a_wrong_token_when_listing_webhooks_then_401(jira: EmulatorHandle) -> None:
    error_body(Site.site(jira, WRONG).call("GET", WEBHOOKS), 401)


def test_given_an_unknown_webhook_when_getting_it_then_404(admin: Site) -> None:
    error_body(admin.call("GET", WEBHOOK_BY_ID, {"webhookId": "999999"}), 404)
