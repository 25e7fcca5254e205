"""One flow per kind of Jira a team runs (issue 11 point 5): create, state change and webhook
through the devstack, parametrised over how the credential reaches Jira. Today: Jira Cloud
with a classic API token, and with a scoped token given as the site URL (found to work only
through the gateway, ``/ex/jira/<cloudId>``, as a service account's token does)."""

from __future__ import annotations

import pytest

from devstack.jira_emulator.seed import CLOUD_ID
from devstack.stack import Devstack
from tests.e2e.test_webhooks_api import api, issue, setup, transition, wait_for
from tests.fixtures.emulator import emulator_session

DEPLOYMENTS = {
    "cloud, classic token": {"api_token": "svc-token"},
    "cloud, scoped token at the site URL": {"api_token": "svc-scoped-token"},
}
AUTH = {"cloud, classic token": "api_token", "cloud, scoped token at the site URL": "scoped_token"}


@pytest.fixture
def stack(clean_devstack: Devstack) -> Devstack:
    return clean_devstack


@pytest.mark.parametrize("deployment", list(DEPLOYMENTS))
def test_create_state_change_and_webhook_work_the_same_on_each_deployment(
    stack: Devstack, deployment: str
) -> None:
    credential, key = setup(stack, **DEPLOYMENTS[deployment])

    validation = credential["validation"]
    assert validation["ok"] is True
    assert validation["auth"] == AUTH[deployment]
    assert validation["cloud_id"] == (CLOUD_ID if AUTH[deployment] == "scoped_token" else None)
    link = issue(stack)["jira"]
    assert (link["base_url"], link["browse_url"]) == (
        stack.jira_url,
        f"{stack.jira_url}/browse/{key}",
    )

    moved = api(stack, "PUT", "/issues/w1/state", {"state": "in progress"}).json()
    assert moved["jira"] == {"key": key, "transition": "applied", "to_status": "In Progress"}
    read = emulator_session("svc@example.com", "svc-token").get(
        f"{stack.jira_url}/rest/api/3/issue/{key}", timeout=10
    )
    assert read.json()["fields"]["status"]["name"] == "In Progress"

    transition(stack, key, "Done")  # someone resolves it in Jira: its webhook names the site
    wait_for(lambda: issue(stack)["state"] == "resolved", "the state from Jira's webhook")
