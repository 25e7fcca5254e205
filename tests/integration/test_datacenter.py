"""Issue 11 point 2 in process (moto and the Jira emulator's Data Center flavour): a credential
for a Data Center URL is found to be one from serverInfo, connects with a personal access token
(or a basic login), and creates, comments and transitions through REST v2 in wiki markup."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from devstack.jira_emulator import JiraEmulator
from jira_sync.errors import ValidationFailed
from jira_sync.jira.errors import JiraAuthError
from jira_sync.models.credentials import CredentialCreate, CredentialPatch
from jira_sync.models.remediation import PullRequest
from jira_sync.store import credentials as credential_store
from jira_sync.usecases import credentials, state_sync, tickets
from jira_sync.usecases.connection import credential_client
from jira_sync.usecases.remediation import comment_of
from tests.fixtures.emulator import pat_session
from tests.integration.test_credentials_handler import table_items
from tests.integration.test_usecases import jira_calls, ticket_request

API = "https://api.example"
PAT = "svc-pat-token"
DATACENTER = pytest.mark.parametrize(
    "jira_flavor", [("datacenter", "9.12"), ("datacenter", "10.3")], indirect=True
)


def body(jira: JiraEmulator, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Security (Data Center)",
        "url": jira.base_url,
        "api_token": PAT,
        "project_key": "SEC",
        "state_map": {"open": "To Do", "in progress": "In Progress", "resolved": "Done"},
    } | overrides


def create(jira: JiraEmulator, **overrides: Any) -> Any:
    return credentials.create_credential(
        CredentialCreate.model_validate(body(jira, **overrides)), base_url=API
    )


def dc_issue(jira: JiraEmulator, key: str) -> dict[str, Any]:
    response = pat_session("admin-pat-token").get(
        f"{jira.base_url}/rest/api/2/issue/{key}", timeout=10
    )
    assert response.status_code == 200, response.text
    issue: dict[str, Any] = response.json()
    return issue


@DATACENTER
def test_a_data_center_url_is_found_from_server_info_and_connects_with_a_pat(
    aws: None, jira: JiraEmulator
) -> None:
    view = create(jira)

    assert (view.deployment, view.auth) == ("datacenter", "pat")
    assert view.validation.ok is True
    assert (view.validation.auth, view.validation.username) == ("pat", "svc")
    assert view.validation.account_id is None
    assert view.validation.server_version == ".".join(str(part) for part in jira.flavor.numbers)
    # serverInfo once (the deployment), then the checks in REST v2.
    assert len(jira_calls(jira, "GET", "/rest/api/2/serverInfo")) == 1
    assert jira_calls(jira, "GET", "/rest/api/3/myself") == []
    assert len(jira_calls(jira, "GET", "/rest/api/2/myself")) == 1


@DATACENTER
def test_its_webhook_proof_follows_the_version(aws: None, jira: JiraEmulator) -> None:
    view = create(jira)

    major = jira.flavor.major
    assert view.webhook_auth == ("signature" if major >= 10 else "url_token")
    token_segment = view.webhook_url.split("/webhooks/jira/")[1].split("/")
    assert len(token_segment) == (2 if major >= 10 else 3)
    shown_again = credentials.get_credential(view.credential_id, base_url=API)
    if major < 10:
        # The token is derived from the webhook secret: whole once, masked afterwards.
        assert shown_again.webhook_url.split("/")[-2].startswith("****")
        assert token_segment[1] not in shown_again.webhook_url


@DATACENTER
def test_tickets_are_made_in_wiki_markup_through_v2_and_move_through_its_transitions(
    aws: None, jira: JiraEmulator
) -> None:
    view = create(jira)

    created = tickets.create_ticket(
        "dc-1",
        ticket_request(
            view.credential_id, description="The **q** parameter.\n\n`{html}` and [x|y]"
        ),
    )
    moved = state_sync.change_state("dc-1", "resolved")

    issue = dc_issue(jira, created.jira.key)
    description = issue["fields"]["description"]
    assert isinstance(description, str)
    assert "*q*" in description
    assert "{html}" not in description.replace("\\{html}", "")
    assert description.endswith("Synced by jira-sync from issue dc-1")
    assert moved.jira.transition == "applied"
    assert issue["fields"]["status"]["name"] in ("To Do", "Done")
    assert dc_issue(jira, created.jira.key)["fields"]["status"]["name"] == "Done"
    assert created.jira.browse_url == f"{jira.base_url}/browse/{created.jira.key}"
    assert jira_calls(jira, "POST", "/rest/api/2/issue")
    assert not jira_calls(jira, "POST", "/rest/api/3/issue")


@DATACENTER
def test_a_pull_request_comment_is_wiki_markup_with_its_link(aws: None, jira: JiraEmulator) -> None:
    view = create(jira)
    created = tickets.create_ticket("dc-2", ticket_request(view.credential_id))
    stored = credential_store.get_credential(view.credential_id)
    assert stored is not None
    client = credential_client(stored)
    pull = PullRequest.model_validate(
        {
            "url": "https://github.com/acme/api/pull/7",
            "title": "Fix *it*",
            "repository": "acme/api",
            "number": 7,
        }
    )

    client.add_comment(created.jira.key, comment_of("pull_request_merged", pull, client.dialect))

    comments = (
        pat_session("admin-pat-token")
        .get(f"{jira.base_url}/rest/api/2/issue/{created.jira.key}/comment", timeout=10)
        .json()["comments"]
    )
    assert comments[-1]["body"] == (
        "Pull request merged: [acme/api#7|https://github.com/acme/api/pull/7] Fix \\*it\\*"
    )


@pytest.mark.parametrize("jira_flavor", [("datacenter", "10.3")], indirect=True)
def test_basic_auth_needs_a_username_and_works_where_the_site_allows_it(
    aws: None, jira: JiraEmulator
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(jira, auth="basic", api_token="svc-password")
    assert "username: is required with basic auth" in refused.value.message
    assert table_items() == []

    view = create(jira, auth="basic", username="svc", api_token="svc-password")

    assert (view.auth, view.validation.auth, view.validation.ok) == ("basic", "basic", True)


@pytest.mark.parametrize("jira_flavor", [("datacenter", "11.0")], indirect=True)
def test_jira_11_refuses_basic_auth_by_default_and_nothing_is_stored(
    aws: None, jira: JiraEmulator
) -> None:
    with pytest.raises(JiraAuthError):
        create(jira, auth="basic", username="svc", api_token="svc-password")

    assert table_items() == []


@pytest.mark.parametrize("jira_flavor", [("datacenter", "10.3")], indirect=True)
def test_cloud_fields_on_a_data_center_url_and_the_reverse_say_what_to_send(
    aws: None, jira: JiraEmulator
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(jira, deployment="cloud")

    assert "email: is required on Jira Cloud" in refused.value.message
    # Told it is Cloud, the service checks the fields before any call.
    assert requests.get(f"{jira.base_url}/_emulator/requests", timeout=10).json() == []
    assert table_items() == []


def test_a_cloud_url_is_found_to_be_cloud_and_a_pat_is_refused_there(
    aws: None, jira: JiraEmulator
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        credentials.create_credential(
            CredentialCreate.model_validate(body(jira, auth="pat", api_token="svc-token")),
            base_url=API,
        )

    assert "auth: Jira Cloud takes no personal access token" in refused.value.message
    assert "(the URL is Jira Cloud)" in refused.value.message


@pytest.mark.parametrize("jira_flavor", [("datacenter", "10.3")], indirect=True)
def test_a_patch_to_url_token_shows_the_new_url_once(aws: None, jira: JiraEmulator) -> None:
    view = create(jira)

    patched = credentials.update_credential(
        view.credential_id,
        CredentialPatch.model_validate({"webhook_auth": "url_token"}),
        base_url=API,
    )

    assert patched.webhook_auth == "url_token"
    assert not patched.webhook_url.split("/")[-2].startswith("****")
    again = credentials.get_credential(view.credential_id, base_url=API)
    assert again.webhook_url.split("/")[-2].startswith("****")
