"""The repository's own template.yaml served by the local stack (the `devstack` fixture)."""

from __future__ import annotations

import requests

from devstack.stack import Devstack


def test_given_started_stack_when_health_requested_then_credentials_function_answers_ok(
    devstack: Devstack,
) -> None:
    response = requests.get(f"{devstack.api_url}/health", timeout=60)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_given_template_routes_when_recorded_then_they_are_iam_authorized_in_aws(
    devstack: Devstack,
) -> None:
    auth = {route.route_key: route.authorization for route in devstack.routes}

    assert auth["GET /health"] == "AWS_IAM"
    assert auth["POST /credentials/{credential_id}/validate"] == "AWS_IAM"


def test_given_banner_example_session_when_run_then_credential_shows_local_webhook_url(
    clean_devstack: Devstack,
) -> None:
    created = requests.post(
        f"{clean_devstack.api_url}/credentials",
        json={
            "name": "local",
            "url": clean_devstack.jira_url,
            "email": "svc@example.com",
            "api_token": "svc-token",
            "project_key": "SEC",
        },
        timeout=60,
    )
    assert created.status_code == 201, created.text
    credential_id = created.json()["credential_id"]

    fetched = requests.get(f"{clean_devstack.api_url}/credentials/{credential_id}", timeout=60)

    assert fetched.status_code == 200
    view = fetched.json()
    assert view["webhook_url"].startswith(
        f"{clean_devstack.api_url}/webhooks/jira/{credential_id}/"
    )
    assert "svc-token" not in fetched.text
    assert not any("svc-token" in line for line in clean_devstack.logs())
