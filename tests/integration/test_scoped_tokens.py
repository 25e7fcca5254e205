"""Issue 11 point 1 in process (moto and the Jira emulator): a credential given as the site URL
with a scoped token (a service account's) is found to work through the gateway
``/ex/jira/<cloudId>`` and stored with both URLs; links and browse URLs name the site."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.jira_emulator import JiraEmulator
from devstack.jira_emulator.seed import CLOUD_ID
from jira_sync.jira.errors import JiraAuthError
from jira_sync.models.credentials import CredentialCreate, CredentialPatch
from jira_sync.store import credentials as credential_store
from jira_sync.usecases import credentials, state_sync, tickets
from tests.integration.test_credentials_handler import credential_body, table_items
from tests.integration.test_usecases import jira_calls, jira_issue, ticket_request
from tests.support.moto_aws import forget_container_state

API = "https://api.example"
SCOPED = "svc-scoped-token"


@pytest.fixture
def gateway(aws: None, jira: JiraEmulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """The emulator stands in for api.atlassian.com, as the devstack has it."""
    monkeypatch.setenv("JIRA_SYNC_ATLASSIAN_GATEWAY_URL", jira.base_url)
    forget_container_state()
    return f"{jira.base_url}/ex/jira/{CLOUD_ID}"


def create(jira: JiraEmulator, **overrides: Any) -> Any:
    return credentials.create_credential(
        CredentialCreate.model_validate(credential_body(jira, **overrides)), base_url=API
    )


def test_a_scoped_token_given_with_the_site_url_connects_through_the_gateway(
    gateway: str, jira: JiraEmulator
) -> None:
    view = create(jira, api_token=SCOPED)

    assert view.url == jira.base_url
    assert view.validation.ok is True
    assert (view.validation.auth, view.validation.cloud_id) == ("scoped_token", CLOUD_ID)
    stored = credential_store.get_credential(view.credential_id)
    assert stored is not None
    assert stored.api_url == gateway
    assert len(jira_calls(jira, "GET", "/_edge/tenant_info")) == 1


def test_its_tickets_are_made_through_the_gateway_and_linked_to_the_site(
    gateway: str, jira: JiraEmulator
) -> None:
    view = create(jira, api_token=SCOPED)

    created = tickets.create_ticket("finding-1", ticket_request(view.credential_id))
    moved = state_sync.change_state("finding-1", "resolved")

    assert created.jira.base_url == jira.base_url
    assert created.jira.browse_url == f"{jira.base_url}/browse/{created.jira.key}"
    assert moved.jira.transition == "applied"
    assert jira_issue(jira, created.jira.key)["fields"]["status"]["name"] == "Done"
    assert jira_calls(jira, "POST", f"/ex/jira/{CLOUD_ID}/rest/api/3/issue")
    assert not jira_calls(jira, "POST", "/rest/api/3/issue")


def test_a_classic_token_stays_on_the_site(gateway: str, jira: JiraEmulator) -> None:
    view = create(jira)

    assert (view.validation.auth, view.validation.cloud_id) == ("api_token", None)
    stored = credential_store.get_credential(view.credential_id)
    assert stored is not None
    assert stored.api_url is None
    assert jira_calls(jira, "GET", "/_edge/tenant_info") == []


def test_a_token_neither_the_site_nor_the_gateway_takes_is_refused_and_nothing_stored(
    gateway: str, jira: JiraEmulator
) -> None:
    with pytest.raises(JiraAuthError) as refused:
        create(jira, api_token="not-a-token-of-anyone")

    assert refused.value.status == 401
    assert "authentication failed" in refused.value.message
    assert [item for item in table_items() if item["pk"]["S"].startswith("CRED")] == []


def test_a_gateway_outside_the_allowed_hosts_is_never_sent_the_token(
    aws: None, jira: JiraEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_SYNC_ATLASSIAN_GATEWAY_URL", "https://gateway.example.com")
    forget_container_state()

    with pytest.raises(JiraAuthError):
        create(jira, api_token=SCOPED)


def test_a_patch_to_a_classic_token_moves_the_credential_back_to_the_site(
    gateway: str, jira: JiraEmulator
) -> None:
    view = create(jira, api_token=SCOPED)

    patched = credentials.update_credential(
        view.credential_id,
        CredentialPatch.model_validate({"api_token": "svc-token"}),
        base_url=API,
    )

    assert patched.validation.auth == "api_token"
    stored = credential_store.get_credential(view.credential_id)
    assert stored is not None
    assert stored.api_url is None


def test_the_gateway_url_given_directly_keeps_working(gateway: str, jira: JiraEmulator) -> None:
    view = create(jira, url=gateway, api_token=SCOPED)

    assert view.validation.ok is True
    assert (view.validation.auth, view.validation.cloud_id) == ("scoped_token", CLOUD_ID)
    assert jira_calls(jira, "GET", "/_edge/tenant_info") == []  # given, not looked up
    created = tickets.create_ticket("finding-1", ticket_request(view.credential_id))
    assert created.jira.browse_url.startswith(jira.base_url + "/browse/")
