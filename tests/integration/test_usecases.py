"""The create and state use cases in process: moto for AWS, the Jira emulator over real HTTP.

The handlers add only parsing and serialising on top of these; here each use case is held to
what it returns, what it writes and which Jira calls it makes.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from devstack.jira_emulator import JiraEmulator
from jira_sync.errors import DomainError, NotFound
from jira_sync.models.credentials import CredentialCreate
from jira_sync.models.issues import TicketCreate
from jira_sync.usecases import credentials, state_sync, tickets
from tests.integration.test_credentials_handler import credential_body

API_BASE = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"


def new_credential(jira: JiraEmulator, **overrides: Any) -> str:
    body = credential_body(jira, **overrides)
    view = credentials.create_credential(CredentialCreate.model_validate(body), base_url=API_BASE)
    return view.credential_id


def ticket_request(credential_id: str, **issue: Any) -> TicketCreate:
    return TicketCreate.model_validate(
        {
            "credential_id": credential_id,
            "issue": {"name": "SQL injection in /search", "description": "The **q** parameter."}
            | issue,
        }
    )


def jira_calls(jira: JiraEmulator, method: str, path: str) -> list[dict[str, Any]]:
    log = requests.get(f"{jira.base_url}/_emulator/requests", timeout=10).json()
    entries = log["requests"] if isinstance(log, dict) else log
    return [r for r in entries if r["method"] == method and r["path"] == path]


def jira_issue(jira: JiraEmulator, key: str) -> dict[str, Any]:
    response = requests.get(
        f"{jira.base_url}/rest/api/3/issue/{key}", auth=("svc@example.com", "svc-token"), timeout=10
    )
    assert response.status_code == 200, response.text
    issue: dict[str, Any] = response.json()
    return issue


def fault(jira: JiraEmulator, **spec: Any) -> None:
    response = requests.post(f"{jira.base_url}/_emulator/faults", json=spec, timeout=10)
    assert response.status_code in (200, 201), response.text


@pytest.fixture
def credential_id(aws: None, jira: JiraEmulator) -> str:
    return new_credential(jira)


# -- create ------------------------------------------------------------------------------


def test_given_a_new_issue_when_created_then_one_jira_ticket_is_linked_and_shown(
    jira: JiraEmulator, credential_id: str
) -> None:
    created = tickets.create_ticket("finding-1", ticket_request(credential_id, severity="high"))

    assert created.jira.key == "SEC-1"
    assert created.jira.browse_url == f"{jira.base_url}/browse/SEC-1"
    assert created.attachment.status == "none"
    fields = jira_issue(jira, "SEC-1")["fields"]
    assert fields["summary"] == "SQL injection in /search"
    assert fields["priority"]["name"] == "High"
    view = tickets.get_issue("finding-1")
    assert view.jira is not None
    assert view.jira.key == "SEC-1"
    assert [entry.text for entry in view.timeline] == [
        'Created Jira ticket SEC-1 for issue "SQL injection in /search"'
    ]


def test_given_the_same_create_again_then_it_replays_the_first_result_without_jira(
    jira: JiraEmulator, credential_id: str
) -> None:
    first = tickets.create_ticket("finding-2", ticket_request(credential_id))
    second = tickets.create_ticket("finding-2", ticket_request(credential_id))

    assert second.model_dump(mode="json") == first.model_dump(mode="json")
    assert len(jira_calls(jira, "POST", "/rest/api/3/issue")) == 1


def test_given_a_lost_create_answer_then_the_ticket_jira_made_is_adopted(
    jira: JiraEmulator, credential_id: str
) -> None:
    fault(
        jira,
        method="POST",
        path="/rest/api/3/issue",
        drop_connection=True,
        after_processing=True,
        times=1,
    )

    created = tickets.create_ticket("finding-3", ticket_request(credential_id))

    assert created.jira.key == "SEC-1"
    assert len(jira_calls(jira, "POST", "/rest/api/3/issue")) == 1
    assert tickets.get_issue("finding-3").jira is not None


def test_given_a_required_field_without_a_value_then_refused_and_nothing_written(
    aws: None, jira: JiraEmulator
) -> None:
    bug = new_credential(jira, issue_type="Bug")  # Bug requires components in SEC

    with pytest.raises(DomainError) as refused:
        tickets.create_ticket("finding-4", ticket_request(bug))

    assert refused.value.status == 422
    assert jira_calls(jira, "POST", "/rest/api/3/issue") == []
    with pytest.raises(NotFound):
        tickets.get_issue("finding-4")


# -- state -------------------------------------------------------------------------------


def test_given_a_linked_ticket_when_resolved_then_jira_moves_to_the_mapped_status(
    jira: JiraEmulator, credential_id: str
) -> None:
    tickets.create_ticket("finding-5", ticket_request(credential_id))

    result = state_sync.change_state("finding-5", "resolved")

    assert result.jira.transition == "applied"
    assert result.jira.to_status == "Done"
    assert jira_issue(jira, "SEC-1")["fields"]["status"]["name"] == "Done"
    assert tickets.get_issue("finding-5").state == "resolved"


def test_given_an_unmapped_state_then_it_applies_locally_with_no_jira_call(
    jira: JiraEmulator, credential_id: str
) -> None:
    tickets.create_ticket("finding-6", ticket_request(credential_id))
    requests.delete(f"{jira.base_url}/_emulator/requests", timeout=10)

    result = state_sync.change_state("finding-6", "closed")

    assert result.jira.transition == "not_mapped"
    assert tickets.get_issue("finding-6").state == "closed"
    assert jira_calls(jira, "GET", "/rest/api/3/issue/SEC-1/transitions") == []
    assert jira_calls(jira, "POST", "/rest/api/3/issue/SEC-1/transitions") == []


def test_given_a_status_not_reachable_in_one_step_then_not_available_and_local_state_set(
    aws: None, jira: JiraEmulator
) -> None:
    ops = new_credential(
        jira,
        project_key="OPS",
        state_map={"open": "Open", "resolved": "Done"},
    )
    tickets.create_ticket("finding-7", ticket_request(ops))

    result = state_sync.change_state("finding-7", "resolved")

    assert result.jira.transition == "not_available"
    assert tickets.get_issue("finding-7").state == "resolved"
    assert jira_issue(jira, "OPS-1")["fields"]["status"]["name"] == "Open"


def test_given_an_unknown_issue_when_its_state_is_set_then_not_found(aws: None) -> None:
    with pytest.raises(NotFound):
        state_sync.change_state("no-such-finding", "resolved")


def test_given_the_link_write_failing_after_the_create_then_the_next_create_adopts_that_ticket(
    jira: JiraEmulator, credential_id: str
) -> None:
    """Issue 9.1: the Jira ticket exists once the create answered; whatever then stops the
    link, the claim keeps the ticket's key, and the retry links it without a second create."""
    from botocore.exceptions import ClientError

    from jira_sync.store.client import dynamodb_client
    from jira_sync.store.issues import get_issue_item

    def fail_once(params: dict[str, Any], **_: Any) -> None:
        puts = [item["Put"]["Item"]["pk"]["S"] for item in params["TransactItems"] if "Put" in item]
        if not any(pk.startswith("LINK#") for pk in puts):
            return  # not the link's transaction
        dynamodb_client().meta.events.unregister(
            "before-parameter-build.dynamodb.TransactWriteItems", fail_once
        )
        raise ClientError(
            {"Error": {"Code": "InternalServerError", "Message": "injected"}},
            "TransactWriteItems",
        )

    dynamodb_client().meta.events.register(
        "before-parameter-build.dynamodb.TransactWriteItems", fail_once
    )
    with pytest.raises(ClientError):
        tickets.create_ticket("linkless", ticket_request(credential_id))

    record = get_issue_item("linkless")
    assert record is not None
    assert record.creating is not None
    assert record.creating.created is not None
    assert record.creating.created.key == "SEC-1"
    created = tickets.create_ticket("linkless", ticket_request(credential_id))
    assert created.jira.key == "SEC-1"
    assert len(jira_calls(jira, "POST", "/rest/api/3/issue")) == 1
    assert len(jira_calls(jira, "GET", "/rest/api/3/search/jql")) == 0
