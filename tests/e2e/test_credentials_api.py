"""The credentials API through the local stack over real HTTP: API adapter, Lambda workers,
AWS emulators and the Jira emulator, all built from template.yaml."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from devstack.stack import Devstack

WEBHOOK_SECRET = "hook-secret-0123456789abcdef"
SECRETS = ("svc-token", "viewer-token", "wrong-token", WEBHOOK_SECRET)


@pytest.fixture
def stack(clean_devstack: Devstack) -> Devstack:
    return clean_devstack


def api(stack: Devstack, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{stack.api_url}{path}", json=body, timeout=60)


def credential_body(stack: Devstack, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Security",
        "url": stack.jira_url,
        "email": "svc@example.com",
        "api_token": "svc-token",
        "project_key": "SEC",
        "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
    } | overrides


def create(stack: Devstack, **overrides: Any) -> dict[str, Any]:
    response = api(stack, "POST", "/credentials", credential_body(stack, **overrides))
    assert response.status_code == 201, response.text
    view: dict[str, Any] = response.json()
    return view


def table_items(stack: Devstack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = stack.client("dynamodb").scan(TableName=stack.table_name)["Items"]
    return items


def secret_exists(stack: Devstack, credential_id: str) -> bool:
    listed = stack.client("secretsmanager").list_secrets(IncludePlannedDeletion=True)
    return any(
        entry["Name"].endswith(f"/credentials/{credential_id}") for entry in listed["SecretList"]
    )


def secret_count(stack: Devstack) -> int:
    listed = stack.client("secretsmanager").list_secrets(IncludePlannedDeletion=True)
    return len(listed["SecretList"])


def test_given_running_stack_when_health_checked_then_ok(stack: Devstack) -> None:
    response = api(stack, "GET", "/health")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_given_good_credential_when_created_then_readable_masked_with_its_webhook_url(
    stack: Devstack,
) -> None:
    view = create(stack)
    credential_id = view["credential_id"]

    got = api(stack, "GET", f"/credentials/{credential_id}")
    listing = api(stack, "GET", "/credentials").json()

    assert view["api_token"] == "****oken"
    assert view["webhook_url"] == (f"{stack.api_url}/webhooks/jira/{credential_id}/${{issue.key}}")
    assert view["validation"]["ok"] is True
    assert got.status_code == 200
    assert got.json() == {key: value for key, value in view.items() if key != "webhook_secret"}
    assert [item["credential_id"] for item in listing["credentials"]] == [credential_id]
    assert secret_exists(stack, credential_id)
    assert view["webhook_secret"] not in got.text + json.dumps(listing)
    assert view["webhook_secret"] not in json.dumps(table_items(stack))


def test_given_wrong_token_when_created_then_422_with_jira_status_and_nothing_stored(
    stack: Devstack,
) -> None:
    secrets_before = secret_count(stack)

    response = api(stack, "POST", "/credentials", credential_body(stack, api_token="wrong-token"))

    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["details"]["jira_status"]) == ("jira_refused", 401)
    assert table_items(stack) == []
    assert secret_count(stack) == secrets_before


def test_given_jira_down_when_created_then_502(stack: Devstack) -> None:
    requests.post(
        f"{stack.jira_url}/_emulator/faults",
        json={"method": "GET", "path": "/rest/api/3/myself", "status": 503},
        timeout=5,
    ).raise_for_status()

    response = api(stack, "POST", "/credentials", credential_body(stack))

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "jira_unavailable"
    assert table_items(stack) == []


def test_given_browse_only_account_when_created_then_missing_permissions_listed(
    stack: Devstack,
) -> None:
    view = create(stack, email="viewer@example.com", api_token="viewer-token")

    assert "CREATE_ISSUES" in view["validation"]["missing_permissions"]


@pytest.mark.parametrize(
    "url", ["http://acme.atlassian.net", "https://acme.atlassian.net/jira", "https://10.0.0.1"]
)
def test_given_bad_url_when_created_then_400_invalid_url(stack: Devstack, url: str) -> None:
    response = api(stack, "POST", "/credentials", credential_body(stack, url=url))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_url"


def test_given_malformed_json_when_created_then_400(stack: Devstack) -> None:
    response = requests.post(
        f"{stack.api_url}/credentials",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=60,
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_given_refused_patch_when_applied_then_nothing_changes(stack: Devstack) -> None:
    view = create(stack)
    credential_id = view["credential_id"]
    before = api(stack, "GET", f"/credentials/{credential_id}").json()

    response = api(
        stack, "PATCH", f"/credentials/{credential_id}", {"api_token": "wrong-token", "name": "x"}
    )

    assert response.status_code == 422
    assert api(stack, "GET", f"/credentials/{credential_id}").json() == before


def test_given_patch_when_applied_then_changed_fields_returned(stack: Devstack) -> None:
    credential_id = create(stack)["credential_id"]

    response = api(
        stack, "PATCH", f"/credentials/{credential_id}", {"webhook_secret": WEBHOOK_SECRET}
    )

    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert WEBHOOK_SECRET not in response.text


def test_given_credential_when_validated_then_result_shape(stack: Devstack) -> None:
    credential_id = create(stack)["credential_id"]

    response = api(stack, "POST", f"/credentials/{credential_id}/validate")

    assert response.status_code == 200
    assert set(response.json()) == {
        "ok",
        "jira_status",
        "account_id",
        "display_name",
        "checked_at",
        "missing_permissions",
        "unknown_statuses",
        "auth",
        "cloud_id",
        "username",
        "server_version",
    }


def test_given_credential_when_deleted_then_204_and_secret_gone(stack: Devstack) -> None:
    credential_id = create(stack)["credential_id"]

    response = api(stack, "DELETE", f"/credentials/{credential_id}")

    assert response.status_code == 204
    assert api(stack, "GET", f"/credentials/{credential_id}").status_code == 404
    assert not secret_exists(stack, credential_id)


def test_given_linked_credential_when_deleted_then_409(stack: Devstack) -> None:
    credential_id = create(stack)["credential_id"]
    stack.client("dynamodb").put_item(
        TableName=stack.table_name,
        Item={
            "pk": {"S": f"LINK#{stack.jira_url}#SEC-1"},
            "sk": {"S": "LINK"},
            "gsi1pk": {"S": f"CREDLINKS#{credential_id}"},
            "gsi1sk": {"S": "SEC-1"},
        },
    )

    response = api(stack, "DELETE", f"/credentials/{credential_id}")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "credential_in_use"


def test_given_requests_with_secrets_when_logged_then_no_secret_appears(stack: Devstack) -> None:
    view = create(stack, webhook_secret=WEBHOOK_SECRET)
    api(stack, "POST", "/credentials", credential_body(stack, api_token="wrong-token"))
    api(stack, "PATCH", f"/credentials/{view['credential_id']}", {"api_token": "viewer-token"})

    logs = "\n".join(stack.logs())

    assert "credential created" in logs
    for secret in SECRETS:
        assert secret not in logs


@pytest.mark.parametrize(("method", "path"), [("GET", "/nope"), ("DELETE", "/health")])
def test_a_route_or_method_the_api_lacks_gets_the_error_envelope(
    stack: Devstack, method: str, path: str
) -> None:
    response = api(stack, method, path)

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_route"
    assert error["message"].startswith(f"no route {method} {path}: ")
